import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog, hyperbolicMlr } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// Float64 reference written from Ganea et al. 2018 as hyptorch's HyperbolicMLR parameterizes it (used by Hyp-OC),
// literally: p = exp₀(u), a' = a(1 − c‖p‖²), λ_p = 2/(1 − c‖p‖²), m = (−p) ⊕_c x,
// logit = (λ_p‖a'‖/√c) asinh(2√c⟨m, a'⟩ / (‖a'‖(1 − c‖m‖²))) — without hyptorch's +1e-5 in the Möbius denominator.
const dot = (u: number[], v: number[]) => u.reduce((s, x, i) => s + x * v[i]!, 0);
const norm = (v: number[]) => Math.sqrt(dot(v, v));
function mobius(x: number[], y: number[], c: number): number[] {
  const xy = dot(x, y);
  const den = 1 + 2 * c * xy + c * c * dot(x, x) * dot(y, y);
  return x.map((xi, i) => ((1 + 2 * c * xy + c * dot(y, y)) * xi + (1 - c * dot(x, x)) * y[i]!) / den);
}
function mlrRef(x: number[][], a: number[][], u: number[][], c = 1): number[][] {
  const sc = Math.sqrt(c);
  return x.map((xb) =>
    a.map((ak, k) => {
      const un = norm(u[k]!);
      const p = u[k]!.map((v) => (Math.tanh(sc * un) * v) / (sc * un));
      const cf = 1 - c * dot(p, p);
      const a2 = ak.map((v) => v * cf);
      const m = mobius(p.map((v) => -v), xb, c);
      return ((2 / cf) * norm(a2) / sc) * Math.asinh((2 * sc * dot(m, a2)) / (norm(a2) * (1 - c * dot(m, m))));
    }),
  );
}
const scale = (m: number[][], s: number) => m.map((r) => r.map((v) => Math.fround(v * s)));
const X = scale(f32(randomMatrix(5, 3, 41)), 0.2);
const A = f32(randomMatrix(4, 3, 42));
const U = scale(f32(randomMatrix(4, 3, 43)), 0.5);
const maxRel = (got: number[], want: number[]) => Math.max(...got.map((g, i) => Math.abs(g - want[i]!) / Math.max(Math.abs(want[i]!), 1e-2)));

describe('hyperbolicMlr (Hyp-OC classifier logits, Hyp-CE = cross-entropy on them)', () => {
  it('matches the float64 hyptorch-form reference at 1e-5 for c = 1 and c = 0.5', () => {
    expect(Math.max(...X.map(norm))).toBeLessThan(0.9);
    for (const c of [1, 0.5]) {
      const out = hyperbolicMlr(X, A, U, { c });
      expect(out.shape).toEqual([5, 4]);
      expect(maxRel(Array.from(out.dataSync()), mlrRef(X, A, U, c).flat())).toBeLessThan(1e-5);
      out.dispose();
    }
  });

  it('Hyp-CE (softmax cross-entropy of the logits) matches the float64 reference', () => {
    const y = [0, 3, 1, 2, 0];
    const ref = mlrRef(X, A, U).reduce((s, row, b) => {
      const m = Math.max(...row);
      return s + (m - row[y[b]!]! + Math.log(row.reduce((t, v) => t + Math.exp(v - m), 0)));
    }, 0) / 5;
    const logits = hyperbolicMlr(X, A, U);
    const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(y, 'int32'), 4), logits);
    expect(Math.abs(ce.dataSync()[0]! - ref) / ref).toBeLessThan(1e-5);
    tf.dispose([logits, ce]);
  });

  it('gradients in x, a and u match finite differences of the float64 reference', () => {
    const w = f32(randomMatrix(5, 4, 44));
    const wt = tf.tensor2d(w);
    const obj = (m: number[][]) => m.flat().reduce((s, v, i) => s + v * w.flat()[i]!, 0);
    const rows = (a: Float64Array, n: number, d: number) => Array.from({ length: n }, (_, r) => Array.from(a.slice(r * d, (r + 1) * d)));
    const f = (l: tf.Tensor) => tf.sum(tf.mul(l, wt));
    const cases = [
      { t: tf.tensor2d(X), call: (t: tf.Tensor) => f(hyperbolicMlr(t, A, U)), ref: (a: Float64Array) => obj(mlrRef(rows(a, 5, 3), A, U)) },
      { t: tf.tensor2d(A), call: (t: tf.Tensor) => f(hyperbolicMlr(X, t, U)), ref: (a: Float64Array) => obj(mlrRef(X, rows(a, 4, 3), U)) },
      { t: tf.tensor2d(U), call: (t: tf.Tensor) => f(hyperbolicMlr(X, A, t)), ref: (a: Float64Array) => obj(mlrRef(X, A, rows(a, 4, 3))) },
    ];
    for (const k of cases) {
      const res = checkGradient(k.call, k.t, { reference: k.ref });
      expect(res.ok, `worst ${res.worst} at ${res.worstIndex}`).toBe(true);
      k.t.dispose();
    }
    wt.dispose();
  });

  it('stays finite for huge offsets (p on the ball edge), huge normals and points outside the ball; a zero normal gives logit 0', () => {
    const out = hyperbolicMlr(scale(X, 1e6), scale(A, 1e30), scale(U, 1e6));
    expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
    const zero = hyperbolicMlr(X, [[0, 0, 0], ...A.slice(1)], U);
    const z = zero.arraySync() as number[][];
    z.forEach((row) => expect(row[0]).toBe(0));
    tf.dispose([out, zero]);
  });

  it('leaves only its result behind, and bad input throws typed errors without leaking', () => {
    const before = tf.memory().numTensors;
    const out = hyperbolicMlr(X, A, U);
    expect(tf.memory().numTensors).toBe(before + 1);
    out.dispose();
    expect(expectCleanThrow(() => hyperbolicMlr(X, [[1, 2]], [[1, 2]]), 'SHAPE_MISMATCH').argument).toBe('a');
    expect(expectCleanThrow(() => hyperbolicMlr(X, A, U.slice(1)), 'SHAPE_MISMATCH').argument).toBe('u');
    expect(expectCleanThrow(() => hyperbolicMlr([[NaN, 0, 0]], A, U), 'NON_FINITE_INPUT').argument).toBe('x');
    expect(expectCleanThrow(() => hyperbolicMlr(X, A, U, { c: 0 }), 'INVALID_PARAMETER').argument).toBe('c');
    expect(expectCleanThrow(() => hyperbolicMlr([1, 2, 3] as never, A, U), 'RANK_MISMATCH').argument).toBe('x');
  });

  it('has a catalog entry citing the paper title', () => {
    const e = catalog.find((c) => c.id === 'hyp-ce');
    expect(e?.export).toBe('hyperbolicMlr');
    expect(e?.paper?.title).toBe('Hyp-OC: Hyperbolic One Class Classification for Face Anti-Spoofing');
  });
});
