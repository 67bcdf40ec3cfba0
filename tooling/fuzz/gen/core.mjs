// @losskit/core: compile() of the main entry points against float64 references (fused and unfused, every method),
// random expressions over the whole DSL grammar checked by consistency oracles, bad inputs, bad builders and
// options, a rejected valueAndGrad followed by valid calls, and the other exports (math, tensor primitives, helpers).
import * as tf from '@tensorflow/tfjs-core';
import { compiledCase } from '../lib/compiled.mjs';
import { exampleRecipe } from '../lib/examples.mjs';
import { randomExpr } from '../lib/dsl.mjs';
import { poke, randomIndex, shapeOf } from '../lib/rand.mjs';
import * as ref from '../lib/ref.mjs';
import { compileOptions, makeBatch, makeWeights, pickMethod, pickOracles, tensorKinds } from './common.mjs';

const f32 = Math.fround;

/** A 1-D tensor of `values`, already disposed (the host readers' disposed-tensor case). */
function disposed1d(values, dtype) {
  const t = tf.tensor1d(values, dtype);
  t.dispose();
  return t;
}

export function generate(r, lib) {
  const kind = r.weighted({ reference: 33, expr: 23, badInput: 19, badBuild: 8, sequence: 5, misc: 12 });
  switch (kind) {
    case 'reference':
      return referenceCase(r, lib);
    case 'expr':
      return exprCase(r, lib);
    case 'badInput':
      return badInputCase(r, lib);
    case 'badBuild':
      return badBuildCase(r, lib);
    case 'sequence':
      return sequenceCase(r, lib);
    default:
      return miscCase(r, lib);
  }
}

// ── main entry points against float64 references ─────────────────────────────

/** The loss kinds with a reference: builder code, builder, targets, and the per-row reference. */
export const REFERENCE_LOSSES = {
  ce: {
    targets: ['sparse', 'sparse', 'onehot', 'soft'],
    make: (r) => {
      const ls = r.bool(0.6) ? 0 : r.pick([0.1, 0.25, 1]);
      return { code: ls ? `ce({ labelSmoothing: ${ls} })` : 'ce()', build: (l) => (ls ? l.core.ce({ labelSmoothing: ls }) : l.core.ce()), params: { ls } };
    },
    row: (z, t, p, from, eps) => (from === 'logits' ? ref.ceLogits(z, t, p.ls) : ref.ceProbs(z, t, p.ls, eps)),
  },
  squentropy: {
    targets: ['sparse', 'sparse', 'onehot'],
    minC: 2,
    make: (r) =>
      r.bool(0.5)
        ? { code: 'squentropy()', build: (l) => l.losses.squentropy(), params: {} }
        : { code: 'ce().plus(square().incorrect())', build: (l) => l.core.ce().plus(l.core.square().incorrect()), params: {} },
    row: (z, t, _p, from, eps) => {
      if (from === 'logits') {
        const s = ref.squentropy(z, t);
        const ce = ref.ceLogits(z, t);
        const c = z.length;
        return { ...s, grad: ce.grad.map((g, j) => g + (2 * (1 - t[j]) * (z[j] - t[j])) / (c - 1)) };
      }
      const ce = ref.ceProbs(z, t, 0, eps);
      let sq = 0;
      z.forEach((v, j) => {
        sq += (1 - t[j]) * (v - t[j]) ** 2;
      });
      return { value: ce.value + sq / (z.length - 1), mag: ce.mag + sq };
    },
  },
  focal: {
    targets: ['sparse', 'onehot', 'soft'],
    make: (r) => {
      const gamma = r.pick([0, 0.5, 1, 2, 2, 5, 0.2]);
      const alpha = r.pick([0.25, 1, 0.5]);
      return { code: `focal({ gamma: ${gamma}, alpha: ${alpha} })`, build: (l) => l.losses.focal({ gamma, alpha }), params: { gamma, alpha } };
    },
    row: (z, t, p, from, eps) => (from === 'logits' ? ref.focalLogits(z, t, p.gamma, p.alpha) : ref.focalProbs(z, t, p.gamma, p.alpha, eps)),
  },
  labelSmoothing: {
    targets: ['sparse', 'onehot', 'soft'],
    make: (r) => {
      const e = r.pick([0, 0.1, 0.3, 0.9]);
      return { code: `labelSmoothing({ epsilon: ${e} })`, build: (l) => l.losses.labelSmoothing({ epsilon: e }), params: { ls: e } };
    },
    row: (z, t, p, from, eps) => (from === 'logits' ? ref.ceLogits(z, t, p.ls) : ref.ceProbs(z, t, p.ls, eps)),
  },
  mse: {
    targets: ['real', 'onehot', 'sparse'],
    make: () => ({ code: 'square().mean()', build: (l) => l.core.square().mean(), params: {} }),
    row: (z, t) => {
      const c = z.length;
      let v = 0;
      let _mag = 0;
      z.forEach((x, j) => {
        v += (x - t[j]) ** 2 / c;
        _mag += (x * x + t[j] * t[j]) / c;
      });
      return { value: v, mag: 0, grad: z.map((x, j) => (2 * (x - t[j])) / c) };
    },
  },
  bce: {
    targets: ['binary', 'unit'],
    make: (r) => {
      const ls = r.bool(0.7) ? 0 : r.pick([0.1, 0.5]);
      return { code: ls ? `bce({ labelSmoothing: ${ls} }).mean()` : 'bce().mean()', build: (l) => l.core.bce({ labelSmoothing: ls }).mean(), params: { ls } };
    },
    row: (z, t, p, from, eps) => {
      const c = z.length;
      let v = 0;
      let mag = 0;
      z.forEach((x, j) => {
        const e = from === 'logits' ? ref.bceLogits(x, t[j], p.ls) : ref.bceProbs(x, t[j], p.ls, eps);
        v += e.value / c;
        mag += e.mag / c;
      });
      return { value: v, mag };
    },
  },
  kl: {
    targets: ['soft', 'onehot', 'sparse'],
    make: () => ({ code: 'kl()', build: (l) => l.core.kl(), params: {} }),
    row: (z, t, _p, from, eps) => {
      if (from === 'logits') return ref.klLogits(z, t);
      let v = 0;
      let mag = 0;
      t.forEach((w, j) => {
        const term = ref.xlogx(w) - w * Math.log(Math.min(Math.max(z[j], eps), 1));
        v += term;
        mag += Math.abs(ref.xlogx(w)) + Math.abs(w * Math.log(Math.min(Math.max(z[j], eps), 1)));
      });
      return { value: v, mag };
    },
  },
  entropy: {
    targets: ['sparse', 'soft'],
    make: () => ({ code: 'entropy()', build: (l) => l.core.entropy(), params: {} }),
    row: (z, _t, _p, from, eps) => {
      if (from === 'logits') return ref.entropyLogits(z);
      let v = 0;
      z.forEach((p) => {
        v -= p * Math.log(Math.min(Math.max(p, eps), 1));
      });
      return { value: v, mag: Math.abs(v) };
    },
  },
};

function referenceCase(r, lib) {
  const name = r.pick(Object.keys(REFERENCE_LOSSES));
  const L = REFERENCE_LOSSES[name];
  const from = name === 'squentropy' || r.bool(0.75) ? 'logits' : 'probs';
  // Now and then a wide batch, so the fused kernels run their WASM SIMD sweeps (small C runs the JS kernel).
  const wide = r.bool(0.06);
  const C = wide ? r.int(16, 300) : r.classes({ min: L.minC ?? 1 });
  const targets = r.pick(L.targets);
  const b = makeBatch(r, { C, from, targets, wide });
  const method = pickMethod(r);
  const options = compileOptions(r, { from, method });
  const eps = options.epsilon ?? 1e-7;
  const recipe = L.make(r);
  const rows = b.z.map((z, i) => L.row(z, b.t[i], recipe.params, from, eps));
  const sampleWeight = r.bool(0.3) ? makeWeights(r, b) : undefined;
  // Valid unless the true value does not fit in float32 (then NON_FINITE_OUTPUT is the right answer), or C = 1
  // (the issue allows a typed error there), or labels are one class with C = 1.
  const values = rows.map((x) => x.value);
  const fits = values.every((v) => Number.isFinite(v) && Math.abs(v) < 1e37) && rows.every((x) => !x.grad || x.grad.every((g) => Math.abs(g) < 1e37));
  const sumFits = Math.abs(values.reduce((a, v) => a + Math.abs(v), 0)) * 4 < ref.F32_MAX;
  // The SIMD sweeps (C ≥ 32) work in float32: a square of |z| ≥ 1.8e19 overflows there even when the masked-out
  // target makes the true value small, and the kernel then refuses with NON_FINITE_OUTPUT.
  const squareOverflows = name === 'squentropy' && C >= 32 && b.z.some((row) => row.some((v) => Math.abs(v) >= 1.8e19));
  const expect = fits && sumFits && C >= 2 && !squareOverflows ? 'valid' : 'any';
  return compiledCase(lib, {
    fn: `compile(${name})`,
    code: recipe.code,
    build: recipe.build,
    options,
    method,
    yTrue: b.yTrue,
    yPred: b.yPred,
    sampleWeight,
    tensors: tensorKinds(r, targets),
    expect,
    why: expect === 'any' ? (C < 2 ? 'C = 1' : 'the true value overflows float32') : undefined,
    level: 'sample',
    ref: { perSample: values, mag: rows.map((x) => x.mag ?? 0), grad: from === 'logits' && rows.every((x) => x.grad) ? rows.map((x) => x.grad) : undefined },
    oracles: pickOracles(r),
  });
}

// ── random expressions, checked by oracles ───────────────────────────────────

function exprCase(r, lib) {
  const from = r.bool(0.8) ? 'logits' : 'probs';
  const C = r.classes();
  const e = randomExpr(r, { C, from, maxDepth: r.int(1, 4) });
  const targets = r.weighted({ sparse: 6, onehot: 1, soft: 2 });
  const moderate = r.bool(0.7);
  const b = makeBatch(r, { C, from, targets, moderate });
  const method = e.level === 'batch' ? r.pick(['call', 'valueAndGrad', 'parts']) : pickMethod(r);
  const options = compileOptions(r, { from, method });
  if (e.logits && from === 'probs') delete options.from; // keep it compilable; INPUT_KIND_MISMATCH is a badBuild case
  const sampleWeight = e.level === 'sample' && r.bool(0.2) ? makeWeights(r, b) : undefined;
  // Squares and products of |x| ≥ 1e19 overflow float32 even where the final value would fit: the unfused path
  // then answers NON_FINITE_OUTPUT, which is right for float32 arithmetic.
  // A cube or higher power overflows sooner: |x| ≥ 10^(38/p − 1) for the largest integer exponent p ≥ 3 (seed 43: (0.5·1e16)³).
  const maxPow = Math.max(2, ...[...e.code.matchAll(/pow\((\d+)\)/g)].map((m) => Number(m[1])));
  const huge = [b.yPred].flat(3).some((v) => Math.abs(v) >= (maxPow <= 2 ? 1e19 : 10 ** (38 / maxPow - 1)));
  const valid = e.safe && moderate && C >= 2 && !(huge && /square|pow|times|exp|cosh/.test(e.code));
  return compiledCase(lib, {
    fn: 'compile(random expression)',
    code: e.code,
    build: (l) => e.build(l.core),
    options,
    method,
    yTrue: b.yTrue,
    yPred: b.yPred,
    sampleWeight,
    tensors: tensorKinds(r, targets),
    expect: valid ? 'valid' : 'any',
    level: e.level,
    // A select on a mask computed from probabilities: no fusion oracle (see FRAGILE_MASK in lib/dsl.mjs).
    oracles: [...new Set(['fusion', ...pickOracles(r)])].filter((o) => !(e.fragileMask && o === 'fusion')),
    looseOracles: !e.safe,
  });
}

// ── bad inputs ───────────────────────────────────────────────────────────────

const SIMPLE = [
  { code: 'ce()', build: (l) => l.core.ce() },
  { code: 'ce().plus(square().incorrect())', build: (l) => l.core.ce().plus(l.core.square().incorrect()) },
  { code: 'square().mean()', build: (l) => l.core.square().mean() },
  { code: 'focal()', build: (l) => l.losses.focal() },
  { code: "ce().plus(kl(input('teacher', 'class').softmax()))", build: (l) => l.core.ce().plus(l.core.kl(l.core.input('teacher', 'class').softmax())), input: 'class' },
  { code: "ce().times(input('w', 'sample'))", build: (l) => l.core.ce().times(l.core.input('w', 'sample')), input: 'sample' },
];

function badInputCase(r, lib) {
  const base = r.pick(SIMPLE);
  const from = r.bool(0.85) ? 'logits' : 'probs';
  const C = r.classes({ min: 2 });
  const targets = r.bool(0.75) ? 'sparse' : 'onehot';
  const b = makeBatch(r, { C, from, targets, moderate: true, rank: 2 });
  const method = pickMethod(r);
  const options = compileOptions(r, { from, method });
  delete options.reduction;
  let yTrue = b.yTrue;
  let yPred = b.yPred;
  let sampleWeight;
  let inputs;
  const inputName = base.input === 'class' ? 'teacher' : 'w';
  if (base.input) inputs = { [inputName]: base.input === 'class' ? r.matrix(b.N, C, 'normal', 1) : r.weights(b.N) };
  let build = base.build;
  let code = base.code;
  let why;
  let codes;
  let expect = 'invalid';
  const tensors = r.bool(0.4) ? { yPred: 'float32', yTrue: 'float32', sampleWeight: 'float32', inputs: 'float32' } : {};
  const validateOff = options.validate === false;
  const bad = r.weighted({
    nanPred: 4, nanTrue: 1.5, badLabel: 4, nanWeight: 2.5, shape: 2, weightShape: 1.5, empty: 1, scalar: 0.7, dtype: 1, disposed: 0.8, notTensor: 1,
    ragged: 0.8, probs: from === 'probs' ? 3 : 0, input: base.input ? 2 : 0, perSampleBatch: 0.7, weightsBatch: 0.7, oneClass: 1.5, labelsRank: 0.6,
  });
  switch (bad) {
    case 'nanPred':
      yPred = poke(yPred, randomIndex(r, shapeOf(yPred)), r.nonFinite());
      why = 'non-finite yPred';
      codes = ['NON_FINITE_INPUT'];
      if (validateOff) expect = 'any';
      break;
    case 'nanTrue':
      yTrue = poke(b.t, randomIndex(r, [b.N, C]), r.nonFinite());
      why = 'non-finite dense yTrue';
      codes = ['NON_FINITE_INPUT'];
      if (validateOff) expect = 'any';
      break;
    case 'badLabel': {
      const labels = b.labels ?? b.t.map((row) => row.indexOf(1));
      yTrue = poke(labels, [r.int(0, b.N - 1)], r.badLabel(C));
      why = 'label out of range, fractional or non-finite';
      codes = ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT'];
      if (validateOff) expect = 'any'; // README: validate: false keeps only shape checks
      break;
    }
    case 'nanWeight':
      sampleWeight = poke(r.weights(b.N), [r.int(0, b.N - 1)], r.nonFinite());
      why = 'non-finite sample weight';
      codes = ['NON_FINITE_INPUT'];
      if (validateOff) expect = 'any';
      break;
    case 'shape':
      yTrue = r.pick([r.labels(b.N + 1, C), b.t.map((row) => [...row, 0]), [b.labels ?? r.labels(b.N, C)].map((x) => x.slice(0, Math.max(0, b.N - 1)))[0], b.t.slice(0, b.N - 1).concat(b.N === 1 ? [b.t[0], b.t[0]] : [])]);
      why = 'yTrue does not match yPred';
      codes = ['SHAPE_MISMATCH'];
      break;
    case 'weightShape':
      sampleWeight = r.pick([r.weights(b.N + 1), [r.weights(b.N), r.weights(b.N)], r.weights(b.N).map((w) => [w, w])]);
      why = 'sample weights do not match the batch';
      codes = ['SHAPE_MISMATCH'];
      break;
    case 'empty':
      if (r.bool(0.5)) {
        yPred = [];
        yTrue = [];
      } else {
        yPred = b.yPred.map(() => []);
        yTrue = b.yPred.map(() => []);
      }
      why = 'empty batch or no classes';
      codes = ['EMPTY_BATCH', 'SHAPE_MISMATCH', 'RANK_MISMATCH'];
      break;
    case 'scalar':
      yPred = r.pick([1.5, 0]);
      yTrue = 0;
      why = 'scalar yPred';
      codes = ['RANK_MISMATCH'];
      break;
    case 'dtype':
      return badTensorCase(r, lib, base, b, options, method, 'dtype');
    case 'disposed':
      return badTensorCase(r, lib, base, b, options, method, 'disposed');
    case 'notTensor':
      yPred = r.pick([null, undefined, 'logits', { a: 1 }, [['a', 'b']], [[true, false]]]);
      why = 'yPred is not tensor-like';
      codes = ['INVALID_ARGUMENT', 'MISSING_INPUT'];
      if (Array.isArray(yPred) && typeof yPred[0][0] === 'boolean') expect = 'any';
      break;
    case 'ragged':
      yPred = b.yPred.map((row, i) => (i === 0 ? [...row, 0] : row));
      if (b.N === 1) yPred = [b.yPred[0], [...b.yPred[0], 1]];
      why = 'ragged nested array';
      codes = ['SHAPE_MISMATCH'];
      break;
    case 'probs': {
      const rows = structuredClone(b.yPred);
      const i = r.int(0, b.N - 1);
      const k = r.pick(['scale', 'negative', 'above1']);
      if (k === 'scale') rows[i] = rows[i].map((p) => f32(p * 1.5));
      else if (k === 'negative') rows[i][0] = -0.2;
      else rows[i][r.int(0, C - 1)] = 1.7;
      yPred = rows;
      why = `from: 'probs' with a row that is not a distribution (${k})`;
      codes = ['INVALID_ARGUMENT', 'NON_FINITE_INPUT'];
      // compile() checks probabilities where terms read them (documented on CompileOptions.from): rows of a
      // distribution for prob/logProb/ce/entropy/kl, entries in [0, 1] for bce; raw yPred() reads are free.
      const distribution = /\b(prob|logProb|ce|entropy|kl)\(/.test(code);
      const entries = /\bbce\(/.test(code) && rows[i].some((p) => p < 0 || p > 1);
      if (validateOff || !(distribution || entries)) expect = 'any';
      break;
    }
    case 'input': {
      const k = r.pick(['missing', 'shape', 'nan']);
      if (k === 'missing') inputs = undefined;
      else if (k === 'shape') inputs = { [inputName]: base.input === 'class' ? r.matrix(b.N + 1, C, 'normal', 1) : r.weights(b.N + 2) };
      else inputs = { [inputName]: poke(inputs[inputName], base.input === 'class' ? [0, 0] : [0], r.nonFinite()) };
      why = `input '${inputName}' ${k}`;
      codes = k === 'missing' ? ['MISSING_INPUT'] : k === 'shape' ? ['SHAPE_MISMATCH'] : ['NON_FINITE_INPUT'];
      if (k === 'nan' && validateOff) expect = 'any';
      break;
    }
    case 'perSampleBatch':
      build = (l) => base.build(l).mean();
      code = `${base.code}.mean()`;
      return compiledCase(lib, { fn: 'compile(batch-level expression)', code, build, options, method: 'perSample', yTrue, yPred, inputs, expect: 'invalid', why: 'perSample() of a batch-level expression', codes: ['LEVEL_MISMATCH'], level: 'batch', tensors });
    case 'weightsBatch':
      build = (l) => base.build(l).mean();
      code = `${base.code}.mean()`;
      return compiledCase(lib, { fn: 'compile(batch-level expression)', code, build, options, method: r.pick(['call', 'valueAndGrad']), yTrue, yPred, inputs, sampleWeight: r.weights(b.N), expect: 'invalid', why: 'sample weights with a batch-level expression', codes: ['INVALID_ARGUMENT'], level: 'batch', tensors });
    case 'oneClass': {
      // C = 1 (issue #17: a value, or a typed error saying why one class is not allowed; never a raw tfjs error).
      const N = b.N;
      yPred = Array.from({ length: N }, () => [f32(r.normal())]);
      yTrue = r.bool(0.6) ? new Array(N).fill(0) : Array.from({ length: N }, () => [1]);
      if (inputs) inputs = { [inputName]: base.input === 'class' ? Array.from({ length: N }, () => [0.5]) : r.weights(N) };
      expect = 'any';
      why = 'one class (C = 1)';
      break;
    }
    case 'labelsRank':
      yTrue = [[b.labels ?? r.labels(b.N, C)]];
      why = 'labels of rank 3';
      codes = ['SHAPE_MISMATCH'];
      break;
  }
  return compiledCase(lib, { fn: `compile(${base.code.split('(')[0]}) with bad input`, code, build, options, method, yTrue, yPred, sampleWeight, inputs, tensors: bad === 'ragged' || bad === 'notTensor' ? {} : tensors, expect, why, codes, level: 'sample' });
}

/** Tensors that are disposed or of a dtype compile() cannot read. */
function badTensorCase(r, lib, base, b, options, method, kind) {
  const { core } = lib;
  const dtype = r.pick(['string', 'int32', 'bool']);
  const why = kind === 'disposed' ? 'yPred is a disposed tensor' : `yPred of dtype ${dtype}`;
  const inputs = base.input ? { inputs: { [base.input === 'class' ? 'teacher' : 'w']: base.input === 'class' ? b.yPred : r.weights(b.N) } } : undefined;
  return {
    fn: `compile(${base.code.split('(')[0]}).${method} with a ${kind === 'disposed' ? 'disposed' : 'non-float'} tensor`,
    expect: kind === 'dtype' && (dtype === 'int32' || dtype === 'bool') ? 'any' : 'invalid',
    why,
    codes: ['INVALID_ARGUMENT'],
    finite: kind === 'dtype' && (dtype === 'int32' || dtype === 'bool') ? true : undefined,
    repro: { call: `compile(${base.code}, ${JSON.stringify(options)}).${method}(yTrue, yPred)`, yTrue: b.yTrue, yPred: kind === 'disposed' ? 'a disposed tensor of yPred' : `tensor(yPred, dtype ${dtype})`, values: b.yPred },
    prepare: () => {
      let t;
      if (kind === 'disposed') {
        t = tf.tensor(b.yPred);
        t.dispose();
      } else if (dtype === 'string') t = tf.tensor(b.yPred.map((row) => row.map(String)), undefined, 'string');
      else t = tf.tensor(b.yPred.map((row) => row.map((v) => Math.round(v))), undefined, dtype);
      return { yPred: t };
    },
    run: (inp) => {
      const loss = core.compile(base.build(lib), options);
      if (method === 'call') return loss(b.yTrue, inp.yPred, inputs);
      if (method === 'parts') return loss.parts(b.yTrue, inp.yPred, inputs);
      return loss[method](b.yTrue, inp.yPred, inputs);
    },
  };
}

// ── bad builders and compile options ─────────────────────────────────────────

function badBuildCase(r, lib) {
  const { core } = lib;
  const bad = r.pick([NaN, Infinity, -1, 1.5, '0.1', null, 2]);
  // Every bad value is drawn here, not inside the closure, so a rerun repeats the same call.
  const v = (items) => r.pick(items);
  const items = [
    () => ['ce({ labelSmoothing })', bad, () => core.ce({ labelSmoothing: bad }), bad === null || (typeof bad === 'number' && bad >= 0 && bad <= 1)],
    () => ['bce({ labelSmoothing })', bad, () => core.bce({ labelSmoothing: bad }), bad === null || (typeof bad === 'number' && bad >= 0 && bad <= 1)],
    () => { const k = v([0, -1, 1.5, NaN, Infinity]); return ['prob().topk(k)', k, () => core.prob().topk(k), false]; },
    () => { const lo = v([1, NaN, 0]); const hi = v([0, NaN, -Infinity]); return ['prob().clip(lo, hi)', [lo, hi], () => core.prob().clip(lo, hi), lo <= hi]; },
    () => { const p = v([NaN, Infinity, -Infinity]); return ['prob().pow(p)', p, () => core.prob().pow(p), false]; },
    () => { const w = v([NaN, Infinity]); return ['ce().scale(w)', w, () => core.ce().scale(w), false]; },
    () => { const w = v([NaN, Infinity]); return ['ce().plus(x)', w, () => core.ce().plus(w), false]; },
    () => { const o = v([NaN, Infinity]); return ['prob().where(yTrue(), otherwise)', o, () => core.prob().where(core.yTrue(), o), false]; },
    () => { const c = v([[], [NaN, 1], [1, Infinity], 'abc', null]); return ['classConstant(values)', c, () => core.classConstant(c), false]; },
    () => { const n = v(['1x', 'a b', '', 'x-y']); return ["input(name, 'class')", n, () => core.input(n, 'class'), false]; },
    () => { const l = v(['bogus', 'pairs']); return ["compile(input('x', level).mean())", l, () => core.compile(core.input('x', l).mean()), false]; },
    () => { const n = v(['1x', 'a b', '']); return ['ce().named(name)', n, () => core.ce().named(n), false]; },
    () => ["compile(ce().named('a').plus(entropy().named('a')))", 'a', () => core.compile(core.ce().named('a').plus(core.entropy().named('a'))), false],
    () => ['compile(square())', 'class-level', () => core.compile(core.square()), false],
    () => ['compile(positiveMask())', 'pair-level', () => core.compile(core.positiveMask()), false],
    () => { const x = v([null, undefined, 42, {}, 'ce()']); return ['compile(x)', x === undefined ? 'undefined' : x, () => core.compile(x), false]; },
    () => { const x = v(['avg', '', null, 1]); return ['compile(ce(), { reduction })', x, () => core.compile(core.ce(), { reduction: x }), x === null]; },
    () => { const x = v(['prob', 'Logits', 1]); return ['compile(ce(), { from })', x, () => core.compile(core.ce(), { from: x }), false]; },
    () => { const x = v([true, 'wasm', 0]); return ['compile(ce(), { fuse })', x, () => core.compile(core.ce(), { fuse: x }), false]; },
    () => { const x = v([0, 0.5, -1e-7, NaN, Infinity]); return ["compile(ce(), { from: 'probs', epsilon })", x, () => core.compile(core.ce(), { from: 'probs', epsilon: x }), false]; },
    () => { const x = v(['no', 0, null]); return ['compile(ce(), { validate })', x, () => core.compile(core.ce(), { validate: x }), x === null]; },
    () => ["compile(logit().target(), { from: 'probs' })", 'probs', () => core.compile(core.logit().target(), { from: 'probs' }), false],
    () => ['overRow(square(), positiveMask())', 'class-level', () => core.overRow(core.square(), core.positiveMask()), false],
    () => { const h = v(['median', '']); return ['positives(sameLabelMask(), how)', h, () => core.positives(core.sameLabelMask(), h), false]; },
    () => { const h = v(['both', 'positive']); return ['hardest(sameLabelMask(), which)', h, () => core.hardest(core.sameLabelMask(), h), false]; },
    () => { const t = v([0, -1, NaN, Infinity]); return ['softSort(logit(), { tau })', t, () => core.softSort(core.logit(), { tau: t }), false]; },
    () => { const c = v([NaN, Infinity]); return ["constant(value, 'sample')", c, () => core.constant(c, 'sample'), false]; },
  ];
  const [label, badValue, fn, maybeValid] = r.pick(items)();
  return {
    fn: label,
    expect: maybeValid ? 'any' : 'invalid',
    why: `invalid argument ${String(badValue)}`,
    codes: ['INVALID_PARAMETER', 'INVALID_ARGUMENT', 'LEVEL_MISMATCH', 'INPUT_KIND_MISMATCH'],
    finite: false,
    repro: { call: label, argument: badValue },
    run: () => fn(),
  };
}

// ── a rejected valueAndGrad, then valid calls (engine state must not leak into them) ─────

function sequenceCase(r, lib) {
  const { core } = lib;
  const C = r.classes({ min: 2, max: 8 });
  const b = makeBatch(r, { C, from: 'logits', targets: 'sparse', moderate: true, rank: 2 });
  const badKind = r.pick(['label', 'nan', 'shape']);
  const badTrue = badKind === 'label' ? poke(b.labels, [0], C + 1) : badKind === 'shape' ? r.labels(b.N + 1, C) : b.labels;
  const badPred = badKind === 'nan' ? poke(b.yPred, [0, 0], NaN) : b.yPred;
  const follow = r.pick(['call', 'valueAndGrad', 'perSample']);
  const n = r.int(1, 3);
  const fuse = r.pick(['auto', 'js']);
  return {
    fn: `sequence: rejected valueAndGrad, then ${n} fused ${follow === 'call' ? 'loss()' : follow} call(s)`,
    expect: 'valid',
    repro: { call: `const loss = compile(ce(), { fuse: '${fuse}' }); try { loss.valueAndGrad(badTrue, badPred) } catch {}; then ${n}× loss${follow === 'call' ? '' : `.${follow}`}(yTrue, yPred) (measured)`, badTrue, badPred, yTrue: b.labels, yPred: b.yPred },
    prepare: () => {
      const loss = core.compile(core.ce(), { fuse });
      try {
        const res = loss.valueAndGrad(badTrue, badPred);
        res.value.dispose();
        res.grad.dispose();
      } catch {
        // expected: the rejection under test
      }
      return { loss };
    },
    run: ({ loss }) => {
      const outs = [];
      for (let i = 0; i < n; i++) {
        const o = follow === 'call' ? loss(b.labels, b.yPred) : follow === 'perSample' ? loss.perSample(b.labels, b.yPred) : loss.valueAndGrad(b.labels, b.yPred);
        outs.push(o);
      }
      return outs;
    },
  };
}

// ── other exports ────────────────────────────────────────────────────────────

function miscCase(r, lib) {
  const { core, coreMath: m } = lib;
  const k = r.weighted({ math: 8, log1mexp: 2, sparsemax: 2, toTensor: 1.5, params: 1.5, softSortExpr: 1, sparsemaxExpr: 1, defineEntry: 0.5, maskedRowReduce: 1, neuralSort: 1, ready: 0.3, linearCe: 2, fusedForm: 1, dslCatalog: core.catalog?.length ? 1 : 0, eigen: 1, mwAuc: 1, hostMatrix: 1, readOptions: 0.5, complementFloor: 0.5, hostVector: 1, hostLabels: 1 });
  switch (k) {
    case 'math': {
      const n = r.int(0, 6);
      const vm = r.valueMode();
      const x = Array.from({ length: n }, () => r.value(vm.mode, vm.scale));
      // Exact ties at a large magnitude, the hard case for log-sum-exp based helpers.
      if (n > 0 && r.bool(0.3)) {
        const big = r.pick([1e8, 1e16, 1e30, -1e30]);
        for (let i = 0; i < n; i++) x[i] = i < Math.max(1, Math.ceil(n / 2)) ? big : r.pick([0, big]);
      }
      const withBad = r.bool(0.15);
      if (withBad && n > 0) x[r.int(0, n - 1)] = r.nonFinite();
      const fn = r.pick(['logSumExp', 'softmax', 'logSoftmax', 'softplus', 'sigmoid', 'logSigmoid', 'log1mexp', 'sum', 'mean']);
      const scalarFn = ['softplus', 'sigmoid', 'logSigmoid', 'log1mexp'].includes(fn);
      const arg = scalarFn ? (fn === 'log1mexp' ? -Math.abs(x[0] ?? 1) || -1 : (x[0] ?? 0)) : x;
      const expected = {
        logSumExp: () => ref.lse(x),
        softmax: () => ref.softmax(x),
        logSoftmax: () => ref.logSoftmax(x),
        softplus: () => ref.softplus(arg),
        sigmoid: () => ref.sigmoid(arg),
        logSigmoid: () => -ref.softplus(-arg),
        // log(1 − e^x): expm1 near 0, log1p for x well below 0 (either alone loses digits at the other end).
        log1mexp: () => (arg > -0.5 ? Math.log(-Math.expm1(arg)) : Math.log1p(-Math.exp(arg))),
        sum: () => x.reduce((a, b) => a + b, 0),
        mean: () => x.reduce((a, b) => a + b, 0) / x.length,
      }[fn]();
      const finiteIn = (scalarFn ? [arg] : x).every(Number.isFinite);
      return {
        fn: `math.${fn}`,
        expect: 'any',
        finite: false,
        repro: { call: `${fn}(x)`, x: arg },
        run: () => m[fn](arg),
        check: (out) => {
          if (!finiteIn) return undefined;
          const got = [out].flat();
          const want = [expected].flat();
          // sum: Neumaier-compensated, compare loosely against the plain float64 sum of float32 inputs.
          const msg = ref.allClose(got, want, { rtol: 1e-7, atol: 1e-300, mag: 0 });
          if (msg && !(fn === 'sum' || fn === 'mean') && want.some(Number.isFinite)) return { category: 'wrong value', kind: `math.${fn} vs reference`, message: `${fn}(${JSON.stringify(arg)}): ${msg}` };
          return undefined;
        },
      };
    }
    case 'log1mexp': {
      const n = r.int(1, 6);
      const x = Array.from({ length: n }, () => f32(-r.pick([1e-8, 1e-4, 0.1, 0.69, 0.7, 1, 5, 20, 100, 1e4, 1e30, 0])));
      return {
        fn: 'log1mexpTensor',
        expect: x.every((v) => v < 0) ? 'valid' : 'any',
        finite: x.every((v) => v < 0) ? undefined : false,
        repro: { call: 'log1mexpTensor(tensor(x))', x },
        prepare: () => ({ x: tf.tensor1d(x) }),
        run: ({ x: t }) => core.log1mexpTensor(t),
        check: (out) => {
          const got = Array.from(out.dataSync());
          const want = x.map((v) => Math.log(-Math.expm1(v)));
          const msg = ref.allClose(got, want, { rtol: 1e-3, atol: 1e-6 });
          return msg && want.every(Number.isFinite) ? { category: 'wrong value', kind: 'log1mexpTensor vs reference', message: msg } : undefined;
        },
      };
    }
    case 'sparsemax': {
      const n = r.int(1, 3);
      const c = r.int(1, 6);
      const vm = r.valueMode();
      const z = r.matrix(n, c, vm.mode, vm.scale);
      const want = z.map(sparsemaxRef);
      return {
        fn: 'sparsemaxTensor',
        expect: 'valid',
        repro: { call: 'sparsemaxTensor(tensor2d(z))', z },
        prepare: () => ({ z: tf.tensor2d(z) }),
        run: ({ z: t }) => core.sparsemaxTensor(t),
        check: (out) => {
          const got = Array.from(out.dataSync());
          const big = Math.max(1, ...z.flat().map(Math.abs));
          const msg = ref.allClose(got, want.flat(), { rtol: 1e-3, atol: 1e-5, mag: big, k: 16 });
          return msg ? { category: 'wrong value', kind: 'sparsemaxTensor vs reference', message: `z = ${JSON.stringify(z)}: ${msg}` } : undefined;
        },
      };
    }
    case 'linearCe': {
      // linearCrossEntropy(h, W, labels) against float64 CE of h·W (mean over rows); sometimes a bad input.
      const B = r.int(1, 5);
      const D = r.int(1, 4);
      const V = r.int(1, 12);
      const scale = r.pick([0.1, 1, 30, 3000]);
      const h = r.matrix(B, D, 'normal', 1).map((row) => row.map(f32));
      const W = r.matrix(D, V, 'normal', scale).map((row) => row.map(f32));
      const bad = r.pick([null, null, null, 'label', 'nan', 'chunk', 'shape']);
      const labels = Array.from({ length: B }, () => r.int(0, V - 1));
      if (bad === 'label') labels[r.int(0, B - 1)] = r.pick([V, -1, 0.5]);
      if (bad === 'nan') h[r.int(0, B - 1)][r.int(0, D - 1)] = r.nonFinite();
      const chunkSize = bad === 'chunk' ? r.pick([0, -3, 1.5]) : r.int(1, V + 2);
      const asLoss = r.bool(0.3);
      const z = h.map((row) => Array.from({ length: V }, (_, j) => row.reduce((a, x, d) => a + x * W[d][j], 0)));
      const want = z.reduce((a, row, i) => a + ref.lse(row) - row[labels[i]], 0) / B;
      return {
        fn: asLoss ? 'linearCrossEntropyLoss' : 'linearCrossEntropy',
        expect: bad ? 'invalid' : 'valid',
        why: `bad ${bad}`,
        codes: ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT', 'INVALID_PARAMETER', 'SHAPE_MISMATCH'],
        repro: { call: asLoss ? 'linearCrossEntropyLoss(W, { chunkSize })(labels [B, 1], h)' : 'linearCrossEntropy(h, W, labels, { chunkSize })', h, W, labels, chunkSize },
        prepare: () => ({ ht: tf.tensor2d(h), Wt: bad === 'shape' ? tf.zeros([D + 1, V]) : tf.tensor2d(W), yt: tf.tensor2d(labels.map((l) => [l])) }),
        run: ({ ht, Wt, yt }) => (asLoss ? core.linearCrossEntropyLoss(Wt, { chunkSize })(yt, ht) : core.linearCrossEntropy(ht, Wt, labels, { chunkSize })),
        check: (out) => {
          const got = out.dataSync()[0];
          const msg = ref.allClose([got], [want], { rtol: 1e-4, atol: 1e-5 * Math.max(1, Math.abs(want)) });
          return msg ? { category: 'wrong value', kind: 'linearCrossEntropy vs float64 CE of h·W', message: msg } : undefined;
        },
      };
    }
    case 'fusedForm': {
      // defineFusedForm: an op outside core with a core-term form fuses and equals its unfused evaluate.
      const C = r.classes({ min: 1, max: 40 });
      const b = makeBatch(r, { C, from: 'logits', targets: 'sparse', moderate: true, rank: 2 });
      const w = r.pick([0.5, 2, -3]);
      const op = core.defineOp({ kind: `fuzz.scaled${w}`, evaluate: (c) => tf.mul(c.yPred, w), print: () => `${w}·z` });
      core.defineFusedForm(`fuzz.scaled${w}`, () => core.logit().scale(w));
      const build = () => core.node(op, 'class').logSumExp();
      return {
        fn: 'defineFusedForm',
        expect: 'valid',
        repro: { call: `defineFusedForm('fuzz.scaled${w}', () => logit().scale(${w})); compile(node(op, 'class').logSumExp())(yTrue, yPred)`, yTrue: b.labels, yPred: b.yPred },
        run: () => {
          const fused = core.compile(build());
          const plain = core.compile(build(), { fuse: false });
          return [fused(b.labels, b.yPred), plain(b.labels, b.yPred), tf.scalar(fused.fused ? 1 : 0)];
        },
        check: ([a, p, f]) => {
          if (f.dataSync()[0] !== 1) return { category: 'wrong value', kind: 'defineFusedForm: the op did not fuse', message: `kind fuzz.scaled${w}` };
          const msg = ref.allClose([a.dataSync()[0]], [p.dataSync()[0]], { rtol: 1e-5, atol: 1e-6 });
          return msg ? { category: 'wrong value', kind: 'defineFusedForm: fused form differs from the op', message: msg } : undefined;
        },
      };
    }
    case 'toTensor': {
      const x = r.pick([[1, 2], [[1], [2]], [[1, 2], [3]], [], [[]], 'abc', null, undefined, { length: 2 }, Float32Array.of(1, NaN), [[NaN]], 3, true]);
      const valid = Array.isArray(x) ? x.every((v) => !Array.isArray(v)) || x.every((v) => Array.isArray(v) && v.length === x[0].length) : typeof x === 'number' || typeof x === 'boolean' || ArrayBuffer.isView(x);
      return {
        fn: 'toTensor',
        expect: valid ? 'any' : 'invalid',
        finite: false,
        why: 'not tensor-like',
        repro: { call: "toTensor(x, 'x')", x: x === undefined ? 'undefined' : x },
        run: () => core.toTensor(x, 'x').tensor,
      };
    }
    case 'eigen': {
      // symmetricEigen (core/math): checked against its defining identities in float64, A v_k = λ_k v_k and VᵀV = I.
      const n = r.int(1, 6);
      const scale = r.pick([1, 1e-8, 1e8, 1e150]);
      const a0 = Array.from({ length: n }, () => Array.from({ length: n }, () => r.float(-1, 1) * scale));
      const a = Array.from({ length: n * n }, (_, k) => (a0[Math.floor(k / n)][k % n] + a0[k % n][Math.floor(k / n)]) / 2);
      const bad = r.bool(0.2) ? r.pick(['nan', 'length']) : undefined;
      const arg = bad === 'nan' ? poke(a, [r.int(0, n * n - 1)], r.nonFinite()) : bad === 'length' ? a.slice(1) : a;
      return {
        fn: 'math.symmetricEigen',
        expect: bad ? 'invalid' : 'valid',
        why: bad && `symmetricEigen with ${bad === 'nan' ? 'a non-finite entry' : 'n² − 1 values'}`,
        codes: bad === 'nan' ? ['NON_FINITE_INPUT'] : ['SHAPE_MISMATCH'],
        repro: { call: 'symmetricEigen(a, n)', a: arg, n },
        run: () => m.symmetricEigen(arg, n),
        check: (out) => {
          const { values, vectors } = out;
          const norm = Math.max(...a.map(Math.abs), 1e-300);
          let worst = 0;
          for (let k = 0; k < n; k++) {
            if (k > 0 && values[k] < values[k - 1]) return { category: 'wrong value', kind: 'symmetricEigen order', message: `eigenvalues not ascending: ${Array.from(values)}` };
            for (let i = 0; i < n; i++) {
              let av = 0;
              for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + k];
              worst = Math.max(worst, Math.abs(av - values[k] * vectors[i * n + k]) / norm);
              let dot = 0;
              for (let j = 0; j < n; j++) dot += vectors[j * n + i] * vectors[j * n + k];
              worst = Math.max(worst, Math.abs(dot - (i === k ? 1 : 0)));
            }
          }
          return worst > 1e-10 ? { category: 'wrong value', kind: 'symmetricEigen residual', message: `max |A v − λ v|/‖A‖ or |VᵀV − I| = ${worst} for n = ${n}` } : undefined;
        },
      };
    }
    case 'mwAuc': {
      // mannWhitneyAuc (core/math) against the O(|P||N|) pairwise definition, ties ½; NaN when a side is empty.
      const levels = r.pick([3, 10, 1000]);
      const draw = (k) => Array.from({ length: k }, () => r.pick([Math.floor(r.float(0, 1) * levels) / levels, r.pick([-1e30, 1e30, 0])]));
      const pos = draw(r.int(0, 8));
      const neg = draw(r.int(0, 8));
      let want = Number.NaN;
      if (pos.length && neg.length) {
        let s2 = 0;
        for (const p2 of pos) for (const q of neg) s2 += p2 > q ? 1 : p2 === q ? 0.5 : 0;
        want = s2 / (pos.length * neg.length);
      }
      return {
        fn: 'math.mannWhitneyAuc',
        expect: 'valid',
        finite: Number.isFinite(want) ? undefined : false,
        repro: { call: 'mannWhitneyAuc(pos, neg)', pos, neg },
        run: () => m.mannWhitneyAuc(pos, neg),
        check: (out) => {
          const same = Number.isNaN(want) ? Number.isNaN(out) : Math.abs(out - want) <= 1e-12;
          return same ? undefined : { category: 'wrong value', kind: 'mannWhitneyAuc vs pairwise', message: `got ${out}, pairwise ${want}` };
        },
      };
    }
    case 'hostMatrix': {
      // readHostMatrix: float64 copy of a [N, K] matrix, or a typed error naming the argument.
      const n = r.int(1, 4);
      const c = r.int(1, 4);
      const rows = Array.from({ length: n }, () => Array.from({ length: c }, () => f32(r.float(-5, 5))));
      const bad = r.bool(0.5) ? r.pick(['ragged', 'nan', 'rank1', 'empty', 'string', 'nested', 'tensor3']) : undefined;
      const codes = { ragged: ['SHAPE_MISMATCH'], nan: ['NON_FINITE_INPUT'], rank1: ['RANK_MISMATCH'], empty: ['EMPTY_BATCH'], string: ['INVALID_ARGUMENT'], nested: ['RANK_MISMATCH'], tensor3: ['RANK_MISMATCH'] }[bad];
      const arg = {
        ragged: () => [...rows, [...rows[0], 1]],
        nan: () => poke(rows, [r.int(0, n - 1), r.int(0, c - 1)], r.nonFinite()),
        rank1: () => rows[0],
        empty: () => [],
        string: () => 'x',
        nested: () => poke(rows, [0, 0], [1]),
        tensor3: () => 'tensor3',
      }[bad]?.() ?? rows;
      const asTensor = !bad && r.bool(0.3);
      return {
        fn: 'readHostMatrix',
        expect: bad ? 'invalid' : 'valid',
        why: bad && `readHostMatrix of ${bad}`,
        codes,
        repro: { call: "readHostMatrix(x, 'x')", x: arg },
        prepare: () => ({ x: arg === 'tensor3' ? tf.zeros([1, n, c]) : asTensor ? tf.tensor2d(rows) : arg }),
        run: ({ x }) => core.readHostMatrix(x, 'x'),
        check: (out) => {
          const want = rows.flat();
          const ok = out.n === n && out.cols === c && want.every((v, i) => out.data[i] === v);
          return ok ? undefined : { category: 'wrong value', kind: 'readHostMatrix copy', message: `got ${out.n}×${out.cols} ${Array.from(out.data)}` };
        },
      };
    }
    case 'hostVector': {
      // readHostVector: float64 copy of a vector [N] (a [N, 1] column with column: true), or a typed error naming the argument.
      const n = r.int(1, 6);
      const v = Array.from({ length: n }, () => f32(r.float(-5, 5)));
      const column = r.bool(0.5);
      const bad = r.bool(0.5) ? r.pick(['nan', 'matrix', 'empty', 'length', 'string', 'nested', 'disposed', 'null']) : undefined;
      const codes = { nan: ['NON_FINITE_INPUT'], matrix: ['RANK_MISMATCH'], empty: ['EMPTY_BATCH'], length: ['SHAPE_MISMATCH'], string: ['INVALID_ARGUMENT'], nested: ['RANK_MISMATCH'], disposed: ['INVALID_ARGUMENT'], null: ['INVALID_ARGUMENT'] }[bad];
      const badArg = {
        nan: () => poke(v, [r.int(0, n - 1)], r.nonFinite()),
        matrix: () => v.map((x) => [x, x]),
        empty: () => [],
        length: () => [...v, 1],
        string: () => poke(v, [r.int(0, n - 1)], 'x'),
        nested: () => poke(v, [0], [[1]]),
        disposed: () => 'disposed',
        null: () => null,
      }[bad];
      const arg = badArg ? badArg() : v;
      const as = !bad ? r.pick(['array', 'typed', 'tensor', 'column']) : 'array';
      return {
        fn: 'readHostVector',
        expect: bad ? 'invalid' : 'valid',
        why: bad && `readHostVector of ${bad}`,
        codes,
        repro: { call: `readHostVector(x, 'x', { n: ${n}, column: ${column} }) as ${as}`, x: arg },
        prepare: () => ({ x: arg === 'disposed' ? disposed1d(v) : as === 'typed' ? Float32Array.from(v) : as === 'tensor' ? tf.tensor1d(v) : as === 'column' && column ? tf.tensor2d(v, [n, 1]) : arg }),
        run: ({ x }) => core.readHostVector(x, 'x', { n, column }),
        check: (out) => (out.length === n && v.every((x, i) => out[i] === x) ? undefined : { category: 'wrong value', kind: 'readHostVector copy', message: `got ${Array.from(out)}` }),
      };
    }
    case 'hostLabels': {
      // readHostLabels: an Int32Array of integer labels in [0, classes), or a typed error naming the argument.
      const n = r.int(1, 6);
      const classes = r.int(1, 5);
      const y = Array.from({ length: n }, () => r.int(0, classes - 1));
      const bad = r.bool(0.5) ? r.pick(['label', 'nonFinite', 'matrix', 'empty', 'length', 'string', 'disposed']) : undefined;
      const badLabel = r.pick([-1, classes, classes + 3, 0.5, 2.5]);
      const codes = { label: Number.isInteger(badLabel) ? ['LABEL_OUT_OF_RANGE'] : ['NON_INTEGER_LABEL'], nonFinite: ['NON_FINITE_INPUT'], matrix: ['RANK_MISMATCH'], empty: ['EMPTY_BATCH'], length: ['SHAPE_MISMATCH'], string: ['INVALID_ARGUMENT'], disposed: ['INVALID_ARGUMENT'] }[bad];
      const arg = {
        label: () => poke(y, [r.int(0, n - 1)], badLabel),
        nonFinite: () => poke(y, [r.int(0, n - 1)], r.nonFinite()),
        matrix: () => y.map((x) => [x, x]),
        empty: () => [],
        length: () => [...y, 0],
        string: () => poke(y, [r.int(0, n - 1)], '1'),
        disposed: () => 'disposed',
      }[bad]?.() ?? y;
      const as = !bad ? r.pick(['array', 'int32', 'tensor']) : 'array';
      return {
        fn: 'readHostLabels',
        expect: bad ? 'invalid' : 'valid',
        why: bad && `readHostLabels of ${bad}`,
        codes,
        repro: { call: `readHostLabels(y, 'y', { n: ${n}, classes: ${classes} }) as ${as}`, y: arg },
        prepare: () => ({ y: arg === 'disposed' ? disposed1d(y, 'int32') : as === 'int32' ? Int32Array.from(y) : as === 'tensor' ? tf.tensor1d(y, 'int32') : arg }),
        run: ({ y: yy }) => core.readHostLabels(yy, 'y', { n, classes }),
        check: (out) => (out instanceof Int32Array && out.length === n && y.every((x, i) => out[i] === x) ? undefined : { category: 'wrong value', kind: 'readHostLabels copy', message: `got ${Array.from(out)}` }),
      };
    }
    case 'readOptions': {
      const v = r.pick([undefined, {}, { a: 1 }, null, [], 3, 'x', true]);
      const valid = v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v));
      return {
        fn: 'readOptions',
        expect: valid ? 'valid' : 'invalid',
        why: `readOptions(${JSON.stringify(v)})`,
        codes: ['INVALID_ARGUMENT'],
        repro: { call: 'readOptions(v)', v: String(v) },
        run: () => core.readOptions(v),
        check: (out) => ((v === undefined ? typeof out === 'object' && Object.keys(out).length === 0 : out === v) ? undefined : { category: 'wrong value', kind: 'readOptions returns another value', message: `returned ${JSON.stringify(out)}` }),
      };
    }
    case 'complementFloor': {
      const eps = r.pick([1e-7, 1e-3, 1e-8, 3e-8, 1e-12, 0.1]);
      // 1 − fround(1 − ε) when 1 − ε is below 1 in float32, else ε itself.
      const top = Math.fround(1 - eps);
      const want = top < 1 ? 1 - top : eps;
      return {
        fn: 'complementFloor',
        expect: 'valid',
        repro: { call: 'complementFloor(eps)', eps },
        run: () => core.complementFloor(eps),
        check: (out) => (out === want && out > 0 ? undefined : { category: 'wrong value', kind: 'complementFloor', message: `complementFloor(${eps}) = ${out}, want ${want}` }),
      };
    }
    case 'params': {
      const which = r.pick(['nonNegative', 'positive', 'unitInterval', 'closedUnitInterval', 'openUnitInterval', 'finite', 'positiveInteger']);
      const v = r.pick([0, 1, 0.5, -1, NaN, Infinity, 2, '1', null, 1e300]);
      const ok = {
        nonNegative: (x) => x >= 0,
        positive: (x) => x > 0,
        unitInterval: (x) => x >= 0 && x < 1,
        closedUnitInterval: (x) => x >= 0 && x <= 1,
        openUnitInterval: (x) => x > 0 && x < 1,
        finite: () => true,
        positiveInteger: (x) => Number.isInteger(x) && x >= 1,
      }[which];
      const valid = typeof v === 'number' && Number.isFinite(v) && ok(v);
      return {
        fn: `params.${which}`,
        expect: valid ? 'valid' : 'invalid',
        why: `${which}(${v})`,
        codes: ['INVALID_PARAMETER'],
        repro: { call: `params.${which}('x', v)`, v: String(v) },
        run: () => core.params[which]('x', v),
        check: (out) => (out === v ? undefined : { category: 'wrong value', kind: 'params returns another value', message: `returned ${out} for ${v}` }),
      };
    }
    case 'softSortExpr':
    case 'sparsemaxExpr': {
      const C = r.classes({ min: 2, max: 8 });
      const b = makeBatch(r, { C, from: 'logits', targets: 'sparse', moderate: r.bool(0.7) });
      const tau = r.pick([0.1, 1, 10]);
      const code = k === 'softSortExpr' ? `softSort(logit(), { tau: ${tau} }).target()` : 'sparsemax(logit()).target().neg()';
      const build = k === 'softSortExpr' ? (l) => l.core.softSort(l.core.logit(), { tau }).target() : (l) => l.core.sparsemax(l.core.logit()).target().neg();
      const method = pickMethod(r);
      return compiledCase(lib, { fn: `compile(${k === 'softSortExpr' ? 'softSort' : 'sparsemax'})`, code, build, options: compileOptions(r, { from: 'logits', method }), method, yTrue: b.yTrue, yPred: b.yPred, expect: b.mode.startsWith('normal') || b.mode.startsWith('ties') ? 'valid' : 'any', level: 'sample', oracles: ['fusion', 'vag'] });
    }
    case 'dslCatalog': {
      // Core's DSL catalog (`catalog`): each entry's own example (expression, compile options, data), checked by the
      // fused / unfused and call / valueAndGrad oracles; the terms themselves have float64 references above.
      const entry = r.pick(core.catalog);
      const rec = exampleRecipe(entry, { core, pkg: core, tf }).run();
      const { expr, options } = rec.compiles[0];
      const [yTrue, yPred, call] = rec.calls[0];
      const method = expr.level === 'batch' ? r.pick(['call', 'valueAndGrad']) : pickMethod(r);
      return compiledCase(lib, { fn: `catalog:${entry.id}`, code: entry.dsl, build: () => expr, options: { ...(options ?? {}) }, method, yTrue, yPred, ...(call?.inputs ? { inputs: call.inputs } : {}), expect: 'valid', level: expr.level, oracles: ['vag'] });
    }
    case 'defineEntry': {
      const entry = r.pick([{}, { id: 'x' }, { id: 'x', name: 'X', package: 'p', export: 'e', category: 'c', summary: 's', formula: 'f', inputs: 'i', example: 'e', params: null }, null]);
      return {
        fn: 'defineEntry',
        expect: 'invalid',
        why: 'catalog entry with missing fields',
        finite: false,
        repro: { call: 'defineEntry(entry)', entry },
        run: () => core.defineEntry(entry),
      };
    }
    case 'maskedRowReduce': {
      const B = r.int(1, 4);
      const vm = r.valueMode();
      const x = r.matrix(B, B, vm.mode, vm.scale);
      const mask = r.matrix(B, B, 'ties', 1).map((row) => row.map((v) => (v > 0 ? 1 : 0)));
      const how = r.pick(['mean', 'sum', 'max', 'min', 'logSumExp', 'median']);
      const want = x.map((row, i) => {
        const sel = row.filter((_, j) => mask[i][j] !== 0);
        if (sel.length === 0) return 0;
        if (how === 'mean') return sel.reduce((a, v) => a + v, 0) / sel.length;
        if (how === 'sum') return sel.reduce((a, v) => a + v, 0);
        if (how === 'max') return Math.max(...sel);
        if (how === 'min') return Math.min(...sel);
        return ref.lse(sel);
      });
      return {
        fn: 'maskedRowReduce',
        expect: how === 'median' ? 'invalid' : 'any',
        why: 'unknown reduction',
        finite: false,
        repro: { call: `maskedRowReduce(tensor(x), tensor(mask), '${how}')`, x, mask },
        prepare: () => ({ x: tf.tensor2d(x), mask: tf.tensor2d(mask) }),
        run: ({ x: xt, mask: mt }) => core.maskedRowReduce(xt, mt, how),
        check: (out) => {
          if (!want.every((v) => Number.isFinite(v) && Math.abs(v) < 1e37)) return undefined;
          const mag = Math.max(1, ...x.flat().map(Math.abs));
          const msg = ref.allClose(Array.from(out.dataSync()), want, { rtol: 1e-4, atol: 1e-5, mag: how === 'sum' || how === 'mean' ? mag * B : 0 });
          return msg ? { category: 'wrong value', kind: 'maskedRowReduce vs reference', message: `${how}: ${msg}` } : undefined;
        },
      };
    }
    case 'neuralSort': {
      const B = r.int(1, 3);
      const n = r.int(1, 6);
      const s = r.matrix(B, n, 'normal', r.pick([0.1, 1, 10]));
      const tau = r.pick([0.01, 0.1, 1, 10, 0, -1, NaN]);
      const valid = tau > 0;
      return {
        fn: 'neuralSortTensor',
        expect: valid ? 'valid' : 'invalid',
        why: `tau ${tau}`,
        codes: ['INVALID_PARAMETER'],
        repro: { call: `neuralSortTensor(tensor2d(scores), ${tau})`, scores: s },
        prepare: () => ({ s: tf.tensor2d(s) }),
        run: ({ s: t }) => core.neuralSortTensor(t, tau),
        check: (out) => {
          const v = Array.from(out.dataSync());
          // Rows of a relaxed permutation matrix are distributions.
          for (let i = 0; i < v.length / n; i++) {
            const sum = v.slice(i * n, (i + 1) * n).reduce((a, x) => a + x, 0);
            if (Math.abs(sum - 1) > 1e-3) return { category: 'wrong value', kind: 'neuralSort rows are not distributions', message: `row ${i} sums to ${sum}` };
          }
          return undefined;
        },
      };
    }
    default:
      return {
        fn: 'ready({ backend })',
        expect: 'invalid',
        why: 'unknown backend',
        codes: ['INVALID_ARGUMENT'],
        finite: false,
        repro: { call: "await ready({ backend: 'tpu' })" },
        run: () => core.ready({ backend: 'tpu' }),
      };
  }
}

/** Sparsemax (Martins & Astudillo 2016): Euclidean projection of z onto the simplex. */
function sparsemaxRef(z0) {
  // Shift-invariant: work on z − max z so 1 + k·z_(k) > Σ z_(j) is not lost to rounding at large magnitudes.
  const mx = Math.max(...z0);
  const z = z0.map((v) => v - mx);
  const s = [...z].sort((a, b) => b - a);
  let cum = 0;
  let k = 0;
  let kSum = 0;
  s.forEach((v, i) => {
    cum += v;
    if (1 + (i + 1) * v > cum) {
      k = i + 1;
      kSum = cum;
    }
  });
  const tau = (kSum - 1) / k;
  return z.map((v) => Math.max(v - tau, 0));
}
