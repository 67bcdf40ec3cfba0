import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, formatShape, isTensor, params, toTensor } from '@losskit/core';
import { checkedTensor } from './distances.js';
import { rng as rngOf } from '@losskit/core/math';
import { optionsOf, tidy } from './internal.js';

/** Embeddings as plain rows (the metrics also take tensors and TypedArray rows: see {@link RetrievalOptions}). */
export type Rows = readonly (readonly number[])[];

/** Options of the retrieval metrics. */
export interface RetrievalOptions {
  /** `cosine` (default) or `euclidean` nearest neighbours. */
  readonly metric?: 'cosine' | 'euclidean';
  /** Reference set `{ embeddings [M, D], labels [M] }` (tensors or arrays); default: the queries themselves, leaving each query out. */
  readonly reference?: { readonly embeddings: Rows | TensorLike; readonly labels: readonly number[] | TensorLike };
  /**
   * Queries per device chunk when the problem is large (more than 2²⁰ query × reference pairs): each chunk is one
   * `[batchSize, M]` product and a top-k, so memory stays O(batchSize · M) (no `[N, M]` matrix). Default: up to 1024
   * queries, at most 2²⁴ products per chunk.
   */
  readonly batchSize?: number;
  /** Average per class first, then over classes (PML `avg_of_avgs`). Default false. */
  readonly avgOfAvgs?: boolean;
}

/** A `[n, d]` float64 host matrix read from a tensor, nested arrays or TypedArray rows. */
export interface HostRows {
  readonly data: Float64Array;
  readonly n: number;
  readonly d: number;
}

/** Reads finite embeddings `[n, D]` (`RANK_MISMATCH`, `EMPTY_BATCH`, `NON_FINITE_INPUT` naming `name`). */
export function readRows(x: Rows | TensorLike, name: string): HostRows {
  return tidy(() => {
    const t = checkedTensor(x as TensorLike, name, 2, 'the embeddings');
    const c = toTensor(x as TensorLike, name);
    const data = c.host ? Float64Array.from(c.host) : Float64Array.from(t.dataSync());
    return { data, n: t.shape[0]!, d: t.shape[1]! };
  });
}

/** Reads integer labels `[n]` (tensor or array): `RANK_MISMATCH`, `SHAPE_MISMATCH`, `NON_INTEGER_LABEL` naming `name`. */
export function readIntLabels(y: readonly number[] | TensorLike, n: number, name: string): number[] {
  return tidy(() => {
    const c = toTensor(y as TensorLike, name);
    const t = c.tensor;
    if (t.rank !== 1) throw new LosskitError('RANK_MISMATCH', 'labels must be 1-D', { argument: name, expected: `shape [${n}]`, received: formatShape(t.shape) });
    if (t.shape[0] !== n) throw new LosskitError('SHAPE_MISMATCH', 'labels must have one entry per embedding', { argument: name, expected: `${n} labels`, received: `${t.shape[0]}` });
    const v = c.host ?? t.dataSync();
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i]!)) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be integers', { argument: name, expected: 'integers', received: `${v[i]} at index ${i}` });
    }
    return Array.from(v);
  });
}

function checkMetric(m: unknown): boolean {
  if (m !== 'cosine' && m !== 'euclidean') throw new LosskitError('INVALID_ARGUMENT', 'unknown neighbour metric', { argument: 'metric', expected: "'cosine' or 'euclidean'", received: String(m) });
  return m === 'cosine';
}

/** The neighbour problem of one call: rescaled float64 rows, labels, and whether the queries are the references. */
interface Problem {
  readonly q: HostRows;
  readonly r: HostRows;
  readonly y: number[];
  readonly ry: number[];
  readonly self: boolean;
  readonly cos: boolean;
}

function problemOf(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: RetrievalOptions | undefined): Problem {
  const o: RetrievalOptions = optionsOf(options) ?? {};
  const cos = checkMetric(o.metric ?? 'cosine');
  if (o.batchSize !== undefined) params.positiveInteger('batchSize', o.batchSize);
  const qIn = readRows(embeddings, 'embeddings');
  let q = qIn;
  const y = readIntLabels(labels, q.n, 'labels');
  let r = q;
  let ry = y;
  if (o.reference !== undefined) {
    const ref = optionsOf(o.reference, 'reference');
    r = readRows(ref.embeddings, 'reference.embeddings');
    if (r.d !== q.d) throw new LosskitError('SHAPE_MISMATCH', 'reference embeddings need the width of the queries', { argument: 'reference.embeddings', expected: `shape [M, ${q.d}]`, received: `[${r.n}, ${r.d}]` });
    ry = readIntLabels(ref.labels, r.n, 'reference.labels');
  }
  const self = o.reference === undefined;
  // Rankings do not change when every vector is scaled by one positive factor: dividing by the largest |value| keeps
  // squared distances and dot products finite for any finite input (±1e200 included).
  let big = 0;
  for (const m of [q, r]) for (let k = 0; k < m.data.length; k++) big = Math.max(big, Math.abs(m.data[k]!));
  if (big > 0) {
    q = { ...q, data: q.data.map((v) => v / big) };
    r = r === qIn ? q : { ...r, data: r.data.map((v) => v / big) };
  }
  if (cos) {
    const unit = (m: HostRows): HostRows => {
      const out = new Float64Array(m.data.length);
      for (let i = 0; i < m.n; i++) {
        let s = 0;
        for (let k = 0; k < m.d; k++) s += m.data[i * m.d + k]! ** 2;
        const n = Math.sqrt(s) || 1;
        for (let k = 0; k < m.d; k++) out[i * m.d + k] = m.data[i * m.d + k]! / n;
      }
      return { ...m, data: out };
    };
    const qu = unit(q);
    r = r === q ? qu : unit(r);
    q = qu;
  }
  return { q, r, y, ry, self, cos };
}

/** Float64 distance used for the final ranking: `−cos` (rows already unit) or the squared L2 distance. */
function exactDistance(p: Problem, i: number, j: number): number {
  const { q, r } = p;
  let v = 0;
  if (p.cos) {
    for (let k = 0; k < q.d; k++) v += q.data[i * q.d + k]! * r.data[j * r.d + k]!;
    return -v;
  }
  for (let k = 0; k < q.d; k++) v += (q.data[i * q.d + k]! - r.data[j * r.d + k]!) ** 2;
  return v;
}

/** Problems up to this many query × reference pairs are ranked exactly on the host; larger ones in device chunks. */
const EXACT_PAIRS = 1 << 20;
/** Extra float32 candidates per query re-ranked in float64 (guards against float32 rounding at the k-th place). */
const SLACK = 8;

/**
 * The `k` nearest references of every query (self excluded in leave-one-out mode), ties by index: `[N·k]` indices
 * and float64 distances. Small problems are ranked exactly in float64. Larger ones run in chunks of `batchSize`
 * queries: one `[batchSize, M]` product on the device, tfjs's top-k of `k + 1 + 8` float32 candidates, and a float64
 * re-ranking of the candidates on the host — never an `[N, M]` matrix.
 */
function nearest(p: Problem, k: number, batchSize: number): { idx: Int32Array; dist: Float64Array; k: number } {
  const { q, r } = p;
  const kk = Math.min(k, r.n - (p.self ? 1 : 0));
  const idx = new Int32Array(q.n * kk);
  const dist = new Float64Array(q.n * kk);
  if (kk <= 0) return { idx, dist, k: 0 };
  const finish = (i: number, cand: ArrayLike<number>) => {
    const list: [number, number][] = [];
    for (let t = 0; t < cand.length; t++) {
      const j = cand[t]!;
      if (p.self && j === i) continue;
      list.push([exactDistance(p, i, j), j]);
    }
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let t = 0; t < kk; t++) {
      idx[i * kk + t] = list[t]![1];
      dist[i * kk + t] = list[t]![0];
    }
  };
  if (q.n * r.n <= EXACT_PAIRS || kk + 1 + SLACK >= r.n) {
    const all = Int32Array.from({ length: r.n }, (_, j) => j);
    for (let i = 0; i < q.n; i++) finish(i, all);
    return { idx, dist, k: kk };
  }
  const want = Math.min(r.n, kk + 1 + SLACK);
  const refT = tf.tidy(() => tf.transpose(tf.tensor2d(Float32Array.from(r.data), [r.n, r.d])));
  // squared norms of the references: −‖q − r‖² = 2q·r − ‖r‖² − ‖q‖², the last constant per row
  const rr = p.cos ? undefined : tf.tidy(() => tf.reshape(tf.sum(tf.square(refT), 0), [1, -1]));
  try {
    for (let s = 0; s < q.n; s += batchSize) {
      const e = Math.min(q.n, s + batchSize);
      const cand = tf.tidy(() => {
        const qc = tf.tensor2d(Float32Array.from(q.data.subarray(s * q.d, e * q.d)), [e - s, q.d]);
        const prod = tf.matMul(qc, refT);
        const score = rr ? tf.sub(tf.mul(prod, 2), rr) : prod;
        return tf.topk(score, want).indices;
      });
      const c = cand.dataSync();
      cand.dispose();
      for (let i = s; i < e; i++) finish(i, c.subarray((i - s) * want, (i - s + 1) * want));
    }
  } finally {
    refT.dispose();
    rr?.dispose();
  }
  return { idx, dist, k: kk };
}

/** The chunk size: as given, else up to 1024 queries with at most 2²⁴ products (64 MB of float32) per chunk. */
const batchOf = (given: number | undefined, p: Problem): number => given ?? Math.max(16, Math.min(1024, Math.floor(2 ** 24 / p.r.n)));

/** Label bookkeeping of a problem: per query the number R of same-label references (self excluded). */
function relevantCounts(p: Problem): Int32Array {
  const counts = new Map<number, number>();
  for (const l of p.ry) counts.set(l, (counts.get(l) ?? 0) + 1);
  return Int32Array.from(p.y, (l) => (counts.get(l) ?? 0) - (p.self ? 1 : 0));
}

/**
 * For each query, the labels of its `k` nearest references (ties by index), self excluded when no reference is given,
 * plus the query labels and R per query. `k` defaults to the largest R (enough for R-precision and MAP@R).
 */
function ranking(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: RetrievalOptions | undefined, k?: number) {
  const p = problemOf(embeddings, labels, options);
  const R = relevantCounts(p);
  let maxR = 0;
  for (const v of R) maxR = Math.max(maxR, v);
  const nn = nearest(p, k ?? Math.max(1, maxR), batchOf(options?.batchSize, p));
  const ranked = Array.from({ length: p.q.n }, (_, i) => Array.from(nn.idx.subarray(i * nn.k, (i + 1) * nn.k), (j) => p.ry[j]!));
  return { ranked, queryLabels: p.y, relevant: R };
}

/**
 * The k nearest references of every query as PML's k-NN does for its `AccuracyCalculator`, in chunks: `{ indices,
 * distances, k }` with `[N·k]` row-major reference indices (self excluded in leave-one-out mode, ties by index) and
 * float64 distances (`−cos` for cosine, squared L2 for euclidean). Problems above 2²⁰ pairs never build an `[N, M]`
 * matrix: each chunk of `batchSize` queries is one device product and top-k (float32 candidates, re-ranked in
 * float64). `k` is clipped to the number of references. Inputs and errors as {@link recallAtK}.
 * @example const { indices } = knn(queries, 10, { reference: { embeddings: gallery, labels: galleryLabels } });
 */
export function knn(embeddings: Rows | TensorLike, k: number, options: Omit<RetrievalOptions, 'reference'> & { readonly reference?: { readonly embeddings: Rows | TensorLike } } = {}): { readonly indices: Int32Array; readonly distances: Float64Array; readonly k: number } {
  params.positiveInteger('k', k);
  const { reference, ...o } = optionsOf(options);
  const n = readRows(embeddings, 'embeddings').n;
  const ref = reference === undefined ? undefined : { embeddings: optionsOf(reference, 'reference').embeddings, labels: new Array<number>(readRows(reference.embeddings, 'reference.embeddings').n).fill(0) };
  const p = problemOf(embeddings, new Array<number>(n).fill(0), ref ? { ...o, reference: ref } : o);
  const nn = nearest(p, k, batchOf(o.batchSize, p));
  return { indices: nn.idx, distances: nn.dist, k: nn.k };
}

/**
 * Recall@k: the fraction of queries with at least one same-label item among their k nearest references
 * (leave-one-out over the queries themselves unless `options.reference` is given). Every query counts; a query whose
 * label no reference has is a miss. Inputs: embeddings `[N, D]` and integer labels `[N]`, as tensors or arrays.
 * Errors: `INVALID_PARAMETER` (k), `EMPTY_BATCH` (no queries), `RANK_MISMATCH`, `SHAPE_MISMATCH`,
 * `NON_FINITE_INPUT`, `NON_INTEGER_LABEL`, `INVALID_ARGUMENT` (metric, options).
 * @example recallAtK(embeddings, labels, 5)
 */
export function recallAtK(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, k = 1, options: RetrievalOptions = {}): number {
  params.positiveInteger('k', k);
  const { ranked, queryLabels } = ranking(embeddings, labels, options, k);
  return ranked.filter((row, i) => row.slice(0, k).includes(queryLabels[i]!)).length / ranked.length;
}

/** Mean of per-query values over the non-lone queries (R ≥ 1), or per class then over classes (`avgOfAvgs`); 0 if none. */
function averageOver(values: (number | undefined)[], labels: readonly number[], avgOfAvgs: boolean | undefined): number {
  if (!avgOfAvgs) {
    let s = 0;
    let n = 0;
    values.forEach((v) => {
      if (v === undefined) return;
      s += v;
      n++;
    });
    return n === 0 ? 0 : s / n;
  }
  const per = new Map<number, [number, number]>();
  values.forEach((v, i) => {
    if (v === undefined) return;
    const c = per.get(labels[i]!) ?? [0, 0];
    per.set(labels[i]!, [c[0] + v, c[1] + 1]);
  });
  if (per.size === 0) return 0;
  let s = 0;
  for (const [t, n] of per.values()) s += t / n;
  return s / per.size;
}

/**
 * Precision@k as pytorch-metric-learning computes it (`AccuracyCalculator`'s `precision_at_1`, `precision_at_k`):
 * over the queries whose label occurs among the references (other than the query itself), the mean fraction of
 * same-label items among the k nearest; "lone" queries are left out, and the value is 0 when every query is lone (PML
 * v2.8.1 returns NaN). `avgOfAvgs` averages per class first. Inputs and errors as {@link recallAtK}.
 * @example precisionAtK(embeddings, labels, 5)
 * @see KevinMusgrave/pytorch-metric-learning @216a792, src/pytorch_metric_learning/utils/accuracy_calculator.py.
 */
export function precisionAtK(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, k: number, options: RetrievalOptions = {}): number {
  params.positiveInteger('k', k);
  const { ranked, queryLabels, relevant } = ranking(embeddings, labels, options, k);
  const per = ranked.map((row, i) => (relevant[i]! > 0 ? row.slice(0, k).filter((l) => l === queryLabels[i]).length / k : undefined));
  return averageOver(per, queryLabels, options.avgOfAvgs);
}

/**
 * Precision@1 as pytorch-metric-learning's `AccuracyCalculator` computes `precision_at_1`: over the queries whose label
 * occurs in the reference set (other than the query itself), the fraction whose nearest reference has the same label.
 * Queries without any same-label reference ("lone" queries) are left out, as PML's `try_getting_not_lone_labels`
 * does; when every query is lone the value is 0. This differs from {@link recallAtK} with k = 1, which counts lone
 * queries as misses. Inputs and errors as {@link recallAtK} (an empty batch is `EMPTY_BATCH`; PML fails on it).
 * @example precisionAt1(embeddings, labels)
 * @see KevinMusgrave/pytorch-metric-learning, src/pytorch_metric_learning/utils/accuracy_calculator.py.
 */
export function precisionAt1(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: RetrievalOptions = {}): number {
  return precisionAtK(embeddings, labels, 1, options);
}

/**
 * MAP@R (Musgrave, Belongie, Lim 2020, "A Metric Learning Reality Check"): for each query with R
 * same-label references, `(1/R) Σ_{i=1..R} P(i)·rel(i)` over its R nearest references; averaged over
 * queries with R ≥ 1 (0 when there is none, as pytorch-metric-learning). Inputs and errors as {@link recallAtK}.
 * @example mapAtR(embeddings, labels)
 */
export function mapAtR(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: RetrievalOptions = {}): number {
  const { ranked, queryLabels, relevant } = ranking(embeddings, labels, options);
  const per = ranked.map((row, q) => {
    const r = relevant[q]!;
    if (r === 0) return undefined;
    let hits = 0;
    let s = 0;
    for (let i = 0; i < r; i++) if (row[i] === queryLabels[q]) s += ++hits / (i + 1);
    return s / r;
  });
  return averageOver(per, queryLabels, options.avgOfAvgs);
}

/**
 * Mean average precision over the k nearest references (PML `mean_average_precision`): per non-lone query
 * `(1/R) Σ_{i ≤ k, rel(i)} P(i)` with R its number of same-label references (so relevant items beyond k count as
 * missed); averaged over the non-lone queries. `k` defaults to every reference (PML's `k=None`; pass a k for large
 * sets). Inputs and errors as {@link recallAtK}.
 * @example meanAveragePrecision(embeddings, labels, { k: 100 })
 */
export function meanAveragePrecision(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: RetrievalOptions & { readonly k?: number } = {}): number {
  const k = options.k === undefined ? Number.MAX_SAFE_INTEGER : params.positiveInteger('k', options.k);
  const { ranked, queryLabels, relevant } = ranking(embeddings, labels, options, k);
  const per = ranked.map((row, q) => {
    const r = relevant[q]!;
    if (r === 0) return undefined;
    let hits = 0;
    let s = 0;
    row.forEach((l, i) => {
      if (l === queryLabels[q]) s += ++hits / (i + 1);
    });
    return s / r;
  });
  return averageOver(per, queryLabels, options.avgOfAvgs);
}

/**
 * Mean reciprocal rank (PML `mean_reciprocal_rank`): per non-lone query, `1/rank` of the first same-label reference
 * among the k nearest (0 if none is there); averaged over the non-lone queries. `k` defaults to every reference.
 * Inputs and errors as {@link recallAtK}.
 * @example meanReciprocalRank(embeddings, labels)
 */
export function meanReciprocalRank(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: RetrievalOptions & { readonly k?: number } = {}): number {
  const k = options.k === undefined ? Number.MAX_SAFE_INTEGER : params.positiveInteger('k', options.k);
  const { ranked, queryLabels, relevant } = ranking(embeddings, labels, options, k);
  const per = ranked.map((row, q) => {
    if (relevant[q]! === 0) return undefined;
    const at = row.indexOf(queryLabels[q]!);
    return at < 0 ? 0 : 1 / (at + 1);
  });
  return averageOver(per, queryLabels, options.avgOfAvgs);
}

/**
 * R-precision (PML `r_precision`): per non-lone query with R same-label references, the fraction of same-label items
 * among its R nearest; averaged over the non-lone queries. Inputs and errors as {@link recallAtK}.
 * @example rPrecision(embeddings, labels)
 */
export function rPrecision(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: RetrievalOptions = {}): number {
  const { ranked, queryLabels, relevant } = ranking(embeddings, labels, options);
  const per = ranked.map((row, q) => {
    const r = relevant[q]!;
    if (r === 0) return undefined;
    let hits = 0;
    for (let i = 0; i < r; i++) if (row[i] === queryLabels[q]) hits++;
    return hits / r;
  });
  return averageOver(per, queryLabels, options.avgOfAvgs);
}

/**
 * Lloyd's k-means with k-means++ seeding (seeded PRNG); returns the cluster index of each row. Rows `[N, D]` as a
 * tensor or arrays (finite); `k` an integer in [1, N]; defaults: seed 0, 100 iterations.
 * @example kMeans(embeddings, 10, { seed: 1 })
 */
export function kMeans(data: Rows | TensorLike, k: number, options: { readonly seed?: number; readonly iterations?: number } = {}): number[] {
  options = optionsOf(options);
  const m = readRows(data, 'rows');
  const rows: number[][] = Array.from({ length: m.n }, (_, i) => Array.from(m.data.subarray(i * m.d, (i + 1) * m.d)));
  if (!Number.isInteger(k) || k < 1 || k > rows.length) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'k', expected: `an integer in [1, ${rows.length}]`, received: String(k) });
  }
  const iterations = params.positiveInteger('iterations', options.iterations ?? 100);
  params.finite('seed', options.seed ?? 0);
  const rnd = rngOf(options.seed ?? 0);
  const d2 = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0);
  const centers: number[][] = [[...rows[Math.floor(rnd() * rows.length)]!]];
  while (centers.length < k) {
    const w = rows.map((r) => Math.min(...centers.map((c) => d2(r, c))));
    const tot = w.reduce((a, b) => a + b, 0);
    let u = rnd() * tot;
    let pick = rows.length - 1;
    for (let i = 0; i < w.length; i++) {
      u -= w[i]!;
      if (u < 0) {
        pick = i;
        break;
      }
    }
    centers.push([...rows[pick]!]);
  }
  let assign = new Array<number>(rows.length).fill(-1);
  for (let it = 0; it < iterations; it++) {
    const next = rows.map((r) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (d2(r, centers[c]!) < d2(r, centers[best]!)) best = c;
      return best;
    });
    if (next.every((a, i) => a === assign[i])) break;
    assign = next;
    for (let c = 0; c < k; c++) {
      const members = rows.filter((_, i) => assign[i] === c);
      if (members.length === 0) continue;
      centers[c] = members[0]!.map((_, j) => members.reduce((s, r) => s + r[j]!, 0) / members.length);
    }
  }
  return assign;
}

/**
 * Normalized mutual information `I(A; B) / sqrt(H(A) H(B))` of two labelings of the same items (1 when both
 * partitions are trivial, 0 when only one is). Integer labels `[N]` as tensors or arrays, N ≥ 1.
 * @example nmi(labels, kMeans(embeddings, 10))
 */
export function nmi(labelsA: readonly number[] | TensorLike, labelsB: readonly number[] | TensorLike): number {
  const a = readIntLabels(labelsA, lengthOf(labelsA, 'a'), 'a');
  const b = readIntLabels(labelsB, a.length, 'b');
  const n = a.length;
  const count = (xs: readonly number[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<number, number>());
  const ca = count(a);
  const cb = count(b);
  const joint = new Map<string, number>();
  a.forEach((x, i) => joint.set(`${x},${b[i]}`, (joint.get(`${x},${b[i]}`) ?? 0) + 1));
  const h = (c: Map<number, number>) => -[...c.values()].reduce((s, v) => s + (v / n) * Math.log(v / n), 0);
  let mi = 0;
  for (const [key, v] of joint) {
    const [x, y] = key.split(',').map(Number) as [number, number];
    mi += (v / n) * Math.log((v * n) / (ca.get(x)! * cb.get(y)!));
  }
  const ha = h(ca);
  const hb = h(cb);
  if (ha === 0 && hb === 0) return 1;
  if (ha === 0 || hb === 0) return 0;
  return mi / Math.sqrt(ha * hb);
}

/** NMI between the labels and a k-means clustering of the embeddings with k = number of distinct labels (tensors or arrays). */
export function nmiOfKMeans(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: { readonly seed?: number } = {}): number {
  options = optionsOf(options);
  const m = readRows(embeddings, 'embeddings');
  const y = readIntLabels(labels, m.n, 'labels');
  const k = new Set(y).size;
  return nmi(y as number[], kMeans(embeddings, k, options));
}

/** The length of a 1-D label argument, or `EMPTY_BATCH` / `INVALID_ARGUMENT` naming it. */
function lengthOf(y: unknown, name: string): number {
  const n = isTensor(y) ? (y.shape[0] ?? -1) : Array.isArray(y) || ArrayBuffer.isView(y) ? (y as ArrayLike<unknown>).length : -1;
  if (n < 0) throw new LosskitError('INVALID_ARGUMENT', 'expected integer labels [N]', { argument: name, expected: 'a tensor or array of integers', received: y === null ? 'null' : typeof y });
  if (n === 0) throw new LosskitError('EMPTY_BATCH', 'no labels', { argument: name, expected: 'at least one label', received: '[]' });
  return n;
}

/** `log Γ(x)` for x > 0 (Lanczos, g = 7, n = 9; ~15 digits). */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Adjusted mutual information (Vinh, Epps, Bailey 2010, "Information Theoretic Measures for Clusterings Comparison";
 * scikit-learn's `adjusted_mutual_info_score`, used by PML's `AccuracyCalculator` for `AMI`):
 * `(I(A; B) − E[I]) / (½(H(A) + H(B)) − E[I])`, the expectation under the hypergeometric model of random labelings
 * with the same cluster sizes; 1 when both labelings are a single cluster (sklearn's convention). Integer labels `[N]`
 * as tensors or arrays.
 * @example ami(labels, kMeans(embeddings, 10))
 */
export function ami(labelsA: readonly number[] | TensorLike, labelsB: readonly number[] | TensorLike): number {
  const a = readIntLabels(labelsA, lengthOf(labelsA, 'a'), 'a');
  const b = readIntLabels(labelsB, a.length, 'b');
  const n = a.length;
  const count = (xs: readonly number[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<number, number>());
  const ca = [...count(a).values()];
  const cb = [...count(b).values()];
  if ((ca.length === 1 && cb.length === 1) || n === 0) return 1;
  const joint = new Map<string, number>();
  a.forEach((x, i) => joint.set(`${x},${b[i]}`, (joint.get(`${x},${b[i]}`) ?? 0) + 1));
  const ma = count(a);
  const mb = count(b);
  let mi = 0;
  for (const [key, v] of joint) {
    const [x, y] = key.split(',').map(Number) as [number, number];
    mi += (v / n) * Math.log((v * n) / (ma.get(x)! * mb.get(y)!));
  }
  const h = (c: number[]) => -c.reduce((s, v) => s + (v / n) * Math.log(v / n), 0);
  // E[I] = Σ_ij Σ_nij (nij/N) log(N nij / (a_i b_j)) · hypergeometric P(nij)
  const lgN = logGamma(n + 1);
  let emi = 0;
  for (const ai of ca) {
    for (const bj of cb) {
      const lo = Math.max(1, ai + bj - n);
      const hi = Math.min(ai, bj);
      const base = logGamma(ai + 1) + logGamma(bj + 1) + logGamma(n - ai + 1) + logGamma(n - bj + 1) - lgN;
      for (let nij = lo; nij <= hi; nij++) {
        const logP = base - logGamma(nij + 1) - logGamma(ai - nij + 1) - logGamma(bj - nij + 1) - logGamma(n - ai - bj + nij + 1);
        emi += (nij / n) * Math.log((n * nij) / (ai * bj)) * Math.exp(logP);
      }
    }
  }
  const norm = (h(ca) + h(cb)) / 2;
  let den = norm - emi;
  const eps = 2.220446049250313e-16;
  den = den < 0 ? Math.min(den, -eps) : Math.max(den, eps);
  return (mi - emi) / den;
}

/** AMI between the labels and a k-means clustering of the embeddings with k = number of distinct labels (PML's `AMI`). */
export function amiOfKMeans(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: { readonly seed?: number } = {}): number {
  options = optionsOf(options);
  const m = readRows(embeddings, 'embeddings');
  const y = readIntLabels(labels, m.n, 'labels');
  return ami(y, kMeans(embeddings, new Set(y).size, options));
}

/** Every retrieval and clustering metric of {@link accuracy}. */
export interface Accuracy {
  readonly precisionAt1: number;
  readonly rPrecision: number;
  readonly mapAtR: number;
  readonly meanAveragePrecision: number;
  readonly meanReciprocalRank: number;
  readonly nmi?: number;
  readonly ami?: number;
}

/**
 * PML's `AccuracyCalculator.get_accuracy` in one call: one chunked k-NN (see {@link knn}) shared by precision@1,
 * R-precision, MAP@R, MAP and MRR, plus NMI and AMI of a k-means clustering when `clustering` is true. `k` bounds the
 * neighbours MAP and MRR see; it defaults to the largest number of same-label references (PML's `k="max_bin_count"`),
 * which R-precision and MAP@R need. Lone queries are left out of every retrieval metric (0 when all are lone).
 * @example const { precisionAt1, mapAtR } = accuracy(embeddings, labels);
 */
export function accuracy(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: RetrievalOptions & { readonly k?: number; readonly clustering?: boolean; readonly seed?: number } = {}): Accuracy {
  options = optionsOf(options);
  const p = problemOf(embeddings, labels, options);
  const R = relevantCounts(p);
  let maxR = 1;
  for (const v of R) maxR = Math.max(maxR, v);
  const k = options.k === undefined ? maxR : params.positiveInteger('k', options.k);
  const nn = nearest(p, Math.max(k, maxR), batchOf(options.batchSize, p));
  const rows = Array.from({ length: p.q.n }, (_, i) => Array.from(nn.idx.subarray(i * nn.k, (i + 1) * nn.k), (j) => p.ry[j]!));
  const y = p.y;
  const over = (f: (row: number[], q: number, r: number) => number) => averageOver(rows.map((row, q) => (R[q]! > 0 ? f(row, q, R[q]!) : undefined)), y, options.avgOfAvgs);
  const apOver = (row: number[], q: number, r: number, upto: number) => {
    let hits = 0;
    let s = 0;
    for (let i = 0; i < Math.min(upto, row.length); i++) if (row[i] === y[q]) s += ++hits / (i + 1);
    return s / r;
  };
  const out: Accuracy = {
    precisionAt1: over((row, q) => (row[0] === y[q] ? 1 : 0)),
    rPrecision: over((row, q, r) => row.slice(0, r).filter((l) => l === y[q]).length / r),
    mapAtR: over((row, q, r) => apOver(row, q, r, r)),
    meanAveragePrecision: over((row, q, r) => apOver(row, q, r, k)),
    meanReciprocalRank: over((row, q) => {
      const at = row.slice(0, k).indexOf(y[q]!);
      return at < 0 ? 0 : 1 / (at + 1);
    }),
  };
  if (!options.clustering) return out;
  const clusters = kMeans(embeddings, new Set(y).size, options.seed === undefined ? {} : { seed: options.seed });
  return { ...out, nmi: nmi(y, clusters), ami: ami(y, clusters) };
}
