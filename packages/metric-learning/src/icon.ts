import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineOp, input, node, params } from '@losskit/core';
import { type Distance, checkDistance, cosine, distanceMatrix } from './distances.js';
import { labelsOf, optionsOf } from './internal.js';

const op = defineOp<{ temperature: number; debias: number; distance: Distance; supervision: string | null }>({
  kind: 'ml.icon',
  evaluate: (ctx, a, p) => {
    const mat = a[0]!;
    const b = ctx.batchSize;
    const off = tf.sub(1, tf.eye(b));
    let pm: tf.Tensor;
    if (p.supervision === null) {
      const y = labelsOf(ctx, 'icon');
      pm = tf.mul(tf.cast(tf.equal(tf.reshape(y, [-1, 1]), tf.reshape(y, [1, -1])), 'float32'), off);
    } else {
      pm = tf.mul(tf.relu(a[1]!), off);
    }
    const rowSum = tf.sum(pm, -1, true);
    const has = tf.greater(rowSum, 0);
    let pn = tf.div(pm, tf.maximum(rowSum, 1e-30));
    if (p.debias > 0) pn = tf.add(tf.mul(pn, 1 - p.debias), tf.mul(off, p.debias / Math.max(b - 1, 1)));
    const s = tf.div(p.distance.isInverted ? mat : tf.neg(mat), p.temperature);
    const masked = tf.where(tf.notEqual(off, 0), s, tf.fill(s.shape, -1e30));
    const logQ = tf.sub(masked, tf.logSumExp(masked, -1, true));
    const plogp = tf.where(tf.greater(pn, 0), tf.mul(pn, tf.log(tf.where(tf.greater(pn, 0), pn, tf.onesLike(pn)))), tf.zerosLike(pn));
    const kl = tf.sum(tf.sub(plogp, tf.mul(pn, tf.where(tf.notEqual(off, 0), logQ, tf.zerosLike(logQ)))), -1);
    return p.debias > 0 ? kl : tf.where(tf.reshape(has, [-1]), kl, tf.zerosLike(kl));
  },
  print: (_a, p, m) => (m === 'latex' ? `\\mathrm{KL}\\left(p(\\cdot|i)\\,\\|\\,\\operatorname{softmax}_{j\\neq i}(s_{ij}/${p.temperature})\\right)` : `KL(p(·|i) ‖ softmax_{j≠i}(s_ij/${p.temperature}))`),
});

/**
 * I-Con loss (Alshammari, Hershey, Feldmann, Freeman, Hamilton 2025, "I-Con: A Unifying Framework for
 * Representation Learning"): per anchor `KL(p(·|i) ‖ q(·|i))` with the learned neighbourhood
 * `q(j|i) = softmax_{j≠i}(s_ij/τ)` and the supervisory `p(j|i)`: by default uniform over the same-label
 * neighbours `j ≠ i` (SupCon-like; two-view labels give InfoNCE), or the rows of `inputs[supervision]`
 * `[B, B]` (non-negative, renormalized over `j ≠ i`). Debiasing mixes p with the uniform distribution:
 * `p̃ = (1 - α) p + α/(B - 1)` over `j ≠ i` (our reading of the paper's debiasing; α = 0 by default).
 * Anchors whose p row is empty (and α = 0) give 0. Default τ = 0.5, cosine similarity.
 */
export function icon(options: { readonly temperature?: number; readonly debias?: number; readonly distance?: Distance; readonly supervision?: string } = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const temperature = params.positive('temperature', options.temperature ?? 0.5);
  const debias = params.unitInterval('debias', options.debias ?? 0);
  const distance = checkDistance(options.distance ?? cosine());
  const supervision = options.supervision ?? null;
  const args = supervision === null ? [distanceMatrix(distance)] : [distanceMatrix(distance), input(supervision, 'pair')];
  return node(op, 'sample', args, { temperature, debias, distance, supervision });
}
