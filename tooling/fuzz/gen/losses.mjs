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
const SHAPE_PARAMS = new Set(['classes', 'bins', 'samples', 'contextSize', 'min', 'max', 'tokenIds', 'values', 'classCounts', 'priors', 'prior', 'classWeights', 'bagSize']);
const INTEGER_PARAMS = new Set(['samples', 'bins', 'classes', 'contextSize', 'k', 'sinkhorn', 'seed', 'epoch', 'bagSize', 'n']);
/** Entries whose value is random by design (a fresh draw per evaluation): no consistency oracles. */
const RANDOM_BY_DESIGN = new Set(['ens-loss']);

/** A random value for a catalog parameter: in range (valid) or out of range (invalid). */
function paramValue(r, spec, valid) {
  if (SHAPE_PARAMS.has(spec.name)) return undefined;
  if (INTEGER_PARAMS.has(spec.name) && spec.range && typeof spec.range === 'object') {
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
  const tunable = entry.params.filter((p) => paramValue(r, p, true) !== undefined);
  for (const p of tunable) if (r.bool(0.35)) newOpts[p.name] = paramValue(r, p, true);
  if (invalidParam && tunable.length > 0) {
    const p = r.pick(tunable);
    const v = paramValue(r, p, false);
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
  if (entry.id === 'multi-sample' && Array.isArray(yTrue) && !Array.isArray(yTrue[0])) {
    const m = newOpts.samples ?? 8;
    yTrue = yTrue.map((y) => y % Math.max(1, Math.floor(C / m)));
  }
  let yPred = gen(yPred0, 'yPred');
  let inputs = call0?.inputs ? Object.fromEntries(Object.entries(call0.inputs).map(([k, v]) => [k, gen(v, 'input')])) : undefined;
  // HL-Gauss / two-hot: scalar targets inside the support [min, max] (outside it is not valid input).
  if ((entry.id === 'hl-gauss' || entry.id === 'two-hot') && inputs?.value) {
    const lo = newOpts.min ?? 0;
    const hi = newOpts.max ?? 1;
    inputs = { ...inputs, value: inputs.value.map(() => Math.fround(lo + (hi - lo) * r.float())) };
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
      yTrue = poke(yTrue, [r.int(0, B - 1)], r.badLabel(C));
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
  const validateOff = options.validate === false;
  let expect = 'valid';
  let why;
  if (badName) {
    expect = 'invalid';
    why = `hyperparameter out of the catalog range: ${badName}`;
  } else if (badData) {
    expect = validateOff ? 'any' : 'invalid';
    why = badData;
  } else if (!moderate || (C === 1 && !fixed) || B < 1) expect = 'any';
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
    codes: badName ? ['INVALID_PARAMETER', 'INVALID_ARGUMENT'] : badData === 'bad label' ? ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL', 'NON_FINITE_INPUT'] : ['NON_FINITE_INPUT'],
    level,
    ...(force.large && SLOW_AT_SIZE[entry.id] ? { timeoutMs: SLOW_AT_SIZE[entry.id] } : {}),
    oracles: expect === 'invalid' || RANDOM_BY_DESIGN.has(entry.id) ? [] : [...new Set(['fusion', ...pickOracles(r)])],
  });
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
      const valid = max > min && Number.isInteger(bins) && bins >= 2 && values.every((v) => Number.isFinite(v));
      const which = r.pick(['hlGaussTargets', 'twoHotTargets', 'binCenters']);
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
  ];
  const it = r.pick(items);
  return {
    fn: it.fn,
    expect: it.valid ? (it.any ? 'any' : 'valid') : 'invalid',
    why: 'invalid helper argument',
    codes: ['INVALID_PARAMETER', 'INVALID_ARGUMENT'],
    repro: { call: it.fn, ...it.repro },
    run: () => it.run(),
    check: it.check,
    finite: !!it.valid,
  };
}
