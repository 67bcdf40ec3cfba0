import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule, UpdateResult } from './types.js';
import { checkMatching, checkParams, disposeParams, globalDot, globalSquaredNorm, mapParams, needParams, readScalar, tidy, zerosLikeParams } from './types.js';
import { chain } from './chain.js';
import { scale, scaleByLearningRate } from './scale.js';

/** State of {@link scaleByLbfgs}: the last params and gradients, and up to m pairs (s_i, y_i, ρ_i), oldest first. */
export interface LbfgsState {
  readonly count: number;
  readonly params: Params;
  readonly updates: Params;
  readonly s: readonly Params[];
  readonly y: readonly Params[];
  readonly rho: readonly number[];
  /** The initial inverse-Hessian scale γ used last. */
  readonly gamma?: number;
}

/** Options of {@link scaleByLbfgs}. */
export interface ScaleByLbfgsOptions {
  /** Pairs kept m. Default 10. */
  readonly memorySize?: number;
  /** Scale the initial inverse Hessian by γ = ⟨s, y⟩/⟨y, y⟩ (first step: min(1, 1/‖g‖)). Default true. */
  readonly scaleInitPrecond?: boolean;
}

/**
 * L-BFGS preconditioning (optax `scale_by_lbfgs`): with `s = θ_t − θ_{t−1}`, `y = g_t − g_{t−1}`, `ρ = 1/⟨s, y⟩`
 * stored for the last m steps, the two-loop recursion returns `u ≈ H_t g_t`, with the initial `H_0 = γI`. A pair is
 * kept only when `⟨s, y⟩ > 1e-10⟨y, y⟩` (a safeguard optax does not have: float32 round-off near a minimum otherwise
 * gives an overflowing ρ and a NaN direction). Inner products are global (over all tensors). Needs `params`. Defaults m 10, scaled initial preconditioner.
 * Paper: "On the limited memory BFGS method for large scale optimization", Liu & Nocedal, 1989; Nocedal & Wright,
 * "Numerical Optimization", Algorithm 7.4.
 * @example chain(scaleByLbfgs(), scale(-1), zoomLinesearch())
 */
export function scaleByLbfgs(options: ScaleByLbfgsOptions = {}): GradientTransformation<LbfgsState> {
  const m = p.positiveInteger('memorySize', options.memorySize ?? 10);
  const scaled = p.boolean('scaleInitPrecond', options.scaleInitPrecond ?? true);
  return {
    init: (params) => tidy(() => {
      const ps = checkParams(params, 'params');
      return { count: 0, params: zerosLikeParams(ps), updates: zerosLikeParams(ps), s: [], y: [], rho: [] };
    }),
    update(grads, state, params): UpdateResult<LbfgsState> {
      const g = checkMatching(grads, state.params, 'grads', 'the optimizer state');
      const w = checkMatching(needParams(params, 'scaleByLbfgs'), g, 'params', 'grads');
      const s = [...state.s];
      const y = [...state.y];
      const rho = [...state.rho];
      let gamma = 1;
      const keep = (x: Params): Record<string, Tensor> => mapParams(x, (t) => tf.clone(t));
      const sNew: Params[] = [];
      if (state.count > 0) {
        const sk = tidy(() => mapParams(w, (t, k) => tf.sub(t, state.params[k]!)));
        const yk = tidy(() => mapParams(g, (t, k) => tf.sub(t, state.updates[k]!)));
        const sy = tf.tidy(() => globalDot(sk, yk));
        const yy = tf.tidy(() => globalSquaredNorm(yk));
        const syv = readScalar(sy);
        const yyv = readScalar(yy);
        sy.dispose();
        yy.dispose();
        // Safeguard (not in optax): keep a pair only when it has positive curvature ⟨s, y⟩ > 1e-10·⟨y, y⟩; a pair from
        // float32 round-off near the minimum (⟨s, y⟩ ≈ 0 or < 0) would make ρ overflow and the direction NaN.
        if (Number.isFinite(syv) && syv > 1e-10 * yyv) {
          s.push(sk);
          y.push(yk);
          rho.push(1 / syv);
          sNew.push(sk, yk);
          if (scaled) gamma = yyv > 0 ? syv / yyv : 1;
        } else {
          disposeParams(sk);
          disposeParams(yk);
          if (scaled && s.length > 0) gamma = state.gamma ?? 1;
        }
      } else if (scaled) {
        const n = tf.tidy(() => tf.sqrt(globalSquaredNorm(g)));
        const gn = readScalar(n);
        n.dispose();
        gamma = gn > 0 ? Math.min(1, 1 / gn) : 1;
      }
      const drop = s.length > m ? s.length - m : 0;
      const dropped = [...s.splice(0, drop), ...y.splice(0, drop)];
      rho.splice(0, drop);
      const updates = tidy(() => {
        let q: Params = g;
        const alphas: Scalar[] = [];
        for (let i = s.length - 1; i >= 0; i--) {
          const a = tf.mul(globalDot(s[i]!, q), rho[i]!) as Scalar;
          alphas[i] = a;
          const qq = q;
          q = mapParams(qq, (t, k) => tf.sub(t, tf.mul(y[i]![k]!, a)));
        }
        let r: Params = mapParams(q, (t) => tf.mul(t, gamma));
        for (let i = 0; i < s.length; i++) {
          const b = tf.mul(globalDot(y[i]!, r), rho[i]!);
          const rr = r;
          r = mapParams(rr, (t, k) => tf.add(t, tf.mul(s[i]![k]!, tf.sub(alphas[i]!, b))));
        }
        return r === g ? keep(g) : (r as Record<string, Tensor>);
      });
      // Old memory entries carried over are cloned (the caller disposes the old state); dropped new ones are freed.
      const carried = (list: readonly Params[]) => list.map((x) => (sNew.includes(x) ? x : keep(x)));
      const next: LbfgsState = { count: state.count + 1, params: keep(w), updates: keep(g), s: carried(s), y: carried(y), rho, gamma };
      for (const d of dropped) if (sNew.includes(d)) disposeParams(d);
      return { updates, state: next };
    },
  };
}

/** Options of {@link zoomLinesearch}. */
export interface ZoomLinesearchOptions {
  /** Function evaluations allowed per step. Default 20. */
  readonly maxLinesearchSteps?: number;
  /** Sufficient-decrease constant c1. Default 1e-4. */
  readonly slopeRtol?: number;
  /** Curvature constant c2. Default 0.9. */
  readonly curvRtol?: number;
  /** First trial step. Default 1 (optax's `initial_guess_strategy='one'`). */
  readonly initialStep?: number;
}

/** State of {@link zoomLinesearch}: the step size found at the last update and the evaluations it took. */
export interface ZoomLinesearchState {
  readonly learningRate: number;
  readonly evaluations: number;
}

/**
 * Line search for the strong Wolfe conditions (optax `scale_by_zoom_linesearch`; Nocedal & Wright, "Numerical
 * Optimization", Algorithms 3.5 and 3.6): along the incoming update d from θ, find α with
 * `f(θ + αd) ≤ f(θ) + c1·α·⟨∇f(θ), d⟩` and `|⟨∇f(θ + αd), d⟩| ≤ c2·|⟨∇f(θ), d⟩|`, bracketing by doubling from
 * `initialStep` and zooming by safeguarded cubic interpolation; returns `u = α·d`. Needs `params` and `extra.loss`
 * (see {@link lossClosure}). When no such α is found within the budget, the best step with sufficient decrease is taken
 * (0 if none, or if d is not a descent direction).
 * @example chain(scaleByLbfgs(), scale(-1), zoomLinesearch())
 */
export function zoomLinesearch(options: ZoomLinesearchOptions = {}): GradientTransformation<ZoomLinesearchState> {
  const maxSteps = p.positiveInteger('maxLinesearchSteps', options.maxLinesearchSteps ?? 20);
  const c1 = p.openUnitInterval('slopeRtol', options.slopeRtol ?? 1e-4);
  const c2 = p.openUnitInterval('curvRtol', options.curvRtol ?? 0.9);
  const a1 = p.positive('initialStep', options.initialStep ?? 1);
  if (!(c1 < c2)) throw new LosskitError('INVALID_PARAMETER', 'slopeRtol must be below curvRtol', { argument: 'slopeRtol', expected: `< ${c2}`, received: String(c1) });
  return {
    init: (params) => {
      checkParams(params, 'params');
      return { learningRate: 0, evaluations: 0 };
    },
    update(grads, _state, params, extra) {
      const d = checkParams(grads, 'updates');
      const w = checkMatching(needParams(params, 'zoomLinesearch'), d, 'params', 'updates');
      const loss = extra?.loss;
      if (typeof loss !== 'function') throw new LosskitError('MISSING_INPUT', 'the line search needs a loss closure', { argument: 'extra.loss', expected: 'update(grads, state, params, { loss: lossClosure(f) })' });
      let evals = 0;
      const evalAt = (a: number): { f: number; slope: number } => {
        evals++;
        const at = a === 0 ? w : tidy(() => mapParams(w, (t, k) => tf.add(t, tf.mul(d[k]!, a))));
        const r = loss(at);
        try {
          const slope = tf.tidy(() => globalDot(checkMatching(r.grads, d, 'extra.loss(...).grads', 'updates'), d));
          const out = { f: readScalar(r.value), slope: readScalar(slope) };
          slope.dispose();
          return out;
        } finally {
          r.value.dispose();
          disposeParams(r.grads);
          if (at !== w) disposeParams(at);
        }
      };
      const { f: f0, slope: s0 } = evalAt(0);
      let alpha = 0;
      if (s0 < 0 && Number.isFinite(f0)) alpha = search(evalAt, f0, s0, a1, c1, c2, maxSteps);
      const updates = tidy(() => mapParams(d, (t) => (alpha === 0 ? tf.zerosLike(t) : tf.mul(t, alpha))));
      return { updates, state: { learningRate: alpha, evaluations: evals } };
    },
  };
}

function cubicMin(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - ga * gb;
  if (!(disc >= 0)) return Number.NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - (b - a) * ((gb + d2 - d1) / (gb - ga + 2 * d2));
}

function search(evalAt: (a: number) => { f: number; slope: number }, f0: number, s0: number, a1: number, c1: number, c2: number, budget: number): number {
  let used = 1;
  let best = 0;
  let bestF = f0;
  const note = (a: number, f: number) => {
    if (f <= f0 + c1 * a * s0 && f < bestF) {
      best = a;
      bestF = f;
    }
  };
  const zoom = (lo: { a: number; f: number; g: number }, hi: { a: number; f: number; g: number }): number => {
    while (used < budget) {
      const lo_ = Math.min(lo.a, hi.a);
      const hi_ = Math.max(lo.a, hi.a);
      let a = cubicMin(lo.a, lo.f, lo.g, hi.a, hi.f, hi.g);
      const margin = 0.1 * (hi_ - lo_);
      if (!Number.isFinite(a) || a < lo_ + margin || a > hi_ - margin) a = (lo.a + hi.a) / 2;
      used++;
      const { f, slope } = evalAt(a);
      note(a, f);
      if (!Number.isFinite(f) || f > f0 + c1 * a * s0 || f >= lo.f) hi = { a, f, g: slope };
      else {
        if (Math.abs(slope) <= -c2 * s0) return a;
        if (slope * (hi.a - lo.a) >= 0) hi = lo;
        lo = { a, f, g: slope };
      }
    }
    return best;
  };
  let prev = { a: 0, f: f0, g: s0 };
  let a = a1;
  for (let i = 0; used < budget; i++) {
    used++;
    const { f, slope } = evalAt(a);
    note(a, f);
    const cur = { a, f, g: slope };
    if (!Number.isFinite(f) || f > f0 + c1 * a * s0 || (i > 0 && f >= prev.f)) return zoom(prev, cur);
    if (Math.abs(slope) <= -c2 * s0) return a;
    if (slope >= 0) return zoom(cur, prev);
    prev = cur;
    a *= 2;
  }
  return best;
}

/** Options of {@link lbfgs}. */
export interface LbfgsOptions extends ScaleByLbfgsOptions {
  /** A fixed step (number or schedule) instead of the line search's; default none (`u = −H g`, then the line search). */
  readonly learningRate?: ScalarOrSchedule;
  /** The line search (default `zoomLinesearch({ maxLinesearchSteps: 20 })`; `null` for none). */
  readonly linesearch?: GradientTransformation<any> | null;
}

/**
 * L-BFGS (optax `lbfgs`): `chain(scaleByLbfgs({ memorySize, scaleInitPrecond }), scale(−1) or scaleByLearningRate(α),
 * zoomLinesearch())`, so each step is `θ ← θ − α_t H_t g_t` with α_t from the strong-Wolfe zoom line search. Needs
 * `params` and `extra.loss` (see {@link lossClosure}); `train()` passes both. Defaults m 10, scaled preconditioner, line search on.
 * Paper: "On the limited memory BFGS method for large scale optimization", Liu & Nocedal, 1989.
 * @example const opt = lbfgs(); opt.update(grads, state, params, { loss: lossClosure(f) })
 */
export function lbfgs(options: LbfgsOptions = {}): GradientTransformation<unknown[]> {
  const base = options.learningRate === undefined ? scale(-1) : scaleByLearningRate(options.learningRate);
  const ls = options.linesearch === undefined ? zoomLinesearch({ maxLinesearchSteps: 20 }) : options.linesearch;
  return ls === null ? chain(scaleByLbfgs(options), base) : chain(scaleByLbfgs(options), base, ls);
}
