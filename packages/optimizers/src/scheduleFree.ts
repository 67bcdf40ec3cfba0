import * as tf from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule, UpdateResult } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, checkTransform, disposeParams, mapParams, needParams, tidy, valueAt } from './types.js';
import { chain } from './chain.js';
import { addDecayedWeights } from './decay.js';
import { scaleByRms } from './rms.js';
import { scaleByLearningRate } from './scale.js';
import { sgd } from './sgd.js';
import { warmupConstant } from './schedules.js';

/** State of {@link scheduleFree} (optax.contrib `ScheduleFreeState`). */
export interface ScheduleFreeState<S = unknown> {
  readonly b1: number;
  readonly weightSum: number;
  /** Starts at 1, as optax. */
  readonly stepCount: number;
  readonly maxLr: number;
  readonly base: S;
  /** The base optimizer's iterate z. */
  readonly z: Params;
}

/** Options of {@link scheduleFree}. */
export interface ScheduleFreeOptions {
  /** The learning rate γ_t that weights the averaging (the base optimizer's, as a number or schedule of stepCount). */
  readonly learningRate: ScalarOrSchedule;
  /** Interpolation β between the average x and the iterate z. Default 0.9. */
  readonly b1?: number;
  /** Power r of the averaging weights `c_t = γ_max^r / Σ γ_max^r`. Default 2. */
  readonly weightLrPower?: number;
}

/**
 * Schedule-free wrapper (optax.contrib `schedule_free`). The parameters you hold are the gradient points
 * `y = (1−β)z + βx`; each step `z ← z + base(g)`, `x ← (1−c)x + c·z` with `c = γ_max^r / Σ_{i≤t} γ_max,i^r`, and the
 * update moves y to `βx + (1−β)z`. Evaluate the model at x: {@link scheduleFreeEvalParams} (the evaluation-point swap).
 * Paper: "The Road Less Scheduled", Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky, 2024.
 * @example const opt = scheduleFree(sgd({ learningRate: 1 }), { learningRate: 1 });
 */
export function scheduleFree<S>(base: GradientTransformation<S>, options: ScheduleFreeOptions): GradientTransformation<ScheduleFreeState<S>> {
  checkTransform(base, 'base');
  const lr = checkScalarOrSchedule(options?.learningRate, 'learningRate');
  const b1 = p.openUnitInterval('b1', options.b1 ?? 0.9);
  const r = p.nonNegative('weightLrPower', options.weightLrPower ?? 2);
  return {
    learningRate: typeof lr === 'function' ? lr : () => lr,
    init(params) {
      const ps = checkParams(params, 'params');
      return { b1, weightSum: 0, stepCount: 1, maxLr: 0, base: base.init(ps), z: tidy(() => mapParams(ps, (t) => tf.clone(t))) };
    },
    update(grads, state, params, extra): UpdateResult<ScheduleFreeState<S>> {
      const y = checkMatching(needParams(params, 'scheduleFree'), state.z, 'params', 'the optimizer state');
      const gamma = valueAt(lr, state.stepCount, 'learningRate');
      const maxLr = Math.max(state.maxLr, gamma);
      const weight = maxLr ** r;
      const total = state.weightSum + weight;
      const ck = total === 0 ? 0 : weight / total;
      const rb = base.update(grads, state.base, params, extra);
      const out = tidy(() => {
        const z = mapParams(state.z, (zi, k) => tf.add(zi, rb.updates[k]!));
        const updates = mapParams(y, (yi, k) => {
          const prevX = tf.div(tf.sub(yi, tf.mul(state.z[k]!, 1 - b1)), b1);
          const x = tf.add(tf.mul(prevX, 1 - ck), tf.mul(z[k]!, ck));
          return tf.sub(tf.add(tf.mul(x, b1), tf.mul(z[k]!, 1 - b1)), yi);
        });
        return { z, updates };
      });
      disposeParams(rb.updates);
      return { updates: out.updates, state: { b1, weightSum: total, stepCount: state.stepCount + 1, maxLr, base: rb.state, z: out.z } };
    },
  };
}

/**
 * The evaluation point x of a schedule-free state (optax.contrib `schedule_free_eval_params`):
 * `x = (y − (1−β)z)/β` for the parameters y you hold. Returns new tensors (the caller owns them).
 * @example const evalParams = scheduleFreeEvalParams(state, params);
 */
export function scheduleFreeEvalParams<S>(state: ScheduleFreeState<S>, params: Params): Params {
  const y = checkMatching(params, state.z, 'params', 'the optimizer state');
  return tidy(() => mapParams(y, (yi, k) => tf.div(tf.sub(yi, tf.mul(state.z[k]!, 1 - state.b1)), state.b1)));
}

/** Options of {@link scheduleFreeSgd}. */
export interface ScheduleFreeSgdOptions {
  /** Default 1. */
  readonly learningRate?: number;
  /** Linear warmup steps (then `warmupConstant` is the learning rate). */
  readonly warmupSteps?: number;
  readonly b1?: number;
  readonly weightDecay?: number;
  readonly weightLrPower?: number;
}

/**
 * Schedule-free SGD (optax.contrib `schedule_free_sgd`): `scheduleFree(chain(addDecayedWeights(λ)?, sgd(γ)), γ)`.
 * Defaults γ 1, β 0.9, r 2, no warmup, no decay.
 * Paper: "The Road Less Scheduled", Defazio et al., 2024.
 * @example scheduleFreeSgd({ learningRate: 1, warmupSteps: 100 })
 */
export function scheduleFreeSgd(options: ScheduleFreeSgdOptions = {}): GradientTransformation<ScheduleFreeState> {
  const lr0 = p.nonNegative('learningRate', options.learningRate ?? 1);
  const lr: ScalarOrSchedule = options.warmupSteps === undefined ? lr0 : warmupConstant({ init: 0, peak: lr0, warmupSteps: options.warmupSteps });
  const base = options.weightDecay === undefined ? sgd({ learningRate: lr }) : chain(addDecayedWeights(options.weightDecay), sgd({ learningRate: lr }));
  return scheduleFree(base as GradientTransformation<unknown>, { learningRate: lr, b1: options.b1 ?? 0.9, weightLrPower: options.weightLrPower ?? 2 });
}

/** Options of {@link scheduleFreeAdamw}. */
export interface ScheduleFreeAdamwOptions extends ScheduleFreeSgdOptions {
  /** Default 0.0025. */
  readonly learningRate?: number;
  readonly b2?: number;
  readonly eps?: number;
}

/**
 * Schedule-free AdamW (optax.contrib `schedule_free_adamw`): the base step is
 * `−γ_t(g/(√(ν/(1−β2^t)) + ε) + λy)` with `ν ← β2ν + (1−β2)g²` (no first moment: the averaging plays its part).
 * Defaults γ 0.0025, β1 0.9, β2 0.999, ε 1e-8, λ 0, r 2.
 * Paper: "The Road Less Scheduled", Defazio et al., 2024.
 * @example scheduleFreeAdamw({ learningRate: 2.5e-3, warmupSteps: 100 })
 */
export function scheduleFreeAdamw(options: ScheduleFreeAdamwOptions = {}): GradientTransformation<ScheduleFreeState> {
  const lr0 = p.nonNegative('learningRate', options.learningRate ?? 0.0025);
  const lr: ScalarOrSchedule = options.warmupSteps === undefined ? lr0 : warmupConstant({ init: 0, peak: lr0, warmupSteps: options.warmupSteps });
  const base = chain(
    scaleByRms({ decay: options.b2 ?? 0.999, eps: options.eps ?? 1e-8, epsInSqrt: false, biasCorrection: true }),
    addDecayedWeights(options.weightDecay ?? 0),
    scaleByLearningRate(lr),
  );
  return scheduleFree(base as GradientTransformation<unknown>, { learningRate: lr, b1: options.b1 ?? 0.9, weightLrPower: options.weightLrPower ?? 2 });
}
