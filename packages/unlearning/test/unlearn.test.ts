import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { LosskitError, ce, compile, ready } from '@losskit/core';
import { expectNoLeaksAsync, normal, rng } from '@losskit/core/testing';
import { adam, train } from '@losskit/optimizers';
import { type LabeledData, type UnlearnStepInfo, gradientDifference, npo, retrainGap, selectiveSynapticDampening, unlearn, unlearningMetrics } from '../src/index.js';

// Generated data: 5 overlapping Gaussian blobs in 8 dimensions (seeded), 25 training and 25 held-out samples per class,
// so the 128-unit MLP overfits and a loss-threshold attack tells training members of the forget class from held-out ones.
const K = 5;
const D = 8;
const PER = 25;
function blobs(seed: number, centers: number[][]): { x: number[][]; y: number[] } {
  const g = normal(rng(seed));
  const x: number[][] = [];
  const y: number[] = [];
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < PER; i++) {
      x.push(centers[k]!.map((c) => c + 2.0 * g()));
      y.push(k);
    }
  }
  return { x, y };
}
const gc = normal(rng(7));
const centers = Array.from({ length: K }, () => Array.from({ length: D }, () => 1.5 * gc()));
const trainSet = blobs(1, centers);
const testSet = blobs(2, centers);
const FORGET = 0;
const pick = (s: { x: number[][]; y: number[] }, keep: (y: number) => boolean): LabeledData => {
  const idx = s.y.map((v, i) => (keep(v) ? i : -1)).filter((i) => i >= 0);
  return { x: tf.tensor2d(idx.map((i) => s.x[i]!)), y: tf.tensor1d(idx.map((i) => s.y[i]!), 'int32') };
};

function makeModel(seed: number): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [D], units: 128, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }),
      tfl.layers.dense({ units: K, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}
function copyOf(model: tfl.LayersModel, seed: number): tfl.LayersModel {
  const m = makeModel(seed);
  m.setWeights(model.getWeights());
  return m;
}
async function fit(model: tfl.LayersModel, data: LabeledData, steps: number): Promise<void> {
  await train({ model, loss: compile(ce()), optimizer: adam({ learningRate: 1e-2 }), data: { x: data.x, y: data.y }, steps, batchSize: 32, seed: 3 });
}

let all: LabeledData;
let forget: LabeledData;
let retain: LabeledData;
let heldOut: LabeledData;
let testRetain: LabeledData;
let original: tfl.LayersModel;
let retrained: tfl.LayersModel;

beforeAll(async () => {
  await ready();
  all = { x: tf.tensor2d(trainSet.x), y: tf.tensor1d(trainSet.y, 'int32') };
  forget = pick(trainSet, (v) => v === FORGET);
  retain = pick(trainSet, (v) => v !== FORGET);
  heldOut = pick(testSet, (v) => v === FORGET);
  testRetain = pick(testSet, (v) => v !== FORGET);
  original = makeModel(10);
  await fit(original, all, 600);
  retrained = makeModel(10);
  await fit(retrained, retain, 600);
});

const fmt = (m: ReturnType<typeof unlearningMetrics>) =>
  `forget acc ${(100 * m.forget.accuracy).toFixed(1)}% loss ${m.forget.loss.toFixed(3)} | retain acc ${(100 * m.retain.accuracy).toFixed(1)}% | test(retain classes) acc ${(100 * m.test!.accuracy).toFixed(1)}% | MIA AUC ${m.mia!.toFixed(3)}`;

describe('forgetting one class of a 5-class MLP', () => {
  const metricsOf = (model: tfl.LayersModel) => unlearningMetrics({ model, forget, retain, test: testRetain, heldOut });

  it('gradient difference and SSD forget the class, keep retain accuracy, and move the MIA AUC toward 0.5', async () => {
    const before = metricsOf(original);
    const gold = metricsOf(retrained);
    console.log(`original : ${fmt(before)}\nretrained: ${fmt(gold)}`);
    expect(before.forget.accuracy).toBeGreaterThan(0.8);

    const gdModel = copyOf(original, 20);
    const seen: UnlearnStepInfo[] = [];
    const result = await unlearn({ model: gdModel, forget, retain, objective: gradientDifference(), optimizer: adam({ learningRate: 3e-3 }), steps: 30, onStep: (s) => void seen.push(s) });
    expect(result.steps).toBe(30);
    expect(seen.map((s) => s.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(seen.every((s) => Number.isFinite(s.forgetLoss) && Number.isFinite(s.retainLoss))).toBe(true);
    const gd = metricsOf(gdModel);

    const ssdModel = copyOf(original, 30);
    // With 5 balanced classes I_f/I_D is at most about 5, so the paper's α = 10 selects nothing: α = 2, λ = 0.1 here.
    const ssd = selectiveSynapticDampening({ model: ssdModel, forget, data: all, alpha: 2, lambda: 0.1 });
    const afterSsd = metricsOf(ssdModel);
    console.log(`GD       : ${fmt(gd)}\nSSD      : ${fmt(afterSsd)} (dampened ${ssd.dampened}/${ssd.total})`);
    console.log('gap to retrained: GD', retrainGap(gd, gold), 'SSD', retrainGap(afterSsd, gold));

    for (const m of [gd, afterSsd]) {
      expect(m.forget.accuracy).toBeLessThan(0.1);
      expect(Math.abs(m.retain.accuracy - before.retain.accuracy)).toBeLessThanOrEqual(0.05);
      expect(Math.abs(m.mia! - 0.5)).toBeLessThan(Math.abs(before.mia! - 0.5));
    }
    expect(gold.forget.accuracy).toBe(0);
    gdModel.dispose();
    ssdModel.dispose();
  });
});

describe('unlearn() driver', () => {
  const code = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (e) {
      expect(e).toBeInstanceOf(LosskitError);
      return (e as LosskitError).code;
    }
    return 'no error';
  };
  const opt = () => adam({ learningRate: 1e-3 });

  it('bad input gives typed errors: empty forget set, mismatched reference weights, missing reference for NPO, missing retain set', async () => {
    const model = copyOf(original, 40);
    const empty = { x: tf.zeros([0, D]), y: tf.zeros([0], 'int32') };
    expect(await code(() => unlearn({ model, forget: empty, retain, objective: gradientDifference(), optimizer: opt(), steps: 1 }))).toBe('EMPTY_BATCH');
    const other = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [D], units: 16, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 41 }) }), tfl.layers.dense({ units: K, kernelInitializer: tfl.initializers.glorotUniform({ seed: 42 }) })] });
    expect(await code(() => unlearn({ model, forget, retain, objective: npo(), optimizer: opt(), steps: 1, reference: other }))).toBe('SHAPE_MISMATCH');
    expect(await code(() => unlearn({ model, forget, retain, objective: npo(), optimizer: opt(), steps: 1 }))).toBe('MISSING_INPUT');
    expect(await code(() => unlearn({ model, forget, objective: gradientDifference(), optimizer: opt(), steps: 1 }))).toBe('MISSING_INPUT');
    expect(await code(() => unlearn({ model, forget, retain, objective: gradientDifference(), optimizer: opt(), steps: 0 }))).toBe('INVALID_PARAMETER');
    expect(await code(() => unlearn({ model, forget, retain, objective: gradientDifference(), optimizer: opt(), steps: 1, surgery: 'pcgrad' as never }))).toBe('INVALID_PARAMETER');
    expect(await code(async () => selectiveSynapticDampening({ model: other, forget: empty, data: all }))).toBe('EMPTY_BATCH');
    empty.x.dispose();
    empty.y.dispose();
    other.dispose();
    model.dispose();
  });

  it('leaks no tensors across whole runs (NPO with the initial model as reference, both surgeries, SSD)', async () => {
    const model = copyOf(original, 50);
    await expectNoLeaksAsync(async () => {
      await unlearn({ model, forget, retain, objective: npo(), reference: 'initial', optimizer: opt(), steps: 5 });
      await unlearn({ model, forget, retain, objective: gradientDifference(), optimizer: opt(), steps: 5, surgery: 'conceptPreserving' });
      await unlearn({ model, forget, retain, objective: gradientDifference(), optimizer: opt(), steps: 5, surgery: 'unoS' });
      selectiveSynapticDampening({ model, forget, data: retain, alpha: 2, lambda: 0.1, batchSize: 8 });
      unlearningMetrics({ model, forget, retain, heldOut });
    }, 'unlearn');
    model.dispose();
  });

  it('stops on onStep returning false and on an aborted signal', async () => {
    const model = copyOf(original, 60);
    const r1 = await unlearn({ model, forget, retain, objective: gradientDifference(), optimizer: opt(), steps: 10, onStep: (s) => s.step < 3 });
    expect([r1.steps, r1.stopReason]).toEqual([3, 'callback']);
    const ctrl = new AbortController();
    ctrl.abort();
    const r2 = await unlearn({ model, forget, retain, objective: gradientDifference(), optimizer: opt(), steps: 10, signal: ctrl.signal });
    expect([r2.steps, r2.stopReason]).toEqual([0, 'aborted']);
    model.dispose();
  });
});
