import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, formatShape } from '@losskit/core';
import { ctcLabels, ctcPerSequence } from '../standard/ctc.js';
import { inputTensor, validateOption } from '../validate.js';
import { checkReduction, kerasReduce } from './reduce.js';
import { type KerasLossOptions, kerasOutput, sampleWeightOf } from './run.js';

/**
 * Keras 3 `ctc` / `CTC` (`keras/src/losses/losses.py` at keras-team/keras 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60):
 * the CTC loss of logits `yPred` `[B, T, C]` against integer labels `yTrue` `[B, S]` with the blank (mask) index 0,
 * every frame valid, and — as Keras computes it — the label length of a row is its number of **non-zero** entries,
 * whose first that-many entries are read (so write labels first and pad with 0 at the end; a 0 inside the labels
 * shortens the sequence and is read as a label, as in Keras' own test, whose value 2.448645 this reproduces).
 * Per-sequence `−log p(l|x)` (see the catalog's `ctc`), then the Keras reduction (default `sum_over_batch_size`).
 *
 * An impossible alignment (more labels plus repeats than frames) has no finite loss: Keras' TensorFlow backend
 * returns `+∞`, its JAX/NumPy backends about `1e5` per frame (they use log ε = −1e5 for log 0). Here it raises
 * `NON_FINITE_OUTPUT` by default, and `validate: false` returns `+∞`.
 *
 * @example ctc([[1, 2, 1, 0], [1, 2, 0, 2]], logits) // logits [2, 4, 3]: 2.448645
 */
export function ctc(yTrue: TensorLike, yPred: TensorLike, options: KerasLossOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction);
  const validate = validateOption(options);
  return tf.tidy(() => {
    const x = inputTensor(yPred, 'yPred', validate);
    if (x.rank !== 3 || x.shape[0] === 0 || x.shape[2] === 0) {
      throw new LosskitError('RANK_MISMATCH', 'logits must be (batch_size, max_length, num_classes)', { argument: 'yPred', expected: 'shape [B, T, C] with B, C >= 1', received: formatShape(x.shape) });
    }
    const [B, T, C] = x.shape as [number, number, number];
    const y = inputTensor(yTrue, 'yTrue', false);
    if (y.rank !== 2 || y.shape[0] !== B) {
      throw new LosskitError('SHAPE_MISMATCH', 'labels must be (batch_size, max_length) integers', { argument: 'yTrue', expected: `shape [${B}, S]`, received: formatShape(y.shape) });
    }
    const S = y.shape[1]!;
    const v = y.dataSync();
    const lengths = Int32Array.from({ length: B }, (_, b) => {
      let n = 0;
      for (let i = 0; i < S; i++) if (v[b * S + i] !== 0) n++;
      return n;
    });
    const labels = ctcLabels(y, B, C, 0, lengths, { labels: 'yTrue', lengths: 'label lengths' }, true);
    const losses = ctcPerSequence({ x, timeMajor: false, labels, inputLengths: new Int32Array(B).fill(T), blank: 0, fromLogits: true }, false);
    return kerasOutput(kerasReduce(losses, sampleWeightOf(options, validate), undefined, reduction), validate);
  });
}
