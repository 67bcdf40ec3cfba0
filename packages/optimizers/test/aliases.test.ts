import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import {
  adabelief, adadelta, adafactor, adamax, adamaxw, adan, amsgrad, disposeParams, disposeState, fromage, lamb, lars, lbfgs, nadam, nadamw, novograd,
  optimisticGradientDescent, polyakSgd, radam, rprop, scaleByFactoredRms, signSgd, signum, sm3, yogi, type Params,
} from '../src/index.js';
import { PARTS, dot, expectMatch, f64, grad64, ours, reference, relErr, sq } from './helpers.js';

beforeAll(async () => {
  await ready();
});

const code = (c: string) => expect.objectContaining({ code: c });
const zeros = () => [0, 0, 0];
const norm = (x: number[]) => Math.sqrt(sq(x));
/** Per-tensor map of a flat vector: f(values of the tensor) → a number for each coordinate of that tensor. */
const perTensor = (x: number[], f: (part: number[]) => number) => {
  const out = zeros();
  for (const idx of PARTS) {
    const v = f(idx.map((i) => x[i]!));
    for (const i of idx) out[i] = v;
  }
  return out;
};

describe('first 5 updates of the optax aliases on a 3-parameter quadratic vs float64 references from the papers', () => {
  it('nadam / nadamw: m̂ = β1 m/(1−β1^{t+1}) + (1−β1) g/(1−β1^t) (Dozat 2016; optax scale_by_adam(nesterov=True))', () => {
    const run = (lr: number, wd: number) => {
      const m = zeros();
      const v = zeros();
      return reference((t, k) => grad64(t).map((g, i) => {
        const n = k + 1;
        m[i] = 0.9 * m[i]! + 0.1 * g;
        v[i] = 0.999 * v[i]! + 0.001 * g * g;
        const mh = (0.9 * m[i]!) / (1 - 0.9 ** (n + 1)) + (0.1 * g) / (1 - 0.9 ** n);
        return -lr * (mh / (Math.sqrt(v[i]! / (1 - 0.999 ** n)) + 1e-8) + wd * t[i]!);
      }));
    };
    expectMatch(ours(nadam({ learningRate: 0.1 })), run(0.1, 0));
    expectMatch(ours(nadamw({ learningRate: 0.1, weightDecay: 0.05 })), run(0.1, 0.05));
  });

  it('amsgrad: v̂_max = max(v̂_max, v/(1−β2^t)) (Reddi et al. 2018, with optax bias corrections)', () => {
    const m = zeros();
    const v = zeros();
    const vm = zeros();
    expectMatch(ours(amsgrad({ learningRate: 0.1, b2: 0.9 })), reference((t, k) => grad64(t).map((g, i) => {
      m[i] = 0.9 * m[i]! + 0.1 * g;
      v[i] = 0.9 * v[i]! + 0.1 * g * g;
      vm[i] = Math.max(vm[i]!, v[i]! / (1 - 0.9 ** (k + 1)));
      return (-0.1 * (m[i]! / (1 - 0.9 ** (k + 1)))) / (Math.sqrt(vm[i]!) + 1e-8);
    })));
  });

  it('adamax / adamaxw: u = max(β2u, |g| + ε), Δ = −α(m̂/u + λθ) (Kingma & Ba 2015, Algorithm 2)', () => {
    const run = (wd: number) => {
      const m = zeros();
      const u = zeros();
      return reference((t, k) => grad64(t).map((g, i) => {
        m[i] = 0.9 * m[i]! + 0.1 * g;
        u[i] = Math.max(0.999 * u[i]!, Math.abs(g) + 1e-8);
        return -0.05 * (m[i]! / (1 - 0.9 ** (k + 1)) / u[i]! + wd * t[i]!);
      }));
    };
    expectMatch(ours(adamax({ learningRate: 0.05 })), run(0));
    expectMatch(ours(adamaxw({ learningRate: 0.05, weightDecay: 0.1 })), run(0.1));
  });

  it('adabelief: s ← β2 s + (1−β2)(g − m)² + ε (Zhuang et al. 2020, Algorithm 2)', () => {
    const m = zeros();
    const s = zeros();
    expectMatch(ours(adabelief({ learningRate: 0.1 })), reference((t, k) => grad64(t).map((g, i) => {
      m[i] = 0.9 * m[i]! + 0.1 * g;
      s[i] = 0.999 * s[i]! + 0.001 * (g - m[i]!) ** 2 + 1e-16;
      return (-0.1 * (m[i]! / (1 - 0.9 ** (k + 1)))) / (Math.sqrt(s[i]! / (1 - 0.999 ** (k + 1))) + 1e-16);
    })));
  });

  it('yogi: v ← v − (1−β2) sign(v − g²) g², m₀ = v₀ = 1e-6 (Zaheer et al. 2018, Algorithm 2)', () => {
    const m = [1e-6, 1e-6, 1e-6];
    const v = [1e-6, 1e-6, 1e-6];
    expectMatch(ours(yogi({ learningRate: 0.05 })), reference((t, k) => grad64(t).map((g, i) => {
      m[i] = 0.9 * m[i]! + 0.1 * g;
      v[i] = v[i]! - 0.001 * Math.sign(v[i]! - g * g) * g * g;
      return (-0.05 * (m[i]! / (1 - 0.9 ** (k + 1)))) / (Math.sqrt(v[i]! / (1 - 0.999 ** (k + 1))) + 1e-3);
    })));
  });

  it('radam (β2 0.8, threshold 4, 8 updates): momentum SGD while ρ_t < 4, rectified Adam after (Liu et al. 2020, Algorithm 2)', () => {
    const m = zeros();
    const v = zeros();
    const b2 = 0.8;
    const rInf = 2 / (1 - b2) - 1;
    const rectified: boolean[] = [];
    expectMatch(ours(radam({ learningRate: 0.1, b2, threshold: 4 }), 8), reference((t, k) => {
      const n = k + 1;
      const rho = rInf - (2 * n * b2 ** n) / (1 - b2 ** n);
      rectified.push(rho >= 4);
      return grad64(t).map((g, i) => {
        m[i] = 0.9 * m[i]! + 0.1 * g;
        v[i] = b2 * v[i]! + (1 - b2) * g * g;
        const mh = m[i]! / (1 - 0.9 ** n);
        if (rho < 4) return -0.1 * mh;
        const r = Math.sqrt(((rho - 4) * (rho - 2) * rInf) / ((rInf - 4) * (rInf - 2) * rho));
        return (-0.1 * r * mh) / (Math.sqrt(v[i]! / (1 - b2 ** n)) + 1e-8);
      });
    }, 8));
    expect(rectified).toEqual([false, false, false, false, true, true, true, true]);
  });

  it('adadelta: Δ = −α √(E[Δx²] + ε)/√(E[g²] + ε) g (Zeiler 2012, Algorithm 1)', () => {
    const eg = zeros();
    const ex = zeros();
    expectMatch(ours(adadelta({ learningRate: 1, rho: 0.9 })), reference((t) => grad64(t).map((g, i) => {
      eg[i] = 0.9 * eg[i]! + 0.1 * g * g;
      const u = (Math.sqrt(ex[i]! + 1e-6) / Math.sqrt(eg[i]! + 1e-6)) * g;
      ex[i] = 0.9 * ex[i]! + 0.1 * u * u;
      return -u;
    })));
  });

  it('adan: m, v (gradient differences), n of (g + (1−β2)Δg)², bias-corrected (Xie et al. 2022, Algorithm 1 as optax)', () => {
    const m = zeros();
    const v = zeros();
    const n = zeros();
    let prev: number[] | null = null;
    const [b1, b2, b3] = [0.98, 0.92, 0.99];
    expectMatch(ours(adan({ learningRate: 0.1, weightDecay: 0.01 })), reference((t, k) => {
      const g = grad64(t);
      const d = prev ? g.map((x, i) => x - prev![i]!) : zeros();
      prev = g;
      const s = k + 1;
      return g.map((gi, i) => {
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * d[i]!;
        n[i] = b3 * n[i]! + (1 - b3) * (gi + (1 - b2) * d[i]!) ** 2;
        const u = (m[i]! / (1 - b1 ** s) + ((1 - b2) * v[i]!) / (1 - b2 ** s)) / (Math.sqrt(n[i]! / (1 - b3 ** s) + 1e-8) + 1e-8);
        return -0.1 * (u + 0.01 * t[i]!);
      });
    }));
  });

  it('novograd: per-tensor ν of ‖g‖², m ← β1 m + g/(√ν + ε) + λθ (Ginsburg et al. 2019, Algorithm 1)', () => {
    let m = zeros();
    let nu: number[] | null = null;
    expectMatch(ours(novograd({ learningRate: 0.1, weightDecay: 0.01 })), reference((t) => {
      const g = grad64(t);
      const g2 = perTensor(g, (x) => sq(x));
      nu = nu === null ? g2 : nu.map((x, i) => 0.25 * x + 0.75 * g2[i]!);
      const add = g.map((gi, i) => gi / (Math.sqrt(nu![i]!) + 1e-6) + 0.01 * t[i]!);
      m = m.every((x) => x === 0) ? add : m.map((x, i) => 0.9 * x + add[i]!);
      return m.map((x) => -0.1 * x);
    }));
  });

  it('lamb: r = m̂/(√v̂ + ε) + λθ, Δ = −α (‖θ‖/‖r‖) r per tensor (You et al. 2020, Algorithm 2)', () => {
    const m = zeros();
    const v = zeros();
    expectMatch(ours(lamb({ learningRate: 0.05, weightDecay: 0.01 })), reference((t, k) => {
      const r = grad64(t).map((g, i) => {
        m[i] = 0.9 * m[i]! + 0.1 * g;
        v[i] = 0.999 * v[i]! + 0.001 * g * g;
        return m[i]! / (1 - 0.9 ** (k + 1)) / (Math.sqrt(v[i]! / (1 - 0.999 ** (k + 1))) + 1e-6) + 0.01 * t[i]!;
      });
      const ratio = zeros();
      for (const idx of PARTS) for (const i of idx) ratio[i] = norm(idx.map((j) => t[j]!)) / norm(idx.map((j) => r[j]!));
      return r.map((x, i) => -0.05 * ratio[i]! * x);
    }));
  });

  it('lars: r = g + λθ, ηₜ‖θ‖/‖r‖ per tensor, then momentum on −α·r (You et al. 2017, Algorithm 1 as optax)', () => {
    let tr = zeros();
    expectMatch(ours(lars({ learningRate: 1, weightDecay: 0.01, trustCoefficient: 0.02, momentum: 0.9 })), reference((t) => {
      const r = grad64(t).map((g, i) => g + 0.01 * t[i]!);
      const ratio = zeros();
      for (const idx of PARTS) for (const i of idx) ratio[i] = (0.02 * norm(idx.map((j) => t[j]!))) / norm(idx.map((j) => r[j]!));
      tr = r.map((x, i) => -1 * ratio[i]! * x + 0.9 * tr[i]!);
      return tr;
    }));
  });

  it('fromage: θ ← (θ − η ‖θ‖/‖g‖ g)/√(1 + η²) per tensor (Bernstein et al. 2020, Algorithm 1)', () => {
    const eta = 0.1;
    expectMatch(ours(fromage({ learningRate: eta })), reference((t) => {
      const g = grad64(t);
      const ratio = zeros();
      for (const idx of PARTS) for (const i of idx) ratio[i] = norm(idx.map((j) => t[j]!)) / norm(idx.map((j) => g[j]!));
      return t.map((ti, i) => (ti - eta * ratio[i]! * g[i]!) / Math.sqrt(1 + eta * eta) - ti);
    }));
  });

  it('signSgd and signum: Δ = −η sign(g) and −η sign(βm + (1−β)g) (Bernstein et al. 2018)', () => {
    expectMatch(ours(signSgd({ learningRate: 0.01 })), reference((t) => grad64(t).map((g) => -0.01 * Math.sign(g))));
    const m = zeros();
    expectMatch(ours(signum({ learningRate: 0.01, beta: 0.5 })), reference((t) => grad64(t).map((g, i) => {
      m[i] = 0.5 * m[i]! + 0.5 * g;
      return -0.01 * Math.sign(m[i]!);
    })));
  });

  it('rprop (iRprop−): steps grow ×1.2 while the sign holds, shrink ×0.5 and skip where it flips (Riedmiller & Braun 1993)', () => {
    const step = [0.3, 0.3, 0.3];
    let prev = zeros();
    const flipped: boolean[] = [];
    expectMatch(ours(rprop({ learningRate: 0.3 })), reference((t) => {
      const g = grad64(t);
      const out = g.map((gi, i) => {
        const s = gi * prev[i]!;
        if (s > 0) step[i] = Math.min(step[i]! * 1.2, 50);
        if (s < 0) step[i] = Math.max(step[i]! * 0.5, 1e-6);
        if (s < 0) flipped.push(true);
        return s < 0 ? 0 : step[i]! * Math.sign(gi);
      });
      prev = out;
      return out.map((x) => -x);
    }));
    expect(flipped.length).toBeGreaterThan(0);
  });

  it('sm3 on rank-1 tensors (full accumulators): ν ← ν + g², m ← βm + (1−β) g/√(ν + ε), Δ = −η m (Anil et al. 2019)', () => {
    const nu = zeros();
    const m = zeros();
    expectMatch(ours(sm3({ learningRate: 0.1, momentum: 0.9 })), reference((t) => grad64(t).map((g, i) => {
      nu[i] = nu[i]! + g * g;
      m[i] = 0.9 * m[i]! + (0.1 * g) / Math.sqrt(nu[i]! + 1e-8);
      return -0.1 * m[i]!;
    })));
  });

  it('polyakSgd: γ = min((f − f*)/‖g‖², γ_max), Δ = −γ g (Loizou et al. 2021)', () => {
    expectMatch(ours(polyakSgd({ maxLearningRate: 0.5, fMin: 1 })), reference((t) => {
      const g = grad64(t);
      const gamma = Math.min((f64(t) - 1) / sq(g), 0.5);
      return g.map((x) => -gamma * x);
    }));
  });

  it('optimisticGradientDescent: Δ = −η((α+β)g_t − β g_{t−1}), g₀ := g₁ (Daskalakis et al. 2018)', () => {
    let prev: number[] | null = null;
    expectMatch(ours(optimisticGradientDescent({ learningRate: 0.1, alpha: 1, beta: 0.5 })), reference((t) => {
      const g = grad64(t);
      const p = prev ?? g;
      prev = g;
      return g.map((x, i) => -0.1 * (1.5 * x - 0.5 * p[i]!));
    }));
  });

  it('adafactor on rank-1 tensors (unfactored): v ← β_t v + (1−β_t)(g² + ε₁), β_t = 1 − (t+1)^−0.8, block-RMS clip 1, × rms(θ) (Shazeer & Stern 2018)', () => {
    const v = zeros();
    expectMatch(ours(adafactor({ learningRate: 0.1 })), reference((t, k) => {
      const beta = 1 - (k + 1) ** -0.8;
      const u = grad64(t).map((g, i) => {
        v[i] = beta * v[i]! + (1 - beta) * (g * g + 1e-30);
        return g / Math.sqrt(v[i]!);
      });
      const rms = perTensor(u, (x) => Math.sqrt(sq(x) / x.length));
      const prms = perTensor(t, (x) => Math.max(Math.sqrt(sq(x) / x.length), 1e-3));
      return u.map((x, i) => -0.1 * (x / Math.max(1, rms[i]!)) * prms[i]!);
    }));
  });

  it('lbfgs without line search (α 0.5, m 2): two-loop recursion with γ = ⟨s,y⟩/⟨y,y⟩ (Nocedal & Wright, Algorithm 7.4)', () => {
    const S: number[][] = [];
    const Y: number[][] = [];
    let prevT: number[] | null = null;
    let prevG: number[] | null = null;
    expectMatch(ours(lbfgs({ learningRate: 0.5, memorySize: 2, linesearch: null })), reference((t) => {
      const g = grad64(t);
      let gamma: number;
      if (prevT) {
        S.push(t.map((x, i) => x - prevT![i]!));
        Y.push(g.map((x, i) => x - prevG![i]!));
        if (S.length > 2) {
          S.shift();
          Y.shift();
        }
        gamma = dot(S[S.length - 1]!, Y[Y.length - 1]!) / sq(Y[Y.length - 1]!);
      } else gamma = Math.min(1, 1 / norm(g));
      prevT = [...t];
      prevG = g;
      let q = [...g];
      const alphas: number[] = [];
      for (let i = S.length - 1; i >= 0; i--) {
        const rho = 1 / dot(S[i]!, Y[i]!);
        alphas[i] = rho * dot(S[i]!, q);
        q = q.map((x, j) => x - alphas[i]! * Y[i]![j]!);
      }
      let r = q.map((x) => gamma * x);
      for (let i = 0; i < S.length; i++) {
        const rho = 1 / dot(S[i]!, Y[i]!);
        const b = rho * dot(Y[i]!, r);
        r = r.map((x, j) => x + (alphas[i]! - b) * S[i]![j]!);
      }
      return r.map((x) => -0.5 * x);
    }));
  });

  it('lbfgs with the zoom line search is within 1e-5 of the minimum value after 5 steps, each step satisfying the strong Wolfe conditions', () => {
    const u = ours(lbfgs(), 5);
    const theta = [0.7, -0.4, 1.3].map((x) => Math.fround(x));
    const ts = [theta];
    for (const d of u) ts.push(ts[ts.length - 1]!.map((x, i) => x + d[i]!));
    for (let k = 0; k < 5; k++) {
      const [a, b] = [ts[k]!, ts[k + 1]!];
      const d = b.map((x, i) => x - a[i]!);
      if (sq(d) === 0) continue;
      expect(f64(b)).toBeLessThanOrEqual(f64(a) + 1e-4 * dot(grad64(a), d) + 1e-6);
      expect(Math.abs(dot(grad64(b), d))).toBeLessThanOrEqual(0.9 * Math.abs(dot(grad64(a), d)) + 1e-6);
    }
    // θ* solves Aθ = c (Cramer's rule on the helpers' 3×3 system).
    const A = [[3, 0.5, 0.2], [0.5, 2, 0.3], [0.2, 0.3, 1]];
    const c = [1, -2, 0.5];
    const det = (M: number[][]) => M[0]![0]! * (M[1]![1]! * M[2]![2]! - M[1]![2]! * M[2]![1]!) - M[0]![1]! * (M[1]![0]! * M[2]![2]! - M[1]![2]! * M[2]![0]!) + M[0]![2]! * (M[1]![0]! * M[2]![1]! - M[1]![1]! * M[2]![0]!);
    const star = [0, 1, 2].map((j) => det(A.map((row, i) => row.map((x, k) => (k === j ? c[i]! : x)))) / det(A));
    expect(f64(ts[5]!) - f64(star)).toBeLessThan(1e-5);
    expect(f64(ts[5]!) - f64(star)).toBeGreaterThanOrEqual(0);
  });
});

describe('adafactor factored second moments on a [4, 3] matrix (minDimSizeToFactor 2)', () => {
  it('3 updates of scaleByFactoredRms match R ← βR + (1−β) mean_{d0}(g²+ε), C likewise, u = g (R/mean R)^−½ C^−½', () => {
    const G = [[0.5, -1, 2], [1.5, 0.3, -0.7], [-0.2, 0.8, 1.1], [0.9, -1.3, 0.4]];
    const W = G.map((row) => row.map((x) => x * 0.1 + 1));
    const opt = scaleByFactoredRms({ minDimSizeToFactor: 2 });
    const w: Params = { m: tf.tensor2d(W) };
    let state = opt.init(w);
    // shape [4, 3]: d0 = 0 (largest, 4), d1 = 1. R has shape [3] (mean over rows), C has shape [4] (mean over columns).
    let R = [0, 0, 0];
    let C = [0, 0, 0, 0];
    for (let k = 0; k < 3; k++) {
      const gk = G.map((row) => row.map((x) => x * (k + 1)));
      const g: Params = { m: tf.tensor2d(gk) };
      const r = opt.update(g, state, w);
      const beta = 1 - (k + 1) ** -0.8;
      const G2 = gk.map((row) => row.map((x) => x * x + 1e-30));
      R = R.map((x, j) => beta * x + (1 - beta) * (G2.reduce((s, row) => s + row[j]!, 0) / 4));
      C = C.map((x, i) => beta * x + (1 - beta) * (G2[i]!.reduce((s, y) => s + y, 0) / 3));
      const meanR = R.reduce((s, x) => s + x, 0) / 3;
      const want = gk.flatMap((row, i) => row.map((x, j) => x * (R[j]! / meanR) ** -0.5 * C[i]! ** -0.5));
      expect(relErr([...r.updates.m!.dataSync()], want)).toBeLessThan(1e-5);
      expect(r.state.vRow.m!.shape).toEqual([3]);
      expect(r.state.vCol.m!.shape).toEqual([4]);
      disposeParams(r.updates);
      disposeParams(g);
      disposeState(state);
      state = r.state;
    }
    disposeState(state);
    disposeParams(w);
  });
});

describe('bad hyperparameters are typed errors', () => {
  it('INVALID_PARAMETER for out-of-range options; MISSING_INPUT when a needed extra is absent', () => {
    const bad = [
      () => radam({ b2: 1 }), () => yogi({ eps: -1 }), () => amsgrad({ b1: 1 }), () => adamax({ b2: -0.1 }), () => adabelief({ learningRate: -1 }),
      () => adadelta({ rho: 1 }), () => adan({ b3: 2 }), () => novograd({ b2: 1 }), () => lamb({ eps: -1 }), () => lars({ momentum: 1 }),
      () => fromage({ learningRate: -1 }), () => signum({ beta: 1 }), () => rprop({ etaMinus: 2 }), () => rprop({ minStepSize: 10, maxStepSize: 1 }),
      () => sm3({ momentum: 1 }), () => polyakSgd({ variant: 'x' as never }), () => optimisticGradientDescent({ alpha: -1 }),
      () => adafactor({ decayRate: -1 }), () => lbfgs({ memorySize: 0 }), () => nadam({ b1: 1 }),
    ];
    for (const f of bad) expect(f).toThrow(code('INVALID_PARAMETER'));
    const p: Params = { w: tf.ones([2]) };
    const g: Params = { w: tf.ones([2]) };
    const opt = polyakSgd();
    const s = opt.init(p);
    expect(() => opt.update(g, s, p)).toThrow(code('MISSING_INPUT'));
    const l = lbfgs();
    const ls = l.init(p);
    expect(() => l.update(g, ls, p)).toThrow(code('MISSING_INPUT'));
    expect(() => novograd().update(g, novograd().init(p))).toThrow(code('MISSING_INPUT'));
    [p, g].forEach(disposeParams);
    disposeState(s);
    disposeState(ls);
  });
});
