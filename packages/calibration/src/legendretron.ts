/**
 * LegendreTron (Lam, Walder, Penev, Nock, ICML 2023): a learned inverse canonical link
 * `ψ̃⁻¹ = softmax⁺ ∘ ∇F_B ∘ … ∘ ∇F_1` from `R^{C−1}` to the (projected) probability simplex, each `F_b` a strongly convex
 * potential built from an input-convex neural network (ICNN), trained jointly with a model under the log loss.
 * Here the model is a post-hoc linear head on a classifier's log-probabilities, so the pair is a calibrator.
 * Training uses tfjs (Adam); `transform` runs the same tfjs forward pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, cleanTapeOnError, isTensor, oneHotRows, params } from '@losskit/core';
import { rng, shuffleInPlace } from '@losskit/core/math';
import { Calibrator, integer, numbers, parseCalibrator, type CalibratorJson } from './calibrator.js';
import { checkFrom, readLabels, readMatrix, readOptions, type From, type HostMatrix, type Labels, type Predictions } from './input.js';
import { logProbsOf } from './matrix-scaling.js';

/**
 * Architecture of a LegendreTron link: `dim` = C − 1 inputs, `blocks` gradient maps, each from an ICNN with `depth`
 * layers of width `hidden` (even). The authors' defaults (khflam/legendretron `lt_libsvm.py`): hidden 2, depth 4, blocks 2.
 */
export interface LegendreLinkShape {
  /** Input dimension C − 1 (C = number of classes, C ≥ 2). */
  readonly dim: number;
  /** ICNN width h (even, ≥ 2): the first layer has h units, each later layer h/2 convex units plus h/2 units of the input. */
  readonly hidden: number;
  /** ICNN layers L ≥ 1 before the scalar output (the authors' `num_hidden_layers`). */
  readonly depth: number;
  /** Number B ≥ 1 of composed gradient maps ∇F_b. */
  readonly blocks: number;
}

/** Reads and checks a link shape. */
function readShape(shape: LegendreLinkShape, name = 'shape'): LegendreLinkShape {
  if (typeof shape !== 'object' || shape === null) {
    throw new LosskitError('INVALID_ARGUMENT', 'a link shape is required', { argument: name, expected: '{ dim, hidden, depth, blocks }', received: shape === null ? 'null' : typeof shape });
  }
  const dim = params.positiveInteger(`${name}.dim`, shape.dim);
  const hidden = params.positiveInteger(`${name}.hidden`, shape.hidden);
  if (hidden % 2 !== 0) throw new LosskitError('INVALID_PARAMETER', 'the ICNN width must be even', { argument: `${name}.hidden`, expected: 'an even integer >= 2', received: String(hidden) });
  const depth = params.positiveInteger(`${name}.depth`, shape.depth);
  const blocks = params.positiveInteger(`${name}.blocks`, shape.blocks);
  return { dim, hidden, depth, blocks };
}

/** Number of parameters of one block: A0, b0, (L − 1) × (P, Wx, bx, Wx2, bx2), p, a, w1, w0. */
function blockSize(s: LegendreLinkShape): number {
  const { dim: k, hidden: h, depth } = s;
  const half = h / 2;
  return h * k + h + (depth - 1) * (half * h + 2 * (half * k + half)) + h + k + 2;
}

/**
 * Number of parameters θ of a LegendreTron link with this shape (all blocks). The flat layout, per block, row-major:
 * `A0 [h, K]`, `b0 [h]`; for each layer l = 1..L−1: `P_l [h/2, h]` (raw, used as softplus(P_l)), `Wx_l [h/2, K]`,
 * `bx_l [h/2]`, `Wx2_l [h/2, K]`, `bx2_l [h/2]`; then `p [h]` (raw), `a [K]`, `w1`, `w0` (raw scalars). K = `dim`.
 */
export function legendreLinkSize(shape: LegendreLinkShape): number {
  const s = readShape(shape);
  return s.blocks * blockSize(s);
}

/**
 * Seeded initial parameters θ (see {@link legendreLinkSize} for the layout). ICNN weights and biases are uniform in
 * `±1/√fan_in` (torch's `nn.Linear` default, as in the authors' code); the block scalars start at softplus(w0) = 1 and
 * softplus(w1) = 0.1, so each ∇F_b starts near the identity and the link near softmax⁺ (a post-hoc calibrator then starts
 * near the uncalibrated model). The authors draw w0, w1 ~ N(0, 1) for training from scratch.
 */
export function initLegendreLink(shape: LegendreLinkShape, seed = 0): number[] {
  const s = readShape(shape);
  params.finite('seed', seed);
  const u = rng(seed);
  const uniform = (fanIn: number) => (2 * u() - 1) / Math.sqrt(fanIn);
  const { dim: k, hidden: h, depth } = s;
  const half = h / 2;
  const out: number[] = [];
  const push = (count: number, fanIn: number) => {
    for (let i = 0; i < count; i++) out.push(uniform(fanIn));
  };
  for (let b = 0; b < s.blocks; b++) {
    push(h * k + h, k); // A0, b0
    for (let l = 1; l < depth; l++) {
      push(half * h, h); // P_l
      push(half * k + half, k); // Wx_l, bx_l
      push(half * k + half, k); // Wx2_l, bx2_l
    }
    push(h, h); // p
    push(k, k); // a
    out.push(Math.log(Math.expm1(0.1)), Math.log(Math.expm1(1))); // w1, w0
  }
  return out;
}

/** ∇F(x) for one block, `F(x) = softplus(w1)·ICNN(x) + softplus(w0)·‖x‖²/2`, with the ICNN's input gradient by reverse mode written out. */
function blockGradient(x: tf.Tensor2D, theta: tf.Tensor1D, offset: number, s: LegendreLinkShape): tf.Tensor2D {
  const { dim: k, hidden: h, depth } = s;
  const half = h / 2;
  const n = x.shape[0];
  let o = offset;
  const take = (rows: number, cols: number): tf.Tensor2D => {
    const t = tf.reshape(tf.slice(theta, [o], [rows * cols]), [rows, cols]) as tf.Tensor2D;
    o += rows * cols;
    return t;
  };
  const a0 = take(h, k);
  const b0 = take(1, h);
  const layers: { p: tf.Tensor2D; wx: tf.Tensor2D; bx: tf.Tensor2D; wx2: tf.Tensor2D; bx2: tf.Tensor2D }[] = [];
  for (let l = 1; l < depth; l++) {
    const p = tf.softplus(take(half, h)) as tf.Tensor2D;
    const wx = take(half, k);
    const bx = take(1, half);
    const wx2 = take(half, k);
    const bx2 = take(1, half);
    layers.push({ p, wx, bx, wx2, bx2 });
  }
  const pOut = tf.softplus(take(1, h)) as tf.Tensor2D;
  const aOut = take(1, k);
  const [w1, w0] = [tf.softplus(take(1, 1)), tf.softplus(take(1, 1))];
  // Forward: z1 = softplus(x A0ᵀ + b0); z_{l+1} = [softplus(softplus(P_l) z_l / h + x Wx_lᵀ + bx_l), softplus(x Wx2_lᵀ + bx2_l)].
  const pre0 = tf.add(tf.matMul(x, a0, false, true), b0);
  let z: tf.Tensor2D = tf.softplus(pre0) as tf.Tensor2D;
  const pres: { pre: tf.Tensor2D; aug: tf.Tensor2D }[] = [];
  for (const L of layers) {
    const pre = tf.add(tf.add(tf.div(tf.matMul(z, L.p, false, true), h), tf.matMul(x, L.wx, false, true)), L.bx) as tf.Tensor2D;
    const aug = tf.add(tf.matMul(x, L.wx2, false, true), L.bx2) as tf.Tensor2D;
    pres.push({ pre, aug });
    z = tf.concat([tf.softplus(pre), tf.softplus(aug)], 1) as tf.Tensor2D;
  }
  // ICNN(x) = softplus(p)·z_L / h + a·x. Backward to x.
  let gz: tf.Tensor2D = tf.tile(tf.div(pOut, h), [n, 1]) as tf.Tensor2D;
  let gx: tf.Tensor2D = tf.tile(aOut, [n, 1]) as tf.Tensor2D;
  for (let l = layers.length - 1; l >= 0; l--) {
    const L = layers[l]!;
    const { pre, aug } = pres[l]!;
    const dPre = tf.mul(tf.slice(gz, [0, 0], [n, half]), tf.sigmoid(pre)) as tf.Tensor2D;
    const dAug = tf.mul(tf.slice(gz, [0, half], [n, half]), tf.sigmoid(aug)) as tf.Tensor2D;
    gx = tf.add(gx, tf.add(tf.matMul(dPre, L.wx), tf.matMul(dAug, L.wx2))) as tf.Tensor2D;
    gz = tf.div(tf.matMul(dPre, L.p), h) as tf.Tensor2D;
  }
  gx = tf.add(gx, tf.matMul(tf.mul(gz, tf.sigmoid(pre0)), a0)) as tf.Tensor2D;
  return tf.add(tf.mul(gx, w1), tf.mul(x, w0)) as tf.Tensor2D;
}

/** The link without input checks: log-probabilities `[N, K + 1]`. */
function linkLogProbs(v: tf.Tensor2D, theta: tf.Tensor1D, s: LegendreLinkShape): tf.Tensor2D {
  return tf.tidy(() => {
    let x = v;
    const size = blockSize(s);
    for (let b = 0; b < s.blocks; b++) x = blockGradient(x, theta, b * size, s);
    // softmax⁺(x) = softmax([x, 0]): the last class is the reference (the authors' `log_softmax_plus`).
    return tf.logSoftmax(tf.concat([x, tf.zeros([x.shape[0], 1])], 1)) as tf.Tensor2D;
  });
}

/** Mean log loss of the link without input checks. */
function lossUnchecked(v: tf.Tensor2D, hot: tf.Tensor2D, theta: tf.Tensor1D, s: LegendreLinkShape): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.div(tf.sum(tf.mul(hot, linkLogProbs(v, theta, s))), v.shape[0])) as tf.Scalar);
}

function checkLinkInputs(v: tf.Tensor2D, theta: tf.Tensor1D, s: LegendreLinkShape): void {
  if (!isTensor(v) || v.rank !== 2) throw new LosskitError('RANK_MISMATCH', 'scores must be a 2-D tensor', { argument: 'scores', expected: `a tensor [N, ${s.dim}]`, received: isTensor(v) ? `rank ${v.rank}` : typeof v });
  if (v.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument: 'scores' });
  const [n, k] = v.shape;
  if (n === 0) throw new LosskitError('EMPTY_BATCH', 'no samples', { argument: 'scores', expected: `a tensor [N, ${s.dim}], N >= 1`, received: `[${n}, ${k}]` });
  if (k !== s.dim) throw new LosskitError('SHAPE_MISMATCH', 'scores width must be the link dimension C − 1', { argument: 'scores', expected: `[${n}, ${s.dim}]`, received: `[${n}, ${k}]` });
  const size = s.blocks * blockSize(s);
  if (!isTensor(theta) || theta.rank !== 1 || theta.shape[0] !== size) {
    throw new LosskitError('SHAPE_MISMATCH', 'theta must hold every link parameter', { argument: 'theta', expected: `a tensor [${size}] (legendreLinkSize(shape))`, received: isTensor(theta) ? `[${theta.shape.join(', ')}]` : typeof theta });
  }
  if (theta.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument: 'theta' });
  for (const [name, t] of [['scores', v], ['theta', theta]] as const) {
    const d = t.dataSync();
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i]!)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: name, expected: 'finite numbers', received: `${d[i]} at flat index ${i}` });
    }
  }
}

/**
 * The LegendreTron inverse canonical link `ψ̃⁻¹(v) = softmax⁺(∇F_B ∘ … ∘ ∇F_1(v))`, as log-probabilities of the C classes.
 *
 * - `F_b(x) = softplus(w1)·ICNN_b(x) + softplus(w0)·‖x‖²/2`, strongly convex, so each ∇F_b is an invertible monotone map of
 *   `R^{C−1}` (the authors' `DeepConvexFlow` with `identity_diag`).
 * - `ICNN(x) = softplus(p)·z_L / h + a·x`, `z_1 = softplus(A0 x + b0)`,
 *   `z_{l+1} = [softplus(softplus(P_l) z_l / h + Wx_l x + bx_l), softplus(Wx2_l x + bx2_l)]` (the CP-Flow `ICNN3` used by the
 *   authors: positive weights through softplus with gain 1/fan-in; its ActNorm layers are left out).
 * - `softmax⁺(x) = (e^{x_1}, …, e^{x_{C−1}}, 1) / (1 + Σ_k e^{x_k})`: class C is the reference (`log_softmax_plus`).
 *
 * Shapes: `scores [N, C−1]`, `theta [legendreLinkSize(shape)]` → `[N, C]` log-probabilities (the caller disposes them).
 *
 * @example
 * const shape = { dim: 2, hidden: 2, depth: 4, blocks: 2 };
 * const theta = tf.tensor1d(initLegendreLink(shape, 0));
 * legendreLink(tf.tensor2d([[0.5, -1]]), theta, shape).exp().print();
 *
 * Paper: "LegendreTron: Uprising Proper Multiclass Loss Learning", Lam, Walder, Penev, Nock, ICML 2023 (Eq. and Fig. 1:
 * the (u, v)-geometric structure ψ̃⁻¹ = softmax⁺ ∘ v⁻¹ with v⁻¹ a composition of gradients of convex functions).
 */
export function legendreLink(scores: tf.Tensor2D, theta: tf.Tensor1D, shape: LegendreLinkShape): tf.Tensor2D {
  const s = readShape(shape);
  checkLinkInputs(scores, theta, s);
  const out = linkLogProbs(scores, theta, s);
  if (!out.dataSync().every(Number.isFinite)) {
    out.dispose();
    throw new LosskitError('NON_FINITE_OUTPUT', 'the link overflowed', { argument: 'scores', expected: 'scores and parameters the link maps to finite log-probabilities' });
  }
  return out;
}

/**
 * LegendreTron training loss: the log loss of the learned link, `ℓ(y, v) = −log ψ̃⁻¹(v)_y`, averaged over the batch.
 * This is the objective the authors' code minimises (`NLLLoss` on `LegendreLink(model(x))`); since the log loss is
 * strictly proper and ψ̃⁻¹ is invertible, `E_{y∼q} ℓ(y, v)` is minimised exactly where `ψ̃⁻¹(v) = q`.
 * Differentiable in `scores` and `theta` (second order through the ICNN, by tfjs autodiff of the written-out gradient).
 *
 * Shapes: `scores [N, C−1]`, `labels [N]` in `[0, C)`, `theta [legendreLinkSize(shape)]` → scalar.
 *
 * @example
 * const shape = { dim: 2, hidden: 2, depth: 4, blocks: 2 };
 * const theta = tf.tensor1d(initLegendreLink(shape, 0));
 * legendreTronLoss(tf.tensor2d([[0.5, -1], [2, 0]]), [0, 2], theta, shape).print();
 *
 * Paper: "LegendreTron: Uprising Proper Multiclass Loss Learning", Lam, Walder, Penev, Nock, ICML 2023; code
 * khflam/legendretron (lib/models.py `LegendreLink`, experiments/lt_libsvm.py), commit b3138407.
 */
export function legendreTronLoss(scores: tf.Tensor2D, labels: Labels, theta: tf.Tensor1D, shape: LegendreLinkShape): tf.Scalar {
  const s = readShape(shape);
  checkLinkInputs(scores, theta, s);
  const y = readLabels(labels, scores.shape[0], s.dim + 1);
  const value = tf.tidy(() => {
    const hot = oneHotRows(tf.tensor1d(y, 'int32'), s.dim + 1);
    return lossUnchecked(scores, hot, theta, s);
  });
  if (!Number.isFinite(value.dataSync()[0]!)) {
    value.dispose();
    throw new LosskitError('NON_FINITE_OUTPUT', 'the loss overflowed', { argument: 'scores', expected: 'scores and parameters the link maps to finite log-probabilities' });
  }
  return value;
}

/** Options of {@link LegendreTron.fit}. */
export interface LegendreTronOptions {
  /** What the predictions hold. Default `'logits'`. The head reads log-probabilities either way. */
  readonly from?: From;
  /** ICNN width (even). Default 2 (the authors' `dimh`). */
  readonly hidden?: number;
  /** ICNN layers. Default 4 (the authors' `depth`). */
  readonly depth?: number;
  /** Composed gradient maps. Default 2 (the authors' `blocks`). */
  readonly blocks?: number;
  /** Adam learning rate. Default 1e-2 (the authors' `lr`). */
  readonly learningRate?: number;
  /** Passes over the data. Default 60. */
  readonly epochs?: number;
  /** Minibatch size. Default 256. */
  readonly batchSize?: number;
  /** λ of the penalty `λ/2 Σ θ²` on the link parameters (the authors use 0.01 on every parameter). Default 0. */
  readonly weightDecay?: number;
  /** Seed for initialisation and shuffling. Default 0. */
  readonly seed?: number;
}

/**
 * LegendreTron as a post-hoc calibrator: `p = ψ̃⁻¹(W log p₀ + b)`, with `log p₀` the classifier's log-probabilities `[C]`,
 * a linear head `W [C−1, C]`, `b [C−1]`, and the learned link {@link legendreLink}; head and link are trained jointly by
 * Adam on the mean log loss {@link legendreTronLoss} (the authors train the link jointly with a linear model on features;
 * post hoc, the features are the classifier's log-probabilities).
 *
 * - The head starts at `W = [I | −1]`, `b = 0` (so `v_k = log p₀_k − log p₀_C`, and softmax⁺(v) = p₀) and the link near
 *   softmax⁺ ({@link initLegendreLink}): the fit starts from the uncalibrated model.
 * - Not reproduced from the authors' training loop: the StepLR schedule (×0.95 every 4 epochs) and the default L2 of 0.01
 *   on all parameters (available on the link as `weightDecay`).
 *
 * Shapes: fit `[N, C]` + `[N]` (C ≥ 2); transform `[M, C]` → `[M, C]`.
 *
 * @example
 * const lt = await LegendreTron.fit(valLogits, valLabels, { epochs: 60 });
 * lt.transform(testLogits);
 *
 * Paper: "LegendreTron: Uprising Proper Multiclass Loss Learning", Lam, Walder, Penev, Nock, ICML 2023.
 */
export class LegendreTron extends Calibrator {
  readonly kind = 'legendretron' as const;
  private constructor(
    from: From,
    classes: number,
    /** The link's architecture. */
    readonly shape: LegendreLinkShape,
    /** Head weights `[C−1, C]`, row-major. */
    readonly weights: readonly number[],
    /** Head bias `[C−1]`. */
    readonly bias: readonly number[],
    /** Link parameters θ (layout: {@link legendreLinkSize}). */
    readonly theta: readonly number[],
  ) {
    super(from, classes);
  }

  /** Trains head and link (tfjs, Adam). Async so long fits can yield; leaves no tensors behind. */
  static async fit(predictions: Predictions, labels: Labels, options?: LegendreTronOptions): Promise<LegendreTron> {
    options = readOptions(options);
    const from = checkFrom(options.from ?? 'logits');
    const m = readMatrix(predictions);
    if (m.c < 2) throw new LosskitError('SHAPE_MISMATCH', 'LegendreTron needs at least two classes', { argument: 'predictions', expected: '[N, C], C >= 2', received: `[${m.n}, ${m.c}]` });
    const y = readLabels(labels, m.n, m.c);
    const shape = readShape({ dim: m.c - 1, hidden: options.hidden ?? 2, depth: options.depth ?? 4, blocks: options.blocks ?? 2 }, 'options');
    const lr = params.positive('learningRate', options.learningRate ?? 1e-2);
    const epochs = params.positiveInteger('epochs', options.epochs ?? 60);
    const batch = params.positiveInteger('batchSize', options.batchSize ?? 256);
    const decay = params.nonNegative('weightDecay', options.weightDecay ?? 0);
    const seed = params.finite('seed', options.seed ?? 0);
    const c = m.c;
    const k = c - 1;
    const lp = Float32Array.from(logProbsOf(m, from));
    const w0 = new Float32Array(k * c);
    for (let r = 0; r < k; r++) {
      w0[r * c + r] = 1;
      w0[r * c + k] = -1;
    }
    const u = rng(seed + 1);
    const [W, b, theta] = tf.tidy(() => [
      tf.variable(tf.tensor2d(w0, [k, c])),
      tf.variable(tf.zeros([1, k])),
      tf.variable(tf.tensor1d(initLegendreLink(shape, seed))),
    ]) as [tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R1>];
    const optimizer = tf.train.adam(lr);
    const order = Array.from({ length: m.n }, (_, i) => i);
    try {
      for (let e = 0; e < epochs; e++) {
        shuffleInPlace(order, u);
        for (let s = 0; s < m.n; s += batch) {
          const idx = order.slice(s, s + batch);
          const nb = idx.length;
          const xb = new Float32Array(nb * c);
          const yb = new Int32Array(nb);
          idx.forEach((i, r) => {
            xb.set(lp.subarray(i * c, (i + 1) * c), r * c);
            yb[r] = y[i]!;
          });
          tf.tidy(() => {
            const xt = tf.tensor2d(xb, [nb, c]);
            const hot = oneHotRows(tf.tensor1d(yb, 'int32'), c);
            cleanTapeOnError(() =>
              optimizer.minimize(
                () => {
                  const v = tf.add(tf.matMul(xt, W, false, true), b) as tf.Tensor2D;
                  const loss = lossUnchecked(v, hot, theta, shape);
                  return decay > 0 ? (tf.add(loss, tf.mul(decay / 2, tf.sum(tf.square(theta)))) as tf.Scalar) : loss;
                },
                false,
                [W, b, theta],
              ),
            );
          });
        }
        if (e % 10 === 9) await new Promise((r) => setTimeout(r, 0));
      }
      const out = new LegendreTron(from, c, shape, Array.from(W.dataSync()), Array.from(b.dataSync()), Array.from(theta.dataSync()));
      if (![...out.weights, ...out.bias, ...out.theta].every(Number.isFinite)) {
        throw new LosskitError('NON_FINITE_OUTPUT', 'training diverged', { argument: 'learningRate', expected: 'a smaller learning rate', received: String(lr) });
      }
      return out;
    } finally {
      optimizer.dispose();
      for (const v of [W, b, theta]) v.dispose();
    }
  }

  /** Restores a calibrator saved with `save()`. */
  static load(json: string | CalibratorJson): LegendreTron {
    const o = parseCalibrator(json, 'legendretron');
    const st = o.state;
    if (o.classes < 2) throw new LosskitError('INVALID_ARGUMENT', 'bad class count in saved calibrator', { argument: 'json', expected: 'classes >= 2', received: String(o.classes) });
    const k = o.classes - 1;
    const shape = readShape({ dim: k, hidden: integer(st, 'hidden', 2), depth: integer(st, 'depth', 1), blocks: integer(st, 'blocks', 1) }, 'json');
    const weights = numbers(st, 'weights', k * o.classes);
    const bias = numbers(st, 'bias', k);
    const theta = numbers(st, 'theta', shape.blocks * blockSize(shape));
    return new LegendreTron(o.from, o.classes, shape, weights, bias, theta);
  }

  protected calibrate(m: HostMatrix) {
    const lp = logProbsOf(m, this.from);
    const data = tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from(lp), [m.n, m.c]);
      const v = tf.add(tf.matMul(x, tf.tensor2d(this.weights as number[], [m.c - 1, m.c]), false, true), tf.tensor2d(this.bias as number[], [1, m.c - 1])) as tf.Tensor2D;
      return tf.exp(linkLogProbs(v, tf.tensor1d(this.theta as number[]), this.shape)).dataSync();
    });
    return { data: Float64Array.from(data), c: m.c };
  }

  protected state() {
    return { hidden: this.shape.hidden, depth: this.shape.depth, blocks: this.shape.blocks, weights: [...this.weights], bias: [...this.bias], theta: [...this.theta] };
  }
}
