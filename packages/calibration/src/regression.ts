/**
 * Calibration of Gaussian regression predictions (a mean and a standard deviation per sample): the metrics of netcal's
 * `netcal.metrics.regression` (UCE, ENCE, PICP/MPIW, QCE, NLL), its recalibrators (variance scaling, isotonic
 * recalibration of the predicted CDF) and the data of a regression reliability diagram. Float64 on the host.
 */
import { LosskitError, isTensor, params, readHostVector, type TensorLike } from '@losskit/core';
import { evaluateIsotonic, poolAdjacentViolators, type IsotonicMap } from './isotonic.js';
import { readOptions } from './input.js';
import { normalCdf, normalQuantile } from './special.js';

/** Gaussian predictions: per-sample mean and standard deviation, each `[N]` (numbers, a TypedArray or a tensor `[N]` / `[N, 1]`). */
export interface GaussianPredictions {
  readonly mean: unknown;
  readonly std: unknown;
}

/** Regression targets `[N]`. */
export type Targets = unknown;

/** @internal Reads a finite vector `[N]` (a `[N, 1]` tensor or nested `[[v], ...]` is accepted too). */
export function readVector(v: unknown, name: string, n?: number): Float64Array {
  return readHostVector(v as TensorLike, name, { n, column: true, noun: 'samples' });
}

/** @internal Reads `{ mean, std }` (std > 0) and, when given, the targets. */
export function readGaussian(pred: GaussianPredictions, targets?: Targets): { mean: Float64Array; std: Float64Array; y: Float64Array; n: number } {
  if (!pred || typeof pred !== 'object' || Array.isArray(pred) || isTensor(pred)) {
    throw new LosskitError('INVALID_ARGUMENT', 'predictions must be { mean, std }', { argument: 'predictions', expected: '{ mean: [N], std: [N] }', received: pred === null ? 'null' : Array.isArray(pred) ? 'an array' : typeof pred });
  }
  const mean = readVector(pred.mean, 'predictions.mean');
  const std = readVector(pred.std, 'predictions.std', mean.length);
  std.forEach((s, i) => {
    if (!(s > 0)) throw new LosskitError('INVALID_ARGUMENT', 'standard deviations must be > 0', { argument: 'predictions.std', expected: 'numbers > 0', received: `${s} at index ${i}` });
  });
  const y = targets === undefined ? new Float64Array(0) : readVector(targets, 'targets', mean.length);
  return { mean, std, y, n: mean.length };
}

function readLevels(q: unknown, name: string): number[] {
  const list = typeof q === 'number' ? [q] : q;
  if (!Array.isArray(list) || list.length === 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: name, expected: 'a level in (0, 1) or a non-empty array of them', received: String(q) });
  return list.map((v) => params.openUnitInterval(name, v));
}

function regressionBins(b: unknown): number {
  return params.positiveInteger('bins', b ?? 10);
}

/**
 * Equal-width bins over `[min v, max v]` as netcal (`np.linspace(min, max, M + 1)` edges, bins `[e_m, e_{m+1})`, the last one
 * closed). When every value is equal, everything is in the first bin.
 */
function binIndices(v: Float64Array, bins: number): Int32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const step = (hi - lo) / bins;
  const edge = (m: number) => (m === bins ? hi : lo + m * step);
  return Int32Array.from(v, (x) => {
    if (!(hi > lo)) return 0;
    let m = Math.min(Math.floor((x - lo) / step), bins - 1);
    while (m > 0 && x < edge(m)) m--;
    while (m < bins - 1 && x >= edge(m + 1)) m++;
    return m;
  });
}

/** Options of the binned regression metrics. */
export interface RegressionBinOptions {
  /** Number of equal-width bins over the range of the predicted variance (UCE) or standard deviation (ENCE, QCE). Default 10. */
  readonly bins?: number;
}

/**
 * Uncertainty calibration error for regression (Laves et al. 2020; netcal `UCE`):
 * `UCE = Σ_m (|B_m| / N) · |MSE(B_m) − MV(B_m)|`, bins over the predicted variance σ² (equal width between its minimum and
 * maximum, `[lo, hi)` with the last bin closed, as netcal), `MSE(B) = mean (y − μ)²`, `MV(B) = mean σ²`.
 *
 * Shapes: `{ mean: [N], std: [N] }`, targets `[N]` → number ≥ 0 (in squared target units). Default 10 bins.
 *
 * @example
 * uce({ mean: [0, 0], std: [1, 1] }, [1, -1], { bins: 1 }); // |1 − 1| = 0
 *
 * Paper: "Well-calibrated regression uncertainty in medical imaging with deep learning", Laves, Ihler, Fast, Kahrs,
 * Ortmaier, MIDL 2020.
 */
export function uce(predictions: GaussianPredictions, targets: Targets, options: RegressionBinOptions = {}): number {
  const bins = regressionBins(readOptions(options).bins);
  const { mean, std, y, n } = readGaussian(predictions, targets);
  const variance = std.map((s) => s * s);
  const idx = binIndices(variance, bins);
  const cnt = new Float64Array(bins);
  const mse = new Float64Array(bins);
  const mv = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const b = idx[i]!;
    cnt[b]!++;
    mse[b]! += (y[i]! - mean[i]!) ** 2;
    mv[b]! += variance[i]!;
  }
  let out = 0;
  for (let b = 0; b < bins; b++) if (cnt[b]! > 0) out += Math.abs(mse[b]! - mv[b]!) / n;
  return out;
}

/**
 * Expected normalized calibration error (Levi et al. 2019; netcal `ENCE`):
 * `ENCE = (1/M') Σ_m |RMV(B_m) − RMSE(B_m)| / RMV(B_m)` over the M' non-empty bins, bins over the predicted σ (equal
 * width between its minimum and maximum), `RMV(B) = sqrt(mean σ²)`, `RMSE(B) = sqrt(mean (y − μ)²)`. Scale-free.
 *
 * Shapes: `{ mean: [N], std: [N] }`, targets `[N]` → number ≥ 0. Default 10 bins.
 *
 * @example
 * ence({ mean: [0, 0], std: [1, 1] }, [2, 2], { bins: 1 }); // |1 − 2| / 1 = 1
 *
 * Paper: "Evaluating and Calibrating Uncertainty Prediction in Regression Tasks", Levi, Gispan, Giladi, Fetaya, 2019
 * (arXiv:1905.11659; Sensors 2022).
 */
export function ence(predictions: GaussianPredictions, targets: Targets, options: RegressionBinOptions = {}): number {
  const bins = regressionBins(readOptions(options).bins);
  const { mean, std, y, n } = readGaussian(predictions, targets);
  const idx = binIndices(std, bins);
  const cnt = new Float64Array(bins);
  const mse = new Float64Array(bins);
  const mv = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const b = idx[i]!;
    cnt[b]!++;
    mse[b]! += (y[i]! - mean[i]!) ** 2;
    mv[b]! += std[i]! ** 2;
  }
  let s = 0;
  let m = 0;
  for (let b = 0; b < bins; b++) {
    if (cnt[b] === 0) continue;
    const rmv = Math.sqrt(mv[b]! / cnt[b]!);
    const rmse = Math.sqrt(mse[b]! / cnt[b]!);
    s += Math.abs(rmv - rmse) / rmv;
    m++;
  }
  return s / m;
}

/** Options of {@link picp}. */
export interface PicpOptions {
  /** Coverage level(s) q of the central prediction interval. Default 0.95. Results are averaged over the levels (netcal's `batchmean`). */
  readonly q?: number | readonly number[];
}

/**
 * Prediction interval coverage probability and mean prediction interval width (netcal `PICP`): for a level q the central
 * Gaussian interval is `μ ± σ·Φ⁻¹((1 + q)/2)`; `PICP = (1/N) Σ_i 1[y_i inside]` (bounds included) and
 * `MPIW = (1/N) Σ_i 2σ_i Φ⁻¹((1 + q)/2)`. With several levels both are averaged over them.
 *
 * Shapes: `{ mean: [N], std: [N] }`, targets `[N]` → `{ picp, mpiw }`. Default q = 0.95.
 *
 * @example
 * picp({ mean: [0, 0], std: [1, 1] }, [1, 3], { q: 0.95 }); // { picp: 0.5, mpiw: 3.92 }
 *
 * Paper: "High-Quality Prediction Intervals for Deep Learning: A Distribution-Free, Ensembled Approach", Pearce, Zaki,
 * Brintrup, Neely, ICML 2018 (PICP, MPIW); netcal's definition (Küppers et al. 2022).
 */
export function picp(predictions: GaussianPredictions, targets: Targets, options: PicpOptions = {}): { picp: number; mpiw: number } {
  const levels = readLevels(readOptions(options).q ?? 0.95, 'q');
  const { mean, std, y, n } = readGaussian(predictions, targets);
  let cover = 0;
  let width = 0;
  for (const q of levels) {
    const z = normalQuantile((1 + q) / 2);
    let c = 0;
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (Math.abs(y[i]! - mean[i]!) <= z * std[i]!) c++;
      w += 2 * z * std[i]!;
    }
    cover += c / n;
    width += w / n;
  }
  return { picp: cover / levels.length, mpiw: width / levels.length };
}

/** Options of {@link qce}. */
export interface QceOptions extends RegressionBinOptions {
  /** Quantile levels q. Default 0.05, 0.10, …, 0.95 (19 levels). */
  readonly q?: number | readonly number[];
  /**
   * `true` (default, netcal's default): `|PICP(q) − q|` over all samples. `false`: conditional on the predicted σ — bins over
   * σ (equal width), `Σ_m (|B_m|/N)·|PICP_m(q) − q|`.
   */
  readonly marginal?: boolean;
}

const DEFAULT_LEVELS = Array.from({ length: 19 }, (_, k) => Math.round((k + 1) * 5) / 100);

/**
 * Quantile calibration error (Küppers et al. 2022; netcal `QCE`): for each level q, the gap between the coverage of the
 * central q-interval `μ ± σ·Φ⁻¹((1 + q)/2)` and q, averaged over the levels:
 * `QCE = (1/|Q|) Σ_q |PICP(q) − q|` (marginal), or `(1/|Q|) Σ_q Σ_m (|B_m|/N)|PICP_m(q) − q|` with bins over σ.
 *
 * Shapes: `{ mean: [N], std: [N] }`, targets `[N]` → number in [0, 1]. Defaults: 19 levels 0.05…0.95, marginal, 10 bins.
 *
 * @example
 * qce({ mean: [0, 0], std: [1, 1] }, [0.1, 5], { q: 0.5 }); // |0.5 − 0.5| = 0
 *
 * Paper: "Parametric and Multivariate Uncertainty Calibration for Regression and Object Detection", Küppers, Schneider,
 * Haselhoff, ECCV Workshops 2022.
 */
export function qce(predictions: GaussianPredictions, targets: Targets, options: QceOptions = {}): number {
  options = readOptions(options);
  const levels = readLevels(options.q ?? DEFAULT_LEVELS, 'q');
  const marginal = params.boolean('marginal', options.marginal ?? true);
  if (typeof marginal !== 'boolean') throw new LosskitError('INVALID_ARGUMENT', 'marginal must be a boolean', { argument: 'marginal', received: typeof marginal });
  const requested = regressionBins(options.bins); // validated even when unused (marginal)
  const bins = marginal ? 1 : requested;
  const { mean, std, y, n } = readGaussian(predictions, targets);
  const idx = marginal ? new Int32Array(n) : binIndices(std, bins);
  let total = 0;
  for (const q of levels) {
    const z = normalQuantile((1 + q) / 2);
    const cnt = new Float64Array(bins);
    const hit = new Float64Array(bins);
    for (let i = 0; i < n; i++) {
      cnt[idx[i]!]!++;
      if (Math.abs(y[i]! - mean[i]!) <= z * std[i]!) hit[idx[i]!]!++;
    }
    for (let b = 0; b < bins; b++) if (cnt[b]! > 0) total += (cnt[b]! / n) * Math.abs(hit[b]! / cnt[b]! - q);
  }
  return total / levels.length;
}

/**
 * Mean Gaussian negative log-likelihood: `(1/N) Σ_i [½ log(2π σ_i²) + (y_i − μ_i)² / (2σ_i²)]` (netcal `NLL` for a normal).
 * Shapes: `{ mean: [N], std: [N] }`, targets `[N]` → number.
 *
 * @example
 * gaussianNll({ mean: [0], std: [1] }, [0]); // ½ log 2π ≈ 0.9189
 */
export function gaussianNll(predictions: GaussianPredictions, targets: Targets): number {
  const { mean, std, y, n } = readGaussian(predictions, targets);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const z = (y[i]! - mean[i]!) / std[i]!;
    s += 0.5 * Math.log(2 * Math.PI) + Math.log(std[i]!) + 0.5 * z * z;
  }
  return s / n;
}

/**
 * Probability integral transform of each target under its Gaussian: `u_i = Φ((y_i − μ_i)/σ_i)`. Calibrated predictions give
 * uniform u. Shapes: `{ mean: [N], std: [N] }`, targets `[N]` → `number[]` `[N]`.
 *
 * @example
 * gaussianPit({ mean: [0], std: [1] }, [0]); // [0.5]
 */
export function gaussianPit(predictions: GaussianPredictions, targets: Targets): number[] {
  const { mean, std, y, n } = readGaussian(predictions, targets);
  return Array.from({ length: n }, (_, i) => normalCdf((y[i]! - mean[i]!) / std[i]!));
}

/** A regression reliability curve: expected quantile level against observed frequency of `y ≤ q_τ`. */
export interface RegressionReliabilityData {
  readonly levels: readonly number[];
  /** Observed frequency of `y_i ≤ q_τ(x_i)`, i.e. of `u_i ≤ τ` for the PIT values u. */
  readonly observed: readonly number[];
  /** `(1/L) Σ_τ |observed(τ) − τ|`: the calibration error of Kuleshov et al. with uniform level weights. */
  readonly error: number;
  readonly count: number;
}

/**
 * The data of a regression reliability diagram (Kuleshov et al. 2018; netcal `ReliabilityRegression`): for levels τ, the
 * fraction of samples whose target lies below the predicted τ-quantile. Takes PIT values (`gaussianPit(...)`, or a
 * recalibrator's `cdf(...)`): `observed(τ) = (1/N) Σ_i 1[u_i ≤ τ]`. Perfect calibration is the diagonal.
 * Render it with {@link renderRegressionReliabilitySvg}.
 *
 * Shapes: `u` `[N]` in [0, 1] → data with L points. Default levels 0.05, …, 0.95.
 *
 * @example
 * renderRegressionReliabilitySvg(regressionReliability(gaussianPit(pred, y)));
 *
 * Paper: "Accurate Uncertainties for Deep Learning Using Calibrated Regression", Kuleshov, Fenner, Ermon, ICML 2018.
 */
export function regressionReliability(pit: unknown, options: { readonly levels?: readonly number[] } = {}): RegressionReliabilityData {
  const levels = readLevels(readOptions(options).levels ?? DEFAULT_LEVELS, 'levels');
  const u = readVector(pit, 'pit');
  u.forEach((v, i) => {
    if (v < 0 || v > 1) throw new LosskitError('INVALID_ARGUMENT', 'PIT values are probabilities', { argument: 'pit', expected: 'values in [0, 1]', received: `${v} at index ${i}` });
  });
  const observed = levels.map((t) => u.reduce((s, v) => s + (v <= t ? 1 : 0), 0) / u.length);
  const error = observed.reduce((s, o, k) => s + Math.abs(o - levels[k]!), 0) / levels.length;
  return { levels, observed, error, count: u.length };
}

const f2 = (v: number) => (Math.round(v * 100) / 100).toString();

/**
 * Renders regression reliability data as a standalone SVG string: observed frequency against expected level (points joined
 * by a line), the diagonal of perfect calibration, and the mean absolute gap in the caption.
 *
 * @example
 * writeFileSync('regression-reliability.svg', renderRegressionReliabilitySvg(regressionReliability(pit)));
 */
export function renderRegressionReliabilitySvg(data: RegressionReliabilityData, options: { readonly width?: number; readonly title?: string } = {}): string {
  const d = data as Partial<RegressionReliabilityData> | null;
  const ok = !!d && Array.isArray(d.levels) && Array.isArray(d.observed) && d.levels.length === d.observed.length && d.levels.length > 0 &&
    [...d.levels, ...d.observed, d.error, d.count].every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0);
  if (!ok) throw new LosskitError('INVALID_ARGUMENT', 'not regression reliability data', { argument: 'data', expected: 'the result of regressionReliability()' });
  options = readOptions(options);
  const width = params.positive('width', options.width ?? 360);
  if (options.title !== undefined && typeof options.title !== 'string') throw new LosskitError('INVALID_ARGUMENT', 'title must be a string', { argument: 'title', received: typeof options.title });
  const title = (options.title ?? 'Regression reliability').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const pad = { l: 44, r: 12, t: 28, b: 36 };
  const plot = width - pad.l - pad.r;
  const height = pad.t + plot + pad.b;
  const X = (v: number) => pad.l + v * plot;
  const Y = (v: number) => pad.t + (1 - v) * plot;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${f2(width)}" height="${f2(height)}" viewBox="0 0 ${f2(width)} ${f2(height)}" font-family="sans-serif" font-size="11">`);
  out.push(`<title>${title}</title>`);
  out.push(`<rect x="0" y="0" width="${f2(width)}" height="${f2(height)}" fill="white"/>`);
  out.push(`<text x="${f2(pad.l)}" y="16" font-size="13" font-weight="bold">${title}</text>`);
  out.push(`<rect class="frame" x="${f2(pad.l)}" y="${f2(pad.t)}" width="${f2(plot)}" height="${f2(plot)}" fill="none" stroke="#444"/>`);
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<text x="${f2(X(t))}" y="${f2(Y(0) + 15)}" text-anchor="middle">${t}</text><text x="${f2(pad.l - 6)}" y="${f2(Y(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  out.push(`<line class="identity" x1="${f2(X(0))}" y1="${f2(Y(0))}" x2="${f2(X(1))}" y2="${f2(Y(1))}" stroke="#222" stroke-dasharray="4 3"/>`);
  const pts = d.levels!.map((t, k) => `${f2(X(t))},${f2(Y(d.observed![k]!))}`);
  out.push(`<polyline class="observed" points="${pts.join(' ')}" fill="none" stroke="#4878d0" stroke-width="2"/>`);
  pts.forEach((p, k) => {
    const [x, y] = p.split(',');
    out.push(`<circle class="point" data-level="${d.levels![k]}" cx="${x}" cy="${y}" r="2.5" fill="#1f3f7a"/>`);
  });
  out.push(`<text x="${f2(pad.l + 6)}" y="${f2(pad.t + 14)}">mean |gap| ${(d.error! * 100).toFixed(2)}% · N ${d.count}</text>`);
  out.push(`<text x="${f2(X(0.5))}" y="${f2(Y(0) + 28)}" text-anchor="middle">expected quantile level</text>`);
  out.push(`<text transform="translate(12 ${f2(Y(0.5))}) rotate(-90)" text-anchor="middle">observed frequency</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/** The JSON envelope of a saved regression recalibrator. */
/** @internal The JSON envelope of a saved regression calibrator. */
export interface RegressionJson {
  readonly format: 'losskit-regression-calibrator';
  readonly version: 1;
  readonly kind: 'variance-scaling' | 'isotonic-quantile' | 'lsboost';
  readonly state: Record<string, unknown>;
}

/** @internal Parses and checks the envelope of a saved regression calibrator of the given kind. */
export function parseRegression(json: unknown, kind: RegressionJson['kind']): RegressionJson {
  let o: unknown;
  try {
    o = typeof json === 'string' ? JSON.parse(json) : json;
  } catch (e) {
    throw new LosskitError('INVALID_ARGUMENT', 'not valid JSON', { argument: 'json', received: String(e) });
  }
  const r = o as Partial<RegressionJson> | null;
  if (!r || r.format !== 'losskit-regression-calibrator' || r.version !== 1 || typeof r.state !== 'object' || r.state === null) {
    throw new LosskitError('INVALID_ARGUMENT', 'not a saved losskit regression calibrator', { argument: 'json', expected: "{ format: 'losskit-regression-calibrator', version: 1, ... }" });
  }
  if (r.kind !== kind) throw new LosskitError('INVALID_ARGUMENT', 'saved calibrator has another kind', { argument: 'json', expected: kind, received: String(r.kind) });
  return r as RegressionJson;
}

/**
 * Variance scaling (Levi et al. 2019; Laves et al. 2020; netcal `VarianceScaling`): one factor s > 0 on every predicted
 * standard deviation, the closed-form maximiser of the Gaussian likelihood on held-out data:
 * `s² = (1/N) Σ_i (y_i − μ_i)² / σ_i²`, then `σ' = s·σ`, `μ' = μ`.
 *
 * Shapes: fit `{ mean: [N], std: [N] }` + targets `[N]`; transform `{ mean: [M], std: [M] }` → `{ mean, std }` as `number[]`.
 *
 * @example
 * const vs = VarianceScaling.fit(valPred, valY);
 * gaussianNll(vs.transform(testPred), testY);
 *
 * Paper: "Evaluating and Calibrating Uncertainty Prediction in Regression Tasks", Levi et al., 2019.
 */
export class VarianceScaling {
  readonly kind = 'variance-scaling' as const;
  private constructor(readonly scale: number) {}

  static fit(predictions: GaussianPredictions, targets: Targets): VarianceScaling {
    const { mean, std, y, n } = readGaussian(predictions, targets);
    let s = 0;
    for (let i = 0; i < n; i++) s += ((y[i]! - mean[i]!) / std[i]!) ** 2;
    const scale = Math.sqrt(s / n);
    // A perfect fit (every residual 0) would give s = 0 and a degenerate distribution.
    if (!(scale > 0) || !Number.isFinite(scale)) throw new LosskitError('INVALID_ARGUMENT', 'variance scaling needs a residual that is not 0', { argument: 'targets', expected: 'at least one target different from its predicted mean', received: `scale ${scale}` });
    return new VarianceScaling(scale);
  }

  static load(json: string | object): VarianceScaling {
    const o = parseRegression(json, 'variance-scaling');
    const s = o.state['scale'];
    if (typeof s !== 'number' || !(s > 0) || !Number.isFinite(s)) throw new LosskitError('INVALID_ARGUMENT', "bad field 'scale' in saved calibrator", { argument: 'json', expected: 'a finite number > 0', received: String(s) });
    return new VarianceScaling(s);
  }

  transform(predictions: GaussianPredictions): { mean: number[]; std: number[] } {
    const { mean, std } = readGaussian(predictions);
    return { mean: Array.from(mean), std: Array.from(std, (s) => s * this.scale) };
  }

  save(): string {
    return JSON.stringify({ format: 'losskit-regression-calibrator', version: 1, kind: this.kind, state: { scale: this.scale } });
  }
}

/**
 * Isotonic recalibration of the predicted CDF (Kuleshov et al. 2018; netcal's regression `IsotonicRegression`):
 * with PIT values `u_i = F_i(y_i) = Φ((y_i − μ_i)/σ_i)` on held-out data, fit a non-decreasing map R by pool-adjacent-violators
 * of the empirical frequencies `P̂(u_i) = #{j : u_j ≤ u_i}/N` on `u_i` (plus the anchors R(0) = 0 and R(1) = 1, linear
 * between knots). The recalibrated CDF is `R(F_i(y))`, and its τ-quantile `F_i⁻¹(R⁻¹(τ))` with
 * `R⁻¹(τ) = inf{u : R(u) ≥ τ}` (linear between knots).
 *
 * Shapes: fit `{ mean: [N], std: [N] }` + targets `[N]`; `cdf(pred, y)` → `[M]`; `quantiles(pred, levels)` → `[M][L]`;
 * `interval(pred, q)` → `{ lower: [M], upper: [M] }`.
 *
 * @example
 * const iso = IsotonicQuantileRecalibration.fit(valPred, valY);
 * regressionReliability(iso.cdf(testPred, testY)); // near the diagonal
 *
 * Paper: "Accurate Uncertainties for Deep Learning Using Calibrated Regression", Kuleshov, Fenner, Ermon, ICML 2018.
 */
export class IsotonicQuantileRecalibration {
  readonly kind = 'isotonic-quantile' as const;
  private constructor(readonly map: IsotonicMap) {}

  static fit(predictions: GaussianPredictions, targets: Targets): IsotonicQuantileRecalibration {
    const u = gaussianPit(predictions, targets);
    const n = u.length;
    const sorted = [...u].sort((a, b) => a - b);
    // P̂(u_i): the fraction of PIT values ≤ u_i (ties all get the fraction of the last of them).
    const freq = u.map((v) => {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid]! <= v) lo = mid + 1;
        else hi = mid;
      }
      return lo / n;
    });
    const fit = poolAdjacentViolators([0, ...u, 1], [0, ...freq, 1]);
    return new IsotonicQuantileRecalibration(fit);
  }

  static load(json: string | object): IsotonicQuantileRecalibration {
    const o = parseRegression(json, 'isotonic-quantile');
    const m = o.state['map'] as { x?: unknown; y?: unknown } | undefined;
    const ok = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((t, i) => typeof t === 'number' && t >= 0 && t <= 1 && (i === 0 || t >= (v[i - 1] as number)));
    if (!m || !ok(m.x) || !ok(m.y) || m.x.length !== m.y.length) throw new LosskitError('INVALID_ARGUMENT', "bad field 'map' in saved calibrator", { argument: 'json', expected: '{ x, y }: equal-length non-decreasing numbers in [0, 1]' });
    return new IsotonicQuantileRecalibration({ x: m.x, y: m.y });
  }

  /** Recalibrated CDF values `R(Φ((y − μ)/σ))` `[M]`. */
  cdf(predictions: GaussianPredictions, targets: Targets): number[] {
    return gaussianPit(predictions, targets).map((u) => evaluateIsotonic(this.map, u));
  }

  /** `R⁻¹(τ) = inf{u : R(u) ≥ τ}`, linear between knots. */
  private inverse(tau: number): number {
    const { x, y } = this.map;
    if (tau <= y[0]!) return x[0]!;
    for (let k = 1; k < x.length; k++) {
      if (y[k]! >= tau) {
        const y0 = y[k - 1]!;
        return y[k]! > y0 ? x[k - 1]! + ((tau - y0) / (y[k]! - y0)) * (x[k]! - x[k - 1]!) : x[k]!;
      }
    }
    return x[x.length - 1]!;
  }

  /** Recalibrated τ-quantiles `[M][L]` for levels τ in (0, 1). */
  quantiles(predictions: GaussianPredictions, levels: readonly number[]): number[][] {
    const taus = readLevels(levels, 'levels');
    const { mean, std, n } = readGaussian(predictions);
    // R⁻¹(τ) is inside (0, 1) for τ in (0, 1) unless R is flat at an end; clamp so the quantile stays finite.
    const z = taus.map((t) => normalQuantile(Math.min(Math.max(this.inverse(t), Number.EPSILON), 1 - Number.EPSILON)));
    return Array.from({ length: n }, (_, i) => z.map((v) => mean[i]! + std[i]! * v));
  }

  /** The recalibrated central q-interval: the (1 − q)/2 and (1 + q)/2 quantiles. */
  interval(predictions: GaussianPredictions, q: number): { lower: number[]; upper: number[] } {
    const level = params.openUnitInterval('q', q);
    const qs = this.quantiles(predictions, [(1 - level) / 2, (1 + level) / 2]);
    return { lower: qs.map((r) => r[0]!), upper: qs.map((r) => r[1]!) };
  }

  save(): string {
    return JSON.stringify({ format: 'losskit-regression-calibrator', version: 1, kind: this.kind, state: { map: { x: [...this.map.x], y: [...this.map.y] } } });
  }
}
