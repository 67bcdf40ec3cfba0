import * as tf from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { checkParams, disposeParams, mapParams, tidy } from './types.js';
import { chain } from './chain.js';
import { perExampleGlobalNormClip } from './clip.js';
import { sgd } from './sgd.js';

/** State of {@link differentiallyPrivateAggregate}: the step count that seeds the noise. */
export interface DpAggregateState {
  readonly count: number;
}

/** Options of {@link differentiallyPrivateAggregate}. */
export interface DpAggregateOptions {
  /** Per-example clipping norm C. */
  readonly l2NormClip: number;
  /** Noise multiplier σ (noise std σC). */
  readonly noiseMultiplier: number;
  /** Seed of the noise stream (ours, not JAX's PRNG). Default 0. */
  readonly seed?: number;
}

/**
 * The DP-SGD gradient aggregation (optax.contrib `differentially_private_aggregate`): takes *per-example* gradients
 * (every entry `[B, …param shape]`), clips each example to global norm C ({@link perExampleGlobalNormClip}), sums,
 * adds `N(0, (σC)²)` noise and divides by B. The output has the parameters' shapes.
 * Paper: "Deep Learning with Differential Privacy", Abadi, Chu, Goodfellow, McMahan, Mironov, Talwar & Zhang, 2016.
 * @example chain(differentiallyPrivateAggregate({ l2NormClip: 1, noiseMultiplier: 1.1, seed: 1 }), sgd({ learningRate: 0.1 }))
 */
export function differentiallyPrivateAggregate(options: DpAggregateOptions): GradientTransformation<DpAggregateState> {
  const C = p.positive('l2NormClip', options?.l2NormClip);
  const sigma = p.nonNegative('noiseMultiplier', options.noiseMultiplier);
  const seed = p.finite('seed', options.seed ?? 0);
  return {
    init: (params) => {
      checkParams(params, 'params');
      return { count: 0 };
    },
    update(grads, state) {
      const g = checkParams(grads, 'grads');
      const B = Object.values(g)[0]!.shape[0]!;
      const { grads: summed } = perExampleGlobalNormClip(g, C);
      let i = 0;
      const updates = tidy(() => mapParams(summed, (t) => tf.div(sigma === 0 ? t : tf.add(t, tf.randomNormal(t.shape, 0, sigma * C, 'float32', (seed * 1_000_003 + state.count * 7_919 + i++) % 2 ** 31)), B)));
      disposeParams(summed);
      return { updates, state: { count: state.count + 1 } };
    },
  };
}

/**
 * DP-SGD (optax.contrib `dpsgd`): `chain(differentiallyPrivateAggregate({ l2NormClip, noiseMultiplier, seed }),
 * sgd({ learningRate, momentum, nesterov }))`; `update` takes per-example gradients `[B, …]`.
 * Paper: "Deep Learning with Differential Privacy", Abadi et al., 2016.
 * @example dpsgd({ learningRate: 0.1, l2NormClip: 1, noiseMultiplier: 1.1, seed: 1 })
 */
export function dpsgd(options: DpAggregateOptions & { readonly learningRate?: ScalarOrSchedule; readonly momentum?: number; readonly nesterov?: boolean }): GradientTransformation<unknown[]> {
  return chain(differentiallyPrivateAggregate(options), sgd({ learningRate: options.learningRate ?? 1e-2, momentum: options.momentum ?? 0, nesterov: p.boolean('nesterov', options.nesterov ?? false) }));
}
