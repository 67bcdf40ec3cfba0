// Every function of the `/keras` and `/tfjs` drop-ins validates its input as compile() does (issue #17): NaN/±Inf in
// any input raise NON_FINITE_INPUT naming the argument and the index (the WASM backend's clipByValue turns NaN into
// the lower bound, so Keras' probability losses returned a finite, wrong value), integer labels are range-checked,
// a non-finite result on finite input raises NON_FINITE_OUTPUT, and `validate: false` opts out. Errors leak no tensors.
import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, ready, setBackend } from '@losskit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as K from '../src/keras/index.js';
import * as T from '../src/tfjs/index.js';

beforeAll(async () => {
  await ready();
});

type Args = Record<string, unknown>;
interface Row {
  /** Valid arguments by name; `options` (Keras) holds sampleWeight & co. */
  readonly args: Args;
  /** Calls the drop-in with (possibly modified) arguments and `validate`. */
  readonly call: (a: Args, validate?: boolean) => tf.Tensor;
  /** Argument names (as the error names them) whose values are checked for NaN/±Inf, with a path into `args`. */
  readonly finite: readonly string[];
}

const P3 = [[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]];
const Y3 = [[0, 1, 0], [1, 0, 0]];
const Z3 = [[1, 2, -0.5], [0.3, -1, 2]];
const W2 = [1, 2];
const EMB = [[0.6, 0.8], [0.8, -0.6], [1, 0]];
const keras = (f: (yTrue: never, yPred: never, o: never) => tf.Tensor, args: Args, extra: Args = {}): Row => ({
  args,
  call: (a, validate) => f(a.yTrue as never, a.yPred as never, { ...extra, sampleWeight: a.sampleWeight, ...(validate === undefined ? {} : { validate }) } as never),
  finite: Object.keys(args),
});
const dense = { yTrue: Y3, yPred: P3, sampleWeight: W2 };

/** Every exported function of `@losskit/losses/keras`. */
const kerasRows: Record<string, Row> = {
  categoricalCrossentropy: keras(K.categoricalCrossentropy, dense),
  sparseCategoricalCrossentropy: keras(K.sparseCategoricalCrossentropy, { yTrue: [1, 0], yPred: P3, sampleWeight: W2 }),
  binaryCrossentropy: keras(K.binaryCrossentropy, dense),
  binaryFocalCrossentropy: keras(K.binaryFocalCrossentropy, dense),
  categoricalFocalCrossentropy: keras(K.categoricalFocalCrossentropy, dense),
  categoricalGeneralizedCrossEntropy: keras(K.categoricalGeneralizedCrossEntropy, { yTrue: [1, 0], yPred: P3, sampleWeight: W2 }),
  meanSquaredError: keras(K.meanSquaredError, dense),
  meanAbsoluteError: keras(K.meanAbsoluteError, dense),
  meanAbsolutePercentageError: keras(K.meanAbsolutePercentageError, dense),
  meanSquaredLogarithmicError: keras(K.meanSquaredLogarithmicError, dense),
  huber: keras(K.huber, dense),
  logCosh: keras(K.logCosh, dense),
  poisson: keras(K.poisson, dense),
  kld: keras(K.kld, dense),
  cosineSimilarity: keras(K.cosineSimilarity, dense),
  hinge: keras(K.hinge, dense),
  squaredHinge: keras(K.squaredHinge, dense),
  categoricalHinge: keras(K.categoricalHinge, dense),
  dice: keras(K.dice, dense, { axis: -1 }),
  tversky: keras(K.tversky, dense, { axis: -1 }),
  circle: keras(K.circle, { yTrue: [0, 0, 1], yPred: EMB, sampleWeight: [1, 1, 2] }),
  // Rank-3 logits: the NaN/±Inf check of yPred is asserted in ctc.test.ts (this table pokes rank ≤ 2 arrays).
  ctc: { ...keras(K.ctc, { yTrue: [[1, 2, 1], [2, 1, 2]], yPred: [Z3.concat([Z3[0]!]), Z3.concat([Z3[1]!])], sampleWeight: W2 }), finite: ['yTrue', 'sampleWeight'] },
};

const tfjs = (names: readonly string[], f: (...a: never[]) => tf.Tensor, args: Args, tail: (a: Args) => unknown[]): Row => ({
  args,
  call: (a, validate) => (f as (...x: unknown[]) => tf.Tensor)(...names.map((n) => a[n]), ...tail(a), ...(validate === undefined ? [] : [{ validate }])),
  finite: names.filter((n) => n in args),
});
const std = (f: (...a: never[]) => tf.Tensor, labels = Y3, predictions: number[][] = P3) =>
  tfjs(['labels', 'predictions', 'weights'], f, { labels, predictions, weights: [[1], [2]] }, () => [T.Reduction.SUM_BY_NONZERO_WEIGHTS]);

/** Every exported function of `@losskit/losses/tfjs`. */
const tfjsRows: Record<string, Row> = {
  computeWeightedLoss: tfjs(['losses', 'weights'], T.computeWeightedLoss, { losses: P3, weights: [[1], [2]] }, () => [T.Reduction.MEAN]),
  absoluteDifference: std(T.absoluteDifference),
  meanSquaredError: std(T.meanSquaredError),
  hingeLoss: std(T.hingeLoss, Y3, Z3),
  huberLoss: tfjs(['labels', 'predictions', 'weights'], T.huberLoss, { labels: Y3, predictions: Z3, weights: [[1], [2]] }, () => [1, T.Reduction.SUM]),
  logLoss: tfjs(['labels', 'predictions', 'weights'], T.logLoss, { labels: Y3, predictions: P3, weights: [[1], [2]] }, () => [1e-7, T.Reduction.SUM_BY_NONZERO_WEIGHTS]),
  sigmoidCrossEntropy: tfjs(['multiClassLabels', 'logits', 'weights'], T.sigmoidCrossEntropy, { multiClassLabels: Y3, logits: Z3, weights: [[1], [2]] }, () => [0.1, T.Reduction.MEAN]),
  softmaxCrossEntropy: tfjs(['onehotLabels', 'logits', 'weights'], T.softmaxCrossEntropy, { onehotLabels: Y3, logits: Z3, weights: [1, 2] }, () => [0.1, T.Reduction.SUM_BY_NONZERO_WEIGHTS]),
  cosineDistance: tfjs(['labels', 'predictions'], T.cosineDistance, { labels: Y3, predictions: P3 }, () => [1, [[1], [2]], T.Reduction.SUM_BY_NONZERO_WEIGHTS]),
};

/** Drop-ins whose `yTrue` holds integer class labels. */
const integerLabels = new Set(['sparseCategoricalCrossentropy', 'categoricalGeneralizedCrossEntropy', 'ctc']);

/** `value` with entry `flat` (row-major) replaced by `bad`. */
function poison(value: unknown, flat: number, bad: number): unknown {
  const data = (value as number[] | number[][]).flat() as number[];
  data[flat] = bad;
  if (!Array.isArray((value as unknown[])[0])) return data;
  const cols = (value as number[][])[0]!.length;
  return (value as number[][]).map((_, i) => data.slice(i * cols, (i + 1) * cols));
}
const lastIndexText = (value: unknown) => {
  const rows = value as unknown[];
  if (!Array.isArray(rows[0])) return `index ${rows.length - 1}`;
  return `index [${rows.length - 1}, ${(rows[0] as unknown[]).length - 1}]`;
};

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

for (const [subpath, mod, rows] of [['keras', K, kerasRows], ['tfjs', T, tfjsRows]] as const) {
  describe(`@losskit/losses/${subpath}: every exported function validates its input (table-driven)`, () => {
    it('the table lists every exported function', () => {
      const exported = Object.entries(mod).filter(([, v]) => typeof v === 'function').map(([k]) => k).sort();
      expect(exported).toEqual(Object.keys(rows).sort());
    });
    for (const [name, row] of Object.entries(rows)) {
      it(`${name}: valid input gives a finite result`, () => {
        const t = row.call(row.args);
        expect(Array.from(t.dataSync()).every(Number.isFinite)).toBe(true);
        t.dispose();
      });
      for (const arg of row.finite) {
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
          it(`${name}: ${bad} in ${arg} raises NON_FINITE_INPUT naming ${arg} and the index, leaking nothing; validate: false skips the check`, () => {
            const original = row.args[arg];
            const flat = ((original as number[] | number[][]).flat() as number[]).length - 1;
            const args = { ...row.args, [arg]: poison(original, flat, bad) };
            const before = tf.memory().numTensors;
            const e = caught(() => row.call(args));
            expect(tf.memory().numTensors).toBe(before);
            expect(e).toBeInstanceOf(LosskitError);
            expect(e).toMatchObject({ code: 'NON_FINITE_INPUT', argument: arg });
            expect((e as Error).message).toContain(`${bad} at ${lastIndexText(original)}`);
            // Tensors are checked too (one device reduction, then a read-back to locate the entry).
            const tensorArgs = { ...args, [arg]: tf.tensor(args[arg] as number[]) };
            const e2 = caught(() => row.call(tensorArgs));
            expect(e2).toMatchObject({ code: 'NON_FINITE_INPUT', argument: arg });
            expect((e2 as Error).message).toContain(`at ${lastIndexText(original)}`);
            (tensorArgs[arg] as tf.Tensor).dispose();
            // The opt-out: no input check (the result is whatever the arithmetic gives). Integer labels are
            // still checked by compile() itself, so the opt-out is asserted on the other arguments.
            if (!(integerLabels.has(name) && arg === 'yTrue')) {
              const out = caught(() => row.call(args, false).dispose());
              expect((out as { code?: string } | undefined)?.code).not.toBe('NON_FINITE_INPUT');
            }
          });
        }
      }
    }
  });
}

describe('drop-ins: the cases of issue #17 and label checks', () => {
  it('categoricalCrossentropy([[0,1,0]], [[NaN,0.3,0.5]]) and binaryCrossentropy([[0,1]], [[NaN,0.3]]) raise instead of 16.118 / 0.602', () => {
    expect(() => K.categoricalCrossentropy([[0, 1, 0]], [[Number.NaN, 0.3, 0.5]])).toThrow(expect.objectContaining({ code: 'NON_FINITE_INPUT', argument: 'yPred' }));
    expect(() => K.binaryCrossentropy([[0, 1]], [[Number.NaN, 0.3]])).toThrow(expect.objectContaining({ code: 'NON_FINITE_INPUT', argument: 'yPred' }));
    expect(() => K.categoricalCrossentropy([[0, 1, 0]], [[0.2, 0.3, 0.5]], { validate: 'no' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'validate' }));
  });
  it('sparse labels: out of range, non-integer and non-finite labels raise the typed label errors with the index; ignoreClass is exempt', () => {
    const cases: [number[], string][] = [[[1, 3], 'LABEL_OUT_OF_RANGE'], [[-1, 0], 'LABEL_OUT_OF_RANGE'], [[1, 0.5], 'NON_INTEGER_LABEL'], [[1, Number.NaN], 'NON_FINITE_INPUT']];
    for (const f of [K.sparseCategoricalCrossentropy, K.categoricalGeneralizedCrossEntropy]) {
      for (const [labels, code] of cases) {
        const before = tf.memory().numTensors;
        const e = caught(() => f(labels, P3));
        expect(e, `${f.name} ${labels}`).toMatchObject({ code, argument: 'yTrue' });
        expect(tf.memory().numTensors).toBe(before);
      }
    }
    const e = caught(() => K.sparseCategoricalCrossentropy([[1, 0], [2, 7]], [[[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]], [[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]]]));
    expect((e as Error).message).toContain('7 at index [1, 1]');
    const ok = K.sparseCategoricalCrossentropy([255, 0], P3, { ignoreClass: 255 });
    expect(ok.dataSync()[0]).toBeCloseTo(-Math.log(0.6 / 1.0), 5);
    ok.dispose();
  });
  it('a non-finite result on finite input raises NON_FINITE_OUTPUT (NaN only with validate: false)', () => {
    const cases: [string, (v?: boolean) => tf.Tensor][] = [
      ['tfjs logLoss with a probability above 1', (v) => T.logLoss([1, 0], [0.5, 1.5], undefined, 1e-7, T.Reduction.SUM_BY_NONZERO_WEIGHTS, v === undefined ? undefined : { validate: v })],
      ['tfjs meanSquaredError overflowing float32', (v) => T.meanSquaredError([0], [1e30], undefined, T.Reduction.SUM_BY_NONZERO_WEIGHTS, v === undefined ? undefined : { validate: v })],
      ['keras poisson with a negative prediction', (v) => K.poisson([[1, 2]], [[-3, 1]], v === undefined ? {} : { validate: v })],
      ['keras meanSquaredError overflowing float32', (v) => K.meanSquaredError([[0]], [[1e30]], v === undefined ? {} : { validate: v })],
    ];
    for (const [name, f] of cases) {
      const before = tf.memory().numTensors;
      expect(caught(() => f()), name).toMatchObject({ code: 'NON_FINITE_OUTPUT' });
      expect(tf.memory().numTensors, name).toBe(before);
      const t = f(false);
      expect(Number.isFinite(t.dataSync()[0]!), name).toBe(false);
      t.dispose();
    }
  });
  it('Keras sparse CE and generalized CE work with one class (C = 1): log of the clipped probability 1 − 1e-7, 0 from logits', () => {
    const q = Math.fround(1 - 1e-7);
    const a = K.sparseCategoricalCrossentropy([0, 0], [[0.4], [2]]);
    expect(a.dataSync()[0]).toBeCloseTo(-Math.log(q), 9);
    const b = K.sparseCategoricalCrossentropy([0, 0], [[0.4], [-2]], { fromLogits: true });
    expect(b.dataSync()[0]).toBe(0);
    const c = K.categoricalGeneralizedCrossEntropy([0], [[1]]);
    expect(c.dataSync()[0]).toBeCloseTo(0, 7);
    expect(() => K.sparseCategoricalCrossentropy([1], [[1]])).toThrow(expect.objectContaining({ code: 'LABEL_OUT_OF_RANGE' }));
    tf.dispose([a, b, c]);
  });
});

describe('tfjs drop-ins: all-zero weights (tf.losses semantics, checked against tfjs-core 4.22 on the cpu backend)', () => {
  const L = [[1, 2], [3, 4]];
  const zeros = [[0, 0], [0, 0]];
  it('tfjs 4.22 on cpu: MEAN and SUM_BY_NONZERO_WEIGHTS give NaN (0 / 0), NONE and SUM give 0', async () => {
    await setBackend('cpu');
    try {
      const got = [T.Reduction.NONE, T.Reduction.MEAN, T.Reduction.SUM, T.Reduction.SUM_BY_NONZERO_WEIGHTS].map((r) =>
        tf.tidy(() => Array.from(tf.losses.computeWeightedLoss(tf.tensor2d(L), tf.tensor2d(zeros), r as number).dataSync())),
      );
      expect(tf.getBackend()).toBe('cpu');
      expect(got[0]).toEqual([0, 0, 0, 0]);
      expect(got[1]![0]).toBeNaN();
      expect(got[2]).toEqual([0]);
      expect(got[3]![0]).toBeNaN();
      // Ours with validate: false on the same backend: identical, NaN included.
      for (const r of [T.Reduction.MEAN, T.Reduction.SUM_BY_NONZERO_WEIGHTS]) {
        const t = T.computeWeightedLoss(L, zeros, r, { validate: false });
        expect(t.dataSync()[0]).toBeNaN();
        t.dispose();
      }
    } finally {
      await setBackend('wasm');
    }
  });
  it('where tfjs returns NaN the drop-ins raise INVALID_ARGUMENT naming weights; NONE and SUM give 0 as tfjs', () => {
    for (const r of [T.Reduction.MEAN, T.Reduction.SUM_BY_NONZERO_WEIGHTS]) {
      const fns: [string, () => tf.Tensor][] = [
        ['computeWeightedLoss', () => T.computeWeightedLoss(L, zeros, r)],
        ['computeWeightedLoss scalar 0', () => T.computeWeightedLoss(L, 0, r)],
        ['absoluteDifference', () => T.absoluteDifference(L, L, [[0], [0]], r)],
        ['softmaxCrossEntropy', () => T.softmaxCrossEntropy([[1, 0], [0, 1]], L, [0, 0], 0, r)],
        ['cosineDistance', () => T.cosineDistance(L, L, 1, 0, r)],
      ];
      for (const [name, f] of fns) {
        const before = tf.memory().numTensors;
        expect(caught(f), `${name} ${r}`).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'weights' });
        expect(tf.memory().numTensors).toBe(before);
      }
    }
    // MEAN divides by Σw: weights that cancel are a zero denominator too (tfjs: ±Inf or NaN).
    expect(caught(() => T.computeWeightedLoss(L, [[1, -1], [2, -2]], T.Reduction.MEAN))).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'weights' });
    const none = T.computeWeightedLoss(L, zeros, T.Reduction.NONE);
    const sum = T.computeWeightedLoss(L, zeros, T.Reduction.SUM);
    expect(Array.from(none.dataSync())).toEqual([0, 0, 0, 0]);
    expect(sum.dataSync()[0]).toBe(0);
    tf.dispose([none, sum]);
  });
});
