import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, compile, ready } from '@losskit/core';
import { f32, logSigmoid, logSoftmax, randomMatrix, softmax } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { aggregateResponseLoss, bagLevelLoss, brierScore, easyLlp, instanceLevelLoss, logScore, neuralNdcg, sphericalScore } from '../src/index.js';
import { type M, suite, } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

// ── float64 references written from the papers' formulas ─────────────────────
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;


// ── aggregate responses ───────────────────────────────────────────────────────
const bags = [0, 0, 1, 1, 1, 2];
const preds = f32(randomMatrix(6, 1, 51, 1));
const responses = [[0.5], [0.5], [-1], [-1], [-1], [2]];
const bagOf = (x: M, i: number) => bags.map((b, j) => (b === bags[i] ? j : -1)).filter((j) => j >= 0).map((j) => x[j]![0]!);
const aggRef = (rho: number) => (x: M) =>
  mean(x.map((r, i) => { const fbar = mean(bagOf(x, i)); return (responses[i]![0]! - fbar) ** 2 + rho * (r[0]! - fbar) ** 2; }));
for (const rho of [0, 0.4, 1]) {
  suite({ name: `aggregateResponseLoss({ rho: ${rho} })`, loss: compile(aggregateResponseLoss({ rho })), yTrue: responses, x: preds, opts: { inputs: { bag: bags } }, ref: aggRef(rho) });
}
it('instance-level = bag-level + within-bag variance = mean of (ȳ_bag − f_i)²', () => {
  const inst = compile(instanceLevelLoss())(responses, preds, { inputs: { bag: bags } });
  const bag = compile(bagLevelLoss())(responses, preds, { inputs: { bag: bags } });
  const direct = mean(preds.map((r, i) => (responses[i]![0]! - r[0]!) ** 2));
  expect(Math.abs(inst.dataSync()[0]! - direct) / direct).toBeLessThan(1e-5);
  expect(bag.dataSync()[0]!).toBeLessThan(inst.dataSync()[0]!);
  inst.dispose();
  bag.dispose();
});

// ── EasyLLP ───────────────────────────────────────────────────────────────────
{
  const k = 4;
  const prior = 0.3;
  const z = f32(randomMatrix(6, 1, 52, 1.5));
  const alpha = [[0.25], [0.5], [0], [1], [0.75], [0.5]];
  const loss1 = (zz: number) => -logSigmoid(zz);
  const loss0 = (zz: number) => -logSigmoid(-zz);
  const ref = (x: M) => mean(x.map((r, i) => { const yt = k * (alpha[i]![0]! - prior) + prior; return yt * loss1(r[0]!) + (1 - yt) * loss0(r[0]!); }));
  suite({ name: 'easyLlp({ prior: 0.3, bagSize: 4 })', loss: compile(easyLlp({ prior, bagSize: k })), yTrue: alpha, x: z, ref });
  suite({ name: 'easyLlp({ prior: 0.3 }) with per-sample bag sizes', loss: compile(easyLlp({ prior })), yTrue: alpha, x: z, opts: { inputs: { bagSize: new Array(6).fill(k) } }, ref });
  it('is unbiased: its expectation over bag mates equals the instance log loss', () => {
    const loss = compile(easyLlp({ prior, bagSize: k }), { reduction: 'none' });
    for (const y of [0, 1]) {
      for (const zz of [-1.2, 0.4, 2]) {
        // Bag mates' labels are i.i.d. Bernoulli(prior): S ~ Bin(k − 1, prior), α = (y + S)/k.
        let expected = 0;
        for (let s = 0; s < k; s++) {
          const comb = [1, 3, 3, 1][s]!;
          const pr = comb * prior ** s * (1 - prior) ** (k - 1 - s);
          const v = loss([[(y + s) / k]], [[zz]]);
          expected += pr * v.dataSync()[0]!;
          v.dispose();
        }
        const want = y === 1 ? loss1(zz) : loss0(zz);
        expect(Math.abs(expected - want)).toBeLessThan(1e-5);
      }
    }
  });
}

// ── NeuralNDCG (reference: allRank's neuralNDCG with deterministic NeuralSort and Sinkhorn) ───────────
function neuralNdcgRef(scores: M, rel: M, tau: number, k: number | undefined, sinkhornIters: number): number {
  const out = scores.map((s, b) => {
    const n = s.length;
    const kk = k ?? n;
    let P = Array.from({ length: n }, (_, i) =>
      softmax(s.map((sj) => ((n + 1 - 2 * (i + 1)) * sj - s.reduce((a, sk) => a + Math.abs(sj - sk), 0)) / tau)),
    );
    for (let it = 0; it < sinkhornIters; it++) {
      const colSums = Array.from({ length: n }, (_, j) => Math.max(P.reduce((a, row) => a + row[j]!, 0), 1e-10));
      P = P.map((row) => row.map((v, j) => v / colSums[j]!));
      P = P.map((row) => { const rs = Math.max(row.reduce((a, v) => a + v, 0), 1e-10); return row.map((v) => v / rs); });
      const rowErr = Math.max(...P.map((row) => Math.abs(row.reduce((a, v) => a + v, 0) - 1)));
      const colErr = Math.max(...Array.from({ length: n }, (_, j) => Math.abs(P.reduce((a, row) => a + row[j]!, 0) - 1)));
      if (rowErr < 1e-6 && colErr < 1e-6) break;
    }
    const g = rel[b]!.map((y) => 2 ** y - 1);
    const disc = (j: number) => 1 / Math.log2(j + 2);
    let dcg = 0;
    for (let j = 0; j < kk; j++) dcg += P[j]!.reduce((a, v, i) => a + v * g[i]!, 0) * disc(j);
    const ideal = [...g].sort((a, c) => c - a);
    let idcg = 0;
    for (let j = 0; j < kk; j++) idcg += ideal[j]! * disc(j);
    return idcg === 0 ? 0 : -dcg / idcg;
  });
  return mean(out);
}
{
  const scores = f32(randomMatrix(4, 5, 53, 1));
  const rel = [[3, 0, 1, 2, 0], [0, 0, 1, 0, 0], [2, 2, 0, 1, 4], [0, 1, 0, 0, 3]];
  suite({ name: 'neuralNdcg({ tau: 1 }) with Sinkhorn', loss: compile(neuralNdcg({ tau: 1 })), yTrue: rel, x: scores, ref: (x) => neuralNdcgRef(x, rel, 1, undefined, 50) });
  suite({ name: 'neuralNdcg({ tau: 0.5, k: 3, sinkhorn: 0 })', loss: compile(neuralNdcg({ tau: 0.5, k: 3, sinkhorn: 0 })), yTrue: rel, x: scores, ref: (x) => neuralNdcgRef(x, rel, 0.5, 3, 0) });
  it('neuralNdcg tends to −NDCG of the hard sort as τ → 0, and gives 0 for a slate without relevant items', () => {
    const s = [[0.9, 0.1, 0.5]];
    const r = [[1, 3, 2]];
    const v = compile(neuralNdcg({ tau: 1e-3 }))(r, s);
    const g = [1, 7, 3];
    const dcg = g[0]! / Math.log2(2) + g[2]! / Math.log2(3) + g[1]! / Math.log2(4);
    const idcg = 7 / Math.log2(2) + 3 / Math.log2(3) + 1 / Math.log2(4);
    expect(v.dataSync()[0]!).toBeCloseTo(-dcg / idcg, 4);
    const zero = compile(neuralNdcg())([[0, 0, 0]], s);
    expect(zero.dataSync()[0]).toBe(0);
    v.dispose();
    zero.dispose();
  });
}

describe('neuralNdcg cost is bounded (issue #17: valueAndGrad at [29, 268] ran 9-60 s, then aborted the WASM runtime)', () => {
  const B = 29;
  const n = 268;
  const rel = Array.from({ length: B }, (_, i) => Array.from({ length: n }, (_, j) => (i * 7 + j * 13) % 5));
  const scores = f32(randomMatrix(B, n, 55, 1));
  it('valueAndGrad at [29, 268] (50 Sinkhorn rounds) completes with a finite value and gradient, peak tensor memory under 32 [B, n, n] buffers, and leaks nothing', async () => {
    const loss = compile(neuralNdcg({ tau: 1 }));
    const x = tf.tensor2d(scores);
    const before = tf.memory().numTensors;
    let v = Number.NaN;
    let g: Float32Array | Int32Array | Uint8Array = new Float32Array(0);
    // Peak bytes, not time: the unrolled autodiff it replaces kept a [B, n, n] gradient per Sinkhorn round alive
    // (over 2 GB here) until the WASM heap ran out. Speed is measured in the bench, not here.
    const info = await tf.profile(() => {
      const r = loss.valueAndGrad(rel, x);
      v = r.value.dataSync()[0]!;
      g = r.grad.dataSync();
      tf.dispose([r.value, r.grad]);
    });
    const cube = 4 * scores.length * scores[0]!.length ** 2;
    expect(info.peakBytes).toBeLessThan(32 * cube);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThanOrEqual(-1);
    expect(v).toBeLessThan(0);
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
  });
  it('rejects a batch whose B·n² exceeds 2^24 up front with SHAPE_MISMATCH (leaking nothing), and the runtime still works afterwards', () => {
    const loss = compile(neuralNdcg());
    const wide = tf.zeros([1, 4097]);
    const before = tf.memory().numTensors;
    expect(() => loss(wide, wide)).toThrow(expect.objectContaining({ name: 'LosskitError', code: 'SHAPE_MISMATCH', argument: 'yPred' }));
    expect(tf.memory().numTensors).toBe(before);
    // valueAndGrad raises the same error before any [B, n, n] work (its leak on error paths is core's tape issue, #17).
    expect(() => loss.valueAndGrad(wide, wide)).toThrow(expect.objectContaining({ name: 'LosskitError', code: 'SHAPE_MISMATCH' }));
    wide.dispose();
    const small = loss([[2, 0, 1]], [[0.3, 0.9, 0.1]]);
    expect(Number.isFinite(small.dataSync()[0]!)).toBe(true);
    small.dispose();
  });
});

// ── proper scoring rules ──────────────────────────────────────────────────────
{
  const z = f32(randomMatrix(5, 3, 54, 2));
  const y = [0, 2, 1, 1, 0];
  suite({ name: 'brierScore()', loss: compile(brierScore()), yTrue: y, x: z, ref: (x) => mean(x.map((r, i) => softmax(r).reduce((s, p, j) => s + (p - (j === y[i] ? 1 : 0)) ** 2, 0))) });
  suite({ name: 'sphericalScore()', loss: compile(sphericalScore()), yTrue: y, x: z, ref: (x) => mean(x.map((r, i) => { const p = softmax(r); return 1 - p[y[i]!]! / Math.hypot(...p); })) });
  suite({ name: 'logScore()', loss: compile(logScore()), yTrue: y, x: z, ref: (x) => mean(x.map((r, i) => -logSoftmax(r)[y[i]!]!)) });
  it('scoring rules are proper: the expected score under q is minimized at p = q', () => {
    const q = [0.5, 0.3, 0.2];
    for (const rule of [brierScore(), sphericalScore(), logScore()]) {
      const loss = compile(rule, { from: 'probs' });
      const expectedScore = (p: number[]) => tf.tidy(() => loss([q], [p]).dataSync()[0]!); // soft target = expectation over y ~ q
      const atQ = expectedScore(q);
      for (const p of [[0.6, 0.2, 0.2], [0.4, 0.4, 0.2], [1 / 3, 1 / 3, 1 / 3]]) expect(expectedScore(p)).toBeGreaterThan(atQ - 1e-6);
    }
  });
}

describe('proper scoring rules at ±1e30 and at ties of huge logits (issue #17: Brier returned 3, its maximum is 2)', () => {
  // Float64 softmax with the maximum subtracted first: exact at these inputs.
  const softmax64 = (r: number[]) => {
    const m = Math.max(...r);
    const e = r.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const z = [[1e30, 1e30, 0], [1e30, -1e30, 0], [-1e30, 1e30, 1e30], [-1e30, -1e30, -1e30], [1e30, 1e30, 1e30]];
  const y = [0, 1, 0, 2, 1];
  const brier = (p: number[], t: number) => p.reduce((a, v, j) => a + (v - (j === t ? 1 : 0)) ** 2, 0);
  const spherical = (p: number[], t: number) => 1 - p[t]! / Math.hypot(...p);
  // ∂ℓ/∂z_k = Σ_j ∂ℓ/∂p_j · p_j (δ_jk − p_k) (softmax Jacobian), with ∂ℓ/∂p_j by hand for each rule.
  const chain = (p: number[], dp: number[]) => p.map((pk, k) => dp.reduce((a, d, j) => a + d * p[j]! * ((j === k ? 1 : 0) - pk), 0));
  const brierDp = (p: number[], t: number) => p.map((v, j) => 2 * (v - (j === t ? 1 : 0)));
  const sphericalDp = (p: number[], t: number) => {
    const n = Math.hypot(...p);
    return p.map((v, j) => -((j === t ? 1 : 0) / n - (p[t]! * v) / n ** 3));
  };
  for (const [name, rule, value, dp] of [
    ['brierScore', brierScore, brier, brierDp],
    ['sphericalScore', sphericalScore, spherical, sphericalDp],
  ] as const) {
    it(`${name}: value and gradient equal the float64 reference, fused or not`, () => {
      for (const fuse of ['auto', false] as const) {
        const loss = compile(rule(), { reduction: 'sum', fuse });
        const { value: v, grad } = loss.valueAndGrad(y, z);
        const want = z.reduce((a, r, i) => a + value(softmax64(r), y[i]!), 0);
        expect(Math.abs(v.dataSync()[0]! - want), `${name} fuse ${fuse}`).toBeLessThan(1e-6);
        const g = grad.dataSync();
        z.forEach((r, i) => chain(softmax64(r), dp(softmax64(r), y[i]!)).forEach((w, k) => expect(Math.abs(g[i * 3 + k]! - w), `${name} row ${i} class ${k}`).toBeLessThan(1e-6)));
        tf.dispose([v, grad]);
      }
      const per = compile(rule(), { reduction: 'none' })(y, z);
      const got = Array.from(per.dataSync());
      per.dispose();
      if (name === 'brierScore') expect(Math.max(...got)).toBeLessThanOrEqual(2);
    });
  }
});

describe('bad hyperparameters throw LosskitError', () => {
  const cases: [string, () => unknown, string][] = [
    ['aggregate rho 2', () => aggregateResponseLoss({ rho: 2 }), 'INVALID_PARAMETER'],
    ['aggregate without bag ids', () => compile(bagLevelLoss())(responses, preds), 'MISSING_INPUT'],
    ['easyLlp prior 1', () => easyLlp({ prior: 1 }), 'INVALID_PARAMETER'],
    ['easyLlp bagSize 0', () => easyLlp({ prior: 0.5, bagSize: 0 }), 'INVALID_PARAMETER'],
    ['neuralNdcg tau 0', () => neuralNdcg({ tau: 0 }), 'INVALID_PARAMETER'],
    ['neuralNdcg k 0', () => neuralNdcg({ k: 0 }), 'INVALID_PARAMETER'],
    ['neuralNdcg sinkhorn -1', () => neuralNdcg({ sinkhorn: -1 }), 'INVALID_PARAMETER'],
  ];
  for (const [name, f, code] of cases) {
    it(name, () => {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LosskitError);
      expect((err as LosskitError).code).toBe(code);
    });
  }
});
