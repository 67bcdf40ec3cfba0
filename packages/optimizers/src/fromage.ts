import * as tf from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, mapParams, needParams, tidy, valueAt } from './types.js';
import { chain } from './chain.js';
import { scaleByLearningRate, type CountState } from './scale.js';
import { scaleByTrustRatio } from './trustRatio.js';

/**
 * Fromage (optax `fromage`), Frobenius matched gradient descent: per tensor
 * `θ ← (θ − η·(‖θ‖/‖g‖)·g)/√(1 + η²)`, i.e. `chain(scaleByTrustRatio(minNorm), scaleByLearningRate(η/√(1+η²)),
 * addDecayedWeights(1/√(1+η²) − 1))`. Defaults η 1e-2, minNorm 1e-6.
 * Paper: "On the distance between two neural networks and the stability of learning", Bernstein, Vahdat, Yue & Liu, 2020.
 * @example fromage({ learningRate: 1e-2 })
 */
export function fromage(options: { readonly learningRate?: ScalarOrSchedule; readonly minNorm?: number } = {}): GradientTransformation<unknown[]> {
  const lr = checkScalarOrSchedule(options.learningRate ?? 1e-2, 'learningRate');
  const minNorm = p.nonNegative('minNorm', options.minNorm ?? 1e-6);
  const at = (c: number) => valueAt(lr, c, 'learningRate');
  const mult = (c: number) => 1 / Math.sqrt(1 + at(c) ** 2);
  return chain(scaleByTrustRatio({ minNorm }), scaleByLearningRate((c) => mult(c) * at(c)), shrink((c) => 1 - mult(c)));
}

/** `u − s_t·θ` with `s_t = 1 − 1/√(1+η_t²) >= 0` (optax's `add_decayed_weights(mult − 1)`, whose decay is negative). */
function shrink(s: (count: number) => number): GradientTransformation<CountState> {
  return {
    init: () => ({ count: 0 }),
    update(grads, state, params) {
      const g = checkParams(grads, 'grads');
      const w = checkMatching(needParams(params, 'fromage'), g, 'params', 'grads');
      const c = s(state.count);
      return { updates: tidy(() => mapParams(g, (u, k) => tf.sub(u, tf.mul(w[k]!, c)))), state: { count: state.count + 1 } };
    },
  };
}
