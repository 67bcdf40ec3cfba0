import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, checkParam, formatShape, toTensor } from '@losskit/core';
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
  | { readonly kind: 'perAnchor'; readonly level: 'sample' };

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

/** Throws unless `r` is one of this module's reducers. */
export function checkReducer(r: unknown): Reducer {
  const x = r as Partial<Record<string, unknown>> | null;
  const levelOk = !!x && typeof x === 'object' && x.level === (x.kind === 'perAnchor' ? 'sample' : 'batch');
  const thresholdOk = x?.kind !== 'threshold' || (typeof x.low === 'number' && typeof x.high === 'number' && Number.isFinite(x.low) && Number.isFinite(x.high) && x.low < x.high);
  if (!x || typeof x !== 'object' || !['mean', 'meanNonZero', 'threshold', 'perAnchor'].includes(x.kind as string) || !levelOk || !thresholdOk) {
    throw new LosskitError('INVALID_ARGUMENT', 'unsupported reducer', {
      argument: 'reducer',
      expected: 'mean(), meanNonZero(), threshold() or perAnchor()',
      received: r && typeof r === 'object' ? String((r as { kind?: unknown }).kind) : typeof r,
    });
  }
  return r as Reducer;
}

/**
 * Reduces element losses `l` with presence mask `m` (same shape, or broadcastable to it; first axis = anchor).
 * Returns a scalar, or `[B]` for {@link perAnchor}: a new tensor (the caller disposes it); intermediates are freed,
 * also when the call throws. Errors: `INVALID_ARGUMENT` (`r` not a reducer of this module), `RANK_MISMATCH`
 * (`losses` a scalar), `SHAPE_MISMATCH` (`mask` not broadcastable to `losses`).
 * @example applyReducer(perTripletLosses, tripletMask, meanNonZero())
 */
export function applyReducer(losses: TensorLike, mask: TensorLike, r: Reducer): Tensor {
  const red = checkReducer(r);
  return tf.tidy(() => {
    const l = toTensor(losses, 'losses').tensor;
    const m = toTensor(mask, 'mask').tensor;
    if (l.rank < 1) throw new LosskitError('RANK_MISMATCH', 'element losses need an anchor axis', { argument: 'losses', expected: 'shape [B, ...]', received: formatShape(l.shape) });
    const fits = m.rank <= l.rank && m.shape.every((d, i) => d === 1 || d === l.shape[l.rank - m.rank + i]);
    if (!fits) throw new LosskitError('SHAPE_MISMATCH', 'the mask must broadcast to the losses', { argument: 'mask', expected: `a shape broadcastable to ${formatShape(l.shape)}`, received: formatShape(m.shape) });
    return reduceTensor(l, m, red);
  });
}

function reduceTensor(losses: Tensor, mask: Tensor, r: Reducer): Tensor {
  const m = mask.shape.join() === losses.shape.join() ? mask : tf.broadcastTo(mask, losses.shape);
  const on = tf.notEqual(m, 0);
  const zero = tf.zerosLike(losses);
  const masked = tf.where(on, losses, zero);
  const countOf = (sel: Tensor) => tf.sum(tf.cast(sel, 'float32'));
  switch (r.kind) {
    case 'mean':
      return tf.div(tf.sum(masked), tf.maximum(countOf(on), 1));
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
