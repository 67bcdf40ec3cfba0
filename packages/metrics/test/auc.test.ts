import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { randomLabels, randomMatrix, rng } from '@losskit/core/testing';
import { macroAuc, multiclassAuc, rocAuc } from '../src/index.js';


beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

/** O(N²) float64 reference straight from the definition: pairs with s_i > s_j count 1, ties ½. */
function pairAuc(s: number[], y: number[]): number {
  let num = 0;
  let pairs = 0;
  s.forEach((si, i) => s.forEach((sj, j) => {
    if (y[i] === 1 && y[j] === 0) {
      pairs++;
      num += si > sj ? 1 : si === sj ? 0.5 : 0;
    }
  }));
  return num / pairs;
}

/** Scores rounded to one decimal, so ties are frequent. */
const tiedScores = (n: number, seed: number) => {
  const u = rng(seed);
  return Array.from({ length: n }, () => Math.round(u() * 10) / 10);
};

describe('rocAuc', () => {
  it("is scikit-learn's documented roc_auc_score example value 0.75", () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
  });
  it.each([1, 2, 3, 4])('equals the pairwise definition with ties on random scores (seed %i)', (seed) => {
    const s = tiedScores(41, seed);
    const y = randomLabels(41, 2, seed + 100);
    expect(rocAuc(s, y)).toBeCloseTo(pairAuc(s, y), 14);
  });
  it('reads a tensor of scores', () => {
    const s = tf.tensor1d([0.1, 0.4, 0.35, 0.8]);
    expect(rocAuc(s, [0, 0, 1, 1])).toBe(0.75);
    s.dispose();
  });
});

describe('macroAuc', () => {
  it('is the mean of per-label pairwise AUCs and skips labels with one class', () => {
    const N = 30;
    const K = 4;
    const scores = Array.from({ length: N }, (_, i) => Array.from({ length: K }, (_, k) => tiedScores(N * K, 9)[i * K + k]!));
    const labels = Array.from({ length: N }, (_, i) => Array.from({ length: K }, (_, k) => (k === 3 ? 0 : randomLabels(N * K, 2, 5)[i * K + k]!)));
    const per = [0, 1, 2].map((k) => pairAuc(scores.map((r) => r[k]!), labels.map((r) => r[k]!)));
    const got = macroAuc(scores, labels);
    expect(got.skipped).toBe(1);
    expect(Number.isNaN(got.perLabel[3])).toBe(true);
    expect(got.value).toBeCloseTo((per[0]! + per[1]! + per[2]!) / 3, 14);
  });
});

describe('multiclassAuc', () => {
  const C = 4;
  const N = 60;
  const labels = Array.from({ length: N }, (_, i) => i % C);
  const scores = randomMatrix(N, C, 3).map((r, i) => r.map((v, c) => Math.round((v + (c === labels[i] ? 1 : 0)) * 4) / 4));
  it('one-vs-rest macro is the mean of the per-class pairwise AUCs, weighted uses prevalence', () => {
    const per = Array.from({ length: C }, (_, c) => pairAuc(scores.map((r) => r[c]!), labels.map((y) => (y === c ? 1 : 0))));
    expect(multiclassAuc(scores, labels)).toBeCloseTo(per.reduce((a, b) => a + b, 0) / C, 14);
    const unbalanced = labels.map((y, i) => (i < 20 ? 0 : y));
    const perU = Array.from({ length: C }, (_, c) => pairAuc(scores.map((r) => r[c]!), unbalanced.map((y) => (y === c ? 1 : 0))));
    const prev = Array.from({ length: C }, (_, c) => unbalanced.filter((y) => y === c).length / N);
    expect(multiclassAuc(scores, unbalanced, { average: 'weighted' })).toBeCloseTo(perU.reduce((s, v, c) => s + v * prev[c]!, 0), 14);
  });
  it("one-vs-one is Hand & Till's mean over class pairs of (A(j|k) + A(k|j))/2", () => {
    let total = 0;
    for (let j = 0; j < C; j++) {
      for (let k = j + 1; k < C; k++) {
        const idx = labels.map((y, i) => (y === j || y === k ? i : -1)).filter((i) => i >= 0);
        const ajk = pairAuc(idx.map((i) => scores[i]![j]!), idx.map((i) => (labels[i] === j ? 1 : 0)));
        const akj = pairAuc(idx.map((i) => scores[i]![k]!), idx.map((i) => (labels[i] === k ? 1 : 0)));
        total += (ajk + akj) / 2;
      }
    }
    expect(multiclassAuc(scores, labels, { method: 'ovo' })).toBeCloseTo(total / ((C * (C - 1)) / 2), 14);
  });
  it('is 1 for scores that rank every class perfectly', () => {
    expect(multiclassAuc([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3]], [0, 1, 2, 1])).toBe(1);
  });
});
