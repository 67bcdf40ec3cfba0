/** Objectives for training networks that are then compressed. */
import type { CatalogEntry } from '@losskit/core';
import { bceRankingEntry } from './bceRanking.js';

export { bceRankingLoss, positiveRankingPenalty, bceRankingEntry, type BceRankingOptions } from './bceRanking.js';

/** Catalog entries of the compression objectives. */
export const catalog: readonly CatalogEntry[] = [bceRankingEntry];
