import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineEntry, defineOp, node, params, stopGradient } from '@losskit/core';
import { assertValuesIn } from '../checkedInputs.js';
import { checkCounts } from '../classification/classCounts.js';

/** The authors' `eps` of the log clamp. */
const EPS = 1e-8;

const mfmOp = defineOp<{ weight: readonly number[]; attention: readonly (readonly number[])[]; gammaPos: number; gammaNeg: number; clip: number; gammaClassNeg: number }>({
  kind: 'multiFocalModifier',
  evaluate: (c, _a, p) => {
    const C = p.weight.length;
    if (c.numClasses !== C) {
      throw new LosskitError('SHAPE_MISMATCH', 'one class count per class', { argument: 'classCounts', expected: `${c.numClasses} counts (one per column of yPred)`, received: `${C} counts` });
    }
    if (c.labels) {
      throw new LosskitError('INVALID_ARGUMENT', 'the multi-focal modifier reads multi-hot targets', { argument: 'yTrue', expected: `multi-hot targets [${c.batchSize}, ${C}] of 0 and 1`, received: `labels [${c.labels.shape.join(', ')}]` });
    }
    const y = c.yTrue();
    assertValuesIn(y, 'yTrue', 0, 1, true);
    const w = tf.tensor1d(p.weight as number[]);
    const m = tf.tensor2d(p.attention as number[][], [C, C]);
    // Co-occurrence attention a_k: mean of the normalized co-occurrence rows of sample k's positive classes, then
    // normalized to sum 1; 0 for a sample without positives or with an all-zero mean (see the TSDoc).
    const rowSum = tf.matMul(y, m); // [B, C] = Σ_{i: y_ki = 1} M̃_i
    const total = tf.sum(rowSum, -1, true); // the 1/n_pos of the mean cancels in the normalization
    const a = stopGradient(tf.where(tf.greater(total, 0), tf.div(rowSum, tf.maximum(total, Number.MIN_VALUE)), tf.zerosLike(rowSum)));
    const s = tf.sigmoid(c.yPred);
    const xsPos = tf.mul(s, tf.sub(1, a));
    const clipped = p.clip > 0 ? tf.minimum(tf.add(tf.sub(1, s), p.clip), 1) : tf.sub(1, s);
    const xsNeg = tf.minimum(tf.where(tf.equal(a, 0), clipped, tf.mul(clipped, p.gammaClassNeg)), 1);
    const logPos = tf.log(tf.maximum(xsPos, EPS));
    const logNeg = tf.log(tf.maximum(xsNeg, EPS));
    const base = tf.mul(tf.add(tf.mul(y, logPos), tf.mul(tf.sub(1, y), logNeg)), w);
    // Asymmetric focusing without gradient (the authors' disable_torch_grad_focal_loss = True).
    const pt = tf.add(tf.mul(xsPos, y), tf.mul(xsNeg, tf.sub(1, y)));
    const gamma = tf.add(tf.mul(y, p.gammaPos), tf.mul(tf.sub(1, y), tf.add(w, p.gammaNeg)));
    const focus = stopGradient(tf.pow(tf.sub(1, pt), gamma));
    return tf.neg(tf.sum(tf.mul(base, focus), -1));
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `-\\sum_c w_c \\big[y_c \\log \\hat p^{+}_c + (1-y_c) \\log \\hat p^{-}_c\\big]\\,\\mathrm{sg}\\big((1-p_{t,c})^{\\gamma_c}\\big)`
      : `mfm[γ+=${p.gammaPos}, γ-=${p.gammaNeg}, clip=${p.clip}]`,
});

/** Options of {@link multiFocalModifier}. */
export interface MultiFocalModifierOptions {
  /** Training examples per class `n_c` (≥ 1), for the class weights `w_c = (1 + log(n_max / n_c))^{1/3}`. Required. */
  readonly classCounts: readonly number[];
  /**
   * Label co-occurrence counts `M` `[C, C]` (non-negative, every column with a positive sum): `M_ij` how often
   * classes i and j are labelled together. Required (the authors' `co-occurrence.npy`).
   */
  readonly cooccurrence: readonly (readonly number[])[];
  /** Focusing exponent of the positives γ₊ ≥ 0. Default 0 (`config/coco/resnet50_plt.yaml`). */
  readonly gammaPos?: number;
  /** Focusing exponent of the negatives γ₋ ≥ 0 (plus `w_c`). Default 3 (same config). */
  readonly gammaNeg?: number;
  /** Probability shift of the negatives, `min(1 − σ + clip, 1)`, in [0, 1]. Default 0.05 (same config). */
  readonly clip?: number;
  /** Factor on the negative term of classes that co-occur with the sample's positives. Default 1.2 (the authors'). */
  readonly gammaClassNeg?: number;
}

/**
 * Multi-focal modifier loss of COMIC for partially labelled, long-tailed multi-label classification, one value per
 * sample: with `σ = sigmoid(z)`, class weights `w_c = (1 + log(n_max/n_c))^{1/3}`, the column-normalized co-occurrence
 * `M̃ = M / colsum(M)` and the sample's attention `a = Σ_{i: y_i = 1} M̃_i / Σ(·)` (no gradient),
 * `p⁺ = σ (1 − a)`, `p⁻ = min(1 − σ + clip, 1)` scaled by γ_cn (and capped at 1) where `a > 0`, and
 * `ℓ = −Σ_c w_c [y_c log max(p⁺_c, 1e-8) + (1 − y_c) log max(p⁻_c, 1e-8)] · sg((1 − p_t)^{γ₊ y_c + (γ₋ + w_c)(1 − y_c)})`,
 * `p_t = p⁺` on positives and `p⁻` on negatives. Logits `[B, C]`, multi-hot targets `[B, C]` of 0 and 1 → `[B]`.
 * The authors sum over the batch: compile with `{ reduction: 'sum' }` to reproduce their value.
 * Follows the authors' code (github.com/wannature/COMIC at 6e266f9, `loss/PriorFocalModifierLoss.py`, the loss named by
 * `config/coco/resnet50_plt.yaml`); the paper's text could not be read. One deviation: a sample without positive labels
 * (or whose attention sums to 0) gets `a = 0` (no modifier); the authors' mean over an empty set gives NaN for it. The
 * class-aware pseudo-labelling (COMIC's Correction step) and the balanced classifier are not part of this loss.
 *
 * @example `compile(multiFocalModifier({ classCounts, cooccurrence }), { reduction: 'sum' })(multiHot, logits)`
 * @see Zhang, Liu, Zeng, Ooi, Tang, Zhuang, "Learning in Imperfect Environment: Multi-Label Classification with
 *   Long-Tailed Distribution and Partial Labels", ICCV 2023.
 */
export function multiFocalModifier(options: MultiFocalModifierOptions): Expr<'sample', 'logits'> {
  const counts = checkCounts(options?.classCounts);
  const C = counts.length;
  const M: readonly (readonly number[])[] = options.cooccurrence;
  if (!Array.isArray(M) || M.length !== C || M.some((r) => !Array.isArray(r) || r.length !== C)) {
    throw new LosskitError('INVALID_PARAMETER', 'the co-occurrence matrix is [C, C]', { argument: 'cooccurrence', expected: `a ${C}×${C} array (one row and column per class)`, received: Array.isArray(M) ? `${M.length} rows` : String(M) });
  }
  const colSum = new Array<number>(C).fill(0);
  M.forEach((r: readonly number[], i: number) =>
    r.forEach((v: number, j: number) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new LosskitError('INVALID_PARAMETER', 'co-occurrence counts are finite and non-negative', { argument: 'cooccurrence', expected: 'numbers >= 0', received: `${v} at [${i}, ${j}]` });
      }
      colSum[j] = colSum[j]! + v;
    }),
  );
  const zero = colSum.findIndex((s) => !(s > 0));
  if (zero >= 0) {
    throw new LosskitError('INVALID_PARAMETER', 'every class co-occurs with something (its column is normalized)', { argument: 'cooccurrence', expected: 'columns with a positive sum', received: `column ${zero} sums to 0` });
  }
  const nMax = Math.max(...counts);
  const weight = counts.map((n) => Math.cbrt(1 + Math.log(nMax / n)));
  const attention = M.map((r: readonly number[]) => r.map((v: number, j: number) => v / colSum[j]!));
  const gammaPos = params.nonNegative('gammaPos', options.gammaPos ?? 0);
  const gammaNeg = params.nonNegative('gammaNeg', options.gammaNeg ?? 3);
  const clip = params.inRange('clip', options.clip ?? 0.05, 0, 1);
  const gammaClassNeg = params.positive('gammaClassNeg', options.gammaClassNeg ?? 1.2);
  return node(mfmOp, 'sample', [], { weight, attention, gammaPos, gammaNeg, clip, gammaClassNeg }, 'logits');
}

export const multiFocalModifierEntry = defineEntry({
  id: 'multi-focal-modifier',
  name: 'Multi-focal modifier loss (COMIC)',
  package: '@losskit/losses',
  export: 'multiFocalModifier',
  category: 'classification',
  summary: 'Asymmetric focal BCE for long-tailed, partially labelled multi-label data: class-frequency weights and exponents, co-occurrence-modified probabilities.',
  formula:
    '-\\sum_c w_c\\big[y_c \\log p^{+}_c + (1-y_c)\\log p^{-}_c\\big]\\,\\mathrm{sg}\\big((1-p_{t,c})^{\\gamma_+ y_c + (\\gamma_- + w_c)(1-y_c)}\\big),\\ w_c = \\big(1+\\log\\tfrac{n_{\\max}}{n_c}\\big)^{1/3}',
  inputs: 'logits [B, C]; multi-hot targets [B, C] of 0 and 1; class counts and the co-occurrence matrix as parameters',
  params: [
    { name: 'classCounts', default: null, range: 'numbers >= 1, one per class', description: 'Training examples per class; required.' },
    { name: 'cooccurrence', default: null, range: '[C, C] non-negative counts, no zero column', description: 'Label co-occurrence counts; required.' },
    { name: 'gammaPos', default: 0, range: { min: 0 }, description: 'Focusing exponent of the positives.' },
    { name: 'gammaNeg', default: 3, range: { min: 0 }, description: 'Focusing exponent of the negatives (plus w_c).' },
    { name: 'clip', default: 0.05, range: { min: 0, max: 1 }, description: 'Probability shift of the negatives.' },
    { name: 'gammaClassNeg', default: 1.2, range: { min: 0, minExclusive: true }, description: 'Factor on co-occurring negatives.' },
  ],
  paper: {
    title: 'Learning in Imperfect Environment: Multi-Label Classification with Long-Tailed Distribution and Partial Labels',
    authors: 'Wenqiao Zhang, Changshuo Liu, Lingze Zeng, Beng Chin Ooi, Siliang Tang, Yueting Zhuang',
    year: 2023,
    url: 'arXiv:2304.10539',
  },
  example:
    "import { compile } from '@losskit/core';\nimport { multiFocalModifier } from '@losskit/losses';\nconst classCounts = [900, 90, 10];\nconst cooccurrence = [[900, 40, 5], [40, 90, 3], [5, 3, 10]];\nconst loss = compile(multiFocalModifier({ classCounts, cooccurrence }), { reduction: 'sum' });\nloss([[1, 0, 0], [1, 1, 0], [0, 0, 1]], [[2, -1, -3], [0.5, 1, -2], [-1, -2, 0.3]]).print();",
  dsl: 'multiFocalModifier({ classCounts: [900, 90, 10], cooccurrence: [[900, 40, 5], [40, 90, 3], [5, 3, 10]] })',
});
