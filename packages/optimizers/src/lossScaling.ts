import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, UpdateResult } from './types.js';
import { checkParams, checkTransform, cloneState, mapParams, optionsOf, tidy, zerosLikeParams } from './types.js';
import { nonFiniteEntries } from './apply.js';

/** State of {@link dynamicLossScaling}. */
export interface LossScaleState<S> {
  /** The current loss scale S (multiply the loss by it before differentiating: {@link scaleLoss}). */
  readonly scale: number;
  /** Consecutive finite steps since the scale last changed. */
  readonly goodSteps: number;
  /** Steps skipped so far because the scaled gradient overflowed. */
  readonly skipped: number;
  readonly inner: S;
}

/** Options of {@link dynamicLossScaling}. */
export interface LossScaleOptions {
  /** Initial scale. Default 2^15 (jmp's `DynamicLossScale`). */
  readonly initialScale?: number;
  /** Grow the scale after this many finite steps in a row. Default 2000. */
  readonly growthInterval?: number;
  /** Factor of growth and of the back-off on overflow. Default 2. */
  readonly factor?: number;
  /** The scale never goes below this. Default 1. */
  readonly minScale?: number;
}

/**
 * Dynamic loss scaling for mixed-precision training, around any optimizer. The caller differentiates the *scaled*
 * loss `S·L` (use {@link scaleLoss}); `update` receives those gradients, divides them by S and checks them (one
 * device read-back): if any entry is NaN or ±∞ (the float16 gradient overflowed) the step is skipped (zero updates,
 * the inner state unchanged) and `S ← max(S/factor, minScale)`; otherwise the inner optimizer steps with the unscaled
 * gradient, and after `growthInterval` finite steps in a row `S ← S·factor`. Scaling the loss shifts small gradient
 * values out of float16's flush-to-zero range (below 2⁻²⁴ ≈ 6e-8); simulate a float16 backward pass with
 * {@link roundToFloat16}. Defaults S₀ = 2^15, interval 2000, factor 2, floor 1 (jmp's `DynamicLossScale`; PyTorch's
 * `GradScaler` uses 2^16 and 2000).
 * Paper: "Mixed Precision Training", Micikevicius et al., 2018 (arXiv 1710.03740), Section 3.2 (loss scaling).
 * @example const opt = dynamicLossScaling(adam()); const g = grads of scaleLoss(loss, state); opt.update(g, state)
 */
export function dynamicLossScaling<S>(inner: GradientTransformation<S>, options: LossScaleOptions = {}): GradientTransformation<LossScaleState<S>> {
  checkTransform(inner, 'inner');
  options = optionsOf(options);
  const s0 = p.positive('initialScale', options.initialScale ?? 2 ** 15);
  const interval = p.positiveInteger('growthInterval', options.growthInterval ?? 2000);
  const grow = checkFactor(options.factor ?? 2);
  const floor = p.positive('minScale', options.minScale ?? 1);
  if (floor > s0) throw new LosskitError('INVALID_PARAMETER', 'minScale exceeds initialScale', { argument: 'minScale', expected: `a number <= initialScale (${s0})`, received: String(floor) });
  return {
    ...(inner.learningRate ? { learningRate: inner.learningRate } : {}),
    init: (params) => ({ scale: s0, goodSteps: 0, skipped: 0, inner: inner.init(params) }),
    update(grads, state, params, extra): UpdateResult<LossScaleState<S>> {
      checkLossScaleState(state);
      const g = checkParams(grads, 'grads');
      const unscaled = tidy(() => mapParams(g, (t) => tf.div(t, state.scale)));
      try {
        if (nonFiniteEntries(unscaled).length > 0) {
          return {
            updates: tidy(() => zerosLikeParams(g)),
            state: { scale: Math.max(state.scale / grow, floor), goodSteps: 0, skipped: state.skipped + 1, inner: cloneState(state.inner) },
          };
        }
        const r = inner.update(unscaled, state.inner, params, extra);
        const good = state.goodSteps + 1;
        const grown = good >= interval;
        return { updates: r.updates, state: { scale: grown ? state.scale * grow : state.scale, goodSteps: grown ? 0 : good, skipped: state.skipped, inner: r.state } };
      } finally {
        for (const t of Object.values(unscaled)) t.dispose();
      }
    },
  };
}

function checkFactor(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !(v > 1)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'factor', expected: 'a number > 1', received: String(v) });
  return v;
}

function checkLossScaleState(state: unknown): void {
  const s = state as Partial<LossScaleState<unknown>> | null;
  if (!s || typeof s !== 'object' || typeof s.scale !== 'number' || !(s.scale > 0) || !Number.isFinite(s.scale) || !Number.isInteger(s.goodSteps) || !Number.isInteger(s.skipped) || !('inner' in s)) {
    throw new LosskitError('INVALID_ARGUMENT', 'not a state of this transformation', { argument: 'state', expected: 'the state its init() returned: { scale, goodSteps, skipped, inner }', received: s === null ? 'null' : typeof s });
  }
}

/**
 * The loss multiplied by the current loss scale, `S·L`, to differentiate in a mixed-precision step (see
 * {@link dynamicLossScaling}). Returns a new scalar tensor (the caller disposes it).
 * @example const scaled = scaleLoss(loss, state); // grads of `scaled`, then opt.update(grads, state)
 */
export function scaleLoss(loss: Scalar, state: LossScaleState<unknown>): Scalar {
  checkLossScaleState(state);
  if (!(loss instanceof tf.Tensor) || loss.size !== 1) throw new LosskitError('INVALID_ARGUMENT', 'the loss must be a scalar tensor', { argument: 'loss', expected: 'a tf.Scalar', received: loss instanceof tf.Tensor ? `shape [${loss.shape.join(', ')}]` : typeof loss });
  return tf.tidy(() => tf.mul(tf.reshape(loss, []), state.scale)) as Scalar;
}

/**
 * Rounds every entry to the nearest IEEE-754 binary16 (half precision) value, ties to even, on the host: magnitudes
 * from 65520 overflow to ±∞, values below 2⁻²⁵ flush to ±0, subnormals keep 2⁻²⁴ steps. Returns a new float32 tensor
 * holding the float16 values (NaN stays NaN). Use it to simulate a float16 backward pass on backends without float16.
 * @example roundToFloat16(tf.tensor1d([1e-8, 0.1, 7e4])) // [0, 0.0999755859375, Infinity]
 */
export function roundToFloat16(x: Tensor): Tensor {
  if (!(x instanceof tf.Tensor) || x.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'expected a live tensor', { argument: 'x', expected: 'a tf.Tensor', received: x instanceof tf.Tensor ? 'a disposed tensor' : typeof x });
  const src = x.dataSync();
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = half(src[i]!);
  return tf.tensor(out, x.shape, 'float32');
}

/** Nearest binary16 value of v (ties to even). */
function half(v: number): number {
  if (Number.isNaN(v) || v === 0) return v;
  const a = Math.abs(v);
  if (a >= 65520) return v > 0 ? Infinity : -Infinity;
  // Exponent of the binade (normal numbers from 2^-14); subnormals share the quantum 2^-24.
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const q = 2 ** (Math.max(e, -14) - 10);
  const m = a / q;
  let r = Math.round(m);
  if (Math.abs(m - Math.trunc(m) - 0.5) === 0 && r % 2 !== 0) r -= 1; // exact tie: to even
  const out = r * q;
  return v < 0 ? -out : out;
}
