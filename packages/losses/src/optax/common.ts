/**
 * Shared machinery of the optax drop-in: input checks under optax's argument names, numpy broadcasting, optax's
 * `axis` (an int, a tuple of ints or `None`) and `where` conventions, and the runner that evaluates a compiled DSL
 * expression on rows. Semantics follow google-deepmind/optax at 2edbcbe2390da13983b92cbef94ac0460ecde1c5
 * (`optax/losses/*.py`). Call inside `tf.tidy`.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { type CallOptions, type Expr, LosskitError, type TensorLike, formatIndex, formatShape } from '@losskit/core';
import { compiledOnce } from '../compiled.js';
import { type ValidateOption, checkClassLabels, finiteOutput, inputTensor } from '../validate.js';

/** Options every optax drop-in takes (see {@link ValidateOption}). */
export interface OptaxOptions extends ValidateOption {}

/**
 * optax's `axis`: one axis, several axes (reduced together, as if flattened in the given order) or `null` (every
 * axis). Negative values count from the end.
 */
export type Axis = number | readonly number[] | null;

/** Options of the optax losses that take `axis` and `where`. */
export interface AxisWhereOptions extends OptaxOptions {
  /** Axis or axes along which to compute. Default -1. */
  readonly axis?: Axis;
  /**
   * Elements to include (non-zero / true), shaped like the first argument, or like it without `axis` (then
   * broadcast along `axis`, as optax's `expand_dims(where, axis)`). Default: every element.
   */
  readonly where?: TensorLike | null;
}

/** `x` as a float32 tensor; with `validate`, NaN/±Inf raise `NON_FINITE_INPUT` naming `name`. */
export const tensorOf = (x: TensorLike, name: string, validate: boolean): Tensor => inputTensor(x, name, validate);

/** numpy broadcast shape of `a` and `b`, or `SHAPE_MISMATCH` naming `nameB`. */
export function broadcastShape(a: readonly number[], b: readonly number[], nameA: string, nameB: string): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const da = a[a.length - n + k] ?? 1;
    const db = b[b.length - n + k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new LosskitError('SHAPE_MISMATCH', `${nameB} does not broadcast against ${nameA}`, {
        argument: nameB,
        expected: `a shape broadcastable to ${formatShape(a)} (${nameA})`,
        received: formatShape(b),
      });
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** `t` broadcast to `shape` (numpy rules, `t` never the larger), or `SHAPE_MISMATCH` naming `name`. */
export function expandTo(t: Tensor, shape: readonly number[], name: string, of: string): Tensor {
  const ok = t.rank <= shape.length && t.shape.every((d, k) => d === 1 || d === shape[shape.length - t.rank + k]);
  if (!ok) {
    throw new LosskitError('SHAPE_MISMATCH', `${name} must broadcast to the shape of ${of}`, { argument: name, expected: `a shape broadcastable to ${formatShape(shape)}`, received: formatShape(t.shape) });
  }
  return broadcastTo(t, shape);
}

/** `SHAPE_MISMATCH` unless `b` has exactly the shape of `a` (optax's `check_shapes_equal`). */
export function checkSameShape(a: Tensor, b: Tensor, nameA: string, nameB: string): void {
  if (a.shape.join() !== b.shape.join()) {
    throw new LosskitError('SHAPE_MISMATCH', `${nameB} must have the shape of ${nameA}`, { argument: nameB, expected: formatShape(a.shape), received: formatShape(b.shape) });
  }
}

/** `t` broadcast to `shape` (a no-op when it already has it). */
export const broadcastTo = (t: Tensor, shape: readonly number[]): Tensor => (t.shape.join() === shape.join() ? t : tf.broadcastTo(t, [...shape]));

/** optax's `canonicalize_axes`: the axes as non-negative ints (`null`: every axis), or `INVALID_ARGUMENT` on `axis`. */
export function canonicalAxes(axis: Axis | undefined, rank: number, name: string): number[] {
  if (axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' || axis === undefined ? [axis ?? -1] : Array.isArray(axis) ? [...(axis as readonly number[])] : undefined;
  if (!list || list.length === 0) {
    throw new LosskitError('INVALID_ARGUMENT', 'axis must be an integer, a non-empty list of integers or null', { argument: 'axis', received: String(axis) });
  }
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new LosskitError('INVALID_ARGUMENT', 'axis out of range', { argument: 'axis', expected: `integers in [${-rank}, ${rank}) for ${name} of rank ${rank}`, received: String(a) });
    }
    return a < 0 ? a + rank : a;
  });
  if (new Set(out).size !== out.length) throw new LosskitError('INVALID_ARGUMENT', 'repeated axis', { argument: 'axis', received: `[${list.join(', ')}]` });
  return out;
}

/** A tensor viewed as rows: the reduced `axes` moved last (in the given order) and flattened, `[N, K]`. */
export interface Rows {
  readonly rows: Tensor2D;
  /** The shape of the result: the input's shape without `axes`. */
  readonly outShape: number[];
}

/** Moves `axes` of `t` to the end (in order) and flattens them, and the other axes, into `[N, K]`. */
export function toRows(t: Tensor, axes: readonly number[]): Rows {
  const batch = t.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...batch, ...axes];
  const moved = perm.every((p, i) => p === i) ? t : tf.transpose(t, perm);
  const outShape = batch.map((i) => t.shape[i]!);
  const k = axes.reduce((s, i) => s * t.shape[i]!, 1);
  return { rows: tf.reshape(moved, [outShape.reduce((s, d) => s * d, 1), k]) as Tensor2D, outShape };
}

/**
 * optax's `where` for an input of shape `shape` reduced over `axes`: given with the input's rank, or without the
 * reduced axes (then `expand_dims(where, axis)`), broadcast to `shape`; a boolean tensor (non-zero = include).
 */
export function whereMask(where: TensorLike, shape: readonly number[], axes: readonly number[], validate: boolean): Tensor {
  let w = tensorOf(where, 'where', validate);
  if (w.rank !== shape.length && w.rank + axes.length === shape.length) {
    const full = [...w.shape];
    for (const a of [...axes].sort((x, y) => x - y)) full.splice(a, 0, 1);
    w = tf.reshape(w, full);
  }
  const b = w.rank <= shape.length ? broadcastShape(shape, w.shape, 'the input', 'where') : undefined;
  if (!b || b.join() !== shape.join()) {
    throw new LosskitError('SHAPE_MISMATCH', 'where must broadcast to the input', {
      argument: 'where',
      expected: `a shape broadcastable to ${formatShape(shape)}, or to ${formatShape(shape.filter((_, i) => !axes.includes(i)))} (without the reduced axes)`,
      received: formatShape(tensorShape(where, w)),
    });
  }
  return tf.notEqual(broadcastTo(w, shape), 0);
}

const tensorShape = (given: TensorLike, t: Tensor): number[] => (given instanceof tf.Tensor ? given.shape : t.shape);

/** Evaluates a sample-level DSL expression on `[N, K]` rows (unreduced, unvalidated: the drop-in checks around it). */
export function perRow(expr: Expr<'sample'>, from: 'logits' | 'probs', targets: Tensor, predictions: Tensor, call?: CallOptions): Tensor {
  const loss = compiledOnce(expr, from);
  return call ? loss.perSample(targets, predictions, call) : (loss(targets, predictions) as Tensor);
}

/**
 * Evaluates a sample-level DSL expression on every element of `predictions` and `targets` broadcast together, each
 * element a one-class row (`expr` must equal the elementwise loss on one column, e.g. `term.sum()`), as optax's
 * elementwise losses do. Empty inputs give an empty result.
 */
export function elementwise(expr: Expr<'sample'>, predictions: Tensor, targets: Tensor, names: readonly [string, string]): Tensor {
  const shape = broadcastShape(predictions.shape, targets.shape, names[0], names[1]);
  const size = shape.reduce((s, d) => s * d, 1);
  if (size === 0) return tf.zeros(shape);
  const p = tf.reshape(broadcastTo(predictions, shape), [size, 1]);
  const t = tf.reshape(broadcastTo(targets, shape), [size, 1]);
  return tf.reshape(perRow(expr, 'logits', t, p), shape);
}

/**
 * With `validate`, `INVALID_ARGUMENT` naming `name` at the first value of `t` outside `allowed` (e.g. ±1 hinge
 * targets, 0/1 labels): optax documents these sets but computes silently wrong values outside them.
 */
export function checkValues(t: Tensor, name: string, allowed: readonly number[], validate: boolean): void {
  if (!validate || t.size === 0) return;
  const ok = tf.tidy(() => tf.all(allowed.map((a) => tf.equal(t, a)).reduce((x, y) => tf.logicalOr(x, y))).dataSync()[0] === 1);
  if (ok) return;
  const v = t.dataSync();
  const i = v.findIndex((x) => !allowed.includes(x));
  throw new LosskitError('INVALID_ARGUMENT', `${name} must be ${allowed.join(' or ')}`, { argument: name, expected: `values in {${allowed.join(', ')}}`, received: `${v[i]} at ${formatIndex(i, t.shape)}` });
}

/** Integer class labels `[...]` for scores `[..., C]`: the shape must match and the labels lie in `[0, C)`. */
export function classLabels(labels: TensorLike, scores: Tensor, names: readonly [string, string] = ['scores', 'labels']): Tensor {
  const l = tensorOf(labels, names[1], false);
  if (scores.rank < 1 || l.shape.join() !== scores.shape.slice(0, -1).join()) {
    throw new LosskitError('SHAPE_MISMATCH', `${names[1]} must have the shape of ${names[0]} without its last axis`, {
      argument: names[1],
      expected: scores.rank < 1 ? `${names[0]} of rank >= 1` : formatShape(scores.shape.slice(0, -1)),
      received: formatShape(l.shape),
    });
  }
  checkClassLabels(l, scores.shape.at(-1)!, names[1]);
  return l;
}

/** The result, checked finite when `validate` (`NON_FINITE_OUTPUT` naming `argument` and the first bad index). */
export function finish(out: Tensor, fn: string, argument: string, validate: boolean, hint = 'e.g. a square or exponential that overflows float32'): Tensor {
  return finiteOutput(out, fn, argument, validate, hint);
}

/**
 * optax's row-wise losses with `axis` and `where`: `predictions` and `targets` broadcast together, the `axis` axes
 * moved last and flattened into rows, `where` (if given) passed to the expression as `input('where', 'class')`
 * (1 = include), and the expression's per-row values shaped like the input without `axis`. `exprOf(masked)` builds
 * the expression with or without the mask. Empty rows (a zero-length axis) sum to 0, as `jnp.sum`.
 */
export function overAxis(
  exprOf: (masked: boolean) => Expr<'sample'>,
  predictions: Tensor,
  targets: Tensor,
  options: AxisWhereOptions,
  names: readonly [string, string],
  validate: boolean,
): Tensor {
  const shape = broadcastShape(predictions.shape, targets.shape, names[0], names[1]);
  const axes = canonicalAxes(options.axis, shape.length, names[0]);
  const p = toRows(broadcastTo(predictions, shape), axes);
  const t = toRows(broadcastTo(targets, shape), axes);
  const where = options.where === undefined || options.where === null ? undefined : toRows(tf.cast(whereMask(options.where, shape, axes, validate), 'float32'), axes).rows;
  const [n, k] = p.rows.shape;
  if (n === 0 || k === 0) return tf.zeros(p.outShape);
  const out = perRow(exprOf(where !== undefined), 'logits', t.rows, p.rows, where ? { inputs: { where } } : undefined);
  return tf.reshape(out, p.outShape);
}

/**
 * `x` as a float32 tensor in which `−∞` is allowed (a masked class, optax's `safe_softmax_cross_entropy`); with
 * `validate`, NaN and `+∞` raise `NON_FINITE_INPUT` naming `name` and the index.
 */
export function tensorAllowingNegInf(x: TensorLike, name: string, validate: boolean): Tensor {
  const t = tensorOf(x, name, false);
  if (!validate || t.size === 0) return t;
  const bad = tf.tidy(() => tf.any(tf.logicalOr(tf.isNaN(t), tf.equal(t, Number.POSITIVE_INFINITY))).dataSync()[0] === 1);
  if (bad) {
    const v = t.dataSync();
    const i = v.findIndex((a) => Number.isNaN(a) || a === Number.POSITIVE_INFINITY);
    throw new LosskitError('NON_FINITE_INPUT', 'contains NaN or +Infinity', { argument: name, expected: 'finite numbers or -Infinity (a class that cannot occur)', received: `${v[i]} at ${formatIndex(i, t.shape)}` });
  }
  return t;
}
