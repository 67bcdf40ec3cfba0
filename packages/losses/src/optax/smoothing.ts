// optax's label smoothing (google-deepmind/optax `optax/losses/_smoothing.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5).
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type TensorLike, params } from '@losskit/core';
import { validateOption } from '../validate.js';
import { type AxisWhereOptions, canonicalAxes, finish, tensorOf, whereMask } from './common.js';

/**
 * optax `smooth_labels(labels, alpha, *, axis=-1, where=None)`: `(1 − α) labels + α / K` with `K` the number of
 * categories along `axis` (the product of the sizes of several axes, every element for `null`), or with `where` the
 * number of included entries of each row (`sum(where, axis, keepdims=True)`; every entry is smoothed, as optax).
 * `α` any finite number (0 keeps the labels, 1 gives the uniform distribution). Returns the labels' shape.
 * Core's `smoothTargets(t, ε, C)` and `ce({ labelSmoothing })` are the same smoothing inside a loss.
 *
 * @example smoothLabels([[0, 1, 0], [1, 0, 0]], 0.1) // [[0.0333, 0.9333, 0.0333], [0.9333, 0.0333, 0.0333]]
 */
export function smoothLabels(labels: TensorLike, alpha: number, options: AxisWhereOptions = {}): Tensor {
  const validate = validateOption(options);
  const a = params.finite('alpha', alpha);
  return tf.tidy(() => {
    const y = tensorOf(labels, 'labels', validate);
    const axes = canonicalAxes(options.axis, y.rank, 'labels');
    const count =
      options.where === undefined || options.where === null
        ? tf.scalar(axes.reduce((s, i) => s * y.shape[i]!, 1))
        : tf.sum(tf.cast(whereMask(options.where, y.shape, axes, validate), 'float32'), axes, true);
    const out = tf.add(tf.mul(y, 1 - a), tf.div(a, count));
    return finish(out, 'smoothLabels', 'where', validate, 'a row of where with no included entry divides alpha by 0');
  });
}
