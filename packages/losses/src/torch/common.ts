import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type CallOptions, type Expr, LosskitError, type TensorLike, formatIndex, formatShape } from '@losskit/core';
import { compiledOnce } from '../compiled.js';
import { type ValidateOption, finiteOutput, inputTensor, validateOption } from '../validate.js';

/** torch's `reduction`: `'mean'` (default), `'sum'` or `'none'` (the unreduced losses). */
export type TorchReduction = 'mean' | 'sum' | 'none';

/** Options every `/torch` loss takes: torch's `reduction` and the `validate` opt-out (see {@link ValidateOption}). */
export interface TorchOptions extends ValidateOption {
  /** Default `'mean'`. */
  readonly reduction?: TorchReduction;
}

/** The options object (an object or undefined), its `validate` flag and its reduction among `allowed`. @internal */
export function torchOptions(options: unknown): { validate: boolean; reduction: TorchReduction };
export function torchOptions<R extends string>(options: unknown, allowed: readonly R[]): { validate: boolean; reduction: R };
export function torchOptions(options: unknown, allowed: readonly string[] = ['mean', 'sum', 'none']): { validate: boolean; reduction: string } {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', expected: 'an object of keyword options', received: String(options) });
  }
  const o = (options ?? {}) as { reduction?: unknown; validate?: boolean };
  const reduction = (o.reduction ?? 'mean') as string;
  if (!allowed.includes(reduction)) {
    throw new LosskitError('INVALID_ARGUMENT', 'invalid reduction', { argument: 'reduction', expected: allowed.map((r) => `'${r}'`).join(', '), received: String(o.reduction) });
  }
  return { validate: validateOption(o), reduction };
}

/** torch's `apply_loss_reduction`: `none` → as is, `sum` → Σ, `mean` → Σ / `denominator` (default: the element count). @internal */
export function reduce(values: Tensor, reduction: TorchReduction, denominator?: Tensor | number): Tensor {
  if (reduction === 'none') return values;
  const total = tf.sum(values);
  if (reduction === 'sum') return total;
  return tf.div(total, denominator ?? values.size);
}

/** The drop-in's result, checked finite when `validate` (`NON_FINITE_OUTPUT` rather than a silent NaN/∞). @internal */
export function output(out: Tensor, fn: string, validate: boolean): Tensor {
  return finiteOutput(out, fn, 'input', validate, 'e.g. a log of a non-positive rate, or a value that overflows float32');
}

/** Both tensors must have the same shape (torch's elementwise losses; torch would broadcast with a warning). @internal */
export function sameShape(a: Tensor, b: Tensor, aName: string, bName: string): void {
  if (a.shape.join() !== b.shape.join()) {
    throw new LosskitError('SHAPE_MISMATCH', `${bName} must have the shape of ${aName}`, { argument: bName, expected: formatShape(a.shape), received: formatShape(b.shape) });
  }
}

/**
 * Evaluates a sample-level DSL expression on every element of `input` (each element a one-class row `[M, 1]`):
 * torch's elementwise losses over the builders of `@losskit/losses` (a mean over one class is the element's value).
 * `extra` tensors, broadcast to `input`'s shape, become class-level inputs. Returns the losses shaped like `input`.
 * @internal
 */
export function elementwise(expr: Expr<'sample', 'any'>, target: Tensor, input: Tensor, extra: Record<string, Tensor> = {}): Tensor {
  if (input.size === 0) return tf.zeros(input.shape);
  const rows = (t: Tensor) => tf.reshape(t, [-1, 1]);
  const inputs: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(extra)) inputs[k] = rows(v);
  const call: CallOptions | undefined = Object.keys(inputs).length > 0 ? { inputs } : undefined;
  const values = compiledOnce(expr, 'logits', false)(rows(target), rows(input), call) as Tensor;
  return tf.reshape(values, input.shape);
}

/**
 * Rows of class scores from torch's layouts with the class dimension 1: `[C]` (unbatched), `[N, C]` or
 * `[N, C, d1, …]` (moved to `[N, d1, …, C]`). Returns the rows `[M, C]` and the shape of the per-row losses
 * (`[]`, `[N]` or `[N, d1, …]`). @internal
 */
export function classRows(x: Tensor, name: string): { rows: Tensor; lead: number[]; classes: number } {
  if (x.rank === 0) throw new LosskitError('RANK_MISMATCH', 'needs a class dimension', { argument: name, expected: 'shape [C], [N, C] or [N, C, d1, ...]', received: '[] (a scalar)' });
  if (x.rank === 1) return { rows: tf.reshape(x, [1, -1]), lead: [], classes: x.shape[0]! };
  const classes = x.shape[1]!;
  if (x.rank === 2) return { rows: x, lead: [x.shape[0]!], classes };
  const perm = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2), 1];
  const lead = [x.shape[0]!, ...x.shape.slice(2)];
  return { rows: tf.reshape(tf.transpose(x, perm), [-1, classes]), lead, classes };
}

/** Integer class targets of shape `lead`, each in `[0, classes)` or equal to `ignore`, read to the host. @internal */
export function classTargets(t: TensorLike, lead: readonly number[], classes: number, name: string, ignore?: number): { values: Int32Array; valid: Uint8Array } {
  const x = inputTensor(t, name, false);
  if (x.shape.join() !== lead.join()) {
    throw new LosskitError('SHAPE_MISMATCH', 'class targets must have the shape of the input without its class dimension', { argument: name, expected: formatShape(lead), received: formatShape(x.shape) });
  }
  const v = x.dataSync();
  const values = new Int32Array(v.length);
  const valid = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const y = v[i]!;
    if (ignore !== undefined && y === ignore) continue;
    const at = `${y} at ${formatIndex(i, lead)}`;
    if (!Number.isFinite(y)) throw new LosskitError('NON_FINITE_INPUT', 'class targets must be finite integers', { argument: name, expected: `integers in [0, ${classes})`, received: at });
    if (!Number.isInteger(y)) throw new LosskitError('NON_INTEGER_LABEL', 'class targets must be integers', { argument: name, expected: `integers in [0, ${classes})`, received: at });
    if (y < 0 || y >= classes) throw new LosskitError('LABEL_OUT_OF_RANGE', 'class target out of bounds', { argument: name, expected: `integers in [0, ${classes})${ignore === undefined ? '' : ` or ignoreIndex ${ignore}`}`, received: at });
    values[i] = y;
    valid[i] = 1;
  }
  return { values, valid };
}

/** One weight per class, `[C]`, non-negative and finite. @internal */
export function classWeightTensor(w: TensorLike, classes: number, name: string, validate: boolean): Tensor {
  const t = inputTensor(w, name, validate);
  if (t.rank !== 1 || t.shape[0] !== classes) {
    throw new LosskitError('SHAPE_MISMATCH', 'one weight per class', { argument: name, expected: `shape [${classes}]`, received: formatShape(t.shape) });
  }
  return t;
}

/** `t` broadcast to `shape` (numpy rules), or `SHAPE_MISMATCH` naming `name`. @internal */
export function broadcastTo(t: Tensor, shape: readonly number[], name: string): Tensor {
  const s = t.shape;
  const ok = s.length <= shape.length && s.every((d, k) => d === 1 || d === shape[shape.length - s.length + k]);
  if (!ok) throw new LosskitError('SHAPE_MISMATCH', 'does not broadcast to the input', { argument: name, expected: `a shape broadcastable to ${formatShape(shape)}`, received: formatShape(s) });
  return s.join() === shape.join() ? t : tf.broadcastTo(t, [...shape]);
}

/** A finite number option. @internal */
export function numberOption(name: string, v: unknown, ok: (x: number) => boolean = () => true, expected = 'a finite number'): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new LosskitError('INVALID_ARGUMENT', 'invalid option', { argument: name, expected, received: String(v) });
  return v;
}

/** The denominator of a mean that torch leaves as 0/0 (NaN): with `validate`, `INVALID_ARGUMENT` naming `argument`. @internal */
export function checkDenominator(d: Tensor, validate: boolean, argument: string, why: string): void {
  if (validate && d.dataSync()[0] === 0) {
    throw new LosskitError('INVALID_ARGUMENT', `${why}, so torch's 'mean' divides by 0 and returns NaN`, { argument, expected: "a non-zero denominator (or reduction 'sum' / 'none', or validate: false for torch's NaN)", received: 'a denominator of 0' });
  }
}
