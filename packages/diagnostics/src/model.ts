/**
 * The part of a model the diagnostics (and `@losskit/ood`, `@losskit/robustness`) use: a forward function and the
 * trainable variables. A tfjs-layers `LayersModel` fits as it is; so does a plain function `(x) => logits` with an
 * explicit list of variables.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError } from '@losskit/core';

/** A tfjs-layers model (or anything shaped like one). */
export interface ModelLike {
  /** Each weight's `read()` returns its `tf.Variable` (tfjs-layers `LayerVariable` does). */
  readonly trainableWeights: readonly { read(): Tensor }[];
  /** Forward pass on a concrete tensor. */
  apply(inputs: Tensor, kwargs?: { training?: boolean }): unknown;
}

/** A model, or a forward function `x ↦ outputs` (logits, features, ...). */
export type Forward = ModelLike | ((x: Tensor) => Tensor);

/** True when `m` looks like a {@link ModelLike}. */
export function isModelLike(m: unknown): m is ModelLike {
  return m !== null && typeof m === 'object' && typeof (m as ModelLike).apply === 'function' && Array.isArray((m as ModelLike).trainableWeights);
}

/**
 * The forward function of a model or function, checked once: a model's `apply(x, { training: false })` (first output
 * when it returns several) or the function itself. The returned function throws `INVALID_ARGUMENT` naming `argument`
 * when the result is not a tensor.
 */
export function forwardOf(model: Forward, argument = 'model'): (x: Tensor) => Tensor {
  if (typeof model === 'function') {
    return (x) => {
      const out = model(x);
      if (!(out instanceof tf.Tensor)) throw new LosskitError('INVALID_ARGUMENT', 'the forward function did not return a tensor', { argument, expected: 'a function x => tensor' });
      return out;
    };
  }
  if (!isModelLike(model)) throw new LosskitError('INVALID_ARGUMENT', 'not a model or forward function', { argument, expected: 'a tf.LayersModel, an object with apply(x) and trainableWeights, or a function x => tensor', received: model === null ? 'null' : typeof model });
  return (x) => {
    const raw = model.apply(x, { training: false });
    const out = Array.isArray(raw) ? raw[0] : raw;
    if (!(out instanceof tf.Tensor)) throw new LosskitError('INVALID_ARGUMENT', 'model.apply did not return a tensor', { argument, expected: 'a model whose apply(x) returns a tensor' });
    return out;
  };
}

/** The model's trainable `tf.Variable`s, in order (`INVALID_ARGUMENT` when there are none or one is not a variable). */
export function modelVariables(model: ModelLike, argument = 'model'): tf.Variable[] {
  if (!isModelLike(model)) throw new LosskitError('INVALID_ARGUMENT', 'not a model', { argument, expected: 'an object with trainableWeights and apply(x) (a tf.LayersModel fits)' });
  const vars = model.trainableWeights.map((w, i) => {
    const v = w.read();
    if (!(v instanceof tf.Variable)) throw new LosskitError('INVALID_ARGUMENT', `trainable weight ${i} is not a tf.Variable`, { argument: `${argument}.trainableWeights` });
    return v;
  });
  if (vars.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'the model has no trainable weights', { argument });
  return vars;
}

/** Checks that `x` is a live tensor with at least one row; returns its row count. */
export function checkBatch(x: unknown, argument: string): number {
  if (!(x instanceof tf.Tensor)) throw new LosskitError('INVALID_ARGUMENT', 'must be a tensor', { argument, expected: 'a tf.Tensor [N, ...]', received: x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x });
  if (x.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument });
  if (x.rank < 1 || x.shape[0] === 0) throw new LosskitError('EMPTY_BATCH', 'no rows', { argument, expected: 'a tensor [N, ...] with N >= 1', received: `shape [${x.shape.join(', ')}]` });
  if (x.dtype !== 'float32') throw new LosskitError('INVALID_ARGUMENT', 'unsupported dtype', { argument, expected: 'a float32 tensor', received: x.dtype });
  return x.shape[0]!;
}

/** Throws `NON_FINITE_INPUT` naming `argument` when `t` holds NaN or ±Inf (one read-back). */
export function checkFiniteTensor(t: Tensor, argument: string): void {
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument, expected: 'finite numbers', received: `${v[i]} at flat index ${i}` });
  }
}
