import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, mapParams, tidy, zerosLikeParams } from './types.js';
import { adamw } from './adam.js';
import { chain } from './chain.js';
import { decayedWeights } from './decay.js';
import type { MaskSpec } from './masked.js';
import { multiTransform } from './multiTransform.js';
import { scaleByLearningRate, type EmptyState } from './scale.js';

/** Newton–Schulz coefficients (a, b, c) of `X ← aX + (bA + cA²)X`, `A = XXᵀ`: one triple, or one per step. */
export type NsCoeffs = readonly [number, number, number] | readonly (readonly [number, number, number])[] | 'standard' | 'dion';

const STANDARD: readonly [number, number, number] = [3.4445, -4.775, 2.0315];
const DION: readonly (readonly [number, number, number])[] = [
  [4.0848, -6.8946, 2.927],
  [3.9505, -6.3029, 2.6377],
  [3.7418, -5.5913, 2.3037],
  [2.8769, -3.1427, 1.2046],
  [2.8366, -3.0525, 1.2012],
];

function coeffList(c: NsCoeffs, steps: number): (readonly [number, number, number])[] {
  const v = c === 'standard' ? STANDARD : c === 'dion' ? DION : c;
  if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number')) return Array.from({ length: steps }, () => v as unknown as readonly [number, number, number]);
  const list = v as readonly (readonly [number, number, number])[];
  if (!Array.isArray(list) || list.some((t) => !Array.isArray(t) || t.length !== 3 || t.some((x) => typeof x !== 'number' || !Number.isFinite(x)))) {
    throw new LosskitError('INVALID_PARAMETER', 'Newton–Schulz coefficients must be a triple or a list of triples', { argument: 'nsCoeffs', expected: "[a, b, c], [[a, b, c], …], 'standard' or 'dion'", received: String(c) });
  }
  if (list.length < steps) throw new LosskitError('INVALID_PARAMETER', `not enough coefficient triples for ${steps} steps`, { argument: 'nsCoeffs', expected: `>= ${steps} triples`, received: String(list.length) });
  return list.slice(-steps);
}

/**
 * Orthogonalises a matrix by Newton–Schulz iterations (optax.contrib `orthogonalize_via_newton_schulz`, Frobenius
 * preconditioning): transpose so rows ≤ columns, `X ← X/(‖X‖_F + ε)`, then per step `A = XXᵀ`, `X ← aX + (bA + cA²)X`.
 * The result approximates `UVᵀ` of the SVD `X = USVᵀ` (singular values pushed towards ~1).
 * @example tf.tidy(() => newtonSchulz(g, 'standard', 5))
 */
export function newtonSchulz(x: Tensor, coeffs: NsCoeffs = 'standard', steps = 5, eps = 1e-8): Tensor {
  if (x.rank !== 2) throw new LosskitError('INVALID_ARGUMENT', 'Newton–Schulz needs a matrix', { argument: 'x', expected: 'rank 2', received: `shape [${x.shape.join(', ')}]` });
  const list = coeffList(coeffs, p.positiveInteger('steps', steps));
  return tf.tidy(() => {
    const transposed = x.shape[0]! > x.shape[1]!;
    let X = (transposed ? tf.transpose(x) : x) as tf.Tensor2D;
    X = tf.div(X, tf.add(tf.norm(X), eps));
    for (const [a, b, c] of list) {
      const A = tf.matMul(X, X, false, true);
      const B = tf.add(tf.mul(A, b), tf.mul(tf.matMul(A, A), c));
      X = tf.add(tf.mul(X, a), tf.matMul(B, X));
    }
    return transposed ? tf.transpose(X) : X;
  });
}

/** State of {@link scaleByMuon}. */
export interface MuonState {
  readonly count: number;
  readonly mu: Params;
}

/** Options of {@link scaleByMuon}. */
export interface ScaleByMuonOptions {
  readonly nsCoeffs?: NsCoeffs;
  /** Default 5. */
  readonly nsSteps?: number;
  /** Momentum β. Default 0.95. */
  readonly beta?: number;
  readonly eps?: number;
  /** Default true. */
  readonly nesterov?: boolean;
}

/**
 * Muon's scaling for 2-D tensors [fan_in, fan_out] (optax.contrib `scale_by_muon`): `m ← βm + (1−β)g`, `m̂` bias-corrected
 * (Nesterov: `βm̂_{t+1} + (1−β)ĝ_t`), `u = NewtonSchulz(m̂)`. Every tensor must be rank 2 (route the rest elsewhere, as {@link muon} does).
 * Paper: Jordan et al., "Muon: An optimizer for hidden layers in neural networks", 2024; Liu et al., "Muon is Scalable for LLM Training", 2025.
 * @example chain(scaleByMuon(), scaleByLearningRate(0.02))
 */
export function scaleByMuon(options: ScaleByMuonOptions = {}): GradientTransformation<MuonState> {
  const beta = p.unitInterval('beta', options.beta ?? 0.95);
  const steps = p.positiveInteger('nsSteps', options.nsSteps ?? 5);
  const coeffs = options.nsCoeffs ?? 'standard';
  coeffList(coeffs, steps);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const nesterov = p.boolean('nesterov', options.nesterov ?? true);
  return {
    init(params) {
      const ps = checkParams(params, 'params');
      for (const [k, t] of Object.entries(ps)) {
        if (t.rank !== 2) throw new LosskitError('INVALID_ARGUMENT', `muon parameter "${k}" is not a matrix`, { argument: 'params', expected: 'rank-2 tensors (use muon(), which sends the others to adam)', received: `shape [${t.shape.join(', ')}]` });
      }
      return { count: 0, mu: tidy(() => zerosLikeParams(ps)) };
    },
    update(grads, state) {
      const g = checkMatching(grads, state.mu, 'grads', 'the optimizer state');
      const t = state.count + 1;
      return tidy(() => {
        const mu: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          const m = tf.add(tf.mul(state.mu[k]!, beta), tf.mul(gk, 1 - beta));
          mu[k] = m;
          const mh = nesterov ? tf.add(tf.mul(m, beta / (1 - beta ** (t + 1))), tf.mul(gk, (1 - beta) / (1 - beta ** t))) : tf.div(m, 1 - beta ** t);
          return newtonSchulz(mh, coeffs, steps, eps);
        });
        return { updates, state: { count: t, mu } };
      });
    },
  };
}

/**
 * Shape scaling after Muon (optax.contrib `scale_by_shape`): `u·√max(1, fan_out/fan_in)` for a [fan_in, fan_out]
 * matrix, or `u·√max(fan_in, fan_out)·rms` with `consistentRms` (matches AdamW's update RMS).
 * @example chain(scaleByMuon(), scaleByShape(), scaleByLearningRate(0.02))
 */
export function scaleByShape(consistentRms?: number): GradientTransformation<EmptyState> {
  if (consistentRms !== undefined) p.positive('consistentRms', consistentRms);
  return {
    init: () => ({}),
    update: (grads) => ({
      updates: tidy(() =>
        mapParams(checkParams(grads, 'grads'), (u) => {
          const [fin, fout] = [u.shape[0]!, u.shape[1]!];
          return tf.mul(u, consistentRms === undefined ? Math.sqrt(Math.max(1, fout / fin)) : Math.sqrt(Math.max(fin, fout)) * consistentRms);
        }),
      ),
      state: {},
    }),
  };
}

/** Options of {@link muon}. */
export interface MuonOptions extends ScaleByMuonOptions {
  /** Default 0.02. */
  readonly learningRate?: ScalarOrSchedule;
  /** Decoupled weight decay of the matrices. Default 0. */
  readonly weightDecay?: ScalarOrSchedule;
  readonly weightDecayMask?: MaskSpec;
  readonly adamB1?: number;
  readonly adamB2?: number;
  readonly adamEpsRoot?: number;
  readonly adamWeightDecay?: ScalarOrSchedule;
  /** Default: `learningRate`. */
  readonly adamLearningRate?: ScalarOrSchedule;
  readonly consistentRms?: number;
  /** Which tensors get Muon (default: the rank-2 ones). */
  readonly isMatrix?: (name: string, tensor: Tensor) => boolean;
}

/**
 * Muon (optax.contrib `muon`): Newton–Schulz-orthogonalised momentum for 2-D parameters,
 * `chain(scaleByMuon, scaleByShape, addDecayedWeights(λ), scaleByLearningRate(η))`, and AdamW (Nesterov, as optax) for
 * every other tensor. Defaults η 0.02 (optax requires one), β 0.95, 5 steps of (3.4445, −4.775, 2.0315), ε 1e-8.
 * Paper: Jordan et al., "Muon: An optimizer for hidden layers in neural networks", 2024.
 * @example muon({ learningRate: 0.02, adamLearningRate: 3e-4 })
 */
export function muon(options: MuonOptions = {}): GradientTransformation<unknown> {
  const lr = options.learningRate ?? 0.02;
  const isMatrix = options.isMatrix ?? ((_n: string, t: Tensor) => t.rank === 2);
  return multiTransform(
    {
      muon: chain(scaleByMuon(options), scaleByShape(options.consistentRms), decayedWeights(options.weightDecay ?? 0, options.weightDecayMask), scaleByLearningRate(lr)),
      adam: adamw({ learningRate: options.adamLearningRate ?? lr, b1: options.adamB1 ?? 0.9, b2: options.adamB2 ?? 0.999, eps: options.eps ?? 1e-8, epsRoot: options.adamEpsRoot ?? 0, weightDecay: options.adamWeightDecay ?? 0, nesterov: p.boolean('nesterov', options.nesterov ?? true) }),
    },
    (name, t) => (isMatrix(name, t) ? 'muon' : 'adam'),
  );
}
