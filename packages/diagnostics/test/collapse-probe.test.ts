// Class statistics, neural collapse and the Gaussian naive-Bayes probe against float64 references written from the
// papers' formulas (and the authors' gaussnb.py), closed forms and invariances.
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { expectCleanThrow, randomLabels, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { GaussianNaiveBayes, classStatistics, neuralCollapse } from '../src/index.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

describe('classStatistics', () => {
  it('gives the class means, Σ_W = (1/N) Σ (f − μ_y)(f − μ_y)ᵀ and Σ_B = (1/C) Σ (μ_c − μ_G)(μ_c − μ_G)ᵀ of a random set', () => {
    const f = randomMatrix(30, 4, 1);
    const y = randomLabels(30, 3, 2);
    const s = classStatistics(f, y);
    const mu = [0, 1, 2].map((c) => [0, 1, 2, 3].map((j) => { const rows = f.filter((_, i) => y[i] === c); return rows.reduce((a, r) => a + r[j]!, 0) / rows.length; }));
    const g = [0, 1, 2, 3].map((j) => f.reduce((a, r) => a + r[j]!, 0) / 30);
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) {
      const sw = f.reduce((acc, r, i) => acc + (r[a]! - mu[y[i]!]![a]!) * (r[b]! - mu[y[i]!]![b]!), 0) / 30;
      const sb = mu.reduce((acc, m) => acc + (m[a]! - g[a]!) * (m[b]! - g[b]!), 0) / 3;
      expect(s.withinCovariance[a * 4 + b]).toBeCloseTo(sw, 12);
      expect(s.betweenCovariance[a * 4 + b]).toBeCloseTo(sb, 12);
    }
    mu.forEach((m, c) => m.forEach((v, j) => expect(s.means[c * 4 + j]).toBeCloseTo(v, 12)));
  });
});

describe('neuralCollapse', () => {
  it('NC1 = Σ_W[0,0] / (2 a²) for two balanced classes with means ±(a, 0) (Σ_B = diag(a², 0))', () => {
    const a = 2;
    const f = [[a + 0.3, 0.1], [a - 0.3, -0.1], [-a + 0.2, 0.5], [-a - 0.2, -0.5]];
    const y = [0, 0, 1, 1];
    const sw00 = (0.3 ** 2 * 2 + 0.2 ** 2 * 2) / 4;
    const nc = neuralCollapse(f, y);
    expect(nc.nc1).toBeCloseTo(sw00 / (a * a) / 2, 12);
  });

  it('is 0 for features at the vertices of a simplex ETF with a matching classifier (NC1, NC2, equinorm, equiangularity, NC3)', () => {
    const etf = [[1, 0], [-0.5, Math.sqrt(3) / 2], [-0.5, -Math.sqrt(3) / 2]];
    const f = [0, 0, 1, 1, 2, 2].map((c) => etf[c]!);
    const y = [0, 0, 1, 1, 2, 2];
    const nc = neuralCollapse(f, y, { classifier: [[1, -0.5, -0.5], [0, Math.sqrt(3) / 2, -Math.sqrt(3) / 2]] });
    expect(nc.nc1).toBeCloseTo(0, 14);
    expect(nc.nc2).toBeCloseTo(0, 12);
    expect(nc.equinorm).toBeCloseTo(0, 12);
    expect(nc.equiangularity).toBeCloseTo(0, 12);
    expect(nc.nc3).toBeCloseTo(0, 12);
  });

  it('NC2 of orthogonal equinorm means in 3-D equals the closed form ‖G/‖G‖_F − (I − 11ᵀ/3)/√2‖_F', () => {
    // Means e1, e2, e3; global mean (1,1,1)/3; centred Gram G = I − 11ᵀ/3, ‖G‖_F = √2 → NC2 = 0 as well (a simplex).
    const f = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    expect(neuralCollapse(f, [0, 1, 2]).nc2).toBeCloseTo(0, 12);
    // Means at 2·e1, e2, e3: reference from the formula in float64.
    const g = [[2, 0, 0], [0, 1, 0], [0, 0, 1]];
    const mg = [2 / 3, 1 / 3, 1 / 3];
    const m = g.map((r) => r.map((v, j) => v - mg[j]!));
    const gram = m.map((a) => m.map((b) => a.reduce((s, v, j) => s + v * b[j]!, 0)));
    const fro = Math.sqrt(gram.flat().reduce((s, v) => s + v * v, 0));
    const ref = Math.sqrt(gram.flat().reduce((s, v, k) => s + (v / fro - ((k % 4 === 0 ? 1 : 0) - 1 / 3) / Math.SQRT2) ** 2, 0));
    expect(neuralCollapse(g, [0, 1, 2]).nc2).toBeCloseTo(ref, 12);
  });

  it('NC1 is invariant to an orthogonal rotation and a uniform scaling of the features', () => {
    const f = randomMatrix(40, 3, 7);
    const y = randomLabels(40, 4, 8);
    const th = 0.7;
    const rot = f.map(([a, b, c]) => [3 * (Math.cos(th) * a! - Math.sin(th) * b!), 3 * (Math.sin(th) * a! + Math.cos(th) * b!), 3 * c!]);
    expect(neuralCollapse(rot, y).nc1).toBeCloseTo(neuralCollapse(f, y).nc1, 9);
  });

  it('rejects one class only, and a classifier of the wrong shape, with typed errors and no leaks', () => {
    expectCleanThrow(() => neuralCollapse([[1], [2]], [0, 0]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => neuralCollapse([[1], [2]], [0, 1], { classifier: [[1, 2, 3]] }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => neuralCollapse([[1], [Number.NaN]], [0, 1]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => neuralCollapse([[1], [2]], [0, 1.5]), 'NON_INTEGER_LABEL');
    expectCleanThrow(() => neuralCollapse([[1], [2]], [0, 1], { classes: 1 }), 'LABEL_OUT_OF_RANGE');
  });
});

// The authors' models/gaussnb.py, written out: population variance per class + 1e-9, prior-weighted shared variance,
// joint log-likelihood log π_k − ½ Σ (x − μ_k)² / σ².
function referenceNb(x: number[][], y: number[], test: number[][]): number[][] {
  const C = Math.max(...y) + 1;
  const d = x[0]!.length;
  const counts = Array.from({ length: C }, (_, k) => y.filter((v) => v === k).length);
  const mus = Array.from({ length: C }, (_, k) => Array.from({ length: d }, (_, j) => x.filter((_, i) => y[i] === k).reduce((a, r) => a + r[j]!, 0) / counts[k]!));
  const vars = Array.from({ length: C }, (_, k) => Array.from({ length: d }, (_, j) => x.filter((_, i) => y[i] === k).reduce((a, r) => a + (r[j]! - mus[k]![j]!) ** 2, 0) / counts[k]! + 1e-9));
  const prior = counts.map((c) => c / x.length);
  const shared = Array.from({ length: d }, (_, j) => vars.reduce((a, v, k) => a + v[j]! * prior[k]!, 0));
  return test.map((r) => Array.from({ length: C }, (_, k) => Math.log(prior[k]!) - 0.5 * r.reduce((a, v, j) => a + (v - mus[k]![j]!) ** 2 / shared[j]!, 0)));
}

describe('GaussianNaiveBayes', () => {
  const x = randomMatrix(60, 5, 11).map((r, i) => r.map((v, j) => v + (i % 3) * (j + 1) * 0.7));
  const y = x.map((_, i) => i % 3);
  const test = randomMatrix(10, 5, 12);

  it("gives the logits of the authors' gaussnb.py (float64 reference) to 1e-10", () => {
    const got = GaussianNaiveBayes.fit(x, y).logits(test) as number[][];
    const ref = referenceNb(x, y, test);
    got.forEach((r, i) => r.forEach((v, k) => expect(v).toBeCloseTo(ref[i]![k]!, 10)));
  });

  it('predicts the argmax of the reference logits', () => {
    const ref = referenceNb(x, y, test).map((r) => r.indexOf(Math.max(...r)));
    expect(GaussianNaiveBayes.fit(x, y).predict(test)).toEqual(ref);
  });

  it('partialFit on two halves equals fit on the whole set (pooled means to 1e-12, variances to 1e-8)', () => {
    const a = GaussianNaiveBayes.fit(x.slice(0, 25), y.slice(0, 25), { classes: 3 }).partialFit(x.slice(25), y.slice(25));
    const b = GaussianNaiveBayes.fit(x, y);
    // Each batch adds its ε = 1e-9 to its variances before pooling (as gaussnb.py does), hence 1e-8 and not 1e-12.
    a.state.variances.forEach((r, k) => r.forEach((v, j) => expect(v).toBeCloseTo(b.state.variances[k]![j]!, 8)));
    a.state.means.forEach((r, k) => r.forEach((v, j) => expect(v).toBeCloseTo(b.state.means[k]![j]!, 12)));
  });

  it('returns a [N, C] tensor for tensor input and round-trips through its plain-data state', () => {
    const nb = GaussianNaiveBayes.fit(x, y);
    const t = tf.tensor2d(test);
    const z = nb.logits(t) as tf.Tensor;
    expect(z.shape).toEqual([10, 3]);
    const again = GaussianNaiveBayes.fromState(JSON.parse(JSON.stringify(nb.state)));
    expect(again.predict(test)).toEqual(nb.predict(test));
    tf.dispose([t, z]);
  });

  it('rejects bad input with typed errors and no leaks', () => {
    const nb = GaussianNaiveBayes.fit(x, y);
    expectCleanThrow(() => GaussianNaiveBayes.fit(x, y.slice(1)), 'SHAPE_MISMATCH');
    expectCleanThrow(() => GaussianNaiveBayes.fit(x, y, { varianceEpsilon: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => nb.logits([[1, 2]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => nb.partialFit(test, new Array(10).fill(3)), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => GaussianNaiveBayes.fromState({ ...nb.state, variances: nb.state.variances.map((r) => r.map(() => -1)) }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => GaussianNaiveBayes.fit([], []), 'EMPTY_BATCH');
  });
});
