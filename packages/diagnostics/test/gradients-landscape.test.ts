// Per-example gradients, coherence, M3, winsorized means, loss-landscape slices and spectral alignment: against a
// float64 MLP written in the test (finite differences of its per-example cross-entropy), closed forms and each other.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compile, ready, square } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, numericGradient, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  filterNormalizedDirection,
  gradientCoherence,
  lossLandscape1d,
  lossLandscape2d,
  m3Gradient,
  perExampleGradients,
  spectralAlignment,
  unflattenGradient,
  winsorizedGradient,
} from '../src/index.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

function mlp(seed: number): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 5, activation: 'tanh', inputShape: [3], kernelInitializer: tfl.initializers.glorotUniform({ seed }), biasInitializer: tfl.initializers.randomNormal({ seed: seed + 1, stddev: 0.3 }) }),
      tfl.layers.dense({ units: 4, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }), biasInitializer: tfl.initializers.randomNormal({ seed: seed + 3, stddev: 0.3 }) }),
    ],
  });
}

/** Float64 cross-entropy of example (x, y) for flat parameters θ = [W1 (3×5), b1 (5), W2 (5×4), b2 (4)] of the MLP. */
function refLoss(theta: ArrayLike<number>, x: number[], y: number): number {
  const W1 = (i: number, j: number) => theta[i * 5 + j]!;
  const b1 = (j: number) => theta[15 + j]!;
  const W2 = (i: number, j: number) => theta[20 + i * 4 + j]!;
  const b2 = (j: number) => theta[40 + j]!;
  const h = Array.from({ length: 5 }, (_, j) => Math.tanh(x.reduce((s, v, i) => s + v * W1(i, j), 0) + b1(j)));
  const z = Array.from({ length: 4 }, (_, j) => h.reduce((s, v, i) => s + v * W2(i, j), 0) + b2(j));
  const m = Math.max(...z);
  return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[y]!;
}

const flatWeights = (m: tfl.LayersModel) => m.trainableWeights.flatMap((w) => Array.from(w.read().dataSync()));

describe('perExampleGradients', () => {
  it('row i equals the central-difference gradient of the float64 per-example cross-entropy (Dense fast path and loop)', () => {
    const model = mlp(1);
    const xs = randomMatrix(6, 3, 2);
    const ys = [0, 3, 1, 2, 2, 0];
    const x = tf.tensor2d(xs);
    const theta = flatWeights(model);
    const fast = perExampleGradients(model, x, ys);
    const loop = perExampleGradients(model, x, ys, { method: 'loop' });
    expect(fast.method).toBe('dense');
    expect(loop.method).toBe('loop');
    expect(fast.size).toBe(44);
    for (let i = 0; i < 6; i++) {
      const num = numericGradient((t) => refLoss(t, xs[i]!, ys[i]!), theta, 1e-6);
      for (let k = 0; k < 44; k++) {
        expect(Math.abs(fast.gradients[i * 44 + k]! - num[k]!)).toBeLessThan(2e-4 + 2e-3 * Math.abs(num[k]!));
        expect(Math.abs(loop.gradients[i * 44 + k]! - fast.gradients[i * 44 + k]!)).toBeLessThan(1e-5 + 1e-4 * Math.abs(num[k]!));
      }
    }
    x.dispose();
    model.dispose();
  });

  it('the mean of the rows is the batch gradient of the mean loss (tf.variableGrads), for a non-CE compiled loss too', () => {
    const model = mlp(4);
    const x = tf.tensor2d(randomMatrix(5, 3, 5));
    const targets = tf.tensor2d(randomMatrix(5, 4, 6));
    const loss = compile(square().mean(), { from: 'probs', validate: false });
    const g = perExampleGradients(model, x, targets, { loss });
    const { value, grads } = tf.variableGrads(() => loss(targets, model.apply(x) as tf.Tensor) as tf.Scalar, model.trainableWeights.map((w) => w.read() as tf.Variable));
    const batch = model.trainableWeights.flatMap((w) => Array.from(grads[(w.read() as tf.Variable).name]!.dataSync()));
    batch.forEach((v, k) => {
      let m = 0;
      for (let i = 0; i < 5; i++) m += g.gradients[i * g.size + k]! / 5;
      expect(m).toBeCloseTo(v, 5);
    });
    tf.dispose([x, targets, value, ...Object.values(grads)]);
    model.dispose();
  });

  it('leaks no tensor on success, and rejects a label out of range, a wrong batch of targets and a non-model cleanly', () => {
    const model = mlp(7);
    const x = tf.tensor2d(randomMatrix(3, 3, 8));
    expectNoLeaks(() => perExampleGradients(model, x, [0, 1, 2]));
    expectNoLeaks(() => perExampleGradients(model, x, [0, 1, 2], { method: 'loop' }));
    expectCleanThrow(() => perExampleGradients(model, x, [0, 1, 9]), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => perExampleGradients(model, x, [0, 1], { method: 'loop' }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => perExampleGradients({} as never, x, [0, 1, 2]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => perExampleGradients(model, [[1, 2, 3]] as never, [0]), 'INVALID_ARGUMENT');
    x.dispose();
    model.dispose();
  });
});

describe('gradientCoherence, m3Gradient, winsorizedGradient', () => {
  it('α = 1 and m-coherence = m for identical gradients; α = 1/m and m-coherence = 1 for orthogonal equal-norm ones', () => {
    expect(gradientCoherence([[1, 2], [1, 2], [1, 2]])).toEqual({ alpha: 1, mCoherence: 3, m: 3 });
    const o = gradientCoherence([[2, 0, 0], [0, 2, 0], [0, 0, 2]]);
    expect(o.alpha).toBeCloseTo(1 / 3, 15);
    expect(o.mCoherence).toBeCloseTo(1, 15);
  });

  it('α equals E_{i,j}[g_i·g_j] / E_i[g_i·g_i] over all ordered pairs (i = j included) for random gradients', () => {
    const g = randomMatrix(7, 4, 3);
    const dot = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * b[k]!, 0);
    let pairs = 0;
    for (const a of g) for (const b of g) pairs += dot(a, b) / 49;
    const self = g.reduce((s, a) => s + dot(a, a), 0) / 7;
    expect(gradientCoherence(g).alpha).toBeCloseTo(pairs / self, 13);
  });

  it('M3 is the coordinate-wise median of the three group means (groups of 3, 2, 2 for B = 7)', () => {
    const g = randomMatrix(7, 5, 4);
    const mean = (rows: number[][]) => rows[0]!.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
    const [a, b, c] = [mean(g.slice(0, 3)), mean(g.slice(3, 5)), mean(g.slice(5, 7))];
    const ref = a.map((_, j) => [a[j]!, b[j]!, c[j]!].sort((p, q) => p - q)[1]!);
    Array.from(m3Gradient(g)).forEach((v, j) => expect(v).toBeCloseTo(ref[j]!, 14));
  });

  it('winsorizing c = 1 of [−10, 1, 2, 3, 50] gives mean(1, 1, 2, 3, 3) = 2; c = 0 gives the plain mean', () => {
    const g = [[-10], [1], [2], [3], [50]];
    expect(winsorizedGradient(g, 1)[0]).toBeCloseTo(2, 15);
    expect(winsorizedGradient(g, 0)[0]).toBeCloseTo(46 / 5, 15);
  });

  it('unflattenGradient splits a flat vector into one tensor per variable, keyed by name, and round-trips', () => {
    const model = mlp(9);
    const flat = Array.from({ length: 44 }, (_, k) => k);
    const map = unflattenGradient(model, flat);
    const back = model.trainableWeights.flatMap((w) => Array.from(map[(w.read() as tf.Variable).name]!.dataSync()));
    expect(back).toEqual(flat);
    tf.dispose(Object.values(map));
    model.dispose();
  });

  it('reject too few rows for M3, 2c ≥ B, ragged rows and NaN with typed errors', () => {
    expectCleanThrow(() => m3Gradient([[1], [2]]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => winsorizedGradient([[1], [2], [3]], 2), 'INVALID_PARAMETER');
    expectCleanThrow(() => gradientCoherence([[1, 2], [3]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => gradientCoherence([[1, Number.NaN]]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => gradientCoherence([]), 'EMPTY_BATCH');
  });
});

describe('filterNormalizedDirection and the loss-landscape slices', () => {
  it('every filter (column of a Dense kernel) of the direction has the norm of the same filter of θ; biases get 0', () => {
    const model = mlp(10);
    const d = filterNormalizedDirection(model, { seed: 3 });
    model.trainableWeights.forEach((w, i) => {
      const v = w.read();
      const th = v.dataSync();
      if (v.rank === 1) {
        expect(Array.from(d[i]!).every((x) => x === 0)).toBe(true);
        return;
      }
      const cols = v.shape[1]!;
      for (let c = 0; c < cols; c++) {
        let a = 0;
        let b = 0;
        for (let k = c; k < th.length; k += cols) {
          a += th[k]! ** 2;
          b += d[i]![k]! ** 2;
        }
        expect(Math.sqrt(b)).toBeCloseTo(Math.sqrt(a), 5);
      }
    });
    expect(filterNormalizedDirection(model, { seed: 3, ignore: 'none' })[1]).toEqual(Float32Array.from(model.trainableWeights[1]!.read().dataSync()));
    model.dispose();
  });

  it('the 1-D slice equals the float64 mean cross-entropy at θ + αd for every α, and leaves θ unchanged', () => {
    const model = mlp(12);
    const xs = randomMatrix(8, 3, 13);
    const ys = [0, 1, 2, 3, 0, 1, 2, 3];
    const x = tf.tensor2d(xs);
    const theta = flatWeights(model);
    const alphas = [-1, -0.3, 0, 0.5, 1];
    const r = lossLandscape1d(model, x, ys, { alphas, seed: 2 });
    const dflat = r.direction.flatMap((a) => Array.from(a));
    alphas.forEach((a, k) => {
      const t = theta.map((v, j) => Math.fround(v + a * dflat[j]!));
      const ref = xs.reduce((s, xi, i) => s + refLoss(t, xi, ys[i]!), 0) / 8;
      expect(r.losses[k]).toBeCloseTo(ref, 4);
    });
    expect(r.accuracies).toHaveLength(5);
    expect(flatWeights(model)).toEqual(theta);
    x.dispose();
    model.dispose();
  });

  it('the 2-D slice at β = 0 equals the 1-D slice along δ, and the grid is [α][β]', () => {
    const model = mlp(14);
    const x = tf.tensor2d(randomMatrix(6, 3, 15));
    const ys = [0, 1, 2, 3, 0, 1];
    const two = lossLandscape2d(model, x, ys, { alphas: [-1, 0, 1], betas: [0, 0.5], seed: 4 });
    const one = lossLandscape1d(model, x, ys, { alphas: [-1, 0, 1], seed: 4 });
    expect(two.losses).toHaveLength(3);
    two.losses.forEach((row, i) => expect(row[0]).toBeCloseTo(one.losses[i]!, 5));
    x.dispose();
    model.dispose();
  });

  it('restores θ and leaks nothing when the loss throws mid-sweep (a label out of range)', () => {
    const model = mlp(16);
    const x = tf.tensor2d(randomMatrix(2, 3, 17));
    const theta = flatWeights(model);
    expectCleanThrow(() => lossLandscape1d(model, x, [0, 7]), 'LABEL_OUT_OF_RANGE');
    expect(flatWeights(model)).toEqual(theta);
    expectCleanThrow(() => lossLandscape1d(model, x, [0, 1], { alphas: [Number.NaN] }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => lossLandscape1d(model, x, [0, 1], { direction: [new Float32Array(2)] }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => filterNormalizedDirection(model, { seed: 0.5 }), 'INVALID_PARAMETER');
    x.dispose();
    model.dispose();
  });
  it('filterNormalizedDirection rejects a model with a NaN or ±Inf weight with NON_FINITE_INPUT (the direction was NaN)', () => {
    const v = tf.variable(tf.tensor2d([[Number.NaN, 1], [0, 2]]));
    const model = { trainableWeights: [{ read: () => v }], apply: (x: tf.Tensor) => tf.matMul(x, v) };
    expectCleanThrow(() => filterNormalizedDirection(model), 'NON_FINITE_INPUT');
    v.dispose();
  });
});

describe('spectralAlignment', () => {
  it('for W = diag(3, 1) (u₁ = e₁) the alignments are x₀/‖x‖ and the sign diversity counts the signs of x₀', () => {
    const xs = [[1, 1], [-2, 0], [3, -4], [0, 5], [2, 0]];
    const r = spectralAlignment([[3, 0], [0, 1]], xs);
    expect(r.sigma).toBeCloseTo(3, 10);
    const s = Math.sign(r.alignments[4]!); // u₁ = ±e₁
    xs.forEach((x, i) => expect(r.alignments[i]).toBeCloseTo((s * x[0]!) / Math.hypot(x[0]!, x[1]!), 10));
    // Signs of x₀: +, −, +, 0, + → p₊ = 3/5, p₋ = 1/5 (or swapped): diversity 1 − 2/5.
    expect(r.signDiversity).toBeCloseTo(0.6, 12);
  });

  it('gives diversity 0 when every input lies on the same side of u₁, 1 when balanced', () => {
    const w = randomMatrix(4, 3, 30);
    const base = spectralAlignment(w, [[1, 0, 0, 0]]).alignments[0]!;
    const dir = Math.sign(base) || 1;
    expect(spectralAlignment(w, [[dir, 0, 0, 0], [2 * dir, 0, 0, 0]]).signDiversity).toBe(0);
    expect(spectralAlignment(w, [[1, 0, 0, 0], [-1, 0, 0, 0]]).signDiversity).toBe(1);
  });

  it('rejects inputs whose width is not the kernel row count', () => {
    expectCleanThrow(() => spectralAlignment([[1, 0], [0, 1]], [[1, 2, 3]]), 'SHAPE_MISMATCH');
  });
});
