import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { type EvalContext, Expr, LosskitError, PREC, classConstant, complementFloor, defineOp, node, oneHotRows, smoothTargets, stopGradient } from '@losskit/core';

/**
 * Small primitives the standard losses need and the `Expr` methods cannot express, because they
 * depend on the prediction kind (`compile({ from })`), on the class count `C` known only at call
 * time, or on a batch-wide condition. Each is an ordinary op, so any user expression can reuse it.
 */

/** Keras' probability clip `backend.epsilon()`. */
export const KERAS_EPSILON = 1e-7;
/**
 * Keras' floor of `1 − p` when it clips `p` to `[ε, 1 − ε]` in float32: `1 − fround(1 − 1e-7)` ≈ 1.19e-7 (so
 * `−log` of it is 15.942, the value Keras' published tests give at p = 1 for a 0 target); core's `complementFloor(1e-7)`.
 */
export const KERAS_COMPLEMENT_FLOOR = complementFloor(KERAS_EPSILON);

const smoothedTargetsOp = defineOp<{ labelSmoothing: number; mode: 'categorical' | 'binary' }>({
  kind: 'std.smoothedTargets',
  evaluate: (c, _a, p) => {
    const t = c.yTrue();
    if (p.labelSmoothing === 0) return t;
    return p.mode === 'binary' ? tf.add(tf.mul(t, 1 - p.labelSmoothing), 0.5 * p.labelSmoothing) : smoothTargets(t, p.labelSmoothing, c.numClasses);
  },
  print: (_a, p, m) => {
    if (p.labelSmoothing === 0) return m === 'latex' ? 'y_j' : 'y';
    const e = p.labelSmoothing;
    const tail = p.mode === 'binary' ? `${e / 2}` : m === 'latex' ? `\\frac{${e}}{C}` : `${e}/C`;
    return m === 'latex' ? `\\left(${1 - e}\\,y_j + ${tail}\\right)` : `(${1 - e}·y + ${tail})`;
  },
  prec: PREC.atom,
});

/**
 * Label-smoothed dense targets `ỹ`, `[B, C]`: `y(1-ε) + ε/C` (`categorical`, Keras CCE / focal / sparse CCE)
 * or `y(1-ε) + ε/2` (`binary`, Keras BCE / binary focal). `ε = 0` gives `yTrue()` itself.
 */
export function smoothedTargets(labelSmoothing: number, mode: 'categorical' | 'binary'): Expr<'class', 'any'> {
  return node(smoothedTargetsOp, 'class', [], { labelSmoothing, mode });
}

const normalizedLogProbOp = defineOp({
  kind: 'std.normalizedLogProb',
  evaluate: (c) => {
    if (c.from === 'logits') return softmaxParts(c).logp;
    const p = c.yPred;
    return tf.log(tf.clipByValue(tf.div(p, tf.sum(p, -1, true)), KERAS_EPSILON, 1 - KERAS_EPSILON));
  },
  print: (_a, _p, m) => (m === 'latex' ? '\\log \\tilde{p}_j' : 'log p̃'),
  prec: PREC.atom,
});

/**
 * Keras' categorical log-probability, `[B, C]`: `log_softmax(z)` from logits (no clipping), or
 * `log(clip(p / Σ_k p_k, 1e-7, 1 - 1e-7))` from probabilities (renormalised, then clipped), as
 * `keras.ops.categorical_crossentropy` computes it.
 */
export function normalizedLogProb(): Expr<'class', 'any'> {
  return node(normalizedLogProbOp, 'class');
}

const normalizedProbOp = defineOp({
  kind: 'std.normalizedProb',
  evaluate: (c) => {
    const p = c.from === 'logits' ? tf.softmax(c.yPred) : c.yPred;
    return tf.clipByValue(tf.div(p, tf.sum(p, -1, true)), KERAS_EPSILON, 1 - KERAS_EPSILON);
  },
  print: (_a, _p, m) => (m === 'latex' ? '\\tilde{p}_j' : 'p̃'),
  prec: PREC.atom,
});

/**
 * Keras' clipped categorical probability (used by the categorical focal loss), `[B, C]`:
 * `clip(p / Σ_k p_k, 1e-7, 1 - 1e-7)` with `p = softmax(z)` from logits or the given probabilities.
 */
export function normalizedProb(): Expr<'class', 'any'> {
  return node(normalizedProbOp, 'class');
}

const binaryProbOp = defineOp({
  kind: 'std.binaryProb',
  evaluate: (c) => (c.from === 'logits' ? tf.sigmoid(c.yPred) : c.yPred),
  print: (_a, _p, m) => (m === 'latex' ? '\\sigma(z_j)' : 'σ(z)'),
  prec: PREC.atom,
});

/** Per-class (sigmoid) probability, `[B, C]`: `σ(z)` from logits, or the probabilities as given. */
export function binaryProb(): Expr<'class', 'any'> {
  return node(binaryProbOp, 'class');
}

const binaryProbComplementOp = defineOp({
  kind: 'std.binaryProbComplement',
  // σ(−z) rather than 1 − σ(z): equal in exact arithmetic, but in float32 1 − σ(14) keeps one digit.
  evaluate: (c) => (c.from === 'logits' ? tf.sigmoid(tf.neg(c.yPred)) : tf.sub(1, c.yPred)),
  print: (_a, _p, m) => (m === 'latex' ? '\\sigma(-z_j)' : 'σ(-z)'),
  prec: PREC.atom,
});

/** Per-class complement `1 − p`, `[B, C]`: `σ(−z)` from logits (no cancellation), or `1 − p` from probabilities. */
export function binaryProbComplement(): Expr<'class', 'any'> {
  return node(binaryProbComplementOp, 'class');
}

const signedTargetsOp = defineOp({
  kind: 'std.signedTargets',
  evaluate: (c) => {
    const t = c.yTrue();
    // Keras `convert_binary_labels_to_hinge`: 2y - 1 only when every label of the batch is 0 or 1.
    const binary = tf.all(tf.logicalOr(tf.equal(t, 0), tf.equal(t, 1)));
    return tf.where(tf.broadcastTo(binary, t.shape), tf.sub(tf.mul(t, 2), 1), t);
  },
  print: (_a, _p, m) => (m === 'latex' ? '\\tilde{y}_j' : 'ỹ'),
  prec: PREC.atom,
});

/**
 * Hinge targets `ỹ ∈ {-1, 1}`, `[B, C]`, with Keras' rule: the targets become `2y - 1` only when
 * every target in the batch is 0 or 1 (so one-hot / integer labels become ±1); otherwise they are used as given.
 */
export function signedTargets(): Expr<'class', 'any'> {
  return node(signedTargetsOp, 'class');
}

/**
 * `x log x` elementwise, `0 log 0 = 0`, written `x · log(max(x, 1e-30))`: exact for x ≥ 1e-30, 0 at 0, and
 * differentiable through the DSL (a comparison mask on the gradient path would need a gradient for `Greater`).
 */
export function xLogX<L extends 'class' | 'sample'>(x: Expr<L, 'any'>): Expr<L, 'any'> {
  return x.times(x.maximum(1e-30).log()) as Expr<L, 'any'>;
}

const sqrtClassesOp = defineOp<{ factor: number }>({
  kind: 'std.sqrtClasses',
  evaluate: (c, _a, p) => tf.scalar(p.factor * Math.sqrt(c.numClasses)),
  print: (_a, p, m) => (m === 'latex' ? `${p.factor}\\sqrt{C}` : `${p.factor}·sqrt(C)`),
  prec: PREC.product,
});

/** The constant `factor · √C`, with `C` the output width at call time (sample level). */
export function sqrtClasses(factor: number): Expr<'sample', 'any'> {
  return node(sqrtClassesOp, 'sample', [], { factor });
}

const probPowerOp = defineOp<{ q: number }>({
  kind: 'std.probPower',
  evaluate: (c, _a, p) => (c.from === 'logits' ? tf.exp(tf.mul(softmaxParts(c).logp, p.q)) : tf.pow(c.yPred, p.q)),
  print: (_a, p, m) => (m === 'latex' ? `p_j^{${p.q}}` : `p^${p.q}`),
  prec: PREC.power,
});

/**
 * `p^q`, `[B, C]`: from logits `exp(q · log_softmax(z))` (finite gradient even where `p` underflows to 0),
 * from probabilities `p^q` as given (no clipping, as Keras' generalized cross-entropy).
 */
export function probPower(q: number): Expr<'class', 'any'> {
  return node(probPowerOp, 'class', [], { q });
}

/** Dense targets `[N, C]` of a call: the one-hot of integer labels (by {@link oneHotRows}, so `C = 1` works) or the given targets. */
export function denseTargets(c: EvalContext): Tensor2D {
  return c.labels ? c.memo('std.@oneHot', () => oneHotRows(c.labels!, c.numClasses)) : c.yTrue();
}

/** Softmax quantities of a call that stay exact at ties and huge logits; see {@link softmaxParts}. */
export interface SoftmaxParts {
  /** `log p`, `[N, C]` (differentiable: `∂ log p_j / ∂z_k = δ_jk − p_k`). */
  readonly logp: Tensor2D;
  /** `p`, `[N, C]` (differentiable). */
  readonly p: Tensor2D;
  /** `1 - p`, `[N, C]`, accurate to relative precision also where `p` rounds to 1. No gradient: for custom gradients. */
  readonly q: Tensor2D;
}

/** `f(x)` as a value with a zero gradient; nothing inside `f` is recorded on the gradient tape. */
export function withoutGradient(x: Tensor, f: (x: Tensor) => Tensor): Tensor2D {
  return (tf.customGrad(((t: Tensor) => ({ value: f(t), gradFunc: () => tf.zeros(t.shape) })) as never) as unknown as (t: Tensor) => Tensor2D)(x);
}

/**
 * `log p`, `p` and `1 - p` of a call, exact for any finite logits. `log p` and `p` are core's (computed once per
 * call as `(z − m) − l` with `m = max_j z_j`, exact at ties of huge logits). `1 − p` is accurate to relative
 * precision also where `p` rounds to 1: with `t` the first arg-max and `R = Σ_{j≠t} e^{z_j − m}`,
 * `1 − p_t = R / (1 + R)` (`1e-8` at `p_t = 1 − 1e-8`, which float32 rounds to 1) and `1 − p_j` elsewhere
 * (there `p_j ≤ 1/2`). From probabilities: `p` as given, `log p = log(clip(p, ε, 1))`, `1 − p`.
 */
export function softmaxParts(c: EvalContext): SoftmaxParts {
  if (c.from !== 'logits') return { logp: c.logProbs(), p: c.probs(), q: c.memo('std.@q', () => tf.sub(1, stopGradient(c.probs())) as Tensor2D) };
  const z = c.yPred;
  // `[top | R]`: the first arg-max as a one-hot row and R = Σ_{j≠top} e^{z_j − m}, computed off the gradient tape
  // (inside one custom-gradient node with a zero gradient: tfjs has no float gradient through ArgMax's int32 output).
  const stats = c.memo('std.@topRest', () => withoutGradient(z, (x) => {
    const top = oneHotRows(tf.argMax(x, -1), c.numClasses);
    const rest = tf.sum(tf.mul(tf.exp(tf.sub(x, tf.max(x, -1, true))), tf.sub(1, top)), -1, true);
    return tf.concat([top, rest], 1) as Tensor2D;
  }));
  const top = c.memo('std.@top', () => tf.slice(stats, [0, 0], [-1, c.numClasses]) as Tensor2D);
  const rest = c.memo('std.@rest', () => tf.slice(stats, [0, c.numClasses], [-1, 1]) as Tensor2D);
  const p = c.probs();
  const q = c.memo('std.@q', () => tf.where(tf.cast(top, 'bool'), tf.broadcastTo(tf.div(rest, tf.add(1, rest)), p.shape), tf.sub(1, stopGradient(p))) as Tensor2D);
  return { logp: c.logProbs(), p, q };
}

/**
 * Per-class weights as a class-level term: an array (one finite number per class) becomes `classConstant(w, name)`,
 * an expression (e.g. `input('weight', 'class')`, weights passed at call time) is used as is. Negative weights are
 * rejected (`INVALID_PARAMETER` naming `name`).
 */
export function classWeights(w: readonly number[] | Expr<'class', 'any'>, name: string): Expr<'class', 'any'> {
  if (w instanceof Expr) {
    if (w.level !== 'class') throw new LosskitError('LEVEL_MISMATCH', 'per-class weights must be a class-level term', { argument: name, expected: 'an array or a class-level expression', received: `a ${w.level}-level expression` });
    return w;
  }
  if (!Array.isArray(w) || w.some((v) => typeof v !== 'number' || !(v >= 0))) {
    throw new LosskitError('INVALID_PARAMETER', 'per-class weights must be numbers >= 0', { argument: name, expected: 'one number >= 0 per class', received: Array.isArray(w) ? `[${w.join(', ')}]` : String(w) });
  }
  return classConstant(w, name);
}
