import { formatShape, LosskitError, params, stopGradient } from '@losskit/core';
import { pseudoInverseSymmetric, rng } from '@losskit/core/math';
import type { GradientTransformation } from '@losskit/optimizers';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelLike } from './model.js';
import { type Objective, type ObjectiveTerm, objective, objectiveTerm, optionsOf } from './objective.js';
import { layerActivations } from './rmu.js';
import { tokenNll } from './sequence.js';
import { type UnlearnResult, unlearn } from './unlearn.js';

// ---------------------------------------------------------------------------------------------------------------------
// (a) Orthogonal LoRA on a dense layer
// ---------------------------------------------------------------------------------------------------------------------

/** The parts of a tfjs-layers layer the adapter reads. */
interface LayerLike {
  readonly name: string;
  getClassName(): string;
  getWeights(): Tensor[];
  apply(x: Tensor, kwargs?: { training?: boolean }): unknown;
  readonly activation?: { apply(t: Tensor): Tensor };
}

/** Options of {@link orthogonalLora}. */
export interface OrthogonalLoraOptions {
  /** The dense layer to adapt: an index into `model.layers` or a layer name. */
  readonly layer: number | string;
  /** LoRA rank r. Default 4. */
  readonly rank?: number;
  /** LoRA α; the update is scaled by α/r (peft). Default 2·rank. */
  readonly alpha?: number;
  /** Seed of the A initialisations (request t uses seed + t). Default 0. */
  readonly seed?: number;
}

/** One unlearning request's adapter: `ΔW = (α/r)·(B·A)ᵀ` in tfjs's `[in, out]` kernel layout. */
export interface LoraAdapter {
  /** `[r, in]`, initialised U(−1/√in, 1/√in) (peft's kaiming-uniform bound with a = √5). */
  readonly A: tf.Variable;
  /** `[out, r]`, initialised to zeros (the adapter starts as the identity). */
  readonly B: tf.Variable;
}

/**
 * A tfjs-layers model with orthogonal LoRA adapters on one dense layer (O3 / O-LoRA). It is a {@link ModelLike}: its
 * `trainableWeights` are the current request's `A` and `B` only (the base weights W and earlier adapters stay frozen),
 * and `apply(x)` runs the base model with the dense layer computing `act(x·W + b + (α/r)·Σ_t w_t·(x·A_tᵀ)·B_tᵀ)`.
 */
export interface OrthogonalLora extends ModelLike {
  /** The adapters, one per unlearning request, oldest first. */
  readonly adapters: readonly LoraAdapter[];
  /** Starts a new unlearning request: adds a fresh adapter (earlier ones are frozen) and returns its index. */
  addRequest(): number;
  /**
   * Forward pass with per-sample routing weights `w` `[N, T]` (T = number of adapters; O3 loads adapter t with weight
   * `w_t` from its OOD detector) or one weight per adapter `[T]`. `apply(x)` uses weight 1 for every adapter.
   */
  applyRouted(x: Tensor, weights: Tensor | readonly number[]): Tensor;
  /** {@link orthogonalLoraPenalty} of the current adapter's A against the earlier ones (0 for the first request). */
  penalty(): Scalar;
  /** Disposes the adapters (not the base model). */
  dispose(): void;
}

let loraCounter = 0;

function asSequentialLayers(model: unknown): LayerLike[] {
  const m = model as { layers?: unknown; apply?: unknown } | null;
  if (!m || typeof m !== 'object' || !Array.isArray(m.layers) || typeof m.apply !== 'function') {
    throw new LosskitError('INVALID_ARGUMENT', 'orthogonal LoRA adapts a dense layer of a tfjs-layers model', { argument: 'model', expected: 'a tf.Sequential (or a functional model whose layers form a chain)', received: m === null ? 'null' : typeof m });
  }
  return (m.layers as LayerLike[]).filter((l) => l.getClassName() !== 'InputLayer');
}

/**
 * O-LoRA / O3 orthogonality penalty between the current request's A matrix and those of earlier requests:
 * `P = Σ_{i<t} Σ_{j,k} |(A_t·A_iᵀ)_{jk}|` (O-LoRA's `torch.abs(torch.mm(A_new, A_old.T)).sum()`, which O3 adds to the
 * unlearning loss with weight 0.1). Shapes: `current` `[r, in]`, each of `previous` `[r_i, in]`; returns a scalar.
 * Differentiable in `current` (earlier A matrices are constants).
 *
 * @example const p = orthogonalLoraPenalty(A2, [A1]);
 * @see Gao, Wang, Ding, Weng, Wang, Zhu, "Practical Unlearning for Large Language Models" (O3, 2024; ICLR 2025 as "On Large Language Model Continual Unlearning"); Wang et al., "Orthogonal Subspace Learning for Language Model Continual Learning" (O-LoRA, 2023).
 */
export function orthogonalLoraPenalty(current: Tensor, previous: readonly Tensor[]): Scalar {
  if (!(current instanceof tf.Tensor) || current.rank !== 2) throw new LosskitError('SHAPE_MISMATCH', 'the current A must be a matrix', { argument: 'current', expected: '[r, in]', received: current instanceof tf.Tensor ? formatShape(current.shape) : typeof current });
  if (!Array.isArray(previous)) throw new LosskitError('INVALID_ARGUMENT', 'previous must be a list of A matrices', { argument: 'previous', expected: 'Tensor[] ([r_i, in] each)', received: typeof previous });
  previous.forEach((p, i) => {
    if (!(p instanceof tf.Tensor) || p.rank !== 2 || p.shape[1] !== current.shape[1]) {
      throw new LosskitError('SHAPE_MISMATCH', 'an earlier A has another input width', { argument: `previous[${i}]`, expected: `[r, ${current.shape[1]}]`, received: p instanceof tf.Tensor ? formatShape(p.shape) : typeof p });
    }
  });
  return tf.tidy(() => {
    let total: Tensor = tf.scalar(0);
    for (const p of previous) total = tf.add(total, tf.sum(tf.abs(tf.matMul(current, stopGradient(p), false, true))));
    return total as Scalar;
  });
}

/**
 * Wraps a trained tfjs-layers model with orthogonal low-rank adapters on one dense layer (O3's orthogonal LoRA, at small
 * scale): each unlearning request t trains its own `A_t` `[r, in]`, `B_t` `[out, r]` (W frozen, earlier adapters frozen)
 * and the layer computes `act(x·W + b + (α/r)·Σ_t w_t·(x·A_tᵀ)·B_tᵀ)`; train with {@link o3Unlearning} through
 * `unlearn()`, whose orthogonality penalty keeps `A_t` orthogonal to the earlier `A_i`. Call `addRequest()` before each
 * request. Errors: `INVALID_ARGUMENT` (not a layers model), `INVALID_PARAMETER` (no such dense layer, rank, alpha).
 *
 * @example const lora = orthogonalLora(model, { layer: 0, rank: 4 }); lora.addRequest(); await unlearn({ model: lora, forget: relabelForget(forget, { mode: 'random', numClasses: 4 }), objective: o3Unlearning({ lora }), optimizer: adam({ learningRate: 1e-2 }), steps: 60 });
 * @see Gao et al., "Practical Unlearning for Large Language Models" (O3, arXiv:2407.10223); authors' code GCYZSL/O3-LLM-UNLEARNING.
 */
export function orthogonalLora(model: ModelLike, options: OrthogonalLoraOptions): OrthogonalLora {
  const o = optionsOf(options, 'options') as OrthogonalLoraOptions;
  const layers = asSequentialLayers(model);
  if (o === undefined || (typeof o.layer !== 'number' && typeof o.layer !== 'string')) throw new LosskitError('INVALID_PARAMETER', 'orthogonal LoRA needs the dense layer to adapt', { argument: 'layer', expected: 'a layer index or name', received: String(o?.layer) });
  const index = typeof o.layer === 'number' ? o.layer : layers.findIndex((l) => l.name === o.layer);
  const target = Number.isInteger(index) ? layers[index] : undefined;
  if (target?.getClassName() !== 'Dense') {
    throw new LosskitError('INVALID_PARAMETER', 'no dense layer at that index or name', { argument: 'layer', expected: `one of ${layers.map((l, i) => `${i}:${l.name}(${l.getClassName()})`).join(', ')} that is Dense`, received: String(o.layer) });
  }
  const rank = params.positiveInteger('rank', o.rank ?? 4);
  const alpha = params.positive('alpha', o.alpha ?? 2 * rank);
  const seed = params.finite('seed', o.seed ?? 0);
  const [kernel, bias] = target.getWeights();
  const [inDim, outDim] = kernel!.shape as [number, number];
  const scale = alpha / rank;
  const adapters: LoraAdapter[] = [];
  const id = loraCounter++;

  const run = (x: Tensor, weights: Tensor | undefined, training: boolean): Tensor =>
    tf.tidy(() => {
      let h = x;
      for (let i = 0; i < layers.length; i++) {
        const layer = layers[i]!;
        if (i !== index) {
          const out = layer.apply(h, { training });
          h = Array.isArray(out) ? (out[0] as Tensor) : (out as Tensor);
          continue;
        }
        const lead = h.shape.slice(0, -1);
        const flat = tf.reshape(h, [-1, inDim]);
        let z: Tensor = tf.matMul(flat, kernel!);
        if (bias) z = tf.add(z, bias);
        adapters.forEach((a, t) => {
          let delta: Tensor = tf.mul(tf.matMul(tf.matMul(flat, a.A, false, true), a.B, false, true), scale);
          if (weights) delta = tf.mul(delta, weights.rank === 1 ? tf.slice(weights, [t], [1]) : tf.slice(weights, [0, t], [-1, 1]));
          z = tf.add(z, delta);
        });
        z = target.activation ? target.activation.apply(z) : z;
        h = tf.reshape(z, [...lead, outDim]);
      }
      return h;
    });

  const lora: OrthogonalLora = {
    get adapters() {
      return adapters.slice();
    },
    get trainableWeights() {
      const a = adapters.at(-1);
      return a ? [{ read: () => a.A }, { read: () => a.B }] : [];
    },
    ...(model.inputs ? { inputs: model.inputs } : {}),
    addRequest() {
      const t = adapters.length;
      const u = rng(seed + t);
      const bound = 1 / Math.sqrt(inDim);
      const a = Array.from({ length: rank * inDim }, () => (2 * u() - 1) * bound);
      // tf.variable keeps its own reference to the data: the initial tensors are disposed by the tidy.
      adapters.push(tf.tidy(() => ({ A: tf.variable(tf.tensor2d(a, [rank, inDim]), true, `o3_lora${id}_A${t}`), B: tf.variable(tf.zeros([outDim, rank]), true, `o3_lora${id}_B${t}`) })));
      return t;
    },
    apply(x: Tensor, kwargs?: { training?: boolean }) {
      return run(x, undefined, kwargs?.training ?? false);
    },
    applyRouted(x: Tensor, weights: Tensor | readonly number[]) {
      const T = adapters.length;
      const w = weights instanceof tf.Tensor ? weights : tf.tensor1d(Array.from(weights as readonly number[]));
      try {
        const ok = (w.rank === 1 && w.shape[0] === T) || (w.rank === 2 && w.shape[0] === x.shape[0] && w.shape[1] === T);
        if (!ok) throw new LosskitError('SHAPE_MISMATCH', 'routing weights need one weight per adapter (per sample)', { argument: 'weights', expected: `[${T}] or [${x.shape[0]}, ${T}]`, received: formatShape(w.shape) });
        return run(x, w, false);
      } finally {
        if (w !== weights) w.dispose();
      }
    },
    penalty() {
      const cur = adapters.at(-1);
      if (!cur) return tf.scalar(0);
      return orthogonalLoraPenalty(cur.A, adapters.slice(0, -1).map((a) => a.A));
    },
    dispose() {
      adapters.forEach((a) => tf.dispose([a.A, a.B]));
      adapters.length = 0;
    },
  };
  return lora;
}

/** Options of {@link o3Unlearning}. */
export interface O3UnlearningOptions {
  /** The adapted model (also passed as `unlearn`'s `model`). */
  readonly lora: OrthogonalLora;
  /** Weight λ of the orthogonality penalty. Default 0.1 (the authors' `orthogonal_loss_weight`). */
  readonly lambda?: number;
}

/**
 * O3's unlearning objective for one request: the mean cross-entropy of the forget batch under its (relabelled) targets
 * plus λ times the orthogonality penalty of the current adapter, `L = mean_forget CE(z, ỹ) + λ·Σ_{i<t} Σ|A_t A_iᵀ|`.
 * O3 fine-tunes the adapter on the forget data with random labels ("random_force" data, no retain data): pass
 * `relabelForget(forget, { mode: 'random', numClasses })` as `unlearn`'s `forget`. Needs no retain set.
 *
 * @example await unlearn({ model: lora, forget: relabelForget(forget, { mode: 'random', numClasses: 4, seed: 1 }), objective: o3Unlearning({ lora, lambda: 0.1 }), optimizer: adam({ learningRate: 1e-2 }), steps: 60 })
 * @see Gao et al., "Practical Unlearning for Large Language Models" (O3, arXiv:2407.10223), `train_unlearn_lora_o.py`.
 */
export function o3Unlearning(options: O3UnlearningOptions): Objective {
  const o = optionsOf(options, 'options') as O3UnlearningOptions;
  if (!o?.lora || typeof (o.lora as OrthogonalLora).penalty !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'o3Unlearning needs the orthogonal LoRA model', { argument: 'lora', expected: 'the result of orthogonalLora(model, ...)', received: typeof o?.lora });
  const lambda = params.nonNegative('lambda', o.lambda ?? 0.1);
  const term: ObjectiveTerm = objectiveTerm({
    name: `o3(λ=${lambda})`,
    level: 'any',
    needsReference: false,
    value: (b) => tf.tidy(() => tf.add(tf.mean(tokenNll(b.forward(b.x), b.y)), tf.mul(o.lora.penalty(), lambda)) as Scalar),
  });
  return objective({ name: 'o3', forget: term });
}

// ---------------------------------------------------------------------------------------------------------------------
// (b) Contrastive entropy loss of the OOD detector
// ---------------------------------------------------------------------------------------------------------------------

function asList(t: Tensor | readonly Tensor[], argument: string): Tensor[] {
  const list = t instanceof tf.Tensor ? [t] : Array.isArray(t) ? (t as Tensor[]) : undefined;
  if (!list || list.length === 0 || list.some((x) => !(x instanceof tf.Tensor) || x.rank !== 2)) {
    throw new LosskitError('SHAPE_MISMATCH', 'features must be matrices, one per layer', { argument, expected: '[N, d] or a non-empty list of [N, d_l]', received: list ? list.map((x) => (x instanceof tf.Tensor ? formatShape(x.shape) : typeof x)).join(', ') || 'an empty list' : typeof t });
  }
  return list;
}

/**
 * O3's contrastive entropy loss for training the OOD detector: for every layer l, the similarity matrix
 * `S = Q_l K_lᵀ` between the batch's query features Q `[N, d_l]` (the trainable encoder on augmented inputs) and key
 * features K `[N, d_l]` (the frozen encoder on the clean inputs; no gradient), row-wise `P = softmax(S)` and the mean
 * row entropy `H(P_n) = −Σ_j P_nj log(P_nj + 1e−5)`, summed over the layers: `L = Σ_l mean_n H(softmax(Q_l K_lᵀ)_n)`.
 * Minimising it makes each sample's features pick out one key (its own view) with confidence. Dot products are not
 * normalised (the authors' `RobertaForSelector.forward`). Returns a scalar; differentiable in the queries.
 *
 * @example const loss = contrastiveEntropyLoss([q1, q2], [k1, k2]);
 * @see Gao et al., "Practical Unlearning for Large Language Models" (O3, arXiv:2407.10223), `src/ood_model_selector.py`.
 */
export function contrastiveEntropyLoss(query: Tensor | readonly Tensor[], key: Tensor | readonly Tensor[]): Scalar {
  const q = asList(query, 'query');
  const k = asList(key, 'key');
  if (q.length !== k.length) throw new LosskitError('SHAPE_MISMATCH', 'one key matrix per query matrix', { argument: 'key', expected: `${q.length} matrices`, received: `${k.length}` });
  q.forEach((qi, i) => {
    if (qi.shape[1] !== k[i]!.shape[1]) throw new LosskitError('SHAPE_MISMATCH', 'query and key features of a layer need the same width', { argument: `key[${i}]`, expected: `[M, ${qi.shape[1]}]`, received: formatShape(k[i]!.shape) });
  });
  return tf.tidy(() => {
    let total: Tensor = tf.scalar(0);
    q.forEach((qi, i) => {
      const p = tf.softmax(tf.matMul(qi, stopGradient(k[i]!), false, true));
      total = tf.add(total, tf.mean(tf.neg(tf.sum(tf.mul(p, tf.log(tf.add(p, 1e-5))), -1))));
    });
    return total as Scalar;
  });
}

/** Options of {@link o3DetectorObjective} and {@link trainO3Detector}. */
export interface O3DetectorOptions {
  /** The encoder layers whose activations are the detector's features (indices into `model.layers` or names). */
  readonly layers: readonly (number | string)[];
  /** Fraction of input features zeroed in the query view (the authors mask tokens, MLM-style). Default 0.15. */
  readonly maskRate?: number;
  /** Seed of the masks. Default 0. */
  readonly seed?: number;
}

function checkLayers(layers: unknown): readonly (number | string)[] {
  if (!Array.isArray(layers) || layers.length === 0 || layers.some((l) => typeof l !== 'number' && typeof l !== 'string')) {
    throw new LosskitError('INVALID_PARAMETER', 'the detector needs the layers to read', { argument: 'layers', expected: 'a non-empty list of layer indices or names', received: Array.isArray(layers) ? `[${layers.map(String).join(', ')}]` : typeof layers });
  }
  return layers as (number | string)[];
}

/**
 * The O3 detector-training objective, for `unlearn({ model: encoder, forget: { x, y }, objective })` (labels unused):
 * the {@link contrastiveEntropyLoss} between the encoder's layer activations on a randomly masked view of the batch and
 * those of the encoder as it was before the first step (the frozen key encoder) on the clean batch, computed once.
 *
 * @example await unlearn({ model: encoder, forget: { x: forgetX, y: zeros }, objective: o3DetectorObjective({ layers: [0, 1] }), optimizer: adam({ learningRate: 1e-3 }), steps: 100 })
 * @see Gao et al., "Practical Unlearning for Large Language Models" (O3, arXiv:2407.10223).
 */
export function o3DetectorObjective(options: O3DetectorOptions): Objective {
  const o = optionsOf(options, 'options') as O3DetectorOptions;
  if (!o) throw new LosskitError('INVALID_ARGUMENT', 'o3DetectorObjective needs options with the layers', { argument: 'options', expected: '{ layers }' });
  const layers = checkLayers(o.layers);
  const rate = params.unitInterval('maskRate', o.maskRate ?? 0.15);
  const seed = params.finite('seed', o.seed ?? 0);
  let calls = 0;
  const term = objectiveTerm({
    name: `o3Detector(layers=${layers.join(',')})`,
    level: 'any',
    needsReference: false,
    prepare: (s) => {
      const out: Record<string, Tensor> = {};
      layers.forEach((l, i) => {
        out[`o3Key${i}`] = tf.tidy(() => layerActivations(s.model, l, s.x));
      });
      return out;
    },
    value: (b) =>
      tf.tidy(() => {
        const keep = tf.cast(tf.greaterEqual(tf.randomUniform(b.x.shape, 0, 1, 'float32', seed * 7919 + calls++), rate), b.x.dtype);
        const xq = tf.mul(b.x, keep);
        const q = layers.map((l) => layerActivations(b.model, l, xq));
        const k = layers.map((_, i) => b.inputs[`o3Key${i}`]!);
        return contrastiveEntropyLoss(q, k);
      }),
  });
  return objective({ name: 'o3Detector', forget: term });
}

/**
 * Trains an O3 OOD-detector encoder (a tfjs-layers model) on the unlearning data with the contrastive entropy loss, through
 * `unlearn()` ({@link o3DetectorObjective}; the encoder before training is the frozen key encoder).
 *
 * @example await trainO3Detector({ encoder, x: forget.x, layers: [0, 1], optimizer: adam({ learningRate: 1e-3 }), steps: 100 });
 */
export async function trainO3Detector<S>(options: O3DetectorOptions & { readonly encoder: ModelLike; readonly x: Tensor; readonly optimizer: GradientTransformation<S>; readonly steps: number; readonly batchSize?: number }): Promise<UnlearnResult> {
  const o = optionsOf(options, 'options');
  if (!o || !(o.x instanceof tf.Tensor)) throw new LosskitError('INVALID_ARGUMENT', 'trainO3Detector needs the unlearning inputs as a tensor', { argument: 'x', expected: 'a tensor [N, ...]', received: typeof o?.x });
  const obj = o3DetectorObjective(o);
  const y = tf.zeros([o.x.shape[0] ?? 0], 'int32');
  try {
    return await unlearn({ model: o.encoder, forget: { x: o.x, y }, objective: obj, optimizer: o.optimizer, steps: o.steps, ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) });
  } finally {
    y.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// (c) Local-global layer-aggregated OOD score
// ---------------------------------------------------------------------------------------------------------------------

/** Options of {@link fitO3Scorer}. */
export interface O3ScorerOptions {
  /** Weight λ of the local (cosine) term. Default 1000 (the authors' `-cs_score * 1000.`). */
  readonly cosineWeight?: number;
  /** ν of the one-class SVM that aggregates the layer scores. Default 0.1 (the authors' `OneClassSVM(nu=0.1, kernel='linear')`). */
  readonly nu?: number;
}

/** A fitted O3 scorer: per-layer local-global scores and their one-class-SVM aggregation. */
export interface O3Scorer {
  /** Per-layer scores `[N][L]`: `s_l(f) = λ·max_j cos(f, f_j^forget) − ½(f − μ_l)ᵀ Σ_l⁺ (f − μ_l)`. */
  layerScores(features: readonly Tensor[]): number[][];
  /** The aggregated score `w·s(f)` (the SVM's `score_samples`); higher = more like the unlearning data. */
  score(features: readonly Tensor[]): Float64Array;
  /** Routing weights: 1 where `w·s(f) ≥ ρ` (the SVM's decision function is non-negative: route through the adapter), else 0. */
  route(features: readonly Tensor[]): Float64Array;
  /** The SVM weight vector w `[L]` and offset ρ. */
  readonly w: Float64Array;
  readonly rho: number;
}

function readRows(t: Tensor, argument: string, width?: number): { rows: Float64Array[]; d: number } {
  if (!(t instanceof tf.Tensor) || t.rank !== 2 || t.shape[0] === 0) throw new LosskitError('SHAPE_MISMATCH', 'features must be a non-empty matrix', { argument, expected: width ? `[N, ${width}]` : '[N, d]', received: t instanceof tf.Tensor ? formatShape(t.shape) : typeof t });
  const [n, d] = t.shape as [number, number];
  if (width !== undefined && d !== width) throw new LosskitError('SHAPE_MISMATCH', 'features have another width than at fit time', { argument, expected: `[N, ${width}]`, received: formatShape(t.shape) });
  const v = t.dataSync();
  const rows = Array.from({ length: n }, (_, i) => Float64Array.from(v.subarray(i * d, (i + 1) * d)));
  rows.forEach((r, i) => {
    const j = r.findIndex((x) => !Number.isFinite(x));
    if (j >= 0) throw new LosskitError('NON_FINITE_INPUT', 'features contain a non-finite value', { argument, expected: 'finite numbers', received: `${r[j]} at row ${i}, column ${j}` });
  });
  return { rows, d };
}

const unit = (r: Float64Array): Float64Array => {
  const n = Math.hypot(...r);
  return n > 0 ? r.map((x) => x / n) : r.slice();
};

/**
 * Linear one-class SVM (Schölkopf et al. 2001, the dual `min ½αᵀKα` s.t. `0 ≤ α_i ≤ 1/(νn)`, `Σα_i = 1`, K = S Sᵀ) by
 * SMO on the most violating pair, in float64. Returns `w = Σ α_i s_i` and ρ (mean of `w·s_i` over the free vectors).
 * @internal
 */
export function oneClassSvmLinear(s: readonly Float64Array[], nu: number, tol = 1e-10, maxIter = 100000): { w: Float64Array; rho: number; alpha: Float64Array } {
  const n = s.length;
  const L = s[0]!.length;
  const C = 1 / (nu * n);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((acc, x, i) => acc + x * b[i]!, 0);
  // Feasible start (libsvm's): the first ⌊νn⌋ at C, the rest of the mass on the next one.
  const alpha = new Float64Array(n);
  let mass = 1;
  for (let i = 0; i < n && mass > 0; i++) {
    alpha[i] = Math.min(C, mass);
    mass -= alpha[i]!;
  }
  const w = new Float64Array(L);
  s.forEach((si, i) => si.forEach((x, k) => (w[k]! += alpha[i]! * x)));
  const g = new Float64Array(n);
  const refresh = () => s.forEach((si, i) => (g[i] = dot(si, w)));
  refresh();
  for (let it = 0; it < maxIter; it++) {
    // Moving mass from j to i changes the objective by δ(g_i − g_j) + ½δ²‖s_i − s_j‖².
    let i = -1;
    let j = -1;
    for (let k = 0; k < n; k++) {
      if (alpha[k]! < C - 1e-15 && (i < 0 || g[k]! < g[i]!)) i = k;
      if (alpha[k]! > 1e-15 && (j < 0 || g[k]! > g[j]!)) j = k;
    }
    if (i < 0 || j < 0 || g[j]! - g[i]! <= tol * Math.max(1, Math.abs(g[j]!))) break;
    const diff = s[i]!.map((x, k) => x - s[j]![k]!);
    const q = dot(diff, diff);
    let delta = q > 0 ? (g[j]! - g[i]!) / q : Number.POSITIVE_INFINITY;
    delta = Math.min(delta, C - alpha[i]!, alpha[j]!);
    alpha[i]! += delta;
    alpha[j]! -= delta;
    diff.forEach((x, k) => (w[k]! += delta * x));
    if (it % 50 === 49) refresh();
    else s.forEach((sk, k) => (g[k]! += delta * dot(sk, diff)));
  }
  refresh();
  const free = [...alpha.keys()].filter((k) => alpha[k]! > 1e-12 && alpha[k]! < C - 1e-12);
  let rho: number;
  if (free.length > 0) rho = free.reduce((a, k) => a + g[k]!, 0) / free.length;
  else {
    const lo = Math.max(...[...alpha.keys()].filter((k) => alpha[k]! >= C - 1e-12).map((k) => g[k]!), Number.NEGATIVE_INFINITY);
    const hi = Math.min(...[...alpha.keys()].filter((k) => alpha[k]! <= 1e-12).map((k) => g[k]!), Number.POSITIVE_INFINITY);
    rho = Number.isFinite(lo) && Number.isFinite(hi) ? (lo + hi) / 2 : Number.isFinite(lo) ? lo : hi;
  }
  return { w, rho, alpha };
}

/**
 * Fits O3's local-global layer-aggregated scorer on the unlearning data's features (one `[N, d_l]` matrix per detector
 * layer, e.g. from `layerActivations`). Per layer l it keeps the mean μ_l, the pseudo-inverse Σ_l⁺ of the empirical
 * covariance (global term) and the normalised features (local term); a sample's layer score is
 * `s_l(f) = λ·max_j cos(f, f_j) − ½(f − μ_l)ᵀ Σ_l⁺ (f − μ_l)` (λ = 1000), and the layer scores of the unlearning data
 * fit a linear one-class SVM (ν = 0.1) whose `w·s` is the aggregated score; inputs with `w·s ≥ ρ` are routed through the
 * unlearning adapter. The SVM is fitted on the unlearning data's scores with each sample left out of its own cosine term
 * (with itself in the bank every training sample has cos = 1 and ρ would exceed every unseen forget-like input; the
 * authors instead map the score to a load weight through a two-Gaussian fit of training and held-out scores). Sign: the authors' code adds `−λ·cos` and afterwards keeps whichever sign of the SVM score gives
 * the better detection on a labelled OOD set; here both terms grow with similarity to the unlearning data, so no labelled
 * OOD data are needed. Float64 on the host. Errors: `SHAPE_MISMATCH`, `NON_FINITE_INPUT`, `INVALID_PARAMETER`.
 *
 * @example const scorer = fitO3Scorer([0, 1].map((l) => layerActivations(encoder, l, forget.x))); const s = scorer.score(features);
 * @see Gao et al., "Practical Unlearning for Large Language Models" (O3, arXiv:2407.10223), `get_unsup_Mah_score`, `run_ood.py` (OCSVM).
 */
export function fitO3Scorer(features: readonly Tensor[], options: O3ScorerOptions = {}): O3Scorer {
  const o = optionsOf(options, 'options');
  const lambda = params.nonNegative('cosineWeight', o.cosineWeight ?? 1000);
  const nu = params.closedUnitInterval('nu', o.nu ?? 0.1);
  if (nu <= 0) throw new LosskitError('INVALID_PARAMETER', 'ν must be positive', { argument: 'nu', expected: 'a number in (0, 1]', received: String(nu) });
  const list = asList(features, 'features');
  const n = list[0]!.shape[0]!;
  const stats = list.map((t, l) => {
    if (t.shape[0] !== n) throw new LosskitError('SHAPE_MISMATCH', 'every layer needs the same samples', { argument: `features[${l}]`, expected: `[${n}, d]`, received: formatShape(t.shape) });
    const { rows, d } = readRows(t, `features[${l}]`);
    const mu = new Float64Array(d);
    rows.forEach((r) => r.forEach((x, k) => (mu[k]! += x / n)));
    const cov = new Float64Array(d * d);
    rows.forEach((r) => {
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b]! += ((r[a]! - mu[a]!) * (r[b]! - mu[b]!)) / n;
    });
    return { d, mu, prec: pseudoInverseSymmetric(cov, d).inverse, bank: rows.map(unit) };
  });
  const layerScoresOf = (tensors: readonly Tensor[], leaveOneOut = false): number[][] => {
    const ls = asList(tensors, 'features');
    if (ls.length !== stats.length) throw new LosskitError('SHAPE_MISMATCH', 'one feature matrix per detector layer', { argument: 'features', expected: `${stats.length} matrices`, received: `${ls.length}` });
    const m = ls[0]!.shape[0]!;
    const out = Array.from({ length: m }, () => new Array<number>(stats.length).fill(0));
    ls.forEach((t, l) => {
      const st = stats[l]!;
      if (t.shape[0] !== m) throw new LosskitError('SHAPE_MISMATCH', 'every layer needs the same samples', { argument: `features[${l}]`, expected: `[${m}, ${st.d}]`, received: formatShape(t.shape) });
      const { rows } = readRows(t, `features[${l}]`, st.d);
      rows.forEach((r, i) => {
        const z = r.map((x, k) => x - st.mu[k]!);
        let maha = 0;
        for (let a = 0; a < st.d; a++) for (let b = 0; b < st.d; b++) maha += z[a]! * st.prec[a * st.d + b]! * z[b]!;
        const f = unit(r);
        let cs = Number.NEGATIVE_INFINITY;
        st.bank.forEach((e, j) => {
          if (!leaveOneOut || j !== i) cs = Math.max(cs, f.reduce((acc, x, k) => acc + x * e[k]!, 0));
        });
        if (cs === Number.NEGATIVE_INFINITY) cs = 1;
        out[i]![l] = lambda * cs - 0.5 * maha;
      });
    });
    return out;
  };
  // The unlearning data's own scores leave each sample out of its local (cosine) term: with itself in the bank every
  // training sample has cos = 1, and ρ would sit above every unseen forget-like input.
  const train = layerScoresOf(list, n > 1).map((r) => Float64Array.from(r));
  const { w, rho } = oneClassSvmLinear(train, nu);
  const score = (t: readonly Tensor[]) => Float64Array.from(layerScoresOf(t), (r) => r.reduce((a, x, k) => a + x * w[k]!, 0));
  return Object.freeze({ w, rho, layerScores: layerScoresOf, score, route: (t: readonly Tensor[]) => score(t).map((v) => (v >= rho ? 1 : 0)) });
}
