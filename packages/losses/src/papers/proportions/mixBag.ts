import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineEntry, defineOp, input, node, params } from '@losskit/core';
import { rng } from '@losskit/core/math';
import { bagMean } from '../weak/aggregate.js';
import { inputName, rangedTargets } from '../checkedInputs.js';

/** `Φ⁻¹(1 − 0.005)`: scipy's `norm.isf(0.005)`, the authors' default 99% interval (`--confidence_interval 0.005`). */
const Z_995 = 2.5758293035489004;

/** A bag as MixBag sees it: its size and its label proportions (one per class, summing to 1). */
export interface BagSummary {
  readonly size: number;
  readonly proportion: ArrayLike<number>;
}

/** Options of {@link mixBag}. */
export interface MixBagOptions {
  /**
   * How many instances come from the first bag: `uniform` (default, the paper's γ-sampling: uniform in `[1, k − 1]`),
   * `half` (`⌊k/2⌋` from each bag) or `gauss` (`⌊k·N(0.5, 0.1)⌋`, clipped to `[1, k − 1]`).
   */
  readonly sampling?: 'uniform' | 'half' | 'gauss';
  /** Normal quantile `z` of the confidence interval. Default 2.5758 (= Φ⁻¹(0.995), the authors' 99% interval). */
  readonly z?: number;
  /** Seed of the draws (mulberry32). Default: `Math.random`. */
  readonly seed?: number;
}

/** A mixed bag: which instances to take from each bag, its expected label proportion and the confidence interval. */
export interface MixedBag {
  /** Indices into the first bag of the instances to take (distinct). */
  readonly fromFirst: number[];
  /** Indices into the second bag. */
  readonly fromSecond: number[];
  /** Expected label proportion `a p₁ + b p₂` of the mixed bag (`a`, `b` the fractions taken from each bag). */
  readonly proportion: number[];
  /** Lower end of the interval, per class: `proportion − a z √(p₁(1 − p₁)/n₁) − b z √(p₂(1 − p₂)/n₂)`. */
  readonly lower: number[];
  /** Upper end of the interval, per class. */
  readonly upper: number[];
}

function checkBag(b: BagSummary, name: string): number[] {
  if (!b || typeof b !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'a bag is { size, proportion }', { argument: name, expected: '{ size, proportion }', received: String(b) });
  params.positiveInteger(`${name}.size`, b.size);
  const p = Array.from(b.proportion ?? [], Number);
  if (p.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'a bag needs its label proportions', { argument: `${name}.proportion`, expected: 'one proportion per class', received: '[]' });
  p.forEach((v, c) => {
    if (!(v >= 0 && v <= 1)) throw new LosskitError('INVALID_ARGUMENT', 'label proportions are in [0, 1]', { argument: `${name}.proportion`, expected: 'values in [0, 1]', received: `${v} at index ${c}` });
  });
  const s = p.reduce((a, v) => a + v, 0);
  if (Math.abs(s - 1) > 1e-3) throw new LosskitError('INVALID_ARGUMENT', 'label proportions sum to 1', { argument: `${name}.proportion`, expected: 'proportions summing to 1', received: `sum ${s}` });
  return p;
}

/** `k` distinct indices of `[0, n)` (partial Fisher–Yates). */
function sample(n: number, k: number, u: () => number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(u() * (n - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, k);
}

/**
 * MixBag, the bag-level augmentation for learning from label proportions: a new bag made of `n₁` instances of the first
 * bag and `n₂ = k − n₁` of the second (both of size k, sampled without replacement), labelled with the expected
 * proportion `p̂ = a p₁ + b p₂` (`a = n₁/k`, `b = n₂/k`) and a normal-approximation confidence interval
 * `p̂ ± (a z √(p₁(1−p₁)/n₁) + b z √(p₂(1−p₂)/n₂))` per class, for {@link confidenceIntervalLoss}. A pure host function:
 * it returns indices, the caller gathers the instances (`tf.gather`). The authors also mix only every other bag (a fair
 * coin per bag) and train the unmixed ones with the plain proportion loss.
 * Checked against the authors' code (github.com/asanomitakanori/Mixbag `utils/dataset.py` `Dataset_Mixbag.sampling`,
 * `utils/utils.py` `ci_loss_interval`); one deviation: their `gauss` sampling can take all k instances from the first
 * bag (n₂ = 0 gives a NaN interval), here it is clipped to `k − 1`.
 *
 * @example `const m = mixBag({ size: 8, proportion: [0.75, 0.25] }, { size: 8, proportion: [0.25, 0.75] }, { seed: 1 })`
 * @see Asanomi, Matsuo, Suehiro, Bise, "MixBag: Bag-Level Data Augmentation for Learning from Label Proportions", ICCV 2023.
 */
export function mixBag(first: BagSummary, second: BagSummary, options: MixBagOptions = {}): MixedBag {
  const p1 = checkBag(first, 'first');
  const p2 = checkBag(second, 'second');
  if (p1.length !== p2.length) throw new LosskitError('SHAPE_MISMATCH', 'both bags have the same classes', { argument: 'second.proportion', expected: `${p1.length} proportions`, received: `${p2.length}` });
  const k = first.size;
  if (second.size !== k) throw new LosskitError('SHAPE_MISMATCH', 'MixBag mixes bags of the same size', { argument: 'second.size', expected: String(k), received: String(second.size) });
  if (k < 2) throw new LosskitError('INVALID_ARGUMENT', 'a mixed bag takes at least one instance from each bag', { argument: 'first.size', expected: 'bags of 2 or more instances', received: String(k) });
  const z = params.positive('z', options.z ?? Z_995);
  const sampling = options.sampling ?? 'uniform';
  if (sampling !== 'uniform' && sampling !== 'half' && sampling !== 'gauss') {
    throw new LosskitError('INVALID_PARAMETER', 'unknown sampling', { argument: 'sampling', expected: "'uniform', 'half' or 'gauss'", received: JSON.stringify(sampling) });
  }
  const u = options.seed === undefined ? Math.random : rng(params.finite('seed', options.seed));
  let n1: number;
  let n2: number;
  if (sampling === 'half') {
    n1 = n2 = Math.floor(k / 2);
  } else if (sampling === 'uniform') {
    n1 = 1 + Math.floor(u() * (k - 1)); // numpy randint(1, k): [1, k − 1]
    n2 = k - n1;
  } else {
    const g = 0.5 + 0.1 * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    n1 = Math.min(Math.max(Math.trunc(g * k), 1), k - 1);
    n2 = k - n1;
  }
  const a = n1 / (n1 + n2);
  const b = n2 / (n1 + n2);
  const proportion = p1.map((v, c) => a * v + b * p2[c]!);
  const half = p1.map((v, c) => a * z * Math.sqrt((v * (1 - v)) / n1) + b * z * Math.sqrt((p2[c]! * (1 - p2[c]!)) / n2));
  return {
    fromFirst: sample(k, n1, u),
    fromSecond: sample(k, n2, u),
    proportion,
    lower: proportion.map((v, c) => v - half[c]!),
    upper: proportion.map((v, c) => v + half[c]!),
  };
}

const EPS = 1e-8; // the authors' `cross_entropy_loss(input, target, eps=1e-8)`: −t log(p + eps)

const ciLossOp = defineOp<{ bags: string; lower: string; upper: string }>({
  kind: 'confidenceIntervalLoss',
  evaluate: (c, a) => {
    const [target, bags, lower, upper] = a as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const pBar = bagMean(c.probs(), bags);
    const alpha = bagMean(target, bags);
    const lo = bagMean(tf.broadcastTo(lower, pBar.shape), bags);
    const hi = bagMean(tf.broadcastTo(upper, pBar.shape), bags);
    // Inside the interval the prediction is replaced by the target (no gradient), as the authors' `torch.where`.
    const inside = tf.logicalAnd(tf.greaterEqual(pBar, lo), tf.lessEqual(pBar, hi));
    const masked = tf.where(inside, alpha, pBar);
    const rowLoss = tf.neg(tf.sum(tf.mul(alpha, tf.log(tf.add(masked, EPS))), 1)); // the bag's loss, on each member row
    const same = tf.cast(tf.equal(tf.expandDims(bags, 1), tf.expandDims(bags, 0)), 'float32');
    const inv = tf.div(1, tf.sum(same, 1)); // 1 / bag size
    // Mean over bags: Σ_i loss_bag(i) / n_bag(i) / (number of bags = Σ_i 1 / n_bag(i)).
    return tf.div(tf.sum(tf.mul(rowLoss, inv)), tf.sum(inv));
  },
  print: (_a, _p, m) =>
    m === 'latex'
      ? '\\frac{1}{|\\mathcal B|}\\sum_{b} -\\sum_c \\alpha_{bc} \\log\\big(\\bar p_{bc} \\notin [l_{bc}, u_{bc}]\\ ?\\ \\bar p_{bc} : \\alpha_{bc}\\big)'
      : 'CI-loss(p̄_bag, α)',
});

/** Options of {@link confidenceIntervalLoss}. */
export interface CiLossOptions {
  /** Input holding each instance's bag id, `[B]`. Default `bag`. */
  readonly bags?: string;
  /** Input holding the lower ends of the bags' intervals (per member row), `[B, C]`. Default `lower`. */
  readonly lower?: string;
  /** Input holding the upper ends, `[B, C]`. Default `upper`. */
  readonly upper?: string;
}

/**
 * MixBag's confidence-interval loss for learning from label proportions, batch level: with `p̄_b` the mean softmax over
 * bag b's instances and `α_b` its (expected) label proportion, `L = mean_b −Σ_c α_bc log(q_bc + 1e-8)` where
 * `q_bc = α_bc` (no loss gradient) when `p̄_bc` lies in the bag's interval `[l_bc, u_bc]` and `q_bc = p̄_bc` otherwise:
 * the proportion loss stops pulling once the prediction is as close as the mixed bag's label noise allows. An interval
 * that cannot contain a proportion (the authors pass `l = u = −1` for unmixed bags) gives the plain proportion loss.
 * Inputs: logits `[B, C]` of the instances; targets `[B, C]` each row its bag's proportion (values in [0, 1]);
 * `inputs.bag` `[B]`; `inputs.lower`, `inputs.upper` `[B, C]` each row its bag's interval (from {@link mixBag}).
 * Checked against the authors' code (`utils/losses.py` `ConfidentialIntervalLoss`, `utils/utils.py` `calculate_prop`).
 *
 * @example `compile(confidenceIntervalLoss())(proportions, logits, { inputs: { bag, lower, upper } })`
 * @see Asanomi, Matsuo, Suehiro, Bise, "MixBag: Bag-Level Data Augmentation for Learning from Label Proportions", ICCV 2023.
 */
export function confidenceIntervalLoss(options: CiLossOptions = {}): Expr<'batch', 'any'> {
  const bags = inputName('bags', options.bags, 'bag');
  const lower = inputName('lower', options.lower, 'lower');
  const upper = inputName('upper', options.upper, 'upper');
  return node(ciLossOp, 'batch', [rangedTargets(0, 1), input(bags, 'sample'), input(lower, 'class'), input(upper, 'class')], { bags, lower, upper });
}

export const confidenceIntervalLossEntry = defineEntry({
  id: 'mixbag-ci-loss',
  name: 'MixBag confidence-interval loss',
  package: '@losskit/losses',
  export: 'confidenceIntervalLoss',
  category: 'weak-supervision',
  summary: 'Bag proportion loss that stops pulling inside the confidence interval of a MixBag-augmented bag’s label proportion.',
  formula: '\\frac{1}{|\\mathcal B|}\\sum_b -\\sum_c \\alpha_{bc}\\log q_{bc},\\ q_{bc} = \\begin{cases}\\alpha_{bc} & \\bar p_{bc} \\in [l_{bc}, u_{bc}]\\\\ \\bar p_{bc} & \\text{otherwise}\\end{cases}',
  inputs: 'instance logits [B, C]; bag proportions per member row [B, C]; inputs.bag [B], inputs.lower / inputs.upper [B, C] (from mixBag)',
  params: [
    { name: 'bags', default: 'bag', range: 'input name', description: 'input with bag ids' },
    { name: 'lower', default: 'lower', range: 'input name', description: 'input with the intervals’ lower ends' },
    { name: 'upper', default: 'upper', range: 'input name', description: 'input with the intervals’ upper ends' },
  ],
  paper: { title: 'MixBag: Bag-Level Data Augmentation for Learning from Label Proportions', authors: 'Takanori Asanomi, Shinnosuke Matsuo, Daiki Suehiro, Ryoma Bise', year: 2023, url: 'arXiv:2308.08822' },
  example:
    "import { compile } from '@losskit/core';\nimport { confidenceIntervalLoss, mixBag } from '@losskit/losses';\nconst m = mixBag({ size: 2, proportion: [1, 0] }, { size: 2, proportion: [0.5, 0.5] }, { seed: 3 });\nconst bag = [0, 0, 1, 1];\nconst proportions = [m.proportion, m.proportion, [0.5, 0.5], [0.5, 0.5]];\nconst lower = [m.lower, m.lower, [-1, -1], [-1, -1]];\nconst upper = [m.upper, m.upper, [-1, -1], [-1, -1]];\ncompile(confidenceIntervalLoss())(proportions, [[2, 0], [1, 1], [0, 1], [1, 0]], { inputs: { bag, lower, upper } }).print();",
  dsl: 'confidenceIntervalLoss()',
});
