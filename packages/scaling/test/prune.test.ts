import { describe, expect, it } from 'vitest';
import { chinchillaFamily, chinchillaGrid, createMinimizer, fitLaw, minimize, ScalingError } from '../src/index.js';
import { logUniform, testRng } from './helpers.js';

// Synthetic Chinchilla-like runs (Epoch's replication values as truth, 1% log-normal noise).
const TRUTH = { A: 482.01, B: 2085.43, E: 1.817, alpha: 0.3478, beta: 0.3658 };
function runs(n: number, sigma: number, seed: number) {
  const r = testRng(seed);
  return Array.from({ length: n }, () => {
    const C = logUniform(r, 1.4e18, 1.3e22);
    const N = logUniform(r, 5.7e7, 1.6e10);
    const D = C / (6 * N);
    const L = TRUTH.E + TRUTH.A / N ** TRUTH.alpha + TRUTH.B / D ** TRUTH.beta;
    return { N, D, loss: L * Math.exp(sigma * r.normal()) };
  });
}

const rosenbrock = (x: Float64Array, g: Float64Array) => {
  const [a, b] = [x[0]!, x[1]!];
  g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
  g[1] = 200 * (b - a * a);
  return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
};

describe('resumable L-BFGS', () => {
  it('a run paused at iteration 5 and resumed equals an uninterrupted run exactly', () => {
    const whole = minimize(rosenbrock, [-1.2, 1]);
    const m = createMinimizer(rosenbrock, [-1.2, 1]);
    expect(m.runUntil(5)).toBeUndefined();
    const paused = m.snapshot();
    expect(paused.iterations).toBe(5);
    expect(paused.reason).toBe('stopped');
    expect(paused.converged).toBe(false);
    const resumed = m.run();
    expect(resumed).toEqual(whole);
    expect(m.run()).toBe(resumed);
    expect(whole.converged).toBe(true);
  });
});

describe('multi-start pruning', () => {
  const data = runs(240, 0.01, 21);
  const full = fitLaw(chinchillaFamily, data, { prune: false });
  const pruned = fitLaw(chinchillaFamily, data); // default for the 4500-start grid: { after: 5, keep: 0.1 }

  it('reports every start; pruned starts say so; continued starts match the exhaustive run bit for bit', () => {
    expect(full.pruned).toBe(0);
    expect(pruned.starts.length).toBe(chinchillaGrid.length);
    const stopped = pruned.starts.filter((s) => s.reason === 'stopped');
    expect(stopped.length).toBe(pruned.pruned);
    expect(pruned.pruned).toBeGreaterThan(3000);
    for (const s of stopped) {
      expect(s.converged).toBe(false);
      expect(s.iterations).toBe(5);
    }
    // Kept = at most 10% of the grid (450) plus the starts that finished within 5 iterations.
    const continued = pruned.starts.filter((s) => s.reason !== 'stopped' && s.iterations > 5);
    expect(continued.length).toBeLessThanOrEqual(450);
    pruned.starts.forEach((s, k) => {
      if (s.reason !== 'stopped') expect(s).toEqual(full.starts[k]);
    });
  });

  it('the pruned optimum equals the exhaustive optimum (to the solver tolerance) on this data', () => {
    expect(pruned.converged).toBe(true);
    // The best converged start among the kept ones is the pruned result's winning start (exactly); the polish of
    // that start can only lower the objective, by exactly the improvement it reports.
    const keptBest = Math.min(...full.starts.filter((_, k) => pruned.starts[k]!.reason !== 'stopped' && full.starts[k]!.converged).map((s) => s.objective));
    expect(pruned.starts[pruned.bestStart]!.objective).toBe(keptBest);
    expect(pruned.objective).toBeLessThanOrEqual(keptBest);
    expect(Math.abs(keptBest - pruned.polish!.improvement - pruned.objective)).toBeLessThan(1e-18);
    // And it is the exhaustive optimum: SciPy's ftol (2.2e-9 relative) ends converged starts in the same
    // basin at slightly different points, so "equal" means within that tolerance.
    expect(Math.abs(pruned.objective / full.objective - 1)).toBeLessThan(1e-8);
    for (const k of ['A', 'B', 'E', 'alpha', 'beta'] as const) {
      expect(Math.abs(pruned.params[k] / full.params[k] - 1)).toBeLessThan(1e-3);
    }
    expect(Math.abs(pruned.params.alpha - full.params.alpha)).toBeLessThan(1e-5);
    expect(Math.abs(pruned.params.beta - full.params.beta)).toBeLessThan(1e-5);
  });

  it('small grids are not pruned by default; bad prune options throw INVALID_ARGUMENT', () => {
    const small = runs(60, 0.01, 4);
    const starts = chinchillaGrid.filter((_, i) => i % 50 === 0);
    expect(fitLaw(chinchillaFamily, small, { starts }).pruned).toBe(0);
    for (const prune of [{ keep: 0 }, { keep: 1.5 }, { after: -1 }, { after: 2.5 }]) {
      let err: unknown;
      try {
        fitLaw(chinchillaFamily, small, { starts, prune });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScalingError);
      expect((err as ScalingError).code).toBe('INVALID_ARGUMENT');
    }
  });
});
