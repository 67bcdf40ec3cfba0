import { type Expr, node } from '@losskit/core';
import { type Distance, checkDistance, distanceMatrix, distanceName, euclidean } from './distances.js';
import { asTriplets } from './host/pairs.js';
import { hingeTriplets } from './host/triplets.js';
import { nonNegativeMargin, optionsOf } from './internal.js';
import { type Miner, checkMiner, minerInputs } from './miners.js';
import { pairLossOp } from './pairLoss.js';
import { type LevelOf, type Reducer, checkReducer, meanNonZero } from './reducers.js';

/** Options of {@link tripletMargin}. */
export interface TripletMarginOptions<R extends Reducer> {
  /** Margin `m >= 0`. Default 0.05 (PML). */
  readonly margin?: number;
  /** Default `euclidean()`. */
  readonly distance?: Distance;
  /** Default: every valid triplet. */
  readonly miner?: Miner | undefined;
  /** Default `meanNonZero()` (PML `AvgNonZeroReducer`). */
  readonly reducer?: R;
}

const op = pairLossOp<{ margin: number; distance: Distance; miner: Miner | undefined; reducer: Reducer }>({
  kind: 'ml.tripletMargin',
  info: { what: 'tripletMargin', rectangular: true, host: (p) => (d, mined) => [hingeTriplets('loss', d, asTriplets(mined), p.margin)] },
  print: (_a, p, m) => {
    const d = distanceName(p.distance, m);
    const [x, y] = p.distance.isInverted ? ['an', 'ap'] : ['ap', 'an'];
    return m === 'latex' ? `\\left[${d}_{${x}} - ${d}_{${y}} + ${p.margin}\\right]_+` : `[${d}_${x} - ${d}_${y} + ${p.margin}]_+`;
  },
});

/**
 * Triplet margin loss (Weinberger & Saul 2009; Schroff et al. 2015, "FaceNet"; PML `TripletMarginLoss`):
 * per triplet `(a, p, n)`, `l = [d(a,p) - d(a,n) + m]_+` for a distance, `[s(a,n) - s(a,p) + m]_+` for a
 * similarity. Triplets: every valid one, or the miner's (`batchHard()` gives Hermans et al.'s batch-hard
 * loss). Reduced by `reducer` (default mean over the triplets with positive loss; 0 if none).
 * Embeddings `[B, D]`, labels `[B]` → scalar (or `[B]` with `perAnchor()`). The triplets are never listed: per
 * anchor the negatives are sorted once and each positive's triplets are counted and summed by binary search, so
 * every miner costs O(B² log B) time and O(B²) memory (PML builds the O(B³) triplet list).
 * @example
 * const loss = compile(tripletMargin({ margin: 0.2, distance: cosine(), miner: batchHard() }), { from: 'embeddings' });
 * loss(labels, embeddings);
 */
export function tripletMargin<R extends Reducer = ReturnType<typeof meanNonZero>>(options: TripletMarginOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const margin = nonNegativeMargin('margin', options.margin ?? 0.05);
  const distance = checkDistance(options.distance ?? euclidean());
  const miner = checkMiner(options.miner);
  const reducer = checkReducer(options.reducer ?? meanNonZero());
  return node(op, reducer.level, [distanceMatrix(distance), ...minerInputs(miner)], { margin, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}
