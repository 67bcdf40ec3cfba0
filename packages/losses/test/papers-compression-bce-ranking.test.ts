// BCE + positive-vs-max-negative ranking penalty (Entezari, Saukh, "Class-dependent Compression of Deep Neural
// Networks"), against a float64 reference written from binary_crossentropy_with_ranking (rahimentezari/Sensys-ml2020
// models/train_model.py, commit 1c0c7b3, Keras form): mean BCE + Σ_pos min(0, max(s − max_neg, −100))² / (#pos + 1).
import { compile, ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { bceRankingLoss, positiveRankingPenalty } from '../src/index.js';
import { type M, suite } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

function penaltyRef(s: M, y: M): number {
  let maxNeg = -Infinity;
  s.forEach((r, i) => r.forEach((v, k) => (y[i]![k]! < 1 ? (maxNeg = Math.max(maxNeg, v)) : 0)));
  let num = 0;
  let pos = 0;
  s.forEach((r, i) =>
    r.forEach((v, k) => {
      if (y[i]![k]! > 0) {
        pos++;
        if (maxNeg > -Infinity) num += Math.min(0, Math.max(v - maxNeg, -100)) ** 2;
      }
    }),
  );
  return num / (pos + 1);
}
const bceRef = (s: M, y: M) => s.reduce((a, r, i) => a + r.reduce((b, v, k) => b + softplus(v) - y[i]![k]! * v, 0) / r.length, 0) / s.length;

const B = 6;
const C = 3;
const logits = f32(randomMatrix(B, C, 61, 2));
const multiHot = [
  [1, 0, 0],
  [0, 1, 1],
  [0, 0, 1],
  [1, 1, 0],
  [0, 1, 0],
  [1, 0, 1],
];

suite({ name: 'bceRankingLoss() (multi-hot)', loss: compile(bceRankingLoss()), yTrue: multiHot, x: logits, ref: (x) => bceRef(x, multiHot) + penaltyRef(x, multiHot) });
suite({ name: 'bceRankingLoss({ weight: 2.5 })', loss: compile(bceRankingLoss({ weight: 2.5 })), yTrue: multiHot, x: logits, ref: (x) => bceRef(x, multiHot) + 2.5 * penaltyRef(x, multiHot) });
const labels = [0, 2, 1, 1, 0, 2];
const oneHot = labels.map((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0)));
suite({ name: 'positiveRankingPenalty() (labels)', loss: compile(positiveRankingPenalty()), yTrue: labels, x: logits, ref: (x) => penaltyRef(x, oneHot) });

describe('bceRankingLoss', () => {
  it('has no penalty when every positive outranks the largest negative', () => {
    const v = compile(positiveRankingPenalty())([[1, 0], [0, 1]], [[3, -1], [-2, 2.5]]);
    expect(v.dataSync()[0]).toBe(0);
    v.dispose();
  });

  it('matches a hand-computed penalty: one positive 1.2 below the top negative, 2 positives → 1.44/3', () => {
    const v = compile(positiveRankingPenalty())([[1, 0], [0, 1]], [[0.3, 1.5], [0.4, 2]]);
    // Negatives 1.5 and 0.4: max 1.5. Positives 0.3 (gap −1.2) and 2 (no penalty): 1.44 / (2 + 1).
    expect(v.dataSync()[0]).toBeCloseTo(1.44 / 3, 6);
    v.dispose();
  });

  it('clips a gap at −100 (the reference code’s clip) and stays finite at ±1e4', () => {
    const { value, grad } = compile(positiveRankingPenalty()).valueAndGrad([[1, 0]], [[-1e4, 1e4]]);
    expect(value.dataSync()[0]).toBeCloseTo(100 ** 2 / 2, 2);
    expect(Array.from(grad.dataSync())).toEqual([0, 0]); // clipped: no gradient
    value.dispose();
    grad.dispose();
  });

  it('gives a tie among the largest negatives the gradient once (a subgradient), not once per tied entry', () => {
    // max_neg = 1 twice; the positive at 0 is 1 below: d/ds_neg of (s_pos − max_neg)² / 2 = +1, given to the first tie only.
    const { grad } = compile(positiveRankingPenalty()).valueAndGrad([[1, 0, 0]], [[0, 1, 1]]);
    const g = Array.from(grad.dataSync());
    expect(g[0]).toBeCloseTo(-1, 6);
    expect(g[1]! + g[2]!).toBeCloseTo(1, 6);
    grad.dispose();
  });

  it('reads probabilities as clipped logits with from: probs', () => {
    const p = [[0.9, 0.2], [0.3, 0.6]];
    const y = [[1, 0], [0, 1]];
    const s = p.map((r) => r.map((q) => Math.log(q / (1 - q))));
    const v = compile(positiveRankingPenalty(), { from: 'probs' })(y, p);
    expect(v.dataSync()[0]).toBeCloseTo(penaltyRef(s, y), 5);
    v.dispose();
  });

  it('rejects a negative weight and non-finite logits with typed errors, cleanly', () => {
    expectCleanThrow(() => bceRankingLoss({ weight: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => compile(bceRankingLoss())(multiHot, logits.map((r, i) => r.map((v, k) => (i === 2 && k === 1 ? NaN : v)))), 'NON_FINITE_INPUT');
    expectCleanThrow(() => compile(bceRankingLoss())(multiHot.slice(1), logits), 'SHAPE_MISMATCH');
  });

  it('leaks no tensors', () => {
    const loss = compile(bceRankingLoss());
    expectNoLeaks(() => loss(multiHot, logits).dispose());
  });
});
