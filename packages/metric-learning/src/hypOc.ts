import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineOp, embeddings, node, params } from '@losskit/core';
import { pairwiseTensor, poincare } from './distances.js';
import { optionsOf } from './internal.js';

const op = defineOp<{ c: number }>({
  kind: 'ml.hypPairwiseConfusion',
  evaluate: (ctx, a, p) => {
    const e = a[0]!;
    const b = ctx.batchSize;
    if (b < 2 || b % 2 !== 0) {
      throw new LosskitError('SHAPE_MISMATCH', 'Hyp-PC pairs the two halves of the batch: B must be even', { argument: 'yPred', expected: 'shape [B, D] with B even and >= 2', received: `[${e.shape.join(', ')}]` });
    }
    const h = b / 2;
    const [d] = e.shape.slice(1) as [number];
    const dist = pairwiseTensor(poincare({ c: p.c }), tf.slice(e, [0, 0], [h, d]), tf.slice(e, [h, 0], [h, d]));
    return tf.div(tf.sum(tf.mul(dist, tf.eye(h))), b);
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\frac{1}{B}\\sum_{i=1}^{B/2} d_{\\mathbb{D}_{${p.c}}}(z_i, z_{i + B/2})`
      : `(1/B) Σ_{i≤B/2} dPoincare_${p.c}(z_i, z_{i+B/2})`,
});

/**
 * Hyp-PC, the hyperbolic pairwise confusion loss of "Hyp-OC: Hyperbolic One Class Classification for Face
 * Anti-Spoofing" (Narayan, Patel, FG 2024): the batch's first half is paired with its second half and the loss is
 * the summed Poincaré-ball distance of the pairs over the batch size,
 * `L = (1/B) Σ_{i=1}^{B/2} d_c(z_i, z_{i+B/2})`, `d_c(x, y) = (2/√c) artanh(√c ‖(-x) ⊕_c y‖)` (the {@link poincare}
 * distance: rows are first projected into the ball of radius `(1 - 1e-5)/√c`). Pulling random pairs together
 * "confuses" the features (strips identity information). The authors' `TPC_loss_hyp` (Kartik-3004/hyp-oc `loss.py`
 * at 9c25c74) has the same pairing and the same 1/B, but takes `atan` where the distance has `artanh`; this is the
 * distance the paper names. Add it to the Hyp-CE term (cross-entropy on the hyperbolic classifier's logits, with
 * pseudo-negatives drawn around the running feature mean; not part of this expression).
 *
 * yPred `[B, D]` with B even (labels are not read) → batch-level scalar. Default c = 1 (`--curvature`).
 * @example compile(hypPairwiseConfusion({ c: 1 }), { from: 'embeddings' })(labels, z)
 */
export function hypPairwiseConfusion(options: { readonly c?: number } = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  return node(op, 'batch', [embeddings()], { c: params.positive('c', options.c ?? 1) });
}
