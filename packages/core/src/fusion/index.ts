/**
 * Kernel fusion: a sample-level loss over one row of logits, compiled into one kernel per target instead
 * of one tfjs op per expression node. The pipeline, one file per step:
 *
 * 1. `program.ts`: expression → {@link RowProgram}, the one IR every target shares (per-class "vector"
 *    nodes, per-row "scalar" nodes, class→sample reductions in between), by exact rewrites.
 * 2. `analysis.ts`: the program's stages (which sweep over the classes computes each reduction) and which
 *    nodes carry a gradient.
 * 3. One emitter per target behind the small {@link Emitter} interface (`emitter.ts`):
 *    - `js.ts`: generated JavaScript row kernels (any backend),
 *    - `wasm.ts` (+ `wasm-module.ts`, its byte encoder): the same host kernels with WebAssembly SIMD sweeps,
 *    - `glsl.ts`: GLSL passes for the WebGL backend,
 *    - `wgsl.ts`: WGSL passes for the WebGPU backend (added as this one file plus its line in `kernel.ts`).
 *    The two CPU targets share the row driver in `host.ts`; the two GPU targets the pass plan in `gpu.ts`,
 *    each supplying only its language ({@link Dialect}) and how its backend runs a pass.
 * 4. `kernel.ts`: registration: the fused loss as one tfjs op (`tf.customGrad`), choosing the target by the
 *    active backend (GPU targets are a list; adding one is one line there).
 * @internal
 */
export type { Dialect, Emitter, FusedEngine } from './emitter.js';
export { type FusedForm, type RowProgram, defineFusedForm } from './program.js';
import './forms.js';
export { type FusedLoss, type KernelValidation, MIN_SIMD_CLASSES, fuse } from './kernel.js';
