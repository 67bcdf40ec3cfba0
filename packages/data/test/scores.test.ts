import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { ce, compile, ready, square } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, randomLabels, randomMatrix, softmax } from '@losskit/core/testing';
import { averageScores, el2nScores, el2nScoresOf, el2nSquared, grandScores, predictLogits, pruneByScore, randomPrune } from '../src/index.js';

await ready({ backend: 'cpu' });

describe('el2nScores', () => {
  it('is ‖softmax(z) − onehot(y)‖₂ of a float64 reference, from logits, probabilities and one-hot targets', () => {
    const z = randomMatrix(12, 5, 3, 3);
    const y = randomLabels(12, 5, 4);
    const want = z.map((r, i) => Math.sqrt(softmax(r).reduce((s, p, j) => s + (p - (j === y[i] ? 1 : 0)) ** 2, 0)));
    el2nScores(z, y).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    const probs = z.map((r) => softmax(r));
    el2nScores(probs, y, { from: 'probs' }).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    const onehot = y.map((c) => Array.from({ length: 5 }, (_, j) => (j === c ? 1 : 0)));
    el2nScores(z, onehot).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });
  it('is exact at tied huge logits: [1e30, 1e30, 0] with label 0 gives √(0.25 + 0.25)', () => {
    expect(el2nScores([[1e30, 1e30, 0]], [0])[0]).toBeCloseTo(Math.sqrt(0.5), 6);
  });
  it('el2nSquared under compile() has the finite-difference gradient of its float64 mean', () => {
    const z = randomMatrix(5, 4, 11, 2);
    const y = randomLabels(5, 4, 12);
    const ref = (v: Float64Array) => {
      let s = 0;
      for (let i = 0; i < 5; i++) softmax(Array.from(v.slice(i * 4, i * 4 + 4))).forEach((p, j) => (s += (p - (j === y[i] ? 1 : 0)) ** 2));
      return s / 5;
    };
    const f = compile(el2nSquared());
    const x = tf.tensor2d(z);
    const res = checkGradient((t) => f(y, t), x, { reference: ref });
    x.dispose();
    expect(res.ok).toBe(true);
  });
});

/** Float64 reference of a 2-layer MLP (ReLU) and the gradient of its cross-entropy by hand-written backprop. */
function refGrand(W1: number[][], b1: number[], W2: number[][], b2: number[], x: number[][], y: number[]): number[] {
  return x.map((xi, n) => {
    const h = b1.map((b, j) => b + xi.reduce((s, v, d) => s + v * W1[d]![j]!, 0));
    const a = h.map((v) => Math.max(0, v));
    const z = b2.map((b, c) => b + a.reduce((s, v, j) => s + v * W2[j]![c]!, 0));
    const d2 = softmax(z).map((p, c) => p - (c === y[n] ? 1 : 0));
    const d1 = a.map((_, j) => (h[j]! > 0 ? W2[j]!.reduce((s, w, c) => s + w * d2[c]!, 0) : 0));
    let sq = 0;
    for (const v of d2) sq += v * v * (1 + a.reduce((s, ai) => s + ai * ai, 0));
    for (const v of d1) sq += v * v * (1 + xi.reduce((s, xv) => s + xv * xv, 0));
    return Math.sqrt(sq);
  });
}

describe('grandScores', () => {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 7, activation: 'relu', kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }), biasInitializer: tfl.initializers.randomNormal({ seed: 2 }) }), tfl.layers.dense({ units: 4, kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) })] });
  const xs = randomMatrix(20, 6, 5);
  const ys = randomLabels(20, 4, 6);
  const weights = () => model.getWeights().map((w) => w.arraySync());
  it('the per-layer closed form equals a float64 backprop reference of ‖∇θ CE‖₂', () => {
    const x = tf.tensor2d(xs);
    const [W1, b1, W2, b2] = weights() as [number[][], number[], number[][], number[]];
    const want = refGrand(W1, b1, W2, b2, xs, ys);
    const got = expectNoLeaks(() => grandScores(model, x, ys, { method: 'dense', batchSize: 7 }));
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
    x.dispose();
  });
  it('the closed form agrees with one backward pass per example, also for another per-sample loss (squentropy)', () => {
    const x = tf.tensor2d(xs);
    const loss = compile(ce().plus(square().incorrect()));
    const a = grandScores(model, x, ys, { loss });
    const b = expectNoLeaks(() => grandScores(model, x, ys, { loss, method: 'loop' }));
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 4));
    x.dispose();
  });
  it('predictLogits equals model.predict when the rows span several batches', () => {
    const x = tf.tensor2d(xs);
    const want = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const before = tf.memory().numTensors;
    const got = predictLogits(model, x, 6);
    expect(got.shape).toEqual([20, 4]);
    (got.arraySync() as number[][]).forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 5)));
    got.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
  it('predictLogits and el2nScoresOf reject a batch size < 1, a disposed x and a non-tensor x with typed errors', () => {
    const x = tf.tensor2d(xs);
    expect(expectCleanThrow(() => predictLogits(model, x, 0), 'INVALID_PARAMETER').argument).toBe('batchSize');
    expect(expectCleanThrow(() => predictLogits(model, x, -2), 'INVALID_PARAMETER').argument).toBe('batchSize');
    expect(expectCleanThrow(() => predictLogits(model, xs as never), 'INVALID_ARGUMENT').argument).toBe('x');
    x.dispose();
    expect(expectCleanThrow(() => predictLogits(model, x), 'INVALID_ARGUMENT').argument).toBe('x');
    expect(expectCleanThrow(() => el2nScoresOf(model, x, ys), 'INVALID_ARGUMENT').argument).toBe('x');
  });
  it('el2nScoresOf reads the model outputs', () => {
    const x = tf.tensor2d(xs);
    const z = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    el2nScoresOf(model, x, ys).forEach((v, i) => expect(v).toBeCloseTo(el2nScores(z, ys)[i]!, 6));
    x.dispose();
  });
});

describe('pruning', () => {
  it('pruneByScore drops the lowest fraction (and the offset highest), ties by index', () => {
    expect(pruneByScore([0.1, 0.9, 0.5, 0.3], { fraction: 0.5 })).toEqual([1, 2]);
    expect(pruneByScore([0.1, 0.9, 0.5, 0.3], { fraction: 0.25, offset: 1 })).toEqual([2, 3]);
    expect(pruneByScore([0.1, 0.9, 0.5, 0.3], { fraction: 0.5, remove: 'hardest' })).toEqual([0, 3]);
    expect(pruneByScore([1, 1, 1, 1], { fraction: 0.5 })).toEqual([2, 3]);
  });
  it('randomPrune keeps N − ⌊fN⌋ distinct indices, reproducibly', () => {
    const a = randomPrune(100, { fraction: 0.33, seed: 2 });
    expect(a).toHaveLength(67);
    expect(new Set(a).size).toBe(67);
    expect(randomPrune(100, { fraction: 0.33, seed: 2 })).toEqual(a);
  });
  it('averageScores is the mean over runs', () => {
    expect(averageScores([[1, 2], [3, 6]])).toEqual([2, 4]);
  });
});
