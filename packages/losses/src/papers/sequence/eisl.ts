import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, defineEntry, formatIndex, formatShape, params, toTensor } from '@losskit/core';
import { rng } from '@losskit/core/math';
import { inputTensor, validateOption } from '../../validate.js';

/** Options of {@link eisl}. Defaults are the authors' (guangyliu/EISL `EISL.py`, fairseq scripts `--ngram 1,2`). */
export interface EislOptions {
  /** The n-gram orders, each in `[1, min(T, T')]`. Default `[1, 2]`. */
  readonly ngrams?: readonly number[];
  /** Weight of each order. Default `1/len(ngrams)` each. */
  readonly weights?: readonly number[];
  /**
   * Position selection over the output positions: `gumbel` (default, the authors' `F.gumbel_softmax(term, tau=1,
   * dim=1)`, a fresh draw per call) or `softmax` (the same weights without the Gumbel noise, deterministic).
   */
  readonly selection?: 'gumbel' | 'softmax';
  /** Temperature τ of the position softmax. Default 1. */
  readonly tau?: number;
  /** Seed of the Gumbel draws (mulberry32). Default: random. */
  readonly seed?: number;
  /** Floor of the log-probabilities (the authors' `relu(lp + 20) − 20`). Default −20. */
  readonly logProbFloor?: number;
  /** `logits` (log-softmax applied, default) or `logProbs` (used as given). */
  readonly from?: 'logits' | 'logProbs';
  /** `mean` over sequences (default; the authors' sum over the batch divided by the batch size), `sum`, or `none` (`[B]`). */
  readonly reduction?: 'mean' | 'sum' | 'none';
  /** Check inputs (finite scores, labels in range). Default true. */
  readonly validate?: boolean;
}

function labelRows(labels: TensorLike, B: number, V: number): { flat: Int32Array; length: number } {
  const c = toTensor(labels, 'labels');
  try {
    const shape = c.tensor.shape;
    if (shape.length !== 2 || shape[0] !== B || shape[1] === 0) {
      throw new LosskitError('SHAPE_MISMATCH', 'one target sequence per output sequence', { argument: 'labels', expected: `shape [${B}, T'] with T' >= 1`, received: formatShape(shape) });
    }
    const v = c.host ?? c.tensor.dataSync();
    const flat = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      const at = `${x} at ${formatIndex(i, shape)}`;
      if (!Number.isFinite(x)) throw new LosskitError('NON_FINITE_INPUT', 'labels must be finite integers', { argument: 'labels', expected: `integers in [0, ${V})`, received: at });
      if (!Number.isInteger(x)) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be integers', { argument: 'labels', expected: `integers in [0, ${V})`, received: at });
      if (x < 0 || x >= V) throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range', { argument: 'labels', expected: `integers in [0, ${V})`, received: at });
      flat[i] = x;
    }
    return { flat, length: shape[1]! };
  } finally {
    if (c.owned) c.tensor.dispose();
  }
}

/**
 * `x.flat[idx]` with its gradient scattered back by ScatterNd (duplicates summed): tfjs's own Gather gradient needs
 * UnsortedSegmentSum, which the WASM backend does not register.
 */
function gatherFlat(x: Tensor, idx: Int32Array): Tensor {
  return tf.customGrad(((t: Tensor, save: (ts: Tensor[]) => void) => {
    const flatIdx = tf.tensor1d(idx, 'int32');
    save([flatIdx]);
    return {
      value: tf.gather(tf.reshape(t, [-1]), flatIdx),
      gradFunc: (dy: Tensor, saved: Tensor[]) => tf.reshape(tf.scatterND(tf.reshape(saved[0]!, [-1, 1]), tf.reshape(dy, [-1]), [t.size]), t.shape),
    };
  }) as never)(x) as Tensor;
}

/**
 * Edit-invariant sequence loss (EISL) of output scores `yPred` `[B, T, V]` against target token sequences `labels`
 * `[B, T']`: every target n-gram is matched against the n-grams at every output position, so shifted, inserted or
 * deleted tokens in the target cost little. With `c_ij = max(log p_i(y*_j), floor)` (output position i, target
 * position j) and, for order n, `m^n_ij = (1/n) Σ_{k<n} c_{i+k, j+k}` (a convolution of the cost matrix with the
 * n×n identity kernel), each target n-gram j takes the position-selected average
 * `s^n_j = Σ_i a^n_ij m^n_ij` with `a^n_·j = softmax_i((m^n_ij + G_ij)/τ)` (Gumbel noise `G` with `selection:
 * 'gumbel'`); the loss of a sequence is `−Σ_n w_n mean_j s^n_j`. Blend it with cross-entropy as the authors do
 * (`ngram_factor · EISL + ce_factor · CE`).
 *
 * Differentiable with tfjs autodiff (the position weights carry gradient, as `gumbel_softmax` does); every
 * n must be at most `min(T, T')`. Returns a scalar (`mean`/`sum`) or `[B]` (`none`).
 * Checked against `batch_log_EISL_cnn` (guangyliu/EISL `EISL.py`, commit 61811fa): the floor, the identity-kernel
 * convolution divided by n, `gumbel_softmax(·, tau=1, dim=1)`, the product summed over output positions, the mean
 * over target n-grams, the equal weights and the batch sum divided by the batch size.
 *
 * @example eisl([[3, 1, 2]], logits) // logits [1, 3, 5]
 * @see Liu, Yang, Tao, Liang, Bao, Li, He, Cui, Hu, "Don't Take It Literally: An Edit-Invariant Sequence Loss for
 *   Text Generation", NAACL 2022 (arXiv:2106.15078).
 */
export function eisl(labels: TensorLike, yPred: TensorLike, options: EislOptions = {}): Tensor {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
  const validate = validateOption(options);
  const selection = options.selection ?? 'gumbel';
  if (selection !== 'gumbel' && selection !== 'softmax') throw new LosskitError('INVALID_PARAMETER', 'unknown position selection', { argument: 'selection', expected: "'gumbel' or 'softmax'", received: String(selection) });
  const from = options.from ?? 'logits';
  if (from !== 'logits' && from !== 'logProbs') throw new LosskitError('INVALID_ARGUMENT', 'invalid prediction kind', { argument: 'from', expected: "'logits' or 'logProbs'", received: String(from) });
  const reduction = options.reduction ?? 'mean';
  if (!['mean', 'sum', 'none'].includes(reduction)) throw new LosskitError('INVALID_ARGUMENT', 'invalid reduction', { argument: 'reduction', expected: "'mean', 'sum' or 'none'", received: String(reduction) });
  const tau = params.positive('tau', options.tau ?? 1);
  const floor = params.finite('logProbFloor', options.logProbFloor ?? -20);
  const ngrams = options.ngrams ?? [1, 2];
  if (!Array.isArray(ngrams) || ngrams.length === 0) throw new LosskitError('INVALID_PARAMETER', 'ngrams must be a non-empty list', { argument: 'ngrams', expected: 'positive integers', received: JSON.stringify(ngrams) });
  ngrams.forEach((n, k) => params.positiveInteger(`ngrams[${k}]`, n));
  const weights = options.weights ?? ngrams.map(() => 1 / ngrams.length);
  if (!Array.isArray(weights) || weights.length !== ngrams.length) {
    throw new LosskitError('INVALID_PARAMETER', 'one weight per n-gram order', { argument: 'weights', expected: `${ngrams.length} numbers`, received: JSON.stringify(weights) });
  }
  weights.forEach((w, k) => params.nonNegative(`weights[${k}]`, w));
  const seed = options.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : params.finite('seed', options.seed);
  return tf.tidy(() => {
    const x = inputTensor(yPred, 'yPred', validate);
    if (x.rank !== 3 || x.shape[0] === 0 || x.shape[1] === 0 || x.shape[2] === 0) {
      throw new LosskitError('RANK_MISMATCH', 'output scores must be [B, T, V]', { argument: 'yPred', expected: 'shape [B, T, V] with B, T, V >= 1', received: formatShape(x.shape) });
    }
    const [B, T, V] = x.shape as [number, number, number];
    const { flat, length: Tp } = labelRows(labels, B, V);
    for (const n of ngrams) {
      if (n > Math.min(T, Tp)) throw new LosskitError('INVALID_PARAMETER', 'an n-gram order is longer than a sequence', { argument: 'ngrams', expected: `orders in [1, ${Math.min(T, Tp)}] (min of T = ${T} and T' = ${Tp})`, received: String(n) });
    }
    const lp = tf.maximum(from === 'logits' ? tf.logSoftmax(x, -1) : x, floor);
    // c[b, i, j] = lp[b, i, y[b, j]]: one flat gather (its gradient scatters back into lp).
    const idx = new Int32Array(B * T * Tp);
    for (let b = 0; b < B; b++) for (let i = 0; i < T; i++) for (let j = 0; j < Tp; j++) idx[(b * T + i) * Tp + j] = (b * T + i) * V + flat[b * Tp + j]!;
    const cost = tf.reshape(gatherFlat(lp, idx), [B, T, Tp]);
    const u = rng(seed);
    let perSeq: Tensor = tf.zeros([B]);
    ngrams.forEach((n, k) => {
      const I = T - n + 1;
      const J = Tp - n + 1;
      let m: Tensor = tf.slice(cost, [0, 0, 0], [B, I, J]);
      for (let s = 1; s < n; s++) m = tf.add(m, tf.slice(cost, [0, s, s], [B, I, J]));
      m = tf.div(m, n);
      let logits = m;
      if (selection === 'gumbel') {
        const g = Float32Array.from({ length: B * I * J }, () => -Math.log(-Math.log(Math.min(Math.max(u(), 1e-12), 1 - 1e-7))));
        logits = tf.add(m, tf.tensor3d(g, [B, I, J]));
      }
      const z = tf.div(logits, tau);
      const a = tf.exp(tf.sub(z, tf.logSumExp(z, 1, true))); // softmax over the output positions i
      const s = tf.mean(tf.sum(tf.mul(a, m), 1), 1); // [B]
      perSeq = tf.sub(perSeq, tf.mul(s, weights[k]!));
    });
    if (reduction === 'none') return perSeq;
    return reduction === 'sum' ? tf.sum(perSeq) : tf.mean(perSeq);
  });
}

export const eislEntry = defineEntry({
  id: 'eisl',
  name: 'Edit-invariant sequence loss (EISL)',
  package: '@losskit/losses',
  export: 'eisl',
  category: 'sequence',
  summary: 'Matches every target n-gram against the n-grams at every output position (a convolution with identity kernels), so edits and shifts in noisy targets cost little.',
  formula:
    '\\mathcal{L} = -\\sum_n w_n \\frac{1}{T\'-n+1}\\sum_j \\sum_i a^n_{ij} m^n_{ij},\\ m^n_{ij} = \\frac{1}{n}\\sum_{k<n} \\log p_{i+k}(y^*_{j+k}),\\ a^n_{\\cdot j} = \\operatorname{softmax}_i\\left(\\frac{m^n_{ij} + G_{ij}}{\\tau}\\right)',
  inputs: "labels [B, T'] (target tokens); output logits or log-probabilities yPred [B, T, V]",
  params: [
    { name: 'ngrams', default: [1, 2], range: 'positive integers <= min(T, T\')', description: 'n-gram orders' },
    { name: 'weights', default: null, range: 'one number >= 0 per order', description: 'weight of each order (default equal)' },
    { name: 'selection', default: 'gumbel', range: "'gumbel' | 'softmax'", description: 'position selection: Gumbel-softmax (authors) or plain softmax' },
    { name: 'tau', default: 1, range: { min: 0, minExclusive: true }, description: 'temperature of the position softmax' },
    { name: 'seed', default: null, range: 'any finite number', description: 'seed of the Gumbel draws' },
    { name: 'logProbFloor', default: -20, range: 'any finite number', description: 'floor of the log-probabilities' },
    { name: 'reduction', default: 'mean', range: "'mean' | 'sum' | 'none'", description: 'over sequences' },
  ],
  paper: { title: "Don't Take It Literally: An Edit-Invariant Sequence Loss for Text Generation", authors: 'Guangyi Liu, Zichao Yang, Tianhua Tao, Xiaodan Liang, Junwei Bao, Zhen Li, Xiaodong He, Shuguang Cui, Zhiting Hu', year: 2022, url: 'arXiv:2106.15078' },
  example:
    "import * as tf from '@tensorflow/tfjs-core';\nimport { eisl } from '@losskit/losses';\nconst logits = tf.tensor3d([[[2, 0, 0, 1], [0, 3, 0, 0], [0, 0, 1, 2]]]);\nconst labels = [[3, 1, 2]]; // the first target token moved to the end\nconst loss = eisl(labels, logits, { selection: 'softmax' });\nconst grad = tf.grad((x) => eisl(labels, x, { selection: 'softmax' }))(logits);",
});
