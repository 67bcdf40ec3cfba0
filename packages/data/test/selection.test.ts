import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { expectNoLeaks, logSoftmax, randomLabels, randomMatrix, rng } from '@losskit/core/testing';
import { difficultyDropoutMask, effectiveEpochs, estimateMemorization, kMeans, memorizationScores, scalarRandomDropout, sensitivitySample, subsetMasks } from '../src/index.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

describe('memorization', () => {
  it('subsetMasks draw ⌊ratio·n⌋ examples per trial', () => {
    const m = subsetMasks(50, { trials: 20, ratio: 0.7, seed: 1 });
    expect(m).toHaveLength(20);
    for (const r of m) expect(r.filter(Boolean)).toHaveLength(35);
  });
  it('memorizationScores is mean correctness when in minus when out (float64 reference)', () => {
    const masks = subsetMasks(6, { trials: 30, seed: 2 });
    const u = rng(3);
    const correct = masks.map((m) => m.map((inside, i) => (i === 5 ? (inside ? 1 : 0) : u() < 0.8 ? 1 : 0)));
    const { scores } = memorizationScores(masks, correct);
    for (let i = 0; i < 6; i++) {
      const inn = masks.map((m, t) => (m[i] ? correct[t]![i]! : NaN)).filter((v) => !Number.isNaN(v));
      const out = masks.map((m, t) => (!m[i] ? correct[t]![i]! : NaN)).filter((v) => !Number.isNaN(v));
      expect(scores[i]).toBeCloseTo(inn.reduce((a, b) => a + b, 0) / inn.length - out.reduce((a, b) => a + b, 0) / out.length, 14);
    }
    expect(scores[5]).toBe(1); // right only when trained on: fully memorised
  });
  it('estimateMemorization calls the trainer once per subset with its indices', async () => {
    const seen: number[][] = [];
    const r = await estimateMemorization(5, (idx) => {
      seen.push(idx);
      return Array.from({ length: 5 }, (_, i) => idx.includes(i) || i !== 2);
    }, { trials: 12, seed: 4 });
    expect(seen).toHaveLength(12);
    expect(r.scores[2]).toBe(1);
    expect(r.scores[0]).toBe(0);
  });
});

describe('k-means and sensitivity sampling', () => {
  const blobs = [...randomMatrix(20, 2, 1, 0.3).map(([a, b]) => [a! + 5, b!]), ...randomMatrix(20, 2, 2, 0.3).map(([a, b]) => [a! - 5, b!]), ...randomMatrix(20, 2, 3, 0.3).map(([a, b]) => [a!, b! + 8])];
  it('kMeans recovers three separated blobs and reports the cost of its assignment', () => {
    const r = kMeans(blobs, { k: 3, seed: 1 });
    for (let b = 0; b < 3; b++) expect(new Set(r.assignments.slice(20 * b, 20 * b + 20)).size).toBe(1);
    expect(new Set(r.assignments).size).toBe(3);
    const cost = blobs.reduce((s, p, i) => s + (p[0]! - r.centers[r.assignments[i]!]![0]!) ** 2 + (p[1]! - r.centers[r.assignments[i]!]![1]!) ** 2, 0);
    expect(r.cost).toBeCloseTo(cost, 10);
  });
  it('sensitivitySample probabilities are ∝ cluster loss + λ·distance^z and weights are 1/(m p)', () => {
    const losses = [0.5, 2, 1];
    const r = sensitivitySample(blobs, { k: 3, m: 40, lambda: 0.7, z: 2, clusterLosses: losses, seed: 1 });
    const c = r.clusters;
    const v = blobs.map((p, i) => losses[c.assignments[i]!]! + 0.7 * ((p[0]! - c.centers[c.assignments[i]!]![0]!) ** 2 + (p[1]! - c.centers[c.assignments[i]!]![1]!) ** 2));
    const total = v.reduce((a, b) => a + b, 0);
    r.probabilities.forEach((p, i) => expect(p).toBeCloseTo(v[i]! / total, 12));
    r.indices.forEach((i, k) => expect(r.weights[k]).toBeCloseTo(1 / (40 * r.probabilities[i]!), 10));
  });
  it('the weighted sample mean of a loss is unbiased for the full mean (average over 300 samples)', () => {
    const loss = blobs.map((p) => p[0]! ** 2 + Math.abs(p[1]!));
    const full = loss.reduce((a, b) => a + b, 0) / loss.length;
    let acc = 0;
    for (let s = 0; s < 300; s++) {
      const r = sensitivitySample(blobs, { k: 3, m: 10, seed: s });
      acc += r.indices.reduce((t, i, k) => t + r.weights[k]! * loss[i]!, 0) / blobs.length;
    }
    expect(acc / 300 / full).toBeGreaterThan(0.95);
    expect(acc / 300 / full).toBeLessThan(1.05);
  });
});

describe('Progressive Data Dropout', () => {
  it('keeps the examples with p(y|x) < τ (float64 log-softmax reference) and misclassified ones at τ = 0', () => {
    const z = randomMatrix(30, 4, 7, 2);
    const y = randomLabels(30, 4, 8);
    const mask = expectNoLeaks(() => difficultyDropoutMask(z, y, { threshold: 0.6 }));
    mask.forEach((k, i) => expect(k).toBe(Math.exp(logSoftmax(z[i]!)[y[i]!]!) < 0.6));
    const mis = difficultyDropoutMask(z, y);
    mis.forEach((k, i) => expect(k).toBe(z[i]!.indexOf(Math.max(...z[i]!)) !== y[i]));
    expect(difficultyDropoutMask(z, y, { epoch: 5, revisionEpoch: 5 }).every(Boolean)).toBe(true);
  });
  it('scalar random dropout keeps ⌈γ^{t−1}N⌉ examples and all from the revision epoch', () => {
    expect(scalarRandomDropout(100, 1, { gamma: 0.8 })).toHaveLength(100);
    expect(scalarRandomDropout(100, 3, { gamma: 0.8 })).toHaveLength(64);
    expect(scalarRandomDropout(100, 6, { gamma: 0.8, revisionEpoch: 6 })).toHaveLength(100);
    expect(effectiveEpochs([100, 80, 64, 100], 100)).toBeCloseTo(3.44, 12);
  });
});

it('tensor inputs are read without leaking', () => {
  const z = tf.tensor2d([[3, 0], [0, 1]]);
  expectNoLeaks(() => difficultyDropoutMask(z, [0, 0], { threshold: 0.9 }));
  z.dispose();
});
