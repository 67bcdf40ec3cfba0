/**
 * Input and output checks of the drop-ins (`/keras`, `/tfjs`), the same ones `compile()` makes by default:
 * NaN/±Inf inputs raise `NON_FINITE_INPUT` naming the argument and the index, integer labels are checked
 * for range, and a non-finite result on finite input raises `NON_FINITE_OUTPUT` instead of returning NaN.
 * Plain arrays are checked on the host; tensors with one on-device reduction and a single read-back (the
 * values are read only to locate a bad entry). The WASM backend's `clipByValue` maps NaN to the lower bound,
 * so without these checks a NaN probability would come back as a finite, wrong loss. Call inside `tf.tidy`.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { Expr, LosskitError, type TensorLike, formatIndex, toTensor } from '@losskit/core';

/** The opt-out every drop-in takes, as `compile({ validate })`. */
export interface ValidateOption {
  /**
   * `true` (default): NaN or ±Inf in any input raises `NON_FINITE_INPUT` (naming the argument and the index),
   * integer labels must be in range, and a non-finite result raises `NON_FINITE_OUTPUT` rather than coming back
   * as NaN. `false`: shape checks only, for the last bit of speed (each check reads one value back from the device).
   */
  readonly validate?: boolean;
}

/** The `validate` option with its default (`true`); anything but a boolean is an error. */
export function validateOption(options: ValidateOption | undefined): boolean {
  const v = options?.validate ?? true;
  if (typeof v !== 'boolean') throw new LosskitError('INVALID_ARGUMENT', 'must be a boolean', { argument: 'validate', received: String(v) });
  return v;
}

/** Index of the first non-finite value of `t` (a host scan only when the device says there is one), or -1. */
function firstNonFinite(t: Tensor, host: ArrayLike<number> | undefined): number {
  if (host === undefined) {
    if (t.size === 0) return -1;
    const bad = tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(t))));
    const any = bad.dataSync()[0] === 1;
    bad.dispose();
    if (!any) return -1;
  }
  const v = host ?? t.dataSync();
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return i;
  return -1;
}

/** Throws `NON_FINITE_INPUT` naming `name` at the first NaN/±Inf of the converted input. */
function assertFiniteInput(t: Tensor, host: ArrayLike<number> | undefined, name: string): void {
  const i = firstNonFinite(t, host);
  if (i >= 0) {
    const v = (host ?? t.dataSync())[i]!;
    throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: name, expected: 'finite numbers', received: `${v} at ${formatIndex(i, t.shape)}` });
  }
}

/** `x` as a float32 tensor; with `validate`, every value must be finite (`NON_FINITE_INPUT` names `name` and the index). */
export function inputTensor(x: TensorLike, name: string, validate: boolean): Tensor {
  const c = toTensor(x, name);
  if (validate) assertFiniteInput(c.tensor, c.host, name);
  return c.tensor;
}

/**
 * Checks integer class labels: finite (`NON_FINITE_INPUT`), integers (`NON_INTEGER_LABEL`) in `[0, classes)`
 * (`LABEL_OUT_OF_RANGE`); entries equal to `ignore` are skipped. Reads the labels back (they are small).
 */
export function checkClassLabels(labels: Tensor, classes: number, name: string, ignore?: number): void {
  const v = labels.dataSync();
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (ignore !== undefined && x === ignore) continue;
    const where = `${x} at ${formatIndex(i, labels.shape)}`;
    if (!Number.isFinite(x)) throw new LosskitError('NON_FINITE_INPUT', 'labels must be finite integers', { argument: name, expected: `integers in [0, ${classes})`, received: where });
    if (!Number.isInteger(x)) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be integers', { argument: name, expected: `integers in [0, ${classes})`, received: where });
    if (x < 0 || x >= classes) throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range', { argument: name, expected: `integers in [0, ${classes})`, received: where });
  }
}

/**
 * Returns `out`, or (with `validate`) throws `NON_FINITE_OUTPUT` if any of its values is NaN/±Inf although the
 * inputs were checked finite: e.g. probabilities outside [0, 1] under a log, or a square that overflows float32.
 */
export function finiteOutput(out: Tensor, fn: string, argument: string, validate: boolean, hint: string): Tensor {
  if (!validate) return out;
  const i = firstNonFinite(out, undefined);
  if (i >= 0) {
    const v = out.dataSync()[i]!;
    throw new LosskitError('NON_FINITE_OUTPUT', `${fn} is not finite although every input is`, {
      argument,
      expected: `finite values (${hint})`,
      received: `${v} at ${out.rank === 0 ? 'the result' : formatIndex(i, out.shape)}`,
    });
  }
  return out;
}

/**
 * Rejects option keys a function does not take (a misspelt or foreign option would otherwise be ignored
 * silently): `INVALID_ARGUMENT` naming `options.<key>` and listing the accepted ones.
 */
export function checkOptionKeys(options: object | undefined, accepted: readonly string[], fn: string): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', `${fn} options must be an object`, { argument: 'options', received: typeof options });
  for (const k of Object.keys(options)) {
    if (!accepted.includes(k)) {
      throw new LosskitError('INVALID_ARGUMENT', `${fn} has no option "${k}"`, { argument: `options.${k}`, expected: `one of ${accepted.join(', ')}`, received: JSON.stringify((options as Record<string, unknown>)[k]) });
    }
  }
}

/**
 * The loss a combinator wraps (`weighted(loss)`, `masked(loss)`, ...): a sample-level expression, else
 * `INVALID_ARGUMENT` (not an expression) or `LEVEL_MISMATCH` (another level) naming `loss`.
 */
export function sampleLoss<T extends Expr>(loss: T, fn: string): T {
  if (!(loss instanceof Expr)) {
    throw new LosskitError('INVALID_ARGUMENT', `${fn}() wraps a loss expression`, { argument: 'loss', expected: 'a sample-level expression such as ce()', received: loss === null ? 'null' : typeof loss });
  }
  if (loss.level !== 'sample') {
    throw new LosskitError('LEVEL_MISMATCH', `${fn}() wraps a sample-level loss`, { argument: 'loss', expected: 'a sample-level expression such as ce()', received: `${loss.level}-level ${loss.toString()}` });
  }
  return loss;
}
