import * as tf from '@tensorflow/tfjs-core';
import { type Expr, node, params } from '@losskit/core';
import { type Distance, checkDistance, cosine, distanceMatrix, dotProduct } from './distances.js';
import { sigmoid, softplus } from '@losskit/core/math';
import { type SubLoss, elementLoss } from './host/kernel.js';
import { type Mined, type PairData, asPairs } from './host/pairs.js';
import { pairList } from './host/reduce.js';
import { labelsOf, maskedLseBinary, optionsOf } from './internal.js';
import { type Miner, checkMiner, labelMasks, minerInputs } from './miners.js';
import { pairLossOp } from './pairLoss.js';
import { type LevelOf, type Reducer, applyReducer, checkReducer, mean } from './reducers.js';

/** Options of {@link ntXent}. */
export interface NtXentOptions<R extends Reducer> {
  /** Temperature τ > 0. Default 0.07 (PML). */
  readonly temperature?: number;
  /** Default `cosine()`; a distance is negated (`s = -d`). */
  readonly distance?: Distance;
  readonly miner?: Miner | undefined;
  /** Default `mean()` over positive pairs. */
  readonly reducer?: R;
}

type Params = { temperature: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/**
 * Host form (PML's pair-based NT-Xent): per anchor `L_a = log Σ_n c_an e^{s_an}` over its negative pairs (with
 * multiplicity), `l_ap = softplus(L_a − s_ap)` per positive pair, `s = ±m/τ`. Gradient: `∂l/∂s_ap = −σ(L_a − s_ap)`,
 * `∂l/∂s_an = σ(L_a − s_ap) · c_an e^{s_an − L_a}`.
 */
function hostNtXent(d: PairData, mined: Mined, p: Params): SubLoss[] {
  const sel = asPairs(d, mined);
  const { b, r, m } = d;
  const k0 = (d.inverted ? 1 : -1) / p.temperature; // s = k0 · m
  const lse = new Float64Array(b).fill(-Infinity);
  const soft = new Float32Array(b * r); // c_an e^{s_an − max_a}; times invS[a] it is c_an e^{s_an − L_a}
  const invS = new Float64Array(b);
  const neg = sel.neg;
  for (let a = 0; a < b; a++) {
    const o = a * r;
    let mx = -Infinity;
    for (let j = 0; j < r; j++) if (neg[o + j] !== 0 && k0 * m[o + j]! > mx) mx = k0 * m[o + j]!;
    if (mx === -Infinity) continue;
    let s = 0;
    for (let j = 0; j < r; j++) {
      const c = neg[o + j]!;
      if (c !== 0) {
        const e = c * Math.exp(k0 * m[o + j]! - mx);
        soft[o + j] = e;
        s += e;
      }
    }
    lse[a] = mx + Math.log(s);
    invS[a] = 1 / s;
  }
  const P = pairList(sel.pos, r);
  const values = new Float64Array(P.index.length);
  for (let t = 0; t < values.length; t++) {
    const a = P.rows[t]!;
    if (lse[a]! > -Infinity) values[t] = softplus(lse[a]! - k0 * m[P.index[t]!]!);
  }
  return [
    elementLoss('loss', { type: 'pos_pair', values, anchors: P.rows, mult: P.mult, others: [P.cols] }, (w, g) => {
      const q = new Float64Array(b);
      for (let t = 0; t < w.length; t++) {
        const a = P.rows[t]!;
        if (w[t] === 0 || lse[a] === -Infinity) continue;
        const k = P.index[t]!;
        const u = w[t]! * sigmoid(lse[a]! - k0 * m[k]!);
        g[k]! -= u * k0;
        q[a]! += u;
      }
      for (let a = 0; a < b; a++) {
        if (q[a] === 0) continue;
        const o = a * r;
        const c = q[a]! * k0 * invS[a]!;
        for (let j = 0; j < r; j++) g[o + j]! += c * soft[o + j]!;
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.ntXent',
  info: { what: 'ntXent', rectangular: true, host: (p) => (d, mined) => hostNtXent(d, mined, p) },
  tfjs: (ctx, mat, p) => {
    const inv = p.distance.isInverted;
    const { pos, neg } = labelMasks(labelsOf(ctx, 'ntXent'));
    const s = tf.div(inv ? mat : tf.neg(mat), p.temperature);
    const n = maskedLseBinary(s, neg);
    // -log(e^{s_ap} / (e^{s_ap} + Σ_n e^{s_an})) = softplus(lse_n - s_ap); 0 when the anchor has no negative.
    const l = tf.where(tf.reshape(n.has, [-1, 1]), tf.softplus(tf.sub(tf.reshape(n.value, [-1, 1]), s)), tf.zerosLike(s));
    return applyReducer(l, pos, p.reducer);
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `-\\log\\frac{e^{s_{ap}/${p.temperature}}}{e^{s_{ap}/${p.temperature}} + \\sum_{n} e^{s_{an}/${p.temperature}}}`
      : `-log(exp(s_ap/${p.temperature}) / (exp(s_ap/${p.temperature}) + Σ_n exp(s_an/${p.temperature})))`,
});

/**
 * NT-Xent / InfoNCE (Chen et al. 2020, "A Simple Framework for Contrastive Learning of Visual
 * Representations"; van den Oord et al. 2018; PML `NTXentLoss`): for every positive pair `(a, p)`,
 * `l_ap = -log( e^{s_ap/τ} / (e^{s_ap/τ} + Σ_{n: y_n ≠ y_a} e^{s_an/τ}) )`, averaged over positive pairs.
 * For SimCLR pass both views stacked `[2N, D]` with labels `[0..N-1, 0..N-1]`. Default τ = 0.07,
 * cosine similarity. An anchor with no negative gives 0 for its pairs.
 * @example compile(ntXent({ temperature: 0.5 }), { from: 'embeddings' })(labels, embeddings)
 */
export function ntXent<R extends Reducer = ReturnType<typeof mean>>(options: NtXentOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const temperature = params.positive('temperature', options.temperature ?? 0.07);
  const distance = checkDistance(options.distance ?? cosine());
  const miner = checkMiner(options.miner);
  const reducer = checkReducer(options.reducer ?? mean());
  return node(op, reducer.level, [distanceMatrix(distance), ...minerInputs(miner)], { temperature, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}

/** Alias of {@link ntXent}. */
export const infoNce = ntXent;

/**
 * Multi-class N-pair loss (Sohn 2016, "Improved Deep Metric Learning with Multi-class N-pair Loss
 * Objective"): `l_ap = log(1 + Σ_n exp(f_aᵀf_n - f_aᵀf_p))` on unnormalized dot products, i.e.
 * {@link ntXent} with τ = 1 and `dotProduct()`, averaged over every positive pair (with several
 * positives per class, each is its own "pair"; PML instead samples one pair per class). The paper's
 * L2 penalty on the embeddings is left to the caller.
 */
export function nPairs<R extends Reducer = ReturnType<typeof mean>>(options: { readonly miner?: Miner | undefined; readonly reducer?: R } = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  return ntXent({ temperature: 1, distance: dotProduct(), ...options });
}
