import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog, teenCalibrate } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// Float64 reference written from the TEEN paper (Wang, Zhou, Zhang, Zhan, Ye, NeurIPS 2023), explicit loops:
// w_cb = softmax_b(τ cos(p_c, q_b)), Δ_c = Σ_b w_cb q̄_b, p̂_c = (1 - α) p̄_c + α Δ_c/‖Δ_c‖.
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const unit = (v: number[]) => {
  const n = norm(v);
  return n === 0 ? v.map(() => 0) : v.map((x) => x / n);
};
function teenRef(novel: number[][], base: number[][], alpha = 0.1, tau = 16): number[][] {
  const qb = base.map(unit);
  return novel.map((p) => {
    const pn = unit(p);
    const logits = qb.map((q) => tau * pn.reduce((s, x, k) => s + x * q[k]!, 0));
    const m = Math.max(...logits);
    const e = logits.map((z) => Math.exp(z - m));
    const z = e.reduce((s, x) => s + x, 0);
    const delta = pn.map((_, k) => qb.reduce((s, q, b) => s + (e[b]! / z) * q[k]!, 0));
    const dn = unit(delta);
    return pn.map((x, k) => (1 - alpha) * x + alpha * dn[k]!);
  });
}
const maxRel = (got: number[], want: number[]) => Math.max(...got.map((g, i) => Math.abs(g - want[i]!) / Math.max(Math.abs(want[i]!), 1e-2)));

const NOVEL = f32(randomMatrix(3, 5, 11));
const BASE = f32(randomMatrix(6, 5, 12));
const EMPTY: number[][] = [];

describe('teenCalibrate (TEEN prototype calibration)', () => {
  it('matches the float64 reference at 1e-5 for the default α = 0.1, τ = 16 and for α = 0.5, τ = 2', () => {
    for (const [alpha, tau, opts] of [[0.1, 16, {}], [0.5, 2, { shiftWeight: 0.5, temperature: 2 }]] as const) {
      const out = teenCalibrate(NOVEL, BASE, opts);
      expect(out.shape).toEqual([3, 5]);
      expect(maxRel(Array.from(out.dataSync()), teenRef(NOVEL, BASE, alpha, tau).flat())).toBeLessThan(1e-5);
      out.dispose();
    }
  });

  it('α = 0 returns the normalized prototypes and α = 1 the normalized softmax mix of base prototypes', () => {
    const a0 = teenCalibrate(NOVEL, BASE, { shiftWeight: 0 });
    expect(maxRel(Array.from(a0.dataSync()), NOVEL.flatMap(unit))).toBeLessThan(1e-6);
    const a1 = teenCalibrate(NOVEL, BASE, { shiftWeight: 1, temperature: 1e4 });
    // with a very sharp softmax the shift is the closest base prototype's direction
    const nearest = NOVEL.map((p) => {
      const cos = BASE.map((q) => unit(p).reduce((s, x, k) => s + x * unit(q)[k]!, 0));
      return unit(BASE[cos.indexOf(Math.max(...cos))]!);
    });
    expect(maxRel(Array.from(a1.dataSync()), nearest.flat())).toBeLessThan(1e-5);
    tf.dispose([a0, a1]);
  });

  it('is exact for rows scaled by 1e30 and 1e-30 (directions only) and keeps a zero prototype at uniform weights', () => {
    const big = NOVEL.map((r) => r.map((x) => x * 1e30));
    const tiny = BASE.map((r) => r.map((x) => x * 1e-30));
    const out = teenCalibrate(big, tiny);
    expect(maxRel(Array.from(out.dataSync()), teenRef(NOVEL, BASE).flat())).toBeLessThan(1e-5);
    const zero = teenCalibrate([[0, 0, 0, 0, 0]], BASE);
    expect(maxRel(Array.from(zero.dataSync()), teenRef([[0, 0, 0, 0, 0]], BASE).flat())).toBeLessThan(1e-5);
    tf.dispose([out, zero]);
  });

  it('gradient of Σ w·p̂ with respect to the novel prototypes matches finite differences of the float64 reference', () => {
    const w = f32(randomMatrix(3, 5, 13));
    const x = tf.tensor2d(NOVEL);
    const wt = tf.tensor2d(w);
    const res = checkGradient((t) => tf.sum(tf.mul(teenCalibrate(t, BASE, { temperature: 4 }), wt)), x, {
      reference: (a) => {
        const rows = Array.from({ length: 3 }, (_, r) => Array.from(a.slice(r * 5, (r + 1) * 5)));
        return teenRef(rows, BASE, 0.1, 4).flat().reduce((s, v, i) => s + v * w.flat()[i]!, 0);
      },
    });
    expect(res.ok, `worst ${res.worst} at ${res.worstIndex}`).toBe(true);
    tf.dispose([x, wt]);
  });

  it('leaves no tensor behind on success (tensor and array inputs)', () => {
    const n = tf.tensor2d(NOVEL);
    const before = tf.memory().numTensors;
    const out = teenCalibrate(n, BASE);
    expect(tf.memory().numTensors).toBe(before + 1);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    n.dispose();
  });

  it('bad input throws typed errors naming the argument, without leaking tensors', () => {
    expect(expectCleanThrow(() => teenCalibrate(NOVEL, [[1, 2, 3]]), 'SHAPE_MISMATCH').argument).toBe('base');
    expect(expectCleanThrow(() => teenCalibrate([1, 2, 3] as never, BASE), 'RANK_MISMATCH').argument).toBe('novel');
    expect(expectCleanThrow(() => teenCalibrate([[1, NaN, 0, 0, 0]], BASE), 'NON_FINITE_INPUT').argument).toBe('novel');
    expect(expectCleanThrow(() => teenCalibrate(NOVEL, EMPTY), 'EMPTY_BATCH').argument).toBe('base');
    expect(expectCleanThrow(() => teenCalibrate(NOVEL, BASE, { shiftWeight: 1.5 }), 'INVALID_PARAMETER').argument).toBe('shiftWeight');
    expect(expectCleanThrow(() => teenCalibrate(NOVEL, BASE, { temperature: 0 }), 'INVALID_PARAMETER').argument).toBe('temperature');
    expect(expectCleanThrow(() => teenCalibrate(NOVEL, BASE, { temperature: Infinity }), 'INVALID_PARAMETER').argument).toBe('temperature');
    expect(expectCleanThrow(() => teenCalibrate(NOVEL, BASE, null as never), 'INVALID_ARGUMENT').argument).toBe('options');
  });

  it('has a catalog entry citing the paper title', () => {
    const e = catalog.find((c) => c.id === 'teen');
    expect(e?.export).toBe('teenCalibrate');
    expect(e?.paper?.title).toBe('Few-Shot Class-Incremental Learning via Training-Free Prototype Calibration');
  });
});
