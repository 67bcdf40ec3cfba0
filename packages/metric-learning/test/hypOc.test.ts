import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog, hypPairwiseConfusion } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// Float64 reference written from Hyp-OC (Narayan & Patel 2024) with the Möbius-addition form of the distance
// (Ganea et al. 2018): d_c(x, y) = (2/√c) artanh(√c ‖(−x) ⊕_c y‖), after projecting rows into the ball of
// radius (1 − 1e-5)/√c; L = (1/B) Σ_{i<B/2} d_c(z_i, z_{i+B/2}).
const dot = (u: number[], v: number[]) => u.reduce((s, x, i) => s + x * v[i]!, 0);
function ball(x: number[], c: number): number[] {
  const n = Math.sqrt(Math.max(dot(x, x), 1e-12));
  return x.map((v) => v * Math.min((1 - 1e-5) / Math.sqrt(c) / n, 1));
}
function mobiusAdd(x: number[], y: number[], c: number): number[] {
  const xy = dot(x, y);
  const xx = dot(x, x);
  const yy = dot(y, y);
  const den = 1 + 2 * c * xy + c * c * xx * yy;
  return x.map((xi, i) => ((1 + 2 * c * xy + c * yy) * xi + (1 - c * xx) * y[i]!) / den);
}
function hypPcRef(z: number[][], c = 1): number {
  const h = z.length / 2;
  let s = 0;
  for (let i = 0; i < h; i++) {
    const m = mobiusAdd(ball(z[i]!, c).map((v) => -v), ball(z[i + h]!, c), c);
    s += (2 / Math.sqrt(c)) * Math.atanh(Math.sqrt(c) * Math.sqrt(dot(m, m)));
  }
  return s / z.length;
}

const Z = f32(randomMatrix(6, 4, 31)).map((r) => r.map((v) => Math.fround(v * 0.2)));
const y = [0, 1, 2, 0, 1, 2];

describe('hypPairwiseConfusion (Hyp-PC)', () => {
  it('matches the float64 Möbius-addition reference at 1e-5 for c = 1 and c = 0.3 inside the ball', () => {
    for (const c of [1, 0.3]) {
      expect(Math.max(...Z.map((r) => Math.hypot(...r)))).toBeLessThan(0.9 / Math.sqrt(c));
      const v = compile(hypPairwiseConfusion({ c }), { from: 'embeddings' })(y, Z);
      const want = hypPcRef(Z, c);
      expect(Math.abs(v.dataSync()[0]! - want) / want).toBeLessThan(1e-5);
      v.dispose();
    }
  });

  it('matches the reference at 1e-3 for rows projected onto the ball boundary (float32 1 - c‖x‖² ≈ 2e-5 carries ~1e-3 relative error)', () => {
    const outside = Z.map((r) => r.map((v) => v * 10));
    const v = compile(hypPairwiseConfusion(), { from: 'embeddings' })(y, outside);
    const want = hypPcRef(outside);
    expect(Math.abs(v.dataSync()[0]! - want) / want).toBeLessThan(1e-3);
    v.dispose();
  });

  it('rows of norm 1e30 are projected onto the ball edge (not to 0): same value as the rows scaled to norm 10', () => {
    const huge = Z.map((r) => r.map((v) => v * 1e30));
    const ten = Z.map((r) => r.map((v) => v * 1e2));
    const f = compile(hypPairwiseConfusion(), { from: 'embeddings' });
    const a = f(y, huge);
    const want = hypPcRef(ten);
    expect(Math.abs(a.dataSync()[0]! - want) / want).toBeLessThan(1e-3);
    a.dispose();
  });

  it('is 0 when the two halves coincide and grows with their separation', () => {
    const same = [...Z.slice(0, 3), ...Z.slice(0, 3)];
    const f = compile(hypPairwiseConfusion(), { from: 'embeddings' });
    const v0 = f(y, same);
    expect(Math.abs(v0.dataSync()[0]!)).toBeLessThan(1e-4);
    const v1 = f(y, Z);
    const far = [...Z.slice(0, 3), ...Z.slice(3).map((r) => r.map((v) => v * 2))];
    const v2 = f(y, far);
    expect(hypPcRef(far)).toBeGreaterThan(hypPcRef(Z));
    expect(v2.dataSync()[0]!).toBeGreaterThan(v1.dataSync()[0]!);
    tf.dispose([v0, v1, v2]);
  });

  it('gradient matches finite differences of the float64 reference', () => {
    const loss = compile(hypPairwiseConfusion({ c: 0.5 }), { from: 'embeddings' });
    const x = tf.tensor2d(Z);
    const res = checkGradient((t) => loss(y, t), x, {
      reference: (a) => hypPcRef(Array.from({ length: 6 }, (_, r) => Array.from(a.slice(r * 4, (r + 1) * 4))), 0.5),
    });
    expect(res.ok, `worst ${res.worst} at ${res.worstIndex}`).toBe(true);
    x.dispose();
  });

  it('leaves no tensor behind (value and gradient)', () => {
    const loss = compile(hypPairwiseConfusion(), { from: 'embeddings' });
    const x = tf.tensor2d(Z);
    const before = tf.memory().numTensors;
    const { value, grad } = loss.valueAndGrad(y, x);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([value, grad]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('an odd batch and a bad curvature throw typed errors without leaking', () => {
    const loss = compile(hypPairwiseConfusion(), { from: 'embeddings' });
    expect(expectCleanThrow(() => loss([0, 1, 2, 0, 1], Z.slice(0, 5)), 'SHAPE_MISMATCH').argument).toBe('yPred');
    expect(expectCleanThrow(() => hypPairwiseConfusion({ c: 0 }), 'INVALID_PARAMETER').argument).toBe('c');
    expect(expectCleanThrow(() => hypPairwiseConfusion({ c: NaN }), 'INVALID_PARAMETER').argument).toBe('c');
    expect(expectCleanThrow(() => hypPairwiseConfusion(null as never), 'INVALID_ARGUMENT').argument).toBe('options');
  });

  it('has a catalog entry citing the paper title', () => {
    const e = catalog.find((c) => c.id === 'hyp-pc');
    expect(e?.export).toBe('hypPairwiseConfusion');
    expect(e?.paper?.title).toBe('Hyp-OC: Hyperbolic One Class Classification for Face Anti-Spoofing');
  });
});
