/**
 * Multicalibration for regression by level-set boosting (LSBoost) and the multicalibration error it drives down,
 * float64 on the host.
 */
import { LosskitError, params } from '@losskit/core';
import { symmetricEigen } from '@losskit/core/math';
import { readMatrix, readOptions, type Predictions } from './input.js';
import { parseRegression, readVector, type Targets } from './regression.js';

/** Options of {@link LSBoost.fit}. */
export interface LSBoostOptions {
  /** Number m of level sets: predictions are rounded to the nearest of m equally spaced points of `range`. Default 10. */
  readonly bins?: number;
  /** `[lo, hi]` of the predictions and labels. Default `[0, 1]`. */
  readonly range?: readonly [number, number];
  /** Maximum number of boosting rounds T. Default 100. */
  readonly rounds?: number;
  /** A level set with fewer samples is not updated. Default 1. */
  readonly minGroupSize?: number;
  /** Stop when a round lowers the mean squared error by less than this (that round is discarded). Default 1e-6. */
  readonly tolerance?: number;
  /** Weight η of the weak learner: `f ← (1 − η)f + η·h` inside the level set. Default 1 (the paper). */
  readonly learningRate?: number;
  /** Ridge λ of the least-squares weak learner (relative to the mean of diag(XᵀX)). Default 1e-8. */
  readonly ridge?: number;
}

interface Round {
  /** Level-set index → weak-learner weights `[w_1..w_D, b]`. */
  readonly learners: Readonly<Record<string, readonly number[]>>;
}

/** Nearest of `m` equally spaced points of [lo, hi] (m = 1: the midpoint); returns its index. */
function levelOf(v: number, lo: number, hi: number, m: number): number {
  if (m === 1) return 0;
  const k = Math.round(((v - lo) / (hi - lo)) * (m - 1));
  return Math.min(m - 1, Math.max(0, k));
}
function gridValue(k: number, lo: number, hi: number, m: number): number {
  return m === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * k) / (m - 1);
}

/** Least squares with intercept on the rows `idx` of X `[N, D]`: solves (X̃ᵀX̃ + λI)w = X̃ᵀy by Cholesky, X̃ = [X, 1]. */
function leastSquares(x: Float64Array, d: number, y: Float64Array, idx: readonly number[], ridge: number): number[] {
  const p = d + 1;
  const A = new Float64Array(p * p);
  const b = new Float64Array(p);
  const row = new Float64Array(p);
  for (const i of idx) {
    for (let j = 0; j < d; j++) row[j] = x[i * d + j]!;
    row[d] = 1;
    for (let j = 0; j < p; j++) {
      b[j]! += row[j]! * y[i]!;
      for (let k = 0; k <= j; k++) A[j * p + k]! += row[j]! * row[k]!;
    }
  }
  let tr = 0;
  for (let j = 0; j < p; j++) tr += A[j * p + j]!;
  const shift = ridge * Math.max(tr / p, 1e-300);
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j]! + (i === j ? shift : 0);
      for (let k = 0; k < j; k++) s -= L[i * p + k]! * L[j * p + k]!;
      if (i === j) L[i * p + i] = Math.sqrt(Math.max(s, shift > 0 ? shift * 1e-12 : 1e-300));
      else L[i * p + j] = s / L[j * p + j]!;
    }
  }
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * p + k]! * z[k]!;
    z[i] = s / L[i * p + i]!;
  }
  const w = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < p; k++) s -= L[k * p + i]! * w[k]!;
    w[i] = s / L[i * p + i]!;
  }
  return w;
}

function predictRow(w: readonly number[], x: Float64Array, i: number, d: number): number {
  let s = w[d]!;
  for (let j = 0; j < d; j++) s += w[j]! * x[i * d + j]!;
  return s;
}

function readRange(r: unknown): [number, number] {
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(r[0] < r[1])) {
    throw new LosskitError('INVALID_PARAMETER', 'range must be [lo, hi] with lo < hi', { argument: 'range', expected: 'two finite numbers lo < hi', received: JSON.stringify(r) ?? String(r) });
  }
  return [r[0], r[1]];
}

function readInputs(predictions: Targets, features: Predictions, targets?: Targets) {
  const f = readVector(predictions, 'predictions');
  const X = readMatrix(features, 'features');
  if (X.n !== f.length) throw new LosskitError('SHAPE_MISMATCH', 'features and predictions have different lengths', { argument: 'features', expected: `[${f.length}, D]`, received: `[${X.n}, ${X.c}]` });
  const y = targets === undefined ? undefined : readVector(targets, 'targets', f.length);
  return { f, x: X.data, d: X.c, n: f.length, y };
}

/**
 * LSBoost (level-set boosting): post-processes a regressor's predictions f₀(x) ∈ [lo, hi] into a multicalibrated
 * predictor. Each round rounds the current predictions to a grid of m level sets; in every level set S_v with at least
 * `minGroupSize` samples it fits the weak learner h_v (least squares, linear in the features plus an intercept) to the
 * labels and sets `f ← (1 − η)f + η·h_v(x)` there; then rounds to the grid again. It stops when a round lowers the mean
 * squared error by less than `tolerance` (that round is dropped) or after T rounds. At termination no linear function of
 * the features can improve the squared error inside a level set by more than the tolerance, which is the paper's
 * characterisation of multicalibration w.r.t. the weak learner's class (measure it with {@link multicalibrationError}).
 * Predicting replays the rounds on new (f₀(x), x): each round's level sets come from the current prediction.
 *
 * Shapes: fit `predictions [N]`, `features [N, D]`, `targets [N]`; `transform(predictions [M], features [M, D])` → `number[]`.
 *
 * @example
 * const mc = LSBoost.fit(valPred, valX, valY, { bins: 10 });
 * const calibrated = mc.transform(testPred, testX);
 *
 * Paper: "Multicalibration as Boosting for Regression", Globus-Harris, Harrison, Kearns, Roth & Sorrell, ICML 2023
 * (arXiv 2301.13767); rounds, level sets and the linear weak learner as in the authors' `LSBoost.py`
 * (Declancharrison/Level-Set-Boosting, centre rounding, no validation split).
 */
export class LSBoost {
  readonly kind = 'lsboost' as const;
  private constructor(
    readonly bins: number,
    readonly range: readonly [number, number],
    readonly features: number,
    readonly learningRate: number,
    /** The kept rounds (weak learners per level set). */
    readonly rounds: readonly Round[],
    /** Mean squared error on the fitting data before the first round and after each kept round. */
    readonly history: readonly number[],
  ) {}

  static fit(predictions: Targets, features: Predictions, targets: Targets, options: LSBoostOptions = {}): LSBoost {
    options = readOptions(options);
    const m = params.positiveInteger('bins', options.bins ?? 10);
    const [lo, hi] = readRange(options.range ?? [0, 1]);
    const T = params.positiveInteger('rounds', options.rounds ?? 100);
    const minGroup = params.positiveInteger('minGroupSize', options.minGroupSize ?? 1);
    const tol = params.nonNegative('tolerance', options.tolerance ?? 1e-6);
    const eta = params.positive('learningRate', options.learningRate ?? 1);
    if (eta > 1) throw new LosskitError('INVALID_PARAMETER', 'learningRate must be in (0, 1]', { argument: 'learningRate', expected: 'a number in (0, 1]', received: String(eta) });
    const ridge = params.nonNegative('ridge', options.ridge ?? 1e-8);
    const { f, x, d, n, y } = readInputs(predictions, features, targets);
    const mse = (p: Float64Array) => p.reduce((s, v, i) => s + (y![i]! - v) ** 2, 0) / n;
    let cur = f.map((v) => gridValue(levelOf(v, lo, hi, m), lo, hi, m));
    const history = [mse(cur)];
    const rounds: Round[] = [];
    for (let t = 0; t < T; t++) {
      const groups = new Map<number, number[]>();
      for (let i = 0; i < n; i++) {
        const k = levelOf(cur[i]!, lo, hi, m);
        const g = groups.get(k);
        if (g) g.push(i);
        else groups.set(k, [i]);
      }
      const learners: Record<string, number[]> = {};
      const next = Float64Array.from(cur);
      for (const [k, idx] of groups) {
        if (idx.length < minGroup) continue;
        const w = leastSquares(x, d, y!, idx, ridge);
        learners[String(k)] = w;
        for (const i of idx) next[i] = gridValue(levelOf((1 - eta) * cur[i]! + eta * predictRow(w, x, i, d), lo, hi, m), lo, hi, m);
      }
      const e = mse(next);
      if (!(history[history.length - 1]! - e >= tol) || Object.keys(learners).length === 0) break;
      rounds.push({ learners });
      history.push(e);
      cur = next;
    }
    return new LSBoost(m, [lo, hi], d, eta, rounds, history);
  }

  /** Calibrated predictions `[M]` for base predictions `[M]` and their features `[M, D]`. */
  transform(predictions: Targets, features: Predictions): number[] {
    const { f, x, d, n } = readInputs(predictions, features);
    if (d !== this.features) throw new LosskitError('SHAPE_MISMATCH', 'features do not match the fitted calibrator', { argument: 'features', expected: `${this.features} columns`, received: `${d} columns` });
    const [lo, hi] = this.range;
    const m = this.bins;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      let v = gridValue(levelOf(f[i]!, lo, hi, m), lo, hi, m);
      for (const r of this.rounds) {
        const w = r.learners[String(levelOf(v, lo, hi, m))];
        if (w) v = gridValue(levelOf((1 - this.learningRate) * v + this.learningRate * predictRow(w, x, i, d), lo, hi, m), lo, hi, m);
      }
      out.push(v);
    }
    return out;
  }

  save(): string {
    return JSON.stringify({ format: 'losskit-regression-calibrator', version: 1, kind: this.kind, state: { bins: this.bins, range: this.range, features: this.features, learningRate: this.learningRate, rounds: this.rounds, history: this.history } });
  }

  static load(json: string | object): LSBoost {
    const s = parseRegression(json, 'lsboost').state;
    const bad = (field: string, expected: string) => new LosskitError('INVALID_ARGUMENT', `bad field '${field}' in saved calibrator`, { argument: 'json', expected, received: JSON.stringify(s[field])?.slice(0, 80) ?? 'undefined' });
    const m = s['bins'];
    if (!Number.isInteger(m) || (m as number) < 1) throw bad('bins', 'an integer >= 1');
    let range: [number, number];
    try {
      range = readRange(s['range']);
    } catch {
      throw bad('range', '[lo, hi] with lo < hi');
    }
    const d = s['features'];
    if (!Number.isInteger(d) || (d as number) < 1) throw bad('features', 'an integer >= 1');
    const eta = s['learningRate'];
    if (typeof eta !== 'number' || !(eta > 0 && eta <= 1)) throw bad('learningRate', 'a number in (0, 1]');
    const rounds = s['rounds'];
    const okRound = (r: unknown) =>
      !!r && typeof r === 'object' && !!(r as Round).learners && typeof (r as Round).learners === 'object' &&
      Object.entries((r as Round).learners).every(([k, w]) => Number.isInteger(Number(k)) && Number(k) >= 0 && Number(k) < (m as number) && Array.isArray(w) && w.length === (d as number) + 1 && w.every((v) => typeof v === 'number' && Number.isFinite(v)));
    if (!Array.isArray(rounds) || !rounds.every(okRound)) throw bad('rounds', `rounds of { learners: { level: ${(d as number) + 1} finite weights } }`);
    const history = s['history'];
    if (!Array.isArray(history) || history.length !== rounds.length + 1 || !history.every((v) => typeof v === 'number' && Number.isFinite(v))) throw bad('history', 'rounds + 1 finite numbers');
    return new LSBoost(m as number, range, d as number, eta, rounds as Round[], history as number[]);
  }
}

/** Options of {@link multicalibrationError}. */
export interface MulticalibrationErrorOptions {
  /** Level sets: predictions are grouped by the nearest of m equally spaced points of `range`. Default 10. */
  readonly bins?: number;
  readonly range?: readonly [number, number];
}

/**
 * Multicalibration error of real-valued predictions f w.r.t. the linear functions of the features with an intercept,
 * `h(x) = wᵀ[x, 1]`, ‖w‖₂ ≤ 1 (the weak-learner class of {@link LSBoost}):
 * `MCE = sup_{‖w‖ ≤ 1} Σ_v P(S_v)·(E[h(x)(y − f(x)) | x ∈ S_v])² = λ_max(Σ_v P(S_v)·a_v a_vᵀ)`, `a_v = E[[x, 1](y − f(x)) | S_v]`,
 * with S_v the level sets of f (rounded to m grid points). 0 iff, inside every level set, no linear function of the
 * features correlates with the residual (the paper's Definition of α-approximate multicalibration, with α = MCE).
 * Scale the features: the value is not invariant to their units. Returns a number ≥ 0; λ_max by Jacobi rotations in float64.
 *
 * @example multicalibrationError(preds, X, y, { bins: 10 })
 *
 * Paper: "Multicalibration as Boosting for Regression", Globus-Harris, Harrison, Kearns, Roth & Sorrell, ICML 2023.
 */
export function multicalibrationError(predictions: Targets, features: Predictions, targets: Targets, options: MulticalibrationErrorOptions = {}): number {
  options = readOptions(options);
  const m = params.positiveInteger('bins', options.bins ?? 10);
  const [lo, hi] = readRange(options.range ?? [0, 1]);
  const { f, x, d, n, y } = readInputs(predictions, features, targets);
  const p = d + 1;
  const sums = new Map<number, { count: number; a: Float64Array }>();
  for (let i = 0; i < n; i++) {
    const k = levelOf(f[i]!, lo, hi, m);
    let g = sums.get(k);
    if (!g) sums.set(k, (g = { count: 0, a: new Float64Array(p) }));
    const r = y![i]! - f[i]!;
    g.count++;
    for (let j = 0; j < d; j++) g.a[j]! += x[i * d + j]! * r;
    g.a[d]! += r;
  }
  const M = new Float64Array(p * p);
  for (const { count, a } of sums.values()) {
    for (let j = 0; j < p; j++) for (let k = 0; k < p; k++) M[j * p + k]! += (count / n) * (a[j]! / count) * (a[k]! / count);
  }
  // The largest eigenvalue (core's cyclic Jacobi returns them ascending).
  return Math.max(0, symmetricEigen(M, p).values[p - 1]!);
}
