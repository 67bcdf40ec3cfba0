import type { CatalogEntry } from '@losskit/core';
export * from './classification/index.js';
export * from './regression/index.js';
export * from './confidence/index.js';
export * from './distillation/index.js';
export * from './divergence/index.js';
export * from './weak/index.js';
export * from './combinators/index.js';
export * from './pretraining/index.js';
export * from './sequence/index.js';
export * from './testTime/index.js';
export * from './generative/index.js';
export * from './compression/index.js';
export * from './finetuning/index.js';
export * from './augmentation/index.js';
import { catalog as classification } from './classification/index.js';
import { catalog as regression } from './regression/index.js';
import { catalog as confidence } from './confidence/index.js';
import { catalog as distillation } from './distillation/index.js';
import { catalog as divergence } from './divergence/index.js';
import { catalog as weak } from './weak/index.js';
import { catalog as combinators } from './combinators/index.js';
import { catalog as pretraining } from './pretraining/index.js';
import { catalog as sequence } from './sequence/index.js';
import { catalog as testTime } from './testTime/index.js';
import { catalog as generative } from './generative/index.js';
import { catalog as compression } from './compression/index.js';
import { catalog as finetuning } from './finetuning/index.js';
import { catalog as augmentation } from './augmentation/index.js';

/** Catalog entries of the losses from papers. */
export const papersCatalog: readonly CatalogEntry[] = [...classification, ...regression, ...confidence, ...distillation, ...divergence, ...weak, ...combinators, ...pretraining, ...sequence, ...testTime, ...generative, ...compression, ...finetuning, ...augmentation];
// Every group index (classification, regression, ...) exports `catalog`; naming it here keeps `export *` unambiguous.
export { papersCatalog as catalog };
