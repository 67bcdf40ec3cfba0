import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Expr as AnyExpr, ce, classConstant, cleanTapeOnError, compile, linearCrossEntropy, linearCrossEntropyLoss, logProb, logit, prob, ready, square, yTrue } from '../src/index.js';
import { expectCleanThrow, expectNoLeaks } from '../src/testing/index.js';
import { dsl64 } from './reference/dsl64.js';
import { analyze } from '../src/fusion/analysis.js';
import { GpuKernels } from '../src/fusion/gpu.js';
import { buildRowProgram } from '../src/fusion/program.js';
import { wgsl } from '../src/fusion/wgsl.js';

type Expr = AnyExpr<'sample'>;

beforeAll(async () => {
  await ready();
});

/** Deterministic float32 values (so the float64 reference sees exactly the tensors' values). */
function f32Matrix(r: number, c: number, seed: number, scale: number): number[][] {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: r }, () => Array.from({ length: c }, () => Math.fround((u() + u() + u() - 1.5) * scale)));
}

/**
 * Float64 reference: logits z = h·W in float64, then core's float64 DSL interpreter for the loss (mean over
 * the batch) and its gradient G = ∂loss/∂z; ∂/∂h = G Wᵀ and ∂/∂W = hᵀ G in float64.
 */
function reference(expr: Expr, h: number[][], W: number[][], labels: number[]) {
  const D = W.length;
  const V = W[0]!.length;
  const z = h.map((row) => Array.from({ length: V }, (_, j) => row.reduce((s, x, d) => s + x * W[d]![j]!, 0)));
  const r = dsl64(expr, { reduction: 'mean' }, { yTrue: labels, yPred: z });
  const G = r.grad;
  const dh = h.map((_, i) => Array.from({ length: D }, (_, d) => W[d]!.reduce((s, w, j) => s + G[i * V + j]! * w, 0)));
  const dW = W.map((_, d) => Array.from({ length: V }, (_, j) => h.reduce((s, row, i) => s + row[d]! * G[i * V + j]!, 0)));
  return { value: r.value[0]!, dh: dh.flat(), dW: dW.flat() };
}

/** max |a − b| / max |b| (relative to the largest entry). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k]!));
  for (let k = 0; k < b.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!));
  return worst / Math.max(scale, 1e-300);
}

function run(expr: Expr | undefined, h: tf.Tensor2D, W: tf.Tensor2D, labels: number[], chunkSize: number) {
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => linearCrossEntropy(a as tf.Tensor2D, b as tf.Tensor2D, labels, { ...(expr ? { expr } : {}), chunkSize }));
  const [dh, dW] = g([h, W]);
  const v = linearCrossEntropy(h, W, labels, { ...(expr ? { expr } : {}), chunkSize });
  const out = { value: v.dataSync()[0]!, dh: dh!.dataSync(), dW: dW!.dataSync() };
  tf.dispose([dh!, dW!, v]);
  return out;
}

const B = 6;
const D = 5;
const V = 37;
const labels = [0, 36, 4, 4, 17, 35];
const priors = Array.from({ length: V }, (_, j) => Math.log((j + 1) / ((V * (V + 1)) / 2)));
const EXPRS: [string, Expr][] = [
  ['ce', ce()],
  ['ce with label smoothing 0.1', ce({ labelSmoothing: 0.1 })],
  ['squentropy', ce().plus(square().incorrect())],
  ['focal γ=2 (per-class form)', prob().neg().plus(1).pow(2).times(logProb()).times(yTrue()).sum().scale(-0.25)],
  ['ce + z-loss 1e-2', ce().plus(logit().logSumExp().pow(2).scale(1e-2))],
  ['poly-1', ce().plus(prob().target().neg().plus(1))],
  ['logit adjustment τ=1', logit().plus(classConstant(priors)).logSumExp().minus(logit().plus(classConstant(priors)).target())],
];

describe('linearCrossEntropy equals the float64 reference of the loss of h·W (value, ∂/∂h, ∂/∂W)', () => {
  const hv = f32Matrix(B, D, 1, 1);
  const Wv = f32Matrix(D, V, 2, 1);
  for (const [name, expr] of EXPRS) {
    for (const chunkSize of [1, 8, 37, 4096]) {
      it(`${name}, chunks of ${chunkSize} classes: within 1e-5 relative of float64, no leaked tensors`, () => {
        const h = tf.tensor2d(hv);
        const W = tf.tensor2d(Wv);
        const ref = reference(expr, hv, Wv, labels);
        const got = expectNoLeaks(() => run(expr, h, W, labels, chunkSize));
        tf.dispose([h, W]);
        expect(Math.abs(got.value - ref.value) / Math.abs(ref.value)).toBeLessThan(1e-5);
        expect(relErr(got.dh, ref.dh)).toBeLessThan(1e-5);
        expect(relErr(got.dW, ref.dW)).toBeLessThan(1e-5);
      });
    }
  }

  it('logits of about ±1e4 (h·W with large weights), chunks of 8: CE and its gradients equal float64 (the chunked log-sum-exp is exact)', () => {
    const Wl = f32Matrix(D, V, 3, 3000);
    const h = tf.tensor2d(hv);
    const W = tf.tensor2d(Wl);
    const ref = reference(ce(), hv, Wl, labels);
    const got = run(undefined, h, W, labels, 8);
    tf.dispose([h, W]);
    expect(Math.abs(got.value - ref.value) / Math.abs(ref.value)).toBeLessThan(1e-5);
    expect(relErr(got.dh, ref.dh)).toBeLessThan(1e-5);
    expect(relErr(got.dW, ref.dW)).toBeLessThan(1e-5);
  });

  it('agrees with the dense path (tf.matMul then compile(expr)) to 1e-5 at B = 64, D = 32, V = 3000, chunks of 512', () => {
    const h = tf.randomNormal([64, 32], 0, 1, 'float32', 4) as tf.Tensor2D;
    const W = tf.randomNormal([32, 3000], 0, 0.3, 'float32', 5) as tf.Tensor2D;
    const lab = Array.from({ length: 64 }, (_, i) => (i * 7919) % 3000);
    for (const [, expr] of EXPRS.slice(0, 5)) {
      const dense = compile(expr);
      const [dh1, dW1] = tf.grads((a: tf.Tensor, b: tf.Tensor) => dense(lab, tf.matMul(a, b)) as tf.Scalar)([h, W]);
      const got = run(expr, h, W, lab, 512);
      expect(relErr(got.dh, dh1!.dataSync())).toBeLessThan(1e-5);
      expect(relErr(got.dW, dW1!.dataSync())).toBeLessThan(1e-5);
      tf.dispose([dh1!, dW1!]);
    }
    tf.dispose([h, W]);
  });

  it('reduction: sum is B times the mean', () => {
    const h = tf.tensor2d(hv);
    const W = tf.tensor2d(Wv);
    const m = linearCrossEntropy(h, W, labels);
    const s = linearCrossEntropy(h, W, labels, { reduction: 'sum' });
    expect(s.dataSync()[0]! / m.dataSync()[0]!).toBeCloseTo(B, 5);
    tf.dispose([h, W, m, s]);
  });
});

describe('linearCrossEntropy rejects bad input with a typed LosskitError and leaks nothing', () => {
  const h = () => tf.tensor2d(f32Matrix(B, D, 1, 1));
  const W = () => tf.tensor2d(f32Matrix(D, V, 2, 1));
  const withTensors = (f: (h: tf.Tensor2D, W: tf.Tensor2D) => unknown) => () => {
    const a = h();
    const b = W();
    try {
      return f(a, b);
    } finally {
      tf.dispose([a, b]);
    }
  };
  it('weight rows not matching hidden columns: SHAPE_MISMATCH on weight', () => {
    const wrong = tf.zeros([D + 1, V]) as tf.Tensor2D;
    const e = expectCleanThrow(withTensors((a) => linearCrossEntropy(a, wrong, labels)), 'SHAPE_MISMATCH');
    wrong.dispose();
    expect(e.argument).toBe('weight');
  });
  it('a label outside [0, V): LABEL_OUT_OF_RANGE naming labels and the index', () => {
    const e = expectCleanThrow(withTensors((a, b) => linearCrossEntropy(a, b, [0, 1, 2, 3, 4, V])), 'LABEL_OUT_OF_RANGE');
    expect(e.received).toBe(`${V} at index 5`);
  });
  it('labels of the wrong length: SHAPE_MISMATCH on labels', () => {
    expectCleanThrow(withTensors((a, b) => linearCrossEntropy(a, b, [0, 1])), 'SHAPE_MISMATCH');
  });
  it('a NaN in hidden: NON_FINITE_INPUT naming hidden, also under tf.grads', () => {
    const bad = f32Matrix(B, D, 1, 1);
    bad[2]![3] = Number.NaN;
    const e = expectCleanThrow(withTensors((_, b) => {
      const a = tf.tensor2d(bad);
      try {
        // As user code must: tfjs leaves its tape set when the differentiated function throws.
        return cleanTapeOnError(() => tf.grads((x: tf.Tensor, w: tf.Tensor) => linearCrossEntropy(x as tf.Tensor2D, w as tf.Tensor2D, labels))([a, b]));
      } finally {
        a.dispose();
      }
    }), 'NON_FINITE_INPUT');
    expect(e.argument).toBe('hidden');
  });
  it('an expression needing two sweeps (max with tie counting): INVALID_ARGUMENT on options.expr', () => {
    expectCleanThrow(withTensors((a, b) => linearCrossEntropy(a, b, labels, { expr: logit().max().minus(logit().target()) })), 'INVALID_ARGUMENT');
  });
  it('chunkSize 0: INVALID_PARAMETER', () => {
    expectCleanThrow(withTensors((a, b) => linearCrossEntropy(a, b, labels, { chunkSize: 0 })), 'INVALID_PARAMETER');
  });
});

describe('linearCrossEntropyLoss trains a tfjs-layers model whose output is the hidden state', () => {
  it('a model [2] → dense(8, tanh) with an output weight [8, 5] held by a layer: 30 fit steps lower the loss; the gradient reaches the output weight', async () => {
    class Head extends tfl.layers.Layer {
      kernel!: tfl.LayerVariable;
      static className = 'LinearCeHead';
      constructor() {
        super({});
      }
      override build(): void {
        this.kernel = this.addWeight('kernel', [8, 5], 'float32', tfl.initializers.glorotUniform({ seed: 7 }));
      }
      override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return Array.isArray(x) ? x[0]! : x;
      }
    }
    const head = new Head();
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 8, activation: 'tanh', inputShape: [2], kernelInitializer: tfl.initializers.glorotUniform({ seed: 6 }) }), head] });
    model.compile({ optimizer: tf.train.adam(0.05), loss: linearCrossEntropyLoss(head.kernel) });
    // Five sectors of the unit circle, eight points each (learnable from [cos θ, sin θ]).
    const x = tf.tensor2d(Array.from({ length: 40 }, (_, i) => [Math.cos((2 * Math.PI * (i + 0.5)) / 40), Math.sin((2 * Math.PI * (i + 0.5)) / 40)]));
    // Labels in the first column of targets shaped like the output ([B, 8]): tfjs-layers checks that shape.
    const y = tf.tensor2d(Array.from({ length: 40 }, (_, i) => [Math.floor(i / 8), 0, 0, 0, 0, 0, 0, 0]));
    const before = Float32Array.from(head.kernel.read().dataSync());
    const hist = await model.fit(x, y, { epochs: 30, batchSize: 40, shuffle: false, verbose: 0 });
    const losses = hist.history.loss as number[];
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.9);
    expect(relErr(head.kernel.read().dataSync(), before)).toBeGreaterThan(1e-3);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe("linearCrossEntropy's WebGPU row pass (WGSL source; run and compared with the dense path in the browser e2e)", () => {
  const rowOf = (expr: Expr, grad: boolean) => new GpuKernels(analyze(buildRowProgram(expr, true)!), wgsl, 't').fusedRow(12, grad);
  it('ce(): each class reduction stored in red1 by its own sweep, the value in res, and with the gradient the label column adds pz', () => {
    const row = rowOf(ce(), true)!;
    const src = [...row.body, ...row.column].join('\n');
    expect(row.reds.get(1)).toBe(2);
    expect(src.match(/red1\[\d\] = /g)).toHaveLength(2);
    expect(src).toMatch(/let res: f32 = s\d+;/);
    expect(src).toContain('if (j == labi) { g += pz; }');
    expect(rowOf(ce(), false)!.body.join('\n')).not.toContain('pz');
  });
  it('a loss whose backward sweep sums a broadcast adjoint (logit − target, expanded) has no fused row: the host path runs', () => {
    expect(rowOf(logit().minus(logit().target().expand()).relu().sum(), true)).toBeUndefined();
  });
});
