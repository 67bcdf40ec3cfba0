import * as tf from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, zerosLikeParams } from './types.js';
import { chain } from './chain.js';
import { scaleByAdam } from './adam.js';
import { scaleByLearningRate } from './scale.js';

/** State of {@link scaleByOptimisticGradient}. */
export interface OptimisticState {
  readonly isInitialStep: boolean;
  readonly previousGradient: Params;
}

/**
 * Optimistic gradient (optax `scale_by_optimistic_gradient`): `u = (α + β)·g_t − β·g_{t−1}` (with `g_0 := g_1`).
 * Defaults α 1, β 1. Paper: "Training GANs with Optimism", Daskalakis, Ilyas, Syrgkanis & Zeng, 2018.
 * @example chain(scaleByOptimisticGradient(), scaleByLearningRate(0.01))
 */
export function scaleByOptimisticGradient(options: { readonly alpha?: number; readonly beta?: number } = {}): GradientTransformation<OptimisticState> {
  const alpha = p.nonNegative('alpha', options.alpha ?? 1);
  const beta = p.nonNegative('beta', options.beta ?? 1);
  return {
    init: (params) => ({ isInitialStep: true, previousGradient: tidy(() => zerosLikeParams(checkParams(params, 'params'))) }),
    update(grads, state) {
      const g = checkMatching(grads, state.previousGradient, 'grads', 'the optimizer state');
      return tidy(() => ({
        updates: mapParams(g, (gk, k) => tf.sub(tf.mul(gk, alpha + beta), tf.mul(state.isInitialStep ? gk : state.previousGradient[k]!, beta))),
        state: { isInitialStep: false, previousGradient: mapParams(g, (x) => tf.clone(x)) },
      }));
    },
  };
}

/**
 * Optimistic gradient descent (optax `optimistic_gradient_descent`): `θ ← θ − η·((α + β)g_t − βg_{t−1})`.
 * Defaults η 1e-2, α 1, β 1. Paper: "Training GANs with Optimism", Daskalakis et al., 2018.
 * @example optimisticGradientDescent({ learningRate: 0.01 })
 */
export function optimisticGradientDescent(options: { readonly learningRate?: ScalarOrSchedule; readonly alpha?: number; readonly beta?: number } = {}): GradientTransformation<unknown[]> {
  return chain(scaleByOptimisticGradient(options), scaleByLearningRate(options.learningRate ?? 1e-2));
}

/**
 * Optimistic Adam (optax `optimistic_adam_v2`): `chain(scaleByAdam({ nesterov }), scaleByOptimisticGradient(α, β), scaleByLearningRate(η))`.
 * Defaults η 1e-3, α 1, β 1, β (0.9, 0.999), ε 1e-8, Nesterov on (as optax).
 * Paper: "Training GANs with Optimism", Daskalakis et al., 2018.
 * @example optimisticAdam({ learningRate: 1e-3 })
 */
export function optimisticAdam(options: { readonly learningRate?: ScalarOrSchedule; readonly alpha?: number; readonly beta?: number; readonly b1?: number; readonly b2?: number; readonly eps?: number; readonly nesterov?: boolean } = {}): GradientTransformation<unknown[]> {
  return chain(
    scaleByAdam({ b1: options.b1 ?? 0.9, b2: options.b2 ?? 0.999, eps: options.eps ?? 1e-8, nesterov: p.boolean('nesterov', options.nesterov ?? true) }),
    scaleByOptimisticGradient(options),
    scaleByLearningRate(options.learningRate ?? 1e-3),
  );
}
