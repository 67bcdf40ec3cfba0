import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Compilable, ce, compile, entropy, logProb, prob, ready, square } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// Float64 references written from the definitions, with the row maximum subtracted first.
function logSoftmax64(z: readonly number[]): number[] {
  const m = Math.max(...z);
  const l = Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
  return z.map((v) => v - m - l);
}
function ce64(z: readonly number[], t: readonly number[], eps: number): { value: number; grad: number[] } {
  const C = z.length;
  const tt = t.map((v) => v * (1 - eps) + eps / C);
  const lp = logSoftmax64(z);
  const mass = tt.reduce((a, b) => a + b, 0);
  return { value: -tt.reduce((a, v, j) => a + v * lp[j]!, 0), grad: lp.map((v, j) => Math.exp(v) * mass - tt[j]!) };
}
const oneHotRow = (y: number, C: number) => Array.from({ length: C }, (_, j) => (j === y ? 1 : 0));

/** Rows of C logits: a tie of two huge values at classes 0 and 1, the rest spread below (or 0). */
function tiedRow(big: number, C: number, rest: 'zero' | 'spread'): number[] {
  return Array.from({ length: C }, (_, j) => (j < 2 ? big : rest === 'zero' ? 0 : big * (j / C - 0.5)));
}

const engines = [
  ['unfused', { fuse: false }],
  ['fused JS kernel', { fuse: 'js' }],
  ['fused default kernel', {}],
] as const;

describe('cross-entropy is exact at tied huge logits (value and gradient against float64)', () => {
  for (const big of [1e8, 1e16, 1e30, -1e30]) {
    for (const C of [3, 40]) {
      for (const eps of [0, 0.1]) {
        for (const [name, opts] of engines) {
          it(`${name}, C = ${C}, ε = ${eps}: ties at ${big} with integer labels and one-hot targets`, () => {
            const z = [tiedRow(big, C, 'zero'), tiedRow(big, C, 'spread')];
            const labels = [0, 1];
            const loss = compile(ce({ labelSmoothing: eps }), opts);
            for (const y of [labels, labels.map((l) => oneHotRow(l, C))]) {
              const { value, grad } = loss.valueAndGrad(y, z);
              const refs = z.map((row, i) => ce64(row, oneHotRow(labels[i]!, C), eps));
              const v = refs.reduce((a, r) => a + r.value, 0) / 2;
              expect(Math.abs(value.dataSync()[0]! - v)).toBeLessThanOrEqual(1e-6 * Math.abs(v) + 1e-6);
              const g = grad.dataSync();
              refs.forEach((r, i) => r.grad.forEach((gj, j) => expect(Math.abs(g[i * C + j]! - gj / 2)).toBeLessThan(1e-6)));
              tf.dispose([value, grad]);
            }
            if (name === 'fused default kernel') expect(loss.engine).toBe(C >= 32 ? 'wasm-simd' : 'js');
          });
        }
      }
    }
  }

  it('the issue case: compile(ce()).valueAndGrad([0], [[1e30, 1e30, 0]]) is log 2 with gradient [-0.5, 0.5, 0] on every engine', () => {
    for (const [, opts] of engines) {
      const { value, grad } = compile(ce(), opts).valueAndGrad([0], [[1e30, 1e30, 0]]);
      expect(value.dataSync()[0]).toBeCloseTo(Math.LN2, 6);
      expect(Array.from(grad.dataSync())).toEqual([-0.5, 0.5, 0]);
      tf.dispose([value, grad]);
    }
  });
});

describe('probability terms are exact at tied huge logits', () => {
  const cases: [string, Compilable, (z: number[], y: number) => number][] = [
    ['p_y', prob().target(), (z, y) => Math.exp(logSoftmax64(z)[y]!)],
    ['log p_y', logProb().target(), (z, y) => logSoftmax64(z)[y]!],
    ['entropy', entropy(), (z) => -logSoftmax64(z).reduce((a, l) => a + Math.exp(l) * l, 0)],
  ];
  for (const [what, expr, ref] of cases) {
    for (const C of [3, 40]) {
      for (const [name, opts] of engines) {
        it(`${what}, ${name}, C = ${C}: ties at ±1e30 agree with float64`, () => {
          const z = [tiedRow(1e30, C, 'zero'), tiedRow(-1e30, C, 'spread'), tiedRow(1e30, C, 'spread')];
          const y = [0, 1, 2];
          const ps = compile(expr, opts).perSample(y, z);
          const got = ps.dataSync();
          z.forEach((row, i) => expect(Math.abs(got[i]! - ref(row, y[i]!))).toBeLessThan(1e-6 * Math.max(1, Math.abs(ref(row, y[i]!)))));
          ps.dispose();
        });
      }
    }
  }
});

describe('incorrect() drops the target class exactly when its term dominates the row', () => {
  // The fuzz case (call 2087): squentropy with z = [1e16, −1e30], y = 1. Float64 reference from the definition
  // CE + Σ_{j≠y} z_j² / (C − 1): value 1e30 + 1e16 + 1e32 (the fused Σz² − z_y² gave 1e30: 1e32 was lost
  // next to 1e60) and gradient p − y + 2 z_j (1 − y_j) / (C − 1), −1 at the target (was 0).
  const squentropy64 = (z: number[], y: number) => {
    const C = z.length;
    const { value, grad } = ce64(z, oneHotRow(y, C), 0);
    return {
      value: value + z.reduce((a, v, j) => a + (j === y ? 0 : v * v), 0) / (C - 1),
      grad: grad.map((g, j) => g + (j === y ? 0 : (2 * z[j]!) / (C - 1))),
    };
  };
  // C = 40 rows reach the float32 WASM SIMD sweeps of the default kernel (C ≥ 32), the short ones its JS kernel:
  // z_y² = 1e36 is finite in float32 there and Σ_{j≠y} z_j² ≈ 1.3e31 was lost to 1e36 + 1.3e31 − 1e36.
  const wide = Array.from({ length: 40 }, (_, j) => (j === 5 ? -1e18 : (1e15 * (j - 20)) / 20));
  const z = [[1e16, -1e30], [-1e16, -1e4, 3], [2, -1e30, 1e15], wide];
  const y = [1, 0, 1, 5];
  for (const [name, opts] of engines) {
    for (const targets of ['integer labels', 'one-hot targets'] as const) {
      it(`${name}, ${targets}: squentropy per-sample values and gradient agree with float64 to 1e-6 relative`, () => {
        const before = tf.memory().numTensors;
        const l = compile(ce().plus(square().incorrect()), { ...opts, reduction: 'sum' });
        for (let i = 0; i < z.length; i++) {
          const t = targets === 'integer labels' ? [y[i]!] : [oneHotRow(y[i]!, z[i]!.length)];
          const ref = squentropy64(z[i]!, y[i]!);
          const { value, grad } = l.valueAndGrad(t, [z[i]!]);
          expect(Math.abs(value.dataSync()[0]! - ref.value)).toBeLessThanOrEqual(1e-6 * Math.abs(ref.value));
          const g = grad.dataSync();
          ref.grad.forEach((r, j) => expect(Math.abs(g[j]! - r)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(r))));
          tf.dispose([value, grad]);
        }
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});
