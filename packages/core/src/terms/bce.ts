import * as tf from '@tensorflow/tfjs-core';
import { params } from '../errors.js';
import { type Expr, PREC, defineOp, node } from '../expr.js';

/** Options of {@link bce}. */
export interface BceOptions {
  /** Label smoothing ε ∈ [0, 1]: targets become `y(1-ε) + ε/2` (Keras/tfjs binary semantics). Default 0. */
  readonly labelSmoothing?: number;
}

/**
 * The floor of `1 − p` when `p` is clipped to `[ε, 1 − ε]` in float32: `1 − fround(1 − ε)` (Keras' value at p = 1 with
 * ε = 1e-7 is −log(1.19e-7), and its published tests depend on it), or ε itself when `1 − ε` rounds to 1 in float32
 * (ε < 3e-8), where clipping `p` would leave log(1 − q) = −∞.
 */
export function complementFloor(eps: number): number {
  const top = Math.fround(1 - eps);
  return top < 1 ? 1 - top : eps;
}

const bceOp = defineOp<{ labelSmoothing: number }>({
  kind: 'bce',
  evaluate: (c, _a, p) => {
    const t0 = c.yTrue();
    const t = p.labelSmoothing === 0 ? t0 : tf.add(tf.mul(t0, 1 - p.labelSmoothing), 0.5 * p.labelSmoothing);
    if (c.from === 'logits') {
      // softplus(z) - t·z = max(z, 0) - t·z + log(1 + e^{-|z|}): finite for any z.
      return tf.sub(tf.softplus(c.yPred), tf.mul(t, c.yPred));
    }
    c.assertProbabilities(false);
    const eps = c.epsilon;
    // log p and log(1 − p) with p clipped to [ε, 1 − ε], the complement clipped on its own (see complementFloor).
    const q = tf.clipByValue(c.yPred, eps, 1 - eps);
    const r = tf.clipByValue(tf.sub(1, c.yPred), complementFloor(eps), 1 - eps);
    return tf.neg(tf.add(tf.mul(t, tf.log(q)), tf.mul(tf.sub(1, t), tf.log(r))));
  },
  print: (_a, _p, m) =>
    m === 'latex' ? `-\\left[y_j \\log \\sigma(z_j) + (1-y_j)\\log(1-\\sigma(z_j))\\right]` : 'bce',
  prec: PREC.atom,
});

/**
 * Binary cross-entropy per class (sigmoid, multi-label), `[B, C]`:
 * `-[y log σ(z) + (1-y) log(1-σ(z))]`, computed from logits as `softplus(z) - y·z` (stable for any z),
 * or from probabilities clipped to `[ε, 1-ε]`. Reduce it with `.mean()` for Keras' `binary_crossentropy`.
 *
 * @example `compile(bce().mean())(multiHotTargets, logits)`
 */
export function bce(options: BceOptions = {}): Expr<'class', 'any'> {
  const labelSmoothing = params.closedUnitInterval('labelSmoothing', options.labelSmoothing ?? 0);
  return node(bceOp, 'class', [], { labelSmoothing });
}

/** Alias of {@link bce}. */
export const binaryCrossEntropy = bce;
