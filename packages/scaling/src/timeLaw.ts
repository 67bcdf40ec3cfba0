import { type ChinchillaParam, chinchillaFamily } from './chinchilla.js';
import { checkNumber, describeValue, ScalingError } from './errors.js';
import { inDomain, type Law, type LawFamily, makeLaw } from './law.js';

/** A fitted step-time model `t_step = intercept + slope · proxy` (see {@link fitStepTime}). */
export interface StepTimeModel {
  readonly intercept: number;
  readonly slope: number;
  /** Coefficient of determination of the fit on its measurements. */
  readonly r2: number;
  readonly n: number;
  /** Predicted seconds per step for a proxy value; `INVALID_VALUE` when the prediction is not > 0. */
  predict(proxy: number): number;
}

/**
 * Fits the linear step-time model of "Time Matters: Scaling Laws for Any Budget" (Inbar & Sernau 2024): the wall-clock
 * time of a training step regressed on a per-step cost proxy, `t_step ≈ c0 + c1 · proxy`, by ordinary least squares in
 * float64. The paper's proxy counts memory copies (it finds FLOPs a poor predictor of step time); pass whatever count
 * you computed for each measured configuration (the paper's exact memory-copy formula is not reproduced here, see the
 * package README). Needs at least two distinct proxy values.
 *
 * @example
 * ```ts
 * const st = fitStepTime([{ proxy: 1e9, stepTime: 0.21 }, { proxy: 2e9, stepTime: 0.39 }, { proxy: 4e9, stepTime: 0.8 }]);
 * st.predict(3e9); // seconds per step
 * ```
 */
export function fitStepTime(measurements: readonly { readonly proxy: number; readonly stepTime: number }[]): StepTimeModel {
  if (!Array.isArray(measurements) || measurements.length < 2) {
    throw new ScalingError('TOO_FEW_RUNS', 'a line needs at least two measurements', { argument: 'measurements', expected: 'at least 2 { proxy, stepTime } records', received: Array.isArray(measurements) ? `${measurements.length}` : describeValue(measurements) });
  }
  const n = measurements.length;
  let mx = 0;
  let my = 0;
  measurements.forEach((m, i) => {
    if (m === null || typeof m !== 'object') throw new ScalingError('INVALID_ARGUMENT', `measurement ${i} is not an object`, { argument: 'measurements', expected: '{ proxy, stepTime }', received: describeValue(m) });
    if (!inDomain(m.proxy, 'finite')) throw new ScalingError('INVALID_VALUE', `measurement ${i}: proxy must be finite`, { argument: 'proxy', expected: 'a finite number', received: describeValue(m.proxy) });
    if (!inDomain(m.stepTime, 'positive')) throw new ScalingError('INVALID_VALUE', `measurement ${i}: stepTime must be > 0`, { argument: 'stepTime', expected: 'a finite number > 0 (seconds)', received: describeValue(m.stepTime) });
    mx += m.proxy;
    my += m.stepTime;
  });
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const m of measurements) {
    sxx += (m.proxy - mx) ** 2;
    sxy += (m.proxy - mx) * (m.stepTime - my);
    syy += (m.stepTime - my) ** 2;
  }
  if (!(sxx > 0)) throw new ScalingError('DEGENERATE_DATA', 'every measurement has the same proxy', { argument: 'proxy', expected: 'at least two distinct values', received: `all ${mx}` });
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (const m of measurements) sse += (m.stepTime - intercept - slope * m.proxy) ** 2;
  const r2 = syy > 0 ? 1 - sse / syy : 1;
  return Object.freeze({
    intercept,
    slope,
    r2,
    n,
    predict(proxy: number): number {
      if (!inDomain(proxy, 'finite')) throw new ScalingError('INVALID_VALUE', 'proxy must be finite', { argument: 'proxy', expected: 'a finite number', received: describeValue(proxy) });
      const t = intercept + slope * proxy;
      if (!(t > 0)) throw new ScalingError('INVALID_VALUE', 'the step-time model predicts a non-positive time', { argument: 'proxy', expected: `a proxy where ${intercept} + ${slope}·proxy > 0`, received: `${proxy} (→ ${t} s)` });
      return t;
    },
  });
}

/** Inputs of the time-budget Chinchilla law: parameters, wall-clock seconds, seconds per step, tokens per step. */
export type TimeInput = 'N' | 'T' | 'stepTime' | 'tokensPerStep';

const TIME_FORMULA = 'L(N, T) = E + A / N^alpha + B / D^beta, D = T * tokensPerStep / stepTime';
const TIME_LATEX = 'L(N, T) = E + \\frac{A}{N^{\\alpha}} + \\frac{B}{D(T)^{\\beta}},\\; D(T) = \\frac{T \\cdot k}{t_{\\mathrm{step}}}';

/**
 * Family of the time-budget law of "Time Matters: Scaling Laws for Any Budget" (Inbar & Sernau 2024): Chinchilla's
 * `L(N, D) = E + A/N^α + B/D^β` with the tokens a run can see in wall-clock time T, `D(T) = T · k / t_step` (k tokens
 * per step, t_step seconds per step). Inputs per run: `N`, `T` (seconds), `stepTime` (seconds per step, measured or
 * predicted by {@link fitStepTime}) and `tokensPerStep`; all > 0. Same θ, starts (the 4500-point grid) and fast
 * objective as {@link chinchillaFamily}, evaluated at log D = log T + log k − log t_step.
 *
 * @example
 * ```ts
 * fitLaw(timeChinchillaFamily, runs); // runs: { N, T, stepTime, tokensPerStep, loss }[]
 * ```
 */
export const timeChinchillaFamily: LawFamily<ChinchillaParam, TimeInput> = Object.freeze({
  id: 'time-chinchilla',
  name: 'Time-budget Chinchilla (Inbar & Sernau 2024)',
  paramNames: chinchillaFamily.paramNames,
  inputNames: ['N', 'T', 'stepTime', 'tokensPerStep'] as const,
  varyingInputs: ['N', 'T'] as const,
  positiveInputs: ['N', 'T', 'stepTime', 'tokensPerStep'] as const,
  formula: TIME_FORMULA,
  latex: TIME_LATEX,
  thetaNames: chinchillaFamily.thetaNames,
  bounds: undefined,
  defaultStarts: (cols: readonly Float64Array[], logY: Float64Array) => chinchillaFamily.defaultStarts(cols, logY),
  logPredict(theta: ArrayLike<number>, cols: readonly Float64Array[], out: Float64Array, jac: Float64Array) {
    chinchillaFamily.logPredict(theta, [cols[0]!, logTokens(cols)], out, jac);
  },
  fusedObjective(theta: ArrayLike<number>, cols: readonly Float64Array[], logY: Float64Array, weights: ArrayLike<number> | undefined, huber: boolean, delta: number, grad: Float64Array): number {
    return chinchillaFamily.fusedObjective!(theta, [cols[0]!, logTokens(cols)], logY, weights, huber, delta, grad);
  },
  toParams: (t: readonly number[]) => chinchillaFamily.toParams(t),
  toTheta: (p: Readonly<Record<ChinchillaParam, number>>) => chinchillaFamily.toTheta(p),
  create: (p: Readonly<Record<ChinchillaParam, number>>) => timeChinchilla(p),
});

// log D = log T + log k − log t_step (cols are logs of N, T, stepTime, tokensPerStep). Cached per column set so the
// objective does not allocate on every evaluation.
const tokenCache = new WeakMap<readonly Float64Array[], Float64Array>();
function logTokens(cols: readonly Float64Array[]): Float64Array {
  let d = tokenCache.get(cols);
  if (!d) {
    const [, lT, lt, lk] = cols as [Float64Array, Float64Array, Float64Array, Float64Array];
    d = new Float64Array(lT.length);
    for (let i = 0; i < d.length; i++) d[i] = lT[i]! + lk[i]! - lt[i]!;
    tokenCache.set(cols, d);
  }
  return d;
}

/**
 * The time-budget Chinchilla law with given Chinchilla constants (see {@link timeChinchillaFamily}):
 * `predict({ N, T, stepTime, tokensPerStep })`. Ranges: A, B, E ≥ 0, α, β > 0; every input finite and > 0.
 *
 * @example
 * ```ts
 * const law = timeChinchilla({ A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 });
 * law.predict({ N: 1e8, T: 3600, stepTime: 0.2, tokensPerStep: 5e5 }); // D = 9e9 tokens
 * ```
 */
export function timeChinchilla(params: Readonly<Record<ChinchillaParam, number>>): Law<ChinchillaParam, TimeInput> {
  return makeLaw(
    { ...timeChinchillaFamily, paramDomains: { A: 'nonNegative', B: 'nonNegative', E: 'nonNegative', alpha: 'positive', beta: 'positive' } },
    params,
    (p, x) => p.E + p.A / x.N ** p.alpha + p.B / ((x.T * x.tokensPerStep) / x.stepTime) ** p.beta,
    (p, f) => `L(N, T) = ${f(p.E)} + ${f(p.A)} / N^${f(p.alpha)} + ${f(p.B)} / (T * tokensPerStep / stepTime)^${f(p.beta)}`,
  );
}

/** A candidate architecture for {@link bestForTime}. */
export interface TimeCandidate {
  readonly name?: string;
  /** Parameters. */
  readonly N: number;
  /** The step-cost proxy the step-time model was fitted on (e.g. a memory-copy count). */
  readonly proxy: number;
  readonly tokensPerStep: number;
}

/**
 * Ranks candidate architectures for a wall-clock budget T (seconds): each gets `t_step = stepTime.predict(proxy)`,
 * `D = T·tokensPerStep/t_step` and the law's predicted loss; returned best first. This is the paper's use of the law
 * (its finding: at a fixed time budget, wider-and-shallower models that step faster win over deeper ones).
 *
 * @example
 * ```ts
 * bestForTime(law, 3600, fitStepTime(measured), [{ name: 'wide', N: 1e8, proxy: 2e9, tokensPerStep: 5e5 }, { name: 'deep', N: 1e8, proxy: 3e9, tokensPerStep: 5e5 }]);
 * ```
 */
export function bestForTime(law: Law<ChinchillaParam, TimeInput>, T: number, stepTime: StepTimeModel, candidates: readonly TimeCandidate[]): { candidate: TimeCandidate; stepTime: number; D: number; loss: number }[] {
  if (!law || typeof law.predict !== 'function' || !Array.isArray(law.inputNames) || !law.inputNames.includes('stepTime' as TimeInput)) {
    throw new ScalingError('INVALID_ARGUMENT', 'not a time-budget law', { argument: 'law', expected: 'timeChinchilla({ ... }) or fitLaw(timeChinchillaFamily, runs).law', received: describeValue(law) });
  }
  checkNumber('T', T, 'a finite number > 0 (seconds)', (v) => v > 0);
  if (!stepTime || typeof stepTime.predict !== 'function') throw new ScalingError('INVALID_ARGUMENT', 'not a step-time model', { argument: 'stepTime', expected: 'fitStepTime(measurements)', received: describeValue(stepTime) });
  if (!Array.isArray(candidates) || candidates.length === 0) throw new ScalingError('INVALID_ARGUMENT', 'no candidates', { argument: 'candidates', expected: 'a non-empty array of { N, proxy, tokensPerStep }', received: describeValue(candidates) });
  return candidates
    .map((c, i) => {
      if (c === null || typeof c !== 'object') throw new ScalingError('INVALID_ARGUMENT', `candidate ${i} is not an object`, { argument: 'candidates', expected: '{ N, proxy, tokensPerStep }', received: describeValue(c) });
      const t = stepTime.predict(c.proxy);
      const loss = law.predict({ N: c.N, T, stepTime: t, tokensPerStep: c.tokensPerStep });
      return { candidate: c, stepTime: t, D: (T * c.tokensPerStep) / t, loss };
    })
    .sort((a, b) => a.loss - b.loss);
}
