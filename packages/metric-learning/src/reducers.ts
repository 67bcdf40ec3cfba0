import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, checkParam, formatShape, params, toTensor } from '@losskit/core';
import { optionsOf } from './internal.js';

/**
 * How per-element losses (one per pair, triplet or anchor, PML "reduction types") become the loss.
 * Plain frozen data. `level` says what the reduced value is: `batch` (one number) or `sample`
 * (one value per anchor, reduced further by `compile({ reduction })`).
 */
export type Reducer =
  | { readonly kind: 'mean'; readonly level: 'batch' }
  | { readonly kind: 'meanNonZero'; readonly level: 'batch' }
  | { readonly kind: 'threshold'; readonly level: 'batch'; readonly low: number; readonly high: number }
  | { readonly kind: 'perAnchor'; readonly level: 'sample' }
  | { readonly kind: 'sum'; readonly level: 'batch' }
  | { readonly kind: 'divisor'; readonly level: 'batch' }
  | { readonly kind: 'classWeighted'; readonly level: 'batch'; readonly weights: readonly number[] }
  | {
      readonly kind: 'multiple';
      readonly level: 'batch' | 'sample';
      readonly reducers: Readonly<Record<string, Reducer>>;
      readonly fallback: Reducer;
    };

/** The level a loss lands on with reducer `R`. */
export type LevelOf<R extends Reducer> = R['level'];

/** Mean over the elements present (PML `MeanReducer`): `Σ m_e l_e / Σ m_e`; 0 when there are none. */
export function mean(): Reducer & { kind: 'mean'; level: 'batch' } {
  return Object.freeze({ kind: 'mean', level: 'batch' });
}

/**
 * Mean over the elements with a positive loss (PML `AvgNonZeroReducer`, the default of triplet,
 * contrastive and circle losses): `Σ l_e / #{e : l_e > 0}`; 0 (with zero gradient) when none is positive.
 */
export function meanNonZero(): Reducer & { kind: 'meanNonZero'; level: 'batch' } {
  return Object.freeze({ kind: 'meanNonZero', level: 'batch' });
}

/**
 * Mean over the elements with `low < l_e < high` (PML `ThresholdReducer`); 0 when none passes.
 * Defaults `low = -∞`, `high = +∞` (written as ±1e38 so the data stays finite).
 */
export function threshold(options: { readonly low?: number; readonly high?: number } = {}): Reducer & { kind: 'threshold'; level: 'batch' } {
  options = optionsOf(options);
  const low = options.low ?? -1e38;
  const high = options.high ?? 1e38;
  checkParam('low', low, 'a finite number below high', (v) => v < high);
  checkParam('high', high, 'a finite number', () => true);
  return Object.freeze({ kind: 'threshold', level: 'batch', low, high });
}

/**
 * Mean over each anchor's own elements: `r_a = Σ_e m_ae l_ae / Σ_e m_ae` (0 for an anchor without
 * elements), a sample-level value per anchor. `compile({ reduction })` then reduces over anchors
 * (PML `PerAnchorReducer` instead averages the non-zero anchors by default).
 */
export function perAnchor(): Reducer & { kind: 'perAnchor'; level: 'sample' } {
  return Object.freeze({ kind: 'perAnchor', level: 'sample' });
}

/** Sum of the elements (PML `SumReducer`): `Σ_e m_e l_e`. */
export function sum(): Reducer & { kind: 'sum'; level: 'batch' } {
  return Object.freeze({ kind: 'sum', level: 'batch' });
}

/**
 * Sum divided by a count the loss supplies (PML `DivisorReducer`): `Σ_e l_e / divisor`, 0 when the divisor is 0.
 * The losses that supply one: `margin` (positive + negative pairs), `proxyAnchor`-style proxy losses and
 * `sparseCentersRegularizer`; every other loss supplies 1 (a plain sum).
 */
export function divisor(): Reducer & { kind: 'divisor'; level: 'batch' } {
  return Object.freeze({ kind: 'divisor', level: 'batch' });
}

/**
 * Class-weighted mean (PML `ClassWeightedReducer`): `(1/|E|) Σ_e w[y_{anchor(e)}] l_e` over every element `e`,
 * weighted by the class of its anchor (for per-anchor losses, the sample's own class). `weights[c]` is the weight
 * of class `c`; a label outside `[0, weights.length)` is `LABEL_OUT_OF_RANGE` at call time.
 */
export function classWeighted(weights: readonly number[]): Reducer & { kind: 'classWeighted'; level: 'batch' } {
  if (!Array.isArray(weights) || weights.length === 0) {
    throw new LosskitError('INVALID_ARGUMENT', 'class weights must be a non-empty array', { argument: 'weights', expected: 'an array of finite numbers, one per class', received: Array.isArray(weights) ? '[]' : typeof weights });
  }
  weights.forEach((w, c) => params.finite(`weights[${c}]`, w));
  return Object.freeze({ kind: 'classWeighted', level: 'batch', weights: Object.freeze([...weights]) });
}

/**
 * One reducer per sub-loss, the reduced values summed (PML `MultipleReducers`): contrastive's `pos_loss` and
 * `neg_loss`, margin's `margin_loss` and `beta_reg_loss`, ... Sub-losses not named use `fallback` (default
 * `mean()`, as PML). All reducers must land on the same level.
 * @example contrastive({ reducer: multipleReducers({ pos_loss: meanNonZero(), neg_loss: sum() }) })
 */
export function multipleReducers(reducers: Readonly<Record<string, Reducer>>, fallback: Reducer = mean()): Reducer & { kind: 'multiple' } {
  if (!reducers || typeof reducers !== 'object' || Array.isArray(reducers)) {
    throw new LosskitError('INVALID_ARGUMENT', 'expected an object of reducers by sub-loss name', { argument: 'reducers', expected: '{ [subLoss]: reducer }', received: reducers === null ? 'null' : typeof reducers });
  }
  const all = { ...reducers };
  for (const [k, r] of Object.entries(all)) all[k] = checkReducer(r, `reducers.${k}`);
  const fb = checkReducer(fallback, 'fallback');
  const level = fb.level;
  for (const [k, r] of Object.entries(all)) {
    if (r.level !== level) {
      throw new LosskitError('INVALID_ARGUMENT', 'reducers land on different levels', { argument: `reducers.${k}`, expected: `a ${level}-level reducer (as fallback)`, received: `${r.kind} (${r.level} level)` });
    }
  }
  return Object.freeze({ kind: 'multiple', level, reducers: Object.freeze(all), fallback: fb }) as Reducer & { kind: 'multiple' };
}

const KINDS = ['mean', 'meanNonZero', 'threshold', 'perAnchor', 'sum', 'divisor', 'classWeighted', 'multiple'];

/** Throws unless `r` is one of this module's reducers. */
export function checkReducer(r: unknown, argument = 'reducer'): Reducer {
  const x = r as Partial<Record<string, unknown>> | null;
  const ok = (() => {
    if (!x || typeof x !== 'object' || !KINDS.includes(x.kind as string)) return false;
    if (x.kind === 'multiple') {
      const rs = x.reducers as Record<string, unknown> | undefined;
      if (!rs || typeof rs !== 'object') return false;
      try {
        const fb = checkReducer(x.fallback, argument);
        return x.level === fb.level && Object.values(rs).every((s) => checkReducer(s, argument).level === fb.level);
      } catch {
        return false;
      }
    }
    if (x.level !== (x.kind === 'perAnchor' ? 'sample' : 'batch')) return false;
    if (x.kind === 'threshold') return typeof x.low === 'number' && typeof x.high === 'number' && Number.isFinite(x.low) && Number.isFinite(x.high) && x.low < x.high;
    if (x.kind === 'classWeighted') return Array.isArray(x.weights) && x.weights.length > 0 && x.weights.every((w) => typeof w === 'number' && Number.isFinite(w));
    return true;
  })();
  if (!ok) {
    throw new LosskitError('INVALID_ARGUMENT', 'unsupported reducer', {
      argument,
      expected: 'mean(), meanNonZero(), threshold(), perAnchor(), sum(), divisor(), classWeighted(w) or multipleReducers({...})',
      received: r && typeof r === 'object' ? String((r as { kind?: unknown }).kind) : typeof r,
    });
  }
  return r as Reducer;
}

/** The reducer a sub-loss named `name` uses. */
export function reducerFor(r: Reducer, name: string): Exclude<Reducer, { kind: 'multiple' }> {
  if (r.kind !== 'multiple') return r;
  return reducerFor(r.reducers[name] ?? r.fallback, name);
}

/**
 * Reduces element losses `l` with presence mask `m` (same shape, or broadcastable to it; first axis = anchor).
 * Returns a scalar, or `[B]` for {@link perAnchor}: a new tensor (the caller disposes it); intermediates are freed,
 * also when the call throws. `classWeighted` needs `options.labels` (the class of each anchor, `[B]`), `divisor`
 * takes `options.divisor` (default 1). Errors: `INVALID_ARGUMENT` (`r` not a reducer of this module, or
 * `multipleReducers`, which needs named sub-losses), `RANK_MISMATCH` (`losses` a scalar), `SHAPE_MISMATCH` (`mask`
 * not broadcastable to `losses`, `labels` not `[B]`), `LABEL_OUT_OF_RANGE`.
 * @example applyReducer(perTripletLosses, tripletMask, meanNonZero())
 */
export function applyReducer(losses: TensorLike, mask: TensorLike, r: Reducer, options: { readonly labels?: TensorLike; readonly divisor?: number } = {}): Tensor {
  const red = checkReducer(r);
  options = optionsOf(options);
  if (red.kind === 'multiple') {
    throw new LosskitError('INVALID_ARGUMENT', 'multipleReducers() reduces named sub-losses of a loss, not one tensor', { argument: 'reducer', expected: 'a single reducer', received: 'multipleReducers(...)' });
  }
  const div = options.divisor === undefined ? 1 : params.nonNegative('divisor', options.divisor);
  return tf.tidy(() => {
    const l = toTensor(losses, 'losses').tensor;
    const m = toTensor(mask, 'mask').tensor;
    if (l.rank < 1) throw new LosskitError('RANK_MISMATCH', 'element losses need an anchor axis', { argument: 'losses', expected: 'shape [B, ...]', received: formatShape(l.shape) });
    const fits = m.rank <= l.rank && m.shape.every((d, i) => d === 1 || d === l.shape[l.rank - m.rank + i]);
    if (!fits) throw new LosskitError('SHAPE_MISMATCH', 'the mask must broadcast to the losses', { argument: 'mask', expected: `a shape broadcastable to ${formatShape(l.shape)}`, received: formatShape(m.shape) });
    let w: Tensor | undefined;
    if (red.kind === 'classWeighted') {
      if (options.labels === undefined) throw new LosskitError('MISSING_INPUT', 'classWeighted() needs the class of each anchor', { argument: 'options.labels', expected: `integer labels [${l.shape[0]}]`, received: 'nothing' });
      const y = toTensor(options.labels, 'options.labels').tensor;
      if (y.rank !== 1 || y.shape[0] !== l.shape[0]) throw new LosskitError('SHAPE_MISMATCH', 'one label per anchor', { argument: 'options.labels', expected: `shape [${l.shape[0]}]`, received: formatShape(y.shape) });
      const yv = y.dataSync();
      const ws = red.weights;
      for (let i = 0; i < yv.length; i++) {
        if (!Number.isInteger(yv[i]) || yv[i]! < 0 || yv[i]! >= ws.length) throw new LosskitError('LABEL_OUT_OF_RANGE', 'a label has no class weight', { argument: 'options.labels', expected: `integers in [0, ${ws.length})`, received: `${yv[i]} at index ${i}` });
      }
      w = tf.reshape(tf.tensor1d(Array.from(yv, (c) => ws[c]!)), [-1, ...new Array(l.rank - 1).fill(1)]);
    }
    return reduceTensor(l, m, red, w, div);
  });
}

function reduceTensor(losses: Tensor, mask: Tensor, r: Exclude<Reducer, { kind: 'multiple' }>, classW: Tensor | undefined, div: number): Tensor {
  const m = mask.shape.join() === losses.shape.join() ? mask : tf.broadcastTo(mask, losses.shape);
  const on = tf.notEqual(m, 0);
  const zero = tf.zerosLike(losses);
  const masked = tf.where(on, losses, zero);
  const countOf = (sel: Tensor) => tf.sum(tf.cast(sel, 'float32'));
  switch (r.kind) {
    case 'mean':
      return tf.div(tf.sum(masked), tf.maximum(countOf(on), 1));
    case 'sum':
      return tf.sum(masked);
    case 'divisor':
      return div === 0 ? tf.mul(tf.sum(masked), 0) : tf.div(tf.sum(masked), div);
    case 'classWeighted':
      return tf.div(tf.sum(tf.mul(masked, classW!)), tf.maximum(countOf(on), 1));
    case 'meanNonZero': {
      // The indicator l > 0 (comparisons have a registered zero gradient; tf.sign on WASM is 0 for |x| < 1e-7).
      const ind = tf.mul(tf.cast(on, 'float32'), tf.cast(tf.greater(losses, 0), 'float32'));
      return tf.div(tf.sum(tf.mul(masked, ind)), tf.maximum(tf.sum(ind), 1));
    }
    case 'threshold': {
      const ind = tf.mul(tf.cast(on, 'float32'), tf.cast(tf.logicalAnd(tf.greater(losses, r.low), tf.less(losses, r.high)), 'float32'));
      return tf.div(tf.sum(tf.mul(masked, ind)), tf.maximum(tf.sum(ind), 1));
    }
    case 'perAnchor': {
      const b = losses.shape[0]!;
      const flat = tf.reshape(masked, [b, -1]);
      const cnt = tf.sum(tf.reshape(tf.cast(on, 'float32'), [b, -1]), -1);
      return tf.div(tf.sum(flat, -1), tf.maximum(cnt, 1));
    }
  }
}
