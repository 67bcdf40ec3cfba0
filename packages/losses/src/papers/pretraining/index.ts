/** Pre-training objectives: masked image modeling's loss predictor, MAE reconstruction and self-distillation. */
import type { CatalogEntry } from '@losskit/core';
import { hpmLossPredictionEntry } from './hpmLossPrediction.js';
import { maeReconstructionEntry, representationSelfDistillationEntry } from './selfDistillation.js';

export { hpmLossPrediction, hpmLossPredictionEntry, type HpmLossPredictionOptions, type HpmMode } from './hpmLossPrediction.js';
export {
  maeReconstruction,
  representationSelfDistillation,
  maeReconstructionEntry,
  representationSelfDistillationEntry,
  type MaeReconstructionOptions,
  type RepresentationSelfDistillationOptions,
} from './selfDistillation.js';

/** Catalog entries of the pre-training objectives. */
export const catalog: readonly CatalogEntry[] = [hpmLossPredictionEntry, maeReconstructionEntry, representationSelfDistillationEntry];
