// ProbConserv's constrained Gaussian update (Hansen et al. 2023, "Learning Physical Models that Can Respect
// Conservation Laws", Step 2) against float64 references written here: the scalar closed form for one constraint with
// a diagonal covariance, the authors' projection form for a mean constraint (amazon-science/probconserv,
// deep_pdes/attentive_neural_process/probconserv.py, commit b888425: get_mu_tilde_as_projection /
// get_cov_tilde_as_projection), and the matrix formula with a Gauss-Jordan inverse.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { probConservUpdate, ready } from '../src/index.js';
import { expectCleanThrow, expectNoLeaks, randomMatrix } from '../src/testing/index.js';

beforeAll(async () => {
  await ready();
});

type M = number[][];
const mm = (a: M, b: M): M => a.map((r) => b[0]!.map((_, j) => r.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
const tr = (a: M): M => a[0]!.map((_, j) => a.map((r) => r[j]!));
function inverse(a: M): M {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...r.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const d = m[c]![c]!;
    m[c] = m[c]!.map((x) => x / d);
    for (let r = 0; r < n; r++) if (r !== c) {
      const f = m[r]![c]!;
      m[r] = m[r]!.map((x, j) => x - f * m[c]![j]!);
    }
  }
  return m.map((r) => r.slice(n));
}
/** Float64 reference of the paper's update: μ̃ = μ − ΣGᵀ(σ²I + GΣGᵀ)⁻¹(Gμ − b), Σ̃ = Σ − ΣGᵀ(σ²I + GΣGᵀ)⁻¹GΣ. */
function reference(mu: number[], S: M, G: M, b: number[], s2: number): { mu: number[]; S: M } {
  const SGt = mm(S, tr(G));
  const A = mm(G, SGt).map((r, i) => r.map((x, j) => x + (i === j ? s2 : 0)));
  const K = mm(SGt, inverse(A));
  const res = mm(G, mu.map((x) => [x])).map((r, i) => [r[0]! - b[i]!]);
  const dmu = mm(K, res);
  const dS = mm(K, mm(G, S));
  return { mu: mu.map((x, i) => x - dmu[i]![0]!), S: S.map((r, i) => r.map((x, j) => x - dS[i]![j]!)) };
}
const read = (t: tf.Tensor) => Array.from(t.dataSync());
const close = (got: number[], want: number[], tol: number, label: string) =>
  want.forEach((w, i) => expect(Math.abs(got[i]! - w), `${label}[${i}]: ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w))));

describe('probConservUpdate', () => {
  it('one constraint, diagonal covariance: the scalar closed form μ̃_i = μ_i − σ_i² g_i (gᵀμ − b)/(σ_G² + Σ g_j² σ_j²) (1e-5)', () => {
    const mu = [1, -2, 0.5, 3];
    const v = [0.2, 1.5, 0.7, 0.1];
    const g = [0.25, 0.5, 0.5, 0.25];
    const b = 1.2;
    const s2 = 0.05;
    const r = g.reduce((s, gi, i) => s + gi * mu[i]!, 0) - b;
    const den = s2 + g.reduce((s, gi, i) => s + gi * gi * v[i]!, 0);
    const out = probConservUpdate(mu, v, { G: [g], b: [b], variance: s2 });
    close(read(out.mean), mu.map((m, i) => m - (v[i]! * g[i]! * r) / den), 1e-5, 'mean');
    close(read(out.covariance), v.flatMap((vi, i) => v.map((vj, j) => (i === j ? vi : 0) - (vi * g[i]! * g[j]! * vj) / den)), 1e-5, 'cov');
    tf.dispose([out.mean, out.covariance]);
  });
  it("reproduces the authors' projection form for a hard mean constraint (G = 1ᵀ/N, b = 0): μ̃ = μ − mean(μ)·σ²/mean(σ²)", () => {
    const mu = [0.3, 1.1, -0.4, 2, 0.9];
    const v = [0.5, 0.1, 0.9, 0.3, 0.2];
    const N = mu.length;
    const mMu = mu.reduce((a, x) => a + x, 0) / N;
    const mV = v.reduce((a, x) => a + x, 0) / N;
    const out = probConservUpdate(mu, v, { G: [mu.map(() => 1 / N)], b: [0] });
    close(read(out.mean), mu.map((m, i) => m - (mMu * v[i]!) / mV), 1e-5, 'mean');
    // get_cov_tilde_as_projection: diag(σ²) − (σ² σ²ᵀ)/(N mean σ²).
    close(read(out.covariance), v.flatMap((vi, i) => v.map((vj, j) => (i === j ? vi : 0) - (vi * vj) / (N * mV))), 1e-5, 'cov');
    tf.dispose([out.mean, out.covariance]);
  });
  it('two constraints, full covariance: the matrix formula with a Gauss-Jordan inverse (1e-5); hard constraints hold exactly', () => {
    const Mx = randomMatrix(5, 5, 3);
    const S = mm(Mx, tr(Mx)).map((r, i) => r.map((x, j) => x + (i === j ? 0.5 : 0)));
    const mu = randomMatrix(1, 5, 4)[0]!;
    const G = randomMatrix(2, 5, 5);
    const b = [0.7, -1.1];
    for (const s2 of [0.3, 0]) {
      const ref = reference(mu, S, G, b, s2);
      const out = probConservUpdate(mu, S, { G, b, variance: s2 });
      const m = read(out.mean);
      close(m, ref.mu, 1e-5, `mean σ²=${s2}`);
      close(read(out.covariance), ref.S.flat(), 1e-5, `cov σ²=${s2}`);
      if (s2 === 0) G.forEach((row, k) => expect(Math.abs(row.reduce((a, x, i) => a + x * m[i]!, 0) - b[k]!)).toBeLessThan(1e-5));
      tf.dispose([out.mean, out.covariance]);
    }
  });
  it('a batch [B, N] with b [B, K] equals the row-by-row updates; b [K] is shared', () => {
    const mu = randomMatrix(3, 4, 8);
    const v = randomMatrix(3, 4, 9).map((r) => r.map((x) => 0.1 + x * x));
    const G = [[1, 1, 1, 1], [1, -1, 0, 0]];
    const b = [[1, 0], [2, 0.5], [-1, 1]];
    const out = probConservUpdate(mu, v, { G, b, variance: 0.01 });
    const all = read(out.mean);
    const covs = read(out.covariance);
    mu.forEach((row, r) => {
      const one = probConservUpdate(row, v[r]!, { G, b: b[r]!, variance: 0.01 });
      close(all.slice(r * 4, r * 4 + 4), read(one.mean), 1e-6, `row ${r}`);
      close(covs.slice(r * 16, r * 16 + 16), read(one.covariance), 1e-6, `cov ${r}`);
      tf.dispose([one.mean, one.covariance]);
    });
    const shared = probConservUpdate(mu, v, { G, b: [1, 0] });
    expect(shared.mean.shape).toEqual([3, 4]);
    expect(shared.covariance.shape).toEqual([3, 4, 4]);
    tf.dispose([out.mean, out.covariance, shared.mean, shared.covariance]);
  });
  it('stays exact at ±1e4 means and at tied entries (hard constraint still holds to float32 precision)', () => {
    const mu = [1e4, -1e4, 1e4, 1e4];
    const v = [1, 1, 1, 1];
    const out = probConservUpdate(mu, v, { G: [[1, 1, 1, 1]], b: [5] });
    const ref = reference(mu, v.map((x, i) => v.map((_, j) => (i === j ? x : 0))), [[1, 1, 1, 1]], [5], 0);
    close(read(out.mean), ref.mu, 1e-6, 'mean');
    expect(read(out.mean).every(Number.isFinite)).toBe(true);
    tf.dispose([out.mean, out.covariance]);
  });
  it('leaks no tensors beyond the two it returns', () => {
    const inputs = [tf.tensor1d([1, 2]), tf.tensor1d([1, 1]), tf.tensor2d([[1, 1]]), tf.tensor1d([0])] as const;
    expectNoLeaks(() => {
      const out = probConservUpdate(inputs[0], inputs[1], { G: inputs[2], b: inputs[3] });
      tf.dispose([out.mean, out.covariance]);
    });
    tf.dispose([...inputs]);
  });
  it('bad input: typed errors naming the argument, no leaked tensor', () => {
    const ok = { G: [[1, 1]], b: [0] };
    expect(expectCleanThrow(() => probConservUpdate([[[1]]], [1], ok), 'RANK_MISMATCH').argument).toBe('mean');
    expect(expectCleanThrow(() => probConservUpdate([1, 2], [1, 2, 3], ok), 'SHAPE_MISMATCH').argument).toBe('covariance');
    expect(expectCleanThrow(() => probConservUpdate([1, 2], [1, -2], ok), 'INVALID_ARGUMENT').argument).toBe('covariance');
    expect(expectCleanThrow(() => probConservUpdate([1, 2], [[1, 0.5], [0, 1]], ok), 'INVALID_ARGUMENT').argument).toBe('covariance');
    expect(expectCleanThrow(() => probConservUpdate([1, Number.NaN], [1, 1], ok), 'NON_FINITE_INPUT').argument).toBe('mean');
    expect(expectCleanThrow(() => probConservUpdate([1, 2], [1, 1], { G: [[1, 1, 1]], b: [0] }), 'SHAPE_MISMATCH').argument).toBe('constraint.G');
    expect(expectCleanThrow(() => probConservUpdate([1, 2], [1, 1], { G: [[1, 1]], b: [0, 1] }), 'SHAPE_MISMATCH').argument).toBe('constraint.b');
    expect(expectCleanThrow(() => probConservUpdate([1, 2], [1, 1], { ...ok, variance: -1 }), 'INVALID_PARAMETER').argument).toBe('constraint.variance');
    // Two identical hard constraints: G Σ Gᵀ is singular.
    expect(expectCleanThrow(() => probConservUpdate([1, 2], [1, 1], { G: [[1, 1], [1, 1]], b: [0, 0] }), 'INVALID_ARGUMENT').argument).toBe('constraint.G');
    // A hard constraint on a coordinate with zero variance.
    expect(expectCleanThrow(() => probConservUpdate([1, 2], [0, 1], { G: [[1, 0]], b: [0] }), 'INVALID_ARGUMENT').argument).toBe('constraint.G');
    expect(expectCleanThrow(() => probConservUpdate([1, 2], [1, 1], null as never), 'INVALID_ARGUMENT').argument).toBe('constraint');
  });
});
