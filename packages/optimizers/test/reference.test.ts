import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import {
  adagrad, adam, adamw, applyUpdates, disposeParams, disposeState, gravity, lion, lossClosure, momentum, momo, momoAdam, nesterov, rmsprop, sam, sgd,
  type GradientTransformation, type Params,
} from '../src/index.js';
import { PARTS, THETA0, dot, expectMatch, f64, flat, grad64, ours, reference, relErr, sq, toParams, type RefStep } from './helpers.js';

beforeAll(async () => {
  await ready();
});

const zeros = () => [0, 0, 0];

describe('first 5 updates on a 3-parameter quadratic vs float64 references from the papers', () => {
  it('sgd: Δθ = −ηg', () => {
    expectMatch(ours(sgd({ learningRate: 0.1 })), reference((t) => grad64(t).map((g) => -0.1 * g)));
  });

  it('momentum: t ← g + μt, Δθ = −ηt', () => {
    const tr = zeros();
    expectMatch(
      ours(momentum({ learningRate: 0.1, momentum: 0.9 })),
      reference((t) => {
        const g = grad64(t);
        for (let i = 0; i < 3; i++) tr[i] = g[i]! + 0.9 * tr[i]!;
        return tr.map((x) => -0.1 * x);
      }),
    );
  });

  it('nesterov: t ← g + μt, Δθ = −η(g + μt)', () => {
    const tr = zeros();
    expectMatch(
      ours(nesterov({ learningRate: 0.1, momentum: 0.9 })),
      reference((t) => {
        const g = grad64(t);
        for (let i = 0; i < 3; i++) tr[i] = g[i]! + 0.9 * tr[i]!;
        return g.map((gi, i) => -0.1 * (gi + 0.9 * tr[i]!));
      }),
    );
  });

  // Kingma & Ba, Algorithm 1, with bias corrections m̂ = m/(1−β1^t), v̂ = v/(1−β2^t).
  function adamRef(lr: number, b1: number, b2: number, eps: number, decoupled = 0, l2 = 0): RefStep {
    const m = zeros();
    const v = zeros();
    return (t, k) => {
      const g = grad64(t).map((gi, i) => gi + l2 * t[i]!);
      const n = k + 1;
      return g.map((gi, i) => {
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
        const mh = m[i]! / (1 - b1 ** n);
        const vh = v[i]! / (1 - b2 ** n);
        return -lr * (mh / (Math.sqrt(vh) + eps)) - decoupled * t[i]!;
      });
    };
  }

  it('adam: bias-corrected moments', () => {
    expectMatch(ours(adam({ learningRate: 0.1 })), reference(adamRef(0.1, 0.9, 0.999, 1e-8)));
    expectMatch(ours(adam({ learningRate: 0.05, b1: 0.5, b2: 0.9, eps: 1e-3 })), reference(adamRef(0.05, 0.5, 0.9, 1e-3)));
  });

  it('adamw: Loshchilov & Hutter Algorithm 2, θ ← θ − η_t(α m̂/(√v̂+ε) + λθ) with η_t = 1', () => {
    // Paper: α = 0.1, λ = 0.005, η_t = 1  ⇔  ours: learningRate 0.1, weightDecay λ/α = 0.05.
    expectMatch(ours(adamw({ learningRate: 0.1, weightDecay: 0.05 })), reference(adamRef(0.1, 0.9, 0.999, 1e-8, 0.005)));
  });

  it('rmsprop: ν ← ρν + (1−ρ)g², Δθ = −ηg/√(ν+ε); centered subtracts μ²', () => {
    const nu = zeros();
    expectMatch(
      ours(rmsprop({ learningRate: 0.01 })),
      reference((t) => grad64(t).map((g, i) => {
        nu[i] = 0.9 * nu[i]! + 0.1 * g * g;
        return (-0.01 * g) / Math.sqrt(nu[i]! + 1e-8);
      })),
    );
    const mu = zeros();
    const nu2 = zeros();
    expectMatch(
      ours(rmsprop({ learningRate: 0.01, centered: true, decay: 0.8 })),
      reference((t) => grad64(t).map((g, i) => {
        mu[i] = 0.8 * mu[i]! + 0.2 * g;
        nu2[i] = 0.8 * nu2[i]! + 0.2 * g * g;
        return (-0.01 * g) / Math.sqrt(nu2[i]! - mu[i]! ** 2 + 1e-8);
      })),
    );
  });

  it('adagrad: s ← s + g², Δθ = −ηg/√(s+ε), s₀ = 0.1', () => {
    const s = [0.1, 0.1, 0.1];
    expectMatch(
      ours(adagrad({ learningRate: 0.1 })),
      reference((t) => grad64(t).map((g, i) => {
        s[i] = s[i]! + g * g;
        return (-0.1 * g) / Math.sqrt(s[i]! + 1e-7);
      })),
    );
  });

  it('lion: Δθ = −η(sign(β1 m + (1−β1)g) + λθ), m ← β2 m + (1−β2)g (Chen et al. 2023, Program 1)', () => {
    const m = zeros();
    expectMatch(
      ours(lion({ learningRate: 0.01, weightDecay: 0.1 })),
      reference((t) => grad64(t).map((g, i) => {
        const c = 0.9 * m[i]! + 0.1 * g;
        m[i] = 0.99 * m[i]! + 0.01 * g;
        return -0.01 * (Math.sign(c) + 0.1 * t[i]!);
      })),
    );
  });

  // Schaipp et al., MoMo (Algorithm 1, "bias_correction=False": averages start at the first gradient and loss).
  function momoRef(alpha: number, beta: number, lb: number, lambda: number): RefStep {
    let d = zeros();
    let fbar = 0;
    let gamma = 0;
    return (t, k) => {
      const g = grad64(t);
      const f = f64(t);
      const b = k === 0 ? 0 : beta;
      d = d.map((di, i) => b * di + (1 - b) * g[i]!);
      fbar = b * fbar + (1 - b) * f;
      gamma = b * gamma + (1 - b) * dot(g, t);
      const c = 1 + alpha * lambda;
      const tau = Math.min(alpha, Math.max(c * (fbar - lb) + dot(d, t) - c * gamma, 0) / sq(d));
      return t.map((ti, i) => (ti - tau * d[i]!) / c - ti);
    };
  }

  it('momo: Polyak-type step τ = min(α, [f̄ − f* − γ + ⟨d,θ⟩]₊/‖d‖²)', () => {
    expectMatch(ours(momo()), reference(momoRef(1, 0.9, 0, 0)));
    expectMatch(ours(momo({ learningRate: 0.3, beta: 0.8, lowerBound: 0.5 })), reference(momoRef(0.3, 0.8, 0.5, 0)));
  });

  it('momo with weight decay: θ ← (θ − τd)/(1 + αλ)', () => {
    expectMatch(ours(momo({ learningRate: 0.5, weightDecay: 0.2 })), reference(momoRef(0.5, 0.9, 0, 0.2)));
  });

  it('momoAdam: Adam preconditioner D = √v̂ + ε and τ ≤ α/(1−β1^t)', () => {
    const ref = (alpha: number, lambda: number): RefStep => {
      let d = zeros();
      let v = zeros();
      let fbar = 0;
      let gamma = 0;
      const [b1, b2, eps, lb] = [0.9, 0.999, 1e-8, 0];
      return (t, k) => {
        const g = grad64(t);
        const n = k + 1;
        d = d.map((di, i) => b1 * di + (1 - b1) * g[i]!);
        v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! ** 2);
        fbar = b1 * fbar + (1 - b1) * f64(t);
        gamma = b1 * gamma + (1 - b1) * dot(g, t);
        const bc1 = 1 - b1 ** n;
        const D = v.map((vi) => Math.sqrt(vi / (1 - b2 ** n)) + eps);
        const normD = d.reduce((s, di, i) => s + (di * di) / D[i]!, 0);
        const c = 1 + alpha * lambda;
        const tau = Math.min(alpha / bc1, Math.max(c * (fbar - bc1 * lb) + dot(d, t) - c * gamma, 0) / normD);
        return t.map((ti, i) => (ti - (tau * d[i]!) / D[i]!) / c - ti);
      };
    };
    expectMatch(ours(momoAdam({ learningRate: 0.1 })), reference(ref(0.1, 0)));
    expectMatch(ours(momoAdam({ learningRate: 0.1, weightDecay: 0.3 })), reference(ref(0.1, 0.3)));
  });

  it('gravity: ζ = g/(1 + (g·max|g|)²), β̂ = (βt+1)/(t+2), V ← β̂V + (1−β̂)ζ, Δθ = −ηV (per tensor max)', () => {
    const opt = gravity({ learningRate: 0.1, alpha: 0.01, beta: 0.9, seed: 7 });
    // V₀ is random (N(0, (α/η)²)); read the draw and start the reference from it.
    const p0 = toParams(THETA0);
    const s0 = opt.init(p0);
    const V = [...s0.velocity.w!.dataSync(), ...s0.velocity.b!.dataSync()];
    disposeState(s0);
    disposeParams(p0);
    const std = Math.sqrt(sq(V) / 3);
    expect(std).toBeGreaterThan(0.01);
    expect(std).toBeLessThan(0.5);
    expectMatch(
      ours(opt),
      reference((t, k) => {
        const g = grad64(t);
        const bh = (0.9 * k + 1) / (k + 2);
        for (const part of PARTS) {
          const mx = Math.max(...part.map((i) => Math.abs(g[i]!)));
          for (const i of part) {
            const zeta = g[i]! / (1 + (g[i]! * mx) ** 2);
            V[i] = bh * V[i]! + (1 - bh) * zeta;
          }
        }
        return V.map((x) => -0.1 * x);
      }),
    );
  });

  it('sam(sgd): Δθ = −η∇f(θ + ρg/‖g‖)', () => {
    expectMatch(
      ours(sam(sgd({ learningRate: 0.1 }), { rho: 0.05 })),
      reference((t) => {
        const g = grad64(t);
        const n = Math.sqrt(sq(g));
        const g2 = grad64(t.map((ti, i) => ti + (0.05 * g[i]!) / n));
        return g2.map((x) => -0.1 * x);
      }),
    );
  });

  it('sam(adam) steps the base optimizer with the perturbed gradient', () => {
    const m = zeros();
    const v = zeros();
    expectMatch(
      ours(sam(adam({ learningRate: 0.1 }), { rho: 0.1 })),
      reference((t, k) => {
        const g = grad64(t);
        const n = Math.sqrt(sq(g));
        const g2 = grad64(t.map((ti, i) => ti + (0.1 * g[i]!) / n));
        return g2.map((gi, i) => {
          m[i] = 0.9 * m[i]! + 0.1 * gi;
          v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
          return (-0.1 * (m[i]! / (1 - 0.9 ** (k + 1)))) / (Math.sqrt(v[i]! / (1 - 0.999 ** (k + 1))) + 1e-8);
        });
      }),
    );
  });
});

describe('AdamW vs Adam + L2 (Loshchilov & Hutter, Section 2)', () => {
  it('AdamW decays every weight by exactly ηλθ; Adam+L2 lets the decay be rescaled by √v̂, so weights with large gradients are regularized less', () => {
    // Per-coordinate gradients of very different size: g = s ⊙ (θ − 1), s = [100, 1, 0.01].
    const s = [100, 1, 0.01];
    const lossFn = (p: Params) => tf.tidy(() => tf.mul(0.5, tf.sum(tf.mul(tf.tensor1d(s), tf.square(tf.sub(tf.concat([p.w!, p.b!]), 1))))) as tf.Scalar);
    const lr = 0.01;
    const lambda = 0.1;
    const run = <S>(opt: GradientTransformation<S>, l2: number) => {
      let params: Params = toParams(THETA0);
      let state = opt.init(params);
      const closure = lossClosure((p) => tf.tidy(() => tf.add(lossFn(p), tf.mul(0.5 * l2, tf.add(tf.sum(tf.square(p.w!)), tf.sum(tf.square(p.b!)))))) as tf.Scalar);
      const deltas: number[][] = [];
      for (let k = 0; k < 5; k++) {
        const { value, grads } = closure(params);
        const r = opt.update(grads, state, params);
        deltas.push(flat(r.updates));
        const next = applyUpdates(params, r.updates);
        [r.updates, grads, params].forEach(disposeParams);
        value.dispose();
        disposeState(state);
        params = next;
        state = r.state;
      }
      disposeParams(params);
      disposeState(state);
      return deltas;
    };
    const plain = run(adam({ learningRate: lr }), 0);
    const decoupled = run(adamw({ learningRate: lr, weightDecay: lambda }), 0);
    const coupled = run(adam({ learningRate: lr }), lambda);
    // First step from the same θ0: AdamW − Adam = −ηλθ0 for every coordinate, whatever its gradient size.
    for (let i = 0; i < 3; i++) expect(decoupled[0]![i]! - plain[0]![i]!).toBeCloseTo(-lr * lambda * THETA0[i]!, 7);
    // Adam + L2: the decay λθ is folded into g and normalised by √v̂ (at step 1, m̂/√v̂ = sign(g + λθ)), so its extra
    // pull is ≈ 0 on the coordinate with the large gradient: the effect the paper calls out.
    const extra = [0, 1, 2].map((i) => coupled[0]![i]! - plain[0]![i]!);
    expect(Math.abs(extra[0]!)).toBeLessThan(1e-6);
    expect(Math.abs(decoupled[0]![0]! - plain[0]![0]!)).toBeGreaterThan(5e-4);
    // And over 5 steps the two methods take different paths.
    expect(relErr(coupled[4]!, decoupled[4]!)).toBeGreaterThan(1e-3);
  });
});
