import * as tf from '@tensorflow/tfjs-core';
import type { Scalar } from '@tensorflow/tfjs-core';
import { LosskitError, params, stopGradient } from '@losskit/core';
import { type Objective, type ObjectiveTerm, objective, objectiveTerm, optionsOf } from './objective.js';
import { maskedTokenMean, tokenNll } from './sequence.js';

/**
 * PDU's forget term (open-unlearning `PDU.compute_loss`): the squared gap between the largest and the mean logit,
 * `mean over positions of (max_j z_j − (1/V) Σ_j z_j)²`, over every position of the batch (padding included, as the
 * reference reshapes all logits to `[B·T, V]`); for a classifier, over the samples. Pushes the logits towards flat.
 */
export function pduForgetTerm(): ObjectiveTerm {
  return objectiveTerm({
    name: 'pduForget',
    level: 'any',
    needsReference: false,
    value: (b) =>
      tf.tidy(() => {
        const z = b.forward(b.x);
        const V = z.shape.at(-1)!;
        const flat = tf.reshape(z, [-1, V]);
        return tf.mean(tf.square(tf.sub(tf.max(flat, -1), tf.mean(flat, -1)))) as Scalar;
      }),
  });
}

/** Options of {@link pdu}. */
export interface PduOptions {
  /** ε, the retain-loss level the constraint allows: the dual step uses `L_retain − ε`. Default 0 (`retain_loss_eps`). */
  readonly retainLossEps?: number;
  /** η of the dual ascent on λ_r. Default 1 (`dual_step_size`). */
  readonly dualStepSize?: number;
  /** Update λ_r after every step (`primal_dual: true`, `dual_update_upon: step`); false keeps λ_r = α. Default true. */
  readonly primalDual?: boolean;
  /** Steps before the first dual update (open-unlearning counts epochs, `dual_warmup_epochs`). Default 0. */
  readonly warmupSteps?: number;
  /** γ, the weight of the forget term. Default 1. */
  readonly gamma?: number;
  /** The initial retain weight λ_r (open-unlearning's α). Default 1. */
  readonly alpha?: number;
}

/** The PDU objective: an {@link Objective} with the current dual variable and the hook `unlearn` calls after each step. */
export interface PduObjective extends Objective {
  /** The current retain weight λ_r. */
  readonly retainWeight: number;
  /** Called by `unlearn` after each step with the step's retain value `L_retain − ε`: the dual update. */
  afterStep(info: { readonly retainLoss: number }): void;
}

/**
 * PDU, primal-dual unlearning (open-unlearning `PDU`, `src/trainer/unlearn/pdu.py`): minimise
 * `γ·L_forget + λ_r·(L_retain − ε)` with `L_forget` the flat-logit term ({@link pduForgetTerm}) and `L_retain` the mean
 * token NLL of the retain batch, and after each step (past `warmupSteps`) take a dual ascent step
 * `λ_r ← max(0, λ_r + η·(L_retain − ε))`. The retain term's value is `L_retain − ε` (what `unlearn` reports as
 * `retainLoss`, the dual's input); its gradient is `λ_r·∇L_retain`. λ_r persists across `unlearn` calls with the same
 * objective. Shapes: classifier logits `[B, C]` or sequence logits `[B, T, V]` with labels `[B, T]` (−100 = no loss).
 *
 * @example const obj = pdu({ retainLossEps: 0.1, dualStepSize: 1 }); await unlearn({ model, forget, retain, objective: obj, optimizer, steps: 50 }); obj.retainWeight
 * @see open-unlearning PDU (locuslab/open-unlearning `src/trainer/unlearn/pdu.py`; constrained unlearning by primal-dual optimisation).
 */
export function pdu(options: PduOptions = {}): PduObjective {
  const o = (optionsOf(options, 'options') ?? {}) as PduOptions;
  const eps = params.finite('retainLossEps', o.retainLossEps ?? 0);
  const eta = params.nonNegative('dualStepSize', o.dualStepSize ?? 1);
  const primalDual = params.boolean('primalDual', o.primalDual ?? true);
  const warmup = o.warmupSteps ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'warmupSteps', expected: 'an integer >= 0', received: String(warmup) });
  const gamma = params.nonNegative('gamma', o.gamma ?? 1);
  let lambda = params.nonNegative('alpha', o.alpha ?? 1);
  let seen = 0;
  const retain = objectiveTerm({
    name: 'pduRetain',
    level: 'any',
    needsReference: false,
    value: (b) =>
      tf.tidy(() => {
        const nll = tokenNll(b.forward(b.x), b.y);
        const raw = tf.sub(b.mask ? maskedTokenMean(nll, b.mask) : tf.mean(nll), eps) as Scalar;
        // Value L_retain − ε, gradient λ·∇L_retain: λ·raw + (1 − λ)·sg(raw).
        return tf.add(tf.mul(raw, lambda), tf.mul(stopGradient(raw), 1 - lambda)) as Scalar;
      }),
  });
  const base = objective({ name: 'pdu', forget: pduForgetTerm(), retain, gamma, alpha: 1 });
  return Object.freeze({
    ...base,
    get retainWeight() {
      return lambda;
    },
    afterStep(info: { readonly retainLoss: number }) {
      seen++;
      if (!primalDual || seen <= warmup) return;
      // A skipped (non-finite) step leaves λ_r as it is.
      if (!Number.isFinite(info.retainLoss)) return;
      lambda = Math.max(0, lambda + eta * info.retainLoss);
    },
  }) as PduObjective;
}
