// Compositional NLL of unnormalized models (Jiang et al., "Learning Unnormalized Statistical Models via Compositional
// Optimization", ICML 2023): value −mean_data f + log u_t, gradient −mean ∇f + (1/u_t) mean_noise (p̃/q) ∇f, and the
// moving average u_t = (1 − γ) u_{t−1} + γ mean_j p̃(x̃_j)/q(x̃_j), against float64 references.
import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { compositionalNll, compositionalNllState } from '../src/index.js';
import { type M, suite } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

const isNoise = [0, 0, 0, 1, 1, 1, 1];
const logQ = [0, 0, 0, -1.2, -0.8, -2.1, -1.5];
const f0: M = [[0.4], [-0.3], [1.1], [-0.7], [0.2], [-1.6], [0.9]].map((r) => r.map(Math.fround));
const zeros = new Array(f0.length).fill(0);
const logMeanExp = (v: number[]) => {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((a, x) => a + Math.exp(x - m), 0) / v.length);
};
const noiseS = (f: M) => f.flatMap((r, i) => (isNoise[i] ? [r[0]! - logQ[i]!] : []));

/** −mean_data f + log u + [mean_noise exp(s − log u) − its value at f0]: DeYO-style frozen surrogate with the loss's value and gradient. */
function reference(logU: number): (f: M) => number {
  const t0 = noiseS(f0).reduce((a, s) => a + Math.exp(s - logU), 0) / noiseS(f0).length;
  return (f) => {
    const data = f.flatMap((r, i) => (isNoise[i] ? [] : [r[0]!]));
    const t = noiseS(f).reduce((a, s) => a + Math.exp(s - logU), 0) / noiseS(f).length;
    return -data.reduce((a, b) => a + b, 0) / data.length + logU + (t - t0);
  };
}

const prevLogU = 0.3;
const gamma = 0.25;
const logU = Math.log((1 - gamma) * Math.exp(prevLogU) + gamma * Math.exp(logMeanExp(noiseS(f0))));
const inputs = { noise: isNoise, noiseLogDensity: logQ, logU };
suite({ name: 'compositionalNll()', loss: compile(compositionalNll()), yTrue: zeros, x: f0, opts: { inputs }, ref: reference(logU), big: f0.map((r) => r.map((v) => v * 10)) });

describe('compositionalNllState', () => {
  it('starts at the batch estimate and then averages p̃/q with weight γ, in log space', () => {
    const s = compositionalNllState({ gamma });
    const scores = f0.filter((_, i) => isNoise[i]).map((r) => r[0]!);
    const q = logQ.filter((_, i) => isNoise[i]);
    expect(s.logU).toBeUndefined();
    expect(s.update(scores.map((v) => v - 1), q).logU).toBeCloseTo(logMeanExp(noiseS(f0)) - 1, 12);
    const second = s.update(scores, q).logU;
    const want = Math.log((1 - gamma) * Math.exp(logMeanExp(noiseS(f0)) - 1) + gamma * Math.exp(logMeanExp(noiseS(f0))));
    expect(second).toBeCloseTo(want, 12);
    expect(s.logU).toBe(second);
  });

  it('stays finite for log-densities of ±1e4 (no exp overflow)', () => {
    const s = compositionalNllState({ gamma: 0.5 });
    expect(s.update([1e4, 1e4 - 1], [0, 0]).logU).toBeCloseTo(1e4 + Math.log((1 + Math.exp(-1)) / 2), 6);
    expect(s.update([-1e4], [0]).logU).toBeCloseTo(1e4 + Math.log((1 + Math.exp(-1)) / 4), 6);
  });

  it('with u from this batch, the noise weights exp(s − log u) stay ≤ m/γ and the loss is finite at scores of 1e4', () => {
    const s = compositionalNllState({ gamma: 0.5 });
    const f = [[1e4], [2], [1e4 - 3], [5]];
    const noise = [0, 1, 1, 1];
    const q = [0, 0, 0, 0];
    s.update([2, 1e4 - 3, 5], [0, 0, 0]);
    const { value, grad } = compile(compositionalNll()).valueAndGrad([0, 0, 0, 0], f, { inputs: { noise, noiseLogDensity: q, logU: s.logU! } });
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    const g = Array.from(grad.dataSync());
    expect(g[0]).toBeCloseTo(-1, 6);
    expect(g.every(Number.isFinite)).toBe(true);
    value.dispose();
    grad.dispose();
  });

  /** SGD on θ of p̃_θ(x) = exp(−(x − θ)²/2) with fixed noise samples from q = N(0, 3²). */
  function fitGaussianMean(data: number[], noise: number[], gamma: number, steps: number): number {
    const logq = noise.map((x) => -(x * x) / 18 - Math.log(3 * Math.sqrt(2 * Math.PI)));
    const theta = tf.variable(tf.scalar(-1));
    const state = compositionalNllState({ gamma });
    const loss = compile(compositionalNll());
    const mask = [...data.map(() => 0), ...noise.map(() => 1)];
    const q = [...data.map(() => 0), ...logq];
    const xs = tf.tensor2d([...data, ...noise], [data.length + noise.length, 1]);
    for (let step = 0; step < steps; step++) {
      const th = theta.dataSync()[0]!;
      const { logU } = state.update(noise.map((x) => -((x - th) ** 2) / 2), logq);
      const { grads } = tf.variableGrads(() => loss(mask.map(() => 0), tf.neg(tf.div(tf.square(tf.sub(xs, theta)), 2)), { inputs: { noise: mask, noiseLogDensity: q, logU } }) as tf.Scalar);
      theta.assign(tf.sub(theta, tf.mul(grads[theta.name]!, 0.2)));
      tf.dispose(grads);
    }
    const out = theta.dataSync()[0]!;
    theta.dispose();
    xs.dispose();
    return out;
  }
  const data = [1.8, 2.4, 1.2, 2.9, 2.2, 1.5];

  it('with γ = 1, gradient steps reach the float64 stationary point of the estimated NLL (fixed noise)', () => {
    const noise = [-4.1, 2.2, 0.7, -1.9, 5.3, 3.6, -0.4, 1.1, 4.4, -2.8, 0.2, 2.9];
    const logq = noise.map((x) => -(x * x) / 18);
    // d/dθ [−mean_data f + log mean exp(s)] = −(mean x − θ) + Σ_j softmax(s)_j (x̃_j − θ) = 0, solved by bisection.
    const g = (t: number) => {
      const s = noise.map((x, j) => -((x - t) ** 2) / 2 - logq[j]!);
      const m = Math.max(...s);
      const w = s.map((v) => Math.exp(v - m));
      const z = w.reduce((a, b) => a + b, 0);
      return -(data.reduce((a, b) => a + b, 0) / data.length - t) + noise.reduce((a, x, j) => a + (w[j]! / z) * (x - t), 0);
    };
    let lo = -5;
    let hi = 5;
    for (let k = 0; k < 100; k++) {
      const mid = (lo + hi) / 2;
      if (g(lo) * g(mid) <= 0) hi = mid;
      else lo = mid;
    }
    expect(fitGaussianMean(data, noise, 1, 300)).toBeCloseTo((lo + hi) / 2, 3);
  });

  it('drives the mean of a unit-variance Gaussian model to the data mean when the noise covers q (1-D Gaussian mean estimation)', () => {
    // 400 noise points at the quantiles of N(0, 3²) (inverse CDF by bisection on erf): the estimate of Z is then close to exact.
    const erf = (x: number) => {
      const t = 1 / (1 + 0.3275911 * Math.abs(x));
      const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
      return x >= 0 ? y : -y;
    };
    const quantile = (p: number) => {
      let lo = -40;
      let hi = 40;
      for (let k = 0; k < 80; k++) {
        const mid = (lo + hi) / 2;
        if (0.5 * (1 + erf(mid / (3 * Math.SQRT2))) < p) lo = mid;
        else hi = mid;
      }
      return (lo + hi) / 2;
    };
    const noise = Array.from({ length: 400 }, (_, k) => quantile((k + 0.5) / 400));
    const mean = data.reduce((a, b) => a + b, 0) / data.length;
    expect(fitGaussianMean(data, noise, 0.5, 150)).toBeCloseTo(mean, 1);
  });

  it('rejects bad state options, scores and shapes with typed errors, cleanly', () => {
    expectCleanThrow(() => compositionalNllState({ gamma: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => compositionalNllState({ gamma: 1.5 }), 'INVALID_PARAMETER');
    const s = compositionalNllState();
    expectCleanThrow(() => s.update([1, 2], [0]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => s.update([1, NaN], [0, 0]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => s.update([], []), 'SHAPE_MISMATCH');
    expectCleanThrow(() => s.update([[1, 2]], [0, 0]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(compositionalNll())(zeros, f0.map((r) => [r[0]!, 0]), { inputs }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(compositionalNll())(zeros, f0, { inputs: { noise: isNoise, noiseLogDensity: logQ } }), 'MISSING_INPUT');
    expectCleanThrow(() => compile(compositionalNll())(zeros, f0, { inputs: { ...inputs, logU: [1, 2] } }), 'SHAPE_MISMATCH');
  });

  it('leaks no tensors', () => {
    const loss = compile(compositionalNll());
    expectNoLeaks(() => loss(zeros, f0, { inputs }).dispose());
  });
});
