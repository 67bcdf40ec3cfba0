import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineOp, embeddings, node } from '@losskit/core';
import { labelsOf, nonNegativeMargin, optionsOf } from './internal.js';

const op = defineOp<{ margin: number }>({
  kind: 'ml.protoTriplet',
  evaluate: (ctx, a, p) => {
    const e = a[0]!;
    const y = labelsOf(ctx, 'protoTriplet');
    const same = tf.cast(tf.equal(tf.reshape(y, [-1, 1]), tf.reshape(y, [1, -1])), 'float32'); // [B, B]
    // prototype of sample k's class, as one row per sample: c_k = mean_{j: y_j = y_k} e_j
    const protos = tf.div(tf.matMul(same, e), tf.sum(same, -1, true));
    const d = tf.sqrt(tf.maximum(tf.sum(tf.square(tf.sub(tf.expandDims(e, 1), tf.expandDims(protos, 0))), -1), 1e-12)); // d(e_i, c_{y_k})
    // one column per class (its first sample), so tied prototype distances never share a min gradient
    const b = ctx.batchSize;
    const ones = tf.ones([b, b]);
    const upper = tf.sub(tf.linalg.bandPart(ones, 0, -1), tf.eye(b)); // row j < column k
    const first = tf.cast(tf.equal(tf.sum(tf.mul(same, upper), 0, true), 0), 'float32');
    const other = tf.mul(tf.sub(1, same), first);
    const own = tf.sum(tf.mul(d, tf.eye(b)), -1); // d(e_i, c_{y_i})
    const filled = tf.where(tf.notEqual(other, 0), d, tf.fill(d.shape, 1e30));
    const nearest = tf.min(filled, -1);
    const has = tf.greater(tf.sum(other, -1), 0);
    return tf.where(has, tf.relu(tf.add(tf.sub(own, nearest), p.margin)), tf.zerosLike(own));
  },
  print: (_a, p, m) => (m === 'latex' ? `\\left[d(e_i, c_{y_i}) - \\min_{k\\neq y_i} d(e_i, c_k) + ${p.margin}\\right]_+` : `[d(e_i, c_y) - min_{k≠y} d(e_i, c_k) + ${p.margin}]_+`),
});

/**
 * Proto-triplet loss ("SuSana Distancia is all you need: Enforcing class separability in metric
 * learning via two novel distance-based loss functions for few-shot image classification",
 * Mendez-Ruiz et al. 2023): `l_i = [d(e_i, c_{y_i}) - min_{k ≠ y_i} d(e_i, c_k) + m]_+` with Euclidean
 * `d` (floored as in `euclidean()`) and class prototypes `c_k` = mean embedding of class k. In-batch
 * form: prototypes are the batch's class means (including `e_i` itself; gradient flows through them),
 * so support and query are the same batch. Default m = 0.5. A single-class batch gives 0.
 */
export function protoTriplet(options: { readonly margin?: number } = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const margin = nonNegativeMargin('margin', options.margin ?? 0.5);
  return node(op, 'sample', [embeddings()], { margin });
}
