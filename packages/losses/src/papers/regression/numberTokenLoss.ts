import * as tf from '@tensorflow/tfjs-core';
import { defineEntry, defineOp, type Expr, LosskitError, node, oneHotRows, PREC } from '@losskit/core';

interface NtlParams {
  readonly kind: 'mse' | 'wasserstein';
  readonly tokenIds: readonly number[];
  readonly values: readonly number[];
}

// p̃ = softmax over the number-token logits only; y = value of the label token; mask = the label is a number token.
const ntlOp = defineOp<NtlParams>({
  kind: 'numberTokenLoss',
  evaluate: (c, _a, p) => {
    const bad = p.tokenIds.find((id) => id >= c.numClasses);
    if (bad !== undefined) {
      throw new LosskitError('SHAPE_MISMATCH', 'a number token id is outside the vocabulary', { argument: 'tokenIds', expected: `ids < ${c.numClasses} (vocabulary size)`, received: String(bad) });
    }
    // Column selection as a matmul with a [V, T] 0/1 matrix: differentiable on every backend
    // (gather's gradient needs UnsortedSegmentSum, which tfjs-backend-wasm lacks).
    const select = oneHotRows(tf.tensor1d(Int32Array.from(p.tokenIds), 'int32'), c.numClasses);
    const pick = (x: tf.Tensor) => tf.matMul(x, select, false, true);
    const v = tf.tensor2d(Float32Array.from(p.values), [1, p.values.length]);
    const probs = tf.softmax(pick(c.yPred));
    const onNumbers = pick(c.yTrue());
    const isNumber = tf.sum(onNumbers, -1);
    const y = tf.sum(tf.mul(onNumbers, v), -1, true);
    const loss =
      p.kind === 'mse'
        ? tf.reshape(tf.square(tf.sub(tf.sum(tf.mul(probs, v), -1, true), y)), [-1])
        : tf.sum(tf.mul(probs, tf.abs(tf.sub(v, y))), -1);
    return tf.mul(loss, isNumber);
  },
  print: (_a, p, m) => (m === 'latex' ? `\\mathrm{NTL}_{\\mathrm{${p.kind === 'mse' ? 'MSE' : 'WAS'}}}` : `ntl_${p.kind}`),
  prec: PREC.atom,
});

/** Options of the number-token losses: which vocabulary entries are numbers, and their values. */
export interface NumberTokenOptions {
  /** Vocabulary indices of the number tokens (distinct integers ≥ 0). Required. */
  readonly tokenIds: readonly number[];
  /** The numeric value of each number token, same length. Default `0, 1, …` (digit tokens "0"…"9" in order). */
  readonly values?: readonly number[];
}

function build(kind: NtlParams['kind'], o: NumberTokenOptions): Expr<'sample', 'logits'> {
  const ids = o?.tokenIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((i) => !Number.isInteger(i) || i < 0) || new Set(ids).size !== ids.length) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid number tokens', {
      argument: 'tokenIds',
      expected: 'a non-empty array of distinct integers >= 0',
      received: Array.isArray(ids) ? `[${ids.join(', ')}]` : String(ids),
    });
  }
  const values = o.values ?? ids.map((_, i) => i);
  if (!Array.isArray(values) || values.length !== ids.length || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid number-token values', {
      argument: 'values',
      expected: `${ids.length} finite numbers (one per token id)`,
      received: Array.isArray(values) ? `[${values.join(', ')}]` : String(values),
    });
  }
  return node(ntlOp, 'sample', [], { kind, tokenIds: Object.freeze([...ids]), values: Object.freeze([...values]) }, 'logits');
}

/**
 * NTL-MSE, the number-token loss with a squared error: at every position whose label is a number token,
 * `(y - Σ_t p̃_t v_t)²`, where `p̃ = softmax` of the logits restricted to the number tokens, `v_t` their
 * values and `y` the value of the label token; 0 at other positions. Add it to CE with a weight λ:
 * `ce().plus(ntlMse({ tokenIds }).scale(λ))` (the paper's λ is tuned; it is not fixed here).
 * Logits `[B, V]` over the vocabulary, labels `[B]` → `[B]`.
 *
 * @example `compile(ce().plus(ntlMse({ tokenIds: digitIds }).scale(0.3)))(labels, logits)`
 * @see Zausinger et al., "Regress, Don't Guess -- A Regression-like Loss on Number Tokens for Language Models", ICML 2025.
 */
export function ntlMse(options: NumberTokenOptions): Expr<'sample', 'logits'> {
  return build('mse', options);
}

/**
 * NTL-WAS, the paper's default number-token loss: the Wasserstein-1 distance between `p̃` (softmax over
 * the number-token logits) and the one-hot distribution on the label's value, on the 1-D support of the
 * token values: `Σ_t p̃_t |v_t - y|`; 0 at positions whose label is not a number token. The optional
 * distance "squashing" of the reference code is not included. Logits `[B, V]`, labels `[B]` → `[B]`.
 *
 * @example `compile(ce().plus(ntlWasserstein({ tokenIds: digitIds }).scale(0.3)))(labels, logits)`
 * @see Zausinger et al., "Regress, Don't Guess -- A Regression-like Loss on Number Tokens for Language Models", ICML 2025.
 */
export function ntlWasserstein(options: NumberTokenOptions): Expr<'sample', 'logits'> {
  return build('wasserstein', options);
}

const paper = {
  title: "Regress, Don't Guess -- A Regression-like Loss on Number Tokens for Language Models",
  authors: 'Jonas Zausinger, Lars Pennig, Anamarija Kozina, et al.',
  year: 2025,
  url: 'arXiv:2411.02083',
} as const;
const ntlParams = [
  { name: 'tokenIds', default: null, range: 'distinct integers in [0, V)', description: 'Vocabulary ids of the number tokens; required.' },
  { name: 'values', default: null, range: 'finite numbers', description: 'Value of each number token (default 0, 1, …).' },
] as const;
export const ntlMseEntry = defineEntry({
  id: 'ntl-mse',
  name: 'Number-token loss (MSE)',
  package: '@losskit/losses',
  export: 'ntlMse',
  category: 'regression',
  summary: 'Squared error between the label’s number value and the expected value under the number-token distribution.',
  formula: '\\mathbb{1}[y \\in \\mathcal{N}]\\left(v_y - \\sum_{t \\in \\mathcal{N}} \\tilde p_t v_t\\right)^2,\\quad \\tilde p = \\operatorname{softmax}(z_{\\mathcal{N}})',
  inputs: 'logits over the vocabulary [B, V]; labels [B]',
  params: [...ntlParams],
  paper,
  example: "import { compile, ce } from '@losskit/core';\nimport { ntlMse } from '@losskit/losses';\nconst loss = compile(ce().plus(ntlMse({ tokenIds: [1, 2, 3] }).scale(0.3)));\nloss([2, 0], [[0, 1, 2, 0.5], [2, 0, 0, 1]]);",
  dsl: "ntlMse({ tokenIds: [1, 2, 3] })",
});
export const ntlWassersteinEntry = defineEntry({
  id: 'ntl-wasserstein',
  name: 'Number-token loss (Wasserstein)',
  package: '@losskit/losses',
  export: 'ntlWasserstein',
  category: 'regression',
  summary: 'Wasserstein-1 distance between the number-token distribution and the label’s value.',
  formula: '\\mathbb{1}[y \\in \\mathcal{N}]\\sum_{t \\in \\mathcal{N}} \\tilde p_t \\left|v_t - v_y\\right|,\\quad \\tilde p = \\operatorname{softmax}(z_{\\mathcal{N}})',
  inputs: 'logits over the vocabulary [B, V]; labels [B]',
  params: [...ntlParams],
  paper,
  example: "import { compile, ce } from '@losskit/core';\nimport { ntlWasserstein } from '@losskit/losses';\nconst loss = compile(ce().plus(ntlWasserstein({ tokenIds: [1, 2, 3] }).scale(0.3)));\nloss([2, 0], [[0, 1, 2, 0.5], [2, 0, 0, 1]]);",
  dsl: "ntlWasserstein({ tokenIds: [1, 2, 3] })",
});
