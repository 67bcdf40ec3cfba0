import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineOp, node, params, stopGradient } from '@losskit/core';
import { type Distance, checkDistance, cosine, distanceMatrix } from './distances.js';
import { labelsOf, maskedLse, optionsOf } from './internal.js';
import { type Miner, checkMiner, minePairsTensor } from './miners.js';
import { type LevelOf, type Reducer, applyReducer, checkReducer, meanNonZero } from './reducers.js';

/** Options of {@link circle}. */
export interface CircleOptions<R extends Reducer> {
  /** Relaxation m. Default 0.25. */
  readonly m?: number;
  /** Scale γ. Default 256. */
  readonly gamma?: number;
  /** A similarity; default `cosine()`. */
  readonly distance?: Distance;
  readonly miner?: Miner | undefined;
  /** Default `meanNonZero()` over anchors (PML). */
  readonly reducer?: R;
}

const op = defineOp<{ m: number; gamma: number; distance: Distance; miner: Miner | undefined; reducer: Reducer }>({
  kind: 'ml.circle',
  evaluate: (ctx, a, p) => {
    const s = a[0]!;
    const { pos, neg } = minePairsTensor(p.miner, s, labelsOf(ctx, 'circle'), true);
    const sg = stopGradient(s);
    const alphaP = tf.relu(tf.sub(1 + p.m, sg));
    const alphaN = tf.relu(tf.add(sg, p.m));
    const logitP = tf.mul(tf.mul(alphaP, tf.sub(s, 1 - p.m)), -p.gamma);
    const logitN = tf.mul(tf.mul(alphaN, tf.sub(s, p.m)), p.gamma);
    const lp = maskedLse(logitP, pos);
    const ln = maskedLse(logitN, neg);
    const both = tf.logicalAnd(lp.has, ln.has);
    const l = tf.where(both, tf.softplus(tf.add(lp.value, ln.value)), tf.zerosLike(lp.value));
    return applyReducer(l, tf.ones(l.shape), p.reducer);
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\log\\left(1 + \\sum_n e^{${p.gamma}\\alpha_n(s_n - ${p.m})} \\sum_p e^{-${p.gamma}\\alpha_p(s_p - ${1 - p.m})}\\right)`
      : `softplus(logsumexp_n(${p.gamma}·α_n(s_n - ${p.m})) + logsumexp_p(-${p.gamma}·α_p(s_p - ${1 - p.m})))`,
});

/**
 * Circle loss (Sun et al. 2020, "Circle Loss: A Unified Perspective of Pair Similarity Optimization";
 * PML `CircleLoss`), per anchor with positive similarities `s_p` and negative `s_n`:
 * `log(1 + Σ_n e^{γ α_n (s_n - Δ_n)} Σ_p e^{-γ α_p (s_p - Δ_p)})` with `α_p = [1 + m - s_p]_+`,
 * `α_n = [s_n + m]_+` (both without gradient), `Δ_p = 1 - m`, `Δ_n = m`. Defaults m = 0.25, γ = 256.
 * Anchors lacking a positive or a negative give 0. Needs a similarity (`cosine()` by default).
 * @example compile(circle(), { from: 'embeddings' })(labels, embeddings)
 */
export function circle<R extends Reducer = ReturnType<typeof meanNonZero>>(options: CircleOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const m = params.nonNegative('m', options.m ?? 0.25);
  const gamma = params.positive('gamma', options.gamma ?? 256);
  const distance = checkDistance(options.distance ?? cosine(), ['cosine', 'dotProduct']);
  const miner = checkMiner(options.miner);
  const reducer = checkReducer(options.reducer ?? meanNonZero());
  return node(op, reducer.level, [distanceMatrix(distance)], { m, gamma, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}
