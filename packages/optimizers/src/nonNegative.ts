import * as tf from '@tensorflow/tfjs-core';
import type { GradientTransformation } from './types.js';
import { checkMatching, checkParams, mapParams, needParams, tidy } from './types.js';
import type { EmptyState } from './scale.js';

/**
 * Keeps the parameters non-negative (optax `keep_params_nonnegative`): `u ← −θ` where `θ + u < 0`, else `u`. Put it last.
 * @example chain(sgd({ learningRate: 0.1 }), keepParamsNonnegative())
 */
export function keepParamsNonnegative(): GradientTransformation<EmptyState> {
  return {
    init: () => ({}),
    update(grads, state, params) {
      const g = checkParams(grads, 'grads');
      const w = checkMatching(needParams(params, 'keepParamsNonnegative'), g, 'params', 'grads');
      return { updates: tidy(() => mapParams(g, (u, k) => tf.where(tf.less(tf.add(w[k]!, u), 0), tf.neg(w[k]!), u))), state };
    },
  };
}
