import * as tf from '@tensorflow/tfjs-core';
import { type Expr, node, params } from '@losskit/core';
import { type Distance, checkDistance, cosine, distanceMatrix } from './distances.js';
import { type SubLoss, elementLoss, identityColumns } from './host/kernel.js';
import { type Counts, type Mined, type PairData, asPairs } from './host/pairs.js';
import { labelsOf, log1pSumExp, optionsOf } from './internal.js';
import { type Miner, checkMiner, labelMasks, minerInputs } from './miners.js';
import { pairLossOp } from './pairLoss.js';
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

type Params = { alpha: number; beta: number; base: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/**
 * `(1/α) log(1 + Σ_k e^{α x_k})` over the selected entries of row `a` and its gradient `∂/∂x_k = e^{α x_k}/(1 + Σ)`
 * (written into `soft`); 0 for an empty row.
 */
export function softplusLseRow(x: (k: number) => number, sel: Counts, a: number, r: number, alpha: number, soft: Float32Array): number {
  let mx = 0; // the "1" of log(1 + Σ) is e^0
  for (let j = 0; j < r; j++) if (sel[a * r + j]! > 0) mx = Math.max(mx, alpha * x(a * r + j));
  let s = Math.exp(-mx);
  let any = false;
  for (let j = 0; j < r; j++) {
    const k = a * r + j;
    if (sel[k]! > 0) {
      const e = Math.exp(alpha * x(k) - mx);
      soft[k] = e;
      s += e;
      any = true;
    }
  }
  if (!any) return 0;
  for (let j = 0; j < r; j++) soft[a * r + j] = soft[a * r + j]! / s;
  return (mx + Math.log(s)) / alpha;
}

/**
 * Host form (PML's mat-based multi-similarity): `l_a = (1/α) log(1 + Σ_p e^{α x_p}) + (1/β) log(1 + Σ_n e^{β y_n})`
 * with `x = λ − s` (distance: `d − λ`), `y = s − λ` (distance: `λ − d`).
 */
function hostMultiSimilarity(d: PairData, mined: Mined, p: Params): SubLoss[] {
  const sel = asPairs(d, mined);
  const pos = sel.pos;
  const neg = sel.neg;
  const { b, r, m, inverted: inv } = d;
  // x = ±(λ − m) scaled by α on positives, y = ±(m − λ) scaled by β on negatives; c = ∂x/∂m / α
  const c = inv ? -1 : 1;
  const e = new Float32Array(b * r); // e^{αx − max} or e^{βy − max}
  const invP = new Float64Array(b); // 1/(1 + Σ) in the shifted units, per side
  const invN = new Float64Array(b);
  const values = new Float64Array(b);
  for (let a = 0; a < b; a++) {
    const o = a * r;
    let mp = 0; // the "1" of log(1 + Σ) is e^0
    let mn = 0;
    let hasP = false;
    let hasN = false;
    for (let j = 0; j < r; j++) {
      const v = c * (m[o + j]! - p.base);
      if (pos[o + j] !== 0) {
        hasP = true;
        if (p.alpha * v > mp) mp = p.alpha * v;
      } else if (neg[o + j] !== 0) {
        hasN = true;
        if (-p.beta * v > mn) mn = -p.beta * v;
      }
    }
    let sp = Math.exp(-mp);
    let sn = Math.exp(-mn);
    for (let j = 0; j < r; j++) {
      const v = c * (m[o + j]! - p.base);
      if (pos[o + j] !== 0) {
        const t = Math.exp(p.alpha * v - mp);
        e[o + j] = t;
        sp += t;
      } else if (neg[o + j] !== 0) {
        const t = Math.exp(-p.beta * v - mn);
        e[o + j] = t;
        sn += t;
      }
    }
    invP[a] = 1 / sp;
    invN[a] = 1 / sn;
    values[a] = (hasP ? (mp + Math.log(sp)) / p.alpha : 0) + (hasN ? (mn + Math.log(sn)) / p.beta : 0);
  }
  return [
    elementLoss('loss', { type: 'element', values, anchors: identityColumns(b) }, (w, g) => {
      for (let a = 0; a < b; a++) {
        if (w[a] === 0) continue;
        const o = a * r;
        const tp = w[a]! * c * invP[a]!;
        const tn = -w[a]! * c * invN[a]!;
        for (let j = 0; j < r; j++) {
          const v = e[o + j]!;
          if (v === 0) continue;
          g[o + j]! += (pos[o + j] !== 0 ? tp : tn) * v;
        }
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.multiSimilarity',
  info: { what: 'multiSimilarity', rectangular: true, host: (p) => (d, mined) => hostMultiSimilarity(d, mined, p) },
  tfjs: (ctx, mat, p) => {
    const inv = p.distance.isInverted;
    const { pos, neg } = labelMasks(labelsOf(ctx, 'multiSimilarity'));
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
  return node(op, reducer.level, [distanceMatrix(distance), ...minerInputs(miner)], { alpha, beta, base, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}
