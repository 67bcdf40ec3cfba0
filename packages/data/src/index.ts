/**
 * @losskit/data: what to train on. Per-example scores (EL2N, GraNd, memorization) and score-based pruning, k-means
 * sensitivity sampling, Progressive Data Dropout, trajectory-matching dataset distillation (linear and MLP students, AST's
 * regularizers), PLD resampling by the personal loss distribution, noisy-label selection
 * (Co-teaching, nested dropout, Late Stopping) and class-imbalance tools (SMOTE, random over/under-sampling, two-phase
 * training, prior-correction thresholding). Scores read `compile().perSample()` and tfjs-layers models.
 *
 * @example
 * import { el2nScores, pruneByScore } from '@losskit/data';
 * const keep = pruneByScore(el2nScores(logits, labels), { fraction: 0.3 }); // drop the 30% easiest
 * @packageDocumentation
 */
export { type ModelLike, type FitOptions, fitModel, predictLogits } from './model.js';
export { el2nSquared, el2nScores, el2nScoresOf, grandScores, averageScores, pruneByScore, randomPrune, type El2nOptions, type GrandOptions, type PruneOptions } from './scores.js';
export { subsetMasks, memorizationScores, estimateMemorization } from './memorization.js';
export { kMeans, sensitivitySample, type KMeansResult, type SensitivityOptions } from './sampling.js';
export { difficultyDropoutMask, scalarRandomDropout, effectiveEpochs, type DifficultyDropoutOptions } from './dropout.js';
export { trajectoryMatchingLoss, linearExpertTrajectory, type LinearParams, type TrajectoryMatchingOptions } from './trajectory.js';
export { smallLossSelection, coTeachingSelect, forgetRateSchedule, coTeachingStep, nestedDropoutMask, fklEpochs, lateStoppingKeep, lateStoppingSelect, type CoTeachingStepOptions, type FklOptions } from './noisy.js';
export { classCounts, randomOversample, randomUndersample, smote, priorCorrection, twoPhaseTrain, type TargetCounts, type SamplerOptions, type SmoteOptions, type TwoPhaseOptions } from './imbalance.js';
export {
  type MlpParams,
  type MlpActivation,
  type MlpTrajectoryMatchingOptions,
  type AstGradientPenaltyOptions,
  type RepresentativeInitOptions,
  mlpTrajectoryMatchingLoss,
  astBalancedLossScale,
  astExpertLossScale,
  astGradientPenalty,
  representativeInit,
} from './ast.js';
export { type PldCandidateOptions, type PldResampleOptions, pldCandidates, pldResample } from './pld.js';
export * from './catalog.js';
