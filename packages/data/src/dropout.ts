/**
 * Progressive Data Dropout (Shriram M S, Hao, Hou, Lu, Sevilla-Lara, Arnab, Gowda, "Progressive Data Dropout: An
 * Embarrassingly Simple Approach to Faster Training", NeurIPS 2025; bazyagami/LearningWithRevision
 * `training_models/selective_gradient.py`): before the revision epoch, each batch is first scored without gradients
 * and only the examples the model does not yet handle are back-propagated; from the revision epoch on, all data.
 */
import { LosskitError, params, type TensorLike } from '@losskit/core';
import { logSoftmax } from '@losskit/core/math';
import { readLabels, readOptions, readRows, seeded, shuffled } from './input.js';

/** Options of {@link difficultyDropoutMask}. */
export interface DifficultyDropoutOptions {
  /** τ: keep examples whose probability of the true class is below τ; τ = 0 keeps the misclassified ones. Default 0. */
  readonly threshold?: number;
  readonly from?: 'logits' | 'probs';
  /** Epoch index (0-based) and the revision epoch: from `revisionEpoch` on every example is kept. */
  readonly epoch?: number;
  readonly revisionEpoch?: number;
}

/**
 * Difficulty-based progressive dropout (DBPD) mask of one batch: `keep_i = p(y_i|x_i) < τ` (τ > 0) or
 * `argmax_j f_j(x_i) ≠ y_i` (τ = 0), all true once `epoch ≥ revisionEpoch`. Shapes: predictions `[B, C]`, labels `[B]`.
 * @example difficultyDropoutMask([[3, 0], [0, 1]], [0, 0], { threshold: 0.9 }) // [false, true]
 */
export function difficultyDropoutMask(predictions: TensorLike, labels: TensorLike, options?: DifficultyDropoutOptions): boolean[] {
  const o = readOptions(options);
  const tau = params.closedUnitInterval('threshold', o.threshold ?? 0);
  const from = o.from ?? 'logits';
  if (from !== 'logits' && from !== 'probs') throw new LosskitError('INVALID_ARGUMENT', 'unknown prediction kind', { argument: 'from', expected: "'logits' or 'probs'", received: String(from) });
  const rows = readRows(predictions, 'predictions');
  const y = readLabels(labels, 'labels', rows.length, rows[0]!.length);
  if (o.epoch !== undefined && o.revisionEpoch !== undefined) {
    if (!Number.isInteger(o.epoch) || o.epoch < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'epoch', expected: 'an integer >= 0', received: String(o.epoch) });
    if (!Number.isInteger(o.revisionEpoch) || o.revisionEpoch < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'revisionEpoch', expected: 'an integer >= 0', received: String(o.revisionEpoch) });
    if (o.epoch >= o.revisionEpoch) return rows.map(() => true);
  }
  return rows.map((r, i) => {
    if (tau === 0) {
      let best = 0;
      r.forEach((v, j) => {
        if (v > r[best]!) best = j;
      });
      return best !== y[i];
    }
    const p = from === 'probs' ? r[y[i]!]! : Math.exp(logSoftmax(r)[y[i]!]!);
    return p < tau;
  });
}

/**
 * Scalar-based random dropout (SRD): the examples of epoch t (1-based) are a seeded random `⌈γ^{t−1} N⌉` of the N
 * (all N from `revisionEpoch` on). Returns ascending indices.
 * @example scalarRandomDropout(100, 3, { gamma: 0.8, seed: 1 }).length // 64
 */
export function scalarRandomDropout(n: number, epoch: number, options: { readonly gamma: number; readonly revisionEpoch?: number; readonly seed?: number }): number[] {
  params.positiveInteger('n', n);
  params.positiveInteger('epoch', epoch);
  const o = readOptions(options);
  const gamma = params.openUnitInterval('gamma', o.gamma);
  const all = Array.from({ length: n }, (_, i) => i);
  if (o.revisionEpoch !== undefined && epoch >= params.positiveInteger('revisionEpoch', o.revisionEpoch)) return all;
  const count = Math.max(1, Math.ceil(gamma ** (epoch - 1) * n - 1e-9)); // 1e-9: 0.8² · 100 is 64.00000000000001 in float64
  return shuffled(all, seeded((o.seed ?? 0) * 1000003 + epoch)).slice(0, count).sort((a, b) => a - b);
}

/** Effective epochs of a run: `Σ_t |D_t| / N`, the paper's cost measure. */
export function effectiveEpochs(samplesPerEpoch: readonly number[], n: number): number {
  params.positiveInteger('n', n);
  if (!Array.isArray(samplesPerEpoch)) throw new LosskitError('INVALID_ARGUMENT', 'samplesPerEpoch must be an array', { argument: 'samplesPerEpoch', expected: 'counts per epoch', received: typeof samplesPerEpoch });
  samplesPerEpoch.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > n) throw new LosskitError('INVALID_ARGUMENT', 'counts must be integers in [0, n]', { argument: 'samplesPerEpoch', expected: `integers in [0, ${n}]`, received: `${v} at index ${i}` });
  });
  return samplesPerEpoch.reduce((a, b) => a + b, 0) / n;
}
