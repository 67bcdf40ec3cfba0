/** Training-time data augmentation that changes the targets (and so the loss). */
import type { CatalogEntry } from '@losskit/core';
import { mixupEntry } from './mixup.js';

export { mixup, mixupEntry, type MixupBatch, type MixupOptions } from './mixup.js';

/** Catalog entries of the augmentation procedures. */
export const catalog: readonly CatalogEntry[] = [mixupEntry];
