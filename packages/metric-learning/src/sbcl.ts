import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, defineOp, embeddings, formatShape, input, node, params } from '@losskit/core';
import { unitRows } from './distances.js';
import { labelsOf, maskedLseBinary, optionsOf, rowDot } from './internal.js';
import { type Rows, kMeans, readIntLabels, readRows } from './metrics.js';

/** Names of the per-row inputs the {@link sbcl} loss reads (both `[2N]`, from {@link sbclSubclasses}' `step`). */
export const SBCL_INPUTS = { subclass: 'sbclSubclass', tau: 'sbclTau' } as const;

/** Options of {@link sbcl}. */
export interface SbclOptions {
  /** τ of the subclass-level term. Default 0.1 (`--temperature`). */
  readonly temperature?: number;
  /** τ_b: the subclass-level term is scaled by τ/τ_b. Default 0.07 (`base_temperature`). */
  readonly baseTemperature?: number;
  /** β (`grama` in the code), weight of the class-level term. Default 0.25. */
  readonly beta?: number;
}

type Params = { temperature: number; baseTemperature: number; beta: number };

/** Host checks of the SBCL batch: two stacked views, nested subclasses, positive finite temperatures. */
function checkBatch(labels: Tensor, sub: Tensor, tau: Tensor, b: number): void {
  for (const [t, name] of [[sub, SBCL_INPUTS.subclass], [tau, SBCL_INPUTS.tau]] as const) {
    if (t.size !== b) throw new LosskitError('SHAPE_MISMATCH', `SBCL input ${name} must hold one value per row`, { argument: `inputs.${name}`, expected: `[${b}]`, received: formatShape(t.shape) });
  }
  const y = labels.dataSync();
  const s = sub.dataSync();
  const tv = tau.dataSync();
  const n = b / 2;
  const first = new Map<number, number>();
  for (let i = 0; i < b; i++) {
    if (!Number.isInteger(s[i]!)) throw new LosskitError('NON_INTEGER_LABEL', 'subclass ids must be integers', { argument: `inputs.${SBCL_INPUTS.subclass}`, expected: 'integers', received: `${s[i]} at index ${i}` });
    if (!(Number.isFinite(tv[i]!) && tv[i]! > 0)) throw new LosskitError(Number.isFinite(tv[i]!) ? 'INVALID_VALUE' : 'NON_FINITE_INPUT', 'class temperatures must be positive and finite', { argument: `inputs.${SBCL_INPUTS.tau}`, expected: 'values > 0', received: `${tv[i]} at index ${i}` });
    const j = (i + n) % b;
    if (y[i] !== y[j] || s[i] !== s[j]) throw new LosskitError('INVALID_VALUE', 'SBCL stacks two views: row i and row i + N must be the same sample', { argument: y[i] !== y[j] ? 'yTrue' : `inputs.${SBCL_INPUTS.subclass}`, expected: `equal values at rows ${Math.min(i, j)} and ${Math.max(i, j)} (views [v1; v2], N = ${n})`, received: y[i] !== y[j] ? `${y[i]} and ${y[j]}` : `${s[i]} and ${s[j]}` });
    const c = first.get(s[i]!);
    if (c === undefined) first.set(s[i]!, y[i]!);
    else if (c !== y[i]) throw new LosskitError('INVALID_VALUE', 'a subclass must lie inside one class', { argument: `inputs.${SBCL_INPUTS.subclass}`, expected: `subclass ${s[i]} only in class ${c}`, received: `class ${y[i]} at index ${i}` });
  }
}

const op = defineOp<Params>({
  kind: 'ml.sbcl',
  evaluate: (ctx, a, p) => {
    const e = a[0]!;
    const b = ctx.batchSize;
    if (b < 2 || b % 2 !== 0) {
      throw new LosskitError('SHAPE_MISMATCH', 'SBCL takes the two views stacked: B must be even', { argument: 'yPred', expected: 'shape [2N, D] (rows i and i + N are the two views of sample i)', received: formatShape(e.shape) });
    }
    const labels = labelsOf(ctx, 'sbcl');
    checkBatch(labels, a[1]!, a[2]!, b);
    const u = unitRows(e); // exact cosine for any finite rows (scaled by their largest entry first)
    const sim = tf.matMul(u, u, false, true);
    const row = (t: Tensor) => tf.reshape(t, [-1, 1]);
    const col = (t: Tensor) => tf.reshape(t, [1, -1]);
    const eye = tf.eye(b);
    const subSame = tf.cast(tf.equal(row(a[1]!), col(a[1]!)), 'float32');
    const clsSame = tf.cast(tf.equal(row(labels), col(labels)), 'float32');
    const n = b / 2;
    const view = tf.concat([tf.concat([tf.zeros([n, n]), tf.eye(n)], 1), tf.concat([tf.eye(n), tf.zeros([n, n])], 1)], 0); // i ↔ i'
    // subclass level: positives M_i = same subclass minus i, candidates all k ≠ i, temperature τ
    const s1 = tf.div(sim, p.temperature);
    const pos1 = tf.sub(subSame, eye);
    const lse1 = maskedLseBinary(s1, tf.sub(1, eye)).value;
    const lSub = tf.sub(lse1, tf.div(rowDot(s1, pos1), tf.sum(pos1, -1)));
    // class level: candidates A_i = other subclasses ∪ {i'}, positives = same class in other subclasses ∪ {i'}, τ_{y_i}
    const s2 = tf.div(sim, row(a[2]!));
    const other = tf.sub(1, subSame);
    const cand = tf.add(other, view);
    const pos2 = tf.add(tf.mul(clsSame, other), view);
    const lse2 = maskedLseBinary(s2, cand).value;
    const lCls = tf.sub(lse2, tf.div(rowDot(s2, pos2), tf.sum(pos2, -1)));
    return tf.add(tf.mul(lSub, p.temperature / p.baseTemperature), tf.mul(lCls, p.beta));
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\frac{${p.temperature}}{${p.baseTemperature}}\\Big(-\\frac{1}{|M_i|}\\sum_{p\\in M_i}\\log\\frac{e^{s_{ip}/${p.temperature}}}{\\sum_{k\\neq i} e^{s_{ik}/${p.temperature}}}\\Big) + ${p.beta}\\Big(-\\frac{1}{|P_i|}\\sum_{p\\in P_i}\\log\\frac{e^{s_{ip}/\\tau_{y_i}}}{\\sum_{k\\in A_i} e^{s_{ik}/\\tau_{y_i}}}\\Big)`
      : `(${p.temperature}/${p.baseTemperature})·L_sub(τ=${p.temperature}) + ${p.beta}·L_cls(τ_y)`,
});

/**
 * SBCL, the bi-granularity loss of "Subclass-balancing Contrastive Learning for Long-tailed Recognition" (Hou, Yu, Zhou
 * 2023), as the authors' default `SupConLoss_rank` (JackHck/SBCL `SimCLR/loss.py` at fbffb8d). The batch holds two
 * views stacked, `z = [v1; v2]` `[2N, D]` (row `i'` = the other view of row `i`), with class labels and per-row
 * subclass ids (head classes split into clusters of about the tail-class size by {@link sbclSubclasses}). With `s_ik`
 * the cosine similarity, per row i:
 * - subclass level: `L_sub(i) = -(1/|M_i|) Σ_{p∈M_i} log( e^{s_ip/τ} / Σ_{k≠i} e^{s_ik/τ} )`, `M_i` the other rows of
 *   i's subclass;
 * - class level: `L_cls(i) = -(1/|P_i|) Σ_{p∈P_i} log( e^{s_ip/τ_y} / Σ_{k∈A_i} e^{s_ik/τ_y} )`, the candidates
 *   `A_i` the rows of other subclasses plus `i'`, the positives `P_i` the rows of i's class in other subclasses plus
 *   `i'`, and `τ_y` i's class temperature (input `sbclTau`, from the class density);
 * - `l_i = (τ/τ_b) L_sub(i) + β L_cls(i)`; `compile`'s mean is the authors' `loss.mean()`.
 *
 * yPred `[2N, D]`, labels `[2N]`, inputs `sbclSubclass` and `sbclTau` `[2N]` ({@link SBCL_INPUTS}) → `[2N]`.
 * Defaults τ = 0.1, τ_b = 0.07, β = 0.25 (the code's defaults). Bad batches (odd B, views whose labels or
 * subclasses differ, a subclass spanning two classes, τ_y ≤ 0) throw typed errors.
 * @example compile(sbcl(), { from: 'embeddings' })(step.labels, z, { inputs: step.inputs })
 */
export function sbcl(options: SbclOptions = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const temperature = params.positive('temperature', options.temperature ?? 0.1);
  const baseTemperature = params.positive('baseTemperature', options.baseTemperature ?? 0.07);
  const beta = params.nonNegative('beta', options.beta ?? 0.25);
  return node(op, 'sample', [embeddings(), input(SBCL_INPUTS.subclass, 'sample'), input(SBCL_INPUTS.tau, 'sample')], { temperature, baseTemperature, beta });
}

/** Options of {@link sbclSubclasses}. */
export interface SbclSubclassOptions {
  /** Floor of the subclass size: class c gets `K_c = max(1, ⌊n_c / max(min_c n_c, minSize)⌋)` clusters. Default 10. */
  readonly minSize?: number;
  /** τ of {@link sbcl}; the class temperatures are `τ d_c / mean(d)`. Default 0.1. */
  readonly temperature?: number;
  /** Seed of the k-means++ seeding. Default 0. */
  readonly seed?: number;
  /** Lloyd iterations of the k-means. Default 100. */
  readonly iterations?: number;
}

/** What {@link sbclSubclasses} returns. */
export interface SbclSubclasses {
  /** Subclass id of every sample (`[n]`; class c's ids follow those of classes < c). */
  readonly subclass: Int32Array;
  /** Number of clusters K_c of each class `0..C-1` (0 for a label with no sample). */
  readonly clusters: readonly number[];
  /** Class temperature τ_c of each class (τ for single-cluster classes). */
  readonly classTemperatures: Float64Array;
  /** Labels and inputs of a two-view batch of the given sample indices: rows `[v1; v2]`, `[2N]` each. */
  step(indices: ArrayLike<number>): { readonly labels: Int32Array; readonly inputs: { readonly sbclSubclass: Float32Array; readonly sbclTau: Float32Array } };
}

/** numpy's default (linear) percentile of sorted values. */
function percentile(sorted: readonly number[], q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * The clustering step of SBCL ("Subclass-balancing Contrastive Learning for Long-tailed Recognition", the authors'
 * `cluster` in JackHck/SBCL `SimCLR/main.py`), run on the features of the whole training set every few epochs:
 * class c (n_c samples) is split into `K_c = max(1, ⌊n_c / max(min_c n_c, 10)⌋)` subclasses by k-means on its
 * L2-normalized features (seeded k-means++ and Lloyd, {@link kMeans}; the authors' `kmeans_pytorch` assigns by cosine
 * to the cluster mean, here by Euclidean distance between unit rows), and gets the class temperature
 * `τ_c = τ d_c / mean_c' d_c'` with the density `d_c = mean_{x∈c} ‖x − μ_c‖ / log(n_c + 10)` clipped to its 10th–90th
 * percentile over the classes (numpy's linear percentile); single-cluster (tail) classes keep τ.
 * Features `[n, D]` (the model's normalized projections, as the authors'), labels `[n]` integers ≥ 0. Pure host code.
 * @example
 * const sub = sbclSubclasses(features, labels, { seed: 0 });
 * const step = sub.step(batchIndices);
 * compile(sbcl(), { from: 'embeddings' })(step.labels, tf.concat([view1, view2]), { inputs: step.inputs });
 */
export function sbclSubclasses(features: Rows | TensorLike, labels: readonly number[] | TensorLike, options: SbclSubclassOptions = {}): SbclSubclasses {
  options = optionsOf(options);
  const minSize = params.positiveInteger('minSize', options.minSize ?? 10);
  const temperature = params.positive('temperature', options.temperature ?? 0.1);
  const seed = params.finite('seed', options.seed ?? 0);
  const iterations = params.positiveInteger('iterations', options.iterations ?? 100);
  const x = readRows(features, 'features');
  const y = readIntLabels(labels, x.n, 'labels');
  y.forEach((v, i) => {
    if (v < 0) throw new LosskitError('LABEL_OUT_OF_RANGE', 'labels must be >= 0', { argument: 'labels', expected: 'integers >= 0', received: `${v} at index ${i}` });
  });
  const C = Math.max(...y) + 1;
  const members: number[][] = Array.from({ length: C }, () => []);
  y.forEach((c, i) => members[c]!.push(i));
  const sizes = members.map((m) => m.length).filter((m) => m > 0);
  const unit = Math.max(Math.min(...sizes), minSize);
  const clusters = members.map((m) => (m.length === 0 ? 0 : Math.max(1, Math.floor(m.length / unit))));
  const subclass = new Int32Array(x.n);
  const density = new Float64Array(C);
  let offset = 0;
  for (let c = 0; c < C; c++) {
    const m = members[c]!;
    if (m.length === 0) continue;
    const rows = m.map((i) => Array.from(x.data.subarray(i * x.d, (i + 1) * x.d)));
    const mu = rows[0]!.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
    density[c] = rows.reduce((s, r) => s + Math.sqrt(r.reduce((t, v, j) => t + (v - mu[j]!) ** 2, 0)), 0) / rows.length / Math.log(rows.length + 10);
    if (clusters[c]! > 1) {
      const unitRows = rows.map((r) => {
        const s = Math.max(...r.map(Math.abs));
        const nr = s === 0 ? 1 : s * Math.sqrt(r.reduce((t, v) => t + (v / s) ** 2, 0));
        return r.map((v) => v / nr);
      });
      const assign = kMeans(unitRows, clusters[c]!, { seed, iterations });
      m.forEach((i, k) => {
        subclass[i] = offset + assign[k]!;
      });
    } else {
      for (const i of m) subclass[i] = offset;
    }
    offset += clusters[c]!;
  }
  const present = Array.from({ length: C }, (_, c) => c).filter((c) => clusters[c]! > 0);
  const sorted = present.map((c) => density[c]!).sort((p, q) => p - q);
  const lo = percentile(sorted, 10);
  const hi = percentile(sorted, 90);
  const clipped = present.map((c) => Math.min(Math.max(density[c]!, lo), hi));
  const mean = clipped.reduce((s, v) => s + v, 0) / clipped.length;
  const classTemperatures = new Float64Array(C).fill(temperature);
  present.forEach((c, k) => {
    if (clusters[c]! > 1) {
      if (!(mean > 0 && clipped[k]! > 0)) throw new LosskitError('DEGENERATE_DATA', 'a split class has zero spread, so its temperature would be 0', { argument: 'features', expected: 'distinct features in each class with more than one subclass', received: `class ${c}: density ${clipped[k]}, mean density ${mean}` });
      classTemperatures[c] = (temperature * clipped[k]!) / mean;
    }
  });
  const step = (indices: ArrayLike<number>) => {
    const n = indices.length;
    if (n === 0) throw new LosskitError('EMPTY_BATCH', 'the batch is empty', { argument: 'indices', expected: 'at least one sample index', received: '[]' });
    const lab = new Int32Array(2 * n);
    const sub = new Float32Array(2 * n);
    const tau = new Float32Array(2 * n);
    for (let k = 0; k < n; k++) {
      const i = indices[k]!;
      if (!Number.isInteger(i) || i < 0 || i >= x.n) throw new LosskitError('LABEL_OUT_OF_RANGE', 'sample index out of range', { argument: 'indices', expected: `integers in [0, ${x.n - 1}]`, received: `${i} at position ${k}` });
      for (const r of [k, k + n]) {
        lab[r] = y[i]!;
        sub[r] = subclass[i]!;
        tau[r] = classTemperatures[y[i]!]!;
      }
    }
    return { labels: lab, inputs: { sbclSubclass: sub, sbclTau: tau } };
  };
  return { subclass, clusters, classTemperatures, step };
}
