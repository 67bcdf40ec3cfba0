// WGA, SatImp, UNDIAL, CE-U and DPO / IdkDPO forget terms against float64 references written from open-unlearning's code
// (locuslab/open-unlearning d3d7cf9e, src/trainer/utils.py compute_wga_loss / compute_satimp_loss / compute_undial_loss /
// compute_dpo_loss, src/trainer/unlearn/ceu.py), with finite-difference gradients.
import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, logSoftmax, randomLabels, randomMatrix, softmax } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ceu, ceuTerm, dpo, dpoTerm, idkDpo, satImpTerm, undial, undialTerm, wgaTerm } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const B = 6;
const C = 5;
const z = randomMatrix(B, C, 3, 2);
const zr = randomMatrix(B, C, 4, 2);
const y = randomLabels(B, C, 5);
const alt = randomLabels(B, C, 6).map((k) => Array.from({ length: C }, (_, j) => (j === k ? 1 : 0)));
const refLoss = zr.map((row, i) => -logSoftmax(row)[y[i]!]!);

const perSample = (expr: Parameters<typeof compile>[0], inputs: Record<string, unknown> = {}) => {
  const t = compile(expr).perSample(y, z, { inputs: inputs as never });
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
};

describe('forget terms vs float64 references', () => {
  it('WGA: −p_y^β · ℓ', () => {
    const ref = z.map((row, i) => {
      const l = -logSoftmax(row)[y[i]!]!;
      return -(Math.exp(-l) ** 0.5) * l;
    });
    perSample(wgaTerm({ beta: 0.5 })).forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 5));
  });
  it('SatImp: −p^β1 (1 − p)^β2 · ℓ', () => {
    const ref = z.map((row, i) => {
      const p = softmax(row)[y[i]!]!;
      return -(p ** 5) * (1 - p) ** 1 * -Math.log(p);
    });
    perSample(satImpTerm()).forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 5));
  });
  it('UNDIAL: CE against softmax(z_ref − β e_y)', () => {
    const ref = z.map((row, i) => {
      const t = softmax(zr[i]!.map((v, j) => v - (j === y[i] ? 10 : 0)));
      const lp = logSoftmax(row);
      return -t.reduce((s, tj, j) => s + tj * lp[j]!, 0);
    });
    perSample(undialTerm(), { reference: zr }).forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 5));
  });
  it('CE-U: CE against the softmax of the other classes; gradient p − t', () => {
    const ref = (flat: Float64Array) => {
      let s = 0;
      for (let i = 0; i < B; i++) {
        const row = Array.from(flat.subarray(i * C, (i + 1) * C));
        const others = row.map((v, j) => (j === y[i] ? -Infinity : v));
        const t = softmax(others.map((v) => (v === -Infinity ? -1e300 : v))).map((v, j) => (j === y[i] ? 0 : v));
        const lp = logSoftmax(row);
        s += -t.reduce((a, tj, j) => a + (tj === 0 ? 0 : tj * lp[j]!), 0);
      }
      return s / B;
    };
    const x = tf.tensor2d(z);
    const loss = compile(ceuTerm());
    const v = loss(y, x);
    expect(v.dataSync()[0]!).toBeCloseTo(ref(Float64Array.from(z.flat())), 5);
    v.dispose();
    // t is under stop-gradient, so the gradient is (p − t)/B, not the derivative of the reference (which moves t).
    const { grad } = loss.valueAndGrad(y, x);
    const g = grad.arraySync() as number[][];
    z.forEach((row, i) => {
      const p = softmax(row);
      const others = softmax(row.map((v2, j) => (j === y[i] ? -1e300 : v2))).map((v2, j) => (j === y[i] ? 0 : v2));
      row.forEach((_, j) => expect(g[i]![j]!).toBeCloseTo((p[j]! - others[j]!) / B, 6));
    });
    grad.dispose();
    x.dispose();
  });
  it('DPO: (2/β) softplus(−β[(log π_θ(w) − log π_ref(w)) − (log π_θ(y) − log π_ref(y))]) and its gradient', () => {
    const beta = 0.5;
    const ref = (flat: Float64Array) => {
      let s = 0;
      for (let i = 0; i < B; i++) {
        const lp = logSoftmax(Array.from(flat.subarray(i * C, (i + 1) * C)));
        const lr = logSoftmax(zr[i]!);
        const w = alt[i]!.indexOf(1);
        const u = lp[w]! - lr[w]! - (lp[y[i]!]! - lr[y[i]!]!);
        const a = -beta * u;
        s += (2 / beta) * (Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a))));
      }
      return s / B;
    };
    const loss = compile(dpoTerm({ beta }));
    const inputs = { reference: zr, referenceLoss: refLoss, alternate: alt };
    const x = tf.tensor2d(z);
    const v = loss(y, x, { inputs });
    expect(v.dataSync()[0]!).toBeCloseTo(ref(Float64Array.from(z.flat())), 5);
    v.dispose();
    const g = checkGradient((t) => loss(y, t, { inputs }), x, { reference: ref });
    expect(g.ok, `worst ${g.worst}`).toBe(true);
    x.dispose();
  });
  it('IdkDPO with idkClass k equals DPO with a one-hot alternate at k; at θ = ref the term is (2/β) log 2', () => {
    const idk = Array.from({ length: B }, () => Array.from({ length: C }, (_, j) => (j === 4 ? 1 : 0)));
    const a = perSample(dpoTerm({ idkClass: 4 }), { reference: zr, referenceLoss: refLoss });
    const b = perSample(dpoTerm(), { reference: zr, referenceLoss: refLoss, alternate: idk });
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 6));
    const self = perSample(dpoTerm({ beta: 0.1 }), { reference: z, referenceLoss: z.map((row, i) => -logSoftmax(row)[y[i]!]!), alternate: alt });
    for (const v of self) expect(v).toBeCloseTo((2 / 0.1) * Math.log(2), 4);
  });
  it('objectives carry open-unlearning defaults and need a reference where they read one', () => {
    expect(dpo().needsReference).toBe(true);
    expect(idkDpo({ idkClass: 1 }).name).toBe('idkDpo');
    expect(undial().retain).toBeUndefined();
    expect(undial().needsReference).toBe(true);
    expect(ceu().retain).toBeUndefined();
  });
  it('bad input', () => {
    expectCleanThrow(() => wgaTerm({ beta: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => dpoTerm({ idkClass: 1.5 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => dpoTerm({ beta: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => idkDpo({} as never), 'MISSING_INPUT');
    expectCleanThrow(() => compile(dpoTerm({ idkClass: 9 }))(y, z, { inputs: { reference: zr, referenceLoss: refLoss } }), 'INVALID_PARAMETER');
  });
});
