// Regression calibration (netcal.metrics.regression and netcal.regression at EFS-OpenSource/calibration-framework
// 2a3db8d7): UCE, ENCE, PICP/MPIW, QCE, Gaussian NLL, variance scaling, isotonic recalibration of the CDF, the reliability
// curve. References are written here from the papers / netcal's formulas in float64; normal quantiles are checked against
// their published values (Φ⁻¹(0.975) = 1.959963984540054, Φ⁻¹(0.95) = 1.6448536269514722).
import * as tf from '@tensorflow/tfjs-core';
import { expectCleanThrow } from '@losskit/core/testing';
import { normal, rng } from '@losskit/core/math';
import { ready } from '@losskit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  IsotonicQuantileRecalibration,
  VarianceScaling,
  ence,
  gaussianNll,
  gaussianPit,
  picp,
  qce,
  regressionReliability,
  renderRegressionReliabilitySvg,
  uce,
} from '../src/index.js';

/** Heteroscedastic data whose predicted σ is `scale` times the true σ. */
function data(n: number, seed: number, scale: number) {
  const u = rng(seed);
  const g = normal(u);
  const mean: number[] = [];
  const std: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = 3 * g();
    const s = 0.2 + 2 * u();
    mean.push(m);
    std.push(s * scale);
    y.push(m + s * g());
  }
  return { pred: { mean, std }, y };
}

beforeAll(async () => {
  await ready();
});

const { pred, y } = data(500, 3, 0.5); // overconfident: σ too small by 2
const Z975 = 1.959963984540054;

/** Equal-width bins of v between its min and max, [lo, hi) with the last bin closed (netcal / scipy binned_statistic). */
function binsRef(v: number[], M: number): number[] {
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return v.map((x) => {
    if (hi === lo) return 0;
    for (let m = 0; m < M; m++) if (x < lo + ((m + 1) * (hi - lo)) / M) return m;
    return M - 1;
  });
}

describe('normal quantile used by the interval metrics', () => {
  it('PICP at q = 0.95 uses Φ⁻¹(0.975) = 1.959963984540054 (MPIW = 2·1.96·σ)', () => {
    expect(picp({ mean: [0], std: [1] }, [0], { q: 0.95 }).mpiw).toBeCloseTo(2 * Z975, 13);
    expect(picp({ mean: [0], std: [1] }, [0], { q: 0.9 }).mpiw).toBeCloseTo(2 * 1.6448536269514722, 13);
    // Φ⁻¹(1 − 5e-13) = 7.130506848171325 (bisection on Python's math.erfc, float64); q = 1 − 1e-12 is not exact in float64.
    expect(picp({ mean: [0], std: [1] }, [0], { q: 1 - 1e-12 }).mpiw / 2).toBeCloseTo(7.130506848171325, 3);
  });
});

describe('regression metrics against float64 references', () => {
  it('uce: Σ_m (|B_m|/N)|MSE − MV| over bins of the variance', () => {
    const v = pred.std.map((s) => s * s);
    for (const M of [1, 5, 10]) {
      const b = binsRef(v, M);
      let ref = 0;
      for (let m = 0; m < M; m++) {
        const idx = b.map((k, i) => (k === m ? i : -1)).filter((i) => i >= 0);
        if (!idx.length) continue;
        const mse = idx.reduce((s, i) => s + (y[i]! - pred.mean[i]!) ** 2, 0) / idx.length;
        const mv = idx.reduce((s, i) => s + v[i]!, 0) / idx.length;
        ref += (idx.length / y.length) * Math.abs(mse - mv);
      }
      expect(uce(pred, y, { bins: M })).toBeCloseTo(ref, 12);
    }
  });
  it('ence: mean over non-empty σ-bins of |RMV − RMSE| / RMV', () => {
    const b = binsRef(pred.std, 10);
    let s = 0;
    let k = 0;
    for (let m = 0; m < 10; m++) {
      const idx = b.map((q, i) => (q === m ? i : -1)).filter((i) => i >= 0);
      if (!idx.length) continue;
      const rmv = Math.sqrt(idx.reduce((a, i) => a + pred.std[i]! ** 2, 0) / idx.length);
      const rmse = Math.sqrt(idx.reduce((a, i) => a + (y[i]! - pred.mean[i]!) ** 2, 0) / idx.length);
      s += Math.abs(rmv - rmse) / rmv;
      k++;
    }
    expect(ence(pred, y)).toBeCloseTo(s / k, 12);
    // σ half the truth: RMSE ≈ 2·RMV in every bin → ENCE ≈ 1.
    expect(ence(pred, y)).toBeGreaterThan(0.7);
  });
  it('picp / qce: coverage of μ ± σΦ⁻¹((1+q)/2), marginal and binned by σ', () => {
    const inside = (q: number, i: number) => {
      const z = q === 0.95 ? Z975 : q === 0.5 ? 0.6744897501960817 : NaN;
      return Math.abs(y[i]! - pred.mean[i]!) <= z * pred.std[i]!;
    };
    const cov = (q: number, idx: number[]) => idx.filter((i) => inside(q, i)).length / idx.length;
    const all = y.map((_, i) => i);
    expect(picp(pred, y, { q: 0.95 }).picp).toBeCloseTo(cov(0.95, all), 15);
    expect(picp(pred, y, { q: [0.5, 0.95] }).picp).toBeCloseTo((cov(0.5, all) + cov(0.95, all)) / 2, 15);
    expect(qce(pred, y, { q: [0.5, 0.95] })).toBeCloseTo((Math.abs(cov(0.5, all) - 0.5) + Math.abs(cov(0.95, all) - 0.95)) / 2, 14);
    const b = binsRef(pred.std, 4);
    let ref = 0;
    for (const q of [0.5, 0.95]) {
      for (let m = 0; m < 4; m++) {
        const idx = all.filter((i) => b[i] === m);
        if (idx.length) ref += (idx.length / 500) * Math.abs(cov(q, idx) - q);
      }
    }
    expect(qce(pred, y, { q: [0.5, 0.95], marginal: false, bins: 4 })).toBeCloseTo(ref / 2, 14);
  });
  it('closed-form TSDoc examples', () => {
    expect(uce({ mean: [0, 0], std: [1, 1] }, [1, -1], { bins: 1 })).toBe(0);
    expect(ence({ mean: [0, 0], std: [1, 1] }, [2, 2], { bins: 1 })).toBe(1);
    expect(picp({ mean: [0, 0], std: [1, 1] }, [1, 3]).picp).toBe(0.5);
    expect(qce({ mean: [0, 0], std: [1, 1] }, [0.1, 5], { q: 0.5 })).toBe(0);
    expect(gaussianNll({ mean: [0], std: [1] }, [0])).toBeCloseTo(0.5 * Math.log(2 * Math.PI), 15);
    expect(gaussianPit({ mean: [1], std: [2] }, [1 + 2 * 1.959963984540054])[0]).toBeCloseTo(0.975, 14);
  });
  it('accepts tensors [N] and [N, 1]', () => {
    const m = tf.tensor1d(pred.mean);
    const s = tf.tensor2d(pred.std, [500, 1]);
    expect(uce({ mean: m, std: s }, y)).toBeCloseTo(uce(pred, y), 5);
    m.dispose();
    s.dispose();
  });
});

describe('regression recalibrators', () => {
  const fit = data(2000, 5, 0.5);
  const test = data(2000, 6, 0.5);
  it('VarianceScaling: s² = mean((y − μ)²/σ²), and it lowers NLL, UCE, ENCE and QCE on held-out data', () => {
    const vs = VarianceScaling.fit(fit.pred, fit.y);
    const ref = Math.sqrt(fit.y.reduce((a, v, i) => a + ((v - fit.pred.mean[i]!) / fit.pred.std[i]!) ** 2, 0) / 2000);
    expect(vs.scale).toBeCloseTo(ref, 13);
    expect(vs.scale).toBeGreaterThan(1.8); // σ was half the truth
    const out = vs.transform(test.pred);
    expect(gaussianNll(out, test.y)).toBeLessThan(gaussianNll(test.pred, test.y));
    expect(qce(out, test.y)).toBeLessThan(0.03);
    expect(ence(out, test.y)).toBeLessThan(ence(test.pred, test.y) / 3);
    expect(VarianceScaling.load(vs.save()).save()).toBe(vs.save());
  });
  it('IsotonicQuantileRecalibration: uniform recalibrated PIT on held-out data, quantiles that invert the CDF', () => {
    const iso = IsotonicQuantileRecalibration.fit(fit.pred, fit.y);
    const before = regressionReliability(gaussianPit(test.pred, test.y));
    const after = regressionReliability(iso.cdf(test.pred, test.y));
    expect(before.error).toBeGreaterThan(0.1);
    expect(after.error).toBeLessThan(0.035);
    expect(after.error).toBeLessThan(before.error / 4);
    const qs = iso.quantiles(test.pred, [0.1, 0.5, 0.9]);
    const cdfAt = iso.cdf({ mean: test.pred.mean.slice(0, 50), std: test.pred.std.slice(0, 50) }, qs.slice(0, 50).map((r) => r[2]!));
    for (const v of cdfAt) expect(v).toBeCloseTo(0.9, 6);
    const cover = qs.filter((r, i) => test.y[i]! >= r[0]! && test.y[i]! <= r[2]!).length / 2000;
    expect(Math.abs(cover - 0.8)).toBeLessThan(0.03);
    const { lower, upper } = iso.interval(test.pred, 0.8);
    expect(lower[0]).toBeCloseTo(qs[0]![0]!, 12);
    expect(upper[0]).toBeCloseTo(qs[0]![2]!, 12);
    expect(IsotonicQuantileRecalibration.load(iso.save()).save()).toBe(iso.save());
  });
  it('reliability data and SVG: observed(τ) = fraction of PIT ≤ τ', () => {
    const pit = [0.1, 0.2, 0.2, 0.9];
    const d = regressionReliability(pit, { levels: [0.2, 0.5] });
    expect(d.observed).toEqual([0.75, 0.75]);
    expect(d.error).toBeCloseTo((0.55 + 0.25) / 2, 15);
    const svg = renderRegressionReliabilitySvg(d, { title: 'a < b' });
    expect(svg).toContain('<svg');
    expect(svg).toContain('a &lt; b');
    expect(svg.match(/class="point"/g)).toHaveLength(2);
  });
});

describe('regression bad input', () => {
  it('typed errors naming the argument', () => {
    expectCleanThrow(() => uce({ mean: [0, 1], std: [1] }, [0, 1]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => uce({ mean: [0], std: [0] }, [0]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => uce({ mean: [0], std: [1] }, [Number.NaN]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => uce({ mean: [], std: [] }, []), 'EMPTY_BATCH');
    expectCleanThrow(() => uce([0, 1] as never, [0, 1]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => uce({ mean: [[0, 1]], std: [1] }, [0]), 'RANK_MISMATCH');
    expectCleanThrow(() => uce(pred, y, { bins: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => picp(pred, y, { q: 1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => qce(pred, y, { q: [] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => qce(pred, y, { marginal: 'no' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => regressionReliability([0.5, 1.5]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => renderRegressionReliabilitySvg({ levels: [0.5], observed: [] } as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => VarianceScaling.fit({ mean: [1, 2], std: [1, 1] }, [1, 2]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => VarianceScaling.load('{"format":"losskit-regression-calibrator","version":1,"kind":"variance-scaling","state":{"scale":-1}}'), 'INVALID_ARGUMENT');
    expectCleanThrow(() => IsotonicQuantileRecalibration.load('{"format":"losskit-regression-calibrator","version":1,"kind":"variance-scaling","state":{}}'), 'INVALID_ARGUMENT');
    expectCleanThrow(() => IsotonicQuantileRecalibration.fit(pred, y).quantiles(pred, [0]), 'INVALID_PARAMETER');
  });
});
