import { type Expr, yPred, yTrue } from '@losskit/core';
import { standardEntry } from './entry.js';

/**
 * Binary sparsemax loss, mean over the last axis, one value per sample: `l = (1/C) Σ_j sparseplus(u_j)` with
 * `u_j = −z_j` for label 1 and `u_j = z_j` for label 0 (`u = (1 − 2y)·z`), and
 * `sparseplus(u) = 0` for `u ≤ −1`, `(u + 1)²/4` for `−1 < u < 1`, `u` for `u ≥ 1`. It is the Fenchel–Young loss of
 * the sparse sigmoid: zero iff `sparse_sigmoid(z) = y`, linear far on the wrong side, quadratic in between; no
 * exponentials, so ±1e4 scores are exact. Labels are 0 or 1. For one output (`[B]` or `[B, 1]`) it is optax's
 * elementwise `sparsemax_loss(logits, labels) = sparse_plus(where(labels, −logits, logits))`
 * (google-deepmind/optax `optax/losses/_classification.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5).
 * Written `clip(u + 1, 0, 2)²/4 + relu(u − 1)`, which is that piecewise function with the same derivative
 * (`(u + 1)/2` inside, 1 above). Shapes: `[B, C]` → `[B]`. For the multiclass loss see `sparsemaxLoss()`.
 *
 * @example compile(binarySparsemax())([[1], [0]], [[10], [20]]) // per sample [0, 20]
 * @see Blondel, Martins, Niculae, "Learning with Fenchel-Young Losses", JMLR 2020 (Sec. 4.4).
 */
export function binarySparsemax(): Expr<'sample', 'any'> {
  const u = yPred().times(yTrue().scale(-2).plus(1));
  return u.plus(1).clip(0, 2).pow(2).scale(0.25).plus(u.minus(1).relu()).mean();
}

export const binarySparsemaxEntry = standardEntry({
  id: 'binary-sparsemax',
  name: 'Binary sparsemax loss',
  export: 'binarySparsemax',
  category: 'classification',
  summary: 'The Fenchel–Young loss of the sparse sigmoid: sparseplus((1 − 2y)·z), zero iff sparse_sigmoid(z) = y (optax sparsemax_loss).',
  formula: '\\frac{1}{C}\\sum_j \\operatorname{sparseplus}\\left((1 - 2y_j) z_j\\right),\\ \\operatorname{sparseplus}(u) = \\begin{cases} 0 & u \\le -1 \\\\ (u+1)^2/4 & |u| < 1 \\\\ u & u \\ge 1 \\end{cases}',
  inputs: 'scores [B, C] (or [B]), labels in {0, 1} of the same shape',
  params: [],
  paper: { title: 'Learning with Fenchel-Young Losses', authors: 'Mathieu Blondel, André F. T. Martins, Vlad Niculae', year: 2020, url: 'https://arxiv.org/abs/1901.02324' },
  example: "import { compile } from '@losskit/core';\nimport { binarySparsemax } from '@losskit/losses';\nconst loss = compile(binarySparsemax())([[1], [0]], [[0.5], [-2]]);",
  dsl: 'yPred().times(yTrue().scale(-2).plus(1)).plus(1).clip(0, 2).pow(2).scale(0.25).plus(yPred().times(yTrue().scale(-2).plus(1)).minus(1).relu()).mean()',
});
