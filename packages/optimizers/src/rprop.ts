import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p, signOf } from '@losskit/core';
import type { GradientTransformation, Params } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, zerosLikeParams } from './types.js';

/** State of {@link rprop}: per-coordinate step sizes and the last (signed) steps. */
export interface RpropState {
  readonly stepSizes: Params;
  readonly prevUpdates: Params;
}

/** Options of {@link rprop}. */
export interface RpropOptions {
  /** Initial step size. Default 1e-2. */
  readonly learningRate?: number;
  readonly etaMinus?: number;
  readonly etaPlus?: number;
  readonly minStepSize?: number;
  readonly maxStepSize?: number;
}

/**
 * Rprop (optax `rprop`, the iRprop− variant): with `s = g·p` (p the previous step), the step size grows by η+ where
 * `s > 0` and shrinks by η− where `s < 0` (clipped to [min, max]); the step is `p = Δ·sign(g)`, or 0 where `s < 0`;
 * `θ ← θ − p`. Defaults Δ₀ 1e-2, η− 0.5, η+ 1.2, [1e-6, 50].
 * Paper: "A Direct Adaptive Method for Faster Backpropagation Learning: The RPROP Algorithm", Riedmiller & Braun, 1993.
 * @example rprop({ learningRate: 1e-2 })
 */
export function rprop(options: RpropOptions = {}): GradientTransformation<RpropState> {
  const lr = p.positive('learningRate', options.learningRate ?? 1e-2);
  const em = p.positive('etaMinus', options.etaMinus ?? 0.5);
  const ep = p.positive('etaPlus', options.etaPlus ?? 1.2);
  const lo = p.nonNegative('minStepSize', options.minStepSize ?? 1e-6);
  const hi = p.positive('maxStepSize', options.maxStepSize ?? 50);
  if (!(em < 1 && ep > 1)) throw new LosskitError('INVALID_PARAMETER', 'rprop needs etaMinus < 1 < etaPlus', { argument: em >= 1 ? 'etaMinus' : 'etaPlus', expected: 'etaMinus in (0, 1), etaPlus > 1', received: `${em}, ${ep}` });
  if (!(lo <= hi)) throw new LosskitError('INVALID_PARAMETER', 'minStepSize exceeds maxStepSize', { argument: 'minStepSize', expected: `<= ${hi}`, received: String(lo) });
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { stepSizes: mapParams(ps, (t) => tf.fill(t.shape, lr)), prevUpdates: zerosLikeParams(ps) };
    }),
    update(grads, state) {
      const g = checkMatching(grads, state.stepSizes, 'grads', 'the optimizer state');
      return tidy(() => {
        const stepSizes: Record<string, Tensor> = {};
        const prevUpdates: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          const s = tf.mul(gk, state.prevUpdates[k]!);
          const grown = tf.clipByValue(tf.mul(state.stepSizes[k]!, tf.where(tf.greater(s, 0), tf.fill(s.shape, ep), tf.fill(s.shape, em))), lo, hi);
          stepSizes[k] = tf.where(tf.equal(s, 0), state.stepSizes[k]!, grown);
          prevUpdates[k] = tf.where(tf.less(s, 0), tf.zerosLike(gk), tf.mul(stepSizes[k]!, signOf(gk)));
          return tf.neg(prevUpdates[k]!);
        });
        return { updates, state: { stepSizes, prevUpdates } };
      });
    },
  };
}
