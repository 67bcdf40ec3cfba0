import { type Expr, logProb, params } from '@losskit/core';
import { TORCH, standardEntry } from './entry.js';
import { classWeights, smoothedTargets } from './primitives.js';

/** Options of {@link weightedCrossEntropy}. */
export interface WeightedCrossEntropyOptions {
  /** One weight per class (torch `weight`): an array, or a class-level term such as `input('weight', 'class')`. Default none (all 1). */
  readonly weight?: readonly number[] | Expr<'class', 'any'>;
  /** Label smoothing ε ∈ [0, 1]. Default 0. */
  readonly labelSmoothing?: number;
}

/**
 * Cross-entropy from logits with class weights and label smoothing as torch `CrossEntropyLoss(weight=w,
 * label_smoothing=ε)` combines them: the smoothed target `ỹ = (1 − ε) y + ε/C` is weighted **per class**,
 * `l = −Σ_c w_c ỹ_c log softmax(z)_c`, which for a label `y` is `(1 − ε) w_y (−log p_y) + (ε/C) Σ_c w_c (−log p_c)`
 * (torch's `cross_entropy_loss_label_smoothing`: the smoothing term is weighted by every class's own weight, not
 * by `w_y`). The same formula holds for soft targets. torch's `'mean'` divides by `Σ_i w_{y_i}` over
 * the non-ignored samples: use `/torch` `crossEntropy` (with `ignoreIndex`), or compile with
 * `reduction: 'weightedMean'` and `sampleWeight` `w_{y_i}`.
 * Shapes: logits `[B, C]`, labels `[B]` or targets `[B, C]` → `[B]`.
 *
 * @example compile(weightedCrossEntropy({ weight: [1, 2, 0.5], labelSmoothing: 0.1 }))([0, 2], logits)
 * @see Szegedy et al., "Rethinking the Inception Architecture for Computer Vision" (2016); torch.nn.CrossEntropyLoss.
 */
export function weightedCrossEntropy(options: WeightedCrossEntropyOptions = {}): Expr<'sample', 'any'> {
  const eps = params.closedUnitInterval('labelSmoothing', options.labelSmoothing ?? 0);
  const terms = smoothedTargets(eps, 'categorical').times(logProb());
  if (options.weight === undefined) return terms.sum().neg();
  return terms.times(classWeights(options.weight, 'weight')).sum().neg();
}

export const weightedCrossEntropyEntry = standardEntry({
  id: 'weighted-cross-entropy',
  name: 'Class-weighted, label-smoothed cross-entropy (torch semantics)',
  export: 'weightedCrossEntropy',
  category: 'classification',
  summary: 'Cross-entropy with per-class weights applied to each class of the smoothed target, as torch CrossEntropyLoss(weight, label_smoothing) does.',
  formula: '-\\sum_c w_c \\left((1-\\epsilon) y_c + \\tfrac{\\epsilon}{C}\\right) \\log \\operatorname{softmax}(z)_c',
  inputs: 'logits [B, C], labels [B] or targets [B, C]',
  params: [
    { name: 'weight', default: null, description: 'Per-class weights w (length C, each >= 0).' },
    { name: 'labelSmoothing', default: 0, range: { min: 0, max: 1 }, description: 'Label smoothing ε.' },
  ],
  paper: TORCH,
  example: "import { compile } from '@losskit/core';\nimport { weightedCrossEntropy } from '@losskit/losses';\nconst loss = compile(weightedCrossEntropy({ weight: [1, 2, 0.5], labelSmoothing: 0.1 }))([0, 2], [[2, 1, 0], [0, 1, 3]]);",
  dsl: 'weightedCrossEntropy({ weight: [1, 2, 0.5], labelSmoothing: 0.1 })',
});
