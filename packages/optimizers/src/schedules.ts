import { LosskitError, params as p } from '@losskit/core';
import type { ScalarOrSchedule, Schedule } from './types.js';
import { optionsOf } from './types.js';

/**
 * Learning-rate schedules: pure functions `step => value` (step 0 is the first update), as in optax.schedules.
 * @packageDocumentation
 */

function stepOf(step: number): number {
  if (typeof step !== 'number' || Number.isNaN(step)) {
    throw new LosskitError('INVALID_ARGUMENT', 'schedule step must be a number', { argument: 'step', received: String(step) });
  }
  return step;
}

/**
 * Constant schedule: `η_t = value`.
 * @example constant(1e-3)(100) // 1e-3
 */
export function constant(value: number): Schedule {
  p.nonNegative('value', value);
  return (step: number) => {
    stepOf(step); // the same step check as every other schedule (a NaN step is an error, not ignored)
    return value;
  };
}

/** Options of {@link polynomial}. */
export interface PolynomialOptions {
  readonly init: number;
  readonly end: number;
  readonly power: number;
  /** Number of steps from `init` to `end`. */
  readonly transitionSteps: number;
  /** Steps to hold `init` before the transition starts. Default 0. */
  readonly transitionBegin?: number;
}

/**
 * Polynomial decay (optax `polynomial_schedule`):
 * `η_t = (init − end)·(1 − c/T)^power + end`, with `c = clip(t − begin, 0, T)` and `T = transitionSteps`.
 * @example polynomial({ init: 1, end: 0, power: 2, transitionSteps: 100 })(50) // 0.25
 */
export function polynomial(o: PolynomialOptions): Schedule {
  o = optionsOf(o);
  p.nonNegative('init', o.init);
  p.nonNegative('end', o.end);
  p.positive('power', o.power);
  p.positiveInteger('transitionSteps', o.transitionSteps);
  const begin = p.nonNegative('transitionBegin', o.transitionBegin ?? 0);
  return (step) => {
    const c = Math.min(Math.max(stepOf(step) - begin, 0), o.transitionSteps);
    return (o.init - o.end) * (1 - c / o.transitionSteps) ** o.power + o.end;
  };
}

/**
 * Linear schedule from `init` to `end` over `transitionSteps` (polynomial with power 1).
 * @example linear({ init: 0, end: 1e-3, transitionSteps: 100 })(25) // 2.5e-4
 */
export function linear(o: Omit<PolynomialOptions, 'power'>): Schedule {
  o = optionsOf(o);
  return polynomial({ ...o, power: 1 });
}

/** Options of {@link exponential}. */
export interface ExponentialOptions {
  readonly init: number;
  /** Steps over which the value is multiplied by `decayRate`. */
  readonly transitionSteps: number;
  readonly decayRate: number;
  /** Steps to hold `init` first. Default 0. */
  readonly transitionBegin?: number;
  /** Decay in whole steps of `transitionSteps` (floor). Default false. */
  readonly staircase?: boolean;
  /** Bound the value: a floor when decaying (rate < 1), a ceiling when growing. */
  readonly end?: number;
}

/**
 * Exponential decay (optax `exponential_decay`): `η_t = init · rate^{(t − begin)/T}` (exponent floored when
 * `staircase`), `init` before `begin`, bounded by `end` when given.
 * @example exponential({ init: 1, transitionSteps: 10, decayRate: 0.5 })(20) // 0.25
 */
export function exponential(o: ExponentialOptions): Schedule {
  o = optionsOf(o);
  p.nonNegative('init', o.init);
  p.positiveInteger('transitionSteps', o.transitionSteps);
  p.positive('decayRate', o.decayRate);
  const begin = p.nonNegative('transitionBegin', o.transitionBegin ?? 0);
  if (o.end !== undefined) p.nonNegative('end', o.end);
  return (step) => {
    const c = stepOf(step) - begin;
    if (c <= 0) return o.init;
    const e = c / o.transitionSteps;
    let v = o.init * o.decayRate ** (o.staircase ? Math.floor(e) : e);
    if (o.end !== undefined) v = o.decayRate < 1 ? Math.max(v, o.end) : Math.min(v, o.end);
    return v;
  };
}

/** Options of {@link piecewise}. */
export interface PiecewiseOptions {
  /** `values[i]` holds on `[boundaries[i−1], boundaries[i])`; one more value than boundaries. */
  readonly values: readonly number[];
  /** Increasing step boundaries. */
  readonly boundaries: readonly number[];
}

/**
 * Piecewise-constant schedule: `η_t = values[i]` for `boundaries[i−1] <= t < boundaries[i]`.
 * @example piecewise({ values: [1e-2, 1e-3, 1e-4], boundaries: [100, 200] })(150) // 1e-3
 */
export function piecewise(o: PiecewiseOptions): Schedule {
  o = optionsOf(o);
  const { values, boundaries } = o;
  if (!Array.isArray(values) || !Array.isArray(boundaries) || values.length !== boundaries.length + 1) {
    throw new LosskitError('INVALID_PARAMETER', 'piecewise needs one more value than boundaries', { argument: 'values', expected: `${(boundaries?.length ?? 0) + 1} values`, received: String(values?.length) });
  }
  values.forEach((v, i) => p.nonNegative(`values[${i}]`, v));
  boundaries.forEach((b, i) => {
    p.nonNegative(`boundaries[${i}]`, b);
    if (i > 0 && b <= boundaries[i - 1]!) throw new LosskitError('INVALID_PARAMETER', 'boundaries must increase', { argument: `boundaries[${i}]`, received: String(b) });
  });
  return (step) => {
    const t = stepOf(step);
    let i = 0;
    while (i < boundaries.length && t >= boundaries[i]!) i++;
    return values[i]!;
  };
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  readonly init: number;
  readonly decaySteps: number;
  /** Final value as a fraction of `init`. Default 0. */
  readonly alpha?: number;
  /** Power of the cosine factor. Default 1. */
  readonly exponent?: number;
}

/**
 * Cosine decay (SGDR without restarts; optax `cosine_decay_schedule`):
 * `η_t = init·((1 − α)·(½(1 + cos(π·min(t, T)/T)))^exponent + α)`.
 * Paper: "SGDR: Stochastic Gradient Descent with Warm Restarts", Loshchilov & Hutter, 2017.
 * @example cosineDecay({ init: 1, decaySteps: 100 })(50) // 0.5
 */
export function cosineDecay(o: CosineDecayOptions): Schedule {
  o = optionsOf(o);
  p.nonNegative('init', o.init);
  p.positiveInteger('decaySteps', o.decaySteps);
  const alpha = p.closedUnitInterval('alpha', o.alpha ?? 0);
  const exponent = p.positive('exponent', o.exponent ?? 1);
  return (step) => {
    const c = Math.min(Math.max(stepOf(step), 0), o.decaySteps);
    const cos = 0.5 * (1 + Math.cos((Math.PI * c) / o.decaySteps));
    return o.init * ((1 - alpha) * cos ** exponent + alpha);
  };
}

/** Options of {@link warmupCosineDecay}. */
export interface WarmupCosineDecayOptions {
  /** Value at step 0. Default 0. */
  readonly init?: number;
  readonly peak: number;
  readonly warmupSteps: number;
  /** Total steps, warmup included (as optax). */
  readonly decaySteps: number;
  /** Final value. Default 0. */
  readonly end?: number;
  readonly exponent?: number;
}

/**
 * Linear warmup from `init` to `peak` over `warmupSteps`, then cosine decay from `peak` to `end` over the
 * remaining `decaySteps − warmupSteps` (optax `warmup_cosine_decay_schedule`).
 * @example warmupCosineDecay({ peak: 1e-3, warmupSteps: 100, decaySteps: 1000 })
 */
export function warmupCosineDecay(o: WarmupCosineDecayOptions): Schedule {
  o = optionsOf(o);
  const init = p.nonNegative('init', o.init ?? 0);
  const peak = p.nonNegative('peak', o.peak);
  const end = p.nonNegative('end', o.end ?? 0);
  const w = p.nonNegative('warmupSteps', o.warmupSteps);
  p.positiveInteger('decaySteps', o.decaySteps);
  if (!(o.decaySteps > w)) throw new LosskitError('INVALID_PARAMETER', 'decaySteps must exceed warmupSteps', { argument: 'decaySteps', expected: `> ${w}`, received: String(o.decaySteps) });
  const warm = w > 0 ? linear({ init, end: peak, transitionSteps: w }) : constant(peak);
  const cosine = cosineDecay({ init: peak, decaySteps: o.decaySteps - w, alpha: peak > 0 ? end / peak : 0, exponent: o.exponent ?? 1 });
  return w > 0 ? joinSchedules([warm, cosine], [w]) : cosine;
}

/** Options of {@link warmupStableDecay}. */
export interface WarmupStableDecayOptions {
  /** Value at step 0. Default 0. */
  readonly init?: number;
  readonly peak: number;
  readonly warmupSteps: number;
  /** Steps held at `peak` after warmup. */
  readonly stableSteps: number;
  /** Steps of the final decay ("cooldown"). */
  readonly decaySteps: number;
  /** Final value. Default 0. */
  readonly end?: number;
  /** Cooldown shape: `linear` (default), `cosine`, or `sqrt` (1 − √frac, Hägele et al. 2024). */
  readonly shape?: 'linear' | 'cosine' | 'sqrt';
}

/**
 * Warmup-stable-decay (WSD, "trapezoidal") schedule: linear warmup `init → peak` over W steps, `peak` for S steps,
 * then a cooldown to `end` over D steps with `f = min((t − W − S)/D, 1)`:
 * linear `peak + (end − peak)·f`, cosine `end + (peak − end)·½(1 + cos πf)`, sqrt `end + (peak − end)(1 − √f)`.
 * Papers: "MiniCPM: Unveiling the Potential of Small Language Models with Scalable Training Strategies", Hu et al., 2024;
 * "Scaling Laws and Compute-Optimal Training Beyond Fixed Training Durations", Hägele et al., 2024.
 * @example warmupStableDecay({ peak: 1e-3, warmupSteps: 100, stableSteps: 800, decaySteps: 100 })
 */
export function warmupStableDecay(o: WarmupStableDecayOptions): Schedule {
  o = optionsOf(o);
  const init = p.nonNegative('init', o.init ?? 0);
  const peak = p.nonNegative('peak', o.peak);
  const end = p.nonNegative('end', o.end ?? 0);
  const w = p.nonNegative('warmupSteps', o.warmupSteps);
  const s = p.nonNegative('stableSteps', o.stableSteps);
  const d = p.positiveInteger('decaySteps', o.decaySteps);
  const shape = o.shape ?? 'linear';
  if (!['linear', 'cosine', 'sqrt'].includes(shape)) throw new LosskitError('INVALID_PARAMETER', 'unknown cooldown shape', { argument: 'shape', expected: "'linear', 'cosine' or 'sqrt'", received: String(shape) });
  return (step) => {
    const t = stepOf(step);
    if (t < w) return init + ((peak - init) * Math.max(t, 0)) / w;
    if (t < w + s) return peak;
    const f = Math.min((t - w - s) / d, 1);
    if (shape === 'linear') return peak + (end - peak) * f;
    if (shape === 'cosine') return end + (peak - end) * 0.5 * (1 + Math.cos(Math.PI * f));
    return end + (peak - end) * (1 - Math.sqrt(f));
  };
}

/**
 * Joins schedules at step boundaries (optax `join_schedules`): for `boundaries[i−1] <= t < boundaries[i]` the value is
 * `schedules[i](t − boundaries[i−1])` (each schedule restarts its own count).
 * @example joinSchedules([linear({ init: 0, end: 1, transitionSteps: 10 }), constant(1)], [10])
 */
export function joinSchedules(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  if (!Array.isArray(boundaries)) throw new LosskitError('INVALID_PARAMETER', 'boundaries must be an array of steps', { argument: 'boundaries', expected: 'increasing step numbers', received: typeof boundaries });
  if (!Array.isArray(schedules) || schedules.length !== boundaries.length + 1 || schedules.some((s) => typeof s !== 'function')) {
    throw new LosskitError('INVALID_PARAMETER', 'joinSchedules needs one more schedule than boundaries', { argument: 'schedules', expected: `${boundaries.length + 1} functions`, received: String(schedules?.length) });
  }
  boundaries.forEach((b, i) => {
    p.nonNegative(`boundaries[${i}]`, b);
    if (i > 0 && b <= boundaries[i - 1]!) throw new LosskitError('INVALID_PARAMETER', 'boundaries must increase', { argument: `boundaries[${i}]`, received: String(b) });
  });
  return (step) => {
    const t = stepOf(step);
    let i = 0;
    while (i < boundaries.length && t >= boundaries[i]!) i++;
    return schedules[i]!(i === 0 ? t : t - boundaries[i - 1]!);
  };
}

/**
 * Square-root batch-size scaling of a learning rate ("Train longer, generalize better: closing the generalization gap
 * in large batch training of neural networks", Hoffer, Hubara & Soudry, 2017): `η_L = η_S·√(B_L / B_S)`.
 * Accepts a number or a schedule (then every value is scaled).
 * @example sqrtBatchScaling(0.1, { baseBatchSize: 128, batchSize: 512 }) // 0.2
 */
export function sqrtBatchScaling(learningRate: number, o: { readonly baseBatchSize: number; readonly batchSize: number }): number;
export function sqrtBatchScaling(learningRate: Schedule, o: { readonly baseBatchSize: number; readonly batchSize: number }): Schedule;
export function sqrtBatchScaling(learningRate: ScalarOrSchedule, o: { readonly baseBatchSize: number; readonly batchSize: number }): ScalarOrSchedule {
  o = optionsOf(o);
  p.positive('baseBatchSize', o.baseBatchSize);
  p.positive('batchSize', o.batchSize);
  const k = Math.sqrt(o.batchSize / o.baseBatchSize);
  if (typeof learningRate === 'function') return (step: number) => learningRate(step) * k;
  return p.nonNegative('learningRate', learningRate) * k;
}
