/** Test-time adaptation objectives. */
import type { CatalogEntry } from '@losskit/core';
import { deyoEntry } from './deyo.js';

export { deyo, deyoEntry, type DeyoOptions } from './deyo.js';

/** Catalog entries of the test-time adaptation objectives. */
export const catalog: readonly CatalogEntry[] = [deyoEntry];
