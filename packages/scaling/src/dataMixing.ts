import { checkNumber, checkOptions, describeValue, ScalingError } from './errors.js';
import { grid, type Law, type LawFamily, lse2, makeLaw, minOf } from './law.js';

/** Parameter names of the per-domain SFT data-mixing law. */
export type MixingParam = 'K' | 'alpha' | 'C' | 't' | 'beta';

const MIX_FORMULA = 'L(Dself, Dother) = C + K * (Dself + t * Dother^beta)^(-alpha)';
const MIX_LATEX = 'L_i(D_i, D_{-i}) = C_i + K_i\\,\\bigl(D_i + t_i\\, D_{-i}^{\\beta_i}\\bigr)^{-\\alpha_i}';

/**
 * Family of the per-domain validation-loss law used for data mixing in supervised fine-tuning: a fine-tuning power law
 * in the *effective* data of the domain, `L_i = C_i + K_i·(D_i + t_i·D_{−i}^{β_i})^{−α_i}`, where D_i is the number of
 * training tokens (or examples) from domain i and D_{−i} the tokens from all other domains, of which
 * `t_i·D_{−i}^{β_i}` transfer to domain i (the "effective data transferred" of Hernandez et al. 2021, "Scaling Laws
 * for Transfer"). This is the structure "Data Mixing Optimization for Supervised Fine-Tuning of Large Language Models"
 * (Li, Liu & Xing, ICML 2025) describes (a loss parametrized by effective data transferred and a fine-tuning scaling
 * law, fitted on small perturbed mixtures, then minimised over the weights); the paper's exact parametrization could
 * not be read (see the package README), so the transfer term follows Hernandez et al.'s power form.
 *
 * Log space: `log L = LSE(log C, log K − α·log E)`, `E = D_i + t·D_{−i}^β`; θ = `[logK, alpha, logC, logT, beta]`,
 * bounds α ∈ [1e-3, 5], β ∈ [1e-3, 2], log t ∈ [−30, 10]. Inputs `Dself` > 0 and `Dother` ≥ 0 (raw). Starts (54):
 * α ∈ {0.1, 0.3, 0.7}, β ∈ {0.3, 0.7, 1}, t ∈ {1e-3, 0.1}, C ∈ {0.5, 0.9}·min L, K so that the power term matches the
 * mean loss excess at the median Dself.
 *
 * @example
 * ```ts
 * const mathLaw = fitLaw(sftMixingFamily, mathRuns).law; // mathRuns: { Dself, Dother, loss }[]
 * ```
 */
export const sftMixingFamily: LawFamily<MixingParam, 'Dself' | 'Dother'> = Object.freeze({
  id: 'sft-mixing',
  name: 'SFT data-mixing law (effective data transferred)',
  paramNames: ['K', 'alpha', 'C', 't', 'beta'] as const,
  inputNames: ['Dself', 'Dother'] as const,
  varyingInputs: ['Dself', 'Dother'] as const,
  positiveInputs: ['Dself'] as const,
  formula: MIX_FORMULA,
  latex: MIX_LATEX,
  thetaNames: ['logK', 'alpha', 'logC', 'logT', 'beta'] as const,
  bounds: [
    [-Infinity, Infinity],
    [1e-3, 5],
    [-Infinity, Infinity],
    [-30, 10],
    [1e-3, 2],
  ] as const,
  defaultStarts(cols: readonly Float64Array[], logY: Float64Array) {
    const lD = cols[0]!;
    const sorted = Array.from(lD).sort((a, b) => a - b);
    const mid = sorted[Math.floor(sorted.length / 2)]!;
    const ys = Array.from(logY, Math.exp);
    const yMin = minOf(ys);
    const yMean = ys.reduce((a, b) => a + b, 0) / ys.length;
    return grid([0.1, 0.3, 0.7], [0.3, 0.7, 1], [1e-3, 0.1], [0.5, 0.9]).map(([al, be, t, q]) => {
      const C = q! * yMin;
      return [Math.log(Math.max(yMean - C, 1e-3 * yMean)) + al! * mid, al!, Math.log(C), Math.log(t!), be!];
    });
  },
  logPredict(theta: ArrayLike<number>, cols: readonly Float64Array[], out: Float64Array, jac: Float64Array) {
    const [lK, al, lC, lt, be] = [theta[0]!, theta[1]!, theta[2]!, theta[3]!, theta[4]!];
    const lDs = cols[0]!;
    const Do = cols[1]!;
    const t = Math.exp(lt);
    for (let i = 0; i < out.length; i++) {
      const ds = Math.exp(lDs[i]!);
      const d = Do[i]!;
      if (!(d >= 0)) {
        out[i] = NaN;
        continue;
      }
      const lo = d > 0 ? Math.log(d) : -Infinity;
      const tr = d > 0 ? t * Math.exp(be * lo) : 0; // t·D_other^β
      const E = ds + tr;
      const lE = Math.log(E);
      const [v, w] = lse2(lK - al * lE, lC); // w = weight of the power term
      out[i] = v;
      const j = 5 * i;
      jac[j] = w;
      jac[j + 1] = -lE * w;
      jac[j + 2] = 1 - w;
      // ∂(−α log E)/∂ log t = −α·tr/E; ∂/∂β = −α·tr·log D_other/E.
      jac[j + 3] = (-al * tr * w) / E;
      jac[j + 4] = d > 0 ? (-al * tr * lo * w) / E : 0;
    }
  },
  toParams: (t: readonly number[]) => ({ K: Math.exp(t[0]!), alpha: t[1]!, C: Math.exp(t[2]!), t: Math.exp(t[3]!), beta: t[4]! }),
  toTheta: (p: Readonly<Record<MixingParam, number>>) => [Math.log(p.K), p.alpha, Math.log(p.C), Math.log(p.t), p.beta],
  create: (p: Readonly<Record<MixingParam, number>>) => sftMixingLaw(p),
});

/**
 * A per-domain SFT data-mixing law with given parameters (see {@link sftMixingFamily}):
 * `predict({ Dself, Dother })` = `C + K·(Dself + t·Dother^β)^{−α}`. Ranges: K, α, t, β > 0, C ≥ 0; `predict` needs
 * Dself > 0 and Dother ≥ 0.
 *
 * @example
 * ```ts
 * sftMixingLaw({ K: 30, alpha: 0.4, C: 0.8, t: 0.05, beta: 0.9 }).predict({ Dself: 1e5, Dother: 2e5 });
 * ```
 */
export function sftMixingLaw(params: Readonly<Record<MixingParam, number>>): Law<MixingParam, 'Dself' | 'Dother'> {
  return makeLaw(
    { ...sftMixingFamily, paramDomains: { K: 'positive', alpha: 'positive', C: 'nonNegative', t: 'positive', beta: 'positive' } },
    params,
    (p, x) => {
      if (!(x.Dother >= 0)) throw new ScalingError('INVALID_VALUE', 'Dother must be >= 0', { argument: 'Dother', expected: 'a finite number >= 0', received: String(x.Dother) });
      return p.C + p.K * (x.Dself + p.t * x.Dother ** p.beta) ** -p.alpha;
    },
    (p, f) => `L = ${f(p.C)} + ${f(p.K)} * (Dself + ${f(p.t)} * Dother^${f(p.beta)})^(-${f(p.alpha)})`,
  );
}

/** Options of {@link optimizeMixture}. */
export interface MixtureOptions {
  /** Importance of each domain's validation loss in the objective Σ λ_i L_i. Default all 1. */
  readonly importance?: readonly number[];
  /** Iterations of exponentiated-gradient descent. Default 5000. */
  readonly iterations?: number;
}

/** Result of {@link optimizeMixture}. */
export interface MixtureResult {
  /** Mixture weights w_i (≥ 0, summing to 1). */
  readonly weights: number[];
  /** Predicted validation loss of each domain at the optimum. */
  readonly losses: number[];
  /** Σ λ_i L_i at the optimum. */
  readonly objective: number;
  readonly iterations: number;
}

/**
 * Optimal SFT data-mixture weights under a token budget: minimise `Σ_i λ_i L_i(w_i·D, (1 − w_i)·D)` over the simplex
 * (w_i ≥ 0, Σ w_i = 1), with one fitted {@link sftMixingLaw} per domain (the domain gets w_i·D tokens, the others
 * (1 − w_i)·D in total). Solved in float64 by exponentiated-gradient (mirror) descent with a backtracking step, from
 * the uniform mixture; the objective is smooth on the simplex's interior (weights are kept ≥ 1e-12). With equal
 * importances this is the paper's objective (the average validation loss over domains).
 *
 * @example
 * ```ts
 * optimizeMixture([mathLaw, codeLaw, chatLaw], 1e6).weights; // e.g. [0.41, 0.35, 0.24]
 * ```
 */
export function optimizeMixture(laws: readonly Law<MixingParam, 'Dself' | 'Dother'>[], budget: number, options?: MixtureOptions): MixtureResult {
  if (!Array.isArray(laws) || laws.length < 2) throw new ScalingError('INVALID_ARGUMENT', 'a mixture needs at least two domains', { argument: 'laws', expected: 'an array of >= 2 sftMixingLaw laws', received: Array.isArray(laws) ? `${laws.length} laws` : describeValue(laws) });
  laws.forEach((l, i) => {
    if (!l || typeof l !== 'object' || typeof l.predict !== 'function' || !['K', 'alpha', 'C', 't', 'beta'].every((k) => typeof (l.params as Record<string, unknown>)?.[k] === 'number')) {
      throw new ScalingError('INVALID_ARGUMENT', `law ${i} is not a data-mixing law`, { argument: 'laws', expected: 'sftMixingLaw({ K, alpha, C, t, beta }) or a fitLaw(sftMixingFamily, ...) law', received: describeValue(l) });
    }
  });
  const D = checkNumber('budget', budget, 'a finite number > 0 (tokens)', (v) => v > 0);
  options = checkOptions(options);
  const k = laws.length;
  const lam = options.importance ?? new Array<number>(k).fill(1);
  if (!Array.isArray(lam) || lam.length !== k || lam.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v < 0) || lam.every((v) => v === 0)) {
    throw new ScalingError('INVALID_ARGUMENT', 'one importance >= 0 per domain, not all 0', { argument: 'importance', expected: `${k} finite numbers >= 0`, received: describeValue(lam) });
  }
  const iters = checkNumber('iterations', options.iterations ?? 5000, 'an integer >= 1', (v) => Number.isInteger(v) && v >= 1);
  const P = laws.map((l) => l.params as Readonly<Record<MixingParam, number>>);
  const FLOOR = 1e-12;
  // Objective and gradient in w (each L_i depends on w_i only through D_i = w_i D and D_{−i} = (1 − w_i) D).
  const evaluate = (w: Float64Array, g: Float64Array | undefined): number => {
    let f = 0;
    for (let i = 0; i < k; i++) {
      const p = P[i]!;
      const ds = w[i]! * D;
      const dOther = Math.max(0, 1 - w[i]!) * D;
      const tr = dOther > 0 ? p.t * dOther ** p.beta : 0;
      const E = ds + tr;
      const pow = p.K * E ** -p.alpha;
      f += lam[i]! * (p.C + pow);
      if (g) {
        // dE/dw_i = D − t·β·D_other^{β−1}·D.
        const dTr = dOther > 0 ? p.t * p.beta * dOther ** (p.beta - 1) * D : 0;
        g[i] = lam[i]! * (-p.alpha * pow / E) * (D - dTr);
      }
    }
    return f;
  };
  let w = new Float64Array(k).fill(1 / k);
  const g = new Float64Array(k);
  let f = evaluate(w, g);
  let step = 1;
  let it = 0;
  for (; it < iters; it++) {
    // Scale-free step: normalise by the gradient's spread.
    let gMax = 0;
    for (let i = 0; i < k; i++) gMax = Math.max(gMax, Math.abs(g[i]!));
    if (!(gMax > 0)) break;
    let accepted = false;
    for (let ls = 0; ls < 50; ls++) {
      const next = new Float64Array(k);
      let s = 0;
      for (let i = 0; i < k; i++) {
        next[i] = w[i]! * Math.exp((-step * g[i]!) / gMax);
        s += next[i]!;
      }
      for (let i = 0; i < k; i++) next[i] = Math.max(FLOOR, next[i]! / s);
      const fn = evaluate(next, undefined);
      if (fn <= f) {
        const moved = next.some((v, i) => Math.abs(v - w[i]!) > 1e-15);
        w = next;
        f = evaluate(w, g);
        step = Math.min(step * 1.5, 10);
        accepted = moved;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
  }
  const weights = Array.from(w);
  const losses = weights.map((wi, i) => laws[i]!.predict({ Dself: Math.max(wi, FLOOR) * D, Dother: Math.max(0, 1 - wi) * D }));
  return { weights, losses, objective: losses.reduce((a, l, i) => a + lam[i]! * l, 0), iterations: it };
}
