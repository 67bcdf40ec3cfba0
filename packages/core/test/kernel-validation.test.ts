import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ce, compile, logit, ready, square } from '../src/index.js';
import { expectCleanThrow, randomLabels, randomMatrix } from '../src/testing/index.js';

beforeAll(async () => {
  await ready();
});

const squentropy = ce().plus(square().incorrect());
const B = 5;

/** Kernels a call ran (tf.profile), to tell the in-kernel validation from tfjs's isFinite passes. */
async function kernelsOf(f: () => void): Promise<string[]> {
  const info = await tf.profile(f);
  return info.kernelNames;
}

describe('validation inside the fused kernels (validate: true, the default)', () => {
  for (const [engine, C] of [['wasm-simd', 40], ['js', 6]] as const) {
    const z = randomMatrix(B, C, 5);
    const y = randomLabels(B, C, 6).map((l) => (l === 1 ? 2 : l)); // no label on class 1
    it(`${engine}: a clean valueAndGrad reads back only the scalar value (no IsFinite pass over the gradient)`, async () => {
      const loss = compile(squentropy);
      const x = tf.tensor2d(z);
      const names = await kernelsOf(() => {
        const { value, grad } = loss.valueAndGrad(y, x);
        tf.dispose([value, grad]);
      });
      expect(loss.engine).toBe(engine);
      expect(names).not.toContain('IsFinite');
      x.dispose();
    });
    for (const [what, bad] of [['NaN', Number.NaN], ['+Infinity', Infinity], ['-Infinity off the label', -Infinity]] as const) {
      it(`${engine}: ${what} in a logits tensor raises NON_FINITE_INPUT naming yPred${what.startsWith('-') ? ' (the CE value and gradient stay finite, so only the kernel sees it)' : ''}`, () => {
        const x = tf.tensor2d(z.map((r, i) => (i === 3 ? r.map((v, j) => (j === 1 ? bad : v)) : r)));
        // Plain CE: with −∞ off the label its value and gradient are finite, so only the kernels' probe sees it.
        const err = expectCleanThrow(() => compile(ce()).valueAndGrad(y, x), 'NON_FINITE_INPUT');
        expect(err.argument).toBe('yPred');
        expect(err.message).toContain('[3, 1]');
        x.dispose();
      });
    }
    it(`${engine}: an infinite sample weight in a tensor raises NON_FINITE_INPUT naming sampleWeight`, () => {
      const w = tf.tensor1d([1, 1, Infinity, 1, 1]);
      const err = expectCleanThrow(() => compile(squentropy, { reduction: 'sum' }).valueAndGrad(y, z, { sampleWeight: w }));
      expect(['NON_FINITE_INPUT', 'NON_FINITE_OUTPUT']).toContain(err.code);
      w.dispose();
    });
    it(`${engine}: a gradient that overflows while the value is finite raises NON_FINITE_OUTPUT`, () => {
      // sqrt(Σ|z|) at an all-zero row: value 0, derivative 0.5/sqrt(0) = ∞.
      const zero = z.map((r, i) => (i === 0 ? r.map(() => 0) : r));
      const loss = compile(logit().abs().sum().sqrt());
      expect(loss.fused).toBe(true);
      expectCleanThrow(() => loss.valueAndGrad(y, zero), 'NON_FINITE_OUTPUT');
    });
  }
});

describe('parts() checks tensors given as inputs (it runs the unfused path)', () => {
  it('a -Infinity logit in a yPred tensor (CE stays finite) raises NON_FINITE_INPUT naming yPred (was accepted: parts() skipped the device-tensor check)', () => {
    const z = tf.tensor2d([[1, 2, 3], [0, Number.NEGATIVE_INFINITY, 1]]);
    const err = expectCleanThrow(() => compile(ce()).parts([0, 2], z), 'NON_FINITE_INPUT');
    expect(err.argument).toBe('yPred');
    z.dispose();
  });
});
