// @losskit/losses/torch: the torch.nn.functional drop-ins against float64 references written from torch's definitions
// (torch/nn/functional.py and aten/src/ATen/native/Loss.cpp, torch 1.13), with every reduction, class weights,
// ignore_index, label smoothing and the [N, C, d1] layout; bad inputs (NaN, shapes, labels, reductions) must give
// typed errors. CTC is fuzzed in ctc.mjs.
import { poke, randomIndex, shapeOf } from '../lib/rand.mjs';
import * as ref from '../lib/ref.mjs';

const f32 = Math.fround;
const sum = (a) => a.reduce((s, v) => s + v, 0);
const logSig = (v) => -ref.softplus(-v);

/** Nested array of `shape` from a flat list (row-major). */
function nest(flat, shape) {
  if (shape.length === 0) return flat[0];
  if (shape.length === 1) return flat.slice(0, shape[0]);
  const step = flat.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

/** torch's reduction of elementwise/per-sample losses; `denominator` overrides the count for 'mean'. */
function reduce(values, reduction, denominator) {
  if (reduction === 'none') return values;
  const s = sum(values);
  if (reduction === 'sum') return [s];
  return [s / (denominator ?? values.length)];
}

const reals = (r, n, scale) => Array.from({ length: n }, () => f32(r.normal() * scale));
const units = (r, n, lo = 0, hi = 1) => Array.from({ length: n }, () => f32(r.float(lo, hi)));
const signs = (r, n) => Array.from({ length: n }, () => (r.bool() ? 1 : -1));

/** A random elementwise shape: [n], [N, C] or [N, C, d]. */
function shapeElem(r) {
  const k = r.weighted({ 1: 2, 2: 6, 3: 1 });
  return k === '1' ? [r.int(1, 6)] : k === '2' ? [r.batch(), r.int(1, 6)] : [r.int(1, 3), r.int(1, 4), r.int(1, 3)];
}

/** Each generator: (r) → { args (nested arrays), options, values: float64 output before `reduce`, denominator?, mag, names } */
const ELEMENTWISE = {
  mseLoss: (x, y) => (x - y) ** 2,
  l1Loss: (x, y) => Math.abs(x - y),
  smoothL1Loss: (x, y, o) => { const b = o.beta ?? 1; const d = Math.abs(x - y); return b === 0 ? d : d < b ? (0.5 * d * d) / b : d - 0.5 * b; },
  huberLoss: (x, y, o) => { const dl = o.delta ?? 1; const d = Math.abs(x - y); return d <= dl ? 0.5 * d * d : dl * (d - 0.5 * dl); },
  softMarginLoss: (x, y) => ref.softplus(-y * x),
  hingeEmbeddingLoss: (x, y, o) => { const m = o.margin ?? 1; return (y !== 1 ? Math.max(0, m - x) : 0) + (y !== -1 ? x : 0); },
  poissonNllLoss: (x, y, o) => {
    const v = (o.logInput ?? true) ? Math.exp(x) - y * x : x - y * Math.log(x + (o.eps ?? 1e-8));
    return v + (o.full && y > 1 ? y * Math.log(y) - y + 0.5 * Math.log(2 * Math.PI * y) : 0);
  },
  klDiv: (x, y, o) => (o.logTarget ? Math.exp(y) * (y - x) : y > 0 ? y * (Math.log(y) - x) : 0),
  binaryCrossEntropy: (x, y) => -(y * Math.max(Math.log(x), -100) + (1 - y) * Math.max(Math.log(1 - x), -100)),
};

function elementwiseCase(r, name) {
  const shape = shapeElem(r);
  const n = shape.reduce((a, b) => a * b, 1);
  const o = {};
  let x;
  let y;
  switch (name) {
    case 'smoothL1Loss':
      if (r.bool(0.5)) o.beta = r.pick([0, 0.5, 1, 2]);
      x = reals(r, n, 2);
      y = reals(r, n, 2);
      break;
    case 'huberLoss':
      if (r.bool(0.5)) o.delta = r.pick([0.3, 1, 2]);
      x = reals(r, n, 2);
      y = reals(r, n, 2);
      break;
    case 'softMarginLoss':
      x = reals(r, n, r.pick([1, 10]));
      y = signs(r, n);
      break;
    case 'hingeEmbeddingLoss':
      if (r.bool(0.5)) o.margin = r.pick([0.5, 1, 2]);
      x = units(r, n, 0, 3);
      y = signs(r, n);
      break;
    case 'poissonNllLoss':
      if (r.bool(0.4)) o.logInput = r.bool();
      if (r.bool(0.4)) o.full = r.bool();
      if (r.bool(0.3)) o.eps = r.pick([1e-8, 1e-3]);
      x = o.logInput === false ? units(r, n, 0.05, 4) : reals(r, n, 1.5);
      y = Array.from({ length: n }, () => r.int(0, 6));
      break;
    case 'klDiv': {
      if (r.bool(0.3)) o.logTarget = true;
      x = reals(r, n, 1).map((v) => f32(-Math.abs(v)));
      y = o.logTarget ? reals(r, n, 1).map((v) => f32(-Math.abs(v))) : units(r, n).map((v) => (r.bool(0.15) ? 0 : v));
      break;
    }
    case 'binaryCrossEntropy':
      x = units(r, n, 0.01, 0.99).map((v) => (r.bool(0.05) ? r.pick([0, 1]) : v));
      y = units(r, n);
      break;
    default:
      x = reals(r, n, 2);
      y = reals(r, n, 2);
  }
  const values = x.map((v, i) => ELEMENTWISE[name](v, y[i], o));
  return { args: [nest(x, shape), nest(y, shape)], options: o, values, mag: sum(x.map(Math.abs)) + sum(y.map(Math.abs)), names: ['input', 'target'], shape, batch: shape[0] };
}

const GENERATORS = {
  ...Object.fromEntries(Object.keys(ELEMENTWISE).map((k) => [k, (r) => elementwiseCase(r, k)])),
  binaryCrossEntropyWithLogits(r) {
    const [N, C] = [r.batch(), r.int(1, 5)];
    const x = reals(r, N * C, r.pick([1, 5, 30]));
    const y = units(r, N * C);
    const pw = r.bool(0.5) ? units(r, C, 0.2, 4) : undefined;
    const w = r.bool(0.4) ? units(r, C, 0.1, 2) : undefined;
    const o = { ...(pw ? { posWeight: pw } : {}), ...(w ? { weight: w } : {}) };
    const values = x.map((v, i) => { const c = i % C; const p = pw ? pw[c] : 1; return (w ? w[c] : 1) * ((1 - y[i]) * v + (1 + (p - 1) * y[i]) * ref.softplus(-v)); });
    return { args: [nest(x, [N, C]), nest(y, [N, C])], options: o, values, mag: sum(x.map(Math.abs)), names: ['input', 'target'], batch: N };
  },
  marginRankingLoss(r) {
    const n = r.int(1, 8);
    const [a, b, y] = [reals(r, n, 2), reals(r, n, 2), signs(r, n)];
    const m = r.bool(0.5) ? r.pick([0, 0.3, 1]) : undefined;
    return { args: [a, b, y], options: m === undefined ? {} : { margin: m }, values: a.map((v, i) => Math.max(0, -y[i] * (v - b[i]) + (m ?? 0))), mag: sum(a.map(Math.abs)), names: ['input1', 'input2', 'target'], batch: n };
  },
  gaussianNllLoss(r) {
    const [N, C] = [r.batch(), r.int(1, 5)];
    const [x, y] = [reals(r, N * C, 2), reals(r, N * C, 2)];
    const kind = r.pick(['full', 'short', 'one']);
    const vn = kind === 'full' ? N * C : N;
    const v = units(r, vn, 0, 2).map((q) => (r.bool(0.1) ? 1e-9 : q));
    const o = { ...(r.bool(0.3) ? { full: true } : {}), ...(r.bool(0.3) ? { eps: r.pick([1e-6, 0.1]) } : {}) };
    const varAt = (i) => (kind === 'full' ? v[i] : v[Math.floor(i / C)]);
    const values = x.map((q, i) => { const s = Math.max(varAt(i), o.eps ?? 1e-6); return 0.5 * (Math.log(s) + (q - y[i]) ** 2 / s) + (o.full ? 0.5 * Math.log(2 * Math.PI) : 0); });
    const varArg = kind === 'full' ? nest(v, [N, C]) : kind === 'short' ? v : v.map((q) => [q]);
    return { args: [nest(x, [N, C]), nest(y, [N, C]), varArg], options: o, values, mag: sum(x.map(Math.abs)) / Math.min(...v.map((q) => Math.max(q, o.eps ?? 1e-6))), names: ['input', 'target', 'var'], batch: N };
  },
  crossEntropy(r) {
    const rank = Number(r.weighted({ 1: 1, 2: 6, 3: 2 }));
    const C = r.int(1, 6);
    const lead = rank === 1 ? [] : rank === 2 ? [r.batch()] : [r.int(1, 3), r.int(1, 3)];
    const M = lead.reduce((a, b) => a * b, 1);
    const rows = Array.from({ length: M }, () => reals(r, C, r.pick([1, 3, 30])));
    const w = r.bool(0.5) ? units(r, C, 0.1, 2) : undefined;
    const ls = r.bool(0.4) ? r.pick([0.1, 0.5, 1]) : 0;
    const soft = rank >= 1 && r.bool(0.2);
    const o = { ...(w ? { weight: w } : {}), ...(ls ? { labelSmoothing: ls } : {}) };
    const inputShape = rank === 1 ? [C] : rank === 2 ? [lead[0], C] : [lead[0], C, lead[1]];
    // [N, C, d] from rows indexed (n, d): element (n, c, d) = rows[n·d1 + d][c].
    const inputFlat = [];
    if (rank === 3) for (let a = 0; a < lead[0]; a++) for (let c = 0; c < C; c++) for (let d = 0; d < lead[1]; d++) inputFlat.push(rows[a * lead[1] + d][c]);
    const input = rank === 3 ? nest(inputFlat, inputShape) : rank === 2 ? rows : rows[0];
    const wt = (c) => (w ? w[c] : 1);
    if (soft) {
      const t = r.probs(M, C);
      const values = rows.map((z, i) => { const lp = ref.logSoftmax(z); return -sum(lp.map((l, c) => wt(c) * (t[i][c] * (1 - ls) + ls / C) * l)); });
      const tFlat = [];
      if (rank === 3) for (let a = 0; a < lead[0]; a++) for (let c = 0; c < C; c++) for (let d = 0; d < lead[1]; d++) tFlat.push(t[a * lead[1] + d][c]);
      const target = rank === 3 ? nest(tFlat, inputShape) : rank === 2 ? t : t[0];
      return { args: [input, target], options: o, values, mag: sum(rows.flat().map(Math.abs)), names: ['input', 'target'], outShape: lead };
    }
    const ignore = r.bool(0.3) ? r.pick([-100, 0]) : undefined;
    if (ignore !== undefined) o.ignoreIndex = ignore;
    const labels = Array.from({ length: M }, () => (ignore !== undefined && r.bool(0.25) ? ignore : r.int(0, C - 1)));
    const keep = labels.map((y) => y !== (ignore ?? -100));
    const values = rows.map((z, i) => {
      if (!keep[i]) return 0;
      const lp = ref.logSoftmax(z);
      return (1 - ls) * wt(labels[i]) * -lp[labels[i]] + (ls / C) * sum(lp.map((l, c) => -wt(c) * l));
    });
    const denominator = sum(labels.map((y, i) => (keep[i] ? wt(y) : 0)));
    return { args: [input, rank === 1 ? labels[0] : nest(labels, lead)], options: o, values, denominator, zeroDenominator: denominator === 0, mag: sum(rows.flat().map(Math.abs)), names: ['input', 'target'], outShape: lead, labelArg: 1, classes: C };
  },
  nllLoss(r) {
    const [N, C] = [r.batch(), r.int(1, 6)];
    const rows = Array.from({ length: N }, () => ref.logSoftmax(reals(r, C, 2)).map(f32));
    const w = r.bool(0.5) ? units(r, C, 0.1, 2) : undefined;
    const ignore = r.bool(0.3) ? -100 : undefined;
    const labels = Array.from({ length: N }, () => (ignore !== undefined && r.bool(0.3) ? ignore : r.int(0, C - 1)));
    const keep = labels.map((y) => y !== -100);
    const wt = (c) => (w ? w[c] : 1);
    const values = rows.map((z, i) => (keep[i] ? -wt(labels[i]) * z[labels[i]] : 0));
    const denominator = sum(labels.map((y, i) => (keep[i] ? wt(y) : 0)));
    return { args: [rows, labels], options: w ? { weight: w } : {}, values, denominator, zeroDenominator: denominator === 0, mag: 10, names: ['input', 'target'], labelArg: 1, classes: C };
  },
  multiMarginLoss(r) {
    const [N, C] = [r.batch(), r.int(1, 6)];
    const rows = Array.from({ length: N }, () => reals(r, C, 2));
    const labels = Array.from({ length: N }, () => r.int(0, C - 1));
    const p = r.pick([1, 2]);
    const m = r.pick([0.5, 1]);
    const w = r.bool(0.4) ? units(r, C, 0.1, 2) : undefined;
    const values = rows.map((z, i) => { const y = labels[i]; return ((w ? w[y] : 1) * sum(z.map((v, j) => (j === y ? 0 : Math.max(0, m - z[y] + v) ** p)))) / C; });
    return { args: [rows, labels], options: { p, margin: m, ...(w ? { weight: w } : {}) }, values, mag: sum(rows.flat().map(Math.abs)) ** 2, names: ['input', 'target'], labelArg: 1, classes: C };
  },
  multilabelMarginLoss(r) {
    const [N, C] = [r.batch(), r.int(1, 6)];
    const rows = Array.from({ length: N }, () => reals(r, C, 2));
    const targets = Array.from({ length: N }, () => { const k = r.int(0, C); const t = Array.from({ length: C }, () => -1); for (let j = 0; j < k; j++) t[j] = r.int(0, C - 1); return t; });
    const values = rows.map((z, i) => {
      const cnt = new Array(C).fill(0);
      for (const y of targets[i]) { if (y < 0) break; cnt[y]++; }
      let s = 0;
      for (let j = 0; j < C; j++) for (let k = 0; k < C; k++) if (cnt[j] > 0 && cnt[k] === 0) s += cnt[j] * Math.max(0, 1 - (z[j] - z[k]));
      return s / C;
    });
    return { args: [rows, targets], options: {}, values, mag: sum(rows.flat().map(Math.abs)) * C, names: ['input', 'target'] };
  },
  multilabelSoftMarginLoss(r) {
    const [N, C] = [r.batch(), r.int(1, 6)];
    const rows = Array.from({ length: N }, () => reals(r, C, 3));
    const t = Array.from({ length: N }, () => Array.from({ length: C }, () => (r.bool() ? 1 : 0)));
    const w = r.bool(0.4) ? units(r, C, 0.1, 2) : undefined;
    const values = rows.map((z, i) => -sum(z.map((v, c) => (w ? w[c] : 1) * (t[i][c] * logSig(v) + (1 - t[i][c]) * logSig(-v)))) / C);
    return { args: [rows, t], options: w ? { weight: w } : {}, values, mag: sum(rows.flat().map(Math.abs)), names: ['input', 'target'] };
  },
  cosineEmbeddingLoss(r) {
    const [N, D] = [r.batch(), r.int(1, 6)];
    const a = Array.from({ length: N }, () => reals(r, D, 2));
    const b = Array.from({ length: N }, () => reals(r, D, 2));
    const y = signs(r, N);
    const m = r.bool(0.5) ? r.pick([-0.5, 0, 0.3]) : undefined;
    const cos = (u, v) => sum(u.map((q, j) => q * v[j])) / Math.sqrt((sum(u.map((q) => q * q)) + 1e-12) * (sum(v.map((q) => q * q)) + 1e-12));
    const values = a.map((u, i) => (y[i] === 1 ? 1 - cos(u, b[i]) : Math.max(0, cos(u, b[i]) - (m ?? 0))));
    return { args: [a, b, y], options: m === undefined ? {} : { margin: m }, values, mag: 1, names: ['input1', 'input2', 'target'] };
  },
  tripletMarginLoss(r) {
    const [N, D] = [r.batch(), r.int(1, 6)];
    const [a, p, n] = [0, 1, 2].map(() => Array.from({ length: N }, () => reals(r, D, 2)));
    const o = { ...(r.bool(0.4) ? { p: r.pick([1, 2, 3]) } : {}), ...(r.bool(0.3) ? { margin: r.pick([0.5, 2]) } : {}), ...(r.bool(0.3) ? { swap: true } : {}), ...(r.bool(0.2) ? { eps: r.pick([0, 0.1]) } : {}) };
    const d = (u, v) => sum(u.map((q, j) => Math.abs(q - v[j] + (o.eps ?? 1e-6)) ** (o.p ?? 2))) ** (1 / (o.p ?? 2));
    const values = a.map((u, i) => { let dn = d(u, n[i]); if (o.swap) dn = Math.min(dn, d(p[i], n[i])); return Math.max(0, d(u, p[i]) - dn + (o.margin ?? 1)); });
    return { args: [a, p, n], options: o, values, mag: 10, names: ['anchor', 'positive', 'negative'] };
  },
  tripletMarginWithDistanceLoss(r, lib) {
    const [N, D] = [r.batch(), r.int(1, 6)];
    const [a, p, n] = [0, 1, 2].map(() => Array.from({ length: N }, () => reals(r, D, 2)));
    const l1 = r.bool(0.5);
    const tf = lib.tf;
    const o = { ...(l1 ? { distanceFunction: (u, v) => tf.sum(tf.abs(tf.sub(u, v)), -1) } : {}), ...(r.bool(0.3) ? { margin: r.pick([0.5, 2]) } : {}), ...(r.bool(0.3) ? { swap: true } : {}) };
    const d = l1 ? (u, v) => sum(u.map((q, j) => Math.abs(q - v[j]))) : (u, v) => Math.sqrt(sum(u.map((q, j) => (q - v[j] + 1e-6) ** 2)));
    const values = a.map((u, i) => { let dn = d(u, n[i]); if (o.swap) dn = Math.min(dn, d(p[i], n[i])); return Math.max(0, d(u, p[i]) - dn + (o.margin ?? 1)); });
    return { args: [a, p, n], options: o, values, mag: 10, names: ['anchor', 'positive', 'negative'], repro: { distance: l1 ? 'l1' : 'default' } };
  },
};

export function generate(r, lib) {
  const T = lib.torch;
  const name = r.pick(Object.keys(GENERATORS));
  const g = GENERATORS[name](r, lib);
  const reduction = name === 'klDiv' ? r.pick([undefined, 'mean', 'sum', 'none', 'batchmean']) : r.pick([undefined, 'mean', 'sum', 'none']);
  let options = { ...g.options, ...(reduction ? { reduction } : {}) };
  const args = [...g.args];
  let denominator = g.denominator;
  if (name === 'klDiv' && reduction === 'batchmean') denominator = Array.isArray(args[0]) ? args[0].length : 1;
  const want = reduce(g.values, reduction ?? 'mean', (reduction ?? 'mean') === 'mean' || reduction === 'batchmean' ? denominator : undefined);
  let expect = 'valid';
  let why;
  let codes;
  if (r.bool(0.08)) options.validate = false;
  const bad = r.bool(0.22) ? r.pick(['nan', 'nan', 'reduction', 'shape', 'label']) : undefined;
  if (bad === 'nan') {
    const floats = g.names.map((nm, i) => [nm, i]).filter(([, i]) => i !== g.labelArg && Array.isArray(args[i]) && !(name === 'multilabelMarginLoss' && i === 1));
    if (floats.length > 0) {
      const [nm, i] = r.pick(floats);
      args[i] = poke(args[i], randomIndex(r, shapeOf(args[i])), r.nonFinite());
      [why, codes] = [`non-finite ${nm}`, ['NON_FINITE_INPUT']];
    }
  } else if (bad === 'reduction') {
    options = { ...options, reduction: r.pick(['avg', 'batchmean', 1, 'MEAN']) };
    if (name === 'klDiv' && options.reduction === 'batchmean') options.reduction = 'avg';
    [why, codes] = ['unknown reduction', ['INVALID_ARGUMENT']];
  } else if (bad === 'shape' && Array.isArray(args[1]) && name !== 'gaussianNllLoss') {
    args[1] = [...args[1], args[1][0]];
    [why, codes] = ['target with one extra row', ['SHAPE_MISMATCH', 'RANK_MISMATCH']];
  } else if (bad === 'label' && g.labelArg !== undefined && Array.isArray(args[g.labelArg])) {
    args[g.labelArg] = poke(args[g.labelArg], randomIndex(r, shapeOf(args[g.labelArg])), r.pick([-1, g.classes, 0.5, NaN]));
    [why, codes] = ['class target out of range', ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT']];
  }
  if (why) expect = why.startsWith('non-finite') && options.validate === false ? 'any' : 'invalid';
  // torch's 'mean' of nothing (every target ignored, or ignored weights 0): a typed error, or NaN without validation.
  if (!why && g.zeroDenominator && (reduction ?? 'mean') === 'mean') {
    if (options.validate === false) expect = 'any';
    else [expect, why, codes] = ['invalid', "'mean' over ignored targets only (0/0)", ['INVALID_ARGUMENT']];
  }
  const overflow = want.some((v) => !Number.isFinite(v) || Math.abs(v) > 1e37);
  if (!why && overflow) expect = 'any';
  return {
    fn: `torch.${name}`,
    expect,
    why,
    codes,
    finite: expect === 'valid' ? undefined : false,
    repro: { call: `${name}(${args.map((_, i) => `a${i}`).join(', ')}, options)`, args, options: { ...options, distanceFunction: g.repro?.distance }, ...(g.repro ?? {}) },
    run: () => T[name](...args, options),
    check: (out) => {
      if (expect !== 'valid') return undefined;
      const got = Array.from(out.dataSync());
      if (reduction === 'none' && g.outShape && JSON.stringify(out.shape) !== JSON.stringify(g.outShape)) {
        return { category: 'wrong value', kind: `${name} output shape`, message: `reduction 'none' gave shape ${JSON.stringify(out.shape)}, expected ${JSON.stringify(g.outShape)}` };
      }
      const msg = ref.allClose(got, want, { rtol: 1e-3, atol: 1e-5, mag: (g.mag ?? 1) * (reduction === 'sum' ? g.values.length : 1), k: 16 });
      return msg ? { category: 'wrong value', kind: `${name} vs float64 reference`, message: `${name} ${JSON.stringify(g.options)} reduction ${reduction ?? 'default'}: ${msg}` } : undefined;
    },
  };
}
