import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, ce, cleanTapeOnError, compile, params } from '@losskit/core';
import { rng } from '@losskit/core/math';
import { type LabeledData, type ModelLike, checkModelData, dataTensors, forward, modelVariables } from './model.js';
import { optionsOf } from './objective.js';

// Worst-case forget sets (Fan, Liu, Zhang, Liu et al., "Challenging Forgets: Unveiling the Worst-Case Forget Sets in
// Machine Unlearning", ECCV 2024), data-wise selection as the authors' code does it (OPTML-Group/Unlearn-WorstCase
// fc727ce, data-wise/main_selmu.py, unlearn/impl.py optimize_select, unlearn/FT.py w_FT_iter, utils.py bisection).

/**
 * Euclidean projection of `a` onto `{w : 0 ≤ w_i ≤ 1, Σ w_i = k}`: `w_i = clip(a_i − μ, 0, 1)` with μ found by
 * bisection (the authors' `bisection`, tolerance 1e-5 there; here to float64 convergence).
 */
export function projectCappedSimplex(a: ArrayLike<number>, k: number): number[] {
  const v = Array.from(a);
  if (v.length === 0 || v.some((x) => !Number.isFinite(x))) throw new LosskitError('NON_FINITE_INPUT', 'expected finite numbers', { argument: 'a', expected: 'a non-empty array of finite numbers', received: v.length === 0 ? 'an empty array' : 'a non-finite entry' });
  if (!(k >= 0 && k <= v.length)) throw new LosskitError('INVALID_PARAMETER', 'k must lie in [0, n]', { argument: 'k', expected: `a number in [0, ${v.length}]`, received: String(k) });
  const g = (mu: number): number => v.reduce((s, x) => s + Math.min(Math.max(x - mu, 0), 1), 0) - k;
  let lo = Math.min(...v) - 1;
  let hi = Math.max(...v);
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (g(mid) > 0) lo = mid;
    else hi = mid;
  }
  const mu = (lo + hi) / 2;
  return v.map((x) => Math.min(Math.max(x - mu, 0), 1));
}

/** Options of {@link worstCaseForgetSet}. */
export interface WorstCaseOptions {
  /** The trained model; its weights are restored to their values at the call when it returns. */
  readonly model: ModelLike;
  /** The training set to select from. */
  readonly data: LabeledData;
  /** k, the size of the forget set. */
  readonly size: number;
  /** Upper-level (selection) epochs. Default 5. */
  readonly selectEpochs?: number;
  /** Lower-level unlearning epochs per selection epoch (fine-tuning on the weighted remaining data). Default 2. */
  readonly unlearnSteps?: number;
  /** Lower-level sign-SGD learning rate. Default 1e-3 (`--theta_lr`). */
  readonly thetaLr?: number;
  /** Upper-level learning rate η_w. Default 1 (the authors' CLI default, 0.01, barely moves w from its random start in a few epochs at per-sample CE scale). */
  readonly wLr?: number;
  /** γ of the ‖w‖² term. Default 0 (`--gamma`). */
  readonly gamma?: number;
  /** Binarise w to its top k every this many epochs (and at the end). Default: only at the end (`--feq_to_bi`). */
  readonly binarizeEvery?: number;
  /** Lower-level batch size. Default 128. */
  readonly batchSize?: number;
  /** Seed of the initial random forget set and of the batch order. Default 0. */
  readonly seed?: number;
}

/** Result of {@link worstCaseForgetSet}. */
export interface WorstCaseResult {
  /** Indices of the worst-case forget set (the top k of w), ascending. */
  readonly indices: number[];
  /** The final continuous selection weights w (before binarisation). */
  readonly weights: number[];
  /** Upper-level objective `Σ w_i ℓ_i(θ*(w))` per epoch. */
  readonly losses: number[];
}

/**
 * Worst-case forget set, data-wise (Challenging Forgets, bi-level): selection weights `w ∈ [0, 1]^N, Σw = k`, starting
 * from a random forget set. Each epoch restores the original weights, runs the lower level — `unlearnSteps` epochs of
 * fine-tuning on the remaining data by sign-SGD on `Σ_i (1 − w_i)·ℓ_i(θ)` (the authors' `w_FT`) — then takes an upper-level
 * step `w ← Proj(w − η_w·(ℓ(θ*) + 2γw))` (a first-order step that ignores the implicit gradient, as their
 * `optimize_select`) and projects onto the capped simplex. The samples whose loss stays lowest after being unlearned —
 * the ones fine-tuning on the rest keeps predicting — end with the largest w; the forget set is the top k. The model
 * is left with its weights as they were at the call.
 *
 * @example const { indices } = await worstCaseForgetSet({ model, data: train, size: 100, selectEpochs: 5 });
 * @see Fan, Liu, Hero, Liu, "Challenging Forgets: Unveiling the Worst-Case Forget Sets in Machine Unlearning" (ECCV 2024).
 */
export async function worstCaseForgetSet(options: WorstCaseOptions): Promise<WorstCaseResult> {
  const o = optionsOf(options) as WorstCaseOptions | undefined;
  if (!o) throw new LosskitError('INVALID_ARGUMENT', 'worstCaseForgetSet needs options', { argument: 'options', expected: '{ model, data, size }' });
  const vars = modelVariables(o.model);
  const epochs = params.positiveInteger('selectEpochs', o.selectEpochs ?? 5);
  const inner = params.positiveInteger('unlearnSteps', o.unlearnSteps ?? 2);
  const thetaLr = params.positive('thetaLr', o.thetaLr ?? 1e-3);
  const wLr = params.positive('wLr', o.wLr ?? 1);
  const gamma = params.nonNegative('gamma', o.gamma ?? 0);
  const batch = params.positiveInteger('batchSize', o.batchSize ?? 128);
  const every = params.positiveInteger('binarizeEvery', Math.min(o.binarizeEvery ?? epochs, epochs));
  const u = rng(params.finite('seed', o.seed ?? 0));
  const d = dataTensors(o.data, 'data');
  const saved = vars.map((v) => tf.clone(v));
  try {
    checkModelData(o.model, d, 'data');
    const n = d.n;
    const k = params.positiveInteger('size', o.size);
    if (k >= n) throw new LosskitError('INVALID_PARAMETER', 'the forget set must be smaller than the data', { argument: 'size', expected: `an integer in [1, ${n - 1}]`, received: String(k) });
    const perSample = compile(ce(), { validate: false });
    const order = Array.from({ length: n }, (_, i) => i);
    const shuffle = (): number[] => {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(u() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      return order;
    };
    let w = new Array(n).fill(0) as number[];
    shuffle().slice(0, k).forEach((i) => (w[i] = 1));
    const topK = (x: number[]): number[] => x.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k).map(([, i]) => i);
    const losses: number[] = [];
    for (let e = 0; e < epochs; e++) {
      vars.forEach((v, i) => v.assign(saved[i]!));
      const wt = tf.tensor1d(w);
      try {
        for (let s = 0; s < inner; s++) {
          const idx = shuffle().slice();
          for (let b = 0; b < n; b += batch) {
            tf.tidy(() => {
              const ix = tf.tensor1d(idx.slice(b, b + batch), 'int32');
              const xb = tf.gather(d.x, ix);
              const yb = tf.gather(d.y, ix);
              const keep = tf.sub(1, tf.gather(wt, ix));
              const { grads } = cleanTapeOnError(() => tf.variableGrads(() => tf.sum(tf.mul(keep, perSample.perSample(yb, forward(o.model, xb, true)))) as tf.Scalar, vars));
              // sign-SGD (the authors' optimizer.sign_step): θ ← θ − η·sign(g).
              vars.forEach((v) => {
                const g = grads[v.name];
                if (g) v.assign(tf.sub(v, tf.mul(tf.sign(g), thetaLr)));
              });
            });
          }
          await new Promise((r) => setTimeout(r, 0));
        }
      } finally {
        wt.dispose();
      }
      const ell = tf.tidy(() => {
        const parts: Tensor[] = [];
        for (let b = 0; b < n; b += 512) parts.push(perSample.perSample(tf.slice(d.y, b, Math.min(512, n - b)), forward(o.model, tf.slice(d.x, b, Math.min(512, n - b)))));
        return tf.concat(parts);
      });
      const l = Array.from(ell.dataSync());
      ell.dispose();
      w = projectCappedSimplex(w.map((wi, i) => wi - wLr * (l[i]! + 2 * gamma * wi)), k);
      losses.push(w.reduce((s, wi, i) => s + wi * l[i]!, 0));
      if ((e + 1) % every === 0 && e < epochs - 1) {
        const bi = new Array(n).fill(0) as number[];
        topK(w).forEach((i) => (bi[i] = 1));
        w = bi;
      }
    }
    return { indices: topK(w).sort((a, b) => a - b), weights: w, losses };
  } finally {
    vars.forEach((v, i) => v.assign(saved[i]!));
    saved.forEach((t) => t.dispose());
    d.dispose();
  }
}
