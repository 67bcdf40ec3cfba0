// `@losskit/losses/optax` against optax itself: the cases of optax's own tests (google-deepmind/optax
// `optax/losses/*_test.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5, cited per block) with the values they
// publish or compute, float64 references written here from optax's definitions for the rest, finite-difference
// gradients, optax's argument order, shapes, `axis` and `where`, bad input (typed errors, nothing leaked).
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32, randomLabels, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import * as O from '../src/optax/index.js';

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
  const logPs = [[-2.9957, -3.5066, -3.912, -1.204, -0.6931, -2.3026], [-1.6094, -1.6094, -1.6094, -2.3026, -1.8971, -1.8971]];
  const qs = [[0.2, 0.2, 0.2, 0.1, 0.15, 0.15], [0.05, 0.03, 0.02, 0.3, 0.5, 0.0]];
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
