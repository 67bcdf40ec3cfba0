// One documented tolerance for probability inputs (`from: 'probs'`), the same in every metric and calibrator.
import { describe, expect, it } from 'vitest';
import {
  HistogramBinning, IsotonicRegression, MatrixScaling, PROB_SUM_TOLERANCE, PlattScaling, SplitConformal, TemperatureScaling, VectorScaling, brierScore, ece, nll,
} from '../src/index.js';

const labels = [0, 1, 1, 0];
const rows = (excess: number) => [[0.6, 0.4 + excess], [0.3, 0.7], [0.2, 0.8], [0.9, 0.1]];
const users: [string, (p: number[][]) => unknown][] = [
  ['ece', (p) => ece(p, labels, { from: 'probs', bins: 2 })],
  ['brierScore', (p) => brierScore(p, labels, { from: 'probs' })],
  ['nll', (p) => nll(p, labels, { from: 'probs' })],
  ['TemperatureScaling', (p) => TemperatureScaling.fit(p, labels, { from: 'probs' })],
  ['VectorScaling', (p) => VectorScaling.fit(p, labels, { from: 'probs' })],
  ['MatrixScaling', (p) => MatrixScaling.fit(p, labels, { from: 'probs' })],
  ['PlattScaling', (p) => PlattScaling.fit(p, labels, { from: 'probs' })],
  ['HistogramBinning', (p) => HistogramBinning.fit(p, labels, { from: 'probs', bins: 2 })],
  ['IsotonicRegression', (p) => IsotonicRegression.fit(p, labels, { from: 'probs' })],
  ['SplitConformal', (p) => SplitConformal.fit(p, labels, { from: 'probs', alpha: 0.5 })],
];

describe(`probability rows must sum to 1 within PROB_SUM_TOLERANCE = ${PROB_SUM_TOLERANCE} everywhere`, () => {
  it('is 1e-3, as the README documents', () => expect(PROB_SUM_TOLERANCE).toBe(1e-3));
  for (const [name, use] of users) {
    it(`${name}: a row off by 0.9·tolerance is accepted, by 1.1·tolerance rejected (INVALID_ARGUMENT, predictions)`, () => {
      expect(() => use(rows(0.9 * PROB_SUM_TOLERANCE))).not.toThrow();
      expect(() => use(rows(1.1 * PROB_SUM_TOLERANCE))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'predictions' }));
    });
  }
});
