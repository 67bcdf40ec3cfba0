/**
 * The correctness-aware (CA) calibrator of Liu et al. (2024): a small network predicts a per-sample
 * temperature, trained on the CA objective. Training uses tfjs (Adam); `transform` runs the network on the
 * host in float64.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, isTensor, params, cleanTapeOnError } from '@losskit/core';
import { normal, rng, shuffleInPlace } from '@losskit/core/math';
import { Calibrator, integer, numbers, parseCalibrator, scalar, type CalibratorJson, type TransformOptions } from './calibrator.js';
import { checkFrom, logitsOf, readLabels, readMatrix, readOptions, softmaxRows, type From, type HostMatrix, type Labels, type Predictions } from './input.js';

/** Clamp of the predicted temperature, as in the authors' code. */
const T_LO = 0.1;
const T_HI = 10;

/** Per-sample correctness κ_i = 1[argmax z_i = y_i] and the CA class-balance weights. */
function correctnessWeights(z: ArrayLike<number>, y: ArrayLike<number>, n: number, c: number): { kappa: Float32Array; weights: Float32Array } {
  const kappa = new Float32Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    let arg = 0;
    for (let j = 0; j < c; j++) {
      const v = z[i * c + j]!;
      if (v > best) {
        best = v;
        arg = j;
      }
    }
    kappa[i] = arg === y[i] ? 1 : 0;
    acc += kappa[i]!;
  }
  acc /= n;
  // w_i = 1 − acc for correct samples, acc for wrong ones; if every sample is correct (or every one wrong) all
  // those weights are 0 and we fall back to equal weights (the authors' code would divide by zero).
  const weights = Float32Array.from(kappa, (k) => (acc === 0 || acc === 1 ? 1 : k === 1 ? 1 - acc : acc));
  return { kappa, weights };
}

function caLossFromWeights(logits: tf.Tensor2D, temperatures: tf.Tensor1D, kappa: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const conf = tf.max(tf.softmax(tf.div(logits, tf.expandDims(temperatures, 1))), 1);
    const sq = tf.square(tf.sub(conf, kappa));
    return tf.div(tf.sum(tf.mul(weights, sq)), tf.sum(weights)) as tf.Scalar;
  });
}

/**
 * The CA objective (Liu et al. 2024) for given per-sample temperatures, differentiable in tfjs.
 *
 * `L_CA = Σ_i w_i (c_i − κ_i)² / Σ_i w_i`, with `c_i = max_k softmax(z_i / T_i)_k`, `κ_i = 1[argmax_k z_ik = y_i]`,
 * `w_i = 1 − acc` if sample i is correct and `acc` if it is wrong (`acc = mean κ`), so correct and wrong samples
 * carry equal total weight. If all samples are correct (or all wrong) the weights are equal instead.
 *
 * Shapes: logits `[N, C]` (tensor), labels `[N]`, temperatures `[N]` (tensor) → scalar tensor (caller disposes).
 *
 * @example
 * const loss = correctnessAwareLoss(logits, labels, tf.fill([n], 2));
 *
 * Paper: "Optimizing Calibration by Gaining Aware of Prediction Correctness", Liu, Wang, Zou, Zou, Zheng, 2024.
 */
export function correctnessAwareLoss(logits: tf.Tensor2D, labels: Labels, temperatures: tf.Tensor1D): tf.Scalar {
  if (!isTensor(logits) || logits.rank !== 2) throw new LosskitError('RANK_MISMATCH', 'logits must be a 2-D tensor', { argument: 'logits', expected: 'a tensor [N, C]' });
  const [n, c] = logits.shape;
  if (n === 0 || c === 0) throw new LosskitError('EMPTY_BATCH', 'no samples or no classes', { argument: 'logits', expected: 'a tensor [N, C], N, C >= 1', received: `[${n}, ${c}]` });
  if (!isTensor(temperatures) || temperatures.rank !== 1 || temperatures.shape[0] !== n) {
    throw new LosskitError('SHAPE_MISMATCH', 'one temperature per sample', { argument: 'temperatures', expected: `a tensor [${n}]`, received: isTensor(temperatures) ? `[${temperatures.shape.join(', ')}]` : typeof temperatures });
  }
  const y = readLabels(labels, n, c);
  const z = logits.dataSync() as Float32Array;
  z.forEach((v, k) => {
    if (!Number.isFinite(v)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: 'logits', expected: 'finite numbers', received: `${v} at index [${Math.floor(k / c)}, ${k % c}]` });
  });
  (temperatures.dataSync() as Float32Array).forEach((t, i) => {
    if (!(t > 0) || !Number.isFinite(t)) throw new LosskitError('INVALID_ARGUMENT', 'temperatures must be finite and > 0', { argument: 'temperatures', expected: 'finite numbers > 0', received: `${t} at index ${i}` });
  });
  const { kappa, weights } = correctnessWeights(z, y, n, c);
  const k = tf.tensor1d(kappa);
  const w = tf.tensor1d(weights);
  const out = caLossFromWeights(logits, temperatures, k, w);
  k.dispose();
  w.dispose();
  return out;
}

/** Options of {@link CorrectnessAwareCalibrator.fit}. */
export interface CorrectnessAwareOptions {
  /** What the predictions hold. Default `'logits'` (probabilities are mapped to `log p`). */
  readonly from?: From;
  /** Predictions of the same model on R transformed copies of the same inputs (each `[N, C]`, same kind). Default none. */
  readonly transformed?: readonly Predictions[];
  /** Number of largest logits used as features (k − 1 gaps to the largest). Default 10 (capped at C). */
  readonly topK?: number;
  /** Classes per transformed copy whose probabilities are features (the original's top ones). Default 4 (capped at C). */
  readonly transformTopK?: number;
  /** Hidden width of the temperature network. Default 5 (the authors' `feat_dim`). */
  readonly hidden?: number;
  /** Adam learning rate. Default 1e-2. */
  readonly learningRate?: number;
  /** Passes over the data. Default 100. */
  readonly epochs?: number;
  /** Minibatch size. Default 1000 (the authors' value). */
  readonly batchSize?: number;
  /** Seed for initialisation and shuffling. Default 0. */
  readonly seed?: number;
}

interface Network {
  readonly w1: number[]; // [d, h] row-major
  readonly b1: number[]; // [h]
  readonly w2: number[]; // [h]
  readonly b2: number;
  readonly mean: number[]; // feature standardisation [d]
  readonly std: number[];
}

/** Raw features `[n, d]`: k−1 gaps to the top logit, then per transformed copy its softmax at the original's top classes. */
function features(z: Float64Array, n: number, c: number, k: number, kt: number, copies: readonly Float64Array[]): Float64Array {
  const d = k - 1 + copies.length * kt;
  const out = new Float64Array(n * d);
  const probs = copies.map((t) => softmaxRows(t, n, c));
  const idx = Array.from({ length: c }, (_, j) => j);
  for (let i = 0; i < n; i++) {
    const row = z.subarray(i * c, (i + 1) * c);
    idx.sort((a, b) => row[b]! - row[a]! || a - b);
    let f = i * d;
    for (let j = 1; j < k; j++) out[f++] = row[idx[0]!]! - row[idx[j]!]!;
    for (const p of probs) for (let j = 0; j < kt; j++) out[f++] = p[i * c + idx[j]!]!;
  }
  return out;
}

/** Host float64 forward pass: per-sample temperatures. */
function temperaturesOf(net: Network, feats: Float64Array, n: number): Float64Array {
  const d = net.mean.length;
  const h = net.b1.length;
  const T = new Float64Array(n);
  const a = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) a[j] = (feats[i * d + j]! - net.mean[j]!) / net.std[j]!;
    let t = net.b2;
    for (let u = 0; u < h; u++) {
      let v = net.b1[u]!;
      for (let j = 0; j < d; j++) v += a[j]! * net.w1[j * h + u]!;
      if (v > 0) t += v * net.w2[u]!;
    }
    T[i] = Math.min(Math.max(t, T_LO), T_HI);
  }
  return T;
}

function readCopies(transformed: readonly Predictions[] | undefined, from: From, n: number, c: number): Float64Array[] {
  if (transformed !== undefined && !Array.isArray(transformed)) {
    throw new LosskitError('INVALID_ARGUMENT', 'transformed must be an array of prediction matrices', { argument: 'transformed', expected: `R arrays [${n}, ${c}]`, received: transformed === null ? 'null' : typeof transformed });
  }
  return (transformed ?? []).map((t, r) => {
    const m = readMatrix(t, `transformed[${r}]`);
    if (m.n !== n || m.c !== c) {
      throw new LosskitError('SHAPE_MISMATCH', 'transformed predictions must match the predictions', { argument: `transformed[${r}]`, expected: `[${n}, ${c}]`, received: `[${m.n}, ${m.c}]` });
    }
    return logitsOf(m, from, `transformed[${r}]`);
  });
}

/**
 * Correctness-aware calibrator (Liu et al. 2024): per-sample temperature `T_i = clamp(w2ᵀ ReLU(W1 a_i + b1) + b2, 0.1, 10)`
 * and calibrated probabilities `softmax(z_i / T_i)`, trained to minimise the CA objective
 * ({@link correctnessAwareLoss}) with Adam on minibatches.
 *
 * What we implement, exactly:
 * - Architecture as the authors' `Temperature_adaptive`: one hidden ReLU layer of width 5, a linear output, clamp to [0.1, 10].
 *   Their auxiliary BCE correctness head is trained in their code but not optimised by `L_CA`; we leave it out.
 * - Features `a_i` (standardised with the fit-set mean and std): the gaps `z_(1) − z_(j)`, j = 2..k, between the largest
 *   logit and the next k − 1 (k = 10); and, for each transformed copy given (rotation, greyscale, colour jitter in the
 *   paper), that copy's softmax at the original's top-4 classes (the authors' `temp_args`). The paper's key gain comes
 *   from the transformed copies; without them the network sees only the logits' shape.
 * - Initialisation: `W1 ~ N(0, 2/d)`, `b1 = 0`, `w2 ~ N(0, 0.01²)`, `b2 = 1` (starts at T ≈ 1, the identity).
 * - Training defaults: Adam lr 1e-2, 100 epochs, batch 1000, seeded shuffling. The authors use lr 1e-4 for 10 epochs on
 *   ImageNet-scale validation sets; our defaults are for validation sets of a few thousand samples.
 *
 * Shapes: fit `[N, C]` + `[N]` (+ R × `[N, C]`); transform `[M, C]` (+ the same R copies via `{ transformed }`) → `[M, C]`.
 *
 * @example
 * const ca = await CorrectnessAwareCalibrator.fit(valLogits, valLabels, { transformed: [valLogitsRotated] });
 * ca.transform(testLogits, { transformed: [testLogitsRotated] });
 *
 * Paper: "Optimizing Calibration by Gaining Aware of Prediction Correctness", Liu, Wang, Zou, Zou, Zheng, 2024.
 */
export class CorrectnessAwareCalibrator extends Calibrator {
  readonly kind = 'correctness-aware' as const;
  private constructor(
    from: From,
    classes: number,
    readonly topK: number,
    readonly transformTopK: number,
    /** Number of transformed copies expected by `transform`. */
    readonly copies: number,
    private readonly net: Network,
  ) {
    super(from, classes);
  }

  /** Trains the temperature network (tfjs, Adam). Async so long fits can yield; leaves no tensors behind. */
  static async fit(predictions: Predictions, labels: Labels, options?: CorrectnessAwareOptions): Promise<CorrectnessAwareCalibrator> {
    options = readOptions(options);
    const from = checkFrom(options.from ?? 'logits');
    const m = readMatrix(predictions);
    const y = readLabels(labels, m.n, m.c);
    const k = Math.min(params.positiveInteger('topK', options.topK ?? 10), m.c);
    const kt = Math.min(params.positiveInteger('transformTopK', options.transformTopK ?? 4), m.c);
    const h = params.positiveInteger('hidden', options.hidden ?? 5);
    const lr = params.positive('learningRate', options.learningRate ?? 1e-2);
    const epochs = params.positiveInteger('epochs', options.epochs ?? 100);
    const batch = params.positiveInteger('batchSize', options.batchSize ?? 1000);
    const seed = params.finite('seed', options.seed ?? 0);
    const z = logitsOf(m, from);
    const copies = readCopies(options.transformed, from, m.n, m.c);
    const raw = features(z, m.n, m.c, k, kt, copies);
    const d = k - 1 + copies.length * kt;
    if (d === 0) throw new LosskitError('INVALID_PARAMETER', 'no features: need topK >= 2 or transformed copies', { argument: 'topK', expected: 'an integer >= 2 (with C >= 2)', received: String(k) });
    const mean = new Array<number>(d).fill(0);
    const std = new Array<number>(d).fill(0);
    for (let i = 0; i < m.n; i++) for (let j = 0; j < d; j++) mean[j]! += raw[i * d + j]! / m.n;
    for (let i = 0; i < m.n; i++) for (let j = 0; j < d; j++) std[j]! += (raw[i * d + j]! - mean[j]!) ** 2 / m.n;
    for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]!) > 1e-12 ? Math.sqrt(std[j]!) : 1;
    const a = Float32Array.from(raw, (v, idx) => (v - mean[idx % d]!) / std[idx % d]!);

    const u = rng(seed);
    const g = normal(u);
    // tidy disposes the initial values; the variables survive it and are disposed in `finally`.
    const [w1, b1, w2, b2] = tf.tidy(() => [
      tf.variable(tf.tensor2d(Float32Array.from({ length: d * h }, () => g() * Math.sqrt(2 / d)), [d, h])),
      tf.variable(tf.zeros([h])),
      tf.variable(tf.tensor2d(Float32Array.from({ length: h }, () => g() * 0.01), [h, 1])),
      tf.variable(tf.scalar(1)),
    ]) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    const optimizer = tf.train.adam(lr);
    const zf = Float32Array.from(z);
    const order = Array.from({ length: m.n }, (_, i) => i);
    try {
      for (let e = 0; e < epochs; e++) {
        shuffleInPlace(order, u);
        for (let s = 0; s < m.n; s += batch) {
          const idx = order.slice(s, s + batch);
          const nb = idx.length;
          const zb = new Float32Array(nb * m.c);
          const ab = new Float32Array(nb * d);
          const yb = new Int32Array(nb);
          idx.forEach((i, r) => {
            zb.set(zf.subarray(i * m.c, (i + 1) * m.c), r * m.c);
            ab.set(a.subarray(i * d, (i + 1) * d), r * d);
            yb[r] = y[i]!;
          });
          const { kappa, weights } = correctnessWeights(zb, yb, nb, m.c);
          tf.tidy(() => {
            const zt = tf.tensor2d(zb, [nb, m.c]);
            const at = tf.tensor2d(ab, [nb, d]);
            const kt1 = tf.tensor1d(kappa);
            const wt = tf.tensor1d(weights);
            cleanTapeOnError(() => optimizer.minimize(() => {
              const hid = tf.relu(tf.add(tf.matMul(at, w1), b1));
              const T = tf.clipByValue(tf.reshape(tf.add(tf.matMul(hid, w2), b2), [nb]), T_LO, T_HI) as tf.Tensor1D;
              return caLossFromWeights(zt, T, kt1, wt);
            }, false, [w1, b1, w2, b2]));
          });
        }
        if (e % 10 === 9) await new Promise((r) => setTimeout(r, 0));
      }
      const net: Network = {
        w1: Array.from(w1.dataSync()),
        b1: Array.from(b1.dataSync()),
        w2: Array.from(w2.dataSync()),
        b2: b2.dataSync()[0]!,
        mean,
        std,
      };
      return new CorrectnessAwareCalibrator(from, m.c, k, kt, copies.length, net);
    } finally {
      optimizer.dispose();
      for (const v of [w1, b1, w2, b2]) v.dispose();
    }
  }

  static load(json: string | CalibratorJson): CorrectnessAwareCalibrator {
    const o = parseCalibrator(json, 'correctness-aware');
    const s = o.state;
    const topK = integer(s, 'topK', 1);
    const transformTopK = integer(s, 'transformTopK', 1);
    const copies = integer(s, 'copies', 0);
    const d = topK - 1 + copies * transformTopK;
    const b1 = numbers(s, 'b1');
    const net: Network = {
      w1: numbers(s, 'w1', d * b1.length),
      b1,
      w2: numbers(s, 'w2', b1.length),
      b2: scalar(s, 'b2'),
      mean: numbers(s, 'mean', d),
      std: numbers(s, 'std', d),
    };
    if (d < 1 || b1.length < 1 || net.std.some((v) => !(v > 0))) {
      throw new LosskitError('INVALID_ARGUMENT', 'bad network in saved calibrator', { argument: 'json', expected: 'at least one feature and hidden unit, feature std > 0' });
    }
    return new CorrectnessAwareCalibrator(o.from, o.classes, topK, transformTopK, copies, net);
  }

  /** Per-sample temperatures the network assigns to predictions (and their transformed copies). */
  temperatures(predictions: Predictions, options?: TransformOptions): number[] {
    options = readOptions(options);
    const m = readMatrix(predictions);
    return Array.from(this.temperaturesHost(m, options));
  }

  private temperaturesHost(m: HostMatrix, options: TransformOptions): Float64Array {
    const copies = readCopies(options.transformed, this.from, m.n, m.c);
    if (copies.length !== this.copies) {
      throw new LosskitError('MISSING_INPUT', 'the calibrator was fit with transformed copies', { argument: 'transformed', expected: `${this.copies} arrays`, received: `${copies.length}` });
    }
    const z = logitsOf(m, this.from);
    return temperaturesOf(this.net, features(z, m.n, m.c, this.topK, this.transformTopK, copies), m.n);
  }

  protected calibrate(m: HostMatrix, options: TransformOptions) {
    const T = this.temperaturesHost(m, options);
    const z = logitsOf(m, this.from);
    const scaled = z.map((v, idx) => v / T[Math.floor(idx / m.c)]!);
    return { data: softmaxRows(scaled, m.n, m.c), c: m.c };
  }

  protected state() {
    return {
      topK: this.topK,
      transformTopK: this.transformTopK,
      copies: this.copies,
      w1: [...this.net.w1],
      b1: [...this.net.b1],
      w2: [...this.net.w2],
      b2: this.net.b2,
      mean: [...this.net.mean],
      std: [...this.net.std],
    };
  }
}
