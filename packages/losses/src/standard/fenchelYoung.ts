import { type Expr, Expr as ExprClass, LosskitError, yPred, yTrue } from '@losskit/core';
import { standardEntry } from './entry.js';

/** A max function over the classes: a class-level expression reduced to one value per sample. */
export type MaxFunction = (scores: Expr<'class', 'any'>) => Expr<'sample', 'any'>;

/**
 * The Fenchel–Young loss of a max function `Ω*` (a convex, "soft" max over the classes), one value per sample:
 * `L(s; y) = Ω*(s) − ⟨y, s⟩` with scores `s = yPred()` and targets `y = yTrue()` (one-hot of integer labels, or a
 * distribution). Its gradient is `∇Ω*(s) − y`, the prediction of the regularised argmax minus the target.
 * `maxFn` maps the class-level scores to a sample-level value: `(s) => s.logSumExp()` gives the softmax cross-entropy,
 * `(s) => s.max()` the multiclass perceptron loss, `(s) => s.logSumExp().scale(...)` on `s.scale(1/τ)` a
 * temperature; any DSL expression works, and the loss fuses when the max function does. Default: log-sum-exp (so
 * `fenchelYoung()` is the softmax cross-entropy). Scores `[B, C]` → `[B]`.
 *
 * optax `make_fenchel_young_loss(max_fun)`: `max_fun(scores) − vdot(targets, scores)` over the last axis
 * (google-deepmind/optax `optax/losses/_fenchel_young.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5).
 *
 * @example compile(fenchelYoung((s) => s.logSumExp()))([0, 2], [[2, 1, 0], [0, 1, 3]]) // = ce()
 * @see Blondel, Martins, Niculae, "Learning with Fenchel-Young Losses", JMLR 2020.
 */
export function fenchelYoung(maxFn: MaxFunction = (s) => s.logSumExp()): Expr<'sample', 'any'> {
  if (typeof maxFn !== 'function') {
    throw new LosskitError('INVALID_ARGUMENT', 'fenchelYoung takes a max function', { argument: 'maxFn', expected: "a function (scores) => sample-level expression, e.g. (s) => s.logSumExp()", received: typeof maxFn });
  }
  const scores = yPred();
  const m = maxFn(scores);
  if (!(m instanceof ExprClass) || m.level !== 'sample') {
    throw new LosskitError('LEVEL_MISMATCH', 'the max function must return a sample-level expression', {
      argument: 'maxFn',
      expected: 'a sample-level expression of the scores (reduce the classes, e.g. s.logSumExp() or s.max())',
      received: m instanceof ExprClass ? `${m.level}-level ${m.toString()}` : typeof m,
    });
  }
  return m.minus(yTrue().times(scores).sum());
}

export const fenchelYoungEntry = standardEntry({
  id: 'fenchel-young',
  name: 'Fenchel–Young loss',
  export: 'fenchelYoung',
  category: 'classification',
  summary: 'Ω*(s) − ⟨y, s⟩ for any max function Ω* given as a DSL expression: logsumexp gives cross-entropy, max the perceptron (optax make_fenchel_young_loss).',
  formula: '\\Omega^*(s) - \\langle y, s \\rangle',
  inputs: 'scores [B, C], labels [B] or targets [B, C]; a max function (scores) => sample-level expression',
  params: [{ name: 'maxFn', default: '(s) => s.logSumExp()', description: 'The max function Ω*: a class-level → sample-level DSL expression of the scores.' }],
  paper: { title: 'Learning with Fenchel-Young Losses', authors: 'Mathieu Blondel, André F. T. Martins, Vlad Niculae', year: 2020, url: 'https://arxiv.org/abs/1901.02324' },
  example: "import { compile } from '@losskit/core';\nimport { fenchelYoung } from '@losskit/losses';\nconst loss = compile(fenchelYoung((s) => s.logSumExp()))([0, 2], [[2, 1, 0], [0, 1, 3]]); // equals ce()",
  dsl: 'fenchelYoung((s) => s.logSumExp())',
});
