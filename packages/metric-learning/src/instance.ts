import { type Expr, params } from '@losskit/core';
import { type Distance, cosine } from './distances.js';
import { type SubLoss, elementLoss, identityColumns } from './host/kernel.js';
import type { PairData } from './host/pairs.js';
import { optionsOf } from './internal.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type LevelOf, type Reducer, checkReducer, mean } from './reducers.js';
import type { Miner } from './miners.js';

/** Options of {@link instance}. */
export interface InstanceOptions<R extends Reducer> {
  /** Scale γ of the cosine logits. Default 64 (PML). */
  readonly gamma?: number;
  /** Default `mean()` over samples. */
  readonly reducer?: R;
}

type Params = { gamma: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/**
 * Host form: row `i` of `γ·S` (cosines, the diagonal included) as logits, cross-entropy against column `t_i` = the rank
 * of `y_i` among the sorted distinct labels (PML's `torch.unique(labels, return_inverse=True)`).
 */
function hostInstance(d: PairData, p: Params): SubLoss[] {
  const { b, r, m, rowLabels } = d;
  const distinct = [...new Set(rowLabels)].sort((x, y) => x - y);
  const rank = new Map(distinct.map((v, i) => [v, i]));
  const soft = new Float32Array(b * r);
  const values = new Float64Array(b);
  const target = Int32Array.from(rowLabels, (y) => rank.get(y)!);
  for (let i = 0; i < b; i++) {
    let mx = -Infinity;
    for (let j = 0; j < r; j++) mx = Math.max(mx, p.gamma * m[i * r + j]!);
    let s = 0;
    for (let j = 0; j < r; j++) {
      const e = Math.exp(p.gamma * m[i * r + j]! - mx);
      soft[i * r + j] = e;
      s += e;
    }
    for (let j = 0; j < r; j++) soft[i * r + j] = soft[i * r + j]! / s;
    values[i] = mx + Math.log(s) - p.gamma * m[i * r + target[i]!]!;
  }
  return [
    elementLoss('loss', { type: 'element', values, anchors: identityColumns(b) }, (w, g) => {
      for (let i = 0; i < b; i++) {
        if (w[i] === 0) continue;
        for (let j = 0; j < r; j++) g[i * r + j]! += w[i]! * p.gamma * soft[i * r + j]!;
        g[i * r + target[i]!]! -= w[i]! * p.gamma;
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.instance',
  info: { what: 'instance', rectangular: false, host: (p) => (d) => hostInstance(d, p) },
  print: (_a, p, m) => (m === 'latex' ? `\\mathrm{CE}\\left(${p.gamma}\\,s_{i\\cdot},\\ t_i\\right)` : `CE(${p.gamma}·s_i·, t_i)`),
});

/**
 * Instance loss (Zheng, Zheng, Garrett, Yang, Xu, Shen 2020, "Dual-Path Convolutional Image-Text Embeddings with
 * Instance Loss"; PML `InstanceLoss`): cross-entropy over the scaled cosine similarities of each sample to the batch,
 * `l_i = −log softmax_j(γ s_ij)_{t_i}` (the diagonal included), with target column `t_i` the index of `y_i` among
 * the sorted distinct labels, as PML does: with one label per instance (`labels = 0..B−1`, the paper's setting)
 * the target is the sample itself. Default γ = 64, mean over samples. Embeddings `[B, D]`, labels `[B]` → scalar.
 * @example compile(instance(), { from: 'embeddings' })(ids, embeddings)
 */
export function instance<R extends Reducer = ReturnType<typeof mean>>(options: InstanceOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const reducer = checkReducer(options.reducer ?? mean());
  return pairNode(op, reducer.level, { gamma: params.positive('gamma', options.gamma ?? 64), distance: cosine(), miner: undefined, reducer }) as Expr<LevelOf<R>, 'any'>;
}
