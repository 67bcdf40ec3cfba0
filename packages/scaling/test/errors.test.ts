import { describe, expect, it } from 'vitest';
import { chinchillaFamily, fitLaw, powerLawFamily, ScalingError } from '../src/index.js';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScalingError);
    return (e as ScalingError).code;
  }
  return 'no error';
};

describe('bad input gives typed errors', () => {
  it('fewer runs than parameters: TOO_FEW_RUNS', () => {
    const runs = [1, 2, 3, 4].map((i) => ({ N: 1e8 * i, D: 1e9 * i, loss: 3 - 0.1 * i }));
    expect(code(() => fitLaw(chinchillaFamily, runs))).toBe('TOO_FEW_RUNS');
  });
  it('all-equal N: DEGENERATE_DATA', () => {
    const runs = [1, 2, 3, 4, 5, 6].map((i) => ({ N: 1e8, D: 1e9 * i, loss: 3 - 0.1 * i }));
    expect(code(() => fitLaw(chinchillaFamily, runs))).toBe('DEGENERATE_DATA');
  });
  it('non-finite or non-positive values: INVALID_VALUE', () => {
    const ok = [1, 2, 3, 4, 5, 6].map((i) => ({ N: 1e8 * i, D: 1e9 * i, loss: 3 - 0.1 * i }));
    expect(code(() => fitLaw(chinchillaFamily, ok.map((r, i) => (i === 2 ? { ...r, loss: NaN } : r))))).toBe('INVALID_VALUE');
    expect(code(() => fitLaw(chinchillaFamily, ok.map((r, i) => (i === 2 ? { ...r, N: Infinity } : r))))).toBe('INVALID_VALUE');
    expect(code(() => fitLaw(chinchillaFamily, ok.map((r, i) => (i === 2 ? { ...r, D: -1 } : r))))).toBe('INVALID_VALUE');
  });
  it('bad options: INVALID_ARGUMENT', () => {
    const runs = [1, 2, 3, 4, 5, 6].map((i) => ({ N: 1e8 * i, loss: 3 - 0.1 * i }));
    expect(code(() => fitLaw(powerLawFamily('N'), runs, { delta: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => fitLaw(powerLawFamily('N'), runs, { starts: [[1, 2]] }))).toBe('INVALID_ARGUMENT');
  });
  it('a fit that does not converge says so (NOT_CONVERGED), or flags it when allowed', () => {
    const runs = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({ N: 1e8 * i, D: 3e9 * i ** 1.3, loss: 2 + 400 / (1e8 * i) ** 0.34 + 400 / (3e9 * i ** 1.3) ** 0.28 }));
    const opts = { starts: [[0, 0, 0, 0, 0]], maxIterations: 2 };
    expect(code(() => fitLaw(chinchillaFamily, runs, opts))).toBe('NOT_CONVERGED');
    const flagged = fitLaw(chinchillaFamily, runs, { ...opts, requireConvergence: false });
    expect(flagged.converged).toBe(false);
    expect(flagged.reason).toBe('max-iterations');
  });
  it('errors carry argument, expected and received', () => {
    const err = (() => {
      try {
        fitLaw(chinchillaFamily, [{ N: 1, D: 1, loss: 1 }]);
      } catch (e) {
        return e as ScalingError;
      }
      return undefined;
    })();
    expect(err).toMatchObject({ name: 'LosskitError', code: 'TOO_FEW_RUNS', argument: 'runs', expected: 'at least 5 runs', received: '1' });
  });
  it('a fit never returns a law outside its domain: a start converged at alpha = -0.2 is NOT_CONVERGED, not a law', () => {
    // Data that rise with N (L = 2 + 1e-3·N^0.2 + 400/D^0.28), started at that exact point (log A = log 1e-3, alpha = -0.2).
    const D = (i: number) => 3e9 * (((i * 7) % 5) + 1);
    const runs = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({ N: 1e8 * i, D: D(i), loss: 2 + 1e-3 * (1e8 * i) ** 0.2 + 400 / D(i) ** 0.28 }));
    const start = [[Math.log(1e-3), Math.log(400), Math.log(2), -0.2, 0.28]];
    expect(() => fitLaw(chinchillaFamily, runs, { starts: start })).toThrow(expect.objectContaining({ code: 'NOT_CONVERGED', argument: 'runs', received: expect.stringMatching(/alpha.*-0\.2/) }));
    // With a second start that converges inside the domain, that one wins.
    const fit = fitLaw(chinchillaFamily, runs, { starts: [...start, [0, 5, 0.5, 0.3, 0.3]], requireConvergence: false });
    expect(fit.law.params.alpha).toBeGreaterThan(0);
  });
});

describe('scaling errors are LosskitErrors', () => {
  it('a bad fit input throws the same LosskitError class as @losskit/core', async () => {
    const { LosskitError: CoreError } = await import('@losskit/core');
    let caught: unknown;
    try {
      fitLaw(chinchillaFamily, [{ N: 1, D: 1, loss: 1 }]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CoreError);
    expect(caught).toBeInstanceOf(ScalingError);
  });
});

describe('boolean options', () => {
  it('fitLaw rejects a non-boolean requireConvergence with INVALID_ARGUMENT naming it', () => {
    const runs = [1, 2, 3, 4, 5, 6].map((i) => ({ N: 1e8 * i, D: 1e9 * i, loss: 2 + 400 / (1e8 * i) ** 0.34 + 400 / (1e9 * i) ** 0.28 }));
    expect(() => fitLaw(chinchillaFamily, runs, { requireConvergence: 'no' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'requireConvergence' }));
  });
});
