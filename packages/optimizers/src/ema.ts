import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, UpdateResult } from './types.js';
import { checkMatching, checkParams, checkTransform, mapParams, needParams, tidy, zerosLikeParams } from './types.js';

/** State of {@link ema}: the update count and the moving average per parameter. */
export interface EmaState {
  readonly count: number;
  readonly ema: Params;
}

/**
 * Exponential moving average of the updates (optax `ema`): `e ← d·e + (1−d)·u`, output `e/(1 − d^t)` when `debias`
 * (default) or `e`. (optax `trace` is `t ← d·t + u`, see {@link traceMomentum}.) For an average of the parameters, see
 * {@link emaParams}.
 * @example chain(ema(0.9), scaleByLearningRate(0.1))
 */
export function ema(decay: number, options: { readonly debias?: boolean } = {}): GradientTransformation<EmaState> {
  const d = p.closedUnitInterval('decay', decay);
  const debias = p.boolean('debias', options.debias ?? true);
  return {
    init: (params) => ({ count: 0, ema: tidy(() => zerosLikeParams(checkParams(params, 'params'))) }),
    update(grads, state): UpdateResult<EmaState> {
      const g = checkMatching(grads, state.ema, 'grads', 'the optimizer state');
      const t = state.count + 1;
      const bc = debias ? 1 - d ** t : 1;
      return tidy(() => {
        const e: Record<string, Tensor> = mapParams(g, (gk, k) => tf.add(tf.mul(state.ema[k]!, d), tf.mul(gk, 1 - d)));
        const updates = mapParams(e, (ek) => (bc === 1 || bc === 0 ? tf.clone(ek) : tf.div(ek, bc)));
        return { updates, state: { count: t, ema: e } };
      });
    },
  };
}

/** State of {@link emaParams}: the inner state and the moving average of the parameters. */
export interface EmaParamsState<S> {
  readonly inner: S;
  /** `θ̄`, the moving average of the parameters after each step (see {@link emaParamsOf}). */
  readonly ema: Params;
  readonly count: number;
}

/**
 * Keeps an exponential moving average of the parameters next to any optimizer (Polyak–Ruppert averaging with decay;
 * optax `incremental_update` / Keras `use_ema`): after each inner update `u`, `θ̄ ← d·θ̄ + (1−d)·(θ + u)`, with `θ̄₀ = θ₀`.
 * The updates are the inner optimizer's; read the average with {@link emaParamsOf} (evaluate the model there).
 * Paper: "Acceleration of Stochastic Approximation by Averaging", Polyak & Juditsky, 1992.
 * @example const opt = emaParams(adam(), { decay: 0.999 }); … evaluate(emaParamsOf(state));
 */
export function emaParams<S>(inner: GradientTransformation<S>, options: { readonly decay?: number } = {}): GradientTransformation<EmaParamsState<S>> {
  checkTransform(inner, 'inner');
  const d = p.closedUnitInterval('decay', options.decay ?? 0.999);
  return {
    ...(inner.learningRate ? { learningRate: inner.learningRate } : {}),
    init(params) {
      const ps = checkParams(params, 'params');
      return { inner: inner.init(ps), ema: tidy(() => mapParams(ps, (t) => tf.clone(t))), count: 0 };
    },
    update(grads, state, params, extra): UpdateResult<EmaParamsState<S>> {
      const w = checkMatching(needParams(params, 'emaParams'), state.ema, 'params', 'the averaged parameters');
      const r = inner.update(grads, state.inner, params, extra);
      const e = tidy(() => mapParams(state.ema, (ek, k) => tf.add(tf.mul(ek, d), tf.mul(tf.add(w[k]!, r.updates[k]!), 1 - d))));
      return { updates: r.updates, state: { inner: r.state, ema: e, count: state.count + 1 } };
    },
  };
}

/** The averaged parameters of an {@link emaParams} state (owned by the state). */
export function emaParamsOf<S>(state: EmaParamsState<S>): Params {
  return state.ema;
}
