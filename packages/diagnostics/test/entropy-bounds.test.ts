// Diffusion spectral entropy / DSMI against closed forms (simplex configurations whose kernel spectrum is known),
// the PAC-Bayes bound against its formulas, and the noncentral χ² pieces and inductive-bias fit against closed forms,
// numerical integration and sampled data from a known distribution.
import { expectCleanThrow } from '@losskit/core/testing';
import { normal, rng } from '@losskit/core/math';
import { ready } from '@losskit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  binaryKl,
  diffusionSpectralEntropy,
  diffusionSpectralMutualInformation,
  inductiveBias,
  logLowerRegularizedGamma,
  noncentralChiSquaredLogCdf,
  noncentralChiSquaredLogPdf,
  pacBayesBound,
  uniformPromptLogPrior,
} from '../src/index.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

const EPS = Number.EPSILON;
/** −Σ p log₂ p for the given probabilities (each + machine ε, as dse.py does). */
const entropyBits = (p: number[]) => -p.map((v) => v + EPS).reduce((s, v) => s + v * Math.log2(v), 0);

/** k points pairwise at distance s√2 (scaled basis vectors in R^k). */
const simplex = (k: number, s: number) => Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? s : 0)));

describe('diffusionSpectralEntropy', () => {
  // G = (1 − g)I + g11ᵀ with g = exp(−2s²/2σ²); all degrees equal → K = G/(1 + (k−1)g): eigenvalues 1 and
  // (1 − g)/(1 + (k−1)g) (k − 1 times). Dropping the trivial one leaves k − 1 equal values: p = 1/(k − 1).
  it.each([
    [4, 1, 1, 1],
    [6, 0.5, 2, 1],
    [5, 2, 1, 3],
  ])('is log₂(k − 1) (plus the ε terms) for a regular simplex of k = %i points (s = %f, σ = %f, t = %i)', (k, s, sigma, t) => {
    const expected = entropyBits(new Array(k - 1).fill(1 / (k - 1)));
    expect(diffusionSpectralEntropy(simplex(k, s), { sigma, t })).toBeCloseTo(expected, 10);
  });

  it('is log₂(c − 1) for c far-apart clusters of m identical points (eigenvalues: c ones, the rest 0)', () => {
    const centers = simplex(4, 1000);
    const x = centers.flatMap((c) => [c, c, c]);
    const p = [...new Array(3).fill(1 / 3), ...new Array(8).fill(0)];
    expect(diffusionSpectralEntropy(x, { sigma: 1 })).toBeCloseTo(entropyBits(p), 10);
  });

  it('raising t concentrates the spectrum: DSE(t = 3) < DSE(t = 1) on random points', () => {
    const u = normal(rng(3));
    const x = Array.from({ length: 40 }, () => Array.from({ length: 3 }, () => u()));
    expect(diffusionSpectralEntropy(x, { sigma: 1, t: 3 })).toBeLessThan(diffusionSpectralEntropy(x, { sigma: 1, t: 1 }));
  });

  it('rejects a non-positive σ, t = 0 and more than 2000 points', () => {
    expectCleanThrow(() => diffusionSpectralEntropy([[1], [2]], { sigma: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => diffusionSpectralEntropy([[1], [2]], { t: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => diffusionSpectralEntropy(Array.from({ length: 2001 }, () => [0])), 'INVALID_ARGUMENT');
  });
});

describe('diffusionSpectralMutualInformation', () => {
  it('equals Σ_b p(b)(mean DSE of the returned subsets − DSE of class b), each term recomputed with DSE', () => {
    const u = normal(rng(5));
    const x = Array.from({ length: 24 }, (_, i) => [u() + 3 * (i % 3), u()]);
    const y = x.map((_, i) => i % 3);
    const r = diffusionSpectralMutualInformation(x, y, { sigma: 1, repetitions: 3, seed: 2 });
    let ref = 0;
    for (const term of r.perClass) {
      const own = x.filter((_, i) => y[i] === term.label);
      const cond = diffusionSpectralEntropy(own, { sigma: 1 });
      const marg = term.subsets.map((s) => diffusionSpectralEntropy(s.map((i) => x[i]!), { sigma: 1 })).reduce((a, b) => a + b, 0) / 3;
      expect(term.subsets.every((s) => s.length === own.length && new Set(s).size === s.length)).toBe(true);
      ref += (own.length / 24) * (marg - cond);
    }
    expect(r.dsmi).toBeCloseTo(ref, 12);
  });

  it('is larger for labels that follow the clusters than for shuffled labels', () => {
    const u = normal(rng(6));
    const x = Array.from({ length: 30 }, (_, i) => [u() * 0.3 + 4 * (i % 3), u() * 0.3]);
    const good = x.map((_, i) => i % 3);
    const bad = x.map((_, i) => Math.floor(i / 10));
    expect(diffusionSpectralMutualInformation(x, good, { sigma: 1 }).dsmi).toBeGreaterThan(diffusionSpectralMutualInformation(x, bad, { sigma: 1 }).dsmi);
  });
});

describe('pacBayesBound', () => {
  it("'sqrt' is r̂ + √((KL + ln(2√n/δ))/2n) and 'mcallester' r̂ + √((KL + ln(1/δ) + ln n + 2)/(2n − 1))", () => {
    const r = 0.02;
    const kl = 35.2;
    const n = 50000;
    expect(pacBayesBound({ empiricalRisk: r, logPrior: -kl, n, form: 'sqrt' }).bound).toBeCloseTo(r + Math.sqrt((kl + Math.log((2 * Math.sqrt(n)) / 0.05)) / (2 * n)), 14);
    expect(pacBayesBound({ empiricalRisk: r, kl, n, delta: 0.01, form: 'mcallester' }).bound).toBeCloseTo(r + Math.sqrt((kl + Math.log(100) + Math.log(n) + 2) / (2 * n - 1)), 14);
  });

  it("'kl' returns the largest R with kl(r̂‖R) = (KL + ln(2√n/δ))/n, below the Pinsker form", () => {
    const input = { empiricalRisk: 0.1, kl: 20, n: 1000 };
    const { bound } = pacBayesBound(input);
    const c = (20 + Math.log((2 * Math.sqrt(1000)) / 0.05)) / 1000;
    expect(binaryKl(0.1, bound)).toBeCloseTo(c, 9);
    expect(bound).toBeGreaterThan(0.1);
    expect(bound).toBeLessThan(pacBayesBound({ ...input, form: 'sqrt' }).bound);
  });

  it('is 1 (vacuous) for a huge KL, and uses L·ln V for a uniform prior over L tokens', () => {
    expect(pacBayesBound({ empiricalRisk: 0, kl: 1e300, n: 10, form: 'sqrt' }).bound).toBe(1);
    expect(uniformPromptLogPrior(77, 49408)).toBeCloseTo(-77 * Math.log(49408), 10);
    expect(binaryKl(0, 0.5)).toBeCloseTo(Math.log(2), 15);
  });

  it('rejects both/neither of kl and logPrior, a positive logPrior, δ outside (0, 1), an unknown form', () => {
    expectCleanThrow(() => pacBayesBound({ empiricalRisk: 0.1, n: 10 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => pacBayesBound({ empiricalRisk: 0.1, n: 10, kl: 1, logPrior: -1 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => pacBayesBound({ empiricalRisk: 0.1, n: 10, logPrior: 1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => pacBayesBound({ empiricalRisk: 0.1, n: 10, kl: 1, delta: 1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => pacBayesBound({ empiricalRisk: 1.5, n: 10, kl: 1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => pacBayesBound({ empiricalRisk: 0.1, n: 10, kl: 1, form: 'x' as never }), 'INVALID_ARGUMENT');
  });
});

describe('noncentral χ² and the inductive-bias estimator', () => {
  it('the central χ²₂ has log CDF ln(1 − e^{−x/2}) and log pdf −x/2 − ln 2 (λ = 0)', () => {
    for (const x of [1e-8, 0.3, 2, 9, 40]) {
      expect(noncentralChiSquaredLogCdf(x, 2, 0)).toBeCloseTo(Math.log(-Math.expm1(-x / 2)), 11);
      expect(noncentralChiSquaredLogPdf(x, 2, 0)).toBeCloseTo(-x / 2 - Math.LN2, 12);
    }
  });

  it('χ′²₁(λ): pdf = [φ(√x − √λ) + φ(√x + √λ)] / (2√x), the law of (Z + √λ)²', () => {
    const phi = (z: number) => Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    for (const [x, lam] of [[0.5, 2], [3, 0.7], [10, 6]] as const) {
      const ref = (phi(Math.sqrt(x) - Math.sqrt(lam)) + phi(Math.sqrt(x) + Math.sqrt(lam))) / (2 * Math.sqrt(x));
      expect(noncentralChiSquaredLogPdf(x, 1, lam)).toBeCloseTo(Math.log(ref), 10);
    }
  });

  it('the CDF is the integral of the pdf (Simpson on [0, x], k = 3, λ = 2.5)', () => {
    const x = 4;
    const N = 4000;
    const f = (t: number) => (t === 0 ? 0 : Math.exp(noncentralChiSquaredLogPdf(t, 3, 2.5)));
    let s = f(0) + f(x);
    for (let i = 1; i < N; i++) s += (i % 2 ? 4 : 2) * f((i * x) / N);
    expect(Math.exp(noncentralChiSquaredLogCdf(x, 3, 2.5))).toBeCloseTo((s * x) / (3 * N), 6);
  });

  it('the log CDF stays finite in the far left tail: ln P(k/2, x/2) ≈ (k/2) ln(x/2) − ln Γ(k/2 + 1) for tiny x', () => {
    const k = 6;
    const x = 1e-40;
    expect(logLowerRegularizedGamma(k / 2, x / 2)).toBeCloseTo((k / 2) * Math.log(x / 2) - Math.log(6), 9);
    expect(Number.isFinite(noncentralChiSquaredLogCdf(1e-300, 20, 3))).toBe(true);
  });

  it('recovers the CDF of sampled errors from a known scaled χ′²: fitted −ln CDF(ε) within 0.15 of the truth', () => {
    // errors = s · Σ_{j<k} (Z_j + μ_j)² with k = 4, λ = Σ μ² = 1, s = 0.02: 3000 samples.
    const z = normal(rng(9));
    const mu = [0.5, 0.5, 0.5, 0.5];
    const s = 0.02;
    const errors = Array.from({ length: 3000 }, () => s * mu.reduce((a, m) => a + (z() + m) ** 2, 0));
    const eps = 0.02;
    const truth = -noncentralChiSquaredLogCdf(eps / s, 4, 1);
    const r = inductiveBias(errors, eps);
    expect(Math.abs(r.nats - truth)).toBeLessThan(0.15);
    expect(r.bits).toBeCloseTo(r.nats / Math.LN2, 12);
    expect(r.tailApproximation).toBe(false);
    // The empirical fraction below ε agrees with the fitted CDF.
    const frac = errors.filter((e) => e <= eps).length / errors.length;
    expect(Math.abs(Math.exp(-r.nats) - frac)).toBeLessThan(0.02);
  });

  it('rejects fewer than 3 errors, non-positive errors, equal errors and a non-positive target', () => {
    expectCleanThrow(() => inductiveBias([0.1, 0.2], 0.05), 'INVALID_ARGUMENT');
    expectCleanThrow(() => inductiveBias([0.1, 0, 0.2], 0.05), 'INVALID_PARAMETER');
    expectCleanThrow(() => inductiveBias([0.1, 0.1, 0.1], 0.05), 'INVALID_ARGUMENT');
    expectCleanThrow(() => inductiveBias([0.1, 0.2, 0.3], 0), 'INVALID_PARAMETER');
    expectCleanThrow(() => inductiveBias([0.1, Number.NaN, 0.3], 0.1), 'NON_FINITE_INPUT');
  });
});
