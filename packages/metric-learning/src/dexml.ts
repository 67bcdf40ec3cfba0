import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineOp, node, params } from '@losskit/core';
import { cosine, distanceMatrix } from './distances.js';
import { labelsOf, maskedLse, optionsOf } from './internal.js';
import { labelMasks } from './miners.js';
import { type LevelOf, type Reducer, applyReducer, checkReducer, perAnchor } from './reducers.js';

const op = defineOp<{ temperature: number; reducer: Reducer }>({
  kind: 'ml.decoupledSoftmax',
  evaluate: (ctx, a, p) => {
    const s = tf.div(a[0]!, p.temperature);
    const { pos, neg } = labelMasks(labelsOf(ctx, 'decoupledSoftmax'));
    const n = maskedLse(s, neg);
    // -[s_il - log(e^{s_il} + Σ_{j∉P_i} e^{s_ij})] = softplus(lse_neg - s_il); 0 with no negatives
    const l = tf.where(tf.reshape(n.has, [-1, 1]), tf.softplus(tf.sub(tf.reshape(n.value, [-1, 1]), s)), tf.zerosLike(s));
    return applyReducer(l, pos, p.reducer);
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `-\\frac{1}{|P_i|}\\sum_{l\\in P_i}\\log\\frac{e^{s_{il}}}{e^{s_{il}} + \\sum_{j\\notin P_i} e^{s_{ij}}},\\ s = \\cos/${p.temperature}`
      : `-mean_{l∈P_i} log(exp(s_il) / (exp(s_il) + Σ_{j∉P_i} exp(s_ij))), s = cos/${p.temperature}`,
});

/**
 * DEXML decoupled softmax (Gupta et al. 2024, "Dual-Encoders for Extreme Multi-Label Classification"),
 * in-batch form: `s_ij = cos(e_i, e_j)/τ`, positives `P_i` = same label (j ≠ i), and
 * `l_i = -(1/|P_i|) Σ_{l∈P_i} [ s_il - log( e^{s_il} + Σ_{j∉P_i, j≠i} e^{s_ij} ) ]`: the other
 * positives are removed from each denominator. Default τ = 0.05 (the paper's). The default reducer is
 * `perAnchor()` (the `1/|P_i|` mean, then `compile`'s mean over i = the paper's `1/B`). The paper's
 * positive sampling (`loss_sample`) and its soft top-k loss are not included.
 */
export function decoupledSoftmax<R extends Reducer = ReturnType<typeof perAnchor>>(options: { readonly temperature?: number; readonly reducer?: R } = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const temperature = params.positive('temperature', options.temperature ?? 0.05);
  const reducer = checkReducer(options.reducer ?? perAnchor());
  return node(op, reducer.level, [distanceMatrix(cosine())], { temperature, reducer }) as Expr<LevelOf<R>, 'any'>;
}
