// Test helpers shared by the suites (assertions; the float64 references live in reference.ts).
import type { LosskitError } from '@losskit/core';
import { expect } from 'vitest';

/** The `LosskitError` code `f` throws, or `'none'`. */
export function errorCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as LosskitError).code;
  }
  return 'none';
}

/** `got` is finite and within `tol` relative of `ref` (with a 1e-2 floor on |ref|). */
export function expectClose(got: number, ref: number, tol = 1e-5): void {
  expect(Number.isFinite(got)).toBe(true);
  expect(Math.abs(got - ref)).toBeLessThanOrEqual(tol * Math.max(Math.abs(ref), 1e-2));
}
