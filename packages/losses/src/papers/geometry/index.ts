/** Losses between covariance matrices. */
import type { CatalogEntry } from '@losskit/core';
import { buresWassersteinEntry } from './buresWasserstein.js';

export { buresWasserstein } from './buresWasserstein.js';

/** Catalog entries of the covariance losses. */
export const catalog: readonly CatalogEntry[] = [buresWassersteinEntry];
