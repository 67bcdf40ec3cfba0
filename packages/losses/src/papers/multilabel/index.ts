/** Multi-label losses for long-tailed, partially labelled data. */
import type { CatalogEntry } from '@losskit/core';
import { multiFocalModifierEntry } from './multiFocalModifier.js';

export { multiFocalModifier, type MultiFocalModifierOptions } from './multiFocalModifier.js';

/** Catalog entries of the multi-label losses. */
export const catalog: readonly CatalogEntry[] = [multiFocalModifierEntry];
