import { type Expr, ce, constant, defineEntry, entropy, params } from '@losskit/core';

/**
 * Label smoothing, one value per sample: CE against `ỹ = (1 − ε) y + ε / C`.
 *
 * @param options.epsilon ε ∈ [0, 1], the range of core's `ce({ labelSmoothing })` and Keras (ε = 1: the uniform target).
 *   Default 0.1 (the paper's value for ImageNet).
 * @example `compile(labelSmoothing({ epsilon: 0.1 }))(labels, logits)`
 * @see Szegedy, Vanhoucke, Ioffe, Shlens, Wojna, "Rethinking the Inception Architecture for Computer Vision", CVPR 2016.
 */
export function labelSmoothing(options: { readonly epsilon?: number } = {}): Expr<'sample', 'any'> {
  return ce({ labelSmoothing: params.closedUnitInterval('epsilon', options.epsilon ?? 0.1) });
}

/** Options of {@link confidencePenalty}. */
export interface ConfidencePenaltyOptions {
  /** Weight β. Default 0.1 (our choice: the paper tunes β per task). */
  readonly beta?: number;
  /** Entropy threshold Γ: when given, only entropies below Γ are penalized, `β·max(0, Γ − H)`. */
  readonly threshold?: number;
}

/**
 * Confidence penalty, one value per sample: `CE − β H(p)`, which discourages low-entropy (over-confident)
 * outputs; with a threshold Γ the penalty is `β · max(0, Γ − H(p))` (the paper's hinge variant; it differs
 * from `−β H` by a constant where active).
 * Shapes: logits `[B, C]`, labels `[B]` → `[B]`.
 *
 * @example `compile(confidencePenalty({ beta: 0.1 }))(labels, logits)`
 * @see Pereyra, Tucker, Chorowski, Kaiser, Hinton, "Regularizing Neural Networks by Penalizing Confident Output Distributions", ICLR workshop 2017.
 */
export function confidencePenalty(options: ConfidencePenaltyOptions = {}): Expr<'sample', 'any'> {
  const beta = params.nonNegative('beta', options.beta ?? 0.1);
  if (options.threshold === undefined) return ce().minus(entropy().scale(beta));
  const gamma = params.nonNegative('threshold', options.threshold);
  return ce().plus(constant(gamma, 'sample').minus(entropy()).relu().scale(beta));
}

export const labelSmoothingEntry = defineEntry({
  id: 'label-smoothing',
  name: 'Label smoothing',
  package: '@losskit/losses',
  export: 'labelSmoothing',
  category: 'confidence',
  summary: 'Cross-entropy against targets mixed with the uniform distribution.',
  formula: '\\ell = -\\sum_j \\left((1-\\varepsilon) y_j + \\tfrac{\\varepsilon}{C}\\right)\\log p_j',
  inputs: 'logits [B, C], labels [B] or targets [B, C]',
  params: [{ name: 'epsilon', default: 0.1, range: { min: 0, max: 1 }, description: 'smoothing ε' }],
  paper: { title: 'Rethinking the Inception Architecture for Computer Vision', authors: 'Szegedy, Vanhoucke, Ioffe, Shlens, Wojna', year: 2016, url: 'arXiv:1512.00567' },
  example: "import { compile } from '@losskit/core';\nimport { labelSmoothing } from '@losskit/losses';\ncompile(labelSmoothing())([0], [[2, 0, 0]]).print();",
  dsl: "ce({ labelSmoothing: 0.1 })",
});

export const confidencePenaltyEntry = defineEntry({
  id: 'confidence-penalty',
  name: 'Confidence penalty',
  package: '@losskit/losses',
  export: 'confidencePenalty',
  category: 'confidence',
  summary: 'Cross-entropy minus β times the entropy of the prediction (optionally hinged at a threshold Γ).',
  formula: '\\ell = \\mathrm{CE} - \\beta H(p)\\quad\\text{or}\\quad \\mathrm{CE} + \\beta\\max(0, \\Gamma - H(p))',
  inputs: 'logits [B, C], labels [B] or targets [B, C]',
  params: [
    { name: 'beta', default: 0.1, range: { min: 0 }, description: 'penalty weight' },
    { name: 'threshold', default: null, range: { min: 0 }, description: 'entropy threshold Γ (hinge variant)' },
  ],
  paper: { title: 'Regularizing Neural Networks by Penalizing Confident Output Distributions', authors: 'Pereyra, Tucker, Chorowski, Kaiser, Hinton', year: 2017, url: 'arXiv:1701.06548' },
  example: "import { compile } from '@losskit/core';\nimport { confidencePenalty } from '@losskit/losses';\ncompile(confidencePenalty({ beta: 0.1 }))([0], [[2, 0, 0]]).print();",
  dsl: "ce().minus(entropy().scale(0.1))",
});
