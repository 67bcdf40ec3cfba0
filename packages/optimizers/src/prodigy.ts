import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, globalDot, globalSum, mapParams, needParams, tidy, valueAt, zerosLikeParams } from './types.js';
import { maskPredicate, type MaskSpec } from './masked.js';

/** State of {@link prodigy} (optax.contrib `ProdigyState`); the scalars stay on the device (no read-back). */
export interface ProdigyState {
  readonly expAvg: Params;
  readonly expAvgSq: Params;
  readonly gradSum: Params;
  readonly params0: Params;
  /** The distance estimate d_t. */
  readonly estimLr: Scalar;
  readonly numeratorWeighted: Scalar;
  readonly count: number;
}

/** Options of {@link prodigy}. */
export interface ProdigyOptions {
  /** Multiplier of the estimated step (number or schedule). Default 1. */
  readonly learningRate?: ScalarOrSchedule;
  /** (β1, β2). Default (0.9, 0.999). */
  readonly betas?: readonly [number, number];
  /** Default √β2. */
  readonly beta3?: number;
  readonly eps?: number;
  /** d₀. Default 1e-6. */
  readonly estimLr0?: number;
  readonly estimLrCoef?: number;
  readonly weightDecay?: number;
  readonly safeguardWarmup?: boolean;
  readonly weightDecayMask?: MaskSpec;
}

/**
 * Prodigy (optax.contrib `prodigy`), Adam with a learned step size d: with `dlr = d·η_t·√(1−β2^t)/(1−β1^t)`,
 * `m ← β1m + (1−β1)d·g`, `v ← β2v + (1−β2)d²g²`, `s ← β3s + (dlr/d₀)·d·g`, `r ← β3r + (d/d₀)·dlr·⟨g, θ₀ − θ⟩`,
 * `d ← max(d, coef·r/‖s‖₁)` and `u = −dlr·m/(√v + d·ε) − λ·dlr·θ`. Defaults η 1, β (0.9, 0.999), β3 √β2, ε 1e-8, d₀ 1e-6.
 * Paper: "Prodigy: An Expeditiously Adaptive Parameter-Free Learner", Mishchenko & Defazio, 2024.
 * @example prodigy()
 */
export function prodigy(options: ProdigyOptions = {}): GradientTransformation<ProdigyState> {
  const lr = checkScalarOrSchedule(options.learningRate ?? 1, 'learningRate');
  const [b1, b2] = options.betas ?? [0.9, 0.999];
  p.unitInterval('betas[0]', b1);
  p.unitInterval('betas[1]', b2);
  const b3 = p.unitInterval('beta3', options.beta3 ?? Math.sqrt(b2));
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const d0 = p.positive('estimLr0', options.estimLr0 ?? 1e-6);
  const coef = p.positive('estimLrCoef', options.estimLrCoef ?? 1);
  const wd = p.nonNegative('weightDecay', options.weightDecay ?? 0);
  const safeguard = p.boolean('safeguardWarmup', options.safeguardWarmup ?? false);
  const mask = options.weightDecayMask === undefined ? undefined : maskPredicate(options.weightDecayMask, 'weightDecayMask');
  return {
    learningRate: typeof lr === 'function' ? lr : () => lr,
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { expAvg: zerosLikeParams(ps), expAvgSq: zerosLikeParams(ps), gradSum: zerosLikeParams(ps), params0: mapParams(ps, (t) => tf.clone(t)), estimLr: tf.scalar(d0), numeratorWeighted: tf.scalar(0), count: 0 };
    }),
    update(grads, state, params) {
      const g = checkMatching(grads, state.expAvg, 'grads', 'the optimizer state');
      const w = checkMatching(needParams(params, 'prodigy'), g, 'params', 'grads');
      const k = state.count + 1;
      const sched = valueAt(lr, state.count, 'learningRate');
      const bc = Math.sqrt(1 - b2 ** k) / (1 - b1 ** k);
      return tidy(() => {
        const d = state.estimLr;
        const dlr = tf.mul(d, sched * bc);
        const dg = mapParams(g, (gk) => tf.mul(gk, d));
        const numAcc = globalDot(g, mapParams(w, (wk, n) => tf.sub(state.params0[n]!, wk)));
        const expAvg = mapParams(dg, (x, n) => tf.add(tf.mul(state.expAvg[n]!, b1), tf.mul(x, 1 - b1)));
        const expAvgSq = mapParams(dg, (x, n) => tf.add(tf.mul(state.expAvgSq[n]!, b2), tf.mul(tf.square(x), 1 - b2)));
        const gradSum = mapParams(dg, (x, n) => tf.add(tf.mul(state.gradSum[n]!, b3), tf.mul(x, tf.div(safeguard ? d : dlr, d0))));
        const numeratorWeighted = tf.add(tf.mul(state.numeratorWeighted, b3), tf.mul(tf.mul(tf.div(d, d0), dlr), numAcc)) as Scalar;
        const denom = globalSum(gradSum, (x) => tf.abs(x));
        const estimLr = tf.maximum(d, tf.div(tf.mul(numeratorWeighted, coef), denom)) as Scalar;
        const updates: Record<string, Tensor> = mapParams(expAvg, (ea, n) => {
          const u = tf.neg(tf.div(tf.mul(ea, dlr), tf.add(tf.sqrt(expAvgSq[n]!), tf.mul(d, eps))));
          return wd === 0 || (mask && !mask(n, w[n]!)) ? u : tf.sub(u, tf.mul(w[n]!, tf.mul(dlr, wd)));
        });
        return { updates, state: { expAvg, expAvgSq, gradSum, params0: mapParams(state.params0, (t) => tf.clone(t)), estimLr, numeratorWeighted, count: k } };
      });
    },
  };
}
