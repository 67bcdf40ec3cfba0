import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, defineEntry, defineOp, input, node, oneHotRows, params, stopGradient, toTensor } from '@losskit/core';
import { sampleLoss } from '../../validate.js';
import { assertValuesIn, inputName } from '../checkedInputs.js';

/** Per-group mean of per-sample values `[B]` for ids in `[0, G)`, `[G]` (0 for a group absent from the batch), and the counts. */
function groupMeans(values: Tensor, ids: Tensor, groups: number): { means: Tensor; counts: Tensor } {
  const onehot = oneHotRows(tf.reshape(ids, [-1]), groups); // [B, G] (G = 1 too)
  const counts = tf.sum(onehot, 0);
  const sums = tf.sum(tf.mul(onehot, tf.reshape(values, [-1, 1])), 0);
  // The authors' `compute_group_avg`: divide by the count, or by 1 where it is 0 (the sum is then 0 too).
  return { means: tf.div(sums, tf.add(counts, tf.cast(tf.equal(counts, 0), 'float32'))), counts };
}

function checkGroups(g: unknown): number {
  const groups = params.positiveInteger('groups', g);
  return groups;
}

const groupDroOp = defineOp<{ groups: number; group: string; weights: string }>({
  kind: 'groupDro',
  evaluate: (c, a, p) => {
    const [loss, ids] = a as [Tensor, Tensor];
    // The raw input: the evaluated argument of a pair-level input is broadcast to [B, B] when its shape allows it.
    const q = c.input(p.weights);
    assertValuesIn(ids, `inputs.${p.group}`, 0, p.groups - 1, true);
    if (q.size !== p.groups) {
      throw new LosskitError('SHAPE_MISMATCH', 'one weight per group', { argument: `inputs.${p.weights}`, expected: `[${p.groups}]`, received: `[${q.shape.join(', ')}]` });
    }
    assertValuesIn(q, `inputs.${p.weights}`, 0, 1);
    const { means } = groupMeans(loss, ids, p.groups);
    return tf.sum(tf.mul(means, stopGradient(tf.reshape(q, [-1]))));
  },
  print: (a, p, m) => (m === 'latex' ? `\\sum_{g=1}^{${p.groups}} q_g\\, \\overline{${a[0]!.s}}_g` : `Σ_g q_g·mean_g(${a[0]!.s})`),
});

/** Options of {@link groupDro}. */
export interface GroupDroOptions {
  /** Number of groups G (integer ≥ 1). Required. */
  readonly groups: number;
  /** Input holding each sample's group id in `[0, G)`, `[B]`. Default `group`. */
  readonly group?: string;
  /** Input holding the group weights `q` (a distribution over the G groups), `[G]`. Default `groupWeights`. */
  readonly weights?: string;
}

/**
 * Group-DRO objective for one batch, batch level: `Σ_g q_g · ℓ̄_g` where `ℓ̄_g` is the mean of `loss` over the batch's
 * samples of group g (0 for a group with no sample in the batch) and `q` the adversary's group weights, held by the
 * caller and updated between steps with {@link groupDroUpdate} (the gradient does not flow into `q`). Inputs:
 * `inputs.group` `[B]` (integer ids), `inputs.groupWeights` `[G]` (values in [0, 1]). Online group DRO (Sagawa et al.,
 * Algorithm 1, minibatch form of the authors' `LossComputer.compute_robust_loss`) per step: compute the per-sample
 * losses, `q ← groupDroUpdate(q, perSample, group)`, then minimize this objective with the new `q`.
 * Pair it with strong L2 or early stopping, as the paper recommends.
 *
 * @example `compile(groupDro(ce(), { groups: 4 }))(labels, logits, { inputs: { group, groupWeights: q } })`
 * @see Sagawa, Koh, Hashimoto, Liang, "Distributionally Robust Neural Networks for Group Shifts: On the Importance of
 *   Regularization for Worst-Case Generalization", ICLR 2020 (code: github.com/kohpangwei/group_DRO `loss.py`).
 */
export function groupDro<K extends 'any' | 'logits'>(loss: Expr<'sample', K>, options: GroupDroOptions): Expr<'batch', K> {
  sampleLoss(loss, 'groupDro');
  const groups = checkGroups(options?.groups);
  const group = inputName('group', options.group, 'group');
  const weights = inputName('weights', options.weights, 'groupWeights');
  return node(groupDroOp, 'batch', [loss, input(group, 'sample'), input(weights, 'pair')], { groups, group, weights }) as Expr<'batch', K>;
}

/** Options of {@link groupDroUpdate}. */
export interface GroupDroUpdateOptions {
  /** Step size η_q > 0 of the exponentiated-gradient update. Default 0.01 (the authors' `step_size`). */
  readonly stepSize?: number;
  /**
   * Generalization adjustment C ≥ 0 (one number, or one per group): the update uses `ℓ̄_g + C_g/√n_g`. Default 0.
   * Needs `groupCounts`.
   */
  readonly adjustment?: number | readonly number[];
  /** Training-set size n_g of each group, for the adjustment. */
  readonly groupCounts?: readonly number[];
}

/** Result of {@link groupDroUpdate}. */
export interface GroupDroUpdate {
  /** The new group weights q′ (a distribution over the groups). */
  readonly weights: number[];
  /** The batch's mean loss of each group (0 where the group is absent). */
  readonly groupLosses: number[];
  /** How many samples of each group the batch had. */
  readonly groupCounts: number[];
}

/** Uniform initial group weights `q = 1/G` of {@link groupDro}. */
export function groupDroInit(groups: number): number[] {
  const g = checkGroups(groups);
  return new Array(g).fill(1 / g);
}

/**
 * One online group-DRO update of the group weights: `q_g ← q_g exp(η (ℓ̄_g + C_g/√n_g))`, then `q ← q / Σ q`, with
 * `ℓ̄_g` the batch mean of the per-sample losses of group g (0 if absent). Computed in float64 in log space
 * (`log q_g + η a_g − logsumexp`), so large losses cannot overflow. Inputs: the current weights `[G]`, the per-sample
 * losses `[B]` (e.g. `compiled.perSample(...)`, no gradient needed) and the group ids `[B]`. Returns new arrays; nothing
 * is kept between calls. The authors apply the adjustment only when every C_g > 0; here it is applied as written in the
 * paper (`C_g = 0` adds nothing).
 */
export function groupDroUpdate(weights: ArrayLike<number>, perSample: TensorLike, group: TensorLike, options: GroupDroUpdateOptions = {}): GroupDroUpdate {
  const eta = params.positive('stepSize', options.stepSize ?? 0.01);
  const q = Array.from(weights ?? [], Number);
  const G = q.length;
  if (G === 0) throw new LosskitError('INVALID_ARGUMENT', 'no group weights', { argument: 'weights', expected: 'one weight per group (see groupDroInit)', received: '[]' });
  q.forEach((v, g) => {
    if (!(v >= 0 && v <= 1)) throw new LosskitError('INVALID_ARGUMENT', 'group weights are a distribution', { argument: 'weights', expected: 'values in [0, 1]', received: `${v} at index ${g}` });
  });
  const adj = options.adjustment ?? 0;
  const adjustments = typeof adj === 'number' ? new Array(G).fill(adj) : Array.from(adj as ArrayLike<number>, Number);
  if (adjustments.length !== G) throw new LosskitError('SHAPE_MISMATCH', 'one adjustment per group', { argument: 'adjustment', expected: `a number or ${G} numbers`, received: `${adjustments.length} numbers` });
  adjustments.forEach((a, g) => params.nonNegative(`adjustment[${g}]`, a));
  const needCounts = adjustments.some((a) => a > 0);
  let sizes: number[] | undefined;
  if (needCounts) {
    sizes = Array.from(options.groupCounts ?? [], Number);
    if (sizes.length !== G) throw new LosskitError('MISSING_INPUT', 'the adjustment C/√n_g needs the group sizes', { argument: 'groupCounts', expected: `${G} positive counts`, received: `${sizes.length} values` });
    sizes.forEach((n, g) => params.positive(`groupCounts[${g}]`, n));
  }
  const { losses, counts } = tf.tidy(() => {
    const lc = toTensor(perSample, 'perSample');
    const l = lc.tensor;
    const ids = toTensor(group, 'group').tensor;
    if (l.size !== ids.size || l.size === 0) {
      throw new LosskitError('SHAPE_MISMATCH', 'one group id per sample', { argument: 'group', expected: `${l.size} ids (one per per-sample loss)`, received: `${ids.size} ids` });
    }
    const lv = lc.host ?? l.dataSync(); // plain arrays keep their float64 values
    for (let i = 0; i < lv.length; i++) if (!Number.isFinite(lv[i]!)) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: 'perSample', expected: 'finite losses', received: `${lv[i]} at index ${i}` });
    assertValuesIn(ids, 'group', 0, G - 1, true);
    // Group means in float64 on the host (the authors' compute_group_avg: 0 for an absent group).
    const iv = ids.dataSync();
    const sums = new Array<number>(G).fill(0);
    const n = new Array<number>(G).fill(0);
    for (let i = 0; i < lv.length; i++) {
      const g = iv[i]!;
      sums[g] = sums[g]! + lv[i]!;
      n[g] = n[g]! + 1;
    }
    return { losses: sums.map((s, g) => (n[g]! > 0 ? s / n[g]! : 0)), counts: n };
  });
  const logits = q.map((v, g) => (v > 0 ? Math.log(v) + eta * (losses[g]! + (sizes ? adjustments[g]! / Math.sqrt(sizes[g]!) : 0)) : -Infinity));
  const m = Math.max(...logits);
  if (m === -Infinity) throw new LosskitError('INVALID_ARGUMENT', 'group weights are all 0', { argument: 'weights', expected: 'a distribution over the groups', received: JSON.stringify(q) });
  const e = logits.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return { weights: e.map((v) => v / z), groupLosses: losses, groupCounts: counts };
}

export const groupDroEntry = defineEntry({
  id: 'group-dro',
  name: 'Online group DRO',
  package: '@losskit/losses',
  export: 'groupDro',
  category: 'robustness',
  summary: 'Minimizes the q-weighted group losses while an exponentiated-gradient adversary (groupDroUpdate) moves q towards the worst group.',
  formula: '\\sum_g q_g\\, \\bar\\ell_g,\\quad q_g \\leftarrow \\frac{q_g e^{\\eta (\\bar\\ell_g + C/\\sqrt{n_g})}}{\\sum_h q_h e^{\\eta (\\bar\\ell_h + C/\\sqrt{n_h})}}',
  inputs: 'any sample-level loss; inputs.group [B] (ids in [0, G)), inputs.groupWeights [G] (from groupDroInit / groupDroUpdate)',
  params: [
    { name: 'groups', default: null, range: { min: 1 }, description: 'number of groups G' },
    { name: 'group', default: 'group', range: 'input name', description: 'input with the group ids' },
    { name: 'weights', default: 'groupWeights', range: 'input name', description: 'input with the group weights q' },
  ],
  paper: {
    title: 'Distributionally Robust Neural Networks for Group Shifts: On the Importance of Regularization for Worst-Case Generalization',
    authors: 'Shiori Sagawa, Pang Wei Koh, Tatsunori B. Hashimoto, Percy Liang',
    year: 2020,
    url: 'arXiv:1911.08731',
  },
  example:
    "import { compile, ce } from '@losskit/core';\nimport { groupDro, groupDroInit, groupDroUpdate } from '@losskit/losses';\nconst group = [0, 0, 1, 1];\nconst q = groupDroUpdate(groupDroInit(2), [0.13, 0.6, 0.3, 1.2], group).weights;\ncompile(groupDro(ce(), { groups: 2 }))([0, 1, 1, 0], [[2, 0], [0.5, 0.2], [0, 1], [-1, 1]], { inputs: { group, groupWeights: q } }).print();",
  tryIt: {
    code: "const labels = [0, 1, 1, 0];\nconst logits = [[2, 0], [0.5, 0.2], [0, 1], [-1, 1]];\nconst group = [0, 0, 1, 1];\nconst loss = compile(groupDro(ce(), { groups: 2 }));\nlet q = groupDroInit(2);\nloss(labels, logits, { inputs: { group, groupWeights: q } }).dispose();\nconst perSample = compile(ce(), { reduction: 'none' })(labels, logits);\nq = groupDroUpdate(q, perSample, group).weights;\nperSample.dispose();\nloss(labels, logits, { inputs: { group, groupWeights: q } });",
  },
  dsl: 'groupDro(ce(), { groups: 2 })',
});
