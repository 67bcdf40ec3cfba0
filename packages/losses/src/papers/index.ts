import type { CatalogEntry } from '@losskit/core';
export * from './classification/index.js';
export * from './regression/index.js';
export * from './confidence/index.js';
export * from './distillation/index.js';
export * from './divergence/index.js';
export * from './weak/index.js';
export * from './combinators/index.js';
export * from './regularizers/index.js';
export * from './alignment/index.js';
export * from './robust/index.js';
export * from './geometry/index.js';
export * from './proportions/index.js';
export * from './sharpness/index.js';
export * from './multilabel/index.js';
import { catalog as classification } from './classification/index.js';
import { catalog as regression } from './regression/index.js';
import { catalog as confidence } from './confidence/index.js';
import { catalog as distillation } from './distillation/index.js';
import { catalog as divergence } from './divergence/index.js';
import { catalog as weak } from './weak/index.js';
import { catalog as combinators } from './combinators/index.js';
import { catalog as regularizers } from './regularizers/index.js';
import { catalog as alignment } from './alignment/index.js';
import { catalog as robust } from './robust/index.js';
import { catalog as geometry } from './geometry/index.js';
import { catalog as proportions } from './proportions/index.js';
import { catalog as sharpness } from './sharpness/index.js';
import { catalog as multilabel } from './multilabel/index.js';

/** Catalog entries of the losses from papers. */
export const papersCatalog: readonly CatalogEntry[] = [...classification, ...regression, ...confidence, ...distillation, ...divergence, ...weak, ...combinators, ...regularizers, ...alignment, ...robust, ...geometry, ...proportions, ...sharpness, ...multilabel];
// Every group index (classification, regression, ...) exports `catalog`; naming it here keeps `export *` unambiguous.
export { papersCatalog as catalog };
