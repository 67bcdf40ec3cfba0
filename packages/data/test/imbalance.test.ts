import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, logSoftmax, randomMatrix } from '@losskit/core/testing';
import { classCounts, fitModel, priorCorrection, randomOversample, randomUndersample, smote, twoPhaseTrain } from '../src/index.js';
import * as api from '../src/index.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

const y = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2];

describe('random over- and under-sampling', () => {
  it('ROS keeps every example and tops each class up to the majority size with repeats of that class', () => {
    const idx = randomOversample(y, { seed: 1 });
    expect(classCounts(idx.map((i) => y[i]!))).toEqual([8, 8, 8]);
    for (let i = 0; i < y.length; i++) expect(idx).toContain(i);
  });
  it('RUS keeps a distinct random subset of each class at the minority size; explicit targets are honoured', () => {
    const idx = randomUndersample(y, { seed: 1 });
    expect(classCounts(idx.map((i) => y[i]!))).toEqual([1, 1, 1]);
    expect(new Set(idx).size).toBe(idx.length);
    expect(classCounts(randomUndersample(y, { targetCounts: [4, 2, 1] }).map((i) => y[i]!))).toEqual([4, 2, 1]);
  });
});

describe('smote', () => {
  const x = [...randomMatrix(12, 3, 1).map((r) => r.map((v) => v + 4)), ...randomMatrix(4, 3, 2)];
  const labels = [...new Array<number>(12).fill(0), 1, 1, 1, 1];
  it('balances the classes with points on segments to one of the k nearest same-class neighbours', () => {
    const k = 2;
    const r = smote(x, labels, { k, seed: 3 });
    expect(r.synthetic).toBe(8);
    expect(classCounts(r.y)).toEqual([12, 12]);
    const minority = x.slice(12);
    for (const p of r.x.slice(16)) {
      // Some base point b and one of its k nearest minority neighbours n give p = b + u(n − b), u in [0, 1].
      const ok = minority.some((b, bi) => {
        const nn = minority.map((q, qi) => [qi, q.reduce((s, v, d) => s + (v - b[d]!) ** 2, 0)] as const).filter(([qi]) => qi !== bi).sort((a, c) => a[1] - c[1]).slice(0, k);
        return nn.some(([qi]) => {
          const n = minority[qi]!;
          const u = (p[0]! - b[0]!) / (n[0]! - b[0]!);
          return u >= -1e-12 && u <= 1 + 1e-12 && p.every((v, d) => Math.abs(v - (b[d]! + u * (n[d]! - b[d]!))) < 1e-9);
        });
      });
      expect(ok).toBe(true);
    }
  });
  it('uses each minority example ⌊N/100⌋ times for N = 200% (the paper\'s procedure)', () => {
    const r = smote(x, labels, { targetCounts: [12, 12], seed: 4 });
    expect(r.synthetic).toBe(8);
  });
});

describe('priorCorrection', () => {
  it('is argmax of log p − log π (float64 reference) from logits and from probabilities', () => {
    const z = randomMatrix(20, 3, 5, 2);
    const priors = [10, 3, 1];
    const lp = priors.map((v) => Math.log(v / 14));
    const r = priorCorrection(z, priors);
    z.forEach((row, i) => {
      const s = logSoftmax(row).map((v, c) => v - lp[c]!);
      s.forEach((v, c) => expect(r.scores[i]![c]).toBeCloseTo(v, 12));
      expect(r.labels[i]).toBe(s.indexOf(Math.max(...s)));
    });
    const probs = z.map((row) => logSoftmax(row).map(Math.exp));
    expect(priorCorrection(probs, priors, { from: 'probs' }).labels).toEqual(r.labels);
  });
});

describe('twoPhaseTrain', () => {
  it('phase 1 is fitModel on the ROS indices and phase 2 changes only the output layer, without leaks', () => {
    const make = () => tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 4, activation: 'relu', kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) }), tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) })] });
    const a = make();
    const b = make();
    const x = tf.tensor2d(randomMatrix(30, 2, 3));
    const labels = Array.from({ length: 30 }, (_, i) => (i < 5 ? 1 : 0));
    const yy = tf.tensor1d(labels, 'int32');
    const opt = tf.train.sgd(0.05);
    const opt2 = tf.train.sgd(0.05);
    const r = expectNoLeaks(() => twoPhaseTrain({ model: a, optimizer: opt, phase2Optimizer: opt2, x, y: yy, phase1Epochs: 2, phase2Epochs: 3, batchSize: 8, seed: 0 }));
    expect(r.phase1).toHaveLength(2);
    expect(r.phase2).toHaveLength(3);
    const ix = tf.tensor1d(randomOversample(labels, { seed: 0 }), 'int32');
    const xb = tf.gather(x, ix);
    const yb = tf.gather(yy, ix);
    fitModel(b, tf.train.sgd(0.05), xb, yb, { epochs: 2, batchSize: 8, seed: 0 });
    const wa = a.getWeights().map((w) => w.arraySync() as number[] | number[][]);
    const wb = b.getWeights().map((w) => w.arraySync() as number[] | number[][]);
    expect(wa[0]).toEqual(wb[0]); // hidden kernel untouched by phase 2
    expect(wa[1]).toEqual(wb[1]);
    expect(wa[2]).not.toEqual(wb[2]); // output kernel fine-tuned
    tf.dispose([x, yy, ix, xb, yb]);
  });
});

it('bad input is a typed error without leaks', () => {
  expectCleanThrow(() => smote([[0, 0]], [0, 1]), 'SHAPE_MISMATCH');
  expectCleanThrow(() => randomOversample([0, 1], { targetCounts: [0, 1] }), 'INVALID_ARGUMENT');
  expectCleanThrow(() => priorCorrection([[1, 2]], [1, 0]), 'INVALID_ARGUMENT');
  expectCleanThrow(() => api.pruneByScore([1, 2], { fraction: 1 }), 'INVALID_PARAMETER');
  expectCleanThrow(() => api.el2nScores([[1, 2]], [5]), 'LABEL_OUT_OF_RANGE');
  expectCleanThrow(() => api.kMeans([[0, 0]], { k: 2 }), 'INVALID_PARAMETER');
  expectCleanThrow(() => api.smallLossSelection([1, Number.NaN], 0.2), 'NON_FINITE_INPUT');
  expectCleanThrow(() => api.memorizationScores([[true]], [[2]]), 'INVALID_ARGUMENT');
  expectCleanThrow(() => api.difficultyDropoutMask([[1, 2]], [0], { from: 'x' as never }), 'INVALID_ARGUMENT');
  expectCleanThrow(() => api.nestedDropoutMask(2, 3, { sigma: 0 }), 'INVALID_PARAMETER');
  expectCleanThrow(() => api.fklEpochs([[0, 1]], [0, 1, 1]), 'SHAPE_MISMATCH');
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 2, kernelInitializer: tfl.initializers.glorotNormal({ seed: 5 }) })] });
  const x = tf.tensor2d([[1, 2]]);
  expectCleanThrow(() => api.grandScores(m, x, [0, 1]), 'SHAPE_MISMATCH');
  expectCleanThrow(() => api.grandScores({} as never, x, [0]), 'INVALID_ARGUMENT');
  x.dispose();
});

it('fitModel rejects labels out of range, non-integer labels, mismatched rows, disposed inputs and non-finite features before any step', () => {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 3, kernelInitializer: tfl.initializers.glorotNormal({ seed: 6 }) })] });
  const before = m.getWeights().map((w) => w.arraySync());
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  const opt = tf.train.sgd(0.1);
  const fit = (y: tf.Tensor, xx: tf.Tensor = x) => () => fitModel(m, opt, xx, y, { epochs: 1, batchSize: 1 });
  const bad = [tf.tensor1d([0, 3], 'int32'), tf.tensor1d([0, -1], 'int32'), tf.tensor1d([0, 0.5]), tf.tensor1d([0, 1, 2], 'int32')];
  expect(expectCleanThrow(fit(bad[0]!), 'LABEL_OUT_OF_RANGE').argument).toBe('y');
  expect(expectCleanThrow(fit(bad[1]!), 'LABEL_OUT_OF_RANGE').argument).toBe('y');
  expect(expectCleanThrow(fit(bad[2]!), 'NON_INTEGER_LABEL').argument).toBe('y');
  expect(expectCleanThrow(fit(bad[3]!), 'SHAPE_MISMATCH').argument).toBe('y');
  const gone = tf.tensor2d([[1, 2], [3, 4]]);
  gone.dispose();
  const y = tf.tensor1d([0, 1], 'int32');
  expect(expectCleanThrow(fit(y, gone), 'INVALID_ARGUMENT').argument).toBe('x');
  // A NaN feature used to train silently: NaN loss history and NaN weights.
  const xNaN = tf.tensor2d([[1, 2], [Number.NaN, 4]]);
  expect(expectCleanThrow(fit(y, xNaN), 'NON_FINITE_INPUT').argument).toBe('x');
  expect(m.getWeights().map((w) => w.arraySync())).toEqual(before);
  tf.dispose([x, y, xNaN, ...bad]);
});
