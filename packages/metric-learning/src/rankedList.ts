import { type Expr, checkParam, params } from '@losskit/core';
import { type Distance, checkDistance, euclidean } from './distances.js';
import { type SubLoss, elementLoss, identityColumns } from './host/kernel.js';
import type { PairData } from './host/pairs.js';
import { optionsOf } from './internal.js';
import type { Miner } from './miners.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type LevelOf, type Reducer, checkReducer, mean } from './reducers.js';

/** Options of {@link rankedList}. */
export interface RankedListOptions<R extends Reducer> {
  /** Margin m between the positive and negative boundaries. Default 0.4 (PML has no default). */
  readonly margin?: number;
  /** Temperature of the negative weights. Default 10 (PML has no default). */
  readonly Tn?: number;
  /** Temperature of the positive weights. Default 0 (RLL-Simpler). */
  readonly Tp?: number;
  /** Trade-off λ ∈ [0, 1] between the positive and negative sets. Default 0.5. */
  readonly imbalance?: number;
  /** Negative boundary α. Default `1 + margin/2`. */
  readonly alpha?: number;
  /** Default `euclidean({ normalize: true })`. */
  readonly distance?: Distance;
  /** Default `mean()` over anchors. */
  readonly reducer?: R;
}

type Params = { margin: number; Tn: number; Tp: number; imbalance: number; alpha: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/**
 * Host form (PML `RankedListLoss`, diagonal zeroed): `P* = {j ≠ i: y_j = y_i, d_ij > α − m}`, `N* = {j: y_j ≠ y_i,
 * d_ij < α}` (entries > 0 only), `w⁺ = e^{T_p (d − (α − m))}`, `w⁻ = e^{T_n (α − d)}` (with gradient, as PML),
 * `L_P = Σ w⁺ (d − (α − m)) / Σ_j (w⁺_j + 1e-5)`, `L_N = Σ w⁻ (α − d) / Σ_j (w⁻_j + 1e-5)`, `l_i = (1 − λ) L_P + λ L_N`.
 */
function hostRankedList(d: PairData, p: Params): SubLoss[] {
  const { b, r, m, rowLabels, colLabels, selfCol } = d;
  const cp = p.alpha - p.margin;
  const kind = new Int8Array(b * r); // 1 positive set, −1 negative set
  const w = new Float64Array(b * r);
  const sums = new Float64Array(4 * b); // per row: Σw⁺, Σw⁺x⁺, Σw⁻, Σw⁻x⁻
  const values = new Float64Array(b);
  for (let i = 0; i < b; i++) {
    let wp = r * 1e-5;
    let ap = 0;
    let wn = r * 1e-5;
    let an = 0;
    for (let j = 0; j < r; j++) {
      const k = i * r + j;
      const v = j === selfCol[i] ? 0 : m[k]!;
      if (!(v > 0)) continue;
      if (colLabels[j] === rowLabels[i]) {
        if (v > cp) {
          kind[k] = 1;
          w[k] = Math.exp(p.Tp * (v - cp));
          wp += w[k]!;
          ap += w[k]! * (v - cp);
        }
      } else if (v < p.alpha) {
        kind[k] = -1;
        w[k] = Math.exp(p.Tn * (p.alpha - v));
        wn += w[k]!;
        an += w[k]! * (p.alpha - v);
      }
    }
    sums.set([wp, ap, wn, an], 4 * i);
    values[i] = (1 - p.imbalance) * (ap / wp) + p.imbalance * (an / wn);
  }
  return [
    elementLoss('loss', { type: 'element', values, anchors: identityColumns(b) }, (wt, g) => {
      for (let i = 0; i < b; i++) {
        if (wt[i] === 0) continue;
        const [wp, ap, wn, an] = [sums[4 * i]!, sums[4 * i + 1]!, sums[4 * i + 2]!, sums[4 * i + 3]!];
        for (let j = 0; j < r; j++) {
          const k = i * r + j;
          if (kind[k] === 1) {
            // ∂(A/W)/∂d = (w + T w x)/W − A T w / W², x = d − (α − m)
            const x = m[k]! - cp;
            g[k]! += wt[i]! * (1 - p.imbalance) * ((w[k]! + p.Tp * w[k]! * x) / wp - (ap * p.Tp * w[k]!) / (wp * wp));
          } else if (kind[k] === -1) {
            // x = α − d: ∂x/∂d = −1, ∂w/∂d = −T w
            const x = p.alpha - m[k]!;
            g[k]! += wt[i]! * p.imbalance * ((-w[k]! - p.Tn * w[k]! * x) / wn + (an * p.Tn * w[k]!) / (wn * wn));
          }
        }
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.rankedList',
  info: { what: 'rankedList', rectangular: true, host: (p) => (d) => hostRankedList(d, p) },
  print: (_a, p, m) =>
    m === 'latex'
      ? `${1 - p.imbalance}\\,\\frac{\\sum_{P^*} w^{+}(d - ${+(p.alpha - p.margin).toFixed(6)})}{\\sum w^{+}} + ${p.imbalance}\\,\\frac{\\sum_{N^*} w^{-}(${p.alpha} - d)}{\\sum w^{-}}`
      : `${1 - p.imbalance}·Σ_P* w⁺(d - ${+(p.alpha - p.margin).toFixed(6)})/Σw⁺ + ${p.imbalance}·Σ_N* w⁻(${p.alpha} - d)/Σw⁻`,
});

/**
 * Ranked list loss (Wang, Hua, Kodirov, Hu, Garnier, Robertson 2019, "Ranked List Loss for Deep Metric Learning";
 * PML `RankedListLoss`): per anchor, the positives beyond the boundary `α − m` and the negatives within `α` are
 * weighted (`w⁺ = e^{T_p (d − (α − m))}`, `w⁻ = e^{T_n (α − d)}`) and
 * `l_i = (1 − λ) Σ_{P*} w⁺(d − (α − m)) / Σ(w⁺ + 10⁻⁵) + λ Σ_{N*} w⁻(α − d) / Σ(w⁻ + 10⁻⁵)`, the ε summed over every
 * column as in PML; averaged over anchors. Defaults m = 0.4, T_n = 10 (PML requires both), T_p = 0, λ = 0.5,
 * α = 1 + m/2, normalized Euclidean distance.
 * @example compile(rankedList({ margin: 0.4, Tn: 10 }), { from: 'embeddings' })(labels, embeddings)
 */
export function rankedList<R extends Reducer = ReturnType<typeof mean>>(options: RankedListOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const margin = params.nonNegative('margin', options.margin ?? 0.4);
  const Tn = checkParam('Tn', options.Tn ?? 10, 'a number in [−50, 50] (larger temperatures overflow e^{T d})', (x) => Math.abs(x) <= 50);
  const Tp = checkParam('Tp', options.Tp ?? 0, 'a number in [−50, 50] (larger temperatures overflow e^{T d})', (x) => Math.abs(x) <= 50);
  const reducer = checkReducer(options.reducer ?? mean());
  return pairNode(op, reducer.level, {
    margin,
    Tn,
    Tp,
    imbalance: params.closedUnitInterval('imbalance', options.imbalance ?? 0.5),
    alpha: params.finite('alpha', options.alpha ?? 1 + margin / 2),
    distance: checkDistance(options.distance ?? euclidean({ normalize: true })),
    miner: undefined,
    reducer,
  }) as Expr<LevelOf<R>, 'any'>;
}
