import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, randomLabels, randomMatrix, softmax } from '@losskit/core/testing';
import { coTeachingSelect, coTeachingStep, fklEpochs, forgetRateSchedule, lateStoppingKeep, lateStoppingSelect, linearExpertTrajectory, nestedDropoutMask, smallLossSelection, trajectoryMatchingLoss } from '../src/index.js';

await ready({ backend: 'cpu' });

describe('Co-teaching', () => {
  it('small-loss selection keeps the ⌊(1 − τ)B⌋ smallest losses and the peers swap selections', () => {
    expect(smallLossSelection([0.1, 2.0, 0.3, 0.2], 0.25)).toEqual([0, 3, 2]);
    expect(coTeachingSelect([0.2, 3.1, 0.4, 0.1], [0.3, 0.2, 2.5, 0.1], 0.5)).toEqual({ forA: [3, 1], forB: [3, 0] });
  });
  it('forget rate ramps linearly over the gradual epochs (the public code\'s linspace) and stays at τ', () => {
    expect(forgetRateSchedule(0, { forgetRate: 0.2 })).toBe(0);
    expect(forgetRateSchedule(5, { forgetRate: 0.2, gradualEpochs: 10 })).toBeCloseTo(0.1, 15);
    expect(forgetRateSchedule(30, { forgetRate: 0.2, gradualEpochs: 10 })).toBeCloseTo(0.2, 15);
    expect(forgetRateSchedule(0, { forgetRate: 0.2, gradualEpochs: 0 })).toBe(0.2);
  });
  it('coTeachingStep updates each model on its peer\'s small-loss examples without leaking', () => {
    const make = (s: number) => tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2, kernelInitializer: tfl.initializers.glorotNormal({ seed: s }) })] });
    const a = make(1);
    const b = make(2);
    const x = tf.tensor2d(randomMatrix(8, 3, 3));
    const y = tf.tensor1d(randomLabels(8, 2, 4), 'int32');
    const optA = tf.train.sgd(0.1);
    const optB = tf.train.sgd(0.1);
    const wB0 = b.getWeights()[0]!.arraySync() as number[][];
    // Expected update of B: one SGD step on A's small-loss examples, by a float64 gradient of mean CE of the linear layer.
    const la = (a.predict(x) as tf.Tensor).arraySync() as number[][];
    const lb = (b.predict(x) as tf.Tensor).arraySync() as number[][];
    const yv = Array.from(y.dataSync());
    const ce = (z: number[][]) => z.map((r, i) => -Math.log(softmax(r)[yv[i]!]!));
    const sel = coTeachingSelect(ce(la), ce(lb), 0.25);
    const xs = x.arraySync();
    const r = expectNoLeaks(() => coTeachingStep({ modelA: a, modelB: b, optimizerA: optA, optimizerB: optB, x, y, forgetRate: 0.25 }));
    expect(r.forB).toEqual(sel.forB);
    const g = wB0.map((row) => row.map(() => 0));
    for (const i of sel.forB) softmax(lb[i]!).forEach((p, c) => xs[i]!.forEach((xv, d) => (g[d]![c]! += ((p - (c === yv[i] ? 1 : 0)) * xv) / sel.forB.length)));
    const wB1 = b.getWeights()[0]!.arraySync() as number[][];
    wB1.forEach((row, d) => row.forEach((v, c) => expect(v).toBeCloseTo(wB0[d]![c]! - 0.1 * g[d]![c]!, 5)));
    x.dispose();
    y.dispose();
  });
  it('coTeachingStep rejects an array or disposed x and labels out of range with typed errors, changing no weight', () => {
    const make = (s: number) => tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2, kernelInitializer: tfl.initializers.glorotNormal({ seed: s }) })] });
    const a = make(1);
    const b = make(2);
    const w0 = [...a.getWeights(), ...b.getWeights()].map((w) => w.arraySync());
    const xs = randomMatrix(4, 3, 3);
    const [optA, optB] = [tf.train.sgd(0.1), tf.train.sgd(0.1)];
    const step = (x: unknown, y: unknown) => () => coTeachingStep({ modelA: a, modelB: b, optimizerA: optA, optimizerB: optB, x: x as tf.Tensor, y: y as tf.Tensor, forgetRate: 0.25 });
    expect(expectCleanThrow(step(xs, [0, 1, 0, 1]), 'INVALID_ARGUMENT').argument).toBe('x');
    const gone = tf.tensor2d(xs);
    gone.dispose();
    expect(expectCleanThrow(step(gone, [0, 1, 0, 1]), 'INVALID_ARGUMENT').argument).toBe('x');
    const x = tf.tensor2d(xs);
    expectCleanThrow(step(x, [0, 1, 5, 1]), 'LABEL_OUT_OF_RANGE');
    x.dispose();
    expect([...a.getWeights(), ...b.getWeights()].map((w) => w.arraySync())).toEqual(w0);
  });
});

describe('nested dropout', () => {
  it('masks are prefixes whose lengths follow p(k) ∝ exp(−((k − μ)/σ)²)', () => {
    const m = nestedDropoutMask(4000, 6, { sigma: 2, mu: 2, seed: 3 });
    const rows = m.arraySync();
    m.dispose();
    const w = Array.from({ length: 6 }, (_, j) => Math.exp(-(((j + 1 - 2) / 2) ** 2)));
    const total = w.reduce((a, b) => a + b, 0);
    const freq = new Array<number>(6).fill(0);
    for (const r of rows) {
      const k = r.reduce((a, b) => a + b, 0);
      expect(r.slice(0, k).every((v) => v === 1) && r.slice(k).every((v) => v === 0)).toBe(true);
      freq[k - 1]!++;
    }
    freq.forEach((f, j) => expect(f / 4000).toBeCloseTo(w[j]! / total, 1));
  });
});

/** The official Late Stopping counting (tmllab/2023_ICCV_LateStopping main_cifar10_noise_ratio=20.py) for k = 1, 2, 3. */
function officialFkl(preds: number[][], labels: number[], k: number, warmup: number): number[] {
  const n = labels.length;
  const count = new Array<number>(n).fill(0);
  const first = new Array<number>(n).fill(Infinity);
  const list = new Array<number>(n).fill(101);
  const lista = new Array<number>(n).fill(101);
  preds.forEach((p, e) => {
    if (e <= warmup) return;
    p.forEach((pred, t) => {
      const ok = k === 1 ? pred === labels[t] : k === 2 ? pred === labels[t] && pred === list[t] : pred === labels[t] && pred === list[t] && pred === lista[t];
      if (ok) {
        count[t]!++;
        if (count[t] === 1) first[t] = e;
      }
      lista[t] = list[t]!;
      list[t] = pred;
    });
  });
  return first;
}

describe('Late Stopping', () => {
  it.each([1, 2, 3])('fklEpochs with k = %i matches the official code\'s counting on random prediction histories', (k) => {
    const labels = randomLabels(40, 3, 1);
    const preds = Array.from({ length: 12 }, (_, e) => labels.map((y, i) => (randomLabels(40, 3, 100 + e)[i]! < 2 ? y : (y + 1) % 3)));
    expect(fklEpochs(preds, labels, { k, warmup: 2 })).toEqual(officialFkl(preds, labels, k, 2));
  });
  it('a round stops once ⌊N₀ρ^r⌋ examples are learned, keeping them in learning order', () => {
    expect(lateStoppingKeep(45000, 1)).toBe(44100);
    const r = lateStoppingSelect([[0, 1, 0, 2], [0, 1, 1, 2], [0, 1, 1, 0]], [0, 1, 1, 1], 2, { k: 2 });
    expect(r).toEqual({ selected: [0, 1, 2], done: true });
  });
});

describe('trajectoryMatchingLoss', () => {
  const D = 3;
  const C = 2;
  const xr = randomMatrix(16, D, 2);
  const yr = randomLabels(16, C, 3);
  const experts = linearExpertTrajectory(xr, yr, { classes: C, epochs: 4, lr: 0.5, batchSize: 4 });
  const ySyn = [[1, 0], [0, 1], [1, 0]];
  /** Float64 reference: N full-batch SGD steps of the linear softmax student, normalised parameter distance. */
  const ref = (xs: number[][], lr: number, steps: number) => {
    let w = (experts[1]!.w as number[][]).map((r) => [...r]);
    let b = [...(experts[1]!.b as number[])];
    for (let s = 0; s < steps; s++) {
      const err = xs.map((x, i) => softmax(b.map((bc, c) => bc + x.reduce((a, v, d) => a + v * w[d]![c]!, 0))).map((p, c) => p - ySyn[i]![c]!));
      w = w.map((row, d) => row.map((v, c) => v - (lr * err.reduce((a, e, i) => a + e[c]! * xs[i]![d]!, 0)) / xs.length));
      b = b.map((v, c) => v - (lr * err.reduce((a, e) => a + e[c]!, 0)) / xs.length);
    }
    const tw = experts[3]!.w as number[][];
    const tb = experts[3]!.b as number[];
    const sw = experts[1]!.w as number[][];
    const sb = experts[1]!.b as number[];
    const dist = (a: number[][], bb: number[], c: number[][], cb: number[]) => a.reduce((s, r, d) => s + r.reduce((t, v, j) => t + (v - c[d]![j]!) ** 2, 0), 0) + bb.reduce((s, v, j) => s + (v - cb[j]!) ** 2, 0);
    return dist(w, b, tw, tb) / dist(sw, sb, tw, tb);
  };
  const t = (p: { w: number[][] | number[]; b: number[][] | number[] }) => ({ w: tf.tensor2d(p.w as number[][]), b: tf.tensor1d(p.b as number[]) });
  it('equals the float64 unrolled-SGD reference and has its finite-difference gradient in the synthetic data', () => {
    const start = t(experts[1]!);
    const target = t(experts[3]!);
    const ys = tf.tensor2d(ySyn);
    const x0 = randomMatrix(3, D, 9);
    const xSyn = tf.tensor2d(x0);
    const v = expectNoLeaks(() => {
      const l = trajectoryMatchingLoss({ xSyn, ySyn: ys, lr: 0.3, start, target, steps: 5 });
      const out = l.dataSync()[0]!;
      l.dispose();
      return out;
    });
    expect(v).toBeCloseTo(ref(x0, 0.3, 5), 5);
    const res = checkGradient((x) => trajectoryMatchingLoss({ xSyn: x, ySyn: ys, lr: 0.3, start, target, steps: 5 }), xSyn, { reference: (f) => ref([0, 1, 2].map((i) => Array.from(f.slice(i * D, (i + 1) * D))), 0.3, 5) });
    expect(res.ok).toBe(true);
    tf.dispose([start.w, start.b, target.w, target.b, ys, xSyn]);
  });
  it('rejects NaN synthetic data, a NaN learning-rate tensor and a target equal to the start (undefined normalisation) with typed errors', () => {
    const start = t(experts[1]!);
    const same = t(experts[1]!);
    const target = t(experts[3]!);
    const ys = tf.tensor2d(ySyn);
    const xSyn = tf.tensor2d(randomMatrix(3, D, 9));
    const bad = tf.tensor2d([[Number.NaN, 0, 0], [0, 0, 0], [0, 0, 0]]);
    const badY = tf.tensor2d([[Number.NaN, 1], [0, 1], [1, 0]]);
    const nanLr = tf.scalar(Number.NaN);
    expectCleanThrow(() => trajectoryMatchingLoss({ xSyn: bad, ySyn: ys, lr: 0.3, start, target, steps: 2 }), 'NON_FINITE_INPUT');
    expectCleanThrow(() => trajectoryMatchingLoss({ xSyn, ySyn: badY, lr: 0.3, start, target, steps: 2 }), 'NON_FINITE_INPUT');
    expectCleanThrow(() => trajectoryMatchingLoss({ xSyn, ySyn: ys, lr: nanLr, start, target, steps: 2 }), 'NON_FINITE_INPUT');
    expectCleanThrow(() => trajectoryMatchingLoss({ xSyn, ySyn: ys, lr: 0.3, start, target: same, steps: 2 }), 'INVALID_ARGUMENT');
    tf.dispose([start.w, start.b, same.w, same.b, target.w, target.b, ys, xSyn, bad, badY, nanLr]);
  });
});
