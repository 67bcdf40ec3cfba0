import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineOp, embeddings, input, node, params, stopGradient } from '@losskit/core';
import { checkedTensor, normalizeRows } from './distances.js';
import { classMatrix } from './proxies.js';
import { optionsOf } from './internal.js';

const EPS = 1e-3;

/** Names of the scalar inputs {@link adaFace} reads with `normStats: 'running'`. */
export const ADAFACE_INPUTS = { mean: 'adaFaceNormMean', std: 'adaFaceNormStd' } as const;

const op = defineOp<{ m: number; h: number; s: number; weights: string; normStats: 'batch' | 'running' }>({
  kind: 'ml.adaFace',
  evaluate: (ctx, a, p) => {
    const e = a[0]!;
    const { w, onehot } = classMatrix(ctx, p.weights, 'adaFace');
    const c = tf.clipByValue(tf.matMul(normalizeRows(e), normalizeRows(w), false, true), -1 + EPS, 1 - EPS);
    // floored before the sqrt: same value after the [0.001, 100] clip, and no 0·∞ = NaN in the
    // (zero) backward pass through the norm of a zero vector
    const norms = stopGradient(tf.clipByValue(tf.sqrt(tf.maximum(tf.sum(tf.square(e), -1), 1e-12)), 0.001, 100));
    const b = ctx.batchSize;
    const running = p.normStats === 'running';
    const mu = running ? a[2]! : tf.mean(norms);
    const sd = running ? a[3]! : b > 1 ? tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(norms, mu))), b - 1)) : tf.scalar(0);
    const zn = tf.reshape(tf.clipByValue(tf.mul(tf.div(tf.sub(norms, mu), tf.add(sd, EPS)), p.h), -1, 1), [-1, 1]);
    const gAngle = tf.mul(zn, -p.m);
    const gAdd = tf.add(tf.mul(zn, p.m), p.m);
    const theta = tf.acos(c);
    const thetaM = tf.clipByValue(tf.add(theta, tf.mul(gAngle, onehot)), EPS, Math.PI - EPS);
    const logits = tf.mul(tf.sub(tf.cos(thetaM), tf.mul(gAdd, onehot)), p.s);
    return tf.sub(tf.logSumExp(logits, -1), tf.sum(tf.mul(logits, onehot), -1));
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\operatorname{CE}\\left(${p.s}[\\cos(\\theta_y - ${p.m}\\hat z) - (${p.m}\\hat z + ${p.m});\\ \\cos\\theta_{j\\neq y}]\\right)`
      : `CE(${p.s}·[cos(θ_y - ${p.m}ẑ) - (${p.m}ẑ + ${p.m}); cosθ_j≠y])`,
});

/**
 * AdaFace (Kim, Jain, Liu 2022, "AdaFace: Quality Adaptive Margin for Face Recognition"), following the
 * authors' `head.py`: `cos θ_j` between normalized embedding and class weights, clipped to
 * `[-1 + ε, 1 - ε]`; the feature norm `‖z‖` (clipped to `[0.001, 100]`, no gradient) is standardized
 * with the batch statistics, `ẑ = clip(h (‖z‖ - μ_B)/(σ_B + ε), -1, 1)` (σ_B the unbiased std; 0 for
 * B = 1); then `g_angle = -m ẑ`, `g_add = m ẑ + m`, the target logit is
 * `s (cos(clip(θ_y + g_angle, ε, π - ε)) - g_add)`, the others `s cos θ_j`, and cross-entropy.
 * Defaults m = 0.4, h = 0.333, s = 64, ε = 1e-3. With `normStats: 'batch'` (default, `t_alpha = 1`)
 * μ, σ are this batch's statistics. With `normStats: 'running'` they are read from the scalar inputs
 * `adaFaceNormMean`, `adaFaceNormStd`, the exponential moving averages kept by {@link adaFaceNormStats}
 * (the official training config's `t_alpha = 0.01`, i.e. momentum 0.99).
 * yPred `[B, D]` (unnormalized features), labels in `[0, C)`, `inputs.weights` `[C, D]` → `[B]`.
 * @example
 * const stats = adaFaceNormStats();
 * const loss = compile(adaFace({ normStats: 'running' }), { from: 'embeddings' });
 * loss(labels, z, { inputs: { weights: W, ...stats.update(z) } });
 */
export function adaFace(
  options: { readonly m?: number; readonly h?: number; readonly s?: number; readonly weights?: string; readonly normStats?: 'batch' | 'running' } = {},
): Expr<'sample', 'any'> {
  const m = params.nonNegative('m', options.m ?? 0.4);
  const h = params.nonNegative('h', options.h ?? 0.333);
  const s = params.positive('s', options.s ?? 64);
  const weights = options.weights ?? 'weights';
  const normStats = options.normStats ?? 'batch';
  if (normStats !== 'batch' && normStats !== 'running') {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown AdaFace norm statistics', { argument: 'normStats', expected: "'batch' or 'running'", received: String(normStats) });
  }
  const stats = normStats === 'running' ? [input(ADAFACE_INPUTS.mean, 'batch'), input(ADAFACE_INPUTS.std, 'batch')] : [];
  return node(op, 'sample', [embeddings(), input(weights, 'pair'), ...stats], { m, h, s, weights, normStats });
}

/** Running feature-norm statistics of AdaFace, owned by the caller (see {@link adaFaceNormStats}). */
export interface AdaFaceNormStats {
  /** EMA weight of the new batch, `t_alpha`. */
  readonly tAlpha: number;
  /** Current running mean μ of the clipped norms (starts at 20, the official buffer init). */
  readonly mean: number;
  /** Current running std σ (starts at 100, the official buffer init). */
  readonly std: number;
  /**
   * Folds one batch in: with `n_i = clip(‖z_i‖, 0.001, 100)`, `μ ← t_α mean(n) + (1 - t_α) μ`,
   * `σ ← t_α std(n) + (1 - t_α) σ` (unbiased std; needs B ≥ 2). Returns the inputs for the loss call,
   * holding the updated values (the official head updates before it computes the margin).
   */
  update(embeddings: Tensor | number[][]): { readonly adaFaceNormMean: number; readonly adaFaceNormStd: number };
}

/**
 * Creates AdaFace's running norm statistics (the `batch_mean` / `batch_std` buffers of the authors'
 * `head.py`, mk-minchul/AdaFace): init μ = 20, σ = 100, `t_alpha` default 0.01 (momentum 0.99, the
 * official training default). Pair with `adaFace({ normStats: 'running' })`.
 */
export function adaFaceNormStats(options: { readonly tAlpha?: number; readonly mean?: number; readonly std?: number } = {}): AdaFaceNormStats {
  options = optionsOf(options);
  const tAlpha = params.inRange('tAlpha', options.tAlpha ?? 0.01, Number.MIN_VALUE, 1);
  let mean = params.finite('mean', options.mean ?? 20);
  let std = params.nonNegative('std', options.std ?? 100);
  return {
    tAlpha,
    get mean() {
      return mean;
    },
    get std() {
      return std;
    },
    update(z) {
      const norms = tf.tidy(() => {
        const e = checkedTensor(z, 'embeddings', 2, 'the embeddings');
        if (e.shape[0]! < 2) {
          throw new LosskitError('SHAPE_MISMATCH', 'AdaFace norm statistics need embeddings [B, D] with B >= 2', {
            argument: 'embeddings',
            expected: '[B, D], B >= 2',
            received: `[${e.shape.join(', ')}]`,
          });
        }
        return tf.clipByValue(tf.norm(tf.cast(e, 'float32'), 'euclidean', -1), 0.001, 100).dataSync();
      });
      const n = norms.length;
      let mu = 0;
      for (const v of norms) mu += v;
      mu /= n;
      let ss = 0;
      for (const v of norms) ss += (v - mu) ** 2;
      mean = mu * tAlpha + (1 - tAlpha) * mean;
      std = Math.sqrt(ss / (n - 1)) * tAlpha + (1 - tAlpha) * std;
      return { adaFaceNormMean: mean, adaFaceNormStd: std };
    },
  };
}
