import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { SBCL_INPUTS, catalog, sbcl, sbclSubclasses } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// Float64 reference written from SBCL (Hou, Yu, Zhou 2023) as its official `SupConLoss_rank` defines it (JackHck/SBCL
// SimCLR/loss.py at fbffb8d), with explicit loops: rows [v1; v2], s_ik = cos(z_i, z_k);
// L_sub(i) = mean_{p∈M_i} [log Σ_{k≠i} e^{s_ik/τ} − s_ip/τ], M_i = same subclass \ {i};
// L_cls(i) = mean_{p∈P_i} [log Σ_{k∈A_i} e^{s_ik/τ_i} − s_ip/τ_i], A_i = other subclasses ∪ {i'}, P_i = A_i ∩ class(i) ∪ {i'};
// loss = mean_i (τ/τ_b) L_sub(i) + β L_cls(i).
function sbclRef(z: number[][], y: number[], sub: number[], tauRow: number[], t = 0.1, tb = 0.07, beta = 0.25): number {
  const b = z.length;
  const n = b / 2;
  const u = z.map((r) => {
    const nr = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
    return r.map((v) => v / nr);
  });
  const s = (i: number, k: number) => u[i]!.reduce((acc, v, j) => acc + v * u[k]![j]!, 0);
  const lse = (xs: number[]) => {
    const m = Math.max(...xs);
    return m + Math.log(xs.reduce((acc, v) => acc + Math.exp(v - m), 0));
  };
  let total = 0;
  for (let i = 0; i < b; i++) {
    const ip = (i + n) % b;
    const all: number[] = [];
    const m: number[] = [];
    const a: number[] = [];
    const p: number[] = [];
    for (let k = 0; k < b; k++) {
      if (k === i) continue;
      all.push(k);
      if (sub[k] === sub[i]) m.push(k);
      if (sub[k] !== sub[i] || k === ip) a.push(k);
      if ((sub[k] !== sub[i] && y[k] === y[i]) || k === ip) p.push(k);
    }
    const l1 = lse(all.map((k) => s(i, k) / t));
    const lSub = m.reduce((acc, k) => acc + l1 - s(i, k) / t, 0) / m.length;
    const ti = tauRow[i]!;
    const l2 = lse(a.map((k) => s(i, k) / ti));
    const lCls = p.reduce((acc, k) => acc + l2 - s(i, k) / ti, 0) / p.length;
    total += (t / tb) * lSub + beta * lCls;
  }
  return total / b;
}

const N = 6;
const D = 4;
const Z = f32(randomMatrix(2 * N, D, 31));
const Y = [0, 0, 0, 0, 1, 1];
const SUB = [0, 0, 1, 1, 2, 2];
const TAU = [0.13, 0.1];
const twice = (v: number[]) => [...v, ...v];
const labels = twice(Y);
const inputs = { sbclSubclass: twice(SUB), sbclTau: twice(Y.map((c) => TAU[c]!)) };
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-3);

describe('sbcl (subclass-balancing contrastive loss)', () => {
  it('matches the float64 reference at 1e-5 with the defaults (τ 0.1, τ_b 0.07, β 0.25) and with τ 0.5, τ_b 0.5, β 1', () => {
    for (const [opts, args] of [
      [{}, [0.1, 0.07, 0.25]],
      [{ temperature: 0.5, baseTemperature: 0.5, beta: 1 }, [0.5, 0.5, 1]],
    ] as const) {
      const v = compile(sbcl(opts), { from: 'embeddings' })(labels, Z, { inputs });
      expect(rel(v.dataSync()[0]!, sbclRef(Z, labels, inputs.sbclSubclass, inputs.sbclTau, ...args))).toBeLessThan(1e-5);
      v.dispose();
    }
  });

  it('with β = 0 and one subclass per class it is (τ/τ_b)·SupCon over the two views (the reference with no class term)', () => {
    const sub = twice(Y);
    const v = compile(sbcl({ beta: 0, baseTemperature: 0.1 }), { from: 'embeddings' })(labels, Z, { inputs: { sbclSubclass: sub, sbclTau: inputs.sbclTau } });
    const want = sbclRef(Z, labels, sub, inputs.sbclTau, 0.1, 0.1, 0);
    expect(rel(v.dataSync()[0]!, want)).toBeLessThan(1e-5);
    v.dispose();
  });

  it('is scale-invariant: rows scaled by 1e30 and 1e-30 give the same finite value, and a tiny class temperature 1e-3 stays finite and exact', () => {
    const loss = compile(sbcl(), { from: 'embeddings' });
    const want = sbclRef(Z, labels, inputs.sbclSubclass, inputs.sbclTau);
    for (const k of [1e30, 1e-30]) {
      const v = loss(labels, Z.map((r) => r.map((x) => x * k)), { inputs });
      expect(rel(v.dataSync()[0]!, want)).toBeLessThan(1e-5);
      v.dispose();
    }
    const tiny = twice(Y.map((c) => (c === 0 ? 1e-3 : 0.1)));
    const v = loss(labels, Z, { inputs: { sbclSubclass: inputs.sbclSubclass, sbclTau: tiny } });
    expect(rel(v.dataSync()[0]!, sbclRef(Z, labels, inputs.sbclSubclass, tiny))).toBeLessThan(1e-4);
    v.dispose();
  });

  it('its gradient matches central differences of the float64 reference', () => {
    const loss = compile(sbcl(), { from: 'embeddings' });
    const x = tf.tensor2d(Z);
    const unflat = (a: Float64Array) => Array.from({ length: 2 * N }, (_, r) => Array.from(a.slice(r * D, (r + 1) * D)));
    const res = checkGradient((t) => loss(labels, t, { inputs }), x, { reference: (a) => sbclRef(unflat(a), labels, inputs.sbclSubclass, inputs.sbclTau) });
    expect(res.ok, `worst ${res.worst} at ${res.worstIndex}`).toBe(true);
    x.dispose();
  });

  it('frees every intermediate tensor on success', () => {
    const loss = compile(sbcl(), { from: 'embeddings' });
    const before = tf.memory().numTensors;
    const v = loss(labels, Z, { inputs });
    expect(tf.memory().numTensors).toBe(before + 1);
    v.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad batches and options throw typed errors that name the argument, without leaking tensors', () => {
    const loss = compile(sbcl(), { from: 'embeddings' });
    expect(expectCleanThrow(() => loss(labels.slice(0, 11), Z.slice(0, 11), { inputs: { sbclSubclass: inputs.sbclSubclass.slice(0, 11), sbclTau: inputs.sbclTau.slice(0, 11) } }), 'SHAPE_MISMATCH').argument).toBe('yPred');
    expect(expectCleanThrow(() => loss(labels, Z, { inputs: { sbclSubclass: inputs.sbclSubclass.slice(0, 4), sbclTau: inputs.sbclTau } }), 'SHAPE_MISMATCH').argument).toBe(`inputs.${SBCL_INPUTS.subclass}`);
    const swapped = [...labels];
    swapped[N] = 1;
    expect(expectCleanThrow(() => loss(swapped, Z, { inputs }), 'INVALID_VALUE').argument).toBe('yTrue');
    const span = [...inputs.sbclSubclass];
    span[4] = 0;
    span[4 + N] = 0; // subclass 0 now holds a class-1 row
    expect(expectCleanThrow(() => loss(labels, Z, { inputs: { sbclSubclass: span, sbclTau: inputs.sbclTau } }), 'INVALID_VALUE').argument).toBe(`inputs.${SBCL_INPUTS.subclass}`);
    const frac = [...inputs.sbclSubclass];
    frac[0] = 0.5;
    frac[N] = 0.5;
    expect(expectCleanThrow(() => loss(labels, Z, { inputs: { sbclSubclass: frac, sbclTau: inputs.sbclTau } }), 'NON_INTEGER_LABEL').argument).toBe(`inputs.${SBCL_INPUTS.subclass}`);
    for (const [bad, codeWanted] of [[0, 'INVALID_VALUE'], [-1, 'INVALID_VALUE'], [Number.NaN, 'NON_FINITE_INPUT']] as const) {
      const tau = [...inputs.sbclTau];
      tau[2] = bad;
      tau[2 + N] = bad;
      expect(expectCleanThrow(() => loss(labels, Z, { inputs: { sbclSubclass: inputs.sbclSubclass, sbclTau: tau } }), codeWanted).argument).toMatch(/sbclTau/);
    }
    expect(expectCleanThrow(() => loss(labels, Z, { inputs: { sbclSubclass: inputs.sbclSubclass } }), 'MISSING_INPUT')).toBeTruthy();
    expect(expectCleanThrow(() => sbcl({ temperature: 0 }), 'INVALID_PARAMETER').argument).toBe('temperature');
    expect(expectCleanThrow(() => sbcl({ baseTemperature: -1 }), 'INVALID_PARAMETER').argument).toBe('baseTemperature');
    expect(expectCleanThrow(() => sbcl({ beta: Number.NaN }), 'INVALID_PARAMETER').argument).toBe('beta');
    expect(expectCleanThrow(() => sbcl(null as never), 'INVALID_ARGUMENT').argument).toBe('options');
  });

  it('has a catalog entry citing the paper title', () => {
    const e = catalog.find((c) => c.export === 'sbcl');
    expect(e?.paper?.title).toBe('Subclass-balancing Contrastive Learning for Long-tailed Recognition');
  });
});

// Float64 reference of the authors' `cluster` (SimCLR/main.py): K_c = max(1, ⌊n_c / max(min n, 10)⌋);
// d_c = mean ‖x − μ_c‖ / log(n_c + 10), clipped to numpy's linear 10th/90th percentile, τ_c = τ d_c / mean d (τ if K_c = 1).
function tempsRef(x: number[][], y: number[], tau = 0.1, minSize = 10): { k: number[]; t: number[] } {
  const C = Math.max(...y) + 1;
  const n = Array.from({ length: C }, (_, c) => y.filter((v) => v === c).length);
  const unit = Math.max(Math.min(...n), minSize);
  const k = n.map((m) => Math.max(1, Math.floor(m / unit)));
  const d = Array.from({ length: C }, (_, c) => {
    const rows = x.filter((_, i) => y[i] === c);
    const mu = rows[0]!.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
    return rows.reduce((s, r) => s + Math.hypot(...r.map((v, j) => v - mu[j]!)), 0) / rows.length / Math.log(rows.length + 10);
  });
  const srt = [...d].sort((a, b) => a - b);
  const pct = (q: number) => {
    const p = (q / 100) * (srt.length - 1);
    const lo = Math.floor(p);
    return srt[lo]! + (p - lo) * ((srt[Math.min(lo + 1, srt.length - 1)] ?? 0) - srt[lo]!);
  };
  const cl = d.map((v) => Math.min(Math.max(v, pct(10)), pct(90)));
  const mean = cl.reduce((s, v) => s + v, 0) / C;
  return { k, t: cl.map((v, c) => (k[c]! > 1 ? (tau * v) / mean : tau)) };
}

/** A long-tailed set: class c has `sizes[c]` points around `modes` unit directions (head classes have several modes). */
function longTailed(sizes: number[], modesPerClass: number[], dim: number, seed: number, noise = 0.15): { x: number[][]; y: number[]; mode: number[] } {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const centers: number[][][] = sizes.map((_, c) => Array.from({ length: modesPerClass[c]! }, () => Array.from({ length: dim }, gauss)));
  const x: number[][] = [];
  const y: number[] = [];
  const mode: number[] = [];
  sizes.forEach((m, c) => {
    for (let i = 0; i < m; i++) {
      const k = i % modesPerClass[c]!;
      x.push(centers[c]![k]!.map((v) => v + noise * gauss()));
      y.push(c);
      mode.push(k);
    }
  });
  return { x, y, mode };
}

describe('sbclSubclasses (the SBCL clustering step)', () => {
  const data = longTailed([60, 30, 10, 10], [3, 2, 1, 1], 6, 7);

  it('gives K_c = ⌊n_c / max(min n, 10)⌋ clusters and the class temperatures of the float64 reference at 1e-12', () => {
    const r = sbclSubclasses(data.x, data.y, { seed: 1 });
    const ref = tempsRef(data.x, data.y);
    expect(r.clusters).toEqual(ref.k);
    expect(r.clusters).toEqual([6, 3, 1, 1]);
    Array.from(r.classTemperatures).forEach((t, c) => expect(rel(t, ref.t[c]!)).toBeLessThan(1e-12));
  });

  it('subclass ids are nested in the classes, offset by the earlier classes, and split a head class along its modes', () => {
    const d2 = longTailed([40, 10], [2, 1], 6, 3, 0.05);
    const r = sbclSubclasses(d2.x, d2.y, { seed: 2, minSize: 20 });
    expect(r.clusters).toEqual([2, 1]);
    const head = d2.y.map((c, i) => (c === 0 ? i : -1)).filter((i) => i >= 0);
    // every subclass of class 0 is one mode of it
    for (const k of [0, 1]) {
      const modes = new Set(head.filter((i) => r.subclass[i] === k).map((i) => d2.mode[i]));
      expect(modes.size).toBe(1);
    }
    expect(new Set(d2.y.map((c, i) => (c === 1 ? r.subclass[i] : -1)).filter((v) => v !== undefined && v >= 0))).toEqual(new Set([2]));
  });

  it('step(indices) stacks the two views: labels, subclass ids and class temperatures repeated for rows i and i + N', () => {
    const r = sbclSubclasses(data.x, data.y, { seed: 1 });
    const st = r.step([0, 65, 100]);
    expect(Array.from(st.labels)).toEqual([0, 1, 3, 0, 1, 3]);
    expect(Array.from(st.inputs.sbclSubclass)).toEqual(twice([r.subclass[0]!, r.subclass[65]!, r.subclass[100]!]));
    expect(Array.from(st.inputs.sbclTau)).toEqual(twice([0, 1, 3].map((c) => Math.fround(r.classTemperatures[c]!))));
  });

  it('bad input throws typed errors naming the argument, without leaking tensors', () => {
    expect(expectCleanThrow(() => sbclSubclasses(data.x, data.y.slice(1)), 'SHAPE_MISMATCH').argument).toBe('labels');
    expect(expectCleanThrow(() => sbclSubclasses(data.x, data.y.map((v, i) => (i === 3 ? -1 : v))), 'LABEL_OUT_OF_RANGE').argument).toBe('labels');
    expect(expectCleanThrow(() => sbclSubclasses(data.x.map((r, i) => (i === 0 ? [Number.NaN, ...r.slice(1)] : r)), data.y), 'NON_FINITE_INPUT').argument).toBe('features');
    expect(expectCleanThrow(() => sbclSubclasses(data.x, data.y, { minSize: 0 }), 'INVALID_PARAMETER').argument).toBe('minSize');
    expect(expectCleanThrow(() => sbclSubclasses(data.x, data.y, { temperature: 0 }), 'INVALID_PARAMETER').argument).toBe('temperature');
    const same = data.x.map(() => [1, 0, 0, 0, 0, 0]);
    expect(expectCleanThrow(() => sbclSubclasses(same, data.y), 'DEGENERATE_DATA').argument).toBe('features');
    const r = sbclSubclasses(data.x, data.y);
    expect(expectCleanThrow(() => r.step([]), 'EMPTY_BATCH').argument).toBe('indices');
    expect(expectCleanThrow(() => r.step([0, 1000]), 'LABEL_OUT_OF_RANGE').argument).toBe('indices');
    expect(expectCleanThrow(() => r.step([0.5]), 'LABEL_OUT_OF_RANGE').argument).toBe('indices');
  });
});
