import * as tf from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation } from './types.js';
import { checkMatching, checkParams, globalSquaredNorm, mapParams, needParams, tidy } from './types.js';
import type { EmptyState } from './scale.js';

/**
 * Normalises the updates by their global norm (optax `normalize_by_update_norm`): `u ← s·u/(‖u‖ + ε)`.
 * Defaults s 1, ε 1e-6.
 * @example chain(normalizeByUpdateNorm(), scaleByLearningRate(0.01))
 */
export function normalizeByUpdateNorm(options: { readonly scaleFactor?: number; readonly eps?: number } = {}): GradientTransformation<EmptyState> {
  const s = p.finite('scaleFactor', options.scaleFactor ?? 1);
  const eps = p.nonNegative('eps', options.eps ?? 1e-6);
  return {
    init: () => ({}),
    update: (grads) => {
      const g = checkParams(grads, 'grads');
      return { updates: tidy(() => {
        const n = tf.div(tf.add(tf.sqrt(globalSquaredNorm(g)), eps), s);
        return mapParams(g, (t) => tf.div(t, n));
      }), state: {} };
    },
  };
}

/**
 * Scales each tensor's update by its parameter's norm (optax `scale_by_param_block_norm`): `u ← u·max(‖θ‖, m)`
 * (m when ‖θ‖ <= m). Default m 1e-3.
 * @example chain(normalizeByUpdateNorm(), scaleByParamBlockNorm(), scaleByLearningRate(0.01))
 */
export function scaleByParamBlockNorm(minScale = 1e-3): GradientTransformation<EmptyState> {
  p.nonNegative('minScale', minScale);
  return {
    init: () => ({}),
    update(grads, state, params) {
      const g = checkParams(grads, 'grads');
      const w = checkMatching(needParams(params, 'scaleByParamBlockNorm'), g, 'params', 'grads');
      return { updates: tidy(() => mapParams(g, (u, k) => tf.mul(u, tf.maximum(tf.norm(w[k]!), minScale)))), state };
    },
  };
}
