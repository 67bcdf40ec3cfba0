import type { TensorLike } from '@losskit/core';
import { LosskitError } from '@losskit/core';
import { readFeatures } from './input.js';
import { topSingularTriple } from './linalg.js';

/** Result of {@link spectralAlignment}. */
export interface SpectralAlignment {
  /** `[N]` a_i = cos(x_i, u₁) of every layer input with the principal input-side singular vector (0 for x_i = 0). */
  readonly alignments: number[];
  /** The largest singular value σ₁ of the kernel. */
  readonly sigma: number;
  /** Fraction of inputs with a_i > 1e-12 (|a_i| ≤ 1e-12 counts as orthogonal, neither sign). */
  readonly positiveFraction: number;
  /** Fraction of inputs with a_i < −1e-12. */
  readonly negativeFraction: number;
  /** 1 − |p₊ − p₋|: 1 when the signs are balanced, 0 when every alignment has the same sign (the collapse warned of). */
  readonly signDiversity: number;
  /** Mean |a_i|. */
  readonly meanAbsAlignment: number;
}

/**
 * Spectral alignment of a layer (after *Spectral Alignment as Predictor of Loss Explosion in Neural Network Training*,
 * Qiu et al. 2025): the distribution of the cosines between the layer inputs x_i `[N, in]` and the principal singular
 * vector u₁ of its weight matrix on the input side (a tfjs Dense kernel W `[in, out]`, y = xW; W v₁ = σ₁ u₁, by power
 * iteration in float64), and the sign diversity of that distribution, 1 − |p₊ − p₋|, whose collapse towards 0 the
 * paper reports as an early warning of representational collapse and loss explosion.
 *
 * Reconstructed from the paper's abstract (the text with the exact statistic was not available): the paper monitors
 * "the distributional alignment between layer inputs and the principal singular vectors of weight matrices" and "a
 * collapse in the sign diversity of this alignment". u₁ is defined up to sign (fixed here by the largest entry of v₁
 * being positive), so p₊ and p₋ may swap between calls on different weights; the sign diversity does not.
 *
 * @example spectralAlignment(denseLayer.getWeights()[0], layerInputs).signDiversity;
 */
export function spectralAlignment(kernel: TensorLike, inputs: TensorLike): SpectralAlignment {
  const w = readFeatures(kernel, 'kernel');
  const x = readFeatures(inputs, 'inputs');
  if (x.d !== w.n) throw new LosskitError('SHAPE_MISMATCH', 'inputs must have one column per kernel row', { argument: 'inputs', expected: `[N, ${w.n}] (kernel is [${w.n}, ${w.d}])`, received: `[${x.n}, ${x.d}]` });
  const { sigma, u } = topSingularTriple(w.data, w.n, w.d);
  const alignments: number[] = [];
  let pos = 0;
  let neg = 0;
  let abs = 0;
  for (let i = 0; i < x.n; i++) {
    let dot = 0;
    let nx = 0;
    // Scale by the row's largest entry first so huge inputs do not overflow the squared norm.
    let m = 0;
    for (let j = 0; j < x.d; j++) m = Math.max(m, Math.abs(x.data[i * x.d + j]!));
    if (m === 0 || sigma === 0) {
      alignments.push(0);
      continue;
    }
    for (let j = 0; j < x.d; j++) {
      const v = x.data[i * x.d + j]! / m;
      dot += v * u[j]!;
      nx += v * v;
    }
    const a = Math.max(-1, Math.min(1, dot / Math.sqrt(nx)));
    alignments.push(a);
    // |a| ≤ 1e-12 is orthogonal up to the float64 accuracy of u₁: neither sign.
    if (a > 1e-12) pos++;
    else if (a < -1e-12) neg++;
    abs += Math.abs(a);
  }
  const p = pos / x.n;
  const q = neg / x.n;
  return { alignments, sigma, positiveFraction: p, negativeFraction: q, signDiversity: 1 - Math.abs(p - q), meanAbsAlignment: abs / x.n };
}
