import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p, signOf } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, checkState, mapParams, needParams, optionsOf, tidy, valueAt, zerosLikeParams } from './types.js';
import { newtonSchulz, type NsCoeffs } from './muon.js';

/** The norm whose linear minimization oracle (LMO) Scion applies to a parameter's momentum. */
export type ScionNorm = 'spectral' | 'sign' | 'colNorm' | 'rowNorm' | 'biasRms' | 'auto';

/** How Scion treats one parameter (see {@link ScionOptions.layers}). */
export interface ScionLayer {
  readonly norm: ScionNorm;
  /** Radius ρ of the norm ball: the LMO output is multiplied by it. Default 1. */
  readonly scale?: number;
  /** `sign`, `colNorm`, `rowNorm`: divide by the input dimension (as the reference's `normalized`). Defaults: sign true, colNorm false, rowNorm true. */
  readonly normalized?: boolean;
}

/** State of {@link scion}. */
export interface ScionState {
  readonly count: number;
  readonly momentum: Params;
}

/** Options of {@link scion}. */
export interface ScionOptions {
  /** Step size η. Default 1e-3. */
  readonly learningRate?: ScalarOrSchedule;
  /** Averaging weight α of the gradient in the momentum `m ← (1 − α)m + αg` (α = 1: no momentum). Default 0.1. */
  readonly alpha?: number;
  /** Decoupled weight decay λ: `θ ← (1 − ηλ)θ − η·ρ·lmo(m)` (needs params when > 0). Default 0. */
  readonly weightDecay?: number;
  /** Norm per parameter; default `auto` (spectral for matrices, bias-RMS for vectors). */
  readonly layers?: (name: string, tensor: Tensor) => ScionLayer;
  /** Newton–Schulz coefficients and steps of the spectral LMO. Defaults 'standard', 5. */
  readonly nsCoeffs?: NsCoeffs;
  readonly nsSteps?: number;
}

const EPS = 1e-8;

/**
 * The LMO direction of one gradient for a Scion norm (tfjs layout: matrices are `[fan_in, fan_out]`): `spectral`
 * `UVᵀ·√(fan_out/fan_in)` (Newton–Schulz orthogonalisation), `sign` `sign(g)/fan_in` (or `sign(g)`), `colNorm` each
 * input's row divided by its RMS over the outputs (times fan_in when normalized, as the reference), `rowNorm` each
 * output's column divided by its L2 norm (times √fan_in when normalized), `biasRms` `g/RMS(g)`.
 */
function lmo(g: Tensor, layer: ScionLayer, coeffs: NsCoeffs, steps: number): Tensor {
  const norm = layer.norm === 'auto' ? (g.rank >= 2 ? 'spectral' : 'biasRms') : layer.norm;
  if (norm === 'biasRms') return tf.div(g, tf.add(tf.sqrt(tf.mean(tf.square(g))), EPS));
  if (g.rank !== 2) throw new LosskitError('INVALID_ARGUMENT', `the ${norm} LMO needs a matrix`, { argument: 'layers', expected: "'biasRms' or 'auto' for tensors that are not rank 2", received: `rank ${g.rank}` });
  const [fin, fout] = [g.shape[0]!, g.shape[1]!];
  if (norm === 'spectral') return tf.mul(newtonSchulz(g, coeffs, steps), Math.sqrt(fout / fin));
  if (norm === 'sign') return tf.mul(signOf(g), (layer.normalized ?? true) ? 1 / fin : 1);
  if (norm === 'colNorm') {
    // Reference column j (an input) ↔ our row j: RMS over the outputs.
    const rms = tf.div(tf.sqrt(tf.sum(tf.square(g), 1, true)), Math.sqrt(fout));
    return tf.div(g, tf.add((layer.normalized ?? false) ? tf.mul(rms, fin) : rms, EPS));
  }
  // rowNorm: reference row i (an output) ↔ our column i: L2 norm over the inputs.
  const l2 = tf.sqrt(tf.sum(tf.square(g), 0, true));
  return tf.div(g, tf.add((layer.normalized ?? true) ? tf.mul(l2, Math.sqrt(fin)) : l2, EPS));
}

/**
 * Scion: steepest descent under per-layer operator norms via linear minimization oracles. With momentum
 * `m ← (1 − α)m + αg`, each parameter moves by `θ ← (1 − ηλ)θ − η·ρ·lmo(m)`, the LMO chosen per layer: spectral
 * (orthogonalised momentum, scaled by √(fan_out/fan_in); hidden matrices), sign (`sign(m)/fan_in`; output layers),
 * column or row normalisation (input and embedding layers), RMS normalisation (vectors). Choose per parameter with
 * `layers: (name, t) => ({ norm, scale })`; the default `auto` is spectral for matrices, bias-RMS for vectors.
 * "Optimal Scaling Needs Optimal Norm" trains with Scion and finds the optimal (η, B) pair keeps the output layer's
 * RMS→∞ operator norm constant across model and data scale ("norm transfer"): monitor it with {@link operatorNorm}.
 * Defaults η 1e-3, α 0.1, λ 0, Newton–Schulz 'standard' × 5 (Muon's; the reference now uses Polar Express).
 * Papers: "Training Deep Learning Models with Norm-Constrained LMOs", Pethick et al., 2025 (arXiv 2502.07529);
 * "Optimal Scaling Needs Optimal Norm", Filatov et al., 2025 (arXiv 2510.03871). Norms read from LIONS-EPFL/scion.
 * @example scion({ learningRate: 0.02, layers: (name) => (name === 'out/kernel' ? { norm: 'sign', scale: 16 } : { norm: 'auto' }) })
 */
export function scion(options: ScionOptions = {}): GradientTransformation<ScionState> {
  options = optionsOf(options);
  const lr = checkScalarOrSchedule(options.learningRate ?? 1e-3, 'learningRate');
  const alpha = checkAlpha(options.alpha ?? 0.1);
  const wd = p.nonNegative('weightDecay', options.weightDecay ?? 0);
  const layers: (name: string, tensor: Tensor) => ScionLayer = options.layers ?? (() => ({ norm: 'auto' }));
  if (typeof layers !== 'function') throw new LosskitError('INVALID_PARAMETER', 'layers must be a function', { argument: 'layers', expected: '(name, tensor) => { norm, scale? }', received: typeof layers });
  const coeffs = options.nsCoeffs ?? 'standard';
  const steps = p.positiveInteger('nsSteps', options.nsSteps ?? 5);
  const layerOf = (name: string, t: Tensor): ScionLayer => {
    const l = layers(name, t);
    if (!l || typeof l !== 'object' || !['spectral', 'sign', 'colNorm', 'rowNorm', 'biasRms', 'auto'].includes(l.norm)) {
      throw new LosskitError('INVALID_PARAMETER', `layers("${name}") is not a Scion layer`, { argument: 'layers', expected: "{ norm: 'spectral' | 'sign' | 'colNorm' | 'rowNorm' | 'biasRms' | 'auto', scale? }", received: JSON.stringify(l) ?? String(l) });
    }
    if (l.scale !== undefined) p.positive('scale', l.scale);
    return l;
  };
  return {
    learningRate: typeof lr === 'function' ? lr : () => lr,
    init(params) {
      const ps = checkParams(params, 'params');
      for (const [k, t] of Object.entries(ps)) layerOf(k, t);
      return { count: 0, momentum: tidy(() => zerosLikeParams(ps)) };
    },
    update(grads, state, params) {
      checkState(state, { count: 'count', momentum: 'params' });
      const g = checkMatching(grads, state.momentum, 'grads', 'the optimizer state');
      const w = wd > 0 ? checkMatching(needParams(params, 'scion with weightDecay'), g, 'params', 'grads') : undefined;
      const eta = valueAt(lr, state.count, 'learningRate');
      const layerList = Object.fromEntries(Object.entries(g).map(([k, t]) => [k, layerOf(k, t)]));
      return tidy(() => {
        const momentum: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          const m = alpha === 1 ? tf.clone(gk) : tf.add(tf.mul(state.momentum[k]!, 1 - alpha), tf.mul(gk, alpha));
          momentum[k] = m;
          const l = layerList[k]!;
          const u = tf.mul(lmo(m, l, coeffs, steps), -eta * (l.scale ?? 1));
          return w ? tf.sub(u, tf.mul(w[k]!, eta * wd)) : u;
        });
        return { updates, state: { count: state.count + 1, momentum } };
      });
    },
  };
}

function checkAlpha(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !(v > 0 && v <= 1)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'alpha', expected: 'a number in (0, 1]', received: String(v) });
  return v;
}

/** Operator norms of a weight matrix (tfjs layout `[fan_in, fan_out]`) between RMS-normed and max-normed spaces. */
export type OperatorNormKind = 'rms->rms' | 'rms->inf' | 'spectral';

/**
 * An operator norm of a weight matrix `W` of shape `[fan_in, fan_out]` (computed on the host in float64):
 * `spectral` σ_max(W); `rms->rms` `σ_max(W)·√(fan_in/fan_out)` (the norm Scion's spectral LMO is dual to);
 * `rms->inf` `max_j ‖W_{:,j}‖₂·√fan_in`, the largest output magnitude for an input of RMS 1: the output-layer norm that
 * "Optimal Scaling Needs Optimal Norm" finds constant at the optimal learning rate and batch size across scales.
 * σ_max by power iteration on WᵀW (to 1e-12 relative, at most 1000 iterations).
 * @example operatorNorm(params['out/kernel'], 'rms->inf')
 */
export function operatorNorm(w: Tensor, kind: OperatorNormKind = 'rms->rms'): number {
  if (!(w instanceof tf.Tensor) || w.isDisposed || w.rank !== 2) {
    throw new LosskitError('INVALID_ARGUMENT', 'expected a weight matrix', { argument: 'w', expected: 'a live rank-2 tensor [fan_in, fan_out]', received: w instanceof tf.Tensor ? (w.isDisposed ? 'a disposed tensor' : `shape [${w.shape.join(', ')}]`) : typeof w });
  }
  if (kind !== 'rms->rms' && kind !== 'rms->inf' && kind !== 'spectral') throw new LosskitError('INVALID_ARGUMENT', 'unknown norm', { argument: 'kind', expected: "'rms->rms', 'rms->inf' or 'spectral'", received: String(kind) });
  const [fin, fout] = [w.shape[0]!, w.shape[1]!];
  const a = Float64Array.from(w.dataSync());
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new LosskitError('NON_FINITE_INPUT', 'the matrix has a non-finite entry', { argument: 'w', expected: 'finite values', received: `${a[i]} at index ${i}` });
  }
  if (kind === 'rms->inf') {
    let best = 0;
    for (let j = 0; j < fout; j++) {
      let s = 0;
      for (let i = 0; i < fin; i++) s += a[i * fout + j]! ** 2;
      best = Math.max(best, s);
    }
    return Math.sqrt(best) * Math.sqrt(fin);
  }
  // Power iteration on WᵀW (fout × fout) from a fixed start.
  let v = new Float64Array(fout).map((_, j) => 1 + j / fout);
  let sigma = 0;
  const wv = new Float64Array(fin);
  for (let it = 0; it < 1000; it++) {
    for (let i = 0; i < fin; i++) {
      let s = 0;
      for (let j = 0; j < fout; j++) s += a[i * fout + j]! * v[j]!;
      wv[i] = s;
    }
    const next = new Float64Array(fout);
    for (let j = 0; j < fout; j++) {
      let s = 0;
      for (let i = 0; i < fin; i++) s += a[i * fout + j]! * wv[i]!;
      next[j] = s;
    }
    let n = 0;
    for (let j = 0; j < fout; j++) n += next[j]! ** 2;
    n = Math.sqrt(n);
    if (n === 0) return 0;
    const s2 = Math.sqrt(n); // ‖WᵀW v‖ → σ² for a unit v
    for (let j = 0; j < fout; j++) next[j]! /= n;
    v = next;
    const done = Math.abs(s2 - sigma) <= 1e-12 * s2;
    sigma = s2;
    if (done && it > 2) break;
  }
  // Rayleigh quotient for the final value: σ = ‖W v‖ with ‖v‖ = 1.
  let s = 0;
  for (let i = 0; i < fin; i++) {
    let r = 0;
    for (let j = 0; j < fout; j++) r += a[i * fout + j]! * v[j]!;
    s += r * r;
  }
  const smax = Math.sqrt(s);
  return kind === 'spectral' ? smax : smax * Math.sqrt(fin / fout);
}
