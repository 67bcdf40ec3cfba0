/**
 * PML's reducers on the host: which elements pass (a filter on the element loss) and how the passing ones are
 * weighted. Every reducer here weights all passing elements of one anchor alike, so a reduction is a per-anchor
 * coefficient: `out = Σ_a coef_a Σ_{e ∈ a, passing} mult_e · l_e` (batch level) or `out_a = coef_a Σ_{e ∈ a} …`
 * (sample level). The triplet kernels use that to reduce triplets they never list.
 * @internal
 */
import { LosskitError } from '@losskit/core';
import { type Reducer, reducerFor } from '../reducers.js';
import { type Counts, EVERYTHING, type Interval } from './pairs.js';

type Single = Exclude<Reducer, { kind: 'multiple' }>;

/** PML reduction types, for `lossElements()`. */
export type ReductionType = 'pos_pair' | 'neg_pair' | 'element' | 'triplet';

/** The elements of one sub-loss, listed. */
export interface Elements {
  readonly type: ReductionType;
  /** Loss per element. */
  readonly values: Float64Array;
  /** The anchor (row) of each element; omitted for grid elements, whose anchor is `⌊k / stride⌋`. */
  readonly anchors?: Int32Array;
  /** Row length of grid elements (values over the whole `[B, R]` grid, `mult` 0 off the selection). */
  readonly stride?: number;
  /** Multiplicity per element (PML lists may repeat a pair); default 1 each. */
  readonly mult?: ArrayLike<number>;
  /** The other indices of each element (pairs: the column; triplets: positive and negative), for `lossElements()`. */
  readonly others?: readonly Int32Array[];
}

/** The non-zero entries of a `[B, R]` multiplicity grid, as lists: flat index, row, column, multiplicity. */
export interface PairList {
  readonly index: Int32Array;
  readonly rows: Int32Array;
  readonly cols: Int32Array;
  readonly mult: Uint32Array;
}

/** Lists the non-zero entries of `sel` (row-major). */
export function pairList(sel: Counts, r: number): PairList {
  let n = 0;
  for (let k = 0; k < sel.length; k++) if (sel[k] !== 0) n++;
  const index = new Int32Array(n);
  const rows = new Int32Array(n);
  const cols = new Int32Array(n);
  const mult = new Uint32Array(n);
  let t = 0;
  for (let k = 0; k < sel.length; k++) {
    const c = sel[k]!;
    if (c === 0) continue;
    index[t] = k;
    rows[t] = (k / r) | 0;
    cols[t] = k - rows[t]! * r;
    mult[t++] = c;
  }
  return { index, rows, cols, mult };
}

/** What passes a reducer's filter: an interval of element losses (AvgNonZero: `l > 0`; Threshold: `low < l < high`). */
export function filterOf(r: Single): Interval {
  if (r.kind === 'meanNonZero') return { lo: 0, hi: Infinity, loOpen: true, hiOpen: true };
  if (r.kind === 'threshold') return { lo: r.low, hi: r.high, loOpen: true, hiOpen: true };
  return EVERYTHING;
}

/** Context of a reduction: batch size, row labels (class weights) and the loss's divisor (DivisorReducer). */
export interface ReduceContext {
  readonly b: number;
  readonly rowLabels: Int32Array;
  readonly divisor?: number;
}

/**
 * Per-anchor coefficients from the passing multiplicity per anchor (`count[a]`); `sample` says the output is one
 * value per anchor. An anchor without passing elements gets coefficient 0.
 */
export function coefficients(r: Single, count: Float64Array, ctx: ReduceContext): { coef: Float64Array; sample: boolean } {
  const b = ctx.b;
  const coef = new Float64Array(b);
  let total = 0;
  for (let a = 0; a < b; a++) total += count[a]!;
  switch (r.kind) {
    case 'perAnchor':
      for (let a = 0; a < b; a++) coef[a] = count[a]! > 0 ? 1 / count[a]! : 0;
      return { coef, sample: true };
    case 'sum':
      coef.fill(1);
      break;
    case 'divisor': {
      const d = ctx.divisor ?? 1;
      coef.fill(d === 0 ? 0 : 1 / d);
      break;
    }
    case 'classWeighted':
      for (let a = 0; a < b; a++) {
        const y = ctx.rowLabels[a]!;
        const w = r.weights[y];
        if (w === undefined) {
          if (count[a]! === 0) continue;
          throw new LosskitError('LABEL_OUT_OF_RANGE', 'classWeighted(): a label has no class weight', { argument: 'yTrue', expected: `integers in [0, ${r.weights.length})`, received: `${y} at index ${a}` });
        }
        coef[a] = total > 0 ? w / total : 0;
      }
      break;
    default:
      coef.fill(total > 0 ? 1 / total : 0);
  }
  return { coef, sample: false };
}

/** The reduction of one sub-loss: its value (or per-anchor values) and `∂out/∂l_k` per element. */
export interface Reduced {
  readonly value: number;
  readonly perAnchor: Float64Array | undefined;
  readonly weights: Float64Array;
}

/** The anchor of element `k` (listed, or on the grid). */
export function anchorsOf(el: Elements): (k: number) => number {
  if (el.anchors) {
    const a = el.anchors;
    return (k) => a[k]!;
  }
  const s = el.stride!;
  return (k) => (k / s) | 0;
}

/** Reduces listed elements with reducer `r` (PML semantics: mean over the passing elements, with multiplicity). */
export function reduceElements(r: Reducer, name: string, el: Elements, ctx: ReduceContext): Reduced {
  const red = reducerFor(r, name);
  const f = filterOf(red);
  const all = f.lo === -Infinity && f.hi === Infinity;
  const { lo, hi, loOpen, hiOpen } = f;
  const { values, mult, anchors, stride } = el;
  const n = values.length;
  // hot loops: the filter and the anchor are inlined (a closure per element costs more than the loss itself)
  const passes = (v: number) => all || ((loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi));
  const count = new Float64Array(ctx.b);
  if (anchors) {
    for (let k = 0; k < n; k++) {
      const m = mult ? mult[k]! : 1;
      if (m > 0 && passes(values[k]!)) count[anchors[k]!]! += m;
    }
  } else {
    const s = stride!;
    for (let a = 0, k = 0; a < ctx.b; a++) {
      let c = 0;
      for (let j = 0; j < s; j++, k++) {
        const m = mult ? mult[k]! : 1;
        if (m > 0 && passes(values[k]!)) c += m;
      }
      count[a] = c;
    }
  }
  const { coef, sample } = coefficients(red, count, ctx);
  const weights = new Float64Array(n);
  const per = new Float64Array(ctx.b);
  let value = 0;
  for (let k = 0; k < n; k++) {
    const m = mult ? mult[k]! : 1;
    if (m === 0 || !passes(values[k]!)) continue;
    const a = anchors ? anchors[k]! : (k / stride!) | 0;
    const w = coef[a]! * m;
    weights[k] = w;
    const v = w * values[k]!;
    per[a]! += v;
    value += v;
  }
  return { value, perAnchor: sample ? per : undefined, weights };
}
