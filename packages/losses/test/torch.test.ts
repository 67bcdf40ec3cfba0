// `@losskit/losses/torch` against PyTorch itself: test/fixtures/torch.json holds float64 values and gradients that
// torch 1.13 computed (scripts/torch_fixtures.py, run with Debian's python3-torch) on float32-representable inputs;
// this test calls each drop-in with the same positional arguments and options. Below: float64 references written
// from torch's formulas for what the fixture cannot hold (inputs torch overflows on, validation), and leak checks.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LosskitError, ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, logSoftmax, randomMatrix, softplus } from '@losskit/core/testing';
import * as T from '../src/torch/index.js';

beforeAll(async () => {
  await ready();
});

type Nested = number | string | Nested[];
interface FixtureCase {
  name: string;
  fn: keyof typeof T;
  args: Nested[];
  options: Record<string, unknown>;
  value: Nested;
  grads: Record<string, Nested>;
  transform?: 'logSoftmax';
}
/** The drop-ins by name (the fixture names them). */
const DROPINS = { ...T } as unknown as Record<string, (...a: unknown[]) => tf.Tensor>;
const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'torch.json'), 'utf8')) as { torch: string; cases: FixtureCase[] };

const num = (v: Nested): number => (v === 'inf' ? Number.POSITIVE_INFINITY : v === '-inf' ? Number.NEGATIVE_INFINITY : v === 'nan' ? Number.NaN : (v as number));
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [num(v)]);
const DISTANCES: Record<string, (x: tf.Tensor, y: tf.Tensor) => tf.Tensor> = {
  l1: (x, y) => tf.sum(tf.abs(tf.sub(x, y)), -1),
  cosine: (x, y) => tf.sub(1, tf.div(tf.sum(tf.mul(x, y), -1), tf.mul(tf.norm(x, 2, -1), tf.norm(y, 2, -1)))),
};
const optionsOf = (c: FixtureCase) => {
  const o = { ...c.options };
  if (typeof o.distanceFunction === 'string') o.distanceFunction = DISTANCES[o.distanceFunction];
  return o;
};
/** Relative-or-absolute closeness: |a − b| ≤ atol + rtol·|b|, infinities equal. */
function expectClose(got: number[], want: number[], rtol: number, atol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    if (!Number.isFinite(w)) expect(g, `${what}[${i}]`).toBe(w);
    else expect(Math.abs(g - w), `${what}[${i}]: ${g} vs torch ${w}`).toBeLessThanOrEqual(atol + rtol * Math.abs(w));
  });
}

describe(`@losskit/losses/torch against torch ${fixture.torch} (fixtures/torch.json, float64)`, () => {
  it('the fixture covers every exported function', () => {
    const exported = Object.entries(T).filter(([, v]) => typeof v === 'function').map(([k]) => k).sort();
    expect([...new Set(fixture.cases.map((c) => c.fn))].sort()).toEqual(exported);
  });

  for (const c of fixture.cases) {
    const gradArgs = Object.keys(c.grads).map(Number);
    it(`${c.fn}: ${c.name} — value within 1e-5 (relative) of torch${gradArgs.length ? `, gradient of the summed output w.r.t. argument(s) ${gradArgs.join(', ')} within 1e-4 relative + 1e-6` : ''}`, () => {
      const f = DROPINS[c.fn]!;
      const opts = optionsOf(c);
      const call = (tensors: tf.Tensor[]) => {
        const args: unknown[] = c.args.map((a, i) => {
          const k = gradArgs.indexOf(i);
          if (k >= 0) return tensors[k];
          if (i === 0 && c.transform) return tf.logSoftmax(tf.tensor(a as number[]));
          return a;
        });
        if (c.transform && gradArgs.includes(0)) args[0] = tf.logSoftmax(args[0] as tf.Tensor);
        return f(...args, opts);
      };
      const out = tf.tidy(() => call(gradArgs.map((i) => tf.tensor(c.args[i] as number[]))));
      expectClose(Array.from(out.dataSync()), flat(c.value), 1e-5, 1e-6, 'value');
      out.dispose();
      if (gradArgs.length === 0) return;
      const xs = gradArgs.map((i) => tf.tensor(c.args[i] as number[]));
      const gs = tf.grads((...t: tf.Tensor[]) => tf.sum(call(t)) as tf.Scalar)(xs);
      gradArgs.forEach((i, k) => expectClose(Array.from(gs[k]!.dataSync()), flat(c.grads[String(i)]!), 1e-4, 1e-6, `gradient w.r.t. argument ${i}`));
      tf.dispose([...xs, ...gs]);
    });
  }
});

describe('/torch: float64 references from the formulas where torch itself cannot be the reference', () => {
  it('softMarginLoss and binaryCrossEntropyWithLogits at ±1e4: softplus(−y x) exactly (torch 1.13 soft_margin_loss overflows to inf)', () => {
    const x = [1e4, -1e4, 3, -3];
    const y = [-1, 1, 1, -1];
    const sm = T.softMarginLoss(x, y, { reduction: 'none' });
    expectClose(Array.from(sm.dataSync()), x.map((v, i) => softplus(-y[i]! * v)), 1e-6, 1e-6, 'softMarginLoss');
    const b = T.binaryCrossEntropyWithLogits(x, [0, 1, 1, 0], { reduction: 'none', posWeight: [2] });
    expectClose(Array.from(b.dataSync()), x.map((v, i) => ([0, 1, 1, 0][i]! ? 2 * softplus(-v) : softplus(v))), 1e-6, 1e-6, 'bceWithLogits');
    tf.dispose([sm, b]);
  });
  it('crossEntropy at logits ±1e4 with weights, ignoreIndex and labelSmoothing: the float64 formula, finite gradient', () => {
    const x = [[1e4, -1e4, 0], [-1e4, 1e4, 1e4], [3, 2, 1]];
    const y = [1, 0, -100];
    const w = [0.5, 2, 1];
    const ls = 0.1;
    const per = x.map((r, i) => {
      if (y[i] === -100) return 0;
      const lp = logSoftmax(r);
      return (1 - ls) * w[y[i]!]! * -lp[y[i]!]! + (ls / 3) * lp.reduce((s, l, c) => s - w[c]! * l, 0);
    });
    const want = (per[0]! + per[1]!) / (w[1]! + w[0]!);
    const t = tf.tensor2d(x);
    const out = T.crossEntropy(t, y, { weight: w, labelSmoothing: ls });
    expect(Math.abs(out.dataSync()[0]! - want)).toBeLessThanOrEqual(1e-5 * want);
    const g = tf.grad((v: tf.Tensor) => T.crossEntropy(v, y, { weight: w, labelSmoothing: ls }) as tf.Scalar)(t);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    expect(Array.from(g.dataSync()).slice(6).every((v) => v === 0)).toBe(true); // the ignored row
    tf.dispose([t, out, g]);
  });
  it('klDiv batchmean of a [N, C, d] input divides the sum by N only (torch functional.py)', () => {
    const lp = [[[-1, -2], [-0.5, -0.1]], [[-3, -0.2], [-1.5, -0.7]]];
    const t = [[[0.2, 0.5], [0.3, 0]], [[0.1, 0.6], [0.25, 0.4]]];
    const terms = lp.flat(2).map((x, i) => { const y = t.flat(2)[i]!; return y > 0 ? y * (Math.log(y) - x) : 0; });
    const out = T.klDiv(lp, t, { reduction: 'batchmean' });
    expect(out.dataSync()[0]!).toBeCloseTo(terms.reduce((a, b) => a + b, 0) / 2, 6);
    out.dispose();
  });
  it('ctcLoss on [T, N, C] equals the catalog ctc on the transposed [N, T, C] with torch\'s mean (÷ target length)', async () => {
    const { ctc } = await import('../src/index.js');
    const logits = [0, 1, 2, 3, 4, 5].map((t) => randomMatrix(2, 4, 60 + t).map((r) => logSoftmax(r)));
    const targets = [[1, 2, 2], [3, -1, -1]];
    const a = T.ctcLoss(logits, [[1, 2, 2], [3, 0, 0]], [6, 5], [3, 1]);
    const b = ctc(targets, logits[0]!.map((_, n) => logits.map((f) => f[n]!)), { from: 'logProbs', inputLengths: [6, 5], reduction: 'meanByLabelLength' });
    expect(a.dataSync()[0]!).toBeCloseTo(b.dataSync()[0]!, 6);
    tf.dispose([a, b]);
  });
});

describe('/torch: bad input gives typed errors and leaves tfjs as it was', () => {
  const x = [[1, 2, 3], [0.5, -1, 2]];
  const p = [[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]];
  const nan = [[Number.NaN, 2, 3], [0.5, -1, 2]];
  /** One valid call per exported function, with the argument NaN is put into. */
  const calls: Record<string, [(a: unknown) => tf.Tensor, unknown, string]> = {
    crossEntropy: [(a) => T.crossEntropy(a as never, [0, 2]), x, 'input'],
    nllLoss: [(a) => T.nllLoss(a as never, [0, 2]), x, 'input'],
    multiMarginLoss: [(a) => T.multiMarginLoss(a as never, [0, 2]), x, 'input'],
    multilabelMarginLoss: [(a) => T.multilabelMarginLoss(a as never, [[0, -1, 0], [1, 2, -1]]), x, 'input'],
    multilabelSoftMarginLoss: [(a) => T.multilabelSoftMarginLoss(x, a as never), p, 'target'],
    mseLoss: [(a) => T.mseLoss(x, a as never), p, 'target'],
    l1Loss: [(a) => T.l1Loss(a as never, p), x, 'input'],
    smoothL1Loss: [(a) => T.smoothL1Loss(a as never, p), x, 'input'],
    huberLoss: [(a) => T.huberLoss(a as never, p), x, 'input'],
    binaryCrossEntropy: [(a) => T.binaryCrossEntropy(a as never, p), p, 'input'],
    binaryCrossEntropyWithLogits: [(a) => T.binaryCrossEntropyWithLogits(x, p, { posWeight: a as never }), [1, 2, 3], 'posWeight'],
    softMarginLoss: [(a) => T.softMarginLoss(a as never, [[1, -1, 1], [-1, 1, 1]]), x, 'input'],
    hingeEmbeddingLoss: [(a) => T.hingeEmbeddingLoss(a as never, [[1, -1, 1], [-1, 1, 1]]), x, 'input'],
    marginRankingLoss: [(a) => T.marginRankingLoss(x, a as never, [[1, -1, 1], [-1, 1, 1]]), x, 'input2'],
    klDiv: [(a) => T.klDiv(a as never, p), x, 'input'],
    poissonNllLoss: [(a) => T.poissonNllLoss(a as never, p), x, 'input'],
    gaussianNllLoss: [(a) => T.gaussianNllLoss(x, p, a as never), p, 'var'],
    cosineEmbeddingLoss: [(a) => T.cosineEmbeddingLoss(x, a as never, [1, -1]), x, 'input2'],
    tripletMarginLoss: [(a) => T.tripletMarginLoss(x, p, a as never), x, 'negative'],
    tripletMarginWithDistanceLoss: [(a) => T.tripletMarginWithDistanceLoss(a as never, p, x), x, 'anchor'],
    ctcLoss: [(a) => T.ctcLoss([[a as never], [a as never]], [[1]], [2], [1]), [0, 0, 0], 'logProbs'],
  };
  it('the table lists every exported function', () => {
    const exported = Object.entries(T).filter(([, v]) => typeof v === 'function').map(([k]) => k).sort();
    expect(Object.keys(calls).sort()).toEqual(exported);
  });
  for (const [name, [call, valid, arg]] of Object.entries(calls)) {
    it(`${name}: finite on valid input; NaN in ${arg} raises NON_FINITE_INPUT naming it (leaking nothing); a bad reduction raises INVALID_ARGUMENT`, () => {
      const ok = call(valid);
      expect(Array.from(ok.dataSync()).every(Number.isFinite)).toBe(true);
      ok.dispose();
      const bad = Array.isArray((valid as unknown[])[0]) ? nan.map((r, i) => r.map((v, j) => (Number.isNaN(v) ? v : (valid as number[][])[i]![j]!))) : [Number.NaN, ...(valid as number[]).slice(1)];
      const e = expectCleanThrow(() => call(bad), 'NON_FINITE_INPUT');
      expect(e.argument).toBe(arg);
    });
  }
  it('torch’s own errors are typed: out-of-range targets, ignore-only means, probabilities outside [0, 1], negative var, p ∉ {1, 2}, lengths beyond the input', () => {
    expectCleanThrow(() => T.crossEntropy(x, [0, 3]), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => T.crossEntropy(x, [-100, -100]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.nllLoss(x, [0, 1], { weight: [0, 0, 1] }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.crossEntropy(x, [0, 1], { weight: [1, 2] }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => T.crossEntropy(x, [0, 1, 2]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => T.crossEntropy(x, [0, 1], { labelSmoothing: 2 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.crossEntropy(x, [0, 1], { reduction: 'batchmean' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.binaryCrossEntropy([0.5, 1.5], [1, 0]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.gaussianNllLoss([1, 2], [1, 1], [0.5, -1]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.gaussianNllLoss([[1, 2]], [[1, 1]], [[0.5, 1, 1]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => T.multiMarginLoss(x, [0, 1], { p: 3 as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.multilabelMarginLoss(x, [[0, 5, -1], [1, -1, 0]]), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => T.cosineEmbeddingLoss(x, x, [1, 0]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.klDiv(x, [[0.5, -0.1, 0.6], [1, 0, 0]]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.huberLoss(x, p, { delta: 0 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.mseLoss(x, [1, 2, 3]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => T.tripletMarginWithDistanceLoss(x, p, x, { margin: 0 }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.ctcLoss([[[0, 0, 0]]], [[1]], [2], [1]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.ctcLoss([[[0, 0, 0]]], [[0]], [1], [1]), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => T.ctcLoss([[[0, 0, 0]]], [[1]], [1], undefined as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => T.mseLoss(x, p, 'mean' as never), 'INVALID_ARGUMENT');
  });
  it('validate: false keeps torch’s NaN where its mean divides 0 by 0, and skips the finiteness checks', () => {
    const out = T.crossEntropy(x, [-100, -100], { validate: false });
    expect(Number.isNaN(out.dataSync()[0]!)).toBe(true);
    out.dispose();
    const n = T.mseLoss(nan, p, { validate: false });
    expect(Number.isNaN(n.dataSync()[0]!)).toBe(true);
    n.dispose();
    expect(() => T.crossEntropy(x, [0, 1], { validate: 'no' as never })).toThrow(LosskitError);
  });
  it('calls and gradients leak no tensors', () => {
    for (const [name, [call, valid]] of Object.entries(calls)) {
      call(valid).dispose();
      expectNoLeaks(() => call(valid).dispose(), name);
    }
    const t = tf.tensor2d(x);
    expectNoLeaks(() => {
      tf.grad((v: tf.Tensor) => T.crossEntropy(v, [0, -100], { weight: [1, 2, 3], labelSmoothing: 0.1 }) as tf.Scalar)(t).dispose();
      tf.grad((v: tf.Tensor) => T.tripletMarginWithDistanceLoss(v, p, x) as tf.Scalar)(t).dispose();
    });
    t.dispose();
  });
});
