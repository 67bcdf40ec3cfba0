// @losskit/compression: the rectified sigmoid against clip(σ(v)(ζ − γ) + γ, 0, 1), the BRECQ β schedule against its
// piecewise-linear form, the min–max grid and nearest rounding against a float64 per-channel quantizer, AdaRound's
// soft kernel at initialization (= W, its init contract) and hard kernel (= nearest rounding), the AdaRound and
// AdaQuant losses (finite, ≥ 0, zero reconstruction term for AdaRound's soft kernel at init), with bad input (bits
// outside [2, 16], a non-Dense layer, inputs of the wrong width, NaN inputs, β schedule arguments out of range).
// Whole adaRound / adaQuant runs: the kernel on the grid (AdaRound: W rounded down or up), the reported errors against
// float64 reconstruction errors of the returned kernel and of nearest rounding, the layer left unchanged, with bad
// options (iterations, learning rates, batch size, seed, λ < 0 thrown inside the optimizer step).
import * as tf from '@tensorflow/tfjs-core';

const f32 = Math.fround;
const ZETA = 1.1;
const GAMMA = -0.1;

export function generate(r, lib) {
  const kind = r.weighted({ sigmoid: 12, beta: 14, grid: 20, adaround: 26, adaquant: 16, selfCompression: 12, runs: 20 });
  if (kind === 'runs') return r.bool() ? adaRoundRunCase(r, lib) : adaQuantRunCase(r, lib);
  if (kind === 'sigmoid') return sigmoidCase(r, lib);
  if (kind === 'beta') return betaCase(r, lib);
  if (kind === 'grid') return gridCase(r, lib);
  if (kind === 'adaround') return adaRoundCase(r, lib);
  if (kind === 'adaquant') return adaQuantCase(r, lib);
  return selfCompressionCase(r, lib);
}

/** A built Dense-shaped layer: getClassName() === 'Dense', trainable kernel [in, out] and bias [out] Variables. */
function denseLayer(kernel, bias) {
  const k = tf.variable(tf.tensor2d(kernel), true);
  const b = bias ? tf.variable(tf.tensor1d(bias), true) : undefined;
  return { layer: { getClassName: () => 'Dense', trainableWeights: [{ read: () => k }, ...(b ? [{ read: () => b }] : [])] }, vars: [k, ...(b ? [b] : [])] };
}

function sigmoidCase(r, lib) {
  const v = Array.from({ length: r.int(1, 8) }, () => r.pick([0, -1e30, 1e30, f32(r.float(-10, 10))]));
  const want = v.map((x) => Math.min(1, Math.max(0, (1 / (1 + Math.exp(-x))) * (ZETA - GAMMA) + GAMMA)));
  return {
    fn: 'rectifiedSigmoid',
    expect: 'valid',
    repro: { call: 'rectifiedSigmoid(tf.tensor1d(v))', v },
    prepare: () => ({ t: tf.tensor1d(v) }),
    run: ({ t }) => lib.compression.rectifiedSigmoid(t),
    check: (out) => {
      const g = out.dataSync();
      const i = want.findIndex((w, k) => Math.abs(g[k] - w) > 1e-6);
      return i < 0 ? undefined : { category: 'wrong value', kind: 'rectified sigmoid vs closed form', message: `v = ${v[i]}: expected ${want[i]}, got ${g[i]}` };
    },
  };
}

function betaCase(r, lib) {
  const total = r.pick([1, 10, 100, 0, 2.5]);
  const step = r.pick([0, 1, 5, 50, 99, 100, 200, -1, 0.5]);
  const warmup = r.pick([undefined, 0, 0.2, 0.5, 1, -0.1]);
  const start = r.pick([undefined, 20, 10]);
  const end = r.pick([undefined, 2, 0]);
  const w = warmup ?? 0.2;
  const s = start ?? 20;
  const e = end ?? 2;
  const valid = Number.isInteger(total) && total >= 1 && Number.isInteger(step) && step >= 0 && w >= 0 && w < 1 && e > 0;
  const s0 = w * total;
  const want = step < s0 ? s : e + (s - e) * Math.max(0, 1 - (step - s0) / (total - s0));
  const opts = { ...(warmup === undefined ? {} : { warmup }), ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) };
  return {
    fn: 'adaRoundBeta',
    expect: valid ? 'valid' : 'invalid',
    why: 'step, total, warmup or end out of range',
    repro: { call: 'adaRoundBeta(step, total, opts)', step, total, opts },
    run: () => lib.compression.adaRoundBeta(step, total, opts),
    check: (v) => (Math.abs(v - want) <= 1e-12 * Math.max(1, want) ? undefined : { category: 'wrong value', kind: 'β schedule vs BRECQ LinearTempDecay', message: `expected ${want}, got ${v}` }),
  };
}

/** Per output channel: s = (max(w, 0) − min(w, 0))/(2^b − 1) (1 for a zero column), z = clip(round(−min/s)), q(w) = s(clip(round(w/s) + z) − z). */
function nearest64(kernel, bits) {
  const out = kernel[0].length;
  const levels = 2 ** bits - 1;
  const res = kernel.map((row) => row.slice());
  for (let o = 0; o < out; o++) {
    const col = kernel.map((row) => row[o]);
    const lo = Math.min(0, ...col);
    const hi = Math.max(0, ...col);
    const s = f32(hi > lo ? (hi - lo) / levels : 1);
    const z = Math.min(levels, Math.max(0, Math.round(-lo / s)));
    kernel.forEach((row, i) => {
      res[i][o] = s * (Math.min(levels, Math.max(0, Math.round(f32(row[o] / s)) + z)) - z);
    });
  }
  return res;
}

function gridCase(r, lib) {
  const I = r.int(1, 5);
  const O = r.int(1, 4);
  const bits = r.pick([2, 3, 4, 8]);
  const kernel = r.matrix(I, O, 'normal', r.pick([0.1, 1, 10])).map((row) => row.map((v) => (r.bool(0.05) ? 0 : v)));
  const want = nearest64(kernel, bits);
  // Bad: a NaN / ±Inf weight, or a grid of another width (it used to broadcast silently).
  const bad = r.bool(0.15) ? r.pick(['nan', 'width']) : undefined;
  const kk = bad === 'nan' ? kernel.map((row, i) => (i === 0 ? row.map((v, j) => (j === 0 ? r.pick([NaN, Infinity]) : v)) : row)) : kernel;
  return {
    fn: 'quantizeNearest',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    repro: { call: bad === 'width' ? 'quantizeNearest(kernel, uniformGrid(kernel with one more column, bits))' : 'quantizeNearest(kernel, uniformGrid(kernel, bits))', kernel: kk, bits },
    prepare: () => ({ k: tf.tensor2d(kk), other: tf.tensor2d(kernel.map((row) => [...row, 1])) }),
    run: ({ k, other }) => lib.compression.quantizeNearest(k, lib.compression.uniformGrid(bad === 'width' ? other : k, bits)),
    check: (out) => {
      const g = out.arraySync();
      for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) {
        const s = Math.max(...kernel.map((row) => Math.abs(row[o])), 1e-30);
        // Round-half cases may differ by one grid step between float32 and float64; anything else is an error.
        const step = (Math.max(0, ...kernel.map((row) => row[o])) - Math.min(0, ...kernel.map((row) => row[o]))) / (2 ** bits - 1);
        const d = Math.abs(g[i][o] - want[i][o]);
        if (d > 1e-5 * s && Math.abs(d - step) > 1e-5 * s) return { category: 'wrong value', kind: 'nearest rounding vs float64 min–max quantizer', message: `[${i}, ${o}]: expected ${want[i][o]}, got ${g[i][o]}` };
        if (Math.abs(g[i][o] - kernel[i][o]) > step / 2 + 1e-5 * s) return { category: 'wrong value', kind: 'nearest rounding error ≤ s/2', message: `[${i}, ${o}]: ${kernel[i][o]} → ${g[i][o]}, step ${step}` };
      }
      return undefined;
    },
  };
}

function setup(r) {
  const I = r.int(1, 4);
  const O = r.int(1, 3);
  const N = r.int(1, 6);
  const kernel = r.matrix(I, O, 'normal', 1);
  const bias = r.bool(0.7) ? Array.from({ length: O }, () => f32(r.float(-1, 1))) : undefined;
  const x = r.matrix(N, I, 'normal', 1);
  const bad = r.bool(0.2) ? r.pick(['bits', 'layer', 'width', 'nan', 'empty', 'kernel']) : undefined;
  const bits = bad === 'bits' ? r.pick([1, 17, 3.5, NaN]) : r.pick([2, 4, 8]);
  return { I, O, N, kernel, bias, x, bad, bits, nonFiniteWeight: r.pick([NaN, Infinity, -Infinity]) };
}

function prepareLayer(s) {
  // 'kernel': a NaN / ±Inf weight in the layer itself.
  const k = s.bad === 'kernel' ? s.kernel.map((row, i) => (i === 0 ? row.map((v, j) => (j === 0 ? s.nonFiniteWeight : v)) : row)) : s.kernel;
  const { layer, vars } = denseLayer(k, s.bias);
  const xs = s.bad === 'width' ? s.x.map((row) => [...row, 0]) : s.bad === 'nan' ? s.x.map((row, i) => (i === 0 ? row.map(() => NaN) : row)) : s.x;
  const x = s.bad === 'empty' ? tf.zeros([0, s.I]) : tf.tensor2d(xs);
  return { layer: s.bad === 'layer' ? { getClassName: () => 'Conv2D', trainableWeights: [] } : layer, x, vars };
}

function adaRoundCase(r, lib) {
  const s = setup(r);
  const hard = r.bool(0.06) ? r.pick(['yes', 1]) : r.bool();
  const badHard = typeof hard !== 'boolean';
  const lossToo = !badHard && r.bool(0.6);
  const beta = r.pick([undefined, 20, 2]);
  return {
    fn: lossToo ? 'adaRoundLoss' : 'adaRoundKernel',
    // The kernel does not read the inputs: only a bad layer or bit width makes adaRoundKernel's call invalid.
    expect: badHard || (s.bad && (lossToo || ['bits', 'layer', 'kernel'].includes(s.bad))) ? 'invalid' : 'valid',
    why: s.bad,
    repro: { call: `adaRoundInit(dense(kernel, bias), { bits }) then ${lossToo ? 'adaRoundLoss(state, x, { beta })' : `adaRoundKernel(state, { hard: ${hard} })`}`, ...s },
    prepare: () => prepareLayer(s),
    run: ({ layer, x }) => {
      const st = lib.compression.adaRoundInit(layer, { bits: s.bits });
      try {
        if (lossToo) {
          const l = lib.compression.adaRoundLoss(st, x, beta === undefined ? {} : { beta });
          const v = l.dataSync()[0];
          l.dispose();
          return { loss: v };
        }
        const k = lib.compression.adaRoundKernel(st, { hard });
        const v = k.arraySync();
        k.dispose();
        return { kernel: v };
      } finally {
        st.dispose();
      }
    },
    check: (out) => {
      const scale = Math.max(1, ...s.kernel.flat().map(Math.abs));
      const steps = Array.from({ length: s.O }, (_, o) => (Math.max(0, ...s.kernel.map((row) => row[o])) - Math.min(0, ...s.kernel.map((row) => row[o]))) / (2 ** s.bits - 1));
      if (lossToo) {
        // At init the soft kernel is W except where the rounded zero point clips it (by at most s/2): the
        // reconstruction term is at most mean_n Σ_o (Σ_i |x_ni| s_o/2)², the regularizer in [0, λ·I·O] (λ = 0.01).
        const rec = s.x.reduce((a, row) => a + steps.reduce((b, st) => b + (row.reduce((c, v) => c + Math.abs(v), 0) * st / 2) ** 2, 0), 0) / s.N;
        const cap = rec * (1 + 1e-4) + (beta === undefined ? 0 : 0.01 * s.I * s.O) + 1e-6 * scale;
        return out.loss >= -1e-7 && out.loss <= cap ? undefined : { category: 'wrong value', kind: 'AdaRound loss at init in [0, clipping bound + λ·I·O]', message: `${out.loss} > ${cap}` };
      }
      const want = hard ? nearest64(s.kernel, s.bits) : s.kernel;
      for (let i = 0; i < s.I; i++) for (let o = 0; o < s.O; o++) {
        const step = steps[o];
        const d = Math.abs(out.kernel[i][o] - want[i][o]);
        const ok = hard ? d <= 1e-4 * scale || Math.abs(d - step) < 1e-4 * scale : d <= step / 2 + 1e-4 * scale;
        if (!ok) return { category: 'wrong value', kind: hard ? 'hard AdaRound kernel at init vs nearest rounding' : 'soft AdaRound kernel at init within s/2 of W', message: `[${i}, ${o}]: expected ${want[i][o]}, got ${out.kernel[i][o]}` };
      }
      return undefined;
    },
  };
}

function adaQuantCase(r, lib) {
  const s = setup(r);
  return {
    fn: 'adaQuantLoss',
    expect: s.bad ? 'invalid' : 'valid',
    why: s.bad,
    repro: { call: 'adaQuantLoss(adaQuantInit(dense(kernel, bias), { bits }), x)', ...s },
    prepare: () => prepareLayer(s),
    run: ({ layer, x }) => {
      const st = lib.compression.adaQuantInit(layer, { bits: s.bits });
      try {
        const l = lib.compression.adaQuantLoss(st, x);
        const v = l.dataSync()[0];
        l.dispose();
        const k = lib.compression.adaQuantKernel(st);
        const kv = k.arraySync();
        k.dispose();
        return { loss: v, kernel: kv };
      } finally {
        st.dispose();
      }
    },
    check: (out) => {
      if (!(out.loss >= 0)) return { category: 'wrong value', kind: 'AdaQuant loss ≥ 0', message: `${out.loss}` };
      // At init the kernel is the nearest-rounded W (up to one grid step at round-half ties).
      const want = nearest64(s.kernel, s.bits);
      const scale = Math.max(1, ...s.kernel.flat().map(Math.abs));
      for (let i = 0; i < s.I; i++) for (let o = 0; o < s.O; o++) {
        const step = (Math.max(0, ...s.kernel.map((row) => row[o])) - Math.min(0, ...s.kernel.map((row) => row[o]))) / (2 ** s.bits - 1);
        const d = Math.abs(out.kernel[i][o] - want[i][o]);
        if (d > 1e-4 * scale && Math.abs(d - step) > 1e-4 * scale) return { category: 'wrong value', kind: 'AdaQuant kernel at init vs nearest rounding', message: `[${i}, ${o}]: expected ${want[i][o]}, got ${out.kernel[i][o]}` };
      }
      return undefined;
    },
  };
}

function selfCompressionCase(r, lib) {
  const s = setup(r);
  const e = r.pick([undefined, -4, -8]);
  // Self-compression starts from any real bit depth in [0, 32] (it is learned); NaN is the invalid one here.
  const badBits = !(s.bits >= 0 && s.bits <= 32);
  return {
    fn: 'selfCompressionSize',
    expect: (s.bad === 'bits' && badBits) || s.bad === 'layer' || s.bad === 'kernel' ? 'invalid' : 'valid',
    why: s.bad,
    repro: { call: 'selfCompressionSize([selfCompressionInit(dense(kernel, bias), { bits, exponent })])', ...s, exponent: e },
    prepare: () => prepareLayer(s),
    run: ({ layer }) => {
      const st = lib.compression.selfCompressionInit(layer, { bits: s.bits, ...(e === undefined ? {} : { exponent: e }) });
      try {
        const z = lib.compression.selfCompressionSize([st]);
        const v = z.dataSync()[0];
        z.dispose();
        return v;
      } finally {
        st.dispose();
      }
    },
    check: (v) => {
      // The average bit depth per weight, Σ_o fanIn · max(b_o, 0) / (fanIn · O): every channel starts at `bits`.
      const want = s.bits;
      return Math.abs(v - want) <= 1e-6 * Math.max(1, want) ? undefined : { category: 'wrong value', kind: 'self-compression size at init vs the initial bit depth', message: `expected ${want}, got ${v}` };
    },
  };
}

/** Float64 (1/N) Σ_n Σ_o (x_n (K − W))_o² / `per` (per = 1: AdaRound's sum over outputs; per = O: AdaQuant's MSE). */
function recError64(x, K, W, per, bK, b0) {
  let t = 0;
  for (const row of x) for (let o = 0; o < W[0].length; o++) {
    const d = row.reduce((a, v, i) => a + v * (K[i][o] - W[i][o]), 0) + (bK ? bK[o] - (b0 ? b0[o] : 0) : 0);
    t += d * d;
  }
  return t / x.length / per;
}

const unchanged = (vars, s) => {
  const k = vars[0].arraySync();
  if (s.kernel.some((row, i) => row.some((v, o) => f32(v) !== k[i][o]))) return { category: 'wrong value', kind: 'the layer is not modified', message: 'kernel changed' };
  return undefined;
};

function runOptions(r, withLambda) {
  const opts = { iterations: r.pick([1, 3, 10]), ...(r.bool(0.5) ? { batchSize: r.pick([1, 2, 32]) } : {}) };
  if (withLambda && r.bool(0.3)) opts.lambda = r.pick([0, 0.01, 1]);
  const bad = r.bool(0.2) ? r.pick(['iterations', 'lr', 'batch', ...(withLambda ? ['lambda'] : ['seed'])]) : undefined;
  if (bad === 'iterations') opts.iterations = r.pick([0, 1.5, -1]);
  if (bad === 'lr') withLambda ? (opts.learningRate = r.pick([0, -1e-3, NaN])) : (opts.learningRates = { bias: r.pick([0, NaN]) });
  if (bad === 'batch') opts.batchSize = r.pick([0, 2.5]);
  if (bad === 'lambda') opts.lambda = -0.5;
  if (bad === 'seed') opts.seed = 0.5;
  return { opts, bad };
}

function adaRoundRunCase(r, lib) {
  const s = setup(r);
  const { opts, bad } = runOptions(r, true);
  return {
    fn: 'adaRound',
    expect: s.bad || bad ? 'invalid' : 'valid',
    why: s.bad ?? bad,
    repro: { call: 'adaRound(dense(kernel, bias), x, { bits, ...opts })', ...s, opts },
    prepare: () => prepareLayer(s),
    run: ({ layer, x }) => lib.compression.adaRound(layer, x, { bits: s.bits, ...opts }),
    check: (out, { vars }) => {
      const K = out.kernel.arraySync();
      const scale = Math.max(1, ...s.kernel.flat().map(Math.abs));
      const levels = 2 ** s.bits - 1;
      for (let o = 0; o < s.O; o++) {
        const col = s.kernel.map((row) => row[o]);
        const lo = Math.min(0, ...col);
        const hi = Math.max(0, ...col);
        const st = f32(hi > lo ? (hi - lo) / levels : 1);
        const z = Math.min(levels, Math.max(0, Math.round(-lo / st)));
        for (let i = 0; i < s.I; i++) {
          const q = K[i][o] / st + z;
          // On the grid, and W rounded down or up (AdaRound only chooses the rounding direction).
          if (Math.abs(q - Math.round(q)) > 1e-3 || q < -1e-3 || q > levels + 1e-3) return { category: 'wrong value', kind: 'AdaRound kernel on the grid', message: `[${i}, ${o}]: ${K[i][o]} is not s(q − z), s ${st}, z ${z}` };
          if (Math.abs(K[i][o] - s.kernel[i][o]) > st * (1 + 1e-4) + 1e-6 * scale) return { category: 'wrong value', kind: 'AdaRound rounds W down or up', message: `[${i}, ${o}]: ${s.kernel[i][o]} → ${K[i][o]} (step ${st})` };
        }
      }
      const want = recError64(s.x, K, s.kernel, 1);
      if (Math.abs(out.adaRoundError - want) > 1e-4 * Math.max(1e-3, want)) return { category: 'wrong value', kind: 'AdaRound error vs float64 of the returned kernel', message: `expected ${want}, got ${out.adaRoundError}` };
      const nearest = recError64(s.x, nearest64(s.kernel, s.bits), s.kernel, 1);
      if (Math.abs(out.nearestError - nearest) > 1e-3 * Math.max(1e-3, nearest)) return { category: 'wrong value', kind: 'nearest-rounding error vs float64', message: `expected ${nearest}, got ${out.nearestError}` };
      const up = out.roundedUp * s.I * s.O;
      if (!(out.roundedUp >= 0 && out.roundedUp <= 1) || Math.abs(up - Math.round(up)) > 1e-4) return { category: 'wrong value', kind: 'roundedUp is a fraction of the weights', message: String(out.roundedUp) };
      return unchanged(vars, s);
    },
  };
}

function adaQuantRunCase(r, lib) {
  const s = setup(r);
  const { opts, bad } = runOptions(r, false);
  if (!bad && r.bool(0.5)) opts.seed = r.int(0, 100);
  return {
    fn: 'adaQuant',
    expect: s.bad || bad ? 'invalid' : 'valid',
    why: s.bad ?? bad,
    repro: { call: 'adaQuant(dense(kernel, bias), x, { bits, ...opts })', ...s, opts },
    prepare: () => prepareLayer(s),
    run: ({ layer, x }) => lib.compression.adaQuant(layer, x, { bits: s.bits, ...opts }),
    check: (out, { vars }) => {
      const K = out.kernel.arraySync();
      const b = out.bias.arraySync();
      // Quantized: at most 2^b distinct values per output channel.
      for (let o = 0; o < s.O; o++) {
        const distinct = new Set(K.map((row) => row[o])).size;
        if (distinct > 2 ** s.bits) return { category: 'wrong value', kind: 'AdaQuant kernel has at most 2^b levels per channel', message: `channel ${o}: ${distinct} values` };
      }
      const want = recError64(s.x, K, s.kernel, s.O, b, s.bias);
      if (Math.abs(out.adaQuantError - want) > 1e-4 * Math.max(1e-3, want)) return { category: 'wrong value', kind: 'AdaQuant error vs float64 of the returned kernel and bias', message: `expected ${want}, got ${out.adaQuantError}` };
      const nearest = recError64(s.x, nearest64(s.kernel, s.bits), s.kernel, s.O);
      if (Math.abs(out.nearestError - nearest) > 1e-3 * Math.max(1e-3, nearest)) return { category: 'wrong value', kind: 'nearest-rounding error vs float64', message: `expected ${nearest}, got ${out.nearestError}` };
      return unchanged(vars, s);
    },
  };
}
