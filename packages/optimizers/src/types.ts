import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, formatShape } from '@losskit/core';
import type { UdimBatch } from './udim.js';

/**
 * Parameters (and gradients, and updates) as a named map of tensors: `{ 'dense/kernel': W, 'dense/bias': b }`.
 * Values may be plain tensors or `tf.Variable`s (a Variable is a Tensor).
 */
export type Params = Readonly<Record<string, Tensor>>;

/** A schedule: the value to use at update number `step` (0 for the first update). Pure function of the step. */
export type Schedule = (step: number) => number;

/** A number, or a {@link Schedule} of the step. */
export type ScalarOrSchedule = number | Schedule;

/**
 * A loss closure for optimizers that need to evaluate the loss again (SAM): given a parameter map, the loss value
 * and its gradients there. The caller of the closure owns (and disposes) every returned tensor.
 */
export type LossClosure = (params: Params) => { readonly value: Scalar; readonly grads: Params };

/** Extra arguments of {@link GradientTransformation.update}; each transformation reads only what it needs. */
export interface UpdateExtra {
  /** The (batch) loss at `params`; MoMo needs it. */
  readonly value?: number | Scalar;
  /** A loss closure; SAM needs it. See {@link lossClosure}. */
  readonly loss?: LossClosure;
  /** The gradient of a second objective to protect; `projectConflicting` needs it. */
  readonly reference?: Params;
  /**
   * The loss on labels sampled from the model's own predictive distribution (a closure like `loss`); Sophia's
   * Gauss–Newton–Bartlett estimator needs it.
   */
  readonly sampledLoss?: LossClosure;
  /** The gradient of a distillation loss (a subset of the names of `grads`); `dot` needs it. */
  readonly distill?: Params;
  /** The model and batch `{ model, x, labels }`; `udim` needs them. */
  readonly udim?: UdimBatch;
}

/** What `update` returns: fresh update tensors and the new state (both owned by the caller). */
export interface UpdateResult<S> {
  readonly updates: Params;
  readonly state: S;
}

/**
 * An optax-style pure gradient transformation.
 * - `init(params)` returns the initial state (tensors the caller owns; free them with {@link disposeState}).
 * - `update(grads, state, params?, extra?)` returns new `updates` and a new `state`. It never mutates or disposes
 *   its inputs and never returns a tensor that aliases an input, so the caller disposes the old state and the
 *   updates when done (the {@link step} helper and {@link train} do this).
 */
export interface GradientTransformation<S = unknown> {
  init(params: Params): S;
  update(grads: Params, state: S, params?: Params, extra?: UpdateExtra): UpdateResult<S>;
  /** The learning-rate schedule this transformation applies, if any (used for progress reports). */
  readonly learningRate?: Schedule;
}

/** Disposes every tensor inside a state (nested objects and arrays). Numbers and other values are ignored. */
export function disposeState(state: unknown): void {
  if (state instanceof tf.Tensor) {
    if (!state.isDisposed) state.dispose();
    return;
  }
  if (Array.isArray(state)) {
    for (const s of state) disposeState(s);
    return;
  }
  if (state !== null && typeof state === 'object') {
    for (const v of Object.values(state)) disposeState(v);
  }
}

/** Disposes every tensor of a parameter map (e.g. updates or gradients you own). Variables are left alone. */
export function disposeParams(params: Params): void {
  for (const t of Object.values(params)) if (!(t instanceof tf.Variable) && !t.isDisposed) t.dispose();
}

/** @internal `tf.tidy` for structured results (state objects with numbers and tensor maps). */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}

/** @internal Maps every entry of a parameter map. */
export function mapParams(p: Params, f: (t: Tensor, name: string) => Tensor): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const k of Object.keys(p)) out[k] = f(p[k]!, k);
  return out;
}

/** @internal Checks that `value` is a non-empty map of float tensors (the boundary check of `init`). */
export function checkParams(value: unknown, argument: string): Params {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LosskitError('INVALID_ARGUMENT', 'expected a named map of tensors', { argument, received: Array.isArray(value) ? 'an array' : String(value) });
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'no parameters', { argument, expected: 'at least one named tensor', received: '{}' });
  for (const [k, t] of entries) {
    if (!(t instanceof tf.Tensor)) {
      throw new LosskitError('INVALID_ARGUMENT', `entry "${k}" is not a tensor`, { argument, expected: 'tf.Tensor or tf.Variable', received: typeof t });
    }
    if (t.isDisposed) throw new LosskitError('INVALID_ARGUMENT', `entry "${k}" is disposed`, { argument });
    if (t.dtype !== 'float32') {
      throw new LosskitError('INVALID_ARGUMENT', `entry "${k}" has dtype ${t.dtype}`, { argument, expected: 'float32', received: t.dtype });
    }
  }
  return value as Params;
}

/**
 * @internal Checks that `value` has exactly the names and shapes of `ref` (throws `INVALID_ARGUMENT` for a
 * missing or extra name, `SHAPE_MISMATCH` for a shape that differs).
 */
export function checkMatching(value: unknown, ref: Params, argument: string, refName: string): Params {
  const p = checkParams(value, argument);
  const want = Object.keys(ref);
  for (const k of want) {
    if (!(k in p)) {
      throw new LosskitError('INVALID_ARGUMENT', `missing entry "${k}"`, { argument, expected: `the names of ${refName}: ${want.join(', ')}`, received: Object.keys(p).join(', ') });
    }
    const a = p[k]!.shape;
    const b = ref[k]!.shape;
    if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
      throw new LosskitError('SHAPE_MISMATCH', `entry "${k}" has the wrong shape`, { argument, expected: `${formatShape(b)} (as in ${refName})`, received: formatShape(a) });
    }
  }
  for (const k of Object.keys(p)) {
    if (!(k in ref)) {
      throw new LosskitError('INVALID_ARGUMENT', `unexpected entry "${k}"`, { argument, expected: `the names of ${refName}: ${want.join(', ')}`, received: Object.keys(p).join(', ') });
    }
  }
  return p;
}

/** @internal Validates an options argument: `undefined` gives `{}`; anything but a plain object throws `INVALID_ARGUMENT`. */
export function optionsOf<T>(options: T, name = 'options'): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: name, expected: 'an options object', received: options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options });
  }
  return options;
}

/** What a state field must hold: an update count, a named map of live tensors, or one live tensor. */
export type StateField = 'count' | 'params' | 'tensor';

/**
 * @internal Checks that `state` is the kind of state this transformation's `init` returns (an object with the given
 * fields: counts are integers >= 0, maps and tensors are live). Throws `INVALID_ARGUMENT` naming `state` otherwise,
 * instead of a TypeError or NaN deep inside `update`.
 */
export function checkState<S>(state: unknown, fields: Readonly<Record<string, StateField>>): S {
  const bad = (received: string) =>
    new LosskitError('INVALID_ARGUMENT', 'not a state of this transformation', { argument: 'state', expected: `the state its init() returned: { ${Object.keys(fields).join(', ')} }`, received });
  if (state === null || typeof state !== 'object' || Array.isArray(state)) throw bad(state === null ? 'null' : Array.isArray(state) ? 'an array' : typeof state);
  const st = state as Record<string, unknown>;
  for (const [k, kind] of Object.entries(fields)) {
    const v = st[k];
    const live = (t: unknown) => t instanceof tf.Tensor && !t.isDisposed;
    const ok =
      kind === 'count'
        ? typeof v === 'number' && Number.isInteger(v) && v >= 0
        : kind === 'tensor'
          ? live(v)
          : v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every(live);
    if (!ok) throw bad(`field ${k}: ${v === null ? 'null' : v instanceof tf.Tensor && v.isDisposed ? 'a disposed tensor' : typeof v}`);
  }
  return state as S;
}

/** @internal Throws `MISSING_INPUT` when a transformation that needs `params` did not get them. */
export function needParams(params: Params | undefined, who: string): Params {
  if (params === undefined) {
    throw new LosskitError('MISSING_INPUT', `${who} needs the current parameters`, { argument: 'params', expected: 'update(grads, state, params)' });
  }
  return params;
}

/** @internal Resolves a number-or-schedule at `step`, checking the result is a finite number >= 0. */
export function valueAt(s: ScalarOrSchedule, step: number, name: string): number {
  const v = typeof s === 'function' ? s(step) : s;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new LosskitError('INVALID_PARAMETER', typeof s === 'function' ? `schedule returned an invalid value at step ${step}` : 'invalid hyperparameter', {
      argument: name,
      expected: 'a finite number >= 0',
      received: String(v),
    });
  }
  return v;
}

/** @internal Validates a number-or-schedule hyperparameter at construction time (numbers must be >= 0). */
export function checkScalarOrSchedule(s: unknown, name: string): ScalarOrSchedule {
  if (typeof s === 'function') return s as Schedule;
  valueAt(s as number, 0, name);
  return s as number;
}

/** @internal Σ over all entries of `f(a_k, b_k)` reduced to a scalar (e.g. a global dot product). */
export function globalSum(a: Params, f: (t: Tensor, name: string) => Tensor): Scalar {
  const parts = Object.keys(a).map((k) => tf.sum(f(a[k]!, k)));
  return (parts.length === 1 ? parts[0]! : tf.addN(parts)) as Scalar;
}

/** @internal Global dot product Σ_k ⟨a_k, b_k⟩. */
export function globalDot(a: Params, b: Params): Scalar {
  return globalSum(a, (t, k) => tf.mul(t, b[k]!));
}

/** @internal Global squared L2 norm Σ_k ‖a_k‖². */
export function globalSquaredNorm(a: Params): Scalar {
  return globalSum(a, (t) => tf.square(t));
}

/**
 * @internal Deep copy of a state with every tensor replaced by `tf.clone` (a new handle on the same data, no copy of the
 * buffer). Wrappers that carry a sub-state over unchanged return a clone, so the caller can dispose the old state.
 */
export function cloneState<S>(state: S): S {
  if (state instanceof tf.Tensor) return tf.clone(state) as S;
  if (Array.isArray(state)) return state.map((s) => cloneState(s)) as S;
  if (state !== null && typeof state === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(state)) out[k] = cloneState(v);
    return out as S;
  }
  return state;
}

/** @internal The entries of `p` whose names are in `names` (same tensors, no copies). */
export function pick(p: Params, names: readonly string[]): Params {
  const out: Record<string, Tensor> = {};
  for (const k of names) out[k] = p[k]!;
  return out;
}

/** @internal Zeros shaped like every entry. */
export function zerosLikeParams(p: Params): Record<string, Tensor> {
  return mapParams(p, (t) => tf.zerosLike(t));
}

/** @internal Checks that `t` is a GradientTransformation (`{ init, update }`). */
export function checkTransform<S>(t: GradientTransformation<S>, argument: string): GradientTransformation<S> {
  if (t === null || typeof t !== 'object' || typeof t.init !== 'function' || typeof t.update !== 'function') {
    throw new LosskitError('INVALID_ARGUMENT', 'not a GradientTransformation', { argument, expected: '{ init, update }', received: String(t) });
  }
  return t;
}

/** @internal Reads a scalar tensor (one device read-back). */
export function readScalar(t: Tensor): number {
  return t.dataSync()[0]!;
}

/** @internal The loss value `extra.value` as a scalar tensor (MoMo, Polyak, reduce-on-plateau); typed errors when missing or bad. */
export function lossValue(extra: UpdateExtra | undefined, who: string): Scalar {
  const v = extra?.value;
  if (v === undefined) {
    throw new LosskitError('MISSING_INPUT', `${who} needs the loss value at params`, { argument: 'extra.value', expected: 'update(grads, state, params, { value })' });
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new LosskitError('NON_FINITE_INPUT', 'loss value is not finite', { argument: 'extra.value', received: String(v) });
    return tf.scalar(v);
  }
  if (!(v instanceof tf.Tensor) || v.size !== 1) {
    throw new LosskitError('INVALID_ARGUMENT', 'loss value must be a number or a scalar tensor', { argument: 'extra.value', received: v instanceof tf.Tensor ? `shape [${v.shape.join(', ')}]` : typeof v });
  }
  return tf.reshape(v, []) as Scalar;
}
