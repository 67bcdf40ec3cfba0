import { checkFunction, checkNumber, checkOptions, describeValue, ScalingError } from './errors.js';
import { checkFamily, type FitOptions, fitLaw, type Run } from './fit.js';
import type { Law, LawFamily } from './law.js';

/** Options of {@link extrapolationError}. */
export interface ExtrapolationOptions extends FitOptions {
  /** Number of held-out runs (the largest by `orderBy`). Default 1. */
  readonly k?: number;
  /** Ranks runs for hold-out; default: compute `C` if present, else 6·N·D, else the first input. */
  readonly orderBy?: (run: Run) => number;
}

/** Result of {@link extrapolationError}. */
export interface ExtrapolationResult<P extends string = string, I extends string = string> {
  /** Fit on the runs that were kept. */
  readonly law: Law<P, I>;
  readonly heldOut: readonly { readonly run: Run; readonly predicted: number; readonly actual: number; readonly relativeError: number; readonly logError: number }[];
  /** Mean |log ŷ − log y| over held-out runs. */
  readonly meanAbsLogError: number;
  /** Mean |ŷ − y| / y over held-out runs. */
  readonly meanRelativeError: number;
}

/**
 * Leave-k-out extrapolation error: hold out the k largest runs (by compute by default), fit on the
 * rest, predict the held-out runs, and report relative and log errors. Measures how well a law
 * extrapolates rather than how well it interpolates.
 *
 * @example
 * ```ts
 * extrapolationError(chinchillaFamily, runs, { k: 5 }).meanRelativeError;
 * ```
 */
export function extrapolationError<P extends string, I extends string>(family: LawFamily<P, I>, runs: readonly Run[], options?: ExtrapolationOptions): ExtrapolationResult<P, I> {
  checkFamily(family);
  options = checkOptions(options);
  if (!Array.isArray(runs)) throw new ScalingError('INVALID_ARGUMENT', 'runs must be an array of objects', { argument: 'runs', expected: 'an array of runs', received: describeValue(runs) });
  if (options.orderBy !== undefined) checkFunction('orderBy', options.orderBy, '(run) => number');
  const k = checkNumber('k', options.k ?? 1, 'an integer >= 1', (v) => Number.isInteger(v) && v >= 1);
  if (k >= runs.length) throw new ScalingError('TOO_FEW_RUNS', 'nothing left to fit after holding out k runs', { argument: 'k', expected: `< ${runs.length}`, received: String(k) });
  const target = options.target ?? 'loss';
  const key =
    options.orderBy ??
    ((r: Run) => {
      if (typeof r.C === 'number') return r.C;
      if (typeof r.N === 'number' && typeof r.D === 'number') return 6 * r.N * r.D;
      return r[family.inputNames[0]!] ?? 0;
    });
  const order = runs.map((r, i) => {
    const v = key(r);
    if (typeof v !== 'number' || Number.isNaN(v)) throw new ScalingError('INVALID_VALUE', `run ${i} has no rank`, { argument: 'orderBy', expected: 'a number for every run', received: `${describeValue(v)} for run ${i}` });
    return [v, i] as const;
  }).sort((a, b) => a[0] - b[0]);
  const keep = order.slice(0, runs.length - k).map(([, i]) => runs[i]!);
  const hold = order.slice(runs.length - k).map(([, i]) => runs[i]!);
  const { orderBy: _o, k: _k, ...fitOptions } = options;
  const law = fitLaw(family, keep, fitOptions).law;
  const heldOut = hold.map((run) => {
    const predicted = law.predict(run as unknown as Readonly<Record<I, number>>);
    const actual = run[target]!;
    return { run, predicted, actual, relativeError: Math.abs(predicted - actual) / actual, logError: Math.log(predicted) - Math.log(actual) };
  });
  return {
    law,
    heldOut,
    meanAbsLogError: heldOut.reduce((a, h) => a + Math.abs(h.logError), 0) / k,
    meanRelativeError: heldOut.reduce((a, h) => a + h.relativeError, 0) / k,
  };
}
