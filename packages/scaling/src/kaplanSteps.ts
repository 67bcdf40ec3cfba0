import { checkNumber, checkOptions, describeValue, ScalingError } from './errors.js';
import { grid, inDomain, type Law, type LawFamily, lse2, makeLaw, mean } from './law.js';

/** Parameter names of Kaplan's model-size / training-steps law. */
export type KaplanNSParam = 'Nc' | 'Sc' | 'alphaN' | 'alphaS';

/**
 * Kaplan et al.'s fit of `L(N, S_min)` (Table 3 of "Scaling Laws for Neural Language Models"; N = non-embedding
 * parameters, S_min = steps at B ≫ B_crit) and of the critical batch size `B_crit(L) = B* / L^{1/α_B}` (Eq. 1.4,
 * B* in tokens). Values as the paper prints them; Su et al. 2024 keep these forms but refit every constant for
 * their own setup (their constants are setup-specific and are not defaults here).
 */
export const kaplanStepConstants = Object.freeze({
  Nc: 6.5e13,
  Sc: 2.1e3,
  alphaN: 0.077,
  alphaS: 0.76,
  Bstar: 2e8,
  alphaB: 0.21,
});

const NS_FORMULA = 'L(N, S) = (Nc / N)^alphaN + (Sc / S)^alphaS';
const NS_LATEX = 'L(N, S_{\\min}) = \\left(\\frac{N_c}{N}\\right)^{\\alpha_N} + \\left(\\frac{S_c}{S_{\\min}}\\right)^{\\alpha_S}';

/**
 * Family of Kaplan's joint model-size / training-steps law `L(N, S) = (N_c/N)^{α_N} + (S_c/S)^{α_S}` (Kaplan et al.
 * 2020, Eq. 1.6 / Table 3), with S the number of steps at a batch far above the critical one (`S_min`; convert steps
 * taken at batch B with {@link minSteps}). This is the form "Unraveling the Mystery of Scaling Laws: Part I" (Su et
 * al. 2024) confirms up to 33B parameters and estimates step by step from 1M–60M-parameter runs.
 *
 * Log space: `log L = LSE(a − α_N log N, b − α_S log S)` with `a = α_N log N_c`, `b = α_S log S_c` (linear in θ, which
 * keeps the fit well conditioned; θ = `[a, b, alphaN, alphaS]`), bounds α ∈ [1e-4, 5]. Starts (27): α_N ∈ {0.05, 0.1,
 * 0.3}, α_S ∈ {0.3, 0.7, 1.2}, and a, b so that each term is {0.2, 0.5, 0.8} of the mean loss at the mean log N, log S.
 *
 * @example
 * ```ts
 * fitLaw(kaplanNSFamily, runs).law.params; // runs: { N, S, loss }[] → { Nc, Sc, alphaN, alphaS }
 * ```
 */
export const kaplanNSFamily: LawFamily<KaplanNSParam, 'N' | 'S'> = Object.freeze({
  id: 'kaplan-ns',
  name: 'Kaplan L(N, S_min)',
  paramNames: ['Nc', 'Sc', 'alphaN', 'alphaS'] as const,
  inputNames: ['N', 'S'] as const,
  varyingInputs: ['N', 'S'] as const,
  positiveInputs: ['N', 'S'] as const,
  formula: NS_FORMULA,
  latex: NS_LATEX,
  thetaNames: ['a', 'b', 'alphaN', 'alphaS'] as const,
  bounds: [
    [-Infinity, Infinity],
    [-Infinity, Infinity],
    [1e-4, 5],
    [1e-4, 5],
  ] as const,
  defaultStarts(cols: readonly Float64Array[], logY: Float64Array) {
    const mN = mean(cols[0]!);
    const mS = mean(cols[1]!);
    const y = mean(Array.from(logY, Math.exp));
    return grid([0.05, 0.1, 0.3], [0.3, 0.7, 1.2], [0.2, 0.5, 0.8]).map(([aN, aS, q]) => [Math.log(q! * y) + aN! * mN, Math.log((1 - q!) * y) + aS! * mS, aN!, aS!]);
  },
  logPredict(theta: ArrayLike<number>, cols: readonly Float64Array[], out: Float64Array, jac: Float64Array) {
    const [a, b, aN, aS] = [theta[0]!, theta[1]!, theta[2]!, theta[3]!];
    const lN = cols[0]!;
    const lS = cols[1]!;
    for (let i = 0; i < out.length; i++) {
      const [s, w] = lse2(a - aN * lN[i]!, b - aS * lS[i]!);
      out[i] = s;
      jac[4 * i] = w;
      jac[4 * i + 1] = 1 - w;
      jac[4 * i + 2] = -lN[i]! * w;
      jac[4 * i + 3] = -lS[i]! * (1 - w);
    }
  },
  toParams: (t: readonly number[]) => ({ Nc: Math.exp(t[0]! / t[2]!), Sc: Math.exp(t[1]! / t[3]!), alphaN: t[2]!, alphaS: t[3]! }),
  toTheta: (p: Readonly<Record<KaplanNSParam, number>>) => [p.alphaN * Math.log(p.Nc), p.alphaS * Math.log(p.Sc), p.alphaN, p.alphaS],
  create: (p: Readonly<Record<KaplanNSParam, number>>) => kaplanNS(p),
});

/**
 * Kaplan's `L(N, S_min) = (N_c/N)^{α_N} + (S_c/S_min)^{α_S}` with given constants; defaults {@link kaplanStepConstants}
 * (N_c = 6.5e13, S_c = 2.1e3, α_N = 0.077, α_S = 0.76). Ranges: every parameter > 0; `predict` needs finite N, S > 0.
 *
 * @example
 * ```ts
 * kaplanNS().predict({ N: 1e9, S: 1e5 }); // (6.5e13/1e9)^0.077 + (2.1e3/1e5)^0.76
 * ```
 */
export function kaplanNS(params: Readonly<Record<KaplanNSParam, number>> = kaplanStepConstants): Law<KaplanNSParam, 'N' | 'S'> {
  return makeLaw(
    { ...kaplanNSFamily, paramDomains: { Nc: 'positive', Sc: 'positive', alphaN: 'positive', alphaS: 'positive' } },
    params,
    (p, x) => (p.Nc / x.N) ** p.alphaN + (p.Sc / x.S) ** p.alphaS,
    (p, f) => `L(N, S) = (${f(p.Nc)} / N)^${f(p.alphaN)} + (${f(p.Sc)} / S)^${f(p.alphaS)}`,
  );
}

/** Parameter names of the critical-batch-size law. */
export type CriticalBatchParam = 'Bstar' | 'alphaB';

/**
 * Family of the critical batch size as a function of the loss, `B_crit(L) = B* / L^{1/α_B}` (Kaplan et al. 2020,
 * Eq. 1.4; McCandlish et al. 2018's gradient noise scale measures it). Fit it to measured `{ L, Bcrit }` points with
 * `fitLaw(criticalBatchFamily, points, { target: 'Bcrit' })`: log space `log B_crit = b − log L / α_B`, θ =
 * `[logBstar, invAlphaB]` (linear least squares in disguise), bounds 1/α_B ∈ [1e-3, 1e3].
 *
 * @example
 * ```ts
 * fitLaw(criticalBatchFamily, [{ L: 4, Bcrit: 2e5 }, { L: 3, Bcrit: 8e5 }], { target: 'Bcrit' }).params; // { Bstar, alphaB }
 * ```
 */
export const criticalBatchFamily: LawFamily<CriticalBatchParam, 'L'> = Object.freeze({
  id: 'critical-batch',
  name: 'Critical batch size B_crit(L)',
  paramNames: ['Bstar', 'alphaB'] as const,
  inputNames: ['L'] as const,
  varyingInputs: ['L'] as const,
  positiveInputs: ['L'] as const,
  formula: 'B_crit(L) = Bstar / L^(1 / alphaB)',
  latex: 'B_{\\mathrm{crit}}(L) = \\frac{B_*}{L^{1/\\alpha_B}}',
  thetaNames: ['logBstar', 'invAlphaB'] as const,
  bounds: [
    [-Infinity, Infinity],
    [1e-3, 1e3],
  ] as const,
  defaultStarts(cols: readonly Float64Array[], logY: Float64Array) {
    const lx = cols[0]!.reduce((a, b) => a + b, 0) / cols[0]!.length;
    const ly = logY.reduce((a, b) => a + b, 0) / logY.length;
    return [1, 3, 5, 10].map((k) => [ly + k * lx, k]);
  },
  logPredict(theta: ArrayLike<number>, cols: readonly Float64Array[], out: Float64Array, jac: Float64Array) {
    const b = theta[0]!;
    const k = theta[1]!;
    const lL = cols[0]!;
    for (let i = 0; i < out.length; i++) {
      out[i] = b - k * lL[i]!;
      jac[2 * i] = 1;
      jac[2 * i + 1] = -lL[i]!;
    }
  },
  toParams: (t: readonly number[]) => ({ Bstar: Math.exp(t[0]!), alphaB: 1 / t[1]! }),
  toTheta: (p: Readonly<Record<CriticalBatchParam, number>>) => [Math.log(p.Bstar), 1 / p.alphaB],
  create: (p: Readonly<Record<CriticalBatchParam, number>>) => criticalBatch(p),
});

/**
 * The critical batch size law `B_crit(L) = B* / L^{1/α_B}`; defaults B* = 2e8 tokens, α_B = 0.21 (Kaplan et al. 2020).
 * Ranges: B*, α_B > 0; `predict` needs a finite loss L > 0.
 *
 * @example
 * ```ts
 * criticalBatch().predict({ L: 3 }); // 2e8 / 3^(1/0.21) tokens
 * ```
 */
export function criticalBatch(params: Readonly<Record<CriticalBatchParam, number>> = { Bstar: kaplanStepConstants.Bstar, alphaB: kaplanStepConstants.alphaB }): Law<CriticalBatchParam, 'L'> {
  return makeLaw(
    { ...criticalBatchFamily, paramDomains: { Bstar: 'positive', alphaB: 'positive' } },
    params,
    (p, x) => p.Bstar / x.L ** (1 / p.alphaB),
    (p, f) => `B_crit(L) = ${f(p.Bstar)} / L^(1 / ${f(p.alphaB)})`,
  );
}

function positiveNumber(name: string, v: unknown): number {
  return checkNumber(name, v, 'a finite number > 0', (x) => x > 0);
}

/**
 * The minimum number of steps `S_min = S / (1 + B_crit/B)` that training at batch size B for S steps corresponds to
 * (Kaplan et al. 2020, Eq. 5.4, after McCandlish et al. 2018): at B ≫ B_crit every step counts, at B ≪ B_crit steps
 * are wasted on gradient noise. B and B_crit in the same unit (tokens or sequences).
 *
 * @example
 * ```ts
 * minSteps(1e5, 5e5, criticalBatch().predict({ L: 3 }));
 * ```
 */
export function minSteps(steps: number, batch: number, bCrit: number): number {
  return positiveNumber('steps', steps) / (1 + positiveNumber('bCrit', bCrit) / positiveNumber('batch', batch));
}

/**
 * The minimum number of training examples (or tokens) `E_min = E / (1 + B/B_crit)` that E examples processed at batch
 * size B correspond to (Kaplan et al. 2020, Eq. 5.4): at B ≪ B_crit no example is wasted.
 *
 * @example
 * ```ts
 * minExamples(2e10, 5e5, 1e6); // 2e10 / 1.5
 * ```
 */
export function minExamples(examples: number, batch: number, bCrit: number): number {
  return positiveNumber('examples', examples) / (1 + positiveNumber('batch', batch) / positiveNumber('bCrit', bCrit));
}

/** Options of {@link lossTrajectory}. */
export interface TrajectoryOptions {
  /** The critical-batch law; default {@link criticalBatch}() (Kaplan's B*, α_B). */
  readonly bCrit?: Law<CriticalBatchParam, 'L'>;
}

function checkLaw(law: unknown, inputs: readonly string[], what: string): void {
  const l = law as Law | null;
  if (!l || typeof l !== 'object' || typeof l.predict !== 'function' || !Array.isArray(l.inputNames) || inputs.some((k) => !l.inputNames.includes(k))) {
    throw new ScalingError('INVALID_ARGUMENT', `not ${what}`, { argument: 'law', expected: `a law of inputs ${inputs.join(', ')}`, received: describeValue(law) });
  }
}

/**
 * The loss after S steps at batch size B, `L = L_NS(N, S_min(S, B, B_crit(L)))`: the "loss trajectory for any batch
 * size" of Su et al. 2024 (Kaplan et al.'s Eq. 1.6 with S replaced by S_min, whose B_crit depends on the loss
 * itself). Solved per step count by bisection on L above L(N, S) (the fixed-point map is monotone), to 1e-14 relative.
 * B in the unit of B* (tokens by default). Returns one loss per entry of `steps`.
 *
 * @example
 * ```ts
 * lossTrajectory(kaplanNS(), { N: 1e9, batch: 5e5, steps: [1e3, 1e4, 1e5] });
 * ```
 */
export function lossTrajectory(law: Law<KaplanNSParam, 'N' | 'S'>, run: { readonly N: number; readonly batch: number; readonly steps: readonly number[] }, options?: TrajectoryOptions): number[] {
  checkLaw(law, ['N', 'S'], 'a Kaplan L(N, S) law');
  if (run === null || typeof run !== 'object') throw new ScalingError('INVALID_ARGUMENT', 'run must be { N, batch, steps }', { argument: 'run', expected: '{ N, batch, steps: number[] }', received: describeValue(run) });
  options = checkOptions(options);
  const bc = options.bCrit ?? criticalBatch();
  checkLaw(bc, ['L'], 'a critical-batch law');
  const N = positiveNumber('run.N', run.N);
  const B = positiveNumber('run.batch', run.batch);
  if (!Array.isArray(run.steps) || run.steps.length === 0) throw new ScalingError('INVALID_ARGUMENT', 'steps must be a non-empty array', { argument: 'run.steps', expected: 'step counts > 0', received: describeValue(run.steps) });
  return run.steps.map((s, i) => {
    if (!inDomain(s, 'positive')) throw new ScalingError('INVALID_VALUE', 'every step count must be a finite number > 0', { argument: 'run.steps', expected: 'finite numbers > 0', received: `${describeValue(s)} at index ${i}` });
    // g(L) = L_NS(N, S_min(L)) − L is strictly decreasing in L (larger L → smaller B_crit → larger S_min → smaller
    // L_NS). At L = L_NS(N, S) it is ≥ 0 (S_min ≤ S), and it tends to −∞, so the root is found by doubling, then bisection.
    const g = (L: number) => law.predict({ N, S: s / (1 + bc.predict({ L }) / B) }) - L;
    let lo = law.predict({ N, S: s });
    if (g(lo) <= 0) return lo;
    let hi = 2 * lo;
    for (let k = 0; k < 60 && g(hi) > 0; k++) {
      lo = hi;
      hi *= 2;
    }
    for (let it = 0; it < 200 && hi - lo > 1e-14 * hi; it++) {
      const mid = 0.5 * (lo + hi);
      if (g(mid) > 0) lo = mid;
      else hi = mid;
    }
    return 0.5 * (lo + hi);
  });
}
