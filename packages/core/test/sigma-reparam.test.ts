// σReparam (Zhai et al. 2023, "Stabilizing Transformer Training by Preventing Attention Entropy Collapse") and its
// attention-entropy monitor, against float64 references written here: the closed-form largest singular value of a
// 2×2 matrix, |a|·|b| for a rank-one matrix a bᵀ, max |d_i| for a diagonal one, and −(1/T) Σ A log A.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { attentionEntropy, ready, sigmaReparam, sigmaReparamState } from '../src/index.js';
import { checkGradient, expectCleanThrow, expectNoLeaks, randomMatrix, softmax } from '../src/testing/index.js';

beforeAll(async () => {
  await ready();
});

/** Largest singular value of [[a, b], [c, d]] in closed form: sqrt(s/2 + sqrt(s²/4 − det²)), s = ‖W‖²_F. */
function sigma2x2(w: ArrayLike<number>): number {
  const [a, b, c, d] = [w[0]!, w[1]!, w[2]!, w[3]!];
  const s = a * a + b * b + c * c + d * d;
  const det = a * d - b * c;
  return Math.sqrt(s / 2 + Math.sqrt(Math.max(0, (s * s) / 4 - det * det)));
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-12, Math.abs(b));

describe('sigmaReparamState', () => {
  it('σ equals the closed-form largest singular value of random 2×2 matrices (rel err ≤ 1e-10)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const w = randomMatrix(2, 2, seed, 3).flat();
      expect(rel(sigmaReparamState([w.slice(0, 2), w.slice(2)]).sigma, sigma2x2(w))).toBeLessThan(1e-10);
    }
  });
  it('σ equals |a|·|b| for a rank-one 3×5 matrix a bᵀ, and max |d_i| for a diagonal matrix with a tie', () => {
    const a = [1, -2, 0.5];
    const b = [0.3, 1, -1, 2, 0.1];
    const w = a.map((ai) => b.map((bj) => ai * bj));
    expect(rel(sigmaReparamState(w).sigma, Math.hypot(...a) * Math.hypot(...b))).toBeLessThan(1e-10);
    expect(rel(sigmaReparamState([[2, 0, 0], [0, -2, 0], [0, 0, 1]]).sigma, 2)).toBeLessThan(1e-10);
  });
  it('u is a unit vector with ‖W u‖ = σ (a top right singular vector)', () => {
    const w = randomMatrix(4, 3, 7);
    const s = sigmaReparamState(w);
    const wu = w.map((row) => row.reduce((acc, x, j) => acc + x * s.u[j]!, 0));
    expect(Math.abs(Math.hypot(...s.u) - 1)).toBeLessThan(1e-12);
    expect(rel(Math.hypot(...wu), s.sigma)).toBeLessThan(1e-9);
  });
  it('finds σ when the fixed start vector lies in the null space of W', () => {
    // Start (1, 1 + 1/2) ∝ (2, 3); W = [[3, −2]] annihilates it.
    expect(rel(sigmaReparamState([[3, -2]]).sigma, Math.hypot(3, 2))).toBeLessThan(1e-10);
  });
});

describe('sigmaReparam', () => {
  it('Ŵ = γ W / σ(W) against the closed-form σ of a 2×2 matrix (rel err ≤ 1e-5), and Ŵ = W when γ = state.sigma', () => {
    const w = [[0.7, -1.3], [2.1, 0.4]];
    const s = sigmaReparamState(w);
    const ref = sigma2x2(w.flat());
    const got = tf.tidy(() => Array.from(sigmaReparam(tf.tensor2d(w), 1.7, s, { training: false }).dataSync()));
    w.flat().forEach((x, k) => expect(rel(got[k]!, (1.7 * x) / ref)).toBeLessThan(1e-5));
    const same = tf.tidy(() => Array.from(sigmaReparam(tf.tensor2d(w), s.sigma, s, { training: false }).dataSync()));
    w.flat().forEach((x, k) => expect(rel(same[k]!, x)).toBeLessThan(1e-5));
  });
  it('passes a finite-difference gradient check in W against the float64 reference γ Σ(W ⊙ C)/σ_max(W)', () => {
    const w = [[0.7, -1.3], [2.1, 0.4]];
    const c = [0.5, -1, 2, 0.25];
    const gamma = 1.3;
    const s = sigmaReparamState(w);
    const check = checkGradient((t) => tf.sum(tf.mul(sigmaReparam(t as tf.Tensor2D, gamma, s, { training: false }), tf.tensor2d(c, [2, 2]))), tf.tensor2d(w), {
      reference: (x) => (gamma * x.reduce((acc, v, k) => acc + v * c[k]!, 0)) / sigma2x2(x),
    });
    expect(check.ok, `worst ${check.worst} at ${check.worstIndex}`).toBe(true);
  });
  it('the gradient in γ is Σ(W ⊙ C)/σ (float64 reference, rel err ≤ 1e-5)', () => {
    const w = [[0.7, -1.3], [2.1, 0.4]];
    const c = [0.5, -1, 2, 0.25];
    const s = sigmaReparamState(w);
    const g = tf.tidy(() => tf.grad((gm: tf.Tensor) => tf.sum(tf.mul(sigmaReparam(tf.tensor2d(w), gm, s, { training: false }), tf.tensor2d(c, [2, 2]))))(tf.scalar(1.3)).dataSync()[0]!);
    expect(rel(g, w.flat().reduce((acc, v, k) => acc + v * c[k]!, 0) / sigma2x2(w.flat()))).toBeLessThan(1e-5);
  });
  it('training calls run the power iteration on the state: from a stale u, state.sigma converges to σ of the new weight', () => {
    const w0 = randomMatrix(3, 4, 11);
    const w1 = randomMatrix(3, 4, 12);
    const s = sigmaReparamState(w0);
    const target = sigmaReparamState(w1).sigma;
    const frozen = Float64Array.from(s.u);
    tf.tidy(() => sigmaReparam(tf.tensor2d(w1), 1, s, { training: false }));
    expect(Array.from(s.u)).toEqual(Array.from(frozen));
    for (let i = 0; i < 200; i++) tf.tidy(() => sigmaReparam(tf.tensor2d(w1), 1, s));
    expect(rel(s.sigma, target)).toBeLessThan(1e-8);
  });
  it('is scale-invariant and finite at ±1e4 weights, and exact at tied singular values (σ = 2 twice)', () => {
    const w = randomMatrix(3, 3, 5);
    const big = w.map((r) => r.map((x) => x * 1e4));
    const a = tf.tidy(() => Array.from(sigmaReparam(tf.tensor2d(w), 1, sigmaReparamState(w)).dataSync()));
    const b = tf.tidy(() => Array.from(sigmaReparam(tf.tensor2d(big), 1, sigmaReparamState(big)).dataSync()));
    a.forEach((x, k) => expect(Math.abs(b[k]! - x)).toBeLessThan(1e-5));
    const tie = [[2, 0, 0], [0, -2, 0], [0, 0, 1]];
    const t = tf.tidy(() => Array.from(sigmaReparam(tf.tensor2d(tie), 1, sigmaReparamState(tie)).dataSync()));
    tie.flat().forEach((x, k) => expect(Math.abs(t[k]! - x / 2)).toBeLessThan(1e-6));
  });
  it('trains with tf.variableGrads: a σReparam linear map fits a target map (loss falls by 100×)', () => {
    const target = tf.tensor2d([[1, 2], [-1, 0.5]]);
    const x = tf.tensor2d(randomMatrix(8, 2, 3));
    const wv = tf.variable(tf.tensor2d(randomMatrix(2, 2, 4)));
    const s = sigmaReparamState(wv);
    const gv = tf.variable(tf.scalar(s.sigma));
    const loss = () => tf.tidy(() => tf.mean(tf.square(tf.sub(tf.matMul(x, sigmaReparam(wv, gv, s), false, true), tf.matMul(x, target, false, true)))) as tf.Scalar);
    const first = tf.tidy(() => loss().dataSync()[0]!);
    for (let i = 0; i < 300; i++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(loss, [wv, gv]);
        wv.assign(tf.sub(wv, tf.mul(grads[wv.name]!, 0.05)));
        gv.assign(tf.sub(gv, tf.mul(grads[gv.name]!, 0.05)));
      });
    }
    const last = tf.tidy(() => loss().dataSync()[0]!);
    expect(last).toBeLessThan(first / 100);
    tf.dispose([target, x, wv, gv]);
  });
  it('leaks no tensors (plain arrays and tensors in, result disposed)', () => {
    const w = randomMatrix(3, 2, 9);
    const s = sigmaReparamState(w);
    expectNoLeaks(() => sigmaReparam(w as never, 1, s).dispose());
    const t = tf.tensor2d(w);
    expectNoLeaks(() => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(sigmaReparam(a, 2, s)))(t)).dispose());
    t.dispose();
  });
  it('bad input: typed errors naming the argument, no leaked tensor', () => {
    const s = sigmaReparamState([[1, 2], [3, 4]]);
    const w = tf.tensor2d([[1, 2], [3, 4]]);
    const wide = tf.tensor2d([[1, 2, 3]]);
    const pair = tf.tensor1d([1, 2]);
    const zero = tf.zeros([2, 2]);
    expect(expectCleanThrow(() => sigmaReparamState([1, 2, 3]), 'RANK_MISMATCH').argument).toBe('weight');
    expect(expectCleanThrow(() => sigmaReparamState([[0, 0], [0, 0]]), 'INVALID_ARGUMENT').argument).toBe('weight');
    expect(expectCleanThrow(() => sigmaReparamState([[1, Number.NaN]]), 'NON_FINITE_INPUT').argument).toBe('weight');
    expect(expectCleanThrow(() => sigmaReparam(wide, 1, s), 'SHAPE_MISMATCH').argument).toBe('state.u');
    expect(expectCleanThrow(() => sigmaReparam(w, Number.NaN, s), 'INVALID_PARAMETER').argument).toBe('gamma');
    expect(expectCleanThrow(() => sigmaReparam(w, pair, s), 'SHAPE_MISMATCH').argument).toBe('gamma');
    expect(expectCleanThrow(() => sigmaReparam(w, 1, {} as never), 'INVALID_ARGUMENT').argument).toBe('state');
    expect(expectCleanThrow(() => sigmaReparam(w, 1, s, { training: 1 as never }), 'INVALID_PARAMETER').argument).toBe('training');
    expect(expectCleanThrow(() => sigmaReparam(zero, 1, s), 'INVALID_ARGUMENT').argument).toBe('weight');
    tf.dispose([w, wide, pair, zero]);
  });
});

describe('attentionEntropy', () => {
  const ref = (rows: number[][]) => -rows.reduce((acc, r) => acc + r.reduce((a, p) => a + (p > 0 ? p * Math.log(p) : 0), 0), 0) / rows.length;
  it('equals the float64 −(1/T) Σ A log A per head for softmax attention [2 heads, 3, 4] (rel err ≤ 1e-5)', () => {
    const heads = [0, 1].map((h) => randomMatrix(3, 4, 20 + h, 2).map((r) => softmax(r)));
    const got = tf.tidy(() => Array.from(attentionEntropy(heads).dataSync()));
    expect(got.length).toBe(2);
    heads.forEach((rows, h) => expect(rel(got[h]!, ref(rows))).toBeLessThan(1e-5));
  });
  it('is log T_k for uniform rows and 0 for one-hot rows (collapse), with no NaN from 0 log 0', () => {
    const got = tf.tidy(() => Array.from(attentionEntropy([[[0.25, 0.25, 0.25, 0.25]], [[0, 1, 0, 0]]]).dataSync()));
    expect(rel(got[0]!, Math.log(4))).toBeLessThan(1e-6);
    expect(got[1] === 0).toBe(true);
  });
  it('stays exact for softmax of ±1e4 logits (one-hot up to float32) and at ties', () => {
    const rows = [softmax([1e4, -1e4, 0]), softmax([5, 5, 5])];
    const got = tf.tidy(() => attentionEntropy(rows).dataSync()[0]!);
    expect(rel(got, ref(rows))).toBeLessThan(1e-5);
  });
  it('passes a finite-difference gradient check against the float64 reference', () => {
    const rows = randomMatrix(2, 3, 31).map((r) => softmax(r));
    const check = checkGradient((t) => attentionEntropy(t), tf.tensor2d(rows), {
      reference: (x) => ref([Array.from(x.slice(0, 3)), Array.from(x.slice(3))]),
    });
    expect(check.ok, `worst ${check.worst}`).toBe(true);
  });
  it('bad input: typed errors naming the argument, no leaked tensor', () => {
    expect(expectCleanThrow(() => attentionEntropy([0.5, 0.5]), 'RANK_MISMATCH').argument).toBe('attention');
    expect(expectCleanThrow(() => attentionEntropy([[0.5, 0.2]]), 'INVALID_ARGUMENT').argument).toBe('attention');
    expect(expectCleanThrow(() => attentionEntropy([[1.5, -0.5]]), 'INVALID_ARGUMENT').argument).toBe('attention');
    expect(expectCleanThrow(() => attentionEntropy([[Number.NaN, 1]]), 'NON_FINITE_INPUT').argument).toBe('attention');
    expectNoLeaks(() => attentionEntropy([[0.5, 0.5]]).dispose());
  });
});
