import * as tf from '@tensorflow/tfjs-core';
import { type Expr, compile, ready } from '@losskit/core';
import { checkGradient, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adaFace, arcFace, byol, clip, cosFace, decoupledSoftmax, icon, proxyAnchor, proxyNca, protoTriplet, siglip,
} from '../src/index.js';
import { type M, cos, dot, euc, lse, matrix, norm, softplus, COS } from './reference.js';
import { expectClose } from './helpers.js';

beforeAll(async () => {
  await ready();
});

const y = [1, 0, 2, 1, 0, 2, 1, 0, 3, 3];
const B = y.length;
const D = 4;
const C = 4;
const E = f32(randomMatrix(B, D, 21));
const W = f32(randomMatrix(C, D, 22));
const T = f32(randomMatrix(B, D, 23));
const unit = (a: number[]) => a.map((x) => x / norm(a));
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const ce = (logits: number[], t: number) => lse(logits) - logits[t]!;

// ── float64 references from the papers ──
const proxyNcaRef = (e: M, w: M) => mean(e.map((x, i) => ce(w.map((p) => -(euc(unit(x), unit(p)) ** 2)), y[i]!)));
function proxyAnchorRef(e: M, w: M, alpha = 32, delta = 0.1): number {
  let pos = 0;
  let nPos = 0;
  let neg = 0;
  for (let c = 0; c < w.length; c++) {
    let sp = 0;
    let sn = 0;
    let has = false;
    e.forEach((x, i) => {
      const s = cos(x, w[c]!);
      if (y[i] === c) {
        has = true;
        sp += Math.exp(-alpha * (s - delta));
      } else sn += Math.exp(alpha * (s + delta));
    });
    if (has) {
      pos += Math.log(1 + sp);
      nPos++;
    }
    neg += Math.log(1 + sn);
  }
  return pos / nPos + neg / w.length;
}
const clampAcos = (c: number) => Math.acos(Math.min(Math.max(c, -1 + 1e-7), 1 - 1e-7));
const arcRef = (e: M, w: M, s = 64, m = 0.5) => mean(e.map((x, i) => ce(w.map((p, j) => s * (j === y[i] ? Math.cos(clampAcos(cos(x, p)) + m) : cos(x, p))), y[i]!)));
const cosFaceRef = (e: M, w: M, s = 64, m = 0.35) => mean(e.map((x, i) => ce(w.map((p, j) => s * (cos(x, p) - (j === y[i] ? m : 0))), y[i]!)));
function adaFaceRef(e: M, w: M, frozenNorms?: number[], m = 0.4, h = 0.333, s = 64): number {
  const eps = 1e-3;
  const norms = frozenNorms ?? e.map((x) => Math.min(Math.max(Math.sqrt(dot(x, x)), 0.001), 100));
  const mu = mean(norms);
  const sd = Math.sqrt(norms.reduce((a, v) => a + (v - mu) ** 2, 0) / (norms.length - 1));
  return mean(e.map((x, i) => {
    const z = Math.min(Math.max((h * (norms[i]! - mu)) / (sd + eps), -1), 1);
    return ce(w.map((p, j) => {
      const c = Math.min(Math.max(cos(x, p), -1 + eps), 1 - eps);
      if (j !== y[i]) return s * c;
      const th = Math.min(Math.max(Math.acos(c) - m * z, eps), Math.PI - eps);
      return s * (Math.cos(th) - (m * z + m));
    }), y[i]!);
  }));
}
function clipRef(img: M, txt: M, logScale = Math.log(1 / 0.07)): number {
  const z = img.map((a) => txt.map((b) => Math.exp(logScale) * cos(a, b)));
  return mean(img.map((_, i) => 0.5 * (ce(z[i]!, i) + ce(z.map((r) => r[i]!), i))));
}
function siglipRef(img: M, txt: M, tp = Math.log(10), b = -10): number {
  let s = 0;
  for (let i = 0; i < img.length; i++) for (let j = 0; j < txt.length; j++) {
    const z = Math.exp(tp) * cos(img[i]!, txt[j]!) + b;
    s += softplus(-(i === j ? 1 : -1) * z); // -log σ(ℓ z)
  }
  return s / img.length;
}
const byolRef = (q: M, t: M) => mean(q.map((a, i) => 2 - 2 * cos(a, t[i]!)));
function iconRef(e: M, tau: number, alpha: number): number {
  const s = matrix(e, COS);
  return mean(e.map((_, i) => {
    const others = [...Array(B).keys()].filter((j) => j !== i);
    const l = lse(others.map((j) => s[i]![j]! / tau));
    const pos = others.filter((j) => y[j] === y[i]);
    if (!pos.length && alpha === 0) return 0;
    let kl = 0;
    for (const j of others) {
      const p = (1 - alpha) * (pos.includes(j) ? 1 / pos.length : 0) + alpha / (B - 1);
      if (p > 0) kl += p * (Math.log(p) - (s[i]![j]! / tau - l));
    }
    return kl;
  }));
}
function dexmlRef(e: M, tau = 0.05): number {
  const s = matrix(e, COS).map((r) => r.map((v) => v / tau));
  return mean(e.map((_, i) => {
    const pos = [...Array(B).keys()].filter((j) => j !== i && y[j] === y[i]);
    const neg = [...Array(B).keys()].filter((j) => y[j] !== y[i]);
    if (!pos.length) return 0;
    return mean(pos.map((l) => -(s[i]![l]! - lse([s[i]![l]!, ...neg.map((j) => s[i]![j]!)]))));
  }));
}
function protoRef(e: M, margin = 0.5): number {
  const classes = [...new Set(y)];
  const proto = new Map(classes.map((c) => {
    const mem = e.filter((_, i) => y[i] === c);
    return [c, mem[0]!.map((_, k) => mean(mem.map((r) => r[k]!)))] as const;
  }));
  return mean(e.map((x, i) => {
    const own = euc(x, proto.get(y[i]!)!);
    const other = Math.min(...classes.filter((c) => c !== y[i]).map((c) => euc(x, proto.get(c)!)));
    return Math.max(0, own - other + margin);
  }));
}

const run = (expr: Expr<'sample' | 'batch', 'any'>, e: M | tf.Tensor, inputs: Record<string, M | number | tf.Tensor> = {}) => {
  const v = compile(expr, { from: 'embeddings' })(y, e as M, { inputs });
  const out = v.dataSync()[0]!;
  v.dispose();
  return out;
};
const close = expectClose;

const rows = (flat: Float64Array, n: number, d: number) => Array.from({ length: n }, (_, i) => Array.from(flat.slice(i * d, (i + 1) * d)));

type Case = { name: string; expr: Expr<'sample' | 'batch', 'any'>; ref: (e: M) => number; inputs: Record<string, M | number>; tol?: number };
const cases: Case[] = [
  { name: 'proxyNca', expr: proxyNca(), ref: (e) => proxyNcaRef(e, W), inputs: { proxies: W } },
  { name: 'proxyAnchor', expr: proxyAnchor(), ref: (e) => proxyAnchorRef(e, W), inputs: { proxies: W } },
  { name: 'arcFace', expr: arcFace(), ref: (e) => arcRef(e, W), inputs: { weights: W } },
  { name: 'arcFace s=8 m=0.3', expr: arcFace({ scale: 8, margin: 0.3 }), ref: (e) => arcRef(e, W, 8, 0.3), inputs: { weights: W } },
  { name: 'cosFace', expr: cosFace(), ref: (e) => cosFaceRef(e, W), inputs: { weights: W } },
  { name: 'adaFace', expr: adaFace(), ref: (e) => adaFaceRef(e, W), inputs: { weights: W } },
  { name: 'clip', expr: clip(), ref: (e) => clipRef(e, T), inputs: { text: T } },
  { name: 'siglip', expr: siglip(), ref: (e) => siglipRef(e, T), inputs: { text: T } },
  { name: 'siglip (learnable t\', b as inputs)', expr: siglip({ logTemperature: { input: 'tp' }, bias: { input: 'b' } }), ref: (e) => siglipRef(e, T, 1.5, -2), inputs: { text: T, tp: 1.5, b: -2 } },
  { name: 'byol', expr: byol(), ref: (e) => byolRef(e, T), inputs: { target: T } },
  { name: 'icon (τ = 0.5)', expr: icon(), ref: (e) => iconRef(e, 0.5, 0), inputs: {} },
  { name: 'icon debias α = 0.2', expr: icon({ temperature: 0.3, debias: 0.2 }), ref: (e) => iconRef(e, 0.3, 0.2), inputs: {} },
  { name: 'decoupledSoftmax (DEXML, τ = 0.05)', expr: decoupledSoftmax(), ref: (e) => dexmlRef(e), inputs: {} },
  { name: 'protoTriplet (m = 0.5)', expr: protoTriplet(), ref: (e) => protoRef(e), inputs: {} },
];

describe('proxy, margin-softmax, image-text, self-supervised and paper losses vs float64 loops', () => {
  for (const c of cases) {
    it(`${c.name}: value`, () => {
      close(run(c.expr, E, c.inputs), c.ref(E), c.tol);
      expect(Math.abs(c.ref(E))).toBeGreaterThan(1e-3);
    });
  }
  const gradCases = cases.filter((c) => !['arcFace', 'cosFace', 'adaFace', 'proxyAnchor'].includes(c.name));
  for (const c of gradCases) {
    it(`${c.name}: finite-difference gradient`, () => {
      const loss = compile(c.expr, { from: 'embeddings' });
      const x = tf.tensor2d(E);
      const r = checkGradient((t) => loss(y, t, { inputs: c.inputs }), x, { reference: (f) => c.ref(rows(f, B, D)) });
      x.dispose();
      expect(r.ok, `worst ${r.worst} at ${r.worstIndex}`).toBe(true);
    });
  }
  // Large scales (s = 64, α = 32) make float32 finite differences of the reference meaningless at the
  // default tolerance; check the same formulas at moderate scales instead.
  const scaled: [string, Expr<'sample' | 'batch', 'any'>, (e: M) => number, Record<string, M>][] = [
    ['arcFace s = 4', arcFace({ scale: 4 }), (e) => arcRef(e, W, 4), { weights: W }],
    ['cosFace s = 4', cosFace({ scale: 4 }), (e) => cosFaceRef(e, W, 4), { weights: W }],
    ['proxyAnchor α = 4', proxyAnchor({ alpha: 4 }), (e) => proxyAnchorRef(e, W, 4), { proxies: W }],
    // norms carry no gradient in AdaFace: the reference freezes them at E
    ['adaFace s = 4', adaFace({ s: 4 }), (e) => adaFaceRef(e, W, E.map((x) => Math.sqrt(dot(x, x))), 0.4, 0.333, 4), { weights: W }],
  ];
  for (const [name, expr, ref, inputs] of scaled) {
    it(`${name}: finite-difference gradient`, () => {
      const loss = compile(expr, { from: 'embeddings' });
      const x = tf.tensor2d(E);
      const r = checkGradient((t) => loss(y, t, { inputs }), x, { reference: (f) => ref(rows(f, B, D)) });
      x.dispose();
      expect(r.ok, `worst ${r.worst} at ${r.worstIndex}`).toBe(true);
    });
  }

  it('gradients reach caller-owned inputs: proxies, class weights, SigLIP t\' and b', () => {
    const w = tf.tensor2d(W);
    const loss = compile(proxyNca(), { from: 'embeddings' });
    const r = checkGradient((t) => loss(y, E, { inputs: { proxies: t } }), w, { reference: (f) => proxyNcaRef(E, rows(f, C, D)) });
    expect(r.ok, `worst ${r.worst}`).toBe(true);
    const arc = compile(arcFace({ scale: 4 }), { from: 'embeddings' });
    const r2 = checkGradient((t) => arc(y, E, { inputs: { weights: t } }), w, { reference: (f) => arcRef(E, rows(f, C, D), 4) });
    expect(r2.ok, `worst ${r2.worst}`).toBe(true);
    const sl = compile(siglip({ logTemperature: { input: 'tp' }, bias: { input: 'b' } }), { from: 'embeddings' });
    const tb = tf.tensor1d([1.2, -3]);
    const r3 = checkGradient((t) => sl(y, E, { inputs: { text: T, tp: tf.slice(t, [0], [1]), b: tf.slice(t, [1], [1]) } }), tb, {
      reference: (f) => siglipRef(E, T, f[0]!, f[1]!),
    });
    expect(r3.ok, `worst ${r3.worst}`).toBe(true);
    w.dispose();
    tb.dispose();
  });

  it('proto-triplet uses the Euclidean distance to class means: equal to a float64 Euclidean reference, not to squared-Euclidean or cosine variants', () => {
    // Reference written from the paper's definition with the distance as a parameter; only the Euclidean one may match.
    const proto = (e: M, dist: (a: number[], b: number[]) => number, margin = 0.5) => {
      const classes = [...new Set(y)];
      const centre = new Map(classes.map((c) => {
        const mem = e.filter((_, i) => y[i] === c);
        return [c, mem[0]!.map((_, k) => mean(mem.map((r) => r[k]!)))] as const;
      }));
      return mean(e.map((x, i) => Math.max(0, dist(x, centre.get(y[i]!)!) - Math.min(...classes.filter((c) => c !== y[i]).map((c) => dist(x, centre.get(c)!))) + margin)));
    };
    const got = run(protoTriplet(), E);
    const euclid = proto(E, (a, b) => euc(a, b));
    const squared = proto(E, (a, b) => euc(a, b) ** 2);
    const cosineDist = proto(E, (a, b) => 1 - cos(a, b));
    close(got, euclid);
    expect(Math.abs(got - squared)).toBeGreaterThan(1e-2 * Math.abs(squared));
    expect(Math.abs(got - cosineDist)).toBeGreaterThan(1e-2 * Math.abs(cosineDist));
    // and at a margin where only some triplets are active
    close(run(protoTriplet({ margin: 0.1 }), E), proto(E, (a, b) => euc(a, b), 0.1));
  });
});

describe('a single class (C = 1 class-weight / proxy row)', () => {
  const e1 = [[0.3, -1, 0.5], [1, 0.2, -0.4]];
  const w1 = [[0.5, 0.5, -1]];
  const y1 = [0, 0];
  it('arcFace, cosFace and adaFace: softmax over one logit is 1, so the loss is 0; proxyNca likewise', () => {
    for (const [expr, name] of [[arcFace(), 'weights'], [cosFace(), 'weights'], [adaFace(), 'weights'], [proxyNca(), 'proxies']] as const) {
      const loss = compile(expr, { from: 'embeddings' });
      const v = loss(y1, e1, { inputs: { [name]: w1 } });
      expect(Math.abs(v.dataSync()[0]!)).toBeLessThanOrEqual(1e-6);
      v.dispose();
    }
  });
});

describe('class matrices whose shape happens to broadcast to [B, B]', () => {
  it('embedding width 1 with C = B classes: the [C, 1] weights are used as given (not widened to [B, B])', () => {
    // cosines of 1-D vectors are ±1: e = [3], [-2]; w = [-3.4], [4.03] → cos = [[-1, 1], [1, -1]]
    const loss = compile(cosFace({ scale: 2, margin: 0.1 }), { from: 'embeddings' });
    const v = loss([0, 1], [[3], [-2]], { inputs: { weights: [[-3.4], [4.03]] } });
    // row 0 (label 0): logits 2·[-1 - 0.1, 1]; row 1 (label 1): 2·[1, -1 - 0.1]
    const ce = (z: number[], y: number) => lse(z) - z[y]!;
    expectClose(v.dataSync()[0]!, (ce([-2.2, 2], 0) + ce([2, -2.2], 1)) / 2);
    v.dispose();
  });
});
