import { checkBoolean, checkFunction, checkNumber, checkOptions, describeValue, ScalingError } from './errors.js';
import type { Law, LawFamily } from './law.js';
import { checkBounds, createMinimizer, type Minimizer, type MinimizeResult, type StopReason } from './lbfgs.js';

/** One run (a row of a run table): input values by name plus the target (default key `loss`). */
export type Run = Readonly<Record<string, number>>;

/** Robust loss applied to log-space residuals. */
export type ResidualLoss = 'huber' | 'squared';

/** Options of {@link fitLaw}. */
export interface FitOptions {
  /** Key of the target in each run. Default `'loss'`. */
  readonly target?: string;
  /** `'huber'` (default): Σ Huber_δ(r); `'squared'`: Σ r²/2, with r = log ŷ − log y. */
  readonly loss?: ResidualLoss;
  /** Huber threshold δ. Default 1e-3 (Hoffmann et al.). */
  readonly delta?: number;
  /** Starts in θ space (`family.thetaNames` order). Default: the family's grid. */
  readonly starts?: readonly (readonly number[])[];
  /** Box bounds in θ space; default the family's. */
  readonly bounds?: readonly (readonly [number, number])[] | undefined;
  /** Per-start iteration cap. Default 1000. */
  readonly maxIterations?: number;
  /** Projected-gradient tolerance. Default 1e-5 (SciPy's L-BFGS-B `pgtol`). */
  readonly gtol?: number;
  /** Relative decrease tolerance. Default 2.22e-9 (SciPy's `factr = 1e7`). */
  readonly ftol?: number;
  /** Per-run weights (bootstrap multiplicities). Default all 1. */
  readonly weights?: ArrayLike<number>;
  /** Throw `NOT_CONVERGED` when no start converged (default true); false returns the best start flagged. */
  readonly requireConvergence?: boolean;
  /**
   * Multi-start pruning. Every start runs `after` L-BFGS iterations; then only the `keep` fraction of
   * all starts (at least one) with the lowest objective among those still running is continued to
   * convergence. The others stop there and are reported honestly in `starts` (`reason: 'stopped'`,
   * `converged: false`, their objective at that point). A continued start follows exactly the same
   * trajectory as without pruning, so whenever the winning start survives the cut the result is
   * identical to the exhaustive run. Default: `{ after: 5, keep: 0.1 }` for grids of 1000 starts or
   * more (the 4500-point Chinchilla grid), none for smaller grids; `false` runs every start to the end.
   */
  readonly prune?: PruneOptions | false;
  /**
   * Continue the winning start with the relative-decrease rule's floor removed (`ftolFloor: 0`, `gtol: 0`), keeping the result
   * when it lowers the objective. Default true. SciPy's rule divides the decrease by max(|f_k|, |f_k+1|, 1): for an
   * objective far below 1 (Huber at δ = 1e-3 on small log residuals) it is an absolute 2.2e-9 per iteration, which
   * ends slow starts before the optimum (e.g. Kaplan L(N) on noise-free data). `false` returns the multi-start
   * winner as SciPy would.
   */
  readonly polish?: boolean;
  /** Called as starts finish (and as the first phase of a pruned fit advances): `done` of `total` work units. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Options of multi-start pruning (see {@link FitOptions.prune}). */
export interface PruneOptions {
  /** Iterations every start runs before the cut. Default 5. */
  readonly after?: number;
  /** Fraction of all starts continued after the cut, in (0, 1]. Default 0.1. */
  readonly keep?: number;
}

/** What happened from one start. */
export interface StartOutcome {
  readonly start: readonly number[];
  readonly theta: readonly number[];
  readonly objective: number;
  readonly converged: boolean;
  readonly reason: StopReason;
  readonly iterations: number;
  readonly evaluations: number;
}

/** Result of {@link fitLaw}. */
export interface FitResult<P extends string = string, I extends string = string> {
  readonly law: Law<P, I>;
  readonly params: Readonly<Record<P, number>>;
  /** Final objective (Σ Huber or Σ r²/2 in log space) at the best start. */
  readonly objective: number;
  readonly converged: boolean;
  readonly reason: StopReason;
  readonly iterations: number;
  readonly evaluations: number;
  readonly theta: readonly number[];
  readonly thetaNames: readonly string[];
  /** Index into `starts` of the winning start. */
  readonly bestStart: number;
  /** Every start's outcome, in start order (pruned starts have `reason: 'stopped'`). */
  readonly starts: readonly StartOutcome[];
  /** Number of starts stopped by pruning before convergence (0 when not pruning). */
  readonly pruned: number;
  /** Number of runs fitted. */
  readonly n: number;
  readonly loss: ResidualLoss;
  readonly delta: number;
  /** log ŷ − log y per run at the optimum. */
  readonly residuals: readonly number[];
  /**
   * The polish of the winning start (see {@link FitOptions.polish}): its iterations, evaluations and stop reason, and
   * how much it lowered the objective (0 when it did not; `theta`, `params` and `objective` are the polished ones
   * otherwise). Undefined with `polish: false`.
   */
  readonly polish: { readonly iterations: number; readonly evaluations: number; readonly reason: StopReason; readonly improvement: number } | undefined;
}

/** Input columns (log-transformed where the family says so) and log targets, validated. */
export interface PreparedData {
  readonly cols: Float64Array[];
  readonly logY: Float64Array;
  readonly n: number;
}

/** Throws `INVALID_ARGUMENT` (argument `family`) unless `family` has what the fitter calls. */
export function checkFamily(family: unknown): void {
  const f = family as Partial<LawFamily> | null;
  const ok =
    !!f &&
    typeof f === 'object' &&
    typeof f.id === 'string' &&
    [f.paramNames, f.inputNames, f.thetaNames, f.varyingInputs, f.positiveInputs].every(Array.isArray) &&
    ['defaultStarts', 'logPredict', 'toParams', 'toTheta', 'create'].every((k) => typeof (f as Record<string, unknown>)[k] === 'function');
  if (!ok) throw new ScalingError('INVALID_ARGUMENT', 'not a law family', { argument: 'family', expected: 'a LawFamily such as chinchillaFamily or powerLawFamily("N")', received: describeValue(family) });
}

/** Validates runs for a family and builds the columns the objective needs. Throws typed errors. */
export function prepareData(family: LawFamily, runs: readonly Run[], target = 'loss'): PreparedData {
  if (!Array.isArray(runs)) throw new ScalingError('INVALID_ARGUMENT', 'runs must be an array of objects', { argument: 'runs', expected: 'an array of { input: number, ..., loss: number }', received: describeValue(runs) });
  const n = runs.length;
  const p = family.thetaNames.length;
  if (n < p) {
    throw new ScalingError('TOO_FEW_RUNS', `${family.id} has ${p} free parameters; fewer runs than parameters cannot determine them`, {
      argument: 'runs',
      expected: `at least ${p} runs`,
      received: `${n}`,
    });
  }
  const cols = family.inputNames.map(() => new Float64Array(n));
  const logY = new Float64Array(n);
  const positive = new Set<string>(family.positiveInputs);
  for (let i = 0; i < n; i++) {
    const r = runs[i] as Record<string, unknown>;
    if (r === null || typeof r !== 'object') {
      throw new ScalingError('INVALID_ARGUMENT', `run ${i} is not an object`, { argument: 'runs', expected: `objects with ${[...family.inputNames, target].join(', ')}`, received: `${describeValue(r)} at index ${i}` });
    }
    family.inputNames.forEach((name, j) => {
      const v = r[name];
      if (typeof v !== 'number' || !Number.isFinite(v) || (positive.has(name) && v <= 0)) {
        throw new ScalingError('INVALID_VALUE', `run ${i}: ${name} must be a finite${positive.has(name) ? ' positive' : ''} number`, {
          argument: name,
          expected: positive.has(name) ? 'a finite number > 0' : 'a finite number',
          received: String(v),
        });
      }
      cols[j]![i] = positive.has(name) ? Math.log(v) : v;
    });
    const y = r[target];
    if (typeof y !== 'number' || !Number.isFinite(y) || y <= 0) {
      throw new ScalingError('INVALID_VALUE', `run ${i}: ${target} must be a finite positive number (fits are in log space)`, {
        argument: target,
        expected: 'a finite number > 0',
        received: String(y),
      });
    }
    logY[i] = Math.log(y);
  }
  family.varyingInputs.forEach((name) => {
    const c = cols[family.inputNames.indexOf(name)]!;
    if (c.every((v) => v === c[0])) {
      throw new ScalingError('DEGENERATE_DATA', `${family.id}: every run has the same ${name}, so its exponent cannot be identified`, {
        argument: name,
        expected: 'at least two distinct values',
        received: `all ${positive.has(name) ? Math.exp(c[0]!) : c[0]}`,
      });
    }
  });
  return { cols, logY, n };
}

/** Per-run weights: `data.n` finite numbers >= 0, not all 0 (`INVALID_ARGUMENT`, argument `weights`). */
function checkWeights(w: unknown, n: number): ArrayLike<number> | undefined {
  if (w === undefined) return undefined;
  if ((!Array.isArray(w) && !ArrayBuffer.isView(w)) || (w as ArrayLike<unknown>).length !== n) {
    throw new ScalingError('INVALID_ARGUMENT', 'one weight per run', { argument: 'weights', expected: `${n} finite numbers >= 0`, received: Array.isArray(w) || ArrayBuffer.isView(w) ? `${(w as ArrayLike<unknown>).length} weights` : describeValue(w) });
  }
  const arr = w as ArrayLike<unknown>;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ScalingError('INVALID_ARGUMENT', 'weights must be finite and >= 0', { argument: 'weights', expected: 'finite numbers >= 0', received: `${describeValue(v)} at index ${i}` });
    total += v;
  }
  if (total === 0) throw new ScalingError('INVALID_ARGUMENT', 'every weight is 0', { argument: 'weights', expected: 'at least one weight > 0', received: 'all 0' });
  return arr as ArrayLike<number>;
}

/**
 * Builds the log-space objective Σ ρ(log ŷ_i(θ) − log y_i) (ρ = Huber_δ or r²/2, weighted) with its
 * analytic gradient, for {@link minimize}. Huber: ρ(r) = r²/2 for |r| ≤ δ, δ(|r| − δ/2) otherwise
 * (SciPy's `scipy.special.huber`).
 */
export function makeObjective(
  family: LawFamily,
  data: PreparedData,
  loss: ResidualLoss,
  delta: number,
  weights?: ArrayLike<number>,
): (theta: Float64Array, grad: Float64Array) => number {
  const { cols, logY, n } = data;
  const p = family.thetaNames.length;
  const out = new Float64Array(n);
  const jac = new Float64Array(n * p);
  const huber = loss === 'huber';
  const fused = family.fusedObjective;
  if (fused) return (theta, grad) => fused(theta, cols, logY, weights, huber, delta, grad);
  return (theta, grad) => {
    family.logPredict(theta, cols, out, jac);
    grad.fill(0);
    let v = 0;
    for (let i = 0; i < n; i++) {
      const w = weights ? weights[i]! : 1;
      if (w === 0) continue;
      const r = out[i]! - logY[i]!;
      if (!Number.isFinite(r)) return Infinity;
      let psi: number;
      if (!huber || (r <= delta && r >= -delta)) {
        v += 0.5 * w * r * r;
        psi = w * r;
      } else {
        const a = r < 0 ? -r : r;
        v += w * delta * (a - 0.5 * delta);
        psi = r < 0 ? -w * delta : w * delta;
      }
      const base = i * p;
      for (let j = 0; j < p; j++) grad[j] = grad[j]! + psi * jac[base + j]!;
    }
    return v;
  };
}

/**
 * Fits a law family to runs: robust (Huber, δ = 1e-3) or squared loss on log residuals, minimized by
 * L-BFGS (L-BFGS-B when the family or options give bounds) with analytic gradients from every start
 * of a grid; returns the best converged start plus every start's outcome.
 *
 * Objective: `Σ_i w_i ρ(log ŷ(x_i; θ) − log y_i)` (a sum, not a mean: SciPy-style relative stopping
 * rules stop early on a mean, see marin-community/marin PR #749).
 *
 * Grids of 1000 starts or more are pruned by default (5 iterations on every start, then the best 10%
 * continued; see {@link FitOptions.prune}); every start's outcome is still reported, pruned ones with
 * `reason: 'stopped'`. Pass `prune: false` for the exhaustive run.
 *
 * Errors: `TOO_FEW_RUNS` (fewer runs than parameters), `INVALID_VALUE` (non-finite or non-positive
 * values), `DEGENERATE_DATA` (an input that must vary is constant), `NOT_CONVERGED` (no start
 * converged, unless `requireConvergence: false`).
 *
 * @example
 * ```ts
 * const fit = fitLaw(chinchillaFamily, [{ N: 1e8, D: 2e9, loss: 3.1 }, ...]);
 * fit.law.predict({ N: 7e10, D: 1.4e12 }); fit.objective; fit.starts.length; // 4500
 * ```
 */
export function fitLaw<P extends string, I extends string>(family: LawFamily<P, I>, runs: readonly Run[], options?: FitOptions): FitResult<P, I> {
  checkFamily(family);
  options = checkOptions(options);
  const target = options.target ?? 'loss';
  if (typeof target !== 'string' || target === '') throw new ScalingError('INVALID_ARGUMENT', 'target must be a key of the runs', { argument: 'target', expected: "a non-empty string such as 'loss'", received: describeValue(target) });
  const loss = options.loss ?? 'huber';
  if (loss !== 'huber' && loss !== 'squared') {
    throw new ScalingError('INVALID_ARGUMENT', 'unknown loss', { argument: 'loss', expected: "'huber' or 'squared'", received: String(loss) });
  }
  const delta = checkNumber('delta', options.delta ?? 1e-3, 'a number > 0', (v) => v > 0);
  const data = prepareData(family as unknown as LawFamily, runs, target);
  const p = family.thetaNames.length;
  const weights = checkWeights(options.weights, data.n);
  const maxIterations = checkNumber('maxIterations', options.maxIterations ?? 1000, 'an integer >= 1', (v) => Number.isInteger(v) && v >= 1);
  const gtol = checkNumber('gtol', options.gtol ?? 1e-5, 'a number >= 0', (v) => v >= 0);
  const ftol = checkNumber('ftol', options.ftol ?? 2.220446049250313e-9, 'a number >= 0', (v) => v >= 0);
  const polish = checkBoolean('polish', options.polish ?? true);
  const requireConvergence = checkBoolean('requireConvergence', options.requireConvergence ?? true);
  if (typeof requireConvergence !== 'boolean') throw new ScalingError('INVALID_ARGUMENT', 'requireConvergence must be a boolean', { argument: 'requireConvergence', expected: 'true or false', received: describeValue(requireConvergence) });
  if (options.onProgress !== undefined) checkFunction('onProgress', options.onProgress, '(done, total) => void');
  const bounds = 'bounds' in options ? options.bounds : family.bounds;
  checkBounds(bounds, p);
  const starts = options.starts ?? family.defaultStarts(data.cols, data.logY);
  if (!Array.isArray(starts)) throw new ScalingError('INVALID_ARGUMENT', 'starts must be an array of start points', { argument: 'starts', expected: `arrays of ${p} finite numbers (${family.thetaNames.join(', ')})`, received: describeValue(starts) });
  if (starts.length === 0) throw new ScalingError('INVALID_ARGUMENT', 'no starts', { argument: 'starts', expected: 'at least one start', received: '[]' });
  for (const s of starts) {
    if (!Array.isArray(s) || s.length !== p || !s.every(Number.isFinite)) {
      throw new ScalingError('INVALID_ARGUMENT', 'a start has the wrong length or a non-finite value', {
        argument: 'starts',
        expected: `${p} finite numbers (${family.thetaNames.join(', ')})`,
        received: Array.isArray(s) ? `[${s.join(', ')}]` : describeValue(s),
      });
    }
  }
  const objective = makeObjective(family as unknown as LawFamily, data, loss, delta, weights);
  const mopts = { bounds, maxIterations, gtol, ftol };
  const pruneOpt = options.prune ?? (starts.length >= 1000 ? {} : false);
  if (pruneOpt !== false && (pruneOpt === null || typeof pruneOpt !== 'object')) throw new ScalingError('INVALID_ARGUMENT', 'prune must be false or { after, keep }', { argument: 'prune', expected: 'false or { after?, keep? }', received: describeValue(pruneOpt) });
  let after = Infinity;
  let keepCount = starts.length;
  if (pruneOpt !== false) {
    after = checkNumber('prune.after', pruneOpt.after ?? 5, 'an integer >= 0', (v) => Number.isInteger(v) && v >= 0);
    const keep = checkNumber('prune.keep', pruneOpt.keep ?? 0.1, 'a number in (0, 1]', (v) => v > 0 && v <= 1);
    keepCount = Math.max(1, Math.ceil(keep * starts.length));
  }
  const total = pruneOpt === false ? starts.length : starts.length + keepCount;
  let progress = 0;
  const tick = () => options.onProgress?.(++progress, total);
  const results: MinimizeResult[] = new Array(starts.length);
  const paused: { k: number; m: Minimizer; f: number }[] = [];
  for (let k = 0; k < starts.length; k++) {
    const m = createMinimizer(objective, starts[k]!, mopts);
    const r = m.runUntil(after);
    if (r) results[k] = r;
    else paused.push({ k, m, f: m.snapshot().f });
    tick();
  }
  let pruned = 0;
  if (paused.length > 0) {
    // Lowest objective first (non-finite last); ties keep start order.
    paused.sort((u, v) => (Number.isNaN(u.f) ? Infinity : u.f) - (Number.isNaN(v.f) ? Infinity : v.f) || u.k - v.k);
    paused.forEach((p, rank) => {
      if (rank < keepCount) {
        results[p.k] = p.m.run();
        tick();
      } else {
        results[p.k] = p.m.snapshot();
        pruned++;
      }
    });
  }
  if (progress < total) options.onProgress?.(total, total);
  const outcomes: StartOutcome[] = [];
  for (let k = 0; k < starts.length; k++) {
    const r = results[k]!;
    outcomes.push({ start: [...starts[k]!], theta: r.x, objective: r.f, converged: r.converged, reason: r.reason, iterations: r.iterations, evaluations: r.evaluations });
  }
  // Best start first; a start whose parameters fall outside the law's domain (e.g. a negative exponent, or an
  // overflowing constant) cannot become a law and is passed over for the next best.
  const ranked = outcomes.map((_o, k) => k).filter((k) => Number.isFinite(outcomes[k]!.objective)).sort((a, b) => outcomes[a]!.objective - outcomes[b]!.objective || a - b);
  let outsideDomain: ScalingError | undefined;
  const pick = (ks: number[]): { k: number; law: Law<P, I> } | undefined => {
    for (const k of ks) {
      try {
        return { k, law: family.create(family.toParams(outcomes[k]!.theta as number[])) };
      } catch (e) {
        if (!(e instanceof ScalingError) || (e.code !== 'INVALID_PARAMETER' && e.code !== 'INVALID_ARGUMENT')) throw e;
        outsideDomain ??= e;
      }
    }
    return undefined;
  };
  let chosen = pick(ranked.filter((k) => outcomes[k]!.converged));
  if (!chosen) {
    const any = ranked[0];
    const info =
      any === undefined
        ? 'every start produced a non-finite objective'
        : `best objective ${outcomes[any]!.objective} (${outcomes[any]!.reason})${outsideDomain ? `; converged starts lie outside the law's domain (${outsideDomain.message})` : ''}`;
    if (requireConvergence || any === undefined) {
      throw new ScalingError('NOT_CONVERGED', `${family.id}: no start out of ${starts.length} converged to parameters in the law's domain`, {
        argument: 'runs',
        expected: 'a converged L-BFGS run (raise maxIterations, change starts, or check the data)',
        received: info,
      });
    }
    chosen = pick(ranked);
    if (!chosen) throw new ScalingError('NOT_CONVERGED', `${family.id}: no start reached parameters in the law's domain`, { argument: 'runs', expected: "parameters in the law's domain", received: info });
  }
  const best = chosen.k;
  let law = chosen.law;
  const win = outcomes[best]!;
  let theta = win.theta;
  let objectiveValue = win.objective;
  let polished: FitResult['polish'];
  if (polish) {
    // Same objective and bounds; no floor on the relative-decrease rule and no absolute gradient tolerance (gtol 1e-5
    // is coarse when the objective is ~1e-12): stops on a relative decrease below ftol, a zero gradient, or a failed
    // line search (a kink of the Huber loss, or rounding at the optimum). Kept only when it lowers the objective.
    const pr = createMinimizer(objective, win.theta as number[], { ...mopts, gtol: 0, ftolFloor: 0 }).run();
    let improvement = 0;
    if (Number.isFinite(pr.f) && pr.f < win.objective) {
      try {
        law = family.create(family.toParams(pr.x));
        improvement = win.objective - pr.f;
        theta = pr.x;
        objectiveValue = pr.f;
      } catch (e) {
        if (!(e instanceof ScalingError) || (e.code !== 'INVALID_PARAMETER' && e.code !== 'INVALID_ARGUMENT')) throw e;
      }
    }
    polished = { iterations: pr.iterations, evaluations: pr.evaluations, reason: pr.reason, improvement };
  }
  const outArr = new Float64Array(data.n);
  family.logPredict(theta, data.cols, outArr, new Float64Array(data.n * p));
  return {
    law,
    params: law.params,
    objective: objectiveValue,
    converged: win.converged,
    reason: win.reason,
    iterations: win.iterations,
    evaluations: win.evaluations,
    theta,
    thetaNames: family.thetaNames,
    bestStart: best,
    starts: outcomes,
    pruned,
    n: data.n,
    loss,
    delta,
    residuals: Array.from(outArr, (v, i) => v - data.logY[i]!),
    polish: polished,
  };
}
