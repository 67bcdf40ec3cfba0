import { classConstant, defineEntry, type Expr, type Needs, params } from '@losskit/core';
import { checkCounts } from './classCounts.js';
import { sampleLoss } from '../../validate.js';

/** Options of {@link classBalancedWeights} and {@link classBalanced}. */
export interface ClassBalancedOptions {
  /** Training examples per class, `n_j ≥ 1`. Required. */
  readonly classCounts: readonly number[];
  /** β ∈ [0, 1) of the effective number `(1 - β^n)/(1 - β)`. Default 0.9999. β = 0 gives equal weights. */
  readonly beta?: number;
}

/**
 * Class-balanced weights from the effective number of samples `E_n = (1 - β^n)/(1 - β)`:
 * `w_j = 1/E_{n_j} = (1 - β)/(1 - β^{n_j})`, normalized so that `Σ_j w_j = C`. Host-side, float64.
 * Default β = 0.9999 (one of the paper's values; it tunes β ∈ {0.9, 0.99, 0.999, 0.9999}).
 *
 * @example `classBalancedWeights({ classCounts: [5000, 50], beta: 0.999 })`
 * @see Cui, Jia, Lin, Song, Belongie, "Class-Balanced Loss Based on Effective Number of Samples", CVPR 2019.
 */
export function classBalancedWeights(options: ClassBalancedOptions): number[] {
  const counts = checkCounts(options?.classCounts);
  const beta = params.unitInterval('beta', options.beta ?? 0.9999);
  // 1 - β^n computed as -expm1(n log β): exact for β near 1, where 1 - β^n would cancel.
  const raw = counts.map((n) => (beta === 0 ? 1 : (1 - beta) / -Math.expm1(n * Math.log(beta))));
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => (w * counts.length) / total);
}

/**
 * Class-balanced loss: any per-sample loss times the class-balanced weight of the sample's class,
 * `CB(ℓ)_i = w_{y_i} ℓ_i` with `w = classBalancedWeights(...)` (soft targets: `Σ_j t_j w_j`).
 * Works with any sample-level loss: `classBalanced(ce(), ...)`, `classBalanced(focal(), ...)`.
 *
 * @example `compile(classBalanced(focal(), { classCounts: [5000, 500, 50], beta: 0.999 }))(labels, logits)`
 * @see Cui, Jia, Lin, Song, Belongie, "Class-Balanced Loss Based on Effective Number of Samples", CVPR 2019.
 */
export function classBalanced<K extends Needs>(loss: Expr<'sample', K>, options: ClassBalancedOptions): Expr<'sample', K> {
  return sampleLoss(loss, 'classBalanced').times(classConstant(classBalancedWeights(options), 'w').target()) as Expr<'sample', K>;
}

export const classBalancedEntry = defineEntry({
  id: 'class-balanced',
  name: 'Class-balanced loss (effective number)',
  package: '@losskit/losses',
  export: 'classBalanced',
  category: 'classification',
  summary: 'Reweights any per-sample loss by the inverse effective number of samples of the target class.',
  formula: 'w_y\\,\\ell,\\quad w_j \\propto \\frac{1-\\beta}{1-\\beta^{n_j}},\\ \\sum_j w_j = C',
  inputs: 'the inner loss’s inputs; class counts as a parameter',
  params: [
    { name: 'classCounts', default: null, range: 'numbers >= 1, one per class', description: 'Training examples per class; required.' },
    { name: 'beta', default: 0.9999, range: { min: 0, max: 1, maxExclusive: true }, description: 'Effective-number hyperparameter.' },
  ],
  paper: {
    title: 'Class-Balanced Loss Based on Effective Number of Samples',
    authors: 'Yin Cui, Menglin Jia, Tsung-Yi Lin, Yang Song, Serge Belongie',
    year: 2019,
    url: 'arXiv:1901.05555',
  },
  example:
    "import { compile, ce } from '@losskit/core';\nimport { classBalanced } from '@losskit/losses';\nconst loss = compile(classBalanced(ce(), { classCounts: [5000, 500, 50], beta: 0.999 }));\nloss([0, 2], [[2, 1, 0], [0, 1, 3]]);",
  dsl: "classBalanced(ce(), { classCounts: [5000, 500, 50], beta: 0.9999 })",
});
