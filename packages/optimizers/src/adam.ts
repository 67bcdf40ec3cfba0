import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule, Schedule } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, mapParams, tidy, valueAt, checkState, optionsOf } from './types.js';
import { chain } from './chain.js';
import { decayedWeights } from './decay.js';
import type { MaskSpec } from './masked.js';
import { scaleByLearningRate } from './scale.js';
import { elementwise } from './fused/registry.js';

/** State of {@link scaleByAdam}: update count and the first and second moments per parameter. */
export interface AdamState {
  readonly count: number;
  readonly mu: Params;
  readonly nu: Params;
}

/** Options of {@link scaleByAdam}. */
export interface ScaleByAdamOptions {
  /** First-moment decay β1. Default 0.9. */
  readonly b1?: number;
  /** Second-moment decay β2. Default 0.999. */
  readonly b2?: number;
  /** ε added to √v̂. Default 1e-8. */
  readonly eps?: number;
  /** ε added inside the square root. Default 0. */
  readonly epsRoot?: number;
  /** Nesterov momentum (NAdam, Dozat 2016): `m̂ = β1·m/(1−β1^{t+1}) + (1−β1)·g/(1−β1^t)`. Default false. */
  readonly nesterov?: boolean;
}

function adamCore(options: ScaleByAdamOptions, lr: ScalarOrSchedule | undefined): GradientTransformation<AdamState> {
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.999);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const epsRoot = p.nonNegative('epsRoot', options.epsRoot ?? 0);
  const nesterov = p.boolean('nesterov', options.nesterov ?? false);
  const rate = lr === undefined ? undefined : checkScalarOrSchedule(lr, 'learningRate');
  const schedule: Schedule | undefined = rate === undefined ? undefined : typeof rate === 'function' ? rate : () => rate;
  const sOf = (count: number) => (rate === undefined ? 1 : -valueAt(rate, count, 'learningRate'));
  return elementwise({
    ...(schedule ? { learningRate: schedule } : {}),
    init: (params) =>
      tidy(() => {
        const ps = checkParams(params, 'params');
        return { count: 0, mu: mapParams(ps, (t) => tf.zerosLike(t)), nu: mapParams(ps, (t) => tf.zerosLike(t)) };
      }),
    update(grads, state) {
      checkState(state, { count: 'count', mu: 'params', nu: 'params' });
      const g = checkMatching(grads, state.mu, 'grads', 'the optimizer state');
      const k = state.count + 1;
      const bc1 = 1 - b1 ** k;
      const bc2 = 1 - b2 ** k;
      const s = rate === undefined ? 1 : -valueAt(rate, state.count, 'learningRate');
      return tidy(() => {
        const mu: Record<string, Tensor> = {};
        const nu: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, name) => {
          const m = tf.add(tf.mul(state.mu[name]!, b1), tf.mul(gk, 1 - b1));
          const v = tf.add(tf.mul(state.nu[name]!, b2), tf.mul(tf.square(gk), 1 - b2));
          mu[name] = m;
          nu[name] = v;
          if (nesterov) {
            const mh = tf.add(tf.mul(m, b1 / (1 - b1 ** (k + 1))), tf.mul(gk, (1 - b1) / bc1));
            return tf.mul(tf.div(mh, tf.add(tf.sqrt(tf.add(tf.div(v, bc2), epsRoot)), eps)), s);
          }
          if (epsRoot === 0) {
            // m̂/(√v̂ + ε) = m·(√bc2/bc1) / (√v + ε√bc2): one scalar multiply instead of two bias corrections.
            const r = Math.sqrt(bc2);
            return tf.mul(tf.div(m, tf.add(tf.sqrt(v), eps * r)), (s * r) / bc1);
          }
          return tf.mul(tf.div(m, tf.add(tf.sqrt(tf.add(tf.div(v, bc2), epsRoot)), eps)), s / bc1);
        });
        return { updates, state: { count: k, mu, nu } };
      });
    },
  }, {
    buffers: [0, 0],
    emit({ b, u: g, buffer, scalar }) {
      // Mirrors the tfjs ops above, op for op.
      const [M, N] = [buffer(0), buffer(1)];
      const m = b.bin('add', b.bin('mul', b.input(M), b.c(b1)), b.bin('mul', g, b.c(1 - b1)));
      const v = b.bin('add', b.bin('mul', b.input(N), b.c(b2)), b.bin('mul', b.bin('mul', g, g), b.c(1 - b2)));
      b.write(M, m);
      b.write(N, v);
      const bc1 = (c: number) => 1 - b1 ** (c + 1);
      const bc2 = (c: number) => 1 - b2 ** (c + 1);
      if (nesterov) {
        const mh = b.bin('add', b.bin('mul', m, scalar((c) => b1 / (1 - b1 ** (c + 2)))), b.bin('mul', g, scalar((c) => (1 - b1) / bc1(c))));
        return b.bin('mul', b.bin('div', mh, b.bin('add', b.un('sqrt', b.bin('add', b.bin('div', v, scalar(bc2)), b.c(epsRoot))), b.c(eps))), scalar(sOf));
      }
      if (epsRoot === 0) {
        return b.bin('mul', b.bin('div', m, b.bin('add', b.un('sqrt', v), scalar((c) => eps * Math.sqrt(bc2(c))))), scalar((c) => (sOf(c) * Math.sqrt(bc2(c))) / bc1(c)));
      }
      return b.bin('mul', b.bin('div', m, b.bin('add', b.un('sqrt', b.bin('add', b.bin('div', v, scalar(bc2)), b.c(epsRoot))), b.c(eps))), scalar((c) => sOf(c) / bc1(c)));
    },
  });
}

/**
 * Rescales updates by Adam's bias-corrected moments (optax `scale_by_adam`):
 * `m ← β1·m + (1−β1)·g`, `v ← β2·v + (1−β2)·g²`, `m̂ = m/(1−β1^t)`, `v̂ = v/(1−β2^t)`, `u = m̂/(√(v̂ + ε_root) + ε)`.
 * Shapes: every update has its parameter's shape. Defaults β1 0.9, β2 0.999, ε 1e-8, ε_root 0.
 * Paper: "Adam: A Method for Stochastic Optimization", Kingma & Ba, 2015.
 * @example chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3))
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<AdamState> {
  options = optionsOf(options);
  return adamCore(options, undefined);
}

/** Options of {@link adam}. */
export interface AdamOptions extends ScaleByAdamOptions {
  /** Step size α (number or schedule). Default 1e-3. */
  readonly learningRate?: ScalarOrSchedule;
}

/**
 * Adam: `θ ← θ − α_t·m̂/(√v̂ + ε)`; the same as `chain(scaleByAdam(o), scaleByLearningRate(α))`, with the learning rate
 * folded into Adam's scalar factor (one fewer elementwise op per tensor). Defaults α 1e-3, β1 0.9, β2 0.999, ε 1e-8.
 * Paper: "Adam: A Method for Stochastic Optimization", Kingma & Ba, 2015.
 * @example const opt = adam({ learningRate: 1e-3 }); let state = opt.init(params);
 */
export function adam(options: AdamOptions = {}): GradientTransformation<AdamState> {
  options = optionsOf(options);
  return adamCore(options, options.learningRate ?? 1e-3);
}

/** Options of {@link adamw}. */
export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay λ (multiplied by the learning rate, as in optax and PyTorch). Default 1e-4. */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters get the decay (a {@link MaskSpec}; default all). */
  readonly mask?: MaskSpec;
}

/**
 * AdamW, Adam with decoupled weight decay: `θ ← θ − α_t·(m̂/(√v̂ + ε) + λ·θ)`, i.e.
 * `chain(scaleByAdam(), addDecayedWeights(λ), scaleByLearningRate(α))` (optax `adamw`). The decay is never added to
 * the gradient, so it is not rescaled by `√v̂`. The paper writes `θ ← θ − η_t(α·m̂/(√v̂+ε) + λ'θ)` with a schedule
 * multiplier η_t; with a constant rate that is this update with `λ = λ'/α`.
 * Defaults α 1e-3, β1 0.9, β2 0.999, ε 1e-8, λ 1e-4.
 * Paper: "Decoupled Weight Decay Regularization", Loshchilov & Hutter, 2019.
 * @example adamw({ learningRate: 1e-3, weightDecay: 1e-2 })
 */
export function adamw(options: AdamWOptions = {}): GradientTransformation<unknown[]> {
  options = optionsOf(options);
  return chain(scaleByAdam(options), decayedWeights(options.weightDecay ?? 1e-4, options.mask), scaleByLearningRate(options.learningRate ?? 1e-3));
}
