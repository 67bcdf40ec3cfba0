// optax's classification losses (google-deepmind/optax `optax/losses/_classification.py` at
// 2edbcbe2390da13983b92cbef94ac0460ecde1c5) with optax's argument order, defaults and unreduced outputs, over the
// DSL builders of this package.
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, formatIndex, input, yPred, yTrue } from '@losskit/core';
import { sparsemaxLoss as multiclassSparsemaxExpr } from '../papers/classification/sparsemaxLoss.js';
import { binarySparsemax } from '../standard/binarySparsemax.js';
import { generalizedKl, klTerms } from '../standard/generalizedKl.js';
import { multiclassHinge } from '../standard/multiclassHinge.js';
import { multiclassPerceptron, perceptron } from '../standard/perceptron.js';
import { validateOption } from '../validate.js';
import { type AxisWhereOptions, type OptaxOptions, checkSameShape, checkValues, classLabels, elementwise, finish, overAxis, perRow, tensorOf } from './common.js';

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

/** `term.where(input('where'))` when masked, then summed over the class axis. */
const summed = (term: Expr<'class', 'any'>) => (masked: boolean) => (masked ? term.where(input('where', 'class')) : term).sum();

/** With `validate`, `INVALID_ARGUMENT` naming `name` at the first negative value (a log of it is NaN in optax). */
function checkNonNegative(t: tf.Tensor, name: string, validate: boolean): void {
  if (!validate || t.size === 0) return;
  if (tf.tidy(() => tf.any(tf.less(t, 0)).dataSync()[0] === 0)) return;
  const v = t.dataSync();
  const i = v.findIndex((x) => x < 0);
  throw new LosskitError('INVALID_ARGUMENT', `${name} must be non-negative`, { argument: name, expected: 'values >= 0 (probabilities or an unnormalised measure)', received: `${v[i]} at ${formatIndex(i, t.shape)}` });
}

function kl(fn: string, term: Expr<'class', 'any'> | ((masked: boolean) => Expr<'sample'>), logPredictions: TensorLike, targets: TensorLike, options: AxisWhereOptions, targetName: string, logTargets: boolean): Tensor {
  const validate = validateOption(options);
  return tf.tidy(() => {
    const l = tensorOf(logPredictions, 'logPredictions', validate);
    const t = tensorOf(targets, targetName, validate);
    if (!logTargets) checkNonNegative(t, targetName, validate);
    const exprOf = typeof term === 'function' ? term : summed(term);
    return finish(overAxis(exprOf, l, t, options, ['logPredictions', targetName], validate), fn, 'logPredictions', validate, 'e.g. exp(logPredictions) overflowing float32 above ~88');
  });
}

/**
 * optax `kl_divergence(log_predictions, targets, axis=-1, where=None)`: `Σ t (log t − ℓ)` over `axis` with
 * `0 log 0 = 0`, log-predictions `ℓ` used as given (not normalised) and targets non-negative (checked when
 * `validate`). Returns the input's shape without `axis`.
 *
 * @example klDivergence([[-2.9957, -3.5066, -3.912, -1.204, -0.6931, -2.3026]], [[0.2, 0.2, 0.2, 0.1, 0.15, 0.15]]) // [0.8875577]
 */
export function klDivergence(logPredictions: TensorLike, targets: TensorLike, options: AxisWhereOptions = {}): Tensor {
  return kl('klDivergence', klTerms(), logPredictions, targets, options, 'targets', false);
}

/**
 * optax `kl_divergence_with_log_targets(log_predictions, log_targets, axis=-1, where=None)`:
 * `Σ e^{lt} (lt − ℓ)` over `axis`, both in log space as given. Returns the input's shape without `axis`.
 *
 * @example klDivergenceWithLogTargets([[-1.2, -0.4]], [[-0.7, -0.7]])
 */
export function klDivergenceWithLogTargets(logPredictions: TensorLike, logTargets: TensorLike, options: AxisWhereOptions = {}): Tensor {
  return kl('klDivergenceWithLogTargets', yTrue().exp().times(yTrue().minus(yPred())), logPredictions, logTargets, options, 'logTargets', true);
}

/**
 * optax `generalized_kl_divergence(log_predictions, targets, axis=-1, where=None)`: the KL divergence between
 * unnormalised measures, `Σ t (log t − ℓ) + e^ℓ − t` over `axis` (the Bregman divergence of `x log x − x`); targets
 * non-negative. Returns the input's shape without `axis`. The DSL form is `generalizedKl()` of `@losskit/losses`.
 *
 * @example generalizedKlDivergence([[-1.6094, -1.6094]], [[0.05, 0.03]])
 */
export function generalizedKlDivergence(logPredictions: TensorLike, targets: TensorLike, options: AxisWhereOptions = {}): Tensor {
  return kl('generalizedKlDivergence', (masked) => generalizedKl(masked ? { where: input('where', 'class') } : {}), logPredictions, targets, options, 'targets', false);
}

/**
 * optax `convex_kl_divergence`, deprecated in optax in favour of `generalized_kl_divergence`: the same function.
 * @deprecated Use {@link generalizedKlDivergence}.
 */
export function convexKlDivergence(logPredictions: TensorLike, targets: TensorLike, options: AxisWhereOptions = {}): Tensor {
  return kl('convexKlDivergence', (masked) => generalizedKl(masked ? { where: input('where', 'class') } : {}), logPredictions, targets, options, 'targets', false);
}
