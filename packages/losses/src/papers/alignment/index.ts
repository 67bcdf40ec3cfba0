/** Reward-model objectives for language-model alignment. */
import type { CatalogEntry } from '@losskit/core';
import { implicitPrmEntry } from './implicitPrm.js';

export { implicitPrm, type ImplicitPrmOptions } from './implicitPrm.js';

/** Catalog entries of the alignment objectives. */
export const catalog: readonly CatalogEntry[] = [implicitPrmEntry];
