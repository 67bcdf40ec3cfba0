import type * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import * as K from '../src/keras/index.js';

// Published values from Keras' own tests: keras-team/keras keras/src/losses/losses_test.py
// (stored version at commit 04bf53803f04e2af22c601df4748345aa405f704; the ANCHORS snapshot is 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60)
// and docstring examples in keras/src/losses/losses.py (same commit). Keras asserts with assertAlmostEqual (7 places)
// or to 3 decimals where it says so; we check the same digits.

beforeAll(async () => {
  await ready();
});

const v = (t: tf.Tensor) => {
  const out = t.arraySync() as number | number[];
  t.dispose();
  return out;
};
const close = (got: number | number[], want: number | number[], digits = 4) => {
  const g = Array.isArray(got) ? got : [got];
  const w = Array.isArray(want) ? want : [want];
  expect(g.length).toBe(w.length);
  // numpy/Keras assertAlmostEqual semantics: |got - want| < 1.5 · 10^-digits.
  g.forEach((x, i) => expect(Math.abs(x - w[i]!)).toBeLessThan(1.5 * 10 ** -digits));
};

const yT = [[1, 9, 2], [-5, -2, 6]];
const yP = [[4, 8, 12], [8, 1, 3]];
const tsT = [[[1], [9], [2]], [[-5], [-2], [6]]];
const tsP = [[[4], [8], [12]], [[8], [1], [3]]];
const tsW = [[3, 6, 5], [0, 4, 2]];

describe('Keras MeanSquaredError / MeanAbsoluteError (losses_test.py)', () => {
  it('MSE: unweighted 49.5, scalar 113.85, sample 767.8/6, timestep 97.833336, none, sum, mean_with_sample_weight', () => {
    close(v(K.meanSquaredError(yT, yP)), 49.5, 5);
    close(v(K.meanSquaredError(yT, yP, { sampleWeight: 2.3 })), 113.85, 4);
    close(v(K.meanSquaredError(yT, yP, { sampleWeight: [[1.2], [3.4]] })), 767.8 / 6, 4);
    close(v(K.meanSquaredError(tsT, tsP, { sampleWeight: tsW })), 97.833336, 4);
    close(v(K.meanSquaredError(yT, yP, { sampleWeight: 0 })), 0, 7);
    close(v(K.meanSquaredError(yT, yP, { sampleWeight: 2.3, reduction: null })), [84.3333, 143.3666], 3);
    close(v(K.meanSquaredError(yT, yP, { sampleWeight: 2.3, reduction: 'sum' })), 227.69998, 3);
    close(v(K.meanSquaredError(yT, yP, { sampleWeight: [[1.2], [3.4]], reduction: 'mean_with_sample_weight' })), ((110 / 3) * 1.2 + (187 / 3) * 3.4) / 4.6, 4);
    close(v(K.meanSquaredError([4, 8, 12], [[3], [0], [1]], { reduction: 'none' })), [1, 64, 121], 5);
  });
  it('MAE: 5.5, 12.65, 81.4/6, timestep 13.833333, none, sum', () => {
    close(v(K.meanAbsoluteError(yT, yP)), 5.5, 5);
    close(v(K.meanAbsoluteError(yT, yP, { sampleWeight: 2.3 })), 12.65, 4);
    close(v(K.meanAbsoluteError(yT, yP, { sampleWeight: [[1.2], [3.4]] })), 81.4 / 6, 4);
    close(v(K.meanAbsoluteError(tsT, tsP, { sampleWeight: tsW })), 13.833333, 5);
    close(v(K.meanAbsoluteError(yT, yP, { sampleWeight: 2.3, reduction: 'none' })), [10.7333, 14.5666], 3);
    close(v(K.meanAbsoluteError(yT, yP, { sampleWeight: 2.3, reduction: 'sum' })), 25.29999, 4);
  });
  it('MAPE and MSLE', () => {
    close(v(K.meanAbsolutePercentageError(yT, yP)), 211.8518, 3);
    close(v(K.meanAbsolutePercentageError(yT, yP, { sampleWeight: 2.3 })), 487.259, 2);
    close(v(K.meanAbsolutePercentageError(yT, yP, { sampleWeight: [[1.2], [3.4]] })), 422.8888, 3);
    close(v(K.meanAbsolutePercentageError(tsT, tsP, { sampleWeight: tsW })), 694.4444, 3);
    close(v(K.meanAbsolutePercentageError(yT, yP, { sampleWeight: 2.3, reduction: null })), [621.8518, 352.6666], 3);
    close(v(K.meanAbsolutePercentageError(yT, yP, { sampleWeight: [[1.2], [3.4]], reduction: 'mean_with_sample_weight' })), 183.865, 3);
    close(v(K.meanSquaredLogarithmicError(yT, yP)), 1.437, 3);
    close(v(K.meanSquaredLogarithmicError(yT, yP, { sampleWeight: 2.3 })), 3.3051, 3);
    close(v(K.meanSquaredLogarithmicError(yT, yP, { sampleWeight: [[1.2], [3.4]] })), 3.7856, 3);
    close(v(K.meanSquaredLogarithmicError(tsT, tsP, { sampleWeight: tsW })), 2.647374, 5);
    close(v(K.meanSquaredLogarithmicError(yT, yP, { sampleWeight: [[1.2], [3.4]], reduction: 'mean_with_sample_weight' })), 1.646, 3);
  });
});

describe('Keras hinge family (losses_test.py)', () => {
  const t = [[0, 1], [0, 0]];
  const p = [[0.6, 0.4], [0.4, 0.6]];
  it('Hinge', () => {
    close(v(K.hinge(t, p)), 1.3, 3);
    close(v(K.hinge(t, p, { reduction: 'sum' })), 2.6, 3);
    close(v(K.hinge(t, p, { reduction: null })), [1.1, 1.5], 5);
    close(v(K.hinge(t, p, { sampleWeight: [1, 0] })), 0.55, 3);
    close(v(K.hinge(t, p, { sampleWeight: [1, 0], reduction: 'none' })), [1.1, 0], 5);
    expect(() => K.hinge(t, p, { reduction: 'abc' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
  it('SquaredHinge and CategoricalHinge', () => {
    close(v(K.squaredHinge(t, p)), 1.86, 3);
    close(v(K.squaredHinge(t, p, { reduction: null })), [1.46, 2.26], 5);
    close(v(K.squaredHinge(t, p, { sampleWeight: [1, 0] })), 0.73, 3);
    close(v(K.categoricalHinge(t, p)), 1.4, 3);
    close(v(K.categoricalHinge(t, p, { reduction: null })), [1.2, 1.6], 5);
    close(v(K.categoricalHinge(t, p, { sampleWeight: [1, 0], reduction: 'sum' })), 1.2, 3);
  });
});

describe('Keras cross-entropies (losses_test.py and docstrings)', () => {
  const oh = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const probs = [[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]];
  const logits = [[8, 1, 1], [0, 9, 1], [2, 3, 5]];
  it('CategoricalCrossentropy', () => {
    close(v(K.categoricalCrossentropy(oh, probs)), 0.3239, 3); // Keras TestCase.assertAlmostEqual defaults to 3 decimals
    close(v(K.categoricalCrossentropy(oh, logits, { fromLogits: true })), 0.0573, 3);
    close(v(K.categoricalCrossentropy(oh, probs, { sampleWeight: 2.3 })), 0.7449, 3);
    close(v(K.categoricalCrossentropy(oh, logits, { fromLogits: true, sampleWeight: 2.3 })), 0.1317, 3);
    close(v(K.categoricalCrossentropy(oh, probs, { sampleWeight: [[1.2], [3.4], [5.6]] })), 1.0696, 3);
    close(v(K.categoricalCrossentropy(oh, logits, { fromLogits: true, sampleWeight: [[1.2], [3.4], [5.6]] })), 0.31829, 3);
    close(v(K.categoricalCrossentropy(oh, logits, { fromLogits: true, reduction: null })), [0.001822, 0.000459, 0.169846], 5);
    close(v(K.categoricalCrossentropy([[1, 0, 0]], [[100, -100, -100]], { fromLogits: true, labelSmoothing: 0.1 })), (400 * 0.1) / 3, 4);
    close(v(K.categoricalCrossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], { reduction: 'none' })), [0.0513, 2.303], 3);
  });
  it('SparseCategoricalCrossentropy, incl. ignoreClass', () => {
    close(v(K.sparseCategoricalCrossentropy([0, 1, 2], probs)), 0.3239, 3);
    close(v(K.sparseCategoricalCrossentropy([0, 1, 2], logits, { fromLogits: true })), 0.0573, 3);
    close(v(K.sparseCategoricalCrossentropy([[0], [1], [2]], probs, { sampleWeight: [[1.2], [3.4], [5.6]] })), 1.0696, 3);
    close(v(K.sparseCategoricalCrossentropy([[0], [1], [2]], logits, { fromLogits: true, reduction: null })), [0.001822, 0.000459, 0.169846], 5);
    const l = [[[0.854, 0.698, 0.598], [0.088, 0.86, 0.018]]];
    expect(K.sparseCategoricalCrossentropy([[-1, 2]], l, { fromLogits: true, ignoreClass: -1, reduction: null }).arraySync()).toEqual([[0, expect.closeTo(1.480129, 5)]]);
    expect(K.sparseCategoricalCrossentropy([[[-1], [2]]], l, { fromLogits: true, ignoreClass: -1, reduction: null }).arraySync()).toEqual([[0, expect.closeTo(1.480129, 5)]]);
    // sum_over_batch_size averages over the valid entries only (Keras apply_mask).
    close(v(K.sparseCategoricalCrossentropy([[-1, 2]], l, { fromLogits: true, ignoreClass: -1 })), 1.480129, 5);
  });
  it('BinaryCrossentropy', () => {
    close(v(K.binaryCrossentropy(oh, oh)), 0, 5);
    close(v(K.binaryCrossentropy(oh, probs.map((r, i) => (i === 1 ? [0.3, 0.8, 0.1] : i === 2 ? [0.1, 0.2, 0.7] : [0.9, 0.1, 0.2])))), 0.20046903, 5);
    close(v(K.binaryCrossentropy([[1, 0], [1, 0]], [[1, 1], [1, 0]])), 3.98559, 4);
    const yt = [[1, 0, 1], [0, 1, 1]];
    const lg = [[10, -10, 10], [10, 10, -10]];
    close(v(K.binaryCrossentropy(yt, lg, { fromLogits: true })), 3.3333, 3);
    close(v(K.binaryCrossentropy([[1, 0], [1, 0]], [[1, 1], [1, 0]], { sampleWeight: 2.3 })), 9.1668, 3);
    close(v(K.binaryCrossentropy(yt, lg, { fromLogits: true, sampleWeight: 2.3 })), 7.666, 3);
    close(v(K.binaryCrossentropy([[1, 0], [1, 0]], [[1, 1], [1, 0]], { sampleWeight: [[1.2], [3.4]] })), 4.7827, 3);
    close(v(K.binaryCrossentropy(yt, lg, { fromLogits: true, sampleWeight: [4, 3] })), 10, 3);
    close(v(K.binaryCrossentropy(yt, lg, { fromLogits: true, reduction: null })), [0, 6.666], 3);
    close(v(K.binaryCrossentropy([[1, 0, 1]], [[10, -10, -10]], { fromLogits: true, labelSmoothing: 0.1 })), (10 + 5 * 0.1) / 3, 4);
    close(v(K.binaryCrossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], { reduction: 'none' })), [0.916, 0.714], 3);
  });
  it('BinaryFocalCrossentropy', () => {
    const t = [[1, 0], [1, 0]];
    const p = [[0.9, 0.8], [0.7, 0.2]];
    close(v(K.binaryFocalCrossentropy(t, p, { gamma: 2 })), 0.268, 3);
    const yt = [[1, 1, 0], [0, 1, 0]];
    const lg = [[1.5, -2.7, 2.9], [-3.8, 1.2, -4.5]];
    close(v(K.binaryFocalCrossentropy(yt, lg, { gamma: 3, fromLogits: true })), 0.799, 3);
    close(v(K.binaryFocalCrossentropy(t, p, { gamma: 2, sampleWeight: 1.23 })), 0.3296, 3);
    close(v(K.binaryFocalCrossentropy(yt, lg, { gamma: 3, fromLogits: true, sampleWeight: 3.21 })), 2.565, 3);
    close(v(K.binaryFocalCrossentropy(t, p, { gamma: 2, sampleWeight: [[1.2], [3.4]] })), 0.34415, 3);
    close(v(K.binaryFocalCrossentropy(yt, lg, { gamma: 3, fromLogits: true, sampleWeight: [[1.2], [3.4]] })), 0.95977, 3);
    close(v(K.binaryFocalCrossentropy(t, p, { gamma: 2, reduction: null })), [0.515547, 0.020513], 5);
    close(v(K.binaryFocalCrossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], { gamma: 2, reduction: 'none' })), [0.33, 0.206], 3);
  });
  it('CategoricalFocalCrossentropy', () => {
    close(v(K.categoricalFocalCrossentropy(oh, probs)), 0.02059, 3);
    close(v(K.categoricalFocalCrossentropy(oh, logits, { fromLogits: true })), 0.000345, 3);
    close(v(K.categoricalFocalCrossentropy(oh, probs, { sampleWeight: 2.3 })), 0.047368, 3);
    close(v(K.categoricalFocalCrossentropy(oh, logits, { fromLogits: true, sampleWeight: 2.3 })), 0.000794, 4);
    close(v(K.categoricalFocalCrossentropy(oh, probs, { sampleWeight: [[1.2], [3.4], [5.6]] })), 0.06987, 3);
    close(v(K.categoricalFocalCrossentropy(oh, logits, { fromLogits: true, sampleWeight: [[1.2], [3.4], [5.6]] })), 0.001933, 3);
    const none = v(K.categoricalFocalCrossentropy(oh, logits, { fromLogits: true, reduction: null })) as number[];
    [1.5096224e-9, 2.4136547e-11, 1.0360638e-3].forEach((w, i) => expect(Math.abs(none[i]! - w)).toBeLessThan(1e-6 * Math.max(w, 1e-3)));
    close(v(K.categoricalFocalCrossentropy([[1, 0, 0]], [[4.9, -0.5, 2.05]], { fromLogits: true, labelSmoothing: 0.1 })), 0.06685, 3);
    close(v(K.categoricalFocalCrossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]], { reduction: 'none' })), [2.63401289e-4, 6.75912094e-1], 5);
  });
  it('CategoricalGeneralizedCrossEntropy', () => {
    const gce = (p: number, q: number) => (1 - p ** q) / q;
    const y = [0, 1, 0, 1];
    close(v(K.categoricalGeneralizedCrossEntropy(y, [[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]])), (gce(0.7, 0.5) + gce(0.8, 0.5) + 2 * gce(0.6, 0.5)) / 4, 5);
    close(v(K.categoricalGeneralizedCrossEntropy(y, [[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]], { q: 0.8 })), (gce(0.7, 0.8) + gce(0.8, 0.8) + 2 * gce(0.6, 0.8)) / 4, 5);
    close(v(K.categoricalGeneralizedCrossEntropy(y, [[0.7, 0.3, 0], [0.2, 0.2, 0.6], [0.6, 0.4, 0], [0.2, 0.2, 0.6]])), (gce(0.7, 0.5) + 2 * gce(0.2, 0.5) + gce(0.6, 0.5)) / 4, 5);
    const seg = [[0, 1, 1, 0], [1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 1]];
    const oneHot = (k: number): number[] => (k === 0 ? [1, 0] : [0, 1]);
    const p = seg.map((r) => r.map(oneHot));
    p[0]![3] = [0.2, 0.8];
    p[3]![3] = [0.6, 0.4];
    close(v(K.categoricalGeneralizedCrossEntropy(seg, p, { q: 0.5 })), (gce(0.2, 0.5) + gce(0.4, 0.5)) / 16, 5);
  });
});

describe('Keras regression-style and divergence losses (losses_test.py and docstrings)', () => {
  it('Huber, LogCosh, Poisson, KLD, CosineSimilarity docstring values', () => {
    close(v(K.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 0.155, 3);
    // Huber(delta=0.5): |e| = 0.6 gives 0.5·0.6 − 0.125 = 0.175, |e| = 0.4 gives 0.08; mean of [0.175, 0.1275].
    close(v(K.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], { delta: 0.5 })), 0.15125, 6);
    close(v(K.logCosh([[0, 1], [0, 0]], [[1, 1], [0, 0]])), 0.108, 3);
    close(v(K.cosineSimilarity([[0, 1], [1, 1], [1, 1]], [[1, 0], [1, 1], [-1, -1]], { reduction: 'none' })), [0, -0.99999994, 0.99999994], 6);
  });
});

describe('Keras Dice and Tversky (losses_test.py; ANCHORS: axis=None sums over the whole batch)', () => {
  it('Dice', () => {
    close(v(K.dice([[1, 2], [1, 2]], [[4, 1], [6, 1]])), -0.55555546, 6);
    const a = [[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]];
    const b = [[0, 1, 0, 1], [1, 0, 1, 1], [0, 1, 0, 1], [1, 0, 1, 1]];
    close(v(K.dice(a, b)), 0.77777773, 6);
    const t = [[[[1], [1]], [[0], [0]]], [[[1], [1]], [[0], [0]]]];
    const p = [[[[0], [1]], [[0], [1]]], [[[0.4], [0]], [[0], [0.9]]]];
    close(v(K.dice(t, p, { axis: [1, 2, 3], reduction: null })), [0.5, 0.75757575], 6);
  });
  it('Tversky: the values Keras publishes after keras-team/keras#23333 (α weights false positives Σ(1−y)ŷ, β false negatives Σy(1−ŷ))', () => {
    // keras/src/losses/losses_test.py TverskyTest at commit 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60 (the fix is
    // 5ded61fae8817101a776036138212aac0c001f29, "Fix alpha and beta swap in Tversky loss (#23333)").
    close(v(K.tversky([[1, 2], [1, 2]], [[4, 1], [6, 1]])), -0.55555558, 6);
    close(v(K.tversky([[1, 2], [1, 2]], [[4, 1], [6, 1]], { alpha: 0.2, beta: 0.8 })), -0.94444442, 6);
    const a = [[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]];
    const b = [[0, 1, 0, 1], [1, 0, 1, 1], [0, 1, 0, 1], [1, 0, 1, 1]];
    close(v(K.tversky(a, b)), 0.77777779, 6);
    close(v(K.tversky(a, b, { alpha: 0.2, beta: 0.8 })), 0.76190472, 6);
    const t = [[[[1], [1]], [[0], [0]]], [[[1], [1]], [[0], [0]]]];
    const p = [[[[0], [1]], [[0], [1]]], [[[0.4], [0]], [[0], [0.9]]]];
    close(v(K.tversky(t, p, { axis: [1, 2, 3], reduction: null })), [0.5, 0.75757575], 6);
    close(v(K.tversky(t, p, { alpha: 0.2, beta: 0.8, axis: [1, 2, 3], reduction: null })), [0.5, 0.78494626], 6);
  });
  it('Tversky equals a float64 reference of Salehi et al. (2017), 1 − I/(I + α·FP + β·FN + ε)', () => {
    // FP = Σ (1 − y) ŷ (predicted foreground where the truth is background), FN = Σ y (1 − ŷ).
    const tv = (y: number[], p: number[], alpha: number, beta: number) => {
      let i = 0;
      let fp = 0;
      let fn = 0;
      y.forEach((t, k) => {
        i += t * p[k]!;
        fp += (1 - t) * p[k]!;
        fn += t * (1 - p[k]!);
      });
      return 1 - i / (i + alpha * fp + beta * fn + 1e-7);
    };
    const y = [[1, 0, 1, 1], [0, 0, 1, 0]];
    const p = [[0.9, 0.6, 0.2, 0.7], [0.3, 0.1, 0.8, 0.5]];
    for (const [alpha, beta] of [[0.2, 0.8], [0.7, 0.3], [0.5, 0.5]] as const) {
      close(v(K.tversky(y, p, { alpha, beta })), tv(y.flat(), p.flat(), alpha, beta), 6);
      close(v(K.tversky(y, p, { alpha, beta, axis: -1, reduction: 'none' })), y.map((r, i) => tv(r, p[i]!, alpha, beta)), 6);
    }
    // α > β punishes false positives more: many false positives, no false negatives.
    close(v(K.tversky([[1, 0, 0]], [[1, 1, 1]], { alpha: 0.9, beta: 0.1 })), 1 - 1 / (1 + 0.9 * 2), 6);
  });
});

describe('Keras Circle (losses_test.py CircleTest)', () => {
  const yTrue = [1, 1, 2, 2, 3];
  const yPred = [
    [0.70014004, -0.42008403, 0.14002801, 0.56011203],
    [0.17609018, 0.70436073, -0.52827054, 0.44022545],
    [-0.34050261, 0.25537696, -0.68100522, 0.59587957],
    [0.32163376, -0.75047877, 0.53605627, -0.21442251],
    [0.51261459, -0.34174306, 0.17087153, 0.76892189],
  ];
  const refLabels = [1, 1, 2, 2, 3, 4];
  const refEmbeddings = [
    [0.40824829, -0.54433105, 0.27216553, 0.68041382],
    [0.76376261, 0.10910895, -0.54554473, 0.32732684],
    [-0.74420841, 0.24806947, 0.49613894, -0.3721042],
    [0.52981294, -0.13245324, 0.79471941, -0.26490647],
    [0.54554473, -0.32732684, 0.10910895, 0.76376261],
    [-0.27216553, 0.68041382, 0.40824829, -0.54433105],
  ];
  it('matches every published value', () => {
    close(v(K.circle(yTrue, yPred)), 188.3883, 3);
    close(v(K.circle(yTrue, yPred, { gamma: 256, margin: 0.25 })), 652.7617, 2);
    close(v(K.circle(yTrue, yPred, { refLabels, refEmbeddings, removeDiagonal: false, reduction: 'none' })), [61.5844, 94.3465, 276.9344, 90.9873, 48.8963], 3);
    close(v(K.circle(yTrue, yPred, { sampleWeight: [2, 2, 1, 1, 0.5] })), 244.91918, 3);
    close(v(K.circle(refLabels, refEmbeddings, { reduction: null })), [82.9116, 36.7942, 92.459, 52.6798, 0, 0], 3);
    close(v(K.circle(refLabels, refEmbeddings, { reduction: 'sum' })), 264.845, 2);
    close(v(K.circle(yTrue, yPred, { sampleWeight: [2, 2, 1, 1, 0.5], reduction: 'mean_with_sample_weight' })), 163.27948, 3);
  });
});
