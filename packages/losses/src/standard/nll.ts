import { type Expr, yPred } from '@losskit/core';
import { TORCH, standardEntry } from './entry.js';
import { classWeights } from './primitives.js';

/** Options of {@link nll}. */
export interface NllOptions {
  /**
   * One weight per class (torch `weight`): the loss of a sample of class `y` is multiplied by `w_y`. An array, or a
   * class-level term such as `input('weight', 'class')` to pass the weights at call time. Default none.
   */
  readonly weight?: readonly number[] | Expr<'class', 'any'>;
}

/**
 * Negative log-likelihood, torch `NLLLoss`: `l = −w_y x_y`, where `x` holds log-probabilities as given (no softmax is
 * applied: pass `log_softmax` outputs; `yPred` is read as is, so compile with the default `from: 'logits'`).
 * torch's weighted `'mean'` divides by `Σ w_{y_i}`: compile with `reduction: 'weightedMean'` and
 * `sampleWeight` `w_{y_i}`, or use `/torch` `nllLoss`, which also has `ignoreIndex`.
 * Shapes: log-probabilities `[B, C]`, labels `[B]` → `[B]`.
 *
 * @example compile(nll({ weight: [1, 2, 0.5] }))([0, 2], logProbs)
 * @see torch.nn.NLLLoss.
 */
export function nll(options: NllOptions = {}): Expr<'sample', 'any'> {
  const loss = yPred().target().neg();
  return options.weight === undefined ? loss : loss.times(classWeights(options.weight, 'weight').target());
}

export const nllEntry = standardEntry({
  id: 'nll',
  name: 'Negative log-likelihood',
  export: 'nll',
  category: 'classification',
  summary: 'Minus the (class-weighted) log-probability of the target, read from log-probabilities as given (torch NLLLoss).',
  formula: '-w_y\\, x_y',
  inputs: 'log-probabilities [B, C], labels [B]',
  params: [{ name: 'weight', default: null, description: 'Per-class weights w (length C).' }],
  paper: TORCH,
  example: "import { compile } from '@losskit/core';\nimport { nll } from '@losskit/losses';\nconst loss = compile(nll())([0, 2], [[-0.4, -1.2, -2.3], [-2, -1.5, -0.4]]);",
  dsl: 'yPred().target().neg()',
});
