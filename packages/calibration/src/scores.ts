/**
 * Non-binned scores: KS calibration error, Brier score, negative log-likelihood and accuracy (float64, host).
 */
import { params } from '@losskit/core';
import { logSoftmax } from '@losskit/core/math';
import { checkFrom, readLabels, readMatrix, readOptions, probsOf, topLabel, type From, type Labels, type Predictions } from './input.js';

/** Options of the scores: what the predictions hold (default `'logits'`). */
export interface ScoreOptions {
  readonly from?: From;
}

function read(predictions: Predictions, labels: Labels, options: ScoreOptions | undefined) {
  options = readOptions(options);
  const from = checkFrom(options.from ?? 'logits');
  const m = readMatrix(predictions);
  const y = readLabels(labels, m.n, m.c);
  return { m, y, from };
}

/**
 * Kolmogorov-Smirnov calibration error of the top-label confidence (Gupta et al. 2021), bin-free.
 *
 * Sort samples by confidence ascending; `KS = max_k |(1/N) Σ_{i≤k} conf_(i) − (1/N) Σ_{i≤k} acc_(i)|`, with
 * `conf = max_c p_c`, `acc = 1[argmax = y]`. The maximum is taken only at the end of each group of equal
 * confidences, so the value does not depend on the order of ties.
 * Shapes: `[N, C]`, `[N]` → number in [0, 1]. Default `from: 'logits'`.
 *
 * @example
 * ksCalibrationError([[0.2, 0.8], [0.9, 0.1]], [1, 1], { from: 'probs' }); // max(|0.4 − 0.5|, |0.85 − 0.5|) = 0.35
 *
 * Paper: "Calibration of Neural Networks using Splines", Gupta, Rahimi, Ajanthan, Mensink, Sminchisescu,
 * Hartley, 2021 (used by "Optimizing Calibration by Gaining Aware of Prediction Correctness", Liu et al. 2024).
 */
export function ksCalibrationError(predictions: Predictions, labels: Labels, options: ScoreOptions = {}): number {
  const { m, y, from } = read(predictions, labels, options);
  const p = probsOf(m, from);
  const { confidence, prediction } = topLabel(p, m.n, m.c);
  const order = Array.from({ length: m.n }, (_, i) => i).sort((a, b) => confidence[a]! - confidence[b]!);
  let cumConf = 0;
  let cumAcc = 0;
  let ks = 0;
  for (let k = 0; k < m.n; k++) {
    const i = order[k]!;
    cumConf += confidence[i]!;
    cumAcc += prediction[i] === y[i] ? 1 : 0;
    const next = order[k + 1];
    if (next !== undefined && confidence[next] === confidence[i]) continue;
    ks = Math.max(ks, Math.abs(cumConf - cumAcc) / m.n);
  }
  return ks;
}

/**
 * Multiclass Brier score (Brier 1950): `(1/N) Σ_i Σ_c (p_ic − 1[y_i = c])²`, in [0, 2].
 * Shapes: `[N, C]`, `[N]` → number. Default `from: 'logits'`.
 *
 * @example
 * brierScore([[0.2, 0.8]], [1], { from: 'probs' }); // 0.04 + 0.04 = 0.08
 *
 * Paper: "Verification of forecasts expressed in terms of probability", Brier, 1950.
 */
export function brierScore(predictions: Predictions, labels: Labels, options: ScoreOptions = {}): number {
  const { m, y, from } = read(predictions, labels, options);
  const p = probsOf(m, from);
  let s = 0;
  for (let i = 0; i < m.n; i++) {
    for (let c = 0; c < m.c; c++) {
      const d = p[i * m.c + c]! - (y[i] === c ? 1 : 0);
      s += d * d;
    }
  }
  return s / m.n;
}

/** Options of {@link nll}. */
export interface NllOptions extends ScoreOptions {
  /** With `from: 'probs'`, probabilities are clipped below at `epsilon` before the log. Default 1e-12. */
  readonly epsilon?: number;
}

/**
 * Mean negative log-likelihood: `(1/N) Σ_i −log p_{i, y_i}`. From logits it is computed as
 * `logSumExp(z_i) − z_{i, y_i}` (stable for any magnitude); from probabilities as `−log max(p, ε)`.
 * Shapes: `[N, C]`, `[N]` → number. Defaults: `from: 'logits'`, ε = 1e-12.
 *
 * @example
 * nll([[0, Math.log(3)]], [1]); // −log(3/4)
 */
export function nll(predictions: Predictions, labels: Labels, options: NllOptions = {}): number {
  const { m, y, from } = read(predictions, labels, options);
  const eps = params.positive('epsilon', readOptions(options).epsilon ?? 1e-12);
  let s = 0;
  if (from === 'logits') {
    for (let i = 0; i < m.n; i++) {
      const row = m.data.subarray(i * m.c, (i + 1) * m.c);
      s -= logSoftmax(row)[y[i]!]!; // (max − z_y) + log Σ exp(z − max): exact at ties of huge logits
    }
  } else {
    const p = probsOf(m, 'probs');
    for (let i = 0; i < m.n; i++) s -= Math.log(Math.max(p[i * m.c + y[i]!]!, eps));
  }
  return s / m.n;
}

/** Alias of {@link nll}. */
export const negativeLogLikelihood = nll;

/**
 * Top-1 accuracy: `(1/N) Σ_i 1[argmax_c p_ic = y_i]` (first index wins ties).
 * Shapes: `[N, C]`, `[N]` → number in [0, 1].
 *
 * @example
 * accuracy([[0.2, 0.8], [0.9, 0.1]], [1, 1], { from: 'probs' }); // 0.5
 */
export function accuracy(predictions: Predictions, labels: Labels, options: ScoreOptions = {}): number {
  const { m, y, from } = read(predictions, labels, options);
  const { prediction } = topLabel(from === 'probs' ? probsOf(m, 'probs') : m.data, m.n, m.c);
  let hits = 0;
  for (let i = 0; i < m.n; i++) if (prediction[i] === y[i]) hits++;
  return hits / m.n;
}
