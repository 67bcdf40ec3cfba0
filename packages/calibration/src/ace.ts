/**
 * Adaptive calibration error (Nixon et al. 2019): equal-mass bins, every bin weighted equally.
 */
import { LosskitError, params } from '@losskit/core';
import { binStatistics } from './binning.js';
import { checkBins, readLabels, readOptions, readProbs, topLabel, type From, type Labels, type Predictions } from './input.js';

/** Options of {@link ace}. */
export interface AceOptions {
  /** What the predictions hold. Default `'logits'`. */
  readonly from?: From;
  /** Number of calibration ranges R per class. Default 15. Must not exceed N. */
  readonly bins?: number;
  /**
   * `'classwise'` (default): Nixon et al.'s ACE over every class's predictions `p_ic` against `1[y_i = c]`.
   * `'top-label'`: the top-label confidence `max_c p_ic` against `1[argmax = y]` (the netcal `ACE` with
   * `equal_intervals=False`, up to how its quantile edges split ties).
   */
  readonly scope?: 'classwise' | 'top-label';
  /**
   * Thresholded ACE (TACE): only predictions `p_ic > threshold` take part. Default 0 (every prediction; Nixon et al.
   * use 1e-3 for TACE). Classwise scope only.
   */
  readonly threshold?: number;
}

/**
 * Adaptive calibration error (ACE, Nixon et al. 2019).
 *
 * `ACE = (1 / (K·R)) Σ_k Σ_r |acc(r, k) − conf(r, k)|`, where for class k the predictions `p_ik` of all N samples (with
 * `p_ik > threshold`) are sorted and cut into R ranges of ⌊n_k/R⌋ or ⌈n_k/R⌉ consecutive predictions (the equal-mass
 * bins of {@link ece} with `strategy: 'mass'`); `acc(r, k)` is the fraction of the range whose label is k and
 * `conf(r, k)` its mean `p_ik`. Every range weighs 1/R, unlike ECE's `|B|/N`. With a threshold a class keeps
 * `R_k = min(R, n_k)` ranges, and K counts the classes with at least one prediction above it. `scope: 'top-label'`
 * bins the top-label confidence instead: `(1/R) Σ_r |acc(r) − conf(r)|`.
 *
 * Shapes: predictions `[N, C]`, labels `[N]` → number in [0, 1]. Defaults: 15 ranges, classwise, threshold 0, `from: 'logits'`.
 *
 * @example
 * ace([[0.9, 0.1], [0.8, 0.2]], [0, 1], { from: 'probs', bins: 1 }); // (|0.5 − 0.85| + |0.5 − 0.15|) / 2 = 0.35
 *
 * Paper: "Measuring Calibration in Deep Learning", Nixon, Dusenberry, Zhang, Jerfel, Tran, CVPR Workshops 2019.
 */
export function ace(predictions: Predictions, labels: Labels, options: AceOptions = {}): number {
  options = readOptions(options);
  const p = readProbs(predictions, options.from ?? 'logits');
  const y = readLabels(labels, p.n, p.c);
  const bins = checkBins(options.bins ?? 15, p.n);
  const scope = options.scope ?? 'classwise';
  if (scope !== 'classwise' && scope !== 'top-label') {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown ACE scope', { argument: 'scope', expected: "'classwise' or 'top-label'", received: String(scope) });
  }
  const threshold = params.finite('threshold', options.threshold ?? 0);
  if (threshold < 0 || threshold >= 1) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'threshold', expected: 'a number in [0, 1)', received: String(threshold) });
  }
  if (scope === 'top-label') {
    if (threshold !== 0) throw new LosskitError('INVALID_ARGUMENT', 'the threshold applies to classwise ACE only', { argument: 'threshold', expected: "0 with scope: 'top-label'", received: String(threshold) });
    const { confidence, prediction } = topLabel(p.data, p.n, p.c);
    return meanGap(confidence, Float64Array.from(prediction, (v, i) => (v === y[i] ? 1 : 0)), bins);
  }
  let total = 0;
  let classes = 0;
  for (let c = 0; c < p.c; c++) {
    const conf: number[] = [];
    const hit: number[] = [];
    for (let i = 0; i < p.n; i++) {
      const v = p.data[i * p.c + c]!;
      if (threshold > 0 && !(v > threshold)) continue;
      conf.push(v);
      hit.push(y[i] === c ? 1 : 0);
    }
    if (conf.length === 0) continue;
    total += meanGap(conf, hit, Math.min(bins, conf.length));
    classes++;
  }
  return classes === 0 ? 0 : total / classes;
}

/** Mean over R equal-mass bins of |mean outcome − mean confidence| (every bin is non-empty since R ≤ n). */
function meanGap(conf: ArrayLike<number>, hit: ArrayLike<number>, bins: number): number {
  let s = 0;
  for (const b of binStatistics(conf, hit, bins, 'mass')) s += Math.abs(b.accuracy - b.confidence);
  return s / bins;
}

/** Alias of {@link ace}. */
export const adaptiveCalibrationError = ace;
