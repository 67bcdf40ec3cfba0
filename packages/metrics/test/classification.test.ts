import { describe, expect, it } from 'vitest';
import { randomLabels } from '@losskit/core/testing';
import { confusionMatrix, f1Score, gMean, precisionScore, rankByF1ThenGMean, recallScore } from '../src/index.js';

// scikit-learn's documented example of f1_score (sklearn/metrics/_classification.py docstring):
// y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1] → macro 0.2666…, micro 0.3333…, weighted 0.2666…, None [0.8, 0, 0].
const yt = [0, 1, 2, 0, 1, 2];
const yp = [0, 2, 1, 0, 0, 1];

/** Float64 reference written from the definitions: per class TP, FP, FN by counting, F1 = 2TP/(2TP+FP+FN). */
function refPerClass(t: number[], p: number[], C: number) {
  return Array.from({ length: C }, (_, c) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    t.forEach((v, i) => {
      if (v === c && p[i] === c) tp++;
      else if (v !== c && p[i] === c) fp++;
      else if (v === c && p[i] !== c) fn++;
      else tn++;
    });
    return { tp, fp, fn, tn, support: tp + fn };
  });
}

describe('f1Score, precisionScore, recallScore', () => {
  it("reproduce scikit-learn's documented f1_score example values", () => {
    expect(f1Score(yt, yp, { average: 'macro' })).toBeCloseTo(0.26666666666666666, 15);
    expect(f1Score(yt, yp, { average: 'micro' })).toBeCloseTo(0.3333333333333333, 15);
    expect(f1Score(yt, yp, { average: 'weighted' })).toBeCloseTo(0.26666666666666666, 15);
    expect(f1Score(yt, yp, { average: 'none' })).toEqual([0.8, 0, 0]);
  });
  it('binary F1 of the positive class 1 equals 2PR/(P+R) of the counts', () => {
    // TP = 2, FP = 1, FN = 1 for class 1 → P = R = 2/3, F1 = 2/3.
    expect(f1Score([1, 1, 1, 0, 0], [1, 1, 0, 1, 0])).toBeCloseTo(2 / 3, 15);
    expect(precisionScore([1, 1, 1, 0, 0], [1, 1, 0, 1, 0])).toBeCloseTo(2 / 3, 15);
    expect(recallScore([1, 1, 1, 0, 0], [1, 1, 0, 1, 0], { positive: 0 })).toBeCloseTo(1 / 2, 15);
  });
  it.each([1, 2, 3])('agree with a float64 reference of the per-class counts on random labels (seed %i)', (seed) => {
    const C = 4;
    const t = randomLabels(57, C, seed);
    const p = randomLabels(57, C, seed + 10);
    const ref = refPerClass(t, p, C);
    const f1 = ref.map((r) => (2 * r.tp + r.fp + r.fn === 0 ? 0 : (2 * r.tp) / (2 * r.tp + r.fp + r.fn)));
    expect(f1Score(t, p, { average: 'none', classes: C }) as number[]).toEqual(f1.map((v) => expect.closeTo(v, 14)));
    expect(f1Score(t, p, { average: 'macro', classes: C })).toBeCloseTo(f1.reduce((a, b) => a + b, 0) / C, 14);
    expect(f1Score(t, p, { average: 'weighted', classes: C })).toBeCloseTo(f1.reduce((s, v, c) => s + v * ref[c]!.support, 0) / t.length, 14);
    // Micro F1 of single-label multiclass data is the accuracy.
    expect(f1Score(t, p, { average: 'micro', classes: C })).toBeCloseTo(t.filter((v, i) => v === p[i]).length / t.length, 14);
    const m = confusionMatrix(t, p, C);
    ref.forEach((r, c) => expect(m[c]![c]).toBe(r.tp));
  });
  it('count a class absent from both label vectors as F1 0 in the macro average (zero_division = 0)', () => {
    expect(f1Score([0, 1], [0, 1], { average: 'macro', classes: 3 })).toBeCloseTo(2 / 3, 15);
  });
});

// imbalanced-learn's tests, scikit-learn-contrib/imbalanced-learn imblearn/metrics/tests/test_classification.py
// (test_geometric_mean_multiclass), commit 828a51fce6e7a4f99946ff68797b261f39dddd5c.
describe('gMean', () => {
  it.each([
    [[0, 0, 1, 1], [0, 0, 1, 1], 0, 1.0],
    [[0, 0, 0, 0], [1, 1, 1, 1], 0, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0.001, 1.0],
    [[0, 0, 0, 0], [1, 1, 1, 1], 0.001, 0.001],
    [[0, 0, 1, 1], [0, 1, 1, 0], 0.001, 0.5],
    [[0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], 0.001, (0.001 ** 2) ** (1 / 3)],
    [[0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5], 0.001, 1],
    [[0, 1, 1, 1, 1, 0], [0, 0, 1, 1, 1, 1], 0.001, (0.5 * 0.75) ** 0.5],
  ])('multiclass G-mean of %j vs %j with correction %f is imbalanced-learn\'s %f', (t, p, correction, want) => {
    expect(gMean(t, p, { correction })).toBeCloseTo(want, 12);
  });
  it("averaged G-means are imbalanced-learn's 0.47140452079103168 (macro, micro, weighted) and [0.8660254, 0, 0] (none)", () => {
    expect(gMean(yt, yp, { average: 'macro' })).toBeCloseTo(0.47140452079103168, 14);
    expect(gMean(yt, yp, { average: 'micro' })).toBeCloseTo(0.47140452079103168, 14);
    expect(gMean(yt, yp, { average: 'weighted' })).toBeCloseTo(0.47140452079103168, 14);
    expect(gMean(yt, yp, { average: 'none' }) as number[]).toEqual([expect.closeTo(0.8660254, 7), 0, 0]);
  });
  it('binary G-mean is √(TPR·TNR) of the positive class', () => {
    // class 1: TP 3, FN 1 → TPR 0.75; class 0: TN 1, FP 1 → TNR 0.5.
    expect(gMean([0, 1, 1, 1, 1, 0], [0, 0, 1, 1, 1, 1], { average: 'binary' })).toBeCloseTo(Math.sqrt(0.375), 15);
  });
});

describe('rankByF1ThenGMean', () => {
  it('orders by F1 and, among F1 ties within the tolerance, by G-mean', () => {
    const r = rankByF1ThenGMean([{ name: 'a', f1: 0.8, gMean: 0.7 }, { name: 'b', f1: 0.8, gMean: 0.9 }, { name: 'c', f1: 0.6, gMean: 0.95 }, { name: 'd', f1: 0.805, gMean: 0.1 }], { tolerance: 0.01 });
    expect(r.map((m) => m.name)).toEqual(['b', 'a', 'd', 'c']);
    expect(rankByF1ThenGMean([{ name: 'a', f1: 0.8, gMean: 0.7 }, { name: 'd', f1: 0.805, gMean: 0.1 }]).map((m) => m.name)).toEqual(['d', 'a']);
  });
});
