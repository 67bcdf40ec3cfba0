import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, needParams, tidy, zerosLikeParams } from './types.js';
import { chain } from './chain.js';
import { scaleByLearningRate } from './scale.js';

/** State of {@link scaleByNovograd}: count, per-tensor momentum and per-tensor (scalar) second moment. */
export interface NovogradState {
  readonly count: number;
  readonly mu: Params;
  /** One scalar per tensor: the moving average of ‖g‖². */
  readonly nu: Params;
}

/** Options of {@link scaleByNovograd}. */
export interface ScaleByNovogradOptions {
  readonly b1?: number;
  /** Default 0.25. */
  readonly b2?: number;
  readonly eps?: number;
  readonly epsRoot?: number;
  readonly weightDecay?: number;
}

/**
 * NovoGrad scaling (optax `scale_by_novograd`), layer-wise second moments: at t = 1 `ν = ‖g‖²`,
 * `m = g/(√(ν + ε_root) + ε) + λθ`; after, `ν ← β2ν + (1−β2)‖g‖²`, `m ← β1m + g/(√(ν + ε_root) + ε) + λθ`; `u = m`.
 * Needs `params`. Defaults β (0.9, 0.25), ε 1e-8 (the alias uses 1e-6), λ 0.
 * Paper: "Stochastic Gradient Methods with Layer-wise Adaptive Moments for Training of Deep Networks", Ginsburg et al., 2019.
 * @example chain(scaleByNovograd(), scaleByLearningRate(1e-2))
 */
export function scaleByNovograd(options: ScaleByNovogradOptions = {}): GradientTransformation<NovogradState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.25);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const epsRoot = p.nonNegative('epsRoot', options.epsRoot ?? 0);
  const wd = p.nonNegative('weightDecay', options.weightDecay ?? 0);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { count: 0, mu: zerosLikeParams(ps), nu: mapParams(ps, () => tf.scalar(0)) };
    }),
    update(grads, state, params) {
      const g = checkMatching(grads, state.mu, 'grads', 'the optimizer state');
      const w = checkMatching(needParams(params, 'scaleByNovograd'), g, 'params', 'grads');
      const first = state.count === 0;
      return tidy(() => {
        const nu: Record<string, Tensor> = {};
        const mu = mapParams(g, (gk, k) => {
          const sq = tf.sum(tf.square(gk));
          nu[k] = first ? sq : tf.add(tf.mul(state.nu[k]!, b2), tf.mul(sq, 1 - b2));
          let add = tf.div(gk, tf.add(tf.sqrt(tf.add(nu[k]!, epsRoot)), eps));
          if (wd !== 0) add = tf.add(add, tf.mul(w[k]!, wd));
          return first ? add : tf.add(tf.mul(state.mu[k]!, b1), add);
        });
        return { updates: mapParams(mu, (m) => tf.clone(m)), state: { count: state.count + 1, mu, nu } };
      });
    },
  };
}

/**
 * NovoGrad (optax `novograd`): `chain(scaleByNovograd(o), scaleByLearningRate(α))`. Defaults α 1e-2, β (0.9, 0.25), ε 1e-6, λ 0.
 * Paper: "Stochastic Gradient Methods with Layer-wise Adaptive Moments for Training of Deep Networks", Ginsburg et al., 2019.
 * @example novograd({ learningRate: 1e-2, weightDecay: 1e-3 })
 */
export function novograd(options: ScaleByNovogradOptions & { readonly learningRate?: ScalarOrSchedule } = {}): GradientTransformation<unknown[]> {
  return chain(scaleByNovograd({ ...options, eps: options.eps ?? 1e-6 }), scaleByLearningRate(options.learningRate ?? 1e-2));
}
