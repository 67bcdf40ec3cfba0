/**
 * Binned calibration errors: ECE (with L1 / L2 / max norms, equal-width or equal-mass bins), MCE,
 * class-wise ECE and top-label ECE. All computed in float64 on the host.
 */
import { binStatistics, aggregateGaps, checkNorm, checkStrategy, type BinStrategy, type Norm } from './binning.js';
import { checkBins, readLabels, readOptions, readProbs, topLabel, type From, type Labels, type Predictions } from './input.js';

/** Options shared by the binned calibration errors. */
export interface BinnedErrorOptions {
  /** What the predictions hold. Default `'logits'` (as `compile()` in @losskit/core). */
  readonly from?: From;
  /** Number of bins M. Default 15. Must not exceed the number of samples. */
  readonly bins?: number;
  /** `'width'` (default): equal-width bins `(m/M, (m+1)/M]`; `'mass'`: equal-count (adaptive) bins. */
  readonly strategy?: BinStrategy;
  /** `'l1'` (default) = ECE, `'l2'` = RMS calibration error, `'max'` = MCE. */
  readonly norm?: Norm;
}

function resolve(predictions: Predictions, labels: Labels, options: BinnedErrorOptions | undefined) {
  options = readOptions(options);
  const p = readProbs(predictions, options.from ?? 'logits');
  const y = readLabels(labels, p.n, p.c);
  const bins = checkBins(options.bins ?? 15, p.n);
  return { p, y, bins, strategy: checkStrategy(options.strategy ?? 'width'), norm: checkNorm(options.norm ?? 'l1') };
}

/**
 * Expected calibration error of the top-label confidence (Naeini et al. 2015; Guo et al. 2017).
 *
 * `ECE = Σ_m (|B_m| / N) · |acc(B_m) − conf(B_m)|`, where `conf_i = max_c p_ic`, `acc_i = 1[argmax_c p_ic = y_i]`,
 * bins `B_m = (m/M, (m+1)/M]` (confidence 0 → first bin, 1 → last bin). `norm: 'l2'` gives
 * `sqrt(Σ_m (|B_m|/N)(acc − conf)²)` and `norm: 'max'` gives `max_m |acc − conf|` over non-empty bins.
 * `strategy: 'mass'` uses M bins of ⌊N/M⌋ or ⌈N/M⌉ samples each (adaptive ECE, Nixon et al. 2019);
 * ties in confidence may straddle two bins.
 *
 * Shapes: predictions `[N, C]`, labels `[N]` → number. Defaults: 15 bins, equal width, L1, `from: 'logits'`.
 *
 * @example
 * ece([[0.2, 0.8], [0.9, 0.1]], [1, 1], { from: 'probs', bins: 2 }); // one bin (0.5, 1]: |0.5 − 0.85| = 0.35
 *
 * Paper: "On Calibration of Modern Neural Networks", Guo, Pleiss, Sun, Weinberger, 2017.
 */
export function ece(predictions: Predictions, labels: Labels, options: BinnedErrorOptions = {}): number {
  const { p, y, bins, strategy, norm } = resolve(predictions, labels, options);
  const { confidence, prediction } = topLabel(p.data, p.n, p.c);
  const correct = Float64Array.from(prediction, (v, i) => (v === y[i] ? 1 : 0));
  return aggregateGaps(binStatistics(confidence, correct, bins, strategy), norm);
}

/** Alias of {@link ece}. */
export const expectedCalibrationError = ece;

/**
 * Maximum calibration error: `MCE = max_m |acc(B_m) − conf(B_m)|` over non-empty top-label confidence bins
 * (Naeini et al. 2015). Same inputs and options as {@link ece} (the `norm` option is ignored).
 *
 * @example
 * mce([[0.6, 0.4], [0.1, 0.9]], [1, 1], { from: 'probs', bins: 2 }); // bins (0.5, 1]: conf 0.75, acc 0.5 → 0.25
 *
 * Paper: "Obtaining Well Calibrated Probabilities Using Bayesian Binning", Naeini, Cooper, Hauskrecht, 2015.
 */
export function mce(predictions: Predictions, labels: Labels, options: Omit<BinnedErrorOptions, 'norm'> = {}): number {
  return ece(predictions, labels, { ...readOptions(options), norm: 'max' });
}

/** Alias of {@link mce}. */
export const maximumCalibrationError = mce;

/**
 * Class-wise ECE (Kull et al. 2019): the mean over classes of the binned calibration error of `p_c`
 * against `1[y = c]`.
 *
 * `classwiseECE = (1/C) Σ_c Σ_m (|B_mc| / N) · |freq_c(B_mc) − mean p_c(B_mc)|`, bins over `p_c` as in {@link ece}.
 * Shapes: `[N, C]`, `[N]` → number. Defaults as {@link ece}.
 *
 * @example
 * classwiseEce(probs, labels, { from: 'probs' });
 *
 * Paper: "Beyond temperature scaling: Obtaining well-calibrated multiclass probabilities with Dirichlet
 * calibration", Kull, Perello-Nieto, Kängsepp, Silva Filho, Song, Flach, 2019.
 */
export function classwiseEce(predictions: Predictions, labels: Labels, options: BinnedErrorOptions = {}): number {
  const { p, y, bins, strategy, norm } = resolve(predictions, labels, options);
  const conf = new Float64Array(p.n);
  const hit = new Float64Array(p.n);
  let sum = 0;
  for (let c = 0; c < p.c; c++) {
    for (let i = 0; i < p.n; i++) {
      conf[i] = p.data[i * p.c + c]!;
      hit[i] = y[i] === c ? 1 : 0;
    }
    sum += aggregateGaps(binStatistics(conf, hit, bins, strategy), norm);
  }
  return sum / p.c;
}

/**
 * Top-label ECE (Gupta & Ramdas 2022): calibration of the confidence conditioned on the predicted label.
 *
 * `TL-ECE = Σ_l (N_l / N) · ECE_l`, where `ECE_l` is the binned error of the confidences of the `N_l` samples
 * predicted as class `l` (bins as in {@link ece}). Differs from {@link ece}, which pools all predicted labels.
 * Shapes: `[N, C]`, `[N]` → number. Defaults as {@link ece}.
 *
 * @example
 * topLabelEce(logits, labels);
 *
 * Paper: "Top-label calibration and multiclass-to-binary reductions", Gupta, Ramdas, 2022.
 */
export function topLabelEce(predictions: Predictions, labels: Labels, options: BinnedErrorOptions = {}): number {
  const { p, y, bins, strategy, norm } = resolve(predictions, labels, options);
  const { confidence, prediction } = topLabel(p.data, p.n, p.c);
  let total = 0;
  for (let l = 0; l < p.c; l++) {
    const conf: number[] = [];
    const hit: number[] = [];
    for (let i = 0; i < p.n; i++) {
      if (prediction[i] !== l) continue;
      conf.push(confidence[i]!);
      hit.push(y[i] === l ? 1 : 0);
    }
    if (conf.length === 0) continue;
    total += (conf.length / p.n) * aggregateGaps(binStatistics(conf, hit, bins, strategy), norm);
  }
  return total;
}
