import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineEntry, defineOp, entropy, input, node, oneHotRows } from '@losskit/core';
import { softmaxParts, withoutGradient } from '../../standard/primitives.js';

/**
 * Entropy minimization (Tent), one value per sample: `H(p) = −Σ_j p_j log p_j`, from logits via log-softmax.
 * Shapes: `[B, C]` → `[B]`; labels are ignored (pass any valid labels, e.g. zeros).
 *
 * @example `compile(entropyMinimization())(zeros, logits)`
 * @see Wang, Shelhamer, Liu, Olshausen, Darrell, "Tent: Fully Test-Time Adaptation by Entropy Minimization", ICLR 2021.
 */
export function entropyMinimization(): Expr<'sample', 'any'> {
  return entropy();
}

const keepOp = defineOp<{ source: string }>({
  kind: 'confidenceNotDropped',
  evaluate: (c, a) => {
    // ŷ = argmax p_θ; keep when p_θ(ŷ) >= p_θ0(ŷ) (source-model probabilities given as an input).
    const p = softmaxParts(c).p;
    // The arg-max indicator is piecewise constant: computed off the tape (ArgMax's int32 output has no float gradient).
    const hard = withoutGradient(p, (x) => oneHotRows(tf.argMax(x, 1), c.numClasses));
    return tf.cast(tf.greaterEqual(tf.sum(tf.mul(p, hard), 1), tf.sum(tf.mul(a[0]!, hard), 1)), 'float32');
  },
  print: (a, _p, m) => (m === 'latex' ? `\\mathbb{1}\\left[p_{\\hat y} \\ge ${a[0]!.s}_{\\hat y}\\right]` : `1[p[ŷ] >= ${a[0]!.s}[ŷ]]`),
});

/** Options of {@link openSetEntropyMinimization}. */
export interface OpenSetEntropyOptions {
  /** Name of the input holding the frozen source model's probabilities `[B, C]`. Default `source`. */
  readonly source?: string;
}

/**
 * Entropy minimization filtered by the "wisdom of crowds", batch level: a sample is kept when the adapted
 * model's confidence in its own prediction did not drop below the frozen source model's,
 * `m_i = 1[p_θ(ŷ_i|x_i) ≥ p_θ0(ŷ_i|x_i)]` with `ŷ_i = argmax p_θ(x_i)`, and
 * `L = Σ_i m_i H(p_θ(x_i)) / max(Σ_i m_i, 1)` (0 when no sample is kept; the mask has no gradient).
 * Shapes: logits `[B, C]`, `inputs.source` probabilities `[B, C]` → scalar. Labels are ignored.
 * The paper combines the filter with an entropy threshold and other terms not pinned down here; this is the filter only.
 *
 * @example `compile(openSetEntropyMinimization())(zeros, logits, { inputs: { source: sourceProbs } })`
 * @see Lee, Jung, Lee, Park, Shin, Hwang, Yoon, "Towards Open-Set Test-Time Adaptation Utilizing the Wisdom of
 *   Crowds in Entropy Minimization", ICCV 2023.
 */
export function openSetEntropyMinimization(options: OpenSetEntropyOptions = {}): Expr<'batch', 'any'> {
  const keep = node<'sample'>(keepOp, 'sample', [input(options.source ?? 'source', 'class')], { source: options.source ?? 'source' });
  return entropy().times(keep).sum().div(keep.sum().maximum(1));
}

const paperTent = { title: 'Tent: Fully Test-Time Adaptation by Entropy Minimization', authors: 'Wang, Shelhamer, Liu, Olshausen, Darrell', year: 2021, url: 'arXiv:2006.10726' };

export const entropyMinimizationEntry = defineEntry({
  id: 'entropy-minimization',
  name: 'Entropy minimization (Tent)',
  package: '@losskit/losses',
  export: 'entropyMinimization',
  category: 'confidence',
  summary: 'Shannon entropy of the prediction, minimized at test time without labels.',
  formula: 'H(p) = -\\sum_j p_j \\log p_j',
  inputs: 'logits or probabilities [B, C]; labels ignored',
  params: [],
  paper: paperTent,
  example: "import { compile } from '@losskit/core';\nimport { entropyMinimization } from '@losskit/losses';\ncompile(entropyMinimization())([0, 0], [[2, 1, 0], [0, 0, 0]]).print();",
  dsl: 'entropy()',
});

export const openSetEntropyMinimizationEntry = defineEntry({
  id: 'open-set-entropy-minimization',
  name: 'Open-set entropy minimization (wisdom of crowds filter)',
  package: '@losskit/losses',
  export: 'openSetEntropyMinimization',
  category: 'confidence',
  summary: 'Entropy minimization on the samples whose confidence did not drop below the frozen source model.',
  formula: 'L = \\frac{\\sum_i m_i H(p_\\theta(x_i))}{\\max(\\sum_i m_i, 1)},\\ m_i = \\mathbb{1}[p_\\theta(\\hat y_i|x_i) \\ge p_{\\theta_0}(\\hat y_i|x_i)]',
  inputs: 'logits [B, C]; inputs.source: source-model probabilities [B, C]; labels ignored',
  params: [{ name: 'source', default: 'source', range: 'input name', description: 'input holding the source model probabilities' }],
  paper: { title: 'Towards Open-Set Test-Time Adaptation Utilizing the Wisdom of Crowds in Entropy Minimization', authors: 'Lee, Jung, Lee, Park, Shin, Hwang, Yoon', year: 2023, url: 'arXiv:2308.06879' },
  example: "import { compile } from '@losskit/core';\nimport { openSetEntropyMinimization } from '@losskit/losses';\nconst loss = compile(openSetEntropyMinimization());\nloss([0, 0], [[2, 1], [0, 1]], { inputs: { source: [[0.5, 0.5], [0.9, 0.1]] } }).print();",
  dsl: "openSetEntropyMinimization()",
});
