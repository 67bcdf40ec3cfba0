import { type Expr, params } from '@losskit/core';
import { standardEntry } from './entry.js';
import { KERAS_COMPLEMENT_FLOOR, KERAS_EPSILON, binaryProb, binaryProbComplement, smoothedTargets } from './primitives.js';

/** Options of {@link binaryFocalCrossentropy}. */
export interface BinaryFocalCrossentropyOptions {
  /** Multiply by `α` for positives and `1-α` for negatives. Default false (Keras). */
  readonly applyClassBalancing?: boolean;
  /** Class-balancing weight of positives, in [0, 1]. Default 0.25. */
  readonly alpha?: number;
  /** Focusing exponent γ ≥ 0. Default 2. */
  readonly gamma?: number;
  /** ε ∈ [0, 1]: targets become `y(1-ε) + ε/2`. Default 0. */
  readonly labelSmoothing?: number;
}

/**
 * Binary (sigmoid) focal cross-entropy as Keras computes it, mean over the last axis, one value per sample:
 * with `p = σ(z)` (or the given probabilities), `ỹ = y(1-ε) + ε/2`, `p_t = ỹ p + (1-ỹ)(1-p)`,
 * `l = (1/C) Σ_j w_j (1 - p_t)^γ · BCE(ỹ, clip(p, 1e-7, 1-1e-7))`, `w = ỹα + (1-ỹ)(1-α)` when
 * `applyClassBalancing`, else 1. Note that Keras clips `p` inside the BCE even from logits.
 * Shapes: `[B, C]` → `[B]`.
 *
 * @example compile(binaryFocalCrossentropy({ gamma: 2 }))(multiHot, logits)
 * @see Lin, Goyal, Girshick, He, Dollár, "Focal Loss for Dense Object Detection" (ICCV 2017).
 */
export function binaryFocalCrossentropy(options: BinaryFocalCrossentropyOptions = {}): Expr<'sample', 'any'> {
  const alpha = params.closedUnitInterval('alpha', options.alpha ?? 0.25);
  const gamma = params.nonNegative('gamma', options.gamma ?? 2);
  const ls = params.closedUnitInterval('labelSmoothing', options.labelSmoothing ?? 0);
  const t = smoothedTargets(ls, 'binary');
  const notT = t.neg().plus(1);
  // Keras: BCE(ỹ, clip(p)) with log(1 − clip(p, ε, 1 − ε)) = log clip(1 − p, ε, 1 − ε), and the focal factor
  // 1 − p_t = ỹ(1 − p) + (1 − ỹ)p; 1 − p is σ(−z) from logits (1 − σ(z) in float32 loses the digits at |z| > 9).
  const p = binaryProb();
  const notP = binaryProbComplement();
  const bce = t.times(p.clip(KERAS_EPSILON, 1 - KERAS_EPSILON).log()).plus(notT.times(notP.clip(KERAS_COMPLEMENT_FLOOR, 1 - KERAS_EPSILON).log())).neg();
  const oneMinusPt = t.times(notP).plus(notT.times(p));
  const focal = oneMinusPt.pow(gamma).times(bce);
  const weighted = params.boolean('applyClassBalancing', options.applyClassBalancing ?? false) ? t.scale(alpha).plus(notT.scale(1 - alpha)).times(focal) : focal;
  return weighted.mean();
}

export const binaryFocalCrossentropyEntry = standardEntry({
  id: 'binary-focal-crossentropy',
  name: 'Binary focal cross-entropy',
  export: 'binaryFocalCrossentropy',
  category: 'classification',
  summary: 'Sigmoid BCE down-weighted by (1 − p_t)^γ, optional α balancing (Keras BinaryFocalCrossentropy).',
  formula: '\\frac{1}{C}\\sum_j w_j (1-p_{t,j})^{\\gamma}\\,\\mathrm{BCE}(\\tilde y_j, p_j)',
  inputs: 'logits or probabilities [B, C], binary targets [B, C]',
  params: [
    { name: 'applyClassBalancing', default: false, description: 'Weight positives by α and negatives by 1 − α.' },
    { name: 'alpha', default: 0.25, range: { min: 0, max: 1 }, description: 'Weight of the positive class.' },
    { name: 'gamma', default: 2, range: { min: 0 }, description: 'Focusing exponent.' },
    { name: 'labelSmoothing', default: 0, range: { min: 0, max: 1 }, description: 'ε of y(1 − ε) + ε/2.' },
  ],
  paper: { title: 'Focal Loss for Dense Object Detection', authors: 'Tsung-Yi Lin, Priya Goyal, Ross Girshick, Kaiming He, Piotr Dollár', year: 2017, url: 'https://arxiv.org/abs/1708.02002' },
  example: "import { compile } from '@losskit/core';\nimport { binaryFocalCrossentropy } from '@losskit/losses';\nconst loss = compile(binaryFocalCrossentropy({ gamma: 2 }))([[1, 0]], [[2.0, -1.0]]);",
  dsl: "binaryFocalCrossentropy({ alpha: 0.25, gamma: 2 })",
});
