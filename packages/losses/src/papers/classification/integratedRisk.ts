import { classConstant, defineEntry, type Expr, logit, LosskitError, params, yTrue } from '@losskit/core';
import { checkCounts } from './classCounts.js';
import { ldamMargins } from './ldam.js';

// Written from the authors' code: github.com/lblaoke/LBD at bab328d5cb4005e79142c2d789e3269d0eed2401,
// model/loss.py (`VariationalE`: `_modify_logits`, `forward`, `cls_weight_init(option='linear')`) and the
// CIFAR-100-LT config configs/cifar100_lt.json (alpha 0.3, reweight_epoch 160). The particles' covariance term
// (`- exp(-epoch/tau) logdet/2` over the ensemble members' last-layer weights) is a regularizer of the network's
// parameters, not of the logits, and is left to the caller.

/** Options of {@link integratedRisk}. */
export interface IntegratedRiskOptions {
  /**
   * Training examples per class, `n_j ≥ 1`, classes indexed from head to tail (non-increasing counts), as in the
   * authors' long-tailed datasets: the utility counts class `c` as a "head" class of label `y` when `c < y`. Required.
   */
  readonly classCounts: readonly number[];
  /** α > 0: the utility (false-head) term is weighted `1/α`. Default 0.3 (the authors' CIFAR-100-LT config). */
  readonly alpha?: number;
  /** Largest margin `max_j m_j` (that of the rarest class), `m_j ∝ n_j^{-1/4}`. Default 0.5. */
  readonly maxMargin?: number;
  /** Factor of the margin subtracted from the target logit, `z_y − k m_y`. Default 30 (hard-coded by the authors). */
  readonly marginScale?: number;
  /**
   * The re-weighted stage (the authors' epochs after `reweight_epoch`): class weights `w_j = 1/n_j` on the
   * cross-entropy and the utility term. `false` is the warm-up stage: the plain mean of the margin cross-entropy
   * (no weights, no utility). Default true.
   */
  readonly reweight?: boolean;
  /** Add the utility (false-head) term in the re-weighted stage. Default true. */
  readonly utility?: boolean;
}

/**
 * Integrated risk of "Long-tailed Classification from a Bayesian-decision-theory Perspective" (Li & Zhang), one
 * ensemble member's (particle's) loss as in the authors' code. With the margin logits
 * `h = z − k m_y e_y` (`m_j = C/n_j^{1/4}`, `max_j m_j = maxMargin`, `k = 30`), `log p = log softmax(h)` and class
 * weights `w_j = 1/n_j`, the batch value is
 * `Σ_i w_{y_i} (−log p_{i,y_i}) / Σ_i w_{y_i} + (1/α)(1/B) Σ_i Σ_{c<y_i} w_c log p_{i,c}`:
 * the class-weighted cross-entropy (torch's `F.cross_entropy(weight=w)`, normalized by the batch's weights) plus
 * the utility term with utility −1 for predicting a head class `c < y` of a tail sample, which lowers the
 * probability of false head predictions (the False Head Rate). The utility term is not bounded below (it tends to
 * −∞ as those probabilities go to 0), as in the authors' code. `reweight: false` gives the warm-up stage
 * `(1/B) Σ_i −log p_{i,y_i}`. Labels `[B]` (or one-hot `[B, C]`), logits `[B, C]` → a batch-level scalar.
 *
 * @example `compile(integratedRisk({ classCounts: [500, 50, 5] }))(labels, logits)`
 * @see Bolian Li, Ruqi Zhang, "Long-tailed Classification from a Bayesian-decision-theory Perspective",
 * Symposium on Advances in Approximate Bayesian Inference 2023 (openreview.net/forum?id=sz7d2cKXVb); code
 * github.com/lblaoke/LBD (model/loss.py).
 */
export function integratedRisk(options: IntegratedRiskOptions): Expr<'batch', 'logits'> {
  const counts = checkCounts(options?.classCounts);
  const unsorted = counts.findIndex((n, j) => j > 0 && n > counts[j - 1]!);
  if (unsorted > 0) {
    throw new LosskitError('INVALID_PARAMETER', 'class counts must run from head to tail', {
      argument: 'classCounts',
      expected: 'non-increasing counts (classes indexed from the most to the least frequent; reorder the classes)',
      received: `[${counts.join(', ')}] (class ${unsorted} has more examples than class ${unsorted - 1})`,
    });
  }
  const alpha = params.positive('alpha', options.alpha ?? 0.3);
  const k = params.positive('marginScale', options.marginScale ?? 30);
  const reweight = params.boolean('reweight', options.reweight ?? true);
  const useUtility = params.boolean('utility', options.utility ?? true);
  const margins = ldamMargins(counts, options.maxMargin ?? 0.5);
  const logP = logit().minus(yTrue().times(classConstant(margins.map((m) => k * m), 'm'))).logSoftmax();
  const nll = logP.target().neg();
  if (!reweight) return nll.mean();
  const w = classConstant(counts.map((n) => 1 / n), 'w');
  const wy = w.target();
  const weightedCe = nll.times(wy).sum().div(wy.sum());
  if (!useUtility) return weightedCe;
  // Head classes of each row: c < y, i.e. clip(y − c, 0, 1) on the class indices.
  const index = classConstant(counts.map((_n, j) => j), 'j');
  const head = index.target().expand().minus(index).clip(0, 1);
  const utility = head.times(w).times(logP).sum();
  return weightedCe.plus(utility.mean().scale(1 / alpha));
}

export const integratedRiskEntry = defineEntry({
  id: 'integrated-risk',
  name: 'Integrated risk (Bayesian decision theory, long-tailed)',
  package: '@losskit/losses',
  export: 'integratedRisk',
  category: 'classification',
  summary:
    'Class-weighted (1/n) margin cross-entropy plus a utility term that penalizes predicting head classes for tail samples (False Head Rate), from the authors’ code.',
  formula:
    '\\frac{\\sum_i w_{y_i}(-\\log p_{i,y_i})}{\\sum_i w_{y_i}} + \\frac{1}{\\alpha B}\\sum_i \\sum_{c<y_i} w_c \\log p_{i,c},\\quad p_i = \\mathrm{softmax}(z_i - 30\\, m_{y_i} e_{y_i}),\\ w_c = \\frac{1}{n_c},\\ m_c \\propto n_c^{-1/4}',
  inputs: 'logits [B, C]; labels [B] or one-hot targets [B, C]; classes indexed from head to tail',
  params: [
    { name: 'classCounts', default: null, range: 'numbers >= 1, one per class, non-increasing', description: 'Training examples per class, head to tail; required.' },
    { name: 'alpha', default: 0.3, range: { min: 0, minExclusive: true }, description: 'The utility term is weighted 1/alpha.' },
    { name: 'maxMargin', default: 0.5, range: { min: 0, minExclusive: true }, description: 'Margin of the rarest class.' },
    { name: 'marginScale', default: 30, range: { min: 0, minExclusive: true }, description: 'Factor of the margin subtracted from the target logit.' },
    { name: 'reweight', default: true, range: 'true or false', description: 'Re-weighted stage (weights 1/n and utility); false: warm-up stage, plain margin CE.' },
    { name: 'utility', default: true, range: 'true or false', description: 'Add the false-head utility term in the re-weighted stage.' },
  ],
  paper: {
    title: 'Long-tailed Classification from a Bayesian-decision-theory Perspective',
    authors: 'Bolian Li, Ruqi Zhang',
    year: 2023,
    url: 'https://openreview.net/forum?id=sz7d2cKXVb',
  },
  example:
    "import { compile } from '@losskit/core';\nimport { integratedRisk } from '@losskit/losses';\nconst loss = compile(integratedRisk({ classCounts: [500, 50, 5] }));\nloss([0, 2], [[2, 1, 0], [0, 1, 3]]);",
  dsl: 'integratedRisk({ classCounts: [500, 50, 5] })',
});
