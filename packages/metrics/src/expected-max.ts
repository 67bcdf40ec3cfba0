/**
 * Expected best validation score after n hyperparameter trials, from B observed trial scores (Tang, Lee, Ma, Lin et al.,
 * "Showing Your Work Doesn't Always Work", ACL 2020; castorini/meanmax `meanmax/stats/max.py`).
 */
import { LosskitError, params } from '@losskit/core';
import { logGamma } from './distributions.js';
import { readOptions, readVector } from './input.js';

/** Options of {@link expectedMaxScore}. */
export interface ExpectedMaxOptions {
  /**
   * `unbiased` (default): sampling without replacement, `V̂_n = Σ_{j=1}^{B} v_(j) C(j−1, n−1)/C(B, n)` (meanmax's
   * `CorrectedMeanMaxEstimator`, unbiased for n ≤ B). `dodge`: the with-replacement ECDFⁿ estimator of Dodge et al.
   * (2019), `Σ_j v_(j) [(j/B)ⁿ − ((j−1)/B)ⁿ]` (meanmax's `MeanMaxEstimator`, biased).
   */
  readonly method?: 'unbiased' | 'dodge';
}

/**
 * Expected maximum of n scores drawn from the B observed ones, `v_(1) ≤ … ≤ v_(B)` sorted ascending.
 * `unbiased` needs `n ≤ B`; the binomial coefficients are formed in log space, so B in the thousands is exact.
 * @example expectedMaxScore([0.61, 0.7, 0.68, 0.75, 0.72], 3) // 0.737
 */
export function expectedMaxScore(scores: readonly number[], n: number, options?: ExpectedMaxOptions): number {
  const v = [...readVector(scores as number[], 'scores')].sort((a, b) => a - b);
  const B = v.length;
  params.positiveInteger('n', n);
  const method = readOptions(options).method ?? 'unbiased';
  if (method === 'dodge') {
    let s = 0;
    for (let j = 1; j <= B; j++) s += v[j - 1]! * ((j / B) ** n - ((j - 1) / B) ** n);
    return s;
  }
  if (method !== 'unbiased') throw new LosskitError('INVALID_ARGUMENT', 'unknown method', { argument: 'method', expected: "'unbiased' or 'dodge'", received: String(method) });
  if (n > B) throw new LosskitError('INVALID_PARAMETER', 'the unbiased estimator needs n <= B', { argument: 'n', expected: `an integer in [1, ${B}] (the number of scores)`, received: String(n) });
  const lnChoose = (a: number, b: number) => logGamma(a + 1) - logGamma(b + 1) - logGamma(a - b + 1);
  const lnDen = lnChoose(B, n);
  let s = 0;
  for (let j = n; j <= B; j++) s += v[j - 1]! * Math.exp(lnChoose(j - 1, n - 1) - lnDen);
  return s;
}

/** The expected-max curve `n ↦ V̂_n` for n = 1..B (unbiased) or 1..`maxN` (dodge, default B). */
export function expectedMaxCurve(scores: readonly number[], options?: ExpectedMaxOptions & { readonly maxN?: number }): number[] {
  const o = readOptions(options);
  const B = readVector(scores as number[], 'scores').length;
  const maxN = params.positiveInteger('maxN', o.maxN ?? B);
  return Array.from({ length: maxN }, (_, i) => expectedMaxScore(scores, i + 1, o));
}
