/**
 * Ranking metrics: binary ROC AUC (Mann–Whitney, ties count ½), macro-AUC over the labels of a multi-label problem
 * (Wu, Li & Yin 2023), and multiclass AUC one-vs-rest or one-vs-one (Hand & Till 2001), as scikit-learn's
 * `roc_auc_score` computes them.
 */
import { LosskitError } from '@losskit/core';
import { mannWhitneyAuc } from '@losskit/core/math';
import { readBinary, readLabels, readMatrix, readOptions, readVector, type LabelsLike, type ScoresLike } from './input.js';

/** AUC of one score column against binary labels (core's Mann–Whitney AUC); NaN when one class is missing. */
function aucOf(scores: readonly number[], labels: readonly number[]): number {
  return mannWhitneyAuc(
    scores.filter((_, i) => labels[i] === 1),
    scores.filter((_, i) => labels[i] !== 1),
  );
}

/**
 * Binary ROC AUC: `(1/(|P||N|)) Σ_{i∈P} Σ_{j∈N} (1[s_i > s_j] + ½·1[s_i = s_j])`, computed from average ranks.
 * Shapes: `scores [N]`, `labels [N]` in {0, 1}. Throws `INVALID_ARGUMENT` when only one class is present.
 * @example rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) // 0.75 (scikit-learn's roc_auc_score example)
 */
export function rocAuc(scores: ScoresLike, labels: LabelsLike): number {
  const s = readVector(scores, 'scores');
  const y = readBinary(labels, 'labels', s.length);
  const a = aucOf(s, y);
  if (Number.isNaN(a)) throw new LosskitError('INVALID_ARGUMENT', 'AUC needs both classes', { argument: 'labels', expected: 'at least one 0 and one 1', received: `only ${y[0]}s` });
  return a;
}

/**
 * Macro-AUC of a multi-label problem: the mean over labels k of `AUC_k = (1/(|P_k||N_k|)) Σ_{i∈P_k, j∈N_k}
 * 1[f_k(x_i) > f_k(x_j)]` (ties ½). Labels whose column has only one class are skipped (as the MATLAB evaluation code
 * of the multi-label literature does); `skipped` counts them. Throws when no label has both classes.
 * Shapes: `scores [N, K]`, `labels [N, K]` in {0, 1}.
 * Paper: "Towards Understanding Generalization of Macro-AUC in Multi-label Learning" (Wu, Li & Yin, ICML 2023).
 * @example macroAuc([[0.9, 0.1], [0.2, 0.8], [0.6, 0.3]], [[1, 0], [0, 1], [1, 0]]).value // 1
 */
export function macroAuc(scores: ScoresLike, labels: ScoresLike): { value: number; perLabel: number[]; skipped: number } {
  const s = readMatrix(scores, 'scores');
  const y = readMatrix(labels, 'labels');
  if (y.n !== s.n || y.c !== s.c) throw new LosskitError('SHAPE_MISMATCH', 'labels must have the shape of scores', { argument: 'labels', expected: `[${s.n}, ${s.c}]`, received: `[${y.n}, ${y.c}]` });
  y.rows.forEach((r, i) => r.forEach((v, k) => {
    if (v !== 0 && v !== 1) throw new LosskitError('LABEL_OUT_OF_RANGE', 'multi-label targets must be 0 or 1', { argument: 'labels', expected: '0 or 1', received: `${v} at [${i}, ${k}]` });
  }));
  const perLabel: number[] = [];
  for (let k = 0; k < s.c; k++) perLabel.push(aucOf(s.rows.map((r) => r[k]!), y.rows.map((r) => r[k]!)));
  const valid = perLabel.filter((v) => !Number.isNaN(v));
  if (valid.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'no label has both classes', { argument: 'labels', expected: 'at least one column with a 0 and a 1', received: 'every column constant' });
  return { value: valid.reduce((a, b) => a + b, 0) / valid.length, perLabel, skipped: perLabel.length - valid.length };
}

/** Options of {@link multiclassAuc}. */
export interface MulticlassAucOptions {
  /** `ovr` (default): mean one-vs-rest AUC; `ovo`: Hand & Till's mean over class pairs of ½(A(j|k) + A(k|j)). */
  readonly method?: 'ovr' | 'ovo';
  /** `ovr` only: `macro` (default) or `weighted` by class prevalence. */
  readonly average?: 'macro' | 'weighted';
}

/**
 * Multiclass ROC AUC from scores `[N, C]` (probabilities or any monotone scores per class) and labels `[N]`.
 * One-vs-rest: `Σ_c w_c AUC(s_c, 1[y = c])` with `w_c = 1/C` (macro) or the prevalence (weighted). One-vs-one (Hand &
 * Till 2001, "A Simple Generalisation of the Area Under the ROC Curve for Multiple Class Classification Problems"):
 * `2/(C(C−1)) Σ_{j<k} ½(A(j|k) + A(k|j))`, where `A(j|k)` ranks the samples of classes j and k by `s_j`. As scikit-learn's
 * `roc_auc_score(multi_class='ovr' | 'ovo')`. Every class must occur in `labels`. The metric of Buda, Maki & Mazurowski
 * (2018), "A systematic study of the class imbalance problem in convolutional neural networks".
 * @example multiclassAuc([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3]], [0, 1, 2, 1]) // 1
 */
export function multiclassAuc(scores: ScoresLike, labels: LabelsLike, options?: MulticlassAucOptions): number {
  const o = readOptions(options);
  const method = o.method ?? 'ovr';
  const average = o.average ?? 'macro';
  if (method !== 'ovr' && method !== 'ovo') throw new LosskitError('INVALID_ARGUMENT', 'unknown method', { argument: 'method', expected: "'ovr' or 'ovo'", received: String(method) });
  if (average !== 'macro' && average !== 'weighted') throw new LosskitError('INVALID_ARGUMENT', 'unknown average', { argument: 'average', expected: "'macro' or 'weighted'", received: String(average) });
  const s = readMatrix(scores, 'scores');
  if (s.c < 2) throw new LosskitError('SHAPE_MISMATCH', 'multiclass AUC needs at least two classes', { argument: 'scores', expected: '[N, C] with C >= 2', received: `[${s.n}, ${s.c}]` });
  const y = readLabels(labels, 'labels', s.n, s.c);
  const counts = new Array<number>(s.c).fill(0);
  for (const v of y) counts[v]!++;
  const missing = counts.findIndex((v) => v === 0);
  if (missing >= 0) throw new LosskitError('INVALID_ARGUMENT', 'every class must occur in labels', { argument: 'labels', expected: `each of 0..${s.c - 1} at least once`, received: `no sample of class ${missing}` });
  if (method === 'ovr') {
    let total = 0;
    for (let c = 0; c < s.c; c++) {
      const a = aucOf(s.rows.map((r) => r[c]!), y.map((v) => (v === c ? 1 : 0)));
      total += (average === 'weighted' ? counts[c]! / s.n : 1 / s.c) * a;
    }
    return total;
  }
  let total = 0;
  for (let j = 0; j < s.c; j++) {
    for (let k = j + 1; k < s.c; k++) {
      const idx = y.map((v, i) => (v === j || v === k ? i : -1)).filter((i) => i >= 0);
      const ajk = aucOf(idx.map((i) => s.rows[i]![j]!), idx.map((i) => (y[i] === j ? 1 : 0)));
      const akj = aucOf(idx.map((i) => s.rows[i]![k]!), idx.map((i) => (y[i] === k ? 1 : 0)));
      total += (ajk + akj) / 2;
    }
  }
  return (2 * total) / (s.c * (s.c - 1));
}
