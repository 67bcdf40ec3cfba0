import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { bt2Loss, catalog, orthonormalBasis } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// Float64 references written from BT² (Zhou et al. 2023) as its TransferTrainer computes the loss, and from the
// definition of the matrix exponential (plain Taylor series in float64, no scaling).
type M = number[][];
const dot = (u: number[], v: number[]) => u.reduce((s, x, i) => s + x * v[i]!, 0);
const unit = (v: number[]) => {
  const n = Math.sqrt(Math.max(dot(v, v), 1e-12));
  return v.map((x) => x / n);
};
const ce = (logits: M, y: number[]) =>
  logits.reduce((s, row, b) => {
    const m = Math.max(...row);
    return s + m - row[y[b]!]! + Math.log(row.reduce((t, v) => t + Math.exp(v - m), 0));
  }, 0) / logits.length;
function bt2Ref(logits: M, y: number[], compat: M, feat: M, oldT: M, newT: M, W?: M, w = { p: 10, o: 10, n: 1 }): number {
  const cb = compat.map(unit);
  let loss = ce(logits, y);
  if (W) loss += w.p * ce(cb.map((r) => W.map((wk) => dot(r, wk))), y);
  const cosOld = cb.reduce((s, r, i) => s + dot(unit(oldT[i]!), r), 0) / cb.length;
  const cosNew = feat.map(unit).reduce((s, r, i) => s + dot(unit(newT[i]!), r), 0) / feat.length;
  return loss + w.o * (1 - cosOld) + w.n * (1 - cosNew);
}
const matmul = (a: M, b: M) => a.map((r) => b[0]!.map((_, j) => r.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
function expmRef(w: M): M {
  const n = w.length;
  const A = w.map((r, i) => r.map((_, j) => (i > j ? w[i]![j]! : i < j ? -w[j]![i]! : 0)));
  let term: M = A.map((r, i) => r.map((_, j) => (i === j ? 1 : 0)));
  const sum = term.map((r) => [...r]);
  for (let k = 1; k < 60; k++) {
    term = matmul(term, A).map((r) => r.map((v) => v / k));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sum[i]![j]! += term[i]![j]!;
  }
  return sum;
}

const B = 5;
const C = 3;
const logits = f32(randomMatrix(B, C, 51));
const y = [0, 2, 1, 1, 0];
const compat = f32(randomMatrix(B, 4, 52));
const feat = f32(randomMatrix(B, 3, 53));
const oldT = f32(randomMatrix(B, 4, 54));
const newT = f32(randomMatrix(B, 3, 55));
const W = f32(randomMatrix(C, 4, 56));
const batch = { logits, labels: y, compatible: compat, features: feat, oldTargets: oldT, newTargets: newT };

describe('bt2Loss (BT² transfer loss)', () => {
  it('matches the float64 reference at 1e-5 with and without the pseudo classifier, default and custom weights', () => {
    for (const [b, o, want] of [
      [batch, {}, bt2Ref(logits, y, compat, feat, oldT, newT)],
      [{ ...batch, pseudoClassifier: W }, {}, bt2Ref(logits, y, compat, feat, oldT, newT, W)],
      [{ ...batch, pseudoClassifier: W }, { pseudoWeight: 2, oldWeight: 0.5, newWeight: 3 }, bt2Ref(logits, y, compat, feat, oldT, newT, W, { p: 2, o: 0.5, n: 3 })],
    ] as const) {
      const v = bt2Loss(b, o);
      expect(Math.abs(v.dataSync()[0]! - want) / want).toBeLessThan(1e-5);
      v.dispose();
    }
  });

  it('gradients in the logits and in both representations match finite differences of the float64 reference', () => {
    const rows = (a: Float64Array, n: number, d: number) => Array.from({ length: n }, (_, r) => Array.from(a.slice(r * d, (r + 1) * d)));
    const cases = [
      { x: logits, call: (t: tf.Tensor) => bt2Loss({ ...batch, logits: t, pseudoClassifier: W }), ref: (a: Float64Array) => bt2Ref(rows(a, B, C), y, compat, feat, oldT, newT, W) },
      { x: compat, call: (t: tf.Tensor) => bt2Loss({ ...batch, compatible: t, pseudoClassifier: W }), ref: (a: Float64Array) => bt2Ref(logits, y, rows(a, B, 4), feat, oldT, newT, W) },
      { x: feat, call: (t: tf.Tensor) => bt2Loss({ ...batch, features: t }), ref: (a: Float64Array) => bt2Ref(logits, y, compat, rows(a, B, 3), oldT, newT) },
    ];
    for (const k of cases) {
      const x = tf.tensor2d(k.x);
      const res = checkGradient(k.call, x, { reference: k.ref });
      expect(res.ok, `worst ${res.worst} at ${res.worstIndex}`).toBe(true);
      x.dispose();
    }
  });

  it('is exact for representation rows scaled by 1e30 (directions only: ‖x‖² would overflow float32)', () => {
    const big = (m: M) => m.map((r, i) => (i === 0 ? r.map((x) => x * 1e30) : r));
    const v = bt2Loss({ ...batch, compatible: big(compat), features: big(feat), oldTargets: big(oldT), newTargets: big(newT), pseudoClassifier: W });
    const want = bt2Ref(logits, y, compat, feat, oldT, newT, W);
    expect(Math.abs(v.dataSync()[0]! - want) / want).toBeLessThan(1e-5);
    v.dispose();
  });

  it('is finite for logits of ±1e30 and features of 1e30 (exact log-sum-exp, normalized rows)', () => {
    const big = logits.map((r) => r.map((v) => v * 1e29));
    const v = bt2Loss({ ...batch, logits: big, compatible: compat.map((r) => r.map((x) => x * 1e18)) });
    expect(Number.isFinite(v.dataSync()[0]!)).toBe(true);
    v.dispose();
  });

  it('leaves only the scalar behind; bad input throws typed errors naming the argument, without leaking', () => {
    const before = tf.memory().numTensors;
    const v = bt2Loss(batch);
    expect(tf.memory().numTensors).toBe(before + 1);
    v.dispose();
    expect(expectCleanThrow(() => bt2Loss({ ...batch, labels: [0, 1, 2, 3, 0] }), 'LABEL_OUT_OF_RANGE').argument).toBe('labels');
    expect(expectCleanThrow(() => bt2Loss({ ...batch, labels: [0, 1] }), 'SHAPE_MISMATCH').argument).toBe('labels');
    expect(expectCleanThrow(() => bt2Loss({ ...batch, compatible: compat.slice(1) }), 'SHAPE_MISMATCH').argument).toBe('compatible');
    expect(expectCleanThrow(() => bt2Loss({ ...batch, oldTargets: feat }), 'SHAPE_MISMATCH').argument).toBe('oldTargets');
    expect(expectCleanThrow(() => bt2Loss({ ...batch, pseudoClassifier: W.slice(1) }), 'SHAPE_MISMATCH').argument).toBe('pseudoClassifier');
    expect(expectCleanThrow(() => bt2Loss({ ...batch, features: [[NaN, 0, 0], ...feat.slice(1)] }), 'NON_FINITE_INPUT').argument).toBe('features');
    expect(expectCleanThrow(() => bt2Loss(batch, { oldWeight: -1 }), 'INVALID_PARAMETER').argument).toBe('oldWeight');
    expect(expectCleanThrow(() => bt2Loss(null as never), 'INVALID_ARGUMENT').argument).toBe('batch');
  });
});

describe('orthonormalBasis (BT²\'s basis transformation)', () => {
  it('equals the float64 exp(tril(w, -1) - tril(w, -1)ᵀ) at 1e-5 and is orthonormal (QᵀQ = I), small and large w', () => {
    for (const s of [0.3, 4]) {
      const w = f32(randomMatrix(5, 5, 57)).map((r) => r.map((v) => Math.fround(v * s)));
      const Q = orthonormalBasis(w);
      const q = Q.arraySync() as M;
      const want = expmRef(w.map((r) => r.map((v) => v)));
      q.forEach((r, i) => r.forEach((v, j) => expect(Math.abs(v - want[i]![j]!)).toBeLessThan(1e-5)));
      const qtq = matmul(q[0]!.map((_, j) => q.map((r) => r[j]!)), q);
      qtq.forEach((r, i) => r.forEach((v, j) => expect(Math.abs(v - (i === j ? 1 : 0))).toBeLessThan(1e-5)));
      Q.dispose();
    }
  });

  it('gradient of Σ G∘Q matches finite differences of the float64 reference', () => {
    const w0 = f32(randomMatrix(4, 4, 58)).map((r) => r.map((v) => Math.fround(v * 0.7)));
    const G = f32(randomMatrix(4, 4, 59));
    const g = tf.tensor2d(G);
    const x = tf.tensor2d(w0);
    const res = checkGradient((t) => tf.sum(tf.mul(orthonormalBasis(t), g)), x, {
      reference: (a) => {
        const q = expmRef(Array.from({ length: 4 }, (_, r) => Array.from(a.slice(r * 4, (r + 1) * 4))));
        return q.flat().reduce((s, v, i) => s + v * G.flat()[i]!, 0);
      },
    });
    expect(res.ok, `worst ${res.worst} at ${res.worstIndex}`).toBe(true);
    tf.dispose([g, x]);
  });

  it('leaves only Q behind; a non-square or non-finite w throws a typed error without leaking', () => {
    const before = tf.memory().numTensors;
    const Q = orthonormalBasis([[0, 1], [2, 0]]);
    expect(tf.memory().numTensors).toBe(before + 1);
    Q.dispose();
    expect(expectCleanThrow(() => orthonormalBasis([[1, 2, 3], [4, 5, 6]]), 'SHAPE_MISMATCH').argument).toBe('w');
    expect(expectCleanThrow(() => orthonormalBasis([[0, 0], [Infinity, 0]]), 'NON_FINITE_INPUT').argument).toBe('w');
  });

  it('has catalog entries citing the paper title', () => {
    for (const id of ['bt2', 'bt2-basis']) expect(catalog.find((c) => c.id === id)?.paper?.title).toBe('BT^2: Backward-compatible Training with Basis Transformation');
  });
});
