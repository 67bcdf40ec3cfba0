import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { expectCleanThrow } from '@losskit/core/testing';
import * as m from '../src/index.js';


beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

describe('bad input gives typed errors naming the argument', () => {
  it.each([
    ['f1Score: label out of range', () => m.f1Score([0, 5], [0, 1], { classes: 3 }), 'LABEL_OUT_OF_RANGE', 'yTrue'],
    ['f1Score: lengths differ', () => m.f1Score([0, 1, 1], [0, 1]), 'SHAPE_MISMATCH', 'yPred'],
    ['f1Score: non-integer label', () => m.f1Score([0, 1.5], [0, 1]), 'NON_INTEGER_LABEL', 'yTrue'],
    ['f1Score: binary average on 3 classes', () => m.f1Score([0, 1, 2], [0, 1, 2], { average: 'binary' }), 'INVALID_ARGUMENT', 'average'],
    ['gMean: unknown average', () => m.gMean([0, 1], [0, 1], { average: 'harmonic' as never }), 'INVALID_ARGUMENT', 'average'],
    ['gMean: correction out of range', () => m.gMean([0, 1], [0, 1], { correction: 2 }), 'INVALID_PARAMETER', 'correction'],
    ['rocAuc: one class only', () => m.rocAuc([0.1, 0.2], [1, 1]), 'INVALID_ARGUMENT', 'labels'],
    ['rocAuc: NaN score', () => m.rocAuc([Number.NaN, 0.2], [0, 1]), 'NON_FINITE_INPUT', 'scores'],
    ['rocAuc: empty', () => m.rocAuc([], []), 'EMPTY_BATCH', 'scores'],
    ['macroAuc: shape mismatch', () => m.macroAuc([[1, 2]], [[1, 0], [0, 1]]), 'SHAPE_MISMATCH', 'labels'],
    ['multiclassAuc: missing class', () => m.multiclassAuc([[0.5, 0.5], [0.2, 0.8]], [0, 0]), 'INVALID_ARGUMENT', 'labels'],
    ['multiclassAuc: unknown method', () => m.multiclassAuc([[0.5, 0.5], [0.2, 0.8]], [0, 1], { method: 'x' as never }), 'INVALID_ARGUMENT', 'method'],
    ['cheapBootstrapInterval: empty replicates', () => m.cheapBootstrapInterval(1, []), 'EMPTY_BATCH', 'replicates'],
    ['cheapBootstrap: level 1', () => m.cheapBootstrap(3, () => 1, { level: 1 }), 'INVALID_PARAMETER', 'level'],
    ['cheapBootstrap: statistic NaN', () => m.cheapBootstrap(3, () => Number.NaN), 'NON_FINITE_OUTPUT', 'statistic'],
    ['multiplierWeights: unknown law', () => m.multiplierWeights(3, { distribution: 'cauchy' as never }), 'INVALID_ARGUMENT', 'distribution'],
    ['multiplierWeights: negative n', () => m.multiplierWeights(-1), 'INVALID_PARAMETER', 'n'],
    ['freeLunchBootstrap: step 0', () => m.freeLunchBootstrap([0], () => [0], () => [[1]], { n: 3, stepSize: 0 }), 'INVALID_PARAMETER', 'stepSize'],
    ['freeLunchBootstrap: gradient of wrong length', () => m.freeLunchBootstrap([0], () => [0, 1], () => [[1]], { n: 3 }), 'NON_FINITE_OUTPUT', 'gradient'],
    ['expectedMaxScore: n > B', () => m.expectedMaxScore([1, 2], 3), 'INVALID_PARAMETER', 'n'],
    ['multiBootstrap: ragged runs', () => m.multiBootstrap([[0, 1], [0]], [0, 1], () => 1), 'SHAPE_MISMATCH', 'base[1]'],
    ['multiBootstrap: pairedSeeds is not a boolean', () => m.multiBootstrap([[0, 1]], [0, 1], () => 1, { pairedSeeds: 'yes' as never }), 'INVALID_PARAMETER', 'pairedSeeds'],
    ['multiBootstrap: sampleSeeds is not a boolean', () => m.multiBootstrap([[0, 1]], [0, 1], () => 1, { sampleSeeds: 0 as never }), 'INVALID_PARAMETER', 'sampleSeeds'],
    ['multiBootstrap: sampleExamples is not a boolean', () => m.multiBootstrap([[0, 1]], [0, 1], () => 1, { sampleExamples: 1 as never }), 'INVALID_PARAMETER', 'sampleExamples'],
    ['mcnemar: exact is not a boolean', () => m.mcnemar([[1, 2], [3, 4]], { exact: 'yes' as never }), 'INVALID_PARAMETER', 'exact'],
    ['bootstrap632: wrong prediction length', () => m.bootstrap632([0, 1, 1], () => [0]), 'SHAPE_MISMATCH', 'fitPredict'],
    ['mcnemar: 3×3 table', () => m.mcnemar([[1, 2, 3], [1, 2, 3], [1, 2, 3]]), 'SHAPE_MISMATCH', 'table'],
    ['mcnemar: negative count', () => m.mcnemar([[1, -2], [3, 4]]), 'INVALID_ARGUMENT', 'table'],
    ['pairedTTest5x2cv: four repetitions', () => m.pairedTTest5x2cv([[1, 2], [1, 2], [1, 2], [1, 2]]), 'SHAPE_MISMATCH', 'differences'],
    ['studentTQuantile: p = 1', () => m.studentTQuantile(1, 3), 'INVALID_PARAMETER', 'p'],
    ['studentTCdf: df 0', () => m.studentTCdf(1, 0), 'INVALID_PARAMETER', 'df'],
  ] as const)('%s', (_name, fn, code, argument) => {
    const e = expectCleanThrow(fn, code);
    expect(e.argument).toBe(argument);
  });
  it('a disposed tensor is rejected', () => {
    const t = tf.tensor1d([0.1, 0.2]);
    t.dispose();
    expectCleanThrow(() => m.rocAuc(t, [0, 1]), 'INVALID_ARGUMENT');
  });
});
