// Every export of @losskit/scaling, called with bad input: a typed ScalingError with a stable code that names the
// argument (never a TypeError, never a silent NaN or Infinity).
import { describe, expect, it } from 'vitest';
import {
  annealingAreas,
  annealingFamily,
  annealingLaw,
  bootstrapFit,
  chinchilla,
  chinchillaFamily,
  computeOptimal,
  createMinimizer,
  downstreamLog,
  extrapolationError,
  fitLaw,
  formatNumber,
  isoFlopCurve,
  isoLossCurve,
  kaplan,
  kaplanFamily,
  kaplanND,
  lossToLoss,
  lossToLossFamily,
  minimize,
  nmtFamily,
  nmtLaw,
  nmtOptimalSplit,
  plotIsoFlop,
  plotLossVsCompute,
  powerLaw,
  powerLawFamily,
  predictSchedule,
  quantile,
  runsFromRecords,
  ScalingError,
  type ScalingErrorCode,
  seededRng,
} from '../src/index.js';

const hoffmann = { A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 };
const law = chinchilla(hoffmann);
const runs = [1, 2, 3, 4, 5, 6, 7].map((i) => ({ N: 1e8 * i, D: 3e9 * i ** 1.3, C: 6 * 1e8 * i * 3e9 * i ** 1.3, loss: law.predict({ N: 1e8 * i, D: 3e9 * i ** 1.3 }) }));
const quadratic = (x: Float64Array, g: Float64Array) => {
  g[0] = 2 * (x[0]! - 3);
  return (x[0]! - 3) ** 2;
};

type Case = readonly [name: string, call: () => unknown, code: ScalingErrorCode, argument: string];

const cases: Case[] = [
  // quantile
  ['quantile: NaN in the data', () => quantile([NaN, 1], 0.5), 'INVALID_VALUE', 'sorted'],
  ['quantile: level −0.1 (and NaN data)', () => quantile([NaN, 1], -0.1), 'INVALID_ARGUMENT', 'q'],
  ['quantile: level 1.5', () => quantile([0, 1], 1.5), 'INVALID_ARGUMENT', 'q'],
  ['quantile: unsorted', () => quantile([2, 1], 0.5), 'INVALID_VALUE', 'sorted'],
  ['quantile: empty', () => quantile([], 0.5), 'INVALID_ARGUMENT', 'sorted'],
  ['quantile: not an array', () => quantile(3 as never, 0.5), 'INVALID_ARGUMENT', 'sorted'],
  // law constructors: parameters with their ranges
  ['chinchilla: alpha −1', () => chinchilla({ ...hoffmann, alpha: -1 }), 'INVALID_PARAMETER', 'alpha'],
  ['chinchilla: A 0', () => chinchilla({ ...hoffmann, A: 0 }), 'INVALID_PARAMETER', 'A'],
  ['chinchilla: E −0.5', () => chinchilla({ ...hoffmann, E: -0.5 }), 'INVALID_PARAMETER', 'E'],
  ['chinchilla: beta NaN', () => chinchilla({ ...hoffmann, beta: NaN }), 'INVALID_PARAMETER', 'beta'],
  ['chinchilla: params null', () => chinchilla(null as never), 'INVALID_ARGUMENT', 'params'],
  ['kaplan: unknown variable', () => kaplan('Q' as never), 'INVALID_ARGUMENT', 'variable'],
  ['kaplan: alphaN 0', () => kaplan('N', { Nc: 8.8e13, alphaN: 0 }), 'INVALID_PARAMETER', 'alphaN'],
  ['kaplanFamily: unknown variable', () => kaplanFamily('Q' as never), 'INVALID_ARGUMENT', 'variable'],
  ['kaplanND: Dc −1', () => kaplanND({ Nc: 6.4e13, Dc: -1, alphaN: 0.076, alphaD: 0.103 }), 'INVALID_PARAMETER', 'Dc'],
  ['powerLaw: x0 0', () => powerLaw('N', { E: 1, x0: 0, alpha: 0.3 }), 'INVALID_PARAMETER', 'x0'],
  ['powerLaw: input not a name', () => powerLaw('' as never, { E: 1, x0: 1, alpha: 0.3 }), 'INVALID_ARGUMENT', 'input'],
  ['powerLawFamily: input not a name', () => powerLawFamily(3 as never), 'INVALID_ARGUMENT', 'input'],
  ['annealingLaw: C −1', () => annealingLaw({ L0: 2, A: 1, alpha: 0.5, C: -1 }), 'INVALID_PARAMETER', 'C'],
  ['lossToLoss: kappa 0', () => lossToLoss({ K: 1, kappa: 0, Ex: 1, Ey: 1 }), 'INVALID_PARAMETER', 'kappa'],
  ['lossToLossFamily: fixed Ey 0', () => lossToLossFamily({ Ey: 0 }), 'INVALID_PARAMETER', 'Ey'],
  ['nmtLaw: pe −0.2', () => nmtLaw({ NeRef: 1e8, NdRef: 1e8 }, { alpha: 1, pe: -0.2, pd: 0.3, Linf: 1 }), 'INVALID_PARAMETER', 'pe'],
  ['nmtFamily: reference null', () => nmtFamily(null as never), 'INVALID_ARGUMENT', 'ref'],
  ['downstreamLog: beta 0', () => downstreamLog({ A: 1e-3, alpha: 0.5, beta: 0 }), 'INVALID_PARAMETER', 'beta'],
  // predict: inputs in the law's domain, finite outputs
  ['kaplanND.predict: N −1', () => kaplanND().predict({ N: -1, D: 1e10 }), 'INVALID_VALUE', 'N'],
  ['chinchilla.predict: N 0', () => law.predict({ N: 0, D: 1e10 }), 'INVALID_VALUE', 'N'],
  ['chinchilla.predict: D Infinity', () => law.predict({ N: 1e9, D: Infinity }), 'INVALID_VALUE', 'D'],
  ['chinchilla.predict: D missing', () => law.predict({ N: 1e9 } as never), 'INVALID_VALUE', 'D'],
  ['chinchilla.predict: input null', () => law.predict(null as never), 'INVALID_ARGUMENT', 'x'],
  ['kaplan(C).predict: C 0', () => kaplan('C').predict({ C: 0 }), 'INVALID_VALUE', 'C'],
  ['powerLaw.predict: N −5', () => powerLaw('N', { E: 1, x0: 1, alpha: 0.3 }).predict({ N: -5 }), 'INVALID_VALUE', 'N'],
  ['annealingLaw.predict: S1 0', () => annealingLaw({ L0: 2, A: 1, alpha: 0.5, C: 1 }).predict({ S1: 0, S2: 0 }), 'INVALID_VALUE', 'S1'],
  ['lossToLoss.predict: Lx at Ex (outside the domain)', () => lossToLoss({ K: 1.2, kappa: 0.9, Ex: 1.6, Ey: 1.9 }).predict({ Lx: 1.5 }), 'INVALID_VALUE', 'Lx'],
  ['downstreamLog.predict: A·Dp^α <= 1', () => downstreamLog({ A: 1e-3, alpha: 0.5, beta: 1.5 }).predict({ Dp: 10 }), 'INVALID_VALUE', 'Dp'],
  ['nmtLaw.predict: Nd 0', () => nmtLaw({ NeRef: 1e8, NdRef: 1e8 }, { alpha: 1, pe: 0.2, pd: 0.3, Linf: 1 }).predict({ Ne: 1e8, Nd: 0 }), 'INVALID_VALUE', 'Nd'],
  ['kaplan(N).predict: overflow at N = 5e-324', () => kaplan('N', { Nc: 8.8e13, alphaN: 9 }).predict({ N: 5e-324 }), 'NON_FINITE_OUTPUT', 'N'],
  ['nmtOptimalSplit: pd 0', () => nmtOptimalSplit({ pe: 0.2, pd: 0 }, 5e8), 'INVALID_PARAMETER', 'pd'],
  // allocation
  ['computeOptimal: budget 0', () => computeOptimal(law, 0), 'INVALID_ARGUMENT', 'C'],
  ['computeOptimal: not a law', () => computeOptimal({} as never, 1e21), 'INVALID_ARGUMENT', 'law'],
  ['computeOptimal: a law of other inputs', () => computeOptimal(kaplan('N') as never, 1e21), 'INVALID_ARGUMENT', 'law'],
  ['computeOptimal: cost not a function', () => computeOptimal(law, 1e21, { cost: 3 as never }), 'INVALID_ARGUMENT', 'cost'],
  ['computeOptimal: nRange reversed', () => computeOptimal(kaplanND(), 1e21, { nRange: [1e12, 1e6] }), 'INVALID_ARGUMENT', 'nRange'],
  ['computeOptimal: options null', () => computeOptimal(law, 1e21, null as never), 'INVALID_ARGUMENT', 'options'],
  ['isoFlopCurve: points 1', () => isoFlopCurve(law, 1e21, { points: 1 }), 'INVALID_ARGUMENT', 'points'],
  ['isoFlopCurve: decades beyond the solvable range', () => isoFlopCurve(law, 1e21, { decades: 200 }), 'INVALID_ARGUMENT', 'decades'],
  ['isoLossCurve: loss NaN', () => isoLossCurve(law, NaN), 'INVALID_ARGUMENT', 'loss'],
  ['isoLossCurve: nRange with 0', () => isoLossCurve(law, 2.2, { nRange: [0, 1e9] }), 'INVALID_ARGUMENT', 'nRange'],
  // schedules
  ['annealingAreas: not an array', () => annealingAreas(5 as never), 'INVALID_ARGUMENT', 'schedule'],
  ['annealingAreas: a string entry', () => annealingAreas([1, '0.5' as never]), 'INVALID_VALUE', 'schedule'],
  ['predictSchedule: not a law', () => predictSchedule({} as never, [1, 0.5]), 'INVALID_ARGUMENT', 'law'],
  // fitting
  ['fitLaw: family not a family', () => fitLaw({} as never, runs), 'INVALID_ARGUMENT', 'family'],
  ['fitLaw: runs not an array', () => fitLaw(chinchillaFamily, 5 as never), 'INVALID_ARGUMENT', 'runs'],
  ['fitLaw: a run that is null', () => fitLaw(chinchillaFamily, [...runs.slice(0, 6), null as never]), 'INVALID_ARGUMENT', 'runs'],
  ['fitLaw: weights of the wrong length', () => fitLaw(chinchillaFamily, runs, { weights: [1, 2] }), 'INVALID_ARGUMENT', 'weights'],
  ['fitLaw: a negative weight', () => fitLaw(chinchillaFamily, runs, { weights: runs.map((_, i) => (i === 3 ? -1 : 1)) }), 'INVALID_ARGUMENT', 'weights'],
  ['fitLaw: maxIterations 0', () => fitLaw(chinchillaFamily, runs, { maxIterations: 0 }), 'INVALID_ARGUMENT', 'maxIterations'],
  ['fitLaw: bounds of the wrong length', () => fitLaw(chinchillaFamily, runs, { bounds: [[0, 1]] }), 'INVALID_ARGUMENT', 'bounds'],
  ['fitLaw: starts not an array', () => fitLaw(chinchillaFamily, runs, { starts: 3 as never }), 'INVALID_ARGUMENT', 'starts'],
  ['fitLaw: unknown loss', () => fitLaw(chinchillaFamily, runs, { loss: 'l1' as never }), 'INVALID_ARGUMENT', 'loss'],
  ['fitLaw: target not a string', () => fitLaw(chinchillaFamily, runs, { target: 3 as never }), 'INVALID_ARGUMENT', 'target'],
  ['fitLaw: options null', () => fitLaw(chinchillaFamily, runs, null as never), 'INVALID_ARGUMENT', 'options'],
  ['bootstrapFit: resamples 1', () => bootstrapFit(chinchillaFamily, runs, { resamples: 1 }), 'INVALID_ARGUMENT', 'resamples'],
  ['bootstrapFit: family not a family', () => bootstrapFit(null as never, runs), 'INVALID_ARGUMENT', 'family'],
  ['extrapolationError: runs not an array', () => extrapolationError(chinchillaFamily, 3 as never), 'INVALID_ARGUMENT', 'runs'],
  ['extrapolationError: orderBy not a function', () => extrapolationError(chinchillaFamily, runs, { orderBy: 3 as never }), 'INVALID_ARGUMENT', 'orderBy'],
  ['minimize: fn not a function', () => minimize(3 as never, [0]), 'INVALID_ARGUMENT', 'fn'],
  ['minimize: x0 with NaN', () => minimize(quadratic, [NaN]), 'INVALID_ARGUMENT', 'x0'],
  ['minimize: bounds lo > hi', () => minimize(quadratic, [0], { bounds: [[1, 0]] }), 'INVALID_ARGUMENT', 'bounds'],
  ['createMinimizer: memory 0', () => createMinimizer(quadratic, [0], { memory: 0 }), 'INVALID_ARGUMENT', 'memory'],
  ['createMinimizer: runUntil(−1)', () => createMinimizer(quadratic, [0]).runUntil(-1), 'INVALID_ARGUMENT', 'pauseAt'],
  // tables, plots, helpers
  ['runsFromRecords: a record that is null', () => runsFromRecords([{ N: 1, D: 1, loss: 1 }, null as never]), 'INVALID_ARGUMENT', 'records'],
  ['runsFromRecords: not an array', () => runsFromRecords({} as never), 'INVALID_ARGUMENT', 'records'],
  ['plotLossVsCompute: no runs', () => plotLossVsCompute({ runs: [], law }), 'INVALID_ARGUMENT', 'runs'],
  ['plotLossVsCompute: a run with loss NaN', () => plotLossVsCompute({ runs: [{ C: 1e20, loss: NaN }], law }), 'INVALID_VALUE', 'runs'],
  ['plotLossVsCompute: level 2', () => plotLossVsCompute({ runs, law, level: 2 }), 'INVALID_ARGUMENT', 'level'],
  ['plotIsoFlop: a budget −1', () => plotIsoFlop({ law, budgets: [-1] }), 'INVALID_ARGUMENT', 'budgets'],
  ['plotIsoFlop: budgets not an array', () => plotIsoFlop({ law, budgets: 3 as never }), 'INVALID_ARGUMENT', 'budgets'],
  ['seededRng: seed NaN', () => seededRng(NaN), 'INVALID_ARGUMENT', 'seed'],
  ['seededRng().int(0)', () => seededRng(1).int(0), 'INVALID_ARGUMENT', 'n'],
  ['formatNumber: not a number', () => formatNumber('a' as never), 'INVALID_ARGUMENT', 'v'],
];

describe('every export rejects bad input with a typed ScalingError naming the argument', () => {
  for (const [name, call, code, argument] of cases) {
    it(`${name}: ${code} (${argument})`, () => {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error, 'the call did not throw').toBeInstanceOf(ScalingError);
      expect((error as ScalingError).code, (error as Error).message).toBe(code);
      expect((error as ScalingError).argument).toBe(argument);
      expect((error as ScalingError).expected, 'no expected value in the error').toBeTypeOf('string');
    });
  }

  it('family objects are frozen data (annealingFamily cannot be edited into a bad state)', () => {
    expect(Object.isFrozen(annealingFamily)).toBe(true);
  });
});
