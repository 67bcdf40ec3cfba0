import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { expectNoLeaks, f32, logSoftmax, oneHot, randomLabels, randomMatrix, softmax } from '@losskit/core/testing';
import * as K from '../src/keras/index.js';

// Float64 references written from Keras 3 (keras/src/losses/losses.py, loss.py): per-sample loss, then the reduction.
beforeAll(async () => {
  await ready();
});

const B = 6;
const C = 5;
const z = f32(randomMatrix(B, C, 21, 2));
const p = f32(z.map((r) => softmax(r).map((v) => v * 1.7))); // unnormalised on purpose: Keras renormalises
const y = randomLabels(B, C, 22);
const w = [0.5, 0, 2, 1, 3, 1.5];
const EPS = 1e-7;
const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
const clip = (v: number) => Math.min(1 - EPS, Math.max(EPS, v));

function reduce(l: number[], r: K.KerasReduction, weights?: number[]): number | number[] {
  const wl = l.map((v, i) => v * (weights ? weights[i]! : 1));
  if (r === 'none' || r === null) return wl;
  if (r === 'sum') return sum(wl);
  if (r === 'mean_with_sample_weight' && weights) return sum(wl) / sum(weights);
  return sum(wl) / l.length;
}
const get = (t: tf.Tensor) => {
  const v = t.arraySync() as number | number[];
  t.dispose();
  return typeof v === 'number' ? [v] : v;
};
const expectRel = (got: number[], want: number[]) => got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]!))));

describe('Keras wrappers vs float64 references over every reduction', () => {
  const reductions: K.KerasReduction[] = ['sum_over_batch_size', 'sum', 'mean', 'mean_with_sample_weight', 'none'];
  it('sparse/categorical CE: renormalised + clipped probabilities, label smoothing (keras#23488), logits', () => {
    const ls = 0.15;
    const probsRef = p.map((r, i) => { const s = sum(r); return -sum(r.map((v, j) => ((j === y[i] ? 1 : 0) * (1 - ls) + ls / C) * Math.log(clip(v / s)))); });
    const logitRef = z.map((r, i) => -logSoftmax(r)[y[i]!]!);
    for (const r of reductions) {
      expectRel(get(K.sparseCategoricalCrossentropy(y, p, { labelSmoothing: ls, reduction: r, sampleWeight: w })), [reduce(probsRef, r, w)].flat());
      expectRel(get(K.categoricalCrossentropy(oneHot(y, C), p, { labelSmoothing: ls, reduction: r, sampleWeight: w })), [reduce(probsRef, r, w)].flat());
      expectRel(get(K.sparseCategoricalCrossentropy(y, z, { fromLogits: true, reduction: r })), [reduce(logitRef, r)].flat());
    }
  });
  it('ignoreClass masks entries out of sum_over_batch_size (divides by the valid count)', () => {
    const yi = y.map((v, i) => (i % 3 === 0 ? 255 : v));
    const ref = z.map((r, i) => (yi[i] === 255 ? 0 : -logSoftmax(r)[yi[i]!]!));
    const valid = yi.filter((v) => v !== 255).length;
    expectRel(get(K.sparseCategoricalCrossentropy(yi, z, { fromLogits: true, ignoreClass: 255 })), [sum(ref) / valid]);
    expectRel(get(K.sparseCategoricalCrossentropy(yi, z, { fromLogits: true, ignoreClass: 255, reduction: 'sum' })), [sum(ref)]);
  });
  it('ignoreClass with mean_with_sample_weight divides by the weights of valid entries only (unscaled mask × weights)', () => {
    // keras/src/losses/loss.py (keras-team/keras@01a4a57): apply_mask scales the mask by total/valid only for "mean" and
    // "sum_over_batch_size"; for mean_with_sample_weight the weights become mask·w and reduce_values divides by Σ mask·w.
    // Fuzz seed 21 case: labels [3, -1], label smoothing 0.5, probabilities.
    const yp = [[0.32637664675712585, 0.3201259970664978, 0.31289759278297424, 0.040599752217531204], [0.2888239026069641, 0.13976827263832092, 0.11285796016454697, 0.4585498869419098]];
    const sw = [2.1483404636383057, 1.119097352027893];
    const row0 = -sum(yp[0]!.map((v, j) => ((j === 3 ? 1 : 0) * 0.5 + 0.5 / 4) * Math.log(clip(v / sum(yp[0]!)))));
    const want = (row0 * sw[0]!) / sw[0]!;
    expectRel(get(K.sparseCategoricalCrossentropy([3, -1], yp, { labelSmoothing: 0.5, ignoreClass: -1, reduction: 'mean_with_sample_weight', sampleWeight: sw })), [want]);
    expect(want).toBeCloseTo(2.43007, 4);
    const yi = y.map((v, i) => (i % 3 === 0 ? 255 : v));
    const ref = z.map((r, i) => (yi[i] === 255 ? 0 : -logSoftmax(r)[yi[i]!]!));
    const wValid = w.map((v, i) => (yi[i] === 255 ? 0 : v));
    expectRel(get(K.sparseCategoricalCrossentropy(yi, z, { fromLogits: true, ignoreClass: 255, reduction: 'mean_with_sample_weight', sampleWeight: w })), [sum(ref.map((l, i) => l * wValid[i]!)) / sum(wValid)]);
  });
  it('rank-1 inputs are one sample (Keras reduces their only axis)', () => {
    expectRel(get(K.meanSquaredError([1, 2, 3], [2, 2, 5], { reduction: 'sum' })), [5 / 3]);
  });
  it('axis moves the class axis (categorical CE along axis 0 equals CE of the transpose)', () => {
    const t = oneHot(y, C);
    const a = get(K.categoricalCrossentropy(tf.transpose(tf.tensor2d(t)), tf.transpose(tf.tensor2d(z)), { fromLogits: true, axis: 0, reduction: 'none' }));
    expectRel(a, z.map((r, i) => -logSoftmax(r)[y[i]!]!));
  });
});

describe('Keras wrappers: gradients, errors, leaks', () => {
  it('are differentiable (gradient of CE from logits is (softmax - y)/B)', () => {
    const x = tf.tensor2d(z);
    const g = tf.grad((t: tf.Tensor) => K.sparseCategoricalCrossentropy(y, t, { fromLogits: true }) as tf.Scalar)(x);
    const want = z.flatMap((r, i) => softmax(r).map((v, j) => (v - (j === y[i] ? 1 : 0)) / B));
    expectRel(get(g).flat() as number[], want);
    x.dispose();
  });
  it('reject bad input with LosskitError codes', () => {
    expect(() => K.meanSquaredError([[1, 2]], [[1, 2, 3]])).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => K.categoricalCrossentropy([[0, 1]], [[0.5, 0.5]], { reduction: 'avg' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => K.sparseCategoricalCrossentropy([7], [[0.5, 0.5]])).toThrow(expect.objectContaining({ code: 'LABEL_OUT_OF_RANGE' }));
    expect(() => K.categoricalGeneralizedCrossEntropy([0], [[0.5, 0.5]], { q: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => K.binaryCrossentropy([[0, 1]], [[0.5, 0.5]], { fromLogits: 'yes' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => K.dice([[0, 1]], [[0.5, 0.5]], { axis: 4 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => K.circle([0, 1], [[1, 0]])).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });
  it('leak no tensors', () => {
    const emb = tf.tensor2d(z.map((r) => { const n = Math.hypot(...r); return r.map((v) => v / n); }));
    expectNoLeaks(() => {
      for (let i = 0; i < 5; i++) {
        tf.dispose([
          K.categoricalCrossentropy(oneHot(y, C), p), K.sparseCategoricalCrossentropy(y, z, { fromLogits: true, ignoreClass: 0 }),
          K.binaryCrossentropy(oneHot(y, C), z, { fromLogits: true }), K.binaryFocalCrossentropy(oneHot(y, C), z, { fromLogits: true }),
          K.categoricalFocalCrossentropy(oneHot(y, C), z, { fromLogits: true }), K.categoricalGeneralizedCrossEntropy(y, p),
          K.meanSquaredError(z, p, { sampleWeight: w }), K.meanAbsoluteError(z, p), K.meanAbsolutePercentageError(z, p), K.meanSquaredLogarithmicError(z, p),
          K.huber(z, p), K.logCosh(z, p), K.poisson(p, p), K.kld(p, p), K.cosineSimilarity(z, p), K.hinge(oneHot(y, C), z), K.squaredHinge(oneHot(y, C), z),
          K.categoricalHinge(oneHot(y, C), z), K.dice(oneHot(y, C), p), K.tversky(oneHot(y, C), p, { axis: -1 }), K.circle(y, emb),
        ]);
      }
    });
    emb.dispose();
  });
});

describe('binaryFocalCrossentropy from logits far from 0 (float64 reference of Keras 3 semantics)', () => {
  it('at z = ±14.137 with soft targets the value matches float64 to 1e-5 relative (1 − σ(z) is taken as σ(−z))', () => {
    const z = [[14.137092590332031, -14.137092590332031, 9.990157127380371, 0.5]];
    const y = [[0.3, 0.8, 0.05, 1]];
    const eps = 1e-7;
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    for (const gamma of [0, 2]) {
      const want =
        z[0]!.reduce((acc, zj, j) => {
          const p = sig(zj);
          const q = Math.min(Math.max(p, eps), 1 - eps);
          const bce = -(y[0]![j]! * Math.log(q) + (1 - y[0]![j]!) * Math.log(1 - q));
          const pt = y[0]![j]! * p + (1 - y[0]![j]!) * (1 - p);
          return acc + (1 - pt) ** gamma * bce;
        }, 0) / 4;
      const got = K.binaryFocalCrossentropy(y, z, { fromLogits: true, gamma, reduction: 'none' });
      expect(Math.abs(got.dataSync()[0]! - want) / want).toBeLessThan(1e-5);
      got.dispose();
    }
  });
});
