import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError } from '../errors.js';
import { Expr, type Level, type Needs, defineOp, node } from '../expr.js';

/**
 * `log(1 + u)` accurate for tiny `|u|` in float32 (tfjs' `log1p` is computed as `log(1 + u)` on some
 * backends and returns 0 for `|u| < 6e-8`): a 4-term series for `|u| < 1e-3`, `log(1 + u)` otherwise.
 */
export function log1pAccurate(u: Tensor): Tensor {
  return tf.tidy(() => {
    const small = tf.less(tf.abs(u), 1e-3);
    // Each branch sees only the arguments it is used for, so the unused one stays finite, in value and in
    // gradient (a series of u = 1e20 would overflow to ∞ − ∞ and its NaN gradient would survive the mask).
    const us = tf.where(small, u, tf.zerosLike(u));
    const safe = tf.where(small, tf.zerosLike(u), u);
    const u2 = tf.square(us);
    // u - u²/2 + u³/3 - u⁴/4: truncation error < u⁵/5 < 2e-16 relative.
    const series = tf.add(tf.sub(us, tf.mul(u2, 0.5)), tf.sub(tf.mul(tf.mul(u2, us), 1 / 3), tf.mul(tf.square(u2), 0.25)));
    return tf.where(small, series, tf.log(tf.add(1, safe)));
  });
}

/**
 * `log(1 - e^x)` for `x <= 0`, elementwise and accurate on both ends (Mächler 2012, "Accurately computing
 * log(1 - exp(-|a|))"): `log(-expm1(x))` for `x > -ln 2`, `log1p(-e^x)` otherwise. The gradient is the closed
 * form `-1 / expm1(-x)` (so it is `-∞` at `x = 0`, and 0 as `x → -∞`, never NaN from an unused branch).
 * Shapes: any tensor in, same shape out.
 */
export function log1mexpTensor(x: Tensor): Tensor {
  const f = tf.customGrad(((t: Tensor, save: (ts: Tensor[]) => void) => {
    save([t]);
    const near = tf.greater(t, -Math.LN2);
    // x > 0 has no value (1 − e^x < 0): log of a negative number gives NaN, which validation then reports.
    const a = tf.log(tf.neg(tf.expm1(tf.where(near, t, tf.zerosLike(t)))));
    const b = log1pAccurate(tf.neg(tf.exp(tf.minimum(t, -Math.LN2))));
    return {
      value: tf.where(near, a, b),
      gradFunc: (dy: Tensor, saved: Tensor[]) => tf.div(tf.neg(dy), tf.expm1(tf.neg(saved[0]!))),
    };
  }) as never) as (t: Tensor) => Tensor;
  return f(x);
}

const log1mexpOp = defineOp({
  kind: 'log1mexp',
  evaluate: (_c, a) => log1mexpTensor(a[0]!),
  print: (a, _p, m) => (m === 'latex' ? `\\log\\left(1 - e^{${a[0]!.s}}\\right)` : `log1mexp(${a[0]!.s})`),
});

/**
 * `log(1 - e^x)` of an expression, elementwise at its level; `x` must be `<= 0` (a log-probability).
 * Stable on both ends (see {@link log1mexpTensor}). E.g. `log1mexp(logProb().target())` is `log(1 - p_y)`.
 *
 * @example `compile(log1mexp(logProb().target()).neg())` — the "complement" loss `-log(1 - p_y)`.
 * @see Mächler, "Accurately Computing log(1 − exp(−|a|))", R package Rmpfr vignette (2012).
 */
export function log1mexp<L extends Level, K extends Needs>(x: Expr<L, K>): Expr<L, K> {
  if (!(x instanceof Expr)) {
    throw new LosskitError('INVALID_ARGUMENT', 'log1mexp() takes an expression', { argument: 'x', expected: 'an Expr such as logProb().target()', received: typeof x });
  }
  return node(log1mexpOp, x.level, [x], {}, x.needs) as Expr<L, K>;
}
