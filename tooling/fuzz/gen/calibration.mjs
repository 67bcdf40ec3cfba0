// @losskit/calibration: the metrics (ECE/MCE/class-wise/top-label, KS, Brier, NLL, accuracy) against float64
// references written from their definitions (any finite logits, ties and ±1e30 included), calibrators (fit,
// transform, save/load round trip, temperature scaling's optimality), conformal sets and coverage, reliability
// diagrams and bootstrap intervals, and bad input (NaN, labels, shapes, bins, options, corrupted JSON).
import * as tf from '@tensorflow/tfjs-core';
import { poke } from '../lib/rand.mjs';
import * as ref from '../lib/ref.mjs';

export function generate(r, lib) {
  const kind = r.weighted({ metric: 45, calibrator: 25, conformal: 12, misc: 8, invalid: 10, extra: 14, regression: 12, streaming: 6, penalty: 6, lsboost: 10 });
  if (kind === 'lsboost') return lsboostCase(r, lib);
  if (kind === 'extra') return extraMetricCase(r, lib);
  if (kind === 'regression') return regressionCase(r, lib);
  if (kind === 'streaming') return streamingCase(r, lib);
  if (kind === 'penalty') return penaltyCase(r, lib);
  if (kind === 'metric') return metricCase(r, lib);
  if (kind === 'calibrator') return calibratorCase(r, lib);
  if (kind === 'conformal') return conformalCase(r, lib);
  if (kind === 'misc') return miscCase(r, lib);
  return invalidCase(r, lib);
}

/** Predictions `[N, C]` (logits of any finite magnitude, or probability rows) and labels. */
function data(r, { from, N, C } = {}) {
  const n = N ?? r.int(1, 30);
  const c = C ?? r.classes({ min: 1, max: 8 });
  const vm = r.valueMode();
  const logits = r.matrix(n, c, vm.mode, vm.scale);
  const probs = from === 'probs' ? r.probs(n, c) : undefined;
  return { n, c, preds: probs ?? logits, labels: r.labels(n, c), mode: from === 'probs' ? 'probs' : `${vm.mode}×${vm.scale}` };
}

const probsOf = (preds, from) => (from === 'probs' ? preds : preds.map(ref.softmax));

/** Bin of a confidence among M equal-width bins (m/M, (m+1)/M], 0 → first, 1 → last. */
function widthBin(x, M) {
  for (let m = 0; m < M; m++) if (x <= (m + 1) / M) return m;
  return M - 1;
}

/** Binned |acc − conf| aggregated by norm, from (confidence, outcome) pairs. */
function binnedError(conf, out, M, strategy, norm) {
  const n = conf.length;
  const bins = Array.from({ length: M }, () => ({ n: 0, c: 0, o: 0 }));
  if (strategy === 'width') {
    conf.forEach((x, i) => {
      const b = bins[widthBin(x, M)];
      b.n++;
      b.c += x;
      b.o += out[i];
    });
  } else {
    const order = conf.map((_, i) => i).sort((a, b) => conf[a] - conf[b] || a - b);
    for (let m = 0; m < M; m++) {
      for (let k = Math.floor((m * n) / M); k < Math.floor(((m + 1) * n) / M); k++) {
        const i = order[k];
        bins[m].n++;
        bins[m].c += conf[i];
        bins[m].o += out[i];
      }
    }
  }
  let acc = 0;
  for (const b of bins) {
    if (b.n === 0) continue;
    const gap = Math.abs(b.o / b.n - b.c / b.n);
    if (norm === 'l1') acc += (b.n / n) * gap;
    else if (norm === 'l2') acc += (b.n / n) * gap * gap;
    else acc = Math.max(acc, gap);
  }
  return norm === 'l2' ? Math.sqrt(acc) : acc;
}

const argmax = (row) => row.reduce((best, v, j) => (v > row[best] ? j : best), 0);

/** Values this close to a bin edge (or to each other, for equal-mass bins) can fall either way in float64. */
function edgeSensitive(values, M, strategy) {
  if (strategy === 'width') return values.some((x) => Array.from({ length: M + 1 }, (_, m) => m / M).some((e) => Math.abs(x - e) < 1e-9 && Math.abs(x - e) > 0));
  const s = [...values].sort((a, b) => a - b);
  return s.some((v, i) => i > 0 && v !== s[i - 1] && Math.abs(v - s[i - 1]) < 1e-9);
}

const METRICS = {
  ece: (P, y, o) => {
    const conf = P.map((row) => Math.max(...row));
    return { value: binnedError(conf, P.map((row, i) => (argmax(row) === y[i] ? 1 : 0)), o.bins, o.strategy, o.norm), sensitive: edgeSensitive(conf, o.bins, o.strategy) };
  },
  mce: (P, y, o) => METRICS.ece(P, y, { ...o, norm: 'max' }),
  classwiseEce: (P, y, o) => {
    const C = P[0].length;
    let s = 0;
    let sensitive = false;
    for (let c = 0; c < C; c++) {
      const conf = P.map((row) => row[c]);
      sensitive ||= edgeSensitive(conf, o.bins, o.strategy);
      s += binnedError(conf, y.map((v) => (v === c ? 1 : 0)), o.bins, o.strategy, o.norm);
    }
    return { value: s / C, sensitive };
  },
  topLabelEce: (P, y, o) => {
    const n = P.length;
    let total = 0;
    let sensitive = false;
    for (let l = 0; l < P[0].length; l++) {
      const idx = P.map((_row, i) => i).filter((i) => argmax(P[i]) === l);
      if (idx.length === 0) continue;
      const conf = idx.map((i) => Math.max(...P[i]));
      sensitive ||= edgeSensitive(conf, o.bins, o.strategy);
      total += (idx.length / n) * binnedError(conf, idx.map((i) => (y[i] === l ? 1 : 0)), o.bins, o.strategy, o.norm);
    }
    return { value: total, sensitive };
  },
  ksCalibrationError: (P, y) => {
    const n = P.length;
    const conf = P.map((row) => Math.max(...row));
    const acc = P.map((row, i) => (argmax(row) === y[i] ? 1 : 0));
    const order = conf.map((_, i) => i).sort((a, b) => conf[a] - conf[b]);
    let cc = 0;
    let ca = 0;
    let ks = 0;
    order.forEach((i, k) => {
      cc += conf[i];
      ca += acc[i];
      const next = order[k + 1];
      if (next === undefined || conf[next] !== conf[i]) ks = Math.max(ks, Math.abs(cc - ca) / n);
    });
    return { value: ks, sensitive: P.some((row) => row.filter((v) => v === Math.max(...row)).length > 1) };
  },
  brierScore: (P, y) => ({ value: P.reduce((s, row, i) => s + row.reduce((t, p, c) => t + (p - (y[i] === c ? 1 : 0)) ** 2, 0), 0) / P.length }),
  accuracy: (P, y, _o, raw) => ({ value: (raw ?? P).reduce((s, row, i) => s + (argmax(row) === y[i] ? 1 : 0), 0) / P.length }),
};

function metricCase(r, lib) {
  const K = lib.calibration;
  const name = r.pick([...Object.keys(METRICS), 'nll']);
  const from = r.bool(0.75) ? 'logits' : 'probs';
  const d = data(r, { from });
  const o = { ...(from === 'probs' || r.bool(0.2) ? { from } : {}) };
  const binned = ['ece', 'mce', 'classwiseEce', 'topLabelEce'].includes(name);
  if (binned) {
    o.bins = r.pick([1, 2, 5, 10, 15]);
    if (r.bool(0.4)) o.strategy = r.pick(['width', 'mass']);
    if (r.bool(0.4) && name !== 'mce') o.norm = r.pick(['l1', 'l2', 'max']);
  }
  if (name === 'nll' && from === 'probs' && r.bool(0.3)) o.epsilon = r.pick([1e-12, 1e-3]);
  const tooFewSamples = binned && (o.bins ?? 15) > d.n;
  const asTensor = r.bool(0.3);
  // A float32 tensor holds the float32 rounding of each value: the reference reads the same numbers.
  const seen = asTensor ? d.preds.map((row) => row.map((v) => Math.fround(v))) : d.preds;
  const P = probsOf(seen, from);
  let want;
  let sensitive = false;
  if (!tooFewSamples) {
    if (name === 'nll') {
      want = seen.reduce((s, row, i) => s + (from === 'logits' ? -ref.logSoftmax(row)[d.labels[i]] : -Math.log(Math.max(row[d.labels[i]], o.epsilon ?? 1e-12))), 0) / d.n;
    } else {
      const res = METRICS[name](P, d.labels, { bins: o.bins ?? 15, strategy: o.strategy ?? 'width', norm: o.norm ?? 'l1' }, from === 'logits' ? seen : undefined);
      want = res.value;
      sensitive = res.sensitive;
    }
  }
  return {
    fn: name,
    expect: tooFewSamples ? 'invalid' : 'valid',
    why: `bins ${o.bins} > N = ${d.n}`,
    codes: ['INVALID_ARGUMENT', 'INVALID_PARAMETER'],
    repro: { call: `${name}(predictions, labels, options)`, predictions: d.preds, labels: d.labels, options: o, ...(asTensor ? { asTensors: true } : {}) },
    prepare: () => (asTensor ? { p: tf.tensor2d(d.preds, [d.n, d.c]), y: tf.tensor1d(d.labels, 'int32') } : { p: d.preds, y: d.labels }),
    run: ({ p, y }) => K[name](p, y, o),
    check: (got) => {
      if (want === undefined || sensitive) return undefined;
      const m = ref.closeTo(got, want, { rtol: 1e-9, atol: 1e-12 });
      const range = ['brierScore'].includes(name) ? [0, 2] : name === 'nll' ? [0, Infinity] : [0, 1];
      if (!(got >= range[0] - 1e-12 && got <= range[1] + 1e-12)) return { category: 'wrong value', kind: `${name} outside its range`, message: `${name} = ${got}, outside [${range}] (float64 reference ${want}; inputs ${d.mode})` };
      return m ? { category: 'wrong value', kind: `${name} vs float64 reference`, message: `${name}(${JSON.stringify(o)}), inputs ${d.mode}: ${m}` } : undefined;
    },
  };
}

// ── calibrators ──────────────────────────────────────────────────────────────

function calibratorCase(r, lib) {
  const K = lib.calibration;
  const name = r.pick(['TemperatureScaling', 'VectorScaling', 'MatrixScaling', 'PlattScaling', 'HistogramBinning', 'IsotonicRegression', 'CorrectnessAwareCalibrator', 'BetaCalibration', 'BBQ', 'NearIsotonicRegression', 'ENIR', 'DirichletCalibration', 'LegendreTron']);
  const from = name === 'CorrectnessAwareCalibrator' || r.bool(0.7) ? 'logits' : 'probs';
  const C = name === 'PlattScaling' ? r.pick([1, 2]) : r.classes({ min: 1, max: 5 });
  const d = data(r, { from: name === 'PlattScaling' && C === 1 ? 'logits' : from, C, N: r.int(2, 30) });
  if (name === 'PlattScaling') d.labels = d.labels.map((y) => (C === 1 ? (r.bool() ? 1 : 0) : y));
  const test = data(r, { from: name === 'PlattScaling' && C === 1 ? 'logits' : from, C, N: r.int(1, 5) }).preds;
  const o = { ...(from === 'probs' && !(name === 'PlattScaling' && C === 1) ? { from } : {}) };
  if (name === 'HistogramBinning') o.bins = r.pick([1, 2, 5, 15]);
  if (name === 'TemperatureScaling' && r.bool(0.3)) o.initialTemperature = r.pick([0.5, 1.5, 10]);
  if ((name === 'VectorScaling' || name === 'MatrixScaling' || name === 'DirichletCalibration') && r.bool(0.3)) o.interceptPenalty = r.pick([0, 0.01, 1]);
  if (name === 'NearIsotonicRegression' && r.bool(0.5)) o.lambda = r.pick([0, 0.5, 5, 1e9]);
  if (name === 'CorrectnessAwareCalibrator') Object.assign(o, { epochs: r.int(1, 5), hidden: r.pick([2, 5]), batchSize: r.pick([4, 1000]), seed: 1 });
  if (name === 'LegendreTron') Object.assign(o, { epochs: r.int(1, 3), hidden: r.pick([2, 4]), depth: r.int(1, 3), blocks: r.int(1, 2), batchSize: r.pick([4, 256]), seed: 1 });
  const tooFew = name === 'HistogramBinning' && o.bins > d.n;
  const moderate = d.mode.startsWith('normal') || d.mode.startsWith('ties') || d.mode === 'probs';
  return {
    fn: `${name}.fit/transform/save/load`,
    // One class (C = 1, except Platt's single score column): a typed error or a value, never NaN.
    expect: tooFew ? 'invalid' : moderate && (C >= 2 || name === 'PlattScaling') ? 'valid' : 'any',
    why: `bins ${o.bins} > N ${d.n}`,
    finite: true,
    timeoutMs: name === 'CorrectnessAwareCalibrator' || name === 'LegendreTron' ? 8000 : undefined,
    repro: { call: `cal = ${name}.fit(predictions, labels, options); cal.transform(test); loadCalibrator(cal.save()).transform(test)`, predictions: d.preds, labels: d.labels, options: o, test },
    run: async () => {
      const cal = await K[name].fit(d.preds, d.labels, o);
      const out = cal.transform(test);
      const again = K.loadCalibrator(cal.save()).transform(test);
      return { out, again, temperature: cal.temperature, diagnostics: cal.diagnostics };
    },
    check: ({ out, again, temperature }) => {
      for (const [i, row] of out.entries()) {
        const s = row.reduce((a, b) => a + b, 0);
        if (row.some((p) => p < -1e-12 || p > 1 + 1e-12) || Math.abs(s - 1) > 1e-6) return { category: 'wrong value', kind: `${name}.transform rows are not distributions`, message: `row ${i} = [${row.join(', ')}] sums to ${s}` };
      }
      const diff = out.flat().findIndex((v, i) => Math.abs(v - again.flat()[i]) > 1e-12 * Math.max(1, Math.abs(v)));
      if (diff >= 0) return { category: 'wrong value', kind: `${name} save/load round trip changes transform`, message: `output ${diff}: ${out.flat()[diff]} before, ${again.flat()[diff]} after loadCalibrator(save())` };
      if (name === 'TemperatureScaling' && moderate && temperature > 1.001e-4 && temperature < 0.999e4) {
        // Temperature scaling minimises the NLL of softmax(z / T): no nearby T does better.
        const Z = from === 'logits' ? d.preds : d.preds.map((row) => row.map((p) => Math.log(Math.max(p, 1e-300))));
        const nllAt = (T) => Z.reduce((s, row, i) => s - ref.logSoftmax(row.map((z) => z / T))[d.labels[i]], 0) / d.n;
        const best = nllAt(temperature);
        for (const f of [0.98, 1.02]) {
          const other = nllAt(temperature * f);
          if (other < best - 1e-7 * Math.max(1, Math.abs(best))) return { category: 'wrong value', kind: 'TemperatureScaling.fit is not at the NLL minimum', message: `T = ${temperature}: NLL ${best}, but T·${f} gives ${other}` };
        }
      }
      return undefined;
    },
  };
}

// ── conformal prediction ─────────────────────────────────────────────────────

function conformalCase(r, lib) {
  const K = lib.calibration;
  const kind = r.pick(['split', 'bayes', 'quantile', 'coverage']);
  if (kind === 'quantile') {
    const n = r.int(0, 8);
    const scores = Array.from({ length: n }, () => Math.fround(r.float()));
    const alpha = r.pick([0.1, 0.5, 0.01, 0.99, 0, 1, NaN]);
    const valid = alpha > 0 && alpha < 1 && n > 0;
    const k = Math.ceil((n + 1) * (1 - alpha));
    const want = k > n ? Infinity : [...scores].sort((a, b) => a - b)[k - 1];
    return {
      fn: 'conformalQuantile',
      expect: valid ? 'valid' : alpha > 0 && alpha < 1 ? 'any' : 'invalid',
      why: `alpha ${alpha}`,
      finite: false,
      repro: { call: 'conformalQuantile(scores, alpha)', scores, alpha },
      run: () => K.conformalQuantile(scores, alpha),
      check: (got) => (valid && got !== want ? { category: 'wrong value', kind: 'conformalQuantile vs definition', message: `expected the ${k}-th smallest = ${want}, got ${got}` } : undefined),
    };
  }
  if (kind === 'coverage') {
    const n = r.int(1, 6);
    const sets = Array.from({ length: n }, () => [0, 1, 2].filter(() => r.bool()));
    const labels = Array.from({ length: n }, () => r.int(0, 2));
    const want = sets.filter((s, i) => s.includes(labels[i])).length / n;
    const size = sets.reduce((a, s) => a + s.length, 0) / n;
    return {
      fn: 'coverage/meanSetSize',
      expect: 'valid',
      repro: { call: 'coverage(sets, labels), meanSetSize(sets)', sets, labels },
      run: () => [K.coverage(sets, labels), K.meanSetSize(sets)],
      check: ([c, m]) => (c !== want || Math.abs(m - size) > 1e-12 ? { category: 'wrong value', kind: 'coverage/meanSetSize vs definition', message: `coverage ${c} (want ${want}), size ${m} (want ${size})` } : undefined),
    };
  }
  const from = r.bool(0.7) ? 'logits' : 'probs';
  const d = data(r, { from, N: r.int(1, 25) });
  const test = data(r, { from, C: d.c, N: r.int(1, 5) }).preds;
  const o = { ...(from === 'probs' ? { from } : {}), alpha: r.pick([0.1, 0.2, 0.5]), score: r.pick(['lac', 'aps']), ...(r.bool(0.3) ? { randomized: false } : {}), seed: 3 };
  if (kind === 'bayes') Object.assign(o, { draws: r.pick([10, 100]), credibility: r.pick([0.5, 0.9]) });
  const Cls = kind === 'split' ? 'SplitConformal' : 'BayesianConformal';
  return {
    fn: `${Cls}.fit/predict`,
    expect: 'valid',
    repro: { call: `${Cls}.fit(predictions, labels, options).predict(test)`, predictions: d.preds, labels: d.labels, options: o, test },
    run: () => K[Cls].fit(d.preds, d.labels, o).predict(test),
    check: (sets) => {
      const bad = sets.findIndex((s) => s.some((j) => !Number.isInteger(j) || j < 0 || j >= d.c) || new Set(s).size !== s.length);
      return bad >= 0 ? { category: 'wrong value', kind: `${Cls} sets hold invalid classes`, message: `set ${bad} = ${JSON.stringify(sets[bad])} for C = ${d.c}` } : undefined;
    },
  };
}

// ── reliability, bootstrap, correctnessAwareLoss ─────────────────────────────

function miscCase(r, lib) {
  const K = lib.calibration;
  const kind = r.pick(['reliability', 'bootstrap', 'caLoss']);
  const d = data(r, { N: r.int(2, 20) });
  if (kind === 'reliability') {
    const o = { bins: r.pick([1, 5, 10]), ...(r.bool(0.4) ? { strategy: 'mass' } : {}) };
    const tooFew = o.bins > d.n;
    return {
      fn: 'reliabilityDiagram + renderReliabilitySvg',
      expect: tooFew ? 'invalid' : 'valid',
      why: 'bins > N',
      finite: false,
      repro: { call: 'renderReliabilitySvg(reliabilityDiagram(predictions, labels, options))', predictions: d.preds, labels: d.labels, options: o },
      run: () => {
        const data2 = K.reliabilityDiagram(d.preds, d.labels, o);
        const svg = K.renderReliabilitySvg(data2);
        return { svg, ece: data2.ece };
      },
      check: ({ svg }) => (typeof svg === 'string' && svg.startsWith('<svg') && !/NaN|Infinity|undefined/.test(svg) ? undefined : { category: 'wrong value', kind: 'renderReliabilitySvg output', message: `svg contains NaN/Infinity/undefined or is not an svg: ${String(svg).slice(0, 120)}` }),
    };
  }
  if (kind === 'bootstrap') {
    const o = { resamples: r.pick([5, 20]), level: r.pick([0.9, 0.5]), seed: 2 };
    return {
      fn: 'bootstrapCi(ece)',
      expect: d.n >= 2 ? 'valid' : 'any',
      timeoutMs: 8000,
      repro: { call: 'bootstrapCi(ece, predictions, labels, { bins: 2 }, options)', predictions: d.preds, labels: d.labels, options: o },
      run: () => K.bootstrapCi(K.ece, d.preds, d.labels, { bins: Math.min(2, d.n) }, o),
      check: (iv) => (iv.lower <= iv.upper ? undefined : { category: 'wrong value', kind: 'bootstrap interval reversed', message: JSON.stringify(iv) }),
    };
  }
  const T = Array.from({ length: d.n }, () => Math.fround(r.pick([0.5, 1, 2, 0, -1])));
  const valid = T.every((t) => t > 0);
  return {
    fn: 'correctnessAwareLoss',
    expect: valid ? 'valid' : 'invalid',
    why: 'temperatures must be > 0',
    codes: ['INVALID_ARGUMENT', 'INVALID_PARAMETER'],
    repro: { call: 'correctnessAwareLoss(tensor2d(logits), labels, tensor1d(temperatures))', logits: d.preds, labels: d.labels, temperatures: T },
    prepare: () => ({ z: tf.tensor2d(d.preds, [d.n, d.c]), t: tf.tensor1d(T) }),
    run: ({ z, t }) => K.correctnessAwareLoss(z, d.labels, t),
  };
}

// ── bad input ────────────────────────────────────────────────────────────────

function invalidCase(r, lib) {
  const K = lib.calibration;
  const d = data(r, { N: r.int(2, 12) });
  const target = r.pick(['ece', 'brierScore', 'nll', 'ksCalibrationError', 'accuracy', 'TemperatureScaling', 'HistogramBinning', 'SplitConformal', 'reliabilityDiagram', 'loadCalibrator']);
  const bad = r.pick(['nan', 'label', 'rank3', 'rank1', 'ragged', 'labelsLength', 'empty', 'probs', 'bins', 'option', 'json']);
  let preds = d.preds;
  let labels = d.labels;
  const o = {};
  let why;
  let codes;
  switch (bad) {
    case 'nan':
      preds = poke(preds, [r.int(0, d.n - 1), r.int(0, d.c - 1)], r.nonFinite());
      [why, codes] = ['non-finite prediction', ['NON_FINITE_INPUT']];
      break;
    case 'label':
      labels = poke(labels, [r.int(0, d.n - 1)], r.badLabel(d.c));
      [why, codes] = ['bad label', ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT']];
      break;
    case 'rank3':
      preds = [preds];
      [why, codes] = ['predictions of rank 3', ['RANK_MISMATCH', 'SHAPE_MISMATCH']];
      break;
    case 'rank1':
      preds = preds.map((row) => row[0]);
      [why, codes] = ['predictions of rank 1', ['RANK_MISMATCH']];
      break;
    case 'ragged':
      preds = preds.map((row, i) => (i === 0 ? [...row, 0] : row));
      [why, codes] = ['ragged rows', ['SHAPE_MISMATCH']];
      break;
    case 'labelsLength':
      labels = [...labels, 0];
      [why, codes] = ['one label too many', ['SHAPE_MISMATCH']];
      break;
    case 'empty':
      preds = [];
      labels = [];
      [why, codes] = ['no samples', ['EMPTY_BATCH']];
      break;
    case 'probs':
      o.from = 'probs';
      preds = r.probs(d.n, d.c).map((row, i) => (i === 0 ? row.map((p) => p * 1.5) : row));
      [why, codes] = ["from: 'probs' with a row summing to 1.5", ['INVALID_ARGUMENT']];
      break;
    case 'bins':
      o.bins = r.pick([0, -1, 1.5, NaN, d.n + 1]);
      [why, codes] = [`bins ${o.bins}`, ['INVALID_PARAMETER', 'INVALID_ARGUMENT']];
      break;
    case 'option':
      Object.assign(o, r.pick([{ from: 'logit' }, { strategy: 'quantile' }, { norm: 'l3' }, { alpha: r.pick([0, 1, NaN]) }, { epsilon: r.pick([0, -1, NaN]) }, { initialTemperature: r.pick([0, -1, NaN]) }]));
      [why, codes] = [`option ${JSON.stringify(o)}`, ['INVALID_ARGUMENT', 'INVALID_PARAMETER']];
      break;
    default:
      [why, codes] = ['corrupted calibrator JSON', ['INVALID_ARGUMENT']];
  }
  // An option a function does not read is not invalid input for it.
  const reads = {
    ece: ['from', 'bins', 'strategy', 'norm'], brierScore: ['from'], nll: ['from', 'epsilon'], ksCalibrationError: ['from'], accuracy: ['from'], TemperatureScaling: ['from', 'initialTemperature'],
    HistogramBinning: ['from', 'bins'], SplitConformal: ['from', 'alpha'], reliabilityDiagram: ['from', 'bins', 'strategy'], loadCalibrator: [],
  }[target];
  const ignoredOption = (bad === 'option' || bad === 'bins') && !Object.keys(o).every((k) => reads.includes(k));
  const json = r.pick(['{}', 'not json', '{"format":"losskit-calibrator","version":1,"kind":"temperature","from":"logits","classes":2,"state":{"temperature":-1}}', '{"format":"losskit-calibrator","version":2}', 'null', '{"format":"losskit-calibrator","version":1,"kind":"isotonic","from":"logits","classes":2,"state":{}}']);
  const run = () => {
    if (target === 'loadCalibrator' || bad === 'json') return K.loadCalibrator(json);
    if (['TemperatureScaling', 'HistogramBinning', 'SplitConformal'].includes(target)) return K[target].fit(preds, labels, o);
    return K[target](preds, labels, o);
  };
  return {
    fn: `${bad === 'json' || target === 'loadCalibrator' ? 'loadCalibrator' : target} with ${bad === 'json' || target === 'loadCalibrator' ? 'corrupted JSON' : bad}`,
    expect: ignoredOption ? 'any' : 'invalid',
    why: target === 'loadCalibrator' ? 'corrupted calibrator JSON' : why,
    codes: target === 'loadCalibrator' || bad === 'json' ? ['INVALID_ARGUMENT'] : codes,
    finite: false,
    repro: target === 'loadCalibrator' || bad === 'json' ? { call: 'loadCalibrator(json)', json } : { call: `${target}${['TemperatureScaling', 'HistogramBinning', 'SplitConformal'].includes(target) ? '.fit' : ''}(predictions, labels, options)`, predictions: preds, labels, options: o },
    run,
  };
}


// ── ACE, MMCE, DCA (issue #21) ───────────────────────────────────────────────

/** Nixon et al.'s ACE in float64: per class (or top label) sort by (p, index), R equal-count ranges, mean |acc − conf|. */
function aceRef(P, y, R, scope, threshold) {
  const groups = scope === 'top-label'
    ? [P.map((row, i) => ({ p: Math.max(...row), hit: argmax(row) === y[i] ? 1 : 0, i }))]
    : P[0].map((_, k) => P.map((row, i) => ({ p: row[k], hit: y[i] === k ? 1 : 0, i })).filter((t) => threshold === 0 || t.p > threshold));
  let total = 0;
  let K = 0;
  let sensitive = false;
  for (const items of groups) {
    if (items.length === 0) continue;
    items.sort((a, b) => a.p - b.p || a.i - b.i);
    sensitive ||= items.some((t, j) => j > 0 && t.p !== items[j - 1].p && Math.abs(t.p - items[j - 1].p) < 1e-9);
    const r = Math.min(R, items.length);
    let s = 0;
    for (let m = 0; m < r; m++) {
      const part = items.slice(Math.floor((m * items.length) / r), Math.floor(((m + 1) * items.length) / r));
      s += Math.abs(part.reduce((a, t) => a + t.hit, 0) / part.length - part.reduce((a, t) => a + t.p, 0) / part.length);
    }
    total += s / r;
    K++;
  }
  return { value: K ? total / K : 0, sensitive };
}

function mmceRef(P, y, weighted, width) {
  const r = P.map((row) => Math.max(...row));
  const c = P.map((row, i) => (argmax(row) === y[i] ? 1 : 0));
  const k = (a, b) => Math.exp(-Math.abs(a - b) / width);
  const n = r.length;
  if (!weighted) {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += (c[i] - r[i]) * (c[j] - r[j]) * k(r[i], r[j]);
    return Math.sqrt(Math.max(s / (n * n), 0));
  }
  const C = r.map((_, i) => i).filter((i) => c[i] === 1);
  const W = r.map((_, i) => i).filter((i) => c[i] === 0);
  let pc = 0;
  let pw = 0;
  let pm = 0;
  for (const i of C) for (const j of C) pc += (1 - r[i]) * (1 - r[j]) * k(r[i], r[j]);
  for (const i of W) for (const j of W) pw += r[i] * r[j] * k(r[i], r[j]);
  for (const i of C) for (const j of W) pm += (1 - r[i]) * r[j] * k(r[i], r[j]);
  return Math.sqrt(Math.max((C.length ? pc / C.length ** 2 : 0) + (W.length ? pw / W.length ** 2 : 0) - (C.length && W.length ? (2 * pm) / (C.length * W.length) : 0), 0));
}

function extraMetricCase(r, lib) {
  const K = lib.calibration;
  const name = r.pick(['ace', 'mmce', 'dca']);
  const from = r.bool(0.75) ? 'logits' : 'probs';
  const d = data(r, { from, N: r.int(1, 25) });
  const o = { ...(from === 'probs' || r.bool(0.2) ? { from } : {}) };
  if (name === 'ace') {
    o.bins = r.pick([1, 2, 5, 15]);
    if (r.bool(0.3)) o.scope = r.pick(['classwise', 'top-label']);
    if (r.bool(0.3) && o.scope !== 'top-label') o.threshold = r.pick([0, 1e-3, 0.2]);
  }
  if (name === 'mmce') {
    if (r.bool(0.5)) o.weighted = r.bool();
    if (r.bool(0.3)) o.width = r.pick([0.1, 0.4, 2]);
  }
  const tooFew = name === 'ace' && o.bins > d.n;
  const P = probsOf(d.preds, from);
  let want;
  let sensitive = false;
  if (!tooFew) {
    if (name === 'ace') ({ value: want, sensitive } = aceRef(P, d.labels, o.bins, o.scope ?? 'classwise', o.threshold ?? 0));
    else if (name === 'mmce') want = mmceRef(P, d.labels, o.weighted ?? false, o.width ?? 0.4);
    else want = Math.abs(P.reduce((s, row, i) => s + (argmax(row) === d.labels[i] ? 1 : 0) - Math.max(...row), 0) / d.n);
    sensitive ||= P.some((row) => row.filter((v) => v === Math.max(...row)).length > 1 && name !== 'ace');
  }
  return {
    fn: name,
    expect: tooFew ? 'invalid' : 'valid',
    why: `bins ${o.bins} > N = ${d.n}`,
    codes: ['INVALID_ARGUMENT'],
    repro: { call: `${name}(predictions, labels, options)`, predictions: d.preds, labels: d.labels, options: o },
    run: () => K[name](d.preds, d.labels, o),
    check: (got) => {
      if (want === undefined || sensitive) return undefined;
      const m = ref.closeTo(got, want, { rtol: 1e-9, atol: 1e-12 });
      return m ? { category: 'wrong value', kind: `${name} vs float64 reference`, message: `${name}(${JSON.stringify(o)}), inputs ${d.mode}: ${m}` } : undefined;
    },
  };
}

// ── regression calibration ───────────────────────────────────────────────────

function regressionData(r, n) {
  const scale = r.pick([1, 1e-3, 1e6]);
  const mean = Array.from({ length: n }, () => scale * (r.float() * 4 - 2));
  const std = Array.from({ length: n }, () => scale * (0.05 + r.float() * 2));
  const y = mean.map((m, i) => m + std[i] * (r.float() * 6 - 3));
  return { mean, std, y, scale };
}

const Z = { 0.5: 0.6744897501960817, 0.9: 1.6448536269514722, 0.95: 1.959963984540054 };

function regBins(v, M) {
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return v.map((x) => {
    if (!(hi > lo)) return 0;
    for (let m = 0; m < M; m++) if (x < (m + 1 === M ? Infinity : lo + ((m + 1) * (hi - lo)) / M)) return m;
    return M - 1;
  });
}

function regressionCase(r, lib) {
  const K = lib.calibration;
  const name = r.pick(['uce', 'ence', 'picp', 'qce', 'gaussianNll', 'VarianceScaling', 'IsotonicQuantileRecalibration', 'invalid']);
  const n = r.int(1, 30);
  const d = regressionData(r, n);
  const pred = { mean: d.mean, std: d.std };
  if (name === 'invalid') {
    const bad = r.pick(['std0', 'nan', 'length', 'bins', 'q']);
    const p2 = { mean: [...d.mean], std: [...d.std] };
    let o = {};
    let y = d.y;
    if (bad === 'std0') p2.std[r.int(0, n - 1)] = r.pick([0, -1]);
    if (bad === 'nan') y = d.y.map((v, i) => (i === 0 ? NaN : v));
    if (bad === 'length') y = [...d.y, 1];
    if (bad === 'bins') o = { bins: r.pick([0, 1.5, -2]) };
    if (bad === 'q') o = { q: r.pick([0, 1, 2, [], NaN]) };
    const fn = bad === 'q' ? 'picp' : r.pick(['uce', 'ence', 'qce']);
    return { fn, expect: 'invalid', why: bad, repro: { call: `${fn}(predictions, targets, options)`, predictions: p2, targets: y, options: o }, run: () => K[fn](p2, y, o), check: () => undefined };
  }
  if (name === 'VarianceScaling' || name === 'IsotonicQuantileRecalibration') {
    return {
      fn: `${name}.fit/transform/save/load`,
      expect: 'any',
      finite: true,
      repro: { call: `${name}.fit(predictions, targets)`, predictions: pred, targets: d.y },
      run: () => {
        const cal = K[name].fit(pred, d.y);
        const again = K[name].load(cal.save());
        return name === 'VarianceScaling' ? [cal.transform(pred).std, again.transform(pred).std] : [cal.quantiles(pred, [0.1, 0.5, 0.9]).flat(), again.quantiles(pred, [0.1, 0.5, 0.9]).flat()];
      },
      check: ([a, b]) => {
        const m = ref.allClose(a, b, { rtol: 1e-12, atol: 0 });
        if (m) return { category: 'wrong value', kind: `${name} save/load round trip`, message: m };
        if (name === 'IsotonicQuantileRecalibration') {
          for (let i = 0; i < a.length; i += 3) if (!(a[i] <= a[i + 1] && a[i + 1] <= a[i + 2])) return { category: 'wrong value', kind: 'recalibrated quantiles not ordered', message: `${a.slice(i, i + 3)}` };
        }
        return undefined;
      },
    };
  }
  const o = {};
  if (['uce', 'ence'].includes(name) || (name === 'qce' && r.bool(0.5))) o.bins = r.pick([1, 3, 10]);
  if (name === 'picp' || name === 'qce') o.q = r.pick([0.5, 0.9, 0.95, [0.5, 0.95]]);
  if (name === 'qce' && r.bool(0.5)) o.marginal = false;
  const M = o.bins ?? 10;
  const levels = typeof o.q === 'number' ? [o.q] : o.q;
  const inside = (q, i) => Math.abs(d.y[i] - d.mean[i]) <= Z[q] * d.std[i];
  let want;
  if (name === 'gaussianNll') want = d.y.reduce((s, v, i) => s + 0.5 * Math.log(2 * Math.PI) + Math.log(d.std[i]) + 0.5 * ((v - d.mean[i]) / d.std[i]) ** 2, 0) / n;
  else if (name === 'uce') {
    const v = d.std.map((s) => s * s);
    const b = regBins(v, M);
    want = 0;
    for (let m = 0; m < M; m++) {
      const idx = b.map((k, i) => (k === m ? i : -1)).filter((i) => i >= 0);
      if (idx.length) want += (idx.length / n) * Math.abs(idx.reduce((s, i) => s + (d.y[i] - d.mean[i]) ** 2, 0) / idx.length - idx.reduce((s, i) => s + v[i], 0) / idx.length);
    }
  } else if (name === 'ence') {
    const b = regBins(d.std, M);
    let s = 0;
    let k = 0;
    for (let m = 0; m < M; m++) {
      const idx = b.map((q, i) => (q === m ? i : -1)).filter((i) => i >= 0);
      if (!idx.length) continue;
      const rmv = Math.sqrt(idx.reduce((a, i) => a + d.std[i] ** 2, 0) / idx.length);
      s += Math.abs(rmv - Math.sqrt(idx.reduce((a, i) => a + (d.y[i] - d.mean[i]) ** 2, 0) / idx.length)) / rmv;
      k++;
    }
    want = s / k;
  } else if (name === 'picp') {
    want = levels.reduce((s, q) => s + d.y.filter((_, i) => inside(q, i)).length / n, 0) / levels.length;
  } else {
    const b = o.marginal === false ? regBins(d.std, M) : d.y.map(() => 0);
    let t = 0;
    for (const q of levels) {
      for (let m = 0; m < (o.marginal === false ? M : 1); m++) {
        const idx = b.map((k, i) => (k === m ? i : -1)).filter((i) => i >= 0);
        if (idx.length) t += (idx.length / n) * Math.abs(idx.filter((i) => inside(q, i)).length / idx.length - q);
      }
    }
    want = t / levels.length;
  }
  // A residual within rounding of an interval bound, or a value on a bin edge, can fall either way.
  const edgy = levels?.some((q) => d.y.some((v, i) => Math.abs(Math.abs(v - d.mean[i]) - Z[q] * d.std[i]) < 1e-9 * d.scale));
  return {
    fn: name,
    expect: 'valid',
    repro: { call: `${name}(predictions, targets, options)`, predictions: pred, targets: d.y, options: o },
    run: () => K[name](pred, d.y, o),
    check: (got) => {
      const value = name === 'picp' ? got.picp : got;
      if (edgy) return undefined;
      const m = ref.closeTo(value, want, { rtol: 1e-9, atol: 1e-12 });
      return m ? { category: 'wrong value', kind: `${name} vs float64 reference`, message: `${name}(${JSON.stringify(o)}), scale ${d.scale}: ${m}` } : undefined;
    },
  };
}

// ── streaming metrics ────────────────────────────────────────────────────────

function streamingCase(r, lib) {
  const K = lib.calibration;
  const d = data(r, { N: r.int(2, 30), C: r.classes({ min: 2, max: 5 }) });
  const cuts = [0, ...Array.from({ length: r.int(0, 3) }, () => r.int(1, d.n - 1)).sort((a, b) => a - b), d.n];
  const kind = r.pick(['ece', 'classwise', 'ace', 'mmce']);
  const o = kind === 'ece' || kind === 'classwise' ? { bins: r.pick([1, 2, 5]), norm: r.pick(['l1', 'l2', 'max']) } : kind === 'ace' ? { bins: r.pick([1, 2]) } : { weighted: r.bool() };
  const tooFew = o.bins !== undefined && o.bins > d.n;
  return {
    fn: kind === 'ece' || kind === 'classwise' ? 'StreamingCalibrationError' : 'streamingMetric',
    expect: tooFew ? 'invalid' : 'valid',
    why: 'bins > N',
    codes: ['INVALID_ARGUMENT'],
    repro: { call: 'update over batches split at cuts, then result()', predictions: d.preds, labels: d.labels, cuts, kind, options: o },
    run: () => {
      const m = kind === 'ece' || kind === 'classwise' ? new K.StreamingCalibrationError({ ...o, scope: kind === 'ece' ? 'top-label' : 'classwise' }) : K.streamingMetric(K[kind], o);
      for (let k = 0; k + 1 < cuts.length; k++) if (cuts[k + 1] > cuts[k]) m.update(d.preds.slice(cuts[k], cuts[k + 1]), d.labels.slice(cuts[k], cuts[k + 1]));
      const batch = kind === 'ece' ? K.ece(d.preds, d.labels, o) : kind === 'classwise' ? K.classwiseEce(d.preds, d.labels, o) : K[kind](d.preds, d.labels, o);
      return [m.result(), batch];
    },
    check: ([a, b]) => (a === b ? undefined : { category: 'wrong value', kind: 'streaming result differs from the batch metric', message: `streaming ${a}, batch ${b}` }),
  };
}

// ── MMCE / DCA penalties under compile() ─────────────────────────────────────

function penaltyCase(r, lib) {
  const K = lib.calibration;
  const C = lib.core;
  const which = r.pick(['mmcePenalty', 'dcaPenalty']);
  const d = data(r, { N: r.int(1, 16), C: r.classes({ min: 2, max: 5 }) });
  const o = which === 'mmcePenalty' && r.bool(0.5) ? { weighted: r.bool(), width: r.pick([0.2, 0.4]) } : {};
  const P = d.preds.map(ref.softmax);
  const want = which === 'mmcePenalty' ? mmceRef(P, d.labels, o.weighted ?? true, o.width ?? 0.4) : Math.abs(P.reduce((s, row, i) => s + Math.max(...row) - (argmax(d.preds[i]) === d.labels[i] ? 1 : 0), 0) / d.n);
  // A tie in the logits, or one the float64 softmax creates (logits 0 and 1e-30 both give 0.5): argmax is then ambiguous.
  const tie = d.preds.some((row) => row.filter((v) => v === Math.max(...row)).length > 1) || P.some((row) => row.filter((v) => v === Math.max(...row)).length > 1);
  return {
    fn: which,
    expect: d.mode.startsWith('normal') || d.mode.startsWith('ties') ? 'valid' : 'any',
    finite: true,
    repro: { call: `compile(${which}(options)).valueAndGrad(labels, logits)`, logits: d.preds, labels: d.labels, options: o },
    prepare: () => ({ x: tf.tensor2d(d.preds, [d.n, d.c]) }),
    run: ({ x }) => {
      const { value, grad } = C.compile(K[which](o)).valueAndGrad(d.labels, x);
      const out = [value.dataSync()[0], Array.from(grad.dataSync())];
      value.dispose();
      grad.dispose();
      return out;
    },
    check: ([v, g]) => {
      if (g.some((x) => !Number.isFinite(x))) return { category: 'silent non-finite', kind: `${which} gradient`, message: `gradient ${g}` };
      if (tie) return undefined;
      const m = ref.closeTo(v, want, { rtol: 1e-4, atol: 1e-5 });
      return m ? { category: 'wrong value', kind: `${which} vs float64 reference`, message: `${m} (inputs ${d.mode})` } : undefined;
    },
  };
}

// ── LSBoost and the multicalibration error (#26) ─────────────────────────────

function lsboostCase(r, lib) {
  const K = lib.calibration;
  const n = r.int(1, 40);
  const D = r.int(1, 3);
  const x = Array.from({ length: n }, () => Array.from({ length: D }, () => r.pick([r.normal(), r.int(0, 1), 1e6 * r.normal(), 0])));
  const f = Array.from({ length: n }, () => r.pick([r.float(), r.float(), 0, 1, 0.5, -0.2, 1.3]));
  const y = Array.from({ length: n }, () => r.pick([r.float(), r.float(), 0, 1]));
  const bins = r.pick([1, 2, 10, 50]);
  const bad = r.bool(0.2) ? r.pick(['nan', 'length', 'bins', 'range']) : undefined;
  const yArg = bad === 'nan' ? y.map((v, i) => (i === 0 ? NaN : v)) : bad === 'length' ? [...y, 0.5] : y;
  const o = { bins: bad === 'bins' ? r.pick([0, 1.5]) : bins, ...(bad === 'range' ? { range: [1, 0] } : {}) };
  if (r.bool(0.3)) return predictionIntervalsCase(r, lib, x, y, bad);
  if (r.bool(0.25)) return blackBoxBrierCase(r, lib);
  if (r.bool(0.3)) return legendreTronCase(r, lib);
  const metric = r.bool(0.4);
  if (metric) {
    // float64 reference: for D = 1 the supremum over unit w = (cos a, sin a), by a dense angle search (a lower bound).
    return {
      fn: 'multicalibrationError', expect: bad ? 'invalid' : 'valid', why: bad, codes: ['NON_FINITE_INPUT', 'SHAPE_MISMATCH', 'INVALID_PARAMETER'],
      repro: { call: 'multicalibrationError(f, x, y, options)', f, x, y: yArg, options: o },
      run: () => K.multicalibrationError(f, x, yArg, o),
      check: (v) => {
        if (!(v >= 0)) return { category: 'wrong value', kind: 'multicalibrationError < 0', message: String(v) };
        // An upper bound: Σ_v P(S_v)‖a_v‖² (Cauchy–Schwarz) ≥ λ_max.
        const m = bins;
        const groups = new Map();
        for (let i = 0; i < n; i++) {
          const k = m === 1 ? 0 : Math.min(m - 1, Math.max(0, Math.round(f[i] * (m - 1))));
          const g = groups.get(k) ?? { c: 0, a: new Array(D + 1).fill(0) };
          const res = y[i] - f[i];
          for (let j = 0; j < D; j++) g.a[j] += x[i][j] * res;
          g.a[D] += res;
          g.c++;
          groups.set(k, g);
        }
        let upper = 0;
        let lowerDiag = 0;
        for (const g of groups.values()) {
          const nn = g.a.reduce((s, t) => s + (t / g.c) ** 2, 0);
          upper += (g.c / n) * nn;
        }
        for (let j = 0; j <= D; j++) {
          let s = 0;
          for (const g of groups.values()) s += (g.c / n) * (g.a[j] / g.c) ** 2;
          lowerDiag = Math.max(lowerDiag, s);
        }
        return v <= upper * (1 + 1e-9) + 1e-300 && v >= lowerDiag * (1 - 1e-9) ? undefined : { category: 'wrong value', kind: 'multicalibrationError outside [max diagonal, trace]', message: `${v} not in [${lowerDiag}, ${upper}]` };
      },
    };
  }
  return {
    fn: 'LSBoost.fit/transform/save/load', expect: bad ? 'invalid' : 'valid', why: bad, codes: ['NON_FINITE_INPUT', 'SHAPE_MISMATCH', 'INVALID_PARAMETER'],
    repro: { call: 'LSBoost.fit(f, x, y, options)', f, x, y: yArg, options: o },
    run: () => {
      const mc = K.LSBoost.fit(f, x, yArg, o);
      const back = K.LSBoost.load(mc.save());
      return [mc.transform(f, x), back.transform(f, x), mc.history];
    },
    check: ([a, b, h]) => {
      const msg = ref.allClose(a, b, { rtol: 0, atol: 0 });
      if (msg) return { category: 'wrong value', kind: 'LSBoost save/load round trip', message: msg };
      for (let t = 1; t < h.length; t++) if (!(h[t] < h[t - 1])) return { category: 'wrong value', kind: 'LSBoost squared error rose', message: JSON.stringify(h) };
      const mse = a.reduce((s, v, i) => s + (y[i] - v) ** 2, 0) / n;
      if (Math.abs(mse - h[h.length - 1]) > 1e-9 * Math.max(1, mse)) return { category: 'wrong value', kind: 'LSBoost transform differs from the fitted predictions', message: `${mse} vs ${h[h.length - 1]}` };
      if (!a.every((v) => v >= 0 && v <= 1)) return { category: 'wrong value', kind: 'LSBoost prediction outside the range', message: JSON.stringify(a) };
      return undefined;
    },
  };
}

/** BootstrapPredictionIntervals around a float64 least-squares fit (mean-only when the features are constant). */
function predictionIntervalsCase(r, lib, x, y, bad) {
  const K = lib.calibration;
  const n = y.length;
  const fitMean = (xs, ys) => {
    const m = ys.reduce((s, v) => s + v, 0) / ys.length;
    return (q) => q.map(() => m);
  };
  const level = bad === 'bins' ? r.pick([0, 1, 1.5]) : r.pick([0.5, 0.9, 0.95]);
  const yArg = bad === 'nan' ? y.map((v, i) => (i === 0 ? NaN : v)) : bad === 'length' ? [...y, 0.5] : y;
  const seed = r.int(0, 5);
  const invalid = bad === 'nan' || bad === 'length' || bad === 'bins';
  return {
    fn: 'BootstrapPredictionIntervals.fit/predict', expect: invalid ? 'invalid' : 'valid', why: bad, codes: ['NON_FINITE_INPUT', 'SHAPE_MISMATCH', 'INVALID_PARAMETER'],
    repro: { call: 'BootstrapPredictionIntervals.fit(x, y, meanModel, { seed }).predict(x, level)', x, y: yArg, seed, level },
    run: () => K.BootstrapPredictionIntervals.fit(x, yArg, fitMean, { seed }).predict(x, level),
    check: (out) => {
      const mean = y.reduce((s, v) => s + v, 0) / n;
      for (let i = 0; i < n; i++) {
        if (Math.abs(out.prediction[i] - mean) > 1e-12 * Math.max(1, Math.abs(mean))) return { category: 'wrong value', kind: 'prediction is not the model’s', message: `${out.prediction[i]} vs ${mean}` };
        if (!(out.lower[i] <= out.upper[i])) return { category: 'wrong value', kind: 'interval not ordered', message: `${out.lower[i]} > ${out.upper[i]}` };
      }
      // The interval lies within the residual range widened by the spread of the bootstrap means.
      const lo = Math.min(...y) - Math.max(...y);
      const hi = Math.max(...y) - Math.min(...y);
      for (let i = 0; i < n; i++) if (out.lower[i] < mean + 2 * lo - 1e-9 || out.upper[i] > mean + 2 * hi + 1e-9) return { category: 'wrong value', kind: 'interval outside the data range', message: `[${out.lower[i]}, ${out.upper[i]}]` };
      return undefined;
    },
  };
}

/** blackBoxBrierLoss against a direct O(n²) float64 double sum. */
function blackBoxBrierCase(r, lib) {
  const K = lib.calibration;
  const k = r.int(1, 4);
  const outcome = () => (r.bool(0.3) ? `t${r.int(0, k)}` : r.int(0, k));
  const n = r.int(0, 12);
  const m = r.int(0, 6);
  const xs = Array.from({ length: n }, outcome);
  const ys = Array.from({ length: m }, outcome);
  if (r.bool(0.1) && n > 0) xs[0] = r.pick([NaN, Infinity, null]);
  const invalid = n < 2 || m < 1 || xs.some((v) => v === null || (typeof v === 'number' && !Number.isFinite(v)));
  let pairs = 0;
  let cross = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && xs[i] === xs[j]) pairs++;
  for (let i = 0; i < n; i++) for (let t = 0; t < m; t++) if (xs[i] === ys[t]) cross++;
  const want = pairs / (n * (n - 1)) - (2 * cross) / (n * m);
  return {
    fn: 'blackBoxBrierLoss', expect: invalid ? 'invalid' : 'valid', why: 'too few samples or a non-finite outcome', codes: ['EMPTY_BATCH', 'NON_FINITE_INPUT', 'INVALID_ARGUMENT'],
    repro: { call: 'blackBoxBrierLoss(modelSamples, targetSamples)', modelSamples: xs, targetSamples: ys },
    run: () => K.blackBoxBrierLoss(xs, ys),
    check: (v) => (Math.abs(v - want) <= 1e-12 ? undefined : { category: 'wrong value', kind: 'blackBoxBrierLoss vs double sum', message: `${v} vs ${want}` }),
  };
}

// ── LegendreTron link loss ───────────────────────────────────────────────────

/**
 * Float64 LegendreTron loss from the construction (Lam et al. 2023): ψ⁻¹ = softmax⁺ ∘ ∇F_B ∘ … ∘ ∇F_1 with
 * F(x) = softplus(w1)·ICNN(x) + softplus(w0)·‖x‖²/2, ∇F by central differences of the float64 potential.
 */
function legendreTronRef(V, y, th, { dim: k, hidden: h, depth, blocks }) {
  const sp = (t) => (t > 30 ? t : Math.log1p(Math.exp(t)));
  const size = h * k + h + (depth - 1) * ((h / 2) * h + 2 * ((h / 2) * k + h / 2)) + h + k + 2;
  const potential = (x, off) => {
    let o = off;
    const fix = (rows, cols, input, pos) => {
      const out = [];
      for (let r = 0; r < rows; r++) {
        let acc = 0;
        for (let j = 0; j < cols; j++) acc += (pos ? sp(th[o + j]) : th[o + j]) * input[j];
        o += cols;
        out.push(acc);
      }
      return out;
    };
    let z = fix(h, k, x).map((v) => sp(v + th[o++]));
    for (let l = 1; l < depth; l++) {
      const pz = fix(h / 2, h, z, true);
      const wx = fix(h / 2, k, x);
      const hz = pz.map((v, i) => sp(v / h + wx[i] + th[o++]));
      const aug = fix(h / 2, k, x).map((v) => sp(v + th[o++]));
      z = [...hz, ...aug];
    }
    const out = fix(1, h, z, true)[0] / h + fix(1, k, x)[0];
    const w1 = sp(th[o++]);
    const w0 = sp(th[o++]);
    return w1 * out + (w0 * x.reduce((a, v) => a + v * v, 0)) / 2;
  };
  let total = 0;
  V.forEach((v, i) => {
    let x = v;
    for (let b = 0; b < blocks; b++) {
      x = x.map((xi, j) => {
        const e = 1e-5 * Math.max(1, Math.abs(xi));
        const xp = [...x];
        const xm = [...x];
        xp[j] = xi + e;
        xm[j] = xi - e;
        return (potential(xp, b * size) - potential(xm, b * size)) / (2 * e);
      });
    }
    const full = [...x, 0];
    const mx = Math.max(...full);
    total += full[y[i]] - mx - Math.log(full.reduce((a, t) => a + Math.exp(t - mx), 0));
  });
  return -total / V.length;
}

function legendreTronCase(r, lib) {
  const K = lib.calibration;
  const shape = { dim: r.int(1, 3), hidden: r.pick([2, 4]), depth: r.int(1, 3), blocks: r.int(1, 2) };
  const n = r.int(1, 6);
  const vm = r.valueMode();
  const V = r.matrix(n, shape.dim, vm.mode, vm.scale);
  const labels = r.labels(n, shape.dim + 1);
  const theta = K.initLegendreLink(shape, r.int(0, 50)).map((t) => Math.fround(t * r.pick([1, 3])));
  const bad = r.bool(0.2) ? r.pick(['theta', 'hidden', 'label', 'nan', 'width']) : undefined;
  const th = bad === 'theta' ? theta.slice(1) : theta;
  const sh = bad === 'hidden' ? { ...shape, hidden: 3 } : shape;
  const y = bad === 'label' ? labels.map((v, i) => (i === 0 ? shape.dim + 1 : v)) : labels;
  const X = bad === 'nan' ? V.map((row, i) => row.map((v, j) => (i === 0 && j === 0 ? NaN : v))) : bad === 'width' ? V.map((row) => [...row, 0]) : V;
  const moderate = vm.mode !== 'extreme' && vm.mode !== 'mixed' && vm.scale <= 10;
  const want = bad || !moderate ? undefined : legendreTronRef(V, labels, theta, shape);
  return {
    fn: 'legendreTronLoss',
    expect: bad ? 'invalid' : moderate ? 'valid' : 'any',
    why: `bad input: ${bad}`,
    codes: ['SHAPE_MISMATCH', 'INVALID_PARAMETER', 'LABEL_OUT_OF_RANGE', 'NON_FINITE_INPUT'],
    repro: { call: 'legendreTronLoss(tensor2d(scores), labels, tensor1d(theta), shape)', scores: X, labels: y, theta: th, shape: sh },
    prepare: () => ({ v: tf.tensor2d(X.flat(), [n, X[0].length]), t: tf.tensor1d(th) }),
    run: ({ v, t }) => K.legendreTronLoss(v, y, t, sh),
    check: (out) => {
      if (want === undefined) return undefined;
      const got = out.dataSync()[0];
      return Math.abs(got - want) <= 1e-3 * Math.max(1, Math.abs(want)) ? undefined : { category: 'wrong value', kind: 'legendreTronLoss vs float64 reference', message: `${got} vs ${want}` };
    },
  };
}
