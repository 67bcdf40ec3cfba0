/**
 * The symmetric eigendecomposition in float64 on the host (cyclic Jacobi). tfjs-core has no `eigh` (tfjs issues #1516,
 * #8173); `@losskit/diagnostics` (covariances, diffusion kernels), `@losskit/losses` (Bures–Wasserstein) and
 * `@losskit/calibration` (LSBoost's largest eigenvalue) share this one implementation.
 */
import { LosskitError } from '@losskit/errors';

/** Result of {@link symmetricEigen}: eigenvalues ascending and the matching eigenvectors as columns of `vectors`. */
export interface SymmetricEigen {
  /** `[n]` eigenvalues, ascending. */
  readonly values: Float64Array;
  /** `[n, n]` row-major; column k is the unit eigenvector of `values[k]`. */
  readonly vectors: Float64Array;
}

/** Throws unless `a` holds `n × n` finite numbers (row-major). @internal */
export function checkSquare(a: ArrayLike<number>, n: number, name: string): void {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) {
    throw new LosskitError('SHAPE_MISMATCH', 'not a square matrix', { argument: name, expected: `${n} × ${n} = ${n * n} values (row-major)`, received: `${a.length} values` });
  }
  for (let k = 0; k < a.length; k++) {
    if (!Number.isFinite(a[k]!)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: name, expected: 'finite numbers', received: `${a[k]} at [${Math.floor(k / n)}, ${k % n}]` });
  }
}

/**
 * Eigendecomposition `A = V diag(λ) Vᵀ` of a symmetric `[n, n]` matrix (row-major; only its symmetric part
 * `(A + Aᵀ)/2` is used) by the cyclic Jacobi method with threshold sweeps (Golub & Van Loan, *Matrix Computations*,
 * §8.5). Accurate to a few ulps of ‖A‖ for every eigenvalue, including the tiny ones a covariance of rank < n has.
 * Cost O(n³) per sweep, typically 6–10 sweeps.
 *
 * @example symmetricEigen([2, 1, 1, 2], 2).values; // Float64Array [1, 3]
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  checkSquare(a, n, 'a');
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = 0.5 * (a[i * n + j]! + a[j * n + i]!);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let k = 0; k < m.length; k++) scale = Math.max(scale, Math.abs(m[k]!));
  if (scale > 0) {
    for (let sweep = 0; sweep < 60; sweep++) {
      let off = 0;
      for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! ** 2;
      if (Math.sqrt(off) <= 1e-15 * scale) break;
      for (let p = 0; p < n - 1; p++) {
        for (let q = p + 1; q < n; q++) {
          const apq = m[p * n + q]!;
          if (Math.abs(apq) <= 1e-300) continue;
          const app = m[p * n + p]!;
          const aqq = m[q * n + q]!;
          // Rotation angle: tan(2θ) = 2 a_pq / (a_qq − a_pp); the smaller root t keeps the rotation stable.
          const theta = (aqq - app) / (2 * apq);
          const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          const c = 1 / Math.sqrt(t * t + 1);
          const s = t * c;
          for (let k = 0; k < n; k++) {
            const akp = m[k * n + p]!;
            const akq = m[k * n + q]!;
            m[k * n + p] = c * akp - s * akq;
            m[k * n + q] = s * akp + c * akq;
          }
          for (let k = 0; k < n; k++) {
            const apk = m[p * n + k]!;
            const aqk = m[q * n + k]!;
            m[p * n + k] = c * apk - s * aqk;
            m[q * n + k] = s * apk + c * aqk;
          }
          for (let k = 0; k < n; k++) {
            const vkp = v[k * n + p]!;
            const vkq = v[k * n + q]!;
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
          }
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i * n + i]! - m[j * n + j]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = m[src * n + src]!;
    for (let r = 0; r < n; r++) vectors[r * n + k] = v[r * n + src]!;
  });
  return { values, vectors };
}

/**
 * Moore–Penrose pseudo-inverse of a symmetric `[n, n]` matrix from its eigendecomposition, dropping eigenvalues with
 * `|λ| ≤ rtol · max|λ|` (default `rtol = n · ε`, SciPy `pinvh`'s default cutoff, which sklearn's
 * `EmpiricalCovariance.precision_` uses). Returns the row-major `[n, n]` inverse and the rank kept.
 *
 * @example pseudoInverseSymmetric([4, 0, 0, 0], 2).inverse; // Float64Array [0.25, 0, 0, 0]
 */
export function pseudoInverseSymmetric(a: ArrayLike<number>, n: number, rtol = n * Number.EPSILON): { inverse: Float64Array; rank: number } {
  const { values, vectors } = symmetricEigen(a, n);
  let max = 0;
  for (const l of values) max = Math.max(max, Math.abs(l));
  const cut = rtol * max;
  const inverse = new Float64Array(n * n);
  let rank = 0;
  for (let k = 0; k < n; k++) {
    const l = values[k]!;
    if (!(Math.abs(l) > cut)) continue;
    rank++;
    const inv = 1 / l;
    for (let i = 0; i < n; i++) {
      const vi = vectors[i * n + k]! * inv;
      if (vi === 0) continue;
      for (let j = 0; j < n; j++) inverse[i * n + j]! += vi * vectors[j * n + k]!;
    }
  }
  return { inverse, rank };
}
