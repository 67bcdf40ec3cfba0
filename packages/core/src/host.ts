/**
 * Host-side (float64) reading of arguments at a package's public boundary, for the packages that compute on the host
 * (`@losskit/calibration`, `@losskit/diagnostics`, `@losskit/metrics`, `@losskit/data`, `@losskit/unlearning`):
 * options objects and `[N, K]` matrices given as tensors, nested arrays or rows of TypedArrays. Every check throws a
 * {@link LosskitError} naming the argument; shapes and ranks are checked before values.
 */
import { LosskitError, formatShape } from './errors.js';
import { type TensorLike, isTensor, nestedShape } from './tensors.js';

export { nestedShape };

/** A short description of a received value for error messages: `null`, `an array`, `"text"` or its `typeof`. */
export function describeValue(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `"${v}"` : typeof v;
}

/**
 * Validates an options argument: `undefined` gives `{}`, anything but a plain object (null, an array, a number…)
 * throws `INVALID_ARGUMENT` naming `name`.
 *
 * @example readOptions(undefined); // {}
 */
export function readOptions<T extends object>(options: T | undefined, name = 'options'): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: name, expected: 'an options object or undefined', received: describeValue(options) });
  }
  return options;
}

/** A row-major float64 matrix `[n, cols]` on the host. */
export interface HostMatrix2D {
  readonly data: Float64Array;
  readonly n: number;
  readonly cols: number;
}

/** How {@link readHostMatrix} names the matrix's axes in its errors. */
export interface HostMatrixNames {
  /** The letter of the column axis in `[N, ·]`, e.g. `'D'` for features, `'C'` for class scores. Default `'D'`. */
  readonly cols?: string;
  /** What a row is, for the empty-batch error (`no rows`, `no samples`). Default `'rows'`. */
  readonly rowNoun?: string;
  /** What a column is, for the zero-width error (`no columns`, `no classes`). Default `'columns'`. */
  readonly colNoun?: string;
}

/**
 * Reads a `[N, K]` matrix — a tensor (float32, int32 or bool), nested number arrays or an array of TypedArray rows —
 * into float64, checking in this order: the kind of value (`INVALID_ARGUMENT`, also for a disposed tensor or a string
 * dtype), the rank (`RANK_MISMATCH`), ragged rows (`SHAPE_MISMATCH`), N ≥ 1 (`EMPTY_BATCH`), that every entry is a
 * number (`INVALID_ARGUMENT`; `RANK_MISMATCH` for a nested array in place of a number), K ≥ 1 (`SHAPE_MISMATCH`) and
 * that every entry is finite (`NON_FINITE_INPUT` with its `[i, j]`).
 *
 * @example readHostMatrix([[1, 2], [3, 4]], 'features').data; // Float64Array [1, 2, 3, 4]
 */
export function readHostMatrix(x: TensorLike, name: string, names: HostMatrixNames = {}): HostMatrix2D {
  const K = names.cols ?? 'D';
  const rowNoun = names.rowNoun ?? 'rows';
  const colNoun = names.colNoun ?? 'columns';
  let data: Float64Array;
  let n: number;
  let cols: number;
  if (isTensor(x)) {
    if (x.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument: name });
    if (x.dtype === 'string' || x.dtype === 'complex64') throw new LosskitError('INVALID_ARGUMENT', 'unsupported dtype', { argument: name, expected: `a float32, int32 or bool tensor [N, ${K}]`, received: x.dtype });
    if (x.rank !== 2) throw new LosskitError('RANK_MISMATCH', 'must be 2-D', { argument: name, expected: `shape [N, ${K}]`, received: `rank ${x.rank} ${formatShape(x.shape)}` });
    [n, cols] = x.shape as [number, number];
    data = Float64Array.from(x.dataSync() as ArrayLike<number>);
  } else {
    if (!Array.isArray(x) && !ArrayBuffer.isView(x)) throw new LosskitError('INVALID_ARGUMENT', 'not a tensor, nested array or array of TypedArrays', { argument: name, expected: `a matrix [N, ${K}]`, received: describeValue(x) });
    const rows = x as ArrayLike<unknown>;
    n = rows.length;
    if (n === 0) throw new LosskitError('EMPTY_BATCH', `no ${rowNoun}`, { argument: name, expected: `shape [N, ${K}] with N >= 1`, received: '[0]' });
    const shape = nestedShape(rows);
    if (shape.length !== 2) throw new LosskitError('RANK_MISMATCH', 'must be 2-D', { argument: name, expected: `shape [N, ${K}]`, received: `rank ${shape.length} ${formatShape(shape)}` });
    cols = shape[1]!;
    data = new Float64Array(n * cols);
    for (let i = 0; i < n; i++) {
      const row = rows[i] as ArrayLike<unknown>;
      if (!(Array.isArray(row) || ArrayBuffer.isView(row)) || row.length !== cols) {
        throw new LosskitError('SHAPE_MISMATCH', 'ragged rows', { argument: name, expected: `shape [N, ${K}]: every row of length ${cols}`, received: Array.isArray(row) || ArrayBuffer.isView(row) ? `row ${i} of length ${row.length}` : `${describeValue(row)} at row ${i}` });
      }
      for (let j = 0; j < cols; j++) {
        const v = row[j];
        if (typeof v !== 'number') throw new LosskitError(Array.isArray(v) || ArrayBuffer.isView(v) ? 'RANK_MISMATCH' : 'INVALID_ARGUMENT', 'every entry must be a number', { argument: name, expected: `shape [N, ${K}] of numbers`, received: `${describeValue(v)} at index [${i}, ${j}]` });
        data[i * cols + j] = v;
      }
    }
  }
  if (n === 0) throw new LosskitError('EMPTY_BATCH', `no ${rowNoun}`, { argument: name, expected: `shape [N, ${K}] with N >= 1`, received: formatShape([n, cols]) });
  if (cols === 0) throw new LosskitError('SHAPE_MISMATCH', `no ${colNoun}`, { argument: name, expected: `shape [N, ${K}] with ${K} >= 1`, received: formatShape([n, cols]) });
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k]!)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: name, expected: 'finite numbers', received: `${data[k]} at index [${Math.floor(k / cols)}, ${k % cols}]` });
  }
  return { data, n, cols };
}
