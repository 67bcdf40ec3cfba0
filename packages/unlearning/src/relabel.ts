import * as tf from '@tensorflow/tfjs-core';
import { type Compilable, LosskitError, ce, params, toTensor } from '@losskit/core';
import { rng } from '@losskit/core/math';
import type { LabeledData } from './model.js';
import { type Objective, objective, optionsOf } from './objective.js';

/** Options of {@link relabelForget}. */
export interface RelabelOptions {
  /** `random`: each sample gets a class drawn uniformly from the others; `targeted`: every sample gets `target`. */
  readonly mode: 'random' | 'targeted';
  /** Number of classes C. */
  readonly numClasses: number;
  /** The class of `targeted` relabelling. */
  readonly target?: number;
  /** Seed of the random labels. Default 0. */
  readonly seed?: number;
}

/**
 * Poisons the labels of a forget set for relabel unlearning (Chang, Zhu, Xu, Liu, Zhou 2024, "data poisoning with random
 * and targeted labels"; random relabelling as in Graves et al.'s Amnesiac ML): `random` replaces each label `y_i` by a
 * class drawn uniformly from `{0..C−1} \ {y_i}` (seeded, drawn once), `targeted` by the fixed class `target` (a sample
 * already labelled `target` keeps it). Returns a new labelled set with the same `x` and `inputs` and labels `[N]` (int32
 * tensor; the caller disposes it). Fine-tune on it with {@link relabelUnlearning}.
 *
 * @example const poisoned = relabelForget(forget, { mode: 'random', numClasses: 10, seed: 1 });
 * @see Chang, Zhu, Xu, Liu, Zhou, "Class Machine Unlearning for Complex Data via Concepts Inference and Data Poisoning" (2024).
 */
export function relabelForget(data: LabeledData, options: RelabelOptions): LabeledData & { readonly y: tf.Tensor1D } {
  const o = optionsOf(options) as RelabelOptions | undefined;
  if (!o || (o.mode !== 'random' && o.mode !== 'targeted')) throw new LosskitError('INVALID_PARAMETER', 'unknown relabel mode', { argument: 'mode', expected: "'random' or 'targeted'", received: String(o?.mode) });
  const C = params.positiveInteger('numClasses', o.numClasses);
  if (o.mode === 'random' && C < 2) throw new LosskitError('INVALID_PARAMETER', 'random relabelling needs at least two classes', { argument: 'numClasses', expected: 'an integer >= 2', received: String(C) });
  if (o.mode === 'targeted' && !(Number.isInteger(o.target) && o.target! >= 0 && o.target! < C)) throw new LosskitError('INVALID_PARAMETER', 'targeted relabelling needs a target class', { argument: 'target', expected: `an integer in [0, ${C})`, received: String(o.target) });
  if (!data || typeof data !== 'object') throw new LosskitError('MISSING_INPUT', 'a labeled set { x, y } is required', { argument: 'data', expected: '{ x, y }', received: String(data) });
  const conv = toTensor(data.y, 'data.y');
  let labels: number[];
  try {
    if (conv.tensor.rank !== 1) throw new LosskitError('SHAPE_MISMATCH', 'relabelling needs integer labels', { argument: 'data.y', expected: 'labels [N]', received: `[${conv.tensor.shape.join(', ')}]` });
    labels = Array.from(conv.tensor.dataSync());
  } finally {
    if (conv.owned) conv.tensor.dispose();
  }
  if (labels.length === 0) throw new LosskitError('EMPTY_BATCH', 'the set is empty', { argument: 'data.y', expected: 'at least one label', received: '0' });
  labels.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l >= C) throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range', { argument: 'data.y', expected: `integers in [0, ${C})`, received: `${l} at index ${i}` });
  });
  const u = rng(params.finite('seed', o.seed ?? 0));
  const out = labels.map((l) => {
    if (o.mode === 'targeted') return o.target!;
    const k = Math.floor(u() * (C - 1));
    return k >= l ? k + 1 : k;
  });
  return { x: data.x, y: tf.tensor1d(out, 'int32'), ...(data.inputs ? { inputs: data.inputs } : {}) };
}

/**
 * Relabel (poisoning) unlearning objective: descend the cross-entropy of the poisoned forget labels (from
 * {@link relabelForget}) and of the retain labels, `L = γ·mean_forget ce(ỹ) + α·mean_retain ce(y)`. Defaults γ = α = 1;
 * `retain: null` fine-tunes on the poisoned forget set alone.
 *
 * @example await unlearn({ model, forget: relabelForget(forget, { mode: 'targeted', numClasses: 10, target: 3 }), retain, objective: relabelUnlearning(), optimizer, steps: 50 })
 * @see Chang, Zhu, Xu, Liu, Zhou, "Class Machine Unlearning for Complex Data via Concepts Inference and Data Poisoning" (2024).
 */
export function relabelUnlearning(options: { readonly retain?: Compilable | null; readonly gamma?: number; readonly alpha?: number } = {}): Objective {
  const o = optionsOf(options);
  return objective({ name: 'relabel', forget: ce(), ...(o.retain === null ? {} : { retain: o.retain ?? ce() }), ...(o.gamma !== undefined ? { gamma: o.gamma } : {}), ...(o.alpha !== undefined ? { alpha: o.alpha } : {}) });
}
