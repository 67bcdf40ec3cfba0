/**
 * Differentiable surrogates of macro-AUC for multi-label scores (Wu, Li & Yin, ICML 2023, "Towards Understanding
 * Generalization of Macro-AUC in Multi-label Learning"): the univariate loss (every instance weighted alike), the
 * reweighted univariate loss (positives and negatives of each label weighted by the inverse of their counts) and the
 * pairwise loss over positive–negative pairs of each label. Each returns a `tf.Scalar` with gradients to the scores.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, assertFinite, isTensor, type TensorLike } from '@losskit/core';
import { readMatrix, readOptions } from './input.js';

/** The base loss φ of a margin m: `logistic` log(1 + e^{−m}) (default), `hinge` max(0, 1 − m), `squared` (1 − m)², `exponential` e^{−m}. */
export type MarginLoss = 'logistic' | 'hinge' | 'squared' | 'exponential';

/** Options of the macro-AUC surrogates. */
export interface SurrogateOptions {
  readonly loss?: MarginLoss;
}

function phi(m: tf.Tensor, loss: MarginLoss): tf.Tensor {
  switch (loss) {
    case 'logistic':
      return tf.softplus(tf.neg(m));
    case 'hinge':
      return tf.relu(tf.sub(1, m));
    case 'squared':
      return tf.square(tf.sub(1, m));
    default:
      return tf.exp(tf.neg(m));
  }
}

/** `v` where the 0/1 `mask` is 1, else 0 — not `v·mask`, which is NaN where an excluded `v` overflowed to ∞. */
function masked(v: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return tf.where(tf.greater(mask, 0), v, tf.zerosLike(v));
}

interface Prepared {
  scores: tf.Tensor2D;
  owned: boolean;
  pos: number[][];
  n: number;
  k: number;
  loss: MarginLoss;
  /** Columns with both classes. */
  valid: number[];
}

function prepare(scores: TensorLike, labels: TensorLike, options: SurrogateOptions | undefined): Prepared {
  const o = readOptions(options);
  const loss = o.loss ?? 'logistic';
  if (!['logistic', 'hinge', 'squared', 'exponential'].includes(loss)) throw new LosskitError('INVALID_ARGUMENT', 'unknown base loss', { argument: 'loss', expected: "'logistic' | 'hinge' | 'squared' | 'exponential'", received: String(loss) });
  const y = readMatrix(labels, 'labels');
  y.rows.forEach((r, i) => r.forEach((v, j) => {
    if (v !== 0 && v !== 1) throw new LosskitError('LABEL_OUT_OF_RANGE', 'multi-label targets must be 0 or 1', { argument: 'labels', expected: '0 or 1', received: `${v} at [${i}, ${j}]` });
  }));
  let t: tf.Tensor2D;
  let owned = false;
  if (isTensor(scores)) {
    if (scores.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument: 'scores' });
    if (scores.rank !== 2) throw new LosskitError('RANK_MISMATCH', 'expected a matrix', { argument: 'scores', expected: 'shape [N, K]', received: `[${scores.shape.join(', ')}]` });
    assertFinite(scores.dataSync() as Float32Array, 'scores', scores.shape);
    t = (scores.dtype === 'float32' ? scores : tf.cast(scores, 'float32')) as tf.Tensor2D;
    owned = t !== scores;
  } else {
    const m = readMatrix(scores, 'scores');
    t = tf.tensor2d(m.rows.flat(), [m.n, m.c]);
    owned = true;
  }
  const [n, k] = t.shape;
  if (y.n !== n || y.c !== k) {
    if (owned) t.dispose();
    throw new LosskitError('SHAPE_MISMATCH', 'labels must have the shape of scores', { argument: 'labels', expected: `[${n}, ${k}]`, received: `[${y.n}, ${y.c}]` });
  }
  const valid: number[] = [];
  for (let j = 0; j < k; j++) {
    const p = y.rows.reduce((s, r) => s + r[j]!, 0);
    if (p > 0 && p < n) valid.push(j);
  }
  if (valid.length === 0) {
    if (owned) t.dispose();
    throw new LosskitError('INVALID_ARGUMENT', 'no label has both classes', { argument: 'labels', expected: 'at least one column with a 0 and a 1', received: 'every column constant' });
  }
  return { scores: t, owned, pos: y.rows, n, k, loss, valid };
}

function run(p: Prepared, body: (s: tf.Tensor2D, pos: tf.Tensor2D, neg: tf.Tensor2D, colMask: tf.Tensor1D) => tf.Scalar): tf.Scalar {
  try {
    const out = tf.tidy(() => {
      const pos = tf.tensor2d(p.pos.flat(), [p.n, p.k]);
      const neg = tf.sub(1, pos) as tf.Tensor2D;
      const colMask = tf.tensor1d(Array.from({ length: p.k }, (_, j) => (p.valid.includes(j) ? 1 : 0)));
      return body(p.scores, pos, neg, colMask);
    });
    const v = out.dataSync()[0]!;
    if (!Number.isFinite(v)) {
      out.dispose();
      throw new LosskitError('NON_FINITE_OUTPUT', 'the surrogate overflows float32', { argument: 'scores', expected: `margins the '${p.loss}' loss keeps finite (the exponential loss overflows below a margin of about −88; use 'logistic')`, received: String(v) });
    }
    return out;
  } finally {
    if (p.owned) p.scores.dispose();
  }
}

/**
 * Univariate surrogate: `(1/K') Σ_k (1/N) Σ_i φ(ỹ_ik f_ik)`, `ỹ = 2y − 1`, over the K' labels that have both classes.
 * Shapes: `scores [N, K]` (a tensor keeps gradients), `labels [N, K]` in {0, 1}. Returns a scalar tensor (caller disposes).
 * @example macroAucUnivariateLoss(tf.tensor2d([[2, -1], [-1, 1]]), [[1, 0], [0, 1]])
 */
export function macroAucUnivariateLoss(scores: TensorLike, labels: TensorLike, options?: SurrogateOptions): tf.Scalar {
  const p = prepare(scores, labels, options);
  return run(p, (s, pos, _neg, col) => {
    const margin = tf.mul(s, tf.sub(tf.mul(pos, 2), 1));
    const perCol = tf.mean(phi(margin, p.loss), 0);
    return tf.div(tf.sum(tf.mul(perCol, col)), p.valid.length) as tf.Scalar;
  });
}

/**
 * Reweighted univariate surrogate: `(1/K') Σ_k [ (1/(2|P_k|)) Σ_{i∈P_k} φ(f_ik) + (1/(2|N_k|)) Σ_{j∈N_k} φ(−f_jk) ]`:
 * each label's positives and negatives carry half the weight whatever their counts (equal to the univariate loss on a
 * balanced label). The paper's reweighting by the inverse class counts is followed; the factor ½ is this library's
 * normalisation. Shapes as {@link macroAucUnivariateLoss}.
 * @example macroAucReweightedLoss(tf.tensor2d([[2, -1], [-1, 1], [0.5, -2]]), [[1, 0], [0, 1], [0, 0]])
 */
export function macroAucReweightedLoss(scores: TensorLike, labels: TensorLike, options?: SurrogateOptions): tf.Scalar {
  const p = prepare(scores, labels, options);
  return run(p, (s, pos, neg, col) => {
    const np = tf.maximum(tf.sum(pos, 0), 1);
    const nn = tf.maximum(tf.sum(neg, 0), 1);
    const lp = tf.div(tf.sum(masked(phi(s, p.loss), pos), 0), tf.mul(np, 2));
    const ln = tf.div(tf.sum(masked(phi(tf.neg(s), p.loss), neg), 0), tf.mul(nn, 2));
    return tf.div(tf.sum(tf.mul(tf.add(lp, ln), col)), p.valid.length) as tf.Scalar;
  });
}

/**
 * Pairwise surrogate: `(1/K') Σ_k (1/(|P_k||N_k|)) Σ_{i∈P_k} Σ_{j∈N_k} φ(f_ik − f_jk)`, the convex relaxation of
 * `1 − AUC_k` (φ(m) ≥ 1[m ≤ 0] for the hinge, squared and exponential losses; logistic / log 2 likewise). Builds the
 * `[K, N, N]` differences, so memory grows with N²: use it on mini-batches. Shapes as {@link macroAucUnivariateLoss}.
 * @example macroAucPairwiseLoss(tf.tensor2d([[2, -1], [-1, 1], [0.5, -2]]), [[1, 0], [0, 1], [0, 0]])
 */
export function macroAucPairwiseLoss(scores: TensorLike, labels: TensorLike, options?: SurrogateOptions): tf.Scalar {
  const p = prepare(scores, labels, options);
  return run(p, (s, pos, neg, col) => {
    const sT = tf.transpose(s); // [K, N]
    const diff = tf.sub(tf.expandDims(sT, 2), tf.expandDims(sT, 1)); // [K, N(i), N(j)] = f_ik − f_jk
    const w = tf.mul(tf.expandDims(tf.transpose(pos), 2), tf.expandDims(tf.transpose(neg), 1));
    const pairs = tf.maximum(tf.sum(w, [1, 2]), 1);
    const perCol = tf.div(tf.sum(masked(phi(diff, p.loss), w), [1, 2]), pairs);
    return tf.div(tf.sum(tf.mul(perCol, col)), p.valid.length) as tf.Scalar;
  });
}
