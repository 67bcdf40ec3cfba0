import { type TensorLike, checkParam } from '@losskit/core';
import { mannWhitneyAuc } from '@losskit/core/math';
import { readVector } from '@losskit/diagnostics';

/**
 * AUROC of an OOD score with in-distribution samples as the positive class (a higher score means "more
 * in-distribution", the convention of the Mahalanobis and kNN detectors): the probability that a random ID score
 * exceeds a random OOD score, ties counting ½ (the Mann–Whitney U statistic / (n_in · n_out), core's `mannWhitneyAuc`).
 * Float64, O(n log n).
 *
 * @example auroc([0.9, 0.8, 0.3], [0.1, 0.4]); // 5/6
 */
export function auroc(inScores: TensorLike, outScores: TensorLike): number {
  return mannWhitneyAuc(readVector(inScores, 'inScores'), readVector(outScores, 'outScores'));
}

/**
 * False-positive rate at a true-positive rate (default 95%, "FPR95"): the threshold τ is the largest value with at least
 * `tpr` of the ID scores ≥ τ, and the result is the fraction of OOD scores ≥ τ (OOD samples accepted as ID).
 *
 * @example fprAtTpr(idScores, oodScores); // FPR at 95% TPR
 */
export function fprAtTpr(inScores: TensorLike, outScores: TensorLike, tpr = 0.95): number {
  const a = Array.from(readVector(inScores, 'inScores')).sort((p, q) => q - p);
  const b = readVector(outScores, 'outScores');
  const t = checkParam('tpr', tpr, 'a number in (0, 1]', (v) => v > 0 && v <= 1);
  // The ⌈tpr·n⌉-th largest ID score keeps at least that fraction of ID samples at or above it.
  const k = Math.max(1, Math.ceil(t * a.length - 1e-9));
  const tau = a[k - 1]!;
  let fp = 0;
  for (const v of b) if (v >= tau) fp++;
  return fp / b.length;
}
