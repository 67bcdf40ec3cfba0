/**
 * Noisy-label selection: Co-teaching's small-loss cross update and nested dropout on features ("Compressing Features for
 * Learning with Noisy Labels", Chen, Shen, Hu, Zhang, Aubry, TNNLS 2022; yingyichen-cyy/Nested-Co-teaching), and Late
 * Stopping's first-k-epoch learning (FkL) selection ("Late Stopping: Avoiding Confidently Learning from Mislabeled
 * Examples", Yuan, Feng, Liu, ICCV 2023; tmllab/2023_ICCV_LateStopping).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, ce, cleanTapeOnError, compile, params, type CompiledLoss, type TensorLike } from '@losskit/core';
import { readLabels, readOptions, readValues, seeded } from './input.js';
import { forward, liveRows, variablesOf, type ModelLike } from './model.js';

/**
 * Indices of the `⌊(1 − forgetRate)·B⌋` smallest per-sample losses (ties by index), ascending by loss — Co-teaching's
 * "small-loss" clean-sample guess (`SampleSelection` in Nested-Co-teaching `co_teaching_resnet/loss.py`).
 * @example smallLossSelection([0.1, 2.0, 0.3, 0.2], 0.25) // [0, 3, 2]
 */
export function smallLossSelection(losses: TensorLike, forgetRate: number): number[] {
  const l = readValues(losses, 'losses');
  const f = params.unitInterval('forgetRate', forgetRate);
  const keep = Math.max(1, Math.floor((1 - f) * l.length));
  return l.map((_, i) => i).sort((a, b) => l[a]! - l[b]! || a - b).slice(0, keep);
}

/**
 * Co-teaching selection for one batch: each network keeps its small-loss examples and hands them to its peer, so
 * network A is updated on B's selection and B on A's: `{ forA: small(lossB), forB: small(lossA) }`.
 */
export function coTeachingSelect(lossA: TensorLike, lossB: TensorLike, forgetRate: number): { forA: number[]; forB: number[] } {
  const a = readValues(lossA, 'lossA');
  readValues(lossB, 'lossB', a.length);
  return { forA: smallLossSelection(lossB, forgetRate), forB: smallLossSelection(lossA, forgetRate) };
}

/**
 * Forget-rate schedule `τ_t = τ · min(t / T_k, 1)^c`: a linear ramp (c = 1) over the first `gradualEpochs` epochs, the
 * public Co-teaching code's `rate_schedule[:num_gradual] = linspace(0, τ^c, num_gradual)`. `gradualEpochs = 0` gives τ
 * from the start (Nested-Co-teaching's fine-tuning scripts: τ = 0.2, no ramp).
 * @example forgetRateSchedule(5, { forgetRate: 0.2, gradualEpochs: 10 }) // 0.1
 */
export function forgetRateSchedule(epoch: number, options: { readonly forgetRate: number; readonly gradualEpochs?: number; readonly exponent?: number }): number {
  if (!Number.isInteger(epoch) || epoch < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'epoch', expected: 'an integer >= 0', received: String(epoch) });
  const o = readOptions(options);
  const tau = params.unitInterval('forgetRate', o.forgetRate);
  const tk = o.gradualEpochs ?? 10;
  if (!Number.isInteger(tk) || tk < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'gradualEpochs', expected: 'an integer >= 0', received: String(tk) });
  const c = params.positive('exponent', o.exponent ?? 1);
  if (tk === 0) return tau;
  return tau * Math.min(epoch / tk, 1) ** c;
}

/** Options of {@link coTeachingStep}. */
export interface CoTeachingStepOptions {
  readonly modelA: ModelLike;
  readonly modelB: ModelLike;
  /** tfjs-core optimizers, one per network (e.g. `tf.train.adam(1e-3)`). */
  readonly optimizerA: tf.Optimizer;
  readonly optimizerB: tf.Optimizer;
  /** Inputs `[B, ...]` and integer labels `[B]` (or targets `[B, C]`). */
  readonly x: Tensor;
  readonly y: Tensor;
  readonly forgetRate: number;
  /** Per-sample loss, default `compile(ce())`. */
  readonly loss?: CompiledLoss;
}

/**
 * One Co-teaching update of two tfjs-layers models on a batch: per-sample losses of both networks (no gradient),
 * {@link coTeachingSelect}, then `optimizerA.minimize` of A's mean loss on B's selection and likewise for B.
 * Returns both mean losses after the selection and the selected indices.
 */
export function coTeachingStep(options: CoTeachingStepOptions): { lossA: number; lossB: number; forA: number[]; forB: number[] } {
  const o = readOptions(options);
  const varsA = variablesOf(o.modelA, 'modelA');
  const varsB = variablesOf(o.modelB, 'modelB');
  liveRows(o.x);
  const loss = o.loss ?? compile(ce());
  for (const [name, opt] of [['optimizerA', o.optimizerA], ['optimizerB', o.optimizerB]] as const) {
    if (!opt || typeof (opt as { minimize?: unknown }).minimize !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'not an optimizer', { argument: name, expected: 'a tfjs-core optimizer', received: typeof opt });
  }
  const [la, lb] = tf.tidy(() => [loss.perSample(o.y, forward(o.modelA, o.x)).dataSync(), loss.perSample(o.y, forward(o.modelB, o.x)).dataSync()]);
  const { forA, forB } = coTeachingSelect(Array.from(la!), Array.from(lb!), o.forgetRate);
  const update = (model: ModelLike, opt: tf.Optimizer, vars: tf.Variable[], idx: number[]) => {
    const ix = tf.tensor1d(idx, 'int32');
    try {
      const v = cleanTapeOnError(() => opt.minimize(() => tf.tidy(() => tf.mean(loss.perSample(tf.gather(o.y, ix), forward(model, tf.gather(o.x, ix), true))) as tf.Scalar), true, vars));
      const out = v!.dataSync()[0]!;
      v!.dispose();
      return out;
    } finally {
      ix.dispose();
    }
  };
  return { lossA: update(o.modelA, o.optimizerA, varsA, forA), lossB: update(o.modelB, o.optimizerB, varsB, forB), forA, forB };
}

/**
 * Nested-dropout mask of features `[B, K]`: per row draw a prefix length k ∈ {1..K} with `p(k) ∝ exp(−((k − μ)/σ)²)`
 * and keep features `j < k` (Nested-Co-teaching `train.py` `GaussianDist`, `mask_feat_dim`; σ = 10 on CIFAR-10).
 * Returns a float32 0/1 tensor `[B, K]` (caller disposes); multiply it into the features before the head.
 * @example nestedDropoutMask(2, 5, { mu: 0, sigma: 2, seed: 1 })
 */
export function nestedDropoutMask(batch: number, features: number, options: { readonly sigma: number; readonly mu?: number; readonly seed?: number }): tf.Tensor2D {
  params.positiveInteger('batch', batch);
  params.positiveInteger('features', features);
  const o = readOptions(options);
  const sigma = params.positive('sigma', o.sigma);
  const mu = params.finite('mu', o.mu ?? 0);
  const w = Array.from({ length: features }, (_, j) => Math.exp(-(((j + 1 - mu) / sigma) ** 2)));
  const total = w.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new LosskitError('INVALID_PARAMETER', 'the prefix distribution underflows', { argument: 'mu', expected: `a mean within a few σ of 1..${features}`, received: String(mu) });
  const u = seeded(o.seed);
  const data = new Float32Array(batch * features);
  for (let b = 0; b < batch; b++) {
    let r = u() * total;
    let k = 0;
    while (k < features - 1 && r >= w[k]!) r -= w[k++]!;
    for (let j = 0; j <= k; j++) data[b * features + j] = 1;
  }
  return tf.tensor2d(data, [batch, features]);
}

/** Options of {@link fklEpochs}. */
export interface FklOptions {
  /** k: consecutive correct epochs required. Default 1 (the first I₁ rounds of the official code). */
  readonly k?: number;
  /** Epochs `≤ warmup` (0-based) are not counted. Default: every epoch counts (the official code uses `WARM_UP_EPOCHS = 6`). */
  readonly warmup?: number;
}

/**
 * First-k-epoch learning: for predictions per epoch `[E][N]` and labels `[N]`, the (0-based) epoch at which each
 * example has been predicted correctly in k consecutive counted epochs (epochs after `warmup`), `Infinity` if never.
 * As the official code, the k-run is of correct **and unchanged** predictions (for k = 2: `ŷ_t = y = ŷ_{t−1}`).
 * @example fklEpochs([[0, 1], [0, 0], [0, 1]], [0, 1], { k: 2 }) // [1, Infinity]
 */
export function fklEpochs(predictions: readonly (readonly number[])[], labels: TensorLike, options?: FklOptions): number[] {
  const o = readOptions(options);
  const k = params.positiveInteger('k', o.k ?? 1);
  const warmup = o.warmup ?? -1;
  if (!Number.isInteger(warmup) || warmup < -1) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'warmup', expected: 'an integer >= 0', received: String(warmup) });
  const y = readLabels(labels, 'labels');
  if (!Array.isArray(predictions)) throw new LosskitError('INVALID_ARGUMENT', 'predictions must be an array', { argument: 'predictions', expected: 'labels per epoch [E][N]', received: typeof predictions });
  const run = new Array<number>(y.length).fill(0);
  const at = new Array<number>(y.length).fill(Infinity);
  predictions.forEach((row, e) => {
    const p = readLabels(row as number[], `predictions[${e}]`, y.length);
    if (e <= warmup) return;
    p.forEach((v, i) => {
      run[i] = v === y[i] ? run[i]! + 1 : 0;
      if (run[i]! >= k && at[i] === Infinity) at[i] = e;
    });
  });
  return at;
}

/**
 * Late Stopping's keep count after `round` rounds: `⌊N₀ · Π_r ρ_r⌋` with the removal rate of each round (official
 * defaults: ρ = 0.98 per round). A round ends at the first epoch where at least this many examples are FkL examples;
 * the FkL examples form the next round's training set ({@link lateStoppingSelect}).
 */
export function lateStoppingKeep(n0: number, round: number, options?: { readonly rate?: number }): number {
  params.positiveInteger('n0', n0);
  if (!Number.isInteger(round) || round < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'round', expected: 'an integer >= 0', received: String(round) });
  const rate = params.openUnitInterval('rate', readOptions(options).rate ?? 0.98);
  return Math.floor(n0 * rate ** round);
}

/**
 * One Late Stopping round's decision after an epoch: the examples that are FkL by now (in the order they became FkL)
 * and whether the round stops (`count ≥ keep`). Train a fresh model on `selected` in the next round.
 */
export function lateStoppingSelect(predictions: readonly (readonly number[])[], labels: TensorLike, keep: number, options?: FklOptions): { selected: number[]; done: boolean } {
  params.positiveInteger('keep', keep);
  const at = fklEpochs(predictions, labels, options);
  const selected = at.map((e, i) => [e, i] as const).filter(([e]) => e !== Infinity).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
  return { selected, done: selected.length >= keep };
}
