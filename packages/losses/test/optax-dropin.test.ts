// `@losskit/losses/optax` against optax itself: the cases of optax's own tests (google-deepmind/optax
// `optax/losses/*_test.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5, cited per block) with the values they
// publish or compute, float64 references written here from optax's definitions for the rest, finite-difference
// gradients, optax's argument order, shapes, `axis` and `where`, bad input (typed errors, nothing leaked).
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32, randomLabels, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import * as O from '../src/optax/index.js';
import { ctc } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

type Nested = number | number[] | number[][] | number[][][];
/** Reads a result and disposes it. */
const read = (t: tf.Tensor): Nested => {
  const v = t.arraySync() as Nested;
  t.dispose();
  return v;
};
const flat = (v: Nested): number[] => (Array.isArray(v) ? (v as Nested[]).flatMap(flat) : [v]);
/** `|got − want| ≤ tol · max(1, |want|)` elementwise, with shapes equal. */
function close(got: Nested, want: Nested, tol = 1e-5): void {
  const g = flat(got);
  const w = flat(want);
  expect(g.length).toBe(w.length);
  g.forEach((x, i) => expect(Math.abs(x - w[i]!), `entry ${i}: ${x} vs ${w[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w[i]!))));
}
const sum = (a: readonly number[]) => a.reduce((s, v) => s + v, 0);

describe('optax hinge, perceptron and sparsemax losses (optax/losses/_classification_test.py HingeTest, PerceptronTest, SparsemaxTest)', () => {
  it('hingeLoss reproduces HingeTest.test_binary and test_batched_binary: [0] and [0, 21]', () => {
    close(read(O.hingeLoss(10, 1)), 0);
    // labels [1, 0] → signed [1, −1]; relu(1 − [10, 20]·[1, −1]) = [0, 21].
    close(read(O.hingeLoss([10, 20], [1, -1])), [0, 21]);
  });
  it('multiclassHingeLoss reproduces HingeTest.test_multi_class and test_batched_multi_class: 8 and [8, 0]', () => {
    close(read(O.multiclassHingeLoss([10, 3], 1)), 8);
    close(read(O.multiclassHingeLoss([[10, 3], [11, -2]], [1, 0])), [8, 0]);
  });
  it('perceptronLoss and multiclassPerceptronLoss reproduce PerceptronTest: 0, [0, 20], 7, [7, 0]', () => {
    close(read(O.perceptronLoss(10, 1)), 0);
    close(read(O.perceptronLoss([10, 20], [1, -1])), [0, 20]);
    close(read(O.multiclassPerceptronLoss([10, 3], 1)), 7);
    close(read(O.multiclassPerceptronLoss([[10, 3], [11, -2]], [1, 0])), [7, 0]);
  });
  it('sparsemaxLoss (binary) reproduces SparsemaxTest.test_binary and test_batched_binary: 0 and [0, 20]', () => {
    close(read(O.sparsemaxLoss(10, 1)), 0);
    close(read(O.sparsemaxLoss([10, 20], [1, 0])), [0, 20]);
  });
  it('multiclassSparsemaxLoss reproduces SparsemaxTest.test_multi_class_zero_loss and its gradient (sparsemax(s) − onehot = 0)', () => {
    const s = [[0, 1e5, 0], [1e5, 0, 0], [0, 0, 1e5]];
    close(read(O.multiclassSparsemaxLoss(s, [1, 0, 2])), [0, 0, 0], 1e-4);
    const x = tf.tensor2d(s);
    const g = read(tf.grad((t: tf.Tensor) => tf.mean(O.multiclassSparsemaxLoss(t, [1, 0, 2])) as tf.Scalar)(x));
    x.dispose();
    close(g, [[0, 0, 0], [0, 0, 0], [0, 0, 0]], 1e-4);
  });
  it('elementwise losses match float64 references on random data in optax\'s shapes (leading dims kept, broadcasting)', () => {
    const z = f32(randomMatrix(3, 4, 31, 2));
    const t = f32(randomMatrix(3, 4, 32)).map((r) => r.map((v) => (v > 0 ? 1 : -1)));
    close(read(O.hingeLoss(z, t)), z.map((r, i) => r.map((v, j) => Math.max(0, 1 - v * t[i]![j]!))));
    // A target row broadcast against every row of outputs.
    close(read(O.hingeLoss(z, t[0]!)), z.map((r) => r.map((v, j) => Math.max(0, 1 - v * t[0]![j]!))));
    close(read(O.perceptronLoss(z, t)), z.map((r, i) => r.map((v, j) => Math.max(0, -v * t[i]![j]!))));
    const bits = t.map((r) => r.map((v) => (v > 0 ? 1 : 0)));
    const sp = (u: number) => (u <= -1 ? 0 : u >= 1 ? u : (u + 1) ** 2 / 4);
    close(read(O.sparsemaxLoss(z, bits)), z.map((r, i) => r.map((v, j) => sp(bits[i]![j] ? -v : v))));
  });
  it('multiclass losses keep the leading dimensions of scores [2, 3, C] and labels [2, 3]', () => {
    const s = f32(randomMatrix(6, 5, 33, 2));
    const y = randomLabels(6, 5, 34);
    const s3 = [s.slice(0, 3), s.slice(3)];
    const y2 = [y.slice(0, 3), y.slice(3)];
    const ref = s.map((r, i) => Math.max(...r.map((v, j) => v + 1 - (j === y[i] ? 1 : 0))) - r[y[i]!]!);
    close(read(O.multiclassHingeLoss(s3, y2)), [ref.slice(0, 3), ref.slice(3)]);
    const refP = s.map((r, i) => Math.max(...r) - r[y[i]!]!);
    close(read(O.multiclassPerceptronLoss(s3, y2)), [refP.slice(0, 3), refP.slice(3)]);
  });
  it('gradients with respect to the scores pass a finite-difference check against the float64 definitions', () => {
    const s = f32(randomMatrix(4, 3, 35, 2));
    const y = randomLabels(4, 3, 36);
    const x = tf.tensor2d(s);
    const r = checkGradient((t) => tf.sum(O.multiclassHingeLoss(t, y)), x, {
      reference: (f) => sum(y.map((k, i) => { const row = Array.from(f.slice(3 * i, 3 * i + 3)); return Math.max(...row.map((v, j) => v + 1 - (j === k ? 1 : 0))) - row[k]!; })),
    });
    expect(r.ok, `worst ${r.worst}`).toBe(true);
    const signs = s.map((row) => row.map((v) => (v > 0.3 ? 1 : -1)));
    const bits = signs.map((row) => row.map((v) => (v > 0 ? 1 : 0)));
    const sp = (u: number) => (u <= -1 ? 0 : u >= 1 ? u : (u + 1) ** 2 / 4);
    const r2 = checkGradient((t) => tf.sum(O.sparsemaxLoss(t, bits)), x, { reference: (f) => sum(Array.from(f).map((v, k) => sp(bits[Math.floor(k / 3)]![k % 3] ? -v : v))) });
    expect(r2.ok, `worst ${r2.worst}`).toBe(true);
    x.dispose();
  });
  it('reject targets outside {−1, 1}, labels outside {0, 1} or [0, C), NaN and mismatched shapes with typed errors, leaking nothing', () => {
    expectCleanThrow(() => O.hingeLoss([1, 2], [0, 1]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.perceptronLoss([1, 2], [1, 1, 1]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.sparsemaxLoss([1, 2], [0, 2]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.hingeLoss([1, 2], [1, 1, -1]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.hingeLoss([1, Number.NaN], [1, -1]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => O.multiclassHingeLoss([[1, 2]], [2]), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => O.multiclassPerceptronLoss([[1, 2]], [0.5]), 'NON_INTEGER_LABEL');
    expectCleanThrow(() => O.multiclassSparsemaxLoss([[1, 2]], [[0]]), 'SHAPE_MISMATCH');
    const e = expectCleanThrow(() => O.perceptronLoss([1, 2], [1, 0]), 'INVALID_ARGUMENT');
    expect(e.argument).toBe('targets');
    // validate: false computes optax's formula as is (0/1 targets in a hinge loss are the caller's business).
    close(read(O.hingeLoss([2, 2], [0, 1], { validate: false })), [1, 0]);
  });
  it('leak no tensors', () => {
    const calls = [
      () => O.hingeLoss([10, 20], [1, -1]),
      () => O.perceptronLoss([10, 20], [1, -1]),
      () => O.sparsemaxLoss([10, 20], [1, 0]),
      () => O.multiclassHingeLoss([[10, 3], [11, -2]], [1, 0]),
      () => O.multiclassPerceptronLoss([[10, 3], [11, -2]], [1, 0]),
      () => O.multiclassSparsemaxLoss([[10, 3], [11, -2]], [1, 0]),
    ];
    for (const f of calls) f().dispose();
    expectNoLeaks(() => {
      for (const f of calls) f().dispose();
    });
  });
});

describe('optax KL divergences (optax/losses/_classification_test.py KLDivergenceTest, KLDivergenceWithLogTargetsTest, GeneralizedKLDivergenceTest)', () => {
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: optax's published test data, digit for digit
  const logPs = [[-2.9957, -3.5066, -3.912, -1.204, -0.6931, -2.3026], [-1.6094, -1.6094, -1.6094, -2.3026, -1.8971, -1.8971]];
  const qs = [[0.2, 0.2, 0.2, 0.1, 0.15, 0.15], [0.05, 0.03, 0.02, 0.3, 0.5, 0.0]];
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: optax's published test data, digit for digit
  const logQs = [[-1.6094, -1.6094, -1.6094, -2.3026, -1.8971, -1.8971], [-2.9957, -3.5066, -3.912, -1.204, -0.6931, -2.3026]];
  const xlx = (v: number) => (v > 0 ? v * Math.log(v) : 0);
  const kl64 = (l: number[], t: number[]) => sum(t.map((v, j) => xlx(v) - v * l[j]!));
  const gkl64 = (l: number[], t: number[]) => kl64(l, t) + sum(l.map((v, j) => Math.exp(v) - t[j]!));
  const klLog64 = (l: number[], lt: number[]) => sum(lt.map((v, j) => Math.exp(v) * (v - l[j]!)));

  it('klDivergence reproduces test_scalar / test_batched: [0.8875577, 0.7592807] (atol 1e-4 as optax) and the float64 definition (rel 1e-5)', () => {
    close(read(O.klDivergence(logPs[0]!, qs[0]!)), 0.8875577, 1e-4);
    const got = read(O.klDivergence(logPs, qs));
    close(got, [0.8875577, 0.7592807], 1e-4);
    close(got, logPs.map((l, i) => kl64(l, qs[i]!)));
  });
  it('generalizedKlDivergence reproduces its test_batched: [0.88757247, 0.859308]; convexKlDivergence (deprecated) is the same function', () => {
    const got = read(O.generalizedKlDivergence(logPs, qs));
    close(got, [0.88757247, 0.859308], 1e-4);
    close(got, logPs.map((l, i) => gkl64(l, qs[i]!)));
    close(read(O.convexKlDivergence(logPs, qs)), got, 1e-7);
  });
  it('klDivergenceWithLogTargets reproduces its test_batched within optax\'s atol 1e-4 ([0.8875625, 0.7187436]; the float64 values are 0.8876266, 0.7187661)', () => {
    const got = read(O.klDivergenceWithLogTargets(logPs, logQs));
    close(got, [0.8875625, 0.7187435584901326], 1e-4);
    close(got, logPs.map((l, i) => klLog64(l, logQs[i]!)));
  });
  it('where: the loss over the included entries equals the loss of the subset (optax test_mask); a row mask of the leading shape broadcasts', () => {
    const l = f32(randomMatrix(1, 10, 41))[0]!;
    const t = f32(randomMatrix(1, 10, 42))[0]!.map((v) => Math.abs(v));
    const mask = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1];
    const keep = <T,>(a: T[]) => a.filter((_, i) => mask[i] === 1);
    for (const f of [O.klDivergence, O.generalizedKlDivergence, O.klDivergenceWithLogTargets]) {
      close(read(f(l, t, { where: mask })), read(f(keep(l), keep(t))), 1e-6);
      close(read(f(l, t, { where: mask.map((m) => m === 1) as never })), read(f(keep(l), keep(t))), 1e-6);
    }
    // where [2] (one flag per row, without the reduced axis): row 1 is left out entirely (an empty sum is 0).
    close(read(O.klDivergence(logPs, qs, { where: [1, 0] })), [logPs.map((r, i) => kl64(r, qs[i]!))[0]!, 0]);
  });
  it('axis: reducing axis 0 or 1 of [4, 5, 6] equals moving that axis last (optax test_axis); a list of axes and null reduce several or all', () => {
    const shape = [4, 5, 6];
    const l = tf.randomNormal(shape, 0, 1, 'float32', 5);
    const t = tf.abs(tf.randomNormal(shape, 0, 1, 'float32', 6));
    for (const axis of [0, 1, 2]) {
      const perm = [0, 1, 2].filter((a) => a !== axis).concat(axis);
      close(read(O.generalizedKlDivergence(l, t, { axis })), read(O.generalizedKlDivergence(tf.transpose(l, perm), tf.transpose(t, perm))), 1e-5);
    }
    const lv = l.arraySync() as number[][][];
    const tv = t.arraySync() as number[][][];
    // axis [0, 2]: one value per index of axis 1.
    const want = [0, 1, 2, 3, 4].map((j) => sum(lv.flatMap((a, i) => a[j]!.map((v, k) => xlx(tv[i]![j]![k]!) - tv[i]![j]![k]! * v))));
    close(read(O.klDivergence(l, t, { axis: [0, 2] })), want, 1e-5);
    close(read(O.klDivergence(l, t, { axis: null })), sum(want), 1e-5);
    tf.dispose([l, t]);
  });
  it('gradients with respect to the log-predictions pass finite-difference checks (∂/∂ℓ: −t, e^lt·(−1), e^ℓ − t)', () => {
    const l = f32(randomMatrix(3, 4, 43));
    const t = f32(randomMatrix(3, 4, 44)).map((r) => r.map((v) => Math.abs(v)));
    const x = tf.tensor2d(l);
    const rows = (f: Float64Array) => [0, 1, 2].map((i) => Array.from(f.slice(4 * i, 4 * i + 4)));
    const cases: Array<[(a: tf.Tensor) => tf.Tensor, (f: Float64Array) => number]> = [
      [(a) => O.klDivergence(a, t), (f) => sum(rows(f).map((r, i) => kl64(r, t[i]!)))],
      [(a) => O.generalizedKlDivergence(a, t), (f) => sum(rows(f).map((r, i) => gkl64(r, t[i]!)))],
      [(a) => O.klDivergenceWithLogTargets(a, l), (f) => sum(rows(f).map((r, i) => klLog64(r, l[i]!)))],
    ];
    for (const [f, ref] of cases) {
      const r = checkGradient((a) => tf.sum(f(a)), x, { reference: ref });
      expect(r.ok, `worst ${r.worst}`).toBe(true);
    }
    x.dispose();
  });
  it('extremes: log-predictions of −1e4 are exact; e^ℓ at ℓ = 1e4 overflows into NON_FINITE_OUTPUT (validate) or Infinity (validate: false)', () => {
    close(read(O.klDivergence([-1e4, 0], [1, 0])), 1e4);
    close(read(O.generalizedKlDivergence([-1e4, 0], [1, 0])), 1e4);
    expectCleanThrow(() => O.generalizedKlDivergence([1e4, 0], [1, 0]), 'NON_FINITE_OUTPUT');
    expect(read(O.generalizedKlDivergence([1e4, 0], [1, 0], { validate: false }))).toBe(Number.POSITIVE_INFINITY);
  });
  it('bad input: negative targets, NaN, non-broadcasting shapes, bad axis and where give typed errors naming optax\'s argument, leaking nothing', () => {
    expect(expectCleanThrow(() => O.klDivergence([0, 0], [0.5, -0.1]), 'INVALID_ARGUMENT').argument).toBe('targets');
    expect(expectCleanThrow(() => O.generalizedKlDivergence([0, Number.NaN], [0.5, 0.1]), 'NON_FINITE_INPUT').argument).toBe('logPredictions');
    expect(expectCleanThrow(() => O.klDivergenceWithLogTargets([0, 0], [0, Number.NEGATIVE_INFINITY]), 'NON_FINITE_INPUT').argument).toBe('logTargets');
    expectCleanThrow(() => O.klDivergence([[0, 0, 0]], [[0.5, 0.5]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.klDivergence([[0, 0]], [[0.5, 0.5]], { axis: 2 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.klDivergence([[0, 0]], [[0.5, 0.5]], { axis: [1, -1] }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.klDivergence([[0, 0]], [[0.5, 0.5]], { where: [1, 1, 1] }), 'SHAPE_MISMATCH');
  });
  it('leak no tensors', () => {
    const calls = [
      () => O.klDivergence(logPs, qs),
      () => O.klDivergence(logPs, qs, { where: [[1, 0, 1, 0, 1, 0], [1, 1, 1, 1, 1, 1]], axis: -1 }),
      () => O.generalizedKlDivergence(logPs, qs, { axis: 0 }),
      () => O.klDivergenceWithLogTargets(logPs, logQs, { axis: null }),
    ];
    for (const f of calls) f().dispose();
    expectNoLeaks(() => {
      for (const f of calls) f().dispose();
    });
  });
});

describe('optax softmax cross-entropies (optax/losses/_classification_test.py SoftmaxCrossEntropyTest, SafeSoftmaxCrossEntropyTest, SoftmaxCrossEntropyWithIntegerLabelsTest, PolyLossTest)', () => {
  const ys = [[10, 1, -2], [1, 4, 0.2]];
  const ts = [[0, 1, 0], [1, 0, 0]];
  const lse = (r: number[]) => { const m = Math.max(...r); return m + Math.log(sum(r.map((v) => Math.exp(v - m)))); };
  const ce64 = (z: number[], t: number[]) => sum(t.map((v, j) => (v === 0 ? 0 : v * (lse(z) - z[j]!))));

  it('softmaxCrossEntropy and the integer-label form reproduce test_batched: [9.00013, 3.0696733] (and the scalar case)', () => {
    close(read(O.softmaxCrossEntropy(ys, ts)), [9.00013, 3.0696733], 1e-5);
    close(read(O.softmaxCrossEntropy(ys[0]!, ts[0]!)), 9.00013, 1e-5);
    close(read(O.softmaxCrossEntropyWithIntegerLabels(ys, [1, 0])), [9.00013, 3.0696733], 1e-5);
    close(read(O.softmaxCrossEntropyWithIntegerLabels(ys[0]!, 1)), 9.00013, 1e-5);
  });
  it('reproduce the docstring examples: [0.2761, 2.9518] and, over axis (2, 3) of [1, 2, 3, 4] with flat labels, [[6.4587, 0.4587]]', () => {
    const logits = [[1.2, -0.8, -0.5], [0.9, -1.2, 1.1]];
    close(read(O.softmaxCrossEntropy(logits, [[1, 0, 0], [0, 1, 0]])), [0.2761, 2.9518], 5e-5);
    close(read(O.softmaxCrossEntropyWithIntegerLabels(logits, [0, 1])), [0.2761, 2.9518], 5e-5);
    const x = tf.reshape(tf.range(0, 24, 1, 'float32'), [1, 2, 3, 4]);
    // ravel_multi_index(([[1, 2]], [[1, 3]]), (3, 4)) = [[5, 11]].
    close(read(O.softmaxCrossEntropyWithIntegerLabels(x, [[5, 11]], { axis: [2, 3] })), [[6.4587, 0.4587]], 5e-5);
    // Float64: lse(0..11) − 5 and lse(12..23) − 23.
    const l12 = (a: number) => lse(Array.from({ length: 12 }, (_, k) => a + k));
    close(read(O.softmaxCrossEntropyWithIntegerLabels(x, [[5, 11]], { axis: [2, 3] })), [[l12(0) - 5, l12(12) - 23]], 1e-6);
    x.dispose();
  });
  it('a list of axes flattens them in the given order (optax test_axes): axis [2, 1] of [2, 3, 4] reads the label as a flat index over (dim 2, dim 1)', () => {
    const v = f32(randomMatrix(2, 12, 51)); // logits [2, 3, 4] after reshape
    const x = tf.tensor3d(v.map((r) => [r.slice(0, 4), r.slice(4, 8), r.slice(8)]));
    const y = [7, 2];
    // axis [2, 1]: flattened index k ↔ (dim2 = floor(k / 3), dim1 = k % 3).
    const want = v.map((r, i) => { const flatOrder = [0, 1, 2, 3].flatMap((a) => [0, 1, 2].map((b) => r[b * 4 + a]!)); return lse(flatOrder) - flatOrder[y[i]!]!; });
    close(read(O.softmaxCrossEntropyWithIntegerLabels(x, y, { axis: [2, 1] })), want, 1e-5);
    x.dispose();
  });
  it('where: masked classes leave the softmax and the sum; an all-masked row is 0 (test_per_logit_mask, test_mask); the integer form reads the label logit', () => {
    const per = [[1, 0, 0], [0, 0, 0]];
    close(read(O.softmaxCrossEntropy(ys, ts, { where: per })), [0, 0]);
    close(read(O.softmaxCrossEntropyWithIntegerLabels(ys, [1, 0], { where: per })), [lse([10]) - 1, 0]);
    const z = f32(randomMatrix(1, 10, 52))[0]!;
    const t = f32(randomMatrix(1, 10, 53))[0]!.map((v) => Math.abs(v));
    const mask = [1, 1, 0, 1, 0, 1, 1, 0, 0, 1];
    const keep = (a: number[]) => a.filter((_, i) => mask[i] === 1);
    close(read(O.softmaxCrossEntropy(z, t, { where: mask })), ce64(keep(z), keep(t)), 1e-5);
    // A per-row mask of the leading shape: row 1 excluded.
    close(read(O.softmaxCrossEntropy(ys, ts, { where: [1, 0] })), [ce64(ys[0]!, ts[0]!), 0]);
  });
  it('axis 0, 1 or 2 of [4, 5, 6] equals moving that axis last (optax test_axis); axis null gives one value', () => {
    const z = tf.randomNormal([4, 5, 6], 0, 1, 'float32', 7);
    const t = tf.softmax(tf.randomNormal([4, 5, 6], 0, 1, 'float32', 8));
    for (const axis of [0, 1, 2]) {
      const perm = [0, 1, 2].filter((a) => a !== axis).concat(axis);
      close(read(O.softmaxCrossEntropy(z, t, { axis })), read(O.softmaxCrossEntropy(tf.transpose(z, perm), tf.transpose(t, perm))), 1e-5);
      close(read(O.polyLossCrossEntropy(z, t, { axis })), read(O.polyLossCrossEntropy(tf.transpose(z, perm), tf.transpose(t, perm))), 1e-5);
    }
    const zf = Array.from(z.dataSync());
    const tf64 = Array.from(t.dataSync());
    close(read(O.softmaxCrossEntropy(z, t, { axis: null })), ce64(zf, tf64), 1e-5);
    tf.dispose([z, t]);
  });
  it('safeSoftmaxCrossEntropy reproduces test_batched: [9.00013, 3.0696733, 0.693147, Infinity, 0] with validate: false', () => {
    const sy = [[10, 1, -2], [1, 4, 0.2], [-Infinity, 0, 0], [-Infinity, 0, 0], [-Infinity, 0, -Infinity]];
    const st = [[0, 1, 0], [1, 0, 0], [0, 0.5, 0.5], [0.4, 0.3, 0.3], [0, 1, 0]];
    const got = read(O.safeSoftmaxCrossEntropy(sy, st, { validate: false })) as number[];
    expect(got[3]).toBe(Number.POSITIVE_INFINITY);
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: optax's published test data, digit for digit
    close(got.filter((_, i) => i !== 3), [9.00013, 3.0696733, 0.693147, 0], 1e-5);
    // validate (default): the infinite row is a typed error naming the row and the class.
    const e = expectCleanThrow(() => O.safeSoftmaxCrossEntropy(sy, st), 'NON_FINITE_OUTPUT');
    expect(e.received).toContain('index 3');
    expect(e.received).toContain('class 0');
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: optax's published test data, digit for digit
    close(read(O.safeSoftmaxCrossEntropy(sy.filter((_, i) => i !== 3), st.filter((_, i) => i !== 3))), [9.00013, 3.0696733, 0.693147, 0], 1e-5);
  });
  it('safeSoftmaxCrossEntropy: finite gradient p − t, 0 on the −∞ classes; equals softmaxCrossEntropy (value and gradient) on finite logits (test_against_plain_implementation)', () => {
    const x = tf.tensor2d([[-Infinity, 0, 0], [-Infinity, 0, -Infinity], [-Infinity, 2, -1]]);
    const t = [[0, 0.5, 0.5], [0, 1, 0], [0, 0.3, 0.7]];
    const g = read(tf.grad((a: tf.Tensor) => tf.sum(O.safeSoftmaxCrossEntropy(a, t)) as tf.Scalar)(x)) as number[][];
    const p = [Math.exp(2) / (Math.exp(2) + Math.exp(-1)), Math.exp(-1) / (Math.exp(2) + Math.exp(-1))];
    close(g, [[0, 0, 0], [0, 0, 0], [0, p[0]! - 0.3, p[1]! - 0.7]], 1e-6);
    x.dispose();
    const z = tf.tensor2d([ys[0]!]);
    const a = tf.grad((v: tf.Tensor) => tf.sum(O.safeSoftmaxCrossEntropy(v, [ts[0]!])) as tf.Scalar)(z);
    const b = tf.grad((v: tf.Tensor) => tf.sum(O.softmaxCrossEntropy(v, [ts[0]!])) as tf.Scalar)(z);
    close(read(a), read(b), 1e-6);
    z.dispose();
  });
  it('polyLossCrossEntropy reproduces test_scalar and test_batched for every published ε', () => {
    const logits = [0.14, 1.456, 2.356, -0.124, -2.47];
    const labels = [0.1, 0.15, 0.2, 0.25, 0.3];
    const scalar: Array<[number, number]> = [[2, 4.5317], [1, 3.7153], [-1, 2.0827], [0, 2.899], [-0.5, 2.4908], [1.15, 3.8378], [1.214, 3.89], [5.45, 7.348]];
    for (const [eps, want] of scalar) close(read(O.polyLossCrossEntropy(logits, labels, { epsilon: eps })), want, 1e-4);
    const bl = [[4, 2, 1], [0, 5, 1]];
    const bt = [[1, 0, 0], [0, 0.8, 0.2]];
    const batched: Array<[number, number[]]> = [[2, [0.4823, 1.2567]], [1, [0.3261, 1.0407]], [0, [0.1698, 0.8247]], [-0.5, [0.0917, 0.7168]], [1.15, [0.3495, 1.0731]], [1.214, [0.3595, 1.087]], [5.45, [1.0211, 2.0018]]];
    for (const [eps, want] of batched) close(read(O.polyLossCrossEntropy(bl, bt, { epsilon: eps })), want, 1e-4);
    // The default ε is optax's 2.
    close(read(O.polyLossCrossEntropy(bl, bt)), [0.4823, 1.2567], 1e-4);
  });
  it('polyLossCrossEntropy with where equals the loss of the included entries', () => {
    const z = [0.3, -1, 2, 0.5, 1.1];
    const t = [0.1, 0.4, 0, 0.2, 0.3];
    const mask = [1, 1, 0, 1, 1];
    const keep = (a: number[]) => a.filter((_, i) => mask[i] === 1);
    close(read(O.polyLossCrossEntropy(z, t, { where: mask, epsilon: 1.5 })), read(O.polyLossCrossEntropy(keep(z), keep(t), { epsilon: 1.5 })), 1e-6);
  });
  it('±1e4 and ties of huge logits: exact values ((m − z) + l), finite gradients', () => {
    close(read(O.softmaxCrossEntropy([[1e4, -1e4, 0], [1e4, 1e4, -1e4]], [[0, 1, 0], [1, 0, 0]])), [2e4, Math.LN2], 1e-6);
    close(read(O.softmaxCrossEntropyWithIntegerLabels([[3e30, 3e30, 0]], [0])), [Math.LN2], 1e-6);
    const x = tf.tensor2d([[1e4, -1e4, 0], [1e4, 1e4, -1e4]]);
    const g = read(tf.grad((a: tf.Tensor) => tf.sum(O.softmaxCrossEntropyWithIntegerLabels(a, [1, 0])) as tf.Scalar)(x));
    close(g, [[1, -1, 0], [-0.5, 0.5, 0]], 1e-6);
    x.dispose();
  });
  it('gradients pass finite-difference checks against the float64 definitions (dense, integer, poly, with where)', () => {
    const z = f32(randomMatrix(3, 4, 54, 1.5));
    const t = f32(randomMatrix(3, 4, 55)).map((r) => r.map((v) => Math.abs(v)));
    const y = randomLabels(3, 4, 56);
    const mask = [[1, 1, 0, 1], [1, 1, 1, 1], [0, 1, 1, 0]];
    const rows = (f: Float64Array) => [0, 1, 2].map((i) => Array.from(f.slice(4 * i, 4 * i + 4)));
    const sm = (r: number[]) => { const l = lse(r); return r.map((v) => Math.exp(v - l)); };
    const keep = (a: number[], i: number) => a.filter((_, j) => mask[i]![j] === 1);
    const x = tf.tensor2d(z);
    const cases: Array<[string, (a: tf.Tensor) => tf.Tensor, (f: Float64Array) => number]> = [
      ['dense', (a) => O.softmaxCrossEntropy(a, t), (f) => sum(rows(f).map((r, i) => ce64(r, t[i]!)))],
      ['integer', (a) => O.softmaxCrossEntropyWithIntegerLabels(a, y), (f) => sum(rows(f).map((r, i) => lse(r) - r[y[i]!]!))],
      ['poly ε=2', (a) => O.polyLossCrossEntropy(a, t), (f) => sum(rows(f).map((r, i) => ce64(r, t[i]!) + 2 * sum(sm(r).map((p, j) => t[i]![j]! * (1 - p)))))],
      ['dense, where', (a) => O.softmaxCrossEntropy(a, t, { where: mask }), (f) => sum(rows(f).map((r, i) => ce64(keep(r, i), keep(t[i]!, i))))],
      ['integer, where', (a) => O.softmaxCrossEntropyWithIntegerLabels(a, y, { where: mask }), (f) => sum(rows(f).map((r, i) => lse(keep(r, i)) - r[y[i]!]!))],
    ];
    for (const [name, f, ref] of cases) {
      const r = checkGradient((a) => tf.sum(f(a)), x, { reference: ref });
      expect(r.ok, `${name}: worst ${r.worst} at ${r.worstIndex}`).toBe(true);
    }
    x.dispose();
  });
  it('bad input: NaN, −∞ outside the safe form, labels out of range or of the wrong shape, axis null for integer labels, bad ε', () => {
    expect(expectCleanThrow(() => O.softmaxCrossEntropy([[0, -Infinity]], [[1, 0]]), 'NON_FINITE_INPUT').argument).toBe('logits');
    expect(expectCleanThrow(() => O.safeSoftmaxCrossEntropy([[0, Number.NaN]], [[1, 0]]), 'NON_FINITE_INPUT').argument).toBe('logits');
    expectCleanThrow(() => O.safeSoftmaxCrossEntropy([[0, Infinity]], [[1, 0]]), 'NON_FINITE_INPUT');
    expect(expectCleanThrow(() => O.softmaxCrossEntropy([[0, 1]], [[Number.NaN, 0]]), 'NON_FINITE_INPUT').argument).toBe('labels');
    expectCleanThrow(() => O.softmaxCrossEntropyWithIntegerLabels([[0, 1]], [2]), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => O.softmaxCrossEntropyWithIntegerLabels([[0, 1]], [0, 1]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.softmaxCrossEntropyWithIntegerLabels([[0, 1]], [0], { axis: null }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.softmaxCrossEntropy([[0, 1, 2]], [[1, 0]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.polyLossCrossEntropy([[0, 1]], [[1, 0]], { epsilon: Number.NaN }), 'INVALID_PARAMETER');
  });
  it('leak no tensors (values and gradients)', () => {
    const calls = [
      () => O.softmaxCrossEntropy(ys, ts, { where: [[1, 0, 1], [1, 1, 1]] }),
      () => O.softmaxCrossEntropyWithIntegerLabels(ys, [1, 0], { axis: -1 }),
      () => O.safeSoftmaxCrossEntropy([[-Infinity, 0, 1]], [[0, 0.5, 0.5]]),
      () => O.polyLossCrossEntropy(ys, ts, { axis: 0 }),
      () => tf.grad((a: tf.Tensor) => tf.sum(O.safeSoftmaxCrossEntropy(a, [[0, 0.5, 0.5]])) as tf.Scalar)(tf.tensor2d([[-Infinity, 0, 1]])),
    ];
    for (const f of calls) tf.dispose(f());
    expectNoLeaks(() => {
      for (const f of calls) tf.dispose(tf.tidy(f));
    });
  });
});

describe('optax sigmoid losses and label smoothing (SigmoidCrossEntropyTest, SigmoidFocalLossTest, optax/losses/_smoothing_test.py)', () => {
  const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
  const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  const bce64 = (z: number, y: number) => y * softplus(-z) + (1 - y) * softplus(z);

  it('sigmoidBinaryCrossEntropy reproduces every case of test_sigmoid_cross_entropy (mean of two)', () => {
    const table: Array<[number[], number[], number]> = [
      [[-1e9, -1e-9], [1, 0], 5e8], [[-1e9, -1e-9], [0, 1], 0.3465736], [[1e9, 1e-9], [1, 0], 0.3465736], [[1e9, 1e-9], [0, 1], 5e8],
      [[-1e9, 1e-9], [1, 0], 5e8], [[-1e9, 1e-9], [0, 1], 0.3465736], [[1e9, -1e-9], [1, 0], 0.3465736], [[1e9, -1e-9], [0, 1], 5e8],
      // biome-ignore lint/suspicious/noApproximativeNumericConstant: optax's published test data, digit for digit
      [[0, 0], [1, 0], 0.6931472], [[0, 0], [0, 1], 0.6931472],
    ];
    for (const [z, y, want] of table) close(read(tf.tidy(() => tf.mean(O.sigmoidBinaryCrossEntropy(z, y)))), want, 1e-6);
  });
  it('sigmoidFocalLoss equals BCE at γ = 0, scales BCE by (1 − p_t)^γ (test_scale), reweights by α (test_alpha_one, test_large_logit_fl_less_than_ce)', () => {
    const ys = [[2, 0.1, -2], [0.3, -0.1, 1.2]];
    const ts = [[0, 0, 1], [1, 0, 0]];
    const bce = ys.map((r, i) => r.map((z, j) => bce64(z, ts[i]![j]!)));
    close(read(O.sigmoidFocalLoss(ys, ts, { gamma: 0 })), bce, 2e-5);
    const pt = ys.map((r, i) => r.map((z, j) => (ts[i]![j] ? sigmoid(z) : 1 - sigmoid(z))));
    close(read(O.sigmoidFocalLoss(ys, ts, { gamma: 2 })), bce.map((r, i) => r.map((b, j) => b * (1 - pt[i]![j]!) ** 2)), 2e-5);
    close(read(O.sigmoidFocalLoss(ys, ts, { gamma: 0, alpha: 1 })), bce.map((r, i) => r.map((b, j) => b * ts[i]![j]!)), 2e-5);
    const large = [0.9, 0.98, 0.3, 0.99].map((p) => Math.log(p / (1 - p)));
    const ratio = (read(O.sigmoidBinaryCrossEntropy(large, [1, 1, 1, 1])) as number[]).map((c, i) => c / (read(O.sigmoidFocalLoss(large, [1, 1, 1, 1], { gamma: 2, alpha: 0.5 })) as number[])[i]!);
    close(ratio, large.map((z) => 2 / (1 - sigmoid(z)) ** 2), 1e-4);
  });
  it('sigmoidFocalLoss with soft labels equals the float64 definition (1 − p_t)^γ BCE, p_t = y p + (1 − y)(1 − p), and is exact at ±1e4', () => {
    const z = [-3, -0.5, 0, 0.7, 4, 1e4, -1e4];
    const y = [0.2, 0.9, 0.5, 0.05, 0.6, 1, 1];
    const ref = z.map((v, i) => { const p = sigmoid(v); const pt = y[i]! * p + (1 - y[i]!) * (1 - p); return (0.25 * y[i]! + 0.75 * (1 - y[i]!)) * (1 - pt) ** 1.5 * bce64(v, y[i]!); });
    close(read(O.sigmoidFocalLoss(z, y, { gamma: 1.5, alpha: 0.25 })), ref, 1e-5);
    const x = tf.tensor1d(z.slice(0, 5));
    const r = checkGradient((a) => tf.sum(O.sigmoidFocalLoss(a, y.slice(0, 5), { gamma: 1.5 })), x, {
      reference: (f) => sum(Array.from(f).map((v, i) => { const p = sigmoid(v); const pt = y[i]! * p + (1 - y[i]!) * (1 - p); return (1 - pt) ** 1.5 * bce64(v, y[i]!); })),
    });
    x.dispose();
    expect(r.ok, `worst ${r.worst}`).toBe(true);
  });
  it('smoothLabels reproduces test_scalar / test_batched (α = 0, 0.1, 1) and counts only included entries with where', () => {
    const ts = [[0, 1, 0], [1, 0, 0]];
    close(read(O.smoothLabels(ts, 0)), ts);
    close(read(O.smoothLabels(ts, 0.1)), ts.map((r) => r.map((v) => 0.9 * v + 0.1 / 3)));
    close(read(O.smoothLabels(ts, 1)), ts.map((r) => r.map(() => 1 / 3)));
    close(read(O.smoothLabels(ts[0]!, 0.1)), ts[0]!.map((v) => 0.9 * v + 0.1 / 3));
    close(read(O.smoothLabels(ts, 0.1, { where: [[1, 1, 0], [1, 1, 1]] })), [[0.05, 0.95, 0.05], [0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3]]);
    close(read(O.smoothLabels(ts, 0.2, { axis: 0 })), ts.map((r) => r.map((v) => 0.8 * v + 0.1)));
  });
  it('sigmoidFocalLoss keeps its relative accuracy at |z| ~ 1e4 with soft labels (fuzz seed 1, call 58: optax\'s branch form was 0.2% off)', () => {
    const z = [-11055.7177734375, -4941.185546875, 20881.271484375, -67.87715148925781];
    const y = [0.2934742867946625, 0.4195731580257416, 0.6766214370727539, 0.9582895040512085].map(Math.fround);
    const want = z.map((v, i) => (y[i]! * softplus(-v) + (1 - y[i]!) * softplus(v)) * (y[i]! * sigmoid(-v) + (1 - y[i]!) * sigmoid(v)) ** 3.5);
    close(read(O.sigmoidFocalLoss(z, y, { gamma: 3.5 })), want, 1e-5);
  });
  it('bad input: labels outside [0, 1] for the focal loss, bad α / γ, NaN, an all-excluded where row in smoothLabels', () => {
    expectCleanThrow(() => O.sigmoidFocalLoss([0, 1], [0, 2]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.sigmoidFocalLoss([0, 1], [0, 1], { gamma: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => O.sigmoidFocalLoss([0, 1], [0, 1], { alpha: 1.5 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => O.sigmoidBinaryCrossEntropy([0, Number.NaN], [0, 1]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => O.smoothLabels([[0, 1]], Number.NaN), 'INVALID_PARAMETER');
    expectCleanThrow(() => O.smoothLabels([[0, 1]], 0.1, { where: [[0, 0]] }), 'NON_FINITE_OUTPUT');
  });
  it('leak no tensors', () => {
    const calls = [() => O.sigmoidBinaryCrossEntropy([1, -2], [1, 0]), () => O.sigmoidFocalLoss([1, -2], [0.3, 1], { alpha: 0.25 }), () => O.smoothLabels([[0, 1]], 0.1, { where: [[1, 1]] })];
    for (const f of calls) f().dispose();
    expectNoLeaks(() => {
      for (const f of calls) f().dispose();
    });
  });
});

describe('optax rankingSoftmaxLoss (optax/losses/_ranking_test.py and the module docstring)', () => {
  const E = Math.exp;
  const lg = Math.log;
  it('reproduces the docstring: 1.408, 0.497 with where, gradient [-0.755, 0.09, 0.665]', () => {
    close(read(O.rankingSoftmaxLoss([2, 1, 3], [1, 0, 0])), 1.408, 5e-4);
    close(read(O.rankingSoftmaxLoss([[2, 1, 0], [1, 0.5, 1.5]], [[1, 0, 0], [0, 0, 1]], { where: [[1, 1, 0], [1, 1, 1]] })), 0.497, 5e-4);
    const x = tf.tensor1d([2, 1, 3]);
    close(read(tf.grad((s: tf.Tensor) => O.rankingSoftmaxLoss(s, [1, 0, 0]) as tf.Scalar)(x)), [-0.755, 0.09, 0.665], 5e-4);
    x.dispose();
  });
  it('reproduces test_computes_loss_value, test_computes_weighted_loss_value, test_computes_loss_value_with_vmap (reduce_fn=sum) and zero labels', () => {
    const z4 = E(0) + E(3) + E(1) + E(2);
    close(read(O.rankingSoftmaxLoss([0, 3, 1, 2], [0, 0, 1, 1], { reduceFn: 'sum' })), -(lg(E(2) / z4) + lg(E(1) / z4)), 1e-5);
    close(read(O.rankingSoftmaxLoss([0, 3, 2, 1], [0, 0, 1, 1], { weights: [1, 1, 2, 1], reduceFn: 'sum' })), -(2 * lg(E(2) / z4) + lg(E(1) / z4)), 1e-5);
    const z4b = E(3) + E(1) + E(4) + E(2);
    close(read(O.rankingSoftmaxLoss([[0, 3, 1, 2], [3, 1, 4, 2]], [[0, 0, 1, 1], [2, 0, 1, 0]], { reduceFn: null })), [-(lg(E(2) / z4) + lg(E(1) / z4)), -(2 * lg(E(3) / z4b) + lg(E(4) / z4b))], 1e-5);
    close(read(O.rankingSoftmaxLoss([0, 3, 1, 2], [0, 0, 0, 0], { reduceFn: 'sum' })), 0);
  });
  it('reproduces test_computes_loss_with_extreme_inputs: scores [0, −2.1e26, 3.4e37, 42] (rel 1e-3)', () => {
    const want = -((-2.1e26 - (0 + -2.1e26 + 3.4e37 + 42)) + (3.4e37 - (0 + -2.1e26 + 3.4e37 + 42)));
    const got = read(O.rankingSoftmaxLoss([0, -2.1e26, 3.4e37, 42], [0, 1, 1, 0], { reduceFn: 'sum' })) as number;
    expect(Math.abs(got - want) / want).toBeLessThan(1e-3);
  });
  it('reproduces test_computes_reduced_loss and test_computes_unreduced_loss: mean = sum / 2, shape [2], Σ unreduced = sum', () => {
    const s = [[2, 1, 3], [1, 0.5, 1.5]];
    const y = [[1, 0, 0], [0, 0, 1]];
    const want = [-lg(E(2) / (E(2) + E(1) + E(3))), -lg(E(1.5) / (E(1) + E(0.5) + E(1.5)))];
    close(read(O.rankingSoftmaxLoss(s, y)), sum(want) / 2, 1e-5);
    close(read(O.rankingSoftmaxLoss(s, y, { reduceFn: 'sum' })), sum(want), 1e-5);
    const none = read(O.rankingSoftmaxLoss(s, y, { reduceFn: null })) as number[];
    expect(none.length).toBe(2);
    close(sum(none), sum(want), 1e-6);
  });
  it('where: equals the loss of the valid items (test_computes_loss_value_with_where), 0 when all are masked, lists without valid items leave the mean (test_ignores_lists_containing_only_invalid_items), any leading shape', () => {
    close(read(O.rankingSoftmaxLoss([0, 3, 1, 2], [0, 0, 2, 1], { where: [1, 1, 1, 0] })), read(O.rankingSoftmaxLoss([0, 3, 1], [0, 0, 2])), 1e-6);
    close(read(O.rankingSoftmaxLoss([0, 3, 1, 2], [0, 0, 1, 1], { where: [0, 0, 0, 0] })), 0);
    close(read(O.rankingSoftmaxLoss([[0, 3, 1, 2], [3, 1, 4, 2]], [[0, 0, 1, 1], [2, 0, 1, 0]], { where: [[1, 1, 1, 1], [0, 0, 0, 0]] })), read(O.rankingSoftmaxLoss([0, 3, 1, 2], [0, 0, 1, 1])), 1e-6);
    const a = read(O.rankingSoftmaxLoss([2, 3, 1], [0, 0, 1], { where: [0, 1, 1] }));
    close(read(O.rankingSoftmaxLoss([[[[2, 3, 1]]]], [[[[0, 0, 1]]]], { where: [[[[0, 1, 1]]]] })), a, 1e-6);
  });
  it('gradients: no NaN for zero labels or all masked (test_grad_does_not_return_nan_*), and a finite-difference check with where and weights', () => {
    const x = tf.tensor1d([0, 3, 1, 2]);
    for (const o of [{}, { where: [0, 0, 0, 0] }]) {
      const g = read(tf.grad((s: tf.Tensor) => O.rankingSoftmaxLoss(s, o.where ? [0, 0, 1, 1] : [0, 0, 0, 0], o) as tf.Scalar)(x)) as number[];
      expect(g.every(Number.isFinite)).toBe(true);
    }
    x.dispose();
    const s = f32(randomMatrix(3, 5, 61));
    const y = randomLabels(15, 3, 62);
    const yy = [0, 1, 2].map((i) => y.slice(5 * i, 5 * i + 5));
    const w = [[1, 1, 0, 1, 1], [0, 1, 1, 1, 0], [1, 1, 1, 1, 1]];
    const wt = f32(randomMatrix(3, 5, 63)).map((r) => r.map((v) => 0.5 + Math.abs(v)));
    const lse = (r: number[]) => { const m = Math.max(...r); return m + lg(sum(r.map((v) => E(v - m)))); };
    const ref = (f: Float64Array) =>
      sum([0, 1, 2].map((i) => {
        const r = Array.from(f.slice(5 * i, 5 * i + 5)).filter((_, j) => w[i]![j] === 1);
        const yi = yy[i]!.filter((_, j) => w[i]![j] === 1);
        const wi = wt[i]!.filter((_, j) => w[i]![j] === 1);
        return -sum(yi.map((v, j) => wi[j]! * v * (r[j]! - lse(r))));
      })) / 3;
    const xs = tf.tensor2d(s);
    const r = checkGradient((a) => O.rankingSoftmaxLoss(a, yy, { where: w, weights: wt }), xs, { reference: ref });
    xs.dispose();
    expect(r.ok, `worst ${r.worst}`).toBe(true);
  });
  it('reduceFn may be a function of the per-list losses and the valid-list mask', () => {
    const got = read(O.rankingSoftmaxLoss([[2, 1, 3], [1, 0.5, 1.5]], [[1, 0, 0], [0, 0, 1]], { where: [[1, 1, 1], [0, 0, 0]], reduceFn: (l, v) => tf.sum(tf.mul(l, tf.cast(v!, 'float32'))) }));
    close(got, read(O.rankingSoftmaxLoss([2, 1, 3], [1, 0, 0])), 1e-6);
  });
  it('bad input: unknown reduceFn, scalar logits, labels or where that do not broadcast, NaN scores', () => {
    expectCleanThrow(() => O.rankingSoftmaxLoss([1, 2], [1, 0], { reduceFn: 'max' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.rankingSoftmaxLoss(1, 1), 'RANK_MISMATCH');
    expectCleanThrow(() => O.rankingSoftmaxLoss([1, 2], [1, 0, 0]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.rankingSoftmaxLoss([1, 2], [1, 0], { where: [1, 0, 1] }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.rankingSoftmaxLoss([1, Number.NaN], [1, 0]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => O.rankingSoftmaxLoss([1, 2], [1, 0], { reduceFn: () => 3 as never }), 'INVALID_ARGUMENT');
  });
  it('leaks no tensors', () => {
    const f = () => O.rankingSoftmaxLoss([[2, 1, 3], [1, 0.5, 1.5]], [[1, 0, 0], [0, 0, 1]], { where: [[1, 1, 0], [1, 1, 1]], weights: [1, 2, 1] });
    f().dispose();
    expectNoLeaks(() => f().dispose());
  });
});

describe('optax makeFenchelYoungLoss (optax/losses/_fenchel_young_test.py)', () => {
  const lse = (r: number[]) => { const m = Math.max(...r); return m + Math.log(sum(r.map((v) => Math.exp(v - m)))); };
  const softmax = (r: number[]) => r.map((v) => Math.exp(v - lse(r)));
  it('with logsumexp: the gradient is softmax(θ) − y_true and on one-hot targets the loss is the integer-label cross-entropy (test_fenchel_young_reg)', () => {
    const fy = O.makeFenchelYoungLoss((s) => tf.logSumExp(s, -1));
    const theta = f32(randomMatrix(8, 5, 71)).map((r) => r.map((v) => Math.abs(v) % 1));
    const yTrue = f32(randomMatrix(8, 5, 72)).map(softmax);
    const x = tf.tensor2d(theta);
    const g = read(tf.grad((t: tf.Tensor) => tf.sum(fy(t, yTrue)) as tf.Scalar)(x));
    close(g, theta.map((r, i) => softmax(r).map((p, j) => p - yTrue[i]![j]!)), 1e-5);
    const labels = yTrue.map((r) => r.indexOf(Math.max(...r)));
    const onehot = labels.map((k) => [0, 1, 2, 3, 4].map((j) => (j === k ? 1 : 0)));
    close(read(fy(x, onehot)), read(O.softmaxCrossEntropyWithIntegerLabels(x, labels)), 1e-5);
    close(read(fy(x, onehot)), theta.map((r, i) => lse(r) - r[labels[i]!]!), 1e-5);
    x.dispose();
  });
  it('with max: the multiclass perceptron loss; leading dimensions are kept; extra arguments reach the max function', () => {
    const fy = O.makeFenchelYoungLoss((s) => tf.max(s, -1));
    close(read(fy([[[10, 3], [11, -2]]], [[[0, 1], [1, 0]]])), [[7, 0]]);
    const tempered = O.makeFenchelYoungLoss((s, tau) => tf.mul(tf.logSumExp(tf.div(s, tau as number), -1), tau as number));
    close(read(tempered([[2, 1, 0]], [[1, 0, 0]], 0.5)), [0.5 * lse([4, 2, 0]) - 2], 1e-6);
  });
  it('bad input: not a function, a max function that does not reduce the last axis or returns NaN, scalar scores', () => {
    expectCleanThrow(() => O.makeFenchelYoungLoss(42 as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.makeFenchelYoungLoss((s) => tf.logSumExp(s))([[1, 2], [3, 4]], [[1, 0], [0, 1]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.makeFenchelYoungLoss((s) => tf.log(tf.sum(tf.sub(s, 10), -1)))([[1, 2]], [[1, 0]]), 'NON_FINITE_OUTPUT');
    expectCleanThrow(() => O.makeFenchelYoungLoss((s) => tf.max(s, -1))(1, 1), 'RANK_MISMATCH');
    expect(read(O.makeFenchelYoungLoss((s) => tf.log(tf.sum(tf.sub(s, 10), -1)))([[1, 2]], [[1, 0]], { validate: false })) as number[]).toEqual([Number.NaN]);
  });
  it('leaks no tensors', () => {
    const fy = O.makeFenchelYoungLoss((s) => tf.logSumExp(s, -1));
    fy([[2, 1, 0]], [[1, 0, 0]]).dispose();
    expectNoLeaks(() => fy([[2, 1, 0]], [[1, 0, 0]]).dispose());
  });
});

describe('optax regression losses (optax/losses/_regression_test.py SquaredErrorTest, L2LossTest, HuberLossTest, LogCoshTest, CosineDistanceTest)', () => {
  const ys = [-2, -1, 0.5, 1];
  const ts = [-1.5, 0, -1, 1];
  it('squaredError and l2Loss reproduce test_scalar / test_batched ((t − y)² and half of it); targets default to zeros', () => {
    close(read(O.squaredError(ys, ts)), ys.map((y, i) => (ts[i]! - y) ** 2), 1e-7);
    close(read(O.l2Loss(ys, ts)), ys.map((y, i) => 0.5 * (ts[i]! - y) ** 2), 1e-7);
    close(read(O.squaredError(ys[0]!, ts[0]!)), 0.25, 1e-7);
    close(read(O.l2Loss(ys)), ys.map((y) => 0.5 * y * y), 1e-7);
  });
  it('squaredError and l2Loss reject targets of another shape (test_shape_mismatch), even when they would broadcast', () => {
    expectCleanThrow(() => O.squaredError(ys, ts.map((v) => [v])), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.l2Loss([[1, 2], [3, 4]], [1, 2]), 'SHAPE_MISMATCH');
  });
  it('huberLoss reproduces test_batched: [1.5, 0.5, 0, 0.125, 0.5, 1.5, 131.2] and the δ-piecewise float64 definition for δ = 0.7', () => {
    const y = [-2, 0.5, 0, 0.5, 2, 4, 132];
    const t = [0, -0.5, 0, 1, 1, 2, 0.3];
    close(read(O.huberLoss(y, t, { delta: 1 })), [1.5, 0.5, 0, 0.125, 0.5, 1.5, 131.2], 1e-6);
    close(read(O.huberLoss(y, t, { delta: 0.7 })), y.map((v, i) => { const e = Math.abs(v - t[i]!); return e <= 0.7 ? 0.5 * e * e : 0.5 * 0.49 + 0.7 * (e - 0.7); }), 1e-6);
  });
  it('logCosh reproduces test_batched and test_batched_predictions_only (tf.keras log_cosh values, atol 1e-5)', () => {
    close(read(O.logCosh([500, -2, -1, 0.5, 1], [-200, -1.5, 0, -1, 1])), [699.3068, 0.12011445, 0.4337809, 0.85544014, 0], 1e-5);
    close(read(O.logCosh([500, -2, -1, 0.5, 1])), [499.30685, 1.3250027, 0.4337809, 0.12011451, 0.43378082], 1e-5);
  });
  it('cosineDistance / cosineSimilarity reproduce test_batched_distance and test_batched_similarity (scipy values), scalar and batched', () => {
    const a = [[10, 1, -2], [1, 4, 0.2]];
    const b = [[0, 1.2, 0.2], [1, -0.3, 0]];
    close(read(O.cosineDistance(a, b)), [0.9358251989, 1.0464068465], 1e-6);
    close(read(O.cosineSimilarity(a, b)), [1 - 0.9358251989, 1 - 1.0464068465], 1e-6);
    close(read(O.cosineDistance(a[0]!, b[0]!)), 0.9358251989, 1e-6);
  });
  it('cosine where equals the subset (test_mask_*), axis equals moving it last (test_axis), ε floors the squared norms', () => {
    const p = f32(randomMatrix(1, 10, 81))[0]!;
    const t = f32(randomMatrix(1, 10, 82))[0]!;
    const mask = [1, 0, 1, 1, 1, 0, 1, 0, 1, 1];
    const keep = (x: number[]) => x.filter((_, i) => mask[i] === 1);
    close(read(O.cosineSimilarity(p, t, { where: mask })), read(O.cosineSimilarity(keep(p), keep(t))), 1e-6);
    close(read(O.cosineDistance(p, t, { where: mask })), read(O.cosineDistance(keep(p), keep(t))), 1e-6);
    const x = tf.randomNormal([4, 5, 6], 0, 1, 'float32', 9);
    const y = tf.randomNormal([4, 5, 6], 0, 1, 'float32', 10);
    for (const axis of [0, 1, 2]) {
      const perm = [0, 1, 2].filter((a) => a !== axis).concat(axis);
      close(read(O.cosineSimilarity(x, y, { axis })), read(O.cosineSimilarity(tf.transpose(x, perm), tf.transpose(y, perm))), 1e-5);
    }
    tf.dispose([x, y]);
    // ε on the squared norm: [0.1, 0] has Σa² = 0.01 < ε = 1, so its norm is taken as 1: cos = 0.1·1/(1·1) = 0.1.
    close(read(O.cosineSimilarity([0.1, 0], [1, 0], { epsilon: 1 })), 0.1, 1e-6);
    // A zero vector: 0/0 with ε = 0 (typed error), 0 similarity with ε > 0.
    expectCleanThrow(() => O.cosineSimilarity([0, 0], [1, 1]), 'NON_FINITE_OUTPUT');
    close(read(O.cosineSimilarity([0, 0], [1, 1], { epsilon: 1e-12 })), 0);
  });
  it('extremes: ±1e4 errors are exact for huber, logCosh (|e| − log 2) and squaredError; cosine is scale invariant at 1e4', () => {
    close(read(O.huberLoss([1e4, -1e4])), [1e4 - 0.5, 1e4 - 0.5], 1e-7);
    close(read(O.logCosh([1e4, -1e4])), [1e4 - Math.LN2, 1e4 - Math.LN2], 1e-7);
    close(read(O.squaredError([1e4], [-1e4])), [4e8], 1e-7);
    close(read(O.cosineDistance([[1e4, 2e4]], [[1e-4, 2e-4]])), [0], 1e-6);
  });
  it('gradients pass finite-difference checks against the float64 definitions', () => {
    const p = f32(randomMatrix(3, 4, 83, 1.5));
    const t = f32(randomMatrix(3, 4, 84, 1.5));
    const x = tf.tensor2d(p);
    const rows = (f: Float64Array) => [0, 1, 2].map((i) => Array.from(f.slice(4 * i, 4 * i + 4)));
    const cos = (a: number[], b: number[]) => sum(a.map((v, j) => v * b[j]!)) / Math.sqrt(sum(a.map((v) => v * v)) * sum(b.map((v) => v * v)));
    const cases: Array<[string, (a: tf.Tensor) => tf.Tensor, (f: Float64Array) => number]> = [
      ['l2Loss', (a) => O.l2Loss(a, t), (f) => sum(Array.from(f).map((v, k) => 0.5 * (v - t[Math.floor(k / 4)]![k % 4]!) ** 2))],
      ['huberLoss δ=0.8', (a) => O.huberLoss(a, t, { delta: 0.8 }), (f) => sum(Array.from(f).map((v, k) => { const e = Math.abs(v - t[Math.floor(k / 4)]![k % 4]!); return e <= 0.8 ? 0.5 * e * e : 0.32 + 0.8 * (e - 0.8); }))],
      ['logCosh', (a) => O.logCosh(a, t), (f) => sum(Array.from(f).map((v, k) => Math.log(Math.cosh(v - t[Math.floor(k / 4)]![k % 4]!))))],
      ['cosineDistance', (a) => O.cosineDistance(a, t), (f) => sum(rows(f).map((r, i) => 1 - cos(r, t[i]!)))],
    ];
    for (const [name, f, ref] of cases) {
      const r = checkGradient((a) => tf.sum(f(a)), x, { reference: ref });
      expect(r.ok, `${name}: worst ${r.worst}`).toBe(true);
    }
    x.dispose();
  });
  it('bad input: NaN, negative ε, non-positive δ, non-broadcasting shapes', () => {
    expect(expectCleanThrow(() => O.logCosh([1, Number.NaN]), 'NON_FINITE_INPUT').argument).toBe('predictions');
    expect(expectCleanThrow(() => O.huberLoss([1, 2], [Number.POSITIVE_INFINITY, 0]), 'NON_FINITE_INPUT').argument).toBe('targets');
    expectCleanThrow(() => O.cosineDistance([1, 2], [1, 2], { epsilon: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => O.huberLoss([1, 2], [0, 0], { delta: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => O.logCosh([1, 2], [0, 0, 0]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.cosineSimilarity([[1, 2]], [[0, 0, 1]]), 'SHAPE_MISMATCH');
  });
  it('leak no tensors', () => {
    const calls = [() => O.squaredError(ys, ts), () => O.l2Loss(ys), () => O.huberLoss(ys, ts), () => O.logCosh(ys, ts), () => O.cosineSimilarity([[1, 2]], [[2, 1]], { where: [[1, 1]] }), () => O.cosineDistance([[1, 2]], [[2, 1]], { axis: 0 })];
    for (const f of calls) f().dispose();
    expectNoLeaks(() => {
      for (const f of calls) f().dispose();
    });
  });
});

describe('optax segmentation losses (optax/losses/_segmentation_test.py DiceLossTest)', () => {
  type Img = number[][][]; // [B, S, C]
  const softmaxRow = (r: number[]) => { const m = Math.max(...r); const e = r.map((v) => Math.exp(v - m)); const s = sum(e); return e.map((v) => v / s); };
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const probsOf = (z: Img, soft: boolean) => z.map((img) => img.map((px) => (!soft ? px : px.length === 1 ? [sig(px[0]!)] : softmaxRow(px))));
  /** Float64 per-class Dice/Tversky of each sample over its pixels: [B][C]. */
  const dice64 = (p: Img, t: Img, s = 1, a = 0.5, b = 0.5) =>
    p.map((img, i) => img[0]!.map((_, c) => {
      const I = sum(img.map((px, k) => px[c]! * t[i]![k]![c]!));
      const P = sum(img.map((px) => px[c]!));
      const T = sum(t[i]!.map((px) => px[c]!));
      return 1 - (I + s) / (I + a * (P - I) + b * (T - I) + s);
    }));
  const gdl64 = (z: Img, t: Img, s = 1, ignore = false) => {
    const C = t[0]![0]!.length;
    const f = Array.from({ length: C }, (_, c) => sum(t.flatMap((img) => img.map((px) => px[c]!))));
    const w0 = f.map((v) => 1 / (v * v + 1e-7));
    const w = w0.map((v) => (v / sum(w0)) * C);
    const d = dice64(probsOf(z, true), t, s).map((r) => r.map((v, c) => v * w[c]!).slice(ignore && C > 1 ? 1 : 0));
    return sum(d.flat()) / d.flat().length;
  };
  const randImg = (b: number, s: number, c: number, seed: number, scale = 1): Img => {
    const m = f32(randomMatrix(b * s, c, seed, scale));
    return Array.from({ length: b }, (_, i) => m.slice(i * s, (i + 1) * s));
  };
  const oneHotImg = (b: number, s: number, c: number, seed: number): Img => {
    const l = randomLabels(b * s, c, seed);
    return Array.from({ length: b }, (_, i) => l.slice(i * s, (i + 1) * s).map((k) => Array.from({ length: c }, (_, j) => (j === k ? 1 : 0))));
  };
  const z = randImg(2, 6, 3, 91);
  const t = oneHotImg(2, 6, 3, 92);

  it('diceLoss equals the float64 per-class Dice of each sample over its spatial axis (mean, sum, none), and reproduces test_dice_loss_weighting_parameters (α 0.3, β 0.7 on probabilities)', () => {
    const d = dice64(probsOf(z, true), t);
    close(read(O.diceLoss(z, t)), d.map((r) => sum(r) / 3), 1e-5);
    close(read(O.diceLoss(z, t, { reduction: 'sum' })), d.map((r) => sum(r)), 1e-5);
    close(read(O.diceLoss(z, t, { reduction: 'none' })), d, 1e-5);
    const probs = [[[0.1, 0.9], [0.8, 0.2]]];
    const tg = [[[0, 1], [1, 0]]];
    close(read(O.diceLoss(probs, tg, { smooth: 1, alpha: 0.3, beta: 0.7, applySoftmax: false })), dice64(probs, tg, 1, 0.3, 0.7).map((r) => sum(r) / 2), 1e-6);
    close(read(O.diceLoss(probs, tg, { applySoftmax: false })), dice64(probs, tg).map((r) => sum(r) / 2), 1e-6);
  });
  it('shapes (test_dice_loss_shapes, test_reduction_modes): [B, H, W, C] → [B]; \'none\' keeps [B, C]; binary [B, H, W, 1] uses the sigmoid', () => {
    const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 11);
    const y = tf.oneHot(tf.randomUniform([2, 4, 4], 0, 3, 'int32', 12), 3);
    expect(read(O.diceLoss(x, y)) as number[]).toHaveLength(2);
    expect((read(O.diceLoss(x, y, { reduction: 'none' })) as number[][]).map((r) => r.length)).toEqual([3, 3]);
    const xb = tf.randomNormal([2, 4, 4, 1], 0, 1, 'float32', 13);
    const yb = tf.cast(tf.greater(tf.randomNormal([2, 4, 4, 1], 0, 1, 'float32', 14), 0), 'float32');
    const got = read(O.diceLoss(xb, yb)) as number[];
    const pv = (xb.arraySync() as number[][][][]).map((img) => img.flat().map((px) => [sig(px[0]!)]));
    const tv = (yb.arraySync() as number[][][][]).map((img) => img.flat());
    close(got, dice64(pv, tv).map((r) => r[0]!), 1e-5);
    tf.dispose([x, y, xb, yb]);
  });
  it('perfect / wrong / bounded (test_perfect_overlap_*, test_no_overlap_binary, test_loss_bounds), and finite at ±100 and for empty or full targets', () => {
    const tb = [[[1], [0], [1], [0], [1], [1], [1], [0], [0]]];
    expect(read(O.diceLoss(tb.map((i) => i.map((p) => [p[0] ? 10 : -10])), tb)) as number[]).toSatisfy((v: number[]) => v[0]! < 0.01);
    expect(read(O.diceLoss(tb.map((i) => i.map((p) => [p[0] ? -10 : 10])), tb)) as number[]).toSatisfy((v: number[]) => v[0]! > 0.7);
    const tm = oneHotImg(1, 9, 3, 93);
    expect(read(O.diceLoss(tm.map((i) => i.map((p) => p.map((v) => (v ? 10 : -10)))), tm)) as number[]).toSatisfy((v: number[]) => v[0]! < 0.01);
    for (const seed of [94, 95, 96]) {
      const v = flat(read(O.diceLoss(randImg(2, 8, 4, seed, 2), oneHotImg(2, 8, 4, seed + 10))));
      expect(v.every((x) => x >= 0 && x <= 1)).toBe(true);
    }
    // ±1e4 logits: the softmax saturates exactly (perfect prediction: Dice 0 at any smooth; all wrong: I = 0, P = T = 1, 1 − s/(1 + s)).
    const t2 = [[[1, 0], [0, 1]]];
    close(read(O.diceLoss([[[1e4, -1e4], [-1e4, 1e4]]], t2)), [0], 1e-6);
    close(read(O.diceLoss([[[-1e4, 1e4], [1e4, -1e4]]], t2)), [0.5], 1e-6);
    close(read(O.multiclassGeneralizedDiceLoss([[[1e4, -1e4], [-1e4, 1e4]]], t2)), 0, 1e-6);
    const ones = [[[1], [1], [1], [1]]];
    for (const zz of [[[[100], [100], [100], [100]]], [[[-100], [-100], [-100], [-100]]]]) expect(flat(read(O.diceLoss(zz, ones))).every(Number.isFinite)).toBe(true);
    expect(flat(read(O.diceLoss([[[0.3], [-1], [2], [0]]], [[[0], [0], [0], [0]]]))).every(Number.isFinite)).toBe(true);
  });
  it('class weights (test_class_weights), ignoreBackground (test_ignore_background_parameter), applySoftmax (test_apply_softmax_flag)', () => {
    close(read(O.diceLoss(z, t, { classWeights: [1, 1, 1] })), read(O.diceLoss(z, t)), 1e-6);
    const d = dice64(probsOf(z, true), t);
    close(read(O.diceLoss(z, t, { classWeights: [1, 2, 0.5] })), d.map((r) => (r[0]! + 2 * r[1]! + 0.5 * r[2]!) / 3), 1e-5);
    close(read(O.diceLoss(z, t, { ignoreBackground: true, reduction: 'none' })), d.map((r) => r.slice(1)), 1e-5);
    const zb = [[[0.3], [-1], [2]]];
    const tb = [[[1], [0], [1]]];
    close(read(O.diceLoss(zb, tb, { ignoreBackground: true })), read(O.diceLoss(zb, tb)), 1e-7);
    const p = probsOf(z, true);
    close(read(O.diceLoss(p, t, { applySoftmax: false })), read(O.diceLoss(z, t)), 1e-5);
  });
  it('binaryDiceLoss: [B, H, W] and [B, H, W, 1] agree (test_binary_dice_loss_convenience); applySigmoid: false takes probabilities', () => {
    const x = tf.randomNormal([2, 4, 4], 0, 1, 'float32', 15);
    const y = tf.cast(tf.greater(tf.randomNormal([2, 4, 4], 0, 1, 'float32', 16), 0.5), 'float32');
    const a = read(O.binaryDiceLoss(x, y)) as number[];
    expect(a).toHaveLength(2);
    close(read(O.binaryDiceLoss(tf.expandDims(x, -1), tf.expandDims(y, -1))), a, 1e-6);
    const pv = (x.arraySync() as number[][][]).map((img) => img.flat().map((v) => [sig(v)]));
    const tv = (y.arraySync() as number[][][]).map((img) => img.flat().map((v) => [v]));
    close(a, dice64(pv, tv).map((r) => r[0]!), 1e-5);
    close(read(O.binaryDiceLoss(tf.sigmoid(x), y, { applySigmoid: false })), a, 1e-5);
    tf.dispose([x, y]);
  });
  it('multiclassGeneralizedDiceLoss equals the float64 definition (weights 1/(f² + 1e-7) normalised to C), with and without background (test_generalized_dice_loss_ignore_background)', () => {
    const zz = randImg(3, 8, 4, 97);
    const tt = oneHotImg(3, 8, 4, 98);
    close(read(O.multiclassGeneralizedDiceLoss(zz, tt)), gdl64(zz, tt), 1e-5);
    close(read(O.multiclassGeneralizedDiceLoss(zz, tt, { ignoreBackground: true })), gdl64(zz, tt, 1, true), 1e-5);
    close(read(O.multiclassGeneralizedDiceLoss(zz, tt, { smooth: 0.5 })), gdl64(zz, tt, 0.5), 1e-5);
    expect(read(O.multiclassGeneralizedDiceLoss(zz, tt))).not.toBeCloseTo(read(O.multiclassGeneralizedDiceLoss(zz, tt, { ignoreBackground: true })) as number, 4);
    // An absent class gets the largest weight (1/1e-7 before normalising) and the result stays finite.
    const t0 = tt.map((img) => img.map((px) => [px[0]! + px[3]!, px[1]!, px[2]!, 0]));
    close(read(O.multiclassGeneralizedDiceLoss(zz, t0)), gdl64(zz, t0), 1e-5);
  });
  it('gradients pass finite-difference checks (diceLoss with weights, generalized Dice)', () => {
    const x = tf.tensor3d(z);
    const flatRows = (f: Float64Array): Img => [0, 1].map((i) => Array.from({ length: 6 }, (_, k) => Array.from(f.slice((i * 6 + k) * 3, (i * 6 + k) * 3 + 3))));
    const r1 = checkGradient((a) => tf.sum(O.diceLoss(a, t, { classWeights: [1, 2, 0.5], alpha: 0.3, beta: 0.7 })), x, {
      reference: (f) => sum(dice64(probsOf(flatRows(f), true), t, 1, 0.3, 0.7).map((r) => (r[0]! + 2 * r[1]! + 0.5 * r[2]!) / 3)),
    });
    expect(r1.ok, `dice: worst ${r1.worst}`).toBe(true);
    const r2 = checkGradient((a) => O.multiclassGeneralizedDiceLoss(a, t), x, { reference: (f) => gdl64(flatRows(f), t) });
    expect(r2.ok, `gdl: worst ${r2.worst}`).toBe(true);
    x.dispose();
  });
  it('bad input: mismatched shapes (test_shape_mismatch_error), invalid probabilities (test_probability_validation), bad reduction, axis on the class axis, class weights of the wrong length', () => {
    expectCleanThrow(() => O.diceLoss([[[0, 1, 2]]], [[[0, 1]]]), 'SHAPE_MISMATCH');
    const e = expectCleanThrow(() => O.diceLoss([[[0.2, 0.3, 0.9]]], [[[0, 1, 0]]], { applySoftmax: false }), 'INVALID_ARGUMENT');
    expect(e.argument).toBe('predictions');
    expectCleanThrow(() => O.diceLoss([[[0.2], [1.3]]], [[[0], [1]]], { applySoftmax: false }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.diceLoss(z, t, { reduction: 'max' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.diceLoss(z, t, { axis: -1 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.diceLoss(z, t, { classWeights: [1, 2] }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.multiclassGeneralizedDiceLoss([[0, 1]], [[0, 1, 0]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.multiclassGeneralizedDiceLoss([0, 1], [0, 1]), 'RANK_MISMATCH');
    expectCleanThrow(() => O.diceLoss(z, t, { applySoftmax: 'yes' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.binaryDiceLoss([[Number.NaN, 1]], [[0, 1]]), 'NON_FINITE_INPUT');
  });
  it('leak no tensors', () => {
    const calls = [() => O.diceLoss(z, t, { classWeights: [1, 2, 3], ignoreBackground: true }), () => O.binaryDiceLoss([[0.3, -1, 2]], [[1, 0, 1]]), () => O.multiclassGeneralizedDiceLoss(z, t)];
    for (const f of calls) f().dispose();
    expectNoLeaks(() => {
      for (const f of calls) f().dispose();
    });
  });
});

describe('optax self-supervised losses (optax/losses/_self_supervised_test.py NtxentTest, TripletMarginLossTest)', () => {
  const ys = [[-1.954, 1.078], [0.238, -0.5703], [1.8745, -0.0195], [-0.6719, -1.921]];
  const ys2 = [[0, 0], [0.238, -0.5703], [1.8745, -0.0195], [-0.6719, -1.921]];
  /** Float64 NT-Xent from Chen et al. 2020 with optax's eps-floored norms: mean over positive pairs. */
  const ntxent64 = (e: number[][], y: number[], tau = 0.07) => {
    const unit = e.map((r) => { const n = Math.sqrt(Math.max(sum(r.map((v) => v * v)), 2 ** -23)); return r.map((v) => v / n); });
    const s = unit.map((a) => unit.map((b) => sum(a.map((v, k) => v * b[k]!)) / tau));
    let total = 0;
    let count = 0;
    for (let i = 0; i < e.length; i++) {
      const negs = s[i]!.filter((_, k) => y[k] !== y[i]);
      for (let j = 0; j < e.length; j++) {
        if (j === i || y[j] !== y[i]) continue;
        const m = Math.max(s[i]![j]!, ...negs);
        total += -(s[i]![j]! - m - Math.log(Math.exp(s[i]![j]! - m) + sum(negs.map((v) => Math.exp(v - m)))));
        count++;
      }
    }
    return total / count;
  };
  it('ntxent reproduces test_batched: 14.01032, 8.968544 and (a zero embedding) 9.2889, atol 1e-4, and the float64 definition', () => {
    close(read(O.ntxent(ys, [0, 0, 1, 1])), 14.01032, 1e-5);
    close(read(O.ntxent(ys, [0, 0, 0, 1])), 8.968544, 1e-5);
    close(read(O.ntxent(ys2, [0, 0, 1, 1])), 9.2889, 1e-4 / 9.2889);
    close(read(O.ntxent(ys2, [0, 0, 1, 1])), ntxent64(ys2, [0, 0, 1, 1]), 1e-5);
    // A tiny embedding (Σe² = 1e-8 < eps): its "unit" vector has norm 1e-4/√eps ≈ 0.29, as optax's clip(eps) gives.
    const tiny = [[1e-4, 0], ...ys.slice(1)];
    close(read(O.ntxent(tiny, [0, 0, 1, 1])), ntxent64(tiny, [0, 0, 1, 1]), 1e-5);
  });
  it('ntxent on random embeddings and temperatures equals the float64 definition; its gradient passes a finite-difference check', () => {
    const e = f32(randomMatrix(6, 3, 101));
    const y = [0, 1, 2, 0, 1, 2];
    for (const tau of [0.07, 0.5, 2]) close(read(O.ntxent(e, y, { temperature: tau })), ntxent64(e, y, tau), 1e-5);
    const x = tf.tensor2d(e);
    const r = checkGradient((a) => O.ntxent(a, y, { temperature: 0.5 }), x, { reference: (f) => ntxent64([0, 1, 2, 3, 4, 5].map((i) => Array.from(f.slice(3 * i, 3 * i + 3))), y, 0.5) });
    x.dispose();
    expect(r.ok, `worst ${r.worst}`).toBe(true);
  });
  it('tripletMarginLoss reproduces test_batched (both parameter sets: every row gives optax\'s handmade 1 and 0), the docstring [0.1414, 0.1414], and a float64 q = 3 case', () => {
    const ones = [[1, 1], [1, 1]];
    const zeros = [[0, 0], [0, 0]];
    const twos = [[2, 2], [2, 2]];
    close(read(O.tripletMarginLoss(ones, zeros, twos)), [1, 1], 1e-4);
    close(read(O.tripletMarginLoss(zeros, ones, twos)), [0, 0], 1e-4);
    close(read(O.tripletMarginLoss([[0, 0], [1, 1]], [[0.1, 0.1], [1.1, 1.1]], [[1, 0], [0, 1]])), [0.1414, 0.1414], 1e-4);
    const a = f32(randomMatrix(3, 4, 102));
    const p = f32(randomMatrix(3, 4, 103));
    const n = f32(randomMatrix(3, 4, 104));
    const d = (q: number) => (x: number[], z: number[]) => (sum(x.map((v, k) => (v - z[k]!) ** q)) + 1e-6) ** (1 / q);
    close(read(O.tripletMarginLoss(a, p, n)), a.map((r, i) => Math.max(d(2)(r, p[i]!) - d(2)(r, n[i]!) + 1, 0)), 1e-5);
    close(read(O.tripletMarginLoss(a, p, n, { normDegree: 4, margin: 0.5, eps: 0.01 })), a.map((r, i) => Math.max((sum(r.map((v, k) => (v - p[i]![k]!) ** 4)) + 0.01) ** 0.25 - (sum(r.map((v, k) => (v - n[i]![k]!) ** 4)) + 0.01) ** 0.25 + 0.5, 0)), 1e-5);
    // axis 0: one triplet per column.
    const col = (m: number[][], j: number) => m.map((r) => r[j]!);
    close(read(O.tripletMarginLoss(a, p, n, { axis: 0 })), [0, 1, 2, 3].map((j) => Math.max(d(2)(col(a, j), col(p, j)) - d(2)(col(a, j), col(n, j)) + 1, 0)), 1e-5);
    const x = tf.tensor2d(a);
    const r = checkGradient((t) => tf.sum(O.tripletMarginLoss(t, p, n, { margin: 2 })), x, {
      reference: (f) => sum([0, 1, 2].map((i) => { const row = Array.from(f.slice(4 * i, 4 * i + 4)); return Math.max(d(2)(row, p[i]!) - d(2)(row, n[i]!) + 2, 0); })),
    });
    x.dispose();
    expect(r.ok, `worst ${r.worst}`).toBe(true);
  });
  it('extremes: ±1e4 embeddings (cosine is scale-free) and ±1e4 triplets are exact', () => {
    close(read(O.ntxent(ys.map((r) => r.map((v) => v * 1e4)), [0, 0, 1, 1])), 14.01032, 1e-5);
    close(read(O.tripletMarginLoss([[1e4, 0]], [[1e4, 3]], [[1e4, 5]])), [Math.max(Math.sqrt(9 + 1e-6) - Math.sqrt(25 + 1e-6) + 1, 0)], 1e-6);
    close(read(O.tripletMarginLoss([[0, 0]], [[1e4, 0]], [[0, 1]])), [1e4 - 1 + 1], 1e-6);
  });
  it('bad input: no positive pair, labels of the wrong length, embeddings not a matrix, non-positive temperature or degree, shapes that do not broadcast', () => {
    expect(expectCleanThrow(() => O.ntxent(ys, [0, 1, 2, 3]), 'INVALID_ARGUMENT').argument).toBe('labels');
    expect(read(O.ntxent(ys, [0, 1, 2, 3], { validate: false }))).toBeNaN();
    expectCleanThrow(() => O.ntxent(ys, [0, 0, 1]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.ntxent([1, 2, 3], [0, 0, 1]), 'RANK_MISMATCH');
    expectCleanThrow(() => O.ntxent(ys, [0, 0, 1, 1], { temperature: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => O.ntxent([[Number.NaN, 1], [0, 1]], [0, 0]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => O.tripletMarginLoss([[0, 0]], [[1, 1]], [[1, 1, 1]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => O.tripletMarginLoss([[0, 0]], [[1, 1]], [[1, 1]], { normDegree: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => O.tripletMarginLoss([[0, 0]], [[1, 1]], [[1, 1]], { eps: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => O.tripletMarginLoss([[0, 0]], [[1, 1]], [[1, 1]], { axis: 1.5 }), 'INVALID_ARGUMENT');
    // A fractional degree of a negative difference is NaN in optax (jnp.power): a typed error here.
    expectCleanThrow(() => O.tripletMarginLoss([[0, 0]], [[1, 1]], [[1, 2]], { normDegree: 1.5 }), 'NON_FINITE_OUTPUT');
  });
  it('leak no tensors', () => {
    const calls = [() => O.ntxent(ys, [0, 0, 1, 1]), () => O.tripletMarginLoss([[0, 0], [1, 1]], [[0.1, 0.1], [1.1, 1.1]], [[1, 0], [0, 1]])];
    for (const f of calls) f().dispose();
    expectNoLeaks(() => {
      for (const f of calls) f().dispose();
    });
  });
});

describe('ctcLoss (optax ctc_loss) over ctc()', () => {
  it('per-sequence losses equal ctc() with lengths counted from the paddings; an impossible alignment is +∞; bad paddings are typed errors', () => {
    const logits = tf.randomNormal([2, 6, 4], 0, 1, 'float32', 3);
    const labels = [[1, 2, 3], [2, 2, 0]];
    const logitPaddings = [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1]];
    const labelPaddings = [[0, 0, 0], [0, 0, 1]];
    const got = O.ctcLoss(logits, logitPaddings, labels, labelPaddings);
    const want = ctc(labels, logits, { inputLengths: [6, 4], labelLengths: [3, 2], reduction: 'none' });
    Array.from(got.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want.dataSync()[i]!, 5));
    // Four labels with a repeat need five frames; two frames cannot align them.
    const inf = O.ctcLoss(tf.slice(logits, [0, 0, 0], [1, 2, 4]), [[0, 0]], [[1, 1, 2]], [[0, 0, 0]]);
    expect(inf.dataSync()[0]).toBe(Infinity);
    expectCleanThrow(() => O.ctcLoss(logits, [[0, 0.5, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], labels, labelPaddings), 'INVALID_ARGUMENT');
    expectCleanThrow(() => O.ctcLoss(logits, [[0, 0, 0]], labels, labelPaddings), 'SHAPE_MISMATCH');
    tf.dispose([logits, got, want, inf]);
  });
});
