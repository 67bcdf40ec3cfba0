import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, Params, UpdateResult } from './types.js';
import { checkMatching, checkParams, disposeParams, globalSquaredNorm, mapParams, needParams, tidy, optionsOf } from './types.js';

/** Options of {@link sam}. */
export interface SamOptions {
  /** Neighbourhood radius ρ. Default 0.05. */
  readonly rho?: number;
  /** Added to ‖g‖ before dividing. Default 1e-12. */
  readonly eps?: number;
}

/**
 * Sharpness-Aware Minimization around a base optimizer. With `g = ∇L(θ)` (the incoming gradient):
 * `ε̂ = ρ·g/(‖g‖₂ + 1e-12)` (global norm), `g_SAM = ∇L(θ + ε̂)` from the loss closure `extra.loss`, then the base
 * optimizer steps from θ with `g_SAM`. Needs `params` and `extra.loss` (see {@link lossClosure}); the state is the
 * base optimizer's. Defaults ρ 0.05.
 * Paper: "Sharpness-Aware Minimization for Efficiently Improving Generalization", Foret, Kleiner, Mobahi & Neyshabur, 2021.
 * @example const opt = sam(sgd({ learningRate: 0.1, momentum: 0.9 }), { rho: 0.05 });
 */
export function sam<S>(base: GradientTransformation<S>, options: SamOptions = {}): GradientTransformation<S> {
  options = optionsOf(options);
  if (base === null || typeof base !== 'object' || typeof base.update !== 'function') {
    throw new LosskitError('INVALID_ARGUMENT', 'sam needs a base optimizer', { argument: 'base', expected: 'a GradientTransformation', received: String(base) });
  }
  const rho = p.nonNegative('rho', options.rho ?? 0.05);
  const eps = p.positive('eps', options.eps ?? 1e-12);
  return {
    ...(base.learningRate ? { learningRate: base.learningRate } : {}),
    init: (params) => base.init(params),
    update(grads, state, params, extra): UpdateResult<S> {
      const g = checkParams(grads, 'grads');
      const w = checkMatching(needParams(params, 'sam'), g, 'params', 'grads');
      const loss = extra?.loss;
      if (typeof loss !== 'function') {
        throw new LosskitError('MISSING_INPUT', 'sam needs a loss closure', { argument: 'extra.loss', expected: 'update(grads, state, params, { loss: lossClosure(f) })' });
      }
      const perturbed = tidy(() => {
        const scale = tf.div(rho, tf.add(tf.sqrt(globalSquaredNorm(g)), eps));
        return mapParams(w, (wk, k) => tf.add(wk, tf.mul(g[k]!, scale)));
      });
      let at: { value: tf.Scalar; grads: Params };
      try {
        at = loss(perturbed);
      } finally {
        disposeParams(perturbed);
      }
      try {
        at.value.dispose();
        const gs = checkMatching(at.grads, g, 'extra.loss(...).grads', 'grads');
        return base.update(gs, state, params, extra);
      } finally {
        disposeParams(at.grads);
      }
    },
  };
}
