import { type Expr, type Needs, defineEntry, input, params } from '@losskit/core';
import { sampleLoss } from '../../validate.js';

/**
 * Per-sample weights for any loss: `w_i · ℓ_i`, with `w` from the sample-level input `name` (default `weight`).
 * Unlike compile's `sampleWeight`, this composes inside an expression (e.g. weight only one term).
 *
 * @example `compile(weighted(ce()).plus(entropy()))(labels, logits, { inputs: { weight } })`
 */
export function weighted<K extends Needs>(loss: Expr<'sample', K>, options: { readonly name?: string } = {}): Expr<'sample', K> {
  return sampleLoss(loss, 'weighted').times(input(options.name ?? 'weight', 'sample')) as Expr<'sample', K>;
}

/**
 * Per-sample mask for any loss: `ℓ_i` where `m_i ≠ 0`, else 0, with `m` from the sample-level input `name`
 * (default `mask`). With `normalize: true` it is batch level, `Σ_i m_i ℓ_i / max(Σ_i m_i, 1)`: for a 0/1 mask, the mean over the kept samples (0 if none).
 *
 * @example `compile(masked(entropy(), { normalize: true }))(zeros, logits, { inputs: { mask } })`
 */
export function masked<K extends Needs>(loss: Expr<'sample', K>, options: { readonly name?: string; readonly normalize?: false }): Expr<'sample', K>;
export function masked<K extends Needs>(loss: Expr<'sample', K>, options: { readonly name?: string; readonly normalize: true }): Expr<'batch', K>;
export function masked<K extends Needs>(loss: Expr<'sample', K>): Expr<'sample', K>;
export function masked<K extends Needs>(loss: Expr<'sample', K>, options: { readonly name?: string; readonly normalize?: boolean } = {}): Expr<'sample' | 'batch', K> {
  sampleLoss(loss, 'masked');
  const normalize = params.boolean('normalize', options.normalize ?? false);
  const m = input(options.name ?? 'mask', 'sample');
  const kept = loss.where(m);
  if (!normalize) return kept as Expr<'sample', K>;
  return loss.times(m).sum().div(m.sum().maximum(1)) as Expr<'batch', K>;
}

export const weightedEntry = defineEntry({
  id: 'weighted',
  name: 'Per-sample weights',
  package: '@losskit/losses',
  export: 'weighted',
  category: 'combinator',
  summary: 'Multiplies any per-sample loss by per-sample weights given as an input.',
  formula: '\\ell_i \\mapsto w_i\\,\\ell_i',
  inputs: 'any sample-level loss; inputs.weight [B]',
  params: [{ name: 'name', default: 'weight', range: 'input name', description: 'input holding the weights' }],
  example: "import { ce, compile } from '@losskit/core';\nimport { weighted } from '@losskit/losses';\ncompile(weighted(ce()))([0, 1], [[2, 0], [0, 2]], { inputs: { weight: [1, 0.5] } }).print();",
  dsl: "weighted(ce())",
});

export const maskedEntry = defineEntry({
  id: 'masked',
  name: 'Per-sample mask',
  package: '@losskit/losses',
  export: 'masked',
  category: 'combinator',
  summary: 'Keeps a per-sample loss where a mask is non-zero; optionally the weighted mean over kept samples.',
  formula: '\\ell_i \\mapsto \\mathbb{1}[m_i \\ne 0]\\,\\ell_i\\quad\\text{or}\\quad \\frac{\\sum_i m_i \\ell_i}{\\max(\\sum_i m_i, 1)}',
  inputs: 'any sample-level loss; inputs.mask [B]',
  params: [
    { name: 'name', default: 'mask', range: 'input name', description: 'input holding the mask' },
    { name: 'normalize', default: false, description: 'batch-level mean over kept samples' },
  ],
  example: "import { entropy, compile } from '@losskit/core';\nimport { masked } from '@losskit/losses';\ncompile(masked(entropy()))([0, 0], [[2, 0], [0, 0]], { inputs: { mask: [1, 0] } }).print();",
  dsl: "masked(entropy())",
});
