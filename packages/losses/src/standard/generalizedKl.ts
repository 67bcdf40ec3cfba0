import { type Expr, yPred, yTrue } from '@losskit/core';
import { standardEntry } from './entry.js';

/** Options of {@link generalizedKl}. */
export interface GeneralizedKlOptions {
  /** A class-level mask (non-zero = include), e.g. `input('where', 'class')`: optax's `where`. Default: every class. */
  readonly where?: Expr<'class', 'any'>;
}

/**
 * `t_j (log t_j − ℓ_j)` per class, `[B, C]`, with `0 log 0 = 0`: the KL term of optax's `kl_divergence(log_predictions,
 * targets)` (`targets * (where(targets == 0, 0, log(targets)) − log_predictions)`), with `ℓ = yPred()` the
 * log-predictions as given (no softmax) and `t = yTrue()` non-negative targets. The log is taken of `max(t, 1e-30)`,
 * so a zero target gives exactly 0 and the difference is formed before the product (no `t log t − t ℓ` cancellation).
 */
export function klTerms(): Expr<'class', 'any'> {
  return yTrue().times(yTrue().maximum(1e-30).log().minus(yPred()));
}

/**
 * Generalized Kullback–Leibler divergence between unnormalised measures, one value per sample:
 * `D(t ‖ e^ℓ) = Σ_j [t_j (log t_j − ℓ_j) + e^{ℓ_j} − t_j]` with `ℓ = yPred()` the log-predictions (any reals, not
 * normalised) and `t = yTrue()` non-negative targets (`0 log 0 = 0`). The Bregman divergence of `x log x − x`:
 * non-negative, zero iff `e^ℓ = t`, and the plain KL divergence when both sum to 1. Gradient `e^ℓ − t`.
 * `ℓ` above ~88 overflows `e^ℓ` in float32 (a `NON_FINITE_OUTPUT`, the true value being as large); very negative
 * `ℓ` is exact. Shapes: `[B, C]` → `[B]`. `where` leaves masked classes out of the sum (optax's `where`).
 *
 * optax `generalized_kl_divergence(log_predictions, targets, axis=-1, where=None)` = `kl_divergence + Σ(exp(ℓ) − t)`
 * (google-deepmind/optax `optax/losses/_classification.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5), also
 * exported there as the deprecated `convex_kl_divergence`.
 *
 * @example compile(generalizedKl())([[0.2, 0.5]], [[Math.log(0.3), Math.log(0.4)]])
 * @see Boyd, Vandenberghe, "Convex Optimization" (2004), p. 90; Bregman (1967).
 */
export function generalizedKl(options: GeneralizedKlOptions = {}): Expr<'sample', 'any'> {
  const terms = klTerms().plus(yPred().exp()).minus(yTrue());
  return (options.where ? terms.where(options.where) : terms).sum();
}

export const generalizedKlEntry = standardEntry({
  id: 'generalized-kl',
  name: 'Generalized KL divergence',
  export: 'generalizedKl',
  category: 'divergence',
  summary: 'KL between unnormalised measures, Σ t(log t − ℓ) + e^ℓ − t on log-predictions ℓ (optax generalized_kl_divergence).',
  formula: '\\sum_j t_j\\left(\\log t_j - \\ell_j\\right) + e^{\\ell_j} - t_j',
  inputs: 'log-predictions [B, C] (yPred, any reals), non-negative targets [B, C]',
  params: [],
  paper: {
    title: 'The relaxation method of finding the common point of convex sets and its application to the solution of problems in convex programming',
    authors: 'L. M. Bregman',
    year: 1967,
    url: 'https://doi.org/10.1016/0041-5553(67)90040-7',
  },
  example: "import { compile } from '@losskit/core';\nimport { generalizedKl } from '@losskit/losses';\nconst loss = compile(generalizedKl())([[0.2, 0.5], [1.5, 0]], [[-1.2, -0.9], [0.3, -2]]);",
  dsl: 'yTrue().times(yTrue().maximum(1e-30).log().minus(yPred())).plus(yPred().exp()).minus(yTrue()).sum()',
});
