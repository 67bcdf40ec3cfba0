import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, zerosLikeParams } from './types.js';
import type { AdamState } from './adam.js';
import { chain } from './chain.js';
import { decayedWeights } from './decay.js';
import type { MaskSpec } from './masked.js';
import { scaleByLearningRate } from './scale.js';

/** Options of {@link scaleByAdamax}. */
export interface ScaleByAdamaxOptions {
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
}

/**
 * AdaMax scaling (optax `scale_by_adamax`): `m ← β1·m + (1−β1)·g`, `u_∞ ← max(β2·u_∞, |g| + ε)`,
 * `u = (m/(1−β1^t))/u_∞`. Defaults β1 0.9, β2 0.999, ε 1e-8.
 * Paper: "Adam: A Method for Stochastic Optimization", Kingma & Ba, 2015, Section 7.1.
 * @example chain(scaleByAdamax(), scaleByLearningRate(2e-3))
 */
export function scaleByAdamax(options: ScaleByAdamaxOptions = {}): GradientTransformation<AdamState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.999);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { count: 0, mu: zerosLikeParams(ps), nu: zerosLikeParams(ps) };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.mu, 'grads', 'the optimizer state');
      const k = state.count + 1;
      return tidy(() => {
        const mu: Record<string, Tensor> = {};
        const nu: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, n) => {
          mu[n] = tf.add(tf.mul(state.mu[n]!, b1), tf.mul(gk, 1 - b1));
          nu[n] = tf.maximum(tf.mul(state.nu[n]!, b2), tf.add(tf.abs(gk), eps));
          return tf.div(tf.div(mu[n]!, 1 - b1 ** k), nu[n]!);
        });
        return { updates, state: { count: k, mu, nu } };
      });
    },
  };
}

/** Options of {@link adamax}. */
export interface AdamaxOptions extends ScaleByAdamaxOptions {
  /** Default 2e-3 (the paper's). */
  readonly learningRate?: ScalarOrSchedule;
}

/**
 * AdaMax (optax `adamax`): `θ ← θ − α·m̂/u_∞`. Defaults α 2e-3, β (0.9, 0.999), ε 1e-8.
 * Paper: "Adam: A Method for Stochastic Optimization", Kingma & Ba, 2015, Algorithm 2.
 * @example adamax({ learningRate: 2e-3 })
 */
export function adamax(options: AdamaxOptions = {}): GradientTransformation<unknown[]> {
  return chain(scaleByAdamax(options), scaleByLearningRate(options.learningRate ?? 2e-3));
}

/**
 * AdaMaxW (optax `adamaxw`): AdaMax with decoupled weight decay, `θ ← θ − α·(m̂/u_∞ + λθ)`. Defaults as
 * {@link adamax}, λ 1e-4. Papers: Kingma & Ba, 2015; Loshchilov & Hutter, 2019.
 * @example adamaxw({ learningRate: 2e-3, weightDecay: 1e-2 })
 */
export function adamaxw(options: AdamaxOptions & { readonly weightDecay?: ScalarOrSchedule; readonly mask?: MaskSpec } = {}): GradientTransformation<unknown[]> {
  return chain(scaleByAdamax(options), decayedWeights(options.weightDecay ?? 1e-4, options.mask), scaleByLearningRate(options.learningRate ?? 2e-3));
}
