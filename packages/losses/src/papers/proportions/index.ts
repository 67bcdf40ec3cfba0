/** Learning from label proportions with bag-level augmentation. */
import type { CatalogEntry } from '@losskit/core';
import { confidenceIntervalLossEntry } from './mixBag.js';

export { mixBag, confidenceIntervalLoss, type BagSummary, type CiLossOptions, type MixBagOptions, type MixedBag } from './mixBag.js';

/** Catalog entries of the label-proportion losses. */
export const catalog: readonly CatalogEntry[] = [confidenceIntervalLossEntry];
