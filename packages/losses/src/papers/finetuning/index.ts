/** Fine-tuning objectives and procedures: representational guidance, judge-gated targets, distribution regularization. */
import type { CatalogEntry } from '@losskit/core';
import { ckaGuidanceEntry } from './ckaGuidance.js';
import { s3ftTargetEntry } from './s3ft.js';
import { drTuneEntry } from './drTune.js';

export { ckaGuidance, ckaLayerMapping, ckaGuidanceEntry, type CkaGuidanceOptions } from './ckaGuidance.js';
export { s3ftTarget, s3ftTargets, s3ftTargetEntry, type S3ftCandidates, type S3ftChoice, type S3ftProcedures, type S3ftSource } from './s3ft.js';
export { drTuneCalibrate, drTuneQueue, drTuneEntry, type DrTuneCalibration, type DrTuneCalibrationOptions, type DrTuneQueue } from './drTune.js';

/** Catalog entries of the fine-tuning objectives. */
export const catalog: readonly CatalogEntry[] = [ckaGuidanceEntry, s3ftTargetEntry, drTuneEntry];
