import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, checkParam, defineOp, embeddings, formatShape, input, node, params } from '@losskit/core';
import { checkedTensor, gram, normalizeRows } from './distances.js';
import { crossEntropyRows, optionsOf, tidy } from './internal.js';
import { angleOf, classMatrixName } from './proxies.js';
import { centerMatrix } from './softTriple.js';

/** Options of {@link subCenterArcFace}. */
export interface SubCenterArcFaceOptions {
  /** Sub-centers per class K. Default 3. */
  readonly subCenters?: number;
  /** Angular margin in degrees. Default 28.6 (PML). */
  readonly margin?: number;
  /** Scale s. Default 64. */
  readonly scale?: number;
  /** Name of the input holding the sub-centers `[C·K, D]`. Default `'weights'`. */
  readonly weights?: string;
}

const op = defineOp<{ k: number; margin: number; scale: number; weights: string }>({
  kind: 'ml.subCenterArcFace',
  evaluate: (ctx, a, p) => {
    const { w, onehot, c } = centerMatrix(ctx, p.weights, p.k, 'subCenterArcFace');
    const b = ctx.batchSize;
    const cos = tf.max(tf.reshape(gram(normalizeRows(a[0]!), normalizeRows(w)), [b, c, p.k]), -1);
    // PML ArcFaceLoss: cos(θ + m) while θ ≤ π − m, else cos θ − m sin m (keeps the target logit decreasing in θ)
    const theta = angleOf(cos);
    const target = tf.where(tf.lessEqual(theta, Math.PI - p.margin), tf.cos(tf.add(theta, p.margin)), tf.sub(cos, p.margin * Math.sin(p.margin)));
    const logits = tf.add(cos, tf.mul(onehot, tf.sub(target, cos)));
    return crossEntropyRows(tf.mul(logits, p.scale), onehot);
  },
  print: (_a, p, m) => {
    const deg = +((p.margin * 180) / Math.PI).toFixed(4);
    return m === 'latex'
      ? `\\operatorname{CE}\\left(${p.scale}[\\cos(\\theta_y + ${deg}^\\circ); \\cos\\theta_{j\\neq y}]\\right),\\ \\cos\\theta_j = \\max_k \\cos(x, W_{jk})`
      : `CE(${p.scale}·[cos(θ_y + ${deg}°); cosθ_j≠y]), cosθ_j = max_k cos(x, W_jk)`;
  },
});

/**
 * Sub-center ArcFace (Deng, Guo, Liu, Zafeiriou 2020, "Sub-center ArcFace: Boosting Face Recognition by Large-Scale
 * Noisy Web Faces"; PML `SubCenterArcFaceLoss`): each class has K sub-centers, its cosine is the largest over them,
 * `cos θ_j = max_k cos(x, W_{jk})`, then ArcFace: target logit `cos(θ_y + m)` (PML's correction `cos θ_y − m sin m`
 * once θ_y > π − m), all logits scaled by s, softmax cross-entropy. Defaults K = 3, m = 28.6°, s = 64.
 * yPred `[B, D]`, labels in `[0, C)`, `inputs.weights` `[C·K, D]` (row `c·K + k` = sub-center k of class c) → `[B]`.
 * See {@link subCenterOutliers} for the paper's dominant sub-centers and outlier samples.
 * @example compile(subCenterArcFace({ subCenters: 3 }), { from: 'embeddings' })(labels, e, { inputs: { weights } })
 */
export function subCenterArcFace(options: SubCenterArcFaceOptions = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const weights = classMatrixName(options.weights, 'weights');
  const deg = checkParam('margin', options.margin ?? 28.6, 'degrees in [0, 180)', (x) => x >= 0 && x < 180);
  return node(op, 'sample', [embeddings(), input(weights, 'pair')], {
    k: checkParam('subCenters', options.subCenters ?? 3, 'an integer >= 1', (x) => Number.isInteger(x) && x >= 1),
    margin: (deg * Math.PI) / 180,
    scale: params.positive('scale', options.scale ?? 64),
    weights,
  });
}

/**
 * The dominant sub-center of each class and the outlier samples (PML `SubCenterArcFaceLoss.get_outliers`): for every
 * class present in `labels`, each of its samples votes for its most similar sub-center; the most voted one is the
 * class's dominant center, and samples whose cosine to it is below `cos(threshold°)` are outliers (noisy labels to
 * drop). Returns `{ outliers }` (sample indices, ascending by class then index) and `dominantCenters` `[C, D]` as a
 * plain `Float32Array` (rows of absent classes are 0). Embeddings `[B, D]`, labels `[B]`, weights `[C·K, D]`.
 * @example const { outliers } = subCenterOutliers(e, labels, weights, { subCenters: 3, threshold: 75 });
 */
export function subCenterOutliers(
  embeddingsIn: TensorLike,
  labels: TensorLike,
  weights: TensorLike,
  options: { readonly subCenters?: number; readonly threshold?: number } = {},
): { readonly outliers: Int32Array; readonly dominantCenters: Float32Array } {
  options = optionsOf(options);
  const k = checkParam('subCenters', options.subCenters ?? 3, 'an integer >= 1', (x) => Number.isInteger(x) && x >= 1);
  const thr = Math.cos((checkParam('threshold', options.threshold ?? 75, 'degrees in [0, 180]', (x) => x >= 0 && x <= 180) * Math.PI) / 180);
  return tidy(() => {
    const e = checkedTensor(embeddingsIn, 'embeddings', 2, 'the embeddings');
    const w = checkedTensor(weights, 'weights', 2, 'the sub-center weights');
    const [b, d] = e.shape as [number, number];
    if (w.shape[1] !== d || w.shape[0]! % k !== 0) throw new LosskitError('SHAPE_MISMATCH', 'sub-center weights have the wrong shape', { argument: 'weights', expected: `[C·${k}, ${d}]`, received: formatShape(w.shape) });
    const c = w.shape[0]! / k;
    const y = checkedTensor(labels, 'labels', 1, 'the labels').dataSync();
    if (y.length !== b) throw new LosskitError('SHAPE_MISMATCH', 'one label per embedding', { argument: 'labels', expected: `[${b}]`, received: `[${y.length}]` });
    for (let i = 0; i < b; i++) {
      if (!Number.isInteger(y[i]!) || y[i]! < 0 || y[i]! >= c) throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range', { argument: 'labels', expected: `integers in [0, ${c})`, received: `${y[i]} at index ${i}` });
    }
    const cos = tf.matMul(normalizeRows(e), tf.transpose(normalizeRows(w))).dataSync();
    const wv = w.dataSync();
    const dominant = new Float32Array(c * d);
    const outliers: number[] = [];
    for (let cls = 0; cls < c; cls++) {
      const members: number[] = [];
      for (let i = 0; i < b; i++) if (y[i] === cls) members.push(i);
      if (!members.length) continue;
      const votes = new Array(k).fill(0);
      for (const i of members) {
        let best = 0;
        for (let s = 1; s < k; s++) if (cos[i * c * k + cls * k + s]! > cos[i * c * k + cls * k + best]!) best = s;
        votes[best]++;
      }
      const dom = votes.indexOf(Math.max(...votes));
      dominant.set(wv.subarray((cls * k + dom) * d, (cls * k + dom + 1) * d), cls * d);
      for (const i of members) if (cos[i * c * k + cls * k + dom]! < thr) outliers.push(i);
    }
    return { outliers: Int32Array.from(outliers), dominantCenters: dominant };
  });
}
