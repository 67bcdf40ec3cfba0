// Every export of @losskit/optimizers, called with bad input: a typed LosskitError naming the argument (never a
// TypeError from deep inside `update`), and tfjs left as it was (no tensor survives a call that throws).
import * as tf from '@tensorflow/tfjs-core';
import { type LosskitErrorCode, ready } from '@losskit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanThrowAsync } from '@losskit/core/testing';
import {
  adagrad, adam, adamw, addDecayedWeights, applyUpdates, centralize, chain, clip, clipByGlobalNorm, constant, cosineDecay, exponential, gravity,
  joinSchedules, linear, lion, lossClosure, momentum, momo, momoAdam, nesterov, nonFiniteEntries, orthogonalizeToParams, piecewise, polynomial,
  projectConflicting, projectGradient, rmsprop, sam, scale, scaleByAdam, scaleByLearningRate, scaleByLion, scaleByRms, scaleByRss, scaleByStddev,
  sgd, sqrtBatchScaling, step, traceMomentum, train, warmupCosineDecay, warmupStableDecay, type GradientTransformation, type Params,
} from '../src/index.js';

let p: Params;
let g: Params;
let gNaN: Params;
let gWrong: Params;
let x: tf.Tensor2D;
let y: tf.Tensor1D;

beforeAll(async () => {
  await ready();
  p = { w: tf.tensor2d([[0.5, -1], [2, 0.1]]), b: tf.tensor1d([0.3, -0.2]) };
  g = { w: tf.tensor2d([[0.1, 0.2], [-0.3, 0.4]]), b: tf.tensor1d([0.5, -0.6]) };
  gNaN = { w: tf.tensor2d([[NaN, 0.2], [-0.3, 0.4]]), b: tf.tensor1d([0.5, -0.6]) };
  gWrong = { w: tf.ones([3, 2]), b: tf.ones([2]) };
  x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
  y = tf.tensor1d([0, 1, 0], 'int32');
});
afterAll(() => [p, g, gNaN, gWrong].forEach((m) => Object.values(m).forEach((t) => t.dispose())));

type Case = readonly [name: string, call: () => unknown, code: LosskitErrorCode, argument: string];

// Every transformation: bad state (not the one its init returned), mismatched gradients, and a null options object.
const transforms: [string, () => GradientTransformation<any>, boolean][] = [
  ['scale', () => scale(0.5), false],
  ['scaleByLearningRate', () => scaleByLearningRate(0.1), true],
  ['clip', () => clip(1), false],
  ['clipByGlobalNorm', () => clipByGlobalNorm(1), false],
  ['addDecayedWeights', () => addDecayedWeights(0.1), true],
  ['traceMomentum', () => traceMomentum(), true],
  ['scaleByAdam', () => scaleByAdam(), true],
  ['adam', () => adam(), true],
  ['adamw', () => adamw(), true],
  ['scaleByRms', () => scaleByRms(), true],
  ['scaleByStddev', () => scaleByStddev(), true],
  ['rmsprop', () => rmsprop(), true],
  ['scaleByRss', () => scaleByRss(), true],
  ['adagrad', () => adagrad(), true],
  ['scaleByLion', () => scaleByLion(), true],
  ['lion', () => lion(), true],
  ['centralize', () => centralize(), false],
  ['orthogonalizeToParams', () => orthogonalizeToParams(), false],
  ['momo', () => momo(), true],
  ['momoAdam', () => momoAdam(), true],
  ['gravity', () => gravity(), true],
  ['sgd', () => sgd(), true],
  ['momentum', () => momentum(), true],
  ['nesterov', () => nesterov(), true],
];
const extra = () => ({ value: 1, loss: lossClosure((q: Params) => tf.add(tf.sum(tf.square(q.w!)), tf.sum(q.b!)) as tf.Scalar), reference: g });
// Stateless transformations that never look at params (scale, clip, clipByGlobalNorm, centralize, scaleByLearningRate,
// sgd) accept gradients of any shape; every other one compares them with its state or the params.
const shapeFree = new Set(['scale', 'scaleByLearningRate', 'clip', 'clipByGlobalNorm', 'centralize', 'sgd']);
const transformCases: Case[] = transforms.flatMap(([name, make, stateful]): Case[] => [
  ...(stateful ? [[`${name}.update: a state that is not its own`, () => make().update(g, { count: 'x' } as never, p, extra()), 'INVALID_ARGUMENT', 'state'] as Case] : []),
  ...(shapeFree.has(name) ? [] : [[`${name}.update: gradients of another shape`, () => {
    const o = make();
    const s = o.init(p);
    try {
      return o.update(gWrong, s, p, extra());
    } finally {
      disposeAll(s); // the state belongs to the test
    }
  }, 'SHAPE_MISMATCH', 'grads'] as Case]),
  [`${name}.init: params not a map of tensors`, () => make().init([1, 2] as never), 'INVALID_ARGUMENT', 'params'],
]);

function disposeAll(v: unknown): void {
  if (v instanceof tf.Tensor) v.dispose();
  else if (Array.isArray(v)) v.forEach(disposeAll);
  else if (v && typeof v === 'object') Object.values(v).forEach(disposeAll);
}

const forward = (q: Params, xb: tf.Tensor) => tf.matMul(xb as tf.Tensor2D, q.w as tf.Tensor2D);
const loss = (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(yt as tf.Tensor1D, 2), yp) as tf.Scalar;
const trainWith = (o: Record<string, unknown>) => train({ params: { w: p.w! }, forward, loss, optimizer: sgd(), data: { x, y }, steps: 1, progress: false, ...o } as never);

const cases: Case[] = [
  ...transformCases,
  // hyperparameters
  ['scale: NaN', () => scale(NaN), 'INVALID_PARAMETER', 'factor'],
  ['clip: −1', () => clip(-1), 'INVALID_PARAMETER', 'maxDelta'],
  ['clipByGlobalNorm: 0', () => clipByGlobalNorm(0), 'INVALID_PARAMETER', 'maxNorm'],
  ['adam: b2 1', () => adam({ b2: 1 }), 'INVALID_PARAMETER', 'b2'],
  ['adam: options null', () => adam(null as never), 'INVALID_ARGUMENT', 'options'],
  ['adamw: weightDecay −1', () => adamw({ weightDecay: -1 }), 'INVALID_PARAMETER', 'weightDecay'],
  ['rmsprop: decay 1.5', () => rmsprop({ decay: 1.5 }), 'INVALID_PARAMETER', 'decay'],
  ['lion: b1 −0.1', () => lion({ b1: -0.1 }), 'INVALID_PARAMETER', 'b1'],
  ['momo: beta 1', () => momo({ beta: 1 }), 'INVALID_PARAMETER', 'beta'],
  ['gravity: alpha −1', () => gravity({ alpha: -1 }), 'INVALID_PARAMETER', 'alpha'],
  ['sgd: momentum 1', () => sgd({ momentum: 1 }), 'INVALID_PARAMETER', 'momentum'],
  ['sgd: options an array', () => sgd([] as never), 'INVALID_ARGUMENT', 'options'],
  ['sam: base not a transformation', () => sam(3 as never), 'INVALID_ARGUMENT', 'base'],
  ['sam: rho −1', () => sam(sgd(), { rho: -1 }), 'INVALID_PARAMETER', 'rho'],
  ['chain: a transform that is a number', () => chain(sgd(), 3 as never), 'INVALID_ARGUMENT', 'transforms[1]'],
  ['chain.update: a state of another chain', () => chain(sgd(), adam()).update(g, [], p), 'INVALID_ARGUMENT', 'state'],
  ['projectConflicting.update: no reference', () => projectConflicting().update(g, {}, p), 'MISSING_INPUT', 'extra.reference'],
  ['projectGradient: reference of another shape', () => projectGradient(g, gWrong), 'SHAPE_MISMATCH', 'reference'],
  // schedules
  ['constant: −1', () => constant(-1), 'INVALID_PARAMETER', 'value'],
  ['polynomial: transitionSteps 0', () => polynomial({ init: 1, end: 0, power: 1, transitionSteps: 0 }), 'INVALID_PARAMETER', 'transitionSteps'],
  ['polynomial: options null', () => polynomial(null as never), 'INVALID_ARGUMENT', 'options'],
  ['polynomial(…)(NaN)', () => linear({ init: 1, end: 0, transitionSteps: 10 })(NaN), 'INVALID_ARGUMENT', 'step'],
  ['exponential: decayRate −1', () => exponential({ init: 1, decayRate: -1, transitionSteps: 10 }), 'INVALID_PARAMETER', 'decayRate'],
  ['piecewise: boundaries not increasing', () => piecewise({ values: [1, 0.5, 0.1], boundaries: [10, 5] }), 'INVALID_PARAMETER', 'boundaries[1]'],
  ['cosineDecay: decaySteps 0', () => cosineDecay({ init: 1, decaySteps: 0 }), 'INVALID_PARAMETER', 'decaySteps'],
  ['warmupCosineDecay: peak NaN', () => warmupCosineDecay({ peak: NaN, warmupSteps: 1, decaySteps: 10 }), 'INVALID_PARAMETER', 'peak'],
  ['warmupStableDecay: unknown shape', () => warmupStableDecay({ peak: 1, warmupSteps: 1, stableSteps: 1, decaySteps: 1, shape: 'step' as never }), 'INVALID_PARAMETER', 'shape'],
  ['joinSchedules: one boundary too many', () => joinSchedules([constant(1)], [5]), 'INVALID_PARAMETER', 'schedules'],
  ['joinSchedules: a schedule that is a number', () => joinSchedules([constant(1), 3 as never], [5]), 'INVALID_PARAMETER', 'schedules'],
  ['sqrtBatchScaling: batchSize 0', () => sqrtBatchScaling(0.1, { baseBatchSize: 32, batchSize: 0 }), 'INVALID_PARAMETER', 'batchSize'],
  // applying updates
  ['applyUpdates: updates of another shape', () => applyUpdates(p, gWrong), 'SHAPE_MISMATCH', 'updates'],
  ['applyUpdates: params null', () => applyUpdates(null as never, g), 'INVALID_ARGUMENT', 'params'],
  ['nonFiniteEntries: not a map', () => nonFiniteEntries(3 as never), 'INVALID_ARGUMENT', 'grads'],
  ['step: NaN gradients', () => step(sgd(), p, gNaN, sgd().init(p)), 'NON_FINITE_INPUT', 'grads'],
  ['step: unknown nonFinite mode', () => step(sgd(), p, gNaN, sgd().init(p), { nonFinite: 'warn' as never }), 'INVALID_PARAMETER', 'nonFinite'],
  ['step: optimizer not a transformation', () => step({} as never, p, g, {}), 'INVALID_ARGUMENT', 'optimizer'],
  ['step: options null', () => step(sgd(), p, g, sgd().init(p), null as never), 'INVALID_ARGUMENT', 'options'],
  ['lossClosure: not a function', () => lossClosure(3 as never), 'INVALID_ARGUMENT', 'f'],
  ['lossClosure(f)(params): a loss that is not a scalar', () => lossClosure((q: Params) => q.w! as never)(p), 'INVALID_ARGUMENT', 'f'],
];

const asyncCases: Case[] = [
  ['train: options null', () => train(null as never), 'INVALID_ARGUMENT', 'options'],
  ['train: loss not a function', () => trainWith({ loss: 3 }), 'INVALID_ARGUMENT', 'loss'],
  ['train: both params and model', () => trainWith({ model: {} }), 'INVALID_ARGUMENT', 'params | model'],
  ['train: data.x ragged', () => trainWith({ data: { x: [[1, 2], [3]], y: [0, 1] } }), 'SHAPE_MISMATCH', 'data.x'],
  ['train: y with other rows', () => trainWith({ data: { x, y: [0, 1] } }), 'SHAPE_MISMATCH', 'data'],
  ['train: NaN in x', () => trainWith({ data: { x: [[NaN, 1], [1, 1]], y: [0, 1] } }), 'NON_FINITE_INPUT', 'data.x'],
  ['train: batchSize 0', () => trainWith({ batchSize: 0 }), 'INVALID_PARAMETER', 'batchSize'],
  ['train: steps and epochs', () => trainWith({ epochs: 1 }), 'INVALID_ARGUMENT', 'steps | epochs'],
  ['train: seed NaN', () => trainWith({ seed: NaN }), 'INVALID_PARAMETER', 'seed'],
  ['train: shuffle "yes"', () => trainWith({ shuffle: 'yes' }), 'INVALID_PARAMETER', 'shuffle'],
  ['train: onStep not a function', () => trainWith({ onStep: 3 }), 'INVALID_ARGUMENT', 'onStep'],
  ['train: earlyStop patience 0', () => trainWith({ earlyStop: { patience: 0 } }), 'INVALID_PARAMETER', 'patience'],
  ['train: earlyStop smoothing 1', () => trainWith({ earlyStop: { patience: 2, smoothing: 1 } }), 'INVALID_PARAMETER', 'smoothing'],
  ['train: forward returns a non-tensor', () => trainWith({ forward: () => 3 }), 'INVALID_ARGUMENT', 'forward'],
];

describe('every export: bad input gives a typed LosskitError naming the argument and leaves no tensor behind', () => {
  for (const [name, call, code, argument] of [...cases, ...asyncCases]) {
    it(`${name}: ${code} (${argument})`, async () => {
      const error = await expectCleanThrowAsync(call, code, name);
      expect(error.argument, error.message).toBe(argument);
    });
  }
});
