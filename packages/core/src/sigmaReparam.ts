import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { PROB_SUM_TOLERANCE } from './context.js';
import { LosskitError, formatShape } from './errors.js';
import { type TensorLike, assertFinite, formatIndex, hostValues, toTensor } from './tensors.js';

/**
 * Caller-held state of {@link sigmaReparam} for one weight matrix: the power-iteration vector `u` (the estimate of the
 * top right singular vector, length = the weight's column count) and the last spectral-norm estimate `sigma`.
 */
export interface SigmaReparamState {
  /** Unit vector of length `n` (the weight is `[m, n]`), float64. Updated in place by training calls. */
  readonly u: Float64Array;
  /** The last estimate of `σ(W)`; after {@link sigmaReparamState}, the converged spectral norm (initialize `γ` with it). */
  sigma: number;
}

/** Options of {@link sigmaReparam}. */
export interface SigmaReparamOptions {
  /** Update `state.u` and `state.sigma` with this call's power iteration (training mode). Default true. */
  readonly training?: boolean;
}

function readWeight(weight: TensorLike, name: string): { values: Float64Array; m: number; n: number; tensor: Tensor; owned: boolean } {
  const c = toTensor(weight, name);
  try {
    if (c.tensor.rank !== 2) {
      throw new LosskitError('RANK_MISMATCH', 'weight must be a matrix', { argument: name, expected: 'rank 2, shape [m, n] (reshape conv kernels to [m, n] first)', received: `shape ${formatShape(c.tensor.shape)}` });
    }
    const [m, n] = c.tensor.shape as [number, number];
    if (m === 0 || n === 0) throw new LosskitError('SHAPE_MISMATCH', 'weight is empty', { argument: name, expected: 'shape [m, n] with m, n ≥ 1', received: `shape ${formatShape(c.tensor.shape)}` });
    const values = Float64Array.from(hostValues(c));
    assertFinite(values, name, c.tensor.shape);
    return { values, m, n, tensor: c.tensor, owned: c.owned };
  } catch (e) {
    if (c.owned) c.tensor.dispose();
    throw e;
  }
}

/** One power-iteration step from `u` (float64): `v = normalize(W u)`, `u' = normalize(Wᵀ v)`. Null when `W u = 0`. */
function powerStep(w: Float64Array, m: number, n: number, u: Float64Array): { v: Float64Array; u: Float64Array } | null {
  const v = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += w[i * n + j]! * u[j]!;
    v[i] = s;
  }
  const nv = Math.hypot(...v);
  if (!(nv > 0)) return null;
  for (let i = 0; i < m; i++) v[i]! /= nv;
  const u2 = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += w[i * n + j]! * v[i]!;
    u2[j] = s;
  }
  const nu = Math.hypot(...u2);
  if (!(nu > 0)) return null;
  for (let j = 0; j < n; j++) u2[j]! /= nu;
  return { v, u: u2 };
}

function bilinear(w: Float64Array, m: number, n: number, v: Float64Array, u: Float64Array): number {
  let s = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) s += v[i]! * w[i * n + j]! * u[j]!;
  return s;
}

function zeroNorm(name: string): LosskitError {
  return new LosskitError('INVALID_ARGUMENT', 'weight has spectral norm 0 (all zeros), so W/σ(W) is undefined', { argument: name, expected: 'a matrix with a non-zero entry', received: 'the zero matrix' });
}

/**
 * Creates the state of {@link sigmaReparam} for `weight` `[m, n]`: `u` the top right singular vector and `sigma` the
 * spectral norm `σ(W)`, by power iteration in float64 until `u` moves by less than 1e-13 per entry (at most 10 000
 * steps; the authors initialize from an SVD, which this reproduces up to the sign of `u`). Initialize the learnable
 * scale `γ` with `state.sigma` so that `Ŵ = W` at the start, as the authors' `SNLinear` does.
 */
export function sigmaReparamState(weight: TensorLike): SigmaReparamState {
  const w = readWeight(weight, 'weight');
  if (w.owned) w.tensor.dispose();
  const { values, m, n } = w;
  // A fixed start that is not orthogonal to the top singular vector except on a measure-zero set: (1, 1 + 1/n, ...).
  let u: Float64Array = Float64Array.from({ length: n }, (_, j) => 1 + j / n);
  const nu = Math.hypot(...u);
  u = u.map((x) => x / nu);
  let sigma = 0;
  for (let it = 0; it < 10000; it++) {
    let step = powerStep(values, m, n, u);
    if (step === null && it === 0) {
      // The start is in the null space: restart from each basis vector until one is not.
      for (let j = 0; j < n && step === null; j++) step = powerStep(values, m, n, Float64Array.from({ length: n }, (_, k) => (k === j ? 1 : 0)));
    }
    if (step === null) throw zeroNorm('weight');
    let moved = 0;
    for (let j = 0; j < n; j++) moved = Math.max(moved, Math.abs(step.u[j]! - u[j]!));
    u = step.u;
    sigma = bilinear(values, m, n, step.v, step.u);
    if (moved <= 1e-13) break;
  }
  return { u, sigma };
}

/**
 * σReparam (Zhai et al. 2023): the reparametrized weight `Ŵ = (γ / σ(W)) W`, with `σ(W) = vᵀ W u` estimated by one
 * power-iteration step from the caller-held `state.u` (`v = normalize(W u)`, `u ← normalize(Wᵀ v)`, both without
 * gradient). Gradients flow into `W` (through `W` and `σ`, `∂σ/∂W = v uᵀ`) and into the learnable scalar `γ`. In
 * training mode `state.u` and `state.sigma` are updated, as the authors' `SpectralNormedWeight` does in `training`.
 *
 * Shapes: `weight` `[m, n]` (a torch `Linear` weight `[out, in]` or a tfjs-layers kernel `[in, out]`: `σ` is the
 * same; reshape conv kernels to 2-D), `gamma` a scalar → `[m, n]`. Use it inside a custom layer's `call` or a
 * `train()` loss on the raw weight variable. Checked against the authors' code (apple/ml-sigma-reparam,
 * `vision/layers.py`, commit fea4e35: `SpectralNormedWeight.get_sigma` and `SNLinear.get_weight`) and a float64
 * SVD-free reference (the closed-form largest singular value of 2×2 matrices) in the tests.
 *
 * @example
 * const state = sigmaReparamState(kernel); const gamma = tf.variable(tf.scalar(state.sigma));
 * const wHat = sigmaReparam(kernel, gamma, state); // inside the training step
 * @see Zhai, Likhomanenko, Littwin, Busbridge, Ramapuram, Zhang, Gu, Susskind, "Stabilizing Transformer Training by
 * Preventing Attention Entropy Collapse", ICML 2023 (arXiv:2303.06296).
 */
export function sigmaReparam(weight: Tensor, gamma: Tensor | number, state: SigmaReparamState, options: SigmaReparamOptions = {}): Tensor {
  const training = options.training ?? true;
  if (typeof training !== 'boolean') throw new LosskitError('INVALID_PARAMETER', 'must be a boolean', { argument: 'training', expected: 'true or false', received: String(training) });
  if (state === null || typeof state !== 'object' || !(state.u instanceof Float64Array)) {
    throw new LosskitError('INVALID_ARGUMENT', 'not a σReparam state', { argument: 'state', expected: 'the object returned by sigmaReparamState(weight)', received: state === null ? 'null' : typeof state });
  }
  const w = readWeight(weight, 'weight');
  try {
    if (state.u.length !== w.n) {
      throw new LosskitError('SHAPE_MISMATCH', 'state does not belong to this weight', { argument: 'state.u', expected: `length ${w.n} (the weight's column count)`, received: `length ${state.u.length}` });
    }
    assertFinite(state.u, 'state.u', [state.u.length]);
    let g: Tensor;
    if (typeof gamma === 'number') {
      if (!Number.isFinite(gamma)) throw new LosskitError('INVALID_PARAMETER', 'must be finite', { argument: 'gamma', expected: 'a finite number or scalar tensor', received: String(gamma) });
      g = tf.scalar(gamma);
    } else {
      if (!(gamma instanceof tf.Tensor) || gamma.size !== 1) {
        throw new LosskitError('SHAPE_MISMATCH', 'must be a scalar', { argument: 'gamma', expected: 'a number or a tensor with one element', received: gamma instanceof tf.Tensor ? `shape ${formatShape(gamma.shape)}` : typeof gamma });
      }
      const gv = gamma.dataSync()[0]!;
      if (!Number.isFinite(gv)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: 'gamma', expected: 'a finite number', received: String(gv) });
      g = gamma;
    }
    const step = powerStep(w.values, w.m, w.n, state.u);
    if (step === null) {
      if (typeof gamma === 'number') g.dispose();
      throw zeroNorm('weight');
    }
    const out = tf.tidy(() => {
      // σ = vᵀ W u as a tensor expression of W, so its gradient v uᵀ reaches W; u, v are constants.
      const outer = tf.tensor2d(Float32Array.from({ length: w.m * w.n }, (_, k) => step.v[Math.floor(k / w.n)]! * step.u[k % w.n]!), [w.m, w.n]);
      const sigma = tf.sum(tf.mul(w.tensor, outer));
      return tf.mul(tf.div(w.tensor, sigma), tf.reshape(g, []));
    });
    if (typeof gamma === 'number') g.dispose();
    if (training) {
      state.u.set(step.u);
      state.sigma = bilinear(w.values, w.m, w.n, step.v, step.u);
    }
    return out;
  } finally {
    if (w.owned) w.tensor.dispose();
  }
}

/**
 * The attention-entropy monitor of σReparam's paper: `Ent(A) = −(1/T) Σ_i Σ_j A_ij log A_ij`, the entropy of each
 * attention row averaged over the `T` query rows (`0 log 0 = 0`), for every attention matrix of a batch. Entropy
 * collapse (values near 0 while the loss oscillates) is the failure σReparam prevents; the maximum is `log T_k`.
 *
 * Shapes: attention probabilities `[..., T, T_k]` (rows summing to 1 within {@link PROB_SUM_TOLERANCE}, e.g.
 * `[B, heads, T, T]`) → `[...]` (one value per head of each sample). Differentiable where every `A_ij > 0`.
 * @see Zhai et al., "Stabilizing Transformer Training by Preventing Attention Entropy Collapse", ICML 2023, §3.
 */
export function attentionEntropy(attention: TensorLike): Tensor {
  const c = toTensor(attention, 'attention');
  try {
    const shape = c.tensor.shape;
    if (c.tensor.rank < 2) throw new LosskitError('RANK_MISMATCH', 'attention must have query and key axes', { argument: 'attention', expected: 'shape [..., T, T_k]', received: `shape ${formatShape(shape)}` });
    const tk = shape.at(-1)!;
    if (c.tensor.size === 0 || tk === 0) throw new LosskitError('SHAPE_MISMATCH', 'attention is empty', { argument: 'attention', expected: 'T, T_k ≥ 1', received: `shape ${formatShape(shape)}` });
    const values = hostValues(c);
    assertFinite(values, 'attention', shape);
    for (let r = 0; r < values.length / tk; r++) {
      let s = 0;
      for (let j = 0; j < tk; j++) {
        const p = values[r * tk + j]!;
        if (p < 0 || p > 1) throw new LosskitError('INVALID_ARGUMENT', 'not a probability', { argument: 'attention', expected: 'entries in [0, 1]', received: `${p} at ${formatIndex(r * tk + j, shape)}` });
        s += p;
      }
      if (Math.abs(s - 1) > PROB_SUM_TOLERANCE) {
        throw new LosskitError('INVALID_ARGUMENT', 'attention row does not sum to 1', { argument: 'attention', expected: `rows summing to 1 (±${PROB_SUM_TOLERANCE})`, received: `${s} in row ${formatIndex(r * tk, shape)}` });
      }
    }
    return tf.tidy(() => {
      const p = c.tensor;
      const pos = tf.greater(p, 0);
      const safe = tf.where(pos, p, tf.onesLike(p));
      const plogp = tf.where(pos, tf.mul(p, tf.log(safe)), tf.zerosLike(p));
      return tf.neg(tf.mean(tf.sum(plogp, -1), -1));
    });
  } finally {
    if (c.owned) c.tensor.dispose();
  }
}
