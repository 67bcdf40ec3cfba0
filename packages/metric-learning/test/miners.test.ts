// PML's miners (miners/*.py @216a792) against float64 re-implementations of their definitions, run through `mine()`
// (PML's `miner(embeddings, labels)`), plus index tuples given per call and the reducers added for issue #20.
import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type IndexTuple, type MiningStrategy, angularMiner, applyReducer, arcFace, lossElements, batchEasyHardMiner, batchHard, classWeighted, contrastive, cosine,
  distanceWeightedMiner, divisor, euclidean, hdcMiner, meanNonZero, mine, minePairs, mineTriplets, multipleReducers, multiSimilarityMiner,
  packagedTriplets, pairMarginMiner, semiHard, sum, tripletMargin, tripletMarginMiner, tupleInputs, tuples, uniformHistogramMiner,
} from '../src/index.js';
import * as R from './reference.js';

beforeAll(async () => {
  await ready();
});

const y = [0, 1, 0, 2, 1, 2, 0, 1, 2, 3];
const B = y.length;
const D = 3;
const E = f32(randomMatrix(B, D, 501));
const mat = R.matrix(E, R.EUC);
const pairsOf = (t: IndexTuple) => {
  if (t.kind !== 'pairs') throw new Error('expected pairs');
  return {
    pos: Array.from(t.a1, (a, k) => `${a},${t.p[k]}`).sort(),
    neg: Array.from(t.a2, (a, k) => `${a},${t.n[k]}`).sort(),
  };
};
const tripletsOf = (t: IndexTuple) => {
  if (t.kind !== 'triplets') throw new Error('expected triplets');
  return Array.from(t.a, (a, k) => `${a},${t.p[k]},${t.n[k]}`).sort();
};

/** PML BatchEasyHardMiner on distances (closer = smaller d), ties to the lowest index. */
function easyHardRef(pos: MiningStrategy, neg: MiningStrategy, posRange?: [number, number], negRange?: [number, number]) {
  const pick = (a: number, same: boolean, farthest: boolean, range?: [number, number], beyond?: (d: number) => boolean) => {
    let best = -1;
    for (let j = 0; j < B; j++) {
      if (same ? !(j !== a && y[j] === y[a]) : y[j] === y[a]) continue;
      const d = mat[a]![j]!;
      if (range && (d < range[0] || d > range[1])) continue;
      if (beyond && !beyond(d)) continue;
      if (best < 0 || (farthest ? d > mat[a]![best]! : d < mat[a]![best]!)) best = j;
    }
    return best;
  };
  const posFar = pos === 'hard' || pos === 'semihard';
  const negFar = neg === 'easy';
  const P: number[] = [];
  const N: number[] = [];
  for (let a = 0; a < B; a++) {
    let p = -1;
    let n = -1;
    if (pos === 'semihard' && neg !== 'all') {
      n = pick(a, false, negFar, negRange);
      p = n < 0 ? -1 : pick(a, true, true, posRange, (d) => d < mat[a]![n]!);
    } else if (neg === 'semihard' && pos !== 'all') {
      p = pick(a, true, posFar, posRange);
      n = p < 0 ? -1 : pick(a, false, false, negRange, (d) => d > mat[a]![p]!);
    } else {
      if (pos !== 'all') p = pick(a, true, posFar, posRange);
      if (neg !== 'all') n = pick(a, false, negFar, negRange);
    }
    P.push(p);
    N.push(n);
  }
  const all = R.allPairs(y);
  const list = (m: boolean[][]) => m.flatMap((row, a) => row.flatMap((v, j) => (v ? [`${a},${j}`] : [])));
  if (pos !== 'all' && neg !== 'all') {
    const keep = P.map((p, a) => (p >= 0 && N[a]! >= 0 ? a : -1)).filter((a) => a >= 0);
    return { pos: keep.map((a) => `${a},${P[a]}`).sort(), neg: keep.map((a) => `${a},${N[a]}`).sort() };
  }
  return {
    pos: (pos === 'all' ? list(all.pos) : P.flatMap((p, a) => (p >= 0 ? [`${a},${p}`] : []))).sort(),
    neg: (neg === 'all' ? list(all.neg) : N.flatMap((n, a) => (n >= 0 ? [`${a},${n}`] : []))).sort(),
  };
}

describe('batchEasyHardMiner (PML BatchEasyHardMiner)', () => {
  const combos: [MiningStrategy, MiningStrategy, [number, number]?, [number, number]?][] = [
    ['easy', 'semihard'], ['hard', 'hard'], ['semihard', 'easy'], ['easy', 'easy'], ['hard', 'semihard'], ['all', 'hard'], ['hard', 'all'], ['all', 'all'],
    ['easy', 'hard', [0.5, 2], [0, 1.5]],
  ];
  for (const [pos, neg, pr, nr] of combos) {
    it(`${pos} positives, ${neg} negatives${pr ? ', with allowed ranges' : ''}`, () => {
      const got = pairsOf(mine(batchEasyHardMiner({ posStrategy: pos, negStrategy: neg, ...(pr ? { allowedPosRange: pr } : {}), ...(nr ? { allowedNegRange: nr } : {}) }), E, y, { distance: euclidean() }));
      const want = easyHardRef(pos, neg, pr, nr);
      expect(want.pos.length + want.neg.length).toBeGreaterThan(0);
      expect(got).toEqual(want);
    });
  }
  it('refuses semihard with semihard or all (as PML)', () => {
    expectCleanThrow(() => batchEasyHardMiner({ posStrategy: 'semihard', negStrategy: 'semihard' }), 'INVALID_PARAMETER');
    expectCleanThrow(() => batchEasyHardMiner({ posStrategy: 'all', negStrategy: 'semihard' }), 'INVALID_PARAMETER');
    expectCleanThrow(() => batchEasyHardMiner({ posStrategy: 'medium' as never }), 'INVALID_PARAMETER');
  });
});

describe('pair miners', () => {
  const all = R.allPairs(y);
  const cells = (keepPos: (d: number) => boolean, keepNeg: (d: number) => boolean) => ({
    pos: all.pos.flatMap((row, a) => row.flatMap((v, j) => (v && keepPos(mat[a]![j]!) ? [`${a},${j}`] : []))).sort(),
    neg: all.neg.flatMap((row, a) => row.flatMap((v, j) => (v && keepNeg(mat[a]![j]!) ? [`${a},${j}`] : []))).sort(),
  });
  it('pairMarginMiner: positives farther than m⁺, negatives nearer than m⁻ (distances); similarities flip', () => {
    expect(pairsOf(mine(pairMarginMiner({ posMargin: 1, negMargin: 1.6 }), E, y, { distance: euclidean() }))).toEqual(cells((d) => d > 1, (d) => d < 1.6));
    const s = R.matrix(E, R.COS);
    const got = pairsOf(mine(pairMarginMiner({ posMargin: 0.5, negMargin: 0 }), E, y, { distance: cosine() }));
    expect(got.pos).toEqual(all.pos.flatMap((row, a) => row.flatMap((v, j) => (v && s[a]![j]! < 0.5 ? [`${a},${j}`] : []))).sort());
    expect(got.neg).toEqual(all.neg.flatMap((row, a) => row.flatMap((v, j) => (v && s[a]![j]! > 0 ? [`${a},${j}`] : []))).sort());
  });
  it('hdcMiner: the ⌈f·|P|⌉ farthest positive and ⌈f·|N|⌉ nearest negative pairs of the batch', () => {
    const flat = (m: boolean[][]) => m.flatMap((row, a) => row.flatMap((v, j) => (v ? [[a, j, mat[a]![j]!] as const] : [])));
    const P = flat(all.pos).sort((u, v) => v[2] - u[2]);
    const N = flat(all.neg).sort((u, v) => u[2] - v[2]);
    const got = pairsOf(mine(hdcMiner({ filterPercentage: 0.3 }), E, y, { distance: euclidean() }));
    expect(got.pos).toEqual(P.slice(0, Math.ceil(0.3 * P.length)).map(([a, j]) => `${a},${j}`).sort());
    expect(got.neg).toEqual(N.slice(0, Math.ceil(0.3 * N.length)).map(([a, j]) => `${a},${j}`).sort());
  });
  it('multiSimilarityMiner through mine() matches the reference miner', () => {
    const { pos, neg } = R.minePairsRef({ kind: 'ms', eps: 0.1 }, R.matrix(E, R.COS), R.COS, y);
    const list = (m: boolean[][]) => m.flatMap((row, a) => row.flatMap((v, j) => (v ? [`${a},${j}`] : []))).sort();
    expect(pairsOf(mine(multiSimilarityMiner(), E, y))).toEqual({ pos: list(pos), neg: list(neg) });
  });
  it('uniformHistogramMiner: perBin draws from every non-empty equal-width bin, deterministic under the seed', () => {
    const m = uniformHistogramMiner({ numBins: 4, posPerBin: 3, negPerBin: 2, seed: 7 });
    const t = mine(m, E, y, { distance: euclidean() });
    if (t.kind !== 'pairs') throw new Error('pairs');
    const binsOf = (isPos: boolean) => {
      const vals = (isPos ? all.pos : all.neg).flatMap((row, a) => row.flatMap((v, j) => (v ? [mat[a]![j]!] : [])));
      const lo = Math.min(...vals);
      const hi = Math.max(...vals);
      const w = (hi - lo) / 4;
      return new Set(vals.map((v) => Math.min(3, Math.floor((v - lo) / w)))).size;
    };
    expect(t.a1.length).toBe(3 * binsOf(true));
    expect(t.a2.length).toBe(2 * binsOf(false));
    for (let k = 0; k < t.a1.length; k++) expect(all.pos[t.a1[k]!]![t.p[k]!]).toBe(true);
    for (let k = 0; k < t.a2.length; k++) expect(all.neg[t.a2[k]!]![t.n[k]!]).toBe(true);
    expect(pairsOf(mine(m, E, y, { distance: euclidean() }))).toEqual(pairsOf(t));
    expect(pairsOf(mine(uniformHistogramMiner({ numBins: 4, posPerBin: 3, negPerBin: 2, seed: 8 }), E, y, { distance: euclidean() }))).not.toEqual(pairsOf(t));
  });
});

describe('triplet miners', () => {
  it('tripletMarginMiner lists exactly PML\'s triplets for each type', () => {
    for (const type of ['all', 'hard', 'semihard', 'easy'] as const) {
      const got = tripletsOf(mine(tripletMarginMiner({ margin: 0.3, type }), E, y, { distance: euclidean() }));
      const want = R.allTriplets(y).filter(([a, p, n]) => {
        const g = mat[a]![n]! - mat[a]![p]!;
        return type === 'all' ? g <= 0.3 : type === 'hard' ? g <= 0 : type === 'semihard' ? g > 0 && g <= 0.3 : g > 0.3;
      }).map((t) => t.join(',')).sort();
      expect(got).toEqual(want);
    }
  });
  it('angularMiner: triplets whose angle at the negative exceeds the threshold (normalized embeddings)', () => {
    const u = E.map((r) => r.map((v) => v / Math.hypot(...r)));
    const angle = (a: number, p: number, n: number) => {
      const ap = Math.hypot(...u[a]!.map((v, k) => v - u[p]![k]!));
      const nc = Math.hypot(...u[n]!.map((v, k) => v - (u[a]![k]! + u[p]![k]!) / 2));
      return Math.atan(ap / (2 * nc));
    };
    const want = R.allTriplets(y).filter(([a, p, n]) => angle(a, p, n) > (25 * Math.PI) / 180).map((t) => t.join(',')).sort();
    expect(want.length).toBeGreaterThan(0);
    expect(tripletsOf(mine(angularMiner({ angle: 25 }), E, y))).toEqual(want);
  });
  it('distanceWeightedMiner: per anchor one triplet per member of its class, negatives only where the weight is positive', () => {
    const big = f32(randomMatrix(24, 8, 503));
    const yy = Array.from({ length: 24 }, (_, i) => i % 4);
    const t = mine(distanceWeightedMiner({ seed: 3 }), big, yy);
    if (t.kind !== 'triplets') throw new Error('triplets');
    const u = big.map((r) => r.map((v) => v / Math.hypot(...r)));
    const dist = (i: number, j: number) => Math.hypot(...u[i]!.map((v, k) => v - u[j]![k]!));
    const perAnchor = new Map<number, number>();
    for (let k = 0; k < t.a.length; k++) {
      const [a, p, n] = [t.a[k]!, t.p[k]!, t.n[k]!];
      perAnchor.set(a, (perAnchor.get(a) ?? 0) + 1);
      expect(p !== a && yy[p] === yy[a]).toBe(true);
      expect(yy[n] !== yy[a] && Math.max(dist(a, n), 0.5) < 1.4).toBe(true);
    }
    expect([...perAnchor.values()].every((c) => c === 6)).toBe(true);
    expect(tripletsOf(mine(distanceWeightedMiner({ seed: 3 }), big, yy))).toEqual(tripletsOf(t));
  });
  it('packagedTriplets: consecutive (a, p, n) groups', () => {
    expect(tripletsOf(mine(packagedTriplets(), E, y))).toEqual(['0,1,2', '3,4,5', '6,7,8']);
  });
  it('mineTriplets / minePairs on a matrix: tensors of indices and multiplicities, no leaks', () => {
    const m = tf.tensor2d(mat);
    const out = expectNoLeaks(() => {
      const t = mineTriplets(batchHard(), m, y, false);
      const p = minePairs(semiHard({ margin: 0.4 }), m, y, false);
      const r = { n: t.anchors.shape[0], pos: Array.from(p.pos.dataSync()), a: Array.from(t.anchors.dataSync()) };
      tf.dispose([t.anchors, t.positives, t.negatives, p.pos, p.neg]);
      return r;
    });
    m.dispose();
    expect(out.a).toEqual(R.mineTripletsRef({ kind: 'batchHard' }, mat, R.EUC, y).map(([a]) => a));
    const semi = R.mineTripletsRef({ kind: 'semiHard', margin: 0.4 }, mat, R.EUC, y);
    expect(out.pos.reduce((s, v) => s + v, 0)).toBe(new Set(semi.map(([a, p]) => `${a},${p}`)).size);
  });
});

describe('index tuples given per call (PML indices_tuple)', () => {
  it('a loss with tuples() given mine()\'s output equals the loss with the miner itself', () => {
    for (const [miner, dist] of [[semiHard({ margin: 0.5 }), euclidean()], [batchEasyHardMiner({ posStrategy: 'hard', negStrategy: 'hard' }), euclidean()]] as const) {
      const t = mine(miner, E, y, { distance: dist });
      const direct = compile(tripletMargin({ margin: 0.4, miner }), { from: 'embeddings' })(y, E);
      const given = compile(tripletMargin({ margin: 0.4, miner: tuples({ output: t.kind }) }), { from: 'embeddings' })(y, E, { inputs: tupleInputs(t) });
      expect(Math.abs(direct.dataSync()[0]! - given.dataSync()[0]!)).toBeLessThan(1e-6);
      tf.dispose([direct, given]);
    }
  });
  it('bad tuples: wrong shape, indices out of range (typed, nothing leaked)', () => {
    const l = compile(contrastive({ miner: tuples() }), { from: 'embeddings' });
    expectCleanThrow(() => l(y, E, { inputs: { triplets: [[0, 1], [1, 0]] } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => l.valueAndGrad(y, E, { inputs: { triplets: [[0], [1], [B]] } }), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => l(y, E), 'MISSING_INPUT');
    expectCleanThrow(() => mine(tuples(), E, y), 'INVALID_ARGUMENT');
    expectCleanThrow(() => tupleInputs({} as never), 'INVALID_ARGUMENT');
  });
});

describe('reducers added for issue #20', () => {
  it('multipleReducers: one reducer per sub-loss of contrastive (PML MultipleReducers), summed', () => {
    const all = R.allPairs(y);
    const lp = all.pos.flatMap((row, a) => row.flatMap((v, j) => (v ? [Math.max(0, mat[a]![j]! - 0.3)] : [])));
    const ln = all.neg.flatMap((row, a) => row.flatMap((v, j) => (v ? [Math.max(0, 1.2 - mat[a]![j]!)] : [])));
    const nz = lp.filter((v) => v > 0);
    const want = nz.reduce((s, v) => s + v, 0) / nz.length + ln.reduce((s, v) => s + v, 0);
    const v = compile(contrastive({ posMargin: 0.3, negMargin: 1.2, reducer: multipleReducers({ pos_loss: meanNonZero(), neg_loss: sum() }) }), { from: 'embeddings' })(y, E);
    expect(Math.abs(v.dataSync()[0]! - want)).toBeLessThan(1e-5 * want);
    v.dispose();
  });
  it('divisor without a loss-supplied divisor is a plain sum; applyReducer handles sum, divisor and classWeighted', () => {
    const t = R.allTriplets(y).map(([a, p, n]) => Math.max(0, mat[a]![p]! - mat[a]![n]! + 0.2));
    const v = compile(tripletMargin({ margin: 0.2, reducer: divisor() }), { from: 'embeddings' })(y, E);
    expect(Math.abs(v.dataSync()[0]! - t.reduce((s, x) => s + x, 0))).toBeLessThan(1e-4);
    v.dispose();
    const l = [[1, 2], [3, 0]];
    const m = [[1, 1], [1, 0]];
    const got = expectNoLeaks(() => {
      const r = [applyReducer(l, m, sum()), applyReducer(l, m, divisor(), { divisor: 4 }), applyReducer(l, m, classWeighted([2, 0.5]), { labels: [1, 0] })];
      const out = r.map((x) => x.dataSync()[0]!);
      tf.dispose(r);
      return out;
    });
    expect(got).toEqual([6, 1.5, (1 * 0.5 + 2 * 0.5 + 3 * 2) / 3]);
  });
  it('errors: mixed levels, unknown sub-loss reducers, class weights without labels', () => {
    expectCleanThrow(() => multipleReducers({ pos_loss: sum() }, { kind: 'perAnchor', level: 'sample' } as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => multipleReducers({ pos_loss: 'sum' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => classWeighted([]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => classWeighted([1, Number.NaN]), 'INVALID_PARAMETER');
    expectCleanThrow(() => applyReducer([1, 2], [1, 1], classWeighted([1])), 'MISSING_INPUT');
    expectCleanThrow(() => compile(contrastive({ reducer: classWeighted([1, 1]) }), { from: 'embeddings' })(y, E), 'LABEL_OUT_OF_RANGE');
  });
});

describe('lossElements (PML DoNothingReducer)', () => {
  it('contrastive: every pair with its hinge, per sub-loss, listed like PML (a1, p) / (a2, n)', () => {
    const out = expectNoLeaks(() => lossElements(contrastive({ posMargin: 0.3, negMargin: 1.2 }), y, E));
    const all = R.allPairs(y);
    const pos = all.pos.flatMap((row, a) => row.flatMap((v, j) => (v ? [[a, j, Math.max(0, mat[a]![j]! - 0.3)]] : [])));
    expect(out.pos_loss!.reductionType).toBe('pos_pair');
    expect(Array.from(out.pos_loss!.indices[0]!)).toEqual(pos.map((t) => t[0]));
    expect(Array.from(out.pos_loss!.indices[1]!)).toEqual(pos.map((t) => t[1]));
    Array.from(out.pos_loss!.losses).forEach((v, i) => expect(Math.abs(v - pos[i]![2]!)).toBeLessThan(1e-5));
    expect(out.neg_loss!.losses.length).toBe(all.neg.flat().filter(Boolean).length);
  });
  it('triplets a loss never lists (semi-hard windows) are listed with their hinge', () => {
    const out = lossElements(tripletMargin({ margin: 0.3, miner: semiHard({ margin: 0.5 }) }), y, E).loss!;
    const want = R.mineTripletsRef({ kind: 'semiHard', margin: 0.5 }, mat, R.EUC, y);
    expect(out.reductionType).toBe('triplet');
    expect(out.losses.length).toBe(want.length);
    const got = Array.from(out.losses, (l, k) => `${out.indices[0]![k]},${out.indices[1]![k]},${out.indices[2]![k]}:${l.toFixed(4)}`).sort();
    expect(got).toEqual(want.map(([a, p, n]) => `${a},${p},${n}:${Math.max(0, mat[a]![p]! - mat[a]![n]! + 0.3).toFixed(4)}`).sort());
  });
  it('errors: not a pair loss', () => {
    expectCleanThrow(() => lossElements(arcFace() as never, y, E), 'INVALID_ARGUMENT');
  });
});
