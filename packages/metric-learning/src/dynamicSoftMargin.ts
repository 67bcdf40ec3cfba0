import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, checkParam, formatShape, input, params } from '@losskit/core';
import { checkedTensor, type Distance, euclidean, pairwiseTensor } from './distances.js';
import { type SubLoss, identityColumns, reducedLoss } from './host/kernel.js';
import { EVERYTHING, type Mined, type PairData, type TripletSel, asTriplets, closeness, labelPairs, listTriplets, rangeOf, sortedRow } from './host/pairs.js';
import { optionsOf } from './internal.js';
import { type Miner, checkMiner } from './miners.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type Reducer, mean } from './reducers.js';

/** Options of {@link dynamicSoftMargin} and {@link dynamicSoftMarginState}. */
export interface DynamicSoftMarginOptions {
  /** Lower end of the histogram of `d_ap − d_an`; the bins cover `[minVal, −minVal]`, which must hold the range [−2, 2] of normalized L2 gaps (minVal ≤ −2). Default −2. */
  readonly minVal?: number;
  /** Number of bins. Default 10. */
  readonly numBins?: number;
}

/** Name of the input holding the histogram ({@link dynamicSoftMarginState}). */
export const DSM_INPUT = 'dsmHistogram';

type Params = { minVal: number; numBins: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/** Bin of `x = d_ap − d_an` (clamped to the first and last bins). */
const binOf = (x: number, minVal: number, width: number, k: number) => Math.min(k - 1, Math.max(0, Math.floor((x - minVal) / width)));

/**
 * Visits the windowed triplets bin by bin, grouped by one fixed pair: for every positive pair (`side` 'pos') the
 * negatives whose `x = d_ap − d_an` falls in each bin, or for every negative pair ('neg') the positives; calls
 * `visit(a, j, bin, count, Σx)` with counts weighted by multiplicities. In closeness units `x = c_an − c_ap`; the bins
 * `[minVal + k·w, minVal + (k + 1)·w)`, the first and last open-ended. Two binary searches per bin and pair.
 */
function forEachBin(d: PairData, t: TripletSel & { kind: 'window' }, minVal: number, width: number, k: number, side: 'pos' | 'neg', visit: (a: number, j: number, bin: number, cnt: number, sumX: number) => void): void {
  const { b, r } = d;
  const g = t.gap;
  for (let a = 0; a < b; a++) {
    const other = sortedRow(d, side === 'pos' ? t.neg : t.pos, a);
    if (other.v.length === 0) continue;
    for (let j = 0; j < r; j++) {
      const kf = a * r + j;
      const wf = (side === 'pos' ? t.pos : t.neg)[kf]!;
      if (wf === 0) continue;
      const c = closeness(d, kf);
      for (let bin = 0; bin < k; bin++) {
        const xLo = bin === 0 ? -Infinity : minVal + bin * width; // closed
        const xHi = bin === k - 1 ? Infinity : minVal + (bin + 1) * width; // open
        let x0: number;
        let x0Open: boolean;
        let x1: number;
        let x1Open: boolean;
        if (side === 'pos') {
          // other = c_an = c + x ∈ [c + xLo, c + xHi); gap c − c_an ∈ g ⇔ c_an ∈ [c − g.hi, c − g.lo]
          [x0, x0Open] = c + xLo > c - g.hi ? [c + xLo, false] : [c - g.hi, g.hiOpen];
          [x1, x1Open] = c + xHi < c - g.lo ? [c + xHi, true] : [c - g.lo, g.loOpen];
        } else {
          // other = c_ap = c − x ∈ (c − xHi, c − xLo]; gap c_ap − c ∈ g ⇔ c_ap ∈ [c + g.lo, c + g.hi]
          [x0, x0Open] = c - xHi > c + g.lo ? [c - xHi, true] : [c + g.lo, g.loOpen];
          [x1, x1Open] = c - xLo < c + g.hi ? [c - xLo, false] : [c + g.hi, g.hiOpen];
        }
        if (x0 > x1) continue;
        const [i0, i1] = rangeOf(other, x0, x0Open, x1, x1Open);
        const cnt = other.cw[i1]! - other.cw[i0]!;
        if (cnt === 0) continue;
        const sumOther = other.cwv[i1]! - other.cwv[i0]!;
        visit(a, j, bin, wf * cnt, wf * (side === 'pos' ? sumOther - cnt * c : cnt * c - sumOther));
      }
    }
  }
}

/** Host form: `L = (1/T) Σ_triplets CDF[bin(x)] · x`, the CDF of the given histogram held constant. */
function hostDsm(d: PairData, mined: Mined, p: Params, hist: Float32Array): SubLoss[] {
  const k = p.numBins;
  const width = (2 * Math.abs(p.minVal)) / k;
  let hs = 0;
  for (let i = 0; i < k; i++) hs += hist[i]!;
  const cdf = new Float64Array(k);
  let acc = 0;
  for (let i = 0; i < k; i++) cdf[i] = hs > 0 ? (acc += hist[i]!) / hs : 0;
  const t = asTriplets(mined);
  const { r } = d;
  const sg = d.inverted ? -1 : 1; // x = d_ap − d_an = c_an − c_ap; ∂c/∂m = −sg
  if (t.kind === 'list') {
    const list = listTriplets(d, t);
    const n = list.a.length;
    let v = 0;
    const bins = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const a = list.a[i]!;
      const x = closeness(d, a * r + list.n[i]!) - closeness(d, a * r + list.p[i]!);
      bins[i] = binOf(x, p.minVal, width, k);
      v += cdf[bins[i]!]! * x;
    }
    return [
      reducedLoss('loss', n ? v / n : 0, (s, g) => {
        for (let i = 0; i < n; i++) {
          const a = list.a[i]!;
          const w = (s * cdf[bins[i]!]!) / n;
          g[a * r + list.p[i]!]! += w * sg;
          g[a * r + list.n[i]!]! -= w * sg;
        }
      }),
    ];
  }
  let total = 0;
  let v = 0;
  forEachBin(d, t, p.minVal, width, k, 'pos', (_a, _j, bin, cnt, sumX) => {
    total += cnt;
    v += cdf[bin]! * sumX;
  });
  return [
    reducedLoss('loss', total ? v / total : 0, (s, g) => {
      if (!total) return;
      // x = c_an − c_ap: ∂/∂c_ap = −Σ_bins CDF·count over its negatives, ∂/∂c_an = +Σ_bins CDF·count over its positives
      forEachBin(d, t, p.minVal, width, k, 'pos', (a, j, bin, cnt) => {
        g[a * r + j]! += (s * sg * cdf[bin]! * cnt) / total;
      });
      forEachBin(d, t, p.minVal, width, k, 'neg', (a, j, bin, cnt) => {
        g[a * r + j]! -= (s * sg * cdf[bin]! * cnt) / total;
      });
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.dynamicSoftMargin',
  info: {
    what: 'dynamicSoftMargin',
    rectangular: true,
    host: (p) => (d, mined, extra) => hostDsm(d, mined, p, extra[0]!),
    extras: (ctx, p) => {
      const h = ctx.input(DSM_INPUT);
      if (h.size !== p.numBins) throw new LosskitError('SHAPE_MISMATCH', 'the histogram has the wrong number of bins', { argument: `inputs.${DSM_INPUT}`, expected: `[${p.numBins}] (from dynamicSoftMarginState({ numBins: ${p.numBins} }))`, received: formatShape(h.shape) });
      return [tf.reshape(h, [-1])];
    },
  },
  print: (_a, p, m) => (m === 'latex' ? `\\operatorname{mean}_{(a,p,n)} F(x)\\,x,\\ x = d_{ap} - d_{an}` : `mean_(a,p,n) CDF(x)·x, x = d_ap - d_an (${p.numBins} bins)`),
});

/**
 * Dynamic soft margin loss (Zhang, Rusinkiewicz 2019, "Learning Local Descriptors with a CDF-Based Dynamic Soft
 * Margin"; PML `DynamicSoftMarginLoss`): over the triplets (all valid ones, or the miner's), `x = d_ap − d_an` on
 * normalized L2 distances, each weighted by the empirical CDF `F` of `x`: `L = mean_{(a,p,n)} F(bin(x)) · x`. The
 * histogram behind `F` (`numBins` bins over `[minVal, −minVal]`) is caller-held state: pass
 * `inputs.dsmHistogram` from {@link dynamicSoftMarginState}, updated with the batch before the call (as PML updates
 * before weighting). `F` is held constant in the gradient. The bins are summed per positive pair by binary search,
 * so all triplets cost O(B² · numBins · log B). Defaults minVal = −2, numBins = 10.
 * @example
 * const dsm = dynamicSoftMarginState();
 * const loss = compile(dynamicSoftMargin(), { from: 'embeddings' });
 * const { inputs } = dsm.update(embeddings, labels);
 * loss(labels, embeddings, { inputs });
 */
export function dynamicSoftMargin(options: DynamicSoftMarginOptions & { readonly miner?: Miner } = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const minVal = checkParam('minVal', options.minVal ?? -2, 'a number <= -2 (the bins must cover [-2, 2])', (x) => x <= -2);
  const numBins = checkParam('numBins', options.numBins ?? 10, 'an integer in [1, 1e5]', (x) => Number.isInteger(x) && x >= 1 && x <= 1e5);
  return pairNode(op, 'batch', { minVal, numBins, distance: euclidean({ normalize: true }), miner: checkMiner(options.miner), reducer: mean() }, [input(DSM_INPUT, 'pair')]);
}

/** Caller-held histogram of {@link dynamicSoftMargin}. */
export interface DynamicSoftMarginState {
  /** The current histogram (sums to 1 once updated; all 0 before). */
  readonly histogram: Float64Array;
  /**
   * Adds this batch: the histogram of `x = d_ap − d_an` over every valid triplet (linear interpolation between the
   * two nearest bins, normalized), mixed in as `h ← (1 − μ) h + μ h_batch` (μ = 1 on the first batch), as the authors'
   * code does. Returns the `inputs` of this step's loss call.
   */
  update(embeddings: TensorLike, labels: TensorLike): { readonly inputs: { readonly dsmHistogram: Float32Array } };
}

/**
 * The histogram state of {@link dynamicSoftMargin} (Zhang, Rusinkiewicz 2019; authors' code lg-zhang/dynamic-soft-margin-pytorch,
 * as PML's test copies it). Default momentum 0.01. PML instead adds the unnormalized batch counts before normalizing,
 * which lets a large batch outweigh the momentum; this state follows the authors' normalized mixing.
 * @example const dsm = dynamicSoftMarginState({ momentum: 0.01 });
 */
export function dynamicSoftMarginState(options: DynamicSoftMarginOptions & { readonly momentum?: number } = {}): DynamicSoftMarginState {
  options = optionsOf(options);
  const minVal = checkParam('minVal', options.minVal ?? -2, 'a number <= -2 (the bins must cover [-2, 2])', (x) => x <= -2);
  const k = checkParam('numBins', options.numBins ?? 10, 'an integer in [1, 1e5]', (x) => Number.isInteger(x) && x >= 1 && x <= 1e5);
  const momentum = params.closedUnitInterval('momentum', options.momentum ?? 0.01);
  const width = (2 * Math.abs(minVal)) / k;
  const histogram = new Float64Array(k);
  let started = false;
  return {
    histogram,
    update(embeddings, labels) {
      const batch = new Float64Array(k);
      tf.tidy(() => {
        const e = checkedTensor(embeddings, 'embeddings', 2, 'the embeddings');
        const y = labelsOfArg(labels, e.shape[0]!);
        const m = pairwiseTensor(euclidean({ normalize: true }), e, e).dataSync() as Float32Array;
        const b = e.shape[0]!;
        const d: PairData = { m, b, r: b, inverted: false, rowLabels: y, colLabels: y, selfCol: identityColumns(b) };
        const all = labelPairs(d);
        // Σ α over a bin is linear in Σx: α = 1 − (x − minVal − lo·w)/w; the rest goes to the next bin (clamped)
        forEachBin(d, { kind: 'window', pos: all.pos, neg: all.neg, gap: EVERYTHING }, minVal, width, k, 'pos', (_a, _j, lo, cnt, sumX) => {
          const alpha = cnt * (1 + lo + minVal / width) - sumX / width;
          batch[lo]! += alpha;
          batch[Math.min(k - 1, lo + 1)]! += cnt - alpha;
        });
      });
      let s = 0;
      for (let i = 0; i < k; i++) s += batch[i]!;
      const mu = started ? momentum : 1;
      for (let i = 0; i < k; i++) histogram[i] = (1 - mu) * histogram[i]! + (mu * batch[i]!) / (s + 1e-6);
      if (s > 0) started = true;
      return { inputs: { dsmHistogram: Float32Array.from(histogram) } };
    },
  };
}

function labelsOfArg(labels: TensorLike, n: number): Int32Array {
  const t = tf.tidy(() => {
    const c = checkedTensor(labels as TensorLike, 'labels', 1, 'the labels');
    return c.dataSync();
  });
  if (t.length !== n) throw new LosskitError('SHAPE_MISMATCH', 'one label per embedding', { argument: 'labels', expected: `[${n}]`, received: `[${t.length}]` });
  for (let i = 0; i < t.length; i++) if (!Number.isInteger(t[i]!)) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be integers', { argument: 'labels', expected: 'integers', received: `${t[i]} at index ${i}` });
  return Int32Array.from(t);
}

