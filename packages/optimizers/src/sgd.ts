import { params as p } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { chain } from './chain.js';
import { traceMomentum } from './momentum.js';
import { scaleByLearningRate } from './scale.js';
import { optionsOf } from './types.js';

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** Default 1e-2. */
  readonly learningRate?: ScalarOrSchedule;
  /** Heavy-ball momentum μ (0 = none). Default 0. */
  readonly momentum?: number;
  /** Nesterov momentum. Default false. */
  readonly nesterov?: boolean;
}

/**
 * Stochastic gradient descent (optax `sgd`): `θ ← θ − η·g`; with momentum μ, `t ← g + μt` and `θ ← θ − η·t`
 * (Nesterov: `θ ← θ − η·(g + μt)`). Defaults η 1e-2, μ 0.
 * @example sgd({ learningRate: 0.1, momentum: 0.9 })
 */
export function sgd(options: SgdOptions = {}): GradientTransformation<unknown[]> {
  options = optionsOf(options);
  const mu = p.unitInterval('momentum', options.momentum ?? 0);
  const lr = scaleByLearningRate(options.learningRate ?? 1e-2);
  const nesterov = p.boolean('nesterov', options.nesterov ?? false);
  return mu > 0 || nesterov ? chain(traceMomentum({ decay: mu, nesterov }), lr) : chain(lr);
}

/**
 * SGD with heavy-ball momentum: `t ← g + μt`, `θ ← θ − η·t`. Defaults η 1e-2, μ 0.9.
 * Paper: "Some methods of speeding up the convergence of iteration methods", Polyak, 1964.
 * @example momentum({ learningRate: 0.01, momentum: 0.9 })
 */
export function momentum(options: Omit<SgdOptions, 'nesterov'> = {}): GradientTransformation<unknown[]> {
  options = optionsOf(options);
  return sgd({ ...options, momentum: options.momentum ?? 0.9, nesterov: false });
}

/**
 * SGD with Nesterov momentum: `t ← g + μt`, `θ ← θ − η·(g + μt)`. Defaults η 1e-2, μ 0.9.
 * Paper: "On the importance of initialization and momentum in deep learning", Sutskever, Martens, Dahl & Hinton, 2013.
 * @example nesterov({ learningRate: 0.01, momentum: 0.9 })
 */
export function nesterov(options: Omit<SgdOptions, 'nesterov'> = {}): GradientTransformation<unknown[]> {
  options = optionsOf(options);
  return sgd({ ...options, momentum: options.momentum ?? 0.9, nesterov: true });
}
