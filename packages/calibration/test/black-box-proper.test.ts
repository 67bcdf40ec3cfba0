// The ℓ2 black-box proper loss of "Proper Losses for Discrete Generative Models" (Kimpara, Frongillo & Waggoner, ICML
// 2023), checked against its closed-form expectation ‖p‖² − 2⟨p, q⟩ by exact enumeration of every sample tuple.
import { expectCleanThrow } from '@losskit/core/testing';
import { ready } from '@losskit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { blackBoxBrierLoss } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

/** E[L] over all (x1, x2, x3) ~ p³ and y ~ q, by enumeration (n = 3, m = 1) on a 3-outcome space. */
function exactExpectation(p: number[], q: number[]): number {
  let e = 0;
  for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 3; c++) for (let d = 0; d < 3; d++) {
    e += p[a]! * p[b]! * p[c]! * q[d]! * blackBoxBrierLoss([a, b, c], [d]);
  }
  return e;
}

describe('blackBoxBrierLoss', () => {
  it('its expectation over every sample tuple equals ‖p‖² − 2⟨p, q⟩ in float64 (unbiased)', () => {
    const q = [0.5, 0.3, 0.2];
    for (const p of [[0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [1, 0, 0], [0.1, 0.8, 0.1]]) {
      const want = p.reduce((s, v) => s + v * v, 0) - 2 * p.reduce((s, v, i) => s + v * q[i]!, 0);
      expect(Math.abs(exactExpectation(p, q) - want)).toBeLessThan(1e-12);
    }
  });

  it('is black-box proper: over a grid of model distributions, the expected loss is smallest at p = q', () => {
    const q = [0.5, 0.3, 0.2];
    const best = exactExpectation(q, q);
    for (let i = 0; i <= 20; i++) for (let j = 0; i + j <= 20; j++) {
      const p = [i / 20, j / 20, (20 - i - j) / 20];
      const same = p.every((v, k) => Math.abs(v - q[k]!) < 1e-12);
      if (!same) expect(exactExpectation(p, q)).toBeGreaterThan(best);
    }
  });

  it('counts string outcomes: two identical model draws and one matching target give 1 − 2 = −1', () => {
    expect(blackBoxBrierLoss(['ab', 'ab'], ['ab'])).toBe(-1);
    expect(blackBoxBrierLoss(['a', 'b'], ['c'])).toBe(0);
  });

  it('fewer than 2 model draws, no target draw and non-finite outcomes are typed errors', () => {
    expectCleanThrow(() => blackBoxBrierLoss([1], [1]), 'EMPTY_BATCH');
    expectCleanThrow(() => blackBoxBrierLoss([1, 2], []), 'EMPTY_BATCH');
    expectCleanThrow(() => blackBoxBrierLoss([1, NaN], [1]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => blackBoxBrierLoss([1, {}] as never, [1]), 'INVALID_ARGUMENT');
  });
});
