import { type Expr, type Needs, defineEntry, input, params } from '@losskit/core';
import { sampleLoss } from '../../validate.js';

/** Options of {@link uncertaintyWeighted}. */
export interface UncertaintyWeightedOptions<K extends Needs = 'any'> {
  /** Weight λ of the uncertainty regularizer. Default 1 (our choice; Ctrl-U's value was not pinned down). */
  readonly lambda?: number;
  /** The per-sample uncertainty U: a sample-level expression, or the name of a sample-level input. Default input `uncertainty`. */
  readonly uncertainty?: Expr<'sample', K> | string;
}

/**
 * Uncertainty weighting of any per-sample loss: `L / exp(U) + λ U`, so samples with a large uncertainty U
 * (in Ctrl-U, the discrepancy of the reward model between two generations) are down-weighted, and λU stops U
 * from growing without bound. Gradients flow into U when it is an expression of the prediction; an input has none.
 * Shapes: sample level in, sample level out.
 *
 * @example `compile(uncertaintyWeighted(ce(), { lambda: 1 }))(labels, logits, { inputs: { uncertainty } })`
 * @see Ctrl-U: "Robust Conditional Image Generation via Uncertainty-aware Reward Modeling" (2025); the same form as
 *   Kendall, Gal, Cipolla, "Multi-Task Learning Using Uncertainty to Weigh Losses" (2018).
 */
export function uncertaintyWeighted<K1 extends Needs, K2 extends Needs = 'any'>(
  loss: Expr<'sample', K1>,
  options: UncertaintyWeightedOptions<K2> = {},
): Expr<'sample', K1 | K2> {
  sampleLoss(loss, 'uncertaintyWeighted');
  const lambda = params.nonNegative('lambda', options.lambda ?? 1);
  // The needs kind is recomputed from the arguments at build time; the cast only widens the type parameter.
  const u = (typeof options.uncertainty === 'object' ? options.uncertainty : input(options.uncertainty ?? 'uncertainty', 'sample')) as Expr<'sample', 'any'>;
  return loss.times(u.neg().exp()).plus(u.scale(lambda)) as Expr<'sample', K1 | K2>;
}

export const uncertaintyWeightedEntry = defineEntry({
  id: 'uncertainty-weighted',
  name: 'Uncertainty weighting (Ctrl-U)',
  package: '@losskit/losses',
  export: 'uncertaintyWeighted',
  category: 'combinator',
  summary: 'Down-weights a per-sample loss by exp(−U) and regularizes the uncertainty U.',
  formula: '\\ell_i = \\frac{L_i}{e^{U_i}} + \\lambda U_i',
  inputs: 'any sample-level loss; U as an expression or inputs.uncertainty [B]',
  params: [{ name: 'lambda', default: 1, range: { min: 0 }, description: 'weight of U' }],
  paper: { title: 'Ctrl-U: Robust Conditional Image Generation via Uncertainty-aware Reward Modeling', year: 2025 },
  example: "import { ce, compile } from '@losskit/core';\nimport { uncertaintyWeighted } from '@losskit/losses';\ncompile(uncertaintyWeighted(ce()))([0], [[2, 0]], { inputs: { uncertainty: [0.5] } }).print();",
  dsl: "uncertaintyWeighted(ce(), { lambda: 1 })",
});
