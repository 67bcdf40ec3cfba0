/**
 * Step 4 of the fusion pipeline (see `index.ts`): kernel registration. A fused loss body becomes a tfjs op
 * (`tf.customGrad`) whose forward computes per-sample values and whose gradient writes `dy_i · ∂l_i/∂z_ij`
 * into one freshly allocated `[B, C]` tensor. The target runs by backend:
 *
 * - a GPU target ({@link GPU_TARGETS}) when its backend is active: values and gradient stay on the GPU;
 * - else the host kernels: the SIMD sweeps on the WASM backend (logits, dense targets and the gradient read
 *   and written in place in the backend's heap, no copies), the JS kernel otherwise (through `dataSync()`).
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { analyze } from './analysis.js';
import type { FusedEngine } from './emitter.js';
import type { GpuKernels, ShaderBackend } from './gpu.js';
import { glslEmitter } from './glsl.js';
import type { HostKernels, WasmExports } from './host.js';
import { jsEmitter } from './js.js';
import { type RowProgram, buildRowProgram, classConstantsAt } from './program.js';
import { simdEmitter } from './wasm.js';
import { simdAvailable } from './wasm-module.js';
import { wgslEmitter } from './wgsl.js';

export type { FusedEngine } from './emitter.js';

/** GPU targets, in order: the first whose backend is active runs the loss. Adding one is one line here. */
const GPU_TARGETS = [glslEmitter, wgslEmitter] as const;

export interface WasmLike {
  readonly wasm: {
    readonly HEAPF32: Float32Array;
    readonly HEAP32: Int32Array;
    readonly asm?: { readonly memory?: WebAssembly.Memory };
    readonly wasmMemory?: WebAssembly.Memory;
  };
  readonly dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): { dataId: object; shape: number[]; dtype: 'float32' };
}

export function wasmBackend(): WasmLike | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const b = tf.backend() as unknown as Partial<WasmLike>;
  return b.wasm?.HEAPF32 && b.dataIdMap && typeof b.makeOutput === 'function' ? (b as WasmLike) : undefined;
}

/** A view of a tensor's values: `{ a, off }` with element `k` at `a[off + k]`. Zero-copy on WASM. */
export function view(t: Tensor, w: WasmLike | undefined): { a: ArrayLike<number>; off: number } {
  if (w && (t.dtype === 'float32' || t.dtype === 'int32')) {
    const info = w.dataIdMap.get(t.dataId);
    if (info && typeof info.memoryOffset === 'number') {
      return t.dtype === 'float32' ? { a: w.wasm.HEAPF32, off: info.memoryOffset >>> 2 } : { a: w.wasm.HEAP32, off: info.memoryOffset >>> 2 };
    }
  }
  return { a: t.dataSync() as ArrayLike<number>, off: 0 };
}

/** The WASM backend's memory, when the SIMD sweeps can share it (non-shared memory, SIMD available). */
function sharedMemory(w: WasmLike): WebAssembly.Memory | undefined {
  const m = w.wasm.asm?.memory ?? w.wasm.wasmMemory;
  if (!m || !simdAvailable()) return undefined;
  if (typeof SharedArrayBuffer !== 'undefined' && m.buffer instanceof SharedArrayBuffer) return undefined;
  return m;
}

/** Per-memory instances of a sweep module (one per tfjs WASM backend instance). */
class SweepInstances {
  private module: WebAssembly.Module | undefined | null;
  private readonly byMemory = new WeakMap<WebAssembly.Memory, WasmExports>();
  constructor(private readonly bytes: Uint8Array<ArrayBuffer>) {}
  get(memory: WebAssembly.Memory): WasmExports | undefined {
    let e = this.byMemory.get(memory);
    if (e) return e;
    if (this.module === null) return undefined;
    try {
      this.module ??= new WebAssembly.Module(this.bytes);
      e = new WebAssembly.Instance(this.module, { env: { memory } }).exports as unknown as WasmExports;
    } catch {
      // E.g. a browser that refuses synchronous compilation on the main thread: keep the JS kernel.
      this.module = null;
      return undefined;
    }
    this.byMemory.set(memory, e);
    return e;
  }
}

/** The part of tfjs's engine state the fused path reads. */
interface TapeState {
  readonly gradientDepth: number;
  readonly kernelDepth: number;
  readonly activeTape: { outputs: Tensor[]; saved?: Tensor[] }[] | null;
}
const engineState = () => (tf.engine() as unknown as { state: TapeState }).state;

/**
 * Whether tfjs records this op on a gradient tape: tfjs's own test (`Engine.isTapeOn`). Not
 * `activeTape != null`: a `tf.grad` whose function threw leaves `activeTape` set with depth 0.
 */
export function tapeRecording(): boolean {
  const st = engineState();
  return st.gradientDepth > 0 && st.kernelDepth === 0;
}

/** Something the tape disposes when the gradient computation that owns it ends. */
export interface Releasable {
  dispose(): void;
}

/**
 * Hands `items` to the tape node that produced `out`, as if they had been saved with `save()` but
 * without its copy: tfjs disposes a node's saved entries when the gradient computation that owns the
 * tape ends, whether or not the node was differentiated. Returns false when no such node is found.
 */
export function saveOnTape(out: Tensor, items: readonly Releasable[]): boolean {
  const tape = engineState().activeTape;
  const node = tape?.[tape.length - 1];
  if (!node || node.outputs[0] !== out || !Array.isArray(node.saved)) return false;
  node.saved.push(...(items as Tensor[]));
  return true;
}

/** `t`'s data kept alive for a backward pass; see {@link hold}. */
export interface Held extends Releasable {
  /** `t` itself while it still names the held data; otherwise one kept tensor on that data (freed by `dispose`). */
  readonly tensor: Tensor;
}

/**
 * Keeps `t`'s data for the backward pass without a second tensor: one more reference in the backend's
 * refcount, so the data outlives `t` if the caller disposes it (or assigns a variable) before the gradient
 * runs, and `tf.memory()` counts the buffer once. tfjs's `save()` makes a clone, which shares the buffer
 * but is counted again in `numBytes` (for a [512, 32000] weight, 65.5 MB that were never allocated).
 * Disposing releases the reference; when it was the last one the data is freed and the engine forgets it.
 */
export function hold(t: Tensor): Held {
  const engine = tf.engine() as unknown as { state: { tensorInfo: Map<object, { backend: HeldBackend }> }; removeDataId(d: object, b: HeldBackend): void };
  const { dataId, shape, dtype } = t;
  const backend = engine.state.tensorInfo.get(dataId)!.backend;
  backend.incRef(dataId);
  let view: Tensor | undefined;
  let released = false;
  return {
    get tensor() {
      if (released) throw new Error('losskit internal: a held tensor was read after its release');
      if (!t.isDisposed && t.dataId === dataId) return t;
      if (!view) {
        backend.incRef(dataId);
        view = tf.keep(tf.engine().makeTensorFromTensorInfo({ dataId, shape, dtype }, backend as never));
      }
      return view;
    },
    dispose() {
      if (released) return;
      released = true;
      view?.dispose();
      if (backend.disposeData(dataId)) engine.removeDataId(dataId, backend);
    },
  };
}

/** The part of a tfjs backend that {@link hold} uses. */
interface HeldBackend {
  incRef(dataId: object): void;
  disposeData(dataId: object): boolean;
}

/** Shortest row (classes) that runs the SIMD sweeps; below it the JS kernel is faster (measured at C = 10). */
export const MIN_SIMD_CLASSES = 32;

/** A new (not kept) tensor for `t`'s data; `t` is disposed. Lets a kept buffer leave as an ordinary result. */
export function unkept(t: Tensor): Tensor {
  const a = tf.engine().makeTensorFromTensorInfo({ dataId: t.dataId, shape: t.shape, dtype: t.dtype }, tf.backend());
  (tf.backend() as unknown as { incRef(d: object): void }).incRef(t.dataId);
  t.dispose();
  return a;
}

/**
 * What the JS and SIMD kernels checked inside their own sweeps during the last call: `forward` is true when
 * every logit and every per-sample value was finite, `grad` (set once the gradient has run) when every
 * gradient entry was. `undefined` fields were not checked (GPU shaders, or no gradient yet).
 */
export interface KernelValidation {
  forward: boolean | undefined;
  grad: boolean | undefined;
}

/** A compiled fused loss body: per-sample values `[N]` with a fused gradient. */
export interface FusedLoss {
  /**
   * Per-sample values, or `undefined` when this call cannot fuse (the caller runs the unfused path).
   * `dyHint`: the upstream gradient every sample's value is expected to receive (e.g. `fround(1/B)` under a
   * mean); the SIMD kernels then write the gradient in the forward sweep, row by row while it is in cache, and
   * the backward pass only checks the hint (rows whose upstream gradient differs are rescaled).
   */
  perSample(z: Tensor2D, labels: Tensor1D | undefined, dense: Tensor2D | undefined, dyHint?: number): Tensor1D | undefined;
  /** The engine the last call used (`undefined` before the first call). */
  readonly lastEngine: FusedEngine | undefined;
  /** The checks the kernels made during the last call (see {@link KernelValidation}). */
  readonly validation: KernelValidation;
}

/** One program (integer labels or dense targets) with its kernels, emitted lazily per target. */
class Entry {
  readonly an;
  private host: HostKernels | undefined;
  private simd: { k: HostKernels; inst: SweepInstances } | null | undefined;
  private readonly gpu = new Map<string, GpuKernels>();
  constructor(readonly prog: RowProgram) {
    this.an = analyze(prog);
  }
  js(): HostKernels {
    return (this.host ??= jsEmitter.emit(this.an));
  }
  /** The SIMD kernels and this memory's instance, when the WASM backend can run them. */
  simdFor(w: WasmLike | undefined, C: number, enabled: boolean): { k: HostKernels; W: WasmExports } | undefined {
    // Rows shorter than MIN_SIMD_CLASSES: the per-row calls into WebAssembly cost more than they save.
    if (!w || !enabled || C < MIN_SIMD_CLASSES) return undefined;
    const mem = sharedMemory(w);
    if (!mem) return undefined;
    if (this.simd === undefined) {
      if (!simdEmitter.supports(this.prog)) this.simd = null;
      else {
        const k = simdEmitter.emit(this.an);
        this.simd = { k, inst: new SweepInstances(k.wasm!) };
      }
    }
    if (this.simd === null) return undefined;
    const W = this.simd.inst.get(mem);
    return W ? { k: this.simd.k, W } : undefined;
  }
  gpuKernels(target: (typeof GPU_TARGETS)[number]): GpuKernels {
    let k = this.gpu.get(target.engine);
    if (!k) {
      k = target.emit(this.an);
      this.gpu.set(target.engine, k);
    }
    return k;
  }
}

/** Class constants `[K·C]` as a WASM-heap tensor (SIMD sweeps read them by byte offset). */
function ccTensor(cc: readonly Float64Array[]): Tensor | undefined {
  if (cc.length === 0) return undefined;
  const C = cc[0]!.length;
  const flat = new Float32Array(cc.length * C);
  cc.forEach((v, k) => flat.set(v, k * C));
  return tf.tensor1d(flat);
}

/**
 * Builds the fused evaluator of a sample-level expression over one row of logits, or `undefined`
 * when the expression has a node the fusion pass does not know (the caller keeps the unfused path).
 * `native: false` (`fuse: 'js'`): always the JS kernel.
 * @internal
 */
export function fuse(expr: Parameters<typeof buildRowProgram>[0], options: { readonly native: boolean }): FusedLoss | undefined {
  const sparseProg = buildRowProgram(expr, true);
  const denseProg = buildRowProgram(expr, false);
  if (!sparseProg || !denseProg) return undefined;
  const entries = new Map<boolean, Entry>();
  const entry = (sparse: boolean) => {
    let e = entries.get(sparse);
    if (!e) {
      e = new Entry(sparse ? sparseProg : denseProg);
      entries.set(sparse, e);
    }
    return e;
  };
  const state: { lastEngine: FusedEngine | undefined; validation: KernelValidation } = { lastEngine: undefined, validation: { forward: undefined, grad: undefined } };
  return {
    get lastEngine() {
      return state.lastEngine;
    },
    get validation() {
      return state.validation;
    },
    perSample(z, labels, dense, dyHint) {
      const C = z.shape[1];
      if (z.dtype !== 'float32') return undefined;
      const e = entry(labels !== undefined);
      // Conditions the unfused path reports as errors (it is then run to throw them).
      if (e.prog.needsTwoClasses && C < 2) return undefined;
      if (classConstantsAt(e.prog, C) === undefined) return undefined;
      if (options.native) {
        for (const target of GPU_TARGETS) {
          const b = target.backend();
          if (b) return runGpu(e.gpuKernels(target), target.engine, b, state, z, labels, dense);
        }
      }
      return runHost(e, options.native, state, z, labels, dense, dyHint);
    },
  };
}

type State = { lastEngine: FusedEngine | undefined; validation: KernelValidation };

/** A GPU target's passes as one tfjs op: values and gradient stay on the GPU. */
function runGpu(
  k: GpuKernels, engine: FusedEngine, gpu: ShaderBackend, state: State, z: Tensor2D, labels: Tensor1D | undefined, dense: Tensor2D | undefined,
): Tensor1D {
  // What the backward pass reads is held by refcount (see `hold`), not saved with tfjs's save(): its clones share the
  // textures / buffers but tf.memory() counts them again (a [B, C] logits copy that does not exist).
  let pending: Releasable[] = [];
  const taping = tapeRecording(); // outside the op: inside customGrad's forward the kernel depth hides the tape
  const run = (zIn: Tensor) => {
    // Integer labels are cast to float once and kept for the backward pass.
    const labF = labels ? (tf.cast(labels, 'float32') as Tensor1D) : undefined;
    const aux = labF ?? dense;
    const zU = gpu.prepare(zIn as Tensor2D);
    const { value, reds } = k.forward(gpu, zU, labF, dense);
    const kept = taping ? [zU, ...(aux ? [aux] : []), ...reds].map((t) => hold(t)) : [];
    pending = kept;
    state.lastEngine = engine;
    state.validation = { forward: undefined, grad: undefined };
    return {
      value,
      gradFunc: (dy: Tensor) => {
        const saved = kept.map((h) => h.tensor);
        const zs = saved[0] as Tensor2D;
        const a = aux ? saved[1] : undefined;
        const rs = saved.slice(aux ? 2 : 1);
        return [k.backward(gpu, zs, labels ? (a as Tensor1D) : undefined, dense ? (a as Tensor2D) : undefined, rs, dy)];
      },
    };
  };
  const out = (tf.customGrad(run as never) as unknown as (x: Tensor) => Tensor1D)(z);
  if (!saveOnTape(out, pending)) for (const p of pending) p.dispose();
  return out;
}

/** The host kernels (SIMD sweeps on the WASM heap, or the JS kernel) as one tfjs op. */
function runHost(
  e: Entry, native: boolean, state: State, z: Tensor2D, labels: Tensor1D | undefined, dense: Tensor2D | undefined, dyHint: number | undefined,
): Tensor1D {
  const [B, C] = z.shape;
  const { prog } = e;
  const k = e.js();
  const cc = classConstantsAt(prog, C)!;
  let S = new Float64Array(0);
  // SIMD exp reuse: the gradient buffer, allocated by the forward pass (which leaves exp(z - max z) in it).
  let gPre: Tensor | undefined;
  /** The upstream gradient `gPre` already holds the gradient for (forwardBackward), else undefined. */
  let gDone: number | undefined;
  /** What the taped forward pass hands to its tape node (see saveOnTape). */
  let pending: Releasable[] = [];
  const taping = tapeRecording();
  const run = (zIn: Tensor) => {
    const w = wasmBackend();
    const sk = e.simdFor(w, C, native);
    S = new Float64Array(B * (sk ? sk.k.stride : k.stride));
    if (sk && taping && sk.k.reusesExp && w) gPre = tf.keep(tf.engine().makeTensorFromTensorInfo(w.makeOutput([B, C], 'float32'), tf.backend()));
    const cct = sk ? ccTensor(cc) : undefined;
    const zv = view(zIn, w);
    const labs = labels ? (labels.dataSync() as Int32Array) : null;
    const yv = dense ? view(dense, w) : { a: null, off: 0 };
    const out = new Float32Array(B);
    const heap = w?.wasm.HEAPF32;
    let bad: number;
    let gradOk: boolean | undefined;
    if (sk && zv.a === heap && (!dense || yv.a === heap)) {
      const ccp = cct ? view(cct, w).off << 2 : 0;
      if (gPre && dyHint !== undefined && sk.k.forwardBackward) {
        // Forward and backward in one pass over the rows, for the predicted upstream gradient.
        const r = sk.k.forwardBackward(zv.a, zv.off, labs, yv.a, yv.off, B, C, out, S, cc, sk.W, ccp, heap, view(gPre, w).off, dyHint);
        bad = r & 1;
        gradOk = (r & 2) === 0;
        gDone = dyHint;
      } else bad = sk.k.forward(zv.a, zv.off, labs, yv.a, yv.off, B, C, out, S, cc, sk.W, ccp, gPre ? view(gPre, w).off : -1);
      state.lastEngine = 'wasm-simd';
    } else {
      if (gPre) {
        gPre.dispose();
        gPre = undefined;
      }
      if (sk) S = new Float64Array(B * k.stride);
      bad = k.forward(zv.a, zv.off, labs, yv.a, yv.off, B, C, out, S, cc);
      state.lastEngine = 'js';
    }
    const checked: KernelValidation = { forward: bad === 0, grad: gradOk };
    state.validation = checked;
    cct?.dispose();
    // Keep the inputs for the backward pass without tfjs's save(), which copies them (on WASM, a
    // [B, C] memcpy of the logits): held by refcount (no second tensor), handed to the tape node below
    // (saveOnTape), so tfjs releases them with the tape, whether or not this node is differentiated.
    const kept = taping ? (dense ? [zIn, dense] : labels ? [zIn, labels] : [zIn]).map((t) => hold(t)) : [];
    pending = gPre ? [...kept, gPre] : kept;
    return {
      value: tf.tensor1d(out),
      gradFunc: (dy: Tensor) => {
        const dyv = dy.dataSync();
        const g = gDone !== undefined && gPre ? finishGradient(gPre, gDone, B, C, dyv, checked) : hostGradient(e, native, k, kept.map((h) => h.tensor), gPre, B, C, dyv, S, cc, labels !== undefined, dense !== undefined, checked);
        gPre = undefined;
        return [g];
      },
    };
  };
  // Nothing records gradients (a forward pass, an evaluation): run the kernel without customGrad's
  // bookkeeping, which at (256, 10) costs as much as the kernel itself.
  if (!taping) return run(z).value as Tensor1D;
  const f = tf.customGrad(run as never) as unknown as (x: Tensor) => Tensor1D;
  const out = f(z);
  if (!saveOnTape(out, pending)) for (const p of pending) p.dispose();
  return out;
}

/**
 * The backward pass after `forwardBackward`: `gPre` holds `hint · ∂l_i/∂z_ij`. Rows whose upstream gradient is not
 * the hint are rescaled by `dy_i / hint` (the gradient is linear in dy_i) and checked again.
 */
function finishGradient(gPre: Tensor, hint: number, B: number, C: number, dyv: ArrayLike<number>, checked: KernelValidation): Tensor {
  const g = unkept(gPre);
  let rows: number[] | undefined;
  for (let i = 0; i < B; i++) if (dyv[i] !== hint) (rows ??= []).push(i);
  if (!rows) return g;
  const gv = view(g, wasmBackend());
  const a = gv.a as Float32Array;
  let probe = 0;
  for (const i of rows) {
    const r = dyv[i]! / hint;
    const o = gv.off + i * C;
    for (let j = 0; j < C; j++) {
      a[o + j] = a[o + j]! * r;
      probe += a[o + j]! * 0;
    }
  }
  if (probe !== 0) checked.grad = false;
  return g;
}

/** The backward host kernel: allocates the gradient (or takes the forward pass's `gPre`) and fills it. */
function hostGradient(
  e: Entry, native: boolean, k: HostKernels, kept: readonly Tensor[], gPre: Tensor | undefined, B: number, C: number, dyv: ArrayLike<number>,
  S: Float64Array, cc: readonly Float64Array[], sparse: boolean, isDense: boolean, checked: KernelValidation,
): Tensor {
  const zs = kept[0]!;
  const aux = kept[1];
  const wb = wasmBackend();
  if (!wb) {
    const ga = new Float32Array(B * C);
    const zv2 = view(zs, undefined);
    const lv = sparse ? (aux!.dataSync() as Int32Array) : null;
    const yv2 = isDense ? view(aux!, undefined) : { a: null, off: 0 };
    checked.grad = k.backward(zv2.a, zv2.off, lv, yv2.a, yv2.off, B, C, dyv, ga, 0, S, cc) === 0;
    return tf.tensor2d(ga, [B, C]);
  }
  // Allocate first (malloc may grow the heap and detach older views), then take views.
  // With exp reuse the forward pass already allocated (and half filled) the gradient.
  const g = gPre ? unkept(gPre) : tf.engine().makeTensorFromTensorInfo(wb.makeOutput([B, C], 'float32'), tf.backend());
  const reuse = gPre !== undefined;
  const sk = e.simdFor(wb, C, native);
  const cct = sk ? ccTensor(cc) : undefined;
  const gv = view(g, wb);
  const zv2 = view(zs, wb);
  const lv = sparse ? (aux!.dataSync() as Int32Array) : null;
  const yv2 = isDense ? view(aux!, wb) : { a: null, off: 0 };
  const heap = wb.wasm.HEAPF32;
  if (sk && zv2.a === heap && gv.a === heap && (!isDense || yv2.a === heap)) {
    checked.grad = sk.k.backward(zv2.a, zv2.off, lv, yv2.a, yv2.off, B, C, dyv, heap, gv.off, S, cc, sk.W, cct ? view(cct, wb).off << 2 : 0, reuse) === 0;
  } else {
    checked.grad = k.backward(zv2.a, zv2.off, lv, yv2.a, yv2.off, B, C, dyv, gv.a as Float32Array, gv.off, S, cc) === 0;
  }
  cct?.dispose();
  return g;
}
