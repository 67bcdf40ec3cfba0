import { type Expr, logit, yTrue } from '@losskit/core';
import { TORCH, standardEntry } from './entry.js';
import { classWeights } from './primitives.js';

/** Options of {@link multiLabelSoftMargin}. */
export interface MultiLabelSoftMarginOptions {
  /** One weight per class multiplying its term before the mean (torch `weight`): an array or a class-level term. Default none. */
  readonly weight?: readonly number[] | Expr<'class', 'any'>;
}

/**
 * Multi-label soft margin loss, torch `MultiLabelSoftMarginLoss`, one value per sample:
 * `l = -(1/C) Σ_j w_j [y_j log σ(x_j) + (1 - y_j) log σ(-x_j)]` (stable log-sigmoids; needs logits; `w_j = 1`
 * without class weights).
 * Shapes: logits `[B, C]`, multi-hot targets `[B, C]` → `[B]`.
 *
 * @example compile(multiLabelSoftMargin())([[1, 0, 1]], [[2, -1, 0.5]])
 * @see torch.nn.MultiLabelSoftMarginLoss.
 */
export function multiLabelSoftMargin(options: MultiLabelSoftMarginOptions = {}): Expr<'sample', 'logits'> {
  const y = yTrue();
  // -log σ(x) = softplus(-x), -log σ(-x) = softplus(x): stable for any x.
  const terms = y.times(logit().neg().softplus()).plus(y.neg().plus(1).times(logit().softplus()));
  return (options.weight === undefined ? terms : terms.times(classWeights(options.weight, 'weight'))).mean();
}

export const multiLabelSoftMarginEntry = standardEntry({
  id: 'multi-label-soft-margin',
  name: 'Multi-label soft margin',
  export: 'multiLabelSoftMargin',
  category: 'classification',
  summary: 'Mean over classes of the sigmoid cross-entropy (torch MultiLabelSoftMarginLoss).',
  formula: '-\\frac{1}{C}\\sum_j y_j\\log\\sigma(x_j) + (1-y_j)\\log\\sigma(-x_j)',
  inputs: 'logits [B, C], multi-hot targets [B, C]',
  params: [{ name: 'weight', default: null, description: 'Per-class weights w (length C).' }],
  paper: TORCH,
  example: "import { compile } from '@losskit/core';\nimport { multiLabelSoftMargin } from '@losskit/losses';\nconst loss = compile(multiLabelSoftMargin())([[1, 0, 1]], [[2, -1, 0.5]]);",
  dsl: 'yTrue().times(logit().neg().softplus()).plus(yTrue().neg().plus(1).times(logit().softplus())).mean()',
});
