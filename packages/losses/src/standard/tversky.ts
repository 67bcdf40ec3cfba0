import { type Expr, LosskitError, params, yPred, yTrue } from '@losskit/core';
import { standardEntry } from './entry.js';
import { KERAS_EPSILON } from './primitives.js';

/** Over what a set-overlap loss (Tversky, Dice) sums: the whole batch (Keras `axis=None`) or each sample's last axis. */
export type OverlapScope = 'batch' | 'sample';

/** Options of {@link tversky}. */
export interface TverskyOptions {
  /** Weight of the false positives `FP = Σ (1 - y) ŷ` (predicted where the target is 0). Default 0.5. */
  readonly alpha?: number;
  /** Weight of the false negatives `FN = Σ y (1 - ŷ)` (missed where the target is 1). Default 0.5. */
  readonly beta?: number;
  /** `batch` (default, Keras `axis=None`): one scalar over every element; `sample`: one value per sample. */
  readonly scope?: OverlapScope;
}

/**
 * Tversky loss: `1 - I / (I + α FP + β FN + 1e-7)` with `I = Σ y ŷ`, false positives `FP = Σ (1-y) ŷ` and
 * false negatives `FN = Σ y (1-ŷ)` (Salehi et al.'s `|P \ G|` and `|G \ P|`; Keras after keras-team/keras#23333,
 * which fixed Keras' own swap of the two). α > β penalises false positives more. The sums run over the
 * whole batch by default (Keras `axis=None`: a batch-level scalar, which the reduction leaves as is), or
 * over each sample's classes with `scope: 'sample'`. Nothing is clipped, so unnormalised `ŷ` can make it
 * negative (as in Keras). α = β = 0.5 is the Dice loss (up to ε).
 *
 * @example compile(tversky({ alpha: 0.3, beta: 0.7 }), { from: 'probs' })(masks, probs)
 * @see Salehi, Erdogmus, Gholipour, "Tversky loss function for image segmentation using 3D fully convolutional deep networks" (2017).
 */
export function tversky(options?: TverskyOptions & { readonly scope?: 'batch' }): Expr<'batch', 'any'>;
export function tversky(options: TverskyOptions & { readonly scope: 'sample' }): Expr<'sample', 'any'>;
export function tversky(options: TverskyOptions = {}): Expr<'batch' | 'sample', 'any'> {
  const alpha = params.nonNegative('alpha', options.alpha ?? 0.5);
  const beta = params.nonNegative('beta', options.beta ?? 0.5);
  const scope = checkScope(options.scope);
  const over = (x: Expr<'class', 'any'>) => (scope === 'batch' ? x.sum().sum() : x.sum());
  const y = yTrue();
  const p = yPred();
  const inter = over(y.times(p)) as Expr<'sample', 'any'>;
  const fp = over(p.times(y.neg().plus(1))) as Expr<'sample', 'any'>;
  const fn = over(y.times(p.neg().plus(1))) as Expr<'sample', 'any'>;
  return inter.div(inter.plus(fp.scale(alpha)).plus(fn.scale(beta)).plus(KERAS_EPSILON)).neg().plus(1);
}

/** Validates a {@link OverlapScope}. */
export function checkScope(scope: OverlapScope | undefined): OverlapScope {
  const s = scope ?? 'batch';
  if (s !== 'batch' && s !== 'sample') {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'scope', expected: "'batch' or 'sample'", received: String(scope) });
  }
  return s;
}

export const tverskyEntry = standardEntry({
  id: 'tversky',
  name: 'Tversky loss',
  export: 'tversky',
  category: 'segmentation',
  summary: 'Set-overlap loss weighting false positives by α and false negatives by β; sums over the whole batch by default (Keras Tversky).',
  formula: '1 - \\frac{\\sum y\\hat y}{\\sum y\\hat y + \\alpha\\sum (1-y)\\hat y + \\beta\\sum y(1-\\hat y) + \\epsilon}',
  inputs: 'probabilities [B, C], binary masks [B, C]',
  params: [
    { name: 'alpha', default: 0.5, range: { min: 0 }, description: 'Weight of the false positives Σ (1 − y)ŷ.' },
    { name: 'beta', default: 0.5, range: { min: 0 }, description: 'Weight of the false negatives Σ y(1 − ŷ).' },
    { name: 'scope', default: 'batch', range: "'batch' | 'sample'", description: 'Sum over the whole batch (Keras axis=None) or per sample.' },
  ],
  paper: { title: 'Tversky loss function for image segmentation using 3D fully convolutional deep networks', authors: 'Seyed Sadegh Mohseni Salehi, Deniz Erdogmus, Ali Gholipour', year: 2017, url: 'https://arxiv.org/abs/1706.05721' },
  example: "import { compile } from '@losskit/core';\nimport { tversky } from '@losskit/losses';\nconst loss = compile(tversky({ alpha: 0.2, beta: 0.8 }), { from: 'probs' })([[1, 0]], [[0.8, 0.3]]);",
  dsl: "tversky({ alpha: 0.5, beta: 0.5, scope: 'batch' })",
});
