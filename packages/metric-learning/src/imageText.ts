import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type EvalContext, type Expr, LosskitError, defineOp, embeddings, input, node, params } from '@losskit/core';
import { normalizeRows } from './distances.js';
import { optionsOf } from './internal.js';

/** A hyperparameter given either as a fixed number or as the name of a batch-level (scalar) input the caller trains. */
export type Learnable = number | { readonly input: string };

function scalarOf(ctx: EvalContext, v: Learnable): Tensor {
  return typeof v === 'number' ? tf.scalar(v) : tf.reshape(ctx.input(v.input), []);
}

function checkLearnable(name: string, v: Learnable): Learnable {
  if (typeof v === 'number') return params.finite(name, v);
  if (!v || typeof v.input !== 'string') {
    throw new LosskitError('INVALID_ARGUMENT', 'expected a number or { input: name }', { argument: name, received: typeof v });
  }
  input(v.input, 'batch'); // validates the name
  return v;
}

/** The input nodes a learnable parameter reads (so `compile` asks for them). */
const inputsOf = (...vs: Learnable[]): Expr[] => vs.filter((v): v is { input: string } => typeof v !== 'number').map((v) => input(v.input, 'batch'));

/** Options shared by {@link clip} and {@link siglip}. */
export interface ImageTextOptions {
  /** Name of the class-level input holding the paired embeddings `[B, D]` (row i pairs with yPred row i). Default `'text'`. */
  readonly pairedWith?: string;
}

const clipOp = defineOp<{ logScale: Learnable; text: string }>({
  kind: 'ml.clip',
  evaluate: (ctx, a, p) => {
    const x = normalizeRows(a[0]!);
    const y = normalizeRows(a[1]!);
    const logits = tf.mul(tf.matMul(x, y, false, true), tf.exp(scalarOf(ctx, p.logScale)));
    const diag = tf.sum(tf.mul(logits, tf.eye(ctx.batchSize)), -1);
    const rows = tf.sub(tf.logSumExp(logits, 1), diag);
    const cols = tf.sub(tf.logSumExp(logits, 0), diag);
    return tf.mul(tf.add(rows, cols), 0.5);
  },
  print: (a, _p, m) =>
    m === 'latex'
      ? `\\tfrac{1}{2}\\left(\\operatorname{CE}_{i\\to t}(e^{t'} \\cos(x_i, ${a[1]!.s}_j)) + \\operatorname{CE}_{t\\to i}\\right)`
      : `½(CE_row + CE_col)(exp(t')·cos(x_i, ${a[1]!.s}_j))`,
});

/**
 * CLIP's symmetric softmax contrastive loss (Radford et al. 2021, "Learning Transferable Visual Models
 * From Natural Language Supervision"): with `x_i`, `y_j` L2-normalized image and text embeddings and
 * logits `z_ij = e^{t'} ⟨x_i, y_j⟩`, per pair `i`:
 * `l_i = ½( -log softmax_j(z_i·)_i - log softmax_j(z_·i)_i )` (image→text and text→image CE, label = diagonal).
 * `logScale` t' defaults to `log(1/0.07)` (the paper's init); pass `{ input: 'logScale' }` to train it.
 * yPred = image embeddings `[B, D]`, `inputs.text` `[B, D]` → per-sample `[B]`. Labels are ignored (pass any `[B]` integers).
 * @example compile(clip(), { from: 'embeddings' })(idx, img, { inputs: { text } })
 */
export function clip(options: ImageTextOptions & { readonly logScale?: Learnable } = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const logScale = checkLearnable('logScale', options.logScale ?? Math.log(1 / 0.07));
  const text = options.pairedWith ?? 'text';
  return node(clipOp, 'sample', [embeddings(), input(text, 'class'), ...inputsOf(logScale)], { logScale, text });
}

const siglipOp = defineOp<{ logTemperature: Learnable; bias: Learnable; text: string }>({
  kind: 'ml.siglip',
  evaluate: (ctx, a, p) => {
    const x = normalizeRows(a[0]!);
    const y = normalizeRows(a[1]!);
    const z = tf.add(tf.mul(tf.matMul(x, y, false, true), tf.exp(scalarOf(ctx, p.logTemperature))), scalarOf(ctx, p.bias));
    const sign = tf.sub(tf.mul(tf.eye(ctx.batchSize), 2), 1);
    // -log σ(x) = softplus(-x) (tf.logSigmoid's custom gradient fails under nested tapes)
    return tf.sum(tf.softplus(tf.neg(tf.mul(sign, z))), -1);
  },
  print: (a, _p, m) =>
    m === 'latex' ? `-\\sum_j \\log\\sigma\\left(\\ell_{ij}(e^{t'} x_i \\cdot ${a[1]!.s}_j + b)\\right)` : `-Σ_j logσ(ℓ_ij(exp(t')·x_i·${a[1]!.s}_j + b))`,
});

/**
 * SigLIP's pairwise sigmoid loss (Zhai, Mustafa, Kolesnikov, Beyer 2023, "Sigmoid Loss for Language
 * Image Pre-Training"): `z_ij = e^{t'} x_i·y_j + b` on L2-normalized embeddings, labels `ℓ_ij = +1` on
 * the diagonal and `-1` elsewhere, `L = -(1/B) Σ_i Σ_j log σ(ℓ_ij z_ij)`. Per-sample value
 * `l_i = -Σ_j log σ(ℓ_ij z_ij)`, so `compile`'s mean gives the paper's 1/B normalization.
 * Defaults t' = log 10, b = -10 (the paper's inits); pass `{ input: name }` to learn them.
 * @example compile(siglip({ logTemperature: { input: 'tp' }, bias: { input: 'b' } }), { from: 'embeddings' })
 */
export function siglip(options: ImageTextOptions & { readonly logTemperature?: Learnable; readonly bias?: Learnable } = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const logTemperature = checkLearnable('logTemperature', options.logTemperature ?? Math.log(10));
  const bias = checkLearnable('bias', options.bias ?? -10);
  const text = options.pairedWith ?? 'text';
  return node(siglipOp, 'sample', [embeddings(), input(text, 'class'), ...inputsOf(logTemperature, bias)], { logTemperature, bias, text });
}
