import { LosskitError } from '@losskit/core';

// TOFU / open-unlearning evaluation statistics (locuslab/open-unlearning d3d7cf9e: src/evals/metrics/privacy.py,
// utility.py, mia/*.py), computed in float64 on the host from per-sample statistics.

function readStats(v: unknown, argument: string, min = 1): number[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new LosskitError('INVALID_ARGUMENT', 'expected an array of per-sample statistics', { argument, expected: 'finite numbers', received: v === null ? 'null' : typeof v });
  const a = Array.from(v as ArrayLike<unknown>);
  if (a.length < min) throw new LosskitError('EMPTY_BATCH', 'not enough values', { argument, expected: `at least ${min} value(s)`, received: String(a.length) });
  a.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new LosskitError('NON_FINITE_INPUT', 'statistics must be finite numbers', { argument, expected: 'finite numbers', received: `${String(x)} at index ${i}` });
  });
  return a as number[];
}

/** Result of {@link ksTest}. */
export interface KsResult {
  /** D = sup_x |F_a(x) − F_b(x)|. */
  readonly statistic: number;
  /** Two-sided p-value P(D' ≥ D) under the null that both samples come from one continuous distribution. */
  readonly pValue: number;
  /** `'exact'` (lattice-path probability) or `'asymp'` (Kolmogorov's limit with Stephens' correction). */
  readonly method: 'exact' | 'asymp';
}

/** Kolmogorov's limiting survival function Q(t) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²t²}. */
function kolmogorovSf(t: number): number {
  if (t <= 0) return 1;
  if (t < 0.2) return 1; // Q(0.2) = 1 − 1e-26 in float64
  let s = 0;
  for (let k = 1; k < 200; k++) {
    const term = Math.exp(-2 * k * k * t * t);
    s += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-18) break;
  }
  return Math.min(Math.max(2 * s, 0), 1);
}

/**
 * Two-sample Kolmogorov–Smirnov test, two-sided (scipy `ks_2samp`, which TOFU's forget quality calls through
 * open-unlearning's `ks_test`). D is the largest gap between the two empirical CDFs (at ties both CDFs step together).
 * The p-value is exact when `n·m ≤ 10⁷`: the probability that a uniformly random interleaving of the two samples (a lattice
 * path from (0, 0) to (n, m), each step drawn with probability proportional to the remaining counts) reaches
 * `|i·m − j·n| ≥ D·n·m`, accumulated as the mass of the paths at the moment they first reach it (a sum of positive terms,
 * so p-values like 1e-30 keep their digits). Beyond that size: Kolmogorov's limit `Q(√e·D·(1 + 0.12/√e + 0.11/e))`,
 * `e = nm/(n+m)` (Stephens 1970); scipy switches to its own asymptotic form only beyond 10,000 per sample.
 *
 * @example ksTest([1.01, 2.01], [1, 2, 3]) // { statistic: 1/3, pValue: 1 } (scipy's test)
 * @see Hodges, "The significance probability of the Smirnov two-sample test" (1958); scipy.stats.ks_2samp.
 */
export function ksTest(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const x = readStats(a, 'a').sort((u, v) => u - v);
  const y = readStats(b, 'b').sort((u, v) => u - v);
  const n = x.length;
  const m = y.length;
  // h = max |i·m − j·n| over the points where both CDFs are evaluated (after every distinct value): D = h / (n·m).
  let i = 0;
  let j = 0;
  let h = 0;
  while (i < n || j < m) {
    const v = Math.min(i < n ? x[i]! : Infinity, j < m ? y[j]! : Infinity);
    while (i < n && x[i] === v) i++;
    while (j < m && y[j] === v) j++;
    h = Math.max(h, Math.abs(i * m - j * n));
  }
  const statistic = h / (n * m);
  if (h === 0) return { statistic, pValue: 1, method: 'exact' };
  if (n * m > 1e7) {
    const e = (n * m) / (n + m);
    const s = Math.sqrt(e);
    return { statistic, pValue: kolmogorovSf((s + 0.12 + 0.11 / s) * statistic), method: 'asymp' };
  }
  // prob[j] = probability of being at (i, j) without having reached the boundary; exit accumulates what reaches it.
  let prob = new Float64Array(m + 1);
  prob[0] = 1;
  let exit = 0;
  for (let ii = 0; ii <= n; ii++) {
    const next = new Float64Array(m + 1);
    for (let jj = 0; jj <= m; jj++) {
      const p = prob[jj]!;
      if (p === 0) continue;
      const left = n - ii + (m - jj);
      if (left === 0) continue;
      // Step in sample a (to (ii + 1, jj)) or in sample b (to (ii, jj + 1)).
      if (ii < n) {
        const q = (p * (n - ii)) / left;
        if (Math.abs((ii + 1) * m - jj * n) >= h) exit += q;
        else next[jj]! += q;
      }
      if (jj < m) {
        const q = (p * (m - jj)) / left;
        if (Math.abs(ii * m - (jj + 1) * n) >= h) exit += q;
        else prob[jj + 1]! += q;
      }
    }
    prob = next;
  }
  return { statistic, pValue: Math.min(exit, 1), method: 'exact' };
}

/**
 * Forget quality (TOFU, Maini et al. 2024): the KS-test p-value between a per-sample statistic of the forget set under the
 * unlearned model and the same statistic under a model retrained without the forget set (TOFU uses the truth ratio;
 * open-unlearning's `forget_quality` = `ks_test` over it). High (near 1) = indistinguishable from retraining.
 *
 * @example forgetQuality(truthRatios(unlearned), truthRatios(retrained))
 * @see Maini, Feng, Schwarzschild, Lipton, Kolter, "TOFU: A Task of Fictitious Unlearning for LLMs" (2024).
 */
export function forgetQuality(unlearned: ArrayLike<number>, retrained: ArrayLike<number>): number {
  return ksTest(unlearned, retrained).pValue;
}

/**
 * Model utility (TOFU): the harmonic mean of retain-side metrics (probabilities, ROUGE, truth ratios, accuracies, each in
 * [0, 1] or at least ≥ 0): `k / Σ_i 1/v_i`, 0 if any value is 0 (scipy `hmean`, open-unlearning `hm_aggregate`).
 *
 * @example modelUtility([0.9, 0.8, 0.95]) // 0.88...
 */
export function modelUtility(values: ArrayLike<number>): number {
  const v = readStats(values, 'values');
  v.forEach((x, i) => {
    if (x < 0) throw new LosskitError('INVALID_ARGUMENT', 'the harmonic mean needs non-negative values', { argument: 'values', expected: 'numbers >= 0', received: `${x} at index ${i}` });
  });
  if (v.some((x) => x === 0)) return 0;
  return v.length / v.reduce((s, x) => s + 1 / x, 0);
}

/** Result of {@link miaAuc}. */
export interface MiaResult {
  /** ROC AUC of telling members (forget) from non-members (holdout) by the score, ties counted ½. */
  readonly auc: number;
  /** Largest true-positive rate at a threshold whose false-positive rate is at most `fpr` (default 1%). */
  readonly tprAtLowFpr: number;
}

/**
 * Membership-inference AUC and TPR at low FPR for any MIA score where *lower means member* (every score of open-unlearning's
 * MIA family is signed this way: loss, zlib ratio, −min-k% log-probability, gradient norm, reference-loss difference).
 * `AUC = P(s_nonmember > s_member) + ½ P(=)` (open-unlearning's `roc_auc_score(labels: forget 0 / holdout 1, scores)`);
 * a member is predicted when `s ≤ τ`, and `tprAtLowFpr = max_τ {TPR(τ) : FPR(τ) ≤ fpr}` over the thresholds at the
 * observed scores (Carlini et al. 2022 report TPR at 1% / 0.1% FPR). Shapes: two arrays of per-sample scores.
 *
 * @example miaAuc(lossesOnForget, lossesOnHoldout) // { auc: 0.5 … 1, tprAtLowFpr }
 * @see Carlini, Chien, Nasr, Song, Terzis, Tramèr, "Membership Inference Attacks From First Principles" (S&P 2022).
 */
export function miaAuc(memberScores: ArrayLike<number>, nonMemberScores: ArrayLike<number>, options: { readonly fpr?: number } = {}): MiaResult {
  const mem = readStats(memberScores, 'memberScores');
  const non = readStats(nonMemberScores, 'nonMemberScores');
  const fpr = options?.fpr ?? 0.01;
  if (typeof fpr !== 'number' || !(fpr >= 0 && fpr <= 1)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'fpr', expected: 'a number in [0, 1]', received: String(fpr) });
  const all = [...mem.map((v) => ({ v, member: true })), ...non.map((v) => ({ v, member: false }))].sort((a, b) => a.v - b.v);
  let tp = 0;
  let fp = 0;
  let auc = 0;
  let best = 0;
  for (let k = 0; k < all.length; ) {
    let dt = 0;
    let df = 0;
    const v = all[k]!.v;
    while (k < all.length && all[k]!.v === v) {
      if (all[k]!.member) dt++;
      else df++;
      k++;
    }
    // Members at this score rank below the non-members above it: each pair (member here, non-member later) counts 1, ties ½.
    auc += dt * (non.length - fp - df) + 0.5 * dt * df;
    tp += dt;
    fp += df;
    if (fp / non.length <= fpr) best = Math.max(best, tp / mem.length);
  }
  return { auc: auc / (mem.length * non.length), tprAtLowFpr: best };
}

/**
 * Min-k% Prob score of one sequence (Shi et al. 2024; open-unlearning `MinKProbAttack`): `−mean` of the `max(1, ⌊k·L⌋)`
 * smallest token log-probabilities `log p(x_t | x_<t)` (L tokens). Lower = more likely a member. Default k = 0.2.
 * @example minKScore([-0.1, -3, -0.2, -5], 0.5) // −mean(−5, −3) = 4
 */
export function minKScore(tokenLogProbs: ArrayLike<number>, k = 0.2): number {
  const lp = readStats(tokenLogProbs, 'tokenLogProbs').sort((a, b) => a - b);
  if (!(k > 0 && k <= 1)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'k', expected: 'a fraction in (0, 1]', received: String(k) });
  const num = Math.max(1, Math.floor(lp.length * k));
  return -lp.slice(0, num).reduce((s, v) => s + v, 0) / num;
}

/**
 * Min-k%++ score of one sequence (Zhang et al. 2025; open-unlearning `MinKPlusPlusAttack`): per token
 * `(log p(x_t) − μ_t) / σ_t` with `μ_t = Σ_v p_v log p_v`, `σ_t² = Σ_v p_v (log p_v)² − μ_t²` (clamped at 1e-6) over the
 * vocabulary at step t, then `−mean` of the `max(1, ⌊k·L⌋)` smallest. Shapes: `tokenLogProbs` `[L]`, `vocabLogProbs` `[L][V]`.
 * @example minKPlusPlusScore(tokenLp, vocabLp, 0.2)
 */
export function minKPlusPlusScore(tokenLogProbs: ArrayLike<number>, vocabLogProbs: readonly ArrayLike<number>[], k = 0.2): number {
  const lp = readStats(tokenLogProbs, 'tokenLogProbs');
  if (!Array.isArray(vocabLogProbs) || vocabLogProbs.length !== lp.length) throw new LosskitError('SHAPE_MISMATCH', 'one vocabulary row per token', { argument: 'vocabLogProbs', expected: `${lp.length} rows`, received: Array.isArray(vocabLogProbs) ? `${vocabLogProbs.length} rows` : typeof vocabLogProbs });
  const z = lp.map((t, i) => {
    const row = readStats(vocabLogProbs[i], `vocabLogProbs[${i}]`);
    let mu = 0;
    let m2 = 0;
    for (const v of row) {
      const p = Math.exp(v);
      mu += p * v;
      m2 += p * v * v;
    }
    const sigma2 = Math.max(m2 - mu * mu, 1e-6);
    return (t - mu) / Math.sqrt(sigma2);
  });
  return minKScore(z, k);
}
