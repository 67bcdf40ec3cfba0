// EISL (Liu et al., "Don't Take It Literally: An Edit-Invariant Sequence Loss for Text Generation", NAACL 2022)
// against a float64 reference written from the authors' batch_log_EISL_cnn (guangyliu/EISL EISL.py, commit 61811fa):
// log-probs floored at −20, the n×n identity-kernel convolution / n, softmax over output positions (Gumbel noise
// optional), the sum over positions, the mean over target n-grams, equal weights, −Σ over the batch / B.
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { rng } from '@losskit/core/math';
import { checkGradient, expectCleanThrow, expectNoLeaks, logSoftmax, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { eisl } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

type T3 = number[][][];

interface RefOptions {
  readonly ngrams?: number[];
  readonly weights?: number[];
  readonly tau?: number;
  readonly seed?: number;
  readonly floor?: number;
}

/** Per-sequence EISL in float64. With `seed`, the Gumbel draws in the implementation's order (n, then b, i, j). */
function eislRef(x: T3, y: number[][], o: RefOptions = {}): number[] {
  const ngrams = o.ngrams ?? [1, 2];
  const weights = o.weights ?? ngrams.map(() => 1 / ngrams.length);
  const tau = o.tau ?? 1;
  const floor = o.floor ?? -20;
  const u = o.seed === undefined ? undefined : rng(o.seed);
  const out = x.map(() => 0);
  ngrams.forEach((n, k) => {
    x.forEach((seq, b) => {
      const lp = seq.map((row) => logSoftmax(row).map((v) => Math.max(v, floor)));
      const T = seq.length;
      const Tp = y[b]!.length;
      const m: number[][] = [];
      for (let i = 0; i + n <= T; i++) {
        m.push([]);
        for (let j = 0; j + n <= Tp; j++) {
          let s = 0;
          for (let q = 0; q < n; q++) s += lp[i + q]![y[b]![j + q]!]!;
          m[i]!.push(s / n);
        }
      }
      const I = m.length;
      const J = m[0]!.length;
      const g = m.map((r) => r.map(() => (u ? -Math.log(-Math.log(Math.min(Math.max(u(), 1e-12), 1 - 1e-7))) : 0)));
      let total = 0;
      for (let j = 0; j < J; j++) {
        const z = m.map((r, i) => (r[j]! + g[i]![j]!) / tau);
        const mx = Math.max(...z);
        const e = z.map((v) => Math.exp(v - mx));
        const Z = e.reduce((a, v) => a + v, 0);
        total += m.reduce((a, r, i) => a + (e[i]! / Z) * r[j]!, 0);
      }
      out[b]! -= weights[k]! * (total / J);
      void I;
    });
  });
  return out;
}

const B = 3;
const T = 5;
const V = 6;
const x: T3 = Array.from({ length: B }, (_, b) => randomMatrix(T, V, 100 + b, 2).map((r) => r.map(Math.fround)));
const y = [
  [1, 4, 2, 2, 0],
  [5, 3, 3, 1],
  [0, 1, 2, 3, 4],
].map((r) => r.slice(0, 4));
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('eisl', () => {
  it('matches the float64 reference with the plain position softmax (rel err <= 1e-5)', () => {
    const v = eisl(y, tf.tensor3d(x), { selection: 'softmax' });
    expect(Math.abs(v.dataSync()[0]! - mean(eislRef(x, y))) / Math.abs(mean(eislRef(x, y)))).toBeLessThan(1e-5);
    v.dispose();
  });

  it('matches the float64 reference with seeded Gumbel noise, n-grams 1–3 and weights, per sequence', () => {
    const o = { ngrams: [1, 2, 3], weights: [0.5, 0.3, 0.2], tau: 0.7, seed: 5 };
    const v = eisl(y, x, { ...o, reduction: 'none' });
    const want = eislRef(x, y, o);
    Array.from(v.dataSync()).forEach((g, b) => expect(Math.abs(g - want[b]!) / Math.abs(want[b]!)).toBeLessThan(1e-5));
    v.dispose();
  });

  it('passes a finite-difference gradient check against the reference (position weights carry gradient)', () => {
    const t = tf.tensor3d(x);
    const r = checkGradient((z) => eisl(y, z, { selection: 'softmax', ngrams: [1, 2, 3] }), t, {
      reference: (flat) => mean(eislRef(x.map((s, b) => s.map((row, i) => row.map((_, v) => flat[(b * T + i) * V + v]!))), y, { ngrams: [1, 2, 3] })),
    });
    t.dispose();
    expect(r.ok, `worst ${r.worst} at ${r.worstIndex}`).toBe(true);
  });

  it('with one n-gram as long as both sequences it is the mean token cross-entropy', () => {
    const yy = [[1, 4, 2, 2, 0], [5, 3, 3, 1, 1], [0, 1, 2, 3, 4]];
    const v = eisl(yy, x, { ngrams: [T], reduction: 'none', selection: 'softmax' });
    const ce = x.map((s, b) => mean(s.map((row, i) => -logSoftmax(row)[yy[b]![i]!]!)));
    Array.from(v.dataSync()).forEach((g, b) => expect(g).toBeCloseTo(ce[b]!, 5));
    v.dispose();
  });

  it('scores a target that is the prediction shifted by one token far below the literal cross-entropy', () => {
    // The model outputs tokens 1 2 3 4 confidently; the target is 9 1 2 3 (one token inserted in front).
    const conf = [1, 2, 3, 4].map((k) => Array.from({ length: 10 }, (_, v) => (v === k ? 8 : 0)));
    const target = [[9, 1, 2, 3]];
    const shifted = eisl(target, [conf], { selection: 'softmax', ngrams: [2] }).dataSync()[0]!;
    const literal = mean(conf.map((row, i) => -logSoftmax(row)[target[0]![i]!]!));
    expect(shifted).toBeLessThan(literal / 2);
  });

  it('is finite with a finite gradient for ±1e4 logits (log-probs floored at −20)', () => {
    const big = tf.tensor3d(x.map((s) => s.map((r) => r.map((v) => (v >= 0 ? 1e4 : -1e4)))));
    const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => eisl(y, z, { seed: 2 }) as tf.Scalar)(big);
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([big, value, grad]);
  });

  it('rejects bad labels, shapes and options with typed errors, cleanly', () => {
    expectCleanThrow(() => eisl([[1, 2, 9]], [x[0]!]), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => eisl([[1, 2.5, 0]], [x[0]!]), 'NON_INTEGER_LABEL');
    expectCleanThrow(() => eisl([[1, NaN, 0]], [x[0]!]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => eisl([1, 2, 0], [x[0]!]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => eisl(y, x[0]!), 'RANK_MISMATCH');
    expectCleanThrow(() => eisl(y, x, { ngrams: [5] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => eisl(y, x, { ngrams: [0] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => eisl(y, x, { weights: [1] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => eisl(y, x, { selection: 'max' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => eisl(y, x, { tau: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => eisl(y, x, { reduction: 'avg' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => eisl(y, x.map((s) => s.map((r) => r.map(() => Infinity)))), 'NON_FINITE_INPUT');
  });

  it('leaks no tensors (value and gradient)', () => {
    const t = tf.tensor3d(x);
    expectNoLeaks(() => {
      eisl(y, t, { seed: 1 }).dispose();
      tf.grad((z: tf.Tensor) => eisl(y, z, { seed: 1 }) as tf.Scalar)(t).dispose();
    });
    t.dispose();
  });
});
