import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, defineOp, embeddings, node, params } from '@losskit/core';
import { DISTANCE_EPS, ballProjection, checkedTensor, pairwiseTensor, poincare, unitRows } from './distances.js';
import { optionsOf } from './internal.js';

const op = defineOp<{ c: number }>({
  kind: 'ml.hypPairwiseConfusion',
  evaluate: (ctx, a, p) => {
    const e = a[0]!;
    const b = ctx.batchSize;
    if (b < 2 || b % 2 !== 0) {
      throw new LosskitError('SHAPE_MISMATCH', 'Hyp-PC pairs the two halves of the batch: B must be even', { argument: 'yPred', expected: 'shape [B, D] with B even and >= 2', received: `[${e.shape.join(', ')}]` });
    }
    const h = b / 2;
    const [d] = e.shape.slice(1) as [number];
    const dist = pairwiseTensor(poincare({ c: p.c }), tf.slice(e, [0, 0], [h, d]), tf.slice(e, [h, 0], [h, d]));
    return tf.div(tf.sum(tf.mul(dist, tf.eye(h))), b);
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\frac{1}{B}\\sum_{i=1}^{B/2} d_{\\mathbb{D}_{${p.c}}}(z_i, z_{i + B/2})`
      : `(1/B) Σ_{i≤B/2} dPoincare_${p.c}(z_i, z_{i+B/2})`,
});

/**
 * Hyp-PC, the hyperbolic pairwise confusion loss of "Hyp-OC: Hyperbolic One Class Classification for Face
 * Anti-Spoofing" (Narayan, Patel, FG 2024): the batch's first half is paired with its second half and the loss is
 * the summed Poincaré-ball distance of the pairs over the batch size,
 * `L = (1/B) Σ_{i=1}^{B/2} d_c(z_i, z_{i+B/2})`, `d_c(x, y) = (2/√c) artanh(√c ‖(-x) ⊕_c y‖)` (the {@link poincare}
 * distance: rows are first projected into the ball of radius `(1 - 1e-5)/√c`). Pulling random pairs together
 * "confuses" the features (strips identity information). The authors' `TPC_loss_hyp` (Kartik-3004/hyp-oc `loss.py`
 * at 9c25c74) has the same pairing and the same 1/B, but takes `atan` where the distance has `artanh`; this is the
 * distance the paper names. Add it to the Hyp-CE term (cross-entropy on the hyperbolic classifier's logits, with
 * pseudo-negatives drawn around the running feature mean; not part of this expression).
 *
 * yPred `[B, D]` with B even (labels are not read) → batch-level scalar. Default c = 1 (`--curvature`).
 * @example compile(hypPairwiseConfusion({ c: 1 }), { from: 'embeddings' })(labels, z)
 */
export function hypPairwiseConfusion(options: { readonly c?: number } = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  return node(op, 'batch', [embeddings()], { c: params.positive('c', options.c ?? 1) });
}

/** Options of {@link hyperbolicMlr}. */
export interface HyperbolicMlrOptions {
  /** Curvature magnitude c > 0 of the Poincaré ball. Default 1 (Hyp-OC's `--curvature`). */
  readonly c?: number;
}

/** `sign(z) log(|z| + √(z² + 1))`, exact for |z| up to float32's largest (`log 2|z|` beyond 1e18). */
function asinhStable(z: Tensor): Tensor {
  const m = tf.abs(z);
  const small = tf.minimum(m, 1e18);
  const near = tf.log(tf.add(small, tf.sqrt(tf.add(tf.square(small), 1))));
  const far = tf.add(Math.log(2), tf.log(tf.maximum(m, 1)));
  return tf.mul(tf.sign(z), tf.where(tf.less(m, 1e18), near, far));
}

/**
 * Hyperbolic multinomial logistic regression logits (Ganea, Bécigneul, Hofmann 2018, "Hyperbolic Neural Networks"),
 * the classifier head of Hyp-OC ("Hyp-OC: Hyperbolic One Class Classification for Face Anti-Spoofing", Narayan,
 * Patel 2024), whose Hyp-CE loss is the softmax cross-entropy of these logits. Parameterized as hyptorch's
 * `HyperbolicMLR` (used by Hyp-OC): per class k a tangent offset `u_k` with `p_k = exp₀(u_k) = tanh(√c‖u_k‖) u_k/(√c‖u_k‖)`
 * and a normal `a_k`, rescaled by the conformal factor `1 - c‖p_k‖²`; with that factor cancelled,
 * `logit_k(x) = (2‖a_k‖/√c) asinh( 2√c ⟨(-p_k) ⊕_c x, a_k/‖a_k‖⟩ / (1 - c‖(-p_k) ⊕_c x‖²) )`,
 * `u ⊕_c v = ((1 + 2c⟨u,v⟩ + c‖v‖²) u + (1 - c‖u‖²) v) / (1 + 2c⟨u,v⟩ + c²‖u‖²‖v‖²)`.
 * `x` and `p` are first projected into the ball of radius `(1 - 1e-5)/√c` (hyptorch's Möbius addition adds 1e-5 to
 * its denominator; this is the exact formula). A zero `a_k` gives logit 0.
 *
 * Shapes: `x` `[B, D]` (points of the ball, e.g. `exp₀` of the features), `a` and `u` `[C, D]` → logits `[B, C]`.
 * Differentiable in all three (train `a`, `u` as variables). Every intermediate is freed, also when the call throws.
 * @example
 * const logits = hyperbolicMlr(z, a, u, { c: 1 });
 * const hypCe = compile(crossEntropy(), { from: 'logits' })(labels, logits); // Hyp-CE
 */
export function hyperbolicMlr(x: TensorLike, a: TensorLike, u: TensorLike, options: HyperbolicMlrOptions = {}): Tensor {
  options = optionsOf(options);
  const c = params.positive('c', options.c ?? 1);
  const sc = Math.sqrt(c);
  return tf.tidy(() => {
    const X = checkedTensor(x, 'x', 2, 'the points');
    const A = checkedTensor(a, 'a', 2, 'the class normals');
    const U = checkedTensor(u, 'u', 2, 'the class offsets');
    const d = X.shape[1]!;
    if (A.shape[1] !== d) throw new LosskitError('SHAPE_MISMATCH', 'a must have the width of x', { argument: 'a', expected: `[C, ${d}]`, received: `[${A.shape.join(', ')}]` });
    if (U.shape.join() !== A.shape.join()) throw new LosskitError('SHAPE_MISMATCH', 'u must have the shape of a', { argument: 'u', expected: `[${A.shape.join(', ')}]`, received: `[${U.shape.join(', ')}]` });
    const xb = ballProjection(X, c); // [B, D]
    const un = tf.sqrt(tf.maximum(tf.sum(tf.square(U), -1, true), DISTANCE_EPS));
    const p = ballProjection(tf.mul(U, tf.div(tf.tanh(tf.mul(un, sc)), tf.mul(un, sc))), c); // [C, D]
    // ‖a_k‖ and â_k exact for any finite a (scaled by the row's largest |a| first); a zero row gives â = 0
    const amax = tf.max(tf.abs(A), -1, true);
    const ahat = unitRows(A);
    const an = tf.mul(amax, tf.sqrt(tf.sum(tf.square(tf.div(A, tf.where(tf.greater(amax, 0), amax, tf.onesLike(amax)))), -1, true))); // [C, 1]
    // m_bk = (-p_k) ⊕ x_b  [B, C, D]
    const px = tf.neg(tf.matMul(xb, tf.transpose(p))); // ⟨-p_k, x_b⟩ [B, C]
    const pp = tf.reshape(tf.sum(tf.square(p), -1), [1, -1]); // ‖p_k‖² [1, C]
    const xx = tf.sum(tf.square(xb), -1, true); // ‖x_b‖² [B, 1]
    const alpha = tf.add(tf.add(1, tf.mul(2 * c, px)), tf.mul(c, xx)); // coefficient of -p
    const beta = tf.sub(1, tf.mul(c, pp)); // coefficient of x
    const den = tf.add(tf.add(1, tf.mul(2 * c, px)), tf.mul(c * c, tf.mul(pp, xx)));
    const m = tf.div(
      tf.add(tf.mul(tf.expandDims(alpha, 2), tf.expandDims(tf.neg(p), 0)), tf.mul(tf.expandDims(beta, 2), tf.expandDims(xb, 1))),
      tf.expandDims(den, 2),
    );
    const ma = tf.sum(tf.mul(m, tf.expandDims(ahat, 0)), -1);
    const mm = tf.sum(tf.square(m), -1);
    const z = tf.div(tf.mul(2 * sc, ma), tf.maximum(tf.sub(1, tf.mul(c, mm)), 1e-7));
    return tf.mul(tf.reshape(tf.div(tf.mul(an, 2), sc), [1, -1]), asinhStable(z));
  });
}
