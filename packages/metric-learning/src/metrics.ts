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
}

/** A `[n, d]` float64 host matrix read from a tensor, nested arrays or TypedArray rows. */
interface HostRows {
  readonly data: Float64Array;
  readonly n: number;
  readonly d: number;
}

/** Reads finite embeddings `[n, D]` (`RANK_MISMATCH`, `EMPTY_BATCH`, `NON_FINITE_INPUT` naming `name`). */
function readRows(x: Rows | TensorLike, name: string): HostRows {
  return tidy(() => {
    const t = checkedTensor(x as TensorLike, name, 2, 'the embeddings');
    const c = toTensor(x as TensorLike, name);
    const data = c.host ? Float64Array.from(c.host) : Float64Array.from(t.dataSync());
    return { data, n: t.shape[0]!, d: t.shape[1]! };
  });
}

/** Reads integer labels `[n]` (tensor or array): `RANK_MISMATCH`, `SHAPE_MISMATCH`, `NON_INTEGER_LABEL` naming `name`. */
function readIntLabels(y: readonly number[] | TensorLike, n: number, name: string): number[] {
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

/**
 * For each query, the reference labels sorted by increasing distance (ties by index), self excluded when no reference
 * is given; plus the query labels and the label counts of the reference set.
 */
function ranking(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: RetrievalOptions | undefined) {
  const o: RetrievalOptions = optionsOf(options) ?? {};
  const cos = checkMetric(o.metric ?? 'cosine');
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
  const norm = (m: HostRows, i: number) => {
    let s = 0;
    for (let k = 0; k < m.d; k++) s += m.data[i * m.d + k]! ** 2;
    return Math.sqrt(s) || 1;
  };
  const refNorms = Array.from({ length: r.n }, (_, j) => norm(r, j));
  const ranked = Array.from({ length: q.n }, (_, i) => {
    const nq = norm(q, i);
    const d: [number, number][] = [];
    for (let j = 0; j < r.n; j++) {
      if (self && j === i) continue;
      let v = 0;
      if (cos) {
        for (let k = 0; k < q.d; k++) v += q.data[i * q.d + k]! * r.data[j * r.d + k]!;
        v = -v / (nq * refNorms[j]!);
      } else {
        for (let k = 0; k < q.d; k++) v += (q.data[i * q.d + k]! - r.data[j * r.d + k]!) ** 2;
      }
      d.push([v, j]);
    }
    d.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return d.map(([, j]) => ry[j]!);
  });
  return { ranked, queryLabels: y };
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
  const { ranked, queryLabels } = ranking(embeddings, labels, options);
  return ranked.filter((row, i) => row.slice(0, k).includes(queryLabels[i]!)).length / ranked.length;
}

/**
 * Precision@1 as pytorch-metric-learning's `AccuracyCalculator` computes `precision_at_1`: over the queries whose label
 * occurs in the reference set (other than the query itself), the fraction whose nearest reference has the same label.
 * Queries without any same-label reference ("lone" queries) are left out, as PML's `try_getting_not_lone_labels`
 * does; when every query is lone the value is 0 (PML returns 0 and logs a warning). This differs from
 * {@link recallAtK} with k = 1, which counts lone queries as misses. Inputs and errors as {@link recallAtK}
 * (an empty batch is `EMPTY_BATCH`; PML fails on it).
 * @example precisionAt1(embeddings, labels)
 * @see KevinMusgrave/pytorch-metric-learning, src/pytorch_metric_learning/utils/accuracy_calculator.py.
 */
export function precisionAt1(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: RetrievalOptions = {}): number {
  const { ranked, queryLabels } = ranking(embeddings, labels, options);
  let hits = 0;
  let counted = 0;
  ranked.forEach((row, i) => {
    if (!row.includes(queryLabels[i]!)) return; // lone query
    counted++;
    if (row[0] === queryLabels[i]) hits++;
  });
  return counted === 0 ? 0 : hits / counted;
}

/**
 * MAP@R (Musgrave, Belongie, Lim 2020, "A Metric Learning Reality Check"): for each query with R
 * same-label references, `(1/R) Σ_{i=1..R} P(i)·rel(i)` over its R nearest references; averaged over
 * queries with R ≥ 1 (0 when there is none, as pytorch-metric-learning). Inputs and errors as {@link recallAtK}.
 * @example mapAtR(embeddings, labels)
 */
export function mapAtR(embeddings: Rows | TensorLike, labels: readonly number[] | TensorLike, options: RetrievalOptions = {}): number {
  const { ranked, queryLabels } = ranking(embeddings, labels, options);
  let total = 0;
  let n = 0;
  ranked.forEach((row, q) => {
    const y = queryLabels[q]!;
    const r = row.filter((l) => l === y).length;
    if (r === 0) return;
    let hits = 0;
    let s = 0;
    for (let i = 0; i < r; i++) {
      if (row[i] === y) {
        hits++;
        s += hits / (i + 1);
      }
    }
    total += s / r;
    n++;
  });
  return n === 0 ? 0 : total / n;
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
