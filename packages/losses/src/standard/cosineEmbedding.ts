import { type Expr, input, params, yPred, yTrue } from '@losskit/core';
import { TORCH, standardEntry } from './entry.js';

/** Options of {@link cosineEmbedding}. */
export interface CosineEmbeddingOptions {
  /** Margin for dissimilar pairs (torch suggests [0, 0.5]; any finite number is accepted, as torch does). Default 0. */
  readonly margin?: number;
}

/** torch's `EPSILON` added to each squared norm in `cosine_embedding_loss` (aten/src/ATen/native/Loss.cpp). */
const TORCH_COS_EPS = 1e-12;

/**
 * Cosine embedding loss, torch `CosineEmbeddingLoss`, one value per pair of rows: with
 * `cos = Σ x1·x2 / (√(Σ x1² + ε) √(Σ x2² + ε))`, `ε = 1e-12`,
 * `l = 1 − cos` where the target is 1, `max(0, cos − margin)` where it is −1, and 0 for any other target value
 * (torch's `where(target == 1, …) + where(target == −1, …)`).
 * Shapes: `x1` = `yPred` `[B, D]`, `x2` = `yTrue` `[B, D]` (the pair partner, passed as dense targets),
 * `inputs.target` `[B]` of ±1 → `[B]`.
 *
 * @example compile(cosineEmbedding({ margin: 0.2 }))(x2, x1, { inputs: { target: [1, -1] } })
 * @see torch.nn.CosineEmbeddingLoss.
 */
export function cosineEmbedding(options: CosineEmbeddingOptions = {}): Expr<'sample', 'any'> {
  const margin = params.finite('margin', options.margin ?? 0);
  const x1 = yPred();
  const x2 = yTrue();
  const cos = x1.times(x2).sum().div(x1.pow(2).sum().plus(TORCH_COS_EPS).sqrt().times(x2.pow(2).sum().plus(TORCH_COS_EPS).sqrt()));
  const t = input('target', 'sample');
  const similar = cos.neg().plus(1);
  const dissimilar = cos.minus(margin).relu();
  // x.minus(x.where(m)) keeps x exactly where m = 0: the similar term where t = 1, the dissimilar one where t = −1.
  return similar.minus(similar.where(t.minus(1))).plus(dissimilar.minus(dissimilar.where(t.plus(1))));
}

export const cosineEmbeddingEntry = standardEntry({
  id: 'cosine-embedding',
  name: 'Cosine embedding loss',
  export: 'cosineEmbedding',
  category: 'embedding',
  summary: 'Pulls pairs with target 1 to cosine 1 and pushes pairs with target −1 below a margin (torch CosineEmbeddingLoss).',
  formula: 'l = \\begin{cases} 1 - \\cos(x_1, x_2) & t = 1\\\\ \\max(0, \\cos(x_1, x_2) - m) & t = -1 \\end{cases},\\ \\cos = \\frac{\\sum x_1 x_2}{\\sqrt{(\\sum x_1^2 + \\epsilon)(\\sum x_2^2 + \\epsilon)}}',
  inputs: 'x1 [B, D] (yPred), x2 [B, D] (yTrue), inputs.target [B] of ±1',
  params: [{ name: 'margin', default: 0, description: 'Margin m for target −1 (torch suggests 0 to 0.5).' }],
  paper: TORCH,
  example: "import { compile } from '@losskit/core';\nimport { cosineEmbedding } from '@losskit/losses';\nconst loss = compile(cosineEmbedding())([[1, 0.5], [0.2, -1]], [[0.9, 0.3], [0.5, 0.4]], { inputs: { target: [1, -1] } });",
  dsl: 'cosineEmbedding({ margin: 0 })',
});
