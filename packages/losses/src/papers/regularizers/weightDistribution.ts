import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineEntry, defineOp, input, node, params } from '@losskit/core';
import { inputName } from '../checkedInputs.js';

/** Standardized third and fourth moments of one weight tensor, `z = (w − mean w) / std w` with the unbiased std. */
function standardizedMoments(w: Tensor, name: string): { skew: Tensor; kurt: Tensor } {
  const flat = tf.reshape(w, [-1]);
  const n = flat.size;
  if (n < 2) {
    throw new LosskitError('SHAPE_MISMATCH', 'a weight tensor needs at least two entries', { argument: `inputs.${name}`, expected: 'a tensor of 2 or more weights', received: `[${w.shape.join(', ')}]` });
  }
  const d = tf.sub(flat, tf.mean(flat));
  const variance = tf.div(tf.sum(tf.square(d)), n - 1); // torch.std: the n − 1 estimator, as EQ-Net's criterion.py
  if (variance.dataSync()[0] === 0) {
    throw new LosskitError('INVALID_ARGUMENT', 'the weights are all equal: their skewness and kurtosis are undefined (0/0)', {
      argument: `inputs.${name}`,
      expected: 'weights with a non-zero spread',
      received: `${n} equal values`,
    });
  }
  const z = tf.div(d, tf.sqrt(variance));
  const z2 = tf.square(z);
  return { skew: tf.mean(tf.mul(z2, z)), kurt: tf.mean(tf.square(z2)) };
}

const wdrOp = defineOp<{ names: readonly string[]; kurtosisTarget: number; kurtosisWeight: number; skewnessWeight: number }>({
  kind: 'weightDistributionRegularization',
  evaluate: (c, _a, p) => {
    const kurt: Tensor[] = [];
    const skew: Tensor[] = [];
    // The raw inputs: the evaluated arguments of a pair-level input are broadcast to [B, B] when their shape allows it.
    p.names.forEach((name) => {
      const m = standardizedMoments(c.input(name), name);
      kurt.push(tf.square(tf.sub(m.kurt, p.kurtosisTarget)));
      skew.push(tf.square(m.skew));
    });
    return tf.add(tf.mul(tf.mean(tf.stack(kurt)), p.kurtosisWeight), tf.mul(tf.mean(tf.stack(skew)), p.skewnessWeight));
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `${p.kurtosisWeight}\\,\\overline{(\\mathrm{Kurt}\\,W_l - ${p.kurtosisTarget})^2} + ${p.skewnessWeight}\\,\\overline{(\\mathrm{Skew}\\,W_l)^2}`
      : `wdr[${p.names.join(', ')}]`,
});

/** Options of {@link weightDistributionRegularization}. */
export interface WdrOptions {
  /** Names of the inputs holding the regularized weight tensors (any shape, ≥ 2 entries each). Required. */
  readonly weights: readonly string[];
  /** Target kurtosis; 1.8 is the kurtosis of a uniform distribution. Default 1.8 (EQ-Net). */
  readonly kurtosisTarget?: number;
  /** Weight of the kurtosis term (`kurt_rate`). Default 0.015 (EQ-Net `configs/train-supernet.yaml`). */
  readonly kurtosisWeight?: number;
  /** Weight of the skewness term (`skew_rate`). Default 1 (same config). */
  readonly skewnessWeight?: number;
}

/**
 * EQ-Net's weight-distribution regularization (WDR-Loss), batch level: over the weight tensors `W_1 … W_L` passed as
 * inputs, with `z = (W − mean W) / std W` (unbiased std), `Kurt W = mean z⁴` and `Skew W = mean z³`,
 * `WDR = κ · mean_l (Kurt W_l − 1.8)² + s · mean_l (Skew W_l)²`, pushing every layer's weights towards a symmetric,
 * uniform-like distribution that quantizes well at any bit width. Inputs: `inputs[name]` for each name in `weights`
 * (tensors or Variables of any shape; the gradient reaches them through `tf.variableGrads` / `tf.grads`); `yTrue`,
 * `yPred` are not read. Add it to the task loss: `ce().mean().plus(wdr({ weights }))`. EQ-Net applies it to every
 * Conv/Linear weight except the first layer's: pass the ones you want.
 * Checked against the authors' code (github.com/xuke225/EQ-Net `runner/criterion.py`: `KurtosisLossCalc` /
 * `SkewnessLossCalc` with `k_mode='avg'`, `torch.std`, targets 1.8 and 0; `runner/trainer.py` adds them with
 * `kurt_rate` / `skew_rate`). A weight tensor whose entries are all equal raises `INVALID_ARGUMENT` (its moments are 0/0).
 *
 * @example `compile(ce().mean().plus(wdr({ weights: ['w1', 'w2'] })))(labels, logits, { inputs: { w1, w2 } })`
 * @see Xu, Han, Tian, Yang, Zhang, "EQ-Net: Elastic Quantization Neural Networks", ICCV 2023.
 */
export function weightDistributionRegularization(options: WdrOptions): Expr<'batch', 'any'> {
  const names = options?.weights;
  if (!Array.isArray(names) || names.length === 0) {
    throw new LosskitError('INVALID_PARAMETER', 'wdr needs the names of the weight inputs', { argument: 'weights', expected: 'a non-empty list of input names', received: JSON.stringify(names) });
  }
  const checked = names.map((n, i) => inputName(`weights[${i}]`, n, ''));
  const kurtosisTarget = params.finite('kurtosisTarget', options.kurtosisTarget ?? 1.8);
  const kurtosisWeight = params.nonNegative('kurtosisWeight', options.kurtosisWeight ?? 0.015);
  const skewnessWeight = params.nonNegative('skewnessWeight', options.skewnessWeight ?? 1);
  // A 'pair'-level input is passed through unreshaped: weight tensors keep their own shapes.
  return node(wdrOp, 'batch', checked.map((n) => input(n, 'pair')), { names: checked, kurtosisTarget, kurtosisWeight, skewnessWeight });
}

/** Short name of {@link weightDistributionRegularization}. */
export const wdr = weightDistributionRegularization;

export const wdrEntry = defineEntry({
  id: 'wdr',
  name: 'Weight-distribution regularization (EQ-Net WDR)',
  package: '@losskit/losses',
  export: 'wdr',
  category: 'regularization',
  summary: 'Pushes each layer’s weight kurtosis to 1.8 (uniform) and skewness to 0, so one set of weights quantizes well at many bit widths.',
  formula: '\\kappa\\,\\tfrac1L\\sum_l (\\mathrm{Kurt}\\,W_l - 1.8)^2 + s\\,\\tfrac1L\\sum_l (\\mathrm{Skew}\\,W_l)^2,\\ \\mathrm{Kurt}\\,W = \\overline{z^4},\\ \\mathrm{Skew}\\,W = \\overline{z^3},\\ z = \\tfrac{W - \\bar W}{\\mathrm{std}\\,W}',
  inputs: 'inputs.w1, inputs.w2, … one per name in weights (weight tensors, any shape); yTrue/yPred unused (add to a task loss)',
  params: [
    { name: 'weights', default: null, range: 'non-empty list of input names', description: 'inputs holding the regularized weight tensors' },
    { name: 'kurtosisTarget', default: 1.8, description: 'target kurtosis (uniform = 1.8)' },
    { name: 'kurtosisWeight', default: 0.015, range: { min: 0 }, description: 'weight κ of the kurtosis term (kurt_rate)' },
    { name: 'skewnessWeight', default: 1, range: { min: 0 }, description: 'weight s of the skewness term (skew_rate)' },
  ],
  paper: { title: 'EQ-Net: Elastic Quantization Neural Networks', authors: 'Ke Xu, Lei Han, Ye Tian, Shangshang Yang, Xingyi Zhang', year: 2023, url: 'arXiv:2308.07650' },
  example:
    "import { compile, ce } from '@losskit/core';\nimport { wdr } from '@losskit/losses';\nconst w1 = [[0.3, -0.2, 0.5], [0.1, 0.9, -0.4]];\nconst w2 = [[1.2, -0.7], [0.05, 0.4], [-0.3, 0.8]];\ncompile(ce().mean().plus(wdr({ weights: ['w1', 'w2'] })))([0, 1], [[2, 0.5], [0.1, 1]], { inputs: { w1, w2 } }).print();",
  dsl: "wdr({ weights: ['w1', 'w2'] })",
});
