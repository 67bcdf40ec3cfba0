import { type Expr, params } from '@losskit/core';
import { type Distance, checkDistance, cosine } from './distances.js';
import { type SubLoss, elementLoss } from './host/kernel.js';
import { type Counts, type Mined, type PairData, asPairs } from './host/pairs.js';
import { pairList } from './host/reduce.js';
import { optionsOf } from './internal.js';
import { type Miner, checkMiner } from './miners.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type LevelOf, type Reducer, checkReducer, mean } from './reducers.js';

/** Options of {@link intraPairVariance}. */
export interface IntraPairVarianceOptions<R extends Reducer> {
  /** ε⁺ of the positive pairs. Default 0.01. */
  readonly posEps?: number;
  /** ε⁻ of the negative pairs. Default 0.01. */
  readonly negEps?: number;
  /** Default `cosine()`. */
  readonly distance?: Distance;
  readonly miner?: Miner | undefined;
  /** Default `mean()` over the pairs of each kind (sub-losses `pos_loss`, `neg_loss`). */
  readonly reducer?: R;
}

type Params = { posEps: number; negEps: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/**
 * One side: `l_k = [c₁ μ + c₂ s_k]_+²` with `μ` the mean over the side's pairs (with gradient); `(c₁, c₂) = (1 − ε, −1)`
 * where the loss pushes values up (positives of a similarity, negatives of a distance), else `(−(1 + ε), 1)`.
 */
function side(name: 'pos_loss' | 'neg_loss', d: PairData, sel: Counts, eps: number, up: boolean): SubLoss {
  const L = pairList(sel, d.r);
  const n = L.index.length;
  let total = 0;
  let mu = 0;
  for (let t = 0; t < n; t++) {
    total += L.mult[t]!;
    mu += L.mult[t]! * d.m[L.index[t]!]!;
  }
  mu = total > 0 ? mu / total : 0;
  const [c1, c2] = up ? [1 - eps, -1] : [-(1 + eps), 1];
  const u = new Float64Array(n);
  const values = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    u[t] = c1 * mu + c2 * d.m[L.index[t]!]!;
    values[t] = Math.max(0, u[t]!) ** 2;
  }
  return elementLoss(name, { type: name === 'pos_loss' ? 'pos_pair' : 'neg_pair', values, anchors: L.rows, mult: L.mult, others: [L.cols] }, (w, g) => {
    let A = 0;
    for (let t = 0; t < n; t++) {
      if (w[t] === 0 || !(u[t]! > 0)) continue;
      // w already counts the multiplicity: per listed copy 2[u]_+ · (c₁/total ∂μ + c₂)
      const v = 2 * w[t]! * u[t]!;
      A += v;
      g[L.index[t]!]! += v * c2;
    }
    if (A === 0) return;
    for (let t = 0; t < n; t++) g[L.index[t]!]! += (A * c1 * L.mult[t]!) / total;
  });
}

const op = pairLossOp<Params>({
  kind: 'ml.intraPairVariance',
  info: {
    what: 'intraPairVariance',
    rectangular: true,
    host: (p) => (d, mined: Mined) => {
      const s = asPairs(d, mined);
      return [side('pos_loss', d, s.pos, p.posEps, d.inverted), side('neg_loss', d, s.neg, p.negEps, !d.inverted)];
    },
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\left[(1 - ${p.posEps})\\mu^{+} - s_{ap}\\right]_+^2 + \\left[s_{an} - (1 + ${p.negEps})\\mu^{-}\\right]_+^2`
      : `[(1 - ${p.posEps})μ⁺ - s_ap]_+² + [s_an - (1 + ${p.negEps})μ⁻]_+²`,
});

/**
 * Intra-pair variance loss (Yu, Tao 2019, "Deep Metric Learning with Tuplet Margin Loss"; PML
 * `IntraPairVarianceLoss`): with `μ⁺`, `μ⁻` the mean similarity of the positive and of the negative pairs,
 * `l⁺_ap = [(1 − ε⁺) μ⁺ − s_ap]_+²` and `l⁻_an = [s_an − (1 + ε⁻) μ⁻]_+²` (for a distance the two directions swap:
 * `[d_ap − (1 + ε⁺) μ⁺]_+²`, `[(1 − ε⁻) μ⁻ − d_an]_+²`); each side reduced by `reducer` (default mean) and added.
 * The means carry gradient, as in PML. Defaults ε⁺ = ε⁻ = 0.01, cosine.
 * @example compile(tupletMargin().plus(intraPairVariance().scale(0.5)), { from: 'embeddings' })
 */
export function intraPairVariance<R extends Reducer = ReturnType<typeof mean>>(options: IntraPairVarianceOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const reducer = checkReducer(options.reducer ?? mean());
  return pairNode(op, reducer.level, {
    posEps: params.finite('posEps', options.posEps ?? 0.01),
    negEps: params.finite('negEps', options.negEps ?? 0.01),
    distance: checkDistance(options.distance ?? cosine()),
    miner: checkMiner(options.miner),
    reducer,
  }) as Expr<LevelOf<R>, 'any'>;
}
