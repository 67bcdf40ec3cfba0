import * as tf from '@tensorflow/tfjs-core';
import { type Expr, bce, defineEntry, defineOp, node, oneHotRows, params } from '@losskit/core';
import { withoutGradient } from '../../standard/primitives.js';

/** Keras' `backend.epsilon()`, the clip of the probabilities turned into scores (from probabilities only). */
const EPSILON = 1e-7;

const rankingPenaltyOp = defineOp({
  kind: 'positiveRankingPenalty',
  evaluate: (c) => {
    const y = c.yTrue();
    // Scores s: the logits, or log(p/(1 − p)) of the clipped probabilities (the reference code's conversion).
    let s = c.yPred;
    if (c.from !== 'logits') {
      c.assertProbabilities(false);
      const q = tf.clipByValue(c.yPred, EPSILON, 1 - EPSILON);
      s = tf.sub(tf.log(q), tf.log1p(tf.neg(q)));
    }
    const positive = tf.cast(tf.greater(y, 0), 'float32');
    const negative = tf.cast(tf.less(y, 1), 'float32');
    // max over the batch's negative entries (−∞ masked out; no negative entry: no penalty).
    const hasNegative = tf.greater(tf.sum(negative), 0);
    const masked = tf.reshape(tf.where(tf.cast(negative, 'bool'), s, tf.fill(s.shape, -3e38)), [1, -1]);
    // The largest negative score (the first at a tie, by a one-hot mask off the tape: tfjs's Max gradient would give
    // each tied entry the full gradient).
    const first = withoutGradient(masked, (x) => oneHotRows(tf.argMax(x, 1), x.shape[1]!));
    const maxNeg = tf.where(hasNegative, tf.sum(tf.mul(masked, first)), tf.scalar(-3e38));
    // min(0, max(s_i − max_neg, −100))² on positive entries; the −100 floor is the reference code's clip.
    const gap = tf.clipByValue(tf.sub(s, maxNeg), -100, 0);
    const penalty = tf.sum(tf.mul(tf.square(gap), positive));
    return tf.div(penalty, tf.add(tf.sum(positive), 1));
  },
  print: (_a, _p, m) =>
    m === 'latex'
      ? '\\frac{\\sum_{(i,k): y_{ik} = 1} \\min\\left(0, \\max(s_{ik} - \\max_{(j,l): y_{jl} = 0} s_{jl}, -100)\\right)^2}{1 + \\#\\{y_{ik} = 1\\}}'
      : 'rankPenalty(s; y)',
});

/**
 * The positive-vs-hardest-negative ranking penalty alone, batch level:
 * `R = Σ_{(i,k): y_ik=1} min(0, max(s_ik − max_{(j,l): y_jl=0} s_jl, −100))² / (1 + #{y_ik = 1})`, with the scores
 * `s` the logits (`from: 'logits'`) or `log(p/(1 − p))` of probabilities clipped to `[1e-7, 1 − 1e-7]`. The
 * maximum is over every negative entry of the batch; a batch without negatives has no penalty. Targets `[B, C]`
 * (multi-hot or one-hot) or labels.
 */
export function positiveRankingPenalty(): Expr<'batch', 'any'> {
  return node(rankingPenaltyOp, 'batch');
}

/** Options of {@link bceRankingLoss}. */
export interface BceRankingOptions {
  /** Weight w of the ranking penalty. Default 1 (the reference loss `rankloss + logloss`). */
  readonly weight?: number;
}

/**
 * Binary cross-entropy plus a ranking penalty that pushes every positive score above the largest negative score
 * of the batch, batch level: `L = mean_{i,k} BCE(σ(s_ik), y_ik) + w·R` with `R` of {@link positiveRankingPenalty}.
 * Used to train the class-dependent (one-class-vs-rest) networks that are then pruned, so that false negatives stay
 * rare. From logits the BCE is `softplus(s) − y·s` (exact); from probabilities it is Keras' clipped BCE.
 *
 * Shapes: targets `[B, C]` (one-hot or multi-hot) or labels `[B]`, logits or probabilities `[B, C]` → a scalar.
 * Checked against `binary_crossentropy_with_ranking` in rahimentezari/Sensys-ml2020 (`models/train_model.py`, commit
 * 1c0c7b3, the Keras form kept in its comments): the BCE mean plus the penalty with the same clip and the same
 * `+1` in the denominator. Two differences, both deliberate: that code takes `max(s · 1[y < 1])`, which also counts
 * the 0 written at positive entries (so a batch whose negatives all score below 0 gets `max_neg = 0`), where this is
 * the maximum over the negative entries only; and its PyTorch training loop multiplies the penalty by 0 (and
 * detaches it), leaving `(R + 1)·BCE` as a commented alternative — the weight `w` covers both.
 *
 * @example `compile(bceRankingLoss({ weight: 1 }))(oneHot, logits)`
 * @see Entezari, Saukh, "Class-dependent Compression of Deep Neural Networks" (SenSys-ML 2020, arXiv:1909.10364).
 */
export function bceRankingLoss(options: BceRankingOptions = {}): Expr<'batch', 'any'> {
  const weight = params.nonNegative('weight', options?.weight ?? 1);
  return bce().mean().mean().plus(positiveRankingPenalty().scale(weight));
}

export const bceRankingEntry = defineEntry({
  id: 'bce-ranking',
  name: 'BCE + positive-vs-max-negative ranking penalty (class-dependent compression)',
  package: '@losskit/losses',
  export: 'bceRankingLoss',
  category: 'classification',
  summary: 'Binary cross-entropy plus a squared penalty on positive scores that fall below the highest negative score of the batch.',
  formula:
    'L = \\overline{\\mathrm{BCE}(\\sigma(s), y)} + w\\,\\frac{\\sum_{y_{ik}=1} \\min\\left(0, \\max(s_{ik} - \\max_{y_{jl}=0} s_{jl}, -100)\\right)^2}{1 + \\#\\{y_{ik}=1\\}}',
  inputs: 'one-hot or multi-hot targets [B, C] (or labels [B]); logits (or probabilities) [B, C]',
  params: [{ name: 'weight', default: 1, range: { min: 0 }, description: 'weight w of the ranking penalty' }],
  paper: { title: 'Class-dependent Compression of Deep Neural Networks', authors: 'Rahim Entezari, Olga Saukh', year: 2020, url: 'arXiv:1909.10364' },
  example:
    "import { compile } from '@losskit/core';\nimport { bceRankingLoss } from '@losskit/losses';\nconst loss = compile(bceRankingLoss({ weight: 1 }));\nloss([[1, 0], [0, 1], [1, 0]], [[0.2, 1.5], [0.3, 0.1], [2, -1]]).print();",
  dsl: 'bceRankingLoss({ weight: 1 })',
});
