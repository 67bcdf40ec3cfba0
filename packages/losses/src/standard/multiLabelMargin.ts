import * as tf from '@tensorflow/tfjs-core';
import { type Expr, defineOp, node } from '@losskit/core';
import { TORCH, standardEntry } from './entry.js';
import { denseTargets } from './primitives.js';

const multiLabelMarginOp = defineOp({
  kind: 'std.multiLabelMargin',
  evaluate: (c) => {
    const x = c.yPred;
    const counts = denseTargets(c);
    const isTarget = tf.cast(tf.greater(counts, 0), 'float32');
    // h[n, j, i] = max(0, 1 − (x_j − x_i)), weighted by count_j · [i is not a target].
    const h = tf.relu(tf.add(tf.sub(1, tf.expandDims(x, 2)), tf.expandDims(x, 1)));
    const w = tf.mul(tf.expandDims(counts, 2), tf.expandDims(tf.sub(1, isTarget), 1));
    return tf.div(tf.sum(tf.mul(h, w), [1, 2]), c.numClasses);
  },
  print: (_a, _p, m) => (m === 'latex' ? '\\frac{1}{C}\\sum_{j \\in y}\\sum_{i \\notin y}\\left[1 - (x_j - x_i)\\right]_+' : 'Σ_{j∈y} Σ_{i∉y} [1 − (x_j − x_i)]₊ / C'),
});

/**
 * Multi-class multi-label margin loss, torch `MultiLabelMarginLoss`, one value per sample:
 * `l = (1/C) Σ_{j ∈ y} Σ_{i ∉ y} max(0, 1 − (x_j − x_i))`, every target class against every non-target class.
 * The target set is a dense row `yTrue` `[B, C]`: entry `k` counts how often class `k` is listed (a multi-hot row
 * for a set; torch's index form `[3, 0, −1, 1]` is the row with counts 1 at classes 0 and 3, and the `/torch`
 * drop-in converts it, counting a repeated index twice as torch does). Integer labels `[B]` give one target each.
 * Cost and memory `B·C²` (a custom op with autodiff through tfjs ops).
 * Shapes: scores `[B, C]`, targets `[B, C]` (or labels `[B]`) → `[B]`.
 *
 * @example compile(multiLabelMargin())([[1, 0, 0, 1]], [[0.1, 0.2, 0.4, 0.8]]) // 0.85
 * @see Weston, Watkins, "Multi-class support vector machines" (1998); torch.nn.MultiLabelMarginLoss.
 */
export function multiLabelMargin(): Expr<'sample', 'any'> {
  return node(multiLabelMarginOp, 'sample');
}

export const multiLabelMarginEntry = standardEntry({
  id: 'multi-label-margin',
  name: 'Multi-label margin loss',
  export: 'multiLabelMargin',
  category: 'classification',
  summary: 'Hinge between every target class and every non-target class, divided by C (torch MultiLabelMarginLoss).',
  formula: '\\frac{1}{C}\\sum_{j \\in y}\\sum_{i \\notin y} \\max\\left(0, 1 - (x_j - x_i)\\right)',
  inputs: 'scores [B, C], multi-hot (or count) targets [B, C], or labels [B]',
  params: [],
  paper: TORCH,
  example: "import { compile } from '@losskit/core';\nimport { multiLabelMargin } from '@losskit/losses';\nconst loss = compile(multiLabelMargin())([[1, 0, 0, 1], [0, 1, 0, 0]], [[0.1, 0.2, 0.4, 0.8], [0.5, -0.3, 1, 0]]);",
  dsl: 'multiLabelMargin()',
});
