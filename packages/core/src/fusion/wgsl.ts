/**
 * Target `webgpu`: the GPU passes of `gpu.ts` in WGSL, run through `@tensorflow/tfjs-backend-webgpu`'s
 * program API (`runWebGPUProgram`). Each pass is a flat compute dispatch, 64 invocations a workgroup: the
 * reduction passes compute one output entry per invocation, the gradient pass four classes of one row
 * per invocation (a row's scalars and adjoints are computed once for the four).
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { Analysis } from './analysis.js';
import type { Emitter } from './emitter.js';
import { GpuKernels, type ShaderBackend, type ShaderDialect, type ShaderPass, shaderLit, shaderPow, shaderScalarOps } from './gpu.js';

const ipow = (x: string, p: number) => shaderPow(x, p, (a, q) => `pow(${a}, ${q})`);
const V0 = 'vec4<f32>(0.0)';
const sel = (c: string, t: string, f: string) => `select(${f}, ${t}, ${c})`;

/** WGSL (f32; `select` for conditionals, which evaluates both sides: the unused one may be inf or NaN). */
export const wgsl: ShaderDialect = {
  ...shaderScalarOps(sel),
  lit: shaderLit,
  select: sel,
  decl: (n, e) => `let ${n}: f32 = ${e};`,
  declMut: (n, e) => `var ${n}: f32 = ${e};`,
  int: (n, e) => `let ${n}: i32 = ${e};`,
  loop: (j, from, to) => `for (var ${j}: i32 = ${from}; ${j} < ${to}; ${j}++) {`,
  toInt: (e) => `i32(${e})`,
  vec4: (...xs) => `vec4<f32>(${xs.join(', ')})`,
  decl4: (n, e) => `let ${n}: vec4<f32> = ${e};`,
  eq4: (a, b) => sel(`${a} == ${b}`, 'vec4<f32>(1.0)', V0),
  where4: (a, b) => sel(`${b} != ${V0}`, a, V0),
  label4: (j, lab) => sel(`vec4<i32>(${j}, ${j} + 1, ${j} + 2, ${j} + 3) == vec4<i32>(${lab})`, 'vec4<f32>(1.0)', V0),
  unary4(f, x, p) {
    const fl = shaderLit;
    switch (f) {
      case 'relu': return `max(${x}, ${V0})`;
      case 'softplus': return `(max(${x}, ${V0}) + log(1.0 + exp(-abs(${x}))))`;
      case 'logSigmoid': return `(min(${x}, ${V0}) - log(1.0 + exp(-abs(${x}))))`;
      case 'clip': return `clamp(${x}, vec4<f32>(${fl(p.lo!)}), vec4<f32>(${fl(p.hi!)}))`;
      case 'xlogx': return sel(`${x} > ${V0}`, `${x} * log(${x})`, V0);
      case 'pow': return Number.isInteger(p.p) && Math.abs(p.p!) <= 8 ? ipow(x, p.p!) : `pow(${x}, vec4<f32>(${fl(p.p!)}))`;
      default: return wgsl.unary(f, x, p);
    }
  },
};

/** Classes per invocation of the gradient pass. */
const GRAD_CLASSES = 4;
const WORKGROUP = 64;

/**
 * A statement reading every input buffer and the uniforms statically (never run): pipelines get 'auto'
 * layouts, which leave out unused bindings, and tfjs binds every input and its uniforms (a pass that reads no
 * logits, or indexes its buffers without tfjs's getters, would fail validation).
 */
export function touchInputs(names: readonly string[]): string {
  return `if (index < 0) { setOutputAtIndex(0, ${[...names.map((n) => `f32(${n}[0])`), 'uniforms.NAN'].join(' + ')}); }`;
}

/** A pass's WGSL `main` and its number of invocations. */
function userCode(pass: ShaderPass): { code: string; threads: number } {
  const body = [touchInputs(pass.names), ...pass.body()];
  if (pass.kind !== 'grad') {
    const n = pass.shape.reduce((a, b) => a * b, 1);
    const coords = pass.kind === 'rows' ? ['let c = getCoordsFromIndex(index);', 'let i: i32 = c.x;', 'let col: i32 = c.y;'] : ['let i: i32 = index;'];
    return { code: ['fn main(index : i32) {', `if (index < ${n}) {`, ...coords, ...body, 'setOutputAtIndex(index, res);', '}', '}'].join('\n'), threads: n };
  }
  const [B, C] = pass.shape as [number, number];
  const nj = Math.ceil(C / GRAD_CLASSES);
  return {
    code: [
      'fn main(index : i32) {', `if (index < ${B * nj}) {`, `let i: i32 = index / ${nj};`, `let j0: i32 = (index - i * ${nj}) * ${GRAD_CLASSES};`, ...body,
      `for (var k: i32 = 0; k < ${GRAD_CLASSES}; k++) {`, 'let j: i32 = j0 + k;', `if (j < ${C}) {`, ...pass.column!(), `setOutputAtIndex(i * ${C} + j, g);`, '}', '}', '}', '}',
    ].join('\n'),
    threads: B * nj,
  };
}

/** The part of tfjs-backend-webgpu's `WebGPUBackend` used here. */
interface WebgpuBackendLike {
  runWebGPUProgram(program: object, inputs: TensorInfo[], dtype: 'float32'): TensorInfo;
}

const sources = new Map<string, { code: string; threads: number }>();

/** The active backend when it is WebGPU with `runWebGPUProgram`. */
function webgpu(): WebgpuBackendLike | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  const b = tf.backend() as unknown as Partial<WebgpuBackendLike>;
  return typeof b.runWebGPUProgram === 'function' ? (b as WebgpuBackendLike) : undefined;
}

/** A WGSL program to run on the WebGPU backend: `code` defines `fn main(index : i32)` (and any helper it calls). */
export interface WgslProgram {
  /** Cache key of `code` (tfjs caches pipelines by it, plus input ranks and dtypes). */
  readonly key: string;
  readonly shape: readonly number[];
  /** Input buffer names, bound in this order (each must be read statically: see `userCode`). */
  readonly names: readonly string[];
  readonly threads: number;
  readonly code: string;
}

/** Runs `p` on the active WebGPU backend (flat dispatch, {@link WORKGROUP} invocations a workgroup); `undefined` on another backend. */
export function runWgsl(p: WgslProgram, inputs: readonly Tensor[]): Tensor | undefined {
  const gpu = webgpu();
  if (!gpu) return undefined;
  const program = {
    outputShape: [...p.shape],
    shaderKey: `losskit ${p.key}`,
    dispatchLayout: { x: p.shape.map((_, k) => k) },
    dispatch: [Math.ceil(p.threads / WORKGROUP), 1, 1],
    variableNames: [...p.names],
    workgroupSize: [WORKGROUP, 1, 1],
    getUserCode: () => p.code,
  };
  return tf.engine().makeTensorFromTensorInfo(gpu.runWebGPUProgram(program, inputs as Tensor[], 'float32'), tf.backend());
}

/** The active backend as a {@link ShaderBackend} when it is WebGPU with `runWebGPUProgram`. */
function webgpuBackend(): ShaderBackend | undefined {
  if (!webgpu()) return undefined;
  return {
    run(pass, inputs) {
      const key = `${pass.key} ${pass.shape.join('x')}`;
      let src = sources.get(key);
      if (src === undefined) {
        src = userCode(pass);
        sources.set(key, src);
      }
      // One pipeline per generated source.
      return runWgsl({ key, shape: pass.shape, names: pass.names, ...src }, inputs)!;
    },
    prepare: (z) => z,
  };
}

let tags = 0;
/** The WGSL emitter: every program has a WGSL form. */
export const wgslEmitter: Emitter<GpuKernels> & { backend: () => ShaderBackend | undefined } = {
  engine: 'webgpu',
  supports: () => true,
  emit: (an: Analysis) => new GpuKernels(an, wgsl, `wgsl${tags++}`),
  backend: webgpuBackend,
};
