import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type CompiledLoss, LosskitError, type TensorLike, ce, checkParam, compile, formatShape, oneHotRows } from '@losskit/core';
import { betaSampler, rng } from '@losskit/core/math';
import { checkBatch, checkInteger, readLabels, readOptions } from '@losskit/diagnostics';

/** Options of {@link mixOEBatch}. */
export interface MixOEOptions {
  /** In-distribution inputs `[B, ...]` (float32). */
  readonly inputs: Tensor;
  /** Their integer labels `[B]`. */
  readonly labels: TensorLike;
  /** Auxiliary outliers, the same shape as `inputs`. */
  readonly outliers: Tensor;
  /** Number of classes K. */
  readonly classes: number;
  /** λ ~ Beta(α, α), one draw per batch. Default 1 (λ uniform). */
  readonly alpha?: number;
  /** Weight β of the mixed term. Default 1. */
  readonly beta?: number;
  /** `'mixup'` (default) or `'cutmix'` (needs inputs `[B, H, W]` or `[B, H, W, C]`). */
  readonly mode?: 'mixup' | 'cutmix';
  /** Seed of λ and the CutMix box. Default 0. */
  readonly seed?: number;
}

/** A MixOE training batch: the ID samples followed by their mixtures with outliers, for `mixOELoss()`. */
export interface MixOEBatch {
  /** `[2B, ...]`: the B ID inputs, then the B mixed inputs. */
  readonly inputs: Tensor;
  /** `[2B, K]`: one-hot ID targets, then λ·onehot(y) + (1 − λ)/K. */
  readonly targets: Tensor;
  /** `[2B]` sample weights: 1/B for the ID rows, β/B for the mixed rows (so the summed loss is MixOE's). */
  readonly weights: Tensor;
  /** The λ used (after CutMix, 1 − the pasted area fraction). */
  readonly lambda: number;
}

/**
 * A training batch of Mixture Outlier Exposure (Zhang, Inkawhich, Linderman, Chen & Li 2023, *Mixture Outlier
 * Exposure: Towards Out-of-Distribution Detection in Fine-grained Environments*), as the authors' `train_mixoe.py`
 * (github.com/zjysteven/MixOE) builds it: λ ~ Beta(α, α) once per batch; mixup x̃ = λx + (1 − λ)x_out, or CutMix
 * (an outlier box of area ≈ (1 − λ)HW pasted into the ID images, λ then recomputed from the box); soft targets
 * ỹ = λ·onehot(y) + (1 − λ)·u, u = 1/K uniform. Training on the returned batch with {@link mixOELoss} (cross-entropy
 * with soft targets, summed with the returned weights) minimizes
 *
 * L = (1/B) Σ_i CE(f(x_i), y_i) + β · (1/B) Σ_i CE(f(x̃_i), ỹ_i).
 *
 * The caller owns the returned tensors. Errors: `INVALID_ARGUMENT` (shapes, mode), `LABEL_OUT_OF_RANGE`,
 * `INVALID_PARAMETER` (α ≤ 0, β < 0, classes < 1), `NON_FINITE_INPUT`.
 *
 * @example
 * const batch = mixOEBatch({ inputs: xb, labels: yb, outliers: ob, classes: 10, seed: step });
 * const loss = mixOELoss()(batch.targets, model.apply(batch.inputs), batch.weights);
 */
export function mixOEBatch(options: MixOEOptions): MixOEBatch {
  const o = readOptions(options, 'options');
  const B = checkBatch(o.inputs, 'inputs');
  checkBatch(o.outliers, 'outliers');
  if (o.outliers.shape.length !== o.inputs.shape.length || o.outliers.shape.some((v, i) => v !== o.inputs.shape[i])) {
    throw new LosskitError('SHAPE_MISMATCH', 'outliers must have the shape of inputs', { argument: 'outliers', expected: formatShape(o.inputs.shape), received: formatShape(o.outliers.shape) });
  }
  const K = checkInteger('classes', o.classes, 1);
  const y = readLabels(o.labels, B, 'labels', K);
  const alpha = checkParam('alpha', o.alpha ?? 1, 'a number > 0', (v) => v > 0);
  const beta = checkParam('beta', o.beta ?? 1, 'a number >= 0', (v) => v >= 0);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'seed', expected: 'an integer', received: String(seed) });
  const mode = o.mode ?? 'mixup';
  if (mode !== 'mixup' && mode !== 'cutmix') throw new LosskitError('INVALID_ARGUMENT', 'unknown mode', { argument: 'mode', expected: "'mixup' or 'cutmix'", received: String(mode) });
  if (mode === 'cutmix' && o.inputs.rank < 3) throw new LosskitError('INVALID_ARGUMENT', 'CutMix needs images', { argument: 'inputs', expected: '[B, H, W] or [B, H, W, C]', received: formatShape(o.inputs.shape) });
  for (const [t, name] of [[o.inputs, 'inputs'], [o.outliers, 'outliers']] as const) {
    const v = t.dataSync();
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: name, expected: 'finite numbers', received: `${v[i]} at flat index ${i}` });
  }
  const u = rng(seed);
  let lambda = betaSampler(alpha, alpha, u)();
  let mask: { x1: number; x2: number; y1: number; y2: number } | undefined;
  if (mode === 'cutmix') {
    // rand_bbox of the CutMix code: a box of side ⌊H√(1−λ)⌋ × ⌊W√(1−λ)⌋ around a uniform centre, clipped.
    const H = o.inputs.shape[1]!;
    const W = o.inputs.shape[2]!;
    const r = Math.sqrt(1 - lambda);
    const ch = Math.floor(H * r);
    const cw = Math.floor(W * r);
    const cy = Math.floor(u() * H);
    const cx = Math.floor(u() * W);
    const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
    mask = { y1: clip(cy - Math.floor(ch / 2), H), y2: clip(cy + Math.floor(ch / 2), H), x1: clip(cx - Math.floor(cw / 2), W), x2: clip(cx + Math.floor(cw / 2), W) };
    lambda = 1 - ((mask.y2 - mask.y1) * (mask.x2 - mask.x1)) / (H * W);
  }
  const lam = lambda;
  return tf.tidy(() => {
    let mixed: Tensor;
    if (mask) {
      const H = o.inputs.shape[1]!;
      const W = o.inputs.shape[2]!;
      const m = new Float32Array(H * W);
      for (let i = mask.y1; i < mask.y2; i++) for (let j = mask.x1; j < mask.x2; j++) m[i * W + j] = 1;
      const shape = [1, H, W, ...o.inputs.shape.slice(3).map(() => 1)];
      const box = tf.tensor(m, shape);
      mixed = tf.add(tf.mul(o.inputs, tf.sub(1, box)), tf.mul(o.outliers, box));
    } else mixed = tf.add(tf.mul(o.inputs, lam), tf.mul(o.outliers, 1 - lam));
    const hot = oneHotRows(tf.tensor1d(y, 'int32'), K);
    const soft = tf.add(tf.mul(hot, lam), (1 - lam) / K);
    return {
      inputs: tf.concat([o.inputs, mixed], 0),
      targets: tf.concat([hot, soft], 0),
      weights: tf.concat([tf.fill([B], 1 / B), tf.fill([B], beta / B)]),
      lambda: lam,
    };
  });
}

/**
 * The MixOE objective for a {@link mixOEBatch}: the DSL's `ce()` (cross-entropy, which takes soft targets `[N, K]`)
 * compiled with `reduction: 'sum'`, so `mixOELoss()(batch.targets, logits, batch.weights)` is
 * (1/B) Σ CE(f(x), y) + β (1/B) Σ CE(f(x̃), ỹ). Outlier Exposure (Hendrycks et al. 2019) is the λ = 0 special case.
 */
export function mixOELoss(): CompiledLoss {
  return compile(ce(), { reduction: 'sum' });
}
