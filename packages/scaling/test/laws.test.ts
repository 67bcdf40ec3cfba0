// Recovery tests: data generated from known parameters with log-normal noise (σ = 0.5% in log space)
// are fitted back. References are written here from the papers' formulas, independent of src.
import { describe, expect, it } from 'vitest';
import {
  annealingAreas,
  annealingFamily,
  downstreamLog,
  downstreamLogFamily,
  fitLaw,
  kaplan,
  kaplanFamily,
  kaplanND,
  kaplanNDFamily,
  lossToLoss,
  lossToLossFamily,
  nmtFamily,
  nmtLaw,
  nmtOptimalSplit,
  powerLaw,
  powerLawFamily,
} from '../src/index.js';
import { logUniform, testRng } from './helpers.js';

const SIGMA = 0.005;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('law objects: predict, formula, LaTeX', () => {
  it('power law with constant: E + (x0/x)^alpha', () => {
    const law = powerLaw('N', { E: 1.7, x0: 1e7, alpha: 0.3 });
    expect(law.predict({ N: 1e9 })).toBeCloseTo(1.7 + (1e7 / 1e9) ** 0.3, 14);
    expect(law.formula).toBe('L(N) = E + (x0 / N)^alpha');
    expect(law.latex).toContain('\\alpha');
    expect(law.toString()).toBe('L(N) = 1.7 + (1e+7 / N)^0.3');
  });
  it('Kaplan defaults are the paper constants', () => {
    expect(kaplan('N').predict({ N: 1e9 })).toBeCloseTo((8.8e13 / 1e9) ** 0.076, 14);
    expect(kaplan('D').predict({ D: 1e10 })).toBeCloseTo((5.4e13 / 1e10) ** 0.095, 14);
    expect(kaplan('C').predict({ C: 1 })).toBeCloseTo(3.1e8 ** 0.05, 14);
    expect(kaplanND().predict({ N: 1e9, D: 2e10 })).toBeCloseTo(((6.4e13 / 1e9) ** (0.076 / 0.103) + 1.8e13 / 2e10) ** 0.103, 14);
  });
  it('downstream log law and NMT law follow their formulas', () => {
    expect(downstreamLog({ A: 1e-3, alpha: 0.5, beta: 1.5 }).predict({ Dp: 1e10 })).toBeCloseTo(Math.log(1e-3 * 1e10 ** 0.5) ** 1.5, 12);
    const nmt = nmtLaw({ NeRef: 1e8, NdRef: 2e8 }, { alpha: 0.8, pe: 0.2, pd: 0.35, Linf: 1.4 });
    expect(nmt.predict({ Ne: 3e8, Nd: 1e8 })).toBeCloseTo(0.8 * (1e8 / 3e8) ** 0.2 * (2e8 / 1e8) ** 0.35 + 1.4, 14);
    expect(nmtOptimalSplit({ pe: 0.2, pd: 0.3 }, 5e8)).toEqual({ Ne: 2e8, Nd: 3e8 });
    expect(lossToLoss({ K: 1.2, kappa: 0.9, Ex: 1.6, Ey: 1.9 }).predict({ Lx: 2.5 })).toBeCloseTo(1.2 * 0.9 ** 0.9 + 1.9, 14);
    // Outside the law's domain (L_x <= E_x) predict throws instead of returning NaN.
    expect(() => lossToLoss({ K: 1.2, kappa: 0.9, Ex: 1.6, Ey: 1.9 }).predict({ Lx: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_VALUE', argument: 'Lx' }));
  });
});

describe('recovery from synthetic data with log-normal noise', () => {
  it('power law with constant (60 runs): params within 5%', () => {
    const r = testRng(11);
    const truth = { E: 1.8, x0: 3e6, alpha: 0.34 };
    const runs = Array.from({ length: 60 }, () => {
      const N = logUniform(r, 1e6, 1e10);
      return { N, loss: (truth.E + (truth.x0 / N) ** truth.alpha) * Math.exp(SIGMA * r.normal()) };
    });
    const fit = fitLaw(powerLawFamily('N'), runs);
    expect(fit.converged).toBe(true);
    expect(rel(fit.params.E, truth.E)).toBeLessThan(0.05);
    expect(rel(fit.params.alpha, truth.alpha)).toBeLessThan(0.05);
    expect(rel(fit.params.x0, truth.x0)).toBeLessThan(0.3); // x0 = exp(a/α) amplifies exponent error
  });

  for (const v of ['N', 'D', 'C'] as const) {
    it(`Kaplan L(${v}) (30 runs): exponent within 2%, Xc within 20%`, () => {
      const r = testRng(20 + v.charCodeAt(0));
      const c = { N: 8.8e13, D: 5.4e13, C: 3.1e8 }[v];
      const a = { N: 0.076, D: 0.095, C: 0.05 }[v];
      const runs = Array.from({ length: 30 }, () => {
        const x = logUniform(r, v === 'C' ? 1e-3 : 1e6, v === 'C' ? 1e3 : 1e11);
        return { [v]: x, loss: (c / x) ** a * Math.exp(SIGMA * r.normal()) };
      });
      const fit = fitLaw(kaplanFamily(v), runs);
      const p = fit.params as Record<string, number>;
      expect(rel(p[`alpha${v}`]!, a)).toBeLessThan(0.02);
      expect(rel(p[`${v}c`]!, c)).toBeLessThan(0.2);
    });
  }

  it('Kaplan L(N, D) (120 runs): exponents within 5%', () => {
    const r = testRng(31);
    const t = { Nc: 6.4e13, Dc: 1.8e13, alphaN: 0.076, alphaD: 0.103 };
    const runs = Array.from({ length: 120 }, () => {
      const N = logUniform(r, 1e6, 1e10);
      const D = logUniform(r, 1e7, 1e12);
      return { N, D, loss: ((t.Nc / N) ** (t.alphaN / t.alphaD) + t.Dc / D) ** t.alphaD * Math.exp(0.002 * r.normal()) };
    });
    const fit = fitLaw(kaplanNDFamily, runs);
    expect(rel(fit.params.alphaN, t.alphaN)).toBeLessThan(0.05);
    expect(rel(fit.params.alphaD, t.alphaD)).toBeLessThan(0.05);
  });

  it('LR-annealing law on a WSD and a cosine curve: params within 5%', () => {
    const r = testRng(41);
    const t = { L0: 2.8, A: 0.45, alpha: 0.5, C: 0.6 };
    const steps = 2000;
    const peak = 1e-3;
    const wsd = Array.from({ length: steps }, (_, i) => peak * (i < 1600 ? 1 : 1 - (i - 1600) / 400));
    const cos = Array.from({ length: steps }, (_, i) => peak * 0.5 * (1 + Math.cos((Math.PI * i) / steps)));
    const runs: { S1: number; S2: number; loss: number }[] = [];
    for (const sched of [wsd, cos]) {
      const { S1, S2 } = annealingAreas(sched);
      for (let s = 49; s < steps; s += 50) {
        const L = t.L0 + t.A * S1[s]! ** -t.alpha - t.C * S2[s]!;
        runs.push({ S1: S1[s]!, S2: S2[s]!, loss: L * Math.exp(0.001 * r.normal()) });
      }
    }
    const fit = fitLaw(annealingFamily, runs);
    expect(rel(fit.params.L0, t.L0)).toBeLessThan(0.05);
    expect(rel(fit.params.A, t.A)).toBeLessThan(0.1);
    expect(rel(fit.params.alpha, t.alpha)).toBeLessThan(0.1);
    expect(rel(fit.params.C, t.C)).toBeLessThan(0.05);
  });

  it('loss-to-loss with fixed irreducible losses: K, kappa within 5%', () => {
    const r = testRng(51);
    const t = { K: 1.3, kappa: 0.8, Ex: 1.6, Ey: 1.9 };
    const pairs = Array.from({ length: 40 }, () => {
      const Lx = 1.7 + 2 * r.next();
      return { Lx, Ly: (t.K * (Lx - t.Ex) ** t.kappa + t.Ey) * Math.exp(SIGMA * r.normal()) };
    });
    const fit = fitLaw(lossToLossFamily({ Ex: t.Ex, Ey: t.Ey }), pairs, { target: 'Ly' });
    expect(fit.thetaNames).toEqual(['logK', 'kappa']);
    expect(rel(fit.params.K, t.K)).toBeLessThan(0.05);
    expect(rel(fit.params.kappa, t.kappa)).toBeLessThan(0.05);
    const free = fitLaw(lossToLossFamily(), pairs.map((p) => ({ ...p, Ly: (t.K * (p.Lx - t.Ex) ** t.kappa + t.Ey) })), { target: 'Ly' });
    expect(rel(free.params.kappa, t.kappa)).toBeLessThan(0.05);
    expect(rel(free.params.Ey, t.Ey)).toBeLessThan(0.05);
  });

  it('NMT encoder/decoder law (60 runs): exponents within 5%', () => {
    const r = testRng(61);
    const ref = { NeRef: 1e8, NdRef: 1e8 };
    const t = { alpha: 0.9, pe: 0.25, pd: 0.4, Linf: 1.3 };
    const runs = Array.from({ length: 60 }, () => {
      const Ne = logUniform(r, 1e7, 3e9);
      const Nd = logUniform(r, 1e7, 3e9);
      return { Ne, Nd, loss: (t.alpha * (ref.NeRef / Ne) ** t.pe * (ref.NdRef / Nd) ** t.pd + t.Linf) * Math.exp(SIGMA * r.normal()) };
    });
    const fit = fitLaw(nmtFamily(ref), runs);
    expect(rel(fit.params.pe, t.pe)).toBeLessThan(0.05);
    expect(rel(fit.params.pd, t.pd)).toBeLessThan(0.05);
    expect(rel(fit.params.Linf, t.Linf)).toBeLessThan(0.05);
  });

  it('downstream log law (30 runs): alpha, beta within 10%', () => {
    const r = testRng(71);
    const t = { A: 1e-2, alpha: 0.4, beta: 1.6 };
    const runs = Array.from({ length: 30 }, () => {
      const Dp = logUniform(r, 1e8, 1e12);
      return { Dp, bleu: Math.log(t.A * Dp ** t.alpha) ** t.beta * Math.exp(0.002 * r.normal()) };
    });
    const fit = fitLaw(downstreamLogFamily, runs, { target: 'bleu' });
    expect(rel(fit.params.alpha, t.alpha)).toBeLessThan(0.1);
    expect(rel(fit.params.beta, t.beta)).toBeLessThan(0.1);
    expect(fit.law.predict({ Dp: 1e13 })).toBeCloseTo(Math.log(t.A * 1e13 ** t.alpha) ** t.beta, 0);
  });
});
