import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { chain } from './chain.js';
import { addNoise } from './noise.js';
import { scaleByLearningRate } from './scale.js';

/**
 * Noisy SGD (optax `noisy_sgd`): `θ ← θ − η·(g + N(0, η_n/t^γ))`, i.e. `chain(addNoise({ eta, gamma, seed }), scaleByLearningRate(η))`.
 * Defaults η 1e-2, noise η_n 0.01, γ 0.55, seed 0.
 * Paper: "Adding Gradient Noise Improves Learning for Very Deep Networks", Neelakantan et al., 2015.
 * @example noisySgd({ learningRate: 0.01, eta: 0.01, seed: 1 })
 */
export function noisySgd(options: { readonly learningRate?: ScalarOrSchedule; readonly eta?: number; readonly gamma?: number; readonly seed?: number } = {}): GradientTransformation<unknown[]> {
  return chain(addNoise({ eta: options.eta ?? 0.01, gamma: options.gamma ?? 0.55, seed: options.seed ?? 0 }), scaleByLearningRate(options.learningRate ?? 1e-2));
}
