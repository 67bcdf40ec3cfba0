/**
 * Every miner, on the host matrix of one call (PML v2.8.1 `miners/*.py` semantics; ties go to the lowest column).
 * Miners read values only (no gradient), once per call.
 * @internal
 */
import { rng as rngOf } from '@losskit/core/math';
import type { Distance } from '../distances.js';
import type { Miner } from '../miners.js';
import { type Counts, type Interval, type Mined, type PairData, type PairSel, closeness, labelPairs } from './pairs.js';

/** What a miner may read: the loss's matrix, and on request the matrix of another distance (same grid). */
export interface MiningInput {
  readonly d: PairData;
  /** The matrix of `distance` over the same rows and columns (the loss's own when undefined or equal). */
  readonly dataFor: (distance: Distance | undefined) => PairData;
  /** The reference-reference matrix of `distance` (`[R, R]`, for the angular miner). */
  readonly refData: (distance: Distance) => PairData;
  /** Embedding width D (the distance-weighted miner's density depends on it). */
  readonly dim: number;
  /** Explicit index tuples given with the call (`tuples()`). */
  readonly tuples?: () => { readonly triplets?: Int32Array[]; readonly pos?: Int32Array[]; readonly neg?: Int32Array[] };
}

/** The triplet-margin miner's gap window (PML `TripletMarginMiner`: `g = d_an − d_ap` or `s_ap − s_an`). */
export function tripletWindow(type: 'all' | 'hard' | 'semihard' | 'easy', margin: number): Interval {
  switch (type) {
    case 'all':
      return { lo: -Infinity, hi: margin, loOpen: true, hiOpen: false };
    case 'hard':
      return { lo: -Infinity, hi: Math.min(margin, 0), loOpen: true, hiOpen: false };
    case 'semihard':
      return { lo: 0, hi: margin, loOpen: true, hiOpen: false };
    case 'easy':
      return { lo: margin, hi: Infinity, loOpen: true, hiOpen: true };
  }
}

/** A seeded stream for the sampling miners: the seed mixed with the call's labels and a few matrix values. */
function streamOf(seed: number, d: PairData): () => number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  const mix = (v: number) => {
    h = Math.imul(h ^ (v >>> 0), 0x01000193) >>> 0;
  };
  for (let i = 0; i < d.rowLabels.length; i++) mix(d.rowLabels[i]!);
  const f = new Int32Array(d.m.buffer, d.m.byteOffset, d.m.length);
  const step = Math.max(1, Math.floor(f.length / 64));
  for (let k = 0; k < f.length; k += step) mix(f[k]!);
  return rngOf(h);
}

/** Mines with `miner` (undefined: every labelled pair). */
export function mineHost(miner: Miner | undefined, input: MiningInput): Mined {
  if (!miner) return { kind: 'pairs', sel: labelPairs(input.d) };
  const d = input.dataFor('distance' in miner ? miner.distance : undefined);
  const all = labelPairs(d);
  switch (miner.kind) {
    case 'batchAll':
      return { kind: 'triplets', sel: { kind: 'window', pos: all.pos, neg: all.neg, gap: { lo: -Infinity, hi: Infinity, loOpen: true, hiOpen: true } } };
    case 'tripletMargin':
      return { kind: 'triplets', sel: { kind: 'window', pos: all.pos, neg: all.neg, gap: tripletWindow(miner.type, miner.margin) } };
    case 'batchHard': {
      const { a1, p, a2, n } = batchEasyHard(d, all, 'hard', 'hard', undefined, undefined);
      return { kind: 'triplets', sel: sameAnchorTriplets(a1, p, a2, n) };
    }
    case 'batchEasyHard':
      return { kind: 'pairs', sel: pairSel(d, batchEasyHard(d, all, miner.pos, miner.neg, miner.posRange, miner.negRange)) };
    case 'multiSimilarity':
      return { kind: 'pairs', sel: multiSimilarity(d, all, miner.epsilon) };
    case 'hardNegativeTopK':
      return { kind: 'pairs', sel: hardNegativeTopK(d, all, miner.k) };
    case 'pairMargin':
      return { kind: 'pairs', sel: pairMargin(d, all, miner.posMargin, miner.negMargin) };
    case 'hdc':
      return { kind: 'pairs', sel: hdc(d, all, miner.filterPercentage) };
    case 'uniformHistogram':
      return { kind: 'pairs', sel: uniformHistogram(d, all, miner.numBins, miner.posPerBin, miner.negPerBin, streamOf(miner.seed, d)) };
    case 'angular':
      return { kind: 'triplets', sel: angular(d, input.refData(miner.distance), all, miner.angle) };
    case 'distanceWeighted':
      return { kind: 'triplets', sel: distanceWeighted(d, miner.cutoff, miner.nonzeroLossCutoff, input.dim, streamOf(miner.seed, d)) };
    case 'packagedTriplets': {
      const t = Math.floor(d.b / 3);
      const a = Int32Array.from({ length: t }, (_, i) => 3 * i);
      return { kind: 'triplets', sel: { kind: 'list', a, p: a.map((x) => x + 1), n: a.map((x) => x + 2) } };
    }
    case 'tuples': {
      const given = input.tuples!();
      if (given.triplets) {
        const [a, p, n] = given.triplets as [Int32Array, Int32Array, Int32Array];
        return { kind: 'triplets', sel: { kind: 'list', a, p, n } };
      }
      const pos = new Uint32Array(d.b * d.r);
      const neg = new Uint32Array(d.b * d.r);
      const [a1, p] = given.pos as [Int32Array, Int32Array];
      const [a2, n] = given.neg as [Int32Array, Int32Array];
      for (let k = 0; k < a1.length; k++) pos[a1[k]! * d.r + p[k]!]! += 1;
      for (let k = 0; k < a2.length; k++) neg[a2[k]! * d.r + n[k]!]! += 1;
      return { kind: 'pairs', sel: { pos, neg } };
    }
  }
}

/** Pair lists → multiplicities. */
function pairSel(d: PairData, t: { a1: number[]; p: number[]; a2: number[]; n: number[] }): PairSel {
  const pos = new Uint32Array(d.b * d.r);
  const neg = new Uint32Array(d.b * d.r);
  t.a1.forEach((a, k) => (pos[a * d.r + t.p[k]!]! += 1));
  t.a2.forEach((a, k) => (neg[a * d.r + t.n[k]!]! += 1));
  return { pos, neg };
}

/** PML `BatchHardMiner`: the anchors that have both a mined positive and a mined negative. */
function sameAnchorTriplets(a1: number[], p: number[], a2: number[], n: number[]) {
  const negOf = new Map<number, number>();
  a2.forEach((a, k) => negOf.set(a, n[k]!));
  const a: number[] = [];
  const pp: number[] = [];
  const nn: number[] = [];
  a1.forEach((x, k) => {
    const m = negOf.get(x);
    if (m === undefined) return;
    a.push(x);
    pp.push(p[k]!);
    nn.push(m);
  });
  return { kind: 'list' as const, a: Int32Array.from(a), p: Int32Array.from(pp), n: Int32Array.from(nn) };
}

type Strategy = 'hard' | 'semihard' | 'easy' | 'all';

/**
 * PML `BatchEasyHardMiner`: per anchor one positive and one negative by strategy (`hard` positive = farthest,
 * `easy` = nearest; `hard` negative = nearest, `easy` = farthest; `semihard` positive = the farthest one still
 * nearer than the chosen negative, `semihard` negative = the nearest one farther than the chosen positive),
 * values outside the allowed ranges (in the distance's own units) skipped; `all` keeps every pair of that kind.
 */
function batchEasyHard(d: PairData, all: PairSel, pos: Strategy, neg: Strategy, posRange: readonly [number, number] | undefined, negRange: readonly [number, number] | undefined) {
  const { b, r } = d;
  // closeness ranks: "min closeness" = farthest
  const pick = (sel: Counts, a: number, farthest: boolean, range: readonly [number, number] | undefined, beyond?: { c: number; farther: boolean }): number => {
    let best = -1;
    let bc = 0;
    for (let j = 0; j < r; j++) {
      const k = a * r + j;
      if (sel[k] === 0) continue;
      const v = d.m[k]!;
      if (range && (v < range[0] || v > range[1])) continue;
      const c = closeness(d, k);
      // semihard threshold: PML masks values at or beyond the other pair's value
      if (beyond && (beyond.farther ? !(c < beyond.c) : !(c > beyond.c))) continue;
      if (best < 0 || (farthest ? c < bc : c > bc)) {
        best = j;
        bc = c;
      }
    }
    return best;
  };
  const out = { a1: [] as number[], p: [] as number[], a2: [] as number[], n: [] as number[] };
  const posFarthest = pos === 'hard' || pos === 'semihard';
  const negFarthest = !(neg === 'hard' || neg === 'semihard'); // hard/semihard negatives: the nearest
  const pBest = new Int32Array(b).fill(-1);
  const nBest = new Int32Array(b).fill(-1);
  for (let a = 0; a < b; a++) {
    if (pos === 'semihard' && neg !== 'all') {
      nBest[a] = pick(all.neg, a, negFarthest, negRange);
      pBest[a] = nBest[a]! < 0 ? -1 : pick(all.pos, a, true, posRange, { c: closeness(d, a * r + nBest[a]!), farther: false });
    } else if (neg === 'semihard' && pos !== 'all') {
      pBest[a] = pick(all.pos, a, posFarthest, posRange);
      nBest[a] = pBest[a]! < 0 ? -1 : pick(all.neg, a, false, negRange, { c: closeness(d, a * r + pBest[a]!), farther: true });
    } else {
      if (pos !== 'all') pBest[a] = pick(all.pos, a, posFarthest, posRange);
      if (neg !== 'all') nBest[a] = pick(all.neg, a, negFarthest, negRange);
    }
  }
  const listAll = (sel: Counts, as: number[], os: number[]) => {
    for (let k = 0; k < sel.length; k++) if (sel[k]! > 0) {
      as.push((k / r) | 0);
      os.push(k % r);
    }
  };
  if (pos !== 'all' && neg !== 'all') {
    for (let a = 0; a < b; a++) {
      if (pBest[a]! < 0 || nBest[a]! < 0) continue;
      out.a1.push(a);
      out.p.push(pBest[a]!);
      out.a2.push(a);
      out.n.push(nBest[a]!);
    }
    return out;
  }
  if (pos === 'all') listAll(all.pos, out.a1, out.p);
  else for (let a = 0; a < b; a++) if (pBest[a]! >= 0) {
    out.a1.push(a);
    out.p.push(pBest[a]!);
  }
  if (neg === 'all') listAll(all.neg, out.a2, out.n);
  else for (let a = 0; a < b; a++) if (nBest[a]! >= 0) {
    out.a2.push(a);
    out.n.push(nBest[a]!);
  }
  return out;
}

/**
 * PML `MultiSimilarityMiner` (in closeness units): keep a negative if `c_an + ε > min_p c_ap`, a positive if
 * `c_ap − ε < max_n c_an`; an anchor without positives keeps no negatives and vice versa.
 */
function multiSimilarity(d: PairData, all: PairSel, eps: number): PairSel {
  const { b, r } = d;
  const pos = new Uint8Array(b * r);
  const neg = new Uint8Array(b * r);
  for (let a = 0; a < b; a++) {
    let minPos = Infinity;
    let maxNeg = -Infinity;
    for (let j = 0; j < r; j++) {
      const k = a * r + j;
      const c = closeness(d, k);
      if (all.pos[k]! > 0 && c < minPos) minPos = c;
      if (all.neg[k]! > 0 && c > maxNeg) maxNeg = c;
    }
    if (minPos === Infinity || maxNeg === -Infinity) continue;
    for (let j = 0; j < r; j++) {
      const k = a * r + j;
      const c = closeness(d, k);
      if (all.neg[k]! > 0 && c + eps > minPos) neg[k] = 1;
      if (all.pos[k]! > 0 && c - eps < maxNeg) pos[k] = 1;
    }
  }
  return { pos, neg };
}

/** Every positive, and each anchor's `k` closest negatives (ties to the lowest column). */
function hardNegativeTopK(d: PairData, all: PairSel, k: number): PairSel {
  const { b, r } = d;
  const neg = new Uint8Array(b * r);
  for (let a = 0; a < b; a++) {
    const cand: number[] = [];
    for (let j = 0; j < r; j++) if (all.neg[a * r + j]! > 0) cand.push(j);
    cand.sort((x, y) => closeness(d, a * r + y) - closeness(d, a * r + x) || x - y);
    for (const j of cand.slice(0, k)) neg[a * r + j] = 1;
  }
  return { pos: all.pos, neg };
}

/** PML `PairMarginMiner`: positives farther than `posMargin`, negatives nearer than `negMargin` (distance units). */
function pairMargin(d: PairData, all: PairSel, posMargin: number, negMargin: number): PairSel {
  const n = d.b * d.r;
  const pos = new Uint8Array(n);
  const neg = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const v = d.m[k]!;
    if (all.pos[k]! > 0 && (d.inverted ? v < posMargin : v > posMargin)) pos[k] = 1;
    if (all.neg[k]! > 0 && (d.inverted ? v > negMargin : v < negMargin)) neg[k] = 1;
  }
  return { pos, neg };
}

/**
 * PML `HDCMiner` (Yuan et al. 2017, Hard-Aware Deeply Cascaded Embedding): the hardest `⌈f·|P|⌉` positive pairs
 * (farthest) and `⌈f·|N|⌉` negative pairs (closest) of the whole batch; ties to the lowest flat index.
 */
function hdc(d: PairData, all: PairSel, f: number): PairSel {
  const n = d.b * d.r;
  const keep = (sel: Counts, hardestFirst: (x: number, y: number) => number) => {
    const idx: number[] = [];
    for (let k = 0; k < n; k++) if (sel[k]! > 0) idx.push(k);
    idx.sort((x, y) => hardestFirst(x, y) || x - y);
    const out = new Uint8Array(n);
    for (const k of idx.slice(0, Math.ceil(f * idx.length))) out[k] = 1;
    return out;
  };
  return {
    pos: keep(all.pos, (x, y) => closeness(d, x) - closeness(d, y)),
    neg: keep(all.neg, (x, y) => closeness(d, y) - closeness(d, x)),
  };
}

/**
 * PML `UniformHistogramMiner`: the pair values of each kind split into `numBins` equal-width bins over
 * `[min, max]` (`[s, e)`, the last `[s, e]`), and `perBin` pairs drawn uniformly with replacement from each
 * non-empty bin (so a pair can repeat).
 */
function uniformHistogram(d: PairData, all: PairSel, numBins: number, posPerBin: number, negPerBin: number, u: () => number): PairSel {
  const n = d.b * d.r;
  const draw = (sel: Counts, perBin: number) => {
    const out = new Uint32Array(n);
    const idx: number[] = [];
    for (let k = 0; k < n; k++) if (sel[k]! > 0) idx.push(k);
    if (idx.length === 0) return out;
    let lo = Infinity;
    let hi = -Infinity;
    for (const k of idx) {
      lo = Math.min(lo, d.m[k]!);
      hi = Math.max(hi, d.m[k]!);
    }
    const edges = Array.from({ length: numBins + 1 }, (_, i) => (i === numBins ? hi : lo + ((hi - lo) * i) / numBins));
    for (let bin = 0; bin < numBins; bin++) {
      const s = edges[bin]!;
      const e = edges[bin + 1]!;
      const members = idx.filter((k) => d.m[k]! >= s && (bin === numBins - 1 ? d.m[k]! <= e : d.m[k]! < e));
      if (members.length === 0) continue;
      for (let t = 0; t < perBin; t++) out[members[Math.floor(u() * members.length)]!]! += 1;
    }
    return out;
  };
  return { pos: draw(all.pos, posPerBin), neg: draw(all.neg, negPerBin) };
}

/**
 * PML `AngularMiner` (Wang et al. 2017, Deep Metric Learning with Angular Loss): every triplet whose angle at the
 * negative, `atan(‖a − p‖ / (2‖n − c‖))` with `c = (a + p)/2`, exceeds `angle` (radians), on L2-normalized
 * embeddings. `d` and `rr` hold cosine similarities (query-reference and reference-reference).
 */
function angular(d: PairData, rr: PairData, all: PairSel, angle: number) {
  const { b, r } = d;
  const a: number[] = [];
  const p: number[] = [];
  const n: number[] = [];
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < r; j++) {
      if (all.pos[i * r + j] === 0) continue;
      const sap = d.m[i * r + j]!;
      const ap = Math.sqrt(Math.max(2 - 2 * sap, 0));
      for (let k = 0; k < r; k++) {
        if (all.neg[i * r + k] === 0) continue;
        // ‖n − (a + p)/2‖² = 1 − s_an − s_pn + (1 + s_ap)/2 for unit vectors
        const nc = Math.sqrt(Math.max(1 - d.m[i * r + k]! - rr.m[j * r + k]! + (1 + sap) / 2, 0));
        // atan(ap / (2 nc)) > angle ⇔ ap > 2 nc tan(angle) (angle in (0, π/2))
        if (Math.atan(ap / (2 * nc)) > angle) {
          a.push(i);
          p.push(j);
          n.push(k);
        }
      }
    }
  }
  return { kind: 'list' as const, a: Int32Array.from(a), p: Int32Array.from(p), n: Int32Array.from(n) };
}

/**
 * PML `DistanceWeightedMiner` (Wu et al. 2017, Sampling Matters in Deep Embedding Learning): negatives sampled
 * with weight `q(d)⁻¹ ∝ d^{2−D} (1 − d²/4)^{(3−D)/2}` on distances clamped below at `cutoff`, zero at or beyond
 * `nonzeroLossCutoff`; for every label with at least two members, each anchor gets (number of its class members)
 * triplets with a uniformly drawn positive (≠ anchor) and a weighted negative. `d` holds L2 distances of
 * normalized embeddings of width `dim`.
 */
function distanceWeighted(d: PairData, cutoff: number, nonzeroCutoff: number, dim: number, u: () => number) {
  const { b, r } = d;
  const logW = new Float64Array(b * r);
  const bad = new Uint8Array(b * r);
  let maxLog = -Infinity;
  for (let k = 0; k < b * r; k++) {
    const x = Math.max(d.m[k]!, cutoff);
    let lw = (2 - dim) * Math.log(x) - ((dim - 3) / 2) * Math.log(1 - 0.25 * x * x);
    const same = d.rowLabels[(k / r) | 0] === d.colLabels[k % r];
    if (!Number.isFinite(lw)) bad[k] = 1;
    else if (same) lw = 0;
    logW[k] = lw;
    if (!bad[k] && lw > maxLog) maxLog = lw;
  }
  const w = new Float64Array(b * r);
  for (let i = 0; i < b; i++) {
    let s = 0;
    for (let j = 0; j < r; j++) {
      const k = i * r + j;
      const same = d.rowLabels[i] === d.colLabels[j];
      const x = Math.max(d.m[k]!, cutoff);
      w[k] = bad[k] || same || !(x < nonzeroCutoff) ? 0 : Math.exp(logW[k]! - maxLog);
      s += w[k]!;
    }
    for (let j = 0; j < r; j++) w[i * r + j] = s > 0 ? w[i * r + j]! / s : 0;
  }
  const a: number[] = [];
  const p: number[] = [];
  const n: number[] = [];
  const labels = [...new Set(d.rowLabels)].sort((x, y) => x - y);
  const minMembers = d.selfCol.some((c) => c >= 0) ? 2 : 1;
  for (const y of labels) {
    const members: number[] = [];
    for (let j = 0; j < r; j++) if (d.colLabels[j] === y) members.push(j);
    const anchors: number[] = [];
    for (let i = 0; i < b; i++) if (d.rowLabels[i] === y) anchors.push(i);
    const hasNeg = d.colLabels.some((c) => c !== y);
    if (members.length < minMembers || !hasNeg) continue;
    for (const i of anchors) {
      const others = members.filter((j) => j !== d.selfCol[i]);
      if (others.length === 0) continue;
      let total = 0;
      for (let j = 0; j < r; j++) total += w[i * r + j]!;
      if (!(total > 0)) continue;
      for (let t = 0; t < members.length; t++) {
        const pj = others[Math.floor(u() * others.length)]!;
        let x = u() * total;
        let nj = -1;
        for (let j = 0; j < r; j++) {
          const wj = w[i * r + j]!;
          if (wj <= 0) continue;
          nj = j;
          x -= wj;
          if (x < 0) break;
        }
        a.push(i);
        p.push(pj);
        n.push(nj);
      }
    }
  }
  return { kind: 'list' as const, a: Int32Array.from(a), p: Int32Array.from(p), n: Int32Array.from(n) };
}
