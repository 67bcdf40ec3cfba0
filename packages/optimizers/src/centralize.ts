import * as tf from '@tensorflow/tfjs-core';
import { LosskitError } from '@losskit/core';
import type { GradientTransformation } from './types.js';
import { checkParams, mapParams, tidy, optionsOf } from './types.js';
import type { EmptyState } from './scale.js';

/** Options of {@link centralize}. */
export interface CentralizeOptions {
  /**
   * The axis indexing output units, which is kept: the mean is taken over all other axes. `last` (default) fits
   * tfjs layouts (Dense kernel `[in, out]`, Conv2D `[kh, kw, in, out]`); `first` is optax's (PyTorch `[out, in]`).
   */
  readonly keepAxis?: 'last' | 'first';
}

/**
 * Gradient Centralization: for every tensor of rank > 1, subtract the mean over all axes but the output axis,
 * `u = g − mean_{axes ≠ out}(g)`; rank-0/1 tensors (biases) pass unchanged.
 * Paper: "Gradient Centralization: A New Optimization Technique for Deep Neural Networks", Yong et al., 2020.
 * @example chain(centralize(), sgd({ learningRate: 0.1, momentum: 0.9 }))
 */
export function centralize(options: CentralizeOptions = {}): GradientTransformation<EmptyState> {
  options = optionsOf(options);
  const keep = options.keepAxis ?? 'last';
  if (keep !== 'last' && keep !== 'first') throw new LosskitError('INVALID_PARAMETER', 'unknown keepAxis', { argument: 'keepAxis', expected: "'last' or 'first'", received: String(keep) });
  return {
    init: (params) => {
      checkParams(params, 'params');
      return {};
    },
    update: (grads) => ({
      updates: tidy(() =>
        mapParams(checkParams(grads, 'grads'), (g) => {
          if (g.rank <= 1) return tf.clone(g);
          const axes = keep === 'last' ? [...Array(g.rank - 1).keys()] : [...Array(g.rank - 1).keys()].map((i) => i + 1);
          return tf.sub(g, tf.mean(g, axes, true));
        }),
      ),
      state: {},
    }),
  };
}
