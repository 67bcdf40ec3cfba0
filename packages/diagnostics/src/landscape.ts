import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type CompiledLoss, LosskitError, type TensorLike, assertFinite, ce, compile, formatShape, toTensor } from '@losskit/core';
import { normal, rng } from '@losskit/core/math';
import { checkInteger, readOptions } from './input.js';
import { type ModelLike, checkBatch, forwardOf, modelVariables } from './model.js';

/** A direction in weight space: one Float32Array per trainable variable, in `model.trainableWeights` order. */
export type WeightDirection = Float32Array[];

/** Options of {@link filterNormalizedDirection}. */
export interface DirectionOptions {
  /** Seed of the Gaussian draw. Default 0. */
  readonly seed?: number;
  /**
   * What 1-D weights (biases, batch-norm scales) get: `'biasbn'` (default) a zero direction, `'none'` the weights
   * themselves — the two choices of the authors' `net_plotter.py` (`--xignore biasbn`).
   */
  readonly ignore?: 'biasbn' | 'none';
}

/**
 * A random filter-normalized direction (Li, Xu, Taylor, Studer & Goldstein 2018, *Visualizing the Loss Landscape of
 * Neural Nets*, §4): d ~ N(0, I) per weight, then every filter is rescaled to the norm of the matching filter of θ,
 * d_{i,j} ← d_{i,j} · ‖θ_{i,j}‖ / (‖d_{i,j}‖ + 1e-10). A filter is a slice along the last axis of a weight of rank ≥ 2
 * (a tfjs Dense kernel `[in, out]` has one filter per output unit: the incoming weights, as a PyTorch `Linear` row;
 * a conv kernel `[kh, kw, in, out]` one per output channel). Host float32 arrays: nothing to dispose. A NaN or ±Inf weight
 * throws `NON_FINITE_INPUT`.
 *
 * @example const d = filterNormalizedDirection(model, { seed: 1 });
 */
export function filterNormalizedDirection(model: ModelLike, options?: DirectionOptions): WeightDirection {
  const o = readOptions(options);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'seed', expected: 'an integer', received: String(seed) });
  const ignore = o.ignore ?? 'biasbn';
  if (ignore !== 'biasbn' && ignore !== 'none') throw new LosskitError('INVALID_ARGUMENT', 'unknown ignore mode', { argument: 'ignore', expected: "'biasbn' or 'none'", received: String(ignore) });
  const vars = modelVariables(model);
  const gauss = normal(rng(seed));
  return vars.map((v, vi) => {
    const w = Float32Array.from(v.dataSync() as Float32Array);
    assertFinite(w, `model.trainableWeights[${vi}]`, v.shape);
    const d = new Float32Array(v.size);
    if (v.rank <= 1) {
      if (ignore === 'none') d.set(w);
      return d;
    }
    for (let k = 0; k < d.length; k++) d[k] = gauss();
    const filters = v.shape.at(-1)!;
    for (let f = 0; f < filters; f++) {
      let wn = 0;
      let dn = 0;
      for (let k = f; k < d.length; k += filters) {
        wn += w[k]! * w[k]!;
        dn += d[k]! * d[k]!;
      }
      const s = Math.sqrt(wn) / (Math.sqrt(dn) + 1e-10);
      for (let k = f; k < d.length; k += filters) d[k] = d[k]! * s;
    }
    return d;
  });
}

/** Options of the loss-landscape slices. */
export interface LandscapeOptions {
  /** The loss ℓ(y, f(x)) averaged over the batch. Default `compile(ce())`. */
  readonly loss?: CompiledLoss;
  /** Step coefficients along the first direction. Default 21 points from −1 to 1. */
  readonly alphas?: readonly number[];
  /** Seed of the random direction(s) when none are given (the second direction uses seed + 1). Default 0. */
  readonly seed?: number;
  /** `ignore` of {@link filterNormalizedDirection}. Default `'biasbn'`. */
  readonly ignore?: 'biasbn' | 'none';
}

/** A 1-D slice: the loss (and accuracy, for integer labels) at θ + α d. */
export interface Landscape1d {
  readonly alphas: number[];
  readonly losses: number[];
  /** Top-1 accuracy at each α when `y` holds integer labels, else undefined. */
  readonly accuracies: number[] | undefined;
  readonly direction: WeightDirection;
}

/** A 2-D slice: `losses[i][j]` at θ + α_i δ + β_j η. */
export interface Landscape2d {
  readonly alphas: number[];
  readonly betas: number[];
  readonly losses: number[][];
  readonly directions: [WeightDirection, WeightDirection];
}

function checkCoefficients(a: readonly number[] | undefined, name: string): number[] {
  if (a === undefined) return Array.from({ length: 21 }, (_, i) => -1 + i / 10);
  if (!Array.isArray(a) || a.length === 0 || a.length > 10_000 || !a.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new LosskitError('INVALID_ARGUMENT', 'coefficients must be finite numbers', { argument: name, expected: 'an array of 1 to 10000 finite numbers', received: Array.isArray(a) ? `${a.length} values` : typeof a });
  }
  return [...a];
}

function checkDirection(d: WeightDirection, vars: tf.Variable[], name: string): void {
  if (!Array.isArray(d) || d.length !== vars.length) throw new LosskitError('SHAPE_MISMATCH', 'one array per trainable variable', { argument: name, expected: `${vars.length} arrays`, received: Array.isArray(d) ? `${d.length}` : typeof d });
  d.forEach((a, i) => {
    if (!(a instanceof Float32Array) || a.length !== vars[i]!.size) throw new LosskitError('SHAPE_MISMATCH', `direction ${i} does not match its variable`, { argument: name, expected: `a Float32Array of ${vars[i]!.size} values (${formatShape(vars[i]!.shape)})`, received: a instanceof Float32Array ? `${a.length} values` : typeof a });
    for (let k = 0; k < a.length; k++) if (!Number.isFinite(a[k]!)) throw new LosskitError('NON_FINITE_INPUT', 'direction has a non-finite value', { argument: name, received: `${a[k]} in array ${i} at ${k}` });
  });
}

/**
 * Evaluates the loss at θ + Σ_k c_k d_k for every coefficient tuple, restoring θ afterwards (also on error). The
 * weights are assigned in place, so the model must not be used concurrently.
 */
function sweep(model: ModelLike, x: Tensor, y: TensorLike, loss: CompiledLoss, dirs: WeightDirection[], points: number[][], wantAccuracy: boolean): { losses: number[]; accuracies: number[] | undefined } {
  const vars = modelVariables(model);
  const f = forwardOf(model);
  const B = checkBatch(x, 'x');
  const yc = toTensor(y, 'y');
  const saved = vars.map((v) => tf.clone(v));
  const losses: number[] = [];
  const accuracies: number[] | undefined = wantAccuracy ? [] : undefined;
  try {
    if (yc.tensor.rank < 1 || yc.tensor.shape[0] !== B) throw new LosskitError('SHAPE_MISMATCH', 'one target per example', { argument: 'y', expected: `labels [${B}] or targets [${B}, C]`, received: formatShape(yc.tensor.shape) });
    const dirTensors = dirs.map((d) => d.map((a, i) => tf.tensor(a, vars[i]!.shape)));
    try {
      for (const c of points) {
        tf.tidy(() => {
          vars.forEach((v, i) => {
            let w: Tensor = saved[i]!;
            c.forEach((ck, k) => {
              if (ck !== 0) w = tf.add(w, tf.mul(dirTensors[k]![i]!, ck));
            });
            v.assign(w);
          });
          const out = f(x);
          const l = loss(yc.tensor, out);
          losses.push(l.dataSync()[0]!);
          if (accuracies) accuracies.push(tf.mean(tf.cast(tf.equal(tf.argMax(out, -1), tf.cast(yc.tensor, 'int32')), 'float32')).dataSync()[0]!);
        });
      }
    } finally {
      tf.dispose(dirTensors.flat());
    }
  } finally {
    vars.forEach((v, i) => v.assign(saved[i]!));
    tf.dispose(saved);
    if (yc.owned) yc.tensor.dispose();
  }
  return { losses, accuracies };
}

/**
 * A 1-D loss-landscape slice L(θ + α d) along a filter-normalized direction (Li et al. 2018, §4–5), on one batch
 * `(x, y)`. Returns the losses (and accuracies for integer labels) per α; the model's weights are restored.
 *
 * @example const { alphas, losses } = lossLandscape1d(model, x, labels, { alphas: [-1, -0.5, 0, 0.5, 1] });
 */
export function lossLandscape1d(model: ModelLike, x: Tensor, y: TensorLike, options?: LandscapeOptions & { direction?: WeightDirection }): Landscape1d {
  const o = readOptions(options);
  const alphas = checkCoefficients(o.alphas, 'alphas');
  const vars = modelVariables(model);
  const direction = o.direction ?? filterNormalizedDirection(model, { seed: o.seed ?? 0, ignore: o.ignore ?? 'biasbn' });
  checkDirection(direction, vars, 'direction');
  const labels = !(y instanceof tf.Tensor) ? Array.isArray(y) && typeof y[0] === 'number' : y.rank === 1;
  const r = sweep(model, x, y, o.loss ?? compile(ce()), [direction], alphas.map((a) => [a]), labels);
  return { alphas, losses: r.losses, accuracies: r.accuracies, direction };
}

/**
 * A 2-D loss-landscape slice L(θ + α δ + β η) over two filter-normalized directions (Li et al. 2018, Fig. 1 and §5,
 * contour plots), on one batch. `betas` defaults to `alphas`.
 *
 * @example const { losses } = lossLandscape2d(model, x, labels, { alphas: [-1, 0, 1], betas: [-1, 0, 1] });
 */
export function lossLandscape2d(model: ModelLike, x: Tensor, y: TensorLike, options?: LandscapeOptions & { betas?: readonly number[]; directions?: [WeightDirection, WeightDirection] }): Landscape2d {
  const o = readOptions(options);
  const alphas = checkCoefficients(o.alphas, 'alphas');
  const betas = checkCoefficients(o.betas ?? o.alphas, 'betas');
  if (alphas.length * betas.length > 10_000) throw new LosskitError('INVALID_ARGUMENT', 'grid too large', { argument: 'alphas', expected: 'at most 10000 grid points', received: `${alphas.length} × ${betas.length}` });
  const vars = modelVariables(model);
  const seed = o.seed ?? 0;
  checkInteger('seed', seed, Number.MIN_SAFE_INTEGER);
  const directions: [WeightDirection, WeightDirection] = o.directions ?? [filterNormalizedDirection(model, { seed, ignore: o.ignore ?? 'biasbn' }), filterNormalizedDirection(model, { seed: seed + 1, ignore: o.ignore ?? 'biasbn' })];
  if (!Array.isArray(directions) || directions.length !== 2) throw new LosskitError('INVALID_ARGUMENT', 'two directions', { argument: 'directions', expected: '[δ, η]' });
  checkDirection(directions[0], vars, 'directions[0]');
  checkDirection(directions[1], vars, 'directions[1]');
  const points = alphas.flatMap((a) => betas.map((b) => [a, b]));
  const { losses } = sweep(model, x, y, o.loss ?? compile(ce()), directions, points, false);
  return { alphas, betas, losses: alphas.map((_, i) => losses.slice(i * betas.length, (i + 1) * betas.length)), directions };
}
