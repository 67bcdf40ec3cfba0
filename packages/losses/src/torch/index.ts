/**
 * `@losskit/losses/torch`: drop-ins for every loss of `torch.nn.functional` (torch 1.13), with torch's names in
 * camelCase (`cross_entropy` → `crossEntropy`, `nll_loss` → `nllLoss`, `kl_div` → `klDiv`, …), its positional order
 * (`input, target, …`; `input1, input2, target`; `anchor, positive, negative`; `logProbs, targets, inputLengths,
 * targetLengths`), its keyword options in camelCase as a last options object (`{ weight, ignoreIndex,
 * labelSmoothing, reduction, zeroInfinity, … }`), its reductions (`'mean'` by default, `'sum'`, `'none'`; `'batchmean'`
 * for `klDiv`; weighted `crossEntropy` / `nllLoss` `'mean'` divides by the summed weights of the non-ignored targets)
 * and its shape conventions (class dimension 1: `[N, C]`, `[N, C, d1, …]`, unbatched `[C]`; CTC time-major
 * `[T, N, C]`). Every tensor argument takes a tensor, a nested array or a TypedArray. Each function is a thin adapter
 * over a DSL expression of `@losskit/losses` compiled with `@losskit/core` (CTC over its host forward-backward).
 *
 * Validation as in `/keras` and `/tfjs`: with `validate` (default `true`) NaN/±Inf in any tensor argument raises
 * `NON_FINITE_INPUT` naming it and the index, and a result that is not finite raises `NON_FINITE_OUTPUT` instead of
 * returning NaN/∞ (CTC excepted: the `+∞` of an impossible alignment is its exact value, as in torch). Where torch
 * raises (class targets out of bounds, probabilities outside [0, 1] for `binaryCrossEntropy`, a negative `var`,
 * `p ∉ {1, 2}` for `multiMarginLoss`, lengths beyond the input) these raise a typed `LosskitError`; where torch's
 * `'mean'` divides 0 by 0 (every target ignored) they raise `INVALID_ARGUMENT`. `validate: false` keeps the shape and
 * index checks only (and torch's NaN). Gradients flow to every floating-point tensor argument through `tf.grad`.
 *
 * @example
 * import { ready } from '@losskit/core';
 * import { crossEntropy } from '@losskit/losses/torch';
 * await ready();
 * crossEntropy([[2, 1, 0], [0, 1, 3]], [0, 2], { weight: [1, 2, 3], labelSmoothing: 0.1 }).print();
 * @packageDocumentation
 */
export type { TorchOptions, TorchReduction } from './common.js';
export {
  crossEntropy,
  nllLoss,
  multiMarginLoss,
  multilabelMarginLoss,
  multilabelSoftMarginLoss,
  type CrossEntropyOptions,
  type NllLossOptions,
  type MultiMarginLossOptions,
  type MultilabelSoftMarginLossOptions,
} from './classification.js';
export {
  mseLoss,
  l1Loss,
  smoothL1Loss,
  huberLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  softMarginLoss,
  hingeEmbeddingLoss,
  marginRankingLoss,
  klDiv,
  poissonNllLoss,
  gaussianNllLoss,
  type SmoothL1LossOptions,
  type HuberLossOptions,
  type BinaryCrossEntropyOptions,
  type BinaryCrossEntropyWithLogitsOptions,
  type HingeEmbeddingLossOptions,
  type MarginRankingLossOptions,
  type KlDivOptions,
  type PoissonNllLossOptions,
  type GaussianNllLossOptions,
} from './elementwise.js';
export {
  cosineEmbeddingLoss,
  tripletMarginLoss,
  tripletMarginWithDistanceLoss,
  type CosineEmbeddingLossOptions,
  type TripletMarginLossOptions,
  type TripletMarginWithDistanceLossOptions,
} from './pairs.js';
export { ctcLoss, type CtcLossOptions } from './ctc.js';
