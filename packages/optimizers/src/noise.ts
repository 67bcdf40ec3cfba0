import * as tf from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation } from './types.js';
import { checkParams, mapParams, tidy } from './types.js';

/** State of {@link addNoise}: the update count (the noise of step t is drawn from a seed derived from `seed` and t). */
export interface AddNoiseState {
  readonly count: number;
  readonly seed: number;
}

/** Options of {@link addNoise}. */
export interface AddNoiseOptions {
  /** Base variance η. */
  readonly eta: number;
  /** Decay exponent γ of the variance. Default 0.55 (the paper's choice). */
  readonly gamma?: number;
  /** Seed of the noise stream. Default 0. */
  readonly seed?: number;
}

/**
 * Annealed Gaussian gradient noise (optax `add_noise`): `u = g + N(0, σ_t²)` with `σ_t = √(η / t^γ)`, t = 1, 2, …
 * The noise is reproducible from `seed` and the step (a different stream from optax's JAX PRNG).
 * Paper: "Adding Gradient Noise Improves Learning for Very Deep Networks", Neelakantan et al., 2015.
 * @example chain(addNoise({ eta: 0.01, gamma: 0.55, seed: 1 }), sgd())
 */
export function addNoise(options: AddNoiseOptions): GradientTransformation<AddNoiseState> {
  const eta = p.nonNegative('eta', options?.eta);
  const gamma = p.nonNegative('gamma', options.gamma ?? 0.55);
  const seed = p.finite('seed', options.seed ?? 0);
  return {
    init: () => ({ count: 0, seed }),
    update(grads, state) {
      const g = checkParams(grads, 'grads');
      const t = state.count + 1;
      const std = Math.sqrt(eta / t ** gamma);
      let i = 0;
      const updates = tidy(() => mapParams(g, (gk) => tf.add(gk, tf.randomNormal(gk.shape, 0, std, 'float32', (state.seed * 1_000_003 + t * 7_919 + i++) % 2 ** 31))));
      return { updates, state: { count: t, seed: state.seed } };
    },
  };
}
