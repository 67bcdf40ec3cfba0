// The torch.nn losses added for issue #18 as DSL builders, each against a float64 reference written from torch's
// definition (torch/nn/functional.py and aten/src/ATen/native/Loss.cpp, torch 1.13), row by row, with a
// finite-difference gradient check of the reference, ±1e4 stability, bad-input errors and leak checks.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CallOptions, type Expr, compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32, logSoftmax, oneHot, randomLabels, randomMatrix, softplus } from '@losskit/core/testing';
import * as S from '../src/standard/index.js';

beforeAll(async () => {
  await ready();
});

type Row = number[];
const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
const mean = (a: number[]) => sum(a) / a.length;
const B = 5;
const C = 4;
const labels = randomLabels(B, C, 41);
const x = f32(randomMatrix(B, C, 42, 1.5));
const x2 = f32(randomMatrix(B, C, 43, 1.5));
const x3 = f32(randomMatrix(B, C, 44, 1.5));
const pm1 = f32(randomMatrix(B, C, 45)).map((r) => r.map((v) => (v > 0 ? 1 : -1)));
const pm1Rows = pm1.map((r) => r[0]!);
const counts = f32(randomMatrix(B, C, 46)).map((r) => r.map((v) => Math.max(0, Math.round(v))));
const soft = f32(randomMatrix(B, C, 47)).map((r) => r.map((v) => 1 / (1 + Math.exp(-2 * v))));
const poissonT = counts.map((r, i) => r.map((v, j) => (i + j) % 3 === 0 ? v + 2 : v));
const positive = x.map((r) => r.map((v) => Math.abs(v) + 0.2));
const logProbs = f32(x.map((r) => logSoftmax(r)));
const W = [0.5, 2, 1, 0.25];

const cosRef = (a: Row, b: Row) => sum(a.map((v, j) => v * b[j]!)) / Math.sqrt((sum(a.map((v) => v * v)) + 1e-12) * (sum(b.map((v) => v * v)) + 1e-12));
const dist = (a: Row, b: Row, p: number, eps: number) => sum(a.map((v, j) => Math.abs(v - b[j]! + eps) ** p)) ** (1 / p);
const logSig = (v: number) => -softplus(-v);

interface Case {
  name: string;
  expr: Expr<'sample', 'any'> | Expr<'sample', 'logits'>;
  /** yTrue rows passed to the loss (dense) or integer labels. */
  y: number[][] | number[];
  /** The dense row the reference reads (labels → one-hot). */
  yRow: (i: number) => Row;
  z: number[][];
  inputs?: Record<string, number[][] | number[]>;
  ref: (y: Row, z: Row, i: number) => number;
}

const cases: Case[] = [
  {
    name: 'cosineEmbedding margin 0.2 (target ±1 per row)',
    expr: S.cosineEmbedding({ margin: 0.2 }), y: x2, yRow: (i) => x2[i]!, z: x, inputs: { target: pm1Rows },
    ref: (b, a, i) => (pm1Rows[i] === 1 ? 1 - cosRef(a, b) : Math.max(0, cosRef(a, b) - 0.2)),
  },
  {
    name: 'hingeEmbedding margin 1.5',
    expr: S.hingeEmbedding({ margin: 1.5 }), y: pm1, yRow: (i) => pm1[i]!, z: positive,
    ref: (y, z) => mean(z.map((v, j) => (y[j] !== 1 ? Math.max(0, 1.5 - v) : 0) + (y[j] !== -1 ? v : 0))),
  },
  { name: 'softMargin', expr: S.softMargin(), y: pm1, yRow: (i) => pm1[i]!, z: x, ref: (y, z) => mean(z.map((v, j) => Math.log1p(Math.exp(-y[j]! * v)))) },
  {
    name: 'multiLabelMargin with target counts (a class listed twice counts twice)',
    expr: S.multiLabelMargin(), y: counts, yRow: (i) => counts[i]!, z: x,
    ref: (y, z) => {
      let s = 0;
      for (let j = 0; j < C; j++) for (let i = 0; i < C; i++) if (y[j]! > 0 && y[i] === 0) s += y[j]! * Math.max(0, 1 - (z[j]! - z[i]!));
      return s / C;
    },
  },
  {
    name: 'multiLabelMargin with integer labels (one target each)',
    expr: S.multiLabelMargin(), y: labels, yRow: (i) => oneHot(labels, C)[i]!, z: x,
    ref: (y, z) => { const k = y.indexOf(1); return sum(z.map((v, i) => (i === k ? 0 : Math.max(0, 1 - (z[k]! - v))))) / C; },
  },
  { name: 'nll', expr: S.nll(), y: labels, yRow: (i) => oneHot(labels, C)[i]!, z: logProbs, ref: (y, z) => -z[y.indexOf(1)]! },
  { name: 'nll with class weights', expr: S.nll({ weight: W }), y: labels, yRow: (i) => oneHot(labels, C)[i]!, z: logProbs, ref: (y, z) => -W[y.indexOf(1)]! * z[y.indexOf(1)]! },
  { name: 'poissonNLL logInput', expr: S.poissonNLL(), y: poissonT, yRow: (i) => poissonT[i]!, z: x, ref: (y, z) => mean(z.map((v, j) => Math.exp(v) - y[j]! * v)) },
  {
    name: 'poissonNLL logInput: false, eps 1e-3',
    expr: S.poissonNLL({ logInput: false, eps: 1e-3 }), y: poissonT, yRow: (i) => poissonT[i]!, z: positive,
    ref: (y, z) => mean(z.map((v, j) => v - y[j]! * Math.log(v + 1e-3))),
  },
  {
    name: 'poissonNLL full (Stirling term where y > 1)',
    expr: S.poissonNLL({ full: true }), y: poissonT, yRow: (i) => poissonT[i]!, z: x,
    ref: (y, z) => mean(z.map((v, j) => { const t = y[j]!; return Math.exp(v) - t * v + (t > 1 ? t * Math.log(t) - t + 0.5 * Math.log(2 * Math.PI * t) : 0); })),
  },
  {
    name: 'bceWithLogits posWeight per class, soft targets',
    expr: S.bceWithLogits({ posWeight: W }), y: soft, yRow: (i) => soft[i]!, z: x,
    ref: (y, z) => mean(z.map((v, j) => -(W[j]! * y[j]! * logSig(v) + (1 - y[j]!) * logSig(-v)))),
  },
  {
    name: 'bceWithLogits posWeight 3 and class weight',
    expr: S.bceWithLogits({ posWeight: 3, weight: W }), y: soft, yRow: (i) => soft[i]!, z: x,
    ref: (y, z) => mean(z.map((v, j) => -W[j]! * (3 * y[j]! * logSig(v) + (1 - y[j]!) * logSig(-v)))),
  },
  {
    name: 'weightedCrossEntropy weight + labelSmoothing 0.2 (torch: the smoothing term weighted per class)',
    expr: S.weightedCrossEntropy({ weight: W, labelSmoothing: 0.2 }), y: labels, yRow: (i) => oneHot(labels, C)[i]!, z: x,
    ref: (y, z) => { const lp = logSoftmax(z); const k = y.indexOf(1); return 0.8 * W[k]! * -lp[k]! + (0.2 / C) * sum(lp.map((l, c) => -W[c]! * l)); },
  },
  {
    name: 'weightedCrossEntropy with soft targets',
    expr: S.weightedCrossEntropy({ weight: W, labelSmoothing: 0.1 }), y: soft.map((r) => r.map((v) => v / sum(r))), yRow: (i) => soft[i]!.map((v) => v / sum(soft[i]!)), z: x,
    ref: (y, z) => { const lp = logSoftmax(z); return -sum(lp.map((l, c) => W[c]! * (0.9 * y[c]! + 0.1 / C) * l)); },
  },
  {
    name: 'explicitTripletMargin p = 2 (default)',
    expr: S.explicitTripletMargin(), y: x2, yRow: (i) => x2[i]!, z: x, inputs: { negative: x3 },
    ref: (p, a, i) => Math.max(0, dist(a, p, 2, 1e-6) - dist(a, x3[i]!, 2, 1e-6) + 1),
  },
  {
    name: 'explicitTripletMargin p = 1.5, margin 2, swap',
    expr: S.explicitTripletMargin({ p: 1.5, margin: 2, swap: true }), y: x2, yRow: (i) => x2[i]!, z: x, inputs: { negative: x3 },
    ref: (p, a, i) => Math.max(0, dist(a, p, 1.5, 1e-6) - Math.min(dist(a, x3[i]!, 1.5, 1e-6), dist(p, x3[i]!, 1.5, 1e-6)) + 2),
  },
  {
    name: 'explicitTripletMarginWithDistance, cosine distance 1 − cos, swap',
    expr: S.explicitTripletMarginWithDistance({ distance: (u, v) => tf.sub(1, tf.div(tf.sum(tf.mul(u, v), -1), tf.mul(tf.norm(u, 2, -1), tf.norm(v, 2, -1)))), margin: 0.5, swap: true }),
    y: x2, yRow: (i) => x2[i]!, z: x, inputs: { negative: x3 },
    ref: (p, a, i) => { const d = (u: Row, v: Row) => 1 - sum(u.map((q, j) => q * v[j]!)) / Math.sqrt(sum(u.map((q) => q * q)) * sum(v.map((q) => q * q))); return Math.max(0, d(a, p) - Math.min(d(a, x3[i]!), d(p, x3[i]!)) + 0.5); },
  },
  {
    name: 'explicitTripletMarginWithDistance, default pairwise distance',
    expr: S.explicitTripletMarginWithDistance(), y: x2, yRow: (i) => x2[i]!, z: x, inputs: { negative: x3 },
    ref: (p, a, i) => Math.max(0, dist(a, p, 2, 1e-6) - dist(a, x3[i]!, 2, 1e-6) + 1),
  },
  {
    name: 'multiMargin with class weights (w_y after the power, as torch)',
    expr: S.multiMargin({ p: 2, margin: 0.7, weight: W }), y: labels, yRow: (i) => oneHot(labels, C)[i]!, z: x,
    ref: (y, z) => { const k = y.indexOf(1); return (W[k]! * sum(z.map((v, j) => (j === k ? 0 : Math.max(0, 0.7 - z[k]! + v) ** 2)))) / C; },
  },
  {
    name: 'multiLabelSoftMargin with class weights',
    expr: S.multiLabelSoftMargin({ weight: W }), y: counts.map((r) => r.map((v) => (v > 0 ? 1 : 0))), yRow: (i) => counts[i]!.map((v) => (v > 0 ? 1 : 0)), z: x,
    ref: (y, z) => -mean(z.map((v, j) => W[j]! * (y[j]! * logSig(v) + (1 - y[j]!) * logSig(-v)))),
  },
];

describe('torch.nn losses as DSL builders: float64 references and gradients', () => {
  for (const c of cases) {
    it(`${c.name}: per-sample values match the float64 reference (rel 1e-5) and the gradient matches central differences`, () => {
      const loss = compile(c.expr as Expr<'sample', 'any'>);
      const call: CallOptions = c.inputs ? { inputs: c.inputs } : {};
      const got = loss.perSample(c.y, c.z, call).arraySync() as number[];
      got.forEach((g, i) => {
        const want = c.ref(c.yRow(i), c.z[i]!, i);
        expect(Math.abs(g - want), `sample ${i}: ${g} vs ${want}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
      });
      const t = tf.tensor2d(c.z);
      const r = checkGradient((v) => loss(c.y, v, call), t, {
        reference: (flat) => mean(Array.from({ length: B }, (_, i) => c.ref(c.yRow(i), Array.from(flat.slice(i * C, (i + 1) * C)), i))),
      });
      t.dispose();
      expect(r.ok, `worst ratio ${r.worst} at ${r.worstIndex}: ${r.analytic[r.worstIndex]} vs ${r.numeric[r.worstIndex]}`).toBe(true);
    });
  }

  it('explicit triplets: the gradients with respect to the positive and the negative match central differences too', () => {
    const loss = compile(S.explicitTripletMargin({ swap: true, margin: 3 }));
    const ref = (a: number[][], p: number[][], n: number[][]) => mean(a.map((r, i) => Math.max(0, dist(r, p[i]!, 2, 1e-6) - Math.min(dist(r, n[i]!, 2, 1e-6), dist(p[i]!, n[i]!, 2, 1e-6)) + 3)));
    const rows = (flat: Float64Array) => Array.from({ length: B }, (_, i) => Array.from(flat.slice(i * C, (i + 1) * C)));
    const tn = tf.tensor2d(x3);
    const rn = checkGradient((v) => loss(x2, x, { inputs: { negative: v } }), tn, { reference: (flat) => ref(x, x2, rows(flat)) });
    const tp = tf.tensor2d(x2);
    const rp = checkGradient((v) => loss(v, x, { inputs: { negative: x3 } }), tp, { reference: (flat) => ref(x, rows(flat), x3) });
    tf.dispose([tn, tp]);
    expect(rn.ok, `negative: worst ${rn.worst}`).toBe(true);
    expect(rp.ok, `positive: worst ${rp.worst}`).toBe(true);
  });

  it('weightedCrossEntropy without weights equals ce({ labelSmoothing }) and, with one-hot targets, equals itself with labels', () => {
    const a = compile(S.weightedCrossEntropy({ labelSmoothing: 0.3 })).perSample(labels, x).arraySync() as number[];
    const b = compile(S.categoricalCrossentropy({ labelSmoothing: 0.3 })).perSample(labels, x).arraySync() as number[];
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
    const w = S.weightedCrossEntropy({ weight: W, labelSmoothing: 0.3 });
    const c = compile(w).perSample(labels, x).arraySync() as number[];
    const d = compile(w).perSample(oneHot(labels, C), x).arraySync() as number[];
    c.forEach((v, i) => expect(v).toBeCloseTo(d[i]!, 5));
  });
});

describe('torch.nn builders: stability, bad input, leaks', () => {
  const big = [[1e4, -1e4, 0, 5], [-1e4, 1e4, 3, -2]];
  const bigY = [[1, -1, 1, -1], [-1, 1, -1, 1]];
  const bigL = [0, 2];
  it('stay finite with finite gradients at ±1e4 inputs', () => {
    const runs: Array<[Expr<'sample', 'any'>, number[][] | number[], CallOptions?, number[][]?]> = [
      [S.softMargin(), bigY],
      [S.hingeEmbedding(), bigY],
      [S.bceWithLogits({ posWeight: 2 }), bigY.map((r) => r.map((v) => (v > 0 ? 1 : 0)))],
      [S.weightedCrossEntropy({ weight: W, labelSmoothing: 0.1 }), bigL],
      [S.multiLabelMargin(), bigY.map((r) => r.map((v) => (v > 0 ? 1 : 0)))],
      [S.nll(), bigL],
      [S.cosineEmbedding(), big.map((r) => r.map((v) => v / 2)), { inputs: { target: [1, -1] } }],
      [S.explicitTripletMargin({ swap: true }), big.map((r) => r.map((v) => -v)), { inputs: { negative: big.map((r) => r.map((v) => v / 3)) } }],
      [S.explicitTripletMarginWithDistance({ swap: true }), big.map((r) => r.map((v) => -v)), { inputs: { negative: big.map((r) => r.map((v) => v / 3)) } }],
      [S.poissonNLL({ logInput: false }), [[1, 2, 3, 4], [0, 1, 5, 2]], {}, big.map((r) => r.map((v) => Math.abs(v) + 1))],
    ];
    for (const [e, y, call, rates] of runs) {
      const z = rates ?? big;
      const { value, grad } = compile(e).valueAndGrad(y, z, call);
      expect(Number.isFinite(value.dataSync()[0]), e.toString()).toBe(true);
      expect(Array.from(grad.dataSync()).every(Number.isFinite), e.toString()).toBe(true);
      tf.dispose([value, grad]);
    }
    // softplus(−y x) at y x = −1e4 is 1e4 exactly (torch's log1p(exp(1e4)) overflows to inf).
    expect(compile(S.softMargin()).perSample([[1]], [[-1e4]]).dataSync()[0]).toBeCloseTo(1e4, 2);
  });

  it('bad hyperparameters and inputs raise typed errors that leak nothing', () => {
    expectCleanThrow(() => S.poissonNLL({ eps: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => S.poissonNLL({ full: 'yes' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => S.bceWithLogits({ posWeight: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => S.bceWithLogits({ posWeight: [1, Number.NaN] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => S.weightedCrossEntropy({ labelSmoothing: 1.5 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => S.weightedCrossEntropy({ weight: [1, -2] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => S.explicitTripletMargin({ p: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => S.explicitTripletMargin({ swap: 1 as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => S.explicitTripletMarginWithDistance({ margin: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => S.explicitTripletMarginWithDistance({ distance: 'l2' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => S.hingeEmbedding({ margin: Number.NaN }), 'INVALID_PARAMETER');
    // gaussianNLL's `full` was read as truthy: 'yes' added ½ log 2π (found by the fuzz suite).
    expectCleanThrow(() => S.gaussianNLL({ full: 'yes' as never }), 'INVALID_PARAMETER');
    // At call time: class weights of the wrong length, a missing input, NaN data, a distance of the wrong shape or one that throws.
    expectCleanThrow(() => compile(S.nll({ weight: [1, 2] }))(labels, logProbs), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(S.explicitTripletMargin())(x2, x), 'MISSING_INPUT');
    expectCleanThrow(() => compile(S.softMargin())(pm1, [[0, 0, 0, 0]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(S.softMargin())(pm1.slice(0, 1), [[Number.NaN, 0, 0, 0]]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => compile(S.explicitTripletMarginWithDistance({ distance: (u) => tf.sum(u) }))(x2, x, { inputs: { negative: x3 } }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => compile(S.explicitTripletMarginWithDistance({ distance: (u, v) => tf.matMul(u, v) }))(x2, x, { inputs: { negative: x3 } }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => compile(S.explicitTripletMarginWithDistance({ distance: (u) => tf.sum(u) })).valueAndGrad(x2, x, { inputs: { negative: x3 } }), 'INVALID_ARGUMENT');
  });

  it('two distance functions with the same source text are different expressions (no shared compile cache slot)', () => {
    const mk = (k: number) => (u: tf.Tensor, v: tf.Tensor) => tf.mul(tf.sum(tf.abs(tf.sub(u, v)), -1), k);
    const a = S.explicitTripletMarginWithDistance({ distance: mk(1) });
    const b = S.explicitTripletMarginWithDistance({ distance: mk(2) });
    expect(a.key).not.toBe(b.key);
  });

  it('calls and gradients leak no tensors', () => {
    for (const c of cases) {
      const loss = compile(c.expr as Expr<'sample', 'any'>);
      const call: CallOptions = c.inputs ? { inputs: c.inputs } : {};
      loss(c.y, c.z, call).dispose();
      expectNoLeaks(() => {
        loss(c.y, c.z, call).dispose();
        const { value, grad } = loss.valueAndGrad(c.y, c.z, call);
        tf.dispose([value, grad]);
      }, c.name);
    }
  });
});

describe('explicitTripletMargin where Σ|d|^p overflows float32 but the norm fits', () => {
  it('p = 30 with differences up to 20 and p = 2 at 3e19 match the float64 norm to 1e-5 relative, with finite gradients', () => {
    const norm = (u: number[], v: number[], p: number) => {
      const d = u.map((a, j) => Math.fround(a) - Math.fround(v[j]!) + 1e-6);
      const m = Math.max(...d.map(Math.abs));
      return m * d.reduce((s, x) => s + (Math.abs(x) / m) ** p, 0) ** (1 / p);
    };
    for (const [p, scale] of [[30, 20], [2, 3e19]] as const) {
      const a = [[scale, -0.5 * scale, 0.1], [0.3 * scale, scale, -scale]];
      const pos = [[0, 0.2 * scale, 0], [0, 0, 0]];
      const neg = [[-0.5 * scale, 0, 0], [scale, -scale, 0.5 * scale]];
      const loss = compile(S.explicitTripletMargin({ p, margin: 1 }), { reduction: 'none' });
      const out = loss(pos, a, { inputs: { negative: neg } });
      const got = Array.from(out.dataSync());
      out.dispose();
      got.forEach((v, i) => {
        const want = Math.max(0, norm(a[i]!, pos[i]!, p) - norm(a[i]!, neg[i]!, p) + 1);
        expect(Math.abs(v - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want), norm(a[i]!, neg[i]!, p)));
      });
      const vg = compile(S.explicitTripletMargin({ p, margin: 1 })).valueAndGrad(pos, a, { inputs: { negative: neg } });
      expect(Array.from(vg.grad.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([vg.value, vg.grad]);
    }
  });
});
