import * as tf from '@tensorflow/tfjs-core';
import { type Expr, node, params } from '@losskit/core';
import { type Distance, checkDistance, cosine, distanceMatrix } from './distances.js';
import { type SubLoss, elementLoss, identityColumns } from './host/kernel.js';
import { type Mined, type PairData, asPairs } from './host/pairs.js';
import { labelsOf, maskedLseBinary, rowDot, optionsOf } from './internal.js';
import { type Miner, checkMiner, labelMasks, minerInputs } from './miners.js';
import { pairLossOp } from './pairLoss.js';
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

type Params = { temperature: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/**
 * Host form (PML's mat-based SupCon): per anchor `L_a = log Σ_{k∈P∪N} e^{s_ak}`, `l_a = (1/|P_a|) Σ_p (L_a − s_ap)`;
 * `∂l_a/∂s_ak = softmax_k − 1[k ∈ P_a]/|P_a|`. Zero when the batch has no positive or no negative pair (PML).
 */
function hostSupCon(d: PairData, mined: Mined, p: Params): SubLoss[] {
  const sel = asPairs(d, mined);
  const pos = sel.pos;
  const neg = sel.neg;
  const { b, r, m } = d;
  const k0 = (d.inverted ? 1 : -1) / p.temperature;
  const values = new Float64Array(b);
  const e = new Float32Array(b * r); // e^{s_ak − max_a} on P ∪ N, normalized by invS[a]
  const invS = new Float64Array(b);
  const invP = new Float64Array(b); // 1/|P_a|, 0 without positives
  let anyPos = false;
  let anyNeg = false;
  for (let k = 0; k < pos.length; k++) {
    if (pos[k] !== 0) anyPos = true;
    if (neg[k] !== 0) anyNeg = true;
    if (anyPos && anyNeg) break;
  }
  if (anyPos && anyNeg) {
    for (let a = 0; a < b; a++) {
      const o = a * r;
      let mx = -Infinity;
      let np = 0;
      let sp = 0;
      for (let j = 0; j < r; j++) {
        const isPos = pos[o + j] !== 0;
        if (!isPos && neg[o + j] === 0) continue;
        const z = k0 * m[o + j]!;
        if (z > mx) mx = z;
        if (isPos) {
          np++;
          sp += z;
        }
      }
      if (np === 0) continue;
      let sum = 0;
      for (let j = 0; j < r; j++) {
        if (pos[o + j] === 0 && neg[o + j] === 0) continue;
        const v = Math.exp(k0 * m[o + j]! - mx);
        e[o + j] = v;
        sum += v;
      }
      invS[a] = 1 / sum;
      invP[a] = 1 / np;
      values[a] = mx + Math.log(sum) - sp / np;
    }
  }
  return [
    elementLoss('loss', { type: 'element', values, anchors: identityColumns(b) }, (w, g) => {
      for (let a = 0; a < b; a++) {
        if (w[a] === 0 || invP[a] === 0) continue;
        const o = a * r;
        const t = w[a]! * k0;
        const ts = t * invS[a]!;
        const tp = t * invP[a]!;
        for (let j = 0; j < r; j++) {
          const v = e[o + j]!;
          if (v !== 0) g[o + j]! += ts * v;
          if (pos[o + j] !== 0) g[o + j]! -= tp;
        }
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.supCon',
  info: { what: 'supCon', rectangular: true, host: (p) => (d, mined) => hostSupCon(d, mined, p) },
  tfjs: (ctx, mat, p) => {
    const inv = p.distance.isInverted;
    const { pos, neg } = labelMasks(labelsOf(ctx, 'supCon'));
    const s = tf.div(inv ? mat : tf.neg(mat), p.temperature);
    const denom = maskedLseBinary(s, tf.add(pos, neg)).value;
    const nPos = tf.sum(pos, -1);
    // -(1/|P_a|) Σ_p (s_ap - log Σ_{k≠a} e^{s_ak}); 0 for anchors without positives, and when the batch has no negative
    const l = tf.mul(tf.div(tf.sub(tf.mul(denom, nPos), rowDot(s, pos)), tf.maximum(nPos, 1)), tf.cast(tf.greater(tf.max(neg), 0), 'float32'));
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
  return node(op, reducer.level, [distanceMatrix(distance), ...minerInputs(miner)], { temperature, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}
