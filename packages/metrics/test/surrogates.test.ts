import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, randomLabels, randomMatrix } from '@losskit/core/testing';
import { macroAucPairwiseLoss, macroAucReweightedLoss, macroAucUnivariateLoss, type MarginLoss } from '../src/index.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

const phi: Record<MarginLoss, (m: number) => number> = {
  logistic: (m) => (m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m))),
  hinge: (m) => Math.max(0, 1 - m),
  squared: (m) => (1 - m) ** 2,
  exponential: (m) => Math.exp(-m),
};

/** Float64 references from the formulas of Wu, Li & Yin (2023), over the labels with both classes. */
function refs(s: number[][], y: number[][], loss: MarginLoss) {
  const N = s.length;
  const K = s[0]!.length;
  const cols = Array.from({ length: K }, (_, k) => k).filter((k) => {
    const p = y.reduce((a, r) => a + r[k]!, 0);
    return p > 0 && p < N;
  });
  const f = phi[loss];
  let uni = 0;
  let rew = 0;
  let pair = 0;
  for (const k of cols) {
    const P = y.map((r, i) => (r[k] === 1 ? i : -1)).filter((i) => i >= 0);
    const Q = y.map((r, i) => (r[k] === 0 ? i : -1)).filter((i) => i >= 0);
    uni += s.reduce((a, r, i) => a + f((2 * y[i]![k]! - 1) * r[k]!), 0) / N;
    rew += P.reduce((a, i) => a + f(s[i]![k]!), 0) / (2 * P.length) + Q.reduce((a, j) => a + f(-s[j]![k]!), 0) / (2 * Q.length);
    let pp = 0;
    for (const i of P) for (const j of Q) pp += f(s[i]![k]! - s[j]![k]!);
    pair += pp / (P.length * Q.length);
  }
  return { uni: uni / cols.length, rew: rew / cols.length, pair: pair / cols.length };
}

const N = 9;
const K = 3;
const scores = randomMatrix(N, K, 4, 1.5);
const labels = Array.from({ length: N }, (_, i) => Array.from({ length: K }, (_, k) => (k === 2 ? (i < 2 ? 1 : 0) : randomLabels(N * K, 2, 8)[i * K + k]!)));
const fns = { uni: macroAucUnivariateLoss, rew: macroAucReweightedLoss, pair: macroAucPairwiseLoss } as const;

describe('macro-AUC surrogates', () => {
  for (const loss of ['logistic', 'hinge', 'squared', 'exponential'] as const) {
    it(`univariate, reweighted and pairwise ${loss} losses equal their float64 references`, () => {
      const r = refs(scores, labels, loss);
      for (const [k, fn] of Object.entries(fns)) {
        const v = expectNoLeaks(() => {
          const t = fn(scores, labels, { loss });
          const x = t.dataSync()[0]!;
          t.dispose();
          return x;
        });
        expect(v).toBeCloseTo(r[k as keyof typeof r], 5);
      }
    });
  }
  it.each(Object.keys(fns))('%s logistic loss has the finite-difference gradient of its float64 reference', (k) => {
    const fn = fns[k as keyof typeof fns];
    const x = tf.tensor2d(scores);
    const unflat = (v: Float64Array) => Array.from({ length: N }, (_, i) => Array.from(v.slice(i * K, (i + 1) * K)));
    const res = checkGradient((t) => fn(t, labels), x, { reference: (v) => refs(unflat(v), labels, 'logistic')[k as 'uni' | 'rew' | 'pair'] });
    x.dispose();
    expect(res.ok).toBe(true);
  });
  it('the pairwise hinge loss upper-bounds 1 − macro-AUC', () => {
    const t = macroAucPairwiseLoss(scores, labels, { loss: 'hinge' });
    const v = t.dataSync()[0]!;
    t.dispose();
    const r = refs(scores, labels, 'hinge').pair;
    expect(v).toBeCloseTo(r, 5);
    expect(v).toBeGreaterThanOrEqual(0);
  });
  it('stays finite at scores of ±1e30 (logistic)', () => {
    const big = scores.map((r) => r.map((v) => (v > 0 ? 1e30 : -1e30)));
    for (const fn of Object.values(fns)) {
      const t = fn(big, labels);
      expect(Number.isFinite(t.dataSync()[0]!)).toBe(true);
      t.dispose();
    }
  });
  it('exponential loss: an overflowing excluded pair does not turn the value into NaN; an overflowing included one is NON_FINITE_OUTPUT', () => {
    // Column 0: positive row 0 (score 1), negatives rows 1–3; included margins 1, 101, −49 stay finite under e^{−m},
    // but the excluded pair (row 2, row 1) has margin −100 and e^{100} overflows float32 (masking by 0·∞ would give NaN).
    const s = [[1, 0], [0, 0], [-100, 0], [50, 1]];
    const y = [[1, 0], [0, 1], [0, 0], [0, 0]];
    const t = macroAucPairwiseLoss(s, y, { loss: 'exponential' });
    const v = t.dataSync()[0]!;
    t.dispose();
    expect(Math.abs(v / refs(s, y, 'exponential').pair - 1)).toBeLessThan(1e-5);
    expectCleanThrow(() => macroAucPairwiseLoss([[-100, 0], [100, 0]], [[1, 0], [0, 1]], { loss: 'exponential' }), 'NON_FINITE_OUTPUT');
  });
  it('throws typed errors without leaking for bad labels, shapes, NaN scores and unknown losses', () => {
    expectCleanThrow(() => macroAucPairwiseLoss(scores, labels.map((r) => r.map((v) => v * 2))), 'LABEL_OUT_OF_RANGE');
    const st = tf.tensor2d(scores);
    expectCleanThrow(() => macroAucPairwiseLoss(st, labels.slice(1)), 'SHAPE_MISMATCH');
    st.dispose();
    expectCleanThrow(() => macroAucUnivariateLoss([[Number.NaN, 1]], [[1, 0]]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => macroAucReweightedLoss(scores, labels, { loss: 'cubic' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => macroAucReweightedLoss([[1, 2]], [[1, 1]]), 'INVALID_ARGUMENT');
  });
});
