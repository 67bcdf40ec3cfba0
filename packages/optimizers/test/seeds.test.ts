import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks } from '@losskit/core/testing';
import {
  adamw, amp, applyUpdates, disposeParams, disposeState, dot, dynamicLossScaling, frugal, l1MatrixSensingLoss, lossClosure, mfac, normalizedGd, operatorNorm,
  roundToFloat16, sam, scaleLoss, scion, sgd, smallInit, subgm, udim, type GradientTransformation, type Params, type ScionLayer, type UdimModel,
} from '../src/index.js';
import { PARTS, THETA0, expectMatch, f64, fTf, grad64, ours, reference, sq } from './helpers.js';

beforeAll(async () => {
  await ready();
});

const norm = (x: readonly number[]) => Math.sqrt(sq(x));
const sub = (a: readonly number[], b: readonly number[]) => a.map((v, i) => v - b[i]!);

/** Runs `steps` updates of `opt` on `f` from `p0` (owned by the caller), returning the final params. */
function run<S>(opt: GradientTransformation<S>, f: (p: Params) => tf.Scalar, p0: Params, steps: number, extraOf?: (p: Params) => Record<string, unknown>): Params {
  let params: Params = Object.fromEntries(Object.entries(p0).map(([k, t]) => [k, t.clone()]));
  let state = opt.init(params);
  const closure = lossClosure(f);
  for (let k = 0; k < steps; k++) {
    const { value, grads } = closure(params);
    const r = opt.update(grads, state, params, { value, loss: closure, ...(extraOf ? extraOf(params) : {}) });
    const next = applyUpdates(params, r.updates);
    [r.updates, grads, params].forEach(disposeParams);
    value.dispose();
    disposeState(state);
    params = next;
    state = r.state;
  }
  disposeState(state);
  return params;
}

const value = (f: (p: Params) => tf.Scalar, p: Params) => {
  const v = f(p);
  const out = v.dataSync()[0]!;
  v.dispose();
  return out;
};

describe('normalizedGd (Normalized LR+GD, Tyurin 2024)', () => {
  it('matches a float64 θ ← θ − γ∇f/f on the quadratic for 5 steps', () => {
    expectMatch(ours(normalizedGd({ learningRate: 0.3 })), reference((t) => grad64(t).map((g) => (-0.3 * g) / f64(t))));
  });

  it('on separable logistic regression reaches a lower loss than plain GD with the same γ after 30 steps (the paper’s faster rate)', () => {
    const x = tf.tensor2d([[1, 2], [2, 1], [1.5, 1.5], [-1, -2], [-2, -1], [-1.5, -0.5]]);
    const y = tf.tensor1d([1, 1, 1, -1, -1, -1]);
    const f = (p: Params) => tf.tidy(() => tf.mean(tf.softplus(tf.neg(tf.mul(y, tf.squeeze(tf.matMul(x, tf.reshape(p.w!, [2, 1]))))))) as tf.Scalar);
    const p0 = { w: tf.tensor1d([0, 0]) };
    const a = run(normalizedGd({ learningRate: 1 }), f, p0, 30);
    const b = run(sgd({ learningRate: 1 }), f, p0, 30);
    const la = value(f, a);
    const lb = value(f, b);
    expect(la).toBeLessThan(lb / 100);
    [a, b, p0].forEach(disposeParams);
    x.dispose();
    y.dispose();
  });

  it('a negative loss is an INVALID_ARGUMENT naming extra.value, with no leak', () => {
    const opt = normalizedGd();
    const params = { w: tf.tensor1d([1]) };
    const s = opt.init(params);
    const g = { w: tf.tensor1d([1]) };
    const v = tf.scalar(-1);
    const e = expectCleanThrow(() => opt.update(g, s, params, { value: v }), 'INVALID_ARGUMENT');
    expect(e.argument).toBe('extra.value');
    [params, g].forEach(disposeParams);
    v.dispose();
    disposeState(s);
  });
});

describe('dynamicLossScaling and roundToFloat16 (Mixed Precision Training)', () => {
  it('roundToFloat16 gives the IEEE binary16 values: flush below 2^-25, subnormal 2^-24 steps, ties to even, overflow from 65520', () => {
    const inp = [1e-8, 0.1, 7e4, 65504, 65519, 2 ** -24, 0.75 * 2 ** -24, 2 ** -26, 1 + 2 ** -11, 1 + 3 * 2 ** -11, -3.14159, Number.NaN];
    const want = [0, 0.0999755859375, Infinity, 65504, 65504, 2 ** -24, 2 ** -24, 0, 1, 1 + 2 ** -9, -3.140625, Number.NaN];
    const t = tf.tensor1d(inp);
    const r = roundToFloat16(t);
    expect(Array.from(r.dataSync())).toEqual(want);
    [t, r].forEach((x) => x.dispose());
  });

  it('unscales the gradient (update = inner sgd on g/S), doubles S after growthInterval finite steps, halves it and skips on overflow', () => {
    const opt = dynamicLossScaling(sgd({ learningRate: 0.5 }), { initialScale: 8, growthInterval: 2 });
    const params = { w: tf.tensor1d([1, 2]) };
    let s = opt.init(params);
    const steps: [number[], number[], number][] = [
      [[8, -16], [-0.5, 1], 8],
      [[8, 8], [-0.5, -0.5], 16],
      [[Infinity, 1], [0, 0], 8],
      [[16, 0], [-1, 0], 8],
    ];
    for (const [gv, want, scaleAfter] of steps) {
      const g = { w: tf.tensor1d(gv.map((v) => v)) };
      const r = opt.update(g, s, params);
      expect(Array.from(r.updates.w!.dataSync()).map((v) => v + 0)).toEqual(want);
      expect(r.state.scale).toBe(scaleAfter);
      disposeParams(g);
      disposeParams(r.updates);
      disposeState(s);
      s = r.state;
    }
    expect(s.skipped).toBe(1);
    disposeState(s);
    disposeParams(params);
  });

  it('a float16 backward pass of a loss with 1e-8-sized gradients loses them all unscaled but keeps them within 1e-3 with loss scaling (the paper’s Fig. 3 effect)', () => {
    const w = tf.tensor1d([0.3, -0.2, 0.5]);
    const target = [1e-8, 2.5e-8, -2e-8];
    const f = (v: tf.Tensor, scale: number) => tf.tidy(() => tf.mul(tf.sum(tf.mul(v, tf.tensor1d(target))), scale) as tf.Scalar);
    const g1 = tf.grad((v: tf.Tensor) => f(v, 1))(w);
    const h1 = roundToFloat16(g1);
    expect(Array.from(h1.dataSync()).map((v) => v + 0)).toEqual([0, 0, 0]);
    const opt = dynamicLossScaling(sgd({ learningRate: 1 }), { initialScale: 2 ** 15 });
    const s = opt.init({ w });
    const loss = f(w, 1);
    const scaled = scaleLoss(loss, s);
    expect(scaled.dataSync()[0]).toBeCloseTo(loss.dataSync()[0]! * 2 ** 15, 10);
    const gs = tf.grad((v: tf.Tensor) => f(v, s.scale))(w);
    const hs = roundToFloat16(gs);
    const r = opt.update({ w: hs }, s, { w });
    const u = Array.from(r.updates.w!.dataSync());
    u.forEach((v, i) => expect(Math.abs(-v - target[i]!) / Math.abs(target[i]!)).toBeLessThan(1e-3));
    [w, g1, h1, loss, scaled, gs, hs].forEach((t) => t.dispose());
    disposeParams(r.updates);
    disposeState(r.state);
    disposeState(s);
  });

  it('bad options and a non-scalar loss are typed errors with no leak', () => {
    expectCleanThrow(() => dynamicLossScaling(sgd(), { factor: 1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => dynamicLossScaling(sgd(), { initialScale: 2, minScale: 4 }), 'INVALID_PARAMETER');
    const v = tf.tensor1d([1, 2]);
    const s = dynamicLossScaling(sgd()).init({ v });
    expectCleanThrow(() => scaleLoss(v as unknown as tf.Scalar, s), 'INVALID_ARGUMENT');
    expectCleanThrow(() => roundToFloat16(3 as never), 'INVALID_ARGUMENT');
    v.dispose();
  });
});

describe('amp (Adversarial Model Perturbation)', () => {
  it('matches a float64 AMP step (Δ = clip_ε per tensor of ζg, base sgd at ∇f(θ + Δ)) on the quadratic for 5 steps', () => {
    const eps = 0.3;
    const zeta = 0.5;
    const lr = 0.1;
    const want = reference((t) => {
      const g = grad64(t);
      const d = g.map((v) => v * zeta);
      for (const part of PARTS) {
        const n = Math.sqrt(part.reduce((s, i) => s + d[i]! ** 2, 0));
        if (n > eps) for (const i of part) d[i] = (d[i]! * eps) / n;
      }
      const g1 = grad64(t.map((v, i) => v + d[i]!));
      return g1.map((v) => -lr * v);
    });
    expectMatch(ours(amp(sgd({ learningRate: lr }), { epsilon: eps, innerLr: zeta })), want);
  });

  it('on f(a, b) = (ab − 1)² from (0.2, 3), amp(sgd) ends at a minimum whose Hessian top eigenvalue 2(a² + b²) is under half of sgd’s (the paper’s flat-minima effect)', () => {
    const f = (p: Params) => tf.tidy(() => tf.square(tf.sub(tf.prod(p.x!), 1)).reshape([]) as tf.Scalar);
    const p0 = { x: tf.tensor1d([0.2, 3]) };
    const a = run(sgd({ learningRate: 0.01 }), f, p0, 2000);
    const b = run(amp(sgd({ learningRate: 0.01 }), { epsilon: 0.5, innerLr: 10 }), f, p0, 2000);
    const [a0, a1] = Array.from(a.x!.dataSync());
    const [b0, b1] = Array.from(b.x!.dataSync());
    expect(Math.abs(a0! * a1! - 1)).toBeLessThan(1e-3);
    expect(Math.abs(b0! * b1! - 1)).toBeLessThan(1e-3);
    const sharpSgd = 2 * (a0! ** 2 + a1! ** 2);
    const sharpAmp = 2 * (b0! ** 2 + b1! ** 2);
    expect(sharpAmp).toBeLessThan(sharpSgd / 2);
    [a, b, p0].forEach(disposeParams);
  });

  it('without a loss closure it is MISSING_INPUT naming extra.loss, with no leak', () => {
    const opt = amp(sgd());
    const params = { w: tf.tensor1d([1]) };
    const s = opt.init(params);
    const g = { w: tf.tensor1d([1]) };
    const e = expectCleanThrow(() => opt.update(g, s, params), 'MISSING_INPUT');
    expect(e.argument).toBe('extra.loss');
    expectCleanThrow(() => amp(sgd(), { innerIter: 1.5 }), 'INVALID_PARAMETER');
    [params, g].forEach(disposeParams);
  });
});

describe('dot (Distillation-Oriented Trainer)', () => {
  it('matches float64 separate-momentum SGD (μ − Δ on the task gradient, μ + Δ on the distillation gradient) for 5 steps', () => {
    const [lr, mu, delta, wd] = [0.05, 0.9, 0.075, 0.01];
    const teacher = [0.2, 0.1, -0.3];
    const kd64 = (t: readonly number[]) => t.map((v, i) => 2 * (v - teacher[i]!));
    let vt = [0, 0, 0];
    let vk = [0, 0, 0];
    const want = reference((t) => {
      const g = grad64(t).map((v, i) => v + wd * t[i]!);
      vt = vt.map((v, i) => (mu - delta) * v + g[i]!);
      vk = vk.map((v, i) => (mu + delta) * v + kd64(t)[i]!);
      return vt.map((v, i) => -lr * (v + vk[i]!));
    });
    const opt = dot({ learningRate: lr, momentum: mu, delta, weightDecay: wd });
    const got: number[][] = [];
    let params: Params = { w: tf.tensor1d(THETA0.slice(0, 2)), b: tf.tensor1d(THETA0.slice(2)) };
    let state = opt.init(params);
    const closure = lossClosure(fTf);
    const kdClosure = lossClosure((p) => tf.tidy(() => tf.sum(tf.square(tf.sub(tf.concat([p.w!, p.b!]), tf.tensor1d(teacher))))) as tf.Scalar);
    for (let k = 0; k < 5; k++) {
      const a = closure(params);
      const b = kdClosure(params);
      const r = opt.update(a.grads, state, params, { distill: b.grads });
      got.push([...r.updates.w!.dataSync(), ...r.updates.b!.dataSync()]);
      const next = applyUpdates(params, r.updates);
      [r.updates, a.grads, b.grads, params].forEach(disposeParams);
      a.value.dispose();
      b.value.dispose();
      disposeState(state);
      params = next;
      state = r.state;
    }
    disposeParams(params);
    disposeState(state);
    expectMatch(got, want);
  });

  it('distilling a clean teacher into a student on noisy labels, DOT (Δ = 0.075) ends closer to the ground truth than the same trainer with Δ = 0 after 100 steps (the paper’s better-student claim, on generated data)', () => {
    // Student: linear regression; task = MSE on noisy labels, distill = MSE to a teacher's clean predictions.
    const rand = (i: number) => Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453);
    const n = 64;
    const d = 8;
    const xs = Array.from({ length: n * d }, (_, i) => rand(i + 1) * 2 - 1);
    const wTrue = Array.from({ length: d }, (_, i) => Math.cos(i));
    const clean = Array.from({ length: n }, (_, r) => wTrue.reduce((s, w, j) => s + w * xs[r * d + j]!, 0));
    const noisy = clean.map((v, i) => v + (rand(1000 + i) - 0.5) * 2);
    const X = tf.tensor2d(xs, [n, d]);
    const yTask = tf.tensor1d(noisy);
    const yT = tf.tensor1d(clean);
    const mse = (p: Params, y: tf.Tensor) => tf.tidy(() => tf.mean(tf.square(tf.sub(tf.squeeze(tf.matMul(X, tf.reshape(p.w!, [d, 1]))), y))) as tf.Scalar);
    const task = lossClosure((p) => mse(p, yTask));
    const kd = lossClosure((p) => mse(p, yT));
    const train = (useDot: boolean) => {
      const opt = useDot ? dot({ learningRate: 0.01, momentum: 0.9, delta: 0.075 }) : dot({ learningRate: 0.01, momentum: 0.9, delta: 0 });
      let params: Params = { w: tf.zeros([d]) };
      let state = opt.init(params);
      for (let k = 0; k < 100; k++) {
        const a = task(params);
        const b = kd(params);
        const r = opt.update(a.grads, state, params, { distill: b.grads });
        const next = applyUpdates(params, r.updates);
        [r.updates, a.grads, b.grads, params].forEach(disposeParams);
        a.value.dispose();
        b.value.dispose();
        disposeState(state);
        params = next;
        state = r.state;
      }
      disposeState(state);
      const l = value((p) => mse(p, yT), params);
      disposeParams(params);
      return l;
    };
    const withDot = train(true);
    const plain = train(false);
    expect(withDot).toBeLessThan(plain);
    [X, yTask, yT].forEach((t) => t.dispose());
  });

  it('an empty distillation map {} is a step without distillation: u = −η·g with the base momentum', () => {
    const opt = dot({ learningRate: 0.5 });
    const params = { w: tf.tensor1d([1, 2]) };
    const s = opt.init(params);
    const g = { w: tf.tensor1d([1, -2]) };
    const r = opt.update(g, s, params, { distill: {} });
    expect(Array.from(r.updates.w!.dataSync())).toEqual([-0.5, 1]);
    [params, g, r.updates].forEach(disposeParams);
    [s, r.state].forEach(disposeState);
  });

  it('a missing distillation gradient, an unknown entry and momentum + Δ ≥ 1 are typed errors with no leak', () => {
    expectCleanThrow(() => dot({ momentum: 0.95, delta: 0.075 }), 'INVALID_PARAMETER');
    const opt = dot();
    const params = { w: tf.tensor1d([1]) };
    const s = opt.init(params);
    const g = { w: tf.tensor1d([1]) };
    const bad = { v: tf.tensor1d([1]) };
    expectCleanThrow(() => opt.update(g, s, params), 'MISSING_INPUT');
    expectCleanThrow(() => opt.update(g, s, params, { distill: bad }), 'INVALID_ARGUMENT');
    [params, g, bad].forEach(disposeParams);
    disposeState(s);
  });
});

describe('mfac (M-FAC sliding-window inverse Fisher)', () => {
  /** Solves M x = b by Gaussian elimination with partial pivoting (float64). */
  function solve(M: number[][], b: number[]): number[] {
    const n = b.length;
    const a = M.map((r, i) => [...r, b[i]!]);
    for (let c = 0; c < n; c++) {
      let piv = c;
      for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
      [a[c], a[piv]] = [a[piv]!, a[c]!];
      for (let r = c + 1; r < n; r++) {
        const fct = a[r]![c]! / a[c]![c]!;
        for (let k = c; k <= n; k++) a[r]![k]! -= fct * a[c]![k]!;
      }
    }
    const x = new Array<number>(n).fill(0);
    for (let r = n - 1; r >= 0; r--) x[r] = (a[r]![n]! - a[r]!.slice(r + 1, n).reduce((s, v, k) => s + v * x[r + 1 + k]!, 0)) / a[r]![r]!;
    return x;
  }

  it('matches θ ← θ − η(λI + (1/m)Σ_window ggᵀ)⁻¹g solved densely in float64, through a wrap of the m = 2 window, for 5 steps', () => {
    const [lr, m, damp] = [0.05, 2, 0.5];
    const win: number[][] = [];
    const want = reference((t) => {
      const g = grad64(t);
      win.push(g);
      if (win.length > m) win.shift();
      const F = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? damp : 0) + win.reduce((s, r) => s + r[i]! * r[j]!, 0) / m));
      return solve(F, g).map((v) => -lr * v);
    });
    expectMatch(ours(mfac({ learningRate: lr, windowSize: m, damp })), want, 1e-4);
  });

  it('with momentum matches v ← μv + (1 − μ)F̂⁻¹g in float64 for 5 steps', () => {
    const [lr, m, damp, mu] = [0.05, 3, 0.3, 0.5];
    const win: number[][] = [];
    let v = [0, 0, 0];
    const want = reference((t) => {
      const g = grad64(t);
      win.push(g);
      if (win.length > m) win.shift();
      const F = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? damp : 0) + win.reduce((s, r) => s + r[i]! * r[j]!, 0) / m));
      const ih = solve(F, g);
      v = v.map((x, i) => mu * x + (1 - mu) * ih[i]!);
      return v.map((x) => -lr * x);
    });
    expectMatch(ours(mfac({ learningRate: lr, windowSize: m, damp, momentum: mu })), want, 1e-4);
  });

  it('with gradients of size 1e3 and the default λ = 1e-5 the first step equals the Sherman–Morrison −η·m·g/(mλ + ‖g‖²) to 1e-4 (no cancellation in g − Gᵀc)', () => {
    const gv = [1200, -800, 450];
    const [lr, m, damp] = [1e-3, 4, 1e-5];
    const want = gv.map((g) => (-lr * m * g) / (m * damp + sq(gv)));
    const opt = mfac({ learningRate: lr, windowSize: m, damp });
    const params = { w: tf.tensor1d([0, 0, 0]) };
    const s = opt.init(params);
    const g = { w: tf.tensor1d(gv) };
    const r = opt.update(g, s, params);
    expectMatch([Array.from(r.updates.w!.dataSync())], [want], 1e-4);
    [params, g, r.updates].forEach(disposeParams);
    [s, r.state].forEach(disposeState);
  });

  it('a NaN gradient is NON_FINITE_INPUT, a foreign state INVALID_ARGUMENT, with no leak', () => {
    const opt = mfac({ windowSize: 2 });
    const params = { w: tf.tensor1d([1, 2]) };
    const s = opt.init(params);
    const g = { w: tf.tensor1d([Number.NaN, 1]) };
    expectCleanThrow(() => opt.update(g, s, params), 'NON_FINITE_INPUT');
    expectCleanThrow(() => opt.update(g, { count: 0 } as never, params), 'INVALID_ARGUMENT');
    [params, g].forEach(disposeParams);
    disposeState(s);
  });
});

describe('scion (norm-constrained LMOs) and operatorNorm', () => {
  const G = [
    [0.5, -1, 2],
    [0.1, 0.3, -0.2],
  ];
  const step1 = (layer: ScionLayer) => {
    const opt = scion({ learningRate: 0.1, alpha: 1, layers: () => layer });
    const params = { W: tf.tensor2d(G.map((r) => r.map(() => 0))) };
    const s = opt.init(params);
    const g = { W: tf.tensor2d(G) };
    const r = opt.update(g, s, params);
    const out = Array.from(r.updates.W!.dataSync());
    [params, g, r.updates].forEach(disposeParams);
    disposeState(s);
    disposeState(r.state);
    return out;
  };
  const flatG = G.flat();
  const fin = 2;
  const fout = 3;

  it('sign LMO: u = −η·ρ·sign(g)/fan_in', () => {
    expectMatch([step1({ norm: 'sign', scale: 2 })], [flatG.map((v) => (-0.1 * 2 * Math.sign(v)) / fin)]);
  });

  it('colNorm LMO: each input row divided by its RMS over the outputs', () => {
    const want = G.flatMap((r) => {
      const rms = Math.sqrt(r.reduce((s, v) => s + v * v, 0) / fout);
      return r.map((v) => (-0.1 * v) / rms);
    });
    expectMatch([step1({ norm: 'colNorm' })], [want]);
  });

  it('rowNorm LMO (normalized): each output column divided by √fan_in times its L2 norm', () => {
    const l2 = [0, 1, 2].map((j) => Math.sqrt(G[0]![j]! ** 2 + G[1]![j]! ** 2));
    expectMatch([step1({ norm: 'rowNorm' })], [G.flatMap((r) => r.map((v, j) => (-0.1 * v) / (Math.sqrt(fin) * l2[j]!)))]);
  });

  it('spectral LMO: the update’s singular values are all ≈ η·√(fan_out/fan_in) (orthogonalised momentum)', () => {
    const u = step1({ norm: 'spectral' });
    const t = tf.tensor2d(u, [fin, fout]);
    const smax = operatorNorm(t, 'spectral');
    const neg = tf.neg(t);
    // The smallest singular value of a 2×3 matrix: sqrt(det(UUᵀ)/σ_max²).
    const a = u.slice(0, 3);
    const b = u.slice(3);
    const det = sq(a) * sq(b) - a.reduce((s, v, i) => s + v * b[i]!, 0) ** 2;
    const smin = Math.sqrt(det) / smax;
    const target = 0.1 * Math.sqrt(fout / fin);
    expect(smax / target).toBeGreaterThan(0.6);
    expect(smax / target).toBeLessThan(1.25);
    expect(smin / target).toBeGreaterThan(0.6);
    [t, neg].forEach((x) => x.dispose());
  });

  it('biasRms with momentum matches float64 m ← (1 − α)m + αg, u = −η m/RMS(m) − ηλθ on the quadratic for 5 steps', () => {
    const [lr, alpha, wd] = [0.05, 0.3, 0.1];
    let m = [0, 0, 0];
    const want = reference((t) => {
      const g = grad64(t);
      m = m.map((v, i) => (1 - alpha) * v + alpha * g[i]!);
      const u = [0, 0, 0];
      for (const part of PARTS) {
        const rms = Math.sqrt(part.reduce((s, i) => s + m[i]! ** 2, 0) / part.length);
        for (const i of part) u[i] = (-lr * m[i]!) / rms - lr * wd * t[i]!;
      }
      return u;
    });
    expectMatch(ours(scion({ learningRate: lr, alpha, weightDecay: wd })), want, 1e-4);
  });

  it('sign LMO of gradients of size 1e-7 and 1e-8 is ±1/fan_in, not 0 (tfjs-wasm Sign flushes below 1.2e-7)', () => {
    const opt = scion({ learningRate: 1, alpha: 1, layers: () => ({ norm: 'sign', normalized: false }) });
    const params = { W: tf.zeros([1, 3]) };
    const s = opt.init(params);
    const g = { W: tf.tensor2d([[1e-7, -1e-8, 0]]) };
    const r = opt.update(g, s, params);
    expect(Array.from(r.updates.W!.dataSync()).map((v) => v + 0)).toEqual([-1, 1, 0]);
    [params, g, r.updates].forEach(disposeParams);
    [s, r.state].forEach(disposeState);
  });

  it('operatorNorm of diag(3, 1) padded to [3, 2]: spectral 3, rms->rms 3·√(3/2), rms->inf 3·√3', () => {
    const w = tf.tensor2d([[3, 0], [0, 1], [0, 0]]);
    expect(operatorNorm(w, 'spectral')).toBeCloseTo(3, 9);
    expect(operatorNorm(w, 'rms->rms')).toBeCloseTo(3 * Math.sqrt(1.5), 9);
    expect(operatorNorm(w, 'rms->inf')).toBeCloseTo(3 * Math.sqrt(3), 9);
    w.dispose();
  });

  it('an unknown norm, a matrix LMO on a vector and a non-matrix operatorNorm are typed errors with no leak', () => {
    const z = { w: tf.zeros([2]) };
    expectCleanThrow(() => scion({ layers: () => ({ norm: 'frobenius' as never }) }).init(z), 'INVALID_PARAMETER');
    disposeParams(z);
    const opt = scion({ layers: () => ({ norm: 'sign' }) });
    const params = { w: tf.tensor1d([1, 2]) };
    const s = opt.init(params);
    const g = { w: tf.tensor1d([1, 2]) };
    expectCleanThrow(() => opt.update(g, s, params), 'INVALID_ARGUMENT');
    expectCleanThrow(() => operatorNorm(params.w!), 'INVALID_ARGUMENT');
    [params, g].forEach(disposeParams);
    disposeState(s);
  });
});

describe('subgm, l1MatrixSensingLoss and smallInit (robust matrix recovery)', () => {
  const rand = (i: number) => {
    const v = Math.sin(i * 78.233) * 43758.5453;
    return v - Math.floor(v);
  };
  const gauss = (i: number) => Math.sqrt(-2 * Math.log(rand(2 * i + 1) + 1e-12)) * Math.cos(2 * Math.PI * rand(2 * i + 2));

  it('l1MatrixSensingLoss equals the float64 (1/m)Σ|y − ⟨A_i, UUᵀ⟩| and its gradient passes a float64 finite-difference check', () => {
    const [m, d, r] = [5, 3, 2];
    const a = Array.from({ length: m * d * d }, (_, i) => gauss(i));
    const y = Array.from({ length: m }, (_, i) => gauss(500 + i));
    const u = Array.from({ length: d * r }, (_, i) => gauss(900 + i));
    const ref = (uu: ArrayLike<number>) => {
      let s = 0;
      for (let k = 0; k < m; k++) {
        let pred = 0;
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
          let x = 0;
          for (let c = 0; c < r; c++) x += uu[i * r + c]! * uu[j * r + c]!;
          pred += a[k * d * d + i * d + j]! * x;
        }
        s += Math.abs(y[k]! - pred);
      }
      return s / m;
    };
    const At = tf.tensor3d(a, [m, d, d]);
    const yt = tf.tensor1d(y);
    const U = tf.tensor2d(u, [d, r]);
    const l = l1MatrixSensingLoss(U, At, yt);
    expect(Math.abs(l.dataSync()[0]! - ref(u)) / ref(u)).toBeLessThan(1e-5);
    const chk = checkGradient((x) => l1MatrixSensingLoss(x, At, yt), U, { reference: ref });
    expect(chk.ok, `worst ${chk.worst}`).toBe(true);
    [At, yt, U, l].forEach((t) => t.dispose());
  });

  it('from a small initialisation an over-parameterised (r = 3) SubGM recovers a rank-1 X* to relative error < 0.05 despite 10% gross outliers', () => {
    const [m, d] = [120, 6];
    const ustar = Array.from({ length: d }, (_, i) => gauss(3000 + i));
    const a = Array.from({ length: m * d * d }, (_, i) => gauss(5000 + i));
    const y = Array.from({ length: m }, (_, k) => {
      let s = 0;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += a[k * d * d + i * d + j]! * ustar[i]! * ustar[j]!;
      return k % 10 === 0 ? s + 50 * gauss(9000 + k) : s;
    });
    const At = tf.tensor3d(a, [m, d, d]);
    const yt = tf.tensor1d(y);
    const f = (p: Params) => l1MatrixSensingLoss(p.U!, At, yt);
    const U0 = smallInit([d, 3], 1e-3, 7);
    const p0 = { U: U0 };
    const out = run(subgm({ learningRate: 0.05, decay: 0.995 }), f, p0, 600);
    const X = tf.matMul(out.U!, out.U!, false, true);
    const xs = Array.from(X.dataSync());
    const xstar = ustar.flatMap((ui) => ustar.map((uj) => ui * uj));
    expect(norm(sub(xs, xstar)) / norm(xstar)).toBeLessThan(0.05);
    [At, yt, X].forEach((t) => t.dispose());
    [p0, out].forEach(disposeParams);
  });

  it('smallInit has entries of standard deviation α/√d (within 15% on 2000 entries)', () => {
    const t = smallInit([100, 20], 0.01, 3);
    const v = Array.from(t.dataSync());
    const sd = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    expect(Math.abs(sd / (0.01 / 10) - 1)).toBeLessThan(0.15);
    t.dispose();
  });

  it('bad shapes, α ≤ 0 and decay outside (0, 1] are typed errors with no leak', () => {
    const U = tf.zeros([3, 2]);
    const Abad = tf.zeros([4, 2, 2]);
    const y = tf.zeros([4]);
    expectCleanThrow(() => l1MatrixSensingLoss(U, Abad, y), 'SHAPE_MISMATCH');
    expectCleanThrow(() => smallInit([3, 2], 0), 'INVALID_PARAMETER');
    expectCleanThrow(() => subgm({ decay: 1.5 }), 'INVALID_PARAMETER');
    [U, Abad, y].forEach((t) => t.dispose());
  });
});

describe('frugal (state-full subspace + state-free signSGD)', () => {
  it('with density 1 it is AdamW: matches a float64 AdamW on the quadratic for 5 steps', () => {
    const [lr, b1, b2, eps, wd] = [0.05, 0.9, 0.999, 1e-8, 0.01];
    let m = [0, 0, 0];
    let v = [0, 0, 0];
    const want = reference((t, k) => {
      const g = grad64(t);
      m = m.map((x, i) => b1 * x + (1 - b1) * g[i]!);
      v = v.map((x, i) => b2 * x + (1 - b2) * g[i]! ** 2);
      const s = k + 1;
      return m.map((x, i) => (-lr * (x / (1 - b1 ** s))) / (Math.sqrt(v[i]! / (1 - b2 ** s)) + eps) - lr * wd * t[i]!);
    });
    expectMatch(ours(frugal({ learningRate: lr, density: 1, project: () => true })), want, 1e-4);
    expectMatch(ours(adamw({ learningRate: lr, weightDecay: wd })), want, 1e-4);
  });

  it('with density 0 every projected tensor gets signSGD: u = −η·sign(g) − ηλθ in float64 for 5 steps', () => {
    const [lr, wd] = [0.05, 0.01];
    const want = reference((t) => grad64(t).map((g, i) => -lr * Math.sign(g) - lr * wd * t[i]!));
    expectMatch(ours(frugal({ learningRate: lr, density: 0, project: () => true })), want, 1e-5);
  });

  it('the state-free signSGD step of a 1e-8 gradient is −η·sign(g), not 0', () => {
    const opt = frugal({ learningRate: 0.5, density: 0, weightDecay: 0, project: () => true });
    const params = { w: tf.zeros([2]) };
    const s = opt.init(params);
    const g = { w: tf.tensor1d([1e-8, -5e-8]) };
    const r = opt.update(g, s, params);
    expect(Array.from(r.updates.w!.dataSync())).toEqual([-0.5, 0.5]);
    [params, g, r.updates].forEach(disposeParams);
    [s, r.state].forEach(disposeState);
  });

  it('columns projection: the selected columns get Adam (first step −η·g/(|g| + ε̂)) and the others −η·sign(g), re-selected after updateGap with fresh moments', () => {
    const opt = frugal({ learningRate: 0.1, density: 0.5, projection: 'columns', updateGap: 2, weightDecay: 0, inactiveRule: 'sgd', seed: 3 });
    const params = { W: tf.zeros([2, 4]) };
    let s = opt.init(params);
    const cols = s.columns.W!;
    expect(cols.length).toBe(2);
    const gv = [0.5, -1, 2, 0.25, 1, 3, -0.5, 0.1];
    for (let k = 0; k < 3; k++) {
      const g = { W: tf.tensor2d(gv, [2, 4]) };
      const r = opt.update(g, s, params);
      const u = Array.from(r.updates.W!.dataSync());
      const active = s.columns.W!;
      if (k === 0) {
        u.forEach((x, i) => {
          const c = i % 4;
          const want = active.includes(c) ? -0.1 * Math.sign(gv[i]!) : -0.1 * gv[i]!;
          expect(x).toBeCloseTo(want, 5);
        });
      }
      disposeParams(g);
      disposeParams(r.updates);
      disposeState(s);
      s = r.state;
    }
    expect(s.selections).toBe(2);
    expect(s.steps.W).toBe(1);
    disposeState(s);
    disposeParams(params);
  });

  it('unknown projection and a state built for other names are typed errors with no leak', () => {
    expectCleanThrow(() => frugal({ projection: 'svd' as never }), 'INVALID_PARAMETER');
    const opt = frugal({ density: 1 });
    const params = { w: tf.tensor1d([1]) };
    const s = opt.init(params);
    const g = { v: tf.tensor1d([1]) };
    expectCleanThrow(() => opt.update(g, s, { v: g.v! }), 'INVALID_ARGUMENT');
    [params, g].forEach(disposeParams);
    disposeState(s);
  });
});

describe('udim (Unknown Domain Inconsistency Minimization)', () => {
  const C = 2;
  const model: UdimModel = {
    kernel: 'head/w',
    bias: 'head/b',
    forward(p, x) {
      const features = tf.tanh(tf.matMul(x, p['feat/w']!));
      return { features, logits: tf.add(tf.matMul(features, p['head/w']!), p['head/b']!) };
    },
  };
  const makeData = () => ({
    x: tf.tensor2d([[1, 0.5], [0.8, -0.2], [-1, 0.3], [-0.6, -0.9], [0.2, 1], [-0.3, -1]]),
    labels: tf.tensor1d([1, 1, 0, 0, 1, 0], 'int32'),
  });
  const makeParams = (): Params => ({
    'feat/w': tf.tensor2d([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]]),
    'head/w': tf.tensor2d([[0.3, -0.2], [0.1, 0.5], [-0.4, 0.2]]),
    'head/b': tf.tensor1d([0.05, -0.05]),
  });
  const ceOf = (x: tf.Tensor, labels: tf.Tensor) => (p: Params) =>
    tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(tf.cast(labels, 'int32'), C), tf.logSoftmax(model.forward(p, x).logits)), -1))) as tf.Scalar);

  it('with λ = 0 its update equals sam(sgd) with the same ρ (independent implementation)', () => {
    const { x, labels } = makeData();
    const params = makeParams();
    const f = ceOf(x, labels);
    const closure = lossClosure(f);
    const { value: v, grads } = closure(params);
    const a = udim(sgd({ learningRate: 0.1 }), { rho: 0.05, lambda: 0 });
    const b = sam(sgd({ learningRate: 0.1 }), { rho: 0.05 });
    const sa = a.init(params);
    const sb = b.init(params);
    const ra = a.update(grads, sa, params, { udim: { model, x, labels } });
    const rb = b.update(grads, sb, params, { loss: closure });
    for (const k of Object.keys(params)) {
      const ua = Array.from(ra.updates[k]!.dataSync());
      const ub = Array.from(rb.updates[k]!.dataSync());
      ua.forEach((u, i) => expect(u).toBeCloseTo(ub[i]!, 6));
    }
    [params, grads, ra.updates, rb.updates].forEach(disposeParams);
    [sa, sb, ra.state, rb.state].forEach(disposeState);
    [v, x, labels].forEach((t) => t.dispose());
  });

  it('the inconsistency term changes the update (λ = 1 differs from λ = 0) and 5 steps leak no tensor', () => {
    const { x, labels } = makeData();
    const p0 = makeParams();
    const f = ceOf(x, labels);
    const outs = [0, 1].map((lambda) => run(udim(sgd({ learningRate: 0.1 }), { rho: 0.05, lambda }), f, p0, 5, () => ({ udim: { model, x, labels } })));
    const diff = Math.abs(outs[0]!['feat/w']!.dataSync()[0]! - outs[1]!['feat/w']!.dataSync()[0]!);
    expect(diff).toBeGreaterThan(1e-7);
    outs.forEach(disposeParams);
    expectNoLeaks(() => disposeParams(run(udim(sgd({ learningRate: 0.1 })), f, p0, 3, () => ({ udim: { model, x, labels } }))), 'udim');
    disposeParams(p0);
    [x, labels].forEach((t) => t.dispose());
  });

  it('trained 150 steps on a source domain whose second feature is a weak shortcut, udim(sgd) ends with a lower loss than sam(sgd) on a target domain where that feature is noisy (the paper’s unknown-domain claim, on generated data)', () => {
    const rand = (i: number) => {
      const v = Math.sin(i * 91.345) * 43758.5453;
      return v - Math.floor(v);
    };
    const gauss = (i: number) => Math.sqrt(-2 * Math.log(rand(2 * i + 1) + 1e-12)) * Math.cos(2 * Math.PI * rand(2 * i + 2));
    const N = 64;
    const domain = (off: number, noise: number) => {
      const xs: number[][] = [];
      const ys: number[] = [];
      for (let i = 0; i < N; i++) {
        const c = i % 2;
        xs.push([(c ? 1 : -1) + 0.5 * gauss(off + i), (c ? 1 : -1) * 0.8 + noise * gauss(off + 500 + i) + 0.5 * gauss(off + 900 + i)]);
        ys.push(c);
      }
      return { x: tf.tensor2d(xs), y: tf.tensor1d(ys, 'int32') };
    };
    const src = domain(0, 0);
    const tgt = domain(3000, 2);
    const m4: UdimModel = {
      kernel: 'h/w',
      bias: 'h/b',
      forward(p, x) {
        const features = tf.tanh(tf.add(tf.matMul(x, p['f/w']!), p['f/b']!));
        return { features, logits: tf.add(tf.matMul(features, p['h/w']!), p['h/b']!) };
      },
    };
    const ce = (x: tf.Tensor, y: tf.Tensor) => (p: Params) => tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(y, 2), tf.logSoftmax(m4.forward(p, x).logits)), -1))) as tf.Scalar);
    const p0: Params = { 'f/w': tf.tensor2d([[0.3, -0.2, 0.1, 0.4], [0.2, 0.5, -0.3, 0.1]]), 'f/b': tf.zeros([4]), 'h/w': tf.tensor2d([[0.1, -0.1], [0.2, 0.1], [-0.1, 0.3], [0.05, -0.2]]), 'h/b': tf.zeros([2]) };
    const extra = () => ({ udim: { model: m4, x: src.x, labels: src.y } });
    const a = run(sam(sgd({ learningRate: 0.2 }), { rho: 0.05 }), ce(src.x, src.y), p0, 150);
    const b = run(udim(sgd({ learningRate: 0.2 }), { rho: 0.05, lambda: 1 }), ce(src.x, src.y), p0, 150, extra);
    const [ls, lu] = [value(ce(tgt.x, tgt.y), a), value(ce(tgt.x, tgt.y), b)];
    expect(value(ce(src.x, src.y), b)).toBeLessThan(0.05);
    expect(lu).toBeLessThan(ls);
    [a, b, p0].forEach(disposeParams);
    [src.x, src.y, tgt.x, tgt.y].forEach((t) => t.dispose());
  });

  it('a label outside the classes and a missing extra.udim are typed errors with no leak', () => {
    const { x } = makeData();
    const params = makeParams();
    const opt = udim(sgd());
    const s = opt.init(params);
    const g = Object.fromEntries(Object.entries(params).map(([k, t]) => [k, tf.zerosLike(t)]));
    const badLabels = tf.tensor1d([0, 1, 2, 0, 1, 0], 'int32');
    expectCleanThrow(() => opt.update(g, s, params), 'MISSING_INPUT');
    expectCleanThrow(() => opt.update(g, s, params, { udim: { model, x, labels: badLabels } }), 'LABEL_OUT_OF_RANGE');
    [params, g].forEach(disposeParams);
    [x, badLabels].forEach((t) => t.dispose());
    disposeState(s);
  });
});

describe('no leaks over 5 steps', () => {
  const cases: [string, () => GradientTransformation<any>][] = [
    ['normalizedGd', () => normalizedGd()],
    ['dynamicLossScaling(adamw)', () => dynamicLossScaling(adamw(), { growthInterval: 2 })],
    ['amp(sgd, 2 inner steps)', () => amp(sgd(), { innerIter: 2 })],
    ['mfac', () => mfac({ windowSize: 2, damp: 0.1, momentum: 0.5, weightDecay: 0.01 })],
    ['scion', () => scion({ weightDecay: 0.1 })],
    ['subgm', () => subgm()],
    ['frugal blocks', () => frugal({ density: 0.5, updateGap: 2, project: () => true })],
  ];
  for (const [name, make] of cases) {
    it(`${name} leaves tf.memory().numTensors unchanged`, () => {
      expectNoLeaks(() => ours(make()), name);
    });
  }
});

