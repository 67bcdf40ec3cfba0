/**
 * Host-side (float64) reading of feature matrices, labels and options at the public boundary, shared by every
 * diagnostic here and by `@losskit/ood` / `@losskit/robustness`. Everything throws {@link LosskitError}s naming the
 * argument; shapes and ranks are checked before values.
 */
import { LosskitError, describeValue, formatShape, isTensor, nestedShape, readHostMatrix, readOptions, type TensorLike } from '@losskit/core';

/** A row-major float64 matrix `[n, d]` on the host. */
export interface HostMatrix {
  readonly data: Float64Array;
  readonly n: number;
  readonly d: number;
}

/**
 * Reads a `[N, D]` matrix (a tensor, nested arrays or rows of TypedArrays) into float64 (core's `readHostMatrix`).
 * Errors: `INVALID_ARGUMENT` (not a matrix, a non-number entry, a disposed tensor), `RANK_MISMATCH`, `SHAPE_MISMATCH`
 * (ragged rows, D = 0), `EMPTY_BATCH` (N = 0), `NON_FINITE_INPUT`.
 *
 * @example readFeatures([[1, 2], [3, 4]], 'features').data; // Float64Array [1, 2, 3, 4]
 */
export function readFeatures(x: TensorLike, name = 'features'): HostMatrix {
  const { data, n, cols } = readHostMatrix(x, name);
  return { data, n, d: cols };
}

/**
 * Reads integer labels `[n]` (a tensor, a number array or a TypedArray). With `classes` the labels must lie in
 * `[0, classes)`; without it, in `[0, 2^31)`. Errors: `INVALID_ARGUMENT`, `RANK_MISMATCH`, `SHAPE_MISMATCH` (length ≠ n),
 * `NON_INTEGER_LABEL`, `LABEL_OUT_OF_RANGE`.
 */
export function readLabels(y: TensorLike, n: number, name = 'labels', classes?: number): Int32Array {
  let values: ArrayLike<unknown>;
  let shape: number[];
  if (isTensor(y)) {
    if (y.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument: name });
    if (y.dtype === 'string' || y.dtype === 'complex64') throw new LosskitError('INVALID_ARGUMENT', 'unsupported dtype', { argument: name, expected: 'an int32 or float32 tensor of integers', received: y.dtype });
    shape = y.shape.slice();
    values = y.dataSync() as ArrayLike<number>;
  } else if (Array.isArray(y) || ArrayBuffer.isView(y)) {
    shape = nestedShape(y as ArrayLike<unknown>);
    values = y as ArrayLike<unknown>;
  } else {
    throw new LosskitError('INVALID_ARGUMENT', 'not a tensor or array', { argument: name, expected: `integer labels of shape [${n}]`, received: describeValue(y) });
  }
  if (shape.length !== 1) throw new LosskitError('RANK_MISMATCH', 'labels must be 1-D integers', { argument: name, expected: `shape [${n}]`, received: `rank ${shape.length} ${formatShape(shape)}` });
  if (shape[0] !== n) throw new LosskitError('SHAPE_MISMATCH', 'one label per row', { argument: name, expected: `shape [${n}]`, received: formatShape(shape) });
  const hi = classes ?? 2 ** 31;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw new LosskitError('INVALID_ARGUMENT', 'labels must be integers', { argument: name, expected: `integers of shape [${n}]`, received: `${describeValue(v)} at index ${i}` });
    if (!Number.isInteger(v)) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be integers', { argument: name, expected: 'integers', received: `${v} at index ${i}` });
    if (v < 0 || v >= hi) throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range', { argument: name, expected: `integers in [0, ${hi})`, received: `${v} at index ${i}` });
    out[i] = v;
  }
  return out;
}

/** Reads a finite number vector `[n]` (a tensor, array or TypedArray); `n` undefined accepts any length ≥ 1. */
export function readVector(x: TensorLike, name: string, n?: number): Float64Array {
  let values: ArrayLike<unknown>;
  let shape: number[];
  if (isTensor(x)) {
    if (x.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument: name });
    if (x.dtype === 'string' || x.dtype === 'complex64') throw new LosskitError('INVALID_ARGUMENT', 'unsupported dtype', { argument: name, expected: 'a float32 or int32 tensor', received: x.dtype });
    shape = x.shape.slice();
    values = x.dataSync() as ArrayLike<number>;
  } else if (Array.isArray(x) || ArrayBuffer.isView(x)) {
    shape = nestedShape(x as ArrayLike<unknown>);
    values = x as ArrayLike<unknown>;
  } else {
    throw new LosskitError('INVALID_ARGUMENT', 'not a tensor or array', { argument: name, expected: `numbers of shape [${n ?? 'N'}]`, received: describeValue(x) });
  }
  if (shape.length !== 1) throw new LosskitError('RANK_MISMATCH', 'must be 1-D', { argument: name, expected: `shape [${n ?? 'N'}]`, received: `rank ${shape.length} ${formatShape(shape)}` });
  if (n !== undefined && shape[0] !== n) throw new LosskitError('SHAPE_MISMATCH', 'wrong length', { argument: name, expected: `shape [${n}]`, received: formatShape(shape) });
  if (shape[0] === 0) throw new LosskitError('EMPTY_BATCH', 'empty', { argument: name, expected: 'at least one value', received: '[0]' });
  const out = new Float64Array(shape[0]!);
  for (let i = 0; i < out.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw new LosskitError('INVALID_ARGUMENT', 'every entry must be a number', { argument: name, expected: 'numbers', received: `${describeValue(v)} at index ${i}` });
    if (!Number.isFinite(v)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: name, expected: 'finite numbers', received: `${v} at index ${i}` });
    out[i] = v;
  }
  return out;
}

/** Validates an options argument: `undefined` gives `{}`, anything but a plain object throws `INVALID_ARGUMENT` (core's). */
export { readOptions };

/** Throws `INVALID_PARAMETER` unless `v` is an integer in `[lo, hi]`. */
export function checkInteger(name: string, v: unknown, lo: number, hi = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: name, expected: hi === Number.MAX_SAFE_INTEGER ? `an integer >= ${lo}` : `an integer in [${lo}, ${hi}]`, received: String(v) });
  }
  return v;
}

/** Row `i` of a host matrix as a subarray view. */
export const row = (m: HostMatrix, i: number): Float64Array => m.data.subarray(i * m.d, (i + 1) * m.d);
