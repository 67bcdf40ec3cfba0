import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type CallOptions, type Expr, LosskitError, type TensorLike, ce, formatIndex, formatShape, input as inputTerm } from '@losskit/core';
import { compiledOnce } from '../compiled.js';
import { multiLabelMargin as multiLabelMarginExpr } from '../standard/multiLabelMargin.js';
import { multiLabelSoftMargin as multiLabelSoftMarginExpr } from '../standard/multiLabelSoftMargin.js';
import { multiMargin as multiMarginExpr } from '../standard/multiMargin.js';
import { nll as nllExpr } from '../standard/nll.js';
import { weightedCrossEntropy as weightedCeExpr } from '../standard/weightedCrossEntropy.js';
import { inputTensor } from '../validate.js';
import { type TorchOptions, broadcastTo, checkDenominator, classRows, classTargets, classWeightTensor, numberOption, output, reduce, torchOptions } from './common.js';

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends TorchOptions {
  /** One weight per class, `[C]`. Default none. */
  readonly weight?: TensorLike;
  /** Class-index targets equal to this are ignored (loss 0, left out of the mean). Default −100. */
  readonly ignoreIndex?: number;
  /** Label smoothing ε ∈ [0, 1]. Default 0. */
  readonly labelSmoothing?: number;
}

const WEIGHT = inputTerm('weight', 'class');

/**
 * Per-row losses of class-index targets with `ignoreIndex`: the compiled expression on the valid rows' labels
 * (ignored rows read class 0 and are zeroed), and torch's weighted-mean denominator `Σ_{valid} w[y_i]`.
 */
function indexLosses(expr: Expr<'sample', 'any'>, rows: Tensor, target: TensorLike, lead: number[], classes: number, ignore: number, w: Tensor | undefined): { values: Tensor; denominator: Tensor } {
  const { values: labels, valid } = classTargets(target, lead, classes, 'target', ignore);
  const y = tf.tensor1d(labels, 'int32');
  const mask = tf.tensor1d(Float32Array.from(valid));
  const call: CallOptions | undefined = w ? { inputs: { weight: w } } : undefined;
  const per = compiledOnce(expr, 'logits')(y, rows, call) as Tensor;
  const values = tf.reshape(tf.mul(per, mask), lead);
  const denominator = tf.sum(w ? tf.mul(tf.gather(w, y), mask) : mask);
  return { values, denominator };
}

function ignoreOption(v: unknown): number {
  return numberOption('ignoreIndex', v, Number.isInteger, 'an integer');
}

/**
 * torch `F.cross_entropy(input, target, weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)`.
 * `input`: logits `[C]`, `[N, C]` or `[N, C, d1, …]` (class dimension 1). `target`: class indices of shape
 * `[]`, `[N]` or `[N, d1, …]`, or class probabilities of `input`'s shape. Per element
 * `l = −Σ_c w_c ỹ_c log softmax(x)_c` with `ỹ = (1 − ε) y + ε/C` (for an index target
 * `(1 − ε) w_y (−log p_y) + (ε/C) Σ_c w_c (−log p_c)`, torch's weighting of the smoothing term), 0 where the target
 * is `ignoreIndex`. `'mean'` divides by `Σ w_{y_i}` over the non-ignored elements (by their count without weights;
 * by the number of elements for probability targets). Every target ignored makes torch's `'mean'` 0/0 = NaN: that
 * raises `INVALID_ARGUMENT` naming `target` unless `validate: false`.
 *
 * @example crossEntropy([[2, 1, 0], [0, 1, 3]], [0, -100], { weight: [1, 2, 3], labelSmoothing: 0.1 })
 */
export function crossEntropy(input: TensorLike, target: TensorLike, options: CrossEntropyOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const ignore = ignoreOption(options.ignoreIndex ?? -100);
  const ls = numberOption('labelSmoothing', options.labelSmoothing ?? 0, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
  return tf.tidy(() => {
    const x = inputTensor(input, 'input', validate);
    const { rows, lead, classes } = classRows(x, 'input');
    const w = options.weight === undefined || options.weight === null ? undefined : classWeightTensor(options.weight, classes, 'weight', validate);
    const expr = w ? weightedCeExpr({ weight: WEIGHT, labelSmoothing: ls }) : ce({ labelSmoothing: ls });
    const t = inputTensor(target, 'target', false);
    if (t.shape.join() === x.shape.join() && x.rank >= 1) {
      // Class probabilities: the same formula with soft targets; 'mean' divides by the number of elements.
      const probs = inputTensor(t, 'target', validate);
      // Unfused: soft targets (a teacher's probabilities) may need their gradient too.
      const per = compiledOnce(expr, 'logits', false)(classRows(probs, 'target').rows, rows, w ? { inputs: { weight: w } } : undefined) as Tensor;
      return output(reduce(tf.reshape(per, lead), reduction), 'crossEntropy', validate);
    }
    const { values, denominator } = indexLosses(expr, rows, t, lead, classes, ignore, w);
    if (reduction === 'mean') checkDenominator(denominator, validate, 'target', w ? 'the non-ignored targets have total weight 0' : 'every target is ignoreIndex');
    return output(reduce(values, reduction, denominator), 'crossEntropy', validate);
  });
}

/** Options of {@link nllLoss}. */
export interface NllLossOptions extends TorchOptions {
  /** One weight per class, `[C]`. Default none. */
  readonly weight?: TensorLike;
  /** Targets equal to this are ignored. Default −100. */
  readonly ignoreIndex?: number;
}

/**
 * torch `F.nll_loss(input, target, weight=None, ignore_index=-100, reduction='mean')`: `l = −w_y x_y` for
 * log-probabilities `input` (`[C]`, `[N, C]` or `[N, C, d1, …]`, read as given) and class indices `target`; 0 where
 * the target is `ignoreIndex`; `'mean'` divides by `Σ w_{y_i}` over the non-ignored elements (0/0 raises
 * `INVALID_ARGUMENT` unless `validate: false`, which gives torch's NaN).
 *
 * @example nllLoss([[-0.4, -1.2, -2.3]], [2], { weight: [1, 1, 2] }) // 2.3
 */
export function nllLoss(input: TensorLike, target: TensorLike, options: NllLossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const ignore = ignoreOption(options.ignoreIndex ?? -100);
  return tf.tidy(() => {
    const x = inputTensor(input, 'input', validate);
    const { rows, lead, classes } = classRows(x, 'input');
    const w = options.weight === undefined || options.weight === null ? undefined : classWeightTensor(options.weight, classes, 'weight', validate);
    const { values, denominator } = indexLosses(w ? nllExpr({ weight: WEIGHT }) : nllExpr(), rows, target, lead, classes, ignore, w);
    if (reduction === 'mean') checkDenominator(denominator, validate, 'target', w ? 'the non-ignored targets have total weight 0' : 'every target is ignoreIndex');
    return output(reduce(values, reduction, denominator), 'nllLoss', validate);
  });
}

/** `[N, C]` rows of a per-sample classification loss (`[C]` is one sample) and the per-sample output shape. */
function sampleRows(x: Tensor, name: string): { rows: Tensor; lead: number[] } {
  if (x.rank === 1) return { rows: tf.reshape(x, [1, -1]), lead: [] };
  if (x.rank === 2) return { rows: x, lead: [x.shape[0]!] };
  throw new LosskitError('RANK_MISMATCH', 'scores must be [N, C] or [C]', { argument: name, expected: 'shape [N, C] or [C]', received: formatShape(x.shape) });
}

/** Options of {@link multiMarginLoss}. */
export interface MultiMarginLossOptions extends TorchOptions {
  /** 1 or 2. Default 1. */
  readonly p?: 1 | 2;
  /** Default 1. */
  readonly margin?: number;
  /** One weight per class, `[C]`. Default none. */
  readonly weight?: TensorLike;
}

/**
 * torch `F.multi_margin_loss(input, target, p=1, margin=1, weight=None, reduction='mean')`:
 * `l = (1/C) Σ_{j≠y} w_y max(0, margin − x_y + x_j)^p` for scores `[N, C]` (or `[C]`) and class indices `[N]` (or `[]`);
 * `'mean'` averages over samples.
 *
 * @example multiMarginLoss([[0.1, 0.2, 0.4, 0.8]], [3]) // 0.325
 */
export function multiMarginLoss(input: TensorLike, target: TensorLike, options: MultiMarginLossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const p = options.p ?? 1;
  if (p !== 1 && p !== 2) throw new LosskitError('INVALID_ARGUMENT', 'only p = 1 and p = 2 are supported (as torch)', { argument: 'p', expected: '1 or 2', received: String(p) });
  const margin = numberOption('margin', options.margin ?? 1);
  return tf.tidy(() => {
    const x = inputTensor(input, 'input', validate);
    const { rows, lead } = sampleRows(x, 'input');
    const classes = rows.shape[1]!;
    const w = options.weight === undefined || options.weight === null ? undefined : classWeightTensor(options.weight, classes, 'weight', validate);
    const { values: labels } = classTargets(target, lead, classes, 'target');
    const expr = multiMarginExpr({ p, margin, ...(w ? { weight: WEIGHT } : {}) });
    const per = compiledOnce(expr, 'logits')(tf.tensor1d(labels, 'int32'), rows, w ? { inputs: { weight: w } } : undefined) as Tensor;
    return output(reduce(tf.reshape(per, lead), reduction), 'multiMarginLoss', validate);
  });
}

/**
 * torch `F.multilabel_margin_loss(input, target, reduction='mean')`: `l = (1/C) Σ_{j ∈ y} Σ_{i ∉ y} max(0, 1 − (x_j − x_i))`
 * for scores `[N, C]` (or `[C]`) and `target` of the same shape holding class indices, ended by the first −1
 * (later entries are not read; an index listed twice counts twice, as in torch). `'mean'` averages over samples.
 *
 * @example multilabelMarginLoss([[0.1, 0.2, 0.4, 0.8]], [[3, 0, -1, 1]]) // 0.85
 */
export function multilabelMarginLoss(input: TensorLike, target: TensorLike, options: TorchOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  return tf.tidy(() => {
    const x = inputTensor(input, 'input', validate);
    const { rows, lead } = sampleRows(x, 'input');
    const [n, classes] = rows.shape as [number, number];
    const t = inputTensor(target, 'target', false);
    if (t.shape.join() !== x.shape.join()) throw new LosskitError('SHAPE_MISMATCH', 'target must have the shape of input', { argument: 'target', expected: formatShape(x.shape), received: formatShape(t.shape) });
    const v = t.dataSync();
    const counts = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < classes; k++) {
        const y = v[i * classes + k]!;
        if (y === -1) break;
        if (!Number.isInteger(y) || y < 0 || y >= classes) {
          throw new LosskitError(Number.isFinite(y) ? (Number.isInteger(y) ? 'LABEL_OUT_OF_RANGE' : 'NON_INTEGER_LABEL') : 'NON_FINITE_INPUT', 'target index out of range', {
            argument: 'target',
            expected: `class indices in [0, ${classes}), ended by -1`,
            received: `${y} at ${formatIndex(i * classes + k, t.shape)}`,
          });
        }
        counts[i * classes + y]! += 1;
      }
    }
    const per = compiledOnce(multiLabelMarginExpr(), 'logits')(tf.tensor2d(counts, [n, classes]), rows) as Tensor;
    return output(reduce(tf.reshape(per, lead), reduction), 'multilabelMarginLoss', validate);
  });
}

/** Options of {@link multilabelSoftMarginLoss}. */
export interface MultilabelSoftMarginLossOptions extends TorchOptions {
  /** Weights broadcast against the `[N, C]` terms (typically `[C]`). Default none. */
  readonly weight?: TensorLike;
}

/**
 * torch `F.multilabel_soft_margin_loss(input, target, weight=None, reduction='mean')`:
 * `l = −(1/C) Σ_c w_c [y_c log σ(x_c) + (1 − y_c) log σ(−x_c)]` per sample for logits and targets `[N, C]` (or `[C]`);
 * `'mean'` averages over samples.
 *
 * @example multilabelSoftMarginLoss([[2, -1, 0.5]], [[1, 0, 1]])
 */
export function multilabelSoftMarginLoss(input: TensorLike, target: TensorLike, options: MultilabelSoftMarginLossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  return tf.tidy(() => {
    const x = inputTensor(input, 'input', validate);
    const { rows, lead } = sampleRows(x, 'input');
    const t = inputTensor(target, 'target', validate);
    if (t.shape.join() !== x.shape.join()) throw new LosskitError('SHAPE_MISMATCH', 'target must have the shape of input', { argument: 'target', expected: formatShape(x.shape), received: formatShape(t.shape) });
    const w = options.weight === undefined || options.weight === null ? undefined : broadcastTo(inputTensor(options.weight, 'weight', validate), rows.shape, 'weight');
    const expr = multiLabelSoftMarginExpr(w ? { weight: WEIGHT } : {});
    const per = compiledOnce(expr, 'logits', false)(tf.reshape(t, rows.shape), rows, w ? { inputs: { weight: w } } : undefined) as Tensor;
    return output(reduce(tf.reshape(per, lead), reduction), 'multilabelSoftMarginLoss', validate);
  });
}
