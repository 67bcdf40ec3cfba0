import * as tf from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule, Schedule } from './types.js';
import { checkParams, checkScalarOrSchedule, mapParams, tidy, valueAt, checkState } from './types.js';
import { elementwise } from './fused/registry.js';

/** State of stateless transformations. */
export type EmptyState = Readonly<Record<string, never>>;

/** State holding the number of updates done so far. */
export interface CountState {
  readonly count: number;
}

/**
 * Scales updates by a constant: `u = s·g` (optax `scale`).
 * @example chain(scaleByAdam(), scale(-1e-3))
 */
export function scale(factor: number): GradientTransformation<EmptyState> {
  p.finite('factor', factor);
  return elementwise({
    init: (params) => {
      checkParams(params, 'params');
      return {};
    },
    update: (grads) => ({ updates: tidy(() => mapParams(checkParams(grads, 'grads'), (g) => tf.mul(g, factor))), state: {} }),
  }, { buffers: [], emit: ({ b, u }) => b.bin('mul', u, b.c(factor)) });
}

/**
 * Scales updates by minus the learning rate: `u_t = −η_t·g_t` (a number or a {@link Schedule} of the update count).
 * A negative rate is an `INVALID_PARAMETER` error (here, or at the step where a schedule returns one).
 * @example chain(scaleByAdam(), scaleByLearningRate(warmupCosineDecay({ peak: 1e-3, warmupSteps: 100, decaySteps: 1000 })))
 */
export function scaleByLearningRate(learningRate: ScalarOrSchedule): GradientTransformation<CountState> {
  const lr = checkScalarOrSchedule(learningRate, 'learningRate');
  const schedule: Schedule = typeof lr === 'function' ? lr : () => lr;
  return elementwise({
    learningRate: schedule,
    init: (params) => {
      checkParams(params, 'params');
      return { count: 0 };
    },
    update(grads, state) {
      checkState(state, { count: 'count' });
      const g = checkParams(grads, 'grads');
      const eta = valueAt(lr, state.count, 'learningRate');
      return { updates: tidy(() => mapParams(g, (t) => tf.mul(t, -eta))), state: { count: state.count + 1 } };
    },
  }, { buffers: [], emit: ({ b, u, scalar }) => b.bin('mul', u, scalar((c) => -valueAt(lr, c, 'learningRate'))) });
}
