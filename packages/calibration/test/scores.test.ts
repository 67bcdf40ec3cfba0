import { describe, expect, it } from 'vitest';
import { logSoftmax, rng } from '@losskit/core/testing';
import { accuracy, bootstrapCi, brierScore, ece, ksCalibrationError, nll } from '../src/index.js';
import { eceRef, overconfident, probsRef, topRef } from './data.js';

const { logits, labels } = overconfident(500, 6, 4);
const probs = probsRef(logits);

describe('KS, Brier, NLL, accuracy against float64 references', () => {
  it('KS calibration error (Gupta et al. 2021)', () => {
    const { conf, correct } = topRef(probs, labels);
    const order = conf.map((_, i) => i).sort((a, b) => conf[a]! - conf[b]!);
    let c = 0;
    let a = 0;
    let ks = 0;
    for (const i of order) {
      c += conf[i]! / conf.length;
      a += correct[i]! / conf.length;
      ks = Math.max(ks, Math.abs(c - a));
    }
    expect(ksCalibrationError(logits, labels)).toBeCloseTo(ks, 12);
    expect(ksCalibrationError([[0.2, 0.8], [0.9, 0.1]], [1, 1], { from: 'probs' })).toBeCloseTo(0.35, 14);
  });
  it('Brier score', () => {
    const ref = probs.reduce((s, r, i) => s + r.reduce((t, p, c) => t + (p - (c === labels[i] ? 1 : 0)) ** 2, 0), 0) / probs.length;
    expect(brierScore(logits, labels)).toBeCloseTo(ref, 12);
    expect(brierScore(probs, labels, { from: 'probs' })).toBeCloseTo(ref, 12);
  });
  it('NLL from logits and from probabilities; stable at ±1e4', () => {
    const ref = logits.reduce((s, r, i) => s - logSoftmax(r)[labels[i]!]!, 0) / logits.length;
    expect(nll(logits, labels)).toBeCloseTo(ref, 12);
    expect(nll(probs, labels, { from: 'probs' })).toBeCloseTo(ref, 10);
    expect(nll([[1e4, -1e4], [-1e4, 1e4]], [1, 1])).toBeCloseTo(1e4, 8);
    expect(nll([[0, 1]], [0], { from: 'probs', epsilon: 1e-12 })).toBeCloseTo(-Math.log(1e-12), 12);
  });
  it('accuracy', () => {
    const { correct } = topRef(probs, labels);
    expect(accuracy(logits, labels)).toBe(correct.reduce((a, b) => a + b, 0) / correct.length);
  });
});

describe('bootstrap confidence intervals', () => {
  /**
   * Independent float64 reference of the percentile bootstrap (Efron 1979): B resamples of N indices ⌊u·N⌋ drawn in
   * order from the seeded mulberry32 stream (the PRNG is the one shared input), ECE of each resample by eceRef (Guo et
   * al.'s bins, written in test/data.ts), and NumPy's default (type 7, linear) quantiles of the sorted values.
   */
  function referenceBootstrap(B: number, level: number, seed: number, bins: number) {
    const { conf, correct } = topRef(probs, labels);
    const u = rng(seed);
    const values: number[] = [];
    for (let b = 0; b < B; b++) {
      const idx = Array.from({ length: conf.length }, () => Math.floor(u() * conf.length));
      values.push(eceRef(idx.map((i) => conf[i]!), idx.map((i) => correct[i]!), bins));
    }
    values.sort((x, y) => x - y);
    const type7 = (q: number) => {
      const h = (values.length - 1) * q;
      const lo = Math.floor(h);
      return values[lo]! + (h - lo) * (values[Math.min(lo + 1, values.length - 1)]! - values[lo]!);
    };
    return { value: eceRef(conf, correct, bins), lower: type7((1 - level) / 2), upper: type7((1 + level) / 2) };
  }

  it('match an independent float64 reference resampler (seeded index stream, reference ECE, type-7 quantiles)', () => {
    const a = bootstrapCi(ece, logits, labels, { bins: 10 }, { resamples: 200, seed: 7 });
    const ref = referenceBootstrap(200, 0.95, 7, 10);
    expect(a.value).toBeCloseTo(ref.value, 12);
    expect(a.lower).toBeCloseTo(ref.lower, 12);
    expect(a.upper).toBeCloseTo(ref.upper, 12);
    expect(a.upper - a.lower).toBeGreaterThan(0.01);
    const b = bootstrapCi(ece, logits, labels, { bins: 10 }, { resamples: 50, level: 0.8, seed: 3 });
    const refB = referenceBootstrap(50, 0.8, 3, 10);
    expect([b.lower, b.upper, b.level, b.resamples]).toEqual([expect.closeTo(refB.lower, 12), expect.closeTo(refB.upper, 12), 0.8, 50]);
  });

  it('are deterministic for a seed and differ between seeds', () => {
    const a = bootstrapCi(ece, logits, labels, { bins: 10 }, { resamples: 100, seed: 7 });
    expect(bootstrapCi(ece, logits, labels, { bins: 10 }, { resamples: 100, seed: 7 })).toEqual(a);
    expect(bootstrapCi(ece, logits, labels, { bins: 10 }, { resamples: 100, seed: 8 }).lower).not.toBe(a.lower);
    expect(() => bootstrapCi(ece, logits, labels, {}, { level: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
});
