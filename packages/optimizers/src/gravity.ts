import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, mapParams, tidy, valueAt, checkState, optionsOf } from './types.js';

/** State of {@link gravity}: update count and the velocity per parameter. */
export interface GravityState {
  readonly count: number;
  readonly velocity: Params;
}

/** Options of {@link gravity}. */
export interface GravityOptions {
  /** Learning rate η. Default 0.1. */
  readonly learningRate?: ScalarOrSchedule;
  /** Velocity initialisation scale: `V₀ ~ N(0, (α/η₀)²)`. Default 0.01. */
  readonly alpha?: number;
  /** Moving-average β. Default 0.9. */
  readonly beta?: number;
  /** Seed of the velocity initialisation (default: unseeded). `alpha: 0` gives `V₀ = 0`. */
  readonly seed?: number;
}

/**
 * Gravity optimizer. Per tensor, with t the number of updates done so far (0 at the first):
 * `m = 1/max|g|`, `ζ = g/(1 + (g/m)²)`, `β̂ = (β·t + 1)/(t + 2)`, `V ← β̂·V + (1 − β̂)·ζ`, `θ ← θ − η·V`,
 * with `V₀ ~ N(0, (α/η₀)²)` (η₀ = the learning rate at step 0). Defaults η 0.1, α 0.01, β 0.9, as the authors'
 * Keras implementation (dariush-bahrami/gravity.optimizer) from which this update was read.
 * Paper: "Gravity Optimizer: a Kinematic Approach on Optimization in Deep Learning", Bahrami & Zadeh, 2021.
 * @example gravity({ learningRate: 0.1, alpha: 0.01, beta: 0.9, seed: 1 })
 */
export function gravity(options: GravityOptions = {}): GradientTransformation<GravityState> {
  options = optionsOf(options);
  const lr = checkScalarOrSchedule(options.learningRate ?? 0.1, 'learningRate');
  const alpha = p.nonNegative('alpha', options.alpha ?? 0.01);
  const beta = p.unitInterval('beta', options.beta ?? 0.9);
  const seed = options.seed;
  return {
    learningRate: typeof lr === 'function' ? lr : () => lr,
    init(params) {
      const ps = checkParams(params, 'params');
      const eta0 = valueAt(lr, 0, 'learningRate');
      const std = alpha === 0 ? 0 : alpha / p.positive('learningRate', eta0);
      let i = 0;
      return {
        count: 0,
        velocity: tidy(() => mapParams(ps, (t) => (std === 0 ? tf.zerosLike(t) : tf.randomNormal(t.shape, 0, std, 'float32', seed === undefined ? undefined : seed + i++)))),
      };
    },
    update(grads, state) {
      checkState(state, { count: 'count', velocity: 'params' });
      const g = checkMatching(grads, state.velocity, 'grads', 'the optimizer state');
      const eta = valueAt(lr, state.count, 'learningRate');
      const t = state.count;
      const bh = (beta * t + 1) / (t + 2);
      return tidy(() => {
        const velocity: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          const invM = tf.max(tf.abs(gk)); // 1/m
          const zeta = tf.div(gk, tf.add(1, tf.square(tf.mul(gk, invM))));
          const v = tf.add(tf.mul(state.velocity[k]!, bh), tf.mul(zeta, 1 - bh));
          velocity[k] = v;
          return tf.mul(v, -eta);
        });
        return { updates, state: { count: t + 1, velocity } };
      });
    },
  };
}
