import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { expectCleanThrow } from '@losskit/core/testing';
import { binomialCdf, chiSquareSurvival, fSurvival, incompleteBeta, studentTCdf, studentTQuantile, studentTTwoSided } from '../src/index.js';

// Reference values printed by SciPy 1.17.1 (scipy.stats.t.ppf / t.cdf / f.sf / chi2.sf / binom.cdf) on this machine.
beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

describe('distribution functions', () => {
  it.each([
    [0.975, 5, 2.5705818356363146],
    [0.975, 10, 2.228138851986274],
    [0.995, 3, 5.840909309733355],
  ])('studentTQuantile(%f, %i) matches scipy.stats.t.ppf', (p, df, want) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(want, 12);
    expect(studentTQuantile(1 - p, df)).toBeCloseTo(-want, 12);
  });
  it('studentTQuantile matches the closed forms at df = 1 (Cauchy) and df = 2', () => {
    for (const p of [0.6, 0.9, 0.975, 0.999]) {
      expect(studentTQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 9);
      expect(studentTQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 11);
    }
  });
  it('t CDF, F and χ² survival and binomial CDF match SciPy', () => {
    expect(studentTCdf(-3.1, 7)).toBeCloseTo(0.008661144712748757, 15);
    expect(fSurvival(2.5, 3, 12)).toBeCloseTo(0.10915471239500621, 14);
    expect(chiSquareSurvival(5.3, 4)).toBeCloseTo(0.2578769276705679, 14);
    expect(binomialCdf(7, 30, 0.4)).toBeCloseTo(0.04352411899655492, 14);
  });
  it('χ²(1) survival at 4 equals the two-sided normal tail P(|Z| ≥ 2)', () => {
    // χ²_1 = Z²: P(X ≥ 4) = P(|Z| ≥ 2) = 0.04550026389635842 (Φ table).
    expect(chiSquareSurvival(4, 1)).toBeCloseTo(0.04550026389635842, 14);
  });
  // mlxtend's 5×2cv tests publish (t, p) and (f, p) pairs rounded to 3 digits: rasbt/mlxtend
  // mlxtend/evaluate/tests/test_paired_ttest_5x2cv.py (commit 7f69b164ccedf6aaedd376f438a540cfa518a561) and
  // test_combined_ftest_5x2cv.py (commit a5435e5a24617ddfc07e1c429d66e03162839c39).
  it.each([
    [-1.539, 0.184],
    [5.386, 0.003],
    [-0.599, 0.575],
    [-1.506, 0.192],
  ])('two-sided t(5) p-value of t = %f rounds to mlxtend\'s %f', (t, p) => {
    expect(Math.round(studentTTwoSided(t, 5) * 1000) / 1000).toBe(p);
  });
  it.each([
    [1.053, 0.509],
    [34.934, 0.001],
    [3.211, 0.105],
    [1.046, 0.513],
  ])('F(10, 5) p-value of f = %f rounds to mlxtend\'s %f', (f, p) => {
    expect(Math.round(fSurvival(f, 10, 5) * 1000) / 1000).toBe(p);
  });
  it('keeps tiny tail probabilities (no 1 − p cancellation)', () => {
    const p = studentTTwoSided(40, 3);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-4);
    expect(studentTCdf(-40, 3)).toBeCloseTo(p / 2, 18);
  });
  it('incompleteBeta matches the closed forms I_x(a, 1) = x^a, I_x(1, b) = 1 − (1 − x)^b and I_x(2, 2) = 3x² − 2x³', () => {
    for (const x of [1e-6, 0.1, 0.37, 0.5, 0.9, 0.999]) {
      for (const a of [0.5, 1, 3, 7.5]) expect(Math.abs(incompleteBeta(x, a, 1) - x ** a)).toBeLessThan(1e-12 * Math.max(1e-300, x ** a) + 1e-15);
      for (const b of [0.5, 2, 6]) expect(Math.abs(incompleteBeta(x, 1, b) - (1 - (1 - x) ** b))).toBeLessThan(1e-13);
      expect(Math.abs(incompleteBeta(x, 2, 2) - (3 * x * x - 2 * x ** 3))).toBeLessThan(1e-13);
    }
  });
  it.each([
    [0.3, 0.5, 0.5, 0.36901011956554536],
    [0.999, 200, 3, 0.9988334368468834],
    [0.0001, 0.1, 50, 0.6179753654761372],
    [0.5, 1000, 1000, 0.4999999999999992],
    [0.48, 1000, 1000, 0.03677948327863959],
    [0.9, 2.5, 0.7, 0.6239321729007935],
  ])('incompleteBeta(%f, %f, %f) matches scipy.special.betainc (SciPy 1.17.1): %f', (x, a, b, want) => {
    expect(Math.abs(incompleteBeta(x, a, b) - want)).toBeLessThan(1e-11);
  });
  it('incompleteBeta rejects non-positive or non-finite shapes and a NaN x with typed errors', () => {
    expect(expectCleanThrow(() => incompleteBeta(0.5, -1, 2), 'INVALID_PARAMETER').argument).toBe('a');
    expect(expectCleanThrow(() => incompleteBeta(0.5, 1, 0), 'INVALID_PARAMETER').argument).toBe('b');
    expect(expectCleanThrow(() => incompleteBeta(0.5, Number.NaN, 1), 'INVALID_PARAMETER').argument).toBe('a');
    expect(expectCleanThrow(() => incompleteBeta(Number.NaN, 1, 1), 'NON_FINITE_INPUT').argument).toBe('x');
  });
});
