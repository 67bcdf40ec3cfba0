/**
 * Dataset distillation by matching training trajectories (Cazenavette et al., "Dataset Distillation by Matching Training
 * Trajectories", CVPR 2022 — the base objective of "Efficient Dataset Distillation through Alignment with Smooth and
 * High-Quality Expert Trajectories", Shen et al. 2023), in its smallest honest form: a linear softmax student whose
 * inner SGD steps are written in closed form, so the outer gradient to the synthetic data and the learning rate is a
 * first-order tfjs gradient through the unrolled steps. `mlpTrajectoryMatchingLoss` (ast.ts) does the same for a
 * one-hidden-layer student, its inner backward pass written out by hand.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params, type TensorLike } from '@losskit/core';
import { checkDistinctParams, finiteValues, readOptions, readRows, readLabels, seeded, shuffled } from './input.js';

/** Parameters of a linear softmax classifier `z = xW + b`: `w [D, C]`, `b [C]`. */
export interface LinearParams<T = Tensor> {
  readonly w: T;
  readonly b: T;
}

/** Options of {@link trajectoryMatchingLoss}. */
export interface TrajectoryMatchingOptions {
  /** Synthetic inputs `[n, D]` (a tensor or variable: the outer gradient flows to it). */
  readonly xSyn: Tensor;
  /** Synthetic targets `[n, C]` (one-hot or soft). */
  readonly ySyn: Tensor;
  /** Student learning rate α (a scalar tensor to learn it, as MTT does, or a number). */
  readonly lr: Tensor | number;
  /** Expert parameters at the start θ*_t and at the target θ*_{t+M}. */
  readonly start: LinearParams<Tensor>;
  readonly target: LinearParams<Tensor>;
  /** Student steps N. */
  readonly steps: number;
}

/**
 * Trajectory-matching loss `‖θ̂_N − θ*_{t+M}‖² / ‖θ*_t − θ*_{t+M}‖²`, where θ̂ starts at θ*_t and takes N full-batch
 * SGD steps on the synthetic set: `W ← W − α Xᵀ(softmax(XW + b) − Y)/n`, `b ← b − α mean(softmax(XW + b) − Y)`.
 * Returns a scalar tensor (caller disposes) that is differentiable in `xSyn`, `ySyn` and `lr`. Errors: `SHAPE_MISMATCH`,
 * `NON_FINITE_INPUT` (data, expert parameters or the lr tensor), `INVALID_ARGUMENT` (a target equal to the start: the
 * normalising distance is 0), `INVALID_PARAMETER` (steps, lr).
 * @example trajectoryMatchingLoss({ xSyn, ySyn, lr: 0.1, start: experts[0], target: experts[2], steps: 10 })
 */
export function trajectoryMatchingLoss(options: TrajectoryMatchingOptions): tf.Scalar {
  const o = readOptions(options);
  const steps = params.positiveInteger('steps', o.steps);
  for (const [name, t] of [['xSyn', o.xSyn], ['ySyn', o.ySyn], ['start.w', o.start?.w], ['start.b', o.start?.b], ['target.w', o.target?.w], ['target.b', o.target?.b]] as const) {
    if (!(t instanceof tf.Tensor) || t.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'expected a live tensor', { argument: name, expected: 'a tf.Tensor', received: t instanceof tf.Tensor ? 'a disposed tensor' : typeof t });
  }
  const [n, D] = o.xSyn.shape as [number, number];
  const C = o.start.w.shape[1]!;
  const check = (name: string, t: Tensor, shape: number[]) => {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) throw new LosskitError('SHAPE_MISMATCH', 'wrong shape', { argument: name, expected: `[${shape.join(', ')}]`, received: `[${t.shape.join(', ')}]` });
  };
  check('xSyn', o.xSyn, [n, D]);
  check('ySyn', o.ySyn, [n, C]);
  check('start.w', o.start.w, [D, C]);
  check('start.b', o.start.b, [C]);
  check('target.w', o.target.w, [D, C]);
  check('target.b', o.target.b, [C]);
  if (typeof o.lr === 'number') params.positive('lr', o.lr);
  else if (!(o.lr instanceof tf.Tensor) || o.lr.size !== 1) throw new LosskitError('INVALID_ARGUMENT', 'lr must be a number or a scalar tensor', { argument: 'lr', expected: 'a number > 0 or a scalar tensor', received: o.lr instanceof tf.Tensor ? `shape [${o.lr.shape.join(', ')}]` : typeof o.lr });
  else finiteValues(o.lr, 'lr');
  for (const [name, t] of [['xSyn', o.xSyn], ['ySyn', o.ySyn], ['start.w', o.start.w], ['start.b', o.start.b], ['target.w', o.target.w], ['target.b', o.target.b]] as const) finiteValues(t, name);
  checkDistinctParams([o.start.w, o.start.b], [o.target.w, o.target.b], 'target', 'target equals start');
  return tf.tidy(() => {
    const lr = typeof o.lr === 'number' ? tf.scalar(o.lr) : tf.reshape(o.lr, []);
    let w: Tensor = o.start.w;
    let b: Tensor = o.start.b;
    for (let s = 0; s < steps; s++) {
      const err = tf.sub(tf.softmax(tf.add(tf.matMul(o.xSyn, w), b)), o.ySyn); // ∂CE/∂z, [n, C]
      w = tf.sub(w, tf.mul(lr, tf.div(tf.matMul(o.xSyn, err, true, false), n)));
      b = tf.sub(b, tf.mul(lr, tf.mean(err, 0)));
    }
    const sq = (a: Tensor, c: Tensor) => tf.sum(tf.square(tf.sub(a, c)));
    const num = tf.add(sq(w, o.target.w), sq(b, o.target.b));
    const den = tf.add(sq(o.start.w, o.target.w), sq(o.start.b, o.target.b));
    return tf.div(num, tf.maximum(den, 1e-12)) as tf.Scalar;
  });
}

/**
 * An expert trajectory of a linear softmax classifier on real data: mini-batch SGD from zero weights, recording the
 * parameters after every epoch (`epochs + 1` checkpoints, the first the start). Host float64 arrays; seeded.
 * @example const experts = linearExpertTrajectory(x, y, { classes: 10, epochs: 5, lr: 0.5 })
 */
export function linearExpertTrajectory(x: TensorLike, labels: TensorLike, options: { readonly classes: number; readonly epochs: number; readonly lr: number; readonly batchSize?: number; readonly seed?: number }): Array<LinearParams<number[][] | number[]>> {
  const rows = readRows(x, 'x');
  const o = readOptions(options);
  const C = params.positiveInteger('classes', o.classes);
  const y = readLabels(labels, 'labels', rows.length, C);
  const epochs = params.positiveInteger('epochs', o.epochs);
  const lr = params.positive('lr', o.lr);
  const bs = params.positiveInteger('batchSize', o.batchSize ?? 32);
  const D = rows[0]!.length;
  const w = Array.from({ length: D }, () => new Array<number>(C).fill(0));
  const b = new Array<number>(C).fill(0);
  const snap = () => ({ w: w.map((r) => [...r]), b: [...b] });
  const out: Array<LinearParams<number[][] | number[]>> = [snap()];
  const u = seeded(o.seed);
  for (let e = 0; e < epochs; e++) {
    const order = shuffled(rows.map((_, i) => i), u);
    for (let s = 0; s < order.length; s += bs) {
      const batch = order.slice(s, s + bs);
      const gw = Array.from({ length: D }, () => new Array<number>(C).fill(0));
      const gb = new Array<number>(C).fill(0);
      for (const i of batch) {
        const z = b.map((bc, c) => bc + rows[i]!.reduce((acc, v, d) => acc + v * w[d]![c]!, 0));
        const m = Math.max(...z);
        const ez = z.map((v) => Math.exp(v - m));
        const sum = ez.reduce((a, v) => a + v, 0);
        ez.forEach((v, c) => {
          const g = v / sum - (c === y[i] ? 1 : 0);
          gb[c]! += g;
          rows[i]!.forEach((xv, d) => (gw[d]![c]! += g * xv));
        });
      }
      for (let d = 0; d < D; d++) for (let c = 0; c < C; c++) w[d]![c]! -= (lr * gw[d]![c]!) / batch.length;
      for (let c = 0; c < C; c++) b[c]! -= (lr * gb[c]!) / batch.length;
    }
    out.push(snap());
  }
  return out;
}
