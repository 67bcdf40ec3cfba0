import * as tf from '@tensorflow/tfjs-core';
import { params as p } from '@losskit/core';
import type { GradientTransformation, Params, UpdateResult } from './types.js';
import { checkMatching, checkParams, checkTransform, disposeParams, globalDot, globalSquaredNorm, mapParams, needParams, readScalar, tidy } from './types.js';

/** State of {@link mechanize} (optax.contrib `MechanicState`); the per-β scalars live on the host. */
export interface MechanicState<S> {
  readonly base: S;
  readonly count: number;
  readonly r: readonly number[];
  readonly m: readonly number[];
  readonly v: readonly number[];
  readonly s: readonly number[];
  readonly x0: Params;
}

/** Options of {@link mechanize}. */
export interface MechanizeOptions {
  /** λ of Mechanic's own decay. Default 1e-2. */
  readonly weightDecay?: number;
  readonly eps?: number;
  /** Initial scale s₀. Default 1e-6. */
  readonly sInit?: number;
  /** Number of β_i = 1 − 0.1^i. Default 6. */
  readonly numBetas?: number;
}

/**
 * Mechanic (optax.contrib `mechanize`): learns a global scale s of a base optimizer's updates Δ_t by online tuning.
 * With `S = Σs_i`, `g̃ = g + λS‖g‖/(‖θ‖+ε)·θ`, `δ = (x₀ − θ)/(S + ε)`, `h = ⟨g̃, δ⟩`, per β_i:
 * `m_i ← max(β_i m_i, |h| + ε)`, `v_i ← β_i²v_i + h²`, `r_i ← β_i r_i + clip(h, ±m_i^{old})·s_i`,
 * `s_i = ((s₀/n)m_i + max(r_i, 0))/(√v_i + ε)`; then `θ ← x₀ − Σs_i·(δ − Δ_t)`. Needs `params`; one read-back per step.
 * Defaults λ 1e-2, ε 1e-8, s₀ 1e-6, 6 betas.
 * Paper: "Mechanic: A Learning Rate Tuner", Cutkosky, Defazio & Mehta, 2023.
 * @example mechanize(adam({ learningRate: 1e-3 }))
 */
export function mechanize<S>(base: GradientTransformation<S>, options: MechanizeOptions = {}): GradientTransformation<MechanicState<S>> {
  checkTransform(base, 'base');
  const wd = p.nonNegative('weightDecay', options.weightDecay ?? 1e-2);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const s0 = p.positive('sInit', options.sInit ?? 1e-6);
  const n = p.positiveInteger('numBetas', options.numBetas ?? 6);
  const betas = Array.from({ length: n }, (_, i) => 1 - 0.1 ** (i + 1));
  return {
    ...(base.learningRate ? { learningRate: base.learningRate } : {}),
    init(params) {
      const ps = checkParams(params, 'params');
      return { base: base.init(ps), count: 0, r: new Array(n).fill(0), m: new Array(n).fill(0), v: new Array(n).fill(0), s: new Array(n).fill(s0), x0: tidy(() => mapParams(ps, (t) => tf.clone(t))) };
    },
    update(grads, state, params, extra): UpdateResult<MechanicState<S>> {
      const g = checkMatching(grads, state.x0, 'grads', 'the optimizer state');
      const w = checkMatching(needParams(params, 'mechanize'), g, 'params', 'grads');
      const rb = base.update(g, state.base, params, extra);
      const sSum = state.s.reduce((a, x) => a + x, 0);
      const x0 = state.x0;
      const hT = tf.tidy(() => {
        const gn = tf.sqrt(globalSquaredNorm(g));
        const pn = tf.sqrt(globalSquaredNorm(w));
        const coef = tf.div(tf.mul(gn, wd * sSum), tf.add(pn, eps));
        const gt = mapParams(g, (t, k) => tf.add(t, tf.mul(w[k]!, coef)));
        const deltaPrev = mapParams(w, (t, k) => tf.div(tf.sub(x0[k]!, t), sSum + eps));
        return globalDot(gt, deltaPrev);
      });
      const h = readScalar(hT);
      hT.dispose();
      const m = betas.map((b, i) => Math.max(b * state.m[i]!, Math.abs(h) + eps));
      const v = betas.map((b, i) => b * b * state.v[i]! + h * h);
      const r = betas.map((b, i) => b * state.r[i]! + Math.min(Math.max(h, -state.m[i]!), state.m[i]!) * state.s[i]!);
      const s = m.map((mi, i) => ((s0 / n) * mi + Math.max(0, r[i]!)) / (Math.sqrt(v[i]!) + eps));
      const total = s.reduce((a, x) => a + x, 0);
      const updates = tidy(() =>
        // x₀ − Σs·(δ − Δ) − θ, rearranged as (x₀ − θ)(1 − Σs/(S + ε)) + Σs·Δ: no cancellation of θ-sized terms in float32
        // (optax computes new_params − params, which loses the ~1e-7 first steps).
        mapParams(w, (t, k) => tf.add(tf.mul(tf.sub(x0[k]!, t), 1 - total / (sSum + eps)), tf.mul(rb.updates[k]!, total))),
      );
      disposeParams(rb.updates);
      return { updates, state: { base: rb.state, count: state.count + 1, r, m, v, s, x0: tidy(() => mapParams(x0, (t) => tf.clone(t))) } };
    },
  };
}
