import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, globalDot, globalSum, mapParams, needParams, tidy, valueAt, zerosLikeParams } from './types.js';

/** State of {@link dadaptAdamw} (optax.contrib `DAdaptAdamWState`). */
export interface DAdaptAdamWState {
  readonly expAvg: Params;
  readonly expAvgSq: Params;
  readonly gradSum: Params;
  readonly estimLr: Scalar;
  readonly numeratorWeighted: Scalar;
  readonly count: number;
}

/**
 * D-Adaptation AdamW (optax.contrib `dadapt_adamw`): with `dlr = d·η_t·√(1−β2^t)/(1−β1^t)` and `√β2 = sb`,
 * `r ← sb·r + (1−sb)·dlr·⟨g, s/(√v + ε)⟩` (old s, v), `m ← β1m + (1−β1)dlr·g`, `v ← β2v + (1−β2)g²`,
 * `s ← sb·s + (1−sb)dlr·g`, `d ← max(d, r/((1−sb)‖s‖₁))`, `u = −λ·dlr·θ − m/(√v + ε)`.
 * Defaults η 1, β (0.9, 0.999), ε 1e-8, d₀ 1e-6, λ 0.
 * Paper: "Learning-Rate-Free Learning by D-Adaptation", Defazio & Mishchenko, 2023.
 * @example dadaptAdamw()
 */
export function dadaptAdamw(options: { readonly learningRate?: ScalarOrSchedule; readonly betas?: readonly [number, number]; readonly eps?: number; readonly estimLr0?: number; readonly weightDecay?: number } = {}): GradientTransformation<DAdaptAdamWState> {
  const lr = checkScalarOrSchedule(options.learningRate ?? 1, 'learningRate');
  const [b1, b2] = options.betas ?? [0.9, 0.999];
  p.unitInterval('betas[0]', b1);
  p.unitInterval('betas[1]', b2);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const d0 = p.positive('estimLr0', options.estimLr0 ?? 1e-6);
  const wd = p.nonNegative('weightDecay', options.weightDecay ?? 0);
  const sb = Math.sqrt(b2);
  return {
    learningRate: typeof lr === 'function' ? lr : () => lr,
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { expAvg: zerosLikeParams(ps), expAvgSq: zerosLikeParams(ps), gradSum: zerosLikeParams(ps), estimLr: tf.scalar(d0), numeratorWeighted: tf.scalar(0), count: 0 };
    }),
    update(grads, state, params) {
      const g = checkMatching(grads, state.expAvg, 'grads', 'the optimizer state');
      const w = checkMatching(needParams(params, 'dadaptAdamw'), g, 'params', 'grads');
      const k = state.count + 1;
      const sched = valueAt(lr, state.count, 'learningRate');
      const bc = Math.sqrt(1 - b2 ** k) / (1 - b1 ** k);
      return tidy(() => {
        const dlr = tf.mul(state.estimLr, sched * bc);
        const numAcc = globalDot(g, mapParams(state.gradSum, (s, n) => tf.div(s, tf.add(tf.sqrt(state.expAvgSq[n]!), eps))));
        const expAvg = mapParams(g, (gk, n) => tf.add(tf.mul(state.expAvg[n]!, b1), tf.mul(tf.mul(gk, dlr), 1 - b1)));
        const expAvgSq = mapParams(g, (gk, n) => tf.add(tf.mul(state.expAvgSq[n]!, b2), tf.mul(tf.square(gk), 1 - b2)));
        const gradSum = mapParams(g, (gk, n) => tf.add(tf.mul(state.gradSum[n]!, sb), tf.mul(tf.mul(gk, dlr), 1 - sb)));
        const l1 = globalSum(gradSum, (x) => tf.abs(x));
        const numeratorWeighted = tf.add(tf.mul(state.numeratorWeighted, sb), tf.mul(tf.mul(dlr, numAcc), 1 - sb)) as Scalar;
        const estimLr = tf.maximum(state.estimLr, tf.div(numeratorWeighted, tf.mul(l1, 1 - sb))) as Scalar;
        const updates: Record<string, Tensor> = mapParams(expAvg, (ea, n) => tf.sub(tf.neg(tf.mul(w[n]!, tf.mul(dlr, wd))), tf.div(ea, tf.add(tf.sqrt(expAvgSq[n]!), eps))));
        return { updates, state: { expAvg, expAvgSq, gradSum, estimLr, numeratorWeighted, count: k } };
      });
    },
  };
}
