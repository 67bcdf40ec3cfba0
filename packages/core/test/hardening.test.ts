import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { bce, ce, compile, defineEntry, input, logit, logProb, maskedRowReduce, neuralSortTensor, positiveMask, prob, ready, sinkhornTensor, square, yTrue } from '../src/index.js';
import { PROB_SUM_TOLERANCE } from '../src/index.js';
import { expectCleanThrow, expectNoLeaks, logSoftmax, numericGradient, softmax } from '../src/testing/index.js';

beforeAll(async () => {
  await ready();
});

const lse64 = (r: readonly number[]) => {
  const m = Math.max(...r);
  return m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
};

describe('expand(): a per-sample value repeated over the classes', () => {
  const z = [[1, 2, 3, 4], [0, 0, 0, 0]];
  // ce().expand().sum() = C · ce, from the definition.
  const ref = z.map((r) => 4 * (lse64(r) - r[0]!));
  for (const fuse of ['auto', 'js', false] as const) {
    it(`fuse ${String(fuse)}: ce().expand().sum() is C × ce (the issue's [[1,2,3,4],[0,0,0,0]] gives [13.76, 5.55])`, () => {
      const ps = compile(ce().expand().sum(), { fuse }).perSample([0, 0], z);
      const got = Array.from(ps.dataSync());
      ps.dispose();
      got.forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 4));
    });
    it(`fuse ${String(fuse)}: a class-level constant reduced with .sum() and .mean() counts every class`, () => {
      const e = logit().times(0).plus(2).sum().plus(logit().times(0).plus(3).mean());
      const ps = compile(e, { fuse }).perSample([0, 0], z);
      expect(Array.from(ps.dataSync())).toEqual([11, 11]);
      ps.dispose();
    });
  }
});

describe('topk(k): mean of the k largest logits, differentiable', () => {
  const z = [[1, 5, 3, 4], [2, -1, 0.5, 7]];
  const ref = (flat: Float64Array) => {
    let s = 0;
    for (let i = 0; i < 2; i++) {
      const row = Array.from(flat.slice(i * 4, i * 4 + 4)).sort((a, b) => b - a);
      s += (row[0]! + row[1]!) / 2;
    }
    return s / 2;
  };
  it('valueAndGrad matches a float64 reference and its finite differences, with no leak', () => {
    const loss = compile(logit().topk(2));
    const { value, grad } = loss.valueAndGrad([0, 1], z);
    expect(value.dataSync()[0]).toBeCloseTo(ref(Float64Array.from(z.flat())), 5);
    const fd = numericGradient(ref, z.flat());
    Array.from(grad.dataSync()).forEach((g, k) => expect(g).toBeCloseTo(fd[k]!, 5));
    tf.dispose([value, grad]);
  });
  it('a failing topk valueAndGrad (label out of range) leaks nothing and leaves no tape', () => {
    const loss = compile(logit().topk(2).plus(ce()));
    expectCleanThrow(() => loss.valueAndGrad([0, 9], z), 'LABEL_OUT_OF_RANGE');
  });
});

describe('one class (C = 1)', () => {
  for (const fuse of ['auto', false] as const) {
    it(`fuse ${String(fuse)}: ce with one class is 0 with a zero gradient (integer labels and one-hot targets)`, () => {
      for (const y of [[0, 0], [[1], [1]]]) {
        const { value, grad } = compile(ce(), { fuse }).valueAndGrad(y, [[3.5], [-2]]);
        expect(value.dataSync()[0]).toBe(0);
        expect(Array.from(grad.dataSync())).toEqual([0, 0]);
        tf.dispose([value, grad]);
      }
    });
    it(`fuse ${String(fuse)}: squentropy with one class raises a typed error saying .incorrect() needs two classes`, () => {
      const err = expectCleanThrow(() => compile(ce().plus(square().incorrect()), { fuse })([0], [[1]]), 'SHAPE_MISMATCH');
      expect(err.message).toContain('.incorrect() needs at least 2 classes');
    });
  }
});

describe('parts() validates like the call itself', () => {
  it('parts() throws NON_FINITE_OUTPUT naming the term where the call throws, instead of returning NaN parts', () => {
    const loss = compile(logit().log().sum().named('logs').plus(ce().named('ce')));
    const callErr = expectCleanThrow(() => loss([0], [[-1, 2]]), 'NON_FINITE_OUTPUT');
    const partsErr = expectCleanThrow(() => loss.parts([0], [[-1, 2]]), 'NON_FINITE_OUTPUT');
    expect(partsErr.message).toBe(callErr.message);
  });
  it('parts() with validate: false returns the raw values (NaN included), as documented', () => {
    const parts = compile(logit().log().sum().named('logs'), { validate: false }).parts([0], [[-1, 2]]);
    expect(Number.isNaN(parts.logs)).toBe(true);
  });
});

describe("from: 'probs' is checked", () => {
  const dist = prob().target().neg().plus(logProb().target().neg());
  it(`rows summing to 1.5 are rejected with INVALID_ARGUMENT naming yPred (tolerance ${PROB_SUM_TOLERANCE})`, () => {
    const err = expectCleanThrow(() => compile(dist, { from: 'probs' })([0], [[0.5, 1.0]]), 'INVALID_ARGUMENT');
    expect(err.argument).toBe('yPred');
    expect(err.message).toContain('row 0 sums to 1.5');
  });
  it('negative entries are rejected, in valueAndGrad too', () => {
    const err = expectCleanThrow(() => compile(dist, { from: 'probs' }).valueAndGrad([0], [[-0.25, 1.25]]), 'INVALID_ARGUMENT');
    expect(err.message).toContain('-0.25 at index [0, 0]');
  });
  it('rows within the tolerance are accepted and give the float64 value', () => {
    const p = [0.3, 0.7 + PROB_SUM_TOLERANCE / 2];
    const v = expectNoLeaks(() => {
      const t = compile(ce(), { from: 'probs' })([1], [p]);
      const out = t.dataSync()[0]!;
      t.dispose();
      return out;
    });
    expect(v).toBeCloseTo(-Math.log(p[1]!), 6);
  });
  it('bce reads probabilities per class: entries in [0, 1] are enough (multi-label rows need not sum to 1), 1.2 is rejected', () => {
    const loss = compile(bce().mean(), { from: 'probs' });
    const ok = loss([[1, 1]], [[0.9, 0.8]]);
    expect(ok.dataSync()[0]).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 5);
    ok.dispose();
    expectCleanThrow(() => loss([[1, 0]], [[1.2, 0.1]]), 'INVALID_ARGUMENT');
  });
  it('bce on probabilities with epsilon 1e-12 (below float32 resolution at 1) gives -log(1e-12) at p = 1 for a 0 target, not Infinity', () => {
    for (const fuse of [false, 'auto'] as const) {
      const loss = compile(bce({ labelSmoothing: 0.1 }).mean(), { from: 'probs', epsilon: 1e-12, fuse });
      const out = loss.valueAndGrad([[0, 1]], [[1, 0]]);
      // t = [0.05, 0.95]; per class -[t log clip(p) + (1 - t) log clip(1 - p)] with clip to [1e-12, 1 - 1e-12], float64
      const e = 1e-12;
      const want = (-(0.05 * Math.log(1 - e) + 0.95 * Math.log(e)) - (0.95 * Math.log(e) + 0.05 * Math.log(1 - e))) / 2;
      expect(out.value.dataSync()[0]).toBeCloseTo(want, 4);
      expect(Array.from(out.grad.dataSync()).every(Number.isFinite)).toBe(true);
      out.value.dispose();
      out.grad.dispose();
    }
  });
  it('validate: false skips the probability check (documented)', () => {
    const t = compile(dist, { from: 'probs', validate: false })([0], [[0.5, 1.0]]);
    expect(Number.isFinite(t.dataSync()[0]!)).toBe(true);
    t.dispose();
  });
});

describe('embeddings need from: embeddings', () => {
  it('compile() of a pair-level expression without from: embeddings fails at compile time with INPUT_KIND_MISMATCH on from', () => {
    let err: (Error & { code?: string; argument?: string }) | undefined;
    try {
      compile(positiveMask().times(2).sum());
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe('INPUT_KIND_MISMATCH');
    expect(err?.argument).toBe('from');
    expect(err?.message).toContain("from: 'embeddings'");
  });
});

describe('reductions with all-zero sample weights (documented: 0, as Keras; the tf.losses drop-in follows tfjs)', () => {
  for (const reduction of ['weightedMean', 'sumByNonzeroWeights'] as const) {
    for (const fuse of ['auto', false] as const) {
      it(`${reduction}, fuse ${String(fuse)}: value 0 and gradient 0`, () => {
        const { value, grad } = compile(ce(), { reduction, fuse }).valueAndGrad([0, 1], [[1, 2], [3, 4]], { sampleWeight: [0, 0] });
        expect(value.dataSync()[0]).toBe(0);
        expect(Array.from(grad.dataSync())).toEqual([0, 0, 0, 0]);
        tf.dispose([value, grad]);
      });
    }
  }
});

describe('validate: false keeps shape and label checks (documented)', () => {
  it('a label out of range still raises LABEL_OUT_OF_RANGE with validate: false', () => {
    expectCleanThrow(() => compile(ce(), { validate: false })([5], [[1, 2]]), 'LABEL_OUT_OF_RANGE');
  });
});

describe('tensors given as inputs are checked like arrays (validate: true)', () => {
  const z = [[1, 2, 3], [0.5, -1, 2]];
  for (const fuse of ['auto', false] as const) {
    for (const method of ['call', 'perSample', 'valueAndGrad'] as const) {
      it(`fuse ${String(fuse)}, ${method}: -Infinity in a yPred tensor raises NON_FINITE_INPUT at [0, 1] (CE itself stays finite there)`, () => {
        const loss = compile(ce(), { fuse });
        const withInf = tf.tensor2d([[1, -Infinity, 3], [0.5, -1, 2]]);
        const err = expectCleanThrow(() => (method === 'call' ? loss([0, 2], withInf) : method === 'perSample' ? loss.perSample([0, 2], withInf) : loss.valueAndGrad([0, 2], withInf)), 'NON_FINITE_INPUT');
        expect(err.argument).toBe('yPred');
        expect(err.message).toContain('[0, 1]');
        withInf.dispose();
      });
    }
  }
  it('a non-finite input() tensor, dense yTrue tensor or sampleWeight tensor raises NON_FINITE_INPUT naming it (unfused)', () => {
    const w = tf.tensor1d([1, Number.NaN]);
    const dense = tf.tensor2d([[1, 0, 0], [0, 0, Infinity]]);
    expect(expectCleanThrow(() => compile(ce().times(input('w', 'sample')))([0, 2], z, { inputs: { w } }), 'NON_FINITE_INPUT').argument).toBe('inputs.w');
    expect(expectCleanThrow(() => compile(ce(), { fuse: false })(dense, z), 'NON_FINITE_INPUT').argument).toBe('yTrue');
    expect(expectCleanThrow(() => compile(ce(), { fuse: false })([0, 2], z, { sampleWeight: w }), 'NON_FINITE_INPUT').argument).toBe('sampleWeight');
    tf.dispose([w, dense]);
  });
  it("from: 'probs' checks probabilities only where the expression reads them as such: square() (raw yPred) accepts -0.2, prob() rejects it", () => {
    const ok = compile(square().mean(), { from: 'probs' })([0], [[-0.2, 0.6, 0.6]]);
    expect(ok.dataSync()[0]).toBeCloseTo(((-0.2 - 1) ** 2 + 0.36 + 0.36) / 3, 5);
    ok.dispose();
    expectCleanThrow(() => compile(prob().target(), { from: 'probs' })([0], [[-0.2, 0.6, 0.6]]), 'INVALID_ARGUMENT');
  });
  it('compile() rejects a non-boolean validate option with INVALID_ARGUMENT naming validate', () => {
    let err: (Error & { code?: string; argument?: string }) | undefined;
    try {
      compile(ce(), { validate: 'no' as never });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe('INVALID_ARGUMENT');
    expect(err?.argument).toBe('validate');
  });
});

describe('helpers reject bad arguments with typed errors and free their tensors', () => {
  const typed = (f: () => unknown, argument: string) => {
    let err: (Error & { code?: string; argument?: string }) | undefined;
    try {
      f();
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.name).toBe('LosskitError');
    expect(err?.argument).toBe(argument);
  };
  it('defineEntry of a non-object, a missing field or non-list params', () => {
    typed(() => defineEntry(null as never), 'entry');
    typed(() => defineEntry({} as never), 'entry.id');
    typed(() => defineEntry({ id: 'x', name: 'X', package: 'p', export: 'e', category: 'c', summary: 's', formula: 'f', inputs: 'i', example: 'e', params: null } as never), 'entry.params');
  });
  it('where() with a non-finite otherwise, neuralSortTensor with tau <= 0 or NaN, sinkhornTensor with 0 iterations, maskedRowReduce with an unknown reduction', () => {
    typed(() => prob().where(yTrue(), Number.NaN), 'otherwise');
    const s = tf.tensor2d([[1, 2]]);
    for (const tau of [0, -1, Number.NaN]) typed(() => neuralSortTensor(s, tau), 'tau');
    typed(() => sinkhornTensor(tf.ones([1, 2, 2]) as tf.Tensor3D, 0), 'iterations');
    typed(() => maskedRowReduce(s, s, 'median' as never), 'how');
    s.dispose();
  });
  it('maskedRowReduce outside tf.tidy leaves only its result alive', () => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const m = tf.tensor2d([[1, 0], [1, 1]]);
    const before = tf.memory().numTensors;
    const r = maskedRowReduce(x, m, 'mean');
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(Array.from(r.dataSync())).toEqual([1, 3.5]);
    tf.dispose([x, m, r]);
  });
});

describe('float64 helpers of @losskit/core/math at ties of huge values', () => {
  it('logSoftmax([1e30, 1e30, 0]) is [-log 2, -log 2, -1e30] and softmax of five tied 1e30 is 1/5 each', () => {
    const l = logSoftmax([1e30, 1e30, 0]);
    expect(l[0]).toBeCloseTo(-Math.LN2, 12);
    expect(l[1]).toBeCloseTo(-Math.LN2, 12);
    expect(l[2]).toBe(-1e30);
    const p = softmax([1e30, 1e30, 1e30, 0, 1e30, 1e30]);
    for (const k of [0, 1, 2, 4, 5]) expect(p[k]).toBeCloseTo(0.2, 12);
    expect(p[3]).toBe(0);
  });
  it('logSoftmax keeps tiny values: p = 1 - 1e-12 gives log p = -1e-12 to 1e-6 relative', () => {
    const l = logSoftmax([0, -Math.log(1e12) ]);
    expect(Math.abs(l[0]! - -1e-12) / 1e-12).toBeLessThan(1e-6);
  });
});
