/**
 * Confusion-matrix metrics for imbalanced classification: precision, recall and F1 (scikit-learn's averaging), the
 * geometric mean of per-class recalls (imbalanced-learn's `geometric_mean_score`), and the F1-then-G-mean ranking that
 * Kulatilleke & Samarakoon (2022) recommend for massively imbalanced, noisy data.
 */
import { LosskitError, params } from '@losskit/core';
import { readLabels, readOptions, type LabelsLike } from './input.js';

/** Reads `yTrue`, `yPred` (same length) and the number of classes (given, or 1 + the largest label seen). */
function readPair(yTrue: LabelsLike, yPred: LabelsLike, classes: number | undefined): { t: number[]; p: number[]; C: number } {
  if (classes !== undefined) params.positiveInteger('classes', classes);
  const t = readLabels(yTrue, 'yTrue', undefined, classes);
  const p = readLabels(yPred, 'yPred', t.length, classes);
  const C = classes ?? Math.max(...t, ...p) + 1;
  return { t, p, C };
}

/**
 * Confusion matrix `M[i][j]` = number of samples with true class `i` predicted as `j`, `[C, C]`.
 * Shapes: `yTrue`, `yPred` integer labels `[N]`; `classes` defaults to 1 + the largest label.
 * @example confusionMatrix([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1]) // [[2,0,0],[1,0,1],[0,2,0]]
 */
export function confusionMatrix(yTrue: LabelsLike, yPred: LabelsLike, classes?: number): number[][] {
  const { t, p, C } = readPair(yTrue, yPred, classes);
  const m = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  for (let i = 0; i < t.length; i++) m[t[i]!]![p[i]!]!++;
  return m;
}

/** How per-class values are combined. */
export type Average = 'binary' | 'macro' | 'micro' | 'weighted' | 'none';

/** Options of {@link f1Score}, {@link precisionScore}, {@link recallScore}. */
export interface PrfOptions {
  /** `binary` (the `positive` class only; default when C ≤ 2), `macro` (default when C > 2), `micro`, `weighted` (by support), `none` (per class). */
  readonly average?: Average;
  /** The positive class for `average: 'binary'`. Default 1. */
  readonly positive?: number;
  /** Number of classes (default 1 + the largest label). */
  readonly classes?: number;
}

interface Counts {
  tp: number[];
  fp: number[];
  fn: number[];
  tn: number[];
  support: number[];
  n: number;
  C: number;
}

function counts(yTrue: LabelsLike, yPred: LabelsLike, classes: number | undefined): Counts {
  const m = confusionMatrix(yTrue, yPred, classes);
  const C = m.length;
  const n = m.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
  const tp = m.map((r, i) => r[i]!);
  const support = m.map((r) => r.reduce((a, b) => a + b, 0));
  const predicted = Array.from({ length: C }, (_, j) => m.reduce((s, r) => s + r[j]!, 0));
  const fp = predicted.map((v, j) => v - tp[j]!);
  const fn = support.map((v, i) => v - tp[i]!);
  const tn = tp.map((_, i) => n - tp[i]! - fp[i]! - fn[i]!);
  return { tp, fp, fn, tn, support, n, C };
}

/** `a / b`, 0 when `b = 0` (scikit-learn's `zero_division=0`). */
const div = (a: number, b: number) => (b === 0 ? 0 : a / b);

function averaged(per: number[], c: Counts, average: Average, micro: () => number, positive: number): number | number[] {
  if (average === 'none') return per;
  if (average === 'binary') return per[positive] ?? 0;
  if (average === 'micro') return micro();
  if (average === 'weighted') return div(per.reduce((s, v, i) => s + v * c.support[i]!, 0), c.n);
  return per.reduce((a, b) => a + b, 0) / per.length;
}

function readAverage(options: PrfOptions, C: number): { average: Average; positive: number } {
  const average = options.average ?? (C <= 2 ? 'binary' : 'macro');
  if (!['binary', 'macro', 'micro', 'weighted', 'none'].includes(average)) {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown average', { argument: 'average', expected: "'binary' | 'macro' | 'micro' | 'weighted' | 'none'", received: String(average) });
  }
  const positive = options.positive ?? 1;
  if (average === 'binary') {
    if (C > 2) throw new LosskitError('INVALID_ARGUMENT', "average 'binary' needs two classes", { argument: 'average', expected: "'macro', 'micro', 'weighted' or 'none' for C > 2", received: `'binary' with ${C} classes` });
    if (!Number.isInteger(positive) || positive < 0 || positive > 1) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'positive', expected: '0 or 1', received: String(positive) });
  }
  return { average, positive };
}

/**
 * Precision `TP / (TP + FP)` per class, combined by `average` (scikit-learn `precision_score`, `zero_division=0`).
 * @example precisionScore([0, 1, 1, 0], [0, 1, 0, 0]) // 1
 */
export function precisionScore(yTrue: LabelsLike, yPred: LabelsLike, options?: PrfOptions): number | number[] {
  const o = readOptions(options);
  const c = counts(yTrue, yPred, o.classes);
  const { average, positive } = readAverage(o, c.C);
  const per = c.tp.map((tp, i) => div(tp, tp + c.fp[i]!));
  return averaged(per, c, average, () => div(sum(c.tp), sum(c.tp) + sum(c.fp)), positive);
}

/**
 * Recall (sensitivity, TPR) `TP / (TP + FN)` per class, combined by `average` (scikit-learn `recall_score`).
 * @example recallScore([0, 1, 1, 0], [0, 1, 0, 0]) // 0.5
 */
export function recallScore(yTrue: LabelsLike, yPred: LabelsLike, options?: PrfOptions): number | number[] {
  const o = readOptions(options);
  const c = counts(yTrue, yPred, o.classes);
  const { average, positive } = readAverage(o, c.C);
  const per = c.tp.map((tp, i) => div(tp, tp + c.fn[i]!));
  return averaged(per, c, average, () => div(sum(c.tp), sum(c.tp) + sum(c.fn)), positive);
}

/**
 * F1 = 2PR/(P + R) = 2TP / (2TP + FP + FN) per class, combined by `average` (scikit-learn `f1_score`, `zero_division=0`).
 * Shapes: integer labels `[N]`. Paper: "Empirical study of Machine Learning Classifier Evaluation Metrics behavior in
 * Massively Imbalanced and Noisy data" (Kulatilleke & Samarakoon 2022) uses F1 first, then G-mean.
 * @example f1Score([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: 'macro' }) // 0.2666…
 */
export function f1Score(yTrue: LabelsLike, yPred: LabelsLike, options?: PrfOptions): number | number[] {
  const o = readOptions(options);
  const c = counts(yTrue, yPred, o.classes);
  const { average, positive } = readAverage(o, c.C);
  const per = c.tp.map((tp, i) => div(2 * tp, 2 * tp + c.fp[i]! + c.fn[i]!));
  return averaged(per, c, average, () => div(2 * sum(c.tp), 2 * sum(c.tp) + sum(c.fp) + sum(c.fn)), positive);
}

const sum = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);

/** Options of {@link gMean}. */
export interface GMeanOptions {
  /**
   * `multiclass` (default): `(Π_c recall_c)^{1/C}` over the classes present in `yTrue` or `yPred`, each zero recall
   * replaced by `correction`; `binary`: `√(TPR·TNR)` of the `positive` class; `macro` / `weighted` / `micro`:
   * `√(avg sensitivity · avg specificity)`; `none`: `√(sens_c · spec_c)` per class (imbalanced-learn's definitions).
   */
  readonly average?: 'multiclass' | 'binary' | 'macro' | 'micro' | 'weighted' | 'none';
  /** Value substituted for a zero recall (`multiclass` only). Default 0. */
  readonly correction?: number;
  /** Positive class for `binary`. Default 1. */
  readonly positive?: number;
  /** Number of classes (default 1 + the largest label). */
  readonly classes?: number;
}

/**
 * Geometric mean of class-wise sensitivity (G-mean). Multiclass: `(Π_c TPR_c)^{1/C}`; binary: `√(TPR · TNR)`.
 * Matches imbalanced-learn's `geometric_mean_score` (its tests, commit 828a51f, are this function's reference values).
 * Paper: Kubat & Matwin (1997); recommended after F1 by Kulatilleke & Samarakoon (2022).
 * @example gMean([0, 1, 1, 1, 1, 0], [0, 0, 1, 1, 1, 1]) // √(0.5·0.75)
 */
export function gMean(yTrue: LabelsLike, yPred: LabelsLike, options?: GMeanOptions): number | number[] {
  const o = readOptions(options);
  const average = o.average ?? 'multiclass';
  if (!['multiclass', 'binary', 'macro', 'micro', 'weighted', 'none'].includes(average)) {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown average', { argument: 'average', expected: "'multiclass' | 'binary' | 'macro' | 'micro' | 'weighted' | 'none'", received: String(average) });
  }
  const correction = params.closedUnitInterval('correction', o.correction ?? 0);
  const c = counts(yTrue, yPred, o.classes);
  const sens = c.tp.map((tp, i) => div(tp, tp + c.fn[i]!));
  const spec = c.tn.map((tn, i) => div(tn, tn + c.fp[i]!));
  if (average === 'multiclass') {
    // Classes that occur in yTrue or yPred (imbalanced-learn's unique_labels), zero recalls replaced by `correction`.
    const present = c.support.map((s, i) => s + c.fp[i]! > 0);
    const r = sens.filter((_, i) => present[i]).map((v) => (v === 0 ? correction : v));
    if (r.some((v) => v === 0)) return 0;
    return Math.exp(r.reduce((s, v) => s + Math.log(v), 0) / r.length);
  }
  const { positive } = readAverage({ average: average === 'binary' ? 'binary' : 'macro', positive: o.positive ?? 1 }, c.C);
  if (average === 'binary') return Math.sqrt(sens[positive]! * spec[positive]!);
  if (average === 'none') return sens.map((s, i) => Math.sqrt(s * spec[i]!));
  if (average === 'micro') return Math.sqrt(div(sum(c.tp), sum(c.tp) + sum(c.fn)) * div(sum(c.tn), sum(c.tn) + sum(c.fp)));
  const w = average === 'weighted' ? c.support.map((s) => div(s, c.n)) : c.support.map(() => 1 / c.C);
  return Math.sqrt(sens.reduce((s, v, i) => s + v * w[i]!, 0) * spec.reduce((s, v, i) => s + v * w[i]!, 0));
}

/** A model's scores for {@link rankByF1ThenGMean}. */
export interface F1GMean {
  readonly name: string;
  readonly f1: number;
  readonly gMean: number;
}

/**
 * Orders models by F1, then G-mean: "a combined F1 score and g-mean, in that specific order, is the best evaluation
 * metric for typical imbalanced fraud detection" (Kulatilleke & Samarakoon 2022, "Empirical study of Machine Learning
 * Classifier Evaluation Metrics behavior in Massively Imbalanced and Noisy data"). F1 values within `tolerance` of each
 * other count as tied and are ordered by G-mean. Returns a new array, best first.
 * @example rankByF1ThenGMean([{ name: 'a', f1: 0.8, gMean: 0.7 }, { name: 'b', f1: 0.8, gMean: 0.9 }])[0].name // 'b'
 */
export function rankByF1ThenGMean<T extends F1GMean>(models: readonly T[], options?: { readonly tolerance?: number }): T[] {
  if (!Array.isArray(models)) throw new LosskitError('INVALID_ARGUMENT', 'models must be an array', { argument: 'models', expected: 'an array of { name, f1, gMean }', received: typeof models });
  const tol = params.nonNegative('tolerance', readOptions(options).tolerance ?? 0);
  models.forEach((m, i) => {
    for (const k of ['f1', 'gMean'] as const) {
      const v = m?.[k];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new LosskitError('INVALID_ARGUMENT', `${k} must be a number in [0, 1]`, { argument: `models[${i}].${k}`, expected: 'a number in [0, 1]', received: String(v) });
    }
  });
  return [...models].sort((a, b) => (Math.abs(a.f1 - b.f1) > tol ? b.f1 - a.f1 : b.gMean - a.gMean));
}
