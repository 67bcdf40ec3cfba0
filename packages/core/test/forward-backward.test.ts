// The one-pass SIMD kernel (forward sweep then backward sweep per row, while the row is in cache) that
// compile().valueAndGrad uses when every per-sample value receives the same upstream gradient (mean or sum
// without weights): its values and gradients against float64 references written here, the fallback that
// rescales rows whose upstream gradient differs from the predicted one, and validation with the same typed errors.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fuse } from '../src/fusion/kernel.js';
import { ce, compile, logit, logProb, prob, type Reduction, ready, yTrue } from '../src/index.js';
import { expectCleanThrow, randomLabels, randomMatrix } from '../src/testing/index.js';

beforeAll(async () => {
  await ready();
});

/** Focal γ = 2, α = 0.25, per-class form `−α Σ_j (1 − p_j)² log p_j · y_j`. */
const focal = () => prob().neg().plus(1).pow(2).times(logProb()).times(yTrue()).sum().scale(-0.25);

/** float64 log-softmax of one row (max-shifted). */
function logSoftmax64(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

/**
 * float64 per-sample value and gradient `∂l_i/∂z_ij` of CE (`−log p_y`, gradient `p − e_y`) or focal
 * (`f(p_y) = −α (1 − p_y)² log p_y`, gradient `f'(p_y) · p_y · (e_y − p)`).
 */
function reference(kind: 'ce' | 'focal', z: number[][], y: readonly number[]): { values: number[]; grads: number[][] } {
  const values: number[] = [];
  const grads: number[][] = [];
  z.forEach((row, i) => {
    const lp = logSoftmax64(row);
    const p = lp.map(Math.exp);
    const t = y[i]!;
    if (kind === 'ce') {
      values.push(-lp[t]!);
      grads.push(p.map((pj, j) => pj - (j === t ? 1 : 0)));
    } else {
      const pt = p[t]!;
      values.push(-0.25 * (1 - pt) ** 2 * lp[t]!);
      const fp = -0.25 * (-2 * (1 - pt) * lp[t]! + (1 - pt) ** 2 / pt);
      grads.push(p.map((pj, j) => fp * pt * ((j === t ? 1 : 0) - pj)));
    }
  });
  return { values, grads };
}

function expectCloseTo(actual: ArrayLike<number>, expected: readonly number[], rtol: number): void {
  const scale = Math.max(...expected.map(Math.abs));
  for (let k = 0; k < expected.length; k++) {
    const tol = rtol * (Math.abs(expected[k]!) + scale);
    if (!(Math.abs(actual[k]! - expected[k]!) <= tol)) {
      throw new Error(`entry ${k}: ${actual[k]} vs float64 ${expected[k]} (tolerance ${tol})`);
    }
  }
}

describe('valueAndGrad on the SIMD engine: forward and backward in one pass over the rows', () => {
  const B = 7;
  for (const C of [40, 1000]) {
    for (const kind of ['ce', 'focal'] as const) {
      for (const reduction of ['mean', 'sum', 'weightedMean', 'sumByNonzeroWeights'] as Reduction[]) {
        it(`${kind}, C = ${C}, reduction ${reduction}: value and gradient equal float64 (1e-5) and equal the two-pass kernels of tf.valueAndGrad exactly`, () => {
          const z = randomMatrix(B, C, 11 + C, 4);
          const y = randomLabels(B, C, 12 + C);
          const loss = compile(kind === 'ce' ? ce() : focal(), { reduction });
          const x = tf.tensor2d(z);
          const before = tf.memory().numTensors;
          const { value, grad } = loss.valueAndGrad(y, x);
          expect(loss.engine).toBe('wasm-simd');
          const ref = reference(kind, z, y);
          const w = reduction === 'sum' ? 1 : 1 / B;
          expectCloseTo([value.dataSync()[0]!], [ref.values.reduce((a, b) => a + b, 0) * w], 1e-5);
          expectCloseTo(grad.dataSync(), ref.grads.flat().map((g) => g * w), 1e-5);
          // The same loss differentiated by tfjs (no predicted upstream gradient): the forward and backward kernels.
          const two = tf.valueAndGrad((v: tf.Tensor) => loss(y, v) as tf.Scalar)(x);
          expect(Array.from(grad.dataSync())).toEqual(Array.from(two.grad.dataSync()));
          expect(value.dataSync()[0]).toBe(two.value.dataSync()[0]);
          tf.dispose([value, grad, two.value, two.grad]);
          expect(tf.memory().numTensors).toBe(before);
          x.dispose();
        });
      }
    }
  }

  for (const C of [32, 47, 64, 67]) {
    it(`C = ${C}: a logit of 1e4 at any class (the unrolled 16-class max, the 4-class remainder, the tail) gives the float64 CE value and gradient`, () => {
      const base = randomMatrix(1, C, 50 + C, 2)[0]!;
      const z = Array.from({ length: C }, (_, k) => base.map((v, j) => (j === k ? 1e4 : v)));
      const y = Array.from({ length: C }, (_, k) => (k * 5 + 1) % C);
      const loss = compile(ce());
      const { value, grad } = loss.valueAndGrad(y, z);
      expect(loss.engine).toBe('wasm-simd');
      const ref = reference('ce', z, y);
      expectCloseTo([value.dataSync()[0]!], [ref.values.reduce((a, b) => a + b, 0) / C], 1e-5);
      expectCloseTo(grad.dataSync(), ref.grads.flat().map((g) => g / C), 1e-5);
      tf.dispose([value, grad]);
    });
  }

  it('the fused loss given a predicted upstream gradient has checked the gradient before the backward pass runs (it was written in the forward sweep)', () => {
    const f = fuse(ce(), { native: true })!;
    const x = tf.tensor2d(randomMatrix(3, 40, 3));
    const labels = tf.tensor1d([0, 5, 39], 'int32');
    let seen: boolean | undefined;
    const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => {
      const per = f.perSample(v as tf.Tensor2D, labels, undefined, 1)!;
      seen = f.validation.grad;
      return tf.sum(per) as tf.Scalar;
    })(x);
    expect(f.lastEngine).toBe('wasm-simd');
    expect(seen).toBe(true);
    tf.dispose([value, grad, x, labels]);
  });

  it('rows whose upstream gradient differs from the predicted one are rescaled: weighted sum with weights 0, 1, −2.5, 1e-3 equals float64', () => {
    const C = 37;
    const z = randomMatrix(4, C, 21, 3);
    const y = [3, 0, 36, 17];
    const wts = [0, 1, -2.5, 1e-3];
    const f = fuse(ce(), { native: true })!;
    const x = tf.tensor2d(z);
    const labels = tf.tensor1d(y, 'int32');
    const w = tf.tensor1d(wts);
    const before = tf.memory().numTensors;
    // Predicted 1 for every row; rows 0, 2 and 3 receive another gradient.
    const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => tf.sum(tf.mul(f.perSample(v as tf.Tensor2D, labels, undefined, 1)!, w)) as tf.Scalar)(x);
    expect(f.lastEngine).toBe('wasm-simd');
    expect(f.validation.grad).toBe(true);
    const ref = reference('ce', z, y);
    expectCloseTo([value.dataSync()[0]!], [ref.values.reduce((a, v, i) => a + v * wts[i]!, 0)], 1e-5);
    expectCloseTo(grad.dataSync(), ref.grads.flatMap((r, i) => r.map((g) => g * wts[i]!)), 1e-5);
    tf.dispose([value, grad]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, labels, w]);
  });

  it('a gradient that overflows in the one-pass kernel while the value is finite raises NON_FINITE_OUTPUT (ce + sqrt(Σ|z|) at an all-zero row)', () => {
    const C = 40;
    const z = randomMatrix(3, C, 31).map((r, i) => (i === 1 ? r.map(() => 0) : r));
    const loss = compile(ce().plus(logit().abs().sum().sqrt()));
    expect(loss.fused).toBe(true);
    expectCleanThrow(() => loss.valueAndGrad([1, 2, 3], z), 'NON_FINITE_OUTPUT');
    expect(loss.engine).toBe('wasm-simd');
  });

  it('a NaN logit in the one-pass kernel raises NON_FINITE_INPUT naming yPred and the entry, leaving no tensor behind', () => {
    const z = randomMatrix(3, 64, 41).map((r, i) => (i === 2 ? r.map((v, j) => (j === 63 ? Number.NaN : v)) : r));
    const x = tf.tensor2d(z);
    const err = expectCleanThrow(() => compile(focal()).valueAndGrad([0, 1, 2], x), 'NON_FINITE_INPUT');
    expect(err.argument).toBe('yPred');
    expect(err.message).toContain('[2, 63]');
    x.dispose();
  });
});
