/**
 * The losses optax users reach for that no Keras / torch builder already covers, as DSL builders (each file
 * cites the optax source it follows); `@losskit/losses/optax` has optax's own signatures over them.
 */
import type { CatalogEntry } from '@losskit/core';
import { multiclassHingeEntry } from './multiclassHinge.js';
import { multiclassPerceptronEntry, perceptronEntry } from './perceptron.js';
import { binarySparsemaxEntry } from './binarySparsemax.js';
import { generalizedKlEntry } from './generalizedKl.js';
import { rankingSoftmaxEntry } from './rankingSoftmax.js';
import { fenchelYoungEntry } from './fenchelYoung.js';
import { l2LossEntry } from './l2Loss.js';
import { cosineDistanceEntry } from './cosineDistance.js';
import { generalizedDiceEntry } from './generalizedDice.js';

export * from './multiclassHinge.js';
export * from './perceptron.js';
export * from './binarySparsemax.js';
export * from './generalizedKl.js';
export { rankingSoftmax, rankingSoftmaxEntry, type RankingSoftmaxOptions } from './rankingSoftmax.js';
export * from './fenchelYoung.js';
export * from './l2Loss.js';
export { cosineDistance, cosineDistanceEntry, type CosineDistanceOptions } from './cosineDistance.js';
export { generalizedDice, generalizedDiceEntry, type GeneralizedDiceOptions } from './generalizedDice.js';

/** Catalog entries of the optax losses in the DSL. */
export const optaxCatalog: readonly CatalogEntry[] = [
  multiclassHingeEntry,
  perceptronEntry,
  multiclassPerceptronEntry,
  binarySparsemaxEntry,
  generalizedKlEntry,
  rankingSoftmaxEntry,
  fenchelYoungEntry,
  l2LossEntry,
  cosineDistanceEntry,
  generalizedDiceEntry,
];
