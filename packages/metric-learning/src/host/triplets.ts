/**
 * Hinge triplet losses `l = [m − g]_+` with gap `g = c_ap − c_an`, reduced without listing the triplets: per anchor
 * the negatives (and positives) are sorted once and every count and sum over a gap window is two binary searches
 * (O(B·R log R) time, O(B·R) memory, against O(B·R²) for the explicit triplets PML builds).
 * @internal
 */
import { reducerFor } from '../reducers.js';
import { type SubLoss, elementLoss } from './kernel.js';
import { type Interval, type PairData, type SortedRow, type TripletSel, closeness, intersect, isEmpty, listTriplets, negativesInGap, positivesInGap, sortedRow } from './pairs.js';
import { coefficients, filterOf } from './reduce.js';

/** The gaps whose loss `[m − g]_+` passes a reducer filter on losses `f`. */
function gapsPassing(f: Interval, m: number): Interval {
  if (f.lo === -Infinity && f.hi === Infinity) return f;
  if (f.lo >= 0) return { lo: m - f.hi, hi: m - f.lo, loOpen: f.hiOpen, hiOpen: f.loOpen };
  // l = 0 (g ≥ m) passes when 0 < hi
  return f.hi > 0 ? { lo: m - f.hi, hi: Infinity, loOpen: f.hiOpen, hiOpen: true } : { lo: 1, hi: 0, loOpen: true, hiOpen: true };
}

/** `∂/∂m` from `∂/∂c` (closeness is `m` for similarities, `−m` for distances). */
const sign = (d: PairData): number => (d.inverted ? 1 : -1);

/** The hinge triplet loss over mined triplets `t`, margin `margin`, as sub-loss `name`. */
export function hingeTriplets(name: string, d: PairData, t: TripletSel, margin: number): SubLoss {
  if (t.kind === 'list') return listedHinge(name, d, t, margin);
  return {
    name,
    // listing the triplets is O(T): only lossElements() asks for it
    elements: () => listedHinge(name, d, listTriplets(d, t), margin).elements!(),
    reduce(r, ctx) {
      const red = reducerFor(r, name);
      const { b, r: cols } = d;
      const count = new Float64Array(b);
      const contributes = intersect(t.gap, gapsPassing(filterOf(red), margin));
      const valued = intersect(contributes, { lo: -Infinity, hi: margin, loOpen: true, hiOpen: true });
      const rows: (SortedRow | undefined)[] = new Array(b);
      if (!isEmpty(contributes)) {
        for (let a = 0; a < b; a++) {
          const sn = sortedRow(d, t.neg, a);
          if (sn.v.length === 0) continue;
          rows[a] = sn;
          let c = 0;
          for (let j = 0; j < cols; j++) {
            const w = t.pos[a * cols + j]!;
            if (w > 0) c += w * negativesInGap(sn, closeness(d, a * cols + j), contributes)[0];
          }
          count[a] = c;
        }
      }
      const { coef, sample } = coefficients(red, count, ctx);
      const per = new Float64Array(b);
      let value = 0;
      if (!isEmpty(valued)) {
        for (let a = 0; a < b; a++) {
          const sn = rows[a];
          if (!sn || coef[a] === 0) continue;
          let s = 0;
          for (let j = 0; j < cols; j++) {
            const w = t.pos[a * cols + j]!;
            if (w === 0) continue;
            const cp = closeness(d, a * cols + j);
            const [n, sumCn] = negativesInGap(sn, cp, valued);
            s += w * (n * (margin - cp) + sumCn);
          }
          per[a] = coef[a]! * s;
          value += per[a]!;
        }
      }
      return {
        value,
        perAnchor: sample ? per : undefined,
        backward(scale, g) {
          if (isEmpty(valued)) return;
          const sg = sign(d);
          for (let a = 0; a < b; a++) {
            const sn = rows[a];
            if (!sn || coef[a] === 0) continue;
            const w = coef[a]! * scale(a);
            if (w === 0) continue;
            const sp = sortedRow(d, t.pos, a);
            for (let j = 0; j < cols; j++) {
              const k = a * cols + j;
              const wp = t.pos[k]!;
              const wn = t.neg[k]!;
              const c = closeness(d, k);
              // ∂[m − c_ap + c_an]_+ / ∂c_ap = −1, / ∂c_an = +1 over the valued triplets
              if (wp > 0) g[k]! -= sg * w * wp * negativesInGap(sn, c, valued)[0];
              if (wn > 0) g[k]! += sg * w * wn * positivesInGap(sp, c, valued)[0];
            }
          }
        },
      };
    },
  };
}

function listedHinge(name: string, d: PairData, t: { a: Int32Array; p: Int32Array; n: Int32Array }, margin: number): SubLoss {
  const r = d.r;
  const values = new Float64Array(t.a.length);
  for (let k = 0; k < values.length; k++) {
    const a = t.a[k]!;
    values[k] = Math.max(0, margin - closeness(d, a * r + t.p[k]!) + closeness(d, a * r + t.n[k]!));
  }
  return elementLoss(name, { type: 'triplet', values, anchors: t.a, others: [t.p, t.n] }, (w, g) => {
    const sg = sign(d);
    for (let k = 0; k < w.length; k++) {
      if (w[k] === 0 || !(values[k]! > 0)) continue;
      const a = t.a[k]!;
      g[a * r + t.p[k]!]! -= sg * w[k]!;
      g[a * r + t.n[k]!]! += sg * w[k]!;
    }
  });
}
