import { type Expr, LosskitError, checkParam } from '@losskit/core';
import { type Distance, cosine } from './distances.js';
import { type SubLoss, reducedLoss } from './host/kernel.js';
import { type Mined, type PairData, asTriplets, tripletsToPairs } from './host/pairs.js';
import { optionsOf } from './internal.js';
import { type Miner, checkMiner } from './miners.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type Reducer, mean } from './reducers.js';

/** Options of {@link histogram}. */
export interface HistogramOptions {
  /** Number of bins R over [−1, 1]; the bin width is Δ = 2/R. Default 100 (PML). */
  readonly numBins?: number;
  /** Triplet (or pair) miner; the loss uses the distinct pairs its triplets contain. */
  readonly miner?: Miner | undefined;
}

type Params = { numBins: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/** Distinct unordered pairs `{i, j}` (i < j) of a `[B, B]` selection. */
function unordered(sel: ArrayLike<number>, b: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < b; i++) for (let j = i + 1; j < b; j++) if (sel[i * b + j]! > 0 || sel[j * b + i]! > 0) out.push(i * b + j);
  return Int32Array.from(out);
}

/**
 * Host form (PML `HistogramLoss.compute_density`): the similarities of the distinct positive and negative pairs
 * spread linearly over the R + 1 nodes `−1 + rΔ`; `L = Σ_r p⁻_r Φ⁺_r` with `Φ⁺ = cumsum(p⁺)`.
 */
function hostHistogram(d: PairData, mined: Mined, p: Params): SubLoss[] {
  const { b, m } = d;
  const sel = tripletsToPairs(d, asTriplets(mined));
  const pos = unordered(sel.pos, b);
  const neg = unordered(sel.neg, b);
  if (pos.length === 0 || neg.length === 0) return [reducedLoss('loss', 0, () => {})];
  const R = p.numBins;
  const delta = 2 / R;
  const bin = (s: number) => Math.min(R - 1, Math.max(0, Math.floor((s + 1) / delta)));
  const density = (pairs: Int32Array) => {
    const h = new Float64Array(R + 1);
    for (const k of pairs) {
      const s = m[k]!;
      const r = bin(s);
      h[r + 1]! += (s + 1 - r * delta) / delta / pairs.length;
      h[r]! += ((r + 1) * delta - 1 - s) / delta / pairs.length;
    }
    return h;
  };
  const pPos = density(pos);
  const pNeg = density(neg);
  const phi = new Float64Array(R + 1);
  const tail = new Float64Array(R + 2); // tail[r] = Σ_{r' ≥ r} p⁻_{r'}
  let acc = 0;
  for (let r = 0; r <= R; r++) phi[r] = acc += pPos[r]!;
  for (let r = R; r >= 0; r--) tail[r] = tail[r + 1]! + pNeg[r]!;
  let value = 0;
  for (let r = 0; r <= R; r++) value += pNeg[r]! * phi[r]!;
  return [
    reducedLoss('loss', value, (t, g) => {
      for (const k of neg) {
        const r = bin(m[k]!);
        g[k]! += (t * (phi[r + 1]! - phi[r]!)) / (delta * neg.length);
      }
      for (const k of pos) {
        const r = bin(m[k]!);
        g[k]! += (t * (tail[r + 1]! - tail[r]!)) / (delta * pos.length);
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.histogram',
  info: { what: 'histogram', rectangular: false, host: (p) => (d, mined) => hostHistogram(d, mined, p) },
  print: (_a, p, m) => (m === 'latex' ? `\\sum_{r} p^{-}_r \\Phi^{+}_r\\ (R = ${p.numBins})` : `Σ_r p⁻_r Φ⁺_r (R = ${p.numBins})`),
});

/**
 * Histogram loss (Ustinova, Lempitsky 2016, "Learning Deep Embeddings with Histogram Loss"; PML `HistogramLoss`):
 * the cosine similarities of the distinct positive pairs and of the distinct negative pairs (unordered, as PML's
 * `filter_pairs`) are spread over the nodes `t_r = −1 + rΔ` (Δ = 2/R) by linear interpolation into densities
 * `p⁺`, `p⁻`; the loss is the probability that a random negative pair is more similar than a random positive one,
 * `L = Σ_r p⁻_r Φ⁺_r` with `Φ⁺_r = Σ_{q ≤ r} p⁺_q`. 0 without positive or negative pairs. Default R = 100.
 * A similarity of exactly ±1 falls in the last (first) bin. Embeddings `[B, D]`, labels `[B]` → scalar.
 * @example compile(histogram({ numBins: 50 }), { from: 'embeddings' })(labels, embeddings)
 */
export function histogram(options: HistogramOptions = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const numBins = checkParam('numBins', options.numBins ?? 100, 'an integer >= 2', (x) => Number.isInteger(x) && x >= 2);
  if (numBins > 1e6) throw new LosskitError('INVALID_PARAMETER', 'too many bins', { argument: 'numBins', expected: 'at most 1e6', received: String(numBins) });
  return pairNode(op, 'batch', { numBins, distance: cosine(), miner: checkMiner(options.miner), reducer: mean() });
}
