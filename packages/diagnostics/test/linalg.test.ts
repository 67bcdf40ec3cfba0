// The float64 linear algebra against closed forms and against its defining identities.
import { randomMatrix } from '@losskit/core/testing';
import { describe, expect, it } from 'vitest';
import { pseudoInverseSymmetric, solveSpd, symmetricEigen, symmetricEigenvalues, topSingularTriple } from '../src/index.js';

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

describe('symmetricEigenvalues (Householder + QL)', () => {
  it.each([1, 2, 9, 40])('agrees with the Jacobi eigenvalues of a random symmetric %i×%i matrix to 1e-12 relative', (n) => {
    const a = flat(sym(n, 100 + n));
    const jac = symmetricEigen(a, n).values;
    const ql = symmetricEigenvalues(a, n);
    const scale = Math.max(...jac.map(Math.abs));
    jac.forEach((l, k) => expect(Math.abs(ql[k]! - l)).toBeLessThan(1e-12 * scale));
  });

  it('returns zeros for the zero matrix and n for the trace of the identity', () => {
    expect(Array.from(symmetricEigenvalues(new Array(9).fill(0), 3))).toEqual([0, 0, 0]);
    const eye = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    expect(Array.from(symmetricEigenvalues(eye, 3)).map((v) => Math.round(v * 1e12) / 1e12)).toEqual([1, 1, 1]);
  });
});

describe('pseudoInverseSymmetric', () => {
  it('satisfies the Moore–Penrose identities A A⁺ A = A and A⁺ A A⁺ = A⁺ for a rank-3 PSD 7×7 matrix', () => {
    const b = randomMatrix(7, 3, 5);
    const a = matmul(b, transpose(b));
    const { inverse, rank } = pseudoInverseSymmetric(flat(a), 7);
    expect(rank).toBe(3);
    const p = toRows(inverse, 7);
    const apa = matmul(matmul(a, p), a);
    const pap = matmul(matmul(p, a), p);
    expect(maxAbs(apa.map((r, i) => r.map((v, j) => v - a[i]![j]!)))).toBeLessThan(1e-10 * maxAbs(a));
    expect(maxAbs(pap.map((r, i) => r.map((v, j) => v - p[i]![j]!)))).toBeLessThan(1e-10 * maxAbs(p));
  });

  it('is the inverse for an invertible diagonal matrix', () => {
    expect(Array.from(pseudoInverseSymmetric([4, 0, 0, 0.5], 2).inverse)).toEqual([0.25, 0, 0, 2]);
  });
});

describe('solveSpd', () => {
  it('solves A x = b for a random SPD 6×6 matrix to 1e-12', () => {
    const b = randomMatrix(6, 6, 9);
    const a = matmul(b, transpose(b)).map((r, i) => r.map((v, j) => v + (i === j ? 1 : 0)));
    const rhs = [1, -2, 3, 0.5, 0, 2];
    const x = solveSpd(flat(a), rhs, 6);
    const ax = a.map((r) => r.reduce((s, v, k) => s + v * x[k]!, 0));
    ax.forEach((v, i) => expect(v).toBeCloseTo(rhs[i]!, 12));
  });
});

describe('topSingularTriple', () => {
  it('finds σ₁ = 5, u = e₁, v = e₂ for [[0, 5], [1, 0], [0, 0]]', () => {
    const { sigma, u, v } = topSingularTriple([0, 5, 1, 0, 0, 0], 3, 2);
    expect(sigma).toBeCloseTo(5, 10);
    expect(Math.abs(u[0]!)).toBeCloseTo(1, 8);
    expect(v[1]).toBeCloseTo(1, 8);
  });

  it('matches √(largest eigenvalue of WᵀW) for a random 12×5 matrix, and W v = σ u', () => {
    const w = randomMatrix(12, 5, 21);
    const wtw = matmul(transpose(w), w);
    const lmax = Math.max(...symmetricEigen(flat(wtw), 5).values);
    const { sigma, u, v } = topSingularTriple(flat(w), 12, 5);
    expect(sigma).toBeCloseTo(Math.sqrt(lmax), 8);
    w.forEach((r, i) => expect(r.reduce((s, x, j) => s + x * v[j]!, 0)).toBeCloseTo(sigma * u[i]!, 8));
  });

  it('does not overflow for entries of 1e200 (σ₁ = 1e200 · σ₁ of the unit pattern)', () => {
    const { sigma } = topSingularTriple([1e200, 0, 0, 2e200], 2, 2);
    expect(sigma / 2e200).toBeCloseTo(1, 10);
  });
});
