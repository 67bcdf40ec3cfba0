import { checkOptions, describeValue, ScalingError } from './errors.js';
import { grid, inDomain, type Law, type LawFamily, lse2, makeLaw, mean, minOf } from './law.js';

/** Parameter names of the loss-to-loss law. */
export type LossToLossParam = 'K' | 'kappa' | 'Ex' | 'Ey';

const FORMULA = 'Ly = K * (Lx - Ex)^kappa + Ey';
const LATEX = 'L_y = K \\cdot (L_x - E_x)^{\\kappa} + E_y';

/**
 * Family of the shifted power law between two losses, over input `Lx` with target `Ly`.
 *
 * Formula: `L_y = K · (L_x − E_x)^κ + E_y`, E_x, E_y the irreducible losses of the two datasets
 * (Brandfonbrener et al. 2024: train-to-train, train-to-test and test-to-test prediction, models
 * paired by compute; Mayilvahanan et al. 2025 "LLMs on the Line": the same law across models, set by
 * the pretraining data). Log space: `log L̂_y = LSE(log K + κ log(L_x − E_x), log E_y)`, θ =
 * `[logK, kappa, Ex, logEy]`. Points with L_x ≤ E_x are outside the domain (objective +∞). Pass
 * `{ Ex, Ey }` to fix the irreducible losses from each dataset's own scaling fit, as the paper does.
 * Starts (27, or fewer when fixed): κ ∈ {0.5, 1, 2}, E_x ∈ {0, 0.5, 0.9}·min L_x,
 * E_y ∈ {0.1, 0.5, 0.9}·min L_y.
 *
 * Papers: "Loss-to-Loss Prediction: Scaling Laws for All Datasets", Brandfonbrener, Anand, Vyas,
 * Malach, Kakade, 2024 (arXiv 2411.12925); "LLMs on the Line: Data Determines Loss-to-Loss Scaling
 * Laws", Mayilvahanan et al., 2025 (arXiv 2502.12120).
 *
 * @example
 * ```ts
 * fitLaw(lossToLossFamily(), pairs, { target: 'Ly' }); // pairs: { Lx, Ly }[]
 * ```
 */
export function lossToLossFamily(fixed?: { readonly Ex?: number; readonly Ey?: number }): LawFamily<LossToLossParam, 'Lx'> {
  const { Ex: fixEx, Ey: fixEy } = checkOptions(fixed, 'fixed');
  if (fixEx !== undefined && !inDomain(fixEx, 'finite')) throw new ScalingError('INVALID_PARAMETER', 'fixed Ex must be finite', { argument: 'Ex', expected: 'a finite number', received: describeValue(fixEx) });
  if (fixEy !== undefined && !inDomain(fixEy, 'positive')) throw new ScalingError('INVALID_PARAMETER', 'fixed Ey must be > 0 (it is fitted as log Ey)', { argument: 'Ey', expected: 'a finite number > 0', received: describeValue(fixEy) });
  // Full θ = [logK, kappa, Ex, logEy]; `free` maps the fitted coordinates into it.
  const free = [0, 1, ...(fixEx === undefined ? [2] : []), ...(fixEy === undefined ? [3] : [])];
  const full = new Float64Array(4);
  const expand = (theta: ArrayLike<number>): Float64Array => {
    full[2] = fixEx ?? 0;
    full[3] = fixEy === undefined ? 0 : Math.log(fixEy);
    free.forEach((k, j) => {
      full[k] = theta[j]!;
    });
    return full;
  };
  const p = free.length;
  const fam: LawFamily<LossToLossParam, 'Lx'> = {
    id: 'loss-to-loss',
    name: 'Loss-to-loss shifted power law',
    paramNames: ['K', 'kappa', 'Ex', 'Ey'],
    inputNames: ['Lx'],
    varyingInputs: ['Lx'],
    positiveInputs: [],
    formula: FORMULA,
    latex: LATEX,
    thetaNames: free.map((k) => ['logK', 'kappa', 'Ex', 'logEy'][k]!),
    bounds: free.map((k) => (k === 1 ? ([1e-3, 20] as const) : ([-Infinity, Infinity] as const))),
    defaultStarts(cols, logY) {
      const lx = cols[0]!;
      const xMin = minOf(lx);
      const yMin = Math.exp(minOf(logY));
      const exs = fixEx === undefined ? [0, 0.5, 0.9].map((q) => q * xMin) : [fixEx];
      const eys = fixEy === undefined ? [0.1, 0.5, 0.9].map((q) => q * yMin) : [fixEy];
      return grid([0.5, 1, 2], exs, eys).map(([kappa, ex, ey]) => {
        const ys = Array.from(logY, (v) => Math.log(Math.max(Math.exp(v) - ey!, 1e-3 * yMin)));
        const xs = Array.from(lx, (v) => Math.log(Math.max(v - ex!, 1e-12)));
        const fullStart = [mean(ys) - kappa! * mean(xs), kappa!, ex!, Math.log(ey!)];
        return free.map((k) => fullStart[k]!);
      });
    },
    logPredict(theta, cols, out, jac) {
      const t = expand(theta);
      const [lK, kappa, Ex, lEy] = [t[0]!, t[1]!, t[2]!, t[3]!];
      const lx = cols[0]!;
      const g = [0, 0, 0, 0];
      for (let i = 0; i < out.length; i++) {
        const d = lx[i]! - Ex;
        if (!(d > 0)) {
          out[i] = NaN;
          continue;
        }
        const ld = Math.log(d);
        const [v, w] = lse2(lK + kappa * ld, lEy);
        out[i] = v;
        g[0] = w;
        g[1] = w * ld;
        g[2] = (-w * kappa) / d;
        g[3] = 1 - w;
        free.forEach((k, j) => {
          jac[p * i + j] = g[k]!;
        });
      }
    },
    toParams: (theta) => {
      const t = expand(theta);
      return { K: Math.exp(t[0]!), kappa: t[1]!, Ex: t[2]!, Ey: Math.exp(t[3]!) };
    },
    toTheta: (q) => {
      const t = [Math.log(q.K), q.kappa, q.Ex, Math.log(q.Ey)];
      return free.map((k) => t[k]!);
    },
    create: (q) => lossToLoss(q),
  };
  return Object.freeze(fam);
}

/**
 * A loss-to-loss law `L_y = K·(L_x − E_x)^κ + E_y` with given parameters (see {@link lossToLossFamily}).
 * Ranges: K, κ > 0, E_x finite, E_y ≥ 0. `predict` throws `INVALID_VALUE` (argument `Lx`) for L_x ≤ E_x, outside the
 * law's domain.
 *
 * @example
 * ```ts
 * lossToLoss({ K: 1.2, kappa: 0.9, Ex: 1.6, Ey: 1.9 }).predict({ Lx: 2.5 });
 * ```
 */
export function lossToLoss(params: Readonly<Record<LossToLossParam, number>>): Law<LossToLossParam, 'Lx'> {
  return makeLaw(
    { id: 'loss-to-loss', name: 'Loss-to-loss shifted power law', paramNames: ['K', 'kappa', 'Ex', 'Ey'], inputNames: ['Lx'], positiveInputs: [], paramDomains: { K: 'positive', kappa: 'positive', Ex: 'finite', Ey: 'nonNegative' }, formula: FORMULA, latex: LATEX },
    params,
    (q, x) => {
      if (!(x.Lx > q.Ex)) throw new ScalingError('INVALID_VALUE', 'loss-to-loss: Lx must exceed the irreducible loss Ex', { argument: 'Lx', expected: `a number > Ex = ${q.Ex}`, received: String(x.Lx) });
      return q.K * (x.Lx - q.Ex) ** q.kappa + q.Ey;
    },
    (q, f) => `Ly = ${f(q.K)} * (Lx - ${f(q.Ex)})^${f(q.kappa)} + ${f(q.Ey)}`,
  );
}
