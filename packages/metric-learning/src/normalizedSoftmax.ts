import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineOp, embeddings, input, node, params, stopGradient } from '@losskit/core';
import { gram, normalizeRows } from './distances.js';
import { crossEntropyRows, optionsOf } from './internal.js';
import { classMatrix, classMatrixName } from './proxies.js';

const normalizedOp = defineOp<{ temperature: number; weights: string }>({
  kind: 'ml.normalizedSoftmax',
  evaluate: (ctx, a, p) => {
    const { w, onehot } = classMatrix(ctx, p.weights, 'normalizedSoftmax');
    return crossEntropyRows(tf.div(gram(normalizeRows(a[0]!), normalizeRows(w)), p.temperature), onehot);
  },
  print: (_a, p, m) => (m === 'latex' ? `\\operatorname{CE}\\left(\\cos(x, W_j) / ${p.temperature}\\right)` : `CE(cos(x, W_j)/${p.temperature})`),
});

/**
 * Normalized softmax (Zhai, Wu 2019, "Classification is a Strong Baseline for Deep Metric Learning"; PML
 * `NormalizedSoftmaxLoss`): softmax cross-entropy over `cos(x, W_j)/τ`, embeddings and class weights both L2-normalized
 * (PML's `DotProductSimilarity` normalizes by default). Default τ = 0.05. yPred `[B, D]`, labels in `[0, C)`,
 * `inputs.weights` `[C, D]` → `[B]`.
 * @example compile(normalizedSoftmax({ temperature: 0.05 }), { from: 'embeddings' })(labels, e, { inputs: { weights } })
 */
export function normalizedSoftmax(options: { readonly temperature?: number; readonly weights?: string } = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const weights = classMatrixName(options.weights, 'weights');
  return node(normalizedOp, 'sample', [embeddings(), input(weights, 'pair')], { temperature: params.positive('temperature', options.temperature ?? 0.05), weights });
}

const p2sOp = defineOp<{ weights: string }>({
  kind: 'ml.p2sGrad',
  evaluate: (ctx, a, p) => {
    const x = a[0]!;
    const { w, onehot } = classMatrix(ctx, p.weights, 'p2sGrad');
    // PML renormalizes W's columns in place each call (data only): the gradient is that of x·ŵ at ŵ = w/‖w‖
    const wHat = tf.div(w, stopGradient(tf.sqrt(tf.maximum(tf.sum(tf.square(w), -1, true), 1e-12))));
    const cos = tf.clipByValue(gram(normalizeRows(x), wHat), -1, 1);
    const c = onehot.shape[1]!;
    // nn.MSELoss (mean over B × C), written per sample as the row mean / B after compile's mean
    return tf.div(tf.sum(tf.square(tf.sub(cos, onehot)), -1), c);
  },
  print: (_a, _p, m) => (m === 'latex' ? `\\frac{1}{C}\\sum_j (\\cos\\theta_{j} - \\mathbb{1}[j = y])^2` : `mean_j (cosθ_j - 1[j = y])²`),
});

/**
 * P2SGrad (Zhang, Zhao, Ma, Kang, Wang, Li 2019, "P2SGrad: Refined Gradients for Optimizing Deep Face Models"; PML
 * `P2SGradLoss`): the gradient rule of Eq. 11 as a loss, the mean squared error between the cosines `cos θ_j` of the
 * embedding to each class weight and the one-hot target, `(1/C) Σ_j (cos θ_j − 1[j = y])²` per sample (compile's mean
 * then gives PML's mean over B × C). As in PML the weights enter renormalized to unit rows (the norm carries no
 * gradient). yPred `[B, D]`, labels in `[0, C)`, `inputs.weights` `[C, D]` → `[B]`.
 * @example compile(p2sGrad(), { from: 'embeddings' })(labels, e, { inputs: { weights } })
 */
export function p2sGrad(options: { readonly weights?: string } = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const weights = classMatrixName(options.weights, 'weights');
  return node(p2sOp, 'sample', [embeddings(), input(weights, 'pair')], { weights });
}
