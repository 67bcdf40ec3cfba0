import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, formatShape, params, toTensor, oneHotRows } from '@losskit/core';
import { checkedTensor } from './distances.js';
import { optionsOf, tidy } from './internal.js';

/**
 * A miner selects which pairs or triplets a loss sees, as plain frozen data. Mining reads the
 * distance matrix without gradient. Pair miners give positive/negative pair masks, triplet miners
 * triplets `(a, p, n)`; losses convert between the two as PML does (triplets → the pairs `(a, p)` and
 * `(a, n)` they contain, without duplicates; pairs → every `(a, p, n)` with `(a, p)` and `(a, n)` mined).
 */
export type Miner =
  | { readonly kind: 'batchAll'; readonly output: 'triplets' }
  | { readonly kind: 'batchHard'; readonly output: 'triplets' }
  | { readonly kind: 'semiHard'; readonly output: 'triplets'; readonly margin: number }
  | { readonly kind: 'multiSimilarity'; readonly output: 'pairs'; readonly epsilon: number }
  | { readonly kind: 'hardNegativeTopK'; readonly output: 'pairs'; readonly k: number };

/** Every valid triplet `(a, p, n)`: `y_p = y_a`, `p ≠ a`, `y_n ≠ y_a` (the "batch all" of Hermans et al. 2017). */
export function batchAll(): Miner {
  return Object.freeze({ kind: 'batchAll', output: 'triplets' });
}

/**
 * Batch-hard (Hermans, Beyer, Leibe 2017, "In Defense of the Triplet Loss"; PML `BatchHardMiner`):
 * one triplet per anchor with its hardest positive (farthest) and hardest negative (nearest);
 * anchors lacking either are dropped. Ties go to the lowest index. The paper "Mathematical
 * Justification of Hard Negative Mining via Isometric Approximation Theorem" (Xu et al. 2022)
 * justifies this loss: `Σ_a [m + max_p d(a,p) - min_n d(a,n)]_+`.
 */
export function batchHard(): Miner {
  return Object.freeze({ kind: 'batchHard', output: 'triplets' });
}

/**
 * Semi-hard triplets (FaceNet, Schroff et al. 2015; PML `TripletMarginMiner(type_of_triplets='semihard')`):
 * triplets with `0 < d_an - d_ap <= margin` (for similarities `0 < s_ap - s_an <= margin`). Default margin 0.2.
 */
export function semiHard(options: { readonly margin?: number } = {}): Miner {
  options = optionsOf(options);
  return Object.freeze({ kind: 'semiHard', output: 'triplets', margin: params.nonNegative('margin', options.margin ?? 0.2) });
}

/**
 * Multi-similarity pair miner (Wang et al. 2019; PML `MultiSimilarityMiner`, ε = 0.1): for similarities,
 * a negative `(a, n)` is kept if `s_an > min_p s_ap - ε`, a positive `(a, p)` if `s_ap < max_n s_an + ε`
 * (for distances the comparisons flip). An anchor without positives keeps no negatives and vice versa.
 */
export function multiSimilarityMiner(options: { readonly epsilon?: number } = {}): Miner {
  options = optionsOf(options);
  return Object.freeze({ kind: 'multiSimilarity', output: 'pairs', epsilon: params.nonNegative('epsilon', options.epsilon ?? 0.1) });
}

/**
 * Hard-negative top-k pair miner: every positive pair, and for each anchor its `k` hardest negatives
 * (nearest by distance, most similar by similarity; ties by lowest index). Default k = 1.
 */
export function hardNegativeTopK(options: { readonly k?: number } = {}): Miner {
  options = optionsOf(options);
  return Object.freeze({ kind: 'hardNegativeTopK', output: 'pairs', k: params.positiveInteger('k', options.k ?? 1) });
}

/** Mined pairs: `[B, B]` float masks. */
export interface MinedPairs {
  readonly pos: Tensor;
  readonly neg: Tensor;
}

/**
 * Mined triplets: `dense` is a `[B, B, B]` mask over `(a, p, n)`; `perAnchor` is one triplet per
 * anchor `a` given by one-hot rows `p[a, :]`, `n[a, :]` (zero rows for dropped anchors).
 */
export type MinedTriplets =
  | { readonly type: 'dense'; readonly t: Tensor }
  | { readonly type: 'perAnchor'; readonly p: Tensor; readonly n: Tensor };

/**
 * A copy of `x` cut off from the gradient tape. Mining uses comparisons, which have no gradient in
 * tfjs and may not sit on a differentiated path even behind a stop-gradient, so the miners read the
 * matrix back once (one `dataSync` per call when a miner is used).
 */
export function detachedCopy(x: Tensor): Tensor {
  return tf.tensor(x.dataSync(), x.shape, 'float32');
}

/** `[B, B]` positive (same label, i ≠ j) and negative masks from int labels. */
export function labelMasks(labels: Tensor): MinedPairs {
  const same = tf.cast(tf.equal(tf.reshape(labels, [-1, 1]), tf.reshape(labels, [1, -1])), 'float32');
  return { pos: tf.sub(same, tf.eye(labels.shape[0]!)), neg: tf.sub(1, same) };
}

/** `[B, B]` one-hot of the row-wise argmax of `score` restricted to `mask` (zero row if the mask row is empty). */
function pickPerRow(score: Tensor, mask: Tensor): Tensor {
  const filled = tf.where(tf.notEqual(mask, 0), score, tf.fill(score.shape, -Infinity));
  const idx = tf.argMax(filled, -1);
  const has = tf.cast(tf.greater(tf.sum(mask, -1, true), 0), 'float32');
  return tf.mul(oneHotRows(idx, score.shape[1]!), has);
}

/** @internal Mined pairs without checks (ops inside `compile` call this). */
export function minePairsTensor(miner: Miner | undefined, mat: Tensor, labels: Tensor, inverted: boolean): MinedPairs {
  const all = labelMasks(labels);
  if (!miner) return all;
  if (miner.output === 'triplets') return tripletsToPairs(mineTripletsTensor(miner, mat, labels, inverted));
  const m = detachedCopy(mat);
  const closeness = inverted ? m : tf.neg(m); // larger = closer
  if (miner.kind === 'hardNegativeTopK') {
    const b = labels.shape[0]!;
    const k = Math.min(miner.k, b);
    const filled = tf.where(tf.notEqual(all.neg, 0), closeness, tf.fill(closeness.shape, -Infinity));
    const { indices } = tf.topk(filled, k);
    const sel = tf.sum(oneHotRows(indices, b), 1);
    return { pos: all.pos, neg: tf.mul(tf.minimum(sel, 1), all.neg) };
  }
  // multi-similarity, in "closeness" units (similarity, or negated distance)
  const eps = miner.epsilon;
  const hasPos = tf.greater(tf.sum(all.pos, -1, true), 0);
  const hasNeg = tf.greater(tf.sum(all.neg, -1, true), 0);
  const minPos = tf.min(tf.where(tf.notEqual(all.pos, 0), closeness, tf.fill(closeness.shape, Infinity)), -1, true);
  const maxNeg = tf.max(tf.where(tf.notEqual(all.neg, 0), closeness, tf.fill(closeness.shape, -Infinity)), -1, true);
  const negKeep = tf.logicalAnd(hasPos, tf.greater(closeness, tf.sub(minPos, eps)));
  const posKeep = tf.logicalAnd(hasNeg, tf.less(closeness, tf.add(maxNeg, eps)));
  return { pos: tf.mul(all.pos, tf.cast(posKeep, 'float32')), neg: tf.mul(all.neg, tf.cast(negKeep, 'float32')) };
}

/** @internal Mined triplets without checks (ops inside `compile` call this). */
export function mineTripletsTensor(miner: Miner | undefined, mat: Tensor, labels: Tensor, inverted: boolean): MinedTriplets {
  const all = labelMasks(labels);
  if (miner && miner.output === 'pairs') return pairsToTriplets(minePairsTensor(miner, mat, labels, inverted));
  const m = detachedCopy(mat);
  const closeness = inverted ? m : tf.neg(m);
  if (miner?.kind === 'batchHard') {
    const hasBoth = tf.cast(tf.logicalAnd(tf.greater(tf.sum(all.pos, -1, true), 0), tf.greater(tf.sum(all.neg, -1, true), 0)), 'float32');
    const p = tf.mul(pickPerRow(tf.neg(closeness), all.pos), hasBoth);
    const n = tf.mul(pickPerRow(closeness, all.neg), hasBoth);
    return { type: 'perAnchor', p, n };
  }
  let t = tf.mul(tf.expandDims(all.pos, 2), tf.expandDims(all.neg, 1));
  if (miner?.kind === 'semiHard') {
    // gap = closeness(a,p) - closeness(a,n) = d_an - d_ap (distances) or s_ap - s_an (similarities)
    const gap = tf.sub(tf.expandDims(closeness, 2), tf.expandDims(closeness, 1));
    t = tf.mul(t, tf.cast(tf.logicalAnd(tf.greater(gap, 0), tf.lessEqual(gap, miner.margin)), 'float32'));
  }
  return { type: 'dense', t };
}

/** The unique pairs `(a, p)` and `(a, n)` contained in mined triplets. */
export function tripletsToPairs(tr: MinedTriplets): MinedPairs {
  if (tr.type === 'perAnchor') return { pos: tr.p, neg: tr.n };
  return { pos: tf.cast(tf.greater(tf.sum(tr.t, 2), 0), 'float32'), neg: tf.cast(tf.greater(tf.sum(tr.t, 1), 0), 'float32') };
}

/** Every triplet `(a, p, n)` whose pairs `(a, p)` and `(a, n)` were both mined. */
export function pairsToTriplets(pairs: MinedPairs): MinedTriplets {
  return { type: 'dense', t: tf.mul(tf.expandDims(pairs.pos, 2), tf.expandDims(pairs.neg, 1)) };
}

/** Throws unless `m` is undefined or one of this module's miners. */
export function checkMiner(m: unknown): Miner | undefined {
  if (m === undefined) return undefined;
  if (!m || typeof m !== 'object' || !['batchAll', 'batchHard', 'semiHard', 'multiSimilarity', 'hardNegativeTopK'].includes((m as Miner).kind)) {
    throw new LosskitError('INVALID_ARGUMENT', 'unsupported miner', {
      argument: 'miner',
      expected: 'batchAll(), batchHard(), semiHard(), multiSimilarityMiner() or hardNegativeTopK()',
      received: m && typeof m === 'object' ? String((m as { kind?: unknown }).kind) : typeof m,
    });
  }
  return m as Miner;
}

/** Checks the arguments of {@link minePairs} / {@link mineTriplets}; call inside `tf.tidy`. */
function miningInputs(miner: unknown, mat: TensorLike, labels: TensorLike, inverted: unknown): { miner: Miner | undefined; mat: Tensor; labels: Tensor; inverted: boolean } {
  const m = checkMiner(miner);
  if (typeof inverted !== 'boolean') {
    throw new LosskitError('INVALID_ARGUMENT', 'inverted must be a boolean', { argument: 'inverted', expected: 'distance.isInverted: true for similarities, false for distances', received: String(inverted) });
  }
  const d = checkedTensor(mat, 'mat', 2, 'the distance matrix');
  const b = d.shape[0]!;
  if (d.shape[1] !== b) throw new LosskitError('SHAPE_MISMATCH', 'the distance matrix must be square', { argument: 'mat', expected: 'shape [B, B]', received: formatShape(d.shape) });
  const c = toTensor(labels, 'labels');
  const y = c.tensor;
  if (y.rank !== 1 || y.shape[0] !== b) throw new LosskitError(y.rank !== 1 ? 'RANK_MISMATCH' : 'SHAPE_MISMATCH', 'one label per row of the distance matrix', { argument: 'labels', expected: `shape [${b}]`, received: formatShape(y.shape) });
  const values = c.host ?? y.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (!Number.isInteger(values[i]!)) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be integers', { argument: 'labels', expected: 'integers', received: `${values[i]} at index ${i}` });
  }
  return { miner: m, mat: d, labels: y, inverted };
}

/**
 * The pairs a miner selects from a distance (or similarity) matrix, or every labelled pair when `miner` is
 * undefined: `{ pos, neg }`, `[B, B]` 0/1 float masks (positives: same label, i ≠ j). `mat` `[B, B]` (e.g. from
 * {@link pairwise}), `labels` `[B]` integers, `inverted` = `distance.isInverted` (true for similarities). Returns new
 * tensors (the caller disposes them); every intermediate is freed, also when the call throws.
 * Errors: `INVALID_ARGUMENT` (miner, inverted), `RANK_MISMATCH` / `SHAPE_MISMATCH` / `EMPTY_BATCH` /
 * `NON_FINITE_INPUT` (`mat`, `labels`), `NON_INTEGER_LABEL`.
 * @example const { pos, neg } = minePairs(multiSimilarityMiner(), pairwise(cosine(), e, e), labels, true);
 */
export function minePairs(miner: Miner | undefined, mat: TensorLike, labels: TensorLike, inverted: boolean): MinedPairs {
  return tidy(() => {
    const a = miningInputs(miner, mat, labels, inverted);
    return minePairsTensor(a.miner, a.mat, a.labels, a.inverted);
  });
}

/**
 * The triplets a miner selects, or every valid triplet when `miner` is undefined: `{ type: 'dense', t }` with a
 * `[B, B, B]` mask over `(a, p, n)`, or `{ type: 'perAnchor', p, n }` (one-hot rows) for `batchHard()`. Arguments,
 * ownership and errors as {@link minePairs}.
 * @example const tr = mineTriplets(batchHard(), pairwise(euclidean(), e, e), labels, false);
 */
export function mineTriplets(miner: Miner | undefined, mat: TensorLike, labels: TensorLike, inverted: boolean): MinedTriplets {
  return tidy(() => {
    const a = miningInputs(miner, mat, labels, inverted);
    return mineTripletsTensor(a.miner, a.mat, a.labels, a.inverted);
  });
}
