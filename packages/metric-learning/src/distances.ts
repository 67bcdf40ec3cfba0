import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, PREC, type TensorLike, defineOp, embeddings, formatShape, node, params, stopGradient, toTensor } from '@losskit/core';
import { optionsOf } from './internal.js';

/**
 * A distance or similarity between embeddings, as plain frozen data (so expressions that use it can
 * be printed, compared and compiled). `isInverted` follows pytorch-metric-learning: `true` for
 * similarities (larger = closer: cosine, dot product), `false` for distances (larger = farther).
 * Losses read it to orient their margins, so one loss formula serves both kinds.
 */
export type Distance =
  | { readonly kind: 'cosine'; readonly isInverted: true }
  | { readonly kind: 'dotProduct'; readonly isInverted: true }
  | { readonly kind: 'lp'; readonly isInverted: false; readonly p: number; readonly squared: boolean; readonly normalize: boolean }
  | { readonly kind: 'poincare'; readonly isInverted: false; readonly c: number }
  | { readonly kind: 'snr'; readonly isInverted: false };

/** Floor under squared norms and squared distances before a square root: gradients stay finite at 0. */
export const DISTANCE_EPS = 1e-12;

/**
 * Cosine similarity `s_ij = ⟨e_i, e_j⟩ / (‖e_i‖ ‖e_j‖)`, inverted (a similarity). Norms are floored:
 * `‖e‖ = sqrt(max(Σ e², 1e-12))`, so a zero vector has similarity 0 to everything (no NaN, zero gradient
 * through its norm).
 * @example tripletMargin({ distance: cosine() })
 */
export function cosine(): Distance {
  return Object.freeze({ kind: 'cosine', isInverted: true });
}

/** Dot-product similarity `s_ij = ⟨e_i, e_j⟩`, inverted. */
export function dotProduct(): Distance {
  return Object.freeze({ kind: 'dotProduct', isInverted: true });
}

/** Options of {@link euclidean} and {@link lp}. */
export interface LpOptions {
  /** Return `Σ|x-y|^p` without the `1/p` root (for p = 2: the squared Euclidean distance). Default false. */
  readonly squared?: boolean;
  /** L2-normalize the embeddings first (PML `normalize_embeddings`). Default false. */
  readonly normalize?: boolean;
}

/**
 * Euclidean distance `d_ij = sqrt(max(‖e_i - e_j‖², 1e-12))` (or `‖e_i - e_j‖²` with `squared: true`).
 * The floor makes the gradient 0 (not NaN) at coincident points; the diagonal is therefore 1e-6,
 * not 0 (no loss here uses the diagonal). Not inverted.
 */
export function euclidean(options: LpOptions = {}): Distance {
  options = optionsOf(options);
  return lp(2, options);
}

/**
 * Minkowski distance `d_ij = (max(Σ_k |e_ik - e_jk|^p, 1e-12))^{1/p}` for `p >= 1` (PML `LpDistance`).
 * Computed from explicit differences (`[B, B, D]` memory) unless p = 2, which uses the Gram form
 * `‖x‖² + ‖y‖² - 2⟨x, y⟩` (clamped at 0, on mean-centred embeddings) when `B²D > 2¹⁸`.
 */
export function lp(p = 2, options: LpOptions = {}): Distance {
  options = optionsOf(options);
  params.inRange('p', p, 1, 1e6);
  const squared = flag('squared', options.squared ?? false);
  const normalize = flag('normalize', options.normalize ?? false);
  return Object.freeze({ kind: 'lp', isInverted: false, p, squared, normalize });
}

function flag(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new LosskitError('INVALID_PARAMETER', 'expected a boolean', { argument: name, expected: 'true or false', received: String(v) });
  return v;
}

/**
 * Poincaré-ball distance of curvature `-c` ("Hyp-OC: Hyperbolic One Class Classification for Face
 * Anti-Spoofing", Narayan et al. 2024, after Ganea et al. 2018):
 * `d_c(x, y) = (1/√c) arcosh(1 + 2c‖x - y‖² / ((1 - c‖x‖²)(1 - c‖y‖²)))`, equal to
 * `(2/√c) artanh(√c ‖(-x) ⊕_c y‖)`. Embeddings are first projected into the ball (norm clipped to
 * `(1 - 1e-5)/√c`); `arcosh(z) = log(z + sqrt(max(z² - 1, 1e-12)))` keeps the gradient finite at 0.
 * (Hyp-OC's pairwise-confusion loss uses `atan` in place of `artanh`; this is the true distance.)
 * Default c = 1.
 */
export function poincare(options: { readonly c?: number } = {}): Distance {
  options = optionsOf(options);
  const c = params.positive('c', options.c ?? 1);
  return Object.freeze({ kind: 'poincare', isInverted: false, c });
}

/**
 * Signal-to-noise-ratio distance (Yuan, Xu, Chen, Wang 2019, "Signal-To-Noise Ratio: A Robust Distance Metric for
 * Deep Metric Learning"; PML `SNRDistance`): `d_ij = var(e_i − e_j) / var(e_i)`, the variances over the D features
 * (the 1/(D − 1) factors cancel), computed as `‖u_i − u_j‖² / max(‖u_i‖², 1e-12)` on row-centred `u`. Not inverted,
 * and not symmetric (`d_ij ≠ d_ji`).
 */
export function snr(): Distance {
  return Object.freeze({ kind: 'snr', isInverted: false });
}

/** @internal `x / sqrt(max(‖x‖², 1e-12))` along the last axis, without checks (ops inside `compile` call this). */
export function normalizeRows(x: Tensor): Tensor {
  return tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), -1, true), DISTANCE_EPS)));
}

/**
 * @internal Row directions exact for any finite row: dividing by the row's largest |x| first keeps ‖x‖² inside
 * float32 at ±1e30 ({@link normalizeRows} alone squares to Infinity and returns 0); a zero row stays zero.
 */
export function unitRows(x: Tensor): Tensor {
  const m = tf.max(tf.abs(x), -1, true);
  return normalizeRows(tf.div(x, tf.where(tf.greater(m, 0), m, tf.onesLike(m))));
}

/**
 * @internal Reads a tensor argument of the given minimum rank: a float32 tensor (converted from arrays, int32 or bool),
 * non-empty and finite. Call inside `tf.tidy` (the conversion and the finiteness read-back are scoped there).
 */
export function checkedTensor(x: TensorLike, name: string, rank: 1 | 2, what: string): Tensor {
  const c = toTensor(x, name);
  const t = c.tensor;
  if (t.size === 0 && t.rank >= 1) throw new LosskitError('EMPTY_BATCH', `${what} is empty`, { argument: name, expected: rank === 2 ? '[N, D] with N, D >= 1' : 'at least one value', received: formatShape(t.shape) });
  if (rank === 2 ? t.rank !== 2 : t.rank < 1) {
    throw new LosskitError('RANK_MISMATCH', `${what} must be ${rank === 2 ? 'a matrix' : 'at least 1-D'}`, { argument: name, expected: rank === 2 ? 'shape [N, D]' : 'shape [..., D]', received: `rank ${t.rank} ${formatShape(t.shape)}` });
  }
  const values = c.host ?? (tf.all(tf.isFinite(t)).dataSync()[0] ? undefined : t.dataSync());
  if (values) {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: name, expected: 'finite numbers', received: `${values[i]} at flat index ${i}` });
    }
  }
  return t;
}

/**
 * Row-wise L2 normalization `x / sqrt(max(‖x‖², 1e-12))` along the last axis (a zero row stays zero).
 * Input: a tensor or nested array `[..., D]`, finite. Returns a new float32 tensor (the caller disposes it); every
 * intermediate is freed, also when the call throws.
 * @example const u = l2Normalize(embeddings);
 */
export function l2Normalize(x: TensorLike): Tensor {
  return tf.tidy(() => normalizeRows(checkedTensor(x, 'x', 1, 'the input')));
}

// tfjs-wasm runs `matMul(a, b, false, true)` (and the transposed forms its autodiff uses) far slower than a
// plain product with the transpose materialised: at 1024×256, 248 ms against 29 ms for
// `matMul(E, transpose(E))`, and `matMul(G, E, true, false)` ~30× slower than `matMul(transpose(G), E)`.
const gramPair = tf.customGrad(((x: Tensor, y: Tensor, save: (t: Tensor[]) => void) => {
  save([x, y]);
  return {
    value: tf.matMul(x, tf.transpose(y)),
    // ∂/∂X (X Yᵀ) = G Y,  ∂/∂Y = Gᵀ X
    gradFunc: (g: Tensor, saved: Tensor[]) => [tf.matMul(g, saved[1]!), tf.matMul(tf.transpose(g), saved[0]!)],
  };
}) as never) as (x: Tensor, y: Tensor) => Tensor;

// Gradients the pair kernels upload already symmetrized, `(G + Gᵀ)/2` (see `HostCall.symmetric`).
const symmetric = new WeakSet<Tensor>();

/** @internal Marks `g` as a symmetric gradient, so the Gram product's backward is one product, `2 G X`. */
export function markSymmetric(g: Tensor): Tensor {
  symmetric.add(g);
  return g;
}

const gramSelf = tf.customGrad(((x: Tensor, save: (t: Tensor[]) => void) => {
  save([x]);
  return {
    value: tf.matMul(x, tf.transpose(x)),
    // ∂/∂X (X Xᵀ) = (G + Gᵀ) X, = 2 G X for symmetric G
    gradFunc: (g: Tensor, saved: Tensor[]) => (symmetric.has(g) ? tf.mul(tf.matMul(g, saved[0]!), 2) : tf.matMul(tf.add(g, tf.transpose(g)), saved[0]!)),
  };
}) as never) as (x: Tensor) => Tensor;

/**
 * @internal `x yᵀ` (`[N, D]`, `[M, D]` → `[N, M]`) with the forward and backward products in tfjs's fastest form
 * (transposes materialised, no transpose flags); `x === y` gives the symmetric product with one backward product.
 */
export function gram(x: Tensor, y: Tensor): Tensor {
  return x === y ? gramSelf(x) : gramPair(x, y);
}

/**
 * `‖x_i − y_j‖²`: from explicit differences (exact near 0; `[N, M, D]` memory) for small problems, else from the Gram
 * form `‖x‖² + ‖y‖² − 2⟨x, y⟩` (clamped at 0) on embeddings centred on the mean of `x`, which removes a shared offset
 * before the cancellation.
 */
function sqEuclidean(x: Tensor, y: Tensor): Tensor {
  if (x.shape[0]! * y.shape[0]! * x.shape[1]! <= 1 << 18) {
    return tf.sum(tf.square(tf.sub(tf.expandDims(x, 1), tf.expandDims(y, 0))), -1);
  }
  const mu = stopGradient(tf.mean(x, 0, true));
  const xc = tf.sub(x, mu);
  const yc = x === y ? xc : tf.sub(y, mu);
  const xx = tf.sum(tf.square(xc), -1, true);
  const yy = tf.reshape(tf.sum(tf.square(yc), -1), [1, -1]);
  return tf.relu(tf.sub(tf.add(xx, yy), tf.mul(2, gram(xc, yc))));
}

/** @internal The `[N, M]` distance matrix without checks (ops inside `compile` call this). */
export function pairwiseTensor(distance: Distance, x: Tensor, y: Tensor): Tensor {
  switch (distance.kind) {
    case 'cosine': {
      const a = normalizeRows(x);
      return gram(a, x === y ? a : normalizeRows(y));
    }
    case 'dotProduct':
      return gram(x, y);
    case 'lp': {
      const a = distance.normalize ? normalizeRows(x) : x;
      const b = distance.normalize ? (x === y ? a : normalizeRows(y)) : y;
      const p = distance.p;
      const powSum =
        p === 2 ? sqEuclidean(a, b) : tf.sum(tf.pow(tf.abs(tf.sub(tf.expandDims(a, 1), tf.expandDims(b, 0))), p), -1);
      if (distance.squared) return powSum;
      const floored = tf.maximum(powSum, DISTANCE_EPS);
      return p === 2 ? tf.sqrt(floored) : tf.pow(floored, 1 / p);
    }
    case 'snr': {
      const u = tf.sub(x, tf.mean(x, -1, true));
      const v = x === y ? u : tf.sub(y, tf.mean(y, -1, true));
      return tf.div(sqEuclidean(u, v), tf.maximum(tf.sum(tf.square(u), -1, true), DISTANCE_EPS));
    }
    case 'poincare': {
      const c = distance.c;
      const a = ballProjection(x, c);
      const b = x === y ? a : ballProjection(y, c);
      const num = tf.mul(2 * c, sqEuclidean(a, b));
      const da = tf.sub(1, tf.mul(c, tf.sum(tf.square(a), -1, true)));
      const db = tf.reshape(tf.sub(1, tf.mul(c, tf.sum(tf.square(b), -1))), [1, -1]);
      const z = tf.add(1, tf.div(num, tf.mul(da, db)));
      const arcosh = tf.log(tf.add(z, tf.sqrt(tf.maximum(tf.sub(tf.square(z), 1), DISTANCE_EPS))));
      return tf.div(arcosh, Math.sqrt(c));
    }
  }
}

/**
 * The `[N, M]` matrix of `distance` between the rows of `x` `[N, D]` and `y` `[M, D]` (tensors or nested arrays,
 * finite). Returns a new tensor (the caller disposes it); every intermediate is freed, also when the call throws.
 * Errors: `INVALID_ARGUMENT` (`distance` not made by a builder of this module), `RANK_MISMATCH` / `EMPTY_BATCH` /
 * `NON_FINITE_INPUT` (`x`, `y`), `SHAPE_MISMATCH` (`y` of another width D).
 * @example const d = pairwise(euclidean(), queries, references);
 */
export function pairwise(distance: Distance, x: TensorLike, y: TensorLike): Tensor {
  const d = checkDistance(distance);
  return tf.tidy(() => {
    const a = checkedTensor(x, 'x', 2, 'x');
    const b = y === x ? a : checkedTensor(y, 'y', 2, 'y');
    if (b.shape[1] !== a.shape[1]) {
      throw new LosskitError('SHAPE_MISMATCH', 'x and y need the same embedding width', { argument: 'y', expected: `shape [M, ${a.shape[1]}]`, received: formatShape(b.shape) });
    }
    return pairwiseTensor(d, a, b);
  });
}

/** @internal Clips row norms to `(1 - 1e-5)/√c`, without checks. */
export function ballProjection(x: Tensor, c: number): Tensor {
  const maxNorm = (1 - 1e-5) / Math.sqrt(c);
  // ‖x‖ as max|x| · ‖x / max|x|‖: exact for any finite row (‖x‖² overflows float32 at 1e20 and projected to 0)
  const m = tf.max(tf.abs(x), -1, true);
  const safe = tf.where(tf.greater(m, 0), m, tf.onesLike(m));
  const norm = tf.mul(safe, tf.sqrt(tf.maximum(tf.sum(tf.square(tf.div(x, safe)), -1, true), DISTANCE_EPS)));
  return tf.mul(x, tf.minimum(tf.div(maxNorm, norm), 1));
}

/**
 * Clips row norms to `(1 - 1e-5)/√c` so points lie strictly inside the Poincaré ball of curvature `-c` (c > 0).
 * Input `[..., D]` (tensor or nested array, finite) → a new tensor; intermediates are freed, also on errors.
 * @example projectToBall(embeddings, 1)
 */
export function projectToBall(x: TensorLike, c: number): Tensor {
  params.positive('c', c);
  return tf.tidy(() => ballProjection(checkedTensor(x, 'x', 1, 'the input'), c));
}

/** Short text of a distance for printing: `cos`, `dot`, `d₂`, `d₂²`, `d_p`, `d_𝔻`. */
export function distanceName(d: Distance, mode: 'text' | 'latex'): string {
  switch (d.kind) {
    case 'cosine':
      return mode === 'latex' ? '\\cos' : 'cos';
    case 'dotProduct':
      return mode === 'latex' ? '\\langle\\cdot,\\cdot\\rangle' : 'dot';
    case 'lp':
      return mode === 'latex' ? `d_{${d.p}}${d.squared ? '^{2}' : ''}` : `d${d.p}${d.squared ? '²' : ''}`;
    case 'poincare':
      return mode === 'latex' ? 'd_{\\mathbb{D}}' : 'dPoincare';
    case 'snr':
      return mode === 'latex' ? 'd_{\\mathrm{SNR}}' : 'dSNR';
  }
}

const matrixOp = defineOp<{ distance: Distance }>({
  kind: 'ml.distanceMatrix',
  evaluate: (_c, a, p) => pairwiseTensor(p.distance, a[0]!, a[0]!),
  print: (a, p, m) => (m === 'latex' ? `${distanceName(p.distance, m)}(${a[0]!.s}_i, ${a[0]!.s}_j)` : `${distanceName(p.distance, m)}(${a[0]!.s}_i, ${a[0]!.s}_j)`),
  prec: PREC.atom,
});

/**
 * The pair-level `[B, B]` matrix of `distance` over the batch's embeddings (or over any class-level
 * term `e`, e.g. a projection): `m_ij = dist(e_i, e_j)`.
 * @example compile(distanceMatrix(cosine()).positives('min'), { from: 'embeddings' })
 */
export function distanceMatrix(distance: Distance, e: Expr<'class', 'any'> = embeddings()): Expr<'pair', 'any'> {
  checkDistance(distance);
  return node(matrixOp, 'pair', [e], { distance });
}

/** Whether `dist(x, y) = dist(y, x)` (every distance here but the SNR ratio). */
export const isSymmetric = (d: Distance): boolean => d.kind !== 'snr';

/** Whether two distances compute the same matrix (same kind and fields). */
export function sameDistance(a: Distance, b: Distance): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Throws unless `d` is a distance made by one of this module's builders (kind and fields checked). */
export function checkDistance(d: unknown, allowed?: readonly Distance['kind'][]): Distance {
  const kinds = allowed ?? ['cosine', 'dotProduct', 'lp', 'poincare', 'snr'];
  const x = d as Partial<Record<string, unknown>> | null;
  const fieldsOk =
    !!x &&
    typeof x === 'object' &&
    (x.kind === 'cosine' || x.kind === 'dotProduct'
      ? x.isInverted === true
      : x.kind === 'lp'
        ? x.isInverted === false && typeof x.p === 'number' && x.p >= 1 && x.p <= 1e6 && typeof x.squared === 'boolean' && typeof x.normalize === 'boolean'
        : x.kind === 'poincare'
          ? x.isInverted === false && typeof x.c === 'number' && Number.isFinite(x.c) && x.c > 0
          : x.kind === 'snr'
            ? x.isInverted === false
            : false);
  if (!fieldsOk || !kinds.includes(x!.kind as Distance['kind'])) {
    throw new LosskitError('INVALID_ARGUMENT', 'unsupported distance', {
      argument: 'distance',
      expected: kinds.map((k) => `${k}()`).join(', '),
      received: x && typeof x === 'object' ? `kind ${String(x.kind)}${fieldsOk ? '' : ' (not made by a distance builder)'}` : x === null ? 'null' : typeof x,
    });
  }
  return d as Distance;
}

/**
 * PML `BatchedDistance`: computes the matrix of `distance` between `query` `[N, D]` and `reference` `[M, D]` (default
 * the queries) `batchSize` query rows at a time and hands each `[rows, M]` block to `iterFn(block, start, end)`, so an
 * `[N, M]` matrix never exists. The block is freed when `iterFn` returns (copy what you keep: `block.dataSync()` or
 * `tf.keep(block.clone())`). Returns nothing; errors as {@link pairwise}.
 * @example
 * const nearest = new Int32Array(n);
 * batchedDistance(euclidean(), (m, s) => m.argMin(-1).dataSync().forEach((j, i) => (nearest[s + i] = j)), { batchSize: 256 })(queries, gallery);
 */
export function batchedDistance(
  distance: Distance,
  iterFn: (block: Tensor, start: number, end: number) => void,
  options: { readonly batchSize?: number } = {},
): (query: TensorLike, reference?: TensorLike) => void {
  const d = checkDistance(distance);
  if (typeof iterFn !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'iterFn must be a function', { argument: 'iterFn', expected: '(block, start, end) => void', received: typeof iterFn });
  const bs = params.positiveInteger('batchSize', optionsOf(options).batchSize ?? 32);
  return (query, reference) =>
    tf.tidy(() => {
      const q = checkedTensor(query, 'query', 2, 'the queries');
      const r = reference === undefined ? q : checkedTensor(reference, 'reference', 2, 'the references');
      if (r.shape[1] !== q.shape[1]) throw new LosskitError('SHAPE_MISMATCH', 'query and reference need the same width', { argument: 'reference', expected: `shape [M, ${q.shape[1]}]`, received: formatShape(r.shape) });
      const n = q.shape[0]!;
      for (let s = 0; s < n; s += bs) {
        const e = Math.min(n, s + bs);
        tf.tidy(() => iterFn(pairwiseTensor(d, tf.slice(q, [s, 0], [e - s, -1]), r), s, e));
      }
    });
}
