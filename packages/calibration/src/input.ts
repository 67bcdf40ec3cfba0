/**
 * Host-side (float64) input handling shared by every metric, calibrator and conformal routine:
 * predictions `[N, C]` as a tensor, nested arrays or rows of TypedArrays, integer labels `[N]`, and
 * the `from: 'logits' | 'probs'` switch. Everything here validates at the boundary and throws
 * {@link LosskitError}s.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, PROB_SUM_TOLERANCE, readHostLabels, readHostMatrix, readOptions, type TensorLike } from '@losskit/core';
import { softmax } from '@losskit/core/math';

/** What a prediction matrix holds: raw scores or class probabilities. */
export type From = 'logits' | 'probs';

/** Predictions accepted everywhere: a `[N, C]` tensor, nested number arrays, or an array of TypedArray rows. */
export type Predictions = TensorLike;

/** Integer labels `[N]`: a tensor, a number array or an Int32Array. */
export type Labels = TensorLike;

/** A row-major float64 matrix `[n, c]` on the host. */
export interface HostMatrix {
  readonly data: Float64Array;
  readonly n: number;
  readonly c: number;
}

/** Tolerance on `|Σ_c p_c − 1|` when `from: 'probs'` (core's, the one `compile()` uses). Float32 softmax rows are well inside it. */
export { PROB_SUM_TOLERANCE };

/** Validates `from`. */
export function checkFrom(from: unknown): From {
  if (from !== 'logits' && from !== 'probs') {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown prediction kind', {
      argument: 'from',
      expected: "'logits' or 'probs'",
      received: String(from),
    });
  }
  return from;
}

/** Validates an options argument: `undefined` gives `{}`, anything but a plain object throws `INVALID_ARGUMENT` (core's). */
export { readOptions };

/**
 * Reads a `[N, C]` prediction into a float64 host matrix (core's `readHostMatrix`). Checks, in this order: the kind of
 * value, the rank and shape (`RANK_MISMATCH` / `SHAPE_MISMATCH` naming `name` and the expected `[N, C]`), emptiness,
 * that every entry is a number, and that every entry is finite.
 */
export function readMatrix(x: Predictions, name = 'predictions'): HostMatrix {
  const { data, n, cols } = readHostMatrix(x, name, { cols: 'C', rowNoun: 'samples', colNoun: 'classes' });
  return { data, n, c: cols };
}

/** Reads integer labels `[n]` in `[0, c)` (a tensor, an array of numbers or a TypedArray; core's `readHostLabels`). */
export function readLabels(y: Labels, n: number, c: number, name = 'labels'): Int32Array {
  return readHostLabels(y, name, { n, classes: c });
}

/** Checks a probability matrix: entries in [0, 1], rows summing to 1 within {@link PROB_SUM_TOLERANCE}. */
export function checkProbs(m: HostMatrix, name = 'predictions'): void {
  const { data, n, c } = m;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < c; j++) {
      const p = data[i * c + j]!;
      if (p < 0 || p > 1 + PROB_SUM_TOLERANCE) {
        throw new LosskitError('INVALID_ARGUMENT', "with from: 'probs' every entry must be a probability", {
          argument: name,
          expected: 'values in [0, 1]',
          received: `${p} at index [${i}, ${j}]`,
        });
      }
      s += p;
    }
    if (Math.abs(s - 1) > PROB_SUM_TOLERANCE) {
      throw new LosskitError('INVALID_ARGUMENT', "with from: 'probs' every row must sum to 1", {
        argument: name,
        expected: `row sums within ${PROB_SUM_TOLERANCE} of 1`,
        received: `row ${i} sums to ${s}`,
      });
    }
  }
}

/** Row-wise softmax of a logit matrix (float64; core's exact form: ties of huge logits keep their shares). */
export function softmaxRows(logits: Float64Array, n: number, c: number): Float64Array {
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) out.set(softmax(logits.subarray(i * c, (i + 1) * c)), i * c);
  return out;
}

/** Smallest probability whose log is taken when `from: 'probs'` (so a 0 becomes a finite, very negative logit). */
export const LOG_FLOOR = 1e-300;

/** Probabilities `[n, c]` from predictions: softmax of logits, or the validated probabilities as given. */
export function probsOf(m: HostMatrix, from: From, name = 'predictions'): Float64Array {
  if (from === 'probs') {
    checkProbs(m, name);
    return m.data;
  }
  return softmaxRows(m.data, m.n, m.c);
}

/** Logits `[n, c]` from predictions: the logits as given, or `log max(p, 1e-300)` (equal to the logits up to a per-row constant). */
export function logitsOf(m: HostMatrix, from: From, name = 'predictions'): Float64Array {
  if (from === 'logits') return m.data;
  checkProbs(m, name);
  return m.data.map((p) => Math.log(Math.max(p, LOG_FLOOR)));
}

/** Reads predictions and returns probabilities plus the shape. */
export function readProbs(x: Predictions, from: unknown, name = 'predictions'): HostMatrix {
  const m = readMatrix(x, name);
  return { data: probsOf(m, checkFrom(from), name), n: m.n, c: m.c };
}

/** Top-label confidence `max_c p_c` and prediction `argmax_c p_c` (first index on ties). */
export function topLabel(p: Float64Array, n: number, c: number): { confidence: Float64Array; prediction: Int32Array } {
  const confidence = new Float64Array(n);
  const prediction = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    let arg = 0;
    for (let j = 0; j < c; j++) {
      const v = p[i * c + j]!;
      if (v > best) {
        best = v;
        arg = j;
      }
    }
    confidence[i] = best;
    prediction[i] = arg;
  }
  return { confidence, prediction };
}

/** Converts a host matrix to nested arrays. */
export function toRows(data: Float64Array, n: number, c: number): number[][] {
  const out: number[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = Array.from(data.subarray(i * c, (i + 1) * c));
  return out;
}

/** Returns nested arrays, or a float32 `[n, c]` tensor when the caller passed a tensor. */
export function output(data: Float64Array, n: number, c: number, asTensor: boolean): number[][] | tf.Tensor2D {
  return asTensor ? tf.tensor2d(Float32Array.from(data), [n, c], 'float32') : toRows(data, n, c);
}

/** Validates a bin count: a positive integer no larger than the sample count. */
export function checkBins(bins: unknown, n: number): number {
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 1) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'bins', expected: 'an integer >= 1', received: String(bins) });
  }
  if (n < bins) {
    throw new LosskitError('INVALID_ARGUMENT', 'fewer samples than bins', { argument: 'bins', expected: `at most N = ${n} bins`, received: String(bins) });
  }
  return bins;
}
