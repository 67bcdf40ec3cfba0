import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError } from './errors.js';
import { PREC, type Printed, defineOp, paren, registerCoreOps } from './expr.js';
import { log1pAccurate } from './primitives/log1mexp.js';

type Mode = 'text' | 'latex';
const fn = (name: string, latex: string) => (a: readonly Printed[], _p: unknown, m: Mode) =>
  m === 'latex' ? `${latex}\\left(${a[0]!.s}\\right)` : `${name}(${a[0]!.s})`;
const num = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));

/** A stop-gradient: identity forward, zero gradient backward. */
export const stopGradient = (x: Tensor): Tensor =>
  tf.customGrad(((t: Tensor) => ({ value: t.clone(), gradFunc: (dy: Tensor) => tf.zerosLike(dy) })) as never)(x);

/** The row maximum `m` and `l = log Σ_j exp(x_j − m)` of {@link logSumExpParts}, each shaped like `x` without its last axis. */
export interface LogSumExpParts {
  /** `max_j x_j`; carries no gradient. */
  readonly max: Tensor;
  /** `log Σ_j exp(x_j − max)` ∈ [0, log C]; its gradient is `softmax(x)`, the gradient of the whole `max + l`. */
  readonly rel: Tensor;
}

/**
 * The log-sum-exp over the last axis kept in two parts, `lse(x) = m + l` with `m = max_j x_j` and
 * `l = log Σ_j exp(x_j − m)`. Kept apart because `m + l` rounds `l` away once `|m|` is large (at
 * `[1e30, 1e30, 0]`, `m + log 2 = m` in float32 and float64), so `lse − x_y` must be formed as
 * `(m − x_y) + l`. `m`'s gradient is stopped and `l`'s is `softmax(x) = exp((x − m) − l)`, so any
 * expression that uses them as `m + l` gets the exact log-sum-exp gradient. One custom-gradient op:
 * tf.logSumExp differentiates through its inner Max, whose gradient builds an `Equal(x, max)` mask that
 * alone took ~0.5 s for a 4096×1000 batch on WASM.
 */
export function logSumExpParts(x: Tensor): LogSumExpParts {
  const both = tf.customGrad(((t: Tensor, save: (ts: Tensor[]) => void) => {
    const m = tf.max(t, -1);
    // l = log1p(R) with R = Σ_{j ≠ t} e^{x_j − m} over all but the first arg-max t, so a confident row keeps its
    // tiny l (p_t = 1 − 1e-8 gives l = 1e-8, where a float32 log(1 + R) rounds to 0).
    const e = tf.exp(tf.sub(t, tf.expandDims(m, -1)));
    const rows = t.shape.slice(0, -1);
    const C = t.shape.at(-1)!;
    const top = tf.reshape(oneHotRows(tf.reshape(tf.argMax(t, -1), [-1]), C), t.shape);
    const l = tf.reshape(log1pAccurate(tf.sum(tf.mul(e, tf.sub(1, top)), -1)), rows);
    save([t, m, l]);
    return {
      value: tf.stack([m, l], -1),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xs, ms, ls] = saved as [Tensor, Tensor, Tensor];
        const dl = tf.squeeze(tf.slice(dy, [...new Array(dy.rank - 1).fill(0), 1], [...dy.shape.slice(0, -1), 1]), [-1]);
        const p = tf.exp(tf.sub(tf.sub(xs, tf.expandDims(ms, -1)), tf.expandDims(ls, -1)));
        return tf.mul(p, tf.expandDims(dl, -1));
      },
    };
  }) as never)(x) as Tensor;
  const [max, rel] = tf.unstack(both, -1) as [Tensor, Tensor];
  return { max, rel };
}

/** `log Σ_j exp(x_j)` over the last axis, as `m + l` from {@link logSumExpParts} (gradient `softmax(x)`). */
export const logSumExpRows = (x: Tensor): Tensor => {
  const { max, rel } = logSumExpParts(x);
  return tf.add(max, rel);
};

/**
 * One-hot vectors (float32) of integer indices of any shape `[...S]`, shaped `[...S, C]` (`[N]` → `[N, C]`); an
 * index outside `[0, C)` gives zeros. Works at `C = 1`, where tf.oneHot rejects the depth ("depth must be
 * >= 2"). Built with tfjs's OneHot kernel (int32, then cast: tfjs-backend-wasm 4.22's OneHot ignores a float32
 * dtype; WASM's ScatterNd is several times slower).
 */
export function oneHotRows(indices: Tensor, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => {
    const idx = indices.dtype === 'int32' ? indices : tf.cast(indices, 'int32');
    const flat = tf.reshape(idx, [-1]) as tf.Tensor1D;
    const hot = numClasses === 1 ? tf.cast(tf.equal(flat, 0), 'int32') : tf.oneHot(flat, numClasses);
    const reshape = tf.reshape as (x: Tensor, shape: number[]) => Tensor;
    return tf.cast(reshape(hot, [...indices.shape, numClasses]), 'float32') as tf.Tensor2D;
  });
}

/**
 * `sign(x)` ∈ {−1, 0, 1} elementwise (NaN stays NaN), exact for tiny `|x|`: tfjs-backend-wasm's Sign returns 0
 * for `|x| < ~1e-7`. Zero gradient.
 */
export function signOf(x: Tensor): Tensor {
  return tf.tidy(() => {
    const s = tf.sub(tf.cast(tf.greater(x, 0), 'float32'), tf.cast(tf.less(x, 0), 'float32'));
    return tf.where(tf.isNaN(x), x, s);
  });
}

/**
 * `x[i, y_i]` for integer labels `[N]`, by a flat gather (no `[N, C]` one-hot in the forward pass). Its gradient
 * is `dy_i` at `(i, y_i)`, written through a one-hot (tfjs's Gather gradient needs UnsortedSegmentSum, which
 * the WASM backend does not have).
 */
export function gatherRows(x: Tensor, labels: Tensor, C: number): Tensor {
  return tf.customGrad(((t: Tensor, save: (ts: Tensor[]) => void) => {
    const n = labels.shape[0]!;
    const flat = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(C, 'int32')), tf.cast(labels, 'int32'));
    save([labels]);
    return {
      value: tf.gather(tf.reshape(t, [-1]), flat),
      gradFunc: (dy: Tensor, saved: Tensor[]) => tf.mul(oneHotRows(saved[0]!, C), tf.reshape(dy, [-1, 1])),
    };
  }) as never)(x);
}

/** `w · x` elementwise, 0 where `w = 0` whatever `x` is (no `0 · ∞ = NaN` from classes a sum leaves out). */
function weighted(x: Tensor, w: Tensor): Tensor {
  const [xb, wb] = broadcastPair(x, w);
  return tf.where(tf.equal(wb, 0), tf.zerosLike(xb), tf.mul(xb, wb));
}

/**
 * `op(a, b)` with NaN wherever `a` or `b` is NaN: tfjs-backend-wasm's Maximum, Minimum and ClipByValue return
 * the other operand (or the bound) for NaN, which would hide a non-finite term from validation.
 */
function keepNaN([a, b]: [Tensor, Tensor], op: (a: Tensor, b: Tensor) => Tensor): Tensor {
  const nan = a === b ? tf.isNaN(a) : tf.logicalOr(tf.isNaN(a), tf.isNaN(b));
  return tf.where(nan, tf.add(a, b), op(a, b));
}

/** `max(x, 0)` that keeps NaN (tfjs's Relu maps NaN to 0 on WASM, which would hide a non-finite term). */
function reluNaN(x: Tensor): Tensor {
  return tf.where(tf.logicalOr(tf.greater(x, 0), tf.isNaN(x)), x, tf.zerosLike(x));
}

/**
 * Row maximum (minimum) over the last axis; NaN if the row has a NaN. Its gradient goes to the entries equal
 * to the maximum, shared evenly when several are tied (a subgradient, as JAX and `torch.amax` define it;
 * tfjs's own Max gradient gives each tied entry the full adjoint).
 */
export function rowExtreme(x: Tensor, which: 'max' | 'min'): Tensor {
  return tf.customGrad(((t: Tensor, save: (ts: Tensor[]) => void) => {
    const v = which === 'max' ? tf.max(t, -1) : tf.min(t, -1);
    const value = tf.where(tf.any(tf.isNaN(t), -1), tf.fill(v.shape, Number.NaN), v);
    save([t, value]);
    return {
      value,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [ts, vs] = saved as [Tensor, Tensor];
        const hit = tf.cast(tf.equal(ts, tf.expandDims(vs, -1)), 'float32');
        return tf.mul(tf.div(hit, tf.maximum(tf.sum(hit, -1, true), 1)), tf.expandDims(dy, -1));
      },
    };
  }) as never)(x);
}

/**
 * The `k`-th largest value of each row, `[N, 1]`, with no gradient. Computed inside a custom-gradient op:
 * tfjs has no gradient for TopK, and a TopK recorded on a tape (even behind a stop-gradient) makes
 * `tf.grad` fail with "gradient function not found for TopK".
 */
function kthLargest(x: Tensor, k: number): Tensor {
  return tf.customGrad(((t: Tensor) => ({
    value: tf.slice(tf.topk(t, k).values, [0, k - 1], [-1, 1]),
    gradFunc: () => tf.zerosLike(t),
  })) as never)(x);
}

/** Broadcasts two tensors to their common shape (tf.where needs equal shapes). */
function broadcastPair(a: Tensor, b: Tensor): [Tensor, Tensor] {
  const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  return [a.shape.join() === shape.join() ? a : tf.broadcastTo(a, shape), b.shape.join() === shape.join() ? b : tf.broadcastTo(b, shape)];
}

function needClasses(ctx: { numClasses: number }, what: string, min: number): void {
  if (ctx.numClasses < min) {
    throw new LosskitError('SHAPE_MISMATCH', `${what} needs at least ${min} classes`, {
      argument: 'yPred',
      expected: `[B, C] with C >= ${min}`,
      received: `C = ${ctx.numClasses}`,
    });
  }
}

/** The op specs behind every `Expr` method. Packages define more with `defineOp`. */
export const coreOps = {
  constant: defineOp<{ value: number }>({
    kind: 'constant',
    evaluate: (_c, _a, p) => tf.scalar(p.value),
    print: (_a, p) => num(p.value),
    prec: PREC.atom,
  }),
  named: defineOp({ kind: 'named', evaluate: (_c, a) => a[0]!, print: (a) => a[0]!.s, prec: PREC.atom }),
  plus: defineOp({
    kind: 'plus',
    evaluate: (_c, a) => tf.add(a[0]!, a[1]!),
    print: (a, _p, m) => `${paren(a[0]!, PREC.sum, m)} + ${paren(a[1]!, PREC.sum, m)}`,
    prec: PREC.sum,
  }),
  minus: defineOp({
    kind: 'minus',
    evaluate: (_c, a) => tf.sub(a[0]!, a[1]!),
    print: (a, _p, m) => `${paren(a[0]!, PREC.sum, m)} - ${paren(a[1]!, PREC.product, m)}`,
    prec: PREC.sum,
  }),
  times: defineOp({
    kind: 'times',
    evaluate: (_c, a) => tf.mul(a[0]!, a[1]!),
    print: (a, _p, m) => `${paren(a[0]!, PREC.product, m)}${m === 'latex' ? ' \\cdot ' : ' · '}${paren(a[1]!, PREC.product, m)}`,
    prec: PREC.product,
  }),
  div: defineOp({
    kind: 'div',
    evaluate: (_c, a) => tf.div(a[0]!, a[1]!),
    print: (a, _p, m) =>
      m === 'latex' ? `\\frac{${a[0]!.s}}{${a[1]!.s}}` : `${paren(a[0]!, PREC.product, m)} / ${paren(a[1]!, PREC.unary, m)}`,
    prec: PREC.product,
  }),
  maximum: defineOp({
    kind: 'maximum',
    evaluate: (_c, a) => keepNaN(broadcastPair(a[0]!, a[1]!), tf.maximum),
    print: (a, _p, m) => (m === 'latex' ? `\\max\\left(${a[0]!.s}, ${a[1]!.s}\\right)` : `max(${a[0]!.s}, ${a[1]!.s})`),
  }),
  minimum: defineOp({
    kind: 'minimum',
    evaluate: (_c, a) => keepNaN(broadcastPair(a[0]!, a[1]!), tf.minimum),
    print: (a, _p, m) => (m === 'latex' ? `\\min\\left(${a[0]!.s}, ${a[1]!.s}\\right)` : `min(${a[0]!.s}, ${a[1]!.s})`),
  }),
  scale: defineOp<{ w: number }>({
    kind: 'scale',
    evaluate: (_c, a, p) => tf.mul(a[0]!, p.w),
    print: (a, p, m) => `${num(p.w)}${m === 'latex' ? ' \\cdot ' : '·'}${paren(a[0]!, PREC.product + 1, m)}`,
    prec: PREC.product,
  }),
  pow: defineOp<{ p: number }>({
    kind: 'pow',
    evaluate: (_c, a, p) => (p.p === 2 ? tf.square(a[0]!) : p.p === 1 ? a[0]! : tf.pow(a[0]!, p.p)),
    print: (a, p, m) => (m === 'latex' ? `{${paren(a[0]!, PREC.atom, m)}}^{${num(p.p)}}` : `${paren(a[0]!, PREC.atom, m)}^${num(p.p)}`),
    prec: PREC.power,
  }),
  neg: defineOp({ kind: 'neg', evaluate: (_c, a) => tf.neg(a[0]!), print: (a, _p, m) => `-${paren(a[0]!, PREC.unary, m)}`, prec: PREC.unary }),
  clip: defineOp<{ lo: number; hi: number }>({
    kind: 'clip',
    evaluate: (_c, a, p) => keepNaN([a[0]!, a[0]!], (x) => tf.clipByValue(x, p.lo, p.hi)),
    print: (a, p, m) =>
      m === 'latex' ? `\\mathrm{clip}_{[${num(p.lo)}, ${num(p.hi)}]}\\left(${a[0]!.s}\\right)` : `clip(${a[0]!.s}, ${num(p.lo)}, ${num(p.hi)})`,
  }),
  detach: defineOp({
    kind: 'detach',
    evaluate: (_c, a) => stopGradient(a[0]!),
    print: (a, _p, m) => (m === 'latex' ? `\\operatorname{sg}\\left(${a[0]!.s}\\right)` : `sg(${a[0]!.s})`),
  }),
  where: defineOp<{ otherwise: number }>({
    kind: 'where',
    evaluate: (_c, a, p) => {
      const [x, mask] = broadcastPair(a[0]!, a[1]!);
      return tf.where(tf.notEqual(mask, 0), x, tf.fill(x.shape, p.otherwise));
    },
    print: (a, p, m) =>
      m === 'latex'
        ? `\\left[${a[0]!.s}\\right]_{${a[1]!.s} \\neq 0}${p.otherwise === 0 ? '' : `\\ \\text{else}\\ ${num(p.otherwise)}`}`
        : `where(${a[1]!.s}, ${a[0]!.s}, ${num(p.otherwise)})`,
  }),
  exp: defineOp({ kind: 'exp', evaluate: (_c, a) => tf.exp(a[0]!), print: (a, _p, m) => (m === 'latex' ? `e^{${a[0]!.s}}` : `exp(${a[0]!.s})`) }),
  log: defineOp({ kind: 'log', evaluate: (_c, a) => tf.log(a[0]!), print: fn('log', '\\log') }),
  log1p: defineOp({ kind: 'log1p', evaluate: (_c, a) => log1pAccurate(a[0]!), print: fn('log1p', '\\operatorname{log1p}') }),
  sqrt: defineOp({ kind: 'sqrt', evaluate: (_c, a) => tf.sqrt(a[0]!), print: (a, _p, m) => (m === 'latex' ? `\\sqrt{${a[0]!.s}}` : `sqrt(${a[0]!.s})`) }),
  abs: defineOp({ kind: 'abs', evaluate: (_c, a) => tf.abs(a[0]!), print: (a, _p, m) => (m === 'latex' ? `\\left|${a[0]!.s}\\right|` : `|${a[0]!.s}|`) }),
  relu: defineOp({ kind: 'relu', evaluate: (_c, a) => reluNaN(a[0]!), print: (a, _p, m) => (m === 'latex' ? `\\left[${a[0]!.s}\\right]_+` : `relu(${a[0]!.s})`) }),
  softplus: defineOp({ kind: 'softplus', evaluate: (_c, a) => tf.softplus(a[0]!), print: fn('softplus', '\\operatorname{softplus}') }),
  sigmoid: defineOp({ kind: 'sigmoid', evaluate: (_c, a) => tf.sigmoid(a[0]!), print: fn('σ', '\\sigma') }),
  logSigmoid: defineOp({ kind: 'logSigmoid', evaluate: (_c, a) => tf.neg(tf.softplus(tf.neg(a[0]!))), print: fn('logσ', '\\log\\sigma') }),
  softmax: defineOp({ kind: 'softmax', evaluate: (_c, a) => tf.softmax(a[0]!), print: fn('softmax', '\\operatorname{softmax}') }),
  logSoftmax: defineOp({ kind: 'logSoftmax', evaluate: (_c, a) => tf.logSoftmax(a[0]!), print: fn('logsoftmax', '\\log\\operatorname{softmax}') }),
  zNormalize: defineOp({
    kind: 'zNormalize',
    evaluate: (_c, a) => {
      // Shifted by the row maximum first (the value does not change): a constant row becomes exactly 0, so its
      // float32 mean has no rounding for the division by sqrt(var + 1e-12) to magnify (it was O(1) before).
      const x = tf.sub(a[0]!, tf.max(a[0]!, -1, true));
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-12)));
    },
    print: (a, _p, m) => (m === 'latex' ? `\\frac{${a[0]!.s} - \\mu}{\\sigma}` : `znorm(${a[0]!.s})`),
  }),
  batchMarginal: defineOp({
    kind: 'batchMarginal',
    evaluate: (_c, a) => tf.mean(a[0]!, 0, true),
    print: (a, _p, m) => (m === 'latex' ? `\\overline{${a[0]!.s}}` : `batchmean(${a[0]!.s})`),
  }),
  expand: defineOp({
    kind: 'expand',
    evaluate: (_c, a) => (a[0]!.rank === 0 ? a[0]! : tf.reshape(a[0]!, [-1, 1])),
    print: (a, _p, m) => paren(a[0]!, PREC.atom, m),
    prec: PREC.atom,
  }),
  target: defineOp({
    kind: 'target',
    // x_y for integer labels (a gather: no 0·∞ from the other classes), Σ_j t_j x_j for dense targets with
    // the classes of zero target mass left out (so an infinite x_j there does not turn the sum into NaN).
    evaluate: (c, a) => (c.labels ? gatherRows(a[0]!, c.labels, c.numClasses) : tf.sum(weighted(a[0]!, c.yTrue()), -1)),
    print: (a, _p, m) => (m === 'latex' ? `\\left.${paren(a[0]!, PREC.atom, m)}\\right|_{j=y}` : `${paren(a[0]!, PREC.atom, m)}[y]`),
  }),
  incorrect: defineOp({
    kind: 'incorrect',
    evaluate: (c, a) => {
      needClasses(c, '.incorrect()', 2);
      return tf.div(tf.sum(weighted(a[0]!, tf.sub(1, c.yTrue())), -1), c.numClasses - 1);
    },
    print: (a, _p, m) =>
      m === 'latex' ? `\\frac{1}{C-1}\\sum_{j \\neq y} ${paren(a[0]!, PREC.product, m)}` : `mean_{j≠y} ${paren(a[0]!, PREC.product, m)}`,
    prec: PREC.product,
  }),
  max: defineOp({ kind: 'max', evaluate: (_c, a) => rowExtreme(a[0]!, 'max'), print: (a, _p, m) => (m === 'latex' ? `\\max_j ${paren(a[0]!, PREC.unary, m)}` : `max_j ${paren(a[0]!, PREC.unary, m)}`), prec: PREC.unary }),
  min: defineOp({ kind: 'min', evaluate: (_c, a) => rowExtreme(a[0]!, 'min'), print: (a, _p, m) => (m === 'latex' ? `\\min_j ${paren(a[0]!, PREC.unary, m)}` : `min_j ${paren(a[0]!, PREC.unary, m)}`), prec: PREC.unary }),
  logSumExp: defineOp({
    kind: 'logSumExp',
    evaluate: (_c, a) => logSumExpRows(a[0]!),
    print: (a, _p, m) => (m === 'latex' ? `\\log\\sum_j e^{${a[0]!.s}}` : `logsumexp_j(${a[0]!.s})`),
    prec: PREC.unary,
  }),
  sum: defineOp({ kind: 'sum', evaluate: (_c, a) => tf.sum(a[0]!, -1), print: (a, _p, m) => (m === 'latex' ? `\\sum_j ${paren(a[0]!, PREC.product, m)}` : `sum_j ${paren(a[0]!, PREC.product, m)}`), prec: PREC.product }),
  mean: defineOp({ kind: 'mean', evaluate: (_c, a) => tf.mean(a[0]!, -1), print: (a, _p, m) => (m === 'latex' ? `\\frac{1}{C}\\sum_j ${paren(a[0]!, PREC.product, m)}` : `mean_j ${paren(a[0]!, PREC.product, m)}`), prec: PREC.product }),
  topk: defineOp<{ k: number }>({
    kind: 'topk',
    evaluate: (c, a, p) => {
      needClasses(c, `.topk(${p.k})`, p.k);
      const x = a[0]!;
      // Mean of the k largest values: every entry above the k-th largest, plus as many copies of the k-th as
      // the top k hold (ties at the k-th place count once each). Gradient 1/k on the entries above; the
      // remaining weight is shared evenly by the entries tied with the k-th (a subgradient: weights sum to 1).
      const kth = kthLargest(x, p.k);
      const above = tf.cast(tf.greater(x, kth), 'float32');
      const tied = tf.cast(tf.equal(x, kth), 'float32');
      const need = tf.sub(p.k, tf.sum(above, -1, true)); // copies of the k-th value among the top k
      const share = tf.div(need, tf.sum(tied, -1, true));
      return tf.div(tf.sum(tf.mul(x, tf.add(above, tf.mul(tied, share))), -1), p.k);
    },
    print: (a, p, m) => (m === 'latex' ? `\\operatorname{top}_{${p.k}}\\left(${a[0]!.s}\\right)` : `top${p.k}(${a[0]!.s})`),
  }),
  batchSum: defineOp({ kind: 'batchSum', evaluate: (_c, a) => tf.sum(a[0]!), print: (a, _p, m) => (m === 'latex' ? `\\sum_i ${paren(a[0]!, PREC.product, m)}` : `sum_i ${paren(a[0]!, PREC.product, m)}`), prec: PREC.product }),
  batchMeanReduce: defineOp({
    kind: 'batchMean',
    evaluate: (c, a) => (a[0]!.size === 1 ? tf.reshape(a[0]!, []) : tf.div(tf.sum(a[0]!), c.batchSize)),
    print: (a, _p, m) => (m === 'latex' ? `\\frac{1}{B}\\sum_i ${paren(a[0]!, PREC.product, m)}` : `mean_i ${paren(a[0]!, PREC.product, m)}`),
    prec: PREC.product,
  }),
} as const;

registerCoreOps(coreOps);
