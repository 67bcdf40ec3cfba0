/**
 * Classification losses from the literature, each a builder returning a sample-level DSL expression.
 * @packageDocumentation
 */
import type { CatalogEntry } from '@losskit/core';
import { aldrKlEntry } from './aldrKl.js';
import { biasLossEntry } from './biasLoss.js';
import { classBalancedEntry } from './classBalanced.js';
import { compSumEntry, gceEntry, maeEntry, sumExponentialEntry } from './compSum.js';
import { focalEntry } from './focal.js';
import { harmonicEntry } from './harmonic.js';
import { integratedRiskEntry } from './integratedRisk.js';
import { ldamEntry } from './ldam.js';
import { ldrKlEntry } from './ldrKl.js';
import { logitAdjustedEntry } from './logitAdjusted.js';
import { logZSquaredEntry } from './logZSquared.js';
import { oneVsRestEntry } from './oneVsRest.js';
import { sparsemaxLossEntry } from './sparsemaxLoss.js';
import { sphericalZEntry } from './sphericalZ.js';
import { squentropyEntry } from './squentropy.js';
import { stableMaxCeEntry } from './stableMaxCe.js';

export { squentropy, squentropyEntry } from './squentropy.js';
export { compSum, gce, mae, sumExponential, compSumEntry, gceEntry, maeEntry, sumExponentialEntry, type CompSumOptions, type GceOptions } from './compSum.js';
export { ldrKl, ldrKlEntry, type LdrKlOptions } from './ldrKl.js';
export { aldrKl, aldrLambdas, aldrKlEntry, type AldrKlOptions } from './aldrKl.js';
export { sphericalZ, sphericalZEntry, type SphericalZOptions } from './sphericalZ.js';
export { logZSquared, logZSquaredEntry, type LogZSquaredOptions } from './logZSquared.js';
export { stableMaxCe, stableMaxCeEntry } from './stableMaxCe.js';
export { harmonic, harmonicEntry, type HarmonicOptions } from './harmonic.js';
export { sparsemaxLoss, sparsemaxLossEntry } from './sparsemaxLoss.js';
export { biasLoss, biasLossEntry, type BiasLossOptions } from './biasLoss.js';
export { ldam, ldamMargins, drwWeights, ldamEntry, type LdamOptions, type DrwOptions } from './ldam.js';
export { logitAdjusted, logitAdjustedEntry, type LogitAdjustedOptions } from './logitAdjusted.js';
export { focal, focalEntry, type FocalOptions } from './focal.js';
export { classBalanced, classBalancedWeights, classBalancedEntry, type ClassBalancedOptions } from './classBalanced.js';
export { oneVsRest, oneVsRestEntry } from './oneVsRest.js';
export { integratedRisk, integratedRiskEntry, falseHeadRate, type IntegratedRiskOptions, type FalseHeadRateOptions, type FalseHeadRate } from './integratedRisk.js';

/** Catalog entries of the classification losses from papers. */
export const catalog: readonly CatalogEntry[] = [
  squentropyEntry,
  compSumEntry,
  gceEntry,
  maeEntry,
  sumExponentialEntry,
  ldrKlEntry,
  aldrKlEntry,
  sphericalZEntry,
  logZSquaredEntry,
  stableMaxCeEntry,
  harmonicEntry,
  sparsemaxLossEntry,
  biasLossEntry,
  ldamEntry,
  logitAdjustedEntry,
  focalEntry,
  classBalancedEntry,
  oneVsRestEntry,
  integratedRiskEntry,
];
