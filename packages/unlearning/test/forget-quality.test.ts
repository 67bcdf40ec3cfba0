// Forget quality (KS test), model utility (harmonic mean), MIA AUC / TPR at low FPR, min-k% and min-k%++ scores.
// KS p-values are scipy's published test values: scipy 1.10.1 (Debian python3-scipy 1.10.1-2),
// scipy/stats/tests/test_stats.py, class TestKSTwoSamples: testTwoVsThree, testTwoVsFour, test100_100, test100_110.
import { ready } from '@losskit/core';
import { expectCleanThrow } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { forgetQuality, ksTest, miaAuc, minKPlusPlusScore, minKScore, modelUtility } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const lin = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

describe('ksTest against scipy ks_2samp published values (two-sided, exact)', () => {
  const d1 = [1, 2];
  it('two vs three', () => {
    const r = ksTest(d1.map((v) => v + 0.01), [1, 2, 3]);
    expect(r.statistic).toBeCloseTo(1 / 3, 14);
    expect(r.pValue).toBeCloseTo(1, 14);
    const s = ksTest(d1.map((v) => v - 0.01), [1, 2, 3]);
    expect(s.statistic).toBeCloseTo(2 / 3, 14);
    expect(s.pValue).toBeCloseTo(0.6, 14);
  });
  it('two vs four', () => {
    expect(ksTest(d1.map((v) => v + 0.01), [1, 2, 3, 4]).pValue).toBeCloseTo(14 / 15, 14);
    const r = ksTest(d1.map((v) => v - 0.01), [1, 2, 3, 4]);
    expect(r.statistic).toBeCloseTo(3 / 4, 14);
    expect(r.pValue).toBeCloseTo(6 / 15, 14);
  });
  it('100 vs 100 and 100 vs 110', () => {
    const x100 = lin(1, 100, 100);
    const a = ksTest(x100, x100.map((v) => v + 2.1));
    expect(a.statistic).toBeCloseTo(3 / 100, 14);
    expect(a.pValue).toBeCloseTo(0.9999999999962055, 13);
    const x110 = lin(1, 100, 110);
    const b = ksTest(x100, x110.map((v) => v + 20.1));
    expect(b.statistic).toBeCloseTo(232 / 1100, 14);
    expect(b.pValue / 0.015739183865607353).toBeCloseTo(1, 10);
    const c = ksTest(x100, x110.map((v) => v + 19.9));
    expect(c.statistic).toBeCloseTo(229 / 1100, 14);
    expect(c.pValue / 0.017803803861026313).toBeCloseTo(1, 10);
  });
  it('keeps tiny p-values: disjoint samples of 30 give 2/C(60, 30)', () => {
    let binom = 1;
    for (let k = 1; k <= 30; k++) binom = (binom * (30 + k)) / k;
    const p = ksTest(lin(0, 1, 30), lin(2, 3, 30)).pValue;
    expect(p / (2 / binom)).toBeCloseTo(1, 10);
    expect(forgetQuality(lin(0, 1, 30), lin(2, 3, 30))).toBe(p);
  });
  it('beyond n·m = 1e7 the asymptotic form takes over and agrees with the exact p-value just below it (within 5%)', () => {
    const y = lin(0.03, 1.03, 3333);
    const exact = ksTest(lin(0, 1, 3000), y);
    const asymp = ksTest(lin(0, 1, 3001), y);
    expect(exact.method).toBe('exact');
    expect(asymp.method).toBe('asymp');
    expect(Math.abs(asymp.pValue - exact.pValue) / exact.pValue).toBeLessThan(0.05);
  });
});

describe('model utility, MIA AUC and scores', () => {
  it('harmonic mean, 0 if any value is 0', () => {
    expect(modelUtility([0.9, 0.8, 0.95])).toBeCloseTo(3 / (1 / 0.9 + 1 / 0.8 + 1 / 0.95), 15);
    expect(modelUtility([0.5, 0])).toBe(0);
  });
  it('AUC is the Mann–Whitney probability with ties ½ (lower score = member)', () => {
    const mem = [0.1, 0.2, 0.2, 0.9];
    const non = [0.2, 0.5, 0.05];
    let ref = 0;
    for (const a of mem) for (const b of non) ref += b > a ? 1 : b === a ? 0.5 : 0;
    expect(miaAuc(mem, non).auc).toBeCloseTo(ref / 12, 15);
  });
  it('TPR at FPR ≤ f: the best threshold that keeps false positives within f', () => {
    const non = Array.from({ length: 100 }, (_, i) => 1 + i); // scores 1..100
    const mem = [0.5, 1.5, 2.5, 50];
    // τ = 1.5 admits one non-member (FPR 1%) and 2 members; τ = 2.5 would admit 2 non-members.
    expect(miaAuc(mem, non).tprAtLowFpr).toBe(0.5);
    expect(miaAuc(mem, non, { fpr: 0 }).tprAtLowFpr).toBe(0.25);
  });
  it('min-k% and min-k%++ scores from their definitions', () => {
    expect(minKScore([-0.1, -3, -0.2, -5], 0.5)).toBe(4);
    expect(minKScore([-1, -2], 0.2)).toBe(2); // max(1, ⌊0.4⌋) = 1 token
    const vocab = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    const mu = 0.5 * vocab[0]! + 0.3 * vocab[1]! + 0.2 * vocab[2]!;
    const sd = Math.sqrt(0.5 * vocab[0]! ** 2 + 0.3 * vocab[1]! ** 2 + 0.2 * vocab[2]! ** 2 - mu * mu);
    expect(minKPlusPlusScore([vocab[2]!, vocab[0]!], [vocab, vocab], 0.5)).toBeCloseTo(-(vocab[2]! - mu) / sd, 14);
  });
  it('bad input', () => {
    expectCleanThrow(() => ksTest([], [1]), 'EMPTY_BATCH');
    expectCleanThrow(() => ksTest([Number.NaN], [1]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => modelUtility([-1]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => miaAuc([1], [2], { fpr: 2 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => minKScore([1], 0), 'INVALID_PARAMETER');
    expectCleanThrow(() => minKPlusPlusScore([1, 2], [[0]]), 'SHAPE_MISMATCH');
  });
});
