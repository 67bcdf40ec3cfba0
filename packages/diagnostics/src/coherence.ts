import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type CompiledLoss, LosskitError, type TensorLike, ce, cleanTapeOnError, compile, formatShape, toTensor } from '@losskit/core';
import { checkInteger, readOptions } from './input.js';
import { type ModelLike, checkBatch, forwardOf, modelVariables } from './model.js';

/** Per-example gradients `[B, P]` (row i = ∂ℓ_i/∂θ flattened in the order of `model.trainableWeights`). */
export interface PerExampleGradients {
  /** Row-major `[batch, size]`, float64. */
  readonly gradients: Float64Array;
  readonly batch: number;
  /** P, the number of trainable parameters. */
  readonly size: number;
  /** `'dense'`: one backward pass and outer products (a sequential stack of Dense layers); `'loop'`: one pass per example. */
  readonly method: 'dense' | 'loop';
}

/** Options of {@link perExampleGradients}. */
export interface PerExampleGradientOptions {
  /** The per-example loss ℓ(y_i, f(x_i)); a compiled loss with mean reduction. Default `compile(ce())`. */
  readonly loss?: CompiledLoss;
  /** `'auto'` (default) uses the Dense fast path when the model is a plain stack of Dense layers, else the loop. */
  readonly method?: 'auto' | 'loop';
}

interface DenseLayerLike {
  getClassName(): string;
  readonly trainableWeights: readonly { read(): Tensor }[];
  readonly activation?: { apply(t: Tensor): Tensor };
}

/** The Dense layers of a sequential model whose trainable weights are exactly their kernels and biases, else undefined. */
function denseStack(model: ModelLike, vars: tf.Variable[]): DenseLayerLike[] | undefined {
  const layers = (model as unknown as { layers?: unknown[] }).layers;
  if (!Array.isArray(layers) || layers.length === 0) return undefined;
  const dense: DenseLayerLike[] = [];
  for (const l of layers as DenseLayerLike[]) {
    if (typeof l?.getClassName !== 'function') return undefined;
    const name = l.getClassName();
    if (name === 'InputLayer') continue;
    if (name !== 'Dense' || typeof l.activation?.apply !== 'function') return undefined;
    dense.push(l);
  }
  const own = dense.flatMap((l) => l.trainableWeights.map((w) => w.read()));
  if (own.length !== vars.length || own.some((v, i) => v !== vars[i])) return undefined;
  if (dense.some((l) => l.trainableWeights.length < 1 || l.trainableWeights.length > 2 || l.trainableWeights[0]!.read().rank !== 2)) return undefined;
  return dense;
}

/**
 * Per-example gradients g_i = ∇_θ ℓ(y_i, f_θ(x_i)) of a model's trainable weights, as a float64 `[B, P]` matrix.
 *
 * How they are computed: tfjs has no `vmap`, so for a sequential stack of Dense layers (the common MLP) one backward
 * pass of Σ_i ℓ_i gives every layer's pre-activation error δ_{l,i} = ∂ℓ_i/∂z_{l,i} (row i depends on example i only),
 * and the per-example weight gradients are the outer products a_{l−1,i} ⊗ δ_{l,i} and δ_{l,i} (Goodfellow 2015,
 * *Efficient Per-Example Gradient Computations*): one forward and one backward pass for the whole batch. Any other
 * model falls back to one `tf.variableGrads` per example (B passes). Both paths agree to float32 rounding (tested).
 *
 * Errors: `INVALID_ARGUMENT` (not a model, x not a float32 tensor), `EMPTY_BATCH`, `SHAPE_MISMATCH` (y rows ≠ x rows),
 * and the loss's own validation errors (labels out of range, ...). No tensor is leaked and no tape is left on error.
 *
 * @example const { gradients, batch, size } = perExampleGradients(model, x, labels);
 */
export function perExampleGradients(model: ModelLike, x: Tensor, y: TensorLike, options?: PerExampleGradientOptions): PerExampleGradients {
  const o = readOptions(options);
  const vars = modelVariables(model);
  const B = checkBatch(x, 'x');
  const loss = o.loss ?? compile(ce());
  if (typeof loss !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'loss must be a compiled loss', { argument: 'loss', expected: 'compile(expr) (a CompiledLoss)' });
  if (o.method !== undefined && o.method !== 'auto' && o.method !== 'loop') throw new LosskitError('INVALID_ARGUMENT', 'unknown method', { argument: 'method', expected: "'auto' or 'loop'", received: String(o.method) });
  const yc = toTensor(y, 'y');
  try {
    if (yc.tensor.rank < 1 || yc.tensor.shape[0] !== B) throw new LosskitError('SHAPE_MISMATCH', 'one target per example', { argument: 'y', expected: `labels [${B}] or targets [${B}, C]`, received: formatShape(yc.tensor.shape) });
    const P = vars.reduce((a, v) => a + v.size, 0);
    const out = new Float64Array(B * P);
    const f = forwardOf(model);
    const stack = o.method === 'loop' ? undefined : denseStack(model, vars);
    if (stack) {
      denseFastPath(stack, x, yc.tensor, loss, out, B, P);
      return { gradients: out, batch: B, size: P, method: 'dense' };
    }
    for (let i = 0; i < B; i++) {
      tf.tidy(() => {
        const xi = tf.slice(x, i, 1);
        const yi = tf.slice(yc.tensor, i, 1);
        const { value, grads } = cleanTapeOnError(() => tf.variableGrads(() => loss(yi, f(xi)) as tf.Scalar, vars));
        value.dispose();
        let off = i * P;
        for (const v of vars) {
          const g = grads[v.name];
          if (g) out.set(g.dataSync(), off);
          off += v.size;
        }
      });
    }
    return { gradients: out, batch: B, size: P, method: 'loop' };
  } finally {
    if (yc.owned) yc.tensor.dispose();
  }
}

function denseFastPath(stack: DenseLayerLike[], x: Tensor, y: Tensor, loss: CompiledLoss, out: Float64Array, B: number, P: number): void {
  tf.tidy(() => {
    const xf = x.rank === 2 ? x : tf.reshape(x, [B, -1]);
    const probes = stack.map((l) => tf.zeros([B, l.trainableWeights[0]!.read().shape[1]!]));
    // Σ_i ℓ_i: the mean loss times B; the probes e_l added to each pre-activation have gradient δ_l.
    const f = (...es: Tensor[]) => {
      let a = xf;
      stack.forEach((l, k) => {
        const [kernel, bias] = l.trainableWeights.map((w) => w.read());
        let z = tf.add(tf.matMul(a, kernel!), es[k]!);
        if (bias) z = tf.add(z, bias);
        a = l.activation!.apply(z);
      });
      return tf.mul(loss(y, a) as tf.Scalar, B) as tf.Scalar;
    };
    const deltas = cleanTapeOnError(() => tf.grads(f)(probes));
    // The layer inputs a_{l-1}, from a plain forward pass (the tape's forward is tidied away).
    const inputs: Tensor[] = [];
    let a = xf;
    for (const l of stack) {
      inputs.push(a);
      const [kernel, bias] = l.trainableWeights.map((w) => w.read());
      let z = tf.matMul(a, kernel!);
      if (bias) z = tf.add(z, bias);
      a = l.activation!.apply(z);
    }
    const acts = inputs.map((t) => t.arraySync() as number[][]);
    const ds = deltas.map((t) => t.arraySync() as number[][]);
    for (let i = 0; i < B; i++) {
      let off = i * P;
      stack.forEach((l, k) => {
        const a = acts[k]![i]!;
        const dl = ds[k]![i]!;
        const nOut = dl.length;
        for (let r = 0; r < a.length; r++) {
          const ar = a[r]!;
          for (let c = 0; c < nOut; c++) out[off + r * nOut + c] = ar * dl[c]!;
        }
        off += a.length * nOut;
        if (l.trainableWeights.length === 2) {
          for (let c = 0; c < nOut; c++) out[off + c] = dl[c]!;
          off += nOut;
        }
      });
    }
  });
}

function readGradientMatrix(g: PerExampleGradients | readonly (readonly number[])[], name = 'gradients'): { data: ArrayLike<number>; B: number; P: number } {
  if (Array.isArray(g)) {
    const B = g.length;
    if (B === 0) throw new LosskitError('EMPTY_BATCH', 'no gradients', { argument: name, expected: 'rows [B, P] with B >= 1', received: '[]' });
    const P = (g[0] as readonly number[]).length;
    const data = new Float64Array(B * P);
    g.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== P) throw new LosskitError('SHAPE_MISMATCH', 'ragged rows', { argument: name, expected: `every row of length ${P}`, received: `row ${i}` });
      r.forEach((v, j) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new LosskitError('NON_FINITE_INPUT', 'every entry must be a finite number', { argument: name, expected: 'finite numbers', received: `${v} at [${i}, ${j}]` });
        data[i * P + j] = v;
      });
    });
    if (P === 0) throw new LosskitError('SHAPE_MISMATCH', 'no parameters', { argument: name, expected: 'P >= 1', received: '0' });
    return { data, B, P };
  }
  const m = g as PerExampleGradients;
  if (!m || typeof m !== 'object' || !(m.gradients instanceof Float64Array) || !Number.isInteger(m.batch) || !Number.isInteger(m.size) || m.gradients.length !== m.batch * m.size || m.batch < 1 || m.size < 1) {
    throw new LosskitError('INVALID_ARGUMENT', 'not a gradient matrix', { argument: name, expected: 'the result of perExampleGradients or rows number[B][P]' });
  }
  for (let k = 0; k < m.gradients.length; k++) if (!Number.isFinite(m.gradients[k]!)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: name, expected: 'finite numbers', received: `${m.gradients[k]} at flat index ${k}` });
  return { data: m.gradients, B: m.batch, P: m.size };
}

/** Result of {@link gradientCoherence}. */
export interface GradientCoherence {
  /** α = ‖ḡ‖² / mean_i ‖g_i‖² ∈ [0, 1] (0 when every gradient is 0). */
  readonly alpha: number;
  /** m-coherence m·α = ‖Σ_i g_i‖² / Σ_i ‖g_i‖² ∈ [0, m]: ≈ 1 for orthogonal gradients, m when all are equal. */
  readonly mCoherence: number;
  readonly m: number;
}

/**
 * Coherence of per-example gradients (Chatterjee & Zielinski 2022, *On the Generalization Mystery in Deep Learning*):
 * α = E_{i,j}[g_i·g_j] / E_i[g_i·g_i] = ‖ḡ‖² / mean_i ‖g_i‖², and m-coherence m·α for the m examples. Float64.
 *
 * @example gradientCoherence(perExampleGradients(model, x, y)).mCoherence;
 */
export function gradientCoherence(gradients: PerExampleGradients | readonly (readonly number[])[]): GradientCoherence {
  const { data, B, P } = readGradientMatrix(gradients);
  const sum = new Float64Array(P);
  let sq = 0;
  for (let i = 0; i < B; i++) for (let j = 0; j < P; j++) {
    const v = data[i * P + j]!;
    sum[j]! += v;
    sq += v * v;
  }
  let s2 = 0;
  for (const v of sum) s2 += v * v;
  const mCoherence = sq > 0 ? s2 / sq : 0;
  return { alpha: mCoherence / B, mCoherence, m: B };
}

/**
 * M3, the coordinate-wise median of the mean gradients of three disjoint groups of the batch (Chatterjee & Zielinski
 * 2022; Zielinski, Krishnan & Chatterjee 2020, *Weak and Strong Gradient Directions*): the examples are split in order
 * into three groups of sizes ⌈B/3⌉, ⌈(B−1)/3⌉, ⌊B/3⌋, each group's mean gradient is taken, and every coordinate keeps
 * the median of the three. Needs B ≥ 3. Returns the `[P]` update direction (float64).
 */
export function m3Gradient(gradients: PerExampleGradients | readonly (readonly number[])[]): Float64Array {
  const { data, B, P } = readGradientMatrix(gradients);
  if (B < 3) throw new LosskitError('INVALID_ARGUMENT', 'M3 needs at least three examples', { argument: 'gradients', expected: 'B >= 3 rows', received: `${B}` });
  const sizes = [Math.ceil(B / 3), Math.ceil((B - 1) / 3), Math.floor(B / 3)];
  const means = sizes.map(() => new Float64Array(P));
  let i = 0;
  sizes.forEach((s, g) => {
    for (let k = 0; k < s; k++, i++) for (let j = 0; j < P; j++) means[g]![j]! += data[i * P + j]! / s;
  });
  const out = new Float64Array(P);
  for (let j = 0; j < P; j++) {
    const a = means[0]![j]!;
    const b = means[1]![j]!;
    const c = means[2]![j]!;
    out[j] = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
  return out;
}

/**
 * Winsorized mean gradient (Chatterjee 2020, *Coherent Gradients*, the "winsorized gradient descent" the
 * generalization-mystery paper uses to suppress weak directions): for every coordinate the c smallest and c largest
 * per-example values are replaced by the (c+1)-th smallest / largest, then the B values are averaged. c = 0 is the
 * plain mean. Needs 2c < B. Returns `[P]` (float64).
 */
export function winsorizedGradient(gradients: PerExampleGradients | readonly (readonly number[])[], c: number): Float64Array {
  const { data, B, P } = readGradientMatrix(gradients);
  checkInteger('c', c, 0);
  if (2 * c >= B) throw new LosskitError('INVALID_PARAMETER', 'c clips too many examples', { argument: 'c', expected: `an integer with 2c < B = ${B}`, received: String(c) });
  const out = new Float64Array(P);
  const col = new Float64Array(B);
  for (let j = 0; j < P; j++) {
    for (let i = 0; i < B; i++) col[i] = data[i * P + j]!;
    col.sort();
    const lo = col[c]!;
    const hi = col[B - 1 - c]!;
    let s = 0;
    for (let i = 0; i < B; i++) s += Math.min(Math.max(col[i]!, lo), hi);
    out[j] = s / B;
  }
  return out;
}

/**
 * Splits a flat `[P]` gradient back into one tensor per trainable variable, keyed by variable name — the
 * `NamedTensorMap` that `optimizer.applyGradients` takes, so M3 or winsorized updates plug into a tfjs optimizer.
 * The caller owns the tensors.
 */
export function unflattenGradient(model: ModelLike, flat: ArrayLike<number>): tf.NamedTensorMap {
  const vars = modelVariables(model);
  const P = vars.reduce((a, v) => a + v.size, 0);
  if (!flat || typeof flat.length !== 'number' || flat.length !== P) throw new LosskitError('SHAPE_MISMATCH', 'one value per trainable parameter', { argument: 'flat', expected: `${P} values`, received: flat && typeof flat.length === 'number' ? `${flat.length}` : typeof flat });
  const map: tf.NamedTensorMap = {};
  let off = 0;
  for (const v of vars) {
    map[v.name] = tf.tensor(Float32Array.from({ length: v.size }, (_, k) => flat[off + k]!), v.shape);
    off += v.size;
  }
  return map;
}
