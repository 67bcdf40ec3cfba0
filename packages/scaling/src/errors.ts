/**
 * Every failure `@losskit/scaling` reports on purpose. Codes are stable strings: match on `error.code`,
 * never on the message text. The shape mirrors `LosskitError` in `@losskit/core` (code, argument,
 * expected, received) without depending on it.
 */
export type ScalingErrorCode =
  | 'MISSING_COLUMN'
  | 'INVALID_VALUE'
  | 'INVALID_ARGUMENT'
  | 'INVALID_PARAMETER'
  | 'NON_FINITE_OUTPUT'
  | 'TOO_FEW_RUNS'
  | 'DEGENERATE_DATA'
  | 'NOT_CONVERGED'
  | 'PARSE_ERROR';

/** Details attached to a {@link ScalingError}: which argument, what was expected, what was seen. */
export interface ScalingErrorDetails {
  readonly argument?: string;
  readonly expected?: string;
  readonly received?: string;
}

/**
 * The one error type `@losskit/scaling` throws for bad input, degenerate data or a failed fit.
 *
 * @example
 * ```ts
 * try { parseRunsCsv('a,b\n1,2'); } catch (e) { if (e instanceof ScalingError) console.log(e.code); } // MISSING_COLUMN
 * ```
 */
export class ScalingError extends Error implements ScalingErrorDetails {
  override readonly name = 'ScalingError';
  readonly code: ScalingErrorCode;
  readonly argument?: string;
  readonly expected?: string;
  readonly received?: string;

  constructor(code: ScalingErrorCode, message: string, details: ScalingErrorDetails = {}) {
    const parts = [details.argument ? `${details.argument}: ${message}` : message];
    if (details.expected !== undefined) parts.push(`expected ${details.expected}`);
    if (details.received !== undefined) parts.push(`received ${details.received}`);
    super(parts.join(': '));
    this.code = code;
    if (details.argument !== undefined) this.argument = details.argument;
    if (details.expected !== undefined) this.expected = details.expected;
    if (details.received !== undefined) this.received = details.received;
  }
}

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
