import { LosskitError } from '@losskit/core';
import type { GradientTransformation, Params, UpdateExtra, UpdateResult } from './types.js';
import { disposeParams, disposeState } from './types.js';
import { chained } from './fused/registry.js';

/**
 * Composes transformations left to right: the updates of one are the gradients of the next (optax `chain`).
 * The state is the array of the sub-states. Intermediate updates are disposed as soon as they are consumed.
 *
 * @example
 * const opt = chain(clipByGlobalNorm(1), scaleByAdam(), addDecayedWeights(1e-2), scaleByLearningRate(cosineDecay({ init: 1e-3, decaySteps: 1000 })));
 */
export function chain(...transforms: GradientTransformation<any>[]): GradientTransformation<unknown[]> {
  transforms.forEach((t, i) => {
    if (t === null || typeof t !== 'object' || typeof t.init !== 'function' || typeof t.update !== 'function') {
      throw new LosskitError('INVALID_ARGUMENT', 'not a GradientTransformation', { argument: `transforms[${i}]`, expected: '{ init, update }', received: String(t) });
    }
  });
  const lr = transforms.find((t) => t.learningRate)?.learningRate;
  return chained({
    ...(lr ? { learningRate: lr } : {}),
    init: (params) => transforms.map((t) => t.init(params)),
    update(grads: Params, state: unknown[], params?: Params, extra?: UpdateExtra): UpdateResult<unknown[]> {
      if (!Array.isArray(state) || state.length !== transforms.length) {
        throw new LosskitError('INVALID_ARGUMENT', 'state does not belong to this chain', { argument: 'state', expected: `an array of ${transforms.length} sub-states`, received: Array.isArray(state) ? `length ${state.length}` : typeof state });
      }
      let current = grads;
      const next: unknown[] = [];
      try {
        transforms.forEach((t, i) => {
          const r = t.update(current, state[i], params, extra);
          if (current !== grads) disposeParams(current);
          current = r.updates;
          next.push(r.state);
        });
      } catch (e) {
        if (current !== grads) disposeParams(current);
        for (const s of next) disposeState(s);
        throw e;
      }
      return { updates: current, state: next };
    },
  }, transforms);
}

