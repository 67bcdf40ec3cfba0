/**
 * The "floor" of a fused loss for benchmarks: one write of the logits into WebAssembly memory (a memcpy,
 * standing in for writing the gradient) plus one read of them through the same generated SIMD sweep the
 * fused kernels use, with one `exp` per logit (the row sums of `exp(z)`). Nothing a fused
 * forward+backward can do avoids these.
 */
import '../ops.js';
import { logit } from '../terms/inputs.js';
import { analyze } from '../fusion/analysis.js';
import { buildRowProgram } from '../fusion/program.js';
import { simdEmitter } from '../fusion/wasm.js';
import { simdAvailable } from '../fusion/wasm-module.js';

/**
 * Returns `run(z)` for `[B, C]` logits (row-major `Float32Array`), which copies `z` into its own
 * WebAssembly memory and computes `Σ_j exp(z_ij)` per row with SIMD; or `undefined` without WebAssembly SIMD.
 */
export function simdExpFloor(B: number, C: number): ((z: Float32Array) => number) | undefined {
  if (!simdAvailable()) return undefined;
  const prog = buildRowProgram(logit().exp().sum(), true);
  if (!prog) return undefined;
  const k = simdEmitter.emit(analyze(prog));
  const memory = new WebAssembly.Memory({ initial: Math.ceil((B * C * 4 + 64) / 65536) });
  const W = new WebAssembly.Instance(new WebAssembly.Module(k.wasm!), { env: { memory } }).exports as never;
  const heap = new Float32Array(memory.buffer);
  const out = new Float32Array(B);
  const S = new Float64Array(B * k.K);
  const labels = new Int32Array(B);
  return (z) => {
    heap.set(z);
    k.forward(heap, 0, labels, null, 0, B, C, out, S, [], W, 0);
    return out[0]!;
  };
}
