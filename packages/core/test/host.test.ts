// core's host-side readers (readHostMatrix, readOptions): values, error codes, argument names, and no leaked tensors.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LosskitError, type TensorLike, readHostMatrix, readOptions, ready } from '../src/index.js';

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
