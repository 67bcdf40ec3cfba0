import * as tf from '@tensorflow/tfjs-core';
import type { Scalar } from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, globalSquaredNorm, mapParams, needParams, tidy } from './types.js';
import { chain } from './chain.js';
import { decayedWeights } from './decay.js';
import type { MaskSpec } from './masked.js';
import { scaleByLearningRate } from './scale.js';

/** State of {@link scaleByDog}. */
export interface DogState {
  readonly isInitStep: boolean;
  readonly initParams: Params;
  /** r̄_t = max_{i≤t} ‖θ_i − θ_0‖ (at least r_ε). */
  readonly maxDist: Scalar;
  /** Σ ‖g_i‖². */
  readonly sumSqNormGrads: Scalar;
}

/** How DoG's first step is set: `['distance', r_ε]`, `['heuristic', c]` (r_ε = c(1 + ‖θ₀‖)) or `['learningRate', η₀]`. */
export type DogInitStep = readonly ['distance' | 'heuristic' | 'learningRate', number];

/**
 * DoG scaling (optax.contrib `scale_by_dog`), "distance over gradients": `u = (r̄_t/√(Σ_{i≤t}‖g_i‖² + ε))·g` with
 * `r̄_t = max(r_ε, max_{i≤t}‖θ_i − θ₀‖)` (global norms). Needs `params`. Default init step `['heuristic', 1e-6]`, ε 1e-8.
 * Paper: "DoG is SGD's Best Friend: A Parameter-Free Dynamic Step Size Schedule", Ivgi, Hinder & Carmon, 2023.
 * @example chain(scaleByDog(), scaleByLearningRate(1))
 */
export function scaleByDog(initStep: DogInitStep = ['heuristic', 1e-6], eps = 1e-8): GradientTransformation<DogState> {
  const [kind, value] = initStep ?? [];
  if (kind !== 'distance' && kind !== 'heuristic' && kind !== 'learningRate') {
    throw new LosskitError('INVALID_PARAMETER', 'unknown DoG init step', { argument: 'initStep', expected: "['distance' | 'heuristic' | 'learningRate', number]", received: String(kind) });
  }
  p.positive('initStep[1]', value);
  p.nonNegative('eps', eps);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      const r = kind === 'distance' ? tf.scalar(value) : kind === 'heuristic' ? tf.mul(tf.add(tf.sqrt(globalSquaredNorm(ps)), 1), value) : tf.scalar(0);
      return { isInitStep: true, initParams: mapParams(ps, (t) => tf.clone(t)), maxDist: r as Scalar, sumSqNormGrads: tf.scalar(0) };
    }),
    update(grads, state, params) {
      const g = checkMatching(grads, state.initParams, 'grads', 'the optimizer state');
      const w = checkMatching(needParams(params, 'scaleByDog'), g, 'params', 'grads');
      return tidy(() => {
        const dist = tf.sqrt(globalSquaredNorm(mapParams(w, (t, k) => tf.sub(state.initParams[k]!, t))));
        const maxDist = tf.maximum(state.maxDist, dist) as Scalar;
        const sumSq = tf.add(state.sumSqNormGrads, globalSquaredNorm(g)) as Scalar;
        const rate = kind === 'learningRate' && state.isInitStep ? tf.scalar(value) : tf.div(maxDist, tf.sqrt(tf.add(sumSq, eps)));
        return {
          updates: mapParams(g, (t) => tf.mul(t, rate)),
          state: { isInitStep: false, initParams: mapParams(state.initParams, (t) => tf.clone(t)), maxDist, sumSqNormGrads: sumSq },
        };
      });
    },
  };
}

/**
 * DoG (optax.contrib `dog`): `chain(addDecayedWeights(λ)?, scaleByDog(initStep, ε), scaleByLearningRate(η))`.
 * Defaults η 1, init step `['heuristic', 1e-6]`, ε 1e-8, no decay.
 * Paper: "DoG is SGD's Best Friend: A Parameter-Free Dynamic Step Size Schedule", Ivgi, Hinder & Carmon, 2023.
 * @example dog()
 */
export function dog(options: { readonly learningRate?: ScalarOrSchedule; readonly initStep?: DogInitStep; readonly eps?: number; readonly weightDecay?: ScalarOrSchedule; readonly mask?: MaskSpec } = {}): GradientTransformation<unknown[]> {
  const parts: GradientTransformation<any>[] = [];
  if (options.weightDecay !== undefined) parts.push(decayedWeights(options.weightDecay, options.mask));
  parts.push(scaleByDog(options.initStep, options.eps ?? 1e-8), scaleByLearningRate(options.learningRate ?? 1));
  return chain(...parts);
}

/** State of {@link scaleByDowg}. */
export interface DowgState {
  readonly initParams: Params;
  readonly weightedSqNormGrads: Scalar;
  readonly estimSqDist: Scalar;
}

/**
 * DoWG scaling (optax.contrib `scale_by_dowg`), distance over weighted gradients: `r̄² ← max(r̄², ‖θ − θ₀‖²)`,
 * `v ← v + r̄²‖g‖²`, `u = (r̄²/(√v + ε))·g`. Defaults r̄₀² = ε, ε 1e-4.
 * Paper: "DoWG Unleashed: An Efficient Universal Parameter-Free Gradient Descent Method", Khaled, Mishchenko & Jin, 2023.
 * @example chain(scaleByDowg(), scaleByLearningRate(1))
 */
export function scaleByDowg(initEstimSqDist?: number, eps = 1e-4): GradientTransformation<DowgState> {
  p.nonNegative('eps', eps);
  const r0 = p.nonNegative('initEstimSqDist', initEstimSqDist ?? eps);
  return {
    init: (params) => tidy(() => ({ initParams: mapParams(checkParams(params, 'params'), (t) => tf.clone(t)), estimSqDist: tf.scalar(r0), weightedSqNormGrads: tf.scalar(0) })),
    update(grads, state, params) {
      const g = checkMatching(grads, state.initParams, 'grads', 'the optimizer state');
      const w = checkMatching(needParams(params, 'scaleByDowg'), g, 'params', 'grads');
      return tidy(() => {
        const cur = globalSquaredNorm(mapParams(w, (t, k) => tf.sub(state.initParams[k]!, t)));
        const r2 = tf.maximum(state.estimSqDist, cur) as Scalar;
        const v = tf.add(state.weightedSqNormGrads, tf.mul(r2, globalSquaredNorm(g))) as Scalar;
        const rate = tf.div(r2, tf.add(tf.sqrt(v), eps));
        return { updates: mapParams(g, (t) => tf.mul(t, rate)), state: { initParams: mapParams(state.initParams, (t) => tf.clone(t)), estimSqDist: r2, weightedSqNormGrads: v } };
      });
    },
  };
}

/**
 * DoWG (optax.contrib `dowg`): `chain(addDecayedWeights(λ)?, scaleByDowg(r̄₀², ε), scaleByLearningRate(η))`. Defaults η 1, ε 1e-4.
 * Paper: "DoWG Unleashed: An Efficient Universal Parameter-Free Gradient Descent Method", Khaled, Mishchenko & Jin, 2023.
 * @example dowg()
 */
export function dowg(options: { readonly learningRate?: ScalarOrSchedule; readonly initEstimSqDist?: number; readonly eps?: number; readonly weightDecay?: ScalarOrSchedule; readonly mask?: MaskSpec } = {}): GradientTransformation<unknown[]> {
  const parts: GradientTransformation<any>[] = [];
  if (options.weightDecay !== undefined) parts.push(decayedWeights(options.weightDecay, options.mask));
  parts.push(scaleByDowg(options.initEstimSqDist, options.eps ?? 1e-4), scaleByLearningRate(options.learningRate ?? 1));
  return chain(...parts);
}
