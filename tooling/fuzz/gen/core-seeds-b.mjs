// The seed procedures of @losskit/core from issue #25 part B: σReparam (`sigmaReparamState`, `sigmaReparam`), the
// attention-entropy monitor and ProbConserv's constrained update, with random and bad input, against float64
// references written here from the papers and the authors' code.
import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../lib/ref.mjs';

const f32 = Math.fround;
const TYPED = ['INVALID_PARAMETER', 'INVALID_ARGUMENT', 'SHAPE_MISMATCH', 'RANK_MISMATCH', 'NON_FINITE_INPUT'];
const norm = (v) => Math.hypot(...v);
const matVec = (w, u) => w.map((row) => row.reduce((s, x, j) => s + x * u[j], 0));
const matTVec = (w, v) => w[0].map((_, j) => w.reduce((s, row, i) => s + row[j] * v[i], 0));

function weightOf(r) {
  const m = r.int(1, 4);
  const n = r.int(1, 4);
  const scale = r.pick([1, 1e-3, 1e4]);
  const w = Array.from({ length: m }, () => Array.from({ length: n }, () => f32(r.normal() * scale)));
  const bad = r.bool(0.15) ? r.pick(['zero', 'nan', 'rank1']) : undefined;
  if (bad === 'zero') return { w: w.map((row) => row.map(() => 0)), bad };
  if (bad === 'nan') return { w: w.map((row, i) => row.map((x, j) => (i === 0 && j === 0 ? Number.NaN : x))), bad };
  if (bad === 'rank1') return { w: w[0], bad };
  return { w };
}

function stateCase(r, lib) {
  const { w, bad } = weightOf(r);
  return {
    fn: 'sigmaReparamState',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'sigmaReparamState(w)', w },
    run: () => {
      const s = lib.core.sigmaReparamState(w);
      return { u: Array.from(s.u), sigma: s.sigma };
    },
    // σ is the top singular value: WᵀW u = σ² u with ‖u‖ = 1, and σ ≥ the norm of every row and column of W.
    check: (out) => {
      const wu = matVec(w, out.u);
      const wtwu = matTVec(w, wu);
      const s2 = out.sigma * out.sigma;
      const scale = Math.max(1e-300, s2);
      const msg =
        ref.allClose([norm(out.u), norm(wu)], [1, out.sigma], { rtol: 1e-8, atol: 1e-12 }) ??
        ref.allClose(wtwu.map((x) => x / scale), out.u.map((x) => (x * s2) / scale), { rtol: 1e-6, atol: 1e-6 }) ??
        ([...w.map(norm), ...w[0].map((_, j) => norm(w.map((row) => row[j])))].some((c) => c > out.sigma * (1 + 1e-9)) ? 'a row or column is longer than σ' : undefined);
      return msg ? { category: 'wrong value', kind: 'sigmaReparamState is not the top singular pair', message: msg } : undefined;
    },
    finite: (out) => [out.sigma, ...out.u],
    codes: TYPED,
  };
}

function reparamCase(r, lib) {
  const { w, bad } = weightOf(r);
  const gamma = r.pick([1, 0.5, 3, -2, 1, Number.NaN]);
  const training = r.pick([true, false, true, true, true, 'yes']);
  const mismatch = !bad && r.bool(0.1);
  const invalid = bad || mismatch || !Number.isFinite(gamma) || typeof training !== 'boolean';
  let state0;
  return {
    fn: 'sigmaReparam',
    expect: invalid ? 'invalid' : 'valid',
    why: bad ?? (mismatch ? 'state of another weight' : !Number.isFinite(gamma) ? 'gamma NaN' : 'training not boolean'),
    repro: { call: 'sigmaReparam(tensor2d(w), gamma, state, { training })', w, gamma, training, mismatch },
    prepare: () => {
      // The state is made from the weight with its first column perturbed (a stale u), or of a wider weight.
      const src = bad ? [[1, 2]] : mismatch ? w.map((row) => [...row, 1]) : w.map((row) => row.map((x, j) => (j === 0 ? x + 0.1 : x)));
      const s = lib.core.sigmaReparamState(src);
      state0 = Array.from(s.u);
      return { w: Array.isArray(w[0]) ? tf.tensor2d(w) : tf.tensor1d(w), s };
    },
    run: ({ w: t, s }) => lib.core.sigmaReparam(t, gamma, s, { training }),
    // The authors' get_sigma from the stale u: v = normalize(W u), u' = normalize(Wᵀ v), σ = vᵀ W u'; Ŵ = γ W / σ.
    check: (out) => {
      const wf = w.map((row) => row.map(f32));
      const v0 = matVec(wf, state0);
      const v = v0.map((x) => x / norm(v0));
      const u0 = matTVec(wf, v);
      const u = u0.map((x) => x / norm(u0));
      const sigma = v.reduce((s, vi, i) => s + vi * wf[i].reduce((a, x, j) => a + x * u[j], 0), 0);
      const want = wf.flat().map((x) => (gamma * x) / sigma);
      const msg = ref.allClose(Array.from(out.dataSync()), want, { rtol: 1e-4, atol: 1e-6, mag: Math.max(...want.map(Math.abs)) });
      return msg ? { category: 'wrong value', kind: 'sigmaReparam vs γW/σ', message: msg } : undefined;
    },
    codes: TYPED,
  };
}

function entropyCase(r, lib) {
  const heads = r.int(1, 3);
  const T = r.int(1, 4);
  const Tk = r.int(1, 5);
  const scale = r.pick([1, 5, 1e4]);
  const a = Array.from({ length: heads }, () =>
    Array.from({ length: T }, () => {
      const z = Array.from({ length: Tk }, () => r.normal() * scale);
      const m = Math.max(...z);
      const e = z.map((x) => Math.exp(x - m));
      const s = e.reduce((p, x) => p + x, 0);
      return e.map((x) => f32(x / s));
    }),
  );
  const bad = r.bool(0.15) ? r.pick(['scale', 'negative', 'nan']) : undefined;
  if (bad === 'scale') a[0][0] = a[0][0].map((x) => x * 0.5);
  if (bad === 'negative') a[0][0][0] = -0.2;
  if (bad === 'nan') a[0][0][0] = Number.NaN;
  return {
    fn: 'attentionEntropy',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'attentionEntropy(a)', a },
    run: () => lib.core.attentionEntropy(a),
    check: (out) => {
      const want = a.map((rows) => -rows.reduce((s, row) => s + row.reduce((q, p) => q + (p > 0 ? p * Math.log(p) : 0), 0), 0) / rows.length);
      const msg = ref.allClose(Array.from(out.dataSync()), want, { rtol: 1e-4, atol: 1e-6 });
      return msg ? { category: 'wrong value', kind: 'attentionEntropy vs −(1/T) Σ A log A', message: msg } : undefined;
    },
    codes: TYPED,
  };
}

function inverse(a) {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let q = c + 1; q < n; q++) if (Math.abs(m[q][c]) > Math.abs(m[p][c])) p = q;
    [m[c], m[p]] = [m[p], m[c]];
    const d = m[c][c];
    m[c] = m[c].map((x) => x / d);
    for (let q = 0; q < n; q++) if (q !== c) {
      const f = m[q][c];
      m[q] = m[q].map((x, j) => x - f * m[c][j]);
    }
  }
  return m.map((row) => row.slice(n));
}

function conservCase(r, lib) {
  const N = r.int(1, 5);
  const K = r.int(1, Math.min(2, N));
  const mu = Array.from({ length: N }, () => f32(r.normal() * r.pick([1, 1e4])));
  const v = Array.from({ length: N }, () => f32(0.05 + r.normal() ** 2));
  const G = Array.from({ length: K }, () => Array.from({ length: N }, () => f32(r.normal())));
  const b = Array.from({ length: K }, () => f32(r.normal()));
  const variance = r.pick([0, 0.01, 1]);
  const bad = r.bool(0.15) ? r.pick(['negVar', 'shape', 'nan', 'singular']) : undefined;
  let cov = v;
  let GG = G;
  let bb = b;
  if (bad === 'negVar') cov = v.map((x, i) => (i === 0 ? -x : x));
  if (bad === 'shape') bb = [...b, 1];
  if (bad === 'nan') mu[0] = Number.NaN;
  if (bad === 'singular') {
    GG = [G[0], G[0]];
    bb = [b[0], b[0]];
  }
  // A hard constraint is singular when the rows are (numerically) dependent: leave such draws to 'any'.
  const A = GG.map((gk) => GG.map((gl) => gk.reduce((s, x, i) => s + x * v[i] * gl[i], 0)));
  const det = A.length === 1 ? A[0][0] : A[0][0] * A[1][1] - A[0][1] * A[1][0];
  const wellPosed = variance > 0 || Math.abs(det) > 1e-6 * Math.max(1, ...A.flat().map(Math.abs)) ** A.length;
  const expect = bad === 'singular' ? (variance > 0 ? 'valid' : 'invalid') : bad ? 'invalid' : wellPosed ? 'valid' : 'any';
  return {
    fn: 'probConservUpdate',
    expect,
    why: bad,
    repro: { call: 'probConservUpdate(mu, cov, { G, b, variance })', mu, cov, G: GG, b: bb, variance },
    run: () => lib.core.probConservUpdate(mu, cov, { G: GG, b: bb, variance }),
    // μ̃ = μ − ΣGᵀ(σ²I + GΣGᵀ)⁻¹(Gμ − b) with Σ = diag(v), by a Gauss-Jordan inverse.
    check: (out) => {
      const SGt = v.map((vi, i) => GG.map((g) => vi * g[i]));
      const Am = GG.map((gk) => GG.map((gl) => gk.reduce((s, x, i) => s + x * v[i] * gl[i], 0))).map((row, k) => row.map((x, l) => x + (k === l ? variance : 0)));
      const inv = inverse(Am);
      const res = GG.map((g, k) => g.reduce((s, x, i) => s + x * mu[i], 0) - bb[k]);
      const y = inv.map((row) => row.reduce((s, x, l) => s + x * res[l], 0));
      const want = mu.map((m, i) => m - SGt[i].reduce((s, x, k) => s + x * y[k], 0));
      const mag = Math.max(1, ...mu.map(Math.abs));
      const msg = ref.allClose(Array.from(out.mean.dataSync()), want, { rtol: 1e-3, atol: 1e-4, mag });
      return msg ? { category: 'wrong value', kind: 'probConservUpdate mean vs Gaussian conditioning', message: msg } : undefined;
    },
    finite: (out) => [...out.mean.dataSync(), ...out.covariance.dataSync()],
    codes: TYPED,
  };
}

export function generate(r, lib) {
  const kind = r.weighted({ state: 2, reparam: 3, entropy: 2, conserv: 3 });
  const c = kind === 'state' ? stateCase(r, lib) : kind === 'reparam' ? reparamCase(r, lib) : kind === 'entropy' ? entropyCase(r, lib) : conservCase(r, lib);
  return { pkg: '@losskit/core', ...c };
}
