import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { assertBackend } from './backend.js';
import { type EvalContext, PROB_SUM_TOLERANCE, type PredictionKind } from './context.js';
import { LosskitError, formatShape } from './errors.js';
import type { Expr, Level, Needs } from './expr.js';
import { logSumExpParts, oneHotRows } from './ops.js';
import { type Plan, planOf, walk } from './plan.js';
import { valueAndGradOf } from './tape.js';
import { type FusedLoss, fuse } from './fusion/index.js';
import { type Converted, type TensorLike, assertFinite, formatIndex, hostValues, isTensor, scoped, toTensor } from './tensors.js';

/**
 * How per-sample values `l_i` with sample weights `w_i` (default 1) become one number:
 * - `mean`: `Σ w_i l_i / N` (Keras `sum_over_batch_size`, torch `mean`); the default.
 * - `sum`: `Σ w_i l_i`.
 * - `weightedMean`: `Σ w_i l_i / Σ w_i` (tf.losses `MEAN`, Keras `mean_with_sample_weight`; 0 when Σw = 0).
 * - `sumByNonzeroWeights`: `Σ w_i l_i / #{i: w_i ≠ 0}` (tf.losses' default; 0 when all weights are 0).
 * - `none`: `w_i l_i`, shaped like the leading dimensions of `yPred`.
 */
export type Reduction = 'mean' | 'sum' | 'weightedMean' | 'sumByNonzeroWeights' | 'none';

/** Options of {@link compile}. */
export interface CompileOptions {
  /**
   * What `yPred` holds: `logits` (default); `probs`, predictions that are not logits (class probabilities, or
   * the raw outputs a regression or Keras-style loss reads through `yPred()`): terms that read them as
   * probabilities check them when validating (`prob()`, `logProb()`, `ce()`, `entropy()`, `kl()`: entries in
   * [0, 1] and rows summing to 1 within {@link PROB_SUM_TOLERANCE}; `bce()`: entries in [0, 1]); or
   * `embeddings` (pair-level losses; labels are any integers).
   */
  readonly from?: PredictionKind;
  /** Batch reduction; see {@link Reduction}. Default `mean`. */
  readonly reduction?: Reduction;
  /** Probability clip ε for `log p` from probabilities. Default 1e-7 (Keras). */
  readonly epsilon?: number;
  /**
   * `true` (default): check that inputs are finite (plain-array inputs on the host), that `from: 'probs'`
   * inputs are probabilities (entries in [0, 1]; rows summing to 1 within {@link PROB_SUM_TOLERANCE} where
   * the expression reads them as a distribution) and read back the loss value (and, for `valueAndGrad`,
   * check the gradient); if a result is not finite, locate the cause (NaN/Inf in an input, or the term that
   * overflowed) and throw `NON_FINITE_INPUT` / `NON_FINITE_OUTPUT`.
   * `false`: no finiteness or probability checks and no read-back of results. Shapes and integer labels are
   * still checked on every call (labels in `[0, C)`; for `from: 'embeddings'` only their shape): a label out
   * of range would otherwise make a kernel read another row's logits.
   * On the WebGPU backend results are not read back (tfjs-backend-webgpu has no dependable synchronous read:
   * it goes through a canvas, slow in browsers and returning zeros in headless SwiftShader); inputs given as
   * host arrays are still checked.
   */
  readonly validate?: boolean;
  /**
   * Kernel fusion. `'auto'` (default): when the expression is a sample-level function of one row of
   * logits (`from: 'logits'`) built from `ce` (with label smoothing), `logit`/`yPred`, `prob`, `logProb`,
   * `yTrue`, `square`, `abs`, `entropy`, `kl`, constants, `classConstant`, the elementwise methods
   * (`plus`...`minimum`, `scale`, `neg`, `pow`, `exp`, `log`, `log1p`, `sqrt`, `abs`, `relu`, `softplus`,
   * `sigmoid`, `logSigmoid`, `clip`, `detach`), `softmax`/`logSoftmax`, `expand` and the class→sample
   * reductions `target`, `incorrect`, `sum`, `mean`, `max`, `min`, `logSumExp`, the loss and its gradient
   * run as one generated kernel per row (one sweep over the classes per reduction stage; CE needs one
   * forward and one backward sweep) instead of one tfjs op per node. Values agree with the unfused path
   * to float32 rounding. Anything else (inputs, pair terms, `topk`, `where`, custom ops, `from: 'probs'`)
   * keeps the unfused path; {@link CompiledLoss.fused} tells which one a loss uses.
   * On the WASM backend the class sweeps run as generated WebAssembly SIMD code, on WebGL and WebGPU as
   * generated shaders, elsewhere as generated JavaScript ({@link CompiledLoss.engine} tells which ran).
   * `'js'`: fused, but always the generated JavaScript kernel (for comparison and debugging).
   * `false`: always the unfused tfjs path (the reference).
   */
  readonly fuse?: 'auto' | 'js' | false;
}

/** Per-call options: sample weights and named extra inputs (see `input()`). */
export interface CallOptions {
  /** Sample weights, shaped like the leading dimensions of `yPred`, or `[B]`, or a scalar. */
  readonly sampleWeight?: TensorLike;
  /** Extra tensors for `input(name, level)` terms. */
  readonly inputs?: Readonly<Record<string, TensorLike>>;
}

/** The output of {@link CompiledLoss.valueAndGrad}. The caller owns (and disposes) both tensors. */
export interface ValueAndGrad {
  readonly value: Scalar;
  /** `∂value/∂yPred`, shaped like `yPred`. */
  readonly grad: Tensor;
}

/**
 * A compiled loss. Callable as `(yTrue, yPred, sampleWeight?)` (Keras order), so it plugs into
 * `model.compile({ loss })`. Direct calls take integer labels `[B]` or dense targets `[B, C]`; tfjs-layers'
 * `model.fit` checks targets against the model's output shape before the loss sees them (it accepts `[B, 1]`
 * labels only for its own `sparseCategoricalCrossentropy`), so pass `tf.oneHot(labels, C)` there.
 */
export interface CompiledLoss<R extends Reduction = Reduction> {
  /** The reduced loss (a tensor shaped like the leading dims of `yPred` for `reduction: 'none'`). */
  (yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | CallOptions): R extends 'none' ? Tensor : Scalar;
  /** Per-sample values `l_i`, shaped like the leading dimensions of `yPred` (needs a sample-level expression). */
  perSample(yTrue: TensorLike, yPred: TensorLike, options?: CallOptions): Tensor;
  /** The reduced value and its gradient with respect to `yPred`. */
  valueAndGrad(yTrue: TensorLike, yPred: TensorLike, options?: CallOptions): ValueAndGrad;
  /** The reduced value of every sub-expression named with `.named()`, plus `total`. */
  parts(yTrue: TensorLike, yPred: TensorLike, options?: CallOptions): Record<string, number>;
  /** The expression this was compiled from. */
  readonly expr: Expr;
  /** The options, with defaults filled in. */
  readonly options: Readonly<Required<CompileOptions>>;
  /**
   * `true` when calls run the fused row kernel (see {@link CompileOptions.fuse}); `false` when they run
   * one tfjs op per expression node. `parts()` and error diagnosis always use the unfused path.
   */
  readonly fused: boolean;
  /**
   * The kernel the most recent call ran (`undefined` before the first call): `'wasm-simd'` (fused;
   * generated WebAssembly SIMD sweeps over the tfjs WASM heap, the default on the WASM backend from
   * C = 32 classes), `'js'` (fused; the generated JavaScript row kernel: on the WASM backend for rows of
   * fewer than 32 classes, where it measured faster than calling into WebAssembly per row, or for a vector
   * node without a SIMD form (`log1mexp`, `pow` with a non-integer or large exponent); on the CPU backend always),
   * `'webgl'` (fused; one generated shader per stage on the WebGL backend), `'webgpu'` (fused; one generated
   * WGSL compute pass per stage on the WebGPU backend) or `'tfjs'` (one tfjs op per
   * expression node: `fuse: false`, or an expression the fusion pass does not cover).
   */
  readonly engine: KernelEngine | undefined;
  toString(): string;
  toLatex(): string;
}

/** The kernels a compiled loss can run; see {@link CompiledLoss.engine}. */
export type KernelEngine = 'wasm-simd' | 'js' | 'webgl' | 'webgpu' | 'tfjs';

/** Expressions `compile` accepts: sample level (reduced by `reduction`) or already batch level. */
export type Compilable<K extends Needs = Needs> = Expr<'sample' | 'batch', K>;

/**
 * Compiles an expression into a tfjs loss function with value, per-sample values, gradient and parts.
 *
 * Inputs: `yPred` is `[..., C]` (leading dimensions are flattened into the batch); `yTrue` is either
 * integer labels shaped like the leading dimensions (`[B]`, or `[B, 1]`) or dense targets shaped like
 * `yPred`. Every input may be a tensor, nested array or TypedArray.
 * Shared sub-terms (the log-softmax behind `ce()`, `prob()`, `entropy()`) are computed once per call.
 *
 * @example
 * const squentropy = compile(ce().plus(square().incorrect()));
 * const loss = squentropy([0, 2], [[2, 1, 0], [0, 1, 3]]); // tf.Scalar
 */
export function compile<R extends Reduction = 'mean'>(
  expr: Compilable<'any'>,
  options: CompileOptions & { readonly from: 'probs'; readonly reduction?: R },
): CompiledLoss<R>;
export function compile<R extends Reduction = 'mean'>(
  expr: Compilable,
  options?: CompileOptions & { readonly from?: 'logits' | 'embeddings'; readonly reduction?: R },
): CompiledLoss<R>;
export function compile(expr: Compilable, options: CompileOptions = {}): CompiledLoss {
  const opts: Required<CompileOptions> = {
    from: options.from ?? 'logits',
    reduction: options.reduction ?? 'mean',
    epsilon: options.epsilon ?? 1e-7,
    validate: options.validate ?? true,
    fuse: options.fuse ?? 'auto',
  };
  checkCompilable(expr, opts);
  const plan = planOf(expr);
  const fused: FusedLoss | undefined =
    opts.fuse !== false && opts.from === 'logits' && plan.inputs.size === 0 ? fuse(expr, { native: opts.fuse === 'auto' }) : undefined;
  /** The sample-level (or batch-level) raw value: the fused kernel when it applies, else `evaluate`. */
  let engine: KernelEngine | undefined;
  const rawOf = (prep: Prepared, dyHint?: number): Tensor => {
    const f = fused?.perSample(prep.pred, prep.labels, prep.dense, dyHint);
    engine = f ? fused!.lastEngine : 'tfjs';
    if (f) {
      // The kernels checked every logit and per-sample value inside their sweeps (JS and SIMD); dense targets
      // given as a tensor are checked here (a target of ±∞ can be clipped to a finite loss by the expression).
      if (opts.validate && fused!.validation.forward === false) throw diagnose(prep.call.yTrue, prep.call.yPred, prep.call.options, opts, plan, expr);
      if (opts.validate && readsBack()) for (const [name, t] of prep.onDevice) if (name === 'yTrue') assertFiniteTensor(t, name);
      return f;
    }
    // Unfused: tensors given as inputs were not seen on the host; one reduction each checks they are finite.
    if (opts.validate && readsBack()) for (const [name, t] of prep.onDevice) assertFiniteTensor(t, name);
    return evaluate(expr, makeContext(prep, prep.pred, opts));
  };

  const run = (yTrue: TensorLike, yPred: TensorLike, call: CallOptions | undefined, mode: 'reduce' | 'perSample'): Tensor => {
    assertBackend();
    const out = tf.tidy(() => {
      const prep = prepare(yTrue, yPred, call, opts, plan);
      const raw = rawOf(prep);
      return mode === 'perSample' ? perSampleOf(raw, prep, expr.level) : reduceLoss(raw, prep, expr.level, opts.reduction);
    });
    if (opts.validate && readsBack()) checkFinite(out, () => diagnose(yTrue, yPred, call, opts, plan, expr));
    return out;
  };

  const loss = ((yTrue: TensorLike, yPred: TensorLike, sw?: TensorLike | CallOptions) =>
    run(yTrue, yPred, asCallOptions(sw), 'reduce')) as CompiledLoss;

  const perSample = (yTrue: TensorLike, yPred: TensorLike, call?: CallOptions): Tensor => {
    if (expr.level !== 'sample') {
      throw new LosskitError('LEVEL_MISMATCH', 'perSample() needs a sample-level expression', {
        argument: 'expr',
        expected: 'a sample-level expression',
        received: `${expr.level}-level ${expr.toString()}`,
      });
    }
    return run(yTrue, yPred, call, 'perSample');
  };

  const valueAndGrad = (yTrue: TensorLike, yPred: TensorLike, call?: CallOptions): ValueAndGrad => {
    assertBackend();
    let fusedRan = false;
    const result = tf.tidy(() => {
      const predIn = toTensor(yPred, 'yPred').tensor;
      const f = (x: Tensor): Scalar => {
        const prep = prepare(yTrue, x, call, opts, plan);
        const raw = rawOf(prep, upstreamHint(prep, expr.level, opts.reduction));
        fusedRan = engine !== 'tfjs';
        return reduceLoss(raw, prep, expr.level, opts.reduction) as Scalar;
      };
      return valueAndGradOf(f, predIn);
    });
    if (opts.validate && readsBack()) {
      const explain = () => diagnose(yTrue, yPred, call, opts, plan, expr);
      // Validation for free: the fused JS and SIMD kernels checked every logit, per-sample value and gradient
      // entry inside their own sweeps, so only the (scalar) reduced value is read back here; the gradient is
      // the kernel's, scaled by the reduction's weights (which reach the kernel as dy and are checked there).
      const v = fusedRan ? fused!.validation : undefined;
      if (v?.forward === false || v?.grad === false) {
        const err = explain();
        tf.dispose([result.value, result.grad]);
        throw err;
      }
      if (v?.forward && v.grad) checkFinite(result.value, explain);
      else checkFinite(result.value, explain, result.grad);
    }
    return result;
  };

  const parts = (yTrue: TensorLike, yPred: TensorLike, call?: CallOptions): Record<string, number> => {
    assertBackend();
    const values = tf.tidy(() => {
      const prep = prepare(yTrue, yPred, call, opts, plan);
      // Tensors given as inputs were not seen on the host (as in the unfused path of a call).
      if (opts.validate && readsBack()) for (const [name, t] of prep.onDevice) assertFiniteTensor(t, name);
      const ctx = makeContext(prep, prep.pred, opts);
      const total = reduceLoss(evaluate(expr, ctx), prep, expr.level, reductionForParts(opts.reduction));
      const named: Tensor[] = plan.named.map((n) =>
        n.level === 'class' || n.level === 'pair'
          ? tf.mean(evaluate(n, ctx))
          : reduceLoss(evaluate(n, ctx), prep, n.level, reductionForParts(opts.reduction)),
      );
      return tf.stack([total, ...named]);
    });
    const data = values.dataSync();
    values.dispose();
    if (opts.validate && !data.every((v) => Number.isFinite(v))) throw diagnose(yTrue, yPred, call, opts, plan, expr);
    const out: Record<string, number> = { total: data[0]! };
    plan.named.forEach((n, i) => {
      out[n.label!] = data[i + 1]!;
    });
    return out;
  };

  Object.defineProperty(loss, 'engine', { get: () => engine, enumerable: true });
  return Object.assign(loss, {
    perSample,
    valueAndGrad,
    parts,
    expr,
    options: Object.freeze(opts),
    fused: fused !== undefined,
    toString: () => expr.toString(),
    toLatex: () => expr.toLatex(),
  });
}

/** Whether results may be read back synchronously to validate them (not on WebGPU; see `CompileOptions.validate`). */
function readsBack(): boolean {
  return tf.getBackend() !== 'webgpu';
}

function reductionForParts(r: Reduction): Reduction {
  return r === 'none' ? 'mean' : r;
}

function asCallOptions(x: TensorLike | CallOptions | undefined): CallOptions | undefined {
  if (x === undefined || x === null) return undefined;
  if (isTensor(x) || Array.isArray(x) || ArrayBuffer.isView(x) || typeof x === 'number') return { sampleWeight: x as TensorLike };
  return x as CallOptions;
}

// ── compile-time plan ────────────────────────────────────────────────────────


function checkCompilable(expr: Expr, opts: Required<CompileOptions>): void {
  if (!expr || typeof expr !== 'object' || typeof (expr as Expr).key !== 'string') {
    throw new LosskitError('INVALID_ARGUMENT', 'compile() takes a loss expression', { argument: 'expr', received: typeof expr });
  }
  if (expr.level !== 'sample' && expr.level !== 'batch') {
    throw new LosskitError('LEVEL_MISMATCH', `cannot compile a ${expr.level}-level expression`, {
      argument: 'expr',
      expected: 'a sample- or batch-level expression (reduce it, e.g. with .target(), .incorrect(), .sum() or .mean())',
      received: `${expr.level}-level ${expr.toString()}`,
    });
  }
  if (opts.from === 'probs' && expr.needs === 'logits') {
    throw new LosskitError('INPUT_KIND_MISMATCH', 'the expression uses logit() but compile() was told the inputs are probabilities', {
      argument: 'from',
      expected: "'logits'",
      received: "'probs'",
    });
  }
  if (opts.from !== 'embeddings') {
    let pairTerm: Expr | undefined;
    walk(expr, (e) => {
      if (!pairTerm && e.level === 'pair' && e.op.kind !== 'input' && e.op.kind !== 'constant') pairTerm = e;
    });
    if (pairTerm) {
      throw new LosskitError('INPUT_KIND_MISMATCH', `the expression compares embeddings (${pairTerm.toString()}), so yPred must be embeddings`, {
        argument: 'from',
        expected: "'embeddings' (compile(expr, { from: 'embeddings' }): yPred [B, D] embeddings, yTrue [B] integer labels)",
        received: `'${opts.from}'`,
      });
    }
  }
  if (!['logits', 'probs', 'embeddings'].includes(opts.from)) {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown prediction kind', { argument: 'from', expected: "'logits', 'probs' or 'embeddings'", received: String(opts.from) });
  }
  if (!['mean', 'sum', 'weightedMean', 'sumByNonzeroWeights', 'none'].includes(opts.reduction)) {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown reduction', {
      argument: 'reduction',
      expected: "'mean', 'sum', 'weightedMean', 'sumByNonzeroWeights' or 'none'",
      received: String(opts.reduction),
    });
  }
  if (opts.fuse !== 'auto' && opts.fuse !== 'js' && opts.fuse !== false) {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown fusion mode', { argument: 'fuse', expected: "'auto', 'js' or false", received: String(opts.fuse) });
  }
  if (typeof opts.validate !== 'boolean') {
    throw new LosskitError('INVALID_ARGUMENT', 'must be a boolean', { argument: 'validate', expected: 'true or false', received: JSON.stringify(opts.validate) });
  }
  if (!(opts.epsilon > 0 && opts.epsilon < 0.5)) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'epsilon', expected: 'a number in (0, 0.5)', received: String(opts.epsilon) });
  }
}

// ── per-call input preparation ───────────────────────────────────────────────

interface Prepared {
  /** Prediction `[N, C]`. */
  readonly pred: Tensor2D;
  readonly leading: readonly number[];
  readonly n: number;
  readonly c: number;
  readonly labels: Tensor1D | undefined;
  readonly dense: Tensor2D | undefined;
  readonly weights: Tensor1D | undefined;
  readonly inputs: ReadonlyMap<string, Tensor>;
  /** Inputs given as tensors (not checked on the host), with their argument names. */
  readonly onDevice: readonly (readonly [string, Tensor])[];
  /** The call's own arguments, for error diagnosis. */
  readonly call: { readonly yTrue: TensorLike; readonly yPred: TensorLike; readonly options: CallOptions | undefined };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
/** Whether numpy broadcasting takes `a` to `b` (dims aligned from the right, each 1 or equal). */
const broadcastsTo = (a: readonly number[], b: readonly number[]) =>
  a.length <= b.length && a.every((d, k) => d === 1 || d === b[b.length - a.length + k]);

function prepare(yTrue: TensorLike, yPred: TensorLike | Tensor, call: CallOptions | undefined, opts: Required<CompileOptions>, plan: Plan): Prepared {
  const pred = toTensor(yPred as TensorLike, 'yPred');
  const shape = pred.tensor.shape;
  if (shape.length === 0) {
    throw new LosskitError('RANK_MISMATCH', 'must have at least one dimension', { argument: 'yPred', expected: 'shape [B, C] or [B]', received: '[] (a scalar)' });
  }
  const leading = shape.length === 1 ? [shape[0]!] : shape.slice(0, -1);
  const c = shape.length === 1 ? 1 : shape.at(-1)!;
  const n = leading.reduce((a, b) => a * b, 1);
  if (n === 0) {
    throw new LosskitError('EMPTY_BATCH', 'the batch is empty', { argument: 'yPred', expected: 'at least one sample', received: `shape ${formatShape(shape)}` });
  }
  if (c === 0) {
    throw new LosskitError('SHAPE_MISMATCH', 'has no classes', { argument: 'yPred', expected: '[B, C] with C >= 1', received: formatShape(shape) });
  }
  const onDevice: [string, Tensor][] = [];
  if (opts.validate) {
    if (pred.host) assertFinite(pred.host, 'yPred', shape);
    else onDevice.push(['yPred', pred.tensor]);
  }
  // No reshape for [B, C]: under a gradient tape tfjs's Reshape saves (on WASM: copies) its input.
  const pred2 = (shape.length === 2 ? pred.tensor : tf.reshape(pred.tensor, [n, c])) as Tensor2D;

  if (opts.from === 'embeddings' && shape.length !== 2) {
    throw new LosskitError('RANK_MISMATCH', 'embeddings must be a matrix', { argument: 'yPred', expected: 'shape [B, D]', received: formatShape(shape) });
  }
  const truth = toTensor(yTrue, 'yTrue');
  const tShape = truth.tensor.shape;
  let labels: Tensor1D | undefined;
  let dense: Tensor2D | undefined;
  const labelShape = sameShape(tShape, leading) || (c > 1 && sameShape(tShape, [...leading, 1]));
  if (opts.from === 'embeddings' || (labelShape && !(shape.length === 1 && sameShape(tShape, shape)))) {
    if (!labelShape) {
      throw new LosskitError('SHAPE_MISMATCH', 'labels must have one entry per sample', {
        argument: 'yTrue',
        expected: `integer labels of shape ${formatShape(leading)}`,
        received: formatShape(tShape),
      });
    }
    if (opts.validate || opts.from !== 'embeddings') checkLabels(truth, opts.from === 'embeddings' ? Infinity : c);
    labels = tf.cast(tf.reshape(truth.tensor, [n]), 'int32') as Tensor1D;
  } else if (sameShape(tShape, shape)) {
    if (truth.host && opts.validate) assertFinite(truth.host, 'yTrue', tShape);
    else if (opts.validate) onDevice.push(['yTrue', truth.tensor]);
    dense = tf.reshape(truth.tensor, [n, c]) as Tensor2D;
  } else {
    throw new LosskitError('SHAPE_MISMATCH', 'does not match yPred', {
      argument: 'yTrue',
      expected: `integer labels ${formatShape(leading)} or targets ${formatShape(shape)} (yPred is ${formatShape(shape)})`,
      received: formatShape(tShape),
    });
  }

  let weights: Tensor1D | undefined;
  if (call?.sampleWeight !== undefined && call.sampleWeight !== null) {
    const w = toTensor(call.sampleWeight, 'sampleWeight');
    weights = prepareWeights(w, leading, n, opts.validate);
  }

  const inputs = new Map<string, Tensor>();
  for (const [name, level] of plan.inputs) {
    const given = call?.inputs?.[name];
    if (given === undefined) {
      throw new LosskitError('MISSING_INPUT', `the expression reads input('${name}') but no such input was passed`, {
        argument: `inputs.${name}`,
        expected: level === 'class' ? `a tensor of shape ${formatShape(shape)}` : `a tensor of shape ${formatShape(leading)}`,
        received: 'nothing (pass it as { inputs: { ' + name + ' } })',
      });
    }
    const t = toTensor(given, `inputs.${name}`);
    if (t.host && opts.validate) assertFinite(t.host, `inputs.${name}`, t.tensor.shape);
    else if (opts.validate) onDevice.push([`inputs.${name}`, t.tensor]);
    inputs.set(name, reshapeInput(t.tensor, level, leading, n, c, name));
  }
  return { pred: pred2, leading, n, c, labels, dense, weights, inputs, onDevice, call: { yTrue, yPred, options: call } };
}

/** Throws `NON_FINITE_INPUT` naming `name` at the first NaN/±Inf of a device tensor (one reduction, read back once). */
function assertFiniteTensor(t: Tensor, name: string): void {
  const bad = tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(t))).dataSync()[0] === 1);
  if (bad) assertFinite(t.dataSync(), name, t.shape);
}

/** Labels must be integers; class labels also in `[0, c)` (`c = Infinity`: any integer, as for embeddings). */
function checkLabels(truth: Converted, c: number): void {
  const v = hostValues(truth);
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isInteger(x)) {
      throw new LosskitError(Number.isFinite(x) ? 'NON_INTEGER_LABEL' : 'NON_FINITE_INPUT', 'labels must be integers', {
        argument: 'yTrue',
        expected: c === Infinity ? 'integer labels' : `integers in [0, ${c})`,
        received: `${x} at index ${i}`,
      });
    }
    if (c !== Infinity && (x < 0 || x >= c)) {
      throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range', {
        argument: 'yTrue',
        expected: `integers in [0, ${c})`,
        received: `${x} at index ${i}`,
      });
    }
  }
}

function prepareWeights(w: Converted, leading: readonly number[], n: number, validate: boolean): Tensor1D {
  const s = w.tensor.shape;
  const okPrefix = s.length <= leading.length && s.every((d, i) => d === leading[i]);
  const okTrailing1 = s.length === leading.length + 1 && s.at(-1) === 1 && s.slice(0, -1).every((d, i) => d === leading[i]);
  if (!(okPrefix || okTrailing1 || s.length === 0)) {
    throw new LosskitError('SHAPE_MISMATCH', 'sample weights do not match the batch', {
      argument: 'sampleWeight',
      expected: `shape ${formatShape(leading)}${leading.length > 1 ? ` (or a prefix such as [${leading[0]}])` : ''}, or a scalar`,
      received: formatShape(s),
    });
  }
  if (validate) assertFinite(hostValues(w), 'sampleWeight', s);
  const base = okTrailing1 ? tf.reshape(w.tensor, s.slice(0, -1)) : w.tensor;
  const expanded = tf.reshape(base, [...base.shape, ...new Array(leading.length - base.shape.length).fill(1)]);
  return tf.reshape(tf.broadcastTo(expanded, [...leading]), [n]) as Tensor1D;
}

function reshapeInput(t: Tensor, level: Level, leading: readonly number[], n: number, c: number, name: string): Tensor {
  const s = t.shape;
  if (level === 'class') {
    if (sameShape(s, [...leading, c])) return tf.reshape(t, [n, c]);
    if (sameShape(s, [c]) || sameShape(s, [1, c])) return tf.reshape(t, [1, c]);
    if (c === 1 && sameShape(s, leading)) return tf.reshape(t, [n, 1]);
  } else if (level === 'sample') {
    if (sameShape(s, leading) || sameShape(s, [...leading, 1])) return tf.reshape(t, [n]);
    if (s.length === 0) return tf.reshape(t, [1]);
  } else if (level === 'batch') {
    if (t.size === 1) return tf.reshape(t, []);
  } else {
    return t;
  }
  throw new LosskitError('SHAPE_MISMATCH', 'input has the wrong shape', {
    argument: `inputs.${name}`,
    expected: level === 'class' ? `${formatShape([...leading, c])} or ${formatShape([c])}` : level === 'sample' ? formatShape(leading) : 'a scalar',
    received: formatShape(s),
  });
}

function makeContext(prep: Prepared, pred: Tensor2D, opts: Required<CompileOptions>): EvalContext {
  const cache = new Map<string, unknown>();
  const memo = <T,>(key: string, make: () => T): T => {
    let v = cache.get(key);
    if (v === undefined) {
      v = make();
      cache.set(key, v);
    }
    return v as T;
  };
  let probsChecked = 0; // 1: entries checked, 2: rows checked too
  const assertProbabilities = (rows: boolean): void => {
    if (opts.from !== 'probs' || !opts.validate || probsChecked >= (rows ? 2 : 1)) return;
    checkProbabilities(prep.pred.dataSync(), prep.n, prep.c, rows);
    probsChecked = rows ? 2 : 1;
  };
  const ctx: EvalContext = {
    from: opts.from,
    assertProbabilities,
    yPred: pred,
    labels: prep.labels,
    batchSize: prep.n,
    numClasses: prep.c,
    epsilon: opts.epsilon,
    memo,
    yTrue: () =>
      memo('@yTrue', () => {
        if (prep.dense) return prep.dense;
        if (opts.from === 'embeddings') {
          throw new LosskitError('INPUT_KIND_MISMATCH', 'class-level targets are undefined for embeddings', { argument: 'expr', expected: 'pair-level terms' });
        }
        return oneHotRows(prep.labels!, prep.c);
      }),
    logProbs: () =>
      memo('@logProbs', () => {
        if (opts.from === 'probs') {
          assertProbabilities(true);
          return tf.log(tf.clipByValue(pred, opts.epsilon, 1)) as Tensor2D;
        }
        if (opts.from === 'embeddings') {
          throw new LosskitError('INPUT_KIND_MISMATCH', 'log-probabilities are undefined for embeddings', { argument: 'expr' });
        }
        // Shares the log-sum-exp with ce(): one per call whatever the expression uses. `(z − m) − l`, not
        // `z − (m + l)`: the latter loses `l` against a huge row maximum `m`.
        const { max, rel } = memo('@lse', () => logSumExpParts(pred));
        return tf.sub(tf.sub(pred, tf.reshape(max, [-1, 1])), tf.reshape(rel, [-1, 1])) as Tensor2D;
      }),
    probs: () =>
      memo('@probs', () => {
        if (opts.from !== 'probs') return tf.exp(ctx.logProbs()) as Tensor2D;
        assertProbabilities(true);
        return pred;
      }),
    input: (name) => {
      const t = prep.inputs.get(name);
      if (!t) throw new LosskitError('MISSING_INPUT', `no input named '${name}'`, { argument: `inputs.${name}` });
      return t;
    },
  };
  return ctx;
}

/** Throws `INVALID_ARGUMENT` on `yPred` unless its `[n, c]` values are probabilities (see `EvalContext.assertProbabilities`). */
function checkProbabilities(p: ArrayLike<number>, n: number, c: number, rows: boolean): void {
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < c; j++) {
      const v = p[i * c + j]!;
      if (!(v >= 0 && v <= 1)) {
        throw new LosskitError('INVALID_ARGUMENT', "with from: 'probs' every entry must be a probability", {
          argument: 'yPred',
          expected: "values in [0, 1] (pass logits with from: 'logits')",
          received: `${v} at ${formatIndex(i * c + j, [n, c])}`,
        });
      }
      sum += v;
    }
    if (rows && Math.abs(sum - 1) > PROB_SUM_TOLERANCE) {
      throw new LosskitError('INVALID_ARGUMENT', "with from: 'probs' every row must sum to 1", {
        argument: 'yPred',
        expected: `class probabilities whose rows sum to 1 within ${PROB_SUM_TOLERANCE}`,
        received: `row ${i} sums to ${sum}`,
      });
    }
  }
}

/** Ops that act value by value and broadcast their operands themselves. */
const ELEMENTWISE: ReadonlySet<string> = new Set([
  'named', 'plus', 'minus', 'times', 'div', 'maximum', 'minimum', 'scale', 'pow', 'neg', 'clip', 'detach', 'where',
  'exp', 'log', 'log1p', 'sqrt', 'abs', 'relu', 'softplus', 'sigmoid', 'logSigmoid', 'expand',
]);

/**
 * Evaluates `e` in `ctx`; structurally equal sub-expressions are computed once. A class- or pair-level
 * value may be held in broadcast form (a constant as a scalar, `expand()` as `[B, 1]`); before any op that
 * works along rows or the batch (a reduction, softmax, ...) it is broadcast to its full `[B, C]`, `[B, B]` or
 * `[B]` shape, so `ce().expand().sum()` sums C copies and `constant(2, 'sample').sum()` is 2B, as the fused
 * kernel computes them.
 */
export function evaluate(e: Expr, ctx: EvalContext): Tensor {
  return ctx.memo(e.key, () => {
    const rowwise = !ELEMENTWISE.has(e.op.kind);
    const args = e.args.map((a) => {
      const t = evaluate(a, ctx);
      if (!rowwise) return t;
      const full =
        a.level === 'class' ? [ctx.batchSize, ctx.numClasses] : a.level === 'pair' ? [ctx.batchSize, ctx.batchSize] : a.level === 'sample' ? [ctx.batchSize] : undefined;
      return full && !sameShape(t.shape, full) && broadcastsTo(t.shape, full) ? tf.broadcastTo(t, full) : t;
    });
    return e.op.evaluate(ctx, args, e.params as never);
  });
}

function perSampleOf(raw: Tensor, prep: Prepared, _level: Level): Tensor {
  const v = raw.size === prep.n ? raw : tf.broadcastTo(tf.reshape(raw, [-1]), [prep.n]);
  const w = prep.weights ? tf.mul(v, prep.weights) : v;
  return tf.reshape(w, [...prep.leading]);
}

/**
 * The gradient each per-sample value receives from `reduceLoss` when the reduced loss is differentiated on its own
 * (as in `valueAndGrad`): float32 `1/n` for the means without weights, 1 for a sum; `undefined` when it varies.
 */
function upstreamHint(prep: Prepared, level: Level, reduction: Reduction): number | undefined {
  if (level !== 'sample' || prep.weights) return undefined;
  if (reduction === 'sum') return 1;
  return reduction === 'none' ? undefined : Math.fround(1 / prep.n);
}

function reduceLoss(raw: Tensor, prep: Prepared, level: Level, reduction: Reduction): Tensor {
  if (level === 'batch') {
    if (prep.weights) {
      throw new LosskitError('INVALID_ARGUMENT', 'sample weights need a sample-level expression; this one is already reduced to the batch', {
        argument: 'sampleWeight',
      });
    }
    return tf.reshape(raw, []);
  }
  const v = raw.size === prep.n ? tf.reshape(raw, [prep.n]) : tf.broadcastTo(tf.reshape(raw, [-1]), [prep.n]);
  const w = prep.weights;
  const weighted = w ? tf.mul(v, w) : v;
  switch (reduction) {
    case 'none':
      return tf.reshape(weighted, [...prep.leading]);
    case 'sum':
      return tf.sum(weighted);
    case 'mean':
      return tf.div(tf.sum(weighted), prep.n);
    case 'weightedMean':
      return w ? divOrZero(tf.sum(weighted), tf.sum(w)) : tf.div(tf.sum(weighted), prep.n);
    case 'sumByNonzeroWeights':
      return w ? divOrZero(tf.sum(weighted), tf.sum(tf.cast(tf.notEqual(w, 0), 'float32'))) : tf.div(tf.sum(weighted), prep.n);
  }
}

/** `num / den`, or 0 where `den = 0` (tf.divNoNan has no gradient path: its Equal sits on the loss side). */
function divOrZero(num: Tensor, den: Tensor): Tensor {
  const zero = tf.equal(den, 0);
  return tf.mul(tf.div(num, tf.where(zero, tf.onesLike(den), den)), tf.cast(tf.logicalNot(zero), 'float32'));
}

// ── finiteness check and diagnosis ───────────────────────────────────────────

function checkFinite(out: Tensor, explain: () => LosskitError, ...more: Tensor[]): void {
  const bad = (t: Tensor) => {
    if (t.size === 1) return !Number.isFinite(t.dataSync()[0]!);
    return tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(t))).dataSync()[0] === 1);
  };
  if (bad(out) || more.some((t) => bad(t))) {
    const err = explain();
    out.dispose();
    for (const t of more) t.dispose();
    throw err;
  }
}

function diagnose(yTrue: TensorLike, yPred: TensorLike, call: CallOptions | undefined, opts: Required<CompileOptions>, plan: Plan, expr: Expr): LosskitError {
  return scoped(() => {
    const scan = (x: TensorLike, name: string): LosskitError | undefined => {
      const t = toTensor(x, name);
      const v = hostValues(t);
      try {
        assertFinite(v, name, t.tensor.shape);
      } catch (e) {
        return e as LosskitError;
      }
      return undefined;
    };
    const inputErr =
      scan(yPred, 'yPred') ??
      scan(yTrue, 'yTrue') ??
      [...plan.inputs.keys()].map((k) => (call?.inputs?.[k] !== undefined ? scan(call.inputs[k]!, `inputs.${k}`) : undefined)).find((e) => e);
    if (inputErr) return inputErr;
    // Inputs are finite: find the innermost sub-expression whose value is not.
    const prep = prepare(yTrue, yPred, call, opts, plan);
    const ctx = makeContext(prep, prep.pred, opts);
    let culprit: Expr = expr;
    const visit = (e: Expr): boolean => {
      for (const a of e.args) if (visit(a)) return true;
      const v = evaluate(e, ctx);
      if (tf.any(tf.logicalNot(tf.isFinite(v))).dataSync()[0] === 1) {
        culprit = e;
        return true;
      }
      return false;
    };
    if (!visit(expr)) {
      return new LosskitError('NON_FINITE_OUTPUT', `the gradient of ${expr.toString()} is not finite although its value is`, {
        argument: 'expr',
        expected: 'a finite gradient (look for sqrt, pow or log at 0 in the expression)',
      });
    }
    const v = evaluate(culprit, ctx).dataSync();
    const at = v.findIndex((x) => !Number.isFinite(x));
    return new LosskitError('NON_FINITE_OUTPUT', `the term ${culprit.toString()} is not finite although every input is`, {
      argument: 'expr',
      expected: 'finite values (check hyperparameters, e.g. a log of 0 or a negative base under a fractional power)',
      received: `${v[at]} at ${formatIndex(at, [v.length])}`,
    });
  });
}
