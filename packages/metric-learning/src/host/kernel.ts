/**
 * The bridge between a pair-level matrix on the device and a loss computed on the host: one read-back of the
 * `[B, R]` matrix, mining, the loss and its reduction in float64 loops, and a closed-form gradient `∂L/∂m`
 * uploaded once in the backward pass (tfjs autodiff then carries it through the distance, whose products run in
 * tfjs's fastest matmul form). O(B·R) memory; time O(B·R) for pair losses and O(B·R log R) for triplets.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { markSymmetric } from '../distances.js';
import type { Reducer } from '../reducers.js';
import type { PairData } from './pairs.js';
import { type Elements, type ReduceContext, reduceElements } from './reduce.js';

/**
 * One reduced sub-loss and the way back: `backward(scale, G, E)` adds `Σ_e scale(anchor_e) · ∂out/∂m` into `G` and
 * the gradients of the extra differentiable inputs (e.g. margin's β) into `E`.
 */
export interface ReducedSub {
  readonly value: number;
  readonly perAnchor: Float64Array | undefined;
  backward(scale: (anchor: number) => number, g: Float32Array, extra: readonly Float64Array[]): void;
}

/** A sub-loss of one call (PML's loss-dict entry): reduced with the reducer its name selects. */
export interface SubLoss {
  readonly name: string;
  reduce(r: Reducer, ctx: ReduceContext): ReducedSub;
  /** The unreduced elements (for `lossElements()`): listed on demand, undefined for an already-reduced sub-loss. */
  readonly elements?: () => Elements;
}

/**
 * A sub-loss given by its elements and `backward(w, G, E)`, which adds `Σ_k w_k ∂l_k/∂m` into `G` (and into `E` for
 * extra inputs). `divisor` is what PML's `DivisorReducer` divides by.
 */
export function elementLoss(name: string, el: Elements, backward: (w: Float64Array, g: Float32Array, extra: readonly Float64Array[]) => void, divisor?: number): SubLoss {
  return {
    name,
    elements: () => el,
    reduce(r, ctx) {
      const red = reduceElements(r, name, el, divisor === undefined ? ctx : { ...ctx, divisor });
      return {
        value: red.value,
        perAnchor: red.perAnchor,
        backward(scale, g, extra) {
          const rw = red.weights;
          if (red.perAnchor === undefined && scale(0) === 1) {
            // a batch-level value differentiated with dy = 1 (the usual case): the weights as they are
            backward(rw, g, extra);
            return;
          }
          const w = new Float64Array(rw.length);
          if (el.anchors) {
            for (let k = 0; k < w.length; k++) if (rw[k] !== 0) w[k] = rw[k]! * scale(el.anchors[k]!);
          } else {
            // grid elements: one scale per row
            const s = el.stride!;
            for (let a = 0, k = 0; k < w.length; a++) {
              const c = scale(a);
              for (let j = 0; j < s; j++, k++) if (rw[k] !== 0) w[k] = rw[k]! * c;
            }
          }
          backward(w, g, extra);
        },
      };
    },
  };
}

/**
 * A sub-loss already reduced by the loss itself (PML's `already_reduced`: the reducer does not apply). `backward(t,
 * G, E)` adds `t · ∂value/∂m` into `G`.
 */
export function reducedLoss(name: string, value: number, backward: (t: number, g: Float32Array, extra: readonly Float64Array[]) => void): SubLoss {
  return {
    name,
    reduce: () => ({ value, perAnchor: undefined, backward: (scale, g, extra) => backward(scale(0), g, extra) }),
  };
}

/** How the host loss sees one call. */
export interface HostCall {
  /** `batch`: a scalar; `sample`: one value per anchor (the reducer is per-anchor). */
  readonly level: 'batch' | 'sample';
  readonly reducer: Reducer;
  readonly inverted: boolean;
  readonly rowLabels: Int32Array;
  readonly colLabels: Int32Array;
  readonly selfCol: Int32Array;
  /**
   * The matrix is a symmetric function of the embeddings (`m_ij = m_ji`: the batch against itself with a symmetric
   * distance): the gradient is then uploaded symmetrized, `(G + Gᵀ)/2`, which changes no gradient of the embeddings
   * and lets the Gram product's backward skip a `[B, B]` transpose (see `gram`).
   */
  readonly symmetric: boolean;
}

/** `[0, 1, …, n − 1]`: the self column of each row of a square batch. */
export const identityColumns = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

/**
 * Evaluates `build`'s sub-losses on the matrix `mat` `[B, R]` and returns the reduced loss (scalar for `batch`,
 * `[B]` for `sample`), differentiable with respect to `mat` through a custom gradient.
 */
export function hostPairLoss(mat: Tensor, call: HostCall, build: (d: PairData, extra: readonly Float32Array[]) => readonly SubLoss[], extras: readonly Tensor[] = []): Tensor {
  const [b, r] = mat.shape as [number, number];
  const f = tf.customGrad(((...args: Tensor[]) => {
    const m = args[0]!;
    const xs = args.slice(1, 1 + extras.length);
    const d: PairData = { m: m.dataSync() as Float32Array, b, r, inverted: call.inverted, rowLabels: call.rowLabels, colLabels: call.colLabels, selfCol: call.selfCol };
    const ctx: ReduceContext = { b, rowLabels: call.rowLabels };
    const reduced = build(d, xs.map((x) => x.dataSync() as Float32Array)).map((s) => s.reduce(call.reducer, ctx));
    let value: Tensor;
    if (call.level === 'sample') {
      const per = new Float64Array(b);
      for (const s of reduced) {
        if (s.perAnchor) for (let a = 0; a < b; a++) per[a]! += s.perAnchor[a]!;
        else for (let a = 0; a < b; a++) per[a]! += s.value / b; // a batch-level sub-loss shared over the anchors
      }
      value = tf.tensor1d(Float32Array.from(per));
    } else {
      value = tf.scalar(reduced.reduce((t, s) => t + s.value, 0));
    }
    return {
      value,
      gradFunc: (dy: Tensor) => {
        const dv = dy.dataSync();
        const g = new Float32Array(b * r);
        const eg = xs.map((x) => new Float64Array(x.size));
        for (const s of reduced) {
          if (call.level === 'sample') s.backward(s.perAnchor ? (a) => dv[a]! : () => sumOf(dv) / b, g, eg);
          else s.backward(() => dv[0]!, g, eg);
        }
        const rest = xs.map((x, i) => tf.tensor(Float32Array.from(eg[i]!), x.shape));
        if (call.symmetric && b === r) {
          // (G + Gᵀ)/2 in 64 × 64 tiles (the transposed reads stay in cache)
          const T = 64;
          for (let bi = 0; bi < b; bi += T) {
            for (let bj = bi; bj < b; bj += T) {
              const ie = Math.min(b, bi + T);
              const je = Math.min(b, bj + T);
              for (let i = bi; i < ie; i++) {
                for (let j = bi === bj ? i + 1 : bj; j < je; j++) {
                  const v = 0.5 * (g[i * b + j]! + g[j * b + i]!);
                  g[i * b + j] = v;
                  g[j * b + i] = v;
                }
              }
            }
          }
          return [markSymmetric(tf.tensor2d(g, [b, r])), ...rest];
        }
        return [tf.tensor2d(g, [b, r]), ...rest];
      },
    };
  }) as never) as (...t: Tensor[]) => Tensor;
  return f(mat, ...extras);
}

const sumOf = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
};

/** Int32 host copy of integer labels. */
export const hostLabels = (y: Tensor): Int32Array => Int32Array.from(y.dataSync());
