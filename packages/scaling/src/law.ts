import { describeValue, ScalingError } from './errors.js';

/** Input values of one run, by input name: `{ N: 1e9, D: 2e10 }`. */
export type LawInputs<I extends string> = Readonly<Record<I, number>>;

/**
 * A scaling law with fixed parameters: a typed, immutable object that predicts, and prints itself
 * as text and LaTeX.
 *
 * @example
 * ```ts
 * const law = chinchilla({ A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 });
 * law.predict({ N: 70e9, D: 1.4e12 }); law.formula; law.latex; law.toString();
 * ```
 */
export interface Law<P extends string = string, I extends string = string> {
  /** The family id, e.g. `chinchilla`. */
  readonly id: string;
  readonly name: string;
  readonly params: Readonly<Record<P, number>>;
  readonly inputNames: readonly I[];
  /** The family's formula with symbolic parameters, plain text. */
  readonly formula: string;
  /** The family's formula with symbolic parameters, LaTeX. */
  readonly latex: string;
  /** Predicted target (loss, BLEU, ...) for one input point. */
  predict(x: LawInputs<I>): number;
  /** The formula with the fitted numbers substituted. */
  toString(): string;
}

/**
 * A family of laws (the form without numbers) plus everything the fitter needs: a parametrization θ
 * in which the log prediction is smooth, its analytic Jacobian, bounds and a default start grid.
 */
export interface LawFamily<P extends string = string, I extends string = string> {
  readonly id: string;
  readonly name: string;
  readonly paramNames: readonly P[];
  readonly inputNames: readonly I[];
  /** Inputs that must take at least two distinct values for the parameters to be identifiable. */
  readonly varyingInputs: readonly I[];
  /** Inputs that must be > 0; the fitter passes these to {@link LawFamily.logPredict} as natural logs, the rest raw (finite). */
  readonly positiveInputs: readonly I[];
  readonly formula: string;
  readonly latex: string;
  /** Names of the fitted coordinates θ, e.g. `a = log A`. */
  readonly thetaNames: readonly string[];
  /** Box bounds on θ for L-BFGS-B, or undefined for plain L-BFGS. */
  readonly bounds: readonly (readonly [number, number])[] | undefined;
  /** The default start grid in θ space (may depend on the data: input columns and log targets). */
  defaultStarts(cols: readonly Float64Array[], logY: Float64Array): number[][];
  /**
   * `cols` holds one column per input in `inputNames` order (log-transformed for `positiveInputs`).
   * For every row i writes `out[i] = log ŷ_i(θ)` and `jac[i·p + j] = ∂ log ŷ_i / ∂θ_j`
   * (p = θ length). Writes NaN where θ is outside the law's domain.
   */
  logPredict(theta: ArrayLike<number>, cols: readonly Float64Array[], out: Float64Array, jac: Float64Array): void;
  /**
   * Optional fused kernel: the whole objective Σ w_i ρ(log ŷ_i − log y_i) and its gradient in one pass
   * (same math as `logPredict` + the generic objective; used by the fitter when present, for speed).
   */
  fusedObjective?(
    theta: ArrayLike<number>,
    cols: readonly Float64Array[],
    logY: Float64Array,
    weights: ArrayLike<number> | undefined,
    huber: boolean,
    delta: number,
    grad: Float64Array,
  ): number;
  toParams(theta: readonly number[]): Record<P, number>;
  toTheta(params: Readonly<Record<P, number>>): number[];
  create(params: Readonly<Record<P, number>>): Law<P, I>;
}

/** Formats a number for formulas: 4 significant digits, exponent form for large or small values. */
export function formatNumber(v: number): string {
  if (typeof v !== 'number') throw new ScalingError('INVALID_ARGUMENT', 'not a number', { argument: 'v', expected: 'a number', received: describeValue(v) });
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(4)));
}

/** The set a law's parameter or input must lie in. */
export type Domain = 'positive' | 'nonNegative' | 'finite';

const DOMAIN_TEXT: Record<Domain, string> = { positive: 'a finite number > 0', nonNegative: 'a finite number >= 0', finite: 'a finite number' };

/** True when `v` is a number in `d`. */
export function inDomain(v: unknown, d: Domain): v is number {
  return typeof v === 'number' && Number.isFinite(v) && (d === 'finite' || (d === 'positive' ? v > 0 : v >= 0));
}

/** Checks a parameter record against the names and their domains (`INVALID_PARAMETER` naming the parameter and its range). */
export function checkParams<P extends string>(family: string, names: readonly P[], params: Readonly<Record<P, number>>, domains?: Readonly<Record<P, Domain>>): Readonly<Record<P, number>> {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new ScalingError('INVALID_ARGUMENT', `${family}: parameters must be an object`, { argument: 'params', expected: `{ ${names.join(', ')} }`, received: describeValue(params) });
  }
  const out = {} as Record<P, number>;
  for (const k of names) {
    const v = (params as Record<string, unknown>)[k];
    const d = domains?.[k] ?? 'finite';
    if (!inDomain(v, d)) {
      throw new ScalingError('INVALID_PARAMETER', `${family}: parameter ${k} is out of range`, { argument: k, expected: DOMAIN_TEXT[d], received: describeValue(v) });
    }
    out[k] = v;
  }
  return Object.freeze(out);
}

/** What {@link makeLaw} needs besides the predictor: metadata, which inputs must be positive, and the parameter domains. */
export interface LawSpec<P extends string, I extends string> extends Pick<LawFamily<P, I>, 'id' | 'name' | 'paramNames' | 'inputNames' | 'formula' | 'latex'> {
  /** Inputs that must be > 0 (the rest must be finite). */
  readonly positiveInputs: readonly I[];
  /** The range of each parameter (the law's domain; the fitter never returns a law outside it). */
  readonly paramDomains: Readonly<Record<P, Domain>>;
}

/**
 * Builds a frozen {@link Law} from a spec, a predictor and a substitution printer. The law's parameters are checked
 * against `paramDomains` (`INVALID_PARAMETER`); `predict` checks that every input is a finite number (positive where
 * the law says so; `INVALID_VALUE` naming the input) and that the prediction is finite (`NON_FINITE_OUTPUT`). A
 * predictor may throw its own `INVALID_VALUE` for inputs outside a law-specific domain.
 */
export function makeLaw<P extends string, I extends string>(
  spec: LawSpec<P, I>,
  params: Readonly<Record<P, number>>,
  predict: (p: Readonly<Record<P, number>>, x: LawInputs<I>) => number,
  show: (p: Readonly<Record<P, number>>, f: (v: number) => string) => string,
): Law<P, I> {
  const p = checkParams(spec.id, spec.paramNames, params, spec.paramDomains);
  const positive = new Set<string>(spec.positiveInputs);
  const text = show(p, formatNumber);
  return Object.freeze({
    id: spec.id,
    name: spec.name,
    params: p,
    inputNames: spec.inputNames,
    formula: spec.formula,
    latex: spec.latex,
    predict: (x: LawInputs<I>) => {
      if (x === null || typeof x !== 'object') {
        throw new ScalingError('INVALID_ARGUMENT', `${spec.id}: predict takes an object of inputs`, { argument: 'x', expected: `{ ${spec.inputNames.join(', ')} }`, received: describeValue(x) });
      }
      for (const k of spec.inputNames) {
        const v = (x as Record<string, unknown>)[k];
        const d: Domain = positive.has(k) ? 'positive' : 'finite';
        if (!inDomain(v, d)) {
          throw new ScalingError('INVALID_VALUE', `${spec.id}: input ${k} is out of range`, { argument: k, expected: DOMAIN_TEXT[d], received: describeValue(v) });
        }
      }
      const y = predict(p, x);
      if (!Number.isFinite(y)) {
        throw new ScalingError('NON_FINITE_OUTPUT', `${spec.id}: the prediction overflows`, {
          argument: spec.inputNames.join(', '),
          expected: 'inputs where the law is finite',
          received: `${y} at ${spec.inputNames.map((k) => `${k} = ${(x as Record<string, number>)[k]}`).join(', ')}`,
        });
      }
      return y;
    },
    toString: () => text,
  });
}

/** Numerically stable log(e^u + e^v) and the weight e^u / (e^u + e^v). */
export function lse2(u: number, v: number): [number, number] {
  if (u >= v) {
    const t = Math.exp(v - u);
    return [u + Math.log1p(t), 1 / (1 + t)];
  }
  const t = Math.exp(u - v);
  return [v + Math.log1p(t), t / (1 + t)];
}

export const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
};

export const minOf = (xs: ArrayLike<number>): number => {
  let m = Infinity;
  for (let i = 0; i < xs.length; i++) m = Math.min(m, xs[i]!);
  return m;
};

export const maxOf = (xs: ArrayLike<number>): number => {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, xs[i]!);
  return m;
};

/** Cartesian product of value lists. */
export function grid(...axes: readonly (readonly number[])[]): number[][] {
  let out: number[][] = [[]];
  for (const axis of axes) {
    const next: number[][] = [];
    for (const prefix of out) for (const v of axis) next.push([...prefix, v]);
    out = next;
  }
  return out;
}
