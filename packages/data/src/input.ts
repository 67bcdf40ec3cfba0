/**
 * Validation at the boundary of @losskit/data: options, integer labels, host matrices and seeded randomness. Tensor
 * inputs go through core's `toTensor`; everything throws {@link LosskitError}s naming the argument.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, assertFinite, isTensor, params, readHostLabels, readOptions, toTensor, type TensorLike } from '@losskit/core';
import { rng, shuffleInPlace } from '@losskit/core/math';

/** Validates an options argument: `undefined` gives `{}`, anything but a plain object throws `INVALID_ARGUMENT` (core's). */
export { readOptions };

/** Reads any tensor-like to a host float64 copy with its shape (typed errors for ragged or non-numeric data). */
export function hostOf(x: TensorLike, name: string): { data: Float64Array; shape: number[] } {
  const c = toTensor(x, name);
  try {
    return { data: c.host ?? Float64Array.from(c.tensor.dataSync() as ArrayLike<number>), shape: c.tensor.shape.slice() };
  } finally {
    if (c.owned) c.tensor.dispose();
  }
}

/** Finite host matrix `[N, D]` as rows. */
export function readRows(x: TensorLike, name: string): number[][] {
  const { data, shape } = hostOf(x, name);
  if (shape.length !== 2) throw new LosskitError('RANK_MISMATCH', 'expected a matrix', { argument: name, expected: 'shape [N, D]', received: `[${shape.join(', ')}]` });
  const [n, d] = shape as [number, number];
  if (n === 0 || d === 0) throw new LosskitError('EMPTY_BATCH', 'no rows', { argument: name, expected: 'at least one row and one column', received: `[${n}, ${d}]` });
  assertFinite(data, name, shape);
  return Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)));
}

/** Finite host vector `[N]` (a `[N, 1]` column is accepted). */
export function readValues(x: TensorLike, name: string, n?: number): number[] {
  const { data, shape } = hostOf(x, name);
  if (shape.length > 2 || (shape.length === 2 && shape[1] !== 1)) throw new LosskitError('RANK_MISMATCH', 'expected a vector', { argument: name, expected: 'shape [N]', received: `[${shape.join(', ')}]` });
  if (data.length === 0) throw new LosskitError('EMPTY_BATCH', 'no values', { argument: name, expected: 'at least one value', received: 'an empty array' });
  if (n !== undefined && data.length !== n) throw new LosskitError('SHAPE_MISMATCH', 'wrong length', { argument: name, expected: `${n} values`, received: `${data.length}` });
  assertFinite(data, name, [data.length]);
  return Array.from(data);
}

/** Integer labels `[N]` in `[0, classes)` (or `[0, 2^31)`); a `[N, 1]` column and booleans are accepted (core's `readHostLabels`). */
export function readLabels(x: TensorLike, name: string, n?: number, classes?: number): number[] {
  return Array.from(readHostLabels(x, name, { n, classes, column: true, booleans: true }));
}

/** A fraction in [0, 1]. */
export const fraction = (name: string, v: unknown) => params.closedUnitInterval(name, v);

/** A seeded uniform stream; `seed` must be finite. */
export function seeded(seed: unknown): () => number {
  return rng(params.finite('seed', seed ?? 0));
}

/** Fisher–Yates shuffle of a copy, from a uniform stream. */
export function shuffled<T>(v: readonly T[], u: () => number): T[] {
  return shuffleInPlace([...v], u);
}

/** Per-class index lists of integer labels. */
export function byClass(y: readonly number[], classes = Math.max(...y) + 1): number[][] {
  const out = Array.from({ length: classes }, () => [] as number[]);
  y.forEach((c, i) => out[c]!.push(i));
  return out;
}

export { isTensor, tf };

/** A tensor's values, checked finite (`NON_FINITE_INPUT` naming `name` and the flat position). */
export function finiteValues(t: tf.Tensor, name: string): ArrayLike<number> {
  const v = t.dataSync() as ArrayLike<number>;
  assertFinite(v, name, t.shape);
  return v;
}

/**
 * Throws `INVALID_ARGUMENT` when two parameter lists are equal, i.e. ‖a − b‖² = 0 (the denominator of a normalised
 * trajectory-matching distance): `what` names the pair for the message.
 */
export function checkDistinctParams(a: readonly tf.Tensor[], b: readonly tf.Tensor[], name: string, what: string): void {
  let d = 0;
  a.forEach((t, i) => {
    const x = t.dataSync();
    const y = b[i]!.dataSync();
    for (let k = 0; k < x.length; k++) d += (x[k]! - y[k]!) ** 2;
  });
  if (!(d > 0)) throw new LosskitError('INVALID_ARGUMENT', `${what}: the normalising distance is 0`, { argument: name, expected: 'expert parameters different from the start checkpoint (‖θ*_t − θ*‖² > 0)', received: 'parameters equal to the start' });
}

