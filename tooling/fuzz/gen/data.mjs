// @losskit/data: scores, selection rules and samplers against float64 references written from their papers' definitions
// (EL2N, pruning order, memorization, k-means cost, sensitivity probabilities, PDD masks, small-loss selection, FkL
// counting, prior correction), tiny-model runs of GraNd / Co-teaching / two-phase training / trajectory matching, and bad
// input (labels out of range, NaN, bad fractions and options).
import * as tf from '@tensorflow/tfjs-core';

export function generate(r, lib) {
  const kind = r.weighted({ el2n: 10, el2nDsl: 6, prune: 8, mem: 6, kmeans: 6, pdd: 8, noisy: 10, imbalance: 10, model: 12, invalid: 16 });
  return { el2n, el2nDsl, prune, mem, kmeans, pdd, noisy, imbalance, model, invalid }[kind](r, lib.data, lib);
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
  const wantG = P.map((p, i) => {
    const d = p.map((v, j) => v - (j === y[i] ? 1 : 0));
    const dot = d.reduce((s, v, j) => s + v * p[j], 0);
    return p.map((pk, k) => (2 * pk * (d[k] - dot)) / n);
  }).flat();
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
