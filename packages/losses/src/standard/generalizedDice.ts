import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, PREC, defineOp, node, params } from '@losskit/core';
import { standardEntry } from './entry.js';

/** Hyperparameters of {@link diceTerms}. */
export interface DiceTermOptions {
  /** Added to the numerator and the denominator. */
  readonly smooth: number;
  /** Weight of the false positives `P − I`. */
  readonly alpha: number;
  /** Weight of the false negatives `T − I`. */
  readonly beta: number;
}

/**
 * optax's per-class soft Dice (Tversky) loss, summed over `axes` of probabilities `p` and targets `t` (same shape):
 * `1 − (I + s) / (I + α(P − I) + β(T − I) + s)` with `I = Σ p t`, `P = Σ p`, `T = Σ t` (google-deepmind/optax
 * `optax/losses/_segmentation.py` `dice_loss` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5). `α = β = ½` is Dice.
 * Returns the shape without `axes`. Call inside `tf.tidy`.
 */
export function diceTerms(p: Tensor, t: Tensor, axes: readonly number[], o: DiceTermOptions): Tensor {
  const sum = (x: Tensor) => (axes.length === 0 ? x : tf.sum(x, [...axes]));
  const inter = sum(tf.mul(p, t));
  const predSum = sum(p);
  const targetSum = sum(t);
  const num = tf.add(inter, o.smooth);
  const den = tf.add(tf.add(tf.add(inter, tf.mul(tf.sub(predSum, inter), o.alpha)), tf.mul(tf.sub(targetSum, inter), o.beta)), o.smooth);
  return tf.sub(1, tf.div(num, den));
}

/**
 * The class weights of the generalized Dice loss (Sudre et al. 2017) as optax computes them: `w_c = 1 / (f_c² + 1e-7)`
 * with `f_c = Σ t_{..., c}` over every axis but the last, normalised to `C · w / Σ w`. `[..., C]` → `[C]`.
 */
export function generalizedDiceWeights(t: Tensor): Tensor {
  const f = tf.sum(t, Array.from({ length: t.rank - 1 }, (_, i) => i));
  const w = tf.div(1, tf.add(tf.square(f), 1e-7));
  return tf.mul(tf.div(w, tf.sum(w)), t.shape.at(-1)!);
}

/**
 * optax's `multiclass_generalized_dice_loss` on probabilities `p` and targets `t` `[B, ..., C]`: the per-class Dice
 * of each sample over the axes between the first and the last, weighted by {@link generalizedDiceWeights}, the first
 * class dropped with `ignoreBackground` (and `C > 1`), then the mean over samples and classes. A scalar.
 */
export function generalizedDiceOf(p: Tensor, t: Tensor, smooth: number, ignoreBackground: boolean): Tensor {
  const axes = Array.from({ length: Math.max(0, p.rank - 2) }, (_, i) => i + 1);
  let d = tf.mul(diceTerms(p, t, axes, { smooth, alpha: 0.5, beta: 0.5 }), generalizedDiceWeights(t));
  const c = d.shape.at(-1)!;
  if (ignoreBackground && c > 1) d = tf.slice(d, [...new Array(d.rank - 1).fill(0), 1], [...new Array(d.rank - 1).fill(-1), c - 1]);
  return tf.mean(d);
}

const generalizedDiceOp = defineOp<{ smooth: number; ignoreBackground: boolean }>({
  kind: 'std.generalizedDice',
  evaluate: (c, _a, p) => {
    const C = c.numClasses;
    let probs: Tensor;
    if (c.from === 'logits') probs = C === 1 ? tf.sigmoid(c.yPred) : tf.softmax(c.yPred);
    else {
      c.assertProbabilities(C > 1);
      probs = c.yPred;
    }
    return generalizedDiceOf(tf.expandDims(probs, 0), tf.expandDims(c.yTrue(), 0), p.smooth, p.ignoreBackground);
  },
  print: (_a, p, m) => (m === 'latex' ? `\\mathrm{GDL}_{s=${p.smooth}}` : `gdl[smooth=${p.smooth}]`),
  prec: PREC.atom,
});

/** Options of {@link generalizedDice}. */
export interface GeneralizedDiceOptions {
  /** Smoothing `s ≥ 0` added to the numerator and the denominator. Default 1 (optax). */
  readonly smooth?: number;
  /** Leave class 0 (background) out of the mean (its weight still normalises the others). Default false. */
  readonly ignoreBackground?: boolean;
}

/**
 * Generalized Dice loss with automatic class weights (Sudre et al. 2017, as optax defines it), batch level: every row of
 * `[N, C]` is one pixel (flatten images to rows), `p = softmax(z)` from logits (`σ(z)` for one class) or the
 * probabilities as given (`from: 'probs'`), `w_c ∝ 1/(f_c² + 1e-7)` with `f_c = Σ_i t_ic` normalised to sum to `C`, and
 * `l = (1/C) Σ_c w_c (1 − (I_c + s)/(½(P_c + T_c) + s))`, `I_c = Σ_i p_ic t_ic`, `P_c = Σ_i p_ic`, `T_c = Σ_i t_ic`.
 * Rare classes weigh more, so a small structure is not drowned by the background. One scalar per call (compile's
 * reduction does not apply). This is optax's `multiclass_generalized_dice_loss(predictions, targets, smooth=1.,
 * apply_softmax=True, ignore_background=False)` of the whole batch as one image `[1, N, C]`
 * (google-deepmind/optax `optax/losses/_segmentation.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5);
 * `@losskit/losses/optax` has the per-image form over `[B, H, W, C]`.
 *
 * @example compile(generalizedDice())(oneHotMasks, logits) // scalar
 * @see Sudre et al., "Generalised Dice overlap as a deep learning loss function for highly unbalanced segmentations" (DLMIA 2017).
 */
export function generalizedDice(options: GeneralizedDiceOptions = {}): Expr<'batch', 'any'> {
  const smooth = params.nonNegative('smooth', options.smooth ?? 1);
  const ignoreBackground = params.boolean('ignoreBackground', options.ignoreBackground ?? false);
  if (typeof ignoreBackground !== 'boolean') {
    throw new LosskitError('INVALID_PARAMETER', 'must be a boolean', { argument: 'ignoreBackground', expected: 'true or false', received: String(ignoreBackground) });
  }
  return node(generalizedDiceOp, 'batch', [], { smooth, ignoreBackground });
}

export const generalizedDiceEntry = standardEntry({
  id: 'generalized-dice',
  name: 'Generalized Dice loss',
  export: 'generalizedDice',
  category: 'segmentation',
  summary: 'Dice loss per class weighted by 1/f_c² (rare classes count more), over a batch of pixels (optax multiclass_generalized_dice_loss).',
  formula: '\\frac{1}{C}\\sum_c w_c\\left(1 - \\frac{I_c + s}{\\tfrac12(P_c + T_c) + s}\\right),\\ w_c \\propto \\frac{1}{f_c^2 + 10^{-7}}',
  inputs: 'logits or probabilities [N, C] (one row per pixel), one-hot targets [N, C]',
  params: [
    { name: 'smooth', default: 1, range: { min: 0 }, description: 'Added to the numerator and the denominator.' },
    { name: 'ignoreBackground', default: false, description: 'Leave class 0 out of the mean.' },
  ],
  paper: {
    title: 'Generalised Dice overlap as a deep learning loss function for highly unbalanced segmentations',
    authors: 'Carole H. Sudre, Wenqi Li, Tom Vercauteren, Sébastien Ourselin, M. Jorge Cardoso',
    year: 2017,
    url: 'https://arxiv.org/abs/1707.03237',
  },
  example: "import { compile } from '@losskit/core';\nimport { generalizedDice } from '@losskit/losses';\nconst loss = compile(generalizedDice())([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], [[2, 0, -1], [1, 0.5, 0], [0, 1.5, 0], [-1, 0, 2]]);",
  dsl: 'generalizedDice({ smooth: 1, ignoreBackground: false })',
});
