import { type Expr, checkParam } from '@losskit/core';
import { type Distance, cosine } from './distances.js';
import { type SubLoss, elementLoss } from './host/kernel.js';
import { type Mined, type PairData, asPairs } from './host/pairs.js';
import { pairList } from './host/reduce.js';
import { optionsOf } from './internal.js';
import { type Miner, checkMiner } from './miners.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type LevelOf, type Reducer, checkReducer, mean } from './reducers.js';

/** Options of {@link angular}. */
export interface AngularOptions<R extends Reducer> {
  /** The angle α in degrees, in (0, 90). Default 40 (PML). */
  readonly alpha?: number;
  readonly miner?: Miner | undefined;
  /** Default `mean()` over positive pairs (PML `MeanReducer`). */
  readonly reducer?: R;
}

type Params = { alpha: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/**
 * Host form: per positive pair `(a, p)`, `f_n = 4 tan²α (s_an + s_pn) − 2(1 + tan²α) s_ap` over every negative `n`
 * of the anchor's label, `l_ap = log(1 + Σ_n e^{f_n})`.
 */
function hostAngular(d: PairData, mined: Mined, p: Params): SubLoss[] {
  const sel = asPairs(d, mined);
  const { b, r, m, rowLabels, colLabels } = d;
  const t2 = Math.tan(p.alpha) ** 2;
  const P = pairList(sel.pos, r);
  const anyNeg = sel.neg.some((c) => c > 0);
  const n = P.index.length;
  const values = new Float64Array(n);
  // softmax weights of the negatives per element, without the "1": q_n = e^{f_n} / (1 + Σ e^{f})
  const q: Float32Array[] = new Array(n);
  const negOf: Int32Array[] = [];
  for (let a = 0; a < b; a++) {
    const list: number[] = [];
    for (let j = 0; j < r; j++) if (colLabels[j] !== rowLabels[a]) list.push(j);
    negOf.push(Int32Array.from(list));
  }
  if (anyNeg) {
    for (let t = 0; t < n; t++) {
      const a = P.rows[t]!;
      const pc = P.cols[t]!;
      const negs = negOf[a]!;
      const base = -2 * (1 + t2) * m[a * r + pc]!;
      const f = new Float64Array(negs.length);
      let mx = 0; // the "1" is e^0
      for (let k = 0; k < negs.length; k++) {
        f[k] = 4 * t2 * (m[a * r + negs[k]!]! + m[pc * r + negs[k]!]!) + base;
        if (f[k]! > mx) mx = f[k]!;
      }
      let s = Math.exp(-mx);
      for (let k = 0; k < negs.length; k++) s += Math.exp(f[k]! - mx);
      values[t] = mx + Math.log(s);
      const qt = new Float32Array(negs.length);
      for (let k = 0; k < negs.length; k++) qt[k] = Math.exp(f[k]! - mx) / s;
      q[t] = qt;
    }
  }
  return [
    elementLoss('loss', { type: 'pos_pair', values, anchors: P.rows, mult: P.mult, others: [P.cols] }, (w, g) => {
      if (!anyNeg) return;
      for (let t = 0; t < n; t++) {
        if (w[t] === 0) continue;
        const a = P.rows[t]!;
        const pc = P.cols[t]!;
        const negs = negOf[a]!;
        const qt = q[t]!;
        let sq = 0;
        for (let k = 0; k < negs.length; k++) {
          const u = w[t]! * 4 * t2 * qt[k]!;
          g[a * r + negs[k]!]! += u;
          g[pc * r + negs[k]!]! += u;
          sq += qt[k]!;
        }
        g[a * r + pc]! -= w[t]! * 2 * (1 + t2) * sq;
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.angular',
  // reads s_pn (the positive's row): needs the square batch
  info: { what: 'angular', rectangular: false, host: (p) => (d, mined) => hostAngular(d, mined, p) },
  print: (_a, p, m) => {
    const t2 = +(Math.tan(p.alpha) ** 2).toPrecision(4);
    return m === 'latex'
      ? `\\log\\left(1 + \\sum_n e^{${4 * t2}(s_{an} + s_{pn}) - ${+(2 * (1 + t2)).toPrecision(4)}\\,s_{ap}}\\right)`
      : `log(1 + Σ_n exp(${4 * t2}(s_an + s_pn) - ${+(2 * (1 + t2)).toPrecision(4)}·s_ap))`;
  },
});

/**
 * Angular loss (Wang, Zhou, Wen, Liu, Lin 2017, "Deep Metric Learning with Angular Loss"; PML `AngularLoss`): on
 * L2-normalized embeddings, per positive pair `(a, p)`,
 * `l_ap = log(1 + Σ_{n: y_n ≠ y_a} exp(4 tan²α (x_a + x_p)ᵀx_n − 2(1 + tan²α) x_aᵀx_p))`,
 * over every negative of the anchor's label (a miner selects the positive pairs; PML likewise ignores mined
 * negatives), reduced by the mean over positive pairs. 0 when no negative pair exists. Default α = 40°.
 * Embeddings `[B, D]`, labels `[B]` → scalar (or `[B]` with `perAnchor()`). Cost O(B · P · N).
 * @example compile(angular({ alpha: 45 }), { from: 'embeddings' })(labels, embeddings)
 */
export function angular<R extends Reducer = ReturnType<typeof mean>>(options: AngularOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const deg = checkParam('alpha', options.alpha ?? 40, 'degrees in (0, 90)', (x) => x > 0 && x < 90);
  const reducer = checkReducer(options.reducer ?? mean());
  return pairNode(op, reducer.level, { alpha: (deg * Math.PI) / 180, distance: cosine(), miner: checkMiner(options.miner), reducer }) as Expr<LevelOf<R>, 'any'>;
}
