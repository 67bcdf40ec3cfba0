/**
 * Target `webgl`: the GPU passes of `gpu.ts` in GLSL, run through the tfjs WebGL backend's custom-program
 * API (`compileAndRun`). The gradient pass writes a packed texture: each fragment writes a 2×2 block (rows
 * `i, i+1`, classes `j, j+1`), so a row's scalars and adjoints are computed once per two classes and
 * SwiftShader runs a quarter of the fragments (an elementwise `[4096, 1000]` pass measured 4× faster packed
 * than unpacked). Entries past row `B − 1` or class `C − 1` are written as 0, as tfjs's own packed textures are.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { Analysis } from './analysis.js';
import type { Emitter } from './emitter.js';
import { GpuKernels, type ShaderBackend, type ShaderDialect, type ShaderPass, shaderLit, shaderPow, shaderScalarOps } from './gpu.js';

/** The part of tfjs-backend-webgl's `MathBackendWebGL` used here. */
interface WebglBackendLike {
  compileAndRun(
    program: { variableNames: string[]; outputShape: number[]; userCode: string; packedInputs?: boolean; packedOutput?: boolean },
    inputs: Tensor[],
    dtype?: 'float32',
  ): { dataId: object; shape: number[]; dtype: 'float32' };
}

const ipow = (x: string, p: number) => shaderPow(x, p, (a, q) => `pow(${a}, ${q})`);

const select = (c: string, t: string, f: string) => `(${c} ? ${t} : ${f})`;

/** GLSL ES 3.0 (float32; built-ins act per component on `vec4`). */
export const glsl: ShaderDialect = {
  ...shaderScalarOps(select),
  lit: shaderLit,
  select,
  decl: (n, e) => `float ${n} = ${e};`,
  declMut: (n, e) => `float ${n} = ${e};`,
  int: (n, e) => `int ${n} = ${e};`,
  loop: (j, from, to) => `for (int ${j} = ${from}; ${j} < ${to}; ${j}++) {`,
  toInt: (e) => `int(${e})`,
  vec4: (...xs) => `vec4(${xs.join(', ')})`,
  decl4: (n, e) => `vec4 ${n} = ${e};`,
  eq4: (a, b) => `vec4(equal(${a}, ${b}))`,
  where4: (a, b) => `mix(vec4(0.0), ${a}, notEqual(${b}, vec4(0.0)))`,
  label4: (j, lab) => `vec4(equal(ivec4(${j}, ${j} + 1, ${j} + 2, ${j} + 3), ivec4(${lab})))`,
  unary4(f, x, p) {
    switch (f) {
      case 'xlogx': return undefined; // a ternary on vec4 is not GLSL
      case 'pow': return Number.isInteger(p.p) && Math.abs(p.p!) <= 8 ? ipow(x, p.p!) : undefined;
      default: return glsl.unary(f, x, p);
    }
  },
};

/** A pass's `main()` (plus the packed gradient's row function). */
function userCode(pass: ShaderPass): string {
  const body = pass.body();
  if (pass.kind === 'rows') return ['void main() {', 'ivec2 c = getOutputCoords();', 'int i = c.x;', 'int col = c.y;', ...body, 'setOutput(res);', '}'].join('\n');
  if (pass.kind === 'value') return ['void main() {', 'int i = getOutputCoords();', ...body, 'setOutput(res);', '}'].join('\n');
  const [B, C] = pass.shape as [number, number];
  const column = pass.column!();
  return [
    'vec2 gradRow(int i, int j0) {', ...body, 'vec2 o = vec2(0.0);',
    '{', 'int j = j0;', ...column, 'o.x = g;', '}',
    `if (j0 + 1 < ${C}) {`, 'int j = j0 + 1;', ...column, 'o.y = g;', '}', 'return o;', '}',
    'void main() {', 'ivec2 rc = getOutputCoords();', 'vec2 top = gradRow(rc.x, rc.y);',
    `vec2 bottom = rc.x + 1 < ${B} ? gradRow(rc.x + 1, rc.y) : vec2(0.0);`, 'setOutput(vec4(top, bottom));', '}',
  ].join('\n');
}

/** Shader sources by key (building one walks the program, which costs as much as a small batch's kernels). */
const sources = new Map<string, string>();

/** The active backend when it is WebGL with `compileAndRun`. */
function webglBackend(): ShaderBackend | undefined {
  if (tf.getBackend() !== 'webgl') return undefined;
  const b = tf.backend() as unknown as Partial<WebglBackendLike>;
  if (typeof b.compileAndRun !== 'function') return undefined;
  const gl = b as WebglBackendLike;
  return {
    run(pass, inputs) {
      const key = `${pass.key} ${pass.shape.join('x')}`;
      let code = sources.get(key);
      if (code === undefined) {
        code = userCode(pass);
        sources.set(key, code);
      }
      const program = { variableNames: [...pass.names], outputShape: [...pass.shape], userCode: code, packedInputs: false, packedOutput: pass.kind === 'grad' };
      return tf.engine().makeTensorFromTensorInfo(gl.compileAndRun(program, [...inputs], 'float32'), tf.backend());
    },
    prepare: (z) => unpacked(gl, z),
  };
}

/**
 * `z` as an unpacked texture, for the fused shaders (which read one value per fetch). A packed `z` (what
 * tfjs's own ops, e.g. a dense layer's `matMul`, produce) is unpacked once here so that the forward and
 * backward shaders share the copy, instead of tfjs unpacking it again for every program. Returns `z`
 * itself when it is unpacked or the backend does not expose its texture data.
 */
function unpacked(b: WebglBackendLike, z: Tensor2D): Tensor2D {
  const internals = b as unknown as Partial<{ texData: { get(id: object): { isPacked?: boolean } | undefined }; unpackTensor(info: object): { dataId: object; shape: number[]; dtype: 'float32' } }>;
  if (typeof internals.unpackTensor !== 'function' || !internals.texData?.get(z.dataId)?.isPacked) return z;
  const info = internals.unpackTensor({ dataId: z.dataId, shape: z.shape, dtype: z.dtype });
  return tf.engine().makeTensorFromTensorInfo(info, tf.backend()) as Tensor2D;
}

let tags = 0;
/** The GLSL emitter: every program has a GLSL form (the `vec4` sweep falls back to one class at a time). */
export const glslEmitter: Emitter<GpuKernels> & { backend: () => ShaderBackend | undefined } = {
  engine: 'webgl',
  supports: () => true,
  emit: (an: Analysis) => new GpuKernels(an, glsl, `glsl${tags++}`),
  backend: webglBackend,
};
