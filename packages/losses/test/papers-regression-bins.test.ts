import { ce, compile, ready } from '@losskit/core';
import { f32, logSumExp, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { binCenters, hlGauss, hlGaussTargets, twoHot, twoHotTargets } from '../src/index.js';
import { expectCode, perSample, standardChecks } from './papers-classification-harness.js';

beforeAll(async () => {
  await ready();
});

// "Stop Regressing" (Farebrother et al. 2024). HL-Gauss: the mass of N(y, σ²), σ = 0.75 bin width, in
// each of the bins of [min, max], renormalized to [min, max]; here by Simpson integration of the pdf.
function gaussMass(a: number, b: number, mu: number, sigma: number): number {
  const n = 2000;
  const h = (b - a) / n;
  const pdf = (x: number) => Math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
  let s = pdf(a) + pdf(b);
  for (let k = 1; k < n; k++) s += (k % 2 ? 4 : 2) * pdf(a + k * h);
  return (s * h) / 3;
}
function hlGaussRef(y: number, min: number, max: number, bins: number, ratio = 0.75): number[] {
  const w = (max - min) / bins;
  const mass = Array.from({ length: bins }, (_, i) => gaussMass(min + i * w, min + (i + 1) * w, y, ratio * w));
  const total = mass.reduce((a, b) => a + b, 0);
  return mass.map((m) => m / total);
}
// Two-hot: y clipped to the outer centers, split linearly between the two neighbouring centers.
function twoHotRef(y: number, min: number, max: number, bins: number): number[] {
  const w = (max - min) / bins;
  const c = Array.from({ length: bins }, (_, i) => min + (i + 0.5) * w);
  const yc = Math.min(Math.max(y, c[0]!), c[bins - 1]!);
  const k = Math.min(Math.floor((yc - c[0]!) / w), bins - 2);
  const out = new Array(bins).fill(0);
  const frac = (yc - c[k]!) / w;
  out[k] = 1 - frac;
  out[k + 1] = frac;
  return out;
}
const ceRow = (r: readonly number[], t: readonly number[]) => {
  const l = logSumExp(r);
  return t.reduce((a, p, i) => a + p * (l - r[i]!), 0);
};

const B = 6;
const bins = 8;
const [min, max] = [-2, 6];
const z = f32(randomMatrix(B, bins, 501, 1.5));
const values = [-2.5, -1.3, 0.02, 1.75, 4.4, 6.8];
const zeros = new Array(B).fill(0);
const rowsClose = (a: number[], b: number[], tol: number) => a.forEach((v, j) => expect(Math.abs(v - b[j]!)).toBeLessThanOrEqual(tol));

describe('hlGauss (σ = 0.75 bin width)', () => {
  standardChecks(() => ({ expr: hlGauss({ min, max, bins }), z, y: zeros, inputs: { value: values }, ref: (r, i) => ceRow(r, hlGaussRef(values[i]!, min, max, bins)) }));
  it('hlGaussTargets matches the integrated Gaussian (float64) and sums to 1', () => {
    hlGaussTargets(values, { min, max, bins }).forEach((row, i) => {
      rowsClose(row, hlGaussRef(values[i]!, min, max, bins), 1e-10);
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    });
    hlGaussTargets([1], { min, max, bins, sigmaRatio: 2 }).forEach((row) => rowsClose(row, hlGaussRef(1, min, max, bins, 2), 1e-10));
  });
  it('hlGaussTargets far outside the support (14, 44, -30 on [0, 4]) gives finite rows summing to 1 that match the integrated Gaussian scaled to the nearest edge', () => {
    // The reference integrates exp(-(x - y)²/2σ² + c) with c the exponent at the support's nearest point, so no bin underflows.
    const far = (y: number, lo: number, hi: number, n: number) => {
      const w = (hi - lo) / n;
      const sigma = 0.75 * w;
      const near = Math.min(Math.max(y, lo), hi);
      const c = 0.5 * ((near - y) / sigma) ** 2;
      const mass = Array.from({ length: n }, (_, i) => {
        const [a, b] = [lo + i * w, lo + (i + 1) * w];
        const k = 4000;
        const h = (b - a) / k;
        const f = (x: number) => Math.exp(-0.5 * ((x - y) / sigma) ** 2 + c);
        let acc = f(a) + f(b);
        for (let j = 1; j < k; j++) acc += (j % 2 ? 4 : 2) * f(a + j * h);
        return (acc * h) / 3;
      });
      const total = mass.reduce((x, v) => x + v, 0);
      return mass.map((m) => m / total);
    };
    const rows = hlGaussTargets([14, 44, -30], { min: 0, max: 4, bins: 4 });
    rows.forEach((row, i) => {
      expect(row.every(Number.isFinite)).toBe(true);
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      rowsClose(row, far([14, 44, -30][i]!, 0, 4, 4), 1e-9);
    });
    expect(rows[0]![2]).toBeGreaterThan(0);
  });
  it('equals ce() on the host-built targets', () => {
    const a = perSample(hlGauss({ min, max, bins }), zeros, z, undefined, { value: values });
    const e = perSample(ce(), hlGaussTargets(values, { min, max, bins }), z);
    a.forEach((v, i) => expect(Math.abs(v - e[i]!) / e[i]!).toBeLessThan(1e-5));
  });
  it('reads the target from a named input', () => {
    const a = perSample(hlGauss({ min, max, bins, target: 'returns' }), zeros, z, undefined, { returns: values });
    a.forEach((v, i) => expect(Math.abs(v - ceRow(z[i]!, hlGaussRef(values[i]!, min, max, bins))) / v).toBeLessThan(1e-5));
  });
  it('rejects bad bins, σ, and a logit count that is not the bin count', () => {
    expectCode(() => hlGauss({ min: 1, max: 1, bins }), 'INVALID_PARAMETER');
    expectCode(() => hlGauss({ min, max, bins: 1 }), 'INVALID_PARAMETER');
    expectCode(() => hlGauss({ min, max, bins: 2.5 }), 'INVALID_PARAMETER');
    expectCode(() => hlGauss({ min, max, bins, sigmaRatio: 0 }), 'INVALID_PARAMETER');
    expectCode(() => hlGaussTargets([Number.NaN], { min, max, bins }), 'INVALID_PARAMETER');
    expectCode(() => compile(hlGauss({ min, max, bins: 4 }))(zeros, z, { inputs: { value: values } }).dispose(), 'SHAPE_MISMATCH');
    expectCode(() => compile(hlGauss({ min, max, bins }))(zeros, z).dispose(), 'MISSING_INPUT');
  });
});

describe('twoHot', () => {
  standardChecks(() => ({ expr: twoHot({ min, max, bins }), z, y: zeros, inputs: { value: values }, ref: (r, i) => ceRow(r, twoHotRef(values[i]!, min, max, bins)) }));
  it('twoHotTargets splits between neighbouring centers and clips outside them', () => {
    twoHotTargets(values, { min, max, bins }).forEach((row, i) => rowsClose(row, twoHotRef(values[i]!, min, max, bins), 1e-12));
    expect(binCenters({ min, max, bins })).toEqual([-1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    // The expectation over the centers recovers any target inside them.
    const c = binCenters({ min, max, bins });
    twoHotTargets([0.02, 1.75, 4.4], { min, max, bins }).forEach((row, i) =>
      expect(row.reduce((a, p, j) => a + p * c[j]!, 0)).toBeCloseTo([0.02, 1.75, 4.4][i]!, 12),
    );
  });
  it('rejects bad bins', () => {
    expectCode(() => twoHot({ min: 3, max: 1, bins }), 'INVALID_PARAMETER');
    expectCode(() => twoHotTargets([1], { min, max, bins: 0 }), 'INVALID_PARAMETER');
  });
});
