// @losskit/robustness: FGSM on a linear softmax model against the closed-form input gradient W(softmax(xW) − e_y)ᵀ,
// one-step PGD without random start against FGSM, WiSE-FT interpolation against (1 − α)θ₀ + αθ₁, adaptive smoothing
// against log((1 − α)·softmax(s_g g) + α·softmax(s_h h)) in float64, the boundary-tilting angle against the class-mean
// direction, the ELLE linearity error, AAER's loss and the adversarial-error curve against float64 recomputations on the
// same random draws (tf.randomUniform with the documented seeds), ELLE-A's λ schedule against the full-history rule,
// with bad input (NaN, ε < 0, α outside [0, 1], shape mismatches, one class missing, bad seeds and schedules).
import * as tf from '@tensorflow/tfjs-core';

const f32 = Math.fround;

export function generate(r, lib) {
  const kind = r.weighted({ fgsm: 20, pgd: 12, interpolate: 14, smoothing: 22, tilting: 18, powerLaw: 10, elle: 14, elleA: 10, aaer: 14, curve: 12 });
  if (kind === 'elle') return elleCase(r, lib);
  if (kind === 'elleA') return elleAdaptiveCase(r, lib);
  if (kind === 'aaer') return aaerCase(r, lib);
  if (kind === 'curve') return curveCase(r, lib);
  if (kind === 'powerLaw') return powerLawCase(r, lib);
  if (kind === 'fgsm') return fgsmCase(r, lib);
  if (kind === 'pgd') return pgdCase(r, lib);
  if (kind === 'interpolate') return interpolateCase(r, lib);
  if (kind === 'smoothing') return smoothingCase(r, lib);
  return tiltingCase(r, lib);
}

const softmax64 = (row) => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

function linearSetup(r) {
  const N = r.int(1, 4);
  const D = r.int(1, 4);
  const C = r.int(2, 4);
  const W = r.matrix(D, C, 'normal', 1);
  const x = r.matrix(N, D, 'normal', 1);
  const y = r.labels(N, C);
  // ∂/∂x of mean_n CE: (softmax(x_n W) − e_y) Wᵀ / N, sign only.
  const g = x.map((row, n) => {
    const z = Array.from({ length: C }, (_, c) => row.reduce((s, v, j) => s + v * W[j][c], 0));
    const p = softmax64(z).map((v, c) => v - (c === y[n] ? 1 : 0));
    return row.map((_, j) => p.reduce((s, v, c) => s + v * W[j][c], 0));
  });
  return { N, D, C, W, x, y, g };
}

function fgsmCase(r, lib) {
  const s = linearSetup(r);
  const eps = r.pick([0, 0.01, 0.1, 1]);
  const bounds = r.pick([undefined, [-1, 1]]);
  const bad = r.bool(0.2) ? r.pick(['eps', 'nan', 'labels', 'bounds']) : undefined;
  const e = bad === 'eps' ? r.pick([-1, NaN]) : eps;
  const y = bad === 'labels' ? [...s.y, 0] : s.y;
  const bd = bad === 'bounds' ? [1, -1] : bounds;
  const xs = bad === 'nan' ? s.x.map((row, i) => (i === 0 ? row.map(() => NaN) : row)) : s.x;
  // Skip coordinates where the gradient is within float32 noise of 0 (its sign is then not determined).
  const want = s.x.map((row, n) => row.map((v, j) => {
    const t = v + eps * Math.sign(s.g[n][j]);
    return bounds ? Math.min(bounds[1], Math.max(bounds[0], t)) : t;
  }));
  return {
    fn: 'fgsm',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'fgsm({ model: (x) => x·W, x, y, epsilon, bounds })', W: s.W, x: xs, y, epsilon: e, bounds: bd },
    prepare: () => ({ W: tf.tensor2d(s.W), x: tf.tensor2d(xs) }),
    run: ({ W, x }) => lib.robustness.fgsm({ model: (t) => tf.matMul(t, W), x, y, epsilon: e, ...(bd ? { bounds: bd } : {}) }),
    check: (out) => {
      const v = out.arraySync();
      for (let n = 0; n < s.N; n++) for (let j = 0; j < s.D; j++) {
        if (Math.abs(s.g[n][j]) < 1e-5) continue;
        if (Math.abs(v[n][j] - want[n][j]) > 1e-5) return { category: 'wrong value', kind: 'FGSM vs closed-form gradient sign', message: `[${n}, ${j}]: expected ${want[n][j]}, got ${v[n][j]}` };
      }
      return undefined;
    },
  };
}

function pgdCase(r, lib) {
  const s = linearSetup(r);
  const eps = r.pick([0.01, 0.1, 0.5]);
  const bad = r.bool(0.2) ? r.pick(['steps', 'stepSize', 'seed']) : undefined;
  const opts = { epsilon: eps, steps: 1, stepSize: eps, randomStart: false };
  if (bad === 'steps') opts.steps = r.pick([-1, 1.5]);
  if (bad === 'stepSize') opts.stepSize = -0.1;
  if (bad === 'seed') opts.seed = 0.5;
  if (r.bool(0.1)) opts.randomStart = r.pick(['no', 0, 1]);
  const badBool = typeof opts.randomStart !== 'boolean';
  return {
    fn: 'pgd',
    expect: bad || badBool ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'pgd({ model: (x) => x·W, x, y, ...opts }) vs fgsm', W: s.W, x: s.x, y: s.y, opts },
    prepare: () => ({ W: tf.tensor2d(s.W), x: tf.tensor2d(s.x) }),
    run: ({ W, x }) => lib.robustness.pgd({ model: (t) => tf.matMul(t, W), x, y: s.y, ...opts }),
    check: (out, { W, x }) => {
      const a = out.arraySync();
      const f = lib.robustness.fgsm({ model: (t) => tf.matMul(t, W), x, y: s.y, epsilon: eps });
      const b = f.arraySync();
      f.dispose();
      for (let n = 0; n < s.N; n++) for (let j = 0; j < s.D; j++) {
        if (Math.abs(s.g[n][j]) < 1e-5) continue;
        if (Math.abs(a[n][j] - b[n][j]) > 1e-6) return { category: 'wrong value', kind: 'one PGD step (no random start, η = ε) vs FGSM', message: `[${n}, ${j}]: ${a[n][j]} vs ${b[n][j]}` };
      }
      return undefined;
    },
  };
}

function interpolateCase(r, lib) {
  const shapes = Array.from({ length: r.int(1, 3) }, () => (r.bool() ? [r.int(1, 3)] : [r.int(1, 3), r.int(1, 3)]));
  const p = shapes.map((sh) => Array.from({ length: sh.reduce((a, b) => a * b, 1) }, () => f32(r.float(-3, 3))));
  const q = shapes.map((sh) => Array.from({ length: sh.reduce((a, b) => a * b, 1) }, () => f32(r.float(-3, 3))));
  const bad = r.bool(0.2) ? r.pick(['alpha', 'count', 'shape', 'nan']) : undefined;
  if (bad === 'nan') q[0][0] = r.pick([NaN, Infinity]);
  const alpha = bad === 'alpha' ? r.pick([-0.1, 1.5, NaN]) : r.pick([0, 0.5, 1, f32(r.float(0, 1))]);
  return {
    fn: 'interpolateWeights',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'interpolateWeights(pretrained, fineTuned, alpha)', shapes, p, q, alpha, bad },
    prepare: () => {
      const pre = shapes.map((sh, i) => tf.tensor(p[i], sh));
      let ft = shapes.map((sh, i) => tf.tensor(q[i], sh));
      if (bad === 'count') ft = ft.slice(0, -1).concat(shapes.length === 1 ? [tf.zeros([1]), tf.zeros([1])] : []);
      if (bad === 'shape') ft[0] = tf.zeros([...shapes[0], 2]);
      return { pre, ft };
    },
    run: ({ pre, ft }) => lib.robustness.interpolateWeights(pre, ft, alpha),
    check: (out) => {
      for (let i = 0; i < shapes.length; i++) {
        const v = out[i].dataSync();
        for (let k = 0; k < v.length; k++) {
          const want = (1 - alpha) * p[i][k] + alpha * q[i][k];
          if (Math.abs(v[k] - want) > 1e-5 * Math.max(1, Math.abs(want))) return { category: 'wrong value', kind: 'interpolation vs (1 − α)θ₀ + αθ₁', message: `tensor ${i}[${k}]: expected ${want}, got ${v[k]}` };
        }
      }
      return undefined;
    },
  };
}

function smoothingCase(r, lib) {
  const N = r.int(1, 4);
  const C = r.int(1, 4);
  const vm = r.valueMode({ moderate: r.bool(0.7) });
  const g = r.matrix(N, C, vm.mode, vm.scale);
  const h = r.matrix(N, C, 'normal', r.pick([1, 10]));
  const perRow = r.bool(0.3);
  let alpha = perRow ? Array.from({ length: N }, () => r.pick([0, 1, f32(r.float(0, 1))])) : r.pick([0, 1, 0.5, f32(r.float(0, 1))]);
  const sg = r.pick([undefined, 1, 2.5]);
  const sh = r.pick([undefined, 1, 0.5]);
  const bad = r.bool(0.2) ? r.pick(['alpha', 'nan', 'shape', 'scale', 'alphaLen']) : undefined;
  let hh = h;
  let gg = g;
  let opts = { ...(sg ? { standardScale: sg } : {}), ...(sh ? { robustScale: sh } : {}) };
  if (bad === 'alpha') alpha = perRow ? alpha.map((v, i) => (i === 0 ? 1.5 : v)) : -0.5;
  if (bad === 'nan') gg = g.map((row, i) => (i === 0 ? row.map(() => NaN) : row));
  if (bad === 'shape') hh = h.map((row) => [...row, 0]);
  if (bad === 'scale') opts = { standardScale: r.pick([0, -1, NaN]) };
  if (bad === 'alphaLen') alpha = [...(perRow ? alpha : [0.5]), 0.5].concat(new Array(N).fill(0.5));
  const finiteInput = g.flat().every(Number.isFinite);
  const invalid = bad || !finiteInput;
  const a = (i) => (Array.isArray(alpha) ? alpha[i] : alpha);
  const want = g.map((row, i) => {
    const pg = softmax64(row.map((v) => v * (sg ?? 1)));
    const ph = softmax64(h[i].map((v) => v * (sh ?? 1)));
    return pg.map((v, c) => Math.log((1 - a(i)) * v + a(i) * ph[c]));
  });
  return {
    fn: 'adaptiveSmoothing',
    expect: invalid ? 'invalid' : 'valid',
    why: bad ?? 'non-finite logits',
    finite: () => [],
    repro: { call: 'adaptiveSmoothing(standardLogits, robustLogits, alpha, options)', g: gg, h: hh, alpha, opts },
    run: () => lib.robustness.adaptiveSmoothing(gg, hh, alpha, opts),
    check: (out) => {
      const v = out.arraySync();
      for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) {
        const w = want[i][c];
        const got = v[i][c];
        // log-probabilities: compare in probability space where they underflow float32, in log space otherwise.
        if (w < -80 ? !(got < -60 || got === -Infinity) : Math.abs(got - w) > 1e-4 * Math.max(1, Math.abs(w))) return { category: 'wrong value', kind: 'adaptive smoothing vs float64 log mixture', message: `[${i}, ${c}]: expected ${w}, got ${got}` };
      }
      return undefined;
    },
  };
}

function tiltingCase(r, lib) {
  const D = r.int(1, 4);
  const C = r.int(2, 3);
  const N = r.int(C, 8);
  const feats = r.matrix(N, D, 'normal', 2);
  const labels = Array.from({ length: N }, (_, i) => (i < C ? i : r.int(0, C - 1)));
  const kernel = r.bool(0.4);
  const w = kernel ? r.matrix(D, C, 'normal', 1) : Array.from({ length: D }, () => f32(r.float(-2, 2)));
  const [a, b] = r.pick([[1, 0], [0, 1], [C - 1, 0]]);
  const bad = r.bool(0.2) ? r.pick(['same', 'missing', 'dim', 'nan']) : undefined;
  let cls = [a, b];
  let y = labels;
  let f = feats;
  let ww = w;
  if (bad === 'same') cls = [a, a];
  if (bad === 'missing') y = labels.map((v) => (v === b ? a : v));
  if (bad === 'dim') ww = kernel ? [...w, w[0]] : [...w, 1];
  if (bad === 'nan') f = feats.map((row, i) => (i === 0 ? row.map(() => NaN) : row));
  const dir = kernel ? Array.from({ length: D }, (_, j) => w[j][a] - w[j][b]) : w;
  const mean = (c) => Array.from({ length: D }, (_, j) => { const rows = feats.filter((_, i) => labels[i] === c); return rows.reduce((s, row) => s + row[j], 0) / rows.length; });
  const ma = mean(a);
  const mb = mean(b);
  const c = ma.map((v, j) => v - mb[j]);
  const cos = dir.reduce((s, v, j) => s + v * c[j], 0) / (Math.hypot(...dir) * Math.hypot(...c));
  const zero = Math.hypot(...dir) === 0 || Math.hypot(...c) === 0;
  return {
    fn: 'boundaryTiltingAngle',
    expect: bad || zero ? 'invalid' : 'valid',
    why: bad ?? 'zero direction',
    repro: { call: 'boundaryTiltingAngle(weights, features, labels, { classes })', w: ww, f, y, classes: cls },
    run: () => lib.robustness.boundaryTiltingAngle(ww, f, y, { classes: cls }),
    check: (out) => {
      const deg = (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
      if (Math.abs(out.cosine - cos) > 1e-9 || Math.abs(out.degrees - deg) > 1e-6 * Math.max(1, Math.abs(deg)) + (1 - Math.abs(cos) < 1e-12 ? 1e-3 : 0)) return { category: 'wrong value', kind: 'tilting angle vs class-mean direction', message: `expected cos ${cos} (${deg}°), got ${out.cosine} (${out.degrees}°)` };
      return undefined;
    },
  };
}

function powerLawCase(r, lib) {
  const A = r.pick([0.5, 0.9, f32(r.float(0.1, 1))]);
  const beta = r.pick([0.3, 0.6, 1, f32(r.float(0.1, 1.5))]);
  const eps = [0.005, 0.01, 0.02, 0.04, 0.08].slice(0, r.int(2, 5));
  let pts = eps.map((e) => ({ epsilon: e, error: Math.min(1, A * e ** beta) }));
  const bad = r.bool(0.2) ? r.pick(['one', 'zero', 'same', 'neg']) : undefined;
  if (bad === 'one') pts = pts.slice(0, 1);
  if (bad === 'zero') pts = pts.map((p, i) => (i === 0 ? { ...p, error: 0 } : p));
  if (bad === 'same') pts = pts.map((p) => ({ ...p, epsilon: 0.01 }));
  if (bad === 'neg') pts = pts.map((p, i) => (i === 0 ? { ...p, epsilon: -0.01 } : p));
  return {
    fn: 'fitAdversarialPowerLaw',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'fitAdversarialPowerLaw(points)', points: pts },
    run: () => lib.robustness.fitAdversarialPowerLaw(pts).params,
    check: (p) => {
      // Noiseless points E = A ε^β (all below 1): the fit recovers A and β.
      if (Math.abs(p.A - A) > 1e-3 * A || Math.abs(p.beta - beta) > 1e-3) return { category: 'wrong value', kind: 'power-law fit recovers A, β from exact points', message: `expected A ${A}, β ${beta}; got ${JSON.stringify(p)}` };
      return undefined;
    },
  };
}

// Float64 helpers for a linear softmax model z = xW with cross-entropy.
const logits64 = (row, W) => W[0].map((_, c) => row.reduce((s, v, j) => s + v * W[j][c], 0));
const ce64 = (row, W, y) => {
  const z = logits64(row, W);
  const m = Math.max(...z);
  return m - z[y] + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
};
/** ∂/∂x of CE(xW, y) for one row (the sign of the batch-mean gradient is the same). */
const ceGrad64 = (row, W, y) => {
  const p = softmax64(logits64(row, W)).map((v, c) => v - (c === y ? 1 : 0));
  return row.map((_, j) => p.reduce((s, v, c) => s + v * W[j][c], 0));
};
const draw = (shape, lo, hi, seed) => {
  const t = tf.randomUniform(shape, lo, hi, 'float32', seed);
  const v = t.arraySync();
  t.dispose();
  return v;
};

function elleCase(r, lib) {
  const s = linearSetup(r);
  const eps = r.pick([0, 0.01, 0.1, 0.5]);
  const seed = r.int(0, 1000);
  const bad = r.bool(0.2) ? r.pick(['eps', 'seed', 'nan', 'labels', 'label']) : undefined;
  const e = bad === 'eps' ? r.pick([-0.1, NaN]) : eps;
  const sd = bad === 'seed' ? 0.5 : seed;
  const y = bad === 'labels' ? [...s.y, 0] : bad === 'label' ? s.y.map((v, i) => (i === 0 ? s.C : v)) : s.y;
  const xs = bad === 'nan' ? s.x.map((row, i) => (i === 0 ? row.map(() => NaN) : row)) : s.x;
  return {
    fn: 'elleRegularizer',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'elleRegularizer({ model: (x) => x·W, x, y, epsilon, seed })', W: s.W, x: xs, y, epsilon: e, seed: sd },
    prepare: () => ({ W: tf.tensor2d(s.W), x: tf.tensor2d(xs) }),
    run: ({ W, x }) => lib.robustness.elleRegularizer({ model: (t) => tf.matMul(t, W), x, y, epsilon: e, seed: sd }),
    check: (out) => {
      // E_lin = mean_i (ℓ(x_c) − (1 − α)ℓ(x_a) − αℓ(x_b))², on the documented draws, in float64.
      const u = draw([2 * s.N, s.D], -eps, eps, seed);
      const al = draw([s.N], 0, 1, seed + 1);
      let sum = 0;
      let lmax = 1;
      for (let i = 0; i < s.N; i++) {
        const xa = s.x[i].map((v, j) => f32(v + u[i][j]));
        const xb = s.x[i].map((v, j) => f32(v + u[s.N + i][j]));
        const xc = xa.map((v, j) => (1 - al[i]) * v + al[i] * xb[j]);
        const [la, lb, lc] = [xa, xb, xc].map((row) => ce64(row, s.W, s.y[i]));
        lmax = Math.max(lmax, la, lb, lc);
        sum += (lc - (1 - al[i]) * la - al[i] * lb) ** 2;
      }
      const want = sum / s.N;
      const got = out.dataSync()[0];
      // Compare the RMS linearity error (float32 losses carry ~1e-7 relative noise).
      if (Math.abs(Math.sqrt(got) - Math.sqrt(want)) > 2e-5 * lmax) return { category: 'wrong value', kind: 'ELLE E_lin vs float64 on the same draws', message: `expected ${want}, got ${got}` };
      return undefined;
    },
  };
}

function elleAdaptiveCase(r, lib) {
  const steps = r.int(1, 12);
  const base = r.pick([1e-4, 0.01, 1]);
  const errs = Array.from({ length: steps }, () => (r.bool(0.2) ? base * r.pick([10, 100]) : base * r.float(0.5, 1.5)));
  const opts = { lambdaMax: r.pick([0, 10, 5000]), sensitivity: r.pick([0, 1, 2, -1]), decayRate: r.pick([0, 0.5, 0.99, 1]) };
  const init = r.pick([undefined, 0, 1]);
  const bad = r.bool(0.2) ? r.pick(['lambdaMax', 'decay', 'error', 'state', 'init', 'sensitivity']) : undefined;
  const o = { ...opts };
  if (bad === 'lambdaMax') o.lambdaMax = -1;
  if (bad === 'decay') o.decayRate = r.pick([1.5, -0.1, NaN]);
  if (bad === 'sensitivity') o.sensitivity = r.pick([NaN, Infinity]);
  const es = bad === 'error' ? errs.map((v, i) => (i === steps - 1 ? r.pick([-1, NaN, Infinity]) : v)) : errs;
  const ini = bad === 'init' ? r.pick([-1, NaN]) : init;
  // The rule with the whole history kept (population std), in float64.
  const lambdas = [];
  let lambda = init ?? 0;
  const hist = [];
  const ambiguous = [];
  for (const e of errs) {
    const mean = hist.reduce((a, b) => a + b, 0) / Math.max(1, hist.length);
    const std = hist.length ? Math.sqrt(hist.reduce((a, b) => a + (b - mean) ** 2, 0) / hist.length) : 0;
    const thr = mean + opts.sensitivity * std;
    ambiguous.push(hist.length > 2 && Math.abs(e - thr) <= 1e-9 * Math.max(Math.abs(e), Math.abs(thr)));
    lambda = hist.length > 2 && e > thr ? opts.lambdaMax : lambda * opts.decayRate;
    lambdas.push(lambda);
    hist.push(e);
  }
  return {
    fn: bad === 'init' ? 'elleAdaptiveInit' : 'elleAdaptiveUpdate',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'elleAdaptiveUpdate(…elleAdaptiveUpdate(elleAdaptiveInit(init), E_1, options)…, E_T, options)', init: ini, errors: es, options: o, bad },
    run: () => {
      let st = lib.robustness.elleAdaptiveInit(ini);
      if (bad === 'state') st = { ...st, count: r.pick([-1, 0.5, NaN]) };
      return es.map((e) => (st = lib.robustness.elleAdaptiveUpdate(st, e, o)));
    },
    check: (states) => {
      const m = es.reduce((a, b) => a + b, 0) / steps;
      const last = states[steps - 1];
      if (last.count !== steps || Math.abs(last.mean - m) > 1e-12 * Math.max(1, Math.abs(m))) return { category: 'wrong value', kind: 'ELLE-A running mean vs the history mean', message: `count ${last.count}, mean ${last.mean} vs ${m}` };
      for (let t = 0; t < steps; t++) {
        if (ambiguous.slice(0, t + 1).some(Boolean)) break;
        if (Math.abs(states[t].lambda - lambdas[t]) > 1e-12 * Math.max(1, lambdas[t])) return { category: 'wrong value', kind: 'ELLE-A λ vs the full-history spike rule', message: `step ${t}: expected λ ${lambdas[t]}, got ${states[t].lambda}` };
      }
      return undefined;
    },
  };
}

function aaerCase(r, lib) {
  const s = linearSetup(r);
  const eps = r.pick([0.01, 0.1, 0.5]);
  const seed = r.int(0, 1000);
  const start = r.pick([undefined, 'double', 'project']);
  const warmup = r.pick([undefined, 1, 0.5]);
  const stepSize = r.pick([undefined, eps / 2]);
  const bounds = r.pick([undefined, [-1, 1]]);
  const lambdas = r.pick([{}, { lambda1: 1, lambda2: 4, lambda3: 1.5 }, { lambda1: 2, lambda2: 0.5, lambda3: 3 }]);
  const bad = r.bool(0.2) ? r.pick(['eps', 'seed', 'start', 'warmup', 'lambda', 'nan']) : undefined;
  const opts = { epsilon: eps, seed, ...(start ? { start } : {}), ...(warmup !== undefined ? { warmup } : {}), ...(stepSize !== undefined ? { stepSize } : {}), ...(bounds ? { bounds } : {}), ...lambdas };
  if (bad === 'eps') opts.epsilon = -eps;
  if (bad === 'seed') opts.seed = 1.5;
  if (bad === 'start') opts.start = 'random';
  if (bad === 'warmup') opts.warmup = r.pick([1.5, -1]);
  if (bad === 'lambda') opts.lambda2 = r.pick([-1, NaN]);
  const xs = bad === 'nan' ? s.x.map((row, i) => (i === 0 ? row.map(() => NaN) : row)) : s.x;
  return {
    fn: 'aaerLoss',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'aaerLoss({ model: (x) => x·W, x, y, ...opts })', W: s.W, x: xs, y: s.y, opts },
    prepare: () => ({ W: tf.tensor2d(s.W), x: tf.tensor2d(xs) }),
    run: ({ W, x }) => lib.robustness.aaerLoss({ model: (t) => tf.matMul(t, W), x, y: s.y, ...opts }),
    check: (out) => {
      const rad = (start ?? 'double') === 'double' ? 2 * eps : eps;
      const w = warmup ?? 1;
      const a = stepSize ?? eps;
      const [l1, l2, l3] = [lambdas.lambda1 ?? 1, lambdas.lambda2 ?? 4, lambdas.lambda3 ?? 1.5];
      const clip = (v) => (bounds ? Math.min(bounds[1], Math.max(bounds[0], v)) : v);
      const u = draw([s.N, s.D], -rad, rad, seed);
      const x0 = s.x.map((row, i) => row.map((v, j) => clip(f32(v + u[i][j]))));
      const x1 = x0.map((row, i) => {
        const g = ceGrad64(row, s.W, s.y[i]);
        return row.map((v, j) => {
          let d = v - s.x[i][j] + Math.sign(g[j]) * a * w;
          if (start === 'project') d = Math.min(eps * w, Math.max(-eps * w, d));
          return clip(s.x[i][j] + d);
        });
      });
      // Undetermined cases: a gradient coordinate within float32 noise of 0 (its sign), a loss change within noise.
      const gs = x0.map((row, i) => ceGrad64(row, s.W, s.y[i]));
      if (gs.flat().some((v) => Math.abs(v) < 1e-4)) return undefined;
      const lb = x0.map((row, i) => ce64(row, s.W, s.y[i]));
      const la = x1.map((row, i) => ce64(row, s.W, s.y[i]));
      if (lb.some((v, i) => Math.abs(v - la[i]) < 1e-4 * Math.max(1, v))) return undefined;
      const ab = lb.map((v, i) => v > la[i]);
      const nA = ab.filter(Boolean).length;
      const ceMean = la.reduce((p, v) => p + v, 0) / s.N;
      let want = ceMean;
      if (nA > 0 && nA < s.N) {
        const sq = x0.map((row, i) => {
          const zb = logits64(row, s.W);
          const za = logits64(x1[i], s.W);
          return zb.reduce((p, v, c) => p + (v - za[c]) ** 2, 0);
        });
        const vA = sq.reduce((p, v, i) => p + (ab[i] ? v : 0), 0) / nA;
        const vN = sq.reduce((p, v, i) => p + (ab[i] ? 0 : v), 0) / (s.N - nA);
        const aCe = lb.reduce((p, v, i) => p + (ab[i] ? v - la[i] : 0), 0) / nA;
        want = ceMean + ((l1 * nA) / s.N) * (l2 * aCe + l3 * Math.max(vA - vN, 0));
      }
      const got = out.loss.dataSync()[0];
      if (out.abnormal !== nA || out.normal !== s.N - nA) return { category: 'wrong value', kind: 'AAER abnormal count vs float64', message: `expected ${nA} abnormal of ${s.N}, got ${out.abnormal} / ${out.normal}` };
      if (Math.abs(got - want) > 1e-4 * Math.max(1, Math.abs(want))) return { category: 'wrong value', kind: 'AAER loss vs float64 on the same draws', message: `expected ${want}, got ${got}` };
      return undefined;
    },
  };
}

function curveCase(r, lib) {
  const s = linearSetup(r);
  const eps = Array.from({ length: r.int(1, 3) }, () => r.pick([0.01, 0.1, 0.3, 1]));
  const attack = r.pick([undefined, 'fgsm', 'pgd']);
  const bad = r.bool(0.2) ? r.pick(['empty', 'neg', 'attack', 'onehot', 'labels']) : undefined;
  let es = eps;
  if (bad === 'empty') es = [];
  if (bad === 'neg') es = [...eps, r.pick([0, -0.1, NaN])];
  const y = bad === 'onehot' ? s.y.map((v) => Array.from({ length: s.C }, (_, c) => (c === v ? 1 : 0))) : bad === 'labels' ? [...s.y, 0] : s.y;
  const att = bad === 'attack' ? 'cw' : attack;
  return {
    fn: 'adversarialErrorCurve',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: 'adversarialErrorCurve({ model: (x) => x·W, x, y, epsilons, attack })', W: s.W, x: s.x, y, epsilons: es, attack: att },
    prepare: () => ({ W: tf.tensor2d(s.W), x: tf.tensor2d(s.x) }),
    run: ({ W, x }) => lib.robustness.adversarialErrorCurve({ model: (t) => tf.matMul(t, W), x, y, epsilons: es, ...(att ? { attack: att } : {}) }),
    check: (pts) => {
      if (pts.length !== eps.length) return { category: 'wrong value', kind: 'one point per ε', message: `${pts.length} points for ${eps.length} budgets` };
      for (let k = 0; k < eps.length; k++) {
        const p = pts[k];
        if (p.epsilon !== eps[k] || !(p.error >= 0 && p.error <= 1) || Math.abs(p.error * s.N - Math.round(p.error * s.N)) > 1e-4) return { category: 'wrong value', kind: 'error is a fraction of the batch', message: JSON.stringify(p) };
        if (attack === 'pgd') continue;
        // FGSM in float64: x + ε sign(∇_x CE), then the top-1 error; skip undetermined signs and near-ties.
        if (s.g.flat().some((v) => Math.abs(v) < 1e-4)) continue;
        let wrong = 0;
        let tie = false;
        for (let i = 0; i < s.N; i++) {
          const z = logits64(s.x[i].map((v, j) => v + eps[k] * Math.sign(s.g[i][j])), s.W);
          const sorted = [...z].sort((a, b) => b - a);
          if (sorted[0] - sorted[1] < 1e-4) tie = true;
          if (z.indexOf(sorted[0]) !== s.y[i]) wrong++;
        }
        if (!tie && Math.abs(p.error - wrong / s.N) > 1e-6) return { category: 'wrong value', kind: 'FGSM error vs float64', message: `ε ${eps[k]}: expected ${wrong / s.N}, got ${p.error}` };
      }
      return undefined;
    },
  };
}
