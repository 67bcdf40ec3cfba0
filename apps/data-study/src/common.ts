// Shared by the two studies: the digits split, the MLP, seeded training through @losskit/data's fitModel, and a
// README block writer.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fitModel } from '@losskit/data';
import { loadDigits, splitDigits } from '@losskit/datasets';

export const here = join(dirname(fileURLToPath(import.meta.url)), '..');
export const root = join(here, '..', '..');

export const data = loadDigits();
export const split = splitDigits(data);
export const rows = (idx: readonly number[]) => idx.map((i) => data.images[i]!);
export const labs = (idx: readonly number[]) => idx.map((i) => data.labels[i]!);

/** MLP 64 → 128 (ReLU) → 10 logits, Glorot-uniform weights seeded per run (as the calibration study). */
export function mlp(seed: number): tfl.LayersModel {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: 1000 * seed + k });
  return tfl.sequential({
    layers: [tfl.layers.dense({ units: 128, activation: 'relu', inputShape: [64], kernelInitializer: init(1) }), tfl.layers.dense({ units: 10, kernelInitializer: init(2) })],
  });
}

/** Trains a fresh MLP on the given rows with Adam(1e-3), batch 64; returns the model. */
export function train(x: number[][], y: number[], seed: number, epochs: number): tfl.LayersModel {
  const model = mlp(seed);
  const xt = tf.tensor2d(x);
  const yt = tf.tensor1d(y, 'int32');
  const opt = tf.train.adam(1e-3);
  fitModel(model, opt, xt, yt, { epochs, batchSize: 64, seed });
  opt.dispose();
  xt.dispose();
  yt.dispose();
  return model;
}

export const logitsOf = (model: tfl.LayersModel, x: number[][]): number[][] =>
  tf.tidy(() => (model.predict(tf.tensor2d(x)) as tf.Tensor2D).arraySync());

export const argmax = (r: readonly number[]) => r.reduce((b, v, j) => (v > r[b]! ? j : b), 0);

export function stat(v: readonly number[]): { m: number; sd: number } {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return { m, sd };
}
export const pm = (v: readonly number[], scale = 100, digits = 1) => {
  const { m, sd } = stat(v.map((x) => x * scale));
  return `${m.toFixed(digits)} ± ${sd.toFixed(digits)}`;
};

/** Replaces the block between `<!-- name:begin -->` and `<!-- name:end -->` of a README (appends it when absent). */
export function writeBlock(file: string, name: string, body: string): void {
  const text = readFileSync(file, 'utf8');
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${body}\n${end}`;
  writeFileSync(file, text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${text.trimEnd()}\n\n${block}\n`);
}
