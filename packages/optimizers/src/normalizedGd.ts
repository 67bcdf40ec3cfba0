import * as tf from '@tensorflow/tfjs-core';
import { LosskitError } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { checkParams, lossValue, mapParams, optionsOf, tidy } from './types.js';
import { chain } from './chain.js';
import { scaleByLearningRate, type EmptyState } from './scale.js';

/**
 * Divides the gradient by the loss value: `u = g / f(θ)` (needs `extra.value` = f(θ) > 0). The building block of
 * {@link normalizedGd}. A loss that underflowed to exactly 0 (a separable problem solved with an infinite margin) gives a
 * zero update; a negative loss is an `INVALID_ARGUMENT` error (the method is defined for positive losses such as the
 * logistic loss).
 * Paper: "From Logistic Regression to the Perceptron Algorithm: Exploring Gradient Descent with Large Step Sizes", Tyurin, 2024.
 * @example chain(scaleByLossNormalization(), scaleByLearningRate(10))
 */
export function scaleByLossNormalization(): GradientTransformation<EmptyState> {
  return {
    init: (params) => {
      checkParams(params, 'params');
      return {};
    },
    update(grads, state, _params, extra) {
      const g = checkParams(grads, 'grads');
      const f = lossValue(extra, 'scaleByLossNormalization');
      const v = f.dataSync()[0]!;
      f.dispose();
      if (!(v >= 0)) throw new LosskitError('INVALID_ARGUMENT', 'the loss must be positive', { argument: 'extra.value', expected: 'the loss f(θ) >= 0 (e.g. the logistic loss)', received: String(v) });
      return { updates: tidy(() => mapParams(g, (t) => (v > 0 ? tf.div(t, v) : tf.zerosLike(t)))), state };
    },
  };
}

/** Options of {@link normalizedGd}. */
export interface NormalizedGdOptions {
  /** Step size γ. Default 1. */
  readonly learningRate?: ScalarOrSchedule;
}

/**
 * Normalized LR+GD: gradient descent on the logistic loss with the step divided by the current loss,
 * `θ ← θ − γ·∇f(θ)/f(θ)`; needs `extra.value` = f(θ) (`train()` passes it). As the loss shrinks the effective step
 * γ/f(θ) grows, so the method behaves like the batch perceptron that LR+GD approaches as γ → ∞, with the paper's
 * better iteration complexity on separable data. Default γ = 1.
 * Paper: "From Logistic Regression to the Perceptron Algorithm: Exploring Gradient Descent with Large Step Sizes",
 * Tyurin, 2024 (arXiv 2412.08424); the update is the paper's Normalized LR+GD (step γ/f(x_t)).
 * @example normalizedGd({ learningRate: 1 }) // opt.update(grads, state, params, { value: loss })
 */
export function normalizedGd(options: NormalizedGdOptions = {}): GradientTransformation<unknown[]> {
  options = optionsOf(options);
  return chain(scaleByLossNormalization(), scaleByLearningRate(options.learningRate ?? 1));
}
