// DeYO (Lee et al., "Entropy is not Enough for Test-Time Adaptation", ICLR 2024) against a float64 reference written
// from the authors' forward_and_adapt_deyo (Jhyun17/DeYO methods/deyo.py, commit 3d7d289): entropy filter
// Ent < 0.5 log C, PLPD = p(ŷ|x) − p(ŷ|x') > 0.2, weight 1/exp(Ent − 0.4 log C) + 1/exp(−PLPD) from detached values,
// mean over the kept samples.
import { compile, ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, f32, randomMatrix, softmax } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DeyoOptions, deyo } from '../src/index.js';
import { type M, suite } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

const H = (p: number[]) => -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);

interface Flags {
  readonly margin: number;
  readonly base: number;
  readonly thr: number;
  readonly fe: boolean;
  readonly fp: boolean;
  readonly re: boolean;
  readonly rp: boolean;
}
const DEFAULT: Flags = { margin: 0.5, base: 0.4, thr: 0.2, fe: true, fp: true, re: true, rp: true };

/** keep_i and α_i at z (the code computes both from detached values). */
function parts(z: M, destroyed: M, f: Flags): { keep: number[]; alpha: number[] } {
  const logC = Math.log(z[0]!.length);
  const keep: number[] = [];
  const alpha: number[] = [];
  z.forEach((row, i) => {
    const p = softmax(row);
    const h = H(p);
    const k = p.indexOf(Math.max(...p));
    const plpd = p[k]! - softmax(destroyed[i]!)[k]!;
    keep.push((f.fe ? h < f.margin * logC : h <= Math.log(1000)) && (f.fp ? plpd > f.thr : plpd >= -2) ? 1 : 0);
    alpha.push(f.re || f.rp ? (f.re ? 1 / Math.exp(h - f.base * logC) : 0) + (f.rp ? 1 / Math.exp(-plpd) : 0) : 1);
  });
  return { keep, alpha };
}

/** The loss as a function of z with keep and α frozen at z0: its value at z0 is DeYO's, its gradient is DeYO's. */
function reference(z0: M, destroyed: M, f: Flags = DEFAULT): (z: M) => number {
  const { keep, alpha } = parts(z0, destroyed, f);
  const n = Math.max(keep.reduce((a, b) => a + b, 0), 1);
  return (z) => z.reduce((acc, row, i) => acc + keep[i]! * alpha[i]! * H(softmax(row)), 0) / n;
}

const B = 8;
const C = 5;
const z = f32(randomMatrix(B, C, 51, 3));
// Destroyed inputs: half lose their prediction's confidence (PLPD > 0.2 likely), half keep it (PLPD ≈ 0).
const destroyed = z.map((r, i) => (i % 2 ? r.map((v) => v * 0.1) : r.map((v) => v + 0.01)));
const zeros = new Array(B).fill(0);

{
  const ref0 = parts(z, destroyed, DEFAULT);
  it('the test batch has kept and dropped samples under the default filters', () => {
    expect(ref0.keep.filter(Boolean).length).toBeGreaterThan(0);
    expect(ref0.keep.filter((k) => !k).length).toBeGreaterThan(0);
  });
}

suite({ name: 'deyo()', loss: compile(deyo()), yTrue: zeros, x: z, opts: { inputs: { destroyed } }, ref: reference(z, destroyed) });
const noReweight: DeyoOptions = { reweightEntropy: false, reweightPlpd: false };
suite({
  name: 'deyo({ reweightEntropy: false, reweightPlpd: false }) (plain filtered entropy)',
  loss: compile(deyo(noReweight)),
  yTrue: zeros,
  x: z,
  opts: { inputs: { destroyed } },
  ref: reference(z, destroyed, { ...DEFAULT, re: false, rp: false }),
});
suite({
  name: 'deyo({ filterEntropy: false, plpdThreshold: -0.1, entropyBase: 0.3 })',
  loss: compile(deyo({ filterEntropy: false, plpdThreshold: -0.1, entropyBase: 0.3 })),
  yTrue: zeros,
  x: z,
  opts: { inputs: { destroyed } },
  ref: reference(z, destroyed, { ...DEFAULT, fe: false, thr: -0.1, base: 0.3 }),
});

describe('deyo', () => {
  it('is 0 with a zero gradient when no sample passes the filters', () => {
    const { value, grad } = compile(deyo()).valueAndGrad(zeros, z, { inputs: { destroyed: z } }); // PLPD = 0 everywhere
    expect(value.dataSync()[0]).toBe(0);
    expect(Array.from(grad.dataSync()).every((g) => g === 0)).toBe(true);
    value.dispose();
    grad.dispose();
  });

  it('takes the first class at a tie of the top probability (argmax), as torch.argmax', () => {
    // p = [0.5, 0.5, 0, 0]-like tie; destroyed lowers class 0 only: PLPD of ŷ = 0 is large, of class 1 would be negative.
    const tie = [[5, 5, -5, -5]];
    const d = [[-5, 5, -5, -5]];
    const p = softmax(tie[0]!);
    const want = reference(tie, d, { ...DEFAULT, fe: false })(tie);
    expect(p[0]! - softmax(d[0]!)[0]!).toBeGreaterThan(0.2);
    const v = compile(deyo({ filterEntropy: false }))([0], tie, { inputs: { destroyed: d } });
    expect(v.dataSync()[0]).toBeCloseTo(want, 5);
    v.dispose();
  });

  it('rejects out-of-range hyperparameters and bad inputs with typed errors, cleanly', () => {
    expectCleanThrow(() => deyo({ entropyMargin: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => deyo({ plpdThreshold: 2 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => deyo({ filterPlpd: 'yes' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => deyo(null as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => compile(deyo())(zeros, z), 'MISSING_INPUT');
    expectCleanThrow(() => compile(deyo())(zeros, z, { inputs: { destroyed: destroyed.map((r) => r.slice(1)) } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(deyo()).valueAndGrad(zeros, z, { inputs: { destroyed: destroyed.map((r, i) => r.map((v, j) => (i + j === 3 ? Infinity : v))) } }), 'NON_FINITE_INPUT');
  });

  it('leaks no tensors', () => {
    const loss = compile(deyo());
    expectNoLeaks(() => {
      const g = loss.valueAndGrad(zeros, z, { inputs: { destroyed } });
      g.value.dispose();
      g.grad.dispose();
    });
  });
});
