/**
 * L-BFGS and L-BFGS-B (box bounds) in float64, written for small problems (a handful of parameters,
 * a few hundred data points) where the objective and its analytic gradient are cheap.
 *
 * Algorithm: limited-memory BFGS two-loop recursion (Nocedal & Wright, "Numerical Optimization",
 * Alg. 7.4) on the free variables; with bounds, variables sitting on a bound whose gradient points
 * outward are frozen for the step and the trial point is projected back into the box (a projected
 * L-BFGS in the spirit of Byrd, Lu, Nocedal & Zhu 1995, "A Limited Memory Algorithm for Bound
 * Constrained Optimization", without the generalized Cauchy point). The line search backtracks with
 * safeguarded quadratic interpolation until the Armijo condition holds along the projected path.
 *
 * Stopping rules follow SciPy's L-BFGS-B defaults: projected-gradient infinity norm `<= gtol`
 * (default 1e-5) or relative decrease `(f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol`
 * (default 2.22e-9 = 1e7 machine epsilons; the floor 1 is the `ftolFloor` option). Hitting
 * `maxIterations`, `maxEvaluations`, a failed line
 * search or a non-finite value reports `converged: false` with the reason.
 */
import { checkFunction, checkNumber, checkOptions, describeValue, ScalingError } from './errors.js';

/** Objective: writes the gradient into `grad` and returns the value (NaN/Infinity = invalid point). */
export type ObjectiveFunction = (x: Float64Array, grad: Float64Array) => number;

/** Options of {@link minimize}. */
export interface MinimizeOptions {
  /** Per-variable `[lo, hi]` (use ±Infinity for a free side). Omit for plain L-BFGS. */
  readonly bounds?: readonly (readonly [number, number])[] | undefined;
  /** Default 1000. */
  readonly maxIterations?: number;
  /** Default 20 × maxIterations. */
  readonly maxEvaluations?: number;
  /** Number of correction pairs kept. Default 10. */
  readonly memory?: number;
  /** Projected-gradient tolerance (infinity norm). Default 1e-5. */
  readonly gtol?: number;
  /** Relative function-decrease tolerance. Default 2.220446049250313e-9. */
  readonly ftol?: number;
  /**
   * Floor of the relative-decrease denominator: the run stops when `(f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, ftolFloor)
   * <= ftol`. Default 1 (SciPy's L-BFGS-B). With the floor at 1 the rule is absolute for objectives far below 1;
   * 0 makes it purely relative (a run whose objective reaches exactly 0 then stops with `'ftol'`).
   */
  readonly ftolFloor?: number;
}

/** Why {@link minimize} stopped. */
/** `'stopped'`: paused by the caller before any stopping rule fired (e.g. a start pruned by a multi-start fit). */
export type StopReason = 'gradient' | 'ftol' | 'max-iterations' | 'max-evaluations' | 'line-search' | 'non-finite' | 'stopped';

/** Result of {@link minimize}. */
export interface MinimizeResult {
  readonly x: number[];
  readonly f: number;
  /** Infinity norm of the projected gradient at `x`. */
  readonly gradientNorm: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
  readonly reason: StopReason;
}

const EPS = 2.220446049250313e-16;

/** Box bounds: `undefined`, or `p` pairs `[lo, hi]` with lo <= hi (±Infinity allowed, NaN not). */
export function checkBounds(bounds: unknown, p: number, argument = 'bounds'): void {
  if (bounds === undefined) return;
  if (!Array.isArray(bounds) || bounds.length !== p) {
    throw new ScalingError('INVALID_ARGUMENT', 'one [lo, hi] pair per coordinate', { argument, expected: `${p} pairs [lo, hi]`, received: Array.isArray(bounds) ? `${bounds.length} pairs` : describeValue(bounds) });
  }
  bounds.forEach((b: unknown, i) => {
    const ok = Array.isArray(b) && b.length === 2 && typeof b[0] === 'number' && typeof b[1] === 'number' && !Number.isNaN(b[0]) && !Number.isNaN(b[1]) && b[0] <= b[1];
    if (!ok) throw new ScalingError('INVALID_ARGUMENT', `bad bound for coordinate ${i}`, { argument, expected: '[lo, hi] with lo <= hi', received: Array.isArray(b) ? `[${b.join(', ')}]` : describeValue(b) });
  });
}


/**
 * Minimizes `fn` from `x0` with L-BFGS (or L-BFGS-B when `bounds` are given).
 *
 * @example
 * ```ts
 * const r = minimize((x, g) => { g[0] = 2 * (x[0]! - 3); return (x[0]! - 3) ** 2; }, [0]);
 * r.x; // [3]
 * ```
 */
export function minimize(fn: ObjectiveFunction, x0: readonly number[], options?: MinimizeOptions): MinimizeResult {
  return createMinimizer(fn, x0, options).run();
}

/**
 * A resumable L-BFGS run: {@link Minimizer.run} advances it, optionally pausing once `iterations`
 * reaches a given count, and continues exactly where it stopped (same curvature memory, so a run paused
 * and resumed follows the same trajectory as an uninterrupted {@link minimize}).
 */
export interface Minimizer {
  /** Advances until a stopping rule fires; returns the result (the same object on later calls). */
  run(): MinimizeResult;
  /** Advances until a stopping rule fires (returns the result) or `iterations` reaches `pauseAt` (returns undefined). */
  runUntil(pauseAt: number): MinimizeResult | undefined;
  /** The result if finished; otherwise the current iterate with `reason: 'stopped'`, `converged: false`. */
  snapshot(): MinimizeResult;
}

/**
 * Starts a resumable L-BFGS(-B) run (the objective is evaluated once, at `x0`). Same algorithm and
 * options as {@link minimize}.
 *
 * @example
 * ```ts
 * const m = createMinimizer(fn, [0, 0]);
 * if (m.runUntil(5) === undefined && m.snapshot().f < threshold) m.run(); // continue promising runs only
 * ```
 */
export function createMinimizer(fn: ObjectiveFunction, x0: readonly number[], options?: MinimizeOptions): Minimizer {
  checkFunction('fn', fn, '(x, grad) => value');
  options = checkOptions(options);
  if (!Array.isArray(x0) || x0.length === 0 || !x0.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new ScalingError('INVALID_ARGUMENT', 'the start must be finite numbers', { argument: 'x0', expected: 'a non-empty array of finite numbers', received: Array.isArray(x0) ? `[${x0.join(', ')}]` : describeValue(x0) });
  }
  const n = x0.length;
  const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
  const maxIter = checkNumber('maxIterations', options.maxIterations ?? 1000, 'an integer >= 1', positiveInt);
  const maxEval = checkNumber('maxEvaluations', options.maxEvaluations ?? 20 * maxIter, 'an integer >= 1', positiveInt);
  const m = checkNumber('memory', options.memory ?? 10, 'an integer >= 1', positiveInt);
  const gtol = checkNumber('gtol', options.gtol ?? 1e-5, 'a number >= 0', (v) => v >= 0);
  const ftol = checkNumber('ftol', options.ftol ?? 1e7 * EPS, 'a number >= 0', (v) => v >= 0);
  const ftolFloor = checkNumber('ftolFloor', options.ftolFloor ?? 1, 'a number >= 0', (v) => v >= 0);
  checkBounds(options.bounds, n);
  const lo = new Float64Array(n).fill(-Infinity);
  const hi = new Float64Array(n).fill(Infinity);
  if (options.bounds) {
    for (let i = 0; i < n; i++) {
      const b = options.bounds[i];
      if (b) {
        lo[i] = b[0];
        hi[i] = b[1];
      }
    }
  }
  let x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.min(hi[i]!, Math.max(lo[i]!, x0[i]!));
  let g = new Float64Array(n);
  let xn = new Float64Array(n);
  let gn = new Float64Array(n);
  const d = new Float64Array(n);
  const q = new Float64Array(n);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  let f = fn(x, g);
  let evals = 1;
  let iter = 0;

  const projGradNorm = (xx: Float64Array, gg: Float64Array): number => {
    let r = 0;
    for (let i = 0; i < n; i++) {
      const gi = gg[i]!;
      // SciPy's definition: the size of the step to the bound along -g, capped by |g|.
      const pg = gi < 0 ? Math.max(xx[i]! - hi[i]!, gi) : Math.min(xx[i]! - lo[i]!, gi);
      const a = Math.abs(pg);
      if (a > r) r = a;
    }
    return r;
  };
  const done = (reason: StopReason, converged: boolean): MinimizeResult => ({
    x: Array.from(x),
    f,
    gradientNorm: projGradNorm(x, g),
    iterations: iter,
    evaluations: evals,
    converged,
    reason,
  });

  let finished: MinimizeResult | undefined;
  if (!Number.isFinite(f)) finished = done('non-finite', false);
  for (let i = 0; i < n && !finished; i++) if (!Number.isFinite(g[i]!)) finished = done('non-finite', false);

  let retried = false;
  const step = (pauseAt: number): MinimizeResult | undefined => {
  while (true) {
    if (projGradNorm(x, g) <= gtol) return done('gradient', true);
    if (iter >= maxIter) return done('max-iterations', false);
    if (iter >= pauseAt) return undefined;
    if (evals >= maxEval) return done('max-evaluations', false);

    // Direction: two-loop recursion on the free variables.
    let qNorm = 0;
    for (let i = 0; i < n; i++) {
      const fixed = (x[i]! <= lo[i]! && g[i]! > 0) || (x[i]! >= hi[i]! && g[i]! < 0);
      q[i] = fixed ? 0 : g[i]!;
      qNorm = Math.max(qNorm, Math.abs(q[i]!));
    }
    const k = S.length;
    for (let j = k - 1; j >= 0; j--) {
      const s = S[j]!;
      let dot = 0;
      for (let i = 0; i < n; i++) dot += s[i]! * q[i]!;
      const a = rho[j]! * dot;
      alpha[j] = a;
      const y = Y[j]!;
      for (let i = 0; i < n; i++) q[i] = q[i]! - a * y[i]!;
    }
    let gamma = 1;
    if (k > 0) {
      const s = S[k - 1]!;
      const y = Y[k - 1]!;
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < n; i++) {
        sy += s[i]! * y[i]!;
        yy += y[i]! * y[i]!;
      }
      gamma = sy / yy;
    }
    for (let i = 0; i < n; i++) q[i] = q[i]! * gamma;
    for (let j = 0; j < k; j++) {
      const y = Y[j]!;
      let dot = 0;
      for (let i = 0; i < n; i++) dot += y[i]! * q[i]!;
      const b = rho[j]! * dot;
      const s = S[j]!;
      const a = alpha[j]!;
      for (let i = 0; i < n; i++) q[i] = q[i]! + (a - b) * s[i]!;
    }
    let dg = 0;
    for (let i = 0; i < n; i++) {
      const fixed = (x[i]! <= lo[i]! && g[i]! > 0) || (x[i]! >= hi[i]! && g[i]! < 0);
      d[i] = fixed ? 0 : -q[i]!;
      dg += d[i]! * g[i]!;
    }
    let t = 1;
    if (!(dg < 0) || k === 0) {
      // Not a descent direction (or first step): steepest descent, scaled like SciPy's first step.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      dg = 0;
      for (let i = 0; i < n; i++) {
        const fixed = (x[i]! <= lo[i]! && g[i]! > 0) || (x[i]! >= hi[i]! && g[i]! < 0);
        d[i] = fixed ? 0 : -g[i]!;
        dg += d[i]! * g[i]!;
      }
      t = qNorm > 0 ? Math.min(1, 1 / qNorm) : 1;
    }

    // Backtracking line search along the projected path.
    let accepted = false;
    let fNew = NaN;
    for (let ls = 0; ls < 40; ls++) {
      if (evals >= maxEval) return done('max-evaluations', false);
      let decrease = 0;
      for (let i = 0; i < n; i++) {
        const v = Math.min(hi[i]!, Math.max(lo[i]!, x[i]! + t * d[i]!));
        xn[i] = v;
        decrease += g[i]! * (v - x[i]!);
      }
      fNew = fn(xn, gn);
      evals++;
      let finite = Number.isFinite(fNew);
      if (finite) for (let i = 0; i < n && finite; i++) finite = Number.isFinite(gn[i]!);
      if (finite && fNew <= f + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      if (finite) {
        const denom = 2 * (fNew - f - dg * t);
        const tq = denom > 0 ? (-dg * t * t) / denom : 0.5 * t;
        t = Math.min(0.5 * t, Math.max(0.1 * t, tq));
      } else {
        t *= 0.1;
      }
    }
    if (!accepted) {
      if (S.length > 0 && !retried) {
        // Drop the curvature memory once and retry with steepest descent.
        S.length = 0;
        Y.length = 0;
        rho.length = 0;
        retried = true;
        continue;
      }
      return done('line-search', false);
    }
    retried = false;
    iter++;

    // Curvature pair.
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xn[i]! - x[i]!;
      y[i] = gn[i]! - g[i]!;
      sy += s[i]! * y[i]!;
      yy += y[i]! * y[i]!;
    }
    if (sy > EPS * yy) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const fOld = f;
    [x, xn] = [xn, x];
    [g, gn] = [gn, g];
    f = fNew;
    const scale = Math.max(Math.abs(fOld), Math.abs(f), ftolFloor);
    if (scale === 0 || (fOld - f) / scale <= ftol) return done('ftol', true);
  }
  };
  const advance = (pauseAt: number): MinimizeResult | undefined => {
    if (!finished) finished = step(pauseAt);
    return finished;
  };
  return {
    run: () => advance(Infinity)!,
    runUntil: (pauseAt: number) => {
      if (typeof pauseAt !== 'number' || Number.isNaN(pauseAt) || pauseAt < 0 || (Number.isFinite(pauseAt) && !Number.isInteger(pauseAt))) {
        throw new ScalingError('INVALID_ARGUMENT', 'pauseAt must be an iteration count', { argument: 'pauseAt', expected: 'an integer >= 0 (or Infinity)', received: describeValue(pauseAt) });
      }
      return advance(pauseAt);
    },
    snapshot: () => finished ?? done('stopped', false),
  };
}
