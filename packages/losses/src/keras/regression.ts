import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { Expr, TensorLike } from '@losskit/core';
import { categoricalHinge as categoricalHingeExpr } from '../standard/categoricalHinge.js';
import { cosineSimilarity as cosineExpr } from '../standard/cosineSimilarity.js';
import { hinge as hingeExpr } from '../standard/hinge.js';
import { huber as huberExpr } from '../standard/huber.js';
import { kld as kldExpr } from '../standard/kld.js';
import { logCosh as logCoshExpr } from '../standard/logCosh.js';
import { meanAbsoluteError as maeExpr } from '../standard/meanAbsoluteError.js';
import { meanAbsolutePercentageError as mapeExpr } from '../standard/meanAbsolutePercentageError.js';
import { meanSquaredError as mseExpr } from '../standard/meanSquaredError.js';
import { meanSquaredLogarithmicError as msleExpr } from '../standard/meanSquaredLogarithmicError.js';
import { poisson as poissonExpr } from '../standard/poisson.js';
import { squaredHinge as squaredHingeExpr } from '../standard/squaredHinge.js';
import { checkOptionKeys } from '../validate.js';
import { type KerasLossOptions, alignDense, runKeras } from './run.js';

const elementwise = (expr: Expr<'sample', 'any'>, yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions, axis = -1): Tensor => {
  // These Keras losses reduce over the last axis and take no options beyond the common ones.
  if (axis === -1) checkOptionKeys(options, ['reduction', 'sampleWeight', 'validate'], 'this Keras loss');
  return tf.tidy(() => runKeras(expr, 'probs', alignDense(yTrue, yPred, options, axis), options));
};

/**
 * Keras 3 `mean_squared_error` / `MeanSquaredError`: `mean((y - ŷ)², axis=-1)` then the reduction.
 * @example meanSquaredError([[1, 9, 2], [-5, -2, 6]], [[4, 8, 12], [8, 1, 3]]) // 49.5
 */
export function meanSquaredError(yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions = {}): Tensor {
  return elementwise(mseExpr(), yTrue, yPred, options);
}

/**
 * Keras 3 `mean_absolute_error` / `MeanAbsoluteError`: `mean(|y - ŷ|, axis=-1)`.
 * @example meanAbsoluteError([[1, 9, 2], [-5, -2, 6]], [[4, 8, 12], [8, 1, 3]]) // 5.5
 */
export function meanAbsoluteError(yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions = {}): Tensor {
  return elementwise(maeExpr(), yTrue, yPred, options);
}

/**
 * Keras 3 `mean_absolute_percentage_error`: `100 · mean(|y - ŷ| / max(|y|, 1e-7), axis=-1)`.
 * @example meanAbsolutePercentageError([[1, 9, 2], [-5, -2, 6]], [[4, 8, 12], [8, 1, 3]]) // ≈ 211.85
 */
export function meanAbsolutePercentageError(yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions = {}): Tensor {
  return elementwise(mapeExpr(), yTrue, yPred, options);
}

/**
 * Keras 3 `mean_squared_logarithmic_error`: `mean((log(1 + max(ŷ, ε)) - log(1 + max(y, ε)))², axis=-1)`.
 * @example meanSquaredLogarithmicError([[1, 9, 2], [-5, -2, 6]], [[4, 8, 12], [8, 1, 3]]) // ≈ 1.437
 */
export function meanSquaredLogarithmicError(yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions = {}): Tensor {
  return elementwise(msleExpr(), yTrue, yPred, options);
}

/** Options of {@link huber}. */
export interface HuberOptions extends KerasLossOptions {
  /** Default 1. */
  readonly delta?: number;
}

/**
 * Keras 3 `huber` / `Huber(delta=1.0)`: mean over the last axis of `½x²` (|x| ≤ δ) or `δ|x| - ½δ²`.
 * @example huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) // 0.155
 */
export function huber(yTrue: TensorLike, yPred: TensorLike, options: HuberOptions = {}): Tensor {
  // `delta` is huber's own option; the shared check sees only the common ones (and a non-object as it is).
  if (options === null || typeof options !== 'object') return elementwise(huberExpr(), yTrue, yPred, options);
  const { delta, ...common } = options;
  return elementwise(huberExpr({ delta: delta ?? 1 }), yTrue, yPred, common);
}

/**
 * Keras 3 `log_cosh` / `LogCosh`: `mean(log cosh(ŷ - y), axis=-1)`.
 * @example logCosh([[0, 1], [0, 0]], [[1, 1], [0, 0]]) // ≈ 0.108
 */
export function logCosh(yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions = {}): Tensor {
  return elementwise(logCoshExpr(), yTrue, yPred, options);
}

/**
 * Keras 3 `poisson` / `Poisson`: `mean(ŷ - y log(ŷ + 1e-7), axis=-1)`.
 * @example poisson([[4, 8, 12]], [[1, 9, 2]])
 */
export function poisson(yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions = {}): Tensor {
  return elementwise(poissonExpr(), yTrue, yPred, options);
}

/**
 * Keras 3 `kl_divergence` / `KLDivergence`: `Σ t log(t/q)` over the last axis, `t = clip(y, 1e-7, 1)`, `q = clip(ŷ, 1e-7, 1)`.
 * @example kld([[0.5, 0.8, 0.12]], [[0.4, 0.9, 0.12]])
 */
export function kld(yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions = {}): Tensor {
  return elementwise(kldExpr(), yTrue, yPred, options);
}

/** Options of {@link cosineSimilarity}. */
export interface CosineSimilarityOptions extends KerasLossOptions {
  /** The feature axis. Default -1. */
  readonly axis?: number;
}

/**
 * Keras 3 `cosine_similarity` / `CosineSimilarity(axis=-1)`: **−cos(y, ŷ)** along `axis` (norms floored at 1e-7).
 * @example cosineSimilarity([[0, 1], [1, 1], [1, 1]], [[1, 0], [1, 1], [-1, -1]], { reduction: 'none' }) // [0, -1, 1]
 */
export function cosineSimilarity(yTrue: TensorLike, yPred: TensorLike, options: CosineSimilarityOptions = {}): Tensor {
  return elementwise(cosineExpr(), yTrue, yPred, options, options.axis ?? -1);
}

/**
 * Keras 3 `hinge` / `Hinge`: `mean(max(0, 1 - ỹ ŷ), axis=-1)`; 0/1 targets become ±1 only if every target is 0 or 1.
 * @example hinge([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) // 1.3
 */
export function hinge(yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions = {}): Tensor {
  return elementwise(hingeExpr(), yTrue, yPred, options);
}

/**
 * Keras 3 `squared_hinge` / `SquaredHinge`: `mean(max(0, 1 - ỹ ŷ)², axis=-1)` with the same target conversion.
 * @example squaredHinge([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) // 1.86
 */
export function squaredHinge(yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions = {}): Tensor {
  return elementwise(squaredHingeExpr(), yTrue, yPred, options);
}

/**
 * Keras 3 `categorical_hinge` / `CategoricalHinge`: `max(0, 1 + max_j (1-y_j) ŷ_j - Σ y_j ŷ_j)`.
 * @example categoricalHinge([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) // 1.4
 */
export function categoricalHinge(yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions = {}): Tensor {
  return elementwise(categoricalHingeExpr(), yTrue, yPred, options);
}
