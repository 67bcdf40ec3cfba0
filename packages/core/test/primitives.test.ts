import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Reduction, ce, compile, logProb, prob, ready, square } from '../src/index.js';
import { checkGradient, expectNoLeaks, f32, oneHot, randomLabels, randomMatrix } from '../src/testing/index.js';
import { ceRef, focalRef, oneHotRow, reduceRef, squentropyRef } from './references.js';

beforeAll(async () => {
  await ready();
});

const B = 6;
const C = 4;
const z = f32(randomMatrix(B, C, 11, 2));
const y = randomLabels(B, C, 12);
const w = [1, 0, 2.5, 0, 0.5, 3];
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);

// Built from primitives only (no focal/smoothing builder involved).
const focal2 = prob().target().neg().plus(1).pow(2).times(logProb().target().neg());
const eps = 0.1;
const smoothedCe = ce().scale(1 - eps).plus(logProb().mean().neg().scale(eps));
const cases = [
  { name: 'squentropy', expr: ce().plus(square().incorrect()), ref: (r: number[], i: number) => squentropyRef(r, y[i]!) },
  { name: 'focal γ=2', expr: focal2, ref: (r: number[], i: number) => focalRef(r, y[i]!, 2) },
  { name: 'CE with label smoothing 0.1 (primitives)', expr: smoothedCe, ref: (r: number[], i: number) => ceRef(r, oneHotRow(y[i]!, C), eps) },
  { name: 'ce({ labelSmoothing: 0.1 })', expr: ce({ labelSmoothing: eps }), ref: (r: number[], i: number) => ceRef(r, oneHotRow(y[i]!, C), eps) },
] as const;
const reductions: Reduction[] = ['mean', 'sum', 'weightedMean', 'sumByNonzeroWeights', 'none'];

describe.each(cases)('$name', ({ expr, ref }) => {
  const perSampleRef = z.map((r, i) => ref(r, i));

  it.each(reductions)('matches the float64 reference with reduction %s, with and without weights, for int and one-hot labels', (reduction) => {
    const loss = compile(expr, { reduction });
    for (const labels of [y, oneHot(y, C)]) {
      for (const weights of [undefined, w]) {
        const out = loss(labels, z, weights);
        const got = out.arraySync() as number | number[];
        out.dispose();
        const want = reduceRef(perSampleRef, weights, reduction);
        if (Array.isArray(want)) (got as number[]).forEach((g, i) => expect(rel(g, want[i]!)).toBeLessThan(1e-5));
        else expect(rel(got as number, want)).toBeLessThan(1e-5);
      }
    }
  });

  it('gradient matches finite differences of the float64 reference', () => {
    const loss = compile(expr);
    const x = tf.tensor2d(z);
    const r = checkGradient((t) => loss(y, t), x, {
      reference: (flat) => perSampleRefOf(flat).reduce((a, b) => a + b, 0) / B,
    });
    x.dispose();
    expect(r.ok, `worst ${r.worst} at ${r.worstIndex}`).toBe(true);
    function perSampleRefOf(flat: Float64Array) {
      return Array.from({ length: B }, (_, i) => ref(Array.from(flat.slice(i * C, (i + 1) * C)), i));
    }
  });

  it('valueAndGrad agrees with tf.grad of the callable and with weights in the gradient', () => {
    const loss = compile(expr, { reduction: 'weightedMean' });
    const x = tf.tensor2d(z);
    const { value, grad } = loss.valueAndGrad(y, x, { sampleWeight: w });
    const g2 = tf.grad((t: tf.Tensor) => loss(y, t, w))(x);
    expect(rel(value.dataSync()[0]!, reduceRef(perSampleRef, w, 'weightedMean') as number)).toBeLessThan(1e-5);
    const a = grad.dataSync();
    const b = g2.dataSync();
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-6);
    tf.dispose([x, value, grad, g2]);
  });

  it('at ±1e4 logits: value and gradient match the float64 reference (finite differences)', () => {
    const big = [
      [1e4, -1e4, 0, 5e3],
      [-1e4, -1e4, 1e4, 1e4],
      [0, 0, 0, -1e4],
    ];
    const labels = y.slice(0, 3);
    const loss = compile(expr);
    const v = loss(labels, big);
    const want = big.map((r, i) => ref(r, i)).reduce((a, b) => a + b, 0) / 3;
    expect(rel(v.dataSync()[0]!, want)).toBeLessThan(1e-5);
    v.dispose();
    const x = tf.tensor2d(big);
    const r = checkGradient((t) => loss(labels, t), x, {
      reference: (flat) => [0, 1, 2].map((i) => ref(Array.from(flat.slice(i * C, (i + 1) * C)), i)).reduce((a, b) => a + b, 0) / 3,
      // Squentropy's value is ~1e7 here, so float64 central differences carry ~1e-3 of absolute error; the
      // gradient's entries reach 7e3, so 1e-2 is still 1.5e-6 of its scale.
      atol: 1e-2,
    });
    x.dispose();
    expect(r.ok, `worst ${r.worst} at ${r.worstIndex}`).toBe(true);
  });
});

describe('compile plumbing', () => {
  const loss = compile(ce().plus(square().incorrect()));

  it('accepts TypedArrays, nested arrays and tensors alike, and leading dimensions [B, T, C]', () => {
    const flat = Float32Array.from(z.flat());
    const a = loss(y, z).dataSync()[0]!;
    const b = loss(Int32Array.from(y), tf.tensor2d(flat, [B, C])).dataSync()[0]!;
    expect(b).toBeCloseTo(a, 6);
    // [2, 3, C] with labels [2, 3]: same samples, same mean.
    const z3 = [z.slice(0, 3), z.slice(3, 6)];
    const y3 = [y.slice(0, 3), y.slice(3, 6)];
    expect(loss(y3, z3).dataSync()[0]!).toBeCloseTo(a, 6);
    const per = loss.perSample(y3, z3);
    expect(per.shape).toEqual([2, 3]);
    per.dispose();
  });

  it('reports named parts and the total', () => {
    const named = compile(ce().named('ce').plus(square().incorrect().named('square')));
    const parts = named.parts(y, z);
    const ceMean = z.map((r, i) => ceRef(r, oneHotRow(y[i]!, C))).reduce((s, v) => s + v, 0) / B;
    const sqMean = z.map((r, i) => squentropyRef(r, y[i]!) - ceRef(r, oneHotRow(y[i]!, C))).reduce((s, v) => s + v, 0) / B;
    expect(rel(parts.ce!, ceMean)).toBeLessThan(1e-5);
    expect(rel(parts.square!, sqMean)).toBeLessThan(1e-5);
    expect(rel(parts.total!, ceMean + sqMean)).toBeLessThan(1e-5);
  });

  it('prints text and LaTeX from the same IR', () => {
    expect(loss.toString()).toBe('ce + mean_{j≠y} (ŷ - y)^2');
    expect(loss.toLatex()).toBe('\\mathrm{CE} + \\frac{1}{C-1}\\sum_{j \\neq y} \\left(\\hat{y}_j - y_j\\right)^2');
    expect(focal2.toString()).toBe('(-p[y] + 1)^2 · -log p[y]');
  });

  it('computes the shared log-sum-exp once for ce() + prob() + entropy()', () => {
    // Count LogSumExp-family kernels: one Max for the whole expression's log-softmax.
    const expr = ce().plus(prob().target()).plus(logProb().mean());
    const calls: string[] = [];
    const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
    const orig = engine.runKernel.bind(engine);
    engine.runKernel = (name: string, ...rest: unknown[]) => {
      calls.push(name);
      return orig(name, ...rest);
    };
    try {
      compile(expr, { fuse: false })(y, z).dispose();
    } finally {
      engine.runKernel = orig;
    }
    expect(calls.filter((k) => k === 'Max').length).toBe(1);
  });

  it('leaks no tensors over 1000 calls of every entry point', () => {
    const x = tf.tensor2d(z);
    expectNoLeaks(() => {
      for (let i = 0; i < 1000; i++) {
        loss(y, x).dispose();
        loss.perSample(y, x).dispose();
        const { value, grad } = loss.valueAndGrad(y, x, { sampleWeight: w });
        value.dispose();
        grad.dispose();
        if (i % 100 === 0) loss.parts(y, x);
      }
    });
    x.dispose();
  });
});
