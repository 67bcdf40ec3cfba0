// @losskit/optimizers: the first few updates of every optimizer against a float64 simulation written from the
// optax/paper formulas, schedules against their closed forms, bad hyperparameters and mismatched parameter maps,
// step() with non-finite gradients, SAM / MoMo / Gravity / gradient surgery, and a tiny train() run.
import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../lib/ref.mjs';

const f32 = Math.fround;

export function generate(r, lib) {
  const kind = r.weighted({ updates: 40, schedule: 20, invalid: 18, extras: 14, train: 4, stepHelper: 4, seeds: 24 });
  if (kind === 'seeds') return seedsCase(r, lib);
  if (kind === 'updates') return updatesCase(r, lib);
  if (kind === 'schedule') return scheduleCase(r, lib);
  if (kind === 'invalid') return invalidCase(r, lib);
  if (kind === 'extras') return extrasCase(r, lib);
  if (kind === 'train') return trainCase(r, lib);
  return stepHelperCase(r, lib);
}

// ── parameters and gradients ─────────────────────────────────────────────────

function randomShape(r) {
  return r.pick([[], [1], [r.int(1, 5)], [r.int(1, 3), r.int(1, 4)], [r.int(1, 2), r.int(1, 3), r.int(1, 3)]]);
}
const sizeOf = (s) => s.reduce((a, b) => a * b, 1);

function gradValues(r, n, { moderate = true } = {}) {
  const scale = r.pick(moderate ? [1e-6, 1e-3, 0.1, 1, 10, 1e3, 1e6] : [1e15, 1e20, 1e30]);
  const mode = r.weighted({ normal: 6, ties: 2, zeros: 1 });
  return Array.from({ length: n }, () => f32(mode === 'zeros' ? 0 : mode === 'ties' ? r.int(-1, 1) * scale : r.normal() * scale));
}

/** `{ name: { shape, values } }` maps for params and a sequence of gradients of the same layout. */
function layout(r, steps, opts) {
  const names = r.shuffle(['w', 'b', 'dense/kernel', 'emb']).slice(0, r.int(1, 3));
  const shapes = Object.fromEntries(names.map((k) => [k, randomShape(r)]));
  const params = Object.fromEntries(names.map((k) => [k, { shape: shapes[k], values: gradValues(r, sizeOf(shapes[k])) }]));
  const grads = Array.from({ length: steps }, () => Object.fromEntries(names.map((k) => [k, { shape: shapes[k], values: gradValues(r, sizeOf(shapes[k]), opts) }])));
  return { names, shapes, params, grads };
}

const toTensors = (m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, tf.tensor(v.values, v.shape, 'float32')]));
const plain = (m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { shape: v.shape, values: v.values }]));

// ── float64 simulation of the transformations ────────────────────────────────

/** Elementwise transformations: `make(h)` → { init(): state per element, step(g, s, theta, count) → [u, s] }. */
const ELEMENTWISE = {
  sgd: (h) => ({
    init: () => ({ t: 0 }),
    step: (g, s, _th, k) => {
      const lr = h.lr(k);
      if (h.momentum > 0 || h.nesterov) {
        const t = g + h.momentum * s.t;
        return [-lr * (h.nesterov ? g + h.momentum * t : t), { t }];
      }
      return [-lr * g, s];
    },
  }),
  adam: (h) => ({
    init: () => ({ m: 0, v: 0 }),
    step: (g, s, th, k) => {
      const m = h.b1 * s.m + (1 - h.b1) * g;
      const v = h.b2 * s.v + (1 - h.b2) * g * g;
      const mh = m / (1 - h.b1 ** (k + 1));
      const vh = v / (1 - h.b2 ** (k + 1));
      const u = mh / (Math.sqrt(vh + h.epsRoot) + h.eps);
      return [-h.lr(k) * (u + h.wd * th), { m, v }];
    },
  }),
  rmsprop: (h) => ({
    init: () => ({ mu: 0, nu: h.initialScale, t: 0 }),
    step: (g, s, _th, k) => {
      const nu = h.decay * s.nu + (1 - h.decay) * g * g;
      const mu = h.decay * s.mu + (1 - h.decay) * g;
      const u = -h.lr(k) * (h.centered ? g / Math.sqrt(nu - mu * mu + h.eps) : g / Math.sqrt(nu + h.eps));
      if (h.momentum > 0) {
        const t = u + h.momentum * s.t;
        return [h.nesterov ? u + h.momentum * t : t, { mu, nu, t }];
      }
      return [u, { mu, nu, t: 0 }];
    },
  }),
  adagrad: (h) => ({
    init: () => ({ s: h.init }),
    step: (g, st, _th, k) => {
      const s = st.s + g * g;
      return [-h.lr(k) * (s > 0 ? g / Math.sqrt(s + h.eps) : 0), { s }];
    },
  }),
  lion: (h) => ({
    init: () => ({ m: 0 }),
    step: (g, s, th, k) => [-h.lr(k) * (Math.sign(h.b1 * s.m + (1 - h.b1) * g) + h.wd * th), { m: h.b2 * s.m + (1 - h.b2) * g }],
  }),
  scale: (h) => ({ init: () => ({}), step: (g, s) => [h.factor * g, s] }),
  clip: (h) => ({ init: () => ({}), step: (g, s) => [Math.min(Math.max(g, -h.maxDelta), h.maxDelta), s] }),
  addDecayedWeights: (h) => ({ init: () => ({}), step: (g, s, th) => [g + h.wd * th, s] }),
  scaleByLearningRate: (h) => ({ init: () => ({}), step: (g, s, _th, k) => [-h.lr(k) * g, s] }),
};

/** Float64 updates of `grads.length` steps; with `advance`, θ moves by each update (as step() does). */
function simulate(kind, h, params0, grads, advance = false) {
  const out = [];
  const params = Object.fromEntries(Object.entries(params0).map(([k, p]) => [k, { shape: p.shape, values: [...p.values] }]));
  const thetas = [];
  const move = (u) => {
    thetas.push(Object.fromEntries(Object.entries(params).map(([k, p]) => [k, [...p.values]])));
    if (advance) for (const [k, v] of Object.entries(u)) params[k].values = params[k].values.map((x, i) => x + v[i]);
  };
  if (kind === 'clipByGlobalNorm' || kind === 'centralize' || kind === 'clipThenAdam') {
    let state;
    grads.forEach((gm, k) => {
      let u = {};
      if (kind === 'centralize') {
        for (const [name, g] of Object.entries(gm)) u[name] = g.shape.length <= 1 ? [...g.values] : centralize(g, h.keepAxis);
      } else {
        const norm = Math.sqrt(Object.values(gm).reduce((s, g) => s + g.values.reduce((a, v) => a + v * v, 0), 0));
        const f = h.maxNorm / Math.max(norm, h.maxNorm);
        for (const [name, g] of Object.entries(gm)) u[name] = g.values.map((v) => v * f);
      }
      if (kind === 'clipThenAdam') {
        const a = ELEMENTWISE.adam(h);
        state ??= Object.fromEntries(Object.entries(u).map(([n, v]) => [n, v.map(() => a.init())]));
        u = Object.fromEntries(Object.entries(u).map(([n, v]) => [n, v.map((g, i) => {
          const [x, s] = a.step(g, state[n][i], params[n].values[i], k);
          state[n][i] = s;
          return x;
        })]));
      }
      out.push(u);
      move(u);
    });
    return { updates: out, thetas };
  }
  const t = ELEMENTWISE[kind](h);
  const state = Object.fromEntries(Object.entries(params).map(([n, p]) => [n, p.values.map(() => t.init())]));
  grads.forEach((gm, k) => {
    const u = {};
    for (const [name, g] of Object.entries(gm)) {
      u[name] = g.values.map((gv, i) => {
        const [x, s] = t.step(gv, state[name][i], params[name].values[i], k);
        state[name][i] = s;
        return x;
      });
    }
    out.push(u);
    move(u);
  });
  return { updates: out, thetas };
}

function centralize(g, keepAxis) {
  const shape = g.shape;
  const keep = keepAxis === 'first' ? 0 : shape.length - 1;
  const n = sizeOf(shape);
  const sums = new Array(shape[keep]).fill(0);
  const idxOf = (flat) => {
    let rem = flat;
    const idx = [];
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
    }
    return idx[keep];
  };
  for (let i = 0; i < n; i++) sums[idxOf(i)] += g.values[i];
  const count = n / shape[keep];
  return g.values.map((v, i) => v - sums[idxOf(i)] / count);
}

/** A learning rate: a number or (sometimes) a linear schedule, with its float64 value at step k. */
function learningRate(r, base) {
  if (r.bool(0.8)) return { arg: base, code: String(base), at: () => base };
  const end = r.pick([0, base / 10]);
  const T = r.int(1, 4);
  return { schedule: { init: base, end, transitionSteps: T }, code: `linear({ init: ${base}, end: ${end}, transitionSteps: ${T} })`, at: (k) => (base - end) * (1 - Math.min(Math.max(k, 0), T) / T) + end };
}

function updatesCase(r, lib) {
  const O = lib.optimizers;
  const kind = r.pick(['sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'scaleByAdam', 'rmsprop', 'adagrad', 'lion', 'scale', 'clip', 'clipByGlobalNorm', 'addDecayedWeights', 'centralize', 'scaleByLearningRate', 'clipThenAdam']);
  const steps = r.int(1, 3);
  const moderate = r.bool(0.9);
  const L = layout(r, steps, { moderate });
  const lr = learningRate(r, r.pick([1e-3, 0.01, 0.1, 1, 0]));
  const lrArg = () => (lr.schedule ? O.linear(lr.schedule) : lr.arg);
  const b1 = r.pick([0.9, 0, 0.5, 0.99]);
  const b2 = r.pick([0.999, 0.9, 0, 0.5]);
  const eps = r.pick([1e-8, 1e-8, 1e-3, 0]);
  const mom = r.pick([0.9, 0, 0.5]);
  let sim;
  let build;
  let code;
  switch (kind) {
    case 'sgd': {
      const nesterov = r.bool(0.3);
      sim = ['sgd', { lr: lr.at, momentum: mom, nesterov }];
      build = () => O.sgd({ learningRate: lrArg(), momentum: mom, nesterov });
      code = `sgd({ learningRate: ${lr.code}, momentum: ${mom}, nesterov: ${nesterov} })`;
      break;
    }
    case 'momentum':
    case 'nesterov':
      sim = ['sgd', { lr: lr.at, momentum: mom, nesterov: kind === 'nesterov' }];
      build = () => O[kind]({ learningRate: lrArg(), momentum: mom });
      code = `${kind}({ learningRate: ${lr.code}, momentum: ${mom} })`;
      break;
    case 'adam':
    case 'adamw':
    case 'scaleByAdam': {
      const epsRoot = kind === 'adamw' ? 0 : r.pick([0, 0, 1e-8]);
      const wd = kind === 'adamw' ? r.pick([1e-4, 0.1, 0]) : 0;
      sim = ['adam', { lr: kind === 'scaleByAdam' ? () => -1 : lr.at, b1, b2, eps, epsRoot, wd }];
      build = () => (kind === 'adamw' ? O.adamw({ learningRate: lrArg(), b1, b2, eps, weightDecay: wd }) : kind === 'adam' ? O.adam({ learningRate: lrArg(), b1, b2, eps, epsRoot }) : O.scaleByAdam({ b1, b2, eps, epsRoot }));
      code = `${kind}({ ${kind === 'scaleByAdam' ? '' : `learningRate: ${lr.code}, `}b1: ${b1}, b2: ${b2}, eps: ${eps}${kind === 'adamw' ? `, weightDecay: ${wd}` : `, epsRoot: ${epsRoot}`} })`;
      break;
    }
    case 'rmsprop': {
      const centered = r.bool(0.3);
      const decay = r.pick([0.9, 0.5, 0]);
      const initialScale = r.pick([0, 0, 1]);
      const m = r.pick([0, 0, 0.9]);
      const nesterov = m > 0 && r.bool(0.3);
      const e = r.pick([1e-8, 1e-3]);
      sim = ['rmsprop', { lr: lr.at, decay, eps: e, centered, initialScale, momentum: m, nesterov }];
      build = () => O.rmsprop({ learningRate: lrArg(), decay, eps: e, centered, initialScale, momentum: m, nesterov });
      code = `rmsprop({ learningRate: ${lr.code}, decay: ${decay}, eps: ${e}, centered: ${centered}, initialScale: ${initialScale}, momentum: ${m}, nesterov: ${nesterov} })`;
      break;
    }
    case 'adagrad': {
      const init = r.pick([0.1, 0, 1]);
      const e = r.pick([1e-7, 0]);
      sim = ['adagrad', { lr: lr.at, init, eps: e }];
      build = () => O.adagrad({ learningRate: lrArg(), initialAccumulatorValue: init, eps: e });
      code = `adagrad({ learningRate: ${lr.code}, initialAccumulatorValue: ${init}, eps: ${e} })`;
      break;
    }
    case 'lion': {
      const wd = r.pick([0, 0.1]);
      const lb1 = r.pick([0.9, 0, 1]);
      const lb2 = r.pick([0.99, 0]);
      sim = ['lion', { lr: lr.at, b1: lb1, b2: lb2, wd }];
      build = () => O.lion({ learningRate: lrArg(), b1: lb1, b2: lb2, weightDecay: wd });
      code = `lion({ learningRate: ${lr.code}, b1: ${lb1}, b2: ${lb2}, weightDecay: ${wd} })`;
      break;
    }
    case 'scale': {
      const factor = r.pick([-1e-3, 2, 0, -1]);
      sim = ['scale', { factor }];
      build = () => O.scale(factor);
      code = `scale(${factor})`;
      break;
    }
    case 'clip': {
      const maxDelta = r.pick([0, 0.5, 1, 1e3]);
      sim = ['clip', { maxDelta }];
      build = () => O.clip(maxDelta);
      code = `clip(${maxDelta})`;
      break;
    }
    case 'clipByGlobalNorm': {
      const maxNorm = r.pick([1e-3, 1, 100]);
      sim = ['clipByGlobalNorm', { maxNorm }];
      build = () => O.clipByGlobalNorm(maxNorm);
      code = `clipByGlobalNorm(${maxNorm})`;
      break;
    }
    case 'clipThenAdam': {
      const maxNorm = r.pick([1e-3, 1, 100]);
      sim = ['clipThenAdam', { maxNorm, lr: lr.at, b1, b2, eps, epsRoot: 0, wd: 0 }];
      build = () => O.chain(O.clipByGlobalNorm(maxNorm), O.adam({ learningRate: lrArg(), b1, b2, eps }));
      code = `chain(clipByGlobalNorm(${maxNorm}), adam({ learningRate: ${lr.code}, b1: ${b1}, b2: ${b2}, eps: ${eps} }))`;
      break;
    }
    case 'addDecayedWeights': {
      const wd = r.pick([1e-4, 0.5, 0]);
      sim = ['addDecayedWeights', { wd }];
      build = () => O.addDecayedWeights(wd);
      code = `addDecayedWeights(${wd})`;
      break;
    }
    case 'centralize': {
      const keepAxis = r.pick(['last', 'first']);
      sim = ['centralize', { keepAxis }];
      build = () => O.centralize({ keepAxis });
      code = `centralize({ keepAxis: '${keepAxis}' })`;
      break;
    }
    default:
      sim = ['scaleByLearningRate', { lr: lr.at }];
      build = () => O.scaleByLearningRate(lrArg());
      code = `scaleByLearningRate(${lr.code})`;
  }
  const viaStep = r.bool(0.25);
  const sim64 = moderate ? simulate(sim[0], sim[1], L.params, L.grads, viaStep) : undefined;
  const want = sim64?.updates;
  // eps = 0 divides by √v̂, which is 0 for a zero gradient history: ±∞ or NaN is then the formula's value.
  const degenerate = !moderate || (eps === 0 && ['adam', 'adamw', 'scaleByAdam', 'clipThenAdam'].includes(kind));
  return {
    fn: `${kind}${viaStep ? ' via step()' : '.update'}`,
    expect: degenerate ? 'any' : 'valid',
    finite: degenerate ? false : undefined,
    repro: { call: `opt = ${code}; state = opt.init(params); ${steps}× ${viaStep ? 'step(opt, params, grads[k], state)' : 'opt.update(grads[k], state, params)'}`, params: plain(L.params), grads: L.grads.map(plain) },
    prepare: () => ({ params: toTensors(L.params), grads: L.grads.map(toTensors) }),
    run: ({ params, grads }) => {
      const opt = build();
      let state = opt.init(params);
      const got = [];
      let ps = params;
      try {
        for (const g of grads) {
          if (viaStep) {
            const res = O.step(opt, ps, g, state);
            got.push(Object.fromEntries(Object.keys(g).map((k) => {
              const before = ps[k].dataSync();
              return [k, Array.from(res.params[k].dataSync(), (v, i) => v - before[i])];
            })));
            if (ps !== params) O.disposeParams(ps);
            ps = res.params;
            state = res.state;
          } else {
            const res = opt.update(g, state, params);
            got.push(Object.fromEntries(Object.entries(res.updates).map(([k, t]) => [k, Array.from(t.dataSync())])));
            O.disposeParams(res.updates);
            O.disposeState(state);
            state = res.state;
          }
        }
      } finally {
        // The caller's to free, also when a step throws.
        if (ps !== params) O.disposeParams(ps);
        O.disposeState(state);
      }
      return got;
    },
    check: (got) => {
      if (!want || degenerate) return undefined;
      for (let k = 0; k < want.length; k++) {
        for (const name of Object.keys(want[k])) {
          const w = want[k][name];
          // step() reports θ' − θ in float32: allow the rounding of θ.
          const big = Math.max(0, ...w.map(Math.abs));
          const thetaRound = viaStep ? 4 * ref.EPS32 * Math.max(0, ...sim64.thetas[k][name].map(Math.abs), ...w.map(Math.abs)) : 0;
          const msg = ref.allClose(got[k][name], w, { rtol: 1e-3, atol: 1e-6 * big + 1e-30 + thetaRound });
          if (msg) return { category: 'wrong value', kind: `${kind} updates vs float64 reference`, message: `${code}, update ${k + 1}, "${name}": ${msg}` };
        }
      }
      return undefined;
    },
  };
}

// ── schedules ────────────────────────────────────────────────────────────────

function scheduleCase(r, lib) {
  const O = lib.optimizers;
  const kind = r.pick(['constant', 'polynomial', 'linear', 'exponential', 'piecewise', 'cosineDecay', 'warmupCosineDecay', 'warmupStableDecay', 'joinSchedules', 'sqrtBatchScaling']);
  const T = r.pick([1, 10, 100]);
  const steps = r.shuffle([0, 1, 5, T - 1, T, T + 1, 1e6, -1, 0.5, Infinity, NaN]).slice(0, 3);
  const invalid = r.bool(0.25);
  let o;
  let f;
  let build;
  switch (kind) {
    case 'constant': {
      const v = invalid ? r.pick([-1, NaN, Infinity]) : r.pick([0, 1e-3, 1]);
      o = { value: v };
      build = () => O.constant(v);
      f = () => v;
      break;
    }
    case 'polynomial':
    case 'linear': {
      o = { init: r.pick([1, 1e-3, 0]), end: r.pick([0, 1e-4, 2]), transitionSteps: T, transitionBegin: r.pick([0, 0, 3]) };
      if (kind === 'polynomial') o.power = r.pick([1, 2, 0.5]);
      if (invalid) {
        const k = r.pick(kind === 'polynomial' ? ['init', 'end', 'power', 'transitionSteps'] : ['init', 'end', 'transitionSteps']);
        o[k] = r.pick(k === 'transitionSteps' ? [0, -1, 1.5, NaN] : k === 'power' ? [0, -1, NaN] : [-1, NaN, Infinity]);
      }
      build = () => (kind === 'linear' ? O.linear(o) : O.polynomial(o));
      f = (t) => {
        const c = Math.min(Math.max(t - o.transitionBegin, 0), o.transitionSteps);
        return (o.init - o.end) * (1 - c / o.transitionSteps) ** (o.power ?? 1) + o.end;
      };
      break;
    }
    case 'exponential': {
      o = { init: r.pick([1, 1e-2]), transitionSteps: T, decayRate: r.pick([0.5, 0.99, 2]), transitionBegin: r.pick([0, 2]), staircase: r.bool(0.3), ...(r.bool(0.3) ? { end: r.pick([1e-4, 10]) } : {}) };
      if (invalid) {
        const k = r.pick(['init', 'transitionSteps', 'decayRate', 'end']);
        o[k] = r.pick(k === 'transitionSteps' ? [0, -1, 1.5, NaN] : k === 'decayRate' ? [0, -1, NaN] : [-1, NaN, Infinity]);
      }
      build = () => O.exponential(o);
      f = (t) => {
        const c = t - o.transitionBegin;
        if (c <= 0) return o.init;
        const e = c / o.transitionSteps;
        let v = o.init * o.decayRate ** (o.staircase ? Math.floor(e) : e);
        if (o.end !== undefined) v = o.decayRate < 1 ? Math.max(v, o.end) : Math.min(v, o.end);
        return v;
      };
      break;
    }
    case 'piecewise': {
      o = { values: [1e-2, 1e-3, 1e-4].slice(0, r.int(1, 3)), boundaries: [] };
      for (let i = 1; i < o.values.length; i++) o.boundaries.push(i * T);
      if (invalid) {
        const k = r.pick(['length', 'order', 'negative']);
        if (k === 'length') o.values = [...o.values, 1];
        else if (k === 'order' && o.boundaries.length > 1) o.boundaries.reverse();
        else o.values = o.values.map(() => -1);
      }
      build = () => O.piecewise(o);
      f = (t) => o.values[o.boundaries.filter((b) => t >= b).length];
      break;
    }
    case 'cosineDecay': {
      o = { init: r.pick([1, 1e-3]), decaySteps: T, alpha: r.pick([0, 0.1, 1]), exponent: r.pick([1, 2]) };
      if (invalid) {
        const k = r.pick(['init', 'decaySteps', 'alpha', 'exponent']);
        o[k] = r.pick({ init: [-1, NaN], decaySteps: [0, -1, 1.5, NaN], alpha: [-0.1, 1.5, NaN], exponent: [0, -1, NaN] }[k]);
      }
      build = () => O.cosineDecay(o);
      f = (t) => {
        const c = Math.min(Math.max(t, 0), o.decaySteps);
        return o.init * ((1 - o.alpha) * (0.5 * (1 + Math.cos((Math.PI * c) / o.decaySteps))) ** o.exponent + o.alpha);
      };
      break;
    }
    case 'warmupCosineDecay': {
      o = { init: r.pick([0, 1e-4]), peak: r.pick([1e-3, 1]), warmupSteps: r.pick([0, 3]), decaySteps: T + 5, end: r.pick([0, 1e-5]) };
      if (invalid) {
        const k = r.pick(['peak', 'warmupSteps', 'decaySteps', 'end']);
        // decaySteps must exceed warmupSteps: equal to it is invalid (1 is valid when there is no warmup; seed 2).
        o[k] = r.pick({ peak: [-1, NaN], warmupSteps: [-1, NaN], decaySteps: [0, o.warmupSteps, -1, NaN], end: [-1, NaN] }[k]);
      }
      build = () => O.warmupCosineDecay(o);
      f = (t) => {
        const w = o.warmupSteps;
        if (w > 0 && t < w) return o.init + ((o.peak - o.init) * Math.min(Math.max(t, 0), w)) / w;
        const D = o.decaySteps - w;
        const c = Math.min(Math.max(t - w, 0), D);
        const alpha = o.peak > 0 ? o.end / o.peak : 0;
        return o.peak * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * c) / D)) + alpha);
      };
      break;
    }
    case 'warmupStableDecay': {
      o = { init: r.pick([0, 1e-4]), peak: r.pick([1e-3, 1]), warmupSteps: r.pick([0, 3]), stableSteps: r.pick([0, 5]), decaySteps: T, end: r.pick([0, 1e-5]), shape: r.pick(['linear', 'cosine', 'sqrt']) };
      if (invalid) {
        const k = r.pick(['peak', 'warmupSteps', 'decaySteps', 'shape']);
        o[k] = r.pick({ peak: [-1, NaN], warmupSteps: [-1, NaN], decaySteps: [0, -1, 1.5], shape: ['exp', ''] }[k]);
      }
      build = () => O.warmupStableDecay(o);
      f = (t) => {
        const { init, peak, end, warmupSteps: w, stableSteps: s, decaySteps: d } = o;
        if (t < w) return init + ((peak - init) * Math.max(t, 0)) / w;
        if (t < w + s) return peak;
        const fr = Math.min((t - w - s) / d, 1);
        if (o.shape === 'linear') return peak + (end - peak) * fr;
        if (o.shape === 'cosine') return end + (peak - end) * 0.5 * (1 + Math.cos(Math.PI * fr));
        return end + (peak - end) * (1 - Math.sqrt(fr));
      };
      break;
    }
    case 'joinSchedules': {
      const b = invalid ? r.pick([[T, T], [-1], undefined]) : [T];
      o = { schedules: 'linear({ init: 0, end: 1, transitionSteps: T }), constant(0.5)', boundaries: b };
      build = () => O.joinSchedules([O.linear({ init: 0, end: 1, transitionSteps: T }), O.constant(0.5)], b);
      f = (t) => (t < T ? Math.min(Math.max(t, 0), T) / T : 0.5);
      break;
    }
    default: {
      o = { learningRate: r.pick([0.1, 0]), baseBatchSize: invalid ? r.pick([0, -1, NaN]) : r.pick([128, 1]), batchSize: r.pick([512, 1, 3]) };
      return {
        fn: 'sqrtBatchScaling',
        expect: invalid ? 'invalid' : 'valid',
        why: `baseBatchSize ${o.baseBatchSize}`,
        codes: ['INVALID_PARAMETER'],
        repro: { call: 'sqrtBatchScaling(learningRate, { baseBatchSize, batchSize })', ...o },
        run: () => O.sqrtBatchScaling(o.learningRate, { baseBatchSize: o.baseBatchSize, batchSize: o.batchSize }),
        check: (v) => {
          const m = ref.closeTo(v, o.learningRate * Math.sqrt(o.batchSize / o.baseBatchSize), { rtol: 1e-12, atol: 0 });
          return m ? { category: 'wrong value', kind: 'sqrtBatchScaling vs closed form', message: m } : undefined;
        },
      };
    }
  }
  const anyNaN = steps.some(Number.isNaN);
  const want = invalid ? undefined : steps.map((t) => (Number.isNaN(t) ? NaN : f(t)));
  const validOut = want?.every(Number.isFinite);
  return {
    fn: `${kind}(options)(step)`,
    expect: invalid ? 'invalid' : anyNaN ? 'invalid' : validOut ? 'valid' : 'any',
    why: invalid ? `invalid schedule options ${JSON.stringify(o)}` : 'NaN step',
    codes: ['INVALID_PARAMETER', 'INVALID_ARGUMENT'],
    finite: invalid || anyNaN ? undefined : !!validOut,
    repro: { call: `${kind}(options) evaluated at steps`, options: o, steps },
    run: () => {
      const s = build();
      return steps.map((t) => s(t));
    },
    check: (got) => {
      if (!want) return undefined;
      const msg = ref.allClose(got, want, { rtol: 1e-9, atol: 1e-15 });
      return msg ? { category: 'wrong value', kind: `${kind} vs closed form`, message: `${kind}(${JSON.stringify(o)}) at steps ${JSON.stringify(steps)}: ${msg}` } : undefined;
    },
  };
}

// ── invalid hyperparameters, maps, dtypes ────────────────────────────────────

function invalidCase(r, lib) {
  const O = lib.optimizers;
  const L = layout(r, 1);
  const kind = r.pick(['hyper', 'names', 'shape', 'dtype', 'notTensor', 'empty', 'disposed', 'state', 'stepNonFinite', 'scheduleNaN', 'chainArg']);
  const opts = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'lion', 'momentum', 'momo', 'gravity'];
  const which = r.pick(opts);
  let build = () => O[which](which === 'gravity' ? { seed: 1 } : {});
  let why = kind;
  let expect = 'invalid';
  let codes = ['INVALID_PARAMETER', 'INVALID_ARGUMENT', 'SHAPE_MISMATCH'];
  let gradsOf = (ps) => Object.fromEntries(Object.entries(ps).map(([k, t]) => [k, tf.onesLike(t)]));
  let nonFinite;
  const extra = which === 'momo' ? { value: 1 } : undefined;
  switch (kind) {
    case 'hyper': {
      const name = r.pick(['learningRate', 'b1', 'b2', 'eps', 'momentum', 'weightDecay', 'decay', 'beta', 'alpha']);
      const v = r.pick([-1, NaN, Infinity, 1, 1.5, '0.1']);
      build = () => O[which]({ [name]: v, ...(which === 'gravity' ? { seed: 1 } : {}) });
      why = `${which}({ ${name}: ${v} })`;
      // Options an optimizer does not take are ignored; b1/b2/momentum/decay/beta = 1 or < 0 are out of [0, 1).
      const takes = {
        sgd: ['learningRate', 'momentum'], momentum: ['learningRate', 'momentum'], adam: ['learningRate', 'b1', 'b2', 'eps'], adamw: ['learningRate', 'b1', 'b2', 'eps', 'weightDecay'],
        rmsprop: ['learningRate', 'decay', 'eps', 'momentum'], adagrad: ['learningRate', 'eps'], lion: ['learningRate', 'b1', 'b2', 'weightDecay'], momo: ['learningRate', 'beta', 'weightDecay'], gravity: ['learningRate', 'alpha', 'beta'],
      }[which];
      const unit = ['b1', 'b2', 'momentum', 'decay', 'beta'].includes(name);
      const validValue = typeof v === 'number' && Number.isFinite(v) && v >= 0 && (!unit || v < 1 || (which === 'lion' && name === 'b1' && v === 1));
      if (!takes.includes(name) || validValue) expect = 'any';
      break;
    }
    case 'names':
      if (which === 'sgd') expect = 'any'; // stateless: grads are not compared with anything
      gradsOf = (ps) => ({ ...Object.fromEntries(Object.entries(ps).map(([k, t]) => [k, tf.onesLike(t)])), extra: tf.ones([1]) });
      why = 'grads with an extra name';
      break;
    case 'shape':
      if (which === 'sgd') expect = 'any';
      gradsOf = (ps) => Object.fromEntries(Object.entries(ps).map(([k, t]) => [k, tf.ones([...t.shape, 2])]));
      why = 'grads of another shape';
      codes = ['SHAPE_MISMATCH'];
      break;
    case 'dtype':
      gradsOf = (ps) => Object.fromEntries(Object.entries(ps).map(([k, t]) => [k, tf.ones(t.shape, 'int32')]));
      why = 'int32 grads';
      break;
    case 'notTensor':
      gradsOf = (ps) => Object.fromEntries(Object.keys(ps).map((k) => [k, [1, 2]]));
      why = 'grads that are arrays, not tensors';
      break;
    case 'empty':
      gradsOf = () => ({});
      why = 'empty grads';
      break;
    case 'disposed':
      gradsOf = (ps) => Object.fromEntries(Object.entries(ps).map(([k, t]) => {
        const g = tf.onesLike(t);
        g.dispose();
        return [k, g];
      }));
      why = 'disposed grads';
      break;
    case 'state':
      why = 'a state of another optimizer';
      if (which === 'adam') expect = 'any'; // adam's own state
      break;
    case 'stepNonFinite':
      nonFinite = r.pick(['raise', 'skip', 'ignore', undefined, 'bogus']);
      {
        const nf = r.nonFinite();
        gradsOf = (ps) => Object.fromEntries(Object.entries(ps).map(([k, t]) => [k, tf.fill(t.shape, nf)]));
      }
      why = `step() with NaN gradients, nonFinite: ${nonFinite}`;
      codes = ['NON_FINITE_INPUT', 'INVALID_PARAMETER'];
      if (nonFinite === 'skip') expect = 'valid';
      if (nonFinite === 'ignore') expect = 'any';
      break;
    case 'scheduleNaN':
      build = () => O.sgd({ learningRate: () => NaN });
      why = 'a schedule returning NaN';
      break;
    default:
      build = () => O.chain(O.sgd(), r.pick([null, {}, 42]));
      why = 'chain of a non-transformation';
  }
  return {
    fn: `${which} ${kind === 'stepNonFinite' ? 'step()' : 'update'} with ${kind}`,
    expect,
    why,
    codes,
    finite: expect === 'valid' ? undefined : false,
    repro: { call: `${why}: opt = ${which}(); opt.update(grads, opt.init(params), params)`, params: plain(L.params) },
    prepare: () => ({ params: toTensors(L.params) }),
    run: ({ params }) => {
      const opt = build();
      const state = kind === 'state' ? O.adam().init(params) : opt.init(params);
      const grads = gradsOf(params);
      try {
        if (kind === 'stepNonFinite') {
          const res = O.step(opt, params, grads, state, { ...(nonFinite !== undefined ? { nonFinite } : {}), ...(extra ? { extra } : {}) });
          if (res.params !== params) O.disposeParams(res.params);
          if (res.state !== state) O.disposeState(res.state);
          return res.skipped;
        }
        const res = opt.update(grads, state, params, extra);
        O.disposeParams(res.updates);
        O.disposeState(res.state);
        return 'updated';
      } finally {
        O.disposeState(state);
        for (const g of Object.values(grads)) if (g instanceof tf.Tensor && !g.isDisposed) g.dispose();
      }
    },
  };
}

// ── SAM, MoMo, Gravity, surgery, nonFiniteEntries ────────────────────────────

function extrasCase(r, lib) {
  const O = lib.optimizers;
  const L = layout(r, 1);
  const g = L.grads[0];
  const kind = r.pick(['sam', 'momo', 'momoAdam', 'gravity', 'orthogonalize', 'projectGradient', 'projectConflicting', 'nonFiniteEntries']);
  const targets = Object.fromEntries(Object.entries(L.params).map(([k, p]) => [k, p.values.map(() => f32(r.normal()))]));
  const reference = Object.fromEntries(Object.entries(L.params).map(([k, p]) => [k, { shape: p.shape, values: gradValues(r, p.values.length) }]));
  const rho = r.pick([0.05, 0, 1]);
  const lr = r.pick([0.1, 1e-3]);
  const value = r.pick([1, 0.5, 0, -1, NaN]);
  const withNaN = kind === 'nonFiniteEntries' && r.bool(0.5) ? r.pick(L.names) : undefined;
  const dot = (a, b) => Object.keys(a).reduce((s, k) => s + a[k].values.reduce((t, v, i) => t + v * b[k].values[i], 0), 0);
  let want;
  if (kind === 'projectGradient' || kind === 'projectConflicting') {
    const d = dot(g, reference);
    const rr = dot(reference, reference);
    const c = d < 0 ? d / Math.max(rr, 1e-30) : 0;
    want = Object.fromEntries(Object.keys(g).map((k) => [k, g[k].values.map((v, i) => v - c * reference[k].values[i])]));
  } else if (kind === 'sam') {
    // g_SAM = ∇ Σ(θ − target)² at θ + ρ g/(‖g‖ + 1e-12), then SGD: u = −lr·g_SAM.
    const n = Math.sqrt(dot(g, g));
    want = Object.fromEntries(Object.keys(g).map((k) => [k, g[k].values.map((v, i) => -lr * 2 * (L.params[k].values[i] + (rho * v) / (n + 1e-12) - targets[k][i]))]));
  } else if (kind === 'orthogonalize') {
    want = Object.fromEntries(Object.keys(g).map((k) => {
      const w = L.params[k].values;
      const proj = w.reduce((s, x, i) => s + x * g[k].values[i], 0) / (w.reduce((s, x) => s + x * x, 0) + 1e-30);
      return [k, g[k].values.map((v, i) => v - proj * w[i])];
    }));
  }
  const momoValid = Number.isFinite(value);
  return {
    fn: kind,
    expect: (kind === 'momo' || kind === 'momoAdam') && !momoValid ? 'invalid' : 'valid',
    why: 'non-finite loss value',
    codes: ['NON_FINITE_INPUT'],
    repro: { call: kind, params: plain(L.params), grads: plain(g), ...(kind === 'sam' ? { rho, lr, targets } : {}), ...(kind.startsWith('momo') ? { value } : {}), ...(kind.startsWith('project') ? { reference } : {}), ...(withNaN ? { nanIn: withNaN } : {}) },
    prepare: () => {
      const grads = toTensors(L.grads[0]);
      if (withNaN) {
        grads[withNaN].dispose();
        grads[withNaN] = tf.fill(L.shapes[withNaN], NaN);
      }
      return { params: toTensors(L.params), grads, reference: toTensors(reference), targets: Object.fromEntries(Object.entries(targets).map(([k, v]) => [k, tf.tensor(v, L.shapes[k])])) };
    },
    run: ({ params, grads, reference: refT, targets: tt }) => {
      if (kind === 'nonFiniteEntries') return O.nonFiniteEntries(grads);
      if (kind === 'projectGradient') return O.projectGradient(grads, refT);
      let opt;
      let extra;
      if (kind === 'sam') {
        opt = O.sam(O.sgd({ learningRate: lr }), { rho });
        extra = { loss: O.lossClosure((p) => tf.addN(Object.keys(p).map((k) => tf.sum(tf.squaredDifference(p[k], tt[k]))))) };
      } else if (kind === 'momo' || kind === 'momoAdam') {
        opt = O[kind]({});
        extra = { value };
      } else if (kind === 'gravity') opt = O.gravity({ seed: 7 });
      else if (kind === 'orthogonalize') opt = O.orthogonalizeToParams();
      else {
        opt = O.projectConflicting();
        extra = { reference: refT };
      }
      const state = opt.init(params);
      try {
        const res = opt.update(grads, state, params, extra);
        O.disposeState(res.state);
        return res.updates;
      } finally {
        O.disposeState(state); // the caller's to free, also when update throws
      }
    },
    check: (out) => {
      if (kind === 'nonFiniteEntries') {
        const expected = withNaN ? [withNaN] : [];
        return JSON.stringify(out) === JSON.stringify(expected) ? undefined : { category: 'wrong value', kind: 'nonFiniteEntries', message: `expected ${JSON.stringify(expected)}, got ${JSON.stringify(out)}` };
      }
      if (!want) return undefined;
      for (const k of Object.keys(want)) {
        const got = Array.from(out[k].dataSync());
        const big = Math.max(1e-30, ...want[k].map(Math.abs), ...g[k].values.map(Math.abs));
        const msg = ref.allClose(got, want[k], { rtol: 2e-3, atol: 1e-5 * big });
        if (msg) return { category: 'wrong value', kind: `${kind} vs float64 reference`, message: `"${k}": ${msg}` };
      }
      return undefined;
    },
  };
}

// ── train() and step() ───────────────────────────────────────────────────────

function trainCase(r, lib) {
  const O = lib.optimizers;
  const N = r.int(1, 12);
  const D = r.int(1, 3);
  const x = r.matrix(N, D, 'normal', 1);
  const y = x.map((row) => [f32(row.reduce((s, v) => s + v, 0) + 0.1 * r.normal())]);
  const steps = r.int(1, 4);
  const batchSize = r.pick([1, 2, N, N + 3]);
  const bad = r.bool(0.3) ? r.pick(['steps', 'batch', 'rows', 'nan']) : undefined;
  // A NaN target must reach a batch to matter: with bad data, every step sees the whole set.
  const o = { steps: bad === 'steps' ? r.pick([0, -1, 1.5]) : steps, batchSize: bad === 'batch' ? r.pick([0, -2, 0.5]) : bad === 'nan' ? N : batchSize, seed: 3 };
  const yArg = bad === 'rows' ? y.slice(0, Math.max(0, N - 1)).concat(N === 1 ? [[0], [1]] : []) : bad === 'nan' ? [[NaN], ...y.slice(1)] : y;
  return {
    fn: 'train',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    codes: ['INVALID_PARAMETER', 'SHAPE_MISMATCH', 'NON_FINITE_INPUT', 'INVALID_ARGUMENT'],
    timeoutMs: 8000,
    repro: { call: "train({ params: { w: zeros([D, 1]), b: zeros([1]) }, forward: (p, x) => x·w + b, loss: compile(square().mean()), optimizer: sgd({ learningRate: 0.1 }), data: { x, y }, ...options, progress: false })", x, y: yArg, options: o },
    prepare: () => ({ w: tf.zeros([D, 1]), b: tf.zeros([1]) }),
    run: async ({ w, b }) => {
      const loss = lib.core.compile(lib.core.square().mean());
      const res = await O.train({ params: { w, b }, forward: (p, xb) => tf.add(tf.matMul(xb, p.w), p.b), loss: (yt, yp) => loss(yt, yp), optimizer: O.sgd({ learningRate: 0.1 }), data: { x, y: yArg }, ...o, progress: false });
      const losses = res.losses;
      for (const [k, t] of Object.entries(res.params)) if (t !== w && t !== b && k) t.dispose();
      if (res.state) O.disposeState(res.state);
      return losses;
    },
  };
}

function stepHelperCase(r, lib) {
  const O = lib.optimizers;
  const L = layout(r, 1);
  const asVariables = r.bool(0.5);
  return {
    fn: `applyUpdates (${asVariables ? 'variables' : 'tensors'})`,
    expect: 'valid',
    repro: { call: 'applyUpdates(params, updates)', params: plain(L.params), updates: plain(L.grads[0]) },
    prepare: () => ({ params: asVariables ? Object.fromEntries(Object.entries(toTensors(L.params)).map(([k, t]) => { const v = tf.variable(t); t.dispose(); return [k, v]; })) : toTensors(L.params), updates: toTensors(L.grads[0]) }),
    run: ({ params, updates }) => {
      const out = O.applyUpdates(params, updates);
      const values = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.dataSync())]));
      if (!asVariables) O.disposeParams(out);
      return values;
    },
    check: (got) => {
      for (const k of L.names) {
        const want = L.params[k].values.map((v, i) => v + L.grads[0][k].values[i]);
        const mag = Math.max(...L.params[k].values.map(Math.abs), ...L.grads[0][k].values.map(Math.abs));
        const msg = ref.allClose(got[k], want, { rtol: 1e-6, atol: 2 * ref.EPS32 * mag });
        if (msg) return { category: 'wrong value', kind: 'applyUpdates', message: `"${k}": ${msg}` };
      }
      return undefined;
    },
  };
}

// ── reading-list seeds (#26): one step of each against a float64 formula ─────

/** All 65536 binary16 values decoded from their bits (sorted, finite), for a nearest-value float16 reference. */
let HALVES;
function halfTable() {
  if (HALVES) return HALVES;
  const vals = [];
  for (let e = 0; e < 31; e++) for (let m = 0; m < 1024; m++) vals.push({ v: e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15), even: m % 2 === 0 });
  HALVES = vals;
  return vals;
}
function half64(x) {
  if (Number.isNaN(x) || x === 0) return x;
  const a = Math.abs(x);
  const t = halfTable();
  if (a >= 65520) return x > 0 ? Infinity : -Infinity;
  let lo = 0;
  let hi = t.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (t[mid].v <= a) lo = mid;
    else hi = mid;
  }
  const dl = a - t[lo].v;
  const dh = t[hi].v - a;
  const pickV = dl < dh ? t[lo].v : dh < dl ? t[hi].v : t[lo].even ? t[lo].v : t[hi].v;
  return x < 0 ? -pickV : pickV;
}

function seedsCase(r, lib) {
  const O = lib.optimizers;
  const kind = r.pick(['normalizedGd', 'dynamicLossScaling', 'roundToFloat16', 'amp', 'dot', 'mfac', 'scion', 'operatorNorm', 'frugal', 'subgm', 'l1MatrixSensingLoss', 'smallInit', 'udim', 'invalid']);
  const L = layout(r, 1);
  const g = L.grads[0];
  const lr = r.pick([0.1, 1e-3, 1]);
  const flatOf = (m) => L.names.flatMap((k) => m[k].values);
  const mapG = (fn) => Object.fromEntries(L.names.map((k) => [k, g[k].values.map((v, i) => fn(v, i, k))]));
  const oneStep = (opt, extraOf) => ({ params, grads, ...rest }) => {
    const state = opt().init(params);
    try {
      const res = opt().update(grads, state, params, extraOf ? extraOf(rest) : undefined);
      O.disposeState(res.state);
      return res.updates;
    } finally {
      O.disposeState(state);
    }
  };
  const closeMaps = (want, tolScale = 1) => (out) => {
    for (const k of Object.keys(want)) {
      const got = Array.from(out[k].dataSync());
      const big = Math.max(1e-30, ...want[k].map(Math.abs));
      const msg = ref.allClose(got, want[k], { rtol: 2e-3 * tolScale, atol: 1e-5 * big * tolScale });
      if (msg) return { category: 'wrong value', kind: `${kind} vs float64 reference`, message: `"${k}": ${msg}` };
    }
    return undefined;
  };
  const base = { fn: kind, expect: 'valid', repro: { call: kind, params: plain(L.params), grads: plain(g), lr } };
  const prep = (more = {}) => () => ({ params: toTensors(L.params), grads: toTensors(g), ...more });

  if (kind === 'normalizedGd') {
    const value = r.pick([1, 0.25, 3e-5, 0, -1, NaN]);
    const ok = value >= 0;
    const want = mapG((v) => (value > 0 ? (-lr * v) / value : 0));
    return { ...base, expect: ok ? 'valid' : 'invalid', why: `loss value ${value}`, codes: ['INVALID_ARGUMENT', 'NON_FINITE_INPUT'], repro: { ...base.repro, value },
      prepare: prep(), run: oneStep(() => O.normalizedGd({ learningRate: lr }), () => ({ value })), check: closeMaps(want) };
  }
  if (kind === 'dynamicLossScaling') {
    const S = r.pick([1, 8, 2 ** 15]);
    const inf = r.bool(0.3) ? r.pick(L.names) : undefined;
    const grads = inf ? { ...g, [inf]: { shape: g[inf].shape, values: g[inf].values.map((v, i) => (i === 0 ? Infinity : v)) } } : g;
    const finite = !inf || sizeOf(g[inf].shape) === 0;
    const want = Object.fromEntries(L.names.map((k) => [k, grads[k].values.map((v) => (finite ? (-lr * v) / S : 0))]));
    return { ...base, repro: { ...base.repro, initialScale: S, infIn: inf },
      prepare: () => ({ params: toTensors(L.params), grads: toTensors(grads) }),
      run: oneStep(() => O.dynamicLossScaling(O.sgd({ learningRate: lr }), { initialScale: S })), check: closeMaps(want) };
  }
  if (kind === 'roundToFloat16') {
    const vals = Array.from({ length: r.int(1, 12) }, () => f32(r.pick([r.normal(), r.normal() * 1e-6, r.normal() * 1e-8, r.normal() * 7e4, r.int(-3, 3) * 2 ** -25, 65519, -65520, NaN])));
    const want = vals.map(half64);
    // ±∞ (overflow past 65504) and NaN are the float16 values being simulated: the output need not be finite.
    return { ...base, finite: false, repro: { call: 'roundToFloat16', x: vals }, prepare: () => ({ x: tf.tensor1d(vals) }),
      run: ({ x }) => O.roundToFloat16(x),
      check: (out) => {
        const got = Array.from(out.dataSync());
        for (let i = 0; i < want.length; i++) if (!Object.is(got[i] + 0, want[i] + 0) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) return { category: 'wrong value', kind: 'roundToFloat16 vs decoded binary16 table', message: `at ${i}: ${vals[i]} → ${got[i]}, want ${want[i]}` };
        return undefined;
      } };
  }
  if (kind === 'amp' || kind === 'subgm') {
    const eps = r.pick([0.5, 1e-3, 0]);
    const zeta = r.pick([1, 0.1]);
    const targets = Object.fromEntries(L.names.map((k) => [k, L.params[k].values.map(() => f32(r.normal()))]));
    let want;
    if (kind === 'subgm') want = mapG((v) => -lr * v);
    else {
      want = {};
      for (const k of L.names) {
        const d = g[k].values.map((v) => zeta * v);
        const n = Math.sqrt(d.reduce((s, v) => s + v * v, 0));
        const c = Math.min(eps / (n + 1e-12), 1);
        want[k] = L.params[k].values.map((th, i) => -lr * 2 * (th + d[i] * c - targets[k][i]));
      }
    }
    const opt = kind === 'subgm' ? () => O.subgm({ learningRate: lr }) : () => O.amp(O.sgd({ learningRate: lr }), { epsilon: eps, innerLr: zeta });
    return { ...base, repro: { ...base.repro, epsilon: eps, innerLr: zeta, targets },
      prepare: prep({ targets: Object.fromEntries(L.names.map((k) => [k, tf.tensor(targets[k], L.shapes[k])])) }),
      run: oneStep(opt, ({ targets: tt }) => ({ loss: O.lossClosure((p) => tf.addN(Object.keys(p).map((k) => tf.sum(tf.squaredDifference(p[k], tt[k]))))) })),
      check: (out) => {
        // The ascent step moves θ by up to ε: compare with the scale of θ, Δ and the targets.
        for (const k of Object.keys(want)) {
          const got = Array.from(out[k].dataSync());
          const big = Math.max(1e-30, ...want[k].map(Math.abs), ...L.params[k].values.map((v) => Math.abs(2 * lr * v)), ...g[k].values.map((v) => Math.abs(lr * v)));
          const msg = ref.allClose(got, want[k], { rtol: 2e-3, atol: 1e-5 * big });
          if (msg) return { category: 'wrong value', kind: `${kind} vs float64 reference`, message: `"${k}": ${msg}` };
        }
        return undefined;
      } };
  }
  if (kind === 'dot') {
    const wd = r.pick([0, 0.01]);
    const kdNames = L.names.filter(() => r.bool(0.7));
    const kd = Object.fromEntries(kdNames.map((k) => [k, { shape: L.shapes[k], values: gradValues(r, sizeOf(L.shapes[k])) }]));
    const want = mapG((v, i, k) => -lr * (v + wd * L.params[k].values[i] + (k in kd ? kd[k].values[i] : 0)));
    return { ...base, repro: { ...base.repro, weightDecay: wd, distill: plain(kd) }, prepare: prep({ kd: toTensors(kd) }),
      run: oneStep(() => O.dot({ learningRate: lr, weightDecay: wd }), ({ kd: kdT }) => ({ distill: kdT })),
      check: (out) => {
        for (const k of Object.keys(want)) {
          const got = Array.from(out[k].dataSync());
          const big = Math.max(1e-30, ...want[k].map(Math.abs), ...g[k].values.map((v) => Math.abs(lr * v)), ...(k in kd ? kd[k].values.map((v) => Math.abs(lr * v)) : []), ...L.params[k].values.map((v) => Math.abs(lr * wd * v)));
          const msg = ref.allClose(got, want[k], { rtol: 2e-3, atol: 1e-5 * big });
          if (msg) return { category: 'wrong value', kind: 'dot vs float64 reference', message: `"${k}": ${msg}` };
        }
        return undefined;
      } };
  }
  if (kind === 'mfac') {
    const m = r.pick([1, 2, 8]);
    const damp = r.pick([1e-5, 0.1, 1]);
    const gg = flatOf(g).reduce((s, v) => s + v * v, 0);
    const want = mapG((v) => (-lr * m * v) / (m * damp + gg));
    return { ...base, repro: { ...base.repro, windowSize: m, damp }, prepare: prep(), run: oneStep(() => O.mfac({ learningRate: lr, windowSize: m, damp })), check: closeMaps(want, 5) };
  }
  if (kind === 'frugal') {
    const density = r.pick([0, 1]);
    const wd = r.pick([0, 0.01]);
    const want = mapG((v, i, k) => (density === 1 ? (-lr * v) / (Math.abs(v) + 1e-8) : -lr * Math.sign(v)) - lr * wd * L.params[k].values[i]);
    return { ...base, repro: { ...base.repro, density, weightDecay: wd }, prepare: prep(),
      run: oneStep(() => O.frugal({ learningRate: lr, density, weightDecay: wd, project: () => true })),
      check: (out) => {
        for (const k of Object.keys(want)) {
          const got = Array.from(out[k].dataSync());
          const big = Math.max(1e-30, ...want[k].map(Math.abs), lr);
          const msg = ref.allClose(got, want[k], { rtol: 2e-3, atol: 1e-5 * big });
          if (msg) return { category: 'wrong value', kind: 'frugal vs float64 reference', message: `"${k}": ${msg}` };
        }
        return undefined;
      } };
  }
  if (kind === 'scion') {
    const [fin, fout] = [r.int(1, 4), r.int(1, 4)];
    const gv = gradValues(r, fin * fout);
    const norm = r.pick(['sign', 'colNorm', 'rowNorm', 'biasRms']);
    const E = 1e-8;
    const at = (i, j) => gv[i * fout + j];
    let want;
    if (norm === 'sign') want = gv.map((v) => (-lr * Math.sign(v)) / fin);
    else if (norm === 'biasRms') {
      const rms = Math.sqrt(gv.reduce((s, v) => s + v * v, 0) / gv.length);
      want = gv.map((v) => (-lr * v) / (rms + E));
    } else if (norm === 'colNorm') {
      want = gv.map((v, idx) => {
        const i = Math.floor(idx / fout);
        const rms = Math.sqrt(Array.from({ length: fout }, (_, j) => at(i, j) ** 2).reduce((a, b) => a + b, 0) / fout);
        return (-lr * v) / (rms + E);
      });
    } else {
      want = gv.map((v, idx) => {
        const j = idx % fout;
        const l2 = Math.sqrt(Array.from({ length: fin }, (_, i) => at(i, j) ** 2).reduce((a, b) => a + b, 0));
        return (-lr * v) / (Math.sqrt(fin) * l2 + E);
      });
    }
    return { ...base, repro: { call: `scion({ alpha: 1, layers: () => ({ norm: '${norm}' }) })`, W: { shape: [fin, fout], values: gv }, lr },
      prepare: () => ({ params: { W: tf.zeros([fin, fout]) }, grads: { W: tf.tensor2d(gv, [fin, fout]) } }),
      run: oneStep(() => O.scion({ learningRate: lr, alpha: 1, layers: () => ({ norm }) })),
      check: (out) => {
        const got = Array.from(out.W.dataSync());
        const msg = ref.allClose(got, want, { rtol: 2e-3, atol: 1e-5 * Math.max(1e-30, ...want.map(Math.abs)) });
        return msg ? { category: 'wrong value', kind: `scion ${norm} LMO vs float64 reference`, message: msg } : undefined;
      } };
  }
  if (kind === 'operatorNorm') {
    const [fin, fout] = [r.int(1, 5), r.int(1, 5)];
    const wv = gradValues(r, fin * fout);
    const bad = r.bool(0.15) ? r.pick(['nan', 'rank', 'kind']) : undefined;
    const which = bad === 'kind' ? 'frobenius' : r.pick(['spectral', 'rms->rms', 'rms->inf']);
    if (bad === 'nan') wv[0] = NaN;
    const colMax = Math.sqrt(Math.max(...Array.from({ length: fout }, (_, j) => Array.from({ length: fin }, (_, i) => wv[i * fout + j] ** 2).reduce((a, b) => a + b, 0))));
    const fro = Math.sqrt(wv.reduce((s, v) => s + v * v, 0));
    return { fn: 'operatorNorm', expect: bad ? 'invalid' : 'valid', why: bad, codes: ['INVALID_ARGUMENT', 'NON_FINITE_INPUT'], repro: { call: `operatorNorm(W, '${which}')`, W: { shape: [fin, fout], values: wv } },
      prepare: () => ({ w: bad === 'rank' ? tf.tensor1d(wv) : tf.tensor2d(wv, [fin, fout]) }),
      run: ({ w }) => O.operatorNorm(w, which),
      check: (v) => {
        if (which === 'rms->inf') return Math.abs(v - colMax * Math.sqrt(fin)) <= 1e-9 * (colMax * Math.sqrt(fin)) + 1e-300 ? undefined : { category: 'wrong value', kind: 'operatorNorm rms->inf', message: `${v} vs ${colMax * Math.sqrt(fin)}` };
        const s = which === 'spectral' ? v : v / Math.sqrt(fin / fout);
        // σ_max lies between the largest column norm and the Frobenius norm.
        return s >= colMax * (1 - 1e-6) && s <= fro * (1 + 1e-6) ? undefined : { category: 'wrong value', kind: `operatorNorm ${which} bounds`, message: `σ ${s} not in [${colMax}, ${fro}]` };
      } };
  }
  if (kind === 'l1MatrixSensingLoss') {
    const [m, d, rr] = [r.int(1, 5), r.int(1, 4), r.int(1, 3)];
    const a = Array.from({ length: m * d * d }, () => f32(r.normal()));
    const y = Array.from({ length: m }, () => f32(r.normal() * r.pick([1, 100])));
    const u = Array.from({ length: d * rr }, () => f32(r.normal()));
    let want = 0;
    for (let k = 0; k < m; k++) {
      let pred = 0;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
        let x = 0;
        for (let c = 0; c < rr; c++) x += u[i * rr + c] * u[j * rr + c];
        pred += a[k * d * d + i * d + j] * x;
      }
      want += Math.abs(y[k] - pred) / m;
    }
    const badY = r.bool(0.15);
    return { fn: kind, expect: badY ? 'invalid' : 'valid', why: 'y of the wrong length', codes: ['SHAPE_MISMATCH'], repro: { call: 'l1MatrixSensingLoss(U, A, y)', U: u, A: a, y, shapes: [[d, rr], [m, d, d], [m]] },
      prepare: () => ({ U: tf.tensor2d(u, [d, rr]), A: tf.tensor3d(a, [m, d, d]), y: tf.tensor1d(badY ? [...y, 0] : y) }),
      run: ({ U, A, y: yt }) => O.l1MatrixSensingLoss(U, A, yt),
      check: (out) => {
        const got = out.dataSync()[0];
        const scale = a.reduce((s, v) => s + Math.abs(v), 0) * u.reduce((s, v) => s + v * v, 0) + y.reduce((s, v) => s + Math.abs(v), 0);
        return Math.abs(got - want) <= 2e-3 * Math.abs(want) + 1e-5 * scale ? undefined : { category: 'wrong value', kind: 'l1MatrixSensingLoss vs float64', message: `${got} vs ${want}` };
      } };
  }
  if (kind === 'smallInit') {
    const shape = r.bool(0.2) ? r.pick([[0, 2], [2], [1.5, 2]]) : [r.int(1, 6), r.int(1, 4)];
    const alpha = r.bool(0.15) ? r.pick([0, -1, NaN]) : r.pick([1e-3, 1]);
    const bad = !(shape.length === 2 && shape.every((v) => Number.isInteger(v) && v >= 1)) || !(alpha > 0);
    return { fn: kind, expect: bad ? 'invalid' : 'valid', why: `shape ${JSON.stringify(shape)}, alpha ${alpha}`, codes: ['INVALID_ARGUMENT', 'INVALID_PARAMETER'], repro: { call: 'smallInit(shape, alpha, 1)', shape, alpha },
      prepare: () => ({}), run: () => O.smallInit(shape, alpha, 1),
      check: (out) => (out.shape.join() === shape.join() && Array.from(out.dataSync()).every((v) => Number.isFinite(v) && Math.abs(v) <= 10 * alpha) ? undefined : { category: 'wrong value', kind: 'smallInit', message: `shape ${out.shape}` }) };
  }
  if (kind === 'udim') {
    const [N, D, F, C] = [r.int(1, 5), r.int(1, 3), r.int(1, 3), r.int(1, 3)];
    const x = r.matrix(N, D, 'normal', 1);
    const badLabel = r.bool(0.2);
    const labels = Array.from({ length: N }, (_, i) => (badLabel && i === 0 ? C : r.int(0, C - 1)));
    const pv = { 'feat/w': gradValues(r, D * F).map((v) => f32(Math.max(-3, Math.min(3, v)))), 'head/w': Array.from({ length: F * C }, () => f32(r.normal())), 'head/b': Array.from({ length: C }, () => f32(r.normal())) };
    const model = { kernel: 'head/w', bias: 'head/b', forward: (p, xx) => { const features = tf.tanh(tf.matMul(xx, p['feat/w'])); return { features, logits: tf.add(tf.matMul(features, p['head/w']), p['head/b']) }; } };
    return { fn: 'udim', expect: badLabel ? 'invalid' : 'valid', why: 'label outside the classes', codes: ['LABEL_OUT_OF_RANGE'], repro: { call: 'udim(sgd()).update(ones, …, { udim: { model: tanh features + linear head, x, labels } })', x, labels, params: pv },
      prepare: () => ({ params: { 'feat/w': tf.tensor2d(pv['feat/w'], [D, F]), 'head/w': tf.tensor2d(pv['head/w'], [F, C]), 'head/b': tf.tensor1d(pv['head/b']) }, grads: { 'feat/w': tf.ones([D, F]), 'head/w': tf.ones([F, C]), 'head/b': tf.ones([C]) }, x: tf.tensor2d(x), labels: tf.tensor1d(labels, 'int32') }),
      run: oneStep(() => O.udim(O.sgd({ learningRate: lr })), ({ x: xt, labels: lt }) => ({ udim: { model, x: xt, labels: lt } })),
      check: (out) => (Object.values(out).every((t) => Array.from(t.dataSync()).every(Number.isFinite)) ? undefined : { category: 'silent NaN', kind: 'udim', message: 'non-finite update' }) };
  }
  // invalid hyperparameters of the new transformations
  const cases = [
    ['normalizedGd', () => O.normalizedGd({ learningRate: -1 })],
    ['dynamicLossScaling', () => O.dynamicLossScaling(O.sgd(), { factor: r.pick([1, 0.5, NaN]) })],
    ['dynamicLossScaling', () => O.dynamicLossScaling(O.sgd(), { growthInterval: r.pick([0, 1.5]) })],
    ['amp', () => O.amp(O.sgd(), { epsilon: r.pick([-1, NaN]) })],
    ['amp', () => O.amp(3)],
    ['dot', () => O.dot({ momentum: 0.9, delta: r.pick([0.1, 0.95, -0.1]) })],
    ['mfac', () => O.mfac({ windowSize: r.pick([0, 2.5]) })],
    ['mfac', () => O.mfac({ damp: r.pick([0, -1]) })],
    ['scion', () => O.scion({ alpha: r.pick([0, 1.5, NaN]) })],
    ['frugal', () => O.frugal({ density: r.pick([-0.1, 1.5]) })],
    ['frugal', () => O.frugal({ blockOrder: 'sideways' })],
    ['subgm', () => O.subgm({ decay: r.pick([0, 1.5]) })],
    ['udim', () => O.udim(O.sgd(), { warmupSteps: r.pick([-1, 0.5]) })],
  ];
  const [name, build] = r.pick(cases);
  return { fn: name, expect: 'invalid', why: 'bad hyperparameter', codes: ['INVALID_PARAMETER', 'INVALID_ARGUMENT'], repro: { call: build.toString() }, prepare: () => ({}), run: () => build() };
}
