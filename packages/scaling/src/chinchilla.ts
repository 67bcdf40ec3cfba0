import { expNonPositive, logOneToThree } from './fastMath.js';
import { grid, type Law, type LawFamily, makeLaw } from './law.js';

/** Parameter names of the Chinchilla law. */
export type ChinchillaParam = 'A' | 'B' | 'E' | 'alpha' | 'beta';
/** A Chinchilla law: `L(N, D) = E + A/N^alpha + B/D^beta`. */
export type ChinchillaLaw = Law<ChinchillaParam, 'N' | 'D'>;

const range = (lo: number, hi: number, step: number): number[] => {
  const out: number[] = [];
  for (let i = 0; lo + i * step <= hi + 1e-12; i++) out.push(lo + i * step);
  return out;
};

/**
 * Hoffmann et al.'s start grid for Approach 3 (θ order `[a, b, e, alpha, beta]`): α, β ∈ {0, 0.5, …, 2},
 * e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25}: 6 · 6 · 5 · 5 · 5 = 4500 starts.
 */
export const chinchillaGrid: readonly (readonly number[])[] = Object.freeze(
  grid(range(0, 25, 5), range(0, 25, 5), range(-1, 1, 0.5), range(0, 2, 0.5), range(0, 2, 0.5)).map((s) => Object.freeze(s)),
);

/**
 * Chinchilla's parametric loss (Approach 3), fitted the Hoffmann/Epoch way.
 *
 * Formula: `L(N, D) = E + A / N^α + B / D^β`, with N parameters and D training tokens. For fitting it is
 * written in log space as `log L̂ = LSE(a − α log N, b − β log D, e)` with `A = e^a`, `B = e^b`,
 * `E = e^e` (θ = `[a, b, e, alpha, beta]`, unbounded L-BFGS, analytic Jacobian). With
 * `fitLaw(chinchillaFamily, runs)` the objective is Σ Huber_δ(log L̂ − log L), δ = 1e-3, summed (not
 * averaged) over runs, minimized from the 4500-start {@link chinchillaGrid} (pruned by default: see `FitOptions.prune`).
 *
 * Inputs: rows `{ N, D }`, both > 0. Published values: Hoffmann et al. report E = 1.69, A = 406.4,
 * B = 410.7, α = 0.34, β = 0.28; Epoch's replication (Besiroglu et al. 2024) finds A = 482.01,
 * B = 2085.43, E = 1.817, α = 0.3478, β = 0.3658.
 *
 * Paper: "Training Compute-Optimal Large Language Models", Hoffmann et al., 2022 (arXiv 2203.15556);
 * "Chinchilla Scaling: A replication attempt", Besiroglu, Erdil, Barnett, You, 2024 (arXiv 2404.10102).
 *
 * @example
 * ```ts
 * const fit = fitLaw(chinchillaFamily, runs); // runs: { N, D, loss }[]
 * fit.law.params; // { A, B, E, alpha, beta }
 * ```
 */
export const chinchillaFamily: LawFamily<ChinchillaParam, 'N' | 'D'> = Object.freeze({
  id: 'chinchilla',
  name: 'Chinchilla (Hoffmann et al. 2022, approach 3)',
  paramNames: ['A', 'B', 'E', 'alpha', 'beta'] as const,
  inputNames: ['N', 'D'] as const,
  varyingInputs: ['N', 'D'] as const,
  positiveInputs: ['N', 'D'] as const,
  formula: 'L(N, D) = E + A / N^alpha + B / D^beta',
  latex: 'L(N, D) = E + \\frac{A}{N^{\\alpha}} + \\frac{B}{D^{\\beta}}',
  thetaNames: ['a', 'b', 'e', 'alpha', 'beta'] as const,
  bounds: undefined,
  defaultStarts: () => chinchillaGrid.map((s) => [...s]),
  logPredict(theta: ArrayLike<number>, cols: readonly Float64Array[], out: Float64Array, jac: Float64Array): void {
    const a = theta[0]!;
    const b = theta[1]!;
    const e = theta[2]!;
    const al = theta[3]!;
    const be = theta[4]!;
    const lN = cols[0]!;
    const lD = cols[1]!;
    for (let i = 0, j = 0; i < out.length; i++, j += 5) {
      const ln = lN[i]!;
      const ld = lD[i]!;
      const u1 = a - al * ln;
      const u2 = b - be * ld;
      const m = Math.max(u1, u2, e);
      const x1 = Math.exp(u1 - m);
      const x2 = Math.exp(u2 - m);
      const x3 = Math.exp(e - m);
      const s = x1 + x2 + x3;
      out[i] = m + Math.log(s);
      const w1 = x1 / s;
      const w2 = x2 / s;
      jac[j] = w1;
      jac[j + 1] = w2;
      jac[j + 2] = x3 / s;
      jac[j + 3] = -ln * w1;
      jac[j + 4] = -ld * w2;
    }
  },
  fusedObjective(
    theta: ArrayLike<number>,
    cols: readonly Float64Array[],
    logY: Float64Array,
    weights: ArrayLike<number> | undefined,
    huber: boolean,
    delta: number,
    grad: Float64Array,
  ): number {
    const a = theta[0]!;
    const b = theta[1]!;
    const e = theta[2]!;
    const al = theta[3]!;
    const be = theta[4]!;
    const lN = cols[0]!;
    const lD = cols[1]!;
    let v = 0;
    let g0 = 0;
    let g1 = 0;
    let g2 = 0;
    let g3 = 0;
    let g4 = 0;
    const n = logY.length;
    for (let i = 0; i < n; i++) {
      const w = weights === undefined ? 1 : weights[i]!;
      if (w === 0) continue;
      const ln = lN[i]!;
      const ld = lD[i]!;
      const u1 = a - al * ln;
      const u2 = b - be * ld;
      // log-sum-exp of (u1, u2, e): the largest term's exp is 1 and is skipped; the other two go through
      // exactly two call sites of expNonPositive (few call sites keep it inlined by V8).
      let m: number;
      let d1: number;
      let d2: number;
      let top: number;
      if (u1 >= u2 && u1 >= e) {
        m = u1;
        d1 = u2 - m;
        d2 = e - m;
        top = 0;
      } else if (u2 >= e) {
        m = u2;
        d1 = u1 - m;
        d2 = e - m;
        top = 1;
      } else {
        m = e;
        d1 = u1 - m;
        d2 = u2 - m;
        top = 2;
      }
      const y1 = expNonPositive(d1);
      const y2 = expNonPositive(d2);
      const x1 = top === 0 ? 1 : y1;
      const x2 = top === 0 ? y1 : top === 1 ? 1 : y2;
      const x3 = top === 2 ? 1 : y2;
      const s = x1 + x2 + x3;
      const r = m + logOneToThree(s) - logY[i]!;
      let psi: number;
      if (!huber || (r <= delta && r >= -delta)) {
        v += 0.5 * w * r * r;
        psi = w * r;
      } else if (r > 0) {
        v += w * delta * (r - 0.5 * delta);
        psi = w * delta;
      } else if (r < 0) {
        v += w * delta * (-r - 0.5 * delta);
        psi = -w * delta;
      } else {
        return Infinity; // NaN residual
      }
      const inv = psi / s;
      const p1 = x1 * inv;
      const p2 = x2 * inv;
      g0 += p1;
      g1 += p2;
      g2 += x3 * inv;
      g3 -= ln * p1;
      g4 -= ld * p2;
    }
    grad[0] = g0;
    grad[1] = g1;
    grad[2] = g2;
    grad[3] = g3;
    grad[4] = g4;
    return Number.isFinite(v) ? v : Infinity;
  },
  toParams: (t: readonly number[]) => ({ A: Math.exp(t[0]!), B: Math.exp(t[1]!), E: Math.exp(t[2]!), alpha: t[3]!, beta: t[4]! }),
  toTheta: (p: Readonly<Record<ChinchillaParam, number>>) => [Math.log(p.A), Math.log(p.B), Math.log(p.E), p.alpha, p.beta],
  create: (p: Readonly<Record<ChinchillaParam, number>>) => chinchilla(p),
});

/**
 * A Chinchilla law with given parameters: `L(N, D) = E + A / N^α + B / D^β`.
 * See {@link chinchillaFamily} for the fit. Defaults: none (pass Hoffmann's or your fitted values).
 * Ranges (`INVALID_PARAMETER` otherwise): A, B, α, β > 0, E ≥ 0. `predict({ N, D })` needs finite N, D > 0
 * (`INVALID_VALUE` naming the input).
 *
 * @example
 * ```ts
 * chinchilla({ A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 }).predict({ N: 70e9, D: 1.4e12 }); // ≈ 1.94
 * ```
 */
export function chinchilla(params: Readonly<Record<ChinchillaParam, number>>): ChinchillaLaw {
  return makeLaw(
    { ...chinchillaFamily, paramDomains: { A: 'positive', B: 'positive', E: 'nonNegative', alpha: 'positive', beta: 'positive' } },
    params,
    (p, x) => p.E + p.A / x.N ** p.alpha + p.B / x.D ** p.beta,
    (p, f) => `L(N, D) = ${f(p.E)} + ${f(p.A)} / N^${f(p.alpha)} + ${f(p.B)} / D^${f(p.beta)}`,
  );
}
