import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { LosskitError, params } from '../errors.js';
import { type Expr, type Needs, defineOp, node } from '../expr.js';

/**
 * NeuralSort relaxation of the descending-sort permutation matrix (Grover et al. 2019):
 * `P̂[i, :] = softmax_j(((n + 1 - 2i) s_j - Σ_k |s_j - s_k|) / τ)` for rows `i = 1..n`.
 * Row `i` is a distribution over which item takes rank `i`; as `τ → 0` it tends to the hard sort.
 * Shapes: scores `[B, n]` → `[B, n, n]` (row-stochastic).
 */
export function neuralSortTensor(scores: Tensor2D, tau: number): Tensor3D {
  params.positive('tau', tau);
  if (!(scores instanceof tf.Tensor) || scores.rank !== 2) {
    throw new LosskitError('RANK_MISMATCH', 'scores must be a matrix', { argument: 'scores', expected: 'a tf.Tensor of shape [B, n]', received: scores instanceof tf.Tensor ? `shape [${scores.shape.join(', ')}]` : typeof scores });
  }
  return tf.tidy(() => {
    const n = scores.shape[1];
    const a = tf.abs(tf.sub(tf.expandDims(scores, 2), tf.expandDims(scores, 1))); // [B, n, n], |s_j - s_k|
    const b = tf.sum(a, 2); // [B, n]: Σ_k |s_j - s_k|
    const scaling = tf.tensor1d(Array.from({ length: n }, (_, i) => n - 1 - 2 * i)); // n + 1 - 2(i+1)
    const c = tf.mul(tf.reshape(scaling, [1, n, 1]), tf.expandDims(scores, 1)); // [B, n(i), n(j)]
    return tf.softmax(tf.div(tf.sub(c, tf.expandDims(b, 1)), tau)) as Tensor3D;
  });
}

/**
 * Sinkhorn scaling of square non-negative matrices `[B, n, n]` towards doubly stochastic ones: `iterations`
 * rounds of column then row normalization (sums floored at 1e-10, as allRank). A fixed number of rounds keeps
 * it differentiable and free of device read-backs.
 */
export function sinkhornTensor(m: Tensor3D, iterations: number): Tensor3D {
  params.positiveInteger('iterations', iterations);
  if (!(m instanceof tf.Tensor) || m.rank !== 3) {
    throw new LosskitError('RANK_MISMATCH', 'expects a batch of square matrices', { argument: 'm', expected: 'a tf.Tensor of shape [B, n, n]', received: m instanceof tf.Tensor ? `shape [${m.shape.join(', ')}]` : typeof m });
  }
  return tf.tidy(() => {
    let x: Tensor = m;
    for (let k = 0; k < iterations; k++) {
      x = tf.div(x, tf.maximum(tf.sum(x, 1, true), 1e-10));
      x = tf.div(x, tf.maximum(tf.sum(x, 2, true), 1e-10));
    }
    return x as Tensor3D;
  });
}

const softSortOp = defineOp<{ tau: number }>({
  kind: 'softSort',
  evaluate: (_c, a, p) => {
    const s = a[0]! as Tensor2D;
    return tf.squeeze(tf.matMul(neuralSortTensor(s, p.tau), tf.expandDims(s, 2)), [2]);
  },
  print: (a, p, m) => (m === 'latex' ? `\\operatorname{softsort}_{\\tau=${p.tau}}\\left(${a[0]!.s}\\right)` : `softsort[τ=${p.tau}](${a[0]!.s})`),
});

/**
 * Soft descending sort of a class-level term over its classes, `P̂ x` with the NeuralSort matrix
 * (see {@link neuralSortTensor}); `[B, C]` → `[B, C]`, differentiable. `softSort(x, { tau }).max()` tends to
 * `x.max()` as `τ → 0`.
 *
 * @param options.tau Temperature τ > 0. Default 1.
 * @example `softSort(logit(), { tau: 0.1 })`
 * @see Grover, Wang, Zweig, Ermon, "Stochastic Optimization of Sorting Networks via Continuous Relaxations", ICLR 2019.
 */
export function softSort<K extends Needs>(x: Expr<'class', K>, options: { readonly tau?: number } = {}): Expr<'class', K> {
  const tau = params.positive('tau', options.tau ?? 1);
  return node(softSortOp, 'class', [x], { tau }, x.needs) as Expr<'class', K>;
}
