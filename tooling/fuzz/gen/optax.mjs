// @losskit/losses/optax: every optax loss drop-in against float64 references written from optax's definitions
// (google-deepmind/optax optax/losses/*.py at 2edbcbe2390da13983b92cbef94ac0460ecde1c5), with optax's argument order,
// `axis` and `where`; bad inputs (NaN, shapes, labels, options) must give typed errors.
import { poke, randomIndex, shapeOf } from '../lib/rand.mjs';
import * as ref from '../lib/ref.mjs';

const f32 = Math.fround;
const sum = (a) => a.reduce((s, v) => s + v, 0);
const sparsePlus = (u) => (u <= -1 ? 0 : u >= 1 ? u : (u + 1) ** 2 / 4);
const xlx = (v) => (v > 0 ? v * Math.log(v) : 0);

/** Nested array of `shape` from a flat list (row-major). */
function nest(flat, shape) {
  if (shape.length === 0) return flat[0];
  if (shape.length === 1) return flat.slice(0, shape[0]);
  const step = flat.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}
const transpose = (m) => m[0].map((_, j) => m.map((row) => row[j]));

/** Values of a kind: `real` (moderate or, sometimes, extreme), `pm1`, `bit`, `unit`, `positive`. */
function values(r, kind, n, vm) {
  return Array.from({ length: n }, () => {
    switch (kind) {
      case 'pm1':
        return r.bool() ? 1 : -1;
      case 'bit':
        return r.bool() ? 1 : 0;
      case 'unit':
        return f32(r.float());
      case 'positive':
        return r.bool(0.1) ? 0 : f32(r.float(0.05, 3));
      default:
        return r.value(vm.mode, vm.scale);
    }
  });
}

/** Elementwise losses: predictions and targets of one random shape (rank 0–3), the reference value by value. */
const ELEMENTWISE = {
  hingeLoss: { targets: 'pm1', bad: [0, 2], ref: (p, t) => Math.max(0, 1 - p * t), mag: (p) => Math.abs(p) },
  perceptronLoss: { targets: 'pm1', bad: [0, 0.5], ref: (p, t) => Math.max(0, -p * t), mag: (p) => Math.abs(p), sameShape: true },
  sparsemaxLoss: { targets: 'bit', bad: [2, -1], ref: (p, t) => sparsePlus(t ? -p : p), mag: (p) => Math.abs(p), quadratic: true },
  sigmoidBinaryCrossEntropy: { targets: 'unit', ref: (p, t) => ref.softplus(p) - t * p, mag: (p) => Math.abs(p) },
  squaredError: { targets: 'real', ref: (p, t) => (p - t) ** 2, mag: (p, t) => (p - t) ** 2, quadratic: true, sameShape: true, optionalTargets: true },
  l2Loss: { targets: 'real', ref: (p, t) => 0.5 * (p - t) ** 2, mag: (p, t) => (p - t) ** 2, quadratic: true, sameShape: true, optionalTargets: true },
  huberLoss: {
    targets: 'real',
    options: (r) => (r.bool(0.5) ? { delta: r.pick([0.5, 1, 2]) } : {}),
    badOption: (r) => ['delta', r.pick([0, -1, NaN])],
    ref: (p, t, o) => { const d = o.delta ?? 1; const e = Math.abs(p - t); const q = Math.min(e, d); return 0.5 * q * q + d * (e - q); },
    mag: (p, t) => Math.abs(p - t),
    optionalTargets: true,
  },
  logCosh: { targets: 'real', ref: (p, t) => { const x = Math.abs(p - t); return x + ref.softplus(-2 * x) - Math.LN2; }, mag: (p, t) => Math.abs(p - t), optionalTargets: true },
  sigmoidFocalLoss: {
    targets: 'unit',
    options: (r) => ({ ...(r.bool(0.5) ? { gamma: r.pick([0, 1, 2, 3.5]) } : {}), ...(r.bool(0.4) ? { alpha: r.pick([0.25, 0.5, 1, 0, null]) } : {}) }),
    badOption: (r) => r.pick([['gamma', r.pick([-1, NaN])], ['alpha', r.pick([1.5, -0.1, NaN])]]),
    ref: (p, t, o) => {
      const g = o.gamma ?? 2;
      // 1 − p_t = y σ(−z) + (1 − y) σ(z), computed without cancellation.
      const one = t * ref.sigmoid(-p) + (1 - t) * ref.sigmoid(p);
      const l = (ref.softplus(p) - t * p) * one ** g;
      return o.alpha === undefined || o.alpha === null ? l : (o.alpha * t + (1 - o.alpha) * (1 - t)) * l;
    },
    mag: (p) => Math.abs(p),
  },
};

function elementwiseCase(r, lib, name) {
  const L = ELEMENTWISE[name];
  const rank = Number(r.weighted({ 0: 1, 1: 3, 2: 4, 3: 1 }));
  const shape = Array.from({ length: rank }, () => r.int(1, 4));
  const n = shape.reduce((a, b) => a * b, 1);
  const vm = r.valueMode({ moderate: r.bool(0.75) });
  const p = values(r, 'real', n, vm);
  // Targets: the same shape, or (where optax broadcasts) one row broadcast against every row.
  const rowTargets = !L.sameShape && rank >= 2 && r.bool(0.2);
  const tShape = rowTargets ? shape.slice(1) : shape;
  const tSmall = values(r, L.targets, tShape.reduce((a, b) => a * b, 1), { mode: 'normal', scale: r.pick([0.5, 1, 3]) });
  const t = rowTargets ? Array.from({ length: n }, (_, k) => tSmall[k % tSmall.length]) : tSmall;
  const omitTargets = L.optionalTargets && r.bool(0.15);
  const o = { ...(L.options ? L.options(r) : {}) };
  let predictions = nest(p, shape);
  let targets = omitTargets ? undefined : nest(tSmall, tShape);
  let expect = 'valid';
  let why;
  let codes;
  const bad = r.bool(0.25) ? r.pick(['nanPred', 'nanTarget', 'shape', 'value', 'option']) : undefined;
  if (bad === 'nanPred' && rank > 0) {
    predictions = poke(predictions, randomIndex(r, shape), r.nonFinite());
    [why, codes] = ['non-finite predictions', ['NON_FINITE_INPUT']];
  } else if (bad === 'nanTarget' && targets !== undefined && tShape.length > 0) {
    targets = poke(targets, randomIndex(r, tShape), r.nonFinite());
    [why, codes] = ['non-finite targets', ['NON_FINITE_INPUT']];
  } else if (bad === 'shape' && rank > 0 && targets !== undefined && (L.sameShape || shape.at(-1) > 1)) {
    // One more entry than the last axis: never broadcasts (optax's check_shapes_equal rejects any other shape too).
    targets = values(r, L.targets, shape.at(-1) + 1, { mode: 'normal', scale: 1 });
    [why, codes] = ['targets that do not broadcast', ['SHAPE_MISMATCH']];
  } else if (bad === 'value' && L.bad && targets !== undefined && tShape.length > 0) {
    targets = poke(targets, randomIndex(r, tShape), r.pick(L.bad));
    [why, codes] = ['targets outside the documented set', ['INVALID_ARGUMENT']];
  } else if (bad === 'option' && L.badOption) {
    const [k, v] = L.badOption(r);
    o[k] = v;
    [why, codes] = [`invalid option ${k} = ${v}`, ['INVALID_PARAMETER', 'INVALID_ARGUMENT']];
  }
  if (why) expect = 'invalid';
  const validateOff = r.bool(0.05);
  if (validateOff) {
    o.validate = false;
    if (codes?.includes('NON_FINITE_INPUT') || codes?.includes('INVALID_ARGUMENT')) expect = 'any';
  }
  const tt = omitTargets ? p.map(() => 0) : t;
  const want = p.map((v, k) => L.ref(v, tt[k], o));
  // Squares and exponentials of huge values overflow float32 in any evaluation: a typed error or a value, not checked.
  const overflow = want.some((v) => !Number.isFinite(v) || Math.abs(v) > 1e37) || (L.quadratic && p.some((v) => Math.abs(v) > 1e18));
  if (expect === 'valid' && overflow) expect = 'any';
  const args = omitTargets ? (Object.keys(o).length ? [predictions, null, o] : [predictions]) : Object.keys(o).length ? [predictions, targets, o] : [predictions, targets];
  return {
    fn: `optax.${name}`,
    expect,
    why,
    codes,
    repro: { call: `${name}(...args)`, args },
    run: () => lib.optax[name](...args),
    check: (out) => {
      if (expect !== 'valid') return undefined;
      const got = Array.from(out.dataSync());
      const msg = ref.allClose(got, want, { rtol: 1e-3, atol: 1e-5, mag: p.map((v, k) => (L.mag ? L.mag(v, tt[k]) : 0)), k: 16 });
      return msg ? { category: 'wrong value', kind: `${name} vs float64 reference`, message: msg } : undefined;
    },
  };
}

/** Row-wise losses over `axis` of a 2-D input (or one row): the reference reduces each vector of the axis. */
const ROWS = {
  softmaxCrossEntropy: { targets: 'dist', where: true, ref: (z, t) => ref.ceLogits(z, t).value, mag: (z, t) => ref.ceLogits(z, t).mag },
  polyLossCrossEntropy: {
    targets: 'dist',
    where: true,
    options: (r) => (r.bool(0.6) ? { epsilon: r.pick([2, 1, -1, 0.5]) } : {}),
    badOption: (r) => ['epsilon', r.pick([NaN, Infinity])],
    ref: (z, t, o) => ref.ceLogits(z, t).value + (o.epsilon ?? 2) * sum(t.map((v, j) => v * ref.oneMinusSoftmax(z, j))),
    mag: (z, t) => ref.ceLogits(z, t).mag,
  },
  klDivergence: { targets: 'positive', preds: 'logdist', where: true, ref: (l, t) => sum(t.map((v, j) => xlx(v) - v * l[j])), mag: (l, t) => sum(t.map((v, j) => Math.abs(v * l[j]) + Math.abs(xlx(v)))) },
  klDivergenceWithLogTargets: { targets: 'logdist', preds: 'logdist', where: true, ref: (l, t) => sum(t.map((v, j) => Math.exp(v) * (v - l[j]))), mag: (l, t) => sum(t.map((v, j) => Math.exp(v) * (Math.abs(v) + Math.abs(l[j])))) },
  generalizedKlDivergence: { targets: 'positive', preds: 'logdist', where: true, exp: true, ref: (l, t) => sum(t.map((v, j) => xlx(v) - v * l[j] + Math.exp(l[j]) - v)), mag: (l, t) => sum(t.map((v, j) => Math.abs(v * l[j]) + Math.abs(xlx(v)) + Math.exp(l[j]) + v)) },
  convexKlDivergence: { targets: 'positive', preds: 'logdist', where: true, exp: true, ref: (l, t) => sum(t.map((v, j) => xlx(v) - v * l[j] + Math.exp(l[j]) - v)), mag: (l, t) => sum(t.map((v, j) => Math.abs(v * l[j]) + Math.abs(xlx(v)) + Math.exp(l[j]) + v)) },
  cosineSimilarity: { targets: 'real', where: true, cosine: true, ref: (a, b, o) => cos64(a, b, o.epsilon ?? 0) },
  cosineDistance: { targets: 'real', where: true, cosine: true, ref: (a, b, o) => 1 - cos64(a, b, o.epsilon ?? 0) },
};

function cos64(a, b, eps) {
  const na = Math.sqrt(Math.max(sum(a.map((v) => v * v)), eps));
  const nb = Math.sqrt(Math.max(sum(b.map((v) => v * v)), eps));
  return sum(a.map((v, j) => (v / na) * (b[j] / nb)));
}

function rowsCase(r, lib, name) {
  const L = ROWS[name];
  const N = r.int(1, 5);
  const K = r.int(1, 6);
  const vm = r.valueMode({ moderate: r.bool(0.75) });
  const z =
    L.preds === 'logdist'
      ? r.probs(N, K).map((row) => row.map((v) => (v > 0 ? f32(Math.log(v)) : f32(-r.float(20, 40)))))
      : Array.from({ length: N }, () => values(r, 'real', K, vm));
  if (L.preds === 'logdist' && r.bool(0.2)) for (const row of z) for (let j = 0; j < K; j++) row[j] = f32(row[j] + r.normal()); // unnormalised
  let t;
  if (L.targets === 'dist') t = r.probs(N, K);
  else if (L.targets === 'positive') t = Array.from({ length: N }, () => values(r, 'positive', K));
  else if (L.targets === 'logdist') t = r.probs(N, K).map((row) => row.map((v) => (v > 0 ? f32(Math.log(v)) : -30)));
  else t = r.matrix(N, K, 'normal', r.pick([0.5, 1, 3]));
  const o = { ...(L.options ? L.options(r) : {}) };
  if (L.cosine && r.bool(0.5)) o.epsilon = r.pick([1e-12, 1e-3, 1]);
  // axis: the last (default), 0 (columns), null (everything), or the list [0, 1].
  const axisKind = r.weighted({ default: 5, last: 1, first: 1.5, none: 0.7, both: 0.5 });
  if (axisKind === 'last') o.axis = r.pick([-1, 1]);
  else if (axisKind === 'first') o.axis = r.pick([0, -2]);
  else if (axisKind === 'none') o.axis = null;
  else if (axisKind === 'both') o.axis = [0, 1];
  const vectors = (m) => (axisKind === 'first' ? transpose(m) : axisKind === 'none' || axisKind === 'both' ? [m.flat()] : m);
  let mask;
  if (L.where && r.bool(0.3)) {
    mask = Array.from({ length: N }, () => Array.from({ length: K }, () => (r.bool(0.75) ? 1 : 0)));
    o.where = mask;
  }
  const keep = (v, m) => (m ? v.filter((_, j) => m[j] === 1) : v);
  const zv = vectors(z);
  const tv = vectors(t);
  const mv = mask ? vectors(mask) : undefined;
  let want = zv.map((zz, i) => {
    const a = keep(zz, mv?.[i]);
    const b = keep(tv[i], mv?.[i]);
    if (a.length === 0) return L.cosine ? (o.epsilon ? (name === 'cosineDistance' ? 1 : 0) : NaN) : 0;
    return L.ref(a, b, o);
  });
  const mags = zv.map((zz, i) => (L.mag ? L.mag(keep(zz, mv?.[i]), keep(tv[i], mv?.[i])) : 0));
  let logits = z;
  let labels = t;
  let expect = 'valid';
  let why;
  let codes;
  const bad = r.bool(0.2) ? r.pick(['nanPred', 'nanTarget', 'shape', 'axis', 'option', 'negTarget']) : undefined;
  if (bad === 'nanPred') {
    logits = poke(z, randomIndex(r, [N, K]), r.nonFinite());
    [why, codes] = ['non-finite first argument', ['NON_FINITE_INPUT']];
  } else if (bad === 'nanTarget') {
    labels = poke(t, randomIndex(r, [N, K]), r.nonFinite());
    [why, codes] = ['non-finite second argument', ['NON_FINITE_INPUT']];
  } else if (bad === 'shape' && (N > 1 || K > 1)) {
    labels = K > 1 ? t.map((row) => [...row, 0, 0]) : [...t, t[0]];
    [why, codes] = ['second argument does not broadcast', ['SHAPE_MISMATCH']];
  } else if (bad === 'axis') {
    o.axis = r.pick([2, -3, 0.5, [0, 0]]);
    [why, codes] = [`axis ${JSON.stringify(o.axis)}`, ['INVALID_ARGUMENT']];
  } else if (bad === 'option' && L.badOption) {
    const [k, v] = L.badOption(r);
    o[k] = v;
    [why, codes] = [`invalid option ${k} = ${v}`, ['INVALID_PARAMETER', 'INVALID_ARGUMENT']];
  } else if (bad === 'negTarget' && L.targets === 'positive') {
    labels = poke(t, randomIndex(r, [N, K]), -r.float(0.1, 2));
    [why, codes] = ['negative targets', ['INVALID_ARGUMENT']];
  }
  if (why) expect = 'invalid';
  // Overflow of e^ℓ, of squared norms, or a zero vector under a cosine with ε = 0: a typed error or a value. So is a
  // nonzero vector whose squares all underflow float32 (|x| < 1e-19) with ε = 0: its norm is 0 there, as in optax
  // (seed 45: a prediction of 1e-30).
  const tiny = (vs) => vs.some((v, i) => keep(v, mv?.[i]).every((x) => Math.abs(x) < 1e-19));
  const overflow = want.some((v) => !Number.isFinite(v) || Math.abs(v) > 1e37) || (L.cosine && z.flat().some((v) => Math.abs(v) > 1e18)) || (L.cosine && !o.epsilon && (tiny(zv) || tiny(tv)));
  if (expect === 'valid' && overflow) expect = 'any';
  const outShape = axisKind === 'first' ? [K] : axisKind === 'none' || axisKind === 'both' ? [] : [N];
  if (axisKind === 'none' || axisKind === 'both') want = [want[0]];
  return {
    fn: `optax.${name}`,
    expect,
    why,
    codes,
    repro: { call: `${name}(logits, labels, options)`, logits, labels, options: o },
    run: () => lib.optax[name](logits, labels, o),
    check: (out) => {
      if (expect !== 'valid') return undefined;
      if (JSON.stringify(out.shape) !== JSON.stringify(outShape)) return { category: 'wrong value', kind: `${name} output shape`, message: `shape ${JSON.stringify(out.shape)}, expected ${JSON.stringify(outShape)}` };
      const msg = ref.allClose(Array.from(out.dataSync()), want, { rtol: 1e-3, atol: 1e-5, mag: mags, k: 16 });
      return msg ? { category: 'wrong value', kind: `${name} vs float64 reference`, message: msg } : undefined;
    },
  };
}

/** Integer-label losses over the last axis: scores [N, C] (or one row), labels [N]. */
const INTEGER = {
  softmaxCrossEntropyWithIntegerLabels: { where: true, ref: (z, y, m) => (m && !m.some((v) => v === 1) ? 0 : ref.lse(m ? z.filter((_, j) => m[j] === 1) : z) - z[y]), mag: (z) => Math.max(...z.map(Math.abs)) + Math.log(z.length) },
  multiclassHingeLoss: { ref: (z, y) => Math.max(...z.map((v, j) => v + 1 - (j === y ? 1 : 0))) - z[y], mag: (z) => Math.max(...z.map(Math.abs)) },
  multiclassPerceptronLoss: { ref: (z, y) => Math.max(...z) - z[y], mag: (z) => Math.max(...z.map(Math.abs)) },
  multiclassSparsemaxLoss: {
    ref: (z, y) => {
      // τ from the sorted scores (Martins & Astudillo 2016, Alg. 1); loss τ + ½‖p‖² − z_y + ½ after a max shift.
      const m = Math.max(...z);
      const s = z.map((v) => v - m);
      const sorted = [...s].sort((a, b) => b - a);
      let cum = 0;
      let tau = 0;
      for (let k = 0; k < sorted.length; k++) {
        cum += sorted[k];
        const t = (cum - 1) / (k + 1);
        if (sorted[k] > t) tau = t;
      }
      const p = s.map((v) => Math.max(v - tau, 0));
      return tau + 0.5 * sum(p.map((v) => v * v)) - s[y] + 0.5;
    },
    mag: (z) => Math.max(...z.map(Math.abs)),
  },
};

function integerCase(r, lib, name) {
  const L = INTEGER[name];
  const N = r.int(1, 5);
  const C = r.int(1, 6);
  const vm = r.valueMode({ moderate: r.bool(0.75) });
  const z = Array.from({ length: N }, () => values(r, 'real', C, vm));
  const y = r.labels(N, C);
  const o = {};
  let mask;
  if (L.where && r.bool(0.3)) {
    mask = Array.from({ length: N }, () => Array.from({ length: C }, () => (r.bool(0.75) ? 1 : 0)));
    o.where = mask;
  }
  const single = r.bool(0.15);
  let scores = single ? z[0] : z;
  let labels = single ? y[0] : y;
  if (single && mask) o.where = mask[0];
  const want = (single ? [z[0]] : z).map((row, i) => L.ref(row, y[i], mask?.[i]));
  const mags = (single ? [z[0]] : z).map((row) => L.mag(row));
  let expect = 'valid';
  let why;
  let codes;
  const bad = r.bool(0.2) ? r.pick(['nan', 'label', 'shape']) : undefined;
  if (bad === 'nan') {
    scores = single ? poke(z[0], [r.int(0, C - 1)], r.nonFinite()) : poke(z, randomIndex(r, [N, C]), r.nonFinite());
    [why, codes] = ['non-finite scores', ['NON_FINITE_INPUT']];
  } else if (bad === 'label') {
    labels = single ? r.badLabel(C) : poke(y, [r.int(0, N - 1)], r.badLabel(C));
    [why, codes] = ['bad label', ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT']];
  } else if (bad === 'shape') {
    labels = single ? [y[0], 0] : [...y, 0];
    [why, codes] = ['labels of the wrong shape', ['SHAPE_MISMATCH']];
  }
  if (why) expect = 'invalid';
  if (r.bool(0.05) && expect === 'invalid' && bad === 'nan') {
    o.validate = false;
    expect = 'any';
  }
  return {
    fn: `optax.${name}`,
    expect,
    why,
    codes,
    repro: { call: `${name}(scores, labels, options)`, scores, labels, options: o },
    run: () => lib.optax[name](scores, labels, o),
    check: (out) => {
      if (expect !== 'valid') return undefined;
      const msg = ref.allClose(Array.from(out.dataSync()), want, { rtol: 1e-3, atol: 1e-5, mag: mags, k: 16 });
      return msg ? { category: 'wrong value', kind: `${name} vs float64 reference`, message: msg } : undefined;
    },
  };
}

/** `safe_softmax_cross_entropy`: logits with −∞ entries; a label on a −∞ logit is +∞ (a typed error when validating). */
function safeCase(r, lib) {
  const N = r.int(1, 5);
  const C = r.int(2, 6);
  const vm = r.valueMode({ moderate: r.bool(0.8) });
  const z = Array.from({ length: N }, () => values(r, 'real', C, vm).map((v) => (r.bool(0.3) ? -Infinity : v)));
  const t = r.probs(N, C);
  // Mostly: no label mass where the logit is −∞.
  if (r.bool(0.8)) {
    for (let i = 0; i < N; i++) {
      const ok = z[i].map((v) => v !== -Infinity);
      if (!ok.some(Boolean)) z[i][0] = 0;
      const live = z[i].map((v) => v !== -Infinity);
      const mass = sum(t[i].filter((_, j) => live[j]));
      t[i] = t[i].map((v, j) => (live[j] ? (mass > 0 ? f32(v / mass) : 0) : 0));
      if (mass === 0) t[i][live.indexOf(true)] = 1;
    }
  }
  const want = z.map((row, i) => {
    const live = row.map((v) => v !== -Infinity);
    if (t[i].some((v, j) => v !== 0 && !live[j])) return Infinity;
    const zz = row.filter((_, j) => live[j]);
    const tt = t[i].filter((_, j) => live[j]);
    return zz.length === 0 ? 0 : ref.ceLogits(zz, tt).value;
  });
  const infinite = want.some((v) => v === Infinity);
  const validate = r.bool(0.85);
  const o = validate ? {} : { validate: false };
  const expect = infinite ? (validate ? 'invalid' : 'any') : 'valid';
  return {
    fn: 'optax.safeSoftmaxCrossEntropy',
    expect,
    why: infinite ? 'label mass on a −∞ logit (an infinite loss)' : undefined,
    codes: ['NON_FINITE_OUTPUT'],
    repro: { call: 'safeSoftmaxCrossEntropy(logits, labels, options)', logits: z, labels: t, options: o },
    run: () => lib.optax.safeSoftmaxCrossEntropy(z, t, o),
    check: (out) => {
      if (expect !== 'valid') return undefined;
      const msg = ref.allClose(Array.from(out.dataSync()), want, { rtol: 1e-3, atol: 1e-5, mag: z.map((row) => Math.max(1, ...row.filter(Number.isFinite).map(Math.abs))), k: 16 });
      return msg ? { category: 'wrong value', kind: 'safeSoftmaxCrossEntropy vs float64 reference', message: msg } : undefined;
    },
  };
}

/** `ranking_softmax_loss` with where, weights and each reduction. */
function rankingCase(r, lib) {
  const N = r.int(1, 4);
  const L = r.int(1, 6);
  const vm = r.valueMode({ moderate: r.bool(0.8) });
  const z = Array.from({ length: N }, () => values(r, 'real', L, vm));
  const y = Array.from({ length: N }, () => Array.from({ length: L }, () => r.int(0, 2)));
  const o = {};
  const where = r.bool(0.4) ? Array.from({ length: N }, () => Array.from({ length: L }, () => (r.bool(0.7) ? 1 : 0))) : undefined;
  const weights = r.bool(0.3) ? Array.from({ length: N }, () => Array.from({ length: L }, () => f32(r.float(0.1, 2)))) : undefined;
  if (where) o.where = where;
  if (weights) o.weights = weights;
  const red = r.pick(['mean', 'sum', null, undefined]);
  if (red !== undefined) o.reduceFn = red;
  const per = z.map((row, i) => {
    const keep = (a) => (where ? a.filter((_, j) => where[i][j] === 1) : a);
    const zz = keep(row);
    if (zz.length === 0) return 0;
    const tt = keep(y[i].map((v, j) => v * (weights ? weights[i][j] : 1)));
    return ref.ceLogits(zz, tt).value;
  });
  const valid = where ? where.map((m) => m.some((v) => v === 1)) : z.map(() => true);
  const count = valid.filter(Boolean).length;
  const want = red === null ? per : red === 'sum' ? [sum(per)] : [count === 0 ? 0 : sum(per) / count];
  let logits = z;
  let expect = 'valid';
  let why;
  let codes;
  const bad = r.bool(0.15) ? r.pick(['nan', 'reduce', 'shape']) : undefined;
  if (bad === 'nan') {
    logits = poke(z, randomIndex(r, [N, L]), r.nonFinite());
    [why, codes] = ['non-finite logits', ['NON_FINITE_INPUT']];
  } else if (bad === 'reduce') {
    o.reduceFn = r.pick(['max', 1, 'MEAN']);
    [why, codes] = ['unknown reduceFn', ['INVALID_ARGUMENT']];
  } else if (bad === 'shape') {
    o.where = Array.from({ length: N }, () => new Array(L + 1).fill(1));
    [why, codes] = ['where of the wrong shape', ['SHAPE_MISMATCH']];
  }
  if (why) expect = 'invalid';
  return {
    fn: 'optax.rankingSoftmaxLoss',
    expect,
    why,
    codes,
    repro: { call: 'rankingSoftmaxLoss(logits, labels, options)', logits, labels: y, options: o },
    run: () => lib.optax.rankingSoftmaxLoss(logits, y, o),
    check: (out) => {
      if (expect !== 'valid') return undefined;
      const mag = Math.max(1, ...z.flat().map(Math.abs)) * 3 * L * (red === 'sum' || red === null ? 1 : 1);
      const msg = ref.allClose(Array.from(out.dataSync()), want, { rtol: 1e-3, atol: 1e-5, mag: red === 'sum' ? mag * N : mag, k: 16 });
      return msg ? { category: 'wrong value', kind: 'rankingSoftmaxLoss vs float64 reference', message: msg } : undefined;
    },
  };
}

/** `make_fenchel_young_loss` over logsumexp or max. */
function fenchelYoungCase(r, lib) {
  const tf = lib.tf;
  const kind = r.pick(['lse', 'max']);
  const fy = lib.optax.makeFenchelYoungLoss(kind === 'lse' ? (s) => tf.logSumExp(s, -1) : (s) => tf.max(s, -1));
  const N = r.int(1, 4);
  const C = r.int(1, 5);
  const z = r.matrix(N, C, 'normal', r.pick([0.5, 1, 3]));
  const t = r.probs(N, C);
  const want = z.map((row, i) => (kind === 'lse' ? ref.lse(row) : Math.max(...row)) - sum(row.map((v, j) => v * t[i][j])));
  let scores = z;
  let expect = 'valid';
  let why;
  if (r.bool(0.15)) {
    scores = poke(z, randomIndex(r, [N, C]), r.nonFinite());
    expect = 'invalid';
    why = 'non-finite scores';
  }
  return {
    fn: `optax.makeFenchelYoungLoss(${kind})`,
    expect,
    why,
    codes: ['NON_FINITE_INPUT'],
    repro: { call: `makeFenchelYoungLoss(${kind})(scores, targets)`, scores, targets: t },
    run: () => fy(scores, t),
    check: (out) => {
      if (expect !== 'valid') return undefined;
      const msg = ref.allClose(Array.from(out.dataSync()), want, { rtol: 1e-3, atol: 1e-5, mag: z.map((row) => sum(row.map(Math.abs))), k: 16 });
      return msg ? { category: 'wrong value', kind: 'Fenchel-Young loss vs float64 reference', message: msg } : undefined;
    },
  };
}

/** `smooth_labels` with axis and where. */
function smoothCase(r, lib) {
  const N = r.int(1, 4);
  const K = r.int(1, 5);
  const t = r.probs(N, K);
  const alpha = r.pick([0, 0.1, 0.5, 1]);
  const o = {};
  let count = () => K;
  if (r.bool(0.3)) {
    o.axis = 0;
    count = () => N;
  }
  let where;
  if (r.bool(0.3)) {
    where = Array.from({ length: N }, () => Array.from({ length: K }, () => (r.bool(0.8) ? 1 : 0)));
    o.where = where;
  }
  const want = t.map((row, i) => row.map((v, j) => {
    const k = where ? (o.axis === 0 ? sum(where.map((w) => w[j])) : sum(where[i])) : count();
    return (1 - alpha) * v + alpha / k;
  }));
  const zeroCount = want.flat().some((v) => !Number.isFinite(v));
  let a = alpha;
  let expect = zeroCount ? (alpha === 0 ? 'valid' : 'invalid') : 'valid';
  let why = zeroCount && alpha !== 0 ? 'a where row with no entry (α / 0)' : undefined;
  let codes = ['NON_FINITE_OUTPUT'];
  if (zeroCount && alpha === 0) expect = 'any'; // 0/0
  if (r.bool(0.1)) {
    a = r.pick([NaN, Infinity]);
    [expect, why, codes] = ['invalid', `alpha ${a}`, ['INVALID_PARAMETER']];
  }
  return {
    fn: 'optax.smoothLabels',
    expect,
    why,
    codes,
    repro: { call: 'smoothLabels(labels, alpha, options)', labels: t, alpha: a, options: o },
    run: () => lib.optax.smoothLabels(t, a, o),
    check: (out) => {
      if (expect !== 'valid') return undefined;
      const msg = ref.allClose(Array.from(out.dataSync()), want.flat(), { rtol: 1e-5, atol: 1e-6 });
      return msg ? { category: 'wrong value', kind: 'smoothLabels vs float64 reference', message: msg } : undefined;
    },
  };
}

/** Dice family on [B, S, C] images. */
function diceCase(r, lib, name) {
  const B = r.int(1, 3);
  const S = r.int(1, 6);
  const C = name === 'binaryDiceLoss' ? 1 : r.int(1, 4);
  const z = Array.from({ length: B }, () => r.matrix(S, C, 'normal', r.pick([0.5, 1, 3])));
  const labels = Array.from({ length: B }, () => r.labels(S, C));
  const t = labels.map((img) => img.map((k) => Array.from({ length: C }, (_, j) => (C === 1 ? (r.bool() ? 1 : 0) : j === k ? 1 : 0))));
  const smooth = r.pick([1, 1, 0.5, 0]);
  const alpha = name === 'diceLoss' ? r.pick([0.5, 0.3]) : 0.5;
  const beta = name === 'diceLoss' ? r.pick([0.5, 0.7]) : 0.5;
  const ignore = name !== 'binaryDiceLoss' && r.bool(0.3);
  const reduction = name === 'diceLoss' ? r.pick(['mean', 'sum', 'none']) : 'mean';
  const probs = z.map((img) => img.map((px) => (C === 1 ? [ref.sigmoid(px[0])] : ref.softmax(px))));
  const dice = probs.map((img, i) =>
    Array.from({ length: C }, (_, c) => {
      const I = sum(img.map((px, k) => px[c] * t[i][k][c]));
      const P = sum(img.map((px) => px[c]));
      const T = sum(t[i].map((px) => px[c]));
      return 1 - (I + smooth) / (I + alpha * (P - I) + beta * (T - I) + smooth);
    }),
  );
  let want;
  if (name === 'multiclassGeneralizedDiceLoss') {
    const f = Array.from({ length: C }, (_, c) => sum(t.flatMap((img) => img.map((px) => px[c]))));
    const w0 = f.map((v) => 1 / (v * v + 1e-7));
    const w = w0.map((v) => (v / sum(w0)) * C);
    const d = dice.map((row) => row.map((v, c) => v * w[c]).slice(ignore && C > 1 ? 1 : 0));
    want = [sum(d.flat()) / d.flat().length];
  } else {
    const d = dice.map((row) => row.slice(ignore && C > 1 ? 1 : 0));
    want = reduction === 'none' ? d.flat() : d.map((row) => (reduction === 'sum' ? sum(row) : sum(row) / row.length));
  }
  const o = name === 'binaryDiceLoss' ? { smooth } : { smooth, ...(ignore ? { ignoreBackground: true } : {}), ...(name === 'diceLoss' ? { alpha, beta, reduction } : {}) };
  let predictions = name === 'binaryDiceLoss' ? z.map((img) => img.map((px) => px[0])) : z;
  const targets = name === 'binaryDiceLoss' ? t.map((img) => img.map((px) => px[0])) : t;
  let expect = want.some((v) => !Number.isFinite(v)) ? 'any' : 'valid'; // smooth 0 with an absent class: 0/0
  let why;
  let codes;
  if (r.bool(0.15)) {
    predictions = poke(predictions, randomIndex(r, shapeOf(predictions)), r.nonFinite());
    [expect, why, codes] = ['invalid', 'non-finite predictions', ['NON_FINITE_INPUT']];
  }
  return {
    fn: `optax.${name}`,
    expect,
    why,
    codes,
    repro: { call: `${name}(predictions, targets, options)`, predictions, targets, options: o },
    run: () => lib.optax[name](predictions, targets, o),
    check: (out) => {
      if (expect !== 'valid') return undefined;
      const msg = ref.allClose(Array.from(out.dataSync()), want, { rtol: 1e-3, atol: 1e-5 });
      return msg ? { category: 'wrong value', kind: `${name} vs float64 reference`, message: msg } : undefined;
    },
  };
}

/** `ntxent` and `triplet_margin_loss`. */
function selfSupervisedCase(r, lib, name) {
  if (name === 'ntxent') {
    const B = r.int(1, 6);
    const D = r.int(1, 4);
    const e = r.matrix(B, D, 'normal', r.pick([0.5, 1, 3]));
    const y = r.labels(B, r.int(1, 3));
    const tau = r.pick([0.07, 0.5, 1, 2]);
    const unit = e.map((row) => { const n = Math.sqrt(Math.max(sum(row.map((v) => v * v)), 2 ** -23)); return row.map((v) => v / n); });
    const s = unit.map((a) => unit.map((b) => sum(a.map((v, k) => v * b[k])) / tau));
    let total = 0;
    let count = 0;
    for (let i = 0; i < B; i++) {
      const negs = s[i].filter((_, k) => y[k] !== y[i]);
      for (let j = 0; j < B; j++) {
        if (j === i || y[j] !== y[i]) continue;
        total += -(s[i][j] - ref.lse([s[i][j], ...negs]));
        count++;
      }
    }
    return {
      fn: 'optax.ntxent',
      expect: count === 0 ? 'invalid' : 'valid',
      why: count === 0 ? 'no positive pair' : undefined,
      codes: ['INVALID_ARGUMENT'],
      repro: { call: 'ntxent(embeddings, labels, { temperature })', embeddings: e, labels: y, temperature: tau },
      run: () => lib.optax.ntxent(e, y, { temperature: tau }),
      check: (out) => {
        if (count === 0) return undefined;
        const msg = ref.closeTo(out.dataSync()[0], total / count, { rtol: 1e-3, atol: 1e-5, mag: 2 / tau, k: 16 });
        return msg ? { category: 'wrong value', kind: 'ntxent vs float64 reference', message: msg } : undefined;
      },
    };
  }
  const N = r.int(1, 4);
  const D = r.int(1, 4);
  const [a, p, n] = [0, 1, 2].map(() => r.matrix(N, D, 'normal', r.pick([0.5, 1, 3])));
  const q = r.pick([2, 2, 4]);
  const margin = r.pick([1, 0.2, 0]);
  const eps = r.pick([1e-6, 0.01]);
  const d = (x, z) => (sum(x.map((v, k) => (v - z[k]) ** q)) + eps) ** (1 / q);
  const want = a.map((row, i) => Math.max(d(row, p[i]) - d(row, n[i]) + margin, 0));
  return {
    fn: 'optax.tripletMarginLoss',
    expect: 'valid',
    repro: { call: 'tripletMarginLoss(a, p, n, options)', a, p, n, options: { normDegree: q, margin, eps } },
    run: () => lib.optax.tripletMarginLoss(a, p, n, { normDegree: q, margin, eps }),
    check: (out) => {
      const msg = ref.allClose(Array.from(out.dataSync()), want, { rtol: 1e-3, atol: 1e-5, mag: 10, k: 16 });
      return msg ? { category: 'wrong value', kind: 'tripletMarginLoss vs float64 reference', message: msg } : undefined;
    },
  };
}

const KINDS = {
  elementwise: [6, Object.keys(ELEMENTWISE)],
  rows: [5, Object.keys(ROWS)],
  integer: [3, Object.keys(INTEGER)],
  safe: [1.5, ['safeSoftmaxCrossEntropy']],
  ranking: [1.5, ['rankingSoftmaxLoss']],
  fenchelYoung: [1, ['makeFenchelYoungLoss']],
  smooth: [1, ['smoothLabels']],
  dice: [2, ['diceLoss', 'binaryDiceLoss', 'multiclassGeneralizedDiceLoss']],
  selfSupervised: [1.5, ['ntxent', 'tripletMarginLoss']],
};

export function generate(r, lib) {
  const kind = r.weighted(Object.fromEntries(Object.entries(KINDS).map(([k, [w]]) => [k, w])));
  const name = r.pick(KINDS[kind][1]);
  switch (kind) {
    case 'elementwise':
      return elementwiseCase(r, lib, name);
    case 'rows':
      return rowsCase(r, lib, name);
    case 'integer':
      return integerCase(r, lib, name);
    case 'safe':
      return safeCase(r, lib);
    case 'ranking':
      return rankingCase(r, lib);
    case 'fenchelYoung':
      return fenchelYoungCase(r, lib);
    case 'smooth':
      return smoothCase(r, lib);
    case 'dice':
      return diceCase(r, lib, name);
    default:
      return selfSupervisedCase(r, lib, name);
  }
}
