import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { type CompiledLoss, type Expr, LosskitError, compile, formatShape, params as p, cleanTapeOnError } from '@losskit/core';
import { type GradientTransformation, type Params, disposeParams, disposeState, nonFiniteEntries, projectGradient, step } from '@losskit/optimizers';
import { type DataTensors, type LabeledData, type ModelLike, checkModelData, checkSameWeights, dataTensors, forward, modelVariables, predictLogits, probeOutput } from './model.js';
import { type Objective, type ObjectiveTerm, isObjectiveTerm } from './objective.js';
import { maskedTokenMean, sequenceLabels } from './sequence.js';
import { orthogonalize } from './surgery.js';

/** Progress of one unlearning step, passed to `onStep`. */
export interface UnlearnStepInfo {
  /** Steps done (1 after the first update). */
  readonly step: number;
  readonly totalSteps: number;
  /** Objective value on this step's batches, before the update. */
  readonly loss: number;
  /** `γ·mean_forget(f)` on the forget batch (NaN when the objective has no forget term). */
  readonly forgetLoss: number;
  /** `α·mean_retain(r)` on the retain batch (NaN when the objective has no retain term). */
  readonly retainLoss: number;
  readonly elapsedMs: number;
  /** True when the step was skipped for a non-finite gradient (`nonFinite: 'skip'`). */
  readonly skipped: boolean;
}

/** How the forget and retain gradients are combined into one step direction. */
export type Surgery = 'none' | 'conceptPreserving' | 'unoS';

/** Options of {@link unlearn}. */
export interface UnlearnOptions<S> {
  /** The trained model, updated in place (its trainable Variables). */
  readonly model: ModelLike;
  /** The forget set D_f (must not be empty). */
  readonly forget: LabeledData;
  /** The retain set D_r; required when the objective has a retain term. */
  readonly retain?: LabeledData;
  readonly objective: Objective;
  /** A gradient transformation from @losskit/optimizers, e.g. `adam({ learningRate: 1e-3 })`. */
  readonly optimizer: GradientTransformation<S>;
  /** Number of updates. */
  readonly steps: number;
  /** Forget batch size, default min(32, |D_f|). */
  readonly batchSize?: number;
  /** Retain batch size, default min(32, |D_r|). */
  readonly retainBatchSize?: number;
  /**
   * The original model, for objectives that read `input('reference')` / `input('referenceLoss')` (NPO, KL, static LoReUn):
   * a model with the same weights layout, or `'initial'` to use `model` itself as it is before the first step.
   * Its outputs are computed once, before unlearning.
   */
  readonly reference?: ModelLike | 'initial';
  /**
   * `none` (default): descend `γ·L_f + α·L_r`. `conceptPreserving`: project `γ·g_f` away from a conflicting `α·g_r`
   * (DoCo, PCGrad projection from @losskit/optimizers), then add `α·g_r`. `unoS`: `γ·g_f + (α·g_r)_⊥`, where the
   * retain gradient loses its component along the forget gradient (UNO-S).
   */
  readonly surgery?: Surgery;
  /**
   * Which trainable variables are updated (open-unlearning's `trainable_params_regex`): a RegExp or a list of RegExps
   * tested against each variable's name (a match anywhere counts; use `^…$` for a full match), or a predicate. Default: all.
   */
  readonly variables?: RegExp | readonly RegExp[] | ((name: string) => boolean);
  /** Seed of the batch shuffling. Default 0. */
  readonly seed?: number;
  /** Called after every step; return `false` to stop. */
  readonly onStep?: (info: UnlearnStepInfo) => void | boolean;
  readonly signal?: AbortSignal;
  /**
   * Non-finite gradients: `raise` (default, `NON_FINITE_INPUT`; NaN or Inf in the data is then rejected before the first
   * step) or `skip` the step (bad batches are skipped, the data are not checked for NaN).
   */
  readonly nonFinite?: 'raise' | 'skip';
}

/** Result of {@link unlearn}. */
export interface UnlearnResult {
  readonly steps: number;
  /** Objective value of every step. */
  readonly losses: number[];
  readonly stopReason: 'completed' | 'aborted' | 'callback';
  readonly elapsedMs: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cycles through shuffled indices of a set, one batch at a time. */
function batcher(n: number, size: number, rand: () => number): () => number[] {
  let order: number[] = [];
  let pos = 0;
  return () => {
    const out: number[] = [];
    while (out.length < size) {
      if (pos >= order.length) {
        order = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        pos = 0;
      }
      out.push(order[pos++]!);
      if (out.length === n) break;
    }
    return out;
  };
}

interface Side {
  readonly data: DataTensors;
  /** Labels the terms see: `data.y`, or for sequence models int32 `[N, T]` with ignored positions at 0. */
  readonly labels: Tensor;
  /** `[N, T]` loss mask of a sequence set. */
  readonly mask: Tensor | undefined;
  /** A compiled expression term, or an {@link ObjectiveTerm}. */
  readonly loss: CompiledLoss | undefined;
  readonly term: ObjectiveTerm | undefined;
  readonly weight: number;
  /** Per-sample tensors added to every batch: reference logits / losses, or what the term's `prepare` returned. */
  readonly extra: Record<string, Tensor>;
  readonly next: () => number[];
}

interface Batch {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly mask: Tensor | undefined;
  readonly inputs: Record<string, Tensor>;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

function readsRef(e: Expr): boolean {
  if (e.op.kind === 'input' && (e.params.name === 'reference' || e.params.name === 'referenceLoss')) return true;
  return e.args.some(readsRef);
}

/** @internal The variables `unlearn` updates: all, or those whose name the `variables` option selects (at least one). */
export function selectVariables(vars: tf.Variable[], select: UnlearnOptions<unknown>['variables']): tf.Variable[] {
  if (select === undefined) return vars;
  let test: (name: string) => boolean;
  if (select instanceof RegExp) test = (n) => new RegExp(select.source, select.flags.replace('g', '')).test(n);
  else if (Array.isArray(select) && select.every((r) => r instanceof RegExp)) test = (n) => select.some((r: RegExp) => new RegExp(r.source, r.flags.replace('g', '')).test(n));
  else if (typeof select === 'function') test = select as (name: string) => boolean;
  else throw new LosskitError('INVALID_ARGUMENT', 'variables must be a RegExp, a list of RegExps or a predicate', { argument: 'variables', expected: 'RegExp | RegExp[] | (name) => boolean', received: select === null ? 'null' : typeof select });
  const out = vars.filter((v) => test(v.name) === true);
  if (out.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'no trainable variable matches', { argument: 'variables', expected: `a selection of ${vars.map((v) => v.name).join(', ')}`, received: String(select) });
  return out;
}

/**
 * Runs an unlearning objective on a model: each step draws a forget batch (and a retain batch), evaluates
 * `γ·mean_forget(f) + α·mean_retain(r)`, takes the gradients with respect to the
 * model's trainable Variables, combines them as `surgery` says, and applies one `optimizer` update in place.
 * Reports `{ step, loss, forgetLoss, retainLoss, elapsedMs }` through `onStep`; stops when `onStep` returns false or
 * `signal` aborts; disposes every temporary tensor.
 *
 * Errors (all raised before the first step, naming the argument): empty forget set `EMPTY_BATCH`; an objective with a
 * retain term and no retain set, or one that reads the reference with no `reference`, `MISSING_INPUT`; data the model
 * cannot take (`forget.x` / `retain.x` of another input width: `SHAPE_MISMATCH`), labels outside the model's outputs
 * (`LABEL_OUT_OF_RANGE`), NaN or Inf in the data (`NON_FINITE_INPUT`), non-integer labels (`NON_INTEGER_LABEL`); a
 * reference model with another weights layout or output width `SHAPE_MISMATCH`; bad options `INVALID_PARAMETER` /
 * `INVALID_ARGUMENT`.
 *
 * @example
 * const result = await unlearn({ model, forget, retain, objective: gradientDifference(), optimizer: adam({ learningRate: 1e-3 }), steps: 100 });
 */
export async function unlearn<S>(options: UnlearnOptions<S>): Promise<UnlearnResult> {
  const o = options;
  if (!o || typeof o !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'unlearn needs an options object', { argument: 'options' });
  const allVars = modelVariables(o.model);
  const vars = selectVariables(allVars, o.variables);
  const obj = o.objective;
  if (!obj || (obj.forget === undefined && obj.retain === undefined)) throw new LosskitError('INVALID_ARGUMENT', 'objective must be built with objective() or a method such as gradientDifference()', { argument: 'objective' });
  if (!o.optimizer || typeof o.optimizer.update !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'optimizer must be a GradientTransformation', { argument: 'optimizer' });
  const steps = p.positiveInteger('steps', o.steps);
  const seed = p.finite('seed', o.seed ?? 0);
  if (o.onStep !== undefined && typeof o.onStep !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'onStep must be a function', { argument: 'onStep', expected: '(info) => void | boolean', received: typeof o.onStep });
  if (o.signal !== undefined && (o.signal === null || typeof o.signal.aborted !== 'boolean')) throw new LosskitError('INVALID_ARGUMENT', 'signal must be an AbortSignal', { argument: 'signal', expected: 'an AbortSignal', received: String(o.signal) });
  const surgery = o.surgery ?? 'none';
  if (!['none', 'conceptPreserving', 'unoS'].includes(surgery)) throw new LosskitError('INVALID_PARAMETER', 'unknown surgery', { argument: 'surgery', expected: "'none', 'conceptPreserving' or 'unoS'", received: String(surgery) });
  const nonFinite = o.nonFinite ?? 'raise';
  if (nonFinite !== 'raise' && nonFinite !== 'skip') throw new LosskitError('INVALID_PARAMETER', 'unknown nonFinite mode', { argument: 'nonFinite', expected: "'raise' or 'skip'", received: String(nonFinite) });
  if (surgery !== 'none' && (!obj.forget || !obj.retain)) {
    throw new LosskitError('INVALID_ARGUMENT', 'gradient surgery needs an objective with a forget and a retain term', { argument: 'surgery' });
  }
  if (obj.retain && o.retain === undefined) throw new LosskitError('MISSING_INPUT', `the objective ${obj.name} has a retain term but no retain set was given`, { argument: 'retain', expected: '{ x, y }' });
  if (obj.needsReference && o.reference === undefined) {
    throw new LosskitError('MISSING_INPUT', `the objective ${obj.name} compares with a reference model but none was given`, { argument: 'reference', expected: "the original model, or 'initial'" });
  }
  const refModel = obj.needsReference ? (o.reference === 'initial' ? o.model : o.reference) : undefined;
  if (refModel && refModel !== o.model) checkSameWeights(o.model, refModel as ModelLike, 'reference');

  const owned: Tensor[] = [];
  const sides: Side[] = [];
  const rand = mulberry32(seed);
  const makeSide = (data: LabeledData, term: NonNullable<Objective['forget']>, weight: number, argument: string, batch: number | undefined): Side => {
    const d = dataTensors(data, argument, nonFinite === 'raise');
    const local: Tensor[] = [];
    try {
      const shape = probeOutput(o.model, d, argument);
      const sequence = shape.length === 3;
      let labels = d.y;
      let mask: Tensor | undefined;
      if (sequence) {
        const s = sequenceLabels(d, shape, argument);
        local.push(s.labels, s.mask);
        labels = s.labels;
        mask = s.mask;
      } else checkModelData(o.model, d, argument);
      const width = shape.at(-1)!;
      const size = p.positiveInteger(argument === 'forget' ? 'batchSize' : 'retainBatchSize', batch ?? Math.min(32, d.n));
      const extra: Record<string, Tensor> = {};
      let loss: CompiledLoss | undefined;
      let objTerm: ObjectiveTerm | undefined;
      if (isObjectiveTerm(term)) {
        objTerm = term;
        if (term.level === 'sequence' && !sequence) {
          throw new LosskitError('INVALID_ARGUMENT', `${term.name} needs a sequence model (logits [N, T, V]) and sequence labels [N, T]`, { argument: 'objective', expected: 'a model whose output is [N, T, V]', received: `output of shape ${formatShape(shape)} for one sample` });
        }
        const referenceLogits = refModel && term.needsReference ? (x: Tensor) => predictLogits(refModel as ModelLike, x) : undefined;
        const prepared = term.prepare?.({ model: o.model, x: d.x, y: labels, mask, inputs: d.inputs, referenceLogits, referenceModel: term.needsReference ? (refModel as ModelLike | undefined) : undefined }) ?? {};
        for (const [k, t] of Object.entries(prepared)) {
          local.push(t);
          if (t.shape[0] !== d.n) throw new LosskitError('SHAPE_MISMATCH', `prepared input "${k}" needs one row per sample`, { argument: 'objective', expected: `${d.n} rows`, received: formatShape(t.shape) });
          extra[k] = t;
        }
      } else {
        if (sequence && term.level !== 'sample') {
          throw new LosskitError('LEVEL_MISMATCH', 'on a sequence model, expression terms are applied per token and must be sample-level', { argument: 'objective', expected: 'a sample-level expression (or an ObjectiveTerm such as npoSequence())', received: `${term.level}-level ${term.toString()}` });
        }
        if (refModel && readsRef(term)) {
          const reference = predictLogits(refModel as ModelLike, d.x);
          local.push(reference);
          if (width !== reference.shape.at(-1) || reference.rank !== shape.length) {
            throw new LosskitError('SHAPE_MISMATCH', 'the reference model has another output shape', { argument: 'reference', expected: formatShape([d.n, ...shape.slice(1)]), received: formatShape(reference.shape) });
          }
          const referenceLoss = compile(obj.referenceLoss, { validate: false }).perSample(labels, reference, { inputs: d.inputs });
          local.push(referenceLoss);
          extra.reference = reference;
          extra.referenceLoss = referenceLoss;
        }
        loss = compile(term, { validate: false });
      }
      owned.push(...local);
      const side: Side = { data: d, labels, mask, loss, term: objTerm, weight, extra, next: batcher(d.n, size, rand) };
      sides.push(side);
      return side;
    } catch (e) {
      local.forEach((t) => t.isDisposed || t.dispose());
      d.dispose();
      throw e;
    }
  };

  let state: S | undefined;
  try {
    const forgetSide = obj.forget ? makeSide(o.forget, obj.forget, obj.gamma, 'forget', o.batchSize) : undefined;
    if (!forgetSide) {
      // validates (e.g. empty, or not fitting the model) even for retain-only objectives
      const d = dataTensors(o.forget, 'forget');
      try {
        const shape = probeOutput(o.model, d, 'forget');
        if (shape.length === 3) {
          const s = sequenceLabels(d, shape, 'forget');
          s.labels.dispose();
          s.mask.dispose();
        } else checkModelData(o.model, d, 'forget');
      } finally {
        d.dispose();
      }
    }
    const retainSide = obj.retain ? makeSide(o.retain!, obj.retain, obj.alpha, 'retain', o.retainBatchSize) : undefined;

    const named: Record<string, tf.Variable> = {};
    for (const v of vars) named[v.name] = v;
    const params: Params = named;
    state = o.optimizer.init(params);

    const draw = (side: Side): Batch => {
      const idx = tf.tensor1d(side.next(), 'int32');
      try {
        const inputs: Record<string, Tensor> = {};
        for (const [k, t] of Object.entries(side.data.inputs)) inputs[k] = tf.gather(t, idx);
        for (const [k, t] of Object.entries(side.extra)) inputs[k] = tf.gather(t, idx);
        return { x: tf.gather(side.data.x, idx), y: tf.gather(side.labels, idx), mask: side.mask ? tf.gather(side.mask, idx) : undefined, inputs };
      } finally {
        idx.dispose();
      }
    };
    const termValue = (side: Side, b: Batch): Scalar => {
      if (side.term) return tf.mul(side.term.value({ model: o.model, forward: (x) => forward(o.model, x, true), x: b.x, y: b.y, mask: b.mask, inputs: b.inputs }), side.weight) as Scalar;
      const logits = forward(o.model, b.x, true);
      if (b.mask) return tf.mul(maskedTokenMean(side.loss!.perSample(b.y, logits, { inputs: b.inputs }), b.mask), side.weight) as Scalar;
      return tf.mul(side.loss!(b.y, logits, { inputs: b.inputs }), side.weight) as Scalar;
    };
    const fillGrads = (g: Record<string, Tensor>): Record<string, Tensor> => {
      for (const v of vars) if (!g[v.name]) g[v.name] = tf.zerosLike(v);
      return g;
    };
    const gradsOf = (f: () => Scalar): { value: Scalar; grads: Record<string, Tensor> } => {
      const { value, grads } = cleanTapeOnError(() => tf.variableGrads(f, vars));
      return { value, grads: fillGrads({ ...grads }) };
    };

    const losses: number[] = [];
    const start = performance.now();
    let stopReason: UnlearnResult['stopReason'] = 'completed';
    let done = 0;
    for (let s = 0; s < steps; s++) {
      if (o.signal?.aborted) {
        stopReason = 'aborted';
        break;
      }
      const fb = forgetSide ? draw(forgetSide) : undefined;
      const rb = retainSide ? draw(retainSide) : undefined;
      const batchTensors = [fb, rb].flatMap((b) => (b ? [b.x, b.y, ...(b.mask ? [b.mask] : []), ...Object.values(b.inputs)] : []));
      let forgetLoss = NaN;
      let retainLoss = NaN;
      let total = NaN;
      let skipped = false;
      // Term values computed inside a gradient's forward pass are kept past its tidy, and disposed here.
      const kept: Tensor[] = [];
      const keep = <T extends Tensor>(t: T): T => {
        kept.push(t);
        return tf.keep(t);
      };
      try {
        // Gradient of the step direction (owned here), and the values to report.
        const { grads, values } = tf.tidy(() => {
          if (surgery === 'none') {
            let fv: Scalar | undefined;
            let rv: Scalar | undefined;
            const { value, grads: g } = gradsOf(() => {
              fv = fb ? keep(termValue(forgetSide!, fb)) : undefined;
              rv = rb ? keep(termValue(retainSide!, rb)) : undefined;
              return (fv && rv ? tf.add(fv, rv) : (fv ?? rv)!) as Scalar;
            });
            return { grads: g, values: tf.stack([value, fv ?? tf.scalar(NaN), rv ?? tf.scalar(NaN)]) };
          }
          const f = gradsOf(() => termValue(forgetSide!, fb!));
          const r = gradsOf(() => termValue(retainSide!, rb!));
          const dir: Record<string, Tensor> = {};
          if (surgery === 'conceptPreserving') {
            const gf = projectGradient(f.grads, r.grads);
            for (const v of vars) dir[v.name] = tf.add(gf[v.name]!, r.grads[v.name]!);
          } else {
            const gr = orthogonalize(r.grads, f.grads);
            for (const v of vars) dir[v.name] = tf.add(f.grads[v.name]!, gr[v.name]!);
          }
          return { grads: dir, values: tf.stack([tf.add(f.value, r.value), f.value, r.value]) };
        });
        try {
          const v = values.dataSync();
          [total, forgetLoss, retainLoss] = [v[0]!, v[1]!, v[2]!];
          values.dispose();
          const bad = nonFiniteEntries(grads);
          if (bad.length > 0) {
            if (nonFinite === 'raise') {
              throw new LosskitError('NON_FINITE_INPUT', `gradient has NaN or Inf entries at step ${s + 1}`, { argument: 'grads', expected: 'finite values (or nonFinite: "skip")', received: bad.join(', ') });
            }
            skipped = true;
          } else {
            state = step(o.optimizer, params, grads, state, { nonFinite: 'ignore' }).state;
          }
        } finally {
          disposeParams(grads);
          if (!values.isDisposed) values.dispose();
        }
      } finally {
        batchTensors.forEach((t) => t.dispose());
        kept.forEach((t) => t.isDisposed || t.dispose());
      }
      done = s + 1;
      losses.push(total);
      const info: UnlearnStepInfo = { step: done, totalSteps: steps, loss: total, forgetLoss, retainLoss, elapsedMs: performance.now() - start, skipped };
      // Objectives with state between steps (PDU's dual variable) update it from the step's values.
      (obj as { afterStep?: (i: UnlearnStepInfo) => void }).afterStep?.(info);
      if (o.onStep && o.onStep(info) === false) {
        stopReason = 'callback';
        break;
      }
      await yieldToEventLoop();
    }
    return { steps: done, losses, stopReason, elapsedMs: performance.now() - start };
  } finally {
    disposeState(state);
    owned.forEach((t) => t.isDisposed || t.dispose());
    sides.forEach((s) => s.data.dispose());
  }
}
