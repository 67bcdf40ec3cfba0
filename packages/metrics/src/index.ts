/**
 * @losskit/metrics: classification metrics for imbalanced data (F1, G-mean and their combination, ROC / macro- /
 * multiclass AUC and differentiable macro-AUC surrogates) and evaluation statistics (cheap bootstrap, multiplier
 * bootstrap, free-lunch bootstrap, expected max score, Multi-Bootstrap, .632 / .632+ bootstrap, McNemar and 5×2cv
 * tests), on the host in float64 except the surrogates, which are tfjs scalars with gradients.
 *
 * @example
 * import { f1Score, gMean, multiclassAuc } from '@losskit/metrics';
 * f1Score(yTrue, yPred, { average: 'macro' });
 * gMean(yTrue, yPred);
 * multiclassAuc(probs, yTrue);
 * @packageDocumentation
 */
export type { LabelsLike, ScoresLike } from './input.js';
export { confusionMatrix, precisionScore, recallScore, f1Score, gMean, rankByF1ThenGMean, type Average, type PrfOptions, type GMeanOptions, type F1GMean } from './classification.js';
export { rocAuc, macroAuc, multiclassAuc, type MulticlassAucOptions } from './auc.js';
export { macroAucUnivariateLoss, macroAucReweightedLoss, macroAucPairwiseLoss, type MarginLoss, type SurrogateOptions } from './surrogates.js';
export {
  cheapBootstrap,
  cheapBootstrapInterval,
  multiplierWeights,
  multiplierBootstrapMean,
  freeLunchBootstrap,
  multiBootstrap,
  bootstrap632,
  type BootstrapInterval,
  type CheapBootstrapOptions,
  type MultiplierDistribution,
  type MultiplierOptions,
  type MultiplierMeanOptions,
  type FreeLunchOptions,
  type MultiBootstrapOptions,
  type MultiBootstrapStat,
  type Bootstrap632Options,
} from './resampling.js';
export { expectedMaxScore, expectedMaxCurve, type ExpectedMaxOptions } from './expected-max.js';
export { mcnemar, mcnemarTable, pairedTTest5x2cv, combinedFTest5x2cv, fiveByTwoFolds, type McnemarOptions } from './hypothesis.js';
export { studentTCdf, studentTQuantile, studentTTwoSided, fSurvival, chiSquareSurvival, binomialCdf, incompleteBeta } from './distributions.js';
export * from './catalog.js';
