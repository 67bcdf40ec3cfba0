import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, checkState, optionsOf } from './types.js';
import { chain } from './chain.js';
import { scaleByLearningRate } from './scale.js';

/** State of {@link scaleByRss}: the running sum of squared gradients. */
export interface RssState {
  readonly sumOfSquares: Params;
}

/** Options of {@link scaleByRss}. */
export interface ScaleByRssOptions {
  /** Initial accumulator value. Default 0.1 (optax). */
  readonly initialAccumulatorValue?: number;
  /** ε inside the root. Default 1e-7. */
  readonly eps?: number;
}

/**
 * Rescales by the root of the sum of squared gradients to date (optax `scale_by_rss`):
 * `s ← s + g²`, `u = g/√(s + ε)` (0 where s = 0).
 * Paper: "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization", Duchi, Hazan & Singer, 2011.
 * @example chain(scaleByRss(), scaleByLearningRate(0.1))
 */
export function scaleByRss(options: ScaleByRssOptions = {}): GradientTransformation<RssState> {
  options = optionsOf(options);
  const init = p.nonNegative('initialAccumulatorValue', options.initialAccumulatorValue ?? 0.1);
  const eps = p.nonNegative('eps', options.eps ?? 1e-7);
  return {
    init: (params) => ({ sumOfSquares: tidy(() => mapParams(checkParams(params, 'params'), (t) => tf.fill(t.shape, init))) }),
    update(grads, state) {
      checkState(state, { sumOfSquares: 'params' });
      const g = checkMatching(grads, state.sumOfSquares, 'grads', 'the optimizer state');
      return tidy(() => {
        const sumOfSquares: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          const s = tf.add(state.sumOfSquares[k]!, tf.square(gk));
          sumOfSquares[k] = s;
          return tf.where(tf.greater(s, 0), tf.div(gk, tf.sqrt(tf.add(s, eps))), tf.zerosLike(gk));
        });
        return { updates, state: { sumOfSquares } };
      });
    },
  };
}

/** Options of {@link adagrad}. */
export interface AdagradOptions extends ScaleByRssOptions {
  /** Default 1e-2. */
  readonly learningRate?: ScalarOrSchedule;
}

/**
 * Adagrad (optax `adagrad`): `s ← s + g²`, `θ ← θ − η·g/√(s + ε)`. Defaults η 1e-2, s₀ 0.1, ε 1e-7.
 * Paper: "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization", Duchi, Hazan & Singer, 2011.
 * @example adagrad({ learningRate: 0.1 })
 */
export function adagrad(options: AdagradOptions = {}): GradientTransformation<unknown[]> {
  options = optionsOf(options);
  return chain(scaleByRss(options), scaleByLearningRate(options.learningRate ?? 1e-2));
}
