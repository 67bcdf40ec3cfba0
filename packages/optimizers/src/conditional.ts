import type { GradientTransformation, UpdateResult } from './types.js';
import { checkParams, checkTransform, cloneState, mapParams, tidy, zerosLikeParams } from './types.js';
import * as tf from '@tensorflow/tfjs-core';

/** State of {@link conditionallyTransform} and {@link conditionallyMask}. */
export interface ConditionalState<S> {
  readonly step: number;
  readonly inner: S;
}

function conditional<S>(inner: GradientTransformation<S>, shouldTransform: (step: number) => boolean, zeroOtherwise: boolean): GradientTransformation<ConditionalState<S>> {
  checkTransform(inner, 'inner');
  return {
    ...(inner.learningRate ? { learningRate: inner.learningRate } : {}),
    init: (params) => ({ step: 0, inner: inner.init(checkParams(params, 'params')) }),
    update(grads, state, params, extra): UpdateResult<ConditionalState<S>> {
      const g = checkParams(grads, 'grads');
      if (shouldTransform(state.step) === true) {
        const r = inner.update(g, state.inner, params, extra);
        return { updates: r.updates, state: { step: state.step + 1, inner: r.state } };
      }
      const updates = tidy(() => (zeroOtherwise ? zerosLikeParams(g) : mapParams(g, (t) => tf.clone(t))));
      return { updates, state: { step: state.step + 1, inner: cloneState(state.inner) } };
    },
  };
}

/**
 * Runs `inner` only on the steps where `shouldTransform(step)` is true (step = 0, 1, …); other steps pass the updates
 * through and keep the inner state (optax `conditionally_transform`).
 * @example conditionallyTransform(clipByGlobalNorm(1), (t) => t < 100)
 */
export function conditionallyTransform<S>(inner: GradientTransformation<S>, shouldTransform: (step: number) => boolean): GradientTransformation<ConditionalState<S>> {
  return conditional(inner, shouldTransform, false);
}

/**
 * Runs `inner` only on the steps where `shouldTransform(step)` is true; other steps give zero updates and keep the inner
 * state (optax `conditionally_mask`).
 * @example conditionallyMask(adam(), (t) => t % 2 === 0)
 */
export function conditionallyMask<S>(inner: GradientTransformation<S>, shouldTransform: (step: number) => boolean): GradientTransformation<ConditionalState<S>> {
  return conditional(inner, shouldTransform, true);
}
