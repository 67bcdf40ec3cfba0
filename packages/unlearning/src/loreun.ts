import * as tf from '@tensorflow/tfjs-core';
import { type Compilable, type Expr, LosskitError, PREC, ce, defineOp, input, node, params, stopGradient } from '@losskit/core';
import { type Objective, objective, optionsOf, sampleLoss } from './objective.js';

const weightsOp = defineOp<{ tau: number }>({
  kind: 'loreunWeights',
  evaluate: (c, a, p) => {
    const l = stopGradient(tf.reshape(a[0]!, [-1]));
    // B·softmax_i(−ℓ_i/τ): weights with mean 1, so the batch mean of w_i·f_i is Σ_i softmax_i·f_i.
    return tf.mul(tf.softmax(tf.div(tf.neg(l), p.tau)), c.batchSize);
  },
  print: (a, p, m) => (m === 'latex' ? `B\\,\\mathrm{softmax}_i\\left(-\\operatorname{sg}(${a[0]!.s})/${p.tau}\\right)` : `B·softmax_i(-sg(${a[0]!.s})/${p.tau})`),
  prec: PREC.product,
});

/** Options of {@link loreunWeights} and {@link loreun}. */
export interface LoreunOptions {
  /** Temperature τ > 0 of the weights. Default 1 (the paper's value was not verified; see the TSDoc). */
  readonly tau?: number;
  /**
   * `dynamic` (default): ℓ_i is the loss under the current model at each step; `static`: ℓ_i is the loss under the
   * original model, `input('referenceLoss', 'sample')` (the `unlearn` driver supplies it from the reference model).
   */
  readonly mode?: 'dynamic' | 'static';
  /** The loss ℓ that measures how hard a sample is to forget. Default `ce()`. */
  readonly loss?: Expr<'sample'>;
}

/**
 * LoReUn sample weights over the forget batch: `w_i = B·exp(−ℓ_i/τ) / Σ_j exp(−ℓ_j/τ)` with ℓ under stop-gradient,
 * so low-loss (hard-to-forget) samples weigh more and the weights average 1. Shapes: `[B]` → `[B]`.
 *
 * What is verified: the mechanism (a temperature-scaled exponential of each forget sample's loss, normalized within
 * the batch, larger weight for lower loss; static = original model's loss, dynamic = current model's loss) from the
 * paper's abstract, Fig. 1 and a summary of the method. The exact functional form and the default τ could not be
 * read from the paper or code here: the batch softmax and τ = 1 are our choice.
 *
 * @example ce().neg().times(loreunWeights())
 * @see Li, Shen, Wang, Kawaguchi, "LoReUn: Data Itself Implicitly Provides Cues to Improve Machine Unlearning" (2025), arXiv:2507.22499.
 */
export function loreunWeights(options: LoreunOptions = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const tau = params.positive('tau', options.tau ?? 1);
  const mode = options.mode ?? 'dynamic';
  if (mode !== 'dynamic' && mode !== 'static') {
    throw new LosskitError('INVALID_PARAMETER', 'unknown LoReUn mode', { argument: 'mode', expected: "'dynamic' or 'static'", received: String(mode) });
  }
  const loss = mode === 'static' ? input('referenceLoss', 'sample') : sampleLoss(options.loss ?? ce(), 'loss');
  return node(weightsOp, 'sample', [loss], { tau }) as Expr<'sample', 'any'>;
}

/**
 * Reweights a per-sample forget term by {@link loreunWeights}: `term_i · w_i`, so its batch mean is `Σ_i softmax_i · term_i`.
 * @example loreunTerm(ce().neg()) // LoReUn on gradient ascent
 */
export function loreunTerm<K extends 'any' | 'logits'>(term: Expr<'sample', K>, options: LoreunOptions = {}): Expr<'sample', 'any' | K> {
  if (!term || term.level !== 'sample') {
    throw new LosskitError('LEVEL_MISMATCH', 'LoReUn reweights a sample-level forget term', { argument: 'term', received: term ? `${term.level}-level` : String(term) });
  }
  return term.times(loreunWeights(options)) as Expr<'sample', 'any' | K>;
}

/**
 * LoReUn on a base objective: its forget term (which must be sample-level) reweighted by loss, the retain term unchanged.
 * Default base: gradient difference. Static mode needs a reference model.
 * @example const obj = loreun(gradientDifference(), { tau: 1 });
 */
export function loreun(base: Objective, options: LoreunOptions = {}): Objective {
  options = optionsOf(options);
  if (!base?.forget || base.forget.level !== 'sample') {
    throw new LosskitError('INVALID_ARGUMENT', 'LoReUn needs a base objective with a sample-level forget term', { argument: 'base' });
  }
  return objective({
    name: `loreun(${base.name})`,
    forget: loreunTerm(base.forget as Expr<'sample'>, { ...options, loss: options.loss ?? base.referenceLoss }) as Compilable,
    ...(base.retain ? { retain: base.retain } : {}),
    gamma: base.gamma,
    alpha: base.alpha,
    referenceLoss: base.referenceLoss,
  });
}
