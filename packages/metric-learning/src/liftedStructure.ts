import { sigmoid } from '@losskit/core/math';
import { type Expr, node } from '@losskit/core';
import { type Distance, checkDistance, distanceMatrix, euclidean } from './distances.js';
import { type SubLoss, elementLoss } from './host/kernel.js';
import { type Counts, type Mined, type PairData, asPairs } from './host/pairs.js';
import { pairList } from './host/reduce.js';
import { nonNegativeMargin, optionsOf } from './internal.js';
import { type Miner, checkMiner, minerInputs } from './miners.js';
import { pairLossOp } from './pairLoss.js';
import { type LevelOf, type Reducer, checkReducer, mean } from './reducers.js';

/** Options of {@link liftedStructure}. */
export interface LiftedStructureOptions<R extends Reducer> {
  /** Margin α >= 0. Default 1. */
  readonly margin?: number;
  /** Default `euclidean()`; a similarity is used as `D = -s`. */
  readonly distance?: Distance;
  readonly miner?: Miner | undefined;
  /** Default `mean()` over ordered positive pairs. */
  readonly reducer?: R;
}

type Params = { margin: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/**
 * Host form: per row `A_i = log Σ_n c_in e^{α − D_in}` over its negative pairs, per positive pair
 * `J_ij = log(e^{A_i} + e^{A_j}) + D_ij`, `l_ij = ½[J_ij]_+²` (`D = −s` for similarities).
 */
function hostLifted(d: PairData, mined: Mined, p: Params): SubLoss[] {
  const sel = asPairs(d, mined);
  const { b, r, m, inverted: inv } = d;
  const D = (k: number) => (inv ? -m[k]! : m[k]!);
  const soft = new Float32Array(b * r);
  const A = new Float64Array(b);
  for (let i = 0; i < b; i++) A[i] = lseWeighted((k) => p.margin - D(k), sel.neg, i, r, soft);
  const P = pairList(sel.pos, r);
  const J = new Float64Array(P.index.length).fill(-Infinity);
  const values = new Float64Array(P.index.length);
  for (let t = 0; t < values.length; t++) {
    const i = P.rows[t]!;
    const j = P.cols[t]!;
    const Aj = j < b ? A[j]! : -Infinity;
    const hi = Math.max(A[i]!, Aj);
    if (hi === -Infinity) continue;
    J[t] = hi + Math.log(Math.exp(A[i]! - hi) + Math.exp(Aj - hi)) + D(P.index[t]!);
    values[t] = 0.5 * Math.max(0, J[t]!) ** 2;
  }
  return [
    elementLoss('loss', { type: 'pos_pair', values, anchors: P.rows, mult: P.mult, others: [P.cols] }, (w, g) => {
      const dD = inv ? -1 : 1; // ∂D/∂m
      const coefA = new Float64Array(b);
      for (let t = 0; t < w.length; t++) {
        if (w[t] === 0 || !(J[t]! > 0)) continue;
        const i = P.rows[t]!;
        const j = P.cols[t]!;
        const u = w[t]! * J[t]!;
        g[P.index[t]!]! += u * dD;
        const Aj = j < b ? A[j]! : -Infinity;
        coefA[i]! += u * sigmoid(A[i]! - Aj);
        if (j < b) coefA[j]! += u * sigmoid(Aj - A[i]!);
      }
      for (let i = 0; i < b; i++) {
        if (coefA[i] === 0) continue;
        for (let n = 0; n < r; n++) if (soft[i * r + n] !== 0) g[i * r + n]! -= coefA[i]! * soft[i * r + n]! * dD;
      }
    }),
  ];
}

/** `log Σ_k c_k e^{x_k}` over row `a` with multiplicities `c` (−∞ when empty); the weighted softmax into `soft`. */
function lseWeighted(x: (k: number) => number, sel: Counts, a: number, r: number, soft: Float32Array): number {
  let mx = -Infinity;
  for (let j = 0; j < r; j++) if (sel[a * r + j]! > 0) mx = Math.max(mx, x(a * r + j));
  if (mx === -Infinity) return -Infinity;
  let s = 0;
  for (let j = 0; j < r; j++) {
    const k = a * r + j;
    if (sel[k]! > 0) {
      const e = sel[k]! * Math.exp(x(k) - mx);
      soft[k] = e;
      s += e;
    }
  }
  for (let j = 0; j < r; j++) soft[a * r + j] = soft[a * r + j]! / s;
  return mx + Math.log(s);
}

const op = pairLossOp<Params>({
  kind: 'ml.liftedStructure',
  // reads the negatives of the positive's own row: needs the square batch
  info: { what: 'liftedStructure', rectangular: false, host: (p) => (d, mined) => hostLifted(d, mined, p) },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\frac{1}{2}\\left[\\log\\left(\\sum_{k\\in N_i} e^{${p.margin} - D_{ik}} + \\sum_{l\\in N_j} e^{${p.margin} - D_{jl}}\\right) + D_{ij}\\right]_+^2`
      : `½[log(Σ_{k∈N_i} exp(${p.margin} - D_ik) + Σ_{l∈N_j} exp(${p.margin} - D_jl)) + D_ij]_+²`,
});

/**
 * Lifted structured loss (Song, Xiang, Jegelka, Savarese 2016, "Deep Metric Learning via Lifted
 * Structured Feature Embedding"): for each positive pair `(i, j)`,
 * `J_ij = log( Σ_{k∈N_i} e^{α - D_ik} + Σ_{l∈N_j} e^{α - D_jl} ) + D_ij` and
 * `L = 1/(2|P̂|) Σ_{(i,j)∈P̂} [J_ij]_+²` over unordered pairs, computed as ½ · mean over ordered pairs.
 * Default α = 1, Euclidean distance. Pairs whose ends both lack negatives give 0.
 * @example compile(liftedStructure(), { from: 'embeddings' })(labels, embeddings)
 */
export function liftedStructure<R extends Reducer = ReturnType<typeof mean>>(options: LiftedStructureOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const margin = nonNegativeMargin('margin', options.margin ?? 1);
  const distance = checkDistance(options.distance ?? euclidean());
  const miner = checkMiner(options.miner);
  const reducer = checkReducer(options.reducer ?? mean());
  return node(op, reducer.level, [distanceMatrix(distance), ...minerInputs(miner)], { margin, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}
