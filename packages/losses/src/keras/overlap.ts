import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, formatShape } from '@losskit/core';
import { inputTensor, validateOption } from '../validate.js';
import { dice as diceExpr } from '../standard/dice.js';
import { tversky as tverskyExpr } from '../standard/tversky.js';
import { squeezeOrExpand } from './reduce.js';
import { type KerasLossOptions, runKeras } from './run.js';

/** Options of {@link dice}. */
export interface DiceOptions extends KerasLossOptions {
  /** Axes to sum over; `null` (default) sums over every element, giving one scalar for the batch. */
  readonly axis?: number | readonly number[] | null;
}

/** Options of {@link tversky}. */
export interface TverskyOptions extends DiceOptions {
  /** Weight of the false positives `Σ (1 - y) ŷ`. Default 0.5. */
  readonly alpha?: number;
  /** Weight of the false negatives `Σ y (1 - ŷ)`. Default 0.5. */
  readonly beta?: number;
}

/** Runs a Tversky/Dice expression summing over `axis`: the summed axes are moved last and flattened. */
function overlap(batch: Expr<'batch', 'any'>, sample: Expr<'sample', 'any'>, yTrue: TensorLike, yPred: TensorLike, options: DiceOptions): Tensor {
  return tf.tidy(() => {
    const validate = validateOption(options);
    const p0 = inputTensor(yPred, 'yPred', validate);
    const [t, p] = squeezeOrExpand(inputTensor(yTrue, 'yTrue', validate), p0);
    if (t.shape.join() !== p.shape.join()) {
      throw new LosskitError('SHAPE_MISMATCH', 'yTrue and yPred must have the same shape', { argument: 'yTrue', expected: formatShape(p.shape), received: formatShape(t.shape) });
    }
    const axis = options.axis ?? null;
    if (axis === null) {
      return runKeras(batch, 'probs', { yTrue: tf.reshape(t, [1, -1]), yPred: tf.reshape(p, [1, -1]), outShape: [] }, options);
    }
    const rank = Math.max(p.rank, 1);
    const axes = (typeof axis === 'number' ? [axis] : [...axis]).map((a) => {
      if (!Number.isInteger(a) || a < -rank || a >= rank) {
        throw new LosskitError('INVALID_ARGUMENT', 'axis out of range', { argument: 'axis', expected: `integers in [-${rank}, ${rank})`, received: String(axis) });
      }
      return a < 0 ? a + rank : a;
    });
    const kept = Array.from({ length: p.rank }, (_, i) => i).filter((i) => !axes.includes(i));
    const keptShape = kept.map((i) => p.shape[i]!);
    const move = (x: Tensor) => tf.reshape(tf.transpose(x, [...kept, ...axes]), [Math.max(1, keptShape.reduce((a, b) => a * b, 1)), -1]);
    return runKeras(sample, 'probs', { yTrue: move(t), yPred: move(p), outShape: keptShape }, options);
  });
}

/**
 * Keras 3 `dice` / `Dice(axis=None)`: `1 - 2Σ y ŷ / (Σ y + Σ ŷ + 1e-7)`. With the default `axis: null` the sums run
 * over the whole batch and the result is one scalar (the reduction leaves it as is); with axes, one value per
 * remaining position (e.g. `axis: [1, 2, 3]` → `[B]`). Nothing is clipped, so unnormalised `ŷ` can go negative.
 *
 * @example dice([[1, 2], [1, 2]], [[4, 1], [6, 1]]) // -0.55555546 (Keras' own test)
 */
export function dice(yTrue: TensorLike, yPred: TensorLike, options: DiceOptions = {}): Tensor {
  return overlap(diceExpr(), diceExpr({ scope: 'sample' }), yTrue, yPred, options);
}

/**
 * Keras 3 `tversky` / `Tversky(alpha=0.5, beta=0.5, axis=None)`: `1 - I / (I + α Σ (1-y)ŷ + β Σ y(1-ŷ) + 1e-7)`, `I = Σ y ŷ`:
 * α weights the false positives and β the false negatives (Salehi et al. 2017; Keras since keras-team/keras#23333,
 * which fixed a swap of the two), summed as {@link dice} does.
 *
 * @example tversky([[1, 2], [1, 2]], [[4, 1], [6, 1]], { alpha: 0.2, beta: 0.8 }) // -0.94444442
 */
export function tversky(yTrue: TensorLike, yPred: TensorLike, options: TverskyOptions = {}): Tensor {
  const ab = { alpha: options.alpha ?? 0.5, beta: options.beta ?? 0.5 };
  return overlap(tverskyExpr(ab), tverskyExpr({ ...ab, scope: 'sample' }), yTrue, yPred, options);
}
