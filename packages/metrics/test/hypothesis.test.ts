import { describe, expect, it } from 'vitest';
import { randomLabels } from '@losskit/core/testing';
import { combinedFTest5x2cv, fiveByTwoFolds, fSurvival, mcnemar, mcnemarTable, pairedTTest5x2cv, studentTTwoSided } from '../src/index.js';

// rasbt/mlxtend mlxtend/evaluate/tests/test_mcnemar_test.py, commit 5d35b88f8d71384d9463877c0a0c59f3e63f8364.
describe('mcnemar', () => {
  const tb = [[101, 121], [59, 33]];
  it("matches mlxtend's test_defaults: χ² = 20.672222222222221, p = 5.4500948254271171e-06", () => {
    const r = mcnemar(tb);
    expect(r.statistic).toBeCloseTo(20.672222222222221, 12);
    expect(r.pValue).toBeCloseTo(5.4500948254271171e-6, 15);
  });
  it("matches mlxtend's test_corrected_false: χ² = 21.355555555555554, p = 3.8151358651125936e-06", () => {
    const r = mcnemar(tb, { corrected: false });
    expect(r.statistic).toBeCloseTo(21.355555555555554, 12);
    expect(r.pValue).toBeCloseTo(3.8151358651125936e-6, 15);
  });
  it("matches mlxtend's test_exact: p = 4.4344492637555101e-06 and no statistic", () => {
    const r = mcnemar(tb, { exact: true });
    expect(r.statistic).toBeUndefined();
    expect(r.pValue).toBeCloseTo(4.4344492637555101e-6, 15);
  });
  it('exact p-value equals a float64 sum of binomial probabilities', () => {
    const b = 7;
    const c = 2;
    let cdf = 0;
    let lnC = 0;
    for (let k = 0; k <= Math.min(b, c); k++) {
      if (k > 0) lnC += Math.log((b + c - k + 1) / k);
      cdf += Math.exp(lnC + (b + c) * Math.log(0.5));
    }
    expect(mcnemar([[5, b], [c, 1]], { exact: true }).pValue).toBeCloseTo(2 * cdf, 14);
  });
  it('mcnemarTable counts [[both right, only 1 right], [only 2 right, both wrong]]', () => {
    expect(mcnemarTable([0, 1, 1, 2], [0, 1, 0, 1], [0, 0, 1, 1])).toEqual([[1, 1], [1, 1]]);
  });
});

/** Float64 reference of Dietterich's t and Alpaydin's F from their formulas. */
function ref(d: number[][]) {
  const s2 = d.map(([a, b]) => {
    const m = (a! + b!) / 2;
    return (a! - m) ** 2 + (b! - m) ** 2;
  });
  const S = s2.reduce((x, y) => x + y, 0);
  return { t: d[0]![0]! / Math.sqrt(S / 5), f: d.flat().reduce((x, y) => x + y * y, 0) / (2 * S) };
}

describe('5×2cv tests', () => {
  const d = [[0.02, -0.01], [0.03, 0.01], [0.0, 0.02], [0.01, 0.04], [-0.02, 0.01]];
  it('paired t statistic and its t(5) two-sided p-value follow the formula', () => {
    const r = pairedTTest5x2cv(d);
    expect(r.t).toBeCloseTo(ref(d).t, 13);
    expect(r.pValue).toBeCloseTo(studentTTwoSided(ref(d).t, 5), 15);
  });
  it('combined F statistic and its F(10, 5) p-value follow the formula', () => {
    const r = combinedFTest5x2cv(d);
    expect(r.f).toBeCloseTo(ref(d).f, 13);
    expect(r.pValue).toBeCloseTo(fSurvival(ref(d).f, 10, 5), 15);
  });
  it('zero variance: a constant non-zero difference is the t → ±∞ limit (p = 0, as the F test says), all-zero differences are t = 0, p = 1', () => {
    const same = Array.from({ length: 5 }, () => [0.1, 0.1]);
    expect(pairedTTest5x2cv(same)).toEqual({ t: Infinity, pValue: 0 });
    expect(combinedFTest5x2cv(same).pValue).toBe(0);
    expect(pairedTTest5x2cv(same.map(([a, b]) => [-a!, -b!]))).toEqual({ t: -Infinity, pValue: 0 });
    expect(pairedTTest5x2cv(Array.from({ length: 5 }, () => [0, 0]))).toEqual({ t: 0, pValue: 1 });
    // The limit is approached continuously: a tiny spread already gives a tiny p-value.
    const near = same.map(([a, b], i) => (i === 4 ? [a!, b! + 1e-9] : [a!, b!]));
    expect(pairedTTest5x2cv(near).pValue).toBeLessThan(1e-6);
  });
  it('fiveByTwoFolds gives five stratified halvings that partition 0..n−1', () => {
    const y = randomLabels(31, 3, 2);
    const folds = fiveByTwoFolds(31, { seed: 4, labels: y });
    expect(folds).toHaveLength(5);
    for (const [a, b] of folds) {
      expect([...a, ...b].sort((x, z) => x - z)).toEqual(Array.from({ length: 31 }, (_, i) => i));
      for (let c = 0; c < 3; c++) expect(Math.abs(a.filter((i) => y[i] === c).length - b.filter((i) => y[i] === c).length)).toBeLessThanOrEqual(1);
    }
  });
});
