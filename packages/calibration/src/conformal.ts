/**
 * Split conformal prediction sets for classifiers (LAC and APS scores), a Bayesian-bootstrap variant of the
 * threshold, and the empirical coverage / set-size metrics. Host float64.
 */
import { LosskitError, params } from '@losskit/core';
import { gammaSampler, rng } from '@losskit/core/math';
import { checkFrom, readLabels, readOptions, readProbs, type From, type Labels, type Predictions } from './input.js';

/** Non-conformity score: `lac` = 1 − p_y (least ambiguous set-valued classifier); `aps` = adaptive prediction sets. */
export type ConformalScore = 'lac' | 'aps';

/** Options of {@link SplitConformal.fit}. */
export interface ConformalOptions {
  /** What the predictions hold. Default `'logits'`. */
  readonly from?: From;
  /** Miscoverage level α ∈ (0, 1): sets contain the label with probability ≥ 1 − α. Default 0.1. */
  readonly alpha?: number;
  /** Score. Default `'lac'`. */
  readonly score?: ConformalScore;
  /** APS only: randomise the score with U ~ Uniform(0, 1) (Romano et al. 2020), which makes coverage tight. Default true. */
  readonly randomized?: boolean;
  /** Seed of the PRNG behind U. Default 0. */
  readonly seed?: number;
}

/** APS cumulative mass strictly above class c, per row: ρ_c = Σ_{j ranked before c} p_j (descending p, ties by index). */
function apsMass(p: Float64Array, i: number, c: number): Float64Array {
  const row = p.subarray(i * c, (i + 1) * c);
  const order = Array.from({ length: c }, (_, j) => j).sort((a, b) => row[b]! - row[a]! || a - b);
  const rho = new Float64Array(c);
  let cum = 0;
  for (const j of order) {
    rho[j] = cum;
    cum += row[j]!;
  }
  return rho;
}

/** Score of every class of row i (the label's score is used to calibrate; all classes to build sets). */
function rowScores(p: Float64Array, i: number, c: number, score: ConformalScore, u: number): Float64Array {
  const out = new Float64Array(c);
  if (score === 'lac') {
    for (let j = 0; j < c; j++) out[j] = 1 - p[i * c + j]!;
  } else {
    const rho = apsMass(p, i, c);
    for (let j = 0; j < c; j++) out[j] = rho[j]! + u * p[i * c + j]!;
  }
  return out;
}

/**
 * The finite-sample conformal quantile: the ⌈(n+1)(1−α)⌉-th smallest of the n calibration scores, i.e. the
 * empirical quantile at level ⌈(n+1)(1−α)⌉/n; `+Infinity` when ⌈(n+1)(1−α)⌉ > n (every label is then included).
 *
 * @example
 * conformalQuantile([0.1, 0.4, 0.2, 0.3], 0.2); // ⌈5·0.8⌉ = 4th smallest = 0.4
 */
export function conformalQuantile(scores: ArrayLike<number>, alpha: number): number {
  if (!Array.isArray(scores) && !ArrayBuffer.isView(scores)) {
    throw new LosskitError('INVALID_ARGUMENT', 'scores must be an array of numbers', { argument: 'scores', expected: 'finite numbers [n]', received: scores === null ? 'null' : typeof scores });
  }
  const n = scores.length;
  if (n === 0) throw new LosskitError('EMPTY_BATCH', 'no calibration scores', { argument: 'scores', expected: 'at least one score', received: '[]' });
  for (let i = 0; i < n; i++) {
    const v = (scores as ArrayLike<unknown>)[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new LosskitError(typeof v === 'number' ? 'NON_FINITE_INPUT' : 'INVALID_ARGUMENT', 'every score must be a finite number', { argument: 'scores', expected: 'finite numbers', received: `${String(v)} at index ${i}` });
    }
  }
  params.openUnitInterval('alpha', alpha);
  const k = Math.ceil((n + 1) * (1 - alpha) - 1e-12); // guard against (n+1)(1−α) = integer + rounding error
  if (k > n) return Infinity;
  const sorted = Float64Array.from(scores).sort();
  return sorted[Math.max(k, 1) - 1]!;
}

function checkScore(s: unknown): ConformalScore {
  if (s !== 'lac' && s !== 'aps') throw new LosskitError('INVALID_ARGUMENT', 'unknown conformal score', { argument: 'score', expected: "'lac' or 'aps'", received: String(s) });
  return s;
}

/** Calibration scores of the true labels. */
function calibrationScores(predictions: Predictions, labels: Labels, from: From, score: ConformalScore, randomized: boolean, seed: number) {
  const p = readProbs(predictions, from);
  const y = readLabels(labels, p.n, p.c);
  const u = rng(seed);
  const scores = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) {
    const ui = score === 'aps' && randomized ? u() : 1;
    scores[i] = rowScores(p.data, i, p.c, score, ui)[y[i]!]!;
  }
  return { scores, classes: p.c };
}

/** Shared set construction: `{c : s(x, c, u) ≤ q̂}`. */
abstract class ConformalSets {
  protected constructor(
    readonly from: From,
    readonly classes: number,
    readonly alpha: number,
    readonly score: ConformalScore,
    readonly randomized: boolean,
    /** The score threshold q̂. */
    readonly threshold: number,
  ) {}

  /** Prediction sets: for each row, the sorted class indices whose score is ≤ the threshold. `seed` drives APS's U (default 1). */
  predict(predictions: Predictions, options?: { readonly seed?: number }): number[][] {
    options = readOptions(options);
    const p = readProbs(predictions, this.from);
    if (p.c !== this.classes) throw new LosskitError('SHAPE_MISMATCH', 'predictions do not match the calibration data', { argument: 'predictions', expected: `${this.classes} columns`, received: `${p.c} columns` });
    const u = rng(params.finite('seed', options.seed ?? 1));
    const sets: number[][] = [];
    for (let i = 0; i < p.n; i++) {
      const ui = this.score === 'aps' && this.randomized ? u() : 1;
      const s = rowScores(p.data, i, p.c, this.score, ui);
      const set: number[] = [];
      for (let c = 0; c < p.c; c++) if (s[c]! <= this.threshold) set.push(c);
      sets.push(set);
    }
    return sets;
  }
}

/**
 * Split conformal prediction for classification (Vovk et al. 2005; Sadinle et al. 2019 for LAC; Romano et al. 2020
 * for APS).
 *
 * Calibration: scores `s_i = s(x_i, y_i)` on n held-out samples; threshold `q̂` = the ⌈(n+1)(1−α)⌉-th smallest
 * ({@link conformalQuantile}). Prediction set: `C(x) = {c : s(x, c) ≤ q̂}`. Under exchangeability
 * `1 − α ≤ P(y ∈ C(x)) ≤ 1 − α + 1/(n+1)` (upper bound for continuous, randomised scores).
 * - LAC: `s(x, c) = 1 − p_c(x)`.
 * - APS: `s(x, c, U) = Σ_{j: p_j ranked above p_c} p_j + U·p_c` (U ~ Uniform(0,1), one per sample; `randomized: false` uses U = 1).
 *
 * Shapes: fit `[n, C]` + `[n]`; `predict([M, C])` → M sorted label sets. Defaults: α = 0.1, LAC, `from: 'logits'`.
 *
 * @example
 * const cp = SplitConformal.fit(calLogits, calLabels, { alpha: 0.1, score: 'aps' });
 * const sets = cp.predict(testLogits);
 * coverage(sets, testLabels); meanSetSize(sets);
 *
 * Papers: "Classification with Valid and Adaptive Coverage", Romano, Sesia, Candès, 2020; "Least Ambiguous
 * Set-Valued Classifiers with Bounded Error Levels", Sadinle, Lei, Wasserman, 2019.
 */
export class SplitConformal extends ConformalSets {
  static fit(predictions: Predictions, labels: Labels, options?: ConformalOptions): SplitConformal {
    options = readOptions(options);
    const from = checkFrom(options.from ?? 'logits');
    const alpha = params.openUnitInterval('alpha', options.alpha ?? 0.1);
    const score = checkScore(options.score ?? 'lac');
    const randomized = params.boolean('randomized', options.randomized ?? true);
    const { scores, classes } = calibrationScores(predictions, labels, from, score, randomized, params.finite('seed', options.seed ?? 0));
    return new SplitConformal(from, classes, alpha, score, randomized, conformalQuantile(scores, alpha));
  }
}

/** Options of {@link BayesianConformal.fit}. */
export interface BayesianConformalOptions extends ConformalOptions {
  /** Posterior probability that the coverage of the chosen threshold is ≥ 1 − α. Default 0.5 (posterior median threshold). */
  readonly credibility?: number;
  /** Dirichlet concentration c of the Bayesian-bootstrap weights `w ~ Dir(c·1_{n+1})`. Default 1 (Rubin's Bayesian bootstrap). */
  readonly concentration?: number;
  /** Monte-Carlo draws of w. Default 2000. */
  readonly draws?: number;
}

/**
 * Bayesian-bootstrap split conformal: a posterior over the conformal threshold instead of one order statistic.
 *
 * The n calibration scores, sorted, plus `s_(n+1) = +∞` (the test point's unknown score, as in split conformal) get
 * Bayesian-bootstrap weights `w ~ Dirichlet(c·1_{n+1})` (Rubin 1981). Each draw gives the weighted (1−α)-quantile
 * `q_w = min{s_(k) : Σ_{j≤k} w_(j) ≥ 1 − α}`; the threshold is the `credibility`-quantile of the draws of `q_w`.
 * For c = 1, `Σ_{j≤k} w_(j) ~ Beta(k, n+1−k)`, so the threshold is `s_(k*)` with
 * `k* = min{k : P(Beta(k, n+1−k) ≥ 1−α) ≥ credibility}`: the smallest threshold whose coverage is ≥ 1 − α with posterior
 * probability `credibility` (the data-conditional reading of Snell & Griffiths 2025). Sets as {@link SplitConformal}.
 *
 * Scope note: Gibson (2025) applies the Bayesian bootstrap, with a Dirichlet concentration tuned for coverage, to a
 * model's parameters via influence functions; a post-hoc layer over fixed logits has no parameters to perturb, so
 * here the weights act on the calibration-score distribution and `concentration` plays the role of their α.
 *
 * Defaults: α = 0.1, LAC, credibility 0.5, c = 1, 2000 draws, seed 0.
 *
 * @example
 * const bcp = BayesianConformal.fit(calLogits, calLabels, { alpha: 0.1, credibility: 0.9 });
 * bcp.predict(testLogits);
 *
 * Paper: "Bayesian Conformal Prediction via the Bayesian Bootstrap", Gibson, 2025 (arXiv 2508.01418).
 */
export class BayesianConformal extends ConformalSets {
  private constructor(
    from: From,
    classes: number,
    alpha: number,
    score: ConformalScore,
    randomized: boolean,
    threshold: number,
    readonly credibility: number,
    /** The sorted Monte-Carlo draws of the weighted quantile `q_w` (may contain Infinity). */
    readonly thresholdDraws: readonly number[],
  ) {
    super(from, classes, alpha, score, randomized, threshold);
  }

  static fit(predictions: Predictions, labels: Labels, options?: BayesianConformalOptions): BayesianConformal {
    options = readOptions(options);
    const from = checkFrom(options.from ?? 'logits');
    const alpha = params.openUnitInterval('alpha', options.alpha ?? 0.1);
    const score = checkScore(options.score ?? 'lac');
    const randomized = params.boolean('randomized', options.randomized ?? true);
    const credibility = params.openUnitInterval('credibility', options.credibility ?? 0.5);
    const conc = params.positive('concentration', options.concentration ?? 1);
    const draws = params.positiveInteger('draws', options.draws ?? 2000);
    const seed = params.finite('seed', options.seed ?? 0);
    const { scores, classes } = calibrationScores(predictions, labels, from, score, randomized, seed);
    const sorted = Float64Array.from(scores).sort();
    const n = sorted.length;
    const gamma = gammaSampler(conc, rng(seed + 0x9e3779b9));
    const w = new Float64Array(n + 1);
    const qs: number[] = [];
    for (let d = 0; d < draws; d++) {
      let total = 0;
      for (let j = 0; j <= n; j++) {
        w[j] = gamma();
        total += w[j]!;
      }
      let cum = 0;
      let q = Infinity;
      for (let j = 0; j < n; j++) {
        cum += w[j]! / total;
        if (cum >= 1 - alpha) {
          q = sorted[j]!;
          break;
        }
      }
      qs.push(q);
    }
    qs.sort((a, b) => a - b);
    const threshold = qs[Math.min(draws - 1, Math.max(0, Math.ceil(credibility * draws) - 1))]!;
    return new BayesianConformal(from, classes, alpha, score, randomized, threshold, credibility, qs);
  }
}

/** Checks prediction sets: a non-empty array of arrays of non-negative integer class indices. */
function checkSets(sets: unknown): void {
  if (!Array.isArray(sets)) throw new LosskitError('INVALID_ARGUMENT', 'prediction sets must be an array of label arrays', { argument: 'sets', expected: 'number[][]', received: sets === null ? 'null' : typeof sets });
  if (sets.length === 0) throw new LosskitError('EMPTY_BATCH', 'no prediction sets', { argument: 'sets', expected: 'at least one set', received: '[]' });
  sets.forEach((s: unknown, i) => {
    if (!Array.isArray(s)) throw new LosskitError('INVALID_ARGUMENT', 'every prediction set must be an array of labels', { argument: 'sets', expected: 'number[][]', received: `${s === null ? 'null' : typeof s} at index ${i}` });
    for (const c of s as unknown[]) {
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) {
        throw new LosskitError('INVALID_ARGUMENT', 'prediction sets hold integer class indices', { argument: 'sets', expected: 'integers >= 0', received: `${String(c)} in set ${i}` });
      }
    }
  });
}

/**
 * Empirical coverage of prediction sets: `(1/M) Σ_i 1[y_i ∈ C_i]`.
 *
 * @example
 * coverage([[0, 1], [2]], [1, 0]); // 0.5
 */
export function coverage(sets: readonly (readonly number[])[], labels: Labels): number {
  checkSets(sets);
  const y = readLabels(labels, sets.length, Number.MAX_SAFE_INTEGER);
  let hit = 0;
  sets.forEach((s, i) => {
    if (s.includes(y[i]!)) hit++;
  });
  return hit / sets.length;
}

/**
 * Mean prediction-set size: `(1/M) Σ_i |C_i|`.
 *
 * @example
 * meanSetSize([[0, 1], [2]]); // 1.5
 */
export function meanSetSize(sets: readonly (readonly number[])[]): number {
  checkSets(sets);
  let s = 0;
  for (const set of sets) s += set.length;
  return s / sets.length;
}
