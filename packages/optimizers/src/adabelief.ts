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

/** Options of {@link scaleByBelief}. */
export interface ScaleByBeliefOptions {
  readonly b1?: number;
  readonly b2?: number;
  /** Default 1e-16. */
  readonly eps?: number;
  /** Added to s after every update. Default 1e-16. */
  readonly epsRoot?: number;
  readonly nesterov?: boolean;
}

/**
 * AdaBelief scaling (optax `scale_by_belief`): `m ← β1·m + (1−β1)·g`, `s ← β2·s + (1−β2)·(g − m)² + ε_root`,
 * `u = (m/(1−β1^t))/(√(s/(1−β2^t)) + ε)` (Nesterov as in {@link nadam}). Defaults β (0.9, 0.999), ε 1e-16, ε_root 1e-16.
 * Paper: "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients", Zhuang et al., 2020.
 * @example chain(scaleByBelief(), scaleByLearningRate(1e-3))
 */
export function scaleByBelief(options: ScaleByBeliefOptions = {}): GradientTransformation<AdamState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.999);
  const eps = p.nonNegative('eps', options.eps ?? 1e-16);
  const epsRoot = p.nonNegative('epsRoot', options.epsRoot ?? 1e-16);
  const nesterov = p.boolean('nesterov', options.nesterov ?? false);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { count: 0, mu: zerosLikeParams(ps), nu: zerosLikeParams(ps) };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.mu, 'grads', 'the optimizer state');
      const k = state.count + 1;
      return tidy(() => {
        const mu: Record<string, Tensor> = {};
        const nu: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, n) => {
          const m = tf.add(tf.mul(state.mu[n]!, b1), tf.mul(gk, 1 - b1));
          mu[n] = m;
          nu[n] = tf.add(tf.add(tf.mul(state.nu[n]!, b2), tf.mul(tf.square(tf.sub(gk, m)), 1 - b2)), epsRoot);
          const mh = nesterov ? tf.add(tf.mul(m, b1 / (1 - b1 ** (k + 1))), tf.mul(gk, (1 - b1) / (1 - b1 ** k))) : tf.div(m, 1 - b1 ** k);
          return tf.div(mh, tf.add(tf.sqrt(tf.div(nu[n]!, 1 - b2 ** k)), eps));
        });
        return { updates, state: { count: k, mu, nu } };
      });
    },
  };
}

/** Options of {@link adabelief}. */
export interface AdaBeliefOptions extends ScaleByBeliefOptions {
  /** Default 1e-3. */
  readonly learningRate?: ScalarOrSchedule;
  /** Decoupled weight decay (optional, as optax). */
  readonly weightDecay?: ScalarOrSchedule;
  readonly weightDecayMask?: MaskSpec;
}

/**
 * AdaBelief (optax `adabelief`): `chain(scaleByBelief, addDecayedWeights?, scaleByLearningRate(α))`.
 * Defaults α 1e-3, β (0.9, 0.999), ε 1e-16, ε_root 1e-16, no weight decay.
 * Paper: "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients", Zhuang et al., 2020.
 * @example adabelief({ learningRate: 1e-3 })
 */
export function adabelief(options: AdaBeliefOptions = {}): GradientTransformation<unknown[]> {
  const parts: GradientTransformation<any>[] = [scaleByBelief(options)];
  if (options.weightDecay !== undefined) parts.push(decayedWeights(options.weightDecay, options.weightDecayMask));
  parts.push(scaleByLearningRate(options.learningRate ?? 1e-3));
  return chain(...parts);
}
