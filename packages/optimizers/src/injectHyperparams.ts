import { LosskitError } from '@losskit/core';
import type { GradientTransformation, Schedule, UpdateResult } from './types.js';
import { checkParams, checkTransform } from './types.js';

/** State of {@link injectHyperparams}: the step count, the numeric hyperparameters in force, and the inner state. */
export interface InjectHyperparamsState<S = unknown> {
  readonly count: number;
  /** Numeric hyperparameters; change them between steps with {@link withHyperparams} (the inner state is kept). */
  readonly hyperparams: Readonly<Record<string, number>>;
  readonly inner: S;
}

/**
 * Makes an optimizer's numeric hyperparameters part of its state (optax `inject_hyperparams`), so they can be read
 * and changed between steps without losing the inner state (moments, counts). `factory` is an options-object builder
 * (`adam`, `sgd`, `lion`, …). Numbers in the options become `state.hyperparams`; a schedule `t → value` is evaluated at
 * the step count on every update (its value is stored in `state.hyperparams` too); booleans, strings and the keys named
 * in `staticArgs` pass through unchanged. Every update rebuilds the inner transformation from the hyperparameters in
 * the state and calls its `update` with the kept inner state.
 * @example
 * const opt = injectHyperparams(adam)({ learningRate: 1e-3 });
 * let state = opt.init(params);
 * state = withHyperparams(state, { learningRate: 1e-4 }); // from the next step on
 */
export function injectHyperparams<O extends object, S>(
  factory: (options: O) => GradientTransformation<S>,
  staticArgs: readonly string[] = [],
): (options?: O) => GradientTransformation<InjectHyperparamsState<S>> {
  if (typeof factory !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'injectHyperparams needs an optimizer factory', { argument: 'factory', expected: 'a function options → GradientTransformation', received: typeof factory });
  return (options = {} as O) => {
    if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
    const stat = new Set(staticArgs);
    const numeric: Record<string, number> = {};
    const schedules: Record<string, Schedule> = {};
    const other: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(options)) {
      if (stat.has(k)) other[k] = v;
      else if (typeof v === 'number') numeric[k] = v;
      else if (typeof v === 'function') schedules[k] = v as Schedule;
      else other[k] = v;
    }
    const hyper = (count: number, stored: Readonly<Record<string, number>>): Record<string, number> => {
      const h: Record<string, number> = { ...stored };
      for (const [k, s] of Object.entries(schedules)) h[k] = s(count);
      return h;
    };
    const build = (h: Readonly<Record<string, number>>) => checkTransform(factory({ ...other, ...h } as O), 'factory(options)');
    const first = build(hyper(0, numeric)); // validates the hyperparameters now
    return {
      ...(first.learningRate ? { learningRate: first.learningRate } : {}),
      init(params) {
        const ps = checkParams(params, 'params');
        const h = hyper(0, numeric);
        return { count: 0, hyperparams: h, inner: build(h).init(ps) };
      },
      update(grads, state, params, extra): UpdateResult<InjectHyperparamsState<S>> {
        const h = hyper(state.count, state.hyperparams);
        const r = build(h).update(grads, state.inner, params, extra);
        return { updates: r.updates, state: { count: state.count + 1, hyperparams: h, inner: r.state } };
      },
    };
  };
}

/**
 * A copy of an {@link injectHyperparams} state with some hyperparameters changed (validated by the factory at the next
 * update). The result shares the inner state's tensors: use it in place of the old state and dispose only one of them.
 * @example state = withHyperparams(state, { learningRate: 1e-4 });
 */
export function withHyperparams<S>(state: InjectHyperparamsState<S>, patch: Readonly<Record<string, number>>): InjectHyperparamsState<S> {
  for (const [k, v] of Object.entries(patch)) {
    if (!(k in state.hyperparams)) throw new LosskitError('INVALID_ARGUMENT', `"${k}" is not an injected hyperparameter`, { argument: 'patch', expected: Object.keys(state.hyperparams).join(', '), received: k });
    if (typeof v !== 'number' || Number.isNaN(v)) throw new LosskitError('INVALID_PARAMETER', 'hyperparameter must be a number', { argument: k, received: String(v) });
  }
  return { ...state, hyperparams: { ...state.hyperparams, ...patch } };
}
