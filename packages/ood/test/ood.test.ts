// @losskit/ood against float64 references written in the test from Lee et al. 2018, Sun et al. 2022 and the MixOE
// code: Mahalanobis scores (with an independent Gauss–Jordan inverse), preprocessing gradients, the ensemble's
// optimality conditions, kNN by brute-force sorting, the MixOE batch and loss, AUROC / FPR95 by their definitions.
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, numericGradient, randomLabels, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { KnnDetector, MahalanobisDetector, auroc, catalog, ensembleScore, fitLayerEnsemble, fprAtTpr, mahalanobisPreprocess, mahalanobisScoreWithPreprocessing, mixOEBatch, mixOELoss } from '../src/index.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

/** Gauss–Jordan inverse with partial pivoting (the test's own, independent of the package's eigen pseudo-inverse). */
function invert(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]!;
    m[c] = m[c]!.map((v) => v / piv);
    for (let r = 0; r < n; r++) if (r !== c) {
      const f = m[r]![c]!;
      m[r] = m[r]!.map((v, j) => v - f * m[c]![j]!);
    }
  }
  return m.map((r) => r.slice(n));
}

/** −½ (f − μ_c)ᵀ Σ⁻¹ (f − μ_c) per class, Σ the tied covariance (1/N) Σ (f_i − μ_{y_i})(…)ᵀ, float64. */
function referenceScores(train: number[][], y: number[], test: number[][]): number[][] {
  const C = Math.max(...y) + 1;
  const d = train[0]!.length;
  const mu = Array.from({ length: C }, (_, c) => { const rows = train.filter((_, i) => y[i] === c); return Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length); });
  const cov = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => train.reduce((s, r, i) => s + (r[a]! - mu[y[i]!]![a]!) * (r[b]! - mu[y[i]!]![b]!), 0) / train.length));
  const p = invert(cov);
  return test.map((f) => mu.map((m) => { const dv = f.map((v, j) => v - m[j]!); return -0.5 * dv.reduce((s, v, a) => s + v * p[a]!.reduce((t, w, b) => t + w * dv[b]!, 0), 0); }));
}

const train = randomMatrix(60, 4, 1).map((r, i) => r.map((v, j) => v + 2 * ((i % 3) === j ? 1 : 0)));
const ytrain = train.map((_, i) => i % 3);
const test = randomMatrix(7, 4, 2);

describe('MahalanobisDetector', () => {
  it('gives −½ (f − μ_c)ᵀ Σ⁻¹ (f − μ_c) of the float64 reference for every class, and M(x) = their max', () => {
    const det = MahalanobisDetector.fit(train, ytrain);
    const got = det.classScores(test);
    const ref = referenceScores(train, ytrain, test);
    got.forEach((r, i) => r.forEach((v, c) => expect(v).toBeCloseTo(ref[i]![c]!, 9)));
    det.score(test).forEach((v, i) => expect(v).toBeCloseTo(Math.max(...ref[i]!), 9));
  });

  it('uses the pseudo-inverse when a feature is constant (a dead unit): scores equal the reference on the other features', () => {
    const withDead = train.map((r) => [...r, 0]);
    const det = MahalanobisDetector.fit(withDead, ytrain);
    const ref = referenceScores(train, ytrain, test);
    det.classScores(test.map((r) => [...r, 0])).forEach((r, i) => r.forEach((v, c) => expect(v).toBeCloseTo(ref[i]![c]!, 8)));
  });

  it('classScoreTensor agrees with the host scores (float32) and its gradient passes a float64 finite-difference check', () => {
    const det = MahalanobisDetector.fit(train, ytrain);
    const t = tf.tensor2d(test);
    const z = det.classScoreTensor(t);
    const host = det.classScores(test);
    (z.arraySync() as number[][]).forEach((r, i) => r.forEach((v, c) => expect(v).toBeCloseTo(host[i]![c]!, 3)));
    const p = det.state.layers[0]!.precision;
    const mu = det.state.layers[0]!.means;
    const ref = (x: Float64Array) => { let s = 0; for (let i = 0; i < 7; i++) for (let c = 0; c < 3; c++) { const dv = [0, 1, 2, 3].map((j) => x[i * 4 + j]! - mu[c]![j]!); s += (c + 1) * -0.5 * dv.reduce((a, v, k) => a + v * p[k]!.reduce((b, w, l) => b + w * dv[l]!, 0), 0); } return s; };
    const check = checkGradient((x) => tf.sum(tf.mul(det.classScoreTensor(x), tf.tensor1d([1, 2, 3]))), t, { reference: ref, rtol: 2e-3, atol: 2e-3 });
    expect(check.ok).toBe(true);
    tf.dispose([t, z]);
  });

  it('scores several layers ([N][L]) and round-trips through its JSON state', () => {
    const second = train.map((r) => [r[0]! * 2, r[1]! - r[2]!]);
    const det = MahalanobisDetector.fit([train, second], ytrain);
    const s = det.scores([test, test.map((r) => [r[0]! * 2, r[1]! - r[2]!])]);
    expect(s).toHaveLength(7);
    expect(s[0]).toHaveLength(2);
    const again = MahalanobisDetector.fromState(JSON.parse(JSON.stringify(det.state)));
    expect(again.scores([test, test.map((r) => [r[0]! * 2, r[1]! - r[2]!])])).toEqual(s);
  });

  it('rejects mismatched dimensions, labels and states with typed errors, no leaks', () => {
    const det = MahalanobisDetector.fit(train, ytrain);
    expectCleanThrow(() => det.score([[1, 2]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => MahalanobisDetector.fit(train, ytrain.slice(1)), 'SHAPE_MISMATCH');
    expectCleanThrow(() => det.score(test, 3), 'INVALID_PARAMETER');
    expectCleanThrow(() => MahalanobisDetector.fromState({ layers: [] }), 'INVALID_ARGUMENT');
    const t = tf.tensor2d([[1, 2]]);
    expectCleanThrow(() => det.classScoreTensor(t), 'SHAPE_MISMATCH');
    t.dispose();
  });
});

describe('Mahalanobis input preprocessing', () => {
  // Features f(x) = x A (linear): ∇_x ½ (f − μ)ᵀ P (f − μ) = A P (f − μ), closed form.
  const A = [[1, 0.5, 0, 0], [0, 1, -0.3, 0.2], [0.4, 0, 1, 0]];
  const xs = randomMatrix(5, 3, 7);
  const feats = (m: number[][]) => m.map((r) => A[0]!.map((_, j) => r.reduce((s, v, i) => s + v * A[i]![j]!, 0)));

  it('moves x by −ε·sign(A P (f(x) − μ_ĉ)) (a zero gradient counting +1), ĉ the closest class', () => {
    const det = MahalanobisDetector.fit(train, ytrain);
    const { precision: P, means } = det.state.layers[0]!;
    const at = tf.tensor2d(A);
    const features = (x: tf.Tensor) => tf.matMul(x, at);
    const x = tf.tensor2d(xs);
    const eps = 0.01;
    const xh = mahalanobisPreprocess({ detector: det, features, x, epsilon: eps });
    const got = xh.arraySync() as number[][];
    const scores = det.classScores(feats(xs));
    xs.forEach((row, i) => {
      const c = scores[i]!.indexOf(Math.max(...scores[i]!));
      const f = feats([row])[0]!;
      const dv = f.map((v, j) => v - means[c]![j]!);
      const pd = P.map((r) => r.reduce((s, w, b) => s + w * dv[b]!, 0));
      const grad = A.map((r) => r.reduce((s, w, j) => s + w * pd[j]!, 0));
      row.forEach((v, k) => expect(got[i]![k]).toBeCloseTo(v - eps * (grad[k]! >= 0 ? 1 : -1), 5));
    });
    const s = mahalanobisScoreWithPreprocessing({ detector: det, features, x, epsilon: eps });
    det.score(feats(got)).forEach((v, i) => expect(s[i]).toBeCloseTo(v, 3));
    tf.dispose([at, x, xh]);
  });

  it('raises the score of an in-distribution point (it moves toward its class mean)', () => {
    const det = MahalanobisDetector.fit(train, ytrain);
    const x = tf.tensor2d(train.slice(0, 6));
    const features = (t: tf.Tensor) => tf.clone(t);
    const before = det.score(train.slice(0, 6));
    const after = mahalanobisScoreWithPreprocessing({ detector: det, features, x, epsilon: 0.01 });
    after.forEach((v, i) => expect(v).toBeGreaterThan(before[i]!));
    x.dispose();
  });

  it('leaks nothing and leaves no tape on success or on a bad inputScale', () => {
    const det = MahalanobisDetector.fit(train, ytrain);
    const x = tf.tensor2d(train.slice(0, 3));
    const features = (t: tf.Tensor) => tf.mul(t, 1);
    expectNoLeaks(() => mahalanobisScoreWithPreprocessing({ detector: det, features, x, epsilon: 0.002 }));
    expectCleanThrow(() => mahalanobisPreprocess({ detector: det, features, x, epsilon: 0.01, inputScale: [1, 2] }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => mahalanobisPreprocess({ detector: det, features, x, epsilon: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => mahalanobisPreprocess({ detector: det, features: (t) => tf.sum(t), x, epsilon: 0.1 }), 'SHAPE_MISMATCH');
    x.dispose();
  });

  it('rejects a NaN input or non-finite features with NON_FINITE_INPUT (the preprocessed input was NaN)', () => {
    const det = MahalanobisDetector.fit(train, ytrain);
    const bad = tf.tensor2d([[Number.NaN, ...train[0]!.slice(1)]]);
    const x = tf.tensor2d(train.slice(0, 2));
    expectCleanThrow(() => mahalanobisPreprocess({ detector: det, features: (t) => tf.mul(t, 1), x: bad, epsilon: 0.01 }), 'NON_FINITE_INPUT');
    expectCleanThrow(() => mahalanobisPreprocess({ detector: det, features: (t) => tf.div(t, 0), x, epsilon: 0.01 }), 'NON_FINITE_INPUT');
    tf.dispose([bad, x]);
  });
});

describe('fitLayerEnsemble', () => {
  it('reaches the optimality conditions of ½‖w‖² + C Σ log(1 + e^{−y(wᵀm + b)}) (gradient < 1e-8)', () => {
    const inS = randomMatrix(30, 3, 11).map((r) => r.map((v) => v + 1));
    const outS = randomMatrix(25, 3, 12).map((r) => r.map((v) => v - 1));
    const C = 0.7;
    const ens = fitLayerEnsemble(inS, outS, { C });
    const rows = [...inS.map((m) => ({ m, y: 1 })), ...outS.map((m) => ({ m, y: -1 }))];
    const obj = (t: Float64Array) => 0.5 * (t[0]! ** 2 + t[1]! ** 2 + t[2]! ** 2) + C * rows.reduce((s, r) => s + Math.log1p(Math.exp(-r.y * (r.m.reduce((a, v, j) => a + v * t[j]!, 0) + t[3]!))), 0);
    const g = numericGradient(obj, [...ens.weights, ens.bias], 1e-6);
    g.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-5));
    const sc = ensembleScore([[1, 2, 3]], ens);
    expect(sc[0]).toBeCloseTo(ens.weights[0]! + 2 * ens.weights[1]! + 3 * ens.weights[2]! + ens.bias, 12);
  });

  it('rejects a layer-count mismatch', () => {
    expectCleanThrow(() => fitLayerEnsemble([[1, 2]], [[1]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => ensembleScore([[1, 2]], { weights: [1], bias: 0 }), 'INVALID_ARGUMENT');
  });
});

describe('KnnDetector', () => {
  it('score = −(distance to the k-th nearest normalized ID feature), by brute-force sorting', () => {
    const bank = randomMatrix(20, 5, 21);
    const q = randomMatrix(6, 5, 22);
    const norm = (r: number[]) => { const n = Math.hypot(...r); return r.map((v) => v / n); };
    const nb = bank.map(norm);
    for (const k of [1, 3, 20]) {
      const got = KnnDetector.fit(bank, { k }).score(q);
      q.map(norm).forEach((z, i) => {
        const d = nb.map((b) => Math.hypot(...b.map((v, j) => v - z[j]!))).sort((a, b) => a - b);
        expect(got[i]).toBeCloseTo(-d[k - 1]!, 12);
      });
    }
  });

  it('is invariant to scaling a query or the bank, and handles features of 1e200 and a zero vector', () => {
    const bank = randomMatrix(10, 3, 23);
    const q = randomMatrix(3, 3, 24);
    const s = KnnDetector.fit(bank, { k: 2 }).score(q);
    const big = KnnDetector.fit(bank.map((r) => r.map((v) => v * 1e200)), { k: 2 }).score(q.map((r) => r.map((v) => v * 1e200)));
    big.forEach((v, i) => expect(v).toBeCloseTo(s[i]!, 12));
    expect(Number.isFinite(KnnDetector.fit(bank, { k: 2 }).score([[0, 0, 0]])[0])).toBe(true);
  });

  it('rejects k above the bank size and a dimension mismatch', () => {
    expectCleanThrow(() => KnnDetector.fit([[1, 2]], { k: 2 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => KnnDetector.fit([[1, 2]], { k: 1 }).score([[1]]), 'SHAPE_MISMATCH');
  });
});

describe('mixOEBatch and mixOELoss', () => {
  it('mixup: x̃ = λx + (1−λ)x_out, ỹ = λ e_y + (1−λ)/K, weights 1/B and β/B', () => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const out = tf.tensor2d([[10, 10], [-10, 0]]);
    const b = mixOEBatch({ inputs: x, labels: [0, 2], outliers: out, classes: 3, beta: 2, seed: 5 });
    const l = b.lambda;
    expect(l).toBeGreaterThan(0);
    expect(l).toBeLessThan(1);
    const xi = b.inputs.arraySync() as number[][];
    expect(xi[2]![0]).toBeCloseTo(l * 1 + (1 - l) * 10, 5);
    expect(xi[3]![1]).toBeCloseTo(l * 4, 5);
    const t = b.targets.arraySync() as number[][];
    expect(t[1]).toEqual([0, 0, 1]);
    expect(t[3]![2]).toBeCloseTo(l + (1 - l) / 3, 6);
    expect(t[3]![0]).toBeCloseTo((1 - l) / 3, 6);
    expect(Array.from(b.weights.dataSync())).toEqual([0.5, 0.5, 1, 1]);
    tf.dispose([x, out, b.inputs, b.targets, b.weights]);
  });

  it('cutmix pastes an outlier box into the ID images and sets λ = 1 − box area / (H·W)', () => {
    const x = tf.zeros([2, 6, 6, 1]);
    const out = tf.ones([2, 6, 6, 1]);
    const b = mixOEBatch({ inputs: x, labels: [0, 1], outliers: out, classes: 2, mode: 'cutmix', seed: 3 });
    const mixed = (b.inputs.arraySync() as number[][][][]).slice(2);
    const pasted = mixed[0]!.flat(2).reduce((s, v) => s + v, 0);
    expect(b.lambda).toBeCloseTo(1 - pasted / 36, 12);
    expect(mixed[1]!.flat(2).reduce((s, v) => s + v, 0)).toBe(pasted);
    tf.dispose([x, out, b.inputs, b.targets, b.weights]);
  });

  it('the loss equals (1/B) Σ CE(f(x), y) + β (1/B) Σ CE(f(x̃), ỹ) in float64 and its logit gradient checks', () => {
    const x = tf.tensor2d([[1, 2], [3, 4], [0, 1]]);
    const out = tf.tensor2d([[5, 5], [-5, 0], [2, 2]]);
    const b = mixOEBatch({ inputs: x, labels: [0, 1, 2], outliers: out, classes: 3, beta: 0.5, seed: 9 });
    const logits = tf.tensor2d(randomMatrix(6, 3, 31));
    const z = logits.arraySync() as number[][];
    const t = b.targets.arraySync() as number[][];
    const w = Array.from(b.weights.dataSync());
    const ref = (v: Float64Array) => {
      let s = 0;
      for (let i = 0; i < 6; i++) {
        const row = [0, 1, 2].map((j) => v[i * 3 + j]!);
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((a, r) => a + Math.exp(r - m), 0));
        s += w[i]! * row.reduce((a, r, j) => a + t[i]![j]! * (lse - r), 0);
      }
      return s;
    };
    const loss = mixOELoss();
    expect(loss(b.targets, logits, b.weights).dataSync()[0]).toBeCloseTo(ref(Float64Array.from(z.flat())), 5);
    const check = checkGradient((lg) => loss(b.targets, lg, b.weights), logits, { reference: ref });
    expect(check.ok).toBe(true);
    tf.dispose([x, out, b.inputs, b.targets, b.weights, logits]);
  });

  it('rejects mismatched outliers, labels out of range, α ≤ 0 and cutmix on flat inputs', () => {
    const x = tf.tensor2d([[1, 2]]);
    const out = tf.tensor2d([[1, 2, 3]]);
    expectCleanThrow(() => mixOEBatch({ inputs: x, labels: [0], outliers: out, classes: 2 }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => mixOEBatch({ inputs: x, labels: [2], outliers: x, classes: 2 }), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => mixOEBatch({ inputs: x, labels: [0], outliers: x, classes: 2, alpha: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => mixOEBatch({ inputs: x, labels: [0], outliers: x, classes: 2, mode: 'cutmix' }), 'INVALID_ARGUMENT');
    tf.dispose([x, out]);
  });
});

describe('auroc and fprAtTpr', () => {
  it('AUROC equals the pairwise (Mann–Whitney) count with ties ½', () => {
    const a = randomLabels(40, 6, 1);
    const b = randomLabels(30, 6, 2).map((v) => v - 1);
    let s = 0;
    for (const p of a) for (const q of b) s += p > q ? 1 : p === q ? 0.5 : 0;
    expect(auroc(a, b)).toBeCloseTo(s / 1200, 14);
    expect(auroc([1, 2], [0])).toBe(1);
    expect(auroc([0], [1, 2])).toBe(0);
  });

  it('FPR at 95% TPR: the threshold keeps ⌈0.95 n⌉ ID scores; FPR is the fraction of OOD scores at or above it', () => {
    const id = Array.from({ length: 20 }, (_, i) => i + 1); // 95% of 20 = 19 → threshold = 2
    expect(fprAtTpr(id, [0, 1, 2, 3, 30])).toBeCloseTo(3 / 5, 15);
    expect(fprAtTpr([0.9, 0.8, 0.7, 0.3], [0.1, 0.75, 0.2], 0.75)).toBeCloseTo(1 / 3, 15);
    expect(fprAtTpr([0.9, 0.8, 0.7, 0.3], [0.1, 0.75, 0.2], 0.5)).toBe(0);
  });

  it('reject empty and non-finite scores and a TPR outside (0, 1]', () => {
    expectCleanThrow(() => auroc([], [1]), 'EMPTY_BATCH');
    expectCleanThrow(() => auroc([1], [Number.NaN]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => fprAtTpr([1], [1], 0), 'INVALID_PARAMETER');
  });
});

describe('catalog', () => {
  it('names a real export for every entry', async () => {
    const api = await import('../src/index.js');
    for (const e of catalog) expect(api).toHaveProperty(e.export);
    expect(new Set(catalog.map((e) => e.id)).size).toBe(catalog.length);
  });
});
