import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, compile, formatIndex, formatShape, params } from '@losskit/core';
import { compiledOnce } from '../compiled.js';
import { cosineEmbedding } from '../standard/cosineEmbedding.js';
import { type RowDistance, explicitTripletMargin, explicitTripletMarginWithDistance } from '../standard/explicitTripletMargin.js';
import { inputTensor } from '../validate.js';
import { type TorchOptions, numberOption, output, reduce, sameShape, torchOptions } from './common.js';

/** `[N, D]` rows of a pair/triplet input (`[D]` is one row) and the per-row output shape. */
function rowsOf(x: Tensor, name: string): { rows: Tensor; lead: number[] } {
  if (x.rank === 1) return { rows: tf.reshape(x, [1, -1]), lead: [] };
  if (x.rank === 2) return { rows: x, lead: [x.shape[0]!] };
  throw new LosskitError('RANK_MISMATCH', 'expected rows of vectors', { argument: name, expected: 'shape [N, D] or [D]', received: formatShape(x.shape) });
}

/** Options of {@link cosineEmbeddingLoss}. */
export interface CosineEmbeddingLossOptions extends TorchOptions {
  /** Default 0. */
  readonly margin?: number;
}

/**
 * torch `F.cosine_embedding_loss(input1, input2, target, margin=0, reduction='mean')`: per row, `1 − cos(x1, x2)`
 * where `y = 1` and `max(0, cos(x1, x2) − margin)` where `y = −1`, with torch's `cos = Σ x1 x2 / √((Σ x1² + 1e-12)(Σ x2² + 1e-12))`.
 * `input1`, `input2`: `[N, D]` (or `[D]`), `target`: `[N]` (or `[]`) of ±1 — other values raise `INVALID_ARGUMENT`
 * unless `validate: false` (torch gives them loss 0).
 * @example cosineEmbeddingLoss([[1, 0]], [[0.6, 0.8]], [1]) // 0.4
 */
export function cosineEmbeddingLoss(input1: TensorLike, input2: TensorLike, target: TensorLike, options: CosineEmbeddingLossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const margin = numberOption('margin', options.margin ?? 0);
  return tf.tidy(() => {
    const a = inputTensor(input1, 'input1', validate);
    const b = inputTensor(input2, 'input2', validate);
    sameShape(a, b, 'input1', 'input2');
    const { rows, lead } = rowsOf(a, 'input1');
    const t = inputTensor(target, 'target', validate);
    if (t.shape.join() !== lead.join()) throw new LosskitError('SHAPE_MISMATCH', 'one target per row', { argument: 'target', expected: formatShape(lead), received: formatShape(t.shape) });
    if (validate) {
      const v = t.dataSync();
      for (let i = 0; i < v.length; i++) {
        if (v[i] !== 1 && v[i] !== -1) throw new LosskitError('INVALID_ARGUMENT', 'targets must be 1 or -1', { argument: 'target', expected: '1 (similar) or -1 (dissimilar)', received: `${v[i]} at ${formatIndex(i, t.shape)}` });
      }
    }
    const per = compiledOnce(cosineEmbedding({ margin }), 'logits', false)(tf.reshape(b, rows.shape), rows, { inputs: { target: tf.reshape(t, [-1]) } }) as Tensor;
    return output(reduce(tf.reshape(per, lead), reduction), 'cosineEmbeddingLoss', validate);
  });
}

/** Anchor, positive and negative rows of one shape. */
function triplet(anchor: TensorLike, positive: TensorLike, negative: TensorLike, validate: boolean): { a: Tensor; p: Tensor; n: Tensor; lead: number[] } {
  const a0 = inputTensor(anchor, 'anchor', validate);
  const p0 = inputTensor(positive, 'positive', validate);
  const n0 = inputTensor(negative, 'negative', validate);
  sameShape(a0, p0, 'anchor', 'positive');
  sameShape(a0, n0, 'anchor', 'negative');
  const { rows: a, lead } = rowsOf(a0, 'anchor');
  return { a, p: tf.reshape(p0, a.shape), n: tf.reshape(n0, a.shape), lead };
}

/** Options of {@link tripletMarginLoss}. */
export interface TripletMarginLossOptions extends TorchOptions {
  /** Default 1. */
  readonly margin?: number;
  /** Norm degree. Default 2. */
  readonly p?: number;
  /** Default 1e-6. */
  readonly eps?: number;
  /** Default false. */
  readonly swap?: boolean;
}

/**
 * torch `F.triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, reduction='mean')`:
 * `max(0, d(a, p) − d(a, n) + margin)` per row with `d(x, y) = ‖x − y + eps‖_p` and, with `swap`, the negative
 * distance `min(d(a, n), d(p, n))`. All three `[N, D]` (or `[D]`).
 * @example tripletMarginLoss([[0, 0]], [[3, 4]], [[0, 1]]) // max(0, 5 − 1 + 1) = 5
 */
export function tripletMarginLoss(anchor: TensorLike, positive: TensorLike, negative: TensorLike, options: TripletMarginLossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const expr = explicitTripletMargin({
    margin: numberOption('margin', options.margin ?? 1),
    p: numberOption('p', options.p ?? 2, (v) => v > 0, 'a number > 0'),
    eps: numberOption('eps', options.eps ?? 1e-6, (v) => v >= 0, 'a number >= 0'),
    swap: params.boolean('swap', options.swap ?? false),
  });
  return tf.tidy(() => {
    const { a, p, n, lead } = triplet(anchor, positive, negative, validate);
    const per = compiledOnce(expr, 'logits', false)(p, a, { inputs: { negative: n } }) as Tensor;
    return output(reduce(tf.reshape(per, lead), reduction), 'tripletMarginLoss', validate);
  });
}

/** Options of {@link tripletMarginWithDistanceLoss}. */
export interface TripletMarginWithDistanceLossOptions extends TorchOptions {
  /** `(x1, x2) => distances [N]` of tfjs ops. Default torch's `pairwise_distance` (`‖x1 − x2 + 1e-6‖₂`). */
  readonly distanceFunction?: RowDistance | null;
  /** Margin > 0. Default 1. */
  readonly margin?: number;
  /** Default false. */
  readonly swap?: boolean;
}

/**
 * torch `F.triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
 * swap=False, reduction='mean')`: `max(0, d(a, p) − d(a, n) + margin)` per row for any differentiable distance `d`
 * (see `explicitTripletMarginWithDistance`). Compiled per call (the expression holds the function, so it is not
 * cached: a fresh closure each step would otherwise grow the cache).
 * @example tripletMarginWithDistanceLoss(a, p, n, { distanceFunction: (x, y) => tf.sum(tf.abs(tf.sub(x, y)), -1) })
 */
export function tripletMarginWithDistanceLoss(anchor: TensorLike, positive: TensorLike, negative: TensorLike, options: TripletMarginWithDistanceLossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const expr = explicitTripletMarginWithDistance({
    ...(options.distanceFunction ? { distance: options.distanceFunction } : {}),
    margin: numberOption('margin', options.margin ?? 1, (v) => v > 0, 'a number > 0'),
    swap: params.boolean('swap', options.swap ?? false),
  });
  return tf.tidy(() => {
    const { a, p, n, lead } = triplet(anchor, positive, negative, validate);
    const per = compile(expr, { reduction: 'none', validate: false, fuse: false })(p, a, { inputs: { negative: n } }) as Tensor;
    return output(reduce(tf.reshape(per, lead), reduction), 'tripletMarginWithDistanceLoss', validate);
  });
}
