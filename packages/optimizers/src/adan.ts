import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, zerosLikeParams } from './types.js';
import { chain } from './chain.js';
import { decayedWeights } from './decay.js';
import type { MaskSpec } from './masked.js';
import { scaleByLearningRate } from './scale.js';

/** State of {@link scaleByAdan}. */
export interface AdanState {
  readonly m: Params;
  readonly v: Params;
  readonly n: Params;
  /** The previous gradient. */
  readonly g: Params;
  readonly t: number;
}

/** Options of {@link scaleByAdan}. */
export interface ScaleByAdanOptions {
  /** Default 0.98. */
  readonly b1?: number;
  /** Default 0.92. */
  readonly b2?: number;
  /** Default 0.99. */
  readonly b3?: number;
  readonly eps?: number;
  readonly epsRoot?: number;
}

/**
 * Adan scaling (optax `scale_by_adan`, Nesterov momentum with gradient differences): with `Δ = g − g_prev` (0 at the
 * first step), `m ← β1m + (1−β1)g`, `v ← β2v + (1−β2)Δ`, `n ← β3n + (1−β3)(g + (1−β2)Δ)²`,
 * `u = (m̂ + (1−β2)v̂)/(√(n̂ + ε_root) + ε)` with bias corrections `1−β^t`. Defaults β (0.98, 0.92, 0.99), ε 1e-8.
 * Paper: "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep Models", Xie et al., 2022.
 * @example chain(scaleByAdan(), scaleByLearningRate(1e-3))
 */
export function scaleByAdan(options: ScaleByAdanOptions = {}): GradientTransformation<AdanState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.98);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.92);
  const b3 = p.unitInterval('b3', options.b3 ?? 0.99);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const epsRoot = p.nonNegative('epsRoot', options.epsRoot ?? 0);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { m: zerosLikeParams(ps), v: zerosLikeParams(ps), n: zerosLikeParams(ps), g: zerosLikeParams(ps), t: 0 };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.m, 'grads', 'the optimizer state');
      const t = state.t + 1;
      return tidy(() => {
        const m: Record<string, Tensor> = {};
        const v: Record<string, Tensor> = {};
        const n: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          const diff = state.t === 0 ? tf.zerosLike(gk) : tf.sub(gk, state.g[k]!);
          m[k] = tf.add(tf.mul(state.m[k]!, b1), tf.mul(gk, 1 - b1));
          v[k] = tf.add(tf.mul(state.v[k]!, b2), tf.mul(diff, 1 - b2));
          n[k] = tf.add(tf.mul(state.n[k]!, b3), tf.mul(tf.square(tf.add(gk, tf.mul(diff, 1 - b2))), 1 - b3));
          const u = tf.add(tf.div(m[k]!, 1 - b1 ** t), tf.mul(v[k]!, (1 - b2) / (1 - b2 ** t)));
          return tf.div(u, tf.add(tf.sqrt(tf.add(tf.div(n[k]!, 1 - b3 ** t), epsRoot)), eps));
        });
        return { updates, state: { m, v, n, g: mapParams(g, (x) => tf.clone(x)), t } };
      });
    },
  };
}

/**
 * Adan (optax `adan`): `chain(scaleByAdan(o), addDecayedWeights(λ), scaleByLearningRate(α))`.
 * Defaults α 1e-3, β (0.98, 0.92, 0.99), ε 1e-8, ε_root 1e-8, λ 0.
 * Paper: "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep Models", Xie, Zhou, Li, Lin & Yan, 2022.
 * @example adan({ learningRate: 1e-3, weightDecay: 0.02 })
 */
export function adan(options: ScaleByAdanOptions & { readonly learningRate?: ScalarOrSchedule; readonly weightDecay?: ScalarOrSchedule; readonly mask?: MaskSpec } = {}): GradientTransformation<unknown[]> {
  return chain(scaleByAdan({ ...options, epsRoot: options.epsRoot ?? 1e-8 }), decayedWeights(options.weightDecay ?? 0, options.mask), scaleByLearningRate(options.learningRate ?? 1e-3));
}
