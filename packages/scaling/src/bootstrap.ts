import { checkNumber, checkOptions, describeValue, ScalingError } from './errors.js';
import { checkFamily, type FitOptions, type FitResult, fitLaw, type Run } from './fit.js';
import type { Law, LawFamily } from './law.js';
import { seededRng } from './rng.js';

/** A percentile interval for one parameter. */
export interface ParamInterval {
  readonly lo: number;
  readonly hi: number;
  readonly median: number;
  /** Bootstrap standard error (sample standard deviation of the draws). */
  readonly se: number;
}

/** Options of {@link bootstrapFit}. */
export interface BootstrapOptions extends FitOptions {
  /** Number of resamples. Default 200. */
  readonly resamples?: number;
  /** Seed of the resampling RNG. Default 0. */
  readonly seed?: number;
  /** Central interval mass. Default 0.95. */
  readonly level?: number;
  /** `'warm'` (default): each resample starts from the full fit's optimum; `'grid'`: the full start grid. */
  readonly startsFrom?: 'warm' | 'grid';
}

/** Result of {@link bootstrapFit}. */
export interface BootstrapResult<P extends string = string, I extends string = string> {
  readonly fit: FitResult<P, I>;
  /** One law per successful resample. */
  readonly laws: readonly Law<P, I>[];
  readonly intervals: Readonly<Record<P, ParamInterval>>;
  readonly level: number;
  /** Resamples that did not converge (dropped). */
  readonly failed: number;
}

/**
 * Empirical quantile of sorted data with linear interpolation (NumPy's default, Hyndman & Fan type 7):
 * `h = (n − 1)·q`, `Q = x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋+1 − x_⌊h⌋)`.
 *
 * Errors: `q` outside [0, 1] or not finite → `INVALID_ARGUMENT` (argument `q`); `sorted` not a non-empty array →
 * `INVALID_ARGUMENT`; an entry that is not a finite number, or data not in non-decreasing order → `INVALID_VALUE`
 * (argument `sorted`).
 *
 * @example
 * ```ts
 * quantile([1, 2, 3, 4], 0.5); // 2.5
 * ```
 */
export function quantile(sorted: readonly number[], q: number): number {
  checkNumber('q', q, 'a level in [0, 1]', (v) => v >= 0 && v <= 1);
  if (!Array.isArray(sorted) && !ArrayBuffer.isView(sorted)) {
    throw new ScalingError('INVALID_ARGUMENT', 'quantile needs an array of sorted numbers', { argument: 'sorted', expected: 'a non-empty array of finite numbers in non-decreasing order', received: describeValue(sorted) });
  }
  if (sorted.length === 0) throw new ScalingError('INVALID_ARGUMENT', 'quantile of no data', { argument: 'sorted', expected: 'a non-empty array of finite numbers in non-decreasing order', received: '[]' });
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ScalingError('INVALID_VALUE', `sorted[${i}] is not a finite number`, { argument: 'sorted', expected: 'finite numbers in non-decreasing order', received: `${describeValue(v)} at index ${i}` });
    }
    if (i > 0 && v < sorted[i - 1]!) {
      throw new ScalingError('INVALID_VALUE', 'the data are not sorted', { argument: 'sorted', expected: 'finite numbers in non-decreasing order', received: `${v} after ${sorted[i - 1]} at index ${i}` });
    }
  }
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Nonparametric bootstrap of a law fit: resamples runs with replacement (seeded), refits each
 * resample (as run multiplicities, so the data never gets copied), and reports percentile intervals
 * and standard errors per parameter.
 *
 * Defaults: 200 resamples, seed 0, level 0.95, warm starts from the full fit (Epoch's replication
 * bootstraps the same way with 4000 resamples). Resamples whose fit does not converge are dropped
 * and counted in `failed`.
 *
 * @example
 * ```ts
 * const b = bootstrapFit(chinchillaFamily, runs, { resamples: 100, seed: 1 });
 * b.intervals.alpha; // { lo, hi, median, se }
 * ```
 */
export function bootstrapFit<P extends string, I extends string>(family: LawFamily<P, I>, runs: readonly Run[], options?: BootstrapOptions): BootstrapResult<P, I> {
  checkFamily(family);
  options = checkOptions(options);
  const startsFrom = options.startsFrom ?? 'warm';
  if (startsFrom !== 'warm' && startsFrom !== 'grid') throw new ScalingError('INVALID_ARGUMENT', 'unknown startsFrom', { argument: 'startsFrom', expected: "'warm' or 'grid'", received: describeValue(startsFrom) });
  const K = checkNumber('resamples', options.resamples ?? 200, 'an integer >= 2', (v) => Number.isInteger(v) && v >= 2);
  const level = checkNumber('level', options.level ?? 0.95, 'a number in (0, 1)', (v) => v > 0 && v < 1);
  const rng = seededRng(checkNumber('seed', options.seed ?? 0, 'a finite number', () => true));
  const { onProgress, ...fitOptions } = options;
  const fit = fitLaw(family, runs, fitOptions);
  const starts = startsFrom === 'warm' ? [fit.theta] : undefined;
  const n = runs.length;
  const laws: Law<P, I>[] = [];
  let failed = 0;
  const w = new Float64Array(n);
  for (let k = 0; k < K; k++) {
    w.fill(0);
    for (let i = 0; i < n; i++) {
      const j = rng.int(n);
      w[j] = w[j]! + 1;
    }
    try {
      const r = fitLaw(family, runs, { ...fitOptions, weights: w, ...(starts ? { starts } : {}) });
      laws.push(r.law);
    } catch (e) {
      if (!(e instanceof ScalingError) || e.code !== 'NOT_CONVERGED') throw e;
      failed++;
    }
    onProgress?.(k + 1, K);
  }
  if (laws.length < 2) throw new ScalingError('NOT_CONVERGED', `bootstrap: only ${laws.length} of ${K} resamples converged`, { argument: 'runs', expected: 'at least 2 converged resamples', received: `${laws.length} of ${K}` });
  const intervals = {} as Record<P, ParamInterval>;
  for (const name of family.paramNames) {
    const v = laws.map((l) => l.params[name]).sort((a, b) => a - b);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const se = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
    intervals[name] = { lo: quantile(v, (1 - level) / 2), hi: quantile(v, 1 - (1 - level) / 2), median: quantile(v, 0.5), se };
  }
  return { fit, laws, intervals, level, failed };
}
