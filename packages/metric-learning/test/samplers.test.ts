// PML samplers (samplers/*.py @216a792): batch composition, epoch length, determinism under a seed; regularizers
// (regularizers/*.py) against float64 formulas with gradient checks; BatchedDistance against pairwise().
import * as tf from '@tensorflow/tfjs-core';
import { type Expr, compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchedDistance, centerInvariantRegularizer, euclidean, fixedSetOfTriplets, hierarchicalSampler, lpRegularizer, mPerClassSampler, pairwise,
  regularFaceRegularizer, sparseCentersRegularizer, tripletMarginMiner, tuplesToWeightsSampler, tupleWeights, zeroMeanRegularizer,
} from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const labels = Array.from({ length: 60 }, (_, i) => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9][i % 10]!).map((l, i) => (i < 3 ? 9 : l)); // class 9 has 9 samples
const count = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<number, number>());

describe('mPerClassSampler', () => {
  it('every batch holds m samples of batchSize/m distinct classes; the epoch is trimmed to whole batches', () => {
    const s = mPerClassSampler(labels, { m: 4, batchSize: 16, length: 100, seed: 3 });
    expect(s.length).toBe(96);
    const batches = s.batches(0);
    expect(batches.length).toBe(6);
    for (const b of batches) {
      const perClass = count(Array.from(b, (i) => labels[i]!));
      expect(perClass.size).toBe(4);
      expect([...perClass.values()].every((c) => c === 4)).toBe(true);
    }
  });
  it('without a batch size, each pass covers every class m times; length rounds to whole passes', () => {
    const s = mPerClassSampler(labels, { m: 2, length: 45 });
    expect(s.length).toBe(40); // 2 × 10 classes per pass
    const perClass = count(Array.from(s.indices(), (i) => labels[i]!));
    expect([...perClass.values()].every((c) => c === 4)).toBe(true);
  });
  it('samples without replacement when the class is large enough, with replacement otherwise (PML safe_random_choice)', () => {
    const y = [0, 0, 0, 0, 0, 1];
    const s = mPerClassSampler(y, { m: 3, batchSize: 6, length: 6 });
    const [b] = s.batches(0);
    const c0 = Array.from(b!).filter((i) => y[i] === 0);
    expect(new Set(c0).size).toBe(3);
    expect(Array.from(b!).filter((i) => i === 5).length).toBe(3);
  });
  it('deterministic under (seed, epoch); epochs and seeds differ', () => {
    const a = mPerClassSampler(labels, { m: 4, batchSize: 16, length: 64, seed: 1 });
    const b = mPerClassSampler(labels, { m: 4, batchSize: 16, length: 64, seed: 1 });
    expect(Array.from(a.indices(2))).toEqual(Array.from(b.indices(2)));
    expect(Array.from(a.indices(2))).not.toEqual(Array.from(a.indices(3)));
    expect(Array.from(a.indices(0))).not.toEqual(Array.from(mPerClassSampler(labels, { m: 4, batchSize: 16, length: 64, seed: 2 }).indices(0)));
  });
  it('errors as PML asserts', () => {
    expectCleanThrow(() => mPerClassSampler(labels, { m: 3, batchSize: 16 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => mPerClassSampler(labels, { m: 4, batchSize: 48 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => mPerClassSampler(labels, { m: 4, batchSize: 16, length: 8 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => mPerClassSampler(labels, { m: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => mPerClassSampler([0.5, 1], { m: 1 }), 'NON_INTEGER_LABEL');
    expectCleanThrow(() => mPerClassSampler(labels, { m: 2 }).indices(-1), 'INVALID_PARAMETER');
  });
});

describe('hierarchicalSampler', () => {
  const classes = Array.from({ length: 80 }, (_, i) => i % 16);
  const supers = classes.map((c) => c % 4);
  it('each batch splits into superClassesPerBatch halves of one super class, filled with samplesPerClass per class', () => {
    const s = hierarchicalSampler(classes, supers, { batchSize: 16, samplesPerClass: 4, batchesPerSuperTuple: 2, seed: 5 });
    // C(4, 2) combinations × 2 batches
    expect(s.length).toBe(12);
    const batches = s.batches(0);
    expect(batches.length).toBe(12);
    for (const b of batches) {
      expect(b.length).toBe(16);
      const bySuper = count(Array.from(b, (i) => supers[i]!));
      expect(bySuper.size).toBe(2);
      expect([...bySuper.values()]).toEqual([8, 8]);
      expect([...count(Array.from(b, (i) => classes[i]!)).values()].every((c) => c === 4)).toBe(true);
    }
    expect(Array.from(s.indices(1))).toEqual(Array.from(hierarchicalSampler(classes, supers, { batchSize: 16, samplesPerClass: 4, batchesPerSuperTuple: 2, seed: 5 }).indices(1)));
  });
  it("samplesPerClass 'all' takes whole classes that fit", () => {
    const s = hierarchicalSampler(classes, supers, { batchSize: 20, samplesPerClass: 'all' });
    for (const b of s.batches(0)) expect([...count(Array.from(b, (i) => classes[i]!)).values()].every((c) => c === 5)).toBe(true);
  });
  it('errors', () => {
    expectCleanThrow(() => hierarchicalSampler(classes, supers, { batchSize: 15, samplesPerClass: 4 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => hierarchicalSampler(classes, supers, { batchSize: 16, samplesPerClass: 3 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => hierarchicalSampler(classes, supers.slice(1), { batchSize: 16, samplesPerClass: 4 }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => hierarchicalSampler(classes, supers, { batchSize: 16, samplesPerClass: 4, superClassesPerBatch: 8 }), 'INVALID_PARAMETER');
  });
});

describe('tuple samplers', () => {
  it('tupleWeights counts occurrences over the largest count (PML convert_to_weights)', () => {
    expect(Array.from(tupleWeights({ kind: 'triplets', a: Int32Array.from([0, 0]), p: Int32Array.from([1, 2]), n: Int32Array.from([3, 3]) }, 5))).toEqual([1, 0.5, 0.5, 1, 0]);
    expect(Array.from(tupleWeights({ kind: 'triplets', a: new Int32Array(), p: new Int32Array(), n: new Int32Array() }, 3))).toEqual([1, 1, 1]);
  });
  it('tuplesToWeightsSampler draws only samples that occur in mined tuples, deterministically', () => {
    const e = f32(randomMatrix(30, 4, 61));
    const y = e.map((_, i) => i % 3);
    const s = tuplesToWeightsSampler(e, y, tripletMarginMiner({ margin: 0.1, type: 'hard' }), { size: 200, seed: 2 });
    const idx = Array.from(s.indices(0));
    expect(idx.length).toBe(200);
    expect(idx.every((i) => s.weights[i]! > 0)).toBe(true);
    expect(idx).toEqual(Array.from(s.indices(0)));
  });
  it('fixedSetOfTriplets: fixed valid triplets, reshuffled per epoch', () => {
    const s = fixedSetOfTriplets(labels, 20, { seed: 4 });
    for (let i = 0; i < 20; i++) {
      const [a, p, n] = [s.triplets[3 * i]!, s.triplets[3 * i + 1]!, s.triplets[3 * i + 2]!];
      expect(labels[a]).toBe(labels[p]);
      expect(labels[n]).not.toBe(labels[a]);
    }
    const group = (x: Int32Array) => Array.from({ length: 20 }, (_, i) => `${x[3 * i]},${x[3 * i + 1]},${x[3 * i + 2]}`).sort();
    expect(group(s.indices(1))).toEqual(group(s.triplets));
    expect(Array.from(s.indices(1))).not.toEqual(Array.from(s.indices(2)));
    expectCleanThrow(() => fixedSetOfTriplets([1, 1, 1], 2), 'INVALID_ARGUMENT');
  });
});

describe('regularizers (float64 formulas, gradients)', () => {
  const W = f32(randomMatrix(6, 4, 71));
  const y = [0, 1, 2, 0, 1, 2];
  const E = f32(randomMatrix(6, 4, 72));
  const nrm = (v: number[]) => Math.hypot(...v);
  const cos = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k]!, 0) / (nrm(a) * nrm(b));
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const cases: [string, Expr<'batch', 'any'>, 'embeddings' | 'weights', (m: number[][]) => number][] = [
    ['lpRegularizer (p = 2)', lpRegularizer(), 'embeddings', (m) => mean(m.map(nrm))],
    ['lpRegularizer (p = 3, power = 2)', lpRegularizer({ p: 3, power: 2 }), 'embeddings', (m) => mean(m.map((r) => r.reduce((s, x) => s + Math.abs(x) ** 3, 0) ** (2 / 3)))],
    ['zeroMeanRegularizer', zeroMeanRegularizer(), 'embeddings', (m) => mean(m.map((r) => Math.abs(r.reduce((s, x) => s + x, 0))))],
    ['centerInvariantRegularizer', centerInvariantRegularizer(), 'weights', (m) => {
      const sq = m.map((r) => nrm(r) ** 2);
      return mean(sq.map((v) => (v - mean(sq)) ** 2 / 4));
    }],
    ['regularFaceRegularizer', regularFaceRegularizer(), 'weights', (m) => mean(m.map((r, i) => Math.max(...m.filter((_, j) => j !== i).map((o) => cos(r, o)))))],
    ['sparseCentersRegularizer (K = 2)', sparseCentersRegularizer({ centersPerClass: 2 }), 'weights', (m) => {
      let s = 0;
      for (let c = 0; c < 3; c++) s += Math.sqrt(2 - 2 * Math.min(cos(m[2 * c]!, m[2 * c + 1]!), 1));
      return s / (2 * 3);
    }],
    ['lpRegularizer of the weights', lpRegularizer({ of: { input: 'weights' } }), 'weights', (m) => mean(m.map(nrm))],
  ];
  for (const [name, expr, on, ref] of cases) {
    it(name, () => {
      const loss = compile(expr, { from: 'embeddings' });
      const run = (e: tf.Tensor | number[][], w: tf.Tensor | number[][]) => loss(y, e, { inputs: { weights: w } });
      const v = run(E, W);
      const target = on === 'embeddings' ? E : W;
      expect(Math.abs(v.dataSync()[0]! - ref(target))).toBeLessThan(1e-5 * Math.max(1, ref(target)));
      v.dispose();
      const x = tf.tensor2d(target);
      const g = checkGradient((t) => (on === 'embeddings' ? run(t, W) : run(E, t)), x, { reference: (f) => ref(Array.from({ length: 6 }, (_, i) => Array.from(f.slice(i * 4, i * 4 + 4)))) });
      x.dispose();
      expect(g.ok, `worst ${g.worst}`).toBe(true);
    });
  }
  it('bad targets and shapes are typed errors', () => {
    expectCleanThrow(() => lpRegularizer({ of: 'weights' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => sparseCentersRegularizer({ centersPerClass: 1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => compile(sparseCentersRegularizer({ centersPerClass: 4 }), { from: 'embeddings' })(y, E, { inputs: { weights: W } }), 'SHAPE_MISMATCH');
  });
});

describe('batchedDistance (PML BatchedDistance)', () => {
  it('hands over [rows, M] blocks that together equal pairwise(), freeing each', () => {
    const q = f32(randomMatrix(10, 3, 81));
    const r = f32(randomMatrix(7, 3, 82));
    const whole = tf.tidy(() => Array.from(pairwise(euclidean(), q, r).dataSync()));
    const got: number[] = [];
    const spans: [number, number][] = [];
    expectNoLeaks(() => batchedDistance(euclidean(), (m, s, e) => {
      expect(m.shape).toEqual([e - s, 7]);
      got.push(...m.dataSync());
      spans.push([s, e]);
    }, { batchSize: 4 })(q, r));
    expect(spans).toEqual([[0, 4], [4, 8], [8, 10]]);
    got.forEach((v, i) => expect(Math.abs(v - whole[i]!)).toBeLessThan(1e-6));
  });
});
