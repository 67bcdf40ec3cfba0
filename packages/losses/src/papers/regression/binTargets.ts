import * as tf from '@tensorflow/tfjs-core';
import { defineEntry, defineOp, type Expr, input, LosskitError, node, params, PREC } from '@losskit/core';

/** The bins of a regression-as-classification head: `bins` equal bins covering `[min, max]`. */
export interface BinOptions {
  /** Lower end of the support. */
  readonly min: number;
  /** Upper end of the support (> min). */
  readonly max: number;
  /** Number of bins (classes), ≥ 2. */
  readonly bins: number;
}

/** Options of the HL-Gauss builders. */
export interface HlGaussOptions extends BinOptions {
  /** σ as a multiple of the bin width. Default 0.75 ("Stop Regressing"). */
  readonly sigmaRatio?: number;
}

/** Options of the loss builders: the bins plus the name of the sample-level input holding the scalar targets. */
export interface BinLossOptions {
  /** Name of the sample-level input `[B]` with the real-valued targets. Default `value`. */
  readonly target?: string;
}

function checkBins(o: BinOptions): { min: number; max: number; bins: number; width: number } {
  const min = params.finite('min', o?.min);
  const max = params.finite('max', o.max);
  if (!(max > min)) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'max', expected: `a number > min (${min})`, received: String(max) });
  }
  const bins = params.positiveInteger('bins', o.bins);
  if (bins < 2) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'bins', expected: 'an integer >= 2', received: String(bins) });
  return { min, max, bins, width: (max - min) / bins };
}

/** Bin centers `c_i = min + (i + ½)·w`, `w = (max - min)/bins`. Decode a prediction with `Σ_i p_i c_i`. */
export function binCenters(options: BinOptions): number[] {
  const { min, bins, width } = checkBins(options);
  return Array.from({ length: bins }, (_, i) => min + (i + 0.5) * width);
}

// erfc(|x|) for |x| ≥ 2.5 by Lentz's continued fraction, with full relative precision far into the tail
// (erfc(ax) = exp(-ax²)/√π · 1/(ax + 1/2/(ax + 1/(ax + 3/2/(ax + …))))); 0 only where it underflows (ax > ~26.5).
function erfcTail(ax: number): number {
  let f = ax;
  let C = ax;
  let D = 0;
  for (let n = 1; n < 200; n++) {
    const a = n / 2;
    D = ax + a * D;
    D = D === 0 ? 1e-300 : 1 / D;
    C = ax + a / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
}

// erf in float64 (|error| < 1e-15): Taylor series near 0, the continued fraction for erfc in the tails.
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 80; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  const erfc = erfcTail(ax);
  return x > 0 ? 1 - erfc : erfc - 1;
}

// erfc(x) = 1 − erf(x) without cancellation for x ≥ 2.5.
const erfc = (x: number): number => (x >= 2.5 ? erfcTail(x) : 1 - erf(x));

// erf(b) − erf(a) for a ≤ b, accurate relative to the result when both lie in one tail (a bin far from the target):
// erfc(a) − erfc(b) on the right, erfc(−b) − erfc(−a) on the left.
const erfDiff = (a: number, b: number): number => (a >= 0 ? erfc(a) - erfc(b) : b <= 0 ? erfc(-b) - erfc(-a) : erf(b) - erf(a));

/**
 * HL-Gauss target distributions (host, float64): for each scalar target y, the mass of
 * `N(y, σ²)` in each bin `[e_i, e_{i+1}]`, renormalized to the support `[min, max]`:
 * `p_i = (Φ((e_{i+1}-y)/σ) - Φ((e_i-y)/σ)) / (Φ((max-y)/σ) - Φ((min-y)/σ))`, σ = 0.75 · bin width.
 * Returns `[B, bins]` rows summing to 1, for `compile(ce())(hlGaussTargets(y, o), logits)`.
 *
 * @see Farebrother et al., "Stop Regressing: Training Value Functions via Classification for Scalable Deep RL", ICML 2024; Imani, White, "Improving Regression Performance with Distributional Losses", ICML 2018.
 */
export function hlGaussTargets(values: ArrayLike<number>, options: HlGaussOptions): number[][] {
  const { min, bins, width } = checkBins(options);
  const sigma = params.positive('sigmaRatio', options.sigmaRatio ?? 0.75) * width;
  return Array.from(values, (y, k) => {
    params.finite(`values[${k}]`, y);
    const u = Array.from({ length: bins + 1 }, (_, i) => (min + i * width - y) / (Math.SQRT2 * sigma));
    const mass = Array.from({ length: bins }, (_, i) => erfDiff(u[i]!, u[i + 1]!));
    const z = mass.reduce((a, b) => a + b, 0);
    // So far outside the support that every bin's mass underflows: the limit is all mass on the nearest bin.
    if (!(z > 0)) return Array.from({ length: bins }, (_, i) => (i === (y < min ? 0 : bins - 1) ? 1 : 0));
    return mass.map((m) => m / z);
  });
}

/**
 * Two-hot targets (host, float64): the target y, clipped to `[c_0, c_{bins-1}]`, split between the two
 * nearest bin centers in proportion to closeness: `p_i = max(0, 1 - |y - c_i|/w)`. Returns `[B, bins]`.
 * Bins are located at the centers of {@link binCenters} (our choice, so that both target builders
 * share one set of bins).
 *
 * @see Farebrother et al., "Stop Regressing: Training Value Functions via Classification for Scalable Deep RL", ICML 2024.
 */
export function twoHotTargets(values: ArrayLike<number>, options: BinOptions): number[][] {
  const centers = binCenters(options);
  const w = centers.length > 1 ? centers[1]! - centers[0]! : 1;
  return Array.from(values, (y, k) => {
    const yc = Math.min(Math.max(params.finite(`values[${k}]`, y), centers[0]!), centers.at(-1)!);
    return centers.map((c) => Math.max(0, 1 - Math.abs(yc - c) / w));
  });
}

// CE of logits [B, bins] against targets built on the device from the scalar input [B].
const binCeOp = defineOp<{ kind: 'hlGauss' | 'twoHot'; min: number; width: number; bins: number; sigma: number }>({
  kind: 'binCe',
  evaluate: (c, a, p) => {
    if (c.numClasses !== p.bins) {
      throw new LosskitError('SHAPE_MISMATCH', 'the prediction has one logit per bin', { argument: 'yPred', expected: `[B, ${p.bins}]`, received: `[B, ${c.numClasses}]` });
    }
    const y = tf.reshape(a[0]!, [-1, 1]);
    let t: tf.Tensor;
    if (p.kind === 'hlGauss') {
      const edges = tf.add(tf.mul(tf.range(0, p.bins + 1, 1, 'float32'), p.width), p.min);
      const cdf = tf.erf(tf.div(tf.sub(edges, y), Math.SQRT2 * p.sigma));
      const mass = tf.sub(tf.slice(cdf, [0, 1], [-1, p.bins]), tf.slice(cdf, [0, 0], [-1, p.bins]));
      t = tf.div(mass, tf.sub(tf.slice(cdf, [0, p.bins], [-1, 1]), tf.slice(cdf, [0, 0], [-1, 1])));
    } else {
      const centers = tf.add(tf.mul(tf.range(0, p.bins, 1, 'float32'), p.width), p.min + p.width / 2);
      const yc = tf.clipByValue(y, p.min + p.width / 2, p.min + (p.bins - 0.5) * p.width);
      t = tf.relu(tf.sub(1, tf.div(tf.abs(tf.sub(yc, centers)), p.width)));
    }
    return tf.neg(tf.sum(tf.mul(t, tf.logSoftmax(c.yPred)), -1));
  },
  print: (a, p, m) => (m === 'latex' ? `\\mathrm{CE}\\left(\\mathrm{${p.kind}}(${a[0]!.s}),\\, p\\right)` : `ce(${p.kind}(${a[0]!.s}), p)`),
  prec: PREC.atom,
});

function targetName(o: BinLossOptions): string {
  const name = o.target ?? 'value';
  if (typeof name !== 'string') throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'target', expected: 'an input name', received: String(name) });
  return name;
}

/**
 * HL-Gauss loss: cross-entropy between the predicted bin distribution `softmax(z)` and the HL-Gauss
 * target of the real-valued target y (see {@link hlGaussTargets}; built on the device with `tf.erf`).
 * Logits `[B, bins]`; the scalar targets come as the sample-level input `value` `[B]` (the `yTrue`
 * argument of the compiled loss is unused but still validated as labels: pass zeros, or the dense
 * `hlGaussTargets(y, options)`). σ = 0.75 bin width.
 *
 * @example `compile(hlGauss({ min: -10, max: 10, bins: 64 }))(zeros, logits, { inputs: { value: y } })`
 * @see Farebrother et al., "Stop Regressing: Training Value Functions via Classification for Scalable Deep RL", ICML 2024.
 */
export function hlGauss(options: HlGaussOptions & BinLossOptions): Expr<'sample', 'logits'> {
  const { min, bins, width } = checkBins(options);
  const sigma = params.positive('sigmaRatio', options.sigmaRatio ?? 0.75) * width;
  return node(binCeOp, 'sample', [input(targetName(options), 'sample')], { kind: 'hlGauss', min, width, bins, sigma }, 'logits');
}

/**
 * Two-hot loss: cross-entropy against the two-hot encoding of the real-valued target (see
 * {@link twoHotTargets}). Logits `[B, bins]`; scalar targets as the sample-level input `value` `[B]`
 * (`yTrue` is unused but validated as labels: pass zeros).
 *
 * @example `compile(twoHot({ min: 0, max: 1, bins: 51 }))(zeros, logits, { inputs: { value: y } })`
 * @see Farebrother et al., "Stop Regressing: Training Value Functions via Classification for Scalable Deep RL", ICML 2024.
 */
export function twoHot(options: BinOptions & BinLossOptions): Expr<'sample', 'logits'> {
  const { min, bins, width } = checkBins(options);
  return node(binCeOp, 'sample', [input(targetName(options), 'sample')], { kind: 'twoHot', min, width, bins, sigma: 0 }, 'logits');
}

const paper = {
  title: 'Stop Regressing: Training Value Functions via Classification for Scalable Deep RL',
  authors: 'Jesse Farebrother, Jordi Orbay, Quan Vuong, Adrien Ali Taïga, Yevgen Chebotar, Ted Xiao, Alex Irpan, Sergey Levine, Pablo Samuel Castro, Aleksandra Faust, Aviral Kumar, Rishabh Agarwal',
  year: 2024,
  url: 'arXiv:2403.03950',
} as const;
const binParams = [
  { name: 'min', default: null, range: 'finite', description: 'Lower end of the support; required.' },
  { name: 'max', default: null, range: 'finite, > min', description: 'Upper end of the support; required.' },
  { name: 'bins', default: null, range: { min: 2 }, description: 'Number of bins (classes); required.' },
  { name: 'target', default: 'value', range: 'an input name', description: 'Sample-level input with the scalar targets.' },
] as const;

export const hlGaussEntry = defineEntry({
  id: 'hl-gauss',
  name: 'HL-Gauss (regression as classification)',
  package: '@losskit/losses',
  export: 'hlGauss',
  category: 'regression',
  summary: 'Cross-entropy against a Gaussian (σ = 0.75 bin width) smeared over bins of the target range.',
  formula: '-\\sum_i p_i \\log \\operatorname{softmax}(z)_i,\\quad p_i = \\frac{\\Phi\\left(\\frac{e_{i+1}-y}{\\sigma}\\right) - \\Phi\\left(\\frac{e_i-y}{\\sigma}\\right)}{\\Phi\\left(\\frac{e_{m}-y}{\\sigma}\\right) - \\Phi\\left(\\frac{e_0-y}{\\sigma}\\right)}',
  inputs: 'logits [B, bins]; scalar targets inputs.value [B] (required)',
  params: [...binParams, { name: 'sigmaRatio', default: 0.75, range: { min: 0, minExclusive: true }, description: 'σ in bin widths.' }],
  paper,
  example:
    "import { compile } from '@losskit/core';\nimport { hlGauss } from '@losskit/losses';\nconst loss = compile(hlGauss({ min: 0, max: 4, bins: 4 }));\nconst y = [1.3, 2.9];\nloss([0, 0], [[0, 1, 0, 0], [0, 0, 1, 2]], { inputs: { value: y } });",
  dsl: "hlGauss({ min: 0, max: 4, bins: 4 })",
});
export const twoHotEntry = defineEntry({
  id: 'two-hot',
  name: 'Two-hot (regression as classification)',
  package: '@losskit/losses',
  export: 'twoHot',
  category: 'regression',
  summary: 'Cross-entropy against the two-hot encoding of the target over the bin centers.',
  formula: '-\\sum_i p_i \\log \\operatorname{softmax}(z)_i,\\quad p_i = \\max\\left(0, 1 - \\frac{|y - c_i|}{w}\\right)',
  inputs: 'logits [B, bins]; scalar targets inputs.value [B] (required)',
  params: [...binParams],
  paper,
  example:
    "import { compile } from '@losskit/core';\nimport { twoHot } from '@losskit/losses';\nconst loss = compile(twoHot({ min: 0, max: 4, bins: 4 }));\nconst y = [1.3, 2.9];\nloss([0, 0], [[0, 1, 0, 0], [0, 0, 1, 2]], { inputs: { value: y } });",
  dsl: "twoHot({ min: 0, max: 4, bins: 4 })",
});
