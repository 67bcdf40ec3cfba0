/** Sequence losses from papers (tensor functions over [B, T, V] scores). */
import type { CatalogEntry } from '@losskit/core';
import { eislEntry } from './eisl.js';

export { eisl, eislEntry, type EislOptions } from './eisl.js';

/** Catalog entries of the sequence losses. */
export const catalog: readonly CatalogEntry[] = [eislEntry];
