import { LosskitError } from '../errors.js';
import { type Expr, type Level, PREC, defineOp, node } from '../expr.js';

const leaf = (kind: string, text: string, latex: string, evaluate: Parameters<typeof defineOp>[0]['evaluate']) =>
  defineOp({ kind, evaluate, print: (_a, _p, m) => (m === 'latex' ? latex : text), prec: PREC.atom });

const yPredOp = leaf('yPred', 'ŷ', '\\hat{y}_j', (c) => c.yPred);
const yTrueOp = leaf('yTrue', 'y', 'y_j', (c) => c.yTrue());
const logitOp = leaf('logit', 'z', 'z_j', (c) => c.yPred);
const probOp = leaf('prob', 'p', 'p_j', (c) => c.probs());
const logProbOp = leaf('logProb', 'log p', '\\log p_j', (c) => c.logProbs());

/** The raw prediction `ŷ`, `[B, C]`: logits or probabilities, whatever `compile({ from })` says. */
export function yPred(): Expr<'class', 'any'> {
  return node(yPredOp, 'class');
}

/** The dense target `y`, `[B, C]`: the one-hot of integer labels, or the soft / real-valued targets given. */
export function yTrue(): Expr<'class', 'any'> {
  return node(yTrueOp, 'class');
}

/** The logits `z`, `[B, C]`. Needs `compile({ from: 'logits' })` (the default). */
export function logit(): Expr<'class', 'logits'> {
  return node(logitOp, 'class', [], {}, 'logits');
}

/**
 * Class probabilities `p`, `[B, C]`: `softmax(z)` from logits, or the probabilities as given.
 * Shares one softmax with every other term of the same compiled loss.
 */
export function prob(): Expr<'class', 'any'> {
  return node(probOp, 'class');
}

/**
 * Log-probabilities `log p`, `[B, C]`: `log_softmax(z) = z - logsumexp(z)` from logits (stable for
 * any magnitude), or `log(clip(p, ε, 1))` from probabilities (ε = 1e-7 by default, as Keras).
 */
export function logProb(): Expr<'class', 'any'> {
  return node(logProbOp, 'class');
}

const inputOp = defineOp<{ name: string }>({
  kind: 'input',
  evaluate: (c, _a, p) => c.input(p.name),
  print: (_a, p, m) => (m === 'latex' ? `\\mathrm{${p.name.replace(/[^A-Za-z0-9]/g, '')}}` : p.name),
});

/**
 * A named extra tensor supplied at call time, e.g. teacher logits for distillation:
 * `kl(input('teacher', 'class').softmax())` and `loss(yTrue, yPred, { inputs: { teacher } })`.
 * Class-level inputs are `[B, C]` (or `[1, C]` / `[C]`, broadcast over the batch), sample-level `[B]`.
 */
export function input<L extends Level>(name: string, level: L): Expr<L, 'any'> {
  if (!/^[A-Za-z_]\w*$/.test(name)) {
    throw new LosskitError('INVALID_ARGUMENT', 'invalid input name', {
      argument: 'name',
      expected: 'an identifier',
      received: JSON.stringify(name),
    });
  }
  return node(inputOp, level, [], { name });
}

