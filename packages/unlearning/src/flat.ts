import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, PREC, defineOp, input, node, prob } from '@losskit/core';
import { type FDivergenceName, fDivergences } from '@losskit/losses';
import { type Objective, objective, optionsOf, sampleLoss } from './objective.js';

/** The divergences FLAT supports here: the entries of `fDivergences` from @losskit/losses. */
export type FlatDivergence = FDivergenceName;

/**
 * FLAT's activation/conjugate pair is `act(x) = −g_f(s·x)`, `conj(x) = −f*(g_f(s·x))`, with g_f and f*∘g_f from the
 * f-GAN table (`fDivergences`) and s = −1 for reverse KL and squared Hellinger, +1 otherwise. This reproduces the
 * authors' table (UCSC-REAL/FLAT `get_contrastive_loss`), e.g. TV: `act = conj = −tanh(x)/2`; KL: `act = −x`,
 * `conj = −e^{x−1}`; Pearson: `act = −x`, `conj = −(x²/4 + x)`; JS: `act = log(1+e^{−x}) − log 2`,
 * `conj = −softplus(x) + log 2`.
 */
const SIGN: Record<FlatDivergence, 1 | -1> = { kl: 1, reverseKl: -1, js: 1, pearson: 1, squaredHellinger: -1, totalVariation: 1 };

function checkDivergence(d: unknown): FlatDivergence {
  if (typeof d !== 'string' || !Object.hasOwn(fDivergences, d)) {
    throw new LosskitError('INVALID_PARAMETER', 'unknown f-divergence for FLAT', {
      argument: 'divergence',
      expected: Object.keys(fDivergences).map((k) => `'${k}'`).join(', '),
      received: String(d),
    });
  }
  return d as FlatDivergence;
}

const flatOp = defineOp<{ divergence: FlatDivergence }>({
  kind: 'flat',
  evaluate: (_c, a, p) => {
    const spec = fDivergences[p.divergence];
    const s = SIGN[p.divergence];
    const good = s === 1 ? a[0]! : tf.neg(a[0]!);
    const bad = s === 1 ? a[1]! : tf.neg(a[1]!);
    // act(P_g) − conj(P_f) = −g_f(s·P_g) + f*(g_f(s·P_f))
    return tf.sub(spec.conjugateOfActivation(bad), spec.activation(good));
  },
  print: (a, p, m) =>
    m === 'latex'
      ? `\\mathrm{act}_{${p.divergence}}\\left(${a[0]!.s}\\right) - \\mathrm{conj}_{${p.divergence}}\\left(${a[1]!.s}\\right)`
      : `act_${p.divergence}(${a[0]!.s}) - conj_${p.divergence}(${a[1]!.s})`,
  prec: PREC.sum,
});

/** Options of {@link flatTerm} and {@link flat}. */
export interface FlatOptions {
  /** Which f-divergence; default `totalVariation` (FLAT's default). */
  readonly divergence?: FlatDivergence;
  /**
   * Probability of the template ("good", e.g. "I don't know") response per sample, P_g. Default
   * `prob().times(input('template', 'class')).sum()`: the predicted mass on a per-sample template distribution
   * `[B, C]` passed as input `template` (a one-hot of the template class, or any distribution).
   */
  readonly good?: Expr<'sample'>;
  /** Probability of the forget response per sample, P_f. Default `prob().target()` (the forgotten label). */
  readonly forget?: Expr<'sample'>;
}

/**
 * The FLAT loss per sample: `L = act(P_g) − conj(P_f)`, the negated f-GAN variational bound between the template
 * (good) responses and the forget responses, with P the (mean per-token) probability of a response — not its log.
 * Minimizing it raises P_g and lowers P_f using only forget data. Default divergence total variation:
 * `L = −tanh(P_g)/2 + tanh(P_f)/2`. The activation/conjugate pairs come from `fDivergences` of @losskit/losses
 * (kl, reverseKl, js, pearson, squaredHellinger, totalVariation); FLAT's Jeffrey and Neyman forms are not included.
 * Shapes: probabilities or logits `[B, C]`, labels `[B]`, input `template` `[B, C]` → `[B]`.
 *
 * @example compile(flatTerm({ divergence: 'kl' }))(labels, logits, { inputs: { template } })
 * @see Wang, Wei, Liu, Liu, Chen, Li, Liu, "LLM Unlearning via Loss Adjustment with Only Forget Data" (ICLR 2025), code UCSC-REAL/FLAT.
 */
export function flatTerm(options: FlatOptions = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const divergence = checkDivergence(options.divergence ?? 'totalVariation');
  const good = sampleLoss(options.good ?? prob().times(input('template', 'class')).sum(), 'good');
  const forget = sampleLoss(options.forget ?? prob().target(), 'forget');
  return node(flatOp, 'sample', [good, forget], { divergence }) as Expr<'sample', 'any'>;
}

/**
 * FLAT objective (forget data only): `L = mean_forget flatTerm`. Default divergence total variation.
 * @example const obj = flat({ divergence: 'js' });
 * @see Wang et al., "LLM Unlearning via Loss Adjustment with Only Forget Data" (ICLR 2025).
 */
export function flat(options: FlatOptions = {}): Objective {
  return objective({ name: 'flat', forget: flatTerm(options) });
}
