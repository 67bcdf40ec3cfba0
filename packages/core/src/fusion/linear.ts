/**
 * Fused linear layer + loss: the loss of `z = hidden · weight` for a CE-family row expression and its
 * gradients for `hidden` and `weight`, computed in chunks of the classes so that `[B, V]` logits never exist.
 * Built on the row program of the fusion pipeline (`program.ts`, `analysis.ts`, the host row driver in
 * `host.ts`): the same expression compiles to the same row program, here run over column chunks.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { LosskitError, formatShape } from '../errors.js';
import type { Expr } from '../expr.js';
import { ce } from '../terms/ce.js';
import { type TensorLike, assertFinite, hostValues, isTensor, toTensor } from '../tensors.js';
import { type Analysis, type Red, analyze } from './analysis.js';
import { HostCode, type HostSweeps, backwardSource, forwardSource, js } from './host.js';
import { type Releasable, hold, saveOnTape, tapeRecording, unkept, view, wasmBackend } from './kernel.js';
import { linearWgsl } from './linear-gpu.js';
import { buildRowProgram, classConstantsAt } from './program.js';
import { scalarValue } from './emitter.js';

/** Options of {@link linearCrossEntropy}. */
export interface LinearCrossEntropyOptions {
  /**
   * The per-sample loss of a row of logits `z_i = hidden_i · weight`, from integer labels: a sample-level
   * expression whose class reductions all read the logits directly (one sweep over the classes: `ce()` with
   * or without label smoothing, `ce().plus(logit().logSumExp().pow(2).scale(1e-4))` (z-loss), focal, poly
   * loss, squentropy, logit adjustment, ...). Default `ce()`.
   */
  readonly expr?: Expr<'sample'>;
  /** `mean` (default): `Σ_i l_i / B`; `sum`: `Σ_i l_i`. */
  readonly reduction?: 'mean' | 'sum';
  /** Classes per chunk (default 2048): the extra memory is a few `[B, chunkSize]` and `[D, chunkSize]` buffers. */
  readonly chunkSize?: number;
  /** Check inputs and results for NaN/±Inf (inside the chunk sweeps) and labels for range (default true). */
  readonly validate?: boolean;
}

/** The generated chunk kernels of one expression. */
interface ChunkKernels {
  readonly an: Analysis;
  /** Slots of the running reductions per row, and their layout. */
  readonly NR: number;
  /** Adjoint slots per row (one per seed of the class sweep). */
  readonly NA: number;
  /** Accumulates the class reductions over chunk columns `j0 … j0 + n − 1`; returns 1 if a logit is not finite. */
  reduce: (z: ArrayLike<number>, zo: number, labs: Int32Array, B: number, n: number, j0: number, Ct: number, R: Float64Array, zl: Float64Array, cc: readonly Float64Array[]) => number;
  /** Per-sample values and every per-row scalar from the merged reductions; returns 1 if a value is not finite. */
  finish: (labs: Int32Array, B: number, Ct: number, out: Float64Array, S: Float64Array, cc: readonly Float64Array[], R: Float64Array, zl: Float64Array) => number;
  /** Per-row adjoints of the sweep's seeds (`A`) and the logit adjoint at the label (`P`), given `dy`. */
  adjoints: (labs: Int32Array, B: number, Ct: number, dy: ArrayLike<number>, S: Float64Array, cc: readonly Float64Array[], zl: Float64Array, A: Float64Array, P: Float64Array) => void;
  /** `∂l_i/∂z_ij` of chunk columns into `g` (`[B, n]`); returns 1 if an entry is not finite. */
  grad: (z: ArrayLike<number>, zo: number, labs: Int32Array, B: number, n: number, j0: number, Ct: number, S: Float64Array, cc: readonly Float64Array[], A: Float64Array, P: Float64Array, g: Float32Array) => number;
}

const cache = new Map<string, ChunkKernels>();

/**
 * The chunk kernels of `expr`, or a `LosskitError` naming `expr` when it is not a one-sweep row expression.
 * Reductions: `sum`/`max`/`min` accumulate across chunks; a log-sum-exp keeps its running maximum and the sum
 * relative to it apart (`m`, `q`), rescaling `q` when a chunk raises `m`, so the result is exact as in one sweep.
 */
function chunkKernels(expr: Expr): ChunkKernels {
  const hit = cache.get(expr.key);
  if (hit) return hit;
  const prog = expr.level === 'sample' ? buildRowProgram(expr, true) : undefined;
  const an = prog ? analyze(prog) : undefined;
  const oneSweep = an?.stages.every((st) => st === 1 || an.loopReds(st).length === 0);
  if (!an || !oneSweep) {
    throw new LosskitError('INVALID_ARGUMENT', 'linearCrossEntropy needs a sample-level expression over one row of logits whose class reductions read the logits directly (one sweep)', {
      argument: 'options.expr',
      expected: 'e.g. ce(), ce({ labelSmoothing }), focal, poly loss, squentropy, ce() plus a z-loss',
      received: expr.toString(),
    });
  }
  const loop = an.loopReds(1);
  // Slot layout: one per reduction, two for a log-sum-exp (m, q); a companion max reads its lse's m.
  const companion = new Map<number, number>();
  for (const [r, i] of loop) if (r.f === 'lse' && r.m !== undefined) companion.set(r.m, i);
  const own = loop.filter(([, i]) => !companion.has(i));
  const slot = new Map<number, number>();
  let NR = 0;
  for (const [r, i] of own) {
    slot.set(i, NR);
    NR += r.f === 'lse' ? 2 : 1;
  }
  for (const [m, l] of companion) slot.set(m, slot.get(l)!);
  const seeds = an.seeds(1);
  const NA = seeds.length;
  const h = new HostCode(an, prog!.sca.length, true);
  const k: ChunkKernels = {
    an,
    NR,
    NA,
    reduce: compileFn(['z', 'zo', 'labs', 'B', 'n', 'j0', 'Ct', 'R', 'zl', 'cc'], reduceSource(h, own, slot, NR)),
    // The shared row driver also names the logit offset and row length (`zo`, `C`, `go`), unused here.
    finish: compileFn(['labs', 'B', 'Ct', 'out', 'S', 'cc', 'R', 'zl', 'zo', 'C'], forwardSource(h, new MergedReductions(slot, NR))),
    adjoints: compileFn(['labs', 'B', 'Ct', 'dy', 'S', 'cc', 'zl', 'A', 'P', 'zo', 'C', 'go'], backwardSource(h, new SeedAdjoints(NA))),
    grad: compileFn(['z', 'zo', 'labs', 'B', 'n', 'j0', 'Ct', 'S', 'cc', 'A', 'P', 'g'], gradSource(h, seeds)),
  };
  cache.set(expr.key, k);
  return k;
}

/** Compiles generated source into a function (typed by the caller). */
function compileFn<T>(params: string[], src: string): T {
  // Code generated from a closed set of templates; no user strings reach it.
  return new Function(...params, src) as T;
}

/** The chunk sweep: running reductions per row, loaded from and stored back to `R`; the label's logit to `zl`. */
function reduceSource(h: HostCode, own: readonly (readonly [Red, number])[], slot: ReadonlyMap<number, number>, NR: number): string {
  const { an, prog } = h;
  const f: string[] = [...h.header, 'let pr = 0;', 'for (let i = 0; i < B; i++) {', 'const o = zo + i * n;', 'const lab = labs[i];', `const rk = i * ${NR};`];
  for (const [, i] of an.scalarsAt(0)) f.push(`const s${i} = ${scalarValue(js, prog, i, 'Ct')};`);
  for (const [r, i] of own) {
    const k = slot.get(i)!;
    f.push(r.f === 'lse' ? `let m${i} = R[rk + ${k}], q${i} = R[rk + ${k + 1}];` : `let r${i} = R[rk + ${k}];`);
  }
  f.push('for (let j = 0; j < n; j++) {', ...h.values(an.vClosure(own.map(([r]) => r.x))), 'pr += z[o + j] * 0;');
  for (const [r, i] of own) {
    const x = `v${r.x}`;
    if (r.f === 'sum') f.push(`r${i} += ${x};`);
    else if (r.f === 'max') f.push(`if (${x} > r${i} || ${x} !== ${x}) r${i} = ${x};`);
    else if (r.f === 'min') f.push(`if (${x} < r${i} || ${x} !== ${x}) r${i} = ${x};`);
    // Online log-sum-exp, continued from the previous chunks (exact: the maximum and the relative sum stay apart).
    else f.push(`if (${x} > m${i}) { q${i} = q${i} * Math.exp(m${i} - ${x}) + 1; m${i} = ${x}; } else if (${x} !== -Infinity) q${i} += Math.exp(${x} - m${i});`);
  }
  f.push('}');
  for (const [r, i] of own) {
    const k = slot.get(i)!;
    f.push(r.f === 'lse' ? `R[rk + ${k}] = m${i}; R[rk + ${k + 1}] = q${i};` : `R[rk + ${k}] = r${i};`);
  }
  f.push('if (lab >= j0 && lab < j0 + n) zl[i] = z[o + lab - j0];', '}', 'return pr !== 0 ? 1 : 0;');
  return f.join('\n');
}

/** The finishing kernel's "sweep": the reductions merged over every chunk, read from `R`. */
class MergedReductions implements HostSweeps {
  readonly extraSlots = 0;
  constructor(private readonly slot: ReadonlyMap<number, number>, private readonly NR: number) {}
  forward(_h: HostCode, _st: number, own: readonly (readonly [Red, number])[], companion: ReadonlyMap<number, number>): string[] {
    const at = (k: number) => `R[i * ${this.NR} + ${k}]`;
    const f = own.map(([r, i]) => `const s${i} = ${r.f === 'lse' ? `Math.log(${at(this.slot.get(i)! + 1)})` : at(this.slot.get(i)!)};`);
    for (const [m] of companion) f.push(`const s${m} = ${at(this.slot.get(m)!)};`);
    return f;
  }
  backwardSetup = () => [];
  rowStart = () => [];
  pointWrite = () => '';
  backward = () => [];
  rowEnd = () => [];
  finish = () => ({ reusesExp: false });
}

/** The adjoint kernel's "sweep": stores the seeds' adjoints and the point reads' logit adjoint per row. */
class SeedAdjoints implements HostSweeps {
  readonly extraSlots = 0;
  constructor(private readonly NA: number) {}
  forward = () => [];
  backwardSetup = () => [];
  rowStart = () => ['let pz = 0;'];
  pointWrite = (b: string) => `pz += ${b};`;
  backward(_h: HostCode, _st: number, seeds: readonly (readonly [Red, number])[]): string[] {
    return seeds.map(([, i], k) => `A[i * ${this.NA} + ${k}] = a${i};`);
  }
  rowEnd = () => ['P[i] = pz;'];
  finish = () => ({ reusesExp: false });
}

/** The gradient of chunk columns: the sweep's seeds from `A`, the point adjoint `P[i]` at the label's column. */
function gradSource(h: HostCode, seeds: readonly (readonly [Red, number])[]): string {
  const { K } = h;
  const NA = seeds.length;
  const b: string[] = [...h.header, 'let pg = 0;', 'for (let i = 0; i < B; i++) {', 'const o = zo + i * n;', 'const gr = i * n;', 'const lab = labs[i];', 'const pz = P[i];'];
  b.push(`const sk = i * ${h.stride};`);
  for (let k = 0; k < K; k++) b.push(`const s${k} = S[sk + ${k}];`);
  seeds.forEach(([, i], k) => b.push(`const a${i} = A[i * ${NA} + ${k}];`));
  const write = (g: string) => `g[gr + j] = ${g} + (j0 + j === lab ? pz : 0); pg += g[gr + j] * 0;`;
  if (seeds.length > 0) b.push('for (let j = 0; j < n; j++) {', ...h.vectorBackward(seeds, write, true), '}');
  else b.push('for (let j = 0; j < n; j++) { g[gr + j] = j0 + j === lab ? pz : 0; pg += g[gr + j] * 0; }');
  b.push('}', 'return pg !== 0 ? 1 : 0;');
  return b.join('\n');
}

/** Labels `[B]` (or `[B, 1]`) as host integers in `[0, V)`. */
function labelsOf(labels: TensorLike, B: number, V: number): Int32Array {
  const t = toTensor(labels, 'labels');
  try {
    const s = t.tensor.shape;
    if (!(s.length === 1 && s[0] === B) && !(s.length === 2 && s[0] === B && s[1] === 1)) {
      throw new LosskitError('SHAPE_MISMATCH', 'labels must have one entry per row of hidden', { argument: 'labels', expected: `integer labels of shape [${B}]`, received: formatShape(s) });
    }
    const v = hostValues(t);
    const out = new Int32Array(B);
    for (let i = 0; i < B; i++) {
      const x = v[i]!;
      if (!Number.isInteger(x)) {
        throw new LosskitError(Number.isFinite(x) ? 'NON_INTEGER_LABEL' : 'NON_FINITE_INPUT', 'labels must be integers', { argument: 'labels', expected: `integers in [0, ${V})`, received: `${x} at index ${i}` });
      }
      if (x < 0 || x >= V) throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range', { argument: 'labels', expected: `integers in [0, ${V})`, received: `${x} at index ${i}` });
      out[i] = x;
    }
    return out;
  } finally {
    if (t.owned) t.tensor.dispose();
  }
}

function checkInputs(hidden: Tensor, weight: Tensor, options: LinearCrossEntropyOptions): [number, number, number] {
  for (const [name, t] of [['hidden', hidden], ['weight', weight]] as const) {
    if (!isTensor(t)) throw new LosskitError('INVALID_ARGUMENT', 'must be a tensor', { argument: name, expected: 'a float32 tfjs tensor', received: typeof t });
    if (t.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'tensor is disposed', { argument: name });
    if (t.rank !== 2) throw new LosskitError('RANK_MISMATCH', 'must be a matrix', { argument: name, expected: name === 'hidden' ? 'shape [B, D]' : 'shape [D, V]', received: formatShape(t.shape) });
    if (t.dtype !== 'float32') throw new LosskitError('INVALID_ARGUMENT', 'unsupported dtype', { argument: name, expected: 'float32', received: t.dtype });
  }
  const [B, D] = hidden.shape as [number, number];
  const [D2, V] = weight.shape as [number, number];
  if (D2 !== D) throw new LosskitError('SHAPE_MISMATCH', 'weight rows must match hidden columns', { argument: 'weight', expected: `shape [${D}, V]`, received: formatShape(weight.shape) });
  if (B === 0) throw new LosskitError('EMPTY_BATCH', 'the batch is empty', { argument: 'hidden', expected: 'at least one row', received: formatShape(hidden.shape) });
  if (V === 0) throw new LosskitError('SHAPE_MISMATCH', 'has no classes', { argument: 'weight', expected: '[D, V] with V >= 1', received: formatShape(weight.shape) });
  const cs = options.chunkSize ?? 2048;
  if (!(Number.isInteger(cs) && cs >= 1)) throw new LosskitError('INVALID_PARAMETER', 'invalid chunk size', { argument: 'options.chunkSize', expected: 'a positive integer', received: String(cs) });
  if (options.reduction !== undefined && options.reduction !== 'mean' && options.reduction !== 'sum') {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown reduction', { argument: 'options.reduction', expected: "'mean' or 'sum'", received: String(options.reduction) });
  }
  if (options.validate !== undefined && typeof options.validate !== 'boolean') {
    throw new LosskitError('INVALID_ARGUMENT', 'must be a boolean', { argument: 'options.validate', expected: 'true or false', received: JSON.stringify(options.validate) });
  }
  return [B, D, V];
}

/** Throws `NON_FINITE_INPUT` naming the first of hidden / weight with a NaN or ±Inf, else `NON_FINITE_OUTPUT`. */
function nonFinite(hidden: Tensor, weight: Tensor, expr: Expr, what: string): LosskitError {
  for (const [name, t] of [['hidden', hidden], ['weight', weight]] as const) {
    try {
      assertFinite(t.dataSync(), name, t.shape);
    } catch (e) {
      return e as LosskitError;
    }
  }
  return new LosskitError('NON_FINITE_OUTPUT', `the ${what} of ${expr.toString()} over hidden · weight is not finite although every input is`, {
    argument: 'options.expr',
    expected: 'finite values (the logits hidden · weight may overflow float32)',
  });
}

/**
 * Fused linear layer + loss: `reduce_i l(z_i, y_i)` with logits `z = hidden · weight` (`hidden [B, D]`,
 * `weight [D, V]`, integer `labels [B]` in `[0, V)`) and `l` a CE-family row expression (`options.expr`, default
 * `ce()`), with gradients for `hidden` and `weight`, never materialising the `[B, V]` logits.
 *
 * Forward: for each chunk of `chunkSize` classes, `z_c = hidden · weight[:, c]` and the row reductions
 * accumulate (the log-sum-exp online: the running maximum `m` and the sum relative to it are kept apart and
 * rescaled as chunks raise `m`, exact for any finite logits, as `compile(ce())`'s). Backward: `z_c` again, then
 * `g_c = ∂l/∂z_c` from the row's scalars, `∂/∂weight[:, c] = hiddenᵀ g_c` and `∂/∂hidden += g_c weight[:, c]ᵀ`.
 * Extra memory: O(B·chunkSize + D·chunkSize) instead of the dense path's `[B, V]` logits and their gradient
 * (Wijmans et al., "Cut Your Losses in Large-Vocabulary Language Models", 2024, compute the same chunked
 * cross-entropy on GPUs). Values and gradients agree with `compile(expr)` on `tf.matMul(hidden, weight)`.
 *
 * On the WebGPU backend the layer and the loss run as WGSL passes instead (`linear-gpu.ts`): one dispatch computes,
 * per row, the logits where they are read, the loss and `∂l/∂z` (online log-sum-exp over `V`), one sums the loss,
 * and the backward pass is one dispatch each for `∂/∂weight = hiddenᵀ g` and `∂/∂hidden = g weightᵀ`; `chunkSize`
 * does not apply there (the `[B, V]` gradient `g` is kept for the backward pass under a gradient tape, no logits
 * ever). As with `compile()` on WebGPU nothing is read back, so `validate` checks labels but not the results
 * for NaN/±Inf. Expressions whose backward pass sums broadcast adjoints over the row (e.g. a margin
 * `logit().minus(logit().target().expand())`) run the host chunks on every backend.
 *
 * With tfjs-layers: make the model's output the hidden state and hold `weight` as a variable (e.g. a layer
 * weight), then use {@link linearCrossEntropyLoss} as the loss; gradients reach both through tfjs's tape.
 *
 * @example
 * const loss = linearCrossEntropy(hidden, weight, labels); // Scalar; differentiable in hidden and weight
 * const { grads } = tf.variableGrads(() => linearCrossEntropy(h, W, labels)); // W a tf.variable
 */
export function linearCrossEntropy(hidden: Tensor2D, weight: Tensor2D, labels: TensorLike, options: LinearCrossEntropyOptions = {}): Scalar {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
  const [B, D, V] = checkInputs(hidden, weight, options);
  const expr = options.expr ?? ce();
  const k = chunkKernels(expr);
  const labs = labelsOf(labels, B, V);
  const validate = options.validate ?? true;
  const chunk = Math.min(options.chunkSize ?? 2048, V);
  const scale = options.reduction === 'sum' ? 1 : 1 / B;
  const ccAt = classConstantsAt(k.an.prog, V);
  if (ccAt === undefined) {
    const lengths = k.an.prog.classConstants.map((v) => (typeof v === 'function' ? v(V)?.length : v.length));
    throw new LosskitError('SHAPE_MISMATCH', 'class constants of the expression do not match the number of classes', { argument: 'options.expr', expected: `${V} values per classConstant`, received: `${lengths.find((n) => n !== V) ?? 'no value'}` });
  }
  const cc = ccAt;
  // WebGPU: the layer and the loss in WGSL passes (no logits in memory, no read-back; see linear-gpu.ts).
  const onGpu = linearWgsl(k.an, expr.key, hidden, weight, labs, cc, scale);
  if (onGpu) return onGpu;
  const chunks: [number, number][] = [];
  for (let j0 = 0; j0 < V; j0 += chunk) chunks.push([j0, Math.min(chunk, V - j0)]);
  const logitsOf = (h: Tensor, W: Tensor, j0: number, n: number) => tf.tidy(() => tf.matMul(h, n === V ? W : tf.slice(W, [0, j0], [D, n])));

  const S = new Float64Array(B * k.an.prog.sca.length);
  const zl = new Float64Array(B);
  const run = (h: Tensor, W: Tensor) => {
    const R = new Float64Array(B * k.NR);
    initReductions(k, R, B);
    let bad = 0;
    for (const [j0, n] of chunks) {
      const z = logitsOf(h, W, j0, n);
      bad |= k.reduce(z.dataSync(), 0, labs, B, n, j0, V, R, zl, cc);
      z.dispose();
    }
    const out = new Float64Array(B);
    bad |= k.finish(labs, B, V, out, S, cc, R, zl);
    if (validate && bad) throw nonFinite(h, W, expr, 'value');
    let total = 0;
    for (let i = 0; i < B; i++) total += out[i]!;
    return tf.scalar(total * scale);
  };
  if (!tapeRecording()) return run(hidden, weight);

  let pending: Releasable[] = [];
  const f = tf.customGrad(((h: Tensor, W: Tensor) => {
    const value = run(h, W);
    const kept = [hold(h), hold(W)];
    pending = kept;
    return {
      value,
      gradFunc: (dy: Tensor) => {
        const [hs, Ws] = kept.map((x) => x.tensor) as [Tensor2D, Tensor2D];
        const d = dy.dataSync()[0]! * scale;
        const A = new Float64Array(B * Math.max(k.NA, 1));
        const P = new Float64Array(B);
        k.adjoints(labs, B, V, new Float64Array(B).fill(d), S, cc, zl, A, P);
        const gBuf = new Float32Array(B * chunk);
        let dh: Tensor | undefined;
        const dWparts: Tensor[] = [];
        // On WASM each chunk's columns of ∂/∂weight are copied into the result in the heap (no [D, V] concat copy).
        const wb = wasmBackend();
        let dWout: Tensor | undefined = wb ? tf.engine().makeTensorFromTensorInfo(wb.makeOutput([D, V], 'float32'), tf.backend()) : undefined;
        let bad = 0;
        // Explicit transposes, then plain products: tfjs-backend-wasm's matMul with transposeA / transposeB ran
        // 55× / 5× slower than on a transposed copy ([512, 512]ᵀ · [512, 2048]: 2.9 s against 53 ms).
        const hT = tf.transpose(hs);
        try {
          for (const [j0, n] of chunks) {
            const z = logitsOf(hs, Ws, j0, n);
            const gv = n === chunk ? gBuf : gBuf.subarray(0, B * n);
            bad |= k.grad(z.dataSync(), 0, labs, B, n, j0, V, S, cc, A, P, gv);
            z.dispose();
            tf.tidy(() => {
              const g = tf.tensor2d(gv, [B, n]);
              const Wc = n === V ? Ws : tf.slice(Ws, [0, j0], [D, n]);
              const part = tf.matMul(hT, g);
              if (wb && dWout) {
                const heap = wb.wasm.HEAPF32;
                const src = view(part, wb).off;
                const dst = view(dWout, wb).off + j0;
                for (let d = 0; d < D; d++) heap.copyWithin(dst + d * V, src + d * n, src + (d + 1) * n);
              } else dWparts.push(tf.keep(part));
              const dhc = tf.matMul(g, tf.transpose(Wc));
              const next = dh ? tf.add(dh, dhc) : dhc;
              if (dh) dh.dispose();
              dh = tf.keep(next);
            });
          }
          if (validate && bad) throw nonFinite(hs, Ws, expr, 'gradient');
          // The kept partial results leave as ordinary tensors, which the tape's tidy disposes once used (a
          // kept gradient of an intermediate, or of an input not asked for, would outlive the step).
          const dW = dWout ?? (dWparts.length === 1 ? unkept(dWparts[0]!) : tf.concat(dWparts, 1));
          if (!dWout && dWparts.length > 1) tf.dispose(dWparts);
          dWparts.length = 0;
          dWout = undefined;
          const dhOut = unkept(dh!);
          dh = undefined;
          return [dhOut, dW];
        } catch (e) {
          tf.dispose([...dWparts, ...(dh ? [dh] : []), ...(dWout ? [dWout] : [])]);
          throw e;
        } finally {
          hT.dispose();
        }
      },
    };
  }) as never) as unknown as (h: Tensor, W: Tensor) => Scalar;
  const out = f(hidden, weight);
  if (!saveOnTape(out, pending)) for (const p of pending) p.dispose();
  return out;
}

/** Neutral elements of the running reductions: −∞ for max and a log-sum-exp's maximum, +∞ for min, else 0. */
function initReductions(k: ChunkKernels, R: Float64Array, B: number): void {
  const init: number[] = [];
  const companion = new Set(k.an.loopReds(1).flatMap(([r]) => (r.f === 'lse' && r.m !== undefined ? [r.m] : [])));
  for (const [r, i] of k.an.loopReds(1)) {
    if (companion.has(i)) continue;
    if (r.f === 'lse') init.push(-Infinity, 0);
    else init.push(r.f === 'max' ? -Infinity : r.f === 'min' ? Infinity : 0);
  }
  for (let i = 0; i < B; i++) R.set(init, i * k.NR);
}

/**
 * {@link linearCrossEntropy} as a Keras-style loss `(yTrue, yPred) => Scalar` for tfjs-layers, where the model's
 * output `yPred` is the hidden state `[B, D]` and `yTrue` holds the integer labels in its first column
 * (`[B, 1]`, or `[B, D]` targets whose first column is the label: tfjs-layers checks targets against the output
 * shape). `weight` is the output layer's `[D, V]` matrix: a variable, or anything with `read()` (a tfjs-layers
 * `LayerVariable`), read at each call so the optimizer's updates are seen.
 */
export function linearCrossEntropyLoss(weight: Tensor2D | { read(): Tensor }, options: LinearCrossEntropyOptions = {}): (yTrue: Tensor, yPred: Tensor) => Scalar {
  const W = () => (isTensor(weight) ? weight : (weight as { read(): Tensor }).read()) as Tensor2D;
  return (yTrue, yPred) => {
    const labels = tf.tidy(() => tf.reshape(yTrue.rank === 2 ? tf.slice(yTrue, [0, 0], [-1, 1]) : yTrue, [-1]));
    try {
      return linearCrossEntropy(yPred as Tensor2D, W(), labels, options);
    } finally {
      labels.dispose();
    }
  };
}
