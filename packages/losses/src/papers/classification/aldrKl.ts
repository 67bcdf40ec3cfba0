import * as tf from '@tensorflow/tfjs-core';
import { defineEntry, defineOp, type Expr, input, LosskitError, node, params, PREC, stopGradient, type TensorLike, toTensor } from '@losskit/core';

interface AldrParams {
  readonly delta: number;
  readonly lambda0: number;
  readonly alpha: number;
}

const FLOOR = 1e-6;

// λ_i = max(λ0 - λ0·KL(softmax(z/λ_prev) ‖ U)/(α log K), 1e-6 λ0), shaped [B, 1], no gradient.
function nextLambda(z: tf.Tensor, prev: tf.Tensor, lambda0: number, alpha: number, argument = 'yPred'): tf.Tensor {
  const classes = z.shape[z.shape.length - 1]!;
  if (classes < 2) {
    throw new LosskitError('SHAPE_MISMATCH', 'ALDR-KL needs at least 2 classes: λ_i is normalised by log C, which is 0 for one class', {
      argument,
      expected: '[B, C] with C >= 2',
      received: `C = ${classes}`,
    });
  }
  const logK = Math.log(classes);
  const q = tf.logSoftmax(tf.div(stopGradient(z), prev));
  const klU = tf.add(tf.sum(tf.mul(tf.exp(q), q), -1, true), logK);
  return stopGradient(tf.maximum(tf.mul(tf.sub(1, tf.div(klU, alpha * logK)), lambda0), FLOOR * lambda0));
}

// λ_i from nextLambda, held constant (no gradient), then
// ℓ = λ_i·log mean_k exp(d_k/λ_i) - (α log K/(2 λ0))·(λ_i - λ0)², as the authors' ALDRLoss_V1.
const aldrOp = defineOp<AldrParams>({
  kind: 'aldrKl',
  evaluate: (c, a, p) => {
    const z = c.yPred;
    const logK = Math.log(c.numClasses);
    const lam = nextLambda(z, a.length > 0 ? tf.reshape(a[0]!, [-1, 1]) : tf.scalar(p.lambda0), p.lambda0, p.alpha);
    const t = c.yTrue();
    const d = tf.add(tf.sub(z, tf.sum(tf.mul(z, t), -1, true)), tf.mul(tf.sub(1, t), p.delta));
    const lme = tf.sub(tf.logSumExp(tf.div(d, lam), -1, true), logK);
    const reg = tf.mul(tf.square(tf.sub(lam, p.lambda0)), (p.alpha * logK) / (2 * p.lambda0));
    return tf.reshape(tf.sub(tf.mul(lam, lme), reg), [-1]);
  },
  print: (a, p, m) =>
    m === 'latex'
      ? `\\lambda_i \\log \\frac{1}{C}\\sum_k e^{(${p.delta}\\,[k \\neq y] + z_k - z_y)/\\lambda_i} - \\frac{${p.alpha}\\log C}{2 \\cdot ${p.lambda0}}(\\lambda_i - ${p.lambda0})^2`
      : `aldrkl[δ=${p.delta}, λ0=${p.lambda0}, α=${p.alpha}${a.length ? `, λprev=${a[0]!.s}` : ''}]`,
  prec: PREC.sum,
});

/** Options of {@link aldrKl}. */
export interface AldrKlOptions {
  /** Margin δ on the incorrect classes. Default 1 (authors' `ALDRLoss_V1`). */
  readonly delta?: number;
  /** Reference temperature λ0 > 0. Default 1 (authors' code). */
  readonly lambda0?: number;
  /** Strength α of the pull of λ_i toward λ0. Default 1 (authors' code; they note α > 1 is typical). */
  readonly alpha?: number;
  /**
   * Name of a sample-level input `[B]` holding each sample's previous λ (the per-sample state of the
   * authors' code, indexed by sample id). Without it every sample starts from λ0 (stateless).
   */
  readonly previousLambda?: string;
}

/**
 * ALDR-KL, LDR-KL with a per-sample adaptive temperature λ_i (the authors' `ALDRLoss_V1`):
 * `λ_i = max(λ0 (1 - KL(softmax(z/λ_prev,i) ‖ uniform)/(α log C)), 10⁻⁶ λ0)` computed in closed form
 * and held constant (stop-gradient), then
 * `ℓ_i = λ_i log (1/C) Σ_k exp((δ·1[k≠y] + z_k - z_y)/λ_i) - (α log C/(2 λ0)) (λ_i - λ0)²`.
 * Confident samples (low-entropy predictions) get a small λ_i (close to the max-margin loss), uncertain
 * ones a λ_i near λ0. `λ_prev` is an optional input (state carried across epochs by the caller); without
 * it λ_prev = λ0, i.e. one closed-form update from λ0 each step. Choices not fixed by the paper: the
 * 10⁻⁶ λ0 floor (keeps λ_i > 0 when α ≤ 1 and the prediction is one-hot in float32); the code's
 * logit rescaling `f/(‖f‖₁/C)` and its `+1e-5` on probabilities are not applied (pass rescaled logits).
 * Logits `[B, C]` → `[B]`. Defaults δ = 1, λ0 = 1, α = 1 (authors' code).
 *
 * @example `compile(aldrKl({ alpha: 2 }))(labels, logits)`
 * @see Zhu, Ying, Yang, "Label Distributionally Robust Losses for Multi-class Classification: Consistency, Robustness and Adaptivity", ICML 2023.
 */
export function aldrKl(options: AldrKlOptions = {}): Expr<'sample', 'logits'> {
  const delta = params.nonNegative('delta', options.delta ?? 1);
  const lambda0 = params.positive('lambda0', options.lambda0 ?? 1);
  const alpha = params.positive('alpha', options.alpha ?? 1);
  if (options.previousLambda !== undefined && typeof options.previousLambda !== 'string') {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'previousLambda', expected: 'an input name', received: String(options.previousLambda) });
  }
  const args = options.previousLambda ? [input(options.previousLambda, 'sample')] : [];
  return node(aldrOp, 'sample', args, { delta, lambda0, alpha }, 'logits');
}

/**
 * The per-sample temperatures ALDR-KL uses for a batch, for callers that keep the per-sample state
 * of the authors' code (λ indexed by sample id): `λ_i = max(λ0 (1 - KL(softmax(z_i/λ_prev,i) ‖ U)/(α log C)), 10⁻⁶ λ0)`.
 * Logits `[B, C]` and previous λ `[B]` (default λ0 for every sample) → λ `[B]` (a new tensor; the
 * caller disposes it). Feed the result back as the `previousLambda` input at the sample's next visit.
 *
 * @example `const lam = aldrLambdas(logits, { previous: state.gather(ids) })`
 */
export function aldrLambdas(logits: TensorLike, options: { readonly lambda0?: number; readonly alpha?: number; readonly previous?: TensorLike } = {}): tf.Tensor {
  const lambda0 = params.positive('lambda0', options.lambda0 ?? 1);
  const alpha = params.positive('alpha', options.alpha ?? 1);
  return tf.tidy(() => {
    const z = toTensor(logits, 'logits').tensor;
    const zz = z.rank === 2 ? z : tf.reshape(z, [-1, z.shape[z.rank - 1]!]);
    const prev = options.previous === undefined ? tf.scalar(lambda0) : tf.reshape(toTensor(options.previous, 'previous').tensor, [-1, 1]);
    return tf.reshape(nextLambda(zz, prev, lambda0, alpha, 'logits'), [-1]);
  });
}

export const aldrKlEntry = defineEntry({
  id: 'aldr-kl',
  name: 'ALDR-KL loss',
  package: '@losskit/losses',
  export: 'aldrKl',
  category: 'classification',
  summary: 'LDR-KL with a per-sample temperature λ_i set in closed form from the entropy of the prediction.',
  formula:
    '\\lambda_i = \\lambda_0\\left(1 - \\frac{\\mathrm{KL}(\\operatorname{softmax}(z/\\lambda_i^{\\text{prev}})\\,\\|\\,U)}{\\alpha \\log C}\\right),\\quad \\ell = \\lambda_i \\log \\frac{1}{C}\\sum_k e^{(\\delta \\mathbb{1}[k\\neq y] + z_k - z_y)/\\lambda_i} - \\frac{\\alpha \\log C}{2\\lambda_0}(\\lambda_i - \\lambda_0)^2',
  inputs: 'logits [B, C]; labels [B] or one-hot targets [B, C]; optional input previous λ [B]',
  params: [
    { name: 'delta', default: 1, range: { min: 0 }, description: 'Margin on the incorrect classes.' },
    { name: 'lambda0', default: 1, range: { min: 0, minExclusive: true }, description: 'Reference temperature.' },
    { name: 'alpha', default: 1, range: { min: 0, minExclusive: true }, description: 'Pull of λ_i toward λ0.' },
    { name: 'previousLambda', default: null, range: 'an input name', description: 'Sample-level input with each sample’s previous λ.' },
  ],
  paper: ldrPaper(),
  example:
    "import { compile } from '@losskit/core';\nimport { aldrKl } from '@losskit/losses';\nconst loss = compile(aldrKl({ delta: 1, lambda0: 1, alpha: 2 }));\nloss([0, 2], [[2, 1, 0], [0, 1, 3]]);",
  dsl: 'aldrKl({ delta: 1, lambda0: 1, alpha: 1 })',
});

function ldrPaper() {
  return {
    title: 'Label Distributionally Robust Losses for Multi-class Classification: Consistency, Robustness and Adaptivity',
    authors: 'Dixian Zhu, Yiming Ying, Tianbao Yang',
    year: 2023,
    url: 'arXiv:2112.14869',
  };
}
