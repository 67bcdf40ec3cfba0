import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, checkParam, defineOp, embeddings, formatShape, input, node, oneHotRows, params } from '@losskit/core';
import { gram, normalizeRows } from './distances.js';
import { crossEntropyRows, labelsOf, optionsOf } from './internal.js';
import { classMatrixName } from './proxies.js';
import type { EvalContext } from '@losskit/core';
import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * Reads `[C·K, D]` sub-center weights (row `c·K + k` = center k of class c) and checks labels against C.
 * @internal
 */
export function centerMatrix(ctx: EvalContext, name: string, k: number, what: string): { w: Tensor; onehot: Tensor; c: number } {
  const w = ctx.input(name);
  const d = ctx.numClasses;
  if (w.rank !== 2 || w.shape[1] !== d || w.shape[0]! % k !== 0 || w.shape[0] === 0) {
    throw new LosskitError('SHAPE_MISMATCH', `${what}: the center matrix has the wrong shape`, {
      argument: `inputs.${name}`,
      expected: `[C·${k}, ${d}] (row c·${k} + k holds center k of class c)`,
      received: formatShape(w.shape),
    });
  }
  const c = w.shape[0]! / k;
  const y = labelsOf(ctx, what);
  const [lo, hi] = [tf.min(y).dataSync()[0]!, tf.max(y).dataSync()[0]!];
  if (lo < 0 || hi >= c) {
    throw new LosskitError('LABEL_OUT_OF_RANGE', `${what}: label out of range`, { argument: 'yTrue', expected: `integers in [0, ${c})`, received: `${lo < 0 ? lo : hi}` });
  }
  return { w, onehot: oneHotRows(y, c), c };
}

const op = defineOp<{ centers: number; la: number; gamma: number; margin: number; weights: string }>({
  kind: 'ml.softTriple',
  evaluate: (ctx, a, p) => {
    const { w, onehot, c } = centerMatrix(ctx, p.weights, p.centers, 'softTriple');
    const b = ctx.batchSize;
    const sim = tf.reshape(gram(normalizeRows(a[0]!), normalizeRows(w)), [b, c, p.centers]);
    const prob = tf.softmax(tf.div(sim, p.gamma), -1);
    const s = tf.sum(tf.mul(prob, sim), -1);
    return crossEntropyRows(tf.mul(tf.sub(s, tf.mul(onehot, p.margin)), p.la), onehot);
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\operatorname{CE}\\left(${p.la}(S_j - ${p.margin}\\,\\mathbb{1}[j = y])\\right),\\ S_j = \\sum_k \\operatorname{softmax}_k(s_{jk}/${p.gamma})\\,s_{jk}`
      : `CE(${p.la}(S_j - ${p.margin}·1[j = y])), S_j = Σ_k softmax_k(s_jk/${p.gamma})·s_jk`,
});

/** Options of {@link softTriple}. */
export interface SoftTripleOptions {
  /** Centers per class K. Default 10. */
  readonly centersPerClass?: number;
  /** Scale λ of the logits. Default 20. */
  readonly la?: number;
  /** Temperature γ of the soft assignment to centers (PML divides by it). Default 0.1. */
  readonly gamma?: number;
  /** Margin δ on the target class. Default 0.01. */
  readonly margin?: number;
  /** Name of the input holding the centers `[C·K, D]`. Default `'weights'`. */
  readonly weights?: string;
}

/**
 * SoftTriple loss (Qian, Shang, Sun, Hu, Li, Jin 2019, "SoftTriple Loss: Deep Metric Learning Without Triplet
 * Sampling"; PML `SoftTripleLoss`): each class has K centers; the class similarity is the softmax-weighted mean of
 * the cosines to its centers, `S_c = Σ_k softmax_k(s_ck/γ) s_ck`, and the loss is softmax cross-entropy over
 * `λ(S_c − δ 1[c = y])`. Defaults K = 10, λ = 20, γ = 0.1, δ = 0.01 (the paper's center regularizer is left to the
 * caller, as in PML). yPred `[B, D]`, labels in `[0, C)`, `inputs.weights` `[C·K, D]` (row `c·K + k`) → `[B]`.
 * @example compile(softTriple({ centersPerClass: 2 }), { from: 'embeddings' })(labels, e, { inputs: { weights: centers } })
 */
export function softTriple(options: SoftTripleOptions = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const weights = classMatrixName(options.weights, 'weights');
  return node(op, 'sample', [embeddings(), input(weights, 'pair')], {
    centers: checkParam('centersPerClass', options.centersPerClass ?? 10, 'an integer >= 1', (x) => Number.isInteger(x) && x >= 1),
    la: params.positive('la', options.la ?? 20),
    gamma: params.positive('gamma', options.gamma ?? 0.1),
    margin: params.finite('margin', options.margin ?? 0.01),
    weights,
  });
}
