import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { expectNoLeaks } from '@losskit/core/testing';
import {
  acprop, adam, applyEvery, backtrackingLinesearch, differentiallyPrivateAggregate, dpsgd, mechanize, chain, conditionallyMask, conditionallyTransform, disposeParams, disposeState, freeze, identity, keepParamsNonnegative,
  normalizeByUpdateNorm, perExampleGlobalNormClip, scaleByLearningRate, scaleByParamBlockNorm, setToZero, sgd, simplifiedAdemamix, step, type Params,
} from '../src/index.js';
import { PARTS, expectMatch, f64, grad64, ours, reference, relErr, sq } from './helpers.js';

beforeAll(async () => {
  await ready();
});

const code = (c: string) => expect.objectContaining({ code: c });
const zeros = () => [0, 0, 0];

describe('small optax transforms vs float64 references', () => {
  it('identity passes updates through; setToZero zeroes them; freeze("b") keeps b fixed under sgd', () => {
    expectMatch(ours(chain(identity(), scaleByLearningRate(0.1))), reference((t) => grad64(t).map((g) => -0.1 * g)));
    expectMatch(ours(chain(sgd({ learningRate: 0.1 }), setToZero())), reference(() => zeros()));
    expectMatch(ours(chain(sgd({ learningRate: 0.1 }), freeze('b'))), reference((t) => grad64(t).map((g, i) => (PARTS[1]!.includes(i) ? 0 : -0.1 * g))));
  });

  it('keepParamsNonnegative: u = −θ where θ + u < 0 (sgd with lr 1 would cross zero)', () => {
    expectMatch(ours(chain(sgd({ learningRate: 1 }), keepParamsNonnegative()), 3), reference((t) => grad64(t).map((g, i) => (t[i]! - g < 0 ? -t[i]! : -g)), 3));
  });

  it('applyEvery(3): sums 3 updates, emits the sum on every third step and 0 otherwise (optax apply_every)', () => {
    const acc = zeros();
    expectMatch(ours(chain(sgd({ learningRate: 0.1 }), applyEvery(3)), 6), reference((t, k) => {
      const c = k % 3;
      const u = grad64(t).map((g) => -0.1 * g);
      for (let i = 0; i < 3; i++) acc[i] = (c !== 0 ? acc[i]! : 0) + u[i]!;
      return c === 2 ? [...acc] : zeros();
    }, 6));
  });

  it('conditionallyTransform / conditionallyMask: inner runs on even steps; odd steps pass through / give 0, inner state kept', () => {
    const m = zeros();
    const v = zeros();
    let n = 0;
    const adamStep = (g: number[]) => {
      n++;
      return g.map((gi, i) => {
        m[i] = 0.9 * m[i]! + 0.1 * gi;
        v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
        return (-0.1 * (m[i]! / (1 - 0.9 ** n))) / (Math.sqrt(v[i]! / (1 - 0.999 ** n)) + 1e-8);
      });
    };
    expectMatch(ours(conditionallyMask(adam({ learningRate: 0.1 }), (s) => s % 2 === 0)), reference((t, k) => (k % 2 === 0 ? adamStep(grad64(t)) : zeros())));
    expectMatch(ours(chain(conditionallyTransform(scaleByLearningRate(0.5), (s) => s < 2), scaleByLearningRate(0.1))), reference((t, k) => grad64(t).map((g) => (k < 2 ? 0.05 * g : -0.1 * g))));
  });

  it('normalizeByUpdateNorm: u = s·g/(‖g‖ + ε) (global); scaleByParamBlockNorm: u·max(‖θ‖, m) per tensor', () => {
    expectMatch(ours(chain(normalizeByUpdateNorm({ scaleFactor: 2 }), scaleByLearningRate(0.1))), reference((t) => {
      const g = grad64(t);
      const nrm = Math.sqrt(sq(g)) + 1e-6;
      return g.map((x) => (-0.1 * 2 * x) / nrm);
    }));
    expectMatch(ours(chain(scaleByParamBlockNorm(), scaleByLearningRate(0.1))), reference((t) => {
      const g = grad64(t);
      const out = zeros();
      for (const idx of PARTS) {
        const nrm = Math.max(Math.sqrt(idx.reduce((s, i) => s + t[i]! ** 2, 0)), 1e-3);
        for (const i of idx) out[i] = -0.1 * g[i]! * nrm;
      }
      return out;
    }));
  });

  it('acprop: u = g/(√(s_{t−1}/(1−β2^{t−1})) + ε) with the centred s of the previous step (Zhuang et al. 2021, as optax.contrib)', () => {
    const m = zeros();
    const s = zeros();
    expectMatch(ours(acprop({ learningRate: 0.01 })), reference((t, k) => grad64(t).map((g, i) => {
      const u = k === 0 ? g / (1 + 1e-16) : g / (Math.sqrt(s[i]! / (1 - 0.999 ** k)) + 1e-16);
      s[i] = 0.999 * s[i]! + 0.001 * (g - m[i]!) ** 2 + 1e-16;
      m[i] = 0.9 * m[i]! + 0.1 * g;
      return -0.01 * u;
    })));
  });

  it('simplifiedAdemamix: m ← β1m + g, u = (m + αg)/(√n̂ + ε)', () => {
    const m = zeros();
    const n = zeros();
    expectMatch(ours(simplifiedAdemamix({ learningRate: 0.01, alpha: 2 })), reference((t, k) => grad64(t).map((g, i) => {
      m[i] = 0.99 * m[i]! + g;
      n[i] = 0.95 * n[i]! + 0.05 * g * g;
      return (-0.01 * (m[i]! + 2 * g)) / (Math.sqrt(n[i]! / (1 - 0.95 ** (k + 1))) + 1e-8);
    })));
  });

  it("simplifiedAdemamix(0.01) reproduces optax.contrib's docstring values on Σx² from [1, 2, 3] (optax/contrib/_ademamix.py, commit 2edbcbe)", () => {
    const opt = simplifiedAdemamix({ learningRate: 0.01 });
    let p: Params = { x: tf.tensor1d([1, 2, 3]) };
    let s = opt.init(p);
    const out: string[] = [];
    for (let k = 0; k < 5; k++) {
      const x = [...p.x!.dataSync()];
      const g: Params = { x: tf.tensor1d(x.map((v) => 2 * v)) };
      const r = opt.update(g, s, p);
      const next = { x: tf.add(p.x!, r.updates.x!) };
      [g, r.updates, p].forEach(disposeParams);
      disposeState(s);
      p = next;
      s = r.state;
      const f = [...p.x!.dataSync()].reduce((a, v) => a + v * v, 0);
      out.push(f.toExponential(2).toUpperCase().replace(/E([+-])(\d)$/, 'E$10$2'));
    }
    expect(out).toEqual(['1.39E+01', '1.36E+01', '1.33E+01', '1.28E+01', '1.23E+01']);
    disposeParams(p);
    disposeState(s);
  });

  it('perExampleGlobalNormClip: Σ_b min(1, C/‖g_b‖)·g_b with the global norm per example, and the clipped count', () => {
    const a = [[3, 4], [0.3, 0.4], [0, 0]];
    const c = [[0], [1.2], [0]];
    const g: Params = { a: tf.tensor2d(a), c: tf.tensor2d(c) };
    const r = perExampleGlobalNormClip(g, 1);
    const norms = a.map((row, b) => Math.sqrt(row[0]! ** 2 + row[1]! ** 2 + c[b]![0]! ** 2));
    const mult = norms.map((n) => (n === 0 ? 1 : Math.min(1, 1 / n)));
    const wantA = [0, 1].map((j) => a.reduce((s, row, b) => s + mult[b]! * row[j]!, 0));
    const wantC = [c.reduce((s, row, b) => s + mult[b]! * row[0]!, 0)];
    expect(relErr([...r.grads.a!.dataSync()], wantA)).toBeLessThan(1e-6);
    expect(relErr([...r.grads.c!.dataSync()], wantC)).toBeLessThan(1e-6);
    expect(r.numClipped).toBe(2);
    expect(() => perExampleGlobalNormClip({ a: tf.ones([3, 2]), c: tf.ones([2, 1]) }, 1)).toThrow(code('SHAPE_MISMATCH'));
    disposeParams(r.grads);
    disposeParams(g);
  });

  it('backtrackingLinesearch after sgd(lr 1): η = min(1.5η_prev, 1), shrunk ×0.8 until f(θ + ηu) ≤ f(θ) + 1e-4·η⟨u, ∇f⟩ (Armijo 1966, as optax)', () => {
    let prev = 1;
    expectMatch(ours(chain(sgd({ learningRate: 1 }), backtrackingLinesearch())), reference((t) => {
      const g = grad64(t);
      const u = g.map((x) => -x);
      const slope = u.reduce((s, x, i) => s + x * g[i]!, 0);
      let eta = Math.min(1.5 * prev, 1);
      for (let i = 0; i <= 15; i++) {
        if (i > 0) eta *= 0.8;
        if (f64(t.map((x, j) => x + eta * u[j]!)) - f64(t) - eta * 1e-4 * slope <= 0) break;
      }
      prev = eta;
      return u.map((x) => eta * x);
    }));
  });

  it('dpsgd: with σ = 0 the step is −η·(Σ_b clip_C(g_b))/B; with σ = 1 the noise has std σC/B (within 5% on 20,000 coordinates)', () => {
    const a = [[3, 4], [0.3, 0.4]];
    const opt = dpsgd({ learningRate: 0.5, l2NormClip: 1, noiseMultiplier: 0 });
    const p0: Params = { a: tf.zeros([2]) };
    const g: Params = { a: tf.tensor2d(a) };
    const s = opt.init(p0);
    const r = opt.update(g, s, p0);
    const want = [0, 1].map((j) => (-0.5 * a.reduce((acc, row) => acc + row[j]! * Math.min(1, 1 / Math.hypot(row[0]!, row[1]!)), 0)) / 2);
    expect(relErr([...r.updates.a!.dataSync()], want)).toBeLessThan(1e-6);
    [p0, g, r.updates].forEach(disposeParams);
    disposeState(s);
    disposeState(r.state);
    const agg = differentiallyPrivateAggregate({ l2NormClip: 2, noiseMultiplier: 1, seed: 3 });
    const z: Params = { a: tf.zeros([4, 20000]) };
    const p1: Params = { a: tf.zeros([20000]) };
    const out = agg.update(z, agg.init(p1), p1);
    const x = [...out.updates.a!.dataSync()];
    const std = Math.sqrt(x.reduce((acc, v) => acc + v * v, 0) / x.length);
    expect(Math.abs(std / (2 / 4) - 1)).toBeLessThan(0.05);
    [z, p1, out.updates].forEach(disposeParams);
  });

  it('dpsgd leaks nothing over 1,000 steps of per-example gradients', () => {
    expectNoLeaks(() => {
      const opt = dpsgd({ learningRate: 0.1, l2NormClip: 1, noiseMultiplier: 1, seed: 1, momentum: 0.9 });
      let params: Params = { a: tf.zeros([3]) };
      let s = opt.init(params);
      const g: Params = { a: tf.ones([4, 3]) };
      for (let i = 0; i < 1000; i++) {
        const r = step(opt, params, g, s, { nonFinite: 'ignore' });
        disposeParams(params);
        params = r.params;
        s = r.state;
      }
      disposeParams(params);
      disposeParams(g);
      disposeState(s);
    }, 'dpsgd');
  }, 60_000);

  it('mechanize(sgd 0.1, s₀ 1e-2): h = ⟨g̃, δ⟩, per-β wealth updates, θ = x₀ − Σs·(δ − Δ) (Cutkosky, Defazio & Mehta 2023, as optax.contrib)', () => {
    const nB = 6;
    const betas = Array.from({ length: nB }, (_, i) => 1 - 0.1 ** (i + 1));
    let r = new Array(nB).fill(0);
    let m = new Array(nB).fill(0);
    let v = new Array(nB).fill(0);
    // s₀ = 1e-2: with the default 1e-6 the first steps (~1e-7) are below float32 resolution of θ ≈ 1.
    let s = new Array(nB).fill(1e-2);
    const x0 = [0.7, -0.4, 1.3].map(Math.fround);
    expectMatch(ours(mechanize(sgd({ learningRate: 0.1 }), { sInit: 1e-2 })), reference((t) => {
      const g = grad64(t);
      const base = g.map((x) => -0.1 * x);
      const S = s.reduce((a, x) => a + x, 0);
      const gn = Math.sqrt(sq(g));
      const pn = Math.sqrt(sq(t));
      const gt = g.map((x, i) => x + (1e-2 * S * gn) / (pn + 1e-8) * t[i]!);
      const dPrev = t.map((x, i) => (x0[i]! - x) / (S + 1e-8));
      const h = gt.reduce((a, x, i) => a + x * dPrev[i]!, 0);
      const mOld = m;
      m = betas.map((b, i) => Math.max(b * mOld[i]!, Math.abs(h) + 1e-8));
      v = betas.map((b, i) => b * b * v[i]! + h * h);
      r = betas.map((b, i) => b * r[i]! + Math.min(Math.max(h, -mOld[i]!), mOld[i]!) * s[i]!);
      s = m.map((mi, i) => ((1e-2 / nB) * mi + Math.max(0, r[i]!)) / (Math.sqrt(v[i]!) + 1e-8));
      const tot = s.reduce((a, x) => a + x, 0);
      return t.map((x, i) => x0[i]! - tot * (dPrev[i]! - base[i]!) - x);
    }), 1e-4);
  });

  it('bad hyperparameters are typed errors', () => {
    for (const f of [() => applyEvery(0), () => normalizeByUpdateNorm({ eps: -1 }), () => scaleByParamBlockNorm(-1), () => acprop({ b1: 1 }), () => simplifiedAdemamix({ b2: 1 }), () => backtrackingLinesearch({ decreaseFactor: 1 }), () => mechanize(sgd(), { sInit: 0 })]) {
      expect(f).toThrow(code('INVALID_PARAMETER'));
    }
    expect(() => conditionallyMask(3 as never, () => true)).toThrow(code('INVALID_ARGUMENT'));
  });
});
