// Manifold entropy maximization with a replay buffer (Liu et al., "Combating Mode Collapse in GANs via Manifold
// Entropy Estimation", AAAI 2023) against a float64 reference written from the authors' enrtopy_loss and training step
// (HaozheLiu-ST/MEE train.py, commit f7d3d33): −λ log(mean_i min_b mean_d (z_i − b)²).
import { compile, ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { manifoldEntropy, manifoldEntropyBuffer } from '../src/index.js';
import { type M, suite } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

const refOf = (buffer: M, lambda: number) => (z: M) => {
  const nearest = z.map((r) => Math.min(...buffer.map((b) => r.reduce((a, v, d) => a + (v - b[d]!) ** 2, 0) / r.length)));
  return -lambda * Math.log(nearest.reduce((a, b) => a + b, 0) / z.length);
};

const B = 5;
const D = 3;
const z = f32(randomMatrix(B, D, 71, 1));
const buffer = f32(randomMatrix(9, D, 72, 1));
const zeros = new Array(B).fill(0);
const emb = { from: 'embeddings' as const };

suite({ name: 'manifoldEntropy({ lambda: 0.7 })', loss: compile(manifoldEntropy({ lambda: 0.7 }), emb), yTrue: zeros, x: z, opts: { inputs: { buffer } }, ref: refOf(buffer, 0.7) });
suite({ name: 'manifoldEntropy() (λ = 5e-4)', loss: compile(manifoldEntropy(), emb), yTrue: zeros, x: z, opts: { inputs: { buffer } }, ref: refOf(buffer, 5e-4) });

describe('manifoldEntropy', () => {
  it('decreases (more entropy) when the batch moves away from the buffer', () => {
    const loss = compile(manifoldEntropy({ lambda: 1 }), emb);
    const near = loss(zeros, buffer.slice(0, B).map((r) => r.map((v) => v + 0.01)), { inputs: { buffer } });
    const far = loss(zeros, z.map((r) => r.map((v) => v + 5)), { inputs: { buffer } });
    expect(far.dataSync()[0]!).toBeLessThan(near.dataSync()[0]!);
    near.dispose();
    far.dispose();
  });

  it('gives a sample equidistant from two buffer entries the gradient of one of them (a subgradient)', () => {
    const loss = compile(manifoldEntropy({ lambda: 1 }), emb);
    // z = (0.5, 0) is 0.125 from both (0, 0) and (1, 0): the first is taken, gradient −(2/D)(z − b)/d = −4.
    const { value, grad } = loss.valueAndGrad([0], [[0.5, 0]], { inputs: { buffer: [[0, 0], [1, 0], [5, 5]] } });
    expect(value.dataSync()[0]).toBeCloseTo(-Math.log(0.125), 5);
    expect(Array.from(grad.dataSync())[0]).toBeCloseTo(-(2 / 2) * 0.5 / 0.125, 4);
    value.dispose();
    grad.dispose();
  });

  it('floors the mean distance at 1e-30 when every sample sits on a buffer entry (finite, zero gradient)', () => {
    const { value, grad } = compile(manifoldEntropy({ lambda: 1 }), emb).valueAndGrad([0, 0], [[0, 0], [1, 0]], { inputs: { buffer: [[0, 0], [1, 0]] } });
    expect(value.dataSync()[0]).toBeCloseTo(-Math.log(1e-30), 3);
    expect(Array.from(grad.dataSync()).every((g) => g === 0)).toBe(true);
    value.dispose();
    grad.dispose();
  });

  it('the buffer starts uniform in [−1, 1), is seeded, and is a FIFO of the pushed embeddings', () => {
    const a = manifoldEntropyBuffer({ size: 4, dim: 2, seed: 3 });
    const b = manifoldEntropyBuffer({ size: 4, dim: 2, seed: 3 });
    expect(a.rows()).toEqual(b.rows());
    expect(a.rows().flat().every((v) => v >= -1 && v < 1)).toBe(true);
    const init = a.rows();
    a.push([[10, 11], [12, 13], [14, 15]]);
    expect(a.rows()).toEqual([init[3]!, [10, 11], [12, 13], [14, 15]]);
    a.push([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]); // more rows than the buffer: the newest 4 stay
    expect(a.rows()).toEqual([[3, 4], [5, 6], [7, 8], [9, 10]]);
  });

  it('rejects bad options, buffers and embeddings with typed errors, cleanly', () => {
    expectCleanThrow(() => manifoldEntropy({ lambda: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => compile(manifoldEntropy(), emb)(zeros, z, { inputs: { buffer: buffer.map((r) => r.slice(1)) } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(manifoldEntropy(), emb)(zeros, z), 'MISSING_INPUT');
    expectCleanThrow(() => manifoldEntropyBuffer({ size: 0, dim: 2 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => manifoldEntropyBuffer({ size: 2, dim: 2.5 }), 'INVALID_PARAMETER');
    const s = manifoldEntropyBuffer({ size: 3, dim: 2 });
    expectCleanThrow(() => s.push([[1, 2, 3]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => s.push([[1, NaN]]), 'NON_FINITE_INPUT');
  });

  it('leaks no tensors', () => {
    const loss = compile(manifoldEntropy(), emb);
    const s = manifoldEntropyBuffer({ size: 6, dim: D });
    expectNoLeaks(() => {
      loss(zeros, z, { inputs: { buffer: s.rows() } }).dispose();
      s.push(z);
    });
  });
});
