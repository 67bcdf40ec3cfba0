import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, oneHotRows, params, stopGradient } from '@losskit/core';
import { checkedTensor, unitRows } from './distances.js';
import { crossEntropyRows, optionsOf } from './internal.js';

/** The tensors of one {@link bt2Loss} step. */
export interface Bt2Batch {
  /** Classification logits of the new model `[B, C]`. */
  readonly logits: TensorLike;
  /** Integer labels `[B]` in `[0, C)`. */
  readonly labels: ArrayLike<number>;
  /** The transformed representation meant to match the old model's, `[B, D_old]` (normalized inside). */
  readonly compatible: TensorLike;
  /** The representation meant to match the independently trained new′ model's, `[B, D_new]` (normalized inside). */
  readonly features: TensorLike;
  /** Stored old-model features of the same images `[B, D_old]` (normalized inside; held constant). */
  readonly oldTargets: TensorLike;
  /** Stored new′-model features of the same images `[B, D_new]` (normalized inside; held constant). */
  readonly newTargets: TensorLike;
  /** Optional old (pseudo) classifier `[C, D_old]`: adds the cross-entropy of `compatible · Wᵀ`. */
  readonly pseudoClassifier?: TensorLike;
}

/** Weights of the {@link bt2Loss} terms. */
export interface Bt2Options {
  /** Weight of the pseudo-classifier cross-entropy. Default 10. */
  readonly pseudoWeight?: number;
  /** Weight of `1 - cos` to the old features. Default 10. */
  readonly oldWeight?: number;
  /** Weight of `1 - cos` to the new′ features. Default 1. */
  readonly newWeight?: number;
}

function rows(x: TensorLike, name: string, b: number | undefined, what: string): Tensor {
  const t = checkedTensor(x, name, 2, what);
  if (b !== undefined && t.shape[0] !== b) throw new LosskitError('SHAPE_MISMATCH', `${name} must have one row per sample`, { argument: name, expected: `[${b}, D]`, received: `[${t.shape.join(', ')}]` });
  return t;
}

/**
 * The training loss of BT² ("BT^2: Backward-compatible Training with Basis Transformation", Zhou, Li, Shrivastava,
 * Zhao, Torralba, Tian, Lim, ICCV 2023), as the authors' `TransferTrainer` (YifeiZhou02/BT-2
 * `trainers/transfer_trainer.py` at 38c348a): with bars the L2-normalized rows,
 * `L = CE(logits, y) + w_p CE(c̄ Wᵀ, y) + w_o (1 - mean_b ⟨φ̄_old,b, c̄_b⟩) + w_n (1 - mean_b ⟨φ̄′_b, f̄_b⟩)`,
 * `c` the basis-transformed representation that must stay compatible with the old model's features `φ_old`, `f` the
 * representation that must match an independently trained new′ model's features `φ′` (both stored, held
 * constant), `W` the old classifier (the pseudo term is skipped without it). Defaults w_p = 10, w_o = 10, w_n = 1 as
 * in that file. Build the compatible and extra dimensions with {@link orthonormalBasis} so the transformation keeps
 * all information of its input. Returns a scalar; differentiable in `logits`, `compatible` and `features`; every
 * intermediate is freed, also when the call throws.
 * @example const loss = bt2Loss({ logits, labels, compatible, features, oldTargets, newTargets, pseudoClassifier });
 */
export function bt2Loss(batch: Bt2Batch, options: Bt2Options = {}): Scalar {
  options = optionsOf(options);
  const wp = params.nonNegative('pseudoWeight', options.pseudoWeight ?? 10);
  const wo = params.nonNegative('oldWeight', options.oldWeight ?? 10);
  const wn = params.nonNegative('newWeight', options.newWeight ?? 1);
  const bt = optionsOf(batch, 'batch');
  if (bt === undefined || Object.keys(bt).length === 0) throw new LosskitError('INVALID_ARGUMENT', 'BT² needs its batch tensors', { argument: 'batch', expected: '{ logits, labels, compatible, features, oldTargets, newTargets }', received: 'nothing' });
  return tf.tidy(() => {
    const logits = rows(bt.logits, 'logits', undefined, 'the logits');
    const [b, c] = logits.shape as [number, number];
    const y = bt.labels;
    if (!Array.isArray(y) && !ArrayBuffer.isView(y)) throw new LosskitError('INVALID_ARGUMENT', 'labels must be an array of class indices', { argument: 'labels', expected: `${b} integers in [0, ${c})`, received: typeof y });
    if (y.length !== b) throw new LosskitError('SHAPE_MISMATCH', 'one label per row of logits', { argument: 'labels', expected: `${b} labels`, received: `${y.length}` });
    for (let i = 0; i < b; i++) {
      const v = y[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= c) throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range', { argument: 'labels', expected: `integers in [0, ${c})`, received: `${v} at index ${i}` });
    }
    const compatible = unitRows(rows(bt.compatible, 'compatible', b, 'the compatible representation'));
    const features = unitRows(rows(bt.features, 'features', b, 'the new representation'));
    const oldT = rows(bt.oldTargets, 'oldTargets', b, 'the old features');
    const newT = rows(bt.newTargets, 'newTargets', b, "the new' features");
    if (oldT.shape[1] !== compatible.shape[1]) throw new LosskitError('SHAPE_MISMATCH', 'oldTargets must have the width of compatible', { argument: 'oldTargets', expected: `[${b}, ${compatible.shape[1]}]`, received: `[${oldT.shape.join(', ')}]` });
    if (newT.shape[1] !== features.shape[1]) throw new LosskitError('SHAPE_MISMATCH', 'newTargets must have the width of features', { argument: 'newTargets', expected: `[${b}, ${features.shape[1]}]`, received: `[${newT.shape.join(', ')}]` });
    const onehot = oneHotRows(tf.tensor1d(Array.from(y), 'int32'), c);
    let loss = tf.mean(crossEntropyRows(logits, onehot));
    if (bt.pseudoClassifier !== undefined) {
      const w = rows(bt.pseudoClassifier, 'pseudoClassifier', c, 'the old classifier');
      if (w.shape[1] !== compatible.shape[1]) throw new LosskitError('SHAPE_MISMATCH', 'pseudoClassifier must have the width of compatible', { argument: 'pseudoClassifier', expected: `[${c}, ${compatible.shape[1]}]`, received: `[${w.shape.join(', ')}]` });
      loss = tf.add(loss, tf.mul(wp, tf.mean(crossEntropyRows(tf.matMul(compatible, tf.transpose(w)), onehot))));
    }
    const cosOld = tf.mean(tf.sum(tf.mul(stopGradient(unitRows(oldT)), compatible), -1));
    const cosNew = tf.mean(tf.sum(tf.mul(stopGradient(unitRows(newT)), features), -1));
    return tf.addN([loss, tf.mul(wo, tf.sub(1, cosOld)), tf.mul(wn, tf.sub(1, cosNew))]) as Scalar;
  });
}

/**
 * An orthonormal `[n, n]` basis transformation from an unconstrained parameter `w` `[n, n]`, as PyTorch's
 * `parametrizations.orthogonal` with its `matrix_exp` map (the layer BT² builds its basis transformations with):
 * `Q = exp(A)`, `A = tril(w, -1) - tril(w, -1)ᵀ` (skew-symmetric, so `QᵀQ = I`). The exponential is a scaling-and-
 * squaring Taylor series (`‖A/2^s‖₁ ≤ 1/2`, 18 terms: truncation below 1e-20). Differentiable in `w`; train `w` as a
 * variable and multiply features by `Q` (a rotation keeps all the information of its input). Returns a new tensor;
 * intermediates are freed, also when the call throws.
 * @example const Q = orthonormalBasis(w); const rotated = tf.matMul(features, Q, false, true);
 */
export function orthonormalBasis(w: TensorLike): Tensor {
  return tf.tidy(() => {
    const W = checkedTensor(w, 'w', 2, 'the parameter');
    const [n, m] = W.shape as [number, number];
    if (n !== m) throw new LosskitError('SHAPE_MISMATCH', 'the basis parameter must be square', { argument: 'w', expected: '[n, n]', received: `[${n}, ${m}]` });
    const lower = tf.mul(W, tf.sub(tf.linalg.bandPart(tf.ones([n, n]), -1, 0), tf.eye(n)));
    const A = tf.sub(lower, tf.transpose(lower));
    // scaling: the 1-norm of A (a host read; the choice of s carries no gradient)
    const norm1 = tf.max(tf.sum(tf.abs(A), 0)).dataSync()[0]!;
    if (!Number.isFinite(norm1) || norm1 > 1e30) throw new LosskitError('NON_FINITE_INPUT', 'the skew part of w is too large for exp', { argument: 'w', expected: 'entries with ‖A‖₁ <= 1e30', received: String(norm1) });
    const s = norm1 > 0.5 ? Math.ceil(Math.log2(norm1 / 0.5)) : 0;
    const As = tf.div(A, 2 ** s);
    const I = tf.eye(n);
    let term: Tensor = I;
    let sum: Tensor = I;
    for (let k = 1; k <= 18; k++) {
      term = tf.div(tf.matMul(term, As), k);
      sum = tf.add(sum, term);
    }
    for (let k = 0; k < s; k++) sum = tf.matMul(sum, sum);
    return sum;
  });
}
