/**
 * @losskit/ood: out-of-distribution detection. The Mahalanobis detector with input preprocessing and the layer
 * ensemble (Lee et al. 2018), the deep kNN score, Mixture Outlier Exposure training batches and loss, and the AUROC and
 * FPR-at-95%-TPR metrics.
 *
 * @example
 * import { MahalanobisDetector, KnnDetector, auroc } from '@losskit/ood';
 * const det = MahalanobisDetector.fit(trainFeatures, trainLabels);
 * auroc(det.score(idFeatures), det.score(oodFeatures));
 * @packageDocumentation
 */
export { auroc, fprAtTpr } from './metrics.js';
export {
  MahalanobisDetector,
  type MahalanobisLayerState,
  type MahalanobisFitOptions,
  type MahalanobisPreprocessOptions,
  type LayerEnsemble,
  mahalanobisPreprocess,
  mahalanobisScoreWithPreprocessing,
  fitLayerEnsemble,
  ensembleScore,
} from './mahalanobis.js';
export { KnnDetector, type KnnOptions } from './knn.js';
export { type MixOEOptions, type MixOEBatch, mixOEBatch, mixOELoss } from './mixoe.js';
export * from './catalog.js';
