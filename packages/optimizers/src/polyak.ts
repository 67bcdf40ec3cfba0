import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { checkParams, globalSquaredNorm, lossValue, mapParams, tidy } from './types.js';
import { chain } from './chain.js';
import { sgd } from './sgd.js';
import type { EmptyState } from './scale.js';

/** Options of {@link scaleByPolyak}. */
export interface ScaleByPolyakOptions {
  /** Lower bound f* of the loss. Default 0. */
  readonly fMin?: number;
  /** Cap of the step γ_max. Default 1. */
  readonly maxLearningRate?: number;
  /** Added to ‖g‖². Default 0. */
  readonly eps?: number;
  /** `sps` (default) or `sps+` (the gap clipped at 0). */
  readonly variant?: 'sps' | 'sps+';
}


/**
 * Polyak step size (optax `scale_by_polyak`), needs `extra.value` = f(θ): `u = γ·g` with
 * `γ = min((f − f*)/(‖g‖² + ε), γ_max)` (`sps+`: the gap clipped at 0), and γ = 0 when `‖g‖² + ε` is below float64 epsilon.
 * Paper: "Stochastic Polyak Step-size for SGD: An Adaptive Learning Rate for Fast Convergence", Loizou, Vaswani, Laradji & Lacoste-Julien, 2021.
 * @example chain(scaleByPolyak(), scale(-1))
 */
export function scaleByPolyak(options: ScaleByPolyakOptions = {}): GradientTransformation<EmptyState> {
  const fMin = p.finite('fMin', options.fMin ?? 0);
  const gMax = p.nonNegative('maxLearningRate', options.maxLearningRate ?? 1);
  const eps = p.nonNegative('eps', options.eps ?? 0);
  const variant = options.variant ?? 'sps';
  if (variant !== 'sps' && variant !== 'sps+') throw new LosskitError('INVALID_PARAMETER', 'unknown Polyak variant', { argument: 'variant', expected: "'sps' or 'sps+'", received: String(variant) });
  return {
    init: () => ({}),
    update(grads, state, _params, extra) {
      const g = checkParams(grads, 'grads');
      return {
        updates: tidy(() => {
          const f = lossValue(extra, 'scaleByPolyak');
          const sq = tf.add(globalSquaredNorm(g), eps);
          let gap = tf.sub(f, fMin);
          if (variant === 'sps+') gap = tf.relu(gap);
          const step = tf.where(tf.lessEqual(sq, 2.220446049250313e-16), tf.scalar(0), tf.minimum(tf.div(gap, sq), gMax));
          return mapParams(g, (t) => tf.mul(t, step));
        }),
        state,
      };
    },
  };
}

/**
 * Polyak SGD (optax `polyak_sgd`): `θ ← θ − s·γ·g`, `γ = min((f − f*)/(‖g‖² + ε), γ_max)`; needs `extra.value`.
 * Defaults γ_max 1, s (scaling) 1, f* 0, ε 0, variant `sps`.
 * Paper: Loizou et al., 2021; Polyak, "Introduction to Optimization", 1987.
 * @example polyakSgd({ maxLearningRate: 1 }) // opt.update(g, s, p, { value: loss })
 */
export function polyakSgd(options: ScaleByPolyakOptions & { readonly scaling?: ScalarOrSchedule } = {}): GradientTransformation<unknown[]> {
  return chain(sgd({ learningRate: options.scaling ?? 1 }), scaleByPolyak(options));
}
