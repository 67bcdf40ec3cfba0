import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineEntry, defineOp, kl, logProb, node, params, prob, xlogx, yTrue } from '@losskit/core';
import { softmaxParts } from '../../standard/primitives.js';

/**
 * Forward Kullback-Leibler divergence from the target distribution to the prediction, one value per sample:
 * `KL(y ‖ p) = Σ_j y_j log(y_j / p_j)` (0 log 0 = 0). With one-hot targets it equals CE.
 * Shapes: logits or probabilities `[B, C]`, soft targets `[B, C]` (or labels `[B]`) → `[B]`.
 *
 * @example `compile(klDivergence())(softTargets, logits)`
 * @see Kullback, Leibler, "On Information and Sufficiency", Annals of Mathematical Statistics 1951.
 */
export function klDivergence(): Expr<'sample', 'any'> {
  return kl();
}

/**
 * Reverse KL divergence, one value per sample: `KL(p ‖ y) = Σ_j p_j (log p_j − log y_j)`, with the target
 * clipped to `[ε, 1]` inside the log (it is infinite where `y_j = 0 < p_j`). Mode-seeking.
 *
 * @param options.epsilon Target clip ε ∈ (0, 0.5). Default 1e-7 (as Keras' `kld`).
 * @example `compile(reverseKl())(softTargets, logits)`
 */
export function reverseKl(options: { readonly epsilon?: number } = {}): Expr<'sample', 'any'> {
  const eps = params.inRange('epsilon', options.epsilon ?? 1e-7, 1e-30, 0.5);
  return prob().times(logProb().minus(yTrue().clip(eps, 1).log())).sum();
}

const jsOp = defineOp({
  kind: 'jsDivergence',
  evaluate: (c) => {
    const t = c.yTrue();
    const { p, logp } = softmaxParts(c);
    const m = tf.mul(tf.add(t, p), 0.5);
    const logM = tf.log(tf.maximum(m, 1e-30));
    // ½ Σ [t log t − t log m] + ½ Σ [p log p − p log m]; p log p from the log-softmax, 0 log 0 = 0.
    const a = tf.sub(xlogx(t), tf.mul(t, logM));
    const b = tf.sub(tf.mul(p, logp), tf.mul(p, logM));
    return tf.mul(tf.sum(tf.add(a, b), -1), 0.5);
  },
  print: (_a, _p, m) => (m === 'latex' ? '\\mathrm{JS}(y \\,\\|\\, p)' : 'JS(y || p)'),
});

/**
 * Jensen-Shannon divergence, one value per sample: `JS(y, p) = ½ KL(y ‖ m) + ½ KL(p ‖ m)`, `m = (y + p)/2`;
 * symmetric, bounded by log 2, finite for ±1e4 logits.
 *
 * @example `compile(jsDivergence())(softTargets, logits)`
 * @see Lin, "Divergence Measures Based on the Shannon Entropy", IEEE Trans. Information Theory 1991.
 */
export function jsDivergence(): Expr<'sample', 'any'> {
  return node(jsOp, 'sample');
}

const shared = { package: '@losskit/losses', category: 'divergence', inputs: 'logits or probabilities [B, C], soft targets [B, C] or labels [B]' } as const;

export const klDivergenceEntry = defineEntry({
  ...shared,
  id: 'kl-divergence',
  name: 'KL divergence',
  export: 'klDivergence',
  summary: 'Forward KL from the target distribution to the prediction.',
  formula: '\\mathrm{KL}(y\\|p) = \\sum_j y_j \\log\\frac{y_j}{p_j}',
  params: [],
  paper: { title: 'On Information and Sufficiency', authors: 'Kullback, Leibler', year: 1951 },
  example: "import { compile } from '@losskit/core';\nimport { klDivergence } from '@losskit/losses';\ncompile(klDivergence())([[0.7, 0.3]], [[1, 0]]).print();",
  dsl: 'kl()',
});

export const reverseKlEntry = defineEntry({
  ...shared,
  id: 'reverse-kl',
  name: 'Reverse KL divergence',
  export: 'reverseKl',
  summary: 'KL from the prediction to the target (mode-seeking), target clipped at ε inside the log.',
  formula: '\\mathrm{KL}(p\\|y) = \\sum_j p_j \\log\\frac{p_j}{\\max(y_j, \\varepsilon)}',
  params: [{ name: 'epsilon', default: 1e-7, range: { min: 0, max: 0.5, minExclusive: true }, description: 'target clip ε' }],
  paper: { title: 'On Information and Sufficiency', authors: 'Kullback, Leibler', year: 1951 },
  example: "import { compile } from '@losskit/core';\nimport { reverseKl } from '@losskit/losses';\ncompile(reverseKl())([[0.7, 0.3]], [[1, 0]]).print();",
  dsl: "prob().times(logProb().minus(yTrue().clip(1e-7, 1).log())).sum()",
});

export const jsDivergenceEntry = defineEntry({
  ...shared,
  id: 'js-divergence',
  name: 'Jensen-Shannon divergence',
  export: 'jsDivergence',
  summary: 'Symmetric, bounded divergence: average KL of both distributions to their mixture.',
  formula: '\\mathrm{JS}(y,p) = \\tfrac12\\mathrm{KL}(y\\|m) + \\tfrac12\\mathrm{KL}(p\\|m),\\ m = \\tfrac{y+p}{2}',
  params: [],
  paper: { title: 'Divergence Measures Based on the Shannon Entropy', authors: 'Lin', year: 1991 },
  example: "import { compile } from '@losskit/core';\nimport { jsDivergence } from '@losskit/losses';\ncompile(jsDivergence())([[0.7, 0.3]], [[1, 0]]).print();",
  dsl: 'jsDivergence()',
});
