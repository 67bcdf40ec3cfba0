import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, cleanTapeOnError } from '@losskit/core';
import { type DataTensors, type LabeledData, type ModelLike, checkModelData, checkSameWeights, dataTensors, forward, modelVariables, predictLogits, probeOutput } from './model.js';
import { optionsOf } from './objective.js';
import { type MiaResult, miaAuc, minKPlusPlusScore, minKScore } from './forget-quality.js';
import { sequenceLabels } from './sequence.js';

// Sequence (and classifier) evaluation statistics of open-unlearning (locuslab/open-unlearning d3d7cf9e,
// src/evals/metrics/utils.py evaluate_probability / tokenwise_logprobs / tokenwise_vocab_logprobs, memorization.py,
// privacy.py and mia/*.py). A classifier is a sequence of one token: logits [N, C], labels [N].

/** Options shared by the model-level metrics. */
export interface TokenMetricOptions {
  /** Forward-pass batch size. Default 64. */
  readonly batchSize?: number;
}

interface TokenRows {
  /** Per sample: log p(label) at every valid position. */
  readonly logProbs: number[][];
  /** Per sample: the full log-softmax row at every valid position (when asked for). */
  readonly vocab: number[][][] | undefined;
  /** Per sample: arg-max class and label at every valid position. */
  readonly preds: number[][];
  readonly labels: number[][];
}

/** @internal Validated data with labels and mask for a classifier or a sequence model. The caller disposes. */
export interface EvalData {
  readonly d: DataTensors;
  readonly labels: Tensor;
  /** `[N, T]` mask, or `undefined` for a classifier (labels `[N]`). */
  readonly mask: Tensor | undefined;
  dispose(): void;
}

/** @internal */
export function evalData(model: ModelLike, data: LabeledData, argument: string): EvalData {
  modelVariables(model);
  const d = dataTensors(data, argument);
  try {
    const shape = probeOutput(model, d, argument);
    if (shape.length === 3) {
      const s = sequenceLabels(d, shape, argument);
      const dispose = (): void => {
        s.labels.dispose();
        s.mask.dispose();
        d.dispose();
      };
      return { d, labels: s.labels, mask: s.mask, dispose };
    }
    checkModelData(model, d, argument);
    if (d.y.rank !== 1) throw new LosskitError('SHAPE_MISMATCH', 'token metrics need integer labels', { argument: `${argument}.y`, expected: 'labels [N] (classifier) or [N, T] (sequence model)', received: `targets of shape [${d.y.shape.join(', ')}]` });
    return { d, labels: d.y, mask: undefined, dispose: () => d.dispose() };
  } catch (e) {
    d.dispose();
    throw e;
  }
}

function batchSizeOf(options: TokenMetricOptions | undefined): number {
  const b = optionsOf(options)?.batchSize ?? 64;
  if (!Number.isInteger(b) || b < 1) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'batchSize', expected: 'an integer >= 1', received: String(b) });
  return b;
}

/** @internal Host read-back of per-position statistics at the valid positions of every sample. */
function tokenRows(model: ModelLike, e: EvalData, batchSize: number, vocab: boolean): TokenRows {
  const n = e.d.n;
  const out: TokenRows = { logProbs: [], vocab: vocab ? [] : undefined, preds: [], labels: [] };
  for (let s = 0; s < n; s += batchSize) {
    const size = Math.min(batchSize, n - s);
    const [lp, lab, msk] = tf.tidy(() => {
      const x = tf.slice(e.d.x, s, size);
      const logits = predictLogits(model, x, size);
      const l = tf.logSoftmax(logits);
      const labels = tf.slice(e.labels, s, size);
      return [l, labels, e.mask ? tf.slice(e.mask, s, size) : tf.ones([size])];
    });
    const V = lp.shape.at(-1)!;
    const lpv = lp.dataSync();
    const labv = lab.dataSync();
    const mv = msk.dataSync();
    [lp, lab, msk].forEach((t) => t.dispose());
    const T = e.mask ? e.mask.shape[1]! : 1;
    for (let i = 0; i < size; i++) {
      const lps: number[] = [];
      const rows: number[][] = [];
      const preds: number[] = [];
      const labels: number[] = [];
      for (let t = 0; t < T; t++) {
        if (mv[i * T + t] === 0) continue;
        const off = (i * T + t) * V;
        const y = labv[i * T + t]!;
        lps.push(lpv[off + y]!);
        let arg = 0;
        for (let v = 1; v < V; v++) if (lpv[off + v]! > lpv[off + arg]!) arg = v;
        preds.push(arg);
        labels.push(y);
        if (vocab) rows.push(Array.from(lpv.subarray(off, off + V)));
      }
      out.logProbs.push(lps);
      out.preds.push(preds);
      out.labels.push(labels);
      out.vocab?.push(rows);
    }
  }
  return out;
}

/**
 * Log-probabilities `log p(y_t | x, y_<t)` of every labelled position of every sample (open-unlearning
 * `tokenwise_logprobs`; for a classifier one value per sample). Positions labelled −100 or masked out are skipped (a
 * sequence without any is `[]`). open-unlearning also drops each sequence's last labelled token (the EOS prediction);
 * mask it to match. Shapes: x `[N, ...]`, y `[N, T]` (sequence model) or `[N]` (classifier).
 * @example const lp = tokenLogProbs(lm, forget); // number[N][tokens]
 */
export function tokenLogProbs(model: ModelLike, data: LabeledData, options: TokenMetricOptions = {}): number[][] {
  const b = batchSizeOf(options);
  const e = evalData(model, data, 'data');
  try {
    return tokenRows(model, e, b, false).logProbs;
  } finally {
    e.dispose();
  }
}

/**
 * Mean token NLL per sample, `−(1/|y|) Σ_t log p(y_t | …)` over the labelled positions (open-unlearning
 * `evaluate_probability`'s `avg_loss`; the LOSS attack's statistic). NaN for a sequence with no labelled position.
 * @example meanTokenNll(lm, forget) // number[N]
 */
export function meanTokenNll(model: ModelLike, data: LabeledData, options: TokenMetricOptions = {}): number[] {
  return tokenLogProbs(model, data, options).map((lp) => (lp.length === 0 ? NaN : -lp.reduce((a, v) => a + v, 0) / lp.length));
}

/**
 * Length-normalised probability per sample, `exp(−meanTokenNll)` (open-unlearning `probability`, TOFU's "Prob.").
 * @example mean(sequenceProbability(lm, retain))
 */
export function sequenceProbability(model: ModelLike, data: LabeledData, options: TokenMetricOptions = {}): number[] {
  return meanTokenNll(model, data, options).map((l) => Math.exp(-l));
}

/**
 * Exact memorization per sample: the fraction of labelled positions whose arg-max prediction is the label
 * (open-unlearning `exact_memorization`). NaN for a sequence without labelled positions (open-unlearning: None).
 * @see Tirumala et al., "Memorization Without Overfitting" (2022).
 */
export function exactMemorization(model: ModelLike, data: LabeledData, options: TokenMetricOptions = {}): number[] {
  const b = batchSizeOf(options);
  const e = evalData(model, data, 'data');
  try {
    const r = tokenRows(model, e, b, false);
    return r.preds.map((p, i) => (p.length === 0 ? NaN : p.filter((v, t) => v === r.labels[i]![t]).length / p.length));
  } finally {
    e.dispose();
  }
}

/**
 * Extraction strength per sample: `1 − k/L`, k the smallest position from which every arg-max prediction up to the
 * end equals the label (L labelled positions). As open-unlearning's `extraction_strength` (its loop over
 * `range(L)` ends at k = L − 1): when no suffix matches, k = L − 1, so the score is `1/L` (1 for a one-token answer
 * predicted wrong); a sequence without labelled positions scores 0.
 * @see Carlini et al., "Extracting Training Data from Large Language Models" (2021); open-unlearning `extraction_strength`.
 */
export function extractionStrength(model: ModelLike, data: LabeledData, options: TokenMetricOptions = {}): number[] {
  const b = batchSizeOf(options);
  const e = evalData(model, data, 'data');
  try {
    const r = tokenRows(model, e, b, false);
    return r.preds.map((p, i) => {
      const L = p.length;
      if (L === 0) return 0;
      let k = 0;
      for (; k < L; k++) if (p.slice(k).every((v, t) => v === r.labels[i]![k + t])) break;
      // open-unlearning's loop leaves k = L − 1 when no suffix matches (its range ends at L − 1).
      return 1 - Math.min(k, L - 1) / L;
    });
  } finally {
    e.dispose();
  }
}

/** Finite numbers; `min: 'nonNegative'` for mean NLLs (a probability ≤ 1), `'positive'` for divisors (zlib sizes). */
function numbers(v: unknown, argument: string, min?: 'nonNegative' | 'positive'): number[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new LosskitError('INVALID_ARGUMENT', 'expected an array of numbers', { argument, expected: 'finite numbers', received: v === null ? 'null' : typeof v });
  const a = Array.from(v as ArrayLike<unknown>);
  if (a.length === 0) throw new LosskitError('EMPTY_BATCH', 'no values', { argument, expected: 'at least one value', received: '0' });
  a.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new LosskitError('NON_FINITE_INPUT', 'values must be finite numbers', { argument, expected: 'finite numbers', received: `${String(x)} at index ${i}` });
    if ((min === 'nonNegative' && x < 0) || (min === 'positive' && x <= 0)) {
      throw new LosskitError('INVALID_ARGUMENT', min === 'nonNegative' ? 'a mean token NLL cannot be negative' : 'values must be positive', { argument, expected: min === 'nonNegative' ? 'mean NLLs ≥ 0' : 'numbers > 0', received: `${x} at index ${i}` });
    }
  });
  return a as number[];
}

function perturbations(wrong: unknown, n: number): number[][] {
  if (!Array.isArray(wrong) || wrong.length !== n) throw new LosskitError('SHAPE_MISMATCH', 'one entry of wrong answers per sample', { argument: 'wrongNll', expected: `${n} entries (a number or an array of numbers each)`, received: Array.isArray(wrong) ? `${wrong.length} entries` : typeof wrong });
  return wrong.map((w, i) => numbers(typeof w === 'number' ? [w] : w, `wrongNll[${i}]`, 'nonNegative'));
}

/** Truth-ratio aggregators of open-unlearning (`truth_ratio`'s `aggregator`). */
export type TruthRatioAggregator = 'closerTo1Better' | 'trueBetter' | 'probMean';

/** Result of {@link truthRatio}. */
export interface TruthRatioResult {
  /** Per-sample truth ratios (the statistic forget quality's KS test compares). */
  readonly values: number[];
  /** The aggregate of the values. */
  readonly value: number;
}

/**
 * TOFU's truth ratio (open-unlearning `truth_ratio`, d3d7cf9e): from the mean token NLL of the correct (paraphrased)
 * answer `ℓ_c` and of each wrong (perturbed) answer, `ℓ_w` = mean of the wrong answers' NLLs per sample,
 * `P_c = e^{−ℓ_c}`, `P_w = e^{−ℓ_w}`: `tr = P_w / (P_c + 1e-10)` for `closerTo1Better` (forget set; aggregate
 * `mean min(tr, 1/(tr + 1e-10))`, the default) and `trueBetter` (retain sets; `mean max(0, 1 − tr)`), and
 * `tr = P_c / (P_c + P_w + 1e-10)` for `probMean` (aggregate: mean). Shapes: `correctNll` `[N]`, `wrongNll` `[N]` or
 * `[N][K]` (K perturbations per sample).
 *
 * @example truthRatio(meanTokenNll(lm, paraphrased), perturbedSets.map((s) => meanTokenNll(lm, s)).reduce(...))
 * @see Maini, Feng, Schwarzschild, Lipton, Kolter, "TOFU: A Task of Fictitious Unlearning for LLMs" (2024).
 */
export function truthRatio(correctNll: ArrayLike<number>, wrongNll: ArrayLike<number> | readonly ArrayLike<number>[], options: { readonly aggregator?: TruthRatioAggregator } = {}): TruthRatioResult {
  const agg = optionsOf(options).aggregator ?? 'closerTo1Better';
  if (!['closerTo1Better', 'trueBetter', 'probMean'].includes(agg)) throw new LosskitError('INVALID_PARAMETER', 'unknown aggregator', { argument: 'aggregator', expected: "'closerTo1Better', 'trueBetter' or 'probMean'", received: String(agg) });
  const c = numbers(correctNll, 'correctNll', 'nonNegative');
  const w = perturbations(Array.from(wrongNll as ArrayLike<unknown>), c.length).map((row) => row.reduce((a, v) => a + v, 0) / row.length);
  const values = c.map((lc, i) => {
    const pc = Math.exp(-lc);
    const pw = Math.exp(-w[i]!);
    return agg === 'probMean' ? pc / (pc + pw + 1e-10) : pw / (pc + 1e-10);
  });
  const each = agg === 'closerTo1Better' ? values.map((t) => Math.min(t, 1 / (t + 1e-10))) : agg === 'trueBetter' ? values.map((t) => Math.max(0, 1 - t)) : values;
  return { values, value: each.reduce((a, v) => a + v, 0) / each.length };
}

/**
 * Normalised probability of the correct answer among options (open-unlearning `probability_w_options`, TOFU's real-authors
 * and world-facts "Prob."): `P_c / (P_c + Σ_k P_w,k + 1e-10)` with `P = e^{−meanTokenNll}`. Shapes as {@link truthRatio}.
 */
export function probabilityWithOptions(correctNll: ArrayLike<number>, wrongNll: ArrayLike<number> | readonly ArrayLike<number>[]): TruthRatioResult {
  const c = numbers(correctNll, 'correctNll', 'nonNegative');
  const w = perturbations(Array.from(wrongNll as ArrayLike<unknown>), c.length);
  const values = c.map((lc, i) => {
    const pc = Math.exp(-lc);
    return pc / (pc + w[i]!.reduce((a, lw) => a + Math.exp(-lw), 0) + 1e-10);
  });
  return { values, value: values.reduce((a, v) => a + v, 0) / values.length };
}

/**
 * MUSE's PrivLeak (open-unlearning `privleak`): `((1 − auc) − (1 − auc_ret)) / ((1 − auc_ret) + 1e-10) · 100`, the relative
 * gap between the unlearned model's MIA AUC and the retrained model's (default 0.5, open-unlearning's `ref_value`).
 * Near 0 = as private as retraining.
 * @see Shi et al., "MUSE: Machine Unlearning Six-Way Evaluation for Language Models" (2024).
 */
export function privLeak(auc: number, retrainedAuc = 0.5): number {
  for (const [name, v] of [['auc', auc], ['retrainedAuc', retrainedAuc]] as const) {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new LosskitError('INVALID_ARGUMENT', 'an AUC in [0, 1]', { argument: name, expected: 'a number in [0, 1]', received: String(v) });
  }
  return ((1 - auc - (1 - retrainedAuc)) / (1 - retrainedAuc + 1e-10)) * 100;
}

/**
 * open-unlearning's `rel_diff` (privacy.py): the relative difference of a statistic of the unlearned model to the same
 * statistic of the retrained model, in percent, `(score − reference) / (reference + 1e-10) · 100` (PrivLeak without
 * MUSE's `1 − AUC` flip). `score` finite, `reference` finite and ≥ 0 (a rate, an AUC, a mean loss).
 * @example relDiff(0.8, 0.5) // 60
 */
export function relDiff(score: number, reference: number): number {
  for (const [name, v] of [['score', score], ['reference', reference]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || (name === 'reference' && v < 0)) {
      throw new LosskitError('INVALID_ARGUMENT', name === 'score' ? 'a finite number' : 'a finite number ≥ 0', { argument: name, expected: name === 'score' ? 'a finite number' : 'a finite number >= 0', received: String(v) });
    }
  }
  return ((score - reference) / (reference + 1e-10)) * 100;
}

/**
 * Byte length of each text compressed with zlib at its default level (the "zlib entropy" of Carlini et al. 2021 that
 * open-unlearning's `ZLIBAttack` divides by: `len(zlib.compress(text.encode('utf-8')))`), through the standard
 * `CompressionStream('deflate')` (zlib format, level 6), which gives the same lengths as Python's `zlib.compress`.
 * @example await zlibSize(['hello world']) // [19]
 */
export async function zlibSize(texts: readonly string[]): Promise<number[]> {
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) throw new LosskitError('INVALID_ARGUMENT', 'expected an array of strings', { argument: 'texts', expected: 'string[]', received: Array.isArray(texts) ? 'an array with a non-string' : typeof texts });
  if (typeof CompressionStream !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'CompressionStream is not available in this runtime', { argument: 'texts', expected: 'a runtime with CompressionStream (Node ≥ 18, modern browsers)' });
  const out: number[] = [];
  for (const t of texts) {
    const stream = new Blob([new TextEncoder().encode(t)]).stream().pipeThrough(new CompressionStream('deflate'));
    out.push((await new Response(stream).arrayBuffer()).byteLength);
  }
  return out;
}

/** The MIA attacks of open-unlearning (`AllAttacks`, minus `recall`). */
export type MiaAttack = 'loss' | 'zlib' | 'minK' | 'minKPlusPlus' | 'gradNorm' | 'reference';

/** Options of {@link miaScores} and {@link mia}. */
export interface MiaScoreOptions extends TokenMetricOptions {
  readonly attack: MiaAttack;
  /** Fraction of tokens for `minK` / `minKPlusPlus`. Default 0.2 (open-unlearning's class default; its TOFU config uses 0.4). */
  readonly k?: number;
  /** Norm of `gradNorm`: 1, 2 or Infinity. Default 2. */
  readonly p?: number;
  /** The reference model of `reference` (e.g. one trained on other data, or the retrained model). */
  readonly reference?: ModelLike;
  /** `zlib`: compressed size of each sample's text (from {@link zlibSize}), one per sample of the set scored. */
  readonly zlibSizes?: ArrayLike<number>;
}

function gradNormScores(model: ModelLike, e: EvalData, p: number): number[] {
  const vars = modelVariables(model);
  const out: number[] = [];
  for (let i = 0; i < e.d.n; i++) {
    const norms = tf.tidy(() => {
      const x = tf.slice(e.d.x, i, 1);
      const lab = tf.slice(e.labels, i, 1);
      const m = e.mask ? tf.slice(e.mask, i, 1) : tf.ones([1]);
      const { grads } = cleanTapeOnError(() =>
        tf.variableGrads(() => {
          const logits = forward(model, x, true);
          const V = logits.shape.at(-1)!;
          const lp = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.cast(lab, 'int32'), V)), -1);
          // −mean of the labelled positions' log-probabilities (open-unlearning GradNormAttack).
          return tf.neg(tf.div(tf.sum(tf.mul(lp, m)), tf.maximum(tf.sum(m), 1))) as tf.Scalar;
        }, vars),
      );
      const each = Object.values(grads).map((g) => (p === Infinity ? tf.max(tf.abs(g)) : p === 1 ? tf.sum(tf.abs(g)) : tf.sqrt(tf.sum(tf.square(g)))));
      return tf.stack(each);
    });
    const v = Array.from(norms.dataSync());
    norms.dispose();
    out.push(v.reduce((a, b) => a + b, 0) / v.length);
  }
  return out;
}

/**
 * Per-sample membership-inference scores, signed as open-unlearning signs them (higher = more likely a non-member, the
 * same trend as the loss; `locuslab/open-unlearning` d3d7cf9e `src/evals/metrics/mia/`):
 * - `loss`: mean token NLL (`LOSSAttack`, Yeom et al. 2018);
 * - `zlib`: mean token NLL / zlib size of the text (`ZLIBAttack`, Carlini et al. 2021), sizes from `zlibSizes`;
 * - `minK`: −mean of the ⌊k·L⌋ (≥ 1) lowest token log-probabilities (`MinKProbAttack`, Shi et al. 2024);
 * - `minKPlusPlus`: the same over per-token z-scores against the vocabulary (`MinKPlusPlusAttack`, Zhang et al. 2025);
 * - `gradNorm`: mean over the trainable variables of the p-norm of the gradient of −mean token log-probability
 *   (`GradNormAttack`, one sample at a time);
 * - `reference`: mean token NLL under the model minus under `reference` (`ReferenceAttack`, Carlini et al. 2022).
 * Sequences without labelled tokens score NaN (0 for minK, as open-unlearning).
 *
 * @example miaAuc(miaScores(lm, forget, { attack: 'minK', k: 0.4 }), miaScores(lm, holdout, { attack: 'minK', k: 0.4 }))
 */
export function miaScores(model: ModelLike, data: LabeledData, options: MiaScoreOptions): number[] {
  const o = optionsOf(options) as MiaScoreOptions | undefined;
  const attacks: MiaAttack[] = ['loss', 'zlib', 'minK', 'minKPlusPlus', 'gradNorm', 'reference'];
  if (!o || !attacks.includes(o.attack)) throw new LosskitError('INVALID_PARAMETER', 'unknown attack', { argument: 'attack', expected: attacks.map((a) => `'${a}'`).join(', '), received: String(o?.attack) });
  const k = o.k ?? 0.2;
  if (!(typeof k === 'number' && k > 0 && k <= 1)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'k', expected: 'a fraction in (0, 1]', received: String(k) });
  const p = o.p ?? 2;
  if (![1, 2, Infinity].includes(p)) throw new LosskitError('INVALID_PARAMETER', 'invalid p-norm', { argument: 'p', expected: '1, 2 or Infinity', received: String(p) });
  if (o.attack === 'reference') {
    if (!o.reference) throw new LosskitError('MISSING_INPUT', 'the reference attack needs a reference model', { argument: 'reference', expected: 'a model with the same outputs' });
    modelVariables(o.reference, 'reference');
  }
  const b = batchSizeOf(o);
  const e = evalData(model, data, 'data');
  try {
    if (o.attack === 'zlib') {
      const z = o.zlibSizes;
      if (z === undefined) throw new LosskitError('MISSING_INPUT', 'the zlib attack needs the compressed size of every text', { argument: 'zlibSizes', expected: `${e.d.n} sizes (await zlibSize(texts))` });
      const sizes = numbers(z, 'zlibSizes', 'positive');
      if (sizes.length !== e.d.n || sizes.some((v) => !(v > 0))) throw new LosskitError('SHAPE_MISMATCH', 'one positive size per sample', { argument: 'zlibSizes', expected: `${e.d.n} positive numbers`, received: `${sizes.length} values` });
      const r = tokenRows(model, e, b, false);
      return r.logProbs.map((lp, i) => (lp.length === 0 ? NaN : -lp.reduce((a, v) => a + v, 0) / lp.length / sizes[i]!));
    }
    if (o.attack === 'gradNorm') return gradNormScores(model, e, p);
    const r = tokenRows(model, e, b, o.attack === 'minKPlusPlus');
    const avg = (lp: number[]): number => (lp.length === 0 ? NaN : -lp.reduce((a, v) => a + v, 0) / lp.length);
    if (o.attack === 'loss') return r.logProbs.map(avg);
    if (o.attack === 'minK') return r.logProbs.map((lp) => (lp.length === 0 ? 0 : minKScore(lp, k)));
    if (o.attack === 'minKPlusPlus') return r.logProbs.map((lp, i) => (lp.length === 0 ? 0 : minKPlusPlusScore(lp, r.vocab![i]!, k)));
    checkSameWeights(model, o.reference!, 'reference');
    const rr = tokenRows(o.reference!, e, b, false);
    return r.logProbs.map((lp, i) => avg(lp) - avg(rr.logProbs[i]!));
  } finally {
    e.dispose();
  }
}

/** Result of {@link mia}. */
export interface MiaAttackResult extends MiaResult {
  readonly forgetScores: number[];
  readonly holdoutScores: number[];
}

/**
 * One membership-inference attack end to end (open-unlearning `mia_auc`): scores of the forget set (members, label 0)
 * and of a holdout set (non-members, label 1), then `miaAuc` (ROC AUC, `roc_auc_score(labels, scores)`, and TPR at
 * `fpr`, default 1%). Samples whose score is NaN (no labelled token) are dropped. AUC near 0.5 after unlearning (or the
 * retrained model's value) = the forget set looks like data never trained on.
 *
 * @example mia({ model: lm, forget, holdout, attack: 'loss' }) // { auc, tprAtLowFpr, forgetScores, holdoutScores }
 */
export function mia(options: MiaScoreOptions & { readonly model: ModelLike; readonly forget: LabeledData; readonly holdout: LabeledData; readonly fpr?: number; readonly holdoutZlibSizes?: ArrayLike<number> }): MiaAttackResult {
  if (!options || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'mia needs an options object', { argument: 'options', expected: '{ model, forget, holdout, attack }' });
  // zlib: the holdout texts have sizes of their own; reusing the forget set's would score the holdout against the wrong texts.
  if (options.attack === 'zlib' && options.holdoutZlibSizes === undefined) {
    throw new LosskitError('MISSING_INPUT', 'the zlib attack needs the compressed size of every holdout text too', { argument: 'holdoutZlibSizes', expected: 'one size per holdout sample (await zlibSize(holdoutTexts))' });
  }
  const forgetScores = miaScores(options.model, options.forget, options);
  const holdoutScores = miaScores(options.model, options.holdout, { ...options, ...(options.holdoutZlibSizes !== undefined ? { zlibSizes: options.holdoutZlibSizes } : {}) });
  const r = miaAuc(forgetScores.filter(Number.isFinite), holdoutScores.filter(Number.isFinite), options.fpr === undefined ? {} : { fpr: options.fpr });
  return { ...r, forgetScores, holdoutScores };
}
