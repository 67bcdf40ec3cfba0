import { checkNumber, checkOptions, describeValue, ScalingError } from './errors.js';
import { grid, type Law, type LawFamily, makeLaw } from './law.js';

/** Parameter names of the LR-annealing law. */
export type AnnealingParam = 'L0' | 'A' | 'alpha' | 'C';

/** Forward area S1 and annealing area S2 at every step of a schedule. */
export interface AnnealingAreas {
  readonly S1: Float64Array;
  readonly S2: Float64Array;
}

/**
 * S1 (forward area) and S2 (momentum-accumulated annealing area) of an LR schedule, per step.
 *
 * Formulas (Tissue et al. 2024), for steps i = 1..s with learning rates η_i:
 * `S1(s) = Σ_{i≤s} η_i`; `m_i = λ·m_{i−1} + (η_{i−1} − η_i)`; `S2(s) = Σ_{i≤s} m_i`, λ = `decay`
 * (default 0.999). Convention chosen here (the paper leaves η_0 open): η_0 = η_1, so m_1 = 0 and a
 * constant schedule has S2 ≡ 0. (The zkshan2002/ScalingLaw reproduction instead sets m_1 = η_1.)
 * Warmup steps (rising LR) give negative m_i; pass the schedule after warmup if you want to exclude them.
 *
 * Input: `schedule` [steps] of finite learning rates ≥ 0. Output: `{ S1, S2 }`, each [steps].
 * Paper: "Scaling Law with Learning Rate Annealing", Tissue, Wang, Wang, 2024 (arXiv 2408.11029).
 *
 * @example
 * ```ts
 * annealingAreas([1, 1, 0.5]); // S1 = [1, 2, 2.5], S2 = [0, 0, 0.5]
 * ```
 */
export function annealingAreas(schedule: ArrayLike<number>, options?: { readonly decay?: number }): AnnealingAreas {
  const decay = checkNumber('decay', checkOptions(options).decay ?? 0.999, 'a number in [0, 1)', (v) => v >= 0 && v < 1);
  if (!Array.isArray(schedule) && !ArrayBuffer.isView(schedule)) {
    throw new ScalingError('INVALID_ARGUMENT', 'the schedule must be an array of learning rates', { argument: 'schedule', expected: 'an array of finite learning rates >= 0', received: describeValue(schedule) });
  }
  const n = schedule.length;
  if (n === 0) throw new ScalingError('INVALID_ARGUMENT', 'empty schedule', { argument: 'schedule', expected: 'at least one learning rate', received: '[]' });
  const S1 = new Float64Array(n);
  const S2 = new Float64Array(n);
  let s1 = 0;
  let s2 = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const lr = schedule[i]!;
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new ScalingError('INVALID_VALUE', `schedule[${i}] must be a finite learning rate >= 0`, { argument: 'schedule', expected: 'finite learning rates >= 0', received: `${describeValue(lr)} at index ${i}` });
    if (i > 0) m = decay * m + (schedule[i - 1]! - lr);
    s1 += lr;
    s2 += m;
    S1[i] = s1;
    S2[i] = s2;
  }
  return { S1, S2 };
}

const FORMULA = 'L(s) = L0 + A * S1^(-alpha) - C * S2';
const LATEX = 'L(s) = L_0 + A \\cdot S_1^{-\\alpha} - C \\cdot S_2';

/**
 * Family of the learning-rate annealing law `L(s) = L0 + A·S1^{−α} − C·S2` over inputs `{ S1, S2 }`
 * (from {@link annealingAreas}).
 *
 * Fit (as in the public reproduction zkshan2002/ScalingLaw): Σ Huber_δ(log L̂ − log L), δ = 1e-3,
 * L-BFGS-B with bounds L0 ∈ [0, 10], A ∈ [0, 20], α ∈ [0, 10], C ∈ [0, 20]; 108 starts
 * L0 ∈ {1, 2, 4}, A ∈ {1, 2, 4}, α ∈ {0.2, 0.4, …, 1.2}, C ∈ {0.5, 1}. θ = the parameters.
 * Points where the prediction is ≤ 0 make the objective +∞ (the line search backs off).
 *
 * Paper: "Scaling Law with Learning Rate Annealing", Tissue, Wang, Wang, 2024 (arXiv 2408.11029).
 *
 * @example
 * ```ts
 * const { S1, S2 } = annealingAreas(lrs);
 * const runs = steps.map((s, k) => ({ S1: S1[s - 1], S2: S2[s - 1], loss: losses[k] }));
 * fitLaw(annealingFamily, runs).law.params; // { L0, A, alpha, C }
 * ```
 */
export const annealingFamily: LawFamily<AnnealingParam, 'S1' | 'S2'> = Object.freeze({
  id: 'lr-annealing',
  name: 'LR annealing law (Tissue et al. 2024)',
  paramNames: ['L0', 'A', 'alpha', 'C'] as const,
  inputNames: ['S1', 'S2'] as const,
  varyingInputs: ['S1'] as const,
  positiveInputs: ['S1'] as const,
  formula: FORMULA,
  latex: LATEX,
  thetaNames: ['L0', 'A', 'alpha', 'C'] as const,
  bounds: [
    [0, 10],
    [0, 20],
    [0, 10],
    [0, 20],
  ] as const,
  defaultStarts: () => grid([1, 2, 4], [1, 2, 4], [0.2, 0.4, 0.6, 0.8, 1, 1.2], [0.5, 1]),
  logPredict(theta: ArrayLike<number>, cols: readonly Float64Array[], out: Float64Array, jac: Float64Array) {
    const [L0, A, al, C] = [theta[0]!, theta[1]!, theta[2]!, theta[3]!];
    const lS1 = cols[0]!;
    const S2 = cols[1]!;
    for (let i = 0; i < out.length; i++) {
      const t = Math.exp(-al * lS1[i]!);
      const pred = L0 + A * t - C * S2[i]!;
      if (!(pred > 0)) {
        out[i] = NaN;
        continue;
      }
      out[i] = Math.log(pred);
      jac[4 * i] = 1 / pred;
      jac[4 * i + 1] = t / pred;
      jac[4 * i + 2] = (-A * t * lS1[i]!) / pred;
      jac[4 * i + 3] = -S2[i]! / pred;
    }
  },
  toParams: (t: readonly number[]) => ({ L0: t[0]!, A: t[1]!, alpha: t[2]!, C: t[3]! }),
  toTheta: (p: Readonly<Record<AnnealingParam, number>>) => [p.L0, p.A, p.alpha, p.C],
  create: (p: Readonly<Record<AnnealingParam, number>>) => annealingLaw(p),
});

/**
 * The LR-annealing law with given parameters (see {@link annealingFamily}); `predict({ S1, S2 })`.
 * Ranges (the fit's bounds): L0, A, α, C ≥ 0; `predict` needs a finite S1 > 0 and a finite S2.
 *
 * @example
 * ```ts
 * const law = annealingLaw({ L0: 2.8, A: 0.4, alpha: 0.5, C: 0.3 });
 * predictSchedule(law, lrs); // loss at every step
 * ```
 */
export function annealingLaw(params: Readonly<Record<AnnealingParam, number>>): Law<AnnealingParam, 'S1' | 'S2'> {
  return makeLaw(
    { ...annealingFamily, paramDomains: { L0: 'nonNegative', A: 'nonNegative', alpha: 'nonNegative', C: 'nonNegative' } },
    params,
    (p, x) => p.L0 + p.A * x.S1 ** -p.alpha - p.C * x.S2,
    (p, f) => `L(s) = ${f(p.L0)} + ${f(p.A)} * S1^(-${f(p.alpha)}) - ${f(p.C)} * S2`,
  );
}

/**
 * Predicted loss at every step of a schedule: `L(s) = L0 + A·S1(s)^{−α} − C·S2(s)`.
 *
 * @example
 * ```ts
 * predictSchedule(annealingLaw({ L0: 2.8, A: 0.4, alpha: 0.5, C: 0.3 }), [1e-3, 1e-3, 5e-4]);
 * ```
 */
export function predictSchedule(law: Law<AnnealingParam, 'S1' | 'S2'>, schedule: ArrayLike<number>, options?: { readonly decay?: number }): Float64Array {
  if (!law || typeof law !== 'object' || typeof law.predict !== 'function' || !Array.isArray(law.inputNames) || !['S1', 'S2'].every((k) => law.inputNames.includes(k as 'S1'))) {
    throw new ScalingError('INVALID_ARGUMENT', 'not an LR-annealing law', { argument: 'law', expected: 'a law of inputs S1, S2 such as annealingLaw({ ... })', received: describeValue(law) });
  }
  const { S1, S2 } = annealingAreas(schedule, options);
  return S1.map((s1, i) => law.predict({ S1: s1, S2: S2[i]! }));
}
