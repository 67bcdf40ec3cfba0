// The error class and its codes live in the dependency-free `@losskit/errors`, so every losskit package (including
// `@losskit/scaling`, which does not use tfjs) throws the same class.
import { LosskitError } from '@losskit/errors';

export { isLosskitError, LosskitError, type LosskitErrorCode, type LosskitErrorDetails } from '@losskit/errors';

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
