import { describe, expect, it } from 'vitest';
import { minimize } from '../src/lbfgs.js';

describe('minimize (L-BFGS / L-BFGS-B)', () => {
  it('finds the Rosenbrock minimum (1, 1) without bounds', () => {
    const r = minimize((x, g) => {
      const [a, b] = [x[0]!, x[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    }, [-1.2, 1], { gtol: 1e-10, ftol: 0 });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
  });

  it('respects bounds: min (x-3)^2 + (y+1)^2 on [0,2]x[0,5] is at (2, 0)', () => {
    const r = minimize((x, g) => {
      g[0] = 2 * (x[0]! - 3);
      g[1] = 2 * (x[1]! + 1);
      return (x[0]! - 3) ** 2 + (x[1]! + 1) ** 2;
    }, [1, 4], { bounds: [[0, 2], [0, 5]] });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(2, 10);
    expect(r.x[1]).toBeCloseTo(0, 10);
  });

  it('solves a 10-d ill-conditioned quadratic', () => {
    const d = Array.from({ length: 10 }, (_, i) => 10 ** (i / 3));
    const r = minimize((x, g) => {
      let f = 0;
      for (let i = 0; i < 10; i++) {
        g[i] = d[i]! * (x[i]! - i);
        f += 0.5 * d[i]! * (x[i]! - i) ** 2;
      }
      return f;
    }, new Array(10).fill(0), { gtol: 1e-9, ftol: 0 });
    expect(r.converged).toBe(true);
    r.x.forEach((v, i) => expect(v).toBeCloseTo(i, 6));
  });

  it('reports non-convergence when the iteration cap is hit', () => {
    const r = minimize((x, g) => {
      const [a, b] = [x[0]!, x[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    }, [-1.2, 1], { maxIterations: 3 });
    expect(r.converged).toBe(false);
    expect(r.reason).toBe('max-iterations');
  });

  it('reports a non-finite start', () => {
    const r = minimize((_x, g) => {
      g[0] = 0;
      return NaN;
    }, [0]);
    expect(r).toMatchObject({ converged: false, reason: 'non-finite' });
  });
});

describe('minimize ftolFloor', () => {
  // f = 1e-6 · Rosenbrock: per-iteration decreases fall below 2.2e-9 long before the minimum, so the default floor
  // (SciPy's 1, an absolute rule here) stops early; with the floor at 0 the rule is relative and the run reaches (1, 1).
  const fn = (x: Float64Array, g: Float64Array) => {
    const [a, b] = [x[0]!, x[1]!];
    g[0] = 1e-6 * (-2 * (1 - a) - 400 * a * (b - a * a));
    g[1] = 1e-6 * 200 * (b - a * a);
    return 1e-6 * ((1 - a) ** 2 + 100 * (b - a * a) ** 2);
  };
  it('the default floor 1 stops early on a tiny objective (ftol, x off by > 1e-4); ftolFloor 0 reaches x = (1, 1) to 1e-6', () => {
    const coarse = minimize(fn, [-1.2, 1], { gtol: 0 });
    const fine = minimize(fn, [-1.2, 1], { gtol: 0, ftolFloor: 0 });
    expect(coarse.reason).toBe('ftol');
    expect(Math.abs(coarse.x[0]! - 1)).toBeGreaterThan(1e-4);
    expect(Math.abs(fine.x[0]! - 1)).toBeLessThan(1e-6);
    expect(Math.abs(fine.x[1]! - 1)).toBeLessThan(1e-6);
  });
  it('a negative ftolFloor throws INVALID_ARGUMENT naming ftolFloor', () => {
    expect(() => minimize(fn, [0, 0], { ftolFloor: -1 })).toThrowError(/ftolFloor/);
  });
});
