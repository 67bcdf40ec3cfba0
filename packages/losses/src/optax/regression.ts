// optax's regression losses (google-deepmind/optax `optax/losses/_regression.py` at
// 2edbcbe2390da13983b92cbef94ac0460ecde1c5), unreduced, over this package's DSL builders.
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, type TensorLike, input, square } from '@losskit/core';
import { cosineSimilarityTerm } from '../standard/cosineDistance.js';
import { huber } from '../standard/huber.js';
import { l2Loss as l2LossExpr } from '../standard/l2Loss.js';
import { logCosh as logCoshExpr } from '../standard/logCosh.js';
import { validateOption } from '../validate.js';
import { type AxisWhereOptions, type OptaxOptions, checkSameShape, elementwise, finish, overAxis, tensorOf } from './common.js';

/** Predictions and targets (zeros when omitted, as optax's `targets=None`); `sameShape`: optax's `check_shapes_equal`. */
function errorsOf(fn: string, expr: Expr<'sample'>, predictions: TensorLike, targets: TensorLike | null | undefined, options: OptaxOptions, sameShape: boolean): Tensor {
  const validate = validateOption(options);
  return tf.tidy(() => {
    const p = tensorOf(predictions, 'predictions', validate);
    const t = targets === undefined || targets === null ? tf.zerosLike(p) : tensorOf(targets, 'targets', validate);
    if (sameShape) checkSameShape(p, t, 'predictions', 'targets');
    return finish(elementwise(expr, p, t, ['predictions', 'targets']), fn, 'predictions', validate);
  });
}

/**
 * optax `squared_error(predictions, targets=None)`: `(predictions − targets)²` elementwise; targets must have the
 * predictions' shape (optax `check_shapes_equal`), and default to zeros. Returns the predictions' shape.
 *
 * @example squaredError([-2, -1, 0.5, 1], [-1.5, 0, -1, 1]) // [0.25, 1, 2.25, 0]
 */
export function squaredError(predictions: TensorLike, targets?: TensorLike | null, options: OptaxOptions = {}): Tensor {
  return errorsOf('squaredError', square().sum(), predictions, targets, options, true);
}

/**
 * optax `l2_loss(predictions, targets=None)`: `0.5 · (predictions − targets)²` elementwise (shapes equal, targets
 * default to zeros). The DSL form is `l2Loss()` of `@losskit/losses` (½ Σ over the last axis).
 *
 * @example l2Loss([-2, -1, 0.5, 1], [-1.5, 0, -1, 1]) // [0.125, 0.5, 1.125, 0]
 */
export function l2Loss(predictions: TensorLike, targets?: TensorLike | null, options: OptaxOptions = {}): Tensor {
  return errorsOf('l2Loss', l2LossExpr(), predictions, targets, options, true);
}

/**
 * optax `huber_loss(predictions, targets=None, *, delta=1.0)`: `0.5 e²` for `|e| ≤ δ`, `0.5 δ² + δ(|e| − δ)` above,
 * elementwise with `e = predictions − targets` (broadcast; targets default to zeros), written
 * `0.5 q² + δ(|e| − q)`, `q = min(|e|, δ)`, as optax (no doubled gradient at `|e| = δ`). δ > 0.
 *
 * @example huberLoss([-2, 0.5, 132], [0, -0.5, 0.3]) // [1.5, 0.5, 131.2]
 */
export function huberLoss(predictions: TensorLike, targets?: TensorLike | null, options: OptaxOptions & { readonly delta?: number } = {}): Tensor {
  return errorsOf('huberLoss', huber({ delta: options.delta ?? 1 }), predictions, targets, options, false);
}

/**
 * optax `log_cosh(predictions, targets=None)`: `log(cosh(e))` elementwise (broadcast; targets default to zeros),
 * computed as `e + softplus(−2e) − log 2`, exact for large errors (`log cosh(700) = 699.3069`).
 *
 * @example logCosh([500, -2], [-200, -1.5]) // [699.3068, 0.12011445]
 */
export function logCosh(predictions: TensorLike, targets?: TensorLike | null, options: OptaxOptions = {}): Tensor {
  return errorsOf('logCosh', logCoshExpr(), predictions, targets, options, false);
}

/** Options of {@link cosineSimilarity} and {@link cosineDistance}. */
export interface CosineOptions extends AxisWhereOptions {
  /** Floor ε ≥ 0 on the squared norms. Default 0 (a zero vector then gives `NON_FINITE_OUTPUT`). */
  readonly epsilon?: number;
}

function cosine(fn: string, distance: boolean, predictions: TensorLike, targets: TensorLike, options: CosineOptions): Tensor {
  const validate = validateOption(options);
  const epsilon = options.epsilon ?? 0;
  const exprOf = (masked: boolean) => {
    const c = cosineSimilarityTerm({ epsilon, ...(masked ? { where: input('where', 'class') } : {}) });
    return distance ? c.neg().plus(1) : c;
  };
  exprOf(false); // checks epsilon before any tensor is made
  return tf.tidy(() => {
    const p = tensorOf(predictions, 'predictions', validate);
    const t = tensorOf(targets, 'targets', validate);
    return finish(overAxis(exprOf, p, t, options, ['predictions', 'targets'], validate), fn, 'predictions', validate, 'a zero vector with epsilon = 0 gives 0/0: pass epsilon > 0');
  });
}

/**
 * optax `cosine_similarity(predictions, targets, *, epsilon=0., axis=-1, where=None)`: `Σ a b / (sqrt(max(Σa², ε))
 * sqrt(max(Σb², ε)))` over `axis` (+cos, unlike Keras' −cos), with `where` restricting the norms and the sum.
 * Returns the shape without `axis`.
 *
 * @example cosineSimilarity([[10, 1, -2], [1, 4, 0.2]], [[0, 1.2, 0.2], [1, -0.3, 0]]) // [0.0641748, -0.0464068]
 */
export function cosineSimilarity(predictions: TensorLike, targets: TensorLike, options: CosineOptions = {}): Tensor {
  return cosine('cosineSimilarity', false, predictions, targets, options);
}

/**
 * optax `cosine_distance(predictions, targets, *, epsilon=0., axis=-1, where=None)`: `1 − cosine_similarity`.
 * The DSL form is `cosineDistance({ epsilon })` of `@losskit/losses`.
 *
 * @example cosineDistance([[10, 1, -2], [1, 4, 0.2]], [[0, 1.2, 0.2], [1, -0.3, 0]]) // [0.9358252, 1.0464068]
 */
export function cosineDistance(predictions: TensorLike, targets: TensorLike, options: CosineOptions = {}): Tensor {
  return cosine('cosineDistance', true, predictions, targets, options);
}
