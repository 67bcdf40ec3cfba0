import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, cleanTapeOnError } from '@losskit/core';
import type { GradientTransformation, LossClosure, Params, UpdateExtra } from './types.js';
import { checkMatching, checkParams, disposeParams, disposeState, optionsOf } from './types.js';

/**
 * Applies updates: `θ ← θ + u` per name. `tf.Variable`s are assigned in place (and returned); plain tensors give new
 * tensors (the old ones are left to their owner). The updates are not disposed. Names and shapes must match.
 * @example params = applyUpdates(params, updates);
 */
export function applyUpdates(params: Params, updates: Params): Params {
  const ps = checkParams(params, 'params');
  const us = checkMatching(updates, ps, 'updates', 'params');
  const out: Record<string, Tensor> = {};
  for (const k of Object.keys(ps)) {
    const w = ps[k]!;
    if (w instanceof tf.Variable) {
      const next = tf.add(w, us[k]!);
      w.assign(next);
      next.dispose();
      out[k] = w;
    } else {
      out[k] = tf.add(w, us[k]!);
    }
  }
  return out;
}

/** What to do with a non-finite (NaN or ±Inf) gradient: throw `NON_FINITE_INPUT`, skip the step, or not check. */
export type NonFiniteMode = 'raise' | 'skip' | 'ignore';

/**
 * Names of the gradient entries holding NaN or ±Inf (one device read-back for all of them).
 * @example nonFiniteEntries(grads) // ['dense/kernel']
 */
export function nonFiniteEntries(grads: Params): string[] {
  const names = Object.keys(checkParams(grads, 'grads'));
  const flags = tf.tidy(() => tf.stack(names.map((k) => tf.any(tf.logicalNot(tf.isFinite(grads[k]!))))));
  const data = flags.dataSync();
  flags.dispose();
  return names.filter((_, i) => data[i] !== 0);
}

/** Options of {@link step}. */
export interface StepOptions {
  readonly extra?: UpdateExtra;
  /** Non-finite gradients: `raise` (default), `skip` the step, or `ignore` (no check, no read-back). */
  readonly nonFinite?: NonFiniteMode;
}

/** Result of {@link step}. */
export interface StepResult<S> {
  readonly params: Params;
  readonly state: S;
  /** True when the step was skipped for a non-finite gradient (params and state are then the inputs). */
  readonly skipped: boolean;
}

/**
 * One optimizer step with the bookkeeping done: `update`, then {@link applyUpdates}, then the updates and the old
 * state are disposed. Plain-tensor params come back as new tensors (dispose the old ones if you own them);
 * Variables are updated in place. The gradients are not disposed.
 * @example ({ params, state } = step(opt, params, grads, state));
 */
export function step<S>(optimizer: GradientTransformation<S>, params: Params, grads: Params, state: S, options: StepOptions = {}): StepResult<S> {
  if (!optimizer || typeof optimizer !== 'object' || typeof optimizer.update !== 'function') {
    throw new LosskitError('INVALID_ARGUMENT', 'optimizer must be a GradientTransformation', { argument: 'optimizer', expected: '{ init, update } such as adam()', received: optimizer === null ? 'null' : typeof optimizer });
  }
  options = optionsOf(options);
  const mode = options.nonFinite ?? 'raise';
  if (mode !== 'raise' && mode !== 'skip' && mode !== 'ignore') throw new LosskitError('INVALID_PARAMETER', 'unknown nonFinite mode', { argument: 'nonFinite', expected: "'raise', 'skip' or 'ignore'", received: String(mode) });
  if (mode !== 'ignore') {
    const bad = nonFiniteEntries(grads);
    if (bad.length > 0) {
      if (mode === 'raise') {
        throw new LosskitError('NON_FINITE_INPUT', 'gradient has NaN or Inf entries', { argument: 'grads', expected: 'finite values (or nonFinite: "skip")', received: `non-finite values in ${bad.map((b) => `"${b}"`).join(', ')}` });
      }
      if (mode !== 'skip') throw new LosskitError('INVALID_PARAMETER', 'unknown nonFinite mode', { argument: 'nonFinite', expected: "'raise', 'skip' or 'ignore'", received: String(mode) });
      return { params, state, skipped: true };
    }
  }
  const { updates, state: next } = optimizer.update(grads, state, params, options.extra);
  try {
    const out = applyUpdates(params, updates);
    disposeState(state);
    return { params: out, state: next, skipped: false };
  } catch (e) {
    disposeState(next);
    throw e;
  } finally {
    disposeParams(updates);
  }
}

/**
 * Builds a {@link LossClosure} (for SAM) from a loss of the parameters: `params => { value, grads }` with
 * `tf.valueAndGrads`. Intermediate tensors are disposed; the caller owns `value` and `grads`.
 * @example opt.update(grads, state, params, { loss: lossClosure((p) => f(p.w, p.b)) })
 */
export function lossClosure(f: (params: Params) => Scalar): LossClosure {
  if (typeof f !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'lossClosure needs a function', { argument: 'f', received: typeof f });
  return (params) => {
    const names = Object.keys(checkParams(params, 'params'));
    const { value, grads } = cleanTapeOnError(() => tf.valueAndGrads((...xs: Tensor[]) => {
      const m: Record<string, Tensor> = {};
      names.forEach((k, i) => {
        m[k] = xs[i]!;
      });
      const v = f(m);
      // Checked inside the tape (its only place), so the error names the closure instead of tfjs's "Cannot compute gradient".
      if (!(v instanceof tf.Tensor) || v.rank !== 0) {
        throw new LosskitError('INVALID_ARGUMENT', 'the loss function must return a scalar tensor', { argument: 'f', expected: 'a tf.Scalar', received: v instanceof tf.Tensor ? `a tensor of shape [${v.shape.join(', ')}]` : typeof v });
      }
      return v;
    })(names.map((k) => params[k]!)));
    const out: Record<string, Tensor> = {};
    names.forEach((k, i) => {
      out[k] = grads[i]!;
    });
    return { value: value as Scalar, grads: out };
  };
}
