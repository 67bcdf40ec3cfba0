// @losskit/robustness against float64 references written in the test: a linear softmax model (whose input gradient
// has a closed form), the ELLE and AAER formulas of the authors' code (with the documented seeded draws), adaptive
// smoothing, WiSE-FT, the boundary-tilting angle and the power-law fit.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compile, logit, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  aaerLoss,
  adaptiveSmoothing,
  adversarialErrorCurve,
  adversarialPowerLaw,
  boundaryTiltingAngle,
  catalog,
  elleAdaptiveInit,
  elleAdaptiveUpdate,
  elleRegularizer,
  fgsm,
  fitAdversarialPowerLaw,
  interpolateWeights,
  pgd,
} from '../src/index.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

const W = [[1, -0.5, 0.2], [0.3, 0.8, -1], [-0.6, 0.1, 0.4], [0.2, 0.2, 0.9]]; // [D = 4, C = 3]
const bias = [0.1, -0.2, 0.05];
function linearModel(): tfl.Sequential {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [4], kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) })] });
  m.setWeights([tf.tensor2d(W), tf.tensor1d(bias)]);
  return m;
}
const logits64 = (x: number[], w = W, b = bias) => b.map((bj, j) => bj + x.reduce((s, v, i) => s + v * w[i]![j]!, 0));
const ce64 = (z: number[], y: number) => { const m = Math.max(...z); return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[y]!; };
const logSoftmax64 = (z: number[]) => { const m = Math.max(...z); const l = Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)); return z.map((v) => v - m - l); };
const softmax64 = (z: number[]) => { const m = Math.max(...z); const e = z.map((v) => Math.exp(v - m)); const s = e.reduce((a, b) => a + b, 0); return e.map((v) => v / s); };
/** ∂ CE(xW + b, y) / ∂x = W (softmax − e_y). */
const inputGrad64 = (x: number[], y: number) => { const p = softmax64(logits64(x)); return W.map((r) => r.reduce((s, w, j) => s + w * (p[j]! - (j === y ? 1 : 0)), 0)); };

const xs = randomMatrix(6, 4, 1);
const ys = [0, 1, 2, 0, 1, 2];

describe('fgsm and pgd', () => {
  it('FGSM is x + ε·sign(W(softmax(xW + b) − e_y)) for a linear softmax model, clipped to the bounds', () => {
    const model = linearModel();
    const x = tf.tensor2d(xs);
    const adv = fgsm({ model, x, y: ys, epsilon: 0.1, bounds: [-1, 1] }).arraySync() as number[][];
    xs.forEach((r, i) => {
      const g = inputGrad64(r, ys[i]!);
      r.forEach((v, k) => expect(adv[i]![k]).toBeCloseTo(Math.min(1, Math.max(-1, v + 0.1 * Math.sign(g[k]!))), 6));
    });
    x.dispose();
    model.dispose();
  });

  it('PGD stays in the ε-ball, equals FGSM for one step of size ε without random start, and raises the loss', () => {
    const model = linearModel();
    const x = tf.tensor2d(xs);
    const a = pgd({ model, x, y: ys, epsilon: 0.2, steps: 7, seed: 3 });
    const d = tf.max(tf.abs(tf.sub(a, x))).dataSync()[0]!;
    expect(d).toBeLessThanOrEqual(0.2 + 1e-6);
    const one = pgd({ model, x, y: ys, epsilon: 0.1, steps: 1, stepSize: 0.1, randomStart: false });
    const f = fgsm({ model, x, y: ys, epsilon: 0.1 });
    expect(tf.max(tf.abs(tf.sub(one, f))).dataSync()[0]).toBeLessThan(1e-6);
    const loss = compile(logit().target().neg()); // any loss: here −z_y
    const before = (loss(ys, model.apply(x) as tf.Tensor).dataSync()[0])!;
    const after = (loss(ys, model.apply(pgd({ model, x, y: ys, epsilon: 0.2, loss, randomStart: false })) as tf.Tensor).dataSync()[0])!;
    expect(after).toBeGreaterThan(before);
    tf.dispose([x, a, one, f]);
    model.dispose();
  });

  it('leak nothing and reject bad input with typed errors', () => {
    const model = linearModel();
    const x = tf.tensor2d(xs);
    expectNoLeaks(() => fgsm({ model, x, y: ys, epsilon: 0.1 }).dispose());
    expectNoLeaks(() => pgd({ model, x, y: ys, epsilon: 0.1, steps: 3 }).dispose());
    expectCleanThrow(() => fgsm({ model, x, y: ys, epsilon: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => fgsm({ model, x, y: [0, 1], epsilon: 0.1 }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => fgsm({ model, x, y: [0, 1, 2, 0, 1, 5], epsilon: 0.1 }), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => pgd({ model, x, y: ys, epsilon: 0.1, bounds: [1, 0] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => fgsm({ model: 3 as never, x, y: ys, epsilon: 0.1 }), 'INVALID_ARGUMENT');
    x.dispose();
    model.dispose();
  });

  it('rejects a non-boolean randomStart (a truthy string must not switch the random start off or on)', () => {
    const model = linearModel();
    const x = tf.tensor2d(xs);
    expectCleanThrow(() => pgd({ model, x, y: ys, epsilon: 0.1, randomStart: 'no' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => pgd({ model, x, y: ys, epsilon: 0.1, randomStart: 0 as never }), 'INVALID_PARAMETER');
    x.dispose();
    model.dispose();
  });
});

describe('elleRegularizer and ELLE-A', () => {
  it('equals mean (ℓ(x_c) − (1−α)ℓ(x_a) − αℓ(x_b))² in float64 with the documented seeded draws', () => {
    const model = linearModel();
    const x = tf.tensor2d(xs);
    const eps = 0.3;
    const seed = 7;
    const noise = tf.randomUniform([12, 4], -eps, eps, 'float32', seed).arraySync() as number[][];
    const alpha = Array.from(tf.randomUniform([6], 0, 1, 'float32', seed + 1).dataSync());
    let ref = 0;
    xs.forEach((r, i) => {
      const xa = r.map((v, k) => Math.fround(v + noise[i]![k]!));
      const xb = r.map((v, k) => Math.fround(v + noise[6 + i]![k]!));
      const xc = xa.map((v, k) => (1 - alpha[i]!) * v + alpha[i]! * xb[k]!);
      const e = ce64(logits64(xc), ys[i]!) - (1 - alpha[i]!) * ce64(logits64(xa), ys[i]!) - alpha[i]! * ce64(logits64(xb), ys[i]!);
      ref += (e * e) / 6;
    });
    const v = elleRegularizer({ model, x, y: ys, epsilon: eps, seed });
    expect(v.dataSync()[0]).toBeCloseTo(ref, 6);
    tf.dispose([x, v]);
    model.dispose();
  });

  it('is 0 for a loss linear in the input (−z_y of a linear model) and has a weight gradient (variableGrads)', () => {
    const model = linearModel();
    const x = tf.tensor2d(xs);
    const lin = elleRegularizer({ model, x, y: ys, epsilon: 0.5, loss: compile(logit().target().neg()) });
    expect(Math.abs(lin.dataSync()[0]!)).toBeLessThan(1e-10);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => elleRegularizer({ model, x, y: ys, epsilon: 0.5, seed: 1 }), vars);
    expect(Object.values(grads).some((g) => tf.max(tf.abs(g)).dataSync()[0]! > 0)).toBe(true);
    tf.dispose([x, lin, value, ...Object.values(grads)]);
    model.dispose();
  });

  it('ELLE-A raises λ to λ_max on a spike above mean + s·std of the past values and decays it otherwise (authors\' rule)', () => {
    const opts = { lambdaMax: 10, sensitivity: 2, decayRate: 0.5 };
    const errs = [1, 1.1, 0.9, 5, 1];
    let s = elleAdaptiveInit(1);
    const lambdas: number[] = [];
    const hist: number[] = [];
    for (const e of errs) {
      s = elleAdaptiveUpdate(s, e, opts);
      lambdas.push(s.lambda);
      hist.push(e);
    }
    // Reference: np.mean / np.std (population) of all previous values, spike only with more than 2 values.
    let lam = 1;
    const ref: number[] = [];
    errs.forEach((e, t) => {
      const past = errs.slice(0, t);
      const m = past.reduce((a, b) => a + b, 0) / (past.length || 1);
      const sd = Math.sqrt(past.reduce((a, b) => a + (b - m) ** 2, 0) / (past.length || 1));
      lam = past.length > 2 && e > m + 2 * sd ? 10 : lam * 0.5;
      ref.push(lam);
    });
    lambdas.forEach((l, i) => expect(l).toBeCloseTo(ref[i]!, 12));
    expect(lambdas[3]).toBe(10);
    expectCleanThrow(() => elleAdaptiveUpdate({ lambda: -1, count: 0, mean: 0, m2: 0 }, 1, opts), 'INVALID_ARGUMENT');
    expectCleanThrow(() => elleAdaptiveUpdate(s, Number.NaN, opts), 'INVALID_PARAMETER');
  });
});

describe('aaerLoss', () => {
  /** The float64 AAER loss of train_aaer.py for the linear model, given the start x0 (weights as arguments). */
  function referenceAaer(w: number[][], b: number[], x0: number[][], x1: number[][], frozen: { lBefore: number[]; zBefore: number[][]; vNormal?: number | undefined }) {
    const n = x0.length;
    const zA = x1.map((r) => logits64(r, w, b));
    const lA = zA.map((z, i) => ce64(z, ys[i]!));
    const mask = frozen.lBefore.map((l, i) => l > lA[i]!);
    const ab = mask.filter(Boolean).length;
    const ce = lA.reduce((s, v) => s + v, 0) / n;
    if (ab === 0 || ab === n) return { value: ce, ab };
    const sq = zA.map((z, i) => z.reduce((s, v, j) => s + (frozen.zBefore[i]![j]! - v) ** 2, 0));
    const vA = sq.reduce((s, v, i) => s + (mask[i] ? v : 0), 0) / ab;
    const vN = frozen.vNormal ?? sq.reduce((s, v, i) => s + (mask[i] ? 0 : v), 0) / (n - ab);
    const aCe = frozen.lBefore.reduce((s, v, i) => s + (mask[i] ? v - lA[i]! : 0), 0) / ab;
    return { value: ce + ((1 * ab) / n) * (4 * aCe + 1.5 * Math.max(vA - vN, 0)), ab, vN };
  }

  it('equals the float64 loss of the authors\' code (δ₀ ~ U(−2ε, 2ε), FGSM step, masks, variations) and its weight gradient', () => {
    const model = linearModel();
    const x = tf.tensor2d(xs);
    const eps = 0.8;
    const seed = 4;
    const noise = tf.randomUniform([6, 4], -2 * eps, 2 * eps, 'float32', seed).arraySync() as number[][];
    const x0 = xs.map((r, i) => r.map((v, k) => Math.fround(v + noise[i]![k]!)));
    const x1 = x0.map((r, i) => { const g = inputGrad64(r, ys[i]!); return r.map((v, k) => v + eps * Math.sign(g[k]!)); });
    const zBefore = x0.map((r) => logits64(r));
    const lBefore = zBefore.map((z, i) => ce64(z, ys[i]!));
    const ref = referenceAaer(W, bias, x0, x1, { lBefore, zBefore });
    const r = aaerLoss({ model, x, y: ys, epsilon: eps, seed });
    expect(r.abnormal).toBe(ref.ab);
    expect(r.loss.dataSync()[0]).toBeCloseTo(ref.value, 4);
    // Gradient in the weights with the detached quantities held fixed, against central differences of the reference.
    const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => aaerLoss({ model, x, y: ys, epsilon: eps, seed }).loss, vars);
    const gw = grads[vars[0]!.name]!.arraySync() as number[][];
    const h = 1e-6;
    for (const [i, j] of [[0, 0], [1, 2], [3, 1]] as const) {
      const wp = W.map((row, a) => row.map((v, c) => (a === i && c === j ? v + h : v)));
      const wm = W.map((row, a) => row.map((v, c) => (a === i && c === j ? v - h : v)));
      const num = (referenceAaer(wp, bias, x0, x1, { lBefore, zBefore, vNormal: ref.vN }).value - referenceAaer(wm, bias, x0, x1, { lBefore, zBefore, vNormal: ref.vN }).value) / (2 * h);
      expect(gw[i]![j]).toBeCloseTo(num, 3);
    }
    tf.dispose([x, r.loss, value, ...Object.values(grads)]);
    model.dispose();
  });

  it('leaves no tape and no tensor behind on a bad label, and rejects negative λ', () => {
    const model = linearModel();
    const x = tf.tensor2d(xs);
    expectCleanThrow(() => aaerLoss({ model, x, y: [0, 1, 2, 0, 1, 7], epsilon: 0.1 }), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => aaerLoss({ model, x, y: ys, epsilon: 0.1, lambda2: -1 }), 'INVALID_PARAMETER');
    expectNoLeaks(() => aaerLoss({ model, x, y: ys, epsilon: 0.1 }).loss.dispose());
    x.dispose();
    model.dispose();
  });

  it('rejects a NaN input with NON_FINITE_INPUT on wasm, whose clip maps NaN into the bounds (fuzz seed 1, call 467)', async () => {
    await ready({ backend: 'wasm' });
    try {
      const model = linearModel();
      const x = tf.tensor2d(xs.map((r, i) => (i === 0 ? r.map(() => Number.NaN) : r)));
      expectCleanThrow(() => aaerLoss({ model, x, y: ys, epsilon: 0.5, bounds: [-1, 1], start: 'project' }), 'NON_FINITE_INPUT');
      expectCleanThrow(() => pgd({ model, x, y: ys, epsilon: 0.5, bounds: [-1, 1] }), 'NON_FINITE_INPUT');
      x.dispose();
      model.dispose();
    } finally {
      await ready({ backend: 'cpu' });
    }
  });
});

describe('adaptiveSmoothing', () => {
  const g = [[2, 0, -1], [0.5, 0.5, 3], [1e4, -1e4, 0]];
  const h = [[-1, 1, 0], [2, 0, 0], [0, 0, 1e4]];
  // log((1 − α) e^{lg} + α e^{lh}) with exact log-softmaxes lg, lh (a plain softmax underflows at ±1e4).
  const ref = (gg: number[][], a: number[]) => gg.map((r, i) => { const lg = logSoftmax64(r); const lh = logSoftmax64(h[i]!); return lg.map((v, j) => { const u = Math.log(1 - a[i]!) + v; const w = Math.log(a[i]!) + lh[j]!; const m = Math.max(u, w); return m + Math.log(Math.exp(u - m) + Math.exp(w - m)); }); });

  it('is log((1−α) softmax(g) + α softmax(h)) of the float64 reference to float32 accuracy, α per example, at logits of ±1e4', () => {
    const out = adaptiveSmoothing(g, h, [0.3, 0.9, 0.5]) as tf.Tensor;
    const r = ref(g, [0.3, 0.9, 0.5]);
    // float32 output: relative accuracy ~1e-7 (an ulp of 1e4 is 1e-3).
    (out.arraySync() as number[][]).forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - r[i]![j]!)).toBeLessThan(1e-4 + 2e-7 * Math.abs(r[i]![j]!))));
    out.dispose();
  });

  it('is log softmax(g) at α = 0 and log softmax(h) at α = 1 (finite, no NaN)', () => {
    const a0 = adaptiveSmoothing(g, h, 0).arraySync() as number[][];
    a0.forEach((row, i) => { const p = logSoftmax64(g[i]!); row.forEach((v, j) => expect(v).toBeCloseTo(p[j]!, 4)); });
    const a1 = adaptiveSmoothing(g, h, 1).arraySync() as number[][];
    expect(a1.flat().some(Number.isNaN)).toBe(false);
  });

  it('has the gradient of the float64 reference with respect to the standard logits', () => {
    const gs = [[0.2, -0.3, 1], [1, 0, -0.5]];
    const hs = [[0, 1, 0], [0.5, 0.5, 0]];
    const t = tf.tensor2d(gs);
    const refFn = (v: Float64Array) => {
      let s = 0;
      for (let i = 0; i < 2; i++) {
        const p = softmax64([0, 1, 2].map((j) => v[i * 3 + j]!));
        const q = softmax64(hs[i]!);
        p.forEach((pv, j) => { s += (j + 1) * Math.log(0.6 * pv + 0.4 * q[j]!); });
      }
      return s;
    };
    const check = checkGradient((x) => tf.sum(tf.mul(adaptiveSmoothing(x, hs, 0.4), tf.tensor1d([1, 2, 3]))), t, { reference: refFn });
    expect(check.ok).toBe(true);
    t.dispose();
  });

  it('rejects α outside [0, 1], mismatched shapes and NaN logits', () => {
    expectCleanThrow(() => adaptiveSmoothing(g, h, 1.5), 'INVALID_PARAMETER');
    expectCleanThrow(() => adaptiveSmoothing(g, h, [0.1, 2, 0.3]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => adaptiveSmoothing(g, [[1, 2]], 0.5), 'SHAPE_MISMATCH');
    expectCleanThrow(() => adaptiveSmoothing([[Number.NaN, 0, 0]], [[0, 0, 0]], 0.5), 'NON_FINITE_INPUT');
  });
});

describe('interpolateWeights', () => {
  it('gives (1 − α)θ_pre + αθ_ft weight by weight', () => {
    const pre = [tf.tensor1d([0, 2]), tf.tensor2d([[1, 1]])];
    const ft = [tf.tensor1d([4, 2]), tf.tensor2d([[-1, 3]])];
    const out = interpolateWeights(pre, ft, 0.25);
    expect(Array.from(out[0]!.dataSync())).toEqual([1, 2]);
    expect(Array.from(out[1]!.dataSync())).toEqual([0.5, 1.5]);
    expectCleanThrow(() => interpolateWeights(pre, [ft[0]!], 0.5), 'SHAPE_MISMATCH');
    expectCleanThrow(() => interpolateWeights(pre, ft, 2), 'INVALID_PARAMETER');
    tf.dispose([...pre, ...ft, ...out]);
  });
  it('rejects NaN or ±Inf weights at either end with NON_FINITE_INPUT (it returned NaN weights)', () => {
    const ok = [tf.tensor1d([0, 2])];
    const nan = [tf.tensor1d([Number.NaN, 2])];
    const inf = [tf.tensor1d([0, Number.POSITIVE_INFINITY])];
    expectCleanThrow(() => interpolateWeights(nan, ok, 0.5), 'NON_FINITE_INPUT');
    expectCleanThrow(() => interpolateWeights(ok, inf, 0.5), 'NON_FINITE_INPUT');
    tf.dispose([...ok, ...nan, ...inf]);
  });
});

describe('boundaryTiltingAngle', () => {
  const f = [[1, 0.1], [1.2, -0.1], [-1, 0.1], [-0.8, -0.1]]; // μ₁ − μ₀ = (2, 0)
  const y = [1, 1, 0, 0];
  it('is 0° for w along μ₁ − μ₀, 90° for w orthogonal to it, and acos of the cosine otherwise', () => {
    expect(boundaryTiltingAngle([2, 0], f, y).degrees).toBeCloseTo(0, 10);
    expect(boundaryTiltingAngle([0, 1], f, y).degrees).toBeCloseTo(90, 10);
    const c = (1 * 2.0) / Math.hypot(1, 1) / Math.hypot(2.0, 0);
    expect(boundaryTiltingAngle([1, 1], f, y).degrees).toBeCloseTo((Math.acos(c) * 180) / Math.PI, 10);
  });

  it('reads w = W[:, a] − W[:, b] from a Dense kernel [D, C]', () => {
    const k = [[3, 1, 0], [0, 0, 5]]; // classes 1 and 0: w = (−2, 0)
    expect(boundaryTiltingAngle(k, f, y, { classes: [1, 0] }).degrees).toBeCloseTo(180, 10);
    expectCleanThrow(() => boundaryTiltingAngle(k, f, y, { classes: [0, 0] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => boundaryTiltingAngle([0, 0], f, y), 'INVALID_ARGUMENT');
  });

  it('ignores samples of classes other than the two compared (labels beyond max(a, b) are allowed)', () => {
    const f3 = [...f, [50, 50], [60, -40]];
    const y3 = [...y, 2, 3];
    expect(boundaryTiltingAngle([2, 0], f3, y3).degrees).toBeCloseTo(0, 10);
    expect(boundaryTiltingAngle([0, 1], f3, y3, { classes: [1, 0] }).degrees).toBeCloseTo(90, 10);
    expectCleanThrow(() => boundaryTiltingAngle([1, 0], f, y, { classes: [4, 0] }), 'INVALID_ARGUMENT');
  });
});

describe('the adversarial-error power law', () => {
  it('recovers A and β exactly from noiseless points E = A ε^β', () => {
    const pts = [0.01, 0.02, 0.05, 0.1].map((epsilon) => ({ epsilon, error: 0.7 * epsilon ** 0.6 }));
    const fit = fitAdversarialPowerLaw(pts);
    expect(fit.params.A).toBeCloseTo(0.7, 6);
    expect(fit.params.beta).toBeCloseTo(0.6, 6);
    expect(adversarialPowerLaw({ A: 0.7, beta: 0.6 }).predict({ epsilon: 0.03 })).toBeCloseTo(0.7 * 0.03 ** 0.6, 14);
  });

  it('recovers A and β from two noiseless points with a flat exponent (β = 0.115, far from the default starts)', () => {
    // The two-point line through (ln ε, ln E) is exact; the Huber fit from the starts β ∈ {0.5, 1, 2} alone stopped at
    // A = 3.37, β = 0.475 (fuzz finding), so the log-space least-squares solution is also a start.
    const pts = [0.005, 0.01].map((epsilon) => ({ epsilon, error: 0.5 * epsilon ** 0.11475837230682373 }));
    const fit = fitAdversarialPowerLaw(pts);
    expect(fit.params.A).toBeCloseTo(0.5, 6);
    expect(fit.params.beta).toBeCloseTo(0.11475837230682373, 6);
  });

  it('the FGSM error curve of a linear model rises with ε and starts at the clean error', () => {
    const model = linearModel();
    const x = tf.tensor2d(randomMatrix(40, 4, 9));
    const y = (tf.argMax(model.apply(x) as tf.Tensor, -1).arraySync() as number[]);
    const curve = adversarialErrorCurve({ model, x, y, epsilons: [0.01, 0.05, 0.2, 0.8] });
    expect(curve[0]!.error).toBeGreaterThanOrEqual(0);
    for (let i = 1; i < 4; i++) expect(curve[i]!.error).toBeGreaterThanOrEqual(curve[i - 1]!.error);
    expect(curve[3]!.error).toBeGreaterThan(0);
    x.dispose();
    model.dispose();
  });

  it('rejects zero errors, a single ε and non-positive budgets', () => {
    expectCleanThrow(() => fitAdversarialPowerLaw([{ epsilon: 0.1, error: 0 }, { epsilon: 0.2, error: 0.1 }]), 'INVALID_PARAMETER');
    expectCleanThrow(() => fitAdversarialPowerLaw([{ epsilon: 0.1, error: 0.1 }, { epsilon: 0.1, error: 0.2 }]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => adversarialPowerLaw({ A: -1, beta: 1 }), 'INVALID_PARAMETER');
  });
});

describe('catalog', () => {
  it('names a real export for every entry, with a paper title', async () => {
    const api = await import('../src/index.js');
    for (const e of catalog) {
      expect(api).toHaveProperty(e.export);
      expect(e.paper?.title.length).toBeGreaterThan(10);
    }
  });
});
