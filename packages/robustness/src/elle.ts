import * as tf from '@tensorflow/tfjs-core';
import type { Scalar } from '@tensorflow/tfjs-core';
import { LosskitError, checkParam } from '@losskit/core';
import { readOptions } from '@losskit/diagnostics';
import { type AttackOptions, readAttack } from './attacks.js';

/** Options of {@link elleRegularizer}. */
export interface ElleOptions extends Omit<AttackOptions, 'bounds'> {
  /** Seed of the triplets (x_a, x_b, α). Default 0. */
  readonly seed?: number;
}

/**
 * The ELLE local-linearity error (Abad Rocamora, Liu, Chrysos, Olmos & Cevher 2024, *Efficient local linearity
 * regularization to overcome catastrophic overfitting*), as the authors' snippet (github.com/LIONS-EPFL/ELLE):
 * x_a, x_b ~ U(B∞(x, ε)), α ~ U[0, 1] per example, x_c = (1 − α) x_a + α x_b, and
 *
 * E_lin = (1/N) Σ_i (ℓ(x_c,i) − (1 − α_i) ℓ(x_a,i) − α_i ℓ(x_b,i))²
 *
 * with ℓ the per-example loss (cross-entropy by default) from one forward pass of the 3N points. Returns a scalar that
 * depends on the model weights (x_a, x_b come from `tf.randomUniform([2N, ...], −ε, ε, "float32", seed)`, α from
 * `tf.randomUniform([N], 0, 1, "float32", seed + 1)`): add λ·E_lin to the (adversarial) training loss inside `tf.variableGrads` /
 * `optimizer.minimize`. The random points are constants (no gradient through them).
 *
 * @example
 * optimizer.minimize(() => tf.add(loss(y, model.apply(xAdv)), tf.mul(elleRegularizer({ model, x, y, epsilon: 8 / 255, seed: step }), lambda)));
 */
export function elleRegularizer(options: ElleOptions): Scalar {
  const o = readOptions(options, 'options');
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'seed', expected: 'an integer', received: String(seed) });
  const a = readAttack(o);
  try {
    return tf.tidy(() => {
      const n = a.x.shape[0]!;
      const xab = tf.add(tf.concat([a.x, a.x], 0), tf.randomUniform([2 * n, ...a.x.shape.slice(1)], -a.eps, a.eps, 'float32', seed));
      const alpha = tf.randomUniform([n], 0, 1, 'float32', seed + 1);
      const alphaB = tf.reshape(alpha, [n, ...a.x.shape.slice(1).map(() => 1)]);
      const xa = tf.slice(xab, 0, n);
      const xb = tf.slice(xab, n, n);
      const xc = tf.add(tf.mul(tf.sub(1, alphaB), xa), tf.mul(alphaB, xb));
      const logits = a.f(tf.concat([xab, xc], 0));
      const ys = tf.concat([a.y, a.y, a.y], 0);
      const l = a.loss.perSample(ys, logits);
      const la = tf.slice(l, 0, n);
      const lb = tf.slice(l, n, n);
      const lc = tf.slice(l, 2 * n, n);
      const err = tf.sub(lc, tf.add(tf.mul(tf.sub(1, alpha), la), tf.mul(alpha, lb)));
      return tf.mean(tf.square(err)) as Scalar;
    });
  } finally {
    if (a.ownsY) a.y.dispose();
  }
}

/** Caller-held state of the ELLE-A schedule: the current λ and running moments of E_lin (constant size). */
export interface ElleAdaptiveState {
  readonly lambda: number;
  readonly count: number;
  readonly mean: number;
  /** Σ (E − mean)² (Welford), so std = √(m2 / count). */
  readonly m2: number;
}

/** Options of {@link elleAdaptiveUpdate}. */
export interface ElleAdaptiveOptions {
  /** λ set when an E_lin spike is detected (the authors' `lambda_aux`). */
  readonly lambdaMax: number;
  /** A spike is E_lin > mean + sensitivity · std of the past values. */
  readonly sensitivity: number;
  /** λ ← decayRate · λ on every other step. */
  readonly decayRate: number;
}

/** The initial ELLE-A state (λ = `initialLambda`, default 0, no history). */
export function elleAdaptiveInit(initialLambda = 0): ElleAdaptiveState {
  checkParam('initialLambda', initialLambda, 'a number >= 0', (v) => v >= 0);
  return { lambda: initialLambda, count: 0, mean: 0, m2: 0 };
}

/**
 * One step of ELLE-A, the adaptive λ of the same paper, as the authors' training loop (`lambda_schedule == 'onoff'`):
 * with more than two past values, if E_lin > mean + sensitivity · std (population std of all past E_lin) then
 * λ ← λ_max, else λ ← decayRate · λ; then E_lin joins the history. The history is kept as running moments (Welford),
 * so the state does not grow. The paper's default λ_max, sensitivity and decay rate were not found (left to the caller).
 *
 * @example let s = elleAdaptiveInit(); s = elleAdaptiveUpdate(s, linErr, { lambdaMax: 5000, sensitivity: 2, decayRate: 0.99 });
 */
export function elleAdaptiveUpdate(state: ElleAdaptiveState, linearityError: number, options: ElleAdaptiveOptions): ElleAdaptiveState {
  const o = readOptions(options);
  const lambdaMax = checkParam('lambdaMax', o.lambdaMax, 'a number >= 0', (v) => v >= 0);
  const sensitivity = checkParam('sensitivity', o.sensitivity, 'a finite number', () => true);
  const decayRate = checkParam('decayRate', o.decayRate, 'a number in [0, 1]', (v) => v >= 0 && v <= 1);
  const e = checkParam('linearityError', linearityError, 'a number >= 0', (v) => v >= 0);
  if (!state || typeof state !== 'object' || ![state.lambda, state.count, state.mean, state.m2].every(Number.isFinite) || state.count < 0 || !Number.isInteger(state.count) || state.m2 < 0 || state.lambda < 0) {
    throw new LosskitError('INVALID_ARGUMENT', 'not an ELLE-A state', { argument: 'state', expected: 'elleAdaptiveInit() or a previous elleAdaptiveUpdate() result' });
  }
  const std = state.count > 0 ? Math.sqrt(state.m2 / state.count) : 0;
  const spike = state.count > 2 && e > state.mean + sensitivity * std;
  const lambda = spike ? lambdaMax : state.lambda * decayRate;
  const count = state.count + 1;
  const delta = e - state.mean;
  const mean = state.mean + delta / count;
  return { lambda, count, mean, m2: state.m2 + delta * (e - mean) };
}
