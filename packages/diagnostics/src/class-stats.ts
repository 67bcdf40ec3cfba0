import type { TensorLike } from '@losskit/core';
import { LosskitError } from '@losskit/core';
import { checkInteger, readFeatures, readLabels, readOptions } from './input.js';

/** Per-class feature statistics of {@link classStatistics} (float64, row-major). */
export interface ClassStatistics {
  /** Number of classes C. */
  readonly classes: number;
  /** Feature dimension D. */
  readonly dim: number;
  /** `[C]` samples per class. */
  readonly counts: Int32Array;
  /** `[C, D]` class means μ_c (a class with no sample has a zero row; see `counts`). */
  readonly means: Float64Array;
  /** `[D]` global mean μ_G over all samples. */
  readonly globalMean: Float64Array;
  /** `[D, D]` within-class (tied) covariance Σ_W = (1/N) Σ_c Σ_{i: y_i = c} (f_i − μ_c)(f_i − μ_c)ᵀ. */
  readonly withinCovariance: Float64Array;
  /** `[D, D]` between-class covariance Σ_B = (1/C') Σ_c (μ_c − μ_G)(μ_c − μ_G)ᵀ over the C' classes present. */
  readonly betweenCovariance: Float64Array;
}

/** Options of {@link classStatistics}. */
export interface ClassStatisticsOptions {
  /** Number of classes C (default: max label + 1). */
  readonly classes?: number;
}

/**
 * Class means and the within- and between-class covariances of features `[N, D]` with integer labels `[N]`, in
 * float64. Σ_W is the tied covariance of Lee et al. 2018 (the Mahalanobis detector's `sample_estimator`, sklearn
 * `EmpiricalCovariance` on class-centred features: divided by N) and the Σ_W of Papyan, Han & Donoho 2020 (neural
 * collapse); Σ_B averages over the classes that have samples, with μ_G the mean of all N samples.
 *
 * @example classStatistics([[0, 0], [2, 0], [0, 2], [2, 2]], [0, 0, 1, 1]).means; // [1, 0, 1, 2]
 */
export function classStatistics(features: TensorLike, labels: TensorLike, options?: ClassStatisticsOptions): ClassStatistics {
  const o = readOptions(options);
  const f = readFeatures(features, 'features');
  let classes = o.classes;
  if (classes !== undefined) checkInteger('classes', classes, 1);
  const y = readLabels(labels, f.n, 'labels', classes);
  if (classes === undefined) classes = y.reduce((a, b) => Math.max(a, b), 0) + 1;
  const { n, d, data } = f;
  const C = classes;
  const counts = new Int32Array(C);
  const means = new Float64Array(C * d);
  const globalMean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    counts[c]!++;
    for (let j = 0; j < d; j++) {
      means[c * d + j]! += data[i * d + j]!;
      globalMean[j]! += data[i * d + j]!;
    }
  }
  for (let c = 0; c < C; c++) if (counts[c]! > 0) for (let j = 0; j < d; j++) means[c * d + j] = means[c * d + j]! / counts[c]!;
  for (let j = 0; j < d; j++) globalMean[j] = globalMean[j]! / n;
  const withinCovariance = new Float64Array(d * d);
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    for (let j = 0; j < d; j++) diff[j] = data[i * d + j]! - means[c * d + j]!;
    addOuter(withinCovariance, diff, 1 / n);
  }
  const present = counts.reduce((a, k) => a + (k > 0 ? 1 : 0), 0);
  if (present === 0) throw new LosskitError('EMPTY_BATCH', 'no samples', { argument: 'labels' });
  const betweenCovariance = new Float64Array(d * d);
  for (let c = 0; c < C; c++) {
    if (counts[c] === 0) continue;
    for (let j = 0; j < d; j++) diff[j] = means[c * d + j]! - globalMean[j]!;
    addOuter(betweenCovariance, diff, 1 / present);
  }
  symmetrize(withinCovariance, d);
  symmetrize(betweenCovariance, d);
  return { classes: C, dim: d, counts, means, globalMean, withinCovariance, betweenCovariance };
}

/** `out += scale · x xᵀ` (upper triangle only; {@link symmetrize} completes it). */
function addOuter(out: Float64Array, x: Float64Array, scale: number): void {
  const d = x.length;
  for (let a = 0; a < d; a++) {
    const xa = x[a]! * scale;
    if (xa === 0) continue;
    for (let b = a; b < d; b++) out[a * d + b]! += xa * x[b]!;
  }
}

function symmetrize(m: Float64Array, d: number): void {
  for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) m[b * d + a] = m[a * d + b]!;
}
