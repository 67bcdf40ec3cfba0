import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Compilable, LosskitError, ce, compile, prob, ready } from '@losskit/core';
import { checkGradient, expectNoLeaks, f32, logSoftmax, oneHot, randomLabels, randomMatrix, softmax } from '@losskit/core/testing';
import { flatTerm, gradientAscent, gradientDifference, klRetain, klToReference, loreun, loreunTerm, npo, npoTerm, objective, simNpo, simNpoTerm } from '../src/index.js';

// Float64 references written from the papers / open-unlearning code (never from src/).
const sp = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const nll = (z: number[], y: number) => -logSoftmax(z)[y]!;
// NPO (open-unlearning): −(2/β)·log σ(−β(log π_θ − log π_ref)) = (2/β)·log(1 + (π_θ/π_ref)^β).
const npoRef = (z: number[], zr: number[], y: number, b: number) => (2 / b) * Math.log1p(Math.exp(b * (-nll(z, y) + nll(zr, y))));
// SimNPO (open-unlearning): −(2/β)·log σ(β(NLL/|y| − δ)).
const simNpoRef = (z: number[], y: number, b: number, d: number, len = 1) => -(2 / b) * -sp(-(b * (nll(z, y) / len - d)));
// FLAT table (UCSC-REAL/FLAT get_contrastive_loss), x = P: L = act(P_g) − conj(P_f).
const FLAT: Record<string, { act: (x: number) => number; conj: (x: number) => number }> = {
  totalVariation: { act: (x) => -Math.tanh(x) / 2, conj: (x) => -Math.tanh(x) / 2 },
  kl: { act: (x) => -x, conj: (x) => -Math.exp(x - 1) },
  js: { act: (x) => Math.log(1 + Math.exp(-x)) - Math.log(2), conj: (x) => -(x + Math.log(1 + Math.exp(-x))) + Math.log(2) },
  pearson: { act: (x) => -x, conj: (x) => -((x * x) / 4 + x) },
  squaredHellinger: { act: (x) => -(1 - Math.exp(x)), conj: (x) => -(1 - Math.exp(x)) / Math.exp(x) },
  reverseKl: { act: (x) => Math.exp(x), conj: (x) => 1 + x },
};
const klRef = (z: number[], zr: number[]) => {
  const lp = logSoftmax(z);
  const lr = logSoftmax(zr);
  return lr.reduce((s, l, j) => s + Math.exp(l) * (l - lp[j]!), 0);
};

beforeAll(async () => {
  await ready();
});

const B = 6;
const C = 4;
const z = f32(randomMatrix(B, C, 11, 2));
const zr = f32(randomMatrix(B, C, 12, 2));
const y = randomLabels(B, C, 13);
const tmpl = randomLabels(B, C, 14);
const refLoss = Array.from(Float32Array.from(zr.map((r, i) => nll(r, y[i]!))));
const rows = (flat: Float64Array) => Array.from({ length: B }, (_, i) => Array.from(flat.slice(i * C, (i + 1) * C)));
const meanOf = (f: (row: number[], i: number) => number) => (flat: Float64Array) => rows(flat).reduce((s, r, i) => s + f(r, i), 0) / B;

function check(term: Compilable, ref: (row: number[], i: number) => number, inputs: Record<string, tf.Tensor | number[] | number[][]> = {}) {
  const loss = compile(term);
  const got = loss.perSample(y, z, { inputs }).arraySync() as number[];
  got.forEach((g, i) => {
    const r = ref(z[i]!, i);
    expect(Math.abs(g - r), `sample ${i}: ${g} vs ${r}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(r)));
  });
  const x = tf.tensor2d(z);
  const gc = checkGradient((t) => loss(y, t, { inputs }), x, { reference: meanOf(ref) });
  x.dispose();
  expect(gc.ok, `worst ${gc.worst} at ${gc.worstIndex}`).toBe(true);
}

describe('GradDiff family', () => {
  it('gradient ascent is −ℓ on the forget set, no retain term', () => {
    const o = gradientAscent();
    expect(o.retain).toBeUndefined();
    check(o.forget as Compilable, (r, i) => -nll(r, y[i]!));
  });
  it('gradient difference: forget −ℓ, retain ℓ, γ and α', () => {
    const o = gradientDifference({ gamma: 0.5, alpha: 2 });
    expect([o.gamma, o.alpha]).toEqual([0.5, 2]);
    check(o.forget as Compilable, (r, i) => -nll(r, y[i]!));
    check(o.retain as Compilable, (r, i) => nll(r, y[i]!));
    expect(o.needsReference).toBe(false);
  });
  it('KL to the reference is KL(π_ref ‖ π_θ) (open-unlearning kl_div target = reference)', () => {
    check(klToReference(), (r, i) => klRef(r, zr[i]!), { reference: zr });
    expect(klRetain().needsReference).toBe(true);
  });
});

describe('NPO', () => {
  it('value and gradient match (2/β)·log(1 + (π_θ/π_ref)^β), β = 0.1 default and β = 1', () => {
    check(npoTerm(), (r, i) => npoRef(r, zr[i]!, y[i]!, 0.1), { referenceLoss: refLoss });
    check(npoTerm({ beta: 1 }), (r, i) => npoRef(r, zr[i]!, y[i]!, 1), { referenceLoss: refLoss });
    const o = npo();
    expect([o.gamma, o.alpha, o.needsReference]).toEqual([1, 1, true]);
    expect(npo({ retain: null }).retain).toBeUndefined();
  });
  it('equals log 2 · 2/β at π_θ = π_ref and stays finite for ±1e4 logits', () => {
    const logits = [[1e4, -1e4, 0], [-1e4, 1e4, 0]];
    const ll = compile(ce()).perSample([0, 0], logits);
    const v = compile(npoTerm({ beta: 0.1 })).perSample([0, 0], logits, { inputs: { referenceLoss: ll } }).arraySync() as number[];
    v.forEach((x) => expect(Math.abs(x - 20 * Math.LN2)).toBeLessThan(1e-4));
    const far = compile(npoTerm({ beta: 0.1 })).perSample([0, 0], logits, { inputs: { referenceLoss: [0, 0] } }).arraySync() as number[];
    expect(far.every(Number.isFinite)).toBe(true);
    expect(Math.abs(far[1]! - (2 / 0.1) * sp(-0.1 * 2e4))).toBeLessThan(1e-4); // π_θ ≪ π_ref: ≈ 0
    ll.dispose();
  });
});

describe('SimNPO', () => {
  it('value and gradient match −(2/β) log σ(β(ℓ/|y| − δ)) with defaults β = 4.5, δ = 0, γ = 0.125', () => {
    check(simNpoTerm(), (r, i) => simNpoRef(r, y[i]!, 4.5, 0));
    const o = simNpo();
    expect([o.gamma, o.alpha, o.needsReference]).toEqual([0.125, 1, false]);
  });
  it('places δ inside the β product and normalizes by length', async () => {
    const { input } = await import('@losskit/core');
    const len = [1, 2, 3, 4, 5, 6];
    check(simNpoTerm({ beta: 2, delta: 0.7, length: input('length', 'sample') }), (r, i) => simNpoRef(r, y[i]!, 2, 0.7, len[i]!), { length: len });
  });
});

describe('FLAT', () => {
  const template = oneHot(tmpl, C);
  for (const div of Object.keys(FLAT)) {
    it(`${div}: act(P_g) − conj(P_f) from the authors' table, value and gradient`, () => {
      const f = FLAT[div]!;
      check(flatTerm({ divergence: div as never }), (r, i) => {
        const p = softmax(r);
        return f.act(p[tmpl[i]!]!) - f.conj(p[y[i]!]!);
      }, { template });
    });
  }
  it('defaults to total variation', () => {
    expect(flatTerm().toString()).toContain('totalVariation');
  });
});

describe('LoReUn', () => {
  it('weights are B·softmax(−sg(ℓ)/τ): the batch mean is Σ softmax_i·f_i, and the weights carry no gradient', () => {
    const tau = 0.7;
    const term = loreunTerm(ce().neg(), { tau });
    const loss = compile(term);
    const ref = (flat: Float64Array) => {
      const r = rows(flat);
      const l = r.map((row, i) => nll(row, y[i]!));
      const w = softmax(l.map((v) => -v / tau));
      return l.reduce((s, v, i) => s - w[i]! * v, 0);
    };
    const v = loss(y, z).dataSync()[0]!;
    expect(Math.abs(v - ref(Float64Array.from(z.flat())))).toBeLessThan(1e-5 * Math.abs(v));
    // Gradient with the weights held fixed at their current values (stop-gradient).
    const l0 = z.map((row, i) => nll(row, y[i]!));
    const w0 = softmax(l0.map((q) => -q / tau));
    const x = tf.tensor2d(z);
    const gc = checkGradient((t) => loss(y, t), x, { reference: (flat) => rows(flat).reduce((s, row, i) => s - w0[i]! * nll(row, y[i]!), 0) });
    x.dispose();
    expect(gc.ok, `worst ${gc.worst}`).toBe(true);
  });
  it('static mode reads the reference loss; loreun() keeps the retain term', () => {
    const o = loreun(gradientDifference(), { mode: 'static', tau: 2 });
    expect(o.needsReference).toBe(true);
    expect(o.retain).toBeDefined();
    const loss = compile(o.forget as Compilable);
    const w = softmax(refLoss.map((q) => -q / 2));
    const want = z.reduce((s, row, i) => s - w[i]! * nll(row, y[i]!), 0);
    const got = loss(y, z, { inputs: { referenceLoss: refLoss } }).dataSync()[0]!;
    expect(Math.abs(got - want)).toBeLessThan(1e-5 * Math.abs(want));
  });
});

describe('bad input', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(LosskitError);
      return (e as LosskitError).code;
    }
    return 'no error';
  };
  it('rejects bad hyperparameters and terms with typed errors', () => {
    expect(code(() => npoTerm({ beta: 0 }))).toBe('INVALID_PARAMETER');
    expect(code(() => simNpoTerm({ beta: -1 }))).toBe('INVALID_PARAMETER');
    expect(code(() => simNpoTerm({ delta: Number.NaN }))).toBe('INVALID_PARAMETER');
    expect(code(() => flatTerm({ divergence: 'jeffrey' as never }))).toBe('INVALID_PARAMETER');
    expect(code(() => loreunTerm(ce(), { tau: 0 }))).toBe('INVALID_PARAMETER');
    expect(code(() => gradientDifference({ gamma: -1 }))).toBe('INVALID_PARAMETER');
    expect(code(() => objective({}))).toBe('INVALID_ARGUMENT');
    expect(code(() => objective({ forget: ce().mean().neg() as never, retain: ce() }))).toBe('no error');
    expect(code(() => objective({ forget: prob() as never }))).toBe('LEVEL_MISMATCH');
  });
  it('NPO without the reference loss input is MISSING_INPUT', () => {
    expect(code(() => compile(npoTerm())(y, z))).toBe('MISSING_INPUT');
  });
});

describe('leaks', () => {
  it('no tensors leak over repeated value-and-gradient calls of every term', () => {
    const terms: [Compilable, Record<string, number[] | number[][]>][] = [
      [npoTerm(), { referenceLoss: refLoss }],
      [simNpoTerm(), {}],
      [flatTerm({ divergence: 'js' }), { template: oneHot(tmpl, C) }],
      [loreunTerm(ce().neg()), {}],
      [klToReference(), { reference: zr }],
    ];
    const x = tf.tensor2d(z);
    expectNoLeaks(() => {
      for (const [t, inputs] of terms) {
        const loss = compile(t);
        for (let i = 0; i < 20; i++) {
          const { value, grad } = loss.valueAndGrad(y, x, { inputs });
          value.dispose();
          grad.dispose();
        }
      }
    });
    x.dispose();
  });
});
