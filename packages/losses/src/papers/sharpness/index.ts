/** Sharpness-constrained training procedures. */
import type { CatalogEntry } from '@losskit/core';
import { igniteEntry } from './ignite.js';

export { igniteInit, igniteStep, type IgniteOptions, type IgniteParams, type IgniteState, type IgniteStepResult } from './ignite.js';

/** Catalog entries of the sharpness procedures. */
export const catalog: readonly CatalogEntry[] = [igniteEntry];
