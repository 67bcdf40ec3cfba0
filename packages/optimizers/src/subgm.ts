import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation } from './types.js';
import { optionsOf } from './types.js';
import { chain } from './chain.js';
import { scaleByLearningRate } from './scale.js';
import { exponential } from './schedules.js';

/**
 * The ℓ1 matrix-sensing loss of robust low-rank matrix recovery with a factored (Burer–Monteiro) variable:
 * `f(U) = (1/m)·Σ_i |y_i − ⟨A_i, UUᵀ⟩|` for measurement matrices `A` `[m, d, d]`, measurements `y` `[m]` and a factor
 * `U` `[d, r']` (r' may over-estimate the rank). Differentiable by tfjs, whose subgradient of |·| at 0 is 0, so
 * `tf.grad` gives the sub-gradient `−(1/m)Σ sign(r_i)(A_i + A_iᵀ)U` the paper's SubGM uses. Returns a scalar tensor.
 * Paper: "Global Convergence of Sub-gradient Method for Robust Matrix Recovery: Small Initialization, Noisy
 * Measurements, and Over-parameterization", Ma & Fattahi, JMLR 2023 (arXiv 2202.08788).
 * @example tf.grad((u) => l1MatrixSensingLoss(u, A, y))(U)
 */
export function l1MatrixSensingLoss(U: Tensor, A: Tensor, y: Tensor): Scalar {
  const bad = (argument: string, expected: string, t: unknown) =>
    new LosskitError('SHAPE_MISMATCH', 'bad matrix-sensing input', { argument, expected, received: t instanceof tf.Tensor ? `shape [${t.shape.join(', ')}]` : typeof t });
  if (!(U instanceof tf.Tensor) || U.rank !== 2) throw bad('U', 'a factor [d, r]', U);
  const d = U.shape[0]!;
  if (!(A instanceof tf.Tensor) || A.rank !== 3 || A.shape[1] !== d || A.shape[2] !== d) throw bad('A', `measurement matrices [m, ${d}, ${d}]`, A);
  const m = A.shape[0]!;
  if (!(y instanceof tf.Tensor) || y.rank !== 1 || y.shape[0] !== m) throw bad('y', `measurements [${m}]`, y);
  if (m === 0) throw new LosskitError('EMPTY_BATCH', 'no measurements', { argument: 'A', expected: 'm >= 1 measurement matrices', received: '[0, d, d]' });
  return tf.tidy(() => {
    const X = tf.matMul(U, U, false, true); // [d, d]
    const pred = tf.sum(tf.mul(A, tf.expandDims(X, 0)), [1, 2]); // ⟨A_i, X⟩
    return tf.mean(tf.abs(tf.sub(y, pred))) as Scalar;
  });
}

/**
 * The small random initialisation of SubGM: `U₀ = α·B` with B `[d, r]` of i.i.d. N(0, 1/d) entries (so `‖B‖` is O(1)),
 * seeded. Small α is what makes SubGM agnostic to over-parameterisation (r > rank) in the paper.
 * @example const U = smallInit([20, 5], 1e-3, 1);
 */
export function smallInit(shape: readonly [number, number], alpha: number, seed?: number): Tensor {
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new LosskitError('INVALID_ARGUMENT', 'shape must be [d, r]', { argument: 'shape', expected: 'two integers >= 1', received: JSON.stringify(shape) ?? String(shape) });
  }
  p.positive('alpha', alpha);
  if (seed !== undefined) p.finite('seed', seed);
  return tf.randomNormal([shape[0], shape[1]], 0, alpha / Math.sqrt(shape[0]), 'float32', seed);
}

/** Options of {@link subgm}. */
export interface SubgmOptions {
  /** Initial step η₀. Default 0.1. */
  readonly learningRate?: number;
  /** Geometric decay ρ of the step, `η_t = η₀·ρ^t`. Default 0.99. */
  readonly decay?: number;
}

/**
 * SubGM, the sub-gradient method with geometrically decaying steps: `U ← U − η₀ρ^t·D_t`, `D_t ∈ ∂f(U_t)`, as in the
 * paper's analysis of robust matrix recovery (combine with {@link l1MatrixSensingLoss} and {@link smallInit}).
 * Defaults η₀ 0.1, ρ 0.99 (the paper gives ranges, not defaults).
 * Paper: "Global Convergence of Sub-gradient Method for Robust Matrix Recovery: Small Initialization, Noisy
 * Measurements, and Over-parameterization", Ma & Fattahi, JMLR 2023 (arXiv 2202.08788).
 * @example const opt = subgm({ learningRate: 0.1, decay: 0.99 });
 */
export function subgm(options: SubgmOptions = {}): GradientTransformation<unknown[]> {
  options = optionsOf(options);
  const eta0 = p.positive('learningRate', options.learningRate ?? 0.1);
  const rho = checkDecay(options.decay ?? 0.99);
  return chain(scaleByLearningRate(exponential({ init: eta0, transitionSteps: 1, decayRate: rho })));
}

function checkDecay(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !(v > 0 && v <= 1)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'decay', expected: 'a number in (0, 1]', received: String(v) });
  return v;
}
