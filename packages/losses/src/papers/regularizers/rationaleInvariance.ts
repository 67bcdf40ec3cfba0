import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, defineEntry, defineOp, input, node, oneHotRows, params, stopGradient, toTensor } from '@losskit/core';
import { assertValuesIn, inputName, rowsOf } from '../checkedInputs.js';

/** Caller-held state of the rationale-invariance regularizer: the momentum class means of the rationales. */
export interface RationaleBank {
  /** `[C, C, D]`: for each class c, the running mean of its samples' rationale matrices `W ⊙ h` (`[C, D]`). */
  readonly bank: Tensor;
  /** Whether class c has been seen (its first mean replaces the zeros instead of being averaged in). */
  readonly seen: readonly boolean[];
}

/** An empty bank for `classes` classes and features of width `dim` (zeros, nothing seen). */
export function rationaleBankInit(classes: number, dim: number): RationaleBank {
  const C = params.positiveInteger('classes', classes);
  const D = params.positiveInteger('dim', dim);
  return { bank: tf.zeros([C, C, D]), seen: new Array(C).fill(false) };
}

/** Options of {@link rationaleBankUpdate}. */
export interface RationaleBankUpdateOptions {
  /** Momentum m ∈ (0, 1] of the class means: `bank_c ← (1 − m) bank_c + m R̄_c`. Required (the paper's value could not be checked). */
  readonly momentum: number;
}

function checkBank(b: RationaleBank, C: number, D: number): void {
  if (!b || typeof b !== 'object' || !(b.bank instanceof tf.Tensor) || b.bank.isDisposed || !Array.isArray(b.seen)) {
    throw new LosskitError('INVALID_ARGUMENT', 'state is { bank, seen } (see rationaleBankInit)', { argument: 'state', expected: '{ bank: Tensor [C, C, D], seen: boolean[] }', received: String(b) });
  }
  const s = b.bank.shape;
  if (s.length !== 3 || s[0] !== C || s[1] !== C || s[2] !== D || b.seen.length !== C) {
    throw new LosskitError('SHAPE_MISMATCH', 'the bank does not match the classifier', { argument: 'state.bank', expected: `[${C}, ${C}, ${D}] and ${C} seen flags`, received: `[${s.join(', ')}] and ${b.seen.length} flags` });
  }
}

/**
 * Updates the rationale bank with one batch (no gradient): for each class c present in the batch, with `h̄_c` the mean
 * feature of its samples and `R̄_c = W ⊙ h̄_c` (row j: `W_j ⊙ h̄_c`, the mean rationale), `bank_c ← R̄_c` the first time
 * c is seen and `bank_c ← (1 − m) bank_c + m R̄_c` afterwards. Inputs: features `[B, D]`, classifier weight `[C, D]`
 * (logits `z = h Wᵀ (+ b)`), integer labels `[B]`. Returns a new state; the caller disposes the old `bank`. Call it
 * before evaluating {@link rationaleInvariance} on the same batch, as the authors' training step does.
 */
export function rationaleBankUpdate(state: RationaleBank, features: TensorLike, weight: TensorLike, labels: TensorLike, options: RationaleBankUpdateOptions): RationaleBank {
  const m = params.inRange('momentum', options?.momentum, 0, 1);
  if (m === 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'momentum', expected: 'a number in (0, 1]', received: '0' });
  const out = tf.tidy(() => {
    const W = rowsOf(toTensor(weight, 'weight').tensor, 'weight', undefined, '[C, D]');
    const [C, D] = W.shape as [number, number];
    checkBank(state, C, D);
    const h = rowsOf(toTensor(features, 'features').tensor, 'features', undefined, `[B, ${D}]`);
    if (h.shape[1] !== D) throw new LosskitError('SHAPE_MISMATCH', 'features and classifier widths differ', { argument: 'features', expected: `[B, ${D}]`, received: `[${h.shape.join(', ')}]` });
    const y = toTensor(labels, 'labels').tensor;
    if (y.size !== h.shape[0]) throw new LosskitError('SHAPE_MISMATCH', 'one label per sample', { argument: 'labels', expected: `[${h.shape[0]}]`, received: `[${y.shape.join(', ')}]` });
    for (const [name, t] of [['features', h], ['weight', W]] as const) {
      const v = t.dataSync();
      const bad = v.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: name, expected: 'finite numbers', received: `${v[bad]} at flat index ${bad}` });
    }
    assertValuesIn(y, 'labels', 0, C - 1, true);
    const onehot = oneHotRows(tf.reshape(y, [-1]), C); // [B, C] (C = 1 too)
    const counts = tf.sum(onehot, 0); // [C]
    const meanH = tf.div(tf.matMul(onehot, h, true, false), tf.reshape(tf.maximum(counts, 1), [C, 1])); // [C, D]
    const rBar = tf.mul(tf.expandDims(meanH, 1), tf.expandDims(W, 0)); // [C, C, D]: class c, row j
    const present = Array.from(counts.dataSync(), (n) => n > 0);
    const coef = tf.tensor3d(present.map((p, c) => (p ? (state.seen[c] ? m : 1) : 0)), [C, 1, 1]);
    const bank = tf.add(tf.mul(state.bank, tf.sub(1, coef)), tf.mul(rBar, coef));
    return { bank, present };
  });
  return { bank: out.bank, seen: state.seen.map((s, c) => s || out.present[c]!) };
}

const ridgOp = defineOp<{ features: string; weight: string; bank: string }>({
  kind: 'rationaleInvariance',
  evaluate: (c, _a, p) => {
    if (!c.labels) {
      throw new LosskitError('INVALID_ARGUMENT', 'rationale invariance needs integer class labels', { argument: 'yTrue', expected: `labels [${c.batchSize}]`, received: 'dense targets' });
    }
    const C = c.numClasses;
    // The raw inputs: the evaluated arguments of pair-level inputs are broadcast to [B, B] when their shapes allow it.
    const [hRaw, wRaw, bank] = [c.input(p.features), c.input(p.weight), c.input(p.bank)];
    const h = rowsOf(hRaw, `inputs.${p.features}`, c.batchSize, 'features [B, D]');
    const D = h.shape[1]!;
    const W = rowsOf(wRaw, `inputs.${p.weight}`, C, `classifier weight [${C}, ${D}]`);
    if (W.shape[1] !== D) throw new LosskitError('SHAPE_MISMATCH', 'features and classifier widths differ', { argument: `inputs.${p.weight}`, expected: `[${C}, ${D}]`, received: `[${wRaw.shape.join(', ')}]` });
    if (bank.rank !== 3 || bank.shape[0] !== C || bank.shape[1] !== C || bank.shape[2] !== D) {
      throw new LosskitError('SHAPE_MISMATCH', 'the rationale bank is [C, C, D]', { argument: `inputs.${p.bank}`, expected: `[${C}, ${C}, ${D}]`, received: `[${bank.shape.join(', ')}]` });
    }
    const R = tf.mul(tf.expandDims(h, 1), tf.expandDims(W, 0)); // [B, C, D]: R_i = W ⊙ h_i
    const target = stopGradient(tf.gather(bank, c.labels)); // bank of each sample's class
    const perSample = tf.mean(tf.sum(tf.square(tf.sub(R, target)), 2), 1); // mean_j Σ_d
    const counts = tf.sum(oneHotRows(c.labels, C), 0);
    return tf.sum(tf.div(perSample, tf.gather(counts, c.labels)));
  },
  print: (_a, _p, m) =>
    m === 'latex' ? '\\sum_{c} \\frac{1}{C\\,n_c}\\sum_{i: y_i = c} \\left\\| W \\odot h_i - \\bar R_c \\right\\|_F^2' : 'Σ_c mean_{i∈c} ‖W⊙h_i − R̄_c‖²/C',
});

/** Options of {@link rationaleInvariance}. */
export interface RationaleInvarianceOptions {
  /** Input holding the penultimate features `h` `[B, D]`. Default `features`. */
  readonly features?: string;
  /** Input holding the linear classifier's weight `W` `[C, D]`. Default `classifierWeight`. */
  readonly weight?: string;
  /** Input holding the bank `[C, C, D]` (from {@link rationaleBankUpdate}). Default `rationaleBank`. */
  readonly bank?: string;
}

/**
 * RIDG's rationale-invariance regularizer, batch level: the rationale of sample i is the `[C, D]` matrix of
 * per-feature contributions to each logit, `R_i = W ⊙ h_i` (row j: `W_j ⊙ h_i`, so `z_ij = Σ_d R_ijd + b_j`); samples of a
 * class should share it, so `Σ_{c in batch} (1/(C n_c)) Σ_{i: y_i = c} ‖R_i − R̄_c‖²_F` with `R̄_c` the momentum mean of
 * class c's rationales kept in the caller's bank (no gradient). The training loss is `CE + reg · this`
 * (`ce().mean().plus(rationaleInvariance().scale(reg))`); update the bank first with {@link rationaleBankUpdate}.
 * Inputs: logits `[B, C]` and integer labels `[B]` (the labels pick each sample's class); `inputs.features` `[B, D]`,
 * `inputs.classifierWeight` `[C, D]` (gradients reach both through `tf.variableGrads`), `inputs.rationaleBank`
 * `[C, C, D]`. Follows the Dassl `RIDG` trainer distributed with the paper (`forward_backward`: `rational[i] =
 * classifier.weight[i] * features`, `((rational − bank[c]).detach()**2).sum(dim=2).mean()` summed over the batch's
 * classes); the paper's λ and momentum are not fixed here (the authors' configs were not found).
 *
 * @example `compile(ce().mean().plus(rationaleInvariance().scale(0.1)))(labels, logits, { inputs: { features, classifierWeight, rationaleBank } })`
 * @see Chen, Zhang, Song, van den Hengel, Liu, "Domain Generalization via Rationale Invariance", ICCV 2023.
 */
export function rationaleInvariance(options: RationaleInvarianceOptions = {}): Expr<'batch', 'any'> {
  const features = inputName('features', options.features, 'features');
  const weight = inputName('weight', options.weight, 'classifierWeight');
  const bank = inputName('bank', options.bank, 'rationaleBank');
  // 'pair'-level inputs are passed through unreshaped: features [B, D], weight [C, D], bank [C, C, D].
  return node(ridgOp, 'batch', [input(features, 'pair'), input(weight, 'pair'), input(bank, 'pair')], { features, weight, bank });
}

export const rationaleInvarianceEntry = defineEntry({
  id: 'rationale-invariance',
  name: 'Rationale invariance (RIDG)',
  package: '@losskit/losses',
  export: 'rationaleInvariance',
  category: 'regularization',
  summary: 'Pulls each sample’s rationale W ⊙ h (per-feature contributions to every logit) towards its class’s momentum mean.',
  formula: '\\sum_{c} \\frac{1}{C\\,n_c}\\sum_{i:\\,y_i = c} \\left\\| W \\odot h_i - \\bar R_c \\right\\|_F^2,\\quad \\bar R_c \\leftarrow (1-m)\\bar R_c + m\\, W \\odot \\bar h_c',
  inputs: 'logits [B, C], labels [B]; inputs.features [B, D], inputs.classifierWeight [C, D], inputs.rationaleBank [C, C, D]',
  params: [
    { name: 'features', default: 'features', range: 'input name', description: 'input with the features h' },
    { name: 'weight', default: 'classifierWeight', range: 'input name', description: 'input with the classifier weight W' },
    { name: 'bank', default: 'rationaleBank', range: 'input name', description: 'input with the rationale bank' },
  ],
  paper: { title: 'Domain Generalization via Rationale Invariance', authors: 'Liang Chen, Yong Zhang, Yibing Song, Anton van den Hengel, Lingqiao Liu', year: 2023, url: 'arXiv:2308.11158' },
  example:
    "import { compile, ce } from '@losskit/core';\nimport { rationaleBankInit, rationaleBankUpdate, rationaleInvariance } from '@losskit/losses';\nconst labels = [0, 1, 0, 1];\nconst features = [[0.5, 1.0, -0.3], [1.5, -0.2, 0.4], [0.3, 0.8, 0.1], [0.9, -0.5, 1.2]];\nconst classifierWeight = [[1.0, 0.4, -0.2], [-0.6, 0.9, 0.3]];\nconst logits = [[0.96, 0.51], [1.34, -1.0], [0.6, 0.57], [0.46, -0.63]];\nconst empty = rationaleBankInit(2, 3);\nconst state = rationaleBankUpdate(empty, features, classifierWeight, labels, { momentum: 0.1 });\nempty.bank.dispose();\nconst rationaleBank = state.bank.arraySync();\nstate.bank.dispose();\ncompile(ce().mean().plus(rationaleInvariance().scale(0.1)))(labels, logits, { inputs: { features, classifierWeight, rationaleBank } }).print();",
  dsl: 'rationaleInvariance()',
});
