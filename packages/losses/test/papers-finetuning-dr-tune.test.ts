// DR-Tune (Zhou, Chen, Huang, ICCV 2023): the semantic calibration of the queued pretrained features and the queue,
// against float64 references written here from the authors' code (weeknan/DR-Tune model.py, commit d8016e6): the
// closed-form 2-D Kabsch rotation θ = atan2(S₁₂ − S₂₁, S₁₁ + S₂₂), exact recovery of a rotated 3-D point cloud, and
// the class-wise translation with prototype-softmax weights.
import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, ce, compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, logSoftmax, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { drTuneCalibrate, drTuneQueue } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

type M = number[][];
const unit = (r: number[]) => {
  const n = Math.max(Math.hypot(...r), 1e-12);
  return r.map((x) => x / n);
};
const meanRows = (m: M) => m[0]!.map((_, j) => m.reduce((s, r) => s + r[j]!, 0) / m.length);

/** Float64 reference of semantic_calibration after the (optional) rotation has produced P. */
function translate(P: M, Z: M, labels: number[], W: M, l2: number): M {
  const out = P.map((r) => r.slice());
  W.forEach((w, c) => {
    const idx = labels.flatMap((l, k) => (l === c ? [k] : []));
    if (idx.length === 0) return;
    const proto = unit(w);
    const s = idx.map((k) => Z[k]!.reduce((a, x, j) => a + x * proto[j]!, 0));
    const m = Math.max(...s);
    const e = s.map((x) => Math.exp(x - m));
    const sum = e.reduce((a, b) => a + b, 0);
    const down = Z[0]!.map((_, j) => idx.reduce((a, k, i) => a + (e[i]! / sum) * Z[k]![j]!, 0));
    const pre = meanRows(idx.map((k) => P[k]!));
    for (const k of idx) out[k] = out[k]!.map((x, j) => x + down[j]! - pre[j]!);
  });
  return out.map((r) => unit(r).map((x) => x * l2));
}
const l2Of = (z: M) => z.reduce((s, r) => s + Math.hypot(...r), 0) / z.length;
const f32m = (m: M) => m.map((r) => r.map(Math.fround));

function filled(pre: M, down: M, labels: number[]) {
  const q = drTuneQueue({ size: pre.length, dim: pre[0]!.length });
  q.push(down, labels, pre);
  return q;
}

describe('drTuneCalibrate', () => {
  it('without rotation: the class-wise translation with prototype-softmax weights, renormalized to the batch norm (float64 reference, 1e-5)', () => {
    const pre = f32m(randomMatrix(6, 3, 1));
    const down = f32m(randomMatrix(6, 3, 2));
    const labels = [0, 1, 2, 0, 1, 0];
    const W = randomMatrix(3, 3, 3);
    const z = randomMatrix(4, 3, 4);
    const cal = drTuneCalibrate(filled(pre, down, labels), z, W, { rotate: false });
    const want = translate(pre.map(unit), down.map(unit), labels, W, l2Of(f32m(z)));
    const got = cal.features.arraySync();
    want.forEach((r, k) => r.forEach((x, j) => expect(Math.abs(got[k]![j]! - x), `[${k}, ${j}]`).toBeLessThan(1e-5)));
    expect(Array.from(cal.labels.dataSync())).toEqual(labels);
    tf.dispose([cal.features, cal.labels]);
  });
  it('with rotation in 2-D: the Kabsch rotation equals the closed form θ = atan2(S₁₂ − S₂₁, S₁₁ + S₂₂) of the centred clouds (1e-5)', () => {
    const pre = f32m(randomMatrix(7, 2, 5));
    const down = f32m(randomMatrix(7, 2, 6));
    const labels = [0, 0, 1, 1, 0, 1, 1];
    const W = [[1, 0.3], [-0.2, 1]];
    const z = [[3, 4]];
    const P = pre.map(unit);
    const Z = down.map(unit);
    const pm = meanRows(P);
    const zm = meanRows(Z);
    const Pc = P.map((r) => r.map((x, j) => x - pm[j]!));
    const Zc = Z.map((r) => r.map((x, j) => x - zm[j]!));
    const S = [0, 1].map((a) => [0, 1].map((b) => Pc.reduce((s, r, i) => s + r[a]! * Zc[i]![b]!, 0)));
    const th = Math.atan2(S[0]![1]! - S[1]![0]!, S[0]![0]! + S[1]![1]!);
    const rot = Pc.map(([x, y]) => [Math.cos(th) * x! - Math.sin(th) * y!, Math.sin(th) * x! + Math.cos(th) * y!]);
    const want = translate(rot, Z, labels, W, 5);
    const cal = drTuneCalibrate(filled(pre, down, labels), z, W);
    const got = cal.features.arraySync();
    want.forEach((r, k) => r.forEach((x, j) => expect(Math.abs(got[k]![j]! - x), `[${k}, ${j}]`).toBeLessThan(1e-5)));
    tf.dispose([cal.features, cal.labels]);
  });
  it('with rotation in 3-D: a pretrained cloud that is an exact rotation (det +1) of the downstream cloud is rotated back onto it, then translated to the weighted class centre', () => {
    // Downstream rows on the unit sphere; pretrained rows = R0 · downstream (unit length is preserved).
    const Z = randomMatrix(9, 3, 8).map(unit);
    const c = Math.cos(0.9);
    const s = Math.sin(0.9);
    const R0 = [[c, -s, 0], [s * 0.6, c * 0.6, -0.8], [s * 0.8, c * 0.8, 0.6]];
    const P = Z.map((r) => R0.map((row) => row.reduce((a, x, j) => a + x * r[j]!, 0)));
    const labels = Z.map(() => 0);
    // One class: the translation moves the cloud's mean to the weighted downstream centre; compare the shapes instead.
    const cal = drTuneCalibrate(filled(P, Z, labels), [[1, 0, 0]], [[1, 1, 1]]);
    const got = cal.features.arraySync();
    const zm = meanRows(Z);
    const Zc = Z.map((r) => r.map((x, j) => x - zm[j]!));
    const w = Z.map((r) => Math.exp(r.reduce((a, x) => a + x / Math.sqrt(3), 0)));
    const ws = w.reduce((a, b) => a + b, 0);
    const centre = [0, 1, 2].map((j) => Z.reduce((a, r, k) => a + (w[k]! / ws) * r[j]!, 0));
    const want = Zc.map((r) => unit(r.map((x, j) => x + centre[j]!)));
    want.forEach((r, k) => r.forEach((x, j) => expect(Math.abs(got[k]![j]! - x), `[${k}, ${j}]`).toBeLessThan(1e-4)));
    tf.dispose([cal.features, cal.labels]);
  });
  it('the DR loss CE(head([z; P̃]), [y; y_Q]) passes a finite-difference gradient check in z against a float64 reference (P̃ held fixed, as the authors’ no_grad)', () => {
    const q = filled(f32m(randomMatrix(4, 2, 11)), f32m(randomMatrix(4, 2, 12)), [0, 1, 1, 0]);
    const W = [[1, 0.5], [-0.3, 1]];
    const z0 = f32m(randomMatrix(3, 2, 13));
    const y = [1, 0, 1];
    const cal = drTuneCalibrate(q, z0, W, { rotate: false });
    const P = cal.features.arraySync();
    const yq = Array.from(cal.labels.dataSync());
    const loss = compile(ce());
    const f = (z: tf.Tensor) => loss([...y, ...yq], tf.matMul(tf.concat([z, tf.tensor2d(P)]), tf.tensor2d(W), false, true));
    const reference = (x: Float64Array) => {
      const rows = [...[0, 1, 2].map((i) => [x[2 * i]!, x[2 * i + 1]!]), ...P];
      const labelsAll = [...y, ...yq];
      return rows.reduce((s, r, i) => s - logSoftmax(W.map((w) => w[0]! * r[0]! + w[1]! * r[1]!))[labelsAll[i]!]!, 0) / rows.length;
    };
    const check = checkGradient(f, tf.tensor2d(z0), { reference });
    expect(check.ok, `worst ${check.worst}`).toBe(true);
    tf.dispose([cal.features, cal.labels]);
  });
  it('is scale-invariant at ±1e4 features (only the batch norm scales the output) and exact at ties (identical queue rows)', () => {
    const pre = f32m(randomMatrix(5, 3, 21));
    const down = f32m(randomMatrix(5, 3, 22));
    const labels = [0, 1, 0, 1, 0];
    const W = randomMatrix(2, 3, 23);
    const a = drTuneCalibrate(filled(pre, down, labels), [[1, 0, 0]], W);
    const b = drTuneCalibrate(filled(pre.map((r) => r.map((x) => x * 1e4)), down.map((r) => r.map((x) => x * -1e4)), labels), [[1e4, 0, 0]], W);
    const down2 = down.map((r) => r.map((x) => -x));
    const c = drTuneCalibrate(filled(pre, down2, labels), [[1, 0, 0]], W);
    const ga = c.features.arraySync();
    const gb = b.features.arraySync();
    ga.forEach((r, k) => r.forEach((x, j) => expect(Math.abs(gb[k]![j]! / 1e4 - x)).toBeLessThan(1e-5)));
    const tie = Array.from({ length: 4 }, () => [0.5, 0.5]);
    const t = drTuneCalibrate(filled(tie, tie, [0, 0, 1, 1]), [[1, 1]], [[1, 0], [0, 1]]);
    expect(t.features.arraySync().flat().every(Number.isFinite)).toBe(true);
    tf.dispose([a.features, a.labels, b.features, b.labels, c.features, c.labels, t.features, t.labels]);
  });
  it('leaks no tensors', () => {
    const q = filled([[1, 0], [0, 1]], [[1, 0.1], [0.2, 1]], [0, 1]);
    expectNoLeaks(() => {
      const cal = drTuneCalibrate(q, [[1, 1]], [[1, 0], [0, 1]]);
      tf.dispose([cal.features, cal.labels]);
    });
  });
  it('bad input: typed errors naming the argument, no leaked tensor', () => {
    const q = filled([[1, 0], [0, 1]], [[1, 0.1], [0.2, 1]], [0, 1]);
    expect(expectCleanThrow(() => drTuneCalibrate(q, [[1, 1, 1]], [[1, 0], [0, 1]]), 'SHAPE_MISMATCH').argument).toBe('downFeatures');
    expect(expectCleanThrow(() => drTuneCalibrate(q, [[1, 1]], [[1, 0, 0]]), 'SHAPE_MISMATCH').argument).toBe('headWeight');
    expect(expectCleanThrow(() => drTuneCalibrate(q, [[1, Number.NaN]], [[1, 0], [0, 1]]), 'NON_FINITE_INPUT').argument).toBe('downFeatures');
    expect(expectCleanThrow(() => drTuneCalibrate(q, [[1, 1]], [[1, 0]]), 'LABEL_OUT_OF_RANGE').argument).toBe('queue labels');
    expect(expectCleanThrow(() => drTuneCalibrate(q, [[1, 1]], [[1, 0], [0, 1]], { rotate: 'yes' as never }), 'INVALID_PARAMETER').argument).toBe('rotate');
    expect(expectCleanThrow(() => drTuneCalibrate(null as never, [[1, 1]], [[1, 0]]), 'INVALID_ARGUMENT').argument).toBe('queue');
    expect(expectCleanThrow(() => q.push([[1, 0]], [0.5], [[1, 0]]), 'NON_INTEGER_LABEL').argument).toBe('labels');
    expect(expectCleanThrow(() => q.push([[1, 0]], [0], [[1, 0], [0, 1]]), 'SHAPE_MISMATCH').argument).toBe('pretrainedFeatures');
    expect(expectCleanThrow(() => q.push([[1, 0, 0]], [0], [[1, 0, 0]]), 'SHAPE_MISMATCH').argument).toBe('downFeatures');
    expect(expectCleanThrow(() => drTuneQueue({ size: 0, dim: 2 }), 'INVALID_PARAMETER').argument).toBe('size');
    expect(() => drTuneQueue(null as never)).toThrow(LosskitError);
  });
});

describe('drTuneQueue', () => {
  it('writes each batch at the pointer and wraps around (the authors’ _dequeue_and_enqueue with K divisible by B)', () => {
    const q = drTuneQueue({ size: 4, dim: 1 });
    q.push([[1], [2]], [0, 1], [[10], [20]]);
    q.push([[3], [4]], [1, 1], [[30], [40]]);
    q.push([[5], [6]], [0, 0], [[50], [60]]);
    const r = q.rows();
    expect(r.down.flat()).toEqual([5, 6, 3, 4]);
    expect(r.pre.flat()).toEqual([50, 60, 30, 40]);
    expect(r.labels).toEqual([0, 0, 1, 1]);
  });
});
