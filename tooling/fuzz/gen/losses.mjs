// @losskit/losses: every catalog entry, driven by its own example (see lib/examples.mjs): the builder with random
// in-range or out-of-range hyperparameters, compiled with random options, called on fresh data of the example's
// kinds (new batch size, new class count unless the hyperparameters fix it), with the consistency oracles; plus
// bad data (NaN, bad labels, C = 1) and the helper exports that are not catalog entries.
import { compiledCase } from '../lib/compiled.mjs';
import { exampleRecipe, kindOf, valuesOf } from '../lib/examples.mjs';
import { poke, randomIndex, shapeOf } from '../lib/rand.mjs';
import { compileOptions, pickMethod, pickOracles } from './common.mjs';

let cache;
function recipes(lib) {
  if (cache) return cache;
  cache = [];
  for (const entry of lib.losses.catalog) {
    // Tensor functions and procedures (no dsl: ctc, eisl, mixup, s3ftTarget) have their own generators.
    if (entry.dsl === undefined) continue;
    try {
      const recipe = exampleRecipe(entry, { core: lib.core, pkg: lib.losses, tf: lib.tf });
      const base = recipe.run();
      if (base.compiles.length === 0 || base.calls.length === 0) continue;
      cache.push({ entry, recipe, base });
    } catch {
      // An example that does not run is reported by the catalog's own tests; nothing to fuzz from it.
    }
  }
  return cache;
}

/** Parameters that fix the data's shape (left as in the example) and parameters that are counts (integers). */
const SHAPE_PARAMS = new Set(['classes', 'bins', 'samples', 'contextSize', 'min', 'max', 'tokenIds', 'values', 'classCounts', 'priors', 'prior', 'classWeights', 'bagSize', 'groups']);
const INTEGER_PARAMS = new Set(['samples', 'bins', 'classes', 'contextSize', 'k', 'sinkhorn', 'seed', 'epoch', 'bagSize', 'n']);
/** Entries whose value is random by design (a fresh draw per evaluation): no consistency oracles. */
const RANDOM_BY_DESIGN = new Set(['ens-loss']);
/** Entries whose extra inputs are sized by the class count (a classifier weight [C, D], a bank [C, C, D]): C stays. */
const CLASS_SIZED_INPUTS = new Set(['rationale-invariance']);

/** A random value for a catalog parameter: in range (valid) or out of range (invalid). */
/** Parameters named like an integer one that are real numbers in their entry (harmonic loss: n is a real exponent). */
const REAL_PARAMS = new Set(['harmonic:n']);

function paramValue(r, spec, valid, entryId = '') {
  if (SHAPE_PARAMS.has(spec.name)) return undefined;
  if (INTEGER_PARAMS.has(spec.name) && !REAL_PARAMS.has(`${entryId}:${spec.name}`) && spec.range && typeof spec.range === 'object') {
    const lo = Math.ceil((spec.range.min ?? 0) + (spec.range.minExclusive ? 1e-9 : 0));
    return valid ? lo + r.pick([0, 0, 1, 2, 5]) : r.pick([lo - 1, lo + 0.5, NaN, Infinity]);
  }
  const range = spec.range;
  if (range && typeof range === 'object') {
    const { min, max, minExclusive, maxExclusive } = range;
    if (valid) {
      if (min !== undefined && max !== undefined) {
        const ends = [];
        if (!minExclusive) ends.push(min);
        if (!maxExclusive) ends.push(max);
        if (ends.length && r.bool(0.25)) return r.pick(ends);
        return min + (max - min) * r.float(0.01, 0.99);
      }
      if (min !== undefined) return minExclusive || r.bool(0.8) ? min + r.pick([1e-3, 0.1, 0.5, 1, 2, 5, 30]) : min;
      if (max !== undefined) return max - r.pick([0.1, 1, 10]) - (maxExclusive ? 1e-3 : 0);
      return r.normal();
    }
    const bad = [NaN, Infinity, -Infinity, '1'];
    if (min !== undefined) bad.push(minExclusive ? min : min - r.pick([1e-3, 1, 100]));
    if (max !== undefined) bad.push(maxExclusive ? max : max + r.pick([1e-3, 0.5, 100]));
    return r.pick(bad);
  }
  if (typeof range === 'string') {
    const options = [...range.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    if (options.length > 0) return valid ? r.pick(options) : r.pick(['bogus', '', 42]);
  }
  if (typeof spec.default === 'boolean') return valid ? r.bool() : 'yes';
  return undefined;
}

function fixedClasses(base, entry) {
  const args = base.args ?? [];
  if (args.some((a) => Array.isArray(a) || (a && typeof a === 'object' && Object.values(a).some(Array.isArray)))) return true;
  if (args.some((a) => a && typeof a === 'object' && ['classes', 'bins', 'samples', 'contextSize', 'tokenIds', 'classCounts'].some((k) => k in a))) return true;
  if (entry.params.some((p) => ['classes', 'bins', 'samples', 'contextSize'].includes(p.name))) return true;
  if (CLASS_SIZED_INPUTS.has(entry.id)) return true;
  const pred = base.calls[0][1];
  return shapeOf(pred).at(-1) === 1;
}

export function generate(r, lib) {
  const kind = r.weighted({ catalog: 85, helper: 15 });
  if (kind === 'helper') return helperCase(r, lib);
  return catalogCase(r, lib);
}

/** Number of cost probes: one per catalog entry (see {@link probe}). */
export function probeCount(lib) {
  return recipes(lib).length;
}

/**
 * Cost probe `i`: catalog entry `i` at a large size ([29–32, 268–300] unless its hyperparameters fix C), with its
 * gradient. Every run starts with these, so every entry's cost at size is bounded in every run (a call over the
 * soft limit is a hang; one that kills the WASM runtime is a crash).
 */
export function probe(r, lib, i) {
  return catalogCase(r, lib, { entry: recipes(lib)[i], large: true });
}

/**
 * Entries whose cost at the probe size is inherently above the 5 s soft limit on a loaded 2-core machine, with their
 * budget. neural-ndcg: NeuralSort `[B, n, n]` plus 50 Sinkhorn rounds, i.e. about 300 batched mat-vecs over the
 * `[29–32, 268–300, 268–300]` matrix forward and backward (9–23 s measured with the load average at 10 on 2 cores).
 */
const SLOW_AT_SIZE = { 'neural-ndcg': 30_000 };

function catalogCase(r, lib, force = {}) {
  const all = recipes(lib);
  const { entry, recipe, base } = force.entry ?? r.pick(all);
  const [yTrue0, yPred0, call0] = base.calls[0];
  const options0 = base.compiles[0].options ?? {};
  const from = options0.from ?? 'logits';

  // Hyperparameters: the example's, some replaced by random in-range values, or one made invalid.
  const args0 = base.args ?? [];
  const objIndex = args0.findIndex((a) => a && typeof a === 'object' && !Array.isArray(a) && !(a.key && a.op));
  const opts0 = objIndex >= 0 ? args0[objIndex] : {};
  const newOpts = { ...opts0 };
  const invalidParam = !force.large && r.bool(0.15);
  let badName;
  let edge = false;
  const tunable = entry.params.filter((p) => paramValue(r, p, true, entry.id) !== undefined);
  for (const p of tunable) {
    if (!r.bool(0.35)) continue;
    newOpts[p.name] = paramValue(r, p, true, entry.id);
    // Within 1e-3 of an open end of its range (e.g. a p-norm with p = 0.001): the true value may overflow float32.
    const rg = p.range;
    if (rg && typeof rg === 'object' && typeof newOpts[p.name] === 'number' && ((rg.minExclusive && Math.abs(newOpts[p.name] - rg.min) <= 1e-3) || (rg.maxExclusive && Math.abs(newOpts[p.name] - rg.max) <= 1e-3))) edge = true;
  }
  if (invalidParam && tunable.length > 0) {
    const p = r.pick(tunable);
    const v = paramValue(r, p, false, entry.id);
    if (v !== undefined) {
      newOpts[p.name] = v;
      badName = `${p.name} = ${String(v)} (range ${JSON.stringify(p.range ?? p.default)})`;
    }
  }
  const newArgs = objIndex >= 0 ? args0.map((a, i) => (i === objIndex ? newOpts : a)) : Object.keys(newOpts).length ? [...args0, newOpts] : args0;
  // Hyperparameters can change the level (e.g. masked({ normalize: true }) is batch-level): build once to read it.
  let level = base.compiles[0].expr.level;
  try {
    level = recipe.run(() => newArgs).compiles[0].expr.level;
  } catch {
    // an invalid hyperparameter: the call under test reports it
  }

  // Data: new batch size; new class count unless the hyperparameters fix it.
  const sp = shapeOf(yPred0);
  const B0 = sp[0];
  const C0 = sp.at(-1);
  const fixed = fixedClasses(base, entry);
  // Mostly small; now and then a wide batch (the cost of a call must stay bounded at any size).
  const wide = r.bool(0.04);
  const B = force.large ? r.int(29, 32) : wide ? r.int(8, 32) : r.batch();
  const C = fixed ? C0 : force.large ? r.int(268, 300) : wide ? r.int(16, 300) : r.classes({ min: 1 });
  const moderate = force.large || r.bool(0.75);
  const vm = r.valueMode({ moderate });
  const mapShape = (s) => s.map((d, i) => (i === 0 && d === B0 ? B : i === s.length - 1 && i > 0 && d === C0 ? C : d));
  const gen = (x, role) => {
    const k = kindOf(x);
    let kind = k.kind;
    if (role === 'yPred') {
      // Scores and logits are any reals; other predictions (rates, distances, probabilities) keep their kind.
      if (from === 'logits' && /logit|score/i.test(entry.inputs) && ['count', 'int', 'binary', 'onehot', 'unit', 'dist', 'real', 'logdist'].includes(kind)) kind = 'real';
      else if (kind === 'count' || kind === 'int') kind = 'positive';
      if (from === 'probs' && (kind === 'onehot' || kind === 'binary')) kind = 'dist';
    }
    const shape = mapShape(k.shape);
    if (kind === 'dist' && shape.length === 2 && shape[1] === 1) kind = 'unit';
    return valuesOf(r, kind, shape, { C: role === 'yTrue' ? C : undefined, mode: vm.mode, scale: vm.scale, max: k.max });
  };
  let yTrue = gen(yTrue0, 'yTrue');
  // multiSample: yPred holds M heads side by side, so labels index the C/M classes of one head.
  let headLabels;
  if (entry.id === 'multi-sample' && Array.isArray(yTrue) && !Array.isArray(yTrue[0])) {
    const m = newOpts.samples ?? 8;
    const perHead = Math.max(1, Math.floor(C / m));
    // Mostly labels of one head; otherwise labels up to C, which are out of range when they pass one head's classes.
    if (r.bool(0.8)) yTrue = yTrue.map((y) => y % perHead);
    else if (yTrue.some((y) => y >= perHead)) headLabels = `a label beyond one head's ${perHead} classes`;
  }
  let yPred = gen(yPred0, 'yPred');
  let inputs = call0?.inputs ? Object.fromEntries(Object.entries(call0.inputs).map(([k, v]) => [k, gen(v, 'input')])) : undefined;
  // HL-Gauss / two-hot: scalar targets inside the support [min, max] (outside it is not valid input).
  if ((entry.id === 'hl-gauss' || entry.id === 'two-hot') && inputs?.value) {
    const lo = newOpts.min ?? 0;
    const hi = newOpts.max ?? 1;
    inputs = { ...inputs, value: inputs.value.map(() => Math.fround(lo + (hi - lo) * r.float())) };
  }
  // Bures-Wasserstein reads two covariance matrices: symmetric positive (semi)definite [d, d], A Aᵀ (+ a ridge).
  if (entry.id === 'bures-wasserstein') {
    const d = force.large ? r.int(20, 24) : r.int(1, 5);
    yTrue = spd(r, d);
    yPred = spd(r, d);
  }
  // poissonNLL({ logInput: false }) reads rates: positive predictions (the example's are log-rates).
  if (entry.id === 'poisson-nll' && newOpts.logInput === false) yPred = JSON.parse(JSON.stringify(yPred), (_k, v) => (typeof v === 'number' ? Math.fround(Math.abs(v) + 0.05) : v));
  const method = force.large ? 'valueAndGrad' : level === 'batch' ? r.pick(['call', 'valueAndGrad', 'parts']) : pickMethod(r);
  const options = { ...compileOptions(r, { from, method }), ...options0 };
  if (options0.reduction && r.bool(0.5)) options.reduction = compileOptions(r, { from, method }).reduction ?? 'mean';
  if (level === 'batch' && options.reduction === 'none') delete options.reduction;
  const sampleWeight = level === 'sample' && r.bool(0.15) ? r.weights(B) : undefined;

  // Bad data, sometimes.
  let badData;
  if (!force.large && r.bool(0.12)) {
    const which = r.pick(['yPred', 'yTrue', ...(inputs ? Object.keys(inputs) : [])]);
    if (which === 'yTrue' && shapeOf(yTrue).length === 1 && Number.isInteger(yTrue[0])) {
      // Labels of embeddings are any integers (compile checks only that): there only a non-integer label is bad.
      yTrue = poke(yTrue, [r.int(0, B - 1)], from === 'embeddings' ? r.pick([0.5, 1.5, NaN, Infinity, -Infinity]) : r.badLabel(C));
      badData = 'bad label';
    } else if (which === 'yPred') {
      yPred = poke(yPred, randomIndex(r, shapeOf(yPred)), r.nonFinite());
      badData = 'non-finite yPred';
    } else if (which === 'yTrue') {
      yTrue = poke(yTrue, randomIndex(r, shapeOf(yTrue)), r.nonFinite());
      badData = 'non-finite yTrue';
    } else {
      inputs = { ...inputs, [which]: poke(inputs[which], randomIndex(r, shapeOf(inputs[which])), r.nonFinite()) };
      badData = `non-finite inputs.${which}`;
    }
  }
  // wdr reads the spread of each weight input: all-equal weights have no skewness or kurtosis (0/0), a typed error.
  if (!badData && entry.id === 'wdr' && inputs && Object.values(inputs).some((w) => new Set([w].flat(3)).size < 2)) badData = 'constant weight input (moments 0/0)';
  const validateOff = options.validate === false;
  let expect = 'valid';
  let why;
  if (badName) {
    expect = 'invalid';
    why = `hyperparameter out of the catalog range: ${badName}`;
  } else if (badData) {
    expect = validateOff ? 'any' : 'invalid';
    why = badData;
  } else if (headLabels) {
    expect = 'invalid';
    why = headLabels;
  } else if (!moderate || (C === 1 && !fixed) || B < 1) expect = 'any';
  // Without validation a value that overflows at the edge of a hyperparameter's range comes back non-finite, by design.
  else if (edge && validateOff) expect = 'any';
  // Probabilities exactly 0 or 1: many losses are not differentiable there (infinite derivative of p^q, log p), and
  // the consistency oracle takes the gradient too.
  else if (from === 'probs' && [yPred].flat(3).some((v) => v === 0 || v === 1)) expect = 'any';
  // optax's cosine distance with ε = 0 (its default) is undefined at a zero vector: NON_FINITE_OUTPUT is the documented answer.
  else if (/cosine/.test(entry.id) && !(newOpts.epsilon > 0) && [yTrue, yPred].some((m) => Array.isArray(m[0]) && m.some((row) => row.every((v) => v === 0)))) expect = 'any';
  // An Lp "distance" with p < 1 is (Σ|x|^p)^(1/p): at p = 0.001 that is D^1000, beyond float64 for D ≥ 3.
  else if (typeof newOpts.p === 'number' && newOpts.p < 0.5) expect = 'any';

  const argsCode = JSON.stringify(newArgs, (_k, v) => (v && typeof v === 'object' && v.key && v.op ? `<${v.toString()}>` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  return compiledCase(lib, {
    fn: `${entry.export} (${entry.id})${force.large ? ' at size' : ''}`,
    code: `${entry.export}(...${argsCode}) in: ${base.compiles[0].expr.toString().slice(0, 80)}`,
    build: () => {
      const rec = recipe.run(() => newArgs);
      return rec.compiles[0].expr;
    },
    options,
    method,
    yTrue,
    yPred,
    sampleWeight,
    inputs,
    tensors: r.bool(0.4) ? { yPred: 'float32', yTrue: 'float32', sampleWeight: 'float32', inputs: 'float32' } : {},
    expect,
    why,
    codes: badName ? ['INVALID_PARAMETER', 'INVALID_ARGUMENT'] : badData === 'bad label' || headLabels ? ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT'] : badData?.startsWith('constant') ? ['INVALID_ARGUMENT', 'NON_FINITE_INPUT'] : ['NON_FINITE_INPUT'],
    level,
    ...(force.large && SLOW_AT_SIZE[entry.id] ? { timeoutMs: SLOW_AT_SIZE[entry.id] } : {}),
    oracles: expect === 'invalid' || RANDOM_BY_DESIGN.has(entry.id) ? [] : [...new Set(['fusion', ...pickOracles(r)])],
  });
}

/** A symmetric PSD float32 matrix A Aᵀ (+ a ridge half the time), symmetric to the bit. */
function spd(r, d) {
  const a = r.matrix(d, r.int(1, d + 1), 'normal', r.pick([1, 3]));
  const ridge = r.bool() ? 0.1 : 0;
  const m = Array.from({ length: d }, () => new Array(d).fill(0));
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) m[i][j] = m[j][i] = Math.fround(a[i].reduce((acc, v, k) => acc + v * a[j][k], 0) + (i === j ? ridge : 0));
  return m;
}

// ── exports that are not catalog entries ─────────────────────────────────────

function helperCase(r, lib) {
  const L = lib.losses;
  const counts = r.pick([[500, 50, 5], [1, 1], [0, 3], [-1, 2], [NaN, 2], [], [1e9, 1], 'abc']);
  const countsOk = Array.isArray(counts) && counts.length > 0 && counts.every((n) => Number.isFinite(n) && n >= 1);
  const items = [
    (() => { const beta = r.pick([0.9, 0.9999, 0]); return { fn: 'classBalancedWeights', valid: countsOk, run: () => L.classBalancedWeights({ classCounts: counts, beta }), repro: { classCounts: counts, beta } }; })(),
    { fn: 'ldamMargins', valid: countsOk, run: () => L.ldamMargins(counts, 0.5), repro: { classCounts: counts } },
    (() => { const epoch = r.pick([0, 170, 200]); return { fn: 'drwWeights', valid: countsOk, run: () => L.drwWeights({ classCounts: counts, epoch }), repro: { classCounts: counts, epoch } }; })(),
    (() => {
      const min = r.pick([0, -1, 5]);
      const max = min + r.pick([4, 0, -1, 1e-30]);
      const bins = r.pick([4, 2, 1, 0, 2.5]);
      const values = Array.from({ length: r.int(0, 3) }, () => r.pick([min, max, (min + max) / 2, min - 1, max + 10, NaN]));
      const which = r.pick(['hlGaussTargets', 'twoHotTargets', 'binCenters']);
      // binCenters takes no values: only the range and the bin count decide.
      const valid = max > min && Number.isInteger(bins) && bins >= 2 && (which === 'binCenters' || values.every((v) => Number.isFinite(v)));
      return {
        fn: which,
        valid,
        run: () => (which === 'binCenters' ? L.binCenters({ min, max, bins }) : L[which](values, { min, max, bins })),
        repro: { values, min, max, bins },
        check: (out) => {
          if (which === 'binCenters' || !valid) return undefined;
          const bad = out.findIndex((row) => Math.abs(row.reduce((a, b) => a + b, 0) - 1) > 1e-6);
          return bad >= 0 ? { category: 'wrong value', kind: `${which} rows do not sum to 1`, message: `row ${bad} sums to ${out[bad].reduce((a, b) => a + b, 0)} for value ${values[bad]}` } : undefined;
        },
      };
    })(),
    (() => {
      const z = r.matrix(r.int(1, 3), r.int(1, 4), 'normal', 2);
      const lambda0 = r.pick([1, 0.5, 0, -1]);
      // One class (C = 1): a finite value or a typed error (issue #17), never a silent NaN.
      return { fn: 'aldrLambdas', valid: lambda0 > 0, any: z[0].length === 1, run: () => L.aldrLambdas(z, { lambda0, alpha: 1 }), repro: { logits: z, lambda0 } };
    })(),
    (() => { const s = r.pick(['pixel', 42]); return { fn: 'checkScope', valid: false, run: () => L.checkScope(s), repro: { scope: s } }; })(),
    (() => { const d = r.pick([0, -1, NaN]); return { fn: 'huberTerm', valid: false, run: () => L.huberTerm({ delta: d }), repro: { delta: d } }; })(),
    (() => { const d = r.pick(['hellinger', '', null]); return { fn: 'fDivergence({ divergence })', valid: false, run: () => L.fDivergence({ divergence: d }), repro: { divergence: d } }; })(),
    (() => { const t = r.pick([0, -1, NaN]); return { fn: 'neuralNdcg({ tau })', valid: false, run: () => L.neuralNdcg({ tau: t }), repro: { tau: t } }; })(),
    ...seedHelpers(r, lib),
  ];
  const it = r.pick(items);
  return {
    fn: it.fn,
    prepare: it.prepare,
    expect: it.valid ? (it.any ? 'any' : 'valid') : 'invalid',
    why: 'invalid helper argument',
    codes: it.codes ?? ['INVALID_PARAMETER', 'INVALID_ARGUMENT'],
    repro: { call: it.fn, ...it.repro },
    run: (inputs) => it.run(inputs),
    check: it.check,
    finite: !!it.valid,
  };
}

// ── helpers of the seed papers (issue #25 part A): group DRO, MixBag, rationale bank, IGNITE ────────────────

const close = (a, b, tol = 1e-5) => Math.abs(a - b) <= tol * (1 + Math.abs(b));

function seedHelpers(r, lib) {
  const L = lib.losses;
  const tf = lib.tf;
  const groups = r.pick([3, 1, 2, 0, -1, 2.5, NaN]);
  const groupsOk = Number.isInteger(groups) && groups >= 1;
  return [
    {
      fn: 'groupDroInit',
      valid: groupsOk,
      run: () => L.groupDroInit(groups),
      repro: { groups },
      check: (q) => (q.length === groups && close(q.reduce((a, b) => a + b, 0), 1, 1e-12) ? undefined : { category: 'wrong value', kind: 'groupDroInit is not uniform', message: JSON.stringify(q) }),
    },
    (() => {
      // q ← q·exp(η(ℓ̄_g + C/√n_g)) / Σ, ℓ̄_g the batch mean of group g (0 when absent): float64 reference.
      const G = r.int(1, 4);
      const B = r.int(1, 6);
      let q = Array.from({ length: G }, () => r.float(0.05, 1));
      const s = q.reduce((a, b) => a + b, 0);
      q = q.map((v) => v / s);
      let losses = Array.from({ length: B }, () => r.pick([r.float(0, 3), r.float(0, 1e4), 0]));
      let ids = Array.from({ length: B }, () => r.int(0, G - 1));
      const stepSize = r.pick([0.01, 1, 0.5]);
      const adjustment = r.pick([0, 0, 1]);
      const groupCounts = Array.from({ length: G }, () => r.int(1, 100));
      let bad;
      const which = r.pick(['ok', 'ok', 'ok', 'label', 'loss', 'weights', 'step']);
      if (which === 'label') { ids = poke(ids, [r.int(0, B - 1)], r.badLabel(G)); bad = 'bad group id'; }
      else if (which === 'loss') { losses = poke(losses, [r.int(0, B - 1)], r.nonFinite()); bad = 'non-finite loss'; }
      else if (which === 'weights') { q = poke(q, [r.int(0, G - 1)], r.pick([-0.5, 2, NaN])); bad = 'weights not in [0, 1]'; }
      const eta = which === 'step' ? r.pick([0, -1, NaN]) : stepSize;
      if (which === 'step') bad = 'stepSize <= 0';
      return {
        fn: 'groupDroUpdate',
        valid: !bad,
        // The code that names each kind of bad input (a non-finite loss is NON_FINITE_INPUT, as everywhere).
        codes: which === 'label' ? ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT', 'INVALID_ARGUMENT'] : which === 'loss' ? ['NON_FINITE_INPUT'] : ['INVALID_PARAMETER', 'INVALID_ARGUMENT', 'NON_FINITE_INPUT'],
        run: () => L.groupDroUpdate(q, losses, ids, { stepSize: eta, adjustment, groupCounts }),
        repro: { weights: q, perSample: losses, group: ids, stepSize: eta, adjustment, groupCounts },
        check: (out) => {
          if (bad) return undefined;
          const sum = new Array(G).fill(0);
          const n = new Array(G).fill(0);
          ids.forEach((g, i) => { sum[g] += losses[i]; n[g] += 1; });
          const mean = sum.map((v, g) => (n[g] ? v / n[g] : 0));
          const a = q.map((v, g) => Math.log(v) + eta * (mean[g] + adjustment / Math.sqrt(groupCounts[g])));
          const m = Math.max(...a);
          const z = a.reduce((acc, v) => acc + Math.exp(v - m), 0);
          const ref = a.map((v) => Math.exp(v - m) / z);
          const k = ref.findIndex((v, g) => !close(out.weights[g], v) || !close(out.groupLosses[g], mean[g]));
          return k >= 0 ? { category: 'wrong value', kind: 'groupDroUpdate differs from the float64 reference', message: `group ${k}: weights ${out.weights[k]} vs ${ref[k]}, mean loss ${out.groupLosses[k]} vs ${mean[k]}` } : undefined;
        },
      };
    })(),
    (() => {
      // MixBag: n₁ + n₂ = k distinct indices, p̂ = (n₁p₁ + n₂p₂)/k, lower ≤ p̂ ≤ upper.
      const k = r.pick([8, 2, 5, 1, 0, 3.5]);
      const C = r.int(1, 4);
      const dist = () => { const v = Array.from({ length: C }, () => r.float(0, 1)); const s = v.reduce((a, b) => a + b, 0) || 1; return v.map((x) => x / s); };
      let p1 = dist();
      const p2 = dist();
      const sampling = r.pick(['uniform', 'half', 'gauss', 'bogus']);
      if (r.bool(0.1)) p1 = poke(p1, [0], r.pick([-0.1, 1.5, NaN]));
      const sumOk = (p) => p.every((v) => v >= 0 && v <= 1) && Math.abs(p.reduce((a, b) => a + b, 0) - 1) <= 1e-3;
      const valid = Number.isInteger(k) && k >= 2 && sampling !== 'bogus' && sumOk(p1) && (C > 1 || Math.abs(p1[0] - 1) <= 1e-3);
      const seed = r.int(0, 1000);
      return {
        fn: 'mixBag',
        valid,
        run: () => L.mixBag({ size: k, proportion: p1 }, { size: k, proportion: p2 }, { sampling, seed }),
        repro: { size: k, first: p1, second: p2, sampling, seed },
        check: (out) => {
          if (!valid) return undefined;
          const n1 = out.fromFirst.length;
          const n2 = out.fromSecond.length;
          const distinct = (xs) => new Set(xs).size === xs.length && xs.every((i) => Number.isInteger(i) && i >= 0 && i < k);
          const total = sampling === 'half' ? 2 * Math.floor(k / 2) : k; // 'half': ⌊k/2⌋ from each bag (the authors')
          if (n1 + n2 !== total || n1 < 1 || n2 < 1 || !distinct(out.fromFirst) || !distinct(out.fromSecond)) return { category: 'wrong value', kind: 'mixBag indices', message: JSON.stringify(out) };
          const bad = p1.findIndex((v, c) => !close(out.proportion[c], (n1 * v + n2 * p2[c]) / (n1 + n2), 1e-12) || out.lower[c] > out.proportion[c] || out.upper[c] < out.proportion[c]);
          return bad >= 0 ? { category: 'wrong value', kind: 'mixBag proportion or interval', message: `class ${bad}: ${JSON.stringify(out)}` } : undefined;
        },
      };
    })(),
    (() => {
      // Rationale bank: a first update stores W ⊙ mean_{i∈c} h_i for each class present.
      const C = r.int(1, 3);
      const D = r.int(1, 3);
      const B = r.int(1, 5);
      let h = r.matrix(B, D, 'normal', 2);
      const W = r.matrix(C, D, 'normal', 1);
      let y = Array.from({ length: B }, () => r.int(0, C - 1));
      const momentum = r.pick([0.5, 1, 0.1, 0, 1.5]);
      let bad = !(momentum > 0 && momentum <= 1);
      const codes = bad ? ['INVALID_PARAMETER', 'INVALID_ARGUMENT'] : [];
      if (r.bool(0.1)) { y = poke(y, [r.int(0, B - 1)], r.badLabel(C)); bad = true; codes.push('LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT', 'INVALID_ARGUMENT'); }
      if (r.bool(0.1)) { h = poke(h, [r.int(0, B - 1), r.int(0, D - 1)], r.nonFinite()); bad = true; codes.push('NON_FINITE_INPUT'); }
      return {
        fn: 'rationaleBankUpdate',
        valid: !bad,
        codes,
        prepare: () => ({ state: L.rationaleBankInit(C, D) }),
        run: (inputs) => L.rationaleBankUpdate(inputs.state, h, W, y, { momentum }),
        repro: { classes: C, dim: D, features: h, weight: W, labels: y, momentum },
        check: (out) => {
          if (bad) return undefined;
          const bank = out.bank.arraySync();
          for (let c = 0; c < C; c++) {
            const rows = y.map((v, i) => (v === c ? i : -1)).filter((i) => i >= 0);
            if (out.seen[c] !== rows.length > 0) return { category: 'wrong value', kind: 'rationale bank seen flags', message: JSON.stringify(out.seen) };
            for (let j = 0; j < C; j++) {
              for (let d = 0; d < D; d++) {
                const mh = rows.length ? rows.reduce((a, i) => a + Math.fround(h[i][d]), 0) / rows.length : 0;
                const ref = rows.length ? Math.fround(W[j][d]) * mh : 0;
                if (!close(bank[c][j][d], ref, 1e-4)) return { category: 'wrong value', kind: 'rationale bank mean', message: `bank[${c}][${j}][${d}] ${bank[c][j][d]} vs ${ref}` };
              }
            }
          }
          return undefined;
        },
      };
    })(),
    (() => {
      // Bures-Wasserstein between commuting (diagonal) covariances: Σ_i (√a_i − √b_i)², the closed form.
      const d = r.int(1, 5);
      const a = Array.from({ length: d }, () => Math.fround(r.pick([r.float(0, 4), 0, r.float(0, 1e4), 1e-6])));
      const b = Array.from({ length: d }, () => Math.fround(r.pick([r.float(0, 4), 0, r.float(0, 1e4)])));
      const diag = (v) => v.map((x, i) => v.map((_y, j) => (i === j ? x : 0)));
      return {
        fn: 'buresWasserstein (diagonal, closed form)',
        valid: true,
        run: () => {
          const t = lib.core.compile(L.buresWasserstein())(diag(a), diag(b));
          const v = t.dataSync()[0];
          t.dispose();
          return v;
        },
        repro: { target: a, predicted: b },
        check: (v) => {
          const ref = a.reduce((acc, x, i) => acc + (Math.sqrt(x) - Math.sqrt(b[i])) ** 2, 0);
          const scale = a.reduce((acc, x, i) => acc + x + b[i], 0);
          return Math.abs(v - ref) <= 1e-5 * (1 + scale) ? undefined : { category: 'wrong value', kind: 'buresWasserstein differs from the diagonal closed form', message: `${v} vs ${ref}` };
        },
      };
    })(),
    (() => {
      // IGNITE on a linear surrogate f = x w: ∇G = mean of x's rows is constant, so the Hessian-vector correction is 0
      // and grads = ∇L = 2/N xᵀ(xw − y); sharpness = ρ‖mean x‖, λ' = λ + η_λ(sharpness − ε).
      const N = r.int(1, 5);
      const D = r.int(1, 3);
      const x = r.matrix(N, D, 'normal', 1);
      const y = Array.from({ length: N }, () => r.normal());
      const w0 = Array.from({ length: D }, () => r.normal());
      const rho = r.pick([0.05, 1, 0, -1]);
      const lambda = r.pick([1e-3, 0.5, NaN]);
      const valid = rho > 0 && Number.isFinite(lambda);
      return {
        fn: 'igniteStep',
        valid,
        prepare: () => ({ w: tf.tensor2d(w0, [D, 1]), x: tf.tensor2d(x), y: tf.tensor2d(y, [N, 1]) }),
        run: ({ w, x: xt, y: yt }) => L.igniteStep({ w }, (p) => tf.mean(tf.square(tf.sub(tf.matMul(xt, p.w), yt))), (p) => tf.matMul(xt, p.w), { lambda }, { rho }),
        repro: { x, y, w: w0, rho, lambda },
        check: (out) => {
          if (!valid) return undefined;
          const f = (v) => Math.fround(v);
          const res = x.map((row, i) => row.reduce((a, v, d) => a + f(v) * f(w0[d]), 0) - f(y[i]));
          const value = res.reduce((a, v) => a + v * v, 0) / N;
          const grad = w0.map((_v, d) => (2 / N) * x.reduce((a, row, i) => a + f(row[d]) * res[i], 0));
          const meanX = w0.map((_v, d) => x.reduce((a, row) => a + f(row[d]), 0) / N);
          const sharp = rho * Math.sqrt(meanX.reduce((a, v) => a + v * v, 0));
          const g = out.grads.w.dataSync();
          const bad = grad.findIndex((v, d) => !close(g[d], v, 1e-3));
          if (!close(out.value.dataSync()[0], value, 1e-4) || bad >= 0 || !close(out.sharpness, sharp, 1e-4) || !close(out.state.lambda, lambda + 1e-3 * (sharp - 0.1), 1e-6)) {
            return { category: 'wrong value', kind: 'igniteStep differs from the float64 reference (linear surrogate)', message: `value ${out.value.dataSync()[0]} vs ${value}, grads ${Array.from(g)} vs ${grad}, sharpness ${out.sharpness} vs ${sharp}` };
          }
          return undefined;
        },
      };
    })(),
    (() => {
      // False Head Rate (LBD model/metric.py): border b = int(C r + 0.5); share of labels >= b predicted below b.
      const C = r.pick([1, 2, 4, 10, 0, 2.5]);
      const okC = Number.isInteger(C) && C >= 1;
      const N = r.int(1, 12);
      let labels = okC ? r.labels(N, C) : [0];
      let predictions = okC ? r.labels(N, C) : [0];
      const rates = r.pick([undefined, [0.5], [0.1, 0.9], [1], [0], [NaN], []]);
      const which = r.pick(['ok', 'ok', 'ok', 'label', 'prediction', 'length']);
      if (which === 'label') labels = poke(labels, [r.int(0, labels.length - 1)], r.badLabel(okC ? C : 1));
      else if (which === 'prediction') predictions = poke(predictions, [r.int(0, predictions.length - 1)], r.badLabel(okC ? C : 1));
      else if (which === 'length') predictions = predictions.slice(1);
      const rs = rates ?? [0.25, 0.5, 0.75];
      const ratesOk = Array.isArray(rs) && rs.length > 0 && rs.every((v) => v > 0 && v < 1);
      const ref = ratesOk && okC ? rs.map((rate) => {
        const b = Math.trunc(C * rate + 0.5);
        const tail = labels.filter((t) => b <= t).length;
        return tail === 0 ? undefined : labels.filter((t, i) => b <= t && predictions[i] < b).length / tail;
      }) : [];
      const valid = okC && ratesOk && which === 'ok' && ref.every((v) => v !== undefined);
      return {
        fn: 'falseHeadRate',
        valid,
        codes: ['INVALID_PARAMETER', 'INVALID_ARGUMENT', 'SHAPE_MISMATCH', 'LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT'],
        run: () => L.falseHeadRate(labels, predictions, { numClasses: C, ...(rates === undefined ? {} : { tailRates: rates }) }),
        repro: { labels, predictions, numClasses: C, tailRates: rates },
        check: (out) => {
          if (!valid) return undefined;
          const bad = ref.findIndex((v, k) => out.rates[k] !== v);
          return bad >= 0 || !close(out.mean, ref.reduce((a, b) => a + b, 0) / ref.length, 1e-12)
            ? { category: 'wrong value', kind: 'falseHeadRate differs from the authors\' FHR', message: `${JSON.stringify(out)} vs ${JSON.stringify(ref)}` }
            : undefined;
        },
      };
    })(),
  ];
}
