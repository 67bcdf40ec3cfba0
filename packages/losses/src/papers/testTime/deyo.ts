import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type EvalContext, type Expr, LosskitError, defineEntry, defineOp, entropy, input, node, oneHotRows, params, stopGradient } from '@losskit/core';
import { withoutGradient } from '../../standard/primitives.js';

interface DeyoParams {
  readonly entropyMargin: number;
  readonly entropyBase: number;
  readonly plpdThreshold: number;
  readonly filterEntropy: boolean;
  readonly filterPlpd: boolean;
  readonly reweightEntropy: boolean;
  readonly reweightPlpd: boolean;
  readonly destroyed: string;
  readonly part: 'weight' | 'keep';
}

/** `[keep, weight]` per sample, `[B, 2]`, without gradient (the filters and α use detached values, as the authors' code). */
function deyoParts(c: EvalContext, ent: Tensor, destroyed: Tensor, p: DeyoParams): Tensor {
  const key = `deyo@${p.destroyed}:${p.entropyMargin}:${p.entropyBase}:${p.plpdThreshold}:${+p.filterEntropy}${+p.filterPlpd}${+p.reweightEntropy}${+p.reweightPlpd}`;
  return c.memo(key, () => {
    const logC = Math.log(c.numClasses);
    const h = stopGradient(ent);
    const probs = stopGradient(c.probs());
    // ŷ = argmax p(x); PLPD = p(ŷ|x) − p(ŷ|x') with x' the object-destroyed input (logits given as an input).
    const hard = withoutGradient(probs, (x) => oneHotRows(tf.argMax(x, 1), c.numClasses));
    const pd = stopGradient(tf.softmax(destroyed));
    const plpd = tf.sub(tf.sum(tf.mul(probs, hard), 1), tf.sum(tf.mul(pd, hard), 1));
    let keep = tf.onesLike(h);
    if (p.filterEntropy) keep = tf.mul(keep, tf.cast(tf.less(h, p.entropyMargin * logC), 'float32'));
    if (p.filterPlpd) keep = tf.mul(keep, tf.cast(tf.greater(plpd, p.plpdThreshold), 'float32'));
    let alpha: Tensor = tf.onesLike(h);
    if (p.reweightEntropy || p.reweightPlpd) {
      alpha = tf.zerosLike(h);
      // α = 1/exp(Ent − Ent₀) + 1/exp(−PLPD) (each term only when its reweighting is on).
      if (p.reweightEntropy) alpha = tf.add(alpha, tf.exp(tf.sub(p.entropyBase * logC, h)));
      if (p.reweightPlpd) alpha = tf.add(alpha, tf.exp(plpd));
    }
    return tf.stack([keep, tf.mul(keep, alpha)], 1);
  });
}

const deyoOp = defineOp<DeyoParams>({
  kind: 'deyoWeight',
  evaluate: (c, a, p) => {
    const parts = deyoParts(c, a[0]!, a[1]!, p);
    return tf.reshape(tf.slice(parts, [0, p.part === 'keep' ? 0 : 1], [-1, 1]), [-1]);
  },
  print: (_a, p, m) => (p.part === 'keep' ? (m === 'latex' ? 'S_i' : 'keep') : m === 'latex' ? 'S_i\\,\\alpha_i' : 'keep·α'),
});

/** Options of {@link deyo}. Thresholds are fractions of `log C`, as the authors' `main.py` scales them. */
export interface DeyoOptions {
  /** Entropy filter: keep samples with `Ent < entropyMargin · log C`. Default 0.5 (`--deyo_margin`). */
  readonly entropyMargin?: number;
  /** `Ent₀ = entropyBase · log C` of the entropy weight `exp(Ent₀ − Ent)`. Default 0.4 (`--deyo_margin_e0`). */
  readonly entropyBase?: number;
  /** PLPD filter: keep samples with `PLPD > plpdThreshold`. Default 0.2 (`--plpd_threshold`). */
  readonly plpdThreshold?: number;
  /** Apply the entropy filter. Default true (`--filter_ent 1`). */
  readonly filterEntropy?: boolean;
  /** Apply the PLPD filter. Default true (`--filter_plpd 1`). */
  readonly filterPlpd?: boolean;
  /** Add the entropy term `exp(Ent₀ − Ent)` to the weight. Default true (`--reweight_ent 1`). */
  readonly reweightEntropy?: boolean;
  /** Add the PLPD term `exp(PLPD)` to the weight. Default true (`--reweight_plpd 1`). */
  readonly reweightPlpd?: boolean;
  /** Name of the input holding the logits of the object-destroyed images `x'`, `[B, C]`. Default `destroyed`. */
  readonly destroyed?: string;
}

/**
 * DeYO test-time adaptation loss, batch level: entropy minimization on the samples that pass two filters, each
 * weighted by how confident and how shape-dependent its prediction is. With `p = softmax(z)` of the test batch,
 * `p'` = softmax of the logits of the object-destroyed images `x'` (patches shuffled, given as `inputs.destroyed`),
 * `ŷ = argmax p`, `Ent = −Σ_c p_c log p_c` and the pseudo-label probability difference `PLPD = p_ŷ − p'_ŷ`:
 * `S = {i : Ent_i < τ_Ent, PLPD_i > τ_PLPD}`, `α_i = exp(Ent₀ − Ent_i) + exp(PLPD_i)` (detached), and
 * `L = Σ_{i∈S} α_i Ent_i / max(|S|, 1)` (0 when no sample passes). `τ_Ent = 0.5 log C`, `Ent₀ = 0.4 log C`,
 * `τ_PLPD = 0.2` by default. Labels are ignored. Making `x'` (patch shuffling, pixel shuffling or occlusion)
 * and the forward pass on it (no gradient) are the caller's: pass its logits.
 *
 * Shapes: logits `[B, C]`, `inputs.destroyed` `[B, C]` → a scalar. Checked against the authors'
 * `forward_and_adapt_deyo` (Jhyun17/DeYO `methods/deyo.py`, commit 3d7d289): the filters, the weight
 * `1/exp(Ent − Ent₀) + 1/exp(−PLPD)` from detached values and the mean over the kept samples.
 *
 * @example `compile(deyo())(zeros, logits, { inputs: { destroyed: logitsOfShuffled } })`
 * @see Lee, Jung, Lee, Park, Shin, Hwang, Yoon, "Entropy is not Enough for Test-Time Adaptation: From the Perspective of
 *   Disentangled Factors", ICLR 2024.
 */
export function deyo(options: DeyoOptions = {}): Expr<'batch', 'any'> {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
  const destroyed = options.destroyed ?? 'destroyed';
  const p: Omit<DeyoParams, 'part'> = {
    entropyMargin: params.positive('entropyMargin', options.entropyMargin ?? 0.5),
    entropyBase: params.finite('entropyBase', options.entropyBase ?? 0.4),
    plpdThreshold: params.inRange('plpdThreshold', options.plpdThreshold ?? 0.2, -1, 1),
    filterEntropy: params.boolean('filterEntropy', options.filterEntropy ?? true),
    filterPlpd: params.boolean('filterPlpd', options.filterPlpd ?? true),
    reweightEntropy: params.boolean('reweightEntropy', options.reweightEntropy ?? true),
    reweightPlpd: params.boolean('reweightPlpd', options.reweightPlpd ?? true),
    destroyed,
  };
  const ent = entropy();
  const x = input(destroyed, 'class');
  const weight = node<'sample'>(deyoOp, 'sample', [ent, x], { ...p, part: 'weight' });
  const keep = node<'sample'>(deyoOp, 'sample', [ent, x], { ...p, part: 'keep' });
  return ent.times(weight).sum().div(keep.sum().maximum(1));
}

export const deyoEntry = defineEntry({
  id: 'deyo',
  name: 'DeYO (PLPD-filtered, weighted entropy minimization)',
  package: '@losskit/losses',
  export: 'deyo',
  category: 'test-time adaptation',
  summary: 'Test-time entropy minimization on confident samples whose prediction drops when the object shape is destroyed, weighted by both.',
  formula:
    'L = \\frac{\\sum_{i\\in S} \\alpha_i \\mathrm{Ent}_i}{\\max(|S|, 1)},\\ S = \\{i: \\mathrm{Ent}_i < \\tau_{\\mathrm{Ent}},\\ \\mathrm{PLPD}_i > \\tau_{\\mathrm{PLPD}}\\},\\ \\alpha_i = e^{\\mathrm{Ent}_0 - \\mathrm{Ent}_i} + e^{\\mathrm{PLPD}_i},\\ \\mathrm{PLPD}_i = p_{\\hat y}(x_i) - p_{\\hat y}(x_i\')',
  inputs: "logits [B, C]; inputs.destroyed: logits of the object-destroyed images x' [B, C]; labels ignored",
  params: [
    { name: 'entropyMargin', default: 0.5, range: { min: 0, minExclusive: true }, description: 'entropy filter threshold, fraction of log C' },
    { name: 'entropyBase', default: 0.4, range: 'any finite number', description: 'Ent₀ of the entropy weight, fraction of log C' },
    { name: 'plpdThreshold', default: 0.2, range: { min: -1, max: 1 }, description: 'PLPD filter threshold' },
    { name: 'filterEntropy', default: true, description: 'apply the entropy filter' },
    { name: 'filterPlpd', default: true, description: 'apply the PLPD filter' },
    { name: 'reweightEntropy', default: true, description: 'entropy term of the weight' },
    { name: 'reweightPlpd', default: true, description: 'PLPD term of the weight' },
  ],
  paper: {
    title: 'Entropy is not Enough for Test-Time Adaptation: From the Perspective of Disentangled Factors',
    authors: 'Jonghyun Lee, Dahuin Jung, Saehyung Lee, Junsung Park, Juhyeon Shin, Uiwon Hwang, Sungroh Yoon',
    year: 2024,
    url: 'arXiv:2403.07366',
  },
  example:
    "import { compile } from '@losskit/core';\nimport { deyo } from '@losskit/losses';\nconst loss = compile(deyo());\nloss([0, 0, 0], [[4, 0, 0, 0], [0, 3, 0, 0], [1, 1, 1, 1]], { inputs: { destroyed: [[0, 0, 0, 0], [0, 3, 0, 0], [1, 1, 1, 1]] } }).print();",
  dsl: 'deyo()',
});
