import type { CatalogEntry } from '@losskit/core';
import { meanSquaredErrorEntry } from './meanSquaredError.js';
import { meanAbsoluteErrorEntry } from './meanAbsoluteError.js';
import { meanAbsolutePercentageErrorEntry } from './meanAbsolutePercentageError.js';
import { meanSquaredLogarithmicErrorEntry } from './meanSquaredLogarithmicError.js';
import { huberEntry } from './huber.js';
import { logCoshEntry } from './logCosh.js';
import { poissonEntry } from './poisson.js';
import { hingeEntry } from './hinge.js';
import { squaredHingeEntry } from './squaredHinge.js';
import { categoricalHingeEntry } from './categoricalHinge.js';
import { cosineSimilarityEntry } from './cosineSimilarity.js';
import { kldEntry } from './kld.js';
import { tverskyEntry } from './tversky.js';
import { diceEntry } from './dice.js';
import { categoricalCrossentropyEntry } from './categoricalCrossentropy.js';
import { categoricalGeneralizedCrossEntropyEntry } from './categoricalGeneralizedCrossEntropy.js';
import { binaryFocalCrossentropyEntry } from './binaryFocalCrossentropy.js';
import { categoricalFocalCrossentropyEntry } from './categoricalFocalCrossentropy.js';
import { multiMarginEntry } from './multiMargin.js';
import { multiLabelSoftMarginEntry } from './multiLabelSoftMargin.js';
import { marginRankingEntry } from './marginRanking.js';
import { gaussianNLLEntry } from './gaussianNLL.js';
import { quantileEntry } from './quantile.js';
import { smoothL1Entry } from './smoothL1.js';
import { pseudoHuberEntry } from './pseudoHuber.js';
import { polyLossEntry } from './polyLoss.js';
import { klWithLogTargetsEntry } from './klWithLogTargets.js';
import { jensenShannonEntry } from './jensenShannon.js';
import { ctcEntry } from './ctc.js';
import { cosineEmbeddingEntry } from './cosineEmbedding.js';
import { hingeEmbeddingEntry } from './hingeEmbedding.js';
import { softMarginEntry } from './softMargin.js';
import { multiLabelMarginEntry } from './multiLabelMargin.js';
import { nllEntry } from './nll.js';
import { poissonNLLEntry } from './poissonNLL.js';
import { bceWithLogitsEntry } from './bceWithLogits.js';
import { weightedCrossEntropyEntry } from './weightedCrossEntropy.js';
import { explicitTripletMarginEntry, explicitTripletMarginWithDistanceEntry } from './explicitTripletMargin.js';

export * from './meanSquaredError.js';
export * from './meanAbsoluteError.js';
export * from './meanAbsolutePercentageError.js';
export * from './meanSquaredLogarithmicError.js';
export * from './huber.js';
export * from './logCosh.js';
export * from './poisson.js';
export * from './hinge.js';
export * from './squaredHinge.js';
export * from './categoricalHinge.js';
export * from './cosineSimilarity.js';
export * from './kld.js';
export * from './tversky.js';
export * from './dice.js';
export * from './categoricalCrossentropy.js';
export * from './categoricalGeneralizedCrossEntropy.js';
export * from './binaryFocalCrossentropy.js';
export * from './categoricalFocalCrossentropy.js';
export * from './multiMargin.js';
export * from './multiLabelSoftMargin.js';
export * from './marginRanking.js';
export * from './gaussianNLL.js';
export * from './quantile.js';
export * from './smoothL1.js';
export * from './pseudoHuber.js';
export * from './polyLoss.js';
export * from './klWithLogTargets.js';
export * from './jensenShannon.js';
export { ctc, type CtcOptions, type CtcReduction } from './ctc.js';
export * from './cosineEmbedding.js';
export * from './hingeEmbedding.js';
export * from './softMargin.js';
export * from './multiLabelMargin.js';
export * from './nll.js';
export * from './poissonNLL.js';
export * from './bceWithLogits.js';
export * from './weightedCrossEntropy.js';
export * from './explicitTripletMargin.js';
export { smoothedTargets, normalizedLogProb, normalizedProb, binaryProb, signedTargets, xLogX, sqrtClasses, probPower } from './primitives.js';

/** Catalog entries of the standard (Keras / PyTorch) losses in the DSL. */
export const standardCatalog: readonly CatalogEntry[] = [
  meanSquaredErrorEntry,
  meanAbsoluteErrorEntry,
  meanAbsolutePercentageErrorEntry,
  meanSquaredLogarithmicErrorEntry,
  huberEntry,
  logCoshEntry,
  poissonEntry,
  hingeEntry,
  squaredHingeEntry,
  categoricalHingeEntry,
  cosineSimilarityEntry,
  kldEntry,
  tverskyEntry,
  diceEntry,
  categoricalCrossentropyEntry,
  categoricalGeneralizedCrossEntropyEntry,
  binaryFocalCrossentropyEntry,
  categoricalFocalCrossentropyEntry,
  multiMarginEntry,
  multiLabelSoftMarginEntry,
  marginRankingEntry,
  gaussianNLLEntry,
  quantileEntry,
  smoothL1Entry,
  pseudoHuberEntry,
  polyLossEntry,
  klWithLogTargetsEntry,
  jensenShannonEntry,
  ctcEntry,
  cosineEmbeddingEntry,
  hingeEmbeddingEntry,
  softMarginEntry,
  multiLabelMarginEntry,
  nllEntry,
  poissonNLLEntry,
  bceWithLogitsEntry,
  weightedCrossEntropyEntry,
  explicitTripletMarginEntry,
  explicitTripletMarginWithDistanceEntry,
];
