import { LosskitError, type LosskitErrorCode, type LosskitErrorDetails } from '@losskit/errors';

export { isLosskitError, LosskitError, type LosskitErrorCode, type LosskitErrorDetails } from '@losskit/errors';

/**
 * The codes `@losskit/scaling` reports: `MISSING_COLUMN`, `INVALID_VALUE`, `INVALID_ARGUMENT`, `INVALID_PARAMETER`,
 * `NON_FINITE_OUTPUT`, `TOO_FEW_RUNS`, `DEGENERATE_DATA`, `NOT_CONVERGED`, `PARSE_ERROR` (a subset of
 * {@link LosskitErrorCode}). Match on `error.code`, never on the message text.
 */
export type ScalingErrorCode = Extract<
  LosskitErrorCode,
  'MISSING_COLUMN' | 'INVALID_VALUE' | 'INVALID_ARGUMENT' | 'INVALID_PARAMETER' | 'NON_FINITE_OUTPUT' | 'TOO_FEW_RUNS' | 'DEGENERATE_DATA' | 'NOT_CONVERGED' | 'PARSE_ERROR'
>;

/** Details attached to a scaling error: which argument, what was expected, what was seen. */
export type ScalingErrorDetails = LosskitErrorDetails;

/**
 * The error `@losskit/scaling` throws for bad input, degenerate data or a failed fit: the same class as every other
 * losskit package's {@link LosskitError} (from the dependency-free `@losskit/errors`), so one `instanceof LosskitError`
 * check covers them all. `ScalingError` is kept as a name for it.
 *
 * @example
 * ```ts
 * try { parseRunsCsv('a,b\n1,2'); } catch (e) { if (e instanceof LosskitError) console.log(e.code); } // MISSING_COLUMN
 * ```
 */
export const ScalingError = LosskitError;
/** The type of {@link ScalingError} instances: {@link LosskitError}. */
export type ScalingError = LosskitError;

/** Formats a received value for messages: numbers and strings as written, `null`, arrays and other types by kind. */
export function describeValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

/** Throws `INVALID_ARGUMENT` unless `value` is a plain object (not null, not an array); `undefined` gives `{}`. */
export function checkOptions<T extends object>(value: T | undefined, name = 'options'): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ScalingError('INVALID_ARGUMENT', 'must be an object', { argument: name, expected: 'an object or undefined', received: describeValue(value) });
  }
  return value;
}

/** Throws `INVALID_ARGUMENT` unless `value` is `true` or `false`. */
export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new LosskitError('INVALID_ARGUMENT', 'must be a boolean', { argument: name, expected: 'true or false', received: describeValue(value) });
  return value;
}

/** Throws `INVALID_ARGUMENT` unless `value` is a function. */
export function checkFunction<T>(name: string, value: T, expected: string): T {
  if (typeof value !== 'function') throw new ScalingError('INVALID_ARGUMENT', 'must be a function', { argument: name, expected, received: describeValue(value) });
  return value;
}

/** Throws `INVALID_ARGUMENT` unless `value` is a finite number satisfying `ok`. */
export function checkNumber(name: string, value: unknown, expected: string, ok: (v: number) => boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new ScalingError('INVALID_ARGUMENT', 'invalid argument', { argument: name, expected, received: describeValue(value) });
  }
  return value;
}
