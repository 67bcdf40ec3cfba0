import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, checkParam, defineOp, embeddings, input, node, params, stopGradient } from '@losskit/core';
import { gram, normalizeRows } from './distances.js';
import { crossEntropyRows, optionsOf } from './internal.js';
import { angleOf, classMatrix, classMatrixName } from './proxies.js';

/** Options of {@link largeMarginSoftmax} and {@link sphereFace}. */
export interface LargeMarginSoftmaxOptions {
  /** Integer angular multiplier m ≥ 1. Default 4. */
  readonly margin?: number;
  /** Scale s. Default 1. */
  readonly scale?: number;
  /** Name of the input holding the class weights `[C, D]`. Default `'weights'`. */
  readonly weights?: string;
}

type Params = { kind: 'lsoftmax' | 'sphereface'; margin: number; scale: number; weights: string };

/** `cos(mθ)` from `c = cos θ` by the multiple-angle formula `Σ_n (−1)^n C(m, 2n) c^{m−2n} (1 − c²)^n` (PML). */
function cosMultiple(c: Tensor, m: number): Tensor {
  const binom = (n: number, k: number) => {
    let r = 1;
    for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
    return r;
  };
  // integer powers by repeated products (tf.pow's exponent gradient is log(base): NaN for negative cosines)
  const powInt = (x: Tensor, k: number): Tensor => {
    let r: Tensor = tf.onesLike(x);
    for (let i = 0; i < k; i++) r = tf.mul(r, x);
    return r;
  };
  let out: Tensor = tf.zerosLike(c);
  const s2 = tf.sub(1, tf.square(c));
  for (let n = 0; 2 * n <= m; n++) {
    out = tf.add(out, tf.mul(tf.mul(powInt(c, m - 2 * n), powInt(s2, n)), (-1) ** n * binom(m, 2 * n)));
  }
  return out;
}

const op = defineOp<Params>({
  kind: 'ml.largeMarginSoftmax',
  evaluate: (ctx, a, p) => {
    const e = a[0]!;
    const { w, onehot } = classMatrix(ctx, p.weights, p.kind === 'sphereface' ? 'sphereFace' : 'largeMarginSoftmax');
    const cos = tf.clipByValue(gram(normalizeRows(e), normalizeRows(w)), -1, 1);
    // ψ(θ) = (−1)^k cos(mθ) − 2k on the target class, k = ⌊θ m / π⌋ held constant (PML)
    const k = stopGradient(tf.floor(tf.div(angleOf(cos), Math.PI / p.margin)));
    const sign = tf.sub(1, tf.mul(2, tf.mod(k, 2)));
    const psi = tf.sub(tf.mul(sign, cosMultiple(cos, p.margin)), tf.mul(2, k));
    const logits = tf.add(cos, tf.mul(onehot, tf.sub(psi, cos)));
    const en = tf.sqrt(tf.maximum(tf.sum(tf.square(e), -1, true), 1e-12));
    const mag = p.kind === 'sphereface' ? en : tf.mul(en, tf.reshape(tf.sqrt(tf.maximum(tf.sum(tf.square(w), -1), 1e-12)), [1, -1]));
    return crossEntropyRows(tf.mul(tf.mul(logits, mag), p.scale), onehot);
  },
  print: (_a, p, m) => {
    const mag = p.kind === 'sphereface' ? '\\|x\\|' : '\\|W_j\\|\\|x\\|';
    return m === 'latex'
      ? `\\operatorname{CE}\\left(${p.scale}\\,${mag}\\,[\\psi(\\theta_y); \\cos\\theta_{j\\neq y}]\\right),\\ \\psi(\\theta) = (-1)^k\\cos(${p.margin}\\theta) - 2k`
      : `CE(${p.scale}·${p.kind === 'sphereface' ? '|x|' : '|W_j||x|'}·[ψ(θ_y); cosθ_j≠y]), ψ = (-1)^k cos(${p.margin}θ) - 2k`;
  },
});

function build(kind: Params['kind'], options: LargeMarginSoftmaxOptions): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const margin = checkParam('margin', options.margin ?? 4, 'an integer in [1, 64]', (x) => Number.isInteger(x) && x >= 1 && x <= 64);
  const scale = params.positive('scale', options.scale ?? 1);
  const weights = classMatrixName(options.weights, 'weights');
  return node(op, 'sample', [embeddings(), input(weights, 'pair')], { kind, margin, scale, weights });
}

/**
 * Large-margin softmax, L-Softmax (Liu, Wen, Yu, Yang 2016, "Large-Margin Softmax Loss for Convolutional Neural
 * Networks"; PML `LargeMarginSoftmaxLoss`): with `θ_j` the angle between the embedding and class weight `W_j`,
 * the target logit `cos θ_y` becomes `ψ(θ_y) = (−1)^k cos(mθ_y) − 2k` (`k = ⌊mθ_y/π⌋`, held constant; `cos(mθ)` by
 * the multiple-angle polynomial), every logit is scaled by `s ‖W_j‖ ‖x‖`, then softmax cross-entropy. Defaults m = 4,
 * s = 1. yPred `[B, D]`, labels in `[0, C)`, `inputs.weights` `[C, D]` (caller-owned) → `[B]`.
 * @example compile(largeMarginSoftmax({ margin: 4 }), { from: 'embeddings' })(labels, e, { inputs: { weights } })
 */
export function largeMarginSoftmax(options: LargeMarginSoftmaxOptions = {}): Expr<'sample', 'any'> {
  return build('lsoftmax', options);
}

/**
 * SphereFace, A-Softmax (Liu, Wen, Yu, Li, Raj, Song 2017, "SphereFace: Deep Hypersphere Embedding for Face
 * Recognition"; PML `SphereFaceLoss`): {@link largeMarginSoftmax} with the weights normalized, so the logits are
 * scaled by `s ‖x‖` only. Defaults m = 4, s = 1. Shapes as `largeMarginSoftmax`.
 * @example compile(sphereFace(), { from: 'embeddings' })(labels, e, { inputs: { weights } })
 */
export function sphereFace(options: LargeMarginSoftmaxOptions = {}): Expr<'sample', 'any'> {
  return build('sphereface', options);
}
