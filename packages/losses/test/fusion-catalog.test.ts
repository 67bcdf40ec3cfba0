import * as tf from '@tensorflow/tfjs-core';
import { type Compilable, ce, classConstant, compile, logProb, logit, prob, ready, square, yTrue } from '@losskit/core';
import { f32, randomLabels, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { focal, gce, ldrKl, logitAdjusted, logZSquared, squentropy, stableMaxCe } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const B = 6;
const C = 7;
const z = f32(randomMatrix(B, C, 11, 3));
const labels = randomLabels(B, C, 12);
const priors = [0.4, 0.2, 0.15, 0.1, 0.08, 0.05, 0.02];

/** max |a − b| / (1e-5·|b| + 1e-6·max|b|): float32-aware closeness, ≤ 1 passes. */
function closeness(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k]!));
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!) / (1e-5 * Math.abs(b[k]!) + 1e-6 * scale + 1e-30));
  return worst;
}

function perSampleAndGrad(e: Compilable, fuse: 'auto' | false) {
  const l = compile(e, { fuse });
  const ps = l.perSample(labels, z);
  const vg = l.valueAndGrad(labels, z);
  const out = { fused: l.fused, ps: Float64Array.from(ps.dataSync()), g: Float64Array.from(vg.grad.dataSync()) };
  tf.dispose([ps, vg.value, vg.grad]);
  return out;
}

// Each catalog builder against the same loss written from core terms (the fusion pass is checked against
// float64 on those in packages/core/test/fusion.test.ts).
const pairs: [string, Compilable, Compilable][] = [
  ['squentropy', squentropy(), ce().plus(square().incorrect())],
  ['focal γ=2, α=0.25', focal({ gamma: 2, alpha: 0.25 }), prob().neg().plus(1).pow(2).times(logProb()).times(yTrue()).sum().scale(-0.25)],
  ['logit adjustment τ=1', logitAdjusted({ priors, tau: 1 }), logit().plus(classConstant(priors.map(Math.log))).logSumExp().minus(logit().plus(classConstant(priors.map(Math.log))).target())],
  ['ce + z-loss 1e-2', ce().plus(logZSquared({ coefficient: 1e-2 })), ce().plus(logit().logSumExp().pow(2).scale(1e-2))],
  [
    'StableMax CE',
    stableMaxCe(),
    (() => {
      const s = logit().relu().plus(logit().neg().relu().plus(1).pow(-1));
      return s.sum().log().minus(s.target().log());
    })(),
  ],
];

describe('catalog losses run on the fused path and equal the same loss written from core terms', () => {
  for (const [name, catalog, primitives] of pairs) {
    it(`${name}: fused, per-sample values and gradients within float32 rounding of the core-term form`, () => {
      const a = perSampleAndGrad(catalog, 'auto');
      const b = perSampleAndGrad(primitives, false);
      expect(a.fused).toBe(true);
      expect(closeness(a.ps, b.ps)).toBeLessThanOrEqual(1);
      expect(closeness(a.g, b.g)).toBeLessThanOrEqual(1);
    });
  }
  it('custom ops (LDR-KL, GCE) fuse through their registered fused forms; LDR-KL unfused equals its fused primitives form', () => {
    expect(compile(ldrKl({ delta: 2, lambda: 1 })).fused).toBe(true);
    expect(compile(gce({ q: 0.7 })).fused).toBe(true);
    const prim = logit().minus(logit().target().expand()).plus(yTrue().neg().plus(1).scale(2)).logSumExp().minus(Math.log(C));
    const a = perSampleAndGrad(prim, 'auto');
    const b = perSampleAndGrad(ldrKl({ delta: 2, lambda: 1 }), false);
    expect(a.fused).toBe(true);
    expect(closeness(a.ps, b.ps)).toBeLessThanOrEqual(1);
    expect(closeness(a.g, b.g)).toBeLessThanOrEqual(1);
  });
});
