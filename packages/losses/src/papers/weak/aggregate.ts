import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, defineEntry, defineOp, input, node, params } from '@losskit/core';

/** Mean of each row's bag, `[B, D]` → `[B, D]`, via the same-bag matrix `M_ij = 1[bag_i = bag_j]`. @internal */
export function bagMean(x: Tensor, bags: Tensor): Tensor {
  const same = tf.cast(tf.equal(tf.expandDims(bags, 1), tf.expandDims(bags, 0)), 'float32');
  return tf.div(tf.matMul(same, x), tf.sum(same, 1, true));
}

const aggregateOp = defineOp<{ rho: number }>({
  kind: 'aggregateResponse',
  evaluate: (c, a, p) => {
    const f = c.yPred;
    const fBar = bagMean(f, a[0]!);
    const yBar = bagMean(c.yTrue(), a[0]!);
    const bag = tf.sum(tf.square(tf.sub(yBar, fBar)), 1);
    if (p.rho === 0) return bag;
    return tf.add(bag, tf.mul(tf.sum(tf.square(tf.sub(f, fBar)), 1), p.rho));
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\left(\\bar y_{a(i)} - \\bar f_{a(i)}\\right)^2${p.rho ? ` + ${p.rho}\\left(f_i - \\bar f_{a(i)}\\right)^2` : ''}`
      : `(ȳ_bag - f̄_bag)^2${p.rho ? ` + ${p.rho}·(f - f̄_bag)^2` : ''}`,
});

/** Options of the aggregate-response losses. */
export interface AggregateOptions {
  /** Input holding each sample's bag id, `[B]`. Default `bag`. */
  readonly bags?: string;
}

/**
 * Interpolating aggregate-response loss, one value per sample: `(ȳ_a − f̄_a)² + ρ (f_i − f̄_a)²` for sample
 * i in bag a, where `f̄_a` is the bag's mean prediction and `ȳ_a` its aggregate response (the bag mean of
 * `yTrue`); summed over output columns. ρ = 0 is the bag-level loss, ρ = 1 the instance-level one (averaged over a bag,
 * `mean_i (ȳ_a − f_i)² = (ȳ_a − f̄_a)² + mean_i (f_i − f̄_a)²` exactly). With `reduction: 'mean'` each bag
 * counts with its size. Shapes: predictions `[B, D]`, targets `[B, D]`, `inputs.bag` `[B]` → `[B]`.
 * The ρ-parameterization is reconstructed from the abstract's "instance-level loss = bag-level loss plus a
 * regularizer" and checked by that identity; the paper's exact normalization may differ.
 *
 * @example `compile(aggregateResponseLoss({ rho: 0.5 }))(bagResponses, predictions, { inputs: { bag: ids } })`
 * @see "Learning from Aggregate responses: Instance Level versus Bag Level Loss Functions", ICLR 2024.
 */
export function aggregateResponseLoss(options: AggregateOptions & { readonly rho?: number } = {}): Expr<'sample', 'any'> {
  const rho = params.closedUnitInterval('rho', options.rho ?? 0.5);
  return node(aggregateOp, 'sample', [input(options.bags ?? 'bag', 'sample')], { rho });
}

/** Bag-level loss `(ȳ_a − f̄_a)²` per sample ({@link aggregateResponseLoss} with ρ = 0). */
export function bagLevelLoss(options: AggregateOptions = {}): Expr<'sample', 'any'> {
  return aggregateResponseLoss({ ...options, rho: 0 });
}

/** Instance-level loss, `(ȳ_a − f_i)²` per sample up to a term that averages to 0 over each bag ({@link aggregateResponseLoss} with ρ = 1). */
export function instanceLevelLoss(options: AggregateOptions = {}): Expr<'sample', 'any'> {
  return aggregateResponseLoss({ ...options, rho: 1 });
}

export const aggregateResponseEntry = defineEntry({
  id: 'aggregate-response',
  name: 'Aggregate-response loss (bag / instance / interpolated)',
  package: '@losskit/losses',
  export: 'aggregateResponseLoss',
  category: 'weak-supervision',
  summary: 'Regression from bag-level aggregate responses: bag loss plus ρ times the within-bag variance of predictions.',
  formula: '\\ell_i = (\\bar y_{a} - \\bar f_{a})^2 + \\rho\\,(f_i - \\bar f_{a})^2,\\ a = \\mathrm{bag}(i)',
  inputs: 'predictions [B, D], aggregate responses [B, D] (per member), inputs.bag ids [B]',
  params: [
    { name: 'rho', default: 0.5, range: { min: 0, max: 1 }, description: '0 = bag-level, 1 = instance-level' },
    { name: 'bags', default: 'bag', range: 'input name', description: 'input with bag ids' },
  ],
  paper: { title: 'Learning from Aggregate responses: Instance Level versus Bag Level Loss Functions', year: 2024 },
  example: "import { compile } from '@losskit/core';\nimport { aggregateResponseLoss } from '@losskit/losses';\ncompile(aggregateResponseLoss())([[1], [1], [3]], [[0.5], [1.2], [2.5]], { inputs: { bag: [0, 0, 1] } }).print();",
  dsl: "aggregateResponseLoss({ rho: 0.5 })",
});
