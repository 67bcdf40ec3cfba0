// Browser-side checks and benchmarks of fused losses (used by e2e/run.mjs and `pnpm bench`): on a chosen
// backend, each expression compiled fused (`fuse: 'auto'`, i.e. WebGL or WebGPU shaders, WASM SIMD sweeps) is
// compared with the unfused compile and with core's float64 interpreter of the DSL (values and gradients),
// and timed against the unfused compile and tf.losses.
import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, type Compilable, type Expr, ce, compile, entropy, linearCrossEntropy, logProb, logit, prob, square, yTrue } from '@losskit/core';
import { focal, logitAdjusted, logZSquared, squentropy, stableMaxCe } from '@losskit/losses';
// The float64 interpreter of the DSL that core's property tests use (written from the TSDoc, not from the kernels).
import { dsl64 } from '../../../packages/core/test/reference/dsl64.js';
import { useBackend } from './backend.js';

const ldr = (C: number) => logit().minus(logit().target().expand()).plus(yTrue().neg().plus(1).scale(2)).logSumExp().minus(Math.log(C));
const userComposed = ce({ labelSmoothing: 0.1 })
  .plus(logit().max().minus(logit().target()).plus(1).relu().scale(0.5))
  .plus(logit().logSumExp().pow(2).scale(1e-4));

/** The benchmarked / checked expressions for `C` classes. */
function cases(C: number): [string, Compilable][] {
  const priors = Array.from({ length: C }, (_, j) => (j + 1) / ((C * (C + 1)) / 2));
  return [
    ['CE', ce()],
    ['squentropy', squentropy()],
    ['focal γ=2', prob().neg().plus(1).pow(2).times(logProb()).times(yTrue()).sum().scale(-0.25)],
    ['focal (losses)', focal({ gamma: 2 })],
    ['LDR-KL δ=2 λ=1', ldr(C)],
    ['user-composed', userComposed],
    ['ce + z-loss', ce().plus(logZSquared({ coefficient: 1e-2 }))],
    ['logit adjustment', logitAdjusted({ priors, tau: 1 })],
    ['StableMax CE', stableMaxCe()],
    ['entropy-regularised CE', ce().plus(entropy().scale(0.1)).plus(square().incorrect().scale(0.01))],
    // Selects (issue #24): torch's multi-margin loss (class-level where), and a sample-level where with a fallback value.
    ['multi-margin (where)', logit().minus(logit().target().expand()).plus(1).relu().where(yTrue().neg().plus(1)).mean()],
    ['CE where max z > 1, else 0.5', ce().where(logit().max().minus(1).relu(), 0.5)],
  ];
}

function data(B: number, C: number, seed: number) {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const z = Array.from({ length: B }, () => Array.from({ length: C }, () => (u() + u() + u() - 1.5) * 4));
  const y = Array.from({ length: B }, () => Math.floor(u() * C));
  return { z, y };
}

/**
 * Float32 tolerance against the float64 reference: 1e-5 relative plus `F32_ATOL` of the largest entry (GPU
 * `exp`/`log` built-ins are accurate to a few float32 ulps, and the gradient's entries near 0 are differences
 * of O(max) terms).
 */
const F32_ATOL = 1e-5;

/** worst |a - b| / (1e-5·|b| + atol·max|b|): float32-aware closeness (≤ 1 passes). */
function closeness(a: ArrayLike<number>, b: ArrayLike<number>, atol: number): number {
  let scale = 0;
  for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k]!));
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!) / (1e-5 * Math.abs(b[k]!) + atol * scale + 1e-30));
  return worst;
}

/** worst |a - b| of column sums over `B` rows, in units of 1e-5·B·max|g| (what float32 sums of the gradient carry). */
function columnSums(a: ArrayLike<number>, b: ArrayLike<number>, g: ArrayLike<number>, B: number): number {
  let scale = 0;
  for (let k = 0; k < g.length; k++) scale = Math.max(scale, Math.abs(g[k]!));
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!) / (1e-5 * B * scale + 1e-30));
  return worst;
}

/** Fused vs unfused on `backend` for every case, integer labels and one-hot targets, at several C. */
async function check(backend: BackendName) {
  const active = await useBackend(backend);
  const rows: { name: string; C: number; scale: number; targets: string; engine: string | undefined; perSample: number; grad: number; f64: number; finite: boolean }[] = [];
  const before = tf.memory().numTensors;
  // C = 10 / 37 / 64 run the four-classes-at-a-time shader loop with 2 / 1 / 0 tail classes; the last
  // case scales logits to about ±1e4.
  for (const [C, scale] of [[3, 1], [10, 1], [37, 1], [64, 1], [37, 2500]] as const) {
    const d = data(7, C, 7 + C); // odd B and odd C: packed gradients have a padding row and column
    // float32 values, so that the float64 reference sees exactly the logits the kernels see.
    const z = d.z.map((row) => row.map((v) => Math.fround(v * scale)));
    const y = d.y;
    const oneHot = y.map((k) => Array.from({ length: C }, (_, j) => (j === k ? 1 : 0)));
    for (const [name, expr] of cases(C)) {
      // 'labels, packed logits': logits from an elementwise op, which tfjs-webgl stores as a packed texture
      // (as a dense layer's matMul output is); the fused shaders unpack it once per step.
      for (const [targets, t, packed] of [['labels', y, false], ['one-hot', oneHot, false], ['labels, packed logits', y, true]] as const) {
        // Read back with data(): tfjs-backend-webgpu's dataSync() goes through a canvas, which headless
        // SwiftShader does not support (it returns zeros).
        const run = async (fuse: 'auto' | false) => {
          const l = compile(expr, { fuse });
          const zIn = packed ? tf.tidy(() => tf.add(tf.tensor2d(z), 0)) : z;
          const ps = l.perSample(t, zIn);
          const vg = l.valueAndGrad(t, zIn);
          if (packed) tf.dispose(zIn as tf.Tensor);
          // Column sums through a (packed, on WebGL) matMul with the odd batch as shared dimension, as a
          // dense layer's backward pass uses the gradient: the packed gradient's padding row is multiplied
          // by the zero padding of the ones, so a non-finite padding value would turn the sums into NaN.
          const cs = tf.tidy(() => tf.matMul(tf.ones([1, z.length]), vg.grad));
          const out = { ps: await ps.data(), g: await vg.grad.data(), cs: await cs.data(), engine: l.engine };
          tf.dispose([ps, vg.value, vg.grad, cs]);
          return out;
        };
        const f = await run('auto');
        const u = await run(false);
        const ref = dsl64(expr, { reduction: 'mean' }, { yTrue: t as number[] | number[][], yPred: z });
        rows.push({
          name, C, scale, targets, engine: f.engine,
          perSample: closeness(f.ps, u.ps, 1e-6), grad: Math.max(closeness(f.g, u.g, 1e-6), columnSums(f.cs, u.cs, u.g, z.length)),
          f64: Math.max(closeness(f.ps, ref.perSample!, F32_ATOL), closeness(f.g, ref.grad, F32_ATOL)),
          finite: [...f.ps, ...f.g].every(Number.isFinite),
        });
      }
    }
  }
  // What the backward pass reads is kept by refcount (core's fused kernels, `hold`), not cloned as tfjs's save() does:
  // under a tape, the forward pass grows tf.memory().numBytes by its results only, not by another copy of the logits.
  const held = (() => {
    const [B, C] = [7, 64];
    const l = compile(cases(C)[0]![1]);
    const z = tf.tensor2d(data(B, C, 5).z);
    const y = data(B, C, 5).y;
    let added = Number.NaN;
    const g = tf.grad((x: tf.Tensor) => {
      const b0 = tf.memory().numBytes;
      const v = l(y, x as tf.Tensor2D);
      added = tf.memory().numBytes - b0;
      return v;
    })(z);
    tf.dispose([g, z]);
    return { added, logitsBytes: B * C * 4, engine: l.engine };
  })();
  return { backend: active, rows, leaked: tf.memory().numTensors - before, held };
}

/**
 * `linearCrossEntropy(h, W, labels, { expr })` (on WebGPU its WGSL passes: the pipeline cache then holds a
 * 'losskit linear' program) against the dense path on the same backend (`compile(expr)` on `tf.matMul(h, W)`) and
 * core's float64 DSL interpreter on float64 `h·W`: loss and gradients for `h` and `W`, at V ∈ {3, 10, 37}, and
 * V = 37 with logits near ±1e4; closeness ≤ 1 at 1e-5 relative + 1e-5 of the largest entry.
 */
async function checkLinear(backend: BackendName) {
  const active = await useBackend(backend);
  const before = tf.memory().numTensors;
  const rows: { name: string; V: number; scale: number; dense: number; f64: number; finite: boolean }[] = [];
  const B = 7;
  const D = 5;
  for (const [V, scale] of [[3, 1], [10, 1], [37, 1], [37, 2500]] as const) {
    const hv = data(B, D, 11 + V).z.map((r) => r.map((v) => Math.fround(v * Math.sqrt(scale))));
    const Wv = data(D, V, 13 + V).z.map((r) => r.map((v) => Math.fround(v * Math.sqrt(scale))));
    const y = data(B, V, 17 + V).y;
    const priors = Array.from({ length: V }, (_, j) => (j + 1) / ((V * (V + 1)) / 2));
    const exprs: [string, Expr<'sample'>][] = [
      ['CE', ce()],
      ['CE, label smoothing 0.1', ce({ labelSmoothing: 0.1 })],
      ['ce + z-loss', ce().plus(logZSquared({ coefficient: 1e-2 })) as Expr<'sample'>],
      ['focal (losses)', focal({ gamma: 2 }) as Expr<'sample'>],
      ['squentropy', squentropy() as Expr<'sample'>],
      ['logit adjustment', logitAdjusted({ priors, tau: 1 }) as Expr<'sample'>],
    ];
    for (const [name, expr] of exprs) {
      const h = tf.tensor2d(hv);
      const W = tf.tensor2d(Wv);
      const grads = async (f: (a: tf.Tensor, b: tf.Tensor) => tf.Scalar) => {
        const { value, grads: [gh, gW] } = tf.valueAndGrads(f as (...a: tf.Tensor[]) => tf.Scalar)([h, W]);
        const out = { v: await value.data(), gh: await gh!.data(), gW: await gW!.data() };
        tf.dispose([value, gh!, gW!]);
        return out;
      };
      const dense = compile(expr);
      const a = await grads((hh, ww) => linearCrossEntropy(hh as tf.Tensor2D, ww as tf.Tensor2D, y, { expr }));
      const b = await grads((hh, ww) => dense(y, tf.matMul(hh, ww)) as tf.Scalar);
      tf.dispose([h, W]);
      const z = hv.map((row) => Array.from({ length: V }, (_, j) => row.reduce((s, x, d) => s + x * Wv[d]![j]!, 0)));
      const r = dsl64(expr, { reduction: 'mean' }, { yTrue: y, yPred: z });
      const G = r.grad;
      const rh = hv.flatMap((_, i) => Array.from({ length: D }, (_, d) => Wv[d]!.reduce((s, w, j) => s + G[i * V + j]! * w, 0)));
      const rW = Wv.flatMap((_, d) => Array.from({ length: V }, (_, j) => hv.reduce((s, row, i) => s + row[d]! * G[i * V + j]!, 0)));
      const close = (p: typeof a, q: { v: ArrayLike<number>; gh: ArrayLike<number>; gW: ArrayLike<number> }) =>
        Math.max(closeness(p.v, q.v, F32_ATOL), closeness(p.gh, q.gh, F32_ATOL), closeness(p.gW, q.gW, F32_ATOL));
      rows.push({ name, V, scale, dense: close(a, b), f64: close(a, { v: r.value, gh: rh, gW: rW }), finite: [...a.v, ...a.gh, ...a.gW].every(Number.isFinite) });
    }
  }
  const cache = (tf.backend() as unknown as { pipelineCache?: Record<string, unknown> }).pipelineCache;
  const wgslRan = cache !== undefined && Object.keys(cache).some((k) => k.startsWith('losskit linear'));
  return { backend: active, rows, wgslRan, leaked: tf.memory().numTensors - before };
}

/** Median ms of forward (value read back) and forward+backward (on WebGL also the gradient's last row) per variant; `only` picks cases by name ('dense-layer step': that step only). */
async function bench(backend: BackendName, B: number, C: number, runs = 7, only?: readonly string[]) {
  const active = await useBackend(backend);
  const { y } = data(B, 2, 1);
  const labelValues = Int32Array.from(y, (k, i) => (k * 7919 + i) % C);
  const labelTensor = tf.tensor1d(labelValues, 'int32');
  // compile() checks integer labels on the host: on WebGPU they are passed as a host array (a tensor would be
  // read back through tfjs-backend-webgpu's dataSync(), which headless SwiftShader does not support).
  const labels = active === 'webgpu' ? labelValues : labelTensor;
  const logits = tf.randomNormal([B, C], 0, 3, 'float32', 1) as tf.Tensor2D;
  const onehot = tf.cast(tf.oneHot(labelTensor, C), 'float32');
  // GPU backends: read the gradient's last row back to wait for it (with data(): tfjs-backend-webgpu's dataSync()
  // goes through a canvas, which headless SwiftShader does not support); WASM/CPU kernels are synchronous
  // (and tfjs-backend-wasm's slice would copy the whole gradient).
  const gpu = active === 'webgl' || active === 'webgpu';
  const read = async (t: tf.Tensor) => {
    await t.data();
    t.dispose();
  };
  const step = (f: (x: tf.Tensor) => tf.Tensor) => async () => {
    const [value, last] = tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => f(x))(logits);
      return [value, gpu ? tf.slice(grad, [B - 1, 0], [1, C]) : undefined] as const;
    });
    await read(value);
    if (last) await read(last);
  };
  /** Medians of interleaved rounds (each round runs every variant once, in a rotating order), so that drift hits all alike. */
  const timeAll = async (fs: Record<string, () => Promise<void>>): Promise<Record<string, number>> => {
    const names = Object.keys(fs);
    for (let w = 0; w < 2; w++) for (const n of names) await fs[n]!();
    const ts: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < names.length; k++) {
        const n = names[(k + r) % names.length]!;
        const t0 = performance.now();
        await fs[n]!();
        ts[n]!.push(performance.now() - t0);
      }
    }
    return Object.fromEntries(names.map((n) => [n, ts[n]!.sort((a, b) => a - b)[Math.floor(runs / 2)]!]));
  };
  const forward = (f: (x: tf.Tensor) => tf.Tensor) => () => read(tf.tidy(() => f(logits)));
  const rows: { loss: string; mode: string; variant: string; ms: number; engine?: string | undefined }[] = [];
  for (const [name, expr] of cases(C).filter(([n]) => (only ?? ['CE', 'squentropy', 'focal γ=2', 'LDR-KL δ=2 λ=1', 'user-composed']).includes(n))) {
    const unfused = compile(expr, { fuse: false });
    const fused = compile(expr);
    for (const [mode, wrap] of [['forward', forward], ['forward+backward', step]] as const) {
      const ms = await timeAll({
        ...(name === 'CE' || name === 'squentropy' ? { 'tf.losses.softmaxCrossEntropy': wrap((x) => tf.losses.softmaxCrossEntropy(onehot, x)) } : {}),
        'compiled unfused (fuse: false)': wrap((x) => unfused(labels, x)),
        'compiled fused': wrap((x) => fused(labels, x)),
      });
      for (const [variant, t] of Object.entries(ms)) rows.push({ loss: name, mode, variant, ms: t, ...(variant === 'compiled fused' ? { engine: fused.engine } : {}) });
    }
  }
  // A dense layer's training step: logits = h·W from tfjs's (packed) matMul, CE, gradient w.r.t. W. On
  // WebGL the logits arrive as a packed texture, which the fused shaders unpack once per step.
  if (!only || only.includes('CE') || only.includes('dense-layer step')) {
    const h = tf.randomNormal([B, 4], 0, 1, 'float32', 2);
    const W = tf.variable(tf.randomNormal([4, C], 0, 1, 'float32', 3));
    const dense = (loss: (y: tf.Tensor | Int32Array, z: tf.Tensor) => tf.Scalar) => async () => {
      const [value, last] = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => loss(labels, tf.matMul(h, W)), [W]);
        return [value, tf.slice(grads[W.name]!, [3, 0], [1, C])] as const;
      });
      await read(value);
      await read(last);
    };
    const unfusedCe = compile(ce(), { fuse: false });
    const fusedCe = compile(ce());
    // The same step with the layer fused into the loss: linearCrossEntropy (on WebGPU its WGSL passes, no logits).
    const linearStep = async () => {
      const [value, last] = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => linearCrossEntropy(h as tf.Tensor2D, W as tf.Tensor2D, labels instanceof tf.Tensor ? labelValues : labels), [W]);
        return [value, tf.slice(grads[W.name]!, [3, 0], [1, C])] as const;
      });
      await read(value);
      await read(last);
    };
    const ms = await timeAll({
      'compiled unfused (fuse: false)': dense((y, z) => unfusedCe(y, z) as tf.Scalar),
      'compiled fused': dense((y, z) => fusedCe(y, z) as tf.Scalar),
      ...(active === 'webgpu' ? { 'fused: linearCrossEntropy, WGSL': linearStep } : {}),
    });
    for (const [variant, t] of Object.entries(ms)) rows.push({ loss: 'CE', mode: 'dense-layer step (packed logits)', variant, ms: t, ...(variant === 'compiled fused' ? { engine: fusedCe.engine } : {}) });
    tf.dispose([h, W]);
  }
  tf.dispose([labelTensor, logits, onehot]);
  return { backend: active, B, C, rows };
}

declare global {
  interface Window {
    losskitFusion: { check: typeof check; checkLinear: typeof checkLinear; bench: typeof bench; tf: typeof tf; useBackend: typeof useBackend };
  }
}
window.losskitFusion = { check, checkLinear, bench, tf, useBackend };
document.getElementById('out')!.dataset.ready = '1';
