/**
 * @losskit/unlearning: machine-unlearning objectives as losskit expressions (gradient ascent, gradient difference,
 * KL to the original model, NPO, SimNPO, FLAT, LoReUn), Selective Synaptic Dampening, gradient surgery (UNO-S, concept-preserving
 * gradients; the UNO orthogonality penalty is left out: tfjs second derivatives are wrong), unlearning metrics, an `unlearn()` driver,
 * O3 (orthogonal LoRA with an OOD-routed adapter) and LAF (label-free representation-level forgetting).
 *
 * @example
 * import { unlearn, gradientDifference, unlearningMetrics } from '@losskit/unlearning';
 * import { adam } from '@losskit/optimizers';
 * await unlearn({ model, forget, retain, objective: gradientDifference(), optimizer: adam({ learningRate: 1e-3 }), steps: 100 });
 * @packageDocumentation
 */
export { objective, gradientAscent, gradientDifference, klToReference, klRetain, type Objective, type ObjectiveOptions, type GradDiffOptions } from './objective.js';
export { npoTerm, npo, simNpoTerm, simNpo, type NpoOptions, type SimNpoOptions } from './npo.js';
export { flatTerm, flat, type FlatOptions, type FlatDivergence } from './flat.js';
export { loreunWeights, loreunTerm, loreun, type LoreunOptions } from './loreun.js';
export { fisherImportance, dampenWeights, selectiveSynapticDampening, type Importances, type FisherOptions, type DampeningOptions, type SsdOptions } from './ssd.js';
export { orthogonalizeRetain, conceptPreservingGradient } from './surgery.js';
export { perSampleLosses, evaluateSet, membershipAuc, unlearningMetrics, retrainGap, type SetMetrics, type MetricOptions, type UnlearningMetrics, type UnlearningMetricsOptions, type RetrainGap } from './metrics.js';
export { unlearn, type UnlearnOptions, type UnlearnResult, type UnlearnStepInfo, type Surgery } from './unlearn.js';
export { modelVariables, checkSameWeights, predictLogits, type ModelLike, type LabeledData } from './model.js';
export { wgaTerm, wga, satImpTerm, satImp, undialTerm, undial, ceuTerm, ceu, dpoTerm, dpo, idkDpo, type DpoOptions } from './token-objectives.js';
export { ksTest, forgetQuality, modelUtility, miaAuc, minKScore, minKPlusPlusScore, type KsResult, type MiaResult } from './forget-quality.js';
export { catalog } from './catalog.js';
// Registers the PyTorch / NumPy printers of this package's ops with @losskit/core's exporter.
export { unlearningExporters } from './export.js';
export { objectiveTerm, type ObjectiveTerm, type TermBatch, type TermSetup } from './objective.js';
export { IGNORE_INDEX, npoSequence, simNpoSequence, dpoSequence, type NpoSequenceOptions, type SimNpoSequenceOptions, type DpoSequenceOptions } from './sequence.js';
export { tokenLogProbs, meanTokenNll, sequenceProbability, exactMemorization, extractionStrength, truthRatio, probabilityWithOptions, privLeak, relDiff, zlibSize, miaScores, mia, type TokenMetricOptions, type TruthRatioAggregator, type TruthRatioResult, type MiaAttack, type MiaScoreOptions, type MiaAttackResult } from './lm-metrics.js';
export { rmu, rmuForgetTerm, rmuRetainTerm, rmuControlVector, layerActivations, type RmuOptions } from './rmu.js';
export { relabelForget, relabelUnlearning, type RelabelOptions } from './relabel.js';
export { uceEdit, adversarialEmbedding, rece, type UceEditOptions, type ReceOptions, type ReceResult } from './rece.js';
export { worstCaseForgetSet, projectCappedSimplex, type WorstCaseOptions, type WorstCaseResult } from './worst-case.js';
export { pdu, pduForgetTerm, type PduOptions, type PduObjective } from './pdu.js';
export { orthogonalLora, orthogonalLoraPenalty, o3Unlearning, contrastiveEntropyLoss, o3DetectorObjective, trainO3Detector, fitO3Scorer, type OrthogonalLora, type OrthogonalLoraOptions, type LoraAdapter, type O3UnlearningOptions, type O3DetectorOptions, type O3ScorerOptions, type O3Scorer } from './o3.js';
export { laf, lafVaeLoss, lafReconstructionTerm, lafAlignmentLoss, representationVae, type LafOptions, type LafResult, type RepresentationVae } from './laf.js';
