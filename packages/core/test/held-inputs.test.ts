// The fused kernels keep their inputs for the backward pass by the backend's refcount (fusion/kernel.ts `hold`),
// not by a cloned tensor: the data must survive the caller disposing (or reassigning) the input before the
// gradient runs, tf.memory() must count the buffer once, and everything must be released when the tape ends.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ce, compile, linearCrossEntropy, ready } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

/** Deterministic float32 matrix. */
function matrix(r: number, c: number, seed: number, scale: number): number[][] {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: r }, () => Array.from({ length: c }, () => Math.fround((u() - 0.5) * scale)));
}

/** Float64 ∂/∂z of mean-reduced softmax cross-entropy: (softmax(z) − onehot(y)) / B, row-major. */
function ceGrad64(z: number[][], labels: number[]): number[] {
  const B = z.length;
  return z.flatMap((row, i) => {
    const m = Math.max(...row);
    const e = row.map((x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v, j) => (v / s - (j === labels[i] ? 1 : 0)) / B);
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let k = 0; k < b.length; k++) w = Math.max(w, Math.abs(a[k]! - b[k]!));
  return w;
}

const engineCounts = () => {
  const m = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
  return { numTensors: m.numTensors, numBytes: m.numBytes, numDataBuffers: m.numDataBuffers };
};

describe('compile(ce()) keeps its logits for the backward pass by refcount', () => {
  const B = 8;
  const C = 40; // ≥ 32: the SIMD sweeps on WASM
  const labels = Array.from({ length: B }, (_, i) => (i * 7) % C);
  const x = matrix(B, C, 3, 8);

  it('logits made and disposed inside a tidy before the gradient runs: ∂/∂x = 2·(softmax(2x) − onehot)/B within 1e-6 of float64; engine counts restored', () => {
    const loss = compile(ce());
    const xt = tf.tensor2d(x);
    const lt = tf.tensor1d(labels, 'int32');
    const before = engineCounts();
    // The tidy disposes 2x (the kernel's input) when it returns, before tf.grad runs the backward pass.
    const g = tf.grad((a: tf.Tensor) => tf.tidy(() => loss(lt, tf.mul(a, 2) as tf.Tensor2D)))(xt);
    const want = ceGrad64(x.map((r) => r.map((v) => 2 * v)), labels).map((v) => 2 * v);
    expect(maxAbsDiff(g.dataSync(), want)).toBeLessThan(1e-6);
    g.dispose();
    expect(engineCounts()).toEqual(before);
    tf.dispose([xt, lt]);
  });

  it('during tf.grad the forward pass adds less than one copy of the logits to tf.memory().numBytes (a clone would add a full copy)', () => {
    const Bb = 64;
    const Cb = 1000;
    const loss = compile(ce());
    const z = tf.randomNormal([Bb, Cb], 0, 1, 'float32', 5) as tf.Tensor2D;
    const lt = tf.tensor1d(Array.from({ length: Bb }, (_, i) => i % Cb), 'int32');
    let added = Number.NaN;
    const g = tf.grad((a: tf.Tensor) => {
      const b0 = tf.memory().numBytes;
      const v = loss(lt, a as tf.Tensor2D);
      added = tf.memory().numBytes - b0;
      return v;
    })(z);
    // What may remain: the scalar loss, the per-sample values and the gradient buffer the one-pass kernel
    // fills ahead — at most B·C·4 + O(B) bytes; a clone of the logits would add another B·C·4.
    expect(added).toBeLessThan(Bb * Cb * 4 + 16 * Bb + 64);
    tf.dispose([g, z, lt]);
  });
});

describe('linearCrossEntropy keeps hidden and weight for the backward pass by refcount', () => {
  const B = 6;
  const D = 5;
  const V = 37;
  const labels = [0, 36, 4, 4, 17, 35];
  const h = matrix(B, D, 1, 2);
  const W0 = matrix(D, V, 2, 2);

  /** Float64 ∂/∂h = G Wᵀ and ∂/∂W = hᵀ G for G = ∂CE/∂z at z = h·W. */
  function grads64(W: number[][]) {
    const z = h.map((row) => Array.from({ length: V }, (_, j) => row.reduce((s, v, d) => s + v * W[d]![j]!, 0)));
    const G = ceGrad64(z, labels);
    const dh = h.flatMap((_, i) => Array.from({ length: D }, (_, d) => W[d]!.reduce((s, w, j) => s + G[i * V + j]! * w, 0)));
    const dW = W.flatMap((_, d) => Array.from({ length: V }, (_, j) => h.reduce((s, row, i) => s + row[d]! * G[i * V + j]!, 0)));
    return { dh, dW };
  }

  it('a weight variable assigned a new value after the forward pass: the gradients are those at the forward-time weight (float64, 1e-6); engine counts restored', () => {
    const ht = tf.tensor2d(h);
    const Wv = tf.variable(tf.tensor2d(W0));
    const other = tf.tensor2d(matrix(D, V, 9, 2));
    const before = engineCounts();
    const { value, grads } = tf.variableGrads(() => {
      const v = linearCrossEntropy(ht, Wv as unknown as tf.Tensor2D, labels, { chunkSize: 8 });
      Wv.assign(other); // the old buffer now lives only in the kernel's hold
      return v;
    }, [Wv]);
    const want = grads64(W0);
    expect(maxAbsDiff(grads[Wv.name]!.dataSync(), want.dW)).toBeLessThan(1e-6);
    tf.dispose([value, ...Object.values(grads)]);
    // The old weight's buffer was released with the tape: only the assignment's tensor remains counted once.
    expect(engineCounts()).toEqual(before);
    tf.dispose([ht, Wv, other]);
  });

  it('hidden disposed inside a tidy before the gradient runs: ∂/∂x through h = 2x equals 2·G Wᵀ (float64, 1e-6); engine counts restored', () => {
    const x = tf.tensor2d(h.map((r) => r.map((v) => v / 2)));
    const Wt = tf.tensor2d(W0);
    const before = engineCounts();
    const g = tf.grad((a: tf.Tensor) => tf.tidy(() => linearCrossEntropy(tf.mul(a, 2) as tf.Tensor2D, Wt, labels, { chunkSize: 8 })))(x);
    const want = grads64(W0).dh.map((v) => 2 * v);
    expect(maxAbsDiff(g.dataSync(), want)).toBeLessThan(1e-6);
    g.dispose();
    expect(engineCounts()).toEqual(before);
    tf.dispose([x, Wt]);
  });

  it('a forward pass under tf.grad adds no copy of the weight to tf.memory().numBytes (D = 64, V = 4000)', () => {
    const Dd = 64;
    const Vv = 4000;
    const hb = tf.randomNormal([B, Dd], 0, 1, 'float32', 1) as tf.Tensor2D;
    const Wb = tf.randomNormal([Dd, Vv], 0, 0.05, 'float32', 2) as tf.Tensor2D;
    let added = Number.NaN;
    const g = tf.grad((w: tf.Tensor) => {
      const b0 = tf.memory().numBytes;
      const v = linearCrossEntropy(hb, w as tf.Tensor2D, labels);
      added = tf.memory().numBytes - b0;
      return v;
    })(Wb);
    expect(added).toBeLessThan(1024); // the scalar loss; a clone of the weight would be 1 MB
    tf.dispose([g, hb, Wb]);
  });
});
