// core's host-side readers (readHostMatrix, readHostVector, readHostLabels, readOptions): values, error codes, argument names, and no leaked tensors.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LosskitError, type TensorLike, readHostLabels, readHostMatrix, readHostVector, readOptions, ready } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const failure = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return e instanceof LosskitError ? `${e.code}:${e.argument}` : `raw ${String(e)}`;
  }
  return 'no throw';
};

describe('readHostMatrix', () => {
  it('reads nested arrays, TypedArray rows and a tensor into the same row-major float64 data', () => {
    const want = { data: Float64Array.from([1, 2, 3, 4, 5, 6]), n: 3, cols: 2 };
    expect(readHostMatrix([[1, 2], [3, 4], [5, 6]], 'x')).toEqual(want);
    const typedRows = [Float32Array.from([1, 2]), Float32Array.from([3, 4]), Float32Array.from([5, 6])] as unknown as TensorLike;
    expect(readHostMatrix(typedRows, 'x')).toEqual(want);
    const t = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const before = tf.memory().numTensors;
    expect(readHostMatrix(t, 'x')).toEqual(want);
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });

  it.each([
    ['a string', 'abc', 'INVALID_ARGUMENT'],
    ['a 1-D array', [1, 2], 'RANK_MISMATCH'],
    ['a rank-3 tensor', 'rank3', 'RANK_MISMATCH'],
    ['ragged rows', [[1, 2], [3]], 'SHAPE_MISMATCH'],
    ['no rows', [], 'EMPTY_BATCH'],
    ['zero columns', [[], []], 'SHAPE_MISMATCH'],
    ['a null entry', [[1, null]], 'INVALID_ARGUMENT'],
    ['a nested array entry', [[1, [2]]], 'RANK_MISMATCH'],
    ['a NaN entry', [[1, Number.NaN]], 'NON_FINITE_INPUT'],
    ['an Infinity in a tensor', 'inf', 'NON_FINITE_INPUT'],
  ])('rejects %s with %s naming the argument', (_what, input, code) => {
    const x = input === 'rank3' ? tf.zeros([1, 2, 2]) : input === 'inf' ? tf.tensor2d([[1, Number.POSITIVE_INFINITY]]) : input;
    const before = tf.memory().numTensors;
    expect(failure(() => readHostMatrix(x as never, 'feats'))).toBe(`${code}:feats`);
    expect(tf.memory().numTensors).toBe(before);
    if (x instanceof tf.Tensor) x.dispose();
  });

  it('names the column axis as asked: expected "[N, C]" and "no classes" for class scores', () => {
    expect(() => readHostMatrix([[], []], 'predictions', { cols: 'C', rowNoun: 'samples', colNoun: 'classes' })).toThrow(/no classes.*\[N, C\] with C >= 1/);
  });
});

describe('readOptions', () => {
  it('gives {} for undefined, returns an object as is, and rejects null, arrays and numbers with INVALID_ARGUMENT', () => {
    expect(readOptions(undefined)).toEqual({});
    const o = { a: 1 };
    expect(readOptions(o)).toBe(o);
    expect(failure(() => readOptions(null as never))).toBe('INVALID_ARGUMENT:options');
    expect(failure(() => readOptions([] as never, 'opts'))).toBe('INVALID_ARGUMENT:opts');
    expect(failure(() => readOptions(3 as never))).toBe('INVALID_ARGUMENT:options');
  });
});

/** A fresh input for a table row: `() => tensor` builders are called per test so each test owns (and disposes) it. */
type Input = unknown | (() => tf.Tensor);
/**
 * `code:argument` of the error `read` throws on a fresh `input` (see {@link failure}), or `leaked N tensors` when the
 * call changed the live tensor count; a tensor input is disposed afterwards.
 */
const rejection = (read: (x: never) => unknown, input: Input): string => {
  const x = typeof input === 'function' ? (input as () => tf.Tensor)() : input;
  const before = tf.memory().numTensors;
  const got = failure(() => read(x as never));
  const leaked = tf.memory().numTensors - before;
  if (x instanceof tf.Tensor) x.dispose();
  return leaked === 0 ? got : `leaked ${leaked} tensors`;
};
const disposed = (): tf.Tensor => {
  const t = tf.tensor1d([1, 2]);
  t.dispose();
  return t;
};

describe('readHostVector', () => {
  it('reads a number array, a Float32Array, an Int32Array and float32 / int32 / bool tensors to exact float64 values', () => {
    const want = Float64Array.from([0.1, -2.5, 3e30]);
    expect(readHostVector([0.1, -2.5, 3e30], 'v')).toEqual(want);
    expect(readHostVector(Float32Array.from([0.5, -2, 8]), 'v')).toEqual(Float64Array.from([0.5, -2, 8]));
    expect(readHostVector(Int32Array.from([7, -1]), 'v')).toEqual(Float64Array.from([7, -1]));
    const tensors = [tf.tensor1d([0.5, -2, 8]), tf.tensor1d([7, -1], 'int32'), tf.tensor1d([1, 0], 'bool')];
    const before = tf.memory().numTensors;
    expect(readHostVector(tensors[0]!, 'v')).toEqual(Float64Array.from([0.5, -2, 8]));
    expect(readHostVector(tensors[1]!, 'v')).toEqual(Float64Array.from([7, -1]));
    expect(readHostVector(tensors[2]!, 'v')).toEqual(Float64Array.from([1, 0]));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(tensors);
  });

  it('with column reads a [N, 1] tensor or nested [[v], …] as [N]; with allowEmpty returns an empty vector; with booleans reads true / false as 1 / 0', () => {
    const t = tf.tensor2d([[4], [5]]);
    expect(readHostVector(t, 'v', { column: true })).toEqual(Float64Array.from([4, 5]));
    t.dispose();
    expect(readHostVector([[4], [5]], 'v', { column: true, n: 2 })).toEqual(Float64Array.from([4, 5]));
    expect(readHostVector([], 'v', { allowEmpty: true })).toEqual(new Float64Array(0));
    expect(readHostVector([true, false, 2] as never, 'v', { booleans: true })).toEqual(Float64Array.from([1, 0, 2]));
  });

  it.each([
    ['a disposed tensor', 'INVALID_ARGUMENT', disposed, {}],
    ['a string tensor', 'INVALID_ARGUMENT', () => tf.tensor1d(['a', 'b'], 'string'), {}],
    ['a number (not an array)', 'INVALID_ARGUMENT', 3, {}],
    ['null', 'INVALID_ARGUMENT', null, {}],
    ['a rank-2 tensor', 'RANK_MISMATCH', () => tf.zeros([2, 2]), {}],
    ['a [N, 1] column without column', 'RANK_MISMATCH', [[1], [2]], {}],
    ['a [N, 2] matrix with column', 'RANK_MISMATCH', [[1, 2], [3, 4]], { column: true }],
    ['a ragged column', 'SHAPE_MISMATCH', [[1], [2, 3]], { column: true }],
    ['a length different from n', 'SHAPE_MISMATCH', [1, 2, 3], { n: 2 }],
    ['an empty array', 'EMPTY_BATCH', [], {}],
    ['an empty array with n given', 'EMPTY_BATCH', [], { n: 3 }],
    ['a string entry', 'INVALID_ARGUMENT', [1, 'a'], {}],
    ['a null entry', 'INVALID_ARGUMENT', [1, null], {}],
    ['a boolean entry without booleans', 'INVALID_ARGUMENT', [1, true], {}],
    ['a nested array entry', 'RANK_MISMATCH', [1, [2]], {}],
    ['a NaN entry', 'NON_FINITE_INPUT', [1, Number.NaN], {}],
    ['an Infinity in a tensor', 'NON_FINITE_INPUT', () => tf.tensor1d([1, Number.NEGATIVE_INFINITY]), {}],
  ])('rejects %s with %s naming the argument, leaking no tensor', (_what, code, input, options) => {
    expect(rejection((x) => readHostVector(x, 'scores', options), input)).toBe(`${code}:scores`);
  });

  it('names the entries as asked in its messages: "no samples" for an empty vector, "wrong number of samples" for a length mismatch', () => {
    expect(() => readHostVector([], 'mean', { noun: 'samples' })).toThrow(/no samples/);
    expect(() => readHostVector([1], 'std', { n: 2, noun: 'samples' })).toThrow(/wrong number of samples.*\[2\]/);
  });
});

describe('readHostLabels', () => {
  it('reads a number array, an Int32Array, a Float32Array and int32 / float32 / bool tensors to the exact Int32Array', () => {
    const want = Int32Array.from([0, 2, 1]);
    expect(readHostLabels([0, 2, 1], 'y', { n: 3, classes: 3 })).toEqual(want);
    expect(readHostLabels(Int32Array.from([0, 2, 1]), 'y')).toEqual(want);
    expect(readHostLabels(Float32Array.from([0, 2, 1]), 'y')).toEqual(want);
    expect(readHostLabels([2 ** 31 - 1], 'y')).toEqual(Int32Array.from([2 ** 31 - 1]));
    const tensors = [tf.tensor1d([0, 2, 1], 'int32'), tf.tensor1d([0, 2, 1]), tf.tensor1d([1, 0], 'bool')];
    const before = tf.memory().numTensors;
    expect(readHostLabels(tensors[0]!, 'y', { classes: 3 })).toEqual(want);
    expect(readHostLabels(tensors[1]!, 'y', { n: 3 })).toEqual(want);
    expect(readHostLabels(tensors[2]!, 'y', { classes: 2 })).toEqual(Int32Array.from([1, 0]));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(tensors);
  });

  it('with column reads [[0], [1]] and a [N, 1] tensor as [N]; with booleans reads [true, false] as [1, 0]', () => {
    expect(readHostLabels([[0], [1]], 'y', { column: true })).toEqual(Int32Array.from([0, 1]));
    const t = tf.tensor2d([[1], [0]], [2, 1], 'int32');
    expect(readHostLabels(t, 'y', { column: true, classes: 2 })).toEqual(Int32Array.from([1, 0]));
    t.dispose();
    expect(readHostLabels([true, false] as never, 'y', { booleans: true })).toEqual(Int32Array.from([1, 0]));
  });

  it.each([
    ['a disposed tensor', 'INVALID_ARGUMENT', disposed, {}],
    ['a string tensor', 'INVALID_ARGUMENT', () => tf.tensor1d(['a'], 'string'), {}],
    ['an object (not an array)', 'INVALID_ARGUMENT', { 0: 1 }, {}],
    ['a rank-2 tensor', 'RANK_MISMATCH', () => tf.zeros([2, 2], 'int32'), {}],
    ['a [N, 1] column without column', 'RANK_MISMATCH', [[0], [1]], {}],
    ['a ragged column', 'SHAPE_MISMATCH', [[0], 1], { column: true }],
    ['a length different from n', 'SHAPE_MISMATCH', [0, 1], { n: 3 }],
    ['an empty array', 'EMPTY_BATCH', [], {}],
    ['an empty array with n given', 'EMPTY_BATCH', [], { n: 2 }],
    ['a string entry', 'INVALID_ARGUMENT', [0, '1'], {}],
    ['a nested array entry', 'RANK_MISMATCH', [0, [1]], {}],
    ['a NaN label', 'NON_FINITE_INPUT', [0, Number.NaN], {}],
    ['an Infinity label', 'NON_FINITE_INPUT', [Number.POSITIVE_INFINITY], {}],
    ['a fractional label', 'NON_INTEGER_LABEL', [0, 0.5], {}],
    ['a fractional label in a float32 tensor', 'NON_INTEGER_LABEL', () => tf.tensor1d([1.5]), {}],
    ['a negative label', 'LABEL_OUT_OF_RANGE', [0, -1], { classes: 3 }],
    ['a label equal to classes', 'LABEL_OUT_OF_RANGE', [0, 3], { classes: 3 }],
    ['a label of 2^31 without classes', 'LABEL_OUT_OF_RANGE', [2 ** 31], {}],
  ])('rejects %s with %s naming the argument, leaking no tensor', (_what, code, input, options) => {
    expect(rejection((x) => readHostLabels(x, 'labels', options), input)).toBe(`${code}:labels`);
  });

  it('states the range in its out-of-range error: "[0, 3)" with classes 3, "[0, 2147483648)" without', () => {
    expect(() => readHostLabels([3], 'y', { classes: 3 })).toThrow(/\[0, 3\).*3 at index 0/);
    expect(() => readHostLabels([2 ** 31], 'y')).toThrow(/\[0, 2147483648\)/);
  });
});
