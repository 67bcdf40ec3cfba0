import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineOp, node, params } from '@losskit/core';
import { type Distance, checkDistance, cosine, distanceMatrix } from './distances.js';
import { labelsOf, maskedLseBinary, rowDot, optionsOf } from './internal.js';
import { type Miner, checkMiner, minePairsTensor } from './miners.js';
import { type LevelOf, type Reducer, applyReducer, checkReducer, meanNonZero } from './reducers.js';

/** Options of {@link supCon}. */
export interface SupConOptions<R extends Reducer> {
  /** Temperature τ > 0. Default 0.1 (PML). */
  readonly temperature?: number;
  /** Default `cosine()`. */
  readonly distance?: Distance;
  readonly miner?: Miner | undefined;
  /** Default `meanNonZero()` over anchors (PML). */
  readonly reducer?: R;
}

const op = defineOp<{ temperature: number; distance: Distance; miner: Miner | undefined; reducer: Reducer }>({
  kind: 'ml.supCon',
  evaluate: (ctx, a, p) => {
    const mat = a[0]!;
    const inv = p.distance.isInverted;
    const { pos, neg } = minePairsTensor(p.miner, mat, labelsOf(ctx, 'supCon'), inv);
    const s = tf.div(inv ? mat : tf.neg(mat), p.temperature);
    const denom = maskedLseBinary(s, tf.add(pos, neg)).value;
    const nPos = tf.sum(pos, -1);
    // -(1/|P_a|) Σ_p (s_ap - log Σ_{k≠a} e^{s_ak}); 0 for anchors without positives
    const l = tf.div(tf.sub(tf.mul(denom, nPos), rowDot(s, pos)), tf.maximum(nPos, 1));
    return applyReducer(l, tf.ones(l.shape), p.reducer);
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `-\\frac{1}{|P_a|}\\sum_{p\\in P_a}\\log\\frac{e^{s_{ap}/${p.temperature}}}{\\sum_{k\\neq a} e^{s_{ak}/${p.temperature}}}`
      : `-mean_p log(exp(s_ap/${p.temperature}) / Σ_{k≠a} exp(s_ak/${p.temperature}))`,
});

/**
 * Supervised contrastive loss (Khosla et al. 2020, "Supervised Contrastive Learning", the L_out form;
 * PML `SupConLoss`): per anchor `a`,
 * `l_a = -(1/|P_a|) Σ_{p∈P_a} log( e^{s_ap/τ} / Σ_{k≠a} e^{s_ak/τ} )`, with `P_a` the positives and the
 * denominator over positives and negatives (with a miner: the mined ones). Anchors without positives
 * give 0. Default τ = 0.1, cosine; reduced by mean over non-zero anchors.
 * @example compile(supCon({ temperature: 0.1 }), { from: 'embeddings' })(labels, embeddings)
 */
export function supCon<R extends Reducer = ReturnType<typeof meanNonZero>>(options: SupConOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const temperature = params.positive('temperature', options.temperature ?? 0.1);
  const distance = checkDistance(options.distance ?? cosine());
  const miner = checkMiner(options.miner);
  const reducer = checkReducer(options.reducer ?? meanNonZero());
  return node(op, reducer.level, [distanceMatrix(distance)], { temperature, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}
