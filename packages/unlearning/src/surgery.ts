import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, formatShape } from '@losskit/core';
import { type Params, projectGradient } from '@losskit/optimizers';

function checkPair(a: Params, b: Params, argA: string, argB: string): string[] {
  for (const [m, arg] of [[a, argA], [b, argB]] as const) {
    if (!m || typeof m !== 'object' || Array.isArray(m)) throw new LosskitError('INVALID_ARGUMENT', 'expected a named map of tensors', { argument: arg, expected: '{ name: tf.Tensor }', received: m === null ? 'null' : Array.isArray(m) ? 'an array' : typeof m });
    for (const [k, t] of Object.entries(m)) {
      if (!(t instanceof tf.Tensor) || t.isDisposed) throw new LosskitError('INVALID_ARGUMENT', `entry "${k}" is not a live tensor`, { argument: arg, expected: 'tf.Tensor values', received: t instanceof tf.Tensor ? 'a disposed tensor' : typeof t });
    }
  }
  const names = Object.keys(a);
  if (names.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'no gradients', { argument: argA });
  const other = Object.keys(b);
  if (other.length !== names.length || names.some((k) => !(k in b))) {
    throw new LosskitError('INVALID_ARGUMENT', 'gradient names differ', { argument: argB, expected: names.join(', '), received: other.join(', ') });
  }
  for (const k of names) {
    const s = a[k]!.shape;
    const t = b[k]!.shape;
    if (s.length !== t.length || s.some((d, i) => d !== t[i])) throw new LosskitError('SHAPE_MISMATCH', `entry "${k}" has another shape`, { argument: argB, expected: formatShape(s), received: formatShape(t) });
  }
  // A NaN gradient would make every projected entry NaN: reject it (one read-back for both maps).
  const flags = tf.tidy(() => tf.stack([...names.map((k) => tf.all(tf.isFinite(a[k]!))), ...names.map((k) => tf.all(tf.isFinite(b[k]!)))]));
  const ok = Array.from(flags.dataSync());
  flags.dispose();
  const bad = ok.findIndex((v) => !v);
  if (bad >= 0) {
    const arg = bad < names.length ? argA : argB;
    throw new LosskitError('NON_FINITE_INPUT', `entry "${names[bad % names.length]}" has NaN or Inf`, { argument: arg, expected: 'finite gradients', received: 'a non-finite entry' });
  }
  return names;
}

const dot = (a: Params, b: Params, names: readonly string[]): Scalar => tf.addN(names.map((k) => tf.sum(tf.mul(a[k]!, b[k]!)))) as Scalar;

/**
 * UNO-S gradient surgery: removes from the retain gradient its component along the forget gradient,
 * `g_r ← g_r − g_f·⟨g_f, g_r⟩/⟨g_f, g_f⟩` (global inner products over every tensor; unchanged when g_f = 0).
 * Returns new tensors (the caller owns them). In `unlearn({ surgery: 'unoS' })` the step direction is
 * `γ·g_f + (α·g_r)_⊥`; with γ = 0 it is the authors' "step with the orthogonalized g_r".
 *
 * @example const gr = orthogonalizeRetain(retainGrads, forgetGrads);
 * Only UNO-S is implemented. UNO's orthogonality penalty `⟨g_f, g_r⟩²/(‖g_f‖²‖g_r‖²)` needs its gradient with respect to
 * θ (double backprop). tfjs-core 4.22 does not compute second derivatives correctly for a small MLP classifier: we
 * measured finite-difference mismatches of 17-67× the tolerance for `∂/∂θ ‖∇_θ CE‖²` through tanh and relu layers, with
 * tf.logSoftmax/tf.logSumExp, a hand-written exp/log CE and core's ce(), and "no gradient path" errors through
 * `tf.customGrad`. A penalty whose gradient is silently wrong is worse than none, so it is left out.
 * @see "UNO: Unlearning via Orthogonalization in Generative models" (2025), code pinakm9/forget (`vae_surgery.py`).
 */
export function orthogonalizeRetain(retainGrads: Params, forgetGrads: Params): Record<string, Tensor> {
  return orthogonalize(retainGrads, forgetGrads, checkPair(retainGrads, forgetGrads, 'retainGrads', 'forgetGrads'));
}

/** @internal {@link orthogonalizeRetain} without checks (`unlearn` calls it on gradients it made; NaN then reaches its own `nonFinite` handling). */
export function orthogonalize(retainGrads: Params, forgetGrads: Params, names: readonly string[] = Object.keys(retainGrads)): Record<string, Tensor> {
  return tf.tidy(() => {
    const ff = dot(forgetGrads, forgetGrads, names);
    const coef = tf.where(tf.greater(ff, 0), tf.div(dot(forgetGrads, retainGrads, names), tf.maximum(ff, 1e-30)), tf.zerosLike(ff));
    const out: Record<string, Tensor> = {};
    for (const k of names) out[k] = tf.sub(retainGrads[k]!, tf.mul(coef, forgetGrads[k]!));
    return out;
  });
}

/**
 * Concept-preserving gradient (DoCo): if the forget (unlearning) gradient conflicts with the retain (preserve) gradient,
 * `⟨g_f, g_r⟩ < 0`, project it: `g_f ← g_f − (⟨g_f, g_r⟩/‖g_r‖²)·g_r`; else keep it. This is `projectGradient` of
 * @losskit/optimizers (PCGrad). In `unlearn({ surgery: 'conceptPreserving' })` the step direction is `(γ·g_f)' + α·g_r`.
 * Verification: the projection rule is consistent with the paper's abstract ("alleviates the parts of the unlearning
 * gradient that contradict the relearning gradient"); the authors' code was not read.
 *
 * @example const gf = conceptPreservingGradient(forgetGrads, retainGrads);
 * @see Wu, Harandi, et al., "Unlearning Concepts in Diffusion Model via Concept Domain Correction and Concept Preserving Gradient" (2024).
 */
export function conceptPreservingGradient(forgetGrads: Params, retainGrads: Params): Params {
  checkPair(forgetGrads, retainGrads, 'forgetGrads', 'retainGrads');
  return projectGradient(forgetGrads, retainGrads);
}
