/**
 * @losskit/calibration: post-hoc calibrators (temperature, vector, matrix/ODIR, Platt, histogram binning,
 * isotonic, correctness-aware), calibration metrics (ECE, MCE, class-wise and top-label ECE, KS, Brier, NLL,
 * accuracy, bootstrap CIs), split and Bayesian-bootstrap conformal prediction, and reliability diagrams.
 *
 * @example
 * import { TemperatureScaling, ece } from '@losskit/calibration';
 * const ts = TemperatureScaling.fit(valLogits, valLabels);
 * ece(ts.transform(testLogits), testLabels, { from: 'probs' });
 * @packageDocumentation
 */
export type { From, Predictions, Labels } from './input.js';
export { PROB_SUM_TOLERANCE } from './input.js';
export type { Bin, BinStrategy, Norm } from './binning.js';
export { ece, expectedCalibrationError, mce, maximumCalibrationError, classwiseEce, topLabelEce, type BinnedErrorOptions } from './ece.js';
export { ksCalibrationError, brierScore, nll, negativeLogLikelihood, accuracy, type ScoreOptions, type NllOptions } from './scores.js';
export { bootstrapCi, type BootstrapOptions, type Interval, type Metric } from './bootstrap.js';
export { Calibrator, type CalibratorKind, type CalibratorJson, type TransformOptions } from './calibrator.js';
export { TemperatureScaling, type TemperatureScalingOptions } from './temperature.js';
export { VectorScaling, MatrixScaling, DirichletCalibration, type AffineScalingOptions } from './matrix-scaling.js';
export { BetaCalibration, type BetaCalibrationOptions, type BetaMap } from './beta.js';
export {
  BBQ,
  NearIsotonicRegression,
  ENIR,
  nearIsotonicPath,
  type BbqModel,
  type BbqOptions,
  type NearIsotonicOptions,
  type NearIsotonicKnot,
  type EnirOptions,
} from './bayesian-binning.js';
export { PlattScaling, type PlattScalingOptions } from './platt.js';
export { HistogramBinning, type HistogramBinningOptions } from './histogram-binning.js';
export { IsotonicRegression, type IsotonicRegressionOptions, type IsotonicMap } from './isotonic.js';
export { CorrectnessAwareCalibrator, correctnessAwareLoss, type CorrectnessAwareOptions } from './correctness-aware.js';
export { loadCalibrator } from './load.js';
export {
  SplitConformal,
  BayesianConformal,
  conformalQuantile,
  coverage,
  meanSetSize,
  type ConformalScore,
  type ConformalOptions,
  type BayesianConformalOptions,
} from './conformal.js';
export { reliabilityDiagram, renderReliabilitySvg, type ReliabilityData, type ReliabilityOptions, type SvgOptions } from './reliability.js';
export { ace, adaptiveCalibrationError, type AceOptions } from './ace.js';
export { mmce, maximumMeanCalibrationError, mmcePenalty, dca, dcaPenalty, correctness, type MmceOptions, type DcaOptions } from './mmce.js';
export {
  uce,
  ence,
  picp,
  qce,
  gaussianNll,
  gaussianPit,
  regressionReliability,
  renderRegressionReliabilitySvg,
  VarianceScaling,
  IsotonicQuantileRecalibration,
  type GaussianPredictions,
  type Targets,
  type RegressionBinOptions,
  type PicpOptions,
  type QceOptions,
  type RegressionReliabilityData,
} from './regression.js';
export {
  StreamingCalibrationError,
  streamingMetric,
  streamingRegressionMetric,
  type StreamingMetric,
  type StreamingCalibrationErrorOptions,
  type BatchMetric,
  type StreamingRegressionMetric,
} from './streaming.js';
export { LSBoost, multicalibrationError, type LSBoostOptions, type MulticalibrationErrorOptions } from './lsboost.js';
export { BootstrapPredictionIntervals, type BootstrapPredictionOptions, type PredictionIntervals, type Regressor, type FitRegressor } from './prediction-intervals.js';
export { blackBoxBrierLoss } from './black-box-proper.js';
export { LegendreTron, legendreLink, legendreTronLoss, legendreLinkSize, initLegendreLink, type LegendreLinkShape, type LegendreTronOptions } from './legendretron.js';
export * from './catalog.js';
