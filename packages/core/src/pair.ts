/**
 * Pair-level (`[B, B]`) machinery for metric learning: the embeddings leaf, label-derived masks,
 * masked row reductions and the broadcasts between sample and pair level. Distances and losses live
 * in `@losskit/metric-learning`; this file holds only what every pair-level loss needs.
 *
 * Conventions: a pair-level value `x_ij` has the anchor `i` on rows and the other sample `j` on
 * columns; row reductions go over `j` and land on sample level. Masks are float tensors of 0 and 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { EvalContext } from './context.js';
import { LosskitError, formatShape } from './errors.js';
import { rowExtreme } from './ops.js';
import { Expr, type Needs, PREC, defineOp, node, paren } from './expr.js';

/** How a masked row reduction combines the selected entries of a row. */
export type RowReduce = 'mean' | 'sum' | 'max' | 'min' | 'logSumExp';

const ROW_REDUCE: readonly RowReduce[] = ['mean', 'sum', 'max', 'min', 'logSumExp'];

// Masked-out entries are replaced by this before max/min; it never reaches an output (empty rows give 0).
const BIG = 1e30;

function needLabels(ctx: EvalContext, what: string): Tensor {
  if (!ctx.labels) {
    throw new LosskitError('INPUT_KIND_MISMATCH', `${what} needs integer labels`, {
      argument: 'yTrue',
      expected: 'integer labels of shape [B]',
      received: 'dense targets',
    });
  }
  return ctx.labels;
}

/** `[B, B]` float mask `1[y_i = y_j]` (diagonal included), computed once per call. */
function sameLabel(ctx: EvalContext): Tensor {
  return ctx.memo('@pair.sameLabel', () => {
    const y = needLabels(ctx, 'a label mask');
    return tf.cast(tf.equal(tf.reshape(y, [-1, 1]), tf.reshape(y, [1, -1])), 'float32');
  });
}

function eyeOf(ctx: EvalContext): Tensor {
  return ctx.memo('@pair.eye', () => tf.eye(ctx.batchSize));
}

const leaf = (kind: string, text: string, latex: string, evaluate: (ctx: EvalContext) => Tensor) =>
  defineOp({ kind, evaluate: (c) => evaluate(c), print: (_a, _p, m) => (m === 'latex' ? latex : text), prec: PREC.atom });

const embeddingsOp = leaf('embeddings', 'e', '\\mathbf{e}_i', (c) => c.yPred);
const positiveMaskOp = leaf('positiveMask', 'P', 'P_{ij}', (c) => tf.sub(sameLabel(c), eyeOf(c)));
const negativeMaskOp = leaf('negativeMask', 'N', 'N_{ij}', (c) => tf.sub(1, sameLabel(c)));
const sameLabelMaskOp = leaf('sameLabelMask', 'S', 'S_{ij}', (c) => sameLabel(c));
const identityMaskOp = leaf('identityMask', 'I', 'I_{ij}', (c) => eyeOf(c));

/**
 * Masked row reduction `r_i = reduce_{j : m_ij ≠ 0} x_ij` (pair → sample). A row with no selected
 * entry gives 0 for every reduction, with zero gradient (documented choice: an anchor without
 * positives contributes nothing rather than NaN or ±∞).
 */
export function maskedRowReduce(x: Tensor, mask: Tensor, how: RowReduce): Tensor {
  if (!ROW_REDUCE.includes(how)) {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown row reduction', { argument: 'how', expected: ROW_REDUCE.map((r) => `'${r}'`).join(', '), received: String(how) });
  }
  if (!(x instanceof tf.Tensor) || !(mask instanceof tf.Tensor)) {
    throw new LosskitError('INVALID_ARGUMENT', 'maskedRowReduce() takes tensors', { argument: x instanceof tf.Tensor ? 'mask' : 'x', expected: 'a tf.Tensor', received: typeof (x instanceof tf.Tensor ? mask : x) });
  }
  let shape: number[];
  try {
    shape = tf.backend_util.assertAndGetBroadcastShape(x.shape, mask.shape);
  } catch {
    throw new LosskitError('SHAPE_MISMATCH', 'x and mask do not broadcast', { argument: 'mask', expected: `a shape that broadcasts with x ${formatShape(x.shape)}`, received: formatShape(mask.shape) });
  }
  return tf.tidy(() => maskedRowReduceOf(x, mask, shape, how));
}

function maskedRowReduceOf(x: Tensor, mask: Tensor, shape: number[], how: RowReduce): Tensor {
  const xb = x.shape.join() === shape.join() ? x : tf.broadcastTo(x, shape);
  const mb = mask.shape.join() === shape.join() ? mask : tf.broadcastTo(mask, shape);
  const on = tf.notEqual(mb, 0);
  const count = tf.sum(tf.cast(on, 'float32'), -1);
  const has = tf.greater(count, 0);
  switch (how) {
    case 'sum':
      return tf.sum(tf.where(on, xb, tf.zerosLike(xb)), -1);
    case 'mean':
      return tf.div(tf.sum(tf.where(on, xb, tf.zerosLike(xb)), -1), tf.maximum(count, 1));
    case 'max':
    case 'min': {
      const sign = how === 'max' ? 1 : -1;
      const filled = tf.where(on, tf.mul(xb, sign), tf.fill(xb.shape, -BIG));
      return tf.where(has, tf.mul(rowExtreme(filled, 'max'), sign), tf.zerosLike(count));
    }
    case 'logSumExp': {
      const m0 = tf.max(tf.where(on, xb, tf.fill(xb.shape, -BIG)), -1);
      const m = tf.where(has, stopGrad(m0), tf.zerosLike(m0));
      const shifted = tf.where(on, tf.sub(xb, tf.reshape(m, [-1, 1])), tf.fill(xb.shape, -BIG));
      const s = tf.sum(tf.exp(shifted), -1);
      const safe = tf.where(has, s, tf.onesLike(s));
      return tf.where(has, tf.add(m, tf.log(safe)), tf.zerosLike(s));
    }
  }
}

const stopGrad = (x: Tensor): Tensor =>
  tf.customGrad(((t: Tensor) => ({ value: t.clone(), gradFunc: (dy: Tensor) => tf.zerosLike(dy) })) as never)(x);

const REDUCE_TEXT: Record<RowReduce, [string, string]> = {
  mean: ['mean', '\\operatorname{mean}'],
  sum: ['sum', '\\sum'],
  max: ['max', '\\max'],
  min: ['min', '\\min'],
  logSumExp: ['logsumexp', '\\operatorname{LSE}'],
};

const maskedReduceOp = defineOp<{ how: RowReduce }>({
  kind: 'maskedRowReduce',
  evaluate: (_c, a, p) => maskedRowReduce(a[0]!, a[1]!, p.how),
  print: (a, p, m) => {
    const [t, l] = REDUCE_TEXT[p.how];
    return m === 'latex' ? `${l}_{j:\\,${a[1]!.s}} ${paren(a[0]!, PREC.unary, m)}` : `${t}_{j∈${a[1]!.s}} ${paren(a[0]!, PREC.unary, m)}`;
  },
  prec: PREC.unary,
});

const rowsOp = defineOp({
  kind: 'pairRows',
  evaluate: (_c, a) => tf.reshape(a[0]!, [-1, 1]),
  print: (a, _p, m) => (m === 'latex' ? `${paren(a[0]!, PREC.atom, m)}_i` : `${paren(a[0]!, PREC.atom, m)}_i`),
});
const colsOp = defineOp({
  kind: 'pairCols',
  evaluate: (_c, a) => tf.reshape(a[0]!, [1, -1]),
  print: (a, _p, m) => (m === 'latex' ? `${paren(a[0]!, PREC.atom, m)}_j` : `${paren(a[0]!, PREC.atom, m)}_j`),
});
const transposeOp = defineOp({
  kind: 'pairTranspose',
  evaluate: (_c, a) => tf.transpose(a[0]!),
  print: (a, _p, m) => (m === 'latex' ? `{${paren(a[0]!, PREC.atom, m)}}^{\\top}` : `${paren(a[0]!, PREC.atom, m)}ᵀ`),
});

/** The embeddings `e`, `[B, D]` (the raw `yPred` under `compile(expr, { from: 'embeddings' })`), as a class-level term over the D features. */
export function embeddings(): Expr<'class', 'any'> {
  return node(embeddingsOp, 'class');
}

/** Positive-pair mask `P_ij = 1[y_i = y_j and i ≠ j]`, `[B, B]`, from the integer labels. */
export function positiveMask(): Expr<'pair', 'any'> {
  return node(positiveMaskOp, 'pair');
}

/** Negative-pair mask `N_ij = 1[y_i ≠ y_j]`, `[B, B]`. */
export function negativeMask(): Expr<'pair', 'any'> {
  return node(negativeMaskOp, 'pair');
}

/** Same-label mask `S_ij = 1[y_i = y_j]`, `[B, B]`, diagonal included. */
export function sameLabelMask(): Expr<'pair', 'any'> {
  return node(sameLabelMaskOp, 'pair');
}

/** Identity mask `I_ij = 1[i = j]`, `[B, B]` (the positives of paired views, e.g. SigLIP's labels `2I - 1`). */
export function identityMask(): Expr<'pair', 'any'> {
  return node(identityMaskOp, 'pair');
}

function checkHow(how: RowReduce): RowReduce {
  if (!ROW_REDUCE.includes(how)) {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown row reduction', {
      argument: 'how',
      expected: `one of ${ROW_REDUCE.map((h) => `'${h}'`).join(', ')}`,
      received: String(how),
    });
  }
  return how;
}

/**
 * Reduces each row of a pair-level term over the entries where `mask ≠ 0`:
 * `r_i = reduce_{j: m_ij ≠ 0} x_ij`, `[B, B]` → `[B]`. Empty rows give 0 (zero gradient).
 * @example overRow(d, positiveMask(), 'max') // hardest-positive distance per anchor
 */
export function overRow<K extends Needs, K2 extends Needs>(x: Expr<'pair', K>, mask: Expr<'pair', K2>, how: RowReduce = 'mean'): Expr<'sample', K | K2> {
  if (x.level !== 'pair' || mask.level !== 'pair') {
    throw new LosskitError('LEVEL_MISMATCH', 'masked row reductions need pair-level terms', {
      argument: 'x',
      expected: 'pair-level term and mask',
      received: `${x.level} and ${mask.level}`,
    });
  }
  return node(maskedReduceOp, 'sample', [x, mask], { how: checkHow(how) }) as Expr<'sample', K | K2>;
}

/** `r_i = reduce_{j: y_j = y_i, j ≠ i} x_ij` (positives of each anchor). */
export function positives<K extends Needs>(x: Expr<'pair', K>, how: RowReduce = 'mean'): Expr<'sample', K> {
  return overRow(x, positiveMask(), how) as Expr<'sample', K>;
}

/** `r_i = reduce_{j: y_j ≠ y_i} x_ij` (negatives of each anchor). */
export function negatives<K extends Needs>(x: Expr<'pair', K>, how: RowReduce = 'mean'): Expr<'sample', K> {
  return overRow(x, negativeMask(), how) as Expr<'sample', K>;
}

/**
 * Hardest positive or negative per anchor. For a distance (`as: 'distance'`, default) the hardest
 * positive is the farthest (`max`) and the hardest negative the nearest (`min`); for a similarity
 * the other way round. Rows without such pairs give 0.
 */
export function hardest<K extends Needs>(x: Expr<'pair', K>, which: 'positives' | 'negatives', as: 'distance' | 'similarity' = 'distance'): Expr<'sample', K> {
  if (which !== 'positives' && which !== 'negatives') {
    throw new LosskitError('INVALID_ARGUMENT', 'hardest() selects positives or negatives', { argument: 'which', expected: "'positives' or 'negatives'", received: String(which) });
  }
  if (as !== 'distance' && as !== 'similarity') {
    throw new LosskitError('INVALID_ARGUMENT', 'hardest() needs to know whether larger means farther', { argument: 'as', expected: "'distance' or 'similarity'", received: String(as) });
  }
  const farthest = (which === 'positives') === (as === 'distance');
  return overRow(x, which === 'positives' ? positiveMask() : negativeMask(), farthest ? 'max' : 'min') as Expr<'sample', K>;
}

/** Broadcasts a per-sample value along rows: `x_ij = v_i`, `[B]` → `[B, B]` (by broadcasting). */
export function alongRows<K extends Needs>(v: Expr<'sample', K>): Expr<'pair', K> {
  return node(rowsOp, 'pair', [v]) as Expr<'pair', K>;
}

/** Broadcasts a per-sample value along columns: `x_ij = v_j`. */
export function alongCols<K extends Needs>(v: Expr<'sample', K>): Expr<'pair', K> {
  return node(colsOp, 'pair', [v]) as Expr<'pair', K>;
}

/** Transposes a pair-level term: `x_ij → x_ji` (e.g. the text-to-image direction of CLIP). */
export function transpose<K extends Needs>(x: Expr<'pair', K>): Expr<'pair', K> {
  return node(transposeOp, 'pair', [x]) as Expr<'pair', K>;
}

/** The functions the pair-level `Expr` methods forward to (set once when this module loads). */
export const pairMethods = { overRow, positives, negatives, hardest, transpose } as const;
/** @internal */
export type PairMethods = typeof pairMethods;

Expr.pairMethods = pairMethods;
