// CKA guidance (Subramaniam et al., "Training the Untrainable", 2024) against a float64 reference written from the
// authors' linear_CKA (vsubramaniam851/untrainable-networks rep_sim/rep_sims.py, commit e8368d4):
// HSIC(X, Y) = Σ (H X Xᵀ H) ∘ (H Y Yᵀ H), CKA = HSIC(X, Y)/(√HSIC(X, X) √HSIC(Y, Y)), loss 1 − CKA.
import { compile, ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ckaGuidance, ckaLayerMapping } from '../src/index.js';
import { type M, suite } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

/** The authors' form: Gram matrices centred by H = I − 11ᵀ/n on both sides. */
function hsic(x: M, y: M): number {
  const n = x.length;
  const gram = (a: M) => a.map((r) => a.map((s) => r.reduce((acc, v, d) => acc + v * s[d]!, 0)));
  const centre = (k: M) => {
    const rowMean = k.map((r) => r.reduce((a, b) => a + b, 0) / n);
    const colMean = k[0]!.map((_, j) => k.reduce((a, r) => a + r[j]!, 0) / n);
    const all = rowMean.reduce((a, b) => a + b, 0) / n;
    return k.map((r, i) => r.map((v, j) => v - rowMean[i]! - colMean[j]! + all));
  };
  const kx = centre(gram(x));
  const ky = centre(gram(y));
  return kx.reduce((a, r, i) => a + r.reduce((b, v, j) => b + v * ky[i]![j]!, 0), 0);
}
const ckaLoss = (g: M) => (x: M) => 1 - hsic(x, g) / (Math.sqrt(hsic(x, x)) * Math.sqrt(hsic(g, g)));

const B = 7;
const z = f32(randomMatrix(B, 4, 81, 1));
const guide = f32(randomMatrix(B, 6, 82, 1));
const zeros = new Array(B).fill(0);

suite({ name: 'ckaGuidance()', loss: compile(ckaGuidance()), yTrue: zeros, x: z, opts: { inputs: { guide } }, ref: ckaLoss(guide) });

describe('ckaGuidance', () => {
  it('is 0 for representations equal up to a rotation, a scale and a shift', () => {
    const rotated = z.map((r) => [r[1]! * 3 + 2, -r[0]! * 3 - 1, r[3]! * 3, r[2]! * 3 + 5]);
    const v = compile(ckaGuidance())(zeros, z, { inputs: { guide: rotated } });
    expect(v.dataSync()[0]).toBeCloseTo(0, 5);
    v.dispose();
  });

  it('is scale invariant also at ±1e4 activations (no Gram overflow)', () => {
    const big = z.map((r) => r.map((v) => v * 1e4));
    const a = compile(ckaGuidance())(zeros, z, { inputs: { guide } });
    const b = compile(ckaGuidance())(zeros, big, { inputs: { guide: guide.map((r) => r.map((v) => v * 1e4)) } });
    expect(b.dataSync()[0]).toBeCloseTo(a.dataSync()[0]!, 4);
    a.dispose();
    b.dispose();
  });

  it('gives loss 1 and a zero gradient for a constant representation (CKA 0/0 taken as 0)', () => {
    const { value, grad } = compile(ckaGuidance()).valueAndGrad([0, 0, 0], [[1, 2], [1, 2], [1, 2]], { inputs: { guide: [[0, 1], [1, 0], [2, 2]] } });
    expect(value.dataSync()[0]).toBe(1);
    expect(Array.from(grad.dataSync()).every((g) => g === 0)).toBe(true);
    value.dispose();
    grad.dispose();
  });

  it('maps guide layers onto target layers with Python’s half-to-even round, as the authors’ layer_supervision', () => {
    // step = (11 − 1)/(5 − 1) = 2.5: round(2.5) = 2, round(7.5) = 8 (half to even).
    expect(ckaLayerMapping(5, 11)).toEqual([0, 2, 5, 8, 10]);
    expect(ckaLayerMapping(1, 4)).toEqual([0]);
    expect(ckaLayerMapping(4, 2)).toEqual([0, 0, 1, 1]);
  });

  it('rejects bad guides and counts with typed errors, cleanly', () => {
    expectCleanThrow(() => compile(ckaGuidance())(zeros, z, { inputs: { guide: guide.slice(1) } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(ckaGuidance())(zeros, z, { inputs: { guide: [1, 2, 3, 4, 5, 6, 7] } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(ckaGuidance())(zeros, z), 'MISSING_INPUT');
    expectCleanThrow(() => compile(ckaGuidance())(zeros, z, { inputs: { guide: guide.map((r) => r.map(() => Infinity)) } }), 'NON_FINITE_INPUT');
    expectCleanThrow(() => ckaLayerMapping(0, 3), 'INVALID_PARAMETER');
    expectCleanThrow(() => ckaLayerMapping(3, 1.5), 'INVALID_PARAMETER');
  });

  it('leaks no tensors', () => {
    const loss = compile(ckaGuidance());
    expectNoLeaks(() => loss(zeros, z, { inputs: { guide } }).dispose());
  });
});
