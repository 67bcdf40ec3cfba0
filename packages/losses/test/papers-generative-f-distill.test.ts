// f-distill (Xu, Nie, Vahdat, "One-step Diffusion Models with f-Divergence Distribution Matching", 2025) against
// float64 references written from NVlabs/FastGen (commit 34f30e8): _get_f_div_weighting_h (clamps, time-bin EMA
// normalization, weighting table, mean normalization) and variational_score_distillation_loss(additional_scale=h).
import { compile, ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { fDistill, fDistillDivergences, fDistillWeights } from '../src/index.js';
import { type M, suite } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

// FastGen's table, written out (r → h).
const TABLE: Record<string, (r: number) => number> = {
  reverseKl: () => 1,
  forwardKl: (r) => r,
  jensenShannon: (r) => 1 - 1 / (1 + r),
  softenedReverseKl: (r) => 1 / (1 + r),
  neyman: (r) => 1 / Math.max(r, 1e-8),
  squaredHellinger: (r) => r ** 0.5,
  jeffreys: (r) => 1 + r,
};

function weightsRef(logits: M, div: string, lo = 0.1, hi = 20): number[] {
  const r = logits.map((row) => Math.min(Math.max(Math.exp(Math.min(Math.max(row.reduce((a, b) => a + b, 0) / row.length, -10), 10)), lo), hi));
  const h = r.map(TABLE[div]!);
  const m = h.reduce((a, b) => a + b, 0) / h.length;
  return h.map((v) => v / (m + 1e-6));
}

describe('fDistillWeights', () => {
  const logits = [[1.5, 0.5], [-0.3, -0.9], [12, 14], [-11, -13], [0.2, 0.1]];
  for (const div of Object.keys(TABLE)) {
    it(`${div}: clamps the ratio, applies h and normalizes by the mean (FastGen's table)`, () => {
      const got = fDistillWeights(logits, { divergence: div as never }).weights;
      weightsRef(logits, div).forEach((w, i) => expect(got[i]).toBeCloseTo(w, 10));
    });
  }

  it('the exported table is FastGen’s', () => {
    for (const [k, h] of Object.entries(TABLE)) for (const r of [0.1, 0.7, 1, 3.5, 20]) expect(fDistillDivergences[k as keyof typeof fDistillDivergences](r)).toBeCloseTo(h(r), 12);
  });

  it('normalizes the ratio by the EMA of its time bin and returns the bins as state', () => {
    const d = [[0.5], [1.0], [-0.2], [2.0]];
    const times = [0.05, 0.07, 0.55, 0.95];
    const prev = [1, 1, 1, 1, 1, 2, 1, 1, 1, 3];
    const { ratios, state } = fDistillWeights(d, { divergence: 'forwardKl', times, timeRange: [0, 1], bins: 10, emaRate: 0.5, state: prev });
    const r = d.map((x) => Math.exp(x[0]!));
    // bins 0 (two samples), 5 and 9: bin ← 0.5·old + 0.5·(sum / (count + 1e-6)).
    const b0 = 0.5 * 1 + 0.5 * ((r[0]! + r[1]!) / (2 + 1e-6));
    const b5 = 0.5 * 2 + 0.5 * (r[2]! / (1 + 1e-6));
    const b9 = 0.5 * 3 + 0.5 * (r[3]! / (1 + 1e-6));
    expect(state).toEqual(prev.map((v, b) => (b === 0 ? b0 : b === 5 ? b5 : b === 9 ? b9 : v)).map((v) => expect.closeTo(v, 12)));
    expect(ratios[0]).toBeCloseTo(r[0]! / (b0 + 1e-6), 12);
    expect(ratios[2]).toBeCloseTo(r[2]! / (b5 + 1e-6), 12);
  });

  it('rejects unknown divergences, bad ranges, times and states with typed errors, cleanly', () => {
    expectCleanThrow(() => fDistillWeights([0.1], { divergence: 'hellinger' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => fDistillWeights([0.1], { ratioLower: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => fDistillWeights([0.1], { ratioLower: 2, ratioUpper: 1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => fDistillWeights([NaN]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => fDistillWeights([]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => fDistillWeights([0.1, 0.2], { times: [0.1], timeRange: [0, 1] }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => fDistillWeights([0.1], { times: [0.1], timeRange: [1, 0] }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => fDistillWeights([0.1], { times: [0.1], timeRange: [0, 1], bins: 2, state: [1] }), 'INVALID_ARGUMENT');
  });
});

const B = 4;
const D = 5;
const x0 = f32(randomMatrix(B, D, 91, 1));
const teacher = f32(randomMatrix(B, D, 92, 1));
const fake = f32(randomMatrix(B, D, 93, 1));
const h = [1.3, 0.6, 0.9, 1.2];
const zeros = new Array(B).fill(0);

/** 0.5 · mean over all elements of (x − P)² with the pseudo-target P = x0 − w h (fake − teacher) frozen at x0. */
function vsdRef(weights: number[]): (x: M) => number {
  const pseudo = x0.map((r, i) => {
    const w = 1 / (r.reduce((a, v, d) => a + Math.abs(v - teacher[i]![d]!), 0) / D + 1e-6);
    return r.map((v, d) => v - w * weights[i]! * (fake[i]![d]! - teacher[i]![d]!));
  });
  return (x) => x.reduce((a, r, i) => a + r.reduce((s, v, d) => s + 0.5 * (v - pseudo[i]![d]!) ** 2, 0) / D, 0) / B;
}

suite({ name: 'fDistill() with f-divergence weights', loss: compile(fDistill()), yTrue: zeros, x: x0, opts: { inputs: { teacher, fakeScore: fake, weights: h } }, ref: vsdRef(h) });

describe('fDistill', () => {
  it('with h ≡ 1 it is DMD’s variational score distillation loss; its gradient is w h (fake − teacher)/(B·D)', () => {
    const ones = new Array(B).fill(1);
    const { value, grad } = compile(fDistill()).valueAndGrad(zeros, x0, { inputs: { teacher, fakeScore: fake, weights: ones } });
    expect(value.dataSync()[0]).toBeCloseTo(vsdRef(ones)(x0), 5);
    const g = Array.from(grad.dataSync());
    x0.forEach((r, i) => {
      const w = 1 / (r.reduce((a, v, d) => a + Math.abs(v - teacher[i]![d]!), 0) / D + 1e-6);
      r.forEach((_, d) => expect(g[i * D + d]).toBeCloseTo((w * (fake[i]![d]! - teacher[i]![d]!)) / (B * D), 5));
    });
    value.dispose();
    grad.dispose();
  });

  it('rejects missing and mis-shaped inputs with typed errors, cleanly', () => {
    expectCleanThrow(() => compile(fDistill())(zeros, x0, { inputs: { teacher, fakeScore: fake } }), 'MISSING_INPUT');
    expectCleanThrow(() => compile(fDistill())(zeros, x0, { inputs: { teacher, fakeScore: fake.slice(1), weights: h } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(fDistill())(zeros, x0, { inputs: { teacher, fakeScore: fake, weights: [1, 2] } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => fDistill(null as never), 'INVALID_ARGUMENT');
  });

  it('leaks no tensors', () => {
    const loss = compile(fDistill());
    expectNoLeaks(() => loss(zeros, x0, { inputs: { teacher, fakeScore: fake, weights: h } }).dispose());
  });
});
