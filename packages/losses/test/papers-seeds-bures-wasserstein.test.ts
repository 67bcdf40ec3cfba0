// Bures-Wasserstein loss: a float64 reference written from the formula with Denman–Beavers square roots (independent
// of the implementation's Jacobi eigen-solver), closed forms (commuting covariances, 1-D, rank-deficient generators),
// gradient checks with respect to Σ and to a generator W (Σ = W Wᵀ), ±1e4, ties, bad input, leaks.
import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { buresWasserstein } from '../src/index.js';
import { symmetricEigen } from '../src/papers/geometry/symmetricEigen.js';

beforeAll(async () => {
  await ready();
});

type Mat = number[][];
const mul = (a: Mat, b: Mat): Mat => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const add = (a: Mat, b: Mat, s = 1): Mat => a.map((r, i) => r.map((v, j) => v + s * b[i]![j]!));
const scale = (a: Mat, s: number): Mat => a.map((r) => r.map((v) => v * s));
const eye = (n: number): Mat => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
const trace = (a: Mat) => a.reduce((s, r, i) => s + r[i]!, 0);
const transpose = (a: Mat): Mat => a[0]!.map((_, j) => a.map((r) => r[j]!));
function inverse(a: Mat): Mat {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...eye(n)[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const d = m[c]![c]!;
    m[c] = m[c]!.map((v) => v / d);
    for (let r = 0; r < n; r++) if (r !== c) m[r] = m[r]!.map((v, j) => v - m[r]![c]! * m[c]![j]!);
  }
  return m.map((r) => r.slice(n));
}
/** Principal square root of an SPD matrix by the Denman–Beavers iteration. */
function sqrtm(a: Mat): Mat {
  let y = a;
  let z = eye(a.length);
  for (let k = 0; k < 60; k++) {
    const yi = inverse(y);
    const zi = inverse(z);
    y = scale(add(y, zi), 0.5);
    z = scale(add(z, yi), 0.5);
  }
  return y;
}
const sym = (a: Mat): Mat => a.map((r, i) => r.map((v, j) => (v + a[j]![i]!) / 2));
/** BW²(Σ₀, Σ) = tr Σ₀ + tr Σ − 2 tr (Σ₀^{1/2} Σ Σ₀^{1/2})^{1/2}, for full-rank (SPD) arguments. */
function bwRef(s0: Mat, s: Mat): number {
  const r = sqrtm(sym(s0));
  return trace(s0) + trace(sym(s)) - 2 * trace(sqrtm(mul(mul(r, sym(s)), r)));
}
const spd = (n: number, seed: number, ridge = 0.3): Mat => {
  const a = randomMatrix(n, n, seed, 0.8);
  return f32(add(mul(a, transpose(a)), eye(n), ridge));
};
const unflat = (flat: Float64Array, n: number): Mat => Array.from({ length: n }, (_, i) => Array.from(flat.slice(i * n, (i + 1) * n)));
const value = (target: Mat, pred: Mat) => {
  const t = compile(buresWasserstein())(target, pred);
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe('symmetricEigen (Jacobi)', () => {
  it('reconstructs A = V diag(λ) Vᵀ with orthonormal V to 1e-12', () => {
    const a = spd(5, 7);
    const { values, vectors } = symmetricEigen(a.flat(), 5);
    const V = unflat(vectors, 5);
    const rec = mul(mul(V, values.reduce((m, l, i) => (m[i]![i] = l, m), eye(5).map((r) => r.map(() => 0)))), transpose(V));
    rec.forEach((r, i) => r.forEach((v, j) => expect(Math.abs(v - a[i]![j]!)).toBeLessThan(1e-12)));
    mul(transpose(V), V).forEach((r, i) => r.forEach((v, j) => expect(Math.abs(v - (i === j ? 1 : 0))).toBeLessThan(1e-12)));
  });
});

describe('buresWasserstein', () => {
  const s0 = spd(3, 11);
  const s = spd(3, 12);

  it('matches the float64 Denman–Beavers reference for random 3×3 covariances (rel err <= 1e-5)', () => {
    expect(Math.abs(value(s0, s) - bwRef(s0, s)) / bwRef(s0, s)).toBeLessThan(1e-5);
    const s4 = spd(4, 13);
    const t4 = spd(4, 14, 1e-2);
    expect(Math.abs(value(t4, s4) - bwRef(t4, s4)) / bwRef(t4, s4)).toBeLessThan(1e-5);
  });

  it('closed form for commuting (diagonal) covariances: Σ_i (√a_i − √b_i)²', () => {
    const a = [4, 1, 0.25];
    const b = [1, 9, 0.25];
    const want = a.reduce((acc, v, i) => acc + (Math.sqrt(v) - Math.sqrt(b[i]!)) ** 2, 0);
    const diag = (d: number[]) => d.map((v, i) => d.map((_, j) => (i === j ? v : 0)));
    expect(Math.abs(value(diag(a), diag(b)) - want)).toBeLessThan(1e-6);
  });

  it('one dimension: (σ₀ − σ)² of the standard deviations', () => {
    expect(Math.abs(value([[9]], [[4]]) - 1)).toBeLessThan(1e-6);
  });

  it('is 0 with zero gradient at Σ = Σ₀ (a tie), and symmetric in its arguments', () => {
    expect(Math.abs(value(s0, s0))).toBeLessThan(1e-5);
    const { grad, value: v } = compile(buresWasserstein()).valueAndGrad(s0, s0);
    expect(Array.from(grad.dataSync()).every((g) => Math.abs(g) < 1e-4)).toBe(true);
    tf.dispose([grad, v]);
    expect(Math.abs(value(s0, s) - value(s, s0)) / value(s0, s)).toBeLessThan(1e-5);
  });

  it('passes a finite-difference gradient check with respect to Σ against the reference', () => {
    const loss = compile(buresWasserstein());
    const x = tf.tensor2d(s);
    const r = checkGradient((t) => loss(s0, t), x, { reference: (flat) => bwRef(s0, unflat(flat, 3)) });
    x.dispose();
    expect(r.ok, `worst ${r.worst} at ${r.worstIndex}`).toBe(true);
  });

  it('trains a rank-deficient generator: for Σ = W Wᵀ with W [3, 2] the gradient in W matches finite differences of tr Σ₀ + ‖W‖² − 2 Σ √eig(Wᵀ Σ₀ W)', () => {
    const W = f32(randomMatrix(3, 2, 15, 0.9));
    const loss = compile(buresWasserstein());
    // Nuclear-norm form: tr((Σ₀^{1/2} W Wᵀ Σ₀^{1/2})^{1/2}) = Σ singular values of Σ₀^{1/2} W = Σ √eig(Wᵀ Σ₀ W) (2 × 2, closed form).
    const ref = (flat: Float64Array) => {
      const w = [[flat[0]!, flat[1]!], [flat[2]!, flat[3]!], [flat[4]!, flat[5]!]];
      const g = mul(mul(transpose(w), s0), w);
      const tr = g[0]![0]! + g[1]![1]!;
      const det = g[0]![0]! * g[1]![1]! - g[0]![1]! * g[1]![0]!;
      const disc = Math.sqrt(Math.max(tr * tr / 4 - det, 0));
      const nuclear = Math.sqrt(tr / 2 + disc) + Math.sqrt(Math.max(tr / 2 - disc, 0));
      return trace(s0) + w.flat().reduce((a, v) => a + v * v, 0) - 2 * nuclear;
    };
    const wt = tf.tensor2d(W);
    const f = (t: tf.Tensor) => loss(s0, tf.matMul(t, t, false, true));
    const v = f(wt);
    expect(Math.abs(v.dataSync()[0]! - ref(Float64Array.from(W.flat()))) / v.dataSync()[0]!).toBeLessThan(1e-5);
    v.dispose();
    const r = checkGradient(f, wt, { reference: ref });
    wt.dispose();
    expect(r.ok, `worst ${r.worst} at ${r.worstIndex}`).toBe(true);
  });

  it('has a finite value and gradient at the scale 1e4 (BW² scales by 1e4, the gradient is scale-free)', () => {
    const big = (m: Mat) => m.map((r) => r.map((v) => v * 1e4));
    const { value: v, grad } = compile(buresWasserstein()).valueAndGrad(big(s0), big(s));
    expect(Math.abs(v.dataSync()[0]! / 1e4 - bwRef(s0, s)) / bwRef(s0, s)).toBeLessThan(1e-4);
    const { grad: g1, value: v1 } = compile(buresWasserstein()).valueAndGrad(s0, s);
    const a = grad.dataSync();
    const b = g1.dataSync();
    a.forEach((x, i) => expect(Math.abs(x - b[i]!)).toBeLessThan(1e-3));
    tf.dispose([v, grad, g1, v1]);
  });

  it('raises typed errors without leaking: non-square, labels as target, asymmetric, indefinite, NaN, sample weights', () => {
    const loss = compile(buresWasserstein());
    expect(expectCleanThrow(() => loss([[1, 0, 0], [0, 1, 0]], [[1, 0, 0], [0, 1, 0]]), 'SHAPE_MISMATCH').argument).toBe('yPred');
    expect(expectCleanThrow(() => loss([0, 1], [[1, 0], [0, 1]]), 'SHAPE_MISMATCH').argument).toBe('yTrue');
    expect(expectCleanThrow(() => loss(s0, [[1, 0.5, 0], [0, 1, 0], [0, 0, 1]]), 'INVALID_ARGUMENT').argument).toBe('yPred');
    expect(expectCleanThrow(() => loss([[1, 2], [2, 1]], [[1, 0], [0, 1]]), 'INVALID_ARGUMENT').argument).toBe('yTrue');
    expectCleanThrow(() => loss(s0, [[NaN, 0, 0], [0, 1, 0], [0, 0, 1]]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => loss(s0, s, [1, 1, 1]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => loss.valueAndGrad(s0, [[1, 0.5, 0], [0, 1, 0], [0, 0, 1]]), 'INVALID_ARGUMENT');
  });

  it('leaks no tensors over values and gradients', () => {
    const loss = compile(buresWasserstein());
    expectNoLeaks(() => {
      for (let i = 0; i < 10; i++) {
        loss(s0, s).dispose();
        const g = loss.valueAndGrad(s0, s);
        tf.dispose([g.value, g.grad]);
      }
    });
  });
});
