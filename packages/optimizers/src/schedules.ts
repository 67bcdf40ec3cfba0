import { LosskitError, checkParam, params as p } from '@losskit/core';
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
  const staircase = p.boolean('staircase', o.staircase ?? false);
  return (step) => {
    const c = stepOf(step) - begin;
    if (c <= 0) return o.init;
    const e = c / o.transitionSteps;
    let v = o.init * o.decayRate ** (staircase ? Math.floor(e) : e);
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

/** Options of {@link piecewiseInterpolate}. */
export interface PiecewiseInterpolateOptions {
  /** `linear` or `cosine` interpolation between the knots. */
  readonly type: 'linear' | 'cosine';
  /** Value at step 0. */
  readonly init: number;
  /** `{ step: scale }`: at each boundary the value is the previous knot's value times `scale` (cumulative). */
  readonly boundariesAndScales?: Readonly<Record<number, number>>;
}

/**
 * Piecewise interpolation (optax `piecewise_interpolate_schedule`): knots `b_0 = 0 < b_1 < … < b_n` with values
 * `v_0 = init`, `v_i = v_{i−1}·s_i`; on `[b_{i−1}, b_i)` with `f = (t − b_{i−1})/max(b_i − b_{i−1}, 1)` the value is
 * `v_{i−1} + (v_i − v_{i−1})·f` (linear) or `v_i + (v_{i−1} − v_i)·½(1 + cos πf)` (cosine); `v_n` from `b_n` on.
 * @example piecewiseInterpolate({ type: 'linear', init: 200, boundariesAndScales: { 5: 1.5, 10: 0.25 } })(7) // 255
 */
export function piecewiseInterpolate(o: PiecewiseInterpolateOptions): Schedule {
  if (o?.type !== 'linear' && o?.type !== 'cosine') throw new LosskitError('INVALID_PARAMETER', 'unknown interpolation', { argument: 'type', expected: "'linear' or 'cosine'", received: String(o?.type) });
  const init = p.nonNegative('init', o.init);
  const entries = Object.entries(o.boundariesAndScales ?? {}).map(([b, s]) => [Number(b), s] as const);
  entries.forEach(([b, s]) => {
    checkParam(`boundariesAndScales[${b}]`, s, 'a scale >= 0', (x) => x >= 0);
    checkParam('boundariesAndScales (a boundary)', b, 'an integer step >= 0', (x) => Number.isInteger(x) && x >= 0);
  });
  entries.sort((a, b) => a[0] - b[0]);
  const bounds = [0, ...entries.map((e) => e[0])];
  const values = [init];
  for (const [, s] of entries) values.push(values[values.length - 1]! * s);
  const cosine = o.type === 'cosine';
  return (step) => {
    const t = stepOf(step);
    const n = bounds.length - 1;
    if (t >= bounds[n]!) return values[n]!;
    for (let i = 1; i <= n; i++) {
      if (bounds[i - 1]! <= t && t < bounds[i]!) {
        const f = (t - bounds[i - 1]!) / Math.max(bounds[i]! - bounds[i - 1]!, 1);
        const a = values[i - 1]!;
        const b = values[i]!;
        return cosine ? b + ((a - b) / 2) * (Math.cos(Math.PI * f) + 1) : (b - a) * f + a;
      }
    }
    return 0; // t < 0 (optax: no interval holds it)
  };
}

/** Options of {@link linearOnecycle}. */
export interface LinearOnecycleOptions {
  /** Total steps T. */
  readonly transitionSteps: number;
  /** Peak value η_max. */
  readonly peak: number;
  /** Fraction of T spent rising. Default 0.3. */
  readonly pctStart?: number;
  /** Fraction of T at which the fall back to the start value ends. Default 0.85. */
  readonly pctFinal?: number;
  /** Start value η_max/divFactor. Default 25. */
  readonly divFactor?: number;
  /** Final value η_max/(divFactor·finalDivFactor). Default 1e4. */
  readonly finalDivFactor?: number;
}

/**
 * Linear one-cycle (optax `linear_onecycle_schedule`): from `η/div` up to `η` at `⌊pctStart·T⌋`, back down to `η/div`
 * at `⌊pctFinal·T⌋`, then to `η/(div·finalDiv)` at T, linear in between, constant after.
 * Paper: "Super-Convergence: Very Fast Training of Neural Networks Using Large Learning Rates", Smith & Topin, 2018.
 * @example linearOnecycle({ transitionSteps: 1000, peak: 0.1 })
 */
export function linearOnecycle(o: LinearOnecycleOptions): Schedule {
  const T = p.positiveInteger('transitionSteps', o?.transitionSteps);
  const peak = p.nonNegative('peak', o.peak);
  const ps = p.closedUnitInterval('pctStart', o.pctStart ?? 0.3);
  const pf = p.closedUnitInterval('pctFinal', o.pctFinal ?? 0.85);
  const div = p.positive('divFactor', o.divFactor ?? 25);
  const fdiv = p.positive('finalDivFactor', o.finalDivFactor ?? 1e4);
  if (!(ps < pf)) throw new LosskitError('INVALID_PARAMETER', 'pctStart must be below pctFinal', { argument: 'pctFinal', expected: `> ${ps}`, received: String(pf) });
  return piecewiseInterpolate({ type: 'linear', init: peak / div, boundariesAndScales: { [Math.floor(ps * T)]: div, [Math.floor(pf * T)]: 1 / div, [T]: 1 / fdiv } });
}

/** Options of {@link cosineOnecycle}. */
export interface CosineOnecycleOptions {
  readonly transitionSteps: number;
  readonly peak: number;
  /** Fraction of T spent rising. Default 0.3. */
  readonly pctStart?: number;
  /** Start value η/divFactor. Default 25. */
  readonly divFactor?: number;
  /** Final value η/(divFactor·finalDivFactor). Default 1e4. */
  readonly finalDivFactor?: number;
}

/**
 * Cosine one-cycle (optax `cosine_onecycle_schedule`, fastai's default): cosine from `η/div` up to `η` at
 * `⌊pctStart·T⌋`, then cosine down to `η/(div·finalDiv)` at T.
 * Paper: "Super-Convergence: Very Fast Training of Neural Networks Using Large Learning Rates", Smith & Topin, 2018.
 * @example cosineOnecycle({ transitionSteps: 1000, peak: 0.1 })
 */
export function cosineOnecycle(o: CosineOnecycleOptions): Schedule {
  const T = p.positiveInteger('transitionSteps', o?.transitionSteps);
  const peak = p.nonNegative('peak', o.peak);
  const ps = p.closedUnitInterval('pctStart', o.pctStart ?? 0.3);
  const div = p.positive('divFactor', o.divFactor ?? 25);
  const fdiv = p.positive('finalDivFactor', o.finalDivFactor ?? 1e4);
  return piecewiseInterpolate({ type: 'cosine', init: peak / div, boundariesAndScales: { [Math.floor(ps * T)]: div, [T]: 1 / (div * fdiv) } });
}

/** Options of {@link warmupConstant}. */
export interface WarmupConstantOptions {
  /** Value at step 0. Default 0. */
  readonly init?: number;
  readonly peak: number;
  readonly warmupSteps: number;
}

/**
 * Linear warmup to a constant (optax `warmup_constant_schedule`): `init + (peak − init)·min(t, W)/W`.
 * @example warmupConstant({ peak: 1e-3, warmupSteps: 100 })(50) // 5e-4
 */
export function warmupConstant(o: WarmupConstantOptions): Schedule {
  return linear({ init: o?.init ?? 0, end: o.peak, transitionSteps: o.warmupSteps });
}

/** Options of {@link warmupExponentialDecay}. */
export interface WarmupExponentialDecayOptions extends Omit<ExponentialOptions, 'init'> {
  /** Value at step 0. Default 0. */
  readonly init?: number;
  readonly peak: number;
  readonly warmupSteps: number;
}

/**
 * Linear warmup from `init` to `peak` over W steps, then {@link exponential} decay from `peak` (its count restarts at W)
 * (optax `warmup_exponential_decay_schedule`).
 * @example warmupExponentialDecay({ peak: 1e-3, warmupSteps: 100, transitionSteps: 1000, decayRate: 0.5 })
 */
export function warmupExponentialDecay(o: WarmupExponentialDecayOptions): Schedule {
  const init = p.nonNegative('init', o?.init ?? 0);
  const w = checkParam('warmupSteps', o.warmupSteps, 'an integer >= 0', (x) => Number.isInteger(x) && x >= 0);
  const { warmupSteps: _w, init: _i, peak, ...rest } = o;
  const decay = exponential({ ...rest, init: peak });
  return w > 0 ? joinSchedules([linear({ init, end: peak, transitionSteps: w }), decay], [w]) : decay;
}

/**
 * SGDR, cosine decay with warm restarts (optax `sgdr_schedule`): the cycles run one after the other, cycle i being
 * `warmupCosineDecay(cycles[i])` over its own `decaySteps` (warmup included).
 * Paper: "SGDR: Stochastic Gradient Descent with Warm Restarts", Loshchilov & Hutter, 2017.
 * @example sgdr([{ peak: 0.1, warmupSteps: 0, decaySteps: 100 }, { peak: 0.05, warmupSteps: 0, decaySteps: 200 }])
 */
export function sgdr(cycles: readonly WarmupCosineDecayOptions[]): Schedule {
  if (!Array.isArray(cycles) || cycles.length === 0) throw new LosskitError('INVALID_PARAMETER', 'sgdr needs at least one cycle', { argument: 'cycles', expected: 'a non-empty array of warmupCosineDecay options', received: String(cycles) });
  const schedules = cycles.map((c) => warmupCosineDecay(c));
  const boundaries: number[] = [];
  let at = 0;
  for (const c of cycles.slice(0, -1)) boundaries.push((at += c.decaySteps));
  return joinSchedules(schedules, boundaries);
}

/** Options of {@link cosineWithRestarts}. */
export interface CosineWithRestartsOptions {
  /** Peak value of the first cycle η_max. */
  readonly peak: number;
  /** Length of the first cycle T_0. */
  readonly firstPeriod: number;
  /** Number of cycles. */
  readonly cycles: number;
  /** Cycle length multiplier T_mult (T_i = T_0·T_mult^i, rounded). Default 1. */
  readonly periodMultiplier?: number;
  /** Peak multiplier per cycle. Default 1. */
  readonly peakDecay?: number;
  /** Minimum value η_min at the end of each cycle. Default 0. */
  readonly end?: number;
  /** Linear warmup from 0 at the start of each cycle. Default 0. */
  readonly warmupSteps?: number;
}

/**
 * SGDR in the paper's parametrisation: cycle i lasts `T_0·T_mult^i` steps and decays from `η_max·peakDecay^i` to
 * `η_min` by a half cosine (built with {@link sgdr}).
 * Paper: "SGDR: Stochastic Gradient Descent with Warm Restarts", Loshchilov & Hutter, 2017.
 * @example cosineWithRestarts({ peak: 0.1, firstPeriod: 10, cycles: 4, periodMultiplier: 2 })
 */
export function cosineWithRestarts(o: CosineWithRestartsOptions): Schedule {
  const peak = p.nonNegative('peak', o?.peak);
  const t0 = p.positiveInteger('firstPeriod', o.firstPeriod);
  const n = p.positiveInteger('cycles', o.cycles);
  const mult = p.positive('periodMultiplier', o.periodMultiplier ?? 1);
  const decay = p.nonNegative('peakDecay', o.peakDecay ?? 1);
  const end = p.nonNegative('end', o.end ?? 0);
  const w = p.nonNegative('warmupSteps', o.warmupSteps ?? 0);
  return sgdr(Array.from({ length: n }, (_, i) => ({ init: 0, peak: peak * decay ** i, end: Math.min(end, peak * decay ** i), warmupSteps: w, decaySteps: Math.max(Math.round(t0 * mult ** i), w + 1) })));
}
