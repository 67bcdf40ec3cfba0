// LAF (seed 268, "Label-Agnostic Forgetting: A Supervision-Free Unlearning in Deep Models"): the VAE loss, the
// extractor-unlearning reconstruction term and the alignment loss against float64 references written here; end to end
// on generated blobs without any label.
import { ce, compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectCleanThrowAsync, randomMatrix } from '@losskit/core/testing';
import { adam, train } from '@losskit/optimizers';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateSet, laf, lafAlignmentLoss, lafReconstructionTerm, lafVaeLoss, representationVae } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

type M = number[][];
const unflat = (v: ArrayLike<number>, r: number, c: number): M => Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => v[i * c + j]!));
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const vae64 = (recon: M, e: M, mu: M, lv: M, beta: number) =>
  mean(recon.map((r, i) => r.reduce((s, v, j) => s + (v - e[i]![j]!) ** 2, 0))) + beta * mean(mu.map((m, i) => -0.5 * m.reduce((s, v, k) => s + lv[i]![k]! + 1 - v * v - Math.exp(lv[i]![k]!), 0)));
const rec64 = (recon: M, e: M) =>
  recon.reduce((s, r, i) => {
    const m = r.reduce((t, v, j) => t + (v - e[i]![j]!) ** 2, 0);
    return s + Math.exp(m / (m + 1));
  }, 0);
const cos = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0) / (Math.hypot(...a) * Math.hypot(...b));
const align64 = (r: M, ro: M, f: M, fo: M, tau: number) => {
  const cf = f.map((x, j) => (1 - cos(x, fo[j]!)) / tau);
  const m = Math.max(...cf);
  const lse = m + Math.log(cf.reduce((s, v) => s + Math.exp(v - m), 0));
  return r.reduce((s, x, i) => s + (1 - cos(x, ro[i]!)) - lse, 0);
};

describe('LAF losses — Label-Agnostic Forgetting: A Supervision-Free Unlearning in Deep Models', () => {
  it('VAE loss equals mean Σ(ê − e)² + β·mean KL(N(μ, σ²) ‖ N(0, I)) in float64 (β = 0.025)', () => {
    const [r, e, mu, lv] = [randomMatrix(4, 3, 1), randomMatrix(4, 3, 2), randomMatrix(4, 2, 3), randomMatrix(4, 2, 4, 0.5)];
    const got = tf.tidy(() => lafVaeLoss(tf.tensor2d(r), tf.tensor2d(e), tf.tensor2d(mu), tf.tensor2d(lv), 0.025).dataSync()[0]!);
    expect(Math.abs(got - vae64(r, e, mu, lv, 0.025)) / vae64(r, e, mu, lv, 0.025)).toBeLessThan(1e-5);
  });
  it('reconstruction term equals Σ exp(m/(m + 1)) in float64; gradient matches central differences', () => {
    const [r, e] = [randomMatrix(5, 3, 5), randomMatrix(5, 3, 6)];
    const got = tf.tidy(() => lafReconstructionTerm(tf.tensor2d(r), tf.tensor2d(e)).dataSync()[0]!);
    expect(Math.abs(got - rec64(r, e)) / rec64(r, e)).toBeLessThan(1e-5);
    const et = tf.tensor2d(e);
    const x = tf.tensor2d(r);
    expect(checkGradient((t) => lafReconstructionTerm(t, et), x, { reference: (f) => rec64(unflat(f, 5, 3), e) }).ok).toBe(true);
    tf.dispose([et, x]);
  });
  it('alignment loss equals Σ_i (1 − cos_i) − N_r·log Σ_j exp((1 − cos_j)/τ) in float64 (τ = 0.5); gradients in both batches match', () => {
    const [r, ro, f, fo] = [randomMatrix(3, 4, 7), randomMatrix(3, 4, 8), randomMatrix(5, 4, 9), randomMatrix(5, 4, 10)];
    const got = tf.tidy(() => lafAlignmentLoss(tf.tensor2d(r), tf.tensor2d(ro), tf.tensor2d(f), tf.tensor2d(fo), 0.5).dataSync()[0]!);
    expect(Math.abs(got - align64(r, ro, f, fo, 0.5))).toBeLessThan(1e-5 * Math.max(1, Math.abs(align64(r, ro, f, fo, 0.5))));
    const [ROt, Ft, FOt, Rt] = [tf.tensor2d(ro), tf.tensor2d(f), tf.tensor2d(fo), tf.tensor2d(r)];
    expect(checkGradient((t) => lafAlignmentLoss(t, ROt, Ft, FOt, 0.5), Rt, { reference: (v) => align64(unflat(v, 3, 4), ro, f, fo, 0.5) }).ok).toBe(true);
    expect(checkGradient((t) => lafAlignmentLoss(Rt, ROt, t, FOt, 0.5), Ft, { reference: (v) => align64(r, ro, unflat(v, 5, 4), fo, 0.5) }).ok).toBe(true);
    tf.dispose([ROt, Ft, FOt, Rt]);
  });
  it('representationVae: build, run and dispose leave tf.memory().numTensors unchanged (fuzz found the initial weight tensors leaking)', () => {
    const before = tf.memory().numTensors;
    const vae = representationVae(3, { latent: 2, seed: 1 });
    const e = tf.zeros([2, 3]);
    tf.dispose(Object.values(vae.run(e, true)));
    e.dispose();
    vae.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
  it('bad input: mismatched shapes (SHAPE_MISMATCH), τ = 0 and β < 0 (INVALID_PARAMETER), wrong VAE width — no leaks', () => {
    const [a, b, c] = [tf.zeros([3, 2]), tf.zeros([3, 4]), tf.zeros([2])];
    expectCleanThrow(() => lafReconstructionTerm(a, b), 'SHAPE_MISMATCH');
    expectCleanThrow(() => lafReconstructionTerm(c, c), 'SHAPE_MISMATCH');
    expectCleanThrow(() => lafAlignmentLoss(a, a, a, a, 0), 'INVALID_PARAMETER');
    expectCleanThrow(() => lafVaeLoss(a, a, a, a, -1), 'INVALID_PARAMETER');
    const vae = representationVae(2, { seed: 1 });
    expectCleanThrow(() => vae.run(b, false), 'SHAPE_MISMATCH');
    vae.dispose();
    tf.dispose([a, b, c]);
  });
});

function blobs(n: number, seed: number, classes: number[], spread = 0.6) {
  const r = tf.randomNormal([n, 6], 0, spread, 'float32', seed);
  const y = Array.from({ length: n }, (_, i) => classes[i % classes.length]!);
  const centers = tf.tensor2d(Array.from({ length: 4 }, (_, c) => Array.from({ length: 6 }, (_, j) => (j === c ? 2 : j === (c + 1) % 6 ? -1 : 0))));
  const x = tf.add(r, tf.gather(centers, tf.tensor1d(y, 'int32')));
  tf.dispose([r, centers]);
  return { x, y: tf.tensor1d(y, 'int32') };
}
const glorot = (seed: number) => tfl.initializers.glorotUniform({ seed });

describe('LAF end to end — Label-Agnostic Forgetting: A Supervision-Free Unlearning in Deep Models', () => {
  it('forget accuracy falls and remaining accuracy stays, reading no label (4 blobs, MLP 6-32-16-4, forget class 0)', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 32, activation: 'relu', kernelInitializer: glorot(1) }), tfl.layers.dense({ units: 16, activation: 'relu', kernelInitializer: glorot(2) }), tfl.layers.dense({ units: 4, kernelInitializer: glorot(3) })] });
    const all = blobs(400, 1, [0, 1, 2, 3]);
    await train({ model, loss: compile(ce()), optimizer: adam({ learningRate: 2e-2 }), data: all, steps: 150, batchSize: 64 });
    const forget = blobs(60, 2, [0]);
    const retain = blobs(180, 3, [1, 2, 3]);
    const testF = blobs(40, 4, [0]);
    const testR = blobs(120, 5, [1, 2, 3]);
    const before = [evaluateSet(model, forget).accuracy, evaluateSet(model, retain).accuracy, evaluateSet(model, testF).accuracy, evaluateSet(model, testR).accuracy];
    const res = await laf({ model, forget: forget.x, retain: retain.x, layer: 1, seed: 1, learningRates: { extractor: 1e-2 }, rounds: 10 });
    const after = [evaluateSet(model, forget).accuracy, evaluateSet(model, retain).accuracy, evaluateSet(model, testF).accuracy, evaluateSet(model, testR).accuracy];
    // eslint-disable-next-line no-console
    console.log(`LAF: forget ${before[0]} → ${after[0]}, remaining ${before[1]} → ${after[1]}, forget-class test ${before[2]} → ${after[2]}, other test ${before[3]} → ${after[3]}; ${JSON.stringify(res)}`);
    expect(before[0]).toBeGreaterThan(0.9);
    expect(after[0]).toBeLessThan(0.5 * before[0]!);
    expect(after[1]).toBeGreaterThan(0.9);
    expect(after[3]).toBeGreaterThan(0.9);
    tf.dispose([all.x, all.y, forget.x, forget.y, retain.x, retain.y, testF.x, testF.y, testR.x, testR.y]);
    model.dispose();
  }, 300000);
  it('bad input: no head after the layer (INVALID_PARAMETER), a non-matrix forget set (SHAPE_MISMATCH) — no leaks', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 3, kernelInitializer: glorot(1) }), tfl.layers.dense({ units: 2, kernelInitializer: glorot(2) })] });
    const [x, v] = [tf.zeros([4, 2]), tf.zeros([4])];
    await expectCleanThrowAsync(() => laf({ model, forget: x, retain: x, layer: 1 }), 'INVALID_PARAMETER');
    await expectCleanThrowAsync(() => laf({ model, forget: v, retain: x, layer: 0 }), 'SHAPE_MISMATCH');
    tf.dispose([x, v]);
    model.dispose();
  });
});
