import * as tf from '@tensorflow/tfjs-core';
import { type Expr, node, params, stopGradient } from '@losskit/core';
import { type Distance, checkDistance, cosine, distanceMatrix } from './distances.js';
import { sigmoid, softplus } from '@losskit/core/math';
import { type SubLoss, elementLoss, identityColumns } from './host/kernel.js';
import { type Counts, type Mined, type PairData, asPairs } from './host/pairs.js';
import { labelsOf, maskedLse, optionsOf } from './internal.js';
import { type Miner, checkMiner, labelMasks, minerInputs } from './miners.js';
import { pairLossOp } from './pairLoss.js';
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

type Params = { m: number; gamma: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/** `log Σ_k e^{x_k}` over the selected entries of row `a` (−∞ when none), its softmax written into `soft`. */
export function lseRow(x: (k: number) => number, sel: Counts, a: number, r: number, soft: Float32Array): number {
  let mx = -Infinity;
  for (let j = 0; j < r; j++) if (sel[a * r + j]! > 0) mx = Math.max(mx, x(a * r + j));
  if (mx === -Infinity) return -Infinity;
  let s = 0;
  for (let j = 0; j < r; j++) {
    const k = a * r + j;
    if (sel[k]! > 0) {
      const e = Math.exp(x(k) - mx);
      soft[k] = e;
      s += e;
    }
  }
  for (let j = 0; j < r; j++) soft[a * r + j] = soft[a * r + j]! / s;
  return mx + Math.log(s);
}

/**
 * Host form (PML `CircleLoss`): `l_a = softplus(LSE_p(−γ α_p (s_p − 1 + m)) + LSE_n(γ α_n (s_n − m)))` with the
 * weights `α_p = [1 + m − s_p]_+`, `α_n = [s_n + m]_+` held constant; 0 for anchors lacking either kind.
 */
function hostCircle(d: PairData, mined: Mined, p: Params): SubLoss[] {
  const sel = asPairs(d, mined);
  const pos = sel.pos;
  const neg = sel.neg;
  const { b, r, m: s } = d;
  const { m, gamma } = p;
  // logits: −γ[1 + m − s]_+(s − 1 + m) on positives, γ[s + m]_+(s − m) on negatives; weights held constant
  const e = new Float32Array(b * r);
  const invP = new Float64Array(b);
  const invN = new Float64Array(b);
  const z = new Float64Array(b).fill(-Infinity);
  const values = new Float64Array(b);
  const logit = (k: number, isPos: boolean) => {
    const v = s[k]!;
    return isPos ? -gamma * Math.max(0, 1 + m - v) * (v - (1 - m)) : gamma * Math.max(0, v + m) * (v - m);
  };
  for (let a = 0; a < b; a++) {
    const o = a * r;
    let mp = -Infinity;
    let mn = -Infinity;
    for (let j = 0; j < r; j++) {
      if (pos[o + j] !== 0) {
        const t = logit(o + j, true);
        if (t > mp) mp = t;
      } else if (neg[o + j] !== 0) {
        const t = logit(o + j, false);
        if (t > mn) mn = t;
      }
    }
    if (mp === -Infinity || mn === -Infinity) continue;
    let sp = 0;
    let sn = 0;
    for (let j = 0; j < r; j++) {
      if (pos[o + j] !== 0) {
        const t = Math.exp(logit(o + j, true) - mp);
        e[o + j] = t;
        sp += t;
      } else if (neg[o + j] !== 0) {
        const t = Math.exp(logit(o + j, false) - mn);
        e[o + j] = t;
        sn += t;
      }
    }
    invP[a] = 1 / sp;
    invN[a] = 1 / sn;
    z[a] = mp + Math.log(sp) + mn + Math.log(sn);
    values[a] = softplus(z[a]!);
  }
  return [
    elementLoss('loss', { type: 'element', values, anchors: identityColumns(b) }, (w, g) => {
      for (let a = 0; a < b; a++) {
        if (w[a] === 0 || z[a] === -Infinity) continue;
        const o = a * r;
        const t = w[a]! * sigmoid(z[a]!);
        const tp = -t * invP[a]! * gamma;
        const tn = t * invN[a]! * gamma;
        for (let j = 0; j < r; j++) {
          const v = e[o + j]!;
          if (v === 0) continue;
          const x = s[o + j]!;
          g[o + j]! += pos[o + j] !== 0 ? tp * v * Math.max(0, 1 + m - x) : tn * v * Math.max(0, x + m);
        }
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.circle',
  info: { what: 'circle', rectangular: true, host: (p) => (d, mined) => hostCircle(d, mined, p) },
  tfjs: (ctx, s, p) => {
    const { pos, neg } = labelMasks(labelsOf(ctx, 'circle'));
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
  return node(op, reducer.level, [distanceMatrix(distance), ...minerInputs(miner)], { m, gamma, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}
