// @losskit/ood: AUROC against the pairwise Mann-Whitney count, FPR at a TPR against a threshold scan, the deep kNN
// score against a float64 brute-force reference (normalize, all distances, sort), the Mahalanobis score at D ∈ {1, 2}
// against the closed-form inverse of the tied covariance, the layer ensemble (its score is αᵀs + b), the MixOE batch
// (convex mixtures of one-hot targets and the uniform distribution), with bad input (empty, NaN, k > N, dimension
// mismatch, labels out of range, tpr outside (0, 1]); the MixOE objective on a batch against the float64
// Σ_i w_i · (−Σ_k t_ik log softmax(z_i)_k) (bad: NaN targets, shape and weight-length mismatch, NaN logits).
import * as tf from '@tensorflow/tfjs-core';

const f32 = Math.fround;
const close = (a, b, tol) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

export function generate(r, lib) {
  const kind = r.weighted({ auroc: 14, fpr: 12, knn: 22, mahalanobis: 22, ensemble: 12, mixoe: 10, preprocess: 10, mixoeLoss: 10 });
  if (kind === 'mixoeLoss') return mixoeLossCase(r, lib);
  if (kind === 'preprocess') return preprocessCase(r, lib);
  if (kind === 'auroc') return aurocCase(r, lib);
  if (kind === 'fpr') return fprCase(r, lib);
  if (kind === 'knn') return knnCase(r, lib);
  if (kind === 'mahalanobis') return mahalanobisCase(r, lib);
  if (kind === 'ensemble') return ensembleCase(r, lib);
  return mixoeCase(r, lib);
}

const scores = (r, n) => Array.from({ length: n }, () => r.pick([0, 0.5, 1, f32(r.float(-3, 3)), f32(r.float(-1e6, 1e6))]));

function aurocCase(r, lib) {
  const a = scores(r, r.int(0, 7));
  const b = scores(r, r.int(0, 7));
  if (r.bool(0.1) && a.length) a[0] = r.nonFinite();
  const valid = a.length > 0 && b.length > 0 && a.every(Number.isFinite);
  // P(s_in > s_out) + ½ P(equal) over all pairs (ID is the positive class, higher = more ID).
  let s = 0;
  for (const x of a) for (const y of b) s += x > y ? 1 : x === y ? 0.5 : 0;
  const want = s / (a.length * b.length);
  return {
    fn: 'auroc',
    expect: valid ? 'valid' : 'invalid',
    why: 'empty or non-finite scores',
    repro: { call: 'auroc(inScores, outScores)', inScores: a, outScores: b },
    run: () => lib.ood.auroc(a, b),
    check: (v) => (close(v, want, 1e-12) ? undefined : { category: 'wrong value', kind: 'auroc vs pairwise count', message: `expected ${want}, got ${v}` }),
  };
}

function fprCase(r, lib) {
  const a = scores(r, r.int(0, 8));
  const b = scores(r, r.int(0, 6));
  const tpr = r.pick([0.95, 0.5, 1, 0.8, 0, 1.5, NaN]);
  const valid = a.length > 0 && b.length > 0 && tpr > 0 && tpr <= 1;
  // The largest threshold τ among the ID scores with #{s_in ≥ τ}/n ≥ tpr; FPR = #{s_out ≥ τ}/m.
  let want;
  if (valid) {
    const cands = [...new Set(a)].sort((p, q) => q - p);
    const tau = cands.find((t) => a.filter((v) => v >= t).length / a.length >= tpr - 1e-12);
    want = b.filter((v) => v >= tau).length / b.length;
  }
  return {
    fn: 'fprAtTpr',
    expect: valid ? 'valid' : 'invalid',
    why: 'empty scores or tpr outside (0, 1]',
    repro: { call: 'fprAtTpr(inScores, outScores, tpr)', inScores: a, outScores: b, tpr },
    run: () => lib.ood.fprAtTpr(a, b, tpr),
    check: (v) => (close(v, want, 1e-12) ? undefined : { category: 'wrong value', kind: 'fprAtTpr vs threshold scan', message: `expected ${want}, got ${v}` }),
  };
}

function normalize(row) {
  const n = Math.hypot(...row);
  return n === 0 ? row.map(() => 0) : row.map((v) => v / n);
}

function knnCase(r, lib) {
  const N = r.int(1, 8);
  const D = r.int(1, 4);
  const M = r.int(1, 4);
  const scale = r.pick([1, 1, 1e-3, 1e20]);
  const bank = r.matrix(N, D, 'normal', 1).map((row) => row.map((v) => f32(v * scale)));
  const test = r.matrix(M, D, 'normal', 1).map((row) => row.map((v) => f32(v * scale)));
  let k = r.int(1, N);
  const bad = r.bool(0.2) ? r.pick(['k', 'kZero', 'nan', 'dim', 'empty']) : undefined;
  let t = test;
  let fitF = bank;
  if (bad === 'k') k = N + 1;
  if (bad === 'kZero') k = r.pick([0, 1.5]);
  if (bad === 'nan') t = test.map((row, i) => (i === 0 ? [NaN, ...row.slice(1)] : row));
  if (bad === 'dim') t = test.map((row) => [...row, 1]);
  if (bad === 'empty') fitF = [];
  const zb = bank.map(normalize);
  const want = test.map((row) => {
    const z = normalize(row);
    const d = zb.map((q) => Math.sqrt(q.reduce((s, v, j) => s + (v - z[j]) ** 2, 0))).sort((p, q) => p - q);
    return -d[k - 1];
  });
  const tensors = r.bool(0.3);
  return {
    fn: 'KnnDetector.score',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'KnnDetector.fit(bank, { k }).score(test)', bank: fitF, test: t, k, tensors },
    prepare: () => (tensors && fitF.length ? { bank: tf.tensor2d(fitF), test: tf.tensor2d(t) } : { bank: fitF, test: t }),
    run: ({ bank: b, test: q }) => lib.ood.KnnDetector.fit(b, { k }).score(q),
    check: (v) => {
      const i = v.findIndex((s, j) => !(Math.abs(s - want[j]) <= 1e-6));
      return i < 0 ? undefined : { category: 'wrong value', kind: 'kNN score vs brute force', message: `row ${i}: expected ${want[i]}, got ${v[i]}` };
    },
  };
}

function mahalanobisCase(r, lib) {
  const D = r.int(1, 2);
  const C = r.int(2, 3);
  const per = r.int(D + 2, 6);
  const labels = Array.from({ length: C * per }, (_, i) => i % C);
  const centers = Array.from({ length: C }, () => Array.from({ length: D }, () => r.float(-3, 3)));
  const x = labels.map((c) => centers[c].map((m) => f32(m + r.float(-1, 1))));
  const test = r.matrix(r.int(1, 4), D, 'normal', 2);
  const bad = r.bool(0.2) ? r.pick(['nan', 'label', 'rows', 'dim']) : undefined;
  let y = labels;
  let xf = x;
  let t = test;
  if (bad === 'nan') xf = x.map((row, i) => (i === 1 ? row.map(() => NaN) : row));
  if (bad === 'label') y = labels.map((v, i) => (i === 0 ? -1 : v));
  if (bad === 'rows') y = labels.slice(1);
  if (bad === 'dim') t = test.map((row) => [...row, 0]);
  // float64 reference: class means, tied covariance (1/N) Σ (x − μ_y)(x − μ_y)ᵀ, closed-form inverse (D ≤ 2).
  const mu = centers.map((_, c) => {
    const rows = x.filter((_, i) => labels[i] === c);
    return Array.from({ length: D }, (_, j) => rows.reduce((s, row) => s + row[j], 0) / rows.length);
  });
  const S = Array.from({ length: D }, () => new Array(D).fill(0));
  x.forEach((row, i) => {
    const d = row.map((v, j) => v - mu[labels[i]][j]);
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) S[a][b] += (d[a] * d[b]) / x.length;
  });
  let inv;
  if (D === 1) inv = [[1 / S[0][0]]];
  else {
    const det = S[0][0] * S[1][1] - S[0][1] * S[1][0];
    inv = [[S[1][1] / det, -S[0][1] / det], [-S[1][0] / det, S[0][0] / det]];
  }
  const want = test.map((row) => Math.max(...mu.map((m) => {
    const d = row.map((v, j) => v - m[j]);
    let q = 0;
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) q += d[a] * inv[a][b] * d[b];
    return -0.5 * q;
  })));
  return {
    fn: 'MahalanobisDetector.score',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'MahalanobisDetector.fit(x, y).score(test)', x: xf, y, test: t },
    run: () => lib.ood.MahalanobisDetector.fit(xf, y).score(t),
    check: (v) => {
      const i = v.findIndex((s, j) => !(Math.abs(s - want[j]) <= 1e-6 * Math.max(1, Math.abs(want[j]))));
      return i < 0 ? undefined : { category: 'wrong value', kind: 'Mahalanobis score vs closed-form inverse', message: `row ${i}: expected ${want[i]}, got ${v[i]}` };
    },
  };
}

function ensembleCase(r, lib) {
  const L = r.int(1, 3);
  const ins = r.matrix(r.int(1, 5), L, 'normal', 1).map((row) => row.map((v) => v - 1));
  const outs = r.matrix(r.int(1, 5), L, 'normal', 1).map((row) => row.map((v) => v - 4));
  const bad = r.bool(0.2) ? r.pick(['width', 'nan', 'C', 'empty']) : undefined;
  let o = outs;
  let C = r.pick([undefined, 1, 0.1, 10]);
  let a = ins;
  if (bad === 'width') o = outs.map((row) => [...row, 0]);
  if (bad === 'nan') o = outs.map((row, i) => (i === 0 ? row.map(() => NaN) : row));
  if (bad === 'C') C = r.pick([0, -1, NaN]);
  if (bad === 'empty') a = [];
  const test = r.matrix(r.int(1, 3), L, 'normal', 2);
  return {
    fn: 'fitLayerEnsemble',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'ensembleScore(test, fitLayerEnsemble(ins, outs, { C }))', ins: a, outs: o, C, test },
    run: () => {
      const e = lib.ood.fitLayerEnsemble(a, o, C === undefined ? undefined : { C });
      return { e, s: lib.ood.ensembleScore(test, e) };
    },
    check: ({ e, s }) => {
      const want = test.map((row) => row.reduce((acc, v, j) => acc + e.weights[j] * v, e.bias));
      const i = s.findIndex((v, j) => !close(v, want[j], 1e-9));
      return i < 0 ? undefined : { category: 'wrong value', kind: 'ensembleScore vs αᵀs + b', message: `row ${i}: expected ${want[i]}, got ${s[i]}` };
    },
  };
}

function mixoeCase(r, lib) {
  const N = r.int(1, 5);
  const C = r.int(2, 4);
  const D = r.int(1, 3);
  const x = r.matrix(N, D, 'normal', 1);
  const xo = r.matrix(N, D, 'normal', 1);
  const labels = r.labels(N, C);
  const bad = r.bool(0.2) ? r.pick(['alpha', 'label', 'shape']) : undefined;
  const alpha = bad === 'alpha' ? r.pick([0, -1, NaN]) : r.pick([undefined, 1, 0.5, 2]);
  const y = bad === 'label' ? labels.map((v, i) => (i === 0 ? C : v)) : labels;
  const xOut = bad === 'shape' ? xo.map((row) => [...row, 0]) : xo;
  return {
    fn: 'mixOEBatch',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'mixOEBatch({ inputs, labels, outliers, classes, alpha, seed: 1 })', x, y, xOut, C, alpha },
    prepare: () => ({ x: tf.tensor2d(x), o: tf.tensor2d(xOut) }),
    run: ({ x: xt, o }) => lib.ood.mixOEBatch({ inputs: xt, labels: y, outliers: o, classes: C, ...(alpha === undefined ? {} : { alpha }), seed: 1 }),
    check: (b) => {
      // Rows B..2B−1: targets λ·e_y + (1 − λ)/K and inputs λx + (1 − λ)x_out.
      const t = b.targets.arraySync();
      const xin = b.inputs.arraySync();
      const lam = b.lambda;
      if (!(lam >= 0 && lam <= 1)) return { category: 'wrong value', kind: 'MixOE λ in [0, 1]', message: String(lam) };
      for (let i = 0; i < N; i++) {
        const want = t[N + i].map((_, c) => lam * (c === y[i] ? 1 : 0) + (1 - lam) / C);
        if (want.some((v, c) => Math.abs(v - t[N + i][c]) > 1e-5)) return { category: 'wrong value', kind: 'MixOE target vs λ·e_y + (1 − λ)/K', message: `row ${i}: ${JSON.stringify(t[N + i])} with λ ${lam}` };
        const wx = x[i].map((v, j) => lam * v + (1 - lam) * xOut[i][j]);
        if (wx.some((v, j) => Math.abs(v - xin[N + i][j]) > 1e-5 * Math.max(1, Math.abs(v)))) return { category: 'wrong value', kind: 'MixOE input vs λx + (1 − λ)x_out', message: `row ${i}` };
      }
      return undefined;
    },
  };
}

function preprocessCase(r, lib) {
  const D = r.int(1, 3);
  const C = 2;
  const N = r.int(3, 6);
  const W = r.matrix(D, D, 'normal', 1);
  const x = r.matrix(2 * N, D, 'normal', 1).map((row, i) => row.map((v) => v + (i % C) * 2));
  const y = x.map((_, i) => i % C);
  const test = r.matrix(r.int(1, 3), D, 'normal', 1);
  const eps = r.pick([0, 0, 0.01, -0.1, NaN]);
  // A NaN input (the preprocessed input was silently NaN).
  const nanX = r.bool(0.1);
  if (nanX) test[0][0] = NaN;
  const invalid = !(eps >= 0) || nanX;
  return {
    fn: 'mahalanobisScoreWithPreprocessing',
    expect: invalid ? 'invalid' : 'valid',
    why: nanX ? 'NaN input' : 'epsilon < 0 or NaN',
    repro: { call: 'mahalanobisScoreWithPreprocessing({ detector: fit(tanh(xW)), features: tanh(·W), x: test, epsilon })', W, x, y, test, eps },
    prepare: () => ({ Wt: tf.tensor2d(W), xt: tf.tensor2d(x), tt: tf.tensor2d(test) }),
    run: ({ Wt, xt, tt }) => {
      const features = (v) => tf.tidy(() => tf.tanh(tf.matMul(v, Wt)));
      const fx = features(xt);
      const det = lib.ood.MahalanobisDetector.fit(fx, y);
      fx.dispose();
      // The plain score of a NaN input would throw here, in the harness: only the call under test gets it.
      let plain;
      if (!nanX) {
        const ft = features(tt);
        plain = det.score(ft);
        ft.dispose();
      }
      return { pre: lib.ood.mahalanobisScoreWithPreprocessing({ detector: det, features, x: tt, epsilon: eps }), plain };
    },
    check: ({ pre, plain }) => {
      // ε = 0 leaves the input unchanged; ε > 0 steps against the closest class's distance, so the score cannot drop
      // to first order (a small step: allow float32 noise).
      const i = pre.findIndex((v, k) => (eps === 0 ? Math.abs(v - plain[k]) > 1e-5 * Math.max(1, Math.abs(plain[k])) : v < plain[k] - 1e-3 * Math.max(1, Math.abs(plain[k]))));
      return i < 0 ? undefined : { category: 'wrong value', kind: eps === 0 ? 'preprocessing with ε = 0 vs the plain score' : 'preprocessing does not lower the score', message: `row ${i}: ${pre[i]} vs ${plain[i]}` };
    },
  };
}

function mixoeLossCase(r, lib) {
  const B = r.int(1, 4);
  const K = r.int(1, 4);
  const lam = r.pick([0, 1, f32(r.float(0, 1))]);
  const beta = r.pick([0, 0.5, 1, 2]);
  const y = Array.from({ length: B }, () => r.int(0, K - 1));
  const hot = y.map((v) => Array.from({ length: K }, (_, c) => (c === v ? 1 : 0)));
  const t = [...hot, ...hot.map((row) => row.map((v) => f32(lam * v + (1 - lam) / K)))];
  const w = [...new Array(B).fill(1 / B), ...new Array(B).fill(beta / B)].map(f32);
  const vm = r.valueMode({ moderate: r.bool(0.7) });
  const z = r.matrix(2 * B, K, vm.mode, vm.scale);
  const bad = r.bool(0.2) ? r.pick(['targets', 'shape', 'weights', 'nan']) : undefined;
  let tt = t;
  let zz = z;
  let ww = w;
  // Soft targets are not required to sum to 1 (as Keras' categorical cross-entropy); a NaN target is invalid.
  if (bad === 'targets') tt = t.map((row, i) => (i === 0 ? row.map(() => NaN) : row));
  // Targets [N, 1] are integer labels (Keras' sparse form), so the mismatch for K = 1 is a missing logits row.
  if (bad === 'shape') zz = K > 1 ? z.map((row) => [...row, 0]) : z.slice(1);
  if (bad === 'weights') ww = [...w, 1];
  if (bad === 'nan') zz = z.map((row, i) => (i === 0 ? row.map(() => NaN) : row));
  const finite = z.flat().every(Number.isFinite);
  const want = z.reduce((a, row, i) => {
    const m = Math.max(...row);
    const l = Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    // −Σ_k t_k (z_k − m − l), with 0·(−∞) = 0 for the zero targets.
    return a + w[i] * t[i].reduce((s, tk, k) => s + (tk === 0 ? 0 : -tk * (row[k] - m - l)), 0);
  }, 0);
  return {
    fn: 'mixOELoss',
    expect: bad || !finite ? 'invalid' : 'valid',
    why: bad ?? 'non-finite logits',
    repro: { call: 'mixOELoss()(targets, logits, weights)', targets: tt, logits: zz, weights: ww },
    prepare: () => ({ tg: tf.tensor2d(tt), lg: tf.tensor2d(zz), wt: tf.tensor1d(ww) }),
    run: ({ tg, lg, wt }) => lib.ood.mixOELoss()(tg, lg, wt),
    check: (out) => {
      const got = out.dataSync()[0];
      return close(got, want, 1e-4) ? undefined : { category: 'wrong value', kind: 'MixOE loss vs float64 weighted soft cross-entropy', message: `expected ${want}, got ${got}` };
    },
  };
}
