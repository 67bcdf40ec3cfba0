import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, formatShape, params } from '@losskit/core';
import type { DataTensors } from './model.js';
import { type ObjectiveTerm, type TermBatch, type TermSetup, objectiveTerm, optionsOf } from './objective.js';

/**
 * The label that marks a position without loss in sequence data (`-100`, torch's `ignore_index` and the value
 * open-unlearning's collators put on prompt and padding tokens).
 */
export const IGNORE_INDEX = -100;

/** @internal Labels and mask of a sequence set: ignored positions get label 0 and mask 0. The caller disposes both. */
export interface SequenceLabels {
  /** `[N, T]` int32, ignored positions set to 0. */
  readonly labels: Tensor;
  /** `[N, T]` float32, 1 where the position has a loss (label ≠ −100 and `inputs.mask` ≠ 0). */
  readonly mask: Tensor;
}

/**
 * @internal Validates sequence labels against a model output `[1, T, V]`: `y` `[N, T]` integers in `[0, V)` or
 * {@link IGNORE_INDEX}; an optional `inputs.mask` `[N, T]` of 0/1 is combined with it. Throws `SHAPE_MISMATCH`,
 * `NON_INTEGER_LABEL` or `LABEL_OUT_OF_RANGE` naming `${argument}.y` / `${argument}.inputs.mask`.
 */
export function sequenceLabels(d: DataTensors, outShape: readonly number[], argument: string): SequenceLabels {
  const T = outShape[1]!;
  const V = outShape[2]!;
  if (d.y.rank !== 2 || d.y.shape[1] !== T) {
    throw new LosskitError('SHAPE_MISMATCH', 'sequence labels need one label per output position', { argument: `${argument}.y`, expected: `labels [N, ${T}] (the model outputs [N, ${T}, ${V}]; ${IGNORE_INDEX} = no loss)`, received: formatShape(d.y.shape) });
  }
  const v = d.y.dataSync();
  for (let i = 0; i < v.length; i++) {
    const l = v[i]!;
    if (!Number.isInteger(l)) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be integers', { argument: `${argument}.y`, expected: `integer labels in [0, ${V}) or ${IGNORE_INDEX}`, received: `${l} at flat index ${i}` });
    if (l !== IGNORE_INDEX && (l < 0 || l >= V)) throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range of the model outputs', { argument: `${argument}.y`, expected: `integers in [0, ${V}) or ${IGNORE_INDEX}`, received: `${l} at flat index ${i}` });
  }
  const user = d.inputs.mask;
  if (user !== undefined) {
    if (user.rank !== 2 || user.shape[1] !== T) throw new LosskitError('SHAPE_MISMATCH', 'the mask needs one entry per position', { argument: `${argument}.inputs.mask`, expected: `[N, ${T}]`, received: formatShape(user.shape) });
    const m = user.dataSync();
    const i = m.findIndex((x) => x !== 0 && x !== 1);
    if (i >= 0) throw new LosskitError('INVALID_ARGUMENT', 'the mask must hold 0 or 1', { argument: `${argument}.inputs.mask`, expected: '0 or 1', received: `${m[i]} at flat index ${i}` });
  }
  return tf.tidy(() => {
    const y = tf.cast(d.y, 'int32');
    const keep = tf.notEqual(y, tf.scalar(IGNORE_INDEX, 'int32'));
    let mask = tf.cast(keep, 'float32');
    if (user !== undefined) mask = tf.mul(mask, tf.cast(user, 'float32'));
    return { labels: tf.where(keep, y, tf.zerosLike(y)), mask };
  });
}

/** @internal Per-token negative log-likelihood `[B, T]` of `labels` under `logits` `[B, T, V]` (exact at huge logits). */
export function tokenNll(logits: Tensor, labels: Tensor): Tensor {
  return tf.tidy(() => {
    const V = logits.shape.at(-1)!;
    const lp = tf.logSoftmax(logits);
    return tf.neg(tf.sum(tf.mul(lp, tf.oneHot(tf.cast(labels, 'int32'), V)), -1));
  });
}

/** @internal `Σ_t m_t·nll_t` per sequence `[B]`. */
export function sequenceNll(logits: Tensor, labels: Tensor, mask: Tensor): Tensor {
  return tf.tidy(() => tf.sum(tf.mul(tokenNll(logits, labels), mask), -1));
}

/** @internal Masked mean over every valid position of the batch: `Σ m·l / Σ m` (0 when no position is valid). */
export function maskedTokenMean(values: Tensor, mask: Tensor): Scalar {
  return tf.tidy(() => tf.div(tf.sum(tf.mul(values, mask)), tf.maximum(tf.sum(mask), 1)) as Scalar);
}

function needSequence(b: TermBatch | TermSetup, name: string): Tensor {
  if (!b.mask) throw new LosskitError('INVALID_ARGUMENT', `${name} needs a sequence model (logits [B, T, V]) and sequence labels [B, T]`, { argument: 'objective', expected: 'a model whose output is [N, T, V]', received: 'a classifier (logits [N, C])' });
  return b.mask;
}

/** Options of {@link npoSequence}. */
export interface NpoSequenceOptions {
  /** β > 0. Default 0.1 (open-unlearning `NPO.yaml`). */
  readonly beta?: number;
}

/**
 * NPO forget term over sequences, as open-unlearning computes it (`compute_dpo_loss(win=None, lose=forget)` over
 * `compute_batch_nll`): with `ℓ = Σ_t m_t·(−log π_θ(y_t | x, y_<t))` the summed NLL of each sequence and `ℓ_ref` the same
 * under the reference model (computed once by `unlearn` from `reference`),
 * `L = mean_b (2/β)·softplus(β·(ℓ_ref,b − ℓ_b))`. Shapes: logits `[B, T, V]`, labels `[B, T]` (−100 = no loss) → scalar.
 *
 * @example unlearn({ model: lm, forget, retain, objective: objective({ forget: npoSequence({ beta: 0.1 }), retain: ce() }), reference: 'initial', ... })
 * @see Zhang, Lin, Bai, Mei, "Negative Preference Optimization: From Catastrophic Collapse to Effective Unlearning" (2024).
 */
export function npoSequence(options: NpoSequenceOptions = {}): ObjectiveTerm {
  const beta = params.positive('beta', optionsOf(options).beta ?? 0.1);
  return objectiveTerm({
    name: `npoSequence(β=${beta})`,
    level: 'sequence',
    needsReference: true,
    prepare: (s) => {
      const mask = needSequence(s, 'npoSequence');
      return { referenceNll: tf.tidy(() => sequenceNll(s.referenceLogits!(s.x), s.y, mask)) };
    },
    value: (b) => {
      const mask = needSequence(b, 'npoSequence');
      const nll = sequenceNll(b.forward(b.x), b.y, mask);
      return tf.mean(tf.mul(tf.softplus(tf.mul(tf.sub(b.inputs.referenceNll!, nll), beta)), 2 / beta)) as Scalar;
    },
  });
}

/** Options of {@link simNpoSequence}. */
export interface SimNpoSequenceOptions {
  /** β > 0. Default 4.5 (open-unlearning `SimNPO.yaml`). */
  readonly beta?: number;
  /** Reward margin δ (inside the β product, as open-unlearning). Default 0. */
  readonly delta?: number;
}

/**
 * SimNPO forget term over sequences (open-unlearning `SimNPO.compute_loss`): with `ℓ_b` the summed NLL of sequence b and
 * `|y_b| = Σ_t m_t` its number of answer tokens, `L = mean_b (2/β)·softplus(−β·(ℓ_b/|y_b| − δ))`. No reference model.
 * Shapes: logits `[B, T, V]`, labels `[B, T]` → scalar. Defaults β = 4.5, δ = 0.
 *
 * @example objective({ forget: simNpoSequence(), retain: ce(), gamma: 0.125 })
 * @see Fan, Liu, Lin, Jia, Zhang, Mei, Liu, "Simplicity Prevails: Rethinking Negative Preference Optimization for LLM Unlearning" (2024).
 */
export function simNpoSequence(options: SimNpoSequenceOptions = {}): ObjectiveTerm {
  options = optionsOf(options);
  const beta = params.positive('beta', options.beta ?? 4.5);
  const delta = params.finite('delta', options.delta ?? 0);
  return objectiveTerm({
    name: `simNpoSequence(β=${beta}, δ=${delta})`,
    level: 'sequence',
    needsReference: false,
    value: (b) => {
      const mask = needSequence(b, 'simNpoSequence');
      const nll = sequenceNll(b.forward(b.x), b.y, mask);
      const len = tf.maximum(tf.sum(mask, -1), 1);
      return tf.mean(tf.mul(tf.softplus(tf.mul(tf.sub(tf.div(nll, len), delta), -beta)), 2 / beta)) as Scalar;
    },
  });
}

/** Options of {@link dpoSequence}. */
export interface DpoSequenceOptions {
  /** β > 0. Default 0.1 (open-unlearning `DPO.yaml`). */
  readonly beta?: number;
}

/**
 * DPO / IdkDPO forget term over sequences (open-unlearning `compute_dpo_loss(win=alternate, lose=forget)`): the preferred
 * answer of each forget sample is a second sequence given as per-sample inputs `alternateX` `[N, T']` (model input) and
 * `alternateY` `[N, T']` (its labels, −100 = no loss), e.g. "I don't know" answers for IdkDPO. With summed NLLs
 * `ℓ^w, ℓ^l` of the alternate and the forget sequence and `ℓ_ref` under the reference model (computed once by `unlearn`),
 * `L = mean_b (2/β)·softplus(−β·[(ℓ^w_ref − ℓ^w) − (ℓ^l_ref − ℓ^l)])`. Default β = 0.1.
 *
 * @example objective({ forget: dpoSequence(), retain: ce() }) // forget.inputs = { alternateX, alternateY }
 * @see Rafailov et al., "Direct Preference Optimization: Your Language Model is Secretly a Reward Model" (2023); Maini et al., TOFU (2024) IdkDPO.
 */
export function dpoSequence(options: DpoSequenceOptions = {}): ObjectiveTerm {
  const beta = params.positive('beta', optionsOf(options).beta ?? 0.1);
  const alternate = (t: { inputs: Readonly<Record<string, Tensor>> }): { x: Tensor; labels: Tensor; mask: Tensor } => {
    const ax = t.inputs.alternateX;
    const ay = t.inputs.alternateY;
    if (!ax || !ay) throw new LosskitError('MISSING_INPUT', 'dpoSequence needs the preferred answers as forget.inputs.alternateX and alternateY', { argument: 'forget.inputs', expected: '{ alternateX: [N, T], alternateY: [N, T] }', received: Object.keys(t.inputs).join(', ') || 'none' });
    return tf.tidy(() => {
      const y = tf.cast(ay, 'int32');
      const keep = tf.notEqual(y, tf.scalar(IGNORE_INDEX, 'int32'));
      return { x: ax, labels: tf.where(keep, y, tf.zerosLike(y)), mask: tf.cast(keep, 'float32') };
    });
  };
  return objectiveTerm({
    name: `dpoSequence(β=${beta})`,
    level: 'sequence',
    needsReference: true,
    prepare: (s) => {
      const mask = needSequence(s, 'dpoSequence');
      const alt = alternate(s);
      const ay = s.inputs.alternateY!;
      const v = ay.dataSync();
      const logits = s.referenceLogits!(alt.x);
      try {
        if (logits.rank !== 3 || logits.shape[1] !== ay.shape[1]) throw new LosskitError('SHAPE_MISMATCH', 'alternateY needs one label per output position of alternateX', { argument: 'forget.inputs.alternateY', expected: `[N, ${logits.shape[1]}]`, received: formatShape(ay.shape) });
        const V = logits.shape[2]!;
        const i = v.findIndex((l) => l !== IGNORE_INDEX && !(Number.isInteger(l) && l >= 0 && l < V));
        if (i >= 0) throw new LosskitError('LABEL_OUT_OF_RANGE', 'alternate label out of range of the model outputs', { argument: 'forget.inputs.alternateY', expected: `integers in [0, ${V}) or ${IGNORE_INDEX}`, received: `${v[i]} at flat index ${i}` });
        return tf.tidy(() => ({ referenceNll: sequenceNll(s.referenceLogits!(s.x), s.y, mask), referenceAlternateNll: sequenceNll(logits, alt.labels, alt.mask) }));
      } finally {
        logits.dispose();
        alt.labels.dispose();
        alt.mask.dispose();
      }
    },
    value: (b) => {
      const mask = needSequence(b, 'dpoSequence');
      const alt = alternate(b);
      const lose = sequenceNll(b.forward(b.x), b.y, mask);
      const win = sequenceNll(b.forward(alt.x), alt.labels, alt.mask);
      const margin = tf.sub(tf.sub(b.inputs.referenceAlternateNll!, win), tf.sub(b.inputs.referenceNll!, lose));
      return tf.mean(tf.mul(tf.softplus(tf.mul(margin, -beta)), 2 / beta)) as Scalar;
    },
  });
}
