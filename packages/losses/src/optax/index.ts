/**
 * `@losskit/losses/optax`: optax's loss functions (`optax.losses`, google-deepmind/optax at
 * 2edbcbe2390da13983b92cbef94ac0460ecde1c5) with optax's names in camelCase, its positional order
 * (`(logits | predictions | scores, labels | targets, ...)`, predictions first), its defaults and its unreduced
 * outputs (one value per element or per row: reduce with `tf.mean`/`tf.sum`, as with `jnp.mean`). Keyword arguments
 * (`axis`, `where`, `epsilon`, `delta`, ...) go in a last options object. Every tensor argument takes a tensor or
 * nested arrays. Inputs are validated like `compile()`: NaN/±Inf raise `NON_FINITE_INPUT` naming optax's argument,
 * integer labels are range-checked, a non-finite result raises `NON_FINITE_OUTPUT`; `{ validate: false }` keeps
 * only the shape and label checks. Gradients flow to the first argument (`tf.grad`).
 * @packageDocumentation
 */
export type { Axis, AxisWhereOptions, OptaxOptions } from './common.js';
export { hingeLoss, perceptronLoss, sparsemaxLoss, multiclassHingeLoss, multiclassPerceptronLoss, multiclassSparsemaxLoss } from './classification.js';
export { klDivergence, klDivergenceWithLogTargets, generalizedKlDivergence, convexKlDivergence } from './classification.js';
export {
  softmaxCrossEntropy,
  safeSoftmaxCrossEntropy,
  softmaxCrossEntropyWithIntegerLabels,
  polyLossCrossEntropy,
  sigmoidBinaryCrossEntropy,
  sigmoidFocalLoss,
  type SigmoidFocalOptions,
} from './classification.js';
export { smoothLabels } from './smoothing.js';
export { rankingSoftmaxLoss, type RankingReduceFn, type RankingSoftmaxLossOptions } from './ranking.js';
export { makeFenchelYoungLoss, type FenchelYoungLoss, type TensorMaxFunction } from './fenchelYoung.js';
export { squaredError, l2Loss, huberLoss, logCosh, cosineSimilarity, cosineDistance, type CosineOptions } from './regression.js';
export { diceLoss, binaryDiceLoss, multiclassGeneralizedDiceLoss, type DiceLossOptions, type DiceReduction, type BinaryDiceLossOptions, type GeneralizedDiceLossOptions } from './segmentation.js';
export { ntxent, tripletMarginLoss, type NtxentOptions, type TripletMarginLossOptions } from './selfSupervised.js';
export { ctcLoss, type CtcLossOptions } from './sequence.js';
