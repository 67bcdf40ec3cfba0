import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Expr, ce, compile, ready } from '@losskit/core';
import { checkGradient, expectNoLeaks, f32, logSoftmax, oneHot, randomLabels, randomMatrix, sigmoid, softmax, softplus } from '@losskit/core/testing';
import * as S from '../src/standard/index.js';
import { catalog } from '../src/catalog.js';
import { jsDivergence } from '../src/papers/index.js';

// Independent float64 references, written from each loss's definition (Keras 3 keras/src/losses/losses.py,
// torch.nn docs, the papers), row by row. y = target row, z = prediction row, x = extra input row.
type Row = number[];
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
const EPS = 1e-7;
const clip = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const norm = (a: Row) => Math.max(Math.sqrt(sum(a.map((v) => v * v))), 1e-7);
const xlx = (v: number) => (v > 0 ? v * Math.log(v) : 0);

interface Case {
  name: string;
  expr: Expr<'sample', 'any'> | Expr<'sample', 'logits'>;
  from: 'logits' | 'probs';
  targets: 'real' | 'labels' | 'binary' | 'positive' | 'signed' | 'distribution' | 'logDistribution' | 'partial';
  preds: 'real' | 'positive' | 'probs';
  ref: (y: Row, z: Row, x: Row) => number;
  input?: { name: string; make: 'positive' | 'real' };
  grad?: boolean;
}

const B = 5;
const C = 4;
const labels = randomLabels(B, C, 3);
const real = f32(randomMatrix(B, C, 4, 1.5));
const realT = f32(randomMatrix(B, C, 5, 1.5));
const pos = real.map((r) => r.map((v) => Math.abs(v) + 0.1));
const posT = realT.map((r) => r.map((v) => Math.abs(v) + 0.2));
const probs = f32(real.map((r) => softmax(r)));
const dist = f32(realT.map((r) => softmax(r)));
const binary = realT.map((r) => r.map((v) => (v > 0 ? 1 : 0)));
const signed = binary.map((r) => r.map((v) => 2 * v - 1));
const logDist = f32(realT.map((r) => logSoftmax(r)));
// Soft labels with total mass 0.7 (a distribution scaled by 0.7): where poly-1 forms that assume Σy = 1 differ.
const partial = f32(dist.map((r) => r.map((v) => 0.7 * v)));
const extraPos = f32(randomMatrix(B, C, 6).map((r) => r.map((v) => Math.abs(v) + 0.05)));
const extraReal = f32(randomMatrix(B, C, 7));

const cases: Case[] = [
  { name: 'meanSquaredError', expr: S.meanSquaredError(), from: 'probs', targets: 'real', preds: 'real', ref: (y, z) => mean(z.map((v, j) => (v - y[j]!) ** 2)) },
  { name: 'meanAbsoluteError', expr: S.meanAbsoluteError(), from: 'probs', targets: 'real', preds: 'real', ref: (y, z) => mean(z.map((v, j) => Math.abs(v - y[j]!))) },
  { name: 'meanAbsolutePercentageError', expr: S.meanAbsolutePercentageError(), from: 'probs', targets: 'positive', preds: 'real', ref: (y, z) => 100 * mean(z.map((v, j) => Math.abs(y[j]! - v) / Math.max(Math.abs(y[j]!), EPS))) },
  { name: 'meanSquaredLogarithmicError', expr: S.meanSquaredLogarithmicError(), from: 'probs', targets: 'positive', preds: 'positive', ref: (y, z) => mean(z.map((v, j) => (Math.log(Math.max(v, EPS) + 1) - Math.log(Math.max(y[j]!, EPS) + 1)) ** 2)) },
  { name: 'huber δ=0.8', expr: S.huber({ delta: 0.8 }), from: 'probs', targets: 'real', preds: 'real', ref: (y, z) => mean(z.map((v, j) => { const e = Math.abs(v - y[j]!); return e <= 0.8 ? 0.5 * e * e : 0.8 * e - 0.32; })) },
  { name: 'logCosh', expr: S.logCosh(), from: 'probs', targets: 'real', preds: 'real', ref: (y, z) => mean(z.map((v, j) => Math.log(Math.cosh(v - y[j]!)))) },
  { name: 'poisson', expr: S.poisson(), from: 'probs', targets: 'positive', preds: 'positive', ref: (y, z) => mean(z.map((v, j) => v - y[j]! * Math.log(v + EPS))) },
  { name: 'hinge (binary targets converted)', expr: S.hinge(), from: 'probs', targets: 'binary', preds: 'real', ref: (y, z) => mean(z.map((v, j) => Math.max(0, 1 - (2 * y[j]! - 1) * v))) },
  { name: 'hinge (±1 targets kept)', expr: S.hinge(), from: 'probs', targets: 'signed', preds: 'real', ref: (y, z) => mean(z.map((v, j) => Math.max(0, 1 - y[j]! * v))) },
  { name: 'squaredHinge', expr: S.squaredHinge(), from: 'probs', targets: 'signed', preds: 'real', ref: (y, z) => mean(z.map((v, j) => Math.max(0, 1 - y[j]! * v) ** 2)) },
  { name: 'categoricalHinge', expr: S.categoricalHinge(), from: 'probs', targets: 'labels', preds: 'real', ref: (y, z) => Math.max(0, 1 + Math.max(...z.map((v, j) => (1 - y[j]!) * v)) - sum(z.map((v, j) => y[j]! * v))) },
  { name: 'cosineSimilarity', expr: S.cosineSimilarity(), from: 'probs', targets: 'real', preds: 'real', ref: (y, z) => -sum(z.map((v, j) => v * y[j]!)) / (norm(z) * norm(y)) },
  { name: 'kld', expr: S.kld(), from: 'probs', targets: 'distribution', preds: 'probs', ref: (y, z) => sum(y.map((t, j) => { const a = clip(t, EPS, 1); return a * Math.log(a / clip(z[j]!, EPS, 1)); })) },
  { name: 'tversky per sample α=0.3 β=0.7', expr: S.tversky({ alpha: 0.3, beta: 0.7, scope: 'sample' }), from: 'probs', targets: 'binary', preds: 'probs', ref: (y, z) => { const i = sum(y.map((t, j) => t * z[j]!)); return 1 - i / (i + 0.3 * sum(z.map((p, j) => p * (1 - y[j]!))) + 0.7 * sum(y.map((t, j) => t * (1 - z[j]!))) + EPS); } },
  { name: 'dice per sample', expr: S.dice({ scope: 'sample' }), from: 'probs', targets: 'binary', preds: 'probs', ref: (y, z) => 1 - (2 * sum(y.map((t, j) => t * z[j]!))) / (sum(y) + sum(z) + EPS) },
  { name: 'categoricalCrossentropy probs ls=0.2', expr: S.categoricalCrossentropy({ labelSmoothing: 0.2 }), from: 'probs', targets: 'labels', preds: 'positive', ref: (y, z) => { const s = sum(z); return -sum(y.map((t, j) => (t * 0.8 + 0.2 / C) * Math.log(clip(z[j]! / s, EPS, 1 - EPS)))); } },
  { name: 'categoricalCrossentropy logits', expr: S.categoricalCrossentropy(), from: 'logits', targets: 'distribution', preds: 'real', ref: (y, z) => -sum(logSoftmax(z).map((l, j) => l * y[j]!)) },
  { name: 'categoricalGeneralizedCrossEntropy q=0.7', expr: S.categoricalGeneralizedCrossEntropy({ q: 0.7 }), from: 'logits', targets: 'labels', preds: 'real', ref: (y, z) => (1 - sum(softmax(z).map((p, j) => p * y[j]!)) ** 0.7) / 0.7 },
  { name: 'binaryFocalCrossentropy logits balanced', expr: S.binaryFocalCrossentropy({ applyClassBalancing: true, alpha: 0.3, gamma: 1.5, labelSmoothing: 0.1 }), from: 'logits', targets: 'binary', preds: 'real', ref: (y, z) => mean(z.map((v, j) => { const t = y[j]! * 0.9 + 0.05; const p = sigmoid(v); const q = clip(p, EPS, 1 - EPS); const b = -(t * Math.log(q) + (1 - t) * Math.log(1 - q)); const pt = t * p + (1 - t) * (1 - p); return (t * 0.3 + (1 - t) * 0.7) * (1 - pt) ** 1.5 * b; })) },
  { name: 'categoricalFocalCrossentropy α per class', expr: S.categoricalFocalCrossentropy({ alpha: [0.1, 0.2, 0.3, 0.4], gamma: 2, labelSmoothing: 0.1 }), from: 'logits', targets: 'labels', preds: 'real', ref: (y, z) => { const p = softmax(z); const s = sum(p); return -sum(p.map((pj, j) => { const q = clip(pj / s, EPS, 1 - EPS); return [0.1, 0.2, 0.3, 0.4][j]! * (1 - q) ** 2 * (y[j]! * 0.9 + 0.1 / C) * Math.log(q); })); } },
  { name: 'multiMargin p=1', expr: S.multiMargin(), from: 'logits', targets: 'labels', preds: 'real', ref: (y, z) => { const k = y.indexOf(1); return sum(z.map((v, j) => (j === k ? 0 : Math.max(0, 1 - z[k]! + v)))) / C; } },
  { name: 'multiMargin p=2 margin=0.5', expr: S.multiMargin({ p: 2, margin: 0.5 }), from: 'logits', targets: 'labels', preds: 'real', ref: (y, z) => { const k = y.indexOf(1); return sum(z.map((v, j) => (j === k ? 0 : Math.max(0, 0.5 - z[k]! + v) ** 2))) / C; } },
  { name: 'multiLabelSoftMargin', expr: S.multiLabelSoftMargin(), from: 'logits', targets: 'binary', preds: 'real', ref: (y, z) => mean(z.map((v, j) => y[j]! * softplus(-v) + (1 - y[j]!) * softplus(v))) },
  { name: 'marginRanking margin=0.3', expr: S.marginRanking({ margin: 0.3 }), from: 'logits', targets: 'signed', preds: 'real', ref: (y, z, x) => mean(z.map((v, j) => Math.max(0, -y[j]! * (v - x[j]!) + 0.3))), input: { name: 'input2', make: 'real' } },
  { name: 'gaussianNLL', expr: S.gaussianNLL(), from: 'logits', targets: 'real', preds: 'real', ref: (y, z, x) => mean(z.map((v, j) => { const s = Math.max(x[j]!, 1e-6); return 0.5 * (Math.log(s) + (v - y[j]!) ** 2 / s); })), input: { name: 'var', make: 'positive' } },
  { name: 'gaussianNLL full', expr: S.gaussianNLL({ full: true }), from: 'logits', targets: 'real', preds: 'real', ref: (y, z, x) => mean(z.map((v, j) => 0.5 * (Math.log(x[j]!) + (v - y[j]!) ** 2 / x[j]! + Math.log(2 * Math.PI)))), input: { name: 'var', make: 'positive' } },
  { name: 'quantile τ=0.8', expr: S.quantile({ tau: 0.8 }), from: 'logits', targets: 'real', preds: 'real', ref: (y, z) => mean(z.map((v, j) => { const u = y[j]! - v; return u >= 0 ? 0.8 * u : -0.2 * u; })) },
  { name: 'smoothL1 β=0.5', expr: S.smoothL1({ beta: 0.5 }), from: 'logits', targets: 'real', preds: 'real', ref: (y, z) => mean(z.map((v, j) => { const e = Math.abs(v - y[j]!); return e < 0.5 ? (0.5 * e * e) / 0.5 : e - 0.25; })) },
  { name: 'pseudoHuber c=0.5', expr: S.pseudoHuber({ c: 0.5 }), from: 'logits', targets: 'real', preds: 'real', ref: (y, z) => Math.sqrt(sum(z.map((v, j) => (v - y[j]!) ** 2)) + 0.25) - 0.5 },
  { name: "pseudoHuber c='auto'", expr: S.pseudoHuber({ c: 'auto' }), from: 'logits', targets: 'real', preds: 'real', ref: (y, z) => { const c = 0.00054 * Math.sqrt(C); return Math.sqrt(sum(z.map((v, j) => (v - y[j]!) ** 2)) + c * c) - c; } },
  { name: 'polyLoss ε=1', expr: S.polyLoss(), from: 'logits', targets: 'labels', preds: 'real', ref: (y, z) => { const k = y.indexOf(1); return -logSoftmax(z)[k]! + (1 - softmax(z)[k]!); } },
  {
    // optax poly_loss_cross_entropy (google-deepmind/optax optax/losses/_classification.py at 2edbcbe2390da13983b92cbef94ac0460ecde1c5):
    // softmax_cross_entropy(logits, labels) + epsilon * sum(labels * (1 - softmax(logits))).
    name: 'polyLoss ε=2, soft labels summing to 0.7 (optax poly_loss_cross_entropy)',
    expr: S.polyLoss({ epsilon: 2 }), from: 'logits', targets: 'partial', preds: 'real',
    ref: (y, z) => { const lp = logSoftmax(z); return -sum(y.map((t, j) => t * lp[j]!)) + 2 * sum(y.map((t, j) => t * (1 - Math.exp(lp[j]!)))); },
  },
  { name: 'klWithLogTargets', expr: S.klWithLogTargets(), from: 'logits', targets: 'logDistribution', preds: 'real', ref: (y, z) => { const lp = logSoftmax(z); return sum(y.map((t, j) => Math.exp(t) * (t - lp[j]!))); } },
  { name: 'jensenShannon', expr: S.jensenShannon(), from: 'logits', targets: 'distribution', preds: 'real', ref: (y, z) => { const p = softmax(z); return sum(y.map((t, j) => { const m = (t + p[j]!) / 2; return 0.5 * (xlx(t) + xlx(p[j]!)) - xlx(m); })); } },
  { name: 'jensenShannon one-hot labels', expr: S.jensenShannon(), from: 'logits', targets: 'labels', preds: 'real', ref: (y, z) => { const p = softmax(z); return sum(y.map((t, j) => { const m = (t + p[j]!) / 2; return 0.5 * (xlx(t) + xlx(p[j]!)) - xlx(m); })); } },
];

function data(c: Case): { yTrue: number[] | number[][]; dense: number[][]; pred: number[][]; extra: number[][] } {
  const pred = c.preds === 'real' ? real : c.preds === 'positive' ? pos : probs;
  const dense = { real: realT, labels: oneHot(labels, C), binary, positive: posT, signed, distribution: dist, logDistribution: logDist, partial }[c.targets];
  const extra = c.input?.make === 'positive' ? extraPos : extraReal;
  return { yTrue: c.targets === 'labels' ? labels : dense, dense, pred, extra };
}

beforeAll(async () => {
  await ready();
});

describe('standard DSL losses: float64 references, gradients', () => {
  for (const c of cases) {
    it(`${c.name}: matches the float64 reference per sample (rel 1e-5) and passes a gradient check`, () => {
      const d = data(c);
      const loss = compile(c.expr as Expr<'sample', 'any'>, { from: c.from as 'probs' });
      const call = c.input ? { inputs: { [c.input.name]: d.extra } } : {};
      const got = loss.perSample(d.yTrue, d.pred, call).arraySync() as number[];
      got.forEach((g, i) => {
        const want = c.ref(d.dense[i]!, d.pred[i]!, d.extra[i]!);
        expect(Math.abs(g - want), `sample ${i}: ${g} vs ${want}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
      });
      const x = tf.tensor2d(d.pred);
      const r = checkGradient((t) => loss(d.yTrue, t, call), x, {
        reference: (flat) => {
          let s = 0;
          for (let i = 0; i < B; i++) s += c.ref(d.dense[i]!, Array.from(flat.slice(i * C, (i + 1) * C)), d.extra[i]!);
          return s / B;
        },
      });
      x.dispose();
      expect(r.ok, `worst ratio ${r.worst} at ${r.worstIndex}: ${r.analytic[r.worstIndex]} vs ${r.numeric[r.worstIndex]}`).toBe(true);
    });
  }

  it('batch-scope Dice and Tversky sum over every element (Keras axis=None) and equal the per-element formula', () => {
    const y = binary;
    const p = probs;
    const i = sum(y.flat().map((t, k) => t * p.flat()[k]!));
    const diceRef = 1 - (2 * i) / (sum(y.flat()) + sum(p.flat()) + EPS);
    // Salehi et al. 2017: α weights the false positives Σ(1 − y)ŷ, β the false negatives Σ y(1 − ŷ).
    const fp = sum(p.flat().map((q, k) => q * (1 - y.flat()[k]!)));
    const fn = sum(y.flat().map((t, k) => t * (1 - p.flat()[k]!)));
    const tvRef = 1 - i / (i + 0.2 * fp + 0.8 * fn + EPS);
    const d = compile(S.dice() as never, { from: 'probs' })(y, p);
    const t = compile(S.tversky({ alpha: 0.2, beta: 0.8 }) as never, { from: 'probs' })(y, p);
    expect(d.dataSync()[0]).toBeCloseTo(diceRef, 6);
    expect(t.dataSync()[0]).toBeCloseTo(tvRef, 6);
    tf.dispose([d, t]);
  });
});

describe('standard DSL losses: properties and stability', () => {
  it("binaryFocalCrossentropy's LaTeX writes the complement as \\sigma(-z_j) (the source once had '\\s', an escape JavaScript drops)", () => {
    expect(S.binaryFocalCrossentropy().toLatex()).toContain('\\sigma(-z_j)');
  });
  it('compose with other terms (polyLoss ε=0 is CE; smoothL1 β = huber δ=β scaled by 1/β; pinball alias)', () => {
    const a = compile(S.polyLoss({ epsilon: 0 })).perSample(labels, real).arraySync() as number[];
    const b = compile(ce()).perSample(labels, real).arraySync() as number[];
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 6));
    const s = compile(S.smoothL1({ beta: 0.5 })).perSample(realT, real).arraySync() as number[];
    const h = compile(S.huber({ delta: 0.5 }).scale(2)).perSample(realT, real).arraySync() as number[];
    s.forEach((v, i) => expect(v).toBeCloseTo(h[i]!, 5));
    expect(S.pinball).toBe(S.quantile);
    const sum2 = compile(S.meanSquaredError().plus(S.meanAbsoluteError().scale(0.5)));
    const v = sum2(realT, real);
    expect(Number.isFinite(v.dataSync()[0])).toBe(true);
    v.dispose();
  });
  it('stay finite for ±1e4 logits / errors', () => {
    const big = [[1e4, -1e4, 0, 5], [-1e4, 1e4, 3, -2]];
    const bigT = [[0, 1, 0, 0], [1, 0, 0, 0]];
    const exprs: Array<[Expr<'sample', 'any'>, 'logits' | 'probs']> = [
      [S.logCosh(), 'probs'], [S.huber(), 'probs'], [S.smoothL1(), 'probs'], [S.pseudoHuber(), 'probs'], [S.polyLoss(), 'logits'],
      [S.categoricalCrossentropy(), 'logits'], [S.categoricalFocalCrossentropy(), 'logits'], [S.binaryFocalCrossentropy(), 'logits'],
      [S.multiLabelSoftMargin() as never, 'logits'], [S.jensenShannon(), 'logits'], [S.categoricalGeneralizedCrossEntropy(), 'logits'], [S.multiMargin(), 'logits'], [S.cosineSimilarity(), 'probs'],
    ];
    for (const [e, from] of exprs) {
      const loss = compile(e, { from: from as 'probs' });
      const { value, grad } = loss.valueAndGrad(bigT, big);
      expect(Number.isFinite(value.dataSync()[0]), e.toString()).toBe(true);
      expect(Array.from(grad.dataSync()).every(Number.isFinite), e.toString()).toBe(true);
      tf.dispose([value, grad]);
    }
    // log cosh(±1e4) = 1e4 - log 2 exactly in float32 terms.
    const lc = compile(S.logCosh()).perSample([[0]], [[1e4]]).dataSync()[0]!;
    expect(lc).toBeCloseTo(1e4 - Math.LN2, 2);
  });
  it('cosineSimilarity of a zero vector is 0 with a finite gradient (norm floored at 1e-7, as Keras)', () => {
    const { value, grad } = compile(S.cosineSimilarity()).valueAndGrad([[1, 2]], [[0, 0]]);
    expect(value.dataSync()[0]).toBe(0);
    expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([value, grad]);
  });
  it('gaussianNLL clamps the variance at eps in value but not in gradient (torch no_grad clamp)', () => {
    const loss = compile(S.gaussianNLL({ eps: 0.5 }));
    const got = loss([[1]], [[2]], { inputs: { var: [[0.1]] } });
    expect(got.dataSync()[0]!).toBeCloseTo(0.5 * (Math.log(0.5) + 1 / 0.5), 6);
    got.dispose();
    // l = ½(log c + e²/c) with c = v + sg(max(v, ε) − v): ∂l/∂v = ½(1/c − e²/c²) at c = max(v, ε) = 0.5, e = 1,
    // i.e. −1; a clamp that also cut the gradient (as max(v, ε) does below ε) would give 0.
    const v = tf.tensor2d([[0.1]]);
    const g = tf.grad((x: tf.Tensor) => loss([[1]], [[2]], { inputs: { var: x } }) as tf.Scalar)(v);
    expect(g.dataSync()[0]!).toBeCloseTo(0.5 * (1 / 0.5 - 1 / 0.25), 6);
    tf.dispose([v, g]);
  });
});

describe('ops of this package that compute probabilities from logits are exact at ±1e30 and at ties of huge logits (issue #17)', () => {
  // Float64 log-softmax with the maximum subtracted first: exact here. z − logsumexp(z) in float32 gives
  // log p = [0, 0, −1e30] for [1e30, 1e30, 0] (p = [1, 1, 0]).
  const logSoftmax64 = (r: number[]) => {
    const m = Math.max(...r);
    const l = Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
    return r.map((v) => v - m - l);
  };
  const zz = [[1e30, 1e30, 0], [1e30, -1e30, 0], [-1e30, 1e30, 1e30], [5, 5, 5]];
  const yy = [0, 1, 2, 0];
  const cases: Array<[string, Expr<'sample', 'any'>, (r: number[], t: number) => number]> = [
    ['categoricalCrossentropy (Keras, from logits)', S.categoricalCrossentropy(), (r, t) => -logSoftmax64(r)[t]!],
    ['categoricalGeneralizedCrossEntropy q=0.7 (from logits)', S.categoricalGeneralizedCrossEntropy({ q: 0.7 }), (r, t) => (1 - Math.exp(0.7 * logSoftmax64(r)[t]!)) / 0.7],
    ['jsDivergence (papers op)', jsDivergence(), (r, t) => {
      const p = logSoftmax64(r).map(Math.exp);
      return p.reduce((a, pj, j) => { const y = j === t ? 1 : 0; const m = (y + pj) / 2; return a + 0.5 * (xlx(y) + xlx(pj)) - xlx(m); }, 0);
    }],
  ];
  for (const [name, expr, ref] of cases) {
    it(`${name}: per-sample values equal the float64 reference (abs 1e-6)`, () => {
      const t = compile(expr, { reduction: 'none' })(yy, zz);
      const got = Array.from(t.dataSync());
      t.dispose();
      got.forEach((g, i) => expect(Math.abs(g - ref(zz[i]!, yy[i]!)), `${name} row ${i}: ${g} vs ${ref(zz[i]!, yy[i]!)}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(ref(zz[i]!, yy[i]!)))));
    });
  }
});

describe('standard DSL losses: errors, catalog, leaks', () => {
  it('reject bad hyperparameters with INVALID_PARAMETER', () => {
    const bad: Array<() => unknown> = [
      () => S.huber({ delta: 0 }), () => S.tversky({ alpha: -1 }), () => S.tversky({ scope: 'x' as never }), () => S.categoricalGeneralizedCrossEntropy({ q: 1 }),
      () => S.binaryFocalCrossentropy({ gamma: -1 }), () => S.binaryFocalCrossentropy({ alpha: 1.5 }), () => S.categoricalFocalCrossentropy({ alpha: [] }),
      () => S.multiMargin({ p: 3 as never }), () => S.gaussianNLL({ eps: 0 }), () => S.quantile({ tau: 1 }), () => S.smoothL1({ beta: -1 }),
      () => S.pseudoHuber({ c: 0 }), () => S.polyLoss({ epsilon: Number.NaN }), () => S.categoricalCrossentropy({ labelSmoothing: 1.5 }),
    ];
    for (const f of bad) expect(f).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
  it('report missing inputs, logits requirements and per-class α of the wrong length', () => {
    expect(() => compile(S.gaussianNLL())(realT, real)).toThrow(expect.objectContaining({ code: 'MISSING_INPUT' }));
    expect(() => compile(S.multiLabelSoftMargin() as never, { from: 'probs' })).toThrow(expect.objectContaining({ code: 'INPUT_KIND_MISMATCH' }));
    expect(() => compile(S.categoricalFocalCrossentropy({ alpha: [1, 2] }))(labels, real)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });
  it('has a complete catalog entry for every builder', () => {
    const ids = catalog.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of S.standardCatalog) {
      expect(typeof (S as Record<string, unknown>)[e.export]).toBe('function');
      // Every entry is a DSL builder except the tensor functions (CTC's [B, T, C] frames do not fit compile()).
      if (e.id !== 'ctc') expect(e.dsl, e.id).toBeTruthy();
    }
    // Every `…Entry` this module exports is in the catalog.
    const exported = Object.entries(S).filter(([k]) => k.endsWith('Entry')).map(([, v]) => v);
    expect(exported.filter((e) => !S.standardCatalog.includes(e as never))).toEqual([]);
  });
  it('leak no tensors', () => {
    const compiled = cases.map((c) => [compile(c.expr as Expr<'sample', 'any'>, { from: c.from as 'probs' }), c] as const);
    expectNoLeaks(() => {
      for (const [loss, c] of compiled) {
        const d = data(c);
        const call = c.input ? { inputs: { [c.input.name]: d.extra } } : {};
        loss(d.yTrue, d.pred, call).dispose();
        const { value, grad } = loss.valueAndGrad(d.yTrue, d.pred, call);
        tf.dispose([value, grad]);
      }
    });
  });
});
