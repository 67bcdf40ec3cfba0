import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, defineEntry, formatShape, oneHotRows, params, toTensor } from '@losskit/core';
import { betaSampler, rng, shuffleInPlace } from '@losskit/core/math';
import { inputTensor, validateOption } from '../../validate.js';

/** Options of {@link mixup}. */
export interface MixupOptions {
  /** Parameter α of the mixing distribution λ ~ Beta(α, α); α = 0 gives λ = 1 (no mixing, as mixup-cifar10). Default 1. */
  readonly alpha?: number;
  /** Class count C, needed when `y` holds integer labels `[B]`. */
  readonly numClasses?: number;
  /** `batch` (default): one λ for the whole batch (Zhang et al.'s code); `sample`: one λ per sample. */
  readonly lambda?: 'batch' | 'sample';
  /** Uniform random source in [0, 1) held by the caller (e.g. `rng(seed)` of `@losskit/core/math`); overrides `seed`. */
  readonly random?: () => number;
  /** Seed of a fresh generator for this call. Default: random. */
  readonly seed?: number;
  /** Check that `x` and `y` are finite. Default true. */
  readonly validate?: boolean;
}

/** Result of {@link mixup}: the mixed batch (tensors owned by the caller) and how it was mixed. */
export interface MixupBatch {
  /** `λ_i x_i + (1 − λ_i) x_{π(i)}`, shaped like `x`. */
  readonly x: Tensor;
  /** `λ_i y_i + (1 − λ_i) y_{π(i)}`, `[B, C]` soft targets (from labels: their one-hots). */
  readonly y: Tensor2D;
  /** The mixing weight of each sample, `[B]` (all equal with `lambda: 'batch'`). */
  readonly lambda: number[];
  /** The partner `π(i)` of each sample (a uniformly random permutation). */
  readonly permutation: Int32Array;
}

/**
 * Mixup, the training-time augmentation the paper proves calibrates where temperature scaling cannot (distributions
 * with overlapping classes): each sample is mixed with a random partner of the same batch,
 * `x̃_i = λ_i x_i + (1 − λ_i) x_{π(i)}`, `ỹ_i = λ_i y_i + (1 − λ_i) y_{π(i)}`, with λ ~ Beta(α, α) and π a uniformly
 * random permutation. Training on `(x̃, ỹ)` with `compile(ce())` (soft targets) is the mixup loss
 * `λ ℓ(f(x̃), y_i) + (1 − λ) ℓ(f(x̃), y_{π(i)})`, since cross-entropy is linear in the target. The random draws come
 * from `random` (caller-held state) or a generator seeded with `seed`.
 *
 * Shapes: `x` `[B, ...]`, `y` labels `[B]` (with `numClasses`) or targets `[B, C]` → `{ x: [B, ...], y: [B, C] }`.
 * As `mixup_data` of facebookresearch/mixup-cifar10 (one λ per batch, `randperm` partners); the paper's analysis
 * also covers per-pair λ (`lambda: 'sample'`). Its d-Mixup (mixing d + 1 points) is not included: the distribution
 * of its weights could not be pinned down from the stored copies.
 *
 * @example
 * const { x, y } = mixup(images, labels, { alpha: 1, numClasses: 10, seed: step });
 * const loss = compile(ce())(y, model.apply(x));
 * @see Chidambaram, Ge, "On the Limitations of Temperature Scaling for Distributions with Overlaps", ICLR 2024;
 *   Zhang, Cisse, Dauphin, Lopez-Paz, "mixup: Beyond Empirical Risk Minimization", ICLR 2018.
 */
export function mixup(x: TensorLike, y: TensorLike, options: MixupOptions = {}): MixupBatch {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
  const validate = validateOption(options);
  const alpha = params.nonNegative('alpha', options.alpha ?? 1);
  const mode = options.lambda ?? 'batch';
  if (mode !== 'batch' && mode !== 'sample') throw new LosskitError('INVALID_PARAMETER', 'unknown λ mode', { argument: 'lambda', expected: "'batch' or 'sample'", received: String(mode) });
  if (options.random !== undefined && typeof options.random !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'random must be a function', { argument: 'random', expected: '() => number in [0, 1)', received: typeof options.random });
  const u = options.random ?? rng(options.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : params.finite('seed', options.seed));
  const draw = (): number => {
    const v = u();
    if (!(v >= 0 && v < 1)) throw new LosskitError('INVALID_ARGUMENT', 'random must return numbers in [0, 1)', { argument: 'random', expected: 'a number in [0, 1)', received: String(v) });
    return v;
  };
  const result = tf.tidy(() => {
    const xs = inputTensor(x, 'x', validate);
    if (xs.rank === 0 || xs.shape[0] === 0) throw new LosskitError('RANK_MISMATCH', 'x must be a batch', { argument: 'x', expected: 'shape [B, ...] with B >= 1', received: formatShape(xs.shape) });
    const B = xs.shape[0]!;
    let targets: Tensor2D;
    const yc = toTensor(y, 'y');
    const ys = yc.tensor;
    if (ys.rank === 1) {
      const C = params.positiveInteger('numClasses', options.numClasses);
      if (ys.shape[0] !== B) throw new LosskitError('SHAPE_MISMATCH', 'one label per sample', { argument: 'y', expected: `shape [${B}]`, received: formatShape(ys.shape) });
      const v = yc.host ?? ys.dataSync();
      v.forEach((l, i) => {
        if (!Number.isInteger(l) || l < 0 || l >= C) {
          throw new LosskitError(Number.isFinite(l) ? (Number.isInteger(l) ? 'LABEL_OUT_OF_RANGE' : 'NON_INTEGER_LABEL') : 'NON_FINITE_INPUT', 'labels must be integers in range', { argument: 'y', expected: `integers in [0, ${C})`, received: `${l} at index ${i}` });
        }
      });
      targets = oneHotRows(tf.tensor1d(Int32Array.from(v), 'int32'), C);
    } else if (ys.rank === 2 && ys.shape[0] === B && ys.shape[1]! > 0) {
      if (validate) {
        const v = yc.host ?? ys.dataSync();
        const i = Array.from(v).findIndex((t) => !Number.isFinite(t));
        if (i >= 0) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: 'y', expected: 'finite numbers', received: `${v[i]} at flat index ${i}` });
      }
      targets = ys as Tensor2D;
    } else {
      throw new LosskitError('SHAPE_MISMATCH', 'y must be labels [B] or targets [B, C]', { argument: 'y', expected: `shape [${B}] or [${B}, C]`, received: formatShape(ys.shape) });
    }
    const beta = alpha > 0 ? betaSampler(alpha, alpha, draw) : () => 1;
    const lam = mode === 'batch' ? new Array<number>(B).fill(beta()) : Array.from({ length: B }, () => beta());
    // Fisher-Yates over the batch indices.
    const perm = shuffleInPlace(Int32Array.from({ length: B }, (_, i) => i), draw);
    // The partners by a permutation matrix (differentiable on every backend; tfjs's Gather gradient needs
    // UnsortedSegmentSum, which the WASM backend does not register).
    const P = oneHotRows(tf.tensor1d(perm, 'int32'), B);
    const l = tf.tensor1d(lam);
    const mix = (t: Tensor): Tensor => {
      const w = tf.reshape(l, [B, ...new Array(t.rank - 1).fill(1)]);
      const partner = tf.reshape(tf.matMul(P, tf.reshape(t, [B, -1])), t.shape);
      return tf.add(tf.mul(t, w), tf.mul(partner, tf.sub(1, w)));
    };
    return { x: mix(xs), y: mix(targets) as Tensor2D, lambda: lam, permutation: perm };
  });
  return result;
}

export const mixupEntry = defineEntry({
  id: 'mixup',
  name: 'Mixup (training-time calibration)',
  package: '@losskit/losses',
  export: 'mixup',
  category: 'calibration',
  summary: 'Trains on convex combinations of random pairs of a batch and of their targets; calibrates where temperature scaling provably fails under class overlap.',
  formula: '\\tilde x_i = \\lambda x_i + (1-\\lambda) x_{\\pi(i)},\\ \\tilde y_i = \\lambda y_i + (1-\\lambda) y_{\\pi(i)},\\ \\lambda \\sim \\mathrm{Beta}(\\alpha, \\alpha),\\ \\mathcal{L} = \\mathrm{CE}(f(\\tilde x_i), \\tilde y_i)',
  inputs: 'inputs x [B, ...]; labels [B] (with numClasses) or targets [B, C]; returns the mixed x and soft targets [B, C]',
  params: [
    { name: 'alpha', default: 1, range: { min: 0 }, description: 'Beta(α, α) mixing distribution; 0 = no mixing' },
    { name: 'lambda', default: 'batch', range: "'batch' | 'sample'", description: 'one λ per batch or per sample' },
    { name: 'seed', default: null, range: 'any finite number', description: 'seed of the draws (or pass random)' },
  ],
  paper: { title: 'On the Limitations of Temperature Scaling for Distributions with Overlaps', authors: 'Muthu Chidambaram, Rong Ge', year: 2024, url: 'arXiv:2306.00740' },
  example:
    "import * as tf from '@tensorflow/tfjs-core';\nimport { ce, compile } from '@losskit/core';\nimport { mixup } from '@losskit/losses';\nconst images = tf.tensor2d([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]]);\nconst w = tf.tensor2d([[2, -1, 0], [-1, 2, 0]]);\nconst batch = mixup(images, [1, 0, 2], { alpha: 1, numClasses: 3, seed: 7 });\nconst loss = compile(ce())(batch.y, tf.matMul(batch.x, w));",
});
