// Bootstrap prediction intervals (doubt's `Boot`, "Monitoring Model Deterioration with Explainable Uncertainty
// Estimation via Non-parametric Bootstrap", Mougan & Nielsen, AAAI 2023). Checked against closed forms: the coverage and
// width of a Gaussian linear model's 95% interval (2·1.96σ), zero width on noise-free data fitted exactly.
import { expectCleanThrow } from '@losskit/core/testing';
import { normal, rng } from '@losskit/core/math';
import { ready } from '@losskit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BootstrapPredictionIntervals, type FitRegressor } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

/** Ordinary least squares on one feature, in float64 (slope cov/var). */
const ols: FitRegressor = (x, y) => {
  const n = y.length;
  const mx = x.reduce((s, r) => s + r[0]!, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  const cxx = x.reduce((s, r) => s + (r[0]! - mx) ** 2, 0);
  const slope = cxx > 0 ? x.reduce((s, r, i) => s + (r[0]! - mx) * (y[i]! - my), 0) / cxx : 0;
  return (xs) => xs.map((r) => my + slope * (r[0]! - mx));
};

function linear(n: number, seed: number, sigma: number) {
  const u = rng(seed);
  const g = normal(u);
  const x = Array.from({ length: n }, () => [u() * 4 - 2]);
  const y = x.map((r) => 2 * r[0]! + 1 + sigma * g());
  return { x, y };
}

describe('BootstrapPredictionIntervals', () => {
  it('on y = 2x + 1 + N(0, 0.5²) with OLS, the 95% intervals cover 92–98% of 4000 fresh points and have width within 12% of 2·1.96·0.5', () => {
    const train = linear(400, 1, 0.5);
    const test = linear(4000, 2, 0.5);
    const pi = BootstrapPredictionIntervals.fit(train.x, train.y, ols, { seed: 3 });
    const r = pi.predict(test.x, 0.95);
    const covered = test.y.filter((v, i) => v >= r.lower[i]! && v <= r.upper[i]!).length / test.y.length;
    expect(covered).toBeGreaterThan(0.92);
    expect(covered).toBeLessThan(0.98);
    const width = r.upper.reduce((s, v, i) => s + v - r.lower[i]!, 0) / r.upper.length;
    expect(Math.abs(width / (2 * 1.959964 * 0.5) - 1)).toBeLessThan(0.12);
    expect(pi.weight).toBeGreaterThanOrEqual(0.632);
    expect(pi.weight).toBeLessThanOrEqual(1);
  });

  it('on noise-free linear data fitted exactly, every interval has width < 1e-9 around the exact value', () => {
    const { x, y } = linear(50, 4, 0);
    const pi = BootstrapPredictionIntervals.fit(x, y, ols, { seed: 1 });
    const r = pi.predict([[0.5], [-1.5]]);
    r.prediction.forEach((p, i) => {
      expect(Math.abs(p - [2, -2][i]!)).toBeLessThan(1e-9);
      expect(r.upper[i]! - r.lower[i]!).toBeLessThan(1e-9);
    });
  });

  it('a memorising 1-nearest-neighbour model (zero training residuals) gets .632+ weight above 0.632 and intervals that still cover at least 85%', () => {
    const nn: FitRegressor = (x, y) => (xs) => xs.map((r) => {
      let best = 0;
      for (let i = 1; i < x.length; i++) if (Math.abs(x[i]![0]! - r[0]!) < Math.abs(x[best]![0]! - r[0]!)) best = i;
      return y[best]!;
    });
    const train = linear(300, 5, 0.5);
    const test = linear(1000, 6, 0.5);
    const pi = BootstrapPredictionIntervals.fit(train.x, train.y, nn, { seed: 2 });
    expect(pi.weight).toBeGreaterThan(0.632);
    const r = pi.predict(test.x);
    const covered = test.y.filter((v, i) => v >= r.lower[i]! && v <= r.upper[i]!).length / test.y.length;
    expect(covered).toBeGreaterThan(0.85);
  });

  it('the same seed gives the same intervals', () => {
    const { x, y } = linear(60, 7, 1);
    const a = BootstrapPredictionIntervals.fit(x, y, ols, { seed: 9 }).predict([[0]]);
    const b = BootstrapPredictionIntervals.fit(x, y, ols, { seed: 9 }).predict([[0]]);
    expect(a).toEqual(b);
  });

  it('bad input is a typed error naming the argument', () => {
    const { x, y } = linear(20, 8, 1);
    expectCleanThrow(() => BootstrapPredictionIntervals.fit(x, y, 3 as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => BootstrapPredictionIntervals.fit(x, [...y.slice(1), NaN], ols), 'NON_FINITE_INPUT');
    expectCleanThrow(() => BootstrapPredictionIntervals.fit(x, y.slice(1), ols), 'SHAPE_MISMATCH');
    expectCleanThrow(() => BootstrapPredictionIntervals.fit(x, y, () => () => x.map(() => NaN)), 'NON_FINITE_OUTPUT');
    const pi = BootstrapPredictionIntervals.fit(x, y, ols);
    expectCleanThrow(() => pi.predict([[0]], 1), 'INVALID_PARAMETER');
    expectCleanThrow(() => pi.predict([[0, 1]]), 'SHAPE_MISMATCH');
  });
});
