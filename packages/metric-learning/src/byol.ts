import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineOp, embeddings, input, node, params, stopGradient } from '@losskit/core';
import { normalizeRows } from './distances.js';
import { optionsOf } from './internal.js';

const op = defineOp<{ target: string }>({
  kind: 'ml.byol',
  evaluate: (_c, a) => {
    const q = normalizeRows(a[0]!);
    const z = normalizeRows(stopGradient(a[1]!));
    return tf.sub(2, tf.mul(2, tf.sum(tf.mul(q, z), -1)));
  },
  print: (a, _p, m) => (m === 'latex' ? `2 - 2\\cos\\left(q_\\theta(z), \\operatorname{sg}(${a[1]!.s})\\right)` : `2 - 2cos(q, sg(${a[1]!.s}))`),
});

/**
 * BYOL regression loss (Grill et al. 2020, "Bootstrap your own latent: A new approach to
 * self-supervised Learning"): `l_i = ‖q̄_i - z̄'_i‖² = 2 - 2 cos(q_θ(z_i), z'_ξ,i)` with the target
 * projection under stop-gradient (bars = L2-normalized; zero vectors give cos = 0). To symmetrize over
 * two views stack them: yPred = `[q(v1); q(v2)]`, `inputs.target` = `[z'(v2); z'(v1)]` (`[2N, D]` each);
 * the compiled mean is then `(L + L̃)/2` (the paper sums the two: scale by 2 if you want its value).
 * Pair it with {@link emaUpdate} and {@link byolTau} for the target network.
 * @example compile(byol(), { from: 'embeddings' })(idx, online, { inputs: { target } })
 */
export function byol(options: { readonly target?: string } = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const target = options.target ?? 'target';
  return node(op, 'sample', [embeddings(), input(target, 'class')], { target });
}

/**
 * BYOL's target decay at step k of K: `τ_k = 1 - (1 - τ_base)(cos(πk/K) + 1)/2`, from `τ_base`
 * (default 0.996) at k = 0 to 1 at k = K.
 */
export function byolTau(step: number, totalSteps: number, tauBase = 0.996): number {
  params.positive('totalSteps', totalSteps);
  params.inRange('step', step, 0, totalSteps);
  params.closedUnitInterval('tauBase', tauBase);
  return 1 - ((1 - tauBase) * (Math.cos((Math.PI * step) / totalSteps) + 1)) / 2;
}

/** EMA target update in place: `ξ ← τ ξ + (1 - τ) θ` for each pair of target variable and online weight. */
export function emaUpdate(target: readonly Variable[], online: readonly Tensor[], tau: number): void {
  params.closedUnitInterval('tau', tau);
  if (!Array.isArray(target) || target.some((t) => !(t instanceof tf.Variable) || t.isDisposed)) {
    throw new LosskitError('INVALID_ARGUMENT', 'target must be an array of live tf.Variables', { argument: 'target', expected: 'tf.Variable[]', received: Array.isArray(target) ? 'an array with a non-Variable or disposed entry' : typeof target });
  }
  if (!Array.isArray(online) || online.some((t) => !(t instanceof tf.Tensor) || t.isDisposed)) {
    throw new LosskitError('INVALID_ARGUMENT', 'online must be an array of live tensors', { argument: 'online', expected: 'tf.Tensor[]', received: Array.isArray(online) ? 'an array with a non-tensor or disposed entry' : typeof online });
  }
  if (target.length !== online.length) {
    throw new LosskitError('SHAPE_MISMATCH', 'target and online weight lists differ in length', {
      argument: 'online',
      expected: `${target.length} tensors`,
      received: `${online.length}`,
    });
  }
  target.forEach((t, i) => {
    const o = online[i]!;
    if (t.shape.join() !== o.shape.join()) {
      throw new LosskitError('SHAPE_MISMATCH', 'target and online weights differ in shape', { argument: `online[${i}]`, expected: `[${t.shape}]`, received: `[${o.shape}]` });
    }
  });
  // One read-back for all weights: a NaN online weight would silently poison the target network.
  const flags = target.length === 0 ? undefined : tf.tidy(() => tf.stack(online.map((o) => tf.all(tf.isFinite(o)))));
  const finite = flags ? Array.from(flags.dataSync()) : [];
  flags?.dispose();
  finite.forEach((ok, i) => {
    if (!ok) throw new LosskitError('NON_FINITE_INPUT', 'online weights contain NaN or Inf', { argument: `online[${i}]`, expected: 'finite values', received: 'a non-finite value' });
  });
  target.forEach((t, i) => {
    const o = online[i]!;
    const next = tf.tidy(() => tf.add(tf.mul(t, tau), tf.mul(o, 1 - tau)));
    t.assign(next);
    next.dispose(); // the variable keeps its own reference to the data
  });
}
