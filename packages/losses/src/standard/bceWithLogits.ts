import { type Expr, LosskitError, yPred, yTrue } from '@losskit/core';
import { TORCH, standardEntry } from './entry.js';
import { classWeights } from './primitives.js';

/** Options of {@link bceWithLogits}. */
export interface BceWithLogitsOptions {
  /**
   * Weight `p` of the positive term (torch `pos_weight`): one number for every class, or one per class (broadcast
   * along the last axis, as torch does). `p > 1` raises recall, `p < 1` precision. Default none (`p = 1`).
   */
  readonly posWeight?: number | readonly number[] | Expr<'class', 'any'>;
  /** One weight per class multiplying the whole elementwise loss (torch `weight` broadcast along the last axis): an array or a class-level term. Default none. */
  readonly weight?: readonly number[] | Expr<'class', 'any'>;
}

/**
 * Binary cross-entropy from logits with a positive-class weight, torch `BCEWithLogitsLoss(pos_weight=p, weight=w)`,
 * elementwise then averaged over the last axis (one value per sample):
 * `l = −w [p y log σ(x) + (1 − y) log σ(−x)] = w [(1 − y) x + (1 + (p − 1) y) softplus(−x)]`
 * (torch's stable form, `log_weight = 1 + (p − 1) y`; exact for any finite `x`). `y` may be soft (in [0, 1]).
 * Shapes: logits `[B, C]`, targets `[B, C]` → `[B]`.
 *
 * @example compile(bceWithLogits({ posWeight: [3, 1] }))([[1, 0]], [[0.5, -1]])
 * @see torch.nn.BCEWithLogitsLoss.
 */
export function bceWithLogits(options: BceWithLogitsOptions = {}): Expr<'sample', 'any'> {
  const x = yPred();
  const y = yTrue();
  const sp = x.neg().softplus();
  let logWeight: Expr<'class', 'any'> | undefined;
  const p = options.posWeight;
  if (typeof p === 'number') {
    if (!(p >= 0) || !Number.isFinite(p)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'posWeight', expected: 'a number >= 0 or one per class', received: String(p) });
    logWeight = y.scale(p - 1).plus(1);
  } else if (p !== undefined) {
    logWeight = classWeights(p, 'posWeight').minus(1).times(y).plus(1);
  }
  let loss = y.neg().plus(1).times(x).plus(logWeight ? logWeight.times(sp) : sp);
  if (options.weight !== undefined) loss = loss.times(classWeights(options.weight, 'weight'));
  return loss.mean();
}

export const bceWithLogitsEntry = standardEntry({
  id: 'bce-with-logits',
  name: 'Binary cross-entropy with logits (positive weight)',
  export: 'bceWithLogits',
  category: 'classification',
  summary: 'Sigmoid cross-entropy from logits with a weight on the positive term, per class or shared (torch BCEWithLogitsLoss pos_weight).',
  formula: '\\frac{1}{C}\\sum_j w_j\\left[(1 - y_j) x_j + (1 + (p_j - 1) y_j)\\log(1 + e^{-x_j})\\right]',
  inputs: 'logits [B, C], targets [B, C] in [0, 1]',
  params: [
    { name: 'posWeight', default: null, range: { min: 0 }, description: 'Weight p of the positive term (one number or one per class).' },
    { name: 'weight', default: null, description: 'Per-class weight w of the whole term (length C).' },
  ],
  paper: TORCH,
  example: "import { compile } from '@losskit/core';\nimport { bceWithLogits } from '@losskit/losses';\nconst loss = compile(bceWithLogits({ posWeight: [3, 1, 0.5] }))([[1, 0, 1], [0, 1, 0]], [[2, -1, 0.5], [-0.3, 1, -2]]);",
  dsl: 'bceWithLogits({ posWeight: [3, 1, 0.5] })',
});
