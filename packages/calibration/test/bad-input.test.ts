// Every export of @losskit/calibration, called with bad input: a typed LosskitError that names the argument, and
// tfjs left as it was (no tensor created by the call survives it, also when it throws).
import * as tf from '@tensorflow/tfjs-core';
import { type LosskitErrorCode, ready } from '@losskit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanThrow } from '@losskit/core/testing';
import {
  BayesianConformal,
  CorrectnessAwareCalibrator,
  HistogramBinning,
  IsotonicRegression,
  MatrixScaling,
  PlattScaling,
  SplitConformal,
  TemperatureScaling,
  VectorScaling,
  accuracy,
  bootstrapCi,
  brierScore,
  classwiseEce,
  conformalQuantile,
  correctnessAwareLoss,
  coverage,
  ece,
  ksCalibrationError,
  loadCalibrator,
  mce,
  meanSetSize,
  nll,
  reliabilityDiagram,
  renderReliabilitySvg,
  topLabelEce,
} from '../src/index.js';

const z = [[2, 0, -1], [0, 1, 3], [1, 2, 0], [-1, 0, 2], [3, 1, 0], [0, 2, 1]];
const y = [0, 2, 1, 2, 0, 1];
const rank3 = z.map((r) => r.map((v) => [v]));
const probs = [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.6, 0.2], [0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [0.2, 0.5, 0.3]];
let tRank3: tf.Tensor;
let tLogits: tf.Tensor2D;
let tNaN: tf.Tensor2D;
let tTemps: tf.Tensor1D;
let tZeroTemps: tf.Tensor1D;

beforeAll(async () => {
  await ready();
  tRank3 = tf.tensor3d(rank3);
  tLogits = tf.tensor2d(z);
  tNaN = tf.tensor2d([[NaN, 0, 0], ...z.slice(1)]);
  tTemps = tf.ones([6]);
  tZeroTemps = tf.zeros([6]);
});
afterAll(() => [tRank3, tLogits, tNaN, tTemps, tZeroTemps].forEach((t) => t.dispose()));

type Case = readonly [name: string, call: () => unknown, code: LosskitErrorCode, argument: string];

const metrics = { ece, mce, classwiseEce, topLabelEce, ksCalibrationError, brierScore, nll, accuracy, reliabilityDiagram } as const;
const metricCases: Case[] = Object.entries(metrics).flatMap(([name, f]): Case[] => [
  [`${name}: rank-3 nested arrays`, () => f(rank3 as never, y), 'RANK_MISMATCH', 'predictions'],
  [`${name}: rank-3 tensor`, () => f(tRank3, y), 'RANK_MISMATCH', 'predictions'],
  [`${name}: 1-D predictions`, () => f([0.1, 0.9] as never, [1]), 'RANK_MISMATCH', 'predictions'],
  [`${name}: NaN logit`, () => f(tNaN, y), 'NON_FINITE_INPUT', 'predictions'],
  [`${name}: a string entry`, () => f([[0, 'a'], [1, 0]] as never, [0, 1]), 'INVALID_ARGUMENT', 'predictions'],
  [`${name}: empty`, () => f([], []), 'EMPTY_BATCH', 'predictions'],
  [`${name}: labels [N, 1]`, () => f(z, y.map((v) => [v]) as never), 'RANK_MISMATCH', 'labels'],
  [`${name}: label null`, () => f(z, [null, 2, 1, 2, 0, 1] as never), 'INVALID_ARGUMENT', 'labels'],
  [`${name}: label out of range`, () => f(z, [0, 2, 1, 2, 0, 3]), 'LABEL_OUT_OF_RANGE', 'labels'],
  [`${name}: too few labels`, () => f(z, [0, 1]), 'SHAPE_MISMATCH', 'labels'],
  [`${name}: probabilities not summing to 1`, () => f(probs.map((r) => r.map((p) => p * 1.5)), y, { from: 'probs' }), 'INVALID_ARGUMENT', 'predictions'],
  [`${name}: negative probability`, () => f([[1.1, -0.1, 0], ...probs.slice(1)], y, { from: 'probs' }), 'INVALID_ARGUMENT', 'predictions'],
  [`${name}: unknown from`, () => f(z, y, { from: 'softmax' } as never), 'INVALID_ARGUMENT', 'from'],
  [`${name}: options null`, () => f(z, y, null as never), 'INVALID_ARGUMENT', 'options'],
]);

const fitters = { TemperatureScaling, VectorScaling, MatrixScaling, HistogramBinning, IsotonicRegression } as const;
const fitCases: Case[] = Object.entries(fitters).flatMap(([name, Cls]): Case[] => {
  // 6 samples: histogram binning needs bins <= N.
  const C = { fit: (x: unknown, labels: unknown, o: object | null = {}) => Cls.fit(x as never, labels as never, o === null ? (null as never) : { ...(name === 'HistogramBinning' ? { bins: 2 } : {}), ...o }) };
  return [
  [`${name}.fit: rank-3 nested arrays`, () => C.fit(rank3 as never, y), 'RANK_MISMATCH', 'predictions'],
  [`${name}.fit: rank-3 tensor`, () => C.fit(tRank3, y), 'RANK_MISMATCH', 'predictions'],
  [`${name}.fit: NaN logit`, () => C.fit(tNaN, y), 'NON_FINITE_INPUT', 'predictions'],
  [`${name}.fit: labels [N, 1]`, () => C.fit(z, y.map((v) => [v]) as never), 'RANK_MISMATCH', 'labels'],
  [`${name}.fit: label 1.5`, () => C.fit(z, [0, 2, 1.5, 2, 0, 1]), 'NON_INTEGER_LABEL', 'labels'],
  [`${name}.fit: options null`, () => C.fit(z, y, null as never), 'INVALID_ARGUMENT', 'options'],
  [`${name}.transform: rank 3`, () => C.fit(z, y).transform(rank3 as never), 'RANK_MISMATCH', 'predictions'],
  [`${name}.transform: wrong width`, () => C.fit(z, y).transform([[1, 2]]), 'SHAPE_MISMATCH', 'predictions'],
  [`${name}.transform: options not an object`, () => C.fit(z, y).transform(z, 3 as never), 'INVALID_ARGUMENT', 'options'],
  ];
});

const binary = z.map((r) => [r[0]!, r[1]!]);
const by = [0, 1, 1, 1, 0, 1];
const cases: Case[] = [
  ...metricCases,
  ...fitCases,
  ['PlattScaling.fit: rank-3', () => PlattScaling.fit(rank3 as never, by), 'RANK_MISMATCH', 'predictions'],
  ['PlattScaling.fit: 3 columns', () => PlattScaling.fit(z, by), 'SHAPE_MISMATCH', 'predictions'],
  ['PlattScaling.fit: label 2', () => PlattScaling.fit(binary, [0, 1, 2, 1, 0, 1]), 'LABEL_OUT_OF_RANGE', 'labels'],
  ['PlattScaling.fit: rows of probabilities summing to 1.5', () => PlattScaling.fit(binary.map(() => [0.75, 0.75]), by, { from: 'probs' }), 'INVALID_ARGUMENT', 'predictions'],
  ['TemperatureScaling.fit: initialTemperature 0', () => TemperatureScaling.fit(z, y, { initialTemperature: 0 }), 'INVALID_PARAMETER', 'initialTemperature'],
  ['MatrixScaling.fit: negative penalty', () => MatrixScaling.fit(z, y, { offDiagonalPenalty: -1 }), 'INVALID_PARAMETER', 'offDiagonalPenalty'],
  ['HistogramBinning.fit: more bins than samples', () => HistogramBinning.fit(z, y, { bins: 7 }), 'INVALID_ARGUMENT', 'bins'],
  ['ece: bins 0', () => ece(z, y, { bins: 0 }), 'INVALID_PARAMETER', 'bins'],
  ['ece: unknown strategy', () => ece(z, y, { bins: 2, strategy: 'quantile' as never }), 'INVALID_ARGUMENT', 'strategy'],
  ['ece: unknown norm', () => ece(z, y, { bins: 2, norm: 'l3' as never }), 'INVALID_ARGUMENT', 'norm'],
  ['nll: epsilon 0', () => nll(z, y, { epsilon: 0 }), 'INVALID_PARAMETER', 'epsilon'],
  ['bootstrapCi: metric not a function', () => bootstrapCi(3 as never, z, y, {}), 'INVALID_ARGUMENT', 'metric'],
  ['bootstrapCi: level 1', () => bootstrapCi(ece, z, y, {}, { level: 1 }), 'INVALID_PARAMETER', 'level'],
  ['bootstrapCi: rank-3 predictions', () => bootstrapCi(ece, rank3 as never, y, {}), 'RANK_MISMATCH', 'predictions'],
  ['bootstrapCi: a metric returning NaN', () => bootstrapCi(() => NaN, z, y, {}, { resamples: 5 }), 'NON_FINITE_OUTPUT', 'metric'],
  ['conformalQuantile: NaN score', () => conformalQuantile([NaN, 1], 0.1), 'NON_FINITE_INPUT', 'scores'],
  ['conformalQuantile: alpha −0.1', () => conformalQuantile([0.5, 1], -0.1), 'INVALID_PARAMETER', 'alpha'],
  ['conformalQuantile: scores not an array', () => conformalQuantile(5 as never, 0.1), 'INVALID_ARGUMENT', 'scores'],
  ['conformalQuantile: empty', () => conformalQuantile([], 0.1), 'EMPTY_BATCH', 'scores'],
  ['SplitConformal.fit: rank-3', () => SplitConformal.fit(rank3 as never, y), 'RANK_MISMATCH', 'predictions'],
  ['SplitConformal.fit: alpha 1', () => SplitConformal.fit(z, y, { alpha: 1 }), 'INVALID_PARAMETER', 'alpha'],
  ['SplitConformal.fit: unknown score', () => SplitConformal.fit(z, y, { score: 'raps' as never }), 'INVALID_ARGUMENT', 'score'],
  ['SplitConformal.predict: wrong width', () => SplitConformal.fit(z, y).predict([[1, 2]]), 'SHAPE_MISMATCH', 'predictions'],
  ['SplitConformal.predict: options null', () => SplitConformal.fit(z, y).predict(z, null as never), 'INVALID_ARGUMENT', 'options'],
  ['BayesianConformal.fit: draws 0', () => BayesianConformal.fit(z, y, { draws: 0 }), 'INVALID_PARAMETER', 'draws'],
  ['BayesianConformal.fit: rank-3 tensor', () => BayesianConformal.fit(tRank3, y), 'RANK_MISMATCH', 'predictions'],
  ['coverage: a set that is not an array', () => coverage([[0], 1 as never], [0, 1]), 'INVALID_ARGUMENT', 'sets'],
  ['coverage: a set with a non-integer', () => coverage([[0.5], [1]], [0, 1]), 'INVALID_ARGUMENT', 'sets'],
  ['coverage: labels of another length', () => coverage([[0], [1]], [0]), 'SHAPE_MISMATCH', 'labels'],
  ['coverage: empty', () => coverage([], []), 'EMPTY_BATCH', 'sets'],
  ['meanSetSize: a set that is not an array', () => meanSetSize([[0], 'a' as never]), 'INVALID_ARGUMENT', 'sets'],
  ['meanSetSize: not an array', () => meanSetSize(undefined as never), 'INVALID_ARGUMENT', 'sets'],
  ['renderReliabilitySvg: not reliability data', () => renderReliabilitySvg({} as never), 'INVALID_ARGUMENT', 'data'],
  ['renderReliabilitySvg: title not a string', () => renderReliabilitySvg(reliabilityDiagram(z, y, { bins: 2 }), { title: 5 as never }), 'INVALID_ARGUMENT', 'title'],
  ['renderReliabilitySvg: width −1', () => renderReliabilitySvg(reliabilityDiagram(z, y, { bins: 2 }), { width: -1 }), 'INVALID_PARAMETER', 'width'],
  ['correctnessAwareLoss: logits not a tensor', () => correctnessAwareLoss(z as never, y, tTemps), 'RANK_MISMATCH', 'logits'],
  ['correctnessAwareLoss: NaN logit', () => correctnessAwareLoss(tNaN, y, tTemps), 'NON_FINITE_INPUT', 'logits'],
  ['correctnessAwareLoss: zero temperatures', () => correctnessAwareLoss(tLogits, y, tZeroTemps), 'INVALID_ARGUMENT', 'temperatures'],
  ['correctnessAwareLoss: labels out of range', () => correctnessAwareLoss(tLogits, [0, 1, 2, 3, 0, 1], tTemps), 'LABEL_OUT_OF_RANGE', 'labels'],
  ['loadCalibrator: not JSON', () => loadCalibrator('{'), 'INVALID_ARGUMENT', 'json'],
  ['loadCalibrator: another format', () => loadCalibrator('{"format":"x"}'), 'INVALID_ARGUMENT', 'json'],
  ['TemperatureScaling.load: temperature 1e-300', () => TemperatureScaling.load({ format: 'losskit-calibrator', version: 1, kind: 'temperature', from: 'logits', classes: 3, state: { temperature: 1e-300 } }), 'INVALID_ARGUMENT', 'json'],
  ['IsotonicRegression.load: non-numeric knots', () => IsotonicRegression.load({ format: 'losskit-calibrator', version: 1, kind: 'isotonic', from: 'logits', classes: 1, state: { maps: [{ x: ['a'], y: [0] }] } }), 'INVALID_ARGUMENT', 'json'],
  ['IsotonicRegression.load: decreasing knots', () => IsotonicRegression.load({ format: 'losskit-calibrator', version: 1, kind: 'isotonic', from: 'logits', classes: 1, state: { maps: [{ x: [1, 0], y: [0, 1] }] } }), 'INVALID_ARGUMENT', 'json'],
  ['HistogramBinning.load: values outside [0, 1]', () => HistogramBinning.load({ format: 'losskit-calibrator', version: 1, kind: 'histogram', from: 'logits', classes: 1, state: { bins: 1, values: [2] } }), 'INVALID_ARGUMENT', 'json'],
];

describe('every export rejects bad input with a typed LosskitError naming the argument, and leaks nothing', () => {
  for (const [name, call, code, argument] of cases) {
    it(`${name}: ${code} (${argument})`, () => {
      const error = expectCleanThrow(call, code, name);
      expect(error.argument, error.message).toBe(argument);
    });
  }

  it('CorrectnessAwareCalibrator.fit: rank-3 predictions, bad transformed copies, bad hyperparameters', async () => {
    const before = tf.memory().numTensors;
    const reject = (p: Promise<unknown>, code: LosskitErrorCode, argument: string) => expect(p).rejects.toMatchObject({ name: 'LosskitError', code, argument });
    await reject(CorrectnessAwareCalibrator.fit(rank3 as never, y), 'RANK_MISMATCH', 'predictions');
    await reject(CorrectnessAwareCalibrator.fit(z, y, { transformed: [rank3 as never] }), 'RANK_MISMATCH', 'transformed[0]');
    await reject(CorrectnessAwareCalibrator.fit(z, y, { transformed: 3 as never }), 'INVALID_ARGUMENT', 'transformed');
    await reject(CorrectnessAwareCalibrator.fit(z, y, { epochs: 0 }), 'INVALID_PARAMETER', 'epochs');
    await reject(CorrectnessAwareCalibrator.fit(z, y, null as never), 'INVALID_ARGUMENT', 'options');
    const ca = await CorrectnessAwareCalibrator.fit(z, y, { epochs: 1 });
    expect(() => ca.transform(rank3 as never)).toThrow(expect.objectContaining({ code: 'RANK_MISMATCH', argument: 'predictions' }));
    expect(() => ca.temperatures(rank3 as never)).toThrow(expect.objectContaining({ code: 'RANK_MISMATCH', argument: 'predictions' }));
    expect(tf.memory().numTensors).toBe(before);
  });
});
