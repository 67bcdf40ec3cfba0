import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, zerosLikeParams } from './types.js';

/** State of {@link scaleBySm3}: per tensor, one accumulator per axis (`mu[name][i]` has the length of axis i), and the momentum. */
export interface Sm3State {
  readonly mu: Readonly<Record<string, readonly Tensor[]>>;
  readonly nu: Params;
}

/**
 * SM3 scaling (optax `scale_by_sm3`), memory-efficient Adagrad with one accumulator per axis: for a tensor of rank ≥ 2,
 * `ν = (1−β2 or 1)·g² + β2·min_i μ_i` (μ_i broadcast along axis i), `μ_i ← max over the other axes of ν`; rank < 2 keeps a
 * full accumulator. `u' = g/√(ν + ε)` (0 where ν = 0) and the output is the momentum `m ← β1m + (1−β1)u'`.
 * Defaults β1 0.9, β2 1 (sum, as Adagrad), ε 1e-8.
 * Paper: "Memory-Efficient Adaptive Optimization", Anil, Gupta, Koren & Singer, 2019.
 * @example chain(scaleBySm3(), scale(-1e-2))
 */
export function scaleBySm3(options: { readonly b1?: number; readonly b2?: number; readonly eps?: number } = {}): GradientTransformation<Sm3State> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.closedUnitInterval('b2', options.b2 ?? 1);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const c0 = b2 !== 1 ? 1 - b2 : 1;
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      const mu: Record<string, Tensor[]> = {};
      for (const [k, t] of Object.entries(ps)) mu[k] = t.rank < 2 ? [tf.zerosLike(t)] : t.shape.map((d) => tf.zeros([d]));
      return { mu, nu: zerosLikeParams(ps) };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.nu, 'grads', 'the optimizer state');
      return tidy(() => {
        const mu: Record<string, Tensor[]> = {};
        const nu: Record<string, Tensor> = {};
        mapParams(g, (gk, k) => {
          const r = gk.rank;
          let acc: Tensor;
          if (r < 2) acc = tf.add(tf.mul(tf.square(gk), c0), tf.mul(state.mu[k]![0]!, b2));
          else {
            const expanded = state.mu[k]!.map((m, i) => tf.reshape(m, gk.shape.map((d, j) => (j === i ? d : 1))));
            const mn = expanded.reduce((a, b) => tf.minimum(a, b));
            acc = tf.add(tf.mul(tf.square(gk), c0), tf.mul(mn, b2));
          }
          const inv = tf.where(tf.greater(acc, 0), tf.rsqrt(tf.add(acc, eps)), tf.zerosLike(acc));
          nu[k] = tf.add(tf.mul(state.nu[k]!, b1), tf.mul(tf.mul(gk, inv), 1 - b1));
          mu[k] = r < 2 ? [acc] : gk.shape.map((_, i) => tf.max(acc, gk.shape.map((__, j) => j).filter((j) => j !== i)));
          return acc;
        });
        return { updates: mapParams(nu, (x) => tf.clone(x)), state: { mu, nu } };
      });
    },
  };
}

/**
 * SM3 (optax `sm3`): `chain(scaleBySm3({ b1: momentum }), scale(−η))`. Defaults η 1e-2, momentum 0.9.
 * Paper: "Memory-Efficient Adaptive Optimization", Anil, Gupta, Koren & Singer, 2019.
 * @example sm3({ learningRate: 0.1 })
 */
export function sm3(options: { readonly learningRate?: number; readonly momentum?: number } = {}): GradientTransformation<Sm3State> {
  const lr = p.nonNegative('learningRate', options.learningRate ?? 1e-2);
  const inner = scaleBySm3({ b1: options.momentum ?? 0.9 });
  return {
    learningRate: () => lr,
    init: inner.init,
    update(grads, state, params) {
      const r = inner.update(grads, state, params);
      const updates = tidy(() => mapParams(r.updates, (u) => tf.mul(u, -lr)));
      for (const u of Object.values(r.updates)) u.dispose();
      return { updates, state: r.state };
    },
  };
}
