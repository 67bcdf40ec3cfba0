import { params } from '@losskit/core';
import * as tf from '@tensorflow/tfjs-core';
import type { GradientTransformation } from './types.js';
import { checkMatching, checkParams, mapParams, needParams, tidy, optionsOf } from './types.js';
import type { EmptyState } from './scale.js';

/** Options of {@link orthogonalizeToParams}. */
export interface OrthogonalizeOptions {
  /**
   * Rescale `g⊥` to the norm of `g` (`g⊥·‖g‖/‖g⊥‖`), as the community "OrthoGrad" does. The paper's ⊥Grad does not;
   * default false.
   */
  readonly rescale?: boolean;
}

/**
 * ⊥Grad: removes, per parameter tensor, the gradient component parallel to the weights,
 * `g⊥ = g − (⟨θ, g⟩ / (⟨θ, θ⟩ + 1e-30))·θ` (the 1e-30 keeps all-zero tensors finite: there `g⊥ = g`).
 * Feed the result to the base optimizer, e.g. `chain(orthogonalizeToParams(), adamw())`.
 * Paper: "Grokking at the Edge of Numerical Stability", Prieto, Barsbey, Mediano & Birdal, 2025.
 * @example chain(orthogonalizeToParams(), adamw({ learningRate: 1e-3 }))
 */
export function orthogonalizeToParams(options: OrthogonalizeOptions = {}): GradientTransformation<EmptyState> {
  options = optionsOf(options);
  const rescale = params.boolean('rescale', options.rescale ?? false);
  return {
    init: (params) => {
      checkParams(params, 'params');
      return {};
    },
    update(grads, _state, params) {
      const g = checkParams(grads, 'grads');
      const w = needParams(params, 'orthogonalizeToParams');
      checkMatching(g, checkParams(w, 'params'), 'grads', 'params');
      return {
        updates: tidy(() =>
          mapParams(g, (gk, k) => {
            const wk = w[k]!;
            const proj = tf.div(tf.sum(tf.mul(wk, gk)), tf.add(tf.sum(tf.square(wk)), 1e-30));
            const orth = tf.sub(gk, tf.mul(proj, wk));
            if (!rescale) return orth;
            return tf.mul(orth, tf.div(tf.norm(gk), tf.add(tf.norm(orth), 1e-30)));
          }),
        ),
        state: {},
      };
    },
  };
}
