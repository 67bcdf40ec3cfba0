/**
 * @losskit/optimizers: optax-style composable gradient transformations, learning-rate schedules, `applyUpdates`,
 * and a `train()` loop for tfjs parameters and tfjs-layers models.
 *
 * @example
 * import { adam, step } from '@losskit/optimizers';
 * const opt = adam({ learningRate: 1e-2 });
 * let state = opt.init(params);
 * ({ params, state } = step(opt, params, grads, state));
 * @packageDocumentation
 */
export type { Params, Schedule, ScalarOrSchedule, LossClosure, UpdateExtra, UpdateResult, GradientTransformation } from './types.js';
export { disposeState, disposeParams } from './types.js';
export { chain } from './chain.js';
export { scale, scaleByLearningRate, type EmptyState, type CountState } from './scale.js';
export { clip, clipByGlobalNorm, clipByBlockRms, adaptiveGradClip, perExampleGlobalNormClip, type AdaptiveGradClipOptions } from './clip.js';
export { masked, type MaskSpec, type MaskedState } from './masked.js';
export { multiTransform, partition, type ParamLabels, type MultiTransformState } from './multiTransform.js';
export { multiSteps, skipNotFinite, skipLargeUpdates, type MultiStepsState, type MultiStepsOptions } from './multiSteps.js';
export { lookahead, lookaheadSlowParams, type LookaheadState, type LookaheadOptions } from './lookahead.js';
export { injectHyperparams, withHyperparams, type InjectHyperparamsState } from './injectHyperparams.js';
export { ema, emaParams, emaParamsOf, type EmaState, type EmaParamsState } from './ema.js';
export { applyIfFinite, type ApplyIfFiniteState } from './applyIfFinite.js';
export { scaleByTrustRatio, type TrustRatioOptions } from './trustRatio.js';
export { addNoise, type AddNoiseState, type AddNoiseOptions } from './noise.js';
export { zeroNans, type ZeroNansState } from './zeroNans.js';
export { addDecayedWeights } from './decay.js';
export { traceMomentum, type TraceOptions, type TraceState } from './momentum.js';
export { scaleByAdam, adam, adamw, type AdamState, type ScaleByAdamOptions, type AdamOptions, type AdamWOptions } from './adam.js';
export { scaleByRms, scaleByStddev, rmsprop, type ScaleByRmsOptions, type RmsState, type StddevState, type RmspropOptions } from './rms.js';
export { scaleByRss, adagrad, type RssState, type ScaleByRssOptions, type AdagradOptions } from './adagrad.js';
export { scaleByLion, lion, type LionState, type ScaleByLionOptions, type LionOptions } from './lion.js';
export { centralize, type CentralizeOptions } from './centralize.js';
export { orthogonalizeToParams, type OrthogonalizeOptions } from './orthogonalize.js';
export { projectConflicting, projectGradient } from './projectConflicting.js';
export { momo, momoAdam, type MomoState, type MomoOptions, type MomoAdamState, type MomoAdamOptions } from './momo.js';
export { sam, type SamOptions } from './sam.js';
export { gravity, type GravityState, type GravityOptions } from './gravity.js';
export { sgd, momentum, nesterov, type SgdOptions } from './sgd.js';
export { nadam, nadamw } from './nadam.js';
export { scaleByAmsgrad, amsgrad, type AmsgradState, type ScaleByAmsgradOptions } from './amsgrad.js';
export { scaleByAdamax, adamax, adamaxw, type ScaleByAdamaxOptions, type AdamaxOptions } from './adamax.js';
export { scaleByBelief, adabelief, type ScaleByBeliefOptions, type AdaBeliefOptions } from './adabelief.js';
export { scaleByYogi, yogi, type ScaleByYogiOptions } from './yogi.js';
export { scaleByRadam, radam, type ScaleByRadamOptions } from './radam.js';
export { scaleByAdadelta, adadelta, type AdadeltaState, type AdadeltaOptions } from './adadelta.js';
export { scaleByAdan, adan, type AdanState, type ScaleByAdanOptions } from './adan.js';
export { scaleByNovograd, novograd, type NovogradState, type ScaleByNovogradOptions } from './novograd.js';
export { lamb, type LambOptions } from './lamb.js';
export { lars, type LarsOptions } from './lars.js';
export { fromage } from './fromage.js';
export { scaleBySign, signSgd, signum } from './sign.js';
export { noisySgd } from './noisySgd.js';
export { rprop, type RpropState, type RpropOptions } from './rprop.js';
export { scaleBySm3, sm3, type Sm3State } from './sm3.js';
export { scaleByPolyak, polyakSgd, type ScaleByPolyakOptions } from './polyak.js';
export { scaleByOptimisticGradient, optimisticGradientDescent, optimisticAdam, type OptimisticState } from './optimistic.js';
export { scaleByFactoredRms, scaleByParamBlockRms, adafactor, type FactoredState, type FactoredRmsOptions, type AdafactorOptions } from './adafactor.js';
export { scaleByAdopt, adopt, type ScaleByAdoptOptions } from './adopt.js';
export { scaleByAdemamix, ademamix, scaleBySimplifiedAdemamix, simplifiedAdemamix, type AdemamixState, type ScaleByAdemamixOptions, type SimplifiedAdemamixState } from './ademamix.js';
export { scaleByAcprop, acprop } from './acprop.js';
export { identity, setToZero, freeze } from './identity.js';
export { keepParamsNonnegative } from './nonNegative.js';
export { applyEvery, type ApplyEveryState } from './applyEvery.js';
export { conditionallyTransform, conditionallyMask, type ConditionalState } from './conditional.js';
export { normalizeByUpdateNorm, scaleByParamBlockNorm } from './normalize.js';
export { scheduleFree, scheduleFreeEvalParams, scheduleFreeSgd, scheduleFreeAdamw, type ScheduleFreeState, type ScheduleFreeOptions, type ScheduleFreeSgdOptions, type ScheduleFreeAdamwOptions } from './scheduleFree.js';
export { prodigy, type ProdigyState, type ProdigyOptions } from './prodigy.js';
export { dadaptAdamw, type DAdaptAdamWState } from './dadaptAdamw.js';
export { scaleByDog, dog, scaleByDowg, dowg, type DogState, type DogInitStep, type DowgState } from './dog.js';
export { scaleByCocob, cocob, type CocobState } from './cocob.js';
export { scaleByMadgrad, madgrad, type MadgradState } from './madgrad.js';
export { hutchinsonEstimator, gaussNewtonBartlettEstimator, scaleBySophia, sophia, type HutchinsonState, type SophiaState, type ScaleBySophiaOptions } from './sophia.js';
export { reduceOnPlateau, type ReduceOnPlateauState, type ReduceOnPlateauOptions } from './reduceOnPlateau.js';
export { newtonSchulz, scaleByMuon, scaleByShape, muon, type NsCoeffs, type MuonState, type ScaleByMuonOptions, type MuonOptions } from './muon.js';
export { mechanize, type MechanicState, type MechanizeOptions } from './mechanize.js';
export { differentiallyPrivateAggregate, dpsgd, type DpAggregateState, type DpAggregateOptions } from './dpsgd.js';
export { backtrackingLinesearch, type BacktrackingOptions, type BacktrackingState } from './backtracking.js';
export { scaleByLbfgs, zoomLinesearch, lbfgs, type LbfgsState, type ScaleByLbfgsOptions, type ZoomLinesearchOptions, type ZoomLinesearchState, type LbfgsOptions } from './lbfgs.js';
export { applyUpdates, step, lossClosure, nonFiniteEntries, type NonFiniteMode, type StepOptions, type StepResult } from './apply.js';
export { train, type TrainOptions, type TrainResult, type StepInfo, type EarlyStopOptions, type LayersModelLike } from './train.js';
export {
  constant,
  linear,
  polynomial,
  exponential,
  piecewise,
  cosineDecay,
  warmupCosineDecay,
  warmupStableDecay,
  joinSchedules,
  sqrtBatchScaling,
  piecewiseInterpolate,
  linearOnecycle,
  cosineOnecycle,
  warmupConstant,
  warmupExponentialDecay,
  sgdr,
  cosineWithRestarts,
  type PiecewiseInterpolateOptions,
  type LinearOnecycleOptions,
  type CosineOnecycleOptions,
  type WarmupConstantOptions,
  type WarmupExponentialDecayOptions,
  type CosineWithRestartsOptions,
  type PolynomialOptions,
  type ExponentialOptions,
  type PiecewiseOptions,
  type CosineDecayOptions,
  type WarmupCosineDecayOptions,
  type WarmupStableDecayOptions,
} from './schedules.js';
export { fuse, type FusedOptimizer, type FusedEngine, type FuseOptions } from './fused/fuse.js';
export { normalizedGd, scaleByLossNormalization, type NormalizedGdOptions } from './normalizedGd.js';
export { dynamicLossScaling, scaleLoss, roundToFloat16, type LossScaleState, type LossScaleOptions } from './lossScaling.js';
export { amp, type AmpOptions } from './amp.js';
export { dot, type DotState, type DotOptions } from './dot.js';
export { frugal, type FrugalState, type FrugalOptions, type FrugalProjection } from './frugal.js';
export { scion, operatorNorm, type ScionState, type ScionOptions, type ScionLayer, type ScionNorm, type OperatorNormKind } from './scion.js';
export { mfac, type MfacState, type MfacOptions } from './mfac.js';
export { subgm, l1MatrixSensingLoss, smallInit, type SubgmOptions } from './subgm.js';
export { udim, type UdimState, type UdimOptions, type UdimModel, type UdimBatch } from './udim.js';
export { catalog } from './catalog.js';
