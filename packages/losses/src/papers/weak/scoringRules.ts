import { type Expr, ce, constant, defineEntry, prob, yTrue } from '@losskit/core';

/**
 * Brier score (quadratic scoring rule), one value per sample: `Σ_j (p_j − y_j)²`, in [0, 2] for a one-hot target.
 * Strictly proper. `p` is exact for any finite logits, ties of huge logits included (`[1e30, 1e30, 0]` gives
 * `p = [½, ½, 0]`).
 *
 * @example `compile(brierScore())(labels, logits)`
 * @see Brier, "Verification of Forecasts Expressed in Terms of Probability", Monthly Weather Review 1950;
 *   Gneiting, Raftery, "Strictly Proper Scoring Rules, Prediction, and Estimation", JASA 2007.
 */
export function brierScore(): Expr<'sample', 'any'> {
  return prob().minus(yTrue()).pow(2).sum();
}

/**
 * Spherical scoring rule as a loss, one value per sample: `1 − Σ_j y_j p_j / ‖p‖₂` (the spherical score
 * `p_y / ‖p‖₂` turned into a non-negative loss, 0 at a perfect one-hot prediction). Strictly proper. Invariant
 * to the scale of `p`, so it stays exact at ties of huge logits even where `exp(z − logsumexp(z))` is not normalised.
 *
 * @example `compile(sphericalScore())(labels, logits)`
 * @see Gneiting, Raftery, "Strictly Proper Scoring Rules, Prediction, and Estimation", JASA 2007.
 */
export function sphericalScore(): Expr<'sample', 'any'> {
  return constant(1, 'sample').minus(prob().target().div(prob().pow(2).sum().sqrt()));
}

/**
 * Logarithmic scoring rule, one value per sample: `−log p_y` (= cross-entropy). Strictly proper and local.
 *
 * @example `compile(logScore())(labels, logits)`
 * @see Good, "Rational Decisions", JRSS B 1952; Gneiting, Raftery (2007).
 */
export function logScore(): Expr<'sample', 'any'> {
  return ce();
}

const gr = { title: 'Strictly Proper Scoring Rules, Prediction, and Estimation', authors: 'Gneiting, Raftery', year: 2007 };
const shared = { package: '@losskit/losses', category: 'scoring-rule', inputs: 'logits or probabilities [B, C], labels [B] or targets [B, C]', params: [], paper: gr } as const;

export const brierScoreEntry = defineEntry({
  ...shared,
  id: 'brier-score',
  name: 'Brier score',
  export: 'brierScore',
  summary: 'Quadratic proper scoring rule: squared distance between probabilities and the target.',
  formula: '\\ell = \\sum_j (p_j - y_j)^2',
  example: "import { compile } from '@losskit/core';\nimport { brierScore } from '@losskit/losses';\ncompile(brierScore())([0], [[2, 0, 0]]).print();",
  dsl: 'prob().minus(yTrue()).pow(2).sum()',
});

export const sphericalScoreEntry = defineEntry({
  ...shared,
  id: 'spherical-score',
  name: 'Spherical score',
  export: 'sphericalScore',
  summary: 'Spherical proper scoring rule as a loss: one minus the target probability over the L2 norm of p.',
  formula: '\\ell = 1 - \\frac{\\sum_j y_j p_j}{\\lVert p \\rVert_2}',
  example: "import { compile } from '@losskit/core';\nimport { sphericalScore } from '@losskit/losses';\ncompile(sphericalScore())([0], [[2, 0, 0]]).print();",
  dsl: 'constant(1, "sample").minus(prob().target().div(prob().pow(2).sum().sqrt()))',
});

export const logScoreEntry = defineEntry({
  ...shared,
  id: 'log-score',
  name: 'Logarithmic score',
  export: 'logScore',
  summary: 'Logarithmic proper scoring rule, the negative log-probability of the outcome (cross-entropy).',
  formula: '\\ell = -\\log p_y',
  example: "import { compile } from '@losskit/core';\nimport { logScore } from '@losskit/losses';\ncompile(logScore())([0], [[2, 0, 0]]).print();",
  dsl: 'ce()',
});
