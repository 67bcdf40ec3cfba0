import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, mapParams, needParams, tidy, valueAt, zerosLikeParams } from './types.js';
import { chain } from './chain.js';
import { addDecayedWeights } from './decay.js';

/** State of {@link scaleByMadgrad}. */
export interface MadgradState {
  readonly count: number;
  /** Weighted sum of squared gradients. */
  readonly gradSumSq: Params;
  /** Weighted sum of gradients. */
  readonly s: Params;
  readonly x0: Params;
}

/**
 * MADGRAD (optax.contrib `scale_by_madgrad`), momentumized dual averaging: with `λ_k = (η + ε)√(k+1)`,
 * `ν ← ν + λ_k g²`, `s ← s + λ_k g`, `z = x₀ − s/(∛ν + ε)`, `θ_new = (1−c)z + cθ` (c = momentum), `u = θ_new − θ`.
 * Needs `params`. Defaults c 0.9, ε 1e-6.
 * Paper: "Adaptivity without Compromise: A Momentumized, Adaptive, Dual Averaged Gradient Method for Stochastic Optimization", Defazio & Jelassi, 2022.
 * @example scaleByMadgrad(1e-2)
 */
export function scaleByMadgrad(learningRate: ScalarOrSchedule, options: { readonly momentum?: number; readonly eps?: number } = {}): GradientTransformation<MadgradState> {
  const lr = checkScalarOrSchedule(learningRate, 'learningRate');
  const c = p.unitInterval('momentum', options.momentum ?? 0.9);
  const eps = p.nonNegative('eps', options.eps ?? 1e-6);
  return {
    learningRate: typeof lr === 'function' ? lr : () => lr,
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { count: 0, gradSumSq: zerosLikeParams(ps), s: zerosLikeParams(ps), x0: mapParams(ps, (t) => tf.clone(t)) };
    }),
    update(grads, state, params) {
      const g = checkMatching(grads, state.x0, 'grads', 'the optimizer state');
      const w = checkMatching(needParams(params, 'madgrad'), g, 'params', 'grads');
      const lamb = (valueAt(lr, state.count, 'learningRate') + eps) * Math.sqrt(state.count + 1);
      return tidy(() => {
        const gradSumSq = mapParams(g, (gk, k) => tf.add(state.gradSumSq[k]!, tf.mul(tf.square(gk), lamb)));
        const s = mapParams(g, (gk, k) => tf.add(state.s[k]!, tf.mul(gk, lamb)));
        const updates: Record<string, Tensor> = mapParams(w, (x, k) => {
          const sigma = tf.add(tf.pow(gradSumSq[k]!, 1 / 3), eps);
          const z = tf.sub(state.x0[k]!, tf.div(s[k]!, sigma));
          return tf.sub(tf.add(tf.mul(z, 1 - c), tf.mul(x, c)), x);
        });
        return { updates, state: { count: state.count + 1, gradSumSq, s, x0: mapParams(state.x0, (t) => tf.clone(t)) } };
      });
    },
  };
}

/**
 * MADGRAD (optax.contrib `madgrad`): `chain(addDecayedWeights(λ), scaleByMadgrad(η, { momentum, eps }))`.
 * Defaults η 1e-2, momentum 0.9, λ 0, ε 1e-6.
 * Paper: Defazio & Jelassi, 2022.
 * @example madgrad({ learningRate: 1e-2 })
 */
export function madgrad(options: { readonly learningRate?: ScalarOrSchedule; readonly momentum?: number; readonly weightDecay?: number; readonly eps?: number } = {}): GradientTransformation<unknown[]> {
  return chain(addDecayedWeights(options.weightDecay ?? 0), scaleByMadgrad(options.learningRate ?? 1e-2, options));
}
