/**
 * The catalog losses that fuse through the row program's select node and its per-class constants (issue #24):
 * multi-margin, hinge-embedding, DCO, both number-token losses, attention-entropy regularization and ALDR-KL.
 * Fused (JS kernel at C = 7, WASM SIMD sweeps at C = 40) per-sample values and gradients equal the unfused ops
 * at 1e-5 on rows with ties and ±1e4 / ±1e30 logits, for integer labels and one-hot targets; DCO also at its
 * p_y = 1 limit and below its series threshold, with a float64 reference of its gradient.
 */

import type * as core from '@losskit/core';
import { compile, ready } from '@losskit/core';
import { f32, randomMatrix } from '@losskit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as losses from '../src/index.js';

beforeAll(async () => {
  await ready();
});

/** max |a − b| / (1e-5·|b| + 1e-5·max|b|): ≤ 1 passes (as in fusion-coverage.test.ts). */
const closeness = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let scale = 0;
  let worst = 0;
  for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k]!));
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!) / (1e-5 * Math.abs(b[k]!) + 1e-5 * scale + 1e-30));
  return worst;
};

type Build = () => core.Compilable;
const built: [string, Build][] = [
  ['multi-margin', () => losses.multiMargin()],
  ['multi-margin, p = 2, margin 0.5', () => losses.multiMargin({ p: 2, margin: 0.5 })],
  ['hinge-embedding', () => losses.hingeEmbedding()],
  ['dco, N = 16', () => losses.dco({ n: 16 })],
  ['dco, N = 1', () => losses.dco({ n: 1 })],
  ['ntl-mse', () => losses.ntlMse({ tokenIds: [1, 2, 3, 5] })],
  ['ntl-wasserstein', () => losses.ntlWasserstein({ tokenIds: [1, 2, 3, 5], values: [0.5, -1, 2, 7] })],
  ['attention-entropy-regularization', () => losses.attentionEntropyRegularization({ lambda: 1 })],
  ['attention-entropy-regularization, T = 16, θ = 0.2', () => losses.attentionEntropyRegularization({ lambda: 1, contextSize: 16, threshold: 0.2, gamma: 0.05 })],
  ['aldr-kl', () => losses.aldrKl()],
  ['aldr-kl, δ = 2, λ0 = 0.5, α = 2', () => losses.aldrKl({ delta: 2, lambda0: 0.5, alpha: 2 })],
];

/** Rows with ties at ±1e30 and ±1e4, a constant row, and random rows. */
const rows = (C: number) =>
  [
    Array.from({ length: C }, (_, j) => (j < 2 ? 1e30 : j === 2 ? -1e30 : 0)),
    Array.from({ length: C }, (_, j) => (j % 3 === 1 ? -1e30 : j === 0 || j === 4 || j === 5 ? 1e30 : 0.5)),
    Array.from({ length: C }, (_, j) => (j < 3 ? 1e4 : j === 3 ? -1e4 : 0.25 * j)),
    Array.from({ length: C }, (_, j) => (j === 2 ? 1e4 : -1e4)),
    Array.from({ length: C }, () => 3),
    ...f32(randomMatrix(3, C, 61, 3)),
  ].map((row) => row.map(Math.fround));
const labels = [0, 4, 1, 2, 3, 5, 6, 1];

/** Per-sample values and gradients of one path, or the error code it threw. */
function run(build: Build, fuse: 'auto' | 'js' | false, y: number[] | number[][], z: number[][]) {
  const l = compile(build(), { fuse });
  try {
    const ps = l.perSample(y, z);
    const vg = l.valueAndGrad(y, z);
    const out = { ps: Float64Array.from(ps.dataSync()), g: Float64Array.from(vg.grad.dataSync()), engine: l.engine, fused: l.fused, code: undefined as string | undefined };
    tf.dispose([ps, vg.value, vg.grad]);
    return out;
  } catch (e) {
    return { ps: new Float64Array(0), g: new Float64Array(0), engine: l.engine, fused: l.fused, code: (e as { code?: string }).code ?? String(e) };
  }
}

describe('select-fused catalog losses equal their unfused ops at ties and ±1e4 / ±1e30 logits', () => {
  for (const C of [7, 40]) {
    for (const [name, build] of built) {
      it(`${name}, C = ${C}: fused (JS kernel and ${C >= 32 ? 'WASM SIMD' : 'default engine'}) per-sample values and gradients equal the unfused op, labels and one-hot`, () => {
        const z = rows(C);
        const oneHot = labels.map((k) => Array.from({ length: C }, (_, j) => (j === k ? 1 : 0)));
        for (const y of [labels, oneHot]) {
          const ref = run(build, false, y, z);
          const before = tf.memory().numTensors;
          for (const fuse of ['js', 'auto'] as const) {
            const got = run(build, fuse, y, z);
            expect(got.fused).toBe(true);
            expect(got.code, `${fuse}: ${got.code} vs unfused ${ref.code}`).toBe(ref.code);
            if (ref.code !== undefined) continue;
            expect(got.engine).toBe(fuse === 'js' || C < 32 ? 'js' : 'wasm-simd');
            expect(closeness(got.ps, ref.ps), `${fuse} per-sample ${got.ps} vs ${ref.ps}`).toBeLessThanOrEqual(1);
            expect(closeness(got.g, ref.g), `${fuse} gradient`).toBeLessThanOrEqual(1);
          }
          expect(tf.memory().numTensors).toBe(before);
        }
      });
    }
  }
});

describe('fused DCO at its p_y = 1 limit and below its series threshold, against float64', () => {
  /** L = −log(1 − (1 − p)^N) and dL/dz_j = G·([j = y] − p_j), G = −N p (1−p)^(N−1)/(1 − (1−p)^N) (float64; p = 1: G = −[N = 1]). */
  const ref = (z: number[], y: number, n: number) => {
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => v / s);
    const lp = Math.min(z[y]! - m - Math.log(s), 0);
    const py = Math.exp(lp);
    // Below log p = −16 the series −log N − log p + (N − 1)p/2 (float64 loses 1 − (1 − p)^N there too).
    const L = lp < -16 ? -Math.log(n) - lp + ((n - 1) * py) / 2 : -Math.log(-Math.expm1(n * Math.log1p(-py)));
    const G = py === 1 ? (n === 1 ? -1 : 0) : lp < -16 ? -1 : (-n * py * (1 - py) ** (n - 1)) / -Math.expm1(n * Math.log1p(-py));
    return { L, g: z.map((_, j) => G * ((j === y ? 1 : 0) - p[j]!)) };
  };
  for (const n of [1, 16]) {
    for (const fuse of ['js', 'auto'] as const) {
      it(`N = ${n} (fuse: '${fuse}', C = 40): p_y = 1 (z_y = 1e30), p_y ≈ e^-40 (series), and an ordinary row equal float64`, () => {
        const C = 40;
        const zs = [
          Array.from({ length: C }, (_, j) => (j === 3 ? 1e30 : 0)),
          Array.from({ length: C }, (_, j) => (j === 3 ? -40 : 0)),
          f32(randomMatrix(1, C, 62, 2))[0]!,
        ].map((r) => r.map(Math.fround));
        const l = compile(losses.dco({ n }), { fuse });
        const ps = l.perSample([3, 3, 3], zs);
        const vg = l.valueAndGrad([3, 3, 3], zs, { reduction: 'sum' } as never);
        const got = ps.dataSync();
        const g = vg.grad.dataSync();
        zs.forEach((z, i) => {
          const r = ref(z, 3, n);
          expect(Math.abs(got[i]! - r.L)).toBeLessThanOrEqual(1e-5 * Math.abs(r.L) + 1e-6);
          r.g.forEach((v, j) => expect(Math.abs(g[i * C + j]! * 3 - v)).toBeLessThanOrEqual(1e-5 * Math.abs(v) + 1e-6));
        });
        expect(l.engine).toBe(fuse === 'js' ? 'js' : 'wasm-simd');
        tf.dispose([ps, vg.value, vg.grad]);
      });
    }
  }
});
