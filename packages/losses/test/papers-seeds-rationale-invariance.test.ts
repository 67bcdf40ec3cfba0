// RIDG rationale invariance: the bank update and the regularizer against a float64 reference written from the Dassl
// RIDG trainer (rational[j] = W_j ⊙ h; bank_c ← R̄_c first, then (1 − m) bank_c + m R̄_c; loss Σ_c mean over (j, i ∈ c) of
// Σ_d (R − bank_c)²); gradient checks with respect to the features and the classifier weight; ±1e4; ties; errors; leaks.
import * as tf from '@tensorflow/tfjs-core';
import { ce, compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog, rationaleBankInit, rationaleBankUpdate, rationaleInvariance } from '../src/index.js';

const entry = catalog.find((e) => e.id === 'rationale-invariance')!;

beforeAll(async () => {
  await ready();
});

type Bank = number[][][];
function updateRef(bank: Bank, seen: boolean[], h: number[][], W: number[][], y: number[], m: number): { bank: Bank; seen: boolean[] } {
  const out = bank.map((c) => c.map((r) => [...r]));
  const s = [...seen];
  for (const c of [...new Set(y)]) {
    const rows = y.map((v, i) => (v === c ? i : -1)).filter((i) => i >= 0);
    const mean = W.map((wj) => wj.map((w, d) => rows.reduce((a, i) => a + w * h[i]![d]!, 0) / rows.length));
    out[c] = s[c] ? out[c]!.map((r, j) => r.map((v, d) => (1 - m) * v + m * mean[j]![d]!)) : mean;
    s[c] = true;
  }
  return { bank: out, seen: s };
}
function lossRef(h: number[][], W: number[][], y: number[], bank: Bank): number {
  let total = 0;
  for (const c of [...new Set(y)]) {
    const rows = y.map((v, i) => (v === c ? i : -1)).filter((i) => i >= 0);
    let s = 0;
    for (const i of rows) for (let j = 0; j < W.length; j++) s += W[j]!.reduce((a, w, d) => a + (w * h[i]![d]! - bank[c]![j]![d]!) ** 2, 0);
    total += s / (rows.length * W.length);
  }
  return total;
}

const B = 6;
const C = 3;
const D = 4;
const h = f32(randomMatrix(B, D, 121, 1));
const W = f32(randomMatrix(C, D, 122, 0.7));
const y = [0, 2, 0, 1, 2, 0];
const logits = h.map((row) => W.map((wj) => wj.reduce((a, w, d) => a + w * row[d]!, 0)));
const m = 0.3;

/** Two updates from an empty bank (classes 0, 1 seen first, then 0, 1, 2), with the float64 reference. */
function bankAfterTwoSteps() {
  const h2 = f32(randomMatrix(B, D, 123, 1));
  const y2 = [0, 0, 1, 1, 0, 1];
  const first = rationaleBankUpdate(rationaleBankInit(C, D), h2, W, y2, { momentum: m });
  const st = rationaleBankUpdate(first, h, W, y, { momentum: m });
  first.bank.dispose();
  const empty: Bank = Array.from({ length: C }, () => W.map(() => new Array(D).fill(0)));
  const r1 = updateRef(empty, [false, false, false], h2, W, y2, m);
  const ref = updateRef(r1.bank, r1.seen, h, W, y, m);
  return { st, ref };
}

describe('rationaleBankUpdate', () => {
  it('replaces a class’s first mean, then averages with momentum m; classes absent from a batch keep their entry', () => {
    const { st, ref } = bankAfterTwoSteps();
    const got = st.bank.arraySync() as Bank;
    got.forEach((c, ci) => c.forEach((r, j) => r.forEach((v, d) => expect(Math.abs(v - ref.bank[ci]![j]![d]!)).toBeLessThan(1e-5))));
    expect(st.seen).toEqual([true, true, true]);
    st.bank.dispose();
    const one = rationaleBankUpdate(rationaleBankInit(C, D), h, W, [0, 0, 0, 0, 0, 0], { momentum: 0.5 });
    expect(one.seen).toEqual([true, false, false]);
    expect(Array.from(tf.tidy(() => tf.slice(one.bank, [1, 0, 0], [2, C, D]).dataSync())).every((v) => v === 0)).toBe(true);
    one.bank.dispose();
  });
});

describe('rationaleInvariance', () => {
  let ref: { bank: Bank; seen: boolean[] };
  let bank: Bank;
  let inputs: { features: number[][]; classifierWeight: number[][]; rationaleBank: Bank };
  beforeAll(() => {
    const two = bankAfterTwoSteps();
    ref = two.ref;
    bank = two.st.bank.arraySync() as Bank;
    two.st.bank.dispose();
    inputs = { features: h, classifierWeight: W, rationaleBank: bank };
  });

  it('matches the float64 reference of the Dassl trainer’s loss_rational (rel err <= 1e-5)', () => {
    const v = compile(rationaleInvariance())(y, logits, { inputs });
    const want = lossRef(h, W, y, ref.bank);
    expect(Math.abs(v.dataSync()[0]! - want) / want).toBeLessThan(1e-5);
    v.dispose();
  });

  it('adds to the cross-entropy: CE + reg · L_rational', () => {
    const v = compile(ce().mean().plus(rationaleInvariance().scale(0.1)))(y, logits, { inputs });
    const c = compile(ce())(y, logits);
    expect(Math.abs(v.dataSync()[0]! - (c.dataSync()[0]! + 0.1 * lossRef(h, W, y, ref.bank))) / v.dataSync()[0]!).toBeLessThan(1e-5);
    tf.dispose([v, c]);
  });

  it('passes finite-difference gradient checks with respect to the features and the classifier weight (bank held fixed)', () => {
    const loss = compile(rationaleInvariance());
    const ht = tf.tensor2d(h);
    const wt = tf.tensor2d(W);
    const unflat = (f: Float64Array, rows: number, cols: number) => Array.from({ length: rows }, (_, i) => Array.from(f.slice(i * cols, (i + 1) * cols)));
    const r1 = checkGradient((t) => loss(y, logits, { inputs: { ...inputs, features: t } }), ht, { reference: (f) => lossRef(unflat(f, B, D), W, y, ref.bank) });
    const r2 = checkGradient((t) => loss(y, logits, { inputs: { ...inputs, classifierWeight: t } }), wt, { reference: (f) => lossRef(h, unflat(f, C, D), y, ref.bank) });
    tf.dispose([ht, wt]);
    expect(r1.ok, `features worst ${r1.worst}`).toBe(true);
    expect(r2.ok, `weight worst ${r2.worst}`).toBe(true);
  });

  it('gives the logits no gradient (the regularizer reads the features and the weight)', () => {
    const { grad, value } = compile(rationaleInvariance()).valueAndGrad(y, logits, { inputs });
    expect(Array.from(grad.dataSync()).every((g) => g === 0)).toBe(true);
    tf.dispose([grad, value]);
  });

  it('ties: samples of a class with identical features and a fresh bank (m = 1) give 0', () => {
    const same = [[1, 2, 3, 4], [1, 2, 3, 4], [0.5, 0, 1, 2]];
    const st1 = rationaleBankUpdate(rationaleBankInit(C, D), same, W, [1, 1, 2], { momentum: 1 });
    const v = compile(rationaleInvariance())([1, 1, 2], same.map(() => [0, 0, 0]), { inputs: { features: same, classifierWeight: W, rationaleBank: st1.bank } });
    expect(Math.abs(v.dataSync()[0]!)).toBeLessThan(1e-6);
    tf.dispose([v, st1.bank]);
  });

  it('is finite at features of magnitude 1e4 and matches the reference there', () => {
    const big = h.map((r) => r.map((v) => v * 1e4));
    const st2 = rationaleBankUpdate(rationaleBankInit(C, D), big, W, y, { momentum: m });
    const b2 = st2.bank.arraySync() as Bank;
    const loss = compile(rationaleInvariance());
    const shifted = big.map((r, i) => r.map((v, d) => v + 1e3 * ((i + d) % 3)));
    const v = loss(y, logits, { inputs: { features: shifted, classifierWeight: W, rationaleBank: b2 } });
    const want = lossRef(shifted, W, y, b2);
    expect(Math.abs(v.dataSync()[0]! - want) / want).toBeLessThan(1e-4);
    tf.dispose([v, st2.bank]);
  });

  it('raises typed errors without leaking', () => {
    const loss = compile(rationaleInvariance());
    const onehot = y.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)));
    expectCleanThrow(() => loss(onehot, logits, { inputs }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => loss(y, logits, { inputs: { ...inputs, features: h.slice(1) } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => loss(y, logits, { inputs: { ...inputs, classifierWeight: W.slice(1) } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => loss(y, logits, { inputs: { ...inputs, classifierWeight: W.map((r) => r.slice(1)) } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => loss(y, logits, { inputs: { ...inputs, rationaleBank: bank.slice(1) } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => loss(y, logits, { inputs: { features: h, classifierWeight: W } }), 'MISSING_INPUT');
    const init = rationaleBankInit(C, D);
    expectCleanThrow(() => rationaleBankUpdate(init, h, W, y, { momentum: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => rationaleBankUpdate(init, h, W, y, { momentum: 1.5 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => rationaleBankUpdate(init, h, W, [0, 1, 2, 3, 0, 1], { momentum: 0.5 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => rationaleBankUpdate(init, h, W, [0, 1], { momentum: 0.5 }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => rationaleBankUpdate(init, h.map((r) => r.slice(1)), W, y, { momentum: 0.5 }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => rationaleBankUpdate(init, [[NaN, 0, 0, 0], ...h.slice(1)], W, y, { momentum: 0.5 }), 'NON_FINITE_INPUT');
    const small = rationaleBankInit(2, D);
    expectCleanThrow(() => rationaleBankUpdate(small, h, W, y, { momentum: 0.5 }), 'SHAPE_MISMATCH');
    small.bank.dispose();
    expectCleanThrow(() => rationaleBankUpdate({} as never, h, W, y, { momentum: 0.5 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => rationaleBankInit(0, 2), 'INVALID_PARAMETER');
    init.bank.dispose();
  });

  it('leaks no tensors (update, value, gradient)', () => {
    const loss = compile(rationaleInvariance());
    const ht = tf.tensor2d(h);
    expectNoLeaks(() => {
      let s = rationaleBankInit(C, D);
      for (let i = 0; i < 5; i++) {
        const n = rationaleBankUpdate(s, ht, W, y, { momentum: m });
        s.bank.dispose();
        s = n;
        loss(y, logits, { inputs: { features: ht, classifierWeight: W, rationaleBank: s.bank } }).dispose();
        tf.grad((t: tf.Tensor) => loss(y, logits, { inputs: { features: t, classifierWeight: W, rationaleBank: s.bank } }) as tf.Scalar)(ht).dispose();
      }
      s.bank.dispose();
    });
    ht.dispose();
  });

  it('the catalog example leaves no tensor behind (it disposes the empty bank it replaces)', () => {
    const code = entry.example!.split('\n').filter((l) => !l.startsWith('import ')).join('\n').replace('.print();', '.dispose();');
    const run = new Function('compile', 'ce', 'rationaleBankInit', 'rationaleBankUpdate', 'rationaleInvariance', code) as (...a: unknown[]) => void;
    const before = tf.memory().numTensors;
    run(compile, ce, rationaleBankInit, rationaleBankUpdate, rationaleInvariance);
    expect(tf.memory().numTensors).toBe(before);
  });
});
