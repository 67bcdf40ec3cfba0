import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, zerosLikeParams } from './types.js';
import { chain } from './chain.js';
import { scaleByLearningRate } from './scale.js';

/** State of {@link scaleByAmsgrad}. */
export interface AmsgradState {
  readonly count: number;
  readonly mu: Params;
  readonly nu: Params;
  /** Running maximum of the (bias-corrected) second moment. */
  readonly nuMax: Params;
}

/** Options of {@link scaleByAmsgrad}. */
export interface ScaleByAmsgradOptions {
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
  readonly epsRoot?: number;
}

/**
 * AMSGrad scaling (optax `scale_by_amsgrad`): Adam's moments, `v̂_max ← max(v̂_max, v/(1−β2^t))`,
 * `u = (m/(1−β1^t))/(√(v̂_max + ε_root) + ε)`. Defaults β1 0.9, β2 0.999, ε 1e-8, ε_root 0.
 * Paper: "On the Convergence of Adam and Beyond", Reddi, Kale & Kumar, 2018.
 * @example chain(scaleByAmsgrad(), scaleByLearningRate(1e-3))
 */
export function scaleByAmsgrad(options: ScaleByAmsgradOptions = {}): GradientTransformation<AmsgradState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.999);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const epsRoot = p.nonNegative('epsRoot', options.epsRoot ?? 0);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { count: 0, mu: zerosLikeParams(ps), nu: zerosLikeParams(ps), nuMax: zerosLikeParams(ps) };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.mu, 'grads', 'the optimizer state');
      const k = state.count + 1;
      return tidy(() => {
        const mu: Record<string, Tensor> = {};
        const nu: Record<string, Tensor> = {};
        const nuMax: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, n) => {
          mu[n] = tf.add(tf.mul(state.mu[n]!, b1), tf.mul(gk, 1 - b1));
          nu[n] = tf.add(tf.mul(state.nu[n]!, b2), tf.mul(tf.square(gk), 1 - b2));
          nuMax[n] = tf.maximum(state.nuMax[n]!, tf.div(nu[n]!, 1 - b2 ** k));
          return tf.div(tf.div(mu[n]!, 1 - b1 ** k), tf.add(tf.sqrt(tf.add(nuMax[n]!, epsRoot)), eps));
        });
        return { updates, state: { count: k, mu, nu, nuMax } };
      });
    },
  };
}

/**
 * AMSGrad (optax `amsgrad`): `chain(scaleByAmsgrad(o), scaleByLearningRate(α))`. Defaults α 1e-3, β (0.9, 0.999), ε 1e-8.
 * Paper: "On the Convergence of Adam and Beyond", Reddi, Kale & Kumar, 2018.
 * @example amsgrad({ learningRate: 1e-3 })
 */
export function amsgrad(options: ScaleByAmsgradOptions & { readonly learningRate?: ScalarOrSchedule } = {}): GradientTransformation<unknown[]> {
  return chain(scaleByAmsgrad(options), scaleByLearningRate(options.learningRate ?? 1e-3));
}
