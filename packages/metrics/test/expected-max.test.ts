import { describe, expect, it } from 'vitest';
import { rng } from '@losskit/core/testing';
import { expectedMaxCurve, expectedMaxScore } from '../src/index.js';

/** Brute force: mean of the maximum over every n-subset (without replacement) or every n-tuple (with replacement). */
function subsets(v: number[], n: number): number {
  let total = 0;
  let count = 0;
  const rec = (start: number, chosen: number[]) => {
    if (chosen.length === n) {
      total += Math.max(...chosen.map((i) => v[i]!));
      count++;
      return;
    }
    for (let i = start; i < v.length; i++) rec(i + 1, [...chosen, i]);
  };
  rec(0, []);
  return total / count;
}
function tuples(v: number[], n: number): number {
  let total = 0;
  let count = 0;
  const rec = (chosen: number[]) => {
    if (chosen.length === n) {
      total += Math.max(...chosen);
      count++;
      return;
    }
    for (const x of v) rec([...chosen, x]);
  };
  rec([]);
  return total / count;
}

describe('expectedMaxScore', () => {
  const u = rng(3);
  const v = Array.from({ length: 8 }, () => Math.round(u() * 100) / 100);
  it.each([1, 2, 3, 5, 8])('unbiased estimate for n = %i is the mean maximum over all n-subsets', (n) => {
    expect(expectedMaxScore(v, n)).toBeCloseTo(subsets(v, n), 12);
  });
  it.each([1, 2, 3])("Dodge et al.'s estimate for n = %i is the mean maximum over all n-tuples drawn with replacement", (n) => {
    expect(expectedMaxScore(v, n, { method: 'dodge' })).toBeCloseTo(tuples(v, n), 12);
  });
  it('the curve starts at the mean, ends at the maximum and never decreases', () => {
    const c = expectedMaxCurve(v);
    expect(c[0]).toBeCloseTo(v.reduce((a, b) => a + b, 0) / v.length, 12);
    expect(c.at(-1)).toBeCloseTo(Math.max(...v), 12);
    for (let i = 1; i < c.length; i++) expect(c[i]! - c[i - 1]!).toBeGreaterThanOrEqual(-1e-12);
  });
  it('is exact for B = 2000 scores (log-space binomials)', () => {
    const big = Array.from({ length: 2000 }, (_, i) => i / 1999);
    // Score of rank j is (j − 1)/(B − 1); the maximum rank of n draws without replacement has mean n(B + 1)/(n + 1).
    const n = 50;
    expect(expectedMaxScore(big, n)).toBeCloseTo(((n * 2001) / (n + 1) - 1) / 1999, 9);
  });
});
