import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, ce, compile, formatShape, params, cleanTapeOnError } from '@losskit/core';
import { type LabeledData, type ModelLike, checkModelData, dataTensors, forward, modelVariables } from './model.js';
import { optionsOf, sampleLoss } from './objective.js';

/** Per-weight importances, in the order of `model.trainableWeights` (each shaped like its weight). */
export type Importances = readonly Tensor[];

/** Options of {@link fisherImportance}. */
export interface FisherOptions {
  /** Per-sample loss, default `ce()`. */
  readonly loss?: Expr<'sample'>;
  /**
   * Samples per gradient. Default 1: the empirical diagonal Fisher `mean_i (∂ℓ_i/∂θ)²` of the paper. The SSD authors'
   * code squares mini-batch gradients instead (`imp += p.grad²`, then divides by the number of batches); pass a larger
   * batch size for that (faster, and a different estimate).
   */
  readonly batchSize?: number;
}

/**
 * Diagonal Fisher importance of every trainable weight on a data set: `[I_D]_k = mean_b (∂L_b/∂θ_k)²` over batches b of
 * `batchSize` samples (default 1, the empirical Fisher diagonal). Returns one tensor per weight (the caller disposes them).
 * Shapes: `x` `[N, ...]`, `y` `[N]` → tensors shaped like the weights.
 *
 * @example const imp = fisherImportance(model, forget);
 * @see Foster, Schoepf, Brintrup, "Fast Machine Unlearning Without Retraining Through Selective Synaptic Dampening" (AAAI 2024).
 */
export function fisherImportance(model: ModelLike, data: LabeledData, options: FisherOptions = {}): Tensor[] {
  options = optionsOf(options);
  const vars = modelVariables(model);
  const batchSize = params.positiveInteger('batchSize', options.batchSize ?? 1);
  const loss = compile(sampleLoss(options.loss ?? ce(), 'loss'), { validate: false });
  const d = dataTensors(data, 'data');
  try {
    checkModelData(model, d, 'data');
    let acc = vars.map((v) => tf.zerosLike(v) as Tensor);
    let batches = 0;
    for (let i = 0; i < d.n; i += batchSize) {
      const size = Math.min(batchSize, d.n - i);
      const next = tf.tidy(() => {
        const xb = tf.slice(d.x, i, size);
        const yb = tf.slice(d.y, i, size);
        const { value, grads } = cleanTapeOnError(() => tf.variableGrads(() => loss(yb, forward(model, xb, false)), vars));
        value.dispose();
        return vars.map((v, k) => tf.add(acc[k]!, tf.square(grads[v.name] ?? tf.zerosLike(v))));
      });
      acc.forEach((t) => t.dispose());
      acc = next;
      batches++;
    }
    const out = acc.map((t) => tf.div(t, batches));
    acc.forEach((t) => t.dispose());
    return out;
  } finally {
    d.dispose();
  }
}

/** Options of {@link dampenWeights} and {@link selectiveSynapticDampening}. */
export interface DampeningOptions {
  /** Selection threshold α: dampen where `I_forget > α·I_global`. Default 10. */
  readonly alpha?: number;
  /** Dampening constant λ: `β = min(λ·I_global/I_forget, 1)`. Default 1. */
  readonly lambda?: number;
}

function checkImportances(vars: readonly tf.Variable[], imp: unknown, argument: string): Importances {
  if (!Array.isArray(imp) || imp.length !== vars.length) {
    throw new LosskitError('SHAPE_MISMATCH', 'one importance tensor per trainable weight is needed', { argument, expected: `${vars.length} tensors`, received: Array.isArray(imp) ? `${imp.length}` : typeof imp });
  }
  imp.forEach((t, i) => {
    const s = (t as Tensor)?.shape;
    const w = vars[i]!.shape;
    if (!(t instanceof tf.Tensor) || t.isDisposed || s.length !== w.length || s.some((x, j) => x !== w[j])) {
      throw new LosskitError('SHAPE_MISMATCH', `importance ${i} does not match weight ${vars[i]!.name}`, { argument, expected: formatShape(w), received: t instanceof tf.Tensor ? (t.isDisposed ? 'a disposed tensor' : formatShape(s)) : typeof t });
    }
  });
  // Importances are mean squared gradients: finite and >= 0 (one read-back for all of them).
  const flags = tf.tidy(() => tf.stack((imp as Tensor[]).map((t) => tf.logicalAnd(tf.all(tf.isFinite(t)), tf.all(tf.greaterEqual(t, 0))))));
  const ok = Array.from(flags.dataSync());
  flags.dispose();
  const bad = ok.findIndex((v) => !v);
  if (bad >= 0) throw new LosskitError('NON_FINITE_INPUT', `importance ${bad} has a negative or non-finite entry`, { argument, expected: 'finite values >= 0 (squared gradients)', received: `a bad entry in tensor ${bad}` });
  return imp as Importances;
}

/**
 * The SSD update, in place on the model's Variables: for every parameter θ_k with `I_f,k > α·I_D,k`,
 * `θ_k ← β_k·θ_k` with `β_k = min(λ·I_D,k / I_f,k, 1)`; all other parameters are unchanged. Defaults α = 10, λ = 1
 * (the paper and its code, exponent 1, upper bound 1). Returns how many parameters were dampened and the total.
 * Note: with K balanced classes and class forgetting, `I_f/I_D` is at most about K (the forget set is 1/K of D),
 * so α must be below K to select anything; the paper's α = 10 targets data sets with many classes (CIFAR-100).
 *
 * @example dampenWeights(model, forgetImportance, globalImportance, { alpha: 10, lambda: 1 })
 * @see Foster et al., "Fast Machine Unlearning Without Retraining Through Selective Synaptic Dampening" (AAAI 2024).
 */
export function dampenWeights(model: ModelLike, forgetImportance: Importances, globalImportance: Importances, options: DampeningOptions = {}): { dampened: number; total: number } {
  options = optionsOf(options);
  const vars = modelVariables(model);
  const fi = checkImportances(vars, forgetImportance, 'forgetImportance');
  const gi = checkImportances(vars, globalImportance, 'globalImportance');
  const alpha = params.nonNegative('alpha', options.alpha ?? 10);
  const lambda = params.nonNegative('lambda', options.lambda ?? 1);
  let dampened = 0;
  let total = 0;
  vars.forEach((v, k) => {
    const { next, count } = tf.tidy(() => {
      const f = fi[k]!;
      const g = gi[k]!;
      const selected = tf.greater(f, tf.mul(g, alpha));
      // β = min(λ·g/f, 1); f > α·g ≥ 0 wherever selected, so f > 0 there.
      const beta = tf.minimum(tf.div(tf.mul(g, lambda), tf.where(selected, f, tf.onesLike(f))), 1);
      return { next: tf.where(selected, tf.mul(v, beta), v), count: tf.sum(tf.cast(selected, 'int32')) };
    });
    v.assign(next);
    next.dispose();
    dampened += count.dataSync()[0]!;
    count.dispose();
    total += v.size;
  });
  return { dampened, total };
}

/** Options of {@link selectiveSynapticDampening}. */
export interface SsdOptions extends DampeningOptions, FisherOptions {
  readonly model: ModelLike;
  /** The forget set D_f. */
  readonly forget: LabeledData;
  /** All training data D (forget and retain), for the global importance. */
  readonly data: LabeledData;
}

/**
 * Selective Synaptic Dampening: computes the diagonal Fisher importances on the forget set and on all training data,
 * then applies {@link dampenWeights} in place. No gradient steps, no retain-set training.
 * Defaults α = 10, λ = 1, per-sample Fisher.
 *
 * @example selectiveSynapticDampening({ model, forget, data: train, alpha: 10, lambda: 1 })
 * @see Foster, Schoepf, Brintrup, "Fast Machine Unlearning Without Retraining Through Selective Synaptic Dampening" (AAAI 2024).
 */
export function selectiveSynapticDampening(options: SsdOptions): { dampened: number; total: number } {
  if (!options || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'selectiveSynapticDampening needs an options object', { argument: 'options', expected: '{ model, forget, data, alpha?, lambda? }', received: options === null ? 'null' : typeof options });
  const o = options;
  params.nonNegative('alpha', o.alpha ?? 10);
  params.nonNegative('lambda', o.lambda ?? 1);
  const fisher: FisherOptions = { ...(o.loss ? { loss: o.loss } : {}), ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}) };
  const globalImp = fisherImportance(o.model, o.data, fisher);
  let forgetImp: Tensor[] = [];
  try {
    forgetImp = fisherImportance(o.model, o.forget, fisher);
    return dampenWeights(o.model, forgetImp, globalImp, o);
  } finally {
    globalImp.forEach((t) => t.dispose());
    forgetImp.forEach((t) => t.dispose());
  }
}
