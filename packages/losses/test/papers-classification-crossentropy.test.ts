import { ce, compile, ready, square } from '@losskit/core';
import { checkGradient, expectNoLeaks, f32, logSumExp, numericGradient, randomLabels, randomMatrix, softplus } from '@losskit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  classBalanced,
  classBalancedWeights,
  compSum,
  drwWeights,
  focal,
  gce,
  ldam,
  ldamMargins,
  logitAdjusted,
  mae,
  oneVsRest,
  squentropy,
  sumExponential,
} from '../src/index.js';
import { expectCode, perSample, standardChecks } from './papers-classification-harness.js';

beforeAll(async () => {
  await ready();
});

const B = 6;
const C = 5;
const z = f32(randomMatrix(B, C, 101, 2));
const y = randomLabels(B, C, 102);

// ── float64 references, straight from each paper's formula ───────────────────
const lse = (r: readonly number[]) => logSumExp(r);
const ceRef = (r: readonly number[], t: number) => lse(r) - r[t]!;
const py = (r: readonly number[], t: number) => Math.exp(r[t]! - lse(r));
// Squentropy (Hui et al. 2023): -log softmax(z)_y + 1/(C-1) Σ_{j≠y} z_j².
const squentropyRef = (r: readonly number[], t: number) => ceRef(r, t) + r.reduce((s, v, j) => (j === t ? s : s + v * v), 0) / (r.length - 1);
// Comp-sum (Mao et al. 2023): u = Σ_{j≠y} exp(z_j - z_y); ((1+u)^{1-τ} - 1)/(1-τ), log(1+u) at τ = 1.
const uOf = (r: readonly number[], t: number) => r.reduce((s, v, j) => (j === t ? s : s + Math.exp(v - r[t]!)), 0);
const compSumRef = (r: readonly number[], t: number, tau: number) =>
  tau === 1 ? Math.log1p(uOf(r, t)) : ((1 + uOf(r, t)) ** (1 - tau) - 1) / (1 - tau);
// GCE (Zhang & Sabuncu 2018): (1 - p_y^q)/q.
const gceRef = (r: readonly number[], t: number, q: number) => (1 - py(r, t) ** q) / q;
// Logit adjustment (Menon et al. 2021): -log softmax(z + τ log π)_y.
const laRef = (r: readonly number[], t: number, priors: number[], tau: number) => {
  const s = priors.reduce((a, b) => a + b, 0);
  return ceRef(r.map((v, j) => v + tau * Math.log(priors[j]! / s)), t);
};
// Focal (Lin et al. 2017), softmax form: -α (1 - p_y)^γ log p_y.
const focalRef = (r: readonly number[], t: number, gamma: number, alpha: number) => -alpha * (1 - py(r, t)) ** gamma * (r[t]! - lse(r));
// Class-balanced weights (Cui et al. 2019): (1-β)/(1-β^n), normalized to sum C.
const cbRef = (counts: number[], beta: number) => {
  const w = counts.map((n) => (1 - beta) / (1 - beta ** n));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => (v * counts.length) / s);
};
// LDAM (Cao et al. 2019): m_j ∝ n_j^{-1/4}, max m = 0.5; CE of s·(z - m_y e_y).
const ldamRef = (r: readonly number[], t: number, counts: number[], s: number, maxMargin: number, w?: number[]) => {
  const m = counts.map((n) => n ** -0.25);
  const top = Math.max(...m);
  const h = r.map((v, j) => s * (v - (j === t ? (m[j]! * maxMargin) / top : 0)));
  return ceRef(h, t) * (w ? w[t]! : 1);
};
// OVR (Kanai et al. 2023): -log σ(z_y) - Σ_{k≠y} log(1 - σ(z_k)).
const ovrRef = (r: readonly number[], t: number) => r.reduce((s, v, k) => s + (k === t ? softplus(-v) : softplus(v)), 0);

// Large logits with the target on top, for losses that grow like e^{Δz} (comp-sum with τ < 1).
const bigTargetOnTop = y.map((t) => Array.from({ length: C }, (_, j) => (j === t ? 1e4 : j % 2 ? -1e4 : 0)));

describe('squentropy', () => {
  standardChecks(() => ({ expr: squentropy(), z, y, ref: (r, i) => squentropyRef(r, y[i]!) }));
  it('is exactly ce().plus(square().incorrect()) (property)', () => {
    expect(squentropy().key).toBe(ce().plus(square().incorrect()).key);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 1e6 }), (c, b, seed) => {
        const zz = f32(randomMatrix(b, c, seed, 4));
        const yy = randomLabels(b, c, seed + 1);
        const a = perSample(squentropy(), yy, zz);
        const e = perSample(ce().plus(square().incorrect()), yy, zz);
        a.forEach((v, i) => expect(v).toBe(e[i]));
        a.forEach((v, i) => expect(Math.abs(v - squentropyRef(zz[i]!, yy[i]!)) / squentropyRef(zz[i]!, yy[i]!)).toBeLessThan(1e-5));
      }),
      { numRuns: 25 },
    );
  });
});

describe.each([0, 0.5, 1, 1.5, 1.7, 2])('compSum({ tau: %s })', (tau) => {
  standardChecks(() => ({
    expr: compSum({ tau }),
    z,
    y,
    ref: (r, i) => compSumRef(r, y[i]!, tau),
    ...(tau < 1 ? { big: bigTargetOnTop } : {}),
  }));
});

describe('comp-sum special cases and identities', () => {
  it('τ = 1 equals cross-entropy (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0.1, max: 10, noNaN: true }), (c, b, seed, scale) => {
        const zz = f32(randomMatrix(b, c, seed, scale));
        const yy = randomLabels(b, c, seed + 7);
        const a = perSample(compSum({ tau: 1 }), yy, zz);
        const e = perSample(ce(), yy, zz);
        a.forEach((v, i) => expect(Math.abs(v - e[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(e[i]!))));
      }),
      { numRuns: 30 },
    );
  });
  it('GCE tends to CE as q → 0: |GCE_q - CE| ≤ q·CE²/2 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 1e-4, max: 1e-2, noNaN: true }), (c, seed, q) => {
        const zz = f32(randomMatrix(3, c, seed, 2));
        const yy = randomLabels(3, c, seed + 3);
        const g = perSample(gce({ q }), yy, zz);
        const e = perSample(ce(), yy, zz);
        g.forEach((v, i) => expect(Math.abs(v - e[i]!)).toBeLessThanOrEqual((q * e[i]! ** 2) / 2 + 2e-6 * Math.max(1, e[i]!)));
      }),
      { numRuns: 30 },
    );
  });
  it('gce(q) matches (1 - p_y^q)/q; mae() = 1 - p_y; sumExponential() = Σ_{j≠y} e^{z_j - z_y}', () => {
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);
    perSample(gce(), y, z).forEach((v, i) => expect(rel(v, gceRef(z[i]!, y[i]!, 0.7))).toBeLessThan(1e-5));
    perSample(gce({ q: 0.3 }), y, z).forEach((v, i) => expect(rel(v, gceRef(z[i]!, y[i]!, 0.3))).toBeLessThan(1e-5));
    perSample(mae(), y, z).forEach((v, i) => expect(rel(v, 1 - py(z[i]!, y[i]!))).toBeLessThan(1e-5));
    perSample(sumExponential(), y, z).forEach((v, i) => expect(rel(v, uOf(z[i]!, y[i]!))).toBeLessThan(1e-5));
  });
  it('sum-exponential overflows only where its true value exceeds float32 (reported, not silent)', () => {
    const wrong = [[1e4, -1e4, 0]];
    expectCode(() => compile(sumExponential())([1], wrong).dispose(), 'NON_FINITE_OUTPUT');
  });
  it('rejects bad hyperparameters', () => {
    expectCode(() => compSum({ tau: -0.5 }), 'INVALID_PARAMETER');
    expectCode(() => compSum({ tau: Number.NaN }), 'INVALID_PARAMETER');
    expectCode(() => compSum({} as never), 'INVALID_PARAMETER');
    expectCode(() => gce({ q: 0 }), 'INVALID_PARAMETER');
    expectCode(() => gce({ q: 1.5 }), 'INVALID_PARAMETER');
  });
});

describe('logitAdjusted', () => {
  const priors = [0.5, 0.25, 0.15, 0.07, 0.03];
  standardChecks(() => ({ expr: logitAdjusted({ priors }), z, y, ref: (r, i) => laRef(r, y[i]!, priors, 1) }));
  it('uses τ', () => {
    perSample(logitAdjusted({ priors, tau: 0.5 }), y, z).forEach((v, i) => {
      const r = laRef(z[i]!, y[i]!, priors, 0.5);
      expect(Math.abs(v - r) / r).toBeLessThan(1e-5);
    });
  });
  it('with uniform priors equals cross-entropy (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 7 }), fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0.01, max: 100, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }), (c, seed, level, tau) => {
        const zz = f32(randomMatrix(4, c, seed, 3));
        const yy = randomLabels(4, c, seed + 5);
        const a = perSample(logitAdjusted({ priors: new Array(c).fill(level), tau }), yy, zz);
        const e = perSample(ce(), yy, zz);
        a.forEach((v, i) => expect(Math.abs(v - e[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, e[i]!)));
      }),
      { numRuns: 30 },
    );
  });
  it('rejects bad priors, τ and a class-count mismatch', () => {
    expectCode(() => logitAdjusted({ priors: [0.5, 0, 0.5] }), 'INVALID_PARAMETER');
    expectCode(() => logitAdjusted({ priors: [] }), 'INVALID_PARAMETER');
    expectCode(() => logitAdjusted({ priors: [1, 1], tau: -1 }), 'INVALID_PARAMETER');
    expectCode(() => compile(logitAdjusted({ priors: [1, 1, 1] }))(y, z).dispose(), 'SHAPE_MISMATCH');
  });
});

describe('focal', () => {
  standardChecks(() => ({ expr: focal(), z, y, ref: (r, i) => focalRef(r, y[i]!, 2, 0.25) }));
  it('follows γ and α; γ = 0 is α·CE', () => {
    perSample(focal({ gamma: 1, alpha: 1 }), y, z).forEach((v, i) => expect(Math.abs(v - focalRef(z[i]!, y[i]!, 1, 1)) / v).toBeLessThan(1e-5));
    perSample(focal({ gamma: 0, alpha: 0.5 }), y, z).forEach((v, i) => expect(Math.abs(v - 0.5 * ceRef(z[i]!, y[i]!)) / v).toBeLessThan(1e-5));
  });
  it('works from probabilities', () => {
    const p = z.map((r) => r.map((v) => Math.exp(v - lse(r))));
    perSample(focal(), y, p, { from: 'probs' }).forEach((v, i) => expect(Math.abs(v - focalRef(z[i]!, y[i]!, 2, 0.25)) / v).toBeLessThan(1e-4));
  });
  it('rejects bad hyperparameters', () => {
    expectCode(() => focal({ gamma: -1 }), 'INVALID_PARAMETER');
    expectCode(() => focal({ alpha: 0 }), 'INVALID_PARAMETER');
  });
});

// Focal loss with 0 ≤ γ < 1 near saturation. Per sample ℓ = −α Σ_j y_j q_j^γ log p_j with q_j = 1 − p_j. With
// f(p) = q^γ log p, ∂ℓ/∂z_k = −α (h_k − p_k Σ_j h_j), h_j = y_j p_j f'(p_j) = y_j q_j^γ (1 + γ p_j L_j), L = −log p / q.
// As p_y → 1 (q → 0, L → 1): h_y ≈ (1 + γ) q^γ, so ∂ℓ/∂z_y = −α h_y q → −α(1+γ) q^{γ+1} → 0 and, for k ≠ y,
// ∂ℓ/∂z_k = α p_k h_y ≈ α(1+γ) q^γ p_k ≤ α(1+γ) q^{γ+1} → 0: the exact limit is 0 for every γ ≥ 0, although
// d/dp (1−p)^γ = −γ q^{γ−1} is infinite at p = 1 for γ < 1 (the naive product rule gives ∞·0 = NaN).
// Reference: the value in float64 from q = Σ_{j≠y} p_j (never 1 − p_y) and log p_y = −log1p(Σ_{j≠y} e^{z_j − z_y}),
// its gradient by central differences in float64.
const focalExact = (r: readonly number[], t: number, gamma: number, alpha: number) => {
  const m = Math.max(...r);
  const e = r.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  const q = e.reduce((a, v, j) => (j === t ? a : a + v), 0) / s;
  const logp = r[t]! - m - Math.log(s);
  const logpy = r[t] === m ? -Math.log1p(r.reduce((a, v, j) => (j === t ? a : a + Math.exp(v - r[t]!)), 0)) : logp;
  return -alpha * q ** gamma * logpy;
};

describe('focal with 0 ≤ γ < 1 at saturation (issue #17: NON_FINITE_OUTPUT or NaN gradients at p_y → 1)', () => {
  const near = Math.log(2e8); // logits [near, 0, 0]: p_y = 1 − 1e-8 (which float32 rounds to 1)
  const rows = [
    [near, 0, 0],
    [50, 0, 0],
    [1e4, 0, 0],
    [0, 3e4, -2],
  ];
  const labels = [0, 0, 0, 1];
  for (const gamma of [0.25, 0.5, 0.9]) {
    it(`γ = ${gamma}: value and gradient equal the float64 reference at p_y = 1 − 1e-8 and at exact saturation ([50, 0, 0], [1e4, 0, 0]), relative 1e-4`, () => {
      const loss = compile(focal({ gamma, alpha: 0.25 }), { reduction: 'sum' });
      const { value, grad } = loss.valueAndGrad(labels, rows);
      const v = value.dataSync()[0]!;
      const g = grad.dataSync();
      tf.dispose([value, grad]);
      const want = rows.reduce((a, r, i) => a + focalExact(r, labels[i]!, gamma, 0.25), 0);
      expect(Math.abs(v - want)).toBeLessThanOrEqual(1e-4 * Math.abs(want) + 1e-45);
      expect(want).toBeGreaterThan(0);
      rows.forEach((r, i) => {
        const ref = numericGradient((x) => focalExact(Array.from(x), labels[i]!, gamma, 0.25), r, 1e-6);
        r.forEach((_, j) => {
          const got = g[i * 3 + j]!;
          expect(Number.isFinite(got)).toBe(true);
          // Analytic limit where the float64 difference quotient underflows: |∂ℓ/∂z| ≤ α(1+γ) q^γ with q = 2e^{-50}.
          const tol = 1e-4 * Math.abs(ref[j]!) + 1e-30 * Math.abs(ref[j]!) + (r[0] === 1e4 || r[1] === 3e4 ? 0 : 1e-40);
          expect(Math.abs(got - ref[j]!), `row ${i} class ${j}: ${got} vs ${ref[j]}`).toBeLessThanOrEqual(tol);
        });
      });
      // At p_y = 1 − 1e-8 the gradient is tiny but not 0: α(1+γ)q^γ p_k for k ≠ y.
      expect(g[1]!).toBeGreaterThan(0);
      expect(g[0]!).toBeLessThan(0);
    });
    it(`γ = ${gamma}: passes a finite-difference check against the float64 reference at moderate logits, also from probabilities`, () => {
      const x = tf.tensor2d(z);
      const loss = compile(focal({ gamma, alpha: 0.5 }));
      const r = checkGradient((t) => loss(y, t), x, { reference: (flat) => z.reduce((a, _, i) => a + focalExact(Array.from(flat.slice(i * C, (i + 1) * C)), y[i]!, gamma, 0.5), 0) / B });
      expect(r.ok, `worst ${r.worst} at ${r.worstIndex}: ${r.analytic[r.worstIndex]} vs ${r.numeric[r.worstIndex]}`).toBe(true);
      x.dispose();
      const probs = z.map((row) => row.map((v) => Math.exp(v - lse(row))));
      const p = tf.tensor2d(probs);
      const lp = compile(focal({ gamma, alpha: 0.5 }), { from: 'probs' });
      const pref = (flat: Float64Array) => probs.reduce((a, _, i) => a - 0.5 * (1 - flat[i * C + y[i]!]!) ** gamma * Math.log(flat[i * C + y[i]!]!), 0) / B;
      const rp = checkGradient((t) => lp(y, t), p, { reference: pref });
      expect(rp.ok, `worst ${rp.worst} at ${rp.worstIndex}: ${rp.analytic[rp.worstIndex]} vs ${rp.numeric[rp.worstIndex]}`).toBe(true);
      p.dispose();
      // From probabilities at p_y = 1 exactly: value 0, gradient finite (the limit: −α y q^γ(γ L + 1/p) → 0 for γ > 0).
      const { value, grad } = lp.valueAndGrad([0], [[1, 0, 0]]);
      expect(value.dataSync()[0]).toBe(0);
      expect(Array.from(grad.dataSync()).every((v) => v === 0)).toBe(true);
      tf.dispose([value, grad]);
    });
  }
  it('γ = 0 (α·CE) at saturation: value and gradient finite and within float32 absolute error of the reference', () => {
    const loss = compile(focal({ gamma: 0, alpha: 0.25 }), { reduction: 'sum' });
    const { value, grad } = loss.valueAndGrad(labels, rows);
    const want = rows.reduce((a, r, i) => a + focalExact(r, labels[i]!, 0, 0.25), 0);
    expect(Math.abs(value.dataSync()[0]! - want)).toBeLessThan(1e-7);
    const g = grad.dataSync();
    rows.forEach((r, i) => {
      const ref = numericGradient((x) => focalExact(Array.from(x), labels[i]!, 0, 0.25), r, 1e-6);
      r.forEach((_, j) => expect(Math.abs(g[i * 3 + j]! - ref[j]!)).toBeLessThan(1e-7));
    });
    tf.dispose([value, grad]);
  });
  it('fusion: γ = 0 (α·CE) and γ ≥ 1 stay fused; 0 < γ < 1 runs the exact custom-gradient op (unfused); no leaks', () => {
    expect(compile(focal({ gamma: 0 })).fused).toBe(true);
    expect(compile(focal({ gamma: 1 })).fused).toBe(true);
    expect(compile(focal({ gamma: 2 })).fused).toBe(true);
    expect(compile(focal({ gamma: 0.5 })).fused).toBe(false);
    const loss = compile(focal({ gamma: 0.5 }));
    loss(labels, rows).dispose();
    expectNoLeaks(() => {
      loss(labels, rows).dispose();
      const vg = loss.valueAndGrad(labels, rows);
      tf.dispose([vg.value, vg.grad]);
    });
  });
});

describe('classBalanced', () => {
  const counts = [900, 300, 60, 20, 5];
  standardChecks(() => ({ expr: classBalanced(ce(), { classCounts: counts, beta: 0.99 }), z, y, ref: (r, i) => cbRef(counts, 0.99)[y[i]!]! * ceRef(r, y[i]!) }));
  it('classBalancedWeights follows the effective number and sums to C', () => {
    for (const beta of [0, 0.9, 0.999, 0.9999]) {
      const w = classBalancedWeights({ classCounts: counts, beta });
      const r = beta === 0 ? counts.map(() => 1) : cbRef(counts, beta);
      w.forEach((v, j) => expect(Math.abs(v - r[j]!) / r[j]!).toBeLessThan(1e-9));
      expect(Math.abs(w.reduce((a, b) => a + b, 0) - C)).toBeLessThan(1e-9);
    }
  });
  it('rejects bad counts and β', () => {
    expectCode(() => classBalancedWeights({ classCounts: [10, 0], beta: 0.9 }), 'INVALID_PARAMETER');
    expectCode(() => classBalancedWeights({ classCounts: [10, 5], beta: 1 }), 'INVALID_PARAMETER');
    expectCode(() => classBalanced(ce(), { classCounts: [] }), 'INVALID_PARAMETER');
  });
});

describe('ldam', () => {
  const counts = [900, 300, 60, 20, 5];
  const zc = z.map((r) => r.map((v) => v / 4)); // cosine-scale logits, as the paper's normalized head
  standardChecks(() => ({ expr: ldam({ classCounts: counts }), z: zc, y, ref: (r, i) => ldamRef(r, y[i]!, counts, 30, 0.5), bigAtol: 30 * 2e-3 }));
  describe('with DRW class weights', () => {
    const w = drwWeights({ classCounts: counts, epoch: 170 });
    standardChecks(() => ({ expr: ldam({ classCounts: counts, classWeights: w, s: 10, maxMargin: 0.3 }), z: zc, y, ref: (r, i) => ldamRef(r, y[i]!, counts, 10, 0.3, w), bigAtol: 10 * 2e-3 * Math.max(...w) }));
  });
  it('margins are C/n^{1/4} with max 0.5; DRW switches at startEpoch', () => {
    const m = ldamMargins(counts);
    expect(Math.max(...m)).toBeCloseTo(0.5, 12);
    m.forEach((v, j) => expect(v * counts[j]! ** 0.25).toBeCloseTo(m[0]! * counts[0]! ** 0.25, 12));
    expect(drwWeights({ classCounts: counts, epoch: 159 })).toEqual([1, 1, 1, 1, 1]);
    const after = drwWeights({ classCounts: counts, epoch: 160 });
    cbRef(counts, 0.9999).forEach((v, j) => expect(Math.abs(after[j]! - v) / v).toBeLessThan(1e-9));
    const custom = drwWeights({ classCounts: counts, epoch: 3, startEpoch: 2, beta: 0.9 });
    cbRef(counts, 0.9).forEach((v, j) => expect(Math.abs(custom[j]! - v) / v).toBeLessThan(1e-9));
  });
  it('rejects bad hyperparameters', () => {
    expectCode(() => ldam({ classCounts: [10, -1] }), 'INVALID_PARAMETER');
    expectCode(() => ldam({ classCounts: [10, 1], s: 0 }), 'INVALID_PARAMETER');
    expectCode(() => ldam({ classCounts: [10, 1], maxMargin: -0.1 }), 'INVALID_PARAMETER');
    expectCode(() => ldam({ classCounts: [10, 1], classWeights: [1] }), 'INVALID_PARAMETER');
    expectCode(() => drwWeights({ classCounts: [10, 1], epoch: -1 }), 'INVALID_PARAMETER');
    expectCode(() => compile(ldam({ classCounts: [10, 1] }))(y, z).dispose(), 'SHAPE_MISMATCH');
  });
});

describe('oneVsRest', () => {
  standardChecks(() => ({ expr: oneVsRest(), z, y, ref: (r, i) => ovrRef(r, y[i]!) }));
  it('rejects labels out of range', () => {
    expectCode(() => compile(oneVsRest())([C], [z[0]!]).dispose(), 'LABEL_OUT_OF_RANGE');
  });
});
