import { type Expr, params, yPred, yTrue } from '@losskit/core';
import { TORCH, standardEntry } from './entry.js';

/** Options of {@link poissonNLL}. */
export interface PoissonNLLOptions {
  /** `yPred` is the log-rate (`exp(x) − y x`). Default true (torch). `false`: the rate itself (`x − y log(x + eps)`). */
  readonly logInput?: boolean;
  /** Add Stirling's approximation `y log y − y + ½ log(2π y)` of `log y!` where `y > 1`. Default false. */
  readonly full?: boolean;
  /** Added to the rate under the log when `logInput` is false. Default 1e-8. */
  readonly eps?: number;
}

/**
 * Poisson negative log-likelihood, torch `PoissonNLLLoss`, elementwise then averaged over the last axis (one value
 * per sample): `exp(x) − y x` (`logInput`, default) or `x − y log(x + eps)`, plus with `full` Stirling's term
 * `y log y − y + ½ log(2π y)` for targets `y > 1` (0 for `y ≤ 1`, as torch masks it).
 * Shapes: log-rates or rates `[B, C]`, counts `[B, C]` → `[B]`.
 *
 * @example compile(poissonNLL({ full: true }))(counts, logRates)
 * @see torch.nn.PoissonNLLLoss.
 */
export function poissonNLL(options: PoissonNLLOptions = {}): Expr<'sample', 'any'> {
  const logInput = params.boolean('logInput', options.logInput ?? true);
  const full = params.boolean('full', options.full ?? false);
  const eps = params.positive('eps', options.eps ?? 1e-8);
  const x = yPred();
  const y = yTrue();
  const nll = logInput ? x.exp().minus(y.times(x)) : x.minus(y.times(x.plus(eps).log()));
  if (!full) return nll.mean();
  // Stirling's term on max(y, 1) (finite logs), kept only where y > 1 (relu(y − 1) ≠ 0).
  const s = y.maximum(1);
  const stirling = s.times(s.log()).minus(s).plus(s.scale(2 * Math.PI).log().scale(0.5)).where(y.minus(1).relu());
  return nll.plus(stirling).mean();
}

export const poissonNLLEntry = standardEntry({
  id: 'poisson-nll',
  name: 'Poisson negative log-likelihood',
  export: 'poissonNLL',
  category: 'regression',
  summary: 'Poisson NLL of counts given log-rates (or rates), with Stirling\'s term for log y! (torch PoissonNLLLoss).',
  formula: '\\frac{1}{C}\\sum_j e^{x_j} - y_j x_j \\;\\left[+\\, y_j\\log y_j - y_j + \\tfrac12\\log(2\\pi y_j)\\right]_{y_j > 1}',
  inputs: 'log-rates [B, C] (or rates with logInput: false), counts [B, C]',
  params: [
    { name: 'logInput', default: true, description: 'yPred is the log-rate.' },
    { name: 'full', default: false, description: 'Add Stirling\'s approximation of log y! where y > 1.' },
    { name: 'eps', default: 1e-8, range: { min: 0, minExclusive: true }, description: 'Added to the rate under the log (logInput: false).' },
  ],
  paper: TORCH,
  example: "import { compile } from '@losskit/core';\nimport { poissonNLL } from '@losskit/losses';\nconst loss = compile(poissonNLL())([[2, 0, 5]], [[0.5, -1, 1.7]]);",
  dsl: 'poissonNLL({ logInput: true, full: false, eps: 1e-8 })',
});
