import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineOp, embeddings, node, params } from '@losskit/core';
import { labelsOf, optionsOf } from './internal.js';

/** ε of the authors' score (denominators) and of their distance (`sqrt(Σ(x - y)² + 1e-6)`). */
const EPS = 1e-7;
const DIST_EPS = 1e-6;

/** Effective k and neighbourhood size for a batch of n (the authors' rules; see {@link icnn}). */
export function icnnSizes(n: number, k: number, ipc: number | undefined): { k: number; ipc: number; gammaIsOne: boolean } {
  const gammaIsOne = k + 2 >= n;
  const kk = gammaIsOne ? n - 2 : k;
  return { k: kk, ipc: Math.min(ipc ?? kk + 1, n - 1), gammaIsOne };
}

const op = defineOp<{ k: number; ipc: number }>({
  kind: 'ml.icnn',
  evaluate: (ctx, a, p) => {
    const e = a[0]!;
    const y = labelsOf(ctx, 'icnn');
    const n = e.shape[0]!;
    if (n < 3) {
      throw new LosskitError('SHAPE_MISMATCH', 'icnn needs at least 3 embeddings (k-NN within the batch)', {
        argument: 'yPred', expected: '[B, D] with B >= 3', received: `[${e.shape.join(', ')}]`,
      });
    }
    const { k, ipc, gammaIsOne } = icnnSizes(n, p.k, p.ipc === 0 ? undefined : p.ipc);
    // d_ij = sqrt(‖e_i - e_j‖² + 1e-6), squared norms from the Gram matrix (clamped at 0 against rounding).
    const sq = tf.sum(tf.square(e), -1);
    const sqd = tf.relu(tf.sub(tf.add(tf.reshape(sq, [-1, 1]), tf.reshape(sq, [1, -1])), tf.mul(tf.matMul(e, e, false, true), 2)));
    const dist = tf.sqrt(tf.add(sqd, DIST_EPS));
    // k-NN on the host (selection carries no gradient): the ipc nearest other samples of each row.
    const dh = dist.dataSync();
    const yh = y.dataSync();
    const sel = new Float32Array(n * ipc * n);
    const same = new Float32Array(n * ipc);
    for (let i = 0; i < n; i++) {
      const order = [...Array(n).keys()].filter((j) => j !== i).sort((u, v) => dh[i * n + u]! - dh[i * n + v]! || u - v);
      for (let m = 0; m < ipc; m++) {
        const j = order[m]!;
        sel[(i * ipc + m) * n + j] = 1;
        same[i * ipc + m] = yh[j] === yh[i] ? 1 : 0;
      }
    }
    // D[i, m] = distance to the m-th neighbour (differentiable through `dist`).
    const D = tf.sum(tf.mul(tf.expandDims(dist, 1), tf.tensor3d(sel, [n, ipc, n])), -1);
    const sc = tf.tensor2d(same, [n, ipc]);
    const dc = tf.sub(1, sc);
    // Normalised same-class distances: divided by the nearest different-class neighbour's distance
    // (0 when the neighbourhood has none), first k columns, each row scaled by max(1, its max).
    const hasDc = tf.greater(tf.sum(dc, -1), 0);
    const nnDc = tf.min(tf.where(tf.greater(dc, 0), D, tf.fill([n, ipc], 1e30)), -1);
    const ndAll = tf.where(tf.reshape(hasDc, [-1, 1]), tf.div(D, tf.reshape(tf.add(nnDc, EPS), [-1, 1])), tf.zerosLike(D));
    const ndK = tf.slice(ndAll, [0, 0], [n, k]);
    const nd = tf.div(ndK, tf.reshape(tf.maximum(tf.max(ndK, -1), 1), [-1, 1]));
    const scK = tf.slice(sc, [0, 0], [n, k]);
    const dcK = tf.slice(dc, [0, 0], [n, k]);
    const scCounts = tf.sum(scK, -1);
    const scSum = tf.div(tf.sum(tf.mul(nd, scK), -1), tf.add(scCounts, EPS));
    const scRows = tf.sum(tf.cast(tf.greater(scCounts, 0), 'float32'));
    const sclamb = tf.sub(1, tf.div(tf.sum(scSum), tf.add(scRows, EPS)));
    // Different-class distances, scaled by their largest value in the batch.
    const dcd = tf.mul(tf.slice(D, [0, 0], [n, k]), dcK);
    const dcn = tf.div(dcd, tf.add(tf.max(dcd), EPS));
    const dcCounts = tf.sum(dcK, -1);
    const dcSum = tf.div(tf.sum(dcn, -1), tf.add(dcCounts, EPS));
    const dcRows = tf.sum(tf.cast(tf.greater(dcCounts, 0), 'float32'));
    const noDc = (dcCounts.dataSync() as Float32Array).every((c) => c === 0);
    const dclamb = tf.abs(tf.add(tf.div(tf.sum(dcSum), tf.add(dcRows, EPS)), noDc ? -1 : 0));
    const lambda = tf.div(tf.add(sclamb, dclamb), 2);
    const gamma = gammaIsOne ? 1 : (tf.sum(scK).dataSync()[0]! / k) / n;
    return tf.neg(tf.log(tf.div(tf.add(lambda, gamma), 2))) as Tensor;
  },
  print: (_a, p, m) =>
    m === 'latex' ? `-\\log\\frac{\\lambda_{${p.k}} + \\gamma_{${p.k}}}{2}` : `-log((λ_${p.k} + γ_${p.k}) / 2)`,
});

/**
 * ICNN loss ("SuSana Distancia is all you need: Enforcing class separability in metric learning via two
 * novel distance-based loss functions for few-shot image classification", Mendez-Ruiz et al. 2023;
 * the authors' `modified_score`): `L = -log S`, `S = (λ + γ)/2`, from each sample's `ipc` nearest other
 * samples (Euclidean `d = sqrt(‖e_i - e_j‖² + 1e-6)`):
 *
 * - `γ = (1/B) Σ_i |{same-class among the k nearest}| / k` (1 when `k + 2 ≥ B`);
 * - `λ = (λ_same + λ_diff)/2`, where `λ_same = 1 - mean_i mean_{same-class m ≤ k} n_im`,
 *   `n_im = d_im / d_i^{dc}` (d_i^{dc}: nearest different-class neighbour among the ipc; 0 if none),
 *   each row divided by `max(1, max_m n_im)`; and `λ_diff = |mean_i mean_{different-class m ≤ k} d_im / max d + δ|`
 *   with `δ = -1` when no different-class neighbour exists among anyone's k nearest, else 0.
 *   Means run over rows that have such neighbours; denominators carry `+1e-7`.
 *
 * Defaults k = 4, `ipc = k + 1` (the paper's full-ICNN uses `ipc = shot + query`); when `k + 2 ≥ B`,
 * `k = B - 2`. The neighbour selection and γ carry no gradient. Batch level: one scalar per batch, B ≥ 3.
 * @example compile(protoTriplet().mean().plus(icnn()), { from: 'embeddings' })(labels, embeddings)
 */
export function icnn(options: { readonly k?: number; readonly ipc?: number } = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const k = params.positiveInteger('k', options.k ?? 4);
  const ipc = options.ipc === undefined ? undefined : params.positiveInteger('ipc', options.ipc);
  if (ipc !== undefined && ipc < k) {
    throw new LosskitError('INVALID_PARAMETER', 'ipc must cover the k nearest neighbours', { argument: 'ipc', expected: `an integer >= k (${k})`, received: String(ipc) });
  }
  return node(op, 'batch', [embeddings()], { k, ipc: ipc ?? 0 });
}
