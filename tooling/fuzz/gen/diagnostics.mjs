// @losskit/diagnostics: class statistics against float64 sums, the Gaussian naive-Bayes probe's logits against
// log π_k − ½ Σ_j (x_j − μ_kj)²/σ²_j with the pooled variance, symmetric eigenvalues against trace and Frobenius
// norm (Σλ = tr A, Σλ² = ‖A‖²_F) and the 2 × 2 closed form, solveSpd against A x = b, binaryKl and the PAC-Bayes
// bound against their closed forms, M3 and winsorized means against float64 definitions, NC1 invariance to scaling
// and translation of the features, spectral-alignment fractions and ranges, (kl-inverse: kl(r̂‖B) = c at the returned bound), DSE/DSMI finiteness and range,
// with bad input (NaN, labels out of range, empty, non-square, δ outside (0, 1), both kl and logPrior).
// Per-example gradients of a one-hidden-layer tanh MLP (Dense fast path and loop) against the float64 backward pass,
// loss-landscape slices of a linear softmax model against float64 losses at θ + αd (+ βη) with the weights restored,
// filter-normalized directions against the filter norms of θ.
import * as tf from '@tensorflow/tfjs-core';

const f32 = Math.fround;
const close = (a, b, tol) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

export function generate(r, lib) {
  const kind = r.weighted({ stats: 16, nb: 16, eigen: 16, spd: 10, kl: 10, pac: 16, dse: 12, robustMean: 14, collapse: 12, alignment: 8, perExample: 14, landscape: 14, direction: 6 });
  if (kind === 'perExample') return perExampleCase(r, lib);
  if (kind === 'landscape') return landscapeCase(r, lib);
  if (kind === 'direction') return directionCase(r, lib);
  if (kind === 'robustMean') return r.bool(0.5) ? robustMeanCase(r, lib) : coherenceCase(r, lib);
  if (kind === 'dse' && r.bool(0.35)) return inductiveBiasCase(r, lib);
  if (kind === 'collapse') return collapseCase(r, lib);
  if (kind === 'alignment') return alignmentCase(r, lib);
  if (kind === 'stats') return statsCase(r, lib);
  if (kind === 'nb') return nbCase(r, lib);
  if (kind === 'eigen') return eigenCase(r, lib);
  if (kind === 'spd') return spdCase(r, lib);
  if (kind === 'kl') return klCase(r, lib);
  if (kind === 'pac') return pacCase(r, lib);
  return dseCase(r, lib);
}

function labelled(r) {
  const D = r.int(1, 4);
  const C = r.int(1, 4);
  const N = r.int(C, 10);
  const scale = r.pick([1, 1, 1e-3, 1e6]);
  const x = r.matrix(N, D, 'normal', 1).map((row) => row.map((v) => f32(v * scale)));
  const y = Array.from({ length: N }, (_, i) => (i < C ? i : r.int(0, C - 1)));
  const bad = r.bool(0.2) ? r.pick(['nan', 'label', 'rows', 'empty', 'fraction']) : undefined;
  let xf = x;
  let yf = y;
  if (bad === 'nan') xf = x.map((row, i) => (i === 0 ? row.map(() => NaN) : row));
  if (bad === 'label') yf = y.map((v, i) => (i === 0 ? -1 : v));
  if (bad === 'rows') yf = y.slice(1);
  if (bad === 'empty') {
    xf = [];
    yf = [];
  }
  if (bad === 'fraction') yf = y.map((v, i) => (i === 0 ? 0.5 : v));
  return { D, C, N, x, y, xf, yf, bad };
}

function statsCase(r, lib) {
  const s = labelled(r);
  const mean = (c) => Array.from({ length: s.D }, (_, j) => { const rows = s.x.filter((_, i) => s.y[i] === c); return rows.reduce((a, row) => a + row[j], 0) / rows.length; });
  const mu = Array.from({ length: s.C }, (_, c) => mean(c));
  const W = Array.from({ length: s.D * s.D }, () => 0);
  s.x.forEach((row, i) => {
    const d = row.map((v, j) => v - mu[s.y[i]][j]);
    for (let a = 0; a < s.D; a++) for (let b = 0; b < s.D; b++) W[a * s.D + b] += (d[a] * d[b]) / s.N;
  });
  return {
    fn: 'classStatistics',
    expect: s.bad ? 'invalid' : 'valid',
    why: s.bad,
    repro: { call: 'classStatistics(features, labels)', x: s.xf, y: s.yf },
    run: () => lib.diagnostics.classStatistics(s.xf, s.yf),
    check: (out) => {
      const m = mu.flat();
      const scale = Math.max(1e-300, ...s.x.flat().map(Math.abs));
      const i = m.findIndex((v, k) => Math.abs(out.means[k] - v) > 1e-12 * scale);
      if (i >= 0) return { category: 'wrong value', kind: 'class means vs float64 sums', message: `mean ${i}: expected ${m[i]}, got ${out.means[i]}` };
      const j = W.findIndex((v, k) => Math.abs(out.withinCovariance[k] - v) > 1e-10 * scale * scale);
      if (j >= 0) return { category: 'wrong value', kind: 'within-class covariance vs float64', message: `entry ${j}: expected ${W[j]}, got ${out.withinCovariance[j]}` };
      return undefined;
    },
  };
}

function nbCase(r, lib) {
  const s = labelled(r);
  const eps = r.pick([undefined, 1e-9, 1e-3, 1]);
  const badEps = !s.bad && r.bool(0.08);
  const opt = badEps ? { varianceEpsilon: r.pick([0, -1, NaN]) } : eps === undefined ? undefined : { varianceEpsilon: eps };
  const e = eps ?? 1e-9;
  const test = r.matrix(r.int(1, 3), s.D, 'normal', 1);
  const mu = [];
  const v = [];
  const n = [];
  for (let c = 0; c < s.C; c++) {
    const rows = s.x.filter((_, i) => s.y[i] === c);
    n.push(rows.length);
    const m = Array.from({ length: s.D }, (_, j) => rows.reduce((a, row) => a + row[j], 0) / rows.length);
    mu.push(m);
    v.push(Array.from({ length: s.D }, (_, j) => rows.reduce((a, row) => a + (row[j] - m[j]) ** 2, 0) / rows.length + e));
  }
  const shared = Array.from({ length: s.D }, (_, j) => v.reduce((a, vk, k) => a + (n[k] / s.N) * vk[j], 0));
  const want = test.map((row) => mu.map((m, k) => Math.log(n[k] / s.N) - 0.5 * row.reduce((a, xj, j) => a + (xj - m[j]) ** 2 / shared[j], 0)));
  return {
    fn: 'GaussianNaiveBayes.logits',
    expect: s.bad || badEps ? 'invalid' : 'valid',
    why: s.bad ?? 'varianceEpsilon',
    repro: { call: 'GaussianNaiveBayes.fit(x, y, opt).logits(test)', x: s.xf, y: s.yf, opt, test },
    run: () => lib.diagnostics.GaussianNaiveBayes.fit(s.xf, s.yf, opt).logits(test),
    check: (out) => {
      for (let i = 0; i < test.length; i++) for (let k = 0; k < s.C; k++) {
        if (!close(out[i][k], want[i][k], 1e-7)) return { category: 'wrong value', kind: 'naive-Bayes logits vs float64', message: `[${i}, ${k}]: expected ${want[i][k]}, got ${out[i][k]}` };
      }
      return undefined;
    },
  };
}

function symmetric(r, n, scale) {
  const a = Array.from({ length: n * n }, () => 0);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    const v = r.pick([0, r.float(-1, 1) * scale]);
    a[i * n + j] = v;
    a[j * n + i] = v;
  }
  return a;
}

function eigenCase(r, lib) {
  const n = r.int(1, 6);
  const scale = r.pick([1, 1e-8, 1e8]);
  const a = symmetric(r, n, scale);
  const bad = r.bool(0.15) ? r.pick(['nan', 'size']) : undefined;
  const arg = bad === 'nan' ? a.map((v, i) => (i === 0 ? NaN : v)) : bad === 'size' ? a.slice(1) : a;
  const tr = Array.from({ length: n }, (_, i) => a[i * n + i]).reduce((x, y) => x + y, 0);
  const fro = a.reduce((x, y) => x + y * y, 0);
  return {
    fn: 'symmetricEigenvalues',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'symmetricEigenvalues(a, n)', a: arg, n },
    run: () => Array.from(lib.diagnostics.symmetricEigenvalues(arg, n)),
    check: (lam) => {
      const s = Math.sqrt(fro) || 1;
      if (Math.abs(lam.reduce((x, y) => x + y, 0) - tr) > 1e-10 * s * n) return { category: 'wrong value', kind: 'Σλ vs trace', message: `Σλ ${lam.reduce((x, y) => x + y, 0)}, trace ${tr}` };
      if (Math.abs(lam.reduce((x, y) => x + y * y, 0) - fro) > 1e-10 * fro * n + 1e-300) return { category: 'wrong value', kind: 'Σλ² vs Frobenius norm²', message: `Σλ² ${lam.reduce((x, y) => x + y * y, 0)}, ‖A‖² ${fro}` };
      if (n === 2) {
        const [p, q, , t] = a;
        const m = (p + t) / 2;
        const d = Math.hypot((p - t) / 2, q);
        const want = [m - d, m + d].sort((x, y) => x - y);
        const got = [...lam].sort((x, y) => x - y);
        if (want.some((v, i) => Math.abs(v - got[i]) > 1e-12 * s)) return { category: 'wrong value', kind: '2 × 2 eigenvalues vs closed form', message: `expected ${want}, got ${got}` };
      }
      return undefined;
    },
  };
}

function spdCase(r, lib) {
  const n = r.int(1, 5);
  const m = r.matrix(n, n, 'normal', 1);
  // A = MMᵀ + I is symmetric positive definite.
  const a = Array.from({ length: n * n }, (_, k) => { const i = Math.floor(k / n); const j = k % n; return m[i].reduce((s, v, t) => s + v * m[j][t], 0) + (i === j ? 1 : 0); });
  const b = Array.from({ length: n }, () => r.float(-2, 2));
  const bad = r.bool(0.2) ? r.pick(['indefinite', 'nan']) : undefined;
  const arg = bad === 'indefinite' ? a.map((v, k) => (k === 0 ? -1 - Math.abs(v) : v)) : bad === 'nan' ? a.map((v, k) => (k === 0 ? NaN : v)) : a;
  return {
    fn: 'solveSpd',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'solveSpd(a, b, n)', a: arg, b, n },
    run: () => Array.from(lib.diagnostics.solveSpd(arg, b, n)),
    check: (x) => {
      for (let i = 0; i < n; i++) {
        const ax = x.reduce((s, v, j) => s + a[i * n + j] * v, 0);
        if (Math.abs(ax - b[i]) > 1e-9 * Math.max(1, ...a.map(Math.abs))) return { category: 'wrong value', kind: 'solveSpd: A x vs b', message: `row ${i}: A x = ${ax}, b = ${b[i]}` };
      }
      return undefined;
    },
  };
}

function klCase(r, lib) {
  const q = r.pick([0, 1, 0.5, r.float(0, 1)]);
  const p = r.pick([0, 1, 0.5, r.float(0, 1), 1e-300]);
  const t = (a, b) => (a === 0 ? 0 : b === 0 ? Infinity : a * Math.log(a / b));
  const want = t(q, p) + t(1 - q, 1 - p);
  return {
    fn: 'binaryKl',
    expect: 'valid',
    finite: () => [],
    repro: { call: 'binaryKl(q, p)', q, p },
    run: () => lib.diagnostics.binaryKl(q, p),
    check: (v) => (v === want || close(v, want, 1e-12) ? undefined : { category: 'wrong value', kind: 'binaryKl vs closed form', message: `expected ${want}, got ${v}` }),
  };
}

function pacCase(r, lib) {
  const rhat = r.pick([0, 0.5, 1, r.float(0, 0.3)]);
  const n = r.pick([1, 10, 1000, 50000]);
  const delta = r.pick([undefined, 0.05, 0.01]);
  const form = r.pick([undefined, 'kl', 'sqrt', 'mcallester']);
  const useKl = r.bool();
  const kl = r.pick([0, 1, 35.2, 1e4]);
  const bad = r.bool(0.2) ? r.pick(['risk', 'n', 'delta', 'both', 'logPrior']) : undefined;
  const input = { empiricalRisk: bad === 'risk' ? 1.5 : rhat, n: bad === 'n' ? r.pick([0, 2.5]) : n, ...(delta ? { delta } : {}), ...(form ? { form } : {}) };
  if (bad === 'delta') input.delta = r.pick([0, 1, NaN]);
  if (bad === 'both') Object.assign(input, { kl, logPrior: -kl });
  else if (bad === 'logPrior') input.logPrior = 1;
  else if (useKl) input.kl = kl;
  else input.logPrior = -kl;
  const d = delta ?? 0.05;
  const c = (kl + Math.log((2 * Math.sqrt(n)) / d)) / n;
  const binKl = (q, p) => (q === 0 ? 0 : q * Math.log(q / p)) + (q === 1 ? 0 : (1 - q) * Math.log((1 - q) / (1 - p)));
  return {
    fn: 'pacBayesBound',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'pacBayesBound(input)', input },
    run: () => lib.diagnostics.pacBayesBound(input),
    check: (out) => {
      const f = form ?? 'kl';
      if (f === 'mcallester') {
        const want = Math.min(1, rhat + Math.sqrt((kl + Math.log(1 / d) + Math.log(n) + 2) / (2 * n - 1)));
        return close(out.bound, want, 1e-12) ? undefined : { category: 'wrong value', kind: 'McAllester bound vs closed form', message: `expected ${want}, got ${out.bound}` };
      }
      if (f === 'sqrt') {
        const want = Math.min(1, rhat + Math.sqrt(c / 2));
        return close(out.bound, want, 1e-12) ? undefined : { category: 'wrong value', kind: 'Pinsker bound vs closed form', message: `expected ${want}, got ${out.bound}` };
      }
      // A risk bound above 1 is vacuous and reported as 1. kl-inverse: the bound B ∈ [r̂, 1] with kl(r̂‖B) = c (or 1 when kl(r̂‖1) ≤ c).
      if (out.bound < rhat - 1e-12 || out.bound > 1) return { category: 'wrong value', kind: 'kl-inverse bound in [r̂, 1]', message: `${out.bound}` };
      if (out.bound < 1 - 1e-9 && Math.abs(binKl(rhat, out.bound) - c) > 1e-6 * Math.max(1, c)) return { category: 'wrong value', kind: 'kl(r̂‖B) = c at the kl-inverse bound', message: `kl ${binKl(rhat, out.bound)} vs c ${c}` };
      if (out.kl !== kl) return { category: 'wrong value', kind: 'reported KL', message: `${out.kl} vs ${kl}` };
      return undefined;
    },
  };
}

function dseCase(r, lib) {
  const s = labelled(r);
  const sigma = r.pick([undefined, 1, 0.1, 10]);
  const mi = r.bool(0.4);
  const opt = sigma === undefined ? undefined : { sigma };
  return {
    fn: mi ? 'diffusionSpectralMutualInformation' : 'diffusionSpectralEntropy',
    expect: s.bad && (mi || ['nan', 'empty'].includes(s.bad)) ? 'invalid' : 'valid',
    why: s.bad,
    repro: { call: mi ? 'diffusionSpectralMutualInformation(x, y, opt)' : 'diffusionSpectralEntropy(x, opt)', x: s.xf, y: s.yf, opt },
    run: () => (mi ? lib.diagnostics.diffusionSpectralMutualInformation(s.xf, s.yf, opt).dsmi : lib.diagnostics.diffusionSpectralEntropy(s.xf, opt)),
    check: (v) => {
      // DSE is the entropy (bits) of the N − 1 non-trivial normalized eigenvalues: in [0, log₂(N − 1)] up to round-off.
      if (!mi && !(v >= -1e-9 && v <= Math.log2(Math.max(1, s.N - 1)) + 1e-6)) return { category: 'wrong value', kind: 'DSE in [0, log₂(N − 1)]', message: `${v} with N = ${s.N}` };
      return undefined;
    },
  };
}

function robustMeanCase(r, lib) {
  const B = r.int(1, 9);
  const P = r.int(1, 4);
  const g = r.matrix(B, P, 'normal', r.pick([1, 1e-6, 1e6]));
  const m3 = r.bool();
  const c = r.pick([0, 1, 2, 3, -1, 1.5]);
  const invalid = m3 ? B < 3 : !(Number.isInteger(c) && c >= 0 && 2 * c < B);
  let want;
  if (!invalid && m3) {
    // Three contiguous groups of sizes ⌈B/3⌉, ⌈(B−1)/3⌉, ⌊B/3⌋; coordinate-wise median of their means.
    const sizes = [Math.ceil(B / 3), Math.ceil((B - 1) / 3), Math.floor(B / 3)];
    let i = 0;
    const means = sizes.map((sz) => { const rows = g.slice(i, i + sz); i += sz; return Array.from({ length: P }, (_, j) => rows.reduce((a, row) => a + row[j], 0) / sz); });
    want = Array.from({ length: P }, (_, j) => [means[0][j], means[1][j], means[2][j]].sort((a, b) => a - b)[1]);
  } else if (!invalid) {
    // Clip each coordinate to its c-th smallest and c-th largest value, then average.
    want = Array.from({ length: P }, (_, j) => {
      const col = g.map((row) => row[j]).sort((a, b) => a - b);
      return col.reduce((a, v) => a + Math.min(Math.max(v, col[c]), col[B - 1 - c]), 0) / B;
    });
  }
  return {
    fn: m3 ? 'm3Gradient' : 'winsorizedGradient',
    expect: invalid ? 'invalid' : 'valid',
    why: m3 ? 'B < 3' : 'c outside [0, B/2)',
    repro: { call: m3 ? 'm3Gradient(g)' : 'winsorizedGradient(g, c)', g, c },
    run: () => Array.from(m3 ? lib.diagnostics.m3Gradient(g) : lib.diagnostics.winsorizedGradient(g, c)),
    check: (v) => {
      const j = want.findIndex((w, k) => !close(v[k], w, 1e-12));
      return j < 0 ? undefined : { category: 'wrong value', kind: `${m3 ? 'M3' : 'winsorized mean'} vs float64 definition`, message: `coordinate ${j}: expected ${want[j]}, got ${v[j]}` };
    },
  };
}

function collapseCase(r, lib) {
  const s = labelled(r);
  const a = r.pick([2, 0.5, 1e3]);
  const shift = Array.from({ length: s.D }, () => r.float(-5, 5));
  return {
    fn: 'neuralCollapse',
    expect: s.bad ? 'invalid' : 'any',
    why: s.bad,
    finite: () => [],
    repro: { call: 'neuralCollapse(x, y) vs neuralCollapse(a·x + shift, y)', x: s.xf, y: s.yf, a, shift },
    run: () => {
      const n = lib.diagnostics.neuralCollapse(s.xf, s.yf);
      const m = lib.diagnostics.neuralCollapse(s.x.map((row) => row.map((v, j) => a * v + shift[j])), s.y);
      return { n, m };
    },
    check: ({ n, m }) => {
      // NC1 = tr(Σ_W Σ_B†)/C is invariant to scaling (Σ_W and Σ_B scale alike) and translation of the features.
      if (!(n.nc1 >= -1e-9)) return { category: 'wrong value', kind: 'NC1 ≥ 0', message: `${n.nc1}` };
      if (Number.isFinite(n.nc1) && Math.abs(n.nc1 - m.nc1) > 1e-5 * Math.max(1, Math.abs(n.nc1))) return { category: 'wrong value', kind: 'NC1 invariant to a·x + b', message: `${n.nc1} vs ${m.nc1}` };
      return undefined;
    },
  };
}

function alignmentCase(r, lib) {
  const I = r.int(1, 4);
  const O = r.int(1, 3);
  const N = r.int(1, 6);
  const k = r.matrix(I, O, 'normal', 1);
  const bad = r.bool(0.2) ? r.pick(['width', 'nan', 'zero']) : undefined;
  let x = r.matrix(N, I, 'normal', 1);
  if (bad === 'width') x = x.map((row) => [...row, 0]);
  if (bad === 'nan') x = x.map((row, i) => (i === 0 ? row.map(() => NaN) : row));
  const kk = bad === 'zero' ? k.map((row) => row.map(() => 0)) : k;
  return {
    fn: 'spectralAlignment',
    expect: bad && bad !== 'zero' ? 'invalid' : bad === 'zero' ? 'any' : 'valid',
    why: bad,
    repro: { call: 'spectralAlignment(kernel, inputs)', kernel: kk, inputs: x },
    run: () => lib.diagnostics.spectralAlignment(kk, x),
    check: (o) => {
      const bad1 = o.alignments.find((c) => !(Math.abs(c) <= 1 + 1e-9));
      if (bad1 !== undefined) return { category: 'wrong value', kind: 'cosines in [−1, 1]', message: `${bad1}` };
      if (Math.abs(o.signDiversity - (1 - Math.abs(o.positiveFraction - o.negativeFraction))) > 1e-12) return { category: 'wrong value', kind: 'sign diversity = 1 − |p₊ − p₋|', message: JSON.stringify(o) };
      return undefined;
    },
  };
}

function coherenceCase(r, lib) {
  const B = r.int(0, 7);
  const P = r.int(1, 4);
  const g = r.matrix(B, P, 'normal', r.pick([1, 1e-8, 1e8]));
  if (B > 0 && r.bool(0.1)) g[0][0] = r.nonFinite();
  const valid = B > 0 && g.flat().every(Number.isFinite);
  // m-coherence = ‖Σ_i g_i‖² / Σ_i ‖g_i‖² (Chatterjee & Zielinski 2022), α = m-coherence / m.
  const sum = Array.from({ length: P }, (_, j) => g.reduce((a, row) => a + row[j], 0));
  const sq = g.flat().reduce((a, v) => a + v * v, 0);
  const m = sq > 0 ? sum.reduce((a, v) => a + v * v, 0) / sq : 0;
  return {
    fn: 'gradientCoherence',
    expect: valid ? 'valid' : 'invalid',
    why: 'empty or non-finite gradients',
    repro: { call: 'gradientCoherence(g)', g },
    run: () => lib.diagnostics.gradientCoherence(g),
    check: (o) => (close(o.mCoherence, m, 1e-10) && close(o.alpha, m / B, 1e-10) && o.mCoherence <= B * (1 + 1e-12) ? undefined : { category: 'wrong value', kind: 'gradient coherence vs ‖Σg‖²/Σ‖g‖²', message: `expected ${m} (α ${m / B}), got ${JSON.stringify(o)}` }),
  };
}

function inductiveBiasCase(r, lib) {
  const n = r.int(0, 12);
  const errors = Array.from({ length: n }, () => f32(r.float(0.05, 0.6)));
  const bad = r.bool(0.25) ? r.pick(['zero', 'equal', 'target', 'nan']) : undefined;
  let e = errors;
  let target = r.pick([0.01, 0.05, 0.2]);
  if (bad === 'zero' && n) e = errors.map((v, i) => (i === 0 ? 0 : v));
  if (bad === 'equal') e = errors.map(() => 0.3);
  if (bad === 'target') target = r.pick([0, -0.1, NaN]);
  if (bad === 'nan' && n) e = errors.map((v, i) => (i === 0 ? NaN : v));
  const invalid = n < 3 || (bad && !(bad !== 'target' && n === 0));
  return {
    fn: 'inductiveBias',
    expect: invalid ? 'invalid' : 'valid',
    why: bad ?? 'fewer than 3 errors',
    timeoutMs: 20000,
    repro: { call: 'inductiveBias(errors, targetError)', errors: e, target },
    run: () => lib.diagnostics.inductiveBias(e, target),
    check: (o) => {
      // −ln P(err ≤ ε) ≥ 0, in bits = nats / ln 2; smaller targets need at least as much information.
      if (!(o.nats >= -1e-9) || Math.abs(o.bits - o.nats / Math.LN2) > 1e-9 * Math.max(1, o.nats)) return { category: 'wrong value', kind: 'inductive bias: nats ≥ 0, bits = nats/ln 2', message: JSON.stringify({ nats: o.nats, bits: o.bits }) };
      return undefined;
    },
  };
}

/** A model shaped like a tfjs-layers Sequential of Dense layers ([kernel, bias?, activation] each); `layers` only when `dense`. */
function denseModel(specs, dense) {
  const vars = [];
  const layers = specs.map(([k, b, act]) => {
    const kv = tf.variable(tf.tensor2d(k), true);
    const bv = b ? tf.variable(tf.tensor1d(b), true) : undefined;
    vars.push(kv, ...(bv ? [bv] : []));
    return { getClassName: () => 'Dense', trainableWeights: [{ read: () => kv }, ...(bv ? [{ read: () => bv }] : [])], activation: { apply: act === 'tanh' ? tf.tanh : (t) => t }, kv, bv };
  });
  const apply = (x) => layers.reduce((a, l) => { let z = tf.matMul(a, l.kv); if (l.bv) z = tf.add(z, l.bv); return l.activation.apply(z); }, x);
  return { model: { trainableWeights: vars.map((v) => ({ read: () => v })), apply, ...(dense ? { layers } : {}) }, vars };
}

const softmaxRow = (z) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const t = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / t);
};
const ceRow = (z, y) => {
  const m = Math.max(...z);
  return m - z[y] + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
};
const affine = (x, W, b) => W[0].map((_, c) => x.reduce((a, v, j) => a + v * W[j][c], b ? b[c] : 0));

function perExampleCase(r, lib) {
  const B = r.int(1, 4);
  const D = r.int(1, 3);
  const H = r.int(1, 3);
  const C = r.int(2, 4);
  const W1 = r.matrix(D, H, 'normal', 1);
  const b1 = r.bool(0.7) ? Array.from({ length: H }, () => f32(r.float(-1, 1))) : undefined;
  const W2 = r.matrix(H, C, 'normal', 1);
  const b2 = r.bool(0.5) ? Array.from({ length: C }, () => f32(r.float(-1, 1))) : undefined;
  const x = r.matrix(B, D, 'normal', 1);
  const y = r.labels(B, C);
  const dense = r.bool(0.6);
  const method = r.pick([undefined, 'auto', 'loop']);
  const bad = r.bool(0.2) ? r.pick(['nan', 'label', 'rows', 'method', 'model']) : undefined;
  const xs = bad === 'nan' ? x.map((row, i) => (i === 0 ? row.map(() => NaN) : row)) : x;
  const ys = bad === 'label' ? y.map((v, i) => (i === 0 ? C : v)) : bad === 'rows' ? [...y, 0] : y;
  const m = bad === 'method' ? 'vmap' : method;
  // Float64 backward pass of CE(tanh(xW1 + b1)W2 + b2, y), flattened as W1, b1, W2, b2.
  const want = x.map((row, i) => {
    const h = affine(row, W1, b1).map(Math.tanh);
    const dz = softmaxRow(affine(h, W2, b2)).map((p, c) => p - (c === y[i] ? 1 : 0));
    const da = h.map((hv, k) => dz.reduce((a, v, c) => a + v * W2[k][c], 0) * (1 - hv * hv));
    return [...row.flatMap((v) => da.map((d) => v * d)), ...(b1 ? da : []), ...h.flatMap((v) => dz.map((d) => v * d)), ...(b2 ? dz : [])];
  });
  return {
    fn: 'perExampleGradients',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'perExampleGradients(Dense(tanh) → Dense model, x, y, { method })', W1, b1, W2, b2, x: xs, y: ys, dense, method: m },
    prepare: () => ({ ...denseModel([[W1, b1, 'tanh'], [W2, b2, 'linear']], dense), xt: tf.tensor2d(xs) }),
    run: ({ model, xt }) => lib.diagnostics.perExampleGradients(bad === 'model' ? { apply: model.apply } : model, xt, ys, m ? { method: m } : undefined),
    check: (o) => {
      const P = want[0].length;
      const fast = dense && m !== 'loop';
      if (o.batch !== B || o.size !== P || o.method !== (fast ? 'dense' : 'loop')) return { category: 'wrong value', kind: 'per-example gradient shape and method', message: `batch ${o.batch}, size ${o.size}, method ${o.method}; expected ${B} × ${P}, ${fast ? 'dense' : 'loop'}` };
      for (let i = 0; i < B; i++) for (let k = 0; k < P; k++) {
        const g = o.gradients[i * P + k];
        if (Math.abs(g - want[i][k]) > 1e-5 * Math.max(1, Math.abs(want[i][k]))) return { category: 'wrong value', kind: `per-example gradient (${o.method}) vs float64 backward pass`, message: `example ${i}, parameter ${k}: expected ${want[i][k]}, got ${g}` };
      }
      return undefined;
    },
  };
}

function landscapeCase(r, lib) {
  const N = r.int(1, 4);
  const D = r.int(1, 3);
  const C = r.int(2, 3);
  const W = r.matrix(D, C, 'normal', 1);
  const b = Array.from({ length: C }, () => f32(r.float(-1, 1)));
  const x = r.matrix(N, D, 'normal', 1);
  const y = r.labels(N, C);
  const two = r.bool(0.4);
  const alphas = r.pick([undefined, [0], [-1, 0, 1], [0.5, -0.25]]);
  const betas = two ? r.pick([undefined, [0, 1]]) : undefined;
  const given = r.bool(0.5);
  const dirs = [0, 1].map(() => [Float32Array.from(r.matrix(D, C, 'normal', 1).flat()), Float32Array.from({ length: C }, () => f32(r.float(-1, 1)))]);
  const ignore = r.pick([undefined, 'biasbn', 'none']);
  const seed = r.int(0, 100);
  const bad = r.bool(0.2) ? r.pick(['alphas', 'dirLen', 'dirNaN', 'rows', 'ignore', 'seed', 'nan']) : undefined;
  const opts = { ...(alphas ? { alphas } : {}), ...(ignore ? { ignore } : {}), seed };
  if (two && betas) opts.betas = betas;
  if (given) {
    if (two) opts.directions = [dirs[0], dirs[1]];
    else opts.direction = dirs[0];
  }
  if (bad === 'alphas') opts.alphas = r.pick([[], [NaN], [0, Infinity]]);
  if (bad === 'dirLen') two ? (opts.directions = [dirs[0], [dirs[1][0]]]) : (opts.direction = [dirs[0][0]]);
  if (bad === 'dirNaN') {
    const d = [Float32Array.from(dirs[0][0]), dirs[0][1]];
    d[0][0] = NaN;
    two ? (opts.directions = [d, dirs[1]]) : (opts.direction = d);
  }
  if (bad === 'ignore' && !given) opts.ignore = 'bn';
  if (bad === 'seed' && !given) opts.seed = 0.5;
  const invalidBad = bad && !(bad === 'ignore' && given) && !(bad === 'seed' && given);
  const ys = bad === 'rows' ? [...y, 0] : y;
  const xs = bad === 'nan' ? x.map((row, i) => (i === 0 ? row.map(() => NaN) : row)) : x;
  const loss64 = (dW, db) => y.reduce((a, yi, i) => a + ceRow(affine(x[i], W.map((row, j) => row.map((v, c) => v + dW[j * C + c])), b.map((v, c) => v + db[c])), yi), 0) / N;
  return {
    fn: two ? 'lossLandscape2d' : 'lossLandscape1d',
    expect: invalidBad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: `${two ? 'lossLandscape2d' : 'lossLandscape1d'}(Dense model, x, y, options)`, W, b, x: xs, y: ys, opts: { ...opts, direction: opts.direction?.map((a) => Array.from(a)), directions: opts.directions?.map((d) => d.map((a) => Array.from(a))) } },
    prepare: () => ({ ...denseModel([[W, b, 'linear']], true), xt: tf.tensor2d(xs) }),
    run: ({ model, xt }) => (two ? lib.diagnostics.lossLandscape2d(model, xt, ys, opts) : lib.diagnostics.lossLandscape1d(model, xt, ys, opts)),
    check: (out, { vars }) => {
      const w0 = vars[0].dataSync();
      const b0 = vars[1].dataSync();
      if (W.flat().some((v, k) => v !== w0[k]) || b.some((v, k) => f32(v) !== b0[k])) return { category: 'wrong value', kind: 'landscape restores the weights', message: 'the model weights changed' };
      const as = alphas ?? Array.from({ length: 21 }, (_, i) => -1 + i / 10);
      const bs = betas ?? as;
      const [d1, d2] = two ? out.directions : [out.direction];
      const grid = two ? as.map((a) => bs.map((bb) => [a, bb])) : [as.map((a) => [a, 0])];
      for (let i = 0; i < grid.length; i++) for (let j = 0; j < grid[i].length; j++) {
        const [a, bb] = grid[i][j];
        const dW = Array.from({ length: D * C }, (_, k) => f32(a * d1[0][k]) + (two ? f32(bb * d2[0][k]) : 0));
        const db = Array.from({ length: C }, (_, k) => f32(a * d1[1][k]) + (two ? f32(bb * d2[1][k]) : 0));
        const want = loss64(dW, db);
        const got = two ? out.losses[i][j] : out.losses[j];
        if (Math.abs(got - want) > 1e-4 * Math.max(1, Math.abs(want))) return { category: 'wrong value', kind: 'landscape loss vs float64 CE at θ + αd (+ βη)', message: `(${a}, ${bb}): expected ${want}, got ${got}` };
      }
      return undefined;
    },
  };
}

function directionCase(r, lib) {
  const shapes = Array.from({ length: r.int(1, 2) }, () => [r.int(1, 3), r.int(1, 3)]);
  const specs = shapes.map(([i, o], k) => [r.matrix(k === 0 ? i : shapes[k - 1][1], o, 'normal', r.pick([1, 1e-3])), r.bool() ? Array.from({ length: o }, () => f32(r.float(-1, 1))) : undefined, 'linear']);
  if (r.bool(0.2)) specs[0][0] = specs[0][0].map((row) => row.map((v, c) => (c === 0 ? 0 : v)));
  const ignore = r.pick([undefined, 'biasbn', 'none']);
  const seed = r.int(0, 1000);
  const bad = r.bool(0.2) ? r.pick(['ignore', 'seed', 'model', 'nanWeight']) : undefined;
  if (bad === 'nanWeight') specs[0][0] = specs[0][0].map((row, i) => (i === 0 ? row.map((v, j) => (j === 0 ? r.pick([NaN, -Infinity]) : v)) : row));
  const opts = { seed: bad === 'seed' ? 1.5 : seed, ...(ignore || bad === 'ignore' ? { ignore: bad === 'ignore' ? 'bias' : ignore } : {}) };
  return {
    fn: 'filterNormalizedDirection',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'filterNormalizedDirection(Dense stack, { seed, ignore })', specs, opts },
    prepare: () => denseModel(specs, true),
    run: ({ model }) => lib.diagnostics.filterNormalizedDirection(bad === 'model' ? { apply: model.apply, trainableWeights: [] } : model, opts),
    check: (d, { vars }) => {
      // ‖d[:, f]‖ = ‖θ[:, f]‖ for every filter (column) of every kernel; biases 0 ('biasbn') or θ ('none').
      for (let k = 0; k < vars.length; k++) {
        const th = vars[k].dataSync();
        if (d[k].length !== th.length) return { category: 'wrong value', kind: 'direction shape', message: `variable ${k}: ${d[k].length} vs ${th.length}` };
        if (vars[k].rank === 1) {
          const wantB = (ignore ?? 'biasbn') === 'none' ? th : new Float32Array(th.length);
          if (wantB.some((v, i) => v !== d[k][i])) return { category: 'wrong value', kind: `bias direction (${ignore ?? 'biasbn'})`, message: `variable ${k}` };
          continue;
        }
        const F = vars[k].shape[1];
        for (let f = 0; f < F; f++) {
          let tn = 0;
          let dn = 0;
          for (let i = f; i < th.length; i += F) {
            tn += th[i] ** 2;
            dn += d[k][i] ** 2;
          }
          if (Math.abs(Math.sqrt(dn) - Math.sqrt(tn)) > 1e-5 * Math.max(Math.sqrt(tn), 1e-30)) return { category: 'wrong value', kind: 'filter norm of d vs θ', message: `variable ${k}, filter ${f}: ‖d‖ ${Math.sqrt(dn)}, ‖θ‖ ${Math.sqrt(tn)}` };
        }
      }
      return undefined;
    },
  };
}
