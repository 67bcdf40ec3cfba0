import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, formatIndex, formatShape, params } from '@losskit/core';
import { logSoftmax } from '@losskit/core/math';
import { type ValidateOption, inputTensor, validateOption } from '../validate.js';
import { standardEntry } from './entry.js';

/**
 * Connectionist temporal classification (Graves, Fernández, Gomez, Schmidhuber, ICML 2006): the negative
 * log-likelihood of a label sequence under every frame-level alignment that collapses to it.
 *
 * The forward (α) and backward (β) recursions run in log space in float64 on the host, one sequence at a time,
 * over the extended label sequence `l'` (a blank before, between and after the labels, `|l'| = 2L + 1`):
 * `α_t(s) = (α_{t-1}(s) ⊕ α_{t-1}(s-1) ⊕ [α_{t-1}(s-2) if l'_s ≠ blank and l'_s ≠ l'_{s-2}]) + log y_t(l'_s)`
 * (⊕ = log-add-exp), `log p(l|x) = α_{T-1}(|l'|-1) ⊕ α_{T-1}(|l'|-2)`, and β symmetrically from the end (both
 * include the emission at t, as in the paper). The gradient is the closed form of the paper's eq. 16, not
 * autodiff through a time loop: with the state occupancy `γ_t(s) = exp(α_t(s) + β_t(s) − log y_t(l'_s) − log p)`
 * and `occ_t(k) = Σ_{s: l'_s = k} γ_t(s)`,
 * `∂(−log p)/∂ log y_t(k) = −occ_t(k)` (log-probability input), and through the log-softmax
 * `∂(−log p)/∂z_t(k) = softmax(z_t)_k Σ_j occ_t(j) − occ_t(k)` (logit input). Frames past a sequence's input
 * length get gradient 0.
 *
 * An alignment is impossible when the labels need more frames than the sequence has (`L + #repeats > T`, a
 * repeated label needs a blank between its copies): then `p = 0` and the loss is `+∞` (torch's value), or 0
 * with `zeroInfinity`. Either way such a sequence's gradient is 0 (torch returns NaN for the `+∞` case).
 * @internal
 */
export interface CtcProblem {
  /** Logits or log-probabilities, flat; element `(b, t, k)` is at `b·strideB + t·strideT + k`. */
  readonly data: Float32Array | Float64Array;
  readonly batch: number;
  readonly classes: number;
  readonly strideB: number;
  readonly strideT: number;
  /** `true`: `data` holds logits (log-softmax applied per frame); `false`: log-probabilities as given. */
  readonly fromLogits: boolean;
  readonly blank: number;
  /** The label sequence of each sample (its length is the label length). */
  readonly labels: readonly Int32Array[];
  /** Valid frames of each sample. */
  readonly inputLengths: Int32Array;
}

/** What the forward pass keeps for the backward pass, per sample. */
interface CtcForward {
  readonly nll: Float64Array;
  /** Per sample: log α `[T_b, S]`, log-probabilities of the extended labels `[T_b, S]`, log-probs `[T_b, C]` (logits input). */
  readonly alpha: (Float64Array | undefined)[];
  readonly emit: (Float64Array | undefined)[];
  readonly logProbs: (Float64Array | undefined)[];
}

const NEG_INF = Number.NEGATIVE_INFINITY;

/** `log(e^a + e^b)`, `-∞` when both are (one `exp` and one `log1p`, none when an operand is `-∞`). */
function logAddExp2(a: number, b: number): number {
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  if (lo === NEG_INF) return hi;
  return hi + Math.log1p(Math.exp(lo - hi));
}

/** `log(e^a + e^b + e^c)`, `-∞` when all three are. */
function logAddExp3(a: number, b: number, c: number): number {
  if (a >= b && a >= c) return a === NEG_INF ? NEG_INF : a + Math.log1p(Math.exp(b - a) + Math.exp(c - a));
  if (b >= c) return b + Math.log1p(Math.exp(a - b) + Math.exp(c - b));
  return c + Math.log1p(Math.exp(a - c) + Math.exp(b - c));
}

/** Extended label sequence `l'` (blank, l_1, blank, l_2, ..., blank) and whether state `s` may be entered from `s − 2` (a label unlike the previous one). */
function extend(labels: Int32Array, blank: number): { ext: Int32Array; skip: Uint8Array } {
  const ext = new Int32Array(2 * labels.length + 1).fill(blank);
  const skip = new Uint8Array(ext.length);
  for (let i = 0; i < labels.length; i++) {
    ext[2 * i + 1] = labels[i]!;
    if (i > 0 && labels[i] !== labels[i - 1]) skip[2 * i + 1] = 1;
  }
  return { ext, skip };
}

/** Log-probabilities of sample `b`'s first `T` frames, `[T, C]` (log-softmax of logits in float64). */
function frameLogProbs(p: CtcProblem, b: number, T: number): Float64Array {
  const C = p.classes;
  const out = new Float64Array(T * C);
  for (let t = 0; t < T; t++) {
    const base = b * p.strideB + t * p.strideT;
    const row = t * C;
    if (p.fromLogits) out.set(logSoftmax(p.data.subarray(base, base + C)), row);
    else out.set(p.data.subarray(base, base + C), row);
  }
  return out;
}

/** The forward recursion of every sample: per-sample `−log p(l|x)` and what the backward pass needs. */
export function ctcForward(p: CtcProblem): CtcForward {
  const B = p.batch;
  const C = p.classes;
  const nll = new Float64Array(B);
  const alphas: (Float64Array | undefined)[] = new Array(B);
  const emits: (Float64Array | undefined)[] = new Array(B);
  const lps: (Float64Array | undefined)[] = new Array(B);
  for (let b = 0; b < B; b++) {
    const T = p.inputLengths[b]!;
    const { ext, skip } = extend(p.labels[b]!, p.blank);
    const S = ext.length;
    if (T === 0) {
      nll[b] = S === 1 ? 0 : Number.POSITIVE_INFINITY;
      continue;
    }
    const lp = frameLogProbs(p, b, T);
    const emit = new Float64Array(T * S);
    for (let t = 0; t < T; t++) for (let s = 0; s < S; s++) emit[t * S + s] = lp[t * C + ext[s]!]!;
    const alpha = new Float64Array(T * S).fill(NEG_INF);
    alpha[0] = emit[0]!;
    if (S > 1) alpha[1] = emit[1]!;
    for (let t = 1; t < T; t++) {
      const prev = (t - 1) * S;
      const cur = t * S;
      // States that are reachable by frame t and can still reach the end by frame T − 1.
      const lo = Math.max(0, S - 2 * (T - t));
      const hi = Math.min(S, 2 * t + 2);
      for (let s = lo; s < hi; s++) {
        const a0 = alpha[prev + s]!;
        const a1 = s >= 1 ? alpha[prev + s - 1]! : NEG_INF;
        alpha[cur + s] = (skip[s] === 1 ? logAddExp3(a0, a1, alpha[prev + s - 2]!) : logAddExp2(a0, a1)) + emit[cur + s]!;
      }
    }
    const last = (T - 1) * S;
    const logp = S > 1 ? logAddExp2(alpha[last + S - 1]!, alpha[last + S - 2]!) : alpha[last]!;
    nll[b] = -logp;
    if (logp === NEG_INF) continue;
    alphas[b] = alpha;
    emits[b] = emit;
    lps[b] = p.fromLogits ? lp : undefined;
  }
  return { nll, alpha: alphas, emit: emits, logProbs: lps };
}

/**
 * The backward recursion and the closed-form gradient, scaled per sample by `dy[b]`, in the layout of
 * `p.data` (float32). Samples with an impossible alignment (or `dy = 0`) get 0.
 */
export function ctcBackward(p: CtcProblem, f: CtcForward, dy: ArrayLike<number>, size: number): Float32Array {
  const C = p.classes;
  const grad = new Float32Array(size);
  const occ = new Float64Array(C);
  for (let b = 0; b < p.batch; b++) {
    const alpha = f.alpha[b];
    const emit = f.emit[b]!;
    const scale = dy[b]!;
    if (alpha === undefined || scale === 0) continue;
    const T = p.inputLengths[b]!;
    const { ext, skip } = extend(p.labels[b]!, p.blank);
    const S = ext.length;
    const logp = -f.nll[b]!;
    const lp = f.logProbs[b];
    let next = new Float64Array(S).fill(NEG_INF);
    let cur = new Float64Array(S).fill(NEG_INF);
    for (let t = T - 1; t >= 0; t--) {
      const row = t * S;
      cur.fill(NEG_INF);
      if (t === T - 1) {
        cur[S - 1] = emit[row + S - 1]!;
        if (S > 1) cur[S - 2] = emit[row + S - 2]!;
      } else {
        const lo = Math.max(0, S - 2 * (T - t));
        const hi = Math.min(S, 2 * t + 2);
        for (let s = lo; s < hi; s++) {
          const b0 = next[s]!;
          const b1 = s + 1 < S ? next[s + 1]! : NEG_INF;
          cur[s] = (s + 2 < S && skip[s + 2] === 1 ? logAddExp3(b0, b1, next[s + 2]!) : logAddExp2(b0, b1)) + emit[row + s]!;
        }
      }
      occ.fill(0);
      let total = 0;
      for (let s = 0; s < S; s++) {
        const a = alpha[row + s]!;
        const bt = cur[s]!;
        if (a === NEG_INF || bt === NEG_INF) continue;
        const g = Math.exp(a + bt - emit[row + s]! - logp);
        occ[ext[s]!]! += g;
        total += g;
      }
      const base = b * p.strideB + t * p.strideT;
      if (lp) {
        for (let k = 0; k < C; k++) grad[base + k] = scale * (Math.exp(lp[t * C + k]!) * total - occ[k]!);
      } else {
        for (let k = 0; k < C; k++) grad[base + k] = -scale * occ[k]!;
      }
      const swap = next;
      next = cur;
      cur = swap;
    }
  }
  return grad;
}

/** How {@link ctc} reduces the per-sequence losses. */
export type CtcReduction = 'mean' | 'sum' | 'none' | 'meanByLabelLength';

/** Options of {@link ctc}. */
export interface CtcOptions extends ValidateOption {
  /** Index of the blank class in `[0, C)`. Default 0 (Keras, torch, optax). */
  readonly blank?: number;
  /** What `yPred` holds: `'logits'` (default; log-softmax over the class axis is applied) or `'logProbs'` (used as given). */
  readonly from?: 'logits' | 'logProbs';
  /** Valid frames of each sequence, integers in `[0, T]`, shape `[B]`. Default `T` for every sequence. */
  readonly inputLengths?: TensorLike;
  /**
   * Labels of each sequence, integers in `[0, S]`, shape `[B]`: the first `labelLengths[b]` entries of row `b` of
   * `labels` are its label sequence, the rest is padding. Default: the entries before the first negative one.
   */
  readonly labelLengths?: TensorLike;
  /** Replace an infinite loss (an impossible alignment) by 0, with gradient 0. Default false (the loss is `+∞`). */
  readonly zeroInfinity?: boolean;
  /**
   * `'mean'` (default): mean over the batch of the per-sequence losses (Keras `sum_over_batch_size`);
   * `'sum'`; `'none'`: the per-sequence losses `[B]`; `'meanByLabelLength'`: each loss divided by its label
   * length (at least 1), then the mean (torch `reduction='mean'`).
   */
  readonly reduction?: CtcReduction;
}

/** Inputs of the CTC computation after validation: a float32 tensor and the host-side label data. @internal */
export interface CtcInputs {
  /** `[B, T, C]`, or `[T, B, C]` when `timeMajor`. */
  readonly x: Tensor;
  readonly timeMajor: boolean;
  readonly labels: readonly Int32Array[];
  readonly inputLengths: Int32Array;
  readonly blank: number;
  readonly fromLogits: boolean;
}

/**
 * Per-sequence CTC losses `[B]` of validated inputs with the closed-form gradient (`tf.customGrad`): the value
 * and gradient are computed on the host from one read-back of `x`. Call inside `tf.tidy`. @internal
 */
export function ctcPerSequence(inp: CtcInputs, zeroInfinity: boolean): Tensor {
  const [d0, d1, C] = inp.x.shape as [number, number, number];
  const [B, T] = inp.timeMajor ? [d1, d0] : [d0, d1];
  const fn = tf.customGrad(((x: Tensor) => {
    const p: CtcProblem = {
      data: x.dataSync() as Float32Array,
      batch: B,
      classes: C,
      strideB: inp.timeMajor ? C : T * C,
      strideT: inp.timeMajor ? B * C : C,
      fromLogits: inp.fromLogits,
      blank: inp.blank,
      labels: inp.labels,
      inputLengths: inp.inputLengths,
    };
    const f = ctcForward(p);
    const values = Float32Array.from(f.nll, (v) => (zeroInfinity && v === Number.POSITIVE_INFINITY ? 0 : v));
    return {
      value: tf.tensor1d(values),
      gradFunc: (dy: Tensor) => tf.tensor(ctcBackward(p, f, dy.dataSync(), x.size), x.shape, 'float32'),
    };
  }) as never) as (x: Tensor) => Tensor;
  return fn(inp.x);
}

/** Integer entries of a small host array, each checked against `[lo, hi]`; `name` names the argument. */
function integers(values: ArrayLike<number>, shape: readonly number[], name: string, lo: number, hi: number): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new LosskitError(Number.isFinite(v) ? 'INVALID_ARGUMENT' : 'NON_FINITE_INPUT', 'must hold integers in range', {
        argument: name,
        expected: `integers in [0, ${hi}]`,
        received: `${v} at ${formatIndex(i, shape)}`,
      });
    }
    out[i] = v;
  }
  return out;
}

/** Host values and shape of a small integer input (lengths, labels). */
function hostOf(x: TensorLike, name: string): { values: ArrayLike<number>; shape: readonly number[] } {
  const t = inputTensor(x, name, false);
  const values = t.dataSync();
  return { values, shape: t.shape };
}

/** One length per sequence: `[B]` integers in `[0, max]`, or `fallback` for every sequence. */
export function ctcLengths(x: TensorLike | undefined, batch: number, max: number, name: string, fallback: number): Int32Array {
  if (x === undefined || x === null) return new Int32Array(batch).fill(fallback);
  const { values, shape } = hostOf(x, name);
  if (values.length !== batch || shape.length > 1) {
    throw new LosskitError('SHAPE_MISMATCH', 'one length per sequence', { argument: name, expected: `shape [${batch}]`, received: formatShape(shape) });
  }
  return integers(values, shape, name, 0, max);
}

/**
 * Label sequences from padded rows `[B, S]` (or a concatenation `[ΣL]` with `lengths` given): integer labels in
 * `[0, C)`, never the blank unless `allowBlank` (Keras' 0-padding quirk). Entries past a row's length are padding
 * and are not read. Returns the sequences and their lengths.
 * @internal
 */
export function ctcLabels(
  labels: TensorLike,
  batch: number,
  classes: number,
  blank: number,
  lengths: TensorLike | undefined,
  names: { labels: string; lengths: string },
  allowBlank = false,
): Int32Array[] {
  const { values, shape } = hostOf(labels, names.labels);
  let rows: { start: number; length: number }[];
  if (shape.length === 2 && shape[0] === batch) {
    const S = shape[1]!;
    const given = lengths === undefined || lengths === null ? undefined : ctcLengths(lengths, batch, S, names.lengths, 0);
    rows = Array.from({ length: batch }, (_, b) => {
      if (given) return { start: b * S, length: given[b]! };
      let n = 0;
      while (n < S && values[b * S + n]! >= 0) n++;
      return { start: b * S, length: n };
    });
  } else if (shape.length === 1 && lengths !== undefined && lengths !== null) {
    const given = ctcLengths(lengths, batch, shape[0]!, names.lengths, 0);
    const total = given.reduce((a, v) => a + v, 0);
    if (total !== shape[0]) {
      throw new LosskitError('SHAPE_MISMATCH', 'concatenated labels must hold exactly the sum of the label lengths', {
        argument: names.labels,
        expected: `${total} entries (Σ ${names.lengths})`,
        received: `${shape[0]} entries`,
      });
    }
    let start = 0;
    rows = Array.from(given, (length) => {
      const r = { start, length };
      start += length;
      return r;
    });
  } else {
    throw new LosskitError('SHAPE_MISMATCH', 'labels must be padded rows, one per sequence', {
      argument: names.labels,
      expected: `shape [${batch}, S]${lengths === undefined ? '' : ` (or the concatenated labels [Σ ${names.lengths}])`}`,
      received: formatShape(shape),
    });
  }
  return rows.map(({ start, length }) => {
    const seq = new Int32Array(length);
    for (let i = 0; i < length; i++) {
      const v = values[start + i]!;
      const at = `${v} at ${formatIndex(start + i, shape)}`;
      if (!Number.isFinite(v)) throw new LosskitError('NON_FINITE_INPUT', 'labels must be finite integers', { argument: names.labels, expected: `integers in [0, ${classes})`, received: at });
      if (!Number.isInteger(v)) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be integers', { argument: names.labels, expected: `integers in [0, ${classes})`, received: at });
      if (v < 0 || v >= classes) throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range', { argument: names.labels, expected: `integers in [0, ${classes})`, received: at });
      if (v === blank && !allowBlank) throw new LosskitError('LABEL_OUT_OF_RANGE', 'a label is the blank index', { argument: names.labels, expected: `labels other than the blank ${blank}`, received: at });
      seq[i] = v;
    }
    return seq;
  });
}

/** Checks the blank index against the class count. @internal */
export function ctcBlank(blank: unknown, classes: number): number {
  if (typeof blank !== 'number' || !Number.isInteger(blank) || blank < 0 || blank >= classes) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid blank index', { argument: 'blank', expected: `an integer in [0, ${classes})`, received: String(blank) });
  }
  return blank;
}

const REDUCTIONS: readonly CtcReduction[] = ['mean', 'sum', 'none', 'meanByLabelLength'];

/**
 * Connectionist temporal classification loss (Graves et al. 2006) of frame-level scores `yPred` `[B, T, C]`
 * against unsegmented label sequences `labels` `[B, S]` (padded): `−log p(l | x)`, the negative log of the
 * total probability of every alignment (a label or the blank per frame) that collapses to `l` after merging
 * repeats and dropping blanks. Forward-backward in log space (float64, on the host) with the closed-form
 * gradient of the paper's eq. 16 (`tf.customGrad`), so `tf.grad` / `variableGrads` through it cost one
 * backward sweep, not autodiff through T steps.
 *
 * `log p = α_{T-1}(2L) ⊕ α_{T-1}(2L−1)` with `α_t(s) = (α_{t-1}(s) ⊕ α_{t-1}(s−1) ⊕ [α_{t-1}(s−2) if l'_s ∉ {blank, l'_{s−2}}]) + log y_t(l'_s)`
 * over the extended labels `l' = (blank, l_1, blank, …, l_L, blank)`.
 *
 * An impossible alignment (`L` plus the number of adjacent repeats exceeds the input length) has probability 0:
 * the loss is `+∞`, as in torch, or 0 with `zeroInfinity`; its gradient is 0 in both cases. `validate` (default
 * true) checks that `yPred` is finite (`NON_FINITE_INPUT`); a `+∞` from an impossible alignment is not an error
 * (it is the exact value; use `zeroInfinity` to train through it). Labels, lengths and `blank` are checked on
 * every call (`LABEL_OUT_OF_RANGE`, `NON_INTEGER_LABEL`, `INVALID_ARGUMENT`), as they index the scores.
 *
 * Shapes: `labels` `[B, S]`, `yPred` `[B, T, C]` → a scalar, or `[B]` with `reduction: 'none'`.
 * The anchors: Keras `CTC` (`@losskit/losses/keras` `ctc`), torch `CTCLoss` (`@losskit/losses/torch` `ctcLoss`,
 * time-major), optax `ctc_loss` (`reduction: 'none'`, lengths = number of unpadded entries).
 *
 * @example ctc([[1, 2]], logits, { blank: 0 }) // logits [1, 5, 3]: a scalar
 * @see Graves, Fernández, Gomez, Schmidhuber, "Connectionist Temporal Classification: Labelling Unsegmented Sequence Data with Recurrent Neural Networks" (ICML 2006).
 */
export function ctc(labels: TensorLike, yPred: TensorLike, options: CtcOptions = {}): Tensor {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
  const validate = validateOption(options);
  const zeroInfinity = params.boolean('zeroInfinity', options.zeroInfinity ?? false);
  const reduction = options.reduction ?? 'mean';
  if (!REDUCTIONS.includes(reduction)) {
    throw new LosskitError('INVALID_ARGUMENT', 'invalid reduction', { argument: 'reduction', expected: "'mean', 'sum', 'none' or 'meanByLabelLength'", received: String(reduction) });
  }
  const from = options.from ?? 'logits';
  if (from !== 'logits' && from !== 'logProbs') throw new LosskitError('INVALID_ARGUMENT', 'invalid prediction kind', { argument: 'from', expected: "'logits' or 'logProbs'", received: String(from) });
  return tf.tidy(() => {
    const x = inputTensor(yPred, 'yPred', validate);
    if (x.rank !== 3 || x.shape[0] === 0 || x.shape[2] === 0) {
      throw new LosskitError('RANK_MISMATCH', 'frame scores must be [B, T, C]', { argument: 'yPred', expected: 'shape [B, T, C] with B, C >= 1', received: formatShape(x.shape) });
    }
    const [B, T, C] = x.shape as [number, number, number];
    const blank = ctcBlank(options.blank ?? 0, C);
    const seqs = ctcLabels(labels, B, C, blank, options.labelLengths, { labels: 'labels', lengths: 'labelLengths' });
    const inputLengths = ctcLengths(options.inputLengths, B, T, 'inputLengths', T);
    const losses = ctcPerSequence({ x, timeMajor: false, labels: seqs, inputLengths, blank, fromLogits: from === 'logits' }, zeroInfinity);
    return reduceCtc(losses, seqs, reduction);
  });
}

/** Applies a {@link CtcReduction} to per-sequence losses. @internal */
export function reduceCtc(losses: Tensor, seqs: readonly Int32Array[], reduction: CtcReduction): Tensor {
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return tf.sum(losses);
  if (reduction === 'mean') return tf.mean(losses);
  const lengths = tf.tensor1d(seqs.map((s) => Math.max(1, s.length)));
  return tf.mean(tf.div(losses, lengths));
}

export const ctcEntry = standardEntry({
  id: 'ctc',
  name: 'Connectionist temporal classification (CTC)',
  export: 'ctc',
  category: 'sequence',
  summary: 'Negative log-likelihood of an unsegmented label sequence, summed over every frame alignment (Keras CTC, torch CTCLoss, optax ctc_loss); forward-backward in log space with a closed-form gradient.',
  formula: "-\\log \\sum_{\\pi \\in \\mathcal{B}^{-1}(l)} \\prod_{t=1}^{T} y^t_{\\pi_t},\\quad \\log p = \\alpha_T(|l'|) \\oplus \\alpha_T(|l'|-1),\\ \\alpha_t(s) = \\big(\\alpha_{t-1}(s) \\oplus \\alpha_{t-1}(s-1) \\oplus \\alpha_{t-1}(s-2)[l'_s \\ne b,\\ l'_s \\ne l'_{s-2}]\\big) + \\log y^t_{l'_s}",
  inputs: 'labels [B, S] (padded; labelLengths [B]), frame logits or log-probabilities yPred [B, T, C], inputLengths [B]',
  params: [
    { name: 'blank', default: 0, range: { min: 0 }, description: 'Index of the blank class.' },
    { name: 'from', default: 'logits', range: "'logits' | 'logProbs'", description: 'Logits (log-softmax applied) or log-probabilities.' },
    { name: 'zeroInfinity', default: false, description: 'An impossible alignment gives 0 instead of +∞.' },
    { name: 'reduction', default: 'mean', range: "'mean' | 'sum' | 'none' | 'meanByLabelLength'", description: "Batch reduction; 'meanByLabelLength' is torch's 'mean'." },
  ],
  paper: { title: 'Connectionist Temporal Classification: Labelling Unsegmented Sequence Data with Recurrent Neural Networks', authors: 'Alex Graves, Santiago Fernández, Faustino Gomez, Jürgen Schmidhuber', year: 2006, url: 'https://www.cs.toronto.edu/~graves/icml_2006.pdf' },
  example:
    "import * as tf from '@tensorflow/tfjs-core';\nimport { ctc } from '@losskit/losses';\nconst logits = tf.randomNormal([2, 6, 4]);\nconst labels = [[1, 2, 2], [3, 1, -1]]; // -1 pads the second sequence (2 labels)\nconst loss = ctc(labels, logits, { inputLengths: [6, 5] });\nconst grad = tf.grad((x) => ctc(labels, x, { inputLengths: [6, 5] }))(logits);",
});
