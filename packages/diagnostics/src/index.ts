/**
 * @losskit/diagnostics: training diagnostics and generalization measures. Neural collapse (NC1–NC3), filter-normalized
 * loss-landscape slices, per-example gradients with gradient coherence, M3 and winsorized updates, spectral alignment,
 * diffusion spectral entropy and mutual information, a PAC-Bayes bound with a language-model prior, the inductive-bias
 * estimator, and a Gaussian naive-Bayes probe; plus the float64 class statistics, linear algebra and model adapters that
 * `@losskit/ood` and `@losskit/robustness` build on.
 *
 * @example
 * import { neuralCollapse, lossLandscape1d } from '@losskit/diagnostics';
 * neuralCollapse(features, labels).nc1;
 * lossLandscape1d(model, x, labels).losses;
 * @packageDocumentation
 */
export { type HostMatrix, readFeatures, readLabels, readVector, readOptions, checkInteger } from './input.js';
export { type SymmetricEigen, type SingularTriple, symmetricEigen, symmetricEigenvalues, pseudoInverseSymmetric, solveSpd, topSingularTriple } from './linalg.js';
export { type ModelLike, type Forward, isModelLike, forwardOf, modelVariables, checkBatch, checkFiniteTensor } from './model.js';
export { type ClassStatistics, type ClassStatisticsOptions, classStatistics } from './class-stats.js';
export { type NeuralCollapse, type NeuralCollapseOptions, neuralCollapse } from './neural-collapse.js';
export { GaussianNaiveBayes, type GaussianNaiveBayesOptions, type GaussianNaiveBayesState } from './naive-bayes.js';
export {
  type PerExampleGradients,
  type PerExampleGradientOptions,
  type GradientCoherence,
  perExampleGradients,
  gradientCoherence,
  m3Gradient,
  winsorizedGradient,
  unflattenGradient,
} from './coherence.js';
export { type WeightDirection, type DirectionOptions, type LandscapeOptions, type Landscape1d, type Landscape2d, filterNormalizedDirection, lossLandscape1d, lossLandscape2d } from './landscape.js';
export { type SpectralAlignment, spectralAlignment } from './spectral-alignment.js';
export { type DiffusionEntropyOptions, type DiffusionMutualInformationOptions, type DsmiClassTerm, diffusionSpectralEntropy, diffusionSpectralMutualInformation } from './diffusion-entropy.js';
export { type PacBayesBoundInput, type PacBayesBound, pacBayesBound, binaryKl, uniformPromptLogPrior } from './pac-bayes.js';
export { type InductiveBias, type InductiveBiasOptions, inductiveBias, noncentralChiSquaredLogPdf, noncentralChiSquaredLogCdf, logLowerRegularizedGamma } from './inductive-bias.js';
export * from './catalog.js';
