/**
 * Trajectory matching with a non-linear (one-hidden-layer MLP) student, and the pieces of AST (Shen, Wang, Wang, Chen,
 * Wen, Wu & Yao 2023, "Efficient Dataset Distillation through Alignment with Smooth and High-Quality Expert
 * Trajectories", arXiv:2310.10541) whose form the authors' code pins down (github.com/shenjiyuan123/
 * AST-Alignment-with-Smooth-Expert at 8030869: `distill.py`, `buffer.py`, `utils.py`; the gradient penalty in `utils.py`
 * `epoch_gp` of commit 22873a8): the momentum student, the balanced inner loss, intermediate matching, the expert's
 * clipping-loss schedule and gradient penalty, and representative initialisation.
 *
 * Why the student's inner gradient is written out: the outer loss differentiates through N inner SGD steps, i.e. through
 * ∇_θ CE. tfjs 4.22's own gradients of `tanh`, `exp`, `sigmoid` and `softmax` reuse their saved output and cannot be
 * differentiated again (`@losskit/core` replaces them; `tf.logSoftmax` stays first-order only), so the backward pass of
 * the student is spelled out (δ₂ = softmax(z₂) − Y, δ₁ = δ₂W₂ᵀ ⊙ σ'(z₁)) and the outer `tf.grad` is first order: exact
 * with any tfjs gradient registry, and cheaper than a nested gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, checkParam, params, type TensorLike } from '@losskit/core';
import { byClass, checkDistinctParams, finiteValues, readLabels, readOptions, readRows } from './input.js';
import { kMeans } from './sampling.js';

/** Parameters of a one-hidden-layer MLP `f(x) = σ(xW₁ + b₁)W₂ + b₂`: `w1 [D, H]`, `b1 [H]`, `w2 [H, C]`, `b2 [C]`. */
export interface MlpParams<T = Tensor> {
  readonly w1: T;
  readonly b1: T;
  readonly w2: T;
  readonly b2: T;
}

/** Hidden activation of the MLP student. */
export type MlpActivation = 'tanh' | 'softplus';

/** Options of {@link mlpTrajectoryMatchingLoss}. */
export interface MlpTrajectoryMatchingOptions {
  /** Synthetic inputs `[n, D]` (a tensor or variable: the outer gradient flows to it). */
  readonly xSyn: Tensor;
  /** Synthetic targets `[n, C]` (one-hot or soft). */
  readonly ySyn: Tensor;
  /** Student learning rate α (a scalar tensor to learn it, as MTT and AST do, or a number > 0). */
  readonly lr: Tensor | number;
  /** Expert parameters at the start θ*_t and at the target θ*_{t+M}. */
  readonly start: MlpParams<Tensor>;
  readonly target: MlpParams<Tensor>;
  /** Student steps N. */
  readonly steps: number;
  /** Hidden activation σ. Default `'tanh'`. */
  readonly activation?: MlpActivation;
  /** Momentum μ ∈ [0, 1) of the student (AST's `b_t = μ b_{t−1} + g_t`, θ ← θ − α b_t). Default 0 (plain SGD, MTT). */
  readonly momentum?: number;
  /** Factor on the inner cross-entropy (AST's balanced inner loss: {@link astBalancedLossScale}). Default 1. */
  readonly innerLossScale?: number;
  /**
   * AST's intermediate matching: the expert checkpoints θ*_{t+1} … θ*_{t+M−1} between start and target (M − 1 of them).
   * After student step k·m (k = ⌊N/M⌋, m = 1 … M − 1) the normalised distance to θ*_{t+m} is added with weight β_m.
   */
  readonly intermediate?: readonly MlpParams<Tensor>[];
  /** β_m of the intermediate terms: `'adaptive'` (default, β_m = m / M, the authors' `--adaptive_middle_loss`) or `'sum'` (β_m = 1, `--agg_middle_loss`). */
  readonly intermediateWeighting?: 'adaptive' | 'sum';
}

const ACTIVATIONS: Record<MlpActivation, { f: (z: Tensor) => Tensor; df: (z: Tensor, h: Tensor) => Tensor }> = {
  tanh: { f: tf.tanh, df: (_z, h) => tf.sub(1, tf.square(h)) },
  softplus: { f: tf.softplus, df: (z) => tf.sigmoid(z) },
};

function readActivation(a: unknown): MlpActivation {
  if (a === undefined) return 'tanh';
  if (a !== 'tanh' && a !== 'softplus') throw new LosskitError('INVALID_ARGUMENT', 'unknown activation', { argument: 'activation', expected: "'tanh' or 'softplus'", received: String(a) });
  return a;
}

function checkLive(name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof tf.Tensor) || t.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'expected a live tensor', { argument: name, expected: 'a tf.Tensor', received: t instanceof tf.Tensor ? 'a disposed tensor' : typeof t });
}

function checkShape(name: string, t: Tensor, shape: readonly number[]): void {
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) throw new LosskitError('SHAPE_MISMATCH', 'wrong shape', { argument: name, expected: `[${shape.join(', ')}]`, received: `[${t.shape.join(', ')}]` });
  if (t.dtype !== 'float32') throw new LosskitError('INVALID_ARGUMENT', 'unsupported dtype', { argument: name, expected: 'float32', received: t.dtype });
}


/** Checks one MLP parameter set against `[D, H]`, `[H]`, `[H, C]`, `[C]` (D, H, C from `ref` when given). */
function checkMlp(name: string, p: unknown, dims?: { D: number; H: number; C: number }): { D: number; H: number; C: number } {
  if (p === null || typeof p !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'expected MLP parameters', { argument: name, expected: '{ w1 [D, H], b1 [H], w2 [H, C], b2 [C] }', received: p === null ? 'null' : typeof p });
  const q = p as Record<string, unknown>;
  for (const k of ['w1', 'b1', 'w2', 'b2']) checkLive(`${name}.${k}`, q[k]);
  const w1 = q.w1 as Tensor;
  const w2 = q.w2 as Tensor;
  const d = dims ?? { D: w1.shape[0] ?? 0, H: w1.shape[1] ?? 0, C: w2.shape[1] ?? 0 };
  checkShape(`${name}.w1`, w1, [d.D, d.H]);
  checkShape(`${name}.b1`, q.b1 as Tensor, [d.H]);
  checkShape(`${name}.w2`, w2, [d.H, d.C]);
  checkShape(`${name}.b2`, q.b2 as Tensor, [d.C]);
  for (const k of ['w1', 'b1', 'w2', 'b2']) finiteValues(q[k] as Tensor, `${name}.${k}`);
  return d;
}

const nonNegativeInteger = (name: string, v: unknown) => checkParam(name, v, 'an integer >= 0', (x) => Number.isInteger(x) && x >= 0);

const sqDist = (a: readonly Tensor[], b: MlpParams<Tensor>) => tf.addN([b.w1, b.b1, b.w2, b.b2].map((t, i) => tf.sum(tf.square(tf.sub(a[i]!, t)))));
const asList = (p: MlpParams<Tensor>): Tensor[] => [p.w1, p.b1, p.w2, p.b2];

/**
 * Trajectory-matching loss with a one-hidden-layer MLP student (MTT, Cazenavette et al. 2022; with AST's student
 * options). θ̂₀ = θ*_t; each of the N full-batch steps on the synthetic set (X `[n, D]`, Y `[n, C]`) computes, with
 * Z₁ = XW₁ + b₁, H = σ(Z₁), Z₂ = HW₂ + b₂ and the inner loss s·CE (s = `innerLossScale`),
 *
 * δ₂ = s (softmax(Z₂) − Y)/n, ∇W₂ = Hᵀδ₂, ∇b₂ = Σ_rows δ₂, δ₁ = δ₂W₂ᵀ ⊙ σ'(Z₁), ∇W₁ = Xᵀδ₁, ∇b₁ = Σ_rows δ₁,
 *
 * then b ← μ b + ∇ (b = ∇ at the first step) and θ̂ ← θ̂ − α b. The loss is
 *
 * L = ‖θ̂_N − θ*_{t+M}‖² / ‖θ*_t − θ*_{t+M}‖² + Σ_m β_m ‖θ̂_{km} − θ*_{t+m}‖² / ‖θ*_t − θ*_{t+m}‖²
 *
 * (the second sum only with `intermediate`, k = ⌊N/M⌋). A scalar tensor (the caller disposes it), differentiable in
 * `xSyn`, `ySyn` and `lr` by a first-order `tf.grad` (the student's backward pass is written out, see the module note).
 * Errors: `INVALID_ARGUMENT` (not a tensor, dtype, activation, a target or intermediate checkpoint equal to the start),
 * `SHAPE_MISMATCH`, `NON_FINITE_INPUT` (data, parameters or the lr tensor),
 * `INVALID_PARAMETER` (steps, lr ≤ 0, momentum outside [0, 1), innerLossScale ≤ 0, N < M with intermediate targets).
 *
 * @example mlpTrajectoryMatchingLoss({ xSyn, ySyn, lr: 0.1, start: experts[0], target: experts[2], steps: 10, momentum: 0.5 })
 */
export function mlpTrajectoryMatchingLoss(options: MlpTrajectoryMatchingOptions): tf.Scalar {
  const o = readOptions(options);
  const steps = params.positiveInteger('steps', o.steps);
  const act = ACTIVATIONS[readActivation(o.activation)];
  const mu = o.momentum === undefined ? 0 : params.unitInterval('momentum', o.momentum);
  const scale = o.innerLossScale === undefined ? 1 : params.positive('innerLossScale', o.innerLossScale);
  checkLive('xSyn', o.xSyn);
  checkLive('ySyn', o.ySyn);
  const dims = checkMlp('start', o.start);
  checkMlp('target', o.target, dims);
  const [n] = o.xSyn.shape as [number];
  checkShape('xSyn', o.xSyn, [n, dims.D]);
  checkShape('ySyn', o.ySyn, [n, dims.C]);
  if (n === 0) throw new LosskitError('EMPTY_BATCH', 'no synthetic examples', { argument: 'xSyn', expected: '[n, D] with n >= 1', received: `[${o.xSyn.shape.join(', ')}]` });
  finiteValues(o.xSyn, 'xSyn');
  finiteValues(o.ySyn, 'ySyn');
  const mids = o.intermediate ?? [];
  if (!Array.isArray(mids)) throw new LosskitError('INVALID_ARGUMENT', 'intermediate must be an array', { argument: 'intermediate', expected: 'an array of MLP parameter sets' });
  mids.forEach((p, i) => checkMlp(`intermediate[${i}]`, p, dims));
  checkDistinctParams(asList(o.start), asList(o.target), 'target', 'target equals start');
  mids.forEach((p, i) => checkDistinctParams(asList(o.start), asList(p), `intermediate[${i}]`, `intermediate[${i}] equals start`));
  const M = mids.length + 1;
  const k = Math.floor(steps / M);
  if (mids.length > 0 && k < 1) throw new LosskitError('INVALID_PARAMETER', 'too few student steps for the intermediate targets', { argument: 'steps', expected: `at least M = ${M} (one per expert epoch)`, received: String(steps) });
  const weighting = o.intermediateWeighting ?? 'adaptive';
  if (weighting !== 'adaptive' && weighting !== 'sum') throw new LosskitError('INVALID_ARGUMENT', 'unknown weighting', { argument: 'intermediateWeighting', expected: "'adaptive' or 'sum'", received: String(weighting) });
  if (typeof o.lr === 'number') params.positive('lr', o.lr);
  else if (!(o.lr instanceof tf.Tensor) || o.lr.isDisposed || o.lr.size !== 1) throw new LosskitError('INVALID_ARGUMENT', 'lr must be a number or a scalar tensor', { argument: 'lr', expected: 'a number > 0 or a scalar tensor', received: o.lr instanceof tf.Tensor ? `shape [${o.lr.shape.join(', ')}]` : typeof o.lr });
  else finiteValues(o.lr, 'lr');
  return tf.tidy(() => {
    const lr = typeof o.lr === 'number' ? tf.scalar(o.lr) : tf.reshape(o.lr, []);
    const X = o.xSyn;
    let theta: Tensor[] = asList(o.start);
    let buf: Tensor[] | undefined;
    const middle: Tensor[] = [];
    for (let s = 0; s < steps; s++) {
      const [w1, b1, w2, b2] = theta as [Tensor, Tensor, Tensor, Tensor];
      const z1 = tf.add(tf.matMul(X, w1), b1);
      const h = act.f(z1);
      const z2 = tf.add(tf.matMul(h, w2), b2);
      const d2 = tf.mul(tf.sub(tf.softmax(z2), o.ySyn), scale / n);
      const d1 = tf.mul(tf.matMul(d2, w2, false, true), act.df(z1, h));
      const g = [tf.matMul(X, d1, true, false), tf.sum(d1, 0), tf.matMul(h, d2, true, false), tf.sum(d2, 0)];
      buf = buf === undefined || mu === 0 ? g : buf.map((b, i) => tf.add(tf.mul(b, mu), g[i]!));
      theta = theta.map((t, i) => tf.sub(t, tf.mul(lr, buf![i]!)));
      const m = (s + 1) / k;
      if (mids.length > 0 && Number.isInteger(m) && m <= mids.length) middle.push(tf.div(sqDist(theta, mids[m - 1]!), tf.maximum(sqDist(asList(o.start), mids[m - 1]!), 1e-12)));
    }
    let loss: Tensor = tf.div(sqDist(theta, o.target), tf.maximum(sqDist(asList(o.start), o.target), 1e-12));
    middle.forEach((t, i) => {
      loss = tf.add(loss, tf.mul(t, weighting === 'adaptive' ? (i + 1) / (middle.length + 1) : 1));
    });
    return loss as tf.Scalar;
  });
}

/**
 * AST's balanced inner loss factor (the authors' `--balance_loss`): with h = ⌊S/2⌋ for start epochs drawn from
 * {0, …, S − 1} (S = `maxStartEpoch`), the student's cross-entropy is multiplied by log₅(s − h + 8) when s ≥ h and
 * divided by log₅(h − s + 8) otherwise, so late (flat) segments of the expert trajectory get larger inner gradients.
 * Pass the result as `innerLossScale` of {@link mlpTrajectoryMatchingLoss}.
 *
 * @example astBalancedLossScale(20, 25) // log₅(10) ≈ 1.43
 */
export function astBalancedLossScale(startEpoch: number, maxStartEpoch: number): number {
  const S = params.positiveInteger('maxStartEpoch', maxStartEpoch);
  const s = nonNegativeInteger('startEpoch', startEpoch);
  if (s >= S) throw new LosskitError('INVALID_PARAMETER', 'start epoch beyond the maximum', { argument: 'startEpoch', expected: `an integer in [0, ${S - 1}]`, received: String(s) });
  const h = Math.floor(S / 2);
  const log5 = (v: number) => Math.log(v) / Math.log(5);
  return s >= h ? log5(s - h + 8) : 1 / log5(h - s + 8);
}

/** The authors' `loss_decay` table of the expert's first 11 epochs (`buffer.py`). */
const CLIP_SCHEDULE = [0.5, 0.5, 0.55, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9] as const;

/**
 * AST's clipping loss for expert training (`buffer.py` / `epoch_flat`): the expert's cross-entropy in epoch e is
 * multiplied by c_e = 0.5, 0.5, 0.55, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9 for e = 0 … 10 and by 1 afterwards, which
 * damps the early, steep part of the trajectory (with plain SGD it is a learning-rate warm-up of the same factors).
 *
 * @example const loss = tf.mul(ce(labels, logits), astExpertLossScale(epoch));
 */
export function astExpertLossScale(epoch: number): number {
  const e = nonNegativeInteger('epoch', epoch);
  return e < CLIP_SCHEDULE.length ? CLIP_SCHEDULE[e]! : 1;
}

/** Options of {@link astGradientPenalty}. */
export interface AstGradientPenaltyOptions {
  /** λ of the penalty. Default 2 (the authors' `LAMBDA`). */
  readonly lambda?: number;
  /** Hidden activation of the MLP. Default `'tanh'`. */
  readonly activation?: MlpActivation;
}

/**
 * AST's gradient penalty on the expert (`utils.py` `epoch_gp`, commit 22873a8; added to the expert's training loss):
 *
 * GP = λ · mean_i (‖∇_x Σ_c f_c(x_i)‖₂ − 1)²
 *
 * for the MLP f(x) = σ(xW₁ + b₁)W₂ + b₂, whose input gradient has the closed form ∇_x Σ_c f_c = W₁ (σ'(z₁) ⊙ W₂1_C)
 * (so the penalty is differentiable in the weights with a first-order `tf.variableGrads`, no nested gradient). Shapes:
 * `x [N, D]`; returns a scalar (the caller disposes it). The norm is taken as √max(‖g‖², 1e-30) so its gradient stays
 * finite at g = 0.
 *
 * @example const loss = tf.add(tf.mul(ceLoss, astExpertLossScale(epoch)), astGradientPenalty(expert, xBatch));
 */
export function astGradientPenalty(mlp: MlpParams<Tensor>, x: Tensor, options?: AstGradientPenaltyOptions): tf.Scalar {
  const o = readOptions(options);
  const lambda = params.nonNegative('lambda', o.lambda ?? 2);
  const act = ACTIVATIONS[readActivation(o.activation)];
  const dims = checkMlp('mlp', mlp);
  checkLive('x', x);
  const [n] = x.shape as [number];
  checkShape('x', x, [n, dims.D]);
  if (n === 0) throw new LosskitError('EMPTY_BATCH', 'no rows', { argument: 'x', expected: '[N, D] with N >= 1', received: `[${x.shape.join(', ')}]` });
  finiteValues(x, 'x');
  return tf.tidy(() => {
    const z1 = tf.add(tf.matMul(x, mlp.w1), mlp.b1);
    const h = act.f(z1);
    const v = tf.sum(mlp.w2, 1); // W₂1_C, [H]
    const g = tf.matMul(tf.mul(act.df(z1, h), v), mlp.w1, false, true); // [N, D]
    const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(g), 1), 1e-30));
    return tf.mul(tf.mean(tf.square(tf.sub(norm, 1))), lambda) as tf.Scalar;
  });
}

/** Options of {@link representativeInit}. */
export interface RepresentativeInitOptions {
  /** Synthetic examples per class (the authors' `ipc`). */
  readonly perClass: number;
  /** k-means clusters per class (the authors' `ipc_visual`). Default min(10, perClass). */
  readonly clusters?: number;
  /** Seed of the k-means++ seeding. Default 0. */
  readonly seed?: number;
}

/**
 * AST's representative initialisation (`distill.py`, `get_repre_images`): per class c, k-means with `clusters` centres
 * on the expert's logits of the real examples of c (the authors run it on the final expert); for every centre, the
 * ⌊perClass / clusters⌋ examples nearest to it (squared Euclidean distance) are taken, in centre order. Returns indices
 * into the rows of `logits [N, C']`, class by class (initialise the synthetic set with those real examples). As in the
 * code, examples near two centres can be picked twice, perClass not a multiple of clusters leaves the remainder out, and a
 * class with fewer than ⌊perClass / clusters⌋ examples gives all of them per centre.
 * k-means here is this package's {@link kMeans} (k-means++ seeding, Lloyd), not scikit-learn's.
 *
 * @example representativeInit(expertLogits, labels, { perClass: 10 })
 */
export function representativeInit(logits: TensorLike, labels: TensorLike, options: RepresentativeInitOptions): number[] {
  const rows = readRows(logits, 'logits');
  const o = readOptions(options);
  const perClass = params.positiveInteger('perClass', o.perClass);
  const clusters = params.positiveInteger('clusters', o.clusters ?? Math.min(10, perClass));
  if (clusters > perClass) throw new LosskitError('INVALID_PARAMETER', 'more clusters than examples per class', { argument: 'clusters', expected: `an integer in [1, ${perClass}] (⌊perClass / clusters⌋ examples per centre)`, received: String(clusters) });
  const y = readLabels(labels, 'labels', rows.length);
  const per = Math.floor(perClass / clusters);
  const out: number[] = [];
  byClass(y).forEach((idx, c) => {
    if (idx.length === 0) return;
    if (idx.length < clusters) throw new LosskitError('INVALID_PARAMETER', `class ${c} has fewer examples than clusters`, { argument: 'clusters', expected: `at most ${idx.length} (the examples of class ${c})`, received: String(clusters) });
    const pts = idx.map((i) => rows[i]!);
    const km = kMeans(pts, { k: clusters, ...(o.seed === undefined ? {} : { seed: o.seed }) });
    for (const center of km.centers) {
      const d = pts.map((p, j) => ({ j, d: p.reduce((s, v, t) => s + (v - center[t]!) ** 2, 0) }));
      d.sort((a, b) => a.d - b.d || a.j - b.j);
      for (const { j } of d.slice(0, per)) out.push(idx[j]!);
    }
  });
  return out;
}
