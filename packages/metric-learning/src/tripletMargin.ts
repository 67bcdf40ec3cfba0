import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineOp, node } from '@losskit/core';
import { type Distance, checkDistance, distanceMatrix, distanceName, euclidean } from './distances.js';
import { labelsOf, nonNegativeMargin, rowDot, optionsOf } from './internal.js';
import { type Miner, checkMiner, mineTripletsTensor } from './miners.js';
import { type LevelOf, type Reducer, applyReducer, checkReducer, meanNonZero } from './reducers.js';

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

const op = defineOp<{ margin: number; distance: Distance; miner: Miner | undefined; reducer: Reducer }>({
  kind: 'ml.tripletMargin',
  evaluate: (ctx, a, p) => {
    const mat = a[0]!;
    const y = labelsOf(ctx, 'tripletMargin');
    const inv = p.distance.isInverted;
    const tr = mineTripletsTensor(p.miner, mat, y, inv);
    if (tr.type === 'perAnchor') {
      const ap = rowDot(mat, tr.p);
      const an = rowDot(mat, tr.n);
      const l = tf.relu(tf.add(inv ? tf.sub(an, ap) : tf.sub(ap, an), p.margin));
      return applyReducer(l, tf.sum(tr.p, -1), p.reducer);
    }
    const ap = tf.expandDims(mat, 2);
    const an = tf.expandDims(mat, 1);
    const l = tf.relu(tf.add(inv ? tf.sub(an, ap) : tf.sub(ap, an), p.margin));
    return applyReducer(l, tr.t, p.reducer);
  },
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
 * Embeddings `[B, D]`, labels `[B]` → scalar (or `[B]` with `perAnchor()`).
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
  return node(op, reducer.level, [distanceMatrix(distance)], { margin, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}
