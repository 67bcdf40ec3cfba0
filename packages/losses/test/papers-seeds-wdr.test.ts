// EQ-Net WDR: float64 reference written from the authors' criterion.py (unbiased std, targets 1.8 and 0, mean over
// layers), gradient checks with respect to the weight tensors, closed forms, stability, bad input, leaks.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ce, compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { wdr, weightDistributionRegularization } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const moments = (w: number[]) => {
  const n = w.length;
  const mu = w.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(w.reduce((a, b) => a + (b - mu) ** 2, 0) / (n - 1));
  const z = w.map((v) => (v - mu) / sd);
  return { kurt: z.reduce((a, v) => a + v ** 4, 0) / n, skew: z.reduce((a, v) => a + v ** 3, 0) / n };
};
function wdrRef(layers: number[][], target = 1.8, kw = 0.015, sw = 1): number {
  const m = layers.map(moments);
  return (kw * m.reduce((a, x) => a + (x.kurt - target) ** 2, 0)) / m.length + (sw * m.reduce((a, x) => a + x.skew ** 2, 0)) / m.length;
}

const w1 = f32(randomMatrix(3, 4, 71, 0.7));
const w2 = f32(randomMatrix(5, 2, 72, 0.3));
const labels = [0, 2];
const logits = [[2, 1, 0], [0, 1, 3]];
const value = (loss: ReturnType<typeof compile>, inputs: Record<string, unknown>) => {
  const t = loss(labels, logits, { inputs: inputs as never });
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe('wdr (EQ-Net weight-distribution regularization)', () => {
  it('matches the float64 reference for two layers at the defaults (rel err <= 1e-5)', () => {
    const got = value(compile(wdr({ weights: ['w1', 'w2'] })), { w1, w2 });
    const want = wdrRef([w1.flat(), w2.flat()]);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
  });

  it('matches the reference with custom target and weights', () => {
    const got = value(compile(wdr({ weights: ['a'], kurtosisTarget: 3, kurtosisWeight: 0.5, skewnessWeight: 2 })), { a: w2 });
    const want = wdrRef([w2.flat()], 3, 0.5, 2);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
  });

  it('adds to the task loss: ce().mean().plus(wdr) = mean CE + WDR', () => {
    const total = value(compile(ce().mean().plus(wdr({ weights: ['w1'] }))), { w1 });
    const ceOnly = value(compile(ce()), {});
    expect(Math.abs(total - (ceOnly + wdrRef([w1.flat()]))) / total).toBeLessThan(1e-5);
  });

  it('closed form: the equally spaced weights 1..n have skewness 0 and kurtosis (n−1)²(3n²−7)/(5n²(n²−1))·... as the formula gives', () => {
    const n = 10;
    const grid = Array.from({ length: n }, (_, i) => i + 1);
    // Population moments of the discrete uniform on 1..n: m2 = (n²−1)/12, m4 = (n²−1)(3n²−7)/240; the unbiased std gives
    // Kurt = m4/m2² · ((n−1)/n)².
    const m2 = (n * n - 1) / 12;
    const m4 = ((n * n - 1) * (3 * n * n - 7)) / 240;
    const kurt = (m4 / (m2 * m2)) * ((n - 1) / n) ** 2;
    const got = value(compile(wdr({ weights: ['g'] })), { g: grid });
    expect(Math.abs(got - 0.015 * (kurt - 1.8) ** 2)).toBeLessThan(1e-7);
  });

  it('is invariant to the scale and shift of each layer (standardized moments), so ±1e4 weights give the same finite value', () => {
    const small = value(compile(wdr({ weights: ['w1'] })), { w1 });
    const big = value(compile(wdr({ weights: ['w1'] })), { w1: w1.map((r) => r.map((v) => 1e4 * v - 3e3)) });
    expect(Number.isFinite(big)).toBe(true);
    expect(Math.abs(big - small) / small).toBeLessThan(1e-4);
  });

  it('handles ties (repeated weight values) and matches the reference', () => {
    const tied = [[1, 1, 1, 2], [2, 0, 0, 0]];
    const got = value(compile(wdr({ weights: ['t'] })), { t: tied });
    const want = wdrRef([tied.flat()]);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
  });

  it('passes a finite-difference gradient check with respect to each weight tensor against the reference', () => {
    const loss = compile(wdr({ weights: ['w1', 'w2'] }));
    const t1 = tf.tensor2d(w1);
    const t2 = tf.tensor2d(w2);
    const r1 = checkGradient((t) => loss(labels, logits, { inputs: { w1: t, w2: t2 } }), t1, { reference: (flat) => wdrRef([Array.from(flat), w2.flat()]) });
    const r2 = checkGradient((t) => loss(labels, logits, { inputs: { w1: t1, w2: t } }), t2, { reference: (flat) => wdrRef([w1.flat(), Array.from(flat)]) });
    tf.dispose([t1, t2]);
    expect(r1.ok, `w1 worst ${r1.worst}`).toBe(true);
    expect(r2.ok, `w2 worst ${r2.worst}`).toBe(true);
  });

  it('reaches the kernel Variable of a tfjs-layers model through tf.variableGrads', () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 4, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) })] });
    const kernel = model.trainableWeights[0]!.read() as tf.Variable;
    const loss = compile(wdr({ weights: ['k'] }));
    const { value: v, grads } = tf.variableGrads(() => loss([0], [[1, 0]], { inputs: { k: kernel } }) as tf.Scalar, [kernel]);
    const g = grads[kernel.name]!;
    const want = wdrRef([Array.from(kernel.dataSync())]);
    expect(Math.abs(v.dataSync()[0]! - want) / want).toBeLessThan(1e-5);
    expect(Array.from(g.dataSync()).some((x) => x !== 0)).toBe(true);
    tf.dispose([v, g]);
    model.dispose();
  });

  it('raises typed errors without leaking: constant weights, one weight, missing, NaN input, bad options', () => {
    const loss = compile(wdr({ weights: ['w'] }));
    expect(expectCleanThrow(() => loss(labels, logits, { inputs: { w: [[0.5, 0.5], [0.5, 0.5]] } }), 'INVALID_ARGUMENT').argument).toBe('inputs.w');
    expect(expectCleanThrow(() => loss(labels, logits, { inputs: { w: [0.5] } }), 'SHAPE_MISMATCH').argument).toBe('inputs.w');
    expectCleanThrow(() => loss(labels, logits), 'MISSING_INPUT');
    expectCleanThrow(() => loss(labels, logits, { inputs: { w: [[0.1, NaN]] } }), 'NON_FINITE_INPUT');
    expectCleanThrow(() => wdr({ weights: [] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => weightDistributionRegularization(undefined as never), 'INVALID_PARAMETER');
    expectCleanThrow(() => wdr({ weights: ['bad name'] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => wdr({ weights: ['w'], kurtosisWeight: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => wdr({ weights: ['w'], kurtosisTarget: NaN }), 'INVALID_PARAMETER');
  });

  it('leaks no tensors over values and gradients', () => {
    const loss = compile(ce().mean().plus(wdr({ weights: ['w1', 'w2'] })));
    const t1 = tf.tensor2d(w1);
    expectNoLeaks(() => {
      for (let i = 0; i < 10; i++) {
        loss(labels, logits, { inputs: { w1: t1, w2 } }).dispose();
        const g = tf.grad((t: tf.Tensor) => loss(labels, logits, { inputs: { w1: t, w2 } }) as tf.Scalar)(t1);
        g.dispose();
      }
    });
    t1.dispose();
  });
});
