import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, PREC, defineOp, logSumExpParts, logit, node, yTrue, params as kparams } from '@losskit/core';
import { OPTAX, standardEntry } from './entry.js';
import { withoutGradient } from './primitives.js';

/** Masks and extra terms of {@link softmaxCrossEntropyRows}. */
export interface SoftmaxCeMasks {
  /** Entries that enter the softmax normaliser (default every entry). */
  readonly normalizer?: Tensor;
  /** Entries whose target mass is counted (default every entry). */
  readonly targets?: Tensor;
  /** Adds `poly · Σ_{targets} t (1 − p)` (optax's PolyLoss term). Default 0. */
  readonly poly?: number;
}

/**
 * Softmax cross-entropy of rows `z` `[N, K]` against targets `t` `[N, K]` with optax's masks and `−∞` logits:
 * `CE = Σ_{j∈T, t_j≠0} t_j (m − z_j) + l · Σ_{j∈T} t_j`, with `m = max_{j∈N} z_j` and `l = log Σ_{j∈N} e^{z_j − m}`
 * over the normaliser entries `N` (mask ∧ `z > −∞`) and the target entries `T`: `−Σ_T t log p` with `p` the softmax
 * over `N`, formed as `(m − z) + l` (exact at ties of huge logits; core's `logSumExpParts`). A target of 0 on a `−∞`
 * logit contributes 0 (`0 log 0 = 0`, optax's `safe_softmax_cross_entropy`), a positive one `+∞`. A row with an
 * empty `normalizer` mask gives 0 (optax's `where`). Gradient `p · Σ_T t − t_T` with respect to `z` (0 outside `N`),
 * by autodiff with every masked branch finite (no `0 · ∞`). Booleans masks; call inside `tf.tidy`.
 */
export function softmaxCrossEntropyRows(z: Tensor, t: Tensor, masks: SoftmaxCeMasks = {}): Tensor {
  // Every mask is computed off the gradient tape (tfjs has no gradient for Greater, LogicalAnd, Any, NotEqual, and
  // would walk into them through tf.where's condition): one node with a zero gradient returns them as 0/1 floats.
  const [useZ, fill, sel, inT, rows] = tf.unstack(withoutGradient(tf.stack([z, t]), (zt) => {
    const [zv, tv] = tf.unstack(zt) as [Tensor, Tensor];
    const inNorm = tf.logicalAnd(masks.normalizer ?? tf.ones(zv.shape, 'bool'), tf.greater(zv, Number.NEGATIVE_INFINITY));
    const live = tf.broadcastTo(tf.any(inNorm, -1, true), zv.shape);
    const targets = masks.targets ?? tf.ones(zv.shape, 'bool');
    const kept = masks.normalizer ? tf.broadcastTo(tf.any(masks.normalizer, -1, true), zv.shape) : tf.ones(zv.shape, 'bool');
    const f32 = (b: Tensor) => tf.cast(b, 'float32');
    return tf.stack([
      f32(tf.logicalAnd(inNorm, live)),
      tf.where(live, tf.fill(zv.shape, Number.NEGATIVE_INFINITY), tf.zerosLike(zv)),
      f32(tf.logicalAnd(targets, tf.notEqual(tv, 0))),
      f32(targets),
      f32(kept),
    ]);
  })) as [Tensor, Tensor, Tensor, Tensor, Tensor];
  const is = (mask: Tensor) => tf.cast(mask, 'bool');
  const zN = tf.where(is(useZ!), z, fill!);
  const { max, rel } = logSumExpParts(zN);
  const m = tf.broadcastTo(tf.reshape(max, [-1, 1]), z.shape);
  const tSel = tf.where(is(sel!), t, tf.zerosLike(t));
  const zT = tf.where(is(sel!), z, m);
  const mass = tf.sum(tf.where(is(inT!), t, tf.zerosLike(t)), -1);
  let value = tf.add(tf.sum(tf.mul(tSel, tf.sub(m, zT)), -1), tf.mul(rel, mass));
  if (masks.poly) {
    const p = tf.exp(tf.sub(tf.sub(zN, m), tf.reshape(rel, [-1, 1])));
    value = tf.add(value, tf.mul(tf.sum(tf.mul(tSel, tf.sub(1, p)), -1), masks.poly));
  }
  if (!masks.normalizer) return value;
  return tf.where(is(tf.reshape(tf.slice(rows!, [0, 0], [-1, 1]), [-1])), value, tf.zerosLike(value));
}

const maskedCeOp = defineOp<{ maskNormalizer: boolean; maskTargets: boolean; poly: number }>({
  kind: 'std.maskedSoftmaxCe',
  evaluate: (_c, a, p) => {
    const mask = a[2] ? tf.notEqual(a[2], 0) : undefined;
    return softmaxCrossEntropyRows(a[0]!, a[1]!, {
      ...(mask && p.maskNormalizer ? { normalizer: mask } : {}),
      ...(mask && p.maskTargets ? { targets: mask } : {}),
      ...(p.poly ? { poly: p.poly } : {}),
    });
  },
  print: (a, p, m) => {
    const w = a[2] ? (m === 'latex' ? `_{${a[2].s} \\neq 0}` : `[${a[2].s}]`) : '';
    const base = m === 'latex' ? `-\\sum${w} ${a[1]!.s} \\log \\operatorname{softmax}${w}(z)` : `-sum${w} ${a[1]!.s}·log softmax${w}(z)`;
    return p.poly ? `${base} + ${p.poly}${m === 'latex' ? '\\sum' : '·sum'}${w} ${a[1]!.s}(1 - p)` : base;
  },
  prec: PREC.sum,
});

/**
 * The masked softmax cross-entropy node behind {@link rankingSoftmax} and the optax drop-in's softmax losses:
 * `−Σ_T t log softmax_N(z)` (see {@link softmaxCrossEntropyRows}) with `t = targets` and the mask `where`
 * restricting the normaliser and (unless `maskTargets: false`) the target sum.
 * @internal
 */
export function maskedSoftmaxCe(options: { readonly targets?: Expr<'class', 'any'>; readonly where?: Expr<'class', 'any'>; readonly maskTargets?: boolean; readonly poly?: number } = {}): Expr<'sample', 'logits'> {
  const args = [logit(), options.targets ?? yTrue(), ...(options.where ? [options.where] : [])];
  return node(maskedCeOp, 'sample', args, { maskNormalizer: true, maskTargets: kparams.boolean('maskTargets', options.maskTargets ?? true), poly: options.poly ?? 0 }, 'logits');
}

/** Options of {@link rankingSoftmax}. */
export interface RankingSoftmaxOptions {
  /** Valid items (non-zero = valid), e.g. `input('where', 'class')`: others leave the softmax and the sum. Default all. */
  readonly where?: Expr<'class', 'any'>;
  /** Per-item weights multiplying the relevance labels, e.g. `input('weights', 'class')`. Default 1. */
  readonly weights?: Expr<'class', 'any'>;
}

/**
 * Listwise ranking softmax loss, one value per list: `l = −Σ_{i valid} w_i y_i log( e^{s_i} / Σ_{j valid} e^{s_j} )`,
 * with scores `s` (logits), relevance labels `y ≥ 0` (not normalised: graded relevance counts) and optional item
 * weights `w`; items outside `where` leave both the softmax and the sum, and a list with no valid item gives 0.
 * Exact for ±1e4 and huge scores (optax's test with 3.4e37 passes); gradient `p Σ w y − w y` over the valid items.
 * Scores and labels `[B, L]` → `[B]`. optax reduces with `reduce_fn=jnp.mean` over the lists with a valid item;
 * `@losskit/losses/optax` `rankingSoftmaxLoss` does that, here `compile()`'s reduction applies (`weightedMean`
 * with a 0/1 sample weight per list gives optax's mean).
 *
 * optax `ranking_softmax_loss(logits, labels, *, where, weights, reduce_fn)` (google-deepmind/optax
 * `optax/losses/_ranking.py` at 2edbcbe2390da13983b92cbef94ac0460ecde1c5).
 *
 * @example compile(rankingSoftmax(), { reduction: 'sum' })([[0, 0, 1, 1]], [[0, 3, 1, 2]])
 * @see Cao et al., "Learning to Rank: From Pairwise Approach to Listwise Approach" (ICML 2007); Bruch et al., "An Analysis of the Softmax Cross Entropy Loss for Learning-to-Rank with Binary Relevance" (ICTIR 2019).
 */
export function rankingSoftmax(options: RankingSoftmaxOptions = {}): Expr<'sample', 'logits'> {
  const targets = options.weights ? yTrue().times(options.weights) : yTrue();
  return maskedSoftmaxCe({ targets, ...(options.where ? { where: options.where } : {}) });
}

export const rankingSoftmaxEntry = standardEntry({
  id: 'ranking-softmax',
  name: 'Ranking softmax loss (listwise)',
  export: 'rankingSoftmax',
  category: 'ranking',
  summary: 'Listwise softmax cross-entropy of item scores against graded relevance, with valid-item masks and item weights (optax ranking_softmax_loss).',
  formula: '-\\sum_{i \\in V} w_i y_i \\log \\frac{e^{s_i}}{\\sum_{j \\in V} e^{s_j}}',
  inputs: 'item scores [B, L] (logits), relevance labels [B, L]; optional inputs where [B, L] and weights [B, L] via the options',
  params: [],
  paper: OPTAX,
  example: "import { compile, input } from '@losskit/core';\nimport { rankingSoftmax } from '@losskit/losses';\nconst loss = compile(rankingSoftmax({ where: input('where', 'class') }))([[1, 0, 0], [0, 0, 1]], [[2, 1, 0], [1, 0.5, 1.5]], { inputs: { where: [[1, 1, 0], [1, 1, 1]] } });",
  dsl: "rankingSoftmax({ where: input('where', 'class') })",
});
