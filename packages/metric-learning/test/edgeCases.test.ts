import * as tf from '@tensorflow/tfjs-core';
import { type Expr, compile, ready } from '@losskit/core';
import { expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchHard, circle, contrastive, cosine, decoupledSoftmax, hardNegativeTopK, icon, liftedStructure, mean, multiSimilarity,
  multiSimilarityMiner, ntXent, perAnchor, protoTriplet, proxyNca, semiHard, supCon, threshold, tripletMargin, icnn, metrix,
} from '../src/index.js';
import * as R from './reference.js';
import { errorCode } from './helpers.js';

beforeAll(async () => {
  await ready();
});

const B = 6;
const D = 3;
const E = f32(randomMatrix(B, D, 41));
const code = errorCode;

const losses: [string, Expr<'sample' | 'batch', 'any'>][] = [
  ['triplet', tripletMargin({ margin: 0.2 })],
  ['triplet batchHard cosine', tripletMargin({ margin: 0.2, distance: cosine(), miner: batchHard() })],
  ['contrastive', contrastive()],
  ['multiSimilarity', multiSimilarity({ miner: multiSimilarityMiner() })],
  ['circle', circle()],
  ['ntXent', ntXent()],
  ['supCon', supCon({ miner: hardNegativeTopK({ k: 2 }) })],
  ['lifted', liftedStructure()],
  ['icon', icon()],
  ['decoupledSoftmax', decoupledSoftmax()],
  ['protoTriplet', protoTriplet()],
  ['icnn', icnn()],
  ['metrix', metrix()],
];

const finiteRun = (expr: Expr<'sample' | 'batch', 'any'>, labels: number[], e: number[][]) => {
  const { value, grad } = compile(expr, { from: 'embeddings' }).valueAndGrad(labels, e);
  const v = value.dataSync()[0]!;
  const g = Array.from(grad.dataSync());
  value.dispose();
  grad.dispose();
  expect(Number.isFinite(v)).toBe(true);
  expect(g.every(Number.isFinite)).toBe(true);
  return { v, g };
};

describe('edge cases: defined values, no NaN in value or gradient', () => {
  const batches: [string, number[], number[][]][] = [
    ['no positive pair (all labels distinct)', [0, 1, 2, 3, 4, 5], E],
    ['a single class', [7, 7, 7, 7, 7, 7], E],
    ['identical embeddings', [0, 0, 1, 1, 2, 2], E.map(() => [0.3, -1, 2])],
    ['zero vectors', [0, 0, 1, 1, 2, 2], E.map(() => [0, 0, 0])],
    ['labels are arbitrary non-negative integers (large, sparse)', [5, 1000, 5, 1000, 3, 3], E],
  ];
  for (const [name, labels, e] of batches) {
    it(name, () => {
      for (const [, expr] of losses) finiteRun(expr, labels, e);
    });
  }

  it('documented values: no positives → 0 for positive-driven losses; single class → 0 for triplet/circle/ntXent', () => {
    const distinct = [0, 1, 2, 3, 4, 5];
    for (const expr of [tripletMargin(), circle(), ntXent(), supCon(), liftedStructure(), decoupledSoftmax(), icon()]) {
      expect(finiteRun(expr, distinct, E).v).toBe(0);
    }
    const one = [7, 7, 7, 7, 7, 7];
    for (const expr of [tripletMargin(), circle(), ntXent(), protoTriplet()]) expect(finiteRun(expr, one, E).v).toBe(0);
    // no negatives: the contrastive loss is its positive part alone, which the reference computes
    expect(finiteRun(contrastive(), one, E).v).toBeCloseTo(R.contrastiveRef(E, one, R.EUC, 0, 1, { kind: 'none' }), 5);
    // identical embeddings: every distance is the 1e-6 floor, so each triplet costs exactly the margin
    expect(finiteRun(tripletMargin({ margin: 0.2 }), [0, 0, 1, 1, 2, 2], E.map(() => [0.3, -1, 2])).v).toBeCloseTo(0.2, 6);
  });
});

describe('reducers', () => {
  const y = [0, 1, 0, 1, 2, 2];
  const mat = R.matrix(E, R.EUC);
  const trip = R.allTriplets(y).map(([a, p, n]) => ({ a, l: Math.max(0, mat[a]![p]! - mat[a]![n]! + 0.8) }));
  const val = (expr: Expr<'sample' | 'batch', 'any'>) => {
    const v = compile(expr, { from: 'embeddings' })(y, E);
    const out = v.dataSync()[0]!;
    v.dispose();
    return out;
  };
  it('mean, threshold, perAnchor match loops over triplets', () => {
    const all = trip.map((t) => t.l);
    expect(val(tripletMargin({ margin: 0.8, reducer: mean() }))).toBeCloseTo(R.reduce(all, 'mean'), 5);
    const sel = all.filter((l) => l > 0.1 && l < 1);
    expect(sel.length).toBeGreaterThan(0);
    expect(val(tripletMargin({ margin: 0.8, reducer: threshold({ low: 0.1, high: 1 }) }))).toBeCloseTo(sel.reduce((s, x) => s + x, 0) / sel.length, 5);
    const per = y.map((_, a) => {
      const mine = trip.filter((t) => t.a === a).map((t) => t.l);
      return mine.length ? mine.reduce((s, x) => s + x, 0) / mine.length : 0;
    });
    const got = compile(tripletMargin({ margin: 0.8, reducer: perAnchor() }), { from: 'embeddings' }).perSample(y, E).arraySync() as number[];
    got.forEach((g, i) => expect(g).toBeCloseTo(per[i]!, 5));
  });
  it('threshold with nothing passing gives 0', () => {
    expect(val(tripletMargin({ margin: 0.8, reducer: threshold({ low: 100 }) }))).toBe(0);
  });
});

describe('bad input', () => {
  const loss = compile(tripletMargin(), { from: 'embeddings' });
  it('labels length != batch', () => {
    expect(code(() => loss([0, 1, 0], E))).toBe('SHAPE_MISMATCH');
  });
  it('non-2D embeddings are rejected with RANK_MISMATCH ([B, T, D] and [B])', () => {
    const e3 = [E.slice(0, 2), E.slice(2, 4), E.slice(4, 6)];
    expect(code(() => loss([0, 1, 0], e3))).toBe('RANK_MISMATCH');
    expect(code(() => loss([[0, 1], [0, 1], [1, 0]], e3))).toBe('RANK_MISMATCH');
    expect(code(() => loss([0, 1, 0], [1, 2, 3]))).toBe('RANK_MISMATCH');
  });
  it('negative margins and bad hyperparameters', () => {
    expect(code(() => tripletMargin({ margin: -0.1 }))).toBe('INVALID_PARAMETER');
    expect(code(() => contrastive({ negMargin: -1 }))).toBe('INVALID_PARAMETER');
    expect(code(() => liftedStructure({ margin: -1 }))).toBe('INVALID_PARAMETER');
    expect(code(() => protoTriplet({ margin: -1 }))).toBe('INVALID_PARAMETER');
    expect(code(() => semiHard({ margin: -1 }))).toBe('INVALID_PARAMETER');
    expect(code(() => ntXent({ temperature: 0 }))).toBe('INVALID_PARAMETER');
    expect(code(() => hardNegativeTopK({ k: 0 }))).toBe('INVALID_PARAMETER');
    expect(code(() => threshold({ low: 2, high: 1 }))).toBe('INVALID_PARAMETER');
    expect(code(() => tripletMargin({ miner: { kind: 'random' } as never }))).toBe('INVALID_ARGUMENT');
    expect(code(() => tripletMargin({ reducer: { kind: 'median' } as never }))).toBe('INVALID_ARGUMENT');
    expect(code(() => circle({ distance: { kind: 'lp' } as never }))).toBe('INVALID_ARGUMENT');
  });
  it('proxies: wrong shape, label out of range, missing input', () => {
    const p = compile(proxyNca(), { from: 'embeddings' });
    expect(code(() => p([0, 1, 0, 1, 0, 1], E, { inputs: { proxies: [[1, 2], [3, 4]] } }))).toBe('SHAPE_MISMATCH');
    expect(code(() => p([0, 1, 0, 1, 0, 5], E, { inputs: { proxies: [[1, 2, 3], [3, 4, 5]] } }))).toBe('LABEL_OUT_OF_RANGE');
    expect(code(() => p([0, 1, 0, 1, 0, 1], E))).toBe('MISSING_INPUT');
  });
  it('non-integer labels', () => {
    expect(code(() => loss([0, 1, 0.5, 1, 0, 1], E))).toBe('NON_INTEGER_LABEL');
  });
});

describe('leaks', () => {
  it('no tensors leak over repeated value-and-gradient calls, with miners and inputs', () => {
    const y = [0, 1, 0, 1, 2, 2];
    const x = tf.tensor2d(E);
    const w = tf.tensor2d(f32(randomMatrix(3, D, 3)));
    const exprs = [...losses.map(([, e]) => e), tripletMargin({ miner: semiHard() }), proxyNca()];
    const compiled = exprs.map((e) => compile(e, { from: 'embeddings' }));
    for (const c of compiled) c.valueAndGrad(y, x, { inputs: { proxies: w } }).value.dispose(); // warm-up (grad kept below)
    tf.disposeVariables();
    const before = tf.memory().numTensors;
    expectNoLeaks(() => {
      for (let i = 0; i < 20; i++) {
        for (const c of compiled) {
          const { value, grad } = c.valueAndGrad(y, x, { inputs: { proxies: w } });
          value.dispose();
          grad.dispose();
        }
      }
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    w.dispose();
  });
});
