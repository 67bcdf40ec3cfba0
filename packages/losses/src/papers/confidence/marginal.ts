import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineOp, node } from '@losskit/core';
import { softmaxParts } from '../../standard/primitives.js';

const logMarginalOp = defineOp({
  kind: 'logMarginal',
  // log p̄_j = logsumexp_i log p_ij - log B: finite even when every p_ij of a class underflows.
  evaluate: (c) => tf.sub(tf.logSumExp(softmaxParts(c).logp, 0, true), Math.log(c.batchSize)),
  print: (_a, _p, m) => (m === 'latex' ? '\\log \\bar{p}_j' : 'log p̄'),
});

/**
 * `log p̄_j` with `p̄ = (1/B) Σ_i p_i` the batch-marginal prediction, `[1, C]` broadcast to `[B, C]`, computed
 * as `logsumexp_i log p_ij − log B` (stable for ±1e4 logits).
 */
export function logMarginal(): Expr<'class', 'any'> {
  return node(logMarginalOp, 'class');
}

/** Entropy of the batch-marginal prediction, `H(p̄) = −Σ_j p̄_j log p̄_j` (the same value on every row). */
export function marginalEntropy(): Expr<'sample', 'any'> {
  return logMarginal().exp().times(logMarginal()).sum().neg();
}
