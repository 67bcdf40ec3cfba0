import * as tf from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation } from './types.js';
import { checkParams, globalSquaredNorm, mapParams, tidy } from './types.js';
import type { EmptyState } from './scale.js';

/**
 * Clips every update coordinate to `[−maxDelta, maxDelta]` (optax `clip`).
 * @example chain(clip(1), sgd())
 */
export function clip(maxDelta: number): GradientTransformation<EmptyState> {
  p.nonNegative('maxDelta', maxDelta);
  return {
    init: (params) => {
      checkParams(params, 'params');
      return {};
    },
    update: (grads) => ({ updates: tidy(() => mapParams(checkParams(grads, 'grads'), (g) => tf.clipByValue(g, -maxDelta, maxDelta))), state: {} }),
  };
}

/**
 * Rescales all updates together so their global L2 norm is at most `maxNorm`:
 * `u = g·min(1, maxNorm/‖g‖)` with `‖g‖² = Σ_k ‖g_k‖²` over every tensor (optax `clip_by_global_norm`).
 * Paper: "On the difficulty of training recurrent neural networks", Pascanu, Mikolov & Bengio, 2013.
 * @example chain(clipByGlobalNorm(1), adam())
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  p.positive('maxNorm', maxNorm);
  return {
    init: (params) => {
      checkParams(params, 'params');
      return {};
    },
    update(grads) {
      const g = checkParams(grads, 'grads');
      return {
        updates: tidy(() => {
          const norm = tf.sqrt(globalSquaredNorm(g));
          const factor = tf.div(maxNorm, tf.maximum(norm, maxNorm));
          return mapParams(g, (t) => tf.mul(t, factor));
        }),
        state: {},
      };
    },
  };
}
