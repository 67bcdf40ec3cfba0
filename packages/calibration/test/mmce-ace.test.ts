// ACE (Nixon et al. 2019), MMCE (Kumar et al. 2018) and DCA (Liang et al. 2020): float64 references written here from
// the papers, closed-form small cases, the differentiable penalties under compile() with finite-difference gradients,
// and bad input. netcal has no unit tests and torchmetrics has none of these metrics, so there are no published values
// to reproduce; the references below follow netcal's formulas (netcal/metrics/confidence/MMCE.py,
// netcal/regularization/MMCEPenalty.py, DCAPenalty.py at EFS-OpenSource/calibration-framework 2a3db8d7).
import * as tf from '@tensorflow/tfjs-core';
import { ce, compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, softmax } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ace, correctness, dca, dcaPenalty, ece, mmce, mmcePenalty } from '../src/index.js';
import { overconfident, probsRef, topRef } from './data.js';

beforeAll(async () => {
  await ready();
});

const { logits, labels } = overconfident(400, 4, 21);
const probs = probsRef(logits);
const { conf, correct } = topRef(probs, labels);

/** Nixon et al.'s ACE, written from the paper: per class sort all p_ik, R equal-count ranges, mean |acc − conf|. */
function aceRef(P: number[][], y: number[], R: number, threshold = 0): number {
  const C = P[0]!.length;
  let total = 0;
  let K = 0;
  for (let k = 0; k < C; k++) {
    const items = P.map((row, i) => ({ p: row[k]!, hit: y[i] === k ? 1 : 0, i })).filter((t) => t.p > threshold || threshold === 0);
    if (items.length === 0) continue;
    items.sort((a, b) => a.p - b.p || a.i - b.i);
    const r = Math.min(R, items.length);
    let s = 0;
    for (let m = 0; m < r; m++) {
      const part = items.slice(Math.floor((m * items.length) / r), Math.floor(((m + 1) * items.length) / r));
      const acc = part.reduce((a, t) => a + t.hit, 0) / part.length;
      const cf = part.reduce((a, t) => a + t.p, 0) / part.length;
      s += Math.abs(acc - cf);
    }
    total += s / r;
    K++;
  }
  return total / K;
}

/** MMCE from Kumar et al. (2018): unweighted double sum, and the weighted three-part form of netcal's MMCEPenalty. */
function mmceRef(r: number[], c: number[], weighted: boolean, width = 0.4): number {
  const k = (a: number, b: number) => Math.exp(-Math.abs(a - b) / width);
  const n = r.length;
  if (!weighted) {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += (c[i]! - r[i]!) * (c[j]! - r[j]!) * k(r[i]!, r[j]!);
    return Math.sqrt(Math.max(s / (n * n), 0));
  }
  const C = r.map((_, i) => i).filter((i) => c[i] === 1);
  const W = r.map((_, i) => i).filter((i) => c[i] === 0);
  let pc = 0;
  let pw = 0;
  let pm = 0;
  for (const i of C) for (const j of C) pc += (1 - r[i]!) * (1 - r[j]!) * k(r[i]!, r[j]!);
  for (const i of W) for (const j of W) pw += r[i]! * r[j]! * k(r[i]!, r[j]!);
  for (const i of C) for (const j of W) pm += (1 - r[i]!) * r[j]! * k(r[i]!, r[j]!);
  const q = (C.length ? pc / C.length ** 2 : 0) + (W.length ? pw / W.length ** 2 : 0) - (C.length && W.length ? (2 * pm) / (C.length * W.length) : 0);
  return Math.sqrt(Math.max(q, 0));
}

describe('ace (Nixon et al. 2019) against a float64 reference', () => {
  for (const bins of [1, 5, 15]) {
    it(`classwise, ${bins} ranges, from logits and probabilities`, () => {
      const ref = aceRef(probs, labels, bins);
      expect(ace(logits, labels, { bins })).toBeCloseTo(ref, 12);
      expect(ace(probs, labels, { bins, from: 'probs' })).toBeCloseTo(ref, 12);
    });
  }
  it('thresholded (TACE, threshold 1e-3): classes keep min(R, n_k) ranges', () => {
    const sharp = logits.map((r) => r.map((v) => 4 * v));
    const P = probsRef(sharp);
    expect(ace(sharp, labels, { bins: 15, threshold: 1e-3 })).toBeCloseTo(aceRef(P, labels, 15, 1e-3), 12);
  });
  it('top-label scope: mean over equal-mass bins of |acc − conf| (every bin weighs 1/R)', () => {
    const order = conf.map((_, i) => i).sort((a, b) => conf[a]! - conf[b]! || a - b);
    let s = 0;
    for (let m = 0; m < 10; m++) {
      const idx = order.slice(Math.floor((m * 400) / 10), Math.floor(((m + 1) * 400) / 10));
      s += Math.abs(idx.reduce((a, i) => a + correct[i]!, 0) / idx.length - idx.reduce((a, i) => a + conf[i]!, 0) / idx.length);
    }
    expect(ace(logits, labels, { bins: 10, scope: 'top-label' })).toBeCloseTo(s / 10, 12);
  });
  it('the TSDoc example: two samples, one range per class → 0.35', () => {
    expect(ace([[0.9, 0.1], [0.8, 0.2]], [0, 1], { from: 'probs', bins: 1 })).toBeCloseTo(0.35, 15);
  });
  it('equals top-label equal-mass ECE when bins are equal-sized (N divisible by R)', () => {
    expect(ace(logits, labels, { bins: 8, scope: 'top-label' })).toBeCloseTo(ece(logits, labels, { bins: 8, strategy: 'mass' }), 12);
  });
  it('rejects a bad scope, a threshold outside [0, 1) and a threshold with top-label scope', () => {
    expectCleanThrow(() => ace(logits, labels, { scope: 'all' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => ace(logits, labels, { threshold: 1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => ace(logits, labels, { threshold: Number.NaN }), 'INVALID_PARAMETER');
    expectCleanThrow(() => ace(logits, labels, { threshold: 0.1, scope: 'top-label' }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => ace(logits.slice(0, 3), labels.slice(0, 3), { bins: 4 }), 'INVALID_ARGUMENT');
  });
});

describe('mmce (Kumar et al. 2018) against float64 references', () => {
  it('unweighted MMCE_m equals the double sum', () => {
    expect(mmce(logits, labels)).toBeCloseTo(mmceRef(conf, correct, false), 12);
    expect(mmce(probs, labels, { from: 'probs', width: 0.1 })).toBeCloseTo(mmceRef(conf, correct, false, 0.1), 12);
  });
  it('weighted MMCE_w equals the three-part form (correct, wrong, mixed)', () => {
    expect(mmce(logits, labels, { weighted: true })).toBeCloseTo(mmceRef(conf, correct, true), 12);
  });
  it('the TSDoc example in closed form', () => {
    const want = Math.sqrt((0.1 ** 2 + 0.8 ** 2 - 2 * 0.1 * 0.8 * Math.exp(-0.1 / 0.4)) / 4);
    expect(mmce([[0.9, 0.1], [0.2, 0.8]], [0, 0], { from: 'probs' })).toBeCloseTo(want, 14);
  });
  it('is 0 for a perfectly confident, always right model, and 0 in the weighted form with no wrong samples at r = 1', () => {
    expect(mmce([[1, 0], [0, 1]], [0, 1], { from: 'probs' })).toBe(0);
    expect(mmce([[1, 0], [0, 1]], [0, 1], { from: 'probs', weighted: true })).toBe(0);
  });
  it('rejects a non-positive width and a non-boolean weighted', () => {
    expectCleanThrow(() => mmce(logits, labels, { width: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => mmce(logits, labels, { weighted: 1 as never }), 'INVALID_PARAMETER');
  });
});

describe('dca (Liang et al. 2020)', () => {
  it('equals |mean correctness − mean confidence| and is at most ECE for any bins', () => {
    const ref = Math.abs(correct.reduce((a, b) => a + b, 0) / 400 - conf.reduce((a, b) => a + b, 0) / 400);
    expect(dca(logits, labels)).toBeCloseTo(ref, 14);
    for (const bins of [1, 5, 15]) expect(dca(logits, labels)).toBeLessThanOrEqual(ece(logits, labels, { bins }) + 1e-15);
    expect(dca(logits, labels)).toBeCloseTo(ece(logits, labels, { bins: 1 }), 14);
  });
  it('the TSDoc example: 0.25', () => {
    expect(dca([[0.9, 0.1], [0.4, 0.6]], [0, 0], { from: 'probs' })).toBeCloseTo(0.25, 15);
  });
});

describe('MMCE and DCA penalties in compile()', () => {
  const small = logits.slice(0, 24).map((r) => r.map((v) => v / 2));
  const y = labels.slice(0, 24);
  const refOf = (weighted: boolean) => (flat: Float64Array) => {
    const rows = Array.from({ length: 24 }, (_, i) => softmax(Array.from(flat.subarray(i * 4, (i + 1) * 4))));
    const r = rows.map((p) => Math.max(...p));
    const c = rows.map((p, i) => (p.indexOf(Math.max(...p)) === y[i] ? 1 : 0));
    return mmceRef(r, c, weighted);
  };
  for (const weighted of [true, false]) {
    it(`mmcePenalty({ weighted: ${weighted} }) equals the float64 metric and its finite-difference gradient`, () => {
      const loss = compile(mmcePenalty({ weighted }));
      const x = tf.tensor2d(small);
      const v = expectNoLeaks(() => {
        const t = loss(y, x);
        const out = t.dataSync()[0]!;
        t.dispose();
        return out;
      });
      expect(v).toBeCloseTo(refOf(weighted)(Float64Array.from(small.flat())), 5);
      expect(v).toBeCloseTo(mmce(small, y, { weighted }), 5);
      const g = checkGradient((t) => loss(y, t), x, { reference: refOf(weighted) });
      expect(g.ok, `worst ${g.worst} at ${g.worstIndex}`).toBe(true);
      x.dispose();
    });
  }
  it('ce().mean().plus(mmcePenalty().scale(2)) adds 2·MMCE_w to the mean CE', () => {
    const total = compile(ce().mean().plus(mmcePenalty().scale(2)));
    const t = total(y, small);
    const c = compile(ce())(y, small);
    expect(t.dataSync()[0]!).toBeCloseTo(c.dataSync()[0]! + 2 * mmce(small, y, { weighted: true }), 5);
    t.dispose();
    c.dispose();
  });
  it('a batch with MMCE exactly 0 has a finite (zero) gradient, not NaN', () => {
    const perfect = [[30, 0], [0, 30]];
    const { value, grad } = compile(mmcePenalty()).valueAndGrad([0, 1], perfect);
    expect(value.dataSync()[0]).toBe(0);
    expect(Array.from(grad.dataSync()).every((g) => g === 0)).toBe(true);
    value.dispose();
    grad.dispose();
  });
  it('dcaPenalty equals the dca metric and has the gradient of the mean confidence (accuracy detached)', () => {
    const loss = compile(dcaPenalty());
    const t = loss(y, small);
    expect(t.dataSync()[0]!).toBeCloseTo(dca(small, y), 6);
    t.dispose();
    const ref = (flat: Float64Array) => {
      const rows = Array.from({ length: 24 }, (_, i) => softmax(Array.from(flat.subarray(i * 4, (i + 1) * 4))));
      const hits = small.map((row, i) => (row.indexOf(Math.max(...row)) === y[i] ? 1 : 0));
      return Math.abs(rows.reduce((s, p, i) => s + Math.max(...p) - hits[i]!, 0) / 24);
    };
    const x = tf.tensor2d(small);
    const g = checkGradient((v) => loss(y, v), x, { reference: ref });
    expect(g.ok, `worst ${g.worst}`).toBe(true);
    x.dispose();
  });
  it('correctness() is the batch accuracy and carries no gradient', () => {
    const loss = compile(correctness());
    const hits = small.map((row, i) => (row.indexOf(Math.max(...row)) === y[i] ? 1 : 0));
    const { value, grad } = loss.valueAndGrad(y, small);
    expect(value.dataSync()[0]!).toBeCloseTo(hits.reduce((a: number, b) => a + b, 0) / 24, 7);
    expect(Array.from(grad.dataSync()).every((v) => v === 0)).toBe(true);
    value.dispose();
    grad.dispose();
  });
  it('mmcePenalty rejects bad options before building', () => {
    expectCleanThrow(() => mmcePenalty({ width: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => mmcePenalty(null as never), 'INVALID_ARGUMENT');
  });
});
