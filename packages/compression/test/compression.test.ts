// @losskit/compression against float64 references written from the papers / authors' code: the rectified sigmoid,
// the AdaRound objective and β schedule, the STE gradients of AdaQuant and of the self-compressing quantizer (the
// gradient of the same function with round replaced by the identity), the size term, and end-to-end improvements over
// nearest rounding on calibration data.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, numericGradient, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ADAROUND_GAMMA,
  ADAROUND_ZETA,
  adaQuant,
  adaQuantInit,
  adaQuantKernel,
  adaRound,
  adaRoundBeta,
  adaRoundInit,
  adaRoundKernel,
  adaRoundLoss,
  catalog,
  quantizeNearest,
  rectifiedSigmoid,
  selfCompressingApply,
  selfCompressingQuantize,
  selfCompressionInit,
  selfCompressionSize,
  uniformGrid,
} from '../src/index.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

function dense(inDim: number, out: number, seed: number, activation: 'linear' | 'relu' = 'linear'): tfl.Sequential {
  return tfl.sequential({ layers: [tfl.layers.dense({ units: out, inputShape: [inDim], activation, kernelInitializer: tfl.initializers.glorotUniform({ seed }), biasInitializer: tfl.initializers.randomNormal({ seed: seed + 1, stddev: 0.1 }) })] });
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('AdaRound', () => {
  it('rejects a non-boolean hard flag of adaRoundKernel', () => {
    const st = adaRoundInit(dense(3, 2, 1).layers[0]!, { bits: 4 });
    expectCleanThrow(() => adaRoundKernel(st, { hard: 'yes' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => adaRoundKernel(st, { hard: 1 as never }), 'INVALID_PARAMETER');
    st.dispose();
  });

  it('the rectified sigmoid is clip(σ(v)(ζ − γ) + γ, 0, 1) with ζ = 1.1, γ = −0.1', () => {
    const v = [-10, -2, 0, 0.5, 3, 10];
    const got = Array.from(rectifiedSigmoid(tf.tensor1d(v)).dataSync());
    v.forEach((x, i) => expect(got[i]).toBeCloseTo(Math.min(1, Math.max(0, sigmoid(x) * (ADAROUND_ZETA - ADAROUND_GAMMA) + ADAROUND_GAMMA)), 6));
  });

  it('starts with h(V) = W/s − ⌊W/s⌋, so the soft kernel equals W inside the grid; hard rounding lands on ⌊W/s⌋ or ⌈W/s⌉', () => {
    const m = dense(5, 3, 1);
    const layer = m.layers[0]!;
    const st = adaRoundInit(layer, { bits: 4 });
    const w = st.kernel.arraySync() as number[][];
    const soft = adaRoundKernel(st).arraySync() as number[][];
    const hard = adaRoundKernel(st, { hard: true }).arraySync() as number[][];
    w.forEach((r, i) => r.forEach((v, o) => {
      const s = st.grid.scale[o]!;
      const level = v / s + st.grid.zeroPoint[o]!;
      // Inside the grid the soft kernel is W; the min–max grid may clip an extreme weight by at most s/2.
      if (level >= 0 && level <= 15) expect(soft[i]![o]).toBeCloseTo(v, 5);
      else expect(Math.abs(soft[i]![o]! - v)).toBeLessThanOrEqual(s / 2 + 1e-6);
      const q = hard[i]![o]! / s;
      expect(Math.abs(q - Math.round(q))).toBeLessThan(1e-3);
      expect(Math.abs(hard[i]![o]! - v)).toBeLessThanOrEqual(s * (1 + 1e-5));
    }));
    st.dispose();
    m.dispose();
  });

  it('the loss is (1/N) Σ ‖xW − xW̃‖² + λ Σ (1 − |2h − 1|^β) of the float64 reference, and its V-gradient checks', () => {
    const m = dense(4, 2, 3);
    const st = adaRoundInit(m.layers[0]!, { bits: 3 });
    // Move V off its initialization so the reconstruction term is not 0.
    st.v.assign(tf.add(st.v, tf.tensor2d(randomMatrix(4, 2, 4, 0.8))));
    const xs = randomMatrix(6, 4, 5);
    const x = tf.tensor2d(xs);
    const W = st.kernel.arraySync() as number[][];
    const fl = st.floor.arraySync() as number[][];
    const { scale, zeroPoint } = st.grid;
    const ref = (vflat: Float64Array) => {
      const h = (i: number, o: number) => Math.min(1, Math.max(0, sigmoid(vflat[i * 2 + o]!) * 1.2 - 0.1));
      const wq = W.map((r, i) => r.map((_, o) => scale[o]! * (Math.min(7, Math.max(0, fl[i]![o]! + h(i, o) + zeroPoint[o]!)) - zeroPoint[o]!)));
      let rec = 0;
      for (const xr of xs) for (let o = 0; o < 2; o++) rec += xr.reduce((s, v, i) => s + v * (W[i]![o]! - wq[i]![o]!), 0) ** 2 / 6;
      let reg = 0;
      for (let i = 0; i < 4; i++) for (let o = 0; o < 2; o++) reg += 1 - Math.abs(2 * h(i, o) - 1) ** 3;
      return rec + 0.05 * reg;
    };
    const vflat = Float64Array.from(st.v.dataSync());
    expect(adaRoundLoss(st, x, { beta: 3, lambda: 0.05 }).dataSync()[0]).toBeCloseTo(ref(vflat), 5);
    const { value, grads } = tf.variableGrads(() => adaRoundLoss(st, x, { beta: 3, lambda: 0.05 }), [st.v]);
    const analytic = grads[st.v.name]!.dataSync();
    const numeric = numericGradient(ref, vflat, 1e-6);
    numeric.forEach((g, k) => expect(Math.abs(analytic[k]! - g)).toBeLessThan(1e-4 + 5e-3 * Math.abs(g)));
    tf.dispose([x, value, ...Object.values(grads)]);
    st.dispose();
    m.dispose();
  });

  it('β is 20 during the first 20% of steps, then falls linearly to 2 (BRECQ LinearTempDecay)', () => {
    expect(adaRoundBeta(0, 100)).toBe(20);
    expect(adaRoundBeta(19, 100)).toBe(20);
    expect(adaRoundBeta(20, 100)).toBe(20);
    expect(adaRoundBeta(60, 100)).toBeCloseTo(2 + 18 * 0.5, 12);
    expect(adaRoundBeta(100, 100)).toBe(2);
  });

  it('reconstructs the layer output on calibration data at least as well as nearest rounding (4 bits)', () => {
    const m = dense(16, 8, 7);
    const x = tf.tensor2d(randomMatrix(128, 16, 8));
    const r = adaRound(m.layers[0]!, x, { bits: 3, iterations: 300, learningRate: 1e-2 });
    expect(r.adaRoundError).toBeLessThan(r.nearestError);
    tf.dispose([x, r.kernel]);
    m.dispose();
  });

  it('leaks nothing and rejects a non-Dense layer, bad bits and mismatched inputs', () => {
    const m = dense(3, 2, 9);
    const x = tf.tensor2d(randomMatrix(4, 3, 10));
    expectNoLeaks(() => adaRound(m.layers[0]!, x, { iterations: 3 }).kernel.dispose());
    expectCleanThrow(() => adaRoundInit({ getClassName: () => 'Conv2D', trainableWeights: [] } as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => adaRoundInit(m.layers[0]!, { bits: 1 }), 'INVALID_PARAMETER');
    const bad = tf.tensor2d([[1, 2]]);
    expectCleanThrow(() => adaRound(m.layers[0]!, bad), 'SHAPE_MISMATCH');
    tf.dispose([x, bad]);
    m.dispose();
  });

  it('rejects a layer whose kernel or bias holds NaN or ±Inf with NON_FINITE_INPUT (adaRound, adaQuant and self-compression returned NaN kernels)', () => {
    const x = tf.tensor2d(randomMatrix(4, 2, 12));
    for (const [k, b] of [[[[Number.NaN, 1], [0, 1]], [0, 0]], [[[Number.POSITIVE_INFINITY, 1], [0, 1]], [0, 0]], [[[1, 1], [0, 1]], [Number.NaN, 0]]] as const) {
      const m = dense(2, 2, 13);
      const w = [tf.tensor2d(k as unknown as number[][]), tf.tensor1d(b as unknown as number[])];
      m.layers[0]!.setWeights(w);
      tf.dispose(w);
      expectCleanThrow(() => adaRound(m.layers[0]!, x, { iterations: 2 }), 'NON_FINITE_INPUT');
      expectCleanThrow(() => adaQuant(m.layers[0]!, x, { iterations: 2 }), 'NON_FINITE_INPUT');
      expectCleanThrow(() => adaRoundInit(m.layers[0]!), 'NON_FINITE_INPUT');
      expectCleanThrow(() => selfCompressionInit(m.layers[0]!), 'NON_FINITE_INPUT');
      m.dispose();
    }
    x.dispose();
  });
});

describe('uniformGrid and quantizeNearest input checks', () => {
  it('reject a NaN kernel (the grid was NaN) and a grid of another width (it broadcast silently) with typed errors', () => {
    const nan = tf.tensor2d([[Number.NaN, 1], [0, 2]]);
    const k3 = tf.tensor2d([[0.5, -1, 2], [1, 0.25, -0.5]]);
    const k1 = tf.tensor2d([[0.5], [1]]);
    const ones = tf.ones([2, 2]);
    const g1 = uniformGrid(k1, 4);
    const g2 = uniformGrid(ones, 4);
    expectCleanThrow(() => uniformGrid(nan, 4), 'NON_FINITE_INPUT');
    expectCleanThrow(() => quantizeNearest(k3, g1), 'SHAPE_MISMATCH');
    expectCleanThrow(() => quantizeNearest(nan, g2), 'NON_FINITE_INPUT');
    expectCleanThrow(() => quantizeNearest(k1, { ...g1, scale: [0] }), 'INVALID_PARAMETER');
    tf.dispose([nan, k3, k1, ones]);
  });
});

describe('AdaQuant', () => {
  it('the fake-quantized kernel is s·round(clip((W − m)/s, 0, 2^b − 1)) + m (s = r/(2^b − 1)) and its gradients are the STE ones', () => {
    const m = dense(3, 2, 11);
    const st = adaQuantInit(m.layers[0]!, { bits: 3 });
    const W = st.weight.arraySync() as number[][];
    const r = Array.from(st.range.dataSync());
    const zp = Array.from(st.zeroPoint.dataSync());
    const fq = (w: number, o: number) => { const s = r[o]! / 7; return s * Math.round(Math.min(7, Math.max(0, (w - zp[o]!) / s))) + zp[o]!; };
    const q = adaQuantKernel(st).arraySync() as number[][];
    W.forEach((row, i) => row.forEach((v, o) => expect(q[i]![o]).toBeCloseTo(fq(v, o), 5)));
    // STE reference from the chain rule in float64: the forward keeps round's value R, the backward takes dR/du = 1.
    // q = s·R(clip(u)) + m, u = (W − m)/s, s = r/7: ∂q/∂W = [0 ≤ u ≤ 7]; ∂q/∂r = (R(clip(u)) − [0 ≤ u ≤ 7]·u)/7.
    const c = [[1, 2], [3, 4], [5, 6]];
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(adaQuantKernel(st), tf.tensor2d(c))) as tf.Scalar, [st.weight, st.range, st.zeroPoint]);
    const gw = grads[st.weight.name]!.arraySync() as number[][];
    const gr = Array.from(grads[st.range.name]!.dataSync());
    [0, 1].forEach((o) => {
      let refR = 0;
      W.forEach((row, i) => {
        const sc = r[o]! / 7;
        const u = (row[o]! - zp[o]!) / sc;
        const inside = u >= 0 && u <= 7;
        // Weights on a grid edge (the column's min and max sit exactly on levels 0 and 7) are inside for tfjs's clip.
        if (Math.abs(u) > 1e-4 && Math.abs(u - 7) > 1e-4) expect(gw[i]![o]).toBeCloseTo(inside ? c[i]![o]! : 0, 5);
        refR += (c[i]![o]! * (Math.round(Math.min(7, Math.max(0, u))) - (inside ? u : 0))) / 7;
      });
      expect(gr[o]).toBeCloseTo(refR, 4);
    });
    tf.dispose([value, ...Object.values(grads)]);
    st.dispose();
    m.dispose();
  });

  it('lowers the pre-activation MSE below nearest rounding on calibration data (the authors\' learning rates)', () => {
    const m = dense(16, 8, 12);
    const x = tf.tensor2d(randomMatrix(200, 16, 13));
    const r = adaQuant(m.layers[0]!, x, { bits: 3, iterations: 150 });
    expect(r.adaQuantError).toBeLessThan(r.nearestError);
    tf.dispose([x, r.kernel, r.bias]);
    m.dispose();
  });

  it('leaks nothing', () => {
    const m = dense(3, 2, 14);
    const x = tf.tensor2d(randomMatrix(5, 3, 15));
    expectNoLeaks(() => { const r = adaQuant(m.layers[0]!, x, { iterations: 2 }); tf.dispose([r.kernel, r.bias]); });
    x.dispose();
    m.dispose();
  });
});

describe('self-compressing networks', () => {
  const q64 = (x: number, b: number, e: number, round = true) => {
    const bb = Math.max(b, 0);
    const c = Math.min(Math.max(x * 2 ** -e, -(2 ** (bb - 1))), 2 ** (bb - 1) - 1);
    const r = round ? (Math.abs(c % 1) === 0.5 ? 2 * Math.round(c / 2) : Math.round(c)) : c;
    return 2 ** e * r;
  };

  it('q(x) = 2^e round(clip(2^−e x, −2^{b−1}, 2^{b−1} − 1)) (round half to even), and b = 0 gives 0', () => {
    const xs = [0.3, -1.7, 9, -9, 0.25, 0.75];
    const got = Array.from(selfCompressingQuantize(tf.tensor1d(xs), tf.scalar(3), tf.scalar(-1)).dataSync());
    xs.forEach((x, i) => expect(got[i]).toBeCloseTo(q64(x, 3, -1), 6));
    expect(Array.from(selfCompressingQuantize(tf.tensor1d(xs), tf.scalar(0), tf.scalar(-1)).dataSync()).every((v) => v === 0)).toBe(true);
  });

  it('the gradients in b and e follow the STE chain rule (round keeps its value, passes the gradient), in float64', () => {
    const xs = [0.3, -1.7, 9, -9, 0.1];
    const w = [1, 2, 3, 4, 5];
    const b = 2.5;
    const e = -0.7;
    // q = 2^e R(c), c = clip(2^{−e} x, −2^{b−1}, 2^{b−1} − 1): ∂q/∂e = ln2·2^e·R(c) + 2^e·∂c/∂e, ∂q/∂b = 2^e·∂c/∂b.
    let refB = 0;
    let refE = 0;
    xs.forEach((x, i) => {
      const sx = x * 2 ** -e;
      const lo = -(2 ** (b - 1));
      const hi = 2 ** (b - 1) - 1;
      const c = Math.min(Math.max(sx, lo), hi);
      const R = Math.abs(c % 1) === 0.5 ? 2 * Math.round(c / 2) : Math.round(c);
      const dcde = sx > lo && sx < hi ? -Math.LN2 * sx : 0;
      const dcdb = sx >= hi ? 2 ** (b - 1) * Math.LN2 : sx <= lo ? -(2 ** (b - 1)) * Math.LN2 : 0;
      refE += w[i]! * (Math.LN2 * 2 ** e * R + 2 ** e * dcde);
      refB += w[i]! * 2 ** e * dcdb;
    });
    const bt = tf.scalar(b);
    const et = tf.scalar(e);
    const [gb, ge] = tf.grads((bb: tf.Tensor, ee: tf.Tensor) => tf.sum(tf.mul(selfCompressingQuantize(tf.tensor1d(xs), bb, ee), tf.tensor1d(w))))([bt, et]);
    expect(gb!.dataSync()[0]).toBeCloseTo(refB, 4);
    expect(ge!.dataSync()[0]).toBeCloseTo(refE, 4);
    const gx = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(selfCompressingQuantize(x, bt, et), tf.tensor1d(w))))(tf.tensor1d(xs));
    expect(Array.from(gx.dataSync())).toEqual([1, 2, 0, 0, 5]);
    tf.dispose([bt, et, gb!, ge!, gx]);
  });

  it('the size term is Σ_l fanIn_l Σ_o max(b, 0) / N and the stacked forward uses the quantized kernels', () => {
    const m = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [4], activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 21 }) }), tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 22 }) })] });
    const states = m.layers.map((l, i) => selfCompressionInit(l, { bits: 4 + i, exponent: -3 }));
    states[0]!.bits.assign(tf.tensor1d([4, -1, 2]));
    expect(selfCompressionSize(states).dataSync()[0]).toBeCloseTo((4 * (4 + 0 + 2) + 3 * (5 + 5)) / (12 + 6), 6);
    const x = tf.tensor2d(randomMatrix(3, 4, 20));
    const out = selfCompressingApply(m.layers, states, x);
    const W1 = (m.layers[0]!.getWeights()[0]!.arraySync() as number[][]).map((r) => r.map((v, o) => q64(v, [4, -1, 2][o]!, -3)));
    const b1 = Array.from(m.layers[0]!.getWeights()[1]!.dataSync());
    const W2 = (m.layers[1]!.getWeights()[0]!.arraySync() as number[][]).map((r) => r.map((v) => q64(v, 5, -3)));
    const b2 = Array.from(m.layers[1]!.getWeights()[1]!.dataSync());
    const got = out.arraySync() as number[][];
    (x.arraySync() as number[][]).forEach((xr, n) => {
      const h = b1.map((bb, o) => Math.max(0, bb + xr.reduce((s, v, i) => s + v * W1[i]![o]!, 0)));
      b2.forEach((bb, o) => expect(got[n]![o]).toBeCloseTo(bb + h.reduce((s, v, i) => s + v * W2[i]![o]!, 0), 5));
    });
    tf.dispose([x, out]);
    states.forEach((s) => s.dispose());
    m.dispose();
  });

  it('rejects mismatched states and dead states', () => {
    const m = dense(3, 2, 21);
    const s = selfCompressionInit(m.layers[0]!);
    const x = tf.tensor2d([[1, 2, 3]]);
    expectCleanThrow(() => selfCompressingApply(m.layers, [], x), 'SHAPE_MISMATCH');
    s.dispose();
    expectCleanThrow(() => selfCompressionSize([s]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => selfCompressionInit(m.layers[0]!, { bits: -1 }), 'INVALID_PARAMETER');
    x.dispose();
    m.dispose();
  });
});

describe('grid helpers and catalog', () => {
  it('the min–max grid covers each column and 0; nearest rounding stays within s/2 of W', () => {
    const k = tf.tensor2d([[0.5, -2], [1.5, 1], [-0.5, 0]]);
    const g = uniformGrid(k, 4);
    expect(g.scale[0]).toBeCloseTo(2 / 15, 12);
    const q = quantizeNearest(k, g).arraySync() as number[][];
    (k.arraySync() as number[][]).forEach((r, i) => r.forEach((v, o) => expect(Math.abs(q[i]![o]! - v)).toBeLessThanOrEqual(g.scale[o]! / 2 + 1e-6)));
    k.dispose();
  });

  it('names a real export for every entry', async () => {
    const api = await import('../src/index.js');
    for (const e of catalog) expect(api).toHaveProperty(e.export);
  });
});
