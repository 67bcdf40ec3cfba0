import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, assertFinite, params } from '@losskit/core';
import { checkedTensor, unitRows } from './distances.js';
import { optionsOf } from './internal.js';

/** Options of {@link amclNtXent}. */
export interface AmclOptions {
  /**
   * The shared temperature network φ, applied to the L2-normalized embeddings of every head: `[n, D] → [n, D']`
   * (the caller's MLP; its variables train with the encoder under `tf.variableGrads`). Required.
   */
  readonly phi: (x: Tensor) => Tensor;
  /** Weight β ≥ 0 of the temperature regularizer. Default 1e-4 (the authors' CIFAR-10 SimCLR run, `beta`). */
  readonly beta?: number;
  /** Lower end of the pair temperatures, > 0. Default 1e-5 (`tau_min`). */
  readonly tauMin?: number;
  /** Upper end of the pair temperatures, > tauMin. Default 2 (`tau_max`). */
  readonly tauMax?: number;
  /** Number k of hardest (most similar) negatives kept per anchor, an integer ≥ 1. Default 100 (`topk`). */
  readonly topK?: number;
}

function views(x: TensorLike, name: string): Tensor {
  const t = checkedTensor(x, name, 1, `the ${name} embeddings`);
  if (t.rank !== 2 && t.rank !== 3) {
    throw new LosskitError('RANK_MISMATCH', `${name} must be [B, D] or [B, H, D] (H projection heads)`, { argument: name, expected: '[B, D] or [B, H, D]', received: `rank ${t.rank} [${t.shape.join(', ')}]` });
  }
  return t.rank === 2 ? tf.expandDims(t, 1) : t;
}

/**
 * AMCL, the multi-head contrastive loss with pair-adaptive temperatures of "Adaptive Multi-head Contrastive
 * Learning" (Wang, Koniusz, Gedeon, Zheng, ECCV 2024), in its SimCLR (NT-Xent) form with the paper's top-k
 * approximation, as the authors' `AMCLNTXentLoss` (LeiWangR/cl `amcl/losses.py` at 755799d). Per head h, with
 * `ẑ` the L2-normalized embeddings of both views stacked (`2B` rows; row r's positive is the other view of the
 * same item, its negatives the `2B - 2` other rows), `s_rj = ẑ_r·ẑ_j` and the pair temperature
 * `τ_rj = τ_min + (τ_max - τ_min) σ(-φ(ẑ_r)·φ(ẑ_j))`:
 * `l_r = -s_rp/τ_rp + (1/k) Σ_{j∈K_r} s_rj/τ_rj + β Ω(τ_rp) - β Σ_{j∈K_r} (log τ_rj + 1/τ_rj)`,
 * `Ω(τ) = (D/2) log τ + 1/τ`, `K_r` the k most similar negatives of row r (k = min(topK, 2B - 2); ties broken by
 * the lower row index; the selection is held fixed in the gradient). The loss is `Σ_h mean_r l_r` (the mean over
 * the `2B` rows is the average of the two directions, as in the authors' code).
 *
 * Shapes: `z1`, `z2` `[B, H, D]` (H heads; `[B, D]` is one head), B ≥ 2 → scalar. A plain differentiable tensor
 * function (not an `Expr`): the gradient reaches the embeddings and φ's variables. Every intermediate is freed, also
 * when the call throws.
 * @example
 * const W = tf.variable(tf.randomNormal([128, 128]));
 * const phi = (x) => tf.matMul(tf.relu(tf.matMul(x, W)), W);
 * const { value, grads } = tf.variableGrads(() => amclNtXent(encoder(v1), encoder(v2), { phi }));
 */
export function amclNtXent(z1: TensorLike, z2: TensorLike, options: AmclOptions): Scalar {
  const o = optionsOf(options) ?? ({} as Partial<AmclOptions>);
  if (typeof o.phi !== 'function') {
    throw new LosskitError('INVALID_ARGUMENT', 'AMCL needs the temperature network φ', { argument: 'phi', expected: 'a function (x: Tensor [n, D]) => Tensor [n, D\']', received: typeof o.phi });
  }
  const beta = params.nonNegative('beta', o.beta ?? 1e-4);
  const tauMin = params.positive('tauMin', o.tauMin ?? 1e-5);
  const tauMax = params.inRange('tauMax', o.tauMax ?? 2, tauMin * (1 + 1e-6), 1e6);
  const topK = params.positiveInteger('topK', o.topK ?? 100);
  return tf.tidy(() => {
    const a = views(z1, 'z1');
    const b = views(z2, 'z2');
    if (a.shape.join() !== b.shape.join()) {
      throw new LosskitError('SHAPE_MISMATCH', 'the two views differ in shape', { argument: 'z2', expected: `[${a.shape.join(', ')}]`, received: `[${b.shape.join(', ')}]` });
    }
    const [B, H, D] = a.shape as [number, number, number];
    if (B < 2) throw new LosskitError('EMPTY_BATCH', 'AMCL needs at least two items (negatives)', { argument: 'z1', expected: 'B >= 2', received: `B = ${B}` });
    const n = 2 * B;
    const k = Math.min(topK, n - 2);
    // negatives: every other row but the positive (row r's partner is (r + B) mod 2B)
    const negMask = Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, j) => (j !== r && j !== (r + B) % n ? 1 : 0)));
    const partner = tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, r) => (r + B) % n), 'int32'), n);
    let total: Tensor = tf.scalar(0);
    for (let h = 0; h < H; h++) {
      const z = unitRows(tf.concat([tf.squeeze(tf.slice(a, [0, h, 0], [B, 1, D]), [1]), tf.squeeze(tf.slice(b, [0, h, 0], [B, 1, D]), [1])], 0));
      const p = o.phi(z);
      if (!(p instanceof tf.Tensor) || p.rank !== 2 || p.shape[0] !== n) {
        throw new LosskitError('SHAPE_MISMATCH', 'φ must map [n, D] to [n, D\']', { argument: 'phi', expected: `a tensor [${n}, D']`, received: p instanceof tf.Tensor ? `[${p.shape.join(', ')}]` : typeof p });
      }
      const scores = tf.matMul(p, tf.transpose(p));
      assertFinite(scores.dataSync(), 'phi', scores.shape);
      const tau = tf.add(tauMin, tf.mul(tauMax - tauMin, tf.sigmoid(tf.neg(scores))));
      const sim = tf.matMul(z, tf.transpose(z));
      // top-k negatives per row by similarity (host selection, lower index first on ties)
      const s = sim.arraySync() as number[][];
      const sel = s.map((row, r) => {
        const idx = row.map((_, j) => j).filter((j) => negMask[r]![j] === 1);
        idx.sort((x, y) => row[y]! - row[x]! || x - y);
        const m = new Array<number>(n).fill(0);
        for (const j of idx.slice(0, k)) m[j] = 1;
        return m;
      });
      const K = tf.tensor2d(sel);
      const pos = tf.sum(tf.mul(tf.div(sim, tau), partner), -1);
      const tauPos = tf.sum(tf.mul(tau, partner), -1);
      const neg = tf.div(tf.sum(tf.mul(tf.div(sim, tau), K), -1), k);
      const regPos = tf.mul(beta, tf.add(tf.mul(D / 2, tf.log(tauPos)), tf.reciprocal(tauPos)));
      const regNeg = tf.mul(beta, tf.sum(tf.mul(tf.add(tf.log(tau), tf.reciprocal(tau)), K), -1));
      total = tf.add(total, tf.mean(tf.add(tf.sub(neg, pos), tf.sub(regPos, regNeg))));
    }
    return total as Scalar;
  });
}
