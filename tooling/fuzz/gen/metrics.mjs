// @losskit/metrics: confusion-matrix metrics, AUCs and the macro-AUC surrogates against float64 references written from
// their definitions, the distribution functions against inverse / closed-form identities, the tests and bootstraps
// against their formulas, and bad input (labels out of range, ragged or NaN data, bad options).
import * as tf from '@tensorflow/tfjs-core';

export function generate(r, lib) {
  const kind = r.weighted({ prf: 14, auc: 14, surrogate: 12, dist: 12, emax: 8, tests: 10, boot: 12, invalid: 18 });
  return { prf, auc, surrogate, dist, emax, tests, boot, invalid }[kind](r, lib.metrics);
}

const close = (a, b, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
const wrong = (kind, message) => ({ category: 'wrong value', kind, message });

function counts(t, p, C) {
  return Array.from({ length: C }, (_, c) => {
    let tp = 0, fp = 0, fn = 0, tn = 0;
    t.forEach((v, i) => {
      if (v === c && p[i] === c) tp++;
      else if (v !== c && p[i] === c) fp++;
      else if (v === c) fn++;
      else tn++;
    });
    return { tp, fp, fn, tn };
  });
}

function prf(r, M) {
  const C = r.int(2, 5);
  const n = r.int(1, 30);
  const t = r.labels(n, C);
  const p = r.labels(n, C);
  const which = r.pick(['f1', 'precision', 'recall', 'gmean']);
  const avg = which === 'gmean' ? r.pick(['macro', 'micro', 'weighted', 'none']) : r.pick(C === 2 ? ['binary', 'macro', 'micro', 'weighted', 'none'] : ['macro', 'micro', 'weighted', 'none']);
  const k = counts(t, p, C);
  const d = (a, b) => (b === 0 ? 0 : a / b);
  const per = k.map((c) => (which === 'f1' ? d(2 * c.tp, 2 * c.tp + c.fp + c.fn) : which === 'precision' ? d(c.tp, c.tp + c.fp) : which === 'recall' ? d(c.tp, c.tp + c.fn) : Math.sqrt(d(c.tp, c.tp + c.fn) * d(c.tn, c.tn + c.fp))));
  const sup = k.map((c) => c.tp + c.fn);
  const sum = (f) => k.reduce((s, c) => s + f(c), 0);
  let want;
  if (avg === 'none') want = per;
  else if (avg === 'binary') want = per[1];
  else if (which === 'gmean') {
    const w = avg === 'weighted' ? sup.map((s) => s / n) : sup.map(() => 1 / C);
    const sens = k.map((c) => d(c.tp, c.tp + c.fn));
    const spec = k.map((c) => d(c.tn, c.tn + c.fp));
    want = avg === 'micro' ? Math.sqrt(d(sum((c) => c.tp), sum((c) => c.tp + c.fn)) * d(sum((c) => c.tn), sum((c) => c.tn + c.fp))) : Math.sqrt(sens.reduce((s, v, i) => s + v * w[i], 0) * spec.reduce((s, v, i) => s + v * w[i], 0));
  } else if (avg === 'micro') want = which === 'f1' ? d(2 * sum((c) => c.tp), 2 * sum((c) => c.tp) + sum((c) => c.fp + c.fn)) : which === 'precision' ? d(sum((c) => c.tp), sum((c) => c.tp + c.fp)) : d(sum((c) => c.tp), sum((c) => c.tp + c.fn));
  else if (avg === 'weighted') want = per.reduce((s, v, i) => s + v * sup[i], 0) / n;
  else want = per.reduce((a, b) => a + b, 0) / C;
  const fn = { f1: 'f1Score', precision: 'precisionScore', recall: 'recallScore', gmean: 'gMean' }[which];
  return {
    fn, expect: 'valid', repro: { call: `${fn}(t, p, { average: '${avg}', classes: ${C} })`, t, p },
    run: () => M[fn](t, p, { average: avg, classes: C }),
    check: (out) => {
      const a = [out].flat();
      const b = [want].flat();
      return a.length === b.length && a.every((v, i) => close(v, b[i], 1e-12)) ? undefined : wrong(`${fn} vs counts`, `expected ${JSON.stringify(want)}, got ${JSON.stringify(out)}`);
    },
  };
}

function pairAuc(s, y) {
  let num = 0, pairs = 0;
  s.forEach((a, i) => s.forEach((b, j) => {
    if (y[i] === 1 && y[j] === 0) {
      pairs++;
      num += a > b ? 1 : a === b ? 0.5 : 0;
    }
  }));
  return num / pairs;
}

function auc(r, M) {
  const n = r.int(2, 25);
  const C = r.int(2, 4);
  const round = r.bool(0.5);
  const s = r.matrix(n, C, 'normal', 2).map((row) => row.map((v) => (round ? Math.round(v) : v)));
  const which = r.pick(['roc', 'ovr', 'ovo']);
  if (which === 'roc') {
    const y = r.labels(n, 2);
    y[0] = 0;
    y[1] = 1;
    const col = s.map((row) => row[0]);
    return { fn: 'rocAuc', expect: 'valid', repro: { col, y }, run: () => M.rocAuc(col, y), check: (out) => (close(out, pairAuc(col, y), 1e-12) ? undefined : wrong('rocAuc vs pairs', `${out} vs ${pairAuc(col, y)}`)) };
  }
  const y = Array.from({ length: Math.max(n, C) }, (_, i) => (i < C ? i : r.int(0, C - 1)));
  const sc = y.map((_, i) => s[i % n]);
  let want;
  if (which === 'ovr') want = Array.from({ length: C }, (_, c) => pairAuc(sc.map((row) => row[c]), y.map((v) => (v === c ? 1 : 0)))).reduce((a, b) => a + b, 0) / C;
  else {
    let tot = 0;
    for (let j = 0; j < C; j++) for (let k = j + 1; k < C; k++) {
      const idx = y.map((v, i) => (v === j || v === k ? i : -1)).filter((i) => i >= 0);
      tot += (pairAuc(idx.map((i) => sc[i][j]), idx.map((i) => (y[i] === j ? 1 : 0))) + pairAuc(idx.map((i) => sc[i][k]), idx.map((i) => (y[i] === k ? 1 : 0)))) / 2;
    }
    want = (2 * tot) / (C * (C - 1));
  }
  return { fn: `multiclassAuc(${which})`, expect: 'valid', repro: { sc, y }, run: () => M.multiclassAuc(sc, y, { method: which }), check: (out) => (close(out, want, 1e-12) ? undefined : wrong('multiclassAuc vs pairs', `${out} vs ${want}`)) };
}

function surrogate(r, M) {
  const n = r.int(2, 7);
  const K = r.int(1, 3);
  const scale = r.pick([1, 3, 30]);
  const s = r.matrix(n, K, 'normal', scale);
  const y = Array.from({ length: n }, (_, i) => Array.from({ length: K }, (_, k) => (i === k % n ? 1 : i === (k + 1) % n ? 0 : r.int(0, 1))));
  const loss = r.pick(['logistic', 'hinge', 'squared', 'exponential']);
  const which = r.pick(['macroAucUnivariateLoss', 'macroAucReweightedLoss', 'macroAucPairwiseLoss']);
  const phi = { logistic: (m) => (m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m))), hinge: (m) => Math.max(0, 1 - m), squared: (m) => (1 - m) ** 2, exponential: (m) => Math.exp(-m) }[loss];
  const sf = s.map((row) => row.map(Math.fround));
  let tot = 0, cols = 0;
  for (let k = 0; k < K; k++) {
    const P = y.map((row, i) => (row[k] ? i : -1)).filter((i) => i >= 0);
    const Q = y.map((row, i) => (!row[k] ? i : -1)).filter((i) => i >= 0);
    if (!P.length || !Q.length) continue;
    cols++;
    if (which === 'macroAucUnivariateLoss') tot += sf.reduce((a, row, i) => a + phi((2 * y[i][k] - 1) * row[k]), 0) / n;
    else if (which === 'macroAucReweightedLoss') tot += P.reduce((a, i) => a + phi(sf[i][k]), 0) / (2 * P.length) + Q.reduce((a, j) => a + phi(-sf[j][k]), 0) / (2 * Q.length);
    else { let pp = 0; for (const i of P) for (const j of Q) pp += phi(sf[i][k] - sf[j][k]); tot += pp / (P.length * Q.length); }
  }
  const want = tot / cols;
  const asTensor = r.bool(0.5);
  // A float32 overflow (exponential loss at margins below about −88) is a typed NON_FINITE_OUTPUT.
  const overflow = !(want < 1e37);
  return {
    fn: which, expect: overflow ? 'any' : 'valid', finite: !overflow, codes: ['NON_FINITE_OUTPUT'], repro: { s, y, loss },
    prepare: () => (asTensor ? { s: tf.tensor2d(s) } : { s }),
    run: (inp) => M[which](inp.s, y, { loss }),
    check: (out) => {
      const v = out.dataSync()[0];
      return Math.abs(v - want) <= 1e-4 * Math.max(1, Math.abs(want)) ? undefined : wrong(`${which} vs float64`, `${v} vs ${want}`);
    },
  };
}

function dist(r, M) {
  const which = r.pick(['tq', 'chi2', 'binom', 'f', 'beta']);
  if (which === 'tq') {
    const p = r.float(0.001, 0.999);
    const df = r.pick([1, 2, 3, 5, 10, 30, 0.5]);
    return { fn: 'studentTQuantile', expect: 'valid', repro: { p, df }, run: () => M.studentTQuantile(p, df), check: (t) => (Math.abs(M.studentTCdf(t, df) - p) < 1e-10 ? undefined : wrong('t quantile inverts the CDF', `cdf(${t}) = ${M.studentTCdf(t, df)} vs ${p}`)) };
  }
  if (which === 'beta') {
    // Closed forms: I_x(a, 1) = x^a and I_x(1, b) = 1 − (1 − x)^b.
    const x = r.pick([r.float(0, 1), 0, 1, -0.5, 1.5]);
    const a = r.pick([0.5, 1, 2.5, 9, 40]);
    const ref = (u) => (u <= 0 ? 0 : u >= 1 ? 1 : u);
    const xa = ref(x) ** a;
    const xb = 1 - (1 - ref(x)) ** a;
    return { fn: 'incompleteBeta', expect: 'valid', repro: { x, a }, run: () => [M.incompleteBeta(x, a, 1), M.incompleteBeta(x, 1, a)], check: ([u, v]) => (Math.abs(u - xa) < 1e-12 && Math.abs(v - xb) < 1e-12 ? undefined : wrong('incomplete beta closed forms', `${u} vs ${xa}, ${v} vs ${xb}`)) };
  }
  if (which === 'chi2') {
    const x = r.float(0, 40);
    return { fn: 'chiSquareSurvival', expect: 'valid', repro: { x }, run: () => M.chiSquareSurvival(x, 2), check: (v) => (close(v, Math.exp(-x / 2), 1e-12) ? undefined : wrong('χ²(2) survival = exp(−x/2)', `${v}`)) };
  }
  if (which === 'binom') {
    const n = r.int(0, 25);
    const k = r.int(-1, 26);
    const p = r.float(0, 1);
    let want = 0;
    for (let j = 0; j <= Math.min(k, n); j++) {
      let c = 1;
      for (let i = 0; i < j; i++) c = (c * (n - i)) / (i + 1);
      want += c * p ** j * (1 - p) ** (n - j);
    }
    return { fn: 'binomialCdf', expect: 'valid', repro: { k, n, p }, run: () => M.binomialCdf(k, n, p), check: (v) => (Math.abs(v - want) < 1e-12 ? undefined : wrong('binomial CDF vs sum', `${v} vs ${want}`)) };
  }
  const f = r.float(0, 20);
  const d1 = r.int(1, 12);
  // F(d1, ∞)-free identity: P(F(1, d2) ≥ t²) = P(|T_{d2}| ≥ t).
  const d2 = r.int(1, 30);
  return { fn: 'fSurvival', expect: 'valid', repro: { f, d1, d2 }, run: () => [M.fSurvival(f, 1, d2), M.fSurvival(f, d1, d2)], check: ([a, b]) => (close(a, M.studentTTwoSided(Math.sqrt(f), d2), 1e-10) && b >= 0 && b <= 1 ? undefined : wrong('F(1, d) = t²', `${a} vs ${M.studentTTwoSided(Math.sqrt(f), d2)}`)) };
}

function emax(r, M) {
  const B = r.int(1, 7);
  const v = Array.from({ length: B }, () => Math.round(r.float(0, 1) * 100) / 100);
  const n = r.int(1, B);
  let total = 0, count = 0;
  const rec = (start, chosen) => {
    if (chosen.length === n) { total += Math.max(...chosen.map((i) => v[i])); count++; return; }
    for (let i = start; i < B; i++) rec(i + 1, [...chosen, i]);
  };
  rec(0, []);
  if (r.bool(0.3)) {
    const want = Array.from({ length: B }, (_, i) => M.expectedMaxScore(v, i + 1));
    return { fn: 'expectedMaxCurve', expect: 'valid', repro: { v }, run: () => M.expectedMaxCurve(v), check: (out) => (out.length === B && out.every((u, i) => u === want[i]) && out.every((u, i) => i === 0 || u >= out[i - 1] - 1e-12) && close(out[B - 1], Math.max(...v), 1e-10) ? undefined : wrong('expected-max curve: one value per n, non-decreasing, ends at the max', `${out}`)) };
  }
  return { fn: 'expectedMaxScore', expect: 'valid', repro: { v, n }, run: () => M.expectedMaxScore(v, n), check: (out) => (close(out, total / count, 1e-10) ? undefined : wrong('unbiased expected max vs subsets', `${out} vs ${total / count}`)) };
}

function tests(r, M) {
  if (r.bool(0.5)) {
    const t = [[r.int(0, 50), r.int(0, 50)], [r.int(0, 50), r.int(0, 50)]];
    const corrected = r.bool();
    const b = t[0][1], c = t[1][0];
    const stat = b + c === 0 ? 0 : corrected ? Math.max(Math.abs(b - c) - 1, 0) ** 2 / (b + c) : (b - c) ** 2 / (b + c);
    return { fn: 'mcnemar', expect: 'valid', repro: { t, corrected }, run: () => M.mcnemar(t, { corrected }), check: (o) => (close(o.statistic, stat, 1e-12) && o.pValue >= 0 && o.pValue <= 1 ? undefined : wrong('McNemar χ²', `${o.statistic} vs ${stat}`)) };
  }
  const d = Array.from({ length: 5 }, () => [r.float(-0.1, 0.1), r.float(-0.1, 0.1)]);
  const s2 = d.reduce((s, [a, b]) => s + (a - (a + b) / 2) ** 2 + (b - (a + b) / 2) ** 2, 0);
  const tt = d[0][0] / Math.sqrt(s2 / 5);
  return { fn: 'pairedTTest5x2cv', expect: 'valid', repro: { d }, run: () => [M.pairedTTest5x2cv(d), M.combinedFTest5x2cv(d)], check: ([a, f]) => (close(a.t, tt, 1e-10) && close(f.f, d.flat().reduce((s, v) => s + v * v, 0) / (2 * s2), 1e-10) ? undefined : wrong('5×2cv statistics', `${a.t} vs ${tt}`)) };
}

function boot(r, M) {
  const which = r.pick(['cheap', 'interval', 'weights', 'mean', 'freeLunch', 'multi', '632']);
  const x = Array.from({ length: r.int(2, 12) }, () => r.float(-2, 2));
  const mean = (idx) => idx.reduce((s, i) => s + x[i], 0) / idx.length;
  if (which === 'cheap') {
    const B = r.int(1, 4);
    return { fn: 'cheapBootstrap', expect: 'valid', repro: { x, B }, run: () => M.cheapBootstrap(x.length, mean, { resamples: B, seed: r.int(0, 99) }), check: (o) => {
      const S = Math.sqrt(o.replicates.reduce((s, v) => s + (v - o.estimate) ** 2, 0) / B);
      const t = M.studentTQuantile(0.975, B);
      return close(o.upper, o.estimate + t * S, 1e-10) && close(o.lower, o.estimate - t * S, 1e-10) ? undefined : wrong('cheap bootstrap interval', JSON.stringify(o));
    } };
  }
  if (which === 'interval') {
    const reps = Array.from({ length: r.int(1, 6) }, () => r.float(-2, 2));
    const est = r.float(-2, 2);
    const level = r.pick([0.9, 0.95, 0.99]);
    const S = Math.sqrt(reps.reduce((s, v) => s + (v - est) ** 2, 0) / reps.length);
    return { fn: 'cheapBootstrapInterval', expect: 'valid', repro: { est, reps, level }, run: () => M.cheapBootstrapInterval(est, reps, { level }), check: (o) => {
      const t = M.studentTQuantile(1 - (1 - level) / 2, reps.length);
      return close(o.lower, est - t * S, 1e-10) && close(o.upper, est + t * S, 1e-10) ? undefined : wrong('cheap bootstrap t-interval', JSON.stringify(o));
    } };
  }
  if (which === 'weights') {
    const d = r.pick(['gaussian', 'exponential', 'poisson', 'double-or-nothing']);
    const n = r.int(0, 20);
    return { fn: 'multiplierWeights', expect: 'valid', repro: { d, n }, run: () => M.multiplierWeights(n, { distribution: d, seed: r.int(0, 9) }), check: (w) => (w.length === n && (d === 'gaussian' || w.every((v) => v >= 0)) ? undefined : wrong('multiplier weights', JSON.stringify(w))) };
  }
  if (which === 'mean') return { fn: 'multiplierBootstrapMean', expect: 'valid', repro: { x }, run: () => M.multiplierBootstrapMean(x.map((v) => (v + 2) / 4), { pseudoWeight: 1, distribution: 'exponential', seed: 1 }), check: (v) => (v >= 0 && v <= 1 ? undefined : wrong('MBE mean in bounds', String(v))) };
  if (which === 'freeLunch') return { fn: 'freeLunchBootstrap', expect: 'valid', repro: { x }, run: () => M.freeLunchBootstrap([0], (t, idx) => [t[0] - mean(idx)], () => [[1]], { n: x.length, draws: 30, seed: 2 }), check: (o) => (o.draws.length === 30 ? undefined : wrong('draws', String(o.draws.length))) };
  if (which === 'multi') {
    const y = x.map((v) => (v > 0 ? 1 : 0));
    const runs = [y.map((v) => v), y.map((v, i) => (i % 3 ? v : 1 - v))];
    return { fn: 'multiBootstrap', expect: 'valid', repro: { y }, run: () => M.multiBootstrap(runs, y, (a, b) => a.filter((v, i) => v === b[i]).length / a.length, { intervention: runs.slice().reverse(), resamples: 20, seed: 1 }), check: (o) => (o.delta.p > 0 && o.delta.p <= 1 ? undefined : wrong('p-value range', String(o.delta.p))) };
  }
  const y = x.map((v) => (v > 0 ? 1 : 0));
  const method = r.pick(['.632', '.632+', 'oob']);
  return { fn: 'bootstrap632', expect: 'valid', repro: { y, method }, run: () => M.bootstrap632(y, () => y.map((v, i) => (i === 0 ? 1 - v : v)), { method, splits: 10, seed: 3 }), check: (s) => (s.every((v) => v >= 0 && v <= 1) ? undefined : wrong('accuracies in [0, 1]', JSON.stringify(s))) };
}

function invalid(r, M) {
  const cases = [
    ['f1Score', () => M.f1Score([0, 1], [0, r.pick([-1, 1.5, NaN, 7])], { classes: 3 }), ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT']],
    ['gMean', () => M.gMean([0, 1, 1], [0, 1]), ['SHAPE_MISMATCH']],
    ['rocAuc', () => M.rocAuc(r.pick([[], [[1, 2], [3]], [NaN, 1]]), [0, 1]), ['EMPTY_BATCH', 'SHAPE_MISMATCH', 'NON_FINITE_INPUT', 'RANK_MISMATCH']],
    ['macroAuc', () => M.macroAuc([[1, 2]], [[2, 0]]), ['LABEL_OUT_OF_RANGE']],
    ['multiclassAuc', () => M.multiclassAuc([[1, 2], [2, 1]], [0, 0]), ['INVALID_ARGUMENT']],
    ['macroAucPairwiseLoss', () => M.macroAucPairwiseLoss([[1, Infinity]], [[1, 0]]), ['NON_FINITE_INPUT']],
    ['cheapBootstrap', () => M.cheapBootstrap(r.pick([0, -2, 1.5]), () => 1), ['INVALID_PARAMETER']],
    ['multiplierWeights', () => M.multiplierWeights(3, { sigma: -1 }), ['INVALID_PARAMETER']],
    ['freeLunchBootstrap', () => M.freeLunchBootstrap([0], () => [NaN], () => [[1]], { n: 4 }), ['NON_FINITE_OUTPUT']],
    ['expectedMaxScore', () => M.expectedMaxScore([0.1, 0.2], r.pick([0, 3, 1.5])), ['INVALID_PARAMETER']],
    ['mcnemar', () => M.mcnemar([[1, 2], [3]]), ['SHAPE_MISMATCH']],
    ['combinedFTest5x2cv', () => M.combinedFTest5x2cv([[1, 2], [1, 2], [1, 2], [1, 2], [1, NaN]]), ['NON_FINITE_INPUT']],
    ['multiBootstrap', () => M.multiBootstrap([], [0], () => 1), ['EMPTY_BATCH']],
    ['bootstrap632', () => M.bootstrap632([0, 1], () => [0, 1], { method: 'x' }), ['INVALID_ARGUMENT']],
    ['studentTQuantile', () => M.studentTQuantile(r.pick([0, 1, NaN]), 3), ['INVALID_PARAMETER']],
    ['incompleteBeta', () => M.incompleteBeta(0.5, r.pick([0, -1, NaN, Infinity]), 2), ['INVALID_PARAMETER']],
    ['incompleteBeta', () => M.incompleteBeta(NaN, 1, 2), ['NON_FINITE_INPUT']],
    ['cheapBootstrapInterval', () => M.cheapBootstrapInterval(r.pick([0, NaN]), r.pick([[], [NaN]])), ['EMPTY_BATCH', 'NON_FINITE_INPUT', 'INVALID_PARAMETER']],
    ['expectedMaxCurve', () => M.expectedMaxCurve([0.1, 0.2], { maxN: r.pick([0, 1.5, -1]) }), ['INVALID_PARAMETER']],
    ['multiBootstrap', () => M.multiBootstrap([[0, 1]], [0, 1], () => 1, { pairedSeeds: 'yes' }), ['INVALID_PARAMETER']],
    ['rankByF1ThenGMean', () => M.rankByF1ThenGMean([{ name: 'a', f1: 2, gMean: 0 }]), ['INVALID_ARGUMENT']],
    ['fiveByTwoFolds', () => M.fiveByTwoFolds(1), ['INVALID_PARAMETER']],
    ['mcnemarTable', () => M.mcnemarTable([0, 1], [0], [1, 1]), ['SHAPE_MISMATCH']],
    ['confusionMatrix', () => M.confusionMatrix('ab', [0]), ['INVALID_ARGUMENT']],
  ];
  const [fn, run, codes] = r.pick(cases);
  return { fn, expect: 'invalid', codes, repro: { call: fn }, run };
}
