import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, checkParam, formatShape, toTensor } from '@losskit/core';
import { readOptions } from '@losskit/diagnostics';

/** Options of {@link adaptiveSmoothing}. */
export interface AdaptiveSmoothingOptions {
  /** Logit scale s_g of the standard (accurate) classifier. Default 1. */
  readonly standardScale?: number;
  /** Logit scale s_h of the robust classifier. Default 1. */
  readonly robustScale?: number;
}

/**
 * Adaptive smoothing (Bai, Anderson, Kim & Lavaei 2024, *Improving the Accuracy-Robustness Trade-Off of Classifiers via
 * Adaptive Smoothing*), the output of the authors' `CompositeModel.forward` (github.com/Bai-YT/AdaptiveSmoothing): the
 * mixture, in probability space, of a standard classifier g and a robust classifier h,
 *
 * log p(x) = log[(1 − α(x)) softmax(s_g · g(x)) + α(x) softmax(s_h · h(x))],
 *
 * computed stably as logaddexp(log(1 − α) + log softmax(s_g g), log α + log softmax(s_h h)). α ∈ [0, 1] is a number
 * (fixed mixing) or a per-example tensor `[N]` (the output of a mixing network, e.g. a sigmoid). Returns log-probs
 * `[N, C]` (feed `compile(ce(), { from: 'probs' })` its `exp`, or take the argmax); differentiable in both logits and α.
 *
 * @example const logp = adaptiveSmoothing(standardModel.apply(x), robustModel.apply(x), 0.6);
 */
export function adaptiveSmoothing(standardLogits: TensorLike, robustLogits: TensorLike, alpha: number | TensorLike, options?: AdaptiveSmoothingOptions): Tensor {
  const o = readOptions(options);
  const sg = checkParam('standardScale', o.standardScale ?? 1, 'a number > 0', (v) => v > 0);
  const sh = checkParam('robustScale', o.robustScale ?? 1, 'a number > 0', (v) => v > 0);
  const owned: Tensor[] = [];
  const take = (v: TensorLike, name: string) => {
    const c = toTensor(v, name);
    if (c.owned) owned.push(c.tensor);
    return c.tensor;
  };
  try {
    const g = take(standardLogits, 'standardLogits');
    const h = take(robustLogits, 'robustLogits');
    if (g.rank !== 2 || h.rank !== 2 || g.shape[0] !== h.shape[0] || g.shape[1] !== h.shape[1] || g.shape[0] === 0) {
      throw new LosskitError('SHAPE_MISMATCH', 'both classifiers must give logits [N, C] of the same shape', { argument: 'robustLogits', expected: `logits ${formatShape(g.shape)} (rank 2, N >= 1)`, received: formatShape(h.shape) });
    }
    const n = g.shape[0]!;
    let a: Tensor;
    if (typeof alpha === 'number') {
      checkParam('alpha', alpha, 'a number in [0, 1]', (v) => v >= 0 && v <= 1);
      a = tf.fill([n, 1], alpha);
      owned.push(a);
    } else {
      const t = take(alpha, 'alpha');
      if (t.rank !== 1 || t.shape[0] !== n) throw new LosskitError('SHAPE_MISMATCH', 'one mixing weight per example', { argument: 'alpha', expected: `[${n}]`, received: formatShape(t.shape) });
      const v = t.dataSync();
      for (let i = 0; i < v.length; i++) if (!(v[i]! >= 0 && v[i]! <= 1)) throw new LosskitError('INVALID_ARGUMENT', 'mixing weights must lie in [0, 1]', { argument: 'alpha', expected: 'values in [0, 1]', received: `${v[i]} at index ${i}` });
      a = tf.reshape(t, [n, 1]);
      owned.push(a);
    }
    for (const [t, name] of [[g, 'standardLogits'], [h, 'robustLogits']] as const) {
      const v = t.dataSync();
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: name, expected: 'finite logits', received: `${v[i]} at flat index ${i}` });
    }
    return tf.tidy(() => {
      const lg = tf.add(tf.logSoftmax(tf.mul(g, sg)), tf.log(tf.sub(1, a)));
      const lh = tf.add(tf.logSoftmax(tf.mul(h, sh)), tf.log(a));
      // logaddexp with −∞ allowed on one side (α ∈ {0, 1}).
      const m = tf.maximum(lg, lh);
      const safe = tf.where(tf.isFinite(m), m, tf.zerosLike(m));
      return tf.add(safe, tf.log(tf.add(tf.exp(tf.sub(lg, safe)), tf.exp(tf.sub(lh, safe)))));
    });
  } finally {
    tf.dispose(owned);
  }
}
