import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineEntry, defineOp, node } from '@losskit/core';

/** How {@link hpmLossPrediction} compares predicted and observed reconstruction losses. */
export type HpmMode = 'relative' | 'absolute';

const hpmOp = defineOp<{ mode: HpmMode }>({
  kind: 'hpmLossPrediction',
  evaluate: (c, _a, p) => {
    const s = c.yPred; // predicted losses [B, L]
    const t = c.yTrue(); // observed reconstruction losses [B, L] (targets: no gradient flows to them)
    if (p.mode === 'absolute') {
      // Per-image z-score of the targets with the unbiased variance and 1e-6, as the authors' `relative=False` branch.
      const L = c.numClasses;
      const mean = tf.mean(t, 1, true);
      const varUnbiased = tf.div(tf.sum(tf.square(tf.sub(t, mean)), 1, true), Math.max(L - 1, 1));
      const z = tf.div(tf.sub(t, mean), tf.sqrt(tf.add(varUnbiased, 1e-6)));
      return tf.mean(tf.square(tf.sub(s, z)));
    }
    // d[b, i, j] = ŝ_j − ŝ_i; label 1 where ℓ_j > ℓ_i, 0 where ℓ_j < ℓ_i, no term at ties.
    const d = tf.sub(tf.expandDims(s, 1), tf.expandDims(s, 2));
    const tj = tf.expandDims(t, 1);
    const ti = tf.expandDims(t, 2);
    const pos = tf.cast(tf.greater(tj, ti), 'float32');
    const neg = tf.cast(tf.less(tj, ti), 'float32');
    // BCE of σ(d): −log σ(d) = softplus(−d), −log(1 − σ(d)) = softplus(d), exact for any finite d.
    const terms = tf.add(tf.mul(pos, tf.softplus(tf.neg(d))), tf.mul(neg, tf.softplus(d)));
    return tf.div(tf.sum(terms), tf.maximum(tf.sum(tf.add(pos, neg)), 1));
  },
  print: (_a, p, m) => {
    if (p.mode === 'absolute') return m === 'latex' ? '\\overline{\\left(\\hat s - \\operatorname{z}(\\ell)\\right)^2}' : 'mean((ŝ − zscore(ℓ))^2)';
    return m === 'latex'
      ? '\\frac{\\sum_{b,i,j} \\mathbb{1}[\\ell_j > \\ell_i]\\,\\operatorname{sp}(\\hat s_i - \\hat s_j) + \\mathbb{1}[\\ell_j < \\ell_i]\\,\\operatorname{sp}(\\hat s_j - \\hat s_i)}{\\sum_{b,i,j} \\mathbb{1}[\\ell_i \\ne \\ell_j]}'
      : 'hpm-rank(ŝ; ℓ)';
  },
});

/** Options of {@link hpmLossPrediction}. */
export interface HpmLossPredictionOptions {
  /**
   * `relative` (default, the paper's choice): binary cross-entropy on every ordered pair of patches of an image,
   * "is patch j harder than patch i". `absolute`: mean squared error to the per-image z-scored losses (the paper's
   * ablation, the authors' `relative=False` branch).
   */
  readonly mode?: HpmMode;
}

/**
 * The loss-predictor objective of Hard Patches Mining (HPM), batch level. The predictor outputs one score `ŝ_i` per
 * masked patch; the observed per-patch reconstruction losses `ℓ_i` (detached) are the targets. Relative mode:
 * `L = Σ_{b,i,j} (1[ℓ_j > ℓ_i] · −log σ(ŝ_j − ŝ_i) + 1[ℓ_j < ℓ_i] · −log(1 − σ(ŝ_j − ŝ_i))) / Σ_{b,i,j} 1[ℓ_i ≠ ℓ_j]`,
 * over ordered pairs within each image (ties give no term; 0 when the batch has no untied pair). The logs are
 * `softplus(∓d)`, exact for any finite scores (the authors' code adds 1e-6 inside the log, a difference below 2e-6
 * per term at moderate scores). Absolute mode: `mean((ŝ − zscore(ℓ))²)` with
 * `zscore(ℓ) = (ℓ − mean ℓ)/sqrt(var_unbiased ℓ + 1e-6)` per image.
 *
 * Shapes: `yTrue` = observed losses `[B, L]` (dense targets), `yPred` = predicted losses `[B, L]` (`from: 'logits'`,
 * the default), one row per image, one column per masked patch → a scalar. Checked against the authors'
 * `forward_learning_loss` (Haochen-Wang409/HPM `models_mae_learn_loss.py`, commit c15ae90): the same pair labels,
 * the same sum over the batch divided by the number of untied pairs.
 *
 * @example `compile(hpmLossPrediction())(observedLosses, predictedLosses)`
 * @see Wang, Song, Fan, Wang, Xie, Zhang, "Hard Patches Mining for Masked Image Modeling", CVPR 2023.
 */
export function hpmLossPrediction(options: HpmLossPredictionOptions = {}): Expr<'batch', 'any'> {
  const mode = options?.mode ?? 'relative';
  if (mode !== 'relative' && mode !== 'absolute') {
    throw new LosskitError('INVALID_PARAMETER', 'unknown HPM mode', { argument: 'mode', expected: "'relative' or 'absolute'", received: String(mode) });
  }
  return node(hpmOp, 'batch', [], { mode });
}

export const hpmLossPredictionEntry = defineEntry({
  id: 'hpm-loss-prediction',
  name: 'HPM loss predictor (relative relationship learning)',
  package: '@losskit/losses',
  export: 'hpmLossPrediction',
  category: 'pretraining',
  summary: 'Trains a loss predictor to rank masked patches by reconstruction difficulty: pairwise BCE on which of two patches has the larger loss.',
  formula:
    'L = \\frac{\\sum_{b,i,j} \\mathbb{1}[\\ell_j > \\ell_i] \\operatorname{sp}(\\hat s_i - \\hat s_j) + \\mathbb{1}[\\ell_j < \\ell_i] \\operatorname{sp}(\\hat s_j - \\hat s_i)}{\\sum_{b,i,j} \\mathbb{1}[\\ell_i \\neq \\ell_j]},\\ \\operatorname{sp}(x) = \\log(1 + e^{x})',
  inputs: 'observed per-patch reconstruction losses yTrue [B, L]; predicted losses yPred [B, L] (one row per image)',
  params: [{ name: 'mode', default: 'relative', range: "'relative' | 'absolute'", description: 'pairwise BCE (paper) or MSE to z-scored losses (ablation)' }],
  paper: { title: 'Hard Patches Mining for Masked Image Modeling', authors: 'Haochen Wang, Kaiyou Song, Junsong Fan, Yuxi Wang, Jin Xie, Zhaoxiang Zhang', year: 2023, url: 'arXiv:2304.05919' },
  example:
    "import { compile } from '@losskit/core';\nimport { hpmLossPrediction } from '@losskit/losses';\nconst loss = compile(hpmLossPrediction());\nloss([[0.9, 0.2, 0.5], [0.1, 0.4, 0.3]], [[1.2, -0.3, 0.4], [0.2, 0.1, 0.6]]).print();",
  dsl: "hpmLossPrediction({ mode: 'relative' })",
});
