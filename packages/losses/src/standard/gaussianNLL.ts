import { type Expr, input, params, square } from '@losskit/core';
import { standardEntry } from './entry.js';

/** Options of {@link gaussianNLL}. */
export interface GaussianNLLOptions {
  /** Variance floor: the value is `max(var, eps)` but the gradient passes straight through (torch). Default 1e-6. */
  readonly eps?: number;
  /** Add the constant `½ log 2π`. Default false (torch). */
  readonly full?: boolean;
}

/**
 * Gaussian negative log-likelihood, torch `GaussianNLLLoss`, averaged over the last axis, one value per sample:
 * `l = (1/C) Σ_j ½ (log v_j + (ŷ_j - y_j)² / v_j) [+ ½ log 2π]`, with `v = max(var, eps)` clamped as torch
 * does it (in `no_grad`, so the gradient flows as if unclamped). The variance is the extra input `var`.
 * Shapes: mean `yPred` `[B, C]`, targets `[B, C]`, `inputs.var` `[B, C]` (or `[C]`, shared) → `[B]`.
 *
 * @example compile(gaussianNLL())(targets, means, { inputs: { var: variances } })
 * @see Nix, Weigend, "Estimating the mean and variance of the target probability distribution" (1994); torch.nn.GaussianNLLLoss.
 */
export function gaussianNLL(options: GaussianNLLOptions = {}): Expr<'sample', 'any'> {
  const eps = params.positive('eps', options.eps ?? 1e-6);
  const v = input('var', 'class');
  const clamped = v.plus(v.maximum(eps).minus(v).detach());
  const nll = clamped.log().plus(square().div(clamped)).scale(0.5);
  return (params.boolean('full', options.full ?? false) ? nll.plus(0.5 * Math.log(2 * Math.PI)) : nll).mean();
}

export const gaussianNLLEntry = standardEntry({
  id: 'gaussian-nll',
  name: 'Gaussian negative log-likelihood',
  export: 'gaussianNLL',
  category: 'regression',
  summary: 'Heteroscedastic Gaussian NLL with a predicted variance input (torch GaussianNLLLoss).',
  formula: '\\frac{1}{C}\\sum_j \\tfrac12\\left(\\log v_j + \\frac{(\\hat y_j - y_j)^2}{v_j}\\right),\\ v = \\max(\\sigma^2, \\epsilon)',
  inputs: 'means [B, C], targets [B, C], inputs.var [B, C]',
  params: [
    { name: 'eps', default: 1e-6, range: { min: 0, minExclusive: true }, description: 'Variance floor (straight-through clamp).' },
    { name: 'full', default: false, description: 'Add ½ log 2π.' },
  ],
  paper: { title: 'Estimating the mean and variance of the target probability distribution', authors: 'David A. Nix, Andreas S. Weigend', year: 1994 },
  example: "import { compile } from '@losskit/core';\nimport { gaussianNLL } from '@losskit/losses';\nconst loss = compile(gaussianNLL())([[1]], [[0.5]], { inputs: { var: [[0.2]] } });",
  dsl: "gaussianNLL({ eps: 1e-6 })",
});
