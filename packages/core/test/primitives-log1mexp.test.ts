import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LosskitError, compile, log1mexp, log1mexpTensor, log1pAccurate, logProb, ready } from '../src/index.js';
import { checkGradient, expectNoLeaks, f32, logSoftmax, randomLabels, randomMatrix } from '../src/testing/index.js';

beforeAll(async () => {
  await ready();
});

// Float64 reference (Mächler 2012): log(−expm1(x)) near 0, log1p(−e^x) below −ln 2 (double loses digits otherwise).
const ref = (x: number) => (x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x)));

describe('log1mexp', () => {
  it('is accurate on both ends (rel err <= 1e-5), including where naive float32 fails', () => {
    const xs = [-1e-7, -1e-4, -0.1, -0.69, -0.7, -2, -10, -17, -30, -80];
    const got = tf.tidy(() => Array.from(log1mexpTensor(tf.tensor1d(xs)).dataSync()));
    xs.forEach((x, i) => expect(Math.abs(got[i]! - ref(Math.fround(x))) / Math.abs(ref(Math.fround(x))), `x = ${x}: ${got[i]} vs ${ref(x)}`).toBeLessThan(1e-5));
  });
  it('log1pAccurate is accurate for tiny arguments', () => {
    const us = [-1e-9, 1e-8, -3e-4, 0.5];
    const got = tf.tidy(() => Array.from(log1pAccurate(tf.tensor1d(us)).dataSync()));
    us.forEach((u, i) => expect(Math.abs(got[i]! - Math.log1p(u)) / Math.abs(Math.log1p(u))).toBeLessThan(1e-5));
  });
  it('as an expression: −log(1 − p_y) matches the reference with a finite-difference gradient check', () => {
    const z = f32(randomMatrix(5, 4, 3, 1.5));
    const y = randomLabels(5, 4, 4);
    const loss = compile(log1mexp(logProb().target()).neg());
    const r0 = (m: number[][]) => m.reduce((s, row, i) => s - ref(logSoftmax(row)[y[i]!]!), 0) / m.length;
    const v = loss(y, z);
    expect(Math.abs(v.dataSync()[0]! - r0(z)) / r0(z)).toBeLessThan(1e-5);
    v.dispose();
    const x = tf.tensor2d(z);
    const r = checkGradient((t) => loss(y, t), x, { reference: (flat) => r0(z.map((_, i) => Array.from(flat.slice(i * 4, i * 4 + 4)))) });
    x.dispose();
    expect(r.ok, `worst ${r.worst}`).toBe(true);
  });
  it('gives finite gradients far from 0 (−1e4) and does not leak', () => {
    const x = tf.tensor1d([-1e4, -50, -1]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(log1mexpTensor(t)))(x);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    g.dispose();
    expectNoLeaks(() => {
      for (let i = 0; i < 50; i++) log1mexpTensor(x).dispose();
    });
    x.dispose();
  });
  it('rejects a non-expression argument at build time with INVALID_ARGUMENT naming x', () => {
    for (const bad of [undefined, 3, 'logit']) {
      let err: unknown;
      try {
        log1mexp(bad as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LosskitError);
      expect((err as LosskitError).code).toBe('INVALID_ARGUMENT');
      expect((err as LosskitError).argument).toBe('x');
    }
  });
});
