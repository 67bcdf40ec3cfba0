/** Distributionally robust objectives over groups. */
import type { CatalogEntry } from '@losskit/core';
import { groupDroEntry } from './groupDro.js';

export { groupDro, groupDroInit, groupDroUpdate, type GroupDroOptions, type GroupDroUpdate, type GroupDroUpdateOptions } from './groupDro.js';

/** Catalog entries of the robust objectives. */
export const catalog: readonly CatalogEntry[] = [groupDroEntry];
