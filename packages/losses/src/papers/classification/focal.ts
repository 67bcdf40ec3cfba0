import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ce, defineEntry, defineOp, type Expr, logProb, node, params, PREC, prob, yTrue } from '@losskit/core';
import { denseTargets, softmaxParts } from '../../standard/primitives.js';

/**
 * Focal loss for 0 < γ < 1 with its exact gradient. With `q_j = 1 − p_j` and `f(p) = q^γ log p`, the value is
 * `−α Σ_j y_j f(p_j)` and, from logits, `∂ℓ/∂z_k = −α (h_k q_k − p_k Σ_{j≠k} h_j)` with
 * `h_j = y_j p_j f'(p_j) = y_j q_j^γ (1 + γ p_j L_j)`, `L_j = −log p_j / q_j` (→ 1 as q_j → 0). `d/dp q^γ` is
 * infinite at p = 1 for γ < 1, but `h` is not: `h_j → 0` there, so the gradient's limit at saturation is 0 (it is
 * `−α(1+γ)q^{γ+1}` for the target and `α(1+γ)q^γ p_k` for the others as q → 0). From probabilities (log p of
 * `clip(p, ε, 1)`, whose gradient passes on `[ε, 1]`): `∂ℓ/∂p_j = −α y_j q_j^γ (γ L_j + [ε ≤ p_j ≤ 1]/p_j)`.
 * `p`, `log p` and `q` come from {@link softmaxParts} (exact at ties and where `p` rounds to 1).
 */
const fractionalFocalOp = defineOp<{ gamma: number; alpha: number }>({
  kind: 'std.fractionalFocal',
  evaluate: (c, _a, { gamma, alpha }) => {
    const y = denseTargets(c);
    const { logp, p, q } = softmaxParts(c);
    const fromLogits = c.from === 'logits';
    const eps = c.epsilon;
    const f = tf.customGrad(((pred: Tensor, save: (ts: Tensor[]) => void) => {
      save([y, logp, p, q]);
      // Terms with y_j = 0 are 0 even where log p_j = −∞ (a logit gap beyond float range).
      const term = tf.where(tf.notEqual(y, 0), tf.mul(tf.mul(y, tf.pow(q, gamma)), logp), tf.zerosLike(y));
      return {
        value: tf.mul(tf.sum(term, -1), -alpha),
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [ys, lp, ps, qs] = saved as [Tensor, Tensor, Tensor, Tensor];
          const zero = tf.equal(qs, 0);
          const L = tf.where(zero, tf.onesLike(qs), tf.div(tf.neg(lp), tf.where(zero, tf.onesLike(qs), qs)));
          const qg = tf.pow(qs, gamma);
          let g: Tensor;
          if (fromLogits) {
            const pL = tf.where(tf.equal(ps, 0), tf.zerosLike(ps), tf.mul(ps, L));
            const h = tf.mul(tf.mul(ys, qg), tf.add(1, tf.mul(pL, gamma)));
            const others = tf.sub(tf.sum(h, -1, true), h);
            g = tf.mul(tf.sub(tf.mul(h, qs), tf.mul(ps, others)), -alpha);
          } else {
            const inside = tf.logicalAnd(tf.greaterEqual(ps, eps), tf.lessEqual(ps, 1));
            const inv = tf.where(inside, tf.div(1, tf.where(inside, ps, tf.onesLike(ps))), tf.zerosLike(ps));
            g = tf.mul(tf.mul(tf.mul(ys, qg), tf.add(tf.mul(L, gamma), inv)), -alpha);
          }
          return tf.mul(g, tf.reshape(dy, [-1, 1]));
        },
      };
    }) as never) as unknown as (t: Tensor) => Tensor;
    return f(c.yPred);
  },
  print: (_a, { gamma, alpha }, m) =>
    m === 'latex' ? `-${alpha} \\sum_j y_j (1 - p_j)^{${gamma}} \\log p_j` : `${alpha === 1 ? '' : `${alpha}·`}focal[γ=${gamma}]`,
  prec: PREC.product,
});

/** Options of {@link focal}. */
export interface FocalOptions {
  /** Focusing parameter γ ≥ 0 (γ = 0 is α·CE). Default 2 (Lin et al.). */
  readonly gamma?: number;
  /** Weight α > 0. Default 0.25 (Lin et al.; also Keras' categorical focal loss). */
  readonly alpha?: number;
}

/**
 * Focal loss (softmax form): `FL = -α Σ_j y_j (1 - p_j)^γ log p_j`, i.e. `-α (1 - p_y)^γ log p_y` for
 * a one-hot target. Down-weights well-classified samples. Lin et al. define it for sigmoid outputs
 * with a class-dependent α_t; with a softmax the natural form (as in Keras'
 * `categorical_focal_crossentropy`) uses one α for all classes, which is what this builds.
 * Logits or probabilities `[B, C]` → `[B]`. Defaults γ = 2, α = 0.25.
 *
 * γ = 0 compiles as `α·ce()` and γ ≥ 1 as the DSL product above (both fused). For 0 < γ < 1 the factor
 * `(1 - p)^γ` has an infinite derivative at p = 1 while the product with `log p` has the finite limit 0, so autodiff
 * gives ∞·0 = NaN at saturation; those γ run a custom-gradient op with the closed-form gradient (its limit as
 * p_y → 1 is 0, approached as `α(1+γ)(1-p_y)^γ p_k` for k ≠ y), exact also at p_y = 1 − 1e-8 and at ties of
 * large logits. That op is not fused.
 *
 * @example `compile(focal({ gamma: 2, alpha: 0.25 }))(labels, logits)`
 * @see Lin, Goyal, Girshick, He, Dollár, "Focal Loss for Dense Object Detection", ICCV 2017.
 */
export function focal(options: FocalOptions = {}): Expr<'sample', 'any'> {
  const gamma = params.nonNegative('gamma', options.gamma ?? 2);
  const alpha = params.positive('alpha', options.alpha ?? 0.25);
  if (gamma === 0) return ce().scale(alpha);
  if (gamma < 1) return node(fractionalFocalOp, 'sample', [], { gamma, alpha });
  return prob().neg().plus(1).pow(gamma).times(logProb()).times(yTrue()).sum().scale(-alpha);
}

export const focalEntry = defineEntry({
  id: 'focal',
  name: 'Focal loss',
  package: '@losskit/losses',
  export: 'focal',
  category: 'classification',
  summary: 'Cross-entropy scaled by (1 - p)^γ to focus training on hard examples.',
  formula: '-\\alpha \\sum_j y_j (1 - p_j)^{\\gamma} \\log p_j',
  inputs: 'logits or probabilities [B, C]; labels [B] or one-hot/soft targets [B, C]',
  params: [
    { name: 'gamma', default: 2, range: { min: 0 }, description: 'Focusing parameter.' },
    { name: 'alpha', default: 0.25, range: { min: 0, minExclusive: true }, description: 'Weight.' },
  ],
  paper: { title: 'Focal Loss for Dense Object Detection', authors: 'Tsung-Yi Lin, Priya Goyal, Ross Girshick, Kaiming He, Piotr Dollár', year: 2017, url: 'arXiv:1708.02002' },
  example: "import { compile } from '@losskit/core';\nimport { focal } from '@losskit/losses';\nconst loss = compile(focal({ gamma: 2, alpha: 0.25 }));\nloss([0, 2], [[2, 1, 0], [0, 1, 3]]);",
  dsl: "prob().neg().plus(1).pow(2).times(logProb()).times(yTrue()).sum().scale(-0.25)",
});
