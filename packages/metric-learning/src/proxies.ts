import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type EvalContext, type Expr, LosskitError, defineOp, embeddings, input, node, oneHotRows, params } from '@losskit/core';
import { normalizeRows } from './distances.js';
import { labelsOf, log1pSumExp, optionsOf } from './internal.js';

/**
 * Reads the class-weight / proxy matrix `[C, D]` passed as `inputs[name]` and checks it against the embeddings and
 * labels. The caller owns it (e.g. a `tf.Variable` it trains with the network). Read from the context, not from the
 * op's evaluated argument: compile broadcasts pair-level arguments to `[B, B]` when they fit (a `[C, 1]` matrix
 * with C = B would be silently widened).
 */
export function classMatrix(ctx: EvalContext, name: string, what: string): { w: Tensor; onehot: Tensor } {
  const w = ctx.input(name);
  const d = ctx.numClasses;
  if (w.rank !== 2 || w.shape[1] !== d) {
    throw new LosskitError('SHAPE_MISMATCH', `${what}: class matrix has the wrong shape`, {
      argument: `inputs.${name}`,
      expected: `[C, ${d}] (one row per class, embedding width ${d})`,
      received: `[${w.shape.join(', ')}]`,
    });
  }
  const c = w.shape[0]!;
  const y = labelsOf(ctx, what);
  const [lo, hi] = [tf.min(y).dataSync()[0]!, tf.max(y).dataSync()[0]!];
  if (lo < 0 || hi >= c) {
    throw new LosskitError('LABEL_OUT_OF_RANGE', `${what}: label out of range`, { argument: 'yTrue', expected: `integers in [0, ${c})`, received: `${lo < 0 ? lo : hi}` });
  }
  return { w, onehot: oneHotRows(y, c) };
}

/** Cosine matrix `[B, C]` between the embeddings and the rows of `w`. */
const cosines = (x: Tensor, w: Tensor): Tensor => tf.matMul(normalizeRows(x), normalizeRows(w), false, true);

/** The input name of a class matrix (default `def`), validated as an identifier. */
export function classMatrixName(name: string | undefined, def: string): string {
  const n = name ?? def;
  input(n, 'pair');
  return n;
}
const nameOf = classMatrixName;

const proxyNcaOp = defineOp<{ scale: number; proxies: string }>({
  kind: 'ml.proxyNca',
  evaluate: (ctx, a, p) => {
    const { w, onehot } = classMatrix(ctx, p.proxies, 'proxyNca');
    const x = normalizeRows(a[0]!);
    const pr = normalizeRows(w);
    const d2 = tf.sum(tf.square(tf.sub(tf.expandDims(x, 1), tf.expandDims(pr, 0))), -1);
    const logits = tf.mul(d2, -p.scale);
    return tf.sub(tf.logSumExp(logits, -1), tf.sum(tf.mul(logits, onehot), -1));
  },
  print: (_a, p, m) => (m === 'latex' ? `-\\log\\operatorname{softmax}_c\\left(-${p.scale}\\,\\|\\hat e - \\hat p_c\\|^2\\right)_y` : `-log softmax_c(-${p.scale}·|ê - p̂_c|²)_y`),
});

/**
 * Proxy-NCA (Movshovitz-Attias et al. 2017, "No Fuss Distance Metric Learning using Proxies"; PML
 * `ProxyNCALoss`): with L2-normalized embedding `ê` and proxies `p̂_c`,
 * `l = -log( e^{-s‖ê - p̂_y‖²} / Σ_c e^{-s‖ê - p̂_c‖²} )`. As in PML the target proxy stays in the
 * denominator (the paper sums over `c ≠ y` only). Default softmax scale s = 1.
 * yPred `[B, D]`, labels in `[0, C)`, `inputs.proxies` `[C, D]` (learnable, caller-owned) → `[B]`.
 */
export function proxyNca(options: { readonly softmaxScale?: number; readonly proxies?: string } = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const scale = params.positive('softmaxScale', options.softmaxScale ?? 1);
  const proxies = nameOf(options.proxies, 'proxies');
  return node(proxyNcaOp, 'sample', [embeddings(), input(proxies, 'pair')], { scale, proxies });
}

const proxyAnchorOp = defineOp<{ alpha: number; delta: number; proxies: string }>({
  kind: 'ml.proxyAnchor',
  evaluate: (ctx, a, p) => {
    const { w, onehot } = classMatrix(ctx, p.proxies, 'proxyAnchor');
    const s = tf.transpose(cosines(a[0]!, w)); // [C, B]
    const pos = tf.transpose(onehot);
    const neg = tf.sub(1, pos);
    const withPos = tf.cast(tf.greater(tf.sum(pos, -1), 0), 'float32');
    const posTerm = tf.div(tf.sum(log1pSumExp(tf.mul(tf.sub(s, p.delta), -p.alpha), pos)), tf.maximum(tf.sum(withPos), 1));
    const negTerm = tf.div(tf.sum(log1pSumExp(tf.mul(tf.add(s, p.delta), p.alpha), neg)), w.shape[0]!);
    return tf.add(posTerm, negTerm);
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\frac{1}{|P^+|}\\sum_{p\\in P^+}\\log\\left(1 + \\sum_{x\\in X_p^+} e^{-${p.alpha}(s(x,p) - ${p.delta})}\\right) + \\frac{1}{|P|}\\sum_{p\\in P}\\log\\left(1 + \\sum_{x\\in X_p^-} e^{${p.alpha}(s(x,p) + ${p.delta})}\\right)`
      : `mean_{p∈P+} log(1 + Σ_{x∈X+} exp(-${p.alpha}(s - ${p.delta}))) + mean_p log(1 + Σ_{x∈X-} exp(${p.alpha}(s + ${p.delta})))`,
});

/**
 * Proxy-Anchor loss (Kim, Kim, Cho, Kwak 2020, "Proxy Anchor Loss for Deep Metric Learning"):
 * `L = (1/|P⁺|) Σ_{p∈P⁺} log(1 + Σ_{x∈X_p⁺} e^{-α(s(x,p) - δ)}) + (1/|P|) Σ_{p∈P} log(1 + Σ_{x∈X_p⁻} e^{α(s(x,p) + δ)})`,
 * `s` = cosine, `P⁺` = proxies with a positive in the batch, `P` = all proxies. Defaults α = 32, δ = 0.1.
 * yPred `[B, D]`, labels in `[0, C)`, `inputs.proxies` `[C, D]` → scalar (batch level).
 */
export function proxyAnchor(options: { readonly alpha?: number; readonly delta?: number; readonly proxies?: string } = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const alpha = params.positive('alpha', options.alpha ?? 32);
  const delta = params.nonNegative('delta', options.delta ?? 0.1);
  const proxies = nameOf(options.proxies, 'proxies');
  return node(proxyAnchorOp, 'batch', [embeddings(), input(proxies, 'pair')], { alpha, delta, proxies });
}

/** `θ = acos(clip(cos, -1 + 1e-7, 1 - 1e-7))`: the clamp keeps the gradient finite at ±1. */
export const angleOf = (c: Tensor): Tensor => tf.acos(tf.clipByValue(c, -1 + 1e-7, 1 - 1e-7));

const marginOp = defineOp<{ type: 'arc' | 'cos'; scale: number; margin: number; weights: string }>({
  kind: 'ml.marginSoftmax',
  evaluate: (ctx, a, p) => {
    const { w, onehot } = classMatrix(ctx, p.weights, p.type === 'arc' ? 'arcFace' : 'cosFace');
    const c = cosines(a[0]!, w);
    const target = p.type === 'arc' ? tf.cos(tf.add(angleOf(c), p.margin)) : tf.sub(c, p.margin);
    const logits = tf.mul(tf.add(tf.mul(c, tf.sub(1, onehot)), tf.mul(target, onehot)), p.scale);
    return tf.sub(tf.logSumExp(logits, -1), tf.sum(tf.mul(logits, onehot), -1));
  },
  print: (_a, p, m) => {
    const t = p.type === 'arc' ? (m === 'latex' ? `\\cos(\\theta_y + ${p.margin})` : `cos(θ_y + ${p.margin})`) : m === 'latex' ? `\\cos\\theta_y - ${p.margin}` : `cosθ_y - ${p.margin}`;
    return m === 'latex' ? `\\operatorname{CE}\\left(${p.scale}\\,[${t};\\ \\cos\\theta_{j\\neq y}]\\right)` : `CE(${p.scale}·[${t}; cosθ_j≠y])`;
  },
});

/** Options of {@link arcFace} and {@link cosFace}. */
export interface MarginSoftmaxOptions {
  /** Scale s. Default 64. */
  readonly scale?: number;
  /** Margin m: angular (radians) for ArcFace, default 0.5; additive cosine for CosFace, default 0.35. */
  readonly margin?: number;
  /** Name of the input holding the class weights `[C, D]`. Default `'weights'`. */
  readonly weights?: string;
}

/**
 * ArcFace (Deng et al. 2019, "ArcFace: Additive Angular Margin Loss for Deep Face Recognition"):
 * `cos θ_j` between the normalized embedding and class weight j; the target logit becomes
 * `s·cos(θ_y + m)`, the others `s·cos θ_j`, then softmax cross-entropy. Defaults s = 64, m = 0.5 (PML's
 * 28.6°). `θ = acos(clip(cos θ, ±(1 - 1e-7)))`. No "easy margin" or θ + m > π correction (as in the paper's formula).
 * yPred `[B, D]`, labels in `[0, C)`, `inputs.weights` `[C, D]` → `[B]`.
 */
export function arcFace(options: MarginSoftmaxOptions = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const scale = params.positive('scale', options.scale ?? 64);
  const margin = params.nonNegative('margin', options.margin ?? 0.5);
  const weights = nameOf(options.weights, 'weights');
  return node(marginOp, 'sample', [embeddings(), input(weights, 'pair')], { type: 'arc', scale, margin, weights });
}

/**
 * CosFace / large-margin cosine loss (Wang et al. 2018, "CosFace: Large Margin Cosine Loss for Deep
 * Face Recognition"): target logit `s(cos θ_y - m)`, others `s cos θ_j`, then cross-entropy.
 * Defaults s = 64, m = 0.35. Shapes as {@link arcFace}.
 */
export function cosFace(options: MarginSoftmaxOptions = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const scale = params.positive('scale', options.scale ?? 64);
  const margin = params.nonNegative('margin', options.margin ?? 0.35);
  const weights = nameOf(options.weights, 'weights');
  return node(marginOp, 'sample', [embeddings(), input(weights, 'pair')], { type: 'cos', scale, margin, weights });
}
