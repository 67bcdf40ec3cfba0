import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, zerosLikeParams } from './types.js';
import type { AdamState } from './adam.js';
import { chain } from './chain.js';
import { scaleByLearningRate } from './scale.js';

/** Options of {@link scaleByAdopt}. */
export interface ScaleByAdoptOptions {
  readonly b1?: number;
  /** Default 0.9999. */
  readonly b2?: number;
  /** Default 1e-6. */
  readonly eps?: number;
  readonly nesterov?: boolean;
  /** Clip the normalised gradient to ±c(t) (default c(t) = t^¼, as optax). Default true. */
  readonly useClipping?: boolean;
  readonly clipValue?: (step: number) => number;
}

/**
 * ADOPT scaling (optax.contrib `scale_by_adopt`): the gradient is normalised by the *previous* second moment,
 * `ĝ = clip(g/max(√v_{t−1}, ε), ±c(t−1))`, `m ← β1m + (1−β1)ĝ`, `v ← β2v + (1−β2)g²`, `u = m` (Nesterov:
 * `β1m + (1−β1)ĝ`). At the first call β1 = 1 and β2 = 0 (so v = g², m = 0 and the update is 0), as optax.
 * Defaults β (0.9, 0.9999), ε 1e-6, clipping t^¼.
 * Paper: "ADOPT: Modified Adam Can Converge with Any β2 with the Optimal Rate", Taniguchi et al., 2024.
 * @example chain(scaleByAdopt(), scaleByLearningRate(1e-3))
 */
export function scaleByAdopt(options: ScaleByAdoptOptions = {}): GradientTransformation<AdamState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.9999);
  const eps = p.positive('eps', options.eps ?? 1e-6);
  const nesterov = p.boolean('nesterov', options.nesterov ?? false);
  const clipping = p.boolean('useClipping', options.useClipping ?? true);
  const clipValue = options.clipValue ?? ((t: number) => t ** 0.25);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { count: 0, mu: zerosLikeParams(ps), nu: zerosLikeParams(ps) };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.mu, 'grads', 'the optimizer state');
      const first = state.count === 0;
      const bb1 = first ? 1 : b1;
      const bb2 = first ? 0 : b2;
      const c = clipValue(state.count);
      return tidy(() => {
        const mu: Record<string, Tensor> = {};
        const nu: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          nu[k] = tf.add(tf.mul(state.nu[k]!, bb2), tf.mul(tf.square(gk), 1 - bb2));
          let mg = tf.div(gk, tf.maximum(tf.sqrt(state.nu[k]!), eps));
          if (clipping) mg = tf.clipByValue(mg, -c, c);
          mu[k] = tf.add(tf.mul(state.mu[k]!, bb1), tf.mul(mg, 1 - bb1));
          return nesterov ? tf.add(tf.mul(mu[k]!, bb1), tf.mul(mg, 1 - bb1)) : tf.clone(mu[k]!);
        });
        return { updates, state: { count: state.count + 1, mu, nu } };
      });
    },
  };
}

/**
 * ADOPT (optax.contrib `adopt`): `chain(scaleByAdopt(o), scaleByLearningRate(α))`. Defaults α 1e-3, β (0.9, 0.9999), ε 1e-6.
 * At the first step optax's update is 0 (β1 = 1 there), as in the paper's Algorithm 1 (which only initialises v₀).
 * Paper: "ADOPT: Modified Adam Can Converge with Any β2 with the Optimal Rate", Taniguchi, Harada, Minegishi, Oshima, Jeong, Nagahara, Iiyama, Suzuki, Iwasawa & Matsuo, 2024.
 * @example adopt({ learningRate: 1e-3 })
 */
export function adopt(options: ScaleByAdoptOptions & { readonly learningRate?: ScalarOrSchedule } = {}): GradientTransformation<unknown[]> {
  return chain(scaleByAdopt(options), scaleByLearningRate(options.learningRate ?? 1e-3));
}
