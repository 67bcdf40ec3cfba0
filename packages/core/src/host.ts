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

/** How {@link readHostVector} reads a vector `[N]` and names it in its errors. */
export interface HostVectorOptions {
  /** The required length N; undefined accepts any length. */
  readonly n?: number | undefined;
  /** Accept N = 0 (default `false`: an empty vector throws `EMPTY_BATCH`). */
  readonly allowEmpty?: boolean | undefined;
  /** Also accept a column `[N, 1]` (tensor or nested arrays), read as `[N]`. Default `false`. */
  readonly column?: boolean;
  /** Accept `true` / `false` array entries as 1 / 0 (a bool tensor is always accepted). Default `false`. */
  readonly booleans?: boolean;
  /** What an entry is, in messages (`no values`, `wrong number of samples`). Default `'values'` (`'labels'` for labels). */
  readonly noun?: string;
}

/** How {@link readHostLabels} reads integer labels `[N]`: the vector options plus the class count. */
export interface HostLabelsOptions extends HostVectorOptions {
  /** The number of classes C: labels must lie in `[0, C)`. Without it, in `[0, 2^31)` (they must fit an Int32Array). */
  readonly classes?: number | undefined;
}

/**
 * The entries of a vector `[N]` (or a `[N, 1]` column with `column`), unchecked, after the kind, rank, length and
 * emptiness checks shared by {@link readHostVector} and {@link readHostLabels}.
 */
function hostVectorEntries(x: TensorLike, name: string, o: HostVectorOptions, noun: string, what: string): ArrayLike<unknown> {
  const shapeText = `[${o.n ?? 'N'}]${o.column ? ` or [${o.n ?? 'N'}, 1]` : ''}`;
  const isVectorShape = (shape: readonly number[]) => shape.length === 1 || (o.column === true && shape.length === 2 && shape[1] === 1);
  let values: ArrayLike<unknown>;
  let shape: number[];
  if (isTensor(x)) {
    if (x.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument: name });
    if (x.dtype === 'string' || x.dtype === 'complex64') throw new LosskitError('INVALID_ARGUMENT', 'unsupported dtype', { argument: name, expected: `a float32, int32 or bool tensor ${shapeText} of ${what}`, received: x.dtype });
    shape = x.shape.slice();
    if (!isVectorShape(shape)) throw new LosskitError('RANK_MISMATCH', `${noun} must be 1-D`, { argument: name, expected: `shape ${shapeText}`, received: `rank ${shape.length} ${formatShape(shape)}` });
    values = x.dataSync() as ArrayLike<number>;
  } else {
    if (!Array.isArray(x) && !ArrayBuffer.isView(x)) throw new LosskitError('INVALID_ARGUMENT', 'not a tensor, array or TypedArray', { argument: name, expected: `${what} of shape ${shapeText}`, received: describeValue(x) });
    const arr = x as ArrayLike<unknown>;
    shape = nestedShape(arr);
    if (!isVectorShape(shape)) throw new LosskitError('RANK_MISMATCH', `${noun} must be 1-D`, { argument: name, expected: `shape ${shapeText}`, received: `rank ${shape.length} ${formatShape(shape)}` });
    if (shape.length === 2) {
      const flat = new Array<unknown>(arr.length);
      for (let i = 0; i < arr.length; i++) {
        const row = arr[i] as ArrayLike<unknown>;
        const isRow = Array.isArray(row) || ArrayBuffer.isView(row);
        if (!isRow || row.length !== 1) throw new LosskitError('SHAPE_MISMATCH', 'ragged rows', { argument: name, expected: `shape [${o.n ?? 'N'}, 1]: every row of length 1`, received: isRow ? `row ${i} of length ${row.length}` : `${describeValue(row)} at row ${i}` });
        flat[i] = row[0];
      }
      values = flat;
    } else values = arr;
  }
  if (shape[0] === 0 && !o.allowEmpty) throw new LosskitError('EMPTY_BATCH', `no ${noun}`, { argument: name, expected: `shape ${shapeText} with N >= 1`, received: formatShape(shape) });
  if (o.n !== undefined && shape[0] !== o.n) throw new LosskitError('SHAPE_MISMATCH', `wrong number of ${noun}`, { argument: name, expected: `shape ${shapeText}`, received: formatShape(shape) });
  return values;
}

/** The entry `v` at `i` as a finite number, or a typed error (`RANK_MISMATCH` for a nested array, `INVALID_ARGUMENT`, `NON_FINITE_INPUT`). */
function finiteEntry(v: unknown, i: number, name: string, o: HostVectorOptions, noun: string, what: string): number {
  if (typeof v !== 'number' && !(o.booleans === true && typeof v === 'boolean')) {
    throw new LosskitError(Array.isArray(v) || ArrayBuffer.isView(v) ? 'RANK_MISMATCH' : 'INVALID_ARGUMENT', `${noun} must be ${what}`, { argument: name, expected: `${what} of shape [${o.n ?? 'N'}]`, received: `${describeValue(v)} at index ${i}` });
  }
  const x = Number(v);
  if (!Number.isFinite(x)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: name, expected: 'finite numbers', received: `${x} at index ${i}` });
  return x;
}

/**
 * Reads a finite number vector `[N]` — a tensor (float32, int32 or bool), a number array or a TypedArray; with
 * `column` also a `[N, 1]` column — into float64, checking in this order: the kind of value (`INVALID_ARGUMENT`, also
 * for a disposed tensor or a string / complex dtype), the rank (`RANK_MISMATCH`), ragged column rows
 * (`SHAPE_MISMATCH`), N ≥ 1 unless `allowEmpty` (`EMPTY_BATCH`), N = `n` (`SHAPE_MISMATCH`), that every entry is a
 * number (`INVALID_ARGUMENT`; `RANK_MISMATCH` for a nested array in place of a number) and finite
 * (`NON_FINITE_INPUT` with its index).
 *
 * @example readHostVector([1, 2.5], 'weights', { n: 2 }); // Float64Array [1, 2.5]
 */
export function readHostVector(x: TensorLike, name: string, options: HostVectorOptions = {}): Float64Array {
  const noun = options.noun ?? 'values';
  const values = hostVectorEntries(x, name, options, noun, 'numbers');
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = finiteEntry(values[i], i, name, options, noun, 'numbers');
  return out;
}

/**
 * Reads integer class labels `[N]` — a tensor (int32, float32 or bool), a number array or a TypedArray; with `column`
 * also a `[N, 1]` column — into an Int32Array. The checks of {@link readHostVector} (kind, rank, N ≥ 1, N = `n`,
 * numbers, finite: NaN and ±∞ are `NON_FINITE_INPUT`), then that every label is an integer (`NON_INTEGER_LABEL`)
 * in `[0, classes)`, or `[0, 2^31)` without `classes` (`LABEL_OUT_OF_RANGE`), each naming the index.
 *
 * @example readHostLabels([0, 2, 1], 'labels', { n: 3, classes: 3 }); // Int32Array [0, 2, 1]
 */
export function readHostLabels(y: TensorLike, name: string, options: HostLabelsOptions = {}): Int32Array {
  const noun = options.noun ?? 'labels';
  const values = hostVectorEntries(y, name, options, noun, 'integers');
  const hi = options.classes ?? 2 ** 31;
  const out = new Int32Array(values.length);
  for (let i = 0; i < out.length; i++) {
    const v = finiteEntry(values[i], i, name, options, noun, 'integers');
    if (!Number.isInteger(v)) throw new LosskitError('NON_INTEGER_LABEL', `${noun} must be integers`, { argument: name, expected: 'integers', received: `${v} at index ${i}` });
    if (v < 0 || v >= hi) throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range', { argument: name, expected: `integers in [0, ${hi})`, received: `${v} at index ${i}` });
    out[i] = v;
  }
  return out;
}
