// optax's self-supervised losses (google-deepmind/optax `optax/losses/_self_supervised.py` at
// 2edbcbe2390da13983b92cbef94ac0460ecde1c5).
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, formatShape, params, stopGradient } from '@losskit/core';
import { validateOption } from '../validate.js';
import { type OptaxOptions, broadcastShape, broadcastTo, canonicalAxes, finish, tensorOf } from './common.js';

/** float32 machine epsilon: optax's `jnp.finfo(embeddings.dtype).eps`, the floor on the squared norms in `ntxent`. */
const FLOAT32_EPS = 2 ** -23;

/** Options of {@link ntxent}. */
export interface NtxentOptions extends OptaxOptions {
  /** Temperature τ > 0. Default 0.07. */
  readonly temperature?: number;
}

/**
 * optax `ntxent(embeddings, labels, temperature=0.07)` (NT-Xent, Chen et al. 2020): with `s_ij = cos(e_i, e_j)/τ`
 * (squared norms floored at float32 eps, so a zero embedding has similarity 0), for every positive pair `(i, j)`
 * (`y_i = y_j`, `i ≠ j`) `l_ij = −log( e^{s_ij} / (e^{s_ij} + Σ_{k: y_k ≠ y_i} e^{s_ik}) )`, averaged over the positive
 * pairs; a scalar. The row maximum is subtracted without gradient, as optax. Embeddings `[B, D]`, integer labels `[B]`
 * (equal labels mark positives: `[0, 0, 1, 1]` for two views of two images). Without any positive pair optax returns
 * NaN (0/0); with `validate` (default) that is an `INVALID_ARGUMENT` naming `labels`.
 *
 * @example ntxent([[-1.954, 1.078], [0.238, -0.5703], [1.8745, -0.0195], [-0.6719, -1.921]], [0, 0, 1, 1]) // 14.01032
 */
export function ntxent(embeddings: TensorLike, labels: TensorLike, options: NtxentOptions = {}): Tensor {
  const validate = validateOption(options);
  const temperature = params.positive('temperature', options.temperature ?? 0.07);
  return tf.tidy(() => {
    const e = tensorOf(embeddings, 'embeddings', validate);
    if (e.rank !== 2) throw new LosskitError('RANK_MISMATCH', 'embeddings must be a matrix', { argument: 'embeddings', expected: 'shape [B, D]', received: formatShape(e.shape) });
    const y = tensorOf(labels, 'labels', validate);
    if (y.rank !== 1 || y.shape[0] !== e.shape[0]) {
      throw new LosskitError('SHAPE_MISMATCH', 'labels and embeddings must have the same leading dimension', { argument: 'labels', expected: `[${e.shape[0]}]`, received: formatShape(y.shape) });
    }
    const B = e.shape[0]!;
    const unit = tf.div(e, tf.sqrt(tf.maximum(tf.sum(tf.square(e), -1, true), FLOAT32_EPS)));
    const s = tf.div(tf.matMul(unit, unit, false, true), temperature);
    const same = tf.equal(tf.reshape(y, [-1, 1]), tf.reshape(y, [1, -1]));
    const eye = tf.cast(tf.eye(B), 'bool');
    const pos = tf.logicalAnd(same, tf.logicalNot(eye));
    const neg = tf.logicalNot(same);
    const count = tf.sum(tf.cast(pos, 'float32'));
    if (validate && count.dataSync()[0] === 0) {
      throw new LosskitError('INVALID_ARGUMENT', 'ntxent needs at least one positive pair (two samples with the same label)', { argument: 'labels', expected: 'a label shared by two samples', received: 'all labels distinct (optax returns NaN)' });
    }
    // Row maximum over the positives and negatives (self excluded), without gradient; 0 for a row with neither.
    const comb = tf.logicalOr(pos, neg);
    const m0 = tf.max(tf.where(comb, stopGradient(s), tf.fill(s.shape, Number.NEGATIVE_INFINITY)), -1, true);
    const m = tf.where(tf.isFinite(m0), m0, tf.zerosLike(m0));
    const shifted = tf.sub(s, m);
    const negSum = tf.sum(tf.where(neg, tf.exp(shifted), tf.zerosLike(s)), -1, true);
    const logSoft = tf.sub(shifted, tf.log(tf.add(negSum, tf.exp(shifted))));
    const loss = tf.div(tf.neg(tf.sum(tf.where(pos, logSoft, tf.zerosLike(s)))), count);
    return finish(loss, 'ntxent', 'embeddings', validate, 'a tiny temperature overflowing exp');
  });
}

/** Options of {@link tripletMarginLoss}. */
export interface TripletMarginLossOptions extends OptaxOptions {
  /** The axis the distances reduce. Default -1. */
  readonly axis?: number;
  /** The degree q of `(Σ (a − b)^q + eps)^(1/q)`. Default 2. */
  readonly normDegree?: number;
  /** Margin. Default 1. */
  readonly margin?: number;
  /** Added inside the root. Default 1e-6. */
  readonly eps?: number;
}

/**
 * optax `triplet_margin_loss(anchors, positives, negatives, axis=-1, norm_degree=2, margin=1.0, eps=1e-6)`
 * (Balntas et al. 2016): `max(d(a, p) − d(a, n) + margin, 0)` with `d(a, b) = (Σ_axis (a − b)^q + eps)^(1/q)`,
 * inputs broadcast together, one value per triplet (the shape without `axis`). As optax, the power is taken of the
 * signed difference (no absolute value): with the default q = 2 (or any even q) this is the usual distance; an odd or
 * fractional q follows `jnp.power` (a signed sum, or NaN — then `NON_FINITE_OUTPUT`). torch's `TripletMarginLoss`
 * differs (`‖a − b + eps‖_p`).
 *
 * @example tripletMarginLoss([[0, 0], [1, 1]], [[0.1, 0.1], [1.1, 1.1]], [[1, 0], [0, 1]]) // [0.1414, 0.1414]
 */
export function tripletMarginLoss(anchors: TensorLike, positives: TensorLike, negatives: TensorLike, options: TripletMarginLossOptions = {}): Tensor {
  const validate = validateOption(options);
  const q = params.positive('normDegree', options.normDegree ?? 2);
  const margin = params.finite('margin', options.margin ?? 1);
  const eps = params.nonNegative('eps', options.eps ?? 1e-6);
  if (options.axis !== undefined && !Number.isInteger(options.axis)) {
    throw new LosskitError('INVALID_ARGUMENT', 'axis must be an integer', { argument: 'axis', received: String(options.axis) });
  }
  return tf.tidy(() => {
    const a = tensorOf(anchors, 'anchors', validate);
    const p = tensorOf(positives, 'positives', validate);
    const n = tensorOf(negatives, 'negatives', validate);
    const shape = broadcastShape(broadcastShape(a.shape, p.shape, 'anchors', 'positives'), n.shape, 'anchors', 'negatives');
    const [axis] = canonicalAxes(options.axis ?? -1, shape.length, 'anchors');
    const dist = (b: Tensor) => {
      const d = tf.sub(broadcastTo(a, shape), broadcastTo(b, shape));
      const powered = q === 2 ? tf.square(d) : tf.pow(d, q);
      const total = tf.add(tf.sum(powered, axis), eps);
      return q === 2 ? tf.sqrt(total) : tf.pow(total, 1 / q);
    };
    const v = tf.add(tf.sub(dist(p), dist(n)), margin);
    // max(v, 0) that keeps a NaN (tfjs-backend-wasm's Relu maps NaN to 0, which would hide jnp.power's NaN): v·0 is 0
    // for finite v and NaN for NaN; no comparison op on the gradient path (tfjs has no gradient for Less).
    const out = tf.add(tf.relu(v), tf.mul(v, 0));
    return finish(out, 'tripletMarginLoss', 'anchors', validate, 'a fractional normDegree of a negative difference (optax takes the power of the signed difference)');
  });
}
