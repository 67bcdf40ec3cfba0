// PLD against its definition in the authors' code (github.com/Kaike-Zhang/PLD at dd7b14f, utls/trainer.py PLDCFTrainer,
// utls/mydataset.py get_train_batch): probabilities softmax(−ℓ/τ) in float64, draw frequencies, candidate pools.
import { describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { expectCleanThrow } from '@losskit/core/testing';
import { pldCandidates, pldResample } from '../src/index.js';

await ready({ backend: 'cpu' });

describe('pldResample', () => {
  it('gives p = exp(−ℓ/τ)/Σ exp(−ℓ/τ) per row (float64 closed form), also for losses of 1e4 and at τ = 1e-3', () => {
    const losses = [[0.2, 1.5, 0.3], [2, 0.1, 0.1], [1e4, 1e4 + 0.001, 1e4 + 1]];
    for (const tau of [0.1, 1, 1e-3]) {
      const { probabilities } = pldResample(losses, { temperature: tau });
      losses.forEach((row, b) => {
        // log p_j = a_j − log Σ exp(a), a = −ℓ/τ, with log-sum-exp as max + log Σ exp(a − max).
        const a = row.map((l) => -l / tau);
        const m = Math.max(...a);
        const lse = m + Math.log(a.reduce((s2, v) => s2 + Math.exp(v - m), 0));
        // (a = −1e7 at ℓ = 1e4, τ = 1e-3 costs the reference ~1e-9 relative: compare to 1e-9.)
        a.forEach((v, j) => expect(probabilities[b]![j]).toBeCloseTo(Math.exp(v - lse), 9));
      });
    }
  });
  it('draws each candidate with frequency p (20000 seeded draws of one row, within 0.012 of p)', () => {
    const row = [0.25, 0.1, 0.4, 0.3];
    const tau = 0.2;
    const losses = Array.from({ length: 20000 }, () => row);
    const { indices, probabilities } = pldResample(losses, { temperature: tau, seed: 7 });
    const freq = [0, 0, 0, 0];
    for (const i of indices) freq[i]! += 1;
    freq.forEach((f, j) => expect(Math.abs(f / 20000 - probabilities[0]![j]!)).toBeLessThan(0.012));
    // The lowest loss (index 1) is the most frequent: PLD prefers likely-clean interactions.
    expect(freq.indexOf(Math.max(...freq))).toBe(1);
  });
  it('is deterministic for a seed and rejects τ ≤ 0, NaN losses and a vector', () => {
    const l = [[0.3, 0.2], [1, 2]];
    expect(pldResample(l, { seed: 3 }).indices).toEqual(pldResample(l, { seed: 3 }).indices);
    expectCleanThrow(() => pldResample(l, { temperature: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => pldResample([[Number.NaN, 1]]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => pldResample([1, 2] as never), 'RANK_MISMATCH');
  });
});

describe('pldCandidates', () => {
  const inter = [[0, 2, 5, 7], [1, 3], [4]];
  it('draws k distinct observed items when the user has at least k, with replacement otherwise, and an unobserved negative', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { positives, negatives } = pldCandidates(inter, [0, 1, 2, 0], { items: 9, k: 3, seed });
      expect(new Set(positives[0]).size).toBe(3);
      expect(new Set(positives[3]).size).toBe(3);
      [0, 1, 2, 0].forEach((u, b) => {
        expect(positives[b]).toHaveLength(3);
        for (const i of positives[b]!) expect(inter[u]).toContain(i);
        expect(inter[u]).not.toContain(negatives[b]);
        expect(negatives[b]).toBeGreaterThanOrEqual(0);
        expect(negatives[b]).toBeLessThan(9);
      });
      expect(positives[2]).toEqual([4, 4, 4]);
    }
  });
  it('covers every observed item of a user over many draws (uniform choice, 2000 pools of k = 1: each of 4 items 15–35%)', () => {
    const { positives } = pldCandidates(inter, Array.from({ length: 2000 }, () => 0), { items: 9, k: 1, seed: 5 });
    for (const item of inter[0]!) {
      const f = positives.filter((p) => p[0] === item).length / 2000;
      expect(f).toBeGreaterThan(0.15);
      expect(f).toBeLessThan(0.35);
    }
  });
  it('rejects a user without interactions, a user with every item, an item id out of range and an unknown user', () => {
    expectCleanThrow(() => pldCandidates([[], [1]], [0], { items: 3 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => pldCandidates([[0, 1, 2]], [0], { items: 3 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => pldCandidates([[0, 5]], [0], { items: 3 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => pldCandidates([[0]], [1], { items: 3 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => pldCandidates([[0]], [0], { items: 3, k: 0 }), 'INVALID_PARAMETER');
  });
});
