/**
 * Non-parametric bootstrap prediction intervals for any regressor (the `Boot` wrapper of the `doubt` package).
 */
import { LosskitError, params } from '@losskit/core';
import { rng, shuffleInPlace } from '@losskit/core/math';
import { quantileSorted } from './bootstrap.js';
import { readMatrix, readOptions, type Predictions } from './input.js';
import { readVector, type Targets } from './regression.js';

/** A fitted regressor: features `[M, D]` (rows) → predictions `[M]`. */
export type Regressor = (x: number[][]) => ArrayLike<number>;
/** Fits a regressor on features `[N, D]` and targets `[N]`. Called once on the data and once per resample. */
export type FitRegressor = (x: number[][], y: number[]) => Regressor;

/** Options of {@link BootstrapPredictionIntervals.fit}. */
export interface BootstrapPredictionOptions {
  /** Number of bootstrap refits B. Default ⌊√N⌋ (doubt's default), at least 1. */
  readonly resamples?: number;
  /** Seed of the resampling and permutation PRNG. Default 0. */
  readonly seed?: number;
}

/** Predictions with two-sided intervals. */
export interface PredictionIntervals {
  readonly prediction: number[];
  readonly lower: number[];
  readonly upper: number[];
  readonly level: number;
}

const Q = Array.from({ length: 100 }, (_, k) => k / 100);
const quantiles = (v: readonly number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return Q.map((q) => quantileSorted(s, q));
};

function predictChecked(model: Regressor, x: number[][], who: string): number[] {
  const out = model(x);
  if (!out || typeof out !== 'object' || typeof (out as ArrayLike<number>).length !== 'number' || out.length !== x.length) {
    throw new LosskitError('INVALID_ARGUMENT', 'the regressor returned the wrong number of predictions', { argument: 'fit', expected: `${x.length} predictions`, received: out && typeof out === 'object' ? `${(out as ArrayLike<number>).length}` : typeof out });
  }
  const a = Array.from(out as ArrayLike<number>);
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'number' || !Number.isFinite(a[i])) throw new LosskitError('NON_FINITE_OUTPUT', 'the regressor returned a value that is not a finite number', { argument: 'fit', expected: 'finite predictions', received: `${a[i]} at index ${i} (${who})` });
  }
  return a;
}

/**
 * Bootstrap prediction intervals: fit the model on the data (predictions f̂) and on B bootstrap resamples (models f̂_b).
 * The noise is a blend of the 100 percentiles of the training residuals `y − f̂(x)` and of the out-of-bag residuals of the
 * resampled models, weighted by the .632+ rule: `w = 0.632/(1 − 0.368·R)` with R the mean relative overfitting rate
 * `|mean(r_oob) − mean(r_train)| / |γ − r_train|` (γ the no-information error, the mean |y − f̂| after independent
 * permutations of both), `r = (1 − w)·r_train + w·r_oob`. For new x, the B·100 values `f̂_b(x) − mean_b f̂_b(x) + r_k`
 * give the interval `f̂(x) + [q_{α/2}, q_{1−α/2}]` (α = 1 − level): model variance plus noise, with no distributional
 * assumption. Refits B + 1 models (default B = ⌊√N⌋); not serialisable (it holds your models).
 *
 * Shapes: fit features `[N, D]`, targets `[N]`; `predict(features [M, D], level)` → `{ prediction, lower, upper }` of length M.
 *
 * @example
 * const pi = BootstrapPredictionIntervals.fit(x, y, (xs, ys) => fitLinear(xs, ys), { seed: 1 });
 * pi.predict(xTest, 0.95); // { prediction, lower, upper }
 *
 * Paper: "Monitoring Model Deterioration with Explainable Uncertainty Estimation via Non-parametric Bootstrap",
 * Mougan & Nielsen, AAAI 2023 (arXiv 2201.11676); procedure read from saattrupdan/doubt `src/doubt/models/boot/boot.py`
 * (after Kumar & Srivastava 2012, with Efron & Tibshirani's .632+ weight).
 */
export class BootstrapPredictionIntervals {
  private constructor(
    private readonly base: Regressor,
    private readonly models: readonly Regressor[],
    /** The 100 blended residual percentiles. */
    readonly residuals: readonly number[],
    /** The .632+ weight w of the out-of-bag residuals. */
    readonly weight: number,
    readonly features: number,
  ) {}

  static fit(features: Predictions, targets: Targets, fit: FitRegressor, options: BootstrapPredictionOptions = {}): BootstrapPredictionIntervals {
    options = readOptions(options);
    if (typeof fit !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'fit must be a function', { argument: 'fit', expected: '(x: number[][], y: number[]) => (x: number[][]) => predictions', received: typeof fit });
    const X = readMatrix(features, 'features');
    const y = readVector(targets, 'targets', X.n);
    const n = X.n;
    const B = params.positiveInteger('resamples', options.resamples ?? Math.max(1, Math.floor(Math.sqrt(n))));
    const u = rng(params.finite('seed', options.seed ?? 0));
    const rows = Array.from({ length: n }, (_, i) => Array.from(X.data.subarray(i * X.c, (i + 1) * X.c)));
    const ys = Array.from(y);
    const base = fit(rows, ys);
    if (typeof base !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'fit must return a predictor function', { argument: 'fit', expected: 'a function (x: number[][]) => predictions', received: typeof base });
    const preds = predictChecked(base, rows, 'the full fit');
    const trainRes = quantiles(ys.map((v, i) => v - preds[i]!));
    const models: Regressor[] = [];
    const oob: number[] = [];
    for (let b = 0; b < B; b++) {
      const idx = Array.from({ length: n }, () => Math.min(n - 1, Math.floor(u() * n)));
      const inBag = new Set(idx);
      const model = fit(idx.map((i) => rows[i]!), idx.map((i) => ys[i]!));
      if (typeof model !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'fit must return a predictor function', { argument: 'fit', expected: 'a function (x: number[][]) => predictions', received: typeof model });
      models.push(model);
      const out = rows.map((_, i) => i).filter((i) => !inBag.has(i));
      if (out.length > 0) {
        const p = predictChecked(model, out.map((i) => rows[i]!), `resample ${b}`);
        out.forEach((i, k) => oob.push(ys[i]! - p[k]!));
      }
    }
    // With no out-of-bag sample at all (tiny N), the training residuals stand in for the validation ones.
    const valRes = oob.length > 0 ? quantiles(oob) : trainRes;
    const perm = (a: readonly number[]) => shuffleInPlace([...a], u);
    const py = perm(ys);
    const pp = perm(preds);
    const noInfo = py.reduce((s, v, i) => s + Math.abs(v - pp[i]!), 0) / n;
    const mean = (a: readonly number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const gen = Math.abs(mean(valRes) - mean(trainRes));
    // R ∈ [0, 1] in the .632+ rule; a residual percentile equal to γ (0/0 or x/0) counts as no overfitting measured.
    let R = mean(trainRes.map((t) => {
      const d = Math.abs(noInfo - t);
      return d > 0 ? gen / d : 0;
    }));
    R = Math.min(1, Math.max(0, R));
    const weight = 0.632 / (1 - 0.368 * R);
    const residuals = trainRes.map((t, k) => (1 - weight) * t + weight * valRes[k]!);
    return new BootstrapPredictionIntervals(base, models, residuals, weight, X.c);
  }

  /** Predictions and two-sided intervals at `level` (default 0.95) for features `[M, D]`. */
  predict(features: Predictions, level = 0.95): PredictionIntervals {
    if (typeof level !== 'number' || !(level > 0 && level < 1)) throw new LosskitError('INVALID_PARAMETER', 'level must be in (0, 1)', { argument: 'level', expected: 'a number in (0, 1)', received: String(level) });
    const X = readMatrix(features, 'features');
    if (X.c !== this.features) throw new LosskitError('SHAPE_MISMATCH', 'features do not match the fitted model', { argument: 'features', expected: `${this.features} columns`, received: `${X.c} columns` });
    const rows = Array.from({ length: X.n }, (_, i) => Array.from(X.data.subarray(i * X.c, (i + 1) * X.c)));
    const prediction = predictChecked(this.base, rows, 'the full model');
    const boots = this.models.map((m, b) => predictChecked(m, rows, `resample ${b}`));
    const lower: number[] = [];
    const upper: number[] = [];
    for (let i = 0; i < X.n; i++) {
      const mb = boots.reduce((s, p) => s + p[i]!, 0) / boots.length;
      const c: number[] = [];
      for (const p of boots) for (const r of this.residuals) c.push(p[i]! - mb + r);
      c.sort((a, b) => a - b);
      lower.push(prediction[i]! + quantileSorted(c, (1 - level) / 2));
      upper.push(prediction[i]! + quantileSorted(c, (1 + level) / 2));
    }
    return { prediction, lower, upper, level };
  }
}
