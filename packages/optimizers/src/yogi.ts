import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p, signOf } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy } from './types.js';
import type { AdamState } from './adam.js';
import { chain } from './chain.js';
import { scaleByLearningRate } from './scale.js';

/** Options of {@link scaleByYogi}. */
export interface ScaleByYogiOptions {
  readonly b1?: number;
  readonly b2?: number;
  /** Default 1e-3. */
  readonly eps?: number;
  readonly epsRoot?: number;
  /** m₀ = v₀. Default 1e-6. */
  readonly initialAccumulatorValue?: number;
}

/**
 * Yogi scaling (optax `scale_by_yogi`): `m ← β1·m + (1−β1)·g`, `v ← v − (1−β2)·sign(v − g²)·g²` (additive, so v cannot
 * blow up the way Adam's can shrink), `u = (m/(1−β1^t))/(√(v/(1−β2^t) + ε_root) + ε)`. Defaults β (0.9, 0.999), ε 1e-3, m₀ = v₀ = 1e-6.
 * Paper: "Adaptive Methods for Nonconvex Optimization", Zaheer, Reddi, Sachan, Kale & Kumar, 2018.
 * @example chain(scaleByYogi(), scaleByLearningRate(1e-2))
 */
export function scaleByYogi(options: ScaleByYogiOptions = {}): GradientTransformation<AdamState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.999);
  const eps = p.nonNegative('eps', options.eps ?? 1e-3);
  const epsRoot = p.nonNegative('epsRoot', options.epsRoot ?? 0);
  const v0 = p.nonNegative('initialAccumulatorValue', options.initialAccumulatorValue ?? 1e-6);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { count: 0, mu: mapParams(ps, (t) => tf.fill(t.shape, v0)), nu: mapParams(ps, (t) => tf.fill(t.shape, v0)) };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.mu, 'grads', 'the optimizer state');
      const k = state.count + 1;
      return tidy(() => {
        const mu: Record<string, Tensor> = {};
        const nu: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, n) => {
          mu[n] = tf.add(tf.mul(state.mu[n]!, b1), tf.mul(gk, 1 - b1));
          const g2 = tf.square(gk);
          nu[n] = tf.sub(state.nu[n]!, tf.mul(tf.mul(signOf(tf.sub(state.nu[n]!, g2)), g2), 1 - b2));
          return tf.div(tf.div(mu[n]!, 1 - b1 ** k), tf.add(tf.sqrt(tf.add(tf.div(nu[n]!, 1 - b2 ** k), epsRoot)), eps));
        });
        return { updates, state: { count: k, mu, nu } };
      });
    },
  };
}

/**
 * Yogi (optax `yogi`): `chain(scaleByYogi(o), scaleByLearningRate(α))`. Defaults α 1e-2 (the paper's), β (0.9, 0.999), ε 1e-3.
 * Paper: "Adaptive Methods for Nonconvex Optimization", Zaheer et al., 2018.
 * @example yogi({ learningRate: 1e-2 })
 */
export function yogi(options: Omit<ScaleByYogiOptions, 'epsRoot' | 'initialAccumulatorValue'> & { readonly learningRate?: ScalarOrSchedule } = {}): GradientTransformation<unknown[]> {
  return chain(scaleByYogi(options), scaleByLearningRate(options.learningRate ?? 1e-2));
}
