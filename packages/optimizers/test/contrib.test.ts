import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { expectNoLeaks } from '@losskit/core/testing';
import {
  ademamix, adopt, applyUpdates, chain, cocob, dadaptAdamw, disposeParams, disposeState, dog, dowg, gaussNewtonBartlettEstimator, hutchinsonEstimator, lossClosure, madgrad, muon,
  newtonSchulz, prodigy, reduceOnPlateau, scaleBySophia, scaleByLearningRate, scheduleFreeAdamw, scheduleFreeEvalParams, scheduleFreeSgd, sophia, step,
  type GradientTransformation, type Params, type ScheduleFreeState,
} from '../src/index.js';
import { A, THETA0, dot, expectMatch, fTf, grad64, ours, reference, relErr, sq } from './helpers.js';

beforeAll(async () => {
  await ready();
});

const code = (c: string) => expect.objectContaining({ code: c });
const zeros = () => [0, 0, 0];
const norm = (x: number[]) => Math.sqrt(sq(x));
const pyE = (x: number) => x.toExponential(2).toUpperCase().replace(/E([+-])(\d)$/, 'E$10$2');

/** optax's docstring loop on f = Σx² from [1, 2, 3]; `evalAt` maps (state, params) to the point where f is printed. */
function docLoop<S>(opt: GradientTransformation<S>, evalAt?: (s: S, p: Params) => Params): number[] {
  const f = (q: Params) => tf.sum(tf.square(q.x!)) as tf.Scalar;
  const closure = lossClosure(f);
  let params: Params = { x: tf.tensor1d([1, 2, 3]) };
  let state = opt.init(params);
  const out: number[] = [];
  for (let k = 0; k < 5; k++) {
    const { value, grads } = closure(params);
    const r = opt.update(grads, state, params, { value, loss: closure });
    const next = applyUpdates(params, r.updates);
    [r.updates, grads, params].forEach(disposeParams);
    value.dispose();
    disposeState(state);
    params = next;
    state = r.state;
    const at = evalAt ? evalAt(state, params) : params;
    const v = f(at);
    out.push(v.dataSync()[0]!);
    v.dispose();
    if (at !== params) disposeParams(at);
  }
  disposeParams(params);
  disposeState(state);
  return out;
}

// Published in the Examples of google-deepmind/optax optax/contrib/_adopt.py, _ademamix.py and _schedule_free.py
// (commit 2edbcbe2390da13983b92cbef94ac0460ecde1c5), printed with '{:.2E}'. Values below 1e-10 are float32 round-off
// (optax prints 1.75E-14 for schedule_free_sgd's second step); we check those are below 1e-10.
describe("optax.contrib's published docstring values", () => {
  const check = (got: number[], want: string[]) =>
    want.forEach((w, i) => (Number(w) < 1e-10 ? expect(got[i]).toBeLessThan(1e-10) : expect(pyE(got[i]!), `step ${i + 1}`).toBe(w)));
  it('adopt(0.003)', () => check(docLoop(adopt({ learningRate: 0.003 })), ['1.40E+01', '1.40E+01', '1.40E+01', '1.40E+01', '1.40E+01']));
  it('ademamix(0.01)', () => check(docLoop(ademamix({ learningRate: 0.01 })), ['1.39E+01', '1.38E+01', '1.36E+01', '1.35E+01', '1.34E+01']));
  it('scheduleFreeSgd(), f at the evaluation point x', () =>
    check(docLoop(scheduleFreeSgd(), (s, p) => scheduleFreeEvalParams(s as ScheduleFreeState, p)), ['1.40E+01', '1.75E-14', '9.96E-01', '8.06E-01', '2.41E-01']));
  it('scheduleFreeAdamw({ learningRate: 1 }), f at the evaluation point x', () =>
    check(docLoop(scheduleFreeAdamw({ learningRate: 1 }), (s, p) => scheduleFreeEvalParams(s as ScheduleFreeState, p)), ['5.00E+00', '3.05E+00', '1.73E+00', '8.94E-01', '4.13E-01']));
});

describe('first 5 updates of the contrib optimizers on a 3-parameter quadratic vs float64 references from the papers', () => {
  it('adopt: m ← β1m + (1−β1)clip(g/max(√v_{t−1}, ε), ±(t−1)^¼), v ← β2v + (1−β2)g²; first call initialises v (Taniguchi et al. 2024, Algorithm 1)', () => {
    const m = zeros();
    const v = zeros();
    expectMatch(ours(adopt({ learningRate: 0.1, b2: 0.99 })), reference((t, k) => grad64(t).map((g, i) => {
      if (k === 0) {
        v[i] = g * g;
        return 0;
      }
      const c = k ** 0.25;
      const gh = Math.max(-c, Math.min(c, g / Math.max(Math.sqrt(v[i]!), 1e-6)));
      m[i] = 0.9 * m[i]! + 0.1 * gh;
      v[i] = 0.99 * v[i]! + 0.01 * g * g;
      return -0.1 * m[i]!;
    })));
  });

  it('ademamix: (m̂1 + α m2)/(√v̂ + ε) with a slow, uncorrected EMA m2 (Pagliardini et al. 2024, Algorithm 1)', () => {
    const m1 = zeros();
    const m2 = zeros();
    const v = zeros();
    expectMatch(ours(ademamix({ learningRate: 0.05, b3: 0.99, alpha: 5, weightDecay: 0.01 })), reference((t, k) => grad64(t).map((g, i) => {
      m1[i] = 0.9 * m1[i]! + 0.1 * g;
      m2[i] = 0.99 * m2[i]! + 0.01 * g;
      v[i] = 0.999 * v[i]! + 0.001 * g * g;
      const u = (m1[i]! / (1 - 0.9 ** (k + 1)) + 5 * m2[i]!) / (Math.sqrt(v[i]! / (1 - 0.999 ** (k + 1))) + 1e-8);
      return -0.05 * (u + 0.01 * t[i]!);
    })));
  });

  it('scheduleFreeSgd: z ← z − γg(y), x ← (1−c)x + cz with c = 1/t (r = 2, constant γ), y = βx + (1−β)z (Defazio et al. 2024, Algorithm 1)', () => {
    let z = [...THETA0];
    let x = [...THETA0];
    expectMatch(ours(scheduleFreeSgd({ learningRate: 0.2, b1: 0.9 })), reference((y, k) => {
      const g = grad64(y);
      z = z.map((zi, i) => zi - 0.2 * g[i]!);
      const c = 1 / (k + 1);
      x = x.map((xi, i) => (1 - c) * xi + c * z[i]!);
      return y.map((yi, i) => 0.9 * x[i]! + 0.1 * z[i]! - yi);
    }));
  });

  it('scheduleFreeAdamw: z ← z − γ(g/(√v̂ + ε) + λy) (Defazio et al. 2024, Algorithm 2 as optax: no warmup, bias-corrected v)', () => {
    let z = [...THETA0];
    let x = [...THETA0];
    const v = zeros();
    expectMatch(ours(scheduleFreeAdamw({ learningRate: 0.1, weightDecay: 0.01 })), reference((y, k) => {
      const g = grad64(y);
      z = z.map((zi, i) => {
        v[i] = 0.999 * v[i]! + 0.001 * g[i]! ** 2;
        return zi - 0.1 * (g[i]! / (Math.sqrt(v[i]! / (1 - 0.999 ** (k + 1))) + 1e-8) + 0.01 * y[i]!);
      });
      const c = 1 / (k + 1);
      x = x.map((xi, i) => (1 - c) * xi + c * z[i]!);
      return y.map((yi, i) => 0.9 * x[i]! + 0.1 * z[i]! - yi);
    }));
  });

  it('prodigy: d-weighted Adam moments, d ← max(d, r/‖s‖₁) (Mishchenko & Defazio 2024, Algorithm 3 as optax)', () => {
    // d₀ = 1e-2: with the default 1e-6 the first steps are ~1e-6, below float32 resolution of θ ~ 1.
    const [b1, b2, b3, d0] = [0.9, 0.999, Math.sqrt(0.999), 1e-2];
    let d = d0;
    let r = 0;
    const m = zeros();
    const v = zeros();
    const s = zeros();
    expectMatch(ours(prodigy({ learningRate: 1, estimLr0: 1e-2 })), reference((t, k) => {
      const g = grad64(t);
      const n = k + 1;
      const dlr = (d * Math.sqrt(1 - b2 ** n)) / (1 - b1 ** n);
      const acc = dot(g, THETA0.map((x0, i) => x0 - t[i]!));
      for (let i = 0; i < 3; i++) {
        m[i] = b1 * m[i]! + (1 - b1) * d * g[i]!;
        v[i] = b2 * v[i]! + (1 - b2) * (d * g[i]!) ** 2;
        s[i] = b3 * s[i]! + (dlr / d0) * d * g[i]!;
      }
      r = b3 * r + (d / d0) * dlr * acc;
      const dNew = Math.max(d, r / s.reduce((a, x) => a + Math.abs(x), 0));
      const u = m.map((mi, i) => (-dlr * mi) / (Math.sqrt(v[i]!) + d * 1e-8));
      d = dNew;
      return u;
    }), 1e-4);
  });

  it('dadaptAdamw: r ← √β2 r + (1−√β2) dlr⟨g, s/(√v+ε)⟩, d ← max(d, r/((1−√β2)‖s‖₁)) (Defazio & Mishchenko 2023, Algorithm 4 as optax)', () => {
    const [b1, b2] = [0.9, 0.999];
    const sb = Math.sqrt(b2);
    let d = 1e-6;
    let r = 0;
    const m = zeros();
    const v = zeros();
    const s = zeros();
    expectMatch(ours(dadaptAdamw({ weightDecay: 0.01 })), reference((t, k) => {
      const g = grad64(t);
      const n = k + 1;
      const dlr = (d * Math.sqrt(1 - b2 ** n)) / (1 - b1 ** n);
      const acc = dot(g, s.map((si, i) => si / (Math.sqrt(v[i]!) + 1e-8)));
      for (let i = 0; i < 3; i++) {
        m[i] = b1 * m[i]! + (1 - b1) * dlr * g[i]!;
        v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
        s[i] = sb * s[i]! + (1 - sb) * dlr * g[i]!;
      }
      r = sb * r + (1 - sb) * dlr * acc;
      d = Math.max(d, r / ((1 - sb) * s.reduce((a, x) => a + Math.abs(x), 0)));
      return m.map((mi, i) => -0.01 * dlr * t[i]! - mi / (Math.sqrt(v[i]!) + 1e-8));
    }), 1e-4);
  });

  it('dog: η_t = max(r_ε, max‖θ_i − θ₀‖)/√Σ‖g_i‖², r_ε = 1e-2(1 + ‖θ₀‖) (Ivgi et al. 2023, Algorithm 1; the default 1e-6 steps are below float32 resolution)', () => {
    let rbar = 1e-2 * (1 + norm(THETA0));
    let G = 0;
    expectMatch(ours(dog({ initStep: ['heuristic', 1e-2] })), reference((t) => {
      const g = grad64(t);
      rbar = Math.max(rbar, norm(t.map((x, i) => x - THETA0[i]!)));
      G += sq(g);
      return g.map((x) => (-rbar / Math.sqrt(G + 1e-8)) * x);
    }), 1e-4);
  });

  it('dowg: r̄² ← max(r̄², ‖θ − θ₀‖²), v ← v + r̄²‖g‖², η = r̄²/(√v + ε) (Khaled et al. 2023, Algorithm 1)', () => {
    let r2 = 1e-4;
    let v = 0;
    expectMatch(ours(dowg()), reference((t) => {
      const g = grad64(t);
      r2 = Math.max(r2, sq(t.map((x, i) => x - THETA0[i]!)));
      v += r2 * sq(g);
      return g.map((x) => (-r2 / (Math.sqrt(v) + 1e-4)) * x);
    }), 1e-4);
  });

  it('cocob: θ = θ₀ + C/(L max(G + L, αL))·(L + R) per coordinate (Orabona & Tommasi 2017, Algorithm 2)', () => {
    const L = [1e-8, 1e-8, 1e-8];
    const G = zeros();
    const R = zeros();
    const C = zeros();
    expectMatch(ours(cocob()), reference((t) => grad64(t).map((g, i) => {
      L[i] = Math.max(L[i]!, Math.abs(g));
      G[i] = G[i]! + Math.abs(g);
      R[i] = Math.max(R[i]! - g * (t[i]! - THETA0[i]!), 0);
      C[i] = C[i]! - g;
      return THETA0[i]! + (C[i]! / (L[i]! * Math.max(G[i]! + L[i]!, 100 * L[i]!))) * (L[i]! + R[i]!) - t[i]!;
    })), 1e-4);
  });

  it('madgrad: z = x₀ − s/(∛ν + ε), θ ← (1−c)z + cθ with λ_k = (η+ε)√(k+1) (Defazio & Jelassi 2022, Algorithm 1 as optax)', () => {
    const nu = zeros();
    const s = zeros();
    expectMatch(ours(madgrad({ learningRate: 0.05 })), reference((t, k) => {
      const lam = (0.05 + 1e-6) * Math.sqrt(k + 1);
      return grad64(t).map((g, i) => {
        nu[i] = nu[i]! + lam * g * g;
        s[i] = s[i]! + lam * g;
        const z = THETA0[i]! - s[i]! / (Math.cbrt(nu[i]!) + 1e-6);
        return 0.1 * z + 0.9 * t[i]! - t[i]!;
      });
    }), 1e-4);
  });

  it('sophia with a fixed Hessian-diagonal estimate ĥ = diag(A), k = 2: u = clip(m̂/max(γh, ε), ±1), h refreshed after the update on t ≡ 0 mod k (Liu et al. 2024, Algorithm 3 as optax)', () => {
    const fixed: GradientTransformation<Record<string, never>> = {
      init: () => ({}),
      update: (_g, st) => ({ updates: { w: tf.tensor1d([A[0]![0]!, A[1]![1]!]), b: tf.tensor1d([A[2]![2]!]) }, state: st }),
    };
    const m = zeros();
    const h = zeros();
    expectMatch(ours(chain(scaleBySophia({ hessianDiagonal: fixed, updateInterval: 2, gamma: 0.5 }), scaleByLearningRate(0.1))), reference((t, k) => {
      const g = grad64(t);
      const u = g.map((gi, i) => {
        m[i] = 0.965 * m[i]! + 0.035 * gi;
        return Math.max(-1, Math.min(1, m[i]! / (1 - 0.965 ** (k + 1)) / Math.max(0.5 * h[i]!, 1e-8)));
      });
      if (k % 2 === 0) for (let i = 0; i < 3; i++) h[i] = 0.99 * h[i]! + 0.01 * A[i]![i]!;
      return u.map((x) => -0.1 * x);
    }));
  });
});

describe('sophia estimators', () => {
  it("Hutchinson's u ⊙ Hu averages to diag(A) on the quadratic (400 draws, within 0.1)", () => {
    const est = hutchinsonEstimator({ seed: 2 });
    const p0: Params = { w: tf.tensor1d([THETA0[0]!, THETA0[1]!]), b: tf.tensor1d([THETA0[2]!]) };
    let s = est.init(p0);
    const sum = zeros();
    for (let k = 0; k < 400; k++) {
      const r = est.update(p0, s, p0, { loss: lossClosure(fTf) });
      const v = [...r.updates.w!.dataSync(), ...r.updates.b!.dataSync()];
      v.forEach((x, i) => (sum[i]! += x / 400));
      disposeParams(r.updates);
      s = r.state;
    }
    sum.forEach((x, i) => expect(Math.abs(x - A[i]![i]!), `coordinate ${i}: ${x}`).toBeLessThan(0.1));
    disposeParams(p0);
  });

  it('Gauss–Newton–Bartlett: ĥ = B·ĝ⊙ĝ with ĝ from extra.sampledLoss (B = 8)', () => {
    const est = gaussNewtonBartlettEstimator({ batchSize: 8 });
    const p0: Params = { w: tf.tensor1d([THETA0[0]!, THETA0[1]!]), b: tf.tensor1d([THETA0[2]!]) };
    const r = est.update(p0, est.init(p0), p0, { sampledLoss: lossClosure(fTf) });
    const g = grad64([...THETA0]);
    expect(relErr([...r.updates.w!.dataSync(), ...r.updates.b!.dataSync()], g.map((x) => 8 * x * x))).toBeLessThan(1e-6);
    expect(() => est.update(p0, {}, p0, {})).toThrow(code('MISSING_INPUT'));
    disposeParams(r.updates);
    disposeParams(p0);
  });

  it('sophia() needs extra.loss for its default estimator (MISSING_INPUT), and bad options are INVALID_PARAMETER', () => {
    const p0: Params = { w: tf.ones([2]) };
    const opt = sophia();
    const s = opt.init(p0);
    expect(() => opt.update(p0, s, p0)).toThrow(code('MISSING_INPUT'));
    expect(() => sophia({ gamma: 0 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => sophia({ updateInterval: 0 })).toThrow(code('INVALID_PARAMETER'));
    disposeState(s);
    disposeParams(p0);
  });
});

describe('muon', () => {
  it("Newton–Schulz with (2, −1.5, 0.5) × 20 steps gives orthonormal columns (optax _muon_test.py test_newton_schulz's check)", () => {
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 5);
    const o = newtonSchulz(x, [2, -1.5, 0.5], 20, 1e-12);
    const gram = tf.matMul(o, o, true, false);
    const want = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    [...gram.dataSync()].forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(1e-4));
    [x, o, gram].forEach((t) => t.dispose());
  });

  it('first update: matrices get −η·√max(1, out/in)·NS(m̂) (Nesterov m̂ = βm/(1−β²) + (1−β)g/(1−β)), vectors get Nesterov AdamW', () => {
    const G = [[0.5, -1], [2, 0.3], [-0.7, 1.1]];
    const p0: Params = { k: tf.tensor2d([[1, 0], [0, 1], [1, 1]]), b: tf.tensor1d([0.5, -0.5]) };
    const g: Params = { k: tf.tensor2d(G), b: tf.tensor1d([0.2, -3]) };
    const opt = muon({ learningRate: 0.02 });
    const s = opt.init(p0);
    const r = opt.update(g, s, p0);
    // float64 Newton–Schulz on m̂ (= g here: β·0.05g/(1−β²) + 0.05g/0.05 with m = 0.05g).
    const beta = 0.95;
    const mh = G.map((row) => row.map((x) => (beta * (1 - beta) * x) / (1 - beta ** 2) + ((1 - beta) * x) / (1 - beta)));
    const T = (M: number[][]) => M[0]!.map((_, j) => M.map((row) => row[j]!));
    const mm = (P: number[][], Q: number[][]) => P.map((row) => Q[0]!.map((_, j) => row.reduce((s2, x, l) => s2 + x * Q[l]![j]!, 0)));
    let X = T(mh); // [2, 3]: rows ≤ columns
    const fro = Math.sqrt(X.flat().reduce((s2, x) => s2 + x * x, 0));
    X = X.map((row) => row.map((x) => x / (fro + 1e-8)));
    for (let i = 0; i < 5; i++) {
      const Am = mm(X, T(X));
      const AA = mm(Am, Am);
      const Bm = Am.map((row, a) => row.map((x, b) => -4.775 * x + 2.0315 * AA[a]![b]!));
      const BX = mm(Bm, X);
      X = X.map((row, a) => row.map((x, b) => 3.4445 * x + BX[a]![b]!));
    }
    const want = T(X).flat().map((x) => -0.02 * Math.sqrt(Math.max(1, 2 / 3)) * x);
    expect(relErr([...r.updates.k!.dataSync()], want)).toBeLessThan(1e-4);
    // AdamW (Nesterov) first step: m̂ = β1·0.1g/(1−β1²) + 0.1g/0.1, v̂ = g² ⇒ u = −η(m̂/(|g| + ε)).
    const wantB = [0.2, -3].map((x) => -0.02 * ((0.9 * 0.1 * x) / (1 - 0.81) + x) / (Math.abs(x) + 1e-8));
    expect(relErr([...r.updates.b!.dataSync()], wantB)).toBeLessThan(1e-5);
    [p0, g, r.updates].forEach(disposeParams);
    disposeState(s);
    disposeState(r.state);
  });
});

describe('muon on matrices leaks nothing', () => {
  it('1,000 steps of muon on { k: [3, 2], b: [2] } (f = Σ(k − 1)² + Σb²)', () => {
    expectNoLeaks(() => {
      const f = (q: Params) => tf.add(tf.sum(tf.square(tf.sub(q.k!, 1))), tf.sum(tf.square(q.b!))) as tf.Scalar;
      const closure = lossClosure(f);
      const opt = muon({ learningRate: 0.01 });
      let params: Params = { k: tf.zeros([3, 2]), b: tf.ones([2]) };
      let state = opt.init(params);
      for (let i = 0; i < 1000; i++) {
        const { value, grads } = closure(params);
        const r = step(opt, params, grads, state, { nonFinite: 'ignore' });
        [params, grads].forEach(disposeParams);
        value.dispose();
        params = r.params;
        state = r.state;
      }
      disposeState(state);
      disposeParams(params);
    }, 'muon');
  }, 60_000);
});

describe('reduceOnPlateau (optax.contrib _reduce_on_plateau_test.py scenarios: factor 0.1, patience 5, cooldown 5, min scale 0.01)', () => {
  const make = () => reduceOnPlateau({ factor: 0.1, patience: 5, rtol: 1e-4, atol: 0, cooldown: 5, accumulationSize: 1, minScale: 0.01 });
  const run = (opt: GradientTransformation<any>, values: number[]) => {
    const p0: Params = { x: tf.scalar(1) };
    let s = opt.init(p0);
    let last = 0;
    for (const v of values) {
      const r = opt.update(p0, s, undefined, { value: v });
      last = r.updates.x!.dataSync()[0]!;
      disposeParams(r.updates);
      s = r.state;
    }
    disposeParams(p0);
    return { state: s, last };
  };
  it('after patience + 1 equal values the scale is 0.1, best 1, cooldown 5, and the update is 0.1·g; one more step counts the cooldown down', () => {
    const a = run(make(), new Array(6).fill(1));
    expect(a.state).toMatchObject({ scale: 0.1, bestValue: 1, plateauCount: 0, cooldownCount: 5 });
    expect(a.last).toBeCloseTo(0.1, 6);
    const b = run(make(), new Array(7).fill(1));
    expect(b.state).toMatchObject({ scale: 0.1, bestValue: 1, plateauCount: 0, cooldownCount: 4 });
  });
  it('the scale stops at minScale 0.01', () => {
    const c = run(make(), new Array(40).fill(1));
    expect(c.state.scale).toBeCloseTo(0.01, 12);
    expect(c.last).toBeCloseTo(0.01, 6);
  });
  it('an improvement resets the plateau count; bad options and a missing value are typed errors', () => {
    const d = run(make(), [1, 1, 1, 0.5]);
    expect(d.state).toMatchObject({ bestValue: 0.5, plateauCount: 0, scale: 1 });
    expect(() => reduceOnPlateau({ factor: 1 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => reduceOnPlateau({ rtol: 0, atol: 0 })).toThrow(code('INVALID_PARAMETER'));
    const opt = make();
    const p0: Params = { x: tf.scalar(1) };
    expect(() => opt.update(p0, opt.init(p0))).toThrow(code('MISSING_INPUT'));
    disposeParams(p0);
  });
});

describe('bad hyperparameters are typed errors', () => {
  it('INVALID_PARAMETER for out-of-range options', () => {
    const bad = [
      () => adopt({ b2: 1 }), () => ademamix({ b3: 1 }), () => scheduleFreeSgd({ b1: 1 }), () => scheduleFreeAdamw({ learningRate: -1 }), () => prodigy({ betas: [1, 0.9] }),
      () => dadaptAdamw({ estimLr0: 0 }), () => dog({ initStep: ['nope' as never, 1] }), () => dowg({ eps: -1 }), () => cocob({ alpha: 0 }), () => madgrad({ momentum: 1 }),
      () => muon({ nsSteps: 0 }), () => muon({ nsCoeffs: [[1, 2, 3]], nsSteps: 5 }),
    ];
    for (const f of bad) expect(f).toThrow(code('INVALID_PARAMETER'));
  });
});
