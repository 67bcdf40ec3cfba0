// Every boolean option is checked when the transformation is built: a string or number where true/false is expected
// is a typed error naming the option, not a truthy value that silently switches a behaviour on.
import * as tf from '@tensorflow/tfjs-core';
import { ce, compile, ready } from '@losskit/core';
import { expectCleanThrow, expectCleanThrowAsync } from '@losskit/core/testing';
import { beforeAll, describe, it } from 'vitest';
import * as O from '../src/index.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

const bad = 'yes' as unknown as boolean;
const cases: Array<[string, string, () => unknown]> = [
  ['sgd({ nesterov })', 'nesterov', () => O.sgd({ nesterov: bad })],
  ['adam({ nesterov })', 'nesterov', () => O.adam({ nesterov: bad })],
  ['adabelief({ nesterov })', 'nesterov', () => O.adabelief({ nesterov: bad })],
  ['radam({ nesterov })', 'nesterov', () => O.radam({ nesterov: bad })],
  ['adopt({ nesterov })', 'nesterov', () => O.adopt({ nesterov: bad })],
  ['adopt({ useClipping })', 'useClipping', () => O.adopt({ useClipping: bad })],
  ['lars({ nesterov })', 'nesterov', () => O.lars({ nesterov: bad })],
  ['muon({ nesterov })', 'nesterov', () => O.muon({ nesterov: bad })],
  ['optimisticAdam({ nesterov })', 'nesterov', () => O.optimisticAdam({ nesterov: bad })],
  ['dpsgd({ nesterov })', 'nesterov', () => O.dpsgd({ l2NormClip: 1, noiseMultiplier: 1, nesterov: bad })],
  ['rmsprop({ centered })', 'centered', () => O.rmsprop({ centered: bad })],
  ['rmsprop({ nesterov })', 'nesterov', () => O.rmsprop({ momentum: 0.9, nesterov: bad })],
  ['scaleByRms({ epsInSqrt })', 'epsInSqrt', () => O.scaleByRms({ epsInSqrt: bad })],
  ['scaleByRms({ biasCorrection })', 'biasCorrection', () => O.scaleByRms({ biasCorrection: bad })],
  ['adafactor({ factored })', 'factored', () => O.adafactor({ factored: bad })],
  ['adafactor({ relativeStep })', 'relativeStep', () => O.adafactor({ relativeStep: bad })],
  ['adafactor({ multiplyByParameterScale })', 'multiplyByParameterScale', () => O.adafactor({ multiplyByParameterScale: bad })],
  ['prodigy({ safeguardWarmup })', 'safeguardWarmup', () => O.prodigy({ safeguardWarmup: bad })],
  ['lbfgs({ scaleInitPrecond })', 'scaleInitPrecond', () => O.lbfgs({ scaleInitPrecond: bad })],
  ['multiSteps(adam(), { useGradMean })', 'useGradMean', () => O.multiSteps(O.adam(), { everyK: 2, useGradMean: bad })],
  ['ema(0.9, { debias })', 'debias', () => O.ema(0.9, { debias: bad })],
  ['lookahead(adam(), { resetState })', 'resetState', () => O.lookahead(O.adam(), { resetState: bad })],
  ['orthogonalizeToParams({ rescale })', 'rescale', () => O.orthogonalizeToParams({ rescale: bad })],
  ['exponential({ staircase })', 'staircase', () => O.exponential({ init: 1, transitionSteps: 10, decayRate: 0.5, staircase: bad })],
];

describe('boolean options reject non-booleans with INVALID_PARAMETER naming the option, leaking nothing', () => {
  for (const [title, option, fn] of cases) {
    it(title, () => {
      const e = expectCleanThrow(fn, 'INVALID_PARAMETER');
      if (!e.message.startsWith(`${option}:`)) throw new Error(`message does not name ${option}: ${e.message}`);
    });
  }

  it('train({ keepState }) is rejected before the first step runs', async () => {
    let steps = 0;
    const params = { w: tf.variable(tf.zeros([2, 3])) };
    const data = { x: tf.tensor2d([[1, 0], [0, 1]]), y: tf.tensor1d([0, 2], 'int32') };
    const e = await expectCleanThrowAsync(
      () => O.train({ params, forward: (p, x) => tf.matMul(x as tf.Tensor2D, p.w as tf.Tensor2D), loss: compile(ce()), optimizer: O.sgd(), data, steps: 3, progress: false, keepState: bad, onStep: () => void steps++ }),
      'INVALID_PARAMETER',
    );
    if (!e.message.startsWith('keepState:')) throw new Error(e.message);
    if (steps !== 0) throw new Error(`${steps} steps ran before the option was rejected`);
    tf.dispose([params.w, data.x, data.y]);
  });
});
