// optax's classification losses (google-deepmind/optax `optax/losses/_classification.py` at
// 2edbcbe2390da13983b92cbef94ac0460ecde1c5) with optax's argument order, defaults and unreduced outputs, over the
// DSL builders of this package.
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, bce, formatIndex, input, logSumExpParts, params, yPred, yTrue } from '@losskit/core';
import { sparsemaxLoss as multiclassSparsemaxExpr } from '../papers/classification/sparsemaxLoss.js';
import { binarySparsemax } from '../standard/binarySparsemax.js';
import { generalizedKl, klTerms } from '../standard/generalizedKl.js';
import { multiclassHinge } from '../standard/multiclassHinge.js';
import { multiclassPerceptron, perceptron } from '../standard/perceptron.js';
import { maskedSoftmaxCe } from '../standard/rankingSoftmax.js';
import { checkClassLabels, validateOption } from '../validate.js';
import {
  type AxisWhereOptions,
  type OptaxOptions,
  broadcastShape,
  broadcastTo,
  canonicalAxes,
  checkSameShape,
  checkValues,
  classLabels,
  elementwise,
  finish,
  overAxis,
  perRow,
  tensorAllowingNegInf,
  tensorOf,
  toRows,
  whereMask,
} from './common.js';

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

/** The masked softmax cross-entropy expression, with optax's `where` as `input('where', 'class')` when masked. */
const softmaxCe = (extra: { readonly poly?: number } = {}) => (masked: boolean) => maskedSoftmaxCe({ ...extra, ...(masked ? { where: input('where', 'class') } : {}) });

/**
 * optax `softmax_cross_entropy(logits, labels, axis=-1, where=None)`: `−Σ labels · log_softmax(logits)` over `axis`
 * (an int, a list of ints or `null` for all), labels broadcast against the logits (one-hot or any distribution).
 * With `where`, the softmax and the sum run over the included entries only and a row with none gives 0 (optax's
 * `log_softmax(..., where)` and `sum(..., where)`). Formed as `Σ t (m − z) + l Σ t` with the row max `m` and
 * `l = log Σ e^{z − m}`, so ±1e4 and huge logits are exact; gradient `p Σt − t`. Returns the shape without `axis`.
 *
 * @example softmaxCrossEntropy([[10, 1, -2], [1, 4, 0.2]], [[0, 1, 0], [1, 0, 0]]) // [9.00013, 3.0696733]
 */
export function softmaxCrossEntropy(logits: TensorLike, labels: TensorLike, options: AxisWhereOptions = {}): Tensor {
  const validate = validateOption(options);
  return tf.tidy(() => {
    const z = tensorOf(logits, 'logits', validate);
    const t = tensorOf(labels, 'labels', validate);
    return finish(overAxis(softmaxCe(), z, t, options, ['logits', 'labels'], validate), 'softmaxCrossEntropy', 'logits', validate);
  });
}

/**
 * optax `safe_softmax_cross_entropy(logits, labels)`: the softmax cross-entropy over the last axis where a logit of
 * `−∞` marks a class that cannot occur: `labels · log_softmax(logits)` is taken as 0 there when the label is 0
 * (`0 log 0 = 0`), so the value and the gradient (`p Σt − t`, 0 at the masked classes) stay finite. A positive label
 * on a `−∞` logit makes the loss `+∞`; with `validate` (default) that raises `NON_FINITE_OUTPUT` naming the row and
 * the class (received: `Infinity at index [i]: labels put mass t on class j whose logit is -Infinity`), with
 * `validate: false` the row is `Infinity`, as in optax. `−∞` is allowed in `logits`; NaN and `+∞` are not.
 * Labels broadcast against the logits. Returns `[...]` for logits `[..., C]`.
 *
 * @example safeSoftmaxCrossEntropy([[-Infinity, 0, 0]], [[0, 0.5, 0.5]]) // [0.693147]
 */
export function safeSoftmaxCrossEntropy(logits: TensorLike, labels: TensorLike, options: OptaxOptions = {}): Tensor {
  const validate = validateOption(options);
  return tf.tidy(() => {
    const z = tensorAllowingNegInf(logits, 'logits', validate);
    const t = tensorOf(labels, 'labels', validate);
    const out = overAxis(softmaxCe(), z, t, {}, ['logits', 'labels'], validate);
    if (validate && out.size > 0 && tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(out))).dataSync()[0] === 1)) {
      const shape = broadcastShape(z.shape, t.shape, 'logits', 'labels');
      const zr = toRows(broadcastTo(z, shape), [shape.length - 1]).rows.arraySync();
      const tr = toRows(broadcastTo(t, shape), [shape.length - 1]).rows.arraySync();
      const values = out.dataSync();
      const i = values.findIndex((v) => !Number.isFinite(v));
      const j = zr[i]!.findIndex((v, k) => v === Number.NEGATIVE_INFINITY && tr[i]![k] !== 0);
      throw new LosskitError('NON_FINITE_OUTPUT', 'the cross-entropy is infinite: the labels put mass on a class whose logit is -Infinity', {
        argument: 'labels',
        expected: 'no label mass on a class with a -Infinity logit (or pass validate: false to get Infinity, as optax)',
        received: `${values[i]} at ${out.rank === 0 ? 'the result' : formatIndex(i, out.shape)}${j >= 0 ? `: labels put mass ${tr[i]![j]} on class ${j} whose logit is -Infinity` : ''}`,
      });
    }
    return out;
  });
}

/**
 * optax `softmax_cross_entropy_with_integer_labels(logits, labels, axis=-1, where=None)`: `logsumexp(logits) −
 * logits[label]` over `axis` (an int or a list of ints: then the label is a flat index into the `axis` slice, in
 * the order given), integer labels in `[0, K)` shaped like the logits without `axis`. With `where` the normaliser
 * runs over the included entries and a row with none gives 0 (the label's logit is read even if excluded, as optax).
 * Exact at ±1e4; gradient `p − onehot`. Returns the labels' shape.
 *
 * @example softmaxCrossEntropyWithIntegerLabels([[10, 1, -2], [1, 4, 0.2]], [1, 0]) // [9.00013, 3.0696733]
 */
export function softmaxCrossEntropyWithIntegerLabels(logits: TensorLike, labels: TensorLike, options: AxisWhereOptions = {}): Tensor {
  const validate = validateOption(options);
  return tf.tidy(() => {
    const z = tensorOf(logits, 'logits', validate);
    if (options.axis === null) {
      throw new LosskitError('INVALID_ARGUMENT', 'axis must be an integer or a list of integers', { argument: 'axis', received: 'null' });
    }
    const axes = canonicalAxes(options.axis, z.rank, 'logits');
    const { rows, outShape } = toRows(z, axes);
    const y = tensorOf(labels, 'labels', false);
    const k = rows.shape[1];
    if (y.shape.join() !== outShape.join()) {
      throw new LosskitError('SHAPE_MISMATCH', 'labels must have the shape of logits without axis', { argument: 'labels', expected: `[${outShape.join(', ')}]`, received: `[${y.shape.join(', ')}]` });
    }
    checkClassLabels(y, k, 'labels');
    if (rows.shape[0] === 0) return tf.zeros(outShape);
    const masked = options.where !== undefined && options.where !== null;
    const where = masked ? toRows(tf.cast(whereMask(options.where!, z.shape, axes, validate), 'float32'), axes).rows : undefined;
    const expr = maskedSoftmaxCe({ maskTargets: false, ...(masked ? { where: input('where', 'class') } : {}) });
    const out = perRow(expr, 'logits', tf.reshape(y, [-1]), rows, where ? { inputs: { where } } : undefined);
    return finish(tf.reshape(out, outShape), 'softmaxCrossEntropyWithIntegerLabels', 'logits', validate);
  });
}

/**
 * optax `poly_loss_cross_entropy(logits, labels, *, epsilon=2.0, axis=-1, where=None)` (Poly-1, Leng et al. 2022):
 * `softmax_cross_entropy + ε Σ labels (1 − softmax(logits))` over `axis`, with optax's `where` (masked softmax and
 * sums). ε any finite number (the paper's grid includes negative values). Returns the shape without `axis`.
 * The DSL form without `where` is `polyLoss({ epsilon })` of `@losskit/losses`.
 *
 * @example polyLossCrossEntropy([[4, 2, 1], [0, 5, 1]], [[1, 0, 0], [0, 0.8, 0.2]]) // [0.4823, 1.2567]
 */
export function polyLossCrossEntropy(logits: TensorLike, labels: TensorLike, options: AxisWhereOptions & { readonly epsilon?: number } = {}): Tensor {
  const validate = validateOption(options);
  const epsilon = params.finite('epsilon', options.epsilon ?? 2);
  return tf.tidy(() => {
    const z = tensorOf(logits, 'logits', validate);
    const t = tensorOf(labels, 'labels', validate);
    return finish(overAxis(softmaxCe({ poly: epsilon }), z, t, options, ['logits', 'labels'], validate), 'polyLossCrossEntropy', 'logits', validate);
  });
}

/**
 * optax `sigmoid_binary_cross_entropy(logits, labels)`: `−y log σ(z) − (1 − y) log σ(−z)` elementwise, computed as
 * `softplus(z) − y z` (core's `bce()`: exact for any finite logit, `5e8` at `z = −1e9, y = 1`); labels (0/1 or
 * probabilities) broadcast against the logits. Returns the broadcast shape, unreduced.
 *
 * @example sigmoidBinaryCrossEntropy([0, 0], [1, 0]) // [0.6931472, 0.6931472]
 */
export function sigmoidBinaryCrossEntropy(logits: TensorLike, labels: TensorLike, options: OptaxOptions = {}): Tensor {
  const validate = validateOption(options);
  return tf.tidy(() => {
    const z = tensorOf(logits, 'logits', validate);
    const y = tensorOf(labels, 'labels', validate);
    return finish(elementwise(bce().sum(), z, y, ['logits', 'labels']), 'sigmoidBinaryCrossEntropy', 'logits', validate);
  });
}

/** Options of {@link sigmoidFocalLoss}. */
export interface SigmoidFocalOptions extends OptaxOptions {
  /** Weight α ∈ [0, 1] of the positives (1 − α of the negatives), or `null` for none. Default `null`. */
  readonly alpha?: number | null;
  /** Focusing exponent γ ≥ 0 of `(1 − p_t)`. Default 2. */
  readonly gamma?: number;
}

/**
 * optax `sigmoid_focal_loss(logits, labels, *, alpha=None, gamma=2.0)` (Lin et al. 2017), elementwise:
 * `α_t (1 − p_t)^γ · BCE(z, y)` with `p_t = y p + (1 − y)(1 − p)`, `p = σ(z)`, `α_t = α y + (1 − α)(1 − y)` (no
 * weighting when `alpha` is null). As optax 0.2.5+, `(1 − p_t)^γ = exp(γ log(1 − p_t))` in log space (soft labels in
 * [0, 1], no `1 − σ(z)` rounding to 0), with `log(1 − p_t) = logaddexp(log y − softplus(z), log(1 − y) − softplus(−z))`:
 * the same value as optax's branch on `y ≥ ½`, which cancels ±|z| in float32 (0.2% off at z = −1.1e4), exact here.
 * Labels must lie in [0, 1] (checked when `validate`). Returns the broadcast shape, unreduced.
 *
 * @example sigmoidFocalLoss([2, 0.1, -2], [0, 0, 1], { gamma: 2 })
 */
export function sigmoidFocalLoss(logits: TensorLike, labels: TensorLike, options: SigmoidFocalOptions = {}): Tensor {
  const validate = validateOption(options);
  const gamma = params.nonNegative('gamma', options.gamma ?? 2);
  const alpha = options.alpha === undefined || options.alpha === null ? null : params.closedUnitInterval('alpha', options.alpha);
  return tf.tidy(() => {
    const z0 = tensorOf(logits, 'logits', validate);
    const y0 = tensorOf(labels, 'labels', validate);
    if (validate && y0.size > 0 && tf.tidy(() => tf.any(tf.logicalOr(tf.less(y0, 0), tf.greater(y0, 1))).dataSync()[0] === 1)) {
      const v = y0.dataSync();
      const i = v.findIndex((a) => a < 0 || a > 1);
      throw new LosskitError('INVALID_ARGUMENT', 'labels must lie in [0, 1]', { argument: 'labels', expected: 'binary labels or probabilities in [0, 1]', received: `${v[i]} at ${formatIndex(i, y0.shape)}` });
    }
    const shape = broadcastShape(z0.shape, y0.shape, 'logits', 'labels');
    const z = broadcastTo(z0, shape);
    const y = broadcastTo(y0, shape);
    // BCE as optax writes it, −y log σ(z) − (1 − y) log σ(−z): two non-negative terms, no cancellation.
    const ce = tf.add(tf.mul(y, tf.softplus(tf.neg(z))), tf.mul(tf.sub(1, y), tf.softplus(z)));
    // log(1 − p_t) = log(y σ(−z) + (1 − y) σ(z)) = logaddexp(log y − softplus(z), log(1 − y) − softplus(−z)): the
    // value optax's branch on y ≥ ½ computes, without its cancellation (log σ(x') + log y' + softplus(−x' + …) adds
    // and subtracts |z| in float32, which lost 0.2% at z = −1.1e4, y = 0.29). A zero weight (y = 0 or 1) gives −∞
    // on its side, which the logaddexp drops exactly.
    const a = tf.sub(tf.log(y), tf.softplus(z));
    const b = tf.sub(tf.log1p(tf.neg(y)), tf.softplus(tf.neg(z)));
    // Core's log-sum-exp of the pair: exact, and its gradient is the pair's softmax (½/½ at a tie, 0 for a −∞ side).
    const { max, rel } = logSumExpParts(tf.stack([a, b], -1));
    const log1mPt = tf.add(max, rel);
    const loss = gamma === 0 ? ce : tf.mul(ce, tf.exp(tf.mul(log1mPt, gamma)));
    const out = alpha === null ? loss : tf.mul(tf.add(tf.mul(y, alpha), tf.mul(tf.sub(1, y), 1 - alpha)), loss);
    return finish(out, 'sigmoidFocalLoss', 'logits', validate);
  });
}
