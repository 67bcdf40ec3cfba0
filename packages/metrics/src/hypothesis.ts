/**
 * Tests for comparing two classifiers (Raschka, "Model Evaluation, Model Selection, and Algorithm Selection in Machine
 * Learning", 2018): McNemar's test on paired predictions and Dietterich's 5×2cv paired t-test with Alpaydin's combined
 * 5×2cv F-test. Values match mlxtend's `mcnemar`, `paired_ttest_5x2cv` and `combined_ftest_5x2cv`.
 */
import { LosskitError, params } from '@losskit/core';
import { binomialCdf, chiSquareSurvival, fSurvival, studentTTwoSided } from './distributions.js';
import { readLabels, readOptions } from './input.js';
import { rng, shuffleInPlace } from '@losskit/core/math';

/** Options of {@link mcnemar}. */
export interface McnemarOptions {
  /** Edwards' continuity correction `(|b − c| − 1)²/(b + c)`. Default true. */
  readonly corrected?: boolean;
  /** Exact binomial test `min(1, 2·P(X ≤ min(b, c)))`, `X ~ Bin(b + c, ½)`; `statistic` is then undefined. Default false. */
  readonly exact?: boolean;
}

/**
 * McNemar's test of two classifiers on the same samples, from the 2×2 table `[[a, b], [c, d]]` (b: only model 1 correct,
 * c: only model 2 correct, mlxtend's `mcnemar_table` layout): `χ² = (|b − c| − 1)²/(b + c)` (or without the −1), p-value
 * from χ²(1); or the exact binomial p-value. Use {@link mcnemarTable} to build the table from predictions.
 * @example mcnemar([[101, 121], [59, 33]]) // { statistic: 20.672…, pValue: 5.45e-6 } (mlxtend's test)
 */
export function mcnemar(table: readonly (readonly number[])[], options?: McnemarOptions): { statistic: number | undefined; pValue: number } {
  const o = readOptions(options);
  const corrected = params.boolean('corrected', o.corrected ?? true);
  const exact = params.boolean('exact', o.exact ?? false);
  if (!Array.isArray(table) || table.length !== 2 || table.some((r) => !Array.isArray(r) || r.length !== 2)) {
    throw new LosskitError('SHAPE_MISMATCH', 'McNemar needs a 2×2 table', { argument: 'table', expected: '[[a, b], [c, d]]', received: JSON.stringify(table)?.slice(0, 60) ?? String(table) });
  }
  table.forEach((r: readonly number[], i: number) => r.forEach((v: number, j: number) => {
    if (!Number.isInteger(v) || v < 0) throw new LosskitError('INVALID_ARGUMENT', 'counts must be integers >= 0', { argument: 'table', expected: 'non-negative integer counts', received: `${v} at [${i}, ${j}]` });
  }));
  const b = table[0]![1]!;
  const c = table[1]![0]!;
  if (b + c === 0) return { statistic: exact ? undefined : 0, pValue: 1 };
  if (exact) return { statistic: undefined, pValue: Math.min(1, 2 * binomialCdf(Math.min(b, c), b + c, 0.5)) };
  const statistic = corrected ? Math.max(Math.abs(b - c) - 1, 0) ** 2 / (b + c) : (b - c) ** 2 / (b + c);
  return { statistic, pValue: chiSquareSurvival(statistic, 1) };
}

/**
 * The 2×2 McNemar table of two classifiers: `[[both correct, only 1 correct], [only 2 correct, both wrong]]` (mlxtend's
 * `mcnemar_table` layout).
 * @example mcnemarTable([0, 1, 1], [0, 1, 0], [0, 0, 1]) // [[1, 1], [1, 0]]
 */
export function mcnemarTable(yTrue: readonly number[], pred1: readonly number[], pred2: readonly number[]): number[][] {
  const y = readLabels(yTrue as number[], 'yTrue');
  const p1 = readLabels(pred1 as number[], 'pred1', y.length);
  const p2 = readLabels(pred2 as number[], 'pred2', y.length);
  const t = [[0, 0], [0, 0]];
  y.forEach((v, i) => {
    t[p1[i] === v ? 0 : 1]![p2[i] === v ? 0 : 1]!++;
  });
  return t;
}

function readDiffs(diffs: readonly (readonly number[])[]): number[][] {
  if (!Array.isArray(diffs) || diffs.length !== 5 || diffs.some((r) => !Array.isArray(r) || r.length !== 2)) {
    throw new LosskitError('SHAPE_MISMATCH', '5×2cv needs five pairs of score differences', { argument: 'differences', expected: '[5][2]: p_i^(j) = score1 − score2 on fold j of repetition i', received: JSON.stringify(diffs)?.slice(0, 60) ?? String(diffs) });
  }
  diffs.forEach((r: readonly number[], i: number) => r.forEach((v: number, j: number) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new LosskitError('NON_FINITE_INPUT', 'differences must be finite', { argument: 'differences', expected: 'finite numbers', received: `${v} at [${i}, ${j}]` });
  }));
  return diffs.map((r) => [...r]);
}

/** s_i² = (p_i^(1) − p̄_i)² + (p_i^(2) − p̄_i)². */
const variances = (d: number[][]) => d.map(([a, b]) => {
  const m = (a! + b!) / 2;
  return (a! - m) ** 2 + (b! - m) ** 2;
});

/**
 * Dietterich's 5×2cv paired t-test: `t = p_1^(1) / √((1/5) Σ_i s_i²)` with 5 degrees of freedom, two-sided p-value.
 * `differences[i][j]` is the score difference (model 1 − model 2) on fold j of repetition i. When every s_i² is 0,
 * t is its limit ±∞ with p = 0 (as the combined F test), or 0 with p = 1 when `p_1^(1) = 0`, never NaN.
 * @example pairedTTest5x2cv(diffs) // { t, pValue }
 */
export function pairedTTest5x2cv(differences: readonly (readonly number[])[]): { t: number; pValue: number } {
  const d = readDiffs(differences);
  const s2 = variances(d).reduce((a, b) => a + b, 0);
  // Zero variance: t's limit as the spread → 0 (±∞, p = 0, as the F test), or 0/0 read as no evidence when p_1^(1) = 0.
  if (s2 === 0) return d[0]![0]! === 0 ? { t: 0, pValue: 1 } : { t: Math.sign(d[0]![0]!) * Infinity, pValue: 0 };
  const t = d[0]![0]! / Math.sqrt(s2 / 5);
  return { t, pValue: studentTTwoSided(t, 5) };
}

/**
 * Alpaydin's combined 5×2cv F-test: `f = Σ_i Σ_j (p_i^(j))² / (2 Σ_i s_i²)` ~ F(10, 5), p-value `P(F ≥ f)`.
 * @example combinedFTest5x2cv(diffs) // { f, pValue }
 */
export function combinedFTest5x2cv(differences: readonly (readonly number[])[]): { f: number; pValue: number } {
  const d = readDiffs(differences);
  const s2 = variances(d).reduce((a, b) => a + b, 0);
  const num = d.reduce((s, r) => s + r[0]! ** 2 + r[1]! ** 2, 0);
  if (s2 === 0) return num === 0 ? { f: 0, pValue: 1 } : { f: Infinity, pValue: 0 };
  const f = num / (2 * s2);
  return { f, pValue: fSurvival(f, 10, 5) };
}

/**
 * The 5×2 folds: five seeded random halvings of 0..n−1, each as `[foldA, foldB]` (train on one half, test on the other,
 * then swap). Stratified by `labels` when given (as mlxtend's `train_test_split(stratify=y)`).
 * @example fiveByTwoFolds(10, { seed: 1 })[0] // [[…5 indices], […5 indices]]
 */
export function fiveByTwoFolds(n: number, options?: { readonly seed?: number; readonly labels?: readonly number[] }): Array<[number[], number[]]> {
  params.positiveInteger('n', n);
  if (n < 2) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'n', expected: 'an integer >= 2', received: String(n) });
  const o = readOptions(options);
  const u = rng(params.finite('seed', o.seed ?? 0));
  const y = o.labels !== undefined ? readLabels(o.labels as number[], 'labels', n) : new Array<number>(n).fill(0);
  const out: Array<[number[], number[]]> = [];
  for (let r = 0; r < 5; r++) {
    const a: number[] = [];
    const b: number[] = [];
    const groups = new Map<number, number[]>();
    y.forEach((c, i) => groups.set(c, [...(groups.get(c) ?? []), i]));
    for (const idx of groups.values()) {
      shuffleInPlace(idx, u);
      idx.forEach((v, k) => ((k % 2 === 0) === (r % 2 === 0) ? a : b).push(v));
    }
    out.push([a.sort((x, z) => x - z), b.sort((x, z) => x - z)]);
  }
  return out;
}
