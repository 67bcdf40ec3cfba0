/**
 * `@losskit/losses/keras`: Keras 3's functional losses with Keras' argument names (camelCase), defaults,
 * probability handling (renormalise `p/Σp`, clip to `[1e-7, 1 - 1e-7]`), label smoothing, hinge target
 * conversion and reductions (`sum_over_batch_size` by default, `sum`, `mean`, `mean_with_sample_weight`, `none`).
 * Every function is `(yTrue, yPred, options?) => tf.Tensor`, takes tensors, nested arrays or TypedArrays, and is a
 * thin wrapper over a DSL expression of `@losskit/losses` compiled with `@losskit/core`.
 *
 * @example
 * import { ready } from '@losskit/core';
 * import { categoricalCrossentropy } from '@losskit/losses/keras';
 * await ready();
 * categoricalCrossentropy([[0, 1, 0]], [[0.05, 0.95, 0]]).print(); // 0.0513
 * @packageDocumentation
 */
export type { KerasReduction } from './reduce.js';
export type { KerasLossOptions } from './run.js';
export {
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
  binaryFocalCrossentropy,
  categoricalFocalCrossentropy,
  categoricalGeneralizedCrossEntropy,
  type CrossentropyOptions,
  type SparseCategoricalCrossentropyOptions,
  type BinaryFocalCrossentropyOptions,
  type CategoricalFocalCrossentropyOptions,
  type CategoricalGeneralizedCrossEntropyOptions,
} from './crossentropy.js';
export {
  meanSquaredError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredLogarithmicError,
  huber,
  logCosh,
  poisson,
  kld,
  cosineSimilarity,
  hinge,
  squaredHinge,
  categoricalHinge,
  type HuberOptions,
  type CosineSimilarityOptions,
} from './regression.js';
export { dice, tversky, type DiceOptions, type TverskyOptions } from './overlap.js';
export { circle, type CircleOptions } from './circle.js';
export { ctc } from './ctc.js';
