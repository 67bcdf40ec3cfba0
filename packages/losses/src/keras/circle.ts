import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, formatShape, params } from '@losskit/core';
import { inputTensor, validateOption } from '../validate.js';
import { checkReduction, kerasReduce } from './reduce.js';
import { type KerasLossOptions, checkBoolean, kerasOutput, sampleWeightOf } from './run.js';

/** Options of {@link circle}. */
export interface CircleOptions extends KerasLossOptions {
  /** Scale γ. Default 80. */
  readonly gamma?: number;
  /** Relaxation margin m. Default 0.4. */
  readonly margin?: number;
  /** Drop each anchor's self-pair from its positives. Default true. */
  readonly removeDiagonal?: boolean;
  /** Labels of the reference embeddings (default: `yTrue`). */
  readonly refLabels?: TensorLike;
  /** Reference embeddings, L2-normalised (default: `yPred`). */
  readonly refEmbeddings?: TensorLike;
}

/** `log Σ exp(x)` over the masked entries of each row; `-∞` for a row with no entry (no NaN, no NaN gradient). */
function maskedLogSumExp(x: Tensor, mask: Tensor): Tensor {
  const negInf = tf.fill(x.shape, -Infinity);
  const m = tf.max(tf.where(mask, x, negInf), 1, true);
  const any = tf.any(mask, 1, true);
  const shift = tf.where(any, m, tf.zerosLike(m));
  const e = tf.where(mask, tf.exp(tf.sub(tf.where(mask, x, tf.zerosLike(x)), shift)), tf.zerosLike(x));
  const s = tf.sum(e, 1, true);
  return tf.reshape(tf.where(any, tf.add(tf.log(tf.where(any, s, tf.onesLike(s))), shift), tf.fill(s.shape, -Infinity)), [-1]);
}

/**
 * Keras 3 `circle` / `Circle(gamma=80, margin=0.4, remove_diagonal=True)`: the Circle loss of L2-normalised
 * embeddings `yPred` `[B, D]` with integer labels `yTrue` `[B]`, against reference embeddings (default: the batch).
 * With cosine distances `d = max(1 - ŷ rᵀ, 0)`, positive weights `α_p = max(m + d, 0)`, negative weights
 * `α_n = max(1 + m - d, 0)`: `l_i = softplus(LSE_{p}(-γ α_p (m - d)) + LSE_{n}(γ α_n (1 - m - d)))`.
 * As in Keras the losses carry a mask `l > 0`, so `sum_over_batch_size` averages over anchors with a positive loss.
 * Self-contained (core has no pair level yet).
 *
 * @example circle([1, 1, 2], embeddings) // scalar
 * @see Sun et al., "Circle Loss: A Unified Perspective of Pair Similarity Optimization" (CVPR 2020).
 */
export function circle(yTrue: TensorLike, yPred: TensorLike, options: CircleOptions = {}): Tensor {
  const gamma = params.positive('gamma', options.gamma ?? 80);
  const margin = params.finite('margin', options.margin ?? 0.4);
  const removeDiagonal = checkBoolean('removeDiagonal', options.removeDiagonal ?? true);
  const reduction = checkReduction(options.reduction);
  const validate = validateOption(options);
  return tf.tidy(() => {
    const emb = inputTensor(yPred, 'yPred', validate);
    const labels = tf.reshape(inputTensor(yTrue, 'yTrue', validate), [-1]);
    const ref = options.refEmbeddings === undefined ? emb : inputTensor(options.refEmbeddings, 'refEmbeddings', validate);
    const refLabels = options.refLabels === undefined ? labels : tf.reshape(inputTensor(options.refLabels, 'refLabels', validate), [-1]);
    if (emb.rank !== 2 || ref.rank !== 2 || emb.shape[1] !== ref.shape[1] || labels.size !== emb.shape[0] || refLabels.size !== ref.shape[0]) {
      throw new LosskitError('SHAPE_MISMATCH', 'embeddings and labels do not match', {
        argument: 'yPred',
        expected: 'yPred [B, D] with labels [B], refEmbeddings [R, D] with refLabels [R]',
        received: `yPred ${formatShape(emb.shape)}, yTrue ${formatShape(labels.shape)}, ref ${formatShape(ref.shape)}, refLabels ${formatShape(refLabels.shape)}`,
      });
    }
    const d = tf.relu(tf.sub(1, tf.matMul(emb, ref, false, true)));
    const same = tf.equal(tf.reshape(labels, [-1, 1]), tf.reshape(refLabels, [1, -1]));
    let pos = same;
    if (removeDiagonal) {
      const [b, r] = [emb.shape[0]!, ref.shape[0]!];
      const eye = tf.cast(tf.eye(b, r), 'bool');
      pos = tf.logicalAnd(same, tf.logicalNot(eye));
    }
    const neg = tf.logicalNot(same);
    const posF = tf.cast(pos, 'float32');
    const negF = tf.cast(neg, 'float32');
    const alphaP = tf.relu(tf.mul(tf.add(d, margin), posF));
    const alphaN = tf.relu(tf.mul(tf.sub(1 + margin, d), negF));
    const pLogits = tf.mul(tf.mul(alphaP, tf.sub(margin, d)), -gamma);
    const nLogits = tf.mul(tf.mul(alphaN, tf.sub(1 - margin, d)), gamma);
    const z = tf.add(maskedLogSumExp(pLogits, pos), maskedLogSumExp(nLogits, neg));
    const finite = tf.isFinite(z);
    const values = tf.where(finite, tf.softplus(tf.where(finite, z, tf.zerosLike(z))), tf.zerosLike(z));
    return kerasOutput(kerasReduce(values, sampleWeightOf(options, validate), tf.greater(values, 0), reduction), validate);
  });
}
