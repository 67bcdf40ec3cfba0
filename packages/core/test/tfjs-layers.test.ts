import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ce, compile, ready, square } from '../src/index.js';
import { rng } from '../src/testing/index.js';

beforeAll(async () => {
  await ready();
});

/** Three Gaussian blobs in 2-D, one-hot targets. */
function blobs(n: number, seed: number) {
  const u = rng(seed);
  const centers = [
    [-2, 0],
    [2, 0],
    [0, 2.5],
  ];
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    const g = () => Math.sqrt(-2 * Math.log(Math.max(u(), 1e-12))) * Math.cos(2 * Math.PI * u());
    xs.push([centers[k]![0]! + 0.6 * g(), centers[k]![1]! + 0.6 * g()]);
    ys.push([0, 1, 2].map((j) => (j === k ? 1 : 0)));
  }
  return { x: tf.tensor2d(xs), y: tf.tensor2d(ys) };
}

describe('a tfjs-layers model trains with a compiled DSL loss', () => {
  it('model.compile({ loss: compile(squentropy) }) makes the loss fall and leaks nothing', async () => {
    const { x, y } = blobs(300, 7);
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 16, activation: 'relu', inputShape: [2], kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }), tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) })],
    });
    const loss = compile(ce().plus(square().incorrect()));
    model.compile({ optimizer: tf.train.adam(0.05), loss: loss as never });
    // The first epoch creates Adam's slot variables (model state, not a leak); count from there.
    const first = await model.fit(x, y, { epochs: 1, batchSize: 50, shuffle: false, verbose: 0 });
    const before = tf.memory().numTensors;
    const history = await model.fit(x, y, { epochs: 15, batchSize: 50, shuffle: false, verbose: 0 });
    const losses = [...(first.history.loss as number[]), ...(history.history.loss as number[])];
    expect(tf.memory().numTensors).toBe(before);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);
    // Accuracy of the trained model on the training blobs (separable): well above chance.
    const acc = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.predict(x) as tf.Tensor, -1), tf.argMax(y, -1)), 'float32')).dataSync()[0]!);
    expect(acc).toBeGreaterThan(0.9);
    model.dispose();
    tf.dispose([x, y]);
  });

  it('model.fit with integer labels works as documented: tf.oneHot(labels, C) targets train; [B] labels get tfjs-layers\' target-shape error', async () => {
    const { x, y } = blobs(120, 3);
    const labels = tf.argMax(y, -1);
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2], kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) })] });
    model.compile({ optimizer: tf.train.sgd(0.5), loss: compile(ce()) as never });
    await expect(model.fit(x, labels, { epochs: 1, verbose: 0 })).rejects.toThrow('target expected a batch of elements where each example has shape [3]');
    const targets = tf.oneHot(labels as tf.Tensor1D, 3);
    const h = await model.fit(x, targets, { epochs: 5, batchSize: 40, shuffle: false, verbose: 0 });
    const l = h.history.loss as number[];
    expect(l.at(-1)!).toBeLessThan(l[0]!);
    model.dispose();
    tf.dispose([x, y, labels, targets]);
  });
});
