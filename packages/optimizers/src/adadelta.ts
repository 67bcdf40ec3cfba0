import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, zerosLikeParams } from './types.js';
import { chain } from './chain.js';
import { decayedWeights } from './decay.js';
import type { MaskSpec } from './masked.js';
import { scaleByLearningRate } from './scale.js';

/** State of {@link scaleByAdadelta}: running averages of squared gradients and squared updates. */
export interface AdadeltaState {
  readonly eG: Params;
  readonly eX: Params;
}

/**
 * AdaDelta scaling (optax `scale_by_adadelta`): `E[g²] ← ρE[g²] + (1−ρ)g²`, `u = √(E[Δx²] + ε)/√(E[g²] + ε)·g`,
 * `E[Δx²] ← ρE[Δx²] + (1−ρ)u²`. Defaults ρ 0.9, ε 1e-6.
 * Paper: "ADADELTA: An Adaptive Learning Rate Method", Zeiler, 2012.
 * @example chain(scaleByAdadelta(), scaleByLearningRate(1))
 */
export function scaleByAdadelta(options: { readonly rho?: number; readonly eps?: number } = {}): GradientTransformation<AdadeltaState> {
  const rho = p.unitInterval('rho', options.rho ?? 0.9);
  const eps = p.nonNegative('eps', options.eps ?? 1e-6);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { eG: zerosLikeParams(ps), eX: zerosLikeParams(ps) };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.eG, 'grads', 'the optimizer state');
      return tidy(() => {
        const eG: Record<string, Tensor> = {};
        const eX: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, n) => {
          eG[n] = tf.add(tf.mul(state.eG[n]!, rho), tf.mul(tf.square(gk), 1 - rho));
          const u = tf.mul(tf.div(tf.sqrt(tf.add(state.eX[n]!, eps)), tf.sqrt(tf.add(eG[n]!, eps))), gk);
          eX[n] = tf.add(tf.mul(state.eX[n]!, rho), tf.mul(tf.square(u), 1 - rho));
          return u;
        });
        return { updates, state: { eG, eX } };
      });
    },
  };
}

/** Options of {@link adadelta}. */
export interface AdadeltaOptions {
  /** Default 1 (the paper has no learning rate). */
  readonly learningRate?: ScalarOrSchedule;
  readonly rho?: number;
  readonly eps?: number;
  /** L2 weight decay added to the gradient before the scaling. Default 0. */
  readonly weightDecay?: ScalarOrSchedule;
  readonly weightDecayMask?: MaskSpec;
}

/**
 * AdaDelta (optax `adadelta`): `chain(addDecayedWeights(λ), scaleByAdadelta(ρ, ε), scaleByLearningRate(α))`.
 * Defaults α 1, ρ 0.9, ε 1e-6, λ 0. Paper: "ADADELTA: An Adaptive Learning Rate Method", Zeiler, 2012.
 * @example adadelta({ learningRate: 1 })
 */
export function adadelta(options: AdadeltaOptions = {}): GradientTransformation<unknown[]> {
  return chain(decayedWeights(options.weightDecay ?? 0, options.weightDecayMask), scaleByAdadelta(options), scaleByLearningRate(options.learningRate ?? 1));
}
