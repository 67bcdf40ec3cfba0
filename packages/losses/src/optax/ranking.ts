// optax's ranking loss (google-deepmind/optax `optax/losses/_ranking.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5).
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, input } from '@losskit/core';
import { rankingSoftmax } from '../standard/rankingSoftmax.js';
import { validateOption } from '../validate.js';
import { type OptaxOptions, expandTo, finish, perRow, tensorOf } from './common.js';

/**
 * A reduction of per-list losses `[...]`: optax's `jnp.mean`, `jnp.sum`, `None`, or a function of the losses and
 * the lists to include (`where`, boolean `[...]`, present only when `where` was given), as optax calls
 * `reduce_fn(loss, where=where)`.
 */
export type RankingReduceFn = 'mean' | 'sum' | null | ((losses: Tensor, where: Tensor | undefined) => Tensor);

/** Options of {@link rankingSoftmaxLoss}. */
export interface RankingSoftmaxLossOptions extends OptaxOptions {
  /** Valid items `[..., L]` (non-zero / true): the others leave the softmax and the sum. Default every item. */
  readonly where?: TensorLike | null;
  /** Item weights `[..., L]` multiplying the labels. Default 1. */
  readonly weights?: TensorLike | null;
  /** How the per-list losses are reduced. Default `'mean'` (over the lists with a valid item; 0 if none). */
  readonly reduceFn?: RankingReduceFn;
}

/**
 * optax `ranking_softmax_loss(logits, labels, *, where=None, weights=None, reduce_fn=jnp.mean)`: per list
 * `−Σ_i w_i y_i log softmax(s)_i` over the last axis, items outside `where` removed from the softmax (their logits
 * set to −∞, as optax) and the sum, then reduced: `'mean'` averages over the lists with at least one valid item (0
 * when there is none: optax's `_safe_reduce`), `'sum'` sums, `null` returns the per-list losses `[...]` with 0 for
 * lists without a valid item. Labels (graded relevance), `where` and `weights` broadcast against the logits `[..., L]`.
 * Exact at huge scores (3.4e37); gradient `p Σ w y − w y`. The DSL form is `rankingSoftmax()` of `@losskit/losses`.
 *
 * @example rankingSoftmaxLoss([2, 1, 3], [1, 0, 0]) // 1.408
 */
export function rankingSoftmaxLoss(logits: TensorLike, labels: TensorLike, options: RankingSoftmaxLossOptions = {}): Tensor {
  const validate = validateOption(options);
  const reduceFn = options.reduceFn === undefined ? 'mean' : options.reduceFn;
  if (!(reduceFn === 'mean' || reduceFn === 'sum' || reduceFn === null || typeof reduceFn === 'function')) {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown reduction', { argument: 'reduceFn', expected: "'mean', 'sum', null or a function (losses, where) => tensor", received: String(reduceFn) });
  }
  return tf.tidy(() => {
    const s = tensorOf(logits, 'logits', validate);
    if (s.rank < 1) throw new LosskitError('RANK_MISMATCH', 'logits must have a list axis', { argument: 'logits', expected: 'shape [..., L]', received: '[] (a scalar)' });
    const y = tensorOf(labels, 'labels', validate);
    const shape = s.shape;
    const extra = (x: TensorLike | null | undefined, name: string): Tensor | undefined =>
      x === undefined || x === null ? undefined : expandTo(tensorOf(x, name, validate), shape, name, 'logits');
    const labelsFull = expandTo(y, shape, 'labels', 'logits');
    const where = extra(options.where, 'where');
    const weights = extra(options.weights, 'weights');
    const L = shape.at(-1)!;
    const lists = shape.slice(0, -1);
    const n = lists.reduce((a, d) => a * d, 1);
    const rows = (t: Tensor) => tf.reshape(t, [n, L]);
    const whereRows = where ? rows(tf.cast(tf.notEqual(where, 0), 'float32')) : undefined;
    const valid = whereRows ? tf.reshape(tf.any(tf.cast(whereRows, 'bool'), -1), lists) : undefined;
    const inputs = { ...(whereRows ? { where: whereRows } : {}), ...(weights ? { weights: rows(weights) } : {}) };
    const expr = rankingSoftmax({ ...(whereRows ? { where: input('where', 'class') } : {}), ...(weights ? { weights: input('weights', 'class') } : {}) });
    const losses =
      n === 0 || L === 0 ? tf.zeros(lists) : tf.reshape(perRow(expr, 'logits', rows(labelsFull), rows(s), { inputs }), lists);
    let out: Tensor;
    if (reduceFn === null) out = losses;
    else if (reduceFn === 'sum') out = tf.sum(losses);
    else if (reduceFn === 'mean') {
      const count = valid ? tf.sum(tf.cast(valid, 'float32')) : tf.scalar(n);
      // Σ / count, and 0 for no valid list (optax replaces the NaN of an empty mean by 0).
      const zero = tf.equal(count, 0);
      out = tf.where(zero, tf.scalar(0), tf.div(tf.sum(losses), tf.where(zero, tf.scalar(1), count)));
    } else {
      out = reduceFn(losses, valid);
      if (!(out instanceof tf.Tensor)) throw new LosskitError('INVALID_ARGUMENT', 'reduceFn must return a tensor', { argument: 'reduceFn', received: typeof out });
    }
    return finish(out, 'rankingSoftmaxLoss', 'logits', validate);
  });
}
