import * as tf from '@tensorflow/tfjs-core';
import type { GradientTransformation, Params } from './types.js';
import { checkParams, mapParams, tidy } from './types.js';

/** State of {@link zeroNans}: per parameter, a boolean scalar tensor, true when the last update had a NaN. */
export interface ZeroNansState {
  readonly foundNan: Params;
}

/**
 * Replaces NaN entries of the updates by 0 (optax `zero_nans`) and records, per parameter, whether the last update had
 * one (no device read-back). ±Inf pass through: combine with {@link clipByGlobalNorm} or {@link applyIfFinite}.
 * @example chain(zeroNans(), adam())
 */
export function zeroNans(): GradientTransformation<ZeroNansState> {
  return {
    init: (params) => ({ foundNan: tidy(() => mapParams(checkParams(params, 'params'), () => tf.scalar(false, 'bool'))) }),
    update(grads) {
      const g = checkParams(grads, 'grads');
      return tidy(() => ({
        updates: mapParams(g, (t) => tf.where(tf.isNaN(t), tf.zerosLike(t), t)),
        state: { foundNan: mapParams(g, (t) => tf.any(tf.isNaN(t))) },
      }));
    },
  };
}
