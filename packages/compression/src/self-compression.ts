import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, checkParam } from '@losskit/core';
import { type DenseLike, checkInputs, checkFiniteWeights, denseParts, roundSte } from './dense.js';

/**
 * The self-compressing quantizer q(x; b, e) = 2^e · ⌊clip(2^{−e} x, −2^{b−1}, 2^{b−1} − 1)⌉ (Cséfalvay & Imber 2023,
 * *Self-Compressing Neural Networks*, Eq. 1), with a straight-through round so the bit depth b ≥ 0 and the exponent e
 * are learned with the weights: ∂/∂x = 1 inside the range, and b and e get gradients through the clip bounds and the
 * 2^e scale. `bits` and `exponent` broadcast against `x` (per output channel: shape `[out]` for a Dense kernel
 * `[in, out]`); b is used as max(b, 0), and b = 0 removes the channel (it quantizes to 0).
 */
export function selfCompressingQuantize(x: Tensor, bits: Tensor, exponent: Tensor): Tensor {
  for (const [t, name] of [[x, 'x'], [bits, 'bits'], [exponent, 'exponent']] as const) {
    if (!(t instanceof tf.Tensor) || t.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'must be a live tensor', { argument: name, expected: 'a float32 tensor' });
  }
  return tf.tidy(() => {
    const b = tf.relu(bits);
    const scaled = tf.mul(x, tf.pow(2, tf.neg(exponent)));
    // The bounds are broadcast to x's shape by a product first: tfjs's Minimum/Maximum gradients do not reduce a
    // broadcast operand (b and e are per channel). With b = 0 the range [−½, −½] collapses and the channel quantizes
    // to 0 after rounding (⌊−½⌉ = 0, ties to even).
    const half = tf.mul(tf.onesLike(scaled), tf.pow(2, tf.sub(b, 1)));
    const clipped = tf.minimum(tf.maximum(scaled, tf.neg(half)), tf.sub(half, 1));
    return tf.mul(tf.pow(2, exponent), roundSte(clipped));
  });
}

/** Caller-held state of a self-compressing Dense layer: learnable bit depth and exponent per output channel. */
export interface SelfCompressionState {
  /** `[out]` bit depths b (trainable; effective depth max(b, 0)). */
  readonly bits: tf.Variable;
  /** `[out]` exponents e (trainable). */
  readonly exponent: tf.Variable;
  /** Fan-in of the layer (weights per output channel). */
  readonly fanIn: number;
  dispose(): void;
}

/**
 * Starts self-compression of a Dense layer: b = `bits` (default 8) and e = `exponent` (default −8, so 8-bit
 * fixed point with step 2⁻⁸ covers |w| < 0.5) for every output channel. The caller owns the state.
 */
export function selfCompressionInit(layer: DenseLike, options: { bits?: number; exponent?: number } = {}): SelfCompressionState {
  const { kernel } = checkFiniteWeights(denseParts(layer));
  const b0 = checkParam('bits', options?.bits ?? 8, 'a number in [0, 32]', (v) => v >= 0 && v <= 32);
  const e0 = checkParam('exponent', options?.exponent ?? -8, 'a number in [-64, 64]', (v) => v >= -64 && v <= 64);
  const out = kernel.shape[1]!;
  const bits = tf.tidy(() => tf.variable(tf.fill([out], b0), true));
  const exponent = tf.tidy(() => tf.variable(tf.fill([out], e0), true));
  return { bits, exponent, fanIn: kernel.shape[0]!, dispose: () => tf.dispose([bits, exponent]) };
}

/**
 * Forward pass of a stack of Dense layers with self-compressed kernels: a ← act(a · q(W_l; b_l, e_l) + bias_l).
 * Differentiable in the layers' weights and in every b and e; use it inside `optimizer.minimize` together with
 * {@link selfCompressionSize}.
 */
export function selfCompressingApply(layers: readonly DenseLike[], states: readonly SelfCompressionState[], x: Tensor): Tensor {
  if (!Array.isArray(layers) || !Array.isArray(states) || layers.length === 0 || layers.length !== states.length) {
    throw new LosskitError('SHAPE_MISMATCH', 'one state per layer', { argument: 'states', expected: Array.isArray(layers) ? `${layers.length} states` : 'layers: an array of Dense layers', received: Array.isArray(states) ? `${states.length}` : typeof states });
  }
  const parts = layers.map((l, i) => denseParts(l, `layers[${i}]`));
  parts.forEach((p, i) => {
    const s = states[i]!;
    if (!s || !(s.bits instanceof tf.Variable) || s.bits.isDisposed || s.bits.shape[0] !== p.kernel.shape[1]) throw new LosskitError('SHAPE_MISMATCH', `state ${i} does not fit its layer`, { argument: `states[${i}]`, expected: `selfCompressionInit(layers[${i}])` });
  });
  checkInputs(x, parts[0]!.kernel.shape[0]!, 'x');
  return tf.tidy(() => {
    let a = x;
    parts.forEach((p, i) => {
      let z = tf.matMul(a, selfCompressingQuantize(p.kernel, states[i]!.bits, states[i]!.exponent));
      if (p.bias) z = tf.add(z, p.bias);
      a = p.activation(z);
    });
    return a;
  });
}

/**
 * The size term Q of self-compression: the average number of bits per weight, Q = Σ_l fanIn_l · Σ_o max(b_{l,o}, 0) / N
 * with N the total number of weights (Cséfalvay & Imber 2023, Eq. 3); the training loss is L_task + γ Q. Differentiable
 * in every b.
 */
export function selfCompressionSize(states: readonly SelfCompressionState[]): Scalar {
  if (!Array.isArray(states) || states.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'no states', { argument: 'states', expected: 'an array of selfCompressionInit(...) states' });
  states.forEach((s, i) => {
    if (!s || !(s.bits instanceof tf.Variable) || s.bits.isDisposed || !Number.isInteger(s.fanIn)) throw new LosskitError('INVALID_ARGUMENT', 'not a live self-compression state', { argument: `states[${i}]`, expected: 'selfCompressionInit(layer)' });
  });
  const total = states.reduce((a, s) => a + s.fanIn * s.bits.shape[0]!, 0);
  return tf.tidy(() => tf.div(tf.addN(states.map((s) => tf.mul(tf.sum(tf.relu(s.bits)), s.fanIn))), total) as Scalar);
}
