import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Compilable,
  type CompileOptions,
  type LosskitError,
  type Reduction,
  ce,
  classConstant,
  compile,
  entropy,
  input,
  kl,
  logProb,
  logit,
  prob,
  ready,
  square,
  yTrue,
} from '../src/index.js';
import { checkGradient, expectNoLeaks, f32, logSoftmax, oneHot, randomLabels, randomMatrix, rng } from '../src/testing/index.js';
import { dsl64, reference64 } from './reference/dsl64.js';
import { checkCall, mismatch } from './reference/fusionCheck.js';

// The catalog losses the fusion pass is measured on, written here from core terms (core does not depend on
// @losskit/losses; packages/losses/test/fusion-catalog.test.ts checks that the catalog builders fuse and agree).
const squentropy = () => ce().plus(square().incorrect());
/** Focal loss, sparse form: `−α (1 − p_y)^γ log p_y`. */
const focal = ({ gamma, alpha = 1 }: { gamma: number; alpha?: number }) => prob().target().neg().plus(1).pow(gamma).times(logProb().target()).scale(-alpha);
/** Logit-adjusted CE: CE of `z + τ log π`. */
const logitAdjusted = ({ priors, tau }: { priors: readonly number[]; tau: number }) => {
  const adjusted = logit().plus(classConstant(priors.map((p) => tau * Math.log(p))));
  return adjusted.logSumExp().minus(adjusted.target());
};
/** z-loss: `c · logsumexp(z)²`. */
const logZSquared = ({ coefficient }: { coefficient: number }) => logit().logSumExp().pow(2).scale(coefficient);
/** StableMax CE: `s(x) = x + 1` (x ≥ 0), `1 / (1 − x)` (x < 0), `p = s(z) / Σ s`, loss `−log p_y`. */
const stableMaxCe = () => {
  const s = logit().relu().plus(logit().neg().relu().plus(1).pow(-1));
  return s.sum().log().minus(s.target().log());
};

beforeAll(async () => {
  await ready();
});

const B = 6;
const C = 7;

/** max |a - b| / max(|b|, floor): elementwise relative error with a floor at 1e-3 of the largest |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  const floor = Math.max(scale * 1e-3, 1e-30);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), floor));
  return worst;
}

/**
 * Per-sample values, value and gradient of `compile(expr, { fuse, reduction })` against the independent
 * float64 interpreter of the documented semantics (`reference/dsl64.ts`), with its float32-aware
 * tolerance per entry: `1e-5·|ref| + 1e-6·max(max|ref|, 1)` plus 16× the spread of simulated float32
 * evaluations of the same expression (what float32 must lose on it; 0 for exact results). Returns the
 * engine that ran and the values.
 */
function expectFloat64(
  expr: Compilable,
  y: number[] | number[][],
  x: number[][],
  fuse: 'auto' | 'js' | false,
  options: { readonly reduction?: Reduction; readonly sampleWeight?: number[] } = {},
) {
  const reduction = options.reduction ?? 'mean';
  const ref = reference64(expr, { reduction }, { yTrue: y, yPred: x, sampleWeight: options.sampleWeight });
  const l = compile(expr, { fuse, reduction });
  const ps = l.perSample(y, x);
  const vg = l.valueAndGrad(y, x, options.sampleWeight ? { sampleWeight: options.sampleWeight } : undefined);
  const got = { perSample: ps.dataSync().slice(), value: vg.value.dataSync().slice(), grad: vg.grad.dataSync().slice(), engine: l.engine };
  tf.dispose([ps, vg.value, vg.grad]);
  const what = `${expr.toString()} (fuse ${String(fuse)}, engine ${l.engine})`;
  const problems = [
    mismatch(ref.perSample, got.perSample, `${what} per-sample`),
    mismatch(ref.valueAndGrad.value, got.value, `${what} value`),
    mismatch(ref.valueAndGrad.grad, got.grad, `${what} gradient`),
  ].filter((m) => m !== undefined);
  expect(problems, problems.join('\n')).toEqual([]);
  return got;
}

const z = f32(randomMatrix(B, C, 11, 3));
const labels = randomLabels(B, C, 12);
const soft = (() => {
  const u = rng(13);
  return labels.map((y) => {
    const row = Array.from({ length: C }, () => u());
    row[y] = row[y]! + 3;
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / s);
  });
})();
const big = z.map((row, i) => row.map((v, j) => (j === (i * 3) % C ? 1e4 : (j + i) % 2 === 0 ? -1e4 : v * 100)));

const priors = [0.4, 0.2, 0.15, 0.1, 0.08, 0.05, 0.02];
const ldrFromPrimitives = (delta: number, lambda: number) =>
  logit()
    .minus(logit().target().expand())
    .plus(yTrue().neg().plus(1).scale(delta))
    .scale(1 / lambda)
    .logSumExp()
    .minus(Math.log(C))
    .scale(lambda);
const userComposed = ce({ labelSmoothing: 0.05 })
  .times(classConstant([1, 2, 1, 3, 1, 1, 2]).target())
  .plus(logit().max().minus(logit().target()).plus(1).relu().scale(0.5))
  .plus(entropy().scale(0.1))
  .plus(logit().sigmoid().mean())
  .plus(logit().clip(-2, 2).abs().incorrect().sqrt())
  .plus(prob().target().log1p().neg().exp().named('odd'));

const cases: [string, Compilable][] = [
  ['ce', ce()],
  ['ce, label smoothing 0.1', ce({ labelSmoothing: 0.1 })],
  ['squentropy', squentropy()],
  ['squentropy (core terms)', ce().plus(square().incorrect())],
  ['focal (sparse form, γ=2)', focal({ gamma: 2, alpha: 0.25 })],
  ['focal from primitives, γ=1.5', prob().neg().plus(1).pow(1.5).times(logProb()).times(yTrue()).sum().scale(-1)],
  ['logit adjustment', logitAdjusted({ priors, tau: 1 })],
  ['LDR-KL from primitives', ldrFromPrimitives(2, 1)],
  ['ce + z-loss', ce().plus(logZSquared({ coefficient: 1e-2 }))],
  ['StableMax CE', stableMaxCe()],
  ['kl(y || p) + entropy', kl().plus(entropy().scale(0.3))],
  ['user-composed', userComposed],
];

describe('fused (JS row kernel, C = 7) and unfused losses equal float64 references (per-sample values, values, gradients)', () => {
  for (const [name, expr] of cases) {
    for (const fuse of ['js', 'auto', false] as const) {
      it(`${name}, fuse: ${fuse === false ? 'false' : `'${fuse}'`}: equals float64 for integer labels, one-hot and soft targets`, () => {
        for (const t of [labels, oneHot(labels, C), soft]) {
          const r = expectFloat64(expr, t, z, fuse);
          expect(r.engine).toBe(fuse === false ? 'tfjs' : 'js');
        }
      });
    }
  }
  for (const [name, expr] of cases.filter(([n]) => !n.startsWith('StableMax') && !n.startsWith('focal'))) {
    for (const fuse of ['js', false] as const) {
      it(`${name}, fuse: ${fuse === false ? 'false' : `'${fuse}'`}: ±1e4 logits give finite gradients equal to float64`, () => {
        const r = expectFloat64(expr, labels, big, fuse);
        expect(Array.from(r.grad).every(Number.isFinite)).toBe(true);
      });
    }
  }
  it('focal and StableMax at ±1e4 logits equal float64 on every path', () => {
    // StableMax is linear in z, focal saturates: both are finite at ±1e4 without log-sum-exp.
    for (const fuse of ['js', 'auto', false] as const) {
      expectFloat64(stableMaxCe(), labels, big, fuse);
      expectFloat64(focal({ gamma: 2 }), labels, big, fuse);
    }
  });
});

describe('every fused expression at tied ±1e30 and ±1e4 logits against float64 (JS kernel at C = 7, SIMD sweeps at C = 40)', () => {
  /** Rows with ties at ±1e30 and ±1e4 (where log-sum-exp must keep log 2, log 3) and one ordinary row. */
  const tiedRows = (Cw: number) => [
    Array.from({ length: Cw }, (_, j) => (j < 2 ? 1e30 : j === 2 ? -1e30 : 0)),
    Array.from({ length: Cw }, (_, j) => (j % 3 === 1 ? -1e30 : j === 0 || j === 4 || j === 5 ? 1e30 : 0.5)),
    Array.from({ length: Cw }, (_, j) => (j < 3 ? 1e4 : j === 3 ? -1e4 : 0.25 * j)),
    f32(randomMatrix(1, Cw, 41, 2))[0]!,
  ].map((row) => row.map(Math.fround));
  for (const Cw of [7, 40]) {
    const eligible = Cw === C ? cases : cases.filter(([n]) => !n.startsWith('logit adjustment') && n !== 'user-composed');
    for (const [name, expr] of eligible) {
      it(`${name}, C = ${Cw}: every path equals float64, or throws NON_FINITE_OUTPUT where float32 itself overflows`, async () => {
        const r = await checkCall(expr, { yTrue: [0, 4, 1, 6], yPred: tiedRows(Cw) });
        expect(r.failures.length, r.report()).toBe(0);
        expect(r.engines.js).toBe('js');
      });
    }
  }
});

describe('fused kernels against independent float64 references', () => {
  it('CE with label smoothing ε: -Σ_j ỹ_j log softmax(z)_j, ỹ = (1-ε) y + ε/C; gradient softmax(z) - ỹ', () => {
    const eps = 0.2;
    const loss = compile(ce({ labelSmoothing: eps }), { reduction: 'sum' });
    expect(loss.fused).toBe(true);
    const ref = z.map((row, i) => {
      const lp = logSoftmax(row);
      return -lp.reduce((s, v, j) => s + ((j === labels[i] ? 1 - eps : 0) + eps / C) * v, 0);
    });
    const gradRef = z.flatMap((row, i) => logSoftmax(row).map((v, j) => Math.exp(v) - ((j === labels[i] ? 1 - eps : 0) + eps / C)));
    const { value, grad } = loss.valueAndGrad(labels, z);
    expect(relErr([value.dataSync()[0]!], [ref.reduce((a, b) => a + b, 0)])).toBeLessThan(1e-5);
    expect(relErr(grad.dataSync(), gradRef)).toBeLessThan(1e-5);
    tf.dispose([value, grad]);
  });

  it('squentropy passes a finite-difference gradient check against a float64 reference', () => {
    const ref = (row: number[], y: number) => -logSoftmax(row)[y]! + row.reduce((s, v, j) => s + (j === y ? 0 : v * v), 0) / (row.length - 1);
    const loss = compile(squentropy());
    expect(loss.fused).toBe(true);
    const x = tf.tensor2d(z);
    const r = checkGradient((t) => loss(labels, t), x, {
      reference: (flat) => {
        let s = 0;
        for (let i = 0; i < B; i++) s += ref(Array.from(flat.slice(i * C, (i + 1) * C)), labels[i]!);
        return s / B;
      },
    });
    expect(r.ok).toBe(true);
    x.dispose();
  });
});

describe('the fused loss is an ordinary tfjs op', () => {
  it('works inside tf.valueAndGrad and tf.tidy, with sample weights and every reduction: value and gradient equal float64 (fused and unfused)', () => {
    const w = [1, 0, 2, 0.5, 1, 3];
    for (const reduction of ['mean', 'sum', 'weightedMean', 'sumByNonzeroWeights', 'none'] as const) {
      // tf.sum of the loss: the reduced value, or Σ_i w_i l_i for 'none' (whose gradient reference64 gives).
      const ref = reference64(squentropy(), { reduction }, { yTrue: labels, yPred: z, sampleWeight: w });
      const { value: refValue, grad: refGrad } = ref.valueAndGrad;
      if (refValue.kind !== 'values' || refGrad.kind !== 'values') throw new Error('float64 reference failed');
      const total = { ...refValue, values: Float64Array.of(refValue.values.reduce((a, b) => a + b, 0)), tol: Float64Array.of(refValue.tol.reduce((a, b) => a + b, 0)), check: Uint8Array.of(1) };
      for (const fuse of ['auto', false] as const) {
        const l = compile(squentropy(), { reduction, fuse });
        expect(l.fused).toBe(fuse === 'auto');
        const [v, g] = tf.tidy(() => {
          const x = tf.tensor2d(z);
          const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => tf.sum(l(labels, t, w)))(x);
          return [value.dataSync()[0]!, grad.dataSync().slice()] as const;
        });
        expect(mismatch(total, [v], `${reduction}, fuse ${fuse}: value`)).toBeUndefined();
        expect(mismatch(refGrad, g, `${reduction}, fuse ${fuse}: gradient`)).toBeUndefined();
      }
    }
  });

  it('second use in one tape: ce(z) + 3·ce(2z) has value and gradient equal to float64 (fused and unfused)', () => {
    const twice = z.map((row) => row.map((v) => 2 * v));
    const at = (x: number[][]) => dsl64(ce(), {}, { yTrue: labels, yPred: x });
    const refValue = at(z).value[0]! + 3 * at(twice).value[0]!;
    const refGrad = at(z).grad.map((g, k) => g + 6 * at(twice).grad[k]!);
    for (const fuse of ['auto', false] as const) {
      const l = compile(ce(), { fuse });
      const [v, g] = tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => tf.add(l(labels, t), tf.mul(l(labels, tf.mul(t, 2)), 3)))(tf.tensor2d(z));
        return [value.dataSync()[0]!, Array.from(grad.dataSync())] as const;
      });
      expect(relErr([v], [refValue]), `fuse ${fuse}`).toBeLessThan(1e-5);
      expect(relErr(g, refGrad), `fuse ${fuse}`).toBeLessThan(1e-5);
    }
  });

  it('leaks no tensors over 1000 calls (value, perSample, valueAndGrad)', () => {
    const l = compile(squentropy());
    const x = tf.tensor2d(z);
    const y = tf.tensor1d(labels, 'int32');
    expectNoLeaks(() => {
      for (let i = 0; i < 1000; i++) {
        const v = l(y, x);
        const p = l.perSample(y, x);
        const r = l.valueAndGrad(y, x);
        tf.dispose([v, p, r.value, r.grad]);
      }
    }, 'fused loss');
    tf.dispose([x, y]);
  });

  it('trains a tfjs-layers model through model.fit', async () => {
    const u = rng(5);
    const n = 240;
    const xs: number[][] = [];
    const ys: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = i % 3;
      xs.push([Math.cos((2 * Math.PI * k) / 3) * 2 + (u() - 0.5), Math.sin((2 * Math.PI * k) / 3) * 2 + (u() - 0.5)]);
      ys.push(k);
    }
    const x = tf.tensor2d(xs);
    const y = tf.tensor2d(ys.map((k) => [0, 1, 2].map((j) => (j === k ? 1 : 0))));
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 8, activation: 'relu', inputShape: [2], kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
        tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }),
      ],
    });
    const loss = compile(focal({ gamma: 2, alpha: 1 }).plus(ce({ labelSmoothing: 0.1 })));
    expect(loss.fused).toBe(true);
    model.compile({ optimizer: tf.train.adam(0.05), loss: loss as never });
    const first = await model.fit(x, y, { epochs: 1, batchSize: 40, shuffle: false, verbose: 0 });
    const before = tf.memory().numTensors;
    const h = await model.fit(x, y, { epochs: 12, batchSize: 40, shuffle: false, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const losses = [...(first.history.loss as number[]), ...(h.history.loss as number[])];
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);
    model.dispose();
    tf.dispose([x, y]);
  });

  it('trains a tfjs-layers model through model.fit on the SIMD sweeps (40 classes, exp reuse), no leaks', async () => {
    const u = rng(9);
    const K = 40;
    const n = 320;
    const xs: number[][] = [];
    const ys: number[][] = [];
    for (let i = 0; i < n; i++) {
      const k = i % K;
      xs.push(Array.from({ length: 16 }, (_, d) => (d === k % 16 ? 2 : 0) + (d === (k * 7) % 16 ? 1 : 0) + (u() - 0.5) * 0.3));
      ys.push(Array.from({ length: K }, (_, j) => (j === k ? 1 : 0)));
    }
    const x = tf.tensor2d(xs);
    const y = tf.tensor2d(ys);
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 32, activation: 'relu', inputShape: [16], kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
        tfl.layers.dense({ units: K, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }),
      ],
    });
    const loss = compile(squentropy());
    model.compile({ optimizer: tf.train.adam(0.02), loss: loss as never });
    const first = await model.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
    expect(loss.engine).toBe('wasm-simd');
    const before = tf.memory().numTensors;
    const h = await model.fit(x, y, { epochs: 15, batchSize: 64, shuffle: false, verbose: 0 });
    await Promise.resolve();
    expect(tf.memory().numTensors).toBe(before);
    const losses = [...(first.history.loss as number[]), ...(h.history.loss as number[])];
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);
    model.dispose();
    tf.dispose([x, y]);
  });
});

describe('what is not fused keeps the unfused path', () => {
  it('reports fused = false and still computes the same loss', () => {
    const notFused: [string, Compilable, CompileOptions?][] = [
      ['top-k', ce().plus(logit().topk(2).scale(0.1))],
      ['batch-level expression', ce().mean()],
      ['fuse: false', ce(), { fuse: false }],
      ['probabilities', ce(), { from: 'probs' }],
    ];
    for (const [name, expr, opts] of notFused) {
      const l = compile(expr as never, opts as never);
      expect(l.fused, name).toBe(false);
      const v = l(labels, opts?.from === 'probs' ? z.map((r) => r.map((v) => Math.exp(v - Math.max(...r))).map((e, _j, es) => e / es.reduce((a, b) => a + b, 0))) : z);
      expect(Number.isFinite(v.dataSync()[0]!), name).toBe(true);
      v.dispose();
    }
    const withInput = compile(ce().plus(input('w', 'sample')));
    expect(withInput.fused).toBe(false);
  });

  it('LDR-KL written with primitives is fused and equals float64', () => {
    expect(compile(ldrFromPrimitives(2, 1)).fused).toBe(true);
    expectFloat64(ldrFromPrimitives(2, 1), labels, z, 'auto');
  });

  it('throws what the unfused path throws: one class under incorrect(), wrong classConstant length, bad fuse option', () => {
    // C = 1: the fused kernel hands over to the unfused path, which rejects it exactly as before.
    const l = compile(squentropy());
    const u = compile(squentropy(), { fuse: false });
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(message(() => l([0, 0], [[1], [2]]))).not.toBe('no error');
    expect(message(() => l([0, 0], [[1], [2]]))).toBe(message(() => u([0, 0], [[1], [2]])));
    const cc = compile(ce().times(classConstant([1, 2]).target()));
    expect(cc.fused).toBe(true);
    try {
      cc(labels, z);
      expect.unreachable();
    } catch (e) {
      expect((e as LosskitError).code).toBe('SHAPE_MISMATCH');
    }
    try {
      compile(ce(), { fuse: 'always' as never });
      expect.unreachable();
    } catch (e) {
      expect((e as LosskitError).code).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('WebAssembly SIMD sweeps (the WASM backend default)', () => {
  // Vector nodes without a SIMD form (non-integer pow) keep the JS kernel; log, log1p, softplus, logSigmoid and
  // xlogx (KL's targets term) have SIMD forms.
  const noSimd = new Set(['focal from primitives, γ=1.5']); // StableMax here is written with relu and pow(-1), which have SIMD forms

  it('runs on the WASM backend and reports its engine (SIMD from C = 32, the JS kernel below)', () => {
    expect(tf.getBackend()).toBe('wasm');
    const wide = f32(randomMatrix(B, 40, 17, 3));
    for (const [name, expr] of cases) {
      const l = compile(expr);
      expect(l.engine).toBeUndefined();
      l(labels, z).dispose();
      expect(l.engine, name).toBe('js');
      if (!name.startsWith('logit adjustment') && name !== 'user-composed') {
        l(labels, wide).dispose();
        expect(l.engine, name).toBe(noSimd.has(name) ? 'js' : 'wasm-simd');
      }
      const js = compile(expr, { fuse: 'js' });
      js(labels, z).dispose();
      expect(js.engine).toBe('js');
      const plain = compile(expr, { fuse: false });
      plain(labels, z).dispose();
      expect(plain.engine).toBe('tfjs');
    }
  });

  // Row lengths 32..35 and 39 cover the 4-lane body with every tail length (0-3 one-lane steps); below 32
  // classes the JS kernel runs (compared here too).
  const widths = [3, 9, 32, 33, 34, 35, 39, 1000];
  const noClassConstants = cases.filter(([n]) => !n.startsWith('logit adjustment') && n !== 'user-composed');
  for (const Cw of widths) {
    it(`C = ${Cw}: the default engine (${Cw < 32 ? 'JS kernel' : 'SIMD sweeps'}), the JS kernel and the unfused path equal float64 (integer labels, one-hot, soft targets)`, () => {
      const Bw = 5;
      const x = f32(randomMatrix(Bw, Cw, 100 + Cw, 3));
      const y = randomLabels(Bw, Cw, 200 + Cw);
      const u = rng(300 + Cw);
      const softY = y.map((k) => {
        const row = Array.from({ length: Cw }, () => u());
        row[k] = row[k]! + 2;
        const s = row.reduce((a, b) => a + b, 0);
        return row.map((v) => Math.fround(v / s));
      });
      for (const [name, expr] of noClassConstants) {
        for (const t of [y, oneHot(y, Cw), softY]) {
          const f = expectFloat64(expr, t, x, 'auto');
          expect(f.engine, name).toBe(noSimd.has(name) || Cw < 32 ? 'js' : 'wasm-simd');
          expect(expectFloat64(expr, t, x, 'js').engine).toBe('js');
          expectFloat64(expr, t, x, false);
        }
      }
    });
  }

  // The sweeps run the four-class groups without the label in a body specialised to y = 0 and the label's group
  // and the tail in the general body (wasm-module.ts, Ctx.loop): a label in the first, a middle, the last full
  // group and in the tail, at every lane.
  for (const Cw of [37, 40]) {
    it(`C = ${Cw}, the label at every class 0..${Cw - 1} (every group and lane, and the tail): each of the 9 SIMD-fused expressions of the suite (CE, label smoothing, squentropy ×2, focal, LDR-KL, z-loss, StableMax, KL + entropy) equals float64`, () => {
      const x = f32(randomMatrix(Cw, Cw, 500 + Cw, 3));
      const y = Array.from({ length: Cw }, (_, i) => i);
      const readsY = noClassConstants.filter(([n]) => !noSimd.has(n));
      expect(readsY.length).toBe(9);
      for (const [name, expr] of readsY) expect(expectFloat64(expr, y, x, 'auto').engine, name).toBe('wasm-simd');
    });
  }

  it('±1e4 logits at C = 1000: the SIMD sweeps and the unfused path give finite gradients equal to float64', () => {
    const Bw = 4;
    const Cw = 1000;
    const x = f32(randomMatrix(Bw, Cw, 7, 3)).map((row, i) => row.map((v, j) => (j === (i * 37) % Cw ? 1e4 : j % 3 === 0 ? -1e4 : v * 100)));
    const y = [0, 37, 74, 500];
    for (const [name, expr] of noClassConstants.filter(([n]) => !n.startsWith('focal'))) {
      const f = expectFloat64(expr, y, x, 'auto');
      expect(Array.from(f.grad).every(Number.isFinite), name).toBe(true);
      expectFloat64(expr, y, x, false);
    }
  });

  it('CE gradient from the SIMD sweep against a float64 softmax (C = 1001, tail included)', () => {
    const Cw = 1001;
    const x = f32(randomMatrix(3, Cw, 9, 4));
    const y = [0, 500, 1000];
    const l = compile(ce(), { reduction: 'sum' });
    const { value, grad } = l.valueAndGrad(y, x);
    expect(l.engine).toBe('wasm-simd');
    const ref = x.flatMap((row, i) => logSoftmax(row).map((v, j) => Math.exp(v) - (j === y[i] ? 1 : 0)));
    const refValue = x.reduce((s, row, i) => s - logSoftmax(row)[y[i]!]!, 0);
    expect(relErr([value.dataSync()[0]!], [refValue])).toBeLessThan(1e-6);
    // Elementwise: each probability to float32 accuracy of the exp polynomial.
    const g = grad.dataSync();
    let worst = 0;
    for (let k = 0; k < ref.length; k++) worst = Math.max(worst, Math.abs(g[k]! - ref[k]!) / Math.max(Math.abs(ref[k]!), 1e-30));
    expect(worst).toBeLessThan(2e-6);
    tf.dispose([value, grad]);
  });

  it('class constants in the SIMD sweeps (logit adjustment, C = 40 and 1001) equal float64, as does the unfused path', () => {
    for (const Cw of [40, 1001]) {
      const pri = Array.from({ length: Cw }, (_, j) => (j + 1) / ((Cw * (Cw + 1)) / 2));
      const x = f32(randomMatrix(5, Cw, 23, 3));
      const yy = randomLabels(5, Cw, 29);
      expect(expectFloat64(logitAdjusted({ priors: pri, tau: 1 }), yy, x, 'auto').engine).toBe('wasm-simd');
      expectFloat64(logitAdjusted({ priors: pri, tau: 1 }), yy, x, false);
    }
  });

  it('leaks no tensors (class constants are copied to the WASM heap per call and freed)', () => {
    const wide = Array.from({ length: 40 }, (_, j) => (j + 1) / 820);
    const l = compile(logitAdjusted({ priors: wide, tau: 1 }));
    const x = tf.tensor2d(f32(randomMatrix(B, 40, 19, 3)));
    expectNoLeaks(() => {
      for (let i = 0; i < 200; i++) {
        const r = l.valueAndGrad(labels, x);
        tf.dispose([r.value, r.grad]);
      }
    });
    expect(l.engine).toBe('wasm-simd');
    x.dispose();
  });
});

describe('memory: a fused loss allocates no [B, C] temporaries besides the gradient', () => {
  const Bm = 64;
  const Cm = 1000;
  const x = () => tf.randomNormal([Bm, Cm], 0, 3, 'float32', 5) as tf.Tensor2D;
  const y = Array.from({ length: Bm }, (_, i) => (i * 31) % Cm);

  it('buffers allocated for value + gradient: fused one [B, C] (the gradient), unfused several', () => {
    const z = x();
    const labelsT = tf.tensor1d(y, 'int32');
    // Count real backend allocations of at least B·C floats (tfjs's byte totals also count refcounted aliases).
    const backend = tf.backend() as unknown as { makeOutput: (...a: unknown[]) => unknown; write: (...a: unknown[]) => unknown };
    const count = (fuse: 'auto' | false) => {
      const l = compile(squentropy(), { fuse });
      const big: number[] = [];
      const { makeOutput, write } = backend;
      let inMakeOutput = false; // makeOutput allocates through write: count it once
      backend.makeOutput = (shape: unknown, ...rest: unknown[]) => {
        const n = (shape as number[]).reduce((p, q) => p * q, 1);
        if (n >= Bm * Cm) big.push(n);
        inMakeOutput = true;
        try {
          return makeOutput.call(backend, shape, ...rest);
        } finally {
          inMakeOutput = false;
        }
      };
      backend.write = (values: unknown, shape: unknown, ...rest: unknown[]) => {
        const n = (shape as number[]).reduce((p, q) => p * q, 1);
        if (n >= Bm * Cm && !inMakeOutput) big.push(n);
        return write.call(backend, values, shape, ...rest);
      };
      try {
        const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => l(labelsT, t))(z);
        tf.dispose([value, grad]);
      } finally {
        backend.makeOutput = makeOutput;
        backend.write = write;
      }
      return { big: big.length, engine: l.engine };
    };
    const fused = count('auto');
    const plain = count(false);
    expect(fused.engine).toBe('wasm-simd');
    expect(fused.big).toBe(1);
    // The check can fail: the unfused path allocates [B, C] intermediates for every node.
    expect(plain.big).toBeGreaterThan(3);
    tf.dispose([z, labelsT]);
  });

  it('logits created inside the differentiated function (disposed before backprop) still give the float64 gradient 2·∂CE(2z - 1)', () => {
    const z = x();
    const inner = (z.arraySync() as number[][]).map((row) => row.map((v) => Math.fround(2 * v - 1)));
    const ref = dsl64(ce({ labelSmoothing: 0.1 }), {}, { yTrue: y, yPred: inner }).grad.map((g) => 2 * g);
    const grad = (fuse: 'auto' | false) =>
      tf.tidy(() => {
        const l = compile(ce({ labelSmoothing: 0.1 }), { fuse });
        return Array.from(tf.grad((t: tf.Tensor) => l(y, tf.sub(tf.mul(t, 2), 1)))(z).dataSync());
      });
    expect(relErr(grad('auto'), ref)).toBeLessThan(1e-5);
    expect(relErr(grad(false), ref)).toBeLessThan(1e-5);
    z.dispose();
  });

  it('a fused call recorded on the tape but never differentiated releases its inputs after the gradient returns', async () => {
    const z = x();
    const other = x();
    const l = compile(ce());
    const before = tf.memory().numTensors;
    const g = tf.grad((t: tf.Tensor) => tf.add(l(y, t), tf.mul(0, l(y, other))))(z);
    g.dispose();
    await Promise.resolve();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, other]);
  });
});

describe('benchmark floor helper', () => {
  it('simdExpFloor: row sums of exp(z) through the SIMD sweep, against float64 (C = 7 and 1001)', async () => {
    const { simdExpFloor } = await import('../src/testing/index.js');
    for (const Cw of [7, 1001]) {
      const Bw = 3;
      const zf = new Float32Array(Bw * Cw).map((_, k) => 3 * Math.sin(k * 0.37));
      const run = simdExpFloor(Bw, Cw)!;
      let ref = 0;
      for (let j = 0; j < Cw; j++) ref += Math.exp(zf[j]!);
      expect(Math.abs(run(zf) - ref) / ref).toBeLessThan(1e-6);
    }
  });
});

describe('.incorrect() in the fused kernels does not cancel against a dominant target entry', () => {
  it('ce().plus(square().incorrect()) at z = [1e16, 88] (label 0) is 88² = 7744 with gradient [0, 176] on the JS kernel, and Σ_{j≠y} z_j²/39 at [1e16, 5.12, -4.35, -1.96, 0…] on the SIMD sweeps (C = 40)', () => {
    const expr = ce().plus(square().incorrect());
    const loss = compile(expr, { fuse: 'auto' });
    const out = loss.valueAndGrad([0], [[10000000272564224, 88]]);
    expect(loss.fused).toBe(true);
    expect(out.value.dataSync()[0]).toBeCloseTo(7744, 2);
    expect(Array.from(out.grad.dataSync())).toEqual([0, 176]);
    out.value.dispose();
    out.grad.dispose();
    // Wide row: the target's 1e32 dominates Σ z² in float32; the incorrect classes hold 5.12, -4.35, -1.96 and 36 zeros.
    const row = [1e16, 5.118806838989258, -4.347890377044678, -1.964630126953125, ...new Array(36).fill(0)];
    const want = (f32([row])[0]!.slice(1).reduce((a, v) => a + v * v, 0)) / 39;
    const wide = compile(expr, { fuse: 'auto', reduction: 'none' })([0], [row]);
    expect(Math.abs(wide.dataSync()[0]! / want - 1)).toBeLessThan(1e-5);
    wide.dispose();
  });
});
