import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, params } from '@losskit/core';
import { checkedTensor, normalizeRows, unitRows } from './distances.js';
import { optionsOf } from './internal.js';

/** Options of {@link teenCalibrate}. */
export interface TeenOptions {
  /**
   * Weight α ∈ [0, 1] of the base-class shift: `p̂ = (1 - α) p̄ + α Δ̄`. Default 0.1 (the authors' CIFAR-100
   * script, `-shift_weight 0.1`, wangkiw/TEEN `scripts/cifar.sh` at 2ba5165).
   */
  readonly shiftWeight?: number;
  /**
   * Scale τ > 0 that multiplies the cosines before the softmax over base classes (the code's `softmax_t`).
   * Default 16 (`-softmax_t 16`, same script).
   */
  readonly temperature?: number;
}

/**
 * TEEN, the training-free prototype calibration of "Few-Shot Class-Incremental Learning via Training-Free
 * Prototype Calibration" (Wang, Zhou, Zhang, Zhan, Ye, NeurIPS 2023). New-class prototypes (means of the few-shot
 * embeddings) are biased towards similar base classes; TEEN shifts each one towards a similarity-weighted mix of
 * the base prototypes:
 * `w_cb = softmax_b(τ cos(p_c, q_b))`, `Δ_c = Σ_b w_cb q̄_b`, `p̂_c = (1 - α) p̄_c + α Δ_c / ‖Δ_c‖`,
 * with bars the L2-normalized rows (as the authors' `soft_calibration`, wangkiw/TEEN `models/teen/Network.py`).
 * Classify afterwards with cosine logits against `[base; calibrated]` prototypes.
 *
 * Shapes: `novel` `[N, D]` (one row per new class), `base` `[C_b, D]` (one row per base class) → `[N, D]`.
 * A zero prototype is left at norm 0 (its cosines are 0: uniform weights). Returns a new float32 tensor (the caller
 * disposes it); every intermediate is freed, also when the call throws.
 * @example const calibrated = teenCalibrate(novelPrototypes, basePrototypes, { shiftWeight: 0.1, temperature: 16 });
 */
export function teenCalibrate(novel: TensorLike, base: TensorLike, options: TeenOptions = {}): Tensor {
  options = optionsOf(options);
  const alpha = params.closedUnitInterval('shiftWeight', options.shiftWeight ?? 0.1);
  const tau = params.inRange('temperature', options.temperature ?? 16, Number.MIN_VALUE, 1e6);
  return tf.tidy(() => {
    const p = checkedTensor(novel, 'novel', 2, 'the novel-class prototypes');
    const q = checkedTensor(base, 'base', 2, 'the base-class prototypes');
    if (p.shape[1] !== q.shape[1]) {
      throw new LosskitError('SHAPE_MISMATCH', 'novel and base prototypes differ in dimension', {
        argument: 'base',
        expected: `[C_b, ${p.shape[1]}]`,
        received: `[${q.shape.join(', ')}]`,
      });
    }
    const pn = unitRows(p);
    const qn = unitRows(q);
    const w = tf.softmax(tf.mul(tf.matMul(pn, tf.transpose(qn)), tau));
    const delta = normalizeRows(tf.matMul(w, qn));
    return tf.add(tf.mul(pn, 1 - alpha), tf.mul(delta, alpha));
  });
}
