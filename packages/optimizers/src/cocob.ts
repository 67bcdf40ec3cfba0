import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, needParams, tidy, zerosLikeParams } from './types.js';
import { chain } from './chain.js';
import { decayedWeights } from './decay.js';
import type { MaskSpec } from './masked.js';
import { scale, scaleByLearningRate } from './scale.js';

/** State of {@link scaleByCocob} (optax.contrib `COCOBState`). */
export interface CocobState {
  readonly initParticles: Params;
  readonly cumulativeGradients: Params;
  readonly scale: Params;
  readonly subgradients: Params;
  readonly reward: Params;
}

/**
 * COCOB-Backprop scaling (optax.contrib `scale_by_cocob`), coin betting per coordinate: `L ← max(L, |g|)`,
 * `G ← G + |g|`, `R ← max(R − g(θ − θ₀), 0)`, `C ← C − g`, then `θ_new = θ₀ + C/(L·max(G + L, αL))·(L + R)` and
 * `u = θ_new − θ`. Needs `params`. Defaults α 100, L₀ = ε 1e-8.
 * Paper: "Training Deep Networks without Learning Rates Through Coin Betting", Orabona & Tommasi, 2017.
 * @example chain(scaleByCocob(), scale(1))
 */
export function scaleByCocob(alpha = 100, eps = 1e-8): GradientTransformation<CocobState> {
  p.positive('alpha', alpha);
  p.positive('eps', eps);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { initParticles: mapParams(ps, (t) => tf.clone(t)), cumulativeGradients: zerosLikeParams(ps), scale: mapParams(ps, (t) => tf.fill(t.shape, eps)), subgradients: zerosLikeParams(ps), reward: zerosLikeParams(ps) };
    }),
    update(grads, state, params) {
      const g = checkMatching(grads, state.initParticles, 'grads', 'the optimizer state');
      const w = checkMatching(needParams(params, 'scaleByCocob'), g, 'params', 'grads');
      return tidy(() => {
        const L = mapParams(g, (c, k) => tf.maximum(state.scale[k]!, tf.abs(c)));
        const G = mapParams(g, (c, k) => tf.add(state.subgradients[k]!, tf.abs(c)));
        const R = mapParams(g, (c, k) => tf.maximum(tf.sub(state.reward[k]!, tf.mul(c, tf.sub(w[k]!, state.initParticles[k]!))), 0));
        const C = mapParams(g, (c, k) => tf.sub(state.cumulativeGradients[k]!, c));
        const updates: Record<string, Tensor> = mapParams(w, (x, k) => {
          const l = L[k]!;
          const bet = tf.div(C[k]!, tf.mul(l, tf.maximum(tf.add(G[k]!, l), tf.mul(l, alpha))));
          return tf.sub(tf.add(state.initParticles[k]!, tf.mul(bet, tf.add(l, R[k]!))), x);
        });
        return { updates, state: { initParticles: mapParams(state.initParticles, (t) => tf.clone(t)), cumulativeGradients: C, scale: L, subgradients: G, reward: R } };
      });
    },
  };
}

/**
 * COCOB (optax.contrib `cocob`): `chain(addDecayedWeights(λ), ×η, scaleByCocob(α, ε))` — learning-rate free (η = 1).
 * Defaults η 1, α 100, ε 1e-8, λ 0.
 * Paper: "Training Deep Networks without Learning Rates Through Coin Betting", Orabona & Tommasi, 2017.
 * @example cocob()
 */
export function cocob(options: { readonly learningRate?: ScalarOrSchedule; readonly alpha?: number; readonly eps?: number; readonly weightDecay?: ScalarOrSchedule; readonly mask?: MaskSpec } = {}): GradientTransformation<unknown[]> {
  // optax: scale_by_learning_rate(lr, flip_sign=False) = ×η.
  return chain(decayedWeights(options.weightDecay ?? 0, options.mask), scaleByLearningRate(options.learningRate ?? 1), scale(-1), scaleByCocob(options.alpha ?? 100, options.eps ?? 1e-8));
}
