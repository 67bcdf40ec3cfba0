// @losskit/unlearning: the per-sample terms (NPO, SimNPO, KL to the reference, LoReUn weights) against float64
// references written from open-unlearning's formulas, objective builders, gradient surgery against the projection
// formulas, the membership-inference AUC against the Mann-Whitney statistic, and unlearn()/SSD/metrics runs on a tiny
// linear model, with bad input (empty sets, NaN, mismatched rows, wrong input width, bad hyperparameters).
import * as tf from '@tensorflow/tfjs-core';
import { compiledCase } from '../lib/compiled.mjs';
import { oneHot } from '../lib/rand.mjs';
import * as ref from '../lib/ref.mjs';

const f32 = Math.fround;

export function generate(r, lib) {
  const kind = r.weighted({ terms: 30, objective: 12, surgery: 12, auc: 10, unlearn: 18, metrics: 10, ssd: 8, pdu: 6, seqMetrics: 14, seqUnlearn: 10, numbers: 12, rece: 6, rmu: 8, worstCase: 4, o3: 10, laf: 8 });
  if (kind === 'o3') return o3Case(r, lib);
  if (kind === 'laf') return lafCase(r, lib);
  if (kind === 'pdu') return pduCase(r, lib);
  if (kind === 'seqMetrics') return seqMetricsCase(r, lib);
  if (kind === 'seqUnlearn') return seqUnlearnCase(r, lib);
  if (kind === 'numbers') return numbersCase(r, lib);
  if (kind === 'rece') return receCase(r, lib);
  if (kind === 'rmu') return rmuCase(r, lib);
  if (kind === 'worstCase') return worstCaseCase(r, lib);
  if (kind === 'terms') return termCase(r, lib);
  if (kind === 'objective') return objectiveCase(r, lib);
  if (kind === 'surgery') return surgeryCase(r, lib);
  if (kind === 'auc') return aucCase(r, lib);
  if (kind === 'unlearn') return unlearnCase(r, lib);
  if (kind === 'metrics') return metricsCase(r, lib);
  return ssdCase(r, lib);
}

// ── per-sample terms ─────────────────────────────────────────────────────────

function termCase(r, lib) {
  const _U = lib.unlearning;
  const B = r.int(1, 6);
  const C = r.classes({ min: 2, max: 6 });
  const vm = r.valueMode({ moderate: r.bool(0.85) });
  const moderate = vm.scale <= 10 && vm.mode !== 'extreme' && vm.mode !== 'mixed';
  const z = r.matrix(B, C, vm.mode, vm.scale);
  const labels = r.labels(B, C);
  const t = oneHot(labels, C);
  const ce = z.map((row, i) => ref.ceLogits(row, t[i]).value);
  const term = r.pick(['npoTerm', 'simNpoTerm', 'klToReference', 'loreunTerm', 'flatTerm']);
  let code;
  let build;
  let inputs;
  let perSample;
  let invalid;
  if (term === 'npoTerm') {
    const beta = r.pick([0.1, 1, 5, 0, -1]);
    const refLoss = Array.from({ length: B }, () => f32(r.float(0, 5)));
    inputs = { referenceLoss: refLoss };
    code = `npoTerm({ beta: ${beta} })`;
    build = (l) => l.unlearning.npoTerm({ beta });
    if (beta <= 0) invalid = `beta ${beta}`;
    // open-unlearning NPO: (2/β)·log(1 + (π_θ/π_ref)^β) = (2/β)·softplus(β(ℓ_ref − ℓ_θ)).
    else perSample = ce.map((l, i) => (2 / beta) * ref.softplus(beta * (refLoss[i] - l)));
  } else if (term === 'simNpoTerm') {
    const beta = r.pick([4.5, 1, 0.1, 0]);
    const delta = r.pick([0, 1, -0.5, NaN]);
    code = `simNpoTerm({ beta: ${beta}, delta: ${delta} })`;
    build = (l) => l.unlearning.simNpoTerm({ beta, delta });
    if (beta <= 0 || !Number.isFinite(delta)) invalid = `beta ${beta}, delta ${delta}`;
    // SimNPO as open-unlearning: −(2/β)·log σ(β(ℓ − δ)) with |y| = 1.
    else perSample = ce.map((l) => (2 / beta) * ref.softplus(-beta * (l - delta)));
  } else if (term === 'klToReference') {
    const refLogits = r.matrix(B, C, 'normal', 2);
    inputs = { reference: refLogits };
    code = 'klToReference()';
    build = (l) => l.unlearning.klToReference();
    perSample = z.map((row, i) => ref.klLogits(row, ref.softmax(refLogits[i])).value);
  } else if (term === 'loreunTerm') {
    const tau = r.pick([1, 0.1, 10, 0]);
    code = `loreunTerm(ce().neg(), { tau: ${tau} })`;
    build = (l) => l.unlearning.loreunTerm(l.core.ce().neg(), { tau });
    if (tau <= 0) invalid = `tau ${tau}`;
    else {
      // w_i = B·softmax_i(−ℓ_i/τ), term_i·w_i with term = −ℓ.
      const w = ref.softmax(ce.map((l) => -l / tau)).map((v) => v * B);
      perSample = ce.map((l, i) => -l * w[i]);
    }
  } else {
    const divergence = r.pick(['totalVariation', 'kl', 'reverseKl', 'js', 'pearson', 'squaredHellinger', 'bogus']);
    inputs = { template: oneHot(r.labels(B, C), C) };
    code = `flatTerm({ divergence: '${divergence}' })`;
    build = (l) => l.unlearning.flatTerm({ divergence });
    if (divergence === 'bogus') invalid = 'unknown divergence';
  }
  const method = r.pick(['call', 'perSample', 'valueAndGrad']);
  return compiledCase(lib, {
    fn: `compile(${term})`,
    code,
    build,
    options: r.bool(0.3) ? { fuse: false } : {},
    method,
    yTrue: labels,
    yPred: z,
    inputs,
    tensors: r.bool(0.3) ? { yPred: 'float32', yTrue: 'int32', inputs: 'float32' } : {},
    expect: invalid ? 'invalid' : moderate ? 'valid' : 'any',
    why: invalid,
    codes: ['INVALID_PARAMETER'],
    level: 'sample',
    ref: perSample && moderate ? { perSample, mag: perSample.map(() => 0) } : undefined,
    oracles: invalid ? [] : ['fusion', 'mean', 'vag'].filter(() => r.bool(0.5)),
  });
}

// ── objective builders ───────────────────────────────────────────────────────

function objectiveCase(r, lib) {
  const U = lib.unlearning;
  const which = r.pick(['gradientAscent', 'gradientDifference', 'klRetain', 'npo', 'simNpo', 'flat', 'loreun', 'objective']);
  const gamma = r.pick([1, 0, 0.5, -1, NaN]);
  const alpha = r.pick([1, 0, 2, -1, Infinity]);
  const o = which === 'gradientAscent' ? {} : which === 'flat' ? { divergence: r.pick(['kl', 'js', 'x']) } : { gamma, alpha };
  const invalid = (o.gamma !== undefined && !(o.gamma >= 0 && Number.isFinite(o.gamma))) || (o.alpha !== undefined && !(o.alpha >= 0 && Number.isFinite(o.alpha))) || o.divergence === 'x';
  return {
    fn: which,
    expect: invalid ? 'invalid' : 'valid',
    why: JSON.stringify(o),
    codes: ['INVALID_PARAMETER', 'INVALID_ARGUMENT'],
    finite: false,
    repro: { call: which === 'loreun' ? `loreun(gradientDifference(${JSON.stringify(o)}))` : which === 'objective' ? `objective({ forget: ce().neg(), retain: ce(), ...${JSON.stringify(o)} })` : `${which}(${JSON.stringify(o)})` },
    run: () => {
      const obj = which === 'loreun' ? U.loreun(U.gradientDifference(o)) : which === 'objective' ? U.objective({ forget: lib.core.ce().neg(), retain: lib.core.ce(), ...o }) : U[which](o);
      return { name: obj.name, gamma: obj.gamma, alpha: obj.alpha, text: obj.toString() };
    },
    check: (out) => (Number.isFinite(out.gamma) && Number.isFinite(out.alpha) && typeof out.text === 'string' ? undefined : { category: 'wrong value', kind: `${which} objective fields`, message: JSON.stringify(out) }),
  };
}

// ── gradient surgery ─────────────────────────────────────────────────────────

function surgeryCase(r, lib) {
  const U = lib.unlearning;
  const names = r.shuffle(['w', 'b', 'k']).slice(0, r.int(1, 2));
  const shapes = Object.fromEntries(names.map((k) => [k, r.pick([[2], [2, 3], [1]])]));
  const vals = () => Object.fromEntries(names.map((k) => [k, Array.from({ length: shapes[k].reduce((a, b) => a * b, 1) }, () => (r.bool(0.1) ? 0 : f32(r.normal() * r.pick([1, 1e-3, 1e3]))))]));
  const gf = vals();
  const gr = vals();
  if (r.bool(0.1)) for (const k of names) gf[k] = gf[k].map(() => 0);
  const fn = r.pick(['orthogonalizeRetain', 'conceptPreservingGradient']);
  const bad = r.bool(0.15) ? r.pick(['names', 'shape']) : undefined;
  const dot = (a, b) => names.reduce((s, k) => s + a[k].reduce((t, v, i) => t + v * b[k][i], 0), 0);
  let want;
  if (fn === 'orthogonalizeRetain') {
    const ff = dot(gf, gf);
    const c = ff > 0 ? dot(gf, gr) / ff : 0;
    want = Object.fromEntries(names.map((k) => [k, gr[k].map((v, i) => v - c * gf[k][i])]));
  } else {
    const d = dot(gf, gr);
    const rr = dot(gr, gr);
    const c = d < 0 ? d / Math.max(rr, 1e-30) : 0;
    want = Object.fromEntries(names.map((k) => [k, gf[k].map((v, i) => v - c * gr[k][i])]));
  }
  return {
    fn,
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    codes: ['INVALID_ARGUMENT', 'SHAPE_MISMATCH'],
    repro: { call: fn === 'orthogonalizeRetain' ? 'orthogonalizeRetain(retainGrads, forgetGrads)' : 'conceptPreservingGradient(forgetGrads, retainGrads)', forgetGrads: gf, retainGrads: gr, shapes, ...(bad ? { bad } : {}) },
    prepare: () => {
      const mk = (m) => Object.fromEntries(names.map((k) => [k, tf.tensor(m[k], shapes[k])]));
      const f = mk(gf);
      const g = mk(gr);
      if (bad === 'names') g.extra = tf.ones([1]);
      if (bad === 'shape') {
        g[names[0]].dispose();
        g[names[0]] = tf.ones([...shapes[names[0]], 2]);
      }
      return { f, g };
    },
    run: ({ f, g }) => (fn === 'orthogonalizeRetain' ? U.orthogonalizeRetain(g, f) : U.conceptPreservingGradient(f, g)),
    check: (out) => {
      for (const k of names) {
        const big = Math.max(1e-30, ...want[k].map(Math.abs), ...gf[k].map(Math.abs), ...gr[k].map(Math.abs));
        const msg = ref.allClose(Array.from(out[k].dataSync()), want[k], { rtol: 1e-3, atol: 1e-5 * big });
        if (msg) return { category: 'wrong value', kind: `${fn} vs projection formula`, message: `"${k}": ${msg}` };
      }
      return undefined;
    },
  };
}

// ── membership-inference AUC ─────────────────────────────────────────────────

function aucCase(r, lib) {
  const U = lib.unlearning;
  const a = Array.from({ length: r.int(0, 6) }, () => r.pick([0, 0.5, 1, f32(r.float(0, 3))]));
  const b = Array.from({ length: r.int(0, 6) }, () => r.pick([0, 0.5, 1, f32(r.float(0, 3))]));
  if (r.bool(0.1) && a.length) a[0] = r.nonFinite();
  const valid = a.length > 0 && b.length > 0 && a.every(Number.isFinite);
  // P(ℓ_member < ℓ_non-member) + ½ P(equal), over all pairs.
  let s = 0;
  for (const x of a) for (const y of b) s += x < y ? 1 : x === y ? 0.5 : 0;
  const want = s / (a.length * b.length);
  return {
    fn: 'membershipAuc',
    expect: valid ? 'valid' : 'invalid',
    why: 'empty or non-finite losses',
    codes: ['EMPTY_BATCH', 'NON_FINITE_INPUT'],
    repro: { call: 'membershipAuc(memberLosses, nonMemberLosses)', memberLosses: a, nonMemberLosses: b },
    run: () => U.membershipAuc(a, b),
    check: (v) => (Math.abs(v - want) > 1e-12 ? { category: 'wrong value', kind: 'membershipAuc vs Mann-Whitney', message: `expected ${want}, got ${v}` } : undefined),
  };
}

// ── unlearn(), metrics and SSD on a tiny linear model ────────────────────────

/** A linear model `x·W` as the package's ModelLike (trainable Variables). */
function linearModel(W) {
  return { trainableWeights: [{ read: () => W }], apply: (x) => tf.matMul(x, W) };
}

function dataset(r, n, D, C) {
  return { x: r.matrix(n, D, 'normal', 1), y: r.labels(n, C) };
}

function unlearnCase(r, lib) {
  const U = lib.unlearning;
  const O = lib.optimizers;
  const D = r.int(1, 4);
  const C = r.int(2, 4);
  const forget = dataset(r, r.int(1, 6), D, C);
  const retain = dataset(r, r.int(1, 6), D, C);
  const objective = r.pick(['gradientAscent', 'gradientDifference', 'npo', 'simNpo', 'klRetain', 'loreun']);
  const surgery = r.pick(['none', 'conceptPreserving', 'unoS']);
  const steps = r.int(1, 4);
  const reference = ['npo', 'klRetain'].includes(objective) ? r.pick(['initial', 'model']) : r.pick([undefined, 'initial']);
  const bad = r.bool(0.2) ? r.pick(['emptyForget', 'nan', 'rows', 'width', 'steps', 'noRetain']) : undefined;
  let f = forget;
  let re = retain;
  let st = steps;
  let xWidth = D;
  if (bad === 'emptyForget') f = { x: [], y: [] };
  if (bad === 'nan') f = { x: forget.x.map((row, i) => (i === 0 ? [NaN, ...row.slice(1)] : row)), y: forget.y };
  if (bad === 'rows') f = { x: forget.x, y: [...forget.y, 0] };
  if (bad === 'width') xWidth = D + 1;
  if (bad === 'steps') st = r.pick([0, -1, 1.5]);
  const needsRetain = !['gradientAscent'].includes(objective);
  if (bad === 'noRetain') re = undefined;
  // Surgery combines a forget and a retain gradient: an objective without a retain term cannot use it.
  const surgeryWithoutRetain = surgery !== 'none' && (objective === 'gradientAscent' || bad === 'noRetain');
  const invalid = (bad && !(bad === 'noRetain' && !needsRetain)) || surgeryWithoutRetain;
  const wInit = r.matrix(D, C, 'normal', 0.5);
  const lr = r.pick([0.01, 0.1]);
  return {
    fn: `unlearn(${objective}, surgery ${surgery})`,
    expect: invalid ? 'invalid' : 'valid',
    why: surgeryWithoutRetain && !bad ? 'surgery without a retain term' : bad,
    codes: ['EMPTY_BATCH', 'NON_FINITE_INPUT', 'SHAPE_MISMATCH', 'INVALID_PARAMETER', 'INVALID_ARGUMENT', 'MISSING_INPUT'],
    timeoutMs: 8000,
    repro: { call: `await unlearn({ model: linear(W), forget, retain, objective: ${objective}(), optimizer: sgd({ learningRate: ${lr} }), steps: ${st}, surgery: '${surgery}'${reference ? `, reference: ${reference === 'model' ? 'linear(copy of W)' : "'initial'"}` : ''}, seed: 1 })`, W: wInit, forget: { ...f, ...(xWidth !== D ? { x: f.x.map((row) => [...row, 0]) } : {}) }, retain: re },
    prepare: () => ({ W: tf.variable(tf.tensor2d(wInit, [D, C])), W0: tf.variable(tf.tensor2d(wInit, [D, C])) }),
    run: async ({ W, W0 }) => {
      const obj = objective === 'loreun' ? U.loreun(U.gradientDifference()) : U[objective]();
      const fx = xWidth !== D ? f.x.map((row) => [...row, 0]) : f.x;
      const res = await U.unlearn({
        model: linearModel(W),
        forget: { x: fx, y: f.y },
        ...(re ? { retain: re } : {}),
        objective: obj,
        optimizer: O.sgd({ learningRate: lr }),
        steps: st,
        surgery,
        ...(reference === 'model' ? { reference: linearModel(W0) } : reference === 'initial' ? { reference: 'initial' } : {}),
        seed: 1,
      });
      return { losses: res.losses, steps: res.steps, weights: Array.from(W.dataSync()) };
    },
    check: (out) => (out.losses.length === st && out.steps === st ? undefined : { category: 'wrong value', kind: 'unlearn step count', message: `asked ${st} steps, got ${out.steps} (${out.losses.length} losses)` }),
  };
}

function metricsCase(r, lib) {
  const U = lib.unlearning;
  const D = r.int(1, 3);
  const C = r.int(2, 4);
  const data = dataset(r, r.int(0, 6), D, C);
  const W = r.matrix(D, C, 'normal', 1);
  const fn = r.pick(['perSampleLosses', 'evaluateSet', 'unlearningMetrics', 'predictLogits', 'checkSameWeights']);
  const n = data.x.length;
  // float64 reference: CE of x·W per sample.
  const logits = data.x.map((row) => Array.from({ length: C }, (_, c) => row.reduce((s, v, k) => s + v * W[k][c], 0)));
  const ce = logits.map((z, i) => ref.ceLogits(z, oneHot([data.y[i]], C)[0]).value);
  return {
    fn,
    expect: n === 0 ? (fn === 'checkSameWeights' ? 'valid' : fn === 'predictLogits' ? 'any' : 'invalid') : 'valid',
    why: 'empty set',
    codes: ['EMPTY_BATCH'],
    finite: fn === 'checkSameWeights' ? false : undefined,
    repro: { call: `${fn}(linear(W), { x, y })`, W, ...data },
    prepare: () => ({ Wv: tf.variable(tf.tensor2d(W, [D, C])), Wv2: tf.variable(tf.tensor2d(W, [D, C])) }),
    run: ({ Wv, Wv2 }) => {
      const model = linearModel(Wv);
      if (fn === 'perSampleLosses') return Array.from(U.perSampleLosses(model, data));
      if (fn === 'evaluateSet') return U.evaluateSet(model, data);
      if (fn === 'unlearningMetrics') return U.unlearningMetrics({ model, forget: data, retain: data, heldOut: data });
      if (fn === 'checkSameWeights') return U.checkSameWeights(model, linearModel(Wv2), 'reference') ?? 'same';
      return tf.tidy(() => U.predictLogits(model, tf.tensor2d(data.x, [n, D]), 2));
    },
    check: (out) => {
      if (fn === 'perSampleLosses') {
        const msg = ref.allClose(out, ce, { rtol: 1e-4, atol: 1e-5 });
        return msg ? { category: 'wrong value', kind: 'perSampleLosses vs float64 CE', message: msg } : undefined;
      }
      if (fn === 'evaluateSet' && n > 0) {
        const acc = logits.filter((z, i) => z.indexOf(Math.max(...z)) === data.y[i]).length / n;
        const loss = ce.reduce((a, b) => a + b, 0) / n;
        if (Math.abs(out.loss - loss) > 1e-4 * Math.max(1, loss)) return { category: 'wrong value', kind: 'evaluateSet loss vs float64 CE', message: `expected ${loss}, got ${out.loss}` };
        const ties = logits.some((z) => z.filter((v) => Math.abs(v - Math.max(...z)) < 1e-5).length > 1);
        if (!ties && Math.abs(out.accuracy - acc) > 1e-6) return { category: 'wrong value', kind: 'evaluateSet accuracy', message: `expected ${acc}, got ${out.accuracy}` };
      }
      return undefined;
    },
  };
}

function ssdCase(r, lib) {
  const U = lib.unlearning;
  const D = r.int(1, 3);
  const C = r.int(2, 3);
  const forget = dataset(r, r.int(1, 4), D, C);
  const all = dataset(r, r.int(1, 6), D, C);
  const alpha = r.pick([10, 1, 0, -1]);
  const lambda = r.pick([1, 0.5, NaN]);
  const valid = alpha >= 0 && Number.isFinite(lambda) && lambda >= 0;
  const W = r.matrix(D, C, 'normal', 1);
  return {
    fn: 'selectiveSynapticDampening',
    expect: valid ? 'valid' : 'invalid',
    why: `alpha ${alpha}, lambda ${lambda}`,
    codes: ['INVALID_PARAMETER'],
    repro: { call: `selectiveSynapticDampening({ model: linear(W), forget, data, alpha: ${alpha}, lambda: ${lambda} })`, W, forget, data: all },
    prepare: () => ({ Wv: tf.variable(tf.tensor2d(W, [D, C])) }),
    run: ({ Wv }) => {
      const res = U.selectiveSynapticDampening({ model: linearModel(Wv), forget, data: all, alpha, lambda });
      return { ...res, weights: Array.from(Wv.dataSync()) };
    },
    check: (out) => (out.dampened <= out.total && out.dampened >= 0 ? undefined : { category: 'wrong value', kind: 'SSD counts', message: JSON.stringify(out) }),
  };
}

// ── sequence models: token metrics and MIA scores against float64 references ─

const SEQ_CODES = ['SHAPE_MISMATCH', 'LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT', 'EMPTY_BATCH', 'INVALID_PARAMETER', 'INVALID_ARGUMENT', 'MISSING_INPUT'];

/** logits[n, t, :] = E[x[n, t], :]: the smallest differentiable sequence model (one-hot · E). */
function lookupModel(E) {
  const [VIN, V] = E.shape;
  return { trainableWeights: [{ read: () => E }], apply: (x) => tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(tf.oneHot(tf.cast(x, 'int32'), VIN), [-1, VIN]), E), [...x.shape, V])) };
}

/** Sequences x [n, T] in [0, VIN), labels [n, T] in [0, V) or −100, each row with at least one label. */
function seqSet(r, n, T, VIN, V) {
  const x = Array.from({ length: n }, () => Array.from({ length: T }, () => r.int(0, VIN - 1)));
  const y = Array.from({ length: n }, () => {
    const row = Array.from({ length: T }, () => (r.bool(0.3) ? -100 : r.int(0, V - 1)));
    if (row.every((l) => l < 0)) row[r.int(0, T - 1)] = r.int(0, V - 1);
    return row;
  });
  return { x, y };
}

/** Per sample, the float64 NLL of each labelled position under the lookup table E, and whether its arg-max is the label. */
function seqRef(E, d) {
  return d.x.map((xs, i) => {
    const out = [];
    xs.forEach((tok, t) => {
      const l = d.y[i][t];
      if (l < 0) return;
      const z = E[tok];
      out.push({ nll: -ref.logSoftmax(z)[l], hit: z.indexOf(Math.max(...z)) === l });
    });
    return out;
  });
}
const meanOf = (a) => a.reduce((s, v) => s + v, 0) / a.length;

function badSeq(r, d, V) {
  const bad = r.pick(['label', 'negative', 'rows', 'cols', 'nan', 'empty']);
  const y = d.y.map((row) => [...row]);
  if (bad === 'label') y[0][y[0].findIndex((l) => l >= 0)] = V;
  if (bad === 'negative') y[0][0] = -3;
  if (bad === 'nan') y[0][0] = NaN;
  if (bad === 'rows') return { bad, d: { x: d.x, y: [...y, y[0]] } };
  if (bad === 'cols') return { bad, d: { x: d.x, y: y.map((row) => [...row, 0]) } };
  if (bad === 'empty') return { bad, d: { x: [], y: [] } };
  return { bad, d: { x: d.x, y } };
}

function seqMetricsCase(r, lib) {
  const U = lib.unlearning;
  const VIN = r.int(2, 5);
  const V = r.int(2, 5);
  const T = r.int(1, 4);
  const E = r.matrix(VIN, V, 'normal', r.pick([1, 3]));
  const Eref = r.matrix(VIN, V, 'normal', 1);
  const forget = seqSet(r, r.int(1, 4), T, VIN, V);
  const holdout = seqSet(r, r.int(1, 4), T, VIN, V);
  const fn = r.pick(['tokenLogProbs', 'meanTokenNll', 'sequenceProbability', 'exactMemorization', 'extractionStrength', 'miaScores', 'mia']);
  const attack = r.pick(['loss', 'minK', 'minKPlusPlus', 'reference', 'gradNorm', 'zlib']);
  const k = r.pick([0.2, 0.5, 1, 0, 1.5]);
  // k is validated whatever the attack (an option out of range is a mistake even where unused).
  const badK = !(k > 0 && k <= 1);
  const zlibSizes = attack === 'zlib' ? forget.x.map(() => r.int(5, 40)) : undefined;
  const { bad, d } = r.bool(0.2) ? badSeq(r, forget, V) : { bad: undefined, d: forget };
  const usesAttack = fn === 'miaScores' || fn === 'mia';
  const zlibMissing = usesAttack && attack === 'zlib' && fn === 'mia';
  const invalid = bad || (usesAttack && badK) || zlibMissing;
  const rf = seqRef(E, forget);
  const rh = seqRef(E, holdout);
  const nllOf = (rows) => rows.map((p) => meanOf(p.map((q) => q.nll)));
  const minK = (rows) => rows.map((p) => {
    const lp = p.map((q) => -q.nll).sort((a, b) => a - b);
    const m = Math.max(1, Math.floor(k * lp.length));
    return -meanOf(lp.slice(0, m));
  });
  const refNll = (d2) => nllOf(seqRef(Eref, d2));
  const score = (rows, d2, z) => {
    if (attack === 'loss') return nllOf(rows);
    if (attack === 'minK') return minK(rows);
    if (attack === 'reference') return nllOf(rows).map((v, i) => v - refNll(d2)[i]);
    if (attack === 'zlib') return nllOf(rows).map((v, i) => v / z[i]);
    return undefined; // minK++ and gradNorm: finite and of the right length only
  };
  return {
    fn: usesAttack ? `${fn}(${attack})` : fn,
    expect: invalid ? 'invalid' : 'valid',
    why: bad ?? (zlibMissing ? 'zlib without holdout sizes' : `k ${k}`),
    codes: SEQ_CODES,
    repro: { call: `${fn}(lookup(E), forget${usesAttack ? `, { attack: '${attack}', k: ${k} }` : ''})`, E, Eref, forget: d, holdout, zlibSizes },
    prepare: () => ({ Ev: tf.variable(tf.tensor2d(E, [VIN, V])), Er: tf.variable(tf.tensor2d(Eref, [VIN, V])) }),
    run: ({ Ev, Er }) => {
      const model = lookupModel(Ev);
      const opts = { attack, k, reference: lookupModel(Er), ...(zlibSizes ? { zlibSizes } : {}) };
      if (fn === 'mia') {
        const res = U.mia({ model, forget: d, holdout, ...opts });
        return { auc: res.auc, tpr: res.tprAtLowFpr };
      }
      if (fn === 'miaScores') return U.miaScores(model, d, opts);
      return U[fn](model, d);
    },
    check: (out) => {
      let want;
      if (fn === 'tokenLogProbs') want = rf.flatMap((p) => p.map((q) => -q.nll));
      if (fn === 'meanTokenNll') want = nllOf(rf);
      if (fn === 'sequenceProbability') want = nllOf(rf).map((v) => Math.exp(-v));
      if (fn === 'exactMemorization') want = rf.map((p) => meanOf(p.map((q) => (q.hit ? 1 : 0))));
      if (fn === 'extractionStrength') want = rf.map((p) => {
        // open-unlearning extraction_strength: k runs over range(L), so no matching suffix leaves k = L − 1.
        let kk = p.length;
        while (kk > 0 && p[kk - 1].hit) kk--;
        return 1 - Math.min(kk, p.length - 1) / p.length;
      });
      if (fn === 'miaScores') want = score(rf, forget, zlibSizes);
      if (fn === 'mia') {
        const sm = score(rf, forget);
        const sn = score(rh, holdout);
        if (!sm) return undefined;
        let auc = 0;
        for (const a of sm) for (const b of sn) auc += b > a ? 1 : b === a ? 0.5 : 0;
        auc /= sm.length * sn.length;
        // Near-ties in float32 may order differently: allow one pair's worth.
        return Math.abs(out.auc - auc) <= 1 / (sm.length * sn.length) + 1e-9 ? undefined : { category: 'wrong value', kind: `mia(${attack}) AUC vs Mann-Whitney`, message: `expected ${auc}, got ${out.auc}` };
      }
      if (!want) return Array.isArray(out) && out.length === forget.x.length ? undefined : { category: 'wrong value', kind: `${fn} length`, message: JSON.stringify(out) };
      const got = fn === 'tokenLogProbs' ? out.flat() : out;
      // argmax ties in float32 (hits) are measure-zero for normal entries.
      const msg = ref.allClose(got, want, { rtol: 1e-4, atol: 1e-5 });
      return msg ? { category: 'wrong value', kind: `${fn} vs float64 lookup-table reference`, message: msg } : undefined;
    },
  };
}

function seqUnlearnCase(r, lib) {
  const U = lib.unlearning;
  const core = lib.core;
  const O = lib.optimizers;
  const VIN = r.int(2, 4);
  const V = r.int(2, 4);
  const T = r.int(1, 4);
  const E = r.matrix(VIN, V, 'normal', 1);
  const forget = seqSet(r, r.int(1, 4), T, VIN, V);
  const retain = seqSet(r, r.int(1, 4), T, VIN, V);
  const which = r.pick(['npoSequence', 'simNpoSequence', 'dpoSequence', 'gradientAscentTokens']);
  const beta = r.pick([0.1, 1, 4.5, 0, -1]);
  const delta = r.pick([0, 0.5]);
  const alt = seqSet(r, forget.x.length, T, VIN, V);
  const f = which === 'dpoSequence' ? { ...forget, inputs: { alternateX: alt.x, alternateY: alt.y } } : forget;
  const { bad, d } = r.bool(0.15) ? badSeq(r, f, V) : { bad: undefined, d: f };
  const badBeta = which !== 'gradientAscentTokens' && !(beta > 0);
  const steps = r.int(1, 3);
  const rf = seqRef(E, forget);
  const tokenMean = (rows) => { const all = rows.flat(); return meanOf(all.map((q) => q.nll)); };
  const retainCe = tokenMean(seqRef(E, retain));
  // The objective at the initial weights (ℓ_ref = ℓ there): NPO and DPO are (2/β)·ln 2.
  let first;
  if (which === 'npoSequence' || which === 'dpoSequence') first = (2 / beta) * Math.LN2 + retainCe;
  if (which === 'simNpoSequence') first = meanOf(rf.map((p) => (2 / beta) * ref.softplus(-beta * (meanOf(p.map((q) => q.nll)) - delta)))) + retainCe;
  if (which === 'gradientAscentTokens') first = -tokenMean(rf) + retainCe;
  return {
    fn: `unlearn(${which}, sequence)`,
    expect: bad || badBeta ? 'invalid' : 'valid',
    why: bad ?? `beta ${beta}`,
    codes: SEQ_CODES,
    timeoutMs: 8000,
    repro: { call: `await unlearn({ model: lookup(E), forget, retain, objective: objective({ forget: ${which}({ beta: ${beta}, delta: ${delta} }), retain: ce() }), reference: 'initial', optimizer: sgd({ learningRate: 0.1 }), steps: ${steps} })`, E, forget: d, retain },
    prepare: () => ({ Ev: tf.variable(tf.tensor2d(E, [VIN, V])) }),
    run: async ({ Ev }) => {
      const term = which === 'gradientAscentTokens' ? core.ce().neg() : which === 'simNpoSequence' ? U.simNpoSequence({ beta, delta }) : U[which]({ beta });
      const res = await U.unlearn({ model: lookupModel(Ev), forget: d, retain, objective: U.objective({ forget: term, retain: core.ce() }), reference: 'initial', optimizer: O.sgd({ learningRate: 0.1 }), steps, seed: 1 });
      return { losses: res.losses, steps: res.steps };
    },
    check: (out) => {
      if (out.steps !== steps || out.losses.length !== steps) return { category: 'wrong value', kind: 'unlearn step count', message: `asked ${steps}, got ${out.steps}` };
      return !ref.closeTo(out.losses[0], first, { rtol: 1e-4, atol: 1e-5 }) ? undefined : { category: 'wrong value', kind: `${which} first-step objective vs float64`, message: `expected ${first}, got ${out.losses[0]}` };
    },
  };
}

// ── host-side numbers: truth ratio, options probability, PrivLeak, capped simplex, control vector, relabelling ─

function numbersCase(r, lib) {
  const U = lib.unlearning;
  const fn = r.pick(['truthRatio', 'probabilityWithOptions', 'privLeak', 'relDiff', 'projectCappedSimplex', 'rmuControlVector', 'relabelForget']);
  const N = r.int(0, 5);
  const K = r.int(1, 3);
  const nll = () => f32(r.bool(0.1) ? r.pick([0, 30, NaN, -1]) : r.float(0, 5));
  const correct = Array.from({ length: N }, nll);
  const wrong = Array.from({ length: N }, () => Array.from({ length: K }, nll));
  const aggregator = r.pick(['closerTo1Better', 'trueBetter', 'probMean', 'bogus']);
  const values = [...correct, ...wrong.flat()];
  const badNll = values.some((v) => !(v >= 0) || !Number.isFinite(v));
  if (fn === 'truthRatio' || fn === 'probabilityWithOptions') {
    const invalid = N === 0 || badNll || (fn === 'truthRatio' && aggregator === 'bogus');
    return {
      fn,
      expect: invalid ? 'invalid' : 'valid',
      why: N === 0 ? 'empty' : badNll ? 'NaN / negative NLL' : 'aggregator',
      codes: ['EMPTY_BATCH', 'NON_FINITE_INPUT', 'INVALID_PARAMETER', 'INVALID_ARGUMENT', 'SHAPE_MISMATCH', 'INVALID_VALUE'],
      repro: { call: `${fn}(correct, wrong${fn === 'truthRatio' ? `, { aggregator: '${aggregator}' }` : ''})`, correct, wrong },
      run: () => (fn === 'truthRatio' ? U.truthRatio(correct, wrong, { aggregator }) : U.probabilityWithOptions(correct, wrong)),
      check: (out) => {
        let tr;
        let agg;
        if (fn === 'truthRatio') {
          const pc = correct.map((v) => Math.exp(-v));
          const pw = wrong.map((w) => Math.exp(-meanOf(w)));
          tr = aggregator === 'probMean' ? pc.map((c, i) => c / (c + pw[i] + 1e-10)) : pw.map((w, i) => w / (pc[i] + 1e-10));
          agg = aggregator === 'probMean' ? meanOf(tr) : aggregator === 'trueBetter' ? meanOf(tr.map((t) => Math.max(0, 1 - t))) : meanOf(tr.map((t) => Math.min(t, 1 / (t + 1e-10))));
        } else {
          const pc = correct.map((v) => Math.exp(-v));
          tr = pc.map((c, i) => c / (c + wrong[i].reduce((s, w) => s + Math.exp(-w), 0) + 1e-10));
          agg = meanOf(tr);
        }
        const msg = ref.allClose([...out.values, out.value], [...tr, agg], { rtol: 1e-6, atol: 1e-9 });
        return msg ? { category: 'wrong value', kind: `${fn} vs float64 (open-unlearning formula)`, message: msg } : undefined;
      },
    };
  }
  if (fn === 'privLeak') {
    const auc = r.pick([0, 0.3, 0.5, 0.9, 1, 1.2, NaN]);
    const ret = r.pick([0.5, 0.2, 0.99, -0.1]);
    const invalid = !(auc >= 0 && auc <= 1) || !(ret >= 0 && ret <= 1);
    return {
      fn,
      expect: invalid ? 'invalid' : 'valid',
      why: `auc ${auc}, retrainedAuc ${ret}`,
      codes: ['INVALID_ARGUMENT', 'INVALID_PARAMETER', 'NON_FINITE_INPUT'],
      repro: { call: `privLeak(${auc}, ${ret})` },
      run: () => U.privLeak(auc, ret),
      check: (out) => (!ref.closeTo(out, (((1 - auc) - (1 - ret)) / ((1 - ret) + 1e-10)) * 100, { rtol: 1e-9, atol: 1e-9 }) ? undefined : { category: 'wrong value', kind: 'privLeak vs MUSE formula', message: String(out) }),
    };
  }
  if (fn === 'relDiff') {
    const score = r.pick([0.8, 0, -3, 1e30, NaN, Infinity]);
    const refV = r.pick([0.5, 0, 2, -0.1, NaN]);
    const invalid = !Number.isFinite(score) || !(Number.isFinite(refV) && refV >= 0);
    // reference 0 divides by 1e-10: huge but finite unless the score is huge too (then ±Inf is the formula's value).
    const want = ((score - refV) / (refV + 1e-10)) * 100;
    return {
      fn,
      expect: invalid ? 'invalid' : Number.isFinite(want) ? 'valid' : 'any',
      why: `score ${score}, reference ${refV}`,
      codes: ['INVALID_ARGUMENT'],
      repro: { call: `relDiff(${score}, ${refV})` },
      run: () => U.relDiff(score, refV),
      check: (out) => (!ref.closeTo(out, want, { rtol: 1e-12, atol: 0 }) ? undefined : { category: 'wrong value', kind: 'relDiff vs open-unlearning rel_diff', message: `expected ${want}, got ${out}` }),
    };
  }
  if (fn === 'projectCappedSimplex') {
    const n = r.int(0, 7);
    const a = Array.from({ length: n }, () => (r.bool(0.05) ? NaN : r.normal() * r.pick([1, 10, 1e-3])));
    const k = r.pick([0, 1, 2, n, n + 1, 1.5, -1]);
    const invalid = a.some((v) => !Number.isFinite(v)) || !(Number.isFinite(k) && k >= 0 && k <= n);
    return {
      fn,
      expect: invalid ? 'invalid' : 'any',
      why: `k ${k} of ${n}`,
      codes: ['INVALID_PARAMETER', 'NON_FINITE_INPUT', 'EMPTY_BATCH'],
      repro: { call: `projectCappedSimplex(a, ${k})`, a },
      run: () => U.projectCappedSimplex(a, k),
      check: (w) => {
        const sum = w.reduce((s, v) => s + v, 0);
        if (Math.abs(sum - k) > 1e-6 * Math.max(1, k) || w.some((v) => v < -1e-12 || v > 1 + 1e-12)) return { category: 'wrong value', kind: 'capped simplex feasibility', message: `sum ${sum} (k ${k}), w ${w}` };
        // KKT: one μ with w_i = clip(a_i − μ, 0, 1).
        const free = w.map((v, i) => [v, a[i]]).filter(([v]) => v > 1e-9 && v < 1 - 1e-9);
        const mus = free.map(([v, ai]) => ai - v);
        const scale = Math.max(1, ...a.map(Math.abs));
        if (mus.length > 1 && Math.max(...mus) - Math.min(...mus) > 1e-6 * scale) return { category: 'wrong value', kind: 'capped simplex KKT (one μ)', message: `μ values ${mus}` };
        return undefined;
      },
    };
  }
  if (fn === 'rmuControlVector') {
    const dim = r.pick([1, 3, 16, 0, 2.5]);
    const c = r.pick([2, 20, 0, -1, NaN]);
    const seed = r.int(0, 9);
    const invalid = !(Number.isInteger(dim) && dim > 0) || !Number.isFinite(c);
    return {
      fn,
      expect: invalid ? 'invalid' : 'valid',
      why: `dim ${dim}, c ${c}`,
      codes: ['INVALID_PARAMETER'],
      repro: { call: `rmuControlVector(${dim}, ${c}, ${seed})` },
      run: () => U.rmuControlVector(dim, c, seed),
      check: (u) => {
        const norm = Math.sqrt(u.reduce((s, v) => s + v * v, 0));
        if (u.length !== dim || Math.abs(norm - Math.abs(c)) > 1e-9 * Math.max(1, Math.abs(c)) || u.some((v) => v * c < 0)) return { category: 'wrong value', kind: 'control vector: length dim, norm |c|, entries of the sign of c (uniform then normalised)', message: `${u}` };
        return undefined;
      },
    };
  }
  // relabelForget
  const C = r.int(1, 4);
  const n = r.int(0, 5);
  const y = Array.from({ length: n }, () => r.int(0, C - 1));
  const mode = r.pick(['random', 'targeted', 'other']);
  const target = r.pick([0, C - 1, C, -1, undefined]);
  const badY = r.bool(0.1) && n > 0;
  if (badY) y[0] = C;
  const invalid = n === 0 || badY || mode === 'other' || (mode === 'random' && C < 2) || (mode === 'targeted' && !(Number.isInteger(target) && target >= 0 && target < C));
  return {
    fn,
    expect: invalid ? 'invalid' : 'valid',
    why: `mode ${mode}, C ${C}, target ${target}, n ${n}${badY ? ', label C' : ''}`,
    codes: ['INVALID_PARAMETER', 'LABEL_OUT_OF_RANGE', 'EMPTY_BATCH', 'MISSING_INPUT', 'INVALID_ARGUMENT'],
    repro: { call: `relabelForget({ x, y }, { mode: '${mode}', numClasses: ${C}, target: ${target}, seed: 1 })`, y },
    run: () => {
      const res = U.relabelForget({ x: y.map(() => [0]), y }, { mode, numClasses: C, target, seed: 1 });
      const out = Array.from(res.y.dataSync());
      res.y.dispose();
      return out;
    },
    check: (out) => {
      const ok = out.length === n && out.every((l, i) => Number.isInteger(l) && l >= 0 && l < C && (mode === 'random' ? l !== y[i] : l === target));
      return ok ? undefined : { category: 'wrong value', kind: `relabelForget ${mode}`, message: `y ${y} → ${out}` };
    },
  };
}

// ── RECE / UCE closed forms: the gradient of their objective vanishes (float64) ─

function receCase(r, lib) {
  const U = lib.unlearning;
  const d = r.int(1, 4);
  const L = r.int(1, 2);
  const mats = Array.from({ length: L }, () => r.matrix(r.int(1, 4), d, 'normal', 1));
  const toks = r.int(1, 2);
  const concept = r.matrix(toks, d, 'normal', 1);
  const target = r.matrix(toks, d, 'normal', 0.3);
  const keep = r.matrix(r.int(1, 3), d, 'normal', 1);
  const lambda = r.pick([0.1, 1, 0, -1]);
  const fn = r.pick(['uceEdit', 'adversarialEmbedding', 'rece']);
  const bad = r.bool(0.15) ? r.pick(['width', 'nan', 'count']) : undefined;
  const c2 = bad === 'width' ? concept.map((row) => [...row, 1]) : bad === 'nan' ? concept.map((row, i) => (i === 0 ? [NaN, ...row.slice(1)] : row)) : concept;
  const targets = bad === 'count' ? [target, target] : [target];
  const uceFirst = r.pick([true, false, undefined, 'no']);
  // λ = 0 with fewer embeddings than d leaves the system singular (a typed error or a pseudo-solution both fit).
  const invalid = bad || lambda < 0 || (fn === 'rece' && uceFirst === 'no');
  const mv = (W, x) => W.map((row) => row.reduce((s, v, j) => s + v * x[j], 0));
  return {
    fn,
    expect: invalid ? 'invalid' : lambda === 0 ? 'any' : 'valid',
    why: bad ?? `lambda ${lambda}, uceFirst ${uceFirst}`,
    codes: ['INVALID_PARAMETER', 'SHAPE_MISMATCH', 'NON_FINITE_INPUT', 'INVALID_ARGUMENT', 'INVALID_VALUE'],
    repro: { call: `${fn}(...)`, mats, concept: c2, target, keep, lambda },
    run: () => {
      if (fn === 'uceEdit') return U.uceEdit(mats, [c2], targets, { lambda, preserve: [keep], preserveScale: 0.5 });
      if (fn === 'adversarialEmbedding') return U.adversarialEmbedding(U.uceEdit(mats, [c2], targets, { lambda }), mats, c2, 0.1);
      const res = U.rece({ matrices: mats, concepts: [c2], targets, preserve: [keep], lambda, epochs: 2, ...(uceFirst !== undefined ? { uceFirst } : {}) });
      return { matrices: res.matrices, regeneration: res.regeneration };
    },
    check: (out) => {
      if (lambda === 0) return undefined;
      if (fn === 'uceEdit') {
        for (let l = 0; l < L; l++) {
          const W = mats[l];
          const Wn = out[l];
          const G = W.map((row, a) => row.map((_, b) => lambda * (Wn[a][b] - W[a][b])));
          concept.forEach((c, t) => mv(Wn, c).forEach((v, a) => { const res = v - mv(W, target[t])[a]; c.forEach((cb, b) => (G[a][b] += res * cb)); }));
          keep.forEach((k) => mv(Wn, k).forEach((v, a) => { const res = v - mv(W, k)[a]; k.forEach((kb, b) => (G[a][b] += 0.5 * res * kb)); }));
          const scale = 1 + Math.max(...W.flat().map(Math.abs)) * (1 + Math.max(...[...concept, ...keep].flat().map(Math.abs))) ** 2;
          const g = Math.max(...G.flat().map(Math.abs));
          if (g > 1e-8 * scale) return { category: 'wrong value', kind: 'uceEdit stationarity (float64)', message: `gradient ${g} at layer ${l}` };
        }
        return undefined;
      }
      if (fn === 'rece') return out.regeneration.every((v) => v >= 0) ? undefined : { category: 'wrong value', kind: 'rece regeneration ≥ 0', message: `${out.regeneration}` };
      return out.length === toks && out.every((row) => row.length === d) ? undefined : { category: 'wrong value', kind: 'adversarialEmbedding shape', message: JSON.stringify(out) };
    },
  };
}

// ── RMU on a two-layer model with named layers (tfjs-layers' layers / execute) ─

function twoLayer(W1, W2) {
  const h = (x) => tf.tanh(tf.matMul(x, W1));
  return {
    layers: [{ name: 'hidden', output: { name: 'hidden/Tanh' } }, { name: 'out', output: { name: 'out/MatMul' } }],
    execute: (x, name) => tf.tidy(() => (name === 'hidden/Tanh' ? h(x) : tf.matMul(h(x), W2))),
    apply: (x) => tf.tidy(() => tf.matMul(h(x), W2)),
    trainableWeights: [{ read: () => W1 }, { read: () => W2 }],
  };
}

function rmuCase(r, lib) {
  const U = lib.unlearning;
  const O = lib.optimizers;
  const D = r.int(1, 3);
  const H = r.int(1, 4);
  const C = r.int(2, 3);
  const W1 = r.matrix(D, H, 'normal', 1);
  const W2 = r.matrix(H, C, 'normal', 1);
  const forget = dataset(r, r.int(1, 5), D, C);
  const retain = dataset(r, r.int(1, 5), D, C);
  const fn = r.pick(['rmu', 'layerActivations']);
  const layer = r.pick([0, 'hidden', 0, 5, 'nope']);
  const c = r.pick([2, 6.5, -1, NaN]);
  const alpha = r.pick([1, 10]);
  const seed = r.int(0, 5);
  const badLayer = layer === 5 || layer === 'nope';
  const plain = r.bool(0.1); // a model without layers / execute
  const hid = forget.x.map((x) => Array.from({ length: H }, (_, j) => Math.tanh(x.reduce((s, v, k) => s + v * W1[k][j], 0))));
  if (fn === 'layerActivations') {
    return {
      fn,
      expect: badLayer || plain ? 'invalid' : 'valid',
      why: plain ? 'no layers' : `layer ${layer}`,
      codes: ['INVALID_PARAMETER', 'INVALID_ARGUMENT'],
      repro: { call: `layerActivations(model, ${JSON.stringify(layer)}, x)`, W1, x: forget.x },
      prepare: () => ({ A: tf.variable(tf.tensor2d(W1, [D, H])), B: tf.variable(tf.tensor2d(W2, [H, C])), x: tf.tensor2d(forget.x, [forget.x.length, D]) }),
      run: ({ A, B, x }) => {
        const m = twoLayer(A, B);
        const h = U.layerActivations(plain ? { trainableWeights: m.trainableWeights, apply: m.apply } : m, layer, x);
        const out = h.arraySync();
        h.dispose();
        return out;
      },
      check: (out) => {
        const msg = ref.allClose(out.flat(), hid.flat(), { rtol: 1e-4, atol: 1e-5 });
        return msg ? { category: 'wrong value', kind: 'layerActivations vs float64 tanh(xW)', message: msg } : undefined;
      },
    };
  }
  const invalid = badLayer || plain || !Number.isFinite(c) || c < 0;
  return {
    fn: 'unlearn(rmu)',
    expect: invalid ? 'invalid' : 'valid',
    why: plain ? 'no layers' : `layer ${layer}, c ${c}`,
    codes: ['INVALID_PARAMETER', 'INVALID_ARGUMENT'],
    timeoutMs: 8000,
    repro: { call: `await unlearn({ model, forget, retain, objective: rmu({ layer: ${JSON.stringify(layer)}, steeringCoeff: ${c}, alpha: ${alpha}, seed: ${seed} }), reference: 'initial', optimizer: sgd({ learningRate: 0.05 }), steps: 2 })`, W1, W2, forget, retain },
    prepare: () => ({ A: tf.variable(tf.tensor2d(W1, [D, H])), B: tf.variable(tf.tensor2d(W2, [H, C])) }),
    run: async ({ A, B }) => {
      const m = twoLayer(A, B);
      const res = await U.unlearn({ model: plain ? { trainableWeights: m.trainableWeights, apply: m.apply } : m, forget, retain, objective: U.rmu({ layer, steeringCoeff: c, alpha, seed }), reference: 'initial', optimizer: O.sgd({ learningRate: 0.05 }), steps: 2, seed: 1 });
      return { losses: res.losses };
    },
    check: (out) => {
      // At the initial weights the retain term is 0 (reference = the model itself): L = mean_b mean_j (h_bj − c·u_j)².
      const u = U.rmuControlVector(H, 1, seed);
      const want = meanOf(hid.map((h) => meanOf(h.map((v, j) => (v - c * u[j]) ** 2))));
      return !ref.closeTo(out.losses[0], want, { rtol: 1e-4, atol: 1e-5 }) ? undefined : { category: 'wrong value', kind: 'RMU first-step loss vs float64', message: `expected ${want}, got ${out.losses[0]}` };
    },
  };
}

// ── worst-case forget sets on a linear model ─────────────────────────────────

function worstCaseCase(r, lib) {
  const U = lib.unlearning;
  const D = r.int(1, 3);
  const C = r.int(2, 3);
  const n = r.int(2, 8);
  const data = dataset(r, n, D, C);
  const size = r.pick([1, Math.max(1, n - 1), n, 0]);
  const selectEpochs = r.pick([1, 2, 0]);
  const invalid = size >= n || size < 1 || selectEpochs < 1;
  const W = r.matrix(D, C, 'normal', 1);
  return {
    fn: 'worstCaseForgetSet',
    expect: invalid ? 'invalid' : 'valid',
    why: `size ${size} of ${n}, selectEpochs ${selectEpochs}`,
    codes: ['INVALID_PARAMETER'],
    timeoutMs: 8000,
    repro: { call: `await worstCaseForgetSet({ model: linear(W), data, size: ${size}, selectEpochs: ${selectEpochs}, unlearnSteps: 1, seed: 1 })`, W, data },
    prepare: () => ({ Wv: tf.variable(tf.tensor2d(W, [D, C])) }),
    run: async ({ Wv }) => {
      const res = await U.worstCaseForgetSet({ model: linearModel(Wv), data, size, selectEpochs, unlearnSteps: 1, seed: 1 });
      return { indices: res.indices, weights: res.weights, after: Array.from(Wv.dataSync()) };
    },
    check: (out) => {
      const ok = out.indices.length === size && new Set(out.indices).size === size && out.indices.every((i, j) => Number.isInteger(i) && i >= 0 && i < n && (j === 0 || i > out.indices[j - 1]));
      if (!ok) return { category: 'wrong value', kind: 'worst-case indices: k distinct ascending in range', message: `${out.indices}` };
      const sum = out.weights.reduce((s, v) => s + v, 0);
      if (Math.abs(sum - size) > 1e-6 * size) return { category: 'wrong value', kind: 'selection weights sum to k', message: `${sum}` };
      const moved = ref.allClose(out.after, W.flat(), { rtol: 1e-6, atol: 1e-6 });
      return moved ? { category: 'wrong value', kind: 'model weights restored', message: moved } : undefined;
    },
  };
}

// ── PDU: first-step values against float64, dual ascent on λ_r ───────────────

function pduCase(r, lib) {
  const U = lib.unlearning;
  const O = lib.optimizers;
  const D = r.int(1, 3);
  const C = r.int(2, 4);
  const forget = dataset(r, r.int(1, 5), D, C);
  const retain = dataset(r, r.int(1, 5), D, C);
  const W = r.matrix(D, C, 'normal', 1);
  const eps = r.pick([0, 0.5, NaN]);
  const eta = r.pick([1, 0.1, -1]);
  const alpha = r.pick([1, 0, 2]);
  const primalDual = r.pick([true, false, 1]);
  const steps = r.int(1, 3);
  const invalid = !Number.isFinite(eps) || eta < 0 || typeof primalDual !== 'boolean';
  const z = (x) => x.map((row) => Array.from({ length: C }, (_, c) => row.reduce((s, v, k) => s + v * W[k][c], 0)));
  const gap = meanOf(z(forget.x).map((row) => (Math.max(...row) - meanOf(row)) ** 2));
  const nllR = meanOf(z(retain.x).map((row, i) => -ref.logSoftmax(row)[retain.y[i]]));
  return {
    fn: 'unlearn(pdu)',
    expect: invalid ? 'invalid' : 'valid',
    why: `eps ${eps}, dualStepSize ${eta}, primalDual ${primalDual}`,
    codes: ['INVALID_PARAMETER'],
    timeoutMs: 8000,
    repro: { call: `await unlearn({ model: linear(W), forget, retain, objective: pdu({ retainLossEps: ${eps}, dualStepSize: ${eta}, alpha: ${alpha}, primalDual: ${primalDual} }), optimizer: sgd({ learningRate: 0 }), steps: ${steps} })`, W, forget, retain },
    prepare: () => ({ Wv: tf.variable(tf.tensor2d(W, [D, C])) }),
    run: async ({ Wv }) => {
      const obj = U.pdu({ retainLossEps: eps, dualStepSize: eta, alpha, primalDual });
      let first;
      await U.unlearn({ model: linearModel(Wv), forget, retain, objective: obj, optimizer: O.sgd({ learningRate: 0 }), steps, batchSize: 8, retainBatchSize: 8, onStep: (i) => void (first ??= i) });
      return { forgetLoss: first.forgetLoss, retainLoss: first.retainLoss, lambda: obj.retainWeight };
    },
    check: (out) => {
      // Learning rate 0: every step sees the same losses, so λ_r = max(0, α + steps·η(L_retain − ε)) step by step.
      let lam = alpha;
      if (primalDual) for (let s = 0; s < steps; s++) lam = Math.max(0, lam + eta * (nllR - eps));
      const msg = ref.allClose([out.forgetLoss, out.retainLoss, out.lambda], [gap, nllR - eps, lam], { rtol: 1e-4, atol: 1e-5 });
      return msg ? { category: 'wrong value', kind: 'pdu vs float64 (forget gap, retain − ε, dual ascent)', message: msg } : undefined;
    },
  };
}

// ── O3: orthogonal LoRA penalty, contrastive entropy loss, local-global score, unlearn(o3), detector training ──

const mmul = (a, b) => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const transpose = (a) => a[0].map((_, j) => a.map((row) => row[j]));
function cel64(q, k) {
  return meanOf(mmul(q, transpose(k)).map((row) => {
    const p = ref.softmax(row);
    return -p.reduce((s, v) => s + v * Math.log(v + 1e-5), 0);
  }));
}
/** A duck-typed dense chain: dense(tanh) → dense(linear), as orthogonalLora reads a tfjs-layers Sequential. */
function denseChain(K1, K2) {
  const dense = (name, K, act) => ({ name, getClassName: () => 'Dense', getWeights: () => [K], activation: act ? { apply: act } : undefined, apply: (x) => (act ? act(tf.matMul(x, K)) : tf.matMul(x, K)) });
  const layers = [dense('d1', K1, tf.tanh), dense('d2', K2)];
  return { layers, trainableWeights: [{ read: () => K1 }, { read: () => K2 }], apply: (x) => tf.tidy(() => layers[1].apply(layers[0].apply(x))) };
}

function o3Case(r, lib) {
  const U = lib.unlearning;
  const O = lib.optimizers;
  const fn = r.pick(['orthogonalLoraPenalty', 'contrastiveEntropyLoss', 'fitO3Scorer', 'unlearn(o3)', 'trainO3Detector']);
  if (fn === 'orthogonalLoraPenalty') {
    const d = r.int(1, 5);
    const a = r.matrix(r.int(1, 3), d, 'normal', r.pick([1, 1e3]));
    const prev = Array.from({ length: r.int(0, 2) }, () => r.matrix(r.int(1, 3), r.bool(0.15) ? d + 1 : d, 'normal', 1));
    const invalid = prev.some((p) => p[0].length !== d);
    const want = prev.reduce((s, p) => s + mmul(a, transpose(p)).flat().reduce((t, v) => t + Math.abs(v), 0), 0);
    return {
      fn,
      expect: invalid ? 'invalid' : 'valid',
      why: invalid ? 'an earlier A of another width' : 'matrices',
      codes: ['SHAPE_MISMATCH'],
      repro: { call: 'orthogonalLoraPenalty(A, previous)', a, prev },
      prepare: () => ({ A: tf.tensor2d(a), P: prev.map((p) => tf.tensor2d(p)) }),
      run: ({ A, P }) => tf.tidy(() => U.orthogonalLoraPenalty(A, P).dataSync()[0]),
      check: (out) => (!ref.closeTo(out, want, { rtol: 1e-4, atol: 1e-4 }) ? undefined : { category: 'wrong value', kind: 'O-LoRA penalty vs float64', message: `expected ${want}, got ${out}` }),
    };
  }
  if (fn === 'contrastiveEntropyLoss') {
    const n = r.int(1, 5);
    const d = r.int(1, 4);
    const scale = r.pick([1, 1, 30, 1e3]);
    const q = r.matrix(n, d, 'normal', scale);
    const k = r.matrix(r.int(1, 5), r.bool(0.15) ? d + 1 : d, 'normal', 1);
    const invalid = k[0].length !== d;
    return {
      fn,
      expect: invalid ? 'invalid' : 'valid',
      why: invalid ? 'key width differs' : `scale ${scale}`,
      codes: ['SHAPE_MISMATCH'],
      repro: { call: 'contrastiveEntropyLoss(q, k)', q, k },
      prepare: () => ({ Q: tf.tensor2d(q), K: tf.tensor2d(k) }),
      run: ({ Q, K }) => tf.tidy(() => U.contrastiveEntropyLoss(Q, K).dataSync()[0]),
      check: (out) => {
        const want = cel64(q, k);
        return !ref.closeTo(out, want, { rtol: 1e-3, atol: 1e-4 }) ? undefined : { category: 'wrong value', kind: 'contrastive entropy vs float64', message: `expected ${want}, got ${out}` };
      },
    };
  }
  if (fn === 'fitO3Scorer') {
    // One feature (d = 1): max cos is 1 when a sample of the same sign is in the bank, and the Mahalanobis term is z²/var.
    const n = r.int(3, 7);
    const f = Array.from({ length: n }, () => [f32(r.normal() * 2 + 0.5)]);
    const x = Array.from({ length: r.int(1, 4) }, () => [f32(r.normal() * 3)]);
    if (r.bool(0.1)) f[0][0] = NaN;
    const nu = r.pick([0.1, 0.5, 0, 1.5]);
    const invalid = Number.isNaN(f[0][0]) || !(nu > 0 && nu <= 1);
    return {
      fn,
      expect: invalid ? 'invalid' : 'valid',
      why: `nu ${nu}${Number.isNaN(f[0][0]) ? ', NaN feature' : ''}`,
      codes: ['INVALID_PARAMETER', 'NON_FINITE_INPUT'],
      repro: { call: `fitO3Scorer([F], { nu: ${nu} }).layerScores([X])`, f, x },
      prepare: () => ({ F: tf.tensor2d(f, [n, 1]), X: tf.tensor2d(x, [x.length, 1]) }),
      run: ({ F, X }) => {
        const s = U.fitO3Scorer([F], { nu });
        return { layer: s.layerScores([X]).map((row) => row[0]), score: Array.from(s.score([X])), route: Array.from(s.route([X])) };
      },
      check: (out) => {
        const mu = meanOf(f.map((v) => v[0]));
        const vr = meanOf(f.map((v) => (v[0] - mu) ** 2));
        const want = x.map(([v]) => {
          const cs = Math.max(...f.map(([u]) => (u === 0 || v === 0 ? 0 : Math.sign(u) * Math.sign(v))));
          return 1000 * cs - 0.5 * (vr > 0 ? (v - mu) ** 2 / vr : 0);
        });
        const msg = ref.allClose(out.layer, want, { rtol: 1e-4, atol: 1e-3 });
        if (msg) return { category: 'wrong value', kind: 'O3 layer score vs float64 (d = 1)', message: msg };
        if (!out.score.every(Number.isFinite) || !out.route.every((v) => v === 0 || v === 1)) return { category: 'wrong value', kind: 'O3 score finite, route in {0, 1}', message: `${out.score} ${out.route}` };
        return undefined;
      },
    };
  }
  if (fn === 'unlearn(o3)') {
    const D = r.int(1, 3);
    const H = r.int(1, 4);
    const C = r.int(2, 3);
    const K1 = r.matrix(D, H, 'normal', 1);
    const K2 = r.matrix(H, C, 'normal', 1);
    const forget = dataset(r, r.int(1, 5), D, C);
    const layer = r.pick([0, 1, 'd2', 2, 'nope']);
    const rank = r.pick([1, 2, 0]);
    const lambda = r.pick([0.1, 1, -1]);
    const invalid = layer === 2 || layer === 'nope' || rank < 1 || lambda < 0;
    return {
      fn,
      expect: invalid ? 'invalid' : 'valid',
      why: `layer ${layer}, rank ${rank}, lambda ${lambda}`,
      codes: ['INVALID_PARAMETER'],
      timeoutMs: 8000,
      repro: { call: `lora = orthogonalLora(model, { layer: ${JSON.stringify(layer)}, rank: ${rank} }); lora.addRequest(); await unlearn({ model: lora, forget, objective: o3Unlearning({ lora, lambda: ${lambda} }), optimizer: sgd({ learningRate: 0.1 }), steps: 2 })`, K1, K2, forget },
      prepare: () => ({ A: tf.variable(tf.tensor2d(K1, [D, H])), B: tf.variable(tf.tensor2d(K2, [H, C])) }),
      run: async ({ A, B }) => {
        const lora = U.orthogonalLora(denseChain(A, B), { layer, rank, seed: 1 });
        try {
          lora.addRequest();
          const res = await U.unlearn({ model: lora, forget, objective: U.o3Unlearning({ lora, lambda }), optimizer: O.sgd({ learningRate: 0.1 }), steps: 2, seed: 1 });
          return { losses: res.losses, base: [Array.from(A.dataSync()), Array.from(B.dataSync())] };
        } finally {
          lora.dispose();
        }
      },
      check: (out) => {
        // B starts at 0, so the first step sees the base model: mean CE of its logits; W stays frozen.
        const z = forget.x.map((x) => {
          const h = Array.from({ length: H }, (_, j) => Math.tanh(x.reduce((s, v, k) => s + v * K1[k][j], 0)));
          return Array.from({ length: C }, (_, c) => h.reduce((s, v, k) => s + v * K2[k][c], 0));
        });
        const want = meanOf(z.map((row, i) => -ref.logSoftmax(row)[forget.y[i]]));
        if (ref.closeTo(out.losses[0], want, { rtol: 1e-4, atol: 1e-5 })) return { category: 'wrong value', kind: 'O3 first-step loss vs float64 CE (B = 0)', message: `expected ${want}, got ${out.losses[0]}` };
        const moved = ref.allClose([...out.base[0], ...out.base[1]], [...K1.flat(), ...K2.flat()], { rtol: 1e-6, atol: 1e-6 });
        return moved ? { category: 'wrong value', kind: 'O3 keeps the base weights frozen', message: moved } : undefined;
      },
    };
  }
  // trainO3Detector with maskRate 0: the first step's query equals the key (the encoder before training).
  const D = r.int(1, 3);
  const H = r.int(1, 4);
  const C = r.int(1, 3);
  const W1 = r.matrix(D, H, 'normal', 1);
  const W2 = r.matrix(H, C, 'normal', 1);
  const xs = r.matrix(r.int(1, 6), D, 'normal', 1);
  const layers = r.pick([[0, 1], [0], ['hidden'], [], [7]]);
  const invalid = layers.length === 0 || layers.includes(7);
  return {
    fn,
    expect: invalid ? 'invalid' : 'valid',
    why: `layers ${JSON.stringify(layers)}`,
    codes: ['INVALID_PARAMETER'],
    timeoutMs: 8000,
    repro: { call: `await trainO3Detector({ encoder, x, layers: ${JSON.stringify(layers)}, maskRate: 0, optimizer: sgd({ learningRate: 0.01 }), steps: 1 })`, W1, W2, xs },
    prepare: () => ({ A: tf.variable(tf.tensor2d(W1, [D, H])), B: tf.variable(tf.tensor2d(W2, [H, C])), X: tf.tensor2d(xs, [xs.length, D]) }),
    run: async ({ A, B, X }) => {
      const res = await U.trainO3Detector({ encoder: twoLayer(A, B), x: X, layers, maskRate: 0, optimizer: O.sgd({ learningRate: 0.01 }), steps: 1 });
      return { losses: res.losses };
    },
    check: (out) => {
      const h = xs.map((x) => Array.from({ length: H }, (_, j) => Math.tanh(x.reduce((s, v, k) => s + v * W1[k][j], 0))));
      const o = h.map((hv) => Array.from({ length: C }, (_, c) => hv.reduce((s, v, k) => s + v * W2[k][c], 0)));
      const want = layers.reduce((s, l) => s + (l === 1 ? cel64(o, o) : cel64(h, h)), 0);
      return !ref.closeTo(out.losses[0], want, { rtol: 1e-4, atol: 1e-5 }) ? undefined : { category: 'wrong value', kind: 'O3 detector first-step loss vs float64', message: `expected ${want}, got ${out.losses[0]}` };
    },
  };
}

// ── LAF: VAE loss, reconstruction term, alignment loss against float64; the laf() procedure on a dense chain ──

const cosine = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0) / Math.max(Math.hypot(...a) * Math.hypot(...b), 1e-8);
function lafCase(r, lib) {
  const U = lib.unlearning;
  const fn = r.pick(['lafVaeLoss', 'lafReconstructionTerm', 'lafAlignmentLoss', 'laf']);
  const n = r.int(1, 5);
  const d = r.int(1, 4);
  if (fn === 'lafVaeLoss') {
    const k = r.int(1, 3);
    const [rec, e, mu, lv] = [r.matrix(n, d, 'normal', 1), r.matrix(n, d, 'normal', 1), r.matrix(n, k, 'normal', 1), r.matrix(n, k, 'normal', 0.5)];
    const beta = r.pick([0.025, 1, -1, NaN]);
    const invalid = !(beta >= 0);
    return {
      fn,
      expect: invalid ? 'invalid' : 'valid',
      why: `kldWeight ${beta}`,
      codes: ['INVALID_PARAMETER'],
      repro: { call: `lafVaeLoss(recon, e, mu, logVar, ${beta})`, rec, e, mu, lv },
      prepare: () => ({ R: tf.tensor2d(rec), E: tf.tensor2d(e), MU: tf.tensor2d(mu), LV: tf.tensor2d(lv) }),
      run: ({ R, E, MU, LV }) => tf.tidy(() => U.lafVaeLoss(R, E, MU, LV, beta).dataSync()[0]),
      check: (out) => {
        const want = meanOf(rec.map((row, i) => row.reduce((s, v, j) => s + (v - e[i][j]) ** 2, 0))) + beta * meanOf(mu.map((m, i) => -0.5 * m.reduce((s, v, j) => s + lv[i][j] + 1 - v * v - Math.exp(lv[i][j]), 0)));
        return !ref.closeTo(out, want, { rtol: 1e-4, atol: 1e-5 }) ? undefined : { category: 'wrong value', kind: 'LAF VAE loss vs float64', message: `expected ${want}, got ${out}` };
      },
    };
  }
  if (fn === 'lafReconstructionTerm') {
    const rec = r.matrix(n, d, 'normal', r.pick([1, 1e3]));
    const e = r.matrix(n, r.bool(0.15) ? d + 1 : d, 'normal', 1);
    const invalid = e[0].length !== d;
    return {
      fn,
      expect: invalid ? 'invalid' : 'valid',
      why: invalid ? 'shapes differ' : 'matrices',
      codes: ['SHAPE_MISMATCH'],
      repro: { call: 'lafReconstructionTerm(recon, e)', rec, e },
      prepare: () => ({ R: tf.tensor2d(rec), E: tf.tensor2d(e) }),
      run: ({ R, E }) => tf.tidy(() => U.lafReconstructionTerm(R, E).dataSync()[0]),
      check: (out) => {
        const want = rec.reduce((s, row, i) => {
          const m = row.reduce((t, v, j) => t + (v - e[i][j]) ** 2, 0);
          return s + Math.exp(m / (m + 1));
        }, 0);
        return !ref.closeTo(out, want, { rtol: 1e-4, atol: 1e-5 }) ? undefined : { category: 'wrong value', kind: 'LAF reconstruction term vs float64', message: `expected ${want}, got ${out}` };
      },
    };
  }
  if (fn === 'lafAlignmentLoss') {
    const nf = r.int(1, 5);
    const [a, ao, b, bo] = [r.matrix(n, d, 'normal', 1), r.matrix(n, d, 'normal', 1), r.matrix(nf, d, 'normal', r.pick([1, 1e3])), r.matrix(nf, d, 'normal', 1)];
    const tau = r.pick([1, 0.5, 0, -1]);
    const invalid = !(tau > 0);
    return {
      fn,
      expect: invalid ? 'invalid' : 'valid',
      why: `temperature ${tau}`,
      codes: ['INVALID_PARAMETER'],
      repro: { call: `lafAlignmentLoss(r, rOrig, f, fOrig, ${tau})`, a, ao, b, bo },
      prepare: () => ({ A: tf.tensor2d(a), AO: tf.tensor2d(ao), B: tf.tensor2d(b), BO: tf.tensor2d(bo) }),
      run: ({ A, AO, B, BO }) => tf.tidy(() => U.lafAlignmentLoss(A, AO, B, BO, tau).dataSync()[0]),
      check: (out) => {
        const cf = b.map((x, j) => (1 - cosine(x, bo[j])) / tau);
        const want = a.reduce((s, x, i) => s + (1 - cosine(x, ao[i])), 0) - n * ref.lse(cf);
        return !ref.closeTo(out, want, { rtol: 1e-4, atol: 1e-4 }) ? undefined : { category: 'wrong value', kind: 'LAF alignment loss vs float64', message: `expected ${want}, got ${out}` };
      },
    };
  }
  // laf(): one step of every phase on a duck-typed dense chain; the head repair targets are the original predictions.
  const D = r.int(1, 3);
  const H = r.int(1, 4);
  const C = r.int(2, 3);
  const K1 = r.matrix(D, H, 'normal', 1);
  const K2 = r.matrix(H, C, 'normal', 1);
  const fx = r.matrix(r.int(1, 4), D, 'normal', 1);
  const rx = r.matrix(r.int(1, 4), D, 'normal', 1);
  const layer = r.pick([0, 0, 1, -1]);
  const rounds = r.pick([1, 0]);
  const invalid = layer !== 0 || rounds < 1;
  return {
    fn,
    expect: invalid ? 'invalid' : 'valid',
    why: `layer ${layer}, rounds ${rounds}`,
    codes: ['INVALID_PARAMETER'],
    timeoutMs: 15000,
    repro: { call: `await laf({ model, forget, retain, layer: ${layer}, vaeSteps: 1, rounds: ${rounds}, stepsPerRound: 1, classifierSteps: 1 })`, K1, K2, fx, rx },
    prepare: () => ({ A: tf.variable(tf.tensor2d(K1, [D, H])), B: tf.variable(tf.tensor2d(K2, [H, C])), F: tf.tensor2d(fx, [fx.length, D]), R: tf.tensor2d(rx, [rx.length, D]) }),
    run: async ({ A, B, F, R }) => {
      const m = twoLayer(A, B);
      m.layers = [{ ...m.layers[0], trainableWeights: [{ read: () => A }] }, { ...m.layers[1], trainableWeights: [{ read: () => B }] }];
      const res = await U.laf({ model: m, forget: F, retain: R, layer, vaeSteps: 1, rounds, stepsPerRound: 1, classifierSteps: 1, seed: 1 });
      return { res, finite: [...A.dataSync(), ...B.dataSync()].every(Number.isFinite) };
    },
    check: (out) => {
      const vals = [out.res.vaeLoss.retain, out.res.vaeLoss.forget, out.res.extractorLoss, out.res.alignmentLoss, out.res.classifierLoss];
      return vals.every(Number.isFinite) && out.finite ? undefined : { category: 'silent non-finite', kind: 'laf losses and weights finite', message: JSON.stringify(out) };
    },
  };
}
