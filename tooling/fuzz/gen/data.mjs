// @losskit/data: scores, selection rules and samplers against float64 references written from their papers' definitions
// (EL2N, pruning order, memorization, k-means cost, sensitivity probabilities, PDD masks, small-loss selection, FkL
// counting, prior correction), tiny-model runs of GraNd / Co-teaching / two-phase training / trajectory matching, and bad
// input (labels out of range, NaN, bad fractions and options). AST: the MLP trajectory-matching student (momentum,
// inner-loss scale, intermediate matching) against an unrolled float64 student, the balanced-loss and clipping factors
// against their closed forms, the expert gradient penalty against finite differences of the float64 forward pass,
// representative initialisation (indices of the right class, nearest to a centre), with bad shapes, NaN, bad options.
// PLD: resampling probabilities against float64 softmax(−ℓ/τ) (log-sum-exp), candidate pools (observed positives,
// distinct when possible, an unobserved negative).
import * as tf from '@tensorflow/tfjs-core';

export function generate(r, lib) {
  const kind = r.weighted({ el2n: 10, el2nDsl: 6, prune: 8, mem: 6, kmeans: 6, pdd: 8, noisy: 10, imbalance: 10, model: 12, invalid: 16, ast: 14, pld: 8 });
  return { el2n, el2nDsl, prune, mem, kmeans, pdd, noisy, imbalance, model, invalid, ast, pld }[kind](r, lib.data, lib);
}

const wrong = (kind, message) => ({ category: 'wrong value', kind, message });
const softmax = (row) => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

function el2n(r, D) {
  const n = r.int(1, 8);
  const C = r.int(2, 6);
  const z = r.matrix(n, C, 'normal', r.pick([1, 5]));
  const y = r.labels(n, C);
  const want = z.map((row, i) => Math.sqrt(softmax(row.map(Math.fround)).reduce((s, p, j) => s + (p - (j === y[i] ? 1 : 0)) ** 2, 0)));
  return { fn: 'el2nScores', expect: 'valid', repro: { z, y }, run: () => D.el2nScores(z, y), check: (o) => (o.every((v, i) => Math.abs(v - want[i]) < 1e-5) ? undefined : wrong('EL2N vs float64', `${o} vs ${want}`)) };
}

// The EL2N² DSL builder under compile(): per-sample values and the logits gradient of their mean against float64
// (d/dz_k Σ_j (p_j − y_j)² = 2 p_k [(p_k − y_k) − Σ_j (p_j − y_j) p_j]).
function el2nDsl(r, D, lib) {
  const n = r.int(1, 6);
  const C = r.int(2, 5);
  const z = r.matrix(n, C, 'normal', r.pick([1, 4]));
  const y = r.labels(n, C);
  const P = z.map((row) => softmax(row.map(Math.fround)));
  const wantV = P.map((p, i) => p.reduce((s, v, j) => s + (v - (j === y[i] ? 1 : 0)) ** 2, 0));
  const wantG = P.flatMap((p, i) => {
    const d = p.map((v, j) => v - (j === y[i] ? 1 : 0));
    const dot = d.reduce((s, v, j) => s + v * p[j], 0);
    return p.map((pk, k) => (2 * pk * (d[k] - dot)) / n);
  });
  return {
    fn: 'el2nSquared', expect: 'valid', finite: true, repro: { call: 'compile(el2nSquared()).perSample / valueAndGrad', z, y },
    prepare: () => ({ x: tf.tensor2d(z) }),
    run: ({ x }) => {
      const f = lib.core.compile(D.el2nSquared());
      const ps = f.perSample(y, x);
      const { value, grad } = f.valueAndGrad(y, x);
      const out = [Array.from(ps.dataSync()), value.dataSync()[0], Array.from(grad.dataSync())];
      tf.dispose([ps, value, grad]);
      return out;
    },
    check: ([ps, v, g]) => {
      const mean = wantV.reduce((a, b) => a + b, 0) / n;
      if (!ps.every((u, i) => Math.abs(u - wantV[i]) < 1e-5)) return wrong('el2nSquared perSample vs float64', `${ps} vs ${wantV}`);
      if (Math.abs(v - mean) > 1e-5) return wrong('el2nSquared mean vs float64', `${v} vs ${mean}`);
      return g.every((u, i) => Math.abs(u - wantG[i]) < 1e-5) ? undefined : wrong('el2nSquared gradient vs float64', `${g} vs ${wantG}`);
    },
  };
}

function prune(r, D) {
  const n = r.int(1, 30);
  const s = Array.from({ length: n }, () => Math.round(r.float(0, 5) * 2) / 2);
  const f = r.pick([0, 0.1, 0.5, 0.9]);
  const offset = r.int(0, 2);
  const order = s.map((_, i) => i).sort((a, b) => s[a] - s[b] || a - b);
  const drop = Math.floor(f * n);
  const want = order.slice(drop, Math.max(drop, n - offset)).sort((a, b) => a - b);
  if (r.bool(0.3)) return { fn: 'randomPrune', expect: 'valid', repro: { n, f }, run: () => D.randomPrune(n, { fraction: f, seed: 1 }), check: (o) => (o.length === n - drop && new Set(o).size === o.length ? undefined : wrong('random prune size', String(o.length))) };
  return { fn: 'pruneByScore', expect: 'valid', repro: { s, f, offset }, run: () => D.pruneByScore(s, { fraction: f, offset }), check: (o) => (JSON.stringify(o) === JSON.stringify(want) ? undefined : wrong('pruning order', `${o} vs ${want}`)) };
}

function mem(r, D) {
  const n = r.int(1, 6);
  const masks = D.subsetMasks(n, { trials: r.int(1, 8), seed: r.int(0, 9) });
  const correct = masks.map((m) => m.map(() => r.int(0, 1)));
  const want = Array.from({ length: n }, (_, i) => {
    const a = masks.map((m, t) => (m[i] ? correct[t][i] : null)).filter((v) => v !== null);
    const b = masks.map((m, t) => (!m[i] ? correct[t][i] : null)).filter((v) => v !== null);
    return a.length && b.length ? a.reduce((x, y) => x + y, 0) / a.length - b.reduce((x, y) => x + y, 0) / b.length : 0;
  });
  return { fn: 'memorizationScores', expect: 'valid', repro: { masks, correct }, run: () => D.memorizationScores(masks, correct), check: (o) => (o.scores.every((v, i) => Math.abs(v - want[i]) < 1e-12) ? undefined : wrong('memorization', `${o.scores} vs ${want}`)) };
}

function kmeans(r, D) {
  const n = r.int(1, 20);
  const x = r.matrix(n, r.int(1, 3), 'normal', 3);
  const k = r.int(1, n);
  if (r.bool(0.5)) {
    return { fn: 'kMeans', expect: 'valid', repro: { x, k }, run: () => D.kMeans(x, { k, seed: 2 }), check: (o) => {
      const d = (a, b) => a.reduce((s, v, j) => s + (v - b[j]) ** 2, 0);
      const cost = x.reduce((s, p, i) => s + d(p, o.centers[o.assignments[i]]), 0);
      const nearest = x.every((p, i) => o.centers.every((c) => d(p, o.centers[o.assignments[i]]) <= d(p, c) + 1e-9));
      return Math.abs(cost - o.cost) < 1e-9 * Math.max(1, cost) && nearest ? undefined : wrong('k-means assignment / cost', `${o.cost} vs ${cost}`);
    } };
  }
  const m = r.int(1, 10);
  return { fn: 'sensitivitySample', expect: 'valid', repro: { x, k, m }, run: () => D.sensitivitySample(x, { k, m, seed: 3 }), check: (o) => {
    const s = o.probabilities.reduce((a, b) => a + b, 0);
    return Math.abs(s - 1) < 1e-12 && o.indices.every((i, j) => Math.abs(o.weights[j] * m * o.probabilities[i] - 1) < 1e-9) ? undefined : wrong('sensitivity probabilities / weights', `sum ${s}`);
  } };
}

function pdd(r, D) {
  const n = r.int(1, 10);
  const C = r.int(2, 5);
  const z = r.matrix(n, C, 'normal', 2);
  const y = r.labels(n, C);
  const tau = r.pick([0, 0.3, 0.9]);
  const want = z.map((row, i) => (tau === 0 ? row.map(Math.fround).indexOf(Math.max(...row.map(Math.fround))) !== y[i] : softmax(row)[y[i]] < tau));
  if (r.bool(0.25)) return { fn: 'scalarRandomDropout', expect: 'valid', repro: { n }, run: () => D.scalarRandomDropout(n, 3, { gamma: 0.5 }), check: (o) => (o.length === Math.max(1, Math.ceil(0.25 * n - 1e-9)) ? undefined : wrong('SRD size', String(o.length))) };
  return { fn: 'difficultyDropoutMask', expect: 'valid', repro: { z, y, tau }, run: () => D.difficultyDropoutMask(z, y, { threshold: tau }), check: (o) => (o.every((v, i) => v === want[i] || Math.abs(softmax(z[i])[y[i]] - tau) < 1e-6) ? undefined : wrong('PDD mask', `${o} vs ${want}`)) };
}

function noisy(r, D) {
  const which = r.pick(['small', 'schedule', 'fkl', 'nested', 'late']);
  if (which === 'small') {
    const l = Array.from({ length: r.int(1, 12) }, () => r.float(0, 3));
    const f = r.pick([0, 0.2, 0.5]);
    const want = l.map((_, i) => i).sort((a, b) => l[a] - l[b] || a - b).slice(0, Math.max(1, Math.floor((1 - f) * l.length)));
    return { fn: 'coTeachingSelect', expect: 'valid', repro: { l, f }, run: () => D.coTeachingSelect(l, l.slice().reverse(), f), check: (o) => (JSON.stringify(D.smallLossSelection(l, f)) === JSON.stringify(want) && o.forB.join() === want.join() ? undefined : wrong('small-loss selection', `${o.forB} vs ${want}`)) };
  }
  if (which === 'schedule') {
    const e = r.int(0, 20);
    const tk = r.int(0, 10);
    return { fn: 'forgetRateSchedule', expect: 'valid', repro: { e, tk }, run: () => D.forgetRateSchedule(e, { forgetRate: 0.2, gradualEpochs: tk }), check: (v) => (Math.abs(v - (tk === 0 ? 0.2 : 0.2 * Math.min(e / tk, 1))) < 1e-15 ? undefined : wrong('forget rate', String(v))) };
  }
  if (which === 'nested') {
    const b = r.int(1, 5);
    const k = r.int(1, 8);
    return { fn: 'nestedDropoutMask', expect: 'valid', repro: { b, k }, run: () => D.nestedDropoutMask(b, k, { sigma: r.float(0.5, 5), mu: r.float(0, k), seed: 1 }), check: (t) => {
      const rows = t.arraySync();
      return rows.every((row) => { const s = row.reduce((a, v) => a + v, 0); return s >= 1 && row.every((v, j) => v === (j < s ? 1 : 0)); }) ? undefined : wrong('nested mask is a prefix', JSON.stringify(rows));
    } };
  }
  const n = r.int(1, 8);
  const y = r.labels(n, 3);
  const preds = Array.from({ length: r.int(1, 8) }, () => y.map((v) => (r.bool(0.7) ? v : (v + 1) % 3)));
  const k = r.int(1, 3);
  const run = new Array(n).fill(0);
  const want = new Array(n).fill(Infinity);
  preds.forEach((p, e) => p.forEach((v, i) => { run[i] = v === y[i] ? run[i] + 1 : 0; if (run[i] >= k && want[i] === Infinity) want[i] = e; }));
  if (which === 'late') return { fn: 'lateStoppingSelect', expect: 'valid', finite: false, repro: { preds, y, k }, run: () => D.lateStoppingSelect(preds, y, 1, { k }), check: (o) => (o.selected.length === want.filter((v) => v !== Infinity).length ? undefined : wrong('late stopping selection', JSON.stringify(o))) };
  return { fn: 'fklEpochs', expect: 'valid', finite: false, repro: { preds, y, k }, run: () => D.fklEpochs(preds, y, { k }), check: (o) => (JSON.stringify(o) === JSON.stringify(want) ? undefined : wrong('FkL epochs', `${o} vs ${want}`)) };
}

function imbalance(r, D) {
  const n = r.int(2, 20);
  const C = r.int(2, 4);
  const y = r.labels(n, C);
  const x = r.matrix(n, 2, 'normal', 1);
  const which = r.pick(['ros', 'rus', 'smote', 'prior', 'counts']);
  const counts = Array.from({ length: Math.max(...y) + 1 }, (_, c) => y.filter((v) => v === c).length);
  const present = counts.filter((c) => c > 0);
  if (which === 'counts') return { fn: 'classCounts', expect: 'valid', repro: { y }, run: () => D.classCounts(y), check: (o) => (o.join() === counts.join() ? undefined : wrong('class counts', `${o}`)) };
  if (which === 'ros' || which === 'rus') {
    const to = which === 'ros' ? Math.max(...present) : Math.min(...present);
    const fn = which === 'ros' ? 'randomOversample' : 'randomUndersample';
    return { fn, expect: 'valid', repro: { y }, run: () => D[fn](y, { seed: 2 }), check: (idx) => {
      const got = counts.map((_, c) => idx.filter((i) => y[i] === c).length);
      return got.every((g, c) => g === (counts[c] ? to : 0)) ? undefined : wrong(`${fn} counts`, `${got} vs ${to}`);
    } };
  }
  if (which === 'smote') {
    const to = Math.max(...present);
    return { fn: 'smote', expect: 'valid', repro: { x, y }, run: () => D.smote(x, y, { k: r.int(1, 5), seed: 1 }), check: (o) => {
      const got = counts.map((_, c) => o.y.filter((v) => v === c).length);
      return got.every((g, c) => g === (counts[c] ? to : 0)) && o.x.length === o.y.length ? undefined : wrong('SMOTE counts', `${got}`);
    } };
  }
  const z = r.matrix(n, C, 'normal', 2);
  const pri = Array.from({ length: C }, () => r.float(0.1, 5));
  const tot = pri.reduce((a, b) => a + b, 0);
  const want = z.map((row) => {
    const ls = softmax(row).map((p, c) => Math.log(p) - Math.log(pri[c] / tot));
    return ls.indexOf(Math.max(...ls));
  });
  return { fn: 'priorCorrection', expect: 'valid', repro: { z, pri }, run: () => D.priorCorrection(z, pri), check: (o) => (o.labels.every((v, i) => v === want[i] || Math.abs(o.scores[i][v] - o.scores[i][want[i]]) < 1e-9) ? undefined : wrong('prior correction', `${o.labels} vs ${want}`)) };
}

/** Variables of a linear softmax model z = xW + b (the runner disposes them with the other prepared tensors). */
function linearVars(D0, C, seed) {
  return { W: tf.variable(tf.randomNormal([D0, C], 0, 0.5, 'float32', seed)), b: tf.variable(tf.zeros([C])) };
}
/** The ModelLike view of {@link linearVars} (no tfjs-layers needed). */
const asModel = ({ W, b }) => ({ trainableWeights: [{ read: () => W }, { read: () => b }], apply: (x) => tf.add(tf.matMul(x, W), b) });

function model(r, D) {
  const n = r.int(2, 8);
  const d = r.int(1, 4);
  const C = r.int(2, 4);
  const xs = r.matrix(n, d, 'normal', 1);
  const y = r.labels(n, C);
  const which = r.pick(['grand', 'el2nOf', 'coteach', 'twoPhase', 'trajectory', 'memo', 'fitBad', 'predictBad']);
  if (which === 'fitBad' || which === 'predictBad') {
    // fitModel's default loss runs unvalidated inside the steps: its labels are checked once, before any update;
    // predictLogits checks its batch size (0 used to loop forever).
    const bad = r.pick([C, C + 3, -1, 0.5]);
    const bs = r.pick([0, -1, 1.5]);
    return {
      fn: which === 'fitBad' ? 'fitModel' : 'predictLogits', expect: 'invalid', codes: ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'INVALID_PARAMETER'], repro: { xs, y, bad, bs },
      prepare: () => ({ x: tf.tensor2d(xs), ybad: tf.tensor1d(y.map((v, i) => (i === n - 1 ? bad : v))), va: linearVars(d, C, 1), opt: { o1: tf.train.sgd(0.1) } }),
      run: (t) => (which === 'fitBad' ? D.fitModel(asModel(t.va), t.opt.o1, t.x, t.ybad, { epochs: 1, batchSize: 2 }) : D.predictLogits(asModel(t.va), t.x, bs)),
    };
  }
  if (which === 'memo') {
    return { fn: 'estimateMemorization', expect: 'valid', repro: { n }, run: () => D.estimateMemorization(n, (idx) => Array.from({ length: n }, (_, i) => idx.includes(i)), { trials: 6, seed: 1 }), check: (o) => (o.scores.every((v, i) => v === 1 || o.undetermined.includes(i)) ? undefined : wrong('memorised-only correctness gives 1', JSON.stringify(o))) };
  }
  if (which === 'trajectory') {
    const e = D.linearExpertTrajectory(xs, y, { classes: C, epochs: 2, lr: 0.5, batchSize: 2 });
    return {
      fn: 'trajectoryMatchingLoss', expect: 'valid', repro: { xs, y },
      prepare: () => ({ xSyn: tf.tensor2d(xs.slice(0, 2)), ySyn: tf.oneHot(tf.tensor1d(y.slice(0, 2), 'int32'), C).toFloat(), w0: tf.tensor2d(e[0].w), b0: tf.tensor1d(e[0].b), w1: tf.tensor2d(e[2].w), b1: tf.tensor1d(e[2].b) }),
      run: (t) => D.trajectoryMatchingLoss({ xSyn: t.xSyn, ySyn: t.ySyn, lr: 0.5, start: { w: t.w0, b: t.b0 }, target: { w: t.w1, b: t.b1 }, steps: 2 }),
      check: (o) => (o.dataSync()[0] >= 0 ? undefined : wrong('trajectory loss ≥ 0', String(o.dataSync()[0]))),
    };
  }
  return {
    fn: { grand: 'grandScores', el2nOf: 'el2nScoresOf', coteach: 'coTeachingStep', twoPhase: 'twoPhaseTrain' }[which], expect: 'valid', repro: { xs, y, which },
    prepare: () => ({ x: tf.tensor2d(xs), yt: tf.tensor1d(y, 'int32'), va: linearVars(d, C, 1), vb: linearVars(d, C, 2), opt: { o1: tf.train.sgd(0.1), o2: tf.train.sgd(0.1) } }),
    run: (t) => {
      const a = asModel(t.va);
      const b = asModel(t.vb);
      if (which === 'grand') {
        const p = tf.tidy(() => a.apply(t.x).arraySync());
        // Linear softmax: ‖∇‖² = ‖softmax(z) − y‖²(‖x‖² + 1).
        const want = p.map((row, i) => Math.sqrt(softmax(row).reduce((s, q, c) => s + (q - (c === y[i] ? 1 : 0)) ** 2, 0) * (xs[i].reduce((s, v) => s + Math.fround(v) ** 2, 0) + 1)));
        return { got: D.grandScores(a, t.x, y, { batchSize: r.int(1, 4) }), want };
      }
      if (which === 'el2nOf') return { got: D.el2nScoresOf(a, t.x, y) };
      if (which === 'coteach') return { got: D.coTeachingStep({ modelA: a, modelB: b, optimizerA: t.opt.o1, optimizerB: t.opt.o2, x: t.x, y: t.yt, forgetRate: 0.25 }) };
      return { got: D.twoPhaseTrain({ model: a, optimizer: t.opt.o1, phase2Optimizer: t.opt.o2, x: t.x, y: t.yt, phase1Epochs: 1, phase2Epochs: 1, batchSize: 3 }) };
    },
    check: (o) => (o.want && !o.got.every((v, i) => Math.abs(v - o.want[i]) < 1e-4 * Math.max(1, o.want[i])) ? wrong('GraNd of a linear softmax model vs closed form', `${o.got} vs ${o.want}`) : undefined),
  };
}

function invalid(r, D) {
  const cases = [
    ['el2nScores', () => D.el2nScores([[1, 2]], [r.pick([2, -1, 0.5])]), ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL']],
    ['pruneByScore', () => D.pruneByScore([1, 2], { fraction: r.pick([1, -0.1, NaN]) }), ['INVALID_PARAMETER']],
    ['randomPrune', () => D.randomPrune(0, { fraction: 0.1 }), ['INVALID_PARAMETER']],
    ['memorizationScores', () => D.memorizationScores([], []), ['EMPTY_BATCH']],
    ['kMeans', () => D.kMeans([[NaN, 1]], { k: 1 }), ['NON_FINITE_INPUT']],
    ['sensitivitySample', () => D.sensitivitySample([[0], [1]], { k: 1, m: 0 }), ['INVALID_PARAMETER']],
    ['difficultyDropoutMask', () => D.difficultyDropoutMask([[1, 2]], [0], { threshold: 2 }), ['INVALID_PARAMETER']],
    ['smallLossSelection', () => D.smallLossSelection([1, 2], 1), ['INVALID_PARAMETER']],
    ['nestedDropoutMask', () => D.nestedDropoutMask(0, 3, { sigma: 1 }), ['INVALID_PARAMETER']],
    ['fklEpochs', () => D.fklEpochs([[0, 3]], [0, 1], { k: 0 }), ['INVALID_PARAMETER']],
    ['smote', () => D.smote([[0], [1]], [0, 1], { k: 0 }), ['INVALID_PARAMETER']],
    ['randomUndersample', () => D.randomUndersample([0, 1], { targetCounts: [2, 1] }), ['INVALID_ARGUMENT']],
    ['priorCorrection', () => D.priorCorrection([[1, 2]], [1]), ['SHAPE_MISMATCH']],
    ['grandScores', (t) => D.grandScores({ trainableWeights: [], apply: () => null }, t.z, [0]), ['INVALID_ARGUMENT']],
    ['trajectoryMatchingLoss', () => D.trajectoryMatchingLoss({ steps: 1 }), ['INVALID_ARGUMENT']],
    ['lateStoppingKeep', () => D.lateStoppingKeep(10, -1), ['INVALID_PARAMETER']],
    ['effectiveEpochs', () => D.effectiveEpochs([5], 2), ['INVALID_ARGUMENT']],
    ['linearExpertTrajectory', () => D.linearExpertTrajectory([[0]], [3], { classes: 2, epochs: 1, lr: 1 }), ['LABEL_OUT_OF_RANGE']],
    ['fitModel', (t) => D.fitModel({ trainableWeights: [], apply: () => null }, null, t.z, t.z), ['INVALID_ARGUMENT']],
    ['subsetMasks', () => D.subsetMasks(3, { ratio: 1 }), ['INVALID_PARAMETER']],
    ['scalarRandomDropout', () => D.scalarRandomDropout(3, 1, { gamma: 1 }), ['INVALID_PARAMETER']],
    ['forgetRateSchedule', () => D.forgetRateSchedule(1, { forgetRate: 1 }), ['INVALID_PARAMETER']],
    ['averageScores', () => D.averageScores([[1], [1, 2]]), ['SHAPE_MISMATCH']],
    ['predictLogits', (t) => D.predictLogits({ trainableWeights: [], apply: () => 3 }, t.z), ['INVALID_ARGUMENT']],
  ];
  const [fn, run, codes] = r.pick(cases);
  return { fn, expect: 'invalid', codes, repro: { call: fn }, prepare: () => ({ z: tf.zeros([1, 1]) }), run };
}

// ---- AST (mlpTrajectoryMatchingLoss and the schedules, penalty and initialisation) ----
const f32 = Math.fround;
const actF = { tanh: { f: Math.tanh, df: (z) => 1 - Math.tanh(z) ** 2 }, softplus: { f: (z) => (z > 30 ? z : Math.log1p(Math.exp(z))), df: (z) => 1 / (1 + Math.exp(-z)) } };
const mlpFlat = (p) => [...p.w1.flat(), ...p.b1, ...p.w2.flat(), ...p.b2];
function mlpUnflat(v, D, H, C) {
  let k = 0;
  const take = (n) => v.slice(k, (k += n));
  const w1 = Array.from({ length: D }, () => take(H));
  const b1 = take(H);
  const w2 = Array.from({ length: H }, () => take(C));
  return { w1, b1, w2, b2: take(C) };
}
function mlpGrad64(p, X, Y, act, s) {
  const n = X.length;
  const D = p.w1.length;
  const H = p.b1.length;
  const C = p.b2.length;
  const g = mlpUnflat(new Array(D * H + H + H * C + C).fill(0), D, H, C);
  X.forEach((x, i) => {
    const z1 = p.b1.map((b, h) => b + x.reduce((a, v, d) => a + v * p.w1[d][h], 0));
    const hh = z1.map(actF[act].f);
    const pr = softmax(p.b2.map((b, c) => b + hh.reduce((a, v, h) => a + v * p.w2[h][c], 0)));
    const d2 = pr.map((v, c) => (s * (v - Y[i][c])) / n);
    const d1 = z1.map((z, h) => d2.reduce((a, v, c) => a + v * p.w2[h][c], 0) * actF[act].df(z));
    x.forEach((v, d) => d1.forEach((dv, h) => (g.w1[d][h] += v * dv)));
    d1.forEach((dv, h) => (g.b1[h] += dv));
    hh.forEach((v, h) => d2.forEach((dv, c) => (g.w2[h][c] += v * dv)));
    d2.forEach((dv, c) => (g.b2[c] += dv));
  });
  return mlpFlat(g);
}
const sqd = (a, b) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0);

function ast(r, D) {
  const which = r.weighted({ traj: 8, balanced: 2, clip: 1, penalty: 4, repr: 3 });
  if (which === 'balanced') {
    const S = r.pick([1, 2, 25, 50, 0, 2.5]);
    const t = r.pick([0, 1, 11, 12, 24, 49, -1, 0.5]);
    const valid = Number.isInteger(S) && S >= 1 && Number.isInteger(t) && t >= 0 && t < S;
    const h = Math.floor(S / 2);
    const want = t >= h ? Math.log(t - h + 8) / Math.log(5) : Math.log(5) / Math.log(h - t + 8);
    return { fn: 'astBalancedLossScale', expect: valid ? 'valid' : 'invalid', why: 'start epoch or S out of range', repro: { t, S }, run: () => D.astBalancedLossScale(t, S), check: (v) => (Math.abs(v - want) < 1e-12 ? undefined : wrong('balanced factor vs log₅ closed form', `${v} vs ${want}`)) };
  }
  if (which === 'clip') {
    const e = r.pick([0, 3, 10, 11, 100, -1, 1.5, NaN]);
    const table = [0.5, 0.5, 0.55, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];
    const valid = Number.isInteger(e) && e >= 0;
    return { fn: 'astExpertLossScale', expect: valid ? 'valid' : 'invalid', why: 'epoch not an integer >= 0', repro: { e }, run: () => D.astExpertLossScale(e), check: (v) => (v === (e < 11 ? table[e] : 1) ? undefined : wrong('clipping factor vs loss_decay table', `${v} at epoch ${e}`)) };
  }
  const Dd = r.int(1, 3);
  const H = r.int(1, 3);
  const C = r.int(2, 3);
  const mk = (sc) => ({ w1: r.matrix(Dd, H, 'normal', sc), b1: Array.from({ length: H }, () => f32(r.float(-0.5, 0.5))), w2: r.matrix(H, C, 'normal', sc), b2: Array.from({ length: C }, () => f32(r.float(-0.5, 0.5))) });
  const tens = (p) => ({ w1: tf.tensor2d(p.w1), b1: tf.tensor1d(p.b1), w2: tf.tensor2d(p.w2), b2: tf.tensor1d(p.b2) });
  const act = r.pick(['tanh', 'softplus']);
  if (which === 'repr') {
    const K = r.int(1, 3);
    const perClass = K * r.int(1, 2);
    const n = r.int(K * C, 12);
    const z = r.matrix(n, 2, 'normal', 3);
    const y = Array.from({ length: n }, (_, i) => (i < C * K ? i % C : r.int(0, C - 1)));
    const bad = r.bool(0.2) ? r.pick(['clusters', 'label', 'nan']) : undefined;
    const opts = { perClass, clusters: bad === 'clusters' ? perClass + 1 : K, seed: r.int(0, 9) };
    const yy = bad === 'label' ? y.map((v, i) => (i === 0 ? -1 : v)) : y;
    const zz = bad === 'nan' ? z.map((row, i) => (i === 0 ? [NaN, 0] : row)) : z;
    return {
      fn: 'representativeInit', expect: bad ? 'invalid' : 'valid', why: bad, repro: { z: zz, y: yy, opts },
      run: () => D.representativeInit(zz, yy, opts),
      check: (idx) => {
        // Each centre gives its ⌊ipc/K⌋ nearest examples of the class (all of them when the class is smaller, as the code).
        const per = Math.floor(perClass / K);
        const counts = Array.from({ length: C }, (_, c) => idx.filter((i) => y[i] === c).length);
        const want = Array.from({ length: C }, (_, c) => K * Math.min(per, y.filter((v) => v === c).length));
        if (counts.some((v, c) => v !== want[c]) || idx.length !== want.reduce((a, b) => a + b, 0)) return wrong('representative init: ⌊ipc/K⌋ per centre, per class', JSON.stringify({ idx, counts, want }));
        return undefined;
      },
    };
  }
  if (which === 'penalty') {
    const p = mk(1);
    const N = r.int(1, 4);
    const x = r.matrix(N, Dd, 'normal', 1);
    const lambda = r.pick([undefined, 0, 2, 0.5]);
    const bad = r.bool(0.2) ? r.pick(['nan', 'width', 'lambda', 'act']) : undefined;
    const xs = bad === 'nan' ? x.map((row, i) => (i === 0 ? row.map(() => NaN) : row)) : bad === 'width' ? x.map((row) => [...row, 0]) : x;
    const opts = { ...(lambda === undefined ? {} : { lambda }), activation: bad === 'act' ? 'relu' : act };
    if (bad === 'lambda') opts.lambda = -1;
    const fwd = (xi) => p.b2.reduce((a, b, c) => a + b + p.b1.reduce((s, bh, h) => s + actF[act].f(bh + xi.reduce((t, v, d) => t + v * p.w1[d][h], 0)) * p.w2[h][c], 0), 0);
    const want = ((lambda ?? 2) * x.reduce((a, xi) => {
      const g = xi.map((_, d) => { const e = 1e-6; return (fwd(xi.map((v, j) => (j === d ? v + e : v))) - fwd(xi.map((v, j) => (j === d ? v - e : v)))) / (2 * e); });
      return a + (Math.hypot(...g) - 1) ** 2;
    }, 0)) / N;
    return {
      fn: 'astGradientPenalty', expect: bad ? 'invalid' : 'valid', why: bad, repro: { p, x: xs, opts },
      prepare: () => ({ pt: tens(p), xt: tf.tensor2d(xs) }),
      run: ({ pt, xt }) => D.astGradientPenalty(pt, xt, opts),
      check: (o) => { const v = o.dataSync()[0]; return Math.abs(v - want) < 1e-4 * Math.max(1, want) ? undefined : wrong('gradient penalty vs finite-difference input gradient', `${v} vs ${want}`); },
    };
  }
  const n = r.int(1, 3);
  const X = r.matrix(n, Dd, 'normal', 1);
  const Y = Array.from({ length: n }, () => { const c = r.int(0, C - 1); return Array.from({ length: C }, (_, j) => (j === c ? 1 : 0)); });
  const start = mk(0.7);
  const target = mk(0.7);
  const mids = Array.from({ length: r.pick([0, 0, 1, 2]) }, () => mk(0.7));
  const steps = r.int(Math.max(1, mids.length + 1), 5);
  const lr = r.pick([0.1, 0.5]);
  const mu = r.pick([0, 0.5, 0.9]);
  const scale = r.pick([1, 0.6, 1.4]);
  const weighting = r.pick(['adaptive', 'sum']);
  const bad = r.bool(0.2) ? r.pick(['nan', 'shape', 'momentum', 'steps', 'lr', 'act', 'same']) : undefined;
  const Xs = bad === 'nan' ? X.map((row, i) => (i === 0 ? row.map(() => NaN) : row)) : bad === 'shape' ? X.map((row) => [...row, 0]) : X;
  const opts = { lr, steps, activation: act, momentum: mu, innerLossScale: scale, intermediateWeighting: weighting };
  if (bad === 'momentum') opts.momentum = r.pick([1, -0.1]);
  if (bad === 'steps') opts.steps = mids.length ? mids.length : 0;
  if (bad === 'lr') opts.lr = r.pick([0, -0.1, NaN]);
  if (bad === 'act') opts.activation = 'relu';
  // Float64 student: b ← μb + ∇(s·CE), θ ← θ − αb; normalised distances at the end and after steps k·m.
  let th = mlpFlat(start);
  let buf;
  const M = mids.length + 1;
  const k = Math.floor(steps / M);
  const mid = [];
  for (let t = 0; t < steps; t++) {
    const g = mlpGrad64(mlpUnflat(th, Dd, H, C), X, Y, act, scale);
    buf = buf === undefined ? g : buf.map((b, i) => mu * b + g[i]);
    th = th.map((v, i) => v - lr * buf[i]);
    for (let m = 1; m < M; m++) if (t + 1 === k * m) mid.push(sqd(th, mlpFlat(mids[m - 1])) / sqd(mlpFlat(start), mlpFlat(mids[m - 1])));
  }
  let want = sqd(th, mlpFlat(target)) / sqd(mlpFlat(start), mlpFlat(target));
  mid.forEach((v, i) => (want += (weighting === 'adaptive' ? (i + 1) / (1 + mid.length) : 1) * v));
  return {
    fn: 'mlpTrajectoryMatchingLoss', expect: bad ? 'invalid' : 'valid', why: bad,
    repro: { X: Xs, Y, start, target, mids, opts },
    prepare: () => ({ xt: tf.tensor2d(Xs), yt: tf.tensor2d(Y), st: tens(start), tt: tens(bad === 'same' ? start : target), mt: mids.map(tens) }),
    run: ({ xt, yt, st, tt, mt }) => D.mlpTrajectoryMatchingLoss({ xSyn: xt, ySyn: yt, start: st, target: tt, intermediate: mt, ...opts }),
    check: (o) => { const v = o.dataSync()[0]; return Math.abs(v - want) < 1e-4 * Math.max(1, want) ? undefined : wrong('MLP trajectory matching vs float64 unrolled student', `${v} vs ${want}`); },
  };
}

function pld(r, D) {
  if (r.bool()) {
    const B = r.int(1, 5);
    const k = r.int(1, 5);
    const l = r.matrix(B, k, 'normal', r.pick([1, 100, 1e4]));
    const tau = r.pick([undefined, 0.1, 1, 1e-3]);
    const bad = r.bool(0.2) ? r.pick(['tau', 'nan']) : undefined;
    const ll = bad === 'nan' ? l.map((row, i) => (i === 0 ? row.map(() => NaN) : row)) : l;
    const opts = { ...(tau === undefined ? {} : { temperature: tau }), seed: r.int(0, 99) };
    if (bad === 'tau') opts.temperature = r.pick([0, -1, NaN]);
    const t = tau ?? 0.1;
    const want = l.map((row) => {
      const a = row.map((v) => -v / t);
      const m = Math.max(...a);
      const lse = m + Math.log(a.reduce((s, v) => s + Math.exp(v - m), 0));
      return a.map((v) => Math.exp(v - lse));
    });
    return {
      fn: 'pldResample', expect: bad ? 'invalid' : 'valid', why: bad, repro: { l: ll, opts },
      run: () => D.pldResample(ll, opts),
      check: (o) => {
        for (let b = 0; b < B; b++) {
          if (!(Number.isInteger(o.indices[b]) && o.indices[b] >= 0 && o.indices[b] < k && o.probabilities[b][o.indices[b]] > 0)) return wrong('PLD draw is a candidate with p > 0', JSON.stringify(o.indices));
          // The reference loses ~|ℓ/τ|·1e-16 relative in the exponent.
          const tol = 1e-9 + 4e-16 * Math.max(...l[b].map((v) => Math.abs(v / t)));
          if (o.probabilities[b].some((p, j) => Math.abs(p - want[b][j]) > tol)) return wrong('PLD probabilities vs float64 softmax(−ℓ/τ)', `${JSON.stringify(o.probabilities[b])} vs ${JSON.stringify(want[b])}`);
        }
        return undefined;
      },
    };
  }
  const items = r.int(2, 8);
  const U = r.int(1, 4);
  const inter = Array.from({ length: U }, () => { const n = r.int(1, items - 1); return Array.from({ length: n }, () => r.int(0, items - 1)); });
  const users = Array.from({ length: r.int(1, 5) }, () => r.int(0, U - 1));
  const k = r.int(1, 4);
  const bad = r.bool(0.2) ? r.pick(['empty', 'full', 'item', 'user', 'k']) : undefined;
  let it = inter;
  let us = users;
  const opts = { items, k, seed: r.int(0, 99) };
  if (bad === 'empty') it = inter.map((v, i) => (i === users[0] ? [] : v));
  if (bad === 'full') it = inter.map((v, i) => (i === users[0] ? Array.from({ length: items }, (_, j) => j) : v));
  if (bad === 'item') it = inter.map((v, i) => (i === users[0] ? [...v, items] : v));
  if (bad === 'user') us = [...users, U];
  if (bad === 'k') opts.k = r.pick([0, 1.5]);
  // Distinct observed items of a user whose list (with repeats) has at least k entries may still repeat an item id.
  return {
    fn: 'pldCandidates', expect: bad ? 'invalid' : 'valid', why: bad, repro: { it, us, opts },
    run: () => D.pldCandidates(it, us, opts),
    check: (o) => {
      for (let b = 0; b < users.length; b++) {
        const seen = inter[users[b]];
        if (o.positives[b].length !== k || o.positives[b].some((i) => !seen.includes(i))) return wrong('PLD positives are k observed items', JSON.stringify({ b, pos: o.positives[b], seen }));
        if (seen.includes(o.negatives[b]) || !(o.negatives[b] >= 0 && o.negatives[b] < items)) return wrong('PLD negative is an unobserved item', JSON.stringify({ b, neg: o.negatives[b], seen }));
        if (seen.length >= k && new Set(seen).size === seen.length && new Set(o.positives[b]).size !== k) return wrong('PLD draws without replacement when the user has k items', JSON.stringify({ b, pos: o.positives[b] }));
      }
      return undefined;
    },
  };
}
