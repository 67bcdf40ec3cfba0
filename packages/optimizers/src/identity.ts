import * as tf from '@tensorflow/tfjs-core';
import type { GradientTransformation } from './types.js';
import { checkParams, mapParams, tidy } from './types.js';
import { masked, type MaskSpec, type MaskedState } from './masked.js';
import type { EmptyState } from './scale.js';
import { elementwise } from './fused/registry.js';

/**
 * Passes the updates through unchanged (optax `identity`; the output is a new handle on the same data).
 * @example multiTransform({ train: adam(), frozen: identity() }, labels)
 */
export function identity(): GradientTransformation<EmptyState> {
  return elementwise(
    { init: () => ({}), update: (grads) => ({ updates: tidy(() => mapParams(checkParams(grads, 'grads'), (g) => tf.clone(g))), state: {} }) },
    { buffers: [], emit: ({ u }) => u },
  );
}

/**
 * Sets every update to zero (optax `set_to_zero`): the parameters it sees do not move.
 * @example multiTransform({ train: adam(), frozen: setToZero() }, labels)
 */
export function setToZero(): GradientTransformation<EmptyState> {
  return elementwise(
    { init: () => ({}), update: (grads) => ({ updates: tidy(() => mapParams(checkParams(grads, 'grads'), (g) => tf.zerosLike(g))), state: {} }) },
    { buffers: [], emit: ({ b }) => b.c(0) },
  );
}

/**
 * Freezes the parameters a mask selects (optax `freeze`): `masked(setToZero(), mask)`; put it after the optimizer.
 * @example chain(adam(), freeze(/^encoder\//))
 */
export function freeze(mask: MaskSpec): GradientTransformation<MaskedState<EmptyState>> {
  return masked(setToZero(), mask);
}
