import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p, signOf } from '@losskit/core';
import { rng, shuffleInPlace } from '@losskit/core/math';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, checkState, needParams, optionsOf, tidy, valueAt } from './types.js';

/** How FRUGAL picks the state-full subspace of a projected tensor. */
export type FrugalProjection = 'blocks' | 'columns';

/** State of {@link frugal}. */
export interface FrugalState {
  readonly count: number;
  /** Number of subspace selections made so far (the seed of the next random selection derives from it). */
  readonly selections: number;
  /** Next block to take in `ascending` / `descending` order. */
  readonly nextBlock: number;
  /** `blocks`: the projected tensors currently state-full. */
  readonly active: readonly string[];
  /** `columns`: the state-full column indices (last axis) of each projected tensor. */
  readonly columns: Readonly<Record<string, readonly number[]>>;
  /** Adam first moments: full tensors for unprojected parameters and active blocks, `[rows, k]` for columns. */
  readonly mu: Params;
  readonly nu: Params;
  /** Adam step count per moment (restarts at each re-selection). */
  readonly steps: Readonly<Record<string, number>>;
}

/** Options of {@link frugal}. */
export interface FrugalOptions {
  /** Learning rate η of the state-full (AdamW) part. Default 1e-3. */
  readonly learningRate?: ScalarOrSchedule;
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
  /** Decoupled weight decay λ (`θ ← θ(1 − ηλ)` on every parameter; needs params when > 0). Default 0.01. */
  readonly weightDecay?: number;
  /** Fraction ρ of blocks (tensors) or columns kept state-full. Default 0.25. */
  readonly density?: number;
  /** Re-select the subspace every T steps (moments reset). Default 200. */
  readonly updateGap?: number;
  /** `blocks` (default, BAdam-like: whole tensors) or `columns` (RandK over the last axis of each matrix). */
  readonly projection?: FrugalProjection;
  /** Order of the blocks: `random` (default), `ascending`, `descending` (names in insertion order). */
  readonly blockOrder?: 'random' | 'ascending' | 'descending';
  /** Update of the state-free part: `signSgd` (default), `sgd`, or `none`. */
  readonly inactiveRule?: 'signSgd' | 'sgd' | 'none';
  /** The state-free step is η·inactiveLrScale. Default 1. */
  readonly inactiveLrScale?: number;
  /** Which parameters are projected (default: rank ≥ 2); the others always get full AdamW. */
  readonly project?: (name: string, tensor: Tensor) => boolean;
  /** Seed of the random selections. Default 0. */
  readonly seed?: number;
}

/**
 * FRUGAL: full-rank updates with state only on a subspace. Each step the gradient of a projected parameter is split
 * into a state-full part `P(g)` (AdamW moments kept only there) and a state-free residual `g − P⁻¹P(g)` updated by
 * signSGD: `θ ← θ(1 − ηλ) + P⁻¹(−η·m̂/(√v̂ + ε)) − η_free·sign(g − P⁻¹P(g))`. The subspace is re-selected every
 * `updateGap` steps and its moments restart from 0 (bias correction restarts too). `blocks` keeps whole tensors
 * state-full (a `density` fraction of the projected tensors, chosen at random or in order); `columns` keeps a random
 * `density` fraction of each matrix's columns (last axis). Unprojected parameters (default: vectors) always get AdamW.
 * Optimizer memory: moments for the unprojected parameters plus the active subspace only. Defaults η 1e-3, β (0.9,
 * 0.999), ε 1e-8, λ 0.01, ρ 0.25, T 200, random blocks, signSGD at the same η (the authors' templates). SVD
 * (GaLore-style) projections are not available (no SVD in tfjs).
 * Paper: "FRUGAL: Memory-Efficient Optimization by Reducing State Overhead for Scalable Training", Zmushko et al.,
 * ICML 2025 (arXiv 2411.07837); update read from the authors' `frugal/proj_optimizer_templates.py` and `adamw.py`.
 * @example const opt = frugal({ learningRate: 1e-3, density: 0.25, updateGap: 200, seed: 1 });
 */
export function frugal(options: FrugalOptions = {}): GradientTransformation<FrugalState> {
  options = optionsOf(options);
  const lr = checkScalarOrSchedule(options.learningRate ?? 1e-3, 'learningRate');
  const b1 = p.unitInterval('b1', options.b1 ?? 0.9);
  const b2 = p.unitInterval('b2', options.b2 ?? 0.999);
  const eps = p.nonNegative('eps', options.eps ?? 1e-8);
  const wd = p.nonNegative('weightDecay', options.weightDecay ?? 0.01);
  const density = p.closedUnitInterval('density', options.density ?? 0.25);
  const gap = p.positiveInteger('updateGap', options.updateGap ?? 200);
  const projection = options.projection ?? 'blocks';
  if (projection !== 'blocks' && projection !== 'columns') throw new LosskitError('INVALID_PARAMETER', 'unknown projection', { argument: 'projection', expected: "'blocks' or 'columns'", received: String(projection) });
  const order = options.blockOrder ?? 'random';
  if (!['random', 'ascending', 'descending'].includes(order)) throw new LosskitError('INVALID_PARAMETER', 'unknown block order', { argument: 'blockOrder', expected: "'random', 'ascending' or 'descending'", received: String(order) });
  const rule = options.inactiveRule ?? 'signSgd';
  if (!['signSgd', 'sgd', 'none'].includes(rule)) throw new LosskitError('INVALID_PARAMETER', 'unknown state-free rule', { argument: 'inactiveRule', expected: "'signSgd', 'sgd' or 'none'", received: String(rule) });
  const freeScale = p.nonNegative('inactiveLrScale', options.inactiveLrScale ?? 1);
  const isProjected = options.project ?? ((_n: string, t: Tensor) => t.rank >= 2);
  if (typeof isProjected !== 'function') throw new LosskitError('INVALID_PARAMETER', 'project must be a function', { argument: 'project', expected: '(name, tensor) => boolean', received: typeof isProjected });
  const seed = p.finite('seed', options.seed ?? 0);

  /** The subspace for selection number `sel` (blocks: names; columns: indices per name). */
  const select = (ps: Params, projected: readonly string[], sel: number, nextBlock: number) => {
    const rand = rng(Math.round(seed) * 1_000_003 + sel * 7_919 + 17);
    const perm = (n: number) => shuffleInPlace(Array.from({ length: n }, (_, i) => i), rand);
    if (projection === 'blocks') {
      const n = projected.length;
      const k = Math.round(n * density);
      let idx: number[];
      let next = nextBlock;
      if (order === 'random') idx = perm(n).slice(0, k);
      else if (order === 'ascending') {
        idx = Array.from({ length: k }, (_, i) => (nextBlock + i) % n);
        next = n > 0 ? (nextBlock + k) % n : 0;
      } else {
        idx = Array.from({ length: k }, (_, i) => (((nextBlock - i) % n) + n) % n);
        next = n > 0 ? (((nextBlock - k) % n) + n) % n : 0;
      }
      return { active: idx.sort((a, b) => a - b).map((i) => projected[i]!), columns: {}, nextBlock: next };
    }
    const columns: Record<string, number[]> = {};
    for (const name of projected) {
      const cols = ps[name]!.shape[ps[name]!.rank - 1]!;
      columns[name] = perm(cols).slice(0, Math.floor(cols * density)).sort((a, b) => a - b);
    }
    return { active: [], columns, nextBlock };
  };

  /** Fresh zero moments for the unprojected names and the selected subspace. */
  const freshMoments = (ps: Params, regular: readonly string[], sel: { active: readonly string[]; columns: Readonly<Record<string, readonly number[]>> }) =>
    tidy(() => {
      const mu: Record<string, Tensor> = {};
      const nu: Record<string, Tensor> = {};
      const steps: Record<string, number> = {};
      for (const name of regular) {
        mu[name] = tf.zerosLike(ps[name]!);
        nu[name] = tf.zerosLike(ps[name]!);
        steps[name] = 0;
      }
      for (const name of sel.active) {
        mu[name] = tf.zerosLike(ps[name]!);
        nu[name] = tf.zerosLike(ps[name]!);
        steps[name] = 0;
      }
      for (const [name, cols] of Object.entries(sel.columns)) {
        if (cols.length === 0) continue;
        const shape = [...ps[name]!.shape.slice(0, -1), cols.length];
        mu[name] = tf.zeros(shape);
        nu[name] = tf.zeros(shape);
        steps[name] = 0;
      }
      return { mu, nu, steps };
    });

  const split = (ps: Params) => {
    const projected: string[] = [];
    const regular: string[] = [];
    for (const [name, t] of Object.entries(ps)) (isProjected(name, t) ? projected : regular).push(name);
    return { projected, regular };
  };

  return {
    learningRate: typeof lr === 'function' ? lr : () => lr,
    init(params) {
      const ps = checkParams(params, 'params');
      const { projected, regular } = split(ps);
      const sel = select(ps, projected, 0, order === 'descending' ? Math.max(projected.length - 1, 0) : 0);
      const m = freshMoments(ps, regular, sel);
      return { count: 0, selections: 1, nextBlock: sel.nextBlock, active: sel.active, columns: sel.columns, mu: m.mu, nu: m.nu, steps: m.steps };
    },
    update(grads, state, params) {
      checkState(state, { count: 'count', selections: 'count', nextBlock: 'count', mu: 'params', nu: 'params' });
      const g = checkParams(grads, 'grads');
      const w = wd > 0 ? checkMatching(needParams(params, 'frugal with weightDecay'), g, 'params', 'grads') : undefined;
      const { projected, regular } = split(g);
      if (!Array.isArray(state.active) || state.columns === null || typeof state.columns !== 'object' || state.steps === null || typeof state.steps !== 'object') {
        throw new LosskitError('INVALID_ARGUMENT', 'not a state of this transformation', { argument: 'state', expected: 'the state frugal().init() returned', received: 'a state without active / columns / steps' });
      }
      for (const name of [...regular, ...state.active, ...Object.keys(state.columns).filter((n) => state.columns[n]!.length > 0)]) {
        if (!(name in state.mu) || !(name in g)) {
          throw new LosskitError('INVALID_ARGUMENT', `entry "${name}" does not match the optimizer state`, { argument: 'grads', expected: `the names the state was built for: ${Object.keys(state.mu).join(', ')}`, received: Object.keys(g).join(', ') });
        }
      }
      const t = state.count;
      const eta = valueAt(lr, t, 'learningRate');
      // Re-select every `gap` steps (not at t = 0: init selected already); moments restart.
      let sel = { active: state.active, columns: state.columns, nextBlock: state.nextBlock };
      let selections = state.selections;
      let mu = state.mu;
      let nu = state.nu;
      let steps = state.steps;
      let fresh: { mu: Record<string, Tensor>; nu: Record<string, Tensor> } | undefined;
      if (t > 0 && t % gap === 0) {
        sel = select(g, projected, selections, state.nextBlock);
        selections++;
        const m = freshMoments(g, regular, sel);
        // Unprojected parameters keep their moments across re-selections.
        for (const name of regular) {
          m.mu[name]!.dispose();
          m.nu[name]!.dispose();
          m.mu[name] = state.mu[name]!;
          m.nu[name] = state.nu[name]!;
          m.steps[name] = state.steps[name]!;
        }
        fresh = m;
        mu = m.mu;
        nu = m.nu;
        steps = m.steps;
      }
      const activeSet = new Set(sel.active);
      try {
        return tidy(() => {
          const nextMu: Record<string, Tensor> = {};
          const nextNu: Record<string, Tensor> = {};
          const nextSteps: Record<string, number> = {};
          const adam = (name: string, gk: Tensor): Tensor => {
            const s = (steps[name] ?? 0) + 1;
            const m = tf.add(tf.mul(mu[name]!, b1), tf.mul(gk, 1 - b1));
            const v = tf.add(tf.mul(nu[name]!, b2), tf.mul(tf.square(gk), 1 - b2));
            nextMu[name] = m;
            nextNu[name] = v;
            nextSteps[name] = s;
            const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - b2 ** s)), eps);
            return tf.mul(tf.div(m, denom), -eta / (1 - b1 ** s));
          };
          const free = (r: Tensor): Tensor => (rule === 'signSgd' ? tf.mul(signOf(r), -eta * freeScale) : rule === 'sgd' ? tf.mul(r, -eta * freeScale) : tf.zerosLike(r));
          const updates: Record<string, Tensor> = {};
          for (const [name, gk] of Object.entries(g)) {
            let u: Tensor;
            if (!projected.includes(name) || activeSet.has(name)) u = adam(name, gk);
            else if (projection === 'blocks') u = free(gk);
            else {
              const cols = sel.columns[name] ?? [];
              if (cols.length === 0) u = free(gk);
              else {
                const axis = gk.rank - 1;
                const idx = tf.tensor1d([...cols], 'int32');
                const down = tf.gather(gk, idx, axis);
                const upd = adam(name, down);
                // Scatter the state-full columns back along the last axis; the rest of the gradient goes state-free.
                const n = gk.shape[axis]!;
                const onehot = tf.cast(tf.oneHot(idx, n), 'float32'); // [k, n]
                const flatUpd = tf.reshape(upd, [-1, cols.length]);
                const flatG = tf.reshape(gk, [-1, n]);
                const mask = tf.sum(onehot, 0); // 1 on the selected columns
                const upFull = tf.reshape(tf.matMul(flatUpd, onehot), gk.shape);
                const resid = tf.reshape(tf.mul(flatG, tf.sub(1, mask)), gk.shape);
                u = tf.add(upFull, free(resid));
              }
            }
            updates[name] = w && wd > 0 ? tf.sub(u, tf.mul(w[name]!, eta * wd)) : u;
          }
          // Moments not touched this step (none in practice) are carried over as copies.
          for (const name of Object.keys(mu)) {
            if (!(name in nextMu)) {
              nextMu[name] = tf.clone(mu[name]!);
              nextNu[name] = tf.clone(nu[name]!);
              nextSteps[name] = steps[name] ?? 0;
            }
          }
          return { updates, state: { count: t + 1, selections, nextBlock: sel.nextBlock, active: sel.active, columns: sel.columns, mu: nextMu, nu: nextNu, steps: nextSteps } };
        });
      } finally {
        if (fresh) {
          // The fresh moments of the new subspace were inputs of this step (the unprojected ones belong to `state`).
          for (const [name, t2] of Object.entries(fresh.mu)) if (!regular.includes(name)) t2.dispose();
          for (const [name, t2] of Object.entries(fresh.nu)) if (!regular.includes(name)) t2.dispose();
        }
      }
    },
  };
}
