// Cases for compiled losses (`compile(expr, options)` and its methods), shared by the core, losses, metric-learning
// and unlearning generators: inputs as arrays or tensors, a float64 reference when one is given, and consistency
// oracles that need none (fused == unfused, value == mean(perSample), valueAndGrad().value == value, parts().total == value).
import * as tf from '@tensorflow/tfjs-core';
import { numbersIn, summarize } from './runner.mjs';
import { allClose, closeTo, fmt, reduce } from './ref.mjs';

/** Reference magnitude bookkeeping for a reduction (the same weights applied to |mag|). */
function reduceMag(mags, weights, reduction) {
  const w = weights ?? mags.map(() => 1);
  const abs = mags.map((m, i) => Math.abs(m * w[i]));
  if (reduction === 'none') return abs;
  const s = abs.reduce((a, b) => a + b, 0);
  return reduction === 'sum' ? s : s / Math.max(1, mags.length);
}

/** Per-sample weights broadcast from a sample-weight argument (array matching the leading dims, or a scalar). */
function flatWeights(sw, n) {
  if (sw === undefined) return undefined;
  if (typeof sw === 'number') return new Array(n).fill(sw);
  const flat = sw.flat(Infinity);
  if (flat.length === n) return flat;
  const k = n / flat.length; // a prefix of the leading dims: each entry covers k samples
  return Array.from({ length: n }, (_, i) => flat[Math.floor(i / k)]);
}

/** Gradient coefficients of each sample's loss in the reduced value. */
function gradCoef(weights, n, reduction) {
  const w = weights ?? new Array(n).fill(1);
  switch (reduction) {
    case 'sum':
    case 'none':
      return w;
    case 'weightedMean': {
      if (!weights) return w.map(() => 1 / n);
      const s = w.reduce((a, b) => a + b, 0);
      return w.map((v) => (s === 0 ? 0 : v / s));
    }
    case 'sumByNonzeroWeights': {
      if (!weights) return w.map(() => 1 / n);
      const nz = w.filter((v) => v !== 0).length;
      return w.map((v) => (nz === 0 ? 0 : v / nz));
    }
    default:
      return w.map((v) => v / n);
  }
}

function toT(x, kind) {
  if (kind === 'int32') return tf.tensor(x, undefined, 'int32');
  if (kind === 'bool') return tf.tensor(x, undefined, 'bool');
  return tf.tensor(x, undefined, 'float32');
}

function scalarOf(t) {
  const v = numbersIn(t);
  return v.length === 1 ? v[0] : NaN;
}

/**
 * Compares two results of the same quantity computed two ways (loose: catches disagreements, not rounding).
 * `rtol` is wider for ill-conditioned expressions (exp/log/div of float32 intermediates).
 */
function agree(a, b, scale, rtol = 2e-3) {
  const tol = rtol * Math.max(Math.abs(a), Math.abs(b)) + 1e-4 + 1e-6 * scale;
  return Math.abs(a - b) <= tol || (Number.isNaN(a) && Number.isNaN(b)) || a === b;
}

/**
 * @param lib loaded modules
 * @param spec {
 *   fn, code, build(lib) → Expr, options, method: 'call' | 'perSample' | 'valueAndGrad' | 'parts',
 *   yTrue, yPred, sampleWeight?, inputs?, tensors?: { yTrue?: 'float32' | 'int32' | 'bool', yPred?: 'float32', sampleWeight?: 'float32', inputs?: 'float32' },
 *   expect, why?, codes?, level: 'sample' | 'batch',
 *   ref?: { perSample: number[], mag: number[], grad?: number[][] }   (per flattened sample; grad rows w.r.t. yPred)
 *   oracles?: string[]   subset of 'fusion', 'mean', 'vag', 'parts'
 * }
 */
export function compiledCase(lib, spec) {
  const { core } = lib;
  const opts = spec.options ?? {};
  const method = spec.method ?? 'call';
  const state = {};
  const args = (inp) => {
    const call = {};
    if (inp.sampleWeight !== undefined) call.sampleWeight = inp.sampleWeight;
    if (inp.inputs !== undefined) call.inputs = inp.inputs;
    return call;
  };
  const invoke = (loss, m, inp) => {
    const call = args(inp);
    if (m === 'call') return Object.keys(call).length === 0 ? loss(inp.yTrue, inp.yPred) : loss(inp.yTrue, inp.yPred, call);
    if (m === 'perSample') return loss.perSample(inp.yTrue, inp.yPred, call);
    if (m === 'valueAndGrad') return loss.valueAndGrad(inp.yTrue, inp.yPred, call);
    return loss.parts(inp.yTrue, inp.yPred, call);
  };
  const scalarValueOf = (m, out) => (m === 'valueAndGrad' ? scalarOf(out.value) : m === 'parts' ? out.total : scalarOf(out));
  const disposeAll = (x) => {
    if (x instanceof tf.Tensor) x.dispose();
    else if (x && typeof x === 'object') for (const v of Object.values(x)) if (v instanceof tf.Tensor) v.dispose();
  };

  const check = (out, inp) => {
    const issues = [];
    const loss = state.loss;
    const red = opts.reduction ?? 'mean';
    const scale = Math.max(1, ...numbersIn(spec.yPred).map(Math.abs).filter(Number.isFinite)) ** 2;
    // Reference (only where the true value is representable in float32; beyond it NON_FINITE_OUTPUT is right).
    if (spec.ref?.perSample.every((v) => Math.abs(v) < 1e37)) {
      const n = spec.ref.perSample.length;
      const w = flatWeights(spec.sampleWeight, n);
      const rtol = spec.ref.rtol ?? 1e-3;
      if (method === 'perSample') {
        const got = numbersIn(out);
        const ref = w ? spec.ref.perSample.map((v, i) => v * w[i]) : spec.ref.perSample;
        const m = allClose(got, ref, { mag: spec.ref.mag, rtol });
        if (m) issues.push({ category: 'wrong value', kind: 'perSample vs float64 reference', message: `${spec.code}: perSample ${m}` });
      } else if (red === 'none' && method === 'call') {
        const m = allClose(numbersIn(out), reduce(spec.ref.perSample, w, 'none'), { mag: reduceMag(spec.ref.mag, w, 'none'), rtol });
        if (m) issues.push({ category: 'wrong value', kind: 'value vs float64 reference', message: `${spec.code} (reduction none): ${m}` });
      } else if (red !== 'none') {
        const ref = reduce(spec.ref.perSample, w, red);
        const m = closeTo(scalarValueOf(method, out), ref, { mag: reduceMag(spec.ref.mag, w, red), rtol });
        if (m) issues.push({ category: 'wrong value', kind: `${method === 'parts' ? 'parts().total' : 'value'} vs float64 reference`, message: `${spec.code}: ${m}` });
        if (method === 'valueAndGrad' && spec.ref.grad) {
          const coef = gradCoef(w, n, red);
          const gref = spec.ref.grad.flatMap((row, i) => row.map((g) => g * coef[i]));
          const got = numbersIn(out.grad);
          const big = Math.max(0, ...gref.map(Math.abs));
          const mg = allClose(got, gref, { rtol: 2e-3, atol: 1e-6 + 1e-3 * big });
          if (mg) issues.push({ category: 'wrong value', kind: 'gradient vs float64 reference', message: `${spec.code}: gradient ${mg}` });
        }
      }
    }
    // Oracles: the same quantity computed another way.
    const value = method === 'perSample' || (red === 'none' && method === 'call') ? undefined : scalarValueOf(method, out);
    // validate: false with a non-finite input: the caller opted out of the checks and the result is unspecified
    // (documented); two ways of computing it may give different non-finite values (seed 47: NaN against Infinity).
    const unspecified = opts.validate === false && numbersIn([inp.yPred, inp.yTrue, inp.sampleWeight, inp.inputs]).some((v) => !Number.isFinite(v));
    for (const o of spec.oracles ?? []) {
      if (unspecified && o !== 'fusion') continue;
      if (o === 'fusion') {
        // validate: false with a non-finite input: the caller opted out of the checks and the result is unspecified
        // (documented); the two paths may differ there (NaN against a saturated finite value).
        if (opts.validate === false && numbersIn([inp.yPred, inp.yTrue, inp.sampleWeight, inp.inputs]).some((v) => !Number.isFinite(v))) continue;
        const other = core.compile(state.expr, { ...opts, fuse: opts.fuse === false ? 'auto' : false });
        if (!loss.fused && !other.fused) continue;
        let o2;
        try {
          o2 = invoke(other, method, inp);
        } catch (e) {
          if (e?.name !== 'LosskitError') throw e;
          // Squares and products of |x| ≥ 1e19 overflow float32 (the unfused path, which then says so with
          // NON_FINITE_OUTPUT) but not the JS kernel's float64: a finite fused value there is the better answer.
          if (e.code === 'NON_FINITE_OUTPUT' && numbersIn([inp.yPred, inp.yTrue]).reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0) >= 1e19) continue;
          // The same at moderate inputs: an intermediate beyond float32's range (exp((ŷ − y)²) at |ŷ − y| ≥ 9.5) is
          // reported by the unfused path, naming that term, while the JS kernel's float64 holds it (and a clip()
          // after it makes the result finite). The typed error is the documented float32 answer, as the PyTorch
          // export's float32 module (test/export-random.test.ts) gives it too. Seed 123 call 5639.
          if (e.code === 'NON_FINITE_OUTPUT' && opts.fuse !== false && loss.engine === 'js' && /the term .* is not finite although every input is/.test(e.message)) continue;
          issues.push({ category: 'wrong value', kind: 'fused and unfused disagree', message: `${spec.code}: ${opts.fuse === false ? 'unfused' : `fused (${loss.engine})`} returned ${summarize(method === 'valueAndGrad' ? out.value : method === 'parts' ? out.total : out)} but ${opts.fuse === false ? 'fused' : 'fuse: false'} threw ${e.code}: ${e.message}` });
          continue;
        }
        const a = method === 'valueAndGrad' ? numbersIn([out.value, out.grad]) : method === 'parts' ? [out.total] : numbersIn(out);
        const b = method === 'valueAndGrad' ? numbersIn([o2.value, o2.grad]) : method === 'parts' ? [o2.total] : numbersIn(o2);
        disposeAll(o2);
        // With validate: false the caller opted out of the checks: outputs that are non-finite on both paths agree
        // (NaN or ±Infinity), and once the value itself is non-finite on both the gradient carries no information.
        const raw = opts.validate === false;
        const valueLost = raw && method === 'valueAndGrad' && !Number.isFinite(a[0]) && !Number.isFinite(b[0]);
        const bad = a.findIndex((v, i) => !(valueLost || (raw && !Number.isFinite(v) && !Number.isFinite(b[i])) || agree(v, b[i], scale, spec.looseOracles ? 5e-2 : 2e-3)));
        if (a.length !== b.length || bad >= 0) {
          const fusedVals = opts.fuse === false ? b : a;
          const unfusedVals = opts.fuse === false ? a : b;
          issues.push({ category: 'wrong value', kind: 'fused and unfused disagree', message: `${spec.code}: fused (${opts.fuse === false ? other.engine : loss.engine}) [${fusedVals.slice(0, 6).map(fmt).join(', ')}] vs fuse: false [${unfusedVals.slice(0, 6).map(fmt).join(', ')}]${bad >= 0 ? ` (first difference at output index ${bad}${method === 'valueAndGrad' ? ', index 0 is the value, then the gradient' : ''})` : ''}` });
        }
      } else if (o === 'mean' && spec.level === 'sample' && red === 'mean' && spec.sampleWeight === undefined && value !== undefined) {
        const ps = loss.perSample(inp.yTrue, inp.yPred, args(inp));
        const v = numbersIn(ps);
        ps.dispose();
        const mean = v.reduce((s, x) => s + x, 0) / v.length;
        if (!agree(value, mean, scale)) issues.push({ category: 'wrong value', kind: 'value != mean(perSample)', message: `${spec.code}: value ${fmt(value)} but mean(perSample) ${fmt(mean)}` });
      } else if (o === 'vag' && value !== undefined && method !== 'valueAndGrad' && red !== 'none') {
        const r = loss.valueAndGrad(inp.yTrue, inp.yPred, args(inp));
        const v = scalarOf(r.value);
        disposeAll(r);
        if (!agree(value, v, scale)) issues.push({ category: 'wrong value', kind: 'valueAndGrad().value != call value', message: `${spec.code}: call ${fmt(value)} but valueAndGrad().value ${fmt(v)}` });
      } else if (o === 'vag' && method === 'valueAndGrad') {
        const r = invoke(loss, 'call', inp);
        const v = scalarOf(r);
        disposeAll(r);
        if (!agree(value, v, scale)) issues.push({ category: 'wrong value', kind: 'valueAndGrad().value != call value', message: `${spec.code}: valueAndGrad().value ${fmt(value)} but call ${fmt(v)}` });
      } else if (o === 'parts' && value !== undefined && Number.isFinite(value) && method !== 'parts') {
        const p = loss.parts(inp.yTrue, inp.yPred, args(inp));
        // parts() runs the unfused path: compare it with the unfused call, so that this oracle checks parts() and the
        // fusion oracle checks fusion (a where() mask at float32's rounding or underflow edge may differ between the
        // two paths: seed 1009 call 2439, seed 4242 call 7420). An unfused call that throws is the fusion oracle's case.
        let same = value;
        if (loss.fused) {
          try {
            const u = core.compile(state.expr, { ...opts, fuse: false })(inp.yTrue, inp.yPred, args(inp));
            same = scalarOf(u);
            disposeAll(u);
          } catch (e) {
            if (e?.name !== 'LosskitError') throw e;
            same = undefined;
          }
        }
        // A non-finite unfused value (validate: false with a non-finite input, seed 25) is the fusion oracle's case too.
        if (same === undefined || !Number.isFinite(same)) continue;
        if (!Number.isFinite(p.total)) issues.push({ category: 'silent non-finite', kind: 'parts() non-finite where the call is finite', message: `${spec.code}: call ${fmt(same)} but parts().total ${p.total}` });
        else if (!agree(same, p.total, scale) && red !== 'none') issues.push({ category: 'wrong value', kind: 'parts().total != call value', message: `${spec.code}: call${loss.fused ? ' (fuse: false)' : ''} ${fmt(same)} but parts().total ${fmt(p.total)}` });
      }
    }
    return issues;
  };

  const t = spec.tensors ?? {};
  return {
    fn: `${spec.fn}.${method === 'call' ? '()' : method}`,
    expect: spec.expect,
    why: spec.why,
    codes: spec.codes,
    ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
    // With validation on, compile() promises a typed error instead of any non-finite value.
    finite: spec.finite ?? (opts.validate === false ? spec.expect === 'valid' : true),
    repro: {
      call: `compile(${spec.code}${Object.keys(opts).length ? `, ${JSON.stringify(opts)}` : ''})${method === 'call' ? '' : `.${method}`}(yTrue, yPred${spec.sampleWeight !== undefined || spec.inputs !== undefined ? ', options' : ''})`,
      yTrue: spec.yTrue,
      yPred: spec.yPred,
      ...(spec.sampleWeight !== undefined ? { sampleWeight: spec.sampleWeight } : {}),
      ...(spec.inputs !== undefined ? { inputs: spec.inputs } : {}),
      ...(Object.keys(t).length ? { asTensors: t } : {}),
    },
    prepare: () => {
      const conv = (x, kind) => (kind && Array.isArray(x) ? toT(x, kind) : x);
      const inputs = spec.inputs && Object.fromEntries(Object.entries(spec.inputs).map(([k, v]) => [k, conv(v, t.inputs)]));
      return {
        yTrue: conv(spec.yTrue, t.yTrue),
        yPred: conv(spec.yPred, t.yPred),
        ...(spec.sampleWeight !== undefined ? { sampleWeight: conv(spec.sampleWeight, t.sampleWeight) } : {}),
        ...(inputs ? { inputs } : {}),
      };
    },
    run: (inp) => {
      state.expr = spec.build(lib);
      state.loss = core.compile(state.expr, opts);
      return invoke(state.loss, method, inp);
    },
    check,
  };
}
