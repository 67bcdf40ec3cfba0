/**
 * Every failure losskit reports on purpose. Codes are stable strings: match on `error.code`,
 * never on the message text.
 */
export type LosskitErrorCode =
  | 'SHAPE_MISMATCH'
  | 'RANK_MISMATCH'
  | 'LABEL_OUT_OF_RANGE'
  | 'NON_INTEGER_LABEL'
  | 'NON_FINITE_INPUT'
  | 'NON_FINITE_OUTPUT'
  | 'EMPTY_BATCH'
  | 'INVALID_PARAMETER'
  | 'INVALID_ARGUMENT'
  | 'INPUT_KIND_MISMATCH'
  | 'LEVEL_MISMATCH'
  | 'MISSING_INPUT'
  | 'BACKEND_UNAVAILABLE'
  | 'BACKEND_NOT_READY'
  | 'NOT_CONVERGED';

/** Details attached to a {@link LosskitError}: which argument, what was expected, what was seen. */
export interface LosskitErrorDetails {
  /** The argument or parameter name, e.g. `yTrue`, `labelSmoothing`. */
  readonly argument?: string;
  /** What was expected, in words: `"shape [B, C]"`, `"a number in [0, 1)"`. */
  readonly expected?: string;
  /** What was received, formatted for humans. */
  readonly received?: string;
}

/**
 * The one error type losskit throws for bad input or misuse. The message names the argument, the
 * expected shape, dtype or range and the received value, e.g.
 * `yTrue: label out of range: expected integers in [0, 10), received 12 at index 3`.
 */
export class LosskitError extends Error implements LosskitErrorDetails {
  override readonly name = 'LosskitError';
  readonly code: LosskitErrorCode;
  readonly argument?: string;
  readonly expected?: string;
  readonly received?: string;

  constructor(code: LosskitErrorCode, message: string, details: LosskitErrorDetails = {}) {
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

/** Formats a shape the way messages print it: `[4, 10]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws `INVALID_PARAMETER` unless `value` is a finite number satisfying `ok`. */
export function checkParam(
  name: string,
  value: unknown,
  expected: string,
  ok: (v: number) => boolean,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', {
      argument: name,
      expected,
      received: String(value),
    });
  }
  return value;
}

/** Parameter range checks used by builders; each returns the value so builders stay one-liners. */
export const params = {
  nonNegative: (name: string, v: unknown) => checkParam(name, v, 'a number >= 0', (x) => x >= 0),
  positive: (name: string, v: unknown) => checkParam(name, v, 'a number > 0', (x) => x > 0),
  unitInterval: (name: string, v: unknown) =>
    checkParam(name, v, 'a number in [0, 1)', (x) => x >= 0 && x < 1),
  closedUnitInterval: (name: string, v: unknown) =>
    checkParam(name, v, 'a number in [0, 1]', (x) => x >= 0 && x <= 1),
  openUnitInterval: (name: string, v: unknown) =>
    checkParam(name, v, 'a number in (0, 1)', (x) => x > 0 && x < 1),
  finite: (name: string, v: unknown) => checkParam(name, v, 'a finite number', () => true),
  positiveInteger: (name: string, v: unknown) =>
    checkParam(name, v, 'an integer >= 1', (x) => Number.isInteger(x) && x >= 1),
  inRange: (name: string, v: unknown, lo: number, hi: number) =>
    checkParam(name, v, `a number in [${lo}, ${hi}]`, (x) => x >= lo && x <= hi),
  /** A boolean flag (`undefined` is not accepted here: apply the default first). */
  boolean: (name: string, v: unknown): boolean => {
    if (typeof v !== 'boolean') throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: name, expected: 'true or false', received: JSON.stringify(v) ?? String(v) });
    return v;
  },
} as const;
