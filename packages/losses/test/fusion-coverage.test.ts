import * as tf from '@tensorflow/tfjs-core';
import * as core from '@losskit/core';
import { compile, ready } from '@losskit/core';
import { f32, randomLabels, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import * as losses from '../src/index.js';
// @ts-expect-error: a plain ES module shared with the bench suite (no type declarations)
import { ROW_LOSSES, fusionCoverage } from '../bench/fusion-coverage.mjs';

beforeAll(async () => {
  await ready();
});

type Build = (l: typeof losses, c: typeof core) => core.Compilable;
const rowLosses = ROW_LOSSES as Record<string, [Build, string | undefined]>;

describe('fusion coverage of the loss catalog (row-to-sample losses of logits)', () => {
  it('every catalog entry is classified; the table\'s fusable entries fuse and its listed ones (with a reason) do not; 68 of 75 fuse', () => {
    const r = fusionCoverage(losses, core);
    expect(r.unexpected).toEqual([]);
    for (const row of r.rows) if (!row.fused) expect(row.cannot.length).toBeGreaterThan(10);
    expect(r.fused).toBe(68);
    expect(r.total).toBe(75);
  });

  /** max |a − b| / (1e-5·|b| + 1e-5·max|b|): ≤ 1 passes. */
  const closeness = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let scale = 0;
    let worst = 0;
    for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k]!));
    for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!) / (1e-5 * Math.abs(b[k]!) + 1e-5 * scale + 1e-30));
    return worst;
  };
  const B = 5;
  const C = 7;
  const z = f32(randomMatrix(B, C, 21, 2));
  // Poisson reads its predictions as rates (log ŷ): positive values.
  const rates = z.map((row) => row.map((v) => Math.abs(v) + 0.1));
  const labels = randomLabels(B, C, 22);
  const oneHot = labels.map((k) => Array.from({ length: C }, (_, j) => (j === k ? 1 : 0)));
  // Every fusing row loss, fused (the WASM SIMD sweeps or the JS kernel) against its unfused op (the reference path).
  for (const [id, [build, cannot]] of Object.entries(rowLosses)) {
    if (cannot) continue;
    it(`${id}: fused per-sample values and gradients equal the unfused path (labels and one-hot targets)`, () => {
      for (const t of [labels, oneHot]) {
        const run = (fuse: 'auto' | false) => {
          const l = compile(build(losses, core), { fuse });
          const x = id === 'poisson' ? rates : z;
          const ps = l.perSample(t, x);
          const vg = l.valueAndGrad(t, x);
          const out = { fused: l.fused, ps: Float64Array.from(ps.dataSync()), g: Float64Array.from(vg.grad.dataSync()) };
          tf.dispose([ps, vg.value, vg.grad]);
          return out;
        };
        const a = run('auto');
        const b = run(false);
        expect(a.fused).toBe(true);
        expect(closeness(a.ps, b.ps)).toBeLessThanOrEqual(1);
        expect(closeness(a.g, b.g)).toBeLessThanOrEqual(1);
      }
    });
  }
});

describe('fused Keras losses use the float32 constants the unfused ops use', () => {
  // Fuzz calls 866 and 2288: binaryFocalCrossentropy at saturated logits, fused (js) 7.00129 vs unfused 6.93152.
  // Keras clips σ(z) to [ε, 1 − ε] with ε = 1e-7 in float32, where 1 − ε is 0.99999988 (Math.fround), so
  // −log(1 − clip(σ(100))) = −log(1 − fround(1 − 1e-7)) = 15.9424, not −log(1e-7) = 16.1181 (the JS kernel's float64).
  const closedForm = (-Math.log(1 - Math.fround(1 - 1e-7)) - Math.log(Math.fround(1e-7))) / 2;
  for (const fuse of [false, 'js', 'auto'] as const) {
    it(`binaryFocalCrossentropy({ gamma: 0 }) at z = [100, −100], y = [0, 1] is (−log(1 − fround(1 − 1e-7)) − log(fround(1e-7)))/2 (fuse: ${fuse})`, () => {
      const before = tf.memory().numTensors;
      const v = compile(losses.binaryFocalCrossentropy({ gamma: 0 }), { fuse })([[0, 1]], [[100, -100]]);
      expect(Math.abs(v.dataSync()[0]! - closedForm)).toBeLessThanOrEqual(1e-6 * closedForm);
      v.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
