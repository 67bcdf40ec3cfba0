import { describe, expect, it, vi } from 'vitest';
import { isLosskitError, LosskitError } from '../src/index.js';

describe('LosskitError', () => {
  it('the message joins argument, message, expected and received; the fields are kept', () => {
    const e = new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'gamma', expected: 'a number ≥ 0', received: '-1' });
    expect(e.message).toBe('gamma: invalid hyperparameter: expected a number ≥ 0: received -1');
    expect(e).toMatchObject({ name: 'LosskitError', code: 'INVALID_PARAMETER', argument: 'gamma', expected: 'a number ≥ 0', received: '-1' });
    expect(e).toBeInstanceOf(Error);
  });

  it('without details the message is the bare message and the optional fields are absent', () => {
    const e = new LosskitError('EMPTY_BATCH', 'batch is empty');
    expect(e.message).toBe('batch is empty');
    expect('argument' in e || 'expected' in e || 'received' in e).toBe(false);
  });

  it('instanceof holds for an error made by a second copy of the class (duplicate installs)', async () => {
    // A fresh module instance: the same source loaded again under another URL, as a second installed copy would be.
    vi.resetModules();
    const copy = await import('../src/index.js');
    expect(copy.LosskitError).not.toBe(LosskitError);
    const e = new copy.LosskitError('INVALID_ARGUMENT', 'bad');
    expect(e instanceof LosskitError).toBe(true);
    expect(isLosskitError(e)).toBe(true);
  });

  it('plain errors and look-alike objects are not LosskitErrors', () => {
    expect(new Error('x') instanceof LosskitError).toBe(false);
    expect({ name: 'LosskitError', code: 'INVALID_ARGUMENT', message: 'x' } instanceof LosskitError).toBe(false);
    expect(isLosskitError(null)).toBe(false);
    expect(isLosskitError('LosskitError')).toBe(false);
  });

  it('a subclass claims only its own instances; the base class claims the subclass', () => {
    class DerivedError extends LosskitError {}
    const base = new LosskitError('INVALID_ARGUMENT', 'x');
    const derived = new DerivedError('INVALID_ARGUMENT', 'y');
    expect(derived instanceof LosskitError).toBe(true);
    expect(derived instanceof DerivedError).toBe(true);
    expect(base instanceof DerivedError).toBe(false);
  });
});
