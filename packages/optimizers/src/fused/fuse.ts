import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { LosskitError } from '@losskit/core';
import type { GradientTransformation, Params } from '../types.js';
import { checkMatching, checkParams, checkTransform, disposeState } from '../types.js';
import { applyUpdates } from '../apply.js';
import { Builder, type Program } from './ir.js';
import { specsOf } from './registry.js';
import { emitWasm } from './wasm.js';

/** The engine a {@link FusedOptimizer} runs on. */
export type FusedEngine = 'wasm-simd' | 'tfjs';

/** An optimizer that updates `tf.Variable`s in place; see {@link fuse}. */
export interface FusedOptimizer {
  /** `wasm-simd`: one generated SIMD pass per tensor on the tfjs WASM heap; `tfjs`: the optimizer's own tfjs path. */
  readonly engine: FusedEngine;
  /** Updates taken so far. */
  readonly count: number;
  /** One step: `θ ← θ + u(g)` for every Variable, with the state updated in place. `grads` are not disposed. */
  step(grads: Params): void;
  /** Frees the state buffers. */
  dispose(): void;
}

/** Options of {@link fuse}. */
export interface FuseOptions {
  /** `auto` (default): WASM SIMD when available, else tfjs; `tfjs` forces the reference path. */
  readonly engine?: 'auto' | 'tfjs';
}

interface WasmBackendLike {
  readonly wasm: { readonly asm?: { readonly memory?: WebAssembly.Memory }; readonly wasmMemory?: WebAssembly.Memory };
  readonly dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  refCount(dataId: object): number;
}

/** The tfjs WASM backend and its (non-shared) memory, when SIMD can run on it. */
function wasmTarget(): { backend: WasmBackendLike; memory: WebAssembly.Memory } | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as unknown as Partial<WasmBackendLike>;
  const memory = backend.wasm?.asm?.memory ?? backend.wasm?.wasmMemory;
  if (!memory || !backend.dataIdMap || typeof backend.refCount !== 'function') return undefined;
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) return undefined;
  return { backend: backend as WasmBackendLike, memory };
}

const modules = new Map<string, WebAssembly.Module | null>();
/** Compiles (once per program) and instantiates the kernel on `memory`. */
function kernel(prog: Program, memory: WebAssembly.Memory): ((...args: number[]) => void) | undefined {
  const key = JSON.stringify(prog);
  let mod = modules.get(key);
  if (mod === undefined) {
    try {
      mod = new WebAssembly.Module(emitWasm(prog));
    } catch {
      mod = null;
    }
    modules.set(key, mod);
  }
  if (mod === null) return undefined;
  try {
    return (new WebAssembly.Instance(mod, { env: { memory } }).exports as { run: (...args: number[]) => void }).run;
  } catch {
    return undefined;
  }
}

/**
 * A fused, in-place version of an elementwise optimizer: the adam family (`adam`, `adamw`, `nadam`, `nadamw`,
 * `scaleByAdam`), `lion`, `sgd` / `momentum` / `nesterov`, and any `chain` of elementwise transforms (`scale`,
 * `scaleByLearningRate`, `addDecayedWeights`, `traceMomentum`, `scaleByAdam`, `scaleByLion`). On the tfjs WASM backend
 * with SIMD, each step is one generated WebAssembly pass per tensor that reads params, grads and state once and writes
 * params and state once, in place on the tfjs heap (no tensor is allocated); the arithmetic repeats the tfjs path op
 * for op in float32. Elsewhere (another backend, a non-elementwise part) it runs the optimizer's tfjs path
 * (`update` + `applyUpdates`), the reference. The Variables are updated in place; a Variable whose buffer is shared
 * with another tensor is first given its own copy.
 * @example
 * const opt = fuse(adam({ learningRate: 1e-3 }), { w: wVar, b: bVar });
 * opt.step(grads); // w, b updated in place
 * opt.dispose();
 */
export function fuse(optimizer: GradientTransformation<any>, params: Readonly<Record<string, Variable>>, options: FuseOptions = {}): FusedOptimizer {
  checkTransform(optimizer, 'optimizer');
  const ps = checkParams(params, 'params');
  for (const [k, v] of Object.entries(ps)) {
    if (!(v instanceof tf.Variable)) throw new LosskitError('INVALID_ARGUMENT', `parameter "${k}" is not a tf.Variable`, { argument: 'params', expected: 'tf.Variable values (updated in place)', received: v.constructor.name });
  }
  const vars = ps as Readonly<Record<string, Variable>>;
  const names = Object.keys(vars);
  const target = options.engine === 'tfjs' ? undefined : wasmTarget();
  const specs = target ? specsOf(optimizer) : undefined;
  let run: ((...args: number[]) => void) | undefined;
  let prog: Program | undefined;
  const scalarFns: ((count: number) => number)[] = [];
  const bufferFill: number[] = [];
  if (target && specs) {
    const b = new Builder(2);
    const p = b.input(0);
    const g = b.input(1);
    let u = g;
    for (const spec of specs) {
      const streams = spec.buffers.map((fill) => {
        bufferFill.push(fill);
        return b.stream();
      });
      u = spec.emit({
        b,
        u,
        p,
        g,
        buffer: (i) => streams[i]!,
        scalar: (value) => {
          const s = b.scalar();
          scalarFns[s.index] = value;
          return s.e;
        },
      });
    }
    b.write(0, b.bin('add', p, u));
    prog = b.program();
    run = kernel(prog, target.memory);
  }
  if (!run || !prog || !target) {
    // The reference path: the optimizer's own tfjs update, Variables assigned in place.
    let state = optimizer.init(vars);
    let count = 0;
    return {
      engine: 'tfjs',
      get count() {
        return count;
      },
      step(grads) {
        const r = optimizer.update(grads, state, vars);
        try {
          applyUpdates(vars, r.updates);
        } finally {
          for (const t of Object.values(r.updates)) t.dispose();
        }
        disposeState(state);
        state = r.state;
        count++;
      },
      dispose() {
        disposeState(state);
      },
    };
  }
  // State buffers: one tensor per (parameter, buffer), owned here.
  const buffers: Record<string, Tensor[]> = {};
  for (const k of names) buffers[k] = bufferFill.map((fill) => tf.keep(tf.fill(vars[k]!.shape, fill)));
  const { backend } = target;
  const offset = (t: Tensor): number => {
    const info = backend.dataIdMap.get(t.dataId);
    if (!info) throw new LosskitError('INVALID_ARGUMENT', 'tensor is not on the WASM backend', { argument: 'grads' });
    return info.memoryOffset;
  };
  let count = 0;
  const exec = run;
  const nScalars = prog.scalars;
  let disposed = false;
  return {
    engine: 'wasm-simd',
    get count() {
      return count;
    },
    step(grads) {
      if (disposed) throw new LosskitError('INVALID_ARGUMENT', 'this fused optimizer was disposed', { argument: 'this' });
      const g = checkMatching(grads, vars, 'grads', 'params');
      const sc: number[] = new Array<number>(nScalars);
      for (let i = 0; i < nScalars; i++) {
        const v = scalarFns[i]!(count);
        if (!Number.isFinite(v)) throw new LosskitError('INVALID_PARAMETER', `a hyperparameter is not finite at step ${count}`, { argument: 'optimizer', received: String(v) });
        sc[i] = v;
      }
      for (const k of names) {
        const v = vars[k]!;
        const gk = g[k]!;
        if (v.isDisposed) throw new LosskitError('INVALID_ARGUMENT', `parameter "${k}" is disposed`, { argument: 'params' });
        if (gk.dtype !== 'float32') throw new LosskitError('INVALID_ARGUMENT', `gradient "${k}" has dtype ${gk.dtype}`, { argument: 'grads', expected: 'float32', received: gk.dtype });
        // Writing in place must not change another tensor that shares this Variable's buffer.
        if (backend.refCount(v.dataId) > 1) {
          const own = tf.mul(v, 1);
          v.assign(own);
          own.dispose();
        }
        exec(v.size, offset(v), offset(gk), ...buffers[k]!.map(offset), ...sc);
      }
      count++;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const bs of Object.values(buffers)) for (const t of bs) t.dispose();
    },
  };
}
