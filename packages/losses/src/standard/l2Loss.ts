import { type Expr, square } from '@losskit/core';
import { standardEntry } from './entry.js';

/**
 * L2 loss, one value per sample: `l = ½ Σ_j (ŷ_j − y_j)²` (Bishop's ½ convention, `tf.nn.l2_loss` of the error; the
 * gradient is the error itself, `ŷ − y`). For one output (`[B]` or `[B, 1]`) it is optax's elementwise
 * `l2_loss(predictions, targets) = 0.5 · squared_error(predictions, targets)` (google-deepmind/optax
 * `optax/losses/_regression.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5). `meanSquaredError()` is the mean
 * without the ½. Shapes: `[B, C]` → `[B]`.
 *
 * @example compile(l2Loss())([[-1.5], [0]], [[-2], [-1]]) // per sample [0.125, 0.5]
 * @see Bishop, "Pattern Recognition and Machine Learning" (2006).
 */
export function l2Loss(): Expr<'sample', 'any'> {
  return square().sum().scale(0.5);
}

export const l2LossEntry = standardEntry({
  id: 'l2-loss',
  name: 'L2 loss (½ squared error)',
  export: 'l2Loss',
  category: 'regression',
  summary: '½ Σ (ŷ − y)², whose gradient is the error itself (optax l2_loss).',
  formula: '\\tfrac12 \\sum_j \\left(\\hat y_j - y_j\\right)^2',
  inputs: 'predictions [B, C] (or [B]), targets of the same shape',
  params: [],
  paper: { title: 'Pattern Recognition and Machine Learning', authors: 'Christopher M. Bishop', year: 2006, url: 'https://www.microsoft.com/en-us/research/publication/pattern-recognition-machine-learning/' },
  example: "import { compile } from '@losskit/core';\nimport { l2Loss } from '@losskit/losses';\nconst loss = compile(l2Loss())([[-1.5], [0]], [[-2], [-1]]); // mean of [0.125, 0.5]",
  dsl: 'square().sum().scale(0.5)',
});
