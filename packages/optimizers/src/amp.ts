import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, Params, UpdateResult } from './types.js';
import { checkMatching, checkParams, checkTransform, disposeParams, mapParams, needParams, optionsOf, tidy } from './types.js';

/** Options of {@link amp}. */
export interface AmpOptions {
  /** Radius ε of the perturbation ball (per parameter tensor). Default 0.5. */
  readonly epsilon?: number;
  /** Step size of the inner (ascent) iterations. Default 1. */
  readonly innerLr?: number;
  /** Number of inner ascent iterations (0 = plain base optimizer). Default 1. */
  readonly innerIter?: number;
}

/**
 * Adversarial Model Perturbation around a base optimizer: minimise the "AMP loss" `max_{‖Δ‖ ≤ ε} L(θ + Δ)` by
 * approximating the inner maximum with a few gradient-ascent steps on Δ and stepping the base optimizer with the
 * gradient at `θ + Δ`. With `g₀` the incoming gradient at θ and Δ₀ = 0, for k = 1..innerIter:
 * `Δ_k = clip_ε(Δ_{k−1} + ζ·g_{k−1})`, `g_k = ∇L(θ + Δ_k)` (from `extra.loss`), where `clip_ε` rescales each parameter
 * tensor's Δ to norm ε when it is longer (per tensor, as the authors' `AMP` optimizer). Then the base optimizer steps from θ
 * with `g_innerIter`. Needs `params` and `extra.loss` (see `lossClosure`); the state is the base optimizer's.
 * Defaults ε 0.5, ζ 1, one inner step (the authors' `main.py`).
 * Paper: "Regularizing Neural Networks via Adversarial Model Perturbation", Zheng, Zhang & Mao, CVPR 2021
 * (arXiv 2010.04925); update read from hiyouga/AMP-Regularizer `amp.py`.
 * @example const opt = amp(sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), { epsilon: 0.5 });
 */
export function amp<S>(base: GradientTransformation<S>, options: AmpOptions = {}): GradientTransformation<S> {
  checkTransform(base, 'base');
  options = optionsOf(options);
  const eps = p.nonNegative('epsilon', options.epsilon ?? 0.5);
  const zeta = p.nonNegative('innerLr', options.innerLr ?? 1);
  const innerIter = checkIter(options.innerIter ?? 1);
  return {
    ...(base.learningRate ? { learningRate: base.learningRate } : {}),
    init: (params) => base.init(params),
    update(grads, state, params, extra): UpdateResult<S> {
      const g0 = checkParams(grads, 'grads');
      const w = checkMatching(needParams(params, 'amp'), g0, 'params', 'grads');
      const loss = extra?.loss;
      if (innerIter > 0 && typeof loss !== 'function') {
        throw new LosskitError('MISSING_INPUT', 'amp needs a loss closure', { argument: 'extra.loss', expected: 'update(grads, state, params, { loss: lossClosure(f) })' });
      }
      let dev: Params | undefined;
      let g: Params = g0;
      try {
        for (let k = 0; k < innerIter; k++) {
          const next = tidy(() =>
            mapParams(g, (gk, name) => {
              const d = dev ? tf.add(dev[name]!, tf.mul(gk, zeta)) : tf.mul(gk, zeta);
              const coef = tf.div(eps, tf.add(tf.norm(d), 1e-12));
              return tf.mul(d, tf.minimum(coef, 1));
            }),
          );
          if (dev) disposeParams(dev);
          dev = next;
          const perturbed = tidy(() => mapParams(w, (wk, name) => tf.add(wk, dev![name]!)));
          let at: { value: tf.Scalar; grads: Params };
          try {
            at = loss!(perturbed);
          } finally {
            disposeParams(perturbed);
          }
          at.value.dispose();
          let checked: Params;
          try {
            checked = checkMatching(at.grads, g0, 'extra.loss(...).grads', 'grads');
          } catch (e) {
            disposeParams(at.grads);
            throw e;
          }
          if (g !== g0) disposeParams(g);
          g = checked;
        }
        return base.update(g, state, params, extra);
      } finally {
        if (dev) disposeParams(dev);
        if (g !== g0) disposeParams(g);
      }
    },
  };
}

function checkIter(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'innerIter', expected: 'an integer >= 0', received: String(v) });
  return v;
}
