/**
 * The part of a model this package uses (a tfjs-layers `LayersModel` fits) and a small seeded mini-batch trainer over a
 * tfjs-core optimizer, shared by Co-teaching, two-phase training and the examples.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, assertFinite, cleanTapeOnError, compile, ce, params, type CompiledLoss } from '@losskit/core';
import { readLabels, readOptions, seeded, shuffled } from './input.js';

/** A model: trainable weights whose `read()` is a `tf.Variable`, and `apply(x)` returning logits `[N, C]`. */
export interface ModelLike {
  readonly trainableWeights: readonly { read(): Tensor }[];
  apply(inputs: Tensor, kwargs?: { training?: boolean }): unknown;
  /** tfjs-layers' layers (used by GraNd's per-layer fast path and by two-phase training). */
  readonly layers?: readonly unknown[];
}

/** Checks `model` and returns its trainable variables. */
export function variablesOf(model: ModelLike, argument = 'model'): tf.Variable[] {
  if (!model || typeof model.apply !== 'function' || !Array.isArray(model.trainableWeights)) {
    throw new LosskitError('INVALID_ARGUMENT', 'not a model', { argument, expected: 'an object with trainableWeights and apply(x) (a tf.LayersModel fits)', received: model === null ? 'null' : typeof model });
  }
  const vars = model.trainableWeights.map((w, i) => {
    const v = w.read();
    if (!(v instanceof tf.Variable)) throw new LosskitError('INVALID_ARGUMENT', `trainable weight ${i} is not a tf.Variable`, { argument: `${argument}.trainableWeights` });
    return v;
  });
  if (vars.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'the model has no trainable weights', { argument });
  return vars;
}

/** Forward pass returning logits. */
export function forward(model: ModelLike, x: Tensor, training = false): Tensor {
  const raw = model.apply(x, { training });
  const out = Array.isArray(raw) ? raw[0] : raw;
  if (!(out instanceof tf.Tensor)) throw new LosskitError('INVALID_ARGUMENT', 'model.apply did not return a tensor', { argument: 'model', expected: 'logits [N, C]' });
  return out;
}

/** Checks that `x` is a live tensor with at least one row and returns its row count. */
export function liveRows(x: unknown, argument = 'x'): number {
  if (!(x instanceof tf.Tensor) || x.isDisposed) throw new LosskitError('INVALID_ARGUMENT', `${argument} must be a live tensor`, { argument, expected: 'a tf.Tensor [N, ...]', received: x instanceof tf.Tensor ? 'a disposed tensor' : Array.isArray(x) ? 'an array' : typeof x });
  const n = x.shape[0] ?? 0;
  if (n === 0) throw new LosskitError('EMPTY_BATCH', 'no examples', { argument, expected: 'at least one row', received: `[${x.shape.join(', ')}]` });
  return n;
}

/**
 * Logits `[N, C]` of `model` on `x` `[N, ...]`, computed `batchSize` rows at a time (default 512; caller disposes).
 * @example predictLogits(model, x, 256)
 */
export function predictLogits(model: ModelLike, x: Tensor, batchSize = 512): Tensor {
  variablesOf(model);
  const bs = params.positiveInteger('batchSize', batchSize);
  const n = liveRows(x);
  return tf.tidy(() => {
    const parts: Tensor[] = [];
    for (let i = 0; i < n; i += bs) parts.push(forward(model, tf.slice(x, i, Math.min(bs, n - i))));
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  });
}

/** Options of {@link fitModel}. */
export interface FitOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  /** Per-sample loss; default `compile(ce())` (logits, integer labels). */
  readonly loss?: CompiledLoss;
  /** Train only these variables (default: all trainable weights). */
  readonly variables?: readonly tf.Variable[];
}

/**
 * Seeded mini-batch training of `model` on `x [N, ...]`, integer labels `y [N]` with a tfjs-core optimizer
 * (`tf.train.adam(1e-3)` etc.). Each step is `optimizer.minimize(mean loss)` wrapped in `cleanTapeOnError`.
 * Before the first step it checks that `x` is a live, finite tensor, that `y` has one row per example and, with the
 * default loss, that `y` holds integer labels below the model's output width. Returns the mean loss of every epoch.
 */
export function fitModel(model: ModelLike, optimizer: tf.Optimizer, x: Tensor, y: Tensor, options?: FitOptions): number[] {
  const o = readOptions(options);
  const epochs = params.positiveInteger('epochs', o.epochs ?? 1);
  const batchSize = params.positiveInteger('batchSize', o.batchSize ?? 32);
  if (!optimizer || typeof (optimizer as { minimize?: unknown }).minimize !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'not an optimizer', { argument: 'optimizer', expected: 'a tfjs-core optimizer such as tf.train.adam(1e-3)', received: typeof optimizer });
  const vars = o.variables ? [...o.variables] : variablesOf(model);
  const loss = o.loss ?? compile(ce(), { validate: false });
  const n = liveRows(x);
  // One on-device check (a scalar read back): a NaN or ∞ feature would otherwise train silently into NaN weights.
  if (!tf.tidy(() => tf.all(tf.isFinite(x)).dataSync()[0])) assertFinite(x.dataSync(), 'x', x.shape);
  if (liveRows(y, 'y') !== n) throw new LosskitError('SHAPE_MISMATCH', 'one label per example', { argument: 'y', expected: `${n} rows (as x)`, received: `[${y.shape.join(', ')}]` });
  // The default loss runs unvalidated inside the steps, so its integer labels are checked once here, before any update.
  if (!o.loss) readLabels(y, 'y', n, tf.tidy(() => forward(model, tf.slice(x, 0, 1)).shape[1]));
  const u = seeded(o.seed ?? 0);
  const history: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const order = shuffled(Array.from({ length: n }, (_, i) => i), u);
    let total = 0;
    let steps = 0;
    for (let i = 0; i < n; i += batchSize) {
      const idx = tf.tensor1d(order.slice(i, i + batchSize), 'int32');
      try {
        const v = cleanTapeOnError(() =>
          optimizer.minimize(() => tf.tidy(() => loss(tf.gather(y, idx), forward(model, tf.gather(x, idx), true)) as tf.Scalar), true, vars),
        );
        total += v!.dataSync()[0]!;
        v!.dispose();
        steps++;
      } finally {
        idx.dispose();
      }
    }
    history.push(total / steps);
  }
  return history;
}
