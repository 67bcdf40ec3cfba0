import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, needParams, tidy } from './types.js';
import { chain } from './chain.js';
import { clipByBlockRms } from './clip.js';
import { decayedWeights } from './decay.js';
import { ema } from './ema.js';
import type { MaskSpec } from './masked.js';
import { scale, scaleByLearningRate, type EmptyState } from './scale.js';

/** State of {@link scaleByFactoredRms} (optax `FactoredState`): unused entries hold a `[1]` zero, as in optax. */
export interface FactoredState {
  readonly count: number;
  /** Row statistics (the largest axis d0 removed) of factored tensors. */
  readonly vRow: Params;
  /** Column statistics (the second-largest axis d1 removed) of factored tensors. */
  readonly vCol: Params;
  /** Full second moments of unfactored tensors. */
  readonly v: Params;
}

/** Options of {@link scaleByFactoredRms}. */
export interface FactoredRmsOptions {
  /** Factor the second moments of rank ≥ 2 tensors. Default true. */
  readonly factored?: boolean;
  /** Exponent c of the decay `β2_t = 1 − (t + 1)^{−c}`. Default 0.8. */
  readonly decayRate?: number;
  /** Step offset of the decay schedule. Default 0. */
  readonly decayOffset?: number;
  /** Factor only when the second-largest axis has at least this size. Default 128. */
  readonly minDimSizeToFactor?: number;
  /** ε₁ added to g². Default 1e-30. */
  readonly eps?: number;
}

/** optax `_factored_dims`: (d1, d0) = (second-largest, largest) axis, ties by index (numpy's argsort on small arrays). */
function factoredDims(shape: readonly number[], factored: boolean, minDim: number): [number, number] | null {
  if (!factored || shape.length < 2) return null;
  const sorted = shape.map((d, i) => [d, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[1]);
  const d1 = sorted[sorted.length - 2]!;
  if (shape[d1]! < minDim) return null;
  return [d1, sorted[sorted.length - 1]!];
}

/**
 * Adafactor's factored second-moment scaling (optax `scale_by_factored_rms`). With `β_t = 1 − (t − offset + 1)^{−c}`
 * (t = 0, 1, …) and `G = g² + ε₁`: for a factored tensor (rank ≥ 2, second-largest axis ≥ minDimSizeToFactor; d0 the
 * largest axis, d1 the second largest) `R ← β_tR + (1−β_t)·mean_{d0}G`, `C ← β_tC + (1−β_t)·mean_{d1}G`,
 * `u = g·(R/mean(R))^{−½}·C^{−½}` (R, C broadcast back); otherwise `v ← β_tv + (1−β_t)G`, `u = g·v^{−½}`. Needs `params`.
 * Paper: "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost", Shazeer & Stern, 2018.
 * @example chain(scaleByFactoredRms(), clipByBlockRms(1), scaleByParamBlockRms(), scale(-1e-2))
 */
export function scaleByFactoredRms(options: FactoredRmsOptions = {}): GradientTransformation<FactoredState> {
  const factored = p.boolean('factored', options.factored ?? true);
  const c = p.nonNegative('decayRate', options.decayRate ?? 0.8);
  const offset = p.finite('decayOffset', options.decayOffset ?? 0);
  const minDim = p.positiveInteger('minDimSizeToFactor', options.minDimSizeToFactor ?? 128);
  const eps = p.nonNegative('eps', options.eps ?? 1e-30);
  const one = () => tf.zeros([1]);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      const vRow: Record<string, Tensor> = {};
      const vCol: Record<string, Tensor> = {};
      const v: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(ps)) {
        const dims = factoredDims(t.shape, factored, minDim);
        if (dims) {
          vRow[k] = tf.zeros(t.shape.filter((_, i) => i !== dims[1]));
          vCol[k] = tf.zeros(t.shape.filter((_, i) => i !== dims[0]));
          v[k] = one();
        } else {
          vRow[k] = one();
          vCol[k] = one();
          v[k] = tf.zerosLike(t);
        }
      }
      return { count: 0, vRow, vCol, v };
    }),
    update(grads, state, params) {
      const w = checkParams(needParams(params, 'scaleByFactoredRms'), 'params');
      const g = checkMatching(grads, w, 'grads', 'params');
      const names = Object.keys(state.v);
      if (names.length !== Object.keys(g).length || names.some((k) => !(k in g))) {
        throw new LosskitError('INVALID_ARGUMENT', 'grads do not match the optimizer state', { argument: 'grads', expected: `the names ${names.join(', ')}`, received: Object.keys(g).join(', ') });
      }
      const beta = 1 - (state.count - offset + 1) ** -c;
      return tidy(() => {
        const vRow: Record<string, Tensor> = {};
        const vCol: Record<string, Tensor> = {};
        const v: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          const dims = factoredDims(gk.shape, factored, minDim);
          const G = tf.add(tf.square(gk), eps);
          if (dims) {
            const [d1, d0] = dims;
            const r = tf.add(tf.mul(state.vRow[k]!, beta), tf.mul(tf.mean(G, d0), 1 - beta));
            const col = tf.add(tf.mul(state.vCol[k]!, beta), tf.mul(tf.mean(G, d1), 1 - beta));
            vRow[k] = r;
            vCol[k] = col;
            v[k] = one();
            const reducedD1 = d1 > d0 ? d1 - 1 : d1;
            const rowFactor = tf.rsqrt(tf.div(r, tf.mean(r, reducedD1, true)));
            const colFactor = tf.rsqrt(col);
            return tf.mul(tf.mul(gk, tf.expandDims(rowFactor, d0)), tf.expandDims(colFactor, d1));
          }
          vRow[k] = one();
          vCol[k] = one();
          v[k] = tf.add(tf.mul(state.v[k]!, beta), tf.mul(G, 1 - beta));
          return tf.mul(gk, tf.rsqrt(v[k]!));
        });
        return { updates, state: { count: state.count + 1, vRow, vCol, v } };
      });
    },
  };
}

/**
 * Scales each tensor's update by its parameter's RMS (optax `scale_by_param_block_rms`): `u ← u·max(rms(θ), m)`
 * (`m` when rms(θ) <= m). Default m 1e-3. Paper: Shazeer & Stern, 2018 (relative step size).
 * @example chain(scaleByFactoredRms(), scaleByParamBlockRms(), scale(-1e-2))
 */
export function scaleByParamBlockRms(minScale = 1e-3): GradientTransformation<EmptyState> {
  p.nonNegative('minScale', minScale);
  return {
    init: () => ({}),
    update(grads, state, params) {
      const g = checkParams(grads, 'grads');
      const w = checkMatching(needParams(params, 'scaleByParamBlockRms'), g, 'params', 'grads');
      return { updates: tidy(() => mapParams(g, (u, k) => tf.mul(u, tf.maximum(tf.sqrt(tf.mean(tf.square(w[k]!))), minScale)))), state };
    },
  };
}

/** Options of {@link adafactor} (optax's names and defaults). */
export interface AdafactorOptions extends FactoredRmsOptions {
  /** Step size (number or schedule). Default: none (optax), i.e. the step is the parameter scale; see `relativeStep`. */
  readonly learningRate?: ScalarOrSchedule;
  /** The paper's relative step `ρ_t = min(1e-2, 1/√t)` as the learning rate (used when `learningRate` is not given). Default false. */
  readonly relativeStep?: boolean;
  /** Multiply by the parameter RMS (`scaleByParamBlockRms`). Default true. */
  readonly multiplyByParameterScale?: boolean;
  /** Block-RMS clipping threshold d (`null` for none). Default 1. */
  readonly clippingThreshold?: number | null;
  /** First-moment decay β1 (an EMA without debiasing); none by default. */
  readonly momentum?: number;
  /** Decoupled weight decay rate (after the scaling). None by default. */
  readonly weightDecayRate?: ScalarOrSchedule;
  readonly weightDecayMask?: MaskSpec;
}

/**
 * Adafactor (optax `adafactor`): `chain(scaleByFactoredRms, clipByBlockRms(d), ×α_t, scaleByParamBlockRms(),
 * ema(β1)?, addDecayedWeights(λ)?, scale(−1))`. With `relativeStep`, `α_t = min(1e-2, 1/√t)` (Shazeer & Stern, Section 8).
 * Defaults: factored, c 0.8, minDimSizeToFactor 128, ε₁ 1e-30, d 1, parameter scaling on, no momentum, no decay.
 * Paper: "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost", Shazeer & Stern, 2018.
 * @example adafactor({ relativeStep: true })
 */
export function adafactor(options: AdafactorOptions = {}): GradientTransformation<unknown[]> {
  const parts: GradientTransformation<any>[] = [scaleByFactoredRms(options)];
  const d = options.clippingThreshold === undefined ? 1 : options.clippingThreshold;
  if (d !== null) parts.push(clipByBlockRms(d));
  const lr: ScalarOrSchedule | undefined = options.learningRate ?? (p.boolean('relativeStep', options.relativeStep ?? false) ? (t: number) => Math.min(1e-2, 1 / Math.sqrt(t + 1)) : undefined);
  if (lr !== undefined) parts.push(scaleByLearningRate(lr), scale(-1)); // optax's scale_by_learning_rate(lr, flip_sign=False)
  if (p.boolean('multiplyByParameterScale', options.multiplyByParameterScale ?? true)) parts.push(scaleByParamBlockRms());
  if (options.momentum !== undefined) parts.push(ema(options.momentum, { debias: false }));
  if (options.weightDecayRate !== undefined) parts.push(decayedWeights(options.weightDecayRate, options.weightDecayMask));
  parts.push(scale(-1));
  return chain(...parts);
}
