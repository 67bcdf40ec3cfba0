// The float64 linear algebra against closed forms and against its defining identities.
import { symmetricEigen as coreSymmetricEigen } from '@losskit/core/math';
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
  it('is the re-export of core\'s implementation (tested in packages/core/test/math-eigen.test.ts)', () => {
    expect(symmetricEigen).toBe(coreSymmetricEigen);
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
