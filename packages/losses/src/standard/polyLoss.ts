import { type Expr, ce, params, prob, yTrue } from '@losskit/core';
import { standardEntry } from './entry.js';

/** Options of {@link polyLoss}. */
export interface PolyLossOptions {
  /** ε of the first polynomial term (any real; the paper uses ε = 1 and searches negative values too). Default 1. */
  readonly epsilon?: number;
}

/**
 * Poly-1 loss, one value per sample: `l = CE + ε Σ_j y_j (1 - p_j)`, with `CE = -Σ_j y_j log p_j`. For a one-hot
 * target this is `-log p_t + ε (1 - p_t)`; for soft targets it is optax's `poly_loss_cross_entropy`
 * (google-deepmind/optax `optax/losses/_classification.py`), which differs from `ε (1 - Σ_j y_j p_j)` when the
 * targets do not sum to 1. Shapes: logits `[B, C]`, labels `[B]` or targets `[B, C]` → `[B]`.
 *
 * @example compile(polyLoss({ epsilon: 1 }))(labels, logits)
 * @see Leng et al., "PolyLoss: A Polynomial Expansion Perspective of Classification Loss Functions" (ICLR 2022).
 */
export function polyLoss(options: PolyLossOptions = {}): Expr<'sample', 'any'> {
  const epsilon = params.finite('epsilon', options.epsilon ?? 1);
  return ce().plus(yTrue().times(prob().neg().plus(1)).sum().scale(epsilon));
}

export const polyLossEntry = standardEntry({
  id: 'poly-loss',
  name: 'Poly-1 loss',
  export: 'polyLoss',
  category: 'classification',
  summary: 'Cross-entropy plus ε Σ y_j(1 − p_j) (ε(1 − p_t) for one-hot targets), the first term of its polynomial expansion re-weighted; optax semantics for soft targets.',
  formula: '-\\sum_j y_j \\log p_j + \\epsilon \\sum_j y_j (1 - p_j)',
  inputs: 'logits [B, C], labels [B] or targets [B, C]',
  params: [{ name: 'epsilon', default: 1, description: 'Weight of the first polynomial term.' }],
  paper: { title: 'PolyLoss: A Polynomial Expansion Perspective of Classification Loss Functions', authors: 'Zhaoqi Leng, Mingxing Tan, Chenxi Liu, Ekin Dogus Cubuk, Xiaojie Shi, Shuyang Cheng, Dragomir Anguelov', year: 2022, url: 'https://arxiv.org/abs/2204.12511' },
  example: "import { compile } from '@losskit/core';\nimport { polyLoss } from '@losskit/losses';\nconst loss = compile(polyLoss())([0], [[2, 1, 0]]);",
  dsl: "ce().plus(yTrue().times(prob().neg().plus(1)).sum().scale(1))",
});
