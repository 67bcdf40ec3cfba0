import { checkNumber, describeValue, ScalingError } from './errors.js';

function checkReference(ref: unknown): NmtReference {
  if (ref === null || typeof ref !== 'object') throw new ScalingError('INVALID_ARGUMENT', 'reference sizes must be an object', { argument: 'ref', expected: '{ NeRef, NdRef }', received: describeValue(ref) });
  const r = ref as NmtReference;
  checkNumber('NeRef', r.NeRef, 'a number > 0', (v) => v > 0);
  checkNumber('NdRef', r.NdRef, 'a number > 0', (v) => v > 0);
  return r;
}
import { grid, type Law, type LawFamily, lse2, makeLaw, mean, minOf } from './law.js';

/** Parameter names of the NMT encoder/decoder law. */
export type NmtParam = 'alpha' | 'pe' | 'pd' | 'Linf';
/** Reference sizes N̄_e, N̄_d of the NMT law (fixed, not fitted). */
export interface NmtReference {
  readonly NeRef: number;
  readonly NdRef: number;
}

const FORMULA = 'L(Ne, Nd) = alpha * (NeRef / Ne)^pe * (NdRef / Nd)^pd + Linf';
const LATEX = 'L(N_e, N_d) = \\alpha \\left(\\frac{\\bar N_e}{N_e}\\right)^{p_e} \\left(\\frac{\\bar N_d}{N_d}\\right)^{p_d} + L_\\infty';

/**
 * Family of the bivariate encoder/decoder law for neural machine translation.
 *
 * Formula: `L(N_e, N_d) = α · (N̄_e/N_e)^{p_e} · (N̄_d/N_d)^{p_d} + L_∞`, N_e and N_d the encoder and
 * decoder parameter counts, N̄_e, N̄_d fixed reference sizes (the paper normalizes by its baseline
 * model; they only rescale α, so pick any sizes in your data's range), p_e ≠ p_d in general.
 * Log space: `log L̂ = LSE(log α + p_e(log N̄_e − log N_e) + p_d(log N̄_d − log N_d), log L_∞)`, θ =
 * `[logAlpha, pe, pd, logLinf]`, bounds p ∈ [1e-4, 5]. Starts (27): p_e, p_d ∈ {0.1, 0.3, 0.6},
 * L_∞ ∈ {0.3, 0.6, 0.9}·min L. Consequence used by the paper for allocation: under N_e + N_d = B the
 * loss is minimized at N_e/N_d = p_e/p_d ({@link nmtOptimalSplit}).
 * Verification: the multiplicative form and the normalizers are from our paper notes (Eq. 2 of the
 * paper was not visible to us; the abstract confirms a bivariate law with different exponents).
 *
 * Paper: "Scaling Laws for Neural Machine Translation", Ghorbani, Firat, Freitag, Bapna, Krikun,
 * Garcia, Chelba, Cherry, 2021 (arXiv 2109.07740).
 *
 * @example
 * ```ts
 * fitLaw(nmtFamily({ NeRef: 1e8, NdRef: 1e8 }), runs); // runs: { Ne, Nd, loss }[]
 * ```
 */
export function nmtFamily(ref: NmtReference): LawFamily<NmtParam, 'Ne' | 'Nd'> {
  checkReference(ref);
  const lre = Math.log(ref.NeRef);
  const lrd = Math.log(ref.NdRef);
  const fam: LawFamily<NmtParam, 'Ne' | 'Nd'> = {
    id: 'nmt',
    name: 'NMT encoder/decoder law (Ghorbani et al. 2021)',
    paramNames: ['alpha', 'pe', 'pd', 'Linf'],
    inputNames: ['Ne', 'Nd'],
    varyingInputs: ['Ne', 'Nd'],
    positiveInputs: ['Ne', 'Nd'],
    formula: FORMULA,
    latex: LATEX,
    thetaNames: ['logAlpha', 'pe', 'pd', 'logLinf'],
    bounds: [
      [-Infinity, Infinity],
      [1e-4, 5],
      [1e-4, 5],
      [-Infinity, Infinity],
    ],
    defaultStarts(cols, logY) {
      const yMin = Math.exp(minOf(logY));
      const yMean = mean(Array.from(logY, Math.exp));
      const le = mean(cols[0]!) - lre;
      const ld = mean(cols[1]!) - lrd;
      return grid([0.1, 0.3, 0.6], [0.1, 0.3, 0.6], [0.3, 0.6, 0.9]).map(([pe, pd, q]) => [
        Math.log(Math.max(yMean - q! * yMin, 1e-3)) + pe! * le + pd! * ld,
        pe!,
        pd!,
        Math.log(q! * yMin),
      ]);
    },
    logPredict(theta, cols, out, jac) {
      const [la, pe, pd, lL] = [theta[0]!, theta[1]!, theta[2]!, theta[3]!];
      const lNe = cols[0]!;
      const lNd = cols[1]!;
      for (let i = 0; i < out.length; i++) {
        const de = lre - lNe[i]!;
        const dd = lrd - lNd[i]!;
        const [v, w] = lse2(la + pe * de + pd * dd, lL);
        out[i] = v;
        jac[4 * i] = w;
        jac[4 * i + 1] = w * de;
        jac[4 * i + 2] = w * dd;
        jac[4 * i + 3] = 1 - w;
      }
    },
    toParams: (t) => ({ alpha: Math.exp(t[0]!), pe: t[1]!, pd: t[2]!, Linf: Math.exp(t[3]!) }),
    toTheta: (p) => [Math.log(p.alpha), p.pe, p.pd, Math.log(p.Linf)],
    create: (p) => nmtLaw(ref, p),
  };
  return Object.freeze(fam);
}

/**
 * The NMT law with given parameters and reference sizes (see {@link nmtFamily}). Ranges: α, p_e, p_d > 0,
 * L_∞ ≥ 0; `predict` needs finite N_e, N_d > 0.
 *
 * @example
 * ```ts
 * nmtLaw({ NeRef: 1e8, NdRef: 1e8 }, { alpha: 1, pe: 0.2, pd: 0.3, Linf: 1.5 }).predict({ Ne: 2e8, Nd: 2e8 });
 * ```
 */
export function nmtLaw(ref: NmtReference, params: Readonly<Record<NmtParam, number>>): Law<NmtParam, 'Ne' | 'Nd'> {
  checkReference(ref);
  return makeLaw(
    {
      id: 'nmt',
      name: 'NMT encoder/decoder law (Ghorbani et al. 2021)',
      paramNames: ['alpha', 'pe', 'pd', 'Linf'],
      inputNames: ['Ne', 'Nd'],
      positiveInputs: ['Ne', 'Nd'],
      paramDomains: { alpha: 'positive', pe: 'positive', pd: 'positive', Linf: 'nonNegative' },
      formula: FORMULA,
      latex: LATEX,
    },
    params,
    (p, x) => p.alpha * (ref.NeRef / x.Ne) ** p.pe * (ref.NdRef / x.Nd) ** p.pd + p.Linf,
    (p, f) => `L(Ne, Nd) = ${f(p.alpha)} * (${f(ref.NeRef)} / Ne)^${f(p.pe)} * (${f(ref.NdRef)} / Nd)^${f(p.pd)} + ${f(p.Linf)}`,
  );
}

/**
 * Loss-minimizing encoder/decoder split for a total budget `B = N_e + N_d` under the NMT law:
 * `N_e = B·p_e/(p_e + p_d)`, `N_d = B·p_d/(p_e + p_d)` (from ∂/∂N_e of the product term with
 * N_d = B − N_e).
 *
 * @example
 * ```ts
 * nmtOptimalSplit({ pe: 0.2, pd: 0.3 }, 5e8); // { Ne: 2e8, Nd: 3e8 }
 * ```
 */
export function nmtOptimalSplit(params: { readonly pe: number; readonly pd: number }, total: number): { Ne: number; Nd: number } {
  checkNumber('total', total, 'a number > 0', (v) => v > 0);
  if (params === null || typeof params !== 'object') throw new ScalingError('INVALID_ARGUMENT', 'params must be an object', { argument: 'params', expected: '{ pe, pd }', received: describeValue(params) });
  for (const k of ['pe', 'pd'] as const) {
    const v = params[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ScalingError('INVALID_PARAMETER', `${k} must be > 0`, { argument: k, expected: 'a finite number > 0', received: describeValue(v) });
  }
  const s = params.pe + params.pd;
  return { Ne: (total * params.pe) / s, Nd: (total * params.pd) / s };
}
