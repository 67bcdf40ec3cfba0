// Seeded random data for the generators. Every call index gets its own stream, derived from (seed, index),
// so a call can be regenerated alone (`--index`) and the run does not depend on how calls are split across workers.
import { loadPackage } from './load.mjs';

const { rng } = await loadPackage('@losskit/core', './math');

/** 32-bit mix of the run seed and the call index (murmur3 finalizer). */
function mix(seed, index) {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

const f32 = Math.fround;

/** Special values every generator mixes in: ties, huge and tiny magnitudes. */
export const EXTREMES = [0, 1e30, -1e30, 1e16, -1e16, 1e8, -1e8, 1e4, -1e4, 1e-30, -1e-30, 88, -88, 3.4e38];

export class Rand {
  constructor(seed, index) {
    this.next = rng(mix(seed, index));
  }
  float(lo = 0, hi = 1) {
    return lo + (hi - lo) * this.next();
  }
  /** Integer in [lo, hi] (inclusive). */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5) {
    return this.next() < p;
  }
  pick(items) {
    return items[Math.floor(this.next() * items.length)];
  }
  /** Picks a key of `{ key: weight }` with probability proportional to its weight. */
  weighted(table) {
    const entries = Object.entries(table);
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries.at(-1)[0];
  }
  normal() {
    const u = Math.max(this.next(), 1e-300);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  shuffle(items) {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  /** A batch size: mostly small, sometimes 1, occasionally larger. */
  batch(max = 8) {
    const r = this.next();
    if (r < 0.15) return 1;
    if (r < 0.9) return this.int(2, Math.min(max, 8));
    return this.int(2, max);
  }
  /** A class count: mostly 2..10; 1 now and then (one-class edge case); a few wide ones. */
  classes({ min = 1, max = 12 } = {}) {
    const r = this.next();
    if (r < 0.06 && min <= 1) return 1;
    if (r < 0.94) return this.int(Math.max(2, min), Math.min(10, max));
    return this.int(Math.max(2, min), max);
  }

  /**
   * A float32-representable logit (or real) value. `mode`:
   * `normal` N(0, s) at a random scale; `ties` small integers (many exact ties); `extreme` a huge or tiny value;
   * `mixed` mostly normal with some extremes.
   */
  value(mode, scale = 1) {
    switch (mode) {
      case 'ties':
        return this.int(-2, 2) * scale;
      case 'extreme':
        return f32(this.pick(EXTREMES.slice(0, 13)) * (this.bool() ? 1 : 1));
      case 'mixed':
        return this.bool(0.25) ? f32(this.pick(EXTREMES.slice(0, 13))) : f32(this.normal() * scale);
      case 'zeros':
        return 0;
      default:
        return f32(this.normal() * scale);
    }
  }
  /** Picks a value mode with its scale: the distribution of logits/predictions used across generators. */
  valueMode({ moderate = false } = {}) {
    const mode = moderate ? this.weighted({ normal: 8, ties: 2, zeros: 0.3 }) : this.weighted({ normal: 6, ties: 2, extreme: 1, mixed: 1.5, zeros: 0.3 });
    const scale = this.pick(moderate ? [0.1, 1, 3, 10] : [0.1, 1, 3, 10, 100, 1e4]);
    return { mode, scale };
  }
  /** A `[rows, cols]` matrix of float32-representable values. */
  matrix(rows, cols, mode = 'normal', scale = 1) {
    const m = [];
    for (let i = 0; i < rows; i++) {
      const row = [];
      for (let j = 0; j < cols; j++) row.push(this.value(mode, scale));
      m.push(row);
    }
    return m;
  }
  /** Probability rows (each sums to 1 up to float32 rounding): softmax of random logits, sometimes one-hot or with zeros. */
  probs(rows, cols) {
    const out = [];
    for (let i = 0; i < rows; i++) {
      const kind = this.weighted({ soft: 8, onehot: 1, zeros: 1 });
      let row;
      if (kind === 'onehot') {
        row = new Array(cols).fill(0);
        row[this.int(0, cols - 1)] = 1;
      } else {
        const z = Array.from({ length: cols }, () => this.normal() * this.pick([0.5, 1, 3]));
        if (kind === 'zeros') for (let j = 0; j < cols; j++) if (this.bool(0.3)) z[j] = -Infinity;
        if (z.every((v) => v === -Infinity)) z[0] = 0;
        const m = Math.max(...z);
        const e = z.map((v) => Math.exp(v - m));
        const s = e.reduce((a, b) => a + b, 0);
        row = e.map((v) => f32(v / s));
      }
      out.push(row);
    }
    return out;
  }
  /** Integer labels in [0, c). */
  labels(n, c) {
    return Array.from({ length: n }, () => this.int(0, c - 1));
  }
  /** A value that breaks an integer label in [0, c): out of range, fractional or non-finite. */
  badLabel(c) {
    return this.pick([-1, c, c + 5, 0.5, 1.5, NaN, Infinity, -Infinity, 2 ** 31]);
  }
  /** A non-finite number. */
  nonFinite() {
    return this.pick([NaN, Infinity, -Infinity]);
  }
  /** Positive sample weights, sometimes with zeros. */
  weights(n) {
    const zeros = this.bool(0.3);
    return Array.from({ length: n }, () => (zeros && this.bool(0.4) ? 0 : f32(this.float(0.1, 3))));
  }
}

/** One-hot rows of integer labels. */
export function oneHot(labels, c) {
  return labels.map((y) => Array.from({ length: c }, (_, j) => (j === y ? 1 : 0)));
}

/** Deep copy of nested arrays with one entry replaced: `poke(m, [i, j], v)`; a scalar (index `[]`) is replaced whole. */
export function poke(m, index, v) {
  if (index.length === 0) return v;
  const copy = structuredClone(m);
  let cur = copy;
  for (let k = 0; k < index.length - 1; k++) cur = cur[index[k]];
  cur[index.at(-1)] = v;
  return copy;
}

/** A random index into nested arrays of the given shape. */
export function randomIndex(r, shape) {
  return shape.map((d) => r.int(0, d - 1));
}

/** Shape of nested arrays. */
export function shapeOf(x) {
  const s = [];
  let cur = x;
  while (Array.isArray(cur)) {
    s.push(cur.length);
    cur = cur[0];
  }
  return s;
}
