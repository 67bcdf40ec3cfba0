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
  const kind = r.weighted({ terms: 30, objective: 12, surgery: 12, auc: 10, unlearn: 18, metrics: 10, ssd: 8 });
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
