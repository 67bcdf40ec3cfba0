import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, formatShape } from '@losskit/core';
import { ctc } from '../standard/ctc.js';
import { inputTensor, validateOption } from '../validate.js';

/** Options of {@link ctcLoss}. */
export interface CtcLossOptions {
  /** The blank class. Default 0 (optax `blank_id`). */
  readonly blankId?: number;
  /** See `@losskit/losses/optax`: `false` keeps only the shape and label checks. */
  readonly validate?: boolean;
}

/** Number of unpadded entries per row of a 0/1 padding matrix `[B, n]` (padding at the end, as optax assumes). */
function unpadded(paddings: TensorLike, shape: readonly [number, number], name: string, validate: boolean): Int32Array {
  const p = inputTensor(paddings, name, validate);
  if (p.rank !== 2 || p.shape[0] !== shape[0] || p.shape[1] !== shape[1]) {
    throw new LosskitError('SHAPE_MISMATCH', 'paddings must match their sequences', { argument: name, expected: formatShape(shape), received: formatShape(p.shape) });
  }
  const v = p.dataSync();
  const out = new Int32Array(shape[0]);
  for (let i = 0; i < shape[0]; i++) {
    let n = 0;
    for (let t = 0; t < shape[1]; t++) {
      const x = v[i * shape[1] + t]!;
      if (x !== 0 && x !== 1) throw new LosskitError('INVALID_ARGUMENT', 'paddings must be 0 (a valid entry) or 1 (padding)', { argument: name, received: `${x} at [${i}, ${t}]` });
      if (x === 0) n++;
    }
    out[i] = n;
  }
  return out;
}

/**
 * optax `ctc_loss(logits, logit_paddings, labels, label_paddings, blank_id=0)`: the CTC negative log-likelihood of
 * each sequence (Graves et al. 2006), `[B]`, from logits `[B, T, K]` (log-softmax applied), `logitPaddings` `[B, T]`
 * and `labelPaddings` `[B, N]` (1 marks a padded frame or label, at the end of each row) and integer `labels` `[B, N]`.
 * Computed by `ctc()` (`@losskit/losses`) in float64 with its closed-form gradient. One difference from optax: an
 * impossible alignment (more labels, with their repeats, than frames) gives `+∞`, where optax's `log_epsilon` floor
 * (−1e5) gives a large finite number; `ctc(..., { zeroInfinity: true })` gives 0 instead.
 * optax/losses/_classification.py at 2edbcbe2390da13983b92cbef94ac0460ecde1c5.
 *
 * @example ctcLoss(logits, tf.zeros([2, 50]), labels, tf.zeros([2, 10])) // [2]
 */
export function ctcLoss(logits: TensorLike, logitPaddings: TensorLike, labels: TensorLike, labelPaddings: TensorLike, options: CtcLossOptions = {}): Tensor {
  const validate = validateOption(options);
  return tf.tidy(() => {
    const x = inputTensor(logits, 'logits', validate);
    if (x.rank !== 3) throw new LosskitError('RANK_MISMATCH', 'logits must be [B, T, K]', { argument: 'logits', expected: 'shape [B, T, K]', received: formatShape(x.shape) });
    const [B, T] = x.shape as [number, number, number];
    const y = inputTensor(labels, 'labels', validate);
    if (y.rank !== 2 || y.shape[0] !== B) throw new LosskitError('SHAPE_MISMATCH', 'labels must be [B, N]', { argument: 'labels', expected: `shape [${B}, N]`, received: formatShape(y.shape) });
    const inputLengths = unpadded(logitPaddings, [B, T], 'logitPaddings', validate);
    const labelLengths = unpadded(labelPaddings, [B, y.shape[1]!], 'labelPaddings', validate);
    return ctc(y, x, { blank: options.blankId ?? 0, inputLengths: Array.from(inputLengths), labelLengths: Array.from(labelLengths), reduction: 'none', validate });
  });
}
