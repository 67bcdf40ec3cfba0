import { classConstant, defineEntry, type Expr, logit, LosskitError, params, yTrue } from '@losskit/core';
import { classBalancedWeights } from './classBalanced.js';
import { checkCounts } from './classCounts.js';

/** Options of {@link ldam}. */
export interface LdamOptions {
  /** Training examples per class, `n_j ≥ 1`. Required. */
  readonly classCounts: readonly number[];
  /** Largest margin (that of the rarest class). Default 0.5. */
  readonly maxMargin?: number;
  /** Logit scale s > 0 applied after the margin. Default 30. */
  readonly s?: number;
  /** Per-class weights `w_j` multiplying each sample's loss (`w_y`), e.g. from {@link drwWeights}. Default none. */
  readonly classWeights?: readonly number[];
}

/** LDAM margins `m_j = C/n_j^{1/4}`, with C chosen so that `max_j m_j = maxMargin`. */
export function ldamMargins(classCounts: readonly number[], maxMargin = 0.5): number[] {
  const counts = checkCounts(classCounts);
  params.positive('maxMargin', maxMargin);
  const raw = counts.map((n) => 1 / Math.sqrt(Math.sqrt(n)));
  const top = Math.max(...raw);
  return raw.map((m) => (m * maxMargin) / top);
}

/**
 * LDAM loss: cross-entropy on the scaled logits with a class-dependent margin subtracted from the
 * target logit, `ℓ = -log softmax(s (z - m_y e_y))_y`, `m_j = C/n_j^{1/4}` with `max_j m_j = 0.5`,
 * s = 30. The paper feeds it cosine logits (a normalized last layer, |z| ≤ 1); here the logits are
 * whatever the model outputs. Optional `classWeights` multiply each sample's loss by `w_y`: pass
 * `drwWeights(...)` to get the deferred re-weighting (DRW) schedule. Logits `[B, C]` → `[B]`.
 *
 * @example `compile(ldam({ classCounts: [5000, 500, 50] }))(labels, logits)`
 * @see Cao, Wei, Gaidon, Arechiga, Ma, "Learning Imbalanced Datasets with Label-Distribution-Aware Margin Loss", NeurIPS 2019.
 */
export function ldam(options: LdamOptions): Expr<'sample', 'logits'> {
  const margins = ldamMargins(options?.classCounts, options?.maxMargin ?? 0.5);
  const s = params.positive('s', options?.s ?? 30);
  const h = logit().minus(yTrue().times(classConstant(margins, 'm'))).scale(s);
  const loss = h.logSumExp().minus(h.target());
  if (options.classWeights === undefined) return loss;
  if (options.classWeights.length !== margins.length) {
    throw new LosskitError('INVALID_PARAMETER', 'one class weight per class', {
      argument: 'classWeights',
      expected: `${margins.length} numbers (as many as classCounts)`,
      received: `${options.classWeights.length} numbers`,
    });
  }
  return loss.times(classConstant(options.classWeights, 'w').target());
}

/** Options of {@link drwWeights}. */
export interface DrwOptions {
  /** Training examples per class. Required. */
  readonly classCounts: readonly number[];
  /** Current epoch (0-based). */
  readonly epoch: number;
  /** First epoch with re-weighting. Default 160 (of 200, the paper's CIFAR schedule). */
  readonly startEpoch?: number;
  /** β of the effective number of samples. Default 0.9999. */
  readonly beta?: number;
}

/**
 * Deferred re-weighting (DRW) for LDAM: all-ones class weights before `startEpoch`, then the
 * class-balanced weights `w_j ∝ (1 - β)/(1 - β^{n_j})` normalized to sum to C (see
 * {@link classBalancedWeights}). Call it once per epoch and rebuild the loss with
 * `ldam({ classCounts, classWeights: drwWeights({ classCounts, epoch }) })` (compile is cheap).
 * Defaults (start 160 of 200 epochs, β = 0.9999) follow the authors' CIFAR code.
 *
 * @example `drwWeights({ classCounts: [5000, 50], epoch: 170 })` → `[~0.02, ~1.98]`
 */
export function drwWeights(options: DrwOptions): number[] {
  const counts = checkCounts(options?.classCounts);
  const epoch = params.nonNegative('epoch', options.epoch);
  const start = params.nonNegative('startEpoch', options.startEpoch ?? 160);
  const weights = classBalancedWeights({ classCounts: counts, beta: options.beta ?? 0.9999 });
  return epoch < start ? counts.map(() => 1) : weights;
}

export const ldamEntry = defineEntry({
  id: 'ldam',
  name: 'LDAM loss (with DRW)',
  package: '@losskit/losses',
  export: 'ldam',
  category: 'classification',
  summary: 'Cross-entropy with a class-size-dependent margin C/n_y^{1/4} on the target logit, scaled by s.',
  formula: '-\\log \\frac{e^{s(z_y - m_y)}}{e^{s(z_y - m_y)} + \\sum_{j\\neq y} e^{s z_j}},\\quad m_j = \\frac{C}{n_j^{1/4}},\\ \\max_j m_j = 0.5',
  inputs: 'logits [B, C]; labels [B] or one-hot targets [B, C]',
  params: [
    { name: 'classCounts', default: null, range: 'numbers >= 1, one per class', description: 'Training examples per class; required.' },
    { name: 'maxMargin', default: 0.5, range: { min: 0, minExclusive: true }, description: 'Margin of the rarest class.' },
    { name: 's', default: 30, range: { min: 0, minExclusive: true }, description: 'Logit scale.' },
    { name: 'classWeights', default: null, range: 'one finite number per class', description: 'Per-class loss weights (DRW: drwWeights()).' },
  ],
  paper: {
    title: 'Learning Imbalanced Datasets with Label-Distribution-Aware Margin Loss',
    authors: 'Kaidi Cao, Colin Wei, Adrien Gaidon, Nikos Arechiga, Tengyu Ma',
    year: 2019,
    url: 'arXiv:1906.07413',
  },
  example:
    "import { compile } from '@losskit/core';\nimport { ldam, drwWeights } from '@losskit/losses';\nconst classCounts = [500, 50, 5];\nconst loss = compile(ldam({ classCounts, classWeights: drwWeights({ classCounts, epoch: 170 }) }));\nloss([0, 2], [[0.9, 0.1, 0], [0, 0.1, 0.3]]);",
  dsl: "ldam({ classCounts: [500, 50, 5] })",
});
