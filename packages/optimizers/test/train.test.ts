import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ce, compile, linearCrossEntropy, ready } from '@losskit/core';
import { rng } from '@losskit/core/testing';
import { adam, momo, sam, sgd, train, warmupCosineDecay, type GradientTransformation, type Params, type StepInfo } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

/** Two interleaving half circles (sklearn's make_moons) with Gaussian noise σ. */
function twoMoons(n: number, noise: number, seed: number): { x: number[][]; y: number[] } {
  const u = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(u(), 1e-300))) * Math.cos(2 * Math.PI * u());
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const t = Math.PI * u();
    const px = c === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const py = c === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    x.push([px + noise * gauss(), py + noise * gauss()]);
    y.push(c);
  }
  return { x, y };
}

function mlp(seed: number): tfl.Sequential {
  const init = (s: number) => tfl.initializers.glorotUniform({ seed: s });
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [2], units: 16, activation: 'tanh', kernelInitializer: init(seed) }),
      tfl.layers.dense({ units: 16, activation: 'tanh', kernelInitializer: init(seed + 1) }),
      tfl.layers.dense({ units: 2, kernelInitializer: init(seed + 2) }),
    ],
  });
}

function accuracy(model: tfl.Sequential, x: tf.Tensor, y: number[]): number {
  const pred = tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, -1));
  const p = pred.dataSync();
  pred.dispose();
  return y.filter((yi, i) => p[i] === yi).length / y.length;
}

describe('train() on a tfjs-layers MLP, two moons', () => {
  const data = twoMoons(400, 0.1, 3);
  const test = twoMoons(400, 0.1, 99);

  it('adam with a warmup-cosine schedule reaches >= 95% test accuracy in 300 steps, reporting progress and leaking nothing', async () => {
    const model = mlp(1);
    const x = tf.tensor2d(data.x);
    const y = tf.tensor1d(data.y, 'int32');
    const xt = tf.tensor2d(test.x);
    const infos: StepInfo[] = [];
    const before = tf.memory().numTensors;
    const r = await train({
      model,
      loss: compile(ce()),
      optimizer: adam({ learningRate: warmupCosineDecay({ peak: 0.03, warmupSteps: 20, decaySteps: 300, end: 1e-3 }) }),
      data: { x, y },
      steps: 300,
      batchSize: 64,
      progress: false,
      onStep: (i) => {
        infos.push(i);
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.stopReason).toBe('completed');
    expect(r.steps).toBe(300);
    expect(infos.length).toBe(300);
    expect(infos[0]!.learningRate).toBe(0);
    expect(infos[20]!.learningRate).toBeCloseTo(0.03, 10);
    expect(infos.every((i, k) => i.step === k + 1 && i.elapsedMs >= 0 && Number.isFinite(i.loss))).toBe(true);
    const acc = accuracy(model, xt, test.y);
    expect(acc).toBeGreaterThanOrEqual(0.95);
    expect(r.losses.slice(-20).reduce((a, b) => a + b, 0) / 20).toBeLessThan(r.losses.slice(0, 20).reduce((a, b) => a + b, 0) / 20);
    [x, y, xt].forEach((t) => t.dispose());
    model.dispose();
  }, 60_000);

  it('sam and momo train the model through the loss closure / loss value (>= 95%)', async () => {
    const optimizers: GradientTransformation<any>[] = [sam(adam({ learningRate: 0.02 }), { rho: 0.02 }), momo({ learningRate: 1 })];
    for (const optimizer of optimizers) {
      const model = mlp(5);
      const r = await train({ model, loss: compile(ce()), optimizer, data: data, epochs: 40, batchSize: 64, progress: false });
      expect(r.steps).toBe(40 * 7);
      const xt = tf.tensor2d(test.x);
      expect(accuracy(model, xt, test.y)).toBeGreaterThanOrEqual(0.95);
      xt.dispose();
      model.dispose();
    }
  }, 60_000);

  it('early stop, callback stop and AbortSignal', async () => {
    const w = tf.variable(tf.zeros([2, 2]));
    const params: Params = { w };
    const forward = (p: Params, xb: tf.Tensor) => tf.matMul(xb as tf.Tensor2D, p.w as tf.Tensor2D);
    const loss = compile(ce());
    const early = await train({ params, forward, loss, optimizer: sgd({ learningRate: 0 }), data, steps: 500, earlyStop: { patience: 10 }, progress: false });
    expect(early.stopReason).toBe('earlyStop');
    expect(early.steps).toBeLessThan(500);
    const cb = await train({ params, forward, loss, optimizer: sgd(), data, steps: 500, onStep: (i) => i.step < 7, progress: false });
    expect(cb.stopReason).toBe('callback');
    expect(cb.steps).toBe(7);
    const ctl = new AbortController();
    const ab = await train({ params, forward, loss, optimizer: sgd(), data, steps: 500, signal: ctl.signal, onStep: (i) => void (i.step === 3 && ctl.abort()), progress: false });
    expect(ab.stopReason).toBe('aborted');
    expect(ab.steps).toBe(3);
    w.dispose();
  });

  it('plain-tensor params come back as new tensors; intermediate ones are disposed', async () => {
    const w0 = tf.zeros([2, 2]);
    const before = tf.memory().numTensors;
    const r = await train({ params: { w: w0 }, forward: (p, xb) => tf.matMul(xb as tf.Tensor2D, p.w as tf.Tensor2D), loss: compile(ce()), optimizer: adam({ learningRate: 0.05 }), data, steps: 50, progress: false });
    expect(r.params.w).not.toBe(w0);
    expect(w0.isDisposed).toBe(false);
    expect(tf.memory().numTensors).toBe(before + 1);
    r.params.w!.dispose();
    w0.dispose();
  });

  it("StepInfo.epoch is the 0-based epoch index (Keras' on_epoch_end convention), as its TSDoc and the README say", async () => {
    // N = 10 rows, batch 4: ⌈10/4⌉ = 3 steps per epoch.
    const x = tf.tensor2d(Array.from({ length: 10 }, (_, i) => [i / 10, 1 - i / 10]));
    const y = tf.tensor1d(Array.from({ length: 10 }, (_, i) => i % 2), 'int32');
    const w = tf.variable(tf.zeros([2, 2]));
    const run = async (o: { steps?: number; epochs?: number }) => {
      const seen: StepInfo[] = [];
      await train({ params: { w }, forward: (q, xb) => tf.matMul(xb as tf.Tensor2D, q.w as tf.Tensor2D), loss: compile(ce()), optimizer: sgd(), data: { x, y }, batchSize: 4, progress: false, onStep: (i) => void seen.push(i), ...o });
      return seen;
    };
    const twoEpochs = await run({ epochs: 2 });
    expect(twoEpochs.map((i) => [i.step, i.epoch])).toEqual([[1, 0], [2, 0], [3, 0], [4, 1], [5, 1], [6, 1]]);
    expect((await run({ steps: 7 })).map((i) => i.epoch)).toEqual([0, 0, 0, 1, 1, 1, 2]);
    const doc = readFileSync(new URL('../src/train.ts', import.meta.url), 'utf8');
    expect(doc).toMatch(/0-based index of the epoch/);
    expect(readFileSync(new URL('../README.md', import.meta.url), 'utf8')).toMatch(/`epoch` is 0-based/);
    [x, y, w].forEach((t) => t.dispose());
  });
});

describe('train() with a fused output layer (linearCrossEntropy), the pattern of the core README', () => {
  it('20 SGD steps of a tanh MLP whose output weight W goes through linearCrossEntropy follow the dense run (tf.matMul + compile(ce())) to 1e-5, lower the loss and leak no tensor', async () => {
    const { x, y } = twoMoons(96, 0.1, 3);
    const data = { x, y };
    const init = () => ({
      W1: tf.randomNormal([2, 8], 0, 0.8, 'float32', 11),
      W: tf.randomNormal([8, 2], 0, 0.5, 'float32', 12),
    });
    const hiddenOf = (p: Params, xb: tf.Tensor) => tf.tanh(tf.matMul(xb as tf.Tensor2D, p.W1 as tf.Tensor2D)) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const opts = { optimizer: sgd({ learningRate: 0.5 }), data, steps: 20, batchSize: 32, shuffle: false, progress: false } as const;
    const denseCe = compile(ce());
    const p0 = init();
    const p1 = init();
    const dense = await train({ ...opts, params: p0, forward: (p, xb) => tf.matMul(hiddenOf(p, xb), p.W as tf.Tensor2D), loss: denseCe });
    // The README's pattern: forward returns the hidden state and hands the (differentiable) W to the loss.
    let W: tf.Tensor2D | undefined;
    const fused = await train({
      ...opts,
      params: p1,
      forward: (p, xb) => {
        W = p.W as tf.Tensor2D;
        return hiddenOf(p, xb);
      },
      loss: (yb, h) => linearCrossEntropy(h as tf.Tensor2D, W!, yb),
    });
    expect(fused.losses.length).toBe(20);
    fused.losses.forEach((l, i) => expect(Math.abs(l - dense.losses[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(dense.losses[i]!))));
    for (const k of ['W1', 'W']) {
      const a = fused.params[k]!.dataSync();
      const b = dense.params[k]!.dataSync();
      let worst = 0;
      for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      expect(worst, k).toBeLessThan(1e-5);
    }
    expect(fused.losses[19]!).toBeLessThan(fused.losses[0]! * 0.9);
    tf.dispose([...Object.values(dense.params), ...Object.values(fused.params), ...Object.values(p0), ...Object.values(p1)]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
