import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineOp, node } from '@losskit/core';
import { type Distance, checkDistance, distanceMatrix, euclidean } from './distances.js';
import { labelsOf, maskedLse, nonNegativeMargin, optionsOf } from './internal.js';
import { type Miner, checkMiner, minePairsTensor } from './miners.js';
import { type LevelOf, type Reducer, applyReducer, checkReducer, mean } from './reducers.js';

/** Options of {@link liftedStructure}. */
export interface LiftedStructureOptions<R extends Reducer> {
  /** Margin α >= 0. Default 1. */
  readonly margin?: number;
  /** Default `euclidean()`; a similarity is used as `D = -s`. */
  readonly distance?: Distance;
  readonly miner?: Miner | undefined;
  /** Default `mean()` over ordered positive pairs. */
  readonly reducer?: R;
}

const op = defineOp<{ margin: number; distance: Distance; miner: Miner | undefined; reducer: Reducer }>({
  kind: 'ml.liftedStructure',
  evaluate: (ctx, a, p) => {
    const mat = a[0]!;
    const { pos, neg } = minePairsTensor(p.miner, mat, labelsOf(ctx, 'liftedStructure'), p.distance.isInverted);
    const d = p.distance.isInverted ? tf.neg(mat) : mat;
    const lse = maskedLse(tf.sub(p.margin, d), neg); // log Σ_{k∈N(i)} e^{α - D_ik}
    const big = tf.where(lse.has, lse.value, tf.fill(lse.value.shape, -1e30));
    const b = ctx.batchSize;
    const ai = tf.broadcastTo(tf.reshape(big, [-1, 1]), [b, b]);
    const aj = tf.broadcastTo(tf.reshape(big, [1, -1]), [b, b]);
    const j = tf.add(tf.logSumExp(tf.stack([ai, aj]), 0), d);
    const l = tf.mul(tf.square(tf.relu(j)), 0.5);
    return applyReducer(l, pos, p.reducer);
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\frac{1}{2}\\left[\\log\\left(\\sum_{k\\in N_i} e^{${p.margin} - D_{ik}} + \\sum_{l\\in N_j} e^{${p.margin} - D_{jl}}\\right) + D_{ij}\\right]_+^2`
      : `½[log(Σ_{k∈N_i} exp(${p.margin} - D_ik) + Σ_{l∈N_j} exp(${p.margin} - D_jl)) + D_ij]_+²`,
});

/**
 * Lifted structured loss (Song, Xiang, Jegelka, Savarese 2016, "Deep Metric Learning via Lifted
 * Structured Feature Embedding"): for each positive pair `(i, j)`,
 * `J_ij = log( Σ_{k∈N_i} e^{α - D_ik} + Σ_{l∈N_j} e^{α - D_jl} ) + D_ij` and
 * `L = 1/(2|P̂|) Σ_{(i,j)∈P̂} [J_ij]_+²` over unordered pairs, computed as ½ · mean over ordered pairs.
 * Default α = 1, Euclidean distance. Pairs whose ends both lack negatives give 0.
 * @example compile(liftedStructure(), { from: 'embeddings' })(labels, embeddings)
 */
export function liftedStructure<R extends Reducer = ReturnType<typeof mean>>(options: LiftedStructureOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const margin = nonNegativeMargin('margin', options.margin ?? 1);
  const distance = checkDistance(options.distance ?? euclidean());
  const miner = checkMiner(options.miner);
  const reducer = checkReducer(options.reducer ?? mean());
  return node(op, reducer.level, [distanceMatrix(distance)], { margin, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}
