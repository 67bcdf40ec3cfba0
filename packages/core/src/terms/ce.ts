import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { EvalContext } from '../context.js';
import { params } from '../errors.js';
import { type Expr, PREC, defineOp, node } from '../expr.js';
import { gatherRows, logSumExpParts, oneHotRows } from '../ops.js';

/** Options of {@link ce}. */
export interface CeOptions {
  /** Label smoothing ε ∈ [0, 1]: targets become `y(1-ε) + ε/C` (Szegedy et al. 2016; Keras/tfjs semantics). Default 0. */
  readonly labelSmoothing?: number;
}

/** Smoothed dense targets `y(1-ε) + ε/C`. */
export function smoothTargets(t: Tensor, eps: number, numClasses: number): Tensor {
  return eps === 0 ? t : tf.add(tf.mul(t, 1 - eps), eps / numClasses);
}

/**
 * CE from logits with its closed-form gradient, exact for any finite logits. With the shared row
 * log-sum-exp kept as `lse = m + l` (`m = max_j z_j`, `l = log Σ_j exp(z_j − m)`, see `logSumExpParts`):
 * sparse labels `(1-ε)(m − z_y) + ε/C Σ_j (m − z_j) + l`, dense targets `Σ_j t̃_j (m − z_j) + l·Σt̃`.
 * Forming `m − z_j` first keeps `l` when the logits are huge (`[1e30, 1e30, 0]` with label 0 gives `log 2`,
 * where `lse − z_y` gives 0). The gradient is `p·Σt̃ − t̃` with `p = exp((z − m) − l)`. `m` and `l` are
 * inputs only so they are computed once per call; CE's whole derivative flows through `z`.
 */
function ceFromLogits(c: EvalContext, eps: number): Tensor {
  const z = c.yPred;
  const { max, rel } = c.memo('@lse', () => logSumExpParts(z));
  const C = c.numClasses;
  // Everything the gradient reads goes through save(): a compiled loss called inside tf.grad runs in
  // its own tidy, which would otherwise dispose captured tensors before the backward pass.
  const f = tf.customGrad(((zIn: Tensor, mIn: Tensor, lIn: Tensor, save: (t: Tensor[]) => void) => {
    let value: Tensor;
    const m = tf.reshape(mIn, [-1, 1]);
    if (c.labels) {
      const gap = tf.sub(mIn, gatherRows(zIn, c.labels, C));
      value = tf.add(eps === 0 ? gap : tf.mul(gap, 1 - eps), lIn);
      if (eps > 0) value = tf.add(value, tf.mul(tf.sum(tf.sub(m, zIn), -1), eps / C));
      save([zIn, mIn, lIn, c.labels]);
    } else {
      const dense = smoothTargets(c.yTrue(), eps, C);
      const mass = tf.sum(dense, -1);
      value = tf.add(tf.sum(tf.mul(dense, tf.sub(m, zIn)), -1), tf.mul(lIn, mass));
      save([zIn, mIn, lIn, dense, mass]);
    }
    return {
      value,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [zs, ms, ls, t, mass] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor | undefined];
        const p = tf.exp(tf.sub(tf.sub(zs, tf.reshape(ms, [-1, 1])), tf.reshape(ls, [-1, 1])));
        let g: Tensor;
        if (mass === undefined) {
          const hit = tf.mul(oneHotRows(t, C), 1 - eps);
          g = tf.sub(eps > 0 ? tf.sub(p, eps / C) : p, hit);
        } else {
          g = tf.sub(tf.mul(p, tf.reshape(mass, [-1, 1])), t);
        }
        return [tf.mul(g, tf.reshape(dy, [-1, 1])), tf.zerosLike(ms), tf.zerosLike(ls)];
      },
    };
  }) as never);
  return (f as unknown as (a: Tensor, b: Tensor, l: Tensor) => Tensor)(z, max, rel);
}

const ceOp = defineOp<{ labelSmoothing: number }>({
  kind: 'ce',
  evaluate: (c, _a, p) => {
    if (c.from === 'logits') return ceFromLogits(c, p.labelSmoothing);
    const t = smoothTargets(c.yTrue(), p.labelSmoothing, c.numClasses);
    return tf.neg(tf.sum(tf.mul(t, c.logProbs()), -1));
  },
  print: (_a, p, m) => {
    const ls = p.labelSmoothing ? (m === 'latex' ? `_{\\varepsilon=${p.labelSmoothing}}` : `[ε=${p.labelSmoothing}]`) : '';
    return m === 'latex' ? `\\mathrm{CE}${ls}` : `ce${ls}`;
  },
  prec: PREC.atom,
});

/**
 * Cross-entropy, one value per sample: `CE = -Σ_j ỹ_j log p_j` with `ỹ = y(1-ε) + ε/C`.
 * From logits `log p = z - logsumexp(z)` (stable for ±1e4 logits) with the closed-form gradient
 * `p·Σỹ - ỹ`; integer labels are gathered, never expanded to a one-hot.
 * Works with integer labels `[B]` and one-hot or soft targets `[B, C]`.
 *
 * @example `compile(ce({ labelSmoothing: 0.1 }))(labels, logits)`
 * @see Label smoothing: Szegedy et al., "Rethinking the Inception Architecture for Computer Vision" (2016).
 */
export function ce(options: CeOptions = {}): Expr<'sample', 'any'> {
  const labelSmoothing = params.closedUnitInterval('labelSmoothing', options.labelSmoothing ?? 0);
  return node(ceOp, 'sample', [], { labelSmoothing });
}

/** Alias of {@link ce}. */
export const crossEntropy = ce;
