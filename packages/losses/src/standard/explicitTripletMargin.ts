import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineOp, formatShape, input, node, params, yPred, yTrue } from '@losskit/core';
import { TORCH, standardEntry } from './entry.js';

/** Options of {@link explicitTripletMargin}. */
export interface ExplicitTripletMarginOptions {
  /** Margin. Default 1 (torch). */
  readonly margin?: number;
  /** Norm degree p > 0 of the pairwise distance. Default 2. */
  readonly p?: number;
  /** Added to every coordinate of the difference before the norm (torch `pairwise_distance`). Default 1e-6. */
  readonly eps?: number;
  /** Use `min(d(a, n), d(p, n))` as the negative distance (Balntas et al.'s distance swap). Default false. */
  readonly swap?: boolean;
}

/** `‖x1 − x2 + eps‖_p` per row, torch `pairwise_distance(x1, x2, p, eps)`, as a sample-level term. */
function pairwiseDistance(x1: Expr<'class', 'any'>, x2: Expr<'class', 'any'>, p: number, eps: number): Expr<'sample', 'any'> {
  const d = x1.minus(x2).plus(eps);
  if (p === 1) return d.abs().sum();
  // ‖d‖_p = m·(Σ_j (|d_j|/m)^p)^{1/p} with m = max_j |d_j| held constant (the norm is 1-homogeneous, so m's own
  // gradient term is zero): Σ|d|^p alone overflows float32 where the norm fits (p = 30 at |d| = 20, p = 2 at 2e19).
  const m = d.abs().max().detach().maximum(1e-30);
  const r = d.abs().div(m.expand());
  return (p === 2 ? r.pow(2).sum().sqrt() : r.pow(p).sum().pow(1 / p)).times(m);
}

/**
 * Triplet margin loss on explicit triplets, torch `TripletMarginLoss(margin, p, eps, swap)`, one value per triplet:
 * `l = max(0, d(a, p) − d(a, n) + margin)` with `d(x, y) = ‖x − y + eps‖_p` (torch's `pairwise_distance`), and with
 * `swap` the negative distance `min(d(a, n), d(p, n))` (Balntas et al. 2016). The anchor is `yPred`, the positive is
 * passed as dense targets `yTrue`, the negative as `inputs.negative`, all `[B, D]` → `[B]`. (For triplets mined from
 * labels in a batch see `@losskit/metric-learning`'s `tripletMargin`.)
 *
 * @example compile(explicitTripletMargin({ margin: 0.5, swap: true }))(positives, anchors, { inputs: { negative: negatives } })
 * @see Balntas, Riba, Ponsa, Mikolajczyk, "Learning local feature descriptors with triplets and shallow convolutional neural networks" (BMVC 2016); torch.nn.TripletMarginLoss.
 */
export function explicitTripletMargin(options: ExplicitTripletMarginOptions = {}): Expr<'sample', 'any'> {
  const margin = params.finite('margin', options.margin ?? 1);
  const p = params.positive('p', options.p ?? 2);
  const eps = params.nonNegative('eps', options.eps ?? 1e-6);
  const swap = params.boolean('swap', options.swap ?? false);
  const a = yPred();
  const pos = yTrue();
  const neg = input('negative', 'class');
  const dPos = pairwiseDistance(a, pos, p, eps);
  let dNeg = pairwiseDistance(a, neg, p, eps);
  if (swap) dNeg = dNeg.minimum(pairwiseDistance(pos, neg, p, eps));
  return dPos.minus(dNeg).plus(margin).relu();
}

export const explicitTripletMarginEntry = standardEntry({
  id: 'explicit-triplet-margin',
  name: 'Triplet margin loss (explicit triplets)',
  export: 'explicitTripletMargin',
  category: 'embedding',
  summary: 'Hinge on d(a, p) − d(a, n) + margin for given (anchor, positive, negative) rows, with the distance swap (torch TripletMarginLoss).',
  formula: '\\max\\left(0,\\ d(a, p) - d(a, n) + m\\right),\\ d(x, y) = \\lVert x - y + \\epsilon \\rVert_p',
  inputs: 'anchors [B, D] (yPred), positives [B, D] (yTrue), inputs.negative [B, D]',
  params: [
    { name: 'margin', default: 1, description: 'Margin m.' },
    { name: 'p', default: 2, range: { min: 0, minExclusive: true }, description: 'Norm degree of the distance.' },
    { name: 'eps', default: 1e-6, range: { min: 0 }, description: 'Added to the difference before the norm.' },
    { name: 'swap', default: false, description: 'Negative distance min(d(a, n), d(p, n)).' },
  ],
  paper: { title: 'Learning local feature descriptors with triplets and shallow convolutional neural networks', authors: 'Vassileios Balntas, Edgar Riba, Daniel Ponsa, Krystian Mikolajczyk', year: 2016 },
  example: "import { compile } from '@losskit/core';\nimport { explicitTripletMargin } from '@losskit/losses';\nconst loss = compile(explicitTripletMargin())([[0.5, 1], [0, 0.2]], [[0.4, 0.9], [1, 0]], { inputs: { negative: [[0.6, 1.2], [-1, 0.3]] } });",
  dsl: 'explicitTripletMargin({ margin: 1, p: 2, eps: 1e-6, swap: false })',
});

/** A distance between the rows of two `[B, D]` tensors, returning `[B]` (differentiable tfjs ops). */
export type RowDistance = (x1: Tensor, x2: Tensor) => Tensor;

/** Options of {@link explicitTripletMarginWithDistance}. */
export interface ExplicitTripletMarginWithDistanceOptions {
  /** The distance; default torch's `pairwise_distance` (`‖x1 − x2 + 1e-6‖₂`). */
  readonly distance?: RowDistance;
  /** Margin > 0. Default 1 (torch). */
  readonly margin?: number;
  /** Use `min(d(a, n), d(p, n))` as the negative distance. Default false. */
  readonly swap?: boolean;
}

/** A stable key per distance function, so compiled expressions with different distances never share a cache slot. */
const distanceIds = new WeakMap<RowDistance, number>();
let nextDistanceId = 0;
function distanceId(f: RowDistance): number {
  let id = distanceIds.get(f);
  if (id === undefined) {
    id = nextDistanceId++;
    distanceIds.set(f, id);
  }
  return id;
}

/** torch's default `pairwise_distance(x1, x2)`: `‖x1 − x2 + 1e-6‖₂` per row. */
export const pairwiseDistance2: RowDistance = (x1, x2) => tf.sqrt(tf.sum(tf.square(tf.add(tf.sub(x1, x2), 1e-6)), -1));

function callDistance(f: RowDistance, x1: Tensor, x2: Tensor, rows: number): Tensor {
  let d: Tensor;
  try {
    d = f(x1, x2);
  } catch (e) {
    if (e instanceof LosskitError) throw e;
    throw new LosskitError('INVALID_ARGUMENT', 'the distance function threw', { argument: 'distance', expected: `a function of two [${rows}, D] tensors returning [${rows}]`, received: String((e as Error)?.message ?? e) });
  }
  if (!(d instanceof tf.Tensor) || d.size !== rows || d.rank > 2 || (d.rank === 2 && d.shape[1] !== 1)) {
    throw new LosskitError('INVALID_ARGUMENT', 'the distance function must return one distance per row', {
      argument: 'distance',
      expected: `a tensor of shape [${rows}]`,
      received: d instanceof tf.Tensor ? formatShape(d.shape) : typeof d,
    });
  }
  return tf.reshape(d, [rows]);
}

const withDistanceOp = defineOp<{ distance: RowDistance; id: number; margin: number; swap: boolean }>({
  kind: 'std.tripletMarginWithDistance',
  evaluate: (c, args, p) => {
    const [a, pos, neg] = args as [Tensor, Tensor, Tensor];
    const n = c.batchSize;
    const dPos = callDistance(p.distance, a, pos, n);
    let dNeg = callDistance(p.distance, a, neg, n);
    if (p.swap) dNeg = tf.minimum(dNeg, callDistance(p.distance, pos, neg, n));
    return tf.relu(tf.add(tf.sub(dPos, dNeg), p.margin));
  },
  print: (_a, p, m) => {
    const neg = p.swap ? (m === 'latex' ? '\\min(d(a,n), d(p,n))' : 'min(d(a,n), d(p,n))') : 'd(a,n)';
    return m === 'latex' ? `\\left[d(a,p) - ${neg} + ${p.margin}\\right]_+` : `[d(a,p) − ${neg} + ${p.margin}]₊`;
  },
});

/**
 * Triplet margin loss with a user-supplied distance, torch `TripletMarginWithDistanceLoss(distance_function, margin,
 * swap)`: `l = max(0, d(a, p) − d(a, n) + margin)` with `d` any function of two `[B, D]` tensors returning `[B]`
 * distances made of differentiable tfjs ops (default torch's `pairwise_distance`, `‖x1 − x2 + 1e-6‖₂`); `swap` uses
 * `min(d(a, n), d(p, n))`. Anchor `yPred`, positive `yTrue`, negative `inputs.negative`, all `[B, D]` → `[B]`.
 *
 * @example compile(explicitTripletMarginWithDistance({ distance: (x, y) => tf.sub(1, tf.sum(tf.mul(x, y), -1)) }))(p, a, { inputs: { negative: n } })
 * @see torch.nn.TripletMarginWithDistanceLoss.
 */
export function explicitTripletMarginWithDistance(options: ExplicitTripletMarginWithDistanceOptions = {}): Expr<'sample', 'any'> {
  const distance = options.distance ?? pairwiseDistance2;
  if (typeof distance !== 'function') {
    throw new LosskitError('INVALID_PARAMETER', 'the distance must be a function', { argument: 'distance', expected: '(x1: Tensor, x2: Tensor) => Tensor of shape [B]', received: typeof distance });
  }
  const margin = params.positive('margin', options.margin ?? 1);
  const swap = params.boolean('swap', options.swap ?? false);
  return node(withDistanceOp, 'sample', [yPred(), yTrue(), input('negative', 'class')], { distance, id: distanceId(distance), margin, swap });
}

export const explicitTripletMarginWithDistanceEntry = standardEntry({
  id: 'explicit-triplet-margin-with-distance',
  name: 'Triplet margin loss with a distance function (explicit triplets)',
  export: 'explicitTripletMarginWithDistance',
  category: 'embedding',
  summary: 'Hinge on d(a, p) − d(a, n) + margin for a user-supplied distance d (torch TripletMarginWithDistanceLoss).',
  formula: '\\max\\left(0,\\ d(a, p) - d(a, n) + m\\right)',
  inputs: 'anchors [B, D] (yPred), positives [B, D] (yTrue), inputs.negative [B, D]',
  params: [
    { name: 'distance', default: 'pairwise L2 (eps 1e-6)', description: 'A function (x1, x2) => distances [B] of tfjs ops.' },
    { name: 'margin', default: 1, range: { min: 0, minExclusive: true }, description: 'Margin m.' },
    { name: 'swap', default: false, description: 'Negative distance min(d(a, n), d(p, n)).' },
  ],
  paper: TORCH,
  example: "import { compile } from '@losskit/core';\nimport { explicitTripletMarginWithDistance } from '@losskit/losses';\nconst loss = compile(explicitTripletMarginWithDistance())([[0.5, 1], [0, 0.2]], [[0.4, 0.9], [1, 0]], { inputs: { negative: [[0.6, 1.2], [-1, 0.3]] } });",
  dsl: 'explicitTripletMarginWithDistance({ margin: 1, swap: false })',
});
