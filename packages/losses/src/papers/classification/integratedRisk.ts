import { classConstant, defineEntry, type Expr, logit, LosskitError, params, yTrue } from '@losskit/core';
import { checkCounts } from './classCounts.js';
import { ldamMargins } from './ldam.js';

// Written from the authors' code: github.com/lblaoke/LBD at bab328d5cb4005e79142c2d789e3269d0eed2401,
// model/loss.py (`VariationalE`: `_modify_logits`, `forward`, `cls_weight_init(option='linear')`) and the
// CIFAR-100-LT config configs/cifar100_lt.json (alpha 0.3, reweight_epoch 160). The particles' covariance term
// (`- exp(-epoch/tau) logdet/2` over the ensemble members' last-layer weights) is a regularizer of the network's
// parameters, not of the logits, and is left to the caller.

/** Options of {@link integratedRisk}. */
export interface IntegratedRiskOptions {
  /**
   * Training examples per class, `n_j ≥ 1`, classes indexed from head to tail (non-increasing counts), as in the
   * authors' long-tailed datasets: the utility counts class `c` as a "head" class of label `y` when `c < y`. Required.
   */
  readonly classCounts: readonly number[];
  /** α > 0: the utility (false-head) term is weighted `1/α`. Default 0.3 (the authors' CIFAR-100-LT config). */
  readonly alpha?: number;
  /** Largest margin `max_j m_j` (that of the rarest class), `m_j ∝ n_j^{-1/4}`. Default 0.5. */
  readonly maxMargin?: number;
  /** Factor of the margin subtracted from the target logit, `z_y − k m_y`. Default 30 (hard-coded by the authors). */
  readonly marginScale?: number;
  /**
   * The re-weighted stage (the authors' epochs after `reweight_epoch`): class weights `w_j = 1/n_j` on the
   * cross-entropy and the utility term. `false` is the warm-up stage: the plain mean of the margin cross-entropy
   * (no weights, no utility). Default true.
   */
  readonly reweight?: boolean;
  /** Add the utility (false-head) term in the re-weighted stage. Default true. */
  readonly utility?: boolean;
}

/**
 * Integrated risk of "Long-tailed Classification from a Bayesian-decision-theory Perspective" (Li & Zhang), one
 * ensemble member's (particle's) loss as in the authors' code. With the margin logits
 * `h = z − k m_y e_y` (`m_j = C/n_j^{1/4}`, `max_j m_j = maxMargin`, `k = 30`), `log p = log softmax(h)` and class
 * weights `w_j = 1/n_j`, the batch value is
 * `Σ_i w_{y_i} (−log p_{i,y_i}) / Σ_i w_{y_i} + (1/α)(1/B) Σ_i Σ_{c<y_i} w_c log p_{i,c}`:
 * the class-weighted cross-entropy (torch's `F.cross_entropy(weight=w)`, normalized by the batch's weights) plus
 * the utility term with utility −1 for predicting a head class `c < y` of a tail sample, which lowers the
 * probability of false head predictions (the False Head Rate). The utility term is not bounded below (it tends to
 * −∞ as those probabilities go to 0), as in the authors' code. `reweight: false` gives the warm-up stage
 * `(1/B) Σ_i −log p_{i,y_i}`. Labels `[B]` (or one-hot `[B, C]`), logits `[B, C]` → a batch-level scalar.
 *
 * @example `compile(integratedRisk({ classCounts: [500, 50, 5] }))(labels, logits)`
 * @see Bolian Li, Ruqi Zhang, "Long-tailed Classification from a Bayesian-decision-theory Perspective",
 * Symposium on Advances in Approximate Bayesian Inference 2023 (openreview.net/forum?id=sz7d2cKXVb); code
 * github.com/lblaoke/LBD (model/loss.py).
 */
export function integratedRisk(options: IntegratedRiskOptions): Expr<'batch', 'logits'> {
  const counts = checkCounts(options?.classCounts);
  const unsorted = counts.findIndex((n, j) => j > 0 && n > counts[j - 1]!);
  if (unsorted > 0) {
    throw new LosskitError('INVALID_PARAMETER', 'class counts must run from head to tail', {
      argument: 'classCounts',
      expected: 'non-increasing counts (classes indexed from the most to the least frequent; reorder the classes)',
      received: `[${counts.join(', ')}] (class ${unsorted} has more examples than class ${unsorted - 1})`,
    });
  }
  const alpha = params.positive('alpha', options.alpha ?? 0.3);
  const k = params.positive('marginScale', options.marginScale ?? 30);
  const reweight = params.boolean('reweight', options.reweight ?? true);
  const useUtility = params.boolean('utility', options.utility ?? true);
  const margins = ldamMargins(counts, options.maxMargin ?? 0.5);
  const logP = logit().minus(yTrue().times(classConstant(margins.map((m) => k * m), 'm'))).logSoftmax();
  const nll = logP.target().neg();
  if (!reweight) return nll.mean();
  const w = classConstant(counts.map((n) => 1 / n), 'w');
  const wy = w.target();
  const weightedCe = nll.times(wy).sum().div(wy.sum());
  if (!useUtility) return weightedCe;
  // Head classes of each row: c < y, i.e. clip(y − c, 0, 1) on the class indices.
  const index = classConstant(counts.map((_n, j) => j), 'j');
  const head = index.target().expand().minus(index).clip(0, 1);
  const utility = head.times(w).times(logP).sum();
  return weightedCe.plus(utility.mean().scale(1 / alpha));
}

/** Options of {@link falseHeadRate}. */
export interface FalseHeadRateOptions {
  /** Number of classes C (classes indexed from head to tail). Required. */
  readonly numClasses: number;
  /** Tail ratios r in (0, 1): the tail is the classes `≥ ⌊rC + ½⌋`. Default `[0.25, 0.5, 0.75]` (the authors'). */
  readonly tailRates?: readonly number[];
}

/** Values of {@link falseHeadRate}: one rate per tail ratio and their mean. */
export interface FalseHeadRate {
  /** `FHR_r` for each tail ratio, in the order given. */
  readonly rates: number[];
  /** The mean of `rates` (the authors' "avg"). */
  readonly mean: number;
}

function checkClassIds(values: unknown, name: string, numClasses: number): readonly number[] {
  if (!Array.isArray(values) || values.length === 0) {
    throw new LosskitError('INVALID_ARGUMENT', 'expected a non-empty array of class indices', {
      argument: name,
      expected: `a non-empty array of integers in [0, ${numClasses})`,
      received: Array.isArray(values) ? 'an empty array' : String(values),
    });
  }
  const bad = values.findIndex((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= numClasses);
  if (bad >= 0) {
    const v = values[bad] as unknown;
    const code = typeof v === 'number' && !Number.isFinite(v) ? 'NON_FINITE_INPUT' : typeof v === 'number' && !Number.isInteger(v) ? 'NON_INTEGER_LABEL' : 'LABEL_OUT_OF_RANGE';
    throw new LosskitError(code, 'invalid class index', {
      argument: name,
      expected: `integers in [0, ${numClasses})`,
      received: `${String(values[bad])} at index ${bad}`,
    });
  }
  return values as readonly number[];
}

/**
 * False Head Rate of "Long-tailed Classification from a Bayesian-decision-theory Perspective" (Li & Zhang), as in
 * the authors' `FHR` (github.com/lblaoke/LBD at bab328d5cb4005e79142c2d789e3269d0eed2401, model/metric.py): for a
 * tail ratio r with border `b = ⌊rC + ½⌋`, the share of tail samples (label `y ≥ b`) predicted as a head class
 * (`ŷ < b`): `FHR_r = |{i : y_i ≥ b, ŷ_i < b}| / |{i : y_i ≥ b}|`. Classes are indexed from head to tail. Takes the
 * labels and the predicted classes (argmax of the logits), `[N]` integers each; host-side, no tensors.
 *
 * @example `falseHeadRate([0, 3, 3, 2], [0, 0, 3, 1], { numClasses: 4 })` → `{ rates: [1/3, 2/3, 0.5], mean: 0.5 }`
 * @see Bolian Li, Ruqi Zhang, "Long-tailed Classification from a Bayesian-decision-theory Perspective", 2023.
 */
export function falseHeadRate(labels: readonly number[], predictions: readonly number[], options: FalseHeadRateOptions): FalseHeadRate {
  const C = params.positiveInteger('numClasses', options?.numClasses);
  const rates = options.tailRates ?? [0.25, 0.5, 0.75];
  if (!Array.isArray(rates) || rates.length === 0) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid tail ratios', { argument: 'tailRates', expected: 'a non-empty array of numbers in (0, 1)', received: String(rates) });
  }
  rates.forEach((r) => params.openUnitInterval('tailRates', r));
  const y = checkClassIds(labels, 'labels', C);
  const p = checkClassIds(predictions, 'predictions', C);
  if (p.length !== y.length) {
    throw new LosskitError('SHAPE_MISMATCH', 'one prediction per label', { argument: 'predictions', expected: `${y.length} class indices (one per label)`, received: `${p.length}` });
  }
  const out = rates.map((r) => {
    const border = Math.floor(C * r + 0.5);
    let tail = 0;
    let falseHead = 0;
    y.forEach((t, i) => {
      if (t < border) return;
      tail++;
      if (p[i]! < border) falseHead++;
    });
    if (tail === 0) {
      throw new LosskitError('INVALID_ARGUMENT', 'no tail sample for this tail ratio', {
        argument: 'labels',
        expected: `at least one label >= ${border} (the tail of ratio ${r} with ${C} classes)`,
        received: `labels up to ${Math.max(...y)}`,
      });
    }
    return falseHead / tail;
  });
  return { rates: out, mean: out.reduce((a, b) => a + b, 0) / out.length };
}

export const integratedRiskEntry = defineEntry({
  id: 'integrated-risk',
  name: 'Integrated risk (Bayesian decision theory, long-tailed)',
  package: '@losskit/losses',
  export: 'integratedRisk',
  category: 'classification',
  summary:
    'Class-weighted (1/n) margin cross-entropy plus a utility term that penalizes predicting head classes for tail samples (False Head Rate), from the authors’ code.',
  formula:
    '\\frac{\\sum_i w_{y_i}(-\\log p_{i,y_i})}{\\sum_i w_{y_i}} + \\frac{1}{\\alpha B}\\sum_i \\sum_{c<y_i} w_c \\log p_{i,c},\\quad p_i = \\mathrm{softmax}(z_i - 30\\, m_{y_i} e_{y_i}),\\ w_c = \\frac{1}{n_c},\\ m_c \\propto n_c^{-1/4}',
  inputs: 'logits [B, C]; labels [B] or one-hot targets [B, C]; classes indexed from head to tail',
  params: [
    { name: 'classCounts', default: null, range: 'numbers >= 1, one per class, non-increasing', description: 'Training examples per class, head to tail; required.' },
    { name: 'alpha', default: 0.3, range: { min: 0, minExclusive: true }, description: 'The utility term is weighted 1/alpha.' },
    { name: 'maxMargin', default: 0.5, range: { min: 0, minExclusive: true }, description: 'Margin of the rarest class.' },
    { name: 'marginScale', default: 30, range: { min: 0, minExclusive: true }, description: 'Factor of the margin subtracted from the target logit.' },
    { name: 'reweight', default: true, range: 'true or false', description: 'Re-weighted stage (weights 1/n and utility); false: warm-up stage, plain margin CE.' },
    { name: 'utility', default: true, range: 'true or false', description: 'Add the false-head utility term in the re-weighted stage.' },
  ],
  paper: {
    title: 'Long-tailed Classification from a Bayesian-decision-theory Perspective',
    authors: 'Bolian Li, Ruqi Zhang',
    year: 2023,
    url: 'https://openreview.net/forum?id=sz7d2cKXVb',
  },
  example:
    "import { compile } from '@losskit/core';\nimport { integratedRisk } from '@losskit/losses';\nconst loss = compile(integratedRisk({ classCounts: [500, 50, 5] }));\nloss([0, 2], [[2, 1, 0], [0, 1, 3]]);",
  dsl: 'integratedRisk({ classCounts: [500, 50, 5] })',
});
