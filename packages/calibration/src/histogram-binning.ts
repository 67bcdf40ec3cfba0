/**
 * Histogram binning (Zadrozny & Elkan 2001), one-vs-rest for multiclass, then renormalised.
 */
import { LosskitError, params } from '@losskit/core';
import { widthBinIndex } from './binning.js';
import { Calibrator, numbers, parseCalibrator, type CalibratorJson } from './calibrator.js';
import { checkBins, checkFrom, probsOf, readLabels, readMatrix, readOptions, type From, type HostMatrix, type Labels, type Predictions } from './input.js';

/** Options of {@link HistogramBinning.fit}. */
export interface HistogramBinningOptions {
  /** What the predictions hold. Default `'logits'` (softmax is applied first). */
  readonly from?: From;
  /** Equal-width bins per class. Default 15. Must not exceed N. */
  readonly bins?: number;
  /** Renormalise the C one-vs-rest outputs to sum to 1. Default true. */
  readonly normalize?: boolean;
}

/** Divides each row by its sum; an all-zero row becomes uniform. */
export function renormalize(out: Float64Array, n: number, c: number): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += out[i * c + j]!;
    for (let j = 0; j < c; j++) out[i * c + j] = s > 0 ? out[i * c + j]! / s : 1 / c;
  }
}

/**
 * Histogram binning: for each class c, split `p_c` into M equal-width bins `(m/M, (m+1)/M]` (as {@link ece};
 * 0 → first bin, 1 → last) and map every probability in bin m to the frequency of `y = c` among the fit samples in
 * that bin. An empty bin maps to its midpoint `(m + 0.5)/M` (our choice; the paper leaves it open). With
 * `normalize` (default) the C outputs are divided by their sum. The per-class map is piecewise constant.
 *
 * Shapes: fit `[N, C]` + `[N]`; transform `[M, C]` → `[M, C]`. Default 15 bins.
 *
 * @example
 * const hb = HistogramBinning.fit(valProbs, valLabels, { from: 'probs', bins: 10 });
 * hb.transform(testProbs);
 *
 * Paper: "Obtaining calibrated probability estimates from decision trees and naive Bayesian classifiers",
 * Zadrozny, Elkan, 2001.
 */
export class HistogramBinning extends Calibrator {
  readonly kind = 'histogram' as const;
  private constructor(
    from: From,
    classes: number,
    readonly bins: number,
    /** `values[c * bins + m]`: calibrated probability of class c in bin m. */
    readonly values: readonly number[],
    readonly normalize: boolean,
  ) {
    super(from, classes);
  }

  static fit(predictions: Predictions, labels: Labels, options?: HistogramBinningOptions): HistogramBinning {
    options = readOptions(options);
    const from = checkFrom(options.from ?? 'logits');
    const m = readMatrix(predictions);
    const y = readLabels(labels, m.n, m.c);
    const bins = checkBins(options.bins ?? 15, m.n);
    const p = probsOf(m, from);
    const hits = new Float64Array(m.c * bins);
    const counts = new Float64Array(m.c * bins);
    for (let i = 0; i < m.n; i++) {
      for (let c = 0; c < m.c; c++) {
        const b = c * bins + widthBinIndex(p[i * m.c + c]!, bins);
        counts[b]!++;
        if (y[i] === c) hits[b]!++;
      }
    }
    const values = Array.from(counts, (n, k) => (n > 0 ? hits[k]! / n : ((k % bins) + 0.5) / bins));
    return new HistogramBinning(from, m.c, bins, values, params.boolean('normalize', options.normalize ?? true));
  }

  static load(json: string | CalibratorJson): HistogramBinning {
    const o = parseCalibrator(json, 'histogram');
    const bins = o.state['bins'];
    if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 1) throw new LosskitError('INVALID_ARGUMENT', "bad field 'bins' in saved calibrator", { argument: 'json' });
    const values = numbers(o.state, 'values', o.classes * bins);
    if (values.some((v) => v < 0 || v > 1)) throw new LosskitError('INVALID_ARGUMENT', "bad field 'values' in saved calibrator", { argument: 'json', expected: 'bin frequencies in [0, 1]' });
    return new HistogramBinning(o.from, o.classes, bins, values, o.state['normalize'] !== false);
  }

  protected calibrate(m: HostMatrix) {
    const p = probsOf(m, this.from);
    const out = new Float64Array(m.n * m.c);
    for (let i = 0; i < m.n; i++) {
      for (let c = 0; c < m.c; c++) out[i * m.c + c] = this.values[c * this.bins + widthBinIndex(p[i * m.c + c]!, this.bins)]!;
    }
    if (this.normalize) renormalize(out, m.n, m.c);
    return { data: out, c: m.c };
  }

  protected state() {
    return { bins: this.bins, values: [...this.values], normalize: this.normalize };
  }
}
