import type { TensorLike } from '@losskit/core';
import { LosskitError } from '@losskit/core';
import { classStatistics } from './class-stats.js';
import { readFeatures, readOptions } from './input.js';
import { pseudoInverseSymmetric } from './linalg.js';

/** The neural-collapse measures of {@link neuralCollapse}. */
export interface NeuralCollapse {
  /** NC1 = tr(Σ_W Σ_B^†) / C: within-class variability relative to the class-mean spread (→ 0 under collapse). */
  readonly nc1: number;
  /** NC2 = ‖G/‖G‖_F − (I − 11ᵀ/C)/√(C − 1)‖_F with G = M̃ᵀM̃ the Gram matrix of centred class means (→ 0 at a simplex ETF). */
  readonly nc2: number;
  /** Std / mean of the centred class-mean norms ‖μ_c − μ_G‖ (equinorm; → 0). */
  readonly equinorm: number;
  /** Mean over pairs c ≠ c' of |cos(μ_c − μ_G, μ_c' − μ_G) + 1/(C − 1)| (maximal equiangularity; → 0). */
  readonly equiangularity: number;
  /** NC3 = ‖W/‖W‖_F − M̃/‖M̃‖_F‖²_F (self-duality of classifier and means; → 0), when a classifier is given. */
  readonly nc3: number | undefined;
  /** The classes with samples, over which everything is computed. */
  readonly classes: number;
}

/** Options of {@link neuralCollapse}. */
export interface NeuralCollapseOptions {
  /** Number of classes C (default max label + 1); classes without samples are skipped. */
  readonly classes?: number;
  /**
   * Last-layer weights `[D, C]` (a tfjs-layers Dense kernel as it is stored: column c is the weight vector of class c),
   * for NC3.
   */
  readonly classifier?: TensorLike;
}

/**
 * Neural-collapse diagnostics of penultimate features `[N, D]` with labels `[N]` (Papyan, Han & Donoho 2020,
 * *Prevalence of neural collapse during the terminal phase of deep learning training*, the measures used to study
 * *Neural Collapse in Deep Linear Networks: From Balanced to Imbalanced Data*, Dang et al. 2023), in float64:
 *
 * - NC1 = tr(Σ_W Σ_B^†)/C with Σ_W, Σ_B from {@link classStatistics} and Σ_B^† the eigen pseudo-inverse;
 * - NC2 = ‖G/‖G‖_F − (I_C − 11ᵀ/C)/√(C−1)‖_F, G = M̃ᵀM̃, M̃ = [μ_1 − μ_G, …, μ_C − μ_G] `[D, C]` (Zhu et al. 2021's
 *   Frobenius form), with Papyan's equinorm (std/mean of ‖μ_c − μ_G‖) and equiangularity (mean |cos + 1/(C−1)|);
 * - NC3 = ‖W/‖W‖_F − M̃/‖M̃‖_F‖²_F with the classifier W `[D, C]` (Papyan's self-duality).
 *
 * Needs at least two classes with samples. Errors: the input errors of {@link classStatistics}, `INVALID_ARGUMENT`
 * (fewer than two classes present; a classifier that is not `[D, C]`).
 *
 * @example neuralCollapse(features, labels, { classifier: model.layers.at(-1).getWeights()[0] }).nc1;
 */
export function neuralCollapse(features: TensorLike, labels: TensorLike, options?: NeuralCollapseOptions): NeuralCollapse {
  const o = readOptions(options);
  const s = classStatistics(features, labels, o.classes === undefined ? {} : { classes: o.classes });
  const { dim: d, classes: Call, counts, means, globalMean } = s;
  const present = Array.from(counts.keys()).filter((c) => counts[c]! > 0);
  const C = present.length;
  if (C < 2) throw new LosskitError('INVALID_ARGUMENT', 'neural collapse needs at least two classes with samples', { argument: 'labels', expected: 'labels of at least two classes', received: `${C} class` });
  // NC1
  const { inverse: sbPinv } = pseudoInverseSymmetric(s.betweenCovariance, d);
  let trace = 0;
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) trace += s.withinCovariance[a * d + b]! * sbPinv[b * d + a]!;
  const nc1 = trace / C;
  // Centred means M̃ [C, D] (rows) and their Gram matrix.
  const m = new Float64Array(C * d);
  present.forEach((c, k) => {
    for (let j = 0; j < d; j++) m[k * d + j] = means[c * d + j]! - globalMean[j]!;
  });
  const gram = new Float64Array(C * C);
  for (let a = 0; a < C; a++) for (let b = 0; b < C; b++) {
    let v = 0;
    for (let j = 0; j < d; j++) v += m[a * d + j]! * m[b * d + j]!;
    gram[a * C + b] = v;
  }
  const gNorm = Math.sqrt(gram.reduce((acc, v) => acc + v * v, 0));
  let nc2Sq = 0;
  for (let a = 0; a < C; a++) for (let b = 0; b < C; b++) {
    const etf = ((a === b ? 1 : 0) - 1 / C) / Math.sqrt(C - 1);
    nc2Sq += ((gNorm > 0 ? gram[a * C + b]! / gNorm : 0) - etf) ** 2;
  }
  const norms = Array.from({ length: C }, (_, k) => Math.sqrt(gram[k * C + k]!));
  const meanNorm = norms.reduce((a, b) => a + b, 0) / C;
  const sdNorm = Math.sqrt(norms.reduce((a, b) => a + (b - meanNorm) ** 2, 0) / C);
  let angle = 0;
  for (let a = 0; a < C; a++) for (let b = 0; b < C; b++) {
    if (a === b) continue;
    const cos = norms[a]! > 0 && norms[b]! > 0 ? gram[a * C + b]! / (norms[a]! * norms[b]!) : 0;
    angle += Math.abs(cos + 1 / (C - 1));
  }
  let nc3: number | undefined;
  if (o.classifier !== undefined) {
    const w = readFeatures(o.classifier, 'classifier');
    if (w.n !== d || w.d !== Call) throw new LosskitError('SHAPE_MISMATCH', 'classifier must be the Dense kernel [D, C]', { argument: 'classifier', expected: `shape [${d}, ${Call}]`, received: `[${w.n}, ${w.d}]` });
    let wNorm = 0;
    let mNorm = 0;
    present.forEach((c) => {
      for (let j = 0; j < d; j++) wNorm += w.data[j * Call + c]! ** 2;
    });
    for (const v of m) mNorm += v * v;
    wNorm = Math.sqrt(wNorm);
    mNorm = Math.sqrt(mNorm);
    let acc = 0;
    present.forEach((c, k) => {
      for (let j = 0; j < d; j++) acc += ((wNorm > 0 ? w.data[j * Call + c]! / wNorm : 0) - (mNorm > 0 ? m[k * d + j]! / mNorm : 0)) ** 2;
    });
    nc3 = acc;
  }
  return { nc1, nc2: Math.sqrt(nc2Sq), equinorm: meanNorm > 0 ? sdNorm / meanNorm : 0, equiangularity: angle / (C * (C - 1)), nc3, classes: C };
}
