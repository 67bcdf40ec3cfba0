import * as tf from '@tensorflow/tfjs-core';
import { type LosskitError, ready } from '@losskit/core';
import { beforeAll } from 'vitest';
import { describe, expect, it } from 'vitest';
import { kMeans, mapAtR, nmi, nmiOfKMeans, precisionAt1, recallAtK } from '../src/index.js';

// Hand-checkable 1-D layout (euclidean): points 0, 1, 10, 11, 12, 30 with labels a a b b a c
beforeAll(async () => {
  await ready();
});

const X = [[0], [1], [10], [11], [12], [30]];
const Y = [0, 0, 1, 1, 0, 2];

describe('retrieval metrics (hand-computed cases)', () => {
  it('recall@k and precision@1, leave-one-out', () => {
    // nearest neighbours: 0→1 (a ✓), 1→0 ✓, 10→11 ✓, 11→10 or 12 (tie d=1: lower index 10) ✓, 12→11 ✗, 30→12 ✗
    expect(recallAtK(X, Y, 1, { metric: 'euclidean' })).toBeCloseTo(4 / 6, 12);
    // precision@1 as pytorch-metric-learning's AccuracyCalculator: the lone query 30 (the only c) is left out.
    expect(precisionAt1(X, Y, { metric: 'euclidean' })).toBeCloseTo(4 / 5, 12);
    // k = 2: 12 → {11, 10} ✗ ; 30 → {12, 11} ✗
    expect(recallAtK(X, Y, 2, { metric: 'euclidean' })).toBeCloseTo(4 / 6, 12);
    // k = 3: 12 → {11, 10, 1}: ✓
    expect(recallAtK(X, Y, 3, { metric: 'euclidean' })).toBeCloseTo(5 / 6, 12);
  });

  it('MAP@R (Musgrave et al. 2020)', () => {
    // q0 (R=2: 1, 12): ranking 1 ✓, 10 ✗ → (1/1)/2 = 0.5
    // q1 (R=2): ranking 0 ✓, 10 ✗ → 0.5
    // q10 (R=1: 11): 11 ✓ → 1 ; q11 (R=1): 10 ✓ → 1
    // q12 (R=2: 0, 1): ranking 11 ✗, 10 ✗ → 0 ; q30 (R=0) skipped
    expect(mapAtR(X, Y, { metric: 'euclidean' })).toBeCloseTo((0.5 + 0.5 + 1 + 1 + 0) / 5, 12);
  });

  it('precision@1 leaves out lone queries and is 0 when every query is lone (PML AccuracyCalculator)', () => {
    // KevinMusgrave/pytorch-metric-learning, src/pytorch_metric_learning/utils/accuracy_calculator.py (stored commit
    // 99c24ef6): calculate_precision_at_1 drops queries whose label has no other reference (try_getting_not_lone_labels)
    // and returns 0 when none is left. Queries 0, 1 (label a) and 2 (label b, lone): 0 → 1 ✓, 1 → 0 ✓.
    expect(precisionAt1([[0], [1], [5]], [0, 0, 1], { metric: 'euclidean' })).toBe(1);
    expect(recallAtK([[0], [1], [5]], [0, 0, 1], 1, { metric: 'euclidean' })).toBeCloseTo(2 / 3, 12);
    expect(precisionAt1([[0], [1], [5]], [0, 1, 2])).toBe(0);
    expect(mapAtR([[0], [1], [5]], [0, 1, 2])).toBe(0);
    // With a reference set, a query whose label is missing from it is lone.
    const ref = { embeddings: [[0], [10]], labels: [0, 1] };
    expect(precisionAt1([[1], [9], [2]], [0, 1, 7], { metric: 'euclidean', reference: ref })).toBe(1);
  });

  it('every metric takes tensors as well as arrays (same values)', () => {
    const x = tf.tensor2d(X);
    const y = tf.tensor1d(Y, 'int32');
    const yf = tf.tensor1d(Y);
    const o = { metric: 'euclidean' } as const;
    expect(recallAtK(x, y, 3, o)).toBe(recallAtK(X, Y, 3, o));
    expect(precisionAt1(x, yf, o)).toBe(precisionAt1(X, Y, o));
    expect(mapAtR(x, y, o)).toBe(mapAtR(X, Y, o));
    expect(mapAtR(X, Y, { ...o, reference: { embeddings: x, labels: y } })).toBe(mapAtR(X, Y, { ...o, reference: { embeddings: X, labels: Y } }));
    expect(kMeans(x, 3, { seed: 1 })).toEqual(kMeans(X, 3, { seed: 1 }));
    expect(nmi(y, Y)).toBe(nmi(Y, Y));
    expect(nmiOfKMeans(x, y)).toBe(nmiOfKMeans(X, Y));
    [x, y, yf].forEach((t) => t.dispose());
  });

  it('rankings are the same for any finite scale of the embeddings (1e-200, 1e200)', () => {
    const P = [[1, 0.2], [0.9, 0.3], [-0.2, 1], [0.1, -1], [-1, -0.1], [0.95, 0.1]];
    const L = [0, 0, 1, 2, 1, 0];
    for (const metric of ['cosine', 'euclidean'] as const) {
      const base = [recallAtK(P, L, 2, { metric }), precisionAt1(P, L, { metric }), mapAtR(P, L, { metric })];
      for (const s of [1e-200, 1e200]) {
        const scaled = P.map((r) => r.map((v) => v * s));
        expect([recallAtK(scaled, L, 2, { metric }), precisionAt1(scaled, L, { metric }), mapAtR(scaled, L, { metric })]).toEqual(base);
      }
    }
  });

  it('a separate reference set', () => {
    const ref = { embeddings: [[0], [10]], labels: [0, 1] };
    expect(recallAtK([[1], [9], [2]], [0, 1, 1], 1, { metric: 'euclidean', reference: ref })).toBeCloseTo(2 / 3, 12);
  });

  it('cosine ranking ignores scale', () => {
    expect(recallAtK([[1, 0], [5, 0.1], [0, 1], [0.1, 3]], [0, 0, 1, 1], 1)).toBe(1);
  });

  it('NMI: identical partitions 1, independent 0, a known mixed value', () => {
    expect(nmi([0, 0, 1, 1], [5, 5, 9, 9])).toBeCloseTo(1, 12);
    expect(nmi([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(0, 12);
    // a = [0,0,0,1], b = [0,0,1,1]: H(a) = H(.75), H(b) = ln 2, I = H(b) - H(b|a) with H(b|a) = .75·H(1/3)
    const h = (p: number[]) => -p.reduce((s, q) => s + (q > 0 ? q * Math.log(q) : 0), 0);
    const I = Math.log(2) - 0.75 * h([1 / 3, 2 / 3]);
    expect(nmi([0, 0, 0, 1], [0, 0, 1, 1])).toBeCloseTo(I / Math.sqrt(h([0.75, 0.25]) * Math.log(2)), 12);
  });

  it('k-means recovers well separated clusters; NMI of k-means = 1', () => {
    const pts = [[0, 0], [0.1, 0], [0, 0.1], [5, 5], [5.1, 5], [5, 5.1], [-5, 5], [-5.1, 5]];
    const lab = [0, 0, 0, 1, 1, 1, 2, 2];
    const a = kMeans(pts, 3, { seed: 3 });
    expect(nmi(lab, a)).toBeCloseTo(1, 12);
    expect(nmiOfKMeans(pts, lab)).toBeCloseTo(1, 12);
  });

  it('errors', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as LosskitError).code;
      }
      return 'none';
    };
    expect(code(() => recallAtK(X, [0, 1], 1))).toBe('SHAPE_MISMATCH');
    expect(code(() => recallAtK(X, Y, 0))).toBe('INVALID_PARAMETER');
    expect(code(() => kMeans(X, 7))).toBe('INVALID_PARAMETER');
  });
});
