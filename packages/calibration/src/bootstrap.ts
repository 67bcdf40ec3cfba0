/**
 * Seeded percentile-bootstrap confidence intervals for any calibration metric.
 */
import { LosskitError, params } from '@losskit/core';
import { rng } from '@losskit/core/math';
import { readLabels, readMatrix, readOptions, toRows, type Labels, type Predictions } from './input.js';

/** A metric in this package's shape: `(predictions, labels, options) => number`. */
export type Metric<O> = (predictions: number[][], labels: number[], options: O) => number;

/** Options of {@link bootstrapCi}. */
export interface BootstrapOptions {
  /** Number of resamples B. Default 1000. */
  readonly resamples?: number;
  /** Two-sided confidence level. Default 0.95. */
  readonly level?: number;
  /** Seed of the resampling PRNG (mulberry32). Default 0. */
  readonly seed?: number;
}

/** A point estimate with a percentile interval. */
export interface Interval {
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  readonly resamples: number;
}

/** @internal Linear-interpolation quantile of sorted values (NumPy's default, `type 7`). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** A metric value must be a finite number: anything else would corrupt the sorted resample values silently. */
function checkedMetric(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new LosskitError('NON_FINITE_OUTPUT', 'the metric returned a value that is not a finite number', { argument: 'metric', expected: 'a finite number', received: `${String(v)} on ${where}` });
  }
  return v;
}

/**
 * Percentile bootstrap (Efron 1979) of a metric: resample the N (prediction, label) pairs with replacement
 * B times, evaluate the metric on each resample and report the `(1−level)/2` and `(1+level)/2` quantiles
 * (linear interpolation) of the B values, next to the metric on the full data.
 *
 * Shapes: predictions `[N, C]`, labels `[N]`. Defaults: B = 1000, level 0.95, seed 0. Deterministic for a seed.
 * Resample b draws its N indices as `⌊u·N⌋` from the seeded mulberry32 stream (`rng(seed)` of `@losskit/core/math`),
 * in order. A metric value that is not a finite number throws `NON_FINITE_OUTPUT` (argument `metric`).
 *
 * @example
 * const { value, lower, upper } = bootstrapCi(ece, logits, labels, { bins: 15 }, { resamples: 500, seed: 1 });
 *
 * Paper: "Bootstrap Methods: Another Look at the Jackknife", Efron, 1979.
 */
export function bootstrapCi<O>(metric: Metric<O>, predictions: Predictions, labels: Labels, metricOptions: O, options?: BootstrapOptions): Interval {
  options = readOptions(options);
  const B = params.positiveInteger('resamples', options.resamples ?? 1000);
  const level = params.openUnitInterval('level', options.level ?? 0.95);
  const seed = params.finite('seed', options.seed ?? 0);
  if (typeof metric !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'metric must be a function', { argument: 'metric' });
  const m = readMatrix(predictions);
  const y = Array.from(readLabels(labels, m.n, m.c));
  const rows = toRows(m.data, m.n, m.c);
  const value = checkedMetric(metric(rows, y, metricOptions), 'the full data');
  const u = rng(seed);
  const values: number[] = [];
  const rs: number[][] = new Array(m.n);
  const ys: number[] = new Array(m.n);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < m.n; i++) {
      const k = Math.floor(u() * m.n);
      rs[i] = rows[k]!;
      ys[i] = y[k]!;
    }
    values.push(checkedMetric(metric(rs, ys, metricOptions), `resample ${b}`));
  }
  values.sort((a, b) => a - b);
  return { value, lower: quantileSorted(values, (1 - level) / 2), upper: quantileSorted(values, (1 + level) / 2), level, resamples: B };
}
