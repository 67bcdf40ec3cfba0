import * as tf from '@tensorflow/tfjs-core';
import { checkParam } from '@losskit/core';
import type { GradientTransformation, UpdateResult } from './types.js';
import { checkParams, checkTransform, cloneState, tidy, zerosLikeParams } from './types.js';

/** State of {@link applyIfFinite} (optax `ApplyIfFiniteState`). */
export interface ApplyIfFiniteState<S> {
  /** Consecutive non-finite steps so far. */
  readonly notfiniteCount: number;
  readonly lastFinite: boolean;
  /** All non-finite steps so far. */
  readonly totalNotfinite: number;
  readonly inner: S;
}

/**
 * Skips steps whose incoming updates hold a NaN or ±Inf (optax `apply_if_finite`): such a step returns zero updates and
 * keeps the inner state; after more than `maxConsecutiveErrors` non-finite steps in a row the inner update is applied
 * anyway (so a run that stays broken shows it). One device read-back per step.
 * @example chain(clipByGlobalNorm(1), applyIfFinite(adam(), 5))
 */
export function applyIfFinite<S>(inner: GradientTransformation<S>, maxConsecutiveErrors: number): GradientTransformation<ApplyIfFiniteState<S>> {
  checkTransform(inner, 'inner');
  const maxErr = checkParam('maxConsecutiveErrors', maxConsecutiveErrors, 'an integer >= 0', (x) => Number.isInteger(x) && x >= 0);
  return {
    ...(inner.learningRate ? { learningRate: inner.learningRate } : {}),
    init: (params) => ({ notfiniteCount: 0, lastFinite: true, totalNotfinite: 0, inner: inner.init(checkParams(params, 'params')) }),
    update(grads, state, params, extra): UpdateResult<ApplyIfFiniteState<S>> {
      const g = checkParams(grads, 'grads');
      const flag = tf.tidy(() => tf.all(tf.stack(Object.values(g).map((t) => tf.all(tf.isFinite(t))))));
      const finite = flag.dataSync()[0] !== 0;
      flag.dispose();
      const notfiniteCount = finite ? 0 : state.notfiniteCount + 1;
      const totalNotfinite = finite ? state.totalNotfinite : state.totalNotfinite + 1;
      if (finite || notfiniteCount > maxErr) {
        const r = inner.update(g, state.inner, params, extra);
        return { updates: r.updates, state: { notfiniteCount, lastFinite: finite, totalNotfinite, inner: r.state } };
      }
      return { updates: tidy(() => zerosLikeParams(g)), state: { notfiniteCount, lastFinite: finite, totalNotfinite, inner: cloneState(state.inner) } };
    },
  };
}
