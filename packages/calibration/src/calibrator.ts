/**
 * The shape every post-hoc calibrator shares: `fit(...)` returns a `Calibrator` whose `transform`
 * maps logits or probabilities (the kind given at fit time) to calibrated probabilities, and whose
 * `save()` is a JSON string that the class's static `load()` (or {@link loadCalibrator}) restores exactly.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { LosskitError, isTensor } from '@losskit/core';
import { checkFrom, output, readMatrix, readOptions, type From, type HostMatrix, type Predictions } from './input.js';

/** Every calibrator kind, as written in its JSON. */
export type CalibratorKind = 'temperature' | 'vector' | 'matrix' | 'platt' | 'histogram' | 'isotonic' | 'correctness-aware' | 'beta' | 'bbq' | 'near-isotonic' | 'enir' | 'dirichlet' | 'legendretron';

/** Options of `transform`. Only the correctness-aware calibrator reads `transformed`. */
export interface TransformOptions {
  /** Predictions on transformed copies of the same inputs (same kind and shape as `x`), if the calibrator was fit with them. */
  readonly transformed?: readonly Predictions[];
}

/** The JSON envelope written by `save()`. */
export interface CalibratorJson {
  readonly format: 'losskit-calibrator';
  readonly version: 1;
  readonly kind: CalibratorKind;
  readonly from: From;
  readonly classes: number;
  readonly state: Record<string, unknown>;
}

/** Base class: input reading, tensor-in → tensor-out, JSON envelope. */
export abstract class Calibrator {
  abstract readonly kind: CalibratorKind;

  protected constructor(
    /** What `transform` expects (and `fit` was given): logits or probabilities. */
    readonly from: From,
    /** Number of classes C seen at fit time (the input width). */
    readonly classes: number,
  ) {}

  /**
   * Calibrated probabilities `[N, C']` (C' = C, except Platt scaling of a single score column, where C' = 2).
   * Plain input gives nested arrays; a tensor gives a new float32 tensor (the caller disposes it).
   */
  transform(x: tf.Tensor, options?: TransformOptions): tf.Tensor2D;
  transform(x: Exclude<Predictions, tf.Tensor>, options?: TransformOptions): number[][];
  transform(x: Predictions, options?: TransformOptions): number[][] | tf.Tensor2D;
  transform(x: Predictions, options?: TransformOptions): number[][] | tf.Tensor2D {
    options = readOptions(options);
    const m = readMatrix(x, 'predictions');
    if (m.c !== this.classes) {
      throw new LosskitError('SHAPE_MISMATCH', 'predictions do not match the fitted calibrator', {
        argument: 'predictions',
        expected: `${this.classes} columns`,
        received: `${m.c} columns`,
      });
    }
    const out = this.calibrate(m, options);
    for (let k = 0; k < out.data.length; k++) {
      // Only reachable with extreme inputs to a hand-edited saved calibrator; never return a silent NaN.
      if (!Number.isFinite(out.data[k]!)) {
        throw new LosskitError('NON_FINITE_OUTPUT', 'calibrated probabilities are not finite', { argument: 'predictions', expected: 'inputs the calibrator maps to finite probabilities', received: `${out.data[k]} at index [${Math.floor(k / out.c)}, ${k % out.c}]` });
      }
    }
    return output(out.data, m.n, out.c, isTensor(x));
  }

  /** Float64 calibrated probabilities for validated input. */
  protected abstract calibrate(m: HostMatrix, options: TransformOptions): { data: Float64Array; c: number };

  /** The calibrator's fitted parameters as plain JSON data. */
  protected abstract state(): Record<string, unknown>;

  /** The fitted calibrator as a JSON string; the class's `load` restores it exactly. */
  save(): string {
    const json: CalibratorJson = { format: 'losskit-calibrator', version: 1, kind: this.kind, from: this.from, classes: this.classes, state: this.state() };
    return JSON.stringify(json);
  }
}

/** Parses and checks a saved calibrator envelope. */
export function parseCalibrator(json: string | CalibratorJson, kind?: CalibratorKind): CalibratorJson {
  let obj: unknown;
  try {
    obj = typeof json === 'string' ? JSON.parse(json) : json;
  } catch (e) {
    throw new LosskitError('INVALID_ARGUMENT', 'not valid JSON', { argument: 'json', received: String(e) });
  }
  const o = obj as Partial<CalibratorJson> | null;
  if (!o || o.format !== 'losskit-calibrator' || o.version !== 1 || typeof o.state !== 'object' || o.state === null) {
    throw new LosskitError('INVALID_ARGUMENT', 'not a saved losskit calibrator', { argument: 'json', expected: "{ format: 'losskit-calibrator', version: 1, ... }" });
  }
  if (kind !== undefined && o.kind !== kind) {
    throw new LosskitError('INVALID_ARGUMENT', 'saved calibrator has another kind', { argument: 'json', expected: kind, received: String(o.kind) });
  }
  checkFrom(o.from);
  if (typeof o.classes !== 'number' || !Number.isInteger(o.classes) || o.classes < 1) {
    throw new LosskitError('INVALID_ARGUMENT', 'bad class count in saved calibrator', { argument: 'json', received: String(o.classes) });
  }
  return o as CalibratorJson;
}

/** Reads a numeric array field of a saved state. */
export function numbers(state: Record<string, unknown>, key: string, length?: number): number[] {
  const v = state[key];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x)) || (length !== undefined && v.length !== length)) {
    throw new LosskitError('INVALID_ARGUMENT', `bad field '${key}' in saved calibrator`, { argument: 'json', expected: length === undefined ? 'an array of finite numbers' : `${length} finite numbers` });
  }
  return v as number[];
}

/** Reads an integer field `>= min` of a saved state. */
export function integer(state: Record<string, unknown>, key: string, min: number): number {
  const v = state[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new LosskitError('INVALID_ARGUMENT', `bad field '${key}' in saved calibrator`, { argument: 'json', expected: `an integer >= ${min}`, received: String(v) });
  }
  return v;
}

/** Reads a numeric field of a saved state. */
export function scalar(state: Record<string, unknown>, key: string): number {
  const v = state[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new LosskitError('INVALID_ARGUMENT', `bad field '${key}' in saved calibrator`, { argument: 'json', expected: 'a finite number', received: String(v) });
  }
  return v;
}
