import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// Closed forms in float64, written from calculus, not from the implementation.
const sig = (v: number) => 1 / (1 + Math.exp(-v));
const xs = [-1.3, -0.2, 0.5, 1.7];

/** Second derivative of h(x) = f(x)·x, i.e. d/dx [f'(x)·x + f(x)] = f''(x)·x + 2f'(x). */
const cases: [string, (t: Tensor) => Tensor, (v: number) => number, (v: number) => number][] = [
  ['exp', tf.exp, Math.exp, Math.exp],
  ['tanh', tf.tanh, (v) => 1 - Math.tanh(v) ** 2, (v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)],
  ['sigmoid', tf.sigmoid, (v) => sig(v) * (1 - sig(v)), (v) => sig(v) * (1 - sig(v)) * (1 - 2 * sig(v))],
];

describe('gradients of gradients (ops whose tfjs gradient reads the saved output)', () => {
  for (const [name, f, d1, d2] of cases) {
    it(`${name}: d²/dx² Σ f(x)·x equals the float64 closed form f''(x)·x + 2f'(x) to 1e-5; d/dx Σ f(x) equals f'(x)`, () => {
      const before = tf.memory().numTensors;
      const x = tf.tensor1d(xs);
      const first = tf.grad((a: Tensor) => tf.sum(f(a)))(x);
      const second = tf.grad((a: Tensor) => tf.sum(tf.grad((b: Tensor) => tf.sum(tf.mul(f(b), b)))(a)))(x);
      const g1 = first.dataSync();
      const g2 = second.dataSync();
      xs.forEach((v, k) => {
        expect(Math.abs(g1[k]! - d1(v))).toBeLessThan(1e-5 * Math.max(1, Math.abs(d1(v))));
        const want = d2(v) * v + 2 * d1(v);
        expect(Math.abs(g2[k]! - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
      });
      tf.dispose([x, first, second]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('Σ tanh(x) alone: the second derivative −2 tanh(x)(1 − tanh²x) (tfjs 4.22 throws "Cannot compute gradient" here)', () => {
    const x = tf.tensor1d(xs);
    const h = tf.grad((a: Tensor) => tf.sum(tf.grad((b: Tensor) => tf.sum(tf.tanh(b)))(a)))(x);
    const got = h.dataSync();
    xs.forEach((v, k) => {
      const t = Math.tanh(v);
      expect(Math.abs(got[k]! + 2 * t * (1 - t * t))).toBeLessThan(1e-5);
    });
    tf.dispose([x, h]);
  });

  /** Float64 log-softmax of a row and the Hessian-vector product of w·logSoftmax(z) with v by central differences of the exact gradient. */
  const row = [0.5, -0.2, 1.0, 2.5];
  const w = [1, 2, 3, -1];
  const v = [0.3, -1, 0.25, 2];
  const exactGrad = (z: number[], softmaxOut: boolean) => {
    const m = Math.max(...z);
    const e = z.map((t) => Math.exp(t - m));
    const s = e.reduce((a, b) => a + b, 0);
    const p = e.map((t) => t / s);
    if (softmaxOut) {
      // d/dz Σ w·softmax(z) = p ⊙ (w − Σ w p)
      const wp = w.reduce((a, wi, i) => a + wi * p[i]!, 0);
      return p.map((pi, i) => pi * (w[i]! - wp));
    }
    // d/dz Σ w·logSoftmax(z) = w − p·Σw
    const sw = w.reduce((a, b) => a + b, 0);
    return w.map((wi, i) => wi - p[i]! * sw);
  };
  // tf.logSoftmax itself is a customGrad that reads its saved output and cannot be differentiated twice (see the
  // source file); its log-sum-exp form can.
  for (const [name, op, softmaxOut] of [
    ['x − logSumExp(x)', (t: Tensor) => tf.sub(t, tf.logSumExp(t, -1, true)), false],
    ['softmax', tf.softmax, true],
  ] as const) {
    it(`${name}: the gradient of v·∇(w·f(z)) for f = ${name} equals central differences of the float64 gradient to 1e-5`, () => {
      const h = 1e-5;
      const want = row.map((_, j) => {
        const up = row.map((t, k) => (k === j ? t + h : t));
        const dn = row.map((t, k) => (k === j ? t - h : t));
        const gu = exactGrad(up, softmaxOut);
        const gd = exactGrad(dn, softmaxOut);
        return gu.reduce((a, g, i) => a + v[i]! * (g - gd[i]!) / (2 * h), 0);
      });
      const z = tf.tensor2d([row]);
      const W = tf.tensor2d([w]);
      const V = tf.tensor2d([v]);
      const hv = tf.grad((a: Tensor) => tf.sum(tf.mul(V, tf.grad((b: Tensor) => tf.sum(tf.mul(W, op(b))))(a))))(z);
      const got = hv.dataSync();
      want.forEach((x, k) => expect(Math.abs(got[k]! - x)).toBeLessThan(1e-5));
      tf.dispose([z, W, V, hv]);
    });
  }

  it('pow: second derivatives in the base and the exponent equal the closed forms, with broadcasting of a scalar exponent', () => {
    const a = tf.tensor1d([0.7, 1.5, 2.0]);
    const b = tf.scalar(2.5);
    // d²/da² Σ a^b = b(b−1)a^(b−2)
    const haa = tf.grad((t: Tensor) => tf.sum(tf.grad((u: Tensor) => tf.sum(tf.pow(u, b)))(t)))(a).dataSync();
    // d²/db² Σ a^b = Σ a^b (log a)²
    const hbb = tf.grad((t: Tensor) => tf.grad((u: Tensor) => tf.sum(tf.pow(a, u)))(t))(b).dataSync();
    [0.7, 1.5, 2.0].forEach((x, k) => expect(Math.abs(haa[k]! - 2.5 * 1.5 * x ** 0.5)).toBeLessThan(1e-5 * 4));
    const want = [0.7, 1.5, 2.0].reduce((s, x) => s + x ** 2.5 * Math.log(x) ** 2, 0);
    expect(Math.abs(hbb[0]! - want)).toBeLessThan(1e-5 * want);
    // First order, exponent gradient at a ≤ 0 is 0 (tfjs's convention).
    const gb = tf.grad((u: Tensor) => tf.sum(tf.pow(tf.tensor1d([-2, 0, 3]), u)))(tf.scalar(2)).dataSync();
    expect(gb[0]).toBeCloseTo(9 * Math.log(3), 4);
    tf.dispose([a, b]);
  });
});
