import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, formatShape } from '@losskit/core';
import { compiledOnce } from '../compiled.js';
import { type ValidateOption, finiteOutput, inputTensor, validateOption } from '../validate.js';
import { type KerasReduction, checkReduction, kerasReduce, squeezeOrExpand } from './reduce.js';

/**
 * Options every Keras-style loss takes. With `validate` (default `true`, as `compile()`), NaN/±Inf in `yTrue`,
 * `yPred` or `sampleWeight` raise `NON_FINITE_INPUT` naming the argument and the index, integer labels are
 * range-checked (`LABEL_OUT_OF_RANGE`, `NON_INTEGER_LABEL`), and a result that is not finite raises
 * `NON_FINITE_OUTPUT`; `validate: false` keeps only the shape checks.
 */
export interface KerasLossOptions extends ValidateOption {
  /** How per-sample losses become the result. Default `'sum_over_batch_size'`. */
  readonly reduction?: KerasReduction;
  /** Sample weights, broadcast against the per-sample losses (shape `[B]`, `[B, 1]`, `[B, T]`, or a scalar). */
  readonly sampleWeight?: TensorLike;
}

/** Moves `axis` of `t` to the end (Keras' `axis` argument); -1 is a no-op. */
export function axisToLast(t: Tensor, axis: number, name: string): Tensor {
  if (!Number.isInteger(axis) || axis < -Math.max(t.rank, 1) || axis >= Math.max(t.rank, 1)) {
    throw new LosskitError('INVALID_ARGUMENT', 'axis out of range', { argument: 'axis', expected: `an integer in [-${t.rank}, ${t.rank})`, received: `${axis} for ${name} of shape ${formatShape(t.shape)}` });
  }
  const a = axis < 0 ? axis + t.rank : axis;
  if (a === t.rank - 1 || t.rank <= 1) return t;
  const perm = [...Array.from({ length: t.rank }, (_, i) => i).filter((i) => i !== a), a];
  return tf.transpose(t, perm);
}

/** Inputs after Keras' rank alignment: `[..., C]` with the output shape of the per-sample losses. */
interface Aligned {
  readonly yTrue: Tensor;
  readonly yPred: Tensor;
  readonly outShape: readonly number[];
}

/** Dense targets and predictions: same rank after `squeeze_or_expand_to_same_rank`, then the same shape. */
export function alignDense(yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions, axis = -1): Aligned {
  const validate = validateOption(options);
  const p0 = inputTensor(yPred, 'yPred', validate);
  const t0 = inputTensor(yTrue, 'yTrue', validate);
  let [t, p] = squeezeOrExpand(t0, p0);
  if (t.shape.join() !== p.shape.join()) {
    throw new LosskitError('SHAPE_MISMATCH', 'yTrue and yPred must have the same shape', { argument: 'yTrue', expected: formatShape(p.shape), received: formatShape(t.shape) });
  }
  t = axisToLast(t, axis, 'yTrue');
  p = axisToLast(p, axis, 'yPred');
  return asBatch(t, p);
}

/** Rank 0 and 1 inputs hold one sample (Keras reduces their only axis to a scalar). */
function asBatch(t: Tensor, p: Tensor): Aligned {
  if (p.rank <= 1) return { yTrue: tf.reshape(t, [1, -1]), yPred: tf.reshape(p, [1, -1]), outShape: [] };
  return { yTrue: t, yPred: p, outShape: p.shape.slice(0, -1) };
}

/** Evaluates a per-sample DSL expression on aligned inputs and applies the Keras reduction. */
export function runKeras(
  expr: Expr<'sample' | 'batch'>,
  from: 'logits' | 'probs',
  aligned: Aligned,
  options: KerasLossOptions,
  mask?: (values: Tensor) => { values: Tensor; mask: Tensor },
): Tensor {
  const reduction = checkReduction(options.reduction);
  const validate = validateOption(options);
  const sw = sampleWeightOf(options, validate);
  let values = compiledOnce(expr, from)(aligned.yTrue, aligned.yPred) as Tensor;
  values = tf.reshape(values, [...(expr.level === 'batch' ? [] : aligned.outShape)]);
  let m: Tensor | undefined;
  if (mask) ({ values, mask: m } = mask(values));
  return kerasOutput(kerasReduce(values, sw, m, reduction), validate);
}

/** The `sampleWeight` option as a tensor (finite when `validate`), or undefined. */
export function sampleWeightOf(options: KerasLossOptions, validate: boolean): Tensor | undefined {
  return options.sampleWeight === undefined || options.sampleWeight === null ? undefined : inputTensor(options.sampleWeight, 'sampleWeight', validate);
}

/** The reduced Keras loss, checked finite when `validate` (`NON_FINITE_OUTPUT` rather than a silent NaN). */
export function kerasOutput(out: Tensor, validate: boolean): Tensor {
  return finiteOutput(out, 'the loss', 'yPred', validate, 'e.g. a prediction whose square or log overflows float32, or a negative prediction under a log');
}

/** Checks a boolean option. */
export function checkBoolean(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') {
    throw new LosskitError('INVALID_ARGUMENT', 'must be a boolean', { argument: name, received: String(v) });
  }
  return v;
}
