import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type EvalContext, LosskitError, logSumExpParts, maskedRowReduce, params, stopGradient } from '@losskit/core';

/** The int32 labels `[B]`, or a clear error when the loss was compiled without integer labels. */
export function labelsOf(ctx: EvalContext, what: string): Tensor {
  if (!ctx.labels) {
    throw new LosskitError('INPUT_KIND_MISMATCH', `${what} needs integer labels`, {
      argument: 'yTrue',
      expected: 'integer labels of shape [B] (compile(expr, { from: "embeddings" }))',
      received: 'dense targets',
    });
  }
  return ctx.labels;
}

/** `log Σ_{j: m_ij≠0} exp(x_ij)` per row, `-∞`-free: returns `{ value, has }` with value 0 on empty rows. */
export function maskedLse(x: Tensor, mask: Tensor): { value: Tensor; has: Tensor } {
  return { value: maskedRowReduce(x, mask, 'logSumExp'), has: tf.greater(tf.sum(mask, -1), 0) };
}

// Added to masked-out entries: exp(x - 1e9 - max) is exactly 0 in float32 for any |x| << 1e9.
const MASK_OFFSET = 1e9;

/**
 * Same values as {@link maskedLse} for a 0/1 `mask`, with fewer `[B, B]` ops (the hot path of NT-Xent
 * and SupCon): masked-out entries get `-1e9` added instead of a boolean `where`, and one detached
 * row max is reused. Requires `|x| << 1e9` (true for similarities / temperatures).
 */
export function maskedLseBinary(x: Tensor, mask: Tensor): { value: Tensor; has: Tensor } {
  const z = tf.add(x, tf.mul(tf.sub(mask, 1), MASK_OFFSET));
  const m = stopGradient(tf.max(z, -1, true));
  const lse = tf.add(tf.reshape(m, [-1]), tf.log(tf.sum(tf.exp(tf.sub(z, m)), -1)));
  const has = tf.greater(tf.max(mask, -1), 0);
  return { value: tf.where(has, lse, tf.zerosLike(lse)), has };
}

/** `log(1 + Σ_{j∈mask} exp(x_ij))` per row (0 on empty rows). */
export function log1pSumExp(x: Tensor, mask: Tensor): Tensor {
  const { value, has } = maskedLse(x, mask);
  return tf.where(has, tf.softplus(value), tf.zerosLike(value));
}

/** A non-negative margin hyperparameter (a negative margin is a bug: `INVALID_PARAMETER`). */
export const nonNegativeMargin = (name: string, v: unknown): number => params.nonNegative(name, v);

/** Row-wise `[B]` from `[B, B]` with a mask: `Σ_j m_ij x_ij`. */
export const rowDot = (x: Tensor, m: Tensor): Tensor => tf.sum(tf.mul(x, m), -1);

/** Validates an options argument: `undefined` gives `{}`; anything but a plain object throws `INVALID_ARGUMENT`. */
export function optionsOf<T>(options: T, name = 'options'): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', {
      argument: name,
      expected: 'an options object or undefined',
      received: options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options,
    });
  }
  return options;
}

/**
 * `tf.tidy` for structured results (objects holding tensors and plain data, one level deep): keeps the returned
 * tensors only (tracked by the caller's scope, as tf.tidy does). tf.tidy itself walks its result key by key, which
 * for a large TypedArray costs a Set insertion per element; here only the tensors are handed to it.
 */
export function tidy<T>(fn: () => T): T {
  let out!: T;
  tf.tidy(() => {
    out = fn();
    if (out instanceof tf.Tensor) return out;
    const kept: Tensor[] = [];
    if (out && typeof out === 'object' && !ArrayBuffer.isView(out)) {
      for (const v of Object.values(out)) {
        if (v instanceof tf.Tensor) kept.push(v);
        else if (Array.isArray(v)) for (const x of v) if (x instanceof tf.Tensor) kept.push(x);
      }
    }
    return kept;
  });
  return out;
}

/**
 * Softmax cross-entropy per row from logits `[B, C]` and one-hot targets: `(m − z_y) + l` with core's exact
 * log-sum-exp parts (never `lse − z_y`, which loses `l` against a huge row maximum).
 */
export function crossEntropyRows(logits: Tensor, onehot: Tensor): Tensor {
  const { max, rel } = logSumExpParts(logits);
  return tf.add(tf.sub(max, tf.sum(tf.mul(logits, onehot), -1)), rel);
}
