import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, checkState, optionsOf } from './types.js';
import { chain } from './chain.js';
import { scaleByLearningRate } from './scale.js';
import { traceMomentum } from './momentum.js';

/** Options of {@link scaleByRms} and {@link scaleByStddev}. */
export interface ScaleByRmsOptions {
  /** Decay ρ of the moving averages. Default 0.9. */
  readonly decay?: number;
  /** ε inside the square root. Default 1e-8. */
  readonly eps?: number;
  /** Initial value of the second-moment average. Default 0. */
  readonly initialScale?: number;
  /** ε inside the square root (true, default) or added to it (`g/(√ν + ε)`). */
  readonly epsInSqrt?: boolean;
  /** Divide ν by `1 − ρ^t` (optax `bias_correction`). Default false. */
  readonly biasCorrection?: boolean;
}

/** State of {@link scaleByRms}. */
export interface RmsState {
  readonly nu: Params;
  /** Updates so far (used by the bias correction). */
  readonly count?: number;
}

/** State of {@link scaleByStddev}. */
export interface StddevState {
  readonly mu: Params;
  readonly nu: Params;
}

/**
 * RMSProp scaling (optax `scale_by_rms`, ε inside the root): `ν ← ρν + (1−ρ)g²`, `u = g/√(ν + ε)`
 * (`epsInSqrt: false`: `g/(√ν + ε)`; `biasCorrection`: ν divided by `1 − ρ^t`). Defaults ρ 0.9, ε 1e-8, ν₀ 0. Source: Hinton, "Neural Networks for Machine Learning", lecture 6e, 2012.
 * @example chain(scaleByRms(), scaleByLearningRate(1e-3))
 */
export function scaleByRms(options: ScaleByRmsOptions = {}): GradientTransformation<RmsState> {
  options = optionsOf(options);
  const rho = p.unitInterval('decay', options.decay ?? 0.9);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const init = p.nonNegative('initialScale', options.initialScale ?? 0);
  const inSqrt = p.boolean('epsInSqrt', options.epsInSqrt ?? true);
  const debias = p.boolean('biasCorrection', options.biasCorrection ?? false);
  return {
    init: (params) => ({ nu: tidy(() => mapParams(checkParams(params, 'params'), (t) => tf.fill(t.shape, init))), count: 0 }),
    update(grads, state) {
      checkState(state, { nu: 'params' });
      const g = checkMatching(grads, state.nu, 'grads', 'the optimizer state');
      const t = (state.count ?? 0) + 1;
      const bc = debias ? 1 - rho ** t : 1;
      return tidy(() => {
        const nu: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          const n = tf.add(tf.mul(state.nu[k]!, rho), tf.mul(tf.square(gk), 1 - rho));
          nu[k] = n;
          const nh = bc === 1 ? n : tf.div(n, bc);
          return inSqrt ? tf.div(gk, tf.sqrt(tf.add(nh, eps))) : tf.div(gk, tf.add(tf.sqrt(nh), eps));
        });
        return { updates, state: { nu, count: t } };
      });
    },
  };
}

/**
 * Centered RMSProp scaling (optax `scale_by_stddev`): `μ ← ρμ + (1−ρ)g`, `ν ← ρν + (1−ρ)g²`, `u = g/√(ν − μ² + ε)`.
 * Defaults ρ 0.9, ε 1e-8, ν₀ 0. Paper: "Generating Sequences With Recurrent Neural Networks", Graves, 2013.
 * @example chain(scaleByStddev(), scaleByLearningRate(1e-3))
 */
export function scaleByStddev(options: ScaleByRmsOptions = {}): GradientTransformation<StddevState> {
  options = optionsOf(options);
  const rho = p.unitInterval('decay', options.decay ?? 0.9);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const init = p.nonNegative('initialScale', options.initialScale ?? 0);
  return {
    init: (params) =>
      tidy(() => {
        const ps = checkParams(params, 'params');
        return { mu: mapParams(ps, (t) => tf.zerosLike(t)), nu: mapParams(ps, (t) => tf.fill(t.shape, init)) };
      }),
    update(grads, state) {
      checkState(state, { mu: 'params', nu: 'params' });
      const g = checkMatching(grads, state.nu, 'grads', 'the optimizer state');
      return tidy(() => {
        const mu: Record<string, Tensor> = {};
        const nu: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          const m = tf.add(tf.mul(state.mu[k]!, rho), tf.mul(gk, 1 - rho));
          const n = tf.add(tf.mul(state.nu[k]!, rho), tf.mul(tf.square(gk), 1 - rho));
          mu[k] = m;
          nu[k] = n;
          return tf.div(gk, tf.sqrt(tf.add(tf.sub(n, tf.square(m)), eps)));
        });
        return { updates, state: { mu, nu } };
      });
    },
  };
}

/** Options of {@link rmsprop}. */
export interface RmspropOptions extends ScaleByRmsOptions {
  /** Default 1e-3. */
  readonly learningRate?: ScalarOrSchedule;
  /** Use the centered variant ({@link scaleByStddev}). Default false. */
  readonly centered?: boolean;
  /** Heavy-ball momentum applied after the scaling (0 = none). Default 0. */
  readonly momentum?: number;
  readonly nesterov?: boolean;
}

/**
 * RMSProp (optax `rmsprop`): `chain(scaleByRms | scaleByStddev, scaleByLearningRate(η), traceMomentum?)`, so
 * `θ ← θ − η·g/√(ν + ε)` without momentum. Defaults η 1e-3, ρ 0.9, ε 1e-8.
 * @example rmsprop({ learningRate: 1e-3, centered: true })
 */
export function rmsprop(options: RmspropOptions = {}): GradientTransformation<unknown[]> {
  options = optionsOf(options);
  const m = p.unitInterval('momentum', options.momentum ?? 0);
  const scaling = p.boolean('centered', options.centered ?? false) ? scaleByStddev(options) : scaleByRms(options);
  const lr = scaleByLearningRate(options.learningRate ?? 1e-3);
  return m > 0 ? chain(scaling, lr, traceMomentum({ decay: m, nesterov: p.boolean('nesterov', options.nesterov ?? false) })) : chain(scaling, lr);
}
