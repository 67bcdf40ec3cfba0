import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, zerosLikeParams } from './types.js';
import type { AdamState } from './adam.js';
import { chain } from './chain.js';
import { decayedWeights } from './decay.js';
import type { MaskSpec } from './masked.js';
import { scaleByLearningRate } from './scale.js';

/**
 * ACProp scaling (optax.contrib `scale_by_acprop`): AdaBelief's centred second moment used *asynchronously* (the
 * previous one) and no first moment in the step: `u = g/(√(s_{t−1}/(1−β2^{t−1})) + ε)` (`u = g/(1 + ε)` at the first
 * step), then `m ← β1m + (1−β1)g`, `s ← β2s + (1−β2)(g − m_{t−1})² + ε_root`. Defaults β (0.9, 0.999), ε 1e-16, ε_root 1e-16.
 * Paper: "Momentum Centering and Asynchronous Update for Adaptive Gradient Methods", Zhuang et al., 2021.
 * @example chain(scaleByAcprop(), scaleByLearningRate(1e-3))
 */
export function scaleByAcprop(options: { readonly b1?: number; readonly b2?: number; readonly eps?: number; readonly epsRoot?: number } = {}): GradientTransformation<AdamState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.999);
  const eps = p.nonNegative('eps', options.eps ?? 1e-16);
  const epsRoot = p.nonNegative('epsRoot', options.epsRoot ?? 1e-16);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { count: 0, mu: zerosLikeParams(ps), nu: zerosLikeParams(ps) };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.mu, 'grads', 'the optimizer state');
      const first = state.count === 0;
      return tidy(() => {
        const mu: Record<string, Tensor> = {};
        const nu: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, n) => {
          mu[n] = tf.add(tf.mul(state.mu[n]!, b1), tf.mul(gk, 1 - b1));
          nu[n] = tf.add(tf.add(tf.mul(state.nu[n]!, b2), tf.mul(tf.square(tf.sub(gk, state.mu[n]!)), 1 - b2)), epsRoot);
          if (first) return tf.div(gk, 1 + eps);
          return tf.div(gk, tf.add(tf.sqrt(tf.div(state.nu[n]!, 1 - b2 ** state.count)), eps));
        });
        return { updates, state: { count: state.count + 1, mu, nu } };
      });
    },
  };
}

/**
 * ACProp (optax.contrib `acprop`): `chain(scaleByAcprop(o), addDecayedWeights(λ), scaleByLearningRate(η))`.
 * Defaults η 1e-3, β (0.9, 0.999), ε 1e-16, λ 0.
 * Paper: "Momentum Centering and Asynchronous Update for Adaptive Gradient Methods", Zhuang, Ding, Tang, Tatikonda, Dvornek, Papademetris & Duncan, 2021.
 * @example acprop({ learningRate: 1e-3 })
 */
export function acprop(options: { readonly learningRate?: ScalarOrSchedule; readonly b1?: number; readonly b2?: number; readonly eps?: number; readonly epsRoot?: number; readonly weightDecay?: ScalarOrSchedule; readonly mask?: MaskSpec } = {}): GradientTransformation<unknown[]> {
  return chain(scaleByAcprop(options), decayedWeights(options.weightDecay ?? 0, options.mask), scaleByLearningRate(options.learningRate ?? 1e-3));
}
