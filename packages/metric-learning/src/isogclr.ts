import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineOp, input, node, params, stopGradient } from '@losskit/core';
import { checkedTensor, cosine, distanceMatrix, normalizeRows } from './distances.js';
import { labelsOf, optionsOf } from './internal.js';
import { labelMasks } from './miners.js';

/** Hyperparameters of the iSogCLR state update (the τ_i and u_i dynamics). */
export interface IsogclrOptions {
  /** DRO radius ρ ≥ 0 of the KL constraint. Default 6 (authors' unimodal `--DRO_rho`). */
  readonly rho?: number;
  /** Moving-average weight γ ∈ (0, 1] of the inner estimator: `s ← (1-γ) s + γ g`. Default 0.8. */
  readonly gamma?: number;
  /** Momentum β_u ∈ (0, 1] of the τ-gradient average: `u ← (1-β_u) u + β_u ∂F/∂τ`. Default 0.9. */
  readonly betaU?: number;
  /** Step size η > 0 of the temperature update `τ ← clip(τ - η u)`. Default 0.001 (`--DRO_eta_init`). */
  readonly eta?: number;
  /** Initial temperature. Default 0.1 (`--DRO_tau_init`). */
  readonly tauInit?: number;
  /** Lower clip of τ. Default 0.05; must be ≥ 0.02 so `e^{1/τ}` stays far inside float32. */
  readonly tauMin?: number;
  /** Upper clip of τ. Default 1. */
  readonly tauMax?: number;
  /** Clip of the τ-gradient, `[-c, c]`. Default 3 (the code's `grad_clip`). */
  readonly gradClip?: number;
}

/** Names of the per-row inputs the {@link isogclr} loss reads. */
export const ISOGCLR_INPUTS = { tau: 'isogclrTau', s: 'isogclrS' } as const;

/** What {@link IsogclrState.update} returns: the labels and inputs for this step's loss call. */
export interface IsogclrStep {
  /** `[2B]` labels: `ids` repeated for the two views (positives = the other view of the same id). */
  readonly labels: Int32Array;
  /** `{ isogclrTau, isogclrS }`, `[2B]` each: τ_i before this step's update and the updated `s_i` per row. */
  readonly inputs: { readonly isogclrTau: Float32Array; readonly isogclrS: Float32Array };
  /** The clipped, view-averaged τ-gradient `∂F/∂τ_i` per id, `[B]`. */
  readonly gradTau: Float32Array;
}

/** Caller-owned iSogCLR state, indexed by dataset id: temperatures τ, inner estimators s, τ-momentum u. */
export interface IsogclrState {
  readonly size: number;
  readonly options: Readonly<Required<IsogclrOptions>>;
  /** Per-sample temperatures τ_i (start at `tauInit`). */
  readonly tau: Float32Array;
  /** Moving-average estimators s_i of `(1/|N_i|) Σ_j exp(sim_ij/τ_i)` (start at 0, as in the authors' code). */
  readonly s: Float32Array;
  /** Moving averages u_i of the τ-gradient (start at 0). */
  readonly u: Float32Array;
  /**
   * One step of the state (call once per batch, before the loss): with τ_old = τ[ids], computes
   * `g_r = (1/|N_r|) Σ_{j∈N_r} e^{sim_rj/τ}` and `h_r = (1/|N_r|) Σ_{j∈N_r} e^{sim_rj/τ} sim_rj/τ` from
   * the (cosine) similarities of `embeddings` `[2B, D]` (view 1 rows `0..B-1`, view 2 rows `B..2B-1`,
   * row `r` and `r + B` are dataset item `ids[r]`); `s_r = (1-γ) s[id] + γ g_r`; `s[id] = (s_r + s_{r+B})/2`;
   * `∂F/∂τ = clip(((log s_r + ρ - h_r/s_r) + (same for r + B))/2, ±gradClip)`; `u[id] ← (1-β_u) u[id] + β_u ∂F/∂τ`;
   * `τ[id] ← clip(τ[id] - η u[id], τ_min, τ_max)`. Returns the labels and `inputs` for the loss call
   * (τ_old and the new `s_r`, so the loss uses the same weights the authors' code does).
   * `eta` overrides the step size for this step (e.g. the authors' cosine decay of η over epochs).
   */
  update(ids: ArrayLike<number>, embeddings: Tensor | number[][], options?: { readonly eta?: number }): IsogclrStep;
}

/**
 * Creates the per-sample state of iSogCLR for a dataset of `size` items (all τ_i = `tauInit`, s = u = 0).
 * Pair it with the {@link isogclr} loss. Defaults follow the authors' unimodal code
 * (zhqiu/contrastive-learning-iSogCLR, `SogCLR_DRO_Loss` and `main_supcon.py`): ρ = 6, γ = 0.8,
 * β_u = 0.9, η = 0.001, τ_init = 0.1, τ ∈ [0.05, 1], gradient clip 3.
 * @example
 * const state = isogclrState(50000);
 * const loss = compile(isogclr(), { from: 'embeddings' });
 * const { labels, inputs } = state.update(ids, z); // z: [2B, D], both views stacked
 * const { value, grad } = loss.valueAndGrad(labels, z, { inputs });
 */
export function isogclrState(size: number, options: IsogclrOptions = {}): IsogclrState {
  options = optionsOf(options);
  params.positiveInteger('size', size);
  const o = Object.freeze({
    rho: params.nonNegative('rho', options.rho ?? 6),
    gamma: params.inRange('gamma', options.gamma ?? 0.8, Number.MIN_VALUE, 1),
    betaU: params.inRange('betaU', options.betaU ?? 0.9, Number.MIN_VALUE, 1),
    eta: params.positive('eta', options.eta ?? 0.001),
    tauInit: options.tauInit ?? 0.1,
    tauMin: params.inRange('tauMin', options.tauMin ?? 0.05, 0.02, 1e6),
    tauMax: options.tauMax ?? 1,
    gradClip: params.positive('gradClip', options.gradClip ?? 3),
  });
  params.inRange('tauMax', o.tauMax, o.tauMin, 1e6);
  params.inRange('tauInit', o.tauInit, o.tauMin, o.tauMax);
  const tau = new Float32Array(size).fill(o.tauInit);
  const s = new Float32Array(size);
  const u = new Float32Array(size);

  function update(ids: ArrayLike<number>, embeddings: Tensor | number[][], stepOptions: { readonly eta?: number } = {}): IsogclrStep {
    const eta = params.positive('eta', optionsOf(stepOptions, 'options').eta ?? o.eta);
    if (!Array.isArray(ids) && !ArrayBuffer.isView(ids)) {
      throw new LosskitError('INVALID_ARGUMENT', 'ids must be an array of dataset indices', { argument: 'ids', expected: `distinct integers in [0, ${size})`, received: ids === null ? 'null' : typeof ids });
    }
    const b = ids.length;
    if (b === 0) throw new LosskitError('EMPTY_BATCH', 'no ids', { argument: 'ids', expected: 'at least one dataset index', received: '[]' });
    const seen = new Set<number>();
    for (let k = 0; k < b; k++) {
      const id = ids[k]!;
      if (!Number.isInteger(id) || id < 0 || id >= size || seen.has(id)) {
        throw new LosskitError('INVALID_ARGUMENT', 'iSogCLR ids must be distinct integers in [0, size)', {
          argument: 'ids',
          expected: `distinct integers in [0, ${size})`,
          received: String(id),
        });
      }
      seen.add(id);
    }
    const rowTau = new Float32Array(2 * b);
    for (let k = 0; k < b; k++) rowTau[k] = rowTau[k + b] = tau[ids[k]!]!;
    const labels = new Int32Array(2 * b);
    for (let k = 0; k < b; k++) labels[k] = labels[k + b] = k;
    const [g, h] = tf.tidy(() => {
      const e = checkedTensor(embeddings, 'embeddings', 2, 'the embeddings');
      if (e.shape[0] !== 2 * b) {
        throw new LosskitError('SHAPE_MISMATCH', 'iSogCLR embeddings must be [2B, D]: both views stacked', {
          argument: 'embeddings',
          expected: `[${2 * b}, D]`,
          received: `[${e.shape.join(', ')}]`,
        });
      }
      const x = normalizeRows(tf.cast(e, 'float32'));
      const z = tf.div(tf.matMul(x, x, false, true), tf.reshape(tf.tensor1d(rowTau), [-1, 1]));
      const neg = labelMasks(tf.tensor1d(labels, 'int32')).neg;
      const count = tf.maximum(tf.sum(neg, -1), 1);
      const ez = tf.mul(tf.exp(z), neg);
      return [tf.div(tf.sum(ez, -1), count).dataSync(), tf.div(tf.sum(tf.mul(ez, z), -1), count).dataSync()];
    });
    const rowS = new Float32Array(2 * b);
    const gradTau = new Float32Array(b);
    for (let k = 0; k < b; k++) {
      const id = ids[k]!;
      const grads = [k, k + b].map((r) => {
        const sr = (1 - o.gamma) * s[id]! + o.gamma * g[r]!;
        rowS[r] = sr;
        return Math.log(sr) + o.rho - h[r]! / sr;
      });
      s[id] = (rowS[k]! + rowS[k + b]!) / 2;
      const gt = Math.min(Math.max((grads[0]! + grads[1]!) / 2, -o.gradClip), o.gradClip);
      gradTau[k] = gt;
      u[id] = (1 - o.betaU) * u[id]! + o.betaU * gt;
      tau[id] = Math.min(Math.max(tau[id]! - eta * u[id]!, o.tauMin), o.tauMax);
    }
    return { labels, inputs: { isogclrTau: rowTau, isogclrS: rowS }, gradTau };
  }

  return { size, options: o, tau, s, u, update };
}

const op = defineOp({
  kind: 'ml.isogclr',
  evaluate: (ctx, a) => {
    const sim = a[0]!;
    const n = ctx.batchSize;
    const col = (t: Tensor, name: string) => {
      if (t.size !== n) {
        throw new LosskitError('SHAPE_MISMATCH', `iSogCLR input ${name} must hold one value per row`, { argument: `inputs.${name}`, expected: `[${n}]`, received: `[${t.shape.join(', ')}]` });
      }
      return tf.reshape(t, [-1, 1]);
    };
    const tau = col(a[1]!, ISOGCLR_INPUTS.tau);
    const s = col(a[2]!, ISOGCLR_INPUTS.s);
    const { pos, neg } = labelMasks(labelsOf(ctx, 'isogclr'));
    // w_rj = exp(sim_rj/τ_r)/s_r on negatives, held constant (the estimator's weights)
    const w = stopGradient(tf.mul(tf.exp(tf.sub(tf.div(sim, tau), tf.log(s))), neg));
    const nNeg = tf.maximum(tf.sum(neg, -1), 1);
    const nPos = tf.maximum(tf.sum(pos, -1), 1);
    return tf.sub(tf.div(tf.sum(tf.mul(w, sim), -1), nNeg), tf.div(tf.sum(tf.mul(pos, sim), -1), nPos));
  },
  print: (_a, _p, m) =>
    m === 'latex'
      ? '\\frac{1}{|N_i|}\\sum_{j\\in N_i}\\operatorname{sg}\\!\\left(\\frac{e^{s_{ij}/\\tau_i}}{\\hat g_i}\\right)s_{ij} - \\frac{1}{|P_i|}\\sum_{p\\in P_i} s_{ip}'
      : 'mean_{j∈N} sg(exp(s_ij/τ_i)/ĝ_i)·s_ij - mean_{p∈P} s_ip',
});

/**
 * iSogCLR, the robust contrastive loss with individualized temperatures ("Not All Semantics are Created
 * Equal: Contrastive Self-supervised Learning with Automatic Temperature Individualization", Qiu, Hu,
 * Yuan, Zhou, Wang, Zhang, Yang 2023). Each anchor i solves a KL-constrained DRO problem whose
 * Lagrangian gives `F_i(w, τ_i) = τ_i log( (1/|N_i|) Σ_{j∈N_i} exp((s_ij - s_ip)/τ_i) ) + τ_i ρ`.
 * The inner mean is tracked by a per-sample moving average `s_i` and τ_i moves by its own gradient;
 * both live in the caller-held {@link isogclrState}, passed in as inputs `isogclrTau`, `isogclrS` `[2B]`.
 * This expression is the model-side surrogate of the authors' code, whose gradient is the stochastic
 * gradient of `Σ_i F_i` in w:
 * `l_i = (1/|N_i|) Σ_{j∈N_i} sg(e^{s_ij/τ_i}/s_i) s_ij - (1/|P_i|) Σ_{p∈P_i} s_ip`, with `s_ij` the cosine
 * similarity, `N_i` the rows of other ids (both views), `P_i` the other view of the same id (labels
 * from `update`; general labels with several positives average over them). Its value is not `F_i`.
 * yPred `[2B, D]` (both views stacked), labels `[2B]` → `[2B]`; `compile`'s mean is half the authors'
 * `loss_1 + loss_2` averaged over B (same direction, half the scale).
 * @example compile(isogclr(), { from: 'embeddings' }).valueAndGrad(step.labels, z, { inputs: step.inputs })
 */
export function isogclr(): Expr<'sample', 'any'> {
  return node(op, 'sample', [distanceMatrix(cosine()), input(ISOGCLR_INPUTS.tau, 'sample'), input(ISOGCLR_INPUTS.s, 'sample')]);
}
