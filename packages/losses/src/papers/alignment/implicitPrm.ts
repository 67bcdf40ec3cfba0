import { type Expr, defineEntry, input, params, yPred } from '@losskit/core';
import { inputName, rangedInput, rangedTargets } from '../checkedInputs.js';

/** Options of {@link implicitPrm}. */
export interface ImplicitPrmOptions {
  /** Reward scale β > 0 of `r = β log(π/π_ref)`. Default 0.05 (PRIME's `beta_train`, same authors). */
  readonly beta?: number;
  /** Input holding the reference model's token log-probabilities `[B, T]`. Default `reference`. */
  readonly reference?: string;
  /** Input holding each response's outcome label `l ∈ [0, 1]`, `[B]`. Default `label`. */
  readonly label?: string;
}

/**
 * Implicit-PRM cross-entropy, one value per response: the outcome reward is parameterized as
 * `r = β Σ_t m_t (log π_θ(y_t | y_<t) − log π_ref(y_t | y_<t))` and trained with binary cross-entropy against the
 * response-level label `l`: `ℓ = −[l log σ(r) + (1 − l) log(1 − σ(r))] = l·softplus(−r) + (1 − l)·softplus(r)`
 * (stable for any `r`). After training, the partial sums `q_t = β Σ_{i≤t} log(π_θ/π_ref)` are the implicit process
 * rewards (the step reward is `β log(π_θ(y_t)/π_ref(y_t))`). Inputs: `yPred` the policy's log-probabilities of the
 * response tokens `[B, T]`, `yTrue` the response mask `m` `[B, T]` (1 on response tokens, 0 on padding; values in [0, 1]), `inputs.reference`
 * `[B, T]` and `inputs.label` `[B]` (values in [0, 1]; soft labels allowed, as PRIME's accuracies).
 * Checked against the authors' README (PRIME-RL/ImplicitPRM, the CE objective; its printed formula omits the minus
 * sign of a loss) and PRIME's `compute_ce_dpo_loss_rm`: `binary_cross_entropy(sigmoid(β Σ_t mask·(logp − logp_ref)), acc)`.
 *
 * @example `compile(implicitPrm({ beta: 0.05 }))(mask, policyLogProbs, { inputs: { reference, label } })`
 * @see Yuan, Li, Chen, Cui, Ding, Zhang, Zhou, Liu, Peng, "Free Process Rewards without Process Labels", ICML 2025.
 */
export function implicitPrm(options: ImplicitPrmOptions = {}): Expr<'sample', 'any'> {
  const beta = params.positive('beta', options.beta ?? 0.05);
  const reference = inputName('reference', options.reference, 'reference');
  const labelName = inputName('label', options.label, 'label');
  const r = yPred().minus(input(reference, 'class')).times(rangedTargets(0, 1)).sum().scale(beta);
  const l = rangedInput(labelName, 'sample', 0, 1);
  return r.neg().softplus().times(l).plus(r.softplus().times(l.neg().plus(1)));
}

export const implicitPrmEntry = defineEntry({
  id: 'implicit-prm',
  name: 'Implicit PRM (cross-entropy on β log π/π_ref)',
  package: '@losskit/losses',
  export: 'implicitPrm',
  category: 'alignment',
  summary: 'Outcome-label cross-entropy on the reward β·Σ log(π/π_ref); the trained log-ratio then gives free per-step process rewards.',
  formula: '\\ell = -\\left[l \\log \\sigma(r) + (1-l)\\log(1-\\sigma(r))\\right],\\ r = \\beta \\sum_t m_t \\log\\frac{\\pi_\\theta(y_t\\mid y_{<t})}{\\pi_{\\mathrm{ref}}(y_t\\mid y_{<t})}',
  inputs: 'policy token log-probs [B, T] as yPred, response mask [B, T] as yTrue; inputs.reference [B, T], inputs.label [B] in [0, 1]',
  params: [
    { name: 'beta', default: 0.05, range: { min: 0, minExclusive: true }, description: 'reward scale β' },
    { name: 'reference', default: 'reference', range: 'input name', description: 'input with the reference log-probs' },
    { name: 'label', default: 'label', range: 'input name', description: 'input with the outcome labels' },
  ],
  paper: { title: 'Free Process Rewards without Process Labels', authors: 'Lifan Yuan, Wendi Li, Huayu Chen, Ganqu Cui, Ning Ding, Kaiyan Zhang, Bowen Zhou, Zhiyuan Liu, Hao Peng', year: 2025, url: 'arXiv:2412.01981' },
  example:
    "import { compile } from '@losskit/core';\nimport { implicitPrm } from '@losskit/losses';\nconst mask = [[1, 1, 1], [1, 1, 0]];\nconst policy = [[-0.2, -1.1, -0.4], [-2.0, -0.3, 0]];\nconst reference = [[-0.5, -1.0, -0.9], [-1.2, -0.8, 0]];\ncompile(implicitPrm({ beta: 0.05 }))(mask, policy, { inputs: { reference, label: [1, 0] } }).print();",
  dsl: 'implicitPrm({ beta: 0.05 })',
});
