/**
 * Vector scaling and matrix scaling (Guo et al. 2017), with the off-diagonal and intercept
 * regularisation (ODIR) of Kull et al. (2019). Fitted by float64 L-BFGS on the host.
 */
import { LosskitError, params } from '@losskit/core';
import { Calibrator, numbers, parseCalibrator, scalar, type CalibratorJson } from './calibrator.js';
import { checkFrom, logitsOf, readLabels, readMatrix, readOptions, type From, type HostMatrix, type Labels, type Predictions } from './input.js';
import { logSumExpParts } from '@losskit/core/math';
import { lbfgs } from './lbfgs.js';

/** Options of {@link VectorScaling.fit} and {@link MatrixScaling.fit}. */
export interface AffineScalingOptions {
  /** What the predictions hold. Default `'logits'`. With `'probs'` the input is `log p` (matrix scaling then is Dirichlet calibration). */
  readonly from?: From;
  /** λ: weight of the off-diagonal penalty `λ/(C(C−1)) Σ_{k≠j} W_kj²` (matrix scaling only). Default 0. */
  readonly offDiagonalPenalty?: number;
  /** μ: weight of the intercept penalty `μ/C Σ_k b_k²`. Default 0. */
  readonly interceptPenalty?: number;
  /** L-BFGS iterations at most. Default 500. */
  readonly maxIterations?: number;
}

type Mode = 'vector' | 'matrix';

/** Objective (mean NLL + ODIR) and gradient for parameters θ = [W (row-major C×C, or diag C), b (C)]. */
function affineObjective(z: Float64Array, y: Int32Array, n: number, c: number, mode: Mode, lambda: number, mu: number) {
  const nw = mode === 'matrix' ? c * c : c;
  const u = new Float64Array(c);
  return (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let f = 0;
    for (let i = 0; i < n; i++) {
      const zi = z.subarray(i * c, (i + 1) * c);
      let mx = -Infinity;
      for (let k = 0; k < c; k++) {
        let v = theta[nw + k]!;
        if (mode === 'matrix') for (let j = 0; j < c; j++) v += theta[k * c + j]! * zi[j]!;
        else v += theta[k]! * zi[k]!;
        u[k] = v;
        if (v > mx) mx = v;
      }
      let s = 0;
      for (let k = 0; k < c; k++) s += Math.exp(u[k]! - mx);
      const lse = mx + Math.log(s);
      f += lse - u[y[i]!]!;
      for (let k = 0; k < c; k++) {
        const gk = (Math.exp(u[k]! - lse) - (k === y[i] ? 1 : 0)) / n;
        grad[nw + k]! += gk;
        if (mode === 'matrix') for (let j = 0; j < c; j++) grad[k * c + j]! += gk * zi[j]!;
        else grad[k]! += gk * zi[k]!;
      }
    }
    f /= n;
    if (mode === 'matrix' && lambda > 0 && c > 1) {
      const w = lambda / (c * (c - 1));
      for (let k = 0; k < c; k++) {
        for (let j = 0; j < c; j++) {
          if (j === k) continue;
          const v = theta[k * c + j]!;
          f += w * v * v;
          grad[k * c + j]! += 2 * w * v;
        }
      }
    }
    if (mu > 0) {
      for (let k = 0; k < c; k++) {
        const v = theta[nw + k]!;
        f += (mu / c) * v * v;
        grad[nw + k]! += (2 * mu * v) / c;
      }
    }
    return f;
  };
}

/** The model's input from validated predictions: logits (or log p), or, for Dirichlet calibration, log-probabilities. */
type InputOf = (m: HostMatrix, from: From) => Float64Array;

/** Log-probabilities `[n, c]`: log-softmax of logits (exact, max-shifted), or `log max(p, 1e-300)` of probabilities. */
export function logProbsOf(m: HostMatrix, from: From): Float64Array {
  if (from === 'probs') return logitsOf(m, from);
  const out = new Float64Array(m.n * m.c);
  for (let i = 0; i < m.n; i++) {
    const row = m.data.subarray(i * m.c, (i + 1) * m.c);
    const { max: mx, rel } = logSumExpParts(row);
    for (let j = 0; j < m.c; j++) out[i * m.c + j] = row[j]! - mx - rel;
  }
  return out;
}

function fitAffine(mode: Mode, predictions: Predictions, labels: Labels, options: AffineScalingOptions | undefined, inputOf: InputOf = logitsOf) {
  options = readOptions(options);
  const from = checkFrom(options.from ?? 'logits');
  const lambda = params.nonNegative('offDiagonalPenalty', options.offDiagonalPenalty ?? 0);
  const mu = params.nonNegative('interceptPenalty', options.interceptPenalty ?? 0);
  const maxIterations = params.positiveInteger('maxIterations', options.maxIterations ?? 500);
  const m = readMatrix(predictions);
  const y = readLabels(labels, m.n, m.c);
  const z = inputOf(m, from);
  const c = m.c;
  const nw = mode === 'matrix' ? c * c : c;
  const theta0 = new Float64Array(nw + c);
  for (let k = 0; k < c; k++) theta0[mode === 'matrix' ? k * c + k : k] = 1; // identity start
  const res = lbfgs(affineObjective(z, y, m.n, c, mode, lambda, mu), theta0, { maxIterations });
  return { from, c, weights: Array.from(res.x.subarray(0, nw)), bias: Array.from(res.x.subarray(nw)), value: res.value, converged: res.converged, lambda, mu };
}

function applyAffine(mode: Mode, z: Float64Array, n: number, c: number, weights: readonly number[], bias: readonly number[]): Float64Array {
  const out = new Float64Array(n * c);
  const u = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let k = 0; k < c; k++) {
      let v = bias[k]!;
      if (mode === 'matrix') for (let j = 0; j < c; j++) v += weights[k * c + j]! * z[i * c + j]!;
      else v += weights[k]! * z[i * c + k]!;
      u[k] = v;
      mx = Math.max(mx, v);
    }
    let s = 0;
    for (let k = 0; k < c; k++) s += Math.exp(u[k]! - mx);
    for (let k = 0; k < c; k++) out[i * c + k] = Math.exp(u[k]! - mx) / s;
  }
  return out;
}

/**
 * Vector scaling (Guo et al. 2017): `p = softmax(w ⊙ z + b)`, one scale and one bias per class.
 *
 * Fitted by minimising `(1/N) Σ_i −log p_{i,y_i} + μ/C Σ_k b_k²` (μ = `interceptPenalty`, default 0) with float64
 * L-BFGS from the identity (w = 1, b = 0), so the fit-set objective never exceeds the uncalibrated NLL.
 * Shapes: fit `[N, C]` + `[N]`; transform `[M, C]` → `[M, C]`.
 *
 * @example
 * const vs = VectorScaling.fit(valLogits, valLabels);
 * vs.transform(testLogits);
 *
 * Paper: "On Calibration of Modern Neural Networks", Guo, Pleiss, Sun, Weinberger, 2017.
 */
export class VectorScaling extends Calibrator {
  readonly kind = 'vector' as const;
  private constructor(from: From, classes: number, readonly weights: readonly number[], readonly bias: readonly number[]) {
    super(from, classes);
  }
  static fit(predictions: Predictions, labels: Labels, options?: Omit<AffineScalingOptions, 'offDiagonalPenalty'>): VectorScaling {
    const r = fitAffine('vector', predictions, labels, options);
    return new VectorScaling(r.from, r.c, r.weights, r.bias);
  }
  static load(json: string | CalibratorJson): VectorScaling {
    const o = parseCalibrator(json, 'vector');
    return new VectorScaling(o.from, o.classes, numbers(o.state, 'weights', o.classes), numbers(o.state, 'bias', o.classes));
  }
  protected calibrate(m: HostMatrix) {
    return { data: applyAffine('vector', logitsOf(m, this.from), m.n, m.c, this.weights, this.bias), c: m.c };
  }
  protected state() {
    return { weights: [...this.weights], bias: [...this.bias] };
  }
}

/**
 * Matrix scaling (Guo et al. 2017) with optional ODIR (Kull et al. 2019): `p = softmax(W z + b)`.
 *
 * Objective: `(1/N) Σ_i −log p_{i,y_i} + λ/(C(C−1)) Σ_{k≠j} W_kj² + μ/C Σ_k b_k²`
 * (λ = `offDiagonalPenalty`, μ = `interceptPenalty`, both default 0 = plain matrix scaling). The data term is the
 * mean NLL (Kull et al. write the same penalties next to the log-loss; the mean keeps λ, μ independent of N).
 * Fitted by float64 L-BFGS from the identity (W = I, b = 0). With `from: 'probs'` the input is `log p`, which
 * makes this Dirichlet calibration. Shapes: fit `[N, C]` + `[N]`; transform `[M, C]` → `[M, C]`.
 *
 * @example
 * const ms = MatrixScaling.fit(valLogits, valLabels, { offDiagonalPenalty: 1e-2, interceptPenalty: 1e-2 });
 * ms.transform(testLogits);
 *
 * Paper: "Beyond temperature scaling: Obtaining well-calibrated multiclass probabilities with Dirichlet
 * calibration", Kull, Perello-Nieto, Kängsepp, Silva Filho, Song, Flach, 2019.
 */
export class MatrixScaling extends Calibrator {
  readonly kind = 'matrix' as const;
  private constructor(
    from: From,
    classes: number,
    readonly weights: readonly number[],
    readonly bias: readonly number[],
    readonly offDiagonalPenalty: number,
    readonly interceptPenalty: number,
  ) {
    super(from, classes);
  }
  static fit(predictions: Predictions, labels: Labels, options?: AffineScalingOptions): MatrixScaling {
    const r = fitAffine('matrix', predictions, labels, options);
    if (r.c < 2) throw new LosskitError('SHAPE_MISMATCH', 'matrix scaling needs at least 2 classes', { argument: 'predictions', expected: 'C >= 2', received: String(r.c) });
    return new MatrixScaling(r.from, r.c, r.weights, r.bias, r.lambda, r.mu);
  }
  static load(json: string | CalibratorJson): MatrixScaling {
    const o = parseCalibrator(json, 'matrix');
    return new MatrixScaling(
      o.from,
      o.classes,
      numbers(o.state, 'weights', o.classes * o.classes),
      numbers(o.state, 'bias', o.classes),
      scalar(o.state, 'offDiagonalPenalty'),
      scalar(o.state, 'interceptPenalty'),
    );
  }
  protected calibrate(m: HostMatrix) {
    return { data: applyAffine('matrix', logitsOf(m, this.from), m.n, m.c, this.weights, this.bias), c: m.c };
  }
  protected state() {
    return { weights: [...this.weights], bias: [...this.bias], offDiagonalPenalty: this.offDiagonalPenalty, interceptPenalty: this.interceptPenalty };
  }
}

/**
 * Dirichlet calibration with ODIR (Kull et al. 2019): `p = softmax(W ln q + b)`, where `q` are the model's class
 * probabilities (softmax of the logits, or the given probabilities), fitted like {@link MatrixScaling} on
 * `(1/N) Σ_i −log p_{i,y_i} + λ/(C(C−1)) Σ_{k≠j} W_kj² + μ/C Σ_k b_k²` by float64 L-BFGS from W = I, b = 0.
 *
 * How it differs from matrix scaling: only in the input. Matrix scaling maps the logits z; Dirichlet calibration maps
 * `ln q = z − logsumexp(z)·1`, so `W ln q = W z − logsumexp(z)·W1`, which equals `W z` plus a per-row constant (so the
 * same softmax) only when every row of W has the same sum. With `from: 'probs'` the two are the same model
 * (`MatrixScaling.fit(p, y, { from: 'probs' })` reads `ln p` too) and fit to the same parameters. This class fixes the
 * Dirichlet input whatever `from` is, as the paper's `FullDirichletCalibrator` (which always takes probabilities).
 * The data term is the mean log-loss (λ, μ then do not scale with N).
 *
 * Shapes: fit `[N, C]` + `[N]`; transform `[M, C]` → `[M, C]`. Defaults λ = μ = 0 (plain Dirichlet calibration).
 *
 * @example
 * const dir = DirichletCalibration.fit(valLogits, valLabels, { offDiagonalPenalty: 1e-2, interceptPenalty: 1e-2 });
 * dir.transform(testLogits);
 *
 * Paper: "Beyond temperature scaling: Obtaining well-calibrated multiclass probabilities with Dirichlet calibration",
 * Kull, Perello-Nieto, Kängsepp, Silva Filho, Song, Flach, NeurIPS 2019.
 */
export class DirichletCalibration extends Calibrator {
  readonly kind = 'dirichlet' as const;
  private constructor(
    from: From,
    classes: number,
    readonly weights: readonly number[],
    readonly bias: readonly number[],
    readonly offDiagonalPenalty: number,
    readonly interceptPenalty: number,
  ) {
    super(from, classes);
  }
  static fit(predictions: Predictions, labels: Labels, options?: AffineScalingOptions): DirichletCalibration {
    const r = fitAffine('matrix', predictions, labels, options, logProbsOf);
    if (r.c < 2) throw new LosskitError('SHAPE_MISMATCH', 'Dirichlet calibration needs at least 2 classes', { argument: 'predictions', expected: 'C >= 2', received: String(r.c) });
    return new DirichletCalibration(r.from, r.c, r.weights, r.bias, r.lambda, r.mu);
  }
  static load(json: string | CalibratorJson): DirichletCalibration {
    const o = parseCalibrator(json, 'dirichlet');
    return new DirichletCalibration(
      o.from,
      o.classes,
      numbers(o.state, 'weights', o.classes * o.classes),
      numbers(o.state, 'bias', o.classes),
      scalar(o.state, 'offDiagonalPenalty'),
      scalar(o.state, 'interceptPenalty'),
    );
  }
  protected calibrate(m: HostMatrix) {
    return { data: applyAffine('matrix', logProbsOf(m, this.from), m.n, m.c, this.weights, this.bias), c: m.c };
  }
  protected state() {
    return { weights: [...this.weights], bias: [...this.bias], offDiagonalPenalty: this.offDiagonalPenalty, interceptPenalty: this.interceptPenalty };
  }
}
