/**
 * Host-side (float64) reading of labels, scores and options for every metric and statistic of this package. Everything
 * validates at the boundary and throws {@link LosskitError}s naming the argument, what was expected and what was seen.
 */
import { LosskitError, assertFinite, isTensor, readHostLabels, readHostVector, type TensorLike } from '@losskit/core';

/** Integer labels `[N]`: a number array, an Int32Array or a rank-1 tensor. */
export type LabelsLike = TensorLike;
/** Scores `[N]` or `[N, C]`: nested arrays, TypedArray rows or a tensor. */
export type ScoresLike = TensorLike;

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? `an array of length ${v.length}` : ArrayBuffer.isView(v) ? 'a typed array' : typeof v);

/** Validates an options argument: `undefined` gives `{}`, anything but a plain object throws `INVALID_ARGUMENT`. */
export function readOptions<T extends object>(options: T | undefined, name = 'options'): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: name, expected: 'an options object or undefined', received: kind(options) });
  }
  return options;
}

/** Reads a tensor or array to host numbers with its shape (checks kind, dtype, raggedness). */
function toHost(x: unknown, name: string): { data: number[]; shape: number[] } {
  if (isTensor(x)) {
    if (x.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument: name });
    if (x.dtype === 'string' || x.dtype === 'complex64') throw new LosskitError('INVALID_ARGUMENT', 'unsupported dtype', { argument: name, expected: 'a float32, int32 or bool tensor', received: x.dtype });
    return { data: Array.from(x.dataSync() as ArrayLike<number>), shape: x.shape.slice() };
  }
  if (!Array.isArray(x) && !ArrayBuffer.isView(x)) throw new LosskitError('INVALID_ARGUMENT', 'expected an array or a tensor', { argument: name, expected: 'a number array, TypedArray or tf.Tensor', received: kind(x) });
  const arr = x as ArrayLike<unknown>;
  if (arr.length === 0) return { data: [], shape: [0] };
  const first = arr[0];
  if (Array.isArray(first) || ArrayBuffer.isView(first)) {
    const c = (first as ArrayLike<unknown>).length;
    const data: number[] = [];
    for (let i = 0; i < arr.length; i++) {
      const row = arr[i];
      if (!(Array.isArray(row) || ArrayBuffer.isView(row)) || (row as ArrayLike<unknown>).length !== c) {
        throw new LosskitError('SHAPE_MISMATCH', 'rows of different lengths', { argument: name, expected: `every row of length ${c}`, received: `row ${i}: ${kind(row)}` });
      }
      for (let j = 0; j < c; j++) data.push(checkNumber((row as ArrayLike<unknown>)[j], name, `[${i}, ${j}]`));
    }
    return { data, shape: [arr.length, c] };
  }
  const data: number[] = [];
  for (let i = 0; i < arr.length; i++) data.push(checkNumber(arr[i], name, `[${i}]`));
  return { data, shape: [arr.length] };
}

function checkNumber(v: unknown, name: string, at: string): number {
  if (typeof v !== 'number' && typeof v !== 'boolean') throw new LosskitError('INVALID_ARGUMENT', 'entries must be numbers', { argument: name, expected: 'numbers', received: `${kind(v)} at ${at}` });
  return Number(v);
}

/**
 * Reads finite numbers `[N]` (a vector; `[N, 1]` columns are flattened; `true` / `false` read as 1 / 0; core's
 * `readHostVector`). Throws on empty input unless `allowEmpty`.
 */
export function readVector(x: unknown, name: string, allowEmpty = false): number[] {
  return Array.from(readHostVector(x as TensorLike, name, { allowEmpty, column: true, booleans: true }));
}

/** Reads a finite matrix `[N, C]` as rows. */
export function readMatrix(x: unknown, name: string): { rows: number[][]; n: number; c: number } {
  const { data, shape } = toHost(x, name);
  if (shape.length !== 2) throw new LosskitError('RANK_MISMATCH', 'expected a matrix', { argument: name, expected: 'shape [N, C]', received: `[${shape.join(', ')}]` });
  const [n, c] = shape as [number, number];
  if (n === 0 || c === 0) throw new LosskitError('EMPTY_BATCH', 'no values', { argument: name, expected: 'at least one row and one column', received: `[${n}, ${c}]` });
  assertFinite(data, name, shape);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(data.slice(i * c, (i + 1) * c));
  return { rows, n, c };
}

/**
 * Reads integer labels `[N]` in `[0, classes)` (when `classes` is given; else `[0, 2^31)`); `n` checks the length
 * (core's `readHostLabels`, accepting `[N, 1]` columns and booleans like {@link readVector}).
 */
export function readLabels(x: unknown, name: string, n?: number, classes?: number): number[] {
  return Array.from(readHostLabels(x as TensorLike, name, { n, classes, column: true, booleans: true }));
}

/** Reads binary labels in {0, 1}. */
export function readBinary(x: unknown, name: string, n?: number): number[] {
  return readLabels(x, name, n, 2);
}
