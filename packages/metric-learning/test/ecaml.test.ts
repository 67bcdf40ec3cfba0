import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog, energyConfusion, multiSimilarity } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// Float64 reference written from ECAML's energy-confusion layer (Chen & Deng 2019; chenbinghui1/ECAML
// src/energy_confusion.cpp at decf048), over every cross-class pair: E = (1/|N|) Σ_{i<j, y_i≠y_j} ½‖x_i − x_j‖², loss log E.
function ecRef(x: number[][], y: number[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      if (y[i] === y[j]) continue;
      sum += 0.5 * x[i]!.reduce((s, v, k) => s + (v - x[j]![k]!) ** 2, 0);
      n++;
    }
  }
  return n === 0 ? 0 : Math.log(sum / n);
}

const X = f32(randomMatrix(7, 3, 41));
const Y = [0, 0, 1, 1, 2, 2, 2];
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-3);

describe('energyConfusion (ECAML energy-confusion regularizer)', () => {
  const loss = compile(energyConfusion(), { from: 'embeddings' });

  it('matches the float64 reference at 1e-5', () => {
    const v = loss(Y, X);
    expect(rel(v.dataSync()[0]!, ecRef(X, Y))).toBeLessThan(1e-5);
    v.dispose();
  });

  it('is exact for rows shifted by 1e4 and scaled by 1e30 and 1e-30 (log E moves by 2 log s)', () => {
    for (const [shift, scale] of [[1e4, 1], [0, 1e30], [0, 1e-30]] as const) {
      const x = X.map((r) => r.map((v) => (v + shift) * scale));
      const want = ecRef(X, Y) + 2 * Math.log(scale);
      const v = loss(Y, x);
      expect(Math.abs(v.dataSync()[0]! - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)) + (shift ? 1e-3 : 0));
      v.dispose();
    }
  });

  it('is 0 for a batch of one class, and finite (log of the 1e-30 floor) when all cross-class pairs coincide', () => {
    const v = loss([1, 1, 1], X.slice(0, 3));
    expect(v.dataSync()[0]).toBe(0);
    const same = loss([0, 1, 2], [[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    expect(same.dataSync()[0]).toBeCloseTo(Math.log(1e-30), 3);
    tf.dispose([v, same]);
  });

  it('its gradient matches central differences of the float64 reference', () => {
    const x = tf.tensor2d(X);
    const res = checkGradient((t) => loss(Y, t), x, { reference: (a) => ecRef(Array.from({ length: 7 }, (_, r) => Array.from(a.slice(r * 3, r * 3 + 3))), Y) });
    expect(res.ok, `worst ${res.worst} at ${res.worstIndex}`).toBe(true);
    x.dispose();
  });

  it('composes with a metric loss (multi-similarity + 0.13·EC) and the sum equals the two parts', () => {
    const both = compile(multiSimilarity().plus(energyConfusion().scale(0.13)), { from: 'embeddings' })(Y, X);
    const ms = compile(multiSimilarity(), { from: 'embeddings' })(Y, X);
    expect(rel(both.dataSync()[0]!, ms.dataSync()[0]! + 0.13 * ecRef(X, Y))).toBeLessThan(1e-5);
    tf.dispose([both, ms]);
  });

  it('frees its intermediates; bad input throws typed errors without leaking', () => {
    const before = tf.memory().numTensors;
    const v = loss(Y, X);
    expect(tf.memory().numTensors).toBe(before + 1);
    v.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(expectCleanThrow(() => loss(Y.slice(1), X), 'SHAPE_MISMATCH').argument).toBe('yTrue');
    expect(expectCleanThrow(() => loss(Y, X.map((r, i) => (i === 2 ? [Number.NaN, 0, 0] : r))), 'NON_FINITE_INPUT').argument).toBe('yPred');
    expect(expectCleanThrow(() => loss([0.5, 0, 1, 1, 2, 2, 2], X), 'NON_INTEGER_LABEL').argument).toBe('yTrue');
  });

  it('has a catalog entry citing the paper title', () => {
    expect(catalog.find((e) => e.export === 'energyConfusion')?.paper?.title).toBe('Energy Confused Adversarial Metric Learning for Zero-Shot Image Retrieval and Clustering');
  });
});
