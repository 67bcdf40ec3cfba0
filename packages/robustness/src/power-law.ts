import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, checkParam } from '@losskit/core';
import { readOptions } from '@losskit/diagnostics';
import { type FitOptions, type FitResult, type Law, type LawFamily, fitLaw, formatNumber } from '@losskit/scaling';
import { type AttackOptions, fgsm, pgd, readAttack } from './attacks.js';

/** Parameters of the adversarial-error power law E(ε) = A · ε^β. */
export type AdversarialPowerLawParam = 'A' | 'beta';

/** The power law E(ε) = A ε^β with fixed parameters (a `@losskit/scaling` Law over the input `epsilon`). */
export function adversarialPowerLaw(params: Readonly<Record<AdversarialPowerLawParam, number>>): Law<AdversarialPowerLawParam, 'epsilon'> {
  const A = checkParam('A', params?.A, 'a number > 0', (v) => v > 0);
  const beta = checkParam('beta', params?.beta, 'a number > 0', (v) => v > 0);
  return Object.freeze({
    id: 'adversarial-power-law',
    name: 'Adversarial error power law (Cubuk et al. 2018)',
    params: Object.freeze({ A, beta }),
    inputNames: ['epsilon'] as const,
    formula: 'E(epsilon) = A * epsilon^beta',
    latex: String.raw`E(\varepsilon) = A\,\varepsilon^{\beta}`,
    predict: (x: Readonly<Record<'epsilon', number>>) => {
      const e = checkParam('epsilon', x?.epsilon, 'a number > 0', (v) => v > 0);
      return A * e ** beta;
    },
    toString: () => `E(epsilon) = ${formatNumber(A)} * epsilon^${formatNumber(beta)}`,
  });
}

/**
 * The family of {@link adversarialPowerLaw} for `@losskit/scaling`'s `fitLaw`: θ = (a = ln A, β), log Ê = a + β ln ε
 * (linear in log space, so the robust float64 fit of the scaling package applies as it is), β ∈ [1e-6, 20].
 */
export const adversarialPowerLawFamily: LawFamily<AdversarialPowerLawParam, 'epsilon'> = Object.freeze({
  id: 'adversarial-power-law',
  name: 'Adversarial error power law (Cubuk et al. 2018)',
  paramNames: ['A', 'beta'] as const,
  inputNames: ['epsilon'] as const,
  varyingInputs: ['epsilon'] as const,
  positiveInputs: ['epsilon'] as const,
  formula: 'E(epsilon) = A * epsilon^beta',
  latex: String.raw`E(\varepsilon) = A\,\varepsilon^{\beta}`,
  thetaNames: ['a = ln A', 'beta'],
  bounds: [[-Infinity, Infinity], [1e-6, 20]] as const,
  defaultStarts(cols: readonly Float64Array[], logY: Float64Array) {
    const lx = cols[0]!;
    const mx = lx.reduce((s, v) => s + v, 0) / lx.length;
    const my = logY.reduce((s, v) => s + v, 0) / logY.length;
    // The model is linear in log space: its least-squares line is the first start (exact for noiseless points; the
    // Huber objective alone, nearly flat at δ = 1e-3, stopped near a fixed start on two points).
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < lx.length; i++) {
      sxy += (lx[i]! - mx) * (logY[i]! - my);
      sxx += (lx[i]! - mx) ** 2;
    }
    const ols = sxx > 0 ? Math.min(20, Math.max(1e-6, sxy / sxx)) : 1;
    return [ols, 0.5, 1, 2].map((b) => [my - b * mx, b]);
  },
  logPredict(theta: ArrayLike<number>, cols: readonly Float64Array[], out: Float64Array, jac: Float64Array) {
    const lx = cols[0]!;
    for (let i = 0; i < out.length; i++) {
      out[i] = theta[0]! + theta[1]! * lx[i]!;
      jac[2 * i] = 1;
      jac[2 * i + 1] = lx[i]!;
    }
  },
  toParams: (t: readonly number[]) => ({ A: Math.exp(t[0]!), beta: t[1]! }),
  toTheta: (p: Readonly<Record<AdversarialPowerLawParam, number>>) => [Math.log(p.A), p.beta],
  create: (p: Readonly<Record<AdversarialPowerLawParam, number>>) => adversarialPowerLaw(p),
});

/** One measured point of the adversarial-error curve. */
export interface AdversarialErrorPoint {
  readonly epsilon: number;
  /** Fraction of all examples misclassified after the attack. */
  readonly error: number;
}

/**
 * Fits the adversarial-error power law E(ε) = A ε^β (Cubuk, Zoph, Schoenholz & Le 2018, *Intriguing Properties of
 * Adversarial Examples*: "adversarial error has a universal scaling, as a power-law, with respect to the size of the
 * adversarial perturbation") to measured points with `@losskit/scaling`'s `fitLaw` (robust Huber loss on log residuals,
 * float64 L-BFGS-B, multi-start) — the reason this package depends on `@losskit/scaling`. The power law describes small
 * ε; pass the points below saturation. Errors must be > 0 (zero error has no logarithm): `INVALID_ARGUMENT`.
 *
 * @example fitAdversarialPowerLaw(adversarialErrorCurve({ model, x, y, epsilons: [0.01, 0.02, 0.04] })).params.beta;
 */
export function fitAdversarialPowerLaw(points: readonly AdversarialErrorPoint[], options?: Omit<FitOptions, 'target'>): FitResult<AdversarialPowerLawParam, 'epsilon'> {
  if (!Array.isArray(points) || points.length < 2) throw new LosskitError('INVALID_ARGUMENT', 'need at least two points', { argument: 'points', expected: 'at least 2 { epsilon, error } points', received: Array.isArray(points) ? `${points.length}` : typeof points });
  points.forEach((p, i) => {
    checkParam(`points[${i}].epsilon`, p?.epsilon, 'a number > 0', (v) => v > 0);
    checkParam(`points[${i}].error`, p?.error, 'a number in (0, 1] (zero error has no logarithm: drop it)', (v) => v > 0 && v <= 1);
  });
  if (new Set(points.map((p) => p.epsilon)).size < 2) throw new LosskitError('INVALID_ARGUMENT', 'need two different ε', { argument: 'points', expected: 'at least two distinct epsilon values' });
  // @losskit/scaling throws LosskitError itself (one class from @losskit/errors), so its failures pass through typed.
  return fitLaw(adversarialPowerLawFamily, points.map((p) => ({ epsilon: p.epsilon, error: p.error })), { ...(readOptions(options) as FitOptions), target: 'error' });
}

/** Options of {@link adversarialErrorCurve}. */
export interface AdversarialErrorCurveOptions extends Omit<AttackOptions, 'epsilon'> {
  /** The budgets ε > 0 to attack with. */
  readonly epsilons: readonly number[];
  /** `'fgsm'` (default, the paper's main attack) or `'pgd'` (10 steps of ε/4, random start). */
  readonly attack?: 'fgsm' | 'pgd';
}

/**
 * The adversarial error at each ε: the fraction of examples whose top-1 prediction on the attacked input is not the
 * label (integer labels `[N]`). Input to {@link fitAdversarialPowerLaw}.
 */
export function adversarialErrorCurve(options: AdversarialErrorCurveOptions): AdversarialErrorPoint[] {
  const o = readOptions(options, 'options');
  if (!Array.isArray(o.epsilons) || o.epsilons.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'no budgets', { argument: 'epsilons', expected: 'an array of numbers > 0' });
  o.epsilons.forEach((e, i) => checkParam(`epsilons[${i}]`, e, 'a number > 0', (v) => v > 0));
  const attack = o.attack ?? 'fgsm';
  if (attack !== 'fgsm' && attack !== 'pgd') throw new LosskitError('INVALID_ARGUMENT', 'unknown attack', { argument: 'attack', expected: "'fgsm' or 'pgd'", received: String(attack) });
  const probe = readAttack({ ...o, epsilon: o.epsilons[0]! });
  try {
    if (probe.y.rank !== 1) throw new LosskitError('SHAPE_MISMATCH', 'integer labels are needed to count errors', { argument: 'y', expected: `labels [${probe.x.shape[0]}]` });
    const labels = probe.y;
    return o.epsilons.map((epsilon) => {
      const xa: Tensor = attack === 'fgsm' ? fgsm({ ...o, epsilon }) : pgd({ ...o, epsilon });
      try {
        const err = tf.tidy(() => tf.mean(tf.cast(tf.notEqual(tf.argMax(probe.f(xa), -1), tf.cast(labels, 'int32')), 'float32')).dataSync()[0]!);
        return { epsilon, error: err };
      } finally {
        xa.dispose();
      }
    });
  } finally {
    if (probe.ownsY) probe.y.dispose();
  }
}

