import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, valueAt, zerosLikeParams } from './types.js';
import { chain } from './chain.js';
import { decayedWeights } from './decay.js';
import type { MaskSpec } from './masked.js';
import { scaleByLearningRate } from './scale.js';

/** State of {@link scaleByAdemamix}. */
export interface AdemamixState {
  readonly count: number;
  readonly countM2: number;
  /** Fast EMA of gradients. */
  readonly m1: Params;
  /** Slow EMA of gradients (not bias-corrected). */
  readonly m2: Params;
  readonly nu: Params;
}

/** Options of {@link scaleByAdemamix}. */
export interface ScaleByAdemamixOptions {
  readonly b1?: number;
  readonly b2?: number;
  /** Slow EMA decay β3 (number or schedule of the step, e.g. the paper's warmup). Default 0.9999. */
  readonly b3?: ScalarOrSchedule;
  /** Mixing α (number or schedule). Default 6 for the transform, 5 for the alias (as optax). */
  readonly alpha?: ScalarOrSchedule;
  readonly eps?: number;
  readonly epsRoot?: number;
}

/**
 * AdEMAMix scaling (optax.contrib `scale_by_ademamix`): a fast and a slow EMA of gradients,
 * `m1 ← β1m1 + (1−β1)g`, `m2 ← β3m2 + (1−β3)g`, `ν ← β2ν + (1−β2)g²`, `u = (m̂1 + α·m2)/(√(ν̂ + ε_root) + ε)`
 * (m̂1, ν̂ bias-corrected). Defaults β (0.9, 0.999, 0.9999), α 6, ε 1e-8.
 * Paper: "The AdEMAMix Optimizer: Better, Faster, Older", Pagliardini, Ablin & Grangier, 2024.
 * @example chain(scaleByAdemamix(), scaleByLearningRate(1e-3))
 */
export function scaleByAdemamix(options: ScaleByAdemamixOptions = {}): GradientTransformation<AdemamixState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.999);
  const b3 = options.b3 ?? 0.9999;
  const alpha = options.alpha ?? 6;
  if (typeof b3 === 'number') p.unitInterval('b3', b3);
  if (typeof alpha === 'number') p.nonNegative('alpha', alpha);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const epsRoot = p.nonNegative('epsRoot', options.epsRoot ?? 0);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { count: 0, countM2: 0, m1: zerosLikeParams(ps), m2: zerosLikeParams(ps), nu: zerosLikeParams(ps) };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.m1, 'grads', 'the optimizer state');
      const c3 = valueAt(b3, state.countM2, 'b3');
      const ca = valueAt(alpha, state.countM2, 'alpha');
      const k = state.count + 1;
      return tidy(() => {
        const m1: Record<string, Tensor> = {};
        const m2: Record<string, Tensor> = {};
        const nu: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, n) => {
          m1[n] = tf.add(tf.mul(state.m1[n]!, b1), tf.mul(gk, 1 - b1));
          m2[n] = tf.add(tf.mul(state.m2[n]!, c3), tf.mul(gk, 1 - c3));
          nu[n] = tf.add(tf.mul(state.nu[n]!, b2), tf.mul(tf.square(gk), 1 - b2));
          const num = tf.add(tf.div(m1[n]!, 1 - b1 ** k), tf.mul(m2[n]!, ca));
          return tf.div(num, tf.add(tf.sqrt(tf.add(tf.div(nu[n]!, 1 - b2 ** k), epsRoot)), eps));
        });
        return { updates, state: { count: k, countM2: state.countM2 + 1, m1, m2, nu } };
      });
    },
  };
}

/**
 * AdEMAMix (optax.contrib `ademamix`): `chain(scaleByAdemamix(o), addDecayedWeights(λ), scaleByLearningRate(η))`.
 * Defaults η 1e-3, β (0.9, 0.999, 0.9999), α 5, ε 1e-8, λ 0.
 * Paper: "The AdEMAMix Optimizer: Better, Faster, Older", Pagliardini, Ablin & Grangier, 2024.
 * @example ademamix({ learningRate: 1e-3, alpha: 5 })
 */
export function ademamix(options: ScaleByAdemamixOptions & { readonly learningRate?: ScalarOrSchedule; readonly weightDecay?: ScalarOrSchedule; readonly mask?: MaskSpec } = {}): GradientTransformation<unknown[]> {
  return chain(scaleByAdemamix({ ...options, alpha: options.alpha ?? 5 }), decayedWeights(options.weightDecay ?? 0, options.mask), scaleByLearningRate(options.learningRate ?? 1e-3));
}

/** State of {@link scaleBySimplifiedAdemamix}. */
export interface SimplifiedAdemamixState {
  readonly t: number;
  readonly m: Params;
  readonly n: Params;
}

/**
 * Simplified AdEMAMix scaling (optax.contrib `scale_by_simplified_ademamix`): an accumulated (not averaged) momentum
 * `m ← β1m + g`, `n ← β2n + (1−β2)g²`, `u = (m + α·g)/(√(n/(1−β2^t) + ε_root) + ε)`. Defaults β1 0.99, β2 0.95, α 0, ε 1e-8.
 * Paper: "Connections between Schedule-Free Optimizers, AdEMAMix, and Accelerated SGD Variants", Morwani, Vyas, Kakade & Kwun, 2025.
 * @example chain(scaleBySimplifiedAdemamix(), scaleByLearningRate(1e-3))
 */
export function scaleBySimplifiedAdemamix(options: { readonly b1?: number; readonly b2?: number; readonly alpha?: ScalarOrSchedule; readonly eps?: number; readonly epsRoot?: number } = {}): GradientTransformation<SimplifiedAdemamixState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.99);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.95);
  const alpha = options.alpha ?? 0;
  if (typeof alpha === 'number') p.nonNegative('alpha', alpha);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const epsRoot = p.nonNegative('epsRoot', options.epsRoot ?? 0);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { t: 0, m: zerosLikeParams(ps), n: zerosLikeParams(ps) };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.m, 'grads', 'the optimizer state');
      const ca = valueAt(alpha, state.t, 'alpha');
      const t = state.t + 1;
      return tidy(() => {
        const m: Record<string, Tensor> = {};
        const n: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          m[k] = tf.add(tf.mul(state.m[k]!, b1), gk);
          n[k] = tf.add(tf.mul(state.n[k]!, b2), tf.mul(tf.square(gk), 1 - b2));
          return tf.div(tf.add(m[k]!, tf.mul(gk, ca)), tf.add(tf.sqrt(tf.add(tf.div(n[k]!, 1 - b2 ** t), epsRoot)), eps));
        });
        return { updates, state: { t, m, n } };
      });
    },
  };
}

/**
 * Simplified AdEMAMix (optax.contrib `simplified_ademamix`): `chain(scaleBySimplifiedAdemamix(o), addDecayedWeights(λ), scaleByLearningRate(η))`.
 * Defaults η 1e-3, β1 0.99, β2 0.95, α 0, ε 1e-8, λ 0.
 * Paper: Morwani, Vyas, Kakade & Kwun, 2025.
 * @example simplifiedAdemamix({ learningRate: 1e-3 })
 */
export function simplifiedAdemamix(options: { readonly learningRate?: ScalarOrSchedule; readonly b1?: number; readonly b2?: number; readonly alpha?: ScalarOrSchedule; readonly eps?: number; readonly epsRoot?: number; readonly weightDecay?: ScalarOrSchedule; readonly mask?: MaskSpec } = {}): GradientTransformation<unknown[]> {
  return chain(scaleBySimplifiedAdemamix(options), decayedWeights(options.weightDecay ?? 0, options.mask), scaleByLearningRate(options.learningRate ?? 1e-3));
}
