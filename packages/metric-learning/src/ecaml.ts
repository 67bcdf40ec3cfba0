import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineOp, embeddings, node, stopGradient } from '@losskit/core';
import { labelsOf } from './internal.js';

/** Floor of the mean energy before the log (all cross-class pairs coincident). */
const ENERGY_FLOOR = 1e-30;

const op = defineOp({
  kind: 'ml.energyConfusion',
  evaluate: (ctx, a) => {
    const x = a[0]!;
    const y = labelsOf(ctx, 'energyConfusion');
    const cross = tf.cast(tf.notEqual(tf.reshape(y, [-1, 1]), tf.reshape(y, [1, -1])), 'float32'); // ordered pairs i ≠ j of different classes
    const count = tf.sum(cross); // 2|N|
    // translation- and scale-free: centre on the batch mean, divide by the largest |entry| s, add 2 log s back
    const centred = tf.sub(x, tf.mean(x, 0, true));
    const s = stopGradient(tf.max(tf.abs(centred)));
    const safe = tf.where(tf.greater(s, 0), s, tf.onesLike(s));
    const u = tf.div(centred, safe);
    const sq = tf.sum(tf.square(u), -1);
    const d2 = tf.relu(tf.sub(tf.add(tf.reshape(sq, [-1, 1]), tf.reshape(sq, [1, -1])), tf.mul(2, tf.matMul(u, u, false, true))));
    // E = (1/|N|) Σ_{i<j, y_i≠y_j} ½‖x_i − x_j‖² = (1/(2·2|N|)) Σ_{ordered cross pairs} d²
    const e = tf.div(tf.sum(tf.mul(d2, cross)), tf.mul(2, tf.maximum(count, 1)));
    const logE = tf.add(tf.log(tf.maximum(e, ENERGY_FLOOR)), tf.mul(2, tf.log(safe)));
    return tf.where(tf.greater(count, 0), logE, tf.zerosLike(logE));
  },
  print: (_a, _p, m) =>
    m === 'latex'
      ? '\\log\\Big(\\frac{1}{|N|}\\sum_{(i,j)\\in N}\\tfrac12\\|x_i - x_j\\|^2\\Big)'
      : 'log(mean_{(i<j), y_i≠y_j} ½‖x_i − x_j‖²)',
});

/**
 * The energy-confusion regularizer of ECAML ("Energy Confused Adversarial Metric Learning for Zero-Shot Image
 * Retrieval and Clustering", Chen & Deng, AAAI 2019), as the authors' `EnergyConfusionLossLayer`
 * (chenbinghui1/ECAML `src/energy_confusion.cpp` at decf048): the energy of the batch's cross-class pairs
 * `E = (1/|N|) Σ_{(i<j)∈N} ½‖x_i − x_j‖²`, `N` the pairs of different labels, and the loss `log E` (the layer's backward
 * is the gradient of `log E`). Minimizing it pulls the classes towards each other ("confuses" the metric); it is added
 * with a small weight (0.13 in the authors' Cars196 prototxt) to a conventional metric loss, adversarially to it.
 * The layer samples 10 random partners per anchor and divides by the full pair count; this takes every cross-class pair
 * (the deterministic version; `log` makes the two scalings equivalent in the gradient). Which layers receive its
 * gradient (the authors feed it a copy of the embedding layer that does not back-propagate into the backbone) is the
 * caller's model code.
 *
 * Exact for any finite embeddings (centred on the batch mean and scaled by the largest entry, `2 log s` added back);
 * `E` is floored at 1e-30 before the log (all cross-class pairs coincident); 0 when the batch has a single class.
 * yPred `[B, D]`, labels `[B]` → batch-level scalar.
 * @example compile(multiSimilarity().plus(energyConfusion().scale(0.13)), { from: 'embeddings' })(labels, embeddings)
 */
export function energyConfusion(): Expr<'batch', 'any'> {
  return node(op, 'batch', [embeddings()]);
}
