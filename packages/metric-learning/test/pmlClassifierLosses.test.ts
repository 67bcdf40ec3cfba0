// PML classifier / proxy / self-supervised losses added for issue #20 against float64 references written from
// PML v2.8.1 (KevinMusgrave/pytorch-metric-learning @ 216a792, src/pytorch_metric_learning/losses/*.py), with
// finite-difference gradients with respect to the embeddings and to the caller-owned weights.
import * as tf from '@tensorflow/tfjs-core';
import { type Expr, compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { largeMarginSoftmax, manifold, normalizedSoftmax, p2sGrad, softTriple, sphereFace, subCenterArcFace, subCenterOutliers, vicreg } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

type M = number[][];
const y = [0, 2, 1, 0, 2, 1];
const B = y.length;
const D = 4;
const C = 3;
const E = f32(randomMatrix(B, D, 91));
const W = f32(randomMatrix(C, D, 92));
const W2 = f32(randomMatrix(C * 2, D, 93)); // 2 centers per class

const dot = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k]!, 0);
const nrm = (a: number[]) => Math.sqrt(Math.max(dot(a, a), 1e-12));
const cos = (a: number[], b: number[]) => dot(a, b) / (nrm(a) * nrm(b));
const lse = (v: number[]) => {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
};
const ce = (z: number[], t: number) => lse(z) - z[t]!;
const meanOf = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const binom = (n: number, k: number) => {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
};

function lsoftmaxRef(e: M, w: M, m: number, s: number, sphere: boolean): number {
  return meanOf(e.map((x, i) => {
    const z = w.map((wj, j) => {
      const c = Math.min(1, Math.max(-1, cos(x, wj)));
      let v = c;
      if (j === y[i]) {
        const th = Math.acos(c);
        const k = Math.floor(th / (Math.PI / m));
        // cos(mθ) directly (the multiple-angle formula is an identity)
        v = (-1) ** k * Math.cos(m * th) - 2 * k;
        void binom;
      }
      return v * s * nrm(x) * (sphere ? 1 : nrm(wj));
    });
    return ce(z, y[i]!);
  }));
}
const normSoftRef = (e: M, w: M, tau: number) => meanOf(e.map((x, i) => ce(w.map((wj) => cos(x, wj) / tau), y[i]!)));
const p2sRef = (e: M, w: M) => meanOf(e.map((x, i) => meanOf(w.map((wj, j) => (Math.min(1, Math.max(-1, cos(x, wj))) - (j === y[i] ? 1 : 0)) ** 2))));
function softTripleRef(e: M, w: M, K: number, la: number, gamma: number, margin: number): number {
  return meanOf(e.map((x, i) => {
    const S = Array.from({ length: w.length / K }, (_, c) => {
      const s = Array.from({ length: K }, (_, k) => cos(x, w[c * K + k]!));
      const l = lse(s.map((v) => v / gamma));
      return s.reduce((t, v) => t + Math.exp(v / gamma - l) * v, 0);
    });
    return ce(S.map((v, c) => la * (v - (c === y[i] ? margin : 0))), y[i]!);
  }));
}
function subCenterRef(e: M, w: M, K: number, deg: number, s: number): number {
  const m = (deg * Math.PI) / 180;
  return meanOf(e.map((x, i) => {
    const cs = Array.from({ length: w.length / K }, (_, c) => Math.max(...Array.from({ length: K }, (_, k) => cos(x, w[c * K + k]!))));
    const z = cs.map((c, j) => {
      if (j !== y[i]) return s * c;
      const th = Math.acos(Math.min(1, Math.max(-1, c)));
      return s * (th <= Math.PI - m ? Math.cos(th + m) : c - m * Math.sin(m));
    });
    return ce(z, y[i]!);
  }));
}
function vicregRef(e: M, r: M, lam = 25, mu = 25, nu = 1, eps = 1e-4): number {
  const n = e.length;
  const d = e[0]!.length;
  const inv = meanOf(e.map((x, i) => meanOf(x.map((v, k) => (v - r[i]![k]!) ** 2))));
  const parts = (z: M) => {
    const mean = Array.from({ length: d }, (_, k) => meanOf(z.map((row) => row[k]!)));
    const cov = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => z.reduce((s, row) => s + (row[a]! - mean[a]!) * (row[b]! - mean[b]!), 0) / (n - 1)));
    const v = meanOf(Array.from({ length: d }, (_, k) => Math.max(0, 1 - Math.sqrt(cov[k]![k]! + eps)))) / 2;
    let c = 0;
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) if (a !== b) c += cov[a]![b]! ** 2;
    return [v, c / d] as const;
  };
  const [v1, c1] = parts(e);
  const [v2, c2] = parts(r);
  return lam * inv + mu * (v1 + v2) + nu * (c1 + c2);
}
/** Manifold loss with F from the Neumann series (1 − α) Σ_t (αS̄)^t, an independent route to the inverse. */
function manifoldRef(e: M, prox: M, labels: number[], lambdaC = 1, alpha = 0.8, margin = 5e-4): number {
  const x = [...e, ...prox];
  const n = e.length;
  const N = x.length;
  const S = x.map((a, i) => x.map((b, j) => (i === j ? 0 : Math.exp(Math.max(0, cos(a, b)) / 0.5))));
  const deg = S.map((row) => row.reduce((s, v) => s + v, 0));
  const Sb = S.map((row, i) => row.map((v, j) => v / Math.sqrt(deg[i]! * deg[j]!)));
  let term: M = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => (i === j ? 1 : 0)));
  const F = term.map((r) => [...r]);
  for (let t = 0; t < 400; t++) {
    term = term.map((row) => Array.from({ length: N }, (_, j) => alpha * row.reduce((s, v, k) => s + v * Sb[k]![j]!, 0)));
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) F[i]![j]! += term[i]![j]!;
  }
  for (const row of F) for (let j = 0; j < N; j++) row[j]! *= 1 - alpha;
  const hinge = (f: M) => meanOf(f.map((row, i) => Math.log1p(row.reduce((s, v, j) => {
    const z = v - row[labels[i]!]! + margin;
    return j === labels[i] || z < 0 ? s : s + Math.exp(z);
  }, 0))));
  const K = prox.length;
  const fInt = F.slice(0, n).map((row) => row.slice(n));
  const fCtx = F.slice(0, n).map((fe) => Array.from({ length: K }, (_, k) => cos(fe, F[n + k]!)));
  return (lambdaC === Infinity ? 0 : hinge(fInt)) + (lambdaC === Infinity ? 1 : lambdaC) * hinge(fCtx);
}

const value = (expr: Expr<'sample' | 'batch', 'any'>, inputs: Record<string, M>, e: M = E, labels = y) => {
  const t = compile(expr, { from: 'embeddings' })(labels, e, { inputs });
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};
const close = (got: number, want: number, tol = 2e-5) => {
  expect(Number.isFinite(got)).toBe(true);
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * Math.max(Math.abs(want), 1e-2));
};
const unflat = (v: Float64Array, rows: number, cols: number) => Array.from({ length: rows }, (_, i) => Array.from(v.slice(i * cols, (i + 1) * cols)));

type Case = [string, Expr<'sample' | 'batch', 'any'>, string, M, (e: M, w: M) => number];
const cases: Case[] = [
  ['largeMarginSoftmax (m = 4)', largeMarginSoftmax(), 'weights', W, (e, w) => lsoftmaxRef(e, w, 4, 1, false)],
  ['largeMarginSoftmax (m = 3, s = 2)', largeMarginSoftmax({ margin: 3, scale: 2 }), 'weights', W, (e, w) => lsoftmaxRef(e, w, 3, 2, false)],
  ['sphereFace (m = 4)', sphereFace(), 'weights', W, (e, w) => lsoftmaxRef(e, w, 4, 1, true)],
  ['normalizedSoftmax (τ = 0.1)', normalizedSoftmax({ temperature: 0.1 }), 'weights', W, (e, w) => normSoftRef(e, w, 0.1)],
  ['p2sGrad', p2sGrad(), 'weights', W, (e, w) => p2sRef(e, w)],
  ['softTriple (K = 2, λ = 5)', softTriple({ centersPerClass: 2, la: 5 }), 'weights', W2, (e, w) => softTripleRef(e, w, 2, 5, 0.1, 0.01)],
  ['subCenterArcFace (K = 2, s = 8)', subCenterArcFace({ subCenters: 2, scale: 8 }), 'weights', W2, (e, w) => subCenterRef(e, w, 2, 28.6, 8)],
  ['vicreg', vicreg(), 'reference', f32(randomMatrix(B, D, 94)), (e, r) => vicregRef(e, r)],
  ['vicreg (λ = 1, μ = 2, ν = 3)', vicreg({ invarianceLambda: 1, varianceMu: 2, covarianceV: 3 }), 'reference', f32(randomMatrix(B, D, 95, 0.3)), (e, r) => vicregRef(e, r, 1, 2, 3)],
  ['manifold (K = 3)', manifold(), 'proxies', W, (e, p) => manifoldRef(e, p, y)],
  ['manifold (λ_C = ∞, α = 0.5)', manifold({ lambdaC: Infinity, alpha: 0.5 }), 'proxies', W, (e, p) => manifoldRef(e, p, y, Infinity, 0.5)],
];

describe('values against float64 references', () => {
  for (const [name, expr, input, w, ref] of cases) {
    it(name, () => {
      const want = ref(E, w);
      expect(Math.abs(want)).toBeGreaterThan(1e-4);
      close(value(expr, { [input]: w }), want, name.startsWith('manifold') ? 2e-4 : 2e-5);
    });
  }
});

describe('finite-difference gradients (embeddings, and the caller-owned matrix)', () => {
  for (const [name, expr, input, w, ref] of cases) {
    if (name === 'p2sGrad') continue; // its weight gradient follows PML's in-place renormalization: tested below
    it(name, () => {
      const loss = compile(expr, { from: 'embeddings' });
      const rtol = name.startsWith('manifold') ? 5e-3 : 1e-3;
      const x = tf.tensor2d(E);
      const wt = tf.tensor2d(w);
      const ge = checkGradient((t) => loss(y, t, { inputs: { [input]: wt } }), x, { reference: (v) => ref(unflat(v, B, D), w), rtol });
      const gw = checkGradient((t) => loss(y, x, { inputs: { [input]: t } }), wt, { reference: (v) => ref(E, unflat(v, w.length, D)), rtol });
      tf.dispose([x, wt]);
      expect(ge.ok, `embeddings: worst ${ge.worst} at ${ge.worstIndex}: ${ge.analytic[ge.worstIndex]} vs ${ge.numeric[ge.worstIndex]}`).toBe(true);
      expect(gw.ok, `weights: worst ${gw.worst} at ${gw.worstIndex}: ${gw.analytic[gw.worstIndex]} vs ${gw.numeric[gw.worstIndex]}`).toBe(true);
    });
  }
});

describe('p2sGrad gradients', () => {
  it('embeddings: finite differences of the reference; weights: PML\'s, the gradient at ŵ = w/‖w‖ taken as the variable', () => {
    const loss = compile(p2sGrad(), { from: 'embeddings' });
    const Wn = W.map((r) => r.map((v) => v / nrm(r)));
    const x = tf.tensor2d(E);
    const wt = tf.tensor2d(Wn);
    const ge = checkGradient((t) => loss(y, t, { inputs: { weights: wt } }), x, { reference: (v) => p2sRef(unflat(v, B, D), Wn) });
    // PML renormalizes W.data before the forward pass, so its gradient is that of cos = x·W/‖x‖ at unit rows
    const free = (e: M, w: M) => meanOf(e.map((xi, i) => meanOf(w.map((wj, j) => (Math.min(1, Math.max(-1, dot(xi, wj) / nrm(xi))) - (j === y[i] ? 1 : 0)) ** 2))));
    const gw = checkGradient((t) => loss(y, x, { inputs: { weights: t } }), wt, { reference: (v) => free(E, unflat(v, C, D)) });
    tf.dispose([x, wt]);
    expect(ge.ok, `embeddings: worst ${ge.worst}`).toBe(true);
    expect(gw.ok, `weights: worst ${gw.worst} at ${gw.worstIndex}: ${gw.analytic[gw.worstIndex]} vs ${gw.numeric[gw.worstIndex]}`).toBe(true);
  });
});

describe('behaviour and errors', () => {
  it('subCenterArcFace: PML\'s correction applies once θ_y > π − m (a target pointing away from every sub-center)', () => {
    const e = [[1, 0, 0, 0]];
    const w = [[-1, 0.001, 0, 0], [-1, -0.001, 0, 0]]; // class 0, both sub-centers opposite: θ ≈ π
    close(value(subCenterArcFace({ subCenters: 2, scale: 1 }), { weights: w }, e, [0]), 0);
    // one class: softmax over one logit is 1 whatever the correction; with a second class the corrected target shows
    const w2 = [...w, [0, 1, 0, 0], [0, 0, 1, 0]];
    close(value(subCenterArcFace({ subCenters: 2, scale: 1 }), { weights: w2 }, e, [0]), subCenterRef(e, w2, 2, 28.6, 1).valueOf());
  });

  it('subCenterOutliers: dominant sub-center by majority vote, outliers below cos(threshold)', () => {
    const emb = [[1, 0], [0.9, 0.1], [0, 1], [1, 0.05], [-1, 0]];
    const labels = [0, 0, 0, 1, 1];
    const w = [[1, 0], [0, 1], [1, 0], [-1, 0]]; // class 0: (1,0) and (0,1); class 1: (1,0) and (-1,0)
    const { outliers, dominantCenters } = expectNoLeaks(() => subCenterOutliers(emb, labels, w, { subCenters: 2, threshold: 60 }));
    // class 0 votes: (1,0), (1,0), (0,1) → dominant (1,0); sample 2 has cos 0 < cos 60° → outlier
    // class 1 votes: (1,0) for sample 3, (-1,0) for sample 4 → tie, the first (1,0); sample 4 has cos −1 → outlier
    expect(Array.from(outliers)).toEqual([2, 4]);
    expect(Array.from(dominantCenters)).toEqual([1, 0, 1, 0]);
  });

  it('bad inputs are typed errors that leave no tensors', () => {
    const l = compile(softTriple({ centersPerClass: 2 }), { from: 'embeddings' });
    expectCleanThrow(() => l(y, E, { inputs: { weights: W } }), 'SHAPE_MISMATCH'); // 3 rows is not C·2
    expectCleanThrow(() => compile(largeMarginSoftmax(), { from: 'embeddings' })([0, 5, 1, 0, 2, 1], E, { inputs: { weights: W } }), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => compile(vicreg(), { from: 'embeddings' })([0], [E[0]!], { inputs: { reference: [E[1]!] } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(manifold(), { from: 'embeddings' })([0, 3, 1, 0, 2, 1], E, { inputs: { proxies: W } }), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => compile(manifold(), { from: 'embeddings' }).valueAndGrad(y, E, { inputs: { proxies: [[1, 2]] } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => largeMarginSoftmax({ margin: 2.5 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => subCenterArcFace({ margin: 200 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => manifold({ alpha: 1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => subCenterOutliers(E, y, W2, { subCenters: 4 }), 'SHAPE_MISMATCH');
  });

  it('large logits (s = 1e4 for sub-center ArcFace, τ = 1e-4 for normalized softmax) stay finite and match float64', () => {
    close(value(subCenterArcFace({ subCenters: 2, scale: 1e4 }), { weights: W2 }), subCenterRef(E, W2, 2, 28.6, 1e4), 1e-4);
    close(value(normalizedSoftmax({ temperature: 1e-4 }), { weights: W }), normSoftRef(E, W, 1e-4), 1e-4);
  });
});
