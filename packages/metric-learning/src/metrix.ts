import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, checkParam, defineOp, embeddings, node, params } from '@losskit/core';
import { betaSampler, rng } from '@losskit/core/math';
import { type Distance, checkDistance, distanceName, euclidean, pairwiseTensor } from './distances.js';
import { labelsOf, optionsOf } from './internal.js';

/** Options of {@link metrix}. */
export interface MetrixOptions {
  /** λ ~ Beta(α, α). Default 2 (the embedding-mixup call of the authors' code; their `mixup_data` default is 0.4). */
  readonly alpha?: number;
  /** A fixed λ in [0, 1] instead of sampling (reproducible runs, tests). */
  readonly lambda?: number;
  /** Seed of the λ sampler. Default 0. */
  readonly seed?: number;
  /** Positive margin m⁺. Default 0 (distances) / 1 (similarities). */
  readonly posMargin?: number;
  /** Negative margin m⁻. Default 0.5 (distances) / 0 (similarities). */
  readonly negMargin?: number;
  /** Default `euclidean()`. */
  readonly distance?: Distance;
}

interface P {
  posMargin: number;
  negMargin: number;
  distance: Distance;
  alpha: number;
  /** λ for this evaluation: fixed, or the next draw of the seeded Beta sampler. */
  lambda: () => number;
}

/** `Σ x / #(x > 0)` (0 when nothing is positive): PML's mean over non-zero losses. */
function meanNonZero(x: Tensor): Tensor {
  const n = tf.sum(tf.cast(tf.greater(x, 0), 'float32'));
  return tf.div(tf.sum(x), tf.maximum(n, 1));
}

const op = defineOp<P>({
  kind: 'ml.metrix',
  evaluate: (ctx, a, p) => {
    const e = a[0]!;
    const y = labelsOf(ctx, 'metrix');
    const [n, d] = e.shape as [number, number];
    const lam = p.lambda();
    // x̃_pn = λ e_p + (1 - λ) e_n for every (p, n), then its distance to every anchor: [a, p, n].
    const mixed = tf.reshape(tf.add(tf.mul(tf.expandDims(e, 1), lam), tf.mul(tf.expandDims(e, 0), 1 - lam)), [n * n, d]);
    const dist = tf.reshape(pairwiseTensor(p.distance, e, mixed), [n, n, n]);
    // Triplets: p a positive of a (p ≠ a), n a negative of a.
    const same = tf.cast(tf.equal(tf.reshape(y, [-1, 1]), tf.reshape(y, [1, -1])), 'float32');
    const pos = tf.sub(same, tf.eye(n));
    const t = tf.mul(tf.expandDims(pos, 2), tf.expandDims(tf.sub(1, same), 1));
    const inv = p.distance.isInverted;
    const lp = tf.relu(inv ? tf.sub(p.posMargin, dist) : tf.sub(dist, p.posMargin));
    const ln = tf.relu(inv ? tf.sub(dist, p.negMargin) : tf.sub(p.negMargin, dist));
    return tf.add(meanNonZero(tf.mul(tf.mul(lp, t), lam)), meanNonZero(tf.mul(tf.mul(ln, t), 1 - lam)));
  },
  print: (_a, p, m) => {
    const dd = distanceName(p.distance, m);
    return m === 'latex'
      ? `\\lambda\\left[${dd}(a, \\tilde x) - ${p.posMargin}\\right]_+ + (1-\\lambda)\\left[${p.negMargin} - ${dd}(a, \\tilde x)\\right]_+`
      : `λ[${dd}(a, x̃) - ${p.posMargin}]_+ + (1-λ)[${p.negMargin} - ${dd}(a, x̃)]_+`;
  },
});

/**
 * Metrix mixed-pair loss ("It Takes Two to Tango: Mixup for Deep Metric Learning", Venkataramanan et al.
 * 2022), embedding mixup with the contrastive loss as in the authors' code (`mixup_data`,
 * `loss_posneg_mixup`): for every anchor a with a positive p and a negative n, the mixed embedding
 * `x̃ = λ e_p + (1 - λ) e_n` (λ ~ Beta(α, α), one draw per call) is a positive with weight λ and a
 * negative with weight 1 - λ:
 * `λ [d(a, x̃) - m⁺]_+` and `(1 - λ) [m⁻ - d(a, x̃)]_+` (for similarities `λ[m⁺ - s]_+`, `(1-λ)[s - m⁻]_+`),
 * each averaged over its non-zero terms and added. Defaults α = 2, m⁺ = 0, m⁻ = 0.5, `euclidean()`.
 * Add it to the clean loss; the authors' training step weights it by 0.4
 * (`loss_clean + 0.4·loss_mixed`): `contrastive({ negMargin: 0.5 }).plus(metrix().scale(0.4))`. Over all
 * triplets of the batch (memory `[B, B, B]`); a batch without any (positive, negative) pair gives 0.
 * The multi-similarity and proxy-anchor variants are not included: the authors' multi-similarity code
 * scales the clean sums by λ, pads clean rows against per-triplet rows and writes the mixed negative
 * mask into the clean one, so it pins no formula we could reproduce faithfully.
 * @example compile(contrastive({ negMargin: 0.5 }).plus(metrix({ alpha: 2 }).scale(0.4)), { from: 'embeddings' })
 */
export function metrix(options: MetrixOptions = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const distance = checkDistance(options.distance ?? euclidean());
  const inv = distance.isInverted;
  const check = (name: string, v: number) => checkParam(name, v, inv ? 'a finite number' : 'a number >= 0', (x) => inv || x >= 0);
  const posMargin = check('posMargin', options.posMargin ?? (inv ? 1 : 0));
  const negMargin = check('negMargin', options.negMargin ?? (inv ? 0 : 0.5));
  const alpha = params.positive('alpha', options.alpha ?? 2);
  let lambda: () => number;
  if (options.lambda !== undefined) {
    const l = params.closedUnitInterval('lambda', options.lambda);
    lambda = () => l;
  } else lambda = betaSampler(alpha, alpha, rng(params.finite('seed', options.seed ?? 0)));
  return node(op, 'batch', [embeddings()], { posMargin, negMargin, distance, alpha, lambda });
}
