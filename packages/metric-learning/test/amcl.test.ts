import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { amclNtXent, catalog } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// Float64 reference written from AMCL (Wang, Koniusz, Gedeon, Zheng 2024), SimCLR form with the top-k approximation,
// explicit loops per direction: for anchor a with positive p and negatives N (the 2B − 2 other views),
// l = −s_ap/τ_ap + mean_{k∈top-k(N)} s_ak/τ_ak + β((D/2) log τ_ap + 1/τ_ap) − β Σ_{k∈top-k} (log τ_ak + 1/τ_ak),
// τ_xy = τmin + (τmax − τmin) σ(−φ(x)·φ(y)); loss = Σ_heads ½(mean over view-1 anchors + mean over view-2 anchors).
type M = number[][];
const dot = (u: number[], v: number[]) => u.reduce((s, x, i) => s + x * v[i]!, 0);
const unit = (v: number[]) => {
  const n = Math.sqrt(Math.max(dot(v, v), 1e-12));
  return v.map((x) => x / n);
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
function amclRef(z1: number[][][], z2: number[][][], W: M, o = { beta: 1e-4, tauMin: 1e-5, tauMax: 2, topK: 100 }): number {
  const B = z1.length;
  const H = z1[0]!.length;
  const D = z1[0]![0]!.length;
  const phi = (x: number[]) => W[0]!.map((_, c) => x.reduce((s, xi, i) => s + xi * W[i]![c]!, 0));
  const tau = (x: number[], y: number[]) => o.tauMin + (o.tauMax - o.tauMin) * sigmoid(-dot(phi(x), phi(y)));
  let total = 0;
  for (let h = 0; h < H; h++) {
    const v1 = z1.map((r) => unit(r[h]!));
    const v2 = z2.map((r) => unit(r[h]!));
    const direction = (A: M, P: M) => {
      let sum = 0;
      for (let i = 0; i < B; i++) {
        const negs = [...A.filter((_, j) => j !== i), ...P.filter((_, j) => j !== i)];
        const ranked = negs.map((x) => ({ s: dot(A[i]!, x), t: tau(A[i]!, x) })).sort((x, y) => y.s - x.s);
        const top = ranked.slice(0, Math.min(o.topK, negs.length));
        const tp = tau(A[i]!, P[i]!);
        const neg = top.reduce((s, q) => s + q.s / q.t, 0) / top.length;
        const regPos = o.beta * ((D / 2) * Math.log(tp) + 1 / tp);
        const regNeg = o.beta * top.reduce((s, q) => s + Math.log(q.t) + 1 / q.t, 0);
        sum += -dot(A[i]!, P[i]!) / tp + neg + regPos - regNeg;
      }
      return sum / B;
    };
    total += 0.5 * (direction(v1, v2) + direction(v2, v1));
  }
  return total;
}

const B = 4;
const H = 2;
const D = 3;
const cube = (seed: number) => {
  const m = f32(randomMatrix(B * H, D, seed));
  return Array.from({ length: B }, (_, i) => m.slice(i * H, (i + 1) * H));
};
const Z1 = cube(21);
const Z2 = cube(22);
const W = f32(randomMatrix(D, 2, 23)).map((r) => r.map((x) => Math.fround(x * 0.8)));
const phiOf = (w: Tensor) => (x: Tensor) => tf.matMul(x, w);

describe('amclNtXent (AMCL, SimCLR form)', () => {
  it('matches the float64 reference at 1e-5: defaults, and β = 0.05 with top-3 of the 6 negatives', () => {
    const w = tf.tensor2d(W);
    for (const o of [{ beta: 1e-4, tauMin: 1e-5, tauMax: 2, topK: 100 }, { beta: 0.05, tauMin: 0.05, tauMax: 1, topK: 3 }]) {
      const v = amclNtXent(Z1, Z2, { ...o, phi: phiOf(w) });
      const want = amclRef(Z1, Z2, W, o);
      expect(Math.abs(v.dataSync()[0]! - want) / Math.max(Math.abs(want), 1e-2)).toBeLessThan(1e-5);
      v.dispose();
    }
    w.dispose();
  });

  it('a [B, D] input is one head: equals the reference on head 0 alone', () => {
    const w = tf.tensor2d(W);
    const v = amclNtXent(Z1.map((r) => r[0]!), Z2.map((r) => r[0]!), { phi: phiOf(w), topK: 2 });
    const want = amclRef(Z1.map((r) => [r[0]!]), Z2.map((r) => [r[0]!]), W, { beta: 1e-4, tauMin: 1e-5, tauMax: 2, topK: 2 });
    expect(Math.abs(v.dataSync()[0]! - want) / Math.abs(want)).toBeLessThan(1e-5);
    tf.dispose([v, w]);
  });

  it('gradients in the embeddings and in φ\'s weights match finite differences of the float64 reference', () => {
    const o = { beta: 0.05, tauMin: 0.05, tauMax: 1, topK: 3 };
    const w = tf.tensor2d(W);
    const x = tf.tensor3d(Z1);
    const unflat = (a: Float64Array) => Array.from({ length: B }, (_, i) => Array.from({ length: H }, (_, h) => Array.from(a.slice((i * H + h) * D, (i * H + h + 1) * D))));
    const gz = checkGradient((t) => amclNtXent(t, Z2, { ...o, phi: phiOf(w) }), x, { reference: (a) => amclRef(unflat(a), Z2, W, o) });
    expect(gz.ok, `embeddings: worst ${gz.worst} at ${gz.worstIndex}`).toBe(true);
    const gw = checkGradient((t) => amclNtXent(Z1, Z2, { ...o, phi: phiOf(t) }), w, {
      reference: (a) => amclRef(Z1, Z2, [Array.from(a.slice(0, 2)), Array.from(a.slice(2, 4)), Array.from(a.slice(4, 6))], o),
    });
    expect(gw.ok, `phi weights: worst ${gw.worst} at ${gw.worstIndex}`).toBe(true);
    expect(Math.max(...Array.from(gw.analytic).map(Math.abs))).toBeGreaterThan(1e-4);
    tf.dispose([w, x]);
  });

  it('is exact for rows scaled by 1e30 (directions only) and finite when φ scores saturate τ at τ_min', () => {
    const w = tf.tensor2d(W);
    const big = Z1.map((r) => r.map((v) => v.map((x) => x * 1e30)));
    const v = amclNtXent(big, Z2, { phi: phiOf(w) });
    const want = amclRef(Z1, Z2, W);
    expect(Math.abs(v.dataSync()[0]! - want) / Math.abs(want)).toBeLessThan(1e-5);
    const sharp = tf.tensor2d(W.map((r) => r.map((x) => x * 1e3)));
    const s = amclNtXent(Z1, Z2, { phi: phiOf(sharp) });
    expect(Number.isFinite(s.dataSync()[0]!)).toBe(true);
    tf.dispose([v, w, sharp, s]);
  });

  it('leaves only the returned scalar and no tape behind (also under tf.variableGrads)', () => {
    const w = tf.variable(tf.tensor2d(W));
    const before = tf.memory().numTensors;
    const v = amclNtXent(Z1, Z2, { phi: phiOf(w) });
    expect(tf.memory().numTensors).toBe(before + 1);
    v.dispose();
    const { value, grads } = tf.variableGrads(() => amclNtXent(Z1, Z2, { phi: phiOf(w) }), [w]);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('bad input throws typed errors naming the argument, without leaking tensors', () => {
    const w = tf.tensor2d(W);
    const phi = phiOf(w);
    expect(expectCleanThrow(() => amclNtXent(Z1, Z2, {} as never), 'INVALID_ARGUMENT').argument).toBe('phi');
    expect(expectCleanThrow(() => amclNtXent(Z1, Z2.slice(0, 3), { phi }), 'SHAPE_MISMATCH').argument).toBe('z2');
    expect(expectCleanThrow(() => amclNtXent([Z1[0]!], [Z2[0]!], { phi }), 'EMPTY_BATCH').argument).toBe('z1');
    expect(expectCleanThrow(() => amclNtXent([1, 2] as never, [1, 2] as never, { phi }), 'RANK_MISMATCH').argument).toBe('z1');
    expect(expectCleanThrow(() => amclNtXent([[[NaN, 0, 0]], [[1, 0, 0]]], Z2.slice(0, 2).map((r) => [r[0]!]), { phi }), 'NON_FINITE_INPUT').argument).toBe('z1');
    expect(expectCleanThrow(() => amclNtXent(Z1, Z2, { phi: (x) => tf.slice(x, [0, 0], [2, D]) }), 'SHAPE_MISMATCH').argument).toBe('phi');
    expect(expectCleanThrow(() => amclNtXent(Z1, Z2, { phi: (x) => tf.mul(x, NaN) }), 'NON_FINITE_INPUT').argument).toBe('phi');
    expect(expectCleanThrow(() => amclNtXent(Z1, Z2, { phi, topK: 0 }), 'INVALID_PARAMETER').argument).toBe('topK');
    expect(expectCleanThrow(() => amclNtXent(Z1, Z2, { phi, tauMin: 1, tauMax: 0.5 }), 'INVALID_PARAMETER').argument).toBe('tauMax');
    expect(expectCleanThrow(() => amclNtXent(Z1, Z2, { phi, beta: -1 }), 'INVALID_PARAMETER').argument).toBe('beta');
    w.dispose();
  });

  it('has a catalog entry citing the paper title', () => {
    const e = catalog.find((c) => c.id === 'amcl');
    expect(e?.export).toBe('amclNtXent');
    expect(e?.paper?.title).toBe('Adaptive Multi-head Contrastive Learning');
  });
});
