// Online group DRO: float64 references from Sagawa et al.'s LossComputer (compute_group_avg, compute_robust_loss):
// the objective Σ_g q_g ℓ̄_g with q held fixed, and the exponentiated-gradient update of q; gradient, ±1e4, ties, bad
// input, leaks.
import * as tf from '@tensorflow/tfjs-core';
import { ce, compile, ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, f32, logSoftmax, randomLabels, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { groupDro, groupDroInit, groupDroUpdate } from '../src/index.js';
import { type M, suite } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

const ceRef = (row: number[], y: number) => -logSoftmax(row)[y]!;
function groupMeansRef(losses: number[], ids: number[], G: number): { means: number[]; counts: number[] } {
  const sums = new Array(G).fill(0);
  const counts = new Array(G).fill(0);
  losses.forEach((l, i) => {
    sums[ids[i]!] += l;
    counts[ids[i]!] += 1;
  });
  return { means: sums.map((s, g) => (counts[g] ? s / counts[g] : 0)), counts };
}
function objectiveRef(x: M, labels: number[], ids: number[], q: number[]): number {
  const { means } = groupMeansRef(x.map((r, i) => ceRef(r, labels[i]!)), ids, q.length);
  return means.reduce((a, m, g) => a + q[g]! * m, 0);
}
function updateRef(q: number[], losses: number[], ids: number[], eta: number, C = 0, n?: number[]): number[] {
  const { means } = groupMeansRef(losses, ids, q.length);
  const w = q.map((v, g) => v * Math.exp(eta * (means[g]! + (C > 0 ? C / Math.sqrt(n![g]!) : 0))));
  const z = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / z);
}

const B = 7;
const G = 3;
const x = f32(randomMatrix(B, 4, 101, 1.5));
const labels = randomLabels(B, 4, 102);
const ids = [0, 1, 2, 0, 1, 0, 2];
const q = [0.2, 0.5, 0.3];
suite({ name: 'groupDro(ce(), { groups: 3 })', loss: compile(groupDro(ce(), { groups: G })), yTrue: labels, x, opts: { inputs: { group: ids, groupWeights: q } }, ref: (m) => objectiveRef(m, labels, ids, q) });
// A group absent from the batch (group 2) contributes 0, as the authors' group_denom trick.
const idsAbsent = [0, 1, 0, 0, 1, 0, 1];
suite({ name: 'groupDro with a group absent from the batch', loss: compile(groupDro(ce(), { groups: G })), yTrue: labels, x, opts: { inputs: { group: idsAbsent, groupWeights: q } }, ref: (m) => objectiveRef(m, labels, idsAbsent, q) });
// Ties: every logit equal (every loss log C).
const tied = x.map((r) => r.map(() => 0.5));
suite({ name: 'groupDro at tied logits', loss: compile(groupDro(ce(), { groups: G })), yTrue: labels, x: tied, opts: { inputs: { group: ids, groupWeights: q } }, ref: (m) => objectiveRef(m, labels, ids, q), big: tied.map((r) => r.map(() => 1e4)) });

describe('groupDroUpdate', () => {
  const losses = x.map((r, i) => ceRef(r, labels[i]!));
  it('matches the float64 reference of q ← q exp(η ℓ̄) / Σ (step 0.01 and 1)', () => {
    for (const eta of [0.01, 1]) {
      const got = groupDroUpdate(q, losses, ids, { stepSize: eta });
      const want = updateRef(q, losses, ids, eta);
      got.weights.forEach((v, g) => expect(Math.abs(v - want[g]!)).toBeLessThan(1e-12));
      const { means, counts } = groupMeansRef(losses, ids, G);
      got.groupLosses.forEach((v, g) => expect(Math.abs(v - means[g]!)).toBeLessThan(1e-12));
      expect(got.groupCounts).toEqual(counts);
    }
  });

  it('applies the generalization adjustment C/√n_g (one C or one per group)', () => {
    const n = [400, 30, 5];
    const got = groupDroUpdate(q, losses, ids, { stepSize: 0.5, adjustment: 2, groupCounts: n });
    const want = updateRef(q, losses, ids, 0.5, 2, n);
    got.weights.forEach((v, g) => expect(Math.abs(v - want[g]!)).toBeLessThan(1e-12));
    const per = groupDroUpdate(q, losses, ids, { stepSize: 0.5, adjustment: [2, 2, 2], groupCounts: n });
    expect(per.weights).toEqual(got.weights);
  });

  it('is exact for huge losses (η ℓ̄ = 1e4 would overflow exp): all weight goes to the worst group', () => {
    const got = groupDroUpdate([1 / 3, 1 / 3, 1 / 3], [1e4, 1e4 - 1, 0], [0, 1, 2], { stepSize: 1 });
    expect(got.weights.every(Number.isFinite)).toBe(true);
    expect(Math.abs(got.weights[0]! - 1 / (1 + Math.exp(-1)))).toBeLessThan(1e-9);
    expect(got.weights[2]).toBe(0);
  });

  it('ties: equal group losses leave q unchanged', () => {
    const got = groupDroUpdate(q, [1, 1, 1, 1], [0, 1, 2, 1]);
    got.weights.forEach((v, g) => expect(Math.abs(v - q[g]!)).toBeLessThan(1e-12));
  });

  it('online: repeated updates on fixed losses move q towards the worst group', () => {
    let w = groupDroInit(3);
    for (let t = 0; t < 500; t++) w = groupDroUpdate(w, [0.2, 1.5, 0.7], [0, 1, 2], { stepSize: 0.1 }).weights;
    expect(w[1]).toBeGreaterThan(0.99);
  });

  it('one online step, in the authors’ order: update q on the batch losses, then minimize Σ q′_g ℓ̄_g', () => {
    const perSample = compile(ce(), { reduction: 'none' })(labels, x);
    const next = groupDroUpdate(groupDroInit(G), perSample, ids, { stepSize: 0.01 });
    perSample.dispose();
    const v = compile(groupDro(ce(), { groups: G }))(labels, x, { inputs: { group: ids, groupWeights: next.weights } });
    expect(Math.abs(v.dataSync()[0]! - objectiveRef(x, labels, ids, updateRef([1 / 3, 1 / 3, 1 / 3], losses, ids, 0.01))) / v.dataSync()[0]!).toBeLessThan(1e-5);
    v.dispose();
  });
});

describe('groupDro with one group', () => {
  it('is the batch mean loss (weight 1), and its update keeps q = [1]', () => {
    const v = compile(groupDro(ce(), { groups: 1 }))(labels, x, { inputs: { group: new Array(B).fill(0), groupWeights: [1] } });
    const want = x.reduce((a, r, i) => a + ceRef(r, labels[i]!), 0) / B;
    expect(Math.abs(v.dataSync()[0]! - want) / want).toBeLessThan(1e-5);
    v.dispose();
    expect(groupDroUpdate([1], [0.3, 2], [0, 0]).weights).toEqual([1]);
  });
});

describe('groupDro errors and leaks', () => {
  const loss = compile(groupDro(ce(), { groups: G }));
  it('raises typed errors without leaking', () => {
    expect(expectCleanThrow(() => loss(labels, x, { inputs: { group: [0, 1, 3, 0, 1, 0, 2], groupWeights: q } }), 'INVALID_ARGUMENT').argument).toBe('inputs.group');
    expectCleanThrow(() => loss(labels, x, { inputs: { group: [0, 1, 0.5, 0, 1, 0, 2], groupWeights: q } }), 'NON_INTEGER_LABEL');
    expect(expectCleanThrow(() => loss(labels, x, { inputs: { group: ids, groupWeights: [0.5, 0.5] } }), 'SHAPE_MISMATCH').argument).toBe('inputs.groupWeights');
    expectCleanThrow(() => loss(labels, x, { inputs: { group: ids, groupWeights: [0.5, 1.5, -1] } }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => loss(labels, x, { inputs: { group: ids } }), 'MISSING_INPUT');
    expectCleanThrow(() => groupDro(ce(), { groups: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => groupDro(ce().mean() as never, { groups: 2 }), 'LEVEL_MISMATCH');
    expectCleanThrow(() => groupDroInit(1.5), 'INVALID_PARAMETER');
    expectCleanThrow(() => groupDroUpdate(q, [1, 2], [0, 1, 2]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => groupDroUpdate(q, [1, 2, 3], [0, 1, 5]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => groupDroUpdate(q, [1, NaN, 3], [0, 1, 2]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => groupDroUpdate([], [1], [0]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => groupDroUpdate([0, 0, 0], [1, 2, 3], [0, 1, 2]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => groupDroUpdate(q, [1, 2, 3], [0, 1, 2], { stepSize: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => groupDroUpdate(q, [1, 2, 3], [0, 1, 2], { adjustment: 1 }), 'MISSING_INPUT');
    expectCleanThrow(() => groupDroUpdate(q, [1, 2, 3], [0, 1, 2], { adjustment: [1, 1] }), 'SHAPE_MISMATCH');
  });
  it('leaks no tensors (objective, gradient and update with tensor inputs)', () => {
    const lt = tf.tensor1d([0.3, 1.2, 0.5, 0.1, 0.9, 0.4, 2]);
    expectNoLeaks(() => {
      for (let i = 0; i < 5; i++) {
        loss(labels, x, { inputs: { group: ids, groupWeights: q } }).dispose();
        const g = loss.valueAndGrad(labels, x, { inputs: { group: ids, groupWeights: q } });
        tf.dispose([g.value, g.grad]);
        groupDroUpdate(q, lt, ids);
      }
    });
    lt.dispose();
  });
});
