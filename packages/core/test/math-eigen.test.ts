// core's float64 symmetric eigendecomposition (cyclic Jacobi) against closed forms and its defining identities.
import { describe, expect, it } from 'vitest';
import { LosskitError } from '../src/index.js';
import { symmetricEigen } from '../src/math/index.js';
import { randomMatrix } from '../src/testing/index.js';

const flat = (m: number[][]) => m.flat();
const matmul = (a: number[][], b: number[][]) => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const transpose = (a: number[][]) => a[0]!.map((_, j) => a.map((r) => r[j]!));
const toRows = (v: ArrayLike<number>, n: number) => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => v[i * n + j]!));
const sym = (n: number, seed: number) => {
  const a = randomMatrix(n, n, seed);
  return a.map((r, i) => r.map((v, j) => (v + a[j]![i]!) / 2));
};
const maxAbs = (a: number[][]) => Math.max(...a.flat().map(Math.abs));

describe('symmetricEigen', () => {
  it('gives the closed-form eigenvalues (1 and 3) of [[2, 1], [1, 2]] with unit eigenvectors (1, ∓1)/√2', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0]! * vectors[2]!).toBeCloseTo(-0.5, 14);
  });

  it.each([3, 8, 25])('reconstructs a random symmetric %i×%i matrix as V diag(λ) Vᵀ with orthonormal V to 1e-12', (n) => {
    const a = sym(n, n);
    const { values, vectors } = symmetricEigen(flat(a), n);
    const v = toRows(vectors, n);
    const recon = matmul(matmul(v, values.length ? Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? values[i]! : 0))) : []), transpose(v));
    expect(maxAbs(recon.map((r, i) => r.map((x, j) => x - a[i]![j]!)))).toBeLessThan(1e-12);
    const vtv = matmul(transpose(v), v);
    expect(maxAbs(vtv.map((r, i) => r.map((x, j) => x - (i === j ? 1 : 0))))).toBeLessThan(1e-12);
    for (let k = 1; k < n; k++) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
  });

  it('keeps the exact zero eigenvalues of a rank-2 matrix x xᵀ + y yᵀ (|λ| < 1e-14 ‖A‖)', () => {
    const [x, y] = randomMatrix(2, 6, 3);
    const a = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => x![i]! * x![j]! + y![i]! * y![j]!));
    const { values } = symmetricEigen(flat(a), 6);
    const norm = Math.max(...values.map(Math.abs));
    expect(values.slice(0, 4).every((l) => Math.abs(l) < 1e-14 * norm)).toBe(true);
  });
});

describe('symmetricEigen input checks', () => {
  it('throws SHAPE_MISMATCH naming a when the length is not n², and NON_FINITE_INPUT for a NaN entry', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof LosskitError ? `${e.code}:${e.argument}` : String(e);
      }
      return 'no throw';
    };
    expect(code(() => symmetricEigen([1, 2, 3], 2))).toBe('SHAPE_MISMATCH:a');
    expect(code(() => symmetricEigen([1, Number.NaN, Number.NaN, 1], 2))).toBe('NON_FINITE_INPUT:a');
  });

  it('returns zero eigenvalues and the identity for the zero matrix', () => {
    const { values, vectors } = symmetricEigen([0, 0, 0, 0], 2);
    expect(Array.from(values)).toEqual([0, 0]);
    expect(Array.from(vectors)).toEqual([1, 0, 0, 1]);
  });
});
