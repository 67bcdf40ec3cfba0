// PML pair losses added for issue #20, each against a float64 loop written from PML v2.8.1's definition
// (KevinMusgrave/pytorch-metric-learning @ 216a792, src/pytorch_metric_learning/losses/*.py), with a finite-difference
// gradient check on the reference, ±1e4-scale stability where the loss takes a similarity scale, and PML's
// published test values where its tests publish them.
import * as tf from '@tensorflow/tfjs-core';
import { type Expr, compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  angular, contrastive, cosine, dynamicSoftMargin, dynamicSoftMarginState, fastAP, generalizedLiftedStructure, histogram,
  instance, intraPairVariance, margin, nca, pnp, rankedList, snrContrastive, thresholdConsistentMargin, tupletMargin,
} from '../src/index.js';

beforeAll(async () => {
  await ready();
});

type M = number[][];
const y = [0, 1, 0, 2, 1, 2, 0, 3];
const B = y.length;
const D = 4;
const E = f32(randomMatrix(B, D, 77));

const dot = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k]!, 0);
const unit = (a: number[]) => {
  const n = Math.sqrt(Math.max(dot(a, a), 1e-12));
  return a.map((x) => x / n);
};
const cosM = (e: M) => e.map((a) => e.map((b) => dot(unit(a), unit(b))));
const l2n = (e: M) => e.map((a) => e.map((b) => Math.sqrt(Math.max(unit(a).reduce((s, x, k) => s + (x - unit(b)[k]!) ** 2, 0), 1e-12))));
const lse = (v: number[]) => {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
};
const meanOf = (v: number[]) => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : 0);
const posPairs = (labels: number[]) => labels.flatMap((ya, a) => labels.flatMap((yp, p) => (p !== a && yp === ya ? [[a, p] as const] : [])));
const negOf = (labels: number[], a: number) => labels.flatMap((yn, n) => (yn !== labels[a] ? [n] : []));

const run = (expr: Expr<'sample' | 'batch', 'any'>, e: M = E, labels: number[] = y, inputs?: Record<string, unknown>) => {
  const t = compile(expr, { from: 'embeddings' })(labels, e, inputs ? { inputs: inputs as never } : undefined);
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};
const close = (got: number, want: number, tol = 1e-5) => {
  expect(Number.isFinite(got)).toBe(true);
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * Math.max(Math.abs(want), 1e-2));
};
const unflat = (v: Float64Array, rows = B, cols = D) => Array.from({ length: rows }, (_, i) => Array.from(v.slice(i * cols, (i + 1) * cols)));
const gradOk = (expr: Expr<'sample' | 'batch', 'any'>, ref: (e: M) => number, e: M = E, labels: number[] = y, inputs?: Record<string, unknown>, rtol = 1e-3) => {
  const loss = compile(expr, { from: 'embeddings' });
  const x = tf.tensor2d(e);
  const r = checkGradient((t) => loss(labels, t, inputs ? { inputs: inputs as never } : undefined), x, { reference: (v) => ref(unflat(v, e.length, e[0]!.length)), rtol });
  x.dispose();
  expect(r.ok, `worst ${r.worst} at ${r.worstIndex}: ${r.analytic[r.worstIndex]} vs ${r.numeric[r.worstIndex]}`).toBe(true);
};

// ── references (PML definitions) ────────────────────────────────────────────
function angularRef(e: M, alphaDeg = 40): number {
  const u = e.map(unit);
  const t2 = Math.tan((alphaDeg * Math.PI) / 180) ** 2;
  const l = posPairs(y).map(([a, p]) => {
    const f = negOf(y, a).map((n) => 4 * t2 * dot(u[a]!.map((x, k) => x + u[p]![k]!), u[n]!) - 2 * (1 + t2) * dot(u[a]!, u[p]!));
    return lse([0, ...f]);
  });
  return meanOf(l);
}
function genLiftedRef(e: M, neg = 1, pos = 0): number {
  const d = l2n(e);
  return meanOf(y.map((_, a) => {
    const ps = posPairs(y).filter(([i]) => i === a).map(([, p]) => d[a]![p]! - pos);
    const ns = negOf(y, a).map((n) => neg - d[a]![n]!);
    return Math.max(0, (ps.length ? lse(ps) : 0) + (ns.length ? lse(ns) : 0));
  }));
}
function histogramRef(e: M, R: number): number {
  const s = cosM(e);
  const delta = 2 / R;
  const hasPos = y.map((ya, a) => y.some((yb, b) => b !== a && yb === ya));
  const hasNeg = y.map((ya) => y.some((yb) => yb !== ya));
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < B; i++) for (let j = i + 1; j < B; j++) {
    if (y[i] === y[j] && (hasNeg[i] || hasNeg[j])) pos.push(s[i]![j]!);
    if (y[i] !== y[j] && (hasPos[i] || hasPos[j])) neg.push(s[i]![j]!);
  }
  const dens = (v: number[]) => {
    const h = new Array(R + 1).fill(0);
    for (const x of v) {
      const r = Math.min(R - 1, Math.floor((x + 1) / delta));
      h[r + 1] += (x + 1 - r * delta) / delta / v.length;
      h[r] += ((r + 1) * delta - 1 - x) / delta / v.length;
    }
    return h;
  };
  const pp = dens(pos);
  const pn = dens(neg);
  let phi = 0;
  let L = 0;
  for (let r = 0; r <= R; r++) {
    phi += pp[r];
    L += pn[r] * phi;
  }
  return L;
}
function instanceRef(e: M, labels: number[], gamma = 64): number {
  const s = cosM(e);
  const distinct = [...new Set(labels)].sort((a, b) => a - b);
  return meanOf(labels.map((yi, i) => {
    const z = s[i]!.map((v) => gamma * v);
    return lse(z) - z[distinct.indexOf(yi)]!;
  }));
}
function ipvRef(e: M, pe = 0.01, ne = 0.01): number {
  const s = cosM(e);
  const ps = posPairs(y).map(([a, p]) => s[a]![p]!);
  const ns = y.flatMap((_, a) => negOf(y, a).map((n) => s[a]![n]!));
  const mp = meanOf(ps);
  const mn = meanOf(ns);
  return meanOf(ps.map((v) => Math.max(0, (1 - pe) * mp - v) ** 2)) + meanOf(ns.map((v) => Math.max(0, v - (1 + ne) * mn) ** 2));
}
function ncaRef(e: M, scale = 1): number {
  const d = l2n(e).map((r) => r.map((v) => v * v));
  const l: number[] = [];
  for (let i = 0; i < B; i++) {
    const z = d[i]!.map((v) => -scale * v);
    const others = z.filter((_, j) => j !== i);
    const same = z.filter((_, j) => j !== i && y[j] === y[i]);
    if (!same.length) continue;
    l.push(lse(others) - lse(same));
  }
  return meanOf(l);
}
function pnpRef(e: M, variant: string, tau = 0.01, b = 2, alpha = 1): number {
  const s = cosM(e);
  const sig = (x: number) => 1 / (1 + Math.exp(Math.min(50, Math.max(-50, -x / tau))));
  const f = (R: number) => ({ O: R, Ds: Math.log(1 + R), Dq: (1 + R) ** -alpha, Iu: (1 + R) * Math.log(1 + R), Ib: (b * R - Math.log(1 + b * R)) / (b * b) })[variant]!;
  const L = meanOf(y.map((yq, q) => {
    const P = y.flatMap((yi, i) => (yi === yq ? [i] : []));
    return meanOf(P.map((i) => f(negOf(y, q).reduce((t, n) => t + sig(s[q]![n]! - s[q]![i]!), 0))));
  }));
  return variant === 'Dq' ? 1 - L : L;
}
function rllRef(e: M, margin: number, Tn: number, lam: number, alpha: number, Tp: number): number {
  const d = l2n(e);
  return meanOf(y.map((yi, i) => {
    let wp = 0;
    let ap = 0;
    let wn = 0;
    let an = 0;
    for (let j = 0; j < B; j++) {
      wp += 1e-5;
      wn += 1e-5;
      if (j === i) continue;
      const v = d[i]![j]!;
      if (y[j] === yi && v > alpha - margin) {
        const w = Math.exp(Tp * (v - (alpha - margin)));
        wp += w;
        ap += w * (v - (alpha - margin));
      } else if (y[j] !== yi && v < alpha) {
        const w = Math.exp(Tn * (alpha - v));
        wn += w;
        an += w * (alpha - v);
      }
    }
    return (1 - lam) * (ap / wp) + lam * (an / wn);
  }));
}
function snrRef(e: M, pm = 0, nm = 1): number {
  const v = (x: number[]) => {
    const mu = meanOf(x);
    return x.reduce((s, t) => s + (t - mu) ** 2, 0) / (x.length - 1);
  };
  const d = e.map((a) => e.map((b) => v(a.map((x, k) => x - b[k]!)) / v(a)));
  const nz = (l: number[]) => meanOf(l.filter((x) => x > 0));
  return nz(posPairs(y).map(([a, p]) => Math.max(0, d[a]![p]! - pm))) + nz(y.flatMap((_, a) => negOf(y, a).map((n) => Math.max(0, nm - d[a]![n]!))));
}
function tcmRef(e: M, lp = 1, ln = 1, mp = 0.9, mn = 0.5, labels = y): number {
  const s = cosM(e);
  const ps = posPairs(labels).map(([a, p]) => s[a]![p]!).filter((v) => v <= mp);
  const ns = labels.flatMap((_, a) => negOf(labels, a).map((n) => s[a]![n]!)).filter((v) => v >= mn);
  return (ps.length ? (lp * ps.reduce((t, v) => t + mp - v, 0)) / ps.length : 0) + (ns.length ? (ln * ns.reduce((t, v) => t + v - mn, 0)) / ns.length : 0);
}
function tupletRef(e: M, deg = 5.73, scale = 64): number {
  const s = cosM(e);
  const beta = (deg * Math.PI) / 180;
  return meanOf(posPairs(y).map(([a, p]) => {
    const c = Math.cos(Math.acos(s[a]![p]!) - beta);
    return lse([0, ...negOf(y, a).map((n) => scale * (s[a]![n]! - c))]);
  }));
}
function marginRef(e: M, alpha = 0.2, betaOf: (a: number) => number = () => 1.2, nu = 0, perClass = false): number {
  const d = l2n(e);
  let S = 0;
  let div = 0;
  let reg = 0;
  for (const [a, p] of posPairs(y)) for (const n of negOf(y, a)) {
    const x = d[a]![p]! - betaOf(a) + alpha;
    const z = betaOf(a) - d[a]![n]! + alpha;
    S += Math.max(0, x) + Math.max(0, z);
    div += (x > 0 ? 1 : 0) + (z > 0 ? 1 : 0);
    reg += nu * betaOf(a);
  }
  return (div ? S / div : 0) + (perClass ? (div ? reg / div : 0) : 0);
}
function dsmRef(e: M, hist: number[], minVal = -2): number {
  const d = l2n(e);
  const K = hist.length;
  const w = (2 * Math.abs(minVal)) / K;
  const tot = hist.reduce((s, x) => s + x, 0);
  const cdf = hist.map((_, i) => hist.slice(0, i + 1).reduce((s, x) => s + x, 0) / tot);
  const l: number[] = [];
  for (const [a, p] of posPairs(y)) for (const n of negOf(y, a)) {
    const x = d[a]![p]! - d[a]![n]!;
    l.push(cdf[Math.min(K - 1, Math.max(0, Math.floor((x - minVal) / w)))]! * x);
  }
  return meanOf(l);
}
function fastApRef(e: M, K = 10): number {
  const d = l2n(e).map((r) => r.map((v) => v * v));
  const delta = 4 / K;
  const l: number[] = [];
  for (let a = 0; a < B; a++) {
    const hp = new Array(K + 1).fill(0);
    const hn = new Array(K + 1).fill(0);
    let np = 0;
    for (let j = 0; j < B; j++) {
      if (j === a) continue;
      for (let b = 0; b <= K; b++) {
        const pulse = Math.max(0, 1 - Math.abs(d[a]![j]! - b * delta) / delta);
        if (y[j] === y[a]) hp[b] += pulse;
        else hn[b] += pulse;
      }
      if (y[j] === y[a]) np++;
    }
    if (!np) continue;
    let Hp = 0;
    let H = 0;
    let F = 0;
    for (let b = 0; b <= K; b++) {
      Hp += hp[b];
      H += hp[b] + hn[b];
      if (hp[b] * Hp > 0 && H > 0) F += (hp[b] * Hp) / H;
    }
    l.push(1 - F / np);
  }
  return meanOf(l);
}

// ── value and gradient against the references ───────────────────────────────
const cases: [string, Expr<'sample' | 'batch', 'any'>, (e: M) => number][] = [
  ['angular (α = 40°)', angular(), (e) => angularRef(e)],
  ['angular (α = 30°)', angular({ alpha: 30 }), (e) => angularRef(e, 30)],
  ['generalizedLiftedStructure', generalizedLiftedStructure(), (e) => genLiftedRef(e)],
  ['generalizedLiftedStructure (m⁻ = 0.8, m⁺ = 0.3)', generalizedLiftedStructure({ negMargin: 0.8, posMargin: 0.3 }), (e) => genLiftedRef(e, 0.8, 0.3)],
  ['histogram (R = 20)', histogram({ numBins: 20 }), (e) => histogramRef(e, 20)],
  ['instance (γ = 8)', instance({ gamma: 8 }), (e) => instanceRef(e, y, 8)],
  ['intraPairVariance', intraPairVariance(), (e) => ipvRef(e)],
  ['intraPairVariance (ε = 0.2, 0.3)', intraPairVariance({ posEps: 0.2, negEps: 0.3 }), (e) => ipvRef(e, 0.2, 0.3)],
  ['nca (s = 3)', nca({ softmaxScale: 3 }), (e) => ncaRef(e, 3)],
  ['pnp O (τ = 0.2)', pnp({ anneal: 0.2 }), (e) => pnpRef(e, 'O', 0.2)],
  ['pnp Ds', pnp({ variant: 'Ds', anneal: 0.2 }), (e) => pnpRef(e, 'Ds', 0.2)],
  ['pnp Dq (α = 2)', pnp({ variant: 'Dq', anneal: 0.2, alpha: 2 }), (e) => pnpRef(e, 'Dq', 0.2, 2, 2)],
  ['pnp Iu', pnp({ variant: 'Iu', anneal: 0.2 }), (e) => pnpRef(e, 'Iu', 0.2)],
  ['pnp Ib (b = 3)', pnp({ variant: 'Ib', anneal: 0.2, b: 3 }), (e) => pnpRef(e, 'Ib', 0.2, 3)],
  ['rankedList (m = 0.4, Tn = 10)', rankedList({ margin: 0.4, Tn: 10 }), (e) => rllRef(e, 0.4, 10, 0.5, 1.2, 0)],
  ['rankedList (PML test settings m = 0.8, Tp = Tn = 3, λ = 0.7, α = 1 − m/2)', rankedList({ margin: 0.8, Tn: 3, Tp: 3, imbalance: 0.7, alpha: 0.6 }), (e) => rllRef(e, 0.8, 3, 0.7, 0.6, 3)],
  ['snrContrastive', snrContrastive(), (e) => snrRef(e)],
  ['snrContrastive (m⁺ = 0.5, m⁻ = 1.5)', snrContrastive({ posMargin: 0.5, negMargin: 1.5 }), (e) => snrRef(e, 0.5, 1.5)],
  ['thresholdConsistentMargin', thresholdConsistentMargin({ marginPlus: 0.3, marginMinus: -0.2 }), (e) => tcmRef(e, 1, 1, 0.3, -0.2)],
  ['tupletMargin (s = 8)', tupletMargin({ scale: 8 }), (e) => tupletRef(e, 5.73, 8)],
  ['tupletMargin (β = 20°, s = 4)', tupletMargin({ margin: 20, scale: 4 }), (e) => tupletRef(e, 20, 4)],
  ['margin (α = 0.2, β = 1.2)', margin(), (e) => marginRef(e)],
  ['margin (α = 0.1, β = 0.9)', margin({ margin: 0.1, beta: 0.9 }), (e) => marginRef(e, 0.1, () => 0.9)],
  ['fastAP (K = 10)', fastAP(), (e) => fastApRef(e)],
  ['fastAP (K = 4)', fastAP({ numBins: 4 }), (e) => fastApRef(e, 4)],
];

describe('values against float64 references written from PML', () => {
  for (const [name, expr, ref] of cases) {
    it(name, () => {
      const want = ref(E);
      expect(Math.abs(want)).toBeGreaterThan(1e-4);
      close(run(expr), want);
    });
  }
});

describe('finite-difference gradients of the references', () => {
  for (const [name, expr, ref] of cases) {
    // histogram / fastAP are piecewise linear in bin positions; smooth almost everywhere, checked like the others
    it(name, () => gradOk(expr, ref));
  }
});

describe('stateful and learnable parts', () => {
  it('dynamicSoftMargin: the state builds the authors\' histogram, and the loss weights each triplet by its CDF', () => {
    const st = dynamicSoftMarginState();
    const { inputs } = st.update(E, y);
    // authors' code: per triplet x = d_ap − d_an, lo = ⌊(x − min)/w⌋, α = 1 − (x − min − lo·w)/w to lo, 1 − α to lo + 1
    const d = l2n(E);
    const h = new Array(10).fill(0);
    for (const [a, p] of posPairs(y)) for (const n of negOf(y, a)) {
      const x = d[a]![p]! - d[a]![n]!;
      const lo = Math.floor((x + 2) / 0.4);
      const al = 1 - (x + 2 - lo * 0.4) / 0.4;
      h[lo] += al;
      h[Math.min(9, lo + 1)] += 1 - al;
    }
    const tot = h.reduce((s, x) => s + x, 0);
    Array.from(inputs.dsmHistogram).forEach((v, i) => expect(Math.abs(v - h[i] / (tot + 1e-6))).toBeLessThan(1e-5));
    close(run(dynamicSoftMargin(), E, y, inputs), dsmRef(E, Array.from(inputs.dsmHistogram)));
    gradOk(dynamicSoftMargin(), (e) => dsmRef(e, Array.from(inputs.dsmHistogram)), E, y, inputs);
    // second batch: momentum 0.01 mix of the normalized batch histogram
    const before = Array.from(st.histogram);
    const E2 = f32(randomMatrix(B, D, 78));
    const second = st.update(E2, y).inputs.dsmHistogram;
    const d2 = l2n(E2);
    const h2 = new Array(10).fill(0);
    for (const [a, p] of posPairs(y)) for (const n of negOf(y, a)) {
      const x = d2[a]![p]! - d2[a]![n]!;
      const lo = Math.floor((x + 2) / 0.4);
      const al = 1 - (x + 2 - lo * 0.4) / 0.4;
      h2[lo] += al;
      h2[Math.min(9, lo + 1)] += 1 - al;
    }
    const t2 = h2.reduce((s, x) => s + x, 0);
    Array.from(second).forEach((v, i) => expect(Math.abs(v - (0.99 * before[i]! + (0.01 * h2[i]) / (t2 + 1e-6)))).toBeLessThan(1e-6));
  });

  it('margin with a learned β per class: value, and the gradient with respect to β', () => {
    const betas = [1.1, 1.3, 0.9, 1.2];
    const lossOf = (b: tf.Tensor) => compile(margin({ beta: { input: 'beta' }, nu: 0.05 }), { from: 'embeddings' })(y, E, { inputs: { beta: b } });
    const bt = tf.tensor1d(betas);
    const ref = (bv: ArrayLike<number>) => marginRef(E, 0.2, (a) => bv[y[a]!]!, 0.05, true);
    const v = lossOf(bt);
    close(v.dataSync()[0]!, ref(betas));
    v.dispose();
    const r = checkGradient((b) => lossOf(b), bt, { reference: (bv) => ref(bv) });
    bt.dispose();
    expect(r.ok, `worst ${r.worst}: ${r.analytic[r.worstIndex]} vs ${r.numeric[r.worstIndex]}`).toBe(true);
  });

  it('margin with a learned scalar β adds ν·β (already reduced, as PML)', () => {
    const b = tf.scalar(1.1);
    const v = compile(margin({ beta: { input: 'beta' }, nu: 0.3 }), { from: 'embeddings' })(y, E, { inputs: { beta: b } });
    close(v.dataSync()[0]!, marginRef(E, 0.2, () => 1.1) + 0.3 * 1.1);
    tf.dispose([v, b]);
  });
});

describe('PML published values', () => {
  it('ThresholdConsistentMarginLoss + ContrastiveLoss(cosine, m⁺ 0.9, m⁻ 0.4) = 1.0045 (tests/losses/test_tcm_loss.py @216a792)', () => {
    const embs = [[0, 1], [0.43, 0.9], [1, 0], [0.5, 0.5]];
    const labels = [0, 0, 1, 1];
    const loss = contrastive({ distance: cosine(), posMargin: 0.9, negMargin: 0.4 }).plus(thresholdConsistentMargin());
    expect(Math.abs(run(loss, embs, labels) - 1.0045)).toBeLessThan(1e-4);
    // and the TCM part alone, from the comment in that test: 0.1929 + 0.325
    expect(Math.abs(run(thresholdConsistentMargin(), embs, labels) - tcmRef(embs, 1, 1, 0.9, 0.5, labels))).toBeLessThan(1e-6);
  });
});

describe('large similarity scales stay finite and exact', () => {
  it('instance with γ = 1e4 and tupletMargin with s = 1e4 match float64', () => {
    close(run(instance({ gamma: 1e4 })), instanceRef(E, y, 1e4), 1e-4);
    close(run(tupletMargin({ scale: 1e4 })), tupletRef(E, 5.73, 1e4), 1e-4);
  });
});

describe('bad input and tensor hygiene for every new pair loss', () => {
  const builders: [string, () => unknown][] = [
    ['angular({ alpha: 90 })', () => angular({ alpha: 90 })],
    ['generalizedLiftedStructure({ negMargin: NaN })', () => generalizedLiftedStructure({ negMargin: Number.NaN })],
    ['histogram({ numBins: 1 })', () => histogram({ numBins: 1 })],
    ['instance({ gamma: 0 })', () => instance({ gamma: 0 })],
    ['intraPairVariance({ posEps: Infinity })', () => intraPairVariance({ posEps: Number.POSITIVE_INFINITY })],
    ['nca({ softmaxScale: -1 })', () => nca({ softmaxScale: -1 })],
    ['pnp({ anneal: 0 })', () => pnp({ anneal: 0 })],
    ['rankedList({ Tn: 100 })', () => rankedList({ Tn: 100 })],
    ['rankedList({ imbalance: 2 })', () => rankedList({ imbalance: 2 })],
    ['thresholdConsistentMargin({ marginPlus: 2 })', () => thresholdConsistentMargin({ marginPlus: 2 })],
    ['tupletMargin({ margin: 180 })', () => tupletMargin({ margin: 180 })],
    ['margin({ margin: -1 })', () => margin({ margin: -1 })],
    ['dynamicSoftMargin({ minVal: -1 })', () => dynamicSoftMargin({ minVal: -1 })],
    ['fastAP({ numBins: 0.5 })', () => fastAP({ numBins: 0.5 })],
  ];
  for (const [name, f] of builders) it(`${name} is INVALID_PARAMETER`, () => expectCleanThrow(f, 'INVALID_PARAMETER'));
  it('pnp with an unknown variant and margin with a non-name beta are typed', () => {
    expectCleanThrow(() => pnp({ variant: 'X' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => margin({ beta: 'b' as never }), 'INVALID_ARGUMENT');
  });

  const losses: [string, Expr<'sample' | 'batch', 'any'>][] = cases.map(([n, e]) => [n, e]);
  it('NaN embeddings are NON_FINITE_INPUT, cleanly, for every loss', () => {
    const bad = E.map((r, i) => (i === 2 ? [Number.NaN, ...r.slice(1)] : r));
    for (const [, expr] of losses) expectCleanThrow(() => compile(expr, { from: 'embeddings' }).valueAndGrad(y, bad), 'NON_FINITE_INPUT');
  });
  it('repeated value-and-gradient calls leave no tensors', () => {
    for (const [, expr] of losses) {
      const loss = compile(expr, { from: 'embeddings' });
      expectNoLeaks(() => {
        for (let i = 0; i < 3; i++) {
          const { value, grad } = loss.valueAndGrad(y, E);
          tf.dispose([value, grad]);
        }
      });
    }
  });
  it('dynamicSoftMargin without its histogram, or with the wrong number of bins, is typed', () => {
    expectCleanThrow(() => compile(dynamicSoftMargin(), { from: 'embeddings' })(y, E), 'MISSING_INPUT');
    expectCleanThrow(() => compile(dynamicSoftMargin(), { from: 'embeddings' })(y, E, { inputs: { dsmHistogram: [1, 2] } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(margin({ beta: { input: 'beta' } }), { from: 'embeddings' })(y, E, { inputs: { beta: [1, 1] } }), 'LABEL_OUT_OF_RANGE');
  });
});
