// unlearn() against float64 references written from the papers: a linear model z = xW + b trained by plain SGD
// (θ ← θ − η·direction), three steps on full batches (batch = whole set, so shuffling cannot change a mean), and the
// step direction of each method computed by hand:
// - gradient difference (open-unlearning GradDiff): direction = γ∇mean_f(−CE) + α∇mean_r(CE);
// - concept-preserving gradient (DoCo, Wu et al. 2024): g_f = γ∇(forget term), g_r = α∇(retain term); if ⟨g_f, g_r⟩ < 0,
//   g_f ← g_f − ⟨g_f, g_r⟩/‖g_r‖² g_r; direction = g_f + g_r;
// - UNO-S: direction = g_f + g_r − ⟨g_f, g_r⟩/‖g_f‖² g_f (the retain gradient loses its component along g_f);
// - NPO (Zhang et al. 2024, open-unlearning's 2/β scaling) with reference: 'initial': forget term
//   (2/β)·softplus(β(ℓ_ref − ℓ_θ)), ℓ = CE, ℓ_ref the CE of the model *before the first step* (held fixed), so
//   ∇ = −(2/n) Σ σ(β(ℓ_ref,i − ℓ_θ,i)) ∇ℓ_θ,i; plus α∇mean_r(CE).
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { f32, randomMatrix } from '@losskit/core/testing';
import { sgd } from '@losskit/optimizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelLike, type Objective, type Surgery, gradientDifference, npo, unlearn } from '../src/index.js';

const D = 3;
const C = 3;
const LR = 0.5;
const STEPS = 3;
const xf = f32(randomMatrix(4, D, 1));
const yf = [0, 1, 2, 0];
// Retain samples near the forget samples, with the same labels (plus one more), so forgetting and retaining conflict.
const xr = f32([...xf.map((r, i) => r.map((v, k) => v + 0.3 * randomMatrix(4, D, 2)[i]![k]!)), randomMatrix(1, D, 3)[0]!]);
const yr = [...yf, 1];
const W0 = f32(randomMatrix(D, C, 4, 0.5));
const b0 = f32(randomMatrix(1, C, 5, 0.1))[0]!;

type Theta = { W: number[][]; b: number[] };
const clone = (t: Theta): Theta => ({ W: t.W.map((r) => [...r]), b: [...t.b] });
const zeros = (): Theta => ({ W: W0.map((r) => r.map(() => 0)), b: b0.map(() => 0) });
const axpy = (a: number, x: Theta, y: Theta): Theta => ({ W: y.W.map((r, i) => r.map((v, j) => v + a * x.W[i]![j]!)), b: y.b.map((v, j) => v + a * x.b[j]!) });
const dot = (x: Theta, y: Theta) => x.W.flat().reduce((s, v, k) => s + v * y.W.flat()[k]!, 0) + x.b.reduce((s, v, k) => s + v * y.b[k]!, 0);

/** Per-sample cross-entropy ℓ_i and its gradient ∂ℓ_i/∂θ for the linear model, in float64. */
function ce(t: Theta, x: number[], y: number): { loss: number; grad: Theta } {
  const z = t.b.map((bj, j) => bj + x.reduce((s, xk, k) => s + xk * t.W[k]![j]!, 0));
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  const dz = z.map((v, j) => Math.exp(v - lse) - (j === y ? 1 : 0));
  return { loss: lse - z[y]!, grad: { W: x.map((xk) => dz.map((d) => xk * d)), b: dz } };
}

/** Gradient of `scale · mean_i w_i·ℓ_i` over a set, with per-sample weights w. */
function meanGrad(t: Theta, xs: number[][], ys: number[], scale: number, w: (i: number, loss: number) => number = () => 1): Theta {
  let g = zeros();
  xs.forEach((x, i) => {
    const { loss, grad } = ce(t, x, ys[i]!);
    g = axpy((scale * w(i, loss)) / xs.length, grad, g);
  });
  return g;
}

function referenceRun(direction: (t: Theta, step: number) => Theta): Theta {
  let t: Theta = { W: W0.map((r) => [...r]), b: [...b0] };
  for (let s = 0; s < STEPS; s++) t = axpy(-LR, direction(t, s), t);
  return t;
}

const gamma = 0.7;
const alpha = 1.3;
const forgetGrad = (t: Theta) => meanGrad(t, xf, yf, -gamma);
const retainGrad = (t: Theta) => meanGrad(t, xr, yr, alpha);
const conflicts: number[] = [];
const directions: Record<Surgery, (t: Theta) => Theta> = {
  none: (t) => axpy(1, forgetGrad(t), retainGrad(t)),
  conceptPreserving: (t) => {
    const gf = forgetGrad(t);
    const gr = retainGrad(t);
    const d = dot(gf, gr);
    conflicts.push(d);
    const gfp = d < 0 ? axpy(-d / dot(gr, gr), gr, gf) : gf;
    return axpy(1, gfp, gr);
  },
  unoS: (t) => {
    const gf = forgetGrad(t);
    const gr = retainGrad(t);
    return axpy(1, gf, axpy(-dot(gf, gr) / dot(gf, gf), gf, gr));
  },
};

function linearModel(): ModelLike & { W: tf.Variable; b: tf.Variable } {
  const W = tf.variable(tf.tensor2d(W0));
  const b = tf.variable(tf.tensor1d(b0));
  return { W, b, trainableWeights: [{ read: () => W }, { read: () => b }], apply: (x: tf.Tensor) => tf.add(tf.matMul(x as tf.Tensor2D, W), b) };
}
const read = (m: { W: tf.Variable; b: tf.Variable }): Theta => ({ W: m.W.arraySync() as number[][], b: m.b.arraySync() as number[] });

function expectTheta(got: Theta, want: Theta, start: Theta): void {
  const moved = Math.sqrt(dot(axpy(-1, start, want), axpy(-1, start, want)));
  expect(moved, 'the reference update is not trivial').toBeGreaterThan(0.05);
  got.W.flat().forEach((v, k) => expect(Math.abs(v - want.W.flat()[k]!), `W[${k}]`).toBeLessThan(2e-5 * Math.max(1, Math.abs(want.W.flat()[k]!))));
  got.b.forEach((v, k) => expect(Math.abs(v - want.b[k]!), `b[${k}]`).toBeLessThan(2e-5 * Math.max(1, Math.abs(want.b[k]!))));
}

let forget: { x: tf.Tensor2D; y: tf.Tensor1D };
let retain: { x: tf.Tensor2D; y: tf.Tensor1D };
beforeAll(async () => {
  await ready();
  forget = { x: tf.tensor2d(xf), y: tf.tensor1d(yf, 'int32') };
  retain = { x: tf.tensor2d(xr), y: tf.tensor1d(yr, 'int32') };
});
afterAll(() => [forget.x, forget.y, retain.x, retain.y].forEach((t) => t.dispose()));

async function run(objective: Objective, extra: { surgery?: Surgery; reference?: ModelLike | 'initial' } = {}): Promise<Theta> {
  const model = linearModel();
  await unlearn({ model, forget, retain, objective, optimizer: sgd({ learningRate: LR }), steps: STEPS, batchSize: xf.length, retainBatchSize: xr.length, ...extra });
  const out = read(model);
  model.W.dispose();
  model.b.dispose();
  return out;
}

describe('unlearn() gradient surgery and NPO against float64 references (linear model, SGD, 3 full-batch steps)', () => {
  const start: Theta = { W: W0, b: b0 };

  it('no surgery: θ − η(γ∇mean_f(−CE) + α∇mean_r(CE)) per step', async () => {
    expectTheta(await run(gradientDifference({ gamma, alpha })), referenceRun(directions.none), start);
  });

  it('conceptPreserving: the conflicting forget gradient is projected off the retain gradient (DoCo), then the retain gradient is added', async () => {
    conflicts.length = 0;
    const want = referenceRun(directions.conceptPreserving);
    expect(conflicts.some((d) => d < 0), 'the data make the two gradients conflict at some step').toBe(true);
    // The projection changes the result: without it the run ends elsewhere.
    const plain = referenceRun(directions.none);
    expect(Math.abs(dot(axpy(-1, plain, want), axpy(-1, plain, want)))).toBeGreaterThan(1e-4);
    expectTheta(await run(gradientDifference({ gamma, alpha }), { surgery: 'conceptPreserving' }), want, start);
  });

  it('unoS: the retain gradient loses its component along the forget gradient (UNO-S)', async () => {
    const want = referenceRun(directions.unoS);
    const plain = referenceRun(directions.none);
    expect(Math.abs(dot(axpy(-1, plain, want), axpy(-1, plain, want)))).toBeGreaterThan(1e-4);
    expectTheta(await run(gradientDifference({ gamma, alpha }), { surgery: 'unoS' }), want, start);
  });

  it("NPO with reference: 'initial' compares with the model before the first step, held fixed over the run", async () => {
    const beta = 2;
    const initial = clone(start);
    const refLoss = xf.map((x, i) => ce(initial, x, yf[i]!).loss);
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    // ∇ of mean_f (2/β)·softplus(β(ℓ_ref − ℓ)) = mean_f −2σ(β(ℓ_ref − ℓ))·∇ℓ, plus ∇ mean_r CE (α = 1).
    const npoDir = (ref: (i: number, loss: number) => number) => (t: Theta) => axpy(1, meanGrad(t, xf, yf, -2, (i, loss) => sigmoid(beta * (ref(i, loss) - loss))), meanGrad(t, xr, yr, 1));
    const want = referenceRun(npoDir((i) => refLoss[i]!));
    // A reference that moved with the model (ℓ_ref = ℓ_θ, σ = 1/2 at every step) ends elsewhere after 3 steps.
    const moving = referenceRun(npoDir((_i, loss) => loss));
    expect(Math.sqrt(dot(axpy(-1, moving, want), axpy(-1, moving, want)))).toBeGreaterThan(1e-3);
    expectTheta(await run(npo({ beta }), { reference: 'initial' }), want, start);
    // An explicit copy of the initial model as reference gives the same run.
    const copy = linearModel();
    expectTheta(await run(npo({ beta }), { reference: copy }), want, start);
    copy.W.dispose();
    copy.b.dispose();
  });
});
