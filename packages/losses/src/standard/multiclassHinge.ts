import { type Expr, yPred, yTrue } from '@losskit/core';
import { standardEntry } from './entry.js';

/**
 * Crammer–Singer multiclass hinge loss, one value per sample: `l = max_j (s_j + 1 − y_j) − s_y`, with `y_j` the
 * one-hot target. Equal to `max(0, 1 + max_{j≠y} s_j − s_y)`: zero once the target score leads every other score
 * by at least 1. Differs from Keras' `categoricalHinge` (which floors the negative scores at 0) and from torch's
 * `MultiMarginLoss` (a mean over the classes). For soft targets `[B, C]` the target term is `Σ_j y_j s_j`.
 * Scores `[B, C]`, labels `[B]` or one-hot targets `[B, C]` → `[B]`. Its subgradient at a tie of maxima is shared.
 *
 * optax `multiclass_hinge_loss(scores, labels)`: `max(scores + 1 − one_hot(labels)) − dot(scores, one_hot(labels))`
 * (google-deepmind/optax `optax/losses/_classification.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5).
 *
 * @example compile(multiclassHinge())([1, 0], [[10, 3], [11, -2]]) // per sample [8, 0]
 * @see Crammer, Singer, "On the Algorithmic Implementation of Multiclass Kernel-based Vector Machines", JMLR 2001.
 */
export function multiclassHinge(): Expr<'sample', 'any'> {
  return yPred().plus(1).minus(yTrue()).max().minus(yPred().target());
}

export const multiclassHingeEntry = standardEntry({
  id: 'multiclass-hinge',
  name: 'Multiclass hinge (Crammer–Singer)',
  export: 'multiclassHinge',
  category: 'classification',
  summary: 'max_j(s_j + 1 − y_j) − s_y: zero once the target score leads every other score by 1 (optax multiclass_hinge_loss).',
  formula: '\\max_j \\left(s_j + 1 - y_j\\right) - s_y',
  inputs: 'scores [B, C], labels [B] or one-hot targets [B, C]',
  params: [],
  paper: {
    title: 'On the Algorithmic Implementation of Multiclass Kernel-based Vector Machines',
    authors: 'Koby Crammer, Yoram Singer',
    year: 2001,
    url: 'https://www.jmlr.org/papers/v2/crammer01a.html',
  },
  example: "import { compile } from '@losskit/core';\nimport { multiclassHinge } from '@losskit/losses';\nconst loss = compile(multiclassHinge())([1, 0], [[10, 3], [11, -2]]); // mean of [8, 0]",
  dsl: 'yPred().plus(1).minus(yTrue()).max().minus(yPred().target())',
});
