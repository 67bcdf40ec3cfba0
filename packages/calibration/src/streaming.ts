/**
 * Streaming (stateful) forms of the metrics, in the shape of torchmetrics' `Metric` and Keras' stateful metrics:
 * `update(batch)` accumulates, `result()` computes, `reset()` clears. `result()` equals the batch metric on the
 * concatenation of every batch given since the last `reset()`.
 */
import { LosskitError } from '@losskit/core';
import { aggregateGaps, checkNorm, widthBinIndex, type Bin, type Norm } from './binning.js';
import { checkBins, readLabels, readMatrix, readOptions, probsOf, checkFrom, topLabel, toRows, type From, type Labels, type Predictions } from './input.js';
import { readGaussian, type GaussianPredictions, type Targets } from './regression.js';

/** A streaming classification metric. */
export interface StreamingMetric {
  /** Adds a batch: predictions `[B, C]` (the same C every time) and labels `[B]`. */
  update(predictions: Predictions, labels: Labels): void;
  /** The metric over everything added since the last reset. Throws `EMPTY_BATCH` before the first update. */
  result(): number;
  /** Forgets every batch. */
  reset(): void;
  /** Samples added since the last reset. */
  readonly count: number;
}

/** Options of {@link StreamingCalibrationError}. */
export interface StreamingCalibrationErrorOptions {
  readonly from?: From;
  /** Equal-width bins M. Default 15. */
  readonly bins?: number;
  /** `'l1'` = ECE (default), `'l2'` = RMSCE, `'max'` = MCE. */
  readonly norm?: Norm;
  /** `'top-label'` (default) = {@link ece}; `'classwise'` = {@link classwiseEce}. */
  readonly scope?: 'top-label' | 'classwise';
}

/**
 * Streaming ECE / RMSCE / MCE (top-label, or class-wise) with equal-width bins, in O(C·M) memory: per bin the count, the
 * sum of confidences and the sum of outcomes, added in arrival order, so `result()` is bit-for-bit the batch
 * {@link ece} / {@link classwiseEce} of the concatenated batches (same bins `(m/M, (m+1)/M]`, same sums in the same order).
 * Equal-mass bins need every confidence: use {@link streamingMetric} with `ece` and `strategy: 'mass'`.
 *
 * @example
 * const m = new StreamingCalibrationError({ bins: 15 });
 * for (const [logits, labels] of batches) m.update(logits, labels);
 * m.result(); // === ece(allLogits, allLabels, { bins: 15 })
 *
 * Anchor: torchmetrics `MulticlassCalibrationError` (update / compute / reset); Keras stateful metrics.
 */
export class StreamingCalibrationError implements StreamingMetric {
  private readonly from: From;
  private readonly bins: number;
  private readonly norm: Norm;
  private readonly scope: 'top-label' | 'classwise';
  private classes = 0;
  private n = 0;
  private counts = new Float64Array(0);
  private sumConf = new Float64Array(0);
  private sumOut = new Float64Array(0);

  constructor(options: StreamingCalibrationErrorOptions = {}) {
    options = readOptions(options);
    this.from = checkFrom(options.from ?? 'logits');
    this.bins = checkBins(options.bins ?? 15, Infinity);
    this.norm = checkNorm(options.norm ?? 'l1');
    const scope = options.scope ?? 'top-label';
    if (scope !== 'top-label' && scope !== 'classwise') throw new LosskitError('INVALID_ARGUMENT', 'unknown scope', { argument: 'scope', expected: "'top-label' or 'classwise'", received: String(scope) });
    this.scope = scope;
  }

  get count(): number {
    return this.n;
  }

  update(predictions: Predictions, labels: Labels): void {
    const m = readMatrix(predictions);
    if (this.n > 0 && m.c !== this.classes) {
      throw new LosskitError('SHAPE_MISMATCH', 'every batch needs the same number of classes', { argument: 'predictions', expected: `${this.classes} columns`, received: `${m.c} columns` });
    }
    const y = readLabels(labels, m.n, m.c);
    const p = probsOf(m, this.from);
    if (this.n === 0) {
      this.classes = m.c;
      const size = (this.scope === 'classwise' ? m.c : 1) * this.bins;
      this.counts = new Float64Array(size);
      this.sumConf = new Float64Array(size);
      this.sumOut = new Float64Array(size);
    }
    const add = (k: number, conf: number, out: number) => {
      this.counts[k]!++;
      this.sumConf[k]! += conf;
      this.sumOut[k]! += out;
    };
    if (this.scope === 'top-label') {
      const { confidence, prediction } = topLabel(p, m.n, m.c);
      for (let i = 0; i < m.n; i++) add(widthBinIndex(confidence[i]!, this.bins), confidence[i]!, prediction[i] === y[i] ? 1 : 0);
    } else {
      // Class-major order, as the batch classwiseEce loops over classes then samples.
      for (let c = 0; c < m.c; c++) for (let i = 0; i < m.n; i++) add(c * this.bins + widthBinIndex(p[i * m.c + c]!, this.bins), p[i * m.c + c]!, y[i] === c ? 1 : 0);
    }
    this.n += m.n;
  }

  result(): number {
    if (this.n === 0) throw new LosskitError('EMPTY_BATCH', 'no batch added since the last reset', { argument: 'update', expected: 'at least one update(predictions, labels)' });
    checkBins(this.bins, this.n); // as the batch metric: at most N bins
    const groups = this.scope === 'classwise' ? this.classes : 1;
    let s = 0;
    for (let g = 0; g < groups; g++) {
      const bins: Bin[] = [];
      for (let m = 0; m < this.bins; m++) {
        const k = g * this.bins + m;
        const c = this.counts[k]!;
        bins.push({ lo: m / this.bins, hi: (m + 1) / this.bins, count: c, confidence: c > 0 ? this.sumConf[k]! / c : NaN, accuracy: c > 0 ? this.sumOut[k]! / c : NaN });
      }
      s += aggregateGaps(bins, this.norm);
    }
    return s / groups;
  }

  reset(): void {
    this.n = 0;
    this.classes = 0;
  }
}

/** A batch metric of this package: `(predictions, labels, options) => number`. */
export type BatchMetric<O> = (predictions: number[][], labels: number[], options: O) => number;

/**
 * Streaming form of any batch metric of this package (ACE, MMCE, KS, equal-mass ECE, NLL, ...): `update` keeps the
 * validated rows and labels (O(N·C) memory, as torchmetrics' calibration metrics keep every confidence), `result()` calls the
 * metric on their concatenation, so it equals the batch metric exactly.
 *
 * @example
 * const m = streamingMetric(ace, { bins: 10 });
 * m.update(logitsA, labelsA); m.update(logitsB, labelsB);
 * m.result(); // === ace([...logitsA, ...logitsB], [...labelsA, ...labelsB], { bins: 10 })
 */
export function streamingMetric<O>(metric: BatchMetric<O>, options: O): StreamingMetric {
  if (typeof metric !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'metric must be a function', { argument: 'metric', expected: 'a metric such as ace or ece' });
  let rows: number[][] = [];
  let labels: number[] = [];
  let classes = 0;
  return {
    update(predictions: Predictions, y: Labels) {
      const m = readMatrix(predictions);
      if (rows.length > 0 && m.c !== classes) throw new LosskitError('SHAPE_MISMATCH', 'every batch needs the same number of classes', { argument: 'predictions', expected: `${classes} columns`, received: `${m.c} columns` });
      const lab = readLabels(y, m.n, m.c);
      classes = m.c;
      rows = rows.concat(toRows(m.data, m.n, m.c));
      labels = labels.concat(Array.from(lab));
    },
    result() {
      if (rows.length === 0) throw new LosskitError('EMPTY_BATCH', 'no batch added since the last reset', { argument: 'update', expected: 'at least one update(predictions, labels)' });
      return metric(rows, labels, options);
    },
    reset() {
      rows = [];
      labels = [];
    },
    get count() {
      return rows.length;
    },
  };
}

/** A streaming regression metric (inputs as {@link uce}). */
export interface StreamingRegressionMetric<R> {
  update(predictions: GaussianPredictions, targets: Targets): void;
  result(): R;
  reset(): void;
  readonly count: number;
}

/**
 * Streaming form of a regression metric (`uce`, `ence`, `picp`, `qce`, `gaussianNll`): keeps the validated means, standard
 * deviations and targets and calls the metric on their concatenation (its bins span the range of everything seen).
 *
 * @example
 * const m = streamingRegressionMetric(uce, { bins: 10 });
 * m.update({ mean, std }, y); m.result();
 */
export function streamingRegressionMetric<O, R>(metric: (p: GaussianPredictions, y: Targets, options: O) => R, options: O): StreamingRegressionMetric<R> {
  if (typeof metric !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'metric must be a function', { argument: 'metric', expected: 'a regression metric such as uce' });
  let mean: number[] = [];
  let std: number[] = [];
  let y: number[] = [];
  return {
    update(predictions: GaussianPredictions, targets: Targets) {
      const g = readGaussian(predictions, targets);
      mean = mean.concat(Array.from(g.mean));
      std = std.concat(Array.from(g.std));
      y = y.concat(Array.from(g.y));
    },
    result() {
      if (mean.length === 0) throw new LosskitError('EMPTY_BATCH', 'no batch added since the last reset', { argument: 'update', expected: 'at least one update(predictions, targets)' });
      return metric({ mean, std }, y, options);
    },
    reset() {
      mean = [];
      std = [];
      y = [];
    },
    get count() {
      return mean.length;
    },
  };
}
