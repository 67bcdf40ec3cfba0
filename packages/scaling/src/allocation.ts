import { checkFunction, checkNumber, checkOptions, describeValue, ScalingError } from './errors.js';
import type { Law } from './law.js';

/** Any law of (N, D): Chinchilla, Kaplan L(N, D), or your own. */
export type NDLaw = Law<string, 'N' | 'D'>;
/** Training cost in FLOPs of N parameters on D tokens. Must increase with D. */
export type CostFunction = (N: number, D: number) => number;

/** A compute-optimal allocation. */
export interface Allocation {
  readonly C: number;
  readonly N: number;
  readonly D: number;
  /** D / N. */
  readonly tokensPerParam: number;
  /** Predicted loss at (N, D). */
  readonly loss: number;
}

/** Options of the allocation helpers. */
export interface AllocationOptions {
  /** Cost in FLOPs; default `C = 6·N·D`. */
  readonly cost?: CostFunction;
  /** Search range for N (numeric path). Default `[1e3, 1e15]`. */
  readonly nRange?: readonly [number, number];
}

const sixND: CostFunction = (N, D) => 6 * N * D;

/** Throws `INVALID_ARGUMENT` (argument `law`) unless `law` is a law of inputs N and D. */
export function checkNDLaw(law: unknown): NDLaw {
  const l = law as Partial<NDLaw> | null;
  if (!l || typeof l !== 'object' || typeof l.predict !== 'function' || !Array.isArray(l.inputNames) || !l.params || typeof l.params !== 'object') {
    throw new ScalingError('INVALID_ARGUMENT', 'not a law', { argument: 'law', expected: 'a law of (N, D) such as chinchilla({ ... }) or kaplanND()', received: describeValue(law) });
  }
  if (l.inputNames.length !== 2 || !l.inputNames.includes('N') || !l.inputNames.includes('D')) {
    throw new ScalingError('INVALID_ARGUMENT', 'the law must take exactly the inputs N and D', { argument: 'law', expected: 'inputs N, D', received: `inputs ${l.inputNames.join(', ')}` });
  }
  return l as NDLaw;
}

/** Validated allocation options: `cost` a function, `nRange` an increasing pair of finite numbers > 0. */
function allocationOptions(options: AllocationOptions | undefined, defaultRange: readonly [number, number]): { cost: CostFunction; custom: boolean; nRange: readonly [number, number] } {
  const o = checkOptions(options);
  if (o.cost !== undefined) checkFunction('cost', o.cost, '(N, D) => FLOPs, increasing in D');
  const r = o.nRange ?? defaultRange;
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0) || !(r[0]! < r[1]!)) {
    throw new ScalingError('INVALID_ARGUMENT', 'bad search range for N', { argument: 'nRange', expected: '[lo, hi] with 0 < lo < hi, finite', received: Array.isArray(r) ? `[${r.join(', ')}]` : describeValue(r) });
  }
  return { cost: o.cost ?? sixND, custom: o.cost !== undefined, nRange: r };
}

/** `law.predict({ N, D })`, with points outside the law's domain or where it overflows read as +∞ (for searches). */
function lossOrInfinity(law: NDLaw, N: number, D: number): number {
  if (!(N > 0 && D > 0 && Number.isFinite(N) && Number.isFinite(D))) return Infinity;
  try {
    const L = law.predict({ N, D });
    return Number.isFinite(L) ? L : Infinity;
  } catch (e) {
    if (e instanceof ScalingError && (e.code === 'INVALID_VALUE' || e.code === 'NON_FINITE_OUTPUT')) return Infinity;
    throw e;
  }
}

/** Solves cost(N, D) = C for D by bisection on log D (cost increasing in D). */
function tokensFor(cost: CostFunction, N: number, C: number): number {
  let lo = -60;
  let hi = 120;
  if (cost(N, Math.exp(hi)) < C) return NaN;
  if (cost(N, Math.exp(lo)) > C) return NaN;
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
    const mid = 0.5 * (lo + hi);
    if (cost(N, Math.exp(mid)) < C) lo = mid;
    else hi = mid;
  }
  return Math.exp(0.5 * (lo + hi));
}

/**
 * The compute-optimal model size and data for a budget C: `argmin_{N, D: cost(N, D) = C} L(N, D)`.
 *
 * Chinchilla with the default cost `C = 6ND` uses the closed form (Hoffmann et al. 2022, Eq. 4):
 * `N_opt = G·(C/6)^{β/(α+β)}`, `D_opt = G^{−1}·(C/6)^{α/(α+β)}`, `G = (αA / (βB))^{1/(α+β)}`.
 * Any other law or cost function: golden-section search over log N (after a 400-point scan of
 * `nRange`), with D solved from cost(N, D) = C by bisection.
 *
 * Errors: `C` not a finite number > 0, `law` not a law of (N, D), `cost` not a function, `nRange` not an increasing
 * pair of positive numbers (`INVALID_ARGUMENT`); no finite loss for any N in `nRange` (`DEGENERATE_DATA`).
 *
 * @example
 * ```ts
 * // Hoffmann et al.'s rounded fit at Chinchilla's budget (5.76e23 FLOPs), closed form:
 * computeOptimal(chinchilla({ A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 }), 5.76e23);
 * // { N ≈ 3.22e10, D ≈ 2.98e12, tokensPerParam ≈ 92.6, loss ≈ 1.931 }
 * ```
 */
export function computeOptimal(law: NDLaw, C: number, options?: AllocationOptions): Allocation {
  checkNumber('C', C, 'a compute budget > 0', (v) => v > 0);
  checkNDLaw(law);
  const { cost, custom, nRange } = allocationOptions(options, [1e3, 1e15]);
  const p = law.params as Readonly<Record<string, number>>;
  if (law.id === 'chinchilla' && !custom) {
    const { A, B, alpha, beta } = p as Record<'A' | 'B' | 'alpha' | 'beta', number>;
    const G = ((alpha * A) / (beta * B)) ** (1 / (alpha + beta));
    const N = G * (C / 6) ** (beta / (alpha + beta));
    const D = (C / 6) ** (alpha / (alpha + beta)) / G;
    return { C, N, D, tokensPerParam: D / N, loss: law.predict({ N, D }) };
  }
  const [nLo, nHi] = nRange;
  const f = (u: number): number => {
    const N = Math.exp(u);
    return lossOrInfinity(law, N, tokensFor(cost, N, C));
  };
  const a0 = Math.log(nLo);
  const b0 = Math.log(nHi);
  const steps = 400;
  let bestU = a0;
  let bestF = Infinity;
  for (let i = 0; i <= steps; i++) {
    const u = a0 + ((b0 - a0) * i) / steps;
    const v = f(u);
    if (v < bestF) {
      bestF = v;
      bestU = u;
    }
  }
  if (!Number.isFinite(bestF)) throw new ScalingError('DEGENERATE_DATA', 'no finite loss for any N in nRange at this budget', { argument: 'C', received: String(C) });
  const h = (b0 - a0) / steps;
  let a = bestU - h;
  let b = bestU + h;
  const r = (Math.sqrt(5) - 1) / 2;
  let c = b - r * (b - a);
  let d = a + r * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 200 && b - a > 1e-12; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - r * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + r * (b - a);
      fd = f(d);
    }
  }
  const N = Math.exp(0.5 * (a + b));
  const D = tokensFor(cost, N, C);
  return { C, N, D, tokensPerParam: D / N, loss: law.predict({ N, D }) };
}

/**
 * The iso-FLOP curve: loss along `cost(N, D) = C` for N spanning `decades` decades either side of
 * N_opt (default 1.5), `points` samples (default 41), log-spaced.
 *
 * @example
 * ```ts
 * isoFlopCurve(law, 1e21); // [{ N, D, loss }, ...]
 * ```
 */
export function isoFlopCurve(law: NDLaw, C: number, options?: AllocationOptions & { readonly points?: number; readonly decades?: number }): { N: number; D: number; loss: number }[] {
  const o = checkOptions(options);
  const points = checkNumber('points', o.points ?? 41, 'an integer >= 2', (v) => Number.isInteger(v) && v >= 2);
  const dec = checkNumber('decades', o.decades ?? 1.5, 'a number > 0', (v) => v > 0);
  const opt = computeOptimal(law, C, o);
  const { cost } = allocationOptions(o, [1e3, 1e15]);
  const out: { N: number; D: number; loss: number }[] = [];
  for (let i = 0; i < points; i++) {
    const N = opt.N * 10 ** (-dec + (2 * dec * i) / (points - 1));
    const D = tokensFor(cost, N, C);
    const loss = lossOrInfinity(law, N, D);
    if (!Number.isFinite(loss)) {
      throw new ScalingError('INVALID_ARGUMENT', 'the iso-FLOP curve leaves the range where cost(N, D) = C can be solved or the law is finite', {
        argument: 'decades',
        expected: `fewer decades around N_opt = ${opt.N.toExponential(3)}`,
        received: `${dec} (no finite point at N = ${N.toExponential(3)})`,
      });
    }
    out.push({ N, D, loss });
  }
  return out;
}

/**
 * The iso-loss curve: for log-spaced N in `nRange` (default `[1e6, 1e13]`, `points` = 41), the D with
 * `L(N, D) = loss` (bisection on log D; the law must decrease in D). N where the target loss is
 * unreachable are skipped. Each point also carries its cost C.
 *
 * @example
 * ```ts
 * isoLossCurve(law, 2.2); // [{ N, D, C }, ...]
 * ```
 */
export function isoLossCurve(law: NDLaw, loss: number, options?: AllocationOptions & { readonly points?: number }): { N: number; D: number; C: number }[] {
  checkNumber('loss', loss, 'a number > 0', (v) => v > 0);
  checkNDLaw(law);
  const o = checkOptions(options);
  const points = checkNumber('points', o.points ?? 41, 'an integer >= 2', (v) => Number.isInteger(v) && v >= 2);
  const { cost, nRange } = allocationOptions(o, [1e6, 1e13]);
  const [nLo, nHi] = nRange;
  const out: { N: number; D: number; C: number }[] = [];
  for (let i = 0; i < points; i++) {
    const N = Math.exp(Math.log(nLo) + ((Math.log(nHi) - Math.log(nLo)) * i) / (points - 1));
    let lo = -10;
    let hi = 120;
    if (!(lossOrInfinity(law, N, Math.exp(hi)) < loss) || lossOrInfinity(law, N, Math.exp(lo)) < loss) continue;
    for (let k = 0; k < 200 && hi - lo > 1e-12; k++) {
      const mid = 0.5 * (lo + hi);
      if (lossOrInfinity(law, N, Math.exp(mid)) > loss) lo = mid;
      else hi = mid;
    }
    const D = Math.exp(0.5 * (lo + hi));
    out.push({ N, D, C: cost(N, D) });
  }
  return out;
}
