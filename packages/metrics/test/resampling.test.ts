import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { expectCleanThrow, normal, rng } from '@losskit/core/testing';
import { bootstrap632, cheapBootstrap, cheapBootstrapInterval, freeLunchBootstrap, multiBootstrap, multiplierBootstrapMean, multiplierWeights, studentTQuantile } from '../src/index.js';

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => {
  const m = mean(v);
  return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1));
};


beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

describe('cheap bootstrap', () => {
  it('interval is ψ̂ ± t_{B,0.975}·√(mean (ψ*_b − ψ̂)²) with B degrees of freedom', () => {
    const r = cheapBootstrapInterval(1, [1.2, 0.7]);
    const S = Math.sqrt(((0.2) ** 2 + (0.3) ** 2) / 2);
    expect(r.lower).toBeCloseTo(1 - 4.302652729749464 * S, 12); // t_{2, 0.975}
    expect(r.upper).toBeCloseTo(1 + 4.302652729749464 * S, 12);
    const one = cheapBootstrapInterval(0, [0.5]);
    expect(one.upper).toBeCloseTo(12.706204736174698 * 0.5, 10); // B = 1: Cauchy quantile tan(0.475π)
  });
  it('covers the mean of normal data at about the nominal rate with B = 1 (400 data sets)', () => {
    let covered = 0;
    for (let s = 0; s < 400; s++) {
      const z = normal(rng(1000 + s));
      const x = Array.from({ length: 40 }, () => z());
      const r = cheapBootstrap(x.length, (idx) => mean(idx.map((i) => x[i]!)), { resamples: 1, seed: s });
      if (r.lower <= 0 && 0 <= r.upper) covered++;
    }
    // 95% nominal; a binomial(400, 0.95) has sd 4.4, so the rate lies in [0.9, 0.99] unless the method is wrong.
    expect(covered / 400).toBeGreaterThan(0.9);
    expect(covered / 400).toBeLessThan(0.995);
  });
});

describe('multiplier bootstrap', () => {
  it.each(['gaussian', 'exponential', 'poisson', 'double-or-nothing'] as const)('%s weights have mean 1 and the variance of their law', (d) => {
    const w = multiplierWeights(40000, { distribution: d, seed: 7, sigma: 0.5 });
    const v = d === 'gaussian' ? 0.25 : 1;
    expect(mean(w)).toBeCloseTo(1, 1);
    expect(sd(w) ** 2).toBeCloseTo(v, 1);
    if (d === 'double-or-nothing') expect(new Set(w)).toEqual(new Set([0, 2]));
    if (d === 'poisson') expect(w.every(Number.isInteger)).toBe(true);
  });
  it('the MBE mean is the weighted mean of the values and the two pseudo-rewards', () => {
    const x = [1, 0, 1, 1];
    const w = multiplierWeights(6, { seed: 3, distribution: 'exponential' });
    const want = (w[0]! + w[2]! + w[3]! + 0.5 * w[5]!) / (w[0]! + w[1]! + w[2]! + w[3]! + 0.5 * (w[4]! + w[5]!));
    expect(multiplierBootstrapMean(x, { seed: 3, distribution: 'exponential', pseudoWeight: 0.5 })).toBeCloseTo(want, 14);
  });
});

describe('freeLunchBootstrap', () => {
  it('standard error of a mean matches s/√n (γ = 1 and γ = 0.5, m = n and m = n/2)', () => {
    const z = normal(rng(5));
    const x = Array.from({ length: 200 }, () => 3 + 2 * z());
    const se = sd(x) / Math.sqrt(x.length);
    for (const [gamma, m] of [[1, 200], [0.5, 200], [1, 100]] as const) {
      const r = freeLunchBootstrap([0], (t, idx) => [t[0]! - mean(idx.map((i) => x[i]!))], () => [[1]], { n: 200, batchSize: m, stepSize: gamma, draws: 4000, seed: 2 });
      expect(r.estimate[0]).toBeCloseTo(mean(x), 1);
      expect(r.standardErrors[0]! / se).toBeGreaterThan(0.9);
      expect(r.standardErrors[0]! / se).toBeLessThan(1.1);
    }
  });
  it('least-squares standard errors match the closed form σ̂²(XᵀX)⁻¹ (sandwich-free, homoskedastic data)', () => {
    const u = rng(9);
    const z = normal(u);
    const n = 300;
    const xs = Array.from({ length: n }, () => z());
    const ys = xs.map((v) => 1 + 2 * v + 0.5 * z());
    // loss_i = ½(y_i − a − b x_i)²: mean gradient and Hessian over the batch.
    const grad = (t: number[], idx: number[]) => {
      let ga = 0;
      let gb = 0;
      for (const i of idx) {
        const r = ys[i]! - t[0]! - t[1]! * xs[i]!;
        ga -= r;
        gb -= r * xs[i]!;
      }
      return [ga / idx.length, gb / idx.length];
    };
    const hess = (_t: number[], idx: number[]) => {
      let sx = 0;
      let sxx = 0;
      for (const i of idx) {
        sx += xs[i]!;
        sxx += xs[i]! ** 2;
      }
      return [[1, sx / idx.length], [sx / idx.length, sxx / idx.length]];
    };
    const r = freeLunchBootstrap([0, 0], grad, hess, { n, draws: 4000, seed: 1 });
    const mx = mean(xs);
    const sxx = xs.reduce((s, v) => s + (v - mx) ** 2, 0);
    const b = xs.reduce((s, v, i) => s + (v - mx) * (ys[i]! - mean(ys)), 0) / sxx;
    const a = mean(ys) - b * mx;
    const s2 = ys.reduce((s, y, i) => s + (y - a - b * xs[i]!) ** 2, 0) / (n - 2);
    const seB = Math.sqrt(s2 / sxx);
    const seA = Math.sqrt(s2 * (1 / n + (mx * mx) / sxx));
    expect(r.estimate[1]).toBeCloseTo(b, 1);
    expect(r.standardErrors[0]! / seA).toBeGreaterThan(0.88);
    expect(r.standardErrors[0]! / seA).toBeLessThan(1.12);
    expect(r.standardErrors[1]! / seB).toBeGreaterThan(0.88);
    expect(r.standardErrors[1]! / seB).toBeLessThan(1.12);
  });
  it('a singular Hessian is a typed error', () => {
    expectCleanThrow(() => freeLunchBootstrap([0, 0], () => [0, 0], () => [[1, 1], [1, 1]], { n: 5 }), 'NON_FINITE_OUTPUT');
  });
});

describe('multiBootstrap', () => {
  const labels = [0, 1, 1, 0, 1, 0, 1, 1];
  const acc = (y: number[], p: number[]) => y.filter((v, i) => v === p[i]).length / y.length;
  const base = [[0, 1, 1, 0, 0, 0, 1, 0], [0, 1, 0, 0, 1, 0, 1, 1]];
  const expt = [[0, 1, 1, 0, 1, 0, 1, 1], [0, 1, 1, 1, 1, 0, 1, 1]];
  it('without resampling, every sample is the mean over seeds of the full-data score', () => {
    const r = multiBootstrap(base, labels, acc, { intervention: expt, sampleSeeds: false, sampleExamples: false, resamples: 5 });
    const b = (acc(labels, base[0]!) + acc(labels, base[1]!)) / 2;
    const e = (acc(labels, expt[0]!) + acc(labels, expt[1]!)) / 2;
    expect(r.samples.every(([x, y]) => x === b && y === e)).toBe(true);
    expect(r.delta!.mean).toBeCloseTo(e - b, 15);
    expect(r.delta!.p).toBe(1 / 5);
  });
  it('reproduces an independent re-implementation of the procedure with the same random stream', () => {
    const B = 50;
    const r = multiBootstrap(base, labels, acc, { intervention: expt, resamples: B, seed: 3 });
    const u = rng(3);
    const draw = (k: number) => Array.from({ length: k }, () => Math.floor(u() * k));
    for (let it = 0; it < B; it++) {
      const bs = draw(2);
      const es = draw(2);
      const jj = draw(labels.length);
      const side = (runs: number[][], seeds: number[]) => mean(seeds.map((s) => acc(jj.map((j) => labels[j]!), jj.map((j) => runs[s]![j]!))));
      expect(r.samples[it]![0]).toBeCloseTo(side(base, bs), 14);
      expect(r.samples[it]![1]).toBeCloseTo(side(expt, es), 14);
    }
  });
});

describe('bootstrap632', () => {
  const y = [0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1];
  it('a perfect classifier scores 1 with every method', () => {
    for (const method of ['.632', '.632+', 'oob'] as const) expect(bootstrap632(y, () => y, { method, splits: 20 }).every((v) => v === 1)).toBe(true);
  });
  it('.632 blends OOB and resubstitution errors 0.632 : 0.368 on the drawn rounds', () => {
    const pred = y.map((v, i) => (i % 3 === 0 ? 1 - v : v)); // fixed predictions: 4 of 12 wrong
    const oob = bootstrap632(y, () => pred, { method: 'oob', splits: 30, seed: 5 });
    const s632 = bootstrap632(y, () => pred, { method: '.632', splits: 30, seed: 5 });
    oob.forEach((a, r) => expect(s632[r]).toBeCloseTo(1 - (0.632 * (1 - a) + 0.368 * (4 / 12)), 14));
  });
  it('.632+ uses w = 0.632/(1 − 0.368R) with R from the no-information rate', () => {
    // A model that memorises its bootstrap sample and guesses 0 elsewhere.
    const fit = (train: number[]) => {
      const seen = new Set(train);
      return y.map((v, i) => (seen.has(i) ? v : 0));
    };
    const plus = bootstrap632(y, fit, { method: '.632+', splits: 10, seed: 2 });
    const oob = bootstrap632(y, fit, { method: 'oob', splits: 10, seed: 2 });
    const u = rng(2);
    plus.forEach((v, r) => {
      const train = Array.from({ length: y.length }, () => Math.floor(u() * y.length));
      const p = fit(train);
      const errTrain = p.filter((x, i) => x !== y[i]).length / y.length;
      const errOob = 1 - oob[r]!;
      const pk = [0, 1].map((c) => y.filter((x) => x === c).length / y.length);
      const qk = [0, 1].map((c) => p.filter((x) => x === c).length / y.length);
      const gamma = 1 - (pk[0]! * qk[0]! + pk[1]! * qk[1]!);
      const R = Math.min(1, Math.max(0, (errOob - errTrain) / (gamma - errTrain)));
      const w = 0.632 / (1 - 0.368 * R);
      expect(v).toBeCloseTo(1 - (w * errOob + (1 - w) * errTrain), 14);
    });
  });
});

it('studentTQuantile is used with B degrees of freedom (B = 3: SciPy 3.1824463052837078)', () => {
  expect(studentTQuantile(0.975, 3)).toBeCloseTo(3.1824463052837078, 12);
});
