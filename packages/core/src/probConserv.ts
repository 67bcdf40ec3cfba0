import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, formatShape } from './errors.js';
import { type TensorLike, assertFinite, formatIndex, hostValues, toTensor } from './tensors.js';

/** The linear constraint `G u = b` of {@link probConservUpdate}, observed with noise variance `variance`. */
export interface ProbConservConstraint {
  /** Constraint matrix `[K, N]` (e.g. one row of quadrature weights per conservation law). */
  readonly G: TensorLike;
  /** Right-hand side `[K]`, or `[B, K]` with one per batch row. */
  readonly b: TensorLike;
  /** Noise variance `σ_G² ≥ 0` of the constraint; 0 enforces it exactly. Default 0. */
  readonly variance?: number;
}

/** Result of {@link probConservUpdate}: the constrained Gaussian. */
export interface ProbConservResult {
  /** Updated mean, same shape as the input mean. */
  readonly mean: Tensor;
  /** Updated (full) covariance: `[N, N]`, or `[B, N, N]` for a batched mean. */
  readonly covariance: Tensor;
}

function read(x: TensorLike, name: string): { values: Float64Array; shape: number[] } {
  const c = toTensor(x, name);
  try {
    const values = Float64Array.from(hostValues(c));
    assertFinite(values, name, c.tensor.shape);
    return { values, shape: c.tensor.shape.slice() };
  } finally {
    if (c.owned) c.tensor.dispose();
  }
}

/** Cholesky factor (lower) of the symmetric `k×k` matrix `a`, or null when it is not positive definite. */
function cholesky(a: Float64Array, k: number): Float64Array | null {
  const l = new Float64Array(k * k);
  let scale = 0;
  for (let i = 0; i < k; i++) scale = Math.max(scale, Math.abs(a[i * k + i]!));
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j]!;
      for (let p = 0; p < j; p++) s -= l[i * k + p]! * l[j * k + p]!;
      if (i === j) {
        if (!(s > 1e-12 * scale)) return null;
        l[i * k + i] = Math.sqrt(s);
      } else l[i * k + j] = s / l[j * k + j]!;
    }
  }
  return l;
}

/** Solves `L Lᵀ x = r` for every column of `r` (`k × c`, row-major) in place. */
function cholSolve(l: Float64Array, k: number, r: Float64Array, c: number): void {
  for (let col = 0; col < c; col++) {
    for (let i = 0; i < k; i++) {
      let s = r[i * c + col]!;
      for (let p = 0; p < i; p++) s -= l[i * k + p]! * r[p * c + col]!;
      r[i * c + col] = s / l[i * k + i]!;
    }
    for (let i = k - 1; i >= 0; i--) {
      let s = r[i * c + col]!;
      for (let p = i + 1; p < k; p++) s -= l[p * k + i]! * r[p * c + col]!;
      r[i * c + col] = s / l[i * k + i]!;
    }
  }
}

/**
 * ProbConserv's constrained update (Hansen et al. 2023, Step 2): conditions the Gaussian `N(μ, Σ)` predicted by any
 * probabilistic model on the linear constraint `G u = b + ε`, `ε ~ N(0, σ_G² I)` (a conservation law discretized by a
 * quadrature `G`):
 * `μ̃ = μ − Σ Gᵀ (σ_G² I + G Σ Gᵀ)⁻¹ (G μ − b)`, `Σ̃ = Σ − Σ Gᵀ (σ_G² I + G Σ Gᵀ)⁻¹ G Σ`.
 * With `σ_G² = 0` the updated mean satisfies `G μ̃ = b` exactly and `G Σ̃ Gᵀ = 0`. Computed on the host in float64
 * (Cholesky of the `K×K` system), without gradient: ProbConserv applies it after the model's forward pass.
 *
 * Shapes: `mean` `[N]` or `[B, N]`; `covariance` the variances `[N]` / `[B, N]` (diagonal, as an attentive neural
 * process predicts) or full `[N, N]` / `[B, N, N]` (symmetric, non-negative diagonal); `G` `[K, N]`; `b` `[K]` or
 * `[B, K]` → `{ mean, covariance }` with the covariance full. `σ_G² I + G Σ Gᵀ` must be positive definite (with
 * `σ_G² = 0`: independent constraint rows that the covariance does not ignore).
 *
 * Checked against the authors' `PhysNP._apply_constraint` (amazon-science/probconserv,
 * `deep_pdes/attentive_neural_process/probconserv.py`, commit b888425) and its closed form for one mean constraint
 * (`get_mu_tilde_as_projection`: `μ̃ = μ − mean(μ) · σ²/mean(σ²)`) in the tests.
 *
 * @example probConservUpdate(mu, variances, { G: [quadratureWeights], b: [totalMass] })
 * @see Hansen, Maddix, Alizadeh, Gupta, Mahoney, "Learning Physical Models that Can Respect Conservation Laws",
 * ICML 2023 (arXiv:2302.11002).
 */
export function probConservUpdate(mean: TensorLike, covariance: TensorLike, constraint: ProbConservConstraint): ProbConservResult {
  if (constraint === null || typeof constraint !== 'object') {
    throw new LosskitError('INVALID_ARGUMENT', 'missing constraint', { argument: 'constraint', expected: '{ G: [K, N], b: [K], variance? }', received: constraint === null ? 'null' : typeof constraint });
  }
  const variance = constraint.variance ?? 0;
  if (typeof variance !== 'number' || !Number.isFinite(variance) || variance < 0) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid constraint noise variance', { argument: 'constraint.variance', expected: 'a finite number ≥ 0', received: String(variance) });
  }
  const mu = read(mean, 'mean');
  if (mu.shape.length < 1 || mu.shape.length > 2) throw new LosskitError('RANK_MISMATCH', 'bad mean', { argument: 'mean', expected: 'shape [N] or [B, N]', received: `shape ${formatShape(mu.shape)}` });
  const batched = mu.shape.length === 2;
  const B = batched ? mu.shape[0]! : 1;
  const N = mu.shape.at(-1)!;
  if (N === 0 || B === 0) throw new LosskitError('SHAPE_MISMATCH', 'mean is empty', { argument: 'mean', expected: 'N ≥ 1 (and B ≥ 1)', received: `shape ${formatShape(mu.shape)}` });
  const cov = read(covariance, 'covariance');
  const diagShape = batched ? [B, N] : [N];
  const fullShape = batched ? [B, N, N] : [N, N];
  const same = (s: readonly number[]) => s.length === cov.shape.length && s.every((d, i) => d === cov.shape[i]);
  const diagonal = same(diagShape);
  if (!diagonal && !same(fullShape)) {
    throw new LosskitError('SHAPE_MISMATCH', 'covariance does not match the mean', { argument: 'covariance', expected: `shape ${formatShape(diagShape)} (variances) or ${formatShape(fullShape)}`, received: `shape ${formatShape(cov.shape)}` });
  }
  const G = read(constraint.G, 'constraint.G');
  if (G.shape.length !== 2 || G.shape[1] !== N || G.shape[0] === 0) {
    throw new LosskitError('SHAPE_MISMATCH', 'bad constraint matrix', { argument: 'constraint.G', expected: `shape [K, ${N}] with K ≥ 1`, received: `shape ${formatShape(G.shape)}` });
  }
  const K = G.shape[0]!;
  const bv = read(constraint.b, 'constraint.b');
  const bShared = bv.shape.length === 1 && bv.shape[0] === K;
  if (!bShared && !(batched && bv.shape.length === 2 && bv.shape[0] === B && bv.shape[1] === K)) {
    throw new LosskitError('SHAPE_MISMATCH', 'bad right-hand side', { argument: 'constraint.b', expected: batched ? `shape [${K}] or [${B}, ${K}]` : `shape [${K}]`, received: `shape ${formatShape(bv.shape)}` });
  }
  // Full covariance of every batch row (float64), checked: symmetric (1e-6 relative) with a non-negative diagonal.
  const sigmas: Float64Array[] = [];
  for (let r = 0; r < B; r++) {
    const s = new Float64Array(N * N);
    if (diagonal) {
      for (let i = 0; i < N; i++) {
        const v = cov.values[r * N + i]!;
        if (v < 0) throw new LosskitError('INVALID_ARGUMENT', 'negative variance', { argument: 'covariance', expected: 'variances ≥ 0', received: `${v} at ${formatIndex(r * N + i, cov.shape)}` });
        s[i * N + i] = v;
      }
    } else {
      s.set(cov.values.subarray(r * N * N, (r + 1) * N * N));
      for (let i = 0; i < N; i++) {
        if (s[i * N + i]! < 0) throw new LosskitError('INVALID_ARGUMENT', 'negative variance on the diagonal', { argument: 'covariance', expected: 'a covariance matrix (diagonal ≥ 0)', received: `${s[i * N + i]} at ${formatIndex(r * N * N + i * N + i, cov.shape)}` });
        for (let j = 0; j < i; j++) {
          const a = s[i * N + j]!;
          const b = s[j * N + i]!;
          if (Math.abs(a - b) > 1e-6 * Math.max(1, Math.abs(a), Math.abs(b))) {
            throw new LosskitError('INVALID_ARGUMENT', 'covariance is not symmetric', { argument: 'covariance', expected: 'Σ = Σᵀ', received: `${a} at ${formatIndex(r * N * N + i * N + j, cov.shape)} vs ${b}` });
          }
        }
      }
    }
    sigmas.push(s);
  }
  const outMu = new Float64Array(B * N);
  const outCov = new Float64Array(B * N * N);
  for (let r = 0; r < B; r++) {
    const S = sigmas[r]!;
    // GS = G Σ  [K, N]
    const GS = new Float64Array(K * N);
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let i = 0; i < N; i++) s += G.values[k * N + i]! * S[i * N + j]!;
      GS[k * N + j] = s;
    }
    // A = σ_G² I + G Σ Gᵀ  [K, K]
    const A = new Float64Array(K * K);
    for (let k = 0; k < K; k++) for (let l = 0; l < K; l++) {
      let s = k === l ? variance : 0;
      for (let j = 0; j < N; j++) s += GS[k * N + j]! * G.values[l * N + j]!;
      A[k * K + l] = s;
    }
    const L = cholesky(A, K);
    if (L === null) {
      throw new LosskitError('INVALID_ARGUMENT', 'the constraint system σ_G² I + G Σ Gᵀ is singular', {
        argument: 'constraint.G',
        expected: 'linearly independent constraint rows that the covariance does not ignore (or constraint.variance > 0)',
        received: `a ${K}×${K} system that is not positive definite${batched ? ` for batch row ${r}` : ''}`,
      });
    }
    // Residual G μ − b, then X = A⁻¹ [G μ − b | G Σ]  ([K, 1 + N]).
    const X = new Float64Array(K * (1 + N));
    for (let k = 0; k < K; k++) {
      let s = -bv.values[bShared ? k : r * K + k]!;
      for (let i = 0; i < N; i++) s += G.values[k * N + i]! * mu.values[r * N + i]!;
      X[k * (1 + N)] = s;
      for (let j = 0; j < N; j++) X[k * (1 + N) + 1 + j] = GS[k * N + j]!;
    }
    cholSolve(L, K, X, 1 + N);
    // μ̃ = μ − (GΣ)ᵀ X₀, Σ̃ = Σ − (GΣ)ᵀ X₁ (Σ symmetric, so Σ Gᵀ = (G Σ)ᵀ); symmetrized against rounding.
    for (let i = 0; i < N; i++) {
      let s = mu.values[r * N + i]!;
      for (let k = 0; k < K; k++) s -= GS[k * N + i]! * X[k * (1 + N)]!;
      outMu[r * N + i] = s;
      for (let j = 0; j < N; j++) {
        let c = S[i * N + j]!;
        for (let k = 0; k < K; k++) c -= GS[k * N + i]! * X[k * (1 + N) + 1 + j]!;
        outCov[r * N * N + i * N + j] = c;
      }
    }
    for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) {
      const a = (outCov[r * N * N + i * N + j]! + outCov[r * N * N + j * N + i]!) / 2;
      outCov[r * N * N + i * N + j] = a;
      outCov[r * N * N + j * N + i] = a;
    }
  }
  return { mean: tf.tensor(Float32Array.from(outMu), mu.shape, 'float32'), covariance: tf.tensor(Float32Array.from(outCov), fullShape, 'float32') };
}
