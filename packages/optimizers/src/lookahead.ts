import * as tf from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, UpdateResult } from './types.js';
import { checkMatching, checkParams, checkTransform, disposeParams, disposeState, mapParams, needParams, tidy } from './types.js';

/** State of {@link lookahead}: the fast optimizer's state, the slow weights and the steps since the last sync. */
export interface LookaheadState<S> {
  readonly fast: S;
  /** The slow weights φ (evaluate the model at these; see {@link lookaheadSlowParams}). */
  readonly slow: Params;
  readonly stepsSinceSync: number;
}

/** Options of {@link lookahead}. */
export interface LookaheadOptions {
  /** Fast steps between synchronisations k. Default 5. */
  readonly syncPeriod?: number;
  /** Slow step size α in [0, 1]. Default 0.5. */
  readonly slowStepSize?: number;
  /** Reset the fast optimizer's state at every sync. Default false. */
  readonly resetState?: boolean;
}

/**
 * Lookahead (optax `lookahead`): the fast optimizer takes k steps from the slow weights, then
 * `φ ← φ + α(θ_fast − φ)` and the fast weights restart at φ. Here `params` are the fast weights θ and the slow weights
 * live in the state (optax keeps both in a `LookaheadParams` pair instead; the trajectories are the same): on a sync
 * step the update is `φ_new − θ`, elsewhere the fast optimizer's update. Defaults k 5, α 0.5.
 * Paper: "Lookahead Optimizer: k steps forward, 1 step back", Zhang, Lucas, Hinton & Ba, 2019.
 * @example const opt = lookahead(adam({ learningRate: 1e-3 }), { syncPeriod: 5, slowStepSize: 0.5 });
 */
export function lookahead<S>(fast: GradientTransformation<S>, options: LookaheadOptions = {}): GradientTransformation<LookaheadState<S>> {
  checkTransform(fast, 'fast');
  const k = p.positiveInteger('syncPeriod', options.syncPeriod ?? 5);
  const alpha = p.closedUnitInterval('slowStepSize', options.slowStepSize ?? 0.5);
  const reset = p.boolean('resetState', options.resetState ?? false);
  return {
    ...(fast.learningRate ? { learningRate: fast.learningRate } : {}),
    init(params) {
      const ps = checkParams(params, 'params');
      return { fast: fast.init(ps), slow: tidy(() => mapParams(ps, (t) => tf.clone(t))), stepsSinceSync: 0 };
    },
    update(grads, state, params, extra): UpdateResult<LookaheadState<S>> {
      const theta = checkMatching(needParams(params, 'lookahead'), state.slow, 'params', 'the slow weights');
      const r = fast.update(grads, state.fast, theta, extra);
      const sync = state.stepsSinceSync === k - 1;
      if (!sync) return { updates: r.updates, state: { fast: r.state, slow: tidy(() => mapParams(state.slow, (t) => tf.clone(t))), stepsSinceSync: state.stepsSinceSync + 1 } };
      const { updates, slow } = tidy(() => {
        const slowNext = mapParams(state.slow, (phi, n) => tf.add(phi, tf.mul(tf.sub(tf.add(theta[n]!, r.updates[n]!), phi), alpha)));
        return { slow: slowNext, updates: mapParams(slowNext, (phi, n) => tf.sub(phi, theta[n]!)) };
      });
      disposeParams(r.updates);
      let fastState = r.state;
      if (reset) {
        disposeState(r.state);
        fastState = fast.init(slow);
      }
      return { updates, state: { fast: fastState, slow, stepsSinceSync: 0 } };
    },
  };
}

/** The slow weights φ of a {@link lookahead} state (the weights to evaluate; owned by the state). */
export function lookaheadSlowParams<S>(state: LookaheadState<S>): Params {
  return state.slow;
}
