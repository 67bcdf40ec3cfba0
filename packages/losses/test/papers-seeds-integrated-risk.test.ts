// Integrated risk of "Long-tailed Classification from a Bayesian-decision-theory Perspective": a float64 reference
// written from the authors' VariationalE.forward for one particle (github.com/lblaoke/LBD at
// bab328d5cb4005e79142c2d789e3269d0eed2401, model/loss.py: m = n^{-1/4} scaled to max 0.5, x − 30 m_y on the
// target logit, cls_weight_init 'linear' = 1/n, F.cross_entropy(weight=w) normalized by Σ w_y, the utility −1 for
// classes c < y, utility_loss = −Σ w·utility·log_p / B added as utility_loss/α); gradient check; ±1e4; ties;
// the warm-up stage; typed errors; leaks.
import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32, logSumExp } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { falseHeadRate, integratedRisk } from '../src/index.js';
import { type M, unflat } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

interface Opts {
  alpha: number;
  maxMargin: number;
  reweight: boolean;
  utility: boolean;
}
const DEFAULTS: Opts = { alpha: 0.3, maxMargin: 0.5, reweight: true, utility: true };

/** The authors' per-particle forward pass in float64 (labels y, logits x). */
function riskRef(y: number[], x: M, counts: number[], o: Opts = DEFAULTS): number {
  const raw = counts.map((n) => 1 / Math.sqrt(Math.sqrt(n)));
  const top = Math.max(...raw);
  const m = raw.map((v) => v * (o.maxMargin / top));
  const w = counts.map((n) => 1 / n);
  const B = y.length;
  let num = 0;
  let den = 0;
  let util = 0;
  x.forEach((row, i) => {
    const t = y[i]!;
    const h = row.map((v, j) => (j === t ? v - 30 * m[t]! : v));
    const lse = logSumExp(h);
    const logP = h.map((v) => v - lse);
    const wt = o.reweight ? w[t]! : 1;
    num += wt * -logP[t]!;
    den += wt;
    // utility[i, c] = −1 for c < y_i; utility_loss = −Σ w_c utility log_p / B.
    for (let c = 0; c < t; c++) util -= w[c]! * -1 * logP[c]!;
  });
  return num / den + (o.reweight && o.utility ? util / B / o.alpha : 0);
}

const counts = [600, 200, 60, 20, 5];
const y = [0, 4, 2, 3, 1, 4];
const x = f32([
  [1.3, -0.7, -2.1, 0.4, 0.2],
  [0.2, 0.9, -1.4, -0.3, 1.1],
  [-1.1, 0.6, 0.8, -0.5, 0.05],
  [-0.4, -1.7, 0.3, 1.2, -0.9],
  [0.7, 0.1, -0.9, -2.4, 0.6],
  [2.2, 1.4, 0.3, -0.6, -1.5],
]);
const rel = (got: number, want: number) => Math.abs(got - want) / Math.max(Math.abs(want), 1e-6);

describe('integratedRisk', () => {
  for (const o of [DEFAULTS, { alpha: 1.5, maxMargin: 0.2, reweight: true, utility: true }, { ...DEFAULTS, utility: false }, { ...DEFAULTS, reweight: false }]) {
    it(`matches the float64 reference of the authors' forward pass (rel err <= 1e-5), ${JSON.stringify(o)}`, () => {
      const v = compile(integratedRisk({ classCounts: counts, ...o }))(y, x);
      expect(rel(v.dataSync()[0]!, riskRef(y, x, counts, o))).toBeLessThan(1e-5);
      v.dispose();
    });
  }

  it('one-hot targets give the same value as integer labels', () => {
    const oneHot = y.map((t) => counts.map((_n, j) => (j === t ? 1 : 0)));
    const loss = compile(integratedRisk({ classCounts: counts }));
    const a = loss(y, x);
    const b = loss(oneHot, x);
    expect(rel(b.dataSync()[0]!, a.dataSync()[0]!)).toBeLessThan(1e-6);
    a.dispose();
    b.dispose();
  });

  it('passes a finite-difference gradient check against the reference', () => {
    const loss = compile(integratedRisk({ classCounts: counts, alpha: 1 }));
    const xt = tf.tensor2d(x);
    const r = checkGradient((t) => loss(y, t), xt, { reference: (flat) => riskRef(y, unflat(flat, x), counts, { ...DEFAULTS, alpha: 1 }) });
    xt.dispose();
    expect(r.ok, `worst ${r.worst} at ${r.worstIndex}: ${r.analytic[r.worstIndex]} vs ${r.numeric[r.worstIndex]}`).toBe(true);
  });

  it('has a finite value and gradient at ±1e4 logits and at ties, equal to the reference', () => {
    const loss = compile(integratedRisk({ classCounts: counts }));
    for (const z of [x.map((r) => r.map((v) => (v >= 0 ? 1e4 : -1e4))), x.map(() => [1e4, 1e4, 1e4, 1e4, 1e4]), x.map(() => [0.5, 0.5, 0.5, 0.5, 0.5]), x.map(() => [0, 0, 0, 0, 0])]) {
      const { value, grad } = loss.valueAndGrad(y, z);
      const want = riskRef(y, z, counts);
      expect(Math.abs(value.dataSync()[0]! - want) / Math.max(Math.abs(want), 1)).toBeLessThan(1e-5);
      expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
      value.dispose();
      grad.dispose();
    }
  });

  it('a batch whose labels are all the head class (y = 0) has no utility term: value and gradient equal the utility-free loss', () => {
    const full = compile(integratedRisk({ classCounts: counts }));
    const ceOnly = compile(integratedRisk({ classCounts: counts, utility: false }));
    const g1 = full.valueAndGrad([0, 0], [x[0]!, x[1]!]);
    const g0 = ceOnly.valueAndGrad([0, 0], [x[0]!, x[1]!]);
    expect(rel(g1.value.dataSync()[0]!, g0.value.dataSync()[0]!)).toBeLessThan(1e-6);
    const a = Array.from(g1.grad.dataSync());
    const b = Array.from(g0.grad.dataSync());
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-6));
    [g1.value, g1.grad, g0.value, g0.grad].forEach((t) => t.dispose());
  });

  it('on one tail sample the utility adds (1/α)(w_c − p_c Σ_{c′<y} w_c′) to the gradient of each head-class logit c < y (closed form)', () => {
    const full = compile(integratedRisk({ classCounts: counts }));
    const ceOnly = compile(integratedRisk({ classCounts: counts, utility: false }));
    const row = [-3, -1, 0.5, -2, 2];
    const g1 = full.valueAndGrad([4], [row]);
    const g0 = ceOnly.valueAndGrad([4], [row]);
    const a = Array.from(g1.grad.dataSync());
    const b = Array.from(g0.grad.dataSync());
    const h = row.map((v, j) => (j === 4 ? v - 30 * 0.5 : v)); // the rarest class has the largest margin, 0.5
    const lse = logSumExp(h);
    const w = counts.map((n) => 1 / n);
    const wHead = w[0]! + w[1]! + w[2]! + w[3]!;
    for (let c = 0; c < 4; c++) {
      const want = (w[c]! - Math.exp(h[c]! - lse) * wHead) / 0.3;
      expect(Math.abs(a[c]! - b[c]! - want)).toBeLessThan(1e-6);
    }
    [g1.value, g1.grad, g0.value, g0.grad].forEach((t) => t.dispose());
  });

  it('one class: the value is 0', () => {
    const v = compile(integratedRisk({ classCounts: [10] }))([0, 0], [[0.7], [-1.3]]);
    expect(v.dataSync()[0]).toBe(0);
    v.dispose();
  });

  it('raises typed errors naming the argument, without leaks', () => {
    expectCleanThrow(() => integratedRisk({ classCounts: [] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => integratedRisk({ classCounts: [10, 0] }), 'INVALID_PARAMETER');
    expect(expectCleanThrow(() => integratedRisk({ classCounts: [10, 20] }), 'INVALID_PARAMETER').message).toMatch(/^classCounts:/);
    expectCleanThrow(() => integratedRisk({ classCounts: counts, alpha: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => integratedRisk({ classCounts: counts, maxMargin: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => integratedRisk({ classCounts: counts, marginScale: Number.NaN }), 'INVALID_PARAMETER');
    expect(expectCleanThrow(() => integratedRisk({ classCounts: counts, reweight: 'no' as unknown as boolean }), 'INVALID_PARAMETER').message).toMatch(/^reweight:/);
    expect(expectCleanThrow(() => integratedRisk({ classCounts: counts, utility: 1 as unknown as boolean }), 'INVALID_PARAMETER').message).toMatch(/^utility:/);
    const loss = compile(integratedRisk({ classCounts: counts }));
    expectCleanThrow(() => loss([0, 1, 2], x), 'SHAPE_MISMATCH');
    expectCleanThrow(() => loss([0, 1, 2, 3, 0, 1], x.map((r) => r.slice(0, 4))), 'SHAPE_MISMATCH');
    expectCleanThrow(() => loss([0, 1, 2, 3, 9, 0], x), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => loss(y, x.map((r, i) => (i === 2 ? [Number.NaN, ...r.slice(1)] : r))), 'NON_FINITE_INPUT');
  });

  it('leaks no tensors on value and gradient', () => {
    const loss = compile(integratedRisk({ classCounts: counts }));
    expectNoLeaks(() => {
      const { value, grad } = loss.valueAndGrad(y, x);
      value.dispose();
      grad.dispose();
    });
  });
});

// The authors' FHR (model/metric.py at bab328d): border = int(C·r + 0.5), the share of samples with border <= target
// whose prediction is below the border, for r = 0.25, 0.5, 0.75, and their average.
function fhrRef(pred: number[], target: number[], C: number, rates = [0.25, 0.5, 0.75]): number[] {
  return rates.map((rate) => {
    const border = Math.trunc(C * rate + 0.5);
    const tail = target.filter((t) => border <= t).length;
    const falseHead = target.filter((t, i) => border <= t && pred[i]! < border).length;
    return falseHead / tail;
  });
}

describe('falseHeadRate', () => {
  it('the documented example: labels [0, 3, 3, 2], predictions [0, 0, 3, 1], C = 4 give [1/3, 2/3, 1/2], mean 1/2', () => {
    const r = falseHeadRate([0, 3, 3, 2], [0, 0, 3, 1], { numClasses: 4 });
    expect(r.rates).toEqual([1 / 3, 2 / 3, 1 / 2]);
    expect(r.mean).toBeCloseTo(0.5, 15);
  });

  it('matches the authors\' FHR on random labels and predictions (C = 10 and 100, and custom tail ratios)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const [C, rates] of [[10, undefined], [100, undefined], [7, [0.1, 0.9]]] as const) {
      const n = 200;
      const target = Array.from({ length: n }, () => Math.floor(rand() * C));
      const pred = Array.from({ length: n }, () => Math.floor(rand() * C));
      const want = fhrRef(pred, target, C, rates ? [...rates] : undefined);
      const got = falseHeadRate(target, pred, { numClasses: C, ...(rates ? { tailRates: rates } : {}) });
      expect(got.rates).toEqual(want);
      expect(got.mean).toBeCloseTo(want.reduce((a, b) => a + b, 0) / want.length, 15);
    }
  });

  it('perfect predictions have FHR 0 and predicting class 0 everywhere has FHR 1', () => {
    const y = [0, 1, 2, 3, 4, 5, 6, 7];
    expect(falseHeadRate(y, y, { numClasses: 8 }).rates).toEqual([0, 0, 0]);
    expect(falseHeadRate(y, y.map(() => 0), { numClasses: 8 }).rates).toEqual([1, 1, 1]);
  });

  it('raises typed errors naming the argument', () => {
    expect(expectCleanThrow(() => falseHeadRate([0, 3], [0, 1], { numClasses: 0 }), 'INVALID_PARAMETER').message).toMatch(/^numClasses:/);
    expect(expectCleanThrow(() => falseHeadRate([0, 3], [0, 1], { numClasses: 4, tailRates: [1] }), 'INVALID_PARAMETER').message).toMatch(/^tailRates:/);
    expect(expectCleanThrow(() => falseHeadRate([0, 3], [0, 1], { numClasses: 4, tailRates: [] }), 'INVALID_PARAMETER').message).toMatch(/^tailRates:/);
    expect(expectCleanThrow(() => falseHeadRate([0, 4], [0, 1], { numClasses: 4 }), 'LABEL_OUT_OF_RANGE').message).toMatch(/^labels:/);
    expect(expectCleanThrow(() => falseHeadRate([0, 3], [0, 1.5], { numClasses: 4 }), 'NON_INTEGER_LABEL').message).toMatch(/^predictions:/);
    expect(expectCleanThrow(() => falseHeadRate([0, Number.NaN], [0, 1], { numClasses: 4 }), 'NON_FINITE_INPUT').message).toMatch(/^labels:/);
    expect(expectCleanThrow(() => falseHeadRate([], [], { numClasses: 4 }), 'INVALID_ARGUMENT').message).toMatch(/^labels:/);
    expect(expectCleanThrow(() => falseHeadRate([0, 3], [0], { numClasses: 4 }), 'SHAPE_MISMATCH').message).toMatch(/^predictions:/);
    // No sample in the tail of ratio 0.75 (labels >= 3): the authors divide by zero; here a typed error.
    expect(expectCleanThrow(() => falseHeadRate([0, 1, 2], [0, 1, 2], { numClasses: 4 }), 'INVALID_ARGUMENT').message).toMatch(/^labels:/);
  });
});
