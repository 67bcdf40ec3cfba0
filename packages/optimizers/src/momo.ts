import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, globalDot, globalSquaredNorm, globalSum, lossValue, mapParams, needParams, tidy, valueAt, checkState, optionsOf } from './types.js';

/** State of {@link momo}. */
export interface MomoState {
  readonly count: number;
  /** Momentum d (EMA of gradients). */
  readonly d: Params;
  /** EMA of loss values f̄. */
  readonly fbar: Scalar;
  /** EMA of ⟨g, θ⟩ (γ). */
  readonly gamma: Scalar;
}

/** Options of {@link momo}. */
export interface MomoOptions {
  /** Maximal step α (number or schedule). Default 1. */
  readonly learningRate?: ScalarOrSchedule;
  /** Momentum β. Default 0.9. */
  readonly beta?: number;
  /** Lower bound of the loss (f*). Default 0. */
  readonly lowerBound?: number;
  /** Weight decay λ (proximal form). Default 0. */
  readonly weightDecay?: number;
}


/**
 * MoMo: SGD with momentum and a Polyak-type adaptive step from a model of the loss (needs `extra.value`, the batch loss).
 * With β̃ = 0 at the first update (the averages start at the first gradient and loss) and β afterwards:
 * `d ← β̃d + (1−β̃)g`, `f̄ ← β̃f̄ + (1−β̃)f`, `γ ← β̃γ + (1−β̃)⟨g, θ⟩`,
 * `τ = min(α, [(1+αλ)(f̄ − f* − γ) + ⟨d, θ⟩]₊ / ‖d‖²)`, `θ ← (θ − τd)/(1+αλ)`.
 * Inner products and norms are global (over all tensors). Defaults α 1, β 0.9, f* 0, λ 0.
 * The weight-decay form follows the authors' code (fabian-sp/MoMo: divide by 1+αλ after the step); optax.contrib.momo
 * instead subtracts `αλ/(1+αλ)·θ` without dividing the gradient step. Both agree at λ = 0. The online lower-bound
 * estimate (`use_fstar`) is not implemented.
 * Paper: "MoMo: Momentum Models for Adaptive Learning Rates", Schaipp, Ohana, Eickenberg, Defazio & Gower, 2024.
 * @example const opt = momo(); const r = opt.update(grads, state, params, { value: loss });
 */
export function momo(options: MomoOptions = {}): GradientTransformation<MomoState> {
  options = optionsOf(options);
  const lr = checkScalarOrSchedule(options.learningRate ?? 1, 'learningRate');
  const beta = p.unitInterval('beta', options.beta ?? 0.9);
  const lb = p.finite('lowerBound', options.lowerBound ?? 0);
  const wd = p.nonNegative('weightDecay', options.weightDecay ?? 0);
  return {
    learningRate: typeof lr === 'function' ? lr : () => lr,
    init: (params) =>
      tidy(() => ({ count: 0, d: mapParams(checkParams(params, 'params'), (t) => tf.zerosLike(t)), fbar: tf.scalar(0), gamma: tf.scalar(0) })),
    update(grads, state, params, extra) {
      checkState(state, { count: 'count', d: 'params', fbar: 'tensor', gamma: 'tensor' });
      const g = checkMatching(grads, state.d, 'grads', 'the optimizer state');
      const w = checkMatching(needParams(params, 'momo'), g, 'params', 'grads');
      const alpha = valueAt(lr, state.count, 'learningRate');
      const bt = state.count === 0 ? 0 : beta;
      return tidy(() => {
        const f = lossValue(extra, 'momo');
        const fbar = tf.add(tf.mul(state.fbar, bt), tf.mul(f, 1 - bt)) as Scalar;
        const d = mapParams(g, (gk, k) => tf.add(tf.mul(state.d[k]!, bt), tf.mul(gk, 1 - bt)));
        const gamma = tf.add(tf.mul(state.gamma, bt), tf.mul(globalDot(g, w), 1 - bt)) as Scalar;
        const norm = globalSquaredNorm(d);
        const dot = globalDot(d, w);
        const c = 1 + alpha * wd;
        const nom = tf.add(tf.mul(tf.sub(tf.sub(fbar, lb), gamma), c), dot);
        const t1 = tf.div(tf.relu(nom), tf.maximum(norm, 1e-30));
        const tau = tf.minimum(t1, alpha);
        const updates = mapParams(w, (wk, k) => {
          const step = tf.mul(d[k]!, tf.neg(tau));
          return c === 1 ? step : tf.div(tf.sub(step, tf.mul(wk, alpha * wd)), c);
        });
        return { updates, state: { count: state.count + 1, d, fbar, gamma } };
      });
    },
  };
}

/** State of {@link momoAdam}. */
export interface MomoAdamState {
  readonly count: number;
  readonly d: Params;
  readonly v: Params;
  readonly fbar: Scalar;
  readonly gamma: Scalar;
}

/** Options of {@link momoAdam}. */
export interface MomoAdamOptions {
  /** Maximal step α. Default 1e-2. */
  readonly learningRate?: ScalarOrSchedule;
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
  readonly lowerBound?: number;
  readonly weightDecay?: number;
}

/**
 * MoMo-Adam: MoMo's adaptive step with Adam's preconditioner (needs `extra.value`). With t the update number,
 * `d ← β1·d + (1−β1)g`, `v ← β2·v + (1−β2)g²`, `f̄ ← β1·f̄ + (1−β1)f`, `γ ← β1·γ + (1−β1)⟨g, θ⟩` (all starting at 0),
 * `D = √(v/(1−β2^t)) + ε`, `ρ = 1 − β1^t`,
 * `τ = min(α/ρ, [(1+αλ)(f̄ − ρ·f* − γ) + ⟨d, θ⟩]₊ / ⟨d, d/D⟩)`, `θ ← (θ − τ·d/D)/(1+αλ)`.
 * Defaults α 1e-2, β (0.9, 0.999), ε 1e-8, f* 0, λ 0 (as fabian-sp/MoMo `MomoAdam`, `divide=True`; optax.contrib.momo_adam
 * matches at λ = 0).
 * Paper: "MoMo: Momentum Models for Adaptive Learning Rates", Schaipp, Ohana, Eickenberg, Defazio & Gower, 2024.
 * @example momoAdam({ learningRate: 1e-2 })
 */
export function momoAdam(options: MomoAdamOptions = {}): GradientTransformation<MomoAdamState> {
  options = optionsOf(options);
  const lr = checkScalarOrSchedule(options.learningRate ?? 1e-2, 'learningRate');
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.999);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const lb = p.finite('lowerBound', options.lowerBound ?? 0);
  const wd = p.nonNegative('weightDecay', options.weightDecay ?? 0);
  return {
    learningRate: typeof lr === 'function' ? lr : () => lr,
    init: (params) =>
      tidy(() => {
        const ps = checkParams(params, 'params');
        return { count: 0, d: mapParams(ps, (t) => tf.zerosLike(t)), v: mapParams(ps, (t) => tf.zerosLike(t)), fbar: tf.scalar(0), gamma: tf.scalar(0) };
      }),
    update(grads, state, params, extra) {
      checkState(state, { count: 'count', d: 'params', v: 'params', fbar: 'tensor', gamma: 'tensor' });
      const g = checkMatching(grads, state.d, 'grads', 'the optimizer state');
      const w = checkMatching(needParams(params, 'momoAdam'), g, 'params', 'grads');
      const alpha = valueAt(lr, state.count, 'learningRate');
      const k = state.count + 1;
      const bc1 = 1 - b1 ** k;
      const bc2 = 1 - b2 ** k;
      return tidy(() => {
        const f = lossValue(extra, 'momoAdam');
        const fbar = tf.add(tf.mul(state.fbar, b1), tf.mul(f, 1 - b1)) as Scalar;
        const d = mapParams(g, (gk, n) => tf.add(tf.mul(state.d[n]!, b1), tf.mul(gk, 1 - b1)));
        const v = mapParams(g, (gk, n) => tf.add(tf.mul(state.v[n]!, b2), tf.mul(tf.square(gk), 1 - b2)));
        const gamma = tf.add(tf.mul(state.gamma, b1), tf.mul(globalDot(g, w), 1 - b1)) as Scalar;
        const dOverD: Record<string, Tensor> = mapParams(d, (dk, n) => tf.div(dk, tf.add(tf.sqrt(tf.div(v[n]!, bc2)), eps)));
        const norm = globalSum(d, (dk, n) => tf.mul(dk, dOverD[n]!));
        const dot = globalDot(d, w);
        const c = 1 + alpha * wd;
        const nom = tf.add(tf.mul(tf.sub(tf.sub(fbar, bc1 * lb), gamma), c), dot);
        const tau = tf.minimum(tf.div(tf.relu(nom), tf.maximum(norm, 1e-30)), alpha / bc1);
        const updates = mapParams(w, (wk, n) => {
          const step = tf.mul(dOverD[n]!, tf.neg(tau));
          return c === 1 ? step : tf.div(tf.sub(step, tf.mul(wk, alpha * wd)), c);
        });
        return { updates, state: { count: k, d, v, fbar, gamma } };
      });
    },
  };
}
