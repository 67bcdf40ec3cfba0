/**
 * The parts of a tfjs-layers Dense layer the compression methods use, and the checks at the boundary.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, assertFinite, checkParam, formatShape } from '@losskit/core';

/** A tfjs-layers Dense layer (or anything shaped like one): kernel `[in, out]`, optional bias `[out]`, activation. */
export interface DenseLike {
  getClassName(): string;
  readonly trainableWeights: readonly { read(): Tensor }[];
}

/** The kernel `[in, out]`, the bias `[out]` (or undefined) and the activation of a Dense layer. */
export interface DenseParts {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | undefined;
  readonly activation: (t: Tensor) => Tensor;
}

/** Reads a Dense layer's kernel, bias and activation; `INVALID_ARGUMENT` naming `argument` for anything else. */
export function denseParts(layer: DenseLike, argument = 'layer'): DenseParts {
  if (!layer || typeof layer.getClassName !== 'function' || layer.getClassName() !== 'Dense' || !Array.isArray(layer.trainableWeights)) {
    throw new LosskitError('INVALID_ARGUMENT', 'not a Dense layer', { argument, expected: 'a tfjs-layers Dense layer (tf.layers.dense)', received: layer && typeof layer.getClassName === 'function' ? layer.getClassName() : typeof layer });
  }
  const [k, b] = layer.trainableWeights.map((w) => w.read());
  if (!(k instanceof tf.Variable) || k.rank !== 2) throw new LosskitError('INVALID_ARGUMENT', 'the layer has no trainable kernel (is it frozen or not built?)', { argument, expected: 'a built Dense layer with a trainable kernel [in, out]' });
  const act = (layer as unknown as { activation?: { apply(t: Tensor): Tensor } }).activation;
  return { kernel: k, bias: b instanceof tf.Variable ? b : undefined, activation: act && typeof act.apply === 'function' ? (t) => act.apply(t) : (t) => t };
}

/**
 * Throws `NON_FINITE_INPUT` (naming `argument.kernel` / `argument.bias`) when the layer's weights hold NaN or ±Inf: the
 * min–max grid and every result would be NaN. One read-back; the entry points (`adaRoundInit`, `adaQuantInit`,
 * `selfCompressionInit`) call it, not the per-step forward passes.
 */
export function checkFiniteWeights(parts: DenseParts, argument = 'layer'): DenseParts {
  assertFinite(parts.kernel.dataSync(), `${argument}.kernel`, parts.kernel.shape);
  if (parts.bias) assertFinite(parts.bias.dataSync(), `${argument}.bias`, parts.bias.shape);
  return parts;
}

/** Checks calibration inputs `[N, in]` for a kernel `[in, out]`. */
export function checkInputs(x: unknown, inDim: number, argument = 'inputs'): Tensor {
  if (!(x instanceof tf.Tensor) || x.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'must be a live tensor', { argument, expected: `a float32 tensor [N, ${inDim}]`, received: x instanceof tf.Tensor ? 'a disposed tensor' : typeof x });
  if (x.rank !== 2 || x.shape[1] !== inDim || x.shape[0] === 0) throw new LosskitError('SHAPE_MISMATCH', 'inputs must be [N, in] with N >= 1', { argument, expected: `[N, ${inDim}]`, received: formatShape(x.shape) });
  if (x.dtype !== 'float32') throw new LosskitError('INVALID_ARGUMENT', 'unsupported dtype', { argument, expected: 'float32', received: x.dtype });
  const v = x.dataSync();
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument, expected: 'finite numbers', received: `${v[i]} at flat index ${i}` });
  return x;
}

/** Checks a bit width (an integer in [lo, 16]). */
export function checkBits(bits: unknown, lo = 2): number {
  return checkParam('bits', bits, `an integer in [${lo}, 16]`, (v) => Number.isInteger(v) && v >= lo && v <= 16);
}

/** `round(x)` with the straight-through gradient (identity), as every quantization-aware method here uses. */
export const roundSte = (x: Tensor): Tensor =>
  tf.customGrad(((t: Tensor) => ({ value: tf.round(t), gradFunc: (dy: Tensor) => dy })) as never)(x) as Tensor;

/** Per-output-channel asymmetric min–max quantization grid of a kernel `[in, out]`: scale s_o and zero point z_o. */
export interface UniformGrid {
  readonly bits: number;
  /** `[out]` step sizes s > 0. */
  readonly scale: number[];
  /** `[out]` integer zero points z ∈ [0, 2^b − 1]. */
  readonly zeroPoint: number[];
}

/**
 * The min–max grid of each output channel (column) of a kernel: s = (max(w, 0) − min(w, 0)) / (2^b − 1), z = round(−min/s),
 * so the grid {s (q − z) : q = 0 … 2^b − 1} covers the column and 0 (as BRECQ's / AdaRound's `UniformAffineQuantizer`
 * with `channel_wise`, min–max init). An all-zero column gets s = 1, z = 0. Errors: `INVALID_ARGUMENT` (not a live matrix),
 * `INVALID_PARAMETER` (bits outside [2, 16]), `NON_FINITE_INPUT`.
 */
export function uniformGrid(kernel: Tensor, bits: number): UniformGrid {
  if (!(kernel instanceof tf.Tensor) || kernel.isDisposed || kernel.rank !== 2) throw new LosskitError('INVALID_ARGUMENT', 'kernel must be a live matrix', { argument: 'kernel', expected: 'a tensor [in, out]', received: kernel instanceof tf.Tensor ? (kernel.isDisposed ? 'a disposed tensor' : formatShape(kernel.shape)) : typeof kernel });
  checkBits(bits);
  const [inDim, out] = kernel.shape as [number, number];
  const v = kernel.dataSync();
  assertFinite(v, 'kernel', kernel.shape);
  const levels = 2 ** bits - 1;
  const scale: number[] = [];
  const zeroPoint: number[] = [];
  for (let o = 0; o < out; o++) {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < inDim; i++) {
      lo = Math.min(lo, v[i * out + o]!);
      hi = Math.max(hi, v[i * out + o]!);
    }
    const s = hi > lo ? (hi - lo) / levels : 1;
    scale.push(s);
    zeroPoint.push(Math.min(levels, Math.max(0, Math.round(-lo / s))));
  }
  return { bits, scale, zeroPoint };
}

/**
 * Nearest rounding on a grid: s (clip(round(w/s) + z, 0, 2^b − 1) − z), the baseline AdaRound and AdaQuant improve on.
 * Errors: `INVALID_ARGUMENT` (kernel not a live matrix), `SHAPE_MISMATCH` (grid of another width), `INVALID_PARAMETER`
 * (bits, scales ≤ 0, zero points off the grid), `NON_FINITE_INPUT`.
 */
export function quantizeNearest(kernel: Tensor, grid: UniformGrid): Tensor {
  if (!(kernel instanceof tf.Tensor) || kernel.isDisposed || kernel.rank !== 2) throw new LosskitError('INVALID_ARGUMENT', 'kernel must be a live matrix', { argument: 'kernel', expected: 'a tensor [in, out]', received: kernel instanceof tf.Tensor ? (kernel.isDisposed ? 'a disposed tensor' : formatShape(kernel.shape)) : typeof kernel });
  const out = kernel.shape[1]!;
  if (!grid || typeof grid !== 'object' || !Array.isArray(grid.scale) || !Array.isArray(grid.zeroPoint) || grid.scale.length !== out || grid.zeroPoint.length !== out) {
    throw new LosskitError('SHAPE_MISMATCH', 'one grid entry per output channel', { argument: 'grid', expected: `uniformGrid(kernel, bits) with ${out} scales and zero points`, received: grid && Array.isArray(grid.scale) ? `${grid.scale.length} scales` : typeof grid });
  }
  const bits = checkBits(grid.bits);
  grid.scale.forEach((v, o) => checkParam(`grid.scale[${o}]`, v, 'a finite number > 0', (x) => x > 0));
  grid.zeroPoint.forEach((v, o) => checkParam(`grid.zeroPoint[${o}]`, v, `an integer in [0, ${2 ** bits - 1}]`, (x) => Number.isInteger(x) && x >= 0 && x <= 2 ** bits - 1));
  assertFinite(kernel.dataSync(), 'kernel', kernel.shape);
  return tf.tidy(() => {
    const s = tf.tensor1d(grid.scale);
    const z = tf.tensor1d(grid.zeroPoint);
    return tf.mul(tf.sub(tf.clipByValue(tf.add(tf.round(tf.div(kernel, s)), z), 0, 2 ** grid.bits - 1), z), s);
  });
}
