import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectCleanThrowAsync, expectNoLeaks, expectNoLeaksAsync, rng } from '@losskit/core/testing';
import { LegendreTron, TemperatureScaling, ece, initLegendreLink, legendreLink, legendreLinkSize, legendreTronLoss, loadCalibrator, nll, type LegendreLinkShape } from '../src/index.js';
import { overconfident } from './data.js';

beforeAll(async () => {
  await ready();
});

// ---- Float64 reference, written from the paper's construction (not from src/) ----
// ψ⁻¹(v) = softmax⁺(∇F_B ∘ … ∘ ∇F_1(v)), F(x) = softplus(w1)·ICNN(x) + softplus(w0)·‖x‖²/2, with ICNN the CP-Flow ICNN3
// (khflam/legendretron lib/icnn.py, without ActNorm). ∇F is taken by central differences of the float64 potential, so
// the reference shares nothing with the written-out gradient of the implementation.
const sp = (t: number) => (t > 30 ? t : Math.log1p(Math.exp(t)));

function potential64(x: number[], th: ArrayLike<number>, off: number, s: LegendreLinkShape): number {
  const { dim: k, hidden: h, depth } = s;
  const half = h / 2;
  let o = off;
  const next = () => th[o++]!;
  const lin = (rows: number, cols: number, input: number[], positive = false) => {
    const W = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (positive ? sp(next()) : next())));
    return W.map((r) => r.reduce((acc, w, j) => acc + w * input[j]!, 0));
  };
  const a0x = lin(h, k, x);
  let z = a0x.map((v) => sp(v + next()));
  for (let l = 1; l < depth; l++) {
    const pz = lin(half, h, z, true).map((v) => v / h);
    const wx = lin(half, k, x);
    const hz = pz.map((v, i) => sp(v + wx[i]! + next()));
    const wx2 = lin(half, k, x);
    const aug = wx2.map((v) => sp(v + next()));
    z = [...hz, ...aug];
  }
  const pOut = lin(1, h, z, true)[0]! / h;
  const ax = lin(1, k, x)[0]!;
  const w1 = sp(next());
  const w0 = sp(next());
  return w1 * (pOut + ax) + (w0 * x.reduce((a, v) => a + v * v, 0)) / 2;
}

function blockSize64(s: LegendreLinkShape): number {
  const { dim: k, hidden: h, depth } = s;
  return h * k + h + (depth - 1) * ((h / 2) * h + 2 * ((h / 2) * k + h / 2)) + h + k + 2;
}

function link64(v: number[], th: ArrayLike<number>, s: LegendreLinkShape): number[] {
  let x = v;
  for (let b = 0; b < s.blocks; b++) {
    const off = b * blockSize64(s);
    x = x.map((_, i) => {
      const e = 1e-5 * Math.max(1, Math.abs(x[i]!));
      const xp = [...x];
      const xm = [...x];
      xp[i] = x[i]! + e;
      xm[i] = x[i]! - e;
      return (potential64(xp, th, off, s) - potential64(xm, th, off, s)) / (2 * e);
    });
  }
  const full = [...x, 0];
  const mx = Math.max(...full);
  const lse = mx + Math.log(full.reduce((a, t) => a + Math.exp(t - mx), 0));
  return full.map((t) => t - lse); // log-probabilities
}

function loss64(V: number[][], y: number[], th: ArrayLike<number>, s: LegendreLinkShape): number {
  return -V.reduce((acc, v, i) => acc + link64(v, th, s)[y[i]!]!, 0) / V.length;
}

const SHAPE: LegendreLinkShape = { dim: 2, hidden: 4, depth: 3, blocks: 2 };
// Fixed, float32-exact parameters: the seeded init with w1 raised so the ICNN term matters (softplus(w1) ≈ 1.31).
function fixedTheta(s: LegendreLinkShape, seed = 3): number[] {
  const th = initLegendreLink(s, seed).map((t) => Math.fround(2 * t));
  const size = blockSize64(s);
  for (let b = 0; b < s.blocks; b++) th[(b + 1) * size - 2] = 1;
  return th;
}
const V = [
  [0.5, -1],
  [2, 0.25],
  [-1.5, -0.75],
  [0, 0],
  [3, -2],
];
const Y = [0, 2, 1, 2, 0];

describe('LegendreTron link and loss', () => {
  it('legendreLinkSize counts the documented layout (h = 4, L = 3, B = 2, K = 2: 2 × 60)', () => {
    // per block: A0 8 + b0 4 + 2 × (P 8 + Wx 4 + bx 2 + Wx2 4 + bx2 2) + p 4 + a 2 + w1, w0 2 = 60
    expect(legendreLinkSize(SHAPE)).toBe(2 * 60);
    expect(initLegendreLink(SHAPE, 0)).toHaveLength(120);
  });

  it('initLegendreLink is seeded: same seed same θ, another seed another θ', () => {
    expect(initLegendreLink(SHAPE, 7)).toEqual(initLegendreLink(SHAPE, 7));
    expect(initLegendreLink(SHAPE, 7)).not.toEqual(initLegendreLink(SHAPE, 8));
  });

  it('link log-probabilities match the float64 reference to 2e-5 and rows sum to 1', () => {
    const th = fixedTheta(SHAPE);
    const out = expectNoLeaks(() =>
      tf.tidy(() => Array.from(legendreLink(tf.tensor2d(V), tf.tensor1d(th), SHAPE).dataSync())),
    );
    V.forEach((v, i) => {
      const ref = link64(v, th, SHAPE);
      ref.forEach((r, j) => expect(Math.abs(out[i * 3 + j]! - r)).toBeLessThan(2e-5));
      expect(Math.abs(ref.reduce((a, t) => a + Math.exp(t), 0) - 1)).toBeLessThan(1e-12);
    });
  });

  it('loss matches the float64 reference to 1e-5 relative', () => {
    const th = fixedTheta(SHAPE);
    const got = tf.tidy(() => legendreTronLoss(tf.tensor2d(V), Y, tf.tensor1d(th), SHAPE).dataSync()[0]!);
    const ref = loss64(V, Y, th, SHAPE);
    expect(Math.abs(got - ref) / ref).toBeLessThan(1e-5);
  });

  it('at the initial parameters the link is close to softmax⁺ (within 0.1 in log-probability)', () => {
    const th = initLegendreLink(SHAPE, 0);
    V.forEach((v) => {
      const full = [...v, 0];
      const lse = Math.log(full.reduce((a, t) => a + Math.exp(t), 0));
      link64(v, th, SHAPE).forEach((r, j) => expect(Math.abs(r - (full[j]! - lse))).toBeLessThan(0.1 * Math.max(1, Math.abs(full[j]! - lse))));
    });
  });

  it('gradient w.r.t. the scores matches finite differences of the float64 reference', () => {
    const th = fixedTheta(SHAPE);
    const tt = tf.tensor1d(th);
    const x = tf.tensor2d(V);
    const r = checkGradient((v) => legendreTronLoss(v as tf.Tensor2D, Y, tt, SHAPE), x, {
      reference: (flat) => loss64(V.map((_, i) => [flat[2 * i]!, flat[2 * i + 1]!]), Y, th, SHAPE),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    tf.dispose([tt, x]);
  });

  it('gradient w.r.t. every link parameter θ matches finite differences of the float64 reference', () => {
    const th = fixedTheta(SHAPE);
    const x = tf.tensor2d(V);
    const tt = tf.tensor1d(th);
    const r = checkGradient((t) => legendreTronLoss(x, Y, t as tf.Tensor1D, SHAPE), tt, { reference: (flat) => loss64(V, Y, flat, SHAPE) });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    tf.dispose([tt, x]);
  });

  it('is proper: over a 61 × 61 grid of v the expected loss under q = ψ⁻¹(v*) is smallest at v* (strictly)', () => {
    const th = fixedTheta(SHAPE);
    const grid: number[][] = [];
    for (let i = 0; i <= 60; i++) for (let j = 0; j <= 60; j++) grid.push([-3 + 0.1 * i, -3 + 0.1 * j]);
    const star = 33 * 61 + 25; // v* = (0.3, −0.5)
    const q = link64(grid[star]!, th, SHAPE).map(Math.exp);
    const lp = tf.tidy(() => Array.from(legendreLink(tf.tensor2d(grid), tf.tensor1d(th), SHAPE).dataSync()));
    const risk = grid.map((_, g) => -q.reduce((a, qy, y) => a + qy * lp[g * 3 + y]!, 0));
    const best = risk.indexOf(Math.min(...risk));
    expect(best).toBe(star);
    const second = Math.min(...risk.filter((_, g) => g !== star));
    expect(second).toBeGreaterThan(risk[star]!);
  });

  it('each block map ∇F is strongly monotone: ⟨∇F(x) − ∇F(y), x − y⟩ ≥ softplus(w0)·‖x − y‖² on 200 random pairs', () => {
    // With one block, log p_k − log p_C = ∇F(v)_k, so the implementation's gradient map is read off the link.
    const one: LegendreLinkShape = { dim: 3, hidden: 4, depth: 3, blocks: 1 };
    const th = fixedTheta(one, 9);
    const w0 = Math.log1p(Math.exp(th[th.length - 1]!));
    const u = rng(4);
    const pts = Array.from({ length: 400 }, () => [0, 0, 0].map(() => 6 * u() - 3));
    const lp = tf.tidy(() => Array.from(legendreLink(tf.tensor2d(pts), tf.tensor1d(th), one).dataSync()));
    const grad = (i: number) => [0, 1, 2].map((k) => lp[i * 4 + k]! - lp[i * 4 + 3]!);
    for (let i = 0; i < 400; i += 2) {
      const gx = grad(i);
      const gy = grad(i + 1);
      const d = pts[i]!.map((v, k) => v - pts[i + 1]![k]!);
      const inner = d.reduce((a, dk, k) => a + dk * (gx[k]! - gy[k]!), 0);
      const norm2 = d.reduce((a, dk) => a + dk * dk, 0);
      expect(inner).toBeGreaterThanOrEqual(w0 * norm2 - 1e-4);
    }
  });

  it('stays finite at scores ±1e30 (log-probabilities ≤ 0 and rows summing to 1)', () => {
    const th = initLegendreLink(SHAPE, 1);
    const out = tf.tidy(() => Array.from(legendreLink(tf.tensor2d([[1e30, -1e30], [-1e30, -1e30], [1e-30, 0]]), tf.tensor1d(th), SHAPE).dataSync()));
    for (let i = 0; i < 3; i++) {
      const row = out.slice(3 * i, 3 * i + 3);
      row.forEach((t) => expect(Number.isFinite(t) && t <= 0).toBe(true));
      expect(Math.abs(row.reduce((a, t) => a + Math.exp(t), 0) - 1)).toBeLessThan(1e-5);
    }
  });

  it('bad input raises typed errors and leaks nothing', () => {
    const th = tf.tensor1d(initLegendreLink(SHAPE, 0));
    const x = tf.tensor2d(V);
    const wide = tf.tensor2d([[1, 2, 3]]);
    const short = tf.tensor1d([1, 2]);
    const nan = tf.tensor2d([[Number.NaN, 0]]);
    const cases: [() => unknown, string, string][] = [
      [() => legendreTronLoss(wide, [0], th, SHAPE), 'SHAPE_MISMATCH', 'scores'],
      [() => legendreTronLoss(x, Y, short, SHAPE), 'SHAPE_MISMATCH', 'theta'],
      [() => legendreTronLoss(x, [0, 1, 2, 3, 0], th, SHAPE), 'LABEL_OUT_OF_RANGE', 'labels'],
      [() => legendreTronLoss(nan, [0], th, SHAPE), 'NON_FINITE_INPUT', 'scores'],
      [() => legendreTronLoss(short as unknown as tf.Tensor2D, [0], th, SHAPE), 'RANK_MISMATCH', 'scores'],
      [() => legendreLink(x, th, { ...SHAPE, hidden: 3 }), 'INVALID_PARAMETER', 'shape.hidden'],
      [() => legendreLinkSize({ ...SHAPE, depth: 0 }), 'INVALID_PARAMETER', 'shape.depth'],
      [() => legendreLink(x, th, null as unknown as LegendreLinkShape), 'INVALID_ARGUMENT', 'shape'],
      [() => initLegendreLink(SHAPE, Number.NaN), 'INVALID_PARAMETER', 'seed'],
    ];
    for (const [call, code, argument] of cases) expect(expectCleanThrow(call, code).argument).toBe(argument);
    tf.dispose([th, x, wide, short, nan]);
  });
});

// Scores from a misspecified link: true logits g (labels drawn from softmax(g)), reported s = 2g + 0.4 g³ (over-confident
// and non-linearly distorted, so no single temperature fixes it).
function distorted(n: number, seed: number) {
  const d = overconfident(n, 4, seed, 1);
  return { logits: d.truth.map((r) => r.map((g) => 2 * g + 0.4 * g ** 3)), labels: d.labels };
}

describe('LegendreTron calibrator', () => {
  it('fit on distorted scores lowers held-out NLL and ECE (and beats the uncalibrated model by > 20% in NLL)', async () => {
    const fit = distorted(3000, 11);
    const test = distorted(3000, 12);
    const lt = await expectNoLeaksAsync(() => LegendreTron.fit(fit.logits, fit.labels, { epochs: 40, seed: 0 }));
    const p = lt.transform(test.logits);
    const before = { nll: nll(test.logits, test.labels), ece: ece(test.logits, test.labels) };
    const after = { nll: nll(p, test.labels, { from: 'probs' }), ece: ece(p, test.labels, { from: 'probs' }) };
    const ts = TemperatureScaling.fit(fit.logits, fit.labels).transform(test.logits);
    const temp = { nll: nll(ts, test.labels, { from: 'probs' }), ece: ece(ts, test.labels, { from: 'probs' }) };
    console.log('LegendreTron e2e', JSON.stringify({ before, after, temperature: temp }));
    expect(after.nll).toBeLessThan(0.8 * before.nll);
    expect(after.ece).toBeLessThan(before.ece);
  }, 120_000);

  it('save/load round trip (own load and loadCalibrator) saves and transforms identically; tensors in, tensor out', async () => {
    const d = distorted(200, 5);
    const lt = await LegendreTron.fit(d.logits, d.labels, { epochs: 2, hidden: 2, depth: 2, blocks: 1 });
    const a = lt.transform(d.logits.slice(0, 20));
    expect(LegendreTron.load(lt.save()).save()).toBe(lt.save());
    expect(LegendreTron.load(lt.save()).transform(d.logits.slice(0, 20))).toEqual(a);
    expect(loadCalibrator(lt.save()).transform(d.logits.slice(0, 20))).toEqual(a);
    const t = tf.tensor2d(d.logits.slice(0, 20));
    const out = expectNoLeaks(() => tf.tidy(() => Array.from(lt.transform(t).dataSync())), 'transform');
    a.flat().forEach((v, i) => expect(Math.abs(out[i]! - v)).toBeLessThan(1e-6));
    a.forEach((r) => expect(Math.abs(r.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-5));
    t.dispose();
  }, 60_000);

  it('accepts probabilities (from: probs) and gives the same fit as their logits', async () => {
    const d = distorted(150, 6);
    const probs = d.logits.map((r) => {
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
    const a = (await LegendreTron.fit(d.logits, d.labels, { epochs: 2 })).transform(d.logits.slice(0, 5));
    const b = (await LegendreTron.fit(probs, d.labels, { epochs: 2, from: 'probs' })).transform(probs.slice(0, 5));
    a.flat().forEach((v, i) => expect(Math.abs(b.flat()[i]! - v)).toBeLessThan(1e-3));
  }, 60_000);

  it('fit and load reject bad input with typed errors and no leaks', async () => {
    const d = distorted(20, 7);
    await expectCleanThrowAsync(() => LegendreTron.fit(d.logits.map((r) => [r[0]!]), d.labels.map(() => 0)), 'SHAPE_MISMATCH');
    await expectCleanThrowAsync(() => LegendreTron.fit(d.logits, d.labels, { hidden: 3 }), 'INVALID_PARAMETER');
    await expectCleanThrowAsync(() => LegendreTron.fit(d.logits, d.labels, { learningRate: -1 }), 'INVALID_PARAMETER');
    await expectCleanThrowAsync(() => LegendreTron.fit(d.logits, d.labels.slice(1)), 'SHAPE_MISMATCH');
    const lt = await LegendreTron.fit(d.logits, d.labels, { epochs: 1, depth: 1, blocks: 1 });
    const bad = JSON.parse(lt.save());
    bad.state.theta = bad.state.theta.slice(1);
    expectCleanThrow(() => LegendreTron.load(bad), 'INVALID_ARGUMENT');
    expectCleanThrow(() => lt.transform([[1, 2]]), 'SHAPE_MISMATCH');
  }, 60_000);
});
