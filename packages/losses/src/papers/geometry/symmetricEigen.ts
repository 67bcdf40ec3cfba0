/**
 * Matrix functions of a real symmetric matrix in float64 over core's eigendecomposition (`symmetricEigen` of
 * `@losskit/core/math`, cyclic Jacobi; tfjs has no eigen solver). @internal
 */
import type { SymmetricEigen } from '@losskit/core/math';

export { type SymmetricEigen, symmetricEigen } from '@losskit/core/math';

/** `V diag(f(λ)) Vᵀ` for a decomposition: a matrix function of a symmetric matrix (row-major `n × n`). */
export function matrixFunction(e: SymmetricEigen, n: number, f: (lambda: number) => number): Float64Array {
  const fl = Array.from(e.values, f);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += e.vectors[i * n + k]! * fl[k]! * e.vectors[j * n + k]!;
      out[i * n + j] = out[j * n + i] = s;
    }
  }
  return out;
}

/** `A B` for row-major `n × n` matrices. */
export function matMul(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + aik * b[k * n + j]!;
    }
  }
  return out;
}
