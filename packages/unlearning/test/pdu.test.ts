// PDU (open-unlearning src/trainer/unlearn/pdu.py): the flat-logit forget term and the retain term against float64
// references, the gradient weights γ and λ_r, and the dual ascent λ_r ← max(0, λ_r + η(L_retain − ε)).
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { expectCleanThrow, logSoftmax, randomMatrix } from '@losskit/core/testing';
import { adam, sgd, train } from '@losskit/optimizers';
import * as tfl from '@tensorflow/tfjs-layers';
import { ce, compile } from '@losskit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ModelLike, evaluateSet, pdu, unlearn } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const D = 3;
const C = 4;
const W0 = randomMatrix(D, C, 21, 1);
const forget = { x: randomMatrix(5, D, 22, 1), y: [0, 1, 2, 3, 0] };
const retain = { x: randomMatrix(6, D, 23, 1), y: [1, 2, 3, 0, 1, 2] };

function linear(W: number[][]): ModelLike & { W: tf.Variable } {
  const v = tf.variable(tf.tensor2d(W));
  return { W: v, trainableWeights: [{ read: () => v }], apply: (x: tf.Tensor) => tf.matMul(x, v) };
}
const logits = (W: number[][], x: number[][]): number[][] => x.map((r) => Array.from({ length: C }, (_, c) => r.reduce((s, v, k) => s + v * W[k]![c]!, 0)));
/** float64 PDU forget term: mean over rows of (max_j z_j − mean_j z_j)². */
const flatGap = (W: number[][]): number => {
  const z = logits(W, forget.x);
  return z.reduce((s, r) => s + (Math.max(...r) - r.reduce((a, b) => a + b, 0) / C) ** 2, 0) / z.length;
};
const retainNll = (W: number[][]): number => {
  const z = logits(W, retain.x);
  return z.reduce((s, r, i) => s - logSoftmax(r)[retain.y[i]!]!, 0) / z.length;
};

/** Runs `steps` SGD steps (whole-set batches) and returns the weight change and the step infos. */
async function run(obj: ReturnType<typeof pdu>, lr: number, steps = 1) {
  const m = linear(W0);
  const infos: { forgetLoss: number; retainLoss: number }[] = [];
  try {
    await unlearn({ model: m, forget, retain, objective: obj, optimizer: sgd({ learningRate: lr }), steps, batchSize: 5, retainBatchSize: 6, onStep: (i) => void infos.push(i) });
    const W1 = m.W.arraySync() as number[][];
    return { delta: W1.map((r, a) => r.map((v, b) => v - W0[a]![b]!)), infos };
  } finally {
    m.W.dispose();
  }
}

describe('PDU — open-unlearning pdu.py', () => {
  it('reports the flat-logit forget term mean (max_j z − mean_j z)² and the retain value L_retain − ε (float64)', async () => {
    const { infos } = await run(pdu({ retainLossEps: 0.3 }), 0);
    expect(infos[0]!.forgetLoss).toBeCloseTo(flatGap(W0), 5);
    expect(infos[0]!.retainLoss).toBeCloseTo(retainNll(W0) - 0.3, 5);
  });
  it('the step is −lr·(γ∇L_forget + λ_r∇L_retain): γ against central differences in float64, λ_r scales the retain gradient linearly', async () => {
    const lr = 0.1;
    const h = 1e-6;
    const { delta: onlyForget } = await run(pdu({ gamma: 1, alpha: 0 }), lr);
    onlyForget.forEach((row, a) => row.forEach((d, b) => {
      const Wp = W0.map((r) => [...r]);
      const Wm = W0.map((r) => [...r]);
      Wp[a]![b]! += h;
      Wm[a]![b]! -= h;
      expect(d).toBeCloseTo(-lr * ((flatGap(Wp) - flatGap(Wm)) / (2 * h)), 4);
    }));
    const { delta: r1 } = await run(pdu({ gamma: 0, alpha: 1 }), lr);
    const { delta: r3 } = await run(pdu({ gamma: 0, alpha: 3 }), lr);
    const { delta: r0 } = await run(pdu({ gamma: 0, alpha: 0 }), lr);
    r1.forEach((row, a) => row.forEach((d, b) => {
      expect(r3[a]![b]!).toBeCloseTo(3 * d, 5);
      // λ_r = 0: no retain gradient (up to the float32 rounding of W0 itself).
      expect(Math.abs(r0[a]![b]!)).toBeLessThan(1e-6);
    }));
    expect(Math.max(...r1.flat().map(Math.abs))).toBeGreaterThan(1e-4);
  });
  it('dual ascent: λ_r ← max(0, λ_r + η(L_retain − ε)) after each step past the warm-up, clamped at 0', async () => {
    const r = retainNll(W0);
    // lr 0 keeps the model fixed, so every step sees the same retain loss r.
    const up = pdu({ alpha: 1, dualStepSize: 0.5, retainLossEps: 0.1, warmupSteps: 1 });
    await run(up, 0, 4);
    expect(up.retainWeight).toBeCloseTo(1 + 3 * 0.5 * (r - 0.1), 5);
    const down = pdu({ alpha: 1, dualStepSize: 2, retainLossEps: r + 1 });
    await run(down, 0, 3);
    expect(down.retainWeight).toBe(0);
    const off = pdu({ alpha: 1.5, primalDual: false });
    await run(off, 0, 3);
    expect(off.retainWeight).toBe(1.5);
  });
  it('end to end on 3 Gaussian blobs: the forget logits flatten (gap ÷ ≥ 10) while retain accuracy stays ≥ 0.9', async () => {
    const blob = (n: number, c: number, seed: number) => {
      const x = tf.tidy(() => tf.add(tf.randomNormal([n, 2], 0, 0.5, 'float32', seed), tf.tensor1d([3 * Math.cos((2 * Math.PI * c) / 3), 3 * Math.sin((2 * Math.PI * c) / 3)])));
      return { x, y: tf.fill([n], c, 'int32') };
    };
    const f = blob(40, 0, 1);
    const r1 = blob(40, 1, 2);
    const r2 = blob(40, 2, 3);
    const retainSet = { x: tf.concat([r1.x, r2.x]), y: tf.concat([r1.y, r2.y]) };
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 16, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }), tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) })] });
    const gapOf = () => tf.tidy(() => {
      const z = model.predict(f.x) as tf.Tensor;
      return tf.mean(tf.square(tf.sub(tf.max(z, -1), tf.mean(z, -1)))).dataSync()[0]!;
    });
    try {
      await train({ model, loss: compile(ce()), optimizer: adam({ learningRate: 0.05 }), data: { x: tf.concat([f.x, retainSet.x]), y: tf.concat([f.y, retainSet.y]) }, steps: 60, batchSize: 40, progress: false });
      const before = { gap: gapOf(), forgetAcc: evaluateSet(model, f).accuracy };
      const obj = pdu({ retainLossEps: 0.05, dualStepSize: 1 });
      await unlearn({ model, forget: f, retain: retainSet, objective: obj, optimizer: adam({ learningRate: 0.01 }), steps: 60 });
      const after = { gap: gapOf(), forgetAcc: evaluateSet(model, f).accuracy, retainAcc: evaluateSet(model, retainSet).accuracy };
      // eslint-disable-next-line no-console
      console.log(`PDU e2e: forget logit gap ${before.gap.toFixed(3)} → ${after.gap.toFixed(4)}, forget accuracy ${before.forgetAcc} → ${after.forgetAcc}, retain accuracy ${after.retainAcc}, λ_r 1 → ${obj.retainWeight.toFixed(3)}`);
      expect(before.forgetAcc).toBe(1);
      expect(after.gap).toBeLessThan(before.gap / 10);
      expect(after.retainAcc).toBeGreaterThanOrEqual(0.9);
    } finally {
      tf.dispose([f.x, f.y, r1.x, r1.y, r2.x, r2.y, retainSet.x, retainSet.y]);
      model.dispose();
    }
  });
  it('bad options raise typed errors', () => {
    expectCleanThrow(() => pdu({ dualStepSize: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => pdu({ retainLossEps: Number.NaN }), 'INVALID_PARAMETER');
    expectCleanThrow(() => pdu({ warmupSteps: 1.5 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => pdu({ primalDual: 'yes' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => pdu({ alpha: -1 }), 'INVALID_PARAMETER');
  });
});
