import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, assertFinite, checkParam, formatShape } from '@losskit/core';

function checkWeights(pre: readonly Tensor[], ft: readonly Tensor[]): void {
  if (!Array.isArray(pre) || !Array.isArray(ft) || pre.length !== ft.length || pre.length === 0) {
    throw new LosskitError('SHAPE_MISMATCH', 'the same list of weights for both endpoints', { argument: 'fineTuned', expected: Array.isArray(pre) ? `${pre.length} tensors (as pretrained)` : 'an array of tensors', received: Array.isArray(ft) ? `${ft.length}` : typeof ft });
  }
  pre.forEach((p, i) => {
    const f = ft[i]!;
    if (!(p instanceof tf.Tensor) || p.isDisposed) throw new LosskitError('INVALID_ARGUMENT', `weight ${i} is not a live tensor`, { argument: `pretrained[${i}]` });
    if (!(f instanceof tf.Tensor) || f.isDisposed) throw new LosskitError('INVALID_ARGUMENT', `weight ${i} is not a live tensor`, { argument: `fineTuned[${i}]` });
    if (p.shape.length !== f.shape.length || p.shape.some((d: number, k: number) => d !== f.shape[k])) throw new LosskitError('SHAPE_MISMATCH', `weight ${i} has another shape`, { argument: `fineTuned[${i}]`, expected: formatShape(p.shape), received: formatShape(f.shape) });
    assertFinite(p.dataSync(), `pretrained[${i}]`, p.shape);
    assertFinite(f.dataSync(), `fineTuned[${i}]`, f.shape);
  });
}

/**
 * WiSE-FT weight-space ensembling (Wortsman et al. 2022, *Robust fine-tuning of zero-shot models*), the interpolation
 * that BANG (*Spurious Feature Diversification Improves Out-of-distribution Generalization*, Lin et al. 2024) applies
 * to a fine-tuned endpoint trained with mixup or label smoothing: θ_α = (1 − α) θ_pre + α θ_ft, weight by weight
 * (`model.getWeights()` order). Returns new tensors (the caller owns them; `model.setWeights(result)` applies them).
 * For BANG, fine-tune with `labelSmoothing()` from `@losskit/losses` (or on mixup batches) before interpolating.
 * Errors: `SHAPE_MISMATCH` (lists or shapes differ), `INVALID_ARGUMENT` (not a live tensor), `INVALID_PARAMETER` (α outside
 * [0, 1]), `NON_FINITE_INPUT` (a NaN or ±Inf weight).
 *
 * @example model.setWeights(interpolateWeights(preWeights, ftWeights, 0.5));
 */
export function interpolateWeights(pretrained: readonly Tensor[], fineTuned: readonly Tensor[], alpha: number): Tensor[] {
  const a = checkParam('alpha', alpha, 'a number in [0, 1]', (v) => v >= 0 && v <= 1);
  checkWeights(pretrained, fineTuned);
  return pretrained.map((p, i) => tf.tidy(() => tf.add(tf.mul(p, 1 - a), tf.mul(fineTuned[i]!, a))));
}
