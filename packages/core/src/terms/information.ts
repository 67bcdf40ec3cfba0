import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, type Needs, PREC, defineOp, node } from '../expr.js';

/** `x log x` with `0 log 0 = 0`; the gradient at 0 is finite (masked). */
export function xlogx(x: Tensor): Tensor {
  const positive = tf.greater(x, 0);
  const safe = tf.where(positive, x, tf.onesLike(x));
  return tf.where(positive, tf.mul(x, tf.log(safe)), tf.zerosLike(x));
}

/**
 * `H = −Σ_j e^{l_j} l_j` per row of log-probabilities `l` (log-softmax of logits), with the gradient in closed form,
 * `∂H/∂l_j = −e^{l_j} (l_j + 1)`, times the upstream adjoint last. The chain rule through `p · l` forms
 * `adjoint · l_j` first, which overflows float32 at saturated logits (`l_j ≈ −1e30`), then multiplies it by `p_j = 0`:
 * NaN where the true gradient is 0.
 */
const entropyOfLogProbs = tf.customGrad(((l: Tensor, save: (tensors: Tensor[]) => void) => {
  const p = tf.exp(l);
  save([p, l]);
  return {
    value: tf.neg(tf.sum(tf.mul(p, l), -1)),
    gradFunc: (dy: Tensor, saved: Tensor[]) => tf.mul(tf.neg(tf.mul(saved[0]!, tf.add(saved[1]!, 1))), tf.expandDims(dy, -1)),
  };
}) as never) as unknown as (l: Tensor) => Tensor;

const entropyOp = defineOp({
  kind: 'entropy',
  // From logits p = exp(log p) exactly (the context's probs()), so the closed-form gradient is the true one.
  evaluate: (c) => (c.from === 'logits' ? entropyOfLogProbs(c.logProbs()) : tf.neg(tf.sum(tf.mul(c.probs(), c.logProbs()), -1))),
  print: (_a, _p, m) => (m === 'latex' ? 'H(p)' : 'H(p)'),
  prec: PREC.atom,
});

/** Shannon entropy of the prediction, one value per sample: `H(p) = -Σ_j p_j log p_j` (from logits via log-softmax). */
export function entropy(): Expr<'sample', 'any'> {
  return node(entropyOp, 'sample');
}

const klOp = defineOp({
  kind: 'kl',
  evaluate: (c, a) => {
    const t = a.length > 0 ? a[0]! : c.yTrue();
    return tf.sum(tf.sub(xlogx(t), tf.mul(t, c.logProbs())), -1);
  },
  print: (a, _p, m) => {
    const t = a.length > 0 ? a[0]!.s : 'y';
    return m === 'latex' ? `\\mathrm{KL}\\left(${t} \\,\\|\\, p\\right)` : `KL(${t} || p)`;
  },
  prec: PREC.atom,
});

/**
 * Kullback-Leibler divergence from a target distribution to the prediction, one value per sample:
 * `KL(t || p) = Σ_j t_j (log t_j - log p_j)`, with `0 log 0 = 0`. The target defaults to `yTrue`
 * (soft labels); pass a class-level expression for another, e.g. a teacher's `input('teacher', 'class').softmax()`.
 */
export function kl<K extends Needs = 'any'>(target?: Expr<'class', K>): Expr<'sample', K> {
  return node(klOp, 'sample', target ? [target] : []) as Expr<'sample', K>;
}
