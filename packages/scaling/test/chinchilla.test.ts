import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bootstrapFit, chinchilla, chinchillaFamily, chinchillaGrid, computeOptimal, extrapolationError, fitLaw, isoFlopCurve, isoLossCurve, kaplanND } from '../src/index.js';
import { logUniform, testRng } from './helpers.js';

// Epoch AI's replication values (Besiroglu et al. 2024) used as the synthetic truth.
const TRUTH = { A: 482.01, B: 2085.43, E: 1.817, alpha: 0.3478, beta: 0.3658 };
const L = (N: number, D: number) => TRUTH.E + TRUTH.A / N ** TRUTH.alpha + TRUTH.B / D ** TRUTH.beta;

function chinchillaLikeRuns(n: number, sigma: number, seed: number) {
  const r = testRng(seed);
  return Array.from({ length: n }, () => {
    const C = logUniform(r, 1.4e18, 1.3e22);
    const N = logUniform(r, 5.7e7, 1.6e10);
    const D = C / (6 * N);
    return { N, D, C, loss: L(N, D) * Math.exp(sigma * r.normal()) };
  });
}

describe('Chinchilla approach 3', () => {
  it('the start grid is Hoffmann/Epoch’s 4500 points', () => {
    expect(chinchillaGrid.length).toBe(4500);
    const uniq = (k: number) => [...new Set(chinchillaGrid.map((s) => s[k]))].sort((a, b) => a! - b!);
    expect(uniq(0)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(uniq(2)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(uniq(3)).toEqual([0, 0.5, 1, 1.5, 2]);
  });

  it('predict, formula and LaTeX follow E + A/N^α + B/D^β', () => {
    const law = chinchilla({ A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 });
    expect(law.predict({ N: 70e9, D: 1.4e12 })).toBeCloseTo(1.69 + 406.4 / 70e9 ** 0.34 + 410.7 / 1.4e12 ** 0.28, 14);
    expect(law.formula).toBe('L(N, D) = E + A / N^alpha + B / D^beta');
    expect(law.latex).toBe('L(N, D) = E + \\frac{A}{N^{\\alpha}} + \\frac{B}{D^{\\beta}}');
  });

  it('recovers the truth from 240 noiseless runs (every 9th grid start, tight tolerances; exponents to 1e-3)', () => {
    const runs = chinchillaLikeRuns(240, 0, 5);
    const fit = fitLaw(chinchillaFamily, runs, { gtol: 1e-9, ftol: 1e-15, starts: chinchillaGrid.filter((_, i) => i % 9 === 0) });
    expect(fit.starts.length).toBe(500);
    expect(fit.converged).toBe(true);
    expect(fit.params.alpha).toBeCloseTo(TRUTH.alpha, 3);
    expect(fit.params.beta).toBeCloseTo(TRUTH.beta, 3);
    expect(fit.params.E).toBeCloseTo(TRUTH.E, 3);
    expect(Math.abs(fit.params.A / TRUTH.A - 1)).toBeLessThan(0.01);
    expect(Math.abs(fit.params.B / TRUTH.B - 1)).toBeLessThan(0.01);
    expect(fit.objective).toBeLessThan(1e-12);
  });

  it('full 4500-start grid on 240 runs with 1% log-normal noise: α, β within 0.03, E within 0.05; seeded bootstrap CIs', () => {
    const runs = chinchillaLikeRuns(240, 0.01, 9);
    const b = bootstrapFit(chinchillaFamily, runs, { resamples: 40, seed: 3 });
    const p = b.fit.params;
    expect(Math.abs(p.alpha - TRUTH.alpha)).toBeLessThan(0.03);
    expect(Math.abs(p.beta - TRUTH.beta)).toBeLessThan(0.03);
    expect(Math.abs(p.E - TRUTH.E)).toBeLessThan(0.05);
    expect(b.fit.starts.length).toBe(4500);
    expect(b.laws.length + b.failed).toBe(40);
    for (const k of ['A', 'B', 'alpha', 'beta', 'E'] as const) {
      const ci = b.intervals[k];
      expect(ci.lo).toBeLessThanOrEqual(ci.median);
      expect(ci.median).toBeLessThanOrEqual(ci.hi);
      expect(ci.se).toBeGreaterThan(0);
      // The full-data estimate lies inside its own bootstrap interval (widened by one se).
      expect(p[k]).toBeGreaterThan(ci.lo - ci.se);
      expect(p[k]).toBeLessThan(ci.hi + ci.se);
    }
    // Same seed, same draws: the full fit from the winning grid start alone follows the same trajectory (and polish).
    const again = bootstrapFit(chinchillaFamily, runs, { resamples: 40, seed: 3, starts: [b.fit.starts[b.fit.bestStart]!.start] });
    expect(again.fit.theta).toEqual(b.fit.theta);
    expect(again.intervals.alpha).toEqual(b.intervals.alpha);
  });

  it('leave-k-out extrapolation error is small on clean data', () => {
    const runs = chinchillaLikeRuns(120, 0.002, 13);
    const ex = extrapolationError(chinchillaFamily, runs, { k: 10, starts: [[6, 7.6, 0.6, 0.35, 0.37], [5, 5, 0, 0.5, 0.5]] });
    expect(ex.heldOut.length).toBe(10);
    const minKept = Math.min(...runs.map((r) => r.C).sort((a, b) => a - b).slice(110));
    for (const h of ex.heldOut) expect(h.run.C).toBeGreaterThanOrEqual(minKept);
    expect(ex.meanRelativeError).toBeLessThan(0.01);
  });
});

describe('compute-optimal allocation', () => {
  const law = chinchilla({ A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 });
  it('closed form matches a brute-force search along 6ND = C', () => {
    const C = 5.76e23;
    const opt = computeOptimal(law, C);
    let best = { N: 0, L: Infinity };
    for (let u = Math.log(1e8); u < Math.log(1e13); u += 1e-4) {
      const N = Math.exp(u);
      const v = law.predict({ N, D: C / (6 * N) });
      if (v < best.L) best = { N, L: v };
    }
    expect(Math.abs(opt.N / best.N - 1)).toBeLessThan(2e-4);
    expect(opt.D * opt.N * 6).toBeCloseTo(C, -10);
    expect(opt.tokensPerParam).toBeCloseTo(opt.D / opt.N, 12);
    expect(opt.loss).toBeCloseTo(best.L, 8);
  });

  it("the TSDoc example's numbers are the closed form (Hoffmann et al. Eq. 4) at Hoffmann's rounded fit and C = 5.76e23", () => {
    // Independent closed form: minimize E + A/N^α + B/D^β on 6ND = C. With D = C/(6N), dL/dN = 0 gives
    // αA N^-α = βB D^-β, so N = G (C/6)^(β/(α+β)), D = (C/6)^(α/(α+β)) / G, G = (αA/(βB))^(1/(α+β)).
    const { A, B, E, alpha, beta } = { A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 };
    const C = 5.76e23;
    const G = ((alpha * A) / (beta * B)) ** (1 / (alpha + beta));
    const N = G * (C / 6) ** (beta / (alpha + beta));
    const D = (C / 6) ** (alpha / (alpha + beta)) / G;
    const L = E + A / N ** alpha + B / D ** beta;
    // The stationarity condition itself, as a check of the algebra above.
    expect(Math.abs((alpha * A) / N ** alpha / ((beta * B) / D ** beta) - 1)).toBeLessThan(1e-12);
    const opt = computeOptimal(chinchilla({ A, B, E, alpha, beta }), C);
    expect(opt.N / N - 1).toBeCloseTo(0, 12);
    expect(opt.D / D - 1).toBeCloseTo(0, 12);
    expect(opt.loss).toBeCloseTo(L, 12);
    // The numbers printed in computeOptimal's TSDoc example, to the digits printed.
    const src = readFileSync(new URL('../src/allocation.ts', import.meta.url), 'utf8');
    const doc = /computeOptimal\(chinchilla\(\{ A: 406\.4, B: 410\.7, E: 1\.69, alpha: 0\.34, beta: 0\.28 \}\), 5\.76e23\);\n \* \/\/ \{ N ≈ (\S+), D ≈ (\S+), tokensPerParam ≈ (\S+), loss ≈ (\S+) \}/.exec(src);
    expect(doc, 'example not found in the TSDoc').not.toBeNull();
    const [docN, docD, docTpp, docL] = doc!.slice(1).map(Number) as [number, number, number, number];
    const sig = (x: number, digits: number) => Number(x.toPrecision(digits));
    expect([docN, docD, docTpp, docL]).toEqual([sig(N, 3), sig(D, 3), sig(D / N, 3), sig(L, 4)]);
  });

  it('a user cost function: C = 6ND·(1 + 0.5) equals the 6ND optimum at C/1.5', () => {
    const C = 1e22;
    const custom = computeOptimal(law, C, { cost: (N, D) => 9 * N * D });
    const ref = computeOptimal(law, C / 1.5);
    expect(Math.abs(custom.N / ref.N - 1)).toBeLessThan(1e-6);
    expect(Math.abs(custom.D / ref.D - 1)).toBeLessThan(1e-6);
  });

  it('numeric path works for Kaplan L(N, D) (minimum along the iso-FLOP curve)', () => {
    const k = kaplanND();
    const opt = computeOptimal(k, 1e21);
    const curve = isoFlopCurve(k, 1e21, { points: 21 });
    for (const p of curve) expect(p.loss).toBeGreaterThanOrEqual(opt.loss - 1e-12);
    expect(curve.every((p) => Math.abs((6 * p.N * p.D) / 1e21 - 1) < 1e-9)).toBe(true);
  });

  it('iso-loss curve points reach the target loss', () => {
    const pts = isoLossCurve(law, 2.2, { points: 11 });
    expect(pts.length).toBeGreaterThan(3);
    for (const p of pts) expect(law.predict({ N: p.N, D: p.D })).toBeCloseTo(2.2, 9);
  });
});
