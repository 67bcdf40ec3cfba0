import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { chain } from './chain.js';
import { scaleByAdam } from './adam.js';
import { decayedWeights } from './decay.js';
import type { MaskSpec } from './masked.js';
import { scaleByLearningRate } from './scale.js';
import { scaleByTrustRatio } from './trustRatio.js';

/** Options of {@link lamb}. */
export interface LambOptions {
  /** Default 1e-3. */
  readonly learningRate?: ScalarOrSchedule;
  readonly b1?: number;
  readonly b2?: number;
  /** Default 1e-6. */
  readonly eps?: number;
  readonly epsRoot?: number;
  /** Default 0. */
  readonly weightDecay?: ScalarOrSchedule;
  readonly mask?: MaskSpec;
}

/**
 * LAMB (optax `lamb`): `r = m̂/(√v̂ + ε) + λθ`, then per tensor `u = −α·(‖θ‖/‖r‖)·r` (trust ratio 1 when a norm is 0),
 * i.e. `chain(scaleByAdam, addDecayedWeights(λ), scaleByTrustRatio(), scaleByLearningRate(α))`.
 * Defaults α 1e-3, β (0.9, 0.999), ε 1e-6, λ 0.
 * Paper: "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes", You et al., 2020.
 * @example lamb({ learningRate: 1e-3, weightDecay: 1e-2 })
 */
export function lamb(options: LambOptions = {}): GradientTransformation<unknown[]> {
  return chain(
    scaleByAdam({ b1: options.b1 ?? 0.9, b2: options.b2 ?? 0.999, eps: options.eps ?? 1e-6, epsRoot: options.epsRoot ?? 0 }),
    decayedWeights(options.weightDecay ?? 0, options.mask),
    scaleByTrustRatio(),
    scaleByLearningRate(options.learningRate ?? 1e-3),
  );
}
