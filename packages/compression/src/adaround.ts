import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, checkParam, cleanTapeOnError, params } from '@losskit/core';
import { type DenseLike, type UniformGrid, checkBits, checkInputs, checkFiniteWeights, denseParts, quantizeNearest, uniformGrid } from './dense.js';

/** ζ and γ of the rectified sigmoid (Nagel et al. 2020, §3.3; BRECQ's `AdaRoundQuantizer`). */
export const ADAROUND_ZETA = 1.1;
export const ADAROUND_GAMMA = -0.1;

/** Caller-held AdaRound state of one Dense layer: the rounding variables V and the fixed grid. Dispose V when done. */
export interface AdaRoundState {
  /** `[in, out]` continuous rounding variables (trainable). */
  readonly v: tf.Variable;
  readonly grid: UniformGrid;
  /** `[in, out]` ⌊W/s⌋, fixed. */
  readonly floor: Tensor;
  /** The float kernel W `[in, out]` (a copy), the reconstruction target's weights. */
  readonly kernel: Tensor;
  readonly bias: Tensor | undefined;
  readonly activation: (t: Tensor) => Tensor;
  dispose(): void;
}

/** h(V) = clip(σ(V)(ζ − γ) + γ, 0, 1), the rectified sigmoid. */
export function rectifiedSigmoid(v: Tensor): Tensor {
  return tf.tidy(() => tf.clipByValue(tf.add(tf.mul(tf.sigmoid(v), ADAROUND_ZETA - ADAROUND_GAMMA), ADAROUND_GAMMA), 0, 1));
}

/**
 * Starts AdaRound on a Dense layer: a per-output-channel min–max grid of `bits` bits, ⌊W/s⌋, and V initialized so that
 * h(V) = W/s − ⌊W/s⌋ (the soft-quantized kernel starts at W), as BRECQ's `init_alpha`:
 * V = −log((ζ − γ)/(rest − γ) − 1). The caller owns the state (`dispose()`).
 */
export function adaRoundInit(layer: DenseLike, options: { bits?: number } = {}): AdaRoundState {
  const parts = checkFiniteWeights(denseParts(layer));
  const bits = checkBits(options?.bits ?? 4);
  const grid = uniformGrid(parts.kernel, bits);
  const kernel = tf.clone(parts.kernel);
  const bias = parts.bias ? tf.clone(parts.bias) : undefined;
  const floor = tf.tidy(() => tf.floor(tf.div(kernel, tf.tensor1d(grid.scale))));
  const v = tf.tidy(() => {
    const rest = tf.sub(tf.div(kernel, tf.tensor1d(grid.scale)), floor);
    // rest ∈ [0, 1): −log((ζ−γ)/(rest−γ) − 1), finite since rest − γ ∈ [0.1, 1.1).
    return tf.variable(tf.neg(tf.log(tf.sub(tf.div(ADAROUND_ZETA - ADAROUND_GAMMA, tf.sub(rest, ADAROUND_GAMMA)), 1))), true);
  });
  return { v, grid, floor, kernel, bias, activation: parts.activation, dispose: () => tf.dispose([v, floor, kernel, ...(bias ? [bias] : [])]) };
}

/**
 * The quantized kernel W̃ = s (clip(⌊W/s⌋ + h + z, 0, 2^b − 1) − z): soft (h = h(V), differentiable in V) or hard
 * (h = 1[V ≥ 0], the final rounding). The caller owns the result.
 */
export function adaRoundKernel(state: AdaRoundState, options: { hard?: boolean } = {}): Tensor {
  checkState(state);
  const hard = params.boolean('hard', options?.hard ?? false);
  return tf.tidy(() => {
    const h = hard ? tf.cast(tf.greaterEqual(state.v, 0), 'float32') : rectifiedSigmoid(state.v);
    const z = tf.tensor1d(state.grid.zeroPoint);
    const q = tf.clipByValue(tf.add(tf.add(state.floor, h), z), 0, 2 ** state.grid.bits - 1);
    return tf.mul(tf.sub(q, z), tf.tensor1d(state.grid.scale));
  });
}

function checkState(state: AdaRoundState): void {
  if (!state || !(state.v instanceof tf.Variable) || state.v.isDisposed || !state.grid) throw new LosskitError('INVALID_ARGUMENT', 'not a live AdaRound state', { argument: 'state', expected: 'adaRoundInit(layer) (not disposed)' });
}

/**
 * β of the rounding regularizer at `step` of `total` (BRECQ's `LinearTempDecay`): `start` (20) during the first
 * `warmup` fraction (0.2), then linearly down to `end` (2).
 */
export function adaRoundBeta(step: number, total: number, options: { warmup?: number; start?: number; end?: number } = {}): number {
  const t = checkParam('step', step, 'an integer >= 0', (v) => Number.isInteger(v) && v >= 0);
  const T = checkParam('total', total, 'an integer >= 1', (v) => Number.isInteger(v) && v >= 1);
  const warm = checkParam('warmup', options?.warmup ?? 0.2, 'a number in [0, 1)', (v) => v >= 0 && v < 1);
  const start = checkParam('start', options?.start ?? 20, 'a number > 0', (v) => v > 0);
  const end = checkParam('end', options?.end ?? 2, 'a number > 0', (v) => v > 0);
  const s0 = warm * T;
  if (t < s0) return start;
  const rel = (t - s0) / (T - s0);
  return end + (start - end) * Math.max(0, 1 - rel);
}

/**
 * The AdaRound objective of one Dense layer on calibration inputs x `[N, in]` (Nagel, Amjad, van Baalen, Louizos &
 * Blankevoort 2020, *Up or Down? Adaptive Rounding for Post-Training Quantization*, Eq. 21–24):
 *
 * (1/N) Σ_n ‖x_n W − x_n W̃(V)‖² + λ Σ_ij (1 − |2 h(V_ij) − 1|^β)
 *
 * (the pre-activation reconstruction, summed over outputs and averaged over the batch as BRECQ's `lp_loss`), with
 * the regularizer switched off during warm-up as BRECQ does when `beta` is undefined. Differentiable in V.
 */
export function adaRoundLoss(state: AdaRoundState, inputs: Tensor, options: { beta?: number; lambda?: number } = {}): Scalar {
  checkState(state);
  const x = checkInputs(inputs, state.kernel.shape[0]!);
  const lambda = checkParam('lambda', options?.lambda ?? 0.01, 'a number >= 0', (v) => v >= 0);
  const beta = options?.beta === undefined ? undefined : checkParam('beta', options.beta, 'a number > 0', (v) => v > 0);
  return tf.tidy(() => {
    const target = tf.matMul(x, state.kernel);
    const out = tf.matMul(x, adaRoundKernel(state));
    const rec = tf.mean(tf.sum(tf.square(tf.sub(out, target)), -1));
    if (beta === undefined || lambda === 0) return rec as Scalar;
    const h = rectifiedSigmoid(state.v);
    const reg = tf.sum(tf.sub(1, tf.pow(tf.abs(tf.sub(tf.mul(h, 2), 1)), beta)));
    return tf.add(rec, tf.mul(reg, lambda)) as Scalar;
  });
}

/** Result of {@link adaRound}. */
export interface AdaRoundResult {
  /** The hard-rounded kernel `[in, out]` (the caller owns it; `layer.setWeights([kernel, bias])` applies it). */
  readonly kernel: Tensor;
  /** Reconstruction error (1/N) Σ ‖xW − xW̃‖² of nearest rounding and of the AdaRound kernel, on the calibration inputs. */
  readonly nearestError: number;
  readonly adaRoundError: number;
  /** Fraction of weights rounded up. */
  readonly roundedUp: number;
}

/**
 * Runs AdaRound on one Dense layer: Adam (learning rate 1e-3) on V for `iterations` steps over the calibration
 * inputs, β annealed 20 → 2 after 20% warm-up, λ = 0.01 (BRECQ's defaults), then hard rounding. The layer itself is
 * not modified. Cost: `iterations` forward/backward passes of one matrix product.
 *
 * @example const { kernel } = adaRound(model.layers[0], calibrationInputs, { bits: 4 });
 */
export function adaRound(layer: DenseLike, inputs: Tensor, options: { bits?: number; iterations?: number; learningRate?: number; lambda?: number; batchSize?: number } = {}): AdaRoundResult {
  const iterations = checkParam('iterations', options?.iterations ?? 500, 'an integer >= 1', (v) => Number.isInteger(v) && v >= 1);
  const lr = checkParam('learningRate', options?.learningRate ?? 1e-3, 'a number > 0', (v) => v > 0);
  const state = adaRoundInit(layer, options?.bits === undefined ? {} : { bits: options.bits });
  try {
    const x = checkInputs(inputs, state.kernel.shape[0]!);
    const n = x.shape[0]!;
    const batch = checkParam('batchSize', options?.batchSize ?? Math.min(n, 32), 'an integer >= 1', (v) => Number.isInteger(v) && v >= 1);
    const opt = tf.train.adam(lr);
    try {
      for (let t = 0; t < iterations; t++) {
        const beta = t < 0.2 * iterations ? undefined : adaRoundBeta(t, iterations);
        const start = (t * batch) % n;
        tf.tidy(() => {
          const xb = tf.slice(x, start, Math.min(batch, n - start));
          const lossFn = () => adaRoundLoss(state, xb, { ...(beta === undefined ? {} : { beta }), lambda: options?.lambda ?? 0.01 });
          cleanTapeOnError(() => opt.minimize(lossFn, false, [state.v]));
        });
      }
    } finally {
      opt.dispose();
    }
    const kernel = adaRoundKernel(state, { hard: true });
    const err = (w: Tensor) => tf.tidy(() => tf.mean(tf.sum(tf.square(tf.sub(tf.matMul(x, w), tf.matMul(x, state.kernel))), -1)).dataSync()[0]!);
    const nearest = quantizeNearest(state.kernel, state.grid);
    const nearestError = err(nearest);
    nearest.dispose();
    const roundedUp = tf.tidy(() => tf.mean(tf.cast(tf.greaterEqual(state.v, 0), 'float32')).dataSync()[0]!);
    return { kernel, nearestError, adaRoundError: err(kernel), roundedUp };
  } finally {
    state.dispose();
  }
}
