// @losskit/calibration: the metrics (ECE/MCE/class-wise/top-label, KS, Brier, NLL, accuracy) against float64
// references written from their definitions (any finite logits, ties and ±1e30 included), calibrators (fit,
// transform, save/load round trip, temperature scaling's optimality), conformal sets and coverage, reliability
// diagrams and bootstrap intervals, and bad input (NaN, labels, shapes, bins, options, corrupted JSON).
import * as tf from '@tensorflow/tfjs-core';
import { poke } from '../lib/rand.mjs';
import * as ref from '../lib/ref.mjs';

export function generate(r, lib) {
  const kind = r.weighted({ metric: 45, calibrator: 25, conformal: 12, misc: 8, invalid: 10 });
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
  const P = probsOf(d.preds, from);
  let want;
  let sensitive = false;
  if (!tooFewSamples) {
    if (name === 'nll') {
      want = d.preds.reduce((s, row, i) => s + (from === 'logits' ? -ref.logSoftmax(row)[d.labels[i]] : -Math.log(Math.max(row[d.labels[i]], o.epsilon ?? 1e-12))), 0) / d.n;
    } else {
      const res = METRICS[name](P, d.labels, { bins: o.bins ?? 15, strategy: o.strategy ?? 'width', norm: o.norm ?? 'l1' }, from === 'logits' ? d.preds : undefined);
      want = res.value;
      sensitive = res.sensitive;
    }
  }
  const asTensor = r.bool(0.3);
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
  const name = r.pick(['TemperatureScaling', 'VectorScaling', 'MatrixScaling', 'PlattScaling', 'HistogramBinning', 'IsotonicRegression', 'CorrectnessAwareCalibrator']);
  const from = name === 'CorrectnessAwareCalibrator' || r.bool(0.7) ? 'logits' : 'probs';
  const C = name === 'PlattScaling' ? r.pick([1, 2]) : r.classes({ min: 1, max: 5 });
  const d = data(r, { from: name === 'PlattScaling' && C === 1 ? 'logits' : from, C, N: r.int(2, 30) });
  if (name === 'PlattScaling') d.labels = d.labels.map((y) => (C === 1 ? (r.bool() ? 1 : 0) : y));
  const test = data(r, { from: name === 'PlattScaling' && C === 1 ? 'logits' : from, C, N: r.int(1, 5) }).preds;
  const o = { ...(from === 'probs' && !(name === 'PlattScaling' && C === 1) ? { from } : {}) };
  if (name === 'HistogramBinning') o.bins = r.pick([1, 2, 5, 15]);
  if (name === 'TemperatureScaling' && r.bool(0.3)) o.initialTemperature = r.pick([0.5, 1.5, 10]);
  if ((name === 'VectorScaling' || name === 'MatrixScaling') && r.bool(0.3)) o.interceptPenalty = r.pick([0, 0.01, 1]);
  if (name === 'CorrectnessAwareCalibrator') Object.assign(o, { epochs: r.int(1, 5), hidden: r.pick([2, 5]), batchSize: r.pick([4, 1000]), seed: 1 });
  const tooFew = name === 'HistogramBinning' && o.bins > d.n;
  const moderate = d.mode.startsWith('normal') || d.mode.startsWith('ties') || d.mode === 'probs';
  return {
    fn: `${name}.fit/transform/save/load`,
    // One class (C = 1, except Platt's single score column): a typed error or a value, never NaN.
    expect: tooFew ? 'invalid' : moderate && (C >= 2 || name === 'PlattScaling') ? 'valid' : 'any',
    why: `bins ${o.bins} > N ${d.n}`,
    finite: true,
    timeoutMs: name === 'CorrectnessAwareCalibrator' ? 8000 : undefined,
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

