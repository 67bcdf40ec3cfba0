import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p, type TensorLike, toTensor, cleanTapeOnError } from '@losskit/core';
import { rng, shuffleInPlace } from '@losskit/core/math';
import type { GradientTransformation, LossClosure, Params } from './types.js';
import { checkParams, disposeParams, disposeState } from './types.js';
import { lossClosure, nonFiniteEntries, step, type NonFiniteMode } from './apply.js';
import { createProgressBar } from './progress.js';

/** The part of a tfjs-layers model `train` uses (a `tf.LayersModel` fits). */
export interface LayersModelLike {
  /** Each weight's `read()` must return its `tf.Variable` (tfjs-layers `LayerVariable` does). */
  readonly trainableWeights: readonly { read(): Tensor }[];
  /** Forward pass; called with a concrete tensor it returns a tensor (tfjs-layers' SymbolicTensor case never occurs here). */
  apply(inputs: Tensor, kwargs?: { training?: boolean }): unknown;
}

/** Progress of one step, passed to `onStep`. */
export interface StepInfo {
  /** Steps done (1 after the first update). */
  readonly step: number;
  readonly totalSteps: number;
  /**
   * 0-based index of the epoch this step belongs to: `⌊(step − 1) / ⌈N / batchSize⌉⌋`, so the steps of the first pass
   * over the data report `epoch: 0` and those of the last of E epochs `epoch: E − 1`. This is Keras' convention
   * (`Callback.on_epoch_end(epoch)`, "epoch: Integer, index of epoch", keras-team/keras `keras/src/callbacks/callback.py`;
   * tfjs-layers' `onEpochEnd` likewise); `step` counts from 1.
   */
  readonly epoch: number;
  /** Batch loss at the parameters before this step. */
  readonly loss: number;
  /** Learning rate used at this step (NaN when the optimizer exposes none). */
  readonly learningRate: number;
  readonly elapsedMs: number;
  /** True when the step was skipped for a non-finite gradient. */
  readonly skipped: boolean;
}

/** Early stopping on the smoothed batch loss. */
export interface EarlyStopOptions {
  /** Stop after this many steps without an improvement of the smoothed loss by more than `minDelta`. */
  readonly patience: number;
  /** Default 0. */
  readonly minDelta?: number;
  /** EMA factor of the smoothed loss. Default 0.9. */
  readonly smoothing?: number;
}

/** Options of {@link train}. Give either `params` + `forward`, or `model`. */
export interface TrainOptions<S> {
  /** Parameters (tensors or Variables) for `forward`. Variables are updated in place; plain tensors are replaced. */
  readonly params?: Params;
  /** `yPred = forward(params, x)` for the `params` form. */
  readonly forward?: (params: Params, x: Tensor) => Tensor;
  /** A tfjs-layers model: its trainable weights are the parameters (updated in place). */
  readonly model?: LayersModelLike;
  /** A loss `(yTrue, yPred) => scalar`, e.g. a `CompiledLoss` from `compile()`. */
  readonly loss: (yTrue: Tensor, yPred: Tensor) => Scalar;
  readonly optimizer: GradientTransformation<S>;
  /** Inputs `x` `[N, ...]` and targets `y` `[N, ...]` (labels or dense targets). */
  readonly data: { readonly x: TensorLike; readonly y: TensorLike };
  /** Number of updates; or give `epochs`. */
  readonly steps?: number;
  readonly epochs?: number;
  /** Default min(32, N). */
  readonly batchSize?: number;
  /** Shuffle each epoch. Default true. */
  readonly shuffle?: boolean;
  /** Seed of the shuffling. Default 0. */
  readonly seed?: number;
  /** Called after every step; return `false` to stop. */
  readonly onStep?: (info: StepInfo) => void | boolean;
  readonly signal?: AbortSignal;
  readonly earlyStop?: EarlyStopOptions | ((info: StepInfo) => boolean);
  /**
   * Non-finite gradients: `raise` (default; NaN or Inf in `data` is then rejected before the first step, as
   * `NON_FINITE_INPUT` naming `data.x` / `data.y`) or `skip` the step (bad batches are skipped, the data are not checked).
   */
  readonly nonFinite?: Exclude<NonFiniteMode, 'ignore'>;
  /** Progress bar on stderr: `auto` (default, only when stderr is a TTY), `true`, `false`. */
  readonly progress?: boolean | 'auto';
  /** Return the final optimizer state instead of disposing it. Default false. */
  readonly keepState?: boolean;
}

/** Result of {@link train}. */
export interface TrainResult<S> {
  /** The final parameters (the Variables themselves for a model or Variable params). */
  readonly params: Params;
  /** Final optimizer state when `keepState`, else undefined (disposed). */
  readonly state: S | undefined;
  readonly steps: number;
  /** Batch loss of every step. */
  readonly losses: number[];
  readonly stopReason: 'completed' | 'earlyStop' | 'aborted' | 'callback';
  readonly elapsedMs: number;
}

const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

function asTensor(x: TensorLike, name: string): { t: Tensor; owned: boolean } {
  if (x instanceof tf.Tensor) {
    if (x.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument: name });
    return { t: x, owned: false };
  }
  const c = toTensor(x, name); // typed errors for ragged or non-numeric data
  return { t: c.tensor, owned: true };
}

/** Throws `NON_FINITE_INPUT` naming `name` when `t` holds NaN or ±Inf (one read-back, before training). */
function checkFinite(t: Tensor, name: string): void {
  const ok = tf.tidy(() => tf.all(tf.isFinite(t)));
  const finite = ok.dataSync()[0] === 1;
  ok.dispose();
  if (finite) return;
  const v = t.dataSync();
  const i = v.findIndex((a) => !Number.isFinite(a));
  throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', { argument: name, expected: 'finite numbers', received: `${v[i]} at flat index ${i}` });
}

function checkEarlyStop(e: unknown): void {
  if (e === undefined || typeof e === 'function') return;
  if (e === null || typeof e !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'earlyStop must be options or a function', { argument: 'earlyStop', expected: '{ patience, minDelta?, smoothing? } or (info) => boolean', received: e === null ? 'null' : typeof e });
  const o = e as EarlyStopOptions;
  p.positiveInteger('patience', o.patience);
  p.nonNegative('minDelta', o.minDelta ?? 0);
  p.unitInterval('smoothing', o.smoothing ?? 0.9);
}

/**
 * Trains parameters (or a tfjs-layers model) with a gradient transformation on minibatches of `data`:
 * each step draws a batch, computes the loss and its gradients (`tf.variableGrads` for a model, `tf.valueAndGrads`
 * for `params` + `forward`), then `update` and `applyUpdates`. MoMo gets the batch loss (`extra.value`), SAM a loss
 * closure on the same batch (`extra.loss`). Reports `{ step, loss, learningRate, elapsedMs }` through `onStep` and a
 * progress bar on a TTY stderr, stops early on `earlyStop`, the callback returning `false` or `signal` aborting, and
 * disposes every temporary tensor (check with `tf.memory()`).
 * @example
 * const result = await train({ model, loss: compile(ce()), optimizer: adam({ learningRate: 1e-2 }), data: { x, y }, epochs: 20, batchSize: 32 });
 */
export async function train<S>(options: TrainOptions<S>): Promise<TrainResult<S>> {
  const o = options;
  if (!o || typeof o !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'train needs an options object', { argument: 'options' });
  if (typeof o.loss !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'loss must be a function (yTrue, yPred) => scalar', { argument: 'loss', received: typeof o.loss });
  if (!o.optimizer || typeof o.optimizer.update !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'optimizer must be a GradientTransformation', { argument: 'optimizer' });
  if ((o.model === undefined) === (o.params === undefined)) {
    throw new LosskitError('INVALID_ARGUMENT', 'give exactly one of params (with forward) or model', { argument: 'params | model' });
  }
  if (o.params !== undefined && typeof o.forward !== 'function') {
    throw new LosskitError('MISSING_INPUT', 'params need a forward function', { argument: 'forward', expected: '(params, x) => yPred' });
  }
  const nonFinite = o.nonFinite ?? 'raise';
  if (nonFinite !== 'raise' && nonFinite !== 'skip') throw new LosskitError('INVALID_PARAMETER', 'unknown nonFinite mode', { argument: 'nonFinite', expected: "'raise' or 'skip'", received: String(nonFinite) });
  const seed = p.finite('seed', o.seed ?? 0);
  const shuffle = p.boolean('shuffle', o.shuffle ?? true);
  const keep = p.boolean('keepState', o.keepState ?? false);
  if (o.onStep !== undefined && typeof o.onStep !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'onStep must be a function', { argument: 'onStep', expected: '(info) => void | boolean', received: typeof o.onStep });
  checkEarlyStop(o.earlyStop);
  if (!o.data || typeof o.data !== 'object') throw new LosskitError('MISSING_INPUT', 'train needs data { x, y }', { argument: 'data', expected: '{ x, y }', received: String(o.data) });
  const X = asTensor(o.data.x, 'data.x');
  let Y: { t: Tensor; owned: boolean };
  try {
    Y = asTensor(o.data.y, 'data.y');
  } catch (e) {
    if (X.owned) X.t.dispose();
    throw e;
  }
  const cleanupData = () => {
    if (X.owned) X.t.dispose();
    if (Y.owned) Y.t.dispose();
  };
  try {
    const n = X.t.shape[0] ?? 0;
    if (n === 0 || Y.t.shape[0] !== n) {
      throw new LosskitError('SHAPE_MISMATCH', 'x and y need the same non-zero number of rows', { argument: 'data', expected: 'x [N, ...] and y [N, ...], N > 0', received: `x ${X.t.shape[0]} rows, y ${Y.t.shape[0]} rows` });
    }
    if (nonFinite === 'raise') {
      // NaN data would raise at its first batch anyway; say so before training, naming the data. With
      // nonFinite: 'skip' such batches are skipped instead, so the data are not checked.
      checkFinite(X.t, 'data.x');
      checkFinite(Y.t, 'data.y');
    }
    const batchSize = p.positiveInteger('batchSize', o.batchSize ?? Math.min(32, n));
    const perEpoch = Math.ceil(n / batchSize);
    if ((o.steps === undefined) === (o.epochs === undefined)) throw new LosskitError('INVALID_ARGUMENT', 'give exactly one of steps or epochs', { argument: 'steps | epochs' });
    const totalSteps = o.steps !== undefined ? p.positiveInteger('steps', o.steps) : p.positiveInteger('epochs', o.epochs) * perEpoch;
    const rand = rng(seed);

    // Parameters and gradient oracle.
    let params: Params;
    const ownedInitial = new Set<Tensor>();
    let gradsAt: (xb: Tensor, yb: Tensor) => { value: Scalar; grads: Params };
    let closureFor: (xb: Tensor, yb: Tensor) => LossClosure;
    if (o.model) {
      const vars = o.model.trainableWeights.map((w, i) => {
        const v = w.read();
        if (!(v instanceof tf.Variable)) {
          throw new LosskitError('INVALID_ARGUMENT', `trainable weight ${i} is not a tf.Variable`, { argument: 'model.trainableWeights', expected: 'read() returning a tf.Variable' });
        }
        return v;
      });
      const named: Record<string, tf.Variable> = {};
      for (const v of vars) named[v.name] = v;
      params = named;
      const model = o.model;
      const run = (xb: Tensor, yb: Tensor) => {
        const { value, grads } = cleanTapeOnError(() => tf.variableGrads(() => {
          const raw = model.apply(xb, { training: true });
          const out = Array.isArray(raw) ? raw[0] : raw;
          if (!(out instanceof tf.Tensor)) {
            throw new LosskitError('INVALID_ARGUMENT', 'model.apply did not return a tensor', { argument: 'model', expected: 'a tf.Tensor output' });
          }
          return o.loss(yb, out);
        }, vars));
        return { value, grads: grads as Params };
      };
      gradsAt = run;
      closureFor = (xb, yb) => (perturbed) => {
        const saved = vars.map((v) => tf.clone(v));
        try {
          vars.forEach((v) => v.assign(perturbed[v.name]!));
          return run(xb, yb);
        } finally {
          vars.forEach((v, i) => v.assign(saved[i]!));
          saved.forEach((t) => t.dispose());
        }
      };
    } else {
      params = checkParams(o.params, 'params');
      for (const t of Object.values(params)) ownedInitial.add(t);
      const forward = o.forward!;
      closureFor = (xb, yb) =>
        lossClosure((ps) => {
          const out = forward(ps, xb);
          if (!(out instanceof tf.Tensor)) throw new LosskitError('INVALID_ARGUMENT', 'forward did not return a tensor', { argument: 'forward', expected: '(params, x) => yPred tensor', received: typeof out });
          return o.loss(yb, out);
        });
      gradsAt = (xb, yb) => closureFor(xb, yb)(params);
    }

    let state = o.optimizer.init(params);
    const losses: number[] = [];
    const bar = createProgressBar(o.progress ?? 'auto', totalSteps);
    const start = performance.now();
    let stopReason: TrainResult<S>['stopReason'] = 'completed';
    let order: number[] = [];
    let smoothed = NaN;
    let best = Infinity;
    let sinceBest = 0;
    let done = 0;
    try {
      for (let s = 0; s < totalSteps; s++) {
        if (o.signal?.aborted) {
          stopReason = 'aborted';
          break;
        }
        const pos = s % perEpoch;
        if (pos === 0) {
          order = Array.from({ length: n }, (_, i) => i);
          if (shuffle) shuffleInPlace(order, rand);
        }
        const idxList = order.slice(pos * batchSize, Math.min(n, (pos + 1) * batchSize));
        const idx = tf.tensor1d(idxList, 'int32');
        const xb = tf.gather(X.t, idx);
        const yb = tf.gather(Y.t, idx);
        idx.dispose();
        let skipped = false;
        let lossValue: number;
        const lrNow = o.optimizer.learningRate ? o.optimizer.learningRate(s - 0) : NaN;
        try {
          const { value, grads } = gradsAt(xb, yb);
          try {
            lossValue = value.dataSync()[0]!;
            const bad = nonFiniteEntries(grads);
            if (bad.length > 0) {
              if (nonFinite === 'raise') {
                throw new LosskitError('NON_FINITE_INPUT', `gradient has NaN or Inf entries at step ${s + 1}`, { argument: 'grads', expected: 'finite values (or nonFinite: "skip")', received: `non-finite values in ${bad.map((b) => `"${b}"`).join(', ')}` });
              }
              skipped = true;
            } else {
              const before = params;
              const r = step(o.optimizer, params, grads, state, { extra: { value, loss: closureFor(xb, yb) }, nonFinite: 'ignore' });
              params = r.params;
              state = r.state;
              if (o.params !== undefined) {
                for (const k of Object.keys(before)) {
                  const t = before[k]!;
                  if (t !== params[k] && !ownedInitial.has(t)) t.dispose();
                }
              }
            }
          } finally {
            value.dispose();
            disposeParams(grads);
          }
        } finally {
          xb.dispose();
          yb.dispose();
        }
        done = s + 1;
        losses.push(lossValue);
        const info: StepInfo = { step: done, totalSteps, epoch: Math.floor(s / perEpoch), loss: lossValue, learningRate: lrNow, elapsedMs: performance.now() - start, skipped };
        bar.update(info);
        if (o.onStep && o.onStep(info) === false) {
          stopReason = 'callback';
          break;
        }
        if (o.earlyStop) {
          if (typeof o.earlyStop === 'function') {
            if (o.earlyStop(info)) {
              stopReason = 'earlyStop';
              break;
            }
          } else if (Number.isFinite(lossValue)) {
            const a = o.earlyStop.smoothing ?? 0.9;
            smoothed = Number.isNaN(smoothed) ? lossValue : a * smoothed + (1 - a) * lossValue;
            if (smoothed < best - (o.earlyStop.minDelta ?? 0)) {
              best = smoothed;
              sinceBest = 0;
            } else if (++sinceBest >= o.earlyStop.patience) {
              stopReason = 'earlyStop';
              break;
            }
          }
        }
        await yieldToEventLoop();
      }
    } catch (e) {
      disposeState(state);
      throw e;
    } finally {
      bar.done();
    }
    if (!keep) disposeState(state);
    return { params, state: keep ? state : undefined, steps: done, losses, stopReason, elapsedMs: performance.now() - start };
  } finally {
    cleanupData();
  }
}
