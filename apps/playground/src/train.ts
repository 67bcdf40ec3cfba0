// Training engine of the train view: a small MLP (2 → H → H → C, tanh) with seeded weights, full-batch
// steps with a compiled loss, and an optimizer from @losskit/optimizers when it exports `adam` / `sgd`
// (optax-style `init` / `update`), otherwise tf.train (labelled as the fallback).
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import * as optimizers from '@losskit/optimizers';
import { type CompiledLoss, cleanTapeOnError } from '@losskit/core';
import { exportOf } from './catalogs.ts';
import { mulberry32 } from './data.ts';

export type OptimizerName = 'adam' | 'sgd';

export interface Mlp {
  readonly vars: Record<string, Variable>;
  /** Logits `[N, C]` for inputs `[N, 2]`. */
  forward(x: Tensor): Tensor;
  dispose(): void;
}

/** A seeded MLP; equal seeds give equal initial weights (Glorot-uniform, zero biases). */
export function makeMlp(hidden: number, numClasses: number, seed: number): Mlp {
  const rand = mulberry32(seed * 7919 + 17);
  const glorot = (fanIn: number, fanOut: number) => {
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    return tf.tensor2d(Float32Array.from({ length: fanIn * fanOut }, () => (2 * rand() - 1) * lim), [fanIn, fanOut]);
  };
  const vars: Record<string, Variable> = {
    w1: tf.variable(glorot(2, hidden)),
    b1: tf.variable(tf.zeros([hidden])),
    w2: tf.variable(glorot(hidden, hidden)),
    b2: tf.variable(tf.zeros([hidden])),
    w3: tf.variable(glorot(hidden, numClasses)),
    b3: tf.variable(tf.zeros([numClasses])),
  };
  return {
    vars,
    forward: (x) => {
      const a1 = tf.tanh(tf.add(tf.matMul(x, vars.w1!), vars.b1!));
      const a2 = tf.tanh(tf.add(tf.matMul(a1, vars.w2!), vars.b2!));
      return tf.add(tf.matMul(a2, vars.w3!), vars.b3!);
    },
    dispose: () => { for (const v of Object.values(vars)) v.dispose(); },
  };
}

/** One optimizer step on the model; returns the loss before the step as a scalar tensor (read back in batches, not per step). */
export interface Stepper {
  readonly label: string;
  step(): tf.Scalar;
  dispose(): void;
}

interface Transformation {
  init(params: Record<string, Tensor>): unknown;
  update(grads: Record<string, Tensor>, state: unknown, params?: Record<string, Tensor>): { updates: Record<string, Tensor>; state: unknown };
}

function disposeTree(x: unknown): void {
  if (x instanceof tf.Tensor) { if (!(x instanceof tf.Variable) && !x.isDisposed) x.dispose(); return; }
  if (Array.isArray(x)) { for (const v of x) disposeTree(v); return; }
  if (x !== null && typeof x === 'object') for (const v of Object.values(x)) disposeTree(v);
}

function losskitTransformation(name: OptimizerName, lr: number): Transformation | undefined {
  const make = exportOf(optimizers as Record<string, unknown>, name);
  if (typeof make !== 'function') return undefined;
  // optax-style options object (`adam({ learningRate })`); a bare number is tried last.
  for (const arg of [{ learningRate: lr }, lr]) {
    try {
      const t = (make as (a: unknown) => unknown)(arg) as Partial<Transformation> | null;
      if (t && typeof t.init === 'function' && typeof t.update === 'function') return t as Transformation;
    } catch {
      // try the other calling convention
    }
  }
  return undefined;
}

/** Builds a stepper for `model` minimizing `loss(labels, model(x))`. */
export function makeStepper(model: Mlp, loss: CompiledLoss, x: Tensor, labels: Tensor, name: OptimizerName, lr: number): Stepper {
  const objective = () => loss(labels, model.forward(x)) as tf.Scalar;
  const t = losskitTransformation(name, lr);
  if (t) {
    try {
      let state = t.init(model.vars);
      const run = (): tf.Scalar => {
        const { value, grads } = cleanTapeOnError(() => tf.variableGrads(objective, Object.values(model.vars)));
        const named: Record<string, Tensor> = {};
        for (const [k, variable] of Object.entries(model.vars)) named[k] = grads[variable.name]!;
        const { updates, state: next } = t.update(named, state, model.vars);
        disposeTree(state);
        state = next;
        for (const [k, variable] of Object.entries(model.vars)) {
          const u = updates[k];
          if (!u) throw new Error(`@losskit/optimizers ${name}: no update for "${k}"`);
          tf.tidy(() => variable.assign(tf.add(variable, u)));
        }
        disposeTree(updates);
        disposeTree(named);
        return value;
      };
      return { label: `@losskit/optimizers ${name}`, step: run, dispose: () => disposeTree(state) };
    } catch (e) {
      console.info(`@losskit/optimizers ${name} unusable, falling back to tf.train:`, (e as Error).message);
    }
  }
  const opt = name === 'adam' ? tf.train.adam(lr) : tf.train.sgd(lr);
  return {
    label: `tf.train.${name} (fallback: @losskit/optimizers has no usable ${name})`,
    step: () => cleanTapeOnError(() => opt.minimize(objective, true, Object.values(model.vars)) ?? tf.scalar(Number.NaN)),
    dispose: () => opt.dispose(),
  };
}

/** Accuracy of `model` on `(x, labels)`. */
export function accuracy(model: Mlp, x: Tensor, labels: Tensor): number {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.forward(x), -1), tf.cast(labels, 'int32')), 'float32')).dataSync()[0]!);
}

/** Predicted class and confidence on an `n × n` grid over [-r, r]² (row 0 at the top). */
export function gridPredictions(model: Mlp, n: number, r: number): { cls: Int32Array; conf: Float32Array } {
  const pts = new Float32Array(n * n * 2);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      pts[2 * (j * n + i)] = -r + (2 * r * (i + 0.5)) / n;
      pts[2 * (j * n + i) + 1] = r - (2 * r * (j + 0.5)) / n;
    }
  }
  return tf.tidy(() => {
    const p = tf.softmax(model.forward(tf.tensor2d(pts, [n * n, 2])));
    return { cls: tf.argMax(p, -1).dataSync() as Int32Array, conf: tf.max(p, -1).dataSync() as Float32Array };
  });
}
