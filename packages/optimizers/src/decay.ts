import * as tf from '@tensorflow/tfjs-core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, mapParams, needParams, tidy, valueAt, checkState } from './types.js';
import type { CountState } from './scale.js';
import { elementwise } from './fused/registry.js';
import { masked, type MaskSpec } from './masked.js';

/**
 * Adds decayed weights: `u = g + λ_t·θ` (optax `add_decayed_weights`). Placed after an adaptive scaling and before
 * `scaleByLearningRate`, it gives decoupled weight decay (AdamW). `weightDecay` may be a schedule.
 * @example chain(scaleByAdam(), addDecayedWeights(1e-4), scaleByLearningRate(1e-3)) // = adamw
 */
export function addDecayedWeights(weightDecay: ScalarOrSchedule): GradientTransformation<CountState> {
  const wd = checkScalarOrSchedule(weightDecay, 'weightDecay');
  return elementwise({
    init: (params) => {
      checkParams(params, 'params');
      return { count: 0 };
    },
    update(grads, state, params) {
      checkState(state, { count: 'count' });
      const g = checkParams(grads, 'grads');
      const w = needParams(params, 'addDecayedWeights');
      checkMatching(g, checkParams(w, 'params'), 'grads', 'params');
      const lambda = valueAt(wd, state.count, 'weightDecay');
      return { updates: tidy(() => mapParams(g, (t, k) => (lambda === 0 ? tf.clone(t) : tf.add(t, tf.mul(w[k]!, lambda))))), state: { count: state.count + 1 } };
    },
  }, { buffers: [], emit: ({ b, u, p, scalar }) => (wd === 0 ? u : b.bin('add', u, b.bin('mul', p, scalar((c) => valueAt(wd, c, 'weightDecay'))))) });
}

/**
 * @internal `addDecayedWeights(λ)`, restricted to `mask` when given (optax's `add_decayed_weights(λ, mask)`).
 */
export function decayedWeights(weightDecay: ScalarOrSchedule, mask: MaskSpec | undefined): GradientTransformation<unknown> {
  return mask === undefined ? addDecayedWeights(weightDecay) : masked(addDecayedWeights(weightDecay), mask);
}
