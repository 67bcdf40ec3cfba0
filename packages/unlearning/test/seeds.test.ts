// Seed rows of issue #26: relabel (poisoning) unlearning, RECE closed-form concept erasure on projection matrices and
// worst-case forget sets — closed forms checked by their optimality conditions in float64, procedures end to end on
// generated data (the paper's effect, in direction).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compile, ce, ready } from '@losskit/core';
import { expectCleanThrow, expectCleanThrowAsync, randomMatrix } from '@losskit/core/testing';
import { adam, sgd, train } from '@losskit/optimizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { adversarialEmbedding, evaluateSet, objective, projectCappedSimplex, rece, relabelForget, relabelUnlearning, uceEdit, unlearn, worstCaseForgetSet } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

function blobs(n: number, seed: number, classes: number[], spread = 0.6) {
  const r = tf.randomNormal([n, 6], 0, spread, 'float32', seed);
  const y = Array.from({ length: n }, (_, i) => classes[i % classes.length]!);
  const centers = tf.tensor2d(Array.from({ length: 4 }, (_, c) => Array.from({ length: 6 }, (_, j) => (j === c ? 2 : j === (c + 1) % 6 ? -1 : 0))));
  const x = tf.add(r, tf.gather(centers, tf.tensor1d(y, 'int32')));
  r.dispose();
  centers.dispose();
  return { x, y: tf.tensor1d(y, 'int32') };
}
// Seeded initialisers: the end-to-end numbers in the README are reproducible.
const mlp = (seed = 1) => tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 32, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }), tfl.layers.dense({ units: 4, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) })] });

describe('relabel (poisoning) unlearning — Class Machine Unlearning for Complex Data via Concepts Inference and Data Poisoning', () => {
  it('random relabelling draws another class for every sample; targeted sets the target', () => {
    const y = [0, 1, 2, 3, 0, 1, 2, 3, 0, 0];
    const r = relabelForget({ x: y.map(() => [0]), y }, { mode: 'random', numClasses: 4, seed: 3 });
    const ry = Array.from(r.y.dataSync());
    ry.forEach((l, i) => {
      expect(l).not.toBe(y[i]);
      expect(l >= 0 && l < 4).toBe(true);
    });
    const t = relabelForget({ x: y.map(() => [0]), y }, { mode: 'targeted', numClasses: 4, target: 2 });
    expect(Array.from(t.y.dataSync())).toEqual(y.map(() => 2));
    tf.dispose([r.y, t.y]);
  });
  it('targeted relabelling with one class keeps every label (numClasses 1 is valid there); random relabelling needs two classes', () => {
    const t = relabelForget({ x: [[0], [1]], y: [0, 0] }, { mode: 'targeted', numClasses: 1, target: 0 });
    expect(Array.from(t.y.dataSync())).toEqual([0, 0]);
    t.y.dispose();
    expectCleanThrow(() => relabelForget({ x: [[0]], y: [0] }, { mode: 'random', numClasses: 1 }), 'INVALID_PARAMETER');
  });
  it('fine-tuning on poisoned forget labels plus retain data forgets the class and keeps the others (random and targeted)', async () => {
    for (const mode of ['random', 'targeted'] as const) {
      const model = mlp();
      const forget = blobs(60, 1, [0]);
      const retain = blobs(180, 2, [1, 2, 3]);
      await train({ model, loss: compile(ce()), optimizer: adam({ learningRate: 2e-2 }), data: { x: tf.concat([forget.x, retain.x]), y: tf.concat([forget.y, retain.y]) }, steps: 150, batchSize: 64 });
      const before = evaluateSet(model, forget).accuracy;
      const poisoned = relabelForget(forget, mode === 'random' ? { mode, numClasses: 4, seed: 1 } : { mode, numClasses: 4, target: 2 });
      await unlearn({ model, forget: poisoned, retain, objective: relabelUnlearning(), optimizer: adam({ learningRate: 5e-3 }), steps: 60 });
      const f = evaluateSet(model, forget).accuracy;
      const r = evaluateSet(model, retain).accuracy;
      // eslint-disable-next-line no-console
      console.log(`relabel ${mode}: forget acc ${before} → ${f}, retain acc ${r}`);
      expect(before).toBeGreaterThan(0.9);
      expect(f).toBeLessThan(0.1);
      expect(r).toBeGreaterThan(0.9);
      tf.dispose([forget.x, forget.y, retain.x, retain.y, poisoned.y]);
      model.dispose();
    }
  });
  it('bad options raise typed errors', () => {
    expectCleanThrow(() => relabelForget({ x: [[0]], y: [0] }, { mode: 'x' as never, numClasses: 3 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => relabelForget({ x: [[0]], y: [0] }, { mode: 'targeted', numClasses: 3, target: 3 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => relabelForget({ x: [[0]], y: [0] }, { mode: 'random', numClasses: 1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => relabelForget({ x: [[0]], y: [5] }, { mode: 'random', numClasses: 3 }), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => relabelForget({ x: [], y: [] }, { mode: 'random', numClasses: 3 }), 'EMPTY_BATCH');
  });
});

describe('RECE — Reliable and Efficient Concept Erasure of Text-to-Image Diffusion Models (on projection matrices)', () => {
  const d = 6;
  const Wk = randomMatrix(8, d, 1);
  const Wv = randomMatrix(5, d, 2);
  const concept = randomMatrix(2, d, 3);
  const target = randomMatrix(2, d, 4, 0.3);
  const keep = [randomMatrix(3, d, 5)];
  const mv = (W: number[][], x: number[]) => W.map((r) => r.reduce((s, v, j) => s + v * x[j]!, 0));
  it('uceEdit is the minimiser of λ‖W′−W‖² + s_e Σ‖W′c − Wc*‖² + s_p Σ‖W′r − Wr‖² (its gradient vanishes)', () => {
    const [Ek, Ev] = uceEdit([Wk, Wv], [concept], [target], { lambda: 0.1, eraseScale: 1, preserve: keep, preserveScale: 0.1 });
    for (const [W, E] of [[Wk, Ek!], [Wv, Ev!]] as const) {
      // ∂/∂W′ = 2λ(W′ − W) + 2 s_e Σ (W′c − Wc*) cᵀ + 2 s_p Σ (W′r − Wr) rᵀ
      const G = W.map((row, a) => row.map((_, b) => 0.1 * (E[a]![b]! - W[a]![b]!)));
      concept.forEach((c, t) => {
        const res = mv(E, c).map((v, a) => v - mv(W, target[t]!)[a]!);
        res.forEach((ra, a) => c.forEach((cb, b) => (G[a]![b]! += ra * cb)));
      });
      keep[0]!.forEach((r) => {
        const res = mv(E, r).map((v, a) => v - mv(W, r)[a]!);
        res.forEach((ra, a) => r.forEach((rb, b) => (G[a]![b]! += 0.1 * ra * rb)));
      });
      expect(Math.max(...G.flat().map(Math.abs))).toBeLessThan(1e-10);
    }
  });
  it('adversarialEmbedding is the minimiser of Σ‖W′c′ − Wc‖² + r‖c′‖² (its gradient vanishes)', () => {
    const E = uceEdit([Wk, Wv], [concept], [target]);
    const adv = adversarialEmbedding(E, [Wk, Wv], concept, 0.1);
    adv.forEach((cp, t) => {
      const g = cp.map((v) => 0.1 * v);
      [[E[0]!, Wk], [E[1]!, Wv]].forEach(([We, Wo]) => {
        const res = mv(We!, cp).map((v, a) => v - mv(Wo!, concept[t]!)[a]!);
        res.forEach((ra, a) => We![a]!.forEach((w, b) => (g[b]! += ra * w)));
      });
      expect(Math.max(...g.map(Math.abs))).toBeLessThan(1e-10);
    });
  });
  it('RECE epochs make the concept harder to regenerate than UCE alone while preserved outputs stay close', () => {
    const res = rece({ matrices: [Wk, Wv], concepts: [concept], targets: [target], preserve: keep, epochs: 3 });
    // eslint-disable-next-line no-console
    console.log(`RECE regeneration error per epoch: ${res.regeneration.map((v) => v.toFixed(4)).join(' → ')}`);
    expect(res.regeneration.at(-1)!).toBeGreaterThan(res.regeneration[0]! * 1.5);
    const uce = uceEdit([Wk, Wv], [concept], [target], { preserve: keep });
    const drift = (M: number[][][]) => keep[0]!.reduce((s, r) => s + [Wk, Wv].reduce((a, W, l) => a + mv(M[l]!, r).reduce((q, v, i) => q + (v - mv(W, r)[i]!) ** 2, 0), 0), 0) / keep[0]!.reduce((s, r) => s + [Wk, Wv].reduce((a, W) => a + mv(W, r).reduce((q, v) => q + v * v, 0), 0), 0);
    // eslint-disable-next-line no-console
    console.log(`preserved-output relative drift: UCE ${drift(uce).toFixed(4)}, RECE ${drift(res.matrices).toFixed(4)}`);
    expect(drift(res.matrices)).toBeLessThan(0.5);
    expect(res.adversarial).toHaveLength(3);
  });
  it('bad input raises typed errors', () => {
    expectCleanThrow(() => uceEdit([], [concept], [target]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => uceEdit([Wk, randomMatrix(3, d + 1, 9)], [concept], [target]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => uceEdit([Wk], [concept], [target, target]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => uceEdit([Wk], [[[NaN, 0, 0, 0, 0, 0]]], [target[0]!]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => uceEdit([Wk], [concept], [target], { lambda: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => rece({ matrices: [Wk], concepts: [concept], targets: [target], epochs: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => adversarialEmbedding([Wk], [Wv], concept), 'SHAPE_MISMATCH');
    // A non-boolean flag is a bad hyperparameter, as every boolean option of losskit.
    expectCleanThrow(() => rece({ matrices: [Wk], concepts: [concept], targets: [target], uceFirst: 'no' as never }), 'INVALID_PARAMETER');
  });
});

describe('worst-case forget sets — Challenging Forgets: Unveiling the Worst-Case Forget Sets in Machine Unlearning', () => {
  it('projectCappedSimplex: entries in [0, 1], sum k, and w = clip(a − μ, 0, 1) for one μ', () => {
    const a = [0.3, 1.7, -0.2, 0.9, 0.5, 2.5, 0.1];
    const w = projectCappedSimplex(a, 3);
    expect(w.reduce((s, v) => s + v, 0)).toBeCloseTo(3, 10);
    w.forEach((v) => expect(v >= 0 && v <= 1).toBe(true));
    const free = w.map((v, i) => [v, a[i]!] as const).filter(([v]) => v > 0 && v < 1);
    free.forEach(([v, ai]) => expect(ai - v).toBeCloseTo(free[0]![1] - free[0]![0], 10));
    expectCleanThrow(() => projectCappedSimplex(a, 8), 'INVALID_PARAMETER');
    expectCleanThrow(() => projectCappedSimplex([NaN], 0), 'NON_FINITE_INPUT');
  });
  it('the selected forget set is harder to unlearn than a random one: after fine-tuning on the rest, its loss stays lower and its accuracy at least as high', async () => {
    const model = mlp();
    // Overlapping classes (spread 2): accuracy is not saturated, so some samples are harder to keep than others.
    const data = blobs(240, 7, [0, 1, 2, 3], 2);
    await train({ model, loss: compile(ce()), optimizer: adam({ learningRate: 2e-2 }), data, steps: 200, batchSize: 64 });
    const weights = model.getWeights().map((w) => w.clone());
    const k = 40;
    const { indices, losses } = await worstCaseForgetSet({ model, data, size: k, selectEpochs: 4, unlearnSteps: 2, thetaLr: 2e-3, batchSize: 64, seed: 1 });
    expect(indices).toHaveLength(k);
    const afterFt = async (idx: number[]) => {
      model.setWeights(weights);
      const inSet = new Set(idx);
      const rest = Array.from({ length: 240 }, (_, i) => i).filter((i) => !inSet.has(i));
      const pick = (ix: number[]) => ({ x: tf.gather(data.x, tf.tensor1d(ix, 'int32')), y: tf.gather(data.y, tf.tensor1d(ix, 'int32')) });
      const f = pick(idx);
      const r = pick(rest);
      // FT unlearning (fine-tune on the remaining data only), the lower level the set was selected against.
      await unlearn({ model, forget: f, retain: r, objective: objective({ retain: ce() }), optimizer: sgd({ learningRate: 0.05 }), steps: 150, retainBatchSize: 64 });
      const e = evaluateSet(model, f);
      tf.dispose([f.x, f.y, r.x, r.y]);
      return e;
    };
    const worst = await afterFt(indices);
    // Three random forget sets of the same size (disjoint strides), averaged.
    const randoms = [];
    for (const off of [0, 2, 4]) randoms.push(await afterFt(Array.from({ length: 240 }, (_, i) => i).filter((i) => i % 6 === off).slice(0, k)));
    const randLoss = randoms.reduce((s, e) => s + e.loss, 0) / randoms.length;
    const randAcc = randoms.reduce((s, e) => s + e.accuracy, 0) / randoms.length;
    // eslint-disable-next-line no-console
    console.log(`worst-case set after FT: loss ${worst.loss.toFixed(3)}, accuracy ${worst.accuracy.toFixed(3)}; random sets: loss ${randLoss.toFixed(3)}, accuracy ${randAcc.toFixed(3)}; upper-level objective ${losses.map((v) => v.toFixed(2)).join(' → ')}`);
    expect(worst.loss).toBeLessThan(randLoss);
    expect(worst.accuracy).toBeGreaterThanOrEqual(randAcc);
    tf.dispose([...weights, data.x, data.y]);
    model.dispose();
  });
  it('bad options raise typed errors and leave the model as it was', async () => {
    const model = mlp();
    const data = blobs(10, 8, [0, 1]);
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    await expectCleanThrowAsync(() => worstCaseForgetSet({ model, data, size: 10 }), 'INVALID_PARAMETER');
    await expectCleanThrowAsync(() => worstCaseForgetSet({ model, data, size: 2, selectEpochs: 0 }), 'INVALID_PARAMETER');
    await expectCleanThrowAsync(() => worstCaseForgetSet({ model, data: { x: data.x, y: [0, 1] }, size: 2 }), 'SHAPE_MISMATCH');
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    tf.dispose([data.x, data.y]);
    model.dispose();
  });
});
