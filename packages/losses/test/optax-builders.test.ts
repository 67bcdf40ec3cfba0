// The DSL builders of optax's losses (src/standard/optaxLosses.ts): per-sample values against float64 references
// written here from the definitions (optax/losses/*.py at google-deepmind/optax 2edbcbe2390da13983b92cbef94ac0460ecde1c5
// and the papers), finite-difference gradients against those references, ±1e4 and tied scores, the fused path,
// bad input and leaks.
import * as tf from '@tensorflow/tfjs-core';
import { type CallOptions, type CompileOptions, type Expr, type TensorLike, ce, compile, input, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32, oneHot, randomLabels, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { rankingSoftmax } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

type Row = number[];
const sum = (a: readonly number[]) => a.reduce((s, v) => s + v, 0);
const mean = (a: readonly number[]) => sum(a) / a.length;

const B = 5;
const C = 4;
const labels = randomLabels(B, C, 21);
const scores = f32(randomMatrix(B, C, 22, 2));
const signs = f32(randomMatrix(B, C, 23)).map((r) => r.map((v) => (v > 0 ? 1 : -1)));
const bits = signs.map((r) => r.map((v) => (v > 0 ? 1 : 0)));
// Scores spread over [-3, 3] so that the binary sparsemax visits all three pieces.
const spread = f32(randomMatrix(B, C, 24, 1.6));
// Unnormalised positive measures (one exact zero) and log-predictions.
const measures = f32(randomMatrix(B, C, 25)).map((r, i) => r.map((v, j) => (i === 1 && j === 2 ? 0 : Math.abs(v) * 2)));
const logMeasures = f32(randomMatrix(B, C, 26, 0.8));
// Graded relevance (0, 1, 2), valid-item masks (list 3 has none) and item weights for the ranking loss.
const grades = randomLabels(B * C, 3, 27);
const relevance = Array.from({ length: B }, (_, i) => grades.slice(i * C, (i + 1) * C));
const itemMask = [[1, 1, 0, 1], [1, 1, 1, 1], [0, 1, 1, 0], [0, 0, 0, 0], [1, 0, 1, 1]];
const itemWeights = f32(randomMatrix(B, C, 28)).map((r) => r.map((v) => 0.5 + Math.abs(v)));
const realTargets = f32(randomMatrix(B, C, 30, 1.2));
const softTargets = f32(randomMatrix(B, C, 29)).map((r) => { const e = r.map(Math.exp); return e.map((v) => v / sum(e)); });
const lse = (r: readonly number[]) => { const m = Math.max(...r); return m + Math.log(sum(r.map((v) => Math.exp(v - m)))); };

/** sparse_plus(u): 0 for u ≤ −1, (u + 1)²/4 inside, u above (jax.nn.sparse_plus). */
const sparsePlus = (u: number) => (u <= -1 ? 0 : u >= 1 ? u : (u + 1) ** 2 / 4);

interface Case {
  readonly name: string;
  readonly expr: () => Expr<'sample' | 'batch'>;
  /** Targets as passed (labels or dense rows) and as dense rows for the reference. */
  readonly yTrue: number[] | number[][];
  readonly dense: number[][];
  readonly pred: number[][];
  /** Float64 per-sample reference (row of dense targets, row of predictions). */
  readonly ref: (y: Row, z: Row) => number;
  /** Whether compile() runs the fused row kernel for it. */
  readonly fused: boolean;
  readonly options?: CompileOptions;
  readonly call?: CallOptions;
}

const cases: Case[] = [
  {
    name: 'multiclassHinge (Crammer–Singer), integer labels',
    expr: () => L.multiclassHinge(),
    yTrue: labels,
    dense: oneHot(labels, C),
    pred: scores,
    ref: (y, z) => Math.max(...z.map((s, j) => s + 1 - y[j]!)) - sum(z.map((s, j) => s * y[j]!)),
    fused: true,
  },
  {
    name: 'multiclassPerceptron, integer labels',
    expr: () => L.multiclassPerceptron(),
    yTrue: labels,
    dense: oneHot(labels, C),
    pred: scores,
    ref: (y, z) => Math.max(...z) - sum(z.map((s, j) => s * y[j]!)),
    fused: true,
  },
  {
    name: 'perceptron (binary), ±1 targets, mean over the last axis',
    expr: () => L.perceptron(),
    yTrue: signs,
    dense: signs,
    pred: scores,
    ref: (y, z) => mean(z.map((s, j) => Math.max(0, -s * y[j]!))),
    fused: true,
  },
  {
    name: 'binarySparsemax, 0/1 labels, mean over the last axis',
    expr: () => L.binarySparsemax(),
    yTrue: bits,
    dense: bits,
    pred: spread,
    ref: (y, z) => mean(z.map((s, j) => sparsePlus(y[j] === 1 ? -s : s))),
    fused: true,
  },
  {
    name: 'generalizedKl on unnormalised measures (log-predictions as yPred, targets with a zero)',
    expr: () => L.generalizedKl(),
    yTrue: measures,
    dense: measures,
    pred: logMeasures,
    ref: (t, l) => sum(t.map((v, j) => (v > 0 ? v * Math.log(v) : 0) - v * l[j]! + Math.exp(l[j]!) - v)),
    fused: true,
  },
  {
    name: 'generalizedKl with a where mask (classes 1 and 3 left out)',
    expr: () => L.generalizedKl({ where: input('where', 'class') }),
    yTrue: measures,
    dense: measures,
    pred: logMeasures,
    call: { inputs: { where: [1, 0, 1, 0] } },
    ref: (t, l) => sum(t.map((v, j) => (j % 2 === 1 ? 0 : (v > 0 ? v * Math.log(v) : 0) - v * l[j]! + Math.exp(l[j]!) - v))),
    fused: false,
  },
  {
    name: 'rankingSoftmax on graded relevance labels (not normalised)',
    expr: () => L.rankingSoftmax(),
    yTrue: relevance,
    dense: relevance,
    pred: scores,
    ref: (y, s) => -sum(y.map((v, j) => v * (s[j]! - lse(s)))),
    fused: false,
  },
  {
    name: 'rankingSoftmax with where (invalid items leave the softmax and the sum; list 3 has none) and item weights',
    expr: () => L.rankingSoftmax({ where: input('where', 'class'), weights: input('weights', 'class') }),
    yTrue: relevance,
    dense: relevance,
    pred: scores,
    call: { inputs: { where: itemMask, weights: itemWeights } },
    ref: (y, s) => {
      const i = relevance.indexOf(y);
      const keep = (a: number[]) => a.filter((_, j) => itemMask[i]![j] === 1);
      const ss = keep(s);
      return ss.length === 0 ? 0 : -sum(keep(y).map((v, j) => keep(itemWeights[i]!)[j]! * v * (ss[j]! - lse(ss))));
    },
    fused: false,
  },
  {
    name: 'fenchelYoung((s) => s.logSumExp()) on soft targets (the softmax cross-entropy)',
    expr: () => L.fenchelYoung((s) => s.logSumExp()),
    yTrue: softTargets,
    dense: softTargets,
    pred: scores,
    ref: (y, s) => lse(s) - sum(y.map((v, j) => v * s[j]!)),
    fused: true,
  },
  {
    name: 'fenchelYoung with a tempered max function τ·logsumexp(s/τ), τ = 0.5',
    expr: () => L.fenchelYoung((s) => s.scale(2).logSumExp().scale(0.5)),
    yTrue: labels,
    dense: oneHot(labels, C),
    pred: scores,
    ref: (y, s) => 0.5 * lse(s.map((v) => 2 * v)) - sum(y.map((v, j) => v * s[j]!)),
    fused: true,
  },
  {
    name: 'l2Loss: ½ Σ (ŷ − y)²',
    expr: () => L.l2Loss(),
    yTrue: realTargets,
    dense: realTargets,
    pred: scores,
    ref: (y, z) => 0.5 * sum(z.map((v, j) => (v - y[j]!) ** 2)),
    fused: true,
  },
  {
    name: 'cosineDistance ε = 0: 1 − cos',
    expr: () => L.cosineDistance(),
    yTrue: realTargets,
    dense: realTargets,
    pred: scores,
    ref: (y, z) => 1 - sum(z.map((v, j) => v * y[j]!)) / Math.sqrt(sum(z.map((v) => v * v)) * sum(y.map((v) => v * v))),
    fused: true,
  },
  {
    name: 'cosineDistance ε = 4 (floors the squared norms of small rows), with a where mask',
    expr: () => L.cosineDistance({ epsilon: 4, where: input('where', 'class') }),
    yTrue: realTargets,
    dense: realTargets,
    pred: scores,
    call: { inputs: { where: [1, 1, 0, 1] } },
    ref: (y, z) => {
      const k = (a: number[]) => a.filter((_, j) => j !== 2);
      return 1 - sum(k(z).map((v, j) => v * k(y)[j]!)) / (Math.sqrt(Math.max(4, sum(k(z).map((v) => v * v)))) * Math.sqrt(Math.max(4, sum(k(y).map((v) => v * v)))));
    },
    fused: false,
  },
];

describe('optax DSL builders: float64 references, gradients, fusion', () => {
  for (const c of cases) {
    it(`${c.name}: per-sample values equal the float64 reference (rel 1e-5), the gradient passes a finite-difference check, fused=${c.fused}`, () => {
      const loss = compile(c.expr() as Expr<'sample'>, c.options as never);
      expect(loss.fused).toBe(c.fused);
      const t = loss.perSample(c.yTrue, c.pred, c.call);
      const got = t.arraySync() as number[];
      t.dispose();
      got.forEach((g, i) => {
        const want = c.ref(c.dense[i]!, c.pred[i]!);
        expect(Math.abs(g - want), `sample ${i}: ${g} vs ${want}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
      });
      const x = tf.tensor2d(c.pred);
      const r = checkGradient((p) => loss(c.yTrue, p, c.call), x, {
        reference: (flat) => mean(c.dense.map((y, i) => c.ref(y, Array.from(flat.slice(i * C, (i + 1) * C))))),
      });
      x.dispose();
      expect(r.ok, `worst ratio ${r.worst} at ${r.worstIndex}: ${r.analytic[r.worstIndex]} vs ${r.numeric[r.worstIndex]}`).toBe(true);
    });
  }
});

describe('optax DSL builders: ±1e4 scores and ties', () => {
  it('multiclassHinge and multiclassPerceptron are exact at ±1e4 and share the subgradient between tied maxima', () => {
    const z = [[1e4, 1e4, -1e4], [-1e4, 1e4, 1e4], [3, 3, 3]];
    const y = [0, 2, 1];
    const hinge = compile(L.multiclassHinge(), { reduction: 'sum' });
    const v = hinge.perSample(y, z);
    // max(s + 1 − onehot) − s_y: [1e4 + 1 − 1e4, 1e4 + 1 − 1e4, 3 + 1 − 3].
    expect(Array.from(v.dataSync())).toEqual([1, 1, 1]);
    v.dispose();
    const { value, grad } = hinge.valueAndGrad(y, z);
    expect(value.dataSync()[0]).toBe(3);
    // Row 0: s + 1 − onehot = [1e4, 1e4 + 1, −1e4 + 1]: the max is class 1 alone, so ∂ = e_1 − e_0.
    // Row 2: [4, 3, 4]: classes 0 and 2 tie, each gets ½.
    expect(grad.arraySync()).toEqual([[-1, 1, 0], [0, 1, -1], [0.5, -1, 0.5]]);
    tf.dispose([value, grad]);
    const perc = compile(L.multiclassPerceptron());
    const p = perc.perSample(y, z);
    expect(Array.from(p.dataSync())).toEqual([0, 0, 0]);
    p.dispose();
  });
  it('perceptron and binarySparsemax are exact at ±1e4 (linear pieces, no exponentials)', () => {
    const z = [[1e4, -1e4]];
    const per = compile(L.perceptron()).perSample([[1, 1]], z);
    expect(Array.from(per.dataSync())).toEqual([5000]);
    const sp = compile(L.binarySparsemax()).perSample([[1, 1]], z);
    expect(Array.from(sp.dataSync())).toEqual([5000]);
    tf.dispose([per, sp]);
    const { value, grad } = compile(L.binarySparsemax()).valueAndGrad([[0, 1]], [[1e4, 1e4]]);
    expect(value.dataSync()[0]).toBe(5000);
    expect(Array.from(grad.dataSync())).toEqual([0.5, 0]);
    tf.dispose([value, grad]);
  });
});

describe('generalizedKl: measures, extremes and the Bregman properties', () => {
  it('is zero at e^ℓ = t (also for t = 0 as ℓ → −1e4), exact at ℓ = −1e4, and equals KL for distributions', () => {
    const t = [[0.5, 2, 0], [0.3, 0.7, 0]];
    const l = [[Math.log(0.5), Math.log(2), -1e4], [Math.log(0.3), Math.log(0.7), -1e4]];
    const v = compile(L.generalizedKl()).perSample(t, l);
    for (const x of v.dataSync()) expect(Math.abs(x)).toBeLessThan(1e-6);
    v.dispose();
    // ℓ = −1e4 against a target of 1: 1·(0 + 1e4) + e^{−1e4} − 1 = 9999 exactly.
    const w = compile(L.generalizedKl()).perSample([[1]], [[-1e4]]);
    expect(w.dataSync()[0]).toBe(9999);
    w.dispose();
    // Normalised measures: the e^ℓ − t terms cancel, leaving Σ t log(t / p).
    const p = [0.2, 0.3, 0.5];
    const q = [0.6, 0.1, 0.3];
    const g = compile(L.generalizedKl()).perSample([q], [p.map(Math.log)]);
    expect(g.dataSync()[0]!).toBeCloseTo(sum(q.map((v, j) => v * Math.log(v / p[j]!))), 6);
    g.dispose();
  });
  it('a log-prediction of 1e4 overflows e^ℓ: NON_FINITE_OUTPUT naming the term, not a silent Infinity', () => {
    expectCleanThrow(() => compile(L.generalizedKl())([[1, 1]], [[1e4, 0]]), 'NON_FINITE_OUTPUT');
  });
});

describe('rankingSoftmax: extremes and masks (optax/losses/_ranking_test.py)', () => {
  it('reproduces test_computes_loss_with_extreme_inputs: scores [0, −2.1e26, 3.4e37, 42] give 3.4e37 + 2.1e26 (rel 1e-3), with a finite gradient', () => {
    const loss = compile(rankingSoftmax(), { reduction: 'sum' });
    const v = loss.perSample([[0, 1, 1, 0]], [[0, -2.1e26, 3.4e37, 42]]);
    const want = -((-2.1e26 - (0 + -2.1e26 + 3.4e37 + 42)) + (3.4e37 - (0 + -2.1e26 + 3.4e37 + 42)));
    expect(Math.abs(v.dataSync()[0]! - want) / want).toBeLessThan(1e-3);
    v.dispose();
    const { value, grad } = loss.valueAndGrad([[0, 1, 1, 0]], [[0, -2.1e26, 3.4e37, 42]]);
    // p = e_2: ∂ = p·Σy − y = [0, −1, 1, 0].
    expect(Array.from(grad.dataSync())).toEqual([0, -1, 1, 0]);
    tf.dispose([value, grad]);
  });
  it('a list whose items are all invalid gives 0 with a zero (finite) gradient (test_grad_does_not_return_nan_with_all_masked)', () => {
    const loss = compile(rankingSoftmax({ where: input('where', 'class') }), { reduction: 'sum' });
    const { value, grad } = loss.valueAndGrad([[0, 0, 1, 1]], [[0, 3, 1, 2]], { inputs: { where: [[0, 0, 0, 0]] } });
    expect(value.dataSync()[0]).toBe(0);
    expect(Array.from(grad.dataSync())).toEqual([0, 0, 0, 0]);
    tf.dispose([value, grad]);
  });
  it('±1e4 scores and ties: exact', () => {
    const v = compile(rankingSoftmax()).perSample([[1, 0, 2], [1, 1, 0]], [[1e4, -1e4, 1e4], [5, 5, -1e4]]);
    // Row 0: p = [½, 0, ½]: −(log ½ + 2(log ½)) = 3 log 2; row 1: −2 log ½ = 2 log 2.
    const got = Array.from(v.dataSync());
    v.dispose();
    expect(got[0]).toBeCloseTo(3 * Math.LN2, 5);
    expect(got[1]).toBeCloseTo(2 * Math.LN2, 5);
  });
});

describe('fenchelYoung: the max function decides the loss', () => {
  it('logsumexp (the default) gives ce() and max gives multiclassPerceptron(), value for value', () => {
    const pairs: Array<[Expr<'sample'>, Expr<'sample'>]> = [
      [L.fenchelYoung((s) => s.logSumExp()), ce()],
      [L.fenchelYoung(), ce()],
      [L.fenchelYoung((s) => s.max()), L.multiclassPerceptron()],
    ];
    for (const [a, b] of pairs) {
      const x = compile(a).perSample(labels, scores);
      const y = compile(b).perSample(labels, scores);
      Array.from(x.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(y.dataSync()[i]!, 5));
      tf.dispose([x, y]);
    }
  });
  it('±1e4 scores and ties: logsumexp gives log 2 at a tie of 1e4 scores, max gives 0, gradients finite', () => {
    const z = [[1e4, 1e4, -1e4], [-1e4, 3, 3]];
    const a = compile(L.fenchelYoung(), { reduction: 'sum' });
    const v = a.perSample([0, 1], z);
    Array.from(v.dataSync()).forEach((x) => expect(x).toBeCloseTo(Math.LN2, 5));
    v.dispose();
    const { value, grad } = a.valueAndGrad([0, 1], z);
    expect(Array.from(grad.dataSync())).toEqual([-0.5, 0.5, 0, 0, -0.5, 0.5]);
    tf.dispose([value, grad]);
    const m = compile(L.fenchelYoung((s) => s.max())).perSample([0, 1], z);
    expect(Array.from(m.dataSync())).toEqual([0, 0]);
    m.dispose();
  });
  it('rejects a max function that is not a function or does not reduce the classes', () => {
    expectCleanThrow(() => L.fenchelYoung(3 as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => L.fenchelYoung((s) => s.exp() as never), 'LEVEL_MISMATCH');
  });
});

describe('l2Loss and cosineDistance: extremes', () => {
  it('l2Loss at ±1e4 errors is exact; cosineDistance is scale invariant (1e4 against 1e-4), and a zero vector needs ε > 0', () => {
    const v = compile(L.l2Loss()).perSample([[-1e4, 0]], [[1e4, 0]]);
    expect(v.dataSync()[0]).toBe(2e8);
    v.dispose();
    const c = compile(L.cosineDistance()).perSample([[1e-4, -2e-4]], [[1e4, -2e4]]);
    expect(Math.abs(c.dataSync()[0]!)).toBeLessThan(1e-6);
    c.dispose();
    expectCleanThrow(() => compile(L.cosineDistance())([[1, 1]], [[0, 0]]), 'NON_FINITE_OUTPUT');
    const { value, grad } = compile(L.cosineDistance({ epsilon: 1e-12 })).valueAndGrad([[1, 1]], [[0, 0]]);
    expect(value.dataSync()[0]).toBe(1);
    expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([value, grad]);
    expectCleanThrow(() => L.cosineDistance({ epsilon: -1 }), 'INVALID_PARAMETER');
  });
});

describe('generalizedDice: the batch as one image of N pixels (optax multiclass_generalized_dice_loss on [1, N, C])', () => {
  const softmax = (r: number[]) => { const m = Math.max(...r); const e = r.map((v) => Math.exp(v - m)); return e.map((v) => v / sum(e)); };
  /** Float64 from Sudre et al. as optax weights it: w_c = 1/(f_c² + 1e-7), normalised to sum to C; mean over classes. */
  const gdl64 = (p: number[][], t: number[][], smooth = 1, ignore = false) => {
    const K = t[0]!.length;
    const f = Array.from({ length: K }, (_, c) => sum(t.map((r) => r[c]!)));
    const w0 = f.map((v) => 1 / (v * v + 1e-7));
    const w = w0.map((v) => (v / sum(w0)) * K);
    const d = Array.from({ length: K }, (_, c) => {
      const I = sum(p.map((r, i) => r[c]! * t[i]![c]!));
      return w[c]! * (1 - (I + smooth) / (0.5 * (sum(p.map((r) => r[c]!)) + f[c]!) + smooth));
    }).slice(ignore && K > 1 ? 1 : 0);
    return sum(d) / d.length;
  };
  const t = oneHot(labels, C);
  it('equals the float64 definition from logits and from probabilities, with smooth and ignoreBackground', () => {
    const cases: Array<[Expr<'batch'>, 'logits' | 'probs', number]> = [
      [L.generalizedDice(), 'logits', gdl64(scores.map(softmax), t)],
      [L.generalizedDice({ smooth: 0.3, ignoreBackground: true }), 'logits', gdl64(scores.map(softmax), t, 0.3, true)],
      [L.generalizedDice(), 'probs', gdl64(softTargets, t)],
    ];
    for (const [e, from, want] of cases) {
      const v = compile(e as Expr<'batch', 'any'>, { from: from as 'probs' })(labels, from === 'probs' ? softTargets : scores);
      expect(Math.abs(v.dataSync()[0]! - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
      v.dispose();
    }
  });
  it('an absent class takes nearly all the weight, w_c = 1/(f_c² + 1e-7) normalised (the 1e-7 shows at 1e-6)', () => {
    // Class 1 never occurs: w = [2·1e-7/(4 + 2e-7), 2·4/(4 + 2e-7)]·…; the loss is almost the absent class's Dice term alone.
    const z = [[0.3, -0.2], [1.1, 0.4]];
    const y = [[1, 0], [1, 0]];
    const v = compile(L.generalizedDice())(y, z);
    const want = gdl64(z.map(softmax), y);
    expect(Math.abs(v.dataSync()[0]! - want)).toBeLessThanOrEqual(1e-6 * want);
    v.dispose();
  });
  it('a finite-difference gradient check against the float64 definition; not fused (a batch-level op)', () => {
    const loss = compile(L.generalizedDice());
    expect(loss.fused).toBe(false);
    const x = tf.tensor2d(scores);
    const r = checkGradient((z) => loss(labels, z), x, { reference: (f) => gdl64(Array.from({ length: B }, (_, i) => softmax(Array.from(f.slice(i * C, (i + 1) * C)))), t) });
    x.dispose();
    expect(r.ok, `worst ${r.worst}`).toBe(true);
  });
  it('one class uses the sigmoid; ±1e4 logits give the exact limits (perfect: 0 at smooth 0), finite gradients', () => {
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const y1 = [[1], [0], [1]];
    const z1 = [[0.4], [-1.2], [2]];
    const v = compile(L.generalizedDice())(y1, z1);
    expect(v.dataSync()[0]!).toBeCloseTo(gdl64(z1.map((r) => [sig(r[0]!)]), y1), 5);
    v.dispose();
    // Every class present (an absent class with smooth 0 is 0/0, a NON_FINITE_OUTPUT, as optax's NaN).
    const all = [0, 1, 2, 3, 1];
    const big = all.map((k) => Array.from({ length: C }, (_, j) => (j === k ? 1e4 : -1e4)));
    const { value, grad } = compile(L.generalizedDice({ smooth: 0 })).valueAndGrad(all, big);
    expect(Math.abs(value.dataSync()[0]!)).toBeLessThan(1e-6);
    expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([value, grad]);
    expectCleanThrow(() => compile(L.generalizedDice({ smooth: 0 }))([0, 0], [[1e4, -1e4], [1e4, -1e4]]), 'NON_FINITE_OUTPUT');
  });
  it('rejects a negative smooth, a non-boolean ignoreBackground, sample weights and probabilities that are not distributions', () => {
    expectCleanThrow(() => L.generalizedDice({ smooth: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => L.generalizedDice({ ignoreBackground: 'yes' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => compile(L.generalizedDice())(labels, scores, [1, 1, 1, 1, 1]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => compile(L.generalizedDice(), { from: 'probs' })([0], [[0.5, 0.6, 0, 0]]), 'INVALID_ARGUMENT');
  });
});

describe('optax DSL builders: bad input and leaks', () => {
  it('NaN scores raise NON_FINITE_INPUT, out-of-range labels LABEL_OUT_OF_RANGE, without leaking', () => {
    const bad: Array<[() => unknown, string]> = [
      [() => compile(L.multiclassHinge())([0, 1], [[Number.NaN, 1], [0, 1]]), 'NON_FINITE_INPUT'],
      [() => compile(L.multiclassPerceptron())([0, 2], [[0, 1], [0, 1]]), 'LABEL_OUT_OF_RANGE'],
      [() => compile(L.perceptron())([[1, Number.POSITIVE_INFINITY]], [[0, 1]]), 'NON_FINITE_INPUT'],
      [() => compile(L.binarySparsemax()).valueAndGrad([[1, 0]], [[0, 1], [1, 0]]), 'SHAPE_MISMATCH'],
    ];
    for (const [f, code] of bad) expectCleanThrow(f, code);
  });
  it('leak no tensors (values and gradients)', () => {
    const compiled = cases.map((c) => [compile(c.expr() as Expr<'sample'>, c.options as never), c] as const);
    for (const [loss, c] of compiled) loss(c.yTrue as TensorLike, c.pred, c.call).dispose();
    expectNoLeaks(() => {
      for (const [loss, c] of compiled) {
        loss(c.yTrue as TensorLike, c.pred, c.call).dispose();
        const { value, grad } = loss.valueAndGrad(c.yTrue as TensorLike, c.pred, c.call);
        tf.dispose([value, grad]);
      }
    });
  });
});
