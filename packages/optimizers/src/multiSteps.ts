import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, Params, Schedule, UpdateResult } from './types.js';
import { checkMatching, checkParams, checkTransform, cloneState, disposeParams, globalSquaredNorm, mapParams, tidy, zerosLikeParams } from './types.js';
import { nonFiniteEntries } from './apply.js';

/** State of {@link multiSteps}. */
export interface MultiStepsState<S> {
  /** Micro-batches accumulated since the last inner step (0 … k−1). */
  readonly miniStep: number;
  /** Inner steps taken so far. */
  readonly gradientStep: number;
  /** The inner optimizer's state. */
  readonly inner: S;
  /** The running mean (or sum) of the micro-batch gradients. */
  readonly acc: Params;
}

/** Options of {@link multiSteps}. */
export interface MultiStepsOptions {
  /** Micro-batches per inner step k (a number, or a schedule of the inner step count). */
  readonly everyK: number | Schedule;
  /** Average the micro-batch gradients (true, default) or sum them. */
  readonly useGradMean?: boolean;
  /**
   * optax's `should_skip_update_fn`: when it returns true for a micro-batch, that micro-batch is dropped (zero update,
   * accumulator, counters and inner state unchanged). See {@link skipNotFinite} and {@link skipLargeUpdates}.
   */
  readonly shouldSkip?: (grads: Params, gradientStep: number, params: Params | undefined) => boolean;
}

/**
 * Skip predicate for {@link multiSteps} (optax `skip_not_finite`): true when any gradient entry is NaN or ±Inf
 * (one device read-back).
 * @example multiSteps(adam(), { everyK: 4, shouldSkip: skipNotFinite })
 */
export function skipNotFinite(grads: Params): boolean {
  return nonFiniteEntries(grads).length > 0;
}

/**
 * Skip predicate factory for {@link multiSteps} (optax `skip_large_updates`): true when `‖g‖² ≥ maxSquaredNorm` (global
 * squared norm; NaN counts as large).
 * @example multiSteps(adam(), { everyK: 4, shouldSkip: skipLargeUpdates(100) })
 */
export function skipLargeUpdates(maxSquaredNorm: number): (grads: Params) => boolean {
  p.positive('maxSquaredNorm', maxSquaredNorm);
  return (grads) => {
    const n = tf.tidy(() => globalSquaredNorm(checkParams(grads, 'grads')));
    const v = n.dataSync()[0]!;
    n.dispose();
    return !(v < maxSquaredNorm);
  };
}

/**
 * Gradient accumulation (optax `MultiSteps`): the gradients of k micro-batches are accumulated (running mean
 * `a ← a + (g − a)/(j+1)`, Welford, or sum), the inner optimizer steps once with `a` on the k-th call, and the other
 * calls return zero updates with the inner state unchanged. With equal micro-batches and `useGradMean`, k calls equal
 * one step on the union batch (the mean loss's gradient is the mean of the micro-batch gradients).
 * @example const opt = multiSteps(adam({ learningRate: 1e-3 }), { everyK: 4 });
 */
export function multiSteps<S>(inner: GradientTransformation<S>, options: MultiStepsOptions): GradientTransformation<MultiStepsState<S>> & { hasUpdated(state: MultiStepsState<S>): boolean } {
  checkTransform(inner, 'inner');
  const every = options?.everyK;
  if (typeof every !== 'function') p.positiveInteger('everyK', every);
  const mean = p.boolean('useGradMean', options.useGradMean ?? true);
  const kAt = (step: number): number => {
    if (typeof every !== 'function') return every;
    const k = every(step);
    if (!Number.isInteger(k) || k < 1) throw new LosskitError('INVALID_PARAMETER', `everyK schedule returned an invalid value at step ${step}`, { argument: 'everyK', expected: 'an integer >= 1', received: String(k) });
    return k;
  };
  return {
    ...(inner.learningRate ? { learningRate: inner.learningRate } : {}),
    init(params) {
      const ps = checkParams(params, 'params');
      return { miniStep: 0, gradientStep: 0, inner: inner.init(ps), acc: tidy(() => zerosLikeParams(ps)) };
    },
    update(grads, state, params, extra): UpdateResult<MultiStepsState<S>> {
      const g = checkMatching(grads, state.acc, 'grads', 'the accumulator');
      if (options.shouldSkip && options.shouldSkip(g, state.gradientStep, params) === true) {
        return { updates: tidy(() => zerosLikeParams(g)), state: { miniStep: state.miniStep, gradientStep: state.gradientStep, inner: cloneState(state.inner), acc: tidy(() => mapParams(state.acc, (t) => tf.clone(t))) } };
      }
      const k = kAt(state.gradientStep);
      const j = state.miniStep;
      const acc = tidy(() => mapParams(g, (gk, n) => (mean ? tf.add(state.acc[n]!, tf.div(tf.sub(gk, state.acc[n]!), j + 1)) : tf.add(state.acc[n]!, gk))));
      if (j < k - 1) {
        const updates = tidy(() => zerosLikeParams(g));
        return { updates, state: { miniStep: j + 1, gradientStep: state.gradientStep, inner: cloneState(state.inner), acc } };
      }
      let r: UpdateResult<S>;
      try {
        r = inner.update(acc, state.inner, params, extra);
      } finally {
        disposeParams(acc);
      }
      return { updates: r.updates, state: { miniStep: 0, gradientStep: state.gradientStep + 1, inner: r.state, acc: tidy(() => zerosLikeParams(g)) as Record<string, Tensor> } };
    },
    hasUpdated: (state) => state.miniStep === 0 && state.gradientStep > 0,
  };
}
