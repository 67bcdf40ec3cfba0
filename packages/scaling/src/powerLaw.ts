import { describeValue, ScalingError } from './errors.js';
import { grid, type Law, type LawFamily, lse2, makeLaw, mean, minOf } from './law.js';

function checkInputName(input: unknown): void {
  if (typeof input !== 'string' || input === '') throw new ScalingError('INVALID_ARGUMENT', 'the input must be named', { argument: 'input', expected: "a non-empty string such as 'N'", received: describeValue(input) });
}

/** Parameter names of {@link powerLaw}. */
export type PowerLawParam = 'E' | 'x0' | 'alpha';

/**
 * Family of the single-variable power law with a constant, fitted in log space.
 *
 * Formula: `L(x) = E + (x0 / x)^α` (E = irreducible loss, the reducible term ≈ D_KL).
 * θ = `[a, alpha, e]` with `(x0/x)^α = exp(a − α log x)`, i.e. `a = α log x0`, and `E = e^e`;
 * `log L̂ = LSE(a − α log x, e)`. Bounds: α ∈ [1e-6, 10]. Starts (data-driven, 21): α ∈ {0.05, 0.1,
 * 0.2, 0.35, 0.5, 0.75, 1}, E ∈ {0.1, 0.5, 0.9} · min y, a so that the reducible term matches the data
 * at the mean log x.
 *
 * Paper: "Scaling Laws for Autoregressive Generative Modeling", Henighan et al., 2020 (arXiv 2010.14701).
 * The same form is the downstream cross-entropy law `L(D_p) = E + A / D_p^α` of Isik et al. 2024
 * (A = x0^α) and the asymptote fit of "Pre-training under infinite compute".
 *
 * @example
 * ```ts
 * const fam = powerLawFamily('N');
 * fitLaw(fam, runs).law.params; // { E, x0, alpha }
 * ```
 */
export function powerLawFamily<I extends string>(input: I): LawFamily<PowerLawParam, I> {
  checkInputName(input);
  const fam: LawFamily<PowerLawParam, I> = {
    id: `power-law-${input}`,
    name: `Power law with constant in ${input} (Henighan et al. 2020)`,
    paramNames: ['E', 'x0', 'alpha'],
    inputNames: [input],
    varyingInputs: [input],
    positiveInputs: [input],
    formula: `L(${input}) = E + (x0 / ${input})^alpha`,
    latex: `L(${input}) = E + \\left(\\frac{x_0}{${input}}\\right)^{\\alpha}`,
    thetaNames: ['a', 'alpha', 'e'],
    bounds: [
      [-Infinity, Infinity],
      [1e-6, 10],
      [-Infinity, Infinity],
    ],
    defaultStarts(cols, logY) {
      const lx = mean(cols[0]!);
      const ys = Array.from(logY, Math.exp);
      const yMin = minOf(ys);
      const yMean = mean(ys);
      return grid([0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1], [0.1, 0.5, 0.9]).map(([al, q]) => {
        const E = q! * yMin;
        return [Math.log(Math.max(yMean - E, 1e-3 * yMean)) + al! * lx, al!, Math.log(E)];
      });
    },
    logPredict(theta, cols, out, jac) {
      const [a, al, e] = [theta[0]!, theta[1]!, theta[2]!];
      const lx = cols[0]!;
      for (let i = 0; i < out.length; i++) {
        const [v, w] = lse2(a - al * lx[i]!, e);
        out[i] = v;
        jac[3 * i] = w;
        jac[3 * i + 1] = -lx[i]! * w;
        jac[3 * i + 2] = 1 - w;
      }
    },
    toParams: (t) => ({ E: Math.exp(t[2]!), x0: Math.exp(t[0]! / t[1]!), alpha: t[1]! }),
    toTheta: (p) => [p.alpha * Math.log(p.x0), p.alpha, Math.log(p.E)],
    create: (p) => powerLaw(input, p),
  };
  return Object.freeze(fam);
}

/**
 * A power law with constant, `L(x) = E + (x0 / x)^α`, over the named input (see {@link powerLawFamily}).
 * Ranges: E ≥ 0, x0 > 0, α > 0; `predict` needs a finite x > 0.
 *
 * @example
 * ```ts
 * powerLaw('N', { E: 1.7, x0: 1e7, alpha: 0.3 }).predict({ N: 1e9 }); // 1.7 + 0.01^0.3
 * ```
 */
export function powerLaw<I extends string>(input: I, params: Readonly<Record<PowerLawParam, number>>): Law<PowerLawParam, I> {
  checkInputName(input);
  return makeLaw(
    { id: `power-law-${input}`, name: `Power law with constant in ${input}`, paramNames: ['E', 'x0', 'alpha'], inputNames: [input], positiveInputs: [input], paramDomains: { E: 'nonNegative', x0: 'positive', alpha: 'positive' }, formula: `L(${input}) = E + (x0 / ${input})^alpha`, latex: `L(${input}) = E + \\left(\\frac{x_0}{${input}}\\right)^{\\alpha}` },
    params,
    (p, x) => p.E + (p.x0 / x[input]) ** p.alpha,
    (p, f) => `L(${input}) = ${f(p.E)} + (${f(p.x0)} / ${input})^${f(p.alpha)}`,
  );
}
