import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineOp, node, params } from '@losskit/core';
import { type Distance, checkDistance, cosine, distanceMatrix } from './distances.js';
import { labelsOf, log1pSumExp, optionsOf } from './internal.js';
import { type Miner, checkMiner, minePairsTensor } from './miners.js';
import { type LevelOf, type Reducer, applyReducer, checkReducer, mean } from './reducers.js';

/** Options of {@link multiSimilarity}. */
export interface MultiSimilarityOptions<R extends Reducer> {
  /** Positive scale α. Default 2. */
  readonly alpha?: number;
  /** Negative scale β. Default 50. */
  readonly beta?: number;
  /** Base λ. Default 0.5. */
  readonly base?: number;
  /** Default `cosine()`. */
  readonly distance?: Distance;
  /** Default none; the paper pairs it with `multiSimilarityMiner()`. */
  readonly miner?: Miner | undefined;
  /** Default `mean()` over anchors. */
  readonly reducer?: R;
}

const op = defineOp<{ alpha: number; beta: number; base: number; distance: Distance; miner: Miner | undefined; reducer: Reducer }>({
  kind: 'ml.multiSimilarity',
  evaluate: (ctx, a, p) => {
    const mat = a[0]!;
    const inv = p.distance.isInverted;
    const { pos, neg } = minePairsTensor(p.miner, mat, labelsOf(ctx, 'multiSimilarity'), inv);
    const posExp = inv ? tf.sub(p.base, mat) : tf.sub(mat, p.base);
    const negExp = inv ? tf.sub(mat, p.base) : tf.sub(p.base, mat);
    const l = tf.add(tf.div(log1pSumExp(tf.mul(posExp, p.alpha), pos), p.alpha), tf.div(log1pSumExp(tf.mul(negExp, p.beta), neg), p.beta));
    return applyReducer(l, tf.ones(l.shape), p.reducer);
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\frac{1}{${p.alpha}}\\log\\left(1 + \\sum_{p} e^{-${p.alpha}(s_{ap} - ${p.base})}\\right) + \\frac{1}{${p.beta}}\\log\\left(1 + \\sum_{n} e^{${p.beta}(s_{an} - ${p.base})}\\right)`
      : `log(1 + Σ_p exp(-${p.alpha}(s_ap - ${p.base})))/${p.alpha} + log(1 + Σ_n exp(${p.beta}(s_an - ${p.base})))/${p.beta}`,
});

/**
 * Multi-similarity loss (Wang, Han, Huang, Dong, Scott 2019, "Multi-Similarity Loss with General Pair
 * Weighting for Deep Metric Learning"; PML `MultiSimilarityLoss`): per anchor,
 * `(1/α) log(1 + Σ_{p∈P_a} e^{-α(s_ap - λ)}) + (1/β) log(1 + Σ_{n∈N_a} e^{β(s_an - λ)})`
 * (for a distance, `s - λ` becomes `λ - d`). Defaults α = 2, β = 50, λ = 0.5 (the paper's).
 * An anchor with no pairs contributes 0. Embeddings `[B, D]`, labels `[B]` → scalar.
 * @example compile(multiSimilarity({ miner: multiSimilarityMiner() }), { from: 'embeddings' })
 */
export function multiSimilarity<R extends Reducer = ReturnType<typeof mean>>(options: MultiSimilarityOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const alpha = params.positive('alpha', options.alpha ?? 2);
  const beta = params.positive('beta', options.beta ?? 50);
  const base = params.finite('base', options.base ?? 0.5);
  const distance = checkDistance(options.distance ?? cosine());
  const miner = checkMiner(options.miner);
  const reducer = checkReducer(options.reducer ?? mean());
  return node(op, reducer.level, [distanceMatrix(distance)], { alpha, beta, base, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}
