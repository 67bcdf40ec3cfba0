import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, bce, formatShape, params } from '@losskit/core';
import { binaryFocalCrossentropy as binaryFocalExpr } from '../standard/binaryFocalCrossentropy.js';
import { categoricalCrossentropy as cceExpr } from '../standard/categoricalCrossentropy.js';
import { categoricalFocalCrossentropy as categoricalFocalExpr } from '../standard/categoricalFocalCrossentropy.js';
import { categoricalGeneralizedCrossEntropy as gceExpr } from '../standard/categoricalGeneralizedCrossEntropy.js';
import { checkClassLabels, inputTensor, validateOption } from '../validate.js';
import { type KerasLossOptions, alignDense, axisToLast, checkBoolean, runKeras } from './run.js';

/** Options of the Keras cross-entropies. */
export interface CrossentropyOptions extends KerasLossOptions {
  /** Whether `yPred` holds logits (default false: probabilities, renormalised and clipped to [1e-7, 1-1e-7]). */
  readonly fromLogits?: boolean;
  /** Label smoothing ε ∈ [0, 1]. Default 0. */
  readonly labelSmoothing?: number;
  /** The class axis. Default -1. */
  readonly axis?: number;
}

const from = (o: { fromLogits?: boolean }) => (checkBoolean('fromLogits', o.fromLogits ?? false) ? 'logits' : 'probs');

/**
 * Keras 3 `categorical_crossentropy` / `CategoricalCrossentropy`: `-Σ_j ỹ_j log q_j` per sample, `ỹ = y(1-ε) + ε/C`,
 * `q = softmax(z)` (`fromLogits`) or `clip(p/Σp, 1e-7, 1-1e-7)`, then the Keras reduction.
 * Shapes: one-hot `yTrue` and `yPred` `[B, C]` (or `[B, ..., C]`) → scalar, or `[B, ...]` with `reduction: 'none'`.
 *
 * @example categoricalCrossentropy([[0, 1, 0]], [[0.05, 0.95, 0]]) // ≈ 0.0513
 */
export function categoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike, options: CrossentropyOptions = {}): Tensor {
  const expr = cceExpr({ labelSmoothing: options.labelSmoothing ?? 0 });
  return tf.tidy(() => runKeras(expr, from(options), alignDense(yTrue, yPred, options, options.axis ?? -1), options));
}

/** Options of {@link sparseCategoricalCrossentropy}. */
export interface SparseCategoricalCrossentropyOptions extends CrossentropyOptions {
  /** A label value to ignore (its losses are 0 and excluded from the mean), e.g. -1 or 255. Default none. */
  readonly ignoreClass?: number | null;
}

/**
 * Keras 3 `sparse_categorical_crossentropy` / `SparseCategoricalCrossentropy` with integer labels, `ignoreClass`
 * and `labelSmoothing` (keras-team/keras#23488: the smoothed target `(1-ε) one_hot(y) + ε/C`, applied before the
 * ignore mask). Ignored entries give 0 and are masked out of `sum_over_batch_size` (the mean runs over valid entries).
 * Shapes: labels `[B]` or `[B, 1]` (or `[B, T]`), `yPred` `[B, C]` (or `[B, T, C]`).
 *
 * @example sparseCategoricalCrossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]) // ≈ 1.177
 */
export function sparseCategoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike, options: SparseCategoricalCrossentropyOptions = {}): Tensor {
  const expr = cceExpr({ labelSmoothing: options.labelSmoothing ?? 0 });
  const kind = from(options);
  return tf.tidy(() => {
    const validate = validateOption(options);
    const p = axisToLast(inputTensor(yPred, 'yPred', validate), options.axis ?? -1, 'yPred');
    let t = inputTensor(yTrue, 'yTrue', false);
    if (t.rank === p.rank && t.shape.at(-1) === 1) t = tf.squeeze(t, [-1]);
    if (p.rank < 2 || t.shape.join() !== p.shape.slice(0, -1).join()) {
      throw new LosskitError('SHAPE_MISMATCH', 'labels must have the shape of yPred without its class axis', {
        argument: 'yTrue',
        expected: p.rank < 2 ? 'yPred of rank >= 2' : formatShape(p.shape.slice(0, -1)),
        received: formatShape(t.shape),
      });
    }
    const ignore = options.ignoreClass;
    if (ignore !== undefined && ignore !== null) params.finite('ignoreClass', ignore);
    const classes = p.shape.at(-1)!;
    if (validate) checkClassLabels(t, classes, 'yTrue', ignore ?? undefined);
    const outShape = p.shape.slice(0, -1);
    if (ignore === undefined || ignore === null) {
      return runKeras(expr, kind, { yTrue: classTargets(t, classes), yPred: p, outShape }, options);
    }
    const valid = tf.notEqual(t, ignore);
    const safe = tf.where(valid, t, tf.zerosLike(t));
    return runKeras(expr, kind, { yTrue: classTargets(safe, classes), yPred: p, outShape }, options, (values) => ({
      values: tf.where(valid, values, tf.zerosLike(values)),
      mask: valid,
    }));
  });
}

/**
 * Integer labels as the compiled expression takes them. With one class every valid label is 0 and its one-hot
 * target is 1, so the dense `[..., 1]` target of ones is passed (tfjs' `oneHot` rejects depth 1).
 */
function classTargets(labels: tf.Tensor, classes: number): tf.Tensor {
  return classes === 1 ? tf.ones([...labels.shape, 1]) : labels;
}

/**
 * Keras 3 `binary_crossentropy` / `BinaryCrossentropy`: mean over the last axis of
 * `-[ỹ log p + (1-ỹ) log(1-p)]`, `ỹ = y(1-ε) + ε/2`; from logits `softplus(z) - ỹ z` (exact), from
 * probabilities `p` clipped to [1e-7, 1-1e-7]. Shapes: `[B, C]` → scalar (or `[B]` with `reduction: 'none'`).
 * `labelSmoothing` must be below 1 here (core's `bce`).
 *
 * @example binaryCrossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], { reduction: 'none' }) // [0.916, 0.714]
 */
export function binaryCrossentropy(yTrue: TensorLike, yPred: TensorLike, options: CrossentropyOptions = {}): Tensor {
  const expr = bce({ labelSmoothing: options.labelSmoothing ?? 0 }).mean();
  return tf.tidy(() => runKeras(expr, from(options), alignDense(yTrue, yPred, options, options.axis ?? -1), options));
}

/** Options of {@link binaryFocalCrossentropy}. */
export interface BinaryFocalCrossentropyOptions extends CrossentropyOptions {
  /** Weight positives by `alpha` and negatives by `1 - alpha`. Default false. */
  readonly applyClassBalancing?: boolean;
  /** Default 0.25. */
  readonly alpha?: number;
  /** Default 2. */
  readonly gamma?: number;
}

/**
 * Keras 3 `binary_focal_crossentropy` / `BinaryFocalCrossentropy` (defaults `applyClassBalancing=false`,
 * `alpha=0.25`, `gamma=2`); see the DSL `binaryFocalCrossentropy` for the formula.
 *
 * @example binaryFocalCrossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], { reduction: 'none' }) // [0.330, 0.206]
 */
export function binaryFocalCrossentropy(yTrue: TensorLike, yPred: TensorLike, options: BinaryFocalCrossentropyOptions = {}): Tensor {
  const expr = binaryFocalExpr({
    applyClassBalancing: checkBoolean('applyClassBalancing', options.applyClassBalancing ?? false),
    alpha: options.alpha ?? 0.25,
    gamma: options.gamma ?? 2,
    labelSmoothing: options.labelSmoothing ?? 0,
  });
  return tf.tidy(() => runKeras(expr, from(options), alignDense(yTrue, yPred, options, options.axis ?? -1), options));
}

/** Options of {@link categoricalFocalCrossentropy}. */
export interface CategoricalFocalCrossentropyOptions extends CrossentropyOptions {
  /** One weight for all classes or one per class. Default 0.25. */
  readonly alpha?: number | readonly number[];
  /** Default 2. */
  readonly gamma?: number;
}

/**
 * Keras 3 `categorical_focal_crossentropy` / `CategoricalFocalCrossentropy` (defaults `alpha=0.25`, `gamma=2`):
 * `-Σ_j α_j (1-q_j)^γ ỹ_j log q_j`, `q = clip(p/Σp, 1e-7, 1-1e-7)` (softmax first from logits).
 *
 * @example categoricalFocalCrossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]], { reduction: 'none' })
 */
export function categoricalFocalCrossentropy(yTrue: TensorLike, yPred: TensorLike, options: CategoricalFocalCrossentropyOptions = {}): Tensor {
  const expr = categoricalFocalExpr({ alpha: options.alpha ?? 0.25, gamma: options.gamma ?? 2, labelSmoothing: options.labelSmoothing ?? 0 });
  return tf.tidy(() => runKeras(expr, from(options), alignDense(yTrue, yPred, options, options.axis ?? -1), options));
}

/** Options of {@link categoricalGeneralizedCrossEntropy}. */
export interface CategoricalGeneralizedCrossEntropyOptions extends KerasLossOptions {
  /** q ∈ (0, 1). Default 0.5. */
  readonly q?: number;
}

/**
 * Keras 3 `categorical_generalized_cross_entropy` / `CategoricalGeneralizedCrossEntropy(q=0.5)`:
 * `(1 - p_y^q)/q` per sample with integer labels and probabilities (not clipped).
 * Shapes: labels `[B]` (or `[B, T]`), probabilities `[B, C]` (or `[B, T, C]`).
 *
 * @example categoricalGeneralizedCrossEntropy([0, 1], [[0.7, 0.3], [0.2, 0.8]])
 */
export function categoricalGeneralizedCrossEntropy(yTrue: TensorLike, yPred: TensorLike, options: CategoricalGeneralizedCrossEntropyOptions = {}): Tensor {
  const expr = gceExpr({ q: options.q ?? 0.5 });
  return tf.tidy(() => {
    const validate = validateOption(options);
    const p = inputTensor(yPred, 'yPred', validate);
    let t = inputTensor(yTrue, 'yTrue', false);
    if (t.rank === p.rank && t.rank > 0 && t.shape.at(-1) === 1) t = tf.squeeze(t, [-1]);
    if (p.rank < 1 || t.shape.join() !== p.shape.slice(0, -1).join()) {
      throw new LosskitError('SHAPE_MISMATCH', 'labels must have the shape of yPred without its class axis', {
        argument: 'yTrue',
        expected: p.rank < 1 ? 'yPred of rank >= 1' : formatShape(p.shape.slice(0, -1)),
        received: formatShape(t.shape),
      });
    }
    if (validate) checkClassLabels(t, p.shape.at(-1)!, 'yTrue');
    return runKeras(expr, 'probs', { yTrue: classTargets(t, p.shape.at(-1)!), yPred: p, outShape: p.shape.slice(0, -1) }, options);
  });
}
