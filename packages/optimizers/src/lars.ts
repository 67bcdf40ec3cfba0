import { params } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { chain } from './chain.js';
import { decayedWeights } from './decay.js';
import { masked, type MaskSpec } from './masked.js';
import { traceMomentum } from './momentum.js';
import { scaleByLearningRate } from './scale.js';
import { scaleByTrustRatio } from './trustRatio.js';

/** Options of {@link lars}. */
export interface LarsOptions {
  /** Default 1 (LARS's trust coefficient already scales the step). */
  readonly learningRate?: ScalarOrSchedule;
  /** Default 0. */
  readonly weightDecay?: ScalarOrSchedule;
  readonly weightDecayMask?: MaskSpec;
  /** Trust coefficient η. Default 1e-3. */
  readonly trustCoefficient?: number;
  readonly eps?: number;
  /** Which tensors get the trust ratio (default all; exclude biases and norms as the paper does). */
  readonly trustRatioMask?: MaskSpec;
  /** Default 0.9. */
  readonly momentum?: number;
  readonly nesterov?: boolean;
}

/**
 * LARS (optax `lars`): `r = g + λθ`, per tensor `r ← η·‖θ‖/(‖r‖ + ε)·r`, then `t ← −α·r + μt` (momentum after the
 * learning rate, as optax): `chain(addDecayedWeights(λ), masked(scaleByTrustRatio(η, ε)), scaleByLearningRate(α), traceMomentum(μ))`.
 * Defaults α 1, λ 0, η 1e-3, ε 0, μ 0.9.
 * Paper: "Large Batch Training of Convolutional Networks", You, Gitman & Ginsburg, 2017.
 * @example lars({ learningRate: 1, weightDecay: 1e-4, trustRatioMask: (name, t) => t.rank > 1 })
 */
export function lars(options: LarsOptions = {}): GradientTransformation<unknown[]> {
  const trust = scaleByTrustRatio({ trustCoefficient: options.trustCoefficient ?? 1e-3, eps: options.eps ?? 0 });
  return chain(
    decayedWeights(options.weightDecay ?? 0, options.weightDecayMask),
    options.trustRatioMask === undefined ? trust : masked(trust, options.trustRatioMask),
    scaleByLearningRate(options.learningRate ?? 1),
    traceMomentum({ decay: options.momentum ?? 0.9, nesterov: params.boolean('nesterov', options.nesterov ?? false) }),
  );
}
