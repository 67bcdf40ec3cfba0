// Smallest cases of two bugs the fuzz suite found (seed 1, 3000 calls, calibration): the host softmax computed
// exp(z − logsumexp(z)), which at |z| ~ 1e30 rounds logsumexp to the max, so tied maxima each got probability 1 (rows
// summing to 2); and a temperature fitted at the upper bound came out as exp(log 1e4) = 10000.000000000002, which
// load() then rejected.
import { describe, expect, it } from 'vitest';
import { TemperatureScaling, brierScore, ece, loadCalibrator } from '../src/index.js';

describe('extreme logits', () => {
  it('tied maxima at 1e30 share the probability: Brier of [1e30, 0, 1e30] with label 0 is 0.5', () => {
    // p = [0.5, 0, 0.5]: (0.5 − 1)² + 0 + 0.5² = 0.5.
    expect(brierScore([[1e30, 0, 1e30]], [0])).toBe(0.5);
    // confidence 0.5, prediction 0 (first max) correct: |1 − 0.5| = 0.5.
    expect(ece([[1e30, 0, 1e30]], [0], { bins: 1 })).toBe(0.5);
  });
  it('a temperature fitted at its upper bound survives save/load', () => {
    // Labels independent of huge, perfectly anti-informative logits: the NLL keeps falling as T grows.
    const z = [[1, 0], [0, 1], [1, 0], [0, 1]];
    const y = [1, 0, 1, 0];
    const ts = TemperatureScaling.fit(z, y, { initialTemperature: 9000 });
    expect(ts.temperature).toBeLessThanOrEqual(1e4);
    expect(loadCalibrator(ts.save()).save()).toBe(ts.save());
  });
});
