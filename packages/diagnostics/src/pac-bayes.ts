import { LosskitError, checkParam } from '@losskit/core';
import { checkInteger, readOptions } from './input.js';

/** Inputs of {@link pacBayesBound}. */
export interface PacBayesBoundInput {
  /** Empirical 0-1 risk r̂ ∈ [0, 1] of the chosen hypothesis (prompt) on the n training examples. */
  readonly empiricalRisk: number;
  /**
   * log P(h) of the chosen hypothesis under the prior (natural log, ≤ 0), e.g. the language model's summed token
   * log-probabilities of the prompt; with a point-mass posterior KL(Q‖P) = −log P(h). Give `logPrior` or `kl`.
   */
  readonly logPrior?: number;
  /** KL(Q‖P) ≥ 0 directly (nats). */
  readonly kl?: number;
  /** Number of training examples n ≥ 1. */
  readonly n: number;
  /** Confidence δ ∈ (0, 1). Default 0.05. */
  readonly delta?: number;
  /**
   * `'kl'` (default): the kl-inverse bound sup{R : kl(r̂‖R) ≤ (KL + ln(2√n/δ))/n} (Seeger 2002; Maurer 2004), the
   * tightest of the three; `'sqrt'`: its Pinsker relaxation r̂ + √((KL + ln(2√n/δ))/(2n)); `'mcallester'`:
   * r̂ + √((KL + ln(1/δ) + ln n + 2)/(2n − 1)) (McAllester 1999, *PAC-Bayesian model averaging*, Theorem 1).
   */
  readonly form?: 'kl' | 'sqrt' | 'mcallester';
}

/** Result of {@link pacBayesBound}. */
export interface PacBayesBound {
  /** Upper bound on the true risk R(h), holding with probability ≥ 1 − δ over the sample (1 when vacuous). */
  readonly bound: number;
  /** KL(Q‖P) used (nats). */
  readonly kl: number;
  /** bound − r̂. */
  readonly gap: number;
}

/** Binary kl divergence kl(q‖p) = q ln(q/p) + (1−q) ln((1−q)/(1−p)), with 0 ln 0 = 0. */
export function binaryKl(q: number, p: number): number {
  const t = (a: number, b: number) => (a === 0 ? 0 : b === 0 ? Infinity : a * Math.log(a / b));
  return t(q, p) + t(1 - q, 1 - p);
}

/**
 * A PAC-Bayes generalization bound for a discrete hypothesis with a point-mass posterior, as *Understanding prompt
 * engineering may not require rethinking generalization* (Akinwande, Jiang, Sam & Kolter, ICLR 2024) applies to
 * prompts: the prior is a language model over token sequences, the posterior is the chosen prompt, so
 * KL(Q‖P) = −log P_LM(prompt) (a uniform prior over L tokens of a vocabulary of V gives L·ln V:
 * {@link uniformPromptLogPrior}). The bound then holds with probability ≥ 1 − δ simultaneously for every prompt,
 * so it can rank prompts (structural risk minimization).
 *
 * Which variant the paper reports was not pinned down (the paper text was not available; the first author's blog
 * prints McAllester's bound as r̂ + (KL + ln(1/δ) + 2)/(2n − 1), without the root and the ln n that McAllester's
 * Theorem 1 has), so the form is an option and the default is the kl-inverse bound, the tightest standard one.
 *
 * @example pacBayesBound({ empiricalRisk: 0.023, logPrior: -35.2, n: 50000 }).bound;
 */
export function pacBayesBound(input: PacBayesBoundInput): PacBayesBound {
  const o = readOptions(input, 'input');
  const r = checkParam('empiricalRisk', o.empiricalRisk, 'a number in [0, 1]', (v) => v >= 0 && v <= 1);
  const n = checkInteger('n', o.n, 1);
  const delta = checkParam('delta', o.delta ?? 0.05, 'a number in (0, 1)', (v) => v > 0 && v < 1);
  if ((o.kl === undefined) === (o.logPrior === undefined)) throw new LosskitError('INVALID_ARGUMENT', 'give exactly one of kl and logPrior', { argument: 'kl', expected: 'kl >= 0 or logPrior <= 0', received: o.kl === undefined ? 'neither' : 'both' });
  const kl = o.kl !== undefined ? checkParam('kl', o.kl, 'a number >= 0', (v) => v >= 0) : -checkParam('logPrior', o.logPrior, 'a number <= 0 (a log-probability)', (v) => v <= 0);
  const form = o.form ?? 'kl';
  let bound: number;
  if (form === 'mcallester') bound = r + Math.sqrt((kl + Math.log(1 / delta) + Math.log(n) + 2) / (2 * n - 1));
  else {
    const c = (kl + Math.log((2 * Math.sqrt(n)) / delta)) / n;
    if (form === 'sqrt') bound = r + Math.sqrt(c / 2);
    else if (form === 'kl') {
      // kl(r̂‖q) is increasing in q on [r̂, 1]; bisection to 1e-12.
      if (binaryKl(r, 1) <= c) bound = 1;
      else {
        let lo = r;
        let hi = 1;
        for (let k = 0; k < 100 && hi - lo > 1e-12; k++) {
          const mid = (lo + hi) / 2;
          if (binaryKl(r, mid) <= c) lo = mid;
          else hi = mid;
        }
        bound = lo;
      }
    } else throw new LosskitError('INVALID_ARGUMENT', 'unknown form', { argument: 'form', expected: "'kl', 'sqrt' or 'mcallester'", received: String(form) });
  }
  // A risk is at most 1: a larger value is vacuous (and an infinite KL would otherwise give ∞).
  bound = Math.min(bound, 1);
  return { bound, kl, gap: bound - r };
}

/** log P of any one prompt under a uniform prior over `length` tokens from a vocabulary of `vocabularySize`: −L ln V. */
export function uniformPromptLogPrior(length: number, vocabularySize: number): number {
  checkInteger('length', length, 0);
  checkInteger('vocabularySize', vocabularySize, 1);
  return -length * Math.log(vocabularySize);
}
