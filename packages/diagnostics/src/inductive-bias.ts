import { LosskitError, checkParam, type TensorLike } from '@losskit/core';
import { minimize } from '@losskit/scaling';
import { readOptions, readVector } from './input.js';

// ── special functions (float64) ──────────────────────────────────────────────────────────────────────────────

/** log Γ(x), x > 0 (Lanczos g = 7, n = 9; relative error < 1e-14). */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let s = c[0]!;
  for (let i = 1; i < 9; i++) s += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/**
 * log P(a, x), the log of the regularized lower incomplete gamma function, accurate in the far left tail: the series
 * P = x^a e^{−x}/Γ(a+1) · Σ_n x^n / ((a+1)…(a+n)) for x < a + 1, else log(1 − Q) with Q by Lentz's continued fraction
 * (Press et al., *Numerical Recipes*, §6.2).
 */
export function logLowerRegularizedGamma(a: number, x: number): number {
  if (x <= 0) return -Infinity;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return logPrefix + Math.log(sum);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  const logQ = logPrefix + Math.log(h);
  return Math.log1p(-Math.exp(logQ));
}

function logSumExp(v: number[]): number {
  let m = -Infinity;
  for (const x of v) if (x > m) m = x;
  if (m === -Infinity) return m;
  let s = 0;
  for (const x of v) s += Math.exp(x - m);
  return m + Math.log(s);
}

/** Poisson(λ/2) mixture weights (log) over the indices j that carry all but 1e-17 of the mass. */
function poissonTerms(lambda: number): { j: number; logW: number }[] {
  const mu = lambda / 2;
  if (mu === 0) return [{ j: 0, logW: 0 }];
  const center = Math.floor(mu);
  const logW = (j: number) => -mu + j * Math.log(mu) - logGamma(j + 1);
  const out: { j: number; logW: number }[] = [];
  const peak = logW(center);
  for (let j = center; j >= 0; j--) {
    const w = logW(j);
    out.push({ j, logW: w });
    if (w < peak - 40) break;
  }
  for (let j = center + 1; j < center + 100_000; j++) {
    const w = logW(j);
    out.push({ j, logW: w });
    if (w < peak - 40) break;
  }
  return out;
}

/** log density of the noncentral χ²(k, λ) at x > 0: log Σ_j Pois(j; λ/2) χ²_{k+2j}(x). */
export function noncentralChiSquaredLogPdf(x: number, k: number, lambda: number): number {
  return pdfTerms(k, poissonTerms(lambda))(x);
}

/** x ↦ log pdf for fixed (k, λ): the per-term constants log w_j − a_j ln 2 − ln Γ(a_j), a_j = k/2 + j, computed once. */
function pdfTerms(k: number, terms: { j: number; logW: number }[]): (x: number) => number {
  const a = terms.map(({ j }) => k / 2 + j);
  const c = terms.map(({ logW }, i) => logW - a[i]! * Math.LN2 - logGamma(a[i]!));
  const parts = new Array<number>(terms.length);
  return (x) => {
    if (!(x > 0)) return -Infinity;
    const lx = Math.log(x);
    for (let i = 0; i < parts.length; i++) parts[i] = c[i]! + (a[i]! - 1) * lx;
    return logSumExp(parts) - x / 2;
  };
}

/** log CDF of the noncentral χ²(k, λ) at x: log Σ_j Pois(j; λ/2) P(k/2 + j, x/2). */
export function noncentralChiSquaredLogCdf(x: number, k: number, lambda: number): number {
  if (!(x > 0)) return -Infinity;
  return logSumExp(poissonTerms(lambda).map(({ j, logW }) => logW + logLowerRegularizedGamma(k / 2 + j, x / 2)));
}

// ── the estimator ───────────────────────────────────────────────────────────────────────────────────────────

/** Options of {@link inductiveBias}. */
export interface InductiveBiasOptions {
  /** Maximum L-BFGS-B iterations of the maximum-likelihood fit. Default 500. */
  readonly maxIterations?: number;
}

/** Result of {@link inductiveBias}. */
export interface InductiveBias {
  /** −ln P(e(h) ≤ ε) in nats under the fitted error distribution (the authors' `compute_inductive_bias`). */
  readonly nats: number;
  /** The same in bits. */
  readonly bits: number;
  /** The fitted scaled noncentral χ²: errors / scale ~ χ²(df, nc). */
  readonly fit: { readonly df: number; readonly nc: number; readonly scale: number; readonly logLikelihood: number };
  /** Whether the far-tail (Sankaran) approximation was used because the CDF underflowed. */
  readonly tailApproximation: boolean;
}

/**
 * The inductive bias required to reach a target error (Boopathy, Yue, Hwang, Iyer & Fiete 2024, *Towards Exact
 * Computation of Inductive Bias*): the information needed to pick, from a hypothesis space, a hypothesis with test
 * error ≤ ε, I = −log P_{h∼H}(e(h) ≤ ε), estimated from the test errors of sampled hypotheses (e.g. networks trained
 * from random initializations, or random kernel-regression hypotheses) by fitting their distribution and reading its
 * left tail.
 *
 * As the authors' `utils.py` (github.com/FieteLab/Exact-Inductive-Bias): a scaled noncentral χ² with location 0
 * (`scipy.stats.ncx2.fit(errors, floc=0)`) is fitted by maximum likelihood (here float64 L-BFGS-B over
 * (ln df, nc, ln scale) from method-of-moments starts, with `@losskit/scaling`'s minimizer), and I = −ln CDF(ε);
 * where the CDF underflows, the authors' Sankaran normal approximation z²/2 is used instead.
 *
 * Errors: `INVALID_ARGUMENT` (fewer than 3 errors, or all equal), `NON_FINITE_INPUT`, `INVALID_PARAMETER`
 * (errors ≤ 0, target ≤ 0), `NOT_CONVERGED` (the fit failed).
 *
 * @example inductiveBias(testErrorsOfTrainedNets, 0.05).bits;
 */
export function inductiveBias(errors: TensorLike, targetError: number, options?: InductiveBiasOptions): InductiveBias {
  const o = readOptions(options);
  const e = readVector(errors, 'errors');
  const target = checkParam('targetError', targetError, 'a number > 0', (v) => v > 0);
  const maxIterations = checkParam('maxIterations', o.maxIterations ?? 500, 'an integer >= 1', (v) => Number.isInteger(v) && v >= 1);
  if (e.length < 3) throw new LosskitError('INVALID_ARGUMENT', 'need at least three sampled errors', { argument: 'errors', expected: 'at least 3 values', received: `${e.length}` });
  for (let i = 0; i < e.length; i++) if (!(e[i]! > 0)) throw new LosskitError('INVALID_PARAMETER', 'errors must be positive', { argument: 'errors', expected: 'values > 0 (the distribution has location 0)', received: `${e[i]} at index ${i}` });
  const n = e.length;
  const mean = e.reduce((a, b) => a + b, 0) / n;
  const variance = e.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  if (!(variance > 1e-24 * mean * mean)) throw new LosskitError('INVALID_ARGUMENT', 'the sampled errors are all equal', { argument: 'errors', expected: 'errors with some spread', received: `all ≈ ${mean}` });
  // Negative log-likelihood of errors/scale ~ χ²(df, nc): −Σ log f(e_i/s) + n log s, over θ = (ln df, nc, ln s).
  const nll = (t: ArrayLike<number>): number => {
    const k = Math.exp(t[0]!);
    const lam = t[1]!;
    const s = Math.exp(t[2]!);
    if (!(k > 0 && k < 1e7 && lam >= 0 && s > 0 && Number.isFinite(s))) return Number.NaN;
    let total = n * t[2]!;
    const logPdf = pdfTerms(k, poissonTerms(lam));
    for (let i = 0; i < n; i++) total -= logPdf(e[i]! / s);
    return total;
  };
  const objective = (t: Float64Array, grad: Float64Array): number => {
    const f = nll(t);
    for (let j = 0; j < 3; j++) {
      const h = 1e-6 * Math.max(1, Math.abs(t[j]!));
      const tp = Float64Array.from(t);
      const tm = Float64Array.from(t);
      tp[j] = t[j]! + h;
      tm[j] = Math.max(j === 1 ? 0 : -Infinity, t[j]! - h);
      grad[j] = (nll(tp) - nll(tm)) / (tp[j]! - tm[j]!);
    }
    return f;
  };
  // Method-of-moments starts: with nc = ρ·df, mean = s(df + nc), var = s²(2df + 4nc).
  let best: { x: number[]; f: number } | undefined;
  for (const rho of [0, 0.5, 2]) {
    const s0 = variance / (mean * (2 + 4 * rho)) * (1 + rho);
    const k0 = mean / (s0 * (1 + rho));
    const x0 = [Math.log(Math.min(Math.max(k0, 1e-3), 1e6)), rho * k0, Math.log(s0)];
    if (!x0.every(Number.isFinite)) continue;
    try {
      const r = minimize(objective, x0, { bounds: [[Math.log(1e-4), Math.log(1e6)], [0, 1e5], [-700, 700]], maxIterations });
      if (Number.isFinite(r.f) && (!best || r.f < best.f)) best = { x: r.x, f: r.f };
    } catch {
      // A start in a region where the likelihood is not finite; the other starts decide.
    }
  }
  if (!best) throw new LosskitError('NOT_CONVERGED', 'the noncentral χ² fit failed from every start', { argument: 'errors', expected: 'errors with a unimodal, right-skewed spread' });
  const df = Math.exp(best.x[0]!);
  const nc = best.x[1]!;
  const scale = Math.exp(best.x[2]!);
  const logLikelihood = -best.f;
  let nats = -noncentralChiSquaredLogCdf(target / scale, df, nc);
  let tailApproximation = false;
  if (!Number.isFinite(nats)) {
    // Sankaran's approximation of the noncentral χ² CDF (the authors' inductive_bias_alt): −log Φ(z) ≈ z²/2.
    const x = target / scale;
    const h = 1 - ((2 / 3) * (df + nc) * (df + 3 * nc)) / (df + 2 * nc) ** 2;
    const p = (df + 2 * nc) / (df + nc) ** 2;
    const m = (h - 1) * (1 - 3 * h);
    const z = ((x / (df + nc)) ** h - (1 + h * p * (h - 1 - 0.5 * (2 - h) * m * p))) / (h * Math.sqrt(2 * p) * (1 + 0.5 * m * p));
    nats = (z * z) / 2;
    tailApproximation = true;
  }
  return { nats, bits: nats / Math.LN2, fit: { df, nc, scale, logLikelihood }, tailApproximation };
}
