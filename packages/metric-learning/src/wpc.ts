import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, cleanTapeOnError, formatShape, logSumExpParts, params } from '@losskit/core';
import { checkedTensor } from './distances.js';
import { optionsOf } from './internal.js';

/** A critic `f(x, y)`: row i of `x` `[n, Dx]` and of `y` `[n, Dy]` → score `[n]` (or `[n, 1]`), row by row. */
export type Critic = (x: Tensor, y: Tensor) => Tensor;

/** Options of {@link criticGradientPenalty}. */
export interface CriticPenaltyOptions {
  /** Target gradient norm K (the Lipschitz constant). Default 1. */
  readonly lipschitz?: number;
}

/** Options of {@link wpcLoss}. */
export interface WpcOptions extends CriticPenaltyOptions {
  /** λ ≥ 0, weight of the gradient penalty. Default 10 (WGAN-GP's λ; the WPC paper's value was not retrieved). */
  readonly penaltyWeight?: number;
}

function pairInputs(x: TensorLike, y: TensorLike): [Tensor, Tensor] {
  const X = checkedTensor(x, 'x', 2, 'the x samples');
  const Y = checkedTensor(y, 'y', 2, 'the y samples');
  if (Y.shape[0] !== X.shape[0]) throw new LosskitError('SHAPE_MISMATCH', 'x and y must have one row per sample pair', { argument: 'y', expected: `[${X.shape[0]}, D_y]`, received: formatShape(Y.shape) });
  return [X, Y];
}

function scores(critic: Critic, x: Tensor, y: Tensor): Tensor {
  const s = critic(x, y);
  if (!(s instanceof tf.Tensor) || s.size !== x.shape[0] || s.rank > 2) {
    throw new LosskitError('SHAPE_MISMATCH', 'the critic must return one score per row', { argument: 'critic', expected: `a tensor of shape [${x.shape[0]}] or [${x.shape[0]}, 1]`, received: s instanceof tf.Tensor ? formatShape(s.shape) : typeof s });
  }
  return tf.reshape(s, [-1]);
}

function checkCritic(critic: unknown): Critic {
  if (typeof critic !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'critic must be a function', { argument: 'critic', expected: '(x [n, Dx], y [n, Dy]) => scores [n]', received: typeof critic });
  return critic as Critic;
}

/** `mean_i (‖∇_{(x_i, y_i)} f‖₂ − K)²` on checked tensors (inside the caller's tidy). */
function penalty(critic: Critic, X: Tensor, Y: Tensor, k: number): Tensor {
  const [gx, gy] = tf.grads((a: Tensor, b: Tensor) => tf.sum(scores(critic, a, b)))([X, Y]) as [Tensor, Tensor];
  const sq = tf.add(tf.sum(tf.square(gx), -1), tf.sum(tf.square(gy), -1));
  const norm = tf.sqrt(tf.maximum(sq, 1e-12));
  return tf.mean(tf.square(tf.sub(norm, k)));
}

/**
 * The gradient penalty that keeps a critic K-Lipschitz (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"),
 * the Lipschitz constraint of WPC in "Wasserstein Dependency Measure for Representation Learning" (Ozair, Lynch, Bengio,
 * van den Oord, Levine, Sermanet, NeurIPS 2019): `GP = mean_i (‖∇_{(x,y)} f(x_i, y_i)‖₂ − K)²`, the gradient taken with
 * respect to both inputs of row i (the critic must score rows independently: row i's score reads only row i).
 * The norm is floored at 1e-6 (`√max(‖∇‖², 1e-12)`). Differentiable in the critic's variables (a second-order
 * gradient: train it under `tf.variableGrads`). Evaluate it where the paper's critic must be Lipschitz: the caller
 * chooses the rows (the sample pairs, or WGAN-GP's random interpolates).
 * Inputs `x` `[n, Dx]`, `y` `[n, Dy]` (finite) → scalar. Every intermediate is freed, also when the critic throws.
 * @example
 * const critic = (x, y) => tf.sum(tf.mul(g(x), h(y)), -1);
 * const { value, grads } = tf.variableGrads(() => criticGradientPenalty(critic, x, y));
 */
export function criticGradientPenalty(critic: Critic, x: TensorLike, y: TensorLike, options: CriticPenaltyOptions = {}): Scalar {
  const f = checkCritic(critic);
  options = optionsOf(options);
  const k = params.positive('lipschitz', options.lipschitz ?? 1);
  return cleanTapeOnError(() =>
    tf.tidy(() => {
      const [X, Y] = pairInputs(x, y);
      return penalty(f, X, Y, k) as Scalar;
    }),
  );
}

/**
 * WPC, Wasserstein predictive coding ("Wasserstein Dependency Measure for Representation Learning", Ozair et al. 2019):
 * the InfoNCE / CPC objective on a Lipschitz critic, with the constraint as a gradient penalty. With `s_ij = f(x_i, y_j)`
 * over all B² pairs of the batch (positives on the diagonal),
 * `L = (1/B) Σ_i [ log Σ_j e^{s_ij} − s_ii ] + λ · mean_i (‖∇_{(x,y)} f(x_i, y_i)‖₂ − K)²`,
 * the penalty at the positive pairs ({@link criticGradientPenalty}; call that function yourself for other points).
 * The log-sum-exp is formed as `(m − s_ii) + l` (exact for any finite scores). Defaults λ = 10, K = 1.
 * Inputs `x` `[B, Dx]`, `y` `[B, Dy]` (B ≥ 1), the critic scores row pairs → scalar; the critic is called on
 * `[B², ·]` rows (tile the batch accordingly in memory). Every intermediate is freed, also when the critic throws.
 * @example
 * const critic = (x, y) => tf.sum(tf.mul(tf.matMul(x, Wx), tf.matMul(y, Wy)), -1);
 * const { value, grads } = tf.variableGrads(() => wpcLoss(critic, encoder(frames), encoder(nextFrames)));
 */
export function wpcLoss(critic: Critic, x: TensorLike, y: TensorLike, options: WpcOptions = {}): Scalar {
  const f = checkCritic(critic);
  options = optionsOf(options);
  const k = params.positive('lipschitz', options.lipschitz ?? 1);
  const lambda = params.nonNegative('penaltyWeight', options.penaltyWeight ?? 10);
  return cleanTapeOnError(() =>
    tf.tidy(() => {
      const [X, Y] = pairInputs(x, y);
      const b = X.shape[0]!;
      const xr = tf.reshape(tf.tile(tf.expandDims(X, 1), [1, b, 1]), [b * b, X.shape[1]!]); // row i·B + j = x_i
      const yr = tf.tile(Y, [b, 1]); // row i·B + j = y_j
      const s = tf.reshape(scores(f, xr, yr), [b, b]);
      const { max, rel } = logSumExpParts(s);
      const diag = tf.sum(tf.mul(s, tf.eye(b)), -1);
      const nce = tf.mean(tf.add(tf.sub(max, diag), rel));
      return (lambda === 0 ? nce : tf.add(nce, tf.mul(lambda, penalty(f, X, Y, k)))) as Scalar;
    }),
  );
}
