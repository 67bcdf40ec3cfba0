import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { expectNoLeaks, randomMatrix } from '@losskit/core/testing';
import * as T from '../src/tfjs/index.js';

beforeAll(async () => {
  await ready();
});

const val = (t: tf.Tensor) => {
  const out = t.arraySync() as number | number[] | number[][];
  t.dispose();
  return out;
};
const flat = (x: number | number[] | number[][]): number[] => (typeof x === 'number' ? [x] : (x as unknown[]).flat(2) as number[]);
const closeRel = (got: number[], want: number[], rtol = 1e-5) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    if (Number.isNaN(w)) expect(g).toBeNaN();
    else expect(Math.abs(g - w)).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(w)));
  });
};

// Float64 reference of tf.losses' computeWeightedLoss (tfjs-core/src/ops/losses/compute_weighted_loss.ts).
function reduceRef(losses: number[], w: number[] | undefined, wSize: number, reduction: number): number | number[] {
  const wl = losses.map((l, i) => l * (w ? w[i]! : 1));
  const sum = wl.reduce((a, b) => a + b, 0);
  if (reduction === T.Reduction.NONE) return wl;
  if (reduction === T.Reduction.SUM) return sum;
  if (reduction === T.Reduction.MEAN) {
    if (!w) return sum / losses.length;
    const f = losses.length / wSize;
    const r = sum / (w.reduce((a, b) => a + b, 0) / f);
    return f > 1 ? r / f : r;
  }
  if (!w) return sum / losses.length;
  return sum / w.filter((x) => x !== 0).length;
}

const L = randomMatrix(3, 4, 11);
const P = randomMatrix(3, 4, 12);
const B01 = L.map((r) => r.map((x) => (x > 0 ? 1 : 0)));
const U = P.map((r) => r.map((x) => 1 / (1 + Math.exp(-x))));
const weightCases: Array<[string, number[][] | number[] | number | undefined]> = [
  ['no weights', undefined],
  ['scalar 2.5', 2.5],
  ['per-row [3,1]', [[1.5], [0], [2]]],
  ['elementwise with zeros', [[3, 0, 5, 1], [0, 4, 2, 0], [1, 1, 0, 2]]],
];
const reductions = [T.Reduction.NONE, T.Reduction.MEAN, T.Reduction.SUM, T.Reduction.SUM_BY_NONZERO_WEIGHTS] as const;

describe('tfjs drop-ins equal tf.losses on the same inputs, every reduction and weight shape', () => {
  type Case = [string, (w: tf.Tensor | undefined, r: T.Reduction) => tf.Tensor, (w: tf.Tensor | undefined, r: T.Reduction) => tf.Tensor];
  const t = (x: number[][]) => tf.tensor2d(x);
  const cases: Case[] = [
    ['absoluteDifference', (w, r) => T.absoluteDifference(L, P, w, r), (w, r) => tf.losses.absoluteDifference(t(L), t(P), w, r as number)],
    ['meanSquaredError', (w, r) => T.meanSquaredError(L, P, w, r), (w, r) => tf.losses.meanSquaredError(t(L), t(P), w, r as number)],
    ['hingeLoss', (w, r) => T.hingeLoss(B01, P, w, r), (w, r) => tf.losses.hingeLoss(t(B01), t(P), w, r as number)],
    ['huberLoss δ=0.7', (w, r) => T.huberLoss(L, P, w, 0.7, r), (w, r) => tf.losses.huberLoss(t(L), t(P), w, 0.7, r as number)],
    ['logLoss', (w, r) => T.logLoss(B01, U, w, 1e-7, r), (w, r) => tf.losses.logLoss(t(B01), t(U), w, 1e-7, r as number)],
    ['sigmoidCrossEntropy ls=0.2', (w, r) => T.sigmoidCrossEntropy(B01, P, w, 0.2, r), (w, r) => tf.losses.sigmoidCrossEntropy(t(B01), t(P), w, 0.2, r as number)],
    ['cosineDistance axis 1', (w, r) => T.cosineDistance(L, P, 1, w, r), (w, r) => tf.losses.cosineDistance(t(L), t(P), 1, w, r as number)],
    ['cosineDistance axis 0', (w, r) => T.cosineDistance(L, P, 0, w, r), (w, r) => tf.losses.cosineDistance(t(L), t(P), 0, w, r as number)],
  ];
  for (const [name, ours, theirs] of cases) {
    it(name, () => {
      for (const [, wc] of weightCases) {
        // cosineDistance keeps the axis as size 1: only scalar weights and no weights broadcast for every axis.
        if (name.startsWith('cosine') && Array.isArray(wc)) continue;
        for (const r of reductions) {
          const w = wc === undefined ? undefined : tf.tensor(wc as number);
          closeRel(flat(val(ours(w, r))), flat(val(theirs(w, r))), 2e-6);
          w?.dispose();
        }
      }
    });
  }
  it('softmaxCrossEntropy (weights per row) and label smoothing', () => {
    const oh = [[0, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]];
    for (const wc of [undefined, 2, [1, 0, 3]]) {
      for (const r of reductions) {
        for (const ls of [0, 0.1]) {
          const w = wc === undefined ? undefined : tf.tensor(wc as number);
          closeRel(flat(val(T.softmaxCrossEntropy(oh, P, w, ls, r))), flat(val(tf.losses.softmaxCrossEntropy(tf.tensor2d(oh), tf.tensor2d(P), w, ls, r as number))), 2e-6);
          w?.dispose();
        }
      }
    }
  });
  it('computeWeightedLoss, including all-zero weights (NaN as tfjs with validate: false; the default raises, see dropins-validation)', () => {
    for (const [, wc] of weightCases) {
      for (const r of reductions) {
        const w = wc === undefined ? undefined : tf.tensor(wc as number);
        closeRel(flat(val(T.computeWeightedLoss(L, w, r))), flat(val(tf.losses.computeWeightedLoss(tf.tensor2d(L), w, r as number))), 1e-6);
        w?.dispose();
      }
    }
    const z = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]];
    expect(val(T.computeWeightedLoss(L, z, T.Reduction.SUM_BY_NONZERO_WEIGHTS, { validate: false }))).toBeNaN();
    expect(val(tf.losses.computeWeightedLoss(tf.tensor2d(L), tf.tensor2d(z)) as tf.Tensor)).toBeNaN();
  });
});

describe('tfjs published cases and the ANCHORS three denominators', () => {
  // tensorflow/tfjs tfjs-core/src/ops/losses/absolute_difference_test.ts (commit e2df947a0819f7d3e366eb07d04c809a0442987b,
  // also shipped compiled in @tensorflow/tfjs-core@4.22.0 dist/ops/losses/absolute_difference_test.js).
  const pred = [[4, 8, 12], [8, 1, 3]];
  const lab = [[1, 9, 2], [-5, -2, 6]];
  const ad = [3, 1, 10, 13, 3, 3];
  it('absoluteDifference: SUM_BY_NONZERO_WEIGHTS ÷ 4, MEAN ÷ 20, NONE elementwise, 1-D cases', () => {
    const w1 = [3, 0, 5, 0, 4, 2];
    expect(val(T.absoluteDifference(lab, pred, [[3, 0, 5], [0, 4, 2]]))).toBeCloseTo(ad.reduce((s, x, i) => s + x * w1[i]!, 0) / 4, 5);
    const w2 = [3, 6, 5, 0, 4, 2];
    expect(val(T.absoluteDifference(lab, pred, [[3, 6, 5], [0, 4, 2]], T.Reduction.MEAN))).toBeCloseTo(ad.reduce((s, x, i) => s + x * w2[i]!, 0) / 20, 5);
    closeRel(flat(val(T.absoluteDifference(lab, pred, [[3, 6, 5], [0, 4, 2]], T.Reduction.NONE))), ad.map((x, i) => x * w2[i]!));
    expect(val(T.absoluteDifference(lab, pred))).toBeCloseTo(ad.reduce((a, b) => a + b) / 6, 5);
    expect(val(T.absoluteDifference([0.3, -0.6, -0.1], [1, 2, 3], [0.1, 0.2, 0.3]))).toBeCloseTo((0.7 * 0.1 + 2.6 * 0.2 + 3.1 * 0.3) / 3, 6);
    expect(val(T.absoluteDifference([0.3, -0.6, -0.1], [1, 2, 3], [0.1, 0.2, 0.3], T.Reduction.MEAN))).toBeCloseTo((0.7 * 0.1 + 2.6 * 0.2 + 3.1 * 0.3) / 0.6, 5);
  });
  it('MEAN with broadcast weights divides again by losses.size / weights.size (compute_weighted_loss.ts)', () => {
    const losses = [[1, 2, 3], [4, 5, 6]];
    expect(val(T.computeWeightedLoss(losses, [[2], [1]], T.Reduction.MEAN))).toBeCloseTo((2 * 6 + 15) / 3 / 3, 6);
    expect(val(T.computeWeightedLoss(losses, 2, T.Reduction.MEAN))).toBeCloseTo((2 * 21) / 2 / 6, 6);
    expect(val(T.computeWeightedLoss(losses, [[2], [1]]))).toBeCloseTo((2 * 6 + 15) / 6, 6);
  });
  it('matches an independent float64 reference of the reduction rules', () => {
    const losses = flat(L);
    const w = [3, 0, 5, 1, 0, 4, 2, 0, 1, 1, 0, 2];
    for (const r of reductions) closeRel(flat(val(T.computeWeightedLoss(L, [w.slice(0, 4), w.slice(4, 8), w.slice(8)], r))), flat(reduceRef(losses, w, 12, r) as number[]));
  });
});

describe('tfjs drop-ins: errors, gradients, leaks', () => {
  it('rejects mismatched shapes, bad reductions and bad axes with LosskitError codes', () => {
    expect(() => T.absoluteDifference([1, 2], [1, 2, 3])).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => T.meanSquaredError([1, 2], [1, 2], undefined, 7 as T.Reduction)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => T.cosineDistance([[1, 0]], [[1, 0]], 2)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => T.computeWeightedLoss([[1, 2, 3]], [1, 2])).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });
  it('gradients equal tf.losses gradients (softmaxCrossEntropy, huberLoss, sigmoidCrossEntropy)', () => {
    const oh = tf.tensor2d([[0, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]]);
    const z = tf.tensor2d(P);
    const l = tf.tensor2d(L);
    const pairs: Array<[(x: tf.Tensor) => tf.Tensor, (x: tf.Tensor) => tf.Tensor]> = [
      [(x) => T.softmaxCrossEntropy(oh, x), (x) => tf.losses.softmaxCrossEntropy(oh, x)],
      [(x) => T.huberLoss(l, x, undefined, 0.5), (x) => tf.losses.huberLoss(l, x, undefined, 0.5)],
      [(x) => T.sigmoidCrossEntropy(tf.tensor2d(B01), x, [[1], [2], [0]]), (x) => tf.losses.sigmoidCrossEntropy(tf.tensor2d(B01), x, tf.tensor2d([[1], [2], [0]]))],
    ];
    for (const [a, b] of pairs) {
      const ga = tf.grad((x: tf.Tensor) => a(x) as tf.Scalar)(z);
      const gb = tf.grad((x: tf.Tensor) => b(x) as tf.Scalar)(z);
      closeRel(flat(val(ga)), flat(val(gb)), 1e-5);
    }
    tf.dispose([oh, z, l]);
  });
  it('leaks no tensors', () => {
    const w = tf.tensor2d([[1, 0, 2, 1], [0, 1, 1, 1], [2, 2, 0, 1]]);
    expectNoLeaks(() => {
      for (let i = 0; i < 20; i++) {
        tf.dispose([
          T.absoluteDifference(L, P, w),
          T.meanSquaredError(L, P, w, T.Reduction.MEAN),
          T.hingeLoss(B01, P),
          T.huberLoss(L, P, w),
          T.logLoss(B01, U),
          T.sigmoidCrossEntropy(B01, P, w, 0.1),
          T.softmaxCrossEntropy(B01, P, undefined, 0.1),
          T.cosineDistance(L, P, 1),
          T.computeWeightedLoss(L, w, T.Reduction.SUM),
        ]);
      }
    });
    w.dispose();
  });
});
