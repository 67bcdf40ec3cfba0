// An independent float64 evaluator of core's expression IR, written from the ops' definitions (compile()'s
// unfused semantics: held-broadcast class/pair values, broadcast before row-wise ops, one-hot targets,
// `(z − m) − l` log-probabilities) on plain Float64Arrays. It decides the cases where compile()'s float32
// rounding dominates (cancellation to ~0): there the exported module must match this reference instead.
// Gradients come from central differences of it. Core ops only (package ops have no reference here).
import type { Expr, Reduction } from '../../src/index.js';
import type { ExportCase, Reference64 } from './harness.js';

interface Arr {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

const arr = (shape: readonly number[], data: ArrayLike<number>): Arr => ({ shape: [...shape], data: Float64Array.from(data) });
const scalar = (v: number): Arr => arr([], [v]);
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`reference64: cannot broadcast [${a}] and [${b}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

function broadcastTo(x: Arr, shape: readonly number[]): Arr {
  if (x.shape.join() === shape.join()) return x;
  const out = new Float64Array(size(shape));
  const n = shape.length;
  const xs = [...new Array(n - x.shape.length).fill(1), ...x.shape];
  const strides: number[] = [];
  let s = 1;
  for (let i = n - 1; i >= 0; i--) {
    strides[i] = xs[i] === 1 ? 0 : s;
    s *= xs[i]!;
  }
  const idx = new Array(n).fill(0);
  for (let k = 0; k < out.length; k++) {
    let off = 0;
    for (let i = 0; i < n; i++) off += idx[i]! * strides[i]!;
    out[k] = x.data[off]!;
    for (let i = n - 1; i >= 0; i--) {
      if (++idx[i] < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return arr(shape, out);
}

const map = (x: Arr, f: (v: number) => number): Arr => arr(x.shape, Array.from(x.data, f));
function zip(a: Arr, b: Arr, f: (x: number, y: number) => number): Arr {
  const shape = broadcastShape(a.shape, b.shape);
  const A = broadcastTo(a, shape);
  const B = broadcastTo(b, shape);
  return arr(shape, Array.from(A.data, (x, i) => f(x, B.data[i]!)));
}
/** Rows of a 2-D array (or of a 1-D one as a single row). */
function rows(x: Arr): number[][] {
  const c = x.shape.at(-1) ?? 1;
  const r = size(x.shape) / c;
  return Array.from({ length: r }, (_, i) => Array.from(x.data.subarray(i * c, (i + 1) * c)));
}
const byRow = (x: Arr, f: (r: number[]) => number): Arr => arr(x.shape.slice(0, -1), rows(x).map(f));
const rowMap = (x: Arr, f: (r: number[]) => number[]): Arr => arr(x.shape, rows(x).flatMap(f));

const sum = (r: readonly number[]) => r.reduce((a, b) => a + b, 0);
const lse = (r: readonly number[]) => {
  const m = Math.max(...r);
  return m + Math.log(sum(r.map((v) => Math.exp(v - m))));
};
const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const sigmoid = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
const xlogx = (v: number) => (v > 0 ? v * Math.log(v) : 0);
const log1mexp = (v: number) => (v > -Math.LN2 ? Math.log(-Math.expm1(Math.min(v, 0))) : Math.log1p(-Math.exp(Math.min(v, -Math.LN2))));

function sparsemaxRow(r: readonly number[]): number[] {
  const m = Math.max(...r);
  const z = r.map((v) => v - m);
  const s = [...z].sort((a, b) => b - a);
  let cum = 0;
  let k = 0;
  let total = 0;
  s.forEach((v, i) => {
    cum += v;
    if (1 + (i + 1) * v > cum) {
      k = i + 1;
      total = cum;
    }
  });
  const tau = (total - 1) / k;
  return z.map((v) => Math.max(v - tau, 0));
}

function softSortRow(s: readonly number[], tau: number): number[] {
  const n = s.length;
  const b = s.map((sj) => sum(s.map((sk) => Math.abs(sj - sk))));
  return Array.from({ length: n }, (_, i) => {
    const logits = s.map((sj, j) => ((n - 1 - 2 * i) * sj - b[j]!) / tau);
    const l = lse(logits);
    return sum(logits.map((v, j) => Math.exp(v - l) * s[j]!));
  });
}

function maskedRow(x: readonly number[], m: readonly number[], how: string): number {
  const sel = x.filter((_, j) => m[j] !== 0);
  if (sel.length === 0) return 0;
  switch (how) {
    case 'sum': return sum(sel);
    case 'mean': return sum(sel) / sel.length;
    case 'max': return Math.max(...sel);
    case 'min': return Math.min(...sel);
    default: return lse(sel);
  }
}

/** The inputs of one evaluation, as compile() prepares them (`[N, C]` predictions, labels or dense targets). */
export interface RefInputs {
  readonly from: 'logits' | 'probs' | 'embeddings';
  readonly epsilon: number;
  readonly z: number[][];
  readonly labels?: readonly number[];
  readonly dense?: number[][];
  readonly inputs: ReadonlyMap<string, Arr>;
}

export class Ref {
  private readonly memo = new Map<string, Arr>();
  readonly N: number;
  readonly C: number;
  constructor(private readonly x: RefInputs) {
    this.N = x.z.length;
    this.C = x.z[0]!.length;
  }
  private z(): Arr {
    return arr([this.N, this.C], this.x.z.flat());
  }
  private t(): Arr {
    if (this.x.dense) return arr([this.N, this.C], this.x.dense.flat());
    return arr([this.N, this.C], this.x.labels!.flatMap((y) => Array.from({ length: this.C }, (_, j) => (j === y ? 1 : 0))));
  }
  private logP(): Arr {
    if (this.x.from === 'probs') return map(this.z(), (v) => Math.log(Math.min(Math.max(v, this.x.epsilon), 1)));
    return rowMap(this.z(), (r) => {
      const m = Math.max(...r);
      const l = Math.log(sum(r.map((v) => Math.exp(v - m))));
      return r.map((v) => v - m - l);
    });
  }
  private p(): Arr {
    return this.x.from === 'probs' ? this.z() : map(this.logP(), Math.exp);
  }
  private same(): Arr {
    const y = this.x.labels!;
    return arr([this.N, this.N], y.flatMap((a) => y.map((b) => (a === b ? 1 : 0))));
  }
  private eye(): Arr {
    return arr([this.N, this.N], Array.from({ length: this.N * this.N }, (_, k) => (Math.floor(k / this.N) === k % this.N ? 1 : 0)));
  }

  value(e: Expr): Arr {
    const hit = this.memo.get(e.key);
    if (hit) return hit;
    const ELEMENTWISE = ['named', 'plus', 'minus', 'times', 'div', 'maximum', 'minimum', 'scale', 'pow', 'neg', 'clip', 'detach', 'where', 'exp', 'log', 'log1p', 'sqrt', 'abs', 'relu', 'softplus', 'sigmoid', 'logSigmoid', 'expand'];
    const rowwise = !ELEMENTWISE.includes(e.op.kind);
    const a = e.args.map((x) => {
      const v = this.value(x);
      if (!rowwise) return v;
      const full = x.level === 'class' ? [this.N, this.C] : x.level === 'pair' ? [this.N, this.N] : undefined;
      return full ? broadcastTo(v, full) : v;
    });
    const v = this.op(e, a);
    this.memo.set(e.key, v);
    return v;
  }

  private op(e: Expr, a: Arr[]): Arr {
    const p = e.params as Record<string, any>;
    const [x, y] = a as [Arr, Arr];
    const C = this.C;
    switch (e.op.kind) {
      case 'constant': return scalar(p.value);
      case 'named': case 'detach': return x;
      case 'plus': return zip(x, y, (u, v) => u + v);
      case 'minus': return zip(x, y, (u, v) => u - v);
      case 'times': return zip(x, y, (u, v) => u * v);
      case 'div': return zip(x, y, (u, v) => u / v);
      case 'maximum': return zip(x, y, Math.max);
      case 'minimum': return zip(x, y, Math.min);
      case 'scale': return map(x, (u) => u * p.w);
      case 'pow': return map(x, (u) => u ** p.p);
      case 'neg': return map(x, (u) => -u);
      case 'clip': return map(x, (u) => Math.min(Math.max(u, p.lo), p.hi));
      case 'where': return zip(x, y, (u, m) => (m !== 0 ? u : p.otherwise));
      case 'exp': return map(x, Math.exp);
      case 'log': return map(x, Math.log);
      case 'log1p': return map(x, Math.log1p);
      case 'sqrt': return map(x, Math.sqrt);
      case 'abs': return map(x, Math.abs);
      case 'relu': return map(x, (u) => Math.max(u, 0));
      case 'softplus': return map(x, softplus);
      case 'sigmoid': return map(x, sigmoid);
      case 'logSigmoid': return map(x, (u) => -softplus(-u));
      case 'softmax': return rowMap(x, (r) => { const l = lse(r); return r.map((v) => Math.exp(v - l)); });
      case 'logSoftmax': return rowMap(x, (r) => { const l = lse(r); return r.map((v) => v - l); });
      case 'zNormalize': return rowMap(x, (r) => { const mu = sum(r) / r.length; const s = Math.sqrt(sum(r.map((v) => (v - mu) ** 2)) / r.length + 1e-12); return r.map((v) => (v - mu) / s); });
      case 'batchMarginal': { const rs = rows(x); return arr([1, x.shape[1]!], rs[0]!.map((_, j) => sum(rs.map((r) => r[j]!)) / rs.length)); }
      case 'expand': return x.shape.length === 0 ? x : arr([size(x.shape), 1], x.data);
      case 'target': return byRow(zip(x, this.t(), (u, t) => u * t), sum);
      case 'incorrect': return map(byRow(zip(x, this.t(), (u, t) => u * (1 - t)), sum), (v) => v / (C - 1));
      case 'max': return byRow(x, (r) => Math.max(...r));
      case 'min': return byRow(x, (r) => Math.min(...r));
      case 'logSumExp': return byRow(x, lse);
      case 'sum': return byRow(x, sum);
      case 'mean': return byRow(x, (r) => sum(r) / r.length);
      case 'topk': return byRow(x, (r) => { const kth = [...r].sort((u, v) => v - u)[p.k - 1]!; const s = r.filter((v) => v >= kth); return sum(s) / s.length; });
      case 'batchSum': return scalar(sum(Array.from(x.data)));
      case 'batchMean': return scalar(x.data.length === 1 ? x.data[0]! : sum(Array.from(x.data)) / this.N);
      case 'yPred': case 'logit': case 'embeddings': return this.z();
      case 'yTrue': return this.t();
      case 'prob': return this.p();
      case 'logProb': return this.logP();
      case 'input': return this.x.inputs.get(p.name)!;
      case 'square': return zip(this.z(), this.t(), (u, t) => (u - t) ** 2);
      case 'absError': return zip(this.z(), this.t(), (u, t) => Math.abs(u - t));
      case 'ce': {
        const eps = p.labelSmoothing as number;
        const t = map(this.t(), (v) => v * (1 - eps) + eps / C);
        if (this.x.from === 'probs') return map(byRow(zip(t, this.logP(), (u, l) => u * l), sum), (v) => -v);
        // Σ_j t_j (m − z_j) + l Σ t: exact for huge logits.
        const zr = rows(this.z());
        return arr([this.N], rows(t).map((tr, i) => { const r = zr[i]!; const m = Math.max(...r); const l = Math.log(sum(r.map((v) => Math.exp(v - m)))); return sum(tr.map((tj, j) => tj * (m - r[j]!))) + l * sum(tr); }));
      }
      case 'bce': {
        const eps = p.labelSmoothing as number;
        const t = map(this.t(), (v) => v * (1 - eps) + 0.5 * eps);
        if (this.x.from === 'logits') return zip(this.z(), t, (u, v) => softplus(u) - v * u);
        const e = this.x.epsilon;
        return zip(this.z(), t, (u, v) => { const q = Math.min(Math.max(u, e), 1 - e); return -(v * Math.log(q) + (1 - v) * Math.log(1 - q)); });
      }
      case 'entropy': return map(byRow(zip(this.p(), this.logP(), (u, l) => u * l), sum), (v) => -v);
      case 'kl': { const t = a.length ? x : this.t(); return byRow(zip(t, this.logP(), (u, l) => xlogx(u) - u * l), sum); }
      case 'classConstant': return arr([1, p.values.length], p.values);
      case 'log1mexp': return map(x, log1mexp);
      case 'sparsemax': return rowMap(x, sparsemaxRow);
      case 'softSort': return rowMap(x, (r) => softSortRow(r, p.tau));
      case 'positiveMask': return zip(this.same(), this.eye(), (u, v) => u - v);
      case 'negativeMask': return map(this.same(), (u) => 1 - u);
      case 'sameLabelMask': return this.same();
      case 'identityMask': return this.eye();
      case 'maskedRowReduce': { const s = broadcastShape(x.shape, y.shape); const X = rows(broadcastTo(x, s)); const M = rows(broadcastTo(y, s)); return arr([X.length], X.map((r, i) => maskedRow(r, M[i]!, p.how))); }
      case 'pairRows': return arr([size(x.shape), 1], x.data);
      case 'pairCols': return arr([1, size(x.shape)], x.data);
      case 'pairTranspose': { const n = x.shape[0]!; return arr([n, n], Array.from({ length: n * n }, (_, k) => x.data[(k % n) * n + Math.floor(k / n)]!)); }
      default: throw new Error(`reference64: no reference for ${e.op.kind}`);
    }
  }
}

/** Whether every op of `e` has a reference here. */
export function hasReference(e: Expr): boolean {
  const known = new Set(['constant', 'named', 'detach', 'plus', 'minus', 'times', 'div', 'maximum', 'minimum', 'scale', 'pow', 'neg', 'clip', 'where', 'exp', 'log', 'log1p', 'sqrt', 'abs', 'relu', 'softplus', 'sigmoid', 'logSigmoid', 'softmax', 'logSoftmax', 'zNormalize', 'batchMarginal', 'expand', 'target', 'incorrect', 'max', 'min', 'logSumExp', 'sum', 'mean', 'topk', 'batchSum', 'batchMean', 'yPred', 'logit', 'embeddings', 'yTrue', 'prob', 'logProb', 'input', 'square', 'absError', 'ce', 'bce', 'entropy', 'kl', 'classConstant', 'log1mexp', 'sparsemax', 'softSort', 'positiveMask', 'negativeMask', 'sameLabelMask', 'identityMask', 'maskedRowReduce', 'pairRows', 'pairCols', 'pairTranspose']);
  return known.has(e.op.kind) && e.args.every(hasReference);
}

/** One float64 evaluation: the reduced value, per-sample values `w_i l_i` (sample level) and the raw per-sample values. */
export function evaluate64(expr: Expr, x: RefInputs, reduction: Reduction, weights: readonly number[] | undefined, shared?: Ref): { value: number | number[]; perSample?: number[] } {
  const ref = shared ?? new Ref(x);
  const raw = ref.value(expr);
  if (expr.level === 'class' || expr.level === 'pair') return { value: sum(Array.from(raw.data)) / raw.data.length };
  const N = ref.N;
  if (expr.level === 'batch') return { value: raw.data[0]! };
  const v = raw.data.length === N ? Array.from(raw.data) : new Array(N).fill(raw.data[0]!);
  const w = weights ?? new Array(N).fill(1);
  const wl = v.map((l, i) => l * w[i]!);
  const s = sum(wl);
  const value =
    reduction === 'none' ? wl
    : reduction === 'sum' ? s
    : reduction === 'mean' || !weights ? s / N
    : reduction === 'weightedMean' ? (sum(w) === 0 ? 0 : s / sum(w))
    : w.filter((q) => q !== 0).length === 0 ? 0 : s / w.filter((q) => q !== 0).length;
  return { value, perSample: wl };
}

/** `parts()` in float64: every named sub-expression reduced as compile() does (`none` reads as `mean`), plus `total`. */
export function parts64(expr: Expr, x: RefInputs, reduction: Reduction, weights: readonly number[] | undefined): Record<string, number> {
  const r: Reduction = reduction === 'none' ? 'mean' : reduction;
  const ref = new Ref(x);
  const out: Record<string, number> = { total: evaluate64(expr, x, r, weights, ref).value as number };
  const visit = (e: Expr): void => {
    if (e.label !== undefined) out[e.label] = evaluate64(e, x, r, weights, ref).value as number;
    e.args.forEach(visit);
  };
  visit(expr);
  return out;
}

/** Fourth-order central differences of the reduced value (summed for 'none') with respect to every prediction entry. */
export function gradient64(expr: Expr, x: RefInputs, reduction: Reduction, weights: readonly number[] | undefined): number[] {
  const f = (z: number[][]) => {
    const v = evaluate64(expr, { ...x, z }, reduction, weights).value;
    return Array.isArray(v) ? sum(v) : v;
  };
  const g: number[] = [];
  x.z.forEach((r, i) =>
    r.forEach((v, j) => {
      const h = 1e-4 * Math.max(1, Math.abs(v));
      const at = (d: number) => {
        const zd = x.z.map((q) => [...q]);
        zd[i]![j] = v + d;
        return f(zd);
      };
      // Fourth-order central differences: truncation O(h⁴), rounding O(1e-16·|f|/h).
      g.push((at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h));
    }),
  );
  return g;
}

/** Builds the reference's inputs from a case's float32-rounded arrays (2-D predictions; sample inputs `[N]`, class inputs `[N, C]` or `[C]`). */
export function refInputs(from: RefInputs['from'], epsilon: number, z: number[][], yTrue: number[] | number[][], labels: boolean, inputs: Readonly<Record<string, unknown>> | undefined, levels: ReadonlyMap<string, string>): RefInputs {
  const ins = new Map<string, Arr>();
  for (const [name, level] of levels) {
    const v = inputs?.[name];
    if (level === 'class') {
      const m = v as number[][] | number[];
      ins.set(name, Array.isArray(m[0]) ? arr([m.length, (m[0] as number[]).length], (m as number[][]).flat()) : arr([1, m.length], m as number[]));
    } else if (level === 'sample') ins.set(name, arr([(v as number[]).length], v as number[]));
    else ins.set(name, scalar(v as number));
  }
  return labels ? { from, epsilon, z, labels: yTrue as number[], inputs: ins } : { from, epsilon, z, dense: yTrue as number[][], inputs: ins };
}

const f32 = (x: unknown): any => (Array.isArray(x) ? x.map(f32) : typeof x === 'number' ? Math.fround(x) : x);

/** The float64 reference of a case with 2-D predictions and core ops only (float32-rounded inputs, as compile() sees them). */
export function caseReference(c: ExportCase): Reference64 | undefined {
  if (!hasReference(c.expr) || !Array.isArray((c.yPred as unknown[])[0])) return undefined;
  const levels = new Map<string, string>();
  const walk = (e: Expr): void => {
    if (e.op.kind === 'input') levels.set(e.params.name as string, e.level);
    e.args.forEach(walk);
  };
  walk(c.expr);
  const o = c.options ?? {};
  const x = refInputs(o.from ?? 'logits', o.epsilon ?? 1e-7, f32(c.yPred), c.labels ? (c.yTrue as number[]) : f32(c.yTrue), c.labels, f32(c.inputs), levels);
  const weights = c.sampleWeight ? f32(c.sampleWeight) : undefined;
  const reduction = o.reduction ?? 'mean';
  const { value, perSample } = evaluate64(c.expr, x, reduction, weights);
  return {
    value,
    ...(perSample && c.expr.level === 'sample' ? { perSample } : {}),
    grad: gradient64(c.expr, x, reduction, weights),
    parts: parts64(c.expr, x, reduction, weights),
  };
}
