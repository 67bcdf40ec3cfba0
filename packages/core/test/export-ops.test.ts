// Every core op, one expression at a time, exported to PyTorch and NumPy and compared with compile() on
// normal and ±1e4 logits (value, per-sample values, gradient, parts; bounds in export/harness.ts), plus
// compile()'s input conventions (leading dimensions, [B] predictions, [B, 1] labels, weight prefixes,
// broadcast inputs) and its typed errors, which the generated modules raise with the same codes.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Expr,
  abs,
  alongCols,
  alongRows,
  bce,
  ce,
  classConstant,
  defineOp,
  embeddings,
  entropy,
  exportableKinds,
  hardest,
  identityMask,
  input,
  kl,
  log1mexp,
  logProb,
  logit,
  negativeMask,
  node,
  overRow,
  positiveMask,
  positives,
  prob,
  ready,
  registerExporter,
  sameLabelMask,
  softSort,
  sparsemax,
  square,
  yPred,
  yTrue,
} from '../src/index.js';
import * as tf from '@tensorflow/tfjs-core';
import { type ExportCase, checkCases, summarize } from './export/harness.js';
import { Dice, randomBatches } from './export/grammar.js';
import { caseReference as reference } from './export/reference64.js';

beforeAll(async () => {
  await ready();
});

const z = logit();
/** One expression per core op kind (and a few combinations that exercise broadcasting and sharing). */
const opExprs: Array<[string, Expr<'sample' | 'batch', any>]> = [
  ['ce', ce()],
  ['ce with label smoothing', ce({ labelSmoothing: 0.2 })],
  ['bce', bce().mean()],
  ['bce with label smoothing', bce({ labelSmoothing: 0.1 }).sum()],
  ['entropy', entropy()],
  ['kl to the targets', kl()],
  ['kl to a teacher input', kl(input('teacher', 'class').softmax())],
  ['squentropy', ce().plus(square().incorrect())],
  ['absError', abs().mean()],
  ['yPred / yTrue', yPred().minus(yTrue()).pow(2).sum()],
  ['prob / logProb (focal)', prob().target().neg().plus(1).pow(2).times(logProb().target().neg())],
  ['plus minus times div', z.plus(1).minus(yTrue().times(2)).div(z.abs().plus(1)).mean()],
  ['maximum minimum', z.maximum(yTrue()).minimum(z.scale(0.5)).sum()],
  ['scale pow neg', z.scale(-0.5).pow(3).neg().mean()],
  ['clip', z.clip(-1, 2).target()],
  ['detach', z.detach().times(z).mean()],
  ['where', z.where(yTrue(), -2).sum()],
  ['exp log log1p sqrt', z.sigmoid().exp().log().plus(z.softplus().log1p()).plus(z.pow(2).plus(1).sqrt()).mean()],
  ['abs relu', z.abs().plus(z.relu()).max()],
  ['softplus sigmoid logSigmoid', z.softplus().plus(z.sigmoid()).plus(z.logSigmoid()).mean()],
  ['softmax logSoftmax', z.softmax().times(z.logSoftmax()).sum().neg()],
  ['zNormalize', z.zNormalize().pow(2).incorrect()],
  ['batchMean (the batch marginal)', prob().batchMean().log().times(prob()).sum()],
  ['expand broadcasts a per-sample value', ce().expand().times(prob()).sum().plus(ce().expand().sum())],
  ['target incorrect', z.target().minus(z.incorrect())],
  ['max min', z.max().minus(z.min())],
  ['logSumExp', z.logSumExp().minus(z.target())],
  ['sum mean', z.sum().plus(z.mean())],
  ['topk', z.topk(2)],
  ['batch sum', ce().sum()],
  ['batch mean', ce().mean().plus(entropy().sum())],
  ['constant at sample level', ce().plus(2).times(0.5)],
  ['classConstant', ce().times(classConstant([1, 2, 3, 0.5], 'w').target()).plus(z.plus(classConstant([0.1, -0.2, 0.3, 0], 'b')).logSumExp())],
  ['log1mexp', log1mexp(logProb().target()).neg()],
  ['sparsemax', sparsemax(z).target().neg().plus(sparsemax(z.scale(2)).pow(2).sum())],
  ['softSort', softSort(z, { tau: 0.5 }).max().plus(softSort(prob(), { tau: 2 }).target())],
  ['input at sample level', ce().times(input('w', 'sample'))],
  ['named parts at every level', ce().named('ce').plus(square().named('sq').incorrect()).plus(z.mean().named('zbar')).mean().named('batch').plus(1)],
];

/** Pair-level expressions over embeddings (from: 'embeddings'). */
const e = embeddings();
const sq = e.pow(2).sum();
const pairExprs: Array<[string, Expr<'sample' | 'batch', any>]> = [
  ['positives / negatives', alongRows(sq).minus(alongCols(sq)).abs().positives('mean').plus(alongCols(e.mean()).negatives('logSumExp'))],
  ['hardest', hardest(alongRows(sq).plus(alongCols(sq)).sqrt(), 'positives').minus(alongCols(sq).hardest('negatives', 'similarity'))],
  ['masks and transpose', alongRows(sq).times(sameLabelMask()).plus(identityMask()).transpose().times(negativeMask()).sum().plus(positiveMask().max())],
  ['overRow', overRow(alongCols(e.max()), positiveMask().plus(identityMask()), 'max').plus(positives(alongCols(sq), 'min')).plus(alongCols(sq).over(negativeMask(), 'sum'))],
];

const dice = new Dice(7);
const CLASSES = 4;
const opCases: ExportCase[] = [
  ...opExprs.flatMap(([name, expr]) => randomBatches(dice, name, expr, CLASSES, 3)),
  ...pairExprs.flatMap(([name, expr]) => randomBatches(dice, name, expr, CLASSES, 2, true)),
];

describe('every core op exports with the semantics of compile()', () => {
  it('each core op kind is covered by an expression here', () => {
    const kinds = new Set<string>();
    const walk = (x: Expr): void => {
      kinds.add(x.op.kind);
      x.args.forEach(walk);
    };
    for (const c of opCases) walk(c.expr);
    const missing = exportableKinds('pytorch').filter((k) => !kinds.has(k) && !k.includes('.') && k !== 'constant');
    expect(missing).toEqual([]);
  });

  it('value, per-sample values, gradient and parts agree with compile() for every op (normal and ±1e4 logits)', () => {
    const reports = checkCases(opCases, reference);
    console.log(`core ops: ${summarize(reports)}`);
    expect(reports.filter((r) => !r.ok).map((r) => `${r.id}: ${r.problems.join('; ')}`)).toEqual([]);
  });
});

describe("compile()'s input conventions and exact large-logit forms", () => {
  const squentropy = ce().plus(square().incorrect());
  const cases: ExportCase[] = [
    {
      id: 'leading dimensions [2, 3, C] with labels [2, 3] and weights [2] (a prefix)',
      expr: squentropy,
      options: { reduction: 'weightedMean' },
      yTrue: [[0, 1, 2], [2, 1, 0]],
      labels: true,
      yPred: [[[1, 2, 0], [0, 1, 3], [2, 2, 2]], [[-1, 0, 1], [3, -3, 0], [0.5, 0, 0]]],
      sampleWeight: [2, 0.5],
    },
    { id: 'labels [B, 1]', expr: squentropy, options: { reduction: 'sum' }, yTrue: [[0], [2]], labels: true, yPred: [[1, 2, 0], [0, 1, 3]] },
    { id: 'predictions [B] (one output) with dense targets [B]', expr: square().mean(), yTrue: [0.5, 1, -2], labels: false, yPred: [1, 2, 3] },
    { id: 'reduction none on leading dimensions', expr: ce(), options: { reduction: 'none' }, yTrue: [[0, 1], [1, 0]], labels: true, yPred: [[[1, 2], [0, 1]], [[3, 0], [0, 0]]] },
    { id: 'a class-level input given as [C] broadcasts over the batch', expr: kl(input('prior', 'class')), yTrue: [0, 1], labels: true, yPred: [[1, 2, 0], [0, 1, 3]], inputs: { prior: [0.2, 0.3, 0.5] } },
    { id: 'a batch-level input', expr: ce().mean().times(input('scale', 'batch')), yTrue: [0, 1], labels: true, yPred: [[1, 2, 0], [0, 1, 3]], inputs: { scale: 3 } },
    { id: 'CE at [1e30, 1e30, 0] is log 2, not 0 ((m − z_y) + l)', expr: ce(), yTrue: [0, 2], labels: true, yPred: [[1e30, 1e30, 0], [1e30, -1e30, 1e30]] },
    { id: 'log-probabilities at 1e30 ((z − m) − l)', expr: logProb().target().neg().plus(logProb().mean().neg()), yTrue: [0], labels: true, yPred: [[1e30, 1e30, 0]] },
    { id: 'from probs with a custom epsilon', expr: ce().plus(bce().mean()), options: { from: 'probs', epsilon: 1e-3 }, yTrue: [0, 1], labels: true, yPred: [[1, 0, 0], [0.2, 0.3, 0.5]] },
    { id: 'sumByNonzeroWeights with all weights 0 is 0', expr: ce(), options: { reduction: 'sumByNonzeroWeights' }, yTrue: [0, 1], labels: true, yPred: [[1, 2], [3, 4]], sampleWeight: [0, 0] },
    { id: 'weightedMean with a scalar weight', expr: ce(), options: { reduction: 'weightedMean' }, yTrue: [0, 1], labels: true, yPred: [[1, 2], [3, 4]], sampleWeight: [3] as never },
  ];
  it('the modules read inputs as compile() does and keep the exact forms at ±1e30', () => {
    const reports = checkCases(cases, reference);
    expect(reports.filter((r) => !r.ok).map((r) => `${r.id}: ${r.problems.join('; ')}`)).toEqual([]);
  });
});

describe('the modules raise the LosskitError codes compile() throws', () => {
  const base = { labels: true as const, yPred: [[1, 2, 0], [0, 1, 3]] };
  const cases: ExportCase[] = [
    { id: 'LABEL_OUT_OF_RANGE', expr: ce(), yTrue: [0, 3], ...base },
    { id: 'NON_INTEGER_LABEL', expr: ce(), yTrue: [0.5, 1], ...base },
    { id: 'SHAPE_MISMATCH (targets)', expr: ce(), yTrue: [[1, 0, 0, 0], [0, 1, 0, 0]], labels: false, yPred: base.yPred },
    { id: 'SHAPE_MISMATCH (weights)', expr: ce(), yTrue: [0, 1], sampleWeight: [1, 2, 3], ...base },
    { id: 'SHAPE_MISMATCH (.incorrect() with one class)', expr: square().incorrect(), yTrue: [[1], [0]], labels: false, yPred: [[1], [2]] },
    { id: 'SHAPE_MISMATCH (.topk(3) with two classes)', expr: logit().topk(3), yTrue: [0, 1], labels: true, yPred: [[1, 2], [3, 4]] },
    { id: 'SHAPE_MISMATCH (classConstant of another length)', expr: classConstant([1, 2]).target(), yTrue: [0, 1], ...base },
    { id: 'SHAPE_MISMATCH (input shape)', expr: ce().times(input('w', 'sample')), yTrue: [0, 1], ...base, inputs: { w: [1, 2, 3] } },
    { id: 'MISSING_INPUT', expr: ce().times(input('w', 'sample')), yTrue: [0, 1], ...base },
    { id: 'INVALID_ARGUMENT (weights on a batch-level loss)', expr: ce().mean(), yTrue: [0, 1], sampleWeight: [1, 2], ...base },
    { id: 'INPUT_KIND_MISMATCH (label masks need labels)', expr: positives(alongCols(embeddings().sum())), options: { from: 'embeddings' }, yTrue: [[1, 0, 0], [0, 1, 0]], labels: false, yPred: base.yPred },
    { id: 'NON_FINITE_OUTPUT (overflow)', expr: logit().exp().sum(), yTrue: [0], labels: true, yPred: [[100, 0, 0]] },
  ];
  it('each bad input raises the same code in PyTorch and NumPy', () => {
    const reports = checkCases(cases);
    expect(reports.map((r) => r.mode)).toEqual(cases.map(() => 'error'));
    expect(reports.filter((r) => !r.ok).map((r) => `${r.id}: ${r.problems.join('; ')}`)).toEqual([]);
  });
});

describe('registerExporter: ops defined outside core', () => {
  const cubeOp = defineOp({ kind: 'test.cube', evaluate: (c) => tf.pow(c.yPred, 3), print: () => 'z^3' });
  const cube = () => node<'class'>(cubeOp, 'class');

  it('an op without a printer throws INVALID_ARGUMENT naming it; once registered it exports with its semantics', async () => {
    const { toPyTorch, toNumPy, LosskitError } = await import('../src/index.js');
    expect(() => toPyTorch(cube().sum())).toThrow(LosskitError);
    expect(() => toPyTorch(cube().sum())).toThrow(/"test\.cube" has no PyTorch exporter/);
    registerExporter('test.cube', { pytorch: (n) => `torch.pow(${n.ctx.yPred}, 3)` });
    expect(() => toNumPy(cube().sum())).toThrow(/"test\.cube" has no NumPy exporter/);
    registerExporter('test.cube', { pytorch: (n) => `torch.pow(${n.ctx.yPred}, 3)`, numpy: (n) => `np.power(${n.ctx.yPred}, 3)` });
    const reports = checkCases(randomBatches(new Dice(3), 'registered cube', cube().sum().plus(ce()), 3, 2));
    expect(reports.filter((r) => !r.ok).map((r) => r.problems.join('; '))).toEqual([]);
  });

  it('rejects an empty kind or an exporter without printers', async () => {
    const { LosskitError } = await import('../src/index.js');
    expect(() => registerExporter('', { pytorch: () => 'z' })).toThrow(LosskitError);
    expect(() => registerExporter('x', {} as never)).toThrow(/at least one target/);
  });
});
