import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { activeBackend, ready, wasmSimd } from '@losskit/core';
import { expectNoLeaks } from '@losskit/core/testing';
import {
  adam, adamw, addDecayedWeights, chain, clip, fuse, lion, momentum, nadam, nadamw, nesterov, scale, scaleByAdam, scaleByLearningRate, sgd, signSgd,
  traceMomentum, type GradientTransformation,
} from '../src/index.js';
import { emitWasm } from '../src/fused/wasm.js';
import { Builder, interpret } from '../src/fused/ir.js';

beforeAll(async () => {
  await ready();
});

const code = (c: string) => expect.objectContaining({ code: c });
const SHAPES: Record<string, number[]> = { w: [37, 23], b: [23], s: [3] }; // sizes 851, 23, 3: SIMD body and every tail length

/** Runs `steps` updates of the fused optimizer and of the tfjs path (engine: 'tfjs') on the same gradients. */
function race(make: () => GradientTransformation<any>, steps: number): { maxRel: number; engine: string } {
  const start = tf.tidy(() => Object.fromEntries(Object.entries(SHAPES).map(([k, s], i) => [k, tf.randomNormal(s, 0, 1, 'float32', 1 + i)])));
  const a = Object.fromEntries(Object.entries(start).map(([k, x]) => [k, tf.variable(x)]));
  const b = Object.fromEntries(Object.entries(start).map(([k, x]) => [k, tf.variable(x)]));
  const fa = fuse(make(), a);
  const fb = fuse(make(), b, { engine: 'tfjs' });
  for (let t = 0; t < steps; t++) {
    // Gradients of f = Σ ½(θ − c)² plus noise, new every step (a seed per step and tensor, so runs repeat) and the same
    // for both runs (one draw is shared).
    const noise = tf.tidy(() => Object.fromEntries(Object.entries(SHAPES).map(([k, s], i) => [k, tf.randomNormal(s, 0, 0.1, 'float32', 100 + 10 * t + i)])));
    const grads = (vs: Record<string, tf.Variable>) => tf.tidy(() => Object.fromEntries(Object.entries(vs).map(([k, v]) => [k, tf.add(tf.sub(v, 0.3), noise[k]!)])));
    const ga = grads(a);
    const gb = grads(b);
    fa.step(ga);
    fb.step(gb);
    [...Object.values(ga), ...Object.values(gb), ...Object.values(noise)].forEach((x) => x.dispose());
  }
  let maxRel = 0;
  for (const k of Object.keys(SHAPES)) {
    const x = a[k]!.dataSync();
    const y = b[k]!.dataSync();
    for (let i = 0; i < x.length; i++) maxRel = Math.max(maxRel, Math.abs(x[i]! - y[i]!) / Math.max(Math.abs(y[i]!), 1e-3));
  }
  const engine = fa.engine;
  fa.dispose();
  fb.dispose();
  [...Object.values(a), ...Object.values(b), ...Object.values(start)].forEach((v) => v.dispose());
  return { maxRel, engine };
}

describe('fused update kernel vs the tfjs path: 1,000 steps agree to 1e-6 relative', () => {
  const cases: [string, () => GradientTransformation<any>][] = [
    ['adam', () => adam({ learningRate: 1e-2 })],
    ['adam (epsRoot 1e-8)', () => adam({ learningRate: 1e-2, epsRoot: 1e-8 })],
    ['adamw', () => adamw({ learningRate: 1e-2, weightDecay: 1e-2 })],
    ['nadam', () => nadam({ learningRate: 1e-2 })],
    ['nadamw with a cosine-like schedule', () => nadamw({ learningRate: (t) => 1e-2 / (1 + t / 100), weightDecay: 0.05 })],
    ['lion', () => lion({ learningRate: 1e-3, weightDecay: 0.1 })],
    ['sgd', () => sgd({ learningRate: 0.05 })],
    ['momentum', () => momentum({ learningRate: 0.02, momentum: 0.9 })],
    ['nesterov', () => nesterov({ learningRate: 0.02, momentum: 0.9 })],
    ['chain(clip, scaleByAdam, addDecayedWeights, traceMomentum, scale, scaleByLearningRate)', () => chain(clip(0.5), scaleByAdam({ b2: 0.99 }), addDecayedWeights(1e-3), traceMomentum({ decay: 0.5 }), scale(0.5), scaleByLearningRate(1e-2))],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const r = race(make, 1000);
      if (activeBackend() === 'wasm' && wasmSimd()) expect(r.engine).toBe('wasm-simd');
      expect(r.maxRel).toBeLessThanOrEqual(1e-6);
    }, 120_000);
  }
});

describe('fuse: engines, errors and leaks', () => {
  it('a chain with a non-elementwise part runs the tfjs path', () => {
    const v = { w: tf.variable(tf.ones([4])) };
    const f = fuse(chain(signSgd(), scaleByLearningRate(1)), v);
    expect(f.engine).toBe('tfjs');
    const g = { w: tf.tensor1d([1, -1, 0, 2]) };
    f.step(g);
    // signSgd gives −1e-3·sign(g); scaleByLearningRate(1) negates it again: θ + 1e-3·sign(g).
    expect([...v.w.dataSync()]).toEqual([1 + 1e-3, 1 - 1e-3, 1, 1 + 1e-3].map(Math.fround));
    f.dispose();
    g.w.dispose();
    v.w.dispose();
  });

  it('a Variable sharing its buffer with another tensor is copied first, so the other tensor is unchanged', () => {
    const x = tf.tensor1d([1, 2, 3, 4, 5]);
    const v = { w: tf.variable(x) };
    const f = fuse(sgd({ learningRate: 1 }), v);
    const g = { w: tf.ones([5]) };
    f.step(g);
    expect([...v.w.dataSync()]).toEqual([0, 1, 2, 3, 4]);
    expect([...x.dataSync()]).toEqual([1, 2, 3, 4, 5]);
    f.dispose();
    [x, g.w, v.w].forEach((t) => t.dispose());
  });

  it('bad input: not Variables, mismatched grads, a negative scheduled rate (typed errors)', () => {
    const t = { w: tf.ones([3]) };
    expect(() => fuse(adam(), t as never)).toThrow(code('INVALID_ARGUMENT'));
    const v = { w: tf.variable(tf.ones([3])) };
    const f = fuse(sgd({ learningRate: (s) => 0.1 - s }), v);
    const bad = { w: tf.ones([4]) };
    expect(() => f.step(bad)).toThrow(code('SHAPE_MISMATCH'));
    const g = { w: tf.ones([3]) };
    f.step(g);
    expect(() => f.step(g)).toThrow(code('INVALID_PARAMETER'));
    f.dispose();
    [t.w, v.w, bad.w, g.w].forEach((x) => x.dispose());
  });

  it('1,000 fused adam steps allocate no tensors (memory unchanged after the state is made)', () => {
    const v = { w: tf.variable(tf.ones([1000])) };
    const g = { w: tf.ones([1000]) };
    expectNoLeaks(() => {
      const f = fuse(adam(), v);
      for (let i = 0; i < 1000; i++) f.step(g);
      f.dispose();
    }, 'fused adam');
    v.w.dispose();
    g.w.dispose();
  });

  it('the tfjs engine (reference path) leaks nothing over 1,000 steps either', () => {
    const v = { w: tf.variable(tf.ones([10])) };
    const g = { w: tf.ones([10]) };
    expectNoLeaks(() => {
      const f = fuse(adamw(), v, { engine: 'tfjs' });
      expect(f.engine).toBe('tfjs');
      for (let i = 0; i < 1000; i++) f.step(g);
      expect(f.count).toBe(1000);
      f.dispose();
    }, 'fuse tfjs engine');
    v.w.dispose();
    g.w.dispose();
  });

  it('the emitted module validates, and the interpreter computes a ← a·s₀ + sign(b) with the exact sign (sign(1e-8) = 1, sign(0) = 0)', () => {
    const bld = new Builder(2);
    const s = bld.scalar();
    bld.write(0, bld.bin('add', bld.bin('mul', bld.input(0), s.e), bld.un('sign', bld.input(1))));
    const prog = bld.program();
    expect(WebAssembly.validate(emitWasm(prog))).toBe(true);
    const a = Float32Array.from([1, 2, 3]);
    interpret(prog, [a, Float32Array.from([-2, 1e-8, 0])], [0.5]);
    expect([...a]).toEqual([-0.5, 2, 1.5]);
  });
});
