import { type Expr, checkParam, params } from '@losskit/core';
import { sigmoid, softplus } from '@losskit/core/math';
import { type Distance, cosine } from './distances.js';
import { type SubLoss, elementLoss } from './host/kernel.js';
import { type Mined, type PairData, asPairs } from './host/pairs.js';
import { pairList } from './host/reduce.js';
import { optionsOf } from './internal.js';
import { type Miner, checkMiner } from './miners.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type LevelOf, type Reducer, checkReducer, mean } from './reducers.js';

/** Options of {@link tupletMargin}. */
export interface TupletMarginOptions<R extends Reducer> {
  /** Angular margin β in degrees. Default 5.73 (PML; 0.1 rad). */
  readonly margin?: number;
  /** Scale s. Default 64. */
  readonly scale?: number;
  readonly miner?: Miner | undefined;
  /** Default `mean()` over positive pairs. */
  readonly reducer?: R;
}

type Params = { margin: number; scale: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

const CLAMP = 1 - 1e-7;

/**
 * Host form: `l_ap = log(1 + Σ_n c_an e^{s(s_an − cos(θ_ap − β))}) = softplus(L_a − s cos(θ_ap − β))` with
 * `L_a = log Σ_n c_an e^{s s_an}` over the anchor's negative pairs; `θ = acos(clip(s_ap, ±(1 − 1e-7)))`.
 */
function hostTuplet(d: PairData, mined: Mined, p: Params): SubLoss[] {
  const sel = asPairs(d, mined);
  const { b, r, m } = d;
  const P = pairList(sel.pos, r);
  const anyNeg = sel.neg.some((c) => c > 0);
  const L = new Float64Array(b).fill(-Infinity);
  const soft = new Float32Array(b * r);
  for (let a = 0; a < b; a++) {
    let mx = -Infinity;
    for (let j = 0; j < r; j++) if (sel.neg[a * r + j] !== 0) mx = Math.max(mx, p.scale * m[a * r + j]!);
    if (mx === -Infinity) continue;
    let s = 0;
    for (let j = 0; j < r; j++) {
      const c = sel.neg[a * r + j]!;
      if (c !== 0) {
        const e = c * Math.exp(p.scale * m[a * r + j]! - mx);
        soft[a * r + j] = e;
        s += e;
      }
    }
    for (let j = 0; j < r; j++) soft[a * r + j] = soft[a * r + j]! / s;
    L[a] = mx + Math.log(s);
  }
  const n = P.index.length;
  const c = new Float64Array(n); // cos(θ_ap − β)
  const dc = new Float64Array(n); // ∂cos(θ − β)/∂s = sin(θ − β)/sin θ
  const values = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const s = Math.min(CLAMP, Math.max(-CLAMP, m[P.index[t]!]!));
    const th = Math.acos(s);
    c[t] = Math.cos(th - p.margin);
    const clamped = Math.abs(m[P.index[t]!]!) >= CLAMP;
    dc[t] = clamped ? 0 : Math.sin(th - p.margin) / Math.sqrt(1 - s * s);
    const a = P.rows[t]!;
    if (anyNeg && L[a]! > -Infinity) values[t] = softplus(L[a]! - p.scale * c[t]!);
  }
  return [
    elementLoss('loss', { type: 'pos_pair', values, anchors: P.rows, mult: P.mult, others: [P.cols] }, (w, g) => {
      const q = new Float64Array(b);
      for (let t = 0; t < n; t++) {
        const a = P.rows[t]!;
        if (w[t] === 0 || !anyNeg || L[a] === -Infinity) continue;
        const u = w[t]! * sigmoid(L[a]! - p.scale * c[t]!);
        g[P.index[t]!]! -= u * p.scale * dc[t]!;
        q[a]! += u;
      }
      for (let a = 0; a < b; a++) {
        if (q[a] === 0) continue;
        for (let j = 0; j < r; j++) if (soft[a * r + j] !== 0) g[a * r + j]! += q[a]! * p.scale * soft[a * r + j]!;
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.tupletMargin',
  info: { what: 'tupletMargin', rectangular: true, host: (p) => (d, mined) => hostTuplet(d, mined, p) },
  print: (_a, p, m) => {
    const beta = +p.margin.toFixed(6);
    return m === 'latex'
      ? `\\log\\left(1 + \\sum_n e^{${p.scale}(\\cos\\theta_{an} - \\cos(\\theta_{ap} - ${beta}))}\\right)`
      : `log(1 + Σ_n exp(${p.scale}(cosθ_an - cos(θ_ap - ${beta}))))`;
  },
});

/**
 * Tuplet margin loss (Yu, Tao 2019, "Deep Metric Learning with Tuplet Margin Loss"; PML `TupletMarginLoss`): per
 * positive pair `(a, p)` with angle `θ_ap = acos(s_ap)`,
 * `l_ap = log(1 + Σ_{n ∈ N_a} e^{s(cos θ_an − cos(θ_ap − β))})` over the anchor's negative pairs (cosine
 * similarities), reduced by the mean over positive pairs. The sum factorizes, so the cost is O(B²). Defaults β = 5.73°,
 * s = 64. The paper pairs it with {@link intraPairVariance}.
 * @example compile(tupletMargin().plus(intraPairVariance()), { from: 'embeddings' })(labels, embeddings)
 */
export function tupletMargin<R extends Reducer = ReturnType<typeof mean>>(options: TupletMarginOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const deg = checkParam('margin', options.margin ?? 5.73, 'degrees in [0, 180)', (x) => x >= 0 && x < 180);
  const reducer = checkReducer(options.reducer ?? mean());
  return pairNode(op, reducer.level, { margin: (deg * Math.PI) / 180, scale: params.positive('scale', options.scale ?? 64), distance: cosine(), miner: checkMiner(options.miner), reducer }) as Expr<LevelOf<R>, 'any'>;
}
