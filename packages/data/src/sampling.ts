/**
 * k-means clustering and clustering-based sensitivity sampling (Axiotis, Cohen-Addad, Henzinger, Jerome, Mirrokni,
 * Saulpic, Woodruff, Wunder, "Data-Efficient Learning via Clustering-Based Sensitivity Sampling: Foundation Models and
 * Beyond", ICML 2024), on host float64 embeddings.
 */
import { LosskitError, params, type TensorLike } from '@losskit/core';
import { readOptions, readRows, readValues, seeded } from './input.js';

const dist2 = (a: readonly number[], b: readonly number[]) => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j]! - b[j]!) ** 2;
  return s;
};

/** Result of {@link kMeans}. */
export interface KMeansResult {
  readonly centers: number[][];
  /** Cluster of each point `[N]`. */
  readonly assignments: number[];
  /** Σ_i ‖x_i − c_{π(i)}‖² (the k-means cost Φ_k). */
  readonly cost: number;
  readonly iterations: number;
}

/**
 * k-means with k-means++ seeding (Arthur & Vassilvitskii 2007) and Lloyd iterations until the assignments stop changing
 * (or `maxIterations`, default 100). Shapes: `x [N, D]`; `k ≤ N`. Seeded, deterministic.
 * @example kMeans([[0, 0], [0, 1], [5, 5], [5, 6]], { k: 2 }).assignments
 */
export function kMeans(x: TensorLike, options: { readonly k: number; readonly maxIterations?: number; readonly seed?: number }): KMeansResult {
  const rows = readRows(x, 'x');
  const o = readOptions(options);
  const k = params.positiveInteger('k', o.k);
  if (k > rows.length) throw new LosskitError('INVALID_PARAMETER', 'more clusters than points', { argument: 'k', expected: `an integer in [1, ${rows.length}]`, received: String(k) });
  const maxIt = params.positiveInteger('maxIterations', o.maxIterations ?? 100);
  const u = seeded(o.seed);
  const n = rows.length;
  const centers: number[][] = [[...rows[Math.floor(u() * n)]!]];
  const d2 = rows.map((r) => dist2(r, centers[0]!));
  while (centers.length < k) {
    const total = d2.reduce((a, b) => a + b, 0);
    let pick = 0;
    if (total > 0) {
      let r = u() * total;
      while (pick < n - 1 && r >= d2[pick]!) r -= d2[pick++]!;
    } else pick = centers.length; // every point sits on a center: take the next index
    centers.push([...rows[pick]!]);
    rows.forEach((row, i) => (d2[i] = Math.min(d2[i]!, dist2(row, centers.at(-1)!))));
  }
  let assign = new Array<number>(n).fill(-1);
  let it = 0;
  for (; it < maxIt; it++) {
    const next = rows.map((r) => {
      let best = 0;
      let bd = Infinity;
      centers.forEach((c, j) => {
        const d = dist2(r, c);
        if (d < bd) {
          bd = d;
          best = j;
        }
      });
      return best;
    });
    const changed = next.some((v, i) => v !== assign[i]);
    assign = next;
    if (!changed) break;
    for (let j = 0; j < k; j++) {
      const members = rows.filter((_, i) => assign[i] === j);
      if (members.length > 0) centers[j] = members[0]!.map((_, d) => members.reduce((s, m) => s + m[d]!, 0) / members.length);
    }
  }
  const cost = rows.reduce((s, r, i) => s + dist2(r, centers[assign[i]!]!), 0);
  return { centers, assignments: assign, cost, iterations: it };
}

/** Options of {@link sensitivitySample}. */
export interface SensitivityOptions {
  /** Number of clusters k. */
  readonly k: number;
  /** Sample size m (drawn with replacement). */
  readonly m: number;
  /** Hölder constant λ weighing the distance term. Default 1. */
  readonly lambda?: number;
  /** Exponent z of the distance (z = 2: squared distance, the k-means case). Default 1. */
  readonly z?: number;
  /** Mean loss of each cluster `[k]`, estimated on a few of its members; default 1 for every cluster (geometry only). */
  readonly clusterLosses?: readonly number[];
  readonly seed?: number;
}

/**
 * Clustering-based sensitivity sampling: k-means on the embeddings, then the proxy loss of point e is
 * `v(e) = ℓ̂_{π(e)} + λ‖e − c_{π(e)}‖^z` (the cluster's mean loss plus the Hölder bound on how far e's loss can be from
 * it); sample m points i.i.d. with `p(e) = v(e)/Σ v` and weight each `1/(m·p(e))`, so the weighted sample mean of any
 * loss is unbiased for the full-data mean. The proxy's form (cluster mean loss + distance) follows the paper's
 * description; the coreset guarantee needs the loss to be λ-Hölder in the embedding.
 * Returns the sampled indices (with repeats), their weights and every point's probability.
 * @example sensitivitySample(embeddings, { k: 10, m: 100, seed: 1 })
 */
export function sensitivitySample(embeddings: TensorLike, options: SensitivityOptions): { indices: number[]; weights: number[]; probabilities: number[]; clusters: KMeansResult } {
  const o = readOptions(options);
  const rows = readRows(embeddings, 'embeddings');
  const m = params.positiveInteger('m', o.m);
  const lambda = params.nonNegative('lambda', o.lambda ?? 1);
  const z = params.positive('z', o.z ?? 1);
  const clusters = kMeans(rows, { k: o.k, seed: o.seed ?? 0 });
  const losses = o.clusterLosses !== undefined ? readValues(o.clusterLosses as number[], 'clusterLosses', clusters.centers.length) : clusters.centers.map(() => 1);
  if (losses.some((v) => v < 0)) throw new LosskitError('INVALID_ARGUMENT', 'cluster losses must be >= 0', { argument: 'clusterLosses', expected: 'numbers >= 0', received: String(losses.find((v) => v < 0)) });
  const v = rows.map((r, i) => losses[clusters.assignments[i]!]! + lambda * Math.sqrt(dist2(r, clusters.centers[clusters.assignments[i]!]!)) ** z);
  const total = v.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new LosskitError('INVALID_ARGUMENT', 'every proxy loss is zero', { argument: 'clusterLosses', expected: 'a positive loss somewhere or lambda > 0 with spread data', received: 'all zero' });
  const probabilities = v.map((x) => x / total);
  const cdf: number[] = [];
  probabilities.reduce((s, p, i) => (cdf[i] = s + p), 0);
  const u = seeded((o.seed ?? 0) + 1);
  const indices = Array.from({ length: m }, () => {
    const r = u();
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  });
  return { indices, weights: indices.map((i) => 1 / (m * probabilities[i]!)), probabilities, clusters };
}
