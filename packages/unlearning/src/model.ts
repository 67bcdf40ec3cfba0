import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, formatShape, toTensor } from '@losskit/core';

/** The part of a model this package uses (a tfjs-layers `LayersModel` fits). */
export interface ModelLike {
  /** Each weight's `read()` must return its `tf.Variable` (tfjs-layers `LayerVariable` does). */
  readonly trainableWeights: readonly { read(): Tensor }[];
  /** Forward pass on a concrete tensor, returning logits `[N, C]`. */
  apply(inputs: Tensor, kwargs?: { training?: boolean }): unknown;
  /**
   * Optional declared inputs (tfjs-layers models have them: `inputs[0].shape` is `[null, ...]`). When present, data
   * whose per-sample shape differs is rejected before any forward pass (`SHAPE_MISMATCH`).
   */
  readonly inputs?: readonly { readonly shape: readonly (number | null)[] }[];
}

/** A labeled set: inputs `x` `[N, ...]`, labels `y` `[N]` (integers) or targets `[N, C]`, and optional per-sample extra inputs. */
export interface LabeledData {
  readonly x: TensorLike;
  readonly y: TensorLike;
  /** Extra per-sample inputs for `input(name, level)` terms, each `[N, ...]` (e.g. FLAT's `template`, SimNPO's `length`). */
  readonly inputs?: Readonly<Record<string, TensorLike>>;
}

/** @internal A labeled set as tensors, with what this call created (to dispose). */
export interface DataTensors {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly inputs: Readonly<Record<string, Tensor>>;
  readonly n: number;
  dispose(): void;
}

function asTensor(v: TensorLike, argument: string, owned: Tensor[]): Tensor {
  if (v instanceof tf.Tensor) {
    if (v.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument });
    return v;
  }
  const c = toTensor(v, argument); // typed errors for ragged or non-numeric data
  owned.push(c.tensor);
  return c.tensor;
}

/** Throws `NON_FINITE_INPUT` naming `argument` when `t` holds NaN or ±Inf (one read-back). */
function checkFinite(t: Tensor, argument: string): void {
  const ok = tf.tidy(() => tf.all(tf.isFinite(t)));
  const finite = ok.dataSync()[0] === 1;
  ok.dispose();
  if (finite) return;
  const v = t.dataSync();
  const i = v.findIndex((x) => !Number.isFinite(x));
  throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument, expected: 'finite numbers', received: `${v[i]} at flat index ${i}` });
}

/** @internal Validates and converts a labeled set; an empty set throws `EMPTY_BATCH`. */
export function dataTensors(d: LabeledData | undefined, argument: string, checkValues = true): DataTensors {
  if (!d || typeof d !== 'object') throw new LosskitError('MISSING_INPUT', 'a labeled set { x, y } is required', { argument, expected: '{ x, y }', received: String(d) });
  const owned: Tensor[] = [];
  try {
    const x = asTensor(d.x, `${argument}.x`, owned);
    const y = asTensor(d.y, `${argument}.y`, owned);
    const n = x.shape[0] ?? 0;
    if (n === 0) throw new LosskitError('EMPTY_BATCH', 'the set is empty', { argument, expected: 'at least one sample', received: `x of shape ${formatShape(x.shape)}` });
    if (y.shape[0] !== n) {
      throw new LosskitError('SHAPE_MISMATCH', 'x and y need the same number of rows', { argument, expected: `y with ${n} rows`, received: formatShape(y.shape) });
    }
    const inputs: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(d.inputs ?? {})) {
      const t = asTensor(v, `${argument}.inputs.${k}`, owned);
      if (t.shape[0] !== n) throw new LosskitError('SHAPE_MISMATCH', `input "${k}" needs one row per sample`, { argument: `${argument}.inputs.${k}`, expected: `${n} rows`, received: formatShape(t.shape) });
      inputs[k] = t;
    }
    if (checkValues) {
      checkFinite(x, `${argument}.x`);
      checkFinite(y, `${argument}.y`);
    }
    if (y.rank === 1 && y.dtype !== 'int32') {
      const v = y.dataSync();
      const i = v.findIndex((l) => !Number.isInteger(l));
      if (i >= 0) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be integers', { argument: `${argument}.y`, expected: 'integer labels [N] (or dense targets [N, C])', received: `${v[i]} at index ${i}` });
    }
    const yInt = y.dtype === 'int32' || y.rank > 1 ? y : tf.cast(y, 'int32');
    if (yInt !== y) owned.push(yInt);
    return { x, y: yInt, inputs, n, dispose: () => owned.forEach((t) => t.isDisposed || t.dispose()) };
  } catch (e) {
    owned.forEach((t) => t.dispose());
    throw e;
  }
}

/** The model's trainable variables, checked to be `tf.Variable`s. */
export function modelVariables(model: ModelLike, argument = 'model'): tf.Variable[] {
  if (!model || typeof model.apply !== 'function' || !Array.isArray(model.trainableWeights)) {
    throw new LosskitError('INVALID_ARGUMENT', 'not a model', { argument, expected: 'an object with trainableWeights and apply(x) (a tf.LayersModel fits)' });
  }
  const vars = model.trainableWeights.map((w, i) => {
    const v = w.read();
    if (!(v instanceof tf.Variable)) throw new LosskitError('INVALID_ARGUMENT', `trainable weight ${i} is not a tf.Variable`, { argument: `${argument}.trainableWeights` });
    return v;
  });
  if (vars.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'the model has no trainable weights', { argument });
  return vars;
}

/**
 * Checks that two models have the same weights in the same order (count and shapes); names may differ (tfjs-layers
 * names every layer instance uniquely). Throws `SHAPE_MISMATCH`.
 */
export function checkSameWeights(model: ModelLike, other: ModelLike, argument: string): void {
  const a = modelVariables(model, 'model');
  const b = modelVariables(other, argument);
  if (a.length !== b.length) {
    throw new LosskitError('SHAPE_MISMATCH', 'the models have different numbers of weights', { argument, expected: `${a.length} weights (as model)`, received: `${b.length}` });
  }
  a.forEach((v, i) => {
    const s = b[i]!.shape;
    if (s.length !== v.shape.length || s.some((d, j) => d !== v.shape[j])) {
      throw new LosskitError('SHAPE_MISMATCH', `weight ${i} (${v.name}) has another shape`, { argument, expected: formatShape(v.shape), received: formatShape(s) });
    }
  });
}

/**
 * @internal Checks, before any training, that `model` runs on `d.x` and that `d.y` fits its outputs: the declared input
 * shape when the model has one (tfjs-layers), else a one-row forward pass; logits `[N, C]`; integer labels in `[0, C)`
 * or dense targets `[N, C]`. Throws `SHAPE_MISMATCH` / `LABEL_OUT_OF_RANGE` naming `${argument}.x` or `${argument}.y`.
 * Returns C.
 */
export function checkModelData(model: ModelLike, d: DataTensors, argument: string): number {
  const shape = probeOutput(model, d, argument);
  if (shape.length !== 2) throw new LosskitError('SHAPE_MISMATCH', 'the model must output logits [N, C]', { argument: 'model', expected: 'logits [N, C]', received: `output of shape ${formatShape(shape)} for one sample` });
  const c = shape[1]!;
  if (d.y.rank === 1) {
    const v = d.y.dataSync();
    const i = v.findIndex((l) => l < 0 || l >= c);
    if (i >= 0) throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range of the model outputs', { argument: `${argument}.y`, expected: `integers in [0, ${c})`, received: `${v[i]} at index ${i}` });
  } else if (d.y.rank !== 2 || d.y.shape[1] !== c) {
    throw new LosskitError('SHAPE_MISMATCH', 'targets do not fit the model outputs', { argument: `${argument}.y`, expected: `labels [N] or targets [N, ${c}]`, received: formatShape(d.y.shape) });
  }
  return c;
}

/**
 * @internal The output shape of `model` for the first row of `d.x` (after checking the declared input shape):
 * `[1, C]` for a classifier, `[1, T, V]` for a sequence model. Throws `SHAPE_MISMATCH` naming `${argument}.x`.
 */
export function probeOutput(model: ModelLike, d: DataTensors, argument: string): number[] {
  const declared = model.inputs?.[0]?.shape;
  if (Array.isArray(declared)) {
    const want = declared.slice(1);
    const got = d.x.shape.slice(1);
    if (want.length !== got.length || want.some((w, i) => w !== null && w !== got[i])) {
      throw new LosskitError('SHAPE_MISMATCH', "the data do not fit the model's input", {
        argument: `${argument}.x`,
        expected: `[N, ${want.map((w) => w ?? 'any').join(', ')}] (the model's input shape)`,
        received: formatShape(d.x.shape),
      });
    }
  }
  let shape: number[];
  try {
    const out = tf.tidy(() => forward(model, tf.slice(d.x, 0, 1)));
    shape = out.shape;
    out.dispose();
  } catch (e) {
    if (e instanceof LosskitError) throw e;
    throw new LosskitError('SHAPE_MISMATCH', 'the model cannot run on these inputs', { argument: `${argument}.x`, expected: "inputs of the model's input shape", received: `${formatShape(d.x.shape)} (${(e as Error).message})` });
  }
  return shape;
}

/** @internal Forward pass returning a tensor. */
export function forward(model: ModelLike, x: Tensor, training = false): Tensor {
  const raw = model.apply(x, { training });
  const out = Array.isArray(raw) ? raw[0] : raw;
  if (!(out instanceof tf.Tensor)) throw new LosskitError('INVALID_ARGUMENT', 'model.apply did not return a tensor', { argument: 'model', expected: 'logits [N, C]' });
  return out;
}

/**
 * Model outputs (logits) for all of `x` `[N, ...]`, in batches of `batchSize` (default 512). The caller owns the result.
 * Errors: `INVALID_ARGUMENT` (model, x not a tensor), `INVALID_PARAMETER` (batchSize), `SHAPE_MISMATCH` (x does not
 * fit the model's declared input), `EMPTY_BATCH`.
 * @example const logits = predictLogits(model, x);
 */
export function predictLogits(model: ModelLike, x: Tensor, batchSize = 512): Tensor {
  if (!model || typeof model.apply !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'not a model', { argument: 'model', expected: 'an object with apply(x) (a tf.LayersModel fits)' });
  if (!(x instanceof tf.Tensor) || x.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'x must be a live tensor', { argument: 'x', expected: 'a tf.Tensor [N, ...]', received: x instanceof tf.Tensor ? 'a disposed tensor' : typeof x });
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'batchSize', expected: 'an integer >= 1', received: String(batchSize) });
  const n = x.shape[0] ?? 0;
  if (n === 0) throw new LosskitError('EMPTY_BATCH', 'no inputs', { argument: 'x', expected: 'at least one row', received: formatShape(x.shape) });
  const declared = model.inputs?.[0]?.shape;
  if (Array.isArray(declared) && (declared.length !== x.rank || declared.slice(1).some((w, i) => w !== null && w !== x.shape[i + 1]))) {
    throw new LosskitError('SHAPE_MISMATCH', "x does not fit the model's input", { argument: 'x', expected: `[N, ${declared.slice(1).map((w) => w ?? 'any').join(', ')}]`, received: formatShape(x.shape) });
  }
  return tf.tidy(() => {
    const parts: Tensor[] = [];
    for (let i = 0; i < n; i += batchSize) parts.push(forward(model, tf.slice(x, i, Math.min(batchSize, n - i))));
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  });
}
