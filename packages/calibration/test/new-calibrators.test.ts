// Beta calibration, BBQ, near-isotonic regression, ENIR and Dirichlet calibration: float64 references written here from
// the papers (Kull et al. 2017; Naeini et al. 2015; Tibshirani et al. 2011; Naeini & Cooper 2016; Kull et al. 2019),
// optimality conditions of the fits, held-out ECE, save/load round trips and bad input.
import { ready } from '@losskit/core';
import { expectCleanThrow, logSoftmax, normal, rng, sigmoid, softmax } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { BBQ, BetaCalibration, DirichletCalibration, ENIR, MatrixScaling, NearIsotonicRegression, ece, loadCalibrator, nearIsotonicPath, nll } from '../src/index.js';
import { overconfident, probsRef, split } from './data.js';

beforeAll(async () => {
  await ready();
});

const data = overconfident(3000, 3, 8);
const [fitX, testX] = split(data.logits, 1500);
const [fitY, testY] = split(data.labels, 1500);

/** Binary data whose true calibration map is a beta map with (a, b, c). */
function betaData(n: number, seed: number, a: number, b: number, c: number) {
  const u = rng(seed);
  const s: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = 0.01 + 0.98 * u();
    s.push(v);
    y.push(u() < sigmoid(a * Math.log(v) - b * Math.log(1 - v) + c) ? 1 : 0);
  }
  return { probs: s.map((v) => [1 - v, v]), y, s };
}

describe('BetaCalibration (Kull et al. 2017, abm)', () => {
  it('recovers the generating (a, b, c) and the gradient of the mean log-loss vanishes at the fit', () => {
    const d = betaData(20000, 3, 2, 0.5, 0.3);
    const cal = BetaCalibration.fit(d.probs, d.y, { from: 'probs' });
    const { a, b, c } = cal.maps[0]!;
    expect(a).toBeCloseTo(2, 0);
    expect(b).toBeCloseTo(0.5, 0);
    expect(Math.abs(c - 0.3)).toBeLessThan(0.2);
    // First-order optimality, in float64 written from the model: Σ (σ(v) − y)·(ln s, −ln(1−s), 1) = 0.
    const g = [0, 0, 0];
    d.s.forEach((v, i) => {
      const r = sigmoid(a * Math.log(v) - b * Math.log(1 - v) + c) - d.y[i]!;
      g[0]! += r * Math.log(v);
      g[1]! -= r * Math.log(1 - v);
      g[2]! += r;
    });
    for (const x of g) expect(Math.abs(x / d.s.length)).toBeLessThan(1e-7);
    // abm: the midpoint m solves a ln m − b ln(1 − m) + c = 0.
    const m = cal.midpoints[0]!;
    expect(a * Math.log(m) - b * Math.log(1 - m) + c).toBeCloseTo(0, 9);
  });
  it('a negative coefficient is fixed at 0 and the rest refitted (monotone map)', () => {
    // Truth decreasing in ln s near 0 would need a < 0: p = σ(−ln s) is falling in s.
    const u = rng(4);
    const s = Array.from({ length: 4000 }, () => 0.01 + 0.98 * u());
    const y = s.map((v) => (u() < sigmoid(-1.5 * Math.log(v) - 2) ? 1 : 0));
    const cal = BetaCalibration.fit(s.map((v) => [1 - v, v]), y, { from: 'probs' });
    const { a, b } = cal.maps[0]!;
    expect(a).toBe(0);
    expect(b).toBeGreaterThanOrEqual(0);
    const out = cal.transform([0.1, 0.3, 0.6, 0.9].map((v) => [1 - v, v]));
    for (let k = 1; k < 4; k++) expect(out[k]![1]!).toBeGreaterThanOrEqual(out[k - 1]![1]! - 1e-15);
  });
  it('logits and probabilities give the same fit; [N, 1] logit scores equal [N, 2] logits', () => {
    const z = fitX.slice(0, 400).map((r) => [r[0]!, r[1]!]);
    const y = fitY.slice(0, 400).map((v) => (v === 1 ? 1 : 0));
    const fromLogits = BetaCalibration.fit(z, y).maps[0]!;
    const fromProbs = BetaCalibration.fit(probsRef(z), y, { from: 'probs' }).maps[0]!;
    const fromScore = BetaCalibration.fit(z.map((r) => [r[1]! - r[0]!]), y).maps[0]!;
    expect(fromLogits.a).toBeCloseTo(fromProbs.a, 5);
    expect(fromLogits.c).toBeCloseTo(fromProbs.c, 5);
    expect(fromScore.b).toBeCloseTo(fromLogits.b, 6);
  });
  it('multiclass one-vs-rest lowers held-out ECE and NLL; round trips', () => {
    const cal = BetaCalibration.fit(fitX, fitY);
    const out = cal.transform(testX);
    expect(ece(out, testY, { from: 'probs' })).toBeLessThan(ece(testX, testY) / 2);
    expect(nll(out, testY, { from: 'probs' })).toBeLessThan(nll(testX, testY));
    expect(loadCalibrator(cal.save()).save()).toBe(cal.save());
  });
});

/** log Γ by recurrence up to 20 and Stirling's series (independent of src/special.ts's Lanczos form). */
function lgammaRef(x: number): number {
  let shift = 0;
  while (x < 20) {
    shift -= Math.log(x);
    x += 1;
  }
  const inv = 1 / x;
  return shift + (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + inv / 12 - inv ** 3 / 360 + inv ** 5 / 1260 - inv ** 7 / 1680;
}

/** BBQ for one score column, from Naeini et al. (2015): equal-frequency models, BDeu marginal likelihood, model averaging. */
function bbqRef(s: number[], t: number[], x: number, C = 10, Np = 2): number {
  const n = s.length;
  const sorted = [...s].sort((a, b) => a - b);
  const lo = Math.max(1, Math.floor(Math.cbrt(n) / C));
  const hi = Math.min(n, Math.ceil(C * Math.cbrt(n)));
  const models: { ls: number; pred: number }[] = [];
  for (let B = lo; B <= hi; B++) {
    const e = [0, ...Array.from({ length: B - 1 }, (_, b) => (sorted[Math.floor(((b + 1) * n) / B) - 1]! + sorted[Math.floor(((b + 1) * n) / B)]!) / 2), 1];
    const bin = (v: number) => {
      for (let b = 0; b < B; b++) if (v <= e[b + 1]!) return b;
      return B - 1;
    };
    let ls = 0;
    let pred = 0;
    for (let b = 0; b < B; b++) {
      const idx = s.map((v, i) => (bin(v) === b ? i : -1)).filter((i) => i >= 0);
      const m = idx.filter((i) => t[i] === 1).length;
      const pb = Math.min(Math.max((e[b]! + e[b + 1]!) / 2, 1e-6), 1 - 1e-6);
      const al = (Np / B) * pb;
      const be = (Np / B) * (1 - pb);
      ls += lgammaRef(Np / B) - lgammaRef(idx.length + Np / B) + lgammaRef(m + al) - lgammaRef(al) + lgammaRef(idx.length - m + be) - lgammaRef(be);
      if (b === bin(x)) pred = (m + al) / (idx.length + al + be);
    }
    models.push({ ls, pred });
  }
  const mx = Math.max(...models.map((q) => q.ls));
  const w = models.map((q) => Math.exp(q.ls - mx));
  return models.reduce((a, q, k) => a + w[k]! * q.pred, 0) / w.reduce((a, b) => a + b, 0);
}

describe('BBQ (Naeini et al. 2015)', () => {
  it('equals the float64 reference per class (unnormalised)', () => {
    const z = fitX.slice(0, 200);
    const y = fitY.slice(0, 200);
    const P = probsRef(z);
    const cal = BBQ.fit(z, y, { normalize: false });
    const probe = probsRef(testX.slice(0, 20));
    const out = cal.transform(testX.slice(0, 20));
    for (let c = 0; c < 3; c++) {
      const s = P.map((r) => r[c]!);
      const t = y.map((v) => (v === c ? 1 : 0));
      probe.forEach((r, i) => expect(out[i]![c]!).toBeCloseTo(bbqRef(s, t, r[c]!), 10));
    }
  });
  it('lowers held-out ECE and round trips', () => {
    const cal = BBQ.fit(fitX, fitY);
    expect(ece(cal.transform(testX), testY, { from: 'probs' })).toBeLessThan(ece(testX, testY) / 2);
    expect(loadCalibrator(cal.save()).save()).toBe(cal.save());
    expect(cal.models[0]!.reduce((a, q) => a + q.weight, 0)).toBeCloseTo(1, 12);
  });
});

describe('near-isotonic regression path (Tibshirani et al. 2011)', () => {
  const objective = (beta: ArrayLike<number>, w: number[], yb: number[], lambda: number) => {
    let f = 0;
    for (let k = 0; k < w.length; k++) f += 0.5 * w[k]! * (yb[k]! - beta[k]!) ** 2;
    for (let k = 0; k + 1 < w.length; k++) f += lambda * Math.max(beta[k]! - beta[k + 1]!, 0);
    return f;
  };
  const u = rng(11);
  const g = normal(u);
  const w = Array.from({ length: 25 }, () => 1 + Math.floor(3 * u()));
  const yb = Array.from({ length: 25 }, (_, k) => k / 25 + 0.3 * g());
  const path = nearIsotonicPath(w, yb);
  it('starts at the means (λ = 0) and ends at the isotonic fit, with λ increasing', () => {
    expect(Array.from(path[0]!.values)).toEqual(yb);
    const end = path.at(-1)!.values;
    for (let k = 1; k < 25; k++) expect(end[k]!).toBeGreaterThanOrEqual(end[k - 1]! - 1e-12);
    for (let k = 1; k < path.length; k++) expect(path[k]!.lambda).toBeGreaterThanOrEqual(path[k - 1]!.lambda);
    // The isotonic fit is the weighted-L2 PAV solution: its block means and total mass are those of the data.
    const total = w.reduce((a, v, k) => a + v * end[k]!, 0);
    expect(total).toBeCloseTo(w.reduce((a, v, k) => a + v * yb[k]!, 0), 10);
  });
  it('every point of the path (knots and between) is a minimum: no random direction lowers the objective', () => {
    const r = rng(2);
    for (let k = 0; k < path.length; k++) {
      const knot = path[k]!;
      const next = path[k + 1]?.lambda ?? knot.lambda + 1;
      for (const lambda of [knot.lambda, (knot.lambda + next) / 2]) {
        const beta = knot.values.map((v, j) => v + knot.slopes[j]! * (lambda - knot.lambda));
        const f0 = objective(beta, w, yb, lambda);
        for (let trial = 0; trial < 20; trial++) {
          const d = Array.from({ length: 25 }, () => r() - 0.5);
          for (const h of [1e-3, 1e-5]) expect(objective(beta.map((v, j) => v + h * d[j]!), w, yb, lambda)).toBeGreaterThanOrEqual(f0 - 1e-12);
        }
      }
    }
  });
  it('NearIsotonicRegression with a λ beyond the path is isotonic regression; λ = 0 gives the per-score frequencies', () => {
    const z = fitX.slice(0, 300);
    const y = fitY.slice(0, 300);
    const big = NearIsotonicRegression.fit(z, y, { lambda: 1e9, normalize: false });
    for (const map of big.maps) for (let k = 1; k < map.y.length; k++) expect(map.y[k]!).toBeGreaterThanOrEqual(map.y[k - 1]! - 1e-12);
    const zero = NearIsotonicRegression.fit(z, y, { lambda: 0, normalize: false });
    const P = probsRef(z);
    const out = zero.transform(z);
    P.forEach((_, i) => expect(out[i]![0]).toBeCloseTo(y[i] === 0 ? 1 : 0, 12)); // distinct scores: each its own label
    expect(loadCalibrator(big.save()).save()).toBe(big.save());
  });
});

describe('ENIR (Naeini & Cooper 2016)', () => {
  it('is the BIC-weighted average of the path models (float64 weights written here)', () => {
    const z = fitX.slice(0, 150);
    const y = fitY.slice(0, 150);
    const cal = ENIR.fit(z, y, { normalize: false });
    const P = probsRef(z);
    const c = 1;
    const order = P.map((r, i) => [r[c]!, y[i] === c ? 1 : 0] as const).sort((a, b) => a[0] - b[0]);
    const path = nearIsotonicPath(order.map(() => 1), order.map((o) => o[1]));
    const bic = path.map((k) => {
      let ll = 0;
      order.forEach((o, j) => {
        const p = Math.min(Math.max(k.values[j]!, 1e-12), 1 - 1e-12);
        ll += o[1] ? Math.log(p) : Math.log(1 - p);
      });
      return -2 * ll + k.groups * Math.log(150);
    });
    const mn = Math.min(...bic);
    const w = bic.map((b) => Math.exp(-(b - mn) / 2));
    const W = w.reduce((a, b) => a + b, 0);
    order.forEach((_, j) => {
      const ref = path.reduce((a, k, q) => a + (w[q]! / W) * Math.min(Math.max(k.values[j]!, 0), 1), 0);
      expect(cal.maps[c]!.y[j]).toBeCloseTo(ref, 12);
    });
  });
  it('lowers held-out ECE and round trips', () => {
    const cal = ENIR.fit(fitX, fitY);
    expect(ece(cal.transform(testX), testY, { from: 'probs' })).toBeLessThan(ece(testX, testY) / 2);
    expect(loadCalibrator(cal.save()).save()).toBe(cal.save());
  });
});

describe('DirichletCalibration (Kull et al. 2019) vs MatrixScaling', () => {
  it('on probabilities it is matrix scaling of ln p (same parameters); on logits it maps log-softmax, not the logits', () => {
    const z = fitX.slice(0, 500);
    const y = fitY.slice(0, 500);
    const P = probsRef(z);
    const dir = DirichletCalibration.fit(z, y, { offDiagonalPenalty: 0.01, interceptPenalty: 0.01 });
    const ms = MatrixScaling.fit(P, y, { from: 'probs', offDiagonalPenalty: 0.01, interceptPenalty: 0.01 });
    dir.weights.forEach((v, k) => expect(v).toBeCloseTo(ms.weights[k]!, 4));
    const probe = testX.slice(0, 10);
    const a = dir.transform(probe);
    const b = ms.transform(probsRef(probe));
    a.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(b[i]![j]!, 5)));
    // Reference: softmax(W log-softmax(z) + b) in float64.
    probe.forEach((row, i) => {
      const lq = logSoftmax(row);
      const u = [0, 1, 2].map((k) => dir.bias[k]! + [0, 1, 2].reduce((s, j) => s + dir.weights[k * 3 + j]! * lq[j]!, 0));
      softmax(u).forEach((v, j) => expect(a[i]![j]!).toBeCloseTo(v, 12));
    });
    const onLogits = MatrixScaling.fit(z, y, { offDiagonalPenalty: 0.01, interceptPenalty: 0.01 });
    expect(Math.max(...onLogits.weights.map((v, k) => Math.abs(v - dir.weights[k]!)))).toBeGreaterThan(1e-3);
    expect(loadCalibrator(dir.save()).save()).toBe(dir.save());
  });
});

describe('bad input of the new calibrators', () => {
  it('typed errors', () => {
    expectCleanThrow(() => BetaCalibration.fit([[0.5, 0.6]], [0], { from: 'probs' }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => BetaCalibration.fit([[2]], [0], { from: 'probs' }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => BetaCalibration.fit([[0, 1]], [2]), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => BBQ.fit(fitX, fitY, { binRange: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => BBQ.fit(fitX, fitY, { priorStrength: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => NearIsotonicRegression.fit(fitX, fitY, { lambda: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => ENIR.fit([[Number.NaN, 0]], [0]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => DirichletCalibration.fit([[1], [2]], [0, 0]), 'SHAPE_MISMATCH');
    const bad = (kind: string, state: unknown) => JSON.stringify({ format: 'losskit-calibrator', version: 1, kind, from: 'logits', classes: 3, state });
    for (const k of ['beta', 'bbq', 'near-isotonic', 'enir', 'dirichlet']) expectCleanThrow(() => loadCalibrator(bad(k, {})), 'INVALID_ARGUMENT');
    expectCleanThrow(() => loadCalibrator(bad('beta', { maps: [{ a: -1, b: 0, c: 0 }, { a: 1, b: 1, c: 0 }, { a: 1, b: 1, c: 0 }] })), 'INVALID_ARGUMENT');
  });
});
