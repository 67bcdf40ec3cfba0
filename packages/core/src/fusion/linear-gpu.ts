/**
 * {@link linearCrossEntropy}'s WebGPU path: the linear layer and the loss in WGSL, so that the logits
 * `z = hidden · weight` exist only in registers. Per call, with `W = V + 1`:
 *
 * - the row pass, one invocation per row `i`: every class reduction of the row program by its own sweep over
 *   the classes, each logit `z_ij = Σ_d h_id w_dj` computed where it is read (the log-sum-exp online, as in the
 *   loss passes of `gpu.ts`), then the per-sample value, and under a gradient tape `g_ij = ∂l_i/∂z_ij` for every
 *   class: output `[B, W]` (gradient in the first `V` columns, the value in the last) or `[B]` without a tape;
 * - the value pass: `Σ_i l_i · scale` in one invocation;
 * - backward: `∂/∂weight = hiddenᵀ · g · (dy · scale)` and `∂/∂hidden = g · weightᵀ · (dy · scale)`, one
 *   dispatch each (one invocation per output entry). Through tfjs's `matMul` instead (a slice of `g`, the
 *   transposed products, the scaling) the step measured 8× / 3.2× slower at (B, D, V) = (256, 4, 10) / (4096, 4, 1000)
 *   on SwiftShader.
 *
 * Four dispatches a training step against the dense path's matMul, its two gradient matMuls and the loss passes:
 * on SwiftShader the cost of a small step is per dispatch, not arithmetic. The row pass is built from the same
 * row program and pass plan as the fused loss (`gpu.ts`, `wgsl.ts`); expressions whose backward pass needs a
 * sweep of its own (broadcast adjoints, e.g. `logit().minus(logit().target().expand())`) run on the host path.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import type { Analysis } from './analysis.js';
import { GpuKernels } from './gpu.js';
import { type Releasable, hold, saveOnTape, tapeRecording } from './kernel.js';
import { type WgslProgram, runWgsl, touchInputs, wgsl } from './wgsl.js';

const kernels = new Map<string, GpuKernels>();
const programs = new Map<string, WgslProgram | null>();

/** The row pass of `an` for `[B, D] · [D, V]` (with the gradient when `grad`), or `null` when it has no fused row form. */
function rowPass(an: Analysis, key: string, B: number, D: number, V: number, grad: boolean, names: readonly string[]): WgslProgram | null {
  const pkey = `linear ${key} ${B} ${D} ${V} ${grad}`;
  const hit = programs.get(pkey);
  if (hit !== undefined) return hit;
  let k = kernels.get(key);
  if (!k) {
    k = new GpuKernels(an, wgsl, `linear${kernels.size}`);
    kernels.set(key, k);
  }
  const row = k.fusedRow(V, grad);
  let p: WgslProgram | null = null;
  if (row) {
    const W = V + 1;
    const code = [
      ...[...row.reds].flatMap(([st, n]) => [`var<private> red${st}: array<f32, ${n}>;`, `fn getR${st}(i: i32, c: i32) -> f32 { return red${st}[c]; }`]),
      // The logit where the row program reads it: z_ij = Σ_d h_id w_dj, in the order of tfjs's matMul.
      'fn getZ(i: i32, j: i32) -> f32 {',
      'var s: f32 = 0.0;',
      `for (var d: i32 = 0; d < ${D}; d++) { s = s + hid[i * ${D} + d] * wt[d * ${V} + j]; }`,
      'return s;',
      '}',
      // The upstream gradient is applied in the backward passes (one scalar for every row).
      'fn getDy(i: i32) -> f32 { return 1.0; }',
      'fn main(index : i32) {',
      touchInputs(names),
      `if (index < ${B}) {`,
      'let i: i32 = index;',
      ...row.body,
      ...(grad ? [`for (var j: i32 = 0; j < ${V}; j++) {`, ...row.column, `setOutputAtIndex(i * ${W} + j, g);`, '}', `setOutputAtIndex(i * ${W} + ${V}, res);`] : ['setOutputAtIndex(i, res);']),
      '}',
      '}',
    ].join('\n');
    p = { key: pkey, shape: grad ? [B, W] : [B], names, threads: B, code };
  }
  programs.set(pkey, p);
  return p;
}

/** `Σ_i rows[i·stride + off] · scale` as a `[1]` tensor (one invocation: B is a batch, not a class count). */
function sumPass(B: number, stride: number, off: number, scale: number): WgslProgram {
  const code = [
    'fn main(index : i32) {',
    touchInputs(['rows']),
    'if (index < 1) {',
    'var s: f32 = 0.0;',
    `for (var i: i32 = 0; i < ${B}; i++) { s = s + rows[i * ${stride} + ${off}]; }`,
    `setOutputAtIndex(0, s * ${wgsl.lit(scale)});`,
    '}',
    '}',
  ].join('\n');
  return { key: `linear sum ${B} ${stride} ${off} ${scale}`, shape: [1], names: ['rows'], threads: 1, code };
}

/** `∂/∂weight [D, V] = hiddenᵀ · g · (dy · scale)`: one invocation per entry, summing over the rows. */
function dWeightPass(B: number, D: number, V: number, scale: number): WgslProgram {
  const W = V + 1;
  const code = [
    'fn main(index : i32) {',
    touchInputs(['hid', 'g', 'dy']),
    `if (index < ${D * V}) {`,
    `let d: i32 = index / ${V};`,
    `let j: i32 = index - d * ${V};`,
    'var s: f32 = 0.0;',
    `for (var i: i32 = 0; i < ${B}; i++) { s = s + hid[i * ${D} + d] * g[i * ${W} + j]; }`,
    `setOutputAtIndex(index, s * (dy[0] * ${wgsl.lit(scale)}));`,
    '}',
    '}',
  ].join('\n');
  return { key: `linear dW ${B} ${D} ${V} ${scale}`, shape: [D, V], names: ['hid', 'g', 'dy'], threads: D * V, code };
}

/** `∂/∂hidden [B, D] = g · weightᵀ · (dy · scale)`: one invocation per entry, summing over the classes. */
function dHiddenPass(B: number, D: number, V: number, scale: number): WgslProgram {
  const W = V + 1;
  const code = [
    'fn main(index : i32) {',
    touchInputs(['g', 'wt', 'dy']),
    `if (index < ${B * D}) {`,
    `let i: i32 = index / ${D};`,
    `let d: i32 = index - i * ${D};`,
    'var s: f32 = 0.0;',
    `for (var j: i32 = 0; j < ${V}; j++) { s = s + g[i * ${W} + j] * wt[d * ${V} + j]; }`,
    `setOutputAtIndex(index, s * (dy[0] * ${wgsl.lit(scale)}));`,
    '}',
    '}',
  ].join('\n');
  return { key: `linear dh ${B} ${D} ${V} ${scale}`, shape: [B, D], names: ['g', 'wt', 'dy'], threads: B * D, code };
}

/**
 * The fused linear + loss on the active WebGPU backend, or `undefined` when the backend is not WebGPU or the
 * expression has no one-pass row form (the caller runs the host path). Inputs are checked by the caller;
 * `cc`: the class constants at `V`; `scale`: `1/B` for a mean, 1 for a sum. Results are not read back (see
 * `CompileOptions.validate` on WebGPU), so non-finite values are not detected here.
 */
export function linearWgsl(an: Analysis, key: string, hidden: Tensor, weight: Tensor, labs: Int32Array, cc: readonly Float64Array[], scale: number): Scalar | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  const [B, D] = hidden.shape as [number, number];
  const V = weight.shape[1]!;
  const withCc = an.prog.classConstants.length > 0;
  const names = ['hid', 'wt', 'lab', ...(withCc ? ['cc'] : [])];
  const grad = tapeRecording();
  const row = rowPass(an, key, B, D, V, grad, names);
  if (!row) return undefined;
  /** Per-row output (gradient and value, or values) and the loss. */
  const run = (h: Tensor, W: Tensor): [Tensor, Scalar] => {
    const extra = tf.tidy(() => [tf.tensor1d(Float32Array.from(labs)), ...(withCc ? [tf.tensor2d(cc.map((v) => [...v]))] : [])]);
    let rows: Tensor | undefined;
    try {
      rows = runWgsl(row, [h, W, ...extra])!;
      const total = runWgsl(grad ? sumPass(B, V + 1, V, scale) : sumPass(B, 1, 0, scale), [rows])!;
      const value = tf.reshape(total, []) as Scalar;
      total.dispose();
      return [rows, value];
    } catch (e) {
      rows?.dispose();
      throw e;
    } finally {
      tf.dispose(extra);
    }
  };
  if (!grad) {
    const [rows, value] = run(hidden, weight);
    rows.dispose();
    return value;
  }
  let pending: Releasable[] = [];
  const f = tf.customGrad(((h: Tensor, W: Tensor) => {
    const [rows, value] = run(h, W);
    const kept = [hold(h), hold(W)];
    pending = [...kept, rows];
    return {
      value,
      gradFunc: (dy: Tensor) => {
        const [hs, Ws] = kept.map((x) => x.tensor) as [Tensor, Tensor];
        const g = rows;
        const dW = runWgsl(dWeightPass(B, D, V, scale), [hs, g, dy])!;
        const dh = runWgsl(dHiddenPass(B, D, V, scale), [g, Ws, dy])!;
        return [dh, dW];
      },
    };
  }) as never) as unknown as (h: Tensor, W: Tensor) => Scalar;
  const out = f(hidden, weight);
  if (!saveOnTape(out, pending)) for (const p of pending) p.dispose();
  return out;
}
