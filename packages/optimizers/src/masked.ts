import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError } from '@losskit/core';
import type { GradientTransformation, Params, UpdateExtra, UpdateResult } from './types.js';
import { checkParams, checkTransform, pick } from './types.js';

/**
 * Which parameters a wrapper applies to, by name:
 * - a predicate `(name, tensor) => boolean`;
 * - a `RegExp` tested against the name (`/bias$|norm/`);
 * - a glob string (`'*\/bias'`; `*` matches any run of characters, `?` one character);
 * - an array of exact names;
 * - a record `{ name: boolean }` (optax's mask pytree; every parameter must be listed).
 */
export type MaskSpec =
  | ((name: string, tensor: Tensor) => boolean)
  | RegExp
  | string
  | readonly string[]
  | Readonly<Record<string, boolean>>;

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** @internal Compiles a {@link MaskSpec} into a name predicate (checked once, at construction). */
export function maskPredicate(mask: MaskSpec, argument = 'mask'): (name: string, tensor: Tensor) => boolean {
  if (typeof mask === 'function') return (n, t) => mask(n, t) === true;
  if (mask instanceof RegExp) return (n) => {
    mask.lastIndex = 0;
    return mask.test(n);
  };
  if (typeof mask === 'string') {
    const re = globToRegExp(mask);
    return (n) => re.test(n);
  }
  if (Array.isArray(mask)) {
    if (mask.some((m) => typeof m !== 'string')) throw new LosskitError('INVALID_ARGUMENT', 'mask names must be strings', { argument, received: mask.map((m) => typeof m).join(', ') });
    const set = new Set(mask as readonly string[]);
    return (n) => set.has(n);
  }
  if (mask !== null && typeof mask === 'object') {
    const rec = mask as Readonly<Record<string, boolean>>;
    for (const [k, v] of Object.entries(rec)) {
      if (typeof v !== 'boolean') throw new LosskitError('INVALID_ARGUMENT', `mask entry "${k}" is not a boolean`, { argument, expected: '{ name: boolean }', received: typeof v });
    }
    return (n) => {
      if (!(n in rec)) throw new LosskitError('INVALID_ARGUMENT', `mask has no entry for "${n}"`, { argument, expected: `a boolean for every parameter name`, received: Object.keys(rec).join(', ') });
      return rec[n]!;
    };
  }
  throw new LosskitError('INVALID_ARGUMENT', 'not a mask', { argument, expected: 'a predicate, RegExp, glob string, array of names or { name: boolean }', received: String(mask) });
}

/** @internal Names of `p` selected by `pred`, in `p`'s order. */
export function selectNames(p: Params, pred: (name: string, tensor: Tensor) => boolean): string[] {
  return Object.keys(p).filter((k) => pred(k, p[k]!));
}

/** State of {@link masked}: the inner state over the selected parameters (`null` when the mask selects none). */
export interface MaskedState<S> {
  readonly inner: S | null;
}

/**
 * @internal Runs `inner` on the `names` subset of the gradients and passes the other entries through (cloned, so the
 * result never aliases an input). `extra.reference` is restricted to the same names.
 */
export function updateSubset<S>(
  inner: GradientTransformation<S>,
  names: readonly string[],
  grads: Params,
  state: S | null,
  params: Params | undefined,
  extra: UpdateExtra | undefined,
): UpdateResult<S | null> & { readonly updates: Record<string, Tensor> } {
  if (names.length === 0) return { updates: Object.fromEntries(Object.keys(grads).map((k) => [k, tf.clone(grads[k]!)])), state: null };
  const sub = pick(grads, names);
  const subParams = params === undefined ? undefined : pick(params, names.filter((k) => k in params));
  const subExtra: UpdateExtra | undefined = extra?.reference ? { ...extra, reference: pick(extra.reference, names.filter((k) => k in extra.reference!)) } : extra;
  const r = inner.update(sub, state as S, subParams, subExtra);
  const set = new Set(names);
  const out: Record<string, Tensor> = {};
  for (const k of Object.keys(grads)) out[k] = set.has(k) ? r.updates[k]! : tf.clone(grads[k]!);
  return { updates: out, state: r.state };
}

/**
 * Applies `inner` only to the parameters selected by `mask`; the other updates pass through unchanged (optax `masked`).
 * The inner state covers the selected parameters only (optax's per-parameter layout), so a masked transformation
 * composes with `chain` in any order. The typical use is no weight decay on biases and norms:
 * `chain(scaleByAdam(), masked(addDecayedWeights(1e-2), (name, t) => t.rank > 1), scaleByLearningRate(1e-3))`.
 * @example masked(addDecayedWeights(1e-2), /kernel$/)
 */
export function masked<S>(inner: GradientTransformation<S>, mask: MaskSpec): GradientTransformation<MaskedState<S>> {
  checkTransform(inner, 'inner');
  const pred = maskPredicate(mask);
  return {
    ...(inner.learningRate ? { learningRate: inner.learningRate } : {}),
    init(params) {
      const ps = checkParams(params, 'params');
      const names = selectNames(ps, pred);
      return { inner: names.length === 0 ? null : inner.init(pick(ps, names)) };
    },
    update(grads, state, params, extra) {
      const g = checkParams(grads, 'grads');
      const names = selectNames(g, pred);
      if ((names.length === 0) !== (state?.inner === null)) {
        throw new LosskitError('INVALID_ARGUMENT', 'state does not belong to this mask', { argument: 'state', expected: `an inner state over ${names.length} parameters`, received: state?.inner === null ? 'an empty masked state' : 'an inner state' });
      }
      const r = updateSubset(inner, names, g, state.inner, params, extra);
      return { updates: r.updates, state: { inner: r.state } };
    },
  };
}
