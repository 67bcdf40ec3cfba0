/**
 * The row program's select node (`where`) and per-class constants that depend on the row length (issue #24):
 * every CPU path (JS kernel at C = 7, WASM SIMD sweeps at C = 40, unfused) against the float64 interpreter at
 * random, tied ±1e30 and ±1e4 logits; a non-finite value in the untaken branch reaches neither the value nor the
 * gradient on the fused paths; and the GLSL / WGSL emitters write the select (scalar and `vec4`) and the guard.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/fusion/analysis.js';
import { glsl } from '../src/fusion/glsl.js';
import { GpuKernels } from '../src/fusion/gpu.js';
import { buildRowProgram, classConstantsAt } from '../src/fusion/program.js';
import { wgsl } from '../src/fusion/wgsl.js';
import { ce, compile, constant, defineFusedForm, defineOp, type Expr, logit, node, ready, square, yTrue } from '../src/index.js';
import { f32, randomMatrix } from '../src/testing/index.js';
import { checkCall } from './reference/fusionCheck.js';

beforeAll(async () => {
  await ready();
});

/** torch MultiMarginLoss (p = 1, margin 1): mean over classes of [1 − z_y + z_j]_+ where j ≠ y. */
const multiMargin = () => logit().minus(logit().target().expand()).plus(1).relu().where(yTrue().neg().plus(1)).mean();
/** A select with a non-zero `otherwise` at class level and a sample-level select on the CE. */
const selects: [string, Expr<'sample'>][] = [
  ['multi-margin (class-level where)', multiMargin()],
  ['where(z − 1, z, otherwise −2), summed', logit().where(logit().minus(1).relu(), -2).sum()],
  ['CE where max z > 2 (sample-level where)', ce().where(logit().max().minus(2).relu(), 0.5)],
  ['squared CE where the label logit is the largest (mask of a max)', ce().pow(2).where(logit().target().minus(logit().max()).plus(1e-3).relu())],
];

const rows = (C: number) =>
  [
    Array.from({ length: C }, (_, j) => (j < 2 ? 1e30 : j === 2 ? -1e30 : 0)),
    Array.from({ length: C }, (_, j) => (j % 3 === 1 ? -1e30 : j === 0 || j === 4 || j === 5 ? 1e30 : 0.5)),
    Array.from({ length: C }, (_, j) => (j < 3 ? 1e4 : j === 3 ? -1e4 : 0.25 * j)),
    Array.from({ length: C }, () => 3),
    ...f32(randomMatrix(2, C, 51, 3)),
  ].map((row) => row.map(Math.fround));

describe('select (where) in the row program: every path equals float64 at random, tied ±1e30 and ±1e4 logits', () => {
  for (const C of [7, 40]) {
    for (const [name, expr] of selects) {
      it(`${name}, C = ${C}: fuses; JS kernel, ${C >= 32 ? 'SIMD sweeps' : 'default engine'} and unfused equal float64 (or throw NON_FINITE_OUTPUT where float32 overflows)`, async () => {
        expect(compile(expr).fused).toBe(true);
        const r = await checkCall(expr, { yTrue: [0, 4, 1, 6, 2, 5], yPred: rows(C) });
        expect(r.failures.length, r.report()).toBe(0);
        expect(r.engines.js).toBe('js');
        if (C >= 32) expect(r.engines.auto).toBe('wasm-simd');
      });
    }
  }
});

describe('a non-finite value in the untaken branch of a select reaches neither the value nor the gradient', () => {
  // Σ_j [y_j ≠ 0] exp(z_j) = exp(z_y): exp(1e30) = ∞ in every other class, in the untaken branch. The unfused
  // chain rule multiplies tf.where's zero adjoint by exp' = ∞ (NaN); the fused kernels skip it.
  for (const C of [7, 40]) {
    for (const fuse of ['js', 'auto'] as const) {
      it(`Σ where(exp(z), y) at z = 1e30 off the label is exp(z_y) with gradient exp(z_y)·[j = y] (fuse: '${fuse}', C = ${C})`, () => {
        const zRow = Array.from({ length: C }, (_, j) => (j === 1 ? 0.5 : 1e30));
        const before = tf.memory().numTensors;
        const l = compile(logit().exp().where(yTrue()).sum(), { fuse });
        const vg = l.valueAndGrad([1], [zRow]);
        const ps = l.perSample([1], [zRow]);
        expect(l.engine).toBe(fuse === 'js' || C < 32 ? 'js' : 'wasm-simd');
        expect(ps.dataSync()[0]).toBeCloseTo(Math.exp(0.5), 5);
        const g = Array.from(vg.grad.dataSync());
        expect(g[1]).toBeCloseTo(Math.exp(0.5), 5);
        expect(g.filter((_, j) => j !== 1).every((v) => v === 0)).toBe(true);
        tf.dispose([vg.value, vg.grad, ps]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});

describe('target() of dense targets: classes with zero target mass add nothing, also where the term is not finite', () => {
  // Σ_j y_j·(ŷ_j − y_j)²/y_j: the term is ∞ (x/0) in every class with y_j = 0, which the unfused path drops
  // (fuzz seed 88, call 10214: the fused kernels computed 0·∞ = NaN and threw NON_FINITE_OUTPUT).
  for (const C of [3, 40]) {
    for (const fuse of ['js', 'auto'] as const) {
      it(`square().div(yTrue()).target() with one-hot rows equals the float64 Σ_j [y_j ≠ 0] (z_j − 1)² and its gradient 2(z_y − 1) at the label (fuse: '${fuse}', C = ${C})`, () => {
        const z = [Array.from({ length: C }, (_, j) => 0.25 * j - 1), Array.from({ length: C }, (_, j) => (j % 3) - 0.5)];
        const labels = [1, 0];
        const t = labels.map((k) => Array.from({ length: C }, (_, j) => (j === k ? 1 : 0)));
        const before = tf.memory().numTensors;
        const l = compile(square().div(yTrue()).target(), { fuse, reduction: 'sum' });
        const vg = l.valueAndGrad(t, z);
        expect(l.fused).toBe(true);
        const want = labels.reduce((s, k, i) => s + (z[i]![k]! - 1) ** 2, 0);
        expect(Math.abs(vg.value.dataSync()[0]! - want)).toBeLessThan(1e-5 * Math.max(1, want));
        const g = vg.grad.arraySync() as number[][];
        labels.forEach((k, i) => g[i]!.forEach((v, j) => expect(Math.abs(v - (j === k ? 2 * (z[i]![k]! - 1) : 0))).toBeLessThan(1e-5)));
        tf.dispose([vg.value, vg.grad]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});

describe('incorrect(): the label class adds nothing, also where the term is not finite there', () => {
  // log(1 − y_j) is −∞ at the label and 0 elsewhere, so ce() + mean_{j≠y} log(1 − y_j) is CE exactly; the unfused
  // path drops the label class (fuzz seed 77, call 19812: log(bce) = −∞ at the label, and the fused kernels
  // computed 0·(−∞) = NaN and threw NON_FINITE_OUTPUT).
  for (const C of [7, 40]) {
    for (const fuse of ['js', 'auto'] as const) {
      for (const kind of ['integer labels', 'one-hot'] as const) {
        it(`ce() + mean_{j≠y} log(1 − y_j) equals the float64 CE and its gradient softmax − onehot (fuse: '${fuse}', C = ${C}, ${kind})`, () => {
          const z = f32(randomMatrix(3, C, 77 + C, 3));
          const labels = [0, C - 1, Math.floor(C / 2)];
          const t = kind === 'one-hot' ? labels.map((k) => Array.from({ length: C }, (_, j) => (j === k ? 1 : 0))) : labels;
          const before = tf.memory().numTensors;
          const l = compile(ce().plus(yTrue().neg().plus(1).log().incorrect()), { fuse, reduction: 'sum' });
          const vg = l.valueAndGrad(t, z);
          expect(l.fused).toBe(true);
          let want = 0;
          const wantG = z.map((row, i) => {
            const m = Math.max(...row);
            const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
            want += m + Math.log(s) - row[labels[i]!]!;
            return row.map((v, j) => Math.exp(v - m) / s - (j === labels[i] ? 1 : 0));
          });
          expect(Math.abs(vg.value.dataSync()[0]! - want)).toBeLessThan(1e-5 * Math.max(1, want));
          const g = vg.grad.arraySync() as number[][];
          g.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - wantG[i]![j]!)).toBeLessThan(1e-6)));
          tf.dispose([vg.value, vg.grad]);
          expect(tf.memory().numTensors).toBe(before);
        });
      }
    }
  }
});

describe('per-class constants that depend on the row length (a fused form returning perClass)', () => {
  // A table over the classes known only at the call: 2 at class 1, 5 at class 3, −1 elsewhere; its fused form has
  // none below 4 classes (the op itself evaluates at any C).
  const values = (C: number) => Array.from({ length: C }, (_, j) => (j === 1 ? 2 : j === 3 ? 5 : -1));
  const tableOp = defineOp<Record<string, never>>({ kind: 'test.fusionSelectTable', evaluate: (c) => tf.tensor1d(values(c.numClasses)), print: () => 'table' });
  const table = (C: number) => (C < 4 ? undefined : values(C));
  defineFusedForm('test.fusionSelectTable', () => ({ perClass: table }));
  const t = () => node<'class'>(tableOp, 'class', [], {});
  const expr = logit().times(t()).logSumExp().minus(t().target().expand().times(logit()).target());

  it('resolves the table per row length, and returns undefined when the table has no value for C', () => {
    const prog = buildRowProgram(expr, true)!;
    expect(prog.classConstants.length).toBe(2);
    expect(Array.from(classConstantsAt(prog, 5)![0]!)).toEqual([-1, 2, -1, 5, -1]);
    expect(classConstantsAt(prog, 3)).toBeUndefined();
  });
  for (const C of [7, 40]) {
    it(`lse(z·t) − t_y z_y: fused (JS and default engine) equals the unfused op at C = ${C}, integer labels and one-hot`, () => {
      const z = f32(randomMatrix(3, C, 52, 2));
      const labs = [1, 3, 0];
      for (const y of [labs, labs.map((k) => Array.from({ length: C }, (_, j) => (j === k ? 1 : 0)))]) {
        const run = (fuse: 'js' | 'auto' | false) => {
          const l = compile(expr, { fuse });
          const vg = l.valueAndGrad(y, z);
          const out = { v: vg.value.dataSync()[0]!, g: Array.from(vg.grad.dataSync()), engine: l.engine };
          tf.dispose([vg.value, vg.grad]);
          return out;
        };
        const ref = run(false);
        for (const fuse of ['js', 'auto'] as const) {
          const got = run(fuse);
          expect(got.engine).not.toBe('tfjs');
          expect(Math.abs(got.v - ref.v)).toBeLessThanOrEqual(1e-5 * Math.abs(ref.v) + 1e-6);
          got.g.forEach((v, k) => expect(Math.abs(v - ref.g[k]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref.g[k]!))));
        }
      }
    });
  }
  it('at a row length the fused table does not cover (C = 3) the call keeps the unfused path: lse(z·t) − t_1 z_1', () => {
    const l = compile(expr);
    const v = l([1], [[0.1, 0.2, 0.3]]);
    expect(l.engine).toBe('tfjs');
    const zt = [-0.1, 0.4, -0.3];
    const lse = Math.log(zt.reduce((a, x) => a + Math.exp(x), 0));
    expect(v.dataSync()[0]).toBeCloseTo(lse - 2 * 0.2, 5);
    v.dispose();
  });
});

describe('GLSL and WGSL emit the select and skip the chain rule under it where the adjoint is 0', () => {
  const prog = buildRowProgram(logit().exp().where(yTrue().neg().plus(1)).mean().plus(constant(1, 'sample').where(ce())), true)!;
  const an = analyze(prog);
  it('the analysis marks the where operand (exp and below) as guarded, not the mask', () => {
    const ids = (t: string) => prog.vec.flatMap((n, i) => (n.t === t || (n.t === 'un' && n.f === t) ? [i] : []));
    expect(ids('exp').every((i) => an.guardV[i])).toBe(true);
    expect(ids('y').some((i) => an.guardV[i])).toBe(false);
  });
  it('GLSL: scalar ternary select, vec4 select with mix(…, bvec4), guarded adjoints', () => {
    const src = Object.values(new GpuKernels(an, glsl, 't').sources(40)).join('\n');
    expect(src).toMatch(/\(v\d+ != 0\.0 \? v\d+ : 0\.0\)/);
    expect(src).toMatch(/mix\(vec4\(0\.0\), w\d+, notEqual\(w\d+, vec4\(0\.0\)\)\)/);
    expect(src).toMatch(/if \(b\d+ != 0\.0\) \{ b\d+ \+= /);
    expect(src).toMatch(/\(s\d+ != 0\.0 \? s\d+ : 0\.0\)/);
  });
  it('WGSL: select(0, a, mask != 0) on scalars and vec4, guarded adjoints', () => {
    const src = Object.values(new GpuKernels(an, wgsl, 't').sources(40)).join('\n');
    expect(src).toMatch(/select\(0\.0, v\d+, v\d+ != 0\.0\)/);
    expect(src).toMatch(/select\(vec4<f32>\(0\.0\), w\d+, w\d+ != vec4<f32>\(0\.0\)\)/);
    expect(src).toMatch(/if \(b\d+ != 0\.0\) \{ b\d+ \+= /);
  });
});
