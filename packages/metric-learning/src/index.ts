/**
 * @losskit/metric-learning: distances, miners, reducers and pair / proxy / contrastive losses as
 * losskit expressions over embeddings `[B, D]` and integer labels `[B]`.
 *
 * @example
 * import { compile, ready } from '@losskit/core';
 * import { tripletMargin, cosine, batchHard } from '@losskit/metric-learning';
 * await ready();
 * const loss = compile(tripletMargin({ margin: 0.2, distance: cosine(), miner: batchHard() }), { from: 'embeddings' });
 * const value = loss(labels, embeddings);
 * @packageDocumentation
 */
export { cosine, dotProduct, euclidean, lp, poincare, snr, batchedDistance, pairwise, distanceMatrix, l2Normalize, projectToBall, DISTANCE_EPS, type Distance, type LpOptions } from './distances.js';
export { mean, meanNonZero, threshold, perAnchor, sum, divisor, classWeighted, multipleReducers, applyReducer, type Reducer, type LevelOf } from './reducers.js';
export {
  batchAll, batchHard, semiHard, tripletMarginMiner, multiSimilarityMiner, hardNegativeTopK, batchEasyHardMiner, pairMarginMiner, hdcMiner,
  uniformHistogramMiner, angularMiner, distanceWeightedMiner, packagedTriplets, tuples, minePairs, mineTriplets, mine, tupleInputs,
  type Miner, type MinedPairs, type MinedTriplets, type MiningStrategy, type TripletType, type BatchEasyHardOptions, type MineOptions, type IndexTuple,
} from './miners.js';
export { tripletMargin, type TripletMarginOptions } from './tripletMargin.js';
export { contrastive, type ContrastiveOptions } from './contrastive.js';
export { multiSimilarity, type MultiSimilarityOptions } from './multiSimilarity.js';
export { circle, type CircleOptions } from './circle.js';
export { ntXent, infoNce, nPairs, type NtXentOptions } from './ntXent.js';
export { supCon, type SupConOptions } from './supCon.js';
export { liftedStructure, type LiftedStructureOptions } from './liftedStructure.js';
export { clip, siglip, type Learnable, type ImageTextOptions } from './imageText.js';
export { seclaLoss, seclaScores, type SeclaOptions, type SeclaMasks, type SeclaScores } from './secla.js';
export { proxyNca, proxyAnchor, arcFace, cosFace, type MarginSoftmaxOptions } from './proxies.js';
export { adaFace, adaFaceNormStats, ADAFACE_INPUTS, type AdaFaceNormStats } from './adaFace.js';
export { byol, byolTau, emaUpdate } from './byol.js';
export { icon } from './icon.js';
export { decoupledSoftmax } from './dexml.js';
export { protoTriplet } from './protoTriplet.js';
export { icnn } from './icnn.js';
export { metrix, type MetrixOptions } from './metrix.js';
export { isogclr, isogclrState, ISOGCLR_INPUTS, type IsogclrOptions, type IsogclrState, type IsogclrStep } from './isogclr.js';
export { recallAtK, precisionAt1, mapAtR, kMeans, nmi, nmiOfKMeans, knn, precisionAtK, meanAveragePrecision, meanReciprocalRank, rPrecision, ami, amiOfKMeans, accuracy, type Accuracy, type Rows, type RetrievalOptions } from './metrics.js';
export { angular, type AngularOptions } from './angular.js';
export { generalizedLiftedStructure, type GeneralizedLiftedStructureOptions } from './generalizedLiftedStructure.js';
export { histogram, type HistogramOptions } from './histogram.js';
export { instance, type InstanceOptions } from './instance.js';
export { intraPairVariance, type IntraPairVarianceOptions } from './intraPairVariance.js';
export { nca, type NcaOptions } from './nca.js';
export { pnp, type PnpOptions, type PnpVariant } from './pnp.js';
export { rankedList, type RankedListOptions } from './rankedList.js';
export { snrContrastive } from './snrContrastive.js';
export { thresholdConsistentMargin, type ThresholdConsistentMarginOptions } from './thresholdConsistentMargin.js';
export { tupletMargin, type TupletMarginOptions } from './tupletMargin.js';
export { margin, type MarginOptions } from './margin.js';
export { dynamicSoftMargin, dynamicSoftMarginState, DSM_INPUT, type DynamicSoftMarginOptions, type DynamicSoftMarginState } from './dynamicSoftMargin.js';
export { fastAP, type FastApOptions } from './fastAP.js';
export { largeMarginSoftmax, sphereFace, type LargeMarginSoftmaxOptions } from './largeMarginSoftmax.js';
export { normalizedSoftmax, p2sGrad } from './normalizedSoftmax.js';
export { softTriple, type SoftTripleOptions } from './softTriple.js';
export { subCenterArcFace, subCenterOutliers, type SubCenterArcFaceOptions } from './subCenterArcFace.js';
export { vicreg, type VicregOptions } from './vicreg.js';
export { manifold, type ManifoldOptions } from './manifold.js';
export { selfSupervised, crossBatchMemory, crossBatchMemoryState, CBM_INPUTS, type CrossBatchMemoryState } from './wrappers.js';
export { lpRegularizer, zeroMeanRegularizer, centerInvariantRegularizer, regularFaceRegularizer, sparseCentersRegularizer, type RegularizerTarget } from './regularizers.js';
export { mPerClassSampler, hierarchicalSampler, tuplesToWeightsSampler, fixedSetOfTriplets, tupleWeights, type Sampler, type MPerClassOptions, type HierarchicalOptions } from './samplers.js';
export { lossElements, type LossElements } from './lossElements.js';
export { teenCalibrate, type TeenOptions } from './teen.js';
export { amclNtXent, type AmclOptions } from './amcl.js';
export { hypPairwiseConfusion, hyperbolicMlr, type HyperbolicMlrOptions } from './hypOc.js';
export { bt2Loss, orthonormalBasis, type Bt2Batch, type Bt2Options } from './bt2.js';
export { sbcl, sbclSubclasses, SBCL_INPUTS, type SbclOptions, type SbclSubclassOptions, type SbclSubclasses } from './sbcl.js';
export { energyConfusion } from './ecaml.js';
export { criticGradientPenalty, wpcLoss, type Critic, type CriticPenaltyOptions, type WpcOptions } from './wpc.js';
export { catalog } from './catalog.js';
// Registers the PyTorch / NumPy printers of this package's ops with @losskit/core's exporter.
export { metricLearningExporters } from './export.js';
import './exportPml.js';
