import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, checkParam, signOf, stopGradient } from '@losskit/core';
import { readOptions } from '@losskit/diagnostics';
import { type AttackOptions, inputGradient, readAttack } from './attacks.js';

/** Options of {@link aaerLoss}. */
export interface AaerOptions extends AttackOptions {
  /** FGSM step α (before the warm-up factor). Default ε (the authors' `--alpha 1.0` × ε). */
  readonly stepSize?: number;
  /** Warm-up factor w ∈ [0, 1] of the step (the authors use min((epoch + i/N)/5, 1)). Default 1. */
  readonly warmup?: number;
  /**
   * The random start: `'double'` (default) δ₀ ~ U(−2ε, 2ε) without projection (the authors' default, `--clamp 0`),
   * `'project'` δ₀ ~ U(−ε, ε) with the step projected onto ±wε (`--clamp 1`).
   */
  readonly start?: 'double' | 'project';
  /** λ₁, λ₂, λ₃ of the regularizer. Defaults 1, 4, 1.5. */
  readonly lambda1?: number;
  readonly lambda2?: number;
  readonly lambda3?: number;
  /** Seed of the random start. Default 0. */
  readonly seed?: number;
}

/** Result of {@link aaerLoss}: the training loss and what the batch looked like. */
export interface AaerResult {
  /** Scalar training loss (depends on the model weights; differentiate it with `tf.variableGrads`). */
  readonly loss: Scalar;
  /** Abnormal adversarial examples: the FGSM step lowered their loss. */
  readonly abnormal: number;
  readonly normal: number;
}

/**
 * Single-step adversarial training with the Abnormal Adversarial Examples Regularization (Lin, Liu, Ren, Wang, Feng &
 * Zhou 2023, *Eliminating Catastrophic Overfitting Via Abnormal Adversarial Examples Regularization*), as the
 * authors' `train_aaer.py`:
 *
 * δ₀ ~ U(−2ε, 2ε) (`tf.randomUniform(x.shape, −2ε, 2ε, "float32", seed)`, clipped to `bounds`), δ = δ₀ + α · w · sign(∇_δ CE(f(x + δ₀), y)); ℓ_before = CE(f(x + δ₀)),
 * ℓ_after = CE(f(x + δ)) per example; the abnormal examples AAE = {i : ℓ_before,i > ℓ_after,i}, NAE the rest;
 * V_S = mean_{i∈S} ‖z_before,i − z_after,i‖² (logit change); and, when both sets are non-empty,
 *
 * L = mean ℓ_after + λ₁ (|AAE|/N) (λ₂ · mean_{AAE}(ℓ_before − ℓ_after) + λ₃ · max(V_AAE − V_NAE, 0)),
 *
 * else L = mean ℓ_after. As in the code, the "before" pass, δ and V_NAE carry no gradient. Call it inside
 * `tf.variableGrads` / `optimizer.minimize` (it builds the adversarial point with its own input gradient).
 *
 * @example optimizer.minimize(() => aaerLoss({ model, x, y, epsilon: 8 / 255, bounds: [0, 1], seed: step }).loss);
 */
export function aaerLoss(options: AaerOptions): AaerResult {
  const o = readOptions(options, 'options');
  const l1 = checkParam('lambda1', o.lambda1 ?? 1, 'a number >= 0', (v) => v >= 0);
  const l2 = checkParam('lambda2', o.lambda2 ?? 4, 'a number >= 0', (v) => v >= 0);
  const l3 = checkParam('lambda3', o.lambda3 ?? 1.5, 'a number >= 0', (v) => v >= 0);
  const warm = checkParam('warmup', o.warmup ?? 1, 'a number in [0, 1]', (v) => v >= 0 && v <= 1);
  const start = o.start ?? 'double';
  if (start !== 'double' && start !== 'project') throw new LosskitError('INVALID_ARGUMENT', 'unknown start', { argument: 'start', expected: "'double' or 'project'", received: String(start) });
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'seed', expected: 'an integer', received: String(seed) });
  const a = readAttack(o);
  try {
    const alpha = checkParam('stepSize', o.stepSize ?? a.eps, 'a number >= 0', (v) => v >= 0);
    const clip = (t: Tensor) => (a.bounds ? tf.clipByValue(t, a.bounds[0], a.bounds[1]) : t);
    let abnormal = 0;
    let normal = 0;
    const loss = tf.tidy(() => {
      const n = a.x.shape[0]!;
      const r = start === 'double' ? 2 * a.eps : a.eps;
      // δ₀ clipped so that x + δ₀ stays in bounds (the code's clamp(δ, lower − X, upper − X)).
      const x0 = stopGradient(clip(tf.add(a.x, tf.randomUniform(a.x.shape, -r, r, 'float32', seed))));
      const g = stopGradient(inputGradient(a, x0));
      let delta = tf.add(tf.sub(x0, a.x), tf.mul(signOf(g), alpha * warm));
      if (start === 'project') delta = tf.clipByValue(delta, -a.eps * warm, a.eps * warm);
      const x1 = stopGradient(clip(tf.add(a.x, delta)));
      const zBefore = stopGradient(a.f(x0));
      const zAfter = a.f(x1);
      const lBefore = stopGradient(a.loss.perSample(a.y, zBefore));
      const lAfter = a.loss.perSample(a.y, zAfter);
      const ce = tf.mean(lAfter);
      const mask = tf.cast(tf.greater(lBefore, lAfter), 'float32');
      abnormal = tf.sum(mask).dataSync()[0]!;
      normal = n - abnormal;
      if (abnormal === 0 || normal === 0) return ce as Scalar;
      const inv = tf.sub(1, mask);
      const sq = tf.sum(tf.square(tf.sub(zBefore, zAfter)), -1);
      const vAbnormal = tf.div(tf.sum(tf.mul(sq, mask)), abnormal);
      const vNormal = stopGradient(tf.div(tf.sum(tf.mul(sq, inv)), normal));
      const abnormalCe = tf.div(tf.sum(tf.mul(tf.sub(lBefore, lAfter), mask)), abnormal);
      const reg = tf.add(tf.mul(abnormalCe, l2), tf.mul(tf.relu(tf.sub(vAbnormal, vNormal)), l3));
      return tf.add(ce, tf.mul(reg, (l1 * abnormal) / n)) as Scalar;
    });
    return { loss, abnormal, normal };
  } finally {
    if (a.ownsY) a.y.dispose();
  }
}
