import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, Params } from './types.js';
import { checkMatching, checkParams, globalSquaredNorm, mapParams, needParams, tidy } from './types.js';
import type { EmptyState } from './scale.js';
import { elementwise } from './fused/registry.js';

/**
 * Clips every update coordinate to `[−maxDelta, maxDelta]` (optax `clip`).
 * @example chain(clip(1), sgd())
 */
export function clip(maxDelta: number): GradientTransformation<EmptyState> {
  p.nonNegative('maxDelta', maxDelta);
  return elementwise({
    init: (params) => {
      checkParams(params, 'params');
      return {};
    },
    update: (grads) => ({ updates: tidy(() => mapParams(checkParams(grads, 'grads'), (g) => tf.clipByValue(g, -maxDelta, maxDelta))), state: {} }),
  }, { buffers: [], emit: ({ b, u }) => b.bin('min', b.bin('max', u, b.c(-maxDelta)), b.c(maxDelta)) });
}

/**
 * Rescales all updates together so their global L2 norm is at most `maxNorm`:
 * `u = g·min(1, maxNorm/‖g‖)` with `‖g‖² = Σ_k ‖g_k‖²` over every tensor (optax `clip_by_global_norm`).
 * Paper: "On the difficulty of training recurrent neural networks", Pascanu, Mikolov & Bengio, 2013.
 * @example chain(clipByGlobalNorm(1), adam())
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  p.positive('maxNorm', maxNorm);
  return {
    init: (params) => {
      checkParams(params, 'params');
      return {};
    },
    update(grads) {
      const g = checkParams(grads, 'grads');
      return {
        updates: tidy(() => {
          const norm = tf.sqrt(globalSquaredNorm(g));
          const factor = tf.div(maxNorm, tf.maximum(norm, maxNorm));
          return mapParams(g, (t) => tf.mul(t, factor));
        }),
        state: {},
      };
    },
  };
}

/**
 * Clips each tensor by its root mean square (optax `clip_by_block_rms`): `u = g / max(1, rms(g)/τ)` with
 * `rms(g) = √(mean(g²))` over the tensor.
 * @example chain(clipByBlockRms(1), adam())
 */
export function clipByBlockRms(threshold: number): GradientTransformation<EmptyState> {
  p.positive('threshold', threshold);
  return {
    init: () => ({}),
    update: (grads) => ({
      updates: tidy(() => mapParams(checkParams(grads, 'grads'), (g) => tf.div(g, tf.maximum(1, tf.div(tf.sqrt(tf.mean(tf.square(g))), threshold))))),
      state: {},
    }),
  };
}

/** @internal optax `unitwise_norm`: the L2 norm per output unit, broadcast to the tensor's shape. */
function unitwiseNorm(x: tf.Tensor, axis: number | readonly number[] | undefined): tf.Tensor {
  let sq: tf.Tensor;
  if (axis !== undefined) sq = tf.sum(tf.square(x), axis as number | number[], true);
  else if (x.shape.filter((d) => d !== 1).length <= 1) sq = tf.sum(tf.square(x), undefined, true);
  else if (x.rank === 2 || x.rank === 3) sq = tf.sum(tf.square(x), 0, true);
  else if (x.rank === 4) sq = tf.sum(tf.square(x), [0, 1, 2], true);
  else if (x.rank === 5) sq = tf.sum(tf.square(x), [0, 1, 2, 3], true);
  else {
    throw new LosskitError('INVALID_ARGUMENT', 'adaptiveGradClip needs an axis for this rank', { argument: 'axis', expected: 'a parameter of rank 0–5, or an explicit axis', received: `shape [${x.shape.join(', ')}]` });
  }
  return tf.broadcastTo(tf.sqrt(sq), x.shape);
}

/** Options of {@link adaptiveGradClip}. */
export interface AdaptiveGradClipOptions {
  /** Floor of the parameter norm. Default 1e-3. */
  readonly eps?: number;
  /** Reduction axes of the unit norm (default: optax's per-rank choice: all for vectors, axis 0 for [in, out] kernels, [0, 1, 2] for HWIO). */
  readonly axis?: number | readonly number[];
}

/**
 * Adaptive gradient clipping (optax `adaptive_grad_clip`), unit-wise: with `‖·‖ᵤ` the norm per output unit,
 * `g ← g` where `‖g‖ᵤ < λ·max(‖θ‖ᵤ, ε)`, else `g·λ·max(‖θ‖ᵤ, ε)/max(‖g‖ᵤ, 1e-6)`. Needs `params`.
 * Paper: "High-Performance Large-Scale Image Recognition Without Normalization", Brock, De, Smith & Simonyan, 2021.
 * @example chain(adaptiveGradClip(0.01), sgd({ learningRate: 0.1, momentum: 0.9 }))
 */
export function adaptiveGradClip(clipping: number, options: AdaptiveGradClipOptions = {}): GradientTransformation<EmptyState> {
  const lambda = p.positive('clipping', clipping);
  const eps = p.nonNegative('eps', options.eps ?? 1e-3);
  const axis = options.axis;
  return {
    init: () => ({}),
    update(grads, state, params) {
      const g = checkParams(grads, 'grads');
      const w = checkMatching(needParams(params, 'adaptiveGradClip'), g, 'params', 'grads');
      return {
        updates: tidy(() =>
          mapParams(g, (gk, k) => {
            const gn = unitwiseNorm(gk, axis);
            const maxNorm = tf.mul(tf.maximum(unitwiseNorm(w[k]!, axis), eps), lambda);
            const clipped = tf.mul(gk, tf.div(maxNorm, tf.maximum(gn, 1e-6)));
            return tf.where(tf.less(gn, maxNorm), gk, clipped);
          }),
        ),
        state,
      };
    },
  };
}

function batchOf(grads: Record<string, tf.Tensor>, who: string): number {
  const b = Object.values(grads).map((g) => (g.rank >= 1 ? g.shape[0]! : -1));
  if (b.some((x) => x !== b[0]) || b[0]! < 1) {
    throw new LosskitError('SHAPE_MISMATCH', `${who} needs per-example gradients with one batch axis first`, { argument: 'grads', expected: 'every entry of shape [B, …] with the same B', received: Object.entries(grads).map(([k, g]) => `${k}: [${g.shape.join(', ')}]`).join('; ') });
  }
  return b[0]!;
}

/**
 * Per-example global-norm clipping (optax `per_example_global_norm_clip`, the DP-SGD step): with per-example gradients
 * `g_b` (axis 0 of every entry), `c_b = min(1, C/‖g_b‖)` (global norm over all entries; 1 when the norm is 0) and the
 * result is `Σ_b c_b·g_b` (entries without the batch axis) and the number of clipped examples.
 * Paper: "Deep Learning with Differential Privacy", Abadi et al., 2016.
 * @example const { grads, numClipped } = perExampleGlobalNormClip(perExampleGrads, 1);
 */
export function perExampleGlobalNormClip(grads: Params, l2NormClip: number): { readonly grads: Params; readonly numClipped: number } {
  const g = checkParams(grads, 'grads') as Record<string, tf.Tensor>;
  const C = p.positive('l2NormClip', l2NormClip);
  batchOf(g, 'perExampleGlobalNormClip');
  const { out, clipped } = tf.tidy(() => {
    const sq = tf.addN(Object.values(g).map((t) => tf.sum(tf.reshape(tf.square(t), [t.shape[0]!, -1]), 1)));
    const norms = tf.sqrt(sq);
    const mult = tf.where(tf.equal(norms, 0), tf.onesLike(norms), tf.minimum(tf.div(C, norms), 1));
    const o: Record<string, tf.Tensor> = {};
    for (const [k, t] of Object.entries(g)) o[k] = tf.reshape(tf.matMul(tf.reshape(mult, [1, -1]), tf.reshape(t, [t.shape[0]!, -1])), t.shape.slice(1));
    return { out: o, clipped: tf.sum(tf.cast(tf.less(mult, 1), 'int32')) };
  });
  const numClipped = clipped.dataSync()[0]!;
  clipped.dispose();
  return { grads: out, numClipped };
}
