// optax's classification losses (google-deepmind/optax `optax/losses/_classification.py` at
// 2edbcbe2390da13983b92cbef94ac0460ecde1c5) with optax's argument order, defaults and unreduced outputs, over the
// DSL builders of this package.
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type TensorLike, yPred, yTrue } from '@losskit/core';
import { sparsemaxLoss as multiclassSparsemaxExpr } from '../papers/classification/sparsemaxLoss.js';
import { binarySparsemax } from '../standard/binarySparsemax.js';
import { multiclassHinge } from '../standard/multiclassHinge.js';
import { multiclassPerceptron, perceptron } from '../standard/perceptron.js';
import { validateOption } from '../validate.js';
import { type OptaxOptions, checkSameShape, checkValues, classLabels, elementwise, finish, perRow, tensorOf } from './common.js';

/** `max(0, 1 − ŷ·y)` per element: optax's hinge term. */
const hingeTerm = () => yPred().times(yTrue()).neg().plus(1).relu().sum();

/**
 * optax `hinge_loss(predictor_outputs, targets)`: `max(0, 1 − predictor_outputs · targets)` elementwise, targets in
 * {−1, 1} (checked when `validate`), broadcast against the outputs. Returns the broadcast shape, unreduced.
 *
 * @example hingeLoss([10, 20], [1, -1]) // [0, 21]
 */
export function hingeLoss(predictorOutputs: TensorLike, targets: TensorLike, options: OptaxOptions = {}): Tensor {
  const validate = validateOption(options);
  return tf.tidy(() => {
    const p = tensorOf(predictorOutputs, 'predictorOutputs', validate);
    const t = tensorOf(targets, 'targets', validate);
    checkValues(t, 'targets', [-1, 1], validate);
    return finish(elementwise(hingeTerm(), p, t, ['predictorOutputs', 'targets']), 'hingeLoss', 'predictorOutputs', validate);
  });
}

/**
 * optax `perceptron_loss(predictor_outputs, targets)`: `max(0, −predictor_outputs · targets)` elementwise; targets in
 * {−1, 1} (checked when `validate`) with exactly the outputs' shape (optax `check_shapes_equal`). Unreduced.
 * The DSL form is {@link perceptron}.
 *
 * @example perceptronLoss([10, 20], [1, -1]) // [0, 20]
 */
export function perceptronLoss(predictorOutputs: TensorLike, targets: TensorLike, options: OptaxOptions = {}): Tensor {
  const validate = validateOption(options);
  return tf.tidy(() => {
    const p = tensorOf(predictorOutputs, 'predictorOutputs', validate);
    const t = tensorOf(targets, 'targets', validate);
    checkSameShape(p, t, 'predictorOutputs', 'targets');
    checkValues(t, 'targets', [-1, 1], validate);
    return finish(elementwise(perceptron(), p, t, ['predictorOutputs', 'targets']), 'perceptronLoss', 'predictorOutputs', validate);
  });
}

/**
 * optax `sparsemax_loss(logits, labels)` (binary): `sparse_plus(where(labels, −logits, logits))` elementwise, labels
 * 0 or 1 (checked when `validate`), broadcast against the logits. Unreduced. The DSL form is {@link binarySparsemax}.
 *
 * @example sparsemaxLoss([10, 20], [1, 0]) // [0, 20]
 */
export function sparsemaxLoss(logits: TensorLike, labels: TensorLike, options: OptaxOptions = {}): Tensor {
  const validate = validateOption(options);
  return tf.tidy(() => {
    const z = tensorOf(logits, 'logits', validate);
    const y = tensorOf(labels, 'labels', validate);
    checkValues(y, 'labels', [0, 1], validate);
    return finish(elementwise(binarySparsemax(), z, y, ['logits', 'labels']), 'sparsemaxLoss', 'logits', validate);
  });
}

/** Runs a per-row multiclass expression on scores `[..., C]` and integer labels `[...]`. */
function multiclass(fn: string, expr: Parameters<typeof perRow>[0], scores: TensorLike, labels: TensorLike, options: OptaxOptions): Tensor {
  const validate = validateOption(options);
  return tf.tidy(() => {
    const s = tensorOf(scores, 'scores', validate);
    const l = classLabels(labels, s);
    const outShape = s.shape.slice(0, -1);
    if (s.size === 0) return tf.zeros(outShape);
    const c = s.shape.at(-1)!;
    const out = perRow(expr, 'logits', tf.reshape(l, [-1]), tf.reshape(s, [-1, c]));
    return finish(tf.reshape(out, outShape), fn, 'scores', validate);
  });
}

/**
 * optax `multiclass_hinge_loss(scores, labels)` (Crammer–Singer): `max_j(s_j + 1 − onehot_j) − s_y` for scores
 * `[..., C]` and integer labels `[...]` in `[0, C)`. Returns `[...]`. The DSL form is {@link multiclassHinge}.
 *
 * @example multiclassHingeLoss([[10, 3], [11, -2]], [1, 0]) // [8, 0]
 */
export function multiclassHingeLoss(scores: TensorLike, labels: TensorLike, options: OptaxOptions = {}): Tensor {
  return multiclass('multiclassHingeLoss', multiclassHinge(), scores, labels, options);
}

/**
 * optax `multiclass_perceptron_loss(scores, labels)`: `max_j s_j − s_y` for scores `[..., C]` and integer labels
 * `[...]`. Returns `[...]`. The DSL form is {@link multiclassPerceptron}.
 *
 * @example multiclassPerceptronLoss([[10, 3], [11, -2]], [1, 0]) // [7, 0]
 */
export function multiclassPerceptronLoss(scores: TensorLike, labels: TensorLike, options: OptaxOptions = {}): Tensor {
  return multiclass('multiclassPerceptronLoss', multiclassPerceptron(), scores, labels, options);
}

/**
 * optax `multiclass_sparsemax_loss(scores, labels)`: the sparsemax loss of Martins & Astudillo (2016),
 * `τ + ½‖sparsemax(s)‖² − s_y + ½`, for scores `[..., C]` and integer labels `[...]`; gradient
 * `sparsemax(s) − onehot(y)`. Returns `[...]`. The DSL form is `sparsemaxLoss()` of `@losskit/losses`.
 *
 * @example multiclassSparsemaxLoss([[0, 1e5, 0]], [1]) // [0]
 */
export function multiclassSparsemaxLoss(scores: TensorLike, labels: TensorLike, options: OptaxOptions = {}): Tensor {
  return multiclass('multiclassSparsemaxLoss', multiclassSparsemaxExpr(), scores, labels, options);
}
