import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, formatShape } from './errors.js';

/** Anything tfjs ops accept as data: a tensor, a number, a (nested) array or a TypedArray. */
export type TensorLike = Tensor | number | boolean | ArrayLike<number> | readonly (number | readonly unknown[])[] | Float32Array | Int32Array | Uint8Array;

/** True for tensors; plain data is converted by {@link toTensor}. */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof tf.Tensor;
}

/** The shape of nested arrays or TypedArrays: the lengths along the first element of every level (stops at an empty level). */
export function nestedShape(x: ArrayLike<unknown>): number[] {
  const shape: number[] = [];
  let cur: unknown = x;
  while (Array.isArray(cur) || ArrayBuffer.isView(cur)) {
    const arr = cur as ArrayLike<unknown>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    cur = arr[0];
  }
  return shape;
}

function inferShape(x: unknown, name: string): number[] {
  const shape = nestedShape(x as ArrayLike<unknown>);
  let cur: unknown = x;
  for (let k = 0; k < shape.length && shape[k]! > 0; k++) cur = (cur as ArrayLike<unknown>)[0];
  if (!(typeof cur === 'number' || typeof cur === 'boolean' || shape.at(-1) === 0)) {
    throw new LosskitError('INVALID_ARGUMENT', 'not a tensor, number, nested array or TypedArray', {
      argument: name,
      received: cur === null ? 'null' : typeof cur,
    });
  }
  return shape;
}

function flatten(x: unknown, shape: readonly number[], name: string): Float64Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(size);
  let k = 0;
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      out[k++] = Number(v);
      return;
    }
    const arr = v as ArrayLike<unknown>;
    if (!(Array.isArray(arr) || ArrayBuffer.isView(arr)) || arr.length !== shape[depth]) {
      throw new LosskitError('SHAPE_MISMATCH', 'ragged nested array', {
        argument: name,
        expected: `length ${shape[depth]} at depth ${depth} (shape ${formatShape(shape)})`,
        received: Array.isArray(arr) || ArrayBuffer.isView(arr) ? `length ${arr.length}` : typeof arr,
      });
    }
    for (let i = 0; i < arr.length; i++) walk(arr[i], depth + 1);
  };
  walk(x, 0);
  return out;
}

/** Host data of plain input, kept so validation needs no device read-back. */
export interface Converted {
  readonly tensor: Tensor;
  /** The values as float64 when the input was plain JS data (else undefined). */
  readonly host: Float64Array | undefined;
  /** Whether this call created the tensor (and must dispose it). */
  readonly owned: boolean;
}

/** Converts tensor-like input to a float32 tensor, naming `name` in any error. */
export function toTensor(x: TensorLike, name: string): Converted {
  if (x === undefined || x === null) {
    throw new LosskitError('INVALID_ARGUMENT', 'missing', { argument: name, expected: 'a tensor or array' });
  }
  if (isTensor(x)) {
    if (x.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument: name });
    if (x.dtype === 'float32') return { tensor: x, host: undefined, owned: false };
    if (x.dtype === 'string' || x.dtype === 'complex64') {
      throw new LosskitError('INVALID_ARGUMENT', 'unsupported dtype', { argument: name, expected: 'float32, int32 or bool', received: x.dtype });
    }
    return { tensor: tf.cast(x, 'float32'), host: undefined, owned: true };
  }
  const shape = typeof x === 'number' || typeof x === 'boolean' ? [] : inferShape(x, name);
  const host = typeof x === 'number' || typeof x === 'boolean' ? Float64Array.of(Number(x)) : flatten(x, shape, name);
  return { tensor: tf.tensor(Float32Array.from(host), shape, 'float32'), host, owned: true };
}

/** Reads a (small) tensor's values to the host, for validation. */
export function hostValues(c: Converted): ArrayLike<number> {
  return c.host ?? (c.tensor.dataSync() as Float32Array);
}

/** Throws `NON_FINITE_INPUT` at the first NaN/Inf in `values`. */
export function assertFinite(values: ArrayLike<number>, name: string, shape: readonly number[]): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', {
        argument: name,
        expected: 'finite numbers',
        received: `${v} at ${formatIndex(i, shape)}`,
      });
    }
  }
}

/** Formats a flat index as a multi-index: `[2, 7]`. */
export function formatIndex(flat: number, shape: readonly number[]): string {
  if (shape.length <= 1) return `index ${flat}`;
  const idx: number[] = [];
  let r = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(r % shape[d]!);
    r = Math.floor(r / shape[d]!);
  }
  return `index ${formatShape(idx)}`;
}

/** Runs `fn` in a tfjs scope and disposes every tensor it created; for functions returning host values. */
export function scoped<T>(fn: () => T): T {
  const engine = tf.engine();
  engine.startScope();
  try {
    return fn();
  } finally {
    engine.endScope();
  }
}
