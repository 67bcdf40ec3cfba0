/**
 * The host side of the pair losses: the `[B, R]` matrix of one call read back once as float32, the pair and
 * triplet selections miners produce, and the per-anchor sorted views that count and sum triplets in O(B R log R)
 * instead of materialising `[B, R, R]`.
 *
 * Conventions: row `a` is an anchor (a query), column `j` a reference (the batch itself, or a memory queue);
 * `closeness c_aj = m_aj` for a similarity and `−m_aj` for a distance, so larger is always closer. The triplet
 * margin of PML (`distance.margin(ap, an)` negated) is the gap `g = c_ap − c_an`: positive when the positive is
 * closer than the negative.
 * @internal
 */

/** One call's pair problem: the matrix of a distance between B query rows and R reference columns. */
export interface PairData {
  /** Row-major `[B, R]` values of the distance or similarity. */
  readonly m: Float32Array;
  readonly b: number;
  readonly r: number;
  /** `true` for similarities (larger = closer). */
  readonly inverted: boolean;
  readonly rowLabels: Int32Array;
  readonly colLabels: Int32Array;
  /** The column holding row `i` itself (`i` for the square batch), or −1: never a positive of row `i`. */
  readonly selfCol: Int32Array;
}

/** Closeness `c_k` of flat entry `k` (larger = closer). */
export const closeness = (d: PairData, k: number): number => (d.inverted ? d.m[k]! : -d.m[k]!);

/**
 * Mined pairs as multiplicities over the `[B, R]` grid: `pos[a·R + j]` is how often `(a, j)` is a positive pair
 * (PML's `(a1, p)` lists may repeat a pair; most miners give 0/1), `neg` likewise for `(a2, n)`.
 */
export interface PairSel {
  readonly pos: Counts;
  readonly neg: Counts;
}

/** Multiplicities over the `[B, R]` grid: bytes for the 0/1 selections most miners make, 32-bit for repeats. */
export type Counts = Uint8Array | Uint32Array;

/** An interval of gaps `g = c_ap − c_an`, ends ±∞ allowed. */
export interface Interval {
  readonly lo: number;
  readonly hi: number;
  readonly loOpen: boolean;
  readonly hiOpen: boolean;
}

export const EVERYTHING: Interval = Object.freeze({ lo: -Infinity, hi: Infinity, loOpen: true, hiOpen: true });

/** `I ∩ J`. */
export function intersect(i: Interval, j: Interval): Interval {
  const [lo, loOpen] = i.lo > j.lo ? [i.lo, i.loOpen] : i.lo < j.lo ? [j.lo, j.loOpen] : [i.lo, i.loOpen || j.loOpen];
  const [hi, hiOpen] = i.hi < j.hi ? [i.hi, i.hiOpen] : i.hi > j.hi ? [j.hi, j.hiOpen] : [i.hi, i.hiOpen || j.hiOpen];
  return { lo, hi, loOpen, hiOpen };
}

/** Whether no number lies in `I`. */
export const isEmpty = (i: Interval): boolean => i.lo > i.hi || (i.lo === i.hi && (i.loOpen || i.hiOpen));

/** Whether `g ∈ I`. */
export const contains = (i: Interval, g: number): boolean =>
  (i.loOpen ? g > i.lo : g >= i.lo) && (i.hiOpen ? g < i.hi : g <= i.hi);

/**
 * Mined triplets. `window`: every `(a, p, n)` with `pos[a, p] > 0`, `neg[a, n] > 0` and gap `c_ap − c_an ∈ gap`,
 * counted `pos · neg` times (PML's all-triplets, `TripletMarginMiner` and pairs → triplets), never listed.
 * `list`: explicit triplets (batch-hard, sampled or given tuples), duplicates allowed.
 */
export type TripletSel =
  | { readonly kind: 'window'; readonly pos: Counts; readonly neg: Counts; readonly gap: Interval }
  | { readonly kind: 'list'; readonly a: Int32Array; readonly p: Int32Array; readonly n: Int32Array };

/** What a miner hands a loss: pairs or triplets. */
export type Mined = { readonly kind: 'pairs'; readonly sel: PairSel } | { readonly kind: 'triplets'; readonly sel: TripletSel };

/** Every labelled pair: positives share the label (self excluded), negatives differ. */
export function labelPairs(d: PairData): PairSel {
  const { b, r, rowLabels, colLabels, selfCol } = d;
  const pos = new Uint8Array(b * r);
  const neg = new Uint8Array(b * r);
  for (let i = 0; i < b; i++) {
    const y = rowLabels[i]!;
    const s = selfCol[i]!;
    for (let j = 0; j < r; j++) {
      if (colLabels[j] === y) {
        if (j !== s) pos[i * r + j] = 1;
      } else neg[i * r + j] = 1;
    }
  }
  return { pos, neg };
}

/**
 * One anchor's values of one pair kind (positives or negatives) sorted ascending by closeness, with their
 * multiplicities and prefix sums of multiplicity and of multiplicity × closeness, for range counts and sums.
 */
export interface SortedRow {
  readonly v: Float64Array;
  /** `cw[i]` = Σ_{k<i} w_k, `cwv[i]` = Σ_{k<i} w_k v_k (length n + 1). */
  readonly cw: Float64Array;
  readonly cwv: Float64Array;
}

/** The sorted view of row `a` of `sel` (entries with multiplicity > 0). */
export function sortedRow(d: PairData, sel: Counts, a: number): SortedRow {
  const r = d.r;
  let n = 0;
  let unit = true;
  for (let j = 0; j < r; j++) {
    const w = sel[a * r + j]!;
    if (w > 0) {
      n++;
      if (w !== 1) unit = false;
    }
  }
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  let k = 0;
  for (let j = 0; j < r; j++) {
    const c = sel[a * r + j]!;
    if (c > 0) {
      v[k] = closeness(d, a * r + j);
      w[k++] = c;
    }
  }
  if (unit) v.sort();
  else {
    const idx = Array.from({ length: n }, (_, i) => i).sort((x, y) => v[x]! - v[y]!);
    const v2 = Float64Array.from(idx, (i) => v[i]!);
    const w2 = Float64Array.from(idx, (i) => w[i]!);
    v.set(v2);
    w.set(w2);
  }
  const cw = new Float64Array(n + 1);
  const cwv = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    cw[i + 1] = cw[i]! + w[i]!;
    cwv[i + 1] = cwv[i]! + w[i]! * v[i]!;
  }
  return { v, cw, cwv };
}

/** First index `i` with `v[i] > x` (`strict`) or `v[i] >= x`. */
function lowerIndex(v: Float64Array, x: number, strict: boolean): number {
  let lo = 0;
  let hi = v.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? v[mid]! <= x : v[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index range `[i0, i1)` of the sorted values inside `[x0, x1]` (ends open as flagged). */
export function rangeOf(s: SortedRow, x0: number, x0Open: boolean, x1: number, x1Open: boolean): [number, number] {
  const i0 = x0 === -Infinity ? 0 : lowerIndex(s.v, x0, x0Open);
  const i1 = x1 === Infinity ? s.v.length : lowerIndex(s.v, x1, !x1Open);
  return [i0, Math.max(i0, i1)];
}

/**
 * The negatives of a positive with closeness `cp` whose gap `cp − c_n` lies in `g`: closeness in
 * `[cp − g.hi, cp − g.lo]`. Returns `[count, Σ w·c_n]` over them.
 */
export function negativesInGap(s: SortedRow, cp: number, g: Interval): [number, number] {
  const [i0, i1] = rangeOf(s, cp - g.hi, g.hiOpen, cp - g.lo, g.loOpen);
  return [s.cw[i1]! - s.cw[i0]!, s.cwv[i1]! - s.cwv[i0]!];
}

/** The positives of a negative with closeness `cn` whose gap `c_p − cn` lies in `g`: `[count, Σ w·c_p]`. */
export function positivesInGap(s: SortedRow, cn: number, g: Interval): [number, number] {
  const [i0, i1] = rangeOf(s, cn + g.lo, g.loOpen, cn + g.hi, g.hiOpen);
  return [s.cw[i1]! - s.cw[i0]!, s.cwv[i1]! - s.cwv[i0]!];
}

/** The pairs `(a, p)` and `(a, n)` that occur in some mined triplet, each once (PML's triplets → pairs). */
export function tripletsToPairs(d: PairData, t: TripletSel): PairSel {
  const n = d.b * d.r;
  const pos = new Uint8Array(n);
  const neg = new Uint8Array(n);
  if (t.kind === 'list') {
    for (let k = 0; k < t.a.length; k++) {
      pos[t.a[k]! * d.r + t.p[k]!] = 1;
      neg[t.a[k]! * d.r + t.n[k]!] = 1;
    }
    return { pos, neg };
  }
  if (isEmpty(t.gap)) return { pos, neg };
  for (let a = 0; a < d.b; a++) {
    const sn = sortedRow(d, t.neg, a);
    const sp = sortedRow(d, t.pos, a);
    if (sn.v.length === 0 || sp.v.length === 0) continue;
    for (let j = 0; j < d.r; j++) {
      const k = a * d.r + j;
      if (t.pos[k]! > 0 && negativesInGap(sn, closeness(d, k), t.gap)[0] > 0) pos[k] = 1;
      if (t.neg[k]! > 0 && positivesInGap(sp, closeness(d, k), t.gap)[0] > 0) neg[k] = 1;
    }
  }
  return { pos, neg };
}

/** Pairs as a selection for pair losses, whatever the miner gave. */
export function asPairs(d: PairData, mined: Mined): PairSel {
  return mined.kind === 'pairs' ? mined.sel : tripletsToPairs(d, mined.sel);
}

/** Triplets for triplet losses: every `(a, p, n)` whose `(a, p)` and `(a, n)` were mined (PML's pairs → triplets). */
export function asTriplets(mined: Mined): TripletSel {
  return mined.kind === 'triplets' ? mined.sel : { kind: 'window', pos: mined.sel.pos, neg: mined.sel.neg, gap: EVERYTHING };
}

/** Lists the triplets of a selection explicitly (for `mine()`; O(number of triplets)). */
export function listTriplets(d: PairData, t: TripletSel): { a: Int32Array; p: Int32Array; n: Int32Array } {
  if (t.kind === 'list') return { a: t.a, p: t.p, n: t.n };
  const a: number[] = [];
  const p: number[] = [];
  const n: number[] = [];
  const r = d.r;
  for (let i = 0; i < d.b; i++) {
    for (let j = 0; j < r; j++) {
      const cp = t.pos[i * r + j]!;
      if (cp === 0) continue;
      const gp = closeness(d, i * r + j);
      for (let k = 0; k < r; k++) {
        const cn = t.neg[i * r + k]!;
        if (cn === 0 || !contains(t.gap, gp - closeness(d, i * r + k))) continue;
        for (let rep = 0; rep < cp * cn; rep++) {
          a.push(i);
          p.push(j);
          n.push(k);
        }
      }
    }
  }
  return { a: Int32Array.from(a), p: Int32Array.from(p), n: Int32Array.from(n) };
}

/** Lists pairs explicitly as PML's `(a1, p, a2, n)` (multiplicities repeated). */
export function listPairs(d: PairData, s: PairSel): { a1: Int32Array; p: Int32Array; a2: Int32Array; n: Int32Array } {
  const grab = (m: Counts) => {
    const a: number[] = [];
    const o: number[] = [];
    for (let k = 0; k < m.length; k++) {
      for (let rep = 0; rep < m[k]!; rep++) {
        a.push((k / d.r) | 0);
        o.push(k % d.r);
      }
    }
    return [Int32Array.from(a), Int32Array.from(o)] as const;
  };
  const [a1, p] = grab(s.pos);
  const [a2, n] = grab(s.neg);
  return { a1, p, a2, n };
}
