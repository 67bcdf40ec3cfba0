/**
 * Kernel and batch-difference calibration measures: MMCE (Kumar et al. 2018) and DCA (Liang et al. 2020), each as a
 * float64 metric on the host and as a differentiable losskit expression for training (`compile()` in @losskit/core).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineOp, node, params, prob, stopGradient } from '@losskit/core';
import { readLabels, readOptions, readProbs, topLabel, type From, type Labels, type Predictions } from './input.js';

/** Options of {@link mmce} and {@link mmcePenalty}. */
export interface MmceOptions {
  /** What the predictions hold (metric only; `compile()` takes it for the penalty). Default `'logits'`. */
  readonly from?: From;
  /** Width ω of the Laplacian kernel `k(r, r') = exp(−|r − r'| / ω)`. Default 0.4 (Kumar et al.; netcal's `exp(−2.5|Δ|)`). */
  readonly width?: number;
  /**
   * `false` (metric default): MMCE_m, every sample weighted 1/N. `true` (penalty default): MMCE_w, the correct and the
   * wrong samples each weighted by their own count (Kumar et al.'s training form; netcal's `MMCEPenalty`).
   */
  readonly weighted?: boolean;
}

function mmceOptions(options: MmceOptions | undefined, weightedDefault: boolean) {
  options = readOptions(options);
  const width = params.positive('width', options.width ?? 0.4);
  const weighted = params.boolean('weighted', options.weighted ?? weightedDefault);
  if (typeof weighted !== 'boolean') throw new LosskitError('INVALID_ARGUMENT', 'weighted must be a boolean', { argument: 'weighted', received: typeof weighted });
  return { width, weighted };
}

/** Per-sample coefficients v with MMCE² = vᵀ K v (see {@link mmce}); `correct` holds 0/1. */
function mmceCoefficients(conf: ArrayLike<number>, correct: ArrayLike<number>, weighted: boolean): Float64Array {
  const n = conf.length;
  const v = new Float64Array(n);
  let nc = 0;
  for (let i = 0; i < n; i++) nc += correct[i]!;
  const nw = n - nc;
  for (let i = 0; i < n; i++) {
    const r = conf[i]!;
    if (!weighted) v[i] = (correct[i]! - r) / n;
    else v[i] = correct[i] === 1 ? (1 - r) / nc : -r / nw;
  }
  return v;
}

/**
 * Maximum mean calibration error (Kumar et al. 2018), a kernel (RKHS) measure of the gap between confidence and
 * correctness, bin-free.
 *
 * With top-label confidence `r_i = max_c p_ic`, correctness `c_i = 1[argmax_c p_ic = y_i]` and the Laplacian kernel
 * `k(r, r') = exp(−|r − r'| / ω)`:
 * `MMCE_m = sqrt( (1/N²) Σ_{i,j} (c_i − r_i)(c_j − r_j) k(r_i, r_j) )` (default; netcal's `MMCE` metric), and with
 * `weighted: true`, writing D_c / D_w for the correct / wrong samples (sizes n_c, n_w),
 * `MMCE_w² = Σ_{i,j∈D_c} (1−r_i)(1−r_j)k_ij / n_c² + Σ_{i,j∈D_w} r_i r_j k_ij / n_w² − 2 Σ_{i∈D_c, j∈D_w} (1−r_i) r_j k_ij / (n_c n_w)`
 * (a part whose set is empty is 0). Both are `sqrt(vᵀKv)`; the kernel is positive definite, so the square is ≥ 0 up to
 * rounding, which is clamped at 0. O(N²) time, O(N) memory.
 *
 * Shapes: predictions `[N, C]`, labels `[N]` → number ≥ 0. Defaults: ω = 0.4, unweighted, `from: 'logits'`.
 *
 * @example
 * mmce([[0.9, 0.1], [0.2, 0.8]], [0, 0], { from: 'probs' }); // sqrt((0.1² + 0.8² − 2·0.08·e^{−0.25})/4)
 *
 * Paper: "Trainable Calibration Measures For Neural Networks From Kernel Mean Embeddings", Kumar, Sarawagi, Jain, ICML 2018.
 */
export function mmce(predictions: Predictions, labels: Labels, options: MmceOptions = {}): number {
  const { width, weighted } = mmceOptions(options, false);
  const p = readProbs(predictions, readOptions(options).from ?? 'logits');
  const y = readLabels(labels, p.n, p.c);
  const { confidence, prediction } = topLabel(p.data, p.n, p.c);
  const correct = Float64Array.from(prediction, (v, i) => (v === y[i] ? 1 : 0));
  const v = mmceCoefficients(confidence, correct, weighted);
  let q = 0;
  for (let i = 0; i < p.n; i++) {
    if (v[i] === 0) continue;
    let row = 0;
    for (let j = 0; j < p.n; j++) row += v[j]! * Math.exp(-Math.abs(confidence[i]! - confidence[j]!) / width);
    q += v[i]! * row;
  }
  return Math.sqrt(Math.max(q, 0));
}

/** Alias of {@link mmce}. */
export const maximumMeanCalibrationError = mmce;

/** `sqrt(max(q, 0))` with gradient `1/(2√q)` for q > 0 and 0 elsewhere (so a perfectly calibrated batch has no NaN gradient). */
function safeSqrt(q: Tensor): Tensor {
  const f = tf.customGrad(((x: Tensor, save: (ts: Tensor[]) => void) => {
    const s = tf.sqrt(tf.relu(x));
    save([s]);
    return {
      value: s,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const root = saved[0]!;
        const pos = tf.greater(root, 0);
        return tf.where(pos, tf.div(dy, tf.mul(tf.where(pos, root, tf.onesLike(root)), 2)), tf.zerosLike(root));
      },
    };
  }) as never) as unknown as (t: Tensor) => Tensor;
  return f(q);
}

/** Per sample: 1 when the arg-max of the prediction is the label, else 0 (no gradient). */
const correctnessOp = defineOp({
  kind: 'calibration.correct',
  evaluate: (c) => {
    const pred = tf.argMax(c.yPred, -1);
    const truth = c.labels ?? tf.argMax(c.yTrue(), -1);
    return stopGradient(tf.cast(tf.equal(pred, tf.cast(truth, 'int32')), 'float32'));
  },
  print: (_a, _p, m) => (m === 'latex' ? '\\mathbb{1}[\\hat y = y]' : '1[argmax = y]'),
});

/**
 * Per-sample correctness `1[argmax_c ŷ_c = y]` as a sample-level expression, with zero gradient (first index on ties,
 * as `tf.argMax`). With dense targets the label is the targets' arg-max.
 *
 * @example
 * compile(correctness())(labels, logits); // batch accuracy
 */
export function correctness(): Expr<'sample', 'any'> {
  return node(correctnessOp, 'sample', [], {});
}

const mmceOp = defineOp<{ width: number; weighted: boolean }>({
  kind: 'calibration.mmce',
  evaluate: (_c, a, p) => {
    const r = tf.reshape(a[0]!, [-1]);
    const k = tf.reshape(a[1]!, [-1]);
    const n = r.shape[0]!;
    let v: Tensor;
    if (!p.weighted) v = tf.div(tf.sub(k, r), n);
    else {
      const nc = tf.sum(k);
      const nw = tf.sub(n, nc);
      const safe = (d: Tensor) => tf.where(tf.greater(d, 0), d, tf.onesLike(d));
      // c_i (1 − r_i)/n_c − (1 − c_i) r_i / n_w; a missing group contributes nothing.
      v = tf.sub(tf.div(tf.mul(k, tf.sub(1, r)), safe(nc)), tf.div(tf.mul(tf.sub(1, k), r), safe(nw)));
    }
    const kernel = tf.exp(tf.div(tf.neg(tf.abs(tf.sub(tf.expandDims(r, 1), tf.expandDims(r, 0)))), p.width));
    const q = tf.sum(tf.mul(tf.mul(tf.expandDims(v, 1), tf.expandDims(v, 0)), kernel));
    return safeSqrt(q);
  },
  print: (a, p, m) => (m === 'latex' ? `\\mathrm{MMCE}_{${p.weighted ? 'w' : 'm'}}\\left(${a[0]!.s}, ${a[1]!.s}\\right)` : `mmce_${p.weighted ? 'w' : 'm'}[ω=${p.width}](${a[0]!.s}, ${a[1]!.s})`),
});

/**
 * MMCE as a differentiable batch-level training penalty (Kumar et al. 2018), for `compile()`:
 * `ce().mean().plus(mmcePenalty().scale(λ))`. The value is {@link mmce} of the batch (same formula, weighted form by
 * default as in the paper's training objective and netcal's `MMCEPenalty`); the gradient flows through the
 * confidences `r_i = max_c p_ic` (tie-shared at equal maxima) and the kernel, not through the 0/1 correctness. At a
 * batch whose MMCE is exactly 0 the gradient of the square root is taken as 0. Kumar et al. weigh it with λ ∈ [1, 10]
 * next to the NLL (they add `λ·MMCE`; netcal multiplies by its `weight`).
 *
 * Shapes: logits or probabilities `[B, C]`, labels `[B]` → scalar (a batch-level expression). Defaults ω = 0.4, weighted.
 *
 * @example
 * const loss = compile(ce().mean().plus(mmcePenalty().scale(2)));
 *
 * Paper: "Trainable Calibration Measures For Neural Networks From Kernel Mean Embeddings", Kumar, Sarawagi, Jain, ICML 2018.
 */
export function mmcePenalty(options: Omit<MmceOptions, 'from'> = {}): Expr<'batch', 'any'> {
  const o = mmceOptions(options, true);
  return node(mmceOp, 'batch', [prob().max(), correctness()], o) as Expr<'batch', 'any'>;
}

/** Options of {@link dca}. */
export interface DcaOptions {
  /** What the predictions hold. Default `'logits'`. */
  readonly from?: From;
}

/**
 * Difference between confidence and accuracy (DCA, Liang et al. 2020): `DCA = |(1/N) Σ_i c_i − (1/N) Σ_i r_i|`, with
 * top-label confidence `r_i` and correctness `c_i` as in {@link mmce}. It is 0 whenever the mean confidence equals the
 * accuracy, even if individual bins are miscalibrated. DCA ≤ ECE for any binning: DCA is the absolute value of the
 * count-weighted sum of the signed bin gaps, ECE the sum of their absolute values.
 *
 * Shapes: `[N, C]`, `[N]` → number in [0, 1]. Default `from: 'logits'`.
 *
 * @example
 * dca([[0.9, 0.1], [0.4, 0.6]], [0, 0], { from: 'probs' }); // |0.5 − 0.75| = 0.25
 *
 * Paper: "Improved Trainable Calibration Method for Neural Networks on Medical Imaging Classification", Liang, Zhang,
 * Wang, Jacobs, BMVC 2020 (arXiv:2009.04057).
 */
export function dca(predictions: Predictions, labels: Labels, options: DcaOptions = {}): number {
  options = readOptions(options);
  const p = readProbs(predictions, options.from ?? 'logits');
  const y = readLabels(labels, p.n, p.c);
  const { confidence, prediction } = topLabel(p.data, p.n, p.c);
  let gap = 0;
  for (let i = 0; i < p.n; i++) gap += (prediction[i] === y[i] ? 1 : 0) - confidence[i]!;
  return Math.abs(gap / p.n);
}

/**
 * DCA as a differentiable batch-level penalty (Liang et al. 2020; netcal's `DCAPenalty`):
 * `|mean_i max_c p_ic − mean_i 1[argmax = y_i]|`, i.e. `prob().max().minus(correctness()).mean().abs()` in the DSL; the
 * accuracy carries no gradient. Add it to a batch-level loss: `ce().mean().plus(dcaPenalty().scale(β))` (the paper uses β
 * between 1 and 10). Shapes: `[B, C]`, `[B]` → scalar.
 *
 * @example
 * const loss = compile(ce().mean().plus(dcaPenalty().scale(5)));
 *
 * Paper: "Improved Trainable Calibration Method for Neural Networks on Medical Imaging Classification", Liang et al., 2020.
 */
export function dcaPenalty(): Expr<'batch', 'any'> {
  return prob().max().minus(correctness()).mean().abs() as Expr<'batch', 'any'>;
}

