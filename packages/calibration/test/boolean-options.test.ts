// Every boolean option is checked: a string, number or null where true/false is expected is a typed error naming the
// option, not a truthy value that silently switches a behaviour on.
import { ready } from '@losskit/core';
import { expectCleanThrow } from '@losskit/core/testing';
import { beforeAll, describe, it } from 'vitest';
import { BBQ, BayesianConformal, ENIR, HistogramBinning, IsotonicRegression, mmce, mmcePenalty, NearIsotonicRegression, PlattScaling, qce, SplitConformal } from '../src/index.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

const logits = [[2, 0.5, -1], [0.1, 1.2, 0.3], [-0.5, 0.2, 2.2], [1.5, 1.4, -0.3], [0.3, -0.2, 0.9], [2.1, 0.1, 0.2]];
const labels = [0, 1, 2, 1, 2, 0];
const bad = 'yes' as unknown as boolean;

const cases: Array<[string, () => unknown]> = [
  ['BBQ.fit normalize', () => BBQ.fit(logits, labels, { normalize: bad })],
  ['NearIsotonicRegression.fit normalize', () => NearIsotonicRegression.fit(logits, labels, { normalize: bad })],
  ['ENIR.fit normalize', () => ENIR.fit(logits, labels, { normalize: bad })],
  ['IsotonicRegression.fit normalize', () => IsotonicRegression.fit(logits, labels, { normalize: bad })],
  ['HistogramBinning.fit normalize', () => HistogramBinning.fit(logits, labels, { bins: 2, normalize: bad })],
  ['PlattScaling.fit smoothTargets', () => PlattScaling.fit([[0.5], [-1], [2], [0.1], [-0.3], [1.2]], [1, 0, 1, 0, 0, 1], { smoothTargets: bad })],
  ['SplitConformal.fit randomized', () => SplitConformal.fit(logits, labels, { randomized: bad })],
  ['BayesianConformal.fit randomized', () => BayesianConformal.fit(logits, labels, { randomized: bad })],
  ['mmce weighted', () => mmce(logits, labels, { weighted: bad })],
  ['mmcePenalty weighted', () => mmcePenalty({ weighted: bad })],
  ['qce marginal', () => qce({ mean: [0, 1, 2], std: [1, 1, 1] }, [0.1, 0.9, 2.2], { marginal: bad })],
];

describe('boolean options reject non-booleans with INVALID_PARAMETER, leaking nothing', () => {
  for (const [name, fn] of cases) {
    it(name, () => {
      const e = expectCleanThrow(fn, 'INVALID_PARAMETER');
      if (!e.message.includes(name.split(' ').at(-1)!)) throw new Error(`message does not name the option: ${e.message}`);
    });
  }
});
