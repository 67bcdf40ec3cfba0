// MixBag: the mixed bag's expected proportion and confidence interval against a float64 reference written from the
// authors' ci_loss_interval, the sampling rules of Dataset_Mixbag.sampling, and the confidence-interval loss against a
// float64 reference of ConfidentialIntervalLoss (softmax bag means, −α log(q + 1e-8)); gradient, ±1e4, ties, errors, leaks.
import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, f32, randomMatrix, softmax } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { confidenceIntervalLoss, mixBag } from '../src/index.js';
import { type M, suite } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

const Z = 2.5758293035489004; // scipy.stats.norm.isf(0.005)

function intervalRef(p1: number[], p2: number[], n1: number, n2: number, z: number) {
  const a = n1 / (n1 + n2);
  const b = n2 / (n1 + n2);
  const exp = p1.map((v, c) => a * v + b * p2[c]!);
  const area = p1.map((v, c) => a * z * Math.sqrt((v * (1 - v)) / n1) + b * z * Math.sqrt((p2[c]! * (1 - p2[c]!)) / n2));
  return { exp, lo: exp.map((v, c) => v - area[c]!), hi: exp.map((v, c) => v + area[c]!) };
}

describe('mixBag', () => {
  const first = { size: 10, proportion: [0.7, 0.2, 0.1] };
  const second = { size: 10, proportion: [0.1, 0.3, 0.6] };

  it('takes n₁ distinct instances of the first bag and k − n₁ of the second, and matches the reference interval', () => {
    for (let seed = 0; seed < 20; seed++) {
      const m = mixBag(first, second, { seed });
      const n1 = m.fromFirst.length;
      const n2 = m.fromSecond.length;
      expect(n1 + n2).toBe(10);
      expect(n1).toBeGreaterThanOrEqual(1);
      expect(n2).toBeGreaterThanOrEqual(1);
      expect(new Set(m.fromFirst).size).toBe(n1);
      expect(new Set(m.fromSecond).size).toBe(n2);
      expect([...m.fromFirst, ...m.fromSecond].every((i) => Number.isInteger(i) && i >= 0 && i < 10)).toBe(true);
      const ref = intervalRef(first.proportion, second.proportion, n1, n2, Z);
      ref.exp.forEach((v, c) => expect(Math.abs(m.proportion[c]! - v)).toBeLessThan(1e-12));
      ref.lo.forEach((v, c) => expect(Math.abs(m.lower[c]! - v)).toBeLessThan(1e-12));
      ref.hi.forEach((v, c) => expect(Math.abs(m.upper[c]! - v)).toBeLessThan(1e-12));
    }
  });

  it('uniform sampling reaches every n₁ in [1, k − 1]; half takes ⌊k/2⌋ from each; gauss stays in [1, k − 1]', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 300; seed++) seen.add(mixBag(first, second, { seed }).fromFirst.length);
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const half = mixBag({ size: 7, proportion: [1, 0] }, { size: 7, proportion: [0, 1] }, { sampling: 'half', seed: 1 });
    expect([half.fromFirst.length, half.fromSecond.length]).toEqual([3, 3]);
    for (let seed = 0; seed < 200; seed++) {
      const g = mixBag({ size: 3, proportion: [1, 0] }, { size: 3, proportion: [0, 1] }, { sampling: 'gauss', seed });
      expect(g.fromFirst.length).toBeGreaterThanOrEqual(1);
      expect(g.fromSecond.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('is reproducible from its seed; pure bags (proportions 0 or 1) have a zero-width interval', () => {
    expect(mixBag(first, second, { seed: 5 })).toEqual(mixBag(first, second, { seed: 5 }));
    const pure = mixBag({ size: 4, proportion: [1, 0] }, { size: 4, proportion: [0, 1] }, { seed: 2 });
    pure.lower.forEach((v, c) => expect(v).toBe(pure.upper[c]));
  });

  it('raises typed errors on bad bags and options', () => {
    expectCleanThrow(() => mixBag({ size: 4, proportion: [1, 0] }, { size: 5, proportion: [0, 1] }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => mixBag({ size: 4, proportion: [1, 0] }, { size: 4, proportion: [0, 0.5, 0.5] }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => mixBag({ size: 1, proportion: [1, 0] }, { size: 1, proportion: [0, 1] }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => mixBag({ size: 4, proportion: [0.7, 0.7] }, { size: 4, proportion: [0, 1] }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => mixBag({ size: 4, proportion: [1.5, -0.5] }, { size: 4, proportion: [0, 1] }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => mixBag({ size: 2.5, proportion: [1, 0] }, { size: 4, proportion: [0, 1] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => mixBag(null as never, { size: 4, proportion: [0, 1] }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => mixBag(first, second, { sampling: 'beta' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => mixBag(first, second, { z: 0 }), 'INVALID_PARAMETER');
  });
});

// ── the confidence-interval loss ─────────────────────────────────────────────
function ciRef(x: M, alpha: M, bags: number[], lo: M, hi: M): number {
  const ids = [...new Set(bags)];
  let total = 0;
  for (const b of ids) {
    const rows = bags.map((v, i) => (v === b ? i : -1)).filter((i) => i >= 0);
    const C = x[0]!.length;
    const pBar = Array.from({ length: C }, (_, c) => rows.reduce((a, i) => a + softmax(x[i]!)[c]!, 0) / rows.length);
    const a = alpha[rows[0]!]!;
    const l = lo[rows[0]!]!;
    const h = hi[rows[0]!]!;
    total += -pBar.reduce((s, p, c) => s + a[c]! * Math.log((p >= l[c]! && p <= h[c]! ? a[c]! : p) + 1e-8), 0);
  }
  return total / ids.length;
}

const bags = [0, 0, 0, 1, 1, 2];
const x = f32(randomMatrix(6, 3, 111, 1.2));
const alphaBag = [[0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0, 1, 0]];
const alpha = bags.map((b) => alphaBag[b]!);
// Bag 0: class 1 inside its interval, classes 0 and 2 outside; bag 1: wide interval on every class; bag 2: unmixed (−1).
const pBar0 = [0, 1, 2].map((c) => [0, 1, 2].reduce((a, i) => a + softmax(x[i]!)[c]!, 0) / 3);
const loBag = [[0.9, pBar0[1]! - 0.05, 0.9], [-1, -1, -1].map(() => 0), [-1, -1, -1]];
const hiBag = [[0.95, pBar0[1]! + 0.05, 0.95], [1, 1, 1], [-1, -1, -1]];
const lo = bags.map((b) => loBag[b]!);
const hi = bags.map((b) => hiBag[b]!);
suite({ name: 'confidenceIntervalLoss()', loss: compile(confidenceIntervalLoss()), yTrue: alpha, x, opts: { inputs: { bag: bags, lower: lo, upper: hi } }, ref: (m) => ciRef(m, alpha, bags, lo, hi) });
const unmixedLo = bags.map(() => [-1, -1, -1]);
suite({ name: 'confidenceIntervalLoss() with no interval is the proportion loss', loss: compile(confidenceIntervalLoss()), yTrue: alpha, x, opts: { inputs: { bag: bags, lower: unmixedLo, upper: unmixedLo } }, ref: (m) => ciRef(m, alpha, bags, unmixedLo, unmixedLo) });
// Ties: equal logits (p̄ uniform).
const tied = x.map((r) => r.map(() => 0.3));
suite({ name: 'confidenceIntervalLoss() at tied logits', loss: compile(confidenceIntervalLoss()), yTrue: alpha, x: tied, opts: { inputs: { bag: bags, lower: unmixedLo, upper: unmixedLo } }, ref: (m) => ciRef(m, alpha, bags, unmixedLo, unmixedLo), big: tied.map((r) => r.map(() => 1e4)) });

describe('confidenceIntervalLoss', () => {
  it('gives no gradient to a bag whose mean prediction lies inside its interval on every class', () => {
    const loss = compile(confidenceIntervalLoss());
    const { grad, value } = loss.valueAndGrad(alpha, x, { inputs: { bag: bags, lower: lo, upper: hi } });
    const g = grad.arraySync() as number[][];
    [3, 4].forEach((i) => g[i]!.forEach((v) => expect(Math.abs(v)).toBe(0)));
    [0, 1, 2, 5].forEach((i) => expect(g[i]!.some((v) => v !== 0)).toBe(true));
    tf.dispose([grad, value]);
  });

  it('uses mixBag’s interval end to end: a prediction equal to the expected proportion costs −Σ α log(α + 1e-8)', () => {
    const m = mixBag({ size: 2, proportion: [1, 0] }, { size: 2, proportion: [0.5, 0.5] }, { seed: 3 });
    const logp = m.proportion.map((p) => Math.log(p));
    const v = compile(confidenceIntervalLoss())([m.proportion, m.proportion], [logp, logp], { inputs: { bag: [0, 0], lower: [m.lower, m.lower], upper: [m.upper, m.upper] } });
    const want = -m.proportion.reduce((a, p) => a + p * Math.log(p + 1e-8), 0);
    expect(Math.abs(v.dataSync()[0]! - want)).toBeLessThan(1e-5);
    v.dispose();
  });

  it('raises typed errors without leaking', () => {
    const loss = compile(confidenceIntervalLoss());
    expect(expectCleanThrow(() => loss(alpha.map((r) => r.map((v) => v * 2)), x, { inputs: { bag: bags, lower: lo, upper: hi } }), 'INVALID_ARGUMENT').argument).toBe('yTrue');
    expectCleanThrow(() => loss(alpha, x, { inputs: { lower: lo, upper: hi } }), 'MISSING_INPUT');
    expectCleanThrow(() => loss(alpha, x, { inputs: { bag: bags, lower: lo.slice(1), upper: hi } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => loss(alpha, x, { inputs: { bag: bags, lower: [[NaN, 0, 0], ...lo.slice(1)], upper: hi } }), 'NON_FINITE_INPUT');
    expectCleanThrow(() => confidenceIntervalLoss({ bags: '1x' }), 'INVALID_PARAMETER');
  });

  it('leaks no tensors', () => {
    const loss = compile(confidenceIntervalLoss());
    expectNoLeaks(() => {
      for (let i = 0; i < 10; i++) {
        loss(alpha, x, { inputs: { bag: bags, lower: lo, upper: hi } }).dispose();
        const g = loss.valueAndGrad(alpha, x, { inputs: { bag: bags, lower: lo, upper: hi } });
        tf.dispose([g.value, g.grad]);
      }
    });
  });
});
