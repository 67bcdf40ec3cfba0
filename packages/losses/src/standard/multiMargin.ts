import { type Expr, LosskitError, params, yPred, yTrue } from '@losskit/core';
import { TORCH, standardEntry } from './entry.js';
import { classWeights } from './primitives.js';

/** Options of {@link multiMargin}. */
export interface MultiMarginOptions {
  /** Exponent p ∈ {1, 2}. Default 1 (torch). */
  readonly p?: 1 | 2;
  /** Margin. Default 1. */
  readonly margin?: number;
  /** One weight per class (torch `weight`): the loss of class `y` is multiplied by `w_y`. An array or a class-level term. Default none. */
  readonly weight?: readonly number[] | Expr<'class', 'any'>;
}

/**
 * Multi-class margin (hinge) loss, torch `MultiMarginLoss`, one value per sample:
 * `l = (1/C) Σ_{j≠y} max(0, margin - x_y + x_j)^p` (note the 1/C over all classes, as torch), times `w_y` with
 * class weights (torch multiplies each hinge term by `weight[y]` after the power).
 * Shapes: scores `[B, C]`, labels `[B]` → `[B]`.
 *
 * @example compile(multiMargin({ p: 2 }))(labels, scores)
 * @see Crammer, Singer, "On the Algorithmic Implementation of Multiclass Kernel-based Vector Machines" (JMLR 2001); torch.nn.MultiMarginLoss.
 */
export function multiMargin(options: MultiMarginOptions = {}): Expr<'sample', 'any'> {
  const p = options.p ?? 1;
  if (p !== 1 && p !== 2) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'p', expected: '1 or 2', received: String(p) });
  }
  const margin = params.finite('margin', options.margin ?? 1);
  const x = yPred();
  const loss = x.minus(x.target().expand()).plus(margin).relu().pow(p).where(yTrue().neg().plus(1)).mean();
  return options.weight === undefined ? loss : loss.times(classWeights(options.weight, 'weight').target());
}

export const multiMarginEntry = standardEntry({
  id: 'multi-margin',
  name: 'Multi-class margin loss',
  export: 'multiMargin',
  category: 'classification',
  summary: 'Sum over wrong classes of the hinge (margin − x_y + x_j)^p, divided by C (torch MultiMarginLoss).',
  formula: '\\frac{1}{C}\\sum_{j\\neq y} \\max(0, m - x_y + x_j)^p',
  inputs: 'scores [B, C], labels [B]',
  params: [
    { name: 'p', default: 1, range: '1 | 2', description: 'Exponent of the hinge.' },
    { name: 'margin', default: 1, description: 'Margin m.' },
    { name: 'weight', default: null, description: 'Per-class weights w (length C); the loss of class y is scaled by w_y.' },
  ],
  paper: TORCH,
  example: "import { compile } from '@losskit/core';\nimport { multiMargin } from '@losskit/losses';\nconst loss = compile(multiMargin())([3], [[0.1, 0.2, 0.4, 0.8]]);",
  dsl: "multiMargin({ p: 1, margin: 1 })",
});
