// @losskit/losses/keras: Keras 3's functional losses against float64 references written from Keras' definitions
// (keras/src/losses/losses.py at the commit in ANCHORS.md), with Keras' reductions and sample weights; bad inputs
// (NaN, shapes, labels, options) must give typed errors, as compile() does (issue #17).
import { oneHot, poke, randomIndex, shapeOf } from '../lib/rand.mjs';
import * as ref from '../lib/ref.mjs';
import { reshapeRows } from './common.mjs';

const EPS = 1e-7;
// Keras clips float32 tensors to [ε, 1 − ε]: the bounds as float32 values (1 − 1e-7 rounds to 1 − 1.19e-7).
const LO = Math.fround(EPS);
const HI = Math.fround(1 - EPS);
const clip = (x, lo, hi) => Math.min(Math.max(x, lo === EPS ? LO : lo), hi === 1 - EPS ? HI : hi);
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const sum = (a) => a.reduce((s, v) => s + v, 0);

/** Keras' probability handling for categorical losses: renormalise, then clip to [ε, 1 − ε]. */
const catProbs = (p, fromLogits) => (fromLogits ? ref.softmax(p) : p.map((v) => v / sum(p))).map((v) => clip(v, EPS, 1 - EPS));
const smoothCat = (t, ls) => (ls ? t.map((v) => v * (1 - ls) + ls / t.length) : t);
const smoothBin = (t, ls) => (ls ? t.map((v) => v * (1 - ls) + 0.5 * ls) : t);

/** Elementwise binary cross-entropy (Keras): from logits exact, from probabilities clipped to [ε, 1 − ε]. */
function bceElem(t, p, fromLogits) {
  if (fromLogits) return ref.softplus(p) - t * p;
  const q = clip(p, EPS, 1 - EPS);
  return -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
}

/** name → { targets, preds, options(r), row(t, p, o) → per-sample loss, mag?(t, p, o) } */
const LOSSES = {
  categoricalCrossentropy: {
    targets: 'onehot|soft',
    preds: 'logitsOrProbs',
    options: (r) => ({ fromLogits: r.bool(), ...(r.bool(0.3) ? { labelSmoothing: r.pick([0.1, 0.5, 1]) } : {}) }),
    row: (t, p, o) => {
      const tt = smoothCat(t, o.labelSmoothing);
      if (o.fromLogits) return ref.ceLogits(p, tt).value;
      const q = catProbs(p, false);
      return -sum(tt.map((w, j) => w * Math.log(q[j])));
    },
  },
  sparseCategoricalCrossentropy: { sparse: true, preds: 'logitsOrProbs', options: (r) => ({ fromLogits: r.bool(), ...(r.bool(0.2) ? { labelSmoothing: r.pick([0.1, 0.5]) } : {}), ...(r.bool(0.25) ? { ignoreClass: r.pick([0, 1, -1]) } : {}) }) },
  binaryCrossentropy: {
    targets: 'binary|unit',
    preds: 'logitsOrProbs',
    options: (r) => ({ fromLogits: r.bool(), ...(r.bool(0.3) ? { labelSmoothing: r.pick([0.1, 0.5]) } : {}) }),
    row: (t, p, o) => mean(smoothBin(t, o.labelSmoothing).map((w, j) => bceElem(w, p[j], o.fromLogits))),
    mag: (t, p, o) => (o.fromLogits ? mean(p.map((z, j) => Math.abs(z) * (1 + Math.abs(t[j])))) : 0),
  },
  binaryFocalCrossentropy: {
    targets: 'binary|unit',
    preds: 'logitsOrProbs',
    options: (r) => ({ fromLogits: r.bool(), gamma: r.pick([0, 1, 2, 3.5]), alpha: r.pick([0.25, 0.5, 0.9]), applyClassBalancing: r.bool(0.4), ...(r.bool(0.2) ? { labelSmoothing: r.pick([0.1, 0.5]) } : {}) }),
    row: (t0, p0, o) => {
      // keras/src/losses/losses.py binary_focal_crossentropy: sigmoid first, then the clipped (probability) BCE.
      const t = smoothBin(t0, o.labelSmoothing);
      return mean(
        t.map((y, j) => {
          const p = o.fromLogits ? ref.sigmoid(p0[j]) : p0[j];
          const bce = bceElem(y, p, false);
          const pt = y * p + (1 - y) * (1 - p);
          let f = (1 - pt) ** o.gamma * bce;
          if (o.applyClassBalancing) f *= y * o.alpha + (1 - y) * (1 - o.alpha);
          return f;
        }),
      );
    },
  },
  categoricalFocalCrossentropy: {
    targets: 'onehot|soft',
    preds: 'logitsOrProbs',
    options: (r) => ({ fromLogits: r.bool(), gamma: r.pick([0, 1, 2, 4]), alpha: r.pick([0.25, 1]), ...(r.bool(0.2) ? { labelSmoothing: r.pick([0.1, 0.5]) } : {}) }),
    row: (t0, p0, o) => {
      const t = smoothCat(t0, o.labelSmoothing);
      const q = catProbs(p0, o.fromLogits);
      return sum(t.map((w, j) => o.alpha * (1 - q[j]) ** o.gamma * -w * Math.log(q[j])));
    },
  },
  categoricalGeneralizedCrossEntropy: { sparse: true, preds: 'probs', options: (r) => ({ q: r.pick([0.5, 0.1, 0.9]) }), gce: true },
  meanSquaredError: { targets: 'real', preds: 'real', row: (t, p) => mean(t.map((y, j) => (y - p[j]) ** 2)) },
  meanAbsoluteError: { targets: 'real', preds: 'real', row: (t, p) => mean(t.map((y, j) => Math.abs(y - p[j]))) },
  meanAbsolutePercentageError: { targets: 'real', preds: 'real', row: (t, p) => 100 * mean(t.map((y, j) => Math.abs(y - p[j]) / Math.max(Math.abs(y), EPS))), rtol: 2e-3 },
  meanSquaredLogarithmicError: { targets: 'positive', preds: 'positive', row: (t, p) => mean(t.map((y, j) => (Math.log(Math.max(p[j], EPS) + 1) - Math.log(Math.max(y, EPS) + 1)) ** 2)) },
  huber: {
    targets: 'real',
    preds: 'real',
    options: (r) => (r.bool(0.5) ? { delta: r.pick([0.5, 1, 2]) } : {}),
    row: (t, p, o) => {
      const d = o.delta ?? 1;
      return mean(t.map((y, j) => {
        const x = Math.abs(p[j] - y);
        return x <= d ? 0.5 * x * x : d * x - 0.5 * d * d;
      }));
    },
  },
  logCosh: { targets: 'real', preds: 'real', row: (t, p) => mean(t.map((y, j) => { const x = p[j] - y; return Math.abs(x) + ref.softplus(-2 * Math.abs(x)) - Math.LN2; })), mag: (t, p) => mean(t.map((y, j) => Math.abs(p[j] - y))) },
  poisson: { targets: 'count', preds: 'positive', row: (t, p) => mean(t.map((y, j) => p[j] - y * Math.log(p[j] + EPS))), mag: (t, p) => mean(t.map((y, j) => Math.abs(p[j]) + Math.abs(y * Math.log(p[j] + EPS)))) },
  kld: { targets: 'soft', preds: 'probs', row: (t, p) => sum(t.map((y, j) => { const a = clip(y, EPS, 1); return a * Math.log(a / clip(p[j], EPS, 1)); })) },
  cosineSimilarity: {
    targets: 'real',
    preds: 'real',
    row: (t, p) => {
      const nt = Math.sqrt(sum(t.map((v) => v * v)));
      const np = Math.sqrt(sum(p.map((v) => v * v)));
      if (nt < 1e-3 || np < 1e-3) return undefined; // the norm floor differs between Keras backends; not checked
      return -sum(t.map((v, j) => v * p[j])) / (nt * np);
    },
  },
  hinge: { targets: 'binary|pm1', preds: 'real', hinge: (x) => Math.max(0, 1 - x) },
  squaredHinge: { targets: 'binary|pm1', preds: 'real', hinge: (x) => Math.max(0, 1 - x) ** 2 },
  categoricalHinge: {
    targets: 'onehot',
    preds: 'real',
    row: (t, p) => {
      const pos = sum(t.map((y, j) => y * p[j]));
      const neg = Math.max(...t.map((y, j) => (1 - y) * p[j]));
      return Math.max(0, neg - pos + 1);
    },
  },
  dice: { targets: 'binary', preds: 'unit', overlap: 'dice' },
  tversky: { targets: 'binary', preds: 'unit', overlap: 'tversky', options: (r) => ({ alpha: r.pick([0.5, 0.2, 0.8, 0]), beta: r.pick([0.5, 0.8, 0.2, 1]) }) },
  circle: { circle: true },
};

/** Keras reductions over per-sample losses `l` (flattened) with weights `w` (same length) or none. */
function kerasReduce(l, w, reduction, { scalarOut = false, weightSum } = {}) {
  const wl = w ? l.map((v, i) => v * w[i]) : l;
  // keras/src/losses/loss.py reduce_values: no reduction for "none" or for a scalar loss (one unbatched sample).
  if (reduction === null || reduction === 'none' || scalarOut) return wl;
  const s = sum(wl);
  if (reduction === 'sum') return s;
  if (reduction === 'mean_with_sample_weight' && w) {
    // Divides by the sum of sample_weight as given (a scalar weight counts once).
    const sw = weightSum ?? sum(w);
    return sw === 0 ? 0 : s / sw;
  }
  return s / l.length;
}

function preds(r, kind, n, c) {
  const f32 = Math.fround;
  if (kind === 'probs') return r.probs(n, c);
  if (kind === 'unit') return Array.from({ length: n }, () => Array.from({ length: c }, () => f32(r.float())));
  if (kind === 'positive') return Array.from({ length: n }, () => Array.from({ length: c }, () => f32(r.float(0, 5))));
  const vm = r.valueMode({ moderate: true });
  return r.matrix(n, c, vm.mode, vm.scale);
}

function targets(r, kinds, n, c) {
  const f32 = Math.fround;
  const kind = r.pick(kinds.split('|'));
  switch (kind) {
    case 'onehot':
      return oneHot(r.labels(n, c), c);
    case 'soft':
      return r.probs(n, c);
    case 'binary':
      return Array.from({ length: n }, () => Array.from({ length: c }, () => (r.bool() ? 1 : 0)));
    case 'pm1':
      return Array.from({ length: n }, () => Array.from({ length: c }, () => (r.bool() ? 1 : -1)));
    case 'unit':
      return Array.from({ length: n }, () => Array.from({ length: c }, () => f32(r.float())));
    case 'positive':
      return Array.from({ length: n }, () => Array.from({ length: c }, () => f32(r.float(0, 5))));
    case 'count':
      return Array.from({ length: n }, () => Array.from({ length: c }, () => r.int(0, 6)));
    default:
      return r.matrix(n, c, 'normal', r.pick([0.5, 1, 3]));
  }
}

export function generate(r, lib) {
  let optionNotTaken = false;
  const K = lib.keras;
  const name = r.pick(Object.keys(LOSSES));
  const L = LOSSES[name];
  if (L.circle) return circleCase(r, lib);
  const o = { ...(L.options ? L.options(r) : {}) };
  if (L.preds === 'logitsOrProbs' && o.fromLogits === false && r.bool(0.3)) delete o.fromLogits;
  const fromLogits = o.fromLogits === true;
  const C = L.overlap ? r.int(1, 6) : r.classes({ min: L.sparse || L.targets?.includes('onehot') ? 2 : 1, max: 10 });
  const rank = Number(r.weighted({ 2: 8, 1: 1, 3: 1 }));
  const lead = rank === 1 ? [] : rank === 3 ? [r.int(1, 3), r.int(1, 3)] : [r.batch()];
  const N = lead.reduce((a, b) => a * b, 1);
  const predKind = L.preds === 'logitsOrProbs' ? (fromLogits ? 'real' : 'probs') : L.preds;
  const z = preds(r, predKind, N, C);
  let labels;
  let t;
  if (L.sparse) {
    labels = r.labels(N, C);
    t = oneHot(labels, C);
  } else t = targets(r, L.targets, N, C);
  const shape = (rows) => (rank === 1 ? rows[0] : reshapeRows(rows, lead));
  let yPred = shape(z);
  let yTrue = L.sparse ? (rank === 1 ? labels[0] : lead.length === 1 ? labels : reshapeRows(labels, lead)) : shape(t);
  if (L.sparse && rank === 1) {
    // sparse losses need yPred of rank >= 2
    yPred = [z[0]];
    yTrue = [labels[0]];
  }
  const reduction = r.weighted({ default: 4, sum_over_batch_size: 1, sum: 1.5, mean: 1, mean_with_sample_weight: 1, none: 1.5, null: 0.3 });
  if (reduction !== 'default') o.reduction = reduction === 'null' ? null : reduction;
  const outShape = L.overlap ? [] : L.sparse && rank === 1 ? [1] : lead;
  let w;
  if (!L.overlap && r.bool(0.3)) {
    w = r.weights(outShape.reduce((a, b) => a * b, 1) || 1);
    o.sampleWeight = outShape.length === 0 ? w[0] : outShape.length === 1 ? w : reshapeRows(w, outShape);
  }

  // Bad input, sometimes (issue #17: the drop-ins must validate like compile()).
  let expect = 'valid';
  let why;
  let codes;
  const bad = r.bool(0.25) ? r.pick(['nanPred', 'nanTrue', 'nanWeight', 'shape', 'reduction', 'option', 'label']) : undefined;
  if (bad === 'nanPred') {
    yPred = poke(yPred, randomIndex(r, shapeOf(yPred)), r.nonFinite());
    [why, codes] = ['non-finite yPred', ['NON_FINITE_INPUT']];
  } else if (bad === 'nanTrue' && !L.sparse) {
    yTrue = poke(yTrue, randomIndex(r, shapeOf(yTrue)), r.nonFinite());
    [why, codes] = ['non-finite yTrue', ['NON_FINITE_INPUT']];
  } else if (bad === 'nanWeight' && o.sampleWeight !== undefined && Array.isArray(o.sampleWeight)) {
    o.sampleWeight = poke(o.sampleWeight, randomIndex(r, shapeOf(o.sampleWeight)), r.nonFinite());
    [why, codes] = ['non-finite sample weight', ['NON_FINITE_INPUT']];
  } else if (bad === 'shape') {
    yTrue = L.sparse ? [...[yTrue].flat(2), 0] : shape(t.map((row) => [...row, 0]));
    [why, codes] = ['yTrue and yPred shapes differ', ['SHAPE_MISMATCH']];
  } else if (bad === 'reduction') {
    o.reduction = r.pick(['avg', 'SUM', 1]);
    [why, codes] = ['unknown reduction', ['INVALID_ARGUMENT']];
  } else if (bad === 'option') {
    const k = r.pick(['fromLogits', 'labelSmoothing', 'gamma', 'alpha', 'delta', 'q', 'axis', 'ignoreClass']);
    const v = { fromLogits: 'yes', labelSmoothing: r.pick([-0.1, 1.5, NaN]), gamma: r.pick([-1, NaN]), alpha: r.pick([NaN, -0.5, 1.5]), delta: r.pick([0, -1, NaN]), q: r.pick([0, 1, 1.5, NaN]), axis: r.pick([5, -9, 0.5]), ignoreClass: NaN }[k];
    o[k] = v;
    [why, codes] = [`invalid option ${k} = ${v}`, ['INVALID_PARAMETER', 'INVALID_ARGUMENT']];
    // An option a function does not take may be ignored or rejected with INVALID_ARGUMENT (Keras raises a TypeError
    // for an unknown keyword); alpha in [0, 1] is only required for binary focal (Tversky takes any α ≥ 0).
    const takes = {
      fromLogits: L.preds === 'logitsOrProbs', labelSmoothing: ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'binaryFocalCrossentropy', 'categoricalFocalCrossentropy'].includes(name),
      gamma: name.includes('Focal'), alpha: name === 'binaryFocalCrossentropy' || (name === 'categoricalFocalCrossentropy' && Number.isNaN(v)) || (name === 'tversky' && !(v >= 0)), delta: name === 'huber', q: name === 'categoricalGeneralizedCrossEntropy',
      axis: !L.sparse || name === 'sparseCategoricalCrossentropy', ignoreClass: name === 'sparseCategoricalCrossentropy',
    }[k];
    if (!takes) {
      [why, codes] = [undefined, undefined];
      if (!(name === 'tversky' && k === 'alpha')) optionNotTaken = true;
    }
  } else if (bad === 'label' && L.sparse) {
    const v = r.badLabel(C);
    const at = randomIndex(r, shapeOf(yTrue));
    yTrue = poke(yTrue, at, v);
    [why, codes] = ['label out of range', ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT']];
    if (o.ignoreClass !== undefined && v === o.ignoreClass) {
      // An ignored label is fine; the reference must see it too (it reads `labels`, not the poked yTrue).
      [why, codes] = [undefined, undefined];
      const dims = shapeOf(yTrue);
      labels = labels.slice();
      labels[at.reduce((flat, k, d) => flat * dims[d] + k, 0)] = v;
    }
  }
  if (why) expect = 'invalid';
  else if (optionNotTaken || (C === 1 && (L.sparse || name.startsWith('categorical')))) expect = 'any';

  // Reference per sample (flattened), then the Keras reduction.
  let perSample;
  let mags;
  if (expect === 'valid') {
    const rows = z.map((p, i) => {
      if (L.sparse && L.gce) return (1 - p[labels[i]] ** o.q) / o.q;
      if (L.sparse) {
        if (o.ignoreClass !== undefined && labels[i] === o.ignoreClass) return 0;
        const tt = smoothCat(t[i], o.labelSmoothing);
        if (fromLogits) return ref.ceLogits(p, tt).value;
        const q = catProbs(p, false);
        return -sum(tt.map((w2, j) => w2 * Math.log(q[j])));
      }
      if (L.hinge) {
        const all01 = t.flat().every((v) => v === 0 || v === 1);
        return mean(t[i].map((y, j) => L.hinge((all01 ? 2 * y - 1 : y) * p[j])));
      }
      return L.row ? L.row(t[i], p, o) : undefined;
    });
    if (L.overlap) {
      const tf = t.flat();
      const pf = z.flat();
      const I = sum(tf.map((y, j) => y * pf[j]));
      if (L.overlap === 'dice') perSample = [1 - (2 * I) / (sum(tf) + sum(pf) + EPS)];
      else {
        // Salehi et al. 2017 (and Keras after keras-team/keras#23333): α weights false positives, β false negatives.
        const fp = sum(tf.map((y, j) => (1 - y) * pf[j]));
        const fn = sum(tf.map((y, j) => y * (1 - pf[j])));
        perSample = [1 - I / (I + (o.alpha ?? 0.5) * fp + (o.beta ?? 0.5) * fn + EPS)];
      }
      mags = [0];
    } else if (rows.every((v) => v !== undefined)) {
      perSample = rows;
      mags = z.map((p, i) => (L.mag ? L.mag(t[i], p, o) : 0));
    }
  }
  const sampleW = w ?? (typeof o.sampleWeight === 'number' ? new Array(Math.max(1, perSample?.length ?? 1)).fill(o.sampleWeight) : undefined);
  let validMask;
  if (L.sparse && o.ignoreClass !== undefined && perSample) validMask = labels.map((y) => (y === o.ignoreClass ? 0 : 1));

  const fnName = name;
  return {
    fn: `keras.${fnName}`,
    expect,
    why,
    codes,
    repro: { call: `${fnName}(yTrue, yPred, options)`, yTrue, yPred, options: o },
    run: () => K[fnName](yTrue, yPred, o),
    check: (out) => {
      if (!perSample) return undefined;
      const got = out instanceof lib.tf.Tensor ? Array.from(out.dataSync()) : [out].flat();
      const red = o.reduction === undefined ? 'sum_over_batch_size' : o.reduction;
      let want;
      if (validMask && (red === 'sum_over_batch_size' || red === 'mean')) {
        // Keras: the ignore mask is merged into the weights, scaled so the mean runs over valid entries only.
        const valid = sum(validMask);
        const mw = validMask.map((m, i) => (valid === 0 ? 0 : (m * validMask.length) / valid) * (sampleW ? sampleW[i] : 1));
        want = [kerasReduce(perSample, mw, red)];
      } else if (validMask) {
        want = [kerasReduce(perSample, validMask.map((m, i) => m * (sampleW ? sampleW[i] : 1)), red)].flat();
      } else want = [kerasReduce(perSample, sampleW, red, { scalarOut: outShape.length === 0 && !L.overlap, weightSum: typeof o.sampleWeight === 'number' ? o.sampleWeight : undefined })].flat();
      const scale = Math.max(1, ...mags.map(Math.abs));
      const msg = ref.allClose(got, want, { rtol: L.rtol ?? 1e-3, atol: 1e-5, mag: (red === 'sum' ? mags.length : 1) * scale, k: 16 });
      return msg ? { category: 'wrong value', kind: `${fnName} vs float64 reference`, message: `${fnName}(${JSON.stringify(o)}): ${msg}` } : undefined;
    },
  };
}

function circleCase(r, lib) {
  const B = r.int(1, 6);
  const D = r.int(1, 5);
  const emb = r.matrix(B, D, 'normal', 1).map((row) => {
    const n = Math.sqrt(row.reduce((s, v) => s + v * v, 0)) || 1;
    return row.map((v) => Math.fround(v / n));
  });
  const labels = r.labels(B, r.int(1, 3));
  const o = { ...(r.bool(0.3) ? { gamma: r.pick([80, 1, 256]) } : {}), ...(r.bool(0.3) ? { margin: r.pick([0.4, 0, 1]) } : {}), ...(r.bool(0.2) ? { removeDiagonal: false } : {}) };
  let yPred = emb;
  let expect = 'valid';
  let why;
  if (r.bool(0.2)) {
    yPred = poke(emb, [0, 0], r.nonFinite());
    expect = 'invalid';
    why = 'non-finite embedding';
  } else if (r.bool(0.1)) {
    o.gamma = r.pick([0, -1, NaN]);
    expect = 'invalid';
    why = `gamma ${o.gamma}`;
  }
  return {
    fn: 'keras.circle',
    expect,
    why,
    codes: ['NON_FINITE_INPUT', 'INVALID_PARAMETER'],
    repro: { call: 'circle(yTrue, yPred, options)', yTrue: labels, yPred, options: o },
    run: () => lib.keras.circle(labels, yPred, o),
  };
}
