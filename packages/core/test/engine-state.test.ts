import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ce, compile, constant, ready, square, yTrue } from '../src/index.js';
import { engineIdle, expectCleanThrow, expectNoLeaks, randomLabels, randomMatrix } from '../src/testing/index.js';

beforeAll(async () => {
  await ready();
});

const B = 8;
const C = 40; // >= 32: the WASM SIMD kernels run
const z = randomMatrix(B, C, 1);
const labels = randomLabels(B, C, 2);

/** One fused training step on tensors, everything disposed. */
function step(loss: ReturnType<typeof compile>, y: tf.Tensor, x: tf.Tensor): void {
  const { value, grad } = loss.valueAndGrad(y, x);
  tf.dispose([value, grad]);
}

describe('a rejected valueAndGrad leaves the engine as it found it', () => {
  const squentropy = ce().plus(square().incorrect());
  const bad: [string, string, () => [unknown, unknown, unknown?]][] = [
    ['label out of range', 'LABEL_OUT_OF_RANGE', () => [labels.map((l, i) => (i === 3 ? C : l)), z]],
    ['non-integer label', 'NON_INTEGER_LABEL', () => [labels.map((l, i) => (i === 0 ? 0.5 : l)), z]],
    ['labels of the wrong length', 'SHAPE_MISMATCH', () => [labels.slice(1), z]],
    ['NaN logit (array)', 'NON_FINITE_INPUT', () => [labels, z.map((r, i) => (i === 2 ? r.map((v, j) => (j === 5 ? Number.NaN : v)) : r))]],
    ['NaN sample weight', 'NON_FINITE_INPUT', () => [labels, z, { sampleWeight: labels.map((_, i) => (i === 1 ? Number.NaN : 1)) }]],
    ['sample weights of the wrong shape', 'SHAPE_MISMATCH', () => [labels, z, { sampleWeight: [1, 2, 3] }]],
  ];
  for (const fuse of ['auto', 'js', false] as const) {
    for (const [what, code, args] of bad) {
      it(`fuse ${String(fuse)}: ${what} throws ${code} with no tensor leaked and no tape left behind`, () => {
        const loss = compile(squentropy, { fuse });
        const [y, x, opts] = args();
        expectCleanThrow(() => loss.valueAndGrad(y as number[], x as number[][], opts as never), code);
        expect(engineIdle()).toBe(true);
      });
    }
  }

  it('NaN logits in a tensor are rejected after the gradient with both results disposed', () => {
    const loss = compile(squentropy);
    const x = tf.tensor2d(z.map((r, i) => (i === 0 ? r.map(() => Number.NaN) : r)));
    const y = tf.tensor1d(labels, 'int32');
    expectCleanThrow(() => loss.valueAndGrad(y, x), 'NON_FINITE_INPUT');
    tf.dispose([x, y]);
  });

  it('fused training steps after 30 rejected calls leak no tensor (tape detection follows tfjs, not activeTape)', () => {
    const loss = compile(squentropy);
    expect(loss.fused).toBe(true);
    for (let k = 0; k < 30; k++) expectCleanThrow(() => loss.valueAndGrad([C + 1, ...labels.slice(1)], z), 'LABEL_OUT_OF_RANGE');
    const x = tf.tensor2d(z);
    const y = tf.tensor1d(labels, 'int32');
    const before = tf.memory().numTensors;
    for (let k = 0; k < 20; k++) step(loss, y, x);
    expect(tf.memory().numTensors).toBe(before);
    expect(loss.engine).toBe('wasm-simd');
    tf.dispose([x, y]);
  });

  it('a user tf.grad that threw inside a losskit loss does not make later fused calls leak', () => {
    const loss = compile(squentropy);
    const x = tf.tensor2d(z);
    const y = tf.tensor1d(labels, 'int32');
    // The user's own gradient computation fails after the fused node was recorded (tfjs leaves its tape set).
    expect(() =>
      tf.grad((t: tf.Tensor) => {
        loss(y, t);
        throw new Error('user error');
      })(x),
    ).toThrow('user error');
    // Forward calls first: before the fix each one saw the stale tape and kept 1-2 aliases alive.
    const before = tf.memory().numTensors;
    for (let k = 0; k < 10; k++) tf.dispose(loss.perSample(y, x));
    expect(tf.memory().numTensors).toBe(before);
    for (let k = 0; k < 10; k++) step(loss, y, x);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });
});

describe('the fused gradient buffers belong to the tape', () => {
  it('a fused node recorded under tf.grad but not on the path to the result releases its saved tensors', () => {
    const loss = compile(ce());
    const x = tf.tensor2d(z);
    const y = tf.tensor1d(labels, 'int32');
    expectNoLeaks(() => {
      const g = tf.grad((t: tf.Tensor) => {
        loss(y, t); // recorded, never differentiated
        return tf.sum(tf.square(t)) as tf.Scalar;
      })(x);
      g.dispose();
    });
    expect(engineIdle()).toBe(true);
    tf.dispose([x, y]);
  });
});

describe('expressions that do not depend on the prediction', () => {
  for (const fuse of ['auto', false] as const) {
    it(`fuse ${String(fuse)}: valueAndGrad of a constant loss returns its value and a zero gradient instead of tfjs's "Cannot compute gradient"`, () => {
      const loss = compile(constant(2, 'sample'), { fuse });
      const before = tf.memory().numTensors;
      const { value, grad } = loss.valueAndGrad(labels, z);
      expect(tf.memory().numTensors).toBe(before + 2);
      expect(value.dataSync()[0]).toBe(2);
      expect(grad.shape).toEqual([B, C]);
      expect(Math.max(...grad.dataSync().map(Math.abs))).toBe(0);
      tf.dispose([value, grad]);
      expect(engineIdle()).toBe(true);
    });
  }

  it('valueAndGrad of a targets-only loss (sum of y²) has zero gradient with respect to yPred', () => {
    const loss = compile(yTrue().pow(2).sum(), { fuse: false });
    const { value, grad } = loss.valueAndGrad(labels, z);
    expect(value.dataSync()[0]).toBe(1);
    expect(Math.max(...grad.dataSync().map(Math.abs))).toBe(0);
    tf.dispose([value, grad]);
    expect(engineIdle()).toBe(true);
  });
});
