import { ScalingError } from './errors.js';
import { grid, type Law, type LawFamily, makeLaw, mean } from './law.js';

/** Parameter names of the downstream log law. */
export type DownstreamParam = 'A' | 'alpha' | 'beta';

const FORMULA = 'f(Dp) = (log(A * Dp^alpha))^beta';
const LATEX = 'f(D_p) = \\left(\\log\\left(A \\cdot D_p^{\\alpha}\\right)\\right)^{\\beta}';

/**
 * Family of the downstream-task "log law" for translation quality (BLEU, COMET) as a function of the
 * pretraining data size D_p, over input `Dp`.
 *
 * Formula: `f(D_p) = (log(A · D_p^α))^β` (natural log). Log space: `log f̂ = β · log(log A + α log D_p)`,
 * θ = `[logA, alpha, beta]`; points where `log A + α log D_p ≤ 0` are outside the domain (objective
 * +∞). Bounds α ∈ [1e-6, 10], β ∈ [1e-3, 20]. Starts (12): α ∈ {0.1, 0.5, 1}, β ∈ {0.5, 1, 2, 4},
 * log A set so the inner log matches the mean score. The paper's companion law for downstream
 * cross-entropy, `L(D_p) = E + A/D_p^α`, is {@link powerLawFamily}`('Dp')` (with A = x0^α).
 *
 * Paper: "Scaling Laws for Downstream Task Performance of Large Language Models" (also titled
 * "... in Machine Translation"), Isik, Ponomareva, Hazimeh, Paparas, Vassilvitskii, Koyejo, 2024
 * (arXiv 2402.04177); formula as printed in its Figure 9 caption.
 *
 * @example
 * ```ts
 * fitLaw(downstreamLogFamily, runs, { target: 'bleu' }); // runs: { Dp, bleu }[]
 * ```
 */
export const downstreamLogFamily: LawFamily<DownstreamParam, 'Dp'> = Object.freeze({
  id: 'downstream-log',
  name: 'Downstream log law (Isik et al. 2024)',
  paramNames: ['A', 'alpha', 'beta'] as const,
  inputNames: ['Dp'] as const,
  varyingInputs: ['Dp'] as const,
  positiveInputs: ['Dp'] as const,
  formula: FORMULA,
  latex: LATEX,
  thetaNames: ['logA', 'alpha', 'beta'] as const,
  bounds: [
    [-Infinity, Infinity],
    [1e-6, 10],
    [1e-3, 20],
  ] as const,
  defaultStarts(cols: readonly Float64Array[], logY: Float64Array) {
    const lx = mean(cols[0]!);
    const ly = mean(logY);
    return grid([0.1, 0.5, 1], [0.5, 1, 2, 4]).map(([al, be]) => [Math.exp(ly / be!) - al! * lx, al!, be!]);
  },
  logPredict(theta: ArrayLike<number>, cols: readonly Float64Array[], out: Float64Array, jac: Float64Array) {
    const [lA, al, be] = [theta[0]!, theta[1]!, theta[2]!];
    const lx = cols[0]!;
    for (let i = 0; i < out.length; i++) {
      const u = lA + al * lx[i]!;
      if (!(u > 0)) {
        out[i] = NaN;
        continue;
      }
      const lu = Math.log(u);
      out[i] = be * lu;
      jac[3 * i] = be / u;
      jac[3 * i + 1] = (be * lx[i]!) / u;
      jac[3 * i + 2] = lu;
    }
  },
  toParams: (t: readonly number[]) => ({ A: Math.exp(t[0]!), alpha: t[1]!, beta: t[2]! }),
  toTheta: (p: Readonly<Record<DownstreamParam, number>>) => [Math.log(p.A), p.alpha, p.beta],
  create: (p: Readonly<Record<DownstreamParam, number>>) => downstreamLog(p),
});

/**
 * The downstream log law with given parameters (see {@link downstreamLogFamily}). Ranges: A, α, β > 0. `predict`
 * needs a finite D_p > 0 with `A·D_p^α > 1` (the law's domain; `INVALID_VALUE` naming `Dp` otherwise).
 *
 * @example
 * ```ts
 * downstreamLog({ A: 1e-3, alpha: 0.5, beta: 1.5 }).predict({ Dp: 1e10 });
 * ```
 */
export function downstreamLog(params: Readonly<Record<DownstreamParam, number>>): Law<DownstreamParam, 'Dp'> {
  return makeLaw(
    { ...downstreamLogFamily, paramDomains: { A: 'positive', alpha: 'positive', beta: 'positive' } },
    params,
    (p, x) => {
      const u = Math.log(p.A) + p.alpha * Math.log(x.Dp);
      if (!(u > 0)) throw new ScalingError('INVALID_VALUE', 'downstream log law: A·Dp^alpha must exceed 1', { argument: 'Dp', expected: `a number > A^(-1/alpha) = ${Math.exp(-Math.log(p.A) / p.alpha)}`, received: String(x.Dp) });
      return u ** p.beta;
    },
    (p, f) => `f(Dp) = (log(${f(p.A)} * Dp^${f(p.alpha)}))^${f(p.beta)}`,
  );
}
