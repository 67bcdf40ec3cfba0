import { type Expr, params, yPred, yTrue } from '@losskit/core';
import { TORCH, standardEntry } from './entry.js';

/** Options of {@link hingeEmbedding}. */
export interface HingeEmbeddingOptions {
  /** Margin Δ. Default 1 (torch). */
  readonly margin?: number;
}

/**
 * Hinge embedding loss, torch `HingeEmbeddingLoss`, elementwise then averaged over the last axis (one value per
 * sample): `x` where the target is 1, `max(0, Δ − x)` where it is −1 (`x` is typically a distance), written as torch
 * computes it: `where(y ≠ 1, max(0, Δ − x), 0) + where(y ≠ −1, x, 0)`.
 * Shapes: `yPred` `[B, C]`, targets `[B, C]` of ±1 → `[B]`.
 *
 * @example compile(hingeEmbedding())([[1, -1]], [[0.3, 0.4]])
 * @see torch.nn.HingeEmbeddingLoss.
 */
export function hingeEmbedding(options: HingeEmbeddingOptions = {}): Expr<'sample', 'any'> {
  const margin = params.finite('margin', options.margin ?? 1);
  const x = yPred();
  return x.neg().plus(margin).relu().where(yTrue().minus(1)).plus(x.where(yTrue().plus(1))).mean();
}

export const hingeEmbeddingEntry = standardEntry({
  id: 'hinge-embedding',
  name: 'Hinge embedding loss',
  export: 'hingeEmbedding',
  category: 'embedding',
  summary: 'x for similar pairs (target 1), max(0, Δ − x) for dissimilar ones (target −1); x is usually a distance (torch HingeEmbeddingLoss).',
  formula: 'l = \\begin{cases} x & y = 1\\\\ \\max(0, \\Delta - x) & y = -1 \\end{cases}',
  inputs: 'distances x [B, C] (yPred), targets [B, C] of ±1',
  params: [{ name: 'margin', default: 1, description: 'Margin Δ.' }],
  paper: TORCH,
  example: "import { compile } from '@losskit/core';\nimport { hingeEmbedding } from '@losskit/losses';\nconst loss = compile(hingeEmbedding())([[1, -1], [-1, 1]], [[0.3, 0.4], [1.5, 0.2]]);",
  dsl: 'hingeEmbedding({ margin: 1 })',
});
