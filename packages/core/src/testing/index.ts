/**
 * Test helpers for losskit and for users testing their own losses: finite-difference gradient checks,
 * a tensor-leak assertion and float64 reference utilities.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import '../backend.js';
import { scoped } from '../tensors.js';

export * from '../math/index.js';
export { simdExpFloor } from './floor.js';
import { rng } from '../math/index.js';

/** Nested number arrays as used by references: rows of a `[B, C]` matrix. */
export type Matrix = number[][];

/**
 * Central finite differences of a float64 function: `(f(x + h e_i) - f(x - h e_i)) / 2h` for every
 * coordinate of `x` (a flat array). Use it on a float64 reference to check a tfjs gradient.
 */
export function numericGradient(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-6): Float64Array {
  const base = Float64Array.from(x);
  const g = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const xi = base[i]!;
    const step = h * Math.max(1, Math.abs(xi));
    base[i] = xi + step;
    const fp = f(base);
    base[i] = xi - step;
    const fm = f(base);
    base[i] = xi;
    g[i] = (fp - fm) / (2 * step);
  }
  return g;
}

/** Result of {@link checkGradient}. */
export interface GradientCheck {
  readonly ok: boolean;
  /** Largest `|analytic - numeric| / (atol + rtol·|numeric|)` over the checked coordinates (≤ 1 passes). */
  readonly worst: number;
  readonly worstIndex: number;
  readonly analytic: Float64Array;
  readonly numeric: Float64Array;
}

/** Options of {@link checkGradient}. */
export interface GradientCheckOptions {
  /** Relative tolerance. Default 1e-3 against a float64 reference, 2e-2 for float32 differences. */
  readonly rtol?: number;
  /** Absolute tolerance. Default 1e-4 (float64 reference) or 2e-3 (float32). */
  readonly atol?: number;
  /** Float64 function of the flat input to difference instead of `f` itself (recommended: a reference from the paper). */
  readonly reference?: (x: Float64Array) => number;
  /** Step for float32 differences of `f` (default 1e-2 · max(1, |x|)). */
  readonly h?: number;
}

/**
 * Finite-difference gradient check of a scalar tfjs function `f` at `x`. The analytic gradient is
 * `tf.grad(f)`; the numeric one is central differences of `options.reference` in float64 when given
 * (the strong check: an independent formula), else of `f` itself in float32 with a wide step.
 * Disposes everything it creates.
 */
export function checkGradient(f: (x: Tensor) => Tensor, x: Tensor, options: GradientCheckOptions = {}): GradientCheck {
  const analytic = scoped(() => Float64Array.from(tf.grad((t: Tensor) => f(t) as tf.Scalar)(x).dataSync()));
  const flat = Float64Array.from(x.dataSync());
  let numeric: Float64Array;
  let rtol: number;
  let atol: number;
  if (options.reference) {
    numeric = numericGradient(options.reference, flat);
    rtol = options.rtol ?? 1e-3;
    atol = options.atol ?? 1e-4;
  } else {
    const f32 = (v: Float64Array) => scoped(() => f(tf.tensor(Float32Array.from(v), x.shape)).dataSync()[0]!);
    numeric = new Float64Array(flat.length);
    for (let i = 0; i < flat.length; i++) {
      const xi = flat[i]!;
      const step = (options.h ?? 1e-2) * Math.max(1, Math.abs(xi));
      flat[i] = xi + step;
      const fp = f32(flat);
      flat[i] = xi - step;
      const fm = f32(flat);
      flat[i] = xi;
      numeric[i] = (fp - fm) / (2 * step);
    }
    rtol = options.rtol ?? 2e-2;
    atol = options.atol ?? 2e-3;
  }
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < numeric.length; i++) {
    const r = Math.abs(analytic[i]! - numeric[i]!) / (atol + rtol * Math.abs(numeric[i]!));
    if (!(r <= worst)) {
      worst = r;
      worstIndex = i;
    }
  }
  return { ok: worst <= 1, worst, worstIndex, analytic, numeric };
}

/**
 * Runs `fn` and throws if it changed the number of live tensors (`tf.memory().numTensors`).
 * Returns `fn`'s result (dispose any tensors it returns yourself, inside `fn`).
 */
export function expectNoLeaks<T>(fn: () => T, label = 'function'): T {
  const before = tf.memory().numTensors;
  const out = fn();
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(`${label} leaked ${after - before} tensor(s): numTensors ${before} → ${after}`);
  }
  return out;
}

/** Whether tfjs's gradient machinery is idle: no open `tf.grad`, no tape left behind by a failed one. */
export function engineIdle(): boolean {
  const st = (tf.engine() as unknown as { state: { gradientDepth: number; kernelDepth: number; activeTape: unknown } }).state;
  return st.gradientDepth === 0 && st.kernelDepth === 0 && st.activeTape == null;
}

/** What {@link expectCleanThrow} returns: the error with its `LosskitError` details. */
export type ThrownLosskitError = Error & { code?: string; argument?: string; expected?: string; received?: string };

/**
 * Runs `fn`, which must throw a `LosskitError` (with `code`, when given), and checks that the failed call
 * left the engine as it found it: the same number of live tensors and no gradient tape left behind.
 * Returns the error, for further assertions on its message.
 */
export function expectCleanThrow(fn: () => unknown, code?: string, label = 'function'): ThrownLosskitError {
  const before = tf.memory().numTensors;
  const idle = engineIdle();
  let error: unknown;
  try {
    tf.dispose(fn() as never);
  } catch (e) {
    error = e;
  }
  return checkThrow(error, before, idle, code, label);
}

/** Async form of {@link expectCleanThrow}, for functions that return a promise (training loops, `unlearn()`). */
export async function expectCleanThrowAsync(fn: () => unknown, code?: string, label = 'function'): Promise<ThrownLosskitError> {
  const before = tf.memory().numTensors;
  const idle = engineIdle();
  let error: unknown;
  try {
    tf.dispose((await fn()) as never);
  } catch (e) {
    error = e;
  }
  return checkThrow(error, before, idle, code, label);
}

function checkThrow(error: unknown, before: number, idle: boolean, code: string | undefined, label: string): ThrownLosskitError {
  if (error === undefined) throw new Error(`${label} did not throw`);
  const err = error as ThrownLosskitError;
  if (err.name !== 'LosskitError') throw new Error(`${label} threw ${err.name}, not a LosskitError: ${err.message}`);
  if (code !== undefined && err.code !== code) throw new Error(`${label} threw code ${err.code}, expected ${code}: ${err.message}`);
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${label} leaked ${after - before} tensor(s) while throwing ${err.code}`);
  if (idle && !engineIdle()) throw new Error(`${label} left a gradient tape behind after throwing ${err.code}`);
  return err;
}

/** Async form of {@link expectNoLeaks}. */
export async function expectNoLeaksAsync<T>(fn: () => Promise<T>, label = 'function'): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(`${label} leaked ${after - before} tensor(s): numTensors ${before} → ${after}`);
  }
  return out;
}

/** Seeded random `[rows, cols]` matrix of normals times `scale`, as nested arrays (float64 source of truth). */
export function randomMatrix(rows: number, cols: number, seed: number, scale = 1): Matrix {
  const u = mulberry(seed);
  const out: Matrix = [];
  for (let i = 0; i < rows; i++) {
    const row: number[] = [];
    for (let j = 0; j < cols; j++) {
      const a = Math.max(u(), 1e-300);
      row.push(scale * Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u()));
    }
    out.push(row);
  }
  return out;
}

/** Seeded random integer labels in `[0, classes)`. */
export function randomLabels(n: number, classes: number, seed: number): number[] {
  const u = mulberry(seed);
  return Array.from({ length: n }, () => Math.floor(u() * classes));
}

/** One-hot rows for integer labels. */
export function oneHot(labels: readonly number[], classes: number): Matrix {
  return labels.map((y) => Array.from({ length: classes }, (_, j) => (j === y ? 1 : 0)));
}

/** Round-trips values through float32, so references see exactly what tfjs sees. */
export function f32(m: Matrix): Matrix {
  return m.map((r) => Array.from(Float32Array.from(r)));
}

/** Reads a tensor to a plain nested array (float64 numbers). */
export function toArray(t: Tensor): number | number[] | number[][] {
  return t.arraySync() as number | number[] | number[][];
}

const mulberry = rng;
