import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, ready } from '@losskit/core';
import { checkGradient, engineIdle, expectCleanThrow, f32, numericGradient, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog, criticGradientPenalty, wpcLoss } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// Float64 reference written from WPC (Ozair et al. 2019: InfoNCE on the critic, Lipschitz constraint as the WGAN-GP
// penalty) for the bilinear critic f(x, y) = xᵀWy: ∇_x f = Wy, ∇_y f = Wᵀx;
// GP = mean_i (√(‖W y_i‖² + ‖Wᵀ x_i‖²) − K)², NCE = mean_i [log Σ_j e^{x_iᵀW y_j} − x_iᵀW y_i], L = NCE + λ GP.
const B = 4;
const DX = 3;
const DY = 2;
const X = f32(randomMatrix(B, DX, 51));
const Y = f32(randomMatrix(B, DY, 52));
const W = f32(randomMatrix(DX, DY, 53, 0.7));
const bil = (x: number[], w: number[][], y: number[]) => x.reduce((s, xi, a) => s + xi * w[a]!.reduce((t, wab, b) => t + wab * y[b]!, 0), 0);
function gpRef(x: number[][], y: number[][], w: number[][], k = 1): number {
  return x.reduce((s, xi, i) => {
    const wy = w.map((row) => row.reduce((t, v, b) => t + v * y[i]![b]!, 0));
    const wtx = w[0]!.map((_, b) => w.reduce((t, row, a) => t + row[b]! * xi[a]!, 0));
    const n = Math.sqrt([...wy, ...wtx].reduce((t, v) => t + v * v, 0));
    return s + (n - k) ** 2;
  }, 0) / x.length;
}
function wpcRef(x: number[][], y: number[][], w: number[][], lambda = 10, k = 1): number {
  const nce = x.reduce((s, xi, i) => {
    const row = y.map((yj) => bil(xi, w, yj));
    const m = Math.max(...row);
    return s + m + Math.log(row.reduce((t, v) => t + Math.exp(v - m), 0)) - row[i]!;
  }, 0) / x.length;
  return nce + lambda * gpRef(x, y, w, k);
}
const criticOf = (w: tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, w), y), -1);
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-3);
const unflat = (a: ArrayLike<number>, r: number, c: number) => Array.from({ length: r }, (_, i) => Array.from(a).slice(i * c, (i + 1) * c));

describe('criticGradientPenalty and wpcLoss (WPC, Wasserstein dependency measure)', () => {
  it('the penalty and the WPC loss match the float64 reference at 1e-5 (λ = 10, K = 1; λ = 0.5, K = 2; λ = 0 is plain InfoNCE)', () => {
    const w = tf.tensor2d(W);
    const gp = criticGradientPenalty(criticOf(w), X, Y);
    expect(rel(gp.dataSync()[0]!, gpRef(X, Y, W))).toBeLessThan(1e-5);
    for (const [lambda, k] of [[10, 1], [0.5, 2], [0, 1]] as const) {
      const v = wpcLoss(criticOf(w), X, Y, { penaltyWeight: lambda, lipschitz: k });
      expect(rel(v.dataSync()[0]!, wpcRef(X, Y, W, lambda, k))).toBeLessThan(1e-5);
      v.dispose();
    }
    tf.dispose([w, gp]);
  });

  it('is exact for critic scores near ±1e30 (the log-sum-exp is formed as (m − s_ii) + l)', () => {
    const big = W.map((r) => r.map((v) => v * 1e29));
    const w = tf.tensor2d(big);
    const v = wpcLoss(criticOf(w), X, Y, { penaltyWeight: 0 });
    expect(rel(v.dataSync()[0]!, wpcRef(X, Y, big, 0))).toBeLessThan(1e-5);
    tf.dispose([w, v]);
  });

  it("its gradient in the critic's weights (second order through the penalty) and in x matches central differences of the reference", () => {
    const w = tf.tensor2d(W);
    const rw = checkGradient((t) => wpcLoss(criticOf(t), X, Y), w, { reference: (a) => wpcRef(X, Y, unflat(a, DX, DY)) });
    expect(rw.ok, `W: worst ${rw.worst} at ${rw.worstIndex}`).toBe(true);
    const x = tf.tensor2d(X);
    const rx = checkGradient((t) => wpcLoss(criticOf(w), t, Y), x, { reference: (a) => wpcRef(unflat(a, B, DX), Y, W) });
    expect(rx.ok, `x: worst ${rx.worst} at ${rx.worstIndex}`).toBe(true);
    tf.dispose([w, x]);
  });

  it('trains under tf.variableGrads: the gradient of the penalty in a variable critic matches the reference', () => {
    const w = tf.variable(tf.tensor2d(W));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => criticGradientPenalty(criticOf(w), X, Y), [w]);
    const want = numericGradient((a) => gpRef(X, Y, unflat(a, DX, DY)), W.flat());
    const got = Array.from(grads[w.name]!.dataSync());
    got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(want[i]!))));
    expect(rel(value.dataSync()[0]!, gpRef(X, Y, W))).toBeLessThan(1e-5);
    tf.dispose([value, grads[w.name]!]);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('bad input throws typed errors naming the argument, frees every tensor and leaves no tape, also when the critic throws', () => {
    const w = tf.tensor2d(W);
    const c = criticOf(w);
    expect(expectCleanThrow(() => wpcLoss(c, X, Y.slice(1)), 'SHAPE_MISMATCH').argument).toBe('y');
    expect(expectCleanThrow(() => criticGradientPenalty(c, X, Y.slice(1)), 'SHAPE_MISMATCH').argument).toBe('y');
    expect(expectCleanThrow(() => wpcLoss(c, X.map((r, i) => (i === 1 ? [Number.NaN, 0, 0] : r)), Y), 'NON_FINITE_INPUT').argument).toBe('x');
    expect(expectCleanThrow(() => wpcLoss(c, [1, 2, 3] as never, Y), 'RANK_MISMATCH').argument).toBe('x');
    expect(expectCleanThrow(() => wpcLoss((x) => tf.matMul(x, w), X, Y), 'SHAPE_MISMATCH').argument).toBe('critic');
    expect(expectCleanThrow(() => criticGradientPenalty((x) => tf.matMul(x, w), X, Y), 'SHAPE_MISMATCH').argument).toBe('critic');
    const throwing = (x: tf.Tensor) => {
      tf.square(x);
      throw new LosskitError('INVALID_VALUE', 'critic failed', { argument: 'critic', expected: 'scores', received: 'an error' });
    };
    expect(expectCleanThrow(() => criticGradientPenalty(throwing, X, Y), 'INVALID_VALUE').argument).toBe('critic');
    expect(expectCleanThrow(() => wpcLoss(throwing, X, Y), 'INVALID_VALUE').argument).toBe('critic');
    expect(engineIdle()).toBe(true);
    expect(expectCleanThrow(() => wpcLoss(null as never, X, Y), 'INVALID_ARGUMENT').argument).toBe('critic');
    expect(expectCleanThrow(() => wpcLoss(c, X, Y, { penaltyWeight: -1 }), 'INVALID_PARAMETER').argument).toBe('penaltyWeight');
    expect(expectCleanThrow(() => criticGradientPenalty(c, X, Y, { lipschitz: 0 }), 'INVALID_PARAMETER').argument).toBe('lipschitz');
    expect(expectCleanThrow(() => wpcLoss(c, X, Y, null as never), 'INVALID_ARGUMENT').argument).toBe('options');
    w.dispose();
  });

  it('has catalog entries citing the paper title', () => {
    for (const name of ['wpcLoss', 'criticGradientPenalty']) {
      expect(catalog.find((e) => e.export === name)?.paper?.title).toBe('Wasserstein Dependency Measure for Representation Learning');
    }
  });
});
