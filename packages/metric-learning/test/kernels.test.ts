// The host pair kernels: triplet reductions without listing triplets (every TripletMarginMiner type and reducer)
// against explicit float64 enumeration, host vs tfjs-op implementations, multiplicities of given pairs, ±1e4
// similarities, and the cost bounds of issue #20.
import * as tf from '@tensorflow/tfjs-core';
import { type Expr, compile, ready } from '@losskit/core';
import { checkGradient, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Reducer, circle, classWeighted, contrastive, cosine, dotProduct, euclidean, mean, meanNonZero, multiSimilarity,
  multiSimilarityMiner, ntXent, perAnchor, semiHard, sum, supCon, threshold, tripletMargin, tripletMarginMiner, tuples,
} from '../src/index.js';
import { withPairEngine } from '../src/pairLoss.js';
import * as R from './reference.js';

beforeAll(async () => {
  await ready();
});

const y = [0, 1, 2, 0, 1, 2, 0, 1, 3, 3, 2, 0];
const B = y.length;
const D = 4;
const E = f32(randomMatrix(B, D, 21));

type RefReducer = { kind: 'mean' | 'meanNonZero' | 'sum' | 'perAnchor' } | { kind: 'threshold'; low: number; high: number } | { kind: 'classWeighted'; w: number[] };

/** PML reducers over `{ a, l }` elements, in float64. */
function reduceRef(el: { a: number; l: number }[], r: RefReducer): number | number[] {
  const pass = (l: number) => (r.kind === 'meanNonZero' ? l > 0 : r.kind === 'threshold' ? l > r.low && l < r.high : true);
  const kept = el.filter((e) => pass(e.l));
  if (r.kind === 'perAnchor') {
    return Array.from({ length: B }, (_, a) => {
      const mine = kept.filter((e) => e.a === a);
      return mine.length ? mine.reduce((s, e) => s + e.l, 0) / mine.length : 0;
    });
  }
  if (r.kind === 'sum') return kept.reduce((s, e) => s + e.l, 0);
  if (r.kind === 'classWeighted') return kept.length ? kept.reduce((s, e) => s + e.l * r.w[y[e.a]!]!, 0) / kept.length : 0;
  return kept.length ? kept.reduce((s, e) => s + e.l, 0) / kept.length : 0;
}

/** Triplet margin loss over PML TripletMarginMiner triplets, enumerated explicitly (float64). */
function tripletWindowRef(e: number[][], d: R.Dist, type: string, minerMargin: number, margin: number, r: RefReducer) {
  const mat = R.matrix(e, d);
  const el: { a: number; l: number }[] = [];
  for (const [a, p, n] of R.allTriplets(y)) {
    const g = d.inv ? mat[a]![p]! - mat[a]![n]! : mat[a]![n]! - mat[a]![p]!;
    const keep = type === 'all' ? g <= minerMargin : type === 'hard' ? g <= minerMargin && g <= 0 : type === 'semihard' ? g > 0 && g <= minerMargin : g > minerMargin;
    if (keep) el.push({ a, l: Math.max(0, margin - g) });
  }
  return reduceRef(el, r);
}

const reducers: [string, Reducer, RefReducer][] = [
  ['mean', mean(), { kind: 'mean' }],
  ['meanNonZero', meanNonZero(), { kind: 'meanNonZero' }],
  ['threshold(0.05, 0.4)', threshold({ low: 0.05, high: 0.4 }), { kind: 'threshold', low: 0.05, high: 0.4 }],
  ['threshold(-1, 0.3)', threshold({ low: -1, high: 0.3 }), { kind: 'threshold', low: -1, high: 0.3 }],
  ['sum', sum(), { kind: 'sum' }],
  ['classWeighted', classWeighted([1, 2, 0.5, 3]), { kind: 'classWeighted', w: [1, 2, 0.5, 3] }],
];

const lossValue = (expr: Expr<'sample' | 'batch', 'any'>, e: number[][] = E, labels: number[] = y, inputs?: Record<string, number[][]>) => {
  const loss = compile(expr, { from: 'embeddings' });
  const t = loss(labels, e, inputs ? { inputs } : undefined);
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};
const close = (got: number, want: number, tol = 2e-5) => {
  expect(Number.isFinite(got)).toBe(true);
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * Math.max(Math.abs(want), 1e-2));
};

describe('triplets reduced without listing them = explicit float64 enumeration', () => {
  for (const type of ['all', 'hard', 'semihard', 'easy'] as const) {
    for (const [dname, dist, rd] of [['euclidean', euclidean(), R.EUC], ['cosine', cosine(), R.COS]] as const) {
      it(`tripletMarginMiner({ type: '${type}' }), ${dname}, every reducer`, () => {
        const mm = dname === 'cosine' ? 0.15 : 0.4;
        // easy triplets have g > mm: a loss margin above mm keeps some of them non-zero
        const margin = type === 'easy' ? mm + 0.3 : 0.3;
        let nonTrivial = 0;
        for (const [, red, rr] of reducers) {
          const want = tripletWindowRef(E, rd, type, mm, margin, rr) as number;
          if (Math.abs(want) > 1e-3) nonTrivial++;
          close(lossValue(tripletMargin({ margin, distance: dist, miner: tripletMarginMiner({ margin: mm, type }), reducer: red })), want);
        }
        expect(nonTrivial).toBeGreaterThan(0);
      });
    }
  }

  it('perAnchor: one value per anchor, each the mean over its own triplets', () => {
    const loss = compile(tripletMargin({ margin: 0.3, miner: semiHard({ margin: 0.6 }), reducer: perAnchor() }), { from: 'embeddings' });
    const got = loss.perSample(y, E);
    const want = tripletWindowRef(E, R.EUC, 'semihard', 0.6, 0.3, { kind: 'perAnchor' }) as number[];
    const g = Array.from(got.dataSync());
    got.dispose();
    expect(want.some((v) => v > 0)).toBe(true);
    g.forEach((v, i) => close(v, want[i]!));
  });

  const gradCases: [string, Expr<'sample' | 'batch', 'any'>, (e: number[][]) => number][] = [
    ['all triplets, meanNonZero', tripletMargin({ margin: 0.3 }), (e) => tripletWindowRef(e, R.EUC, 'all', Infinity, 0.3, { kind: 'meanNonZero' }) as number],
    ['semihard, mean', tripletMargin({ margin: 0.3, miner: semiHard({ margin: 0.5 }), reducer: mean() }), (e) => tripletWindowRef(e, R.EUC, 'semihard', 0.5, 0.3, { kind: 'mean' }) as number],
    ['hard, cosine, threshold', tripletMargin({ margin: 0.2, distance: cosine(), miner: tripletMarginMiner({ margin: 0.1, type: 'hard' }), reducer: threshold({ low: 0.01, high: 0.5 }) }), (e) => tripletWindowRef(e, R.COS, 'hard', 0.1, 0.2, { kind: 'threshold', low: 0.01, high: 0.5 }) as number],
    ['pairs → triplets (multi-similarity miner), classWeighted', tripletMargin({ margin: 0.3, miner: multiSimilarityMiner({ distance: euclidean() }), reducer: classWeighted([1, 2, 0.5, 3]) }), (e) => {
      const mat = R.matrix(e, R.EUC);
      const { pos, neg } = R.minePairsRef({ kind: 'ms', eps: 0.1 }, mat, R.EUC, y);
      const el: { a: number; l: number }[] = [];
      for (let a = 0; a < B; a++) for (let p = 0; p < B; p++) for (let n = 0; n < B; n++) {
        if (pos[a]![p] && neg[a]![n]) el.push({ a, l: Math.max(0, mat[a]![p]! - mat[a]![n]! + 0.3) });
      }
      return reduceRef(el, { kind: 'classWeighted', w: [1, 2, 0.5, 3] }) as number;
    }],
  ];
  for (const [name, expr, ref] of gradCases) {
    it(`finite-difference gradient: ${name}`, () => {
      const loss = compile(expr, { from: 'embeddings' });
      const x = tf.tensor2d(E);
      const r = checkGradient((t) => loss(y, t), x, { reference: (flat) => ref(Array.from({ length: B }, (_, i) => Array.from(flat.slice(i * D, (i + 1) * D)))) });
      x.dispose();
      expect(Math.abs(ref(E))).toBeGreaterThan(1e-3);
      expect(r.ok, `worst ${r.worst} at ${r.worstIndex}: ${r.analytic[r.worstIndex]} vs ${r.numeric[r.worstIndex]}`).toBe(true);
    });
  }
});

describe('host kernel and tfjs ops give the same values and gradients', () => {
  const losses: [string, (r: Reducer) => Expr<'sample' | 'batch', 'any'>][] = [
    ['contrastive (euclidean)', (r) => contrastive({ posMargin: 0.2, negMargin: 1.5, reducer: r })],
    ['contrastive (cosine)', (r) => contrastive({ distance: cosine(), posMargin: 0.9, negMargin: 0.1, reducer: r })],
    ['ntXent', (r) => ntXent({ temperature: 0.2, reducer: r })],
    ['ntXent (euclidean)', (r) => ntXent({ temperature: 0.5, distance: euclidean(), reducer: r })],
    ['supCon', (r) => supCon({ temperature: 0.2, reducer: r })],
    ['multiSimilarity', (r) => multiSimilarity({ reducer: r })],
    ['multiSimilarity (euclidean)', (r) => multiSimilarity({ distance: euclidean(), base: 1, reducer: r })],
    ['circle (γ = 32)', (r) => circle({ gamma: 32, reducer: r })],
  ];
  const reds: [string, Reducer][] = [['mean', mean()], ['meanNonZero', meanNonZero()], ['threshold', threshold({ low: 0.05, high: 3 })], ['sum', sum()], ['perAnchor', perAnchor()]];
  for (const [name, build] of losses) {
    it(`${name}: every reducer`, () => {
      for (const [, red] of reds) {
        const run = (engine: 'host' | 'tfjs') =>
          withPairEngine(engine, () => {
            const { value, grad } = compile(build(red), { from: 'embeddings', reduction: 'sum' }).valueAndGrad(y, E);
            const out = { v: value.dataSync()[0]!, g: Array.from(grad.dataSync()) };
            tf.dispose([value, grad]);
            return out;
          });
        const h = run('host');
        const t = run('tfjs');
        close(h.v, t.v, 1e-5);
        const scale = Math.max(1e-3, ...t.g.map(Math.abs));
        h.g.forEach((g, i) => expect(Math.abs(g - t.g[i]!)).toBeLessThanOrEqual(1e-4 * scale));
      }
    });
  }
});

describe('given pair lists keep their multiplicities (PML lists may repeat a pair)', () => {
  it('contrastive over tuples({ output: "pairs" }) with a repeated positive and negative equals the list reference', () => {
    const posPairs = [[0, 0, 3, 1], [3, 3, 0, 4]];
    const negPairs = [[0, 1, 1, 2], [1, 2, 2, 5]];
    const mat = R.matrix(E, R.EUC);
    const lp = posPairs[0]!.map((a, k) => Math.max(0, mat[a]![posPairs[1]![k]!]! - 0.1));
    const ln = negPairs[0]!.map((a, k) => Math.max(0, 2 - mat[a]![negPairs[1]![k]!]!));
    const want = lp.reduce((s, v) => s + v, 0) / lp.length + ln.reduce((s, v) => s + v, 0) / ln.length;
    close(lossValue(contrastive({ posMargin: 0.1, negMargin: 2, miner: tuples({ output: 'pairs' }), reducer: mean() }), E, y, { posPairs, negPairs }), want);
  });

  it('tripletMargin over given triplets (a triplet listed twice counts twice)', () => {
    const triplets = [[0, 0, 4], [3, 3, 1], [2, 2, 0]];
    const mat = R.matrix(E, R.EUC);
    const l = triplets[0]!.map((a, k) => Math.max(0, mat[a]![triplets[1]![k]!]! - mat[a]![triplets[2]![k]!]! + 1));
    close(lossValue(tripletMargin({ margin: 1, miner: tuples(), reducer: mean() }), E, y, { triplets }), l.reduce((s, v) => s + v, 0) / 3);
  });
});

describe('similarities of ±1e4 (dot products of large embeddings): finite, and equal to float64', () => {
  const big = E.map((r) => r.map((v) => v * 60)); // |s| up to ~1e4
  const cases: [string, Expr<'sample' | 'batch', 'any'>, (e: number[][]) => number][] = [
    ['ntXent (τ = 1)', ntXent({ temperature: 1, distance: dotProduct() }), (e) => R.ntXentRef(e, y, 1, { kind: 'none' }, R.DOT)],
    ['supCon (τ = 1)', supCon({ temperature: 1, distance: dotProduct() }), (e) => supConDot(e)],
    ['multiSimilarity', multiSimilarity({ distance: dotProduct() }), (e) => msDot(e)],
    ['tripletMargin', tripletMargin({ margin: 10, distance: dotProduct() }), (e) => tripletWindowRef(e, R.DOT, 'all', Infinity, 10, { kind: 'meanNonZero' }) as number],
  ];
  const supConDot = (e: number[][]) => {
    const s = R.matrix(e, R.DOT);
    const l = y.map((ya, a) => {
      const all = y.flatMap((_, k) => (k === a ? [] : [s[a]![k]!]));
      const ps = y.flatMap((yk, k) => (k !== a && yk === ya ? [s[a]![k]!] : []));
      return ps.length ? -ps.reduce((t, v) => t + v - R.lse(all), 0) / ps.length : 0;
    });
    return R.reduce(l, 'meanNonZero');
  };
  const msDot = (e: number[][]) => {
    const s = R.matrix(e, R.DOT);
    const l = y.map((ya, a) => {
      const xp = y.flatMap((yk, k) => (k !== a && yk === ya ? [-2 * (s[a]![k]! - 0.5)] : []));
      const xn = y.flatMap((yk, k) => (yk !== ya ? [50 * (s[a]![k]! - 0.5)] : []));
      return R.lse([0, ...xp]) / 2 + R.lse([0, ...xn]) / 50;
    });
    return R.reduce(l, 'mean');
  };
  for (const [name, expr, ref] of cases) {
    it(name, () => {
      const want = ref(big);
      expect(Math.max(...R.matrix(big, R.DOT).flat().map(Math.abs))).toBeGreaterThan(5e3);
      const { value, grad } = compile(expr, { from: 'embeddings' }).valueAndGrad(y, big);
      const v = value.dataSync()[0]!;
      const g = Array.from(grad.dataSync());
      tf.dispose([value, grad]);
      expect(g.every(Number.isFinite)).toBe(true);
      // float32 similarities of size 1e4 carry absolute rounding ~1e-3
      expect(Math.abs(v - want)).toBeLessThanOrEqual(2e-6 * 1e4 + 1e-5 * Math.abs(want));
    });
  }
});

