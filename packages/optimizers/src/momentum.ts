import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, checkState, optionsOf } from './types.js';
import { elementwise } from './fused/registry.js';

/** State of {@link traceMomentum}: the trace (momentum buffer) per parameter. */
export interface TraceState {
  readonly trace: Params;
}

/** Options of {@link traceMomentum}. */
export interface TraceOptions {
  /** Momentum `μ`. Default 0.9. */
  readonly decay?: number;
  /** Nesterov momentum. Default false. */
  readonly nesterov?: boolean;
}

/**
 * Heavy-ball momentum trace (optax `trace`, PyTorch SGD convention): `t ← g + μ·t`; the update is `t`
 * (plain) or `g + μ·t` (Nesterov, Sutskever et al. 2013 form).
 * Paper: "On the importance of initialization and momentum in deep learning", Sutskever, Martens, Dahl & Hinton, 2013.
 * @example chain(traceMomentum({ decay: 0.9, nesterov: true }), scaleByLearningRate(0.1))
 */
export function traceMomentum(options: TraceOptions = {}): GradientTransformation<TraceState> {
  options = optionsOf(options);
  const mu = p.unitInterval('decay', options.decay ?? 0.9);
  const nesterov = p.boolean('nesterov', options.nesterov ?? false);
  return elementwise({
    init: (params) => ({ trace: tidy(() => mapParams(checkParams(params, 'params'), (t) => tf.zerosLike(t))) }),
    update(grads, state) {
      checkState(state, { trace: 'params' });
      const g = checkMatching(grads, state.trace, 'grads', 'the optimizer state');
      return tidy(() => {
        const trace: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          const t = tf.add(gk, tf.mul(state.trace[k]!, mu));
          trace[k] = t;
          return nesterov ? tf.add(gk, tf.mul(t, mu)) : tf.clone(t);
        });
        return { updates, state: { trace } };
      });
    },
  }, {
    buffers: [0],
    emit({ b, u, buffer }) {
      // In a chain the incoming update plays the gradient's part.
      const t = b.bin('add', u, b.bin('mul', b.input(buffer(0)), b.c(mu)));
      b.write(buffer(0), t);
      return nesterov ? b.bin('add', u, b.bin('mul', t, b.c(mu))) : t;
    },
  });
}
