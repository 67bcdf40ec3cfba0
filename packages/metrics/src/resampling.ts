/**
 * Resampling statistics on the host, in float64, seeded (mulberry32 from `@losskit/core/math`): the cheap bootstrap
 * (Lam), multiplier-bootstrap weights (Wan et al.), the free-lunch bootstrap of resampled Newton–Raphson iterates
 * (Forneron & Ng), the Multi-Bootstrap over seeds × examples (Sellam et al.) and the .632 / .632+ bootstrap (Efron;
 * Efron & Tibshirani) as Raschka's mlxtend computes it.
 */
import { LosskitError, checkParam, params } from '@losskit/core';
import { gammaSampler, normal, rng } from '@losskit/core/math';
import { studentTQuantile } from './distributions.js';
import { readLabels, readOptions, readVector } from './input.js';

/** Linear-interpolation quantile of sorted values (NumPy's default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function finiteStatistic(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new LosskitError('NON_FINITE_OUTPUT', 'the statistic returned a value that is not a finite number', { argument: 'statistic', expected: 'a finite number', received: `${String(v)} on ${where}` });
  return v;
}

function checkFunction(f: unknown, name: string): void {
  if (typeof f !== 'function') throw new LosskitError('INVALID_ARGUMENT', `${name} must be a function`, { argument: name, expected: 'a function', received: typeof f });
}

/** A point estimate with an interval. */
export interface BootstrapInterval {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  /** The resample estimates ψ*_1..ψ*_B. */
  readonly replicates: number[];
}

/** Options of {@link cheapBootstrap}. */
export interface CheapBootstrapOptions {
  /** Number of resamples B ≥ 1. Default 1 (the point of the method). */
  readonly resamples?: number;
  /** Two-sided level. Default 0.95. */
  readonly level?: number;
  readonly seed?: number;
}

/**
 * Cheap bootstrap interval from a point estimate and B ≥ 1 resample estimates: `ψ̂ ± t_{B, 1−α/2} · S` with
 * `S² = (1/B) Σ_b (ψ*_b − ψ̂)²` and Student's t with **B** degrees of freedom (Lam, "Bootstrap in High Dimension with
 * Low Computation", ICML 2023; "A cheap bootstrap method for fast inference", 2022). Valid for any B ≥ 1.
 * @example cheapBootstrapInterval(0.8, [0.78, 0.83]) // { estimate: 0.8, lower, upper, … }
 */
export function cheapBootstrapInterval(estimate: number, replicates: readonly number[], options?: { readonly level?: number }): BootstrapInterval {
  const level = params.openUnitInterval('level', readOptions(options).level ?? 0.95);
  params.finite('estimate', estimate);
  const r = readVector(replicates as number[], 'replicates');
  const B = r.length;
  const S = Math.sqrt(r.reduce((s, v) => s + (v - estimate) ** 2, 0) / B);
  const t = studentTQuantile(1 - (1 - level) / 2, B);
  return { estimate, lower: estimate - t * S, upper: estimate + t * S, level, replicates: r };
}

/**
 * Cheap bootstrap of a statistic of N observations: resample the indices with replacement B times (default B = 1),
 * evaluate `statistic(indices)` on each, and return {@link cheapBootstrapInterval}. `statistic` receives the index list
 * (the identity 0..N−1 for the point estimate) so it can read rows of any data.
 * @example cheapBootstrap(100, (idx) => idx.reduce((s, i) => s + x[i], 0) / idx.length, { resamples: 2 })
 */
export function cheapBootstrap(n: number, statistic: (indices: number[]) => number, options?: CheapBootstrapOptions): BootstrapInterval {
  params.positiveInteger('n', n);
  checkFunction(statistic, 'statistic');
  const o = readOptions(options);
  const B = params.positiveInteger('resamples', o.resamples ?? 1);
  const u = rng(params.finite('seed', o.seed ?? 0));
  const identity = Array.from({ length: n }, (_, i) => i);
  const estimate = finiteStatistic(statistic(identity), 'the full data');
  const replicates: number[] = [];
  for (let b = 0; b < B; b++) replicates.push(finiteStatistic(statistic(identity.map(() => Math.floor(u() * n))), `resample ${b}`));
  return cheapBootstrapInterval(estimate, replicates, { level: o.level ?? 0.95 });
}

/** Distribution of multiplier weights (mean 1). */
export type MultiplierDistribution = 'gaussian' | 'exponential' | 'poisson' | 'double-or-nothing';

/** Options of {@link multiplierWeights}. */
export interface MultiplierOptions {
  /** Default `gaussian`. */
  readonly distribution?: MultiplierDistribution;
  /** Standard deviation of the Gaussian weights `N(1, σ²)`. Default 1. */
  readonly sigma?: number;
  readonly seed?: number;
}

/**
 * I.i.d. multiplier weights `ω_1..ω_n` with `E ω = 1`: Gaussian `N(1, σ²)`, exponential `Exp(1)` (the Bayesian bootstrap's
 * unnormalised weights), Poisson(1) (the online bootstrap) or double-or-nothing `2·Bernoulli(½)`. A multiplier bootstrap
 * refits `argmin_θ Σ_i ω_i ℓ_i(θ)` with fresh weights per replicate (Wan, Wei, Kveton, Song, "Multiplier Bootstrap-based
 * Exploration", ICML 2023, which also adds weighted pseudo-rewards at the reward bounds). Seeded, host float64.
 * @example multiplierWeights(5, { distribution: 'exponential', seed: 1 })
 */
export function multiplierWeights(n: number, options?: MultiplierOptions): number[] {
  if (!Number.isInteger(n) || n < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'n', expected: 'an integer >= 0', received: String(n) });
  const o = readOptions(options);
  const d = o.distribution ?? 'gaussian';
  const sigma = params.nonNegative('sigma', o.sigma ?? 1);
  const u = rng(params.finite('seed', o.seed ?? 0));
  switch (d) {
    case 'gaussian': {
      const z = normal(u);
      return Array.from({ length: n }, () => 1 + sigma * z());
    }
    case 'exponential': {
      const g = gammaSampler(1, u);
      return Array.from({ length: n }, () => g());
    }
    case 'poisson':
      // Knuth's product of uniforms for λ = 1.
      return Array.from({ length: n }, () => {
        let k = 0;
        let p = u();
        while (p > Math.exp(-1)) {
          k++;
          p *= u();
        }
        return k;
      });
    case 'double-or-nothing':
      return Array.from({ length: n }, () => (u() < 0.5 ? 0 : 2));
    default:
      throw new LosskitError('INVALID_ARGUMENT', 'unknown multiplier distribution', { argument: 'distribution', expected: "'gaussian' | 'exponential' | 'poisson' | 'double-or-nothing'", received: String(d) });
  }
}

/** Options of {@link multiplierBootstrapMean}. */
export interface MultiplierMeanOptions extends MultiplierOptions {
  /** Pseudo-observations at `bounds` with weight λ each (MBE's exploration term). Default 0 (none). */
  readonly pseudoWeight?: number;
  /** Bounds of the values for the pseudo-observations. Default [0, 1]. */
  readonly bounds?: readonly [number, number];
}

/**
 * One multiplier-bootstrap replicate of a mean: `(Σ_i ω_i x_i + λ(ω'_lo·lo + ω'_hi·hi)) / (Σ_i ω_i + λ(ω'_lo + ω'_hi))`
 * with fresh multipliers ω — the MBE estimate of an arm's mean reward with pseudo-rewards at the bounds (Wan et al. 2023).
 * @example multiplierBootstrapMean([1, 0, 1, 1], { pseudoWeight: 0.5, seed: 3 })
 */
export function multiplierBootstrapMean(values: readonly number[], options?: MultiplierMeanOptions): number {
  const x = readVector(values as number[], 'values');
  const o = readOptions(options);
  const lambda = params.nonNegative('pseudoWeight', o.pseudoWeight ?? 0);
  const [lo, hi] = o.bounds ?? [0, 1];
  params.finite('bounds[0]', lo);
  params.finite('bounds[1]', hi);
  const w = multiplierWeights(x.length + 2, o);
  let num = 0;
  let den = 0;
  x.forEach((v, i) => {
    num += w[i]! * v;
    den += w[i]!;
  });
  num += lambda * (w[x.length]! * lo + w[x.length + 1]! * hi);
  den += lambda * (w[x.length]! + w[x.length + 1]!);
  if (den === 0) throw new LosskitError('NON_FINITE_OUTPUT', 'the multipliers sum to zero', { argument: 'values', expected: 'a non-zero total weight (use more values or pseudo-observations)', received: `${x.length} values` });
  return num / den;
}

/** Options of {@link freeLunchBootstrap}. */
export interface FreeLunchOptions {
  /** Number of observations n. */
  readonly n: number;
  /** Batch size m of each resample (default n). */
  readonly batchSize?: number;
  /** Step γ ∈ (0, 1] of the resampled Newton–Raphson update. Default 1. */
  readonly stepSize?: number;
  /** Draws kept after burn-in. Default 500. */
  readonly draws?: number;
  /** Iterations discarded first. Default 20. */
  readonly burnIn?: number;
  readonly seed?: number;
}

/**
 * Free-lunch bootstrap (Forneron & Ng, "Inference by Stochastic Optimization: A Free-Lunch Bootstrap", 2020):
 * resampled Newton–Raphson `θ_{b+1} = θ_b − γ H_b(θ_b)^{-1} G_b(θ_b)`, with the gradient `G_b` and Hessian `H_b` of the
 * mean loss on a fresh with-replacement batch of m indices at every step. The draws are both the point estimate (their
 * mean) and the bootstrap distribution: near θ̂ the recursion is AR(1), `θ_{b+1} − θ̂ ≈ (1−γ)(θ_b − θ̂) + γ ε_b` with
 * `Var ε = (n/m) V` (V the variance of θ̂), so `Var θ_b → γ/(2−γ) · (n/m) V` and the standard errors are
 * `sd(draws) · √((2−γ)/γ · m/n)`. That rescaling is derived here from the recursion (the paper's own constant was not
 * read); the test checks it against the closed-form standard errors of a mean and of least squares.
 * `gradient(θ, idx)` returns `[d]`, `hessian(θ, idx)` `[d, d]` of the mean loss over the rows `idx`.
 * @example freeLunchBootstrap([0], (t, idx) => [t[0] - mean(idx)], () => [[1]], { n: 100 })
 */
export function freeLunchBootstrap(
  theta0: readonly number[],
  gradient: (theta: number[], indices: number[]) => readonly number[],
  hessian: (theta: number[], indices: number[]) => readonly (readonly number[])[],
  options: FreeLunchOptions,
): { estimate: number[]; standardErrors: number[]; draws: number[][] } {
  checkFunction(gradient, 'gradient');
  checkFunction(hessian, 'hessian');
  const o = readOptions(options);
  const n = params.positiveInteger('n', o.n);
  const m = params.positiveInteger('batchSize', o.batchSize ?? n);
  const gamma = checkStep(o.stepSize ?? 1);
  const draws = params.positiveInteger('draws', o.draws ?? 500);
  if (draws < 2) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'draws', expected: 'an integer >= 2', received: String(draws) });
  const burn = o.burnIn ?? 20;
  if (!Number.isInteger(burn) || burn < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'burnIn', expected: 'an integer >= 0', received: String(burn) });
  let theta = readVector(theta0 as number[], 'theta0');
  const d = theta.length;
  const u = rng(params.finite('seed', o.seed ?? 0));
  const kept: number[][] = [];
  for (let b = 0; b < burn + draws; b++) {
    const idx = Array.from({ length: m }, () => Math.floor(u() * n));
    const g = gradient([...theta], idx);
    const h = hessian([...theta], idx);
    if (!Array.isArray(g) || g.length !== d || g.some((v) => !Number.isFinite(v))) throw new LosskitError('NON_FINITE_OUTPUT', 'gradient must return d finite numbers', { argument: 'gradient', expected: `${d} finite numbers`, received: JSON.stringify(g)?.slice(0, 80) ?? String(g) });
    if (!Array.isArray(h) || h.length !== d || h.some((r) => !Array.isArray(r) || r.length !== d || r.some((v) => !Number.isFinite(v)))) throw new LosskitError('NON_FINITE_OUTPUT', 'hessian must return a finite d × d matrix', { argument: 'hessian', expected: `[${d}, ${d}] finite`, received: JSON.stringify(h)?.slice(0, 80) ?? String(h) });
    const step = solve(h.map((r) => [...r]), [...g]);
    theta = theta.map((v, i) => v - gamma * step[i]!);
    if (b >= burn) kept.push([...theta]);
  }
  const estimate = Array.from({ length: d }, (_, j) => kept.reduce((s, t) => s + t[j]!, 0) / kept.length);
  const scale = Math.sqrt(((2 - gamma) / gamma) * (m / n));
  const standardErrors = estimate.map((mu, j) => scale * Math.sqrt(kept.reduce((s, t) => s + (t[j]! - mu) ** 2, 0) / (kept.length - 1)));
  return { estimate, standardErrors, draws: kept };
}

function checkStep(v: unknown): number {
  return checkParam('stepSize', v, 'a number in (0, 1]', (x) => x > 0 && x <= 1);
}

/** Solves `A x = b` by Gaussian elimination with partial pivoting; throws for a singular A. */
function solve(a: number[][], b: number[]): number[] {
  const d = b.length;
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    const scale = Math.max(...a.map((r) => Math.max(...r.map(Math.abs))));
    if (!(Math.abs(a[p]![c]!) > 1e-13 * scale)) throw new LosskitError('NON_FINITE_OUTPUT', 'the Hessian is singular', { argument: 'hessian', expected: 'an invertible matrix on every batch', received: `pivot ${a[p]![c]} in column ${c}` });
    [a[c], a[p]] = [a[p]!, a[c]!];
    [b[c], b[p]] = [b[p]!, b[c]!];
    for (let r = c + 1; r < d; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k < d; k++) a[r]![k]! -= f * a[c]![k]!;
      b[r]! -= f * b[c]!;
    }
  }
  const x = new Array<number>(d).fill(0);
  for (let r = d - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < d; k++) s -= a[r]![k]! * x[k]!;
    x[r] = s / a[r]![r]!;
  }
  return x;
}

/** Options of {@link multiBootstrap}. */
export interface MultiBootstrapOptions {
  /** Predictions of the intervention runs `[seeds][examples]`; omit for a single-procedure interval. */
  readonly intervention?: readonly (readonly number[])[];
  /** Use the same sampled seeds for both sides (runs paired by seed index). Default false. */
  readonly pairedSeeds?: boolean;
  /** Resample seeds. Default true. */
  readonly sampleSeeds?: boolean;
  /** Resample examples. Default true. */
  readonly sampleExamples?: boolean;
  /** Number of bootstrap samples. Default 500. */
  readonly resamples?: number;
  readonly level?: number;
  readonly seed?: number;
}

/** An interval of a Multi-Bootstrap quantity. */
export interface MultiBootstrapStat {
  readonly mean: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * Multi-Bootstrap (Sellam et al., "The MultiBERTs: BERT Reproductions for Robustness Analysis", ICLR 2022): each
 * bootstrap sample draws seeds (runs) and examples with replacement, scores every drawn run on the drawn examples with
 * `score(yTrue, yPred)` and averages over the drawn seeds; the same examples are used for both procedures. Reports the
 * mean and percentile interval of the baseline L, of the intervention L' and of L' − L, with the one-sided p-value
 * `P(L' − L ≤ 0)` (at least 1/B), as google-research/language `multiberts/multibootstrap.py` (`multibootstrap`,
 * `report_ci`). `base` (and `intervention`) hold one prediction row per seed `[seeds][examples]`.
 * @example multiBootstrap(baseRuns, labels, accuracyOf, { intervention: exptRuns, resamples: 1000, seed: 0 })
 */
export function multiBootstrap(
  base: readonly (readonly number[])[],
  labels: readonly number[],
  score: (yTrue: number[], yPred: number[]) => number,
  options?: MultiBootstrapOptions,
): { base: MultiBootstrapStat; intervention?: MultiBootstrapStat; delta?: MultiBootstrapStat & { p: number }; samples: Array<[number, number]> } {
  checkFunction(score, 'score');
  const o = readOptions(options);
  const B = params.positiveInteger('resamples', o.resamples ?? 500);
  const level = params.openUnitInterval('level', o.level ?? 0.95);
  const y = readVector(labels as number[], 'labels');
  const readRuns = (runs: unknown, name: string): number[][] => {
    if (!Array.isArray(runs) || runs.length === 0) throw new LosskitError('EMPTY_BATCH', 'no runs', { argument: name, expected: 'predictions [seeds][examples] with at least one seed', received: Array.isArray(runs) ? 'an empty array' : typeof runs });
    return runs.map((r, s) => {
      const v = readVector(r, `${name}[${s}]`);
      if (v.length !== y.length) throw new LosskitError('SHAPE_MISMATCH', 'one prediction per example', { argument: `${name}[${s}]`, expected: `${y.length} predictions`, received: `${v.length}` });
      return v;
    });
  };
  const b = readRuns(base, 'base');
  const e = o.intervention !== undefined ? readRuns(o.intervention, 'intervention') : undefined;
  const paired = params.boolean('pairedSeeds', o.pairedSeeds ?? false);
  if (paired && e && e.length !== b.length) throw new LosskitError('SHAPE_MISMATCH', 'paired seeds need as many intervention runs as base runs', { argument: 'intervention', expected: `${b.length} runs`, received: `${e.length}` });
  const sampleSeeds = params.boolean('sampleSeeds', o.sampleSeeds ?? true);
  const sampleExamples = params.boolean('sampleExamples', o.sampleExamples ?? true);
  const u = rng(params.finite('seed', o.seed ?? 0));
  const draw = (k: number) => Array.from({ length: k }, () => Math.floor(u() * k));
  const ident = (k: number) => Array.from({ length: k }, (_, i) => i);
  const n = y.length;
  const samples: Array<[number, number]> = [];
  for (let it = 0; it < B; it++) {
    const bs = sampleSeeds ? draw(b.length) : ident(b.length);
    const es = e ? (paired ? bs : sampleSeeds ? draw(e.length) : ident(e.length)) : [];
    const jj = sampleExamples ? draw(n) : ident(n);
    const yj = jj.map((j) => y[j]!);
    const side = (runs: number[][], seeds: number[]) => seeds.reduce((s, r) => s + finiteStatistic(score(yj, jj.map((j) => runs[r]![j]!)), `sample ${it}`), 0) / seeds.length;
    samples.push([side(b, bs), e ? side(e, es) : Number.NaN]);
  }
  const stat = (v: number[]): MultiBootstrapStat => {
    const s = [...v].sort((a, c) => a - c);
    return { mean: v.reduce((a, c) => a + c, 0) / v.length, lower: quantileSorted(s, (1 - level) / 2), upper: quantileSorted(s, (1 + level) / 2) };
  };
  const out: { base: MultiBootstrapStat; intervention?: MultiBootstrapStat; delta?: MultiBootstrapStat & { p: number }; samples: Array<[number, number]> } = { base: stat(samples.map((s) => s[0])), samples };
  if (e) {
    const deltas = samples.map((s) => s[1] - s[0]);
    out.intervention = stat(samples.map((s) => s[1]));
    out.delta = { ...stat(deltas), p: Math.max(deltas.filter((d) => d <= 0).length / B, 1 / B) };
  }
  return out;
}

/** Options of {@link bootstrap632}. */
export interface Bootstrap632Options {
  /** `.632` (default), `.632+` or `oob` (out-of-bag accuracy only). */
  readonly method?: '.632' | '.632+' | 'oob';
  /** Number of bootstrap rounds. Default 200. */
  readonly splits?: number;
  readonly seed?: number;
}

/**
 * .632 and .632+ bootstrap accuracy (Efron 1983; Efron & Tibshirani 1997; Raschka, "Model Evaluation, Model Selection,
 * and Algorithm Selection in Machine Learning", 2018), computed as mlxtend's `bootstrap_point632_score`: for each round
 * draw n training indices with replacement, the rest is out-of-bag (OOB); `fitPredict(trainIndices)` trains and returns
 * predicted labels for **all** n samples. With `err_oob` on the OOB samples and `err_train` on all n (the resubstitution
 * error of Efron's Eq. 6.12), `acc = 1 − (w·err_oob + (1−w)·err_train)`, `w = 0.632` or, for .632+,
 * `w = 0.632/(1 − 0.368 R)`, `R = (err_oob − err_train)/(γ − err_train)`, `γ = 1 − Σ_k p_k q_k` (no-information error,
 * p and q the observed and predicted class frequencies). R is clipped to [0, 1] (Efron & Tibshirani's R'; mlxtend does
 * not clip and divides by zero when γ = err_train). Returns one accuracy per round.
 * @example bootstrap632(labels, (train) => fitAndPredictAll(train), { method: '.632+', splits: 50 })
 */
export function bootstrap632(labels: readonly number[], fitPredict: (trainIndices: number[]) => readonly number[], options?: Bootstrap632Options): number[] {
  checkFunction(fitPredict, 'fitPredict');
  const o = readOptions(options);
  const method = o.method ?? '.632';
  if (method !== '.632' && method !== '.632+' && method !== 'oob') throw new LosskitError('INVALID_ARGUMENT', 'unknown method', { argument: 'method', expected: "'.632' | '.632+' | 'oob'", received: String(method) });
  const splits = params.positiveInteger('splits', o.splits ?? 200);
  const y = readLabels(labels as number[], 'labels');
  const n = y.length;
  if (n < 2) throw new LosskitError('EMPTY_BATCH', 'too few samples', { argument: 'labels', expected: 'at least 2 samples', received: `${n}` });
  const u = rng(params.finite('seed', o.seed ?? 0));
  const scores: number[] = [];
  for (let r = 0; r < splits; r++) {
    const train = Array.from({ length: n }, () => Math.floor(u() * n));
    const inTrain = new Uint8Array(n);
    for (const i of train) inTrain[i] = 1;
    const oob = Array.from({ length: n }, (_, i) => i).filter((i) => !inTrain[i]);
    if (oob.length === 0) {
      r--;
      continue; // mlxtend's BootstrapOutOfBag draws again in this (rare) case as well
    }
    const pred = fitPredict(train);
    if (!Array.isArray(pred) || pred.length !== n) throw new LosskitError('SHAPE_MISMATCH', 'fitPredict must return one label per sample', { argument: 'fitPredict', expected: `${n} predicted labels`, received: Array.isArray(pred) ? `${pred.length}` : typeof pred });
    const p = readLabels(pred, 'fitPredict()');
    const accOn = (idx: readonly number[]) => idx.reduce((s, i) => s + (p[i] === y[i] ? 1 : 0), 0) / idx.length;
    const errOob = 1 - accOn(oob);
    if (method === 'oob') {
      scores.push(1 - errOob);
      continue;
    }
    const errTrain = 1 - accOn(Array.from({ length: n }, (_, i) => i));
    let w = 0.632;
    if (method === '.632+') {
      const C = Math.max(...y, ...p) + 1;
      const pk = new Array<number>(C).fill(0);
      const qk = new Array<number>(C).fill(0);
      y.forEach((v) => pk[v]!++);
      p.forEach((v) => qk[v]!++);
      const gamma = 1 - pk.reduce((s, v, k) => s + (v / n) * (qk[k]! / n), 0);
      const denom = gamma - errTrain;
      const R = denom > 0 ? Math.min(1, Math.max(0, (errOob - errTrain) / denom)) : 0;
      w = 0.632 / (1 - 0.368 * R);
    }
    scores.push(1 - (w * errOob + (1 - w) * errTrain));
  }
  return scores;
}
