import { type Expr, yPred, yTrue } from '@losskit/core';
import { standardEntry } from './entry.js';

const COLLINS = {
  title: 'Discriminative Training Methods for Hidden Markov Models: Theory and Experiments with Perceptron Algorithms',
  authors: 'Michael Collins',
  year: 2002,
  url: 'https://aclanthology.org/W02-1001/',
} as const;

/**
 * Binary perceptron loss, mean over the last axis, one value per sample: `l = (1/C) Σ_j max(0, −ŷ_j y_j)` with
 * targets `y ∈ {−1, 1}` (used as given, no `{0, 1}` conversion). Zero for every correctly signed score, however small
 * its margin (the hinge loss without the margin of 1). For one output (`[B]` or `[B, 1]`) it is optax's elementwise
 * `perceptron_loss(predictor_outputs, targets) = max(0, −predictor_outputs · targets)` (google-deepmind/optax
 * `optax/losses/_classification.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5). Shapes: `[B, C]` → `[B]`.
 *
 * @example compile(perceptron())([[1], [-1]], [[10], [20]]) // per sample [0, 20]
 * @see Rosenblatt (1958); Collins, "Discriminative Training Methods for Hidden Markov Models" (EMNLP 2002).
 */
export function perceptron(): Expr<'sample', 'any'> {
  return yPred().times(yTrue()).neg().relu().mean();
}

/**
 * Multiclass perceptron loss, one value per sample: `l = max_j s_j − s_y` (soft targets: `max_j s_j − Σ_j y_j s_j`),
 * zero iff the target class has the highest score (ties included). The Fenchel–Young loss of the max function
 * (`fenchelYoung((s) => s.max())`). optax `multiclass_perceptron_loss(scores, labels)`:
 * `max(scores) − dot(scores, one_hot(labels))` (google-deepmind/optax `optax/losses/_classification.py` at
 * 2edbcbe2390da13983b92cbef94ac0460ecde1c5). Scores `[B, C]`, labels `[B]` or targets `[B, C]` → `[B]`.
 *
 * @example compile(multiclassPerceptron())([1, 0], [[10, 3], [11, -2]]) // per sample [7, 0]
 * @see Collins, "Discriminative Training Methods for Hidden Markov Models" (EMNLP 2002).
 */
export function multiclassPerceptron(): Expr<'sample', 'any'> {
  return yPred().max().minus(yPred().target());
}

export const perceptronEntry = standardEntry({
  id: 'perceptron',
  name: 'Perceptron loss (binary)',
  export: 'perceptron',
  category: 'classification',
  summary: 'max(0, −y·ŷ) with ±1 targets, mean over the last axis: zero for every correctly signed score (optax perceptron_loss).',
  formula: '\\frac{1}{C}\\sum_j \\max(0, -y_j \\hat y_j)',
  inputs: 'scores [B, C] (or [B]), targets in {-1, 1} of the same shape',
  params: [],
  paper: COLLINS,
  example: "import { compile } from '@losskit/core';\nimport { perceptron } from '@losskit/losses';\nconst loss = compile(perceptron())([[1], [-1]], [[10], [20]]); // mean of [0, 20]",
  dsl: 'yPred().times(yTrue()).neg().relu().mean()',
});

export const multiclassPerceptronEntry = standardEntry({
  id: 'multiclass-perceptron',
  name: 'Multiclass perceptron loss',
  export: 'multiclassPerceptron',
  category: 'classification',
  summary: 'max_j s_j − s_y: zero iff the target class scores highest (optax multiclass_perceptron_loss).',
  formula: '\\max_j s_j - s_y',
  inputs: 'scores [B, C], labels [B] or one-hot targets [B, C]',
  params: [],
  paper: COLLINS,
  example: "import { compile } from '@losskit/core';\nimport { multiclassPerceptron } from '@losskit/losses';\nconst loss = compile(multiclassPerceptron())([1, 0], [[10, 3], [11, -2]]); // mean of [7, 0]",
  dsl: 'yPred().max().minus(yPred().target())',
});
