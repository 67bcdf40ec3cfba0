import { type Expr, yPred, yTrue } from '@losskit/core';
import { TORCH, standardEntry } from './entry.js';

/**
 * Soft margin loss, torch `SoftMarginLoss`: the two-class logistic loss `log(1 + exp(−y x))`, elementwise with
 * `y ∈ {1, −1}`, averaged over the last axis (one value per sample). Computed as `softplus(−y x)`, which stays
 * finite where torch's `log1p(exp(−y x))` overflows (`y x < −88` in float32).
 * Shapes: scores `[B, C]`, targets `[B, C]` of ±1 → `[B]`.
 *
 * @example compile(softMargin())([[1, -1]], [[0.3, 2]])
 * @see torch.nn.SoftMarginLoss.
 */
export function softMargin(): Expr<'sample', 'any'> {
  return yTrue().times(yPred()).neg().softplus().mean();
}

export const softMarginEntry = standardEntry({
  id: 'soft-margin',
  name: 'Soft margin loss',
  export: 'softMargin',
  category: 'classification',
  summary: 'Two-class logistic loss log(1 + e^{−yx}) with ±1 targets (torch SoftMarginLoss).',
  formula: '\\frac{1}{C}\\sum_j \\log\\left(1 + e^{-y_j x_j}\\right)',
  inputs: 'scores [B, C], targets [B, C] of ±1',
  params: [],
  paper: TORCH,
  example: "import { compile } from '@losskit/core';\nimport { softMargin } from '@losskit/losses';\nconst loss = compile(softMargin())([[1, -1], [-1, 1]], [[0.3, 2], [-1, 0.5]]);",
  dsl: 'yTrue().times(yPred()).neg().softplus().mean()',
});
