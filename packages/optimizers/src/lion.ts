import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p, signOf } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, checkState, optionsOf } from './types.js';
import { chain } from './chain.js';
import { addDecayedWeights } from './decay.js';
import { scaleByLearningRate } from './scale.js';
import { elementwise } from './fused/registry.js';

/** State of {@link scaleByLion}: the momentum per parameter. */
export interface LionState {
  readonly mu: Params;
}

/** Options of {@link scaleByLion}. */
export interface ScaleByLionOptions {
  /** Interpolation β1 for the sign. Default 0.9. */
  readonly b1?: number;
  /** Momentum decay β2. Default 0.99. */
  readonly b2?: number;
}

/**
 * Lion's sign update (optax `scale_by_lion`): `u = sign(β1·m + (1−β1)·g)`, then `m ← β2·m + (1−β2)·g`.
 * Paper: "Symbolic Discovery of Optimization Algorithms", Chen et al., 2023.
 * @example chain(scaleByLion(), scaleByLearningRate(1e-4))
 */
export function scaleByLion(options: ScaleByLionOptions = {}): GradientTransformation<LionState> {
  options = optionsOf(options);
  const b1 = p.closedUnitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.99);
  return elementwise({
    init: (params) => ({ mu: tidy(() => mapParams(checkParams(params, 'params'), (t) => tf.zerosLike(t))) }),
    update(grads, state) {
      checkState(state, { mu: 'params' });
      const g = checkMatching(grads, state.mu, 'grads', 'the optimizer state');
      return tidy(() => {
        const mu: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          const m = state.mu[k]!;
          mu[k] = tf.add(tf.mul(m, b2), tf.mul(gk, 1 - b2));
          return signOf(tf.add(tf.mul(m, b1), tf.mul(gk, 1 - b1)));
        });
        return { updates, state: { mu } };
      });
    },
  }, {
    buffers: [0],
    emit({ b, u: g, buffer }) {
      const m = b.input(buffer(0));
      b.write(buffer(0), b.bin('add', b.bin('mul', m, b.c(b2)), b.bin('mul', g, b.c(1 - b2))));
      return b.un('sign', b.bin('add', b.bin('mul', m, b.c(b1)), b.bin('mul', g, b.c(1 - b1))));
    },
  });
}

/** Options of {@link lion}. */
export interface LionOptions extends ScaleByLionOptions {
  /** Default 1e-4. */
  readonly learningRate?: ScalarOrSchedule;
  /** Decoupled weight decay λ (times the learning rate). Default 0; the paper suggests 3–10× AdamW's. */
  readonly weightDecay?: ScalarOrSchedule;
}

/**
 * Lion (EvoLved Sign Momentum): `θ ← θ − η·(sign(β1·m + (1−β1)·g) + λθ)`, `m ← β2·m + (1−β2)·g`.
 * Defaults η 1e-4, β1 0.9, β2 0.99, λ 0. Paper: "Symbolic Discovery of Optimization Algorithms", Chen et al., 2023.
 * @example lion({ learningRate: 1e-4, weightDecay: 1e-2 })
 */
export function lion(options: LionOptions = {}): GradientTransformation<unknown[]> {
  options = optionsOf(options);
  return chain(scaleByLion(options), addDecayedWeights(options.weightDecay ?? 0), scaleByLearningRate(options.learningRate ?? 1e-4));
}
