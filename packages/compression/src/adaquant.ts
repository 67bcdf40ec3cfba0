import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, checkParam, cleanTapeOnError } from '@losskit/core';
import { type DenseLike, checkBits, checkInputs, checkFiniteWeights, denseParts, quantizeNearest, roundSte, uniformGrid } from './dense.js';

/** Caller-held AdaQuant state of one Dense layer: the trainable weights, bias and grid, and the float targets. */
export interface AdaQuantState {
  readonly bits: number;
  /** `[in, out]` weights being adapted (start: the float kernel). */
  readonly weight: tf.Variable;
  /** `[out]` bias being adapted (start: the float bias, or zeros). */
  readonly bias: tf.Variable;
  /** `[out]` quantization ranges r (trainable); the step is s = r / (2^b − 1). */
  readonly range: tf.Variable;
  /** `[out]` zero points m (trainable, in weight units: the value of the lowest level). */
  readonly zeroPoint: tf.Variable;
  /** The float layer's kernel and bias, whose outputs are the reconstruction target. */
  readonly targetKernel: Tensor;
  readonly targetBias: Tensor;
  dispose(): void;
}

/** Starts AdaQuant on a Dense layer with a per-output-channel min–max grid of `bits` bits (default 4). */
export function adaQuantInit(layer: DenseLike, options: { bits?: number } = {}): AdaQuantState {
  const parts = checkFiniteWeights(denseParts(layer));
  const bits = checkBits(options?.bits ?? 4);
  const grid = uniformGrid(parts.kernel, bits);
  const out = parts.kernel.shape[1]!;
  const targetKernel = tf.clone(parts.kernel);
  const targetBias = parts.bias ? tf.clone(parts.bias) : tf.zeros([out]);
  const levels = 2 ** bits - 1;
  const weight = tf.tidy(() => tf.variable(tf.clone(parts.kernel), true));
  const bias = tf.tidy(() => tf.variable(tf.clone(targetBias), true));
  const range = tf.tidy(() => tf.variable(tf.tensor1d(grid.scale.map((s) => s * levels)), true));
  const zeroPoint = tf.tidy(() => tf.variable(tf.tensor1d(grid.scale.map((s, o) => -s * grid.zeroPoint[o]!)), true));
  return { bits, weight, bias, range, zeroPoint, targetKernel, targetBias, dispose: () => tf.dispose([weight, bias, range, zeroPoint, targetKernel, targetBias]) };
}

/**
 * The fake-quantized kernel s · round(clip((W − m)/s, 0, 2^b − 1)) + m with s = |r|/(2^b − 1) (the uniform quantizer of
 * the authors' `quantize.py`, range r and zero point m per output channel), with the straight-through estimator for
 * round (identity gradient) so W, r and m all get gradients, as AdaQuant trains them. The caller owns it.
 */
export function adaQuantKernel(state: AdaQuantState): Tensor {
  if (!state || !(state.weight instanceof tf.Variable) || state.weight.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'not a live AdaQuant state', { argument: 'state', expected: 'adaQuantInit(layer) (not disposed)' });
  return tf.tidy(() => {
    const s = tf.div(tf.abs(state.range), 2 ** state.bits - 1);
    // Clamp, then round (as the authors' quantizer): the same value as round-then-clamp, and no gradient outside the range.
    const q = roundSte(tf.clipByValue(tf.div(tf.sub(state.weight, state.zeroPoint), s), 0, 2 ** state.bits - 1));
    return tf.add(tf.mul(q, s), state.zeroPoint);
  });
}

/**
 * The AdaQuant layer-wise objective (Hubara, Nahshan, Hanani, Banner & Soudry 2021, *Improving Post Training Neural
 * Quantization: Layer-wise Calibration and Integer Programming*, Eq. 2; the authors' `utils/adaquant.py`):
 * MSE(x Q(W + ΔW) + b + Δb, x W₀ + b₀) over the pre-activations of the calibration inputs x `[N, in]`, differentiable in
 * the weights, bias and quantization parameters (STE through rounding).
 */
export function adaQuantLoss(state: AdaQuantState, inputs: Tensor): Scalar {
  const x = checkInputs(inputs, state?.targetKernel?.shape[0] ?? -1);
  return tf.tidy(() => {
    const target = tf.add(tf.matMul(x, state.targetKernel), state.targetBias);
    const out = tf.add(tf.matMul(x, adaQuantKernel(state)), state.bias);
    return tf.mean(tf.square(tf.sub(out, target))) as Scalar;
  });
}

/** Result of {@link adaQuant}. */
export interface AdaQuantResult {
  /** The quantized kernel `[in, out]` and adapted bias `[out]` (the caller owns them; `layer.setWeights([kernel, bias])`). */
  readonly kernel: Tensor;
  readonly bias: Tensor;
  /** Pre-activation MSE of nearest rounding (float bias) and of AdaQuant, on the calibration inputs. */
  readonly nearestError: number;
  readonly adaQuantError: number;
}

/**
 * Runs AdaQuant on one Dense layer: Adam with the authors' per-group learning rates (weights 1e-5, bias 1e-3,
 * quantization parameters 1e-3) for `iterations` (100) steps on random batches of 50 calibration inputs, then returns
 * the quantized kernel and the adapted bias. Weight quantization only: the authors also quantize and calibrate the
 * layer input (activation quantization), which is left out. The layer itself is not modified.
 *
 * @example const { kernel, bias } = adaQuant(model.layers[0], calibrationInputs, { bits: 4 });
 */
export function adaQuant(layer: DenseLike, inputs: Tensor, options: { bits?: number; iterations?: number; batchSize?: number; seed?: number; learningRates?: { weight?: number; bias?: number; quant?: number } } = {}): AdaQuantResult {
  const iterations = checkParam('iterations', options?.iterations ?? 100, 'an integer >= 1', (v) => Number.isInteger(v) && v >= 1);
  const seed = checkParam('seed', options?.seed ?? 0, 'an integer', (v) => Number.isInteger(v));
  const lrs = options?.learningRates ?? {};
  const lrW = checkParam('learningRates.weight', lrs.weight ?? 1e-5, 'a number > 0', (v) => v > 0);
  const lrB = checkParam('learningRates.bias', lrs.bias ?? 1e-3, 'a number > 0', (v) => v > 0);
  const lrQ = checkParam('learningRates.quant', lrs.quant ?? 1e-3, 'a number > 0', (v) => v > 0);
  const state = adaQuantInit(layer, options?.bits === undefined ? {} : { bits: options.bits });
  try {
    const x = checkInputs(inputs, state.targetKernel.shape[0]!);
    const n = x.shape[0]!;
    const batch = checkParam('batchSize', options?.batchSize ?? Math.min(n, 50), 'an integer >= 1', (v) => Number.isInteger(v) && v >= 1);
    const nearest = tf.tidy(() => {
      const grid = uniformGrid(state.targetKernel, state.bits);
      const w = quantizeNearest(state.targetKernel, grid);
      return tf.mean(tf.square(tf.sub(tf.matMul(x, w), tf.matMul(x, state.targetKernel)))).dataSync()[0]!;
    });
    const opts = [tf.train.adam(lrW), tf.train.adam(lrB), tf.train.adam(lrQ)];
    const groups: tf.Variable[][] = [[state.weight], [state.bias], [state.range, state.zeroPoint]];
    let s = seed >>> 0;
    const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
    try {
      for (let t = 0; t < iterations; t++) {
        tf.tidy(() => {
          const idx = Array.from({ length: Math.min(batch, n) }, () => Math.floor(next() * n));
          const xb = tf.gather(x, tf.tensor1d(idx, 'int32'));
          const all = groups.flat();
          const { value, grads } = cleanTapeOnError(() => tf.variableGrads(() => adaQuantLoss(state, xb), all));
          value.dispose();
          groups.forEach((g, k) => opts[k]!.applyGradients(g.map((v) => ({ name: v.name, tensor: grads[v.name]! }))));
        });
      }
    } finally {
      for (const o of opts) o.dispose();
    }
    const kernel = adaQuantKernel(state);
    const bias = tf.clone(state.bias);
    const adaQuantError = tf.tidy(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, kernel), bias), tf.add(tf.matMul(x, state.targetKernel), state.targetBias)))).dataSync()[0]!);
    return { kernel, bias, nearestError: nearest, adaQuantError };
  } finally {
    state.dispose();
  }
}
