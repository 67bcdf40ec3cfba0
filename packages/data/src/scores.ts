/**
 * Per-example difficulty scores and score-based pruning from "Deep Learning on a Data Diet: Finding Important Examples
 * Early in Training" (Paul, Ganguli & Dziugaite, NeurIPS 2021): EL2N, the L2 norm of the error vector, and GraNd, the
 * norm of the per-example loss gradient; both are averaged over a few independent early-training runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, ce, cleanTapeOnError, compile, params, prob, yTrue, type CompiledLoss, type TensorLike } from '@losskit/core';
import { fraction, readOptions, readValues, seeded, shuffled } from './input.js';
import { forward, liveRows, predictLogits, variablesOf, type ModelLike } from './model.js';

/** `Σ_j (p_j − y_j)²` per sample, a DSL expression: EL2N² (its square root is EL2N). */
export const el2nSquared = () => prob().minus(yTrue()).pow(2).sum();

/** Options of {@link el2nScores}. */
export interface El2nOptions {
  /** What the predictions hold. Default `logits`. */
  readonly from?: 'logits' | 'probs';
}

/**
 * EL2N score of each example: `‖softmax(f(x)) − onehot(y)‖₂` (mansheej/data_diet `scores.py`, `get_lord_error_fn` with
 * ord 2). Computed as the square root of `compile(el2nSquared()).perSample(y, z)`, so it accepts what any compiled loss
 * accepts: logits or probabilities `[N, C]`, integer labels `[N]` or one-hot / soft targets `[N, C]`, tensors or arrays.
 * Returns host numbers `[N]`.
 * @example el2nScores([[2, 0, -1], [0.1, 0.2, 0.3]], [0, 2])
 */
export function el2nScores(predictions: TensorLike, labels: TensorLike, options?: El2nOptions): number[] {
  const o = readOptions(options);
  const from = o.from ?? 'logits';
  if (from !== 'logits' && from !== 'probs') throw new LosskitError('INVALID_ARGUMENT', 'unknown prediction kind', { argument: 'from', expected: "'logits' or 'probs'", received: String(from) });
  const t = (from === 'probs' ? compile(el2nSquared(), { from: 'probs' }) : compile(el2nSquared())).perSample(labels, predictions);
  const v = Array.from(t.dataSync(), (s) => Math.sqrt(Math.max(0, s)));
  t.dispose();
  return v;
}

/** EL2N of a model's predictions on `x` (batched forward pass, logits). */
export function el2nScoresOf(model: ModelLike, x: Tensor, labels: TensorLike, options?: { readonly batchSize?: number }): number[] {
  const z = predictLogits(model, x, readOptions(options).batchSize ?? 512);
  try {
    return el2nScores(z, labels);
  } finally {
    z.dispose();
  }
}

/** Options of {@link grandScores}. */
export interface GrandOptions {
  /** Per-sample loss (default `compile(ce())`: logits, integer labels or one-hot targets). */
  readonly loss?: CompiledLoss;
  /** Examples per backward pass. Default 128. */
  readonly batchSize?: number;
  /**
   * `auto` (default): the per-layer closed form when every layer is a tfjs-layers `Dense`, else the loop; `dense`: the
   * closed form (throws for other layers); `loop`: one backward pass per example (any model, exact, slow).
   */
  readonly method?: 'auto' | 'dense' | 'loop';
}

interface DenseLayer {
  getClassName(): string;
  kernel: { read(): Tensor };
  bias?: { read(): Tensor } | null;
  useBias?: boolean;
  activation: { apply(x: Tensor): Tensor };
}

function denseLayers(model: ModelLike): DenseLayer[] | undefined {
  const layers = (model.layers ?? []) as unknown[];
  const out: DenseLayer[] = [];
  for (const l of layers) {
    const name = typeof (l as { getClassName?: unknown }).getClassName === 'function' ? (l as DenseLayer).getClassName() : '';
    if (name === 'InputLayer') continue;
    if (name !== 'Dense') return undefined;
    out.push(l as DenseLayer);
  }
  if (out.length === 0) return undefined;
  // The closed form needs the model's trainable weights to be exactly these kernels and biases.
  const n = out.reduce((s, l) => s + 1 + (l.useBias !== false && l.bias ? 1 : 0), 0);
  return n === model.trainableWeights.length ? out : undefined;
}

/**
 * GraNd score of each example: `‖∇_θ ℓ(f_θ(x), y)‖₂` over all trainable parameters (mansheej/data_diet `scores.py`,
 * `get_grad_norm_fn`, with the library's per-sample loss, cross-entropy by default). Shapes: `x [N, ...]`, labels `[N]`
 * or targets `[N, C]`; returns host numbers `[N]`.
 *
 * Efficiency: for a stack of tfjs-layers `Dense` layers the per-example gradient of layer l is the outer product
 * `a_{l−1,i} δ_{l,i}ᵀ` of its input activation and the loss gradient at its pre-activation (plus `δ_{l,i}` for the bias),
 * so `‖g_i‖² = Σ_l (‖a_{l−1,i}‖² + 1)‖δ_{l,i}‖²` (Goodfellow, "Efficient Per-Example Gradient Computations", 2015).
 * One forward and one backward pass of the summed batch loss give every `δ_{l,i}` at once (samples do not interact),
 * vectorised over the batch, instead of N backward passes; the README reports the measured speed-up. Other models fall
 * back to one `tf.variableGrads` per example.
 * @example grandScores(model, x, labels)
 */
export function grandScores(model: ModelLike, x: Tensor, labels: TensorLike, options?: GrandOptions): number[] {
  const o = readOptions(options);
  const vars = variablesOf(model);
  const loss = o.loss ?? compile(ce());
  const bs = params.positiveInteger('batchSize', o.batchSize ?? 128);
  const method = o.method ?? 'auto';
  if (!['auto', 'dense', 'loop'].includes(method)) throw new LosskitError('INVALID_ARGUMENT', 'unknown method', { argument: 'method', expected: "'auto' | 'dense' | 'loop'", received: String(method) });
  const n = liveRows(x);
  const y = labels instanceof tf.Tensor ? labels : tf.tensor(labels as never);
  try {
    if (y.shape[0] !== n) throw new LosskitError('SHAPE_MISMATCH', 'one label per example', { argument: 'labels', expected: `${n} rows`, received: `[${y.shape.join(', ')}]` });
    const dense = method === 'loop' ? undefined : denseLayers(model);
    if (method === 'dense' && !dense) throw new LosskitError('INVALID_ARGUMENT', "method 'dense' needs a stack of Dense layers", { argument: 'model', expected: 'tfjs-layers Dense layers only (or method: auto / loop)' });
    const out: number[] = [];
    for (let i = 0; i < n; i += bs) {
      const m = Math.min(bs, n - i);
      const xb = tf.slice(x, i, m);
      const yb = tf.slice(y, i, m);
      try {
        out.push(...(dense ? denseNorms(dense, xb, yb, loss) : loopNorms(model, vars, xb, yb, loss)));
      } finally {
        xb.dispose();
        yb.dispose();
      }
    }
    return out;
  } finally {
    if (y !== labels) y.dispose();
  }
}

function denseNorms(layers: DenseLayer[], x: Tensor, y: Tensor, loss: CompiledLoss): number[] {
  return tf.tidy(() => {
    const B = x.shape[0]!;
    const input = x.rank === 2 ? x : tf.reshape(x, [B, -1]);
    // Input activation of every layer (no gradient needed).
    const acts: Tensor[] = [input];
    let a: Tensor = input;
    for (const l of layers.slice(0, -1)) {
      a = l.activation.apply(addBias(tf.matMul(a, l.kernel.read()), l));
      acts.push(a);
    }
    const eps = layers.map((l) => tf.zeros([B, l.kernel.read().shape[1]!]));
    const f = (...e: Tensor[]) => {
      let h: Tensor = input;
      layers.forEach((l, k) => {
        h = l.activation.apply(tf.add(addBias(tf.matMul(h, l.kernel.read()), l), e[k]!));
      });
      return tf.sum(loss.perSample(y, h)) as tf.Scalar;
    };
    const deltas = cleanTapeOnError(() => tf.grads(f)(eps));
    let sq: Tensor = tf.zeros([B]);
    layers.forEach((l, k) => {
      const d2 = tf.sum(tf.square(deltas[k]!), 1);
      const a2 = tf.sum(tf.square(acts[k]!), 1);
      sq = tf.add(sq, tf.mul(d2, l.useBias !== false && l.bias ? tf.add(a2, 1) : a2));
    });
    return Array.from(tf.sqrt(sq).dataSync());
  });
}

function addBias(z: Tensor, l: DenseLayer): Tensor {
  return l.useBias !== false && l.bias ? tf.add(z, l.bias.read()) : z;
}

function loopNorms(model: ModelLike, vars: tf.Variable[], x: Tensor, y: Tensor, loss: CompiledLoss): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.shape[0]!; i++) {
    out.push(
      tf.tidy(() => {
        const xi = tf.slice(x, i, 1);
        const yi = tf.slice(y, i, 1);
        const { grads, value } = cleanTapeOnError(() => tf.variableGrads(() => tf.sum(loss.perSample(yi, forward(model, xi))) as tf.Scalar, vars));
        value.dispose();
        let s = 0;
        for (const g of Object.values(grads)) s += tf.sum(tf.square(g)).dataSync()[0]!;
        return Math.sqrt(s);
      }),
    );
  }
  return out;
}

/** Mean score of each example over runs `[runs][N]` (the paper averages EL2N / GraNd over independent runs). */
export function averageScores(runs: readonly (readonly number[])[]): number[] {
  if (!Array.isArray(runs) || runs.length === 0) throw new LosskitError('EMPTY_BATCH', 'no runs', { argument: 'runs', expected: 'scores [runs][N] with at least one run', received: Array.isArray(runs) ? 'an empty array' : typeof runs });
  const first = readValues(runs[0] as number[], 'runs[0]');
  const total = [...first];
  for (let r = 1; r < runs.length; r++) readValues(runs[r] as number[], `runs[${r}]`, first.length).forEach((v, i) => (total[i]! += v));
  return total.map((v) => v / runs.length);
}

/** Options of {@link pruneByScore}. */
export interface PruneOptions {
  /** Fraction of the examples to remove, in [0, 1). */
  readonly fraction: number;
  /**
   * `easiest` (default, the paper's choice): remove the lowest scores, keep the hardest; `hardest`: remove the highest.
   */
  readonly remove?: 'easiest' | 'hardest';
  /** Also skip this many of the very highest-scoring examples (the paper's offset for noisy hardest examples). Default 0. */
  readonly offset?: number;
}

/**
 * Indices kept after score-based pruning: sort by score, drop `⌊fraction·N⌋` from the easy end (or the hard end) and the
 * `offset` highest. Ties are broken by index, so the result is deterministic. Returns ascending indices.
 * @example pruneByScore([0.1, 0.9, 0.5, 0.3], { fraction: 0.5 }) // [1, 2]
 */
export function pruneByScore(scores: TensorLike, options: PruneOptions): number[] {
  const s = readValues(scores, 'scores');
  const o = readOptions(options);
  const f = fraction('fraction', o.fraction);
  if (f >= 1) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'fraction', expected: 'a number in [0, 1)', received: String(f) });
  const offset = o.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'offset', expected: 'an integer >= 0', received: String(offset) });
  const remove = o.remove ?? 'easiest';
  if (remove !== 'easiest' && remove !== 'hardest') throw new LosskitError('INVALID_ARGUMENT', 'unknown side', { argument: 'remove', expected: "'easiest' or 'hardest'", received: String(remove) });
  const order = s.map((_, i) => i).sort((a, b) => s[a]! - s[b]! || a - b); // ascending score
  const drop = Math.floor(f * s.length);
  const kept = remove === 'easiest' ? order.slice(drop, order.length - offset) : order.slice(0, Math.max(0, order.length - drop - offset));
  return kept.sort((a, b) => a - b);
}

/** The random-pruning baseline: keep a seeded random `N − ⌊fraction·N⌋` of 0..N−1 (ascending). */
export function randomPrune(n: number, options: { readonly fraction: number; readonly seed?: number }): number[] {
  params.positiveInteger('n', n);
  const o = readOptions(options);
  const f = fraction('fraction', o.fraction);
  const keep = n - Math.floor(f * n);
  return shuffled(Array.from({ length: n }, (_, i) => i), seeded(o.seed)).slice(0, keep).sort((a, b) => a - b);
}
