/**
 * Class-imbalance tools: SMOTE (Chawla, Bowyer, Hall, Kegelmeyer, "SMOTE: Synthetic Minority Over-sampling Technique",
 * JAIR 2002), random over- and under-sampling, two-phase training and prior-correction thresholding (Buda, Maki &
 * Mazurowski, "A systematic study of the class imbalance problem in convolutional neural networks", Neural Networks 2018).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params, type TensorLike } from '@losskit/core';
import { logSoftmax } from '@losskit/core/math';
import { byClass, readLabels, readOptions, readRows, seeded, shuffled } from './input.js';
import { fitModel, variablesOf, type FitOptions, type ModelLike } from './model.js';

/** Examples per class of integer labels `[N]` (`classes` defaults to 1 + the largest label). */
export function classCounts(labels: TensorLike, classes?: number): number[] {
  const y = readLabels(labels, 'labels', undefined, classes);
  const C = classes ?? Math.max(...y) + 1;
  const c = new Array<number>(C).fill(0);
  for (const v of y) c[v]!++;
  return c;
}

/** Target size per class: `'balance'` (to the largest class for over-sampling, the smallest for under-sampling) or explicit counts `[C]`. */
export type TargetCounts = 'balance' | readonly number[];

function targets(counts: number[], t: TargetCounts | undefined, mode: 'over' | 'under'): number[] {
  if (t === undefined || t === 'balance') {
    const present = counts.filter((c) => c > 0);
    const to = mode === 'over' ? Math.max(...present) : Math.min(...present);
    return counts.map((c) => (c === 0 ? 0 : to));
  }
  if (!Array.isArray(t) || t.length !== counts.length) throw new LosskitError('SHAPE_MISMATCH', 'one target count per class', { argument: 'targetCounts', expected: `'balance' or ${counts.length} counts`, received: Array.isArray(t) ? `${t.length} counts` : String(t) });
  return t.map((v, c) => {
    if (!Number.isInteger(v) || v < 0) throw new LosskitError('INVALID_ARGUMENT', 'target counts must be integers >= 0', { argument: 'targetCounts', expected: 'integers >= 0', received: `${v} for class ${c}` });
    if (mode === 'over' && v < counts[c]!) throw new LosskitError('INVALID_ARGUMENT', 'over-sampling cannot shrink a class', { argument: 'targetCounts', expected: `>= ${counts[c]} for class ${c}`, received: String(v) });
    if (mode === 'under' && v > counts[c]!) throw new LosskitError('INVALID_ARGUMENT', 'under-sampling cannot grow a class', { argument: 'targetCounts', expected: `<= ${counts[c]} for class ${c}`, received: String(v) });
    if (mode === 'over' && v > 0 && counts[c] === 0) throw new LosskitError('INVALID_ARGUMENT', 'cannot over-sample a class with no examples', { argument: 'targetCounts', expected: `0 for class ${c}`, received: String(v) });
    return v;
  });
}

/** Options of the random samplers. */
export interface SamplerOptions {
  readonly targetCounts?: TargetCounts;
  readonly classes?: number;
  readonly seed?: number;
}

/**
 * Random over-sampling (ROS): every example once, plus `target_c − n_c` more drawn uniformly with replacement from
 * class c. Buda et al. over-sample "to the level of the majority class" (the default `'balance'`). Returns indices into
 * the original data (shuffled).
 * @example randomOversample([0, 0, 0, 1]) // 6 indices, 3 of class 1
 */
export function randomOversample(labels: TensorLike, options?: SamplerOptions): number[] {
  const o = readOptions(options);
  const y = readLabels(labels, 'labels', undefined, o.classes);
  const counts = classCounts(y, o.classes ?? Math.max(...y) + 1);
  const t = targets(counts, o.targetCounts, 'over');
  const u = seeded(o.seed);
  const out: number[] = y.map((_, i) => i);
  byClass(y, counts.length).forEach((idx, c) => {
    for (let k = counts[c]!; k < t[c]!; k++) out.push(idx[Math.floor(u() * idx.length)]!);
  });
  return shuffled(out, u);
}

/**
 * Random under-sampling (RUS): a random `target_c` of each class without replacement (default `'balance'`: every class
 * down to the smallest). Returns indices into the original data (shuffled).
 */
export function randomUndersample(labels: TensorLike, options?: SamplerOptions): number[] {
  const o = readOptions(options);
  const y = readLabels(labels, 'labels', undefined, o.classes);
  const counts = classCounts(y, o.classes ?? Math.max(...y) + 1);
  const t = targets(counts, o.targetCounts, 'under');
  const u = seeded(o.seed);
  const out: number[] = [];
  byClass(y, counts.length).forEach((idx, c) => out.push(...shuffled(idx, u).slice(0, t[c]!)));
  return shuffled(out, u);
}

/** Options of {@link smote}. */
export interface SmoteOptions extends SamplerOptions {
  /** Nearest minority neighbours considered. Default 5 (the paper's and imbalanced-learn's). */
  readonly k?: number;
}

/**
 * SMOTE: for a class c below its target, each synthetic point is `x_i + u·(x_nn − x_i)` with `u ~ U(0, 1)` and `x_nn`
 * one of the k nearest same-class neighbours of `x_i` (Euclidean), chosen at random. The paper's procedure for N% of
 * over-sampling uses every minority example N/100 times (a random subset when N < 100); for an arbitrary target this is
 * `⌊q⌋` passes over the class plus a random subset for the remainder. A class with a single example is copied. Shapes:
 * `x [N, D]`, labels `[N]`; returns the original data followed by the synthetic points, as host arrays.
 * @example smote([[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [6, 5], [6, 6], [5.5, 5.5]], [1, 1, 1, 0, 0, 0, 0, 0], { k: 2 })
 */
export function smote(x: TensorLike, labels: TensorLike, options?: SmoteOptions): { x: number[][]; y: number[]; synthetic: number } {
  const o = readOptions(options);
  const rows = readRows(x, 'x');
  const y = readLabels(labels, 'labels', rows.length, o.classes);
  const k = params.positiveInteger('k', o.k ?? 5);
  const counts = classCounts(y, o.classes ?? Math.max(...y) + 1);
  const t = targets(counts, o.targetCounts, 'over');
  const u = seeded(o.seed);
  const outX = rows.map((r) => [...r]);
  const outY = [...y];
  byClass(y, counts.length).forEach((idx, c) => {
    const need = t[c]! - counts[c]!;
    if (need <= 0) return;
    const neighbours = idx.map((i) => idx.filter((j) => j !== i).map((j) => [j, rows[i]!.reduce((s, v, d) => s + (v - rows[j]![d]!) ** 2, 0)] as const).sort((a, b) => a[1] - b[1] || a[0] - b[0]).slice(0, k).map(([j]) => j));
    const bases: number[] = [];
    for (let pass = 0; pass < Math.floor(need / idx.length); pass++) bases.push(...idx.map((_, p) => p));
    bases.push(...shuffled(idx.map((_, p) => p), u).slice(0, need % idx.length));
    for (const p of bases) {
      const xi = rows[idx[p]!]!;
      const nb = neighbours[p]!;
      if (nb.length === 0) {
        outX.push([...xi]);
      } else {
        const xn = rows[nb[Math.floor(u() * nb.length)]!]!;
        const gap = u();
        outX.push(xi.map((v, d) => v + gap * (xn[d]! - v)));
      }
      outY.push(c);
    }
  });
  return { x: outX, y: outY, synthetic: outY.length - y.length };
}

/**
 * Prior-correction thresholding: `ŷ = argmax_c p(c|x)/π_c`, with π the class priors of the (imbalanced) training set —
 * in log space `log p_c − log π_c`, which for logits is `z_c − log π_c` (the softmax normaliser cancels). Returns the
 * corrected scores `[N, C]` (log-probabilities minus log-priors) and the decisions `[N]`.
 * Shapes: predictions `[N, C]` logits (default) or probabilities, priors `[C]` (counts or probabilities).
 * @example priorCorrection([[2, 1], [0.2, 0]], [9, 1]).labels // [1, 1]
 */
export function priorCorrection(predictions: TensorLike, priors: readonly number[], options?: { readonly from?: 'logits' | 'probs' }): { scores: number[][]; labels: number[] } {
  const from = readOptions(options).from ?? 'logits';
  if (from !== 'logits' && from !== 'probs') throw new LosskitError('INVALID_ARGUMENT', 'unknown prediction kind', { argument: 'from', expected: "'logits' or 'probs'", received: String(from) });
  const rows = readRows(predictions, 'predictions');
  const C = rows[0]!.length;
  if (!Array.isArray(priors) || priors.length !== C) throw new LosskitError('SHAPE_MISMATCH', 'one prior per class', { argument: 'priors', expected: `${C} positive numbers`, received: Array.isArray(priors) ? `${priors.length}` : typeof priors });
  priors.forEach((v, c) => {
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new LosskitError('INVALID_ARGUMENT', 'priors must be positive', { argument: 'priors', expected: 'finite numbers > 0', received: `${v} for class ${c}` });
  });
  const total = priors.reduce((a, b) => a + b, 0);
  const logPrior = priors.map((v) => Math.log(v / total));
  const scores = rows.map((r) => {
    const lp = from === 'logits' ? logSoftmax(r) : r.map((p) => Math.log(p));
    return lp.map((v, c) => v - logPrior[c]!);
  });
  const labels = scores.map((s) => s.reduce((best, v, c) => (v > s[best]! ? c : best), 0));
  return { scores, labels };
}

/** Options of {@link twoPhaseTrain}. */
export interface TwoPhaseOptions {
  readonly model: ModelLike;
  readonly optimizer: tf.Optimizer;
  /** Inputs `[N, ...]` and integer labels `[N]` of the imbalanced set. */
  readonly x: Tensor;
  readonly y: Tensor;
  /** The balanced first phase: `ros` (default) or `rus`. */
  readonly sampler?: 'ros' | 'rus';
  readonly phase1Epochs: number;
  readonly phase2Epochs: number;
  /**
   * Optimizer of phase 2. tfjs optimizers keep their moments by the position of each variable in the list, so phase 2
   * (fewer variables) needs its own: default a new `tf.train.adam(1e-3)`, disposed at the end.
   */
  readonly phase2Optimizer?: tf.Optimizer;
  readonly batchSize?: number;
  readonly seed?: number;
  readonly loss?: FitOptions['loss'];
}

/**
 * Two-phase training (Buda et al. 2018, after Havaei et al.): phase 1 trains the whole model on a class-balanced set
 * (ROS or RUS indices of the data), phase 2 fine-tunes only the output layer (its kernel and bias, the last trainable
 * weights) on the original imbalanced set. Returns the per-epoch losses of both phases.
 */
export function twoPhaseTrain(options: TwoPhaseOptions): { phase1: number[]; phase2: number[] } {
  const o = readOptions(options);
  const vars = variablesOf(o.model);
  if (!(o.x instanceof tf.Tensor) || !(o.y instanceof tf.Tensor)) throw new LosskitError('INVALID_ARGUMENT', 'x and y must be tensors', { argument: 'x', expected: 'tf.Tensor inputs [N, ...] and labels [N]' });
  const sampler = o.sampler ?? 'ros';
  if (sampler !== 'ros' && sampler !== 'rus') throw new LosskitError('INVALID_ARGUMENT', 'unknown sampler', { argument: 'sampler', expected: "'ros' or 'rus'", received: String(sampler) });
  const y = Array.from(o.y.dataSync());
  const idx = sampler === 'ros' ? randomOversample(y, { seed: o.seed ?? 0 }) : randomUndersample(y, { seed: o.seed ?? 0 });
  const ix = tf.tensor1d(idx, 'int32');
  const xb = tf.gather(o.x, ix);
  const yb = tf.gather(o.y, ix);
  ix.dispose();
  try {
    const common = { batchSize: o.batchSize ?? 32, seed: o.seed ?? 0, ...(o.loss ? { loss: o.loss } : {}) };
    const phase1 = fitModel(o.model, o.optimizer, xb, yb, { ...common, epochs: params.positiveInteger('phase1Epochs', o.phase1Epochs) });
    const last = vars.length >= 2 && vars.at(-1)!.rank === 1 ? vars.slice(-2) : vars.slice(-1);
    const opt2 = o.phase2Optimizer ?? tf.train.adam(1e-3);
    try {
      const phase2 = fitModel(o.model, opt2, o.x, o.y, { ...common, epochs: params.positiveInteger('phase2Epochs', o.phase2Epochs), variables: last });
      return { phase1, phase2 };
    } finally {
      if (opt2 !== o.phase2Optimizer) opt2.dispose();
    }
  } finally {
    xb.dispose();
    yb.dispose();
  }
}
