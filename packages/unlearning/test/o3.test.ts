// O3 (seed 185, "Practical Unlearning for Large Language Models"): orthogonal LoRA penalty, contrastive entropy loss and
// the local-global layer-aggregated OOD score against float64 references written here from the authors' code
// (GCYZSL/O3-LLM-UNLEARNING `ood_model_selector.py`, `run_ood.py`; O-LoRA's penalty); end to end on generated blobs.

import { ce, compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectCleanThrowAsync, randomMatrix } from '@losskit/core/testing';
import { adam, train } from '@losskit/optimizers';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { contrastiveEntropyLoss, evaluateSet, fitO3Scorer, layerActivations, membershipAuc, o3Unlearning, orthogonalLora, orthogonalLoraPenalty, relabelForget, trainO3Detector, unlearn } from '../src/index.js';
import { oneClassSvmLinear } from '../src/o3.js';

beforeAll(async () => {
  await ready();
});

type M = number[][];
const mm = (a: M, b: M): M => a.map((r) => b[0]!.map((_, j) => r.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
const tr = (a: M): M => a[0]!.map((_, j) => a.map((r) => r[j]!));
const unflat = (v: ArrayLike<number>, r: number, c: number): M => Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => v[i * c + j]!));

function penalty64(cur: M, prev: M[]): number {
  return prev.reduce((s, p) => s + mm(cur, tr(p)).flat().reduce((a, x) => a + Math.abs(x), 0), 0);
}
function cel64(q: M[], k: M[]): number {
  let total = 0;
  q.forEach((ql, l) => {
    const s = mm(ql, tr(k[l]!));
    let h = 0;
    for (const row of s) {
      const m = Math.max(...row);
      const e = row.map((x) => Math.exp(x - m));
      const z = e.reduce((a, b) => a + b, 0);
      h += -e.reduce((a, x) => a + (x / z) * Math.log(x / z + 1e-5), 0);
    }
    total += h / s.length;
  });
  return total;
}
/** Gauss-Jordan inverse (the test's covariances are full rank). */
function inverse(a: M): M {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const d = m[c]![c]!;
    m[c] = m[c]!.map((x) => x / d);
    for (let r = 0; r < n; r++) if (r !== c) m[r] = m[r]!.map((x, j) => x - m[r]![c]! * m[c]![j]!);
  }
  return m.map((r) => r.slice(n));
}

describe('O3 orthogonal LoRA penalty — Practical Unlearning for Large Language Models', () => {
  it('equals Σ_i Σ|A_t A_iᵀ| in float64 (two earlier requests) and is 0 without earlier requests', () => {
    const [a, p1, p2] = [randomMatrix(3, 5, 1), randomMatrix(2, 5, 2), randomMatrix(3, 5, 3)];
    const got = tf.tidy(() => orthogonalLoraPenalty(tf.tensor2d(a), [tf.tensor2d(p1), tf.tensor2d(p2)]).dataSync()[0]!);
    const want = penalty64(a, [p1, p2]);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
    expect(tf.tidy(() => orthogonalLoraPenalty(tf.tensor2d(a), []).dataSync()[0])).toBe(0);
  });
  it('gradient in A_t matches central differences of the float64 penalty', () => {
    const [a, p1] = [randomMatrix(2, 4, 4), randomMatrix(3, 4, 5)];
    const prev = tf.tensor2d(p1);
    const x = tf.tensor2d(a);
    const gc = checkGradient((t) => orthogonalLoraPenalty(t, [prev]), x, { reference: (f) => penalty64(unflat(f, 2, 4), [p1]) });
    expect(gc.ok).toBe(true);
    tf.dispose([prev, x]);
  });
  it('rejects a non-matrix A and an earlier A of another width with SHAPE_MISMATCH, leaking nothing', () => {
    const [a, v, b] = [tf.zeros([2, 4]), tf.zeros([4]), tf.zeros([2, 3])];
    expectCleanThrow(() => orthogonalLoraPenalty(v, []), 'SHAPE_MISMATCH');
    expectCleanThrow(() => orthogonalLoraPenalty(a, [b]), 'SHAPE_MISMATCH');
    tf.dispose([a, v, b]);
  });
});

describe('O3 contrastive entropy loss — Practical Unlearning for Large Language Models', () => {
  it('equals Σ_l mean_n H(softmax(Q_l K_lᵀ)_n) with H = −Σ p log(p + 1e−5), in float64 (two layers)', () => {
    const q = [randomMatrix(5, 3, 11), randomMatrix(5, 4, 12)];
    const k = [randomMatrix(5, 3, 13), randomMatrix(5, 4, 14)];
    const got = tf.tidy(() => contrastiveEntropyLoss(q.map((m) => tf.tensor2d(m)), k.map((m) => tf.tensor2d(m))).dataSync()[0]!);
    expect(Math.abs(got - cel64(q, k)) / cel64(q, k)).toBeLessThan(1e-5);
  });
  it('stays finite at huge similarities (±1e3 dot products) and matches the float64 value', () => {
    const q = [[[30, 0], [0, -30]]];
    const k = [[[40, 1], [-1, 40]]];
    const got = tf.tidy(() => contrastiveEntropyLoss(tf.tensor2d(q[0]!), tf.tensor2d(k[0]!)).dataSync()[0]!);
    expect(Number.isFinite(got)).toBe(true);
    expect(Math.abs(got - cel64(q, k))).toBeLessThan(1e-5);
  });
  it('gradient in the queries matches central differences of the float64 loss; keys get no gradient', () => {
    const k = randomMatrix(4, 3, 21);
    const key = tf.tensor2d(k);
    const x = tf.tensor2d(randomMatrix(4, 3, 22));
    const gc = checkGradient((t) => contrastiveEntropyLoss(t, key), x, { reference: (f) => cel64([unflat(f, 4, 3)], [k]) });
    expect(gc.ok).toBe(true);
    const gk = tf.tidy(() => tf.grad((t: tf.Tensor) => contrastiveEntropyLoss(x, t))(key).abs().max().dataSync()[0]);
    expect(gk).toBe(0);
    tf.dispose([key, x]);
  });
  it('rejects mismatched layer counts and widths with SHAPE_MISMATCH, leaking nothing', () => {
    const [a, b] = [tf.zeros([3, 2]), tf.zeros([3, 4])];
    expectCleanThrow(() => contrastiveEntropyLoss([a, a], [a]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => contrastiveEntropyLoss(a, b), 'SHAPE_MISMATCH');
    expectCleanThrow(() => contrastiveEntropyLoss([], []), 'SHAPE_MISMATCH');
    tf.dispose([a, b]);
  });
});

describe('O3 local-global layer-aggregated score — Practical Unlearning for Large Language Models', () => {
  it('layer scores equal λ·max cos − ½ Mahalanobis² (float64, full-rank covariances), λ = 1000', () => {
    const f = [randomMatrix(12, 3, 31), randomMatrix(12, 2, 32)];
    const test = [randomMatrix(4, 3, 33), randomMatrix(4, 2, 34)];
    const scorer = fitO3Scorer(f.map((m) => tf.tensor2d(m)));
    const tt = test.map((m) => tf.tensor2d(m));
    const got = scorer.layerScores(tt);
    test[0]!.forEach((_, i) => {
      f.forEach((fl, l) => {
        const n = fl.length;
        const d = fl[0]!.length;
        const mu = Array.from({ length: d }, (_, j) => fl.reduce((s, r) => s + r[j]!, 0) / n);
        const cov = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => fl.reduce((s, r) => s + (r[a]! - mu[a]!) * (r[b]! - mu[b]!), 0) / n));
        const p = inverse(cov);
        const z = test[l]![i]!.map((x, j) => x - mu[j]!);
        const maha = z.reduce((s, za, a) => s + za * z.reduce((t, zb, b) => t + p[a]![b]! * zb, 0), 0);
        const nx = Math.hypot(...test[l]![i]!);
        const cs = Math.max(...fl.map((r) => r.reduce((s, x, j) => s + x * test[l]![i]![j]!, 0) / (nx * Math.hypot(...r))));
        const want = 1000 * cs - 0.5 * maha;
        expect(Math.abs(got[i]![l]! - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)) * 10);
      });
    });
    tf.dispose(tt);
  });
  it('the one-class SVM solution satisfies the dual KKT conditions (ν = 0.2): Σα = 1, 0 ≤ α ≤ 1/(νn), w·s_i ≥ ρ where α = 0, ≤ ρ where α = C', () => {
    const s = randomMatrix(30, 3, 41).map((r) => Float64Array.from(r.map((x) => x + 5)));
    const nu = 0.2;
    const { w, rho, alpha } = oneClassSvmLinear(s, nu);
    const C = 1 / (nu * s.length);
    expect(Math.abs(alpha.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    const g = s.map((r) => r.reduce((a, x, k) => a + x * w[k]!, 0));
    alpha.forEach((a, i) => {
      expect(a).toBeGreaterThanOrEqual(-1e-15);
      expect(a).toBeLessThanOrEqual(C + 1e-15);
      if (a < 1e-12) expect(g[i]!).toBeGreaterThanOrEqual(rho - 1e-6 * Math.abs(rho));
      if (a > C - 1e-12) expect(g[i]!).toBeLessThanOrEqual(rho + 1e-6 * Math.abs(rho));
    });
    // ν bounds the fraction of outliers (w·s < ρ) from above.
    expect(g.filter((v) => v < rho - 1e-6 * Math.abs(rho)).length / s.length).toBeLessThanOrEqual(nu + 1e-9);
  });
  it('rejects a non-finite feature (NON_FINITE_INPUT), a wrong width and a wrong layer count (SHAPE_MISMATCH), ν = 0 (INVALID_PARAMETER)', () => {
    const [a, bad, wide] = [tf.tensor2d(randomMatrix(6, 2, 51)), tf.tensor2d([[0, NaN], [1, 1]]), tf.zeros([2, 3])];
    const scorer = fitO3Scorer([a]);
    expectCleanThrow(() => fitO3Scorer([bad]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => scorer.score([wide]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => scorer.score([a, a]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => fitO3Scorer([a], { nu: 0 }), 'INVALID_PARAMETER');
    tf.dispose([a, bad, wide]);
  });
});

// ------------------------------------------------------------------------------------------------------------------
// End to end: 4 Gaussian blobs in 6-D, MLP 6-32-4; two continual unlearning requests (class 0, then class 1).
// ------------------------------------------------------------------------------------------------------------------
function blobs(n: number, seed: number, classes: number[], spread = 0.6) {
  const r = tf.randomNormal([n, 6], 0, spread, 'float32', seed);
  const y = Array.from({ length: n }, (_, i) => classes[i % classes.length]!);
  const centers = tf.tensor2d(Array.from({ length: 4 }, (_, c) => Array.from({ length: 6 }, (_, j) => (j === c ? 2 : j === (c + 1) % 6 ? -1 : 0))));
  const x = tf.add(r, tf.gather(centers, tf.tensor1d(y, 'int32')));
  tf.dispose([r, centers]);
  return { x, y: tf.tensor1d(y, 'int32') };
}
const glorot = (seed: number) => tfl.initializers.glorotUniform({ seed });
const mlp = () => tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 32, activation: 'relu', kernelInitializer: glorot(1) }), tfl.layers.dense({ units: 4, kernelInitializer: glorot(2) })] });
const encoder = (seed: number) => tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 16, activation: 'tanh', kernelInitializer: glorot(seed) }), tfl.layers.dense({ units: 8, activation: 'tanh', kernelInitializer: glorot(seed + 1) })] });
const accuracyRouted = (lora: ReturnType<typeof orthogonalLora>, x: tf.Tensor, y: tf.Tensor, w: tf.Tensor) =>
  tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(lora.applyRouted(x, w), -1), tf.cast(y, 'int32')), 'float32')).dataSync()[0]!);

describe('O3 end to end — Practical Unlearning for Large Language Models', () => {
  it('two requests: forget accuracy drops, retain accuracy stays under OOD routing, detector AUROC > 0.9', async () => {
    const model = mlp();
    const all = blobs(400, 1, [0, 1, 2, 3]);
    await train({ model, loss: compile(ce()), optimizer: adam({ learningRate: 2e-2 }), data: all, steps: 150, batchSize: 64 });
    const f0 = blobs(40, 2, [0]);
    const f1 = blobs(40, 3, [1]);
    const retain = blobs(120, 4, [2, 3]);
    const test0 = blobs(40, 5, [0]);
    const test1 = blobs(40, 6, [1]);
    const before = [evaluateSet(model, test0).accuracy, evaluateSet(model, test1).accuracy, evaluateSet(model, retain).accuracy];

    const lora = orthogonalLora(model, { layer: 0, rank: 4, seed: 1 });
    const penalties: number[] = [];
    const detectors: { enc: tfl.Sequential; scorer: ReturnType<typeof fitO3Scorer> }[] = [];
    const feats = (enc: tfl.Sequential, x: tf.Tensor) => [0, 1].map((l) => layerActivations(enc, l, x));
    for (const [t, f] of [f0, f1].entries()) {
      lora.addRequest();
      const poisoned = relabelForget(f, { mode: 'random', numClasses: 4, seed: 10 + t });
      penalties.push(tf.tidy(() => lora.penalty().dataSync()[0]!));
      await unlearn({ model: lora, forget: poisoned, objective: o3Unlearning({ lora, lambda: 0.1 }), optimizer: adam({ learningRate: 1e-2 }), steps: 80 });
      penalties.push(tf.tidy(() => lora.penalty().dataSync()[0]!));
      poisoned.y.dispose();
      const enc = encoder(20 + 2 * t);
      await trainO3Detector({ encoder: enc, x: f.x, layers: [0, 1], optimizer: adam({ learningRate: 1e-3 }), steps: 40, seed: t });
      const fx = feats(enc, f.x);
      detectors.push({ enc, scorer: fitO3Scorer(fx) });
      tf.dispose(fx);
    }
    const route = (x: tf.Tensor) => {
      const cols = detectors.map((d) => {
        const fx = feats(d.enc, x);
        try {
          return d.scorer.route(fx);
        } finally {
          tf.dispose(fx);
        }
      });
      return tf.tensor2d(Array.from({ length: x.shape[0]! }, (_, i) => cols.map((c) => c[i]!)));
    };
    const auc = (d: (typeof detectors)[number], inX: tf.Tensor, outX: tf.Tensor) => {
      const [a, b] = [inX, outX].map((x) => {
        const fx = feats(d.enc, x);
        try {
          return Array.from(d.scorer.score(fx));
        } finally {
          tf.dispose(fx);
        }
      });
      // membershipAuc(members' losses, non-members' losses) = P(ℓ_m < ℓ_n): negate scores so higher score = member.
      return membershipAuc(a!.map((v) => -v), b!.map((v) => -v));
    };
    const aurocs = [auc(detectors[0]!, test0.x, retain.x), auc(detectors[1]!, test1.x, retain.x)];
    const [w0, w1, wr] = [route(test0.x), route(test1.x), route(retain.x)];
    const after = [accuracyRouted(lora, test0.x, test0.y, w0), accuracyRouted(lora, test1.x, test1.y, w1), accuracyRouted(lora, retain.x, retain.y, wr)];
    const unrouted = [evaluateSet(lora, test0).accuracy, evaluateSet(lora, test1).accuracy, evaluateSet(lora, retain).accuracy];
    const routed = [w0, w1, wr].map((w) => tf.tidy(() => tf.mean(tf.max(w, 1)).dataSync()[0]!));
    const ortho = tf.tidy(() => {
      const [a0, a1] = lora.adapters.map((a) => a.A);
      const cos = tf.div(tf.abs(tf.matMul(a1!, a0!, false, true)), tf.outerProduct(tf.norm(a1!, 'euclidean', 1) as tf.Tensor1D, tf.norm(a0!, 'euclidean', 1) as tf.Tensor1D));
      return tf.max(cos).dataSync()[0]!;
    });
    // eslint-disable-next-line no-console
    console.log(`O3: forget acc class0 ${before[0]} → ${after[0]}, class1 ${before[1]} → ${after[1]}, retain ${before[2]} → ${after[2]} (all adapters on: ${unrouted}); AUROC ${aurocs.map((a) => a.toFixed(3))}; routed fraction ${routed}; penalty ${penalties.map((p) => p.toFixed(3))}; max |cos(A1 rows, A0 rows)| ${ortho.toFixed(3)}`);
    expect(before[0]).toBeGreaterThan(0.9);
    expect(before[1]).toBeGreaterThan(0.9);
    expect(after[0]).toBeLessThan(0.3);
    expect(after[1]).toBeLessThan(0.3);
    expect(after[2]).toBeGreaterThan(0.9);
    aurocs.forEach((a) => expect(a).toBeGreaterThan(0.9));
    expect(penalties[0]).toBe(0);
    tf.dispose([w0, w1, wr, all.x, all.y, f0.x, f0.y, f1.x, f1.y, retain.x, retain.y, test0.x, test0.y, test1.x, test1.y]);
    lora.dispose();
    detectors.forEach((d) => d.enc.dispose());
    model.dispose();
  }, 120000);
  it('the orthogonality penalty keeps the second request\'s A more orthogonal to the first than λ = 0 does (same start)', async () => {
    const model = mlp();
    const all = blobs(200, 1, [0, 1, 2, 3]);
    await train({ model, loss: compile(ce()), optimizer: adam({ learningRate: 2e-2 }), data: all, steps: 60, batchSize: 64 });
    const f0 = blobs(40, 2, [0]);
    const f1 = blobs(40, 3, [1]);
    const finalPenalty = async (lambda: number) => {
      const lora = orthogonalLora(model, { layer: 0, rank: 4, seed: 1 });
      const out: number[] = [];
      for (const [t, f] of [f0, f1].entries()) {
        lora.addRequest();
        const poisoned = relabelForget(f, { mode: 'random', numClasses: 4, seed: 10 + t });
        await unlearn({ model: lora, forget: poisoned, objective: o3Unlearning({ lora, lambda }), optimizer: adam({ learningRate: 1e-2 }), steps: 60 });
        poisoned.y.dispose();
        out.push(tf.tidy(() => lora.penalty().dataSync()[0]!));
      }
      lora.dispose();
      return out[1]!;
    };
    const [free, penalised] = [await finalPenalty(0), await finalPenalty(1)];
    // eslint-disable-next-line no-console
    console.log(`O3 penalty after request 2: λ = 0 → ${free.toFixed(3)}, λ = 1 → ${penalised.toFixed(3)}`);
    expect(penalised).toBeLessThan(0.5 * free);
    tf.dispose([all.x, all.y, f0.x, f0.y, f1.x, f1.y]);
    model.dispose();
  }, 120000);
  it('addRequest then dispose leaves tf.memory().numTensors unchanged (fuzz found the initial tensors of A and B leaking)', () => {
    const model = mlp();
    const before = tf.memory().numTensors;
    const lora = orthogonalLora(model, { layer: 0, rank: 2 });
    lora.addRequest();
    lora.addRequest();
    lora.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
  it('bad input: no dense layer, rank 0, wrong routing shape, no adapter to train — typed errors, no leaks', async () => {
    const model = mlp();
    expectCleanThrow(() => orthogonalLora(model, { layer: 5 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => orthogonalLora(model, { layer: 0, rank: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => orthogonalLora({} as never, { layer: 0 }), 'INVALID_ARGUMENT');
    const lora = orthogonalLora(model, { layer: 1, rank: 2 });
    const x = tf.zeros([3, 6]);
    const f = { x, y: tf.tensor1d([0, 1, 2], 'int32') };
    await expectCleanThrowAsync(() => unlearn({ model: lora, forget: f, objective: o3Unlearning({ lora }), optimizer: adam({ learningRate: 1e-2 }), steps: 1 }), 'INVALID_ARGUMENT');
    lora.addRequest();
    expectCleanThrow(() => lora.applyRouted(x, [1, 1]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => o3Unlearning({ lora: model as never }), 'INVALID_ARGUMENT');
    await expectCleanThrowAsync(() => trainO3Detector({ encoder: model, x, layers: [], optimizer: adam({ learningRate: 1e-3 }), steps: 1 }), 'INVALID_PARAMETER');
    tf.dispose([x, f.y]);
    lora.dispose();
    model.dispose();
  });
});
