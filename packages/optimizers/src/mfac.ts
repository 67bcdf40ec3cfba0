import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, needParams, optionsOf, tidy, valueAt } from './types.js';

/** State of {@link mfac}: the sliding window of gradients and its Gram matrix, held by the caller (m·d + m² + d numbers). */
export interface MfacState {
  readonly count: number;
  /** The last m gradients as rows `[m, d]` (a ring buffer; rows not yet filled are 0). */
  readonly window: Tensor;
  /** `G Gᵀ` of the window, row-major `m × m`, float64 on the host. */
  readonly gram: readonly number[];
  /** Ring-buffer slot the next gradient goes to. */
  readonly last: number;
  /** Momentum of the preconditioned direction `[d]` (zeros when momentum is 0). */
  readonly velocity: Tensor;
  /** Parameter names and shapes in the flattening order. */
  readonly layout: readonly { readonly name: string; readonly shape: readonly number[] }[];
}

/** Options of {@link mfac}. */
export interface MfacOptions {
  /** Learning rate η. Default 1e-3 (the reference's). */
  readonly learningRate?: ScalarOrSchedule;
  /** Number m of gradients in the sliding window. Default 32 (the reference's 1024 assumes a GPU; memory is m·d floats). */
  readonly windowSize?: number;
  /** Dampening λ of the empirical Fisher `λI + (1/m) Σ gᵢgᵢᵀ`. Default 1e-5 (the reference's). */
  readonly damp?: number;
  /** Momentum μ of the preconditioned direction: `v ← μv + (1 − μ)·F̂⁻¹g`. Default 0. */
  readonly momentum?: number;
  /** L2 weight decay λ_w added to the gradient before preconditioning (needs params). Default 0. */
  readonly weightDecay?: number;
}

/**
 * M-FAC (dynamic algorithm): preconditioned SGD with the inverse of a dampened empirical Fisher over a sliding window of
 * the last m gradients, `F̂ = λI + (1/m)·Σ_{i∈window} gᵢgᵢᵀ`. Each step the new (flattened, weight-decayed) gradient g
 * replaces the oldest row of the window G `[m, d]`, and the update is `θ ← θ − η·v`, `v ← μv + (1 − μ)·F̂⁻¹g`, with the
 * inverse-Hessian-vector product by Woodbury: `F̂⁻¹g = (g − Gᵀ(mλI + GGᵀ)⁻¹Gg)/λ`, evaluated in the
 * cancellation-free form `m·Gᵀ(mλI + GGᵀ)⁻¹e_slot` (g is row `slot` of G). G stays on the device; the m×m Gram
 * matrix GGᵀ is kept in float64 on the host and updated by one row/column per step (an `[m, d]·[d]` product), and the
 * m×m system is solved by Cholesky: O(dm + m³) per step, memory m·d + m² + d, all in the caller-held state (no
 * O(d²) matrix). Equal to the reference's `HInvFastUpMulti.update_mul` (whose own correctness test compares against
 * the same Woodbury inverse). Defaults η 1e-3, m 32, λ 1e-5, μ 0.
 * Paper: "M-FAC: Efficient Matrix-Free Approximations of Second-Order Information", Frantar, Kurtic & Alistarh,
 * NeurIPS 2021 (arXiv 2107.03356); update read from IST-DASLab/M-FAC `optim.py`.
 * @example const opt = mfac({ learningRate: 1e-3, windowSize: 16 });
 */
export function mfac(options: MfacOptions = {}): GradientTransformation<MfacState> {
  options = optionsOf(options);
  const lr = checkScalarOrSchedule(options.learningRate ?? 1e-3, 'learningRate');
  const m = p.positiveInteger('windowSize', options.windowSize ?? 32);
  const damp = p.positive('damp', options.damp ?? 1e-5);
  const mu = p.unitInterval('momentum', options.momentum ?? 0);
  const wd = p.nonNegative('weightDecay', options.weightDecay ?? 0);
  return {
    learningRate: typeof lr === 'function' ? lr : () => lr,
    init(params) {
      const ps = checkParams(params, 'params');
      const layout = Object.entries(ps).map(([name, t]) => ({ name, shape: t.shape.slice() }));
      const d = Object.values(ps).reduce((s, t) => s + t.size, 0);
      return { count: 0, window: tf.zeros([m, d]), gram: new Array<number>(m * m).fill(0), last: 0, velocity: tf.zeros([d]), layout };
    },
    update(grads, state, params) {
      checkMfacState(state, m);
      const g = checkParams(grads, 'grads');
      const ref: Record<string, Tensor> = {};
      for (const { name, shape } of state.layout) {
        if (!(name in g)) throw new LosskitError('INVALID_ARGUMENT', `missing entry "${name}"`, { argument: 'grads', expected: `the names of the optimizer state: ${state.layout.map((l) => l.name).join(', ')}`, received: Object.keys(g).join(', ') });
        ref[name] = g[name]!;
        const s = g[name]!.shape;
        if (s.length !== shape.length || s.some((v, i) => v !== shape[i])) throw new LosskitError('SHAPE_MISMATCH', `entry "${name}" has the wrong shape`, { argument: 'grads', expected: `[${shape.join(', ')}] (as in the optimizer state)`, received: `[${s.join(', ')}]` });
      }
      checkMatching(g, ref, 'grads', 'the optimizer state');
      const w = wd > 0 ? checkMatching(needParams(params, 'mfac with weightDecay'), g, 'params', 'grads') : undefined;
      const eta = valueAt(lr, state.count, 'learningRate');
      const slot = state.last;
      // Flattened (weight-decayed) gradient, the window with it in `slot`, and Gg (one [m, d]·[d] product, read back).
      const { flat, window, gg } = tidy(() => {
        const parts = state.layout.map(({ name }) => tf.reshape(w ? tf.add(g[name]!, tf.mul(w[name]!, wd)) : g[name]!, [-1]));
        const f = parts.length === 1 ? parts[0]! : tf.concat(parts);
        const row = tf.reshape(f, [1, -1]);
        const win = slot === 0 ? tf.concat([row, tf.slice(state.window, [1, 0], [m - 1, -1])]) : slot === m - 1 ? tf.concat([tf.slice(state.window, [0, 0], [m - 1, -1]), row]) : tf.concat([tf.slice(state.window, [0, 0], [slot, -1]), row, tf.slice(state.window, [slot + 1, 0], [m - slot - 1, -1])]);
        return { flat: f, window: win, gg: tf.reshape(tf.matMul(win, tf.reshape(f, [-1, 1])), [-1]) };
      });
      try {
        const ggv = Float64Array.from(gg.dataSync());
        for (let i = 0; i < m; i++) {
          if (!Number.isFinite(ggv[i]!)) throw new LosskitError('NON_FINITE_INPUT', 'the gradient has NaN or Inf entries', { argument: 'grads', expected: 'finite values' });
        }
        // Gram update: row/column `slot` becomes G·g (g is now row `slot`).
        const gram = state.gram.slice();
        for (let i = 0; i < m; i++) {
          gram[slot * m + i] = ggv[i]!;
          gram[i * m + slot] = ggv[i]!;
        }
        // Woodbury gives F̂⁻¹g = (g − Gᵀc)/λ with c = (mλI + GGᵀ)⁻¹Gg, which cancels catastrophically in float32 when
        // ‖g‖² ≫ mλ (c_slot → 1). As g is row `slot` of G, Gg is column `slot` of GGᵀ, so e_slot − c = mλ·(mλI + GGᵀ)⁻¹e_slot
        // and F̂⁻¹g = m·Gᵀ(mλI + GGᵀ)⁻¹e_slot: no subtraction, solved by Cholesky in float64 (SPD: mλ > 0 on the diagonal).
        const e = new Float64Array(m);
        e[slot] = 1;
        const c = choleskySolve(gram, m, m * damp, e);
        return tidy(() => {
          const ct = tf.tensor2d(Array.from(c, (v) => v * m), [1, m]);
          const ihvp = tf.reshape(tf.matMul(ct, window), [-1]);
          const velocity = mu > 0 ? tf.add(tf.mul(state.velocity, mu), tf.mul(ihvp, 1 - mu)) : tf.clone(ihvp);
          const updates: Record<string, Tensor> = {};
          let off = 0;
          for (const { name, shape } of state.layout) {
            const size = shape.reduce((a, b) => a * b, 1);
            updates[name] = tf.reshape(tf.mul(tf.slice(velocity, [off], [size]), -eta), [...shape]);
            off += size;
          }
          return { updates, state: { count: state.count + 1, window: tf.clone(window), gram, last: (slot + 1) % m, velocity: mu > 0 ? velocity : tf.zerosLike(velocity), layout: state.layout } };
        });
      } finally {
        flat.dispose();
        window.dispose();
        gg.dispose();
      }
    },
  };
}

function checkMfacState(state: unknown, m: number): asserts state is MfacState {
  const s = state as Partial<MfacState> | null;
  const ok =
    !!s &&
    typeof s === 'object' &&
    Number.isInteger(s.count) &&
    s.window instanceof tf.Tensor &&
    !s.window.isDisposed &&
    s.window.rank === 2 &&
    s.window.shape[0] === m &&
    Array.isArray(s.gram) &&
    s.gram.length === m * m &&
    Number.isInteger(s.last) &&
    s.last! >= 0 &&
    s.last! < m &&
    s.velocity instanceof tf.Tensor &&
    !s.velocity.isDisposed &&
    Array.isArray(s.layout);
  if (!ok) throw new LosskitError('INVALID_ARGUMENT', 'not a state of this transformation', { argument: 'state', expected: `the state mfac().init() returned (a window of ${m} gradients)`, received: s === null ? 'null' : typeof s });
}

/** Solves (A + shift·I) x = b for a symmetric positive-definite m×m A (row-major) by Cholesky, in float64. */
function choleskySolve(a: readonly number[], m: number, shift: number, b: Float64Array): Float64Array {
  const L = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * m + j]! + (i === j ? shift : 0);
      for (let k = 0; k < j; k++) s -= L[i * m + k]! * L[j * m + k]!;
      if (i === j) {
        if (!(s > 0)) throw new LosskitError('NON_FINITE_OUTPUT', 'the windowed Fisher is not positive definite (raise damp)', { argument: 'damp', expected: 'a dampening that keeps mλI + GGᵀ positive definite', received: `pivot ${s}` });
        L[i * m + i] = Math.sqrt(s);
      } else L[i * m + j] = s / L[j * m + j]!;
    }
  }
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * m + k]! * y[k]!;
    y[i] = s / L[i * m + i]!;
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < m; k++) s -= L[k * m + i]! * x[k]!;
    x[i] = s / L[i * m + i]!;
  }
  return x;
}
