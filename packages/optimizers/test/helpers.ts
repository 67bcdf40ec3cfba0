import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { applyUpdates, disposeParams, disposeState, lossClosure, type GradientTransformation, type Params } from '../src/index.js';

/** Float64 quadratic f(θ) = ½θᵀAθ − cᵀθ + k on 3 parameters, split into tensors w [2] and b [1]. */
export const A = [
  [3, 0.5, 0.2],
  [0.5, 2, 0.3],
  [0.2, 0.3, 1],
];
export const C = [1, -2, 0.5];
export const K = 3;
export const THETA0 = Array.from(Float32Array.from([0.7, -0.4, 1.3]));

export function f64(t: readonly number[]): number {
  let s = K;
  for (let i = 0; i < 3; i++) {
    s -= C[i]! * t[i]!;
    for (let j = 0; j < 3; j++) s += 0.5 * t[i]! * A[i]![j]! * t[j]!;
  }
  return s;
}

export function grad64(t: readonly number[]): number[] {
  return [0, 1, 2].map((i) => A[i]!.reduce((s, a, j) => s + a * t[j]!, 0) - C[i]!);
}

/** The same quadratic in tfjs on a params map { w: [2], b: [1] }. */
export function fTf(p: Params): tf.Scalar {
  return tf.tidy(() => {
    const th = tf.concat([p.w!, p.b!]);
    const At = tf.tensor2d(A);
    const q = tf.mul(0.5, tf.sum(tf.mul(th, tf.squeeze(tf.matMul(At, tf.reshape(th, [3, 1]))))));
    return tf.add(tf.sub(q, tf.sum(tf.mul(tf.tensor1d(C), th))), K) as tf.Scalar;
  });
}

export function toParams(t: readonly number[]): Params {
  return { w: tf.tensor1d([t[0]!, t[1]!]), b: tf.tensor1d([t[2]!]) };
}

export function flat(p: Params): number[] {
  return [...p.w!.dataSync(), ...p.b!.dataSync()];
}

/** Tensor partition of the 3 coordinates (w = 0,1; b = 2), for per-tensor references. */
export const PARTS = [
  [0, 1],
  [2],
];

export function relErr(got: readonly number[], want: readonly number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i]! - want[i]!) ** 2;
    den += want[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

export const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
export const sq = (a: readonly number[]) => dot(a, a);

/** A float64 reference optimizer written from the paper: returns the update Δθ for the current θ. */
export type RefStep = (theta: number[], k: number) => number[];

/** Runs our optimizer for `steps` (5) updates on the quadratic and returns the updates (as flat arrays). */
export function ours<S>(opt: GradientTransformation<S>, steps = 5): number[][] {
  let params: Params = toParams(THETA0);
  let state = opt.init(params);
  const out: number[][] = [];
  for (let k = 0; k < steps; k++) {
    const closure = lossClosure(fTf);
    const { value, grads } = closure(params);
    const r = opt.update(grads, state, params, { value, loss: closure });
    out.push(flat(r.updates));
    const next = applyUpdates(params, r.updates);
    disposeParams(r.updates);
    disposeParams(grads);
    value.dispose();
    disposeParams(params);
    disposeState(state);
    params = next;
    state = r.state;
  }
  disposeParams(params);
  disposeState(state);
  return out;
}

export function reference(stepFn: RefStep, steps = 5): number[][] {
  const theta = [...THETA0];
  const out: number[][] = [];
  for (let k = 0; k < steps; k++) {
    const u = stepFn(theta, k);
    out.push(u);
    for (let i = 0; i < 3; i++) theta[i]! += u[i]!;
  }
  return out;
}

export function expectMatch(got: number[][], want: number[][], tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let k = 0; k < want.length; k++) {
    const e = relErr(got[k]!, want[k]!);
    expect(e, `update ${k + 1}: got ${got[k]} want ${want[k]}`).toBeLessThanOrEqual(tol);
  }
}

