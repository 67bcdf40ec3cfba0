/** Objectives of generative models: GAN mode coverage, diffusion distillation, unnormalized models. */
import type { CatalogEntry } from '@losskit/core';
import { compositionalNllEntry } from './compositionalNll.js';
import { fDistillEntry } from './fDistill.js';
import { manifoldEntropyEntry } from './manifoldEntropy.js';

export { manifoldEntropy, manifoldEntropyBuffer, manifoldEntropyEntry, type ManifoldEntropyOptions, type ManifoldEntropyBuffer } from './manifoldEntropy.js';
export {
  fDistill,
  fDistillWeights,
  fDistillDivergences,
  fDistillEntry,
  type FDistillDivergence,
  type FDistillOptions,
  type FDistillWeightOptions,
  type FDistillWeights,
} from './fDistill.js';
export { compositionalNll, compositionalNllState, compositionalNllEntry, type CompositionalNllOptions, type CompositionalNllState } from './compositionalNll.js';

/** Catalog entries of the generative-model objectives. */
export const catalog: readonly CatalogEntry[] = [manifoldEntropyEntry, fDistillEntry, compositionalNllEntry];
