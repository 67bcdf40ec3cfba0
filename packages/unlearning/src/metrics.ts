import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, ce, compile } from '@losskit/core';
import { type LabeledData, type ModelLike, checkModelData, dataTensors, modelVariables, predictLogits } from './model.js';
import { optionsOf, sampleLoss } from './objective.js';

/** Validated metric options: a sample-level loss (default ce()) and a positive integer batch size. */
function metricOptions(options: MetricOptions | undefined): { loss: Expr<'sample'>; batchSize: number } {
  const o: MetricOptions = optionsOf(options) ?? {};
  const batchSize = o.batchSize ?? 512;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'batchSize', expected: 'an integer >= 1', received: String(batchSize) });
  return { loss: sampleLoss(o.loss ?? ce(), 'loss'), batchSize };
}

/** Accuracy and mean loss of a model on one set. */
export interface SetMetrics {
  /** Fraction of samples whose arg-max logit is the label (for dense targets: the target's arg-max). */
  readonly accuracy: number;
  /** Mean per-sample loss (default `ce()`). */
  readonly loss: number;
  readonly n: number;
}

/** Options of the metric functions. */
export interface MetricOptions {
  /** Per-sample loss, default `ce()` (from logits). */
  readonly loss?: Expr<'sample'>;
  /** Forward-pass batch size, default 512. */
  readonly batchSize?: number;
}

/**
 * Per-sample losses of a model on a labeled set (`[N]` as a Float32Array), e.g. for a membership-inference attack.
 * @example const l = perSampleLosses(model, forget);
 */
export function perSampleLosses(model: ModelLike, data: LabeledData, options: MetricOptions = {}): Float32Array {
  const o = metricOptions(options);
  modelVariables(model);
  const d = dataTensors(data, 'data');
  try {
    checkModelData(model, d, 'data');
    const loss = compile(o.loss);
    const logits = predictLogits(model, d.x, o.batchSize);
    try {
      const l = loss.perSample(d.y, logits, { inputs: d.inputs });
      const out = l.dataSync() as Float32Array;
      l.dispose();
      return Float32Array.from(out);
    } finally {
      logits.dispose();
    }
  } finally {
    d.dispose();
  }
}

/**
 * Accuracy and mean loss of `model` on `data`. Shapes: `x` `[N, ...]`, `y` `[N]` labels or `[N, C]` targets.
 * @example const { accuracy, loss } = evaluateSet(model, retain);
 */
export function evaluateSet(model: ModelLike, data: LabeledData, options: MetricOptions = {}): SetMetrics {
  const o = metricOptions(options);
  modelVariables(model);
  const d = dataTensors(data, 'data');
  try {
    checkModelData(model, d, 'data');
    const logits = predictLogits(model, d.x, o.batchSize);
    try {
      const acc = tf.tidy(() => {
        const pred = tf.argMax(logits, -1);
        const truth = d.y.rank > 1 ? tf.argMax(d.y, -1) : tf.reshape(d.y, [-1]);
        return tf.mean(tf.cast(tf.equal(pred, tf.cast(truth, 'int32')), 'float32'));
      });
      const accuracy = acc.dataSync()[0]!;
      acc.dispose();
      const l = compile(o.loss)(d.y, logits, { inputs: d.inputs });
      const loss = l.dataSync()[0]!;
      l.dispose();
      return { accuracy, loss, n: d.n };
    } finally {
      logits.dispose();
    }
  } finally {
    d.dispose();
  }
}

/**
 * AUC of the loss-threshold membership-inference attack (Yeom et al. 2018): a sample is called a member when its loss
 * is below a threshold; over all thresholds, `AUC = P(ℓ_member < ℓ_non-member) + ½·P(ℓ_member = ℓ_non-member)`
 * (the Mann-Whitney statistic). 0.5 means the attacker cannot tell members from non-members; after ideal unlearning
 * the forget set should look like held-out data of the same distribution (AUC near 0.5).
 * Shapes: two arrays of per-sample losses (any lengths ≥ 1). O((n + m) log(n + m)).
 *
 * @example membershipAuc(perSampleLosses(model, forget), perSampleLosses(model, heldOut))
 * @see Yeom, Giacomelli, Fredrikson, Jha, "Privacy Risk in Machine Learning: Analyzing the Connection to Overfitting" (2018).
 */
export function membershipAuc(memberLosses: ArrayLike<number>, nonMemberLosses: ArrayLike<number>): number {
  const read = (v: unknown, argument: string): ArrayLike<number> => {
    if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new LosskitError('INVALID_ARGUMENT', 'expected an array of per-sample losses', { argument, expected: 'finite numbers (e.g. perSampleLosses(model, set))', received: v === null ? 'null' : typeof v });
    const a = v as ArrayLike<unknown>;
    if (a.length === 0) throw new LosskitError('EMPTY_BATCH', 'membershipAuc needs members and non-members', { argument, expected: 'at least one loss', received: '0' });
    for (let i = 0; i < a.length; i++) {
      if (typeof a[i] !== 'number' || !Number.isFinite(a[i] as number)) throw new LosskitError('NON_FINITE_INPUT', 'losses must be finite numbers', { argument, expected: 'finite numbers', received: `${String(a[i])} at index ${i}` });
    }
    return a as ArrayLike<number>;
  };
  const members = read(memberLosses, 'memberLosses');
  const nonMembers = read(nonMemberLosses, 'nonMemberLosses');
  const n = members.length;
  const m = nonMembers.length;
  const all: { v: number; member: boolean }[] = [];
  for (let i = 0; i < n; i++) all.push({ v: members[i]!, member: true });
  for (let i = 0; i < m; i++) all.push({ v: nonMembers[i]!, member: false });
  // Rank losses in decreasing order: the Mann-Whitney U of "member loss is lower" with mid-ranks for ties.
  all.sort((a, b) => b.v - a.v);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const mid = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k]!.member) rankSum += mid;
    i = j + 1;
  }
  return (rankSum - (n * (n + 1)) / 2) / (n * m);
}

/** What {@link unlearningMetrics} reports. */
export interface UnlearningMetrics {
  readonly forget: SetMetrics;
  readonly retain: SetMetrics;
  readonly test?: SetMetrics;
  /** Loss-threshold MIA AUC of the forget set against `heldOut` (when given). */
  readonly mia?: number;
}

/** Options of {@link unlearningMetrics}. */
export interface UnlearningMetricsOptions extends MetricOptions {
  readonly model: ModelLike;
  readonly forget: LabeledData;
  readonly retain: LabeledData;
  /** Optional test set. */
  readonly test?: LabeledData;
  /** Non-members from the forget set's distribution (never trained on), for the membership-inference AUC. */
  readonly heldOut?: LabeledData;
}

/**
 * Forget-set and retain-set accuracy and loss, optional test metrics, and the loss-threshold MIA AUC of the forget
 * set against held-out data.
 * @example const before = unlearningMetrics({ model, forget, retain, heldOut });
 */
export function unlearningMetrics(options: UnlearningMetricsOptions): UnlearningMetrics {
  if (!options || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'unlearningMetrics needs an options object', { argument: 'options', expected: '{ model, forget, retain, test?, heldOut? }', received: options === null ? 'null' : typeof options });
  const o = options;
  const forget = evaluateSet(o.model, o.forget, o);
  const retain = evaluateSet(o.model, o.retain, o);
  return {
    forget,
    retain,
    ...(o.test ? { test: evaluateSet(o.model, o.test, o) } : {}),
    ...(o.heldOut ? { mia: membershipAuc(perSampleLosses(o.model, o.forget, o), perSampleLosses(o.model, o.heldOut, o)) } : {}),
  };
}

/** Absolute gaps between an unlearned model's metrics and a retrained-from-scratch model's. */
export interface RetrainGap {
  readonly forgetAccuracy: number;
  readonly retainAccuracy: number;
  readonly testAccuracy?: number;
  readonly mia?: number;
  /** Mean of the gaps above (the "Avg. Gap" of the unlearning literature, in accuracy units). */
  readonly average: number;
}

/**
 * The gap to the gold standard, a model retrained from scratch without the forget set: `|m_unlearned − m_retrained|`
 * for forget, retain and test accuracy and the MIA AUC (each when both have it), and their mean.
 * @example retrainGap(unlearningMetrics({ model, ... }), unlearningMetrics({ model: retrained, ... }))
 * @see Fan et al., "SalUn: Empowering Machine Unlearning via Gradient-based Weight Saliency" (2024) (Avg. Gap).
 */
export function retrainGap(unlearned: UnlearningMetrics, retrained: UnlearningMetrics): RetrainGap {
  for (const [name, m] of [['unlearned', unlearned], ['retrained', retrained]] as const) {
    const ok = !!m && typeof m === 'object' && [m.forget, m.retain].every((s) => !!s && typeof s === 'object' && Number.isFinite(s.accuracy));
    if (!ok) throw new LosskitError('INVALID_ARGUMENT', 'retrainGap takes two unlearningMetrics results', { argument: name, expected: 'the result of unlearningMetrics()', received: m === null ? 'null' : typeof m });
  }
  const forgetAccuracy = Math.abs(unlearned.forget.accuracy - retrained.forget.accuracy);
  const retainAccuracy = Math.abs(unlearned.retain.accuracy - retrained.retain.accuracy);
  const gaps = [forgetAccuracy, retainAccuracy];
  let testAccuracy: number | undefined;
  let mia: number | undefined;
  if (unlearned.test && retrained.test) gaps.push((testAccuracy = Math.abs(unlearned.test.accuracy - retrained.test.accuracy)));
  if (unlearned.mia !== undefined && retrained.mia !== undefined) gaps.push((mia = Math.abs(unlearned.mia - retrained.mia)));
  return {
    forgetAccuracy,
    retainAccuracy,
    ...(testAccuracy !== undefined ? { testAccuracy } : {}),
    ...(mia !== undefined ? { mia } : {}),
    average: gaps.reduce((a, b) => a + b, 0) / gaps.length,
  };
}
