// Every export of @losskit/unlearning, called with bad input: a typed LosskitError naming the argument (never a raw
// tfjs-layers or TypeError message), and tfjs left as it was (no tensor survives a call that throws).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type LosskitErrorCode, ce, prob, ready } from '@losskit/core';
import { sgd } from '@losskit/optimizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanThrowAsync } from '@losskit/core/testing';
import {
  checkSameWeights, conceptPreservingGradient, dampenWeights, evaluateSet, fisherImportance, flat, flatTerm, gradientAscent, gradientDifference,
  klRetain, loreun, loreunTerm, loreunWeights, membershipAuc, modelVariables, npo, npoTerm, objective, orthogonalizeRetain, perSampleLosses,
  predictLogits, retrainGap, selectiveSynapticDampening, simNpo, simNpoTerm, unlearn, unlearningMetrics,
} from '../src/index.js';

const D = 4;
const K = 3;
let model: tfl.LayersModel;
let other: tfl.LayersModel;
let data: { x: tf.Tensor2D; y: tf.Tensor1D };
let wide: { x: tf.Tensor2D; y: tf.Tensor1D };
let nanData: { x: tf.Tensor2D; y: tf.Tensor1D };
let badLabels: { x: tf.Tensor2D; y: tf.Tensor1D };
let floatLabels: { x: tf.Tensor2D; y: tf.Tensor1D };
let g: Record<string, tf.Tensor>;
let gNaN: Record<string, tf.Tensor>;
let imp: tf.Tensor[];
let negImp: tf.Tensor[];
let x3: tf.Tensor2D;

beforeAll(async () => {
  await ready();
  const make = (units: number) =>
    tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [D], units, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }), tfl.layers.dense({ units: K, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) })] });
  model = make(5);
  other = make(6);
  data = { x: tf.randomNormal([6, D], 0, 1, 'float32', 1) as tf.Tensor2D, y: tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32') };
  wide = { x: tf.randomNormal([6, D + 1], 0, 1, 'float32', 2) as tf.Tensor2D, y: data.y };
  nanData = { x: tf.tensor2d([[NaN, 0, 0, 0], [1, 2, 3, 4]]), y: tf.tensor1d([0, 1], 'int32') };
  badLabels = { x: data.x, y: tf.tensor1d([0, 1, 2, 3, 1, 2], 'int32') };
  floatLabels = { x: data.x, y: tf.tensor1d([0, 1, 2, 0.5, 1, 2]) };
  g = { a: tf.ones([2, 2]), b: tf.ones([3]) };
  gNaN = { a: tf.tensor2d([[NaN, 1], [1, 1]]), b: tf.ones([3]) };
  imp = modelVariables(model).map((v) => tf.onesLike(v));
  negImp = modelVariables(model).map((v) => tf.fill(v.shape, -1));
  x3 = tf.ones([2, 3]);
});
afterAll(() => {
  model.dispose();
  other.dispose();
  [data.x, data.y, wide.x, nanData.x, nanData.y, badLabels.y, floatLabels.y, ...Object.values(g), ...Object.values(gNaN), ...imp, ...negImp, x3].forEach((t) => t.dispose());
});

type Case = readonly [name: string, call: () => unknown, code: LosskitErrorCode, argument: string];
const opt = () => sgd({ learningRate: 0.1 });
const run = (extra: Record<string, unknown>) => unlearn({ model, forget: data, retain: data, objective: gradientDifference(), optimizer: opt(), steps: 1, ...extra } as never);

const cases: Case[] = [
  // unlearn: everything checked before the first step
  ['unlearn: forget inputs one column too wide', () => run({ forget: wide }), 'SHAPE_MISMATCH', 'forget.x'],
  ['unlearn: retain inputs one column too wide', () => run({ retain: wide }), 'SHAPE_MISMATCH', 'retain.x'],
  ['unlearn: a retain-only objective still checks the forget inputs', () => run({ forget: wide, objective: objective({ retain: ce() }) }), 'SHAPE_MISMATCH', 'forget.x'],
  ['unlearn: NaN in the forget inputs', () => run({ forget: nanData }), 'NON_FINITE_INPUT', 'forget.x'],
  ['unlearn: a label beyond the model outputs', () => run({ retain: badLabels }), 'LABEL_OUT_OF_RANGE', 'retain.y'],
  ['unlearn: a non-integer label', () => run({ forget: floatLabels }), 'NON_INTEGER_LABEL', 'forget.y'],
  ['unlearn: ragged inputs', () => run({ forget: { x: [[1, 2, 3, 4], [1]], y: [0, 1] } }), 'SHAPE_MISMATCH', 'forget.x'],
  ['unlearn: options null', () => unlearn(null as never), 'INVALID_ARGUMENT', 'options'],
  ['unlearn: model not a model', () => run({ model: {} }), 'INVALID_ARGUMENT', 'model'],
  ['unlearn: objective missing', () => run({ objective: undefined }), 'INVALID_ARGUMENT', 'objective'],
  ['unlearn: optimizer not a transformation', () => run({ optimizer: {} }), 'INVALID_ARGUMENT', 'optimizer'],
  ['unlearn: steps 0', () => run({ steps: 0 }), 'INVALID_PARAMETER', 'steps'],
  ['unlearn: batchSize 0', () => run({ batchSize: 0 }), 'INVALID_PARAMETER', 'batchSize'],
  ['unlearn: seed NaN', () => run({ seed: NaN }), 'INVALID_PARAMETER', 'seed'],
  ['unlearn: onStep not a function', () => run({ onStep: 3 }), 'INVALID_ARGUMENT', 'onStep'],
  ['unlearn: unknown surgery', () => run({ surgery: 'pcgrad' }), 'INVALID_PARAMETER', 'surgery'],
  ['unlearn: a reference model of another shape', () => run({ objective: npo(), reference: other }), 'SHAPE_MISMATCH', 'reference'],
  ['unlearn: forget set missing', () => run({ forget: undefined }), 'MISSING_INPUT', 'forget'],
  // metrics
  ['perSampleLosses: inputs too wide', () => perSampleLosses(model, wide), 'SHAPE_MISMATCH', 'data.x'],
  ['perSampleLosses: labels beyond the outputs', () => perSampleLosses(model, badLabels), 'LABEL_OUT_OF_RANGE', 'data.y'],
  ['perSampleLosses: loss not an expression', () => perSampleLosses(model, data, { loss: 3 as never }), 'LEVEL_MISMATCH', 'loss'],
  ['evaluateSet: NaN inputs', () => evaluateSet(model, nanData), 'NON_FINITE_INPUT', 'data.x'],
  ['evaluateSet: batchSize 0', () => evaluateSet(model, data, { batchSize: 0 }), 'INVALID_PARAMETER', 'batchSize'],
  ['evaluateSet: data null', () => evaluateSet(model, null as never), 'MISSING_INPUT', 'data'],
  ['evaluateSet: options null', () => evaluateSet(model, data, null as never), 'INVALID_ARGUMENT', 'options'],
  ['membershipAuc: NaN member loss', () => membershipAuc([NaN, 1], [1]), 'NON_FINITE_INPUT', 'memberLosses'],
  ['membershipAuc: non-members not an array', () => membershipAuc([1], 3 as never), 'INVALID_ARGUMENT', 'nonMemberLosses'],
  ['membershipAuc: no non-members', () => membershipAuc([1], []), 'EMPTY_BATCH', 'nonMemberLosses'],
  ['unlearningMetrics: options null', () => unlearningMetrics(null as never), 'INVALID_ARGUMENT', 'options'],
  ['unlearningMetrics: forget inputs too wide', () => unlearningMetrics({ model, forget: wide, retain: data }), 'SHAPE_MISMATCH', 'data.x'],
  ['retrainGap: not metrics', () => retrainGap({} as never, {} as never), 'INVALID_ARGUMENT', 'unlearned'],
  // SSD
  ['fisherImportance: inputs too wide', () => fisherImportance(model, wide), 'SHAPE_MISMATCH', 'data.x'],
  ['fisherImportance: batchSize 0', () => fisherImportance(model, data, { batchSize: 0 }), 'INVALID_PARAMETER', 'batchSize'],
  ['dampenWeights: too few importances', () => dampenWeights(model, imp.slice(1), imp), 'SHAPE_MISMATCH', 'forgetImportance'],
  ['dampenWeights: negative importances', () => dampenWeights(model, imp, negImp), 'NON_FINITE_INPUT', 'globalImportance'],
  ['dampenWeights: alpha −1', () => dampenWeights(model, imp, imp, { alpha: -1 }), 'INVALID_PARAMETER', 'alpha'],
  ['selectiveSynapticDampening: options null', () => selectiveSynapticDampening(null as never), 'INVALID_ARGUMENT', 'options'],
  ['selectiveSynapticDampening: lambda −1', () => selectiveSynapticDampening({ model, forget: data, data, lambda: -1 }), 'INVALID_PARAMETER', 'lambda'],
  ['selectiveSynapticDampening: forget inputs too wide', () => selectiveSynapticDampening({ model, forget: wide, data }), 'SHAPE_MISMATCH', 'data.x'],
  // surgery
  ['orthogonalizeRetain: retain grads null', () => orthogonalizeRetain(null as never, g), 'INVALID_ARGUMENT', 'retainGrads'],
  ['orthogonalizeRetain: an entry that is a number', () => orthogonalizeRetain({ a: 3 } as never, g), 'INVALID_ARGUMENT', 'retainGrads'],
  ['orthogonalizeRetain: NaN forget gradient', () => orthogonalizeRetain(g, gNaN), 'NON_FINITE_INPUT', 'forgetGrads'],
  ['conceptPreservingGradient: NaN forget gradient', () => conceptPreservingGradient(gNaN, g), 'NON_FINITE_INPUT', 'forgetGrads'],
  ['conceptPreservingGradient: names differ', () => conceptPreservingGradient(g, { a: g.a! }), 'INVALID_ARGUMENT', 'retainGrads'],
  // models
  ['modelVariables: null', () => modelVariables(null as never), 'INVALID_ARGUMENT', 'model'],
  ['checkSameWeights: other layout', () => checkSameWeights(model, other, 'reference'), 'SHAPE_MISMATCH', 'reference'],
  ['predictLogits: x too wide', () => predictLogits(model, wide.x), 'SHAPE_MISMATCH', 'x'],
  ['predictLogits: x not a tensor', () => predictLogits(model, [[1, 2, 3, 4]] as never), 'INVALID_ARGUMENT', 'x'],
  ['predictLogits: batchSize 0', () => predictLogits(model, data.x, 0), 'INVALID_PARAMETER', 'batchSize'],
  ['predictLogits: x of rank 2 for a model of another width', () => predictLogits(model, x3), 'SHAPE_MISMATCH', 'x'],
  // objectives
  ['objective: options null', () => objective(null as never), 'INVALID_ARGUMENT', 'options'],
  ['objective: a forget term that is a number', () => objective({ forget: 3 as never }), 'LEVEL_MISMATCH', 'forget'],
  ['objective: gamma −1', () => objective({ forget: ce(), gamma: -1 }), 'INVALID_PARAMETER', 'gamma'],
  ['objective: a class-level referenceLoss', () => objective({ forget: ce(), referenceLoss: prob() as never }), 'LEVEL_MISMATCH', 'referenceLoss'],
  ['gradientAscent: loss a string', () => gradientAscent({ loss: 'ce' as never }), 'LEVEL_MISMATCH', 'loss'],
  ['gradientDifference: options null', () => gradientDifference(null as never), 'INVALID_ARGUMENT', 'options'],
  ['klRetain: alpha NaN', () => klRetain({ alpha: NaN }), 'INVALID_PARAMETER', 'alpha'],
  ['npoTerm: beta 0', () => npoTerm({ beta: 0 }), 'INVALID_PARAMETER', 'beta'],
  ['npo: loss a class-level term', () => npo({ loss: prob() as never }), 'LEVEL_MISMATCH', 'loss'],
  ['simNpoTerm: delta NaN', () => simNpoTerm({ delta: NaN }), 'INVALID_PARAMETER', 'delta'],
  ['simNpoTerm: a class-level length', () => simNpoTerm({ length: prob() as never }), 'LEVEL_MISMATCH', 'length'],
  ['simNpo: options an array', () => simNpo([] as never), 'INVALID_ARGUMENT', 'options'],
  ['flatTerm: unknown divergence', () => flatTerm({ divergence: 'hellinger' as never }), 'INVALID_PARAMETER', 'divergence'],
  ['flatTerm: a class-level good term', () => flatTerm({ good: prob() as never }), 'LEVEL_MISMATCH', 'good'],
  ['flat: options null', () => flat(null as never), 'INVALID_ARGUMENT', 'options'],
  ['loreunWeights: tau 0', () => loreunWeights({ tau: 0 }), 'INVALID_PARAMETER', 'tau'],
  ['loreunWeights: unknown mode', () => loreunWeights({ mode: 'online' as never }), 'INVALID_PARAMETER', 'mode'],
  ['loreunTerm: not an expression', () => loreunTerm(null as never), 'LEVEL_MISMATCH', 'term'],
  ['loreun: base not an objective', () => loreun(null as never), 'INVALID_ARGUMENT', 'base'],
];

describe('every export: bad input gives a typed LosskitError naming the argument and leaves no tensor behind', () => {
  for (const [name, call, code, argument] of cases) {
    it(`${name}: ${code} (${argument})`, async () => {
      const error = await expectCleanThrowAsync(call, code, name);
      expect(error.argument, error.message).toBe(argument);
    });
  }

  it('a valid unlearn, metrics and SSD run on the same fixtures leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const r = await run({ steps: 2, surgery: 'unoS' });
    expect(r.steps).toBe(2);
    expect(Number.isFinite(evaluateSet(model, data).loss)).toBe(true);
    expect(perSampleLosses(model, data)).toHaveLength(6);
    selectiveSynapticDampening({ model, forget: data, data, alpha: 1, lambda: 1 });
    expect(tf.memory().numTensors).toBe(before);
  });
});
