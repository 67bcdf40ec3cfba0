// ICNN (SuSana Distancia) and Metrix (mixup for metric learning) against float64 loop references written
// from the formulas (the authors' `modified_score`, and `mixup_data` + `loss_posneg_mixup`).
import * as tf from '@tensorflow/tfjs-core';
import { type Expr, compile, ready } from '@losskit/core';
import { betaSampler, rng } from '@losskit/core/math';
import { checkGradient, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { contrastive, cosine, icnn, metrix } from '../src/index.js';
import { type Dist, type M, COS, EUC, contrastiveRef } from './reference.js';
import { errorCode, expectClose } from './helpers.js';

beforeAll(async () => {
  await ready();
});

const y = [1, 0, 2, 1, 0, 2, 1, 0, 3, 3];
const B = y.length;
const D = 4;
const E = f32(randomMatrix(B, D, 31));

const rows = (flat: Float64Array, n: number, d: number) => Array.from({ length: n }, (_, i) => Array.from(flat.slice(i * d, (i + 1) * d)));
const value = (expr: Expr<'sample' | 'batch', 'any'>, labels: number[], e: M) => {
  const v = compile(expr, { from: 'embeddings' })(labels, e);
  const out = v.dataSync()[0]!;
  v.dispose();
  return out;
};
const close = expectClose;
const code = errorCode;

type Case = [string, Expr<'batch', 'any'>, (e: M) => number];
/** For each case: the value equals its float64 reference, and the gradient passes a finite-difference check. */
function referenceSuite(cases: readonly Case[]): void {
  for (const [name, expr, ref] of cases) {
    it(`${name}: value equals the float64 loop reference`, () => {
      const r = ref(E);
      close(value(expr, y, E), r);
      expect(r).toBeGreaterThan(1e-3);
    });
    it(`${name}: finite-difference gradient`, () => {
      const loss = compile(expr, { from: 'embeddings' });
      const x = tf.tensor2d(E);
      const g = checkGradient((t) => loss(y, t), x, { reference: (f) => ref(rows(f, B, D)) });
      x.dispose();
      expect(g.ok, `worst ${g.worst} at ${g.worstIndex}`).toBe(true);
    });
  }
}

// ── ICNN score, float64, straight from the algorithm ──
function icnnRef(e: M, labels: number[], k0 = 4, ipc0?: number): number {
  const n = e.length;
  const eps = 1e-7;
  const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, x, j) => s + (x - b[j]!) ** 2, 0) + 1e-6);
  const gammaIsOne = k0 + 2 >= n;
  const k = gammaIsOne ? n - 2 : k0;
  const ipc = Math.min(ipc0 ?? k + 1, n - 1);
  let scSumTotal = 0;
  let scRows = 0;
  let dcRowsTotal = 0;
  let dcRows = 0;
  let sameTotal = 0;
  let anyDc = false;
  const perRow: { d: number[]; sc: boolean[] }[] = [];
  for (let i = 0; i < n; i++) {
    const order = [...Array(n).keys()].filter((j) => j !== i).sort((u, v) => dist(e[i]!, e[u]!) - dist(e[i]!, e[v]!) || u - v);
    const nb = order.slice(0, ipc);
    perRow.push({ d: nb.map((j) => dist(e[i]!, e[j]!)), sc: nb.map((j) => labels[j] === labels[i]) });
  }
  // global max of the different-class distances among the k nearest
  let dcMax = 0;
  for (const r of perRow) for (let m = 0; m < k; m++) if (!r.sc[m]) dcMax = Math.max(dcMax, r.d[m]!);
  for (const r of perRow) {
    const dcAll = r.d.filter((_, m) => !r.sc[m]);
    const nn = dcAll.length > 0 ? Math.min(...dcAll) : Infinity;
    const nd = r.d.slice(0, k).map((x) => (Number.isFinite(nn) ? x / (nn + eps) : 0));
    const scale = Math.max(1, ...nd);
    let scCount = 0;
    let scSum = 0;
    let dcCount = 0;
    let dcSum = 0;
    for (let m = 0; m < k; m++) {
      if (r.sc[m]) {
        scCount++;
        scSum += nd[m]! / scale;
      } else {
        dcCount++;
        dcSum += r.d[m]! / (dcMax + eps);
        anyDc = true;
      }
    }
    sameTotal += scCount;
    scSumTotal += scSum / (scCount + eps);
    if (scCount > 0) scRows++;
    dcRowsTotal += dcSum / (dcCount + eps);
    if (dcCount > 0) dcRows++;
  }
  const sclamb = 1 - scSumTotal / (scRows + eps);
  const dclamb = Math.abs(dcRowsTotal / (dcRows + eps) + (anyDc ? 0 : -1));
  const lambda = (sclamb + dclamb) / 2;
  const gamma = gammaIsOne ? 1 : sameTotal / k / n;
  return -Math.log((lambda + gamma) / 2);
}

// ── Metrix mixed-pair loss, float64 loops over all (a, p, n) triplets ──
function metrixRef(e: M, labels: number[], lam: number, pm: number, nm: number, d: Dist): number {
  let pos = 0;
  let nPos = 0;
  let neg = 0;
  let nNeg = 0;
  for (let a = 0; a < e.length; a++) {
    for (let p = 0; p < e.length; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      for (let n = 0; n < e.length; n++) {
        if (labels[n] === labels[a]) continue;
        const mixed = e[p]!.map((x, j) => lam * x + (1 - lam) * e[n]![j]!);
        const s = d.f(e[a]!, mixed);
        const lp = lam * Math.max(d.inv ? pm - s : s - pm, 0);
        const ln = (1 - lam) * Math.max(d.inv ? s - nm : nm - s, 0);
        if (lp > 0) {
          pos += lp;
          nPos++;
        }
        if (ln > 0) {
          neg += ln;
          nNeg++;
        }
      }
    }
  }
  return pos / Math.max(nPos, 1) + neg / Math.max(nNeg, 1);
}

describe('icnn (SuSana Distancia ICNN loss)', () => {
  const cases: Case[] = [
    ['k = 4 (defaults)', icnn(), (e) => icnnRef(e, y)],
    ['k = 3, ipc = 6', icnn({ k: 3, ipc: 6 }), (e) => icnnRef(e, y, 3, 6)],
    ['k + 2 ≥ B: k = B - 2, γ = 1', icnn({ k: 8 }), (e) => icnnRef(e, y, 8)],
  ];
  referenceSuite(cases);
  it('well-separated classes score higher (lower loss) than shuffled ones', () => {
    const sep = y.map((c, i) => [c * 10 + (i % 3) * 0.1, -c * 10, 0.1 * i, 1]);
    expect(value(icnn(), y, sep)).toBeLessThan(value(icnn(), y, E));
    close(value(icnn(), y, sep), icnnRef(sep, y));
  });
  it('edge cases: one class gives 0; identical embeddings stay finite', () => {
    const one = y.map(() => 0);
    close(value(icnn(), one, E), icnnRef(E, one));
    expect(value(icnn(), one, E)).toBeCloseTo(0, 6);
    const same = E.map(() => [0.5, -0.5, 1, 2]);
    const v = value(icnn(), y, same);
    expect(Number.isFinite(v)).toBe(true);
    close(v, icnnRef(same, y), 1e-4);
  });
  it('bad input: fewer than 3 embeddings, k < 1, ipc < k', () => {
    expect(code(() => value(icnn(), [0, 1], [[1, 2], [3, 4]]))).toBe('SHAPE_MISMATCH');
    expect(code(() => icnn({ k: 0 }))).toBe('INVALID_PARAMETER');
    expect(code(() => icnn({ k: 2.5 }))).toBe('INVALID_PARAMETER');
    expect(code(() => icnn({ k: 4, ipc: 2 }))).toBe('INVALID_PARAMETER');
  });
});

describe('metrix (Metrix mixed positive/negative pairs)', () => {
  const lam = 0.3;
  const cases: Case[] = [
    ['euclidean, m⁻ = 0.5 (defaults), λ = 0.3', metrix({ lambda: lam }), (e) => metrixRef(e, y, lam, 0, 0.5, EUC)],
    ['euclidean, m⁺ = 0.2, m⁻ = 2, λ = 0.7', metrix({ lambda: 0.7, posMargin: 0.2, negMargin: 2 }), (e) => metrixRef(e, y, 0.7, 0.2, 2, EUC)],
    ['cosine (similarity: m⁺ = 1, m⁻ = 0), λ = 0.3', metrix({ lambda: lam, distance: cosine() }), (e) => metrixRef(e, y, lam, 1, 0, COS)],
  ];
  referenceSuite(cases);
  it('λ ~ Beta(α, α) per call from the seeded sampler: the same draws give the reference values', () => {
    const loss = compile(metrix({ alpha: 0.4, seed: 7 }), { from: 'embeddings' });
    const draws = betaSampler(0.4, 0.4, rng(7));
    for (let call = 0; call < 3; call++) {
      const v = loss(y, E);
      close(v.dataSync()[0]!, metrixRef(E, y, draws(), 0, 0.5, EUC));
      v.dispose();
    }
  });
  it('the Beta sampler has mean 1/2 and variance 1/(4(2α+1))', () => {
    for (const alpha of [0.4, 2]) {
      const s = betaSampler(alpha, alpha, rng(3));
      const xs = Array.from({ length: 20000 }, s);
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
      expect(Math.abs(m - 0.5)).toBeLessThan(0.01);
      expect(Math.abs(v - 1 / (4 * (2 * alpha + 1)))).toBeLessThan(0.01);
      expect(xs.every((x) => x >= 0 && x <= 1)).toBe(true);
    }
  });
  it('added to the clean contrastive loss, as the paper trains', () => {
    const total = value(contrastive({ negMargin: 0.5 }).plus(metrix({ lambda: lam })), y, E);
    close(total, contrastiveRef(E, y, EUC, 0, 0.5, { kind: 'none' }) + metrixRef(E, y, lam, 0, 0.5, EUC));
  });
  it('edge cases: no negatives (one class) or no positives (all distinct) give 0', () => {
    expect(value(metrix({ lambda: lam }), y.map(() => 1), E)).toBe(0);
    expect(value(metrix({ lambda: lam }), y.map((_, i) => i), E)).toBe(0);
  });
  it('bad input: negative margin, λ outside [0, 1], α ≤ 0', () => {
    expect(code(() => metrix({ negMargin: -1 }))).toBe('INVALID_PARAMETER');
    expect(code(() => metrix({ lambda: 1.5 }))).toBe('INVALID_PARAMETER');
    expect(code(() => metrix({ alpha: 0 }))).toBe('INVALID_PARAMETER');
  });
});

describe('no tensor leaks', () => {
  it('icnn and metrix value and gradient over 50 calls', () => {
    const x = tf.tensor2d(E);
    const labels = tf.tensor1d(y, 'int32');
    for (const expr of [icnn(), metrix()]) {
      const loss = compile(expr, { from: 'embeddings' });
      expectNoLeaks(() => {
        for (let i = 0; i < 50; i++) {
          const r = loss.valueAndGrad(labels, x);
          tf.dispose([r.value, r.grad]);
        }
      });
    }
    tf.dispose([x, labels]);
  });
});
