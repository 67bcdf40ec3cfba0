import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, Params } from './types.js';
import { checkMatching, checkParams, disposeParams, globalDot, mapParams, needParams, readScalar, tidy } from './types.js';

/** Options of {@link backtrackingLinesearch} (optax's names and defaults; optax requires `maxBacktrackingSteps`). */
export interface BacktrackingOptions {
  /** Default 15. */
  readonly maxBacktrackingSteps?: number;
  /** c in the sufficient-decrease test. Default 1e-4. */
  readonly slopeRtol?: number;
  /** Shrink factor per trial. Default 0.8. */
  readonly decreaseFactor?: number;
  /** Growth of the first trial over the last accepted step. Default 1.5. */
  readonly increaseFactor?: number;
  /** Cap of the step. Default 1. */
  readonly maxLearningRate?: number;
  /** Absolute tolerance on the decrease error. Default 0. */
  readonly atol?: number;
  /** Relative tolerance on f(θ). Default 0. */
  readonly rtol?: number;
}

/** State of {@link backtrackingLinesearch}: the last accepted step and the trials it took. */
export interface BacktrackingState {
  readonly learningRate: number;
  readonly trials: number;
}

/**
 * Backtracking (Armijo) line search (optax `scale_by_backtracking_linesearch`): starting from
 * `η = min(increase·η_prev, η_max)`, shrink `η ← decrease·η` until
 * `f(θ + ηu) − (1 + rtol)f(θ) − η·c·⟨u, ∇f(θ)⟩ ≤ atol` (at most `maxBacktrackingSteps` shrinks); returns `η·u`, or 0
 * when every trial gave a non-finite value. Needs `params` and `extra.loss` (see {@link lossClosure}).
 * Paper: Armijo, "Minimization of functions having Lipschitz continuous first partial derivatives", 1966.
 * @example chain(sgd({ learningRate: 1 }), backtrackingLinesearch())
 */
export function backtrackingLinesearch(options: BacktrackingOptions = {}): GradientTransformation<BacktrackingState> {
  const maxSteps = p.positiveInteger('maxBacktrackingSteps', options.maxBacktrackingSteps ?? 15);
  const c = p.openUnitInterval('slopeRtol', options.slopeRtol ?? 1e-4);
  const dec = p.openUnitInterval('decreaseFactor', options.decreaseFactor ?? 0.8);
  const inc = p.positive('increaseFactor', options.increaseFactor ?? 1.5);
  const etaMax = p.positive('maxLearningRate', options.maxLearningRate ?? 1);
  const atol = p.nonNegative('atol', options.atol ?? 0);
  const rtol = p.nonNegative('rtol', options.rtol ?? 0);
  return {
    init: (params) => {
      checkParams(params, 'params');
      return { learningRate: 1, trials: 0 };
    },
    update(grads, state, params, extra) {
      const u = checkParams(grads, 'updates');
      const w = checkMatching(needParams(params, 'backtrackingLinesearch'), u, 'params', 'updates');
      const loss = extra?.loss;
      if (typeof loss !== 'function') throw new LosskitError('MISSING_INPUT', 'the line search needs a loss closure', { argument: 'extra.loss', expected: 'update(grads, state, params, { loss: lossClosure(f) })' });
      const valueAt = (q: Params, withSlope: boolean): { f: number; slope: number } => {
        const r = loss(q);
        try {
          const f = readScalar(r.value);
          if (!withSlope) return { f, slope: 0 };
          const s = tf.tidy(() => globalDot(u, checkMatching(r.grads, u, 'extra.loss(...).grads', 'updates')));
          const slope = readScalar(s);
          s.dispose();
          return { f, slope };
        } finally {
          r.value.dispose();
          disposeParams(r.grads);
        }
      };
      const { f: f0, slope } = valueAt(w, true);
      let eta = Math.min(inc * state.learningRate, etaMax);
      let err = Number.POSITIVE_INFINITY;
      let trials = 0;
      for (let i = 0; i <= maxSteps && !(err <= atol); i++) {
        if (i > 0) eta *= dec;
        const q = tidy(() => mapParams(w, (t, k) => tf.add(t, tf.mul(u[k]!, eta))));
        let f: number;
        try {
          f = valueAt(q, false).f;
        } finally {
          disposeParams(q);
        }
        const e = f - (1 + rtol) * f0 - eta * c * slope;
        err = Number.isNaN(e) ? Number.POSITIVE_INFINITY : Math.max(e, 0);
        trials = i + 1;
      }
      const step = Number.isFinite(err) ? eta : 0;
      return { updates: tidy(() => mapParams(u, (t) => (step === 0 ? tf.zerosLike(t) : tf.mul(t, step)))), state: { learningRate: step, trials } };
    },
  };
}
