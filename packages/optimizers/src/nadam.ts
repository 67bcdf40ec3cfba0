import type { GradientTransformation } from './types.js';
import { adam, adamw, type AdamOptions, type AdamState, type AdamWOptions } from './adam.js';

/**
 * NAdam, Adam with Nesterov momentum (optax `nadam` = `adam(nesterov=True)`):
 * `m̂ = β1·m_t/(1−β1^{t+1}) + (1−β1)·g_t/(1−β1^t)`, `θ ← θ − α·m̂/(√v̂ + ε)`. Defaults as {@link adam}.
 * Paper: "Incorporating Nesterov Momentum into Adam", Dozat, 2016.
 * @example nadam({ learningRate: 2e-3 })
 */
export function nadam(options: Omit<AdamOptions, 'nesterov'> = {}): GradientTransformation<AdamState> {
  return adam({ ...options, nesterov: true });
}

/**
 * NAdamW: {@link nadam} with decoupled weight decay (optax `nadamw` = `adamw(nesterov=True)`):
 * `θ ← θ − α·(m̂/(√v̂ + ε) + λθ)`. Defaults as {@link adamw} (λ 1e-4).
 * Papers: Dozat, 2016; "Decoupled Weight Decay Regularization", Loshchilov & Hutter, 2019.
 * @example nadamw({ learningRate: 1e-3, weightDecay: 1e-2 })
 */
export function nadamw(options: Omit<AdamWOptions, 'nesterov'> = {}): GradientTransformation<unknown[]> {
  return adamw({ ...options, nesterov: true });
}
