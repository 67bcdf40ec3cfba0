import * as tf from '@tensorflow/tfjs-core';
import { type Expr, compile, ready } from '@losskit/core';
import { checkGradient, f32, randomMatrix, rng } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchAll, batchHard, circle, contrastive, cosine, hardNegativeTopK, liftedStructure, type Miner,
  multiSimilarity, multiSimilarityMiner, nPairs, ntXent, semiHard, supCon, tripletMargin,
} from '../src/index.js';
import * as R from './reference.js';

beforeAll(async () => {
  await ready();
});

// 12 samples, 4 classes x 3 (several positives per class), shuffled
const y = [2, 0, 1, 3, 0, 2, 1, 3, 0, 1, 2, 3];
const B = y.length;
const D = 5;
const E = f32(randomMatrix(B, D, 11));

const miners: [string, Miner | undefined, R.RefMiner][] = [
  ['no miner', undefined, { kind: 'none' }],
  ['batchAll', batchAll(), { kind: 'batchAll' }],
  ['batchHard', batchHard(), { kind: 'batchHard' }],
  ['semiHard', semiHard({ margin: 0.5 }), { kind: 'semiHard', margin: 0.5 }],
  ['multiSimilarityMiner', multiSimilarityMiner({ epsilon: 0.1 }), { kind: 'ms', eps: 0.1 }],
  ['hardNegativeTopK', hardNegativeTopK({ k: 2 }), { kind: 'topk', k: 2 }],
];

const value = (expr: Expr<'sample' | 'batch', 'any'>, e: number[][] = E, labels: number[] = y) => {
  const v = compile(expr, { from: 'embeddings' })(labels, e);
  const out = v.dataSync()[0]!;
  v.dispose();
  return out;
};
const close = (got: number, ref: number) => {
  expect(Number.isFinite(got)).toBe(true);
  expect(Math.abs(got - ref)).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(ref), 1e-2));
};

type Case = [string, (m: Miner | undefined) => Expr<'sample' | 'batch', 'any'>, (e: number[][], m: R.RefMiner) => number];
const cases: Case[] = [
  ['tripletMargin (euclidean, m = 0.2)', (m) => tripletMargin({ margin: 0.2, miner: m }), (e, m) => R.tripletRef(e, y, R.EUC, 0.2, m)],
  ['tripletMargin (cosine, m = 0.1)', (m) => tripletMargin({ margin: 0.1, distance: cosine(), miner: m }), (e, m) => R.tripletRef(e, y, R.COS, 0.1, m)],
  ['contrastive (euclidean, 0.5 / 2.5)', (m) => contrastive({ posMargin: 0.5, negMargin: 2.5, miner: m }), (e, m) => R.contrastiveRef(e, y, R.EUC, 0.5, 2.5, m)],
  ['contrastive (cosine, 0.9 / 0.1)', (m) => contrastive({ posMargin: 0.9, negMargin: 0.1, distance: cosine(), miner: m }), (e, m) => R.contrastiveRef(e, y, R.COS, 0.9, 0.1, m)],
  ['multiSimilarity', (m) => multiSimilarity({ miner: m }), (e, m) => R.multiSimilarityRef(e, y, m)],
  ['circle', (m) => circle({ miner: m }), (e, m) => R.circleRef(e, y, m)],
  ['ntXent (τ = 0.2)', (m) => ntXent({ temperature: 0.2, miner: m }), (e, m) => R.ntXentRef(e, y, 0.2, m)],
  ['nPairs', (m) => nPairs({ miner: m }), (e, m) => R.ntXentRef(e, y, 1, m, R.DOT)],
  ['supCon (τ = 0.1)', (m) => supCon({ temperature: 0.1, miner: m }), (e, m) => R.supConRef(e, y, 0.1, m)],
  ['liftedStructure (α = 1)', (m) => liftedStructure({ miner: m }), (e, m) => R.liftedRef(e, y, 1, m)],
];

describe('pair and triplet losses vs brute-force float64 loops', () => {
  for (const [name, build, ref] of cases) {
    it(`${name}: every miner`, () => {
      for (const [, miner, refMiner] of miners) close(value(build(miner)), ref(E, refMiner));
    });
  }

  it('the references are not trivially zero (the comparisons can fail)', () => {
    for (const [, , ref] of cases) expect(Math.abs(ref(E, { kind: 'none' }))).toBeGreaterThan(1e-3);
  });
});

describe('finite-difference gradients against the float64 references', () => {
  const gradCases: [string, Expr<'sample' | 'batch', 'any'>, (e: number[][]) => number][] = [
    ['triplet + batchHard', tripletMargin({ margin: 0.5, miner: batchHard() }), (e) => R.tripletRef(e, y, R.EUC, 0.5, { kind: 'batchHard' })],
    ['triplet cosine, all', tripletMargin({ margin: 0.3, distance: cosine() }), (e) => R.tripletRef(e, y, R.COS, 0.3, { kind: 'none' })],
    ['contrastive', contrastive({ posMargin: 0.5, negMargin: 2.5 }), (e) => R.contrastiveRef(e, y, R.EUC, 0.5, 2.5, { kind: 'none' })],
    ['multiSimilarity + miner', multiSimilarity({ miner: multiSimilarityMiner() }), (e) => R.multiSimilarityRef(e, y, { kind: 'ms', eps: 0.1 })],
    ['circle (γ = 32)', circle({ gamma: 32 }), (e) => R.circleRef(e, y, { kind: 'none' }, 0.25, 32, E)],
    ['ntXent', ntXent({ temperature: 0.5 }), (e) => R.ntXentRef(e, y, 0.5, { kind: 'none' })],
    ['supCon + topK', supCon({ temperature: 0.5, miner: hardNegativeTopK({ k: 3 }) }), (e) => R.supConRef(e, y, 0.5, { kind: 'topk', k: 3 })],
    ['liftedStructure', liftedStructure({ margin: 1 }), (e) => R.liftedRef(e, y, 1, { kind: 'none' })],
  ];
  for (const [name, expr, ref] of gradCases) {
    it(name, () => {
      const loss = compile(expr, { from: 'embeddings' });
      const x = tf.tensor2d(E);
      const r = checkGradient((t) => loss(y, t), x, {
        reference: (flat) => ref(Array.from({ length: B }, (_, i) => Array.from(flat.slice(i * D, (i + 1) * D)))),
      });
      x.dispose();
      expect(r.ok, `worst ${r.worst} at ${r.worstIndex}: ${r.analytic[r.worstIndex]} vs ${r.numeric[r.worstIndex]}`).toBe(true);
    });
  }
});

describe('a second random batch (different seed, 6 classes x 4)', () => {
  const u = rng(5);
  const y2 = Array.from({ length: 24 }, (_, i) => i % 6).sort(() => u() - 0.5);
  const E2 = f32(randomMatrix(24, 8, 99));
  it('triplet / supCon / circle with batchHard and without', () => {
    for (const [, miner, rm] of [miners[0]!, miners[2]!]) {
      close(value(tripletMargin({ margin: 0.2, miner }), E2, y2), R.tripletRef(E2, y2, R.EUC, 0.2, rm));
      close(value(supCon({ miner }), E2, y2), R.supConRef(E2, y2, 0.1, rm));
      close(value(circle({ miner }), E2, y2), R.circleRef(E2, y2, rm));
    }
  });
});
