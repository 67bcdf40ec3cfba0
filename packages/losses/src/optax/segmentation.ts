// optax's segmentation losses (google-deepmind/optax `optax/losses/_segmentation.py` at
// 2edbcbe2390da13983b92cbef94ac0460ecde1c5), over this package's Dice terms.
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, PROB_SUM_TOLERANCE, type TensorLike, formatIndex, formatShape, params } from '@losskit/core';
import { diceTerms, generalizedDiceOf } from '../standard/generalizedDice.js';
import { checkBoolean } from '../keras/run.js';
import { validateOption } from '../validate.js';
import { type OptaxOptions, canonicalAxes, checkSameShape, finish, tensorOf } from './common.js';

/** optax's class reductions of `dice_loss`: over the class axis, or none. */
export type DiceReduction = 'mean' | 'sum' | 'none';

/** Options of {@link diceLoss}. */
export interface DiceLossOptions extends OptaxOptions {
  /** Per-class weights `[C]` multiplying the per-class losses. Default none. */
  readonly classWeights?: TensorLike | null;
  /** Smoothing added to the numerator and the denominator. Default 1. */
  readonly smooth?: number;
  /** Weight of the false positives. Default 0.5 (Dice). */
  readonly alpha?: number;
  /** Weight of the false negatives. Default 0.5 (Dice). */
  readonly beta?: number;
  /** Softmax over the classes (sigmoid for one class) first; `false`: predictions are probabilities. Default true. */
  readonly applySoftmax?: boolean;
  /** Over the class axis: `'mean'` (default), `'sum'` or `'none'` (keeps `[..., C]`). */
  readonly reduction?: DiceReduction;
  /** Drop class 0 (background) when there is more than one class. Default false. */
  readonly ignoreBackground?: boolean;
  /** Axes to sum over (not the class axis). Default: every axis but the first and the last (the spatial axes). */
  readonly axis?: number | readonly number[] | null;
}

/** optax's rank alignment: a missing trailing channel axis on either side is added; then the shapes must match. */
function aligned(predictions: TensorLike, targets: TensorLike, validate: boolean): [Tensor, Tensor] {
  let p = tensorOf(predictions, 'predictions', validate);
  let t = tensorOf(targets, 'targets', validate);
  if (p.rank === t.rank - 1) p = tf.expandDims(p, -1);
  if (t.rank === p.rank - 1) t = tf.expandDims(t, -1);
  checkSameShape(p, t, 'predictions', 'targets');
  if (p.rank < 1) throw new LosskitError('RANK_MISMATCH', 'predictions need a class axis', { argument: 'predictions', expected: 'shape [..., C]', received: formatShape(p.shape) });
  return [p, t];
}

/**
 * Probabilities from the predictions: softmax over the last axis (sigmoid for one class) with `applySoftmax`, else the
 * predictions checked as probabilities (entries in [0, 1]; with `C > 1` rows summing to 1 within `PROB_SUM_TOLERANCE`).
 * optax demands rows summing to 1 even for one class, which no binary probability but 1 satisfies; here one class
 * needs only entries in [0, 1].
 */
function probabilities(p: Tensor, applySoftmax: boolean, validate: boolean): Tensor {
  const c = p.shape.at(-1)!;
  if (applySoftmax) return c === 1 ? tf.sigmoid(p) : tf.softmax(p);
  if (validate && p.size > 0) {
    const v = p.dataSync();
    for (let i = 0; i < v.length; i++) {
      if (!(v[i]! >= 0 && v[i]! <= 1)) throw new LosskitError('INVALID_ARGUMENT', 'with applySoftmax: false the predictions must be probabilities', { argument: 'predictions', expected: 'values in [0, 1]', received: `${v[i]} at ${formatIndex(i, p.shape)}` });
    }
    if (c > 1) {
      for (let r = 0; r < v.length / c; r++) {
        let s = 0;
        for (let j = 0; j < c; j++) s += v[r * c + j]!;
        if (Math.abs(s - 1) > PROB_SUM_TOLERANCE) {
          throw new LosskitError('INVALID_ARGUMENT', 'with applySoftmax: false the predictions must be probability distributions over the last axis', { argument: 'predictions', expected: `rows summing to 1 within ${PROB_SUM_TOLERANCE}`, received: `row ${r} sums to ${s}` });
        }
      }
    }
  }
  return p;
}

/**
 * optax `dice_loss(predictions, targets, *, class_weights=None, smooth=1., alpha=.5, beta=.5, apply_softmax=True,
 * reduction="mean", ignore_background=False, axis=None)`: per class `c` and sample, `1 − (I_c + s) / (I_c + α(P_c − I_c)
 * + β(T_c − I_c) + s)` with the sums `I = Σ p t`, `P = Σ p`, `T = Σ t` over `axis` (default the spatial axes: all but
 * the first and the last), times `classWeights`, without class 0 under `ignoreBackground`, then reduced over the
 * classes. Predictions are logits (softmax, or sigmoid for one class) or, with `applySoftmax: false`, probabilities.
 * `[B, H, W, C]` → `[B]` (`'none'`: `[B, C]`); a missing channel axis on either side is added, as optax.
 *
 * @example diceLoss([[[1, -1], [0.5, 0.5]]], [[[1, 0], [1, 0]]]) // [B] = [1]
 */
export function diceLoss(predictions: TensorLike, targets: TensorLike, options: DiceLossOptions = {}): Tensor {
  const validate = validateOption(options);
  const o = {
    smooth: params.finite('smooth', options.smooth ?? 1),
    alpha: params.finite('alpha', options.alpha ?? 0.5),
    beta: params.finite('beta', options.beta ?? 0.5),
  };
  const applySoftmax = checkBoolean('applySoftmax', options.applySoftmax ?? true);
  const ignoreBackground = checkBoolean('ignoreBackground', options.ignoreBackground ?? false);
  const reduction = options.reduction ?? 'mean';
  if (!['mean', 'sum', 'none'].includes(reduction)) throw new LosskitError('INVALID_ARGUMENT', 'unsupported reduction', { argument: 'reduction', expected: "'mean', 'sum' or 'none'", received: String(reduction) });
  return tf.tidy(() => {
    const [p0, t] = aligned(predictions, targets, validate);
    const axes =
      options.axis === undefined || options.axis === null ? Array.from({ length: Math.max(0, p0.rank - 2) }, (_, i) => i + 1) : canonicalAxes(options.axis, p0.rank, 'predictions');
    if (axes.includes(p0.rank - 1)) throw new LosskitError('INVALID_ARGUMENT', 'axis must not include the class axis', { argument: 'axis', expected: `axes in [0, ${p0.rank - 1})`, received: String(options.axis) });
    const p = probabilities(p0, applySoftmax, validate);
    let d = diceTerms(p, t, axes, o);
    const c = d.shape.at(-1)!;
    if (options.classWeights !== undefined && options.classWeights !== null) {
      const w = tensorOf(options.classWeights, 'classWeights', validate);
      if (w.rank !== 1 || w.shape[0] !== c) throw new LosskitError('SHAPE_MISMATCH', 'classWeights must have one weight per class', { argument: 'classWeights', expected: `[${c}]`, received: formatShape(w.shape) });
      d = tf.mul(d, w);
    }
    if (ignoreBackground && c > 1) d = tf.slice(d, [...new Array(d.rank - 1).fill(0), 1], [...new Array(d.rank - 1).fill(-1), c - 1]);
    const out = reduction === 'none' ? d : reduction === 'sum' ? tf.sum(d, -1) : tf.mean(d, -1);
    return finish(out, 'diceLoss', 'predictions', validate, 'a class with no prediction and no target mass and smooth = 0 gives 0/0');
  });
}

/** Options of {@link binaryDiceLoss}. */
export interface BinaryDiceLossOptions extends OptaxOptions {
  /** Smoothing. Default 1. */
  readonly smooth?: number;
  /** Sigmoid first; `false`: predictions are probabilities in [0, 1]. Default true. */
  readonly applySigmoid?: boolean;
}

/**
 * optax `binary_dice_loss(predictions, targets, *, smooth=1., apply_sigmoid=True)`: `dice_loss` of one channel —
 * inputs `[...]` or `[..., 1]` (a channel axis is added when both have the same rank and the last size is not 1, as
 * optax) — with `reduction="mean"`. Returns the batch shape (`[B]` for `[B, H, W]`).
 *
 * @example binaryDiceLoss([[2, -1, 0.5]], [[1, 0, 1]]) // [B] = [1]
 */
export function binaryDiceLoss(predictions: TensorLike, targets: TensorLike, options: BinaryDiceLossOptions = {}): Tensor {
  const validate = validateOption(options);
  return tf.tidy(() => {
    let p = tensorOf(predictions, 'predictions', validate);
    let t = tensorOf(targets, 'targets', validate);
    if (p.rank === t.rank && p.shape.at(-1) !== 1) {
      p = tf.expandDims(p, -1);
      t = tf.expandDims(t, -1);
    }
    return diceLoss(p, t, { smooth: options.smooth ?? 1, applySoftmax: params.boolean('applySigmoid', options.applySigmoid ?? true), reduction: 'mean', validate });
  });
}

/** Options of {@link multiclassGeneralizedDiceLoss}. */
export interface GeneralizedDiceLossOptions extends OptaxOptions {
  /** Smoothing. Default 1. */
  readonly smooth?: number;
  /** Softmax first; `false`: predictions are probability distributions over the last axis. Default true. */
  readonly applySoftmax?: boolean;
  /** Drop class 0 from the mean (it still counts in the weights' normalisation). Default false. */
  readonly ignoreBackground?: boolean;
}

/**
 * optax `multiclass_generalized_dice_loss(predictions, targets, *, smooth=1., apply_softmax=True,
 * ignore_background=False)` (Sudre et al. 2017): `dice_loss(..., class_weights=w, reduction="none")` averaged over
 * samples and classes, with `w_c = 1/(f_c² + 1e-7)` from the class frequencies `f_c = Σ t` over every axis but the
 * last, normalised to `C · w / Σ w`. Predictions and targets `[B, ..., C]` of the same shape; returns a scalar. The DSL
 * form (the whole batch as one image) is `generalizedDice()` of `@losskit/losses`.
 *
 * @example multiclassGeneralizedDiceLoss(logits, oneHotMasks) // scalar
 */
export function multiclassGeneralizedDiceLoss(predictions: TensorLike, targets: TensorLike, options: GeneralizedDiceLossOptions = {}): Tensor {
  const validate = validateOption(options);
  const smooth = params.finite('smooth', options.smooth ?? 1);
  const applySoftmax = checkBoolean('applySoftmax', options.applySoftmax ?? true);
  const ignoreBackground = checkBoolean('ignoreBackground', options.ignoreBackground ?? false);
  return tf.tidy(() => {
    const p0 = tensorOf(predictions, 'predictions', validate);
    const t = tensorOf(targets, 'targets', validate);
    checkSameShape(p0, t, 'predictions', 'targets');
    if (p0.rank < 2) throw new LosskitError('RANK_MISMATCH', 'predictions need a batch and a class axis', { argument: 'predictions', expected: 'shape [B, ..., C]', received: formatShape(p0.shape) });
    const p = probabilities(p0, applySoftmax, validate);
    return finish(generalizedDiceOf(p, t, smooth, ignoreBackground), 'multiclassGeneralizedDiceLoss', 'predictions', validate, 'smooth = 0 with a class absent from predictions and targets gives 0/0');
  });
}
