import * as tf from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation } from './types.js';
import { checkMatching, checkParams, mapParams, needParams, tidy } from './types.js';
import type { EmptyState } from './scale.js';

/** Options of {@link scaleByTrustRatio}. */
export interface TrustRatioOptions {
  /** Floor of both norms (optax `safe_norm`). Default 0. */
  readonly minNorm?: number;
  /** Trust coefficient c. Default 1. */
  readonly trustCoefficient?: number;
  /** Added to the update norm. Default 0. */
  readonly eps?: number;
}

/**
 * Layer-wise trust ratio (optax `scale_by_trust_ratio`, as in LARS and LAMB), per tensor:
 * `u ← u · c·max(‖θ‖, m)/(max(‖u‖, m) + ε)`, and `u` unchanged when either norm is 0.
 * Paper: "Large Batch Training of Convolutional Networks", You, Gitman & Ginsburg, 2017.
 * @example chain(scaleByAdam(), scaleByTrustRatio(), scaleByLearningRate(1e-3)) // LAMB without weight decay
 */
export function scaleByTrustRatio(options: TrustRatioOptions = {}): GradientTransformation<EmptyState> {
  const minNorm = p.nonNegative('minNorm', options.minNorm ?? 0);
  const c = p.nonNegative('trustCoefficient', options.trustCoefficient ?? 1);
  const eps = p.nonNegative('eps', options.eps ?? 0);
  return {
    init: () => ({}),
    update(grads, state, params) {
      const g = checkParams(grads, 'grads');
      const w = checkMatching(needParams(params, 'scaleByTrustRatio'), g, 'params', 'grads');
      return {
        updates: tidy(() =>
          mapParams(g, (u, k) => {
            const pn = tf.maximum(tf.norm(w[k]!), minNorm);
            const un = tf.maximum(tf.norm(u), minNorm);
            const ratio = tf.div(tf.mul(pn, c), tf.add(un, eps));
            const zero = tf.logicalOr(tf.equal(pn, 0), tf.equal(un, 0));
            return tf.mul(u, tf.where(zero, tf.onesLike(ratio), ratio));
          }),
        ),
        state,
      };
    },
  };
}
