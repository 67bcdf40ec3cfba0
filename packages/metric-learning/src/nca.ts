import { type Expr, params } from '@losskit/core';
import { type Distance, checkDistance, lp } from './distances.js';
import { type SubLoss, elementLoss } from './host/kernel.js';
import type { PairData } from './host/pairs.js';
import { optionsOf } from './internal.js';
import type { Miner } from './miners.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type LevelOf, type Reducer, checkReducer, mean } from './reducers.js';

/** Options of {@link nca}. */
export interface NcaOptions<R extends Reducer> {
  /** Softmax scale s. Default 1. */
  readonly softmaxScale?: number;
  /** Default `lp(2, { squared: true, normalize: true })` (PML's `LpDistance(power=2)`); a distance enters as `−d`. */
  readonly distance?: Distance;
  /** Default `mean()` over the samples that have a same-label neighbour. */
  readonly reducer?: R;
}

type Params = { softmaxScale: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/**
 * Host form: `z_ij = s·c_ij` (c = similarity, or −distance) over the columns other than the row itself;
 * `l_i = LSE_j z_ij − LSE_{j: y_j = y_i} z_ij` (computed in log space, so a tiny `p_i` stays exact); rows without a
 * same-label column are not elements.
 */
function hostNca(d: PairData, p: Params): SubLoss[] {
  const { b, r, m, rowLabels, colLabels, selfCol, inverted } = d;
  const k0 = p.softmaxScale * (inverted ? 1 : -1);
  const softAll = new Float32Array(b * r);
  const softSame = new Float32Array(b * r);
  const values: number[] = [];
  const anchors: number[] = [];
  for (let i = 0; i < b; i++) {
    let mx = -Infinity;
    let mxs = -Infinity;
    for (let j = 0; j < r; j++) {
      if (j === selfCol[i]) continue;
      const z = k0 * m[i * r + j]!;
      mx = Math.max(mx, z);
      if (colLabels[j] === rowLabels[i]) mxs = Math.max(mxs, z);
    }
    if (mxs === -Infinity) continue;
    let s = 0;
    let ss = 0;
    for (let j = 0; j < r; j++) {
      if (j === selfCol[i]) continue;
      const z = k0 * m[i * r + j]!;
      const e = Math.exp(z - mx);
      softAll[i * r + j] = e;
      s += e;
      if (colLabels[j] === rowLabels[i]) {
        const es = Math.exp(z - mxs);
        softSame[i * r + j] = es;
        ss += es;
      }
    }
    for (let j = 0; j < r; j++) {
      softAll[i * r + j] = softAll[i * r + j]! / s;
      softSame[i * r + j] = softSame[i * r + j]! / ss;
    }
    values.push(mx + Math.log(s) - (mxs + Math.log(ss)));
    anchors.push(i);
  }
  return [
    elementLoss('loss', { type: 'element', values: Float64Array.from(values), anchors: Int32Array.from(anchors) }, (w, g) => {
      for (let t = 0; t < w.length; t++) {
        if (w[t] === 0) continue;
        const i = anchors[t]!;
        for (let j = 0; j < r; j++) g[i * r + j]! += w[t]! * k0 * (softAll[i * r + j]! - softSame[i * r + j]!);
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.nca',
  info: { what: 'nca', rectangular: true, host: (p) => (d) => hostNca(d, p) },
  print: (_a, p, m) =>
    m === 'latex'
      ? `-\\log\\sum_{j: y_j = y_i} \\operatorname{softmax}_{j \\neq i}\\left(-${p.softmaxScale}\\,d_{ij}\\right)`
      : `-log Σ_{j: y_j = y_i} softmax_{j≠i}(-${p.softmaxScale}·d_ij)`,
});

/**
 * Neighbourhood components analysis (Goldberger, Roweis, Hinton, Salakhutdinov 2004, "Neighbourhood Components
 * Analysis"; PML `NCALoss`): the probability that sample `i` picks a same-label neighbour under a softmax over the
 * other samples, `p_i = Σ_{j ≠ i: y_j = y_i} softmax_{k ≠ i}(−s·d_ik)_j`, `l_i = −log p_i`, averaged over the samples
 * that have a same-label neighbour. Computed in log space (`LSE_all − LSE_same`), so a vanishing `p_i` keeps its exact
 * loss where PML's float32 softmax underflows to 0 and drops the sample. Default s = 1, squared normalized L2.
 * @example compile(nca({ softmaxScale: 10 }), { from: 'embeddings' })(labels, embeddings)
 */
export function nca<R extends Reducer = ReturnType<typeof mean>>(options: NcaOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const reducer = checkReducer(options.reducer ?? mean());
  return pairNode(op, reducer.level, {
    softmaxScale: params.positive('softmaxScale', options.softmaxScale ?? 1),
    distance: checkDistance(options.distance ?? lp(2, { squared: true, normalize: true })),
    miner: undefined,
    reducer,
  }) as Expr<LevelOf<R>, 'any'>;
}
