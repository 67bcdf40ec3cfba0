/**
 * Host-side (float64) reading of feature matrices, labels and options at the public boundary, shared by every
 * diagnostic here and by `@losskit/ood` / `@losskit/robustness`. Everything throws {@link LosskitError}s naming the
 * argument; shapes and ranks are checked before values.
 */
import { LosskitError, readHostLabels, readHostMatrix, readHostVector, readOptions, type TensorLike } from '@losskit/core';

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
 * Reads integer labels `[n]` (a tensor, a number array or a TypedArray; core's `readHostLabels`). With `classes` the
 * labels must lie in `[0, classes)`; without it, in `[0, 2^31)`. Errors: `INVALID_ARGUMENT`, `RANK_MISMATCH`,
 * `EMPTY_BATCH`, `SHAPE_MISMATCH` (length ≠ n), `NON_FINITE_INPUT`, `NON_INTEGER_LABEL`, `LABEL_OUT_OF_RANGE`.
 */
export function readLabels(y: TensorLike, n: number, name = 'labels', classes?: number): Int32Array {
  return readHostLabels(y, name, { n, classes });
}

/** Reads a finite number vector `[n]` (a tensor, array or TypedArray; core's `readHostVector`); `n` undefined accepts any length ≥ 1. */
export function readVector(x: TensorLike, name: string, n?: number): Float64Array {
  return readHostVector(x, name, { n });
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
