import { params as p, signOf } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { checkParams, mapParams, tidy } from './types.js';
import { chain } from './chain.js';
import { ema } from './ema.js';
import { scaleByLearningRate, type EmptyState } from './scale.js';

/**
 * Sign of the updates (optax `scale_by_sign`): `u = sign(g)` (0 where g = 0).
 * @example chain(scaleBySign(), scaleByLearningRate(1e-3))
 */
export function scaleBySign(): GradientTransformation<EmptyState> {
  return {
    init: () => ({}),
    update: (grads) => ({ updates: tidy(() => mapParams(checkParams(grads, 'grads'), (g) => signOf(g))), state: {} }),
  };
}

/**
 * signSGD (optax `sign_sgd`): `θ ← θ − η·sign(g)`. Default η 1e-3.
 * Paper: "signSGD: Compressed Optimisation for Non-Convex Problems", Bernstein, Wang, Azizzadenesheli & Anandkumar, 2018.
 * @example signSgd({ learningRate: 1e-3 })
 */
export function signSgd(options: { readonly learningRate?: ScalarOrSchedule } = {}): GradientTransformation<unknown[]> {
  return chain(scaleBySign(), scaleByLearningRate(options.learningRate ?? 1e-3));
}

/**
 * Signum (optax `signum`), signSGD with momentum: `m ← βm + (1−β)g`, `θ ← θ − η·sign(m)`. Defaults η 1e-3, β 0.9.
 * Paper: "signSGD: Compressed Optimisation for Non-Convex Problems", Bernstein et al., 2018.
 * @example signum({ learningRate: 1e-3, beta: 0.9 })
 */
export function signum(options: { readonly learningRate?: ScalarOrSchedule; readonly beta?: number } = {}): GradientTransformation<unknown[]> {
  const beta = p.unitInterval('beta', options.beta ?? 0.9);
  return chain(ema(beta, { debias: false }), scaleBySign(), scaleByLearningRate(options.learningRate ?? 1e-3));
}
