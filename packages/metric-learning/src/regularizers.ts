import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type EvalContext, type Expr, LosskitError, checkParam, defineOp, embeddings, formatShape, input, node, params } from '@losskit/core';
import { gram, normalizeRows } from './distances.js';
import { optionsOf } from './internal.js';

/** What a regularizer reads: the embeddings (yPred), or a caller-owned matrix passed as `inputs[name]` (class weights). */
export type RegularizerTarget = 'embeddings' | { readonly input: string };

type Target = { of: string | null };

function targetOf(of: RegularizerTarget | undefined, def: RegularizerTarget): { arg: Expr; of: string | null } {
  const t = of ?? def;
  if (t === 'embeddings') return { arg: embeddings(), of: null };
  if (!t || typeof t !== 'object' || typeof t.input !== 'string') {
    throw new LosskitError('INVALID_ARGUMENT', "a regularizer reads 'embeddings' or { input: name }", { argument: 'of', expected: "'embeddings' or { input: string }", received: JSON.stringify(t) });
  }
  return { arg: input(t.input, 'pair'), of: t.input };
}

/** The matrix a regularizer reads (`[N, D]`), checked. */
function matrixOf(ctx: EvalContext, arg: Tensor, p: Target, what: string): Tensor {
  if (p.of === null) return arg;
  const w = ctx.input(p.of);
  if (w.rank !== 2 || w.shape[0] === 0 || w.shape[1] === 0) throw new LosskitError('SHAPE_MISMATCH', `${what}: expected a matrix`, { argument: `inputs.${p.of}`, expected: 'shape [N, D] with N, D >= 1', received: formatShape(w.shape) });
  return w;
}

const lpOp = defineOp<Target & { p: number; power: number }>({
  kind: 'ml.lpRegularizer',
  evaluate: (ctx, a, p) => {
    const x = matrixOf(ctx, a[0]!, p, 'lpRegularizer');
    // ‖x‖_p^power = (Σ|x|^p)^{power/p}; the floor keeps the gradient of a zero row finite
    return tf.mean(tf.pow(tf.maximum(tf.sum(tf.pow(tf.abs(x), p.p), -1), 1e-30), p.power / p.p));
  },
  print: (_a, p, m) => (m === 'latex' ? `\\operatorname{mean}_i \\|x_i\\|_{${p.p}}^{${p.power}}` : `mean_i |x_i|_${p.p}^${p.power}`),
});

/**
 * Lp regularizer (PML `LpRegularizer`): `mean_i ‖x_i‖_p^power` over the rows of the embeddings (default) or of a
 * caller-owned matrix (`of: { input: 'weights' }`). Defaults p = 2, power = 1. A batch-level term to add to a loss.
 * @example compile(tripletMargin().plus(lpRegularizer().scale(0.01)), { from: 'embeddings' })
 */
export function lpRegularizer(options: { readonly p?: number; readonly power?: number; readonly of?: RegularizerTarget } = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const t = targetOf(options.of, 'embeddings');
  return node(lpOp, 'batch', [t.arg], { of: t.of, p: params.inRange('p', options.p ?? 2, 1, 1e6), power: params.positive('power', options.power ?? 1) });
}

const zeroMeanOp = defineOp<Target>({
  kind: 'ml.zeroMeanRegularizer',
  evaluate: (ctx, a, p) => tf.mean(tf.abs(tf.sum(matrixOf(ctx, a[0]!, p, 'zeroMeanRegularizer'), -1))),
  print: (_a, _p, m) => (m === 'latex' ? `\\operatorname{mean}_i \\left|\\sum_d x_{id}\\right|` : `mean_i |Σ_d x_id|`),
});

/**
 * Zero-mean regularizer (PML `ZeroMeanRegularizer`; Zhang et al. 2019 "Learning Local Descriptors with a CDF-Based
 * Dynamic Soft Margin" use it on descriptors): `mean_i |Σ_d x_id|`, pushing each row's components to sum to 0. Reads
 * the embeddings (default) or `inputs[of.input]`.
 * @example compile(contrastive().plus(zeroMeanRegularizer()), { from: 'embeddings' })
 */
export function zeroMeanRegularizer(options: { readonly of?: RegularizerTarget } = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const t = targetOf(options.of, 'embeddings');
  return node(zeroMeanOp, 'batch', [t.arg], { of: t.of });
}

const centerInvariantOp = defineOp<Target>({
  kind: 'ml.centerInvariantRegularizer',
  evaluate: (ctx, a, p) => {
    const sq = tf.sum(tf.square(matrixOf(ctx, a[0]!, p, 'centerInvariantRegularizer')), -1);
    return tf.mean(tf.div(tf.square(tf.sub(sq, tf.mean(sq))), 4));
  },
  print: (_a, _p, m) => (m === 'latex' ? `\\operatorname{mean}_c \\tfrac14\\left(\\|w_c\\|^2 - \\overline{\\|w\\|^2}\\right)^2` : `mean_c ¼(|w_c|² - mean|w|²)²`),
});

/**
 * Center-invariant regularizer (Wu, Liu, Huang, Wang, Wang 2017, "Deep Face Recognition with Center Invariant Loss";
 * PML `CenterInvariantRegularizer`): `mean_c ¼ (‖w_c‖² − mean_k ‖w_k‖²)²`, equalizing the squared norms of the class
 * weights `inputs.weights` `[C, D]` (default; or `of`).
 * @example compile(arcFace().plus(centerInvariantRegularizer().scale(0.1)), { from: 'embeddings' })
 */
export function centerInvariantRegularizer(options: { readonly of?: RegularizerTarget } = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const t = targetOf(options.of, { input: 'weights' });
  return node(centerInvariantOp, 'batch', [t.arg], { of: t.of });
}

const regularFaceOp = defineOp<Target>({
  kind: 'ml.regularFaceRegularizer',
  evaluate: (ctx, a, p) => {
    const w = matrixOf(ctx, a[0]!, p, 'regularFaceRegularizer');
    const c = w.shape[0]!;
    if (c < 2) return tf.scalar(0);
    const n = normalizeRows(w);
    const cos = gram(n, n);
    // each class's most similar other class, chosen without gradient (PML's no_grad argmax)
    const v = cos.dataSync();
    const mask = new Float32Array(c * c);
    for (let i = 0; i < c; i++) {
      let best = -1;
      for (let j = 0; j < c; j++) if (j !== i && (best < 0 || v[i * c + j]! > v[i * c + best]!)) best = j;
      mask[i * c + best] = 1;
    }
    return tf.mean(tf.sum(tf.mul(cos, tf.tensor2d(mask, [c, c])), -1));
  },
  print: (_a, _p, m) => (m === 'latex' ? `\\operatorname{mean}_i \\max_{j \\neq i} \\cos(w_i, w_j)` : `mean_i max_{j≠i} cos(w_i, w_j)`),
});

/**
 * RegularFace (Zhao, Xu, Cheng, Liu, Shao, Feng 2019, "RegularFace: Deep Face Recognition via Exclusive
 * Regularization"; PML `RegularFaceRegularizer`): `mean_i max_{j ≠ i} cos(w_i, w_j)`, the mean cosine of each class
 * weight to its nearest other class (the nearest chosen without gradient), pushing class weights apart. Reads
 * `inputs.weights` `[C, D]` (default; or `of`); 0 for a single class.
 * @example compile(cosFace().plus(regularFaceRegularizer()), { from: 'embeddings' })
 */
export function regularFaceRegularizer(options: { readonly of?: RegularizerTarget } = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const t = targetOf(options.of, { input: 'weights' });
  return node(regularFaceOp, 'batch', [t.arg], { of: t.of });
}

const sparseCentersOp = defineOp<Target & { k: number }>({
  kind: 'ml.sparseCentersRegularizer',
  evaluate: (ctx, a, p) => {
    const w = matrixOf(ctx, a[0]!, p, 'sparseCentersRegularizer');
    const n = w.shape[0]!;
    if (n % p.k !== 0) throw new LosskitError('SHAPE_MISMATCH', 'sparseCentersRegularizer: the rows are not whole classes', { argument: p.of === null ? 'yPred' : `inputs.${p.of}`, expected: `[C·${p.k}, D]`, received: formatShape(w.shape) });
    const u = normalizeRows(w);
    const cos = gram(u, u);
    const mask = new Float32Array(n * n);
    for (let c = 0; c < n / p.k; c++) for (let i = c * p.k; i < (c + 1) * p.k; i++) for (let j = i + 1; j < (c + 1) * p.k; j++) mask[i * n + j] = 1;
    const m = tf.tensor2d(mask, [n, n]);
    const pairs = (n / p.k) * ((p.k * (p.k - 1)) / 2);
    // sqrt(2 − min(2 cos, 2)) = ‖u_i − u_j‖ per same-class pair, summed and divided by 2·(number of pairs) (PML's divisor)
    const reg = tf.sqrt(tf.add(tf.sub(2, tf.minimum(tf.mul(cos, 2), 2)), 1.1754943508222875e-38));
    return tf.div(tf.sum(tf.mul(reg, m)), 2 * pairs);
  },
  print: (_a, p, m) => (m === 'latex' ? `\\frac{1}{2|P|}\\sum_{(i,j) \\in P} \\sqrt{2 - 2\\cos(w_i, w_j)}\\ (K = ${p.k})` : `Σ_{same-class pairs} sqrt(2 - 2cos(w_i, w_j)) / (2|P|) (K = ${p.k})`),
});

/**
 * Sparse-centers regularizer (Qian et al. 2019, SoftTriple, Sec. 3.3; PML `SparseCentersRegularizer`): over the
 * pairs of centers of the same class in `[C·K, D]` (row `c·K + k`), `Σ_{i<j, same class} √(2 − 2 cos(w_i, w_j)) / (2|P|)`,
 * PML's divisor reduction. K ≥ 2 (`centersPerClass`). Reads `inputs.weights` (default; or `of`).
 * @example compile(softTriple({ centersPerClass: 4 }).plus(sparseCentersRegularizer({ centersPerClass: 4 }).scale(0.2)), { from: 'embeddings' })
 */
export function sparseCentersRegularizer(options: { readonly centersPerClass?: number; readonly of?: RegularizerTarget } = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const t = targetOf(options.of, { input: 'weights' });
  const k = checkParam('centersPerClass', options.centersPerClass ?? 2, 'an integer >= 2', (x) => Number.isInteger(x) && x >= 2);
  return node(sparseCentersOp, 'batch', [t.arg], { of: t.of, k });
}
