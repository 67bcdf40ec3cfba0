import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, zerosLikeParams } from './types.js';
import type { AdamState } from './adam.js';
import { chain } from './chain.js';
import { scaleByLearningRate } from './scale.js';

/** Options of {@link scaleByRadam}. */
export interface ScaleByRadamOptions {
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
  readonly epsRoot?: number;
  /** Minimum ρ_t for the adaptive step. Default 5. */
  readonly threshold?: number;
  readonly nesterov?: boolean;
}

/**
 * Rectified Adam scaling (optax `scale_by_radam`): with `ρ_∞ = 2/(1−β2) − 1` and `ρ_t = ρ_∞ − 2tβ2^t/(1−β2^t)`,
 * `u = r_t·m̂/(√(v̂ + ε_root) + ε)` when `ρ_t ≥ threshold`, else `u = m̂` (momentum SGD), where
 * `r_t = √((ρ_t−4)(ρ_t−2)ρ_∞ / ((ρ_∞−4)(ρ_∞−2)ρ_t))`. Defaults β (0.9, 0.999), ε 1e-8, threshold 5.
 * Paper: "On the Variance of the Adaptive Learning Rate and Beyond", Liu et al., 2020.
 * @example chain(scaleByRadam(), scaleByLearningRate(1e-3))
 */
export function scaleByRadam(options: ScaleByRadamOptions = {}): GradientTransformation<AdamState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.openUnitInterval('b2', options.b2 ?? 0.999);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const epsRoot = p.nonNegative('epsRoot', options.epsRoot ?? 0);
  const threshold = p.finite('threshold', options.threshold ?? 5);
  const nesterov = p.boolean('nesterov', options.nesterov ?? false);
  const roInf = 2 / (1 - b2) - 1;
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { count: 0, mu: zerosLikeParams(ps), nu: zerosLikeParams(ps) };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.mu, 'grads', 'the optimizer state');
      const k = state.count + 1;
      const b2t = b2 ** k;
      const ro = roInf - (2 * k * b2t) / (1 - b2t);
      const rect = ro >= threshold;
      const r = rect ? Math.sqrt(((ro - 4) * (ro - 2) * roInf) / ((roInf - 4) * (roInf - 2) * ro)) : 0;
      return tidy(() => {
        const mu: Record<string, Tensor> = {};
        const nu: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, n) => {
          const m = tf.add(tf.mul(state.mu[n]!, b1), tf.mul(gk, 1 - b1));
          mu[n] = m;
          nu[n] = tf.add(tf.mul(state.nu[n]!, b2), tf.mul(tf.square(gk), 1 - b2));
          const mh = nesterov ? tf.add(tf.mul(m, b1 / (1 - b1 ** (k + 1))), tf.mul(gk, (1 - b1) / (1 - b1 ** k))) : tf.div(m, 1 - b1 ** k);
          if (!rect) return mh;
          return tf.mul(tf.div(mh, tf.add(tf.sqrt(tf.add(tf.div(nu[n]!, 1 - b2t), epsRoot)), eps)), r);
        });
        return { updates, state: { count: k, mu, nu } };
      });
    },
  };
}

/**
 * RAdam (optax `radam`): `chain(scaleByRadam(o), scaleByLearningRate(α))`. Defaults α 1e-3, β (0.9, 0.999), ε 1e-8, threshold 5.
 * Paper: "On the Variance of the Adaptive Learning Rate and Beyond", Liu, Jiang, He, Chen, Liu, Gao & Han, 2020.
 * @example radam({ learningRate: 1e-3 })
 */
export function radam(options: ScaleByRadamOptions & { readonly learningRate?: ScalarOrSchedule } = {}): GradientTransformation<unknown[]> {
  return chain(scaleByRadam(options), scaleByLearningRate(options.learningRate ?? 1e-3));
}
