import { describeValue, ScalingError } from './errors.js';
import { grid, type Law, type LawFamily, lse2, makeLaw, maxOf, mean } from './law.js';

function checkVariable(v: unknown): KaplanVariable {
  if (v !== 'N' && v !== 'D' && v !== 'C') throw new ScalingError('INVALID_ARGUMENT', 'unknown Kaplan variable', { argument: 'variable', expected: "'N', 'D' or 'C'", received: describeValue(v) });
  return v;
}

/** The variable of a single-variable Kaplan law. */
export type KaplanVariable = 'N' | 'D' | 'C';
/** Parameter names of a single-variable Kaplan law: `Nc`/`alphaN`, `Dc`/`alphaD`, `Cc`/`alphaC`. */
export type KaplanParam<V extends KaplanVariable> = `${V}c` | `alpha${V}`;

/**
 * Kaplan et al.'s published constants (Section 1.2, Eqs. 1.1–1.3): N = non-embedding parameters,
 * D = tokens, C = C_min in PF-days.
 */
export const kaplanConstants = Object.freeze({
  N: { c: 8.8e13, alpha: 0.076 },
  D: { c: 5.4e13, alpha: 0.095 },
  C: { c: 3.1e8, alpha: 0.05 },
  ND: { Nc: 6.4e13, Dc: 1.8e13, alphaN: 0.076, alphaD: 0.103 },
});

/**
 * Family of Kaplan's single-variable power laws `L(X) = (X_c / X)^{α_X}` for X ∈ {N, D, C}.
 *
 * Log space: `log L = c − α log X` with θ = `[c, alpha]`, `c = α log X_c` (linear least squares in
 * disguise). Bounds α ∈ [1e-6, 10]. Starts: α ∈ {0.01, 0.05, 0.1, 0.3}.
 * Units: C is C_min in PF-days in the paper (so C_c ≈ 3.1e8 PF-days).
 *
 * Paper: "Scaling Laws for Neural Language Models", Kaplan et al., 2020 (arXiv 2001.08361).
 *
 * @example
 * ```ts
 * fitLaw(kaplanFamily('N'), runs).law.params; // { Nc, alphaN }
 * ```
 */
export function kaplanFamily<V extends KaplanVariable>(variable: V): LawFamily<KaplanParam<V>, V> {
  checkVariable(variable);
  const cName = `${variable}c` as KaplanParam<V>;
  const aName = `alpha${variable}` as KaplanParam<V>;
  const fam: LawFamily<KaplanParam<V>, V> = {
    id: `kaplan-${variable}`,
    name: `Kaplan L(${variable})`,
    paramNames: [cName, aName],
    inputNames: [variable],
    varyingInputs: [variable],
    positiveInputs: [variable],
    formula: `L(${variable}) = (${variable}c / ${variable})^alpha${variable}`,
    latex: `L(${variable}) = \\left(\\frac{${variable}_c}{${variable}}\\right)^{\\alpha_${variable}}`,
    thetaNames: ['c', 'alpha'],
    bounds: [
      [-Infinity, Infinity],
      [1e-6, 10],
    ],
    defaultStarts(cols, logY) {
      const lx = mean(cols[0]!);
      const ly = mean(logY);
      return [0.01, 0.05, 0.1, 0.3].map((al) => [ly + al * lx, al]);
    },
    logPredict(theta, cols, out, jac) {
      const c = theta[0]!;
      const al = theta[1]!;
      const lx = cols[0]!;
      for (let i = 0; i < out.length; i++) {
        out[i] = c - al * lx[i]!;
        jac[2 * i] = 1;
        jac[2 * i + 1] = -lx[i]!;
      }
    },
    toParams: (t) => ({ [cName]: Math.exp(t[0]! / t[1]!), [aName]: t[1]! }) as Record<KaplanParam<V>, number>,
    toTheta: (p) => [p[aName] * Math.log(p[cName]), p[aName]],
    create: (p) => kaplan(variable, p),
  };
  return Object.freeze(fam);
}

/**
 * A single-variable Kaplan law `L(X) = (X_c / X)^{α_X}`; defaults to the paper's constants
 * ({@link kaplanConstants}): `L(N)`: N_c = 8.8e13, α_N = 0.076; `L(D)`: D_c = 5.4e13, α_D = 0.095;
 * `L(C_min)`: C_c = 3.1e8 PF-days, α_C = 0.050. Ranges: X_c, α_X > 0; `predict` needs a finite X > 0.
 *
 * @example
 * ```ts
 * kaplan('N').predict({ N: 1e9 }); // (8.8e13 / 1e9)^0.076 ≈ 2.37
 * ```
 */
export function kaplan<V extends KaplanVariable>(variable: V, params?: Readonly<Record<KaplanParam<V>, number>>): Law<KaplanParam<V>, V> {
  checkVariable(variable);
  const cName = `${variable}c` as KaplanParam<V>;
  const aName = `alpha${variable}` as KaplanParam<V>;
  const p = params ?? ({ [cName]: kaplanConstants[variable].c, [aName]: kaplanConstants[variable].alpha } as Record<KaplanParam<V>, number>);
  return makeLaw(
    { id: `kaplan-${variable}`, name: `Kaplan L(${variable})`, paramNames: [cName, aName], inputNames: [variable], positiveInputs: [variable], paramDomains: { [cName]: 'positive', [aName]: 'positive' } as Record<KaplanParam<V>, 'positive'>, formula: `L(${variable}) = (${variable}c / ${variable})^alpha${variable}`, latex: `L(${variable}) = \\left(\\frac{${variable}_c}{${variable}}\\right)^{\\alpha_${variable}}` },
    p,
    (q, x) => (q[cName] / x[variable]) ** q[aName],
    (q, f) => `L(${variable}) = (${f(q[cName])} / ${variable})^${f(q[aName])}`,
  );
}

/** Parameter names of Kaplan's joint law. */
export type KaplanNDParam = 'Nc' | 'Dc' | 'alphaN' | 'alphaD';

/**
 * Family of Kaplan's joint data/model law `L(N, D) = [(N_c/N)^{α_N/α_D} + D_c/D]^{α_D}` (Eq. 1.5).
 *
 * Log space: `log L = α_D · LSE((α_N/α_D)(log N_c − log N), log D_c − log D)`; θ =
 * `[logNc, logDc, alphaN, alphaD]`, bounds α ∈ [1e-4, 5]. Starts (27): α_N ∈ {0.05, 0.1, 0.3},
 * α_D ∈ {0.05, 0.1, 0.3}, log N_c = max log N + 6, log D_c ∈ max log D + {2, 6, 10}.
 * Paper values (Table 2 as cited by several re-implementations; not re-verified): α_N = 0.076,
 * α_D = 0.103, N_c = 6.4e13, D_c = 1.8e13.
 *
 * Paper: "Scaling Laws for Neural Language Models", Kaplan et al., 2020 (arXiv 2001.08361).
 *
 * @example
 * ```ts
 * fitLaw(kaplanNDFamily, runs).law.params; // { Nc, Dc, alphaN, alphaD }
 * ```
 */
export const kaplanNDFamily: LawFamily<KaplanNDParam, 'N' | 'D'> = Object.freeze({
  id: 'kaplan-nd',
  name: 'Kaplan L(N, D)',
  paramNames: ['Nc', 'Dc', 'alphaN', 'alphaD'] as const,
  inputNames: ['N', 'D'] as const,
  varyingInputs: ['N', 'D'] as const,
  positiveInputs: ['N', 'D'] as const,
  formula: 'L(N, D) = [(Nc / N)^(alphaN / alphaD) + Dc / D]^alphaD',
  latex: 'L(N, D) = \\left[\\left(\\frac{N_c}{N}\\right)^{\\alpha_N / \\alpha_D} + \\frac{D_c}{D}\\right]^{\\alpha_D}',
  thetaNames: ['logNc', 'logDc', 'alphaN', 'alphaD'] as const,
  bounds: [
    [-Infinity, Infinity],
    [-Infinity, Infinity],
    [1e-4, 5],
    [1e-4, 5],
  ] as const,
  defaultStarts(cols: readonly Float64Array[]) {
    const nMax = maxOf(cols[0]!);
    const dMax = maxOf(cols[1]!);
    return grid([0.05, 0.1, 0.3], [0.05, 0.1, 0.3], [2, 6, 10]).map(([aN, aD, off]) => [nMax + 6, dMax + off!, aN!, aD!]);
  },
  logPredict(theta: ArrayLike<number>, cols: readonly Float64Array[], out: Float64Array, jac: Float64Array) {
    const [lNc, lDc, aN, aD] = [theta[0]!, theta[1]!, theta[2]!, theta[3]!];
    const lN = cols[0]!;
    const lD = cols[1]!;
    for (let i = 0; i < out.length; i++) {
      const u1 = (aN / aD) * (lNc - lN[i]!);
      const [s, w1] = lse2(u1, lDc - lD[i]!);
      out[i] = aD * s;
      jac[4 * i] = aN * w1;
      jac[4 * i + 1] = aD * (1 - w1);
      jac[4 * i + 2] = w1 * (lNc - lN[i]!);
      jac[4 * i + 3] = s - w1 * u1;
    }
  },
  toParams: (t: readonly number[]) => ({ Nc: Math.exp(t[0]!), Dc: Math.exp(t[1]!), alphaN: t[2]!, alphaD: t[3]! }),
  toTheta: (p: Readonly<Record<KaplanNDParam, number>>) => [Math.log(p.Nc), Math.log(p.Dc), p.alphaN, p.alphaD],
  create: (p: Readonly<Record<KaplanNDParam, number>>) => kaplanND(p),
});

/**
 * Kaplan's joint law `L(N, D) = [(N_c/N)^{α_N/α_D} + D_c/D]^{α_D}`; defaults N_c = 6.4e13,
 * D_c = 1.8e13, α_N = 0.076, α_D = 0.103 (see {@link kaplanNDFamily}). Ranges: every parameter > 0; `predict`
 * needs finite N, D > 0.
 *
 * @example
 * ```ts
 * kaplanND().predict({ N: 1e9, D: 2e10 });
 * ```
 */
export function kaplanND(params: Readonly<Record<KaplanNDParam, number>> = kaplanConstants.ND): Law<KaplanNDParam, 'N' | 'D'> {
  return makeLaw(
    { ...kaplanNDFamily, paramDomains: { Nc: 'positive', Dc: 'positive', alphaN: 'positive', alphaD: 'positive' } },
    params,
    (p, x) => ((p.Nc / x.N) ** (p.alphaN / p.alphaD) + p.Dc / x.D) ** p.alphaD,
    (p, f) => `L(N, D) = [(${f(p.Nc)} / N)^(${f(p.alphaN)} / ${f(p.alphaD)}) + ${f(p.Dc)} / D]^${f(p.alphaD)}`,
  );
}
