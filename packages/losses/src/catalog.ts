import type { CatalogEntry } from '@losskit/core';
import { standardCatalog } from './standard/index.js';
import { papersCatalog } from './papers/index.js';
import { optaxCatalog } from './standard/optaxLosses.js';

/** Every loss of this package, for docs and the playground. */
export const catalog: readonly CatalogEntry[] = [...standardCatalog, ...papersCatalog, ...optaxCatalog];
