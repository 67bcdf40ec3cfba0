// @losskit/metric-learning: distances against float64 references, the triplet / contrastive / NT-Xent losses
// against references written from PML's definitions (every distance and reducer), every catalog loss with its
// inputs (proxies, text, target, iSogCLR state) and random hyperparameters, retrieval and clustering metrics,
// miners and helpers, and bad input (NaN, labels, ranks, distances, reducers, compile without from: 'embeddings').
import * as tf from '@tensorflow/tfjs-core';
import { compiledCase } from '../lib/compiled.mjs';
import { poke } from '../lib/rand.mjs';
import * as ref from '../lib/ref.mjs';

const _f32 = Math.fround;

export function generate(r, lib) {
  const kind = r.weighted({ distance: 15, reference: 30, catalog: 28, metrics: 12, helpers: 7, invalid: 8, pml: 24 });
  if (kind === 'pml') return pmlCase(r, lib);
  if (kind === 'distance') return distanceCase(r, lib);
  if (kind === 'reference') return referenceCase(r, lib);
  if (kind === 'catalog') return catalogCase(r, lib);
  if (kind === 'metrics') return metricsCase(r, lib);
  if (kind === 'helpers') return helperCase(r, lib);
  return invalidCase(r, lib);
}

// ── distances ────────────────────────────────────────────────────────────────

/** A distance: builder code, builder, and the float64 pairwise function. */
function randomDistance(r) {
  const k = r.pick(['euclidean', 'euclideanSq', 'cosine', 'dotProduct', 'lp', 'lpNorm', 'poincare', 'snr']);
  const p = r.pick([1, 3, 2.5]);
  const c = r.pick([1, 0.5]);
  const norm = (v) => Math.sqrt(Math.max(v.reduce((s, x) => s + x * x, 0), 1e-12));
  const unit = (v) => v.map((x) => x / norm(v));
  const lpOf = (a, b, pp, squared) => {
    const s = a.reduce((t, x, i) => t + Math.abs(x - b[i]) ** pp, 0);
    return squared ? s : Math.max(s, 1e-12) ** (1 / pp);
  };
  switch (k) {
    case 'euclidean':
      return { code: 'euclidean()', build: (M) => M.euclidean(), f: (a, b) => lpOf(a, b, 2, false), inverted: false };
    case 'euclideanSq':
      return { code: 'euclidean({ squared: true })', build: (M) => M.euclidean({ squared: true }), f: (a, b) => lpOf(a, b, 2, true), inverted: false };
    case 'cosine':
      return { code: 'cosine()', build: (M) => M.cosine(), f: (a, b) => a.reduce((s, x, i) => s + x * b[i], 0) / (norm(a) * norm(b)), inverted: true };
    case 'dotProduct':
      return { code: 'dotProduct()', build: (M) => M.dotProduct(), f: (a, b) => a.reduce((s, x, i) => s + x * b[i], 0), inverted: true };
    case 'lp':
      return { code: `lp(${p})`, build: (M) => M.lp(p), f: (a, b) => lpOf(a, b, p, false), inverted: false };
    case 'lpNorm':
      return { code: `lp(${p}, { normalize: true })`, build: (M) => M.lp(p, { normalize: true }), f: (a, b) => lpOf(unit(a), unit(b), p, false), inverted: false };
    case 'snr': {
      // SNR distance: var(x − y) / var(x) over the features (the 1/(D − 1) factors cancel), var floored at 1e-12
      const cvar = (v) => {
        const mu = v.reduce((a, b) => a + b, 0) / v.length;
        return v.reduce((a, b) => a + (b - mu) ** 2, 0);
      };
      return { code: 'snr()', build: (M) => M.snr(), f: (a, b) => cvar(a.map((x, i) => x - b[i])) / Math.max(cvar(a), 1e-12), inverted: false, fragile: true, c: Infinity };
    }
    default: {
      // Poincaré ball of curvature −c: project norms to (1 − 1e-5)/√c, then (1/√c)·arcosh(1 + 2c‖x − y‖²/((1 − c‖x‖²)(1 − c‖y‖²))).
      const proj = (v) => {
        const n = norm(v);
        const m = (1 - 1e-5) / Math.sqrt(c);
        return v.map((x) => x * Math.min(m / n, 1));
      };
      return {
        code: `poincare({ c: ${c} })`,
        build: (M) => M.poincare({ c }),
        f: (a0, b0) => {
          const a = proj(a0);
          const b = proj(b0);
          const d2 = a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0);
          const z = 1 + (2 * c * d2) / ((1 - c * a.reduce((s, x) => s + x * x, 0)) * (1 - c * b.reduce((s, x) => s + x * x, 0)));
          return Math.log(z + Math.sqrt(Math.max(z * z - 1, 1e-12))) / Math.sqrt(c);
        },
        inverted: false,
        fragile: true,
        c,
      };
    }
  }
}

function embeddingsOf(r, B, D, moderate = true) {
  const vm = r.valueMode({ moderate });
  return { e: r.matrix(B, D, vm.mode === 'zeros' ? 'normal' : vm.mode, vm.scale), mode: `${vm.mode}×${vm.scale}` };
}

function distanceCase(r, lib) {
  const M = lib.metricLearning;
  const dist = randomDistance(r);
  const N = r.int(1, 6);
  const D = r.int(1, 5);
  const moderate = r.bool(0.85);
  const x = embeddingsOf(r, N, D, moderate).e;
  const same = r.bool(0.4);
  const y = same ? x : embeddingsOf(r, r.int(1, 6), D, moderate).e;
  const want = x.map((a) => y.map((b) => dist.f(a, b)));
  return {
    fn: `pairwise(${dist.code.split('(')[0]})`,
    expect: moderate ? 'valid' : 'any',
    finite: moderate ? undefined : false,
    repro: { call: `pairwise(${dist.code}, tensor2d(x), ${same ? 'the same tensor' : 'tensor2d(y)'})`, x, ...(same ? {} : { y }) },
    prepare: () => {
      const xt = tf.tensor2d(x, [N, D]);
      return { xt, yt: same ? xt : tf.tensor2d(y, [y.length, D]) };
    },
    run: ({ xt, yt }) => M.pairwise(dist.build(M), xt, yt),
    check: (out) => {
      if (!moderate) return undefined;
      // Near the Poincaré ball's boundary the metric amplifies float32 rounding of the projection (1/(1 − c‖x‖²)):
      // only points strictly inside are compared.
      if (dist.fragile && dist.c !== Infinity && [...x, ...y].some((v) => Math.sqrt(v.reduce((s2, t) => s2 + t * t, 0)) > 0.9 / Math.sqrt(dist.c))) return undefined;
      // SNR: a row with (nearly) constant features divides by a variance at the rounding level
      if (dist.code === 'snr()' && x.some((v) => { const mu = v.reduce((a, b) => a + b, 0) / v.length; return v.reduce((a, b) => a + (b - mu) ** 2, 0) < 1e-3 * Math.max(1e-30, ...v.map((t) => t * t)); })) return undefined;
      const scale = Math.max(1, ...x.flat().map(Math.abs), ...y.flat().map(Math.abs));
      const msg = ref.allClose(Array.from(out.dataSync()), want.flat(), { rtol: dist.fragile ? 1e-2 : 1e-3, atol: 1e-4 * (dist.code.startsWith('dot') || dist.code.includes('squared') ? scale * scale : dist.code.startsWith('cos') ? 1 : scale) });
      return msg ? { category: 'wrong value', kind: `pairwise ${dist.code.split('(')[0]} vs float64 reference`, message: `${dist.code}: ${msg}` } : undefined;
    },
  };
}

// ── losses with references ───────────────────────────────────────────────────

/** Per-element masks of valid pairs and triplets from labels (PML's "all pairs / all triplets"). */
function pairs(labels) {
  const B = labels.length;
  const pos = [];
  const neg = [];
  for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) {
    if (i !== j && labels[i] === labels[j]) pos.push([i, j]);
    if (labels[i] !== labels[j]) neg.push([i, j]);
  }
  return { pos, neg };
}

/** Reduces element losses grouped by anchor with a PML-style reducer. */
function reduceElements(elems, reducer, B) {
  if (reducer === 'perAnchor') {
    return Array.from({ length: B }, (_, a) => {
      const mine = elems.filter((e) => e.a === a);
      return mine.length === 0 ? 0 : mine.reduce((s, e) => s + e.l, 0) / mine.length;
    });
  }
  if (reducer === 'meanNonZero') {
    const nz = elems.filter((e) => e.l > 0);
    return nz.length === 0 ? 0 : nz.reduce((s, e) => s + e.l, 0) / nz.length;
  }
  return elems.length === 0 ? 0 : elems.reduce((s, e) => s + e.l, 0) / elems.length;
}

function referenceCase(r, lib) {
  const M = lib.metricLearning;
  const loss = r.pick(['tripletMargin', 'contrastive', 'ntXent']);
  let dist = randomDistance(r);
  while (dist.fragile) dist = randomDistance(r);
  const B = r.int(1, 7);
  const D = r.int(1, 5);
  const moderate = r.bool(0.85);
  const { e, mode } = embeddingsOf(r, B, D, moderate);
  const labels = Array.from({ length: B }, () => r.int(0, r.pick([1, 2, 3])));
  const reducer = r.pick(loss === 'ntXent' ? ['mean', 'perAnchor'] : ['mean', 'meanNonZero', 'perAnchor']);
  const margin = r.pick([0, 0.05, 0.5, 1]);
  const d = e.map((a) => e.map((b) => dist.f(a, b)));
  const { pos, neg } = pairs(labels);
  let value;
  let elemsForMag = 0;
  // meanNonZero counts elements with l > 0: an element whose pre-relu value is within rounding of 0 may count in
  // float32 and not in float64 (or back), so such inputs are not compared.
  let nearZero = false;
  const hinge = (raw) => {
    if (Math.abs(raw) < 1e-5 * (1 + Math.abs(margin))) nearZero = true;
    return Math.max(0, raw);
  };
  if (loss === 'tripletMargin') {
    const elems = [];
    for (const [a, p] of pos) for (const [a2, n] of neg) if (a2 === a) elems.push({ a, l: hinge((dist.inverted ? d[a][n] - d[a][p] : d[a][p] - d[a][n]) + margin) });
    value = reduceElements(elems, reducer, B);
    elemsForMag = elems.length;
  } else if (loss === 'contrastive') {
    const posM = dist.inverted ? 1 : 0;
    const negM = dist.inverted ? 0 : margin;
    const lp = pos.map(([a, p]) => ({ a, l: hinge(dist.inverted ? posM - d[a][p] : d[a][p] - posM) }));
    const ln = neg.map(([a, n]) => ({ a, l: hinge(dist.inverted ? d[a][n] - negM : negM - d[a][n]) }));
    const rp = reduceElements(lp, reducer, B);
    const rn = reduceElements(ln, reducer, B);
    value = Array.isArray(rp) ? rp.map((v, i) => v + rn[i]) : rp + rn;
  } else {
    const tau = r.pick([0.07, 0.5, 1]);
    const s = d.map((row) => row.map((v) => (dist.inverted ? v : -v) / tau));
    const elems = pos.map(([a, p]) => {
      const negs = neg.filter(([a2]) => a2 === a).map(([, n]) => s[a][n]);
      return { a, l: negs.length === 0 ? 0 : ref.softplus(ref.lse(negs) - s[a][p]) };
    });
    value = reduceElements(elems, reducer, B);
    dist.tau = tau;
  }
  const opts = { ...(loss === 'ntXent' ? { temperature: dist.tau } : loss === 'contrastive' ? (dist.inverted ? {} : { negMargin: margin }) : { margin }) };
  const code = `${loss}({ ${Object.entries(opts).map(([k, v]) => `${k}: ${v}, `).join('')}distance: ${dist.code}, reducer: ${reducer}() })`;
  const sampleLevel = reducer === 'perAnchor';
  const method = sampleLevel ? r.pick(['call', 'perSample', 'valueAndGrad', 'parts']) : r.pick(['call', 'valueAndGrad', 'parts']);
  const options = { from: 'embeddings', ...(r.bool(0.2) ? { reduction: sampleLevel ? r.pick(['sum', 'mean']) : 'mean' } : {}) };
  const perSample = sampleLevel ? value : [value];
  // Coincident embeddings sit at the distance floor (1e-12, or 1e-6 after the root): whether such a loss counts as
  // "non-zero" for meanNonZero is a floor artifact, not checked.
  const floorTies = e.some((a, i) => e.some((b, j) => i !== j && dist.f(a, b) < 1e-5));
  const scale = Math.max(1, ...e.flat().map(Math.abs));
  const dScale = dist.code.startsWith('dot') || dist.code.includes('squared') ? scale * scale : dist.code.startsWith('cos') ? 1 : scale;
  return compiledCase(lib, {
    fn: `compile(${loss}, distance ${dist.code.split('(')[0]}, reducer ${reducer})`,
    code,
    build: () => M[loss]({ ...opts, distance: dist.build(M), reducer: M[reducer]() }),
    options,
    method,
    yTrue: labels,
    yPred: e,
    tensors: r.bool(0.4) ? { yPred: 'float32', yTrue: r.pick(['int32', 'float32']) } : {},
    expect: moderate ? 'valid' : 'any',
    level: sampleLevel ? 'sample' : 'batch',
    ref: moderate && method !== 'perSample' && !((floorTies || nearZero) && reducer === 'meanNonZero') ? { perSample, mag: perSample.map(() => (loss === 'ntXent' ? dScale / dist.tau : dScale) * 4 * (1 + elemsForMag * 0)), rtol: 2e-3 } : undefined,
    oracles: ['mean', 'vag', 'parts'].filter(() => r.bool(0.5)),
    finite: moderate ? undefined : false,
    why: mode,
  });
}

// ── every catalog loss, with its inputs ──────────────────────────────────────

const NEEDS = {
  clip: 'text',
  siglip: 'text',
  byol: 'target',
  proxyNca: 'proxies',
  proxyAnchor: 'proxies',
  arcFace: 'weights',
  cosFace: 'weights',
  adaFace: 'weights',
  largeMarginSoftmax: 'weights',
  sphereFace: 'weights',
  normalizedSoftmax: 'weights',
  p2sGrad: 'weights',
  softTriple: 'centers',
  subCenterArcFace: 'centers',
  manifold: 'proxies',
  vicreg: 'reference',
  dynamicSoftMargin: 'histogram',
};
/** Centers per class of the losses whose weights hold K rows per class. */
const CENTERS = { softTriple: (o) => o.centersPerClass ?? 10, subCenterArcFace: (o) => o.subCenters ?? 3 };

function catalogCase(r, lib) {
  const M = lib.metricLearning;
  const entries = M.catalog.filter((c) => c.export !== 'seclaLoss' && c.export !== 'teenCalibrate' && c.export !== 'amclNtXent' && c.export !== 'hyperbolicMlr' && c.export !== 'bt2Loss' && c.export !== 'orthonormalBasis' && c.export !== 'sbcl' && c.export !== 'sbclSubclasses' && c.export !== 'wpcLoss' && c.export !== 'criticGradientPenalty');
  const entry = r.pick(entries);
  const name = entry.export;
  const B = name === 'isogclr' || name === 'hypPairwiseConfusion' ? 2 * r.int(1, 4) : r.int(1, 8);
  const D = r.int(1, 5);
  const moderate = r.bool(0.85);
  const { e } = embeddingsOf(r, B, D, moderate);
  const C = r.int(1, 4);
  let labels = Array.from({ length: B }, () => r.int(0, C - 1));
  const opts = {};
  let invalid;
  for (const p of entry.params) {
    // iSogCLR's temperature bounds constrain each other (τ_min ≤ τ_init ≤ τ_max): left at their defaults.
    if (!p.range || typeof p.range !== 'object' || r.bool(0.6) || (name === 'isogclr' && p.name.startsWith('tau'))) continue;
    const { min, max, minExclusive, maxExclusive } = p.range;
    if (r.bool(0.15)) {
      const bad = r.pick([NaN, Infinity, ...(min !== undefined ? [min - 1, ...(minExclusive ? [min] : [])] : []), ...(max !== undefined ? [max + 1, ...(maxExclusive ? [max] : [])] : [])]);
      opts[p.name] = bad;
      invalid = `${p.name} = ${bad} (range ${JSON.stringify(p.range)})`;
    } else if (min !== undefined && max !== undefined) opts[p.name] = min + (max - min) * r.float(0.05, 0.95);
    else if (min !== undefined) opts[p.name] = Number.isInteger(p.default) ? Math.max(Math.ceil(min + (minExclusive ? 1 : 0)), r.pick([1, 2, 4])) : min + r.pick([0.05, 0.5, 1, 3]) + (minExclusive ? 1e-3 : 0);
  }
  if (entry.id === 'adaface-running') opts.normStats = 'running';
  const inputs = {};
  const need = NEEDS[name];
  if (need === 'text' || need === 'target' || need === 'reference') inputs[need] = embeddingsOf(r, B, D).e;
  if (need === 'proxies' || need === 'weights') inputs[need] = embeddingsOf(r, C, D).e;
  if (need === 'centers') {
    // an out-of-range K (the invalid-hyperparameter draws) still gets a small, well-formed matrix: the builder rejects K
    const K = CENTERS[name](opts);
    inputs.weights = embeddingsOf(r, C * (Number.isInteger(K) && K >= 1 && K <= 16 ? K : 2), D).e;
  }
  // a histogram of d_ap − d_an from dynamicSoftMarginState (any non-negative counts)
  if (need === 'histogram') inputs.dsmHistogram = Array.from({ length: Number.isInteger(opts.numBins) && opts.numBins > 0 && opts.numBins <= 1e5 ? opts.numBins : 10 }, () => r.float(0, 1));
  let isogclrIds;
  if (name === 'isogclr') {
    const half = B / 2;
    isogclrIds = Array.from({ length: half }, (_, i) => i);
    labels = [...isogclrIds, ...isogclrIds];
  }
  const method = r.pick(['call', 'valueAndGrad', 'parts']);
  const level = (() => {
    try {
      return M[name](entry.id === 'adaface-running' ? { normStats: 'running' } : {}).level;
    } catch {
      return 'batch';
    }
  })();
  const state = {};
  // iSogCLR's hyperparameters belong to its state (isogclrState), not to the loss builder.
  const builderOpts = name === 'isogclr' ? {} : opts;
  // MetriX draws λ from a Beta sampler at every evaluation unless λ is given: no consistency oracles then.
  const randomByDesign = name === 'metrix' && opts.lambda === undefined;
  const base = compiledCase(lib, {
    fn: `${name} (${entry.id})`,
    code: name === 'isogclr' ? `isogclr() with isogclrState(B / 2, ${JSON.stringify(opts)})` : `${name}(${JSON.stringify(opts)})`,
    build: () => M[name](builderOpts),
    options: { from: 'embeddings' },
    method: level === 'sample' && r.bool(0.25) ? 'perSample' : method,
    yTrue: labels,
    yPred: e,
    inputs: Object.keys(inputs).length ? inputs : undefined,
    tensors: r.bool(0.3) ? { yPred: 'float32', yTrue: 'int32', inputs: 'float32' } : {},
    expect: invalid ? 'invalid' : moderate && B >= (name === 'icnn' ? 3 : name === 'isogclr' ? 4 : 2) && (C >= 2 || name === 'isogclr') ? 'valid' : 'any',
    finite: invalid ? undefined : true,
    why: invalid ? `hyperparameter out of the catalog range: ${invalid}` : 'batch too small, one class, or extreme embeddings',
    codes: ['INVALID_PARAMETER'],
    level,
    oracles: invalid || randomByDesign ? [] : ['mean', 'vag', 'parts'].filter(() => r.bool(0.5)),
  });
  if (name === 'isogclr' || entry.id === 'adaface-running') {
    // The per-step inputs come from the caller-owned state objects (built inside the measured call: they are API too).
    const run = base.run;
    base.run = (inp) => {
      if (name === 'isogclr') {
        state.iso = M.isogclrState(B / 2, opts);
        const step = state.iso.update(isogclrIds, e);
        inp.yTrue = Array.from(step.labels);
        inp.inputs = { ...(inp.inputs ?? {}), isogclrTau: Array.from(step.inputs.isogclrTau), isogclrS: Array.from(step.inputs.isogclrS) };
      } else {
        const stats = M.adaFaceNormStats();
        inp.inputs = { ...(inp.inputs ?? {}), ...(B >= 2 ? stats.update(e) : { adaFaceNormMean: 20, adaFaceNormStd: 100 }) };
      }
      return run(inp);
    };
    base.repro = { ...base.repro, note: name === 'isogclr' ? 'labels and inputs from isogclrState(B / 2).update(ids, yPred)' : 'inputs from adaFaceNormStats().update(yPred)' };
  }
  return base;
}

// ── retrieval and clustering metrics ─────────────────────────────────────────

function rankedLabels(emb, labels, metric) {
  const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return emb.map((q, i) => {
    const d = [];
    emb.forEach((x, j) => {
      if (j === i) return;
      let v;
      if (metric === 'cosine') v = -q.reduce((s, a, k) => s + a * x[k], 0) / (norm(q) * norm(x));
      else v = q.reduce((s, a, k) => s + (a - x[k]) ** 2, 0);
      d.push([v, j]);
    });
    d.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return d.map(([, j]) => labels[j]);
  });
}

/** Whether some query has two neighbours of different labels at the same distance (to float32 precision): the order is then a tie-break. */
function rankTies(emb, labels, metric) {
  const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return emb.some((q, i) => {
    const d = [];
    emb.forEach((x, j) => {
      if (j === i) return;
      d.push([metric === 'cosine' ? -q.reduce((s, a, k) => s + a * x[k], 0) / (norm(q) * norm(x)) : q.reduce((s, a, k) => s + (a - x[k]) ** 2, 0), labels[j]]);
    });
    return d.some(([a, la], u) => d.some(([b, lb], v) => v > u && la !== lb && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b))));
  });
}

function metricsCase(r, lib) {
  const M = lib.metricLearning;
  const fn = r.pick(['recallAtK', 'precisionAt1', 'mapAtR', 'nmi', 'kMeans', 'nmiOfKMeans']);
  const B = r.int(0, 8);
  const D = r.int(1, 4);
  const emb = r.matrix(B, D, r.pick(['normal', 'ties']), 1);
  const labels = Array.from({ length: B }, () => r.int(0, 2));
  const metric = r.pick(['cosine', 'euclidean']);
  const k = r.pick([1, 2, 5, 0]);
  if (fn === 'nmi') {
    const b = Array.from({ length: B }, () => r.int(0, 2));
    // NMI = I(a; b) / sqrt(H(a) H(b)) as documented (1 when both partitions are trivial, 0 when one is).
    const H = (x) => {
      const c = new Map();
      x.forEach((v) => c.set(v, (c.get(v) ?? 0) + 1));
      return -[...c.values()].reduce((s, n) => s + (n / x.length) * Math.log(n / x.length), 0);
    };
    const joint = labels.map((a, i) => `${a},${b[i]}`);
    const I = H(labels) + H(b) - H(joint);
    const den = Math.sqrt(H(labels) * H(b));
    return {
      fn: 'nmi',
      expect: B === 0 ? 'any' : 'valid',
      finite: B !== 0,
      repro: { call: 'nmi(a, b)', a: labels, b },
      run: () => M.nmi(labels, b),
      check: (v) => (B > 0 && den > 0 && Math.abs(v - I / den) > 1e-9 ? { category: 'wrong value', kind: 'nmi vs definition I / sqrt(H(a) H(b))', message: `expected ${I / den}, got ${v}` } : undefined),
    };
  }
  const ranked = B > 0 ? rankedLabels(emb, labels, metric) : [];
  let want;
  let valid = B >= 2;
  if (fn === 'recallAtK') {
    valid &&= k >= 1;
    want = ranked.filter((row, i) => row.slice(0, k).includes(labels[i])).length / B;
  } else if (fn === 'precisionAt1') {
    // PML's AccuracyCalculator: queries without any same-label reference ("lone") are left out; 0 when all are lone
    const counted = ranked.filter((row, i) => row.includes(labels[i]));
    want = counted.length === 0 ? 0 : ranked.filter((row, i) => row.includes(labels[i]) && row[0] === labels[i]).length / counted.length;
  } else if (fn === 'mapAtR') {
    let total = 0;
    let n = 0;
    ranked.forEach((row, q) => {
      const R = row.filter((l) => l === labels[q]).length;
      if (R === 0) return;
      let hits = 0;
      let s = 0;
      for (let i = 0; i < R; i++) if (row[i] === labels[q]) s += ++hits / (i + 1);
      total += s / R;
      n++;
    });
    want = n === 0 ? 0 : total / n;
  }
  // Ties in distance make the neighbour order a convention (by index here and in the library).
  const tied = ranked.length > 0 && (emb.some((a, i) => emb.some((b, j) => i !== j && a.every((v, t) => v === b[t]))) || rankTies(emb, labels, metric));
  return {
    fn,
    expect: valid || (fn === 'kMeans' && B >= 1) ? 'valid' : B === 0 && fn !== 'mapAtR' ? 'invalid' : 'any',
    why: B === 0 ? 'no embeddings' : `k = ${k}`,
    finite: valid ? undefined : fn === 'kMeans' ? undefined : false,
    repro: { call: fn === 'kMeans' ? `kMeans(rows, ${Math.min(2, Math.max(1, B))}, { seed: 1 })` : fn === 'nmiOfKMeans' ? 'nmiOfKMeans(embeddings, labels, { seed: 1 })' : `${fn}(embeddings, labels${fn === 'recallAtK' ? `, ${k}` : ''}, { metric: '${metric}' })`, embeddings: emb, labels },
    run: () => {
      if (fn === 'kMeans') return M.kMeans(emb, Math.min(2, Math.max(1, B)), { seed: 1 });
      if (fn === 'nmiOfKMeans') return M.nmiOfKMeans(emb, labels, { seed: 1 });
      if (fn === 'recallAtK') return M.recallAtK(emb, labels, k, { metric });
      return M[fn](emb, labels, { metric });
    },
    check: (v) => {
      if (fn === 'kMeans') return Array.isArray(v) && v.length === B && v.every((c) => Number.isInteger(c) && c >= 0 && c < Math.max(1, Math.min(2, B))) ? undefined : { category: 'wrong value', kind: 'kMeans assignments', message: JSON.stringify(v) };
      if (want === undefined || tied || !valid) return undefined;
      return Math.abs(v - want) > 1e-12 ? { category: 'wrong value', kind: `${fn} vs definition`, message: `expected ${want}, got ${v}` } : undefined;
    },
  };
}

// ── helpers ──────────────────────────────────────────────────────────────────

function helperCase(r, lib) {
  const M = lib.metricLearning;
  const fn = r.pick(['l2Normalize', 'projectToBall', 'byolTau', 'minePairs', 'mineTriplets', 'emaUpdate', 'seclaLoss', 'teenCalibrate', 'amclNtXent', 'hypPairwiseConfusion', 'hyperbolicMlr', 'bt2Loss', 'orthonormalBasis', 'sbcl', 'sbclSubclasses', 'energyConfusion', 'wpcLoss', 'criticGradientPenalty']);
  const B = r.int(1, 5);
  const D = r.int(1, 4);
  const x = r.matrix(B, D, r.pick(['normal', 'zeros', 'ties']), r.pick([1, 1e-3, 100]));
  if (fn === 'l2Normalize' || fn === 'projectToBall') {
    const c = r.pick([1, 0.25]);
    const want = x.map((row) => {
      const n = Math.sqrt(Math.max(row.reduce((s, v) => s + v * v, 0), 1e-12));
      return fn === 'l2Normalize' ? row.map((v) => v / n) : row.map((v) => v * Math.min((1 - 1e-5) / Math.sqrt(c) / n, 1));
    });
    return {
      fn,
      expect: 'valid',
      repro: { call: fn === 'l2Normalize' ? 'l2Normalize(tensor2d(x))' : `projectToBall(tensor2d(x), ${c})`, x },
      prepare: () => ({ t: tf.tensor2d(x, [B, D]) }),
      run: ({ t }) => (fn === 'l2Normalize' ? M.l2Normalize(t) : M.projectToBall(t, c)),
      check: (out) => {
        const msg = ref.allClose(Array.from(out.dataSync()), want.flat(), { rtol: 1e-4, atol: 1e-6 });
        return msg ? { category: 'wrong value', kind: `${fn} vs reference`, message: msg } : undefined;
      },
    };
  }
  if (fn === 'byolTau') {
    const step = r.pick([0, 5, 10, -1, NaN]);
    const total = r.pick([10, 1, 0]);
    const base = r.pick([0.996, 0, 1.5]);
    const valid = Number.isFinite(step) && step >= 0 && total > 0 && step <= total && base >= 0 && base <= 1;
    // BYOL (Grill et al. 2020): τ = 1 − (1 − τ_base)(cos(πk/K) + 1)/2.
    const want = 1 - ((1 - base) * (Math.cos((Math.PI * step) / total) + 1)) / 2;
    return {
      fn: 'byolTau',
      expect: valid ? 'valid' : 'any',
      finite: valid ? undefined : true,
      repro: { call: `byolTau(${step}, ${total}, ${base})` },
      run: () => M.byolTau(step, total, base),
      check: (v) => (valid && Math.abs(v - want) > 1e-12 ? { category: 'wrong value', kind: 'byolTau vs formula', message: `expected ${want}, got ${v}` } : undefined),
    };
  }
  if (fn === 'emaUpdate') {
    const tau = r.pick([0.9, 0, 1, 1.5, NaN]);
    return {
      fn: 'emaUpdate',
      expect: tau >= 0 && tau <= 1 ? 'valid' : 'invalid',
      why: `tau ${tau}`,
      codes: ['INVALID_PARAMETER'],
      finite: false,
      repro: { call: `emaUpdate([variable(target)], [online], ${tau})`, target: x },
      prepare: () => ({ v: tf.variable(tf.tensor2d(x, [B, D])), o: tf.ones([B, D]) }),
      run: ({ v, o }) => {
        M.emaUpdate([v], [o], tau);
        return Array.from(v.dataSync());
      },
      check: (got) => {
        const want = x.flat().map((t) => tau * t + (1 - tau));
        const msg = ref.allClose(got, want, { rtol: 1e-5, atol: 1e-6 });
        return msg ? { category: 'wrong value', kind: 'emaUpdate vs τ·target + (1 − τ)·online', message: msg } : undefined;
      },
    };
  }
  if (fn === 'energyConfusion') {
    // ECAML (Chen & Deng 2019, the authors' EnergyConfusionLossLayer over every cross-class pair): float64
    // log((1/|N|) Σ_{i<j, y_i≠y_j} ½‖x_i − x_j‖²), 0 with one class, the mean floored at 1e-30.
    const xe = r.matrix(B, D, r.pick(['normal', 'ties', 'zeros']), r.pick([1, 1e-3, 100, 1e20]));
    const ye = Array.from({ length: B }, () => r.int(0, 2));
    let sum = 0;
    let n = 0;
    for (let i = 0; i < B; i++) {
      for (let j = i + 1; j < B; j++) {
        if (ye[i] === ye[j]) continue;
        sum += 0.5 * xe[i].reduce((a, v, k) => a + (v - xe[j][k]) ** 2, 0);
        n++;
      }
    }
    const want = n === 0 ? 0 : Math.log(Math.max(sum / n, 1e-30));
    // near the floor the float32 centring residue decides the value: compared only when the energy is resolvable
    const scale = Math.max(1e-30, ...xe.flat().map(Math.abs)) ** 2;
    const comparable = n === 0 || sum / n > 1e-6 * scale;
    return {
      fn: 'energyConfusion',
      expect: 'valid',
      finite: true,
      repro: { call: "compile(energyConfusion(), { from: 'embeddings' })(labels, x)", labels: ye, x: xe },
      run: () => lib.core.compile(M.energyConfusion(), { from: 'embeddings' })(ye, xe),
      check: (out) => {
        const got = out.dataSync()[0];
        return comparable && Math.abs(got - want) > 1e-4 * Math.max(1, Math.abs(want)) ? { category: 'wrong value', kind: 'energyConfusion vs float64 reference', message: `expected ${want}, got ${got}` } : undefined;
      },
    };
  }
  if (fn === 'wpcLoss' || fn === 'criticGradientPenalty') {
    // WPC (Ozair et al. 2019) with the bilinear critic f(x, y) = xᵀWy: float64 InfoNCE over all pairs plus
    // λ·mean_i (‖(W y_i, Wᵀ x_i)‖ − K)² (norm floored at 1e-6), or the penalty alone.
    const Dy = r.int(1, 3);
    const ys = r.matrix(B, Dy, r.pick(['normal', 'ties', 'zeros']), r.pick([1, 0.1, 10]));
    const w = r.matrix(D, Dy, 'normal', r.pick([0.5, 1, 3]));
    const lambda = r.pick([10, 0, 1, -1]);
    const k = r.pick([1, 2, 0]);
    const badRows = r.bool(0.08);
    const valid = k > 0 && (fn === 'criticGradientPenalty' || lambda >= 0) && !badRows;
    const yIn = badRows ? ys.slice(1) : ys;
    const f = (a, b) => a.reduce((s0, av, i) => s0 + av * w[i].reduce((t, wv, j) => t + wv * b[j], 0), 0);
    const gp = x.reduce((s0, xi, i) => {
      const wy = w.map((row) => row.reduce((t, v, j) => t + v * ys[i][j], 0));
      const wtx = w[0].map((_, j) => w.reduce((t, row, a) => t + row[j] * xi[a], 0));
      return s0 + (Math.sqrt(Math.max([...wy, ...wtx].reduce((t, v) => t + v * v, 0), 1e-12)) - k) ** 2;
    }, 0) / B;
    const nce = x.reduce((s0, xi, i) => {
      const row = ys.map((yj) => f(xi, yj));
      const m = Math.max(...row);
      return s0 + (m - row[i]) + Math.log(row.reduce((t, v) => t + Math.exp(v - m), 0));
    }, 0) / B;
    const want = fn === 'criticGradientPenalty' ? gp : nce + (lambda > 0 ? lambda * gp : 0);
    return {
      fn,
      expect: valid ? 'valid' : 'invalid',
      why: `penaltyWeight ${lambda}, lipschitz ${k}${badRows ? ', y with one row fewer' : ''}`,
      codes: ['INVALID_PARAMETER', 'SHAPE_MISMATCH'],
      finite: valid ? true : undefined,
      repro: { call: `${fn}((x, y) => sum(mul(matMul(x, W), y), -1), x, y, { ${fn === 'wpcLoss' ? `penaltyWeight: ${lambda}, ` : ''}lipschitz: ${k} })`, x, y: yIn, W: w },
      prepare: () => ({ W: tf.tensor2d(w, [D, Dy]) }),
      run: ({ W }) => {
        const critic = (a, b) => tf.sum(tf.mul(tf.matMul(a, W), b), -1);
        return fn === 'wpcLoss' ? M.wpcLoss(critic, x, yIn, { penaltyWeight: lambda, lipschitz: k }) : M.criticGradientPenalty(critic, x, yIn, { lipschitz: k });
      },
      check: (out) => {
        const got = out.dataSync()[0];
        return Math.abs(got - want) > 1e-4 * Math.max(1, Math.abs(want)) ? { category: 'wrong value', kind: `${fn} vs float64 reference`, message: `expected ${want}, got ${got}` } : undefined;
      },
    };
  }
  if (fn === 'sbcl') return sbclCase(r, lib, D);
  if (fn === 'sbclSubclasses') return sbclSubclassesCase(r, lib, D);
  if (fn === 'orthonormalBasis') {
    // BT² basis transformation (Zhou et al. 2023) as torch's orthogonal(matrix_exp): Q = exp(tril(w,−1) − tril(w,−1)ᵀ).
    // Float64 reference: scaling and squaring with a long Taylor series; checked by value and QᵀQ = I.
    const n = D;
    const square = r.bool(0.9);
    const w = r.matrix(n, square ? n : n + 1, r.pick(['normal', 'ties', 'zeros']), r.pick([0.1, 1, 5]));
    const A = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i > j ? w[i][j] : i < j ? -w[j][i] : 0)));
    const mm = (a, b) => a.map((row) => b[0].map((_, j) => row.reduce((s, y, k) => s + y * b[k][j], 0)));
    const norm1 = Math.max(...A[0].map((_, j) => A.reduce((s, row) => s + Math.abs(row[j]), 0)));
    const sc = norm1 > 0.5 ? Math.ceil(Math.log2(norm1 / 0.5)) : 0;
    const As = A.map((row) => row.map((y) => y / 2 ** sc));
    let term = A.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
    let sum = term.map((row) => [...row]);
    for (let k = 1; k < 30; k++) {
      term = mm(term, As).map((row) => row.map((y) => y / k));
      sum = sum.map((row, i) => row.map((y, j) => y + term[i][j]));
    }
    for (let k = 0; k < sc; k++) sum = mm(sum, sum);
    return {
      fn: 'orthonormalBasis',
      expect: square ? 'valid' : 'invalid',
      why: square ? undefined : 'w not square',
      codes: ['SHAPE_MISMATCH'],
      repro: { call: 'orthonormalBasis(w)', w },
      run: () => M.orthonormalBasis(w),
      check: (out) => {
        const msg = ref.allClose(Array.from(out.dataSync()), sum.flat(), { rtol: 1e-4, atol: 1e-4 });
        return msg ? { category: 'wrong value', kind: 'orthonormalBasis vs float64 exp', message: msg } : undefined;
      },
    };
  }
  if (fn === 'bt2Loss') {
    // BT² transfer loss (Zhou et al. 2023, authors' TransferTrainer): CE + w_p CE(c̄Wᵀ) + w_o(1 − mean cos(φ_old, c)) + w_n(1 − mean cos(φ′, f)).
    const C = r.int(1, 3);
    const logits = r.matrix(B, C, r.pick(['normal', 'ties', 'extreme', 'mixed']), r.pick([1, 10]));
    const labels = Array.from({ length: B }, () => r.int(0, C - 1));
    const badLabel = r.bool(0.08);
    if (badLabel) labels[0] = C;
    const compat = r.matrix(B, D, r.pick(['normal', 'ties', 'mixed']), 1);
    const feat = r.matrix(B, D, 'normal', r.pick([1, 1e-3, 100]));
    const oldT = r.matrix(B, D, 'normal', 1);
    const newT = r.matrix(B, D, 'normal', 1);
    const W = r.bool() ? r.matrix(C, D, 'normal', 1) : undefined;
    const wts = { pseudoWeight: r.pick([10, 0.5, -1]), oldWeight: r.pick([10, 0]), newWeight: r.pick([1, 2]) };
    const valid = !badLabel && wts.pseudoWeight >= 0;
    const dot = (u, v) => u.reduce((s, y, i) => s + y * v[i], 0);
    const unit = (v) => {
      const m = Math.max(...v.map(Math.abs));
      if (m === 0) return v.map(() => 0);
      const n = Math.sqrt(Math.max(v.reduce((s, y) => s + (y / m) ** 2, 0), 1e-12 / (m * m)));
      return v.map((y) => y / m / n);
    };
    const ce = (z) => z.reduce((s, row, b) => {
      const m = Math.max(...row);
      return s + (m - row[labels[b]]) + Math.log(row.reduce((t, v) => t + Math.exp(v - m), 0));
    }, 0) / z.length;
    let want = NaN;
    if (valid) {
      const cb = compat.map(unit);
      want = ce(logits);
      if (W) want += wts.pseudoWeight * ce(cb.map((row) => W.map((wk) => dot(row, wk))));
      want += wts.oldWeight * (1 - cb.reduce((s, row, i) => s + dot(unit(oldT[i]), row), 0) / B);
      want += wts.newWeight * (1 - feat.map(unit).reduce((s, row, i) => s + dot(unit(newT[i]), row), 0) / B);
    }
    return {
      fn: 'bt2Loss',
      expect: valid ? 'valid' : 'invalid',
      why: badLabel ? 'label out of range' : `weights ${JSON.stringify(wts)}`,
      codes: ['LABEL_OUT_OF_RANGE', 'INVALID_PARAMETER'],
      repro: { call: `bt2Loss({ logits, labels, compatible, features, oldTargets, newTargets${W ? ', pseudoClassifier: W' : ''} }, ${JSON.stringify(wts)})`, logits, labels, compat, feat, oldT, newT, W },
      run: () => M.bt2Loss({ logits, labels, compatible: compat, features: feat, oldTargets: oldT, newTargets: newT, ...(W ? { pseudoClassifier: W } : {}) }, wts),
      check: (out) => {
        const got = out.dataSync()[0];
        return Math.abs(got - want) > 1e-4 * Math.max(1, Math.abs(want)) ? { category: 'wrong value', kind: 'bt2Loss vs float64 reference', message: `expected ${want}, got ${got}` } : undefined;
      },
    };
  }
  if (fn === 'hyperbolicMlr') {
    // Hyperbolic MLR logits (Ganea et al. 2018; Hyp-OC's classifier, Narayan & Patel 2024) in hyptorch's
    // parameterization: p = exp₀(u), a' = a(1 − c‖p‖²), logit = (λ_p‖a'‖/√c) asinh(2√c⟨(−p)⊕x, a'⟩/(‖a'‖(1 − c‖(−p)⊕x‖²))).
    const C = r.int(1, 3);
    const a = r.matrix(C, D, r.pick(['normal', 'ties', 'zeros']), r.pick([1, 1e-3, 100]));
    const u = r.matrix(C, D, 'normal', r.pick([0.3, 1]));
    const c = r.pick([1, 0.5, 0, NaN]);
    const badShape = r.bool(0.1);
    const valid = c > 0 && !badShape;
    const uIn = badShape ? u.slice(0, Math.max(0, C - 1)).concat([[...u[0], 1]]) : u;
    const dot = (v, w) => v.reduce((s, y, i) => s + y * w[i], 0);
    const sc = Math.sqrt(c);
    const ball = (v) => {
      const n = Math.sqrt(Math.max(dot(v, v), 1e-12));
      return v.map((y) => y * Math.min((1 - 1e-5) / sc / n, 1));
    };
    let nearEdge = false;
    const want = valid
      ? x.map((row) => {
          const xb = ball(row);
          return a.map((ak, k) => {
            const un = Math.max(Math.sqrt(dot(u[k], u[k])), 1e-300);
            const p = ball(u[k].map((v) => (Math.tanh(sc * un) * v) / (sc * un)));
            const an = Math.sqrt(dot(ak, ak));
            if (an === 0) return 0;
            const np = p.map((v) => -v);
            const xy = dot(np, xb);
            const den = 1 + 2 * c * xy + c * c * dot(np, np) * dot(xb, xb);
            const m = np.map((pi, i) => ((1 + 2 * c * xy + c * dot(xb, xb)) * pi + (1 - c * dot(np, np)) * xb[i]) / den);
            const gap = 1 - c * dot(m, m);
            if (gap < 1e-2 || c * dot(xb, xb) > 0.9 || c * dot(p, p) > 0.9) nearEdge = true;
            return ((2 * an) / sc) * Math.asinh((2 * sc * dot(m, ak)) / (an * gap));
          });
        })
      : [];
    return {
      fn: 'hyperbolicMlr',
      expect: valid ? 'valid' : 'invalid',
      why: `c ${c}${badShape ? ', u of another shape' : ''}`,
      codes: ['INVALID_PARAMETER', 'SHAPE_MISMATCH'],
      repro: { call: `hyperbolicMlr(x, a, u, { c: ${c} })`, x, a, u: uIn },
      run: () => M.hyperbolicMlr(x, a, uIn, { c }),
      check: (out) => {
        // near the ball's edge 1 − c‖·‖² loses float32 digits: checked for finiteness only (by the harness)
        if (nearEdge) return undefined;
        const msg = ref.allClose(Array.from(out.dataSync()), want.flat(), { rtol: 1e-3, atol: 1e-4 });
        return msg ? { category: 'wrong value', kind: 'hyperbolicMlr vs float64 reference', message: msg } : undefined;
      },
    };
  }
  if (fn === 'hypPairwiseConfusion') {
    // Hyp-PC (Narayan & Patel 2024, "Hyp-OC: Hyperbolic One Class Classification for Face Anti-Spoofing"):
    // L = (1/B) Σ_{i<B/2} (2/√c) artanh(√c‖(−x_i) ⊕_c x_{i+B/2}‖), rows first projected into the ball; float64 below.
    const c = r.pick([1, 0.3, 0, -1]);
    const valid = c > 0 && B % 2 === 0;
    const dot = (u, v) => u.reduce((s, y, i) => s + y * v[i], 0);
    const ball = (v) => {
      const n = Math.sqrt(Math.max(dot(v, v), 1e-12));
      return v.map((y) => y * Math.min((1 - 1e-5) / Math.sqrt(c) / n, 1));
    };
    let want = 0;
    let boundary = false;
    if (valid) {
      for (let i = 0; i < B / 2; i++) {
        const a = ball(x[i]).map((y) => -y);
        const b = ball(x[i + B / 2]);
        if (c * Math.max(dot(a, a), dot(b, b)) > 0.8) boundary = true;
        const xy = dot(a, b);
        const den = 1 + 2 * c * xy + c * c * dot(a, a) * dot(b, b);
        const m = a.map((ai, k) => ((1 + 2 * c * xy + c * dot(b, b)) * ai + (1 - c * dot(a, a)) * b[k]) / den);
        want += (2 / Math.sqrt(c)) * Math.atanh(Math.min(Math.sqrt(c * dot(m, m)), 1 - 1e-16));
      }
      want /= B;
    }
    const labels = Array.from({ length: B }, (_, i) => i % 2);
    return {
      fn: 'hypPairwiseConfusion',
      expect: valid ? 'valid' : 'invalid',
      why: `c ${c}, B ${B}`,
      codes: ['INVALID_PARAMETER', 'SHAPE_MISMATCH'],
      repro: { call: `compile(hypPairwiseConfusion({ c: ${c} }), { from: 'embeddings' })(labels, x)`, x, labels },
      run: () => lib.core.compile(M.hypPairwiseConfusion({ c }), { from: 'embeddings' })(labels, x),
      check: (out) => {
        const got = out.dataSync()[0];
        // near the ball boundary float32 1 − c‖x‖² carries ~1e-3 relative error into the distance
        const tol = boundary ? 2e-3 : 1e-4;
        return Math.abs(got - want) > tol * Math.max(1, Math.abs(want)) ? { category: 'wrong value', kind: 'hypPairwiseConfusion vs float64 Möbius reference', message: `expected ${want}, got ${got}` } : undefined;
      },
    };
  }
  if (fn === 'amclNtXent') {
    // AMCL (Wang, Koniusz, Gedeon, Zheng 2024, "Adaptive Multi-head Contrastive Learning"), SimCLR form with top-k:
    // per head and row r of both views stacked, l_r = −s_rp/τ_rp + mean_{K_r} s/τ + βΩ(τ_rp) − β Σ_{K_r}(log τ + 1/τ),
    // τ = τmin + (τmax − τmin)σ(−φ(ẑ_r)·φ(ẑ_j)), Ω(τ) = (D/2) log τ + 1/τ; loss = Σ_h mean_r l_r. Float64 reference below.
    const H = r.int(1, 2);
    const mode = r.pick(['normal', 'ties', 'extreme', 'mixed']);
    const z1 = Array.from({ length: B }, () => r.matrix(H, D, mode, r.pick([1, 1e-3, 100])));
    const z2 = Array.from({ length: B }, () => r.matrix(H, D, 'normal', 1));
    const W = r.matrix(D, 2, 'normal', 0.5);
    const beta = r.pick([1e-4, 0.05, 0, -1]);
    const topK = r.pick([100, 2, 1, 0]);
    const [tauMin, tauMax] = r.pick([[1e-5, 2], [0.05, 1], [1, 0.5]]);
    const valid = B >= 2 && beta >= 0 && topK >= 1 && tauMax > tauMin;
    const dot = (u, v) => u.reduce((s, y, i) => s + y * v[i], 0);
    const unit = (v) => {
      const m = Math.max(...v.map(Math.abs));
      if (m === 0) return v.map(() => 0);
      const n = Math.sqrt(v.reduce((s, y) => s + (y / m) ** 2, 0));
      return v.map((y) => y / m / n);
    };
    const phi = (x) => [0, 1].map((c) => x.reduce((s, y, i) => s + y * W[i][c], 0));
    const tau = (x, y) => tauMin + (tauMax - tauMin) / (1 + Math.exp(dot(phi(x), phi(y))));
    let nearTie = false;
    let want = 0;
    if (valid) {
      const n = 2 * B;
      const k = Math.min(topK, n - 2);
      for (let h = 0; h < H; h++) {
        const z = [...z1.map((row) => unit(row[h])), ...z2.map((row) => unit(row[h]))];
        let sum = 0;
        for (let a = 0; a < n; a++) {
          const p = (a + B) % n;
          const negs = z.map((_, j) => j).filter((j) => j !== a && j !== p).map((j) => ({ j, s: dot(z[a], z[j]) }));
          negs.sort((x, y) => y.s - x.s || x.j - y.j);
          if (k < negs.length && negs[k - 1].s - negs[k].s < 1e-4) nearTie = true;
          const top = negs.slice(0, k).map((q) => ({ s: q.s, t: tau(z[a], z[q.j]) }));
          const tp = tau(z[a], z[p]);
          sum += -dot(z[a], z[p]) / tp + top.reduce((s, q) => s + q.s / q.t, 0) / k + beta * ((D / 2) * Math.log(tp) + 1 / tp) - beta * top.reduce((s, q) => s + Math.log(q.t) + 1 / q.t, 0);
        }
        want += sum / n;
      }
    }
    return {
      fn: 'amclNtXent',
      expect: valid ? 'valid' : 'invalid',
      why: `B ${B}, beta ${beta}, topK ${topK}, tau [${tauMin}, ${tauMax}]`,
      codes: ['INVALID_PARAMETER', 'EMPTY_BATCH'],
      repro: { call: `amclNtXent(tensor3d(z1), tensor3d(z2), { phi: (x) => matMul(x, tensor2d(W)), beta: ${beta}, topK: ${topK}, tauMin: ${tauMin}, tauMax: ${tauMax} })`, z1, z2, W },
      prepare: () => ({ a: tf.tensor3d(z1, [B, H, D]), b: tf.tensor3d(z2, [B, H, D]), w: tf.tensor2d(W, [D, 2]) }),
      run: ({ a, b, w }) => M.amclNtXent(a, b, { phi: (x) => tf.matMul(x, w), beta, topK, tauMin, tauMax }),
      check: (out) => {
        if (nearTie) return undefined; // the top-k set is a tie-break between near-equal similarities
        const got = out.dataSync()[0];
        return Math.abs(got - want) > 1e-3 * Math.max(1, Math.abs(want)) ? { category: 'wrong value', kind: 'amclNtXent vs float64 reference', message: `expected ${want}, got ${got}` } : undefined;
      },
    };
  }
  if (fn === 'teenCalibrate') {
    // TEEN (Wang et al. 2023, "Few-Shot Class-Incremental Learning via Training-Free Prototype Calibration"):
    // p̂ = (1 − α) p̄ + α Δ/‖Δ‖, Δ = Σ_b softmax_b(τ cos(p, q_b)) q̄_b; float64 reference below.
    const Cb = r.int(1, 4);
    const base = r.matrix(Cb, D, r.pick(['normal', 'zeros', 'ties', 'extreme', 'mixed']), r.pick([1, 1e-3, 100]));
    const alpha = r.pick([0.1, 0, 1, 0.5, 1.5, NaN]);
    const tau = r.pick([16, 1, 100, 0, -1, NaN]);
    const badShape = r.bool(0.1);
    const valid = alpha >= 0 && alpha <= 1 && tau > 0 && !badShape;
    const baseIn = badShape ? base.map((row) => [...row, 1]) : base;
    const unit = (v) => {
      const m = Math.max(...v.map(Math.abs));
      if (m === 0) return v.map(() => 0);
      const n = Math.sqrt(v.reduce((s, y) => s + (y / m) ** 2, 0));
      return v.map((y) => y / m / n);
    };
    const ill = [];
    const want = x.map((p, i) => {
      const pn = unit(p);
      const qb = base.map(unit);
      const logits = qb.map((q) => tau * pn.reduce((s, y, k) => s + y * q[k], 0));
      const mx = Math.max(...logits);
      const e = logits.map((z) => Math.exp(z - mx));
      const z = e.reduce((s, y) => s + y, 0);
      const delta = pn.map((_, k) => qb.reduce((s, q, b) => s + (e[b] / z) * q[k], 0));
      // a near-zero Δ (base directions cancelling) has no well-conditioned float32 direction: not compared
      if (Math.sqrt(delta.reduce((s, y) => s + y * y, 0)) < 0.05) ill.push(i);
      const dn = unit(delta);
      return pn.map((y, k) => (1 - alpha) * y + alpha * dn[k]);
    });
    return {
      fn: 'teenCalibrate',
      expect: valid ? 'valid' : 'invalid',
      why: `shiftWeight ${alpha}, temperature ${tau}${badShape ? ', base width D + 1' : ''}`,
      codes: ['INVALID_PARAMETER', 'SHAPE_MISMATCH'],
      repro: { call: `teenCalibrate(novel, base, { shiftWeight: ${alpha}, temperature: ${tau} })`, novel: x, base: baseIn },
      prepare: () => ({ n: tf.tensor2d(x, [B, D]), q: tf.tensor2d(baseIn, [Cb, baseIn[0].length]) }),
      run: ({ n, q }) => M.teenCalibrate(n, q, { shiftWeight: alpha, temperature: tau }),
      check: (out) => {
        const got = Array.from(out.dataSync());
        const keep = (_, j) => !ill.includes(Math.floor(j / D));
        const msg = ref.allClose(got.filter(keep), want.flat().filter(keep), { rtol: 1e-4, atol: 1e-4 });
        return msg ? { category: 'wrong value', kind: 'teenCalibrate vs float64 reference', message: msg } : undefined;
      },
    };
  }
  if (fn === 'seclaLoss') {
    const P = r.int(1, 3);
    const Q = r.int(1, 3);
    const faces = Array.from({ length: B }, () => r.matrix(P, D, 'normal', 1));
    const names = Array.from({ length: B }, () => r.matrix(Q, D, 'normal', 1));
    const alpha = r.pick([0.15, 0, -1]);
    return {
      fn: 'seclaLoss',
      expect: alpha >= 0 ? 'valid' : 'invalid',
      why: `alpha ${alpha}`,
      codes: ['INVALID_PARAMETER'],
      repro: { call: `seclaLoss(tensor3d(faces), tensor3d(names), { alpha: ${alpha} })`, faces, names },
      prepare: () => ({ f: tf.tensor3d(faces, [B, P, D]), n: tf.tensor3d(names, [B, Q, D]) }),
      run: ({ f, n }) => M.seclaLoss(f, n, { alpha }),
    };
  }
  const labels = Array.from({ length: B }, () => r.int(0, 2));
  const miner = r.pick(['batchAll', 'batchHard', 'semiHard', 'multiSimilarityMiner', 'hardNegativeTopK', undefined]);
  return {
    fn: `${fn}(${miner ?? 'no miner'})`,
    expect: 'valid',
    repro: { call: `${fn}(${miner ? `${miner}()` : 'undefined'}, pairwise(euclidean(), x, x), labels, false)`, x, labels },
    prepare: () => ({ t: tf.tensor2d(x, [B, D]), y: tf.tensor1d(labels, 'int32') }),
    run: ({ t, y }) => tf.tidy(() => {
      const mat = M.pairwise(M.euclidean(), t, t);
      const out = M[fn](miner ? M[miner]() : undefined, mat, y, false);
      return Object.fromEntries(Object.entries(out).filter(([, v]) => v instanceof tf.Tensor));
    }),
  };
}

// ── SBCL ─────────────────────────────────────────────────────────────────────

/** Unit rows, exact for any finite scale (scaled by the largest entry first); a zero row stays zero. */
function unitRow(v) {
  const m = Math.max(...v.map(Math.abs));
  if (m === 0) return v.map(() => 0);
  const n = Math.sqrt(v.reduce((s, y) => s + (y / m) ** 2, 0));
  return v.map((y) => y / m / n);
}

/**
 * SBCL ("Subclass-balancing Contrastive Learning for Long-tailed Recognition", the authors' SupConLoss_rank): float64
 * per-row reference, rows [v1; v2], s = cos; (τ/τ_b)·mean_{M_i}[lse_{k≠i}(s/τ) − s_ip/τ] + β·mean_{P_i}[lse_{A_i}(s/τ_i) − s_ip/τ_i].
 */
function sbclRef64(z, y, sub, tauRow, t, tb, beta) {
  const b = z.length;
  const n = b / 2;
  const u = z.map(unitRow);
  const s = (i, k) => u[i].reduce((a, v, j) => a + v * u[k][j], 0);
  const lse = (xs) => {
    const m = Math.max(...xs);
    return m + Math.log(xs.reduce((a, v) => a + Math.exp(v - m), 0));
  };
  return z.map((_, i) => {
    const ip = (i + n) % b;
    const all = [];
    const M = [];
    const A = [];
    const P = [];
    for (let k = 0; k < b; k++) {
      if (k === i) continue;
      all.push(k);
      if (sub[k] === sub[i]) M.push(k);
      if (sub[k] !== sub[i] || k === ip) A.push(k);
      if ((sub[k] !== sub[i] && y[k] === y[i]) || k === ip) P.push(k);
    }
    const l1 = lse(all.map((k) => s(i, k) / t));
    const l2 = lse(A.map((k) => s(i, k) / tauRow[i]));
    return (t / tb) * (M.reduce((a, k) => a + l1 - s(i, k) / t, 0) / M.length) + beta * (P.reduce((a, k) => a + l2 - s(i, k) / tauRow[i], 0) / P.length);
  });
}

function sbclCase(r, lib, D) {
  const M = lib.metricLearning;
  const N = r.int(1, 4);
  const half = r.matrix(N, D, r.pick(['normal', 'ties', 'zeros']), r.pick([1, 1e-3, 100, 1e30]));
  const other = r.bool(0.5) ? half.map((row) => row.map((v) => v + 0.1 * r.float(-1, 1))) : r.matrix(N, D, 'normal', 1);
  const z = [...half, ...other];
  const yN = Array.from({ length: N }, () => r.int(0, 2));
  const subN = yN.map((c) => 3 * c + r.int(0, 1));
  const tauC = [0, 1, 2].map(() => r.pick([0.1, 0.05, 1, 0.3]));
  const y = [...yN, ...yN];
  const sub = [...subN, ...subN];
  const tau = y.map((c) => tauC[c]);
  const t = r.pick([0.1, 0.5, 1]);
  const tb = r.pick([0.07, 0.1, 1]);
  const beta = r.pick([0.25, 0, 1]);
  const bad = r.weighted({ none: 8, odd: 1, view: 1, span: 1, tau: 1, nan: 1 });
  let yIn = y;
  let zIn = z;
  let subIn = sub;
  let tauIn = tau;
  let code = 'INVALID_VALUE';
  if (bad === 'odd') {
    yIn = y.slice(0, -1);
    zIn = z.slice(0, -1);
    subIn = sub.slice(0, -1);
    tauIn = tau.slice(0, -1);
    code = 'SHAPE_MISMATCH';
  } else if (bad === 'view') {
    yIn = [...y];
    yIn[N] = y[N] + 1;
  } else if (bad === 'span') {
    if (N < 2) return sbclCase(r, lib, D);
    subIn = [...sub];
    const j = yN.findIndex((c) => c !== yN[0]);
    if (j < 0) return sbclCase(r, lib, D);
    subIn[j] = sub[0];
    subIn[j + N] = sub[0];
  } else if (bad === 'tau') {
    tauIn = [...tau];
    tauIn[0] = r.pick([0, -0.1]);
    tauIn[N] = tauIn[0];
  } else if (bad === 'nan') {
    tauIn = [...tau];
    tauIn[0] = NaN;
    tauIn[N] = NaN;
    code = 'NON_FINITE_INPUT';
  }
  const valid = bad === 'none';
  const want = valid ? sbclRef64(z, y, sub, tau, t, tb, beta) : [];
  const mean = want.reduce((a, v) => a + v, 0) / Math.max(want.length, 1);
  return {
    fn: 'sbcl',
    expect: valid ? 'valid' : 'invalid',
    why: valid ? undefined : `bad batch: ${bad}`,
    codes: [code],
    finite: valid ? true : undefined,
    repro: { call: `compile(sbcl({ temperature: ${t}, baseTemperature: ${tb}, beta: ${beta} }), { from: 'embeddings' })(labels, z, { inputs: { sbclSubclass, sbclTau } })`, labels: yIn, z: zIn, sbclSubclass: subIn, sbclTau: tauIn },
    run: () => lib.core.compile(M.sbcl({ temperature: t, baseTemperature: tb, beta }), { from: 'embeddings' })(yIn, zIn, { inputs: { sbclSubclass: subIn, sbclTau: tauIn } }),
    check: (out) => {
      const got = out.dataSync()[0];
      return Math.abs(got - mean) > 1e-4 * Math.max(1, Math.abs(mean)) ? { category: 'wrong value', kind: 'sbcl vs float64 reference', message: `expected ${mean}, got ${got}` } : undefined;
    },
  };
}

/** numpy's linear percentile of sorted values. */
function pct(sorted, q) {
  const p = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(p);
  return sorted[lo] + (p - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]);
}

function sbclSubclassesCase(r, lib, D) {
  const M = lib.metricLearning;
  const n = r.int(1, 40);
  const x = r.matrix(n, D, r.pick(['normal', 'mixed', 'ties']), r.pick([1, 1e-3, 100]));
  const y = Array.from({ length: n }, () => r.int(0, 3));
  const minSize = r.pick([10, 2, 1, 5, 0]);
  const temperature = r.pick([0.1, 1, -1]);
  const badLabel = r.bool(0.08);
  const yIn = badLabel ? y.map((v, i) => (i === 0 ? -1 : v)) : y;
  const valid = minSize >= 1 && temperature > 0 && !badLabel;
  // float64 reference of the authors' `cluster` (JackHck/SBCL SimCLR/main.py): K_c and the class temperatures
  const C = Math.max(...y) + 1;
  const sizes = Array.from({ length: C }, (_, c) => y.filter((v) => v === c).length);
  const unit = Math.max(Math.min(...sizes.filter((m) => m > 0)), minSize);
  const K = sizes.map((m) => (m === 0 ? 0 : Math.max(1, Math.floor(m / unit))));
  const d = sizes.map((m, c) => {
    if (m === 0) return 0;
    const rows = x.filter((_, i) => y[i] === c);
    const mu = rows[0].map((_, j) => rows.reduce((s, row) => s + row[j], 0) / m);
    return rows.reduce((s, row) => s + Math.sqrt(row.reduce((a, v, j) => a + (v - mu[j]) ** 2, 0)), 0) / m / Math.log(m + 10);
  });
  const present = sizes.map((m, c) => (m > 0 ? c : -1)).filter((c) => c >= 0);
  const srt = present.map((c) => d[c]).sort((a, b) => a - b);
  const cl = present.map((c) => Math.min(Math.max(d[c], pct(srt, 10)), pct(srt, 90)));
  const mean = cl.reduce((s, v) => s + v, 0) / cl.length;
  const degenerate = present.some((c, k) => K[c] > 1 && !(mean > 0 && cl[k] > 0));
  const tauWant = Array.from({ length: C }, () => temperature);
  present.forEach((c, k) => {
    if (K[c] > 1) tauWant[c] = (temperature * cl[k]) / mean;
  });
  return {
    fn: 'sbclSubclasses',
    expect: valid ? (degenerate ? 'invalid' : 'valid') : 'invalid',
    why: valid ? 'a split class with zero spread' : `minSize ${minSize}, temperature ${temperature}${badLabel ? ', a negative label' : ''}`,
    codes: ['INVALID_PARAMETER', 'LABEL_OUT_OF_RANGE', 'DEGENERATE_DATA'],
    repro: { call: `sbclSubclasses(x, labels, { minSize: ${minSize}, temperature: ${temperature} })`, x, labels: yIn },
    run: () => {
      const out = M.sbclSubclasses(x, yIn, { minSize, temperature });
      return { subclass: Array.from(out.subclass), clusters: [...out.clusters], tau: Array.from(out.classTemperatures) };
    },
    check: (out) => {
      if (JSON.stringify(out.clusters) !== JSON.stringify(K)) return { category: 'wrong value', kind: 'sbclSubclasses K_c', message: `expected ${JSON.stringify(K)}, got ${JSON.stringify(out.clusters)}` };
      const offs = K.map((_, c) => K.slice(0, c).reduce((a, v) => a + v, 0));
      const i = out.subclass.findIndex((s, j) => !(s >= offs[y[j]] && s < offs[y[j]] + K[y[j]]));
      if (i >= 0) return { category: 'wrong value', kind: 'sbclSubclasses subclass outside its class range', message: `row ${i}: subclass ${out.subclass[i]}, class ${y[i]}` };
      const msg = ref.allClose(out.tau, tauWant, { rtol: 1e-9, atol: 1e-12 });
      return msg ? { category: 'wrong value', kind: 'sbclSubclasses class temperatures vs float64 reference', message: msg } : undefined;
    },
  };
}

// ── bad input ────────────────────────────────────────────────────────────────

function invalidCase(r, lib) {
  const M = lib.metricLearning;
  const B = r.int(2, 6);
  const D = r.int(1, 4);
  const e = r.matrix(B, D, 'normal', 1);
  const labels = Array.from({ length: B }, () => r.int(0, 2));
  const kind = r.pick(['nan', 'label', 'rank1', 'noEmbeddings', 'distance', 'reducer', 'miner', 'margin', 'pairwiseDistance', 'metricArgs', 'precisionEmpty', 'proxyLabel']);
  const loss = r.pick(['tripletMargin', 'contrastive', 'ntXent', 'supCon', 'circle', 'multiSimilarity', 'liftedStructure']);
  let yPred = e;
  let yTrue = labels;
  let build = () => M[loss]();
  let options = { from: 'embeddings' };
  let why;
  let codes;
  let inputs;
  switch (kind) {
    case 'nan':
      yPred = poke(e, [r.int(0, B - 1), r.int(0, D - 1)], r.nonFinite());
      [why, codes] = ['non-finite embedding', ['NON_FINITE_INPUT']];
      break;
    case 'label':
      yTrue = poke(labels, [r.int(0, B - 1)], r.pick([0.5, NaN, Infinity]));
      [why, codes] = ['non-integer label', ['NON_INTEGER_LABEL', 'NON_FINITE_INPUT']];
      break;
    case 'rank1':
      yPred = e.map((row) => row[0]);
      [why, codes] = ['embeddings of rank 1', ['RANK_MISMATCH']];
      break;
    case 'noEmbeddings':
      options = {};
      yTrue = labels.map((y) => y + D + 3); // labels are ids, not classes of the D embedding columns
      [why, codes] = ["pair-level loss compiled without from: 'embeddings'", ['INVALID_ARGUMENT', 'INPUT_KIND_MISMATCH']];
      break;
    case 'distance': {
      const d = r.pick([{ kind: 'manhattan' }, 'cosine', {}, 42]);
      build = () => M[loss === 'circle' || loss === 'multiSimilarity' ? 'tripletMargin' : loss]({ distance: d });
      [why, codes] = [`distance ${JSON.stringify(d)}`, ['INVALID_ARGUMENT']];
      break;
    }
    case 'reducer': {
      const red = r.pick([{ kind: 'median', level: 'batch' }, 'mean', 7]);
      build = () => M.tripletMargin({ reducer: red });
      [why, codes] = [`reducer ${JSON.stringify(red)}`, ['INVALID_ARGUMENT']];
      break;
    }
    case 'miner': {
      const mi = r.pick([{ kind: 'random' }, 'batchHard', 42]);
      build = () => M.contrastive({ miner: mi });
      [why, codes] = [`miner ${JSON.stringify(mi)}`, ['INVALID_ARGUMENT']];
      break;
    }
    case 'margin': {
      const m = r.pick([-1, NaN, Infinity]);
      build = () => M.tripletMargin({ margin: m });
      [why, codes] = [`margin ${m}`, ['INVALID_PARAMETER']];
      break;
    }
    case 'proxyLabel':
      build = () => M.proxyNca();
      inputs = { proxies: r.matrix(2, D, 'normal', 1) };
      yTrue = labels.map((y, i) => (i === 0 ? r.pick([2, 5, -1]) : y % 2));
      [why, codes] = ['label without a proxy row', ['LABEL_OUT_OF_RANGE']];
      break;
    default: {
      const sub = kind;
      const d = r.pick([{ kind: 'manhattan' }, null, undefined]);
      const k = r.pick([0, -1, 1.5]);
      const which = r.int(0, 3);
      const run = {
        pairwiseDistance: () => tf.tidy(() => M.pairwise(d, tf.tensor2d(e, [B, D]), tf.tensor2d(e, [B, D]))),
        metricArgs: [() => M.recallAtK(e, labels, k), () => M.recallAtK(e, labels.slice(1), 1), () => M.kMeans(e, B + 1), () => M.mapAtR(e, labels.slice(1))][which],
        precisionEmpty: () => M.precisionAt1([], []),
      }[sub];
      return {
        fn: sub === 'pairwiseDistance' ? 'pairwise(bad distance)' : sub === 'precisionEmpty' ? 'precisionAt1([], [])' : 'retrieval metric with bad arguments',
        expect: 'invalid',
        why: sub,
        codes: ['INVALID_ARGUMENT', 'INVALID_PARAMETER', 'SHAPE_MISMATCH', 'EMPTY_BATCH'],
        finite: false,
        repro: { call: sub === 'metricArgs' ? ['recallAtK(e, labels, k)', 'recallAtK(e, labels.slice(1), 1)', 'kMeans(e, B + 1)', 'mapAtR(e, labels.slice(1))'][which] : sub, distance: d === undefined ? 'undefined' : d, k, embeddings: e, labels },
        run,
      };
    }
  }
  return compiledCase(lib, {
    fn: `${kind === 'proxyLabel' ? 'proxyNca' : ['distance', 'reducer', 'miner', 'margin'].includes(kind) ? { distance: loss === 'circle' || loss === 'multiSimilarity' ? 'tripletMargin' : loss, reducer: 'tripletMargin', miner: 'contrastive', margin: 'tripletMargin' }[kind] : loss} with ${kind}`,
    code: `${loss}(...)`,
    build,
    options,
    method: r.pick(['call', 'valueAndGrad']),
    yTrue,
    yPred,
    inputs,
    expect: 'invalid',
    why,
    codes,
    level: 'batch',
  });
}


// ── pytorch-metric-learning additions (issue #20) ────────────────────────────

const f64 = {
  dot: (a, b) => a.reduce((s, x, k) => s + x * b[k], 0),
  unit(a) {
    const n = Math.sqrt(Math.max(f64.dot(a, a), 1e-12));
    return a.map((x) => x / n);
  },
  cos: (a, b) => f64.dot(f64.unit(a), f64.unit(b)),
  mean: (v) => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : 0),
};

/** Float64 references of some of the new losses (PML v2.8.1 definitions), by name. */
const PML_REFS = {
  nca: (e, y, o) => {
    const u = e.map(f64.unit);
    const l = [];
    for (let i = 0; i < e.length; i++) {
      const z = u.map((b, j) => -o.softmaxScale * u[i].reduce((s, x, k) => s + (x - b[k]) ** 2, 0));
      const others = z.filter((_, j) => j !== i);
      const same = z.filter((_, j) => j !== i && y[j] === y[i]);
      if (same.length) l.push(ref.lse(others) - ref.lse(same));
    }
    return f64.mean(l);
  },
  tupletMargin: (e, y, o) => {
    const beta = (o.margin * Math.PI) / 180;
    const l = [];
    for (let a = 0; a < e.length; a++) for (let p = 0; p < e.length; p++) {
      if (p === a || y[p] !== y[a]) continue;
      const c = Math.cos(Math.acos(Math.min(1 - 1e-7, Math.max(-1 + 1e-7, f64.cos(e[a], e[p])))) - beta);
      const negs = e.flatMap((n, k) => (y[k] !== y[a] ? [o.scale * (f64.cos(e[a], n) - c)] : []));
      l.push(negs.length ? ref.lse([0, ...negs]) : 0);
    }
    return f64.mean(l);
  },
  instance: (e, y, o) => {
    const distinct = [...new Set(y)].sort((a, b) => a - b);
    return f64.mean(e.map((x, i) => {
      const z = e.map((b) => o.gamma * f64.cos(x, b));
      return ref.lse(z) - z[distinct.indexOf(y[i])];
    }));
  },
  thresholdConsistentMargin: (e, y, o) => {
    const ps = [];
    const ns = [];
    for (let a = 0; a < e.length; a++) for (let j = 0; j < e.length; j++) {
      const s = f64.cos(e[a], e[j]);
      if (j !== a && y[j] === y[a] && s <= o.marginPlus) ps.push(o.marginPlus - s);
      if (y[j] !== y[a] && s >= o.marginMinus) ns.push(s - o.marginMinus);
    }
    return f64.mean(ps) + f64.mean(ns);
  },
  generalizedLiftedStructure: (e, y, o) => {
    const u = e.map(f64.unit);
    const d = (a, b) => Math.sqrt(Math.max(u[a].reduce((s, x, k) => s + (x - u[b][k]) ** 2, 0), 1e-12));
    return f64.mean(e.map((_, a) => {
      const ps = e.flatMap((_2, p) => (p !== a && y[p] === y[a] ? [d(a, p) - o.posMargin] : []));
      const ns = e.flatMap((_2, n) => (y[n] !== y[a] ? [o.negMargin - d(a, n)] : []));
      return Math.max(0, (ps.length ? ref.lse(ps) : 0) + (ns.length ? ref.lse(ns) : 0));
    }));
  },
};

function pmlCase(r, lib) {
  const M = lib.metricLearning;
  const kind = r.weighted({ losses: 10, regularizers: 4, miners: 6, samplers: 5, accuracy: 6, state: 4 });
  const B = r.int(2, 8);
  const D = r.int(2, 5);
  const C = r.int(1, 4);
  const moderate = r.bool(0.85);
  const { e } = embeddingsOf(r, B, D, moderate);
  const labels = Array.from({ length: B }, () => r.int(0, C - 1));
  if (kind === 'losses') {
    const name = r.pick(Object.keys(PML_REFS));
    const opts = {
      nca: () => ({ softmaxScale: r.pick([0.5, 1, 4]) }),
      tupletMargin: () => ({ margin: r.pick([0, 5.73, 20]), scale: r.pick([1, 8, 64]) }),
      instance: () => ({ gamma: r.pick([1, 8, 64]) }),
      thresholdConsistentMargin: () => ({ marginPlus: r.pick([0.9, 0.3]), marginMinus: r.pick([0.5, -0.2]) }),
      generalizedLiftedStructure: () => ({ negMargin: r.pick([1, 0.5]), posMargin: r.pick([0, 0.2]) }),
    }[name]();
    const full = { ...{ nca: { softmaxScale: 1 }, tupletMargin: { margin: 5.73, scale: 64 }, instance: { gamma: 64 }, thresholdConsistentMargin: { lambdaPlus: 1, lambdaMinus: 1, marginPlus: 0.9, marginMinus: 0.5 }, generalizedLiftedStructure: { negMargin: 1, posMargin: 0 } }[name], ...opts };
    const want = moderate ? PML_REFS[name](e, labels, full) : undefined;
    // tuplet margin at cos = ±1 is clipped (acos's slope); near-ties of the hinge / threshold filters are not compared
    const near = e.some((a, i) => e.some((b, j) => i !== j && Math.abs(Math.abs(f64.cos(a, b)) - 1) < 1e-4));
    return compiledCase(lib, {
      fn: `${name} (PML reference)`,
      code: `${name}(${JSON.stringify(opts)})`,
      build: () => M[name](opts),
      options: { from: 'embeddings' },
      method: r.pick(['call', 'valueAndGrad', 'parts']),
      yTrue: labels,
      yPred: e,
      expect: moderate ? 'valid' : 'any',
      level: 'batch',
      ref: want !== undefined && !near && name !== 'thresholdConsistentMargin' ? { perSample: [want], mag: [Math.max(1, Math.abs(want)) * (full.scale ?? full.gamma ?? 4)], rtol: 2e-3 } : undefined,
      oracles: ['vag', 'parts'].filter(() => r.bool(0.5)),
      finite: moderate ? undefined : false,
      why: 'extreme embeddings',
    });
  }
  if (kind === 'regularizers') {
    const name = r.pick(['lpRegularizer', 'zeroMeanRegularizer', 'centerInvariantRegularizer', 'regularFaceRegularizer', 'sparseCentersRegularizer']);
    const w = r.matrix(2 * C, D, 'normal', r.pick([0.1, 1, 10]));
    const nrm = (v) => Math.sqrt(f64.dot(v, v));
    const refs = {
      lpRegularizer: () => f64.mean(e.map(nrm)),
      zeroMeanRegularizer: () => f64.mean(e.map((v) => Math.abs(v.reduce((a, b) => a + b, 0)))),
      centerInvariantRegularizer: () => {
        const sq = w.map((v) => f64.dot(v, v));
        return f64.mean(sq.map((v) => (v - f64.mean(sq)) ** 2 / 4));
      },
      regularFaceRegularizer: () => f64.mean(w.map((v, i) => Math.max(...w.filter((_, j) => j !== i).map((o) => f64.cos(v, o))))),
      sparseCentersRegularizer: () => {
        let t = 0;
        for (let c = 0; c < C; c++) t += Math.sqrt(Math.max(0, 2 - 2 * Math.min(f64.cos(w[2 * c], w[2 * c + 1]), 1)));
        return t / (2 * C);
      },
    };
    const want = refs[name]();
    // ties of the nearest other class (RegularFace) and zero-norm rows change the value discontinuously or by rounding
    const fragile = name === 'regularFaceRegularizer' || w.some((v) => nrm(v) < 1e-3) || e.some((v) => nrm(v) < 1e-3);
    return compiledCase(lib, {
      fn: `${name} (PML reference)`,
      code: `${name}(${name === 'sparseCentersRegularizer' ? '{ centersPerClass: 2 }' : ''})`,
      build: () => M[name](name === 'sparseCentersRegularizer' ? { centersPerClass: 2 } : {}),
      options: { from: 'embeddings' },
      method: r.pick(['call', 'valueAndGrad']),
      yTrue: labels,
      yPred: e,
      inputs: { weights: w },
      expect: moderate ? 'valid' : 'any',
      level: 'batch',
      ref: moderate && !fragile ? { perSample: [want], mag: [Math.max(1, Math.abs(want))], rtol: 2e-3 } : undefined,
      finite: moderate ? undefined : false,
      why: 'extreme embeddings',
    });
  }
  if (kind === 'miners') {
    const make = r.pick([
      ['tripletMarginMiner', () => M.tripletMarginMiner({ margin: r.pick([0.1, 0.5]), type: r.pick(['all', 'hard', 'semihard', 'easy']) })],
      ['batchEasyHardMiner', () => M.batchEasyHardMiner({ posStrategy: r.pick(['easy', 'hard']), negStrategy: r.pick(['semihard', 'hard', 'easy', 'all']) })],
      ['pairMarginMiner', () => M.pairMarginMiner()],
      ['hdcMiner', () => M.hdcMiner({ filterPercentage: r.pick([0.2, 0.5, 1]) })],
      ['uniformHistogramMiner', () => M.uniformHistogramMiner({ numBins: r.pick([2, 10]), posPerBin: 2, negPerBin: 2, seed: r.int(0, 9) })],
      ['angularMiner', () => M.angularMiner({ angle: r.pick([10, 30]) })],
      ['distanceWeightedMiner', () => M.distanceWeightedMiner({ seed: r.int(0, 9) })],
      ['packagedTriplets', () => M.packagedTriplets()],
      ['multiSimilarityMiner', () => M.multiSimilarityMiner()],
    ]);
    const use = r.pick(['mine', 'loss', 'lossElements']);
    return {
      fn: `${make[0]} via ${use}`,
      expect: moderate ? 'valid' : 'any',
      finite: moderate ? undefined : false,
      why: 'extreme embeddings',
      repro: { call: `${use}(${make[0]}(...), embeddings, labels)`, embeddings: e, labels },
      run: () => {
        const miner = make[1]();
        if (use === 'mine') return M.mine(miner, e, labels);
        if (use === 'lossElements') return M.lossElements(M.tripletMargin({ miner }), labels, e);
        const t = M.mine(miner, e, labels, { distance: M.euclidean() });
        const loss = lib.core.compile(M.tripletMargin({ miner: M.tuples({ output: t.kind }) }), { from: 'embeddings' });
        return loss(labels, e, { inputs: M.tupleInputs(t) });
      },
      check: (out) => {
        if (use !== 'mine') return undefined;
        // every mined index is in range, and positives share the anchor's label, negatives do not (packaged triplets read no labels)
        const bad = [];
        const ok = (a, o, same) => a >= 0 && a < B && o >= 0 && o < B && (make[0] === 'packagedTriplets' || (same ? labels[a] === labels[o] && a !== o : labels[a] !== labels[o]));
        if (out.kind === 'triplets') out.a.forEach((a, k) => { if (!ok(a, out.p[k], true) || !ok(a, out.n[k], false)) bad.push(k); });
        else {
          out.a1.forEach((a, k) => { if (!ok(a, out.p[k], true)) bad.push(k); });
          out.a2.forEach((a, k) => { if (!ok(a, out.n[k], false)) bad.push(k); });
        }
        return bad.length ? { category: 'wrong value', kind: `${make[0]}: mined tuples break the label rules`, message: `tuple entries ${bad.slice(0, 5).join(', ')}` } : undefined;
      },
    };
  }
  if (kind === 'samplers') {
    const n = r.int(4, 40);
    const y = Array.from({ length: n }, () => r.int(0, r.int(1, 6)));
    const classes = new Set(y).size;
    const m = r.pick([1, 2, 3]);
    const which = r.pick(['mPerClass', 'fixedTriplets', 'tupleWeights', 'hierarchical']);
    if (which === 'mPerClass') {
      const per = r.int(1, Math.max(1, classes));
      const batchSize = r.bool(0.7) ? m * per : undefined;
      const length = r.int(1, 120);
      const valid = batchSize === undefined || length >= batchSize;
      return {
        fn: 'mPerClassSampler',
        expect: valid ? 'valid' : 'invalid',
        codes: ['INVALID_PARAMETER'],
        finite: false,
        why: `length ${length} < batchSize ${batchSize}`,
        repro: { call: `mPerClassSampler(labels, ${JSON.stringify({ m, batchSize, length, seed: 1 })}).batches(2)`, labels: y },
        run: () => M.mPerClassSampler(y, { m, ...(batchSize ? { batchSize } : {}), length, seed: 1 }).batches(2),
        check: (batches) => {
          for (const b of batches) {
            if (batchSize && b.length !== batchSize) return { category: 'wrong value', kind: 'mPerClassSampler batch size', message: `${b.length} ≠ ${batchSize}` };
            const counts = new Map();
            for (const i of b) counts.set(y[i], (counts.get(i) ?? 0) + 1);
            const per2 = new Map();
            for (const i of b) per2.set(y[i], (per2.get(y[i]) ?? 0) + 1);
            if (batchSize && [...per2.values()].some((c) => c !== m)) return { category: 'wrong value', kind: 'mPerClassSampler: m per class', message: JSON.stringify([...per2]) };
          }
          return undefined;
        },
      };
    }
    if (which === 'hierarchical') {
      const supers = y.map((c) => c % 2);
      return {
        fn: 'hierarchicalSampler',
        expect: 'any',
        codes: ['INVALID_PARAMETER'],
        finite: false,
        why: 'random class layout',
        repro: { call: 'hierarchicalSampler(classes, supers, { batchSize: 4, samplesPerClass: 2, superClassesPerBatch: 2 }).batches(0)', classes: y },
        run: () => M.hierarchicalSampler(y, supers, { batchSize: 4, samplesPerClass: 2, superClassesPerBatch: 2 }).batches(0),
      };
    }
    if (which === 'fixedTriplets') {
      return {
        fn: 'fixedSetOfTriplets',
        expect: classes >= 2 ? 'valid' : 'invalid',
        codes: ['INVALID_ARGUMENT'],
        finite: false,
        why: 'one class',
        repro: { call: 'fixedSetOfTriplets(labels, 10, { seed: 3 }).indices(1)', labels: y },
        run: () => M.fixedSetOfTriplets(y, 10, { seed: 3 }).indices(1),
        check: (idx) => {
          for (let t = 0; t < 10; t++) if (y[idx[3 * t]] !== y[idx[3 * t + 1]] || y[idx[3 * t]] === y[idx[3 * t + 2]]) return { category: 'wrong value', kind: 'fixedSetOfTriplets: invalid triplet', message: `triplet ${t}` };
          return undefined;
        },
      };
    }
    const a = Int32Array.from({ length: 5 }, () => r.int(0, n - 1));
    return {
      fn: 'tupleWeights',
      expect: 'valid',
      finite: false,
      repro: { call: 'tupleWeights({ kind: "triplets", a, p: a, n: a }, n)', a: Array.from(a), n },
      run: () => M.tupleWeights({ kind: 'triplets', a, p: a, n: a }, n),
      check: (w) => {
        const c = new Array(n).fill(0);
        for (const i of a) c[i] += 3;
        const mx = Math.max(...c);
        return Array.from(w).every((v, i) => Math.abs(v - c[i] / mx) < 1e-12) ? undefined : { category: 'wrong value', kind: 'tupleWeights vs counts / max', message: JSON.stringify(Array.from(w)) };
      },
    };
  }
  if (kind === 'accuracy') {
    const fn = r.pick(['precisionAtK', 'rPrecision', 'meanReciprocalRank', 'meanAveragePrecision', 'ami', 'accuracy', 'knn']);
    const emb = r.matrix(B, D, r.pick(['normal', 'ties']), 1);
    const metric = r.pick(['cosine', 'euclidean']);
    const ranked = rankedLabels(emb, labels, metric);
    const R = labels.map((l, i) => labels.filter((x, j) => j !== i && x === l).length);
    const tied = emb.some((a, i) => emb.some((b, j) => i !== j && a.every((v, t) => v === b[t]))) || rankTies(emb, labels, metric);
    const over = (f) => f64.mean(ranked.flatMap((row, q) => (R[q] > 0 ? [f(row, q, R[q])] : [])));
    const k = r.int(1, 4);
    const want = {
      precisionAtK: () => over((row, q) => row.slice(0, k).filter((l) => l === labels[q]).length / k),
      rPrecision: () => over((row, q, rr) => row.slice(0, rr).filter((l) => l === labels[q]).length / rr),
      meanReciprocalRank: () => over((row, q) => (row.indexOf(labels[q]) < 0 ? 0 : 1 / (row.indexOf(labels[q]) + 1))),
      meanAveragePrecision: () => over((row, q, rr) => {
        let h = 0;
        let s = 0;
        row.forEach((l, i) => { if (l === labels[q]) s += ++h / (i + 1); });
        return s / rr;
      }),
    }[fn];
    return {
      fn,
      expect: 'valid',
      finite: false,
      repro: { call: `${fn}(embeddings, labels, ...)`, embeddings: emb, labels, metric, k },
      run: () => {
        if (fn === 'ami') return M.ami(labels, Array.from({ length: B }, (_, i) => i % 2));
        if (fn === 'accuracy') return M.accuracy(emb, labels, { metric });
        if (fn === 'knn') return M.knn(emb, k, { metric });
        if (fn === 'precisionAtK') return M.precisionAtK(emb, labels, k, { metric });
        return M[fn](emb, labels, { metric });
      },
      check: (v) => {
        if (!want || tied) return undefined;
        const w = want();
        return Math.abs(v - w) > 1e-12 ? { category: 'wrong value', kind: `${fn} vs definition`, message: `expected ${w}, got ${v}` } : undefined;
      },
    };
  }
  // caller-held state, wrappers and helpers
  const which = r.pick(['dsm', 'cbm', 'ssl', 'outliers', 'batched']);
  if (which === 'dsm') {
    return {
      fn: 'dynamicSoftMarginState + dynamicSoftMargin',
      expect: moderate ? 'valid' : 'any',
      finite: moderate ? undefined : false,
      why: 'extreme embeddings',
      repro: { call: 'const { inputs } = dynamicSoftMarginState().update(e, labels); compile(dynamicSoftMargin())(labels, e, { inputs })', e, labels },
      run: () => {
        const st = M.dynamicSoftMarginState();
        const { inputs } = st.update(e, labels);
        return lib.core.compile(M.dynamicSoftMargin(), { from: 'embeddings' }).valueAndGrad(labels, e, { inputs });
      },
    };
  }
  if (which === 'cbm') {
    const size = r.int(1, 12);
    return {
      fn: 'crossBatchMemory',
      expect: B > size ? 'invalid' : moderate ? 'valid' : 'any',
      codes: ['INVALID_ARGUMENT'],
      finite: moderate ? undefined : false,
      why: `memory ${size} < batch ${B}, or extreme embeddings`,
      repro: { call: `crossBatchMemoryState({ memorySize: ${size} }); two updates; compile(crossBatchMemory(contrastive()))`, e, labels },
      run: () => {
        const st = M.crossBatchMemoryState({ memorySize: size });
        st.update(e, labels);
        const { inputs } = st.update(e, labels);
        return lib.core.compile(M.crossBatchMemory(M.contrastive()), { from: 'embeddings' }).valueAndGrad(labels, e, { inputs });
      },
    };
  }
  if (which === 'ssl') {
    const aug = embeddingsOf(r, B, D, moderate).e;
    const symmetric = r.bool();
    const tau = r.pick([0.1, 0.5, 1]);
    const stacked = symmetric ? [...e, ...aug] : undefined;
    const ids = Array.from({ length: B }, (_, i) => i);
    return {
      fn: `selfSupervised(ntXent, symmetric ${symmetric})`,
      expect: moderate ? 'valid' : 'any',
      finite: moderate ? undefined : false,
      why: 'extreme embeddings',
      repro: { call: `compile(selfSupervised(ntXent({ temperature: ${tau} }), { symmetric: ${symmetric} }))(ids, e, { inputs: { augmented } })`, e, augmented: aug },
      run: () => lib.core.compile(M.selfSupervised(M.ntXent({ temperature: tau }), { symmetric }), { from: 'embeddings' })(ids, e, { inputs: { augmented: aug } }),
      check: (out) => {
        if (!moderate || !stacked) return undefined;
        // symmetric: NT-Xent over both views stacked, labels [0..B−1, 0..B−1]
        const y2 = [...ids, ...ids];
        const l = [];
        for (let a = 0; a < 2 * B; a++) for (let p = 0; p < 2 * B; p++) {
          if (p === a || y2[p] !== y2[a]) continue;
          const negs = stacked.flatMap((n, k) => (y2[k] !== y2[a] ? [f64.cos(stacked[a], n) / tau] : []));
          l.push(negs.length ? ref.softplus(ref.lse(negs) - f64.cos(stacked[a], stacked[p]) / tau) : 0);
        }
        const want = f64.mean(l);
        const got = out.dataSync()[0];
        return Math.abs(got - want) > 2e-3 * Math.max(1, Math.abs(want)) + 1e-4 / tau ? { category: 'wrong value', kind: 'selfSupervised(ntXent) vs stacked reference', message: `expected ${want}, got ${got}` } : undefined;
      },
    };
  }
  if (which === 'outliers') {
    const w = r.matrix(2 * Math.max(1, C), D, 'normal', 1);
    return {
      fn: 'subCenterOutliers',
      expect: moderate ? 'valid' : 'any',
      finite: false,
      why: 'extreme embeddings',
      repro: { call: 'subCenterOutliers(e, labels, w, { subCenters: 2 })', e, labels, w },
      run: () => M.subCenterOutliers(e, labels, w, { subCenters: 2 }),
    };
  }
  const q = r.matrix(B, D, 'normal', 1);
  return {
    fn: 'batchedDistance',
    expect: 'valid',
    finite: false,
    repro: { call: 'batchedDistance(euclidean(), iterFn, { batchSize: 3 })(q, e)', q, e },
    run: () => {
      const rows = [];
      M.batchedDistance(M.euclidean(), (m) => rows.push(...m.arraySync()), { batchSize: 3 })(q, e);
      return rows;
    },
    check: (rows) => {
      // float32 distances of extreme embeddings overflow as pairwise() does; only moderate ones are compared
      if (!moderate) return undefined;
      const want = q.map((a) => e.map((b) => Math.sqrt(Math.max(a.reduce((s, x, k) => s + (x - b[k]) ** 2, 0), 1e-12))));
      const msg = ref.allClose(rows.flat(), want.flat(), { rtol: 1e-3, atol: 1e-4 });
      return msg ? { category: 'wrong value', kind: 'batchedDistance vs float64 pairwise', message: msg } : undefined;
    },
  };
}
