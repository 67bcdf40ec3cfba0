import * as tf from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, zerosLikeParams } from './types.js';

/** State of {@link applyEvery}. */
export interface ApplyEveryState {
  readonly count: number;
  readonly gradAcc: Params;
}

/**
 * Accumulates updates and applies their sum every k steps (optax `apply_every`): `a ← (c ≠ 0)·a + u`, output `a` when
 * `c = k − 1`, else 0 (c = step mod k). Unlike {@link multiSteps} it sums after the inner transformations.
 * @example chain(sgd(), applyEvery(4))
 */
export function applyEvery(k = 1): GradientTransformation<ApplyEveryState> {
  p.positiveInteger('k', k);
  return {
    init: (params) => ({ count: 0, gradAcc: tidy(() => zerosLikeParams(checkParams(params, 'params'))) }),
    update(grads, state) {
      const g = checkMatching(grads, state.gradAcc, 'grads', 'the optimizer state');
      const c = state.count % k;
      return tidy(() => {
        const gradAcc = mapParams(g, (u, n) => (c !== 0 ? tf.add(state.gradAcc[n]!, u) : tf.clone(u)));
        const updates = mapParams(gradAcc, (a) => (c === k - 1 ? tf.clone(a) : tf.zerosLike(a)));
        return { updates, state: { count: (state.count + 1) % k, gradAcc } };
      });
    },
  };
}
