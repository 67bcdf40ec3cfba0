import * as tf from '@tensorflow/tfjs-core';
import type { GradientTransformation, Params } from './types.js';
import { checkMatching, checkParams, globalDot, globalSquaredNorm, mapParams, tidy } from './types.js';
import { LosskitError } from '@losskit/core';
import type { EmptyState } from './scale.js';

/**
 * PCGrad-style gradient surgery for two objectives: if `⟨g, r⟩ < 0`, `g ← g − (⟨g, r⟩/‖r‖²)·r`, else `g` unchanged.
 * Inner products are global (over every tensor). Returns new tensors (the caller owns them).
 * Paper: "Gradient Surgery for Multi-Task Learning", Yu et al., 2020 (used by DoCo for concept unlearning).
 * @example const g = projectGradient(forgetGrads, retainGrads);
 */
export function projectGradient(grads: Params, reference: Params): Params {
  const g = checkParams(grads, 'grads');
  const r = checkMatching(reference, g, 'reference', 'grads');
  return tidy(() => {
    const dot = globalDot(g, r);
    const coef = tf.where(tf.less(dot, 0), tf.div(dot, tf.maximum(globalSquaredNorm(r), 1e-30)), tf.zerosLike(dot));
    return mapParams(g, (gk, k) => tf.sub(gk, tf.mul(coef, r[k]!)));
  });
}

/**
 * The transformation form of {@link projectGradient}: projects the incoming gradient away from the conflicting part
 * of `extra.reference` (the gradient of the objective to protect), e.g. unlearning with a retain set.
 * @example chain(projectConflicting(), adam()).update(forgetGrads, state, params, { reference: retainGrads })
 */
export function projectConflicting(): GradientTransformation<EmptyState> {
  return {
    init: (params) => {
      checkParams(params, 'params');
      return {};
    },
    update(grads, _state, _params, extra) {
      if (!extra?.reference) {
        throw new LosskitError('MISSING_INPUT', 'projectConflicting needs the gradient to protect', { argument: 'extra.reference', expected: 'update(grads, state, params, { reference })' });
      }
      return { updates: projectGradient(grads, extra.reference), state: {} };
    },
  };
}
