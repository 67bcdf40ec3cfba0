/**
 * `@losskit/losses/tfjs`: drop-ins for the nine `tf.losses` functions of tfjs-core, with the same signatures,
 * defaults and `Reduction` semantics (default `SUM_BY_NONZERO_WEIGHTS`; `MEAN` with broadcast weights further
 * divides by `losses.size / weights.size`). Elementwise losses are DSL expressions evaluated per element; inputs
 * may be tensors, nested arrays or TypedArrays.
 *
 * Each function takes one more, optional, trailing argument `{ validate }` ({@link DropInOptions}). By default
 * (`validate: true`, as `compile()`) NaN or ±Inf in any input raises `NON_FINITE_INPUT` naming the argument and the
 * index, and a result that is not finite raises `NON_FINITE_OUTPUT`: where tfjs 4.22 returns NaN, these raise a
 * typed error instead. In particular, all-zero weights (or weights summing to 0 under `MEAN`) make tfjs divide
 * 0 by 0 and return NaN for `MEAN` and `SUM_BY_NONZERO_WEIGHTS` (checked on the cpu backend; `NONE` and `SUM`
 * give 0): here they raise `INVALID_ARGUMENT` naming `weights`. `validate: false` keeps tfjs' exact behaviour,
 * NaN included.
 *
 * @example
 * import { ready } from '@losskit/core';
 * import { absoluteDifference, Reduction } from '@losskit/losses/tfjs';
 * await ready();
 * absoluteDifference([[1, 9, 2], [-5, -2, 6]], [[4, 8, 12], [8, 1, 3]], [[3, 0, 5], [0, 4, 2]]).print(); // ÷ 4
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, abs, bce, ce, formatShape, params, square, yPred, yTrue } from '@losskit/core';
import { compiledOnce } from '../compiled.js';
import { huberTerm } from '../standard/huber.js';
import { type ValidateOption, finiteOutput, inputTensor, validateOption } from '../validate.js';

/** The trailing options argument of every `/tfjs` drop-in; see {@link ValidateOption}. */
export type DropInOptions = ValidateOption;

/** `tf.Reduction`: the same numeric values, so `tf.Reduction.MEAN` works here too. */
export const Reduction = { NONE: 0, MEAN: 1, SUM: 2, SUM_BY_NONZERO_WEIGHTS: 3 } as const;
/** One of {@link Reduction}'s values. */
export type Reduction = (typeof Reduction)[keyof typeof Reduction];

function checkReduction(r: unknown): Reduction {
  if (r !== 0 && r !== 1 && r !== 2 && r !== 3) {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown reduction', { argument: 'reduction', expected: 'Reduction.NONE, MEAN, SUM or SUM_BY_NONZERO_WEIGHTS', received: String(r) });
  }
  return r;
}

/**
 * `tf.losses.computeWeightedLoss`: `w ⊙ l` (broadcast), then NONE → the tensor, SUM → `Σ w l`,
 * MEAN → `Σ w l / Σ w` (÷ `l.size / w.size` more when weights broadcast; `mean(l)` without weights),
 * SUM_BY_NONZERO_WEIGHTS (default) → `Σ w l / #{broadcast(w) ≠ 0}` (`Σ l / l.size` without weights).
 * Where tfjs divides by zero and returns NaN (every weight 0 under SUM_BY_NONZERO_WEIGHTS, `Σ w = 0` under MEAN)
 * this raises `INVALID_ARGUMENT` naming `weights`, unless `options.validate` is `false`.
 *
 * @example computeWeightedLoss([[1, 2], [3, 4]], [[1, 0], [1, 1]]) // 8 / 3
 */
export function computeWeightedLoss(losses: TensorLike, weights?: TensorLike | null, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS, options?: DropInOptions): Tensor {
  const r = checkReduction(reduction);
  const validate = validateOption(options);
  return tf.tidy(() => {
    const l = inputTensor(losses, 'losses', validate);
    return finish(weightedLoss(l, weights, r, validate), 'computeWeightedLoss', 'losses', validate);
  });
}

/** `computeWeightedLoss` on a tensor of elementwise losses; `weights` are converted (and checked) here. */
function weightedLoss(l: Tensor, weights: TensorLike | null | undefined, r: Reduction, validate: boolean): Tensor {
  const w = weights === undefined || weights === null ? undefined : inputTensor(weights, 'weights', validate);
  let weighted: Tensor;
  try {
    weighted = w ? tf.mul(l, w) : l;
  } catch {
    throw new LosskitError('SHAPE_MISMATCH', 'weights do not broadcast to the losses', { argument: 'weights', expected: `a shape broadcastable to ${formatShape(l.shape)}`, received: formatShape(w!.shape) });
  }
  if (r === Reduction.NONE) return weighted;
  if (r === Reduction.SUM) return tf.sum(weighted);
  if (r === Reduction.MEAN) {
    if (!w) return tf.mean(weighted);
    const total = tf.sum(w);
    if (validate && total.dataSync()[0] === 0) throw zeroWeights('Reduction.MEAN divides by the sum of the weights', 'weights whose sum is not 0');
    const factor = l.size / w.size;
    const result = tf.div(tf.sum(weighted), total);
    return factor > 1 ? tf.div(result, factor) : result;
  }
  if (!w) return tf.div(tf.sum(weighted), l.size);
  const nonzero = tf.sum(tf.cast(tf.notEqual(tf.mul(w, tf.ones(l.shape)), 0), 'float32'));
  if (validate && nonzero.dataSync()[0] === 0) throw zeroWeights('Reduction.SUM_BY_NONZERO_WEIGHTS divides by the number of non-zero weights', 'at least one non-zero weight');
  return tf.div(tf.sum(weighted), nonzero);
}

function zeroWeights(why: string, expected: string): LosskitError {
  return new LosskitError('INVALID_ARGUMENT', `${why}, which is 0 here (tf.losses returns NaN)`, {
    argument: 'weights',
    expected: `${expected} (or Reduction.SUM / NONE, or validate: false for tfjs' NaN)`,
    received: 'weights that give a zero denominator',
  });
}

/** The drop-in's result, checked finite when `validate`. */
function finish(out: Tensor, fn: string, argument: string, validate: boolean): Tensor {
  return finiteOutput(out, fn, argument, validate, 'e.g. probabilities outside [0, 1] under a log, or a square that overflows float32');
}

function pair(labels: TensorLike, predictions: TensorLike, fn: string, validate: boolean, labelsName = 'labels', predName = 'predictions'): [Tensor, Tensor] {
  const l = inputTensor(labels, labelsName, validate);
  const p = inputTensor(predictions, predName, validate);
  if (l.shape.join() !== p.shape.join()) {
    throw new LosskitError('SHAPE_MISMATCH', `shapes of ${labelsName} and ${predName} must match in ${fn}`, { argument: labelsName, expected: formatShape(p.shape), received: formatShape(l.shape) });
  }
  return [l, p];
}

/** Evaluates a class-level DSL term on every element (each element is a one-class sample). */
function elementwise(term: Expr<'class', 'any'>, labels: Tensor, predictions: Tensor): Tensor {
  const values = compiledOnce(term.sum(), 'logits')(tf.reshape(labels, [-1, 1]), tf.reshape(predictions, [-1, 1])) as Tensor;
  return tf.reshape(values, predictions.shape);
}

const run = (fn: string, term: Expr<'class', 'any'>, labels: TensorLike, predictions: TensorLike, weights: TensorLike | null | undefined, reduction: Reduction, options: DropInOptions | undefined) => {
  const validate = validateOption(options);
  return tf.tidy(() => {
    const [l, p] = pair(labels, predictions, fn, validate);
    return finish(weightedLoss(elementwise(term, l, p), weights, reduction, validate), fn, 'predictions', validate);
  });
};

/**
 * `tf.losses.absoluteDifference`: elementwise `|y - ŷ|`, then {@link computeWeightedLoss}.
 * @example absoluteDifference([0.3, -0.6, -0.1], [1, 2, 3]) // (0.7 + 2.6 + 3.1) / 3
 */
export function absoluteDifference(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS, options?: DropInOptions): Tensor {
  return run('absoluteDifference', abs(), labels, predictions, weights, checkReduction(reduction), options);
}

/**
 * `tf.losses.meanSquaredError`: elementwise `(y - ŷ)²`, then {@link computeWeightedLoss}.
 * @example meanSquaredError([0.3, -0.6, -0.1], [1, 2, 3])
 */
export function meanSquaredError(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS, options?: DropInOptions): Tensor {
  return run('meanSquaredError', square(), labels, predictions, weights, checkReduction(reduction), options);
}

/**
 * `tf.losses.hingeLoss`: elementwise `max(0, 1 - (2y - 1) ŷ)` — labels are **always** converted from {0, 1}
 * (so ±1 labels do not work, as in tfjs).
 * @example hingeLoss([1, 0, 1], [0.5, -0.2, 2])
 */
export function hingeLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS, options?: DropInOptions): Tensor {
  return run('hingeLoss', yTrue().scale(2).minus(1).times(yPred()).neg().plus(1).relu(), labels, predictions, weights, checkReduction(reduction), options);
}

/**
 * `tf.losses.huberLoss` (delta = 1): elementwise `½ m² + δ(|x| - m)`, `m = min(|x|, δ)`, `x = ŷ - y`.
 * @example huberLoss([0, 1], [0.5, 3], undefined, 1)
 */
export function huberLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, delta = 1, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS, options?: DropInOptions): Tensor {
  return run('huberLoss', huberTerm({ delta }), labels, predictions, weights, checkReduction(reduction), options);
}

/**
 * `tf.losses.logLoss` (epsilon = 1e-7): elementwise `-y log(ŷ + ε) - (1 - y) log(1 - ŷ + ε)`; ε goes inside the log
 * and nothing is clipped: probabilities outside [0, 1] make tfjs return NaN, and raise `NON_FINITE_OUTPUT` here
 * (NaN with `validate: false`).
 * @example logLoss([1, 0], [0.9, 0.2])
 */
export function logLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, epsilon = 1e-7, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS, options?: DropInOptions): Tensor {
  const y = yTrue();
  const term = y.times(yPred().plus(epsilon).log()).neg().minus(y.neg().plus(1).times(yPred().neg().plus(1).plus(epsilon).log()));
  return run('logLoss', term, labels, predictions, weights, checkReduction(reduction), options);
}

/**
 * `tf.losses.sigmoidCrossEntropy`: elementwise sigmoid cross-entropy from logits, `softplus(z) - ỹ z`,
 * `ỹ = y(1 - ε) + ε/2` when `labelSmoothing = ε > 0`.
 * @example sigmoidCrossEntropy([[1, 0]], [[2, -1]])
 */
export function sigmoidCrossEntropy(multiClassLabels: TensorLike, logits: TensorLike, weights?: TensorLike | null, labelSmoothing = 0, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS, options?: DropInOptions): Tensor {
  const r = checkReduction(reduction);
  const validate = validateOption(options);
  params.finite('labelSmoothing', labelSmoothing);
  return tf.tidy(() => {
    const [l, z] = pair(multiClassLabels, logits, 'sigmoidCrossEntropy', validate, 'multiClassLabels', 'logits');
    const ls = labelSmoothing > 0 ? labelSmoothing : 0;
    return finish(weightedLoss(elementwise(bce({ labelSmoothing: ls }), l, z), weights, r, validate), 'sigmoidCrossEntropy', 'logits', validate);
  });
}

/**
 * `tf.losses.softmaxCrossEntropy`: `-Σ_j ỹ_j log_softmax(z)_j` over the last axis, `ỹ = y(1 - ε) + ε/K` with
 * `K = shape[1]` as tfjs takes it (the class count for rank-2 inputs). Weights broadcast against `[batch]`.
 * @example softmaxCrossEntropy([[0, 1, 0]], [[1, 2, 0.5]])
 */
export function softmaxCrossEntropy(onehotLabels: TensorLike, logits: TensorLike, weights?: TensorLike | null, labelSmoothing = 0, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS, options?: DropInOptions): Tensor {
  const r = checkReduction(reduction);
  const validate = validateOption(options);
  params.finite('labelSmoothing', labelSmoothing);
  return tf.tidy(() => {
    const [l0, z] = pair(onehotLabels, logits, 'softmaxCrossEntropy', validate, 'onehotLabels', 'logits');
    if (z.rank < 1) throw new LosskitError('RANK_MISMATCH', 'logits must have a class axis', { argument: 'logits', received: formatShape(z.shape) });
    let l = l0;
    let expr = ce();
    if (labelSmoothing > 0) {
      if (z.rank === 2) expr = ce({ labelSmoothing });
      else l = tf.add(tf.mul(l0, 1 - labelSmoothing), labelSmoothing / (z.shape[1] ?? z.shape[0]!));
    }
    const c = z.shape.at(-1)!;
    const values = compiledOnce(expr, 'logits')(tf.reshape(l, [-1, c]), tf.reshape(z, [-1, c])) as Tensor;
    return finish(weightedLoss(tf.reshape(values, z.shape.slice(0, -1)), weights, r, validate), 'softmaxCrossEntropy', 'logits', validate);
  });
}

/**
 * `tf.losses.cosineDistance`: `1 - Σ_axis y ŷ` (keeping the axis as size 1), **without normalising** the inputs
 * (pass unit vectors), then {@link computeWeightedLoss}.
 * @example cosineDistance([[1, 0]], [[0.6, 0.8]], 1) // 0.4
 */
export function cosineDistance(labels: TensorLike, predictions: TensorLike, axis: number, weights?: TensorLike | null, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS, options?: DropInOptions): Tensor {
  const r = checkReduction(reduction);
  const validate = validateOption(options);
  return tf.tidy(() => {
    const [l, p] = pair(labels, predictions, 'cosineDistance', validate);
    const rank = Math.max(p.rank, 1);
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
      throw new LosskitError('INVALID_ARGUMENT', 'axis out of range', { argument: 'axis', expected: `an integer in [-${rank}, ${rank})`, received: String(axis) });
    }
    const a = axis < 0 ? axis + rank : axis;
    const perm = [...Array.from({ length: p.rank }, (_, i) => i).filter((i) => i !== a), a];
    const move = (x: Tensor) => (p.rank <= 1 ? tf.reshape(x, [1, -1]) : tf.transpose(x, perm));
    const lm = move(l);
    const pm = move(p);
    const c = pm.shape.at(-1)!;
    const values = compiledOnce(yTrue().times(yPred()).sum().neg().plus(1), 'logits')(tf.reshape(lm, [-1, c]), tf.reshape(pm, [-1, c])) as Tensor;
    const keep = p.shape.map((d, i) => (i === a ? 1 : d));
    return finish(weightedLoss(tf.reshape(values, p.rank === 0 ? [] : keep), weights, r, validate), 'cosineDistance', 'predictions', validate);
  });
}
