import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { normal, rng } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SbclSubclasses, recallAtK, sbcl, sbclSubclasses } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// Long-tailed generated data: 2 head classes with 4 and 3 well-separated modes each (120 and 60 training points), 4 tail
// classes with one mode (10 points each); 4 informative dimensions + 8 nuisance dimensions of large class-independent
// noise. Test set balanced (25 per class).
function makeData(seed: number) {
  const g = normal(rng(seed));
  const sizes = [120, 60, 10, 10, 10, 10];
  const modes = [4, 3, 1, 1, 1, 1];
  const Din = 12;
  const centres = modes.map((m) => Array.from({ length: m }, () => Array.from({ length: 4 }, () => 1.6 * g())));
  const sample = (per: (c: number) => number, s: () => number) => {
    const x: number[][] = [];
    const y: number[] = [];
    sizes.forEach((_, c) => {
      for (let i = 0; i < per(c); i++) {
        const k = centres[c]![i % modes[c]!]!;
        x.push([...k.map((v) => v + 0.35 * s()), ...Array.from({ length: Din - 4 }, () => 2 * s())]);
        y.push(c);
      }
    });
    return { x, y };
  };
  return { train: sample((c) => sizes[c]!, g), test: sample(() => 25, normal(rng(seed + 1))), Din, C: sizes.length };
}

const STEPS = 150;
const BATCH = 64;

/** Trains a 2-layer MLP on two noisy views per point with SBCL (subclasses re-clustered every 20 steps) or with SupCon. */
function train(method: 'sbcl' | 'supcon', seed: number) {
  const { train: tr, test, Din, C } = makeData(seed);
  const init = (r: number, c: number, s: number) => tf.variable(tf.randomNormal([r, c], 0, Math.sqrt(2 / r), 'float32', s));
  const W1 = init(Din, 32, seed * 10 + 1);
  const W2 = init(32, 8, seed * 10 + 2);
  const embed = (x: tf.Tensor) => tf.matMul(tf.relu(tf.matMul(x, W1)), W2);
  const loss = compile(method === 'sbcl' ? sbcl() : sbcl({ beta: 0, baseTemperature: 0.1 }), { from: 'embeddings' });
  const opt = tf.train.adam(0.005);
  const xTrain = tf.tensor2d(tr.x);
  const noise = normal(rng(seed + 7));
  const order = rng(seed + 11);
  // SupCon is SBCL with one subclass per class, β = 0 and τ_b = τ (the class temperatures are then unused)
  let sub: Pick<SbclSubclasses, 'step'> = { step: (idx: ArrayLike<number>) => ({ labels: Int32Array.from([...Array.from(idx), ...Array.from(idx)].map((i) => tr.y[i]!)), inputs: { sbclSubclass: Float32Array.from([...Array.from(idx), ...Array.from(idx)].map((i) => tr.y[i]!)), sbclTau: new Float32Array(2 * idx.length).fill(0.1) } }) };
  for (let it = 0; it < STEPS; it++) {
    if (method === 'sbcl' && it % 25 === 0) {
      const f = tf.tidy(() => {
        const z = embed(xTrain);
        return tf.div(z, tf.norm(z, 2, -1, true)).arraySync() as number[][];
      });
      sub = sbclSubclasses(f, tr.y, { seed: it });
    }
    const idx = Array.from({ length: BATCH }, () => Math.floor(order() * tr.x.length));
    const step = sub.step(idx);
    const views = tf.tidy(() => {
      const xb = tf.gather(xTrain, idx);
      const v = () => tf.add(xb, tf.mul(0.2, tf.tensor2d(idx.map(() => Array.from({ length: Din }, () => noise())))));
      return tf.concat([v(), v()]);
    });
    opt.minimize(() => loss(step.labels, embed(views), { inputs: step.inputs }));
    views.dispose();
  }
  const trainEmb = tf.tidy(() => embed(xTrain).arraySync()) as number[][];
  const testEmb = tf.tidy(() => embed(tf.tensor2d(test.x)).arraySync()) as number[][];
  const reference = { embeddings: trainEmb, labels: tr.y };
  const balanced = recallAtK(testEmb, test.y, 1, { reference, avgOfAvgs: true });
  const tailIdx = test.y.map((c, i) => (c >= 2 ? i : -1)).filter((i) => i >= 0);
  const tail = recallAtK(tailIdx.map((i) => testEmb[i]!), tailIdx.map((i) => test.y[i]!), 1, { reference });
  tf.dispose([W1, W2, xTrain]);
  opt.dispose();
  return { balanced, tail, C };
}

describe('SBCL end to end on long-tailed generated data', () => {
  it('over 5 seeds SBCL has a higher mean balanced 1-NN accuracy and tail-class recall@1 than SupCon, and wins on at least 3 seeds', () => {
    const seeds = [1, 2, 3, 4, 5];
    const rows = seeds.map((seed) => ({ seed, supcon: train('supcon', seed), sbcl: train('sbcl', seed) }));
    for (const r of rows) {
      console.log(`seed ${r.seed}: SupCon balanced ${r.supcon.balanced.toFixed(3)} tail ${r.supcon.tail.toFixed(3)} | SBCL balanced ${r.sbcl.balanced.toFixed(3)} tail ${r.sbcl.tail.toFixed(3)}`);
    }
    const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
    const m = { supconBal: mean((r) => r.supcon.balanced), sbclBal: mean((r) => r.sbcl.balanced), supconTail: mean((r) => r.supcon.tail), sbclTail: mean((r) => r.sbcl.tail) };
    console.log(`mean: SupCon balanced ${m.supconBal.toFixed(3)} tail ${m.supconTail.toFixed(3)} | SBCL balanced ${m.sbclBal.toFixed(3)} tail ${m.sbclTail.toFixed(3)}`);
    expect(m.sbclBal).toBeGreaterThan(m.supconBal);
    expect(m.sbclTail).toBeGreaterThan(m.supconTail);
    expect(rows.filter((r) => r.sbcl.balanced > r.supcon.balanced).length).toBeGreaterThanOrEqual(3);
  }, 600000);
});
