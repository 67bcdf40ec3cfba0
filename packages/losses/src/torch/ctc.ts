import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, formatShape, params } from '@losskit/core';
import { ctcBlank, ctcLabels, ctcLengths, ctcPerSequence, reduceCtc } from '../standard/ctc.js';
import { inputTensor } from '../validate.js';
import { type TorchOptions, torchOptions } from './common.js';

/** Options of {@link ctcLoss}. */
export interface CtcLossOptions extends TorchOptions {
  /** Blank index. Default 0. */
  readonly blank?: number;
  /** An infinite loss (impossible alignment) and its gradient become 0. Default false. */
  readonly zeroInfinity?: boolean;
}

/**
 * torch `F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean', zero_infinity=False)`:
 * the CTC loss (Graves et al. 2006; see `ctc` in `@losskit/losses`) of log-probabilities in torch's **time-major**
 * layout `[T, N, C]` (or `[T, C]` for one sequence, with `targets` `[S]` and scalar lengths), read as given (pass
 * `log_softmax` outputs). `targets`: padded `[N, S]` or the concatenation `[Σ target_lengths]`; labels must not be the
 * blank. `'mean'` divides each sequence's loss by its target length (at least 1), then averages; `'sum'`; `'none'`
 * (`[N]`). An impossible alignment gives `+∞` as in torch (with validation too: it is the exact value, not an error),
 * or 0 with `zeroInfinity`.
 *
 * Gradient: the exact derivative with respect to `logProbs`, `−γ` (the state occupancies); torch's kernel returns
 * `exp(logProbs) − γ`, the gradient with respect to the logits folded in, which differs by `exp(logProbs)` but gives
 * the same gradient after `log_softmax` (whose backward removes any per-frame constant times `softmax`). Gradients
 * of infinite losses are 0 (torch: NaN unless `zero_infinity`).
 *
 * @example ctcLoss(tf.logSoftmax(logits), [[1, 2]], [5], [2]) // logits [5, 1, 3]
 */
export function ctcLoss(logProbs: TensorLike, targets: TensorLike, inputLengths: TensorLike, targetLengths: TensorLike, options: CtcLossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const zeroInfinity = params.boolean('zeroInfinity', options.zeroInfinity ?? false);
  for (const [name, v] of [['inputLengths', inputLengths], ['targetLengths', targetLengths]] as const) {
    if (v === undefined || v === null) throw new LosskitError('INVALID_ARGUMENT', 'missing', { argument: name, expected: 'one length per sequence' });
  }
  return tf.tidy(() => {
    const lp = inputTensor(logProbs, 'logProbs', validate);
    if ((lp.rank !== 3 && lp.rank !== 2) || lp.shape.at(-1) === 0 || (lp.rank === 3 && lp.shape[1] === 0)) {
      throw new LosskitError('RANK_MISMATCH', 'log-probabilities must be [T, N, C] (or [T, C])', { argument: 'logProbs', expected: 'shape [T, N, C] or [T, C] with N, C >= 1', received: formatShape(lp.shape) });
    }
    const unbatched = lp.rank === 2;
    const x = unbatched ? tf.expandDims(lp, 1) : lp;
    const [T, N, C] = x.shape as [number, number, number];
    const blank = ctcBlank(options.blank ?? 0, C);
    let tg: TensorLike = targets;
    if (unbatched) {
      const t = inputTensor(targets, 'targets', false);
      if (t.rank !== 1) throw new LosskitError('SHAPE_MISMATCH', 'one sequence takes 1-D targets', { argument: 'targets', expected: 'shape [S]', received: formatShape(t.shape) });
      tg = tf.reshape(t, [1, -1]);
    }
    const tl = unbatched ? tf.reshape(inputTensor(targetLengths, 'targetLengths', false), [-1]) : targetLengths;
    const labels = ctcLabels(tg, N, C, blank, tl, { labels: 'targets', lengths: 'targetLengths' });
    const lengths = ctcLengths(unbatched ? tf.reshape(inputTensor(inputLengths, 'inputLengths', false), [-1]) : inputLengths, N, T, 'inputLengths', T);
    const losses = ctcPerSequence({ x, timeMajor: true, labels, inputLengths: lengths, blank, fromLogits: false }, zeroInfinity);
    const out = reduceCtc(losses, labels, reduction === 'mean' ? 'meanByLabelLength' : reduction);
    return unbatched && reduction === 'none' ? tf.reshape(out, []) : out;
  });
}
