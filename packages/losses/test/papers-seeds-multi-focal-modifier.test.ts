// COMIC's multi-focal modifier loss: a float64 reference written from the authors' PriorFocalModifierLoss.forward
// (github.com/wannature/COMIC at 6e266f9, loss/PriorFocalModifierLoss.py: class weights (1 − log(π/π_max))^{1/3}, the
// column-normalized co-occurrence attention, σ(1 − a), clip and γ_cn on the negatives, log clamps at 1e-8, the focusing
// weight without gradient, −sum); gradient check with the focusing weight frozen (as the authors' no-grad block);
// ±1e4; ties; the no-positive deviation; typed errors; leaks.
import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32 } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { multiFocalModifier } from '../src/index.js';
import { type M, unflat } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

interface Opts {
  gammaPos: number;
  gammaNeg: number;
  clip: number;
  gammaClassNeg: number;
}
const DEFAULTS: Opts = { gammaPos: 0, gammaNeg: 3, clip: 0.05, gammaClassNeg: 1.2 };

/** The authors' forward pass in float64; `focusAt` evaluates the (no-grad) focusing weight at other logits. */
function mfmRef(y: M, x: M, counts: number[], co: M, o: Opts = DEFAULTS, focusAt: M = x): number {
  const C = counts.length;
  const prob = counts.map((n) => n / counts.reduce((a, b) => a + b, 0));
  const pMax = Math.max(...prob);
  const w = prob.map((p) => (-Math.log(p / pMax) + 1) ** (1 / 3));
  const colSum = co[0]!.map((_v, j) => co.reduce((a, r) => a + r[j]!, 0));
  const coN = co.map((r) => r.map((v, j) => v / colSum[j]!));
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const parts = (row: number[], k: number) => {
    const pos = y[k]!.map((v, i) => (v === 1 ? i : -1)).filter((i) => i >= 0);
    let a = new Array<number>(C).fill(0);
    if (pos.length > 0) {
      const mean = coN[0]!.map((_v, j) => pos.reduce((s, i) => s + coN[i]![j]!, 0) / pos.length);
      const s = mean.reduce((p, q) => p + q, 0);
      if (s > 0) a = mean.map((v) => v / s);
    }
    const xsPos = row.map((v, j) => sig(v) * (1 - a[j]!));
    const xsNeg = row.map((v, j) => {
      let n = 1 - sig(v);
      if (o.clip > 0) n = Math.min(n + o.clip, 1);
      return Math.min(a[j] === 0 ? n : n * o.gammaClassNeg, 1);
    });
    return { xsPos, xsNeg };
  };
  let total = 0;
  x.forEach((row, k) => {
    const { xsPos, xsNeg } = parts(row, k);
    const f = parts(focusAt[k]!, k);
    for (let j = 0; j < C; j++) {
      const t = y[k]![j]!;
      const base = w[j]! * (t * Math.log(Math.max(xsPos[j]!, 1e-8)) + (1 - t) * Math.log(Math.max(xsNeg[j]!, 1e-8)));
      const pt = f.xsPos[j]! * t + f.xsNeg[j]! * (1 - t);
      const gamma = o.gammaPos * t + (o.gammaNeg + w[j]!) * (1 - t);
      total -= base * (1 - pt) ** gamma;
    }
  });
  return total;
}

const counts = [900, 120, 30, 6];
const co = [
  [900, 60, 12, 2],
  [60, 120, 9, 1],
  [12, 9, 30, 3],
  [2, 1, 3, 6],
];
const y = [
  [1, 0, 0, 0],
  [1, 1, 0, 0],
  [0, 0, 1, 1],
  [0, 1, 0, 0],
  [1, 0, 1, 0],
];
const x = f32([
  [1.3, -0.7, -2.1, 0.4],
  [0.2, 0.9, -1.4, -0.3],
  [-1.1, 0.6, 0.8, -0.5],
  [-0.4, -1.7, 0.3, 1.2],
  [0.7, 0.1, -0.9, -2.4],
]);

describe('multiFocalModifier', () => {
  for (const o of [DEFAULTS, { gammaPos: 1, gammaNeg: 4, clip: 0, gammaClassNeg: 1 }, { gammaPos: 0.5, gammaNeg: 2, clip: 0.2, gammaClassNeg: 1.5 }]) {
    it(`matches the float64 reference of the authors' forward pass (rel err <= 1e-5), ${JSON.stringify(o)}`, () => {
      const v = compile(multiFocalModifier({ classCounts: counts, cooccurrence: co, ...o }), { reduction: 'sum' })(y, x);
      const want = mfmRef(y, x, counts, co, o);
      expect(Math.abs(v.dataSync()[0]! - want) / Math.abs(want)).toBeLessThan(1e-5);
      v.dispose();
    });
  }

  it('per-sample values are the reference rows (reduction none)', () => {
    const v = compile(multiFocalModifier({ classCounts: counts, cooccurrence: co }), { reduction: 'none' })(y, x);
    const got = Array.from(v.dataSync());
    v.dispose();
    got.forEach((g, k) => expect(Math.abs(g - mfmRef([y[k]!], [x[k]!], counts, co)) / Math.abs(g)).toBeLessThan(1e-5));
  });

  it('passes a finite-difference gradient check against the reference with the focusing weight frozen (no-grad, as the authors)', () => {
    const loss = compile(multiFocalModifier({ classCounts: counts, cooccurrence: co }), { reduction: 'sum' });
    const xt = tf.tensor2d(x);
    const r = checkGradient((t) => loss(y, t), xt, { reference: (flat) => mfmRef(y, unflat(flat, x), counts, co, DEFAULTS, x) });
    xt.dispose();
    expect(r.ok, `worst ${r.worst} at ${r.worstIndex}: ${r.analytic[r.worstIndex]} vs ${r.numeric[r.worstIndex]}`).toBe(true);
  });

  it('has a finite value and gradient at ±1e4 logits and at ties, equal to the reference', () => {
    const loss = compile(multiFocalModifier({ classCounts: counts, cooccurrence: co }), { reduction: 'sum' });
    for (const z of [x.map((r) => r.map((v) => (v >= 0 ? 1e4 : -1e4))), x.map(() => [0.5, 0.5, 0.5, 0.5]), x.map(() => [0, 0, 0, 0])]) {
      const { value, grad } = loss.valueAndGrad(y, z);
      const want = mfmRef(y, z, counts, co);
      expect(Math.abs(value.dataSync()[0]! - want) / Math.max(Math.abs(want), 1e-6)).toBeLessThan(1e-5);
      expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
      value.dispose();
      grad.dispose();
    }
  });

  it('a sample without positive labels gets no modifier (a = 0) instead of the authors’ NaN', () => {
    const yNone = [[0, 0, 0, 0], ...y.slice(1)];
    const v = compile(multiFocalModifier({ classCounts: counts, cooccurrence: co }), { reduction: 'none' })(yNone, x);
    const first = v.dataSync()[0]!;
    v.dispose();
    expect(Math.abs(first - mfmRef([yNone[0]!], [x[0]!], counts, co)) / Math.abs(first)).toBeLessThan(1e-5);
  });

  it('with equal class counts and no positives (a = 0, w = 1), γ₋ = 0 and clip 0 it is −Σ σ log(1 − σ)', () => {
    const eq = [5, 5, 5, 5];
    const v = compile(multiFocalModifier({ classCounts: eq, cooccurrence: co, gammaPos: 0, gammaNeg: 0, clip: 0, gammaClassNeg: 1 }), { reduction: 'none' })([[0, 0, 0, 0]], [x[0]!]);
    // No positives: a = 0, w = 1, exponent w_c = 1 on the negatives: −Σ log(1 − σ)·σ.
    const sig = (t: number) => 1 / (1 + Math.exp(-t));
    const want = -x[0]!.reduce((s, t) => s + Math.log(1 - sig(t)) * sig(t), 0);
    expect(Math.abs(v.dataSync()[0]! - want) / want).toBeLessThan(1e-5);
    v.dispose();
  });

  it('raises typed errors naming the argument, without leaks', () => {
    expectCleanThrow(() => multiFocalModifier({ classCounts: [], cooccurrence: [] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => multiFocalModifier({ classCounts: [1, 2], cooccurrence: [[1, 0]] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => multiFocalModifier({ classCounts: [1, 2], cooccurrence: [[1, 0], [-1, 1]] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => multiFocalModifier({ classCounts: [1, 2], cooccurrence: [[1, 0], [0, 0]] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => multiFocalModifier({ classCounts: counts, cooccurrence: co, clip: 2 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => multiFocalModifier({ classCounts: counts, cooccurrence: co, gammaNeg: -1 }), 'INVALID_PARAMETER');
    const loss = compile(multiFocalModifier({ classCounts: counts, cooccurrence: co }));
    expectCleanThrow(() => loss([0, 1, 2, 3, 0], x), 'INVALID_ARGUMENT');
    expectCleanThrow(() => loss(y.map((r) => [...r.slice(0, 3), 0.5]), x), 'NON_INTEGER_LABEL');
    expectCleanThrow(() => loss(y.map((r) => r.slice(0, 3)), x.map((r) => r.slice(0, 3))), 'SHAPE_MISMATCH');
    expectCleanThrow(() => loss(y, [[NaN, 0, 0, 0], ...x.slice(1)]), 'NON_FINITE_INPUT');
  });

  it('leaks no tensors over values and gradients', () => {
    const loss = compile(multiFocalModifier({ classCounts: counts, cooccurrence: co }));
    expectNoLeaks(() => {
      for (let i = 0; i < 10; i++) {
        loss(y, x).dispose();
        const g = loss.valueAndGrad(y, x);
        g.value.dispose();
        g.grad.dispose();
      }
    });
  });
});
