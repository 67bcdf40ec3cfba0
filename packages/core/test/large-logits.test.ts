import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Compilable, ce, compile, entropy, logProb, prob, ready, square, yPred } from '../src/index.js';

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

describe("entropy's gradient stays finite at saturated logits under a large upstream adjoint", () => {
  // Fuzz seed 57 call 9224: H·sqrt(CE) at z = [1e30, 0] (H = 0, sqrt(CE) ≈ 5e14) had a NaN gradient unfused:
  // the chain rule formed adjoint · log p = 5e14 · (−1e30), which overflows float32, then multiplied it by p = 0.
  // Float64 reference from the definition: dH/dz_j = −p_j (log p_j + H).
  const entropyGrad64 = (z: number[]) => {
    const lp = logSoftmax64(z);
    const h = -lp.reduce((a, l) => a + Math.exp(l) * l, 0);
    return lp.map((l) => -Math.exp(l) * (l + h));
  };
  for (const [name, opts] of engines) {
    it(`${name}: gradient of 1e15·H(p) at [1e30, 0], [1e30, 1e30, 0] and [3, 0, -2] agrees with float64 to 1e-5 relative`, () => {
      const scale = 1e15;
      const loss = compile(entropy().times(scale), { ...opts, reduction: 'sum' });
      for (const z of [[1e30, 0], [1e30, 1e30, 0], [3, 0, -2]]) {
        const { value, grad } = loss.valueAndGrad([0], [z]);
        const g = Array.from(grad.dataSync());
        const ref = entropyGrad64(z).map((v) => v * scale);
        g.forEach((v, j) => expect(Math.abs(v - ref[j]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref[j]!))));
        tf.dispose([value, grad]);
      }
    });
  }
});

describe('zNormalize is exactly 0 on a constant row', () => {
  // Fuzz seed 31 call 4564: ce().expand().zNormalize() is 0 in exact arithmetic (every entry equals the row mean),
  // but float32 tf.moments rounded the mean of 12 equal entries, and (x − mean)/sqrt(var + 1e-12) turned that
  // rounding into values of order 0.1–1 on the unfused path.
  for (const [name, opts] of engines) {
    it(`${name}: yPred().zNormalize() of constant rows of 12 (2.4137, 0.1, -7.3, 1e4) is 0 in every entry`, () => {
      const rows = [2.4137, 0.1, -7.3, 1e4].map((v) => new Array(12).fill(Math.fround(v)));
      const z = compile(yPred().zNormalize().pow(2).sum(), { ...opts, reduction: 'none' }).perSample([0, 0, 0, 0], rows);
      expect(Array.from(z.dataSync())).toEqual([0, 0, 0, 0]);
      z.dispose();
    });
  }
});
