// Mixup as used by Chidambaram & Ge ("On the Limitations of Temperature Scaling for Distributions with Overlaps",
// ICLR 2024), the procedure of Zhang et al.'s mixup-cifar10 (one λ ~ Beta(α, α) per batch, random partner
// permutation), against a float64 reference of the mixing and of the mixup loss λ CE(y_i) + (1 − λ) CE(y_π(i)).
import * as tf from '@tensorflow/tfjs-core';
import { ce, compile, ready } from '@losskit/core';
import { rng } from '@losskit/core/math';
import { expectCleanThrow, expectNoLeaks, logSoftmax } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { mixup } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const x = [[0.1, 0.9, 0.3], [0.8, 0.2, -0.5], [0.5, 0.5, 1.5], [-1, 0.4, 0.2]];
const labels = [1, 0, 2, 1];
const C = 3;

describe('mixup', () => {
  it('mixes inputs and one-hot targets with the drawn λ and permutation', () => {
    const out = mixup(x, labels, { alpha: 0.4, numClasses: C, seed: 11 });
    const xs = out.x.arraySync() as number[][];
    const ys = out.y.arraySync() as number[][];
    const oh = (l: number) => [0, 1, 2].map((k) => (k === l ? 1 : 0));
    expect([...out.permutation].sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(out.lambda).size).toBe(1);
    out.lambda.forEach((l, i) => {
      const j = out.permutation[i]!;
      x[i]!.forEach((v, d) => expect(xs[i]![d]).toBeCloseTo(l * v + (1 - l) * x[j]![d]!, 6));
      oh(labels[i]!).forEach((v, k) => expect(ys[i]![k]).toBeCloseTo(l * v + (1 - l) * oh(labels[j]!)[k]!, 6));
    });
    tf.dispose([out.x, out.y]);
  });

  it('ce() on the mixed soft targets is the mixup loss λ CE(f(x̃), y_i) + (1 − λ) CE(f(x̃), y_π(i))', () => {
    const out = mixup(x, labels, { alpha: 1, numClasses: C, lambda: 'sample', seed: 3 });
    const w = [[2, -1, 0], [-1, 2, 0.5], [0.3, 0.1, -0.7]];
    const logits = tf.matMul(out.x, tf.tensor2d(w));
    const got = compile(ce())(out.y, logits).dataSync()[0]!;
    const z = logits.arraySync() as number[][];
    const want =
      z.reduce((a, row, i) => {
        const lp = logSoftmax(row);
        const l = out.lambda[i]!;
        return a - l * lp[labels[i]!]! - (1 - l) * lp[labels[out.permutation[i]!]!]!;
      }, 0) / z.length;
    expect(got).toBeCloseTo(want, 5);
    tf.dispose([out.x, out.y, logits]);
  });

  it('draws λ ~ Beta(α, α): mean 1/2 and variance 1/(4(2α + 1)) over many batches', () => {
    const u = rng(1);
    const alpha = 0.5;
    const lam: number[] = [];
    for (let k = 0; k < 4000; k++) {
      const out = mixup([[0], [1]], [0, 1], { alpha, numClasses: 2, random: u });
      lam.push(out.lambda[0]!);
      tf.dispose([out.x, out.y]);
    }
    const m = lam.reduce((a, b) => a + b, 0) / lam.length;
    const v = lam.reduce((a, b) => a + (b - m) ** 2, 0) / lam.length;
    expect(m).toBeCloseTo(0.5, 1);
    expect(v).toBeCloseTo(1 / (4 * (2 * alpha + 1)), 2);
  });

  it('with α = 0 it leaves the batch as it is (λ = 1), and dense targets stay dense', () => {
    const soft = [[0.7, 0.3], [0.1, 0.9]];
    const out = mixup([[1, 2], [3, 4]], soft, { alpha: 0, seed: 1 });
    expect(out.lambda).toEqual([1, 1]);
    expect(out.x.arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(out.y.arraySync()).toEqual(soft.map((r) => r.map(Math.fround)));
    tf.dispose([out.x, out.y]);
  });

  it('mixes inputs of any rank [B, ...] and is reproducible from the seed', () => {
    const imgs = tf.randomUniform([3, 2, 2, 1], 0, 1, 'float32', 4);
    const a = mixup(imgs, [0, 1, 1], { numClasses: 2, seed: 9 });
    const b = mixup(imgs, [0, 1, 1], { numClasses: 2, seed: 9 });
    expect(a.x.shape).toEqual([3, 2, 2, 1]);
    expect(a.x.arraySync()).toEqual(b.x.arraySync());
    expect([...a.permutation]).toEqual([...b.permutation]);
    tf.dispose([imgs, a.x, a.y, b.x, b.y]);
  });

  it('is differentiable with respect to x (mixing hidden states): d/dx_k = λ_k e_k + Σ_{i: π(i)=k} (1 − λ_i) e_i', () => {
    const xt = tf.tensor2d(x);
    const g = tf.grad((t: tf.Tensor) => {
      const b = mixup(t, labels, { numClasses: C, lambda: 'sample', seed: 5 });
      return tf.sum(tf.mul(b.x, tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]))) as tf.Scalar;
    })(xt);
    const out = mixup(x, labels, { numClasses: C, lambda: 'sample', seed: 5 });
    const W = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]];
    const want = x.map((r, k) => r.map((_, d) => out.lambda[k]! * W[k]![d]! + out.lambda.reduce((a, l, i) => a + (out.permutation[i] === k ? (1 - l) * W[i]![d]! : 0), 0)));
    (g.arraySync() as number[][]).forEach((r, k) => r.forEach((v, d) => expect(v).toBeCloseTo(want[k]![d]!, 4)));
    tf.dispose([xt, g, out.x, out.y]);
  });

  it('rejects bad options, labels and shapes with typed errors, cleanly', () => {
    expectCleanThrow(() => mixup(x, labels, { alpha: -1, numClasses: C }), 'INVALID_PARAMETER');
    expectCleanThrow(() => mixup(x, labels), 'INVALID_PARAMETER');
    expectCleanThrow(() => mixup(x, [1, 0, 3, 1], { numClasses: C }), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => mixup(x, [1, 0, 0.5, 1], { numClasses: C }), 'NON_INTEGER_LABEL');
    expectCleanThrow(() => mixup(x, [1, 0, 2], { numClasses: C }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => mixup(x, [[1, 0], [0, 1]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => mixup(x.map((r) => r.map(() => NaN)), labels, { numClasses: C }), 'NON_FINITE_INPUT');
    expectCleanThrow(() => mixup(x, labels, { numClasses: C, lambda: 'pair' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => mixup(x, labels, { numClasses: C, random: () => 1 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => mixup(5, labels, { numClasses: C }), 'RANK_MISMATCH');
  });

  it('leaks no tensors beyond the two it returns', () => {
    expectNoLeaks(() => {
      const out = mixup(x, labels, { numClasses: C, seed: 2 });
      tf.dispose([out.x, out.y]);
    });
  });
});
