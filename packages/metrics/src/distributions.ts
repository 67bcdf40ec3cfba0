/**
 * Float64 distribution functions behind the tests and intervals of this package: Student's t (CDF and quantile),
 * Snedecor's F and χ² survival functions and the binomial CDF, all through the regularized incomplete beta and gamma
 * functions (continued fractions, Lentz's method; Numerical Recipes §6.2, §6.4).
 */
import { LosskitError, params } from '@losskit/core';

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-14), reflection below 0.5. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const coef = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let s = coef[0]!;
  for (let i = 1; i < 9; i++) s += coef[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

const TINY = 1e-300;

/** Continued fraction of the incomplete beta (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/**
 * Regularized incomplete beta `I_x(a, b) = B(x; a, b) / B(a, b)` for `a, b > 0` (finite), `x` clamped to `[0, 1]`
 * (`x ≤ 0` → 0, `x ≥ 1` → 1); the continued fraction
 * is evaluated on the side where it converges fast (`x < (a + 1)/(a + b + 2)`), the other side by symmetry.
 */
export function incompleteBeta(x: number, a: number, b: number): number {
  params.positive('a', a);
  params.positive('b', b);
  if (typeof x !== 'number' || Number.isNaN(x)) throw new LosskitError('NON_FINITE_INPUT', 'x is not a number', { argument: 'x', expected: 'a number (clamped to [0, 1])', received: String(x) });
  return regIncBeta(x, a, b);
}

/** {@link incompleteBeta} without argument checks, for callers whose shapes are already valid. */
function regIncBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Regularized upper incomplete gamma `Q(a, x) = Γ(a, x)/Γ(a)` (series below `a + 1`, continued fraction above). */
export function upperIncompleteGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnFront = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 100000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return 1 - sum * Math.exp(lnFront);
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(lnFront) * h;
}

function checkDf(name: string, v: unknown): number {
  return params.positive(name, v);
}

/**
 * Student's t CDF `P(T ≤ t)` with `df > 0` degrees of freedom: `1 − ½ I_{df/(df+t²)}(df/2, ½)` for `t > 0` (the tail
 * is computed directly, so small p-values keep their digits). `±Infinity` give 1 / 0.
 */
export function studentTCdf(t: number, df: number): number {
  checkDf('df', df);
  if (Number.isNaN(t)) throw new LosskitError('NON_FINITE_INPUT', 't is NaN', { argument: 't', expected: 'a number', received: 'NaN' });
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * regIncBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/** Two-sided p-value of a t statistic: `P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, ½)`. */
export function studentTTwoSided(t: number, df: number): number {
  checkDf('df', df);
  if (!Number.isFinite(t)) {
    if (Number.isNaN(t)) throw new LosskitError('NON_FINITE_INPUT', 't is NaN', { argument: 't', expected: 'a number', received: 'NaN' });
    return 0;
  }
  return regIncBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * Student's t quantile `t_{df}(p)` for `p ∈ (0, 1)`: bisection on {@link studentTCdf} in a bracket that doubles until
 * it holds `p` (200 halvings: float64 resolution). Closed forms it must match: `df = 1` is Cauchy, `tan(π(p − ½))`;
 * `df = 2` is `(2p − 1)/√(2p(1 − p))`.
 */
export function studentTQuantile(p: number, df: number): number {
  params.openUnitInterval('p', p);
  checkDf('df', df);
  if (p === 0.5) return 0;
  const upper = p > 0.5;
  const q = upper ? 1 - p : p; // lower-tail probability of −|t|
  let hi = 1;
  while (studentTCdf(-hi, df) > q && hi < 1e300) hi *= 2;
  let lo = 0;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTCdf(-mid, df) > q) lo = mid;
    else hi = mid;
  }
  const t = 0.5 * (lo + hi);
  return upper ? t : -t;
}

/** Survival function of Snedecor's F(d1, d2): `P(F ≥ f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2)`. */
export function fSurvival(f: number, d1: number, d2: number): number {
  checkDf('d1', d1);
  checkDf('d2', d2);
  if (Number.isNaN(f)) throw new LosskitError('NON_FINITE_INPUT', 'f is NaN', { argument: 'f', expected: 'a number', received: 'NaN' });
  if (f <= 0) return 1;
  if (f === Infinity) return 0;
  return regIncBeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);
}

/** Survival function of χ²(k): `P(X ≥ x) = Q(k/2, x/2)`. */
export function chiSquareSurvival(x: number, k: number): number {
  checkDf('k', k);
  if (Number.isNaN(x)) throw new LosskitError('NON_FINITE_INPUT', 'x is NaN', { argument: 'x', expected: 'a number', received: 'NaN' });
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  return upperIncompleteGamma(k / 2, x / 2);
}

/** Binomial CDF `P(X ≤ k)` for `X ~ Bin(n, p)`: `I_{1−p}(n − k, k + 1)` (exact for large `n`). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'n', expected: 'an integer >= 0', received: String(n) });
  params.closedUnitInterval('p', p);
  if (typeof k !== 'number' || Number.isNaN(k)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'k', expected: 'a number', received: String(k) });
  const kk = Math.floor(k);
  if (kk < 0) return 0;
  if (kk >= n) return 1;
  return regIncBeta(1 - p, n - kk, kk + 1);
}
