// Reading-list laws: Kaplan's L(N, S_min) with B_crit and S_min ("Unraveling the Mystery of Scaling Laws: Part I"),
// the time-budget Chinchilla law ("Time Matters: Scaling Laws for Any Budget") and the SFT data-mixing law with its
// weight optimisation ("Data Mixing Optimization for Supervised Fine-Tuning of Large Language Models").
// References are float64 formulas written here from the papers, independent of src.
import { describe, expect, it } from 'vitest';
import {
  bestForTime,
  bootstrapFit,
  criticalBatch,
  criticalBatchFamily,
  fitLaw,
  fitStepTime,
  kaplanNS,
  kaplanNSFamily,
  lossTrajectory,
  minExamples,
  minSteps,
  optimizeMixture,
  parseRunsCsv,
  runsFromRecords,
  ScalingError,
  sftMixingFamily,
  sftMixingLaw,
  timeChinchilla,
  timeChinchillaFamily,
} from '../src/index.js';
import { logUniform, testRng } from './helpers.js';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScalingError);
    return `${(e as ScalingError).code}:${(e as ScalingError).argument}`;
  }
  return 'no error';
};
const rel = (a: number, b: number) => Math.abs(a / b - 1);

describe('Kaplan L(N, S_min), B_crit(L), S_min, E_min (Kaplan et al. 2020; Su et al. 2024)', () => {
  const T = { Nc: 6.5e13, Sc: 2.1e3, alphaN: 0.077, alphaS: 0.76 };
  const ref = (N: number, S: number) => (T.Nc / N) ** T.alphaN + (T.Sc / S) ** T.alphaS;

  it('kaplanNS() predicts (Nc/N)^αN + (Sc/S)^αS with Kaplan’s Table 3 constants', () => {
    for (const [N, S] of [
      [1e6, 1e3],
      [1e9, 1e5],
      [3e10, 2.5e4],
    ] as const) {
      expect(rel(kaplanNS().predict({ N, S }), ref(N, S))).toBeLessThan(1e-14);
    }
    expect(kaplanNS().toString()).toContain('6.5e+13');
  });

  it('fitLaw(kaplanNSFamily) recovers Nc, Sc, αN, αS to 1e-6 from 36 noise-free runs (1M–60M parameters, as Su et al.)', () => {
    const runs = [1e6, 3e6, 1e7, 2e7, 4e7, 6e7].flatMap((N) => [2e3, 5e3, 1e4, 3e4, 1e5, 3e5].map((S) => ({ N, S, loss: ref(N, S) })));
    const fit = fitLaw(kaplanNSFamily, runs);
    for (const k of ['Nc', 'Sc', 'alphaN', 'alphaS'] as const) expect(rel(fit.params[k], T[k])).toBeLessThan(1e-6);
    expect(fit.objective).toBeLessThan(1e-18);
  });

  it('kaplanNSFamily Jacobian matches central differences of its log prediction', () => {
    const theta = kaplanNSFamily.toTheta({ Nc: 3e12, Sc: 500, alphaN: 0.1, alphaS: 0.6 });
    const cols = [Float64Array.from([Math.log(1e7), Math.log(5e8)]), Float64Array.from([Math.log(3e3), Math.log(4e4)])];
    const out = new Float64Array(2);
    const jac = new Float64Array(8);
    kaplanNSFamily.logPredict(theta, cols, out, jac);
    for (let j = 0; j < 4; j++) {
      const h = 1e-6;
      const up = theta.slice();
      const dn = theta.slice();
      up[j]! += h;
      dn[j]! -= h;
      const o1 = new Float64Array(2);
      const o2 = new Float64Array(2);
      kaplanNSFamily.logPredict(up, cols, o1, new Float64Array(8));
      kaplanNSFamily.logPredict(dn, cols, o2, new Float64Array(8));
      for (let i = 0; i < 2; i++) expect(Math.abs((o1[i]! - o2[i]!) / (2 * h) - jac[4 * i + j]!)).toBeLessThan(1e-7);
    }
  });

  it('B_crit(L) = B*/L^(1/αB); fitLaw(criticalBatchFamily, target Bcrit) recovers B*, αB to 1e-9', () => {
    expect(rel(criticalBatch().predict({ L: 3 }), 2e8 / 3 ** (1 / 0.21))).toBeLessThan(1e-14);
    const truth = { Bstar: 3e7, alphaB: 0.25 };
    const pts = [2.4, 2.8, 3.2, 3.9, 4.5, 5.2].map((L) => ({ L, Bcrit: truth.Bstar / L ** (1 / truth.alphaB) }));
    const fit = fitLaw(criticalBatchFamily, pts, { target: 'Bcrit' });
    expect(rel(fit.params.Bstar, truth.Bstar)).toBeLessThan(1e-9);
    expect(rel(fit.params.alphaB, truth.alphaB)).toBeLessThan(1e-9);
  });

  it('S_min = S/(1 + B_crit/B), E_min = E/(1 + B/B_crit); S_min·E_min relation S·B = E at matching runs', () => {
    expect(minSteps(1e5, 1e6, 1e6)).toBe(5e4);
    expect(minExamples(2e10, 5e5, 1e6)).toBeCloseTo(2e10 / 1.5, 0);
    // McCandlish et al.: (S/S_min − 1)(E/E_min − 1) = 1 for the same run (E = S·B).
    const S = 3e4;
    const B = 7e5;
    const bc = 2.2e6;
    expect(Math.abs((S / minSteps(S, B, bc) - 1) * ((S * B) / minExamples(S * B, B, bc) - 1) - 1)).toBeLessThan(1e-12);
  });

  it('lossTrajectory solves L = L_NS(N, S_min(S, B, B_crit(L))) to 1e-12, decreasing in steps, → L_NS(N, S) as B → ∞', () => {
    const law = kaplanNS();
    const bc = criticalBatch();
    const steps = [1e3, 3e3, 1e4, 3e4, 1e5, 3e5];
    const Ls = lossTrajectory(law, { N: 1e8, batch: 2e5, steps });
    Ls.forEach((L, i) => {
      const sMin = steps[i]! / (1 + bc.params.Bstar / L ** (1 / bc.params.alphaB) / 2e5);
      expect(Math.abs(ref(1e8, sMin) - L) / L).toBeLessThan(1e-12);
      if (i > 0) expect(L).toBeLessThan(Ls[i - 1]!);
    });
    const big = lossTrajectory(law, { N: 1e8, batch: 1e30, steps: [1e4] })[0]!;
    expect(rel(big, ref(1e8, 1e4))).toBeLessThan(1e-9);
    // A smaller batch needs more steps for the same loss.
    expect(lossTrajectory(law, { N: 1e8, batch: 2e4, steps: [1e4] })[0]!).toBeGreaterThan(Ls[2]!);
  });

  it('bad input: typed errors naming the argument', () => {
    expect(code(() => kaplanNS({ Nc: -1, Sc: 1, alphaN: 1, alphaS: 1 }))).toBe('INVALID_PARAMETER:Nc');
    expect(code(() => minSteps(0, 1, 1))).toBe('INVALID_ARGUMENT:steps');
    expect(code(() => minExamples(1, Number.NaN, 1))).toBe('INVALID_ARGUMENT:batch');
    expect(code(() => lossTrajectory(kaplanNS(), { N: 1e8, batch: 1, steps: [] }))).toBe('INVALID_ARGUMENT:run.steps');
    expect(code(() => lossTrajectory(kaplanNS(), { N: 1e8, batch: 1, steps: [-1] }))).toBe('INVALID_VALUE:run.steps');
    expect(code(() => lossTrajectory({} as never, { N: 1, batch: 1, steps: [1] }))).toBe('INVALID_ARGUMENT:law');
    expect(code(() => kaplanNS().predict({ N: 0, S: 1 }))).toBe('INVALID_VALUE:N');
  });
});

describe('time-budget Chinchilla (Inbar & Sernau 2024, "Time Matters")', () => {
  const P = { A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 };
  const chin = (N: number, D: number) => P.E + P.A / N ** P.alpha + P.B / D ** P.beta;

  it('fitStepTime is ordinary least squares: exact on a line (R² = 1), matches the normal equations on noisy data', () => {
    const exact = fitStepTime([1, 2, 3, 5].map((x) => ({ proxy: x * 1e9, stepTime: 0.05 + 0.1e-9 * x * 1e9 })));
    expect(Math.abs(exact.intercept - 0.05)).toBeLessThan(1e-14);
    expect(rel(exact.slope, 1e-10)).toBeLessThan(1e-12);
    expect(exact.r2).toBeCloseTo(1, 14);
    const pts = [
      { proxy: 1, stepTime: 2.1 },
      { proxy: 2, stepTime: 3.9 },
      { proxy: 4, stepTime: 8.2 },
      { proxy: 5, stepTime: 9.8 },
    ];
    const m = fitStepTime(pts);
    // Normal equations by hand: slope = Σ(x−x̄)(y−ȳ)/Σ(x−x̄)², x̄ = 3, ȳ = 6.
    const slope = ((-2) * (2.1 - 6) + -1 * (3.9 - 6) + 1 * (8.2 - 6) + 2 * (9.8 - 6)) / (4 + 1 + 1 + 4);
    expect(Math.abs(m.slope - slope)).toBeLessThan(1e-14);
    expect(Math.abs(m.intercept - (6 - slope * 3))).toBeLessThan(1e-13);
    expect(m.predict(3)).toBeCloseTo(6, 12);
  });

  it('timeChinchilla.predict = Chinchilla at D = T·tokensPerStep/stepTime', () => {
    const law = timeChinchilla(P);
    expect(rel(law.predict({ N: 1e8, T: 3600, stepTime: 0.2, tokensPerStep: 5e5 }), chin(1e8, (3600 * 5e5) / 0.2))).toBeLessThan(1e-14);
  });

  it('fitLaw(timeChinchillaFamily) recovers the Chinchilla constants from wall-clock runs (noise-free, 1e-4)', () => {
    const runs = [3e7, 1e8, 3e8, 1e9].flatMap((N, i) =>
      [600, 3600, 36000].map((T, j) => {
        const stepTime = 0.05 + (N / 1e9) * (0.5 + 0.1 * j);
        const tokensPerStep = 2 ** (18 + i);
        return { N, T, stepTime, tokensPerStep, loss: chin(N, (T * tokensPerStep) / stepTime) };
      }),
    );
    const fit = fitLaw(timeChinchillaFamily, runs, { starts: [timeChinchillaFamily.toTheta(P).map((v) => v * 1.1), timeChinchillaFamily.toTheta(P).map((v) => v * 0.9)] });
    for (const k of ['A', 'B', 'E', 'alpha', 'beta'] as const) expect(rel(fit.params[k], P[k])).toBeLessThan(1e-4);
  });

  it('bestForTime ranks architectures by predicted loss: at equal N the faster-stepping one wins, and the ranking follows D', () => {
    const law = timeChinchilla(P);
    const st = fitStepTime([1, 2, 4].map((x) => ({ proxy: x, stepTime: 0.1 * x })));
    const ranked = bestForTime(law, 7200, st, [
      { name: 'deep', N: 2e8, proxy: 3, tokensPerStep: 5e5 },
      { name: 'wide', N: 2e8, proxy: 2, tokensPerStep: 5e5 },
      { name: 'tiny', N: 1e6, proxy: 1, tokensPerStep: 5e5 },
    ]);
    expect(ranked.map((r) => r.candidate.name)).toEqual(['wide', 'deep', 'tiny']);
    expect(rel(ranked[0]!.D, (7200 * 5e5) / 0.2)).toBeLessThan(1e-12);
    expect(rel(ranked[0]!.loss, chin(2e8, (7200 * 5e5) / 0.2))).toBeLessThan(1e-14);
  });

  it('bad input: typed errors', () => {
    expect(code(() => fitStepTime([{ proxy: 1, stepTime: 1 }]))).toBe('TOO_FEW_RUNS:measurements');
    expect(code(() => fitStepTime([{ proxy: 1, stepTime: 1 }, { proxy: 1, stepTime: 2 }]))).toBe('DEGENERATE_DATA:proxy');
    expect(code(() => fitStepTime([{ proxy: 1, stepTime: 0 }, { proxy: 2, stepTime: 2 }]))).toBe('INVALID_VALUE:stepTime');
    const st = fitStepTime([{ proxy: 1, stepTime: 1 }, { proxy: 2, stepTime: 2 }]);
    expect(code(() => st.predict(-5))).toBe('INVALID_VALUE:proxy');
    expect(code(() => bestForTime(timeChinchilla(P), 0, st, [{ N: 1, proxy: 1, tokensPerStep: 1 }]))).toBe('INVALID_ARGUMENT:T');
    expect(code(() => bestForTime(timeChinchilla(P), 1, st, []))).toBe('INVALID_ARGUMENT:candidates');
  });
});

describe('SFT data-mixing law and weight optimisation (Li, Liu & Xing 2025)', () => {
  const domains = [
    { K: 40, alpha: 0.35, C: 0.9, t: 0.02, beta: 0.9 },
    { K: 25, alpha: 0.3, C: 1.2, t: 0.2, beta: 0.7 },
    { K: 60, alpha: 0.45, C: 0.6, t: 0.005, beta: 1 },
  ];
  const refL = (p: (typeof domains)[number], ds: number, dOther: number) => p.C + p.K * (ds + p.t * dOther ** p.beta) ** -p.alpha;

  it('sftMixingLaw.predict = C + K·(Dself + t·Dother^β)^(−α); Dother = 0 reduces to the fine-tuning power law', () => {
    const law = sftMixingLaw(domains[0]!);
    expect(rel(law.predict({ Dself: 1e5, Dother: 3e5 }), refL(domains[0]!, 1e5, 3e5))).toBeLessThan(1e-14);
    expect(rel(law.predict({ Dself: 1e5, Dother: 0 }), 0.9 + 40 * 1e5 ** -0.35)).toBeLessThan(1e-14);
  });

  it('sftMixingFamily Jacobian matches central differences', () => {
    const theta = sftMixingFamily.toTheta(domains[1]!);
    const cols = [Float64Array.from([Math.log(2e4), Math.log(3e5)]), Float64Array.from([5e4, 0])];
    const out = new Float64Array(2);
    const jac = new Float64Array(10);
    sftMixingFamily.logPredict(theta, cols, out, jac);
    for (let j = 0; j < 5; j++) {
      const h = 1e-6;
      const up = theta.slice();
      const dn = theta.slice();
      up[j]! += h;
      dn[j]! -= h;
      const o1 = new Float64Array(2);
      const o2 = new Float64Array(2);
      sftMixingFamily.logPredict(up, cols, o1, new Float64Array(10));
      sftMixingFamily.logPredict(dn, cols, o2, new Float64Array(10));
      for (let i = 0; i < 2; i++) expect(Math.abs((o1[i]! - o2[i]!) / (2 * h) - jac[5 * i + j]!)).toBeLessThan(1e-7);
    }
  });

  it('fitLaw(sftMixingFamily) recovers each domain’s law from 20 small perturbed mixtures (predictions to 1e-6)', () => {
    const r = testRng(5);
    for (const p of domains) {
      const runs = Array.from({ length: 20 }, () => {
        const Dself = logUniform(r, 2e3, 2e5);
        const Dother = r.next() < 0.2 ? 0 : logUniform(r, 1e3, 4e5);
        return { Dself, Dother, loss: refL(p, Dself, Dother) };
      });
      const fit = fitLaw(sftMixingFamily, runs);
      for (const x of [
        { Dself: 5e5, Dother: 1e6 },
        { Dself: 1e4, Dother: 2e4 },
      ]) {
        expect(rel(fit.law.predict(x), refL(p, x.Dself, x.Dother))).toBeLessThan(1e-6);
      }
    }
  });

  it('optimizeMixture reaches the brute-force optimum over a 0.005 simplex grid (3 domains, budget 1e6)', () => {
    const laws = domains.map((p) => sftMixingLaw(p));
    const res = optimizeMixture(laws, 1e6);
    expect(Math.abs(res.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    const obj = (w: number[]) => w.reduce((s, wi, i) => s + refL(domains[i]!, wi * 1e6, (1 - wi) * 1e6), 0);
    let best = Infinity;
    let arg = [0, 0, 0];
    for (let a = 1; a < 200; a++) {
      for (let b = 1; a + b < 200; b++) {
        const w = [a / 200, b / 200, (200 - a - b) / 200];
        const v = obj(w);
        if (v < best) {
          best = v;
          arg = w;
        }
      }
    }
    expect(res.objective).toBeLessThanOrEqual(best + 1e-12);
    expect(Math.abs(res.objective - obj(res.weights))).toBeLessThan(1e-12);
    res.weights.forEach((w, i) => expect(Math.abs(w - arg[i]!)).toBeLessThan(0.006));
    // Importance shifts weight towards the domain that matters.
    const tilted = optimizeMixture(laws, 1e6, { importance: [1, 1, 5] });
    expect(tilted.weights[2]!).toBeGreaterThan(res.weights[2]!);
  });

  it('bad input: typed errors', () => {
    const laws = domains.map((p) => sftMixingLaw(p));
    expect(code(() => optimizeMixture([laws[0]!], 1e6))).toBe('INVALID_ARGUMENT:laws');
    expect(code(() => optimizeMixture(laws, -1))).toBe('INVALID_ARGUMENT:budget');
    expect(code(() => optimizeMixture(laws, 1e6, { importance: [1, 2] }))).toBe('INVALID_ARGUMENT:importance');
    expect(code(() => sftMixingLaw({ ...domains[0]!, alpha: 0 }))).toBe('INVALID_PARAMETER:alpha');
    expect(code(() => sftMixingLaw(domains[0]!).predict({ Dself: 1, Dother: -1 }))).toBe('INVALID_VALUE:Dother');
  });
});

describe('run tables for laws of other inputs, and bootstrapFit on the new families', () => {
  it('parseRunsCsv({ inputs }) reads N, S, loss without D; a missing input column is MISSING_COLUMN naming it', () => {
    const runs = parseRunsCsv('params,S,loss\n1e6,1000,5.1\n2e6,3000,4.2\n', { inputs: ['N', 'S'] });
    expect(runs[1]).toEqual({ N: 2e6, S: 3000, loss: 4.2 });
    expect(code(() => parseRunsCsv('N,loss\n1,2\n', { inputs: ['N', 'S'] }))).toBe('MISSING_COLUMN:S');
    expect(code(() => runsFromRecords([{ N: 1, loss: 1 }], { inputs: [] }))).toBe('INVALID_ARGUMENT:inputs');
    expect(runsFromRecords([{ Dself: 3, dother: 0, loss: 1 }], { inputs: ['Dself', 'Dother'] })[0]).toEqual({ Dself: 3, Dother: 0, loss: 1 });
  });

  it('bootstrapFit(kaplanNSFamily) on 1%-noise runs gives intervals that contain the truth (seeded)', () => {
    const r = testRng(9);
    const T = { Nc: 6.5e13, Sc: 2.1e3, alphaN: 0.077, alphaS: 0.76 };
    const runs = [1e6, 4e6, 1.6e7, 6e7].flatMap((N) => [3e3, 1e4, 3e4, 1e5].map((S) => ({ N, S, loss: ((T.Nc / N) ** T.alphaN + (T.Sc / S) ** T.alphaS) * Math.exp(0.01 * r.normal()) })));
    const b = bootstrapFit(kaplanNSFamily, runs, { resamples: 40, seed: 3 });
    for (const k of ['alphaN', 'alphaS'] as const) {
      expect(b.intervals[k].lo - b.intervals[k].se).toBeLessThan(T[k]);
      expect(b.intervals[k].hi + b.intervals[k].se).toBeGreaterThan(T[k]);
    }
  });
});
