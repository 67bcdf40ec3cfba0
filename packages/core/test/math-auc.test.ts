// core's Mann–Whitney AUC against the pairwise definition (ties ½) and scikit-learn's published example.
import { describe, expect, it } from 'vitest';
import { mannWhitneyAuc, rng } from '../src/math/index.js';

/** The definition, O(|P||N|): Σ_i Σ_j (1[p_i > n_j] + ½·1[p_i = n_j]) / (|P||N|). */
function pairwise(p: number[], n: number[]): number {
  let s = 0;
  for (const a of p) for (const b of n) s += a > b ? 1 : a === b ? 0.5 : 0;
  return s / (p.length * n.length);
}

describe('mannWhitneyAuc', () => {
  it('gives 0.75 on scikit-learn roc_auc_score docstring example (scores [0.1, 0.4, 0.35, 0.8], labels [0, 0, 1, 1])', () => {
    expect(mannWhitneyAuc([0.35, 0.8], [0.1, 0.4])).toBe(0.75);
  });

  it.each([1, 2, 3, 4])('equals the pairwise definition on random scores with many ties (seed %i)', (seed) => {
    const u = rng(seed);
    const draw = (k: number) => Array.from({ length: k }, () => Math.floor(u() * 5) / 4);
    const p = draw(3 + Math.floor(u() * 20));
    const n = draw(1 + Math.floor(u() * 20));
    expect(mannWhitneyAuc(p, n)).toBeCloseTo(pairwise(p, n), 14);
  });

  it('is NaN when either side is empty and ½ when every score ties', () => {
    expect(mannWhitneyAuc([], [1])).toBeNaN();
    expect(mannWhitneyAuc([1], [])).toBeNaN();
    expect(mannWhitneyAuc([2, 2], [2, 2, 2])).toBe(0.5);
  });
});
