/** Regularizers on weights, outputs and representations (issue #25, seed papers). */
import type { CatalogEntry } from '@losskit/core';
import { fedLdEntry } from './fedLd.js';
import { rationaleInvarianceEntry } from './rationaleInvariance.js';
import { wdrEntry } from './weightDistribution.js';

export { weightDistributionRegularization, wdr, type WdrOptions } from './weightDistribution.js';
export { fedLd, type FedLdOptions } from './fedLd.js';
export {
  rationaleInvariance,
  rationaleBankInit,
  rationaleBankUpdate,
  type RationaleBank,
  type RationaleBankUpdateOptions,
  type RationaleInvarianceOptions,
} from './rationaleInvariance.js';

/** Catalog entries of the regularizers. */
export const catalog: readonly CatalogEntry[] = [wdrEntry, fedLdEntry, rationaleInvarianceEntry];
