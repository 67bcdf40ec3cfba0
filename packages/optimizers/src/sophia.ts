import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, LossClosure, Params, ScalarOrSchedule, UpdateExtra } from './types.js';
import { checkMatching, checkParams, checkTransform, cloneState, disposeParams, disposeState, globalSquaredNorm, mapParams, needParams, readScalar, tidy, zerosLikeParams } from './types.js';
import { chain } from './chain.js';
import { decayedWeights } from './decay.js';
import type { MaskSpec } from './masked.js';
import { scaleByLearningRate } from './scale.js';

function closure(extra: UpdateExtra | undefined, key: 'loss' | 'sampledLoss', who: string): LossClosure {
  const f = extra?.[key];
  if (typeof f !== 'function') throw new LosskitError('MISSING_INPUT', `${who} needs a loss closure`, { argument: `extra.${key}`, expected: `update(grads, state, params, { ${key}: lossClosure(f) })` });
  return f;
}

function gradsAt(f: LossClosure, at: Params, like: Params): Params {
  const r = f(at);
  r.value.dispose();
  try {
    return checkMatching(r.grads, like, 'closure(...).grads', 'params');
  } catch (e) {
    disposeParams(r.grads);
    throw e;
  }
}

/** State of {@link hutchinsonEstimator}: the step count that seeds the Rademacher draws. */
export interface HutchinsonState {
  readonly count: number;
}

/**
 * Hutchinson's estimator of the Hessian diagonal (optax.contrib `hutchinson_estimator_diag_hessian`): `u ⊙ (H u)` with
 * u Rademacher (±1). tfjs has no forward-over-reverse product, so `H u` is the central difference of the gradients of
 * the user's loss closure `extra.loss`: `(∇f(θ + εu) − ∇f(θ − εu))/(2ε)`, `ε = fdEps·(1 + ‖θ‖)/‖u‖` (exact for
 * quadratics, O(ε²) otherwise). Its `updates` are the estimate (the incoming updates are ignored).
 * Paper: Hutchinson, "A stochastic estimator of the trace of the influence matrix for Laplacian smoothing splines", 1989.
 * @example sophia({ hessianDiagonal: hutchinsonEstimator({ seed: 1 }) })
 */
export function hutchinsonEstimator(options: { readonly seed?: number; readonly fdEps?: number } = {}): GradientTransformation<HutchinsonState> {
  const seed = p.finite('seed', options.seed ?? 0);
  const fdEps = p.positive('fdEps', options.fdEps ?? 1e-3);
  return {
    init: () => ({ count: 0 }),
    update(_grads, state, params, extra) {
      const w = checkParams(needParams(params, 'hutchinsonEstimator'), 'params');
      const f = closure(extra, 'loss', 'hutchinsonEstimator');
      let i = 0;
      const u = tidy(() => mapParams(w, (t) => tf.sub(tf.mul(tf.cast(tf.greater(tf.randomUniform(t.shape, 0, 1, 'float32', (seed * 7_919 + state.count * 104_729 + i++) % 2 ** 31), 0.5), 'float32'), 2), 1)));
      const scale = tf.tidy(() => tf.div(tf.add(tf.sqrt(globalSquaredNorm(w)), 1), tf.sqrt(globalSquaredNorm(u))));
      const eps = fdEps * readScalar(scale);
      scale.dispose();
      const plus = tidy(() => mapParams(w, (t, k) => tf.add(t, tf.mul(u[k]!, eps))));
      const minus = tidy(() => mapParams(w, (t, k) => tf.sub(t, tf.mul(u[k]!, eps))));
      try {
        const gp = gradsAt(f, plus, w);
        let gm: Params;
        try {
          gm = gradsAt(f, minus, w);
        } catch (e) {
          disposeParams(gp);
          throw e;
        }
        const updates = tidy(() => mapParams(w, (_t, k) => tf.mul(u[k]!, tf.div(tf.sub(gp[k]!, gm[k]!), 2 * eps))));
        disposeParams(gp);
        disposeParams(gm);
        return { updates, state: { count: state.count + 1 } };
      } finally {
        [u, plus, minus].forEach(disposeParams);
      }
    },
  };
}

/**
 * The Gauss–Newton–Bartlett estimator of the Hessian diagonal (Sophia-G): `B·ĝ ⊙ ĝ`, with ĝ the gradient of the loss
 * on labels sampled from the model's own predictions (the closure `extra.sampledLoss`, averaged over a batch of B).
 * Paper: "Sophia: A Scalable Stochastic Second-order Optimizer for Language Model Pre-training", Liu, Li, Hall, Liang & Ma, 2024, Algorithm 2.
 * @example sophia({ hessianDiagonal: gaussNewtonBartlettEstimator({ batchSize: 64 }) }) // update(g, s, p, { sampledLoss })
 */
export function gaussNewtonBartlettEstimator(options: { readonly batchSize: number }): GradientTransformation<Record<string, never>> {
  const B = p.positive('batchSize', options?.batchSize);
  return {
    init: () => ({}),
    update(_grads, state, params, extra) {
      const w = checkParams(needParams(params, 'gaussNewtonBartlettEstimator'), 'params');
      const g = gradsAt(closure(extra, 'sampledLoss', 'gaussNewtonBartlettEstimator'), w, w);
      try {
        return { updates: tidy(() => mapParams(g, (t) => tf.mul(tf.square(t), B))), state };
      } finally {
        disposeParams(g);
      }
    },
  };
}

/** State of {@link scaleBySophia}. */
export interface SophiaState {
  readonly count: number;
  readonly mu: Params;
  /** EMA of the Hessian-diagonal estimates. */
  readonly nu: Params;
  readonly hessian: unknown;
}

/** Options of {@link scaleBySophia}. */
export interface ScaleBySophiaOptions {
  /** Default 0.965. */
  readonly b1?: number;
  /** Default 0.99. */
  readonly b2?: number;
  readonly eps?: number;
  /** γ. Default 0.01. */
  readonly gamma?: number;
  /** Element-wise clip ρ (`null`: none). Default 1. */
  readonly clipThreshold?: number | null;
  /** Estimate the Hessian every k steps. Default 10. */
  readonly updateInterval?: number;
  /** The estimator (default {@link hutchinsonEstimator}). */
  readonly hessianDiagonal?: GradientTransformation<any>;
}

/**
 * Sophia scaling (optax.contrib `scale_by_sophia`): `m ← β1m + (1−β1)g`, `u = clip(m̂/max(γh, ε), ±ρ)` with h the EMA of
 * Hessian-diagonal estimates, refreshed (`h ← β2h + (1−β2)ĥ`) after the update on steps `t ≡ 0 mod k`. Needs `params` and
 * what the estimator needs (`extra.loss` for Hutchinson, `extra.sampledLoss` for Gauss–Newton–Bartlett).
 * Defaults β (0.965, 0.99), ε 1e-8, γ 0.01, ρ 1, k 10.
 * Paper: "Sophia: A Scalable Stochastic Second-order Optimizer for Language Model Pre-training", Liu et al., 2024.
 * @example chain(scaleBySophia(), scaleByLearningRate(1e-3))
 */
export function scaleBySophia(options: ScaleBySophiaOptions = {}): GradientTransformation<SophiaState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.965);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.99);
  const eps = p.positive('eps', options.eps ?? 1e-8);
  const gamma = p.positive('gamma', options.gamma ?? 0.01);
  const clipT = options.clipThreshold === undefined ? 1 : options.clipThreshold;
  if (clipT !== null) p.positive('clipThreshold', clipT);
  const k = p.positiveInteger('updateInterval', options.updateInterval ?? 10);
  const est = checkTransform(options.hessianDiagonal ?? hutchinsonEstimator(), 'hessianDiagonal');
  return {
    init: (params) => {
      const ps = checkParams(params, 'params');
      return { count: 0, mu: tidy(() => zerosLikeParams(ps)), nu: tidy(() => zerosLikeParams(ps)), hessian: est.init(ps) };
    },
    update(grads, state, params, extra) {
      const g = checkMatching(grads, state.mu, 'grads', 'the optimizer state');
      const t = state.count + 1;
      const { mu, updates } = tidy(() => {
        const m = mapParams(g, (gk, n) => tf.add(tf.mul(state.mu[n]!, b1), tf.mul(gk, 1 - b1)));
        const u: Record<string, Tensor> = mapParams(m, (mk, n) => {
          const r = tf.div(tf.div(mk, 1 - b1 ** t), tf.maximum(tf.mul(state.nu[n]!, gamma), eps));
          return clipT === null ? r : tf.clipByValue(r, -clipT, clipT);
        });
        return { mu: m, updates: u };
      });
      try {
        if (state.count % k !== 0) return { updates, state: { count: t, mu, nu: tidy(() => mapParams(state.nu, (x) => tf.clone(x))), hessian: cloneState(state.hessian) } };
        const h = est.update(g, state.hessian, params, extra);
        const nu = tidy(() => mapParams(state.nu, (x, n) => tf.add(tf.mul(x, b2), tf.mul(h.updates[n]!, 1 - b2))));
        disposeParams(h.updates);
        return { updates, state: { count: t, mu, nu, hessian: h.state } };
      } catch (e) {
        disposeParams(updates);
        disposeState(mu);
        throw e;
      }
    },
  };
}

/**
 * Sophia (optax.contrib `sophia`): `chain(scaleBySophia(o), addDecayedWeights(λ), scaleByLearningRate(η))`.
 * Defaults η 1e-3 (optax requires one), β (0.965, 0.99), ε 1e-8, λ 1e-4, γ 0.01, ρ 1, k 10, Hutchinson estimator.
 * Paper: "Sophia: A Scalable Stochastic Second-order Optimizer for Language Model Pre-training", Liu, Li, Hall, Liang & Ma, 2024.
 * @example sophia({ learningRate: 1e-3 }) // update(g, s, p, { loss: lossClosure(f) })
 */
export function sophia(options: ScaleBySophiaOptions & { readonly learningRate?: ScalarOrSchedule; readonly weightDecay?: ScalarOrSchedule; readonly weightDecayMask?: MaskSpec } = {}): GradientTransformation<unknown[]> {
  return chain(scaleBySophia(options), decayedWeights(options.weightDecay ?? 1e-4, options.weightDecayMask), scaleByLearningRate(options.learningRate ?? 1e-3));
}
