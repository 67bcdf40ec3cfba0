import { type Expr, params, yPred, yTrue } from '@losskit/core';
import { standardEntry } from './entry.js';

/** Options of {@link cosineDistance}. */
export interface CosineDistanceOptions {
  /**
   * Floor ε ≥ 0 on the squared norms (not the norms): `x / sqrt(max(Σx², ε))`, so the smallest effective norm is
   * `√ε`. Default 0 (optax): a zero vector then gives 0/0, a `NON_FINITE_OUTPUT`; pass ε > 0 to allow it.
   */
  readonly epsilon?: number;
  /** A class-level mask (non-zero = include), e.g. `input('where', 'class')`: optax's `where` for the norms and the dot product. */
  readonly where?: Expr<'class', 'any'>;
}

/**
 * `cos(ŷ, y) = Σ_j ŷ_j y_j / (sqrt(max(Σ ŷ², ε)) sqrt(max(Σ y², ε)))`, one value per sample, with optax's sign
 * (+cos) and ε on the squared norms: optax `cosine_similarity(predictions, targets, *, epsilon=0., axis=-1, where=None)`
 * (google-deepmind/optax `optax/losses/_regression.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5). With `where`,
 * the norms and the dot product run over the included entries. `@internal` the similarity behind {@link cosineDistance}.
 */
export function cosineSimilarityTerm(options: CosineDistanceOptions = {}): Expr<'sample', 'any'> {
  const epsilon = params.nonNegative('epsilon', options.epsilon ?? 0);
  const where = options.where;
  const masked = (x: Expr<'class', 'any'>) => (where ? x.where(where) : x);
  const unit = (x: Expr<'class', 'any'>) => x.div(masked(x.pow(2)).sum().maximum(epsilon).sqrt().expand());
  return masked(unit(yPred()).times(unit(yTrue()))).sum();
}

/**
 * Cosine distance, one value per sample: `l = 1 − cos(ŷ, y)` with `cos = Σ ŷ y / (sqrt(max(Σŷ², ε)) sqrt(max(Σy², ε)))`:
 * 0 for aligned vectors, 1 for orthogonal, 2 for opposite; invariant to the scale of either vector. optax's sign and ε
 * (default 0, on the squared norms): `cosine_distance(predictions, targets, *, epsilon=0., axis=-1, where=None)` =
 * `1 − cosine_similarity` (google-deepmind/optax `optax/losses/_regression.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5).
 * Keras' `cosineSimilarity()` is `−cos` with its norms floored at 1e-7 instead. With ε = 0 a zero vector gives 0/0
 * (`NON_FINITE_OUTPUT`); with ε > 0 it gives 1 and a finite gradient. Shapes: `[B, C]` → `[B]`.
 *
 * @example compile(cosineDistance())([[0, 1.2, 0.2]], [[10, 1, -2]]) // 0.9358252
 * @see Wikipedia, "Cosine similarity" (cosine distance); optax `cosine_distance`.
 */
export function cosineDistance(options: CosineDistanceOptions = {}): Expr<'sample', 'any'> {
  return cosineSimilarityTerm(options).neg().plus(1);
}

export const cosineDistanceEntry = standardEntry({
  id: 'cosine-distance',
  name: 'Cosine distance',
  export: 'cosineDistance',
  category: 'regression',
  summary: '1 − cos(ŷ, y) with ε on the squared norms (optax cosine_distance; cosine_similarity is 1 minus it).',
  formula: '1 - \\frac{\\sum_j \\hat y_j y_j}{\\sqrt{\\max(\\sum_j \\hat y_j^2, \\epsilon)}\\sqrt{\\max(\\sum_j y_j^2, \\epsilon)}}',
  inputs: 'predictions [B, C], targets [B, C]',
  params: [{ name: 'epsilon', default: 0, range: { min: 0 }, description: 'Floor on the squared norms (optax default 0: a zero vector is an error; > 0 makes it give 1).' }],
  paper: { title: 'Optax: cosine_distance (optax.losses)', authors: 'DeepMind et al.', year: 2020, url: 'https://github.com/google-deepmind/optax/blob/2edbcbe2390da13983b92cbef94ac0460ecde1c5/optax/losses/_regression.py' },
  example: "import { compile } from '@losskit/core';\nimport { cosineDistance } from '@losskit/losses';\nconst loss = compile(cosineDistance())([[0, 1.2, 0.2], [1, -0.3, 0]], [[10, 1, -2], [1, 4, 0.2]]); // mean of [0.9358, 1.0464]",
  dsl: 'cosineDistance({ epsilon: 0 })',
});
