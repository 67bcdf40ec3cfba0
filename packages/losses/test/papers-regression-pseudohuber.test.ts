import { compile, ready } from '@losskit/core';
import { f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { consistencyPseudoHuber, pseudoHuber } from '../src/index.js';
import { expectCode, perSample, standardChecks } from './papers-classification-harness.js';

beforeAll(async () => {
  await ready();
});

// Improved consistency training (Song & Dhariwal 2024): d(x, y) = sqrt(‖x - y‖² + c²) - c, c = 0.00054·√D.
const phRef = (x: readonly number[], y: readonly number[], c: number) => Math.sqrt(x.reduce((a, v, j) => a + (v - y[j]!) ** 2, 0) + c * c) - c;

const B = 5;
const D = 12;
const target = f32(randomMatrix(B, D, 701, 1));
const pred = f32(randomMatrix(B, D, 702, 1));

describe('consistencyPseudoHuber (c = 0.00054·√D)', () => {
  const c = 0.00054 * Math.sqrt(D);
  standardChecks(() => ({ expr: consistencyPseudoHuber(), z: pred, y: target, ref: (r, i) => phRef(r, target[i]!, c) }));
  it('uses the paper’s c for CIFAR-sized samples (D = 3072: c = 0.00054·√3072 ≈ 0.0299, recovered from the implementation) and is quadratic near 0', () => {
    const big = 3072;
    const t = f32(randomMatrix(2, big, 703, 1));
    const p = f32(t.map((r, i) => r.map((v, j) => v + (i === 0 ? 1e-4 : 0.05) * Math.sin(j))));
    perSample(consistencyPseudoHuber(), t, p).forEach((v, i) => {
      const r = phRef(p[i]!, t[i]!, 0.00054 * Math.sqrt(big));
      expect(Math.abs(v - r) / r).toBeLessThan(1e-4); // float32 ‖x-y‖² over 3072 terms of differences
    });
    // The c the implementation uses: d = sqrt(r² + c²) − c ⇒ c = (r² − d²)/(2d), from one prediction at distance r.
    const zeros = [new Array(big).fill(0)];
    const r = 0.03;
    const at = (dist: number) => perSample(consistencyPseudoHuber(), zeros, [zeros[0]!.map((_, j) => (j === 0 ? dist : 0))])[0]!;
    const d = at(r);
    expect((r * r - d * d) / (2 * d)).toBeCloseTo(0.02993, 4);
    // Quadratic near 0: d ≈ r²/(2c) for r ≪ c, so doubling r quadruples d.
    expect(at(2e-3) / at(1e-3)).toBeCloseTo(4, 1);
    expect(at(1e-3)).toBeCloseTo(1e-6 / (2 * 0.02993), 7);
  });
});
describe('consistencyPseudoHuber (c = 0.5)', () => {
  standardChecks(() => ({ expr: consistencyPseudoHuber({ c: 0.5 }), z: pred, y: target, ref: (r, i) => phRef(r, target[i]!, 0.5) }));
  it('rejects c ≤ 0', () => {
    expectCode(() => consistencyPseudoHuber({ c: 0 }), 'INVALID_PARAMETER');
    expectCode(() => consistencyPseudoHuber({ c: Number.NaN }), 'INVALID_PARAMETER');
    expectCode(() => compile(consistencyPseudoHuber())([[1, 2]], [[1, 2, 3]]).dispose(), 'SHAPE_MISMATCH');
  });
});
describe('consistencyPseudoHuber is the standard pseudoHuber', () => {
  it("builds the same expression as pseudoHuber({ c: 'auto' }) by default and pseudoHuber({ c }) with c", () => {
    expect(consistencyPseudoHuber().key).toBe(pseudoHuber({ c: 'auto' }).key);
    expect(consistencyPseudoHuber({ c: 0.5 }).key).toBe(pseudoHuber({ c: 0.5 }).key);
    expect(consistencyPseudoHuber().key).not.toBe(pseudoHuber().key); // defaults differ: 0.00054·√D vs 1
  });
});
