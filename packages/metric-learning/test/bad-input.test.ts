// Every export of @losskit/metric-learning: bad input raises a typed LosskitError naming the argument, and every call
// leaves tfjs as it found it: only the returned tensors survive a call (none when it throws), outside tf.tidy.
import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type LosskitErrorCode, compile, ready } from '@losskit/core';
import { f32, randomMatrix, expectCleanThrow } from '@losskit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adaFace, adaFaceNormStats, applyReducer, arcFace, batchAll, batchHard, byol, byolTau, circle, clip, contrastive, cosFace, cosine,
  decoupledSoftmax, distanceMatrix, dotProduct, emaUpdate, euclidean, hardNegativeTopK, icnn, icon, isogclr, isogclrState, kMeans,
  l2Normalize, liftedStructure, lp, mapAtR, mean, meanNonZero, metrix, minePairs, mineTriplets, multiSimilarity, multiSimilarityMiner,
  nPairs, nmi, nmiOfKMeans, ntXent, pairwise, perAnchor, poincare, precisionAt1, projectToBall, protoTriplet, proxyAnchor, proxyNca,
  recallAtK, seclaLoss, seclaScores, semiHard, siglip, supCon, threshold, tripletMargin,
} from '../src/index.js';

const B = 6;
const D = 3;
const E = f32(randomMatrix(B, D, 5));
const Y = [0, 0, 1, 1, 2, 2];
let e: tf.Tensor2D;
let eNaN: tf.Tensor2D;
let mat: tf.Tensor2D;
let rank3: tf.Tensor3D;
let y: tf.Tensor1D;
let faces: tf.Tensor3D;
let names: tf.Tensor3D;
let v: tf.Variable;
let ones3: tf.Tensor;
let ones4: tf.Tensor;
let one: tf.Tensor;
let empty: tf.Tensor2D;
let twos: tf.Tensor;
let nanVec: tf.Tensor;
let zeros2: tf.Tensor;
let matNaN: tf.Tensor;
let y2: tf.Tensor;
let rowMask: tf.Tensor;

beforeAll(async () => {
  await ready();
  e = tf.tensor2d(E);
  eNaN = tf.tensor2d([[NaN, 0, 0], ...E.slice(1)]);
  mat = tf.tidy(() => pairwise(euclidean(), e, e)) as tf.Tensor2D;
  rank3 = tf.zeros([2, 2, 2]);
  y = tf.tensor1d(Y, 'int32');
  faces = tf.tensor3d(f32(randomMatrix(B * 2, D, 6)).flat(), [B, 2, D]);
  names = tf.tensor3d(f32(randomMatrix(B * 2, D, 7)).flat(), [B, 2, D]);
  v = tf.variable(tf.zeros([D]));
  [ones3, ones4, one, empty, twos, nanVec, zeros2] = [tf.ones([3]), tf.ones([4]), tf.scalar(1), tf.zeros([0, 3]), tf.fill([B, 2], 2), tf.tensor1d([NaN, 0, 0]), tf.zeros([2])];
  matNaN = tf.tensor2d([[NaN, 0, 0], [0, 0, 0], [0, 0, 0]]);
  y2 = tf.tensor1d([0, 1], 'int32');
  rowMask = tf.ones([1, B]);
});
afterAll(() => [e, eNaN, mat, rank3, y, faces, names, v, ones3, ones4, one, empty, twos, nanVec, zeros2, matNaN, y2, rowMask].forEach((t) => t.dispose()));

type Case = readonly [name: string, call: () => unknown, code: LosskitErrorCode, argument: string];

const cases: Case[] = [
  // distances and their helpers
  ['pairwise: distance undefined', () => pairwise(undefined as never, e, e), 'INVALID_ARGUMENT', 'distance'],
  ['pairwise: distance a string', () => pairwise('cosine' as never, e, e), 'INVALID_ARGUMENT', 'distance'],
  ['pairwise: a hand-made lp without p', () => pairwise({ kind: 'lp', isInverted: false } as never, e, e), 'INVALID_ARGUMENT', 'distance'],
  ['pairwise: x rank 3', () => pairwise(cosine(), rank3, e), 'RANK_MISMATCH', 'x'],
  ['pairwise: x NaN', () => pairwise(euclidean(), eNaN, e), 'NON_FINITE_INPUT', 'x'],
  ['pairwise: y of another width', () => pairwise(cosine(), e, [[1, 2]]), 'SHAPE_MISMATCH', 'y'],
  ['pairwise: x not a tensor', () => pairwise(cosine(), 'e' as never, e), 'INVALID_ARGUMENT', 'x'],
  ['pairwise: empty x', () => pairwise(cosine(), empty, e), 'EMPTY_BATCH', 'x'],
  ['l2Normalize: NaN', () => l2Normalize(eNaN), 'NON_FINITE_INPUT', 'x'],
  ['l2Normalize: a scalar', () => l2Normalize(3), 'RANK_MISMATCH', 'x'],
  ['projectToBall: c 0', () => projectToBall(e, 0), 'INVALID_PARAMETER', 'c'],
  ['projectToBall: ragged rows', () => projectToBall([[1, 2], [3]], 1), 'SHAPE_MISMATCH', 'x'],
  ['lp: p 0.5', () => lp(0.5), 'INVALID_PARAMETER', 'p'],
  ['lp: squared "yes"', () => lp(2, { squared: 'yes' as never }), 'INVALID_PARAMETER', 'squared'],
  ['euclidean: options null', () => euclidean(null as never), 'INVALID_ARGUMENT', 'options'],
  ['poincare: c −1', () => poincare({ c: -1 }), 'INVALID_PARAMETER', 'c'],
  ['distanceMatrix: bad distance', () => distanceMatrix({ kind: 'hamming' } as never), 'INVALID_ARGUMENT', 'distance'],
  // miners
  ['minePairs: miner a string', () => minePairs('batchHard' as never, mat, y, false), 'INVALID_ARGUMENT', 'miner'],
  ['minePairs: distance matrix undefined', () => minePairs(batchHard(), undefined as never, y, false), 'INVALID_ARGUMENT', 'mat'],
  ['minePairs: distance matrix not square', () => minePairs(batchHard(), e, y, false), 'SHAPE_MISMATCH', 'mat'],
  ['minePairs: NaN in the matrix', () => minePairs(multiSimilarityMiner(), matNaN, [0, 0, 1], true), 'NON_FINITE_INPUT', 'mat'],
  ['minePairs: labels of another length', () => minePairs(batchHard(), mat, [0, 1], false), 'SHAPE_MISMATCH', 'labels'],
  ['minePairs: non-integer label', () => minePairs(batchHard(), mat, [0, 0, 1, 1, 2, 2.5], false), 'NON_INTEGER_LABEL', 'labels'],
  ['minePairs: inverted not a boolean', () => minePairs(batchHard(), mat, y, 'no' as never), 'INVALID_ARGUMENT', 'inverted'],
  ['mineTriplets: a miner object of an unknown kind', () => mineTriplets({ kind: 'random' } as never, mat, y, false), 'INVALID_ARGUMENT', 'miner'],
  ['mineTriplets: rank-3 matrix', () => mineTriplets(semiHard(), rank3, y, false), 'RANK_MISMATCH', 'mat'],
  ['semiHard: margin −1', () => semiHard({ margin: -1 }), 'INVALID_PARAMETER', 'margin'],
  ['hardNegativeTopK: k 0', () => hardNegativeTopK({ k: 0 }), 'INVALID_PARAMETER', 'k'],
  ['multiSimilarityMiner: options null', () => multiSimilarityMiner(null as never), 'INVALID_ARGUMENT', 'options'],
  // reducers
  ['applyReducer: not a reducer', () => applyReducer(ones3, ones3, { kind: 'sum' } as never), 'INVALID_ARGUMENT', 'reducer'],
  ['applyReducer: a threshold with low > high', () => applyReducer(ones3, ones3, { kind: 'threshold', level: 'batch', low: 2, high: 1 } as never), 'INVALID_ARGUMENT', 'reducer'],
  ['applyReducer: mask of another shape', () => applyReducer(ones3, ones4, mean()), 'SHAPE_MISMATCH', 'mask'],
  ['applyReducer: scalar losses', () => applyReducer(one, one, mean()), 'RANK_MISMATCH', 'losses'],
  ['threshold: low above high', () => threshold({ low: 2, high: 1 }), 'INVALID_PARAMETER', 'low'],
  // loss builders
  ['tripletMargin: margin −0.1', () => tripletMargin({ margin: -0.1 }), 'INVALID_PARAMETER', 'margin'],
  ['tripletMargin: options null', () => tripletMargin(null as never), 'INVALID_ARGUMENT', 'options'],
  ['tripletMargin: distance a string', () => tripletMargin({ distance: 'cosine' as never }), 'INVALID_ARGUMENT', 'distance'],
  ['contrastive: reducer a string', () => contrastive({ reducer: 'mean' as never }), 'INVALID_ARGUMENT', 'reducer'],
  ['multiSimilarity: alpha 0', () => multiSimilarity({ alpha: 0 }), 'INVALID_PARAMETER', 'alpha'],
  ['circle: euclidean distance', () => circle({ distance: euclidean() }), 'INVALID_ARGUMENT', 'distance'],
  ['ntXent: temperature 0', () => ntXent({ temperature: 0 }), 'INVALID_PARAMETER', 'temperature'],
  ['nPairs: miner a number', () => nPairs({ miner: 3 as never }), 'INVALID_ARGUMENT', 'miner'],
  ['supCon: options an array', () => supCon([] as never), 'INVALID_ARGUMENT', 'options'],
  ['liftedStructure: margin NaN', () => liftedStructure({ margin: NaN }), 'INVALID_PARAMETER', 'margin'],
  ['clip: logScale a string', () => clip({ logScale: 'x' as never }), 'INVALID_ARGUMENT', 'logScale'],
  ['siglip: bias Infinity', () => siglip({ bias: Infinity }), 'INVALID_PARAMETER', 'bias'],
  ['proxyNca: softmaxScale 0', () => proxyNca({ softmaxScale: 0 }), 'INVALID_PARAMETER', 'softmaxScale'],
  ['proxyAnchor: delta −1', () => proxyAnchor({ delta: -1 }), 'INVALID_PARAMETER', 'delta'],
  ['arcFace: scale 0', () => arcFace({ scale: 0 }), 'INVALID_PARAMETER', 'scale'],
  ['cosFace: margin −1', () => cosFace({ margin: -1 }), 'INVALID_PARAMETER', 'margin'],
  ['adaFace: unknown normStats', () => adaFace({ normStats: 'ema' as never }), 'INVALID_ARGUMENT', 'normStats'],
  ['byol: options null', () => byol(null as never), 'INVALID_ARGUMENT', 'options'],
  ['icon: debias 1', () => icon({ debias: 1 }), 'INVALID_PARAMETER', 'debias'],
  ['decoupledSoftmax: temperature −1', () => decoupledSoftmax({ temperature: -1 }), 'INVALID_PARAMETER', 'temperature'],
  ['protoTriplet: margin −1', () => protoTriplet({ margin: -1 }), 'INVALID_PARAMETER', 'margin'],
  ['icnn: k 1.5', () => icnn({ k: 1.5 }), 'INVALID_PARAMETER', 'k'],
  ['metrix: lambda 2', () => metrix({ lambda: 2 }), 'INVALID_PARAMETER', 'lambda'],
  // stateful helpers
  ['adaFaceNormStats: tAlpha 2', () => adaFaceNormStats({ tAlpha: 2 }), 'INVALID_PARAMETER', 'tAlpha'],
  ['adaFaceNormStats().update: NaN embeddings', () => adaFaceNormStats().update(eNaN), 'NON_FINITE_INPUT', 'embeddings'],
  ['adaFaceNormStats().update: ragged rows', () => adaFaceNormStats().update([[1, 2], [3]]), 'SHAPE_MISMATCH', 'embeddings'],
  ['adaFaceNormStats().update: one row', () => adaFaceNormStats().update([[1, 2, 3]]), 'SHAPE_MISMATCH', 'embeddings'],
  ['isogclrState: size 0', () => isogclrState(0), 'INVALID_PARAMETER', 'size'],
  ['isogclrState().update: ids not an array', () => isogclrState(10).update(3 as never, e), 'INVALID_ARGUMENT', 'ids'],
  ['isogclrState().update: repeated id', () => isogclrState(10).update([1, 1, 2], e), 'INVALID_ARGUMENT', 'ids'],
  ['isogclrState().update: NaN embeddings', () => isogclrState(10).update([1, 2, 3], eNaN), 'NON_FINITE_INPUT', 'embeddings'],
  ['isogclrState().update: 2B rows needed', () => isogclrState(10).update([1, 2], e), 'SHAPE_MISMATCH', 'embeddings'],
  ['byolTau: step beyond totalSteps', () => byolTau(11, 10), 'INVALID_PARAMETER', 'step'],
  ['emaUpdate: target not Variables', () => emaUpdate([e as never], [e], 0.9), 'INVALID_ARGUMENT', 'target'],
  ['emaUpdate: online NaN', () => emaUpdate([v], [nanVec], 0.9), 'NON_FINITE_INPUT', 'online[0]'],
  ['emaUpdate: online of another shape', () => emaUpdate([v], [zeros2], 0.9), 'SHAPE_MISMATCH', 'online[0]'],
  ['emaUpdate: tau 2', () => emaUpdate([v], [v], 2), 'INVALID_PARAMETER', 'tau'],
  ['seclaLoss: faces rank 2', () => seclaLoss(e, names), 'RANK_MISMATCH', 'faces'],
  ['seclaLoss: alpha −1', () => seclaLoss(faces, names, { alpha: -1 }), 'INVALID_PARAMETER', 'alpha'],
  ['seclaScores: a mask of 2s', () => seclaScores(faces, names, { faceMask: twos }), 'INVALID_ARGUMENT', 'faceMask'],
  ['seclaScores: options null', () => seclaScores(faces, names, null as never), 'INVALID_ARGUMENT', 'options'],
  // retrieval and clustering metrics
  ['precisionAt1: empty batch', () => precisionAt1([], []), 'EMPTY_BATCH', 'embeddings'],
  ['recallAtK: empty batch', () => recallAtK([], [], 1), 'EMPTY_BATCH', 'embeddings'],
  ['mapAtR: empty batch', () => mapAtR([], []), 'EMPTY_BATCH', 'embeddings'],
  ['recallAtK: k 0', () => recallAtK(E, Y, 0), 'INVALID_PARAMETER', 'k'],
  ['recallAtK: NaN embedding', () => recallAtK(eNaN, Y, 1), 'NON_FINITE_INPUT', 'embeddings'],
  ['recallAtK: labels of another length', () => recallAtK(E, [0, 1], 1), 'SHAPE_MISMATCH', 'labels'],
  ['recallAtK: non-integer label', () => recallAtK(E, [0, 0, 1, 1, 2, 0.5], 1), 'NON_INTEGER_LABEL', 'labels'],
  ['recallAtK: unknown metric', () => recallAtK(E, Y, 1, { metric: 'manhattan' as never }), 'INVALID_ARGUMENT', 'metric'],
  ['mapAtR: rank-3 embeddings', () => mapAtR(rank3, [0, 1]), 'RANK_MISMATCH', 'embeddings'],
  ['mapAtR: reference of another width', () => mapAtR(E, Y, { reference: { embeddings: [[1, 2]], labels: [0] } }), 'SHAPE_MISMATCH', 'reference.embeddings'],
  ['precisionAt1: labels a tensor of another length', () => precisionAt1(e, y2), 'SHAPE_MISMATCH', 'labels'],
  ['kMeans: k 7 for 6 rows', () => kMeans(E, 7), 'INVALID_PARAMETER', 'k'],
  ['kMeans: NaN row', () => kMeans(eNaN, 2), 'NON_FINITE_INPUT', 'rows'],
  ['nmi: lengths differ', () => nmi([0, 1], [0]), 'SHAPE_MISMATCH', 'b'],
  ['nmi: empty', () => nmi([], []), 'EMPTY_BATCH', 'a'],
  ['nmiOfKMeans: labels of another length', () => nmiOfKMeans(E, [0]), 'SHAPE_MISMATCH', 'labels'],
];

describe('every export: bad input gives a typed LosskitError naming the argument and leaves no tensor behind', () => {
  for (const [name, call, code, argument] of cases) {
    it(`${name}: ${code} (${argument})`, () => {
      const error = expectCleanThrow(call, code, name);
      expect(error.argument, error.message).toBe(argument);
    });
  }
});

describe('every export that works on tensors, called outside tf.tidy, keeps only the tensors it returns', () => {
  const returning: [string, () => unknown][] = [
    ['pairwise (every distance)', () => [cosine(), dotProduct(), euclidean(), lp(3), lp(2, { normalize: true }), poincare()].map((d) => pairwise(d, e, E))],
    ['pairwise (x === y)', () => pairwise(cosine(), e, e)],
    ['l2Normalize', () => l2Normalize(E)],
    ['projectToBall', () => projectToBall(e, 2)],
    ['minePairs (every miner)', () => [undefined, batchAll(), batchHard(), semiHard(), multiSimilarityMiner(), hardNegativeTopK({ k: 2 })].map((m) => minePairs(m, mat, Y, false))],
    ['mineTriplets (every miner)', () => [undefined, batchAll(), batchHard(), semiHard(), multiSimilarityMiner(), hardNegativeTopK()].map((m) => mineTriplets(m, mat, y, false))],
    ['applyReducer (every reducer)', () => [mean(), meanNonZero(), threshold({ low: 0.1 }), perAnchor()].map((r) => applyReducer(mat, rowMask, r))],
    ['seclaLoss', () => seclaLoss(faces, names)],
    ['seclaScores', () => seclaScores(faces, names)],
    ['adaFaceNormStats().update', () => void adaFaceNormStats().update(e)],
    ['isogclrState().update', () => void isogclrState(10).update([1, 2, 3], e)],
    ['emaUpdate', () => emaUpdate([v], [ones3], 0.5)],
    ['recallAtK, precisionAt1, mapAtR, kMeans, nmi, nmiOfKMeans on tensors', () => [recallAtK(e, y, 2), precisionAt1(e, y), mapAtR(e, y), kMeans(e, 2).length, nmi(y, y), nmiOfKMeans(e, y)].reduce((a, b) => a + b, 0)],
  ];
  const tensorsIn = (out: unknown): tf.Tensor[] =>
    out instanceof tf.Tensor ? [out] : Array.isArray(out) ? out.flatMap(tensorsIn) : out && typeof out === 'object' ? Object.values(out).flatMap(tensorsIn) : [];
  for (const [name, call] of returning) {
    it(name, () => {
      const before = tf.memory().numTensors;
      const out = call();
      const kept = tensorsIn(out);
      expect(tf.memory().numTensors - before).toBe(kept.length);
      kept.forEach((t) => t.dispose());
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('compiled losses: bad batches are typed errors and leak nothing', () => {
  const W = f32(randomMatrix(3, D, 8));
  const losses: [string, Expr<'sample' | 'batch', 'any'>, Record<string, number[][]>][] = [
    ['tripletMargin', tripletMargin({ miner: batchHard() }), {}],
    ['contrastive', contrastive({ miner: multiSimilarityMiner() }), {}],
    ['multiSimilarity', multiSimilarity(), {}],
    ['circle', circle(), {}],
    ['ntXent', ntXent({ miner: hardNegativeTopK() }), {}],
    ['supCon', supCon(), {}],
    ['liftedStructure', liftedStructure(), {}],
    ['icon', icon(), {}],
    ['decoupledSoftmax', decoupledSoftmax(), {}],
    ['protoTriplet', protoTriplet(), {}],
    ['icnn', icnn(), {}],
    ['metrix', metrix({ lambda: 0.5 }), {}],
    ['proxyNca', proxyNca(), { proxies: W }],
    ['proxyAnchor', proxyAnchor(), { proxies: W }],
    ['arcFace', arcFace(), { weights: W }],
    ['cosFace', cosFace(), { weights: W }],
    ['adaFace', adaFace(), { weights: W }],
    ['byol', byol(), { target: E }],
    ['clip', clip(), { text: E }],
    ['siglip', siglip(), { text: E }],
  ];
  for (const [name, expr, inputs] of losses) {
    it(`${name}: a valid call keeps only its result; NaN embeddings and labels of another length throw and keep nothing`, () => {
      const loss = compile(expr, { from: 'embeddings' });
      const before = tf.memory().numTensors;
      const value = loss(Y, E, { inputs });
      expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
      value.dispose();
      expect(tf.memory().numTensors).toBe(before);
      const bad: [unknown, unknown, LosskitErrorCode][] = [
        [Y, [[NaN, 0, 0], ...E.slice(1)], 'NON_FINITE_INPUT'],
        [[0, 1], E, 'SHAPE_MISMATCH'],
      ];
      for (const [labels, emb, code] of bad) {
        expect(() => loss(labels as number[], emb as number[][], { inputs })).toThrow(expect.objectContaining({ name: 'LosskitError', code }));
        expect(tf.memory().numTensors).toBe(before);
      }
    });
  }

  it('proxy losses: a class matrix of the wrong width and a label beyond the proxies are typed errors that leak nothing', () => {
    const loss = compile(proxyNca(), { from: 'embeddings' });
    const before = tf.memory().numTensors;
    expect(() => loss(Y, E, { inputs: { proxies: [[1, 2]] } })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH', argument: 'inputs.proxies' }));
    expect(() => loss([0, 0, 1, 1, 2, 3], E, { inputs: { proxies: W } })).toThrow(expect.objectContaining({ code: 'LABEL_OUT_OF_RANGE', argument: 'yTrue' }));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('isogclr: inputs of the wrong size are typed errors that leak nothing', () => {
    const loss = compile(isogclr(), { from: 'embeddings' });
    const before = tf.memory().numTensors;
    expect(() => loss(Y, E, { inputs: { isogclrTau: [[0.1]], isogclrS: [[1]] } })).toThrow(LosskitError);
    expect(tf.memory().numTensors).toBe(before);
  });
});
