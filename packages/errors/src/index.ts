/**
 * `@losskit/errors`: the one typed error every losskit package throws. It has no dependencies, so packages that do not
 * use tfjs (such as `@losskit/scaling`) throw the same class as `@losskit/core`, and `err instanceof LosskitError`
 * holds for an error from any losskit package, even when a project ends up with two copies of this package.
 *
 * @packageDocumentation
 */

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
  | 'INVALID_VALUE'
  | 'INPUT_KIND_MISMATCH'
  | 'LEVEL_MISMATCH'
  | 'MISSING_INPUT'
  | 'MISSING_COLUMN'
  | 'TOO_FEW_RUNS'
  | 'DEGENERATE_DATA'
  | 'PARSE_ERROR'
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

/** Registry-wide brand, so `instanceof` agrees across duplicate installs of this package. */
const BRAND: unique symbol = Symbol.for('@losskit/errors.LosskitError') as never;

/**
 * The one error type losskit throws for bad input or misuse. The message names the argument, the
 * expected shape, dtype or range and the received value, e.g.
 * `yTrue: label out of range: expected integers in [0, 10), received 12 at index 3`.
 *
 * `instanceof LosskitError` is true for any error created by any copy of this class (a global symbol brand), so a
 * project with two versions of a losskit package still recognises both packages' errors.
 *
 * @example
 * ```ts
 * try { fitLaw(runs, 'chinchilla'); } catch (e) { if (e instanceof LosskitError) console.log(e.code, e.argument); }
 * ```
 */
export class LosskitError extends Error implements LosskitErrorDetails {
  override readonly name: string = 'LosskitError';
  readonly code: LosskitErrorCode;
  declare readonly argument?: string;
  declare readonly expected?: string;
  declare readonly received?: string;

  constructor(code: LosskitErrorCode, message: string, details: LosskitErrorDetails = {}) {
    const parts = [details.argument ? `${details.argument}: ${message}` : message];
    if (details.expected !== undefined) parts.push(`expected ${details.expected}`);
    if (details.received !== undefined) parts.push(`received ${details.received}`);
    super(parts.join(': '));
    this.code = code;
    if (details.argument !== undefined) this.argument = details.argument;
    if (details.expected !== undefined) this.expected = details.expected;
    if (details.received !== undefined) this.received = details.received;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for an error made by this class or a subclass, from any copy of this package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[BRAND] !== true) return false;
    // A subclass (e.g. a package's own error type) only claims its own instances.
    return this === LosskitError || Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** True when `value` is a {@link LosskitError} (from any copy of this package). Same as `value instanceof LosskitError`. */
export function isLosskitError(value: unknown): value is LosskitError {
  return value instanceof LosskitError;
}
